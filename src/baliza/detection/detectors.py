"""Streaming anomaly detection on per-interval series (pure maths, no I/O).

One ``StreamDetector`` per series (a workspace's total volume, negative volume, one platform...).
Each step it sees one value and answers, using only the past:

- **Expected value** from a robust seasonal baseline: a mean per hour of the day, split weekdays
  and weekends, learnt over about five days, times a short-term level ratio. Values above the
  alert band are clipped before they update the baseline, so a crisis does not drag its own
  baseline up; once an anomaly has lasted ``rebaseline_minutes`` the clipping stops and the
  baseline follows the new level (a lasting change is a new normal, not a crisis forever).
- **Count-aware tails**: for counts, the surprise of the observed sum over 1, 5, 15 and 60 steps
  is its upper-tail probability under a negative binomial (Poisson plus the overdispersion measured
  on the series): an exact Poisson tail for small expectations, a variance-stabilised normal
  approximation for large ones — never a Gaussian on small counts. Continuous series (CPU load,
  shares) use a robust z-score on the same windows.
- **Alert rules**: the score must pass the sensitivity's threshold with a minimum excess volume,
  either for ``persistence`` consecutive steps or once by a wide margin; after an alert there is a
  cool-down.

``score`` in [0, 1] is the surprise rescaled (-log10 p / 12, capped), so the same number means the
same thing on every series.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

WINDOWS = (1, 5, 15, 60)
MAX_SURPRISE = 12.0  # -log10 p at which the score saturates at 1


class Sensitivity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


# -log10(p) an observation must reach to alert. Medium gives < 1 false alert a week on
# seasonal negative-binomial traffic (see docs/benchmarks.md, `baliza bench detection`).
THRESHOLDS = {Sensitivity.low: 9.0, Sensitivity.medium: 7.0, Sensitivity.high: 5.0}


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """How eager a detector is. One setting serves every series of a kind."""

    sensitivity: Sensitivity = Sensitivity.medium
    min_excess: float = 10.0  # observed minus expected (over the window) needed to alert, for counts
    persistence: int = 2  # consecutive steps over the threshold...
    strong_margin: float = 4.0  # ...or one step this far (in -log10 p) over it
    cooldown: int = 60  # steps without a new alert after one
    warmup: int = 60  # steps of history before any alert
    rebaseline_minutes: int = 360  # an anomaly this long becomes the new normal
    counts: bool | None = None  # None: decide from the data (non-negative integers = counts)
    direction: str = "up"  # "up" (spikes only) or "both" (also drops; continuous series)

    @property
    def threshold(self) -> float:
        return THRESHOLDS[Sensitivity(self.sensitivity)]


@dataclass(frozen=True, slots=True)
class Observation:
    """What the detector made of one step."""

    score: float  # surprise rescaled to [0, 1]
    alert: bool  # a new alert starts at this step
    expected: float  # expected value for this step
    lower: float  # band that a normal value stays within (p ~ 1e-3 each side)
    upper: float
    surprise: float = 0.0  # -log10 p of the most surprising window
    window: int = 1  # steps in that window
    observed_window: float = 0.0
    expected_window: float = 0.0
    anomalous: bool = False  # over the threshold at this step (alerting or not)


# --- tails ---------------------------------------------------------------------------------


def poisson_sf(k: float, mu: float) -> float:
    """P(X >= k) for X ~ Poisson(mu), exact for the small means where it matters."""
    if k <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    k_int = math.ceil(k)
    # Sum the upper tail from k while terms matter; start from the pmf at k in log space.
    log_term = -mu + k_int * math.log(mu) - math.lgamma(k_int + 1)
    total = 0.0
    term = math.exp(log_term)
    i = k_int
    while term > 1e-300 and (term > total * 1e-12 or i < mu):
        total += term
        i += 1
        term *= mu / i
        if i - k_int > 10_000:
            break
    return min(1.0, total)


def normal_sf(z: float) -> float:
    """Upper tail of the standard normal."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def count_surprise(observed: float, expected: float, dispersion: float) -> float:
    """-log10 P(X >= observed) for a count with mean ``expected`` and NB dispersion ``dispersion``.

    Variance is expected + dispersion * expected². Small means: exact Poisson on an equivalent
    mean (variance matched by shrinking the count); large means: normal on the Anscombe scale.
    """
    if observed <= expected:
        return 0.0
    expected = max(expected, 0.05)
    inflation = 1.0 + dispersion * expected  # variance / mean
    if expected < 30:
        # Scale both to a Poisson with the same variance-to-mean ratio (a standard NB shortcut).
        p = poisson_sf(observed / inflation, expected / inflation)
    else:
        z = 2.0 * (math.sqrt(observed + 0.375) - math.sqrt(expected + 0.375)) / math.sqrt(inflation)
        p = normal_sf(z)
    return -math.log10(max(p, 1e-300))


def gaussian_surprise(deviation: float, scale: float, direction: str) -> float:
    """-log10 of the tail probability of a robust z-score (one- or two-sided)."""
    if scale <= 0:
        return 0.0
    z = deviation / scale
    if direction == "both":
        p = 2.0 * normal_sf(abs(z))
    elif z <= 0:
        return 0.0
    else:
        p = normal_sf(z)
    return -math.log10(max(min(p, 1.0), 1e-300))


# --- alert rules ---------------------------------------------------------------------------


@dataclass
class AlertGate:
    """When an anomalous step becomes an alert: ``persistence`` steps in a row, or one step
    ``strong_margin`` over the threshold; then one alert per episode — the gate re-arms only after
    ``cooldown`` normal steps in a row."""

    persistence: int
    strong_margin: float
    cooldown: int
    _over: int = 0
    _cooldown: int = 0

    def step(self, over: bool, surprise: float, threshold: float) -> bool:
        """Feed one step (over the threshold or not); True when an alert starts here."""
        self._over = self._over + 1 if over else 0
        if self._cooldown > 0:
            self._cooldown = self.cooldown if over else self._cooldown - 1
            return False
        if over and (self._over >= self.persistence or surprise >= threshold + self.strong_margin):
            self._cooldown = self.cooldown
            return True
        return False


# --- the detector --------------------------------------------------------------------------


def _bucket(at: datetime) -> int:
    """Hour of the day, weekdays and weekends apart."""
    return at.hour + (24 if at.weekday() >= 5 else 0)


@dataclass
class StreamDetector:
    """Causal detector for one series; feed it with :meth:`update`, one step at a time."""

    config: DetectorConfig = field(default_factory=DetectorConfig)
    _bucket_mean: list[float] = field(default_factory=lambda: [0.0] * 48)
    _bucket_n: list[int] = field(default_factory=lambda: [0] * 48)
    _level: float = 0.0  # short-term EWMA of (clipped) values
    _level_base: float = 0.0  # the same EWMA of the seasonal expectation
    _steps: int = 0
    # Running totals of (observed, expected), the last max(WINDOWS) + 1 of them: window sums in O(1).
    _cum: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=max(WINDOWS) + 1))
    _sq_resid: float = 0.0  # EWMA of squared residuals (count dispersion / continuous scale)
    _abs_resid: float = 0.0
    _anomalous_for: int = 0
    _counts: bool | None = None

    def __post_init__(self) -> None:
        config = self.config
        self._gate = AlertGate(config.persistence, config.strong_margin, config.cooldown)

    def _seasonal(self, bucket: int) -> float | None:
        n = self._bucket_n[bucket]
        return self._bucket_mean[bucket] if n >= 30 else None

    def expected_now(self, at: datetime) -> float:
        """The baseline for a step at ``at``, before seeing its value."""
        seasonal = self._seasonal(_bucket(at))
        if seasonal is None:
            return self._level
        ratio = (self._level + 0.5) / (self._level_base + 0.5)
        return max(seasonal * ratio, 0.0)

    def _dispersion(self, expected: float) -> float:
        if self._steps < 30 or expected <= 0:
            return 0.1
        excess = self._sq_resid - max(expected, 0.5)
        return min(max(excess / max(expected, 0.5) ** 2, 0.0), 2.0)

    def _scale(self) -> float:
        # Mean absolute residual, to a normal sigma; never zero (flat lines happen).
        return max(self._abs_resid * 1.2533, 1e-9)

    def update(self, at: datetime, value: float) -> Observation:
        """Score one step (using only the past), then learn from it."""
        config = self.config
        if self._counts is None:
            self._counts = config.counts if config.counts is not None else (value >= 0 and float(value).is_integer())
        elif config.counts is None and self._counts and not (value >= 0 and float(value).is_integer()):
            self._counts = False
        counts = self._counts
        expected = self.expected_now(at)
        if self._steps == 0:
            expected = value  # nothing known yet: no surprise on the first value
        obs_total = (self._cum[-1][0] if self._cum else 0.0) + value
        exp_total = (self._cum[-1][1] if self._cum else 0.0) + expected
        self._cum.append((obs_total, exp_total))

        surprise, best_window, best_obs, best_exp = 0.0, 1, value, expected
        excess_ok = False
        dispersion = self._dispersion(expected)
        scale = self._scale()
        cum = self._cum
        n_cum = len(cum)  # holds up to max(WINDOWS) + 1 running totals
        for w in WINDOWS:
            if w >= n_cum and w > 1:
                break
            before = cum[-1 - w] if w < n_cum else (0.0, 0.0)
            observed_sum = obs_total - before[0]
            expected_sum = exp_total - before[1]
            if counts:
                s = count_surprise(observed_sum, expected_sum, dispersion / w)
                ok = observed_sum - expected_sum >= config.min_excess
            else:
                s = gaussian_surprise(observed_sum - expected_sum, scale * math.sqrt(w), config.direction)
                ok = True
            if s > surprise:
                surprise, best_window, best_obs, best_exp, excess_ok = s, w, observed_sum, expected_sum, ok

        threshold = config.threshold
        warm = self._steps >= config.warmup
        over = warm and excess_ok and surprise >= threshold
        alert = self._gate.step(over, surprise, threshold)
        self._anomalous_for = self._anomalous_for + 1 if over else 0

        band = self._band(expected, dispersion, scale, counts)
        self._learn(at, value, expected, band[1], anomalous=over)
        return Observation(
            score=min(surprise / MAX_SURPRISE, 1.0),
            alert=alert,
            expected=expected,
            lower=band[0],
            upper=band[1],
            surprise=surprise,
            window=best_window,
            observed_window=best_obs,
            expected_window=best_exp,
            anomalous=over,
        )

    def _band(self, expected: float, dispersion: float, scale: float, counts: bool) -> tuple[float, float]:
        if counts:
            sd = math.sqrt(max(expected, 0.5) * (1.0 + dispersion * expected))
            return max(0.0, expected - 3.1 * sd), expected + 3.1 * sd
        return expected - 3.1 * scale, expected + 3.1 * scale

    def _learn(self, at: datetime, value: float, expected: float, upper: float, *, anomalous: bool) -> None:
        rebaseline = self._anomalous_for >= self.config.rebaseline_minutes
        if anomalous and not rebaseline:
            # A crisis in progress teaches the baseline nothing (until it lasts long enough to be
            # the new normal); only the step count moves on.
            self._steps += 1
            return
        # Clip what a crisis adds, unless it has lasted long enough to be the new normal.
        clipped = value if rebaseline or self._steps < self.config.warmup else min(value, max(upper, expected))
        if not self._counts and not rebaseline and self._steps >= self.config.warmup:
            lower = expected - (upper - expected)
            clipped = max(clipped, lower)
        bucket = _bucket(at)
        n = self._bucket_n[bucket] + 1
        self._bucket_n[bucket] = n
        alpha_b = max(1.0 / n, 1.0 / 300.0)  # about five days of one hour-of-day bucket
        self._bucket_mean[bucket] += alpha_b * (clipped - self._bucket_mean[bucket])
        seasonal = self._seasonal(bucket)
        alpha = 1.0 / min(self._steps + 1, 60)
        self._level += alpha * (clipped - self._level)
        self._level_base += alpha * ((seasonal if seasonal is not None else clipped) - self._level_base)
        if self._steps > 0:
            resid = clipped - expected
            beta = 1.0 / min(self._steps + 1, 500)
            self._sq_resid += beta * (resid * resid - self._sq_resid)
            self._abs_resid += beta * (abs(resid) - self._abs_resid)
        self._steps += 1


def score_series(
    times: Sequence[datetime], values: Sequence[float], config: DetectorConfig | None = None
) -> list[Observation]:
    """Run one detector over a whole series, causally (step t sees steps <= t only)."""
    detector = StreamDetector(config or DetectorConfig())
    return [detector.update(at, float(value)) for at, value in zip(times, values, strict=True)]


__all__ = [
    "THRESHOLDS",
    "WINDOWS",
    "AlertGate",
    "DetectorConfig",
    "Observation",
    "Sensitivity",
    "StreamDetector",
    "count_surprise",
    "gaussian_surprise",
    "normal_sf",
    "poisson_sf",
    "score_series",
]
