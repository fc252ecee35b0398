"""Signals raised by the detectors, with their evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from baliza.detection import service as signal_service
from baliza.detection.schemas import SignalRead
from baliza.web.auth import ViewerDep
from baliza.web.deps import SessionDep

router = APIRouter(prefix="/api/v1/workspaces/{slug}/signals", tags=["signals"])


@router.get("", response_model=list[SignalRead])
async def list_signals(
    slug: str,
    session: SessionDep,
    access: ViewerDep,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SignalRead]:
    """Newest first."""
    workspace = access.workspace
    rows = await signal_service.list_recent(db_session=session, workspace_id=workspace.id, since=since, limit=limit)
    return [SignalRead.model_validate(s) for s in rows]


@router.get("/{signal_id}", response_model=SignalRead)
async def get_signal(slug: str, signal_id: int, session: SessionDep, access: ViewerDep) -> SignalRead:
    """One signal and its evidence."""
    workspace = access.workspace
    return SignalRead.model_validate(
        await signal_service.get(db_session=session, workspace_id=workspace.id, signal_id=signal_id)
    )


__all__ = ["router"]
