"""Metric snapshots on the timeline of every open incident: how loud, how negative, how many waiting.

Every ``EVERY`` minutes of an open incident, one entry records the mentions of the last period, their
negative share, the largest author heard and how many mentions still wait for an answer — so the
timeline shows the curve of the crisis next to what the team did about it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.clock import floor_minute, utcnow
from baliza.core.i18n import N_
from baliza.incidents import service as incident_service
from baliza.incidents import timeline
from baliza.incidents.models import TimelineEntry
from baliza.ingest.models import Author, Mention
from baliza.plans import flows as plan_flows
from baliza.responses.models import InboxItem, InboxStatus

EVERY = timedelta(minutes=15)


async def snapshot_open_incidents(*, db_session: AsyncSession, workspace_id: int, now: datetime | None = None) -> int:
    """Write a snapshot for each open incident whose last one is older than ``EVERY``; returns how many."""
    now = floor_minute(now or utcnow())
    written = 0
    for incident in await incident_service.open_incidents(db_session=db_session, workspace_id=workspace_id):
        last = (
            await db_session.execute(
                select(func.max(TimelineEntry.at)).where(
                    TimelineEntry.incident_id == incident.id, TimelineEntry.kind == "metric_snapshot"
                )
            )
        ).scalar_one()
        since = max(last or incident.created_at, now - EVERY)
        if last is not None and now - last < EVERY:
            continue
        rows = (
            await db_session.execute(
                select(func.count(), func.count().filter(Mention.sentiment == "negative"), func.max(Author.followers))
                .select_from(Mention)
                .outerjoin(Author, Author.id == Mention.author_id)
                .where(Mention.workspace_id == workspace_id, Mention.created_at >= since, Mention.created_at < now)
            )
        ).one()
        total, negative, reach = int(rows[0]), int(rows[1]), int(rows[2] or 0)
        answered = (
            await db_session.execute(
                select(func.count())
                .select_from(InboxItem)
                .where(
                    InboxItem.workspace_id == workspace_id,
                    InboxItem.status.in_([InboxStatus.replied, InboxStatus.handled]),
                    InboxItem.handled_at >= incident.created_at,
                )
            )
        ).scalar_one()
        minutes = max(1, int((now - since).total_seconds() // 60))
        await timeline.add(
            db_session=db_session, workspace_id=workspace_id, incident_id=incident.id, kind="metric_snapshot", at=now,
            message=N_("Last {minutes} min: {total} mentions, {negative} negative; largest author {reach} followers; "
                       "{answered} answered since the incident opened."),
            params={"minutes": minutes, "total": total, "negative": negative, "reach": reach, "answered": answered},
            extra={"total": total, "negative": negative, "max_followers": reach, "answered": int(answered),
                   "since": since.isoformat()},
        )  # fmt: skip
        written += 1
    plan = await plan_flows.current_plan(db_session=db_session, workspace_id=workspace_id)
    if plan is not None:
        for incident in await incident_service.open_incidents(db_session=db_session, workspace_id=workspace_id):
            await _update_due(db_session, incident, plan.policies.stakeholder_update_interval_minutes, now)
    return written


async def _update_due(session: AsyncSession, incident: Any, intervals: dict[str, int], now: datetime) -> None:
    """The plan asks for stakeholder updates every N minutes at this severity: say on the timeline when one is due."""
    minutes = intervals.get(incident.severity)
    if not minutes:
        return
    last = (
        await session.execute(
            select(func.max(TimelineEntry.at)).where(
                TimelineEntry.incident_id == incident.id,
                TimelineEntry.kind.in_(("stakeholder_update", "stakeholder_update_due")),
            )
        )
    ).scalar_one()
    if now - (last or incident.created_at) < timedelta(minutes=minutes):
        return
    await timeline.add(
        db_session=session, workspace_id=incident.workspace_id, incident_id=incident.id,
        kind="stakeholder_update_due", at=now, is_failure=True,
        message=N_("A stakeholder update is due: the plan asks for one every {minutes} min at {severity}."),
        params={"minutes": minutes, "severity": incident.severity.upper()},
    )  # fmt: skip


__all__ = ["EVERY", "snapshot_open_incidents"]
