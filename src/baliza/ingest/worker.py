"""Prepare a large JSON Lines import in a second process while this one writes to the database.

Validation, normalisation and watch-rule matching are CPU work, and so is most of a database
write (SQLAlchemy, the driver); in one process they take turns on one core. Here a worker process
reads the file and prepares batch n+1 while this process writes batch n.

Design notes (measured, see docs/benchmarks.md):
- The worker reads the file itself and puts batches on a queue, so nothing in this process
  computes in a background thread during the writes. Threads that compute (concurrent.futures'
  manager thread unpickling results) fight the database driver for the GIL and made it slower.
- Batches cross the pipe as flat tuples (``prepare.pack``): loading pickled dicts and datetimes
  cost more than the preparation saved.
- The worker is started with ``spawn`` (never ``fork``: this process has database threads).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
from collections.abc import AsyncIterator
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from queue import Empty

from baliza.core import i18n
from baliza.core.errors import BalizaError
from baliza.core.i18n import _
from baliza.ingest.parsing import FileReader
from baliza.ingest.prepare import PrepareConfig, PreparedBatch, Preparer, pack, unpack

MIN_BYTES = 4 * 1024 * 1024
QUEUE_DEPTH = 3


def worth_a_worker(size_bytes: int, *, min_bytes: int = MIN_BYTES) -> bool:
    """A worker costs a process start (~0.5 s); it pays off for big files on a machine with two cores."""
    return size_bytes >= min_bytes and (os.cpu_count() or 1) >= 2


def _run(path: str, config: PrepareConfig, batch_size: int, queue: Queue[bytes]) -> None:
    """Worker process: read, prepare, put (bytes read, packed batch); then None; or an error text."""
    try:
        i18n.set_locale(config.locale)
        preparer = Preparer(config)
        reader = FileReader(Path(path), fmt="jsonl", max_line_bytes=config.max_line_bytes)
        for lines in reader.line_batches(batch_size):
            packed = pack(preparer.prepare_lines(lines))
            queue.put(pickle.dumps((reader.bytes_read, packed), protocol=pickle.HIGHEST_PROTOCOL))
        queue.put(pickle.dumps(None))
    except Exception as exc:  # the worker's boundary: report, don't die silently
        queue.put(pickle.dumps(f"{type(exc).__name__}: {exc}"))


async def prepared_batches(
    path: Path, config: PrepareConfig, *, batch_size: int
) -> AsyncIterator[tuple[int, PreparedBatch]]:
    """(bytes read so far, prepared batch) for each batch of ``path``, prepared in a worker process."""
    ctx = multiprocessing.get_context("spawn")
    # Up to QUEUE_DEPTH batches may wait here, so the worker keeps preparing while a write is slow.
    queue: Queue[bytes] = ctx.Queue(maxsize=QUEUE_DEPTH)
    process = ctx.Process(target=_run, args=(str(path), config, batch_size, queue), daemon=True)
    process.start()
    try:
        while True:
            # Waiting happens in a thread that only sits in read(); unpickling happens here.
            data = await asyncio.to_thread(_get, queue, process)
            message = pickle.loads(data)
            if message is None:
                return
            if isinstance(message, str):
                raise BalizaError(_("Preparing the file failed: {reason}").format(reason=message), code="worker")
            bytes_read, packed = message
            yield bytes_read, unpack(packed)
    finally:
        if process.is_alive():
            process.kill()
        process.join(timeout=5)
        queue.close()


def _get(queue: Queue[bytes], process: BaseProcess) -> bytes:
    """The next message, or BalizaError if the worker died without sending one."""
    while True:
        try:
            return queue.get(timeout=1)
        except Empty:
            if not process.is_alive():
                raise BalizaError(_("The preparation worker stopped unexpectedly."), code="worker") from None


__all__ = ["prepared_batches", "worth_a_worker"]
