"""Prepare a large JSON Lines import in worker processes while this one writes to the database.

Validation, normalisation, watch-rule matching and the analysis fast path are CPU work, and so is
most of a database write (SQLAlchemy, the driver); in one process they take turns on one core.
Here worker processes read the file and prepare the next batches while this process writes.

With the analysis on, preparing a batch costs about five times writing it, so one worker leaves
this process waiting; ``workers_for`` starts one per core then. Worker ``i`` of ``k`` prepares
batches ``i, i + k, i + 2k…`` (every worker reads the same file, so they agree on where batches
start) and this process takes them in turn from each worker's queue, so batches are written in
file order whatever the number of workers.

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
import gc
import itertools
import multiprocessing
import os
import pickle
from collections.abc import AsyncIterator
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from queue import Empty

from baliza.analysis.fast import analyse
from baliza.core import i18n
from baliza.core.errors import BalizaError
from baliza.core.i18n import _
from baliza.ingest.parsing import FileReader
from baliza.ingest.prepare import PrepareConfig, PreparedBatch, Preparer, pack, unpack

MIN_BYTES = 4 * 1024 * 1024
QUEUE_DEPTH = 3
MAX_WORKERS = 4


def worth_a_worker(size_bytes: int, *, min_bytes: int = MIN_BYTES) -> bool:
    """A worker costs a process start (~0.5 s); it pays off for big files on a machine with two cores."""
    return size_bytes >= min_bytes and (os.cpu_count() or 1) >= 2


def workers_for(*, analysis: bool) -> int:
    """How many preparation workers to start: one per core (up to MAX_WORKERS) with the analysis
    on, where preparing is the slow half; one without it, where writing keeps pace with one worker."""
    if not analysis:
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def _run(path: str, config: PrepareConfig, batch_size: int, queue: Queue[bytes], index: int, workers: int) -> None:
    """Worker process ``index`` of ``workers``: read the file, prepare every ``workers``-th batch
    starting at ``index`` and put (bytes read, packed batch) for each; then None; or an error text."""
    try:
        i18n.set_locale(config.locale)
        preparer = Preparer(config)
        if config.analysis:
            # Load the language model, VADER and both lexicons before freezing.
            analyse("Thanks, all good with my order", "en")
            analyse("Gracias, todo bien con el pedido", "es")
        # Everything alive now (modules, models, lexicons) lives as long as the process: keep the
        # garbage collector from walking it again on every collection while batches are prepared.
        gc.freeze()
        reader = FileReader(Path(path), fmt="jsonl", max_line_bytes=config.max_line_bytes)
        for number, lines in enumerate(reader.line_batches(batch_size)):
            if number % workers != index:
                continue
            packed = pack(preparer.prepare_lines(lines))
            queue.put(pickle.dumps((reader.bytes_read, packed), protocol=pickle.HIGHEST_PROTOCOL))
        queue.put(pickle.dumps(None))
    except Exception as exc:  # the worker's boundary: report, don't die silently
        queue.put(pickle.dumps(f"{type(exc).__name__}: {exc}"))


async def prepared_batches(
    path: Path, config: PrepareConfig, *, batch_size: int, workers: int | None = None
) -> AsyncIterator[tuple[int, PreparedBatch]]:
    """(bytes read so far, prepared batch) for each batch of ``path`` in file order, prepared in
    ``workers`` processes (None: ``workers_for``)."""
    count = workers_for(analysis=config.analysis) if workers is None else max(1, workers)
    ctx = multiprocessing.get_context("spawn")
    # Up to QUEUE_DEPTH batches may wait per worker, so workers keep preparing while a write is slow.
    queues: list[Queue[bytes]] = [ctx.Queue(maxsize=QUEUE_DEPTH) for _i in range(count)]
    processes = [
        ctx.Process(target=_run, args=(str(path), config, batch_size, queue, index, count), daemon=True)
        for index, queue in enumerate(queues)
    ]
    for process in processes:
        process.start()
    try:
        for number in itertools.count():
            # Batch n comes from worker n mod k. Waiting happens in a thread that only sits in
            # read(); unpickling happens here.
            turn = number % count
            data = await asyncio.to_thread(_get, queues[turn], processes[turn])
            message = pickle.loads(data)
            if message is None:  # worker n mod k has no batch n: the file is done
                return
            if isinstance(message, str):
                raise BalizaError(_("Preparing the file failed: {reason}").format(reason=message), code="worker")
            bytes_read, packed = message
            yield bytes_read, unpack(packed)
    finally:
        # The other workers may still wait to hand over their end marker; nothing is left to take.
        for process in processes:
            if process.is_alive():
                process.kill()
        for process, queue in zip(processes, queues, strict=True):
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


__all__ = ["MAX_WORKERS", "prepared_batches", "workers_for", "worth_a_worker"]
