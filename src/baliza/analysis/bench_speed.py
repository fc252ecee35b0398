"""The speed half of ``baliza bench analysis``, in one run on the same synthetic posts:

(a) VADER alone: its polarity scores for every post's text, and nothing else (texts read beforehand);
(b) Baliza's whole fast path: the same posts as a JSON Lines file through ``baliza import`` with the
    analysis on — parse, validate, match the watch rules, language, sentiment, issue types, store and
    rollups — into a fresh, migrated SQLite database;
(c) the deep path on a stream where 40 % of the posts are reposts or copies: every post embedded, then
    the same stream through the text-hash cache (``bench_deep.bench_reposts``).

(b) / (a) compares posts per second. (b) does everything (a) does for English posts and much more, so
the ratio says what the whole path costs next to the bare sentiment call, not which is the better tool.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from baliza.analysis.bench_deep import RepostResult, bench_reposts, print_reposts
from baliza.bench.ingest import full_path, machine, scratch_database
from baliza.bench.synthetic import write_jsonl
from baliza.core.config import get_settings
from baliza.core.i18n import _
from baliza.ingest.worker import worth_a_worker


@dataclass(frozen=True, slots=True)
class SpeedReport:
    """Seconds for (a) and (b) on the same posts, what (b) stored, and (c) when it ran."""

    n: int
    vader_seconds: float
    whole_seconds: float
    stored: int
    duplicates: int
    skipped: int
    rejected: int
    worker: bool
    reposts: RepostResult | None = None

    @property
    def vader_rate(self) -> float:
        """Posts per second through VADER alone."""
        return self.n / self.vader_seconds

    @property
    def whole_rate(self) -> float:
        """Posts per second through Baliza's whole fast path."""
        return self.n / self.whole_seconds

    @property
    def ratio(self) -> float:
        """(b) / (a), in posts per second."""
        return self.whole_rate / self.vader_rate

    def as_dict(self) -> dict[str, Any]:
        """Every number, rounded, for JSON."""
        found: dict[str, Any] = {
            "posts": self.n,
            "vader_alone_per_s": round(self.vader_rate, 1),
            "whole_fast_path_per_s": round(self.whole_rate, 1),
            "ratio": round(self.ratio, 3),
            "stored": self.stored,
            "duplicates": self.duplicates,
            "unmatched": self.skipped,
            "rejected": self.rejected,
            "worker_process": self.worker,
            "machine": machine(),
        }
        if self.reposts is not None:
            found["deep_reposts"] = {
                "share": self.reposts.share,
                "posts": self.reposts.n,
                "distinct": self.reposts.distinct,
                "uncached_per_s": round(self.reposts.n / self.reposts.uncached_seconds, 1),
                "cached_per_s": round(self.reposts.n / self.reposts.cached_seconds, 1),
                "speedup": round(self.reposts.speedup, 2),
            }
        return found


def vader_alone(texts: Sequence[str]) -> float:
    """Seconds VADER, as shipped, takes to score every text once."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped,unused-ignore]

    analyser = SentimentIntensityAnalyzer()
    analyser.polarity_scores("warm-up")
    start = time.perf_counter()
    for text in texts:
        analyser.polarity_scores(text)
    return time.perf_counter() - start


def bench_speed(
    n: int,
    *,
    deep_n: int = 0,
    repost_share: float = 0.4,
    seed: int = 7,
    progress: Progress | None = None,
) -> SpeedReport:
    """(a), (b) and, when ``deep_n`` > 0, (c); see the module docstring."""
    if n < 1:
        raise ValueError("n must be at least 1")
    settings = get_settings().model_copy(update={"analysis": True})
    with tempfile.TemporaryDirectory(prefix="baliza-bench-") as tmp:
        path = Path(tmp) / "mentions.jsonl"
        write_jsonl(path, n, seed=seed)
        with path.open("rb") as lines:
            texts = [str(orjson.loads(line)["text"]) for line in lines if line.strip()]
        vader_seconds = vader_alone(texts)

        async def whole() -> tuple[float, Any]:
            async with scratch_database(None, "analysis", keep=False) as url:
                return await full_path(url, path, settings=settings, progress=progress or Progress(disable=True), n=n)

        whole_seconds, report = asyncio.run(whole())
        worker = settings.import_worker and worth_a_worker(path.stat().st_size)
    reposts = bench_reposts(deep_n, share=repost_share, seed=seed) if deep_n > 0 else None
    return SpeedReport(
        n=len(texts),
        vader_seconds=vader_seconds,
        whole_seconds=whole_seconds,
        stored=report.stored,
        duplicates=report.duplicates,
        skipped=report.skipped,
        rejected=report.rejected,
        worker=worker,
        reposts=reposts,
    )


def print_speed(report: SpeedReport, console: Console) -> None:
    """(a), (b) and (c) as tables, with the ratios in words."""
    table = Table(
        _("path"),
        _("posts/s"),
        _("what it does"),
        title=_("Speed on the same {n} synthetic posts, one run").format(n=f"{report.n:,}"),
    )
    table.add_row(_("(a) VADER alone"), f"{report.vader_rate:,.0f}", _("polarity scores only"))
    table.add_row(
        _("(b) Baliza's whole fast path"),
        f"{report.whole_rate:,.0f}",
        _(
            "parse, match, language, sentiment, issue types, store, rollups: {stored} stored, {dup} duplicates, "
            "{skipped} unmatched"
        ).format(stored=report.stored, dup=report.duplicates, skipped=report.skipped),
    )
    console.print(table)
    console.print(
        _("(b) / (a) = {ratio}× in posts per second. Preparation in a worker process: {worker}.").format(
            ratio=f"{report.ratio:.2f}", worker=_("yes") if report.worker else _("no")
        )
    )
    if report.reposts is not None:
        console.print(_("(c) The deep path on a stream with reposts:"))
        print_reposts(report.reposts, console)
    console.print(_("Machine: {machine}").format(machine=machine()))


__all__ = ["SpeedReport", "bench_speed", "print_speed", "vader_alone"]
