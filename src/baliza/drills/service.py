"""Reads and writes of drill runs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.drills.models import DrillRun


async def active_run(*, db_session: AsyncSession, workspace_id: int) -> DrillRun | None:
    """The drill running in a workspace, if any: while it runs, every alert there is a drill alert."""
    query = (
        select(DrillRun)
        .where(DrillRun.workspace_id == workspace_id, DrillRun.status == "running")
        .order_by(DrillRun.id.desc())
        .limit(1)
    )
    return (await db_session.execute(query)).scalar_one_or_none()


async def list_runs(*, db_session: AsyncSession, workspace_id: int, limit: int = 50) -> list[DrillRun]:
    """Newest first."""
    query = select(DrillRun).where(DrillRun.workspace_id == workspace_id).order_by(DrillRun.id.desc()).limit(limit)
    return list((await db_session.execute(query)).scalars())


__all__ = ["active_run", "list_runs"]
