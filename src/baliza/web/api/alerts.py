"""Alerts: list and detail (evidence, pages, timeline), acknowledge, change severity, resolve; ack links."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from baliza.detection import service as signal_service
from baliza.detection.schemas import SignalRead
from baliza.incidents import timeline
from baliza.incidents.models import TimelineEntry
from baliza.triage import flows as triage_flows
from baliza.triage import service as triage_service
from baliza.triage.escalation import acknowledge_with_token
from baliza.triage.models import AlertGroup
from baliza.triage.schemas import (
    AckRequest,
    AckResult,
    AlertDetail,
    AlertRead,
    PageRead,
    SeverityChange,
    TimelineRead,
)
from baliza.web.auth import LeadDep, ResponderDep, ViewerDep
from baliza.web.deps import DbDep, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/workspaces/{slug}/alerts", tags=["alerts"])
ack_router = APIRouter(prefix="/api/v1", tags=["alerts"])


def alert_read(group: AlertGroup) -> AlertRead:
    """The API shape of an alert, its title in the reader's language."""
    return AlertRead(
        id=group.id,
        title=triage_flows.render_title(group),
        status=group.status,
        severity=group.severity,
        proposed_severity=group.proposed_severity,
        severity_override_reason=group.severity_override_reason,
        severity_override_by=group.severity_override_by,
        reasons=list((group.triage or {}).get("reasons", [])),
        labels=dict(group.labels),
        group_key=group.group_key,
        route=group.route_path,
        chain=group.receiver,
        signal_count=group.signal_count,
        incident_id=group.incident_id,
        is_drill=group.is_drill,
        first_signal_at=group.first_signal_at,
        last_signal_at=group.last_signal_at,
        acknowledged_at=group.acknowledged_at,
        acknowledged_by=group.acknowledged_by,
        resolved_at=group.resolved_at,
    )


def timeline_read(entry: TimelineEntry) -> TimelineRead:
    """A timeline entry for the API, rendered in the reader's language."""
    return TimelineRead(
        id=entry.id,
        at=entry.at,
        kind=entry.kind,
        actor=entry.actor,
        text=timeline.render(entry),
        is_failure=entry.is_failure,
        data={k: v for k, v in entry.data.items() if k not in ("message", "params")},
    )


@router.get("", response_model=list[AlertRead])
async def list_alerts(
    session: SessionDep,
    access: ViewerDep,
    status: Annotated[str | None, Query(description="open, acknowledged or resolved")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AlertRead]:
    """Alerts, most recent activity first."""
    groups = await triage_service.list_groups(
        db_session=session, workspace_id=access.workspace.id, status=status, limit=limit
    )
    return [alert_read(g) for g in groups]


@router.get("/{alert_id}", response_model=AlertDetail)
async def get_alert(alert_id: int, session: SessionDep, access: ViewerDep) -> AlertDetail:
    """One alert with its signals (evidence), the pages sent and its timeline."""
    group = await triage_service.get_group(
        db_session=session, workspace_id=access.workspace.id, alert_group_id=alert_id
    )
    signals = [
        SignalRead.model_validate(
            await signal_service.get(db_session=session, workspace_id=access.workspace.id, signal_id=signal_id)
        )
        for signal_id in await triage_service.signal_ids(db_session=session, alert_group_id=group.id)
    ]
    pages = [
        PageRead.model_validate(p)
        for p in await triage_service.pages_for_group(db_session=session, alert_group_id=group.id)
    ]
    entries = await timeline.list_for(db_session=session, alert_group_ids=[group.id])
    return AlertDetail(
        **alert_read(group).model_dump(), signals=signals, pages=pages, timeline=[timeline_read(e) for e in entries]
    )


@router.post("/{alert_id}/ack", response_model=AckResult)
async def acknowledge(alert_id: int, session: SessionDep, access: ResponderDep) -> AckResult:
    """Acknowledge: the escalation stops (answers changed=false if someone already did)."""
    group = await triage_service.get_group(
        db_session=session, workspace_id=access.workspace.id, alert_group_id=alert_id
    )
    changed = await triage_flows.acknowledge_group(db_session=session, group=group, actor=access.actor, via="web")
    await session.commit()
    return AckResult(alert_id=group.id, status=group.status, acknowledged_by=group.acknowledged_by, changed=changed)


@router.post("/{alert_id}/severity", response_model=AlertRead)
async def change_severity(alert_id: int, change: SeverityChange, session: SessionDep, access: LeadDep) -> AlertRead:
    """Override the proposed severity, with a reason (recorded on the timeline)."""
    group = await triage_flows.override_severity(
        db_session=session,
        workspace_id=access.workspace.id,
        alert_group_id=alert_id,
        severity=change.severity,
        reason=change.reason,
        actor=access.actor,
    )
    await session.commit()
    return alert_read(group)


@router.post("/{alert_id}/resolve", response_model=AlertRead)
async def resolve(alert_id: int, session: SessionDep, access: ResponderDep) -> AlertRead:
    """Close the alert; its escalations stop."""
    group = await triage_service.get_group(
        db_session=session, workspace_id=access.workspace.id, alert_group_id=alert_id
    )
    await triage_flows.resolve_group(db_session=session, group=group, actor=access.actor)
    await session.commit()
    return alert_read(group)


@ack_router.post("/ack", response_model=AckResult)
async def acknowledge_with_link(ack: AckRequest, db: DbDep, settings: SettingsDep) -> AckResult:
    """Acknowledge with the token of a notification's link (no login needed; each token works once)."""
    group, who, changed = await acknowledge_with_token(db, settings, ack.token)
    return AckResult(alert_id=group.id, status=group.status, acknowledged_by=who, changed=changed)


__all__ = ["ack_router", "alert_read", "router", "timeline_read"]
