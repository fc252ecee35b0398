"""The extractive crisis summary: exact, deterministic, in Spanish and English, from plain data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pydantic
import pytest

from baliza.core import i18n
from baliza.core.errors import ValidationError
from baliza.responses.summary import MentionInput, MinuteCount, StoryInput, SummaryInput, extractive_summary

START = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)

# A hand-made incident: 30 mentions in 45 minutes, Spanish and English, four stories.
# (id, minute, platform, handle, followers, sentiment, issue types, story, lang, text)
ROWS = [
    (101, 2, "mastodon", "@laura@social.example", 320, "negative", "complaint delivery", 1, "es",
     "Mi pedido de Acme no ha llegado y nadie responde. #AcmeNoLlega"),
    (102, 3, "bluesky", "marta.bsky.social", 1200, "negative", "complaint delivery", 1, "es",
     "Tercer día esperando el pedido de Acme. #AcmeNoLlega"),
    (103, 4, "mastodon", "@pedro@mstdn.example", 85, "negative", "complaint delivery question", 1, "es",
     "¿Dónde está mi pedido? Llevo tres días esperando. #AcmeNoLlega"),
    (104, 5, "reddit", "u/sam_k", 40, "negative", "complaint delivery", 1, "en",
     "My Acme order never arrived, third day waiting #AcmeNoLlega"),
    (105, 6, "bluesky", "jo.bsky.social", 610, "negative", "complaint delivery question", 1, "en",
     "Where is my order? Still nothing from Acme. #AcmeNoLlega"),
    (106, 7, "mastodon", "@ana@social.example", 150, "negative", "complaint delivery", 1, "es",
     "Pedido perdido otra vez, Acme. Qué desastre. #AcmeNoLlega"),
    (107, 9, "bluesky", "luis.bsky.social", 95, "negative", "complaint delivery question", 1, "es",
     "¿Dónde está mi pedido? Nadie contesta en el chat. #AcmeNoLlega"),
    (108, 10, "mastodon", "@kim@mstdn.example", 48, "negative", "complaint delivery", 1, "en",
     "Acme order missing again, support silent #AcmeNoLlega"),
    (109, 12, "reddit", "u/dani_r", 12, "negative", "complaint delivery question", 1, "es",
     "¿Alguien sabe cuándo llegan los pedidos de Acme? #AcmeNoLlega"),
    (110, 13, "bluesky", "rosa.bsky.social", 230, "negative", "complaint delivery", 1, "es",
     "Sin pedido y sin respuesta de Acme #AcmeNoLlega"),
    (111, 15, "mastodon", "@tom@social.example", 77, "neutral", "delivery question", 1, "en",
     "Where is my order? Tracking has not moved since Tuesday #AcmeNoLlega"),
    (112, 16, "bluesky", "bea.bsky.social", 340, "negative", "complaint delivery", 1, "es",
     "Pedido retrasado y cero información, Acme #AcmeNoLlega"),
    (113, 18, "bluesky", "comeconsofia.bsky.social", 250000, "negative", "complaint delivery", 2, "es",
     "Llevo una semana esperando mi pedido de Acme y nadie da la cara. No vuelvo a comprar. #AcmeNoLlega"),
    (114, 19, "bluesky", "nuria.bsky.social", 410, "negative", "complaint delivery", 2, "es",
     "Llevo una semana esperando mi pedido de Acme y nadie da la cara. No vuelvo a comprar. #AcmeNoLlega"),
    (115, 20, "mastodon", "@irene@social.example", 90, "negative", "complaint delivery", 2, "es",
     "Llevo una semana esperando mi pedido de Acme y nadie da la cara. #AcmeNoLlega"),
    (116, 21, "bluesky", "carlos.bsky.social", 1500, "negative", "complaint delivery", 2, "es",
     "RT: Llevo una semana esperando mi pedido de Acme y nadie da la cara. #AcmeNoLlega"),
    (117, 22, "reddit", "u/foodwatch", 5200, "negative", "complaint delivery", 2, "en",
     "Big food influencer says Acme has left her waiting a week for her order #AcmeNoLlega"),
    (118, 24, "mastodon", "@eva@mstdn.example", 60, "neutral", "rumour question", 3, "es",
     "¿Es verdad que Acme cierra todas sus tiendas?"),
    (119, 25, "bluesky", "quique.bsky.social", 700, "negative", "rumour", 3, "es",
     "Dicen que Acme cierra todas sus tiendas y por eso no llegan los pedidos"),
    (120, 27, "reddit", "u/ben_t", 30, "neutral", "rumour question", 3, "en",
     "Is it true that Acme is closing all its stores?"),
    (121, 28, "mastodon", "@paco@social.example", 210, "negative", "rumour", 3, "es",
     "Acme cierra todas sus tiendas, lo he leído en un grupo"),
    (122, 30, "bluesky", "lena.bsky.social", 95, "neutral", "rumour question", 3, "en",
     "Is it true that Acme is closing all its stores?"),
    (123, 32, "mastodon", "@gema@mstdn.example", 140, "negative", "complaint pricing", 4, "es",
     "Y encima me cobraron dos veces el pedido de Acme"),
    (124, 33, "reddit", "u/chargedtwice", 22, "negative", "complaint pricing question", 4, "en",
     "Charged twice by Acme for one order, how do I get a refund?"),
    (125, 35, "bluesky", "ines.bsky.social", 180, "positive", "praise", None, "es",
     "A mí me llegó bien el pedido de Acme, gracias al repartidor"),
    (126, 37, "mastodon", "@olga@social.example", 55, "neutral", "question", None, "es",
     "¿Hay algún teléfono de Acme para reclamar?"),
    (127, 39, "bluesky", "mike.bsky.social", 300, "negative", "complaint customer_service", None, "en",
     "Acme support chat closed for hours, not good"),
    (128, 41, "mastodon", "@raul@mstdn.example", 20, "negative", "complaint delivery", None, "es",
     "Otro pedido de Acme que no llega #AcmeNoLlega"),
    (129, 43, "reddit", "u/quietreader", 8, "neutral", "", None, "en",
     "Following this Acme thing, anyone got an update?"),
    (130, 44, "bluesky", "pau.bsky.social", 260, "negative", "complaint delivery", None, "es",
     "Acme, dad la cara. Pedido sin llegar #AcmeNoLlega"),
]  # fmt: skip

BASELINE = (
    "Gracias Acme, el pedido llegó perfecto",
    "Me encanta el pan de Acme",
    "Acme order arrived on time, thanks",
    "Buen servicio de Acme hoy",
    "Acme tiene buenas ofertas esta semana",
    "Love the new Acme cookies",
    "Pedido de Acme recibido, todo bien",
    "Acme delivery was quick today",
)


def make_mentions(rows: Sequence[tuple[object, ...]] = ROWS) -> tuple[MentionInput, ...]:
    return tuple(
        MentionInput.model_validate(
            {
                "id": row[0],
                "created_at": START + timedelta(minutes=int(str(row[1])), seconds=30),
                "platform": row[2],
                "author_handle": row[3],
                "followers": row[4],
                "sentiment_label": row[5],
                "issue_types": str(row[6]).split(),
                "story_id": row[7],
                "lang": row[8],
                "text": row[9],
            }
        )
        for row in rows
    )


def make_counts() -> tuple[MinuteCount, ...]:
    per_minute: dict[int, int] = {}
    for row in ROWS:
        per_minute[int(str(row[1]))] = per_minute.get(int(str(row[1])), 0) + 1
    return tuple(
        MinuteCount(minute=START + timedelta(minutes=m), observed=per_minute.get(m, 0), expected=0.1) for m in range(45)
    )


STORIES = (
    StoryInput(
        id=1,
        size=12,
        growth_per_hour=14.5,
        representative_text=str(ROWS[0][9]),
        representative_mention_id=101,
        platforms=("bluesky", "mastodon", "reddit"),
    ),
    # No representative id: the summary finds the post with that text that reaches furthest (113, not 114).
    StoryInput(id=2, size=5, growth_per_hour=15, representative_text=str(ROWS[12][9])),
    StoryInput(id=3, size=5, growth_per_hour=10, representative_text=str(ROWS[18][9]), representative_mention_id=119),
    StoryInput(id=4, size=2, growth_per_hour=2, representative_text=str(ROWS[22][9]), representative_mention_id=123),
)


def incident(**changes: object) -> SummaryInput:
    data: dict[str, object] = {
        "title": "Deliveries failing",
        "severity": "sev2",
        "started_at": START,
        "mentions": make_mentions(),
        "stories": STORIES,
        "counts": make_counts(),
        "baseline_texts": BASELINE,
    }
    data.update(changes)
    return SummaryInput.model_validate(data)


EN_HEADLINE = "SEV2 · Deliveries failing: 30 mentions in 45 minutes, 6.7 times the expected volume; 77% negative."
EN_BULLETS = (
    "Volume: 30 mentions since 10:00 UTC against 4.5 expected.",
    "Negative share: 77% (23 of 30 mentions with a sentiment).",
    "Story: “Mi pedido de Acme no ha llegado y nadie responde. #AcmeNoLlega” "
    "(12 mentions, 14.5 per hour, bluesky, mastodon, reddit)",
    "Story: “Llevo una semana esperando mi pedido de Acme y nadie da la cara. No vuelvo a comprar. #AcmeNoLlega” "
    "(5 mentions, 15 per hour, bluesky, mastodon, reddit)",
    "Story: “Dicen que Acme cierra todas sus tiendas y por eso no llegan los pedidos” "
    "(5 mentions, 10 per hour, bluesky, mastodon, reddit)",
    "Emerging terms: #acmenollega, nadie, esperando, llevo, cara.",
    "Most-reached authors: comeconsofia.bsky.social (250,000 followers), u/foodwatch (5,200 followers), "
    "carlos.bsky.social (1,500 followers).",
    "Platforms: bluesky (13), mastodon (11), reddit (6).",
)
EN_ASKS = (
    "“Where is my order?” (2 posts)",
    "“¿Dónde está mi pedido?” (2 posts)",
    "“Is it true that Acme is closing all its stores?” (2 posts)",
    "“¿Es verdad que Acme cierra todas sus tiendas?”",
    "“¿Hay algún teléfono de Acme para reclamar?”",
)

ES_HEADLINE = "SEV2 · Deliveries failing: 30 menciones en 45 minutos, 6,7 veces el volumen esperado; 77\xa0% negativas."
ES_BULLETS = (
    "Volumen: 30 menciones desde las 10:00 UTC frente a 4,5 esperadas.",
    "Proporción negativa: 77\xa0% (23 de 30 menciones con sentimiento).",
    "Historia: «Mi pedido de Acme no ha llegado y nadie responde. #AcmeNoLlega» "
    "(12 menciones, 14,5 por hora, bluesky, mastodon, reddit)",
    "Historia: «Llevo una semana esperando mi pedido de Acme y nadie da la cara. No vuelvo a comprar. #AcmeNoLlega» "
    "(5 menciones, 15 por hora, bluesky, mastodon, reddit)",
    "Historia: «Dicen que Acme cierra todas sus tiendas y por eso no llegan los pedidos» "
    "(5 menciones, 10 por hora, bluesky, mastodon, reddit)",
    "Términos emergentes: #acmenollega, nadie, esperando, llevo, cara.",
    "Autores con más alcance: comeconsofia.bsky.social (250.000 seguidores), u/foodwatch (5.200 seguidores), "
    "carlos.bsky.social (1.500 seguidores).",
    "Plataformas: bluesky (13), mastodon (11), reddit (6).",
)
ES_ASKS = (
    "«Where is my order?» (2 publicaciones)",
    "«¿Dónde está mi pedido?» (2 publicaciones)",
    "«Is it true that Acme is closing all its stores?» (2 publicaciones)",
    "«¿Es verdad que Acme cierra todas sus tiendas?»",
    "«¿Hay algún teléfono de Acme para reclamar?»",
)
POST_IDS = (101, 113, 119, 105, 107, 122, 118, 126)


def test_english_summary_of_the_incident() -> None:
    summary = extractive_summary(incident(), lang="en")
    assert summary.lang == "en"
    assert summary.headline == EN_HEADLINE
    assert summary.bullets == EN_BULLETS
    assert summary.asks == EN_ASKS
    assert summary.post_ids == POST_IDS
    assert summary.reason is None


def test_spanish_summary_of_the_incident() -> None:
    summary = extractive_summary(incident(), lang="es")
    assert summary.lang == "es"
    assert summary.headline == ES_HEADLINE
    assert summary.bullets == ES_BULLETS
    assert summary.asks == ES_ASKS
    assert summary.post_ids == POST_IDS


def test_the_summary_language_does_not_depend_on_the_active_locale() -> None:
    with i18n.use_locale("es"):
        assert extractive_summary(incident(), lang="en").headline == EN_HEADLINE
    assert i18n.get_locale() == "en"


def test_the_summary_is_deterministic_whatever_the_order_of_the_input() -> None:
    shuffled = incident(
        mentions=tuple(reversed(make_mentions())),
        stories=tuple(reversed(STORIES)),
        counts=tuple(reversed(make_counts())),
    )
    for lang in ("en", "es"):
        assert extractive_summary(shuffled, lang=lang) == extractive_summary(incident(), lang=lang)


def test_markdown_rendering() -> None:
    data = incident(mentions=make_mentions(ROWS[:3]), stories=(), counts=(), baseline_texts=(), severity=None)
    summary = extractive_summary(data, lang="es")
    assert summary.as_markdown() == (
        "**Deliveries failing: 3 menciones en 5 minutos; 100\xa0% negativas.**\n"
        "\n"
        "- Volumen: 3 menciones desde las 10:00 UTC; no hay volumen esperado con el que comparar.\n"
        "- Proporción negativa: 100\xa0% (3 de 3 menciones con sentimiento).\n"
        "- Historia: «Tercer día esperando el pedido de Acme. #AcmeNoLlega» (3 menciones, mastodon, bluesky)\n"
        "- Términos emergentes: pedido, #acmenollega.\n"
        "- Autores con más alcance: marta.bsky.social (1.200 seguidores), @laura@social.example (320 seguidores), "
        "@pedro@mstdn.example (85 seguidores).\n"
        "- Plataformas: mastodon (2), bluesky (1).\n"
        "\n"
        "### Qué pide la gente\n"
        "\n"
        "- «¿Dónde está mi pedido?»\n"
    )
    assert summary.post_ids == (102, 103)


def test_markdown_escapes_formatting_in_quoted_posts() -> None:
    rows = [(1, 1, "mastodon", "a", 10, "negative", "question", None, "en", "Is *this* [real](http://x)?")]
    summary = extractive_summary(incident(mentions=make_mentions(rows), stories=(), counts=()), lang="en")
    assert summary.asks == ("“Is *this* [real](http://x)?”",)
    assert "- “Is \\*this\\* \\[real\\](http://x)?”\n" in summary.as_markdown()


def test_headline_without_sentiment_or_expected_volume_and_long_periods_in_hours() -> None:
    rows = [
        (1, 0, "mastodon", None, None, None, "", None, "en", "Acme outage reported near the station"),
        (2, 150, "mastodon", None, None, None, "", None, "en", "Acme outage still going"),
    ]
    summary = extractive_summary(incident(mentions=make_mentions(rows), stories=(), counts=()), lang="en")
    assert summary.headline == "SEV2 · Deliveries failing: 2 mentions in 2.5 hours."
    assert summary.bullets == (
        "Volume: 2 mentions since 10:00 UTC; no expected volume to compare with.",
        "Platforms: mastodon (2).",
    )
    assert summary.asks == ()


def test_headline_with_expected_volume_but_no_sentiment() -> None:
    rows = [(1, 0, "bluesky", None, None, None, "", None, "en", "Acme outage")]
    counts = (MinuteCount(minute=START, observed=1, expected=4),)
    summary = extractive_summary(incident(mentions=make_mentions(rows), stories=(), counts=counts), lang="es")
    assert summary.headline == "SEV2 · Deliveries failing: 1 mención en 1 minuto, 0,2 veces el volumen esperado."
    assert summary.bullets[0] == "Volumen: 1 mención desde las 10:00 UTC frente a 4 esperadas."


def test_stories_come_from_the_mentions_when_no_story_statistics_are_given() -> None:
    summary = extractive_summary(incident(stories=()), lang="en")
    stories = [bullet for bullet in summary.bullets if bullet.startswith("Story:")]
    assert stories == [
        "Story: “Tercer día esperando el pedido de Acme. #AcmeNoLlega” (12 mentions, bluesky, mastodon, reddit)",
        "Story: “Llevo una semana esperando mi pedido de Acme y nadie da la cara. No vuelvo a comprar. #AcmeNoLlega” "
        "(5 mentions, bluesky, mastodon, reddit)",
        "Story: “Dicen que Acme cierra todas sus tiendas y por eso no llegan los pedidos” "
        "(5 mentions, bluesky, mastodon, reddit)",
    ]
    assert summary.post_ids[:3] == (102, 113, 119)


def test_no_mentions_yet() -> None:
    summary = extractive_summary(incident(mentions=(), stories=(), counts=()), lang="es")
    assert summary.headline == "SEV2 · Deliveries failing: todavía no hay menciones."
    assert summary.bullets == ()
    assert summary.as_markdown() == "**SEV2 · Deliveries failing: todavía no hay menciones.**\n\n"


def test_long_posts_are_cut_in_quotes() -> None:
    text = "Acme " + "muy " * 60 + "mal"
    rows = [(i, i, "mastodon", f"u{i}", 10, "negative", "complaint", 7, "es", text) for i in (1, 2)]
    summary = extractive_summary(incident(mentions=make_mentions(rows), stories=(), counts=()), lang="es")
    story = next(bullet for bullet in summary.bullets if bullet.startswith("Historia:"))
    quoted = story.split("«")[1].split("»")[0]
    assert quoted == "Acme " + "muy " * 32 + "muy…"
    assert len(quoted) <= 140


def test_summary_as_dict() -> None:
    summary = extractive_summary(incident(), lang="en")
    assert summary.as_dict() == {
        "lang": "en",
        "headline": EN_HEADLINE,
        "bullets": list(EN_BULLETS),
        "asks": list(EN_ASKS),
        "post_ids": list(POST_IDS),
        "reason": None,
    }


@pytest.mark.parametrize("lang", ["es-ES", "EN", "en_GB"])
def test_language_codes_are_normalised(lang: str) -> None:
    assert extractive_summary(incident(), lang=lang).lang == lang[:2].lower()


def test_unsupported_language_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        extractive_summary(incident(), lang="fr")
    assert caught.value.code == "unsupported_language"
    assert caught.value.message == "Unsupported language 'fr': use Spanish (es) or English (en)."
    with i18n.use_locale("es"), pytest.raises(ValidationError) as caught:
        extractive_summary(incident(), lang="fr")
    assert caught.value.message == "Idioma no admitido 'fr': usa español (es) o inglés (en)."


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="timezone"):
        SummaryInput(title="x", started_at=datetime(2025, 3, 14, 10, 0))
