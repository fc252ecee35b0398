"""Negative share: is a larger part of the conversation negative than usual?

Volume can stay flat while its tone turns; the share detector watches k negative mentions out of n
over the last 15 and 60 minutes against the share learnt from the past (decayed over about a day,
frozen while an anomaly is on). The surprise is the upper tail of k under that share (the same
count-aware tail as the volume detector), and the alert rules mirror it: a minimum of mentions and of
excess negatives, two steps in a row or one very surprising step, one alert per episode.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from baliza.detection.detectors import MAX_SURPRISE, THRESHOLDS, AlertGate, Sensitivity, count_surprise

SHARE_WINDOWS = (15, 60)


@dataclass(frozen=True, slots=True)
class ShareConfig:
    sensitivity: Sensitivity = Sensitivity.medium
    min_total: int = 20  # mentions in the window
    min_excess: float = 8.0  # negatives above what the usual share predicts
    persistence: int = 2
    strong_margin: float = 4.0
    cooldown: int = 60
    warmup: int = 240
    half_life: int = 24 * 60  # minutes


@dataclass(frozen=True, slots=True)
class ShareObservation:
    score: float
    alert: bool
    expected_share: float
    observed_share: float
    part: float  # negatives in the most surprising window
    total: float
    expected_part: float
    window: int
    surprise: float
    anomalous: bool


@dataclass
class ShareDetector:
    config: ShareConfig = field(default_factory=ShareConfig)
    _part: float = 0.0  # decayed sums of the past
    _total: float = 0.0
    _recent: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=max(SHARE_WINDOWS)))
    _steps: int = 0

    def __post_init__(self) -> None:
        config = self.config
        self._gate = AlertGate(config.persistence, config.strong_margin, config.cooldown)

    @property
    def usual_share(self) -> float:
        return (self._part + 1.0) / (self._total + 4.0)  # smoothed towards 25 % until data arrives

    def update(self, at: datetime, part: float, total: float) -> ShareObservation:
        """One minute: ``part`` negative mentions out of ``total``."""
        config = self.config
        share = self.usual_share
        self._recent.append((part, total))
        best = (0.0, 1, part, total, share * total)
        excess_ok = False
        recent = list(self._recent)
        for w in SHARE_WINDOWS:
            if w > len(recent):
                break
            k = sum(p for p, _t in recent[-w:])
            n = sum(t for _p, t in recent[-w:])
            expected = share * n
            s = count_surprise(k, expected, 0.01)  # a little extra-binomial noise (reposts come in bursts)
            if s > best[0]:
                best = (s, w, k, n, expected)
                excess_ok = n >= config.min_total and k - expected >= config.min_excess
        surprise, window, k, n, expected = best
        threshold = THRESHOLDS[Sensitivity(config.sensitivity)]
        over = self._steps >= config.warmup and excess_ok and surprise >= threshold
        alert = self._gate.step(over, surprise, threshold)
        if not over:  # a turn for the worse in progress teaches the usual share nothing
            decay = 0.5 ** (1.0 / config.half_life)
            self._part = self._part * decay + part
            self._total = self._total * decay + total
        self._steps += 1
        return ShareObservation(
            score=min(surprise / MAX_SURPRISE, 1.0),
            alert=alert,
            expected_share=share,
            observed_share=(k / n) if n else 0.0,
            part=k,
            total=n,
            expected_part=expected,
            window=window,
            surprise=surprise,
            anomalous=over,
        )


__all__ = ["SHARE_WINDOWS", "ShareConfig", "ShareDetector", "ShareObservation"]
