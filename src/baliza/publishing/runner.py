"""Publishes scheduled posts when they fall due (or holds them during a crisis freeze), for every workspace, and
writes the metric snapshots on the timeline of open incidents."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from baliza.core import loops
from baliza.core.clock import utcnow
from baliza.core.config import Settings
from baliza.incidents import monitor
from baliza.plans import flows as plan_flows
from baliza.publishing import channels
from baliza.publishing import flows as calendar_flows
from baliza.storage.db import Database
from baliza.workspaces import service as workspace_service

log = logging.getLogger(__name__)


class CalendarRunner:
    """``step()`` once, or ``run_forever()`` in the server."""

    def __init__(self, db: Database, settings: Settings, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock

    async def step(self, now: datetime | None = None) -> dict[str, list[int]]:
        """Publish or hold everything due at ``now``; ids by outcome across workspaces."""
        now = now or self.clock()
        out: dict[str, list[int]] = {"published": [], "held": [], "failed": []}
        async with self.db.session() as session:
            workspaces = await workspace_service.list_all(db_session=session)
        for workspace in workspaces:
            async with self.db.session() as session:
                plan = await plan_flows.current_plan(db_session=session, workspace_id=workspace.id)
                done = await calendar_flows.run_due(
                    db_session=session, workspace_id=workspace.id, plan=plan,
                    publish_fn=channels.post_publisher(self.db, workspace.id, self.settings), now=now,
                )  # fmt: skip
                # The same round keeps the incidents' timelines current with the crisis' numbers.
                await monitor.snapshot_open_incidents(db_session=session, workspace_id=workspace.id, now=now)
                await session.commit()
            for key, ids in done.items():
                out[key].extend(ids)
        return out

    async def run_forever(self, interval: float) -> None:
        """Step every ``interval`` seconds until cancelled; a failing round is logged, not fatal."""
        await loops.every(interval, self.step, name="calendar_step_failed")


def running(runner: CalendarRunner, interval: float) -> contextlib.AbstractAsyncContextManager[asyncio.Task[None]]:
    """Run ``runner`` in the background for the duration of an ``async with`` block."""
    return loops.background(runner.run_forever(interval))


__all__ = ["CalendarRunner", "running"]
