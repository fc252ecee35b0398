"""``baliza analyze``: the fast-path analysis of a JSON Lines file, line by line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from baliza.analysis.authors import AuthorFacts, AuthorHistory, profile_author
from baliza.analysis.embeddings import Embedder
from baliza.analysis.fast import analyse
from baliza.analysis.head import lexical_features, load_head
from baliza.analysis.stories import StoryIndex, StoryItem
from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.ingest.issues import show_value
from baliza.ingest.parsing import parse_jsonl_line
from baliza.ingest.schemas import RowIssue

console = Console()
err_console = Console(stderr=True)
MAX_LINE_BYTES = 1024 * 1024


def _author_facts(raw: Any) -> AuthorFacts | None:
    if isinstance(raw, str) and raw.strip():
        return AuthorFacts(handle=raw.strip(), platform="unknown")
    if isinstance(raw, dict) and isinstance(raw.get("handle"), str) and raw["handle"].strip():
        followers = raw.get("followers")
        return AuthorFacts(
            handle=raw["handle"].strip(),
            platform=str(raw.get("platform") or "unknown"),
            display_name=raw.get("display_name") if isinstance(raw.get("display_name"), str) else None,
            bio=raw.get("bio") if isinstance(raw.get("bio"), str) else None,
            followers=followers if isinstance(followers, int) and followers >= 0 else None,
            verified=bool(raw.get("verified", False)),
        )
    return None


def _created_at(raw: Any, fallback: datetime) -> datetime:
    if isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return fallback
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return fallback


class Enricher:
    """Author profiles and stories across the lines of one file (stories need to see the posts before)."""

    def __init__(self) -> None:
        self.stories = StoryIndex()
        self.history: dict[str, int] = {}
        self.clock = datetime(2000, 1, 1, tzinfo=UTC)

    def add(self, out: dict[str, Any], data: dict[str, Any], line: int, embedding: Any = None) -> None:
        """Add ``author`` and ``story_id`` to ``out`` where the input lets us know them.

        With ``--deep`` the post's embedding comes too, so posts making the same claim in other words
        (or another language) share a story.
        """
        facts = _author_facts(data.get("author"))
        created = _created_at(data.get("created_at"), self.clock)
        self.clock = max(self.clock, created)
        if facts is not None:
            key = facts.handle.lower()
            before = self.history.get(key, 0)
            profile = profile_author(facts, history=AuthorHistory(previous_negative_mentions=before), now=self.clock)
            out["author"] = {
                "handle": facts.handle,
                "reach_tier": profile.reach_tier.value,
                "types": sorted(t.value for t in profile.types),
                "is_likely_automated": profile.is_likely_automated,
                "complainer": profile.complainer.value if profile.complainer else None,
            }
            if out["sentiment"]["label"] == "negative":
                self.history[key] = before + 1
        assignment = self.stories.assign(
            StoryItem(
                mention_id=line,
                text=str(data.get("text", "")),
                created_at=created,
                platform="unknown",
                author=facts.handle if facts else None,
                embedding=embedding,
            )
        )
        out["story_id"] = assignment.story_id


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
    deep: Annotated[
        bool,
        typer.Option("--deep", help="Also run the embeddings model (slower) / Usar también el modelo profundo."),
    ] = False,
) -> None:
    """Language, sentiment and issue types of each post / Idioma, sentimiento y tipo de problema."""
    if not input_path.is_file():
        raise ValidationError(_("File not found: {path}").format(path=input_path), code="file_not_found")
    issues: list[RowIssue] = []
    written = 0
    enricher = Enricher()
    pending: list[tuple[dict[str, Any], str, dict[str, Any], int]] = []
    deep_path = DeepLabeller() if deep else None
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
            if issue is not None or out is None:
                issues.append(issue or RowIssue(line=lineno, code="invalid", message=_("is required")))
                continue
            if deep_path is None:
                enricher.add(out, parsed.data, lineno)
                dst.write(orjson.dumps(out) + b"\n")
            else:
                pending.append((out, str(parsed.data["text"]), parsed.data, lineno))
                if len(pending) >= deep_path.batch:
                    _flush_deep(deep_path, enricher, pending, dst)
            written += 1
        if deep_path is not None and pending:
            _flush_deep(deep_path, enricher, pending, dst)
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


def _flush_deep(
    deep_path: DeepLabeller,
    enricher: Enricher,
    pending: list[tuple[dict[str, Any], str, dict[str, Any], int]],
    dst: Any,
) -> None:
    """Label a batch on the deep path, file it into stories with its embeddings (in input order), write it."""
    embeddings = deep_path.label([(out, text) for out, text, _data, _line in pending])
    for (out, _text, data, line), vector in zip(pending, embeddings, strict=True):
        enricher.add(out, data, line, embedding=vector)
    dst.write(b"".join(orjson.dumps(out) + b"\n" for out, _text, _data, _line in pending))
    pending.clear()


class DeepLabeller:
    """The deep path for a file: embeddings in batches (copies embedded once), the shipped head, combined label."""

    batch = 64

    def __init__(self) -> None:
        self.head = load_head()
        self.embedder = Embedder(prefix=self.head.prefix)

    def label(self, rows: list[tuple[dict[str, Any], str]]) -> Any:
        """Add ``sentiment_deep``, replace ``sentiment`` with the combined label; return the embeddings."""
        texts = [text for _out, text in rows]
        fasts = [analyse(text, out.get("lang")).sentiment for out, text in rows]
        embeddings = self.embedder.embed(texts)
        lexical = [lexical_features(t, f, out.get("lang")) for (out, t), f in zip(rows, fasts, strict=True)]
        probs = self.head.predict_proba(embeddings, lexical)
        for (out, _text), fast, p in zip(rows, fasts, probs, strict=True):
            combined = self.head.combine(fast, p)
            out["sentiment_fast"] = out["sentiment"]
            out["sentiment_deep"] = {"label": ("negative", "neutral", "positive")[int(p.argmax())],
                                     "probs": [round(float(x), 4) for x in p]}  # fmt: skip
            out["sentiment"] = {**out["sentiment"], "label": combined.label, "score": round(float(combined.score), 4)}
        return embeddings


__all__ = ["DeepLabeller", "Enricher", "analyse_line", "analyze_command"]
