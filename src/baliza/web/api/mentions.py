"""Mentions in (batch ingest) and out (paged listing), and per-minute rollups."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import select

from baliza.analysis import feedback
from baliza.core.clock import utcnow
from baliza.core.errors import PayloadTooLargeError, ValidationError
from baliza.core.i18n import _
from baliza.ingest import flows as ingest_flows
from baliza.ingest import service as ingest_service
from baliza.ingest.models import Story
from baliza.ingest.schemas import IngestReport, MentionPage, MentionRead, RollupPoint, RollupSeries
from baliza.web.auth import ResponderDep, ViewerDep
from baliza.web.deps import DbDep, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/workspaces/{slug}", tags=["mentions"])

INGEST_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "array", "items": {"$ref": "#/components/schemas/MentionIn"}},
                        {
                            "type": "object",
                            "properties": {
                                "mentions": {"type": "array", "items": {"$ref": "#/components/schemas/MentionIn"}}
                            },
                        },
                    ]
                }
            }
        },
    }
}


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(
            _("The request body is {n} bytes; the limit is {limit}.").format(n=int(declared), limit=limit),
            details={"field": "body", "value": int(declared), "limit": limit},
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(
                _("The request body is over the limit of {limit} bytes.").format(limit=limit),
                details={"field": "body", "limit": limit},
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_batch(body: bytes) -> list[Any]:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _("The request body is not valid UTF-8 (byte {byte} at offset {offset}).").format(
                byte=f"0x{body[exc.start]:02x}", offset=exc.start
            ),
            code="invalid_utf8",
            details={"field": "body", "offset": exc.start},
        ) from exc
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ValidationError(
            _("The request body is not valid JSON: {reason}.").format(reason=exc.args[0] if exc.args else exc),
            code="invalid_json",
            details={"field": "body", "position": exc.pos},
        ) from exc
    if isinstance(data, dict) and "mentions" in data:
        data = data["mentions"]
    if not isinstance(data, list):
        raise ValidationError(
            _('Send a JSON array of mentions, or an object {"mentions": [...]}.'),
            code="not_a_list",
            details={"field": "body", "value": type(data).__name__},
        )
    return data


@router.post("/mentions", response_model=IngestReport, openapi_extra=INGEST_BODY_DOC)
async def ingest_mentions(
    slug: str,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    access: ResponderDep,
    keep_unmatched: Annotated[bool, Query(description="Store mentions that match no watch rule too.")] = False,
) -> JSONResponse:
    """Ingest a batch of mentions. Good rows are stored; each bad one is reported by index, field and value.

    Answers 200 when every row was accepted (stored or duplicate), 207 when some were rejected or skipped,
    422 when none could be stored because all were invalid.
    """
    body = await _read_body(request, settings.max_body_bytes)
    items = _parse_batch(body)
    report = await ingest_flows.ingest_items(
        db, slug=slug, items=items, settings=settings, source="api", keep_unmatched=keep_unmatched
    )
    if report.rejected and report.rejected == report.received:
        status = 422
    elif report.rejected or report.skipped:
        status = 207
    else:
        status = 200
    return JSONResponse(report.model_dump(mode="json"), status_code=status)


@router.get("/mentions", response_model=MentionPage)
async def list_mentions(
    slug: str,
    session: SessionDep,
    access: ViewerDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
    platform: str | None = None,
    lang: str | None = None,
    rule_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> MentionPage:
    """Mentions, newest first; follow ``next_cursor`` for the next page."""
    workspace = access.workspace
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise ValidationError(
                _("{name} has no time zone; add one, e.g. +01:00 or Z").format(name=name),
                details={"field": name, "value": value.isoformat()},
            )
    rows, next_cursor = await ingest_service.list_mentions(
        db_session=session,
        workspace_id=workspace.id,
        limit=limit,
        cursor=cursor,
        platform=platform,
        lang=lang,
        rule_id=rule_id,
        since=since,
        until=until,
        q=q,
    )
    items = []
    for mention, author in rows:
        item = MentionRead.model_validate(mention)
        if author is not None:
            item.author = {
                "handle": author.handle,
                "display_name": author.display_name,
                "followers": author.followers,
                "verified": author.is_verified,
            }
        items.append(item)
    return MentionPage(items=items, next_cursor=next_cursor)


@router.get("/rollups", response_model=list[RollupSeries])
async def rollups(
    slug: str,
    session: SessionDep,
    access: ViewerDep,
    series: Annotated[list[str], Query()] = ["all"],  # noqa: B006
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[RollupSeries]:
    """Per-minute counts, reach and engagement for series such as all, platform:mastodon, lang:es, rule:3."""
    workspace = access.workspace
    until = until or utcnow()
    since = since or until - timedelta(hours=24)
    rows = await ingest_service.get_rollups(
        db_session=session, workspace_id=workspace.id, series=series, since=since, until=until
    )
    out: dict[str, list[RollupPoint]] = {name: [] for name in series}
    for row in rows:
        out[row.series].append(
            RollupPoint(minute_at=row.minute_at, count=row.count, reach=row.reach, engagement=row.engagement)
        )
    return [RollupSeries(series=name, points=points) for name, points in out.items()]


class CorrectionIn(BaseModel):
    field: Literal["sentiment", "issue_types"]
    value: str | list[str] = PydanticField(description="negative/neutral/positive, or the full list of issue types")


@router.post("/mentions/{mention_id}/corrections", response_model=MentionRead)
async def correct_mention(
    mention_id: int, correction: CorrectionIn, session: SessionDep, access: ResponderDep
) -> MentionRead:
    """Correct a mention's sentiment or issue types; the workspace's classifier learns from it."""
    mention = await feedback.correct(
        db_session=session, workspace_id=access.workspace.id, mention_id=mention_id, field=correction.field,
        value=correction.value, actor=access.actor,
    )  # fmt: skip
    await session.commit()
    return MentionRead.model_validate(mention)


@router.get("/analysis/accuracy")
async def analysis_accuracy(session: SessionDep, access: ViewerDep) -> dict[str, Any]:
    """Machine labels against people's corrections: accuracy and per-label precision/recall/F1, before and after
    the workspace's own classifier (leave-one-out)."""
    return await feedback.accuracy(db_session=session, workspace_id=access.workspace.id)


@router.get("/stories")
async def list_stories(
    session: SessionDep, access: ViewerDep, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> list[dict[str, Any]]:
    """Stories (clusters of mentions about the same thing), most recently active first."""
    query = (
        select(Story)
        .where(Story.workspace_id == access.workspace.id)
        .order_by(Story.last_seen_at.desc(), Story.size.desc())
        .limit(limit)
    )
    return [
        {
            "id": s.id,
            "size": s.size,
            "distinct_authors": s.distinct_authors,
            "platforms": s.platforms,
            "total_reach": s.total_reach,
            "max_reach": s.max_reach,
            "representative_mention_id": s.representative_mention_id,
            "representative_text": s.representative_text,
            "growth": s.growth,
            "first_seen_at": s.first_seen_at,
            "last_seen_at": s.last_seen_at,
        }
        for s in (await session.execute(query)).scalars()
    ]


__all__ = ["router"]
