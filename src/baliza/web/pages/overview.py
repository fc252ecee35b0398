"""The start page (your workspaces) and a workspace's overview: live volume, alerts, incidents, share of voice."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.accounts import service as account_service
from baliza.core.clock import floor_minute, utcnow
from baliza.core.i18n import _
from baliza.detection import service as signal_service
from baliza.incidents import service as incident_service
from baliza.ingest import service as ingest_service
from baliza.ingest.models import Story
from baliza.plans import flows as plan_flows
from baliza.publishing import flows as calendar_flows
from baliza.triage import flows as triage_flows
from baliza.triage import service as triage_service
from baliza.triage.models import AlertStatus
from baliza.web import live
from baliza.web.auth import UserDep, ViewerDep
from baliza.web.deps import SessionDep
from baliza.web.pages.common import Formatter, render, sentiment_label
from baliza.workspaces import service as workspace_service
from baliza.workspaces.models import RuleKind, WatchRule, Workspace

router = APIRouter(include_in_schema=False)

WINDOW_MINUTES = 180
DAY = timedelta(hours=24)


@dataclass
class Share:
    """One bar of the share of voice: the brand or a competitor, with its mentions in the last 24 hours."""

    name: str
    count: int
    is_brand: bool


async def top_stories(*, db_session: AsyncSession, workspace_id: int, limit: int = 5) -> list[Story]:
    """The biggest of the recently active stories (read straight from the story table: no service reads it yet)."""
    query = select(Story).where(Story.workspace_id == workspace_id).order_by(Story.last_seen_at.desc()).limit(50)
    recent = list((await db_session.execute(query)).scalars())
    return sorted(recent, key=lambda s: (s.size, s.last_seen_at), reverse=True)[:limit]


async def share_of_voice(
    *, db_session: AsyncSession, workspace: Workspace, rules: list[WatchRule], until: datetime
) -> list[Share]:
    """Mentions per brand over the 24 hours before ``until``, from the per-rule rollups.

    A mention can match several rules of the same brand, and rollups count per rule, so each brand
    counts as its busiest rule: a lower bound of the union, never a double count.
    """
    brand_rules = [r for r in rules if r.kind == RuleKind.brand]
    competitor_rules = [r for r in rules if r.kind == RuleKind.competitor]
    if not competitor_rules:
        return []
    series = [f"rule:{r.id}" for r in [*brand_rules, *competitor_rules]]
    rows = await ingest_service.get_rollups(
        db_session=db_session, workspace_id=workspace.id, series=series, since=until - DAY, until=until
    )
    per_rule: dict[str, int] = defaultdict(int)
    for row in rows:
        per_rule[row.series] += row.count
    out = [Share(workspace.name, max((per_rule[f"rule:{r.id}"] for r in brand_rules), default=0), True)]
    by_competitor: dict[str, int] = {}
    for rule in competitor_rules:
        name = rule.competitor or rule.name
        by_competitor[name] = max(by_competitor.get(name, 0), per_rule[f"rule:{rule.id}"])
    out.extend(Share(name, count, False) for name, count in by_competitor.items())
    return out


async def sentiment_split(*, db_session: AsyncSession, workspace_id: int, until: datetime) -> dict[str, int]:
    """Mentions per sentiment over the 24 hours before ``until``."""
    names = ["negative", "neutral", "positive"]
    rows = await ingest_service.get_rollups(
        db_session=db_session,
        workspace_id=workspace_id,
        series=[f"sentiment:{n}" for n in names],
        since=until - DAY,
        until=until,
    )
    split = dict.fromkeys(names, 0)
    for row in rows:
        split[row.series.partition(":")[2]] += row.count
    return split


def volume_chart(points: list[live.VolumePoint], f: Formatter) -> dict[str, Any]:
    """The JSON block of the live chart: points, legend labels and a summary for screen readers."""
    total = sum(p.count for p in points)
    peak = max(points, key=lambda p: p.count, default=None)
    if peak is None or total == 0:
        summary = _("Mentions per minute: none in this period yet.")
    else:
        summary = _("Mentions per minute: {total} in the last {hours} hours, at most {peak} at {time}.").format(
            total=f.number(total), hours=WINDOW_MINUTES // 60, peak=f.number(peak.count), time=f.time(peak.t)
        )
    return {
        "label": summary,
        "window": WINDOW_MINUTES,
        "labels": {"time": _("Time"), "count": _("Mentions"), "negative": _("Negative"), "expected": _("Expected")},
        "points": [p.as_dict() for p in points],
    }


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, session: SessionDep, principal: UserDep) -> HTMLResponse:
    """The workspaces this person belongs to, with their mentions, open alerts and incidents."""
    workspaces = await workspace_service.list_all(db_session=session)
    if not principal.user.is_superuser:
        memberships = await account_service.memberships(db_session=session, user_id=principal.user.id)
        mine = {m.workspace_id for m in memberships}
        workspaces = [w for w in workspaces if w.id in mine]
    counts = {w.id: await ingest_service.count_mentions(db_session=session, workspace_id=w.id) for w in workspaces}
    alerts = {w.id: len(await triage_service.open_groups(db_session=session, workspace_id=w.id)) for w in workspaces}
    incidents = {
        w.id: len(await incident_service.open_incidents(db_session=session, workspace_id=w.id)) for w in workspaces
    }
    return render(
        request, "home.html", workspaces=workspaces, counts=counts, open_alerts=alerts, open_incidents=incidents
    )


@router.get("/w/{slug}", response_class=HTMLResponse)
async def overview(request: Request, session: SessionDep, access: ViewerDep) -> HTMLResponse:
    """Live volume against the expected band, alerts, incidents, share of voice, sentiment, stories, mentions."""
    workspace = access.workspace
    rows, _cursor = await ingest_service.list_mentions(db_session=session, workspace_id=workspace.id, limit=20)
    total = await ingest_service.count_mentions(db_session=session, workspace_id=workspace.id)
    rules = await workspace_service.list_rules(db_session=session, workspace_id=workspace.id)
    now = utcnow()
    end = floor_minute(now) + live.MINUTE
    newest = rows[0][0].created_at if rows else None
    # Quiet for hours (or imported history, like the demo): show the last hours that have data.
    history_until = None
    if newest is not None and newest < end - timedelta(minutes=WINDOW_MINUTES):
        end = floor_minute(newest) + live.MINUTE
        history_until = newest
    points = await live.volume_points(
        db_session=session, workspace_id=workspace.id, since=end - timedelta(minutes=WINDOW_MINUTES), until=end
    )
    groups = [
        g
        for g in await triage_service.list_groups(db_session=session, workspace_id=workspace.id, limit=50)
        if g.status != AlertStatus.resolved
    ][:10]
    incidents = await incident_service.open_incidents(db_session=session, workspace_id=workspace.id)
    plan = await plan_flows.current_plan(db_session=session, workspace_id=workspace.id)
    freeze = await calendar_flows.active_freeze(db_session=session, workspace_id=workspace.id, plan=plan)
    shares = await share_of_voice(db_session=session, workspace=workspace, rules=rules, until=end)
    split = await sentiment_split(db_session=session, workspace_id=workspace.id, until=end)
    stories = await top_stories(db_session=session, workspace_id=workspace.id)
    signals = await signal_service.list_recent(db_session=session, workspace_id=workspace.id, limit=10)
    newest_id = await live.newest_mention_id(db_session=session, workspace_id=workspace.id)
    response = render(
        request,
        "workspace.html",
        access=access,
        section="overview",
        total=total,
        rows=rows,
        rules={r.id: r.name for r in rules},
        has_competitors=any(r.kind == RuleKind.competitor for r in rules),
        points=points,
        history_until=history_until,
        groups=groups,
        titles={g.id: triage_flows.render_title(g) for g in groups},
        incidents=incidents,
        freeze=freeze,
        shares=shares,
        split=split,
        stories=stories,
        signals=signals,
        newest_id=newest_id,
        uses_echarts=True,
        chart_data=lambda f: volume_chart(points, f),
        share_data={
            "label": _("Share of voice in the last 24 hours"),
            "categories": [s.name for s in shares],
            "horizontal": True,
            "series": [{"name": _("Mentions"), "values": [s.count for s in shares]}],
        },
        split_data={
            "label": _("Sentiment of the mentions in the last 24 hours"),
            "items": [{"name": sentiment_label(k), "value": v, "key": k} for k, v in split.items()],
        },
    )
    return response


__all__ = ["Share", "home", "overview", "router", "sentiment_split", "share_of_voice", "top_stories", "volume_chart"]
