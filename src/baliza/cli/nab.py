"""NAB-style scores printed by ``baliza detect backtest --labels`` and ``baliza bench detection``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import orjson
from rich.console import Console
from rich.table import Table

from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.detection import nab
from baliza.detection.nab import Totals


def windows_for(labels: Path, series_path: Path) -> list[nab.Window]:
    """The windows of one series from a labels file: NAB's {"category/file.csv": [[start, end], ...]}
    (the entry whose name ends with this file's name) or a plain list of [start, end] pairs."""
    try:
        data = orjson.loads(labels.read_bytes())
    except FileNotFoundError as exc:
        raise ValidationError(_("File not found: {path}").format(path=labels), code="file_not_found") from exc
    except orjson.JSONDecodeError as exc:
        raise ValidationError(
            _("{path} is not valid JSON ({reason}).").format(path=labels, reason=exc.args[0] if exc.args else exc),
            code="invalid_json",
        ) from exc
    if isinstance(data, dict):
        matches = [key for key in data if Path(key).name == series_path.name]
        if len(matches) != 1:
            raise ValidationError(
                _("{labels} has no single entry for {name}; its keys look like {example!r}.").format(
                    labels=labels, name=series_path.name, example=next(iter(data), "")
                ),
                details={"field": "labels", "value": series_path.name},
            )
        data = data[matches[0]]
    if not isinstance(data, list):
        raise ValidationError(_("{path} must hold a list of [start, end] windows.").format(path=labels))
    windows = []
    for i, pair in enumerate(data):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            raise ValidationError(
                _("{path}: window {i} must be [start, end], not {value!r}.").format(path=labels, i=i, value=pair),
                details={"field": f"[{i}]", "value": repr(pair)},
            )
        windows.append((nab.parse_timestamp(pair[0]), nab.parse_timestamp(pair[1])))
    return windows


def file_totals(times: Sequence[datetime], alerts: Sequence[bool], windows: Sequence[nab.Window]) -> dict[str, Totals]:
    """Raw, null, perfect and normalised score for each profile."""
    out = {}
    for name, profile in nab.DEFAULT_PROFILES.items():
        result = nab.score_file(times, alerts, windows, profile)
        null = nab.null_score(times, windows, profile)
        perfect = nab.perfect_score(times, windows, profile)
        score = nab.normalised(result.raw, null, perfect) if perfect != null else None
        out[name] = Totals(
            raw=result.raw, null=null, perfect=perfect, score=score, tp=result.tp, fp=result.fp, fn=result.fn
        )
    return out


def totals_table(title: str, rows: Mapping[str, Mapping[str, Totals]]) -> Table:
    """One row per label (a file, a category, overall), one column per profile."""
    profiles = list(nab.DEFAULT_PROFILES)
    table = Table(_("series"), *profiles, _("caught / missed / false alerts"), title=title)
    for label, totals in rows.items():
        std = totals[profiles[0]]
        table.add_row(
            label,
            *("—" if totals[p].score is None else f"{totals[p].score:.1f}" for p in profiles),
            f"{std.tp} / {std.fn} / {std.fp}",
        )
    return table


def print_file_scores(
    console: Console, series_path: Path, labels: Path, times: Sequence[datetime], alerts: Sequence[bool]
) -> None:
    totals = file_totals(times, alerts, windows_for(labels, series_path))
    console.print(totals_table(_("NAB-style score (100 = perfect, 0 = never fires)"), {series_path.name: totals}))


__all__ = ["file_totals", "print_file_scores", "totals_table", "windows_for"]
