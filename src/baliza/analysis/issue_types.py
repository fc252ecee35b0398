"""Issue types of a mention (multi-label, Spanish and English), from hand-written cue lists.

A mention can be several things at once: "me cobraron dos veces y nadie contesta en el chat" is a
complaint about pricing and about customer service. Every cue (word, phrase, prefix stem such as
``reembols*``, emoji) feeds one or more types with a weight; a type is reported when its cues add
up to at least ``INCLUDE_SCORE``, and its confidence grows with that sum.

All cues of both languages live in ONE Aho-Corasick automaton built at import, matched against
the folded text (``baliza.ingest.normalize.fold``: case and accents removed), so a post is scanned
once in C. Hits inside longer words are discarded (``retraso`` does not fire on ``retrasomania``,
a stem such as ``reembols*`` fires on ``reembolso`` and ``reembolsar``). Camel-case hashtags are
also read as words: ``#AcmeNoLlega`` says ``no llega``.

Evaluative cues (complaint and praise words, and cues marked ``~``) are dropped when a negation
stands just before them in the same clause: "no tengo ninguna queja" is not a complaint, and a
negated compliment ("no estoy contento") counts towards ``complaint`` instead of ``praise``.
Irony-prone praise ("genial", "gracias", 👏) does not count when the post is clearly a complaint.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources

import ahocorasick

from baliza.ingest.normalize import fold


class IssueType(StrEnum):
    """What a mention is about; the order is the display order."""

    complaint = "complaint"
    delivery = "delivery"  # delivery and logistics
    product_quality = "product_quality"  # product quality and safety
    customer_service = "customer_service"
    pricing = "pricing"  # pricing and billing
    marketing = "marketing"  # marketing misstep, offensive content
    privacy = "privacy"  # data and privacy
    legal = "legal"  # legal and regulatory
    conduct = "conduct"  # employee or executive conduct
    health = "health"  # health and emergencies
    boycott = "boycott"  # calls to boycott
    rumour = "rumour"  # rumours and misinformation
    question = "question"  # questions and help requests
    praise = "praise"


ISSUE_TYPES: tuple[IssueType, ...] = tuple(IssueType)

INCLUDE_SCORE = 0.6
"""A type is reported when the weights of its distinct cues add up to this (one medium cue)."""

STRONG, MEDIUM, WEAK = 1.0, 0.6, 0.3
_STRENGTHS = {"strong": STRONG, "medium": MEDIUM, "weak": WEAK, "veto": -1.0}
MAX_CHARS = 5000
"""Longer texts are cut: past a few paragraphs more text only adds noise (and time)."""


@dataclass(frozen=True, slots=True)
class IssueLabel:
    """One issue type found in a text, how sure we are, and the cue terms behind it."""

    type: IssueType
    confidence: float
    cues: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IssueTypes:
    """The issue types of a text, in ``ISSUE_TYPES`` order."""

    labels: tuple[IssueLabel, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        """The type ids, e.g. ``("complaint", "delivery")``."""
        return tuple(label.type.value for label in self.labels)

    def get(self, issue_type: str) -> IssueLabel | None:
        """The label of that type, or None when the text is not about it."""
        for label in self.labels:
            if label.type == issue_type:
                return label
        return None

    def __contains__(self, issue_type: object) -> bool:
        return any(label.type == issue_type for label in self.labels)


NO_ISSUES = IssueTypes()


# ---------------------------------------------------------------------------------------------
# Cue lists, one table for both languages. "@lang type:strength ..." opens a group: the language of
# its terms ("es", "en", or "*" for emoji and symbols) and the types it feeds (strength: strong,
# medium, weak, or veto: a veto adds nothing, it swallows the weaker cues it contains, as "in order
# to" does "order"). Then comma-separated terms: a trailing "*" makes a prefix stem, a leading "~"
# makes a topic cue negatable ("sin retrasos" is no delay), a leading "=" makes an evaluative one
# never negated. Terms keep their accents for readability; matching ignores case and accents.
# Lines starting with "--" are comments.
# ---------------------------------------------------------------------------------------------
def _load_cues() -> str:
    with (resources.files("baliza") / "analysis" / "issue_cues.txt").open(encoding="utf-8") as fh:
        return fh.read()


_CUES = _load_cues()

# Praise words that people often use ironically ("genial, tercer día sin pedido 👏").
_IRONY_PRONE_DISPLAY = frozenset("gracias genial maravilla perfecto great thanks love perfect 👏".split())
# Topic cues whose language is not that of the post count for less: "ad" in a Spanish post is rarely
# an advert, "once" is "eleven".
_OTHER_LANGUAGE_FACTOR = 0.5

_NEGATORS = frozenset(
    """no ni nunca jamas sin ningun ninguna ninguno tampoco nada cero not never without none zero nobody
    hardly barely""".split()
)
_CLAUSE_BREAK = re.compile(r"[.,;:!?¡¿|()\n]| pero | but | aunque | though ")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL_WORD = re.compile(r"[A-ZÁÉÍÓÚÑÜÇ]?[a-záéíóúñüçàèìòù]+|[A-ZÁÉÍÓÚÑÜÇ]+(?![a-záéíóúñüç])|\d+")
_QUESTION_MARKS = ("?", "¿")


@dataclass(frozen=True, slots=True)
class _Cue:
    type_index: int
    weight: float
    display: str
    lang: str
    prefix: bool
    negatable: bool


@dataclass(frozen=True, slots=True)
class _Key:
    """Everything cued by one folded key."""

    span: int  # len(key) - 1, to get from the end index to the start
    check_start: bool
    check_end: bool
    cues: tuple[_Cue, ...]


def _groups(table: str) -> Iterable[tuple[str, list[tuple[IssueType, float]], str]]:
    """(language, [(type, weight)], terms) for each group of the cue table."""
    header: tuple[str, list[tuple[IssueType, float]]] | None = None
    lines: list[str] = []
    for line in [*table.splitlines(), "@end"]:
        line = line.strip()
        if not line or line.startswith("--"):
            continue
        if not line.startswith("@"):
            lines.append(line)
            continue
        if header is not None:
            yield header[0], header[1], " ".join(lines)
        lang, *targets = line[1:].split()
        header = (lang, [(IssueType(t), _STRENGTHS[w]) for t, w in (target.split(":") for target in targets)])
        lines = []


def _build() -> ahocorasick.Automaton:
    by_key: dict[str, list[_Cue]] = {}
    index = {issue_type: i for i, issue_type in enumerate(ISSUE_TYPES)}
    evaluative = {IssueType.complaint, IssueType.praise}
    for lang, targets, terms in _groups(_CUES):
        for raw in _split_terms(terms):
            negatable = raw.startswith("~")
            never_negated = raw.startswith("=")
            term = raw.lstrip("~=")
            prefix = term.endswith("*")
            if "*" in term[:-1]:
                raise ValueError(f"Cue {term!r}: the wildcard '*' is only allowed at the end")
            key = " ".join(fold(term.rstrip("*")).replace("’", "'").split())
            for issue_type, weight in targets:
                cue = _Cue(
                    type_index=index[issue_type],
                    weight=weight,
                    display=term,
                    lang=lang,
                    prefix=prefix,
                    # Only words are negated (not emoji), and phrases that carry their own negation
                    # ("no llegó") are not negated again.
                    negatable=(negatable or issue_type in evaluative)
                    and not never_negated
                    and weight > 0
                    and _is_word_char(key[0])
                    and not _has_negator(key),
                )
                cues = by_key.setdefault(key, [])
                if not any(c.type_index == cue.type_index and c.prefix == cue.prefix for c in cues):
                    cues.append(cue)
    automaton = ahocorasick.Automaton()
    for key, cues in by_key.items():
        automaton.add_word(key, _Key(len(key) - 1, _is_word_char(key[0]), _is_word_char(key[-1]), tuple(cues)))
    automaton.make_automaton()
    return automaton


def _split_terms(terms: str) -> Iterable[str]:
    for term in terms.split(","):
        term = " ".join(term.split())
        if term:
            yield term


def _has_negator(key: str) -> bool:
    return any(word in _NEGATORS or word.endswith("n't") for word in key.split())


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


_AUTOMATON = _build()


def issue_types(text: str, lang: str | None = None) -> IssueTypes:
    """The issue types a post is about, each with a confidence and the cues that fired.

    ``lang`` is the post's language if known ("es", "en", ...): cues written in the other of Spanish
    and English then count half, so a stray English "ad" in a Spanish post is not an advert.
    """
    if not text:
        return NO_ISSUES
    folded = _prepare(text)
    if not folded:
        return NO_ISSUES
    hits = _scan(folded, {"es": "en", "en": "es"}.get(lang or ""))
    question_marks = any(mark in folded for mark in _QUESTION_MARKS)
    if not hits and not question_marks:
        return NO_ISSUES

    scores: dict[int, dict[str, float]] = {}
    vetoed: set[int] = set()
    for type_index, found in hits.items():
        found.sort(key=lambda hit: (hit[0], -hit[1]))
        kept: dict[str, float] = {}
        reach = -1
        for _start, end, display, weight in found:
            if end <= reach:
                continue  # inside a longer cue of the same type: "llegado" in "no ha llegado"
            reach = end
            if weight < 0:
                vetoed.add(type_index)  # a veto only swallows what it contains: "order" in "in order to"
            elif display not in kept:
                kept[display] = weight
        if kept:
            scores[type_index] = kept
    if question_marks and _QUESTION not in vetoed:
        scores.setdefault(_QUESTION, {})["?"] = MEDIUM
    praise = scores.get(_PRAISE)
    if praise and sum(scores.get(_COMPLAINT, {}).values()) >= INCLUDE_SCORE:
        for display in [display for display in praise if display in _IRONY_PRONE_DISPLAY]:
            del praise[display]
    return _labels(scores)


def _scan(folded: str, other_lang: str | None) -> dict[int, list[tuple[int, int, str, float]]]:
    """Bounded cue hits by type index: (start, end, display, weight)."""
    hits: dict[int, list[tuple[int, int, str, float]]] = {}
    last = len(folded) - 1
    for end, key in _AUTOMATON.iter(folded):
        start = end - key.span
        # _is_word_char, inlined: this loop runs for every raw hit of every post.
        if key.check_start and start and ((before := folded[start - 1]).isalnum() or before == "_"):
            continue
        whole = not key.check_end or end == last or not ((after := folded[end + 1]).isalnum() or after == "_")
        for cue in key.cues:
            if not (whole or cue.prefix):
                continue
            type_index, display, weight = cue.type_index, cue.display, cue.weight
            if cue.negatable and _is_negated(folded, start):
                if type_index != _PRAISE:
                    continue
                # A negated compliment is a complaint: "no estoy contento", "not happy".
                type_index, display, weight = _COMPLAINT, "¬" + display, MEDIUM
            elif cue.lang == other_lang:
                weight *= _OTHER_LANGUAGE_FACTOR
            found = hits.get(type_index)
            if found is None:
                hits[type_index] = [(start, end, display, weight)]
            else:
                found.append((start, end, display, weight))
    return hits


def _prepare(text: str) -> str:
    """Folded text with URLs removed, one space per run, and camel-case hashtags spelt out."""
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)  # "/consumo/" or "?q=" in a link is not what the post says
    extra = ""
    if "#" in text:
        words = [
            " ".join(_CAMEL_WORD.findall(tag)) for tag in _HASHTAG.findall(text) if not tag.islower() and len(tag) > 3
        ]
        if words:
            extra = " | " + " | ".join(words)
    folded = fold(text + extra)
    if "’" in folded:
        folded = folded.replace("’", "'")
    return " ".join(folded.split())


def _is_negated(folded: str, start: int) -> bool:
    """Whether a negation stands within two words before ``start``, in the same clause."""
    window = folded[max(0, start - 40) : start]
    for word in reversed(_CLAUSE_BREAK.split(window)[-1].split()[-2:]):
        if word in _NEGATORS or word.endswith("n't"):
            return True
        if not any(char.isalnum() for char in word):
            return False  # an emoji or symbol ends the clause too: "sin faltar nada 🎂 gracias"
    return False


def _labels(scores: dict[int, dict[str, float]]) -> IssueTypes:
    labels = []
    for type_index in sorted(scores):
        found = scores[type_index]
        issue_type = ISSUE_TYPES[type_index]
        total = sum(found.values())
        if total < INCLUDE_SCORE - 1e-9:
            continue
        confidence = round(1.0 - math.exp(-1.6 * total), 3)
        cues = tuple(found)
        labels.append(IssueLabel(issue_type, confidence, cues))
    return IssueTypes(tuple(labels)) if labels else NO_ISSUES


_COMPLAINT = ISSUE_TYPES.index(IssueType.complaint)
_QUESTION = ISSUE_TYPES.index(IssueType.question)
_PRAISE = ISSUE_TYPES.index(IssueType.praise)

__all__ = [
    "INCLUDE_SCORE",
    "ISSUE_TYPES",
    "NO_ISSUES",
    "IssueLabel",
    "IssueType",
    "IssueTypes",
    "issue_types",
]
