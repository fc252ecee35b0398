"""Ingestion: one flow behind every door (API, file import, connectors, drills).

validate → normalise → match watch rules → deduplicate → store in batches → update rollups.
The same input twice gives the same rows: mentions are keyed by (workspace, platform, external_id)
and rollups only count what was actually inserted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from baliza.core.clock import utcnow
from baliza.core.config import Settings
from baliza.core.errors import PayloadTooLargeError
from baliza.core.i18n import _, get_locale
from baliza.ingest import service as ingest_service
from baliza.ingest.issues import show_value
from baliza.ingest.matching import RuleSpec
from baliza.ingest.parsing import ParsedRow
from baliza.ingest.prepare import PrepareConfig, PreparedBatch, Preparer, rollup_buckets
from baliza.ingest.schemas import IngestReport, Position, RowIssue
from baliza.storage.db import Database
from baliza.workspaces import service as workspace_service
from baliza.workspaces.models import WatchRule, Workspace

AUTHOR_CACHE_LIMIT = 200_000


def rule_spec(rule: WatchRule) -> RuleSpec:
    """The matcher's view of a stored rule."""
    return RuleSpec.of(rule.id, rule)


class Ingestor:
    """Ingests batches of raw mention dicts into one workspace. Build it with ``Ingestor.open``."""

    def __init__(
        self,
        db: Database,
        workspace: Workspace,
        rules: Sequence[WatchRule],
        *,
        settings: Settings,
        source: str = "api",
        keep_unmatched: bool = False,
        position: Position = "line",
    ) -> None:
        self.db = db
        self.workspace_id = workspace.id
        self.workspace_slug = workspace.slug
        self.settings = settings
        self.config = PrepareConfig(
            workspace_id=workspace.id,
            workspace_slug=workspace.slug,
            rules=tuple(rule_spec(r) for r in rules),
            source=source,
            keep_unmatched=keep_unmatched,
            position=position,
            max_text_chars=settings.max_text_chars,
            max_line_bytes=settings.max_line_bytes,
            locale=get_locale(),
            analysis=settings.analysis,
        )
        self.preparer = Preparer(self.config)
        self._authors: dict[tuple[str, str], tuple[int, int | None]] = {}

    @classmethod
    async def open(
        cls,
        db: Database,
        slug: str,
        *,
        settings: Settings,
        source: str = "api",
        keep_unmatched: bool = False,
        position: Position = "line",
    ) -> Ingestor:
        """Look up the workspace (WorkspaceNotFoundError if unknown) and compile its watch rules."""
        async with db.session() as session:
            workspace = await workspace_service.get_by_slug_or_raise(db_session=session, slug=slug)
            rules = await workspace_service.list_rules(db_session=session, workspace_id=workspace.id, enabled_only=True)
        return cls(
            db, workspace, rules, settings=settings, source=source, keep_unmatched=keep_unmatched, position=position
        )

    def prepare(self, rows: Iterable[ParsedRow | RowIssue]) -> PreparedBatch:
        """Validate, normalise and match one batch (pure CPU, no database)."""
        return self.preparer.prepare(rows)

    async def store(self, batch: PreparedBatch) -> IngestReport:
        """Write one prepared batch in one transaction; returns its completed report."""
        if batch.ready:
            await self._store(batch)
        return batch.report

    async def ingest(self, rows: Iterable[ParsedRow | RowIssue]) -> IngestReport:
        """Ingest one batch in one transaction; returns what happened to every row."""
        return await self.store(self.prepare(rows))

    async def ingest_stream(
        self, batches: Iterable[Sequence[ParsedRow | RowIssue]], *, on_batch: Callable[[], None] | None = None
    ) -> IngestReport:
        """Ingest many batches, one transaction each, in order.

        (Preparing batch n+1 while batch n is written was measured slower: the database thread and
        the CPU work fight over the GIL.)
        """
        report = IngestReport(workspace=self.workspace_slug)
        for rows in batches:
            report.merge(await self.ingest(rows))
            if on_batch is not None:
                on_batch()
        return report

    async def _store(self, batch: PreparedBatch) -> None:
        items = list(batch.ready.values())
        report = batch.report
        now = batch_marker()
        to_upsert = {
            key: row
            for key, row in batch.authors.items()
            if (cached := self._authors.get(key)) is None or _followers_changed(cached[1], row["followers"])
        }
        fresh: dict[tuple[str, str], int] = {}
        async with self.db.session() as session, session.begin():
            if to_upsert:
                fresh = await ingest_service.upsert_authors(
                    db_session=session, workspace_id=self.workspace_id, authors=list(to_upsert.values())
                )
            mentions = []
            for item in items:
                key = item.author_key
                if key is not None:
                    item.mention["author_id"] = fresh[key] if key in fresh else self._authors[key][0]
                mention = item.mention
                mention["ingested_at"] = now
                if type(mention["raw"]) is bytes:  # the original JSON text: no need to parse and re-encode it
                    mention["raw"] = orjson.Fragment(mention["raw"])
                mentions.append(mention)
            inserted = await ingest_service.insert_mentions(
                db_session=session, workspace_id=self.workspace_id, rows=mentions, marker=now
            )
            if len(inserted) == len(items):
                buckets = batch.buckets
            else:  # some were already stored: count only the new ones
                buckets = rollup_buckets(
                    item for item in items if (item.mention["platform"], item.mention["external_id"]) in inserted
                )
            await ingest_service.add_to_rollups(db_session=session, workspace_id=self.workspace_id, buckets=buckets)
        # Only now that the transaction committed may the cache remember new author ids.
        if len(self._authors) + len(fresh) > AUTHOR_CACHE_LIMIT:
            self._authors.clear()
        for key, author_id in fresh.items():
            self._authors[key] = (author_id, to_upsert[key]["followers"])
        report.stored += len(inserted)
        report.duplicates += len(items) - len(inserted)


_last_marker = datetime.min.replace(tzinfo=UTC)


def batch_marker() -> datetime:
    """``ingested_at`` for one batch: now, but strictly later than the previous batch of this process."""
    global _last_marker
    now = utcnow()
    if now <= _last_marker:
        now = _last_marker + timedelta(microseconds=1)
    _last_marker = now
    return now


def _followers_changed(cached: int | None, new: int | None) -> bool:
    if new is None or cached == new:
        return False
    if cached is None:
        return True
    return abs(new - cached) > max(10, cached // 20)


async def ingest_items(
    db: Database,
    *,
    slug: str,
    items: Sequence[Any],
    settings: Settings,
    source: str = "api",
    keep_unmatched: bool = False,
) -> IngestReport:
    """The API door: a JSON array of mentions, positions reported as 0-based indexes."""
    if len(items) > settings.max_batch_items:
        raise PayloadTooLargeError(
            _("This batch has {n} mentions; the limit is {limit} per request. Split it.").format(
                n=len(items), limit=settings.max_batch_items
            ),
            details={"field": "mentions", "value": len(items), "limit": settings.max_batch_items},
        )
    ingestor = await Ingestor.open(
        db, slug, settings=settings, source=source, keep_unmatched=keep_unmatched, position="index"
    )
    rows: list[ParsedRow | RowIssue] = []
    for index, item in enumerate(items):
        if isinstance(item, dict):
            rows.append(ParsedRow(index, item))
        else:
            rows.append(
                RowIssue(
                    index=index,
                    value=show_value(item),
                    code="not_an_object",
                    message=_("must be a JSON object, not {kind}").format(kind=type(item).__name__),
                )
            )
    report = IngestReport(workspace=slug)
    size = settings.ingest_batch_size
    for start in range(0, len(rows), size):
        report.merge(await ingestor.ingest(rows[start : start + size]))
    return report


__all__ = ["Ingestor", "batch_marker", "ingest_items", "rule_spec"]
