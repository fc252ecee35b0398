"""Author profiles: reach tiers, media, influencers, employees, public bodies, bots and complainers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from baliza.analysis.authors import (
    AuthorFacts,
    AuthorHistory,
    AuthorType,
    Complainer,
    ReachTier,
    Reason,
    ReasonCode,
    profile_author,
    reach_tier,
)
from baliza.core import i18n
from baliza.core.errors import ValidationError

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def facts(handle: str = "someone", **fields: object) -> AuthorFacts:
    return AuthorFacts(handle=handle, platform="x", **fields)  # type: ignore[arg-type]


def codes(reasons: tuple[Reason, ...]) -> list[str]:
    return [reason.code.value for reason in reasons]


@pytest.mark.parametrize(
    ("followers", "tier"),
    [
        (None, ReachTier.nano),
        (0, ReachTier.nano),
        (999, ReachTier.nano),
        (1_000, ReachTier.micro),
        (9_999, ReachTier.micro),
        (10_000, ReachTier.mid),
        (99_999, ReachTier.mid),
        (100_000, ReachTier.macro),
        (999_999, ReachTier.macro),
        (1_000_000, ReachTier.mega),
        (40_000_000, ReachTier.mega),
    ],
)
def test_reach_tiers_at_the_boundaries(followers: int | None, tier: ReachTier) -> None:
    assert reach_tier(followers) == tier
    assert profile_author(facts(followers=followers), now=NOW).reach_tier == tier


def test_the_tier_reason_reads_in_both_languages() -> None:
    (reason,) = profile_author(facts(followers=12_400), now=NOW).reasons_for("reach_tier")
    assert reason == Reason(ReasonCode.reach_followers, {"followers": 12_400, "tier": "mid"})
    assert reason.text == "12400 followers: mid reach"
    with i18n.use_locale("es"):
        assert reason.text == "12400 seguidores: alcance medio"
    (unknown,) = profile_author(facts(), now=NOW).reasons_for("reach_tier")
    assert unknown.text == "follower count unknown: counted as nano reach"


@pytest.mark.parametrize(
    ("bio", "cue"),
    [
        ("Periodista en @elpais. Economía y consumo. Opiniones mías.", "periodista"),
        ("Redactora de sociedad en eldiario.es 📰", "redactora"),
        ("Reportero de investigación. DMs abiertos", "reportero"),
        ("Reporter at The Guardian covering food safety", "reporter"),
        ("Freelance journalist. Tips: signal only", "journalist"),
        ("Consumer affairs correspondent, BBC", "correspondent"),
    ],
)
def test_journalists_in_spanish_and_english_bios(bio: str, cue: str) -> None:
    profile = profile_author(facts(bio=bio, followers=3_000), now=NOW)
    assert AuthorType.journalist in profile.types
    assert AuthorType.media_outlet not in profile.types
    assert profile.is_media
    (reason,) = profile.reasons_for("journalist")
    assert reason.params == {"cue": cue}
    assert reason.text == f"the bio names a newsroom role: “{cue}”"
    with i18n.use_locale("es"):
        assert reason.text == f"la biografía menciona un puesto de redacción: «{cue}»"


@pytest.mark.parametrize("bio", ["Video editor and coffee lover", "Editora de vídeo freelance", "Amo las noticias"])
def test_bios_that_only_sound_like_newsrooms(bio: str) -> None:
    assert not profile_author(facts(bio=bio), now=NOW).is_media


def test_news_outlets_by_handle_name_and_bio() -> None:
    local = profile_author(
        facts("diariodesevilla", display_name="Diario de Sevilla", bio="Noticias de Sevilla y provincia"), now=NOW
    )
    assert local.types == {AuthorType.media_outlet}
    assert codes(local.reasons_for("media_outlet")) == ["outlet_name"]
    known = profile_author(facts("@ElPais", bio="Lo que pasa, cuando pasa"), now=NOW)
    assert codes(known.reasons_for("media_outlet")) == ["outlet_known"]
    by_bio = profile_author(facts("lacomarca", bio="Periódico digital: última hora y noticias del Bierzo"), now=NOW)
    assert AuthorType.media_outlet in by_bio.types
    assert by_bio.reasons_for("media_outlet")[0].params == {"cues": "periodico digital, ultima hora, noticias"}


def test_a_single_news_word_does_not_make_an_outlet() -> None:
    for handle, bio in [("newsom_fan", "I love news and coffee"), ("radiohead_fans", "Música y más")]:
        profile = profile_author(facts(handle, bio=bio), now=NOW)
        assert not profile.is_media, handle


def test_influencers_by_audience_creator_cues_or_engagement() -> None:
    big = profile_author(facts("foodie_ana", followers=250_000, bio="Recetas fáciles"), now=NOW)
    assert AuthorType.influencer in big.types
    assert codes(big.reasons_for("influencer")) == ["influencer_followers"]
    creator = profile_author(facts(followers=20_000, bio="Creadora de contenido gastronómico 🍝"), now=NOW)
    assert creator.reasons_for("influencer")[0].params == {"cue": "creadora de contenido"}
    engaged = profile_author(facts(followers=20_000, avg_engagement=800), now=NOW)
    (reason,) = engaged.reasons_for("influencer")
    assert reason.params == {"rate": 4.0, "followers": 20_000}
    assert reason.text == "4.0% of its 20000 followers interact with each post"
    assert AuthorType.influencer not in profile_author(facts(followers=20_000, avg_engagement=100), now=NOW).types
    assert AuthorType.influencer not in profile_author(facts(followers=5_000, bio="youtuber"), now=NOW).types
    outlet = profile_author(facts("elpais", followers=9_000_000), now=NOW)
    assert AuthorType.influencer not in outlet.types


def test_employees_from_the_plan_list_and_from_bios() -> None:
    listed = profile_author(facts("MariaAcme"), employees={"@mariaacme", "pepe"}, now=NOW)
    assert AuthorType.employee in listed.types
    assert listed.reasons_for("employee")[0].text == "@mariaacme is on the plan's list of employees"
    by_bio = profile_author(facts(bio="Trabajo en Acme Foods desde 2019 🍕"), brands=["Acme Foods"], now=NOW)
    assert AuthorType.employee in by_bio.types
    assert by_bio.employer == "acme foods desde"
    assert by_bio.reasons_for("employee")[0].params == {"employer": "Acme Foods", "cue": "trabajo en acme foods desde"}
    english = profile_author(facts(bio="Proud to work at @AcmeFoods. Views my own"), brands=["Acme"], now=NOW)
    assert AuthorType.employee in english.types
    former = profile_author(facts(bio="Ex empleada de Acme. Ahora en otra cosa"), brands=["Acme"], now=NOW)
    assert AuthorType.employee not in former.types
    elsewhere = profile_author(facts(bio="Trabajo en Globex"), brands=["Acme"], now=NOW)
    assert (AuthorType.employee in elsewhere.types, elsewhere.employer) == (False, "globex")


def test_public_bodies_and_competitors() -> None:
    council = profile_author(facts("madrid", display_name="Ayuntamiento de Madrid"), now=NOW)
    assert council.types == {AuthorType.public_body}
    agency = profile_author(facts("consumo", bio="Información al consumidor · www.consumo.gob.es"), now=NOW)
    assert codes(agency.reasons_for("public_body")) == ["public_body_domain"]
    rival = profile_author(facts("GlobexFoods", followers=500_000), competitors={"globexfoods"}, now=NOW)
    assert AuthorType.competitor in rival.types
    assert AuthorType.influencer not in rival.types


def test_customers_from_history_or_their_own_posts() -> None:
    told = profile_author(facts(recent_texts=("Mi pedido lleva una semana sin llegar",)), now=NOW)
    assert AuthorType.customer in told.types
    assert told.reasons_for("customer")[0].params == {"cue": "mi pedido"}
    known = profile_author(facts(), history=AuthorHistory(known_customer=True), now=NOW)
    assert AuthorType.customer in known.types
    assert profile_author(facts(recent_texts=("Qué día más bonito",)), now=NOW).types == frozenset()


def test_a_clockwork_poster_is_a_bot() -> None:
    times = [NOW - timedelta(minutes=15 * i) for i in range(12)]
    profile = profile_author(facts("dealsbot", followers=300, recent_post_times=times), now=NOW)
    assert profile.is_likely_automated
    assert profile.automation_score == 0.6
    assert AuthorType.bot in profile.types
    (reason,) = profile.reasons_for("bot")
    assert reason.params == {"minutes": 15.0, "variation": 0.0}
    assert reason.text == "posts every 15.0 minutes like clockwork (gaps vary by 0.0%)"


def test_a_human_posting_rhythm_is_not_automated() -> None:
    gaps = [3, 47, 12, 180, 9, 65, 240, 31]
    times = [NOW - timedelta(minutes=sum(gaps[:i])) for i in range(len(gaps) + 1)]
    profile = profile_author(facts(recent_post_times=times, followers=800, following=400), now=NOW)
    assert (profile.is_likely_automated, profile.automation_score) == (False, 0.0)


def test_weak_signals_add_up_only_together() -> None:
    weak = facts("maria48213577", followers=12, following=4_000)
    profile = profile_author(weak, now=NOW)
    assert codes(profile.reasons_for("automation")) == ["bot_default_handle", "bot_follow_ratio"]
    assert profile.automation_score == pytest.approx(1 - 0.75 * 0.75)
    assert not profile.is_likely_automated
    repeated = ("¡Sorteo! Sigue a @acme", "¡Sorteo! sigue a @acme!!", "SORTEO sigue a acme", "Otro texto")
    worse = profile_author(
        facts("maria48213577", followers=12, following=4_000, recent_texts=repeated),
        now=NOW,
    )
    assert worse.is_likely_automated
    duplicates = [r for r in worse.reasons_for("automation") if r.code == ReasonCode.bot_duplicates]
    assert duplicates[0].params == {"duplicates": 2, "total": 4}
    assert worse.automation_score == pytest.approx(1 - 0.75 * 0.75 * 0.65, abs=1e-4)


def test_a_new_account_with_a_high_volume_and_a_lifetime_firehose() -> None:
    young = profile_author(facts(account_created_at=NOW - timedelta(days=5), posts_count=1_000), now=NOW)
    assert young.reasons_for("automation")[0].text == "the account is 5 days old and has 1000 posts"
    old = profile_author(facts(account_created_at=NOW - timedelta(days=1_000), posts_count=200_000), now=NOW)
    assert codes(old.reasons_for("automation")) == ["bot_daily_volume"]
    calm = profile_author(facts(account_created_at=NOW - timedelta(days=5), posts_count=40), now=NOW)
    assert calm.automation_score == 0.0


def test_an_automated_newspaper_is_not_called_a_bot() -> None:
    times = [NOW - timedelta(minutes=30 * i) for i in range(10)]
    profile = profile_author(facts("diariodecadiz", recent_post_times=times), now=NOW)
    assert profile.is_likely_automated
    assert profile.types == {AuthorType.media_outlet}
    assert codes(profile.reasons_for("automation")) == ["bot_cadence", "automated_publisher"]


def test_first_time_and_repeat_complainers() -> None:
    assert profile_author(facts(), now=NOW).complainer is None
    first = profile_author(facts(), history=AuthorHistory(previous_negative_mentions=0, previous_mentions=4), now=NOW)
    assert first.complainer == Complainer.first_time
    repeat = profile_author(facts(), history=AuthorHistory(previous_negative_mentions=3), now=NOW)
    assert repeat.complainer == Complainer.repeat
    (reason,) = repeat.reasons_for("complainer")
    assert reason.text == "3 earlier negative mentions from this author"
    with i18n.use_locale("es"):
        assert reason.text == "3 menciones negativas anteriores de este autor"


def test_profiles_are_plain_data_for_the_api() -> None:
    profile = profile_author(
        facts("ana_periodista", followers=15_000, verified=True, bio="Periodista"),
        history=AuthorHistory(previous_negative_mentions=1),
        now=NOW,
    )
    data = json.loads(json.dumps(profile.as_dict()))
    assert data["types"] == ["journalist"]
    assert data["reach_tier"] == "mid"
    assert data["complainer"] == "repeat"
    assert data["reasons"]["verified"] == [
        {"code": "verified", "params": {"platform": "x"}, "text": "verified account on x"}
    ]


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        profile_author(facts(), now=datetime(2026, 3, 2, 12, 0))
    assert caught.value.message == "now must be a timezone-aware datetime"
