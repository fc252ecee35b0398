"""Live updates for the overview over server-sent events: each completed minute, and each new mention.

``GET /w/{slug}/live/volume`` streams

* ``event: minute`` with ``{"t", "count", "negative", "expected", "lower", "upper"}`` for every minute
  that completes (and the current, still-filling minute again whenever new mentions arrive), the shape
  ``static/charts.js`` pushes into its ``live-volume`` chart;
* ``event: mention`` with the rendered HTML of each new mention (``id:`` is the mention id), which
  htmx's SSE extension swaps into the "Latest mentions" list (``sse-swap="mention"``).

``?only=minute`` or ``?only=mention`` sends just one kind (the chart and the list each open their own
stream); ``?after=<mention id>`` or the ``Last-Event-ID`` header says which mentions were already shown.

**The expected band.** The detectors' state lives in the detection runner (another task, possibly another
process), so the web layer computes its own baseline from the stored rollups, the same data the
detectors read: for each minute, the mean count of the five minutes around the same minute of the day
on each of the previous seven days, and the median of those daily values. The band is a Poisson-style
interval around it (``expected ± 3√expected``, plus one at the top so a quiet minute is not "above
normal" for one post). Fewer than three previous days with data give no band, never a made-up one.

A stream ends after ``STREAM_SECONDS``; browsers reconnect on their own (EventSource does, and so does
htmx), which keeps long-lived connections from piling up behind proxies.
"""

from __future__ import annotations

import asyncio
import math
import statistics
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core import i18n
from baliza.core.clock import floor_minute, utcnow
from baliza.ingest import service as ingest_service
from baliza.ingest.models import Author, Mention, MentionRollup
from baliza.storage.db import Database
from baliza.web.auth import ViewerDep
from baliza.web.deps import SessionDep
from baliza.workspaces import service as workspace_service

router = APIRouter(include_in_schema=False)

MINUTE = timedelta(minutes=1)
BASELINE_DAYS = 7
MIN_BASELINE_DAYS = 3
SMOOTH_MINUTES = 2  # minutes either side of the same minute of the day
POLL_SECONDS = 2.0
HEARTBEAT_SECONDS = 15.0
STREAM_SECONDS = 600.0
RETRY_MS = 3000
MAX_MENTIONS_PER_POLL = 20


@dataclass(frozen=True)
class VolumePoint:
    """One minute of the live chart: what was heard and what was expected."""

    t: datetime
    count: int
    negative: int
    expected: float | None
    lower: float | None
    upper: float | None

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape charts.js reads (``t`` as ISO 8601)."""
        return {
            "t": self.t.isoformat(),
            "count": self.count,
            "negative": self.negative,
            "expected": self.expected,
            "lower": self.lower,
            "upper": self.upper,
        }


async def first_rollup_minute(*, db_session: AsyncSession, workspace_id: int) -> datetime | None:
    """The first minute the workspace has any count for (days before it are unknown, not zero)."""
    query = select(func.min(MentionRollup.minute_at)).where(
        MentionRollup.workspace_id == workspace_id, MentionRollup.series == "all"
    )
    found: datetime | None = (await db_session.execute(query)).scalar_one_or_none()
    return found


def band(expected: float) -> tuple[float, float]:
    """The (lower, upper) interval around an expected count per minute."""
    spread = 3 * math.sqrt(max(expected, 0.0))
    return round(max(0.0, expected - spread), 3), round(expected + spread + 1, 3)


async def baseline(*, db_session: AsyncSession, workspace_id: int, minutes: list[datetime]) -> dict[datetime, float]:
    """minute -> expected count, from the same minutes of the day on the previous days (see the module doc)."""
    if not minutes:
        return {}
    first_known = await first_rollup_minute(db_session=db_session, workspace_id=workspace_id)
    if first_known is None:
        return {}
    per_day: list[tuple[timedelta, dict[datetime, int]]] = []
    for days in range(1, BASELINE_DAYS + 1):
        shift = timedelta(days=days)
        since = minutes[0] - shift - SMOOTH_MINUTES * MINUTE
        until = minutes[-1] - shift + (SMOOTH_MINUTES + 1) * MINUTE
        if until <= first_known:
            continue
        rows = await ingest_service.get_rollups(
            db_session=db_session, workspace_id=workspace_id, series=["all"], since=since, until=until
        )
        per_day.append((shift, {r.minute_at: r.count for r in rows}))
    expected: dict[datetime, float] = {}
    for minute in minutes:
        values = []
        for shift, counts in per_day:
            centre = minute - shift
            if centre - SMOOTH_MINUTES * MINUTE < first_known:
                continue
            window = [counts.get(centre + k * MINUTE, 0) for k in range(-SMOOTH_MINUTES, SMOOTH_MINUTES + 1)]
            values.append(sum(window) / len(window))
        if len(values) >= MIN_BASELINE_DAYS:
            expected[minute] = round(statistics.median(values), 3)
    return expected


async def volume_points(
    *, db_session: AsyncSession, workspace_id: int, since: datetime, until: datetime
) -> list[VolumePoint]:
    """Every minute in [since, until): counts, negative counts and the expected band."""
    since, until = floor_minute(since), floor_minute(until)
    rows = await ingest_service.get_rollups(
        db_session=db_session, workspace_id=workspace_id, series=["all", "sentiment:negative"], since=since, until=until
    )
    counts = {(r.series, r.minute_at): r.count for r in rows}
    minutes = []
    at = since
    while at < until:
        minutes.append(at)
        at += MINUTE
    expected = await baseline(db_session=db_session, workspace_id=workspace_id, minutes=minutes)
    points = []
    for minute in minutes:
        value = expected.get(minute)
        lower, upper = band(value) if value is not None else (None, None)
        count, negative = counts.get(("all", minute), 0), counts.get(("sentiment:negative", minute), 0)
        points.append(VolumePoint(minute, count, negative, value, lower, upper))
    return points


async def newest_mention_id(*, db_session: AsyncSession, workspace_id: int) -> int:
    """The highest mention id of the workspace (0 when it has none)."""
    query = select(func.max(Mention.id)).where(Mention.workspace_id == workspace_id)
    return int((await db_session.execute(query)).scalar_one_or_none() or 0)


async def mentions_after(
    *, db_session: AsyncSession, workspace_id: int, after_id: int, limit: int = MAX_MENTIONS_PER_POLL
) -> list[tuple[Mention, Author | None]]:
    """Mentions stored after ``after_id``, oldest first (arrival order, whatever their ``created_at``)."""
    query = (
        select(Mention, Author)
        .outerjoin(Author, Author.id == Mention.author_id)
        .where(Mention.workspace_id == workspace_id, Mention.id > after_id)
        .order_by(Mention.id)
        .limit(limit)
    )
    return [(m, a) for m, a in (await db_session.execute(query)).all()]


def sse_event(event: str, data: str, event_id: str | None = None) -> str:
    """One server-sent event; every line of ``data`` gets its own ``data:`` field."""
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.extend(f"data: {line}" for line in data.splitlines() or [""])
    return "\n".join(lines) + "\n\n"


def _point_event(point: VolumePoint) -> str:
    return sse_event("minute", orjson.dumps(point.as_dict()).decode())


RenderMention = Callable[[Mention, Author | None], str]


async def stream_events(
    *,
    request: Request,
    db: Database,
    workspace_id: int,
    after_id: int,
    kinds: frozenset[str],
    render_mention: RenderMention,
    locale: str,
    poll_seconds: float = POLL_SECONDS,
    stream_seconds: float = STREAM_SECONDS,
) -> AsyncIterator[str]:
    """The event stream of one browser tab (see the module doc)."""
    loop = asyncio.get_running_loop()
    started = last_beat = loop.time()
    yield f"retry: {RETRY_MS}\n\n"
    current = floor_minute(utcnow())
    if "minute" in kinds:
        async with db.session() as session:
            points = await volume_points(
                db_session=session, workspace_id=workspace_id, since=current - MINUTE, until=current + MINUTE
            )
        for point in points:
            yield _point_event(point)
    while loop.time() - started < stream_seconds:
        if await request.is_disconnected():
            return
        now_minute = floor_minute(utcnow())
        events: list[str] = []
        async with db.session() as session:
            fresh: list[tuple[Mention, Author | None]] = []
            if "mention" in kinds:
                fresh = await mentions_after(db_session=session, workspace_id=workspace_id, after_id=after_id)
                with i18n.use_locale(locale):
                    for mention, author in fresh:
                        events.append(sse_event("mention", render_mention(mention, author), str(mention.id)))
                        after_id = max(after_id, mention.id)
            if "minute" in kinds and (now_minute > current or fresh):
                # the minutes that completed since the last poll, then the one filling up now
                since = current if now_minute > current else now_minute
                for point in await volume_points(
                    db_session=session, workspace_id=workspace_id, since=since, until=now_minute + MINUTE
                ):
                    events.append(_point_event(point))
                current = now_minute
        for event in events:
            yield event
        if events:
            last_beat = loop.time()
        elif loop.time() - last_beat >= HEARTBEAT_SECONDS:
            last_beat = loop.time()
            yield ": ping\n\n"
        await asyncio.sleep(poll_seconds)


@router.get("/w/{slug}/live/volume")
async def live_volume(
    request: Request,
    session: SessionDep,
    access: ViewerDep,
    only: Annotated[str | None, Query(pattern="^(minute|mention)$")] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> StreamingResponse:
    """Server-sent events: ``minute`` (per-minute volume with the expected band) and ``mention`` (HTML)."""
    # Imported here: the pages package includes this router, so a top-level import would be circular.
    from baliza.web.pages.common import render_fragment

    workspace_id = access.workspace.id
    last_event = request.headers.get("last-event-id", "")
    if last_event.isdigit():
        after_id = int(last_event)
    elif after is not None:
        after_id = after
    else:
        after_id = await newest_mention_id(db_session=session, workspace_id=workspace_id)
    rules = {r.id: r.name for r in await workspace_service.list_rules(db_session=session, workspace_id=workspace_id)}
    # The stream runs for minutes: give the request's database connection back now.
    await session.close()

    def render_mention(mention: Mention, author: Author | None) -> str:
        fragment = render_fragment(request, "_mention.html", access=access, m=mention, a=author, rules=rules, live=True)
        return fragment.strip()

    kinds = frozenset({only} if only else {"minute", "mention"})
    return StreamingResponse(
        stream_events(
            request=request,
            db=request.app.state.db,
            workspace_id=workspace_id,
            after_id=after_id,
            kinds=kinds,
            render_mention=render_mention,
            locale=i18n.get_locale(),
            poll_seconds=float(getattr(request.app.state, "live_poll_seconds", POLL_SECONDS)),
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


__all__ = [
    "BASELINE_DAYS",
    "VolumePoint",
    "band",
    "baseline",
    "first_rollup_minute",
    "live_volume",
    "mentions_after",
    "newest_mention_id",
    "router",
    "sse_event",
    "stream_events",
    "volume_points",
]
