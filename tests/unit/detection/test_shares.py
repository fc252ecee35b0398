"""Negative share: a turn in tone alerts even when volume stays flat; noise does not."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from baliza.detection.shares import ShareConfig, ShareDetector

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def run(shares: list[float], total: int = 20, seed: int = 1, config: ShareConfig | None = None) -> list[int]:
    rnd = random.Random(seed)
    detector = ShareDetector(config or ShareConfig())
    alerts = []
    for i, share in enumerate(shares):
        part = sum(rnd.random() < share for _ in range(total))
        if detector.update(T0 + timedelta(minutes=i), part, total).alert:
            alerts.append(i)
    return alerts


def test_steady_tone_raises_nothing() -> None:
    assert run([0.15] * 3000) == []


def test_a_turn_for_the_worse_at_flat_volume_alerts_once() -> None:
    alerts = run([0.15] * 1500 + [0.45] * 300 + [0.15] * 300)
    assert len(alerts) == 1 and 1500 <= alerts[0] <= 1520


def test_small_volumes_and_warmup_stay_quiet() -> None:
    assert run([0.15] * 100 + [0.9] * 50) == []  # inside the warm-up
    assert run([0.15] * 1000 + [0.9] * 20, total=1) == []  # too few mentions to say anything


def test_the_usual_share_is_learnt_and_not_dragged_by_the_turn() -> None:
    detector = ShareDetector(ShareConfig())
    for i in range(2000):
        detector.update(T0 + timedelta(minutes=i), 3, 20)
    learnt = detector.usual_share
    for i in range(2000, 2120):
        detector.update(T0 + timedelta(minutes=i), 12, 20)
    assert abs(learnt - 0.15) < 0.01
    assert abs(detector.usual_share - learnt) < 0.01
