"""Bilingual texts (Spanish and English).

Source strings are English; Spanish lives in ``baliza/locale/es/LC_MESSAGES/*.po`` (``messages.po``
plus one catalogue per area, such as ``plans.po``; they are read together as one).
The active language is a context variable, set per request by the web layer and once by the CLI,
so domain code can call ``_()`` without knowing who asked.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from contextvars import ContextVar
from importlib import resources

from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

SUPPORTED = ("es", "en")
DEFAULT_LOCALE = "en"

_current: ContextVar[str] = ContextVar("baliza_locale", default=DEFAULT_LOCALE)


@functools.cache
def catalogue(locale: str) -> dict[str, str]:
    """msgid -> msgstr for one locale; English is the identity."""
    if locale == "en":
        return {}
    folder = resources.files("baliza") / "locale" / locale / "LC_MESSAGES"
    merged: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as fh:
            cat = read_po(fh, locale=locale)
        merged.update({str(m.id): str(m.string) for m in cat if m.id and m.string and not m.fuzzy})
    return merged


def negotiate(accept_language: str | None, fallback: str = DEFAULT_LOCALE) -> str:
    """Pick es or en from an Accept-Language header or a locale name such as ``es_ES.UTF-8``."""
    if not accept_language:
        return fallback
    best: tuple[float, str] | None = None
    for part in accept_language.split(","):
        piece, _sep, q = part.strip().partition(";q=")
        lang = piece.strip().replace("_", "-").split("-")[0].split(".")[0].lower()
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        if lang in SUPPORTED and (best is None or weight > best[0]):
            best = (weight, lang)
    return best[1] if best else fallback


def locale_from_env() -> str:
    """The CLI's language: BALIZA_LANG, then LC_ALL / LC_MESSAGES / LANG."""
    for var in ("BALIZA_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value and value not in ("C", "POSIX", "C.UTF-8"):
            return negotiate(value)
    return DEFAULT_LOCALE


def get_locale() -> str:
    return _current.get()


def set_locale(locale: str) -> None:
    _current.set(locale if locale in SUPPORTED else DEFAULT_LOCALE)


@contextlib.contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Run a block in one language."""
    token = _current.set(locale if locale in SUPPORTED else DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    """Translate ``message`` into the active language."""
    return catalogue(_current.get()).get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Singular/plural aware translation (es and en share the same plural rule)."""
    return gettext(singular if n == 1 else plural)


def number(value: float, digits: int | None = None) -> str:
    """``value`` written the reader's way (``1,234.5`` / ``1234,5``); ``digits`` fixes the decimals."""
    if digits is None:
        return str(format_decimal(value, locale=_current.get()))
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(format_decimal(value, format=pattern, locale=_current.get()))


def percent(share: float) -> str:
    """A share in [0, 1] as a percentage the reader's way (``75%`` / ``75 %``)."""
    return str(format_percent(share, locale=_current.get()))


def N_(message: str) -> str:
    """Mark ``message`` for translation later (stored now, rendered in the reader's language)."""
    return message


_ = gettext

__all__ = [
    "N_",
    "SUPPORTED",
    "_",
    "catalogue",
    "get_locale",
    "gettext",
    "locale_from_env",
    "negotiate",
    "ngettext",
    "number",
    "percent",
    "set_locale",
    "use_locale",
]
