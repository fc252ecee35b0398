"""The streaming detector: tails, causality, baseline behaviour and alert rules."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from baliza.detection.detectors import (
    DetectorConfig,
    Sensitivity,
    StreamDetector,
    count_surprise,
    poisson_sf,
    score_series,
)

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def minutes(n: int) -> list[datetime]:
    return [T0 + timedelta(minutes=i) for i in range(n)]


def poisson_stream(n: int, mean: float, seed: int = 1) -> list[float]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= rnd.random()
            if p < limit:
                break
            k += 1
        out.append(float(k))
    return out


@pytest.mark.parametrize(
    ("k", "mu", "expected"),
    [
        (0, 3.0, 1.0),
        (1, 1.0, 1 - math.exp(-1)),
        (5, 1.0, 1 - sum(math.exp(-1) / math.factorial(i) for i in range(5))),
        (3, 2.5, 1 - sum(math.exp(-2.5) * 2.5**i / math.factorial(i) for i in range(3))),
    ],
)
def test_poisson_upper_tail(k: int, mu: float, expected: float) -> None:
    assert poisson_sf(k, mu) == pytest.approx(expected, rel=1e-9)


def test_count_surprise_is_zero_at_or_below_expectation_and_grows_with_excess() -> None:
    assert count_surprise(20, 20, 0.1) == 0.0
    assert count_surprise(10, 20, 0.1) == 0.0
    small, big = count_surprise(30, 20, 0.0), count_surprise(60, 20, 0.0)
    assert 0 < small < big
    # overdispersion makes the same excess less surprising
    assert count_surprise(60, 20, 0.5) < big


def test_scores_are_causal() -> None:
    values = poisson_stream(600, 5.0)
    values[400:420] = [40.0] * 20
    times = minutes(600)
    full = score_series(times, values)
    for cut in (150, 401, 410, 599):
        assert score_series(times[:cut], values[:cut]) == full[:cut]


def test_quiet_poisson_traffic_raises_nothing_and_a_surge_raises_one_alert() -> None:
    values = poisson_stream(24 * 60, 20.0, seed=4)
    assert not any(o.alert for o in score_series(minutes(len(values)), values))
    surged = list(values)
    for i in range(900, 960):
        surged[i] *= 3
    observations = score_series(minutes(len(surged)), surged)
    alerts = [i for i, o in enumerate(observations) if o.alert]
    assert len(alerts) == 1 and 900 <= alerts[0] <= 903
    hit = observations[alerts[0]]
    assert hit.observed_window > 2 * hit.expected_window and 0 < hit.score <= 1
    assert hit.lower <= hit.expected <= hit.upper


def test_warmup_and_minimum_excess() -> None:
    config = DetectorConfig(warmup=120, min_excess=10)
    early = [2.0] * 60 + [50.0] * 5 + [2.0] * 100
    assert not any(o.alert for o in score_series(minutes(len(early)), early, config))
    tiny = [0.0] * 300 + [6.0] + [0.0] * 10  # surprising, but only 6 mentions
    assert not any(o.alert for o in score_series(minutes(len(tiny)), tiny, config))


def test_one_alert_per_episode_and_the_cooldown_rearms() -> None:
    # a long surge is one episode, however long it lasts
    values = [10.0] * 300 + [60.0] * 200 + [10.0] * 100
    assert sum(o.alert for o in score_series(minutes(len(values)), values, DetectorConfig(cooldown=5))) == 1
    # two surges two hours apart: two alerts with a short cool-down, one with a long one
    values = [10.0] * 300 + [60.0] * 5 + [10.0] * 120 + [60.0] * 5 + [10.0] * 100
    short = score_series(minutes(len(values)), values, DetectorConfig(cooldown=5))
    long = score_series(minutes(len(values)), values, DetectorConfig(cooldown=180))
    assert [i for i, o in enumerate(short) if o.alert] == [300, 425]
    assert [i for i, o in enumerate(long) if o.alert] == [300]


def test_baseline_is_not_dragged_up_by_a_crisis_but_follows_a_lasting_change() -> None:
    config = DetectorConfig(rebaseline_minutes=120)
    values = poisson_stream(400, 10.0, seed=9) + [40.0] * 400
    detector = StreamDetector(config)
    expected = [detector.update(t, v).expected for t, v in zip(minutes(len(values)), values, strict=True)]
    assert expected[440] < 15  # 40 minutes into the surge: still the old normal
    assert expected[-1] > 30  # hours later: the new normal


@pytest.mark.parametrize("sensitivity", list(Sensitivity))
def test_higher_sensitivity_never_alerts_later(sensitivity: Sensitivity) -> None:
    values = poisson_stream(600, 8.0, seed=2)
    for i in range(450, 520):
        values[i] += (i - 450) * 0.6  # a slow build-up
    first = {}
    for level in Sensitivity:
        obs = score_series(minutes(len(values)), values, DetectorConfig(sensitivity=level))
        first[level] = next((i for i, o in enumerate(obs) if o.alert), 10_000)
    assert first[Sensitivity.high] <= first[Sensitivity.medium] <= first[Sensitivity.low]


def test_continuous_series_use_a_two_sided_robust_score() -> None:
    rnd = random.Random(3)
    values = [50 + rnd.gauss(0, 1) for _ in range(500)]
    values[400] = 20.0  # a drop
    obs = score_series(minutes(500), values, DetectorConfig(direction="both", persistence=1))
    assert obs[400].alert
    assert not any(o.alert for o in obs[:399])
