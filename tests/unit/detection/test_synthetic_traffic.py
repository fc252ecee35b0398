"""Synthetic traffic, crisis injection and the detection bench harness (checked with fake detectors)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from baliza.detection.synthetic import (
    DEFAULT_START,
    MINUTES_PER_WEEK,
    SCENARIO_WEEK,
    Crisis,
    Scenario,
    default_scenarios,
    expected_traffic,
    inject,
    normal_traffic,
    run_detection_bench,
    sample_poisson,
)

DAY = 1440
BASE = 20.0
ONSETS = (
    datetime(2026, 11, 16, 3, 17, tzinfo=UTC),  # Monday night
    datetime(2026, 11, 18, 13, 0, tzinfo=UTC),  # Wednesday mid-day
    datetime(2026, 11, 22, 20, 45, tzinfo=UTC),  # Sunday evening
)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def hours_of_weekdays(values: Sequence[float], first_hour: int, last_hour: int) -> list[float]:
    """Values in [first_hour, last_hour) on Monday to Friday of a series starting Monday 00:00."""
    return [v for i, v in enumerate(values) if (i // DAY) % 7 < 5 and first_hour <= (i % DAY) // 60 < last_hour]


# --- Traffic -------------------------------------------------------------------------------------


def test_traffic_is_deterministic_per_seed() -> None:
    first = normal_traffic(3 * DAY, base_per_minute=BASE, seed=5)
    assert first == normal_traffic(3 * DAY, base_per_minute=BASE, seed=5)
    assert first != normal_traffic(3 * DAY, base_per_minute=BASE, seed=6)
    assert all(isinstance(v, int) and v >= 0 for v in first)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_weekly_mean_is_the_base_rate(seed: int) -> None:
    counts = normal_traffic(MINUTES_PER_WEEK, base_per_minute=BASE, seed=seed)
    assert mean(counts) == pytest.approx(BASE, rel=0.02)


def test_expected_curve_has_the_promised_shape() -> None:
    curve = expected_traffic(MINUTES_PER_WEEK, base_per_minute=BASE)
    assert mean(curve) == pytest.approx(BASE, rel=1e-9)
    weekday_day = curve[:DAY]
    # Trough at night is (1 - amplitude) of the weekday's mean.
    assert min(weekday_day) == pytest.approx((1 - 0.6) * mean(weekday_day), rel=1e-9)
    trough_hour = weekday_day.index(min(weekday_day)) // 60
    peak_hour = weekday_day.index(max(weekday_day)) // 60
    assert 3 <= trough_hour <= 6
    assert 19 <= peak_hour <= 22
    assert weekday_day[13 * 60] > 1.3 * mean(weekday_day)  # mid-day peak too
    assert mean(curve[5 * DAY :]) == pytest.approx(0.8 * mean(curve[: 5 * DAY]), rel=1e-9)


def test_night_is_lower_than_mid_day() -> None:
    counts = normal_traffic(MINUTES_PER_WEEK, base_per_minute=BASE, seed=3)
    night = mean(hours_of_weekdays(counts, 3, 6))
    mid_day = mean(hours_of_weekdays(counts, 12, 15))
    assert night < 0.4 * mid_day


def test_weekend_is_lower() -> None:
    counts = normal_traffic(2 * MINUTES_PER_WEEK, base_per_minute=BASE, seed=4)
    weekend = mean([v for i, v in enumerate(counts) if (i // DAY) % 7 >= 5])
    weekdays = mean([v for i, v in enumerate(counts) if (i // DAY) % 7 < 5])
    assert weekend / weekdays == pytest.approx(0.8, abs=0.03)


def test_counts_are_overdispersed_as_configured() -> None:
    # Negative binomial: variance = mu + dispersion * mu**2 around the seasonal mean.
    minutes = 2 * MINUTES_PER_WEEK
    means = expected_traffic(minutes, base_per_minute=BASE)
    for dispersion in (0.0, 0.1):
        counts = normal_traffic(minutes, base_per_minute=BASE, seed=8, dispersion=dispersion)
        excess = mean([(c - mu) ** 2 - mu for c, mu in zip(counts, means, strict=True)])
        expected_excess = dispersion * mean([mu * mu for mu in means])
        assert excess == pytest.approx(expected_excess, abs=2.5)


def test_start_sets_the_time_of_week() -> None:
    saturday_noon = datetime(2026, 11, 7, 12, 0, tzinfo=UTC)
    week = expected_traffic(MINUTES_PER_WEEK, base_per_minute=BASE)
    assert expected_traffic(3, base_per_minute=BASE, start=saturday_noon) == week[5 * DAY + 720 : 5 * DAY + 723]


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        normal_traffic(10, base_per_minute=BASE, seed=1, start=datetime(2026, 11, 2))


def test_ten_weeks_generate_fast() -> None:
    # ~100k minutes; about 0.2 s on a laptop, so 5 s only catches an accidental slow path.
    counts = normal_traffic(10 * MINUTES_PER_WEEK, base_per_minute=BASE, seed=1)
    assert len(counts) == 10 * MINUTES_PER_WEEK


@pytest.mark.parametrize("rate", [0.0, 0.7, 4.0, 9.99, 10.0, 25.0, 400.0])
def test_poisson_draws_have_poisson_mean_and_variance(rate: float) -> None:
    rng = random.Random(int(rate * 100))
    draws = [sample_poisson(rng, rate) for _ in range(40_000)]
    m = mean(draws)
    variance = mean([(d - m) ** 2 for d in draws])
    assert m == pytest.approx(rate, abs=0.03 * rate**0.5 + 1e-9)
    assert variance == pytest.approx(rate, abs=0.05 * rate + 1e-9)


# --- Crises --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "slow"}, "crisis kind is 'slow'; it must be 'sudden' or 'gradual'"),
        ({"multiplier": 0.5}, "crisis multiplier is 0.5; it must be at least 1"),
        ({"onset_minute": -1}, "crisis onset_minute is -1; it must be zero or positive"),
        ({"duration_minutes": 0}, "crisis duration_minutes is 0; it must be at least 1"),
        ({"kind": "gradual", "ramp_minutes": 0}, "gradual crisis ramp_minutes is 0; it must be at least 1"),
    ],
)
def test_crisis_rules(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {"kind": "sudden", "multiplier": 3.0, "onset_minute": 10} | kwargs
    with pytest.raises(ValueError) as info:
        Crisis(**fields)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_gradual_crisis_ramps_linearly() -> None:
    crisis = Crisis(kind="gradual", multiplier=10, onset_minute=100, ramp_minutes=30, duration_minutes=120)
    assert crisis.strength(99) == 0
    assert crisis.strength(100) == pytest.approx(1 / 30)
    assert crisis.strength(114) == pytest.approx(0.5)
    assert crisis.strength(129) == 1
    assert crisis.strength(219) == 1
    assert crisis.strength(220) == 0
    sudden = Crisis(kind="sudden", multiplier=3, onset_minute=100, duration_minutes=120)
    assert [sudden.strength(m) for m in (99, 100, 219, 220)] == [0, 1, 1, 0]


@pytest.mark.parametrize("multiplier", [2.0, 3.0, 10.0])
def test_inject_adds_the_multiple_of_the_baseline_during_the_crisis_only(multiplier: float) -> None:
    minutes = 2 * DAY
    counts = normal_traffic(minutes, base_per_minute=BASE, seed=2)
    expected = expected_traffic(minutes, base_per_minute=BASE)
    crisis = Crisis(kind="sudden", multiplier=multiplier, onset_minute=DAY, duration_minutes=600)
    out = inject(counts, crisis, seed=9, expected=expected)
    extra = [o - c for o, c in zip(out, counts, strict=True)]
    assert extra[: crisis.onset_minute] == [0] * crisis.onset_minute
    assert extra[crisis.end_minute :] == [0] * (minutes - crisis.end_minute)
    assert min(extra) >= 0
    wanted = (multiplier - 1) * sum(expected[crisis.onset_minute : crisis.end_minute])
    assert sum(extra) == pytest.approx(wanted, rel=0.03)
    assert counts == normal_traffic(minutes, base_per_minute=BASE, seed=2)  # the input is left alone


def test_inject_ramps_a_gradual_crisis() -> None:
    counts = [20] * 400
    crisis = Crisis(kind="gradual", multiplier=10, onset_minute=100, ramp_minutes=60, duration_minutes=200)
    out = inject(counts, crisis, seed=1, expected=[20.0] * 400)
    first_quarter = sum(out[100:115]) - 20 * 15  # strengths 1/60 .. 15/60, mean 8/60
    plateau = sum(out[160:300]) - 20 * 140
    assert first_quarter == pytest.approx(9 * 20 * 15 * 8 / 60, rel=0.2)
    assert plateau == pytest.approx(9 * 20 * 140, rel=0.03)


def test_inject_without_expected_uses_the_local_mean() -> None:
    counts = normal_traffic(DAY, base_per_minute=BASE, seed=12)
    crisis = Crisis(kind="sudden", multiplier=3, onset_minute=600, duration_minutes=300)
    out = inject(counts, crisis, seed=1)
    extra = sum(out) - sum(counts)
    assert extra == pytest.approx(2 * sum(counts[600:900]), rel=0.05)


def test_inject_is_deterministic_and_clips_to_the_series() -> None:
    counts = [10] * 50
    crisis = Crisis(kind="sudden", multiplier=2, onset_minute=40, duration_minutes=120)
    out = inject(counts, crisis, seed=4, expected=[10.0] * 50)
    assert out == inject(counts, crisis, seed=4, expected=[10.0] * 50)
    assert len(out) == 50
    assert out[:40] == counts[:40]
    assert inject(counts, Crisis(kind="sudden", multiplier=1, onset_minute=0), seed=1) == counts


# --- Scenarios -----------------------------------------------------------------------------------


def test_default_scenarios_cover_kinds_multipliers_and_the_week() -> None:
    scenarios = default_scenarios()
    assert [s.name for s in scenarios] == [
        "sudden x2",
        "sudden x3",
        "sudden x10",
        "gradual x2",
        "gradual x3",
        "gradual x10",
    ]
    assert default_scenarios() == scenarios
    onsets = scenarios[0].onsets
    assert len(onsets) == 20
    assert all(s.onsets == onsets for s in scenarios)
    assert all(SCENARIO_WEEK <= at < SCENARIO_WEEK + timedelta(weeks=1) for at in onsets)
    assert {at.weekday() for at in onsets} == set(range(7))
    assert len({at.hour for at in onsets}) >= 10
    assert len(default_scenarios(crises_per_scenario=5)[0].onsets) == 5


# --- Bench harness -------------------------------------------------------------------------------


def alerts_at(delays: dict[datetime, int]) -> Callable[[Sequence[datetime], Sequence[float]], list[bool]]:
    """A fake detector that alerts exactly `delay` minutes after each given onset time."""
    marks = {at + timedelta(minutes=delay) for at, delay in delays.items()}
    return lambda times, values: [t in marks for t in times]


def every(period: int) -> Callable[[Sequence[datetime], Sequence[float]], list[bool]]:
    """A fake detector that alerts at every `period`-th minute of each run (minute 0 included)."""
    return lambda times, values: [i % period == 0 for i in range(len(times))]


def never(times: Sequence[datetime], values: Sequence[float]) -> list[bool]:
    return [False] * len(times)


SMALL = {"warmup_days": 1, "lead_minutes": 60, "normal_weeks": 0}


def sudden(onsets: tuple[datetime, ...] = ONSETS, multiplier: float = 3.0) -> Scenario:
    return Scenario(name=f"sudden x{multiplier:g}", kind="sudden", multiplier=multiplier, onsets=onsets)


@pytest.mark.parametrize("k", [0, 7, 119])
def test_bench_measures_the_delay_after_onset(k: int) -> None:
    result = run_detection_bench(alerts_at(dict.fromkeys(ONSETS, k)), scenarios=[sudden()], **SMALL)
    (row,) = result.scenarios
    assert (row.detected, row.total, row.missed) == (3, 3, 0)
    assert row.delays == (k, k, k)
    assert row.median_delay == k
    assert row.p90_delay == k
    assert result.headline_median_delay == k
    assert result.false_alerts == 0


def test_bench_ignores_alerts_after_the_crisis_ends() -> None:
    result = run_detection_bench(alerts_at(dict.fromkeys(ONSETS, 120)), scenarios=[sudden()], **SMALL)
    assert result.scenarios[0].detected == 0


def test_bench_median_and_p90_of_varied_delays() -> None:
    onsets = tuple(SCENARIO_WEEK + timedelta(hours=13 * i) for i in range(10))
    delays = {at: 3 * i for i, at in enumerate(onsets)}  # 0, 3, ..., 27
    result = run_detection_bench(alerts_at(delays), scenarios=[sudden(onsets)], **SMALL)
    row = result.scenarios[0]
    assert row.median_delay == pytest.approx(13.5)
    assert row.p90_delay == pytest.approx(24.3)  # 24 + 0.1 * (27 - 24), linear interpolation
    assert result.rows()[0] == {
        "scenario": "sudden x3",
        "kind": "sudden",
        "multiplier": 3.0,
        "detected": 10,
        "total": 10,
        "median_delay_min": 13.5,
        "p90_delay_min": 24.3,
        "false_alerts_before_onset": 0,
    }


def test_bench_counts_false_alerts_per_week_on_normal_traffic() -> None:
    # Warm-up 1440 minutes, then 2 weeks (to minute 21600): alerts at 2000, 3000, ..., 21000 count.
    result = run_detection_bench(every(1000), scenarios=(), warmup_days=1, normal_weeks=2)
    assert result.false_alerts == 20
    assert result.normal_minutes == 2 * MINUTES_PER_WEEK
    assert result.false_alerts_per_week == 10
    assert result.scenarios == ()
    assert result.headline() == {"median_delay_sudden_x3_min": None, "false_alerts_per_week": 10}


def test_bench_adds_alerts_before_onset_to_the_false_alerts() -> None:
    # Each crisis run: warm-up 0..1439, lead 1440..2439, crisis 2440..2559. Alerts at 0, 1000, 2000:
    # only 2000 is a false alert; none falls in the crisis, so all three crises are missed.
    result = run_detection_bench(every(1000), scenarios=[sudden()], warmup_days=1, lead_minutes=1000, normal_weeks=1)
    (row,) = result.scenarios
    assert row.false_alerts_before_onset == 3
    assert row.detected == 0
    assert result.false_alerts == 10 + 3  # normal run: 2000..11000
    assert result.normal_minutes == MINUTES_PER_WEEK + 3 * 1000
    assert result.false_alerts_per_week == pytest.approx(13 / (13_080 / MINUTES_PER_WEEK))


def test_bench_with_a_detector_that_never_alerts() -> None:
    scenarios = [sudden(multiplier=m) for m in (2, 3, 10)]
    result = run_detection_bench(never, scenarios=scenarios, warmup_days=1, lead_minutes=60, normal_weeks=1)
    assert [(s.detected, s.missed) for s in result.scenarios] == [(0, 3)] * 3
    assert [s.median_delay for s in result.scenarios] == [None] * 3
    assert [r["p90_delay_min"] for r in result.rows()] == [None] * 3
    assert result.false_alerts == 0
    assert result.false_alerts_per_week == 0
    assert result.headline_median_delay is None


def test_bench_feeds_each_run_whole_minutes_ending_with_the_crisis() -> None:
    seen: list[tuple[Sequence[datetime], Sequence[float]]] = []

    def recorder(times: Sequence[datetime], values: Sequence[float]) -> list[bool]:
        seen.append((times, values))
        return never(times, values)

    run_detection_bench(recorder, scenarios=[sudden()], warmup_days=2, lead_minutes=30, normal_weeks=1)
    normal, *crises = seen
    assert normal[0][0] == DEFAULT_START
    assert len(normal[0]) == 2 * DAY + MINUTES_PER_WEEK
    assert len(crises) == 3
    for (times, values), onset in zip(crises, ONSETS, strict=True):
        assert len(times) == len(values) == 2 * DAY + 30 + 120
        assert times[2 * DAY + 30] == onset
        assert all(b - a == timedelta(minutes=1) for a, b in itertools.pairwise(times))
        before, during = mean(values[2 * DAY : 2 * DAY + 30]), mean(values[2 * DAY + 30 :])
        assert during > 1.8 * before  # the 3x crisis is really in the data


def test_bench_is_deterministic_and_a_threshold_detector_gets_sane_numbers() -> None:
    def threshold(times: Sequence[datetime], values: Sequence[float]) -> list[bool]:
        return [v > 90 and (i == 0 or values[i - 1] <= 90) for i, v in enumerate(values)]

    scenarios = [sudden(multiplier=10), sudden(multiplier=2)]
    first = run_detection_bench(threshold, scenarios=scenarios, warmup_days=1, normal_weeks=1, lead_minutes=60)
    assert first == run_detection_bench(threshold, scenarios=scenarios, warmup_days=1, normal_weeks=1, lead_minutes=60)
    x10, x2 = first.scenarios
    assert x10.detected == 3 and x10.median_delay == 0
    assert x2.detected < 3
    alone = run_detection_bench(threshold, scenarios=scenarios[1:], warmup_days=1, normal_weeks=0, lead_minutes=60)
    assert alone.scenarios == (x2,)  # seeds follow the scenario's name, not its position
    progress: list[str] = []
    run_detection_bench(never, scenarios=scenarios[:1], **SMALL, progress=progress.append)
    assert progress == ["sudden x10: 0/3 detected, median delay None"]


def test_bench_refuses_a_detector_that_returns_the_wrong_length() -> None:
    with pytest.raises(ValueError, match=r"detector returned 1 flags for \d+ minutes \(sudden x3, crisis 1\)"):
        run_detection_bench(lambda t, v: [False], scenarios=[sudden()], **SMALL)
