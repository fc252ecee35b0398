"""Emerging terms: a word or hashtag that suddenly appears in a workspace's mentions.

Per minute we count, for every term, the mentions that contain it. A term alerts when the number of
mentions containing it over the last ``window`` minutes is far above what its *share* of mentions over
the previous day predicts for that many mentions (the same count-aware tail as the volume detector,
with generous overdispersion because words come in bursts), with a minimum number of mentions, after a
warm-up, and at most once per ``quiet_hours``. Using the share, not the raw count, keeps a volume surge
from making every everyday word "emerging": the brand's own name rises with the volume, a brand-new
hashtag such as #AcmeNoLlega rises out of nowhere.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from baliza.detection.detectors import THRESHOLDS, Sensitivity, count_surprise


@dataclass(frozen=True, slots=True)
class TermConfig:
    sensitivity: Sensitivity = Sensitivity.medium
    window: int = 15  # minutes
    history: int = 24 * 60  # minutes of baseline
    warmup: int = 6 * 60  # minutes of history before any alert
    min_mentions: int = 8
    quiet_hours: int = 6  # a term alerts at most once in this many hours
    dispersion: float = 0.5


@dataclass(frozen=True, slots=True)
class TermAlert:
    term: str
    at: datetime
    count: int  # mentions with the term in the window
    expected: float
    surprise: float


@dataclass
class EmergingTermDetector:
    """Feed it one minute at a time with the term sets of that minute's mentions."""

    config: TermConfig = field(default_factory=TermConfig)
    _minutes: deque[Counter[str]] = field(default_factory=deque)
    _sizes: deque[int] = field(default_factory=deque)  # mentions per minute
    _size_total: int = 0
    _totals: Counter[str] = field(default_factory=Counter)  # over the whole kept history
    _seen: int = 0
    _last_alert: dict[str, datetime] = field(default_factory=dict)

    def update(self, at: datetime, mentions: Iterable[Iterable[str]]) -> list[TermAlert]:
        """Add one minute (each mention given as its set of terms); return the terms that alert now.

        Give each distinct text once: copies and reposts are one voice (the live runner does this).
        """
        config = self.config
        minute: Counter[str] = Counter()
        size = 0
        for terms in mentions:
            minute.update(set(terms))
            size += 1
        self._minutes.append(minute)
        self._sizes.append(size)
        self._size_total += size
        self._totals.update(minute)
        if len(self._minutes) > config.history + config.window:
            old = self._minutes.popleft()
            self._size_total -= self._sizes.popleft()
            self._totals.subtract(old)
            for term in [t for t, c in old.items() if self._totals[t] <= 0]:
                del self._totals[term]
        self._seen += 1
        # Judge nothing before there is a baseline several windows long.
        if self._seen < max(config.warmup, 4 * config.window):
            return []
        recent: Counter[str] = Counter()
        for counts in list(self._minutes)[-config.window :]:
            recent.update(counts)
        recent_size = sum(list(self._sizes)[-config.window :])
        baseline_size = self._size_total - recent_size
        threshold = THRESHOLDS[Sensitivity(config.sensitivity)]
        alerts = []
        for term, count in recent.items():
            if count < config.min_mentions or term not in minute:
                continue
            last = self._last_alert.get(term)
            if last is not None and at - last < timedelta(hours=config.quiet_hours):
                continue
            before = self._totals[term] - count
            share = (before + 0.1) / (baseline_size + 1)  # smoothed share of mentions with the term
            expected = max(share * recent_size, 0.1)
            surprise = count_surprise(count, expected, config.dispersion)
            if surprise >= threshold:
                self._last_alert[term] = at
                alerts.append(TermAlert(term=term, at=at, count=count, expected=expected, surprise=surprise))
        alerts.sort(key=lambda a: a.surprise, reverse=True)
        return alerts


__all__ = ["EmergingTermDetector", "TermAlert", "TermConfig"]
