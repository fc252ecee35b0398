"""Text, fold and URL normalisation on the ingest hot path."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from baliza.ingest.normalize import FOLD_TABLE, extract_urls, find_control_char, fold, normalize_text, normalize_url

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("hola mundo", "hola mundo"),
        ("  hola   mundo  ", "hola mundo"),
        ("a\r\nb\rc", "a\nb\nc"),
        ("a\t\tb", "a b"),
        ("a\u00a0b", "a b"),
        ("a \u00a0 \u2003\u2009b", "a b"),
        ("a\u202fb\u3000c\u205fd\u1680e\u200af", "a b c d e f"),
        ("a\u200bb\ufeff", "ab"),
        ("\ufeffpedido", "pedido"),
        ("línea  \n   dos", "línea\ndos"),
        ("a\n\n\n\nb", "a\n\nb"),
        ("a\n \n\t\n b", "a\n\nb"),
        ("a\r\n\r\n\r\nb", "a\n\nb"),
        ("a\u2028b\u2029c", "a\nb\nc"),
        ("\n\n  hola \n\n", "hola"),
        ("cami\u0301on", "cam\u00edon"),
        ("camio\u0301n", "cami\u00f3n"),
        ("¡No llegó mi pedido! 😡😡", "¡No llegó mi pedido! 😡😡"),
        (f"familia {FAMILY}  ok", f"familia {FAMILY} ok"),
        ("España 🇪🇸 👍🏽 1️⃣", "España 🇪🇸 👍🏽 1️⃣"),
        ("#AcmeNoLlega\u00a0\u00a0@acme", "#AcmeNoLlega @acme"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize("raw", ["  a  b ", "a\r\n\r\n\r\n b", "x\u00a0\u200by", f"{FAMILY}\n\n\n{FAMILY}", "ok"])
def test_normalize_text_is_idempotent(raw: str) -> None:
    once = normalize_text(raw)
    assert normalize_text(once) == once


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("hola", None),
        ("a\tb\nc\r\n", None),
        ("emoji 😡 y ZWJ " + FAMILY, None),
        ("a\x00b", 1),
        ("ab\x1b[31m", 2),
        ("\x0b", 0),
        ("\x0c", 0),
        ("x\x7f", 1),
        ("a\x85", 1),
        ("a\x9f", 1),
        ("ok \xa0 ok", None),
        (b"caf\xe9 con leche".decode("utf-8", "surrogateescape"), 3),
        ("a\ud83d", 1),
        ("línea\nbien\x01", 10),
    ],
)
def test_find_control_char(text: str, expected: int | None) -> None:
    assert find_control_char(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Camión", "camion"),
        ("camion", "camion"),
        ("AÑO", "ano"),
        ("Über", "uber"),
        ("Straße", "strasse"),
        ("ÀÉÎÕÜ çÇ ñÑ", "aeiou cc nn"),
        ("camio\u0301n", "camion"),
        ("Tiếng Việt", "tieng viet"),
        ("Łódź Øresund", "lodz oresund"),
        ("İstanbul", "istanbul"),
        ("#AcmeNoLlega", "#acmenollega"),
        ("¡Qué mal! 😡", "¡que mal! 😡"),
        (f"Pésimo {FAMILY}", f"pesimo {FAMILY}"),
        ("ΣΟΦΊΑ", "σοφία"),
        ("مرحبا", "مرحبا"),
        ("漢字かな", "漢字かな"),
        ("Ελληνικά y español", "ελληνικά y espanol"),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


LATIN = [chr(cp) for cp in (*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00), *range(0x0300, 0x0370))]


def test_fold_agrees_with_the_translate_table_char_by_char() -> None:
    disagree = [char for char in LATIN if fold(char) != char.casefold().translate(FOLD_TABLE)]
    assert disagree == []


def test_fold_is_idempotent_char_by_char() -> None:
    unstable = [char for char in LATIN if fold(fold(char)) != fold(char)]
    assert unstable == []


@pytest.mark.parametrize("text", ["".join(LATIN), "".join(LATIN) + " 😡", "Äpfel ÿ µ ß Ǿ"])
def test_fold_agrees_with_the_translate_table_on_mixed_text(text: str) -> None:
    assert fold(text) == text.casefold().translate(FOLD_TABLE)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Acme.Example/Pedido?utm_source=tw&id=3&utm_medium=x#frag", "https://acme.example/Pedido?id=3"),
        ("HTTP://ACME.example:80/", "http://acme.example"),
        ("https://acme.example:443/a", "https://acme.example/a"),
        ("https://acme.example:8443/a", "https://acme.example:8443/a"),
        ("http://acme.example:443/", "http://acme.example:443"),
        ("https://acme.example/?fbclid=abc", "https://acme.example"),
        ("https://acme.example/?q=1", "https://acme.example?q=1"),
        ("https://acme.example?", "https://acme.example"),
        ("https://acme.example/a/", "https://acme.example/a/"),
        (
            "https://acme.example/a/?x=1&gclid=2&si=3&igshid=4&mc_cid=5&mc_eid=6&ref_src=7&UTM_Campaign=8&z",
            "https://acme.example/a/?x=1&z",
        ),
        ("https://acme.example/s?q=cami%C3%B3n&b=2&a=1", "https://acme.example/s?q=cami%C3%B3n&b=2&a=1"),
        ("https://acme.example/s?sig=1&si", "https://acme.example/s?sig=1"),
        ("https://acme.example/s?a=1&&b=2", "https://acme.example/s?a=1&b=2"),
        ("https://Cañón.Example/Ruta", "https://cañón.example/Ruta"),
        ("https://xn--caon-hqa.example/", "https://xn--caon-hqa.example"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("https://user@Acme.example/", "https://user@acme.example"),
        ("  https://acme.example/a  ", "https://acme.example/a"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "acme.example/x",
        "ftp://acme.example/x",
        "mailto:info@acme.com",
        "javascript:alert(1)",
        "https://",
        "https:///ruta",
        "http://acme.example:99999/",
        "http://acme.example:abc/",
        "http://[::1",
    ],
)
def test_normalize_url_rejects(url: str) -> None:
    assert normalize_url(url) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nada que ver aquí", []),
        ("Mirad https://acme.example/pedido?utm_source=tw&id=3, fatal.", ["https://acme.example/pedido?id=3"]),
        (
            "(ver https://es.wikipedia.org/wiki/Acme_(empresa)).",
            ["https://es.wikipedia.org/wiki/Acme_(empresa)"],
        ),
        ("(https://acme.example/a)", ["https://acme.example/a"]),
        ("«https://acme.example/a»", ["https://acme.example/a"]),
        ("\"https://acme.example/a\" y 'https://acme.example/b'", ["https://acme.example/a", "https://acme.example/b"]),
        ("¿https://acme.example/a? ¡https://acme.example/b!", ["https://acme.example/a", "https://acme.example/b"]),
        ("https://acme.example/a: https://acme.example/b; ok", ["https://acme.example/a", "https://acme.example/b"]),
        ("[https://acme.example/a]", ["https://acme.example/a"]),
        ("https://acme.example/a...", ["https://acme.example/a"]),
        ("https://acme.example/p😡😡 horrible", ["https://acme.example/p"]),
        ("https://acme.example/a… seguirá", ["https://acme.example/a"]),
        (
            "https://acme.example/a! y https://acme.example/a?utm_medium=x otra vez https://acme.example/a#top",
            ["https://acme.example/a"],
        ),
        ("B: https://b.example/x A: http://a.example/y", ["https://b.example/x", "http://a.example/y"]),
        ("HTTPS://ACME.EXAMPLE/X", ["https://acme.example/X"]),
        ("https://es.wikipedia.org/wiki/Camión.", ["https://es.wikipedia.org/wiki/Camión"]),
        ("ftp://acme.example/x y www.acme.example", []),
        (
            "https://web.archive.org/web/2020/https://acme.example/x",
            ["https://web.archive.org/web/2020/https://acme.example/x"],
        ),
        ("escribid a info@acme.example o https://", []),
    ],
)
def test_extract_urls(text: str, expected: list[str]) -> None:
    assert extract_urls(text) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.es/pedido/123",
        "http://x.com/a/b/",
        "https://ACME.es/p",
        "https://acme.es/",
        "https://acme.es:443/p",
        "https://acme.es/p?utm_source=x",
        "https://acme.es/p#frag",
        "https://user@acme.es/p",
    ],
)
def test_fast_path_agrees_with_the_full_parse(url: str) -> None:
    result = normalize_url(url)
    assert result is not None
    parts = urlsplit(result)
    assert parts.scheme == parts.scheme.lower() and parts.hostname == (parts.hostname or "").lower()
    assert not parts.fragment and "utm_" not in parts.query and parts.port is None
    assert parts.path != "/"
    assert normalize_url(result) == result
