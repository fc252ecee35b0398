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

from baliza.analysis.fast import Analysis, analyse
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


AuthorKey = tuple[str, str]
ANALYSIS_CACHE = 50_000  # texts whose analysis is remembered (reposts repeat them)
Buckets = dict[tuple[str, datetime], list[int]]


@dataclass(slots=True)
class Ready:
    """One valid, matched mention, shaped as a row for the database."""

    position: int
    mention: dict[str, Any]
    author_key: AuthorKey | None
    reach: int
    engagement: int
    minute: datetime
    series: tuple[str, ...]


@dataclass(slots=True)
class PreparedBatch:
    """One batch ready to write: the mentions, their authors (latest row each), and the rollup
    counts they add if every one of them turns out to be new."""

    report: IngestReport
    ready: dict[tuple[str, str], Ready] = field(default_factory=dict)
    authors: dict[AuthorKey, dict[str, Any]] = field(default_factory=dict)
    buckets: Buckets = field(default_factory=dict)


def rollup_buckets(items: Iterable[Ready]) -> Buckets:
    """Per (series, minute): [count, reach, engagement] over ``items``."""
    buckets: Buckets = {}
    for item in items:
        minute = item.minute
        for name in item.series:
            bucket = buckets.get((name, minute))
            if bucket is None:
                buckets[(name, minute)] = [1, item.reach, item.engagement]
            else:
                bucket[0] += 1
                bucket[1] += item.reach
                bucket[2] += item.engagement
    return buckets


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
    analysis: bool = True  # the fast path: language, sentiment, issue types


def _explanation(found: Analysis) -> dict[str, Any]:
    """What the UI shows to explain the colours: the cues behind sentiment and each issue type."""
    return {
        "lang_confidence": round(found.language.confidence, 3),
        "sentiment_cues": list(found.sentiment.cues),
        "issue_cues": {label.type.value: list(label.cues) for label in found.issues.labels},
    }


class Preparer:
    """Turns raw rows into ``Ready`` mentions and an ``IngestReport`` of what was refused."""

    def __init__(self, config: PrepareConfig) -> None:
        self.config = config
        self.matcher = RuleMatcher(config.rules)
        self.keep_unmatched = config.keep_unmatched or not config.rules
        self._context = {"max_text_chars": config.max_text_chars}
        self._series: dict[tuple[Any, ...], tuple[str, ...]] = {}
        self._analyses: dict[tuple[str, str | None], Analysis] = {}

    def _analyse(self, text: str, lang: str | None) -> Analysis:
        """The fast path, remembered per text: reposts and copies are analysed once."""
        key = (text, lang)
        found = self._analyses.get(key)
        if found is None:
            if len(self._analyses) >= ANALYSIS_CACHE:
                self._analyses.clear()
            found = self._analyses[key] = analyse(text, lang)
        return found

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
            prepared = self._prepare(row, report)
            if prepared is None:
                continue
            item, author_row = prepared
            key = (item.mention["platform"], item.mention["external_id"])
            if key in ready:
                duplicates += 1
                continue
            ready[key] = item
            if author_row is not None and item.author_key is not None:
                known = batch.authors.get(item.author_key)
                if known is None or known["last_seen_at"] < author_row["last_seen_at"]:
                    batch.authors[item.author_key] = author_row
        report.received += received
        report.rejected += rejected
        report.duplicates += duplicates
        batch.buckets = rollup_buckets(ready.values())
        return batch

    def prepare_lines(self, lines: Sequence[tuple[int, bytes]]) -> PreparedBatch:
        """Parse JSON Lines (line number, bytes) and prepare them; blank lines are not rows."""
        parsed = (parse_jsonl_line(n, raw, max_line_bytes=self.config.max_line_bytes) for n, raw in lines)
        return self.prepare(row for row in parsed if row is not None)

    def _prepare(self, row: ParsedRow, report: IngestReport) -> tuple[Ready, dict[str, Any] | None] | None:
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
        found = self._analyse(m.text, lang) if config.analysis else None
        if found is not None and found.language.lang and (lang is None or found.language.reliable):
            lang = found.language.lang
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
            "raw": row.raw if row.raw is not None else row.data,
            "sentiment": found.sentiment.label if found else None,
            "sentiment_score": round(found.sentiment.score, 4) if found else None,
            "issue_types": list(found.issues.ids) if found else [],
            "analysis": _explanation(found) if found else {},
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
                "bio": author.bio,
                "following": author.following,
                "account_created_at": author.account_created_at,
                "first_seen_at": created_at,
                "last_seen_at": created_at,
            }
        feeling = found.sentiment.label if found else None
        issues = found.issues.ids if found else ()
        series_key = (m.platform, lang, rule_ids, feeling, issues)
        series = self._series.get(series_key)
        if series is None:
            series = (
                "all",
                "platform:" + m.platform,
                "lang:" + (lang or "und"),
                *[f"rule:{r}" for r in rule_ids],
                *([f"sentiment:{feeling}"] if feeling else []),
                *[f"issue:{t}" for t in issues],
            )
            self._series[series_key] = series
        ready = Ready(
            row.line,
            mention,
            (m.platform, author.handle) if author is not None else None,
            (author.followers or 0) if author else 0,
            m.likes + m.reposts + m.replies + m.quotes,
            created_at.replace(second=0, microsecond=0),
            series,
        )
        return ready, author_row


# --- Crossing a process boundary -------------------------------------------------------------
# Pickling Ready objects (nested dicts, aware datetimes) costs more to load than the preparation
# saves, so batches travel as flat tuples of plain values: rows in MENTION_COLUMNS order, times as
# epoch microseconds, the raw payload as JSON bytes. ``dict(zip(...))`` rebuilds a row in C.

MENTION_COLUMNS = (
    "workspace_id", "platform", "external_id", "url", "author_id", "text", "text_hash", "lang",
    "created_at", "ingested_at", "likes", "reposts", "replies", "quotes", "views", "reply_to",
    "quote_of", "repost_of", "urls", "rule_ids", "source", "raw", "sentiment", "sentiment_score",
    "issue_types", "analysis",
)  # fmt: skip
_CREATED = MENTION_COLUMNS.index("created_at")
_RAW = MENTION_COLUMNS.index("raw")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(slots=True)
class PackedBatch:
    report: IngestReport
    rows: list[tuple[Any, ...]]
    authors: list[tuple[Any, ...]]
    buckets: list[tuple[Any, ...]]


def _micros(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def pack(batch: PreparedBatch) -> PackedBatch:
    """A prepared batch as flat tuples, cheap to pickle and to load."""
    rows = []
    for item in batch.ready.values():
        values = [item.mention[c] for c in MENTION_COLUMNS]
        values[_CREATED] = _micros(values[_CREATED])
        raw = values[_RAW]
        values[_RAW] = raw if isinstance(raw, bytes) else orjson.dumps(raw)
        rows.append((item.position, item.author_key, item.reach, item.engagement, item.series, tuple(values)))
    authors = [
        (a["platform"], a["handle"], a["display_name"], a["followers"], a["is_verified"], a["url"],
         _micros(a["first_seen_at"]), _micros(a["last_seen_at"]), a["bio"], a["following"],
         _micros(a["account_created_at"]) if a["account_created_at"] is not None else None)
        for a in batch.authors.values()
    ]  # fmt: skip
    buckets = [(name, _micros(minute), *counts) for (name, minute), counts in batch.buckets.items()]
    return PackedBatch(batch.report, rows, authors, buckets)


def unpack(packed: PackedBatch) -> PreparedBatch:
    """The inverse of :func:`pack`."""
    batch = PreparedBatch(packed.report)
    ready = batch.ready
    columns = MENTION_COLUMNS
    moments: dict[int, datetime] = {}  # authors and buckets repeat the mentions' times

    def moment(micros: int) -> datetime:
        found = moments.get(micros)
        if found is None:
            found = moments[micros] = _EPOCH + timedelta(microseconds=micros)
        return found

    for position, author_key, reach, engagement, series, values in packed.rows:
        mention = dict(zip(columns, values, strict=True))  # "raw" stays JSON bytes, stored as they are
        micros = mention["created_at"]
        mention["created_at"] = moment(micros)
        minute = moment(micros - micros % 60_000_000)
        ready[(mention["platform"], mention["external_id"])] = Ready(
            position, mention, author_key, reach, engagement, minute, series
        )
    for platform, handle, display_name, followers, verified, url, first, last, bio, following, opened in packed.authors:
        batch.authors[(platform, handle)] = {
            "platform": platform,
            "handle": handle,
            "display_name": display_name,
            "followers": followers,
            "is_verified": verified,
            "url": url,
            "bio": bio,
            "following": following,
            "account_created_at": moment(opened) if opened is not None else None,
            "first_seen_at": moment(first),
            "last_seen_at": moment(last),
        }
    batch.buckets = {(name, moment(minute)): [c, r, e] for name, minute, c, r, e in packed.buckets}
    return batch


__all__ = [
    "PackedBatch",
    "PrepareConfig",
    "PreparedBatch",
    "Preparer",
    "Ready",
    "minute_of",
    "pack",
    "rollup_buckets",
    "text_hash",
    "unpack",
]
