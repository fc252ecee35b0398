"""Story clustering: reposts, near-duplicates, shared links, embeddings, stats, eviction and restore."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from baliza.analysis.stories import (
    NUM_PERM,
    Assignment,
    StoryConfig,
    StoryIndex,
    StoryItem,
    StoryReason,
    bench_stories,
    growth_of,
    hamming,
    minhash_signature,
    normalize_for_story,
    signed64,
    story_tokens,
    text_fingerprint,
    unsigned64,
)
from baliza.core import i18n
from baliza.core.errors import ValidationError

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

NEAR_A = "Llevo tres días esperando mi pedido de Acme y nadie responde"
NEAR_B = "Llevo cuatro días esperando mi pedido de Acme y nadie responde"


def make(
    mention_id: int,
    text: str,
    minutes: float = 0,
    *,
    platform: str = "x",
    urls: tuple[str, ...] = (),
    reach: int = 0,
    author: str | None = None,
    embedding: list[float] | None = None,
) -> StoryItem:
    return StoryItem(
        mention_id=mention_id,
        text=text,
        created_at=T0 + timedelta(minutes=minutes),
        platform=platform,
        urls=urls,
        reach=reach,
        author=author,
        embedding=None if embedding is None else np.asarray(embedding, dtype=np.float32),
    )


def unit(*values: float) -> list[float]:
    norm = math.sqrt(sum(v * v for v in values))
    return [v / norm for v in values]


# -- normalisation and fingerprints -----------------------------------------------------------
def test_story_tokens_fold_case_and_accents_and_drop_urls_handles_and_hash_signs() -> None:
    text = "RT @AcmeFoods: Mi pedido NO llegó!! 3 días #AcmeNoLlega https://t.co/abc www.acme.es 😡"
    assert story_tokens(text) == ["mi", "pedido", "no", "llego", "3", "dias", "acmenollega"]


def test_the_task_example_pair_normalises_to_the_same_text() -> None:
    assert normalize_for_story("Mi pedido no llegó #AcmeNoLlega") == "mi pedido no llego acmenollega"
    assert normalize_for_story("mi pedido NO llegó!! #acmenollega") == "mi pedido no llego acmenollega"


def test_scripts_without_spaces_are_read_as_character_pairs() -> None:
    assert story_tokens("订单没到") == ["订单", "单没", "没到"]


def test_text_fingerprint_is_a_stable_simhash() -> None:
    # Pinned: the fingerprint must not change between processes or releases (no salted hash()).
    assert text_fingerprint("Mi pedido no llegó") == text_fingerprint("mi PEDIDO no llego!!")
    assert text_fingerprint("Mi pedido no llegó") == 0x3DDB16DD5BED9774
    assert 0 <= text_fingerprint(NEAR_A) < 2**64
    near = hamming(text_fingerprint(NEAR_A), text_fingerprint(NEAR_B))
    unrelated = hamming(text_fingerprint(NEAR_A), text_fingerprint("Acme sube los precios de todos sus yogures"))
    assert near < unrelated
    assert text_fingerprint("") == 0
    assert text_fingerprint("😡😡") == 0


def test_signed64_round_trips_for_bigint_columns() -> None:
    value = 0xFFFF_0000_0000_0001
    assert signed64(value) == value - 2**64
    assert unsigned64(signed64(value)) == value
    assert signed64(5) == 5


def test_minhash_signature_shape_and_agreement() -> None:
    left, right = minhash_signature(NEAR_A), minhash_signature(NEAR_B)
    assert left.shape == (NUM_PERM,)
    assert left.dtype == np.uint32
    assert (minhash_signature(NEAR_A) == left).all()
    # The estimated Jaccard is close to the true 18/24 (see test_near_duplicate_with_one_word_changed).
    assert abs(float((left == right).mean()) - 0.75) < 0.2
    assert (minhash_signature("😡") == 0xFFFFFFFF).all()
    assert minhash_signature(NEAR_A, num_perm=8).shape == (8,)
    with pytest.raises(ValidationError):
        minhash_signature(NEAR_A, num_perm=0)


# -- assignment -------------------------------------------------------------------------------
def test_reposts_and_copies_join_the_first_post_exactly() -> None:
    index = StoryIndex()
    first = index.assign(make(1, "Acme nos ha envenenado a toda la familia, no compréis su pollo", author="ana"))
    assert first == Assignment(1, True, StoryReason.new, 0.0)
    copies = [
        "RT @ana: Acme nos ha envenenado a toda la familia, no compréis su pollo",
        "ACME nos ha envenenado a toda la familia!!! no compréis su pollo https://t.co/x1",
    ]
    for mention_id, text in enumerate(copies, start=2):
        assert index.assign(make(mention_id, text, 1)) == Assignment(1, False, StoryReason.exact, 1.0)
    assert len(index) == 1
    assert index.stats(1).size == 3


def test_small_edits_of_the_task_example_join_one_story() -> None:
    index = StoryIndex()
    index.assign(make(1, "Mi pedido no llegó #AcmeNoLlega"))
    second = index.assign(make(2, "mi pedido NO llegó!! #acmenollega", 2))
    assert (second.story_id, second.is_new) == (1, False)
    assert second.reason == StoryReason.exact  # identical once normalised


def test_near_duplicate_with_one_word_changed() -> None:
    index = StoryIndex()
    index.assign(make(1, NEAR_A))
    second = index.assign(make(2, NEAR_B, 3))
    # 11 words each, 10 shared: unigrams 10 of 12, pairs 8 of 12 -> Jaccard 18/24.
    assert second == Assignment(1, False, StoryReason.near_duplicate, 0.75)
    # The edited copy is indexed too: a copy of it joins exactly.
    assert index.assign(make(3, NEAR_B.upper(), 4)).reason == StoryReason.exact


def test_distinct_claims_stay_apart() -> None:
    index = StoryIndex()
    texts = [
        "Mi pedido no llegó #AcmeNoLlega",
        "Mi pedido llegó roto #AcmeNoLlega",  # same opening, different claim: Jaccard 5/13
        "Acme sube los precios de todos sus yogures otra vez",
        "My Acme order never arrived and nobody answers",
    ]
    assignments = [index.assign(make(i, text, i)) for i, text in enumerate(texts, start=1)]
    assert [a.story_id for a in assignments] == [1, 2, 3, 4]
    assert all(a.is_new and a.reason == StoryReason.new for a in assignments)


def test_a_single_word_is_not_a_claim() -> None:
    index = StoryIndex()
    assert index.assign(make(1, "Gracias")).is_new
    assert index.assign(make(2, "gracias!!", 1)).is_new


def test_the_same_link_joins_different_texts() -> None:
    index = StoryIndex(config=StoryConfig(ignored_domains=frozenset({"acme.com"})))
    article = "https://www.elpais.com/economia/2026-03-02/acme-retira-lotes.html"
    index.assign(make(1, "Acme retira lotes de pollo por salmonela", urls=(article,)))
    joined = index.assign(make(2, "Ojo con lo que compráis esta semana", 2, urls=(article + "?utm_source=x",)))
    assert joined == Assignment(1, False, StoryReason.shared_url, 1.0)
    assert index.stats(1).urls == (article,)


@pytest.mark.parametrize(
    "url",
    [
        "https://elpais.com",  # homepage only
        "https://elpais.com/",
        "https://www.acme.com/ayuda/envios",  # an ignored domain
        "https://tienda.acme.com/p/123",  # a subdomain of one
        "not a url",
    ],
)
def test_homepages_and_ignored_domains_do_not_join(url: str) -> None:
    index = StoryIndex(config=StoryConfig(ignored_domains=frozenset({"www.ACME.com"})))
    index.assign(make(1, "Acme retira lotes de pollo por salmonela", urls=(url,)))
    assert index.assign(make(2, "Ojo con lo que compráis esta semana", 1, urls=(url,))).is_new


def test_embeddings_join_by_cosine_with_the_centroid() -> None:
    index = StoryIndex()
    index.assign(make(1, "Acme filtra los datos de sus clientes", embedding=[1.0, 0.0, 0.0]))
    close = index.assign(make(2, "Hackeo en Acme: publicados miles de correos", 1, embedding=unit(0.96, 0.28, 0.0)))
    assert close == Assignment(1, False, StoryReason.semantic, 0.96)
    # The centroid is now the normalised mean of both posts; this one is 0.989 from it.
    centroid = np.asarray(unit(1.96, 0.28, 0.0))
    vector = unit(0.9, 0.44, 0.0)
    third = index.assign(make(3, "Mis datos de Acme andan por internet", 2, embedding=vector))
    assert third.reason == StoryReason.semantic
    assert third.similarity == pytest.approx(float(centroid @ np.asarray(vector)), abs=1e-5)
    far = index.assign(make(4, "Me encanta el nuevo yogur de Acme", 3, embedding=[0.0, 1.0, 0.0]))
    assert far.is_new


def test_embeddings_below_the_threshold_or_of_short_texts_do_not_join() -> None:
    index = StoryIndex(config=StoryConfig(semantic_threshold=0.97))
    index.assign(make(1, "Acme filtra los datos de sus clientes", embedding=[1.0, 0.0, 0.0]))
    assert index.assign(make(2, "Hackeo en Acme: miles de correos", 1, embedding=unit(0.96, 0.28, 0.0))).is_new
    assert index.assign(make(3, "Acme filtra", 2, embedding=[1.0, 0.0, 0.0])).is_new  # too short to trust
    # Vectors that are not unit length are normalised; zero vectors are ignored.
    assert index.assign(make(4, "Datos de Acme filtrados hoy", 3, embedding=[5.0, 0.0, 0.0])).story_id == 1
    assert index.assign(make(5, "Otro texto distinto sobre nada", 4, embedding=[0.0, 0.0, 0.0])).is_new


def test_embeddings_of_another_width_are_refused() -> None:
    index = StoryIndex()
    index.assign(make(1, "Acme filtra los datos de sus clientes", embedding=[1.0, 0.0, 0.0]))
    with pytest.raises(ValidationError) as caught:
        index.assign(make(2, "Otro texto", embedding=[1.0, 0.0]))
    assert caught.value.message == "the embedding of mention 2 has 2 dimensions, not 3"
    with pytest.raises(ValidationError):
        index.assign(make(3, "Otro texto", embedding=[math.nan, 0.0, 0.0]))


def test_emoji_only_and_empty_posts_open_their_own_stories() -> None:
    index = StoryIndex()
    for mention_id, text in enumerate(["😡😡😡", "😡😡😡", "", "   ", "🙄", "!!!"], start=1):
        assignment = index.assign(make(mention_id, text, mention_id))
        assert assignment == Assignment(mention_id, True, StoryReason.new, 0.0)
    assert index.stats(1).representative_text == "😡😡😡"
    assert index.stats(1).fingerprint == 0


def test_other_scripts_still_cluster_copies_and_edits() -> None:
    index = StoryIndex()
    index.assign(make(1, "我的订单还没有到，已经等了三天了"))
    assert index.assign(make(2, "我的订单还没有到，已经等了三天了!!", 1)).reason == StoryReason.exact
    edited = index.assign(make(3, "我的订单还没有到，已经等了四天了", 2))
    assert (edited.story_id, edited.reason) == (1, StoryReason.near_duplicate)
    assert index.assign(make(4, "Заказ не пришёл уже три дня, Acme молчит", 3)).is_new


def test_naive_datetimes_are_refused() -> None:
    index = StoryIndex()
    naive = StoryItem(mention_id=1, text="hola", created_at=datetime(2026, 3, 2, 9, 0), platform="x")
    with pytest.raises(ValidationError) as caught:
        index.assign(naive)
    assert caught.value.code == "naive_datetime"
    assert caught.value.message == "created_at must be a timezone-aware datetime"
    with i18n.use_locale("es"), pytest.raises(ValidationError) as caught:
        index.assign(naive)
    assert caught.value.message == "created_at debe ser una fecha y hora con zona horaria"


# -- stats ------------------------------------------------------------------------------------
def test_cross_platform_spread_is_recorded() -> None:
    index = StoryIndex()
    text = "Vídeo: empleados de Acme tiran comida en buen estado a la basura"
    index.assign(make(1, text, 0, platform="x", author="a"))
    index.assign(make(2, text, 5, platform="mastodon", author="b"))
    index.assign(make(3, text, 7, platform="bluesky", author="c"))
    index.assign(make(4, text, 9, platform="x", author="a"))
    stats = index.stats(1)
    assert stats.platforms == {"bluesky": 1, "mastodon": 1, "x": 2}
    assert stats.platform_first_seen == {
        "bluesky": T0 + timedelta(minutes=7),
        "mastodon": T0 + timedelta(minutes=5),
        "x": T0,
    }
    assert stats.is_cross_platform
    assert stats.distinct_authors == 3
    assert (stats.first_seen_at, stats.last_seen_at) == (T0, T0 + timedelta(minutes=9))


def test_growth_rate_on_a_hand_made_timeline() -> None:
    index = StoryIndex()  # 30-minute windows
    text = "Acme no devuelve el dinero de los pedidos cancelados"
    # Now is 10:00. The current window holds the minutes 09:31-10:00, the previous one 09:01-09:30.
    minutes = [-5, 10, 20, 30]  # 08:55 is in neither window; three posts in the previous one
    minutes += [35, 40, 45, 50, 55] + [60] * 7  # twelve posts in the current one
    for mention_id, minute in enumerate(minutes, start=1):
        index.assign(make(mention_id, text, minute))
    growth = index.stats(1, now=T0 + timedelta(minutes=60, seconds=30)).growth
    assert (growth.current_count, growth.previous_count) == (12, 3)
    assert (growth.current_per_hour, growth.previous_per_hour) == (24.0, 6.0)
    assert growth.ratio == 4.0
    assert index.stats(1).growth == growth  # by default, now is the latest post
    # Half an hour later the burst is the previous window and the current one is quiet.
    later = index.stats(1, now=T0 + timedelta(minutes=90)).growth
    assert (later.current_count, later.previous_count, later.ratio) == (0, 12, 0.0)


def test_growth_without_a_previous_window_has_no_ratio() -> None:
    growth = growth_of({100: 4}, 100, 10)
    assert (growth.current_per_hour, growth.previous_per_hour, growth.ratio) == (24.0, 0.0, None)


def test_the_representative_is_the_highest_reach_copy_of_the_most_shared_text() -> None:
    index = StoryIndex()
    index.assign(make(1, NEAR_B, 0, reach=10_000))  # earliest and biggest, but posted once
    index.assign(make(2, NEAR_A, 1, reach=10))
    index.assign(make(3, NEAR_A, 2, reach=500))
    index.assign(make(4, NEAR_A, 3, reach=20))
    stats = index.stats(1)
    assert stats.size == 4
    assert stats.representative_mention_id == 3
    assert stats.representative_text == NEAR_A
    assert (stats.total_reach, stats.max_reach) == (10_530, 10_000)
    assert stats.reasons == {"new": 1, "near_duplicate": 1, "exact": 2}
    assert stats.as_dict()["representative_mention_id"] == 3
    assert json.loads(json.dumps(stats.as_dict()))["growth"]["window_minutes"] == 30


def test_many_authors_are_estimated_within_a_few_percent() -> None:
    index = StoryIndex()
    for mention_id in range(1, 3001):
        index.assign(make(mention_id, NEAR_A, mention_id / 100, author=f"user{mention_id % 2000}"))
    assert abs(index.stats(1).distinct_authors - 2000) < 2000 * 0.15


# -- ids, eviction, restore -------------------------------------------------------------------
def test_story_ids_come_from_the_id_factory() -> None:
    ids = iter([501, 502, 501])
    index = StoryIndex(id_factory=lambda item: next(ids))
    assert index.assign(make(1, NEAR_A)).story_id == 501
    assert index.assign(make(2, "Acme sube los precios de todos sus yogures otra vez")).story_id == 502
    with pytest.raises(ValidationError) as caught:
        index.assign(make(3, "Una tercera historia que no se parece a nada"))
    assert caught.value.code == "duplicate_story_id"


def test_idle_stories_are_evicted_with_their_stats() -> None:
    index = StoryIndex()
    index.assign(make(1, "Un solo post sobre Acme que nadie comparte"))
    index.assign(make(2, NEAR_A, 0))
    index.assign(make(3, NEAR_A, 60))
    assert index.evict(T0 + timedelta(hours=11)) == []
    closed = index.evict(T0 + timedelta(hours=13))  # a lone post closes after 12 h
    assert [stats.story_id for stats in closed] == [1]
    assert len(index) == 1
    # After 48 h without posts the second story closes too; a copy then opens a new story.
    assignment = index.assign(make(4, NEAR_A, 60 + 48 * 60 + 1))
    assert assignment == Assignment(3, True, StoryReason.new, 0.0)
    closed = index.evict()
    assert [(stats.story_id, stats.size) for stats in closed] == [(2, 2)]
    assert 2 not in index
    assert 3 in index


def test_a_closed_story_waiting_for_eviction_accepts_nothing() -> None:
    index = StoryIndex()
    index.assign(make(1, NEAR_A, 0))
    index.assign(make(2, "Un post cualquiera de otra cosa distinta", 13 * 60))
    assert index.assign(make(3, NEAR_A, 13 * 60)).is_new


def test_past_max_stories_the_idlest_are_evicted() -> None:
    index = StoryIndex(config=StoryConfig(max_stories=10))
    for mention_id in range(1, 16):
        index.assign(make(mention_id, f"historia número {mention_id} sobre cosas distintas", mention_id))
    assert len(index) <= 10
    evicted = index.evict()
    assert [stats.story_id for stats in evicted] == list(range(1, 16 - len(index)))


def _stream() -> list[StoryItem]:
    article = "https://news.example/acme-salmonela"
    items = [
        make(1, NEAR_A, 0, platform="x", author="a", reach=100),
        make(2, "Acme retira lotes de pollo por salmonela", 1, urls=(article,), embedding=[1.0, 0.0, 0.0]),
        make(3, "Un post suelto que nadie repetirá jamás", 2),
        make(4, NEAR_B, 3, platform="mastodon", author="b"),
        make(5, "Acme sube los precios de todos sus yogures otra vez", 4, embedding=[0.0, 1.0, 0.0]),
        make(6, "😡😡😡", 5),
        make(7, "Lo de Acme y la salmonela es muy grave, mirad", 6, embedding=unit(0.97, 0.2, 0.1)),
        # -- a restart happens here --
        make(8, NEAR_A.lower() + "!!", 7, author="c"),
        make(9, "Pues yo no pienso volver a comprar en Acme", 8, urls=(article,)),
        make(10, "Subida de precios en Acme: los yogures, un 20% más caros", 9, embedding=unit(0.1, 0.98, 0.0)),
        make(11, "Un post suelto que nadie repetirá jamás", 13 * 60),  # story 3 closed at 12 h
        make(12, "Acme sube los precios de todos sus yogures otra vez", 13 * 60 + 1),
        make(13, "Llevo cinco días esperando mi pedido de Acme y nadie responde", 13 * 60 + 2),
        make(14, "Acme retira lotes de pollo por salmonela", 13 * 60 + 3),
    ]
    return items


def test_restore_continues_with_the_same_assignments() -> None:
    stream = _stream()
    live = StoryIndex()
    expected = [live.assign(item) for item in stream]

    before = StoryIndex()
    for item in stream[:7]:
        before.assign(item)
    saved = json.loads(json.dumps(before.snapshot()))  # what the database would hold
    restored = StoryIndex.restore(saved)
    assert [s.as_dict() for s in restored.open_stories()] == [s.as_dict() for s in before.open_stories()]
    resumed = [restored.assign(item) for item in stream[7:]]
    assert resumed == expected[7:]
    assert [a.reason for a in resumed] == [
        StoryReason.exact,
        StoryReason.shared_url,
        StoryReason.semantic,
        StoryReason.new,
        StoryReason.exact,
        StoryReason.near_duplicate,
        StoryReason.exact,
    ]
    assert [s.as_dict() for s in restored.open_stories()] == [s.as_dict() for s in live.open_stories()]
    # New stories continue the id sequence.
    assert resumed[3].story_id == 6


def test_restore_after_eviction_keeps_evicted_stories_closed() -> None:
    stream = _stream()
    index = StoryIndex()
    for item in stream[:11]:
        index.assign(item)
    closed_ids = {stats.story_id for stats in index.evict()}
    assert closed_ids == {3, 5}  # the lone post and the emoji post, 13 h idle
    restored = StoryIndex.restore(json.loads(json.dumps(index.snapshot())))
    assert {s.story_id for s in restored.open_stories()} == {s.story_id for s in index.open_stories()}
    assert [restored.assign(item) for item in stream[11:]] == [index.assign(item) for item in stream[11:]]


def _random_stream(seed: int, count: int) -> list[StoryItem]:
    """Reposts, edits, shared links and embeddings over 60 hours, so stories close on the way."""
    rng = random.Random(seed)
    words = "acme pedido llega nunca caja rota pollo precio sube app cae envio tarde mal bien gracias hoy".split()
    vectors = [unit(*(rng.gauss(0, 1) for _ in range(6))) for _ in range(6)]
    texts: list[str] = []
    items = []
    for mention_id in range(1, count + 1):
        roll = rng.random()
        if texts and roll < 0.3:
            text = rng.choice(texts)
        elif texts and roll < 0.5:
            edited = rng.choice(texts).split()
            edited[rng.randrange(len(edited))] = rng.choice(words)
            text = " ".join(edited)
        else:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 9)))
        texts.append(text)
        urls = (f"https://news.example/{rng.randrange(30)}",) if rng.random() < 0.2 else ()
        vector = rng.choice(vectors) if rng.random() < 0.3 else None
        minute = mention_id * 3600 / count  # spread over 60 hours (3,600 minutes)
        items.append(
            make(
                mention_id,
                text,
                minute,
                platform=rng.choice("xyz"),
                urls=urls,
                author=str(rng.randrange(40)),
                embedding=vector,
            )
        )
    return items


@pytest.mark.parametrize("seed", [1, 2])
def test_restore_anywhere_in_a_random_stream_changes_nothing(seed: int) -> None:
    stream = _random_stream(seed, 1000)
    live = StoryIndex()
    expected = [live.assign(item) for item in stream]
    assert {a.reason for a in expected} == set(StoryReason)
    for cut in (150, 500, 900):
        before = StoryIndex()
        for item in stream[:cut]:
            before.assign(item)
        if cut == 500:
            before.evict()
        restored = StoryIndex.restore(json.loads(json.dumps(before.snapshot())))
        assert [restored.assign(item) for item in stream[cut:]] == expected[cut:], cut
        assert [s.as_dict() for s in restored.open_stories()] == [s.as_dict() for s in live.open_stories()]


def test_one_story_state_can_be_restored_on_its_own() -> None:
    index = StoryIndex()
    index.assign(make(1, NEAR_A))
    restored = StoryIndex.restore({"version": 1, "stories": [index.story_state(1)]})
    assert restored.assign(make(2, NEAR_B, 1)).story_id == 1
    assert restored.assign(make(3, "Algo completamente distinto sobre Acme hoy", 2)).story_id == 2


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"version": 99, "stories": []}, "story state version 99 is not supported (expected 1)"),
        ({"version": 1, "stories": [{"story_id": 1}]}, "story state is malformed: KeyError"),
    ],
)
def test_bad_states_are_refused(state: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        StoryIndex.restore(state)
    assert caught.value.message == message
    assert caught.value.code == "invalid_story_state"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"near_duplicate_jaccard": 1.5}, "near_duplicate_jaccard must be above 0 and at most 1, not 1.5"),
        ({"semantic_threshold": 0.0}, "semantic_threshold must be above 0 and at most 1, not 0.0"),
        ({"growth_window": timedelta(seconds=90)}, "growth_window must be a whole number of minutes between 1 and 180"),
        (
            {"singleton_horizon": timedelta(hours=72)},
            "horizons must be positive, and the single-post horizon no longer than the other",
        ),
        ({"max_stories": 0}, "max_stories must be at least 1"),
    ],
)
def test_bad_configs_are_refused(config: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        StoryConfig(**config)  # type: ignore[arg-type]
    assert caught.value.message == message


def test_stats_of_an_unknown_story_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        StoryIndex().stats(7)
    assert caught.value.message == "story 7 is not open in this index"


def test_bench_runs_and_reports_a_rate() -> None:
    assert bench_stories(300) > 0
