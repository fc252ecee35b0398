"""Prepare large imports in a worker process while this one writes to the database.

Validation, normalisation and watch-rule matching are pure CPU work and the database writes are
mostly CPU work too (SQLAlchemy, the driver); in one process they take turns on one core. With a
second core, a worker process prepares batch n+1 while this process writes batch n. The worker is
started with ``spawn`` (never ``fork``: the parent has database threads) and imports only the
preparation code.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType

from baliza.core import i18n
from baliza.ingest.prepare import PackedBatch, PrepareConfig, PreparedBatch, Preparer, pack, unpack

_preparer: Preparer | None = None


def _start(config: PrepareConfig) -> None:
    global _preparer
    i18n.set_locale(config.locale)
    _preparer = Preparer(config)


def _prepare_lines(lines: list[tuple[int, bytes]]) -> PackedBatch:
    assert _preparer is not None, "worker not initialised"
    return pack(_preparer.prepare_lines(lines))


def worth_a_worker(size_bytes: int, *, min_bytes: int = 4 * 1024 * 1024) -> bool:
    """A worker costs a process start (~0.5 s); it pays off for big files on a machine with two cores."""
    return size_bytes >= min_bytes and (os.cpu_count() or 1) >= 2


class PrepareWorker:
    """One background process that turns JSON Lines batches into prepared batches."""

    def __init__(self, config: PrepareConfig) -> None:
        self._workspace_id = config.workspace_id
        self._pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(config,),
        )

    def submit(self, lines: list[tuple[int, bytes]]) -> Future[PackedBatch]:
        """Start preparing a batch; the result is awaited with :meth:`result`."""
        return self._pool.submit(_prepare_lines, lines)

    async def result(self, future: Future[PackedBatch]) -> PreparedBatch:
        """The prepared batch, once the worker has it."""
        return unpack(await asyncio.wrap_future(future), workspace_id=self._workspace_id)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> PrepareWorker:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


__all__ = ["PrepareWorker", "worth_a_worker"]
