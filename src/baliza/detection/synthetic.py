"""Synthetic per-minute mention counts with known crises, and a bench that scores a detector on them.

The traffic model, for one series of mentions (say, negative mentions of one brand):

* **Seasonality.** A smooth daily curve: lowest around 05:00 at ``1 - daily_amplitude`` times the
  daily mean, a mid-day peak around 13:00 and a higher evening peak around 21:00. Saturdays and
  Sundays are scaled by ``weekly_weekend_factor``. The curve is normalised so that
  ``base_per_minute`` is the mean over a whole week. Times of day are read in ``start``'s timezone.
* **Overdispersion.** Each minute's rate is multiplied by an independent gamma draw with mean 1 and
  variance ``dispersion``, so counts are negative binomial: variance ``mu + dispersion * mu**2``.
  Real mention streams are burstier than Poisson; a detector tuned on Poisson noise cries wolf.
* **Counts.** Poisson draws of that rate (:func:`sample_poisson`, exact at every mean).

A :class:`Crisis` adds ``(multiplier - 1)`` times the *expected* baseline of each minute it covers
(Poisson-drawn, ramped linearly for a gradual one), so a 3x crisis triples the seasonal level.

:func:`run_detection_bench` runs any causal detector, given as ``detect(times, values) -> alerts``,
over long stretches of normal traffic (false alerts per simulated week) and over each crisis of
each :class:`Scenario` (detected or missed, minutes from onset to the first alert). To bench the
streaming detector::

    from baliza.detection.detectors import score_series

    result = run_detection_bench(lambda t, v: [o.alert for o in score_series(t, v)])

Everything is deterministic for a given seed (:class:`random.Random` seeded from strings, which
hash the same in every process).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import operator
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Literal

__all__ = [
    "BASELINE_PER_MINUTE",
    "DEFAULT_START",
    "MINUTES_PER_WEEK",
    "Crisis",
    "CrisisKind",
    "DetectFn",
    "DetectionBenchResult",
    "Scenario",
    "ScenarioResult",
    "default_scenarios",
    "expected_traffic",
    "inject",
    "normal_traffic",
    "run_detection_bench",
    "sample_poisson",
]

CrisisKind = Literal["sudden", "gradual"]
DetectFn = Callable[[Sequence[datetime], Sequence[float]], Sequence[bool]]
"""A detector under test: per-minute times and counts in, one "a new alert fires here" flag per minute out."""

MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
DEFAULT_START = datetime(2026, 11, 2, tzinfo=UTC)
"""A Monday, 00:00 UTC."""
BASELINE_PER_MINUTE = 20.0
"""The headline case: a baseline of 20 negative mentions per minute."""
SCENARIO_WEEK = datetime(2026, 11, 16, tzinfo=UTC)
"""Monday of the week in which :func:`default_scenarios` places its crises."""

# Daily shape: two von Mises bumps (periodic Gaussians) on a 24-hour circle; (peak hour, height, concentration).
_DAY_BUMPS = ((13.0, 0.9, 2.0), (21.0, 1.0, 2.5))
_MINUTE = timedelta(minutes=1)
_PTRS_MIN_MEAN = 10.0  # PTRS is valid from a mean of 10; below it, inversion is fast and exact


# --- Traffic -------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _week_profile(daily_amplitude: float, weekly_weekend_factor: float) -> tuple[float, ...]:
    """Rate multiplier for each minute of the week (Monday 00:00 first); its mean is exactly 1."""
    raw = [
        sum(
            height * math.exp(kappa * (math.cos(2 * math.pi * (m / 60 - peak) / 24) - 1))
            for peak, height, kappa in _DAY_BUMPS
        )
        for m in range(MINUTES_PER_DAY)
    ]
    low, high = min(raw), max(raw)
    shape = [(r - low) / (high - low) for r in raw]  # 0 at the night trough, 1 at the evening peak
    mean_shape = sum(shape) / MINUTES_PER_DAY
    day = [1 - daily_amplitude + daily_amplitude * s / mean_shape for s in shape]  # mean 1, trough 1 - amplitude
    weekday_scale = 7 / (5 + 2 * weekly_weekend_factor)  # so that the weekly mean stays 1
    weekday = [v * weekday_scale for v in day]
    weekend = [v * weekly_weekend_factor for v in weekday]
    return tuple(weekday * 5 + weekend * 2)


def _minute_of_week(at: datetime) -> int:
    return at.weekday() * MINUTES_PER_DAY + at.hour * 60 + at.minute


def _check_shape(start: datetime, daily_amplitude: float, weekly_weekend_factor: float) -> None:
    if start.tzinfo is None:
        raise ValueError(f"start {start.isoformat()} is naive; give a timezone-aware datetime")
    if not 0 <= daily_amplitude < 1:
        raise ValueError(f"daily_amplitude is {daily_amplitude}; it must be in [0, 1)")
    if weekly_weekend_factor <= 0:
        raise ValueError(f"weekly_weekend_factor is {weekly_weekend_factor}; it must be positive")


def expected_traffic(
    minutes: int,
    *,
    base_per_minute: float,
    start: datetime = DEFAULT_START,
    daily_amplitude: float = 0.6,
    weekly_weekend_factor: float = 0.8,
) -> list[float]:
    """The noise-free seasonal mean of :func:`normal_traffic` for each minute from ``start``."""
    _check_shape(start, daily_amplitude, weekly_weekend_factor)
    profile = _week_profile(daily_amplitude, weekly_weekend_factor)
    offset = _minute_of_week(start)
    return [base_per_minute * profile[(offset + i) % MINUTES_PER_WEEK] for i in range(minutes)]


def normal_traffic(
    minutes: int,
    *,
    base_per_minute: float,
    seed: int,
    start: datetime = DEFAULT_START,
    daily_amplitude: float = 0.6,
    weekly_weekend_factor: float = 0.8,
    dispersion: float = 0.1,
) -> list[int]:
    """Seasonal, overdispersed mention counts for ``minutes`` minutes from ``start`` (no crisis)."""
    if dispersion < 0:
        raise ValueError(f"dispersion is {dispersion}; it must be zero or positive")
    means = expected_traffic(
        minutes,
        base_per_minute=base_per_minute,
        start=start,
        daily_amplitude=daily_amplitude,
        weekly_weekend_factor=weekly_weekend_factor,
    )
    rng = random.Random(seed)
    if dispersion == 0:
        return [sample_poisson(rng, mu) for mu in means]
    shape, scale = 1 / dispersion, dispersion  # gamma with mean 1 and variance `dispersion`
    gamma = rng.gammavariate
    return [sample_poisson(rng, mu * gamma(shape, scale)) for mu in means]


def sample_poisson(rng: random.Random, mean: float) -> int:
    """One Poisson draw: inversion below a mean of 10, Hörmann's PTRS (transformed rejection) above."""
    if mean < _PTRS_MIN_MEAN:
        if mean <= 0:
            return 0
        # Inversion by sequential search: one uniform and about `mean` multiplications.
        u = rng.random()
        k = 0
        p = math.exp(-mean)
        cumulative = p
        while u > cumulative:
            k += 1
            p *= mean / k
            cumulative += p
            if p < 1e-300 and k > mean:  # rounding left u above the total: the tail is exhausted
                break
        return k
    return _poisson_ptrs(rng, mean)


def _poisson_ptrs(rng: random.Random, mean: float) -> int:
    # W. Hörmann (1993), "The transformed rejection method for generating Poisson random variables",
    # Insurance: Mathematics and Economics 12(1); constants as published. About 1.1 tries per draw, and
    # most draws are accepted by the cheap squeeze, so the logarithms are only computed when needed.
    b = 0.931 + 2.53 * math.sqrt(mean)
    a = -0.059 + 0.02483 * b
    v_r = 0.9277 - 3.6224 / (b - 2)
    uniform = rng.random
    log_mean = log_inv_alpha = math.nan
    while True:
        u = uniform() - 0.5
        v = uniform()
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + mean + 0.43)
        if us >= 0.07 and v <= v_r:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.isnan(log_mean):
            log_mean = math.log(mean)
            log_inv_alpha = math.log(1.1239 + 1.1328 / (b - 3.4))
        if math.log(v) + log_inv_alpha - math.log(a / (us * us) + b) <= -mean + k * log_mean - math.lgamma(k + 1):
            return k


# --- Crises --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Crisis:
    """Extra mentions on top of normal traffic: ``multiplier`` times the baseline from ``onset_minute``.

    A sudden crisis is at full strength from its first minute; a gradual one ramps up linearly and
    reaches ``multiplier`` after ``ramp_minutes``. Either lasts ``duration_minutes``, ramp included.
    """

    kind: CrisisKind
    multiplier: float
    onset_minute: int
    ramp_minutes: int = 30
    duration_minutes: int = 120

    def __post_init__(self) -> None:
        if self.kind not in ("sudden", "gradual"):
            raise ValueError(f"crisis kind is {self.kind!r}; it must be 'sudden' or 'gradual'")
        if self.multiplier < 1:
            raise ValueError(f"crisis multiplier is {self.multiplier}; it must be at least 1")
        if self.onset_minute < 0:
            raise ValueError(f"crisis onset_minute is {self.onset_minute}; it must be zero or positive")
        if self.duration_minutes < 1:
            raise ValueError(f"crisis duration_minutes is {self.duration_minutes}; it must be at least 1")
        if self.kind == "gradual" and self.ramp_minutes < 1:
            raise ValueError(f"gradual crisis ramp_minutes is {self.ramp_minutes}; it must be at least 1")

    @property
    def end_minute(self) -> int:
        """First minute after the crisis."""
        return self.onset_minute + self.duration_minutes

    def strength(self, minute: int) -> float:
        """Share of the full extra ``(multiplier - 1) * baseline`` at ``minute`` (0 outside the crisis)."""
        if not self.onset_minute <= minute < self.end_minute:
            return 0.0
        if self.kind == "sudden":
            return 1.0
        return min(1.0, (minute - self.onset_minute + 1) / self.ramp_minutes)


def inject(
    counts: Sequence[int],
    crisis: Crisis,
    *,
    seed: int,
    expected: Sequence[float] | None = None,
) -> list[int]:
    """``counts`` plus the crisis's extra mentions: Poisson draws of ``(multiplier - 1)`` x the baseline.

    ``expected`` is the baseline per minute (:func:`expected_traffic` with the arguments that made
    ``counts``). Without it, the baseline is estimated as the centred 61-minute mean of ``counts``.
    """
    if expected is not None and len(expected) != len(counts):
        raise ValueError(f"expected has {len(expected)} values but counts has {len(counts)}")
    out = list(counts)
    rng = random.Random(seed)
    extra = crisis.multiplier - 1
    for minute in range(crisis.onset_minute, min(crisis.end_minute, len(out))):
        baseline = expected[minute] if expected is not None else _local_mean(counts, minute, 30)
        out[minute] += sample_poisson(rng, extra * crisis.strength(minute) * baseline)
    return out


def _local_mean(counts: Sequence[int], minute: int, half_width: int) -> float:
    window = counts[max(0, minute - half_width) : minute + half_width + 1]
    return sum(window) / len(window)


# --- Scenarios -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scenario:
    """One kind of crisis (sudden or gradual, one multiplier) placed at several times of the week."""

    name: str
    kind: CrisisKind
    multiplier: float
    onsets: tuple[datetime, ...]
    duration_minutes: int = 120
    ramp_minutes: int = 30

    def crisis(self, onset_minute: int) -> Crisis:
        """This scenario's crisis, starting ``onset_minute`` minutes into a generated series."""
        return Crisis(
            kind=self.kind,
            multiplier=self.multiplier,
            onset_minute=onset_minute,
            ramp_minutes=self.ramp_minutes,
            duration_minutes=self.duration_minutes,
        )


def default_scenarios(*, crises_per_scenario: int = 20, seed: int = 7) -> tuple[Scenario, ...]:
    """Sudden and gradual crises of 2x, 3x and 10x, each at ``crises_per_scenario`` times of the week.

    The onsets spread evenly over one week (stratified, with a random minute inside each slot), so
    every scenario meets nights, mid-days, evenings and weekends; all scenarios share the same onsets
    so they differ only in the crisis itself.
    """
    if crises_per_scenario < 1:
        raise ValueError(f"crises_per_scenario is {crises_per_scenario}; it must be at least 1")
    rng = random.Random(f"baliza-scenarios:{seed}")
    slot = MINUTES_PER_WEEK / crises_per_scenario
    onsets = tuple(
        SCENARIO_WEEK + timedelta(minutes=int((i + rng.random()) * slot)) for i in range(crises_per_scenario)
    )
    kinds: tuple[CrisisKind, ...] = ("sudden", "gradual")
    return tuple(
        Scenario(name=f"{kind} x{multiplier:g}", kind=kind, multiplier=multiplier, onsets=onsets)
        for kind in kinds
        for multiplier in (2.0, 3.0, 10.0)
    )


# --- Bench ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """How a detector did on one scenario."""

    name: str
    kind: CrisisKind
    multiplier: float
    total: int
    delays: tuple[int, ...]  # minutes from onset to the first alert, one per detected crisis, in onset order
    false_alerts_before_onset: int = 0

    @property
    def detected(self) -> int:
        """Crises with an alert within their duration."""
        return len(self.delays)

    @property
    def missed(self) -> int:
        """Crises with no alert within their duration."""
        return self.total - self.detected

    @property
    def median_delay(self) -> float | None:
        """Median minutes from onset to first alert over detected crises (None if none was detected)."""
        return _quantile(self.delays, 0.5)

    @property
    def p90_delay(self) -> float | None:
        """90th percentile (linear interpolation) of the delays of detected crises."""
        return _quantile(self.delays, 0.9)


@dataclass(frozen=True, slots=True)
class DetectionBenchResult:
    """Per-scenario detection results plus the false alerts seen on normal traffic."""

    scenarios: tuple[ScenarioResult, ...]
    false_alerts: int  # after warm-up: on the normal-traffic run plus before each crisis onset
    normal_minutes: int  # minutes of normal traffic scored for false alerts (the exposure)
    seconds: float = field(default=0.0, compare=False)

    @property
    def false_alerts_per_week(self) -> float:
        """False alerts per simulated week of normal traffic."""
        return self.false_alerts / (self.normal_minutes / MINUTES_PER_WEEK) if self.normal_minutes else 0.0

    @property
    def headline_median_delay(self) -> float | None:
        """Median delay on the headline case, a sudden 3x surge (None if absent or never detected)."""
        for scenario in self.scenarios:
            if scenario.kind == "sudden" and scenario.multiplier == 3:
                return scenario.median_delay
        return None

    def headline(self) -> dict[str, float | None]:
        """The two numbers to quote: median delay on a sudden 3x surge and false alerts per week."""
        return {
            "median_delay_sudden_x3_min": self.headline_median_delay,
            "false_alerts_per_week": self.false_alerts_per_week,
        }

    def rows(self) -> list[dict[str, object]]:
        """One plain dict per scenario, ready to print as a table."""
        return [
            {
                "scenario": s.name,
                "kind": s.kind,
                "multiplier": s.multiplier,
                "detected": s.detected,
                "total": s.total,
                "median_delay_min": _rounded(s.median_delay),
                "p90_delay_min": _rounded(s.p90_delay),
                "false_alerts_before_onset": s.false_alerts_before_onset,
            }
            for s in self.scenarios
        ]


def run_detection_bench(
    detect: DetectFn,
    *,
    scenarios: Sequence[Scenario] | None = None,
    normal_weeks: int = 4,
    warmup_days: int = 7,
    lead_minutes: int = MINUTES_PER_DAY,
    base_per_minute: float = BASELINE_PER_MINUTE,
    seed: int = 11,
    progress: Callable[[str], None] | None = None,
) -> DetectionBenchResult:
    """Score ``detect`` on normal traffic (false alerts per week) and on each crisis (delay or miss).

    * Normal run: ``warmup_days`` plus ``normal_weeks`` weeks from :data:`DEFAULT_START`; alerts
      after the warm-up are false alerts.
    * Crisis runs: each series starts ``warmup_days`` days plus ``lead_minutes`` before the onset
      and ends with the crisis. Alerts during the lead (after the warm-up, before the onset) are
      false alerts too, and the lead adds to the exposure. The first alert at or after the onset and
      before the crisis ends detects it; a crisis with none is missed.

    Each crisis run gets its own traffic seed, derived from ``seed``, the scenario's name and the crisis
    index, so running one scenario alone gives the same numbers as running it among others.
    """
    if normal_weeks < 0 or warmup_days < 0 or lead_minutes < 0:
        raise ValueError(
            f"normal_weeks ({normal_weeks}), warmup_days ({warmup_days}) and lead_minutes ({lead_minutes})"
            " must be zero or positive"
        )
    began = time.perf_counter()
    chosen = default_scenarios() if scenarios is None else tuple(scenarios)
    warmup = warmup_days * MINUTES_PER_DAY
    report = progress or (lambda _message: None)

    normal_minutes = normal_weeks * MINUTES_PER_WEEK
    false_alerts = 0
    if normal_minutes:
        n = warmup + normal_minutes
        counts = normal_traffic(n, base_per_minute=base_per_minute, seed=_derive(seed, "normal"), start=DEFAULT_START)
        alerts = _run(detect, DEFAULT_START, counts, "normal traffic")
        false_alerts = sum(1 for flag in alerts[warmup:] if flag)
        report(f"normal traffic: {normal_weeks} weeks after {warmup_days} days of warm-up, {false_alerts} false alerts")

    results = []
    onset_minute = warmup + lead_minutes
    for scenario in chosen:
        crisis = scenario.crisis(onset_minute)
        delays: list[int] = []
        before_onset = 0
        for c_index, onset_at in enumerate(scenario.onsets):
            start = onset_at - timedelta(minutes=onset_minute)
            n = crisis.end_minute
            counts = normal_traffic(
                n, base_per_minute=base_per_minute, seed=_derive(seed, "crisis", scenario.name, c_index), start=start
            )
            expected = expected_traffic(n, base_per_minute=base_per_minute, start=start)
            values = inject(counts, crisis, seed=_derive(seed, "inject", scenario.name, c_index), expected=expected)
            alerts = _run(detect, start, values, f"{scenario.name}, crisis {c_index + 1}")
            before_onset += sum(1 for flag in alerts[warmup:onset_minute] if flag)
            first = next((m for m in range(onset_minute, n) if alerts[m]), None)
            if first is not None:
                delays.append(first - onset_minute)
        false_alerts += before_onset
        normal_minutes += lead_minutes * len(scenario.onsets)
        result = ScenarioResult(
            name=scenario.name,
            kind=scenario.kind,
            multiplier=scenario.multiplier,
            total=len(scenario.onsets),
            delays=tuple(delays),
            false_alerts_before_onset=before_onset,
        )
        results.append(result)
        report(f"{scenario.name}: {result.detected}/{result.total} detected, median delay {result.median_delay}")

    return DetectionBenchResult(
        scenarios=tuple(results),
        false_alerts=false_alerts,
        normal_minutes=normal_minutes,
        seconds=time.perf_counter() - began,
    )


def _run(detect: DetectFn, start: datetime, values: list[int], what: str) -> list[bool]:
    if not values:
        return []
    times = list(itertools.accumulate(itertools.repeat(_MINUTE, len(values) - 1), operator.add, initial=start))
    alerts = [bool(flag) for flag in detect(times, values)]
    if len(alerts) != len(values):
        raise ValueError(f"detector returned {len(alerts)} flags for {len(values)} minutes ({what})")
    return alerts


def _derive(seed: int, *parts: object) -> int:
    """A 64-bit seed from ``seed`` and a path, stable across processes (unlike ``hash``)."""
    text = ":".join(str(p) for p in (seed, *parts))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _quantile(values: Sequence[int], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
