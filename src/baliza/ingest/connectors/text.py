"""Text helpers shared by the connectors: HTML to plain text, and matching posts against watch-rule terms."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

from baliza.ingest.schemas import LANG_PATTERN

# Elements after which a reader would see a line break.
_BLOCK = frozenset({"p", "div", "br", "li", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre"})
_SKIP = frozenset({"script", "style", "template", "head"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, paragraphs as blank-line-free lines."""
    if "<" not in html and "&" not in html:
        return html.strip()
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def clean_lang(value: object) -> str | None:
    """A usable language tag (``en``, ``pt-br``), lowercased, else None (``English``, ``en_US.UTF-8``)."""
    if isinstance(value, str) and value.strip() and re.fullmatch(LANG_PATTERN, value.strip()):
        return value.strip().lower()
    return None


_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")


def hashtags_in(text: str) -> set[str]:
    """The hashtags written in ``text``, casefolded and without ``#``."""
    return {tag.casefold() for tag in _HASHTAG.findall(text)}


class TermFilter:
    """Does a post match any keyword (whole words, any case) or hashtag? Empty filters match nothing."""

    def __init__(self, keywords: Iterable[str] = (), hashtags: Iterable[str] = ()) -> None:
        words = sorted({k.strip() for k in keywords if k.strip()}, key=len, reverse=True)
        self.keywords = words
        self.hashtags = frozenset(h.strip().lstrip("#").casefold() for h in hashtags if h.strip().lstrip("#"))
        # Whole words only, so "bank" does not match "embankment"; a phrase matches across any run of spaces.
        parts = [r"\s+".join(re.escape(piece) for piece in word.split()) for word in words]
        self._pattern = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE) if parts else None

    @property
    def empty(self) -> bool:
        """True when there is nothing to look for."""
        return self._pattern is None and not self.hashtags

    def matches(self, text: str, tags: Iterable[str] = ()) -> bool:
        """True when ``text`` contains a keyword, or a hashtag (from ``tags`` or written in the text) is watched."""
        if self._pattern is not None and self._pattern.search(text):
            return True
        if self.hashtags:
            found = {t.casefold() for t in tags} | hashtags_in(text)
            return not self.hashtags.isdisjoint(found)
        return False


__all__ = ["TermFilter", "clean_lang", "hashtags_in", "html_to_text"]
