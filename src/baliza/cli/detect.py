"""``baliza detect …``: backtest a series, replay stored mentions."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table
from rich.text import Text

from baliza.core.config import Settings, get_settings
from baliza.core.errors import BalizaError, ValidationError
from baliza.core.i18n import _
from baliza.detection import backtest
from baliza.detection import runner as detection_runner
from baliza.detection.detectors import DetectorConfig, Sensitivity
from baliza.storage import migrate
from baliza.storage.db import Database

console = Console()
err_console = Console(stderr=True)

detect_app = typer.Typer(
    help="Early warning: backtest and replay / Alerta temprana: prueba y repetición.",
    no_args_is_help=True,
)

SensitivityOpt = Annotated[
    Sensitivity, typer.Option("--sensitivity", "-s", help="low, medium or high / baja, media o alta.")
]


def parse_moment(text: str, option: str) -> datetime:
    """An ISO date or date-time from the command line (naive = UTC)."""
    try:
        return backtest.parse_time(text)
    except ValueError as exc:
        raise ValidationError(
            _("{option} must be a date or date-time such as 2026-11-20T12:00:00+01:00, not {value!r}.").format(
                option=option, value=text
            ),
            details={"field": option, "value": text},
        ) from exc


@detect_app.command("backtest")
def backtest_command(
    input_path: Annotated[Path, typer.Option("--input", "-i", help="CSV with timestamp,value.")],
    output_path: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write timestamp,value,anomaly_score,alert.")
    ],
    labels: Annotated[
        Path | None, typer.Option("--labels", help="Anomaly windows (NAB JSON) to score the alerts against.")
    ] = None,
    sensitivity: SensitivityOpt = Sensitivity.medium,
) -> None:
    """Run the detector over a series, causally / Ejecutar el detector sobre una serie, sin mirar al futuro."""
    series = backtest.read_series(input_path)
    if not series.times:
        raise BalizaError(_("{path} has no rows to score.").format(path=input_path), code="empty")
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err_console, transient=True) as progress:
        progress.add_task(_("scoring {n} rows").format(n=len(series.times)))
        observations = backtest.run_backtest(series, DetectorConfig(sensitivity=sensitivity))
    backtest.write_scores(output_path, series, observations)
    alerts = sum(o.alert for o in observations)
    console.print(
        _("Wrote {n} rows to {path}: {alerts} alerts.").format(n=len(observations), path=output_path, alerts=alerts)
    )
    for issue in series.issues[:20]:
        err_console.print(
            Text(f"{input_path}:{issue.line}: {issue.field or ''} {issue.value or ''} — {issue.message}"),
            soft_wrap=True,
        )
    if len(series.issues) > 20:
        err_console.print(_("… and {n} more rows left out.").format(n=len(series.issues) - 20))
    if labels is not None:
        from baliza.cli.nab import print_file_scores

        print_file_scores(console, input_path, labels, series.times, [o.alert for o in observations])
    if series.issues:
        raise typer.Exit(3)


@detect_app.command("replay")
def replay_command(
    workspace: Annotated[str, typer.Option("--workspace", "-w", help="Workspace slug.")],
    start: Annotated[str, typer.Option("--from", help="Start of the period (ISO date or date-time).")],
    end: Annotated[str, typer.Option("--to", help="End of the period (ISO date or date-time).")],
    sensitivity: SensitivityOpt = Sensitivity.medium,
    warmup_days: Annotated[int, typer.Option("--warmup-days", min=0, help="History to learn from first.")] = 7,
    series: Annotated[list[str] | None, typer.Option("--series", help="Only these series (all, lang:es…).")] = None,
    database_url: Annotated[str | None, typer.Option("--database-url", help="Database URL.")] = None,
) -> None:
    """Which alerts would have fired, with other settings / Qué alertas habrían saltado con otros ajustes."""
    t1, t2 = parse_moment(start, "--from"), parse_moment(end, "--to")
    if t2 <= t1:
        raise ValidationError(_("--to must be after --from."), details={"field": "--to", "value": end})
    settings = get_settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": Settings(database_url=database_url).database_url})
    config = DetectorConfig(sensitivity=sensitivity)

    async def go() -> list[dict[str, Any]]:
        url = settings.resolved_database_url
        migrate.upgrade(url)
        db = Database(url)
        try:
            with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err_console, transient=True) as p:
                p.add_task(_("replaying"))
                return await detection_runner.replay(
                    db, slug=workspace, start=t1, end=t2, config=config, warmup=timedelta(days=warmup_days)
                )
        finally:
            await db.dispose()

    found = [s for s in asyncio.run(go()) if not series or s["series"] in series]
    if not found:
        console.print(
            _("No alert would have fired between {start} and {end} at {sensitivity} sensitivity.").format(
                start=t1.isoformat(), end=t2.isoformat(), sensitivity=sensitivity.value
            )
        )
        return
    table = Table(
        _("detected (UTC)"), _("detector"), _("series"), _("observed"), _("expected"), _("× expected"), _("score"),
        _("top terms"), title=_("{n} alerts would have fired").format(n=len(found)),
    )  # fmt: skip
    for signal in found:
        observed, expected = signal["observed"], signal["expected"]
        terms = signal["evidence"].get("top_terms", [])
        table.add_row(
            signal["detected_at"].strftime("%Y-%m-%d %H:%M"),
            signal["detector"],
            Text(signal["series"]),
            f"{observed:g}",
            f"{expected:.1f}",
            f"{observed / expected:.1f}" if expected > 0 else "—",
            f"{signal['score']:.2f}",
            Text(", ".join(t["term"] for t in terms[:4])),
        )
    console.print(table)


__all__ = ["detect_app", "parse_moment"]
