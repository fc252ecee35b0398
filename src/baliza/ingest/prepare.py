"""The CPU half of ingestion: validate, normalise, match and shape rows, with no database.

It is kept apart from the writes so it can run in a worker process for large imports
(``baliza.ingest.worker``); it imports nothing that touches storage.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from pydantic import ValidationError as PydanticValidationError

from baliza.core.i18n import _
from baliza.ingest.issues import from_validation_error, show_value
from baliza.ingest.matching import RuleMatcher, RuleSpec
from baliza.ingest.normalize import extract_urls, fold, normalize_url
from baliza.ingest.parsing import ParsedRow, parse_jsonl_line
from baliza.ingest.schemas import IngestReport, MentionIn, Position, RowIssue


def text_hash(folded: str) -> int:
    """A stable signed 64-bit hash of the folded text (copies and reposts share it)."""
    return int.from_bytes(hashlib.blake2b(folded.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


def minute_of(moment: datetime) -> datetime:
    """The UTC minute a moment falls in."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.replace(second=0, microsecond=0)


@dataclass(slots=True)
class Ready:
    """One valid, matched mention, shaped as rows for the database."""

    position: int
    mention: dict[str, Any]
    author: dict[str, Any] | None
    reach: int
    engagement: int
    minute: datetime
    series: tuple[str, ...]


@dataclass(slots=True)
class PreparedBatch:
    report: IngestReport
    ready: dict[tuple[str, str], Ready] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PrepareConfig:
    """Everything the preparation needs, small and picklable (it travels to worker processes)."""

    workspace_id: int
    workspace_slug: str
    rules: tuple[RuleSpec, ...]
    source: str = "api"
    keep_unmatched: bool = False
    position: Position = "line"
    max_text_chars: int = 20_000
    max_line_bytes: int = 1024 * 1024
    locale: str = "en"


class Preparer:
    """Turns raw rows into ``Ready`` mentions and an ``IngestReport`` of what was refused."""

    def __init__(self, config: PrepareConfig) -> None:
        self.config = config
        self.matcher = RuleMatcher(config.rules)
        self.keep_unmatched = config.keep_unmatched or not config.rules
        self._context = {"max_text_chars": config.max_text_chars}
        self._series: dict[tuple[str, str | None, tuple[int, ...]], tuple[str, ...]] = {}

    def prepare(self, rows: Iterable[ParsedRow | RowIssue]) -> PreparedBatch:
        """Validate, normalise and match one batch; duplicates inside the batch are counted once."""
        batch = PreparedBatch(IngestReport(workspace=self.config.workspace_slug))
        report, ready = batch.report, batch.ready
        received = rejected = duplicates = 0  # plain ints: the report is a pydantic model
        for row in rows:
            received += 1
            if isinstance(row, RowIssue):
                rejected += 1
                report.errors.append(row)
                continue
            item = self._prepare(row, report)
            if item is None:
                continue
            key = (item.mention["platform"], item.mention["external_id"])
            if key in ready:
                duplicates += 1
                continue
            ready[key] = item
        report.received += received
        report.rejected += rejected
        report.duplicates += duplicates
        return batch

    def prepare_lines(self, lines: Sequence[tuple[int, bytes]]) -> PreparedBatch:
        """Parse JSON Lines (line number, bytes) and prepare them; blank lines are not rows."""
        parsed = (parse_jsonl_line(n, raw, max_line_bytes=self.config.max_line_bytes) for n, raw in lines)
        return self.prepare(row for row in parsed if row is not None)

    def _prepare(self, row: ParsedRow, report: IngestReport) -> Ready | None:
        config = self.config
        try:
            m = MentionIn.model_validate(row.data, context=self._context)
        except PydanticValidationError as exc:
            report.rejected += 1
            if config.position == "line":
                report.errors.extend(from_validation_error(exc, line=row.line))
            else:
                report.errors.extend(from_validation_error(exc, index=row.line))
            return None
        folded = fold(m.text)
        rule_ids = self.matcher.match(folded)
        if not rule_ids and not self.keep_unmatched:
            report.skipped += 1
            issue = RowIssue(
                field="text",
                value=show_value(m.text),
                code="no_rule_matched",
                message=_("matches none of the workspace's watch rules"),
            )
            setattr(issue, config.position, row.line)
            report.skipped_rows.append(issue)
            return None
        lang = m.lang.partition("-")[0].lower() if m.lang else None
        created_at = m.created_at.astimezone(UTC)  # once here; the database layer then skips it
        mention = {
            "workspace_id": config.workspace_id,
            "platform": m.platform,
            "external_id": m.external_id,
            "url": normalize_url(m.url) if m.url else None,
            "author_id": None,
            "text": m.text,
            "text_hash": text_hash(folded),
            "lang": lang,
            "created_at": created_at,
            "ingested_at": None,
            "likes": m.likes,
            "reposts": m.reposts,
            "replies": m.replies,
            "quotes": m.quotes,
            "views": m.views,
            "reply_to": m.reply_to,
            "quote_of": m.quote_of,
            "repost_of": m.repost_of,
            "urls": extract_urls(m.text),
            "rule_ids": list(rule_ids),
            "source": config.source,
            "raw": row.data,
        }
        author = m.author
        author_row = None
        if author is not None:
            author_row = {
                "platform": m.platform,
                "handle": author.handle,
                "display_name": author.display_name,
                "followers": author.followers,
                "is_verified": author.verified,
                "url": author.url,
                "first_seen_at": created_at,
                "last_seen_at": created_at,
            }
        series_key = (m.platform, lang, rule_ids)
        series = self._series.get(series_key)
        if series is None:
            series = ("all", "platform:" + m.platform, "lang:" + (lang or "und"), *[f"rule:{r}" for r in rule_ids])
            self._series[series_key] = series
        return Ready(
            row.line,
            mention,
            author_row,
            (author.followers or 0) if author else 0,
            m.likes + m.reposts + m.replies + m.quotes,
            created_at.replace(second=0, microsecond=0),
            series,
        )


# --- Crossing a process boundary -------------------------------------------------------------
# Pickling Ready objects (nested dicts, aware datetimes) costs more to load than the preparation
# saves, so batches travel as flat tuples of plain values: times as epoch microseconds, the raw
# payload as JSON bytes.

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

PackedRow = tuple[Any, ...]


@dataclass(slots=True)
class PackedBatch:
    report: IngestReport
    rows: list[PackedRow]


def _micros(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def pack(batch: PreparedBatch) -> PackedBatch:
    """A prepared batch as flat tuples, cheap to pickle and to load."""
    rows = []
    for item in batch.ready.values():
        m, a = item.mention, item.author
        rows.append(
            (
                item.position,
                m["platform"],
                m["external_id"],
                m["url"],
                m["text"],
                m["text_hash"],
                m["lang"],
                _micros(m["created_at"]),
                m["likes"],
                m["reposts"],
                m["replies"],
                m["quotes"],
                m["views"],
                m["reply_to"],
                m["quote_of"],
                m["repost_of"],
                tuple(m["urls"]),
                tuple(m["rule_ids"]),
                m["source"],
                orjson.dumps(m["raw"]),
                None if a is None else (a["handle"], a["display_name"], a["followers"], a["is_verified"], a["url"]),
                item.reach,
                item.engagement,
                item.series,
            )
        )
    return PackedBatch(batch.report, rows)


def unpack(packed: PackedBatch, *, workspace_id: int) -> PreparedBatch:
    """The inverse of :func:`pack`."""
    batch = PreparedBatch(packed.report)
    for row in packed.rows:
        position, platform, external_id, url, text, hashed, lang, created = row[:8]
        likes, reposts, replies, quotes, views, reply_to, quote_of, repost_of = row[8:16]
        urls, rule_ids, source, raw, author, reach, engagement, series = row[16:]
        created_at = _from_micros(created)
        mention = {
            "workspace_id": workspace_id,
            "platform": platform,
            "external_id": external_id,
            "url": url,
            "author_id": None,
            "text": text,
            "text_hash": hashed,
            "lang": lang,
            "created_at": created_at,
            "ingested_at": None,
            "likes": likes,
            "reposts": reposts,
            "replies": replies,
            "quotes": quotes,
            "views": views,
            "reply_to": reply_to,
            "quote_of": quote_of,
            "repost_of": repost_of,
            "urls": list(urls),
            "rule_ids": list(rule_ids),
            "source": source,
            "raw": orjson.loads(raw),
        }
        author_row = None
        if author is not None:
            handle, display_name, followers, verified, author_url = author
            author_row = {
                "platform": platform,
                "handle": handle,
                "display_name": display_name,
                "followers": followers,
                "is_verified": verified,
                "url": author_url,
                "first_seen_at": created_at,
                "last_seen_at": created_at,
            }
        minute = created_at.replace(second=0, microsecond=0)
        batch.ready[(platform, external_id)] = Ready(position, mention, author_row, reach, engagement, minute, series)
    return batch


__all__ = [
    "PackedBatch",
    "PrepareConfig",
    "PreparedBatch",
    "Preparer",
    "Ready",
    "minute_of",
    "pack",
    "text_hash",
    "unpack",
]
