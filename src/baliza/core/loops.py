"""The background loops of the server (detection, analysis, escalation, calendar, sources): one way to run them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


async def every(interval: float, step: Callable[[], Awaitable[object]], *, name: str) -> None:
    """Call ``step`` every ``interval`` seconds until cancelled; a failing round is logged as ``name``, not fatal."""
    while True:
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception:  # the loop's boundary: log with context and try again at the next tick
            log.exception(name)
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def background(loop: Coroutine[Any, Any, None]) -> AsyncIterator[asyncio.Task[None]]:
    """Run ``loop`` as a task for the duration of an ``async with`` block, and cancel it cleanly at the end."""
    task = asyncio.create_task(loop)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


__all__ = ["background", "every"]
