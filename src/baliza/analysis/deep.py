"""The deep path: a prioritised, deduplicated, bounded queue and the worker that drains it.

The fast path labels every mention at once; the deep path (embeddings + ``head``) refines the label
when it has time. The model manages a few dozen posts per second per core, so during a crisis it
falls behind by design, and the queue decides what it looks at first:

    priority = reach × negativity × recency
    reach      = 1 + ln(1 + followers)                          an account with 10k followers: 10.2, with none: 1
    negativity = max((1 − fast score) / 2, NEGATIVITY_FLOOR)    1 for the most negative post, 0.5 for neutral
    recency    = 0.5 ^ (age / half_life)                        age = now − posted_at (never negative)

Recency decays every item by the same factor as time passes, so the order of two queued items
never changes: each item keeps one rank (the logarithm of its priority at the queue's reference
time) and the heaps never need re-scoring.

Deduplication is by ``text_key`` (the hash of the normalised text): a text already waiting, being
embedded or cached is not queued again; the new mention id joins the existing work item (a repost
of a big account raises the item's priority). Cached texts skip the backlog: the worker labels them
without running the model. The backlog is bounded (``max_items``); when it is full the lowest
priority item is shed, counted in ``lag()``, and its mentions keep the fast-path label.

``DeepWorker`` is one asyncio task: it takes a batch (up to ``batch_size`` texts, waiting at most
``max_wait`` seconds for a batch to fill), embeds and labels it in a worker thread so the event
loop never blocks, and hands the results to an async ``sink`` (the caller stores them). ``submit``
never awaits, so the fast path never waits on the deep path.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import math
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from baliza.analysis.embeddings import Embedder, text_key
from baliza.analysis.head import LABELS, DecidedBy, SentimentHead, lexical_matrix
from baliza.analysis.sentiment import Label, Sentiment
from baliza.core.clock import utcnow
from baliza.core.errors import ConfigError
from baliza.core.i18n import _

log = logging.getLogger(__name__)

MentionId = int | str
Clock = Callable[[], datetime]

DEFAULT_MAX_ITEMS = 10_000
DEFAULT_HALF_LIFE = timedelta(minutes=30)
NEGATIVITY_FLOOR = 0.05
"""Praise still gets a (small) priority, so among positive posts reach and recency decide."""

THROUGHPUT_WINDOW = timedelta(minutes=1)
_LN2 = math.log(2.0)


def priority(
    *, followers: int, fast_score: float, posted_at: datetime, now: datetime, half_life: timedelta = DEFAULT_HALF_LIFE
) -> float:
    """reach × negativity × recency, as documented at the top of this module."""
    reach = 1.0 + math.log1p(max(followers, 0))
    negativity = max((1.0 - fast_score) / 2.0, NEGATIVITY_FLOOR)
    age = max((now - posted_at) / half_life, 0.0)
    return reach * negativity * math.pow(0.5, age)


class Submitted(StrEnum):
    """What ``DeepQueue.submit`` did with a mention."""

    queued = "queued"  # a new work item in the backlog
    merged = "merged"  # its text was already waiting or being embedded: the mention joined that item
    cached = "cached"  # its text is in the embedding cache: labelled without the model
    shed = "shed"  # the backlog is full of more urgent texts: the mention keeps its fast label


@dataclass(slots=True, eq=False)
class WorkItem:
    """One distinct text waiting for the deep path, and every mention that carries it."""

    key: str
    text: str
    lang: str | None
    fast: Sentiment
    mention_ids: list[MentionId]
    rank: float
    enqueued_at: datetime
    seq: int = 0
    cached: bool = False


@dataclass(frozen=True, slots=True)
class DeepLag:
    """How far behind the deep path is: for the UI and the logs."""

    backlog: int  # texts waiting for the model
    ready: int  # cached texts waiting only for the head
    in_flight: int
    waiting_mentions: int
    oldest_wait_seconds: float
    shed_items: int
    shed_mentions: int
    merged: int
    processed_items: int
    failed_items: int
    throughput_per_s: float  # texts finished per second over the last minute

    @property
    def behind(self) -> bool:
        """True when work is being dropped or waiting: the UI says so instead of pretending."""
        return self.shed_items > 0 or self.backlog > 0

    def as_dict(self) -> dict[str, Any]:
        """Plain numbers for JSON."""
        return {
            "backlog": self.backlog,
            "ready": self.ready,
            "in_flight": self.in_flight,
            "waiting_mentions": self.waiting_mentions,
            "oldest_wait_seconds": round(self.oldest_wait_seconds, 3),
            "shed_items": self.shed_items,
            "shed_mentions": self.shed_mentions,
            "merged": self.merged,
            "processed_items": self.processed_items,
            "failed_items": self.failed_items,
            "throughput_per_s": round(self.throughput_per_s, 3),
            "behind": self.behind,
        }


class DeepQueue:
    """Prioritised, deduplicated, bounded backlog of texts for the deep path; thread-safe."""

    def __init__(
        self,
        *,
        max_items: int = DEFAULT_MAX_ITEMS,
        half_life: timedelta = DEFAULT_HALF_LIFE,
        clock: Clock = utcnow,
        is_cached: Callable[[str], bool] | None = None,
    ) -> None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self.max_items = max_items
        self.half_life = half_life
        self._clock = clock
        self._is_cached = is_cached
        self._epoch = clock()
        self._lock = threading.Lock()
        self._items: dict[str, WorkItem] = {}
        self._ready: dict[str, WorkItem] = {}
        self._in_flight: dict[str, WorkItem] = {}
        # Two heaps over the same items with lazy deletion: the top for the worker, the bottom for shedding.
        self._top: list[tuple[float, int, str]] = []
        self._bottom: list[tuple[float, int, str]] = []
        self._seq = 0
        self._shed_items = self._shed_mentions = self._merged = 0
        self._processed = self._failed = 0
        self._finished: deque[tuple[datetime, int]] = deque()
        self._event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- submitting (called by the fast path; never blocks on the model) ----------------------------

    def rank(self, *, followers: int, fast_score: float, posted_at: datetime, now: datetime | None = None) -> float:
        """ln(priority) at the queue's reference time: the order key, fixed for the item's life."""
        posted = min(posted_at, now or self._clock())
        reach = 1.0 + math.log1p(max(followers, 0))
        negativity = max((1.0 - fast_score) / 2.0, NEGATIVITY_FLOOR)
        return math.log(reach) + math.log(negativity) + _LN2 * ((posted - self._epoch) / self.half_life)

    def priority_now(self, item: WorkItem) -> float:
        """The item's priority (reach × negativity × recency) at the current time."""
        elapsed = (self._clock() - self._epoch) / self.half_life
        return math.exp(item.rank - _LN2 * elapsed)

    def submit(
        self,
        mention_id: MentionId,
        text: str,
        *,
        fast: Sentiment,
        lang: str | None = None,
        followers: int = 0,
        posted_at: datetime | None = None,
    ) -> Submitted:
        """Queue a mention's text for the deep path (or attach it to the same text already there)."""
        key = text_key(text)
        now = self._clock()
        rank = self.rank(followers=followers, fast_score=fast.score, posted_at=posted_at or now, now=now)
        with self._lock:
            outcome = self._submit(key, mention_id, text, fast, lang, rank, now)
        if outcome is not Submitted.shed and outcome is not Submitted.merged:
            self._wake()
        return outcome

    def _submit(
        self, key: str, mention_id: MentionId, text: str, fast: Sentiment, lang: str | None, rank: float, now: datetime
    ) -> Submitted:
        item = self._items.get(key)
        if item is not None:
            item.mention_ids.append(mention_id)
            self._merged += 1
            if rank > item.rank:  # a more urgent copy (bigger account, more recent) lifts the item
                item.rank = rank
                self._push(item)
            return Submitted.merged
        existing = self._in_flight.get(key) or self._ready.get(key)
        if existing is not None:
            existing.mention_ids.append(mention_id)
            self._merged += 1
            return Submitted.merged
        item = WorkItem(key, text, lang, fast, [mention_id], rank, now)
        if self._is_cached is not None and self._is_cached(key):
            if len(self._ready) >= self.max_items:
                self._count_shed(item)
                return Submitted.shed
            item.cached = True
            self._ready[key] = item
            return Submitted.cached
        if len(self._items) >= self.max_items:
            lowest = self._peek_bottom()
            if lowest is not None and rank <= lowest.rank:
                self._count_shed(item)
                return Submitted.shed
            if lowest is not None:
                del self._items[lowest.key]
                self._count_shed(lowest)
        self._items[key] = item
        self._push(item)
        self._compact()
        return Submitted.queued

    def _push(self, item: WorkItem) -> None:
        self._seq += 1
        item.seq = self._seq
        heapq.heappush(self._top, (-item.rank, item.seq, item.key))
        heapq.heappush(self._bottom, (item.rank, item.seq, item.key))

    def _live(self, entry: tuple[float, int, str]) -> WorkItem | None:
        item = self._items.get(entry[2])
        return item if item is not None and item.seq == entry[1] else None

    def _peek_bottom(self) -> WorkItem | None:
        while self._bottom:
            item = self._live(self._bottom[0])
            if item is not None:
                return item
            heapq.heappop(self._bottom)
        return None

    def _compact(self) -> None:
        # Stale heap entries (taken, shed or re-ranked items) are dropped lazily; rebuild when they dominate.
        if len(self._top) > 2 * len(self._items) + 64 or len(self._bottom) > 2 * len(self._items) + 64:
            live = [(i.rank, i.seq, i.key) for i in self._items.values()]
            self._bottom = live
            self._top = [(-rank, seq, key) for rank, seq, key in live]
            heapq.heapify(self._bottom)
            heapq.heapify(self._top)

    def _count_shed(self, item: WorkItem) -> None:
        self._shed_items += 1
        self._shed_mentions += len(item.mention_ids)
        log.warning("deep_shed mentions=%d rank=%.3f", len(item.mention_ids), item.rank)

    # -- taking (called by the worker) --------------------------------------------------------------

    def pending(self) -> int:
        """Texts waiting (backlog and cached), not counting those being processed."""
        with self._lock:
            return len(self._items) + len(self._ready)

    def take(self, n: int) -> list[WorkItem]:
        """Every cached text (they cost no model time) and up to ``n`` backlog texts, most urgent first."""
        with self._lock:
            batch = list(self._ready.values())
            self._ready.clear()
            taken = 0
            while taken < n and self._top:
                entry = heapq.heappop(self._top)
                item = self._live((-entry[0], entry[1], entry[2]))
                if item is None:
                    continue
                del self._items[item.key]
                batch.append(item)
                taken += 1
            for item in batch:
                self._in_flight[item.key] = item
            self._compact()
            return batch

    def done(self, items: Iterable[WorkItem], *, failed: bool = False) -> None:
        """Mark taken items finished (or failed): they leave the in-flight set and count toward throughput."""
        now = self._clock()
        with self._lock:
            count = 0
            for item in items:
                if self._in_flight.pop(item.key, None) is not None:
                    count += 1
            if failed:
                self._failed += count
            else:
                self._processed += count
                self._finished.append((now, count))

    def requeue(self, items: Iterable[WorkItem]) -> None:
        """Put taken items back, keeping their rank and age (a cancelled batch is not lost)."""
        with self._lock:
            for item in items:
                if self._in_flight.pop(item.key, None) is None:
                    continue
                if item.cached:
                    self._ready[item.key] = item
                else:
                    self._items[item.key] = item
                    self._push(item)
        self._wake()

    # -- waiting ------------------------------------------------------------------------------------

    def _wake(self) -> None:
        event, loop = self._event, self._loop
        if event is None or loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            event.set()
        else:  # submitted from another thread (an import worker): hand the wake-up to the loop
            loop.call_soon_threadsafe(event.set)

    async def wait(self, *, min_items: int = 1, timeout: float | None = None) -> bool:
        """Wait until a submit (or ``notify``) wakes us or the timeout passes; True if ``min_items`` are pending."""
        loop = asyncio.get_running_loop()
        if self._event is None or self._loop is not loop:
            self._event, self._loop = asyncio.Event(), loop
        event = self._event
        event.clear()  # clear, then check: a submit in between sets it again, so no wake-up is lost
        if self.pending() >= min_items:
            return True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)
        return self.pending() >= min_items

    def notify(self) -> None:
        """Wake whoever waits (used when stopping)."""
        self._wake()

    # -- reporting ----------------------------------------------------------------------------------

    def lag(self, now: datetime | None = None) -> DeepLag:
        """Backlog size, oldest waiting age, shed count and throughput over the last minute."""
        now = now or self._clock()
        with self._lock:
            waiting = [*self._items.values(), *self._ready.values()]
            oldest = max(((now - item.enqueued_at).total_seconds() for item in waiting), default=0.0)
            while self._finished and now - self._finished[0][0] > THROUGHPUT_WINDOW:
                self._finished.popleft()
            recent = sum(count for _at, count in self._finished)
            span = min(THROUGHPUT_WINDOW, max(now - self._epoch, timedelta(seconds=1))).total_seconds()
            return DeepLag(
                backlog=len(self._items),
                ready=len(self._ready),
                in_flight=len(self._in_flight),
                waiting_mentions=sum(len(item.mention_ids) for item in waiting),
                oldest_wait_seconds=max(oldest, 0.0),
                shed_items=self._shed_items,
                shed_mentions=self._shed_mentions,
                merged=self._merged,
                processed_items=self._processed,
                failed_items=self._failed,
                throughput_per_s=recent / span,
            )


# ----------------------------------------------------------------------------------------------
# The worker
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeepResult:
    """The deep path's verdict on one distinct text, for every mention that carries it."""

    mention_ids: tuple[MentionId, ...]
    text_hash: str
    embedding: npt.NDArray[np.float32] = field(repr=False)
    deep_label: Label
    deep_probs: tuple[float, float, float]  # negative, neutral, positive
    label: Label  # the label shown (see head.combine)
    score: float
    decided_by: DecidedBy


Sink = Callable[[list[DeepResult]], Awaitable[None]]


class DeepWorker:
    """One asyncio task that drains a ``DeepQueue`` in batches and hands results to ``sink``."""

    def __init__(
        self,
        queue: DeepQueue,
        embedder: Embedder,
        head: SentimentHead,
        sink: Sink,
        *,
        batch_size: int = 32,
        max_wait: float = 0.5,
    ) -> None:
        if embedder.prefix != head.prefix:
            raise ConfigError(
                _("The sentiment head expects {head} embeddings but the embedder makes {embedder}.").format(
                    head=head.prefix, embedder=embedder.prefix
                ),
                code="deep_prefix_mismatch",
            )
        self.queue = queue
        self.embedder = embedder
        self.head = head
        self.sink = sink
        self.batch_size = batch_size
        self.max_wait = max_wait
        self.batches = 0
        self.errors = 0
        self.sink_errors = 0
        self._task: asyncio.Task[None] | None = None
        self._draining = False

    @property
    def running(self) -> bool:
        """Whether the worker task is alive."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the worker task on the running loop."""
        if self.running:
            return
        self._draining = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="baliza-deep-worker")

    async def stop(self, *, drain: bool = True, timeout: float | None = None) -> None:
        """Stop: finish every pending text first (``drain``), or cancel now (taken texts go back to the queue)."""
        task = self._task
        if task is None:
            return
        if drain:
            self._draining = True
            self.queue.notify()
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout)
            except TimeoutError:
                log.warning("deep_drain_timeout pending=%d", self.queue.pending())
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None

    async def _run(self) -> None:
        while True:
            if self._draining:
                if self.queue.pending() == 0:
                    return
            elif not await self.queue.wait():
                continue  # woken without work (a stop request): look at the flags again
            if not self._draining and self.max_wait > 0 and self.queue.pending() < self.batch_size:
                # Let the batch fill for a moment: one call for 32 texts is much cheaper than 32 calls.
                deadline = asyncio.get_running_loop().time() + self.max_wait
                while self.queue.pending() < self.batch_size and not self._draining:
                    remaining = deadline - asyncio.get_running_loop().time()
                    if remaining <= 0:
                        break
                    await self.queue.wait(min_items=self.batch_size, timeout=remaining)
            await self.run_once()

    async def run_once(self) -> int:
        """Take one batch now, label it and hand it to the sink; the number of texts processed."""
        items = self.queue.take(self.batch_size)
        if not items:
            return 0
        try:
            embeddings, probs = await asyncio.to_thread(self._label, items)
        except asyncio.CancelledError:
            self.queue.requeue(items)
            raise
        except Exception:  # a job boundary: log, count, keep the worker alive
            self.errors += 1
            self.queue.done(items, failed=True)
            log.exception("deep_batch_failed texts=%d", len(items))
            return 0
        results = self._results(items, embeddings, probs)
        # Done before the sink awaits: a copy submitted meanwhile finds the cache instead of queueing.
        self.queue.done(items)
        self.batches += 1
        try:
            await self.sink(results)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.sink_errors += 1
            log.exception("deep_sink_failed results=%d", len(results))
        return len(items)

    def _label(self, items: Sequence[WorkItem]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        texts = [item.text for item in items]
        embeddings = self.embedder.embed_keyed([item.key for item in items], texts)
        lexical = lexical_matrix(texts, [item.fast for item in items], [item.lang for item in items])
        return embeddings, self.head.predict_proba(embeddings, lexical)

    def _results(
        self, items: Sequence[WorkItem], embeddings: npt.NDArray[np.float32], probs: npt.NDArray[np.float32]
    ) -> list[DeepResult]:
        results = []
        for item, vector, p in zip(items, embeddings, probs, strict=True):
            combined = self.head.combine(item.fast, p)
            results.append(
                DeepResult(
                    mention_ids=tuple(item.mention_ids),
                    text_hash=item.key,
                    embedding=vector,
                    deep_label=LABELS[int(np.argmax(p))],
                    deep_probs=(float(p[0]), float(p[1]), float(p[2])),
                    label=combined.label,
                    score=combined.score,
                    decided_by=combined.decided_by,
                )
            )
        return results


__all__ = [
    "DEFAULT_HALF_LIFE",
    "DEFAULT_MAX_ITEMS",
    "NEGATIVITY_FLOOR",
    "THROUGHPUT_WINDOW",
    "DeepLag",
    "DeepQueue",
    "DeepResult",
    "DeepWorker",
    "MentionId",
    "Sink",
    "Submitted",
    "WorkItem",
    "priority",
]
