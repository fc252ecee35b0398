"""The mention generator: deterministic for a seed, volume curves with the right shape, events on time, texts that
our own analyser reads as the crisis they are meant to be."""

from __future__ import annotations

import collections
import functools
import itertools
import re
import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from scenario_samples import base_scenario

from baliza.analysis.fast import analyse
from baliza.core.errors import ValidationError
from baliza.drills.generator import generate, timeline
from baliza.drills.scenario import Scenario, bundled_scenario, expected_per_minute, load_scenario
from baliza.ingest.schemas import MentionIn

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TWO_LANGS = [{"tone": "negative", "es": "Acme no llega, pedido {{ order }}", "en": "Acme order {{ order }} is late"}]


def _scenario(*, bursts: list[dict[str, Any]], duration: str = "40m", per_minute: float = 0, **extra: Any) -> Scenario:
    data = base_scenario()
    data.update(start="T0", duration=duration, bursts=bursts, events=[], availability=[], **extra)
    data["baseline"]["per_minute"] = per_minute
    return Scenario.model_validate(data)


def _per_minute(mentions: list[dict[str, Any]], *, parts: tuple[str, ...] = ("burst", "repost")) -> list[int]:
    counts = collections.Counter(
        int((m["created_at"] - T0).total_seconds() // 60) for m in mentions if m["raw"]["part"] in parts
    )
    return [counts.get(minute, 0) for minute in range(max(counts) + 1)]


@functools.cache
def _delivery() -> tuple[Scenario, datetime, list[dict[str, Any]]]:
    scenario = load_scenario(bundled_scenario("delivery-failure"))
    assert scenario.suggested_t0 is not None
    return scenario, scenario.suggested_t0, generate(scenario, start=scenario.suggested_t0, seed=11)


def _offset(mention: dict[str, Any], t0: datetime) -> timedelta:
    created_at: datetime = mention["created_at"]
    return created_at - t0


# --- determinism and shape of the output -------------------------------------------------------


def test_same_seed_same_mentions() -> None:
    scenario = load_scenario(bundled_scenario("influencer-viral"))
    first = generate(scenario, start=T0, seed=5)
    assert generate(scenario, start=T0, seed=5) == first
    other = generate(scenario, start=T0, seed=6)
    assert other != first
    assert [m["text"] for m in other[:50]] != [m["text"] for m in first[:50]]


def test_every_mention_is_valid_ingest_input() -> None:
    scenario, t0, mentions = _delivery()
    ids = [m["external_id"] for m in mentions]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("drill-delivery-failure-s11-") for i in ids)
    assert [m["created_at"] for m in mentions] == sorted(m["created_at"] for m in mentions)
    for mention in mentions:
        parsed = MentionIn.model_validate(mention)
        assert parsed.created_at.utcoffset() == timedelta(0)
        assert t0 + scenario.start <= parsed.created_at < t0 + scenario.end
        assert mention["raw"]["drill"] == "delivery-failure"
        assert "{{" not in parsed.text and "}}" not in parsed.text


def test_run_goes_into_the_ids() -> None:
    scenario = _scenario(bursts=[], per_minute=5, duration="5m")
    mentions = generate(scenario, start=T0, seed=1, run="r42")
    assert mentions[0]["external_id"] == "drill-sample-r42-000001"


def test_a_naive_start_is_refused() -> None:
    scenario = _scenario(bursts=[], per_minute=5, duration="5m")
    with pytest.raises(ValidationError) as caught:
        generate(scenario, start=datetime(2026, 11, 20, 10, 0), seed=1)  # naive on purpose
    assert caught.value.message == "the drill start needs a time zone, such as 2026-11-20T10:00:00+01:00"


def test_a_scenario_built_in_code_is_checked_before_it_plays() -> None:
    burst = {"at": "T0", "curve": "gradual", "peak_per_minute": 10, "templates": TWO_LANGS}
    scenario = _scenario(bursts=[burst])
    with pytest.raises(ValidationError) as caught:
        generate(scenario, start=T0, seed=1)
    assert caught.value.message == (
        "scenario sample cannot be played: bursts[0].ramp: the gradual curve needs a ramp, such as 10m"
    )


def test_a_start_in_another_zone_is_kept_as_the_same_moment() -> None:
    scenario = _scenario(bursts=[], per_minute=5, duration="5m")
    madrid = datetime.fromisoformat("2026-11-20T10:00:00+01:00")
    assert generate(scenario, start=madrid, seed=3) == generate(scenario, start=T0, seed=3)


# --- baseline ------------------------------------------------------------------------------------


def test_baseline_is_poisson_around_its_rate_with_its_negative_share() -> None:
    scenario = _scenario(bursts=[], per_minute=30, duration="2h")
    mentions = generate(scenario, start=T0, seed=2)
    counts = _per_minute(mentions, parts=("baseline",))
    assert len(counts) == 120
    assert statistics.mean(counts) == pytest.approx(30, rel=0.05)
    # Poisson: the variance is about the mean
    assert statistics.variance(counts) == pytest.approx(30, rel=0.35)
    negative = sum(m["raw"]["tone"] == "negative" for m in mentions) / len(mentions)
    assert negative == pytest.approx(0.2, abs=0.03)
    langs = collections.Counter(m["lang"] for m in mentions)
    assert langs["es"] / len(mentions) == pytest.approx(0.6, abs=0.03)
    platforms = collections.Counter(m["platform"] for m in mentions)
    assert platforms["x"] / len(mentions) == pytest.approx(0.7, abs=0.03)


def test_templates_are_filled_from_variables() -> None:
    scenario = _scenario(bursts=[], per_minute=30, duration="30m")
    texts = {m["text"] for m in generate(scenario, start=T0, seed=4)}
    assert {"Me encanta Acme en Madrid", "Me encanta Acme en Bilbao", "Love Acme in Madrid"} <= texts
    late = [t for t in texts if t.startswith("Acme tarda ")]
    assert late and all(re.fullmatch(r"Acme tarda [1-8] horas", t) for t in late)


def test_authors_come_from_a_pool_with_heavy_tailed_followers() -> None:
    mentions = _delivery()[2]
    crowd = [m["author"] for m in mentions if m["raw"]["part"] != "event"]
    handles = collections.Counter(a["handle"] for a in crowd)
    assert all(re.fullmatch(r"@[a-z]+([._][a-z]+)?(_?\d{1,2})?", h) for h in handles)
    assert len(handles) > 500
    assert handles.most_common(1)[0][1] >= 5  # a few people post a lot
    followers = sorted({a["handle"]: a["followers"] for a in crowd}.values())
    median = statistics.median(followers)
    assert 50 <= median <= 500
    assert followers[-1] > 50 * median
    assert all(a["display_name"] for a in crowd)


# --- curves ------------------------------------------------------------------------------------


def test_sudden_burst_reaches_the_peak_at_once_and_halves_after_its_half_life() -> None:
    burst = {"at": "T0", "curve": "sudden", "peak_per_minute": 600, "half_life": "10m", "templates": TWO_LANGS}
    scenario = _scenario(bursts=[burst])
    counts = _per_minute(generate(scenario, start=T0, seed=8))
    assert max(counts[:2]) >= 0.85 * 600
    halved = next(minute for minute, n in enumerate(counts) if n <= counts[0] / 2)
    assert 7 <= halved <= 13  # half_life 10m, within 30%
    quartered = next(minute for minute, n in enumerate(counts) if n <= counts[0] / 4)
    assert 14 <= quartered <= 26


def test_gradual_burst_ramps_up_linearly_then_holds() -> None:
    burst = {"at": "T+5m", "curve": "gradual", "ramp": "10m", "peak_per_minute": 300, "templates": TWO_LANGS}
    scenario = _scenario(bursts=[burst], duration="30m")
    counts = _per_minute(generate(scenario, start=T0, seed=9))
    assert sum(counts[:5]) == 0
    ramp = counts[5:15]
    for minute, count in enumerate(ramp):
        assert count == pytest.approx(300 * (minute + 0.5) / 10, rel=0.3, abs=10)
    assert sum(a > b for a, b in itertools.pairwise(ramp)) <= 1  # rising, but for noise
    assert statistics.mean(counts[16:30]) == pytest.approx(300, rel=0.1)


def test_gradual_burst_decays_after_the_ramp() -> None:
    burst = {
        "at": "T0", "curve": "gradual", "ramp": "5m", "half_life": "10m", "peak_per_minute": 400,
        "templates": TWO_LANGS,
    }  # fmt: skip
    counts = _per_minute(generate(_scenario(bursts=[burst]), start=T0, seed=10))
    peak = max(range(len(counts)), key=counts.__getitem__)
    assert 3 <= peak <= 6
    assert counts[15] == pytest.approx(counts[5] / 2, rel=0.3)


def test_viral_reposts_point_to_earlier_posts_of_the_same_story() -> None:
    burst = {
        "at": "T0", "curve": "viral", "peak_per_minute": 200, "half_life": "10m", "reposts": 0.5,
        "repost_delay": "1m", "templates": TWO_LANGS,
    }  # fmt: skip
    mentions = generate(_scenario(bursts=[burst], duration="1h"), start=T0, seed=12)
    position = {m["external_id"]: i for i, m in enumerate(mentions)}
    reposts = [m for m in mentions if m["raw"]["part"] == "repost"]
    assert len(reposts) / len(mentions) == pytest.approx(0.5, abs=0.06)
    pointed: collections.Counter[str] = collections.Counter()
    for i, repost in enumerate(mentions):
        if repost["raw"]["part"] != "repost":
            continue
        original = mentions[position[repost["repost_of"]]]
        assert position[repost["repost_of"]] < i
        assert original["created_at"] < repost["created_at"]
        assert original["raw"]["part"] == "burst"
        assert original["text"] in repost["text"]
        assert (original["platform"], original["lang"]) == (repost["platform"], repost["lang"])
        pointed[repost["repost_of"]] += 1
    for mention in mentions:
        assert mention["reposts"] == pointed.get(mention["external_id"], 0)


def test_viral_volume_follows_the_expected_rate() -> None:
    burst = {
        "at": "T+5m", "curve": "viral", "ramp": "5m", "peak_per_minute": 150, "half_life": "15m", "reposts": 0.4,
        "repost_delay": "30s", "templates": TWO_LANGS,
    }  # fmt: skip
    scenario = _scenario(bursts=[burst], duration="45m")
    counts = _per_minute(generate(scenario, start=T0, seed=13))
    expected = [expected_per_minute(scenario, timedelta(minutes=m, seconds=30)) for m in range(len(counts))]
    assert sum(counts) == pytest.approx(sum(expected), rel=0.15)
    assert max(range(len(counts)), key=counts.__getitem__) in range(8, 15)


def test_hashtags_are_added_to_about_their_share_of_posts() -> None:
    burst = {
        "at": "T0", "curve": "sudden", "peak_per_minute": 300, "templates": TWO_LANGS,
        "hashtags": ["#AcmeNoLlega"], "hashtag_share": 0.5,
    }  # fmt: skip
    mentions = generate(_scenario(bursts=[burst], duration="10m"), start=T0, seed=14)
    tagged = sum(m["text"].endswith(" #AcmeNoLlega") for m in mentions)
    assert tagged / len(mentions) == pytest.approx(0.5, abs=0.05)


# --- events ------------------------------------------------------------------------------------


def test_events_happen_at_their_exact_time_with_their_author_and_reposts() -> None:
    scenario, t0, mentions = _delivery()
    events = [m for m in mentions if m["raw"]["part"] == "event"]
    assert [(_offset(m, t0), m["raw"]["kind"]) for m in events] == [
        (timedelta(minutes=6), "influencer_post"),
        (timedelta(minutes=15), "journalist_question"),
        (timedelta(minutes=20), "competitor_post"),
        (timedelta(minutes=35), "news_article"),
    ]
    influencer = events[0]
    assert influencer["author"] == {
        "handle": "@comeconmarta", "display_name": "Marta | Come con Marta", "followers": 250_000, "verified": True,
    }  # fmt: skip
    assert influencer["platform"] == "instagram"
    assert influencer["lang"] == "es"
    assert influencer["text"].startswith("Llevo desde las 9 esperando el pedido de @acmefoods_es")
    echoes = [m for m in mentions if m.get("repost_of") == influencer["external_id"]]
    assert len(echoes) == influencer["reposts"] == scenario.events[0].reposts
    assert all(e["raw"] == {"drill": "delivery-failure", "part": "repost", "tone": "neutral", "event": 0,
                            "kind": "influencer_post"} for e in echoes)  # fmt: skip
    news = events[3]
    assert news["url"] == "https://eldiarioeconomico.example/empresas/acme-foods-fallo-reparto"


def test_timeline_gives_moments_for_a_t0() -> None:
    scenario, t0, _mentions = _delivery()
    entries = timeline(scenario)
    assert entries[0].moment(t0) == t0
    assert entries[1].moment(t0) == t0 + timedelta(minutes=6)


# --- the demo story, read by our own analyser ---------------------------------------------------


def test_delivery_failure_burst_triples_the_negative_volume() -> None:
    _scenario, t0, mentions = _delivery()

    def negative_in(start: timedelta, end: timedelta) -> int:
        window = [m for m in mentions if start <= _offset(m, t0) < end]
        return sum(analyse(m["text"], m["lang"]).sentiment.label == "negative" for m in window)

    def volume_in(start: timedelta, end: timedelta) -> int:
        return sum(start <= _offset(m, t0) < end for m in mentions)

    minute = timedelta(minutes=1)
    before = negative_in(-20 * minute, -2 * minute)
    during = negative_in(4 * minute, 22 * minute)
    assert during >= 3 * before
    assert during >= 3 * 18 * 20 * 0.12  # three times the baseline's negative share of ~20 a minute
    # the whole conversation peaks at about three to four times a normal minute
    peak = max(volume_in(m * minute, (m + 1) * minute) for m in range(0, 30))
    normal = volume_in(-60 * minute, -2 * minute) / 58
    assert 2.5 * normal <= peak <= 6 * normal


@pytest.mark.parametrize("lang", ["es", "en"])
def test_delivery_failure_burst_posts_read_as_negative(lang: str) -> None:
    mentions = _delivery()[2]
    burst = [m for m in mentions if m["raw"]["part"] in ("burst", "repost") and m["lang"] == lang]
    assert len(burst) > 200
    readings = [analyse(m["text"], m["lang"]) for m in burst]
    negative = sum(r.sentiment.label == "negative" for r in readings)
    assert negative / len(burst) > 0.7
    # and they are read in the language they were written in
    assert sum(r.language.lang == lang for r in readings) / len(burst) > 0.95
    # the complaints are about deliveries
    assert sum("delivery" in r.issues.ids for r in readings) / len(burst) > 0.5
