"""Read mention files (JSON Lines, CSV, JSON) row by row, never giving up on the whole file.

Each reader yields ``ParsedRow`` (a line number and a dict) for what parses and ``RowIssue`` for
what does not, so a bad line costs one row, not the import.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.ingest.issues import show_value
from baliza.ingest.schemas import RowIssue

REQUIRED_COLUMNS = ("platform", "external_id", "text", "created_at")
AUTHOR_COLUMNS = {
    "author": "handle",
    "author_handle": "handle",
    "author.handle": "handle",
    "author_name": "display_name",
    "author_display_name": "display_name",
    "author.display_name": "display_name",
    "author_followers": "followers",
    "author.followers": "followers",
    "author_verified": "verified",
    "author.verified": "verified",
    "author_url": "url",
    "author.url": "url",
}
SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
CSV_FIELD_LIMIT = 4 * 1024 * 1024


@dataclass(slots=True)
class ParsedRow:
    line: int
    data: dict[str, Any]
    raw: bytes | None = None  # the original JSON text, when there was one: stored verbatim


Item = ParsedRow | RowIssue


class _CountingReader(io.RawIOBase):
    """Wraps a binary file and counts the bytes read, for the progress bar."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.bytes_read += n
        return n


def detect_format(path: Path, explicit: str | None = None) -> str:
    """jsonl, csv or json, from --format or the file's extension."""
    fmt = (explicit or path.suffix.lstrip(".")).lower()
    aliases = {"ndjson": "jsonl", "jsonlines": "jsonl", "tsv": "csv"}
    fmt = aliases.get(fmt, fmt)
    if fmt not in ("jsonl", "csv", "json"):
        raise ValidationError(
            _("Cannot tell the format of {path}: use a .jsonl, .csv or .json file, or --format.").format(path=path),
            details={"field": "format", "value": fmt},
        )
    return fmt


def parse_jsonl_line(lineno: int, raw: bytes, *, max_line_bytes: int) -> ParsedRow | RowIssue | None:
    """One line of JSON Lines: a row, a problem, or None for a blank line."""
    if len(raw) > max_line_bytes:
        return RowIssue(
            line=lineno,
            code="line_too_long",
            message=_("line is {n} bytes long; the limit is {limit}").format(n=len(raw), limit=max_line_bytes),
        )
    if not raw.strip():
        return None
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return RowIssue(
            line=lineno,
            value=show_value(raw[max(0, exc.start - 10) : exc.end + 10]),
            code="invalid_utf8",
            message=_("is not valid UTF-8 (byte {byte} at column {col})").format(
                byte=f"0x{raw[exc.start]:02x}", col=exc.start + 1
            ),
        )
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return RowIssue(
            line=lineno,
            value=show_value(raw.decode("utf-8").strip()),
            code="invalid_json",
            message=_("is not valid JSON ({reason})").format(reason=exc.args[0] if exc.args else exc),
        )
    if not isinstance(data, dict):
        return RowIssue(
            line=lineno,
            value=show_value(raw.decode("utf-8").strip()),
            code="not_an_object",
            message=_("must be a JSON object, not {kind}").format(kind=type(data).__name__),
        )
    return ParsedRow(lineno, data, raw.strip())


def read_jsonl(fh: IO[bytes], *, max_line_bytes: int) -> Iterator[Item]:
    """One JSON object per line; blank lines are allowed."""
    for lineno, raw in enumerate(fh, 1):
        item = parse_jsonl_line(lineno, raw, max_line_bytes=max_line_bytes)
        if item is not None:
            yield item


def _csv_row_to_mention(row: dict[str | None, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    author: dict[str, Any] = {}
    for key, value in row.items():
        if key is None or value is None:
            continue
        value = value.strip() if key != "text" else value
        if value == "":
            continue
        target = AUTHOR_COLUMNS.get(key.strip().lower())
        if target:
            author[target] = value
        else:
            data[key.strip()] = value
    if author:
        data["author"] = author
    return data


def read_csv(fh: IO[bytes]) -> Iterator[Item]:
    """A header row naming the fields, then one mention per record (quoted newlines allowed)."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.DictReader(text)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        yield RowIssue(
            line=1, code="invalid_csv", message=_("the header row is not valid CSV ({reason})").format(reason=exc)
        )
        return
    missing = [c for c in REQUIRED_COLUMNS if c not in {h.strip() for h in header}]
    if missing:
        yield RowIssue(
            line=1,
            field=", ".join(missing),
            value=show_value(",".join(header)),
            code="missing_columns",
            message=_("the header has no column {columns}; it needs {required}").format(
                columns=", ".join(missing), required=", ".join(REQUIRED_COLUMNS)
            ),
        )
        return
    last_line = reader.line_num
    while True:
        start = last_line + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            last_line = reader.line_num
            yield RowIssue(line=start, code="invalid_csv", message=_("is not valid CSV ({reason})").format(reason=exc))
            continue
        last_line = reader.line_num
        if None in row:
            extra = row[None]
            yield RowIssue(
                line=start,
                value=show_value(",".join(extra)),
                code="too_many_values",
                message=_("has {n} more values than the header has columns").format(n=len(extra)),
            )
            continue
        bad = next(((k, v) for k, v in row.items() if isinstance(v, str) and SURROGATE_RE.search(v)), None)
        if bad is not None:
            key, value = bad
            yield RowIssue(
                line=start,
                field=key,
                value=show_value(value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")),
                code="invalid_utf8",
                message=_("is not valid UTF-8"),
            )
            continue
        yield ParsedRow(start, _csv_row_to_mention(row))


def read_json(fh: IO[bytes], *, max_bytes: int) -> Iterator[Item]:
    """A JSON array of mentions, or an object with a "mentions" array; positions are 1-based items."""
    raw = fh.read(max_bytes + 1)
    if len(raw) > max_bytes:
        yield RowIssue(
            line=None,
            code="file_too_large",
            message=_("a .json file may be at most {limit} bytes; use JSON Lines for more").format(limit=max_bytes),
        )
        return
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        yield RowIssue(
            line=None,
            code="invalid_json",
            message=_("is not valid JSON ({reason})").format(reason=exc.args[0] if exc.args else exc),
        )
        return
    if isinstance(data, dict) and isinstance(data.get("mentions"), list):
        data = data["mentions"]
    if not isinstance(data, list):
        yield RowIssue(line=None, code="not_a_list", message=_("must be a JSON array of mentions"))
        return
    for index, item in enumerate(data, 1):
        if isinstance(item, dict):
            yield ParsedRow(index, item)
        else:
            yield RowIssue(
                line=index,
                value=show_value(item),
                code="not_an_object",
                message=_("must be a JSON object, not {kind}").format(kind=type(item).__name__),
            )


class FileReader:
    """Iterate over a mention file, with the number of bytes read so far for a progress bar."""

    def __init__(self, path: Path, *, fmt: str | None = None, max_line_bytes: int = 1024 * 1024) -> None:
        self.path = path
        self.format = detect_format(path, fmt)
        self.max_line_bytes = max_line_bytes
        self.size = path.stat().st_size
        self._counter: _CountingReader | None = None

    @property
    def bytes_read(self) -> int:
        return self._counter.bytes_read if self._counter else 0

    def line_batches(self, size: int) -> Iterator[list[tuple[int, bytes]]]:
        """JSON Lines only: the raw lines, numbered, in batches (parsing is left to the caller)."""
        with self.path.open("rb") as raw:
            self._counter = _CountingReader(raw)
            fh = io.BufferedReader(self._counter, buffer_size=1 << 16)
            batch: list[tuple[int, bytes]] = []
            for lineno, line in enumerate(fh, 1):
                batch.append((lineno, line))
                if len(batch) >= size:
                    yield batch
                    batch = []
            if batch:
                yield batch

    def __iter__(self) -> Iterator[Item]:
        with self.path.open("rb") as raw:
            self._counter = _CountingReader(raw)
            fh = io.BufferedReader(self._counter, buffer_size=1 << 16)
            if self.format == "jsonl":
                yield from read_jsonl(fh, max_line_bytes=self.max_line_bytes)
            elif self.format == "csv":
                yield from read_csv(fh)
            else:
                yield from read_json(fh, max_bytes=256 * 1024 * 1024)


__all__ = ["FileReader", "ParsedRow", "detect_format", "parse_jsonl_line", "read_csv", "read_json", "read_jsonl"]
