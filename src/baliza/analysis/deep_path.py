"""The deep path wired to the database: new mentions go into the prioritised queue, results come back as the
label people see (unless a person corrected it), and the per-minute series follow the new label."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select

from baliza.analysis.deep import DeepLag, DeepQueue, DeepResult, DeepWorker, Submitted
from baliza.analysis.embeddings import Embedder
from baliza.analysis.fast import analyse
from baliza.analysis.head import load_head
from baliza.core.clock import floor_minute
from baliza.ingest import service as ingest_service
from baliza.ingest.models import Author, Mention
from baliza.storage.db import Database

log = logging.getLogger(__name__)


class DeepPath:
    """Owns the queue, the embedder and the worker; ``submit`` never waits."""

    def __init__(self, db: Database, *, max_items: int = 10_000, batch_size: int = 32) -> None:
        self.db = db
        head = load_head()
        self.embedder = Embedder(prefix=head.prefix)
        self.queue = DeepQueue(max_items=max_items, is_cached=self.embedder.contains)
        self.worker = DeepWorker(self.queue, self.embedder, head, self._store, batch_size=batch_size)
        self.updated = 0

    def start(self) -> None:
        """Begin draining the queue in the background."""
        self.worker.start()

    async def stop(self, timeout: float | None = 5.0) -> None:
        """Stop the worker (what is still queued keeps its fast-path label)."""
        await self.worker.stop(drain=False, timeout=timeout)

    def lag(self) -> DeepLag:
        """How far behind the deep path is (backlog, oldest wait, shed items, throughput)."""
        return self.queue.lag()

    def submit(self, mention: Mention, author: Author | None) -> Submitted:
        """Queue one stored mention (ranked by reach × negativity × recency)."""
        fast = analyse(mention.text, mention.lang).sentiment
        return self.queue.submit(
            mention.id,
            mention.text,
            fast=fast,
            lang=mention.lang,
            followers=(author.followers or 0) if author else 0,
            posted_at=mention.created_at,
        )

    async def _store(self, results: list[DeepResult]) -> None:
        by_id = {int(mid): r for r in results for mid in r.mention_ids}
        if not by_id:
            return
        async with self.db.session() as session:
            rows = (
                await session.execute(
                    select(Mention, Author)
                    .outerjoin(Author, Author.id == Mention.author_id)
                    .where(Mention.id.in_(list(by_id)))
                )
            ).all()
            buckets: dict[tuple[int, str, datetime], list[int]] = {}
            for mention, author in rows:
                result = by_id[mention.id]
                analysis: dict[str, Any] = dict(mention.analysis or {})
                analysis["deep"] = {
                    "label": result.deep_label,
                    "probs": [round(p, 4) for p in result.deep_probs],
                    "decided_by": str(result.decided_by),
                }
                if not analysis.get("corrected") and result.label != mention.sentiment:
                    analysis.setdefault("base", {"sentiment": mention.sentiment,
                                                 "issue_types": list(mention.issue_types or [])})  # fmt: skip
                    reach = (author.followers or 0) if author else 0
                    engagement = mention.likes + mention.reposts + mention.replies + mention.quotes
                    minute = floor_minute(mention.created_at)
                    for name, sign in ((f"sentiment:{mention.sentiment}", -1), (f"sentiment:{result.label}", 1)):
                        if name.endswith(":None"):
                            continue
                        bucket = buckets.setdefault((mention.workspace_id, name, minute), [0, 0, 0])
                        bucket[0] += sign
                        bucket[1] += sign * reach
                        bucket[2] += sign * engagement
                    mention.sentiment = str(result.label)
                    mention.sentiment_score = round(float(result.score), 4)
                    self.updated += 1
                mention.analysis = analysis
            for workspace_id in {w for w, _n, _m in buckets}:
                await ingest_service.add_to_rollups(
                    db_session=session,
                    workspace_id=workspace_id,
                    buckets={(n, m): v for (w, n, m), v in buckets.items() if w == workspace_id},
                )
            await session.commit()


__all__ = ["DeepPath"]
