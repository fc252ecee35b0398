"""Converter complaints about a value, reworded so they can be told in the user's language."""

from __future__ import annotations

import pytest

from baliza.cli.usage import _reason
from baliza.core import i18n


@pytest.mark.parametrize(
    ("message", "english", "spanish"),
    [
        ("Input should be greater than or equal to 100", "must be at least 100", "debe ser como mínimo 100"),
        ("Input should be less than or equal to 600.0", "must be at most 600.0", "debe ser como máximo 600.0"),
        ("Input should be greater than 0", "must be more than 0", "debe ser mayor que 0"),
        ("Input should be less than -1", "must be less than -1", "debe ser menor que -1"),
        ("Input should be a valid integer, unable to parse", "must be a whole number", "debe ser un número entero"),
        ("'x' is not one of 'html', 'md'.", "'x' is not one of 'html', 'md'.", "'x' is not one of 'html', 'md'."),
    ],
)
def test_value_complaints_in_both_languages(message: str, english: str, spanish: str) -> None:
    try:
        i18n.set_locale("en")
        assert _reason(message) == english
        i18n.set_locale("es")
        assert _reason(message) == spanish
    finally:
        i18n.set_locale("en")
