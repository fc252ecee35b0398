"""NAB-style scoring of spike detectors: the Numenta Anomaly Benchmark method, implemented by us.

A detector marks rows of a time series as alerts; labelled anomaly windows (the rows whose timestamp lies
in ``[start, end]``, both ends included) say where it should have fired. Rows are scored in file order, the
order the detector saw them, and positions are counted in rows. Per file and per cost profile:

* the first :func:`probation_length` rows (15% of the file, at most 750 rows) are a learning period and
  are not scored at all;
* inside a window only the earliest alert counts. It earns ``tp_weight * scaled_sigmoid(position)`` with
  ``position = -(last - i + 1) / length`` for row ``i`` of a window whose rows are ``first..last``
  (``length = last - first + 1``): -1.0 at the first row (reward ``scaled_sigmoid(-1.0)``, about 0.987),
  rising in steps of ``1 / length`` to ``-1 / length`` at the last row, so earlier is better and any
  detection in the window earns something. Later alerts in the same window earn nothing;
* a window with no alert costs ``fn_weight``;
* an alert outside every window costs ``fp_weight * scaled_sigmoid((i - last) / length)``, measured from the
  last row and the length of the preceding window: almost nothing right after a window, the full
  ``fp_weight`` beyond three window lengths, and the full ``fp_weight`` when no window precedes it.
  Position and distance use the same ``1 / length`` steps, so the sigmoid crosses zero exactly at the
  window's end.

Totals are normalised per profile: ``100 * (raw - null) / (perfect - null)``, where the null detector never
fires (score 0) and the perfect one fires on the first scored row of every window (score 100).

Unlike NAB's own runner we score boolean alerts as the detector gives them: there is no threshold sweep
per profile, so a detector is judged with the one setting it will run with.
"""

from __future__ import annotations

import bisect
import csv
import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from baliza.core.errors import NotFoundError, ValidationError

__all__ = [
    "DEFAULT_PROFILES",
    "CorpusScore",
    "FileResult",
    "FileScore",
    "Profile",
    "Totals",
    "load_profiles",
    "load_series",
    "load_windows",
    "normalised",
    "null_score",
    "parse_timestamp",
    "perfect_score",
    "probation_length",
    "scaled_sigmoid",
    "score_corpus",
    "score_file",
]

PROBATION_FRACTION = 0.15
"""Share of each file, from its start, that is not scored (NAB's probationary period)."""
PROBATION_CAP_ROWS = 5000
"""The probation never exceeds ``fraction * 5000`` rows (750 rows at 15%), however long the file."""

_TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")

Window = tuple[datetime, datetime]
Detector = Callable[[Sequence[datetime], Sequence[float]], Sequence[bool]]


@dataclass(frozen=True)
class Profile:
    """A cost matrix: what a caught window earns, a false alert costs, and a missed window costs."""

    name: str
    tp_weight: float
    fp_weight: float
    fn_weight: float


DEFAULT_PROFILES: Mapping[str, Profile] = {
    "standard": Profile("standard", tp_weight=1.0, fp_weight=0.11, fn_weight=1.0),
    "reward_low_FP_rate": Profile("reward_low_FP_rate", tp_weight=1.0, fp_weight=0.22, fn_weight=1.0),
    "reward_low_FN_rate": Profile("reward_low_FN_rate", tp_weight=1.0, fp_weight=0.11, fn_weight=2.0),
}
"""NAB's three published cost profiles (``config/profiles.json``), so callers need no data file."""


@dataclass(frozen=True)
class FileScore:
    """The raw score of one file under one profile, with the counts behind it."""

    raw: float
    tp: int
    """Windows caught (their earliest scored alert earned the reward)."""
    fp: int
    """Scored alerts outside every window."""
    fn: int
    """Scored windows with no alert."""
    tn: int
    """Scored rows outside every window with no alert."""
    redundant: int
    """Alerts in a window after its earliest one: scored as nothing."""
    probation_ignored: int
    """Alerts in the probation period: not scored."""
    windows_unscored: int
    """Windows with no scored row (no row in ``[start, end]``, or all of them in the probation)."""


@dataclass(frozen=True)
class FileResult:
    """One corpus file: its size and, per profile name, its score and its null and perfect scores."""

    name: str
    """``category/file.csv``, as in the windows file."""
    category: str
    n_rows: int
    probation_rows: int
    n_windows: int
    scores: Mapping[str, FileScore]
    null: Mapping[str, float]
    perfect: Mapping[str, float]


@dataclass(frozen=True)
class Totals:
    """Summed raw, null and perfect scores of a set of files, and the normalised score."""

    raw: float
    null: float
    perfect: float
    score: float | None
    """``normalised(raw, null, perfect)``; None where the files hold no scored window (perfect == null)."""
    tp: int
    fp: int
    fn: int


@dataclass(frozen=True)
class CorpusScore:
    """A detector's scores over a corpus: overall and per category for each profile, and per file."""

    overall: Mapping[str, Totals]
    """Profile name -> totals over every scored file."""
    categories: Mapping[str, Mapping[str, Totals]]
    """Category (folder name) -> profile name -> totals over that category's files."""
    files: tuple[FileResult, ...]
    notes: tuple[str, ...]
    """Files skipped and why (a data file absent from the windows file, or the other way round)."""


@dataclass(frozen=True)
class _WindowRows:
    """A window located in a file: the span of its rows ``first..last`` and its first scored row."""

    first: int
    last: int
    first_scored: int | None
    """The earliest row of the window past the probation; None if every row is in the probation."""

    @property
    def length(self) -> int:
        return self.last - self.first + 1


# --- The method -----------------------------------------------------------------------------------


def scaled_sigmoid(x: float) -> float:
    """NAB's reward curve: ``2 / (1 + exp(5x)) - 1`` for ``x <= 3``, else -1 (about 0.987 at -1, 0 at 0)."""
    if x > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0


def probation_length(n_rows: int, fraction: float = PROBATION_FRACTION) -> int:
    """Rows at the start of a file that are not scored: ``min(floor(fraction * n), fraction * 5000)``."""
    if n_rows < 0:
        raise ValidationError(f"n_rows has value {n_rows}. Not a row count.", details={"n_rows": n_rows})
    if not 0.0 <= fraction <= 1.0:
        raise ValidationError(f"fraction has value {fraction}. Not between 0 and 1.", details={"fraction": fraction})
    return int(min(math.floor(fraction * n_rows), fraction * PROBATION_CAP_ROWS))


def score_file(
    timestamps: Sequence[datetime],
    alerts: Sequence[bool],
    windows: Sequence[Window],
    profile: Profile,
    *,
    probation_fraction: float = PROBATION_FRACTION,
) -> FileScore:
    """Score one file's alerts against its labelled windows under one profile (see the module docstring)."""
    if len(alerts) != len(timestamps):
        raise ValidationError(
            f"alerts has {len(alerts)} values for {len(timestamps)} timestamps. They must match.",
            details={"alerts": len(alerts), "timestamps": len(timestamps)},
        )
    probation = probation_length(len(timestamps), probation_fraction)
    window_of, located = _locate_windows(timestamps, windows, probation)
    by_last = sorted((rows for rows in located if rows is not None), key=lambda rows: rows.last)

    raw = 0.0
    tp = fp = redundant = tn = 0
    caught: set[int] = set()
    preceding: _WindowRows | None = None  # the window that ended last before row i
    passed = 0
    for i, alert in enumerate(alerts):
        while passed < len(by_last) and by_last[passed].last < i:
            preceding = by_last[passed]
            passed += 1
        if i < probation:
            continue
        w = window_of[i]
        if w >= 0:
            if not alert:
                continue
            if w in caught:
                redundant += 1
                continue
            caught.add(w)
            tp += 1
            rows = located[w]
            assert rows is not None  # row i lies in window w, so w was located
            raw += profile.tp_weight * scaled_sigmoid(-(rows.last - i + 1) / rows.length)
        elif alert:
            fp += 1
            if preceding is None:
                raw -= profile.fp_weight
            else:
                raw += profile.fp_weight * scaled_sigmoid((i - preceding.last) / preceding.length)
        else:
            tn += 1

    scored = [w for w, rows in enumerate(located) if rows is not None and rows.first_scored is not None]
    fn = sum(1 for w in scored if w not in caught)
    raw -= profile.fn_weight * fn
    return FileScore(
        raw=raw,
        tp=tp,
        fp=fp,
        fn=fn,
        tn=tn,
        redundant=redundant,
        probation_ignored=sum(1 for alert in alerts[:probation] if alert),
        windows_unscored=len(located) - len(scored),
    )


def null_score(
    timestamps: Sequence[datetime],
    windows: Sequence[Window],
    profile: Profile,
    *,
    probation_fraction: float = PROBATION_FRACTION,
) -> float:
    """The raw score of a detector that never fires: minus ``fn_weight`` per scored window."""
    never = [False] * len(timestamps)
    return score_file(timestamps, never, windows, profile, probation_fraction=probation_fraction).raw


def perfect_score(
    timestamps: Sequence[datetime],
    windows: Sequence[Window],
    profile: Profile,
    *,
    probation_fraction: float = PROBATION_FRACTION,
) -> float:
    """The raw score of a detector that fires once, on the first scored row of every window."""
    probation = probation_length(len(timestamps), probation_fraction)
    alerts = [False] * len(timestamps)
    for rows in _locate_windows(timestamps, windows, probation)[1]:
        if rows is not None and rows.first_scored is not None:
            alerts[rows.first_scored] = True
    return score_file(timestamps, alerts, windows, profile, probation_fraction=probation_fraction).raw


def normalised(raw_total: float, null_total: float, perfect_total: float) -> float:
    """``100 * (raw - null) / (perfect - null)``: a detector that never fires scores 0, a perfect one 100."""
    if perfect_total == null_total:
        raise ValidationError(
            f"perfect_total equals null_total ({perfect_total}). Nothing to normalise against: no scored window.",
            details={"null_total": null_total, "perfect_total": perfect_total},
        )
    return 100.0 * (raw_total - null_total) / (perfect_total - null_total)


def _locate_windows(
    timestamps: Sequence[datetime], windows: Sequence[Window], probation: int
) -> tuple[list[int], list[_WindowRows | None]]:
    """Which window holds each row (-1: none), and each window's rows (None where no row falls in it).

    Windows come back in time order. Rows keep file order, the order the detector saw them, and belong to
    a window by their timestamp: so a file whose clock steps back (NAB's machine temperature file repeats
    an hour) is still scored row by row, and a window's span runs from its first to its last member row.
    """
    ordered = _check_windows(timestamps, windows)
    starts = [start for start, _ in ordered]
    window_of = [-1] * len(timestamps)
    first: list[int | None] = [None] * len(ordered)
    last = [0] * len(ordered)
    first_scored: list[int | None] = [None] * len(ordered)
    for i, moment in enumerate(timestamps):
        w = bisect.bisect_right(starts, moment) - 1
        if w < 0 or moment > ordered[w][1]:
            continue
        window_of[i] = w
        if first[w] is None:
            first[w] = i
        if first_scored[w] is None and i >= probation:
            first_scored[w] = i
        last[w] = i
    located = [
        None if begin is None else _WindowRows(begin, end, scored)
        for begin, end, scored in zip(first, last, first_scored, strict=True)
    ]
    return window_of, located


def _check_windows(timestamps: Sequence[datetime], windows: Sequence[Window]) -> list[Window]:
    """The windows in time order, refusing what the scorer would get silently wrong."""
    kinds = {moment.tzinfo is None for moment in timestamps}
    kinds.update(moment.tzinfo is None for window in windows for moment in window)
    if len(kinds) > 1:
        raise ValidationError("timestamps and windows mix naive and timezone-aware datetimes. Use one kind.")
    ordered = sorted(windows)
    for start, end in ordered:
        if end < start:
            raise ValidationError(
                f"window has value [{start}, {end}]. Its end comes before its start.",
                details={"start": start.isoformat(), "end": end.isoformat()},
            )
    for (_, end), (start, _) in itertools.pairwise(ordered):
        if start <= end:
            raise ValidationError(
                f"window starting {start} overlaps the one ending {end}. Windows must not overlap.",
                details={"start": start.isoformat(), "previous_end": end.isoformat()},
            )
    return ordered


# --- Files ----------------------------------------------------------------------------------------


def parse_timestamp(text: str) -> datetime:
    """A NAB timestamp, ``YYYY-MM-DD HH:MM:SS`` with optional fractional seconds, naive read as UTC."""
    for fmt in _TIMESTAMP_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValidationError(f"timestamp has value {text!r}. Not YYYY-MM-DD HH:MM:SS[.ffffff].", details={"value": text})


def load_windows(path: Path | str) -> dict[str, list[Window]]:
    """Read a NAB windows file: ``{"category/file.csv": [[start, end], ...]}``, as UTC datetimes."""
    data = _read_json(Path(path))
    if not isinstance(data, dict):
        raise ValidationError(f"{path}: top level is {type(data).__name__}. Expected an object.")
    windows: dict[str, list[Window]] = {}
    for key, value in data.items():
        if not isinstance(value, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair) for pair in value
        ):
            raise ValidationError(
                f"{path}: windows '{key}' has value {value!r}. Expected a list of [start, end] strings.",
                details={"key": key},
            )
        windows[key] = [(parse_timestamp(start), parse_timestamp(end)) for start, end in value]
    return windows


def load_profiles(path: Path | str) -> dict[str, Profile]:
    """Read a NAB profiles file: ``{name: {"CostMatrix": {"tpWeight", "fpWeight", "fnWeight", ...}}}``."""
    data = _read_json(Path(path))
    if not isinstance(data, dict):
        raise ValidationError(f"{path}: top level is {type(data).__name__}. Expected an object.")
    profiles: dict[str, Profile] = {}
    for name, body in data.items():
        matrix = body.get("CostMatrix") if isinstance(body, dict) else None
        if not isinstance(matrix, dict):
            raise ValidationError(f"{path}: profile '{name}' has no CostMatrix object.", details={"profile": name})
        weights: dict[str, float] = {}
        for field in ("tpWeight", "fpWeight", "fnWeight"):  # tnWeight exists in NAB's files but scores nothing
            value = matrix.get(field)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValidationError(
                    f"{path}: profile '{name}' {field} has value {value!r}. Not a number.",
                    details={"profile": name, "field": field, "value": value},
                )
            weights[field] = float(value)
        profiles[name] = Profile(name, weights["tpWeight"], weights["fpWeight"], weights["fnWeight"])
    return profiles


def load_series(path: Path | str) -> tuple[list[datetime], list[float]]:
    """Read a NAB data file (``timestamp,value`` with a header row) as UTC datetimes and floats."""
    path = Path(path)
    timestamps: list[datetime] = []
    values: list[float] = []
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or [column.strip() for column in header[:2]] != ["timestamp", "value"]:
                raise ValidationError(f"{path}: header is {header!r}. Expected timestamp,value.")
            for line, row in enumerate(reader, start=2):
                try:
                    timestamps.append(parse_timestamp(row[0]))
                    values.append(float(row[1]))
                except (IndexError, ValueError, ValidationError) as exc:
                    raise ValidationError(
                        f"{path}: line {line} has value {row!r}. Expected timestamp,value.",
                        details={"path": str(path), "line": line},
                    ) from exc
    except FileNotFoundError as exc:
        raise NotFoundError(f"NAB data file not found: {path}", details={"path": str(path)}) from exc
    return timestamps, values


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise NotFoundError(f"NAB file not found: {path}", details={"path": str(path)}) from exc
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno}).") from exc


# --- The corpus -----------------------------------------------------------------------------------


def score_corpus(
    data_dir: Path,
    windows_path: Path,
    detector: Detector,
    profiles: Mapping[str, Profile] | None = None,
    progress: Callable[[str], None] | None = None,
) -> CorpusScore:
    """Run one detector on every ``data_dir/<category>/<file>.csv`` and score it under every profile."""
    profiles = DEFAULT_PROFILES if profiles is None else profiles
    all_windows = load_windows(windows_path)
    if not data_dir.is_dir():
        raise NotFoundError(f"NAB data folder not found: {data_dir}", details={"path": str(data_dir)})
    notes: list[str] = []
    results: list[FileResult] = []
    seen: set[str] = set()
    for path in sorted(data_dir.glob("*/*.csv")):
        name = f"{path.parent.name}/{path.name}"
        seen.add(name)
        if name not in all_windows:
            notes.append(f"skipped {name}: not in {windows_path.name}")
            continue
        if progress is not None:
            progress(name)
        results.append(_score_one(name, path, all_windows[name], detector, profiles))
    notes.extend(
        f"skipped {name}: listed in {windows_path.name} but not found under {data_dir}"
        for name in sorted(set(all_windows) - seen)
    )

    categories: dict[str, dict[str, Totals]] = {}
    for category in sorted({result.category for result in results}):
        members = [result for result in results if result.category == category]
        categories[category] = {profile: _totals(members, profile) for profile in profiles}
    overall = {profile: _totals(results, profile) for profile in profiles}
    return CorpusScore(overall=overall, categories=categories, files=tuple(results), notes=tuple(notes))


def _score_one(
    name: str, path: Path, windows: Sequence[Window], detector: Detector, profiles: Mapping[str, Profile]
) -> FileResult:
    timestamps, values = load_series(path)
    alerts = [bool(alert) for alert in detector(timestamps, values)]
    if len(alerts) != len(timestamps):
        raise ValidationError(
            f"detector returned {len(alerts)} alerts for {len(timestamps)} rows of {name}. They must match.",
            details={"file": name, "alerts": len(alerts), "rows": len(timestamps)},
        )
    return FileResult(
        name=name,
        category=path.parent.name,
        n_rows=len(timestamps),
        probation_rows=probation_length(len(timestamps)),
        n_windows=len(windows),
        scores={key: score_file(timestamps, alerts, windows, profile) for key, profile in profiles.items()},
        null={key: null_score(timestamps, windows, profile) for key, profile in profiles.items()},
        perfect={key: perfect_score(timestamps, windows, profile) for key, profile in profiles.items()},
    )


def _totals(results: Sequence[FileResult], profile: str) -> Totals:
    raw = math.fsum(result.scores[profile].raw for result in results)
    null = math.fsum(result.null[profile] for result in results)
    perfect = math.fsum(result.perfect[profile] for result in results)
    return Totals(
        raw=raw,
        null=null,
        perfect=perfect,
        score=None if perfect == null else normalised(raw, null, perfect),
        tp=sum(result.scores[profile].tp for result in results),
        fp=sum(result.scores[profile].fp for result in results),
        fn=sum(result.scores[profile].fn for result in results),
    )
