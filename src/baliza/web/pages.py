"""Server-rendered pages (the first ones: workspaces and their mentions)."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from baliza.accounts import service as account_service
from baliza.core.clock import utcnow
from baliza.core.i18n import _
from baliza.detection import service as signal_service
from baliza.ingest import service as ingest_service
from baliza.web.auth import UserDep, ViewerDep
from baliza.web.deps import SessionDep
from baliza.workspaces import service as workspace_service

router = APIRouter(include_in_schema=False)


def sentiment_label(value: str | None) -> str:
    """Display text for a stored sentiment value, in the reader's language."""
    return {"negative": _("negative"), "neutral": _("neutral"), "positive": _("positive")}.get(value or "", "")


def detector_label(value: str) -> str:
    """Display text for a detector id, in the reader's language."""
    labels = {
        "volume": _("volume above normal"),
        "negative_share": _("more negative than usual"),
        "emerging_term": _("emerging term"),
        "high_reach_author": _("complaint from a large account"),
    }
    return labels.get(value, value)


def issue_label(value: str) -> str:
    """Display text for an issue type id, in the reader's language."""
    labels = {
        "complaint": _("complaint"),
        "delivery": _("delivery / logistics"),
        "product_quality": _("product quality / safety"),
        "customer_service": _("customer service"),
        "pricing": _("pricing / billing"),
        "marketing": _("marketing misstep"),
        "privacy": _("data / privacy"),
        "legal": _("legal / regulatory"),
        "conduct": _("employee or executive conduct"),
        "health": _("health / emergency"),
        "boycott": _("boycott call"),
        "rumour": _("rumour / misinformation"),
        "question": _("question / help request"),
        "praise": _("praise"),
    }
    return labels.get(value, value)


def _render(request: Request, name: str, **context: object) -> HTMLResponse:
    template = request.app.state.templates.get_template(name)
    return HTMLResponse(
        template.render(
            request=request,
            principal=getattr(request.state, "principal", None),
            sentiment_label=sentiment_label,
            issue_label=issue_label,
            detector_label=detector_label,
            **context,
        )
    )


def volume_bars(
    points: list[tuple[datetime, int]], *, width: int = 720, height: int = 120
) -> list[dict[str, float | str]]:
    """Bars for a small server-side SVG chart of mentions per minute."""
    if not points:
        return []
    peak = max(count for _, count in points) or 1
    step = width / len(points)
    return [
        {
            "x": round(i * step, 2),
            "w": max(round(step - 1, 2), 1.0),
            "h": round(count / peak * (height - 4), 2),
            "y": round(height - count / peak * (height - 4), 2),
            "count": count,
            "label": at.strftime("%H:%M"),
        }
        for i, (at, count) in enumerate(points)
    ]


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, session: SessionDep, principal: UserDep) -> HTMLResponse:
    workspaces = await workspace_service.list_all(db_session=session)
    if not principal.user.is_superuser:
        memberships = await account_service.memberships(db_session=session, user_id=principal.user.id)
        mine = {m.workspace_id for m in memberships}
        workspaces = [w for w in workspaces if w.id in mine]
    counts = {w.id: await ingest_service.count_mentions(db_session=session, workspace_id=w.id) for w in workspaces}
    return _render(request, "home.html", workspaces=workspaces, counts=counts)


@router.get("/w/{slug}", response_class=HTMLResponse)
async def workspace_page(request: Request, slug: str, session: SessionDep, access: ViewerDep) -> HTMLResponse:
    workspace = access.workspace
    rows, _cursor = await ingest_service.list_mentions(db_session=session, workspace_id=workspace.id, limit=100)
    total = await ingest_service.count_mentions(db_session=session, workspace_id=workspace.id)
    signals = await signal_service.list_recent(db_session=session, workspace_id=workspace.id, limit=10)
    rules = {r.id: r.name for r in await workspace_service.list_rules(db_session=session, workspace_id=workspace.id)}
    # The chart covers the day of the newest mention (the demo data is not "today").
    end = (rows[0][0].created_at if rows else utcnow()).replace(second=0, microsecond=0) + timedelta(minutes=1)
    start = end - timedelta(hours=12)
    rollups = await ingest_service.get_rollups(
        db_session=session, workspace_id=workspace.id, series=["all"], since=start, until=end
    )
    by_minute = {r.minute_at: r.count for r in rollups}
    first = min(by_minute) if by_minute else start
    points = []
    at = first
    while at < end:
        points.append((at, by_minute.get(at, 0)))
        at += timedelta(minutes=1)
    bucket = max(1, len(points) // 120)
    merged = [(points[i][0], sum(c for _, c in points[i : i + bucket])) for i in range(0, len(points), bucket)]
    return _render(
        request,
        "workspace.html",
        workspace=workspace,
        rows=rows,
        total=total,
        rules=rules,
        bars=volume_bars(merged),
        signals=signals,
        bucket_minutes=bucket,
    )


__all__ = ["detector_label", "issue_label", "router", "sentiment_label", "volume_bars"]
