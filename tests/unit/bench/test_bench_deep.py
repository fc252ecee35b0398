"""The deep-path bench: the repost stream it builds and the numbers it reports."""

from __future__ import annotations

import pytest

from baliza.analysis.bench_deep import bench_deep, repost_stream
from baliza.analysis.bench_speed import bench_speed
from baliza.analysis.embeddings import text_key

NEW_TEXTS = [f"post number {i} about the parcel" for i in range(2000)]


def test_repost_stream_repeats_about_the_asked_share() -> None:
    stream = repost_stream(NEW_TEXTS, 1000, 0.4, seed=3)
    distinct = {text_key(text) for text in stream}
    assert len(stream) == 1000
    assert 0.55 <= len(distinct) / 1000 <= 0.65


def test_copies_with_other_spacing_share_the_cache_key() -> None:
    stream = repost_stream(NEW_TEXTS, 500, 0.4, seed=5)
    spaced = [text for text in stream if text.startswith("  ")]
    assert spaced, "some copies should differ in spacing"
    keys = {text_key(text) for text in NEW_TEXTS}
    assert all(text_key(text) in keys for text in spaced)


def test_new_texts_come_in_order_and_none_is_lost() -> None:
    stream = repost_stream(NEW_TEXTS, 300, 0.0, seed=1)
    assert stream == NEW_TEXTS[:300]


@pytest.mark.parametrize("share", [-0.1, 1.0])
def test_share_out_of_range_is_refused(share: float) -> None:
    with pytest.raises(ValueError, match="share"):
        repost_stream(NEW_TEXTS, 10, share, seed=1)


def test_bench_reports_the_cache_comparison() -> None:
    result = bench_deep(24, repost_share=0.5)
    assert result.repost_n == 24
    assert result.repost_distinct < result.repost_n
    assert result.uncached_seconds > 0 and result.cached_seconds > 0
    numbers = result.as_dict()
    assert numbers["cache_speedup"] == round(result.uncached_seconds / result.cached_seconds, 2)


def test_running_out_of_new_texts_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not enough new texts"):
        repost_stream(NEW_TEXTS[:5], 100, 0.1, seed=1)


def test_bench_speed_runs_a_b_and_c_on_the_same_posts() -> None:
    report = bench_speed(200, deep_n=20, repost_share=0.5)
    assert report.n == 200 and report.stored + report.duplicates + report.skipped + report.rejected == 200
    assert report.vader_seconds > 0 and report.whole_seconds > 0
    assert report.ratio == pytest.approx(report.whole_rate / report.vader_rate)
    assert report.reposts is not None and report.reposts.n == 20 and report.reposts.distinct < 20
    numbers = report.as_dict()
    assert numbers["deep_reposts"]["speedup"] == round(report.reposts.speedup, 2)
    stages = report.stages
    assert stages is not None and stages.distinct <= report.stored
    assert stages.total == pytest.approx(
        stages.prepare + stages.language + stages.sentiment + stages.issue_types + stages.store
    )
    assert stages.ceiling(2) == pytest.approx(2 * stages.ceiling(1))
    assert numbers["ceiling_ratio"] == pytest.approx(stages.ceiling(report.cores) / report.vader_rate, abs=0.001)
    with pytest.raises(ValueError, match="at least 1"):
        bench_speed(0)
