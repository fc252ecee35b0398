"""Counting text the way the platforms do: user-perceived characters (graphemes) and links.

Bluesky limits posts to 300 graphemes and Mastodon counts graphemes too, so "👩‍👩‍👧" is one and "é" written as
e + combining accent is one. Python has no grapheme segmentation in the standard library and we would rather not
add a dependency for a length check, so this follows the main rules of Unicode's extended grapheme clusters
(UAX #29): CR LF, combining and spacing marks, variation selectors, emoji modifiers and ZWJ sequences, flag pairs,
tag sequences and Hangul jamo. It leaves out the rare Prepend class and Indic conjunct rules, where it may count a
few more graphemes than the platform does (in practice never fewer), so a post it lets through is not too long.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

_ZWJ = "\u200d"
# Trailing punctuation that ends a sentence rather than a link ("see https://acme.example/status.").
_LINK = re.compile(r"https?://[^\s<>\"']+")
_LINK_TRAILING = ".,;:!?…)]}»”’"


def _is_extend(char: str) -> bool:
    """Characters that never start a grapheme: marks, joiners, selectors, skin tones, tags."""
    code = ord(char)
    if unicodedata.category(char) in ("Mn", "Me", "Mc"):
        return True
    return (
        code == 0x200C
        or code == 0x200D
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
    )


def _is_pictographic(char: str) -> bool:
    """Roughly Extended_Pictographic: what a ZWJ glues together into one emoji."""
    code = ord(char)
    return (
        0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or 0x2300 <= code <= 0x23FF
        or 0x2B00 <= code <= 0x2BFF
        or code in (0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D, 0x3297, 0x3299)
    )


def _is_regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _hangul(char: str) -> str:
    """Hangul syllable type: L, V, T, LV, LVT or '' for anything else."""
    code = ord(char)
    if 0x1100 <= code <= 0x115F or 0xA960 <= code <= 0xA97C:
        return "L"
    if 0x1160 <= code <= 0x11A7 or 0xD7B0 <= code <= 0xD7C6:
        return "V"
    if 0x11A8 <= code <= 0x11FF or 0xD7CB <= code <= 0xD7FB:
        return "T"
    if 0xAC00 <= code <= 0xD7A3:
        return "LV" if (code - 0xAC00) % 28 == 0 else "LVT"
    return ""


def _joins(previous: str, char: str, cluster: str) -> bool:
    """Whether ``char`` continues the grapheme ``cluster`` that ends with ``previous``."""
    if previous == "\r" and char == "\n":
        return True
    if previous in "\r\n" or char in "\r\n":
        return False
    if _is_extend(char):
        return True
    if previous == _ZWJ and _is_pictographic(char):
        return True
    if _is_regional(previous) and _is_regional(char):
        # Flags are pairs: join only when the run of regional indicators before has odd length.
        run = 0
        for earlier in reversed(cluster):
            if not _is_regional(earlier):
                break
            run += 1
        return run % 2 == 1
    before, after = _hangul(previous), _hangul(char)
    if before == "L" and after in ("L", "V", "LV", "LVT"):
        return True
    if before in ("LV", "V") and after in ("V", "T"):
        return True
    return before in ("LVT", "T") and after == "T"


def graphemes(text: str) -> Iterator[str]:
    """Split ``text`` into user-perceived characters."""
    cluster = ""
    for char in text:
        if cluster and _joins(cluster[-1], char, cluster):
            cluster += char
            continue
        if cluster:
            yield cluster
        cluster = char
    if cluster:
        yield cluster


def count_graphemes(text: str) -> int:
    """How many user-perceived characters ``text`` has."""
    return sum(1 for _cluster in graphemes(text))


def find_links(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, url)`` character offsets of each http(s) link, without the sentence's closing punctuation."""
    found: list[tuple[int, int, str]] = []
    for match in _LINK.finditer(text):
        url = match.group()
        while url and url[-1] in _LINK_TRAILING:
            # Keep a closing bracket that belongs to the link (Wikipedia-style "..._(disambiguation)").
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if len(url) > len("https://"):
            found.append((match.start(), match.start() + len(url), url))
    return found


__all__ = ["count_graphemes", "find_links", "graphemes"]
