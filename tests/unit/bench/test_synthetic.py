"""The synthetic mention generator: deterministic, well-shaped, and mixed the way the docstring says."""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest

from baliza.bench.synthetic import BRAND_SHARE, SPANISH_SHARE, generate_mentions, write_jsonl
from baliza.ingest.schemas import MentionIn

KEYS = {
    "platform",
    "external_id",
    "url",
    "created_at",
    "text",
    "lang",
    "author",
    "likes",
    "reposts",
    "replies",
    "quotes",
    "reply_to",
    "quote_of",
    "repost_of",
}
AUTHOR_KEYS = {"handle", "display_name", "followers", "verified"}
PLATFORMS = {"bluesky", "mastodon", "reddit", "x", "instagram", "facebook", "youtube", "news", "email", "form"}
ACME = re.compile(r"acme", re.IGNORECASE)
N = 20_000


@pytest.fixture(scope="module")
def sample() -> list[dict[str, Any]]:
    return list(generate_mentions(N))


def test_same_seed_same_stream_other_seed_other_stream() -> None:
    first = list(generate_mentions(3_000, seed=11))
    assert first == list(generate_mentions(3_000, seed=11))
    assert first != list(generate_mentions(3_000, seed=12))


def test_every_item_has_the_mention_shape(sample: list[dict[str, Any]]) -> None:
    for item in sample:
        assert set(item) == KEYS
        assert item["platform"] in PLATFORMS
        assert isinstance(item["external_id"], str) and item["external_id"]
        assert isinstance(item["url"], str) and item["url"].startswith("https://")
        assert item["lang"] in {"es", "en"}
        assert 30 <= len(item["text"]) <= 280, item["text"]
        assert set(item["author"]) == AUTHOR_KEYS
        assert item["author"]["handle"] and isinstance(item["author"]["display_name"], str)
        assert isinstance(item["author"]["verified"], bool)
        for key in ("likes", "reposts", "replies", "quotes"):
            assert isinstance(item[key], int) and item[key] >= 0
        assert isinstance(item["author"]["followers"], int) and item["author"]["followers"] >= 0


def test_items_validate_against_the_ingest_schema(sample: list[dict[str, Any]]) -> None:
    for item in sample[:1_000]:
        MentionIn.model_validate(item)


def test_created_at_is_aware_utc_and_non_decreasing(sample: list[dict[str, Any]]) -> None:
    times = [datetime.fromisoformat(item["created_at"]) for item in sample]
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) for t in times)
    assert all(a <= b for a, b in itertools.pairwise(times))
    assert times[0] >= datetime(2026, 11, 20, tzinfo=UTC)


def test_rate_follows_per_minute() -> None:
    items = list(generate_mentions(10_000, per_minute=1_000.0))
    span = datetime.fromisoformat(items[-1]["created_at"]) - datetime.fromisoformat(items[0]["created_at"])
    assert 9.0 <= span.total_seconds() / 60 <= 11.0  # 10,000 mentions at 1,000 a minute


def test_start_is_honoured_and_converted_to_utc() -> None:
    madrid = datetime(2026, 11, 20, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    first = next(generate_mentions(1, start=madrid))
    assert datetime.fromisoformat(first["created_at"]) >= madrid
    assert first["created_at"].startswith("2026-11-20T12:00") and first["created_at"].endswith("+00:00")
    naive = next(generate_mentions(1, start=datetime(2026, 1, 2, 3, 4)))
    assert naive["created_at"].startswith("2026-01-02T03:04")


def test_ids_are_unique_per_platform_and_links_point_back(sample: list[dict[str, Any]]) -> None:
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for item in sample:
        key = (item["platform"], item["external_id"])
        assert key not in seen
        for link in ("reply_to", "quote_of", "repost_of"):
            if item[link] is not None:
                assert (item["platform"], item[link]) in seen, (link, item)
        if item["repost_of"] is not None:
            assert seen[(item["platform"], item["repost_of"])]["text"] == item["text"]
        seen[key] = item


def test_language_mix(sample: list[dict[str, Any]]) -> None:
    share = Counter(item["lang"] for item in sample)["es"] / len(sample)
    assert abs(share - SPANISH_SHARE) < 0.05, share


def test_share_naming_acme(sample: list[dict[str, Any]]) -> None:
    share = sum(1 for item in sample if ACME.search(item["text"])) / len(sample)
    assert abs(share - BRAND_SHARE) < 0.03, share


def test_unrelated_posts_have_no_acme_at_all(sample: list[dict[str, Any]]) -> None:
    unrelated = [item["text"] for item in sample if not ACME.search(item["text"])]
    assert unrelated
    assert not any("acmefoods" in text.lower() for text in unrelated)


def test_distinct_authors_about_a_quarter_of_n(sample: list[dict[str, Any]]) -> None:
    authors = Counter(item["author"]["handle"] for item in sample)
    assert 0.85 * N / 4 <= len(authors) <= 1.15 * N / 4, len(authors)
    # Zipf-like: the busiest account posts far more than the typical one.
    assert authors.most_common(1)[0][1] >= 20 * sorted(authors.values())[len(authors) // 2]


def test_followers_are_heavy_tailed(sample: list[dict[str, Any]]) -> None:
    followers = sorted(item["author"]["followers"] for item in sample if item["platform"] != "email")
    median, p99 = followers[len(followers) // 2], followers[int(len(followers) * 0.99)]
    assert p99 > 20 * median


def test_repeats_reposts_and_variety(sample: list[dict[str, Any]]) -> None:
    reposts = sum(1 for item in sample if item["repost_of"] is not None)
    assert 0.05 * N < reposts < 0.15 * N
    texts = Counter(item["text"] for item in sample)
    repeated = N - len(texts)
    assert 0.10 * N < repeated < 0.30 * N
    assert len(texts) > 0.7 * N  # plenty of distinct texts
    assert len({item["platform"] for item in sample}) >= 8
    lengths = [len(item["text"]) for item in sample]
    assert max(lengths) - min(lengths) > 100


def test_bad_arguments() -> None:
    assert list(generate_mentions(0)) == []
    with pytest.raises(ValueError, match="n must be"):
        list(generate_mentions(-1))
    with pytest.raises(ValueError, match="per_minute"):
        list(generate_mentions(10, per_minute=0))


def test_write_jsonl_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "mentions.jsonl"
    write_jsonl(path, 1_234, seed=3)
    lines = path.read_bytes().splitlines()
    assert [orjson.loads(line) for line in lines] == list(generate_mentions(1_234, seed=3))
    write_jsonl(str(tmp_path / "empty.jsonl"), 0)
    assert (tmp_path / "empty.jsonl").read_bytes() == b""


def test_fast_enough() -> None:
    # The real target is >= 100,000/s; the bar here is low so a busy CI machine does not flake.
    n = 50_000
    started = time.perf_counter()
    for _ in generate_mentions(n):
        pass
    assert n / (time.perf_counter() - started) > 25_000
