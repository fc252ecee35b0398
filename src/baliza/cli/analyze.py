"""``baliza analyze``: the fast-path analysis of a JSON Lines file, line by line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from baliza.analysis.fast import analyse
from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.ingest.issues import show_value
from baliza.ingest.parsing import parse_jsonl_line
from baliza.ingest.schemas import RowIssue

console = Console()
err_console = Console(stderr=True)
MAX_LINE_BYTES = 1024 * 1024


def analyse_line(data: dict[str, Any], line: int) -> tuple[dict[str, Any] | None, RowIssue | None]:
    """One input object to one output object, or the reason it cannot be analysed."""
    if "id" not in data:
        return None, RowIssue(line=line, field="id", code="missing", message=_("is required"))
    text = data.get("text")
    if not isinstance(text, str):
        return None, RowIssue(
            line=line,
            field="text",
            value=show_value(text),
            code="missing" if text is None else "string_type",
            message=_("is required") if text is None else _("must be text"),
        )
    hint = data.get("lang") if isinstance(data.get("lang"), str) else None
    return {"id": data["id"], **analyse(text, hint).as_dict()}, None


def analyze_command(
    input_path: Annotated[Path, typer.Option("--input", "-i", help='JSON Lines: {"id", "text"} per line.')],
    output_path: Annotated[Path, typer.Option("--output", "-o", help="JSON Lines with lang, sentiment, topics.")],
) -> None:
    """Language, sentiment and issue types of each post / Idioma, sentimiento y tipo de problema."""
    if not input_path.is_file():
        raise ValidationError(_("File not found: {path}").format(path=input_path), code="file_not_found")
    issues: list[RowIssue] = []
    written = 0
    size = input_path.stat().st_size
    with (
        input_path.open("rb") as src,
        output_path.open("wb") as dst,
        Progress(
            TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            console=err_console, transient=True,
        ) as progress,
    ):  # fmt: skip
        task = progress.add_task(input_path.name, total=size)
        done = 0
        for lineno, raw in enumerate(src, 1):
            done += len(raw)
            if lineno % 500 == 0:
                progress.update(task, completed=done)
            parsed = parse_jsonl_line(lineno, raw, max_line_bytes=MAX_LINE_BYTES)
            if parsed is None:
                continue
            if isinstance(parsed, RowIssue):
                issues.append(parsed)
                continue
            out, issue = analyse_line(parsed.data, lineno)
            if issue is not None:
                issues.append(issue)
                continue
            dst.write(orjson.dumps(out) + b"\n")
            written += 1
    console.print(_("Analysed {n} posts into {path}.").format(n=written, path=output_path))
    for issue in issues[:20]:
        err_console.print(
            Text(f"{input_path}:{issue.line}: {issue.field or ''} {issue.value or ''} — {issue.message}"),
            soft_wrap=True,
        )
    if len(issues) > 20:
        err_console.print(_("… and {n} more rows left out.").format(n=len(issues) - 20))
    if issues:
        raise typer.Exit(3)


__all__ = ["analyse_line", "analyze_command"]
