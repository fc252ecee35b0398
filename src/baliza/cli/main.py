"""The ``baliza`` command line. Every error says what is wrong and where, and exits non-zero."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import sys
from collections.abc import Iterator
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated

import orjson
import typer
from pydantic import ValidationError as PydanticValidationError
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from baliza.accounts import service as account_service
from baliza.cli.analyze import analyze_command
from baliza.cli.common import DatabaseOpt, console, err_console, open_db, run, settings_with
from baliza.cli.detect import detect_app
from baliza.cli.drill import drill_app, print_score, resolve_scenario, run_drill
from baliza.cli.plan import plan_app, routes_app
from baliza.cli.report import report_command
from baliza.cli.sources import sources_app
from baliza.cli.train import train_app
from baliza.cli.usage import usage_text
from baliza.cli.users import user_app
from baliza.core import i18n
from baliza.core.config import Settings, get_settings
from baliza.core.errors import BalizaError
from baliza.core.i18n import _
from baliza.core.yamlfile import load_model
from baliza.detection.detectors import DetectorConfig, Sensitivity
from baliza.drills.player import DrillOptions, check_speed
from baliza.drills.scenario import load_scenario_with_plan
from baliza.incidents import service as incident_service
from baliza.ingest.flows import Ingestor
from baliza.ingest.issues import describe_error
from baliza.ingest.parsing import FileReader, ParsedRow
from baliza.ingest.schemas import IngestReport, RowIssue
from baliza.ingest.worker import prepared_batches, worth_a_worker
from baliza.plans.flows import load_plan_file
from baliza.reports.flows import build_report
from baliza.storage import migrate
from baliza.storage.db import Database
from baliza.workspaces import service as workspace_service
from baliza.workspaces.schemas import WorkspaceCreate

EXIT_PARTIAL = 3


app = typer.Typer(
    name="baliza",
    help="Baliza: social media crisis management / gestión de crisis en redes sociales.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
workspace_app = typer.Typer(
    help="Workspaces and their watch rules / Espacios de trabajo y reglas de escucha.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema / Esquema de la base de datos.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks / Mediciones de rendimiento.", no_args_is_help=True)
app.add_typer(workspace_app, name="workspace")
app.add_typer(db_app, name="db")
app.add_typer(bench_app, name="bench")
app.add_typer(detect_app, name="detect")
app.add_typer(user_app, name="user")
app.add_typer(plan_app, name="plan")
app.add_typer(routes_app, name="routes")
app.add_typer(train_app, name="train")
app.add_typer(drill_app, name="drill")
app.add_typer(sources_app, name="sources")
app.command("report")(report_command)
app.command("analyze")(analyze_command)


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseOpt = None) -> None:
    """Bring the database schema up to date / Actualizar el esquema."""
    settings = settings_with(database_url)
    migrate.upgrade(settings.resolved_database_url)
    console.print(_("Database schema is up to date."))


@app.command("init")
def init(
    directory: Annotated[Path, typer.Argument(help="Where to write the files.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write a complete, commented example workspace and crisis plan / Escribir un ejemplo completo."""
    example = resources.files("baliza") / "examples" / "acme"
    targets = {"workspace.yaml": "baliza-workspace.yaml", "plan.yaml": "plan.yaml", "mentions.jsonl": "mentions.jsonl"}
    directory.mkdir(parents=True, exist_ok=True)
    existing = [directory / t for t in targets.values() if (directory / t).exists()]
    if existing and not force:
        raise BalizaError(
            _("Not overwriting {files}; use --force to replace them.").format(files=", ".join(map(str, existing))),
            code="exists",
        )
    for source, target in targets.items():
        with (example / source).open("rb") as src, (directory / target).open("wb") as dst:
            shutil.copyfileobj(src, dst)
        console.print(_("wrote {path}").format(path=directory / target))
    console.print(
        _("Next: baliza workspace apply {ws} && baliza import {mentions} --workspace acme").format(
            ws=directory / "baliza-workspace.yaml", mentions=directory / "mentions.jsonl"
        )
    )


async def _apply_workspace(settings: Settings, workspace_in: WorkspaceCreate) -> bool:
    db = open_db(settings)
    try:
        async with db.session() as session:
            _ws, created = await workspace_service.apply(db_session=session, workspace_in=workspace_in)
            await session.commit()
        return created
    finally:
        await db.dispose()


@workspace_app.command("apply")
def workspace_apply(
    path: Annotated[Path, typer.Argument(help="workspace.yaml")],
    database_url: DatabaseOpt = None,
) -> None:
    """Create or update a workspace and its watch rules from YAML / Crear o actualizar desde YAML."""
    workspace_in = load_model(path, WorkspaceCreate)
    created = run(_apply_workspace(settings_with(database_url), workspace_in))
    message = (
        _("Created workspace {slug} with {n} watch rules.")
        if created
        else _("Updated workspace {slug} ({n} watch rules).")
    )
    console.print(message.format(slug=workspace_in.slug, n=len(workspace_in.watch_rules)))


async def _list_workspaces(settings: Settings) -> list[tuple[str, str, int]]:
    from baliza.ingest import service as ingest_service

    db = open_db(settings)
    try:
        async with db.session() as session:
            return [
                (w.slug, w.name, await ingest_service.count_mentions(db_session=session, workspace_id=w.id))
                for w in await workspace_service.list_all(db_session=session)
            ]
    finally:
        await db.dispose()


@workspace_app.command("list")
def workspace_list(database_url: DatabaseOpt = None) -> None:
    """List workspaces / Listar espacios de trabajo."""
    rows = run(_list_workspaces(settings_with(database_url)))
    if not rows:
        console.print(_("No workspaces yet. Start with: baliza init && baliza workspace apply baliza-workspace.yaml"))
        return
    table = Table(_("slug"), _("name"), _("mentions"))
    for slug, name, count in rows:
        table.add_row(slug, name, str(count))
    console.print(table)


async def import_file(
    db: Database,
    path: Path,
    *,
    slug: str,
    settings: Settings,
    fmt: str | None = None,
    keep_unmatched: bool = False,
    source: str = "import",
    progress: Progress | None = None,
    parallel: bool | None = None,
) -> IngestReport:
    """Stream a file through the ingest flow in batches; the report accounts for every row.

    Large JSON Lines files are prepared in a worker process while this one writes (``parallel``
    None = decide by size and cores).
    """
    reader = FileReader(path, fmt=fmt, max_line_bytes=settings.max_line_bytes)
    ingestor = await Ingestor.open(db, slug, settings=settings, source=source, keep_unmatched=keep_unmatched)
    task = progress.add_task(path.name, total=reader.size) if progress else None

    def batches() -> Iterator[list[ParsedRow | RowIssue]]:
        batch: list[ParsedRow | RowIssue] = []
        for item in reader:
            batch.append(item)
            if len(batch) >= settings.ingest_batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def advance() -> None:
        if progress is not None and task is not None:
            progress.update(task, completed=reader.bytes_read)

    if parallel is None:
        parallel = settings.import_worker and reader.format == "jsonl" and worth_a_worker(reader.size)
    if parallel and reader.format == "jsonl":
        report = IngestReport(workspace=slug)
        async for bytes_read, prepared in prepared_batches(
            path, ingestor.config, batch_size=settings.ingest_batch_size
        ):
            report.merge(await ingestor.store(prepared))
            if progress is not None and task is not None:
                progress.update(task, completed=bytes_read)
    else:
        report = await ingestor.ingest_stream(batches(), on_batch=advance)
    if progress is not None and task is not None:
        progress.update(task, completed=reader.size)
    return report


def print_report(report: IngestReport, *, rejects_path: Path | None) -> None:
    table = Table(title=_("Import into {slug}").format(slug=report.workspace), show_header=False)
    table.add_row(_("rows read"), str(report.received))
    table.add_row(_("stored (new)"), str(report.stored))
    table.add_row(_("duplicates (already stored)"), str(report.duplicates))
    table.add_row(_("skipped (no watch rule matched)"), str(report.skipped))
    table.add_row(_("rejected (invalid)"), str(report.rejected))
    console.print(table)
    issues = report.errors + report.skipped_rows
    if not issues:
        return
    shown = Table(_("line"), _("field"), _("value"), _("problem"), title=_("Problems (first 20)"))
    for issue in issues[:20]:
        where = issue.line if issue.line is not None else issue.index
        shown.add_row(
            Text("" if where is None else str(where)),
            Text(issue.field or ""),
            Text(issue.value or ""),
            Text(issue.message),
        )
    err_console.print(shown)
    if rejects_path is not None:
        with rejects_path.open("wb") as fh:
            for issue in issues:
                fh.write(orjson.dumps(issue.model_dump(exclude_none=True)) + b"\n")
        err_console.print(_("Every problem, one per line: {path}").format(path=rejects_path))


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A .jsonl, .csv or .json file of mentions.")],
    workspace: Annotated[str, typer.Option("--workspace", "-w", help="Workspace slug.")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="jsonl, csv or json (default: from the extension).")
    ] = None,
    keep_unmatched: Annotated[
        bool, typer.Option("--keep-unmatched", help="Also store mentions that match no watch rule.")
    ] = False,
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="Where to write the problems (default: FILE.rejected.jsonl).")
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Import mentions from a file / Importar menciones desde un archivo."""
    if not path.is_file():
        raise BalizaError(_("File not found: {path}").format(path=path), code="file_not_found")
    settings = settings_with(database_url)

    async def go() -> IngestReport:
        db = open_db(settings)
        try:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=err_console,
                transient=True,
            ) as progress:
                return await import_file(
                    db,
                    path,
                    slug=workspace,
                    settings=settings,
                    fmt=fmt,
                    keep_unmatched=keep_unmatched,
                    progress=progress,
                )
        finally:
            await db.dispose()

    report = run(go())
    print_report(report, rejects_path=rejects or path.with_name(path.name + ".rejected.jsonl"))
    if report.rejected:
        raise typer.Exit(EXIT_PARTIAL)


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Run the web server and API / Arrancar el servidor web y la API."""
    import uvicorn

    from baliza.web.app import create_app

    settings = settings_with(database_url)
    migrate.upgrade(settings.resolved_database_url)
    host = host or settings.host
    port = port or settings.port
    console.print(_("Baliza is listening on http://{host}:{port}").format(host=host, port=port))
    uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level, access_log=False)


# What the marketing team had scheduled before the crisis: the promotions freeze, the service notice goes out.
DEMO_CALENDAR = [
    (
        timedelta(minutes=25),
        "instagram",
        "¡Black Friday en Acme! 2x1 en todas las cestas con el código ACME2X1 🛒",
        True,
        "es",
    ),
    (timedelta(minutes=40), "x", "Black Friday at Acme: two baskets for the price of one, today only!", True, "en"),
    (
        timedelta(minutes=45),
        "facebook",
        "Recordatorio: el servicio de atención al cliente amplía su horario hasta las 22:00.",
        False,
        "es",
    ),
]

DEMO_USERS: tuple[tuple[str, str, str, str, list[str], bool], ...] = (
    # username, name, password, workspace role, plan roles, superuser
    ("admin", "Admin", "baliza-demo-admin", "admin", [], True),
    ("ana", "Ana Torres", "baliza-demo-ana", "lead", ["comms_lead"], False),
    ("javier", "Javier Ortega", "baliza-demo-javier", "responder", ["legal"], False),
    ("diego", "Diego Ramos", "baliza-demo-diego", "responder", ["community_manager"], False),
    ("val", "Valeria Viewer", "baliza-demo-val", "viewer", [], False),
)


async def _prepare_demo(settings: Settings, plan_path: Path, slug: str) -> list[tuple[str, str, str]]:
    """Load the example plan and create the demo users (once); returns (username, password, what)."""
    db = open_db(settings)
    try:
        await load_plan_file(db, slug=slug, path=plan_path, loaded_by="demo")
        async with db.session() as session:
            workspace = await workspace_service.get_by_slug_or_raise(db_session=session, slug=slug)
            for username, name, password, role, plan_roles, superuser in DEMO_USERS:
                user = await account_service.get_by_username(db_session=session, username=username)
                if user is None:
                    user = await account_service.create_user(
                        db_session=session, username=username, name=name, password=password, is_superuser=superuser
                    )
                await account_service.set_membership(
                    db_session=session, user_id=user.id, workspace_id=workspace.id, role=role, plan_roles=plan_roles
                )
            await session.commit()
    finally:
        await db.dispose()
    what = {
        "admin": _("everything"),
        "ana": _("lead; approves statements as comms lead"),
        "javier": _("responder; approves statements as legal"),
        "diego": _("responder; community manager"),
        "val": _("viewer; reads only"),
    }
    return [(u, p, what[u]) for u, _n, p, _r, _pr, _s in DEMO_USERS]


@app.command("demo")
def demo(
    host: Annotated[str | None, typer.Option(help="Address to listen on / Dirección.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on / Puerto.")] = None,
    speed: Annotated[
        float, typer.Option("--speed", help="Drill speed, 1 to 600 (60: about two minutes) / Velocidad.")
    ] = 60.0,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Play the drill headless at full speed and stop / Sin servidor.")
    ] = False,
) -> None:
    """The Acme Foods story: the delivery-failure drill, live in the browser / La historia de Acme Foods."""
    check_speed(speed)
    settings = get_settings()
    if host or port:
        settings = settings.model_copy(update={"host": host or settings.host, "port": port or settings.port})
    # The drill drives detection, analysis, escalation and the calendar on its own clock.
    settings = settings.model_copy(
        update={"detection_interval_seconds": 0, "analysis_interval_seconds": 0,
                "escalation_interval_seconds": 0, "calendar_interval_seconds": 0}
    )  # fmt: skip
    example = resources.files("baliza") / "examples" / "acme"
    with resources.as_file(example / "workspace.yaml") as ws_path:
        workspace_in = load_model(ws_path, WorkspaceCreate)
    run(_apply_workspace(settings, workspace_in))
    with resources.as_file(example / "plan.yaml") as plan_path:
        logins = run(_prepare_demo(settings, plan_path, workspace_in.slug))
    scenario, plan = load_scenario_with_plan(resolve_scenario("delivery-failure"))
    url = f"http://{settings.host}:{settings.port}/w/{workspace_in.slug}"
    if not no_serve:
        console.print(_("Baliza is listening on {url}").format(url=url))
    table = Table(_("user"), _("password"), _("what they can do"), title=_("Demo logins"))
    for username, password, what in logins:
        table.add_row(username, password, what)
    console.print(table)

    async def main() -> None:
        db = open_db(settings)
        server: asyncio.Task[None] | None = None
        try:
            if not no_serve:
                server = asyncio.create_task(_serve_in_loop(settings, db))
                console.print(
                    _("Log in as diego and watch: complaints grow, the alert, the pages, the incident, the answers.")
                )
            options = DrillOptions(speed=600.0 if no_serve else speed, calendar=DEMO_CALENDAR)
            outcome, score = await run_drill(db, settings, scenario, plan, options)
            print_score(scenario, outcome, score)
            path = await _write_demo_report(db, settings, workspace_in.slug)
            if path is not None:
                console.print(_("Post-crisis report: {path}").format(path=path))
            if server is not None:
                console.print(
                    _("The drill is over; Baliza keeps serving {url} — press Ctrl+C to stop.").format(url=url)
                )
                await server
        finally:
            if server is not None and not server.done():
                server.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await server
            await db.dispose()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


async def _serve_in_loop(settings: Settings, db: Database) -> None:
    import uvicorn

    from baliza.web.app import create_app

    config = uvicorn.Config(create_app(settings, db), host=settings.host, port=settings.port, log_level="warning")
    await uvicorn.Server(config).serve()


async def _write_demo_report(db: Database, settings: Settings, slug: str) -> Path | None:
    """The HTML report of the drill's incident, next to the database."""
    async with db.session() as session:
        workspace = await workspace_service.get_by_slug_or_raise(db_session=session, slug=slug)
        incidents = await incident_service.list_incidents(db_session=session, workspace_id=workspace.id, limit=1)
    if not incidents:
        return None
    body = await build_report(db, slug=slug, number=incidents[0].number, fmt="html", lang=i18n.get_locale())
    folder = settings.data_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}-incident-{incidents[0].number}.html"
    path.write_bytes(body)
    return path


@bench_app.command("ingest")
def bench_ingest(
    n: Annotated[int, typer.Option("--n", min=100, help="How many synthetic mentions.")] = 20_000,
    database_url: DatabaseOpt = None,
    keep: Annotated[bool, typer.Option("--keep", help="Keep the benchmark databases.")] = False,
    analysis: Annotated[
        bool, typer.Option("--analysis/--no-analysis", help="Include the analysis fast path in (b).")
    ] = False,
) -> None:
    """Raw insert ceiling vs Baliza's whole ingest path / Techo de inserción frente a la ingesta completa."""
    from baliza.bench.ingest import print_result, run_ingest_bench

    result = run(run_ingest_bench(n=n, database_url=database_url, keep=keep, console=err_console, analysis=analysis))
    print_result(result, console)


@bench_app.command("detection")
def bench_detection(
    nab_dir: Annotated[
        Path | None, typer.Option("--nab-dir", help="NAB dev corpus (default ../shared/data/nab-dev).")
    ] = None,
    sensitivity: Annotated[Sensitivity, typer.Option("--sensitivity", "-s", help="low, medium or high.")] = (
        Sensitivity.medium
    ),
) -> None:
    """Detection delay and false alerts on synthetic crises; NAB-style score / Retraso y falsas alarmas."""
    from baliza.cli import bench_detection as bench

    bench.run(
        console, err_console, config=DetectorConfig(sensitivity=sensitivity), nab_dir=nab_dir or bench.DEFAULT_NAB_DIR
    )


@bench_app.command("deep")
def bench_deep_command(
    n: Annotated[int, typer.Option("--n", min=10, help="How many synthetic posts / Cuántos posts.")] = 1000,
    reposts: Annotated[
        float,
        typer.Option(
            "--reposts", min=0.0, max=0.95, help="Share of reposts in the cache comparison / Proporción de reposts."
        ),
    ] = 0.4,
) -> None:
    """Deep path speed: embeddings per second, cold and cached / Velocidad del análisis profundo."""
    from baliza.analysis.bench_deep import bench_deep, print_result

    with console.status(_("Embedding {n} posts…").format(n=n)):
        result = bench_deep(n, repost_share=reposts)
    print_result(result, console)


@bench_app.command("analysis")
def bench_analysis_command(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="UMSAB folder (default ../shared/data/sentiment-dev) / Carpeta UMSAB."),
    ] = None,
    posts: Annotated[
        Path | None,
        typer.Option("--posts", help="The team's labelled posts (JSON Lines) / Posts etiquetados por el equipo."),
    ] = None,
    deep: Annotated[
        bool,
        typer.Option("--deep/--no-deep", help="Also the label shown after the deep path / También la vía profunda."),
    ] = True,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write every number to this file / Guardar los números.")
    ] = None,
    speed: Annotated[
        int,
        typer.Option(
            "--speed",
            min=0,
            help="Synthetic posts for (a) VADER alone vs (b) the whole fast path; 0 skips it / Posts para medir "
            "la velocidad; 0 la omite.",
        ),
    ] = 20_000,
    deep_n: Annotated[
        int,
        typer.Option(
            "--deep-n",
            min=0,
            help="Posts for (c) the deep path with and without the cache, 40% reposts; 0 skips it / Posts para (c).",
        ),
    ] = 500,
) -> None:
    """Analysis quality (UMSAB validation, the team's posts) and speed: (a) VADER alone, (b) the whole fast path,
    (c) the deep path's cache / Calidad y velocidad del análisis."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from baliza.analysis.bench_quality import TEAM_POSTS, bench_analysis, print_report
    from baliza.analysis.bench_speed import SpeedReport, bench_speed, print_speed

    data_dir = data or Path("../shared/data/sentiment-dev")
    posts_path = posts or TEAM_POSTS
    if data is not None and not data.is_dir():
        raise BalizaError(_("Folder not found: {path}").format(path=data))
    if posts is not None and not posts.is_file():
        raise BalizaError(_("File not found: {path}").format(path=posts))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err_console,
                  transient=True) as progress:  # fmt: skip
        report = bench_analysis(
            data_dir=data_dir if data_dir.is_dir() else None,
            posts_path=posts_path if posts_path.is_file() else None,
            deep=deep,
            progress=progress,
        )
        timing: SpeedReport | None = None
        if speed:
            timing = bench_speed(speed, deep_n=deep_n if deep else 0, progress=progress)
    if not report.umsab and not report.team and timing is None:
        raise BalizaError(_("Nothing to measure: give --data (UMSAB folder) or --posts (labelled posts)."))
    if not data_dir.is_dir():
        err_console.print(_("No UMSAB folder at {path}: only the labelled posts were measured.").format(path=data_dir))
    if not posts_path.is_file():
        err_console.print(_("No labelled posts at {path}: only UMSAB was measured.").format(path=posts_path))
    if report.umsab or report.team:
        print_report(report, console)
    if timing is not None:
        print_speed(timing, console)
    if json_out is not None:
        numbers = report.as_dict() | ({"speed": timing.as_dict()} if timing is not None else {})
        json_out.write_text(json.dumps(numbers, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


@bench_app.command("stories")
def bench_stories_command(
    n: Annotated[int, typer.Option("--n", min=100, help="How many synthetic posts / Cuántos posts.")] = 50_000,
) -> None:
    """Story clustering speed (one core, no embeddings) / Velocidad de la agrupación en historias."""
    from baliza.analysis.stories import bench_stories

    with console.status(_("Clustering {n} posts…").format(n=n)):
        rate = bench_stories(n, repeat=3)
    console.print(_("{rate} posts a second filed into stories.").format(rate=i18n.number(rate, 0)))


def main() -> None:
    """Entry point: language from the environment, errors as messages, never a traceback."""
    i18n.set_locale(os.environ.get("BALIZA_LANG") or i18n.locale_from_env())
    logging.basicConfig(level=os.environ.get("BALIZA_LOG_LEVEL", "WARNING").upper())
    try:
        code = app(standalone_mode=False, prog_name="baliza")
        if isinstance(code, int) and code:
            sys.exit(code)
    except BalizaError as exc:
        err_console.print(f"[bold red]{_('Error')}:[/] {escape(exc.message)}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except PydanticValidationError as exc:
        if exc.title != "Settings":
            raise
        for err in exc.errors(include_url=False):
            name = "BALIZA_" + "_".join(str(p) for p in err["loc"]).upper()
            err_console.print(
                f"[bold red]{_('Error')}:[/] "
                + escape(
                    _("setting {name} has the value {value!r}: {reason}").format(
                        name=name, value=err.get("input"), reason=describe_error(err)
                    )
                ),
                highlight=False,
                soft_wrap=True,
            )
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print(_("Aborted."))
        sys.exit(130)
    except KeyboardInterrupt:
        err_console.print(_("Interrupted."))
        sys.exit(130)
    except Exception as exc:  # the last boundary: log the traceback, show a sentence
        # Usage mistakes (an unknown option, a bad value): Typer raises its own copy of Click's
        # exceptions; they are told in the user's language (baliza.cli.usage).
        if isinstance(exc, typer.TyperException) and callable(getattr(exc, "show", None)):
            if type(exc).__name__ == "NoArgsIsHelpError":  # a group called alone: its help says it all
                exc.show()  # type: ignore[attr-defined]
            else:
                err_console.print(usage_text(exc), highlight=False, soft_wrap=True, markup=False)
            sys.exit(int(getattr(exc, "exit_code", 2)))
        logging.getLogger("baliza").debug("unexpected error", exc_info=True)
        err_console.print(
            f"[bold red]{_('Unexpected error')}:[/] {type(exc).__name__}. "
            + _("Run again with BALIZA_LOG_LEVEL=DEBUG to see the details.")
        )
        sys.exit(1)


__all__ = ["app", "import_file", "main"]
