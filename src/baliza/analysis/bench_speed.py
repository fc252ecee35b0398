"""The speed half of ``baliza bench analysis``, in one run on the same synthetic posts:

(a) VADER alone: its polarity scores for every post's text, and nothing else (texts read beforehand);
(b) Baliza's whole fast path: the same posts as a JSON Lines file through ``baliza import`` with the
    analysis on — parse, validate, match the watch rules, language, sentiment, issue types, store and
    rollups — into a fresh, migrated SQLite database;
(c) the deep path on a stream where 40 % of the posts are reposts or copies: every post embedded, then
    the same stream through the text-hash cache (``bench_deep.bench_reposts``).

(b) / (a) compares posts per second. (b) does everything (a) does for English posts and much more, so
the ratio says what the whole path costs next to the bare sentiment call, not which is the better tool.

Then, to say where (b)'s time goes, each of its stages is timed on its own, one after the other in this
process, on the same file: CPU microseconds per post for preparing (parse, validate, normalise, match),
language, sentiment, issue types (once per distinct text, as the fast path's cache does) and storing.
Their sum bounds (b) from above: with every core busy and nothing waiting, (b) cannot beat
``cores × 10⁶ / sum`` posts per second.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from baliza.analysis.bench_deep import RepostResult, bench_reposts, print_reposts
from baliza.analysis.fast import analyse
from baliza.analysis.issue_types import issue_types
from baliza.analysis.language import detect_language
from baliza.analysis.sentiment import sentiment
from baliza.bench.ingest import acme_workspace, full_path, machine, scratch_database
from baliza.bench.synthetic import write_jsonl
from baliza.core.config import Settings, get_settings
from baliza.core.i18n import _
from baliza.ingest.flows import Ingestor
from baliza.ingest.parsing import FileReader
from baliza.ingest.prepare import Preparer
from baliza.ingest.worker import workers_for, worth_a_worker
from baliza.storage.db import Database


@dataclass(frozen=True, slots=True)
class StageCosts:
    """CPU microseconds per post for each stage of (b), each timed on its own in one process."""

    prepare: float  # parse, validate, normalise, match the watch rules, shape the rows
    language: float
    sentiment: float
    issue_types: float
    store: float  # mentions, authors and rollups written in one transaction per batch
    distinct: int  # texts the analysis stages ran on (the fast path analyses each one once)

    @property
    def total(self) -> float:
        """Microseconds of CPU (b) needs per post, all stages together."""
        return self.prepare + self.language + self.sentiment + self.issue_types + self.store

    def ceiling(self, cores: int) -> float:
        """The most posts per second (b) could reach with ``cores`` cores busy and nothing waiting."""
        return cores * 1_000_000 / self.total

    def as_dict(self) -> dict[str, Any]:
        """Every stage, rounded, for JSON."""
        return {
            "prepare": round(self.prepare, 1),
            "language": round(self.language, 1),
            "sentiment": round(self.sentiment, 1),
            "issue_types": round(self.issue_types, 1),
            "store": round(self.store, 1),
            "total": round(self.total, 1),
            "distinct_texts": self.distinct,
        }


async def stage_costs(url: str, path: Path, settings: Settings, *, progress: Progress | None = None) -> StageCosts:
    """Time each stage of (b) on its own over the posts in ``path`` (see the module docstring).

    The rows stored are the analysed ones, as (b) stores them (labels, cues and the extra rollup series);
    preparing them with the analysis, untimed, is the one step here that is not part of a stage.
    """
    bar = progress or Progress(disable=True)
    task = bar.add_task(_("Timing each stage of (b)"), total=6)
    analyse("Thanks, all good with my order", "en")  # load the models outside the timings
    analyse("Gracias, todo bien con el pedido", "es")
    plain = settings.model_copy(update={"analysis": False})
    db = Database(url)
    try:
        await acme_workspace(db)
        ingestor = await Ingestor.open(db, "acme", settings=plain, source="bench")
        batches = list(FileReader(path, fmt="jsonl").line_batches(plain.ingest_batch_size))
        n = sum(len(lines) for lines in batches) or 1
        started = time.perf_counter()
        prepared = [ingestor.preparer.prepare_lines(lines) for lines in batches]
        prepare = time.perf_counter() - started
        bar.advance(task)
        # With the analysis off the row keeps the platform's language field: the hint the fast path gets.
        texts = list(
            dict.fromkeys(
                (item.mention["text"], item.mention["lang"]) for batch in prepared for item in batch.ready.values()
            )
        )
        started = time.perf_counter()
        langs = [detect_language(text, hint).lang for text, hint in texts]
        language = time.perf_counter() - started
        bar.advance(task)
        pairs = [(text, lang) for (text, _hint), lang in zip(texts, langs, strict=True)]
        started = time.perf_counter()
        for text, lang in pairs:
            sentiment(text, lang)
        feeling = time.perf_counter() - started
        bar.advance(task)
        started = time.perf_counter()
        for text, lang in pairs:
            issue_types(text, lang)
        issues = time.perf_counter() - started
        bar.advance(task)
        analysed = Preparer(replace(ingestor.config, analysis=True))
        to_store = [analysed.prepare_lines(lines) for lines in batches]
        bar.advance(task)
        started = time.perf_counter()
        for batch in to_store:
            await ingestor.store(batch)
        store = time.perf_counter() - started
        bar.advance(task)
    finally:
        await db.dispose()
        bar.remove_task(task)
    per_post = 1_000_000 / n
    return StageCosts(
        prepare * per_post, language * per_post, feeling * per_post, issues * per_post, store * per_post, len(texts)
    )


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
    workers: int  # preparation worker processes (0: prepared in the writing process)
    reposts: RepostResult | None = None
    stages: StageCosts | None = None
    cores: int = 1

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
            "worker_processes": self.workers,
            "machine": machine(),
        }
        if self.stages is not None:
            found["stages_us_per_post"] = self.stages.as_dict()
            found["vader_us_per_post"] = round(1_000_000 / self.vader_rate, 1)
            found["ceiling_per_s"] = round(self.stages.ceiling(self.cores), 1)
            found["ceiling_ratio"] = round(self.stages.ceiling(self.cores) / self.vader_rate, 3)
            found["cores"] = self.cores
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
    stages: bool = True,
) -> SpeedReport:
    """(a), (b), where (b)'s time goes (``stages``) and, when ``deep_n`` > 0, (c); see the module docstring."""
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

        async def timed() -> StageCosts:
            async with scratch_database(None, "stages", keep=False) as url:
                return await stage_costs(url, path, settings, progress=progress)

        costs = asyncio.run(timed()) if stages else None
        worker = settings.import_worker and worth_a_worker(path.stat().st_size)
        workers = workers_for(analysis=True) if worker else 0
    reposts = bench_reposts(deep_n, share=repost_share, seed=seed) if deep_n > 0 else None
    return SpeedReport(
        n=len(texts),
        vader_seconds=vader_seconds,
        whole_seconds=whole_seconds,
        stored=report.stored,
        duplicates=report.duplicates,
        skipped=report.skipped,
        rejected=report.rejected,
        workers=workers,
        reposts=reposts,
        stages=costs,
        cores=os.cpu_count() or 1,
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
        _("(b) / (a) = {ratio}× in posts per second. Preparation worker processes: {workers}.").format(
            ratio=f"{report.ratio:.2f}", workers=report.workers
        )
    )
    if report.stages is not None:
        print_stages(report, report.stages, console)
    if report.reposts is not None:
        console.print(_("(c) The deep path on a stream with reposts:"))
        print_reposts(report.reposts, console)
    console.print(_("Machine: {machine}").format(machine=machine()))


def print_stages(report: SpeedReport, stages: StageCosts, console: Console) -> None:
    """Where (b)'s time goes, and the most it could reach on this machine."""
    table = Table(
        _("stage"),
        _("µs of CPU per post"),
        title=_("Where (b)'s time goes, each stage timed on its own ({distinct} distinct texts analysed)").format(
            distinct=f"{stages.distinct:,}"
        ),
    )
    table.add_row(_("prepare: parse, validate, normalise, match"), f"{stages.prepare:.1f}")
    table.add_row(_("language"), f"{stages.language:.1f}")
    table.add_row(_("sentiment (VADER and rules for English, our rules for Spanish)"), f"{stages.sentiment:.1f}")
    table.add_row(_("issue types"), f"{stages.issue_types:.1f}")
    table.add_row(_("store: mentions, authors, rollups"), f"{stages.store:.1f}")
    table.add_row(_("all of (b)"), f"{stages.total:.1f}")
    table.add_row(_("(a) VADER alone, for comparison"), f"{1_000_000 / report.vader_rate:.1f}")
    console.print(table)
    ceiling = stages.ceiling(report.cores)
    console.print(
        _(
            "With all {cores} cores busy and nothing waiting, (b) could reach at most {ceiling} posts/s, {bound}× (a)."
        ).format(cores=report.cores, ceiling=f"{ceiling:,.0f}", bound=f"{ceiling / report.vader_rate:.2f}")
    )


__all__ = ["SpeedReport", "StageCosts", "bench_speed", "print_speed", "print_stages", "stage_costs", "vader_alone"]
