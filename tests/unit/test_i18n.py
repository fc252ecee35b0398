"""Every user-facing string in the code has a Spanish translation with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from baliza.core import i18n

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{([a-z_]+)[^}]*\}")


def _source_messages() -> set[str]:
    method_map = [("src/baliza/**.py", "python"), ("src/baliza/web/templates/**.html", "jinja2")]
    options = {"src/baliza/web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, options_map=options, keywords={"_": None, "N_": None}
    ):
        if isinstance(message, str) and message:
            found.add(message)
    return found


MESSAGES = sorted(_source_messages())


def test_the_code_has_messages_to_translate() -> None:
    assert "Latest mentions" in MESSAGES
    assert len(MESSAGES) > 50


@pytest.mark.parametrize("message", MESSAGES)
def test_every_message_has_a_spanish_translation(message: str) -> None:
    spanish = i18n.catalogue("es").get(message)
    assert spanish, f"no Spanish translation for {message!r} (run make i18n and translate it)"
    assert set(PLACEHOLDER.findall(spanish)) == set(PLACEHOLDER.findall(message))


def test_no_stale_translations() -> None:
    stale = set(i18n.catalogue("es")) - set(MESSAGES)
    assert not stale, f"translations for strings no longer in the code: {sorted(stale)}"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-ES,es;q=0.9,en;q=0.8", "es"),
        ("en-GB,en;q=0.9", "en"),
        ("fr-FR,fr;q=0.9,es;q=0.5", "es"),
        ("de-DE", "en"),
        ("", "en"),
        ("es_MX.UTF-8", "es"),
        ("en;q=0.2, es;q=0.7", "es"),
    ],
)
def test_language_negotiation(header: str, expected: str) -> None:
    assert i18n.negotiate(header) == expected


def test_use_locale_switches_and_restores() -> None:
    with i18n.use_locale("es"):
        assert i18n._("is required") == "es obligatorio"
    assert i18n._("is required") == "is required"
