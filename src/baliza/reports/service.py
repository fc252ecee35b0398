"""Reading one incident and everything around it into a ``ReportData`` (read-only: a report changes nothing).

The incident window runs from the first signal (``started_at``) to the resolution, or to now for an
incident still open; the baseline is the 7 days before the window (or since the first mention heard,
when listening started later).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.clock import floor_minute, utcnow
from baliza.core.errors import NotFoundError
from baliza.core.i18n import _
from baliza.detection.models import Signal
from baliza.incidents import flows as incident_flows
from baliza.incidents import service as incident_service
from baliza.incidents import timeline
from baliza.incidents.models import Incident, TimelineEntry
from baliza.ingest import service as ingest_service
from baliza.ingest.models import Author, Mention
from baliza.plans import flows as plan_flows
from baliza.plans.schema import Plan
from baliza.publishing.models import ScheduledPost
from baliza.reports.metrics import (
    BASELINE_DAYS,
    IncidentFacts,
    MentionFact,
    MinuteCount,
    PageFact,
    PostFact,
    ReportData,
    ResponseFact,
    SignalFact,
    SkipFact,
    TaskFact,
    TimelineItem,
)
from baliza.responses.models import InboxItem, Response
from baliza.triage import service as triage_service
from baliza.triage.models import AlertGroupSignal, Escalation, Page
from baliza.workspaces.models import Workspace

ALL = "all"
NEGATIVE = "sentiment:negative"
# Minutes shown before the first signal, so the chart shows the conversation before it turned.
LEAD_IN_MINUTES = 30
TIMELINE_LIMIT = 5000


def _incident_facts(incident: Incident) -> IncidentFacts:
    return IncidentFacts(
        id=incident.id,
        number=incident.number,
        title=incident.title,
        severity=incident.severity,
        status=incident.status,
        started_at=incident.started_at,
        detected_at=incident.detected_at,
        playbook=incident.playbook,
        is_drill=incident.is_drill,
        summary=incident.summary,
        opened_by=incident.opened_by,
        acknowledged_at=incident.acknowledged_at,
        active_at=incident.active_at,
        monitoring_at=incident.monitoring_at,
        resolved_at=incident.resolved_at,
        reviewed_at=incident.reviewed_at,
    )


def _minutes(start: datetime, end: datetime) -> list[datetime]:
    out = []
    at = floor_minute(start)
    while at < end:
        out.append(at)
        at += timedelta(minutes=1)
    return out


async def _volume(
    db_session: AsyncSession, workspace_id: int, since: datetime, until: datetime
) -> dict[datetime, list[int]]:
    """{minute: [all, negative]} from the per-minute rollups (only minutes that have mentions)."""
    rows = await ingest_service.get_rollups(
        db_session=db_session, workspace_id=workspace_id, series=[ALL, NEGATIVE], since=since, until=until
    )
    counts: dict[datetime, list[int]] = {}
    for row in rows:
        slot = counts.setdefault(row.minute_at, [0, 0])
        slot[0 if row.series == ALL else 1] += row.count
    return counts


async def _mentions(db_session: AsyncSession, workspace_id: int, since: datetime, until: datetime) -> list[MentionFact]:
    query = (
        select(
            Mention.id,
            Mention.created_at,
            Mention.platform,
            Mention.sentiment,
            Mention.issue_types,
            Author.handle,
            Author.followers,
            InboxItem.status,
            InboxItem.first_response_at,
        )
        .outerjoin(Author, Author.id == Mention.author_id)
        .outerjoin(InboxItem, InboxItem.mention_id == Mention.id)
        .where(Mention.workspace_id == workspace_id, Mention.created_at >= since, Mention.created_at <= until)
        .order_by(Mention.created_at, Mention.id)
    )
    return [
        MentionFact(
            id=row[0],
            created_at=row[1],
            platform=row[2],
            sentiment=row[3],
            issue_types=tuple(row[4] or ()),
            author=row[5],
            followers=row[6],
            inbox_status=row[7],
            first_response_at=row[8],
        )
        for row in (await db_session.execute(query)).all()
    ]


async def _responses(
    db_session: AsyncSession, workspace_id: int, incident_id: int, since: datetime, until: datetime
) -> list[ResponseFact]:
    """The incident's responses, and replies to mentions of its window published during it without a link to it."""
    query = (
        select(Response)
        .where(
            Response.workspace_id == workspace_id,
            or_(
                Response.incident_id == incident_id,
                (Response.incident_id.is_(None))
                & Response.mention_id.is_not(None)
                & (Response.published_at >= since)
                & (Response.published_at <= until),
            ),
        )
        .order_by(Response.created_at, Response.id)
    )
    return [
        ResponseFact(
            id=r.id,
            kind=r.kind,
            status=r.status,
            created_at=r.created_at,
            channel=r.channel,
            lang=r.lang,
            published_at=r.published_at,
            mention_id=r.mention_id,
        )
        for r in (await db_session.execute(query)).scalars()
    ]


def _scheme(contact: str) -> str:
    scheme, sep, _rest = contact.partition("://")
    return scheme if sep and scheme else contact.split(":", 1)[0] or "?"


def _is_backup(plan: Plan | None, chain: str, page: Page) -> bool:
    """A page to someone other than the primary of the role the step names (or any notify_backup page)."""
    if plan is None or chain not in plan.escalation_chains:
        return False
    steps = plan.escalation_chains[chain].steps
    if not 0 <= page.step_index < len(steps):
        return False
    step = steps[page.step_index]
    if step.notify_backup:
        return True
    target = step.target
    if target is None or target.role is None or target.role not in plan.roles:
        return False
    return page.person_id != plan.roles[target.role].primary


def _snapshot_plan(escalation: Escalation) -> Plan | None:
    source = escalation.snapshot.get("plan_source")
    return plan_flows.plan_from_source(source) if isinstance(source, str) else None


def _page_fact(page: Page, plan: Plan | None, chain: str) -> PageFact:
    attempts: Iterable[dict[str, Any]] = page.attempts or []
    failed = tuple(_scheme(str(a.get("contact", ""))) for a in attempts if a.get("status") == "failed")
    return PageFact(
        person_id=page.person_id,
        person_name=page.person_name,
        status=page.status,
        step_index=page.step_index,
        created_at=page.created_at,
        is_backup=_is_backup(plan, chain, page),
        sent_at=page.sent_at,
        reason=page.reason,
        failed_channels=failed,
    )


def _skip_fact(entry: TimelineEntry, plan: Plan | None, chain: str | None) -> SkipFact:
    params = entry.data.get("params") or {}
    person_id = str(entry.data.get("person_id") or "")
    step_number = params.get("step")
    role: str | None = None
    if plan is not None and chain in plan.escalation_chains and isinstance(step_number, int):
        steps = plan.escalation_chains[chain].steps
        if 1 <= step_number <= len(steps):
            target = steps[step_number - 1].target
            role = target.role if target is not None else None
    is_primary = plan is not None and role is not None and role in plan.roles and plan.roles[role].primary == person_id
    name = plan.person(person_id).name if plan is not None and person_id in plan.people else person_id
    return SkipFact(
        at=entry.at,
        person_id=person_id,
        person_name=name,
        code=str(entry.data.get("code") or ""),
        reason=str(params.get("reason") or ""),
        role=role,
        is_primary=is_primary,
    )


async def gather(
    db_session: AsyncSession,
    *,
    workspace_id: int,
    incident_number: int,
    sla_minutes: int,
    now: datetime | None = None,
) -> ReportData:
    """Everything the report of incident #``incident_number`` needs, read from the database."""
    now = now or utcnow()
    workspace = await db_session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFoundError(
            _("No workspace {workspace_id}.").format(workspace_id=workspace_id),
            details={"field": "workspace_id", "value": workspace_id},
        )
    incident = await incident_service.get_by_number(
        db_session=db_session, workspace_id=workspace_id, number=incident_number
    )
    start = incident.started_at
    end = incident.resolved_at or now
    if end < start:
        end = start

    groups = await incident_flows.groups_of(db_session=db_session, incident_id=incident.id)
    group_ids = [g.id for g in groups]
    entries = await timeline.list_for(
        db_session=db_session, incident_id=incident.id, alert_group_ids=group_ids, limit=TIMELINE_LIMIT
    )

    pages: list[PageFact] = []
    skips: list[SkipFact] = []
    chain_of_group: dict[int, tuple[Plan | None, str]] = {}
    for group in groups:
        for escalation in await triage_service.escalations_of(db_session=db_session, alert_group_id=group.id):
            plan = _snapshot_plan(escalation)
            chain_of_group.setdefault(group.id, (plan, escalation.chain))
            for page in await triage_service.pages_of(db_session=db_session, escalation_id=escalation.id):
                pages.append(_page_fact(page, plan, escalation.chain))
    for entry in entries:
        if entry.kind == "page_skipped":
            plan, chain = chain_of_group.get(entry.alert_group_id or 0, (None, ""))
            skips.append(_skip_fact(entry, plan, chain))

    signal_rows: list[Signal] = []
    if group_ids:
        query = (
            select(Signal)
            .join(AlertGroupSignal, AlertGroupSignal.signal_id == Signal.id)
            .where(AlertGroupSignal.alert_group_id.in_(group_ids))
            .order_by(Signal.detected_at, Signal.id)
        )
        signal_rows = list((await db_session.execute(query)).scalars().unique())

    chart_from = floor_minute(start) - timedelta(minutes=LEAD_IN_MINUTES)
    counts = await _volume(db_session, workspace_id, chart_from, end)
    volume = [MinuteCount(minute, *counts.get(minute, [0, 0])) for minute in _minutes(chart_from, end)]
    baseline_from = floor_minute(start) - timedelta(days=BASELINE_DAYS)
    before = await _volume(db_session, workspace_id, baseline_from, floor_minute(start))
    baseline = [MinuteCount(minute, total, negative) for minute, (total, negative) in sorted(before.items())]
    baseline_minutes = int((floor_minute(start) - baseline[0].minute_at).total_seconds() // 60) if baseline else 0

    tasks = await incident_service.tasks(db_session=db_session, incident_id=incident.id)
    posts = (
        await db_session.execute(
            select(ScheduledPost)
            .where(ScheduledPost.held_by_incident_id == incident.id)
            .order_by(ScheduledPost.scheduled_at, ScheduledPost.id)
        )
    ).scalars()

    return ReportData(
        workspace_slug=workspace.slug,
        workspace_name=workspace.name,
        timezone=workspace.timezone or "UTC",
        incident=_incident_facts(incident),
        window_start=start,
        window_end=end,
        generated_at=now,
        sla_minutes=sla_minutes,
        timeline=[
            TimelineItem(at=e.at, kind=e.kind, actor=e.actor, is_failure=e.is_failure, data=dict(e.data))
            for e in entries
        ],
        volume=volume,
        baseline=baseline,
        baseline_minutes=baseline_minutes,
        mentions=await _mentions(db_session, workspace_id, start, end),
        responses=await _responses(db_session, workspace_id, incident.id, start, end),
        pages=pages,
        skips=skips,
        tasks=[
            TaskFact(
                title=dict(t.title),
                status=t.status,
                role=t.role,
                assignee=t.assignee,
                due_at=t.due_at,
                done_at=t.done_at,
            )
            for t in tasks
        ],
        held_posts=[
            PostFact(
                channel=p.channel,
                status=p.status,
                scheduled_at=p.scheduled_at,
                is_promotional=p.is_promotional,
                held_at=p.held_at,
                reviewed_at=p.reviewed_at,
            )
            for p in posts
        ],
        signals=[
            SignalFact(
                detected_at=s.detected_at,
                series=s.series,
                detector=s.detector,
                observed=s.observed,
                expected=s.expected,
                upper=s.upper,
                window_minutes=s.window_minutes,
            )
            for s in signal_rows
        ],
    )


__all__ = ["LEAD_IN_MINUTES", "gather"]
