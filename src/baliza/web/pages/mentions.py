"""The mention explorer (filters, full-text search, pages) and label corrections."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.analysis import feedback
from baliza.analysis.issue_types import ISSUE_TYPES
from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.ingest import service as ingest_service
from baliza.ingest.models import Author, Mention
from baliza.web.auth import ResponderDep, ViewerDep
from baliza.web.deps import SessionDep
from baliza.web.pages.common import back_to, render, workspace_zone
from baliza.workspaces import service as workspace_service

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
SENTIMENTS = ("negative", "neutral", "positive")
PLATFORMS = ("x", "mastodon", "bluesky", "reddit", "instagram", "facebook", "youtube", "tiktok", "news", "email", "web")


@dataclass
class MentionFilters:
    """What the explorer's form asks for; empty fields do not filter."""

    platform: str = ""
    lang: str = ""
    sentiment: str = ""
    issue: str = ""
    since: str = ""
    until: str = ""
    q: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def query(self, **extra: str) -> str:
        """The filters as a query string (for the next page and the language switch)."""
        values = {k: v for k, v in self.__dict__.items() if k != "errors" and v}
        values.update({k: v for k, v in extra.items() if v})
        return urlencode(values)


def _local_moment(value: str, zone_name: str, field_name: str, errors: dict[str, str]) -> datetime | None:
    """A ``datetime-local`` value read in the workspace's time zone (None when empty or unreadable)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        errors[field_name] = _("Not a date and time: {value}").format(value=value)
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=workspace_zone(zone_name))


async def search_mentions(
    *,
    db_session: AsyncSession,
    workspace_id: int,
    limit: int = PAGE_SIZE,
    cursor: str | None = None,
    platform: str | None = None,
    lang: str | None = None,
    sentiment: str | None = None,
    issue: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    q: str | None = None,
) -> tuple[list[tuple[Mention, Author | None]], str | None]:
    """``ingest.service.list_mentions`` plus the sentiment and issue-type filters it lacks (same order, same cursor).

    The two extra conditions are the rollup series' own (``series_condition``), so they read the
    stored labels exactly as the per-minute counts do, on both databases.
    """
    query: Select[Mention, Author] = (
        select(Mention, Author)
        .outerjoin(Author, Author.id == Mention.author_id)
        .where(Mention.workspace_id == workspace_id)
    )
    if platform:
        query = query.where(Mention.platform == platform)
    if lang:
        query = query.where(Mention.lang == lang)
    if since:
        query = query.where(Mention.created_at >= since)
    if until:
        query = query.where(Mention.created_at < until)
    if q:
        query = query.where(Mention.text.ilike(f"%{q}%"))
    for series in ([f"sentiment:{sentiment}"] if sentiment else []) + ([f"issue:{issue}"] if issue else []):
        condition = ingest_service.series_condition(db_session, series)
        if condition is not None:
            query = query.where(condition)
    if cursor:
        at, ident = ingest_service.decode_cursor(cursor)
        query = query.where(or_(Mention.created_at < at, and_(Mention.created_at == at, Mention.id < ident)))
    query = query.order_by(Mention.created_at.desc(), Mention.id.desc()).limit(limit + 1)
    rows: list[tuple[Mention, Author | None]] = [(m, a) for m, a in (await db_session.execute(query)).all()]
    page = rows[:limit]
    next_cursor = ingest_service.encode_cursor(page[-1][0].created_at, page[-1][0].id) if len(rows) > limit else None
    return page, next_cursor


@router.get("/w/{slug}/mentions", response_class=HTMLResponse)
async def explorer(
    request: Request,
    session: SessionDep,
    access: ViewerDep,
    platform: str = "",
    lang: str = "",
    sentiment: str = "",
    issue: str = "",
    since: str = "",
    until: str = "",
    q: str = "",
    cursor: str = "",
) -> HTMLResponse:
    """Every mention, newest first, filtered by platform, language, sentiment, issue type, period and text."""
    filters = MentionFilters(platform, lang, sentiment, issue, since, until, q.strip()[:200])
    zone = access.workspace.timezone
    since_at = _local_moment(since, zone, "since", filters.errors)
    until_at = _local_moment(until, zone, "until", filters.errors)
    rows, next_cursor = await search_mentions(
        db_session=session,
        workspace_id=access.workspace.id,
        limit=PAGE_SIZE,
        cursor=cursor or None,
        platform=platform or None,
        lang=lang or None,
        sentiment=sentiment if sentiment in SENTIMENTS else None,
        issue=issue or None,
        since=since_at,
        until=until_at,
        q=filters.q or None,
    )
    rules = await workspace_service.list_rules(db_session=session, workspace_id=access.workspace.id)
    # What the workspace's corrections taught Baliza; on the first page only (it refits a small model).
    learnt = None if cursor else await feedback.accuracy(db_session=session, workspace_id=access.workspace.id)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return render(
        request,
        "mentions.html",
        access=access,
        section="mentions",
        rows=rows,
        rules={r.id: r.name for r in rules},
        filters=filters,
        platforms=sorted(set(PLATFORMS) | ({platform} if platform else set())),
        languages=sorted({*(access.workspace.languages or []), "es", "en"}),
        sentiments=SENTIMENTS,
        issue_types=[t.value for t in ISSUE_TYPES],
        next_url=f"?{filters.query(cursor=next_cursor)}" if next_cursor else None,
        first_page=bool(cursor),
        back=here,
        correct_form=True,
        learnt=learnt,
    )


@router.post("/w/{slug}/mentions/{mention_id}/correct")
async def correct_label(
    mention_id: int,
    session: SessionDep,
    access: ResponderDep,
    field: Annotated[str, Form()],
    sentiment: Annotated[str, Form()] = "",
    issue_types: Annotated[list[str] | None, Form()] = None,
    back: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """A person's fix of a mention's sentiment or issue types; it teaches the workspace's classifier."""
    value: str | list[str]
    if field == "sentiment":
        if sentiment not in SENTIMENTS:
            raise ValidationError(
                _("Unknown sentiment {value!r}; use negative, neutral or positive.").format(value=sentiment),
                details={"field": "sentiment", "value": sentiment},
            )
        value = sentiment
    elif field == "issue_types":
        known = {t.value for t in ISSUE_TYPES}
        chosen = [t for t in issue_types or [] if t]
        unknown = [t for t in chosen if t not in known]
        if unknown:
            raise ValidationError(
                _("Unknown issue type {value!r}.").format(value=unknown[0]),
                details={"field": "issue_types", "value": unknown[0]},
            )
        value = [t.value for t in ISSUE_TYPES if t.value in chosen]
    else:
        raise ValidationError(
            _("Only sentiment and issue_types can be corrected, not {value!r}.").format(value=field),
            details={"field": "field", "value": field},
        )
    await feedback.correct(
        db_session=session, workspace_id=access.workspace.id, mention_id=mention_id, field=field, value=value,
        actor=access.actor,
    )  # fmt: skip
    await session.commit()
    return back_to(back or f"/w/{access.workspace.slug}/mentions", f"/w/{access.workspace.slug}/mentions", "corrected")


__all__ = ["MentionFilters", "correct_label", "explorer", "router", "search_mentions"]
