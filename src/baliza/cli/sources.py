"""``baliza sources …``: add, list, test and backfill a workspace's sources (connectors)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from baliza.cli.common import DatabaseOpt, console, open_db, run, settings_with
from baliza.core.config import Settings
from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.sources import flows as source_flows
from baliza.sources import service as source_service
from baliza.workspaces import service as workspace_service

sources_app = typer.Typer(help="Where posts come from / De dónde llegan las publicaciones.", no_args_is_help=True)
WorkspaceOpt = Annotated[str, typer.Option("--workspace", "-w", help="Workspace slug / Espacio de trabajo.")]


def parse_pairs(pairs: list[str] | None) -> dict[str, Any]:
    """``key=value`` arguments; a value with commas becomes a list (hashtags=a,b)."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValidationError(
                _("{value!r} is not key=value.").format(value=pair), details={"field": "set", "value": pair}
            )
        out[key.strip()] = [v.strip() for v in value.split(",") if v.strip()] if "," in value else value
    return out


async def _add(settings: Settings, slug: str, name: str, kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    db = open_db(settings)
    try:
        async with db.session() as session:
            workspace = await workspace_service.get_by_slug_or_raise(db_session=session, slug=slug)
            source = await source_service.create(
                db_session=session, workspace_id=workspace.id, name=name, kind=kind, raw=raw, settings=settings
            )
            await session.commit()
            return source_service.health(source)
    finally:
        await db.dispose()


@sources_app.command("add")
def sources_add(
    kind: Annotated[str, typer.Argument(help="rss, mastodon, bluesky, webhook, meta…")],
    workspace: WorkspaceOpt,
    name: Annotated[str, typer.Option("--name", help="A name for this source / Un nombre.")],
    setting: Annotated[
        list[str] | None, typer.Option("--set", help="key=value (repeatable) / clave=valor (repetible).")
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Add a source; its settings are checked at once / Añadir una fuente."""
    info = run(_add(settings_with(database_url), workspace, name, kind, parse_pairs(setting)))
    console.print(_("Added source {name} ({kind}) with id {id}.").format(name=escape(name), kind=kind, id=info["id"]))
    if kind in source_service.PUSH_KINDS:
        path = f"/api/v1/hooks/{info['id']}" + ("/meta" if kind == "meta" else "")
        console.print(_("Point the sender at {path} on this server.").format(path=path))


async def _list(settings: Settings, slug: str) -> list[dict[str, Any]]:
    db = open_db(settings)
    try:
        async with db.session() as session:
            workspace = await workspace_service.get_by_slug_or_raise(db_session=session, slug=slug)
            return [source_service.health(s) for s in await source_service.list_sources(
                db_session=session, workspace_id=workspace.id)]  # fmt: skip
    finally:
        await db.dispose()


@sources_app.command("list")
def sources_list(workspace: WorkspaceOpt, database_url: DatabaseOpt = None) -> None:
    """Sources and their health / Fuentes y su estado."""
    rows = run(_list(settings_with(database_url), workspace))
    if not rows:
        console.print(_("No sources yet. Add one, for example: baliza sources add rss --workspace {w} --name news "
                        "--set url=https://example.org/feed.xml").format(w=workspace))  # fmt: skip
        return
    table = Table(_("name"), _("kind"), _("state"), _("last success"), _("last error"), _("posts"))
    for row in rows:
        table.add_row(
            escape(row["name"]), row["kind"], row["state"],
            row["last_success_at"].strftime("%Y-%m-%d %H:%M") if row["last_success_at"] else "–",
            escape((row["last_error"] or "–")[:60]), str(row["items_total"]),
        )  # fmt: skip
    console.print(table)


async def _run(
    settings: Settings, slug: str, name: str, *, store: bool, query: str | None, since: datetime | None
) -> source_flows.RunResult:
    db = open_db(settings)
    try:
        async with db.session() as session:
            workspace = await workspace_service.get_by_slug_or_raise(db_session=session, slug=slug)
            source = await source_service.get_by_name(db_session=session, workspace_id=workspace.id, name=name)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=True) as bar:
            task = bar.add_task(_("Reading {name}…").format(name=name), total=None)
            seen = [0]

            def on_page(n: int) -> None:
                seen[0] += n
                bar.update(task, description=_("Reading {name}… {n} posts").format(name=name, n=seen[0]))

            return await source_flows.run_source(
                db, settings, source.id, store=store, query=query, since=since, on_page=on_page
            )
    finally:
        await db.dispose()


@sources_app.command("test")
def sources_test(
    name: Annotated[str, typer.Argument()], workspace: WorkspaceOpt, database_url: DatabaseOpt = None
) -> None:
    """Fetch once without storing / Probar una fuente sin guardar nada."""
    result = run(_run(settings_with(database_url), workspace, name, store=False, query=None, since=None))
    if result.error:
        console.print(_("{name} failed: {error}").format(name=escape(name), error=escape(result.error)))
        raise typer.Exit(1)
    console.print(_("{name} answers: {n} posts would come in.").format(name=escape(name), n=result.stored))


@sources_app.command("backfill")
def sources_backfill(
    name: Annotated[str, typer.Argument()],
    workspace: WorkspaceOpt,
    query: Annotated[str | None, typer.Option("--query", help="Search for this (connectors that search).")] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=365, help="How far back / Cuántos días atrás.")] = 7,
    database_url: DatabaseOpt = None,
) -> None:
    """Read the past: a search, or the source's history / Recuperar lo anterior."""
    since = datetime.now(UTC) - timedelta(days=days)
    result = run(_run(settings_with(database_url), workspace, name, store=True, query=query, since=since))
    if result.error:
        console.print(_("{name} failed: {error}").format(name=escape(name), error=escape(result.error)))
        raise typer.Exit(1)
    console.print(
        _("{name}: {stored} new posts, {dup} already there, {skipped} skipped ({pages} pages).").format(
            name=escape(name), stored=result.stored, dup=result.duplicates, skipped=result.skipped, pages=result.pages
        )
    )


__all__ = ["parse_pairs", "sources_app"]
