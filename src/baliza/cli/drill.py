"""``baliza drill …``: run a crisis drill (headless or with the web UI) and score it against the plan."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from baliza.cli.common import DatabaseOpt, console, open_db, settings_with
from baliza.core.config import Settings
from baliza.core.i18n import _, get_locale
from baliza.core.yamlfile import load_model
from baliza.drills import scoring
from baliza.drills.models import DrillRun
from baliza.drills.player import DrillOptions, DrillOutcome, check_speed, play
from baliza.drills.scenario import (
    Scenario,
    bundled_scenario,
    bundled_scenarios,
    load_scenario_with_plan,
    workspace_path,
)
from baliza.plans.schema import Plan
from baliza.storage.db import Database
from baliza.workspaces import service as workspace_service
from baliza.workspaces.schemas import WorkspaceCreate

drill_app = typer.Typer(help="Crisis drills / Simulacros de crisis.", no_args_is_help=True)


def resolve_scenario(name: str) -> Path:
    """A bundled scenario's name (``delivery-failure``) or a path to a scenario file."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    return bundled_scenario(name)


async def ensure_workspace(db: Database, scenario: Scenario) -> None:
    """Create the scenario's workspace from its workspace file when it does not exist yet."""
    async with db.session() as session:
        existing = await workspace_service.get_by_slug(db_session=session, slug=scenario.workspace)
        if existing is not None:
            return
        source = workspace_path(scenario)
        if source is None:
            await workspace_service.get_by_slug_or_raise(db_session=session, slug=scenario.workspace)
            return
        await workspace_service.apply(db_session=session, workspace_in=load_model(source, WorkspaceCreate))
        await session.commit()


async def run_drill(
    db: Database,
    settings: Settings,
    scenario: Scenario,
    plan: Plan,
    options: DrillOptions,
    *,
    show_progress: bool = True,
) -> tuple[DrillOutcome, scoring.DrillScore]:
    """Play the drill with a progress bar, then score it and keep the score with the run."""
    await ensure_workspace(db, scenario)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[clock]}"), TimeElapsedColumn(),
        console=console, disable=not show_progress, transient=False,
    ) as bar:  # fmt: skip
        task = bar.add_task(_("Drill {name}").format(name=scenario.id), total=None, clock="")

        def tick(moment: datetime, sent: int, total: int) -> None:
            bar.update(task, total=max(total, 1), completed=sent, clock=moment.strftime("%H:%M"))

        outcome = await play(db, settings, scenario, options, progress=tick)
    async with db.session() as session:
        score = await scoring.score_drill(
            db_session=session, workspace_id=outcome.workspace_id, scenario=scenario, plan=plan, t0=outcome.t0,
            end=outcome.end,
        )  # fmt: skip
        run = await session.get(DrillRun, outcome.run_id)
        if run is not None:
            run.score = score.as_dict()
            await session.commit()
    return outcome, score


def print_score(scenario: Scenario, outcome: DrillOutcome, score: scoring.DrillScore) -> None:
    """The drill report on the terminal."""
    lang = get_locale()
    title = getattr(scenario.title, lang, None) or scenario.title.en
    table = Table(_("check"), _("target"), _("actual"), "", title=_("Drill report: {title}").format(title=title))
    for item in score.items:
        mark = "[green]✓[/]" if item.ok else ("[red]✗[/]" if item.ok is False else "–")
        table.add_row(escape(item.label), escape(item.target), escape(item.actual), mark)
    console.print(table)
    console.print(_("{passed} of {total} checks passed.").format(passed=score.passed, total=len(score.items)))
    console.print(f"[bold]{_('What went well')}[/]")
    for line in score.went_well or [_("Nothing met its target this time; start with the list below.")]:
        console.print(f"  • {escape(line)}")
    console.print(f"[bold]{_('What to change in the plan')}[/]")
    for line in score.to_change or [_("Nothing: every check met its target. Try a harder scenario or a slower team.")]:
        console.print(f"  • {escape(line)}")


@drill_app.command("list")
def drill_list() -> None:
    """The bundled scenarios / Los escenarios incluidos."""
    table = Table(_("scenario"), _("title"))
    lang = get_locale()
    for name, path in bundled_scenarios().items():
        scenario, _plan = load_scenario_with_plan(path)
        table.add_row(name, escape(getattr(scenario.title, lang, None) or scenario.title.en))
    console.print(table)


@drill_app.command("run")
def drill_run(
    scenario_name: Annotated[str, typer.Argument(help="A bundled scenario or a YAML file / Escenario o fichero.")],
    speed: Annotated[float, typer.Option("--speed", help="1 (real time) to 600 / de 1 a 600.")] = 60.0,
    headless: Annotated[
        bool, typer.Option("--headless", help="No web server; print the report / Sin servidor web.")
    ] = False,
    team: Annotated[
        str, typer.Option("--team", help="auto: a simulated team acts; none: your team acts / auto o none.")
    ] = "auto",
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same posts / Misma semilla, mismos posts.")] = 7,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write the report as Markdown / Guardar el informe.")
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Play a drill and score it against the plan / Ejecutar un simulacro y puntuarlo."""
    check_speed(speed)
    if team not in ("auto", "none"):
        raise typer.BadParameter(_("--team must be auto or none."))
    scenario, plan = load_scenario_with_plan(resolve_scenario(scenario_name))
    settings = settings_with(database_url)
    if not headless:
        settings = settings.model_copy(
            update={"detection_interval_seconds": 0, "analysis_interval_seconds": 0,
                    "escalation_interval_seconds": 0, "calendar_interval_seconds": 0}
        )  # fmt: skip

    async def main() -> tuple[DrillOutcome, scoring.DrillScore]:
        db = open_db(settings)
        server_task: asyncio.Task[None] | None = None
        try:
            if not headless:
                server_task = asyncio.create_task(_serve(settings, db))
                console.print(_("Follow the drill at http://{host}:{port}/w/{slug}").format(
                    host=settings.host, port=settings.port, slug=scenario.workspace))  # fmt: skip
            return await run_drill(db, settings, scenario, plan, DrillOptions(speed=speed, seed=seed, team=team))
        finally:
            if server_task is not None:
                server_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await server_task
            await db.dispose()

    outcome, score = asyncio.run(main())
    print_score(scenario, outcome, score)
    if report is not None:
        lang = get_locale()
        report.write_text(score.as_markdown(getattr(scenario.title, lang, None) or scenario.title.en), encoding="utf-8")
        console.print(_("Wrote {path}.").format(path=report))


async def _serve(settings: Settings, db: Database) -> None:
    import uvicorn

    from baliza.web.app import create_app

    config = uvicorn.Config(create_app(settings, db), host=settings.host, port=settings.port, log_level="warning")
    await uvicorn.Server(config).serve()


__all__ = ["drill_app", "ensure_workspace", "print_score", "resolve_scenario", "run_drill"]
