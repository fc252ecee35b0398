"""Fast-path sentiment: Spanish rules, English VADER plus crisis rules, graceful elsewhere."""

from __future__ import annotations

import math
import re
from importlib import resources

import pytest

from baliza.analysis.sentiment import (
    MAX_CUES,
    NEGATIVE_THRESHOLD,
    NEUTRAL,
    POSITIVE_THRESHOLD,
    LexiconError,
    Sentiment,
    conjugations,
    derived_forms,
    label_for,
    load_spanish_lexicon,
    parse_lexicon,
    sentiment,
)
from baliza.ingest.normalize import fold

NEG, NEU, POS = "negative", "neutral", "positive"

CASES: list[tuple[str, str | None, str]] = [
    # Spanish (Spain) complaints and crisis phrases
    ("Mi pedido no ha llegado y nadie me responde. Vergüenza de empresa.", "es", NEG),
    ("Es una ESTAFA, devuélvanme mi dinero ya", "es", NEG),
    ("Intoxicación alimentaria después de cenar en vuestro local, acabé en urgencias", "es", NEG),
    ("Sigo esperando el reembolso desde hace tres semanas", "es", NEG),
    ("Nunca más vuelvo a comprar aquí, servicio pésimo", "es", NEG),
    ("Boicot a @AcmeFoods hasta que den la cara #AcmeNoLlega", "es", NEG),
    ("Qué timo de empresa, todo cutre y caro", "es", NEG),
    ("La app no funciona desde ayer, fatal", "es", NEG),
    ("Voy a poner una denuncia en consumo, esto es una mierda", "es", NEG),
    ("Llevo 2 horas al teléfono y me cuelgan. Indignante", "es", NEG),
    # Spanish (Latin America)
    ("Qué chido el servicio, llegó rapidísimo", "es", POS),
    ("Está bien chévere la app, la recomiendo", "es", POS),
    ("Qué mala onda, el pedido llegó frío y la comida estaba vencida", "es", NEG),
    ("Re bueno el servicio, gracias che", "es", POS),
    ("Es una porquería, me cobraron dos veces y no me devuelven nada", "es", NEG),
    # Spanish praise
    ("Me encanta vuestro servicio, gracias por todo", "es", POS),
    ("Pedido recibido, genial, 10/10", "es", POS),
    ("Buenísimoooo!!! repetiremos seguro", "es", POS),
    ("Muchas gracias por la rapidez, todo perfecto 😊", "es", POS),
    ("Problema solucionado, gracias por la atención", "es", POS),
    # Sarcasm
    ("genial, tercer día sin pedido 👏👏", "es", NEG),
    ("gracias por nada", "es", NEG),
    ("qué maravilla de servicio, otra vez sin pedido", "es", NEG),
    ("Perfecto, me habéis cobrado dos veces. Enhorabuena", "es", NEG),
    ("Muy profesional todo, una semana esperando y sin respuesta 🙃", "es", NEG),
    ("jajaja qué vergüenza de empresa", "es", NEG),
    ("Me encanta esperar una hora al teléfono para nada, gracias Acme", "es", NEG),
    # Negation and modifiers
    ("No me gusta nada el nuevo envase", "es", NEG),
    ("No está mal, la verdad", "es", POS),
    ("No es bueno, tampoco horrible", "es", NEU),
    ("El producto no es muy bueno", "es", NEG),
    ("Sin problemas, todo llegó a tiempo", "es", POS),
    ("Nunca me ha fallado", "es", POS),
    ("Un poco caro pero muy rico", "es", POS),
    # Slang and misspellings
    ("q verguenza lo de acme", "es", NEG),
    ("xq no contestan?? nunca mas", "es", NEG),
    ("wtf el pedido otra vez mal", "es", NEG),
    ("hostia que asco de comida", "es", NEG),
    ("tmb me llego roto, q cutre", "es", NEG),
    ("Ostia tío, qué pasada de sitio", "es", POS),
    # Emoji and emoticons only
    ("😡😡😡", None, NEG),
    ("👎", "es", NEG),
    ("😍🙏", None, POS),
    ("❤️", "en", POS),
    (":(", "es", NEG),
    (":)", "es", POS),
    ("💩", None, NEG),
    ("gracias:)", "es", POS),
    ("nos vemos ;)", "es", POS),
    ("otra vez sin luz :((", "es", NEG),
    # Laughter
    ("jajajaja", "es", POS),
    ("xD", "es", POS),
    ("jejeje muy bueno", "es", POS),
    # English
    ("This is a scam, I want a refund", "en", NEG),
    ("Never again. Worst delivery service ever", "en", NEG),
    ("Got food poisoning from your burger", "en", NEG),
    ("Still waiting for my order, third day now", "en", NEG),
    ("Boycott Acme until they apologise", "en", NEG),
    ("Love this place, great service!", "en", POS),
    ("Thanks for the quick reply, all sorted now", "en", POS),
    ("Great, third day without my order 👏👏", "en", NEG),
    ("Thanks for nothing", "en", NEG),
    ("The store opens at 9am on Monday", "en", NEU),
    # Mixed language
    ("El servicio es horrible, worst experience ever", "es", NEG),
    ("Love it! Me encanta", "es", POS),
    ("refund please, esto es una estafa", "en", NEG),
    # Neutral Spanish
    ("El pedido sale mañana desde Madrid", "es", NEU),
    ("¿Alguien sabe a qué hora abre la tienda?", "es", NEU),
    ("Hoy es martes", "es", NEU),
    # Other languages and odd input
    ("هذا المنتج سيء 😡", "ar", NEG),
    ("这个产品很好", "zh", NEU),
    ("Das ist ein Betrug 👎", "de", NEG),
    ("Produto excelente, recomendo", "pt", POS),
    # Irony: kind words that mean the opposite (eye rolls, "yeah right", praise around a complaint)
    ("Otro día más esperando el pedido, qué ilusión 🙃", "es", NEG),
    ("Fantástico, me cobran dos veces y encima me cuelgan", "es", NEG),
    ("Súper rápido el envío: solo tres semanas 🙄", "es", NEG),
    ("Great, my parcel is lost again. Thanks Acme 👏", "en", NEG),
    ("So glad my flight got cancelled without notice, really professional", "en", NEG),
    ("Super fast delivery: only three weeks 🙄", "en", NEG),
    ("Congrats Acme, you've lost another loyal customer", "en", NEG),
    ("Yeah right, 'next day delivery' 😂", "en", NEG),
    ("Brilliant, the app is down on payday again", "en", NEG),
    ("Just love it when my refund takes 6 weeks", "en", NEG),
    ("Thanks for the refund, took only 3 months 🙄", "en", NEG),
    # Reports, not reactions: crisis words in a headline are the news, not the author's feelings
    ("Acme anuncia la retirada voluntaria de un lote de yogures por posible contaminación", "es", NEU),
    ("Según fuentes de la empresa, el retraso en las entregas se debe a la huelga de transportistas", "es", NEU),
    ("Acme announces voluntary recall of yoghurt batch over possible contamination", "en", NEU),
    ("TelcoSur reports outage affecting 20,000 customers in Madrid", "en", NEU),
    ("Detenidos por una estafa masiva con falsas ofertas de Acme", "es", NEG),  # strong words still show
    ("Acme confirma que no me devolverá el dinero, vergüenza", "es", NEG),  # the author speaks: not a report
    ("Acme says my parcel was delivered but it was not", "en", NEG),
    ("Acme anuncia nuevas tiendas, ¡qué ganas! 😍", "es", POS),
    ("Gracias Acme por arruinarme el cumpleaños", "es", NEG),
    ("Qué sorpresa, otra vez sin cobertura", "es", NEG),
    ("Me encanta cómo me ignoráis en cada mensaje", "es", NEG),
    ("Un diez para vuestro servicio técnico, tres visitas y sigue roto", "es", NEG),
    ('El envío "rápido" de Acme: tres semanas', "es", NEG),  # scare quotes
    ("Thanks Acme for ruining my birthday", "en", NEG),
    ("What a surprise, no signal again", "en", NEG),
    ("Love how you ignore every single message", "en", NEG),
    ("Perfect, now the app won't even let me log in", "en", NEG),
    # …and the same words meant sincerely
    ("Excellent customer service, thanks!", "en", POS),  # "customer service" alone is not a complaint
    ("Muy buena atención al cliente, gracias", "es", POS),
    ('La campaña "Sonrisas" de Acme recauda 10.000 euros para el banco de alimentos', "es", POS),  # a name
    ("Qué ilusión me ha hecho el regalo de Acme 😍", "es", POS),
    ("Súper rápido el envío, llegó en un día 😍", "es", POS),
    ("So glad my parcel arrived early, thank you!", "en", POS),
    ("Thanks for the quick refund Acme, great service", "en", POS),
    ("Glad I got my refund, thanks Acme", "en", POS),
    ("Very professional staff at the Madrid store", "en", POS),
    ("", None, NEU),
    ("   \n\t  ", "es", NEU),
    ("https://acme.example/pedido/123 https://t.co/xyz", "es", NEU),
    ("@acme @acme_help", "es", NEU),
    ("#AcmeNoLlega", "es", NEG),
    ("?!?!", None, NEU),
]


@pytest.mark.parametrize(("text", "lang", "expected"), CASES)
def test_label_and_sign(text: str, lang: str | None, expected: str) -> None:
    result = sentiment(text, lang)
    assert result.label == expected, result
    if expected == NEG:
        assert result.score <= NEGATIVE_THRESHOLD
    elif expected == POS:
        assert result.score >= POSITIVE_THRESHOLD
    else:
        assert NEGATIVE_THRESHOLD < result.score < POSITIVE_THRESHOLD


def test_there_are_enough_hand_written_cases() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize(
    ("score", "label"),
    [(-1.0, NEG), (-0.15, NEG), (-0.1499, NEU), (0.0, NEU), (0.1499, NEU), (0.15, POS), (1.0, POS)],
)
def test_label_thresholds(score: float, label: str) -> None:
    assert label_for(score) == label


@pytest.mark.parametrize(
    ("text", "lang", "cue"),
    [
        ("Es una estafa", "es", "una estafa"),
        ("El pedido no ha llegado", "es", "no ha llegado"),
        ("genial, tercer día sin pedido 👏👏", "es", "rule:sarcasm"),
        ("genial, tercer día sin pedido 👏👏", "es", "sin pedido"),
        ("No me gusta el sabor", "es", "no me gusta"),
        ("Sin respuesta desde el lunes", "es", "sin respuesta"),
        ("verguenza", "es", "verguenza"),
        ("ESTAFA", "es", "rule:caps"),
        ("malooooo", "es", "rule:elongation"),
        ("Qué asco!!!", "es", "rule:exclamation"),
        ("súper caro", "es", "rule:intensifier"),
        ("un poco caro", "es", "rule:diminisher"),
        ("TelcoSur reports outage affecting customers in Madrid", "en", "rule:news"),
        ("Súper rápido el envío: solo tres semanas 🙄", "es", "rule:sarcasm"),
        ("😡", None, "😡"),
        ("Still waiting for my refund", "en", "still waiting"),
        ("I love it", "en", "love"),
    ],
)
def test_cues_explain_the_decision(text: str, lang: str | None, cue: str) -> None:
    assert cue in sentiment(text, lang).cues


def test_cues_follow_the_label() -> None:
    result = sentiment("Me encanta el producto pero el envío fue un desastre total", "es")
    assert result.label == NEG
    assert result.cues[0] == "un desastre"
    assert "me encanta" not in result.cues


def test_negated_word_cue_names_the_negator() -> None:
    assert sentiment("el servicio no es bueno", "es").cues[0] == "no bueno"


def test_no_cues_for_neutral_text() -> None:
    assert sentiment("El pedido sale mañana", "es") == Sentiment(NEU, 0.0, ())


def test_english_cues_carry_vader_score() -> None:
    result = sentiment("This is terrible", "en")
    assert result.label == NEG
    assert any(cue.startswith("vader:-") for cue in result.cues)
    assert "terrible" in result.cues


def test_cues_are_capped() -> None:
    text = " ".join(["estafa", "timo", "fraude", "robo", "pésimo", "horrible", "asco", "fatal", "cutre"] * 3)
    text += " " + "😡 🤬 👎 💩 😤 😒"
    result = sentiment(text, "es")
    assert len([cue for cue in result.cues if not cue.startswith("rule:")]) <= MAX_CUES


def test_deterministic() -> None:
    text = "genial, tercer día sin pedido 👏👏 #AcmeNoLlega"
    results = {sentiment(text, "es") for _ in range(5)}
    assert len(results) == 1


def test_result_is_frozen() -> None:
    result = sentiment("genial", "es")
    with pytest.raises(AttributeError):
        result.label = "negative"  # type: ignore[misc]


def test_score_range_and_rounding() -> None:
    for text, lang, _ in CASES:
        score = sentiment(text, lang).score
        assert -1.0 <= score <= 1.0
        assert score == round(score, 4)


def test_accent_and_case_folding() -> None:
    forms = ["vergüenza", "verguenza", "VERGÜENZA", "VerGuEnZa"]
    labels = {sentiment(form, "es").label for form in forms}
    assert labels == {NEG}
    assert fold("VERGÜENZA") == "verguenza"


@pytest.mark.parametrize("lang", ["es", "ES", "es-MX", "es_AR", "spa"])
def test_spanish_language_codes(lang: str) -> None:
    assert sentiment("qué asco", lang).label == NEG


@pytest.mark.parametrize("lang", ["en", "EN", "en-GB", "en_US", "eng"])
def test_english_language_codes(lang: str) -> None:
    assert sentiment("what a scam", lang).label == NEG


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "😀" * 5000,
        "a" * 20_000,
        ("pedido " * 3000)[:20_000],
        ("estafa no llegó 😡 jajaja " * 1000)[:20_000],
        ("I hate this but I love that " * 800)[:20_000],
        "\u200d\ufe0f\u20e3",
        "ﷺ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕥𝕖𝕩𝕥 ǅ ß ﬁ",
        "日本語のテキスト、絵文字🎌と句読点。",
        "Ελληνικά κείμενα και русский текст",
        "עברית وعربي",
        "#" * 500 + "@" * 500,
        ":):):):(:(:(",
        "jajajajajajajajajajajajajajajajajajajajaja" * 50,
        "nooooooooooooooooooooooooooooooooooooooooo" * 50,
    ],
)
@pytest.mark.parametrize("lang", ["es", "en", None, "ja", "zz-Unknown"])
def test_never_crashes(text: str, lang: str | None) -> None:
    result = sentiment(text, lang)
    assert result.label in (NEG, NEU, POS)
    assert -1.0 <= result.score <= 1.0
    assert not math.isnan(result.score)


def test_long_text_is_still_scored() -> None:
    text = "Hola, os escribo por el pedido. " * 600 + "Es una estafa."
    assert len(text) > 19_000
    assert sentiment(text, "es").label == NEG


def test_empty_is_the_neutral_constant() -> None:
    assert sentiment("", "es") is NEUTRAL
    assert Sentiment(NEU, 0.0, ()) == NEUTRAL


# ---------------------------------------------------------------------------------------------
# The lexicon file
# ---------------------------------------------------------------------------------------------


def test_lexicon_parses_without_duplicates() -> None:
    entries = load_spanish_lexicon()
    terms = [entry.term for entry in entries]
    assert len(terms) == len(set(terms))
    assert len(entries) >= 300


def test_lexicon_scores_are_on_the_documented_scale() -> None:
    for entry in load_spanish_lexicon():
        assert -4.0 <= entry.score <= 4.0, entry
        if entry.negated is not None:
            assert -4.0 <= entry.negated <= 4.0, entry


def test_lexicon_terms_are_folded_single_spaced() -> None:
    for entry in load_spanish_lexicon():
        assert entry.term == " ".join(fold(entry.term).split()), entry


def test_lexicon_header_explains_the_scale() -> None:
    text = resources.files("baliza.analysis").joinpath("lexicon_es.tsv").read_text(encoding="utf-8")
    header = [line for line in text.splitlines()[:30] if line.startswith("#")]
    assert any("-4 .. +4" in line for line in header)
    assert any("term<TAB>score" in line for line in header)


@pytest.mark.parametrize(
    "term",
    [
        "estafa",
        "verguenza",
        "nunca mas",
        "no llego",
        "no ha llegado",
        "sigo esperando",
        "boicot",
        "devuelvanme mi dinero",
        "intoxicacion",
        "pesimo",
        "una mierda",
        "timo",
        "cutre",
        "fatal",
        "denuncia",
        "genial",
        "me encanta",
        "gracias",
        "rapidisimo",
        "10/10",
    ],
)
def test_lexicon_covers_the_crisis_vocabulary(term: str) -> None:
    assert term in {entry.term for entry in load_spanish_lexicon()}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("estafa", "expected term<TAB>score"),
        ("estafa\tmucho", "is not a number"),
        ("estafa\t-5", "outside [-4, 4]"),
        ("estafa\t-3\tz", "unknown tag"),
        ("estafa\t-3\nESTAFA\t-2", "already defined on line 1"),
        ("vergüenza\t-3\nverguenza\t-2", "already defined on line 1"),
    ],
)
def test_lexicon_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(LexiconError, match=re.escape("test.tsv:")):
        parse_lexicon(text, source="test.tsv")
    with pytest.raises(LexiconError, match=re.escape(message)):
        parse_lexicon(text, source="test.tsv")


def test_lexicon_tags_parse() -> None:
    (entry,) = parse_lexicon("# comment\n\nllegar\t0\tv,x,n=-2.4\n")
    assert entry.tags == frozenset({"v", "x"})
    assert entry.negated == -2.4
    assert entry.line == 3


# ---------------------------------------------------------------------------------------------
# Word forms
# ---------------------------------------------------------------------------------------------


def test_derived_forms_cover_gender_number_and_evaluatives() -> None:
    forms = dict(derived_forms("bueno"))
    assert {"buena", "buenos", "buenas", "buenisimo", "buenito", "buenazo", "superbueno", "rebuena"} <= set(forms)
    assert forms["buenisimo"] > forms["buena"]
    assert "riquisimo" in dict(derived_forms("rico"))
    assert "amabilisimo" in dict(derived_forms("amable"))
    assert "felices" in dict(derived_forms("feliz"))


def test_conjugations_are_regular_forms() -> None:
    forms = set(conjugations("odiar"))
    assert {"odio", "odias", "odia", "odian", "odiaba", "odiado", "odiando", "odie"} <= forms
    assert "saque" in set(conjugations("sacar"))
    assert {"recibio", "recibido", "reciben"} <= set(conjugations("recibir"))


@pytest.mark.parametrize(
    "text",
    ["odio esperar", "lo odiaba", "malísimo", "una chapuza", "malitos", "horribles", "superlento"],
)
def test_derived_forms_are_matched(text: str) -> None:
    assert sentiment(text, "es").label == NEG


@pytest.mark.parametrize("text", ["para", "un rato", "buenas tardes", "me pongo cara de póker", "está vivo"])
def test_common_words_do_not_inherit_a_lemma_valence(text: str) -> None:
    # "para" is not the feminine of "paro", "rato" not the masculine of "rata".
    assert sentiment(text, "es").label != NEG
