"""``baliza detect backtest``: run the detector over a CSV series, causally, and write the scores.

Input: ``timestamp,value`` (one row per interval; ISO timestamps, naive ones read as UTC).
Output: ``timestamp,value,anomaly_score,alert`` where row t only used rows <= t.
Bad rows are reported with their line, field and value and left out of the series.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from baliza.core.errors import ValidationError
from baliza.core.files import read_text
from baliza.core.i18n import _
from baliza.detection.detectors import DetectorConfig, Observation, score_series
from baliza.ingest.issues import show_value
from baliza.ingest.schemas import RowIssue


@dataclass
class Series:
    """A parsed series and the rows that could not be read."""

    times: list[datetime] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    raw_times: list[str] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)


def parse_time(text: str) -> datetime:
    """ISO 8601 with or without a zone (naive = UTC); a trailing Z is accepted."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def read_series(path: Path) -> Series:
    """Read ``timestamp,value`` rows; problems become RowIssues, not exceptions."""
    series = Series()
    text = read_text(path)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header[:2]] != ["timestamp", "value"]:
        raise ValidationError(
            _("{path}: the first row must be the header timestamp,value (found {found!r}).").format(
                path=path, found=",".join(header or [])
            ),
            code="missing_columns",
            details={"line": 1, "value": ",".join(header or [])},
        )
    last: datetime | None = None
    for row in reader:
        line = reader.line_num

        def bad(field: str | None, raw: str, code: str, message: str, line: int = line) -> None:
            series.issues.append(RowIssue(line=line, field=field, value=show_value(raw), code=code, message=message))

        if not row or not "".join(row).strip():
            continue
        if len(row) < 2:
            bad(None, ",".join(row), "missing", _("has no value"))
            continue
        try:
            at = parse_time(row[0])
        except ValueError:
            bad("timestamp", row[0], "datetime_parsing", _("must be a date and time such as 2026-11-20T09:14:03+01:00"))
            continue
        try:
            value = float(row[1])
        except ValueError:
            value = float("nan")
        if not math.isfinite(value):
            bad("value", row[1], "float_parsing", _("must be a number"))
            continue
        if last is not None and at <= last:
            bad("timestamp", row[0], "out_of_order", _("is not after the previous row's timestamp"))
            continue
        last = at
        series.times.append(at)
        series.values.append(value)
        series.raw_times.append(row[0].strip())
    return series


def run_backtest(series: Series, config: DetectorConfig | None = None) -> list[Observation]:
    """Score every row causally."""
    return score_series(series.times, series.values, config)


def write_scores(path: Path, series: Series, observations: Sequence[Observation]) -> None:
    """``timestamp,value,anomaly_score,alert``, timestamps as they came in."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["timestamp", "value", "anomaly_score", "alert"])
        for raw, value, obs in zip(series.raw_times, series.values, observations, strict=True):
            writer.writerow([raw, f"{value:g}", f"{obs.score:.6f}", 1 if obs.alert else 0])


__all__ = ["Series", "parse_time", "read_series", "run_backtest", "write_scores"]
