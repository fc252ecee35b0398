"""``baliza report``: the post-crisis report of one incident, as HTML or Markdown.

Registered by the main app as ``app.add_typer(report_app, name="report")``; the work happens in the
group's callback, so ``baliza report --workspace acme --incident 1`` needs no subcommand.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from baliza.cli.common import DatabaseOpt, console, err_console, open_db, run, settings_with
from baliza.core import i18n
from baliza.core.errors import BalizaError, ValidationError
from baliza.core.i18n import _
from baliza.reports.flows import ReportFormat, build_report, check_options

report_app = typer.Typer(help="Post-crisis reports / Informes poscrisis.")


async def _build(database_url: str | None, slug: str, number: int, fmt: str, lang: str) -> bytes:
    db = open_db(settings_with(database_url))
    try:
        return await build_report(db, slug=slug, number=number, fmt=fmt, lang=lang)
    finally:
        await db.dispose()


def _write(content: bytes, output: Path) -> None:
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(content)
    except OSError as exc:
        raise BalizaError(
            _("Cannot write the report to {path}: {reason}").format(path=output, reason=exc.strerror or exc),
            code="write_failed",
            details={"field": "--output", "value": str(output)},
        ) from exc


@report_app.callback(invoke_without_command=True)
def report_command(
    workspace: Annotated[str, typer.Option("--workspace", "-w", help="Workspace slug / Espacio de trabajo.")],
    incident: Annotated[int, typer.Option("--incident", "-i", help="Incident number / Número del incidente.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default: standard output) / Fichero de salida."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="html, md or pdf / html, md o pdf.")] = "html",
    lang: Annotated[
        str | None, typer.Option("--lang", help="es or en (default: your language) / es o en (por defecto, tu idioma).")
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Write the post-crisis report of an incident / Escribir el informe poscrisis de un incidente."""
    try:
        report_format, language = check_options(fmt, lang or i18n.get_locale())
        if report_format == ReportFormat.pdf and output is None:
            raise ValidationError(
                _("A PDF report needs --output with a file name."), details={"field": "--output", "value": None}
            )
        with err_console.status(_("Writing the report of incident #{number}…").format(number=incident)):
            content = run(_build(database_url, workspace, incident, report_format, language))
        if output is None:
            sys.stdout.write(content.decode())
            sys.stdout.flush()
            return
        _write(content, output)
    except BalizaError as exc:
        err_console.print(f"[bold red]{escape(_('Error'))}:[/] {escape(exc.message)}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    console.print(
        escape(_("Report written to {path}.").format(path=output)),
        highlight=False,
        soft_wrap=True,
    )


__all__ = ["report_app", "report_command"]
