"""`baliza bench ingest` runs both paths on fresh databases and accounts for every mention.

(Speed is what the benchmark reports; these tests check that it measures the right thing.)
"""

from __future__ import annotations

from baliza.bench.ingest import run_ingest_bench


async def test_bench_ingest_small_run(db_url: str) -> None:
    result = await run_ingest_bench(n=400, database_url=db_url)
    assert result.raw_rows == 400
    assert len(result.raw_seconds) == 2
    assert result.full_stored + result.full_skipped == 400
    assert result.full_skipped > 0  # the synthetic stream includes posts that match no watch rule
    assert (result.full_duplicates, result.full_rejected) == (0, 0)
    assert result.backend == ("sqlite" if db_url.startswith("sqlite") else "postgresql")
    assert result.ratio > 0
