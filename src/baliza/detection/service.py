"""Reads and writes of signals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.errors import NotFoundError
from baliza.core.i18n import _
from baliza.detection.models import Signal


async def create(*, db_session: AsyncSession, workspace_id: int, signal_in: dict[str, Any]) -> Signal:
    """Store one signal."""
    signal = Signal(workspace_id=workspace_id, **signal_in)
    db_session.add(signal)
    await db_session.flush()
    return signal


async def get(*, db_session: AsyncSession, workspace_id: int, signal_id: int) -> Signal:
    """One signal of a workspace; NotFoundError otherwise."""
    signal = await db_session.get(Signal, signal_id)
    if signal is None or signal.workspace_id != workspace_id:
        raise NotFoundError(
            _("No signal {signal_id} in this workspace.").format(signal_id=signal_id),
            details={"field": "signal_id", "value": signal_id},
        )
    return signal


async def list_recent(
    *, db_session: AsyncSession, workspace_id: int, since: datetime | None = None, limit: int = 100
) -> list[Signal]:
    """Newest first."""
    query = select(Signal).where(Signal.workspace_id == workspace_id)
    if since is not None:
        query = query.where(Signal.detected_at >= since)
    query = query.order_by(Signal.detected_at.desc(), Signal.id.desc()).limit(limit)
    return list((await db_session.execute(query)).scalars())


__all__ = ["create", "get", "list_recent"]
