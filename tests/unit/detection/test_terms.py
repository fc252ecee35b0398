"""Emerging terms: a new hashtag alerts once; steady vocabulary never does."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from baliza.detection.terms import EmergingTermDetector, TermConfig

T0 = datetime(2026, 11, 2, tzinfo=UTC)
VOCABULARY = ["acme", "pedido", "gracias", "oferta", "tienda", "envio", "madrid", "fruta", "precio", "app"]


def chatter(rnd: random.Random, n: int) -> list[list[str]]:
    return [rnd.sample(VOCABULARY, 3) for _ in range(n)]


def test_steady_vocabulary_raises_nothing() -> None:
    rnd = random.Random(1)
    detector = EmergingTermDetector(TermConfig(warmup=120, history=600))
    alerts = [a for i in range(1500) for a in detector.update(T0 + timedelta(minutes=i), chatter(rnd, 5))]
    assert alerts == []


def test_a_new_hashtag_alerts_once_with_its_numbers() -> None:
    rnd = random.Random(2)
    detector = EmergingTermDetector(TermConfig(warmup=120, history=600, quiet_hours=6))
    found = []
    for i in range(900):
        mentions = chatter(rnd, 5)
        if i >= 700:
            mentions += [["#acmenollega", "pedido"]] * 3  # three posts a minute with the new tag
        found += detector.update(T0 + timedelta(minutes=i), mentions)
    assert [a.term for a in found] == ["#acmenollega"]
    [alert] = found
    assert alert.at <= T0 + timedelta(minutes=703)
    assert alert.count >= 8 and alert.expected <= 0.2


def test_nothing_during_warmup_and_below_the_minimum() -> None:
    detector = EmergingTermDetector(TermConfig(warmup=100, history=600, min_mentions=8))
    early = [detector.update(T0 + timedelta(minutes=i), [["#nuevo"]] * 5) for i in range(50)]
    assert not any(early)
    late = EmergingTermDetector(TermConfig(warmup=10, history=600, min_mentions=8))
    quiet = [late.update(T0 + timedelta(minutes=i), [["acme"]]) for i in range(200)]
    rare = late.update(T0 + timedelta(minutes=200), [["#raro"]] * 3)
    assert not any(quiet) and rare == []


def test_a_volume_surge_of_everyday_words_is_not_an_emerging_term() -> None:
    rnd = random.Random(3)
    detector = EmergingTermDetector(TermConfig(warmup=120, history=600))
    found = []
    for i in range(900):
        found += detector.update(T0 + timedelta(minutes=i), chatter(rnd, 25 if i >= 700 else 5))
    assert found == []
