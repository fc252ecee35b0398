"""NAB-style scoring: hand-worked cases, each expected score written out as the arithmetic behind it.

Most cases use a 40-row file of one row a minute: probation_length(40) = min(floor(0.15 * 40), 750) = 6,
so rows 0..5 are not scored. Window A covers rows 10..14 (5 rows), window B rows 20..21 (2 rows).
Inside a window of rows first..last (length L), row i sits at -(last - i + 1) / L; after a window,
row i sits at (i - last) / L.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from baliza.core.errors import NotFoundError, ValidationError
from baliza.detection.nab import (
    DEFAULT_PROFILES,
    Profile,
    load_profiles,
    load_series,
    load_windows,
    normalised,
    null_score,
    parse_timestamp,
    perfect_score,
    probation_length,
    scaled_sigmoid,
    score_corpus,
    score_file,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "nab"
T0 = datetime(2024, 1, 1, tzinfo=UTC)
N = 40
STANDARD = DEFAULT_PROFILES["standard"]
LOW_FP = DEFAULT_PROFILES["reward_low_FP_rate"]
LOW_FN = DEFAULT_PROFILES["reward_low_FN_rate"]
S = scaled_sigmoid


def ts(i: int) -> datetime:
    return T0 + timedelta(minutes=i)


TIMES = [ts(i) for i in range(N)]
A = (ts(10), ts(14))
B = (ts(20), ts(21))


def fire(*rows: int, n: int = N) -> list[bool]:
    return [i in rows for i in range(n)]


def test_probation_of_the_hand_cases() -> None:
    assert probation_length(N) == 6  # floor(0.15 * 40) = 6 < 0.15 * 5000 = 750


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (-1.0, 2 / (1 + math.exp(-5)) - 1),  # about 0.987: the reward for a detection at a window's first row
        (-0.2, 2 / (1 + math.exp(-1)) - 1),
        (0.0, 0.0),
        (1.0, 2 / (1 + math.exp(5)) - 1),  # about -0.987
        (3.0, 2 / (1 + math.exp(15)) - 1),  # still the curve at exactly 3
        (3.0001, -1.0),  # beyond 3 it is flat at -1
        (50.0, -1.0),
    ],
)
def test_scaled_sigmoid(x: float, expected: float) -> None:
    assert scaled_sigmoid(x) == pytest.approx(expected, abs=1e-12)


def test_scaled_sigmoid_at_minus_one_is_about_0_987() -> None:
    assert scaled_sigmoid(-1.0) == pytest.approx(0.98661, abs=1e-5)


@pytest.mark.parametrize(
    ("n_rows", "fraction", "expected"),
    [
        (0, 0.15, 0),
        (7, 0.15, 1),  # floor(1.05)
        (20, 0.15, 3),  # floor(3.0)
        (100, 0.15, 15),
        (4000, 0.15, 600),  # floor(600) < 750
        (5000, 0.15, 750),
        (22695, 0.15, 750),  # capped at 0.15 * 5000
        (100, 0.1, 10),
        (100_000, 0.1, 500),  # capped at 0.1 * 5000
    ],
)
def test_probation_length(n_rows: int, fraction: float, expected: int) -> None:
    assert probation_length(n_rows, fraction) == expected


@pytest.mark.parametrize(
    ("alerts", "expected", "tp", "fp", "fn", "redundant"),
    [
        pytest.param(fire(10), 1.0 * S(-(14 - 10 + 1) / 5), 1, 0, 0, 0, id="at-window-start"),
        pytest.param(fire(10), 1.0 * S(-1.0), 1, 0, 0, 0, id="at-window-start-is-sigmoid-of-minus-one"),
        pytest.param(fire(14), 1.0 * S(-(14 - 14 + 1) / 5), 1, 0, 0, 0, id="at-window-end"),
        pytest.param(fire(12), 1.0 * S(-(14 - 12 + 1) / 5), 1, 0, 0, 0, id="mid-window"),
        pytest.param(fire(11, 13), 1.0 * S(-(14 - 11 + 1) / 5) + 0.0, 1, 0, 0, 1, id="two-in-window-first-counts"),
        pytest.param(fire(), -1.0, 0, 0, 1, 0, id="missed-window"),
        pytest.param(fire(15), -1.0 + 0.11 * S((15 - 14) / 5), 0, 1, 1, 0, id="fp-right-after-window"),
        pytest.param(fire(20), -1.0 + 0.11 * S((20 - 14) / 5), 0, 1, 1, 0, id="fp-a-bit-after-window"),
        pytest.param(fire(35), -1.0 - 0.11 * 1.0, 0, 1, 1, 0, id="fp-far-after-window"),  # (35-14)/5 = 4.2 > 3
        pytest.param(fire(8), -1.0 - 0.11, 0, 1, 1, 0, id="fp-before-any-window"),
        pytest.param(fire(8, 10, 35), -0.11 + S(-1.0) - 0.11, 1, 2, 0, 0, id="fp-tp-fp"),
    ],
)
def test_score_file_one_window(alerts: list[bool], expected: float, tp: int, fp: int, fn: int, redundant: int) -> None:
    score = score_file(TIMES, alerts, [A], STANDARD)
    assert score.raw == pytest.approx(expected, abs=1e-12)
    assert (score.tp, score.fp, score.fn, score.redundant) == (tp, fp, fn, redundant)


def test_fp_right_after_window_costs_almost_nothing_and_far_away_the_full_weight() -> None:
    near = score_file(TIMES, fire(15), [A], STANDARD).raw - score_file(TIMES, fire(), [A], STANDARD).raw
    far = score_file(TIMES, fire(35), [A], STANDARD).raw - score_file(TIMES, fire(), [A], STANDARD).raw
    assert near == pytest.approx(0.11 * S(0.2))  # about -0.0406
    assert -0.11 < near < 0
    assert far == pytest.approx(-0.11)


def test_tn_counts_the_quiet_scored_rows_outside_windows() -> None:
    score = score_file(TIMES, fire(12, 30), [A], STANDARD)
    # scored rows 6..39 = 34, minus window A's 5 rows = 29 outside, one of which (30) fired
    assert score.tn == 29 - 1


@pytest.mark.parametrize(
    ("alerts", "expected"),
    [
        # the preceding window is B (rows 20..21, length 2), not A
        pytest.param(fire(23), -1.0 - 1.0 + 0.11 * S((23 - 21) / 2), id="fp-measured-from-the-latest-window"),
        # between the windows the preceding one is A (rows 10..14, length 5)
        pytest.param(fire(17), -1.0 - 1.0 + 0.11 * S((17 - 14) / 5), id="fp-between-windows"),
        pytest.param(fire(10, 21), S(-1.0) + S(-(21 - 21 + 1) / 2), id="both-caught"),
        pytest.param(fire(10, 11, 20, 21), S(-1.0) + S(-1.0), id="both-caught-early-with-repeats"),
    ],
)
def test_score_file_two_windows(alerts: list[bool], expected: float) -> None:
    assert score_file(TIMES, alerts, [A, B], STANDARD).raw == pytest.approx(expected, abs=1e-12)


def test_windows_are_scored_in_time_order_whatever_the_input_order() -> None:
    alerts = fire(10, 23)
    assert score_file(TIMES, alerts, [B, A], STANDARD) == score_file(TIMES, alerts, [A, B], STANDARD)


@pytest.mark.parametrize(
    ("alerts", "window", "expected", "ignored"),
    [
        # rows 0..5 are probation: an alert there is not scored, so window A is missed
        pytest.param(fire(3), A, -1.0, 1, id="fp-in-probation-ignored"),
        pytest.param(fire(3, 5), A, -1.0, 2, id="two-in-probation-ignored"),
        # window rows 4..8 (length 5) straddles the probation end: an alert at row 5 is ignored,
        # one at row 6 (first scored row) earns S(-(8 - 6 + 1) / 5) = S(-0.6)
        pytest.param(fire(5), (ts(4), ts(8)), -1.0, 1, id="detection-in-probation-ignored"),
        pytest.param(fire(5, 6), (ts(4), ts(8)), S(-(8 - 6 + 1) / 5), 1, id="first-scored-row-counts"),
        # window rows 1..3 lies inside the probation: not scored, neither caught nor missed
        pytest.param(fire(2), (ts(1), ts(3)), 0.0, 1, id="window-inside-probation"),
        # ... but it still precedes later alerts: row 7 is (7 - 3) / 3 window lengths after it
        pytest.param(fire(7), (ts(1), ts(3)), 0.11 * S((7 - 3) / 3), 0, id="fp-after-window-in-probation"),
    ],
)
def test_probation(alerts: list[bool], window: tuple[datetime, datetime], expected: float, ignored: int) -> None:
    score = score_file(TIMES, alerts, [window], STANDARD)
    assert score.raw == pytest.approx(expected, abs=1e-12)
    assert score.probation_ignored == ignored


def test_window_inside_probation_is_counted_as_unscored() -> None:
    score = score_file(TIMES, fire(), [(ts(1), ts(3)), A], STANDARD)
    assert (score.fn, score.windows_unscored, score.raw) == (1, 1, -1.0)


def test_window_between_rows_is_unscored_not_missed() -> None:
    window = (ts(10) + timedelta(seconds=10), ts(10) + timedelta(seconds=50))  # no row falls inside it
    score = score_file(TIMES, fire(), [window], STANDARD)
    assert (score.fn, score.windows_unscored, score.raw) == (0, 1, 0.0)


def test_rows_are_scored_in_file_order_when_the_clock_steps_back() -> None:
    # rows 0..24 are minutes 0..24, then the clock steps back: row r >= 25 is minute r - 5
    # (NAB's machine temperature file repeats an hour this way)
    times = [ts(i) for i in range(25)] + [ts(r - 5) for r in range(25, N)]
    late_window = (ts(30), ts(31))  # minutes 30..31 are rows 35..36
    alerts = fire(27, 35)
    # row 27 (minute 22) is a false positive (27 - 14) / 5 window lengths after A; row 35 opens the late window
    expected = -1.0 + 0.11 * S((27 - 14) / 5) + S(-(36 - 35 + 1) / 2)
    score = score_file(times, alerts, [A, late_window], STANDARD)
    assert score.raw == pytest.approx(expected, abs=1e-12)
    assert (score.tp, score.fp, score.fn) == (1, 1, 1)


def test_window_bounds_are_inclusive() -> None:
    # a window from exactly row 10 to exactly row 14 holds both: a detection at 14 is a true positive
    score = score_file(TIMES, fire(14), [(ts(10), ts(14))], STANDARD)
    assert (score.tp, score.fp) == (1, 0)
    # and one a microsecond later than row 14 starts after it
    late = score_file(TIMES, fire(14), [(ts(14) + timedelta(microseconds=1), ts(16))], STANDARD)
    assert (late.tp, late.fp) == (0, 1)


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        # caught A at its start, a far false positive at 35, missed B
        (STANDARD, 1.0 * S(-1.0) - 0.11 * 1 - 1.0 * 1),
        (LOW_FP, 1.0 * S(-1.0) - 0.22 * 1 - 1.0 * 1),
        (LOW_FN, 1.0 * S(-1.0) - 0.11 * 1 - 2.0 * 1),
        (Profile("custom", tp_weight=2.0, fp_weight=0.5, fn_weight=3.0), 2.0 * S(-1.0) - 0.5 - 3.0),
    ],
    ids=lambda value: value.name if isinstance(value, Profile) else None,
)
def test_profiles(profile: Profile, expected: float) -> None:
    assert score_file(TIMES, fire(10, 35), [A, B], profile).raw == pytest.approx(expected, abs=1e-12)


def test_default_profiles_are_nabs_published_cost_matrices() -> None:
    assert {name: (p.tp_weight, p.fp_weight, p.fn_weight) for name, p in DEFAULT_PROFILES.items()} == {
        "standard": (1.0, 0.11, 1.0),
        "reward_low_FP_rate": (1.0, 0.22, 1.0),
        "reward_low_FN_rate": (1.0, 0.11, 2.0),
    }
    assert all(name == profile.name for name, profile in DEFAULT_PROFILES.items())


@pytest.mark.parametrize(
    ("profile", "null", "perfect"),
    [
        (STANDARD, -1.0 * 2, 1.0 * S(-1.0) * 2),
        (LOW_FN, -2.0 * 2, 1.0 * S(-1.0) * 2),
    ],
)
def test_null_and_perfect_scores(profile: Profile, null: float, perfect: float) -> None:
    assert null_score(TIMES, [A, B], profile) == pytest.approx(null)
    assert perfect_score(TIMES, [A, B], profile) == pytest.approx(perfect)


def test_perfect_score_uses_the_first_scored_row_of_a_window_in_probation() -> None:
    # rows 4..8 with rows 0..5 in probation: the best possible detection is at row 6
    assert perfect_score(TIMES, [(ts(4), ts(8))], STANDARD) == pytest.approx(S(-(8 - 6 + 1) / 5))


@pytest.mark.parametrize("profile", list(DEFAULT_PROFILES.values()), ids=lambda p: p.name)
def test_normalisation_never_firing_is_0_and_perfect_is_100(profile: Profile) -> None:
    null = null_score(TIMES, [A, B], profile)
    perfect = perfect_score(TIMES, [A, B], profile)
    never = score_file(TIMES, fire(), [A, B], profile).raw
    best = score_file(TIMES, fire(10, 20), [A, B], profile).raw
    assert normalised(never, null, perfect) == pytest.approx(0.0)
    assert normalised(best, null, perfect) == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("alerts", "expected"),
    [
        # catch A at its start, miss B: raw = S(-1) - 1, null = -2, perfect = 2 S(-1), so
        # 100 * ((S(-1) - 1) - (-2)) / (2 S(-1) - (-2)) = 100 * (S(-1) + 1) / (2 (S(-1) + 1)) = 50
        pytest.param(fire(10), 50.0, id="half"),
        # the same plus a false positive far from any window
        pytest.param(fire(10, 35), 100 * (S(-1.0) - 1 - 0.11 + 2) / (2 * S(-1.0) + 2), id="half-minus-fp"),
        # only a false positive before any window: below the never-firing detector
        pytest.param(fire(8), 100 * (-2 - 0.11 + 2) / (2 * S(-1.0) + 2), id="worse-than-never"),
    ],
)
def test_normalisation_intermediate(alerts: list[bool], expected: float) -> None:
    raw = score_file(TIMES, alerts, [A, B], STANDARD).raw
    null = null_score(TIMES, [A, B], STANDARD)
    perfect = perfect_score(TIMES, [A, B], STANDARD)
    assert normalised(raw, null, perfect) == pytest.approx(expected)


def test_normalised_arithmetic() -> None:
    assert normalised(-1.0, -2.0, 2.0) == pytest.approx(100 * (-1 - -2) / (2 - -2))  # 25


def test_normalised_refuses_equal_null_and_perfect() -> None:
    with pytest.raises(ValidationError, match=re.escape("perfect_total equals null_total (0.0)")):
        normalised(-0.11, 0.0, 0.0)


NAIVE = datetime(2024, 1, 1, 0, 10)


@pytest.mark.parametrize(
    ("timestamps", "alerts", "windows", "message"),
    [
        (TIMES, fire(n=N - 1), [A], "alerts has 39 values for 40 timestamps"),
        (TIMES, fire(), [(ts(14), ts(10))], "Its end comes before its start."),
        (TIMES, fire(), [A, (ts(14), ts(16))], "Windows must not overlap."),
        (TIMES, fire(), [(NAIVE, NAIVE)], "mix naive and timezone-aware datetimes"),
    ],
    ids=["length", "backwards-window", "overlap", "naive-and-aware"],
)
def test_score_file_refuses_bad_input(
    timestamps: list[datetime], alerts: list[bool], windows: list[tuple[datetime, datetime]], message: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        score_file(timestamps, alerts, windows, STANDARD)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-07-10 14:24:00", datetime(2015, 7, 10, 14, 24, tzinfo=UTC)),
        ("2014-04-10 07:15:00.000000", datetime(2014, 4, 10, 7, 15, tzinfo=UTC)),
        ("2014-04-10 07:15:00.5", datetime(2014, 4, 10, 7, 15, 0, 500_000, tzinfo=UTC)),
    ],
)
def test_parse_timestamp(text: str, expected: datetime) -> None:
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize("text", ["2015-07-10T14:24:00", "10/07/2015 14:24", "2015-07-10", ""])
def test_parse_timestamp_refuses_other_formats(text: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(f"timestamp has value {text!r}")):
        parse_timestamp(text)


def test_load_windows() -> None:
    assert load_windows(FIXTURES / "windows.json") == {
        "quiet/flat.csv": [],
        "busy/spikes.csv": [
            (datetime(2020, 3, 1, 10, tzinfo=UTC), datetime(2020, 3, 1, 12, 30, tzinfo=UTC)),
            (datetime(2020, 3, 2, 8, 15, 0, 500_000, tzinfo=UTC), datetime(2020, 3, 2, 9, tzinfo=UTC)),
        ],
    }


def test_load_profiles() -> None:
    assert load_profiles(FIXTURES / "profiles.json") == {
        "balanced": Profile("balanced", tp_weight=1.0, fp_weight=0.25, fn_weight=1.5),
        "strict": Profile("strict", tp_weight=2.0, fp_weight=0.75, fn_weight=0.5),
    }


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("windows.json", '{"a/b.csv": [["2020-01-01 00:00:00"]]}', "windows 'a/b.csv' has value"),
        ("windows.json", '{"a/b.csv": [["2020-01-01", "2020-01-02"]]}', "timestamp has value '2020-01-01'"),
        ("windows.json", "[1, 2]", "top level is list. Expected an object."),
        ("windows.json", "{", "not valid JSON"),
        ("profiles.json", '{"p": {"Costs": {}}}', "profile 'p' has no CostMatrix object."),
        ("profiles.json", '{"p": {"CostMatrix": {"tpWeight": 1, "fpWeight": "x", "fnWeight": 1}}}', "fpWeight has"),
    ],
)
def test_loaders_refuse_bad_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    loader = load_windows if name == "windows.json" else load_profiles
    with pytest.raises(ValidationError, match=re.escape(message)):
        loader(path)


def test_loaders_report_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=re.escape("NAB file not found")):
        load_windows(tmp_path / "nope.json")


# --- The corpus -----------------------------------------------------------------------------------
# Every file has 20 rows (probation_length(20) = 3) with value 1.0 except a spike of 100.0 at row 10;
# the detector fires where value > 50, i.e. at row 10 in every file.


def write_series(path: Path, n: int = 20, spike: int = 10) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [f"{ts(i):%Y-%m-%d %H:%M:%S},{100.0 if i == spike else 1.0}" for i in range(n)]
    path.write_text("timestamp,value\n" + "\n".join(rows) + "\n", encoding="utf-8")


def window_text(first: int, last: int) -> list[str]:
    return [f"{ts(first):%Y-%m-%d %H:%M:%S}.000000", f"{ts(last):%Y-%m-%d %H:%M:%S}.000000"]


def spike_detector(timestamps: Sequence[datetime], values: Sequence[float]) -> list[bool]:
    return [value > 50 for value in values]


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    for name in ("caught/a.csv", "caught/b.csv", "missed/c.csv", "quiet/d.csv", "unlabelled/e.csv"):
        write_series(data / name)
    windows = {
        "caught/a.csv": [window_text(10, 14)],  # row 10 is the window's first row: S(-1)
        "caught/b.csv": [window_text(8, 12)],  # row 10: S(-(12 - 10 + 1) / 5) = S(-0.6)
        "missed/c.csv": [window_text(15, 19)],  # row 10 comes before the window: -fp, and the window is missed
        "quiet/d.csv": [],  # no window at all: row 10 is a false positive before any window
        "gone/f.csv": [window_text(5, 6)],  # no such data file
    }
    windows_path = tmp_path / "windows.json"
    windows_path.write_text(json.dumps(windows), encoding="utf-8")
    return data, windows_path


def test_score_corpus(corpus: tuple[Path, Path]) -> None:
    data, windows_path = corpus
    seen: list[str] = []
    result = score_corpus(data, windows_path, spike_detector, progress=seen.append)

    assert seen == ["caught/a.csv", "caught/b.csv", "missed/c.csv", "quiet/d.csv"]
    assert result.notes == (
        "skipped unlabelled/e.csv: not in windows.json",
        f"skipped gone/f.csv: listed in windows.json but not found under {data}",
    )
    assert set(result.categories) == {"caught", "missed", "quiet"}
    assert set(result.overall) == set(DEFAULT_PROFILES)

    caught = result.categories["caught"]["standard"]
    assert caught.raw == pytest.approx(S(-1.0) + S(-0.6))
    assert caught.null == pytest.approx(-1.0 - 1.0)
    assert caught.perfect == pytest.approx(S(-1.0) + S(-1.0))
    assert caught.score == pytest.approx(100 * (S(-1.0) + S(-0.6) + 2) / (2 * S(-1.0) + 2))
    assert (caught.tp, caught.fp, caught.fn) == (2, 0, 0)

    missed = result.categories["missed"]["reward_low_FN_rate"]
    assert missed.raw == pytest.approx(-0.11 - 2.0)
    assert missed.score == pytest.approx(100 * (-0.11 - 2.0 - -2.0) / (S(-1.0) - -2.0))

    quiet = result.categories["quiet"]["reward_low_FP_rate"]
    assert quiet.raw == pytest.approx(-0.22)  # the false positive before any window, fp_weight 0.22
    assert (quiet.null, quiet.perfect, quiet.score) == (0.0, 0.0, None)  # nothing to normalise against

    overall = result.overall["standard"]
    raw = S(-1.0) + S(-0.6) + (-0.11 - 1.0) + -0.11
    null = -1.0 * 3
    perfect = S(-1.0) * 3
    assert overall.raw == pytest.approx(raw)
    assert overall.score == pytest.approx(100 * (raw - null) / (perfect - null))

    by_name = {file.name: file for file in result.files}
    assert by_name["caught/b.csv"].scores["standard"].raw == pytest.approx(S(-0.6))
    assert (by_name["caught/b.csv"].n_rows, by_name["caught/b.csv"].probation_rows) == (20, 3)


def test_score_corpus_refuses_a_detector_of_the_wrong_length(corpus: tuple[Path, Path]) -> None:
    data, windows_path = corpus
    with pytest.raises(ValidationError, match=re.escape("detector returned 19 alerts for 20 rows of caught/a.csv")):
        score_corpus(data, windows_path, lambda timestamps, values: [False] * (len(values) - 1))


def test_load_series(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("timestamp,value\n2015-07-10 14:24:00,3\n2015-07-10 14:29:00,4.5\n", encoding="utf-8")
    assert load_series(path) == (
        [datetime(2015, 7, 10, 14, 24, tzinfo=UTC), datetime(2015, 7, 10, 14, 29, tzinfo=UTC)],
        [3.0, 4.5],
    )


def test_load_series_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("timestamp,value\n2015-07-10 14:24:00,3\n2015-07-10 14:29:00,oops\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=re.escape("line 3 has value ['2015-07-10 14:29:00', 'oops']")):
        load_series(path)
