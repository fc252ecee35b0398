"""Running sources: fetch new posts (or a backfill), store them through the normal ingest path, and only then
move the cursor, so a restart resumes with no gap and no duplicate; receive webhooks; keep the health."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from baliza.core import loops
from baliza.core.clock import utcnow
from baliza.core.config import Settings
from baliza.core.errors import BalizaError, NotFoundError
from baliza.core.i18n import _
from baliza.ingest.connectors import netguard, registry
from baliza.ingest.connectors.base import MentionPage, close_connector
from baliza.ingest.connectors.webhooks import (
    MetaWebhookSettings,
    ReplayCache,
    SignedWebhookSettings,
    WebhookStats,
    meta_handshake,
    receive_meta_webhook,
    receive_signed_webhook,
)
from baliza.ingest.flows import ingest_items
from baliza.ingest.schemas import IngestReport
from baliza.sources import service as source_service
from baliza.sources.models import WebhookNonce
from baliza.storage.db import Database
from baliza.workspaces.models import Workspace

log = logging.getLogger(__name__)
MAX_PAGES = 20  # per source per round: one busy source must not starve the others


@dataclass
class RunResult:
    source: str
    pages: int
    stored: int
    duplicates: int
    skipped: int
    error: str | None = None


async def _store(db: Database, settings: Settings, slug: str, page: MentionPage, source: str) -> IngestReport:
    items = [m.model_dump(mode="json") for m in page.items]
    report = IngestReport(workspace=slug)
    for start in range(0, len(items), settings.max_batch_items):
        report.merge(
            await ingest_items(
                db, slug=slug, items=items[start : start + settings.max_batch_items], settings=settings, source=source
            )
        )
    return report


async def run_source(
    db: Database,
    settings: Settings,
    source_id: int,
    *,
    since: datetime | None = None,
    query: str | None = None,
    store: bool = True,
    client: httpx.AsyncClient | None = None,
    clock: Callable[[], datetime] = utcnow,
    on_page: Callable[[int], None] | None = None,
) -> RunResult:
    """Fetch what is new (or, with ``query``, a search backfill since ``since``) and store it page by page."""
    async with db.session() as session:
        source = await source_service.get(db_session=session, source_id=source_id)
        workspace = await session.get(Workspace, source.workspace_id)
        assert workspace is not None
        kind, name, slug = source.kind, source.name, workspace.slug
        cursor = None if query else (source.cursor or {}).get("value")
        config = source_service.settings_of(source, settings)
    result = RunResult(name, 0, 0, 0, 0)
    own_client = client is None
    http = client or netguard.guarded_client(allow_private=settings.connectors_allow_private)
    connector: Any = None
    try:
        connector = registry.make_connector(
            kind, config, client=http, clock=clock, allow_private=settings.connectors_allow_private
        )
        start = since or clock() - timedelta(days=1)
        for _page_number in range(MAX_PAGES):
            if query is not None:
                page: MentionPage = await connector.search(query, since=start, cursor=cursor)
            else:
                page = await connector.fetch(since=start, cursor=cursor)
            result.pages += 1
            result.skipped += len(page.skipped)
            if store and page.items:
                report = await _store(db, settings, slug, page, f"source:{name}")
                result.stored += report.stored
                result.duplicates += report.duplicates
            elif not store:
                result.stored += len(page.items)
            if on_page is not None:
                on_page(len(page.items))
            if store and query is None:
                # The cursor moves only after the page is stored: a crash before this line refetches it.
                async with db.session() as session:
                    row = await source_service.get(db_session=session, source_id=source_id)
                    newest = max((m.created_at for m in page.items), default=None)
                    lag = (clock() - newest).total_seconds() if newest is not None else None
                    source_service.record_success(row, now=clock(), items=len(page.items), cursor=page.cursor,
                                                  lag=lag)  # fmt: skip
                    await session.commit()
            cursor = page.cursor
            if not page.has_more:
                break
    except BalizaError as exc:
        result.error = exc.message
        if store:
            async with db.session() as session:
                row = await source_service.get(db_session=session, source_id=source_id)
                source_service.record_error(row, now=clock(), message=exc.message)
                await session.commit()
    finally:
        await close_connector(connector)
        if own_client:
            await http.aclose()
    return result


class SourcesRunner:
    """Polls every enabled pull source of every workspace, one after the other."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def step(self) -> list[RunResult]:
        """One round over the sources."""
        async with self.db.session() as session:
            sources = [s.id for s in await source_service.list_sources(db_session=session)
                       if s.enabled and s.kind not in source_service.PUSH_KINDS]  # fmt: skip
        return [await run_source(self.db, self.settings, source_id) for source_id in sources]

    async def run_forever(self, interval: float) -> None:
        """A round every ``interval`` seconds until cancelled; a failing round is logged, not fatal."""
        await loops.every(interval, self.step, name="sources_step_failed")


def running(runner: SourcesRunner, interval: float) -> contextlib.AbstractAsyncContextManager[asyncio.Task[None]]:
    """Run ``runner`` in the background for the duration of an ``async with`` block."""
    return loops.background(runner.run_forever(interval))


class _DatabaseReplays(ReplayCache):
    """Accepted signatures remembered in the database too, so a replay is refused even after a restart."""

    def __init__(self, seen: set[str]) -> None:
        super().__init__()
        self.preloaded = seen
        self.added: list[str] = []

    def seen(self, key: str, *, now: datetime) -> bool:
        return key in self.preloaded or super().seen(key, now=now)

    def add(self, key: str, *, expires_at: datetime, now: datetime) -> None:
        self.added.append(key)
        super().add(key, expires_at=expires_at, now=now)


async def receive_webhook(
    db: Database, settings: Settings, source_id: int, body: bytes, headers: dict[str, str]
) -> IngestReport:
    """A signed (``webhook``) or Meta (``meta``) notification: verified, counted, stored."""
    now = utcnow()
    async with db.session() as session:
        source = await source_service.get(db_session=session, source_id=source_id)
        workspace = await session.get(Workspace, source.workspace_id)
        assert workspace is not None
        if source.kind not in source_service.PUSH_KINDS or not source.enabled:
            raise NotFoundError(_("This source does not receive webhooks."), code="webhook_not_enabled")
        config = source_service.settings_of(source, settings)
        stats = WebhookStats()
        try:
            if isinstance(config, SignedWebhookSettings):
                nonces = set(
                    (await session.execute(select(WebhookNonce.nonce).where(WebhookNonce.source_id == source_id)))
                    .scalars()
                    .all()
                )
                replays = _DatabaseReplays(nonces)
                page = receive_signed_webhook(body, headers, settings=config, seen_nonces=replays, stats=stats,
                                              now=now)  # fmt: skip
                for nonce in replays.added:
                    session.add(WebhookNonce(source_id=source_id, nonce=nonce[:128], seen_at=now))
            else:
                assert isinstance(config, MetaWebhookSettings)
                page = receive_meta_webhook(body, headers, settings=config, stats=stats, now=now)
        finally:
            for key, value in stats.as_dict().items():
                if value:
                    source_service.count(source, key, value)
            try:
                await session.commit()
            except IntegrityError:  # two deliveries of one message at once: the second is the replay
                await session.rollback()
                raise
        slug, name = workspace.slug, source.name
    report = await _store(db, settings, slug, page, f"source:{name}")
    async with db.session() as session:
        row = await source_service.get(db_session=session, source_id=source_id)
        source_service.record_success(row, now=now, items=report.stored, cursor=None, lag=0.0)
        await session.commit()
    return report


async def meta_subscribe(db: Database, settings: Settings, source_id: int, params: dict[str, str]) -> str:
    """Meta's subscription handshake: the challenge back when the verify token matches."""
    async with db.session() as session:
        source = await source_service.get(db_session=session, source_id=source_id)
        config = source_service.settings_of(source, settings)
    if not isinstance(config, MetaWebhookSettings):
        raise NotFoundError(_("This source does not receive webhooks."), code="webhook_not_enabled")
    return meta_handshake(params, config.verify_token)


__all__ = ["RunResult", "SourcesRunner", "meta_subscribe", "receive_webhook", "run_source", "running"]
