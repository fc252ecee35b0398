"""``baliza bench detection``: synthetic crises and the NAB dev corpus, one fixed setting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from baliza.bench.ingest import machine
from baliza.cli.nab import totals_table
from baliza.core.i18n import _
from baliza.detection import nab, synthetic
from baliza.detection.detectors import DetectorConfig, score_series

DEFAULT_NAB_DIR = Path("..") / "shared" / "data" / "nab-dev"


def detector_for(config: DetectorConfig) -> nab.Detector:
    """The product's detector as a function from a series to alerts."""

    def detect(times: Sequence[datetime], values: Sequence[float]) -> list[bool]:
        return [o.alert for o in score_series(times, values, config)]

    return detect


def run(console: Console, err_console: Console, *, config: DetectorConfig, nab_dir: Path | None) -> None:
    detect = detector_for(config)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err_console, transient=True) as progress:
        task = progress.add_task(_("synthetic crises"))
        result = synthetic.run_detection_bench(
            detect,
            progress=lambda label: progress.update(task, description=_("synthetic: {label}").format(label=label)),
        )
    table = Table(
        _("scenario"), _("detected"), _("median delay (min)"), _("p90 delay (min)"), _("false alerts before onset"),
        title=_("Synthetic crises over {base:g} mentions/min seasonal traffic (sensitivity {s})").format(
            base=synthetic.BASELINE_PER_MINUTE, s=config.sensitivity
        ),
    )  # fmt: skip
    for row in result.rows():
        table.add_row(
            str(row["scenario"]),
            f"{row['detected']}/{row['total']}",
            "—" if row["median_delay_min"] is None else str(row["median_delay_min"]),
            "—" if row["p90_delay_min"] is None else str(row["p90_delay_min"]),
            str(row["false_alerts_before_onset"]),
        )
    console.print(table)
    console.print(
        _("False alerts: {n} over {weeks:.1f} simulated weeks of normal traffic = {rate:.2f} per week.").format(
            n=result.false_alerts,
            weeks=result.normal_minutes / synthetic.MINUTES_PER_WEEK,
            rate=result.false_alerts_per_week,
        )
    )
    delay = result.headline_median_delay
    console.print(
        _("Headline: median delay for a sudden 3× surge = {delay} min.").format(
            delay="—" if delay is None else f"{delay:g}"
        )
    )
    if nab_dir is None or not (nab_dir / "data").is_dir():
        console.print(
            _("NAB corpus not found at {path}: skipped (pass --nab-dir).").format(path=nab_dir or DEFAULT_NAB_DIR)
        )
    else:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err_console, transient=True) as p:
            task = p.add_task("NAB")
            corpus = nab.score_corpus(
                nab_dir / "data",
                nab_dir / "combined_windows.json",
                detect,
                progress=lambda name: p.update(task, description=f"NAB: {name}"),
            )
        rows = dict(corpus.categories)
        rows[_("overall")] = corpus.overall
        console.print(totals_table(_("NAB-style score on {path}, one fixed setting").format(path=nab_dir), rows))
        for note in corpus.notes:
            console.print(f"- {note}")
    console.print(_("Machine: {machine}").format(machine=machine()))


__all__ = ["DEFAULT_NAB_DIR", "detector_for", "run"]
