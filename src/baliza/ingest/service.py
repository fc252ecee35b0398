"""Database reads and writes for authors, mentions and rollups (bulk, dialect-aware)."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, and_, func, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import TextClause

from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.ingest.models import Author, Mention, MentionRollup

AuthorKey = tuple[str, str]
MentionKey = tuple[str, str]
RollupKey = tuple[str, datetime]


def _insert(db_session: AsyncSession, table: Any) -> Any:
    name = db_session.bind.dialect.name if db_session.bind is not None else "sqlite"
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(table)


def _by_platform(keys: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for platform, ident in keys:
        grouped.setdefault(platform, []).append(ident)
    return grouped


# Plain executemany, no RETURNING: on PostgreSQL, INSERT ... RETURNING over thousands of rows is
# rendered as multi-row VALUES statements that cost ~3x a pipelined executemany. Ids and "what was
# inserted" are read back with indexed SELECTs instead.
_IN_CHUNK = 900


async def upsert_authors(
    *, db_session: AsyncSession, workspace_id: int, authors: Sequence[Mapping[str, Any]]
) -> dict[AuthorKey, int]:
    """Insert new authors and refresh known ones (one row per (platform, handle)); returns their ids."""
    if not authors:
        return {}
    table = Author.__table__
    stmt = _insert(db_session, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.workspace_id, table.c.platform, table.c.handle],
        set_={
            "display_name": func.coalesce(stmt.excluded.display_name, table.c.display_name),
            "followers": func.coalesce(stmt.excluded.followers, table.c.followers),
            "is_verified": stmt.excluded.is_verified,
            "url": func.coalesce(stmt.excluded.url, table.c.url),
            "bio": func.coalesce(stmt.excluded.bio, table.c.bio),
            "following": func.coalesce(stmt.excluded.following, table.c.following),
            "account_created_at": func.coalesce(stmt.excluded.account_created_at, table.c.account_created_at),
            "last_seen_at": stmt.excluded.last_seen_at,
        },
    )
    await db_session.execute(stmt, [{"workspace_id": workspace_id, **a} for a in authors])
    return await _author_ids(
        db_session=db_session, workspace_id=workspace_id, keys=[(a["platform"], a["handle"]) for a in authors]
    )


async def _author_ids(
    *, db_session: AsyncSession, workspace_id: int, keys: Iterable[AuthorKey]
) -> dict[AuthorKey, int]:
    table = Author.__table__
    ids: dict[AuthorKey, int] = {}
    for platform, handles in _by_platform(keys).items():
        for start in range(0, len(handles), _IN_CHUNK):
            rows = await db_session.execute(
                select(table.c.handle, table.c.id).where(
                    table.c.workspace_id == workspace_id,
                    table.c.platform == platform,
                    table.c.handle.in_(handles[start : start + _IN_CHUNK]),
                )
            )
            ids.update(((platform, handle), author_id) for handle, author_id in rows.all())
    return ids


async def insert_mentions(
    *, db_session: AsyncSession, workspace_id: int, rows: Sequence[Mapping[str, Any]], marker: datetime
) -> set[MentionKey]:
    """Insert new mentions; existing (workspace, platform, external_id) are left alone.

    Every row carries ``ingested_at=marker``, unique to this batch, so what was actually inserted
    (and only that) can be told apart from rows that were already there, even under concurrent
    ingestion. Returns the keys inserted, so rollups count each mention exactly once.
    """
    if not rows:
        return set()
    table = Mention.__table__
    stmt = (
        _insert(db_session, table)
        .on_conflict_do_nothing(index_elements=[table.c.workspace_id, table.c.platform, table.c.external_id])
        .execution_options(preserve_rowcount=True)
    )
    result = await db_session.execute(stmt, list(rows))
    keys = [(r["platform"], r["external_id"]) for r in rows]
    count = getattr(result, "rowcount", -1)
    if count == len(rows):  # the usual case: everything was new
        return set(keys)
    if count == 0:
        return set()
    inserted: set[MentionKey] = set()
    for platform, idents in _by_platform(keys).items():
        for start in range(0, len(idents), _IN_CHUNK):
            found = await db_session.execute(
                select(table.c.external_id).where(
                    table.c.workspace_id == workspace_id,
                    table.c.platform == platform,
                    table.c.external_id.in_(idents[start : start + _IN_CHUNK]),
                    table.c.ingested_at == marker,
                )
            )
            inserted.update((platform, ident) for (ident,) in found.all())
    return inserted


async def add_to_rollups(
    *, db_session: AsyncSession, workspace_id: int, buckets: Mapping[RollupKey, Sequence[int]]
) -> None:
    """Add counts, reach and engagement to per-minute series."""
    if not buckets:
        return
    table = MentionRollup.__table__
    stmt = _insert(db_session, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.workspace_id, table.c.series, table.c.minute_at],
        set_={
            "count": table.c.count + stmt.excluded.count,
            "reach": table.c.reach + stmt.excluded.reach,
            "engagement": table.c.engagement + stmt.excluded.engagement,
        },
    )
    params = [
        {
            "workspace_id": workspace_id,
            "series": series,
            "minute_at": minute,
            "count": values[0],
            "reach": values[1],
            "engagement": values[2],
        }
        for (series, minute), values in sorted(buckets.items())
    ]
    await db_session.execute(stmt, params)


def rule_condition(db_session: AsyncSession, rule_id: int) -> ColumnElement[bool] | TextClause:
    """Mentions matched by one watch rule (JSON containment differs per backend)."""
    if db_session.bind is not None and db_session.bind.dialect.name == "postgresql":
        return text("mention.rule_ids @> CAST(:rule_ids AS jsonb)").bindparams(rule_ids=f"[{rule_id}]")
    return text("EXISTS (SELECT 1 FROM json_each(mention.rule_ids) WHERE value = :rule_id)").bindparams(rule_id=rule_id)


def series_condition(db_session: AsyncSession, series: str) -> ColumnElement[bool] | TextClause | None:
    """The mentions behind a rollup series (``all``, ``platform:x``, ``lang:es``, ``rule:3``,
    ``sentiment:negative``, ``issue:delivery``); None means every mention."""
    kind, _sep, value = series.partition(":")
    if kind == "platform":
        return Mention.platform == value
    if kind == "lang":
        return Mention.lang.is_(None) if value == "und" else Mention.lang == value
    if kind == "rule" and value.isdigit():
        return rule_condition(db_session, int(value))
    if kind == "sentiment":
        return Mention.sentiment == value
    if kind == "issue":
        if db_session.bind is not None and db_session.bind.dialect.name == "postgresql":
            return text("mention.issue_types @> CAST(:issue_types AS jsonb)").bindparams(
                issue_types=orjson.dumps([value]).decode()
            )
        return text("EXISTS (SELECT 1 FROM json_each(mention.issue_types) WHERE value = :issue_type)").bindparams(
            issue_type=value
        )
    return None


async def mentions_in_window(
    *,
    db_session: AsyncSession,
    workspace_id: int,
    series: str,
    since: datetime,
    until: datetime,
    limit: int = 5000,
) -> list[tuple[Mention, Author | None]]:
    """The mentions of one series created in [since, until), newest first (at most ``limit``)."""
    query = (
        select(Mention, Author)
        .outerjoin(Author, Author.id == Mention.author_id)
        .where(Mention.workspace_id == workspace_id, Mention.created_at >= since, Mention.created_at < until)
        .order_by(Mention.created_at.desc())
        .limit(limit)
    )
    condition = series_condition(db_session, series)
    if condition is not None:
        query = query.where(condition)
    return [(m, a) for m, a in (await db_session.execute(query)).all()]


async def series_in_range(
    *, db_session: AsyncSession, workspace_id: int, since: datetime, until: datetime
) -> list[str]:
    """The rollup series that have data in [since, until)."""
    query = (
        select(MentionRollup.series)
        .where(
            MentionRollup.workspace_id == workspace_id,
            MentionRollup.minute_at >= since,
            MentionRollup.minute_at < until,
        )
        .distinct()
        .order_by(MentionRollup.series)
    )
    return list((await db_session.execute(query)).scalars())


def encode_cursor(created_at: datetime, mention_id: int) -> str:
    raw = f"{created_at.isoformat()}|{mention_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, _sep, ident = base64.urlsafe_b64decode(padded).decode().partition("|")
        return datetime.fromisoformat(stamp), int(ident)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(
            _("The cursor {cursor!r} is not one this server gave out.").format(cursor=cursor),
            details={"field": "cursor", "value": cursor},
        ) from exc


async def list_mentions(
    *,
    db_session: AsyncSession,
    workspace_id: int,
    limit: int = 50,
    cursor: str | None = None,
    platform: str | None = None,
    lang: str | None = None,
    rule_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    q: str | None = None,
) -> tuple[list[tuple[Mention, Author | None]], str | None]:
    """Newest first, keyset-paginated; returns the page and the cursor of the next one."""
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
    if cursor:
        at, ident = decode_cursor(cursor)
        query = query.where(or_(Mention.created_at < at, and_(Mention.created_at == at, Mention.id < ident)))
    query = query.order_by(Mention.created_at.desc(), Mention.id.desc())
    if rule_id is not None:
        query = query.where(rule_condition(db_session, rule_id))
    rows: list[tuple[Mention, Author | None]] = [
        (m, a) for m, a in (await db_session.execute(query.limit(limit + 1))).all()
    ]
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1][0].created_at, page[-1][0].id) if len(rows) > limit else None
    return page, next_cursor


async def count_mentions(*, db_session: AsyncSession, workspace_id: int) -> int:
    return int(
        (await db_session.execute(select(func.count()).where(Mention.workspace_id == workspace_id))).scalar_one()
    )


async def get_rollups(
    *,
    db_session: AsyncSession,
    workspace_id: int,
    series: Iterable[str],
    since: datetime,
    until: datetime,
) -> list[MentionRollup]:
    """Rollup rows for some series over [since, until), oldest first."""
    query = (
        select(MentionRollup)
        .where(
            MentionRollup.workspace_id == workspace_id,
            MentionRollup.series.in_(list(series)),
            MentionRollup.minute_at >= since,
            MentionRollup.minute_at < until,
        )
        .order_by(MentionRollup.series, MentionRollup.minute_at)
    )
    return list((await db_session.execute(query)).scalars())


__all__ = [
    "add_to_rollups",
    "count_mentions",
    "decode_cursor",
    "encode_cursor",
    "get_rollups",
    "insert_mentions",
    "list_mentions",
    "mentions_in_window",
    "rule_condition",
    "series_condition",
    "series_in_range",
    "upsert_authors",
]
