"""Text normalisation for the ingest hot path.

Every mention goes through these functions, so each one does its work with C-level calls
(precompiled regexes, ``str.replace``, ``str.casefold``) and skips the work entirely when a cheap
check says the text is already in shape.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

_MANY_NEWLINES = re.compile("\n{3,}")

# C0 except TAB/LF/CR, DEL, C1, and lone surrogates (invalid UTF-8 decoded with surrogateescape).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _build_fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for start, stop in ((0x00C0, 0x0250), (0x1E00, 0x1F00)):
        for cp in range(start, stop):
            decomposed = unicodedata.normalize("NFKD", chr(cp))
            base, marks = decomposed[:1], decomposed[1:]
            if marks and not unicodedata.combining(base) and all(unicodedata.combining(m) for m in marks):
                table[cp] = base.casefold()
    # Letters with a stroke have no decomposition but are read as their base letter.
    for char, base in (("ø", "o"), ("Ø", "o"), ("đ", "d"), ("Đ", "d"), ("ł", "l"), ("Ł", "l"), ("ħ", "h"), ("Ħ", "h")):
        table[ord(char)] = base
    for cp in range(0x0300, 0x0370):
        table[cp] = None
    # One pass of translate must reach the final form: Ǿ decomposes to Ø, which itself folds to o.
    return {cp: value.translate(table) if value else value for cp, value in table.items()}


FOLD_TABLE: dict[int, str | None] = _build_fold_table()
"""``str.translate`` table: accented Latin letter -> folded base letter, combining mark -> removed."""

_FOLD_REPLACEMENTS: dict[str, str] = {chr(cp): (value or "") for cp, value in FOLD_TABLE.items()}
_LATIN1_FOLD = bytes(
    ord(value) if cp in FOLD_TABLE and (value := FOLD_TABLE[cp]) and len(value) == 1 and ord(value) < 256 else cp
    for cp in range(256)
)
_FOLDABLE = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(FOLD_TABLE)) + "]")

_TRACKING_PARAMS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "igshid", "si", "ref_src"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_URL_CANDIDATE = re.compile(r"(?<![\w/])https?://[^\s<>\"]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]'\""
_BAD_HOST = re.compile(r"[\s<>\"{}|\\^`]")


def normalize_text(text: str) -> str:
    """NFC, LF line ends, one space per whitespace run, at most one blank line, no zero-width noise."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    # isprintable() is false for every control, separator and zero-width character. When it holds
    # (LF aside) the only whitespace is plain spaces and LFs, and cheap literal searches tell whether
    # anything needs tidying; most posts need nothing but the final strip.
    printable = text.isprintable() if "\n" not in text else text.replace("\n", " ").isprintable()
    if not printable:
        text = _unify_line_breaks(text)
    if not printable or "  " in text or " \n" in text or "\n " in text:
        # str.split() knows every Unicode whitespace character (tab, NBSP, U+2000-U+200A, U+3000...),
        # and per line it also drops the spaces at both ends; measured faster than regex substitution.
        text = "\n".join([" ".join(line.split()) for line in text.split("\n")])
    if "\n\n\n" in text:
        text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip(" \n")


def _unify_line_breaks(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for separator in ("\u2028", "\u2029"):
        if separator in text:
            text = text.replace(separator, "\n")
    # ZWJ (U+200D) stays: it glues multi-codepoint emoji together.
    for zero_width in ("\u200b", "\ufeff"):
        if zero_width in text:
            text = text.replace(zero_width, "")
    return text


def find_control_char(text: str) -> int | None:
    """Index of the first disallowed control character or lone surrogate, or None."""
    if text.isprintable():  # no Cc or Cs character at all: the common single-line post
        return None
    found = _CONTROL.search(text)
    return None if found is None else found.start()


def fold(text: str) -> str:
    """The form used for matching: case-folded, Latin accents removed."""
    if text.isascii():
        return text.lower()  # casefold() and lower() agree on ASCII; lower() has a faster path
    text = text.casefold()
    # str.translate(FOLD_TABLE) gives the same result but looks every character up in a dict, which
    # measured 3-6x slower than the two paths below on 150-character posts.
    latin1 = text.encode("latin-1", "ignore")
    if len(latin1) == len(text):  # Spanish, Portuguese, French... without emoji: a byte table does it
        return latin1.translate(_LATIN1_FOLD).decode("latin-1")
    for char in set(_FOLDABLE.findall(text)):
        text = text.replace(char, _FOLD_REPLACEMENTS[char])
    return text


# Already canonical: lowercase http(s) scheme and host, no port, no user, no query, no fragment,
# and a path other than a lone "/". Most post URLs look like this, so they skip urlsplit.
_CANONICAL_URL = re.compile(r"https?://[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?:/[^\s?#]+)?")


def normalize_url(url: str) -> str | None:
    """Canonical form of an http(s) URL without tracking noise, or None if it is not one."""
    if _CANONICAL_URL.fullmatch(url):
        return url
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host or _BAD_HOST.search(host):
        return None
    if ":" in host:
        host = f"[{host}]"
    userinfo, at, _hostport = parts.netloc.rpartition("@")
    netloc = f"{userinfo}{at}{host}"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = "" if parts.path == "/" else parts.path
    query = parts.query
    if query:
        kept = [param for param in query.split("&") if param and not _is_tracking(param.partition("=")[0])]
        query = "&".join(kept)
    return f"{scheme}://{netloc}{path}?{query}" if query else f"{scheme}://{netloc}{path}"


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key.startswith("utm_") or key in _TRACKING_PARAMS


def extract_urls(text: str) -> list[str]:
    """Normalised http(s) URLs in ``text``, first occurrence first, without duplicates."""
    if "://" not in text:
        return []
    found: dict[str, None] = {}
    for candidate in _URL_CANDIDATE.findall(text):
        url = _trim_url(candidate)
        normalised = normalize_url(url)
        if normalised is not None:
            found[normalised] = None
    return list(found)


def _trim_url(url: str) -> str:
    while url:
        last = url[-1]
        if last in _URL_TRAILING:
            # A closing bracket that pairs with one inside the URL belongs to it (Wikipedia-style links).
            if last == ")" and url.count("(") >= url.count(")"):
                break
            if last == "]" and url.count("[") >= url.count("]"):
                break
        elif last.isascii() or last.isalnum():
            break
        # Non-ASCII punctuation and symbols glued to the end (emoji, », …) are not part of the URL.
        url = url[:-1]
    return url


__all__ = ["FOLD_TABLE", "extract_urls", "find_control_char", "fold", "normalize_text", "normalize_url"]
