"""Tone and guideline check of reply drafts, in Spanish and English.

The crisis guidelines ask for answers that are kind, transparent and empathetic without
exaggerating, that apologise when the brand is at fault, never delete posts and never mix crisis
replies with promotion. ``check_draft`` reads a draft against them and returns one ``ToneFlag``
per problem, each with a stable code, a severity, a reason in the reader's language and, where a
phrase caused it, the phrase with its character offsets in the draft.

The lexicons (``tone_lexicon``) are matched against a folded copy of the draft (lower case, no
accents), keeping a map back to the original offsets. A phrase is dropped when a negation stands
shortly before it in the same clause: "no es tu culpa" does not blame anyone and "we won't delete
this post" is what the policy asks for.

How serious each flag is, and what raises it ("a crisis": ``in_crisis``, or a sev1/sev2 severity):

==========================  =========================  ==================================================
code                        severity                   when
==========================  =========================  ==================================================
liability_admission         block                      admits legal liability (accountability is fine)
blames_customer             block                      makes the problem the person's fault
promotional_in_crisis       block                      promotion while in crisis (allowed otherwise)
deletion_talk               block                      proposes deleting or hiding posts
placeholder_left            block                      an unfilled ``{placeholder}`` or ``{{ var }}``
too_long                    block                      longer than ``max_chars``
overpromise                 warn; block in a crisis    promises that cannot be kept
dismissive                  warn; block in a crisis    belittles the concern, sarcasm, non-apologies
                                                       ("sorry if anyone was offended": no apology either)
missing_apology             warn; block at sev1/sev2   an apology is due and there is none
missing_empathy             warn                       replies to a complaint without empathy
exaggeration                warn                       superlatives, hyperbole
defensive                   warn                       "as we said", "not our fault"
shouting                    warn                       many words in capitals, "!!!"
missing_next_step           warn in a crisis, else     in a crisis or to a complaint: no channel, link,
                            info                       follow-up or time of the next update
==========================  =========================  ==================================================
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from baliza.analysis.language import detect_language, normalize_hint
from baliza.core.errors import PayloadTooLargeError, ValidationError
from baliza.core.i18n import _
from baliza.responses import tone_lexicon as lex


class FlagSeverity(StrEnum):
    """How much a flag matters: ``block`` stops approval, ``warn`` asks for a second look."""

    block = "block"
    warn = "warn"
    info = "info"


class ToneCode(StrEnum):
    """Stable codes of the tone and guideline flags."""

    missing_empathy = "missing_empathy"
    missing_apology = "missing_apology"
    liability_admission = "liability_admission"
    blames_customer = "blames_customer"
    exaggeration = "exaggeration"
    overpromise = "overpromise"
    promotional_in_crisis = "promotional_in_crisis"
    missing_next_step = "missing_next_step"
    dismissive = "dismissive"
    defensive = "defensive"
    shouting = "shouting"
    too_long = "too_long"
    placeholder_left = "placeholder_left"
    deletion_talk = "deletion_talk"


SEVERITY_LEVELS = ("sev1", "sev2", "sev3", "sev4")
MAJOR_SEVERITIES = frozenset({"sev1", "sev2"})
"""At these levels the incident is a crisis even if ``in_crisis`` was not set."""

LANGUAGES = ("es", "en")

MAX_DRAFT_CHARS = 20_000
"""A reply or a statement is a few paragraphs at most; longer input is refused rather than scanned."""

PENALTIES = {FlagSeverity.block: 0.4, FlagSeverity.warn: 0.15, FlagSeverity.info: 0.05}
"""What one flag code takes off the score (once per code, at its most serious)."""

SHOUTING_MIN_WORDS = 3
SHOUTING_SHARE = 0.3
SHOUTING_ALWAYS = 6
"""Shouting: at least 3 words in capitals making up 30% of the words, or 6 such words anywhere."""


@dataclass(frozen=True, slots=True)
class ToneContext:
    """What the check needs to know about the situation the draft answers."""

    in_crisis: bool = False
    severity: str | None = None
    apology_due: bool = False
    is_reply_to_complaint: bool = False
    max_chars: int | None = None

    def __post_init__(self) -> None:
        if self.severity is not None:
            level = str(self.severity).strip().lower()
            if level not in SEVERITY_LEVELS:
                raise ValidationError(
                    _("Unknown severity {value!r}: use sev1, sev2, sev3 or sev4.").format(value=self.severity),
                    code="invalid_severity",
                    details={"field": "severity", "value": self.severity},
                )
            object.__setattr__(self, "severity", level)
        if self.max_chars is not None and (
            isinstance(self.max_chars, bool) or not isinstance(self.max_chars, int) or self.max_chars <= 0
        ):
            raise ValidationError(
                _("max_chars must be a positive whole number, not {value!r}.").format(value=self.max_chars),
                code="invalid_max_chars",
                details={"field": "max_chars", "value": self.max_chars},
            )

    @property
    def crisis(self) -> bool:
        """In a crisis: declared, or implied by a sev1/sev2 severity."""
        return self.in_crisis or self.severity in MAJOR_SEVERITIES


@dataclass(frozen=True, slots=True)
class Evidence:
    """The phrase behind a flag: ``text == draft[start:end]``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ToneFlag:
    """One problem found in a draft."""

    code: ToneCode
    severity: FlagSeverity
    message: str
    evidence: Evidence | None = None

    def as_dict(self) -> dict[str, Any]:
        """A plain dict for the API."""
        evidence = self.evidence
        return {
            "code": str(self.code),
            "severity": str(self.severity),
            "message": self.message,
            "evidence": None
            if evidence is None
            else {"text": evidence.text, "start": evidence.start, "end": evidence.end},
        }


@dataclass(frozen=True, slots=True)
class ToneReport:
    """The result of a check: the language read, the flags in text order, a score and whether it may go out."""

    lang: str
    flags: tuple[ToneFlag, ...] = ()
    score: float = 1.0
    ok: bool = True

    @property
    def codes(self) -> frozenset[str]:
        """The distinct flag codes, for quick membership tests."""
        return frozenset(str(flag.code) for flag in self.flags)

    @property
    def blocking(self) -> tuple[ToneFlag, ...]:
        """The flags that stop the draft from being approved."""
        return tuple(flag for flag in self.flags if flag.severity is FlagSeverity.block)

    def as_dict(self) -> dict[str, Any]:
        """A plain dict for the API."""
        return {
            "lang": self.lang,
            "ok": self.ok,
            "score": self.score,
            "flags": [flag.as_dict() for flag in self.flags],
        }


# Reasons, looked up when a flag is made so they come out in the reader's language.
_MESSAGES: dict[ToneCode, Callable[[], str]] = {
    ToneCode.missing_empathy: lambda: _(
        "This answers a complaint but shows no empathy: acknowledge how the person feels before explaining."
    ),
    ToneCode.missing_apology: lambda: _(
        "An apology is due here and the reply does not apologise: say sorry plainly, without excuses."
    ),
    ToneCode.liability_admission: lambda: _(
        "“{phrase}” admits legal liability. Own the mistake (“we got this wrong”) without legal admissions, "
        "and ask legal to review the wording."
    ),
    ToneCode.blames_customer: lambda: _(
        "“{phrase}” blames the person you are answering. Explain what happened without making it their fault."
    ),
    ToneCode.exaggeration: lambda: _("“{phrase}” exaggerates. Keep to the facts and measured words."),
    ToneCode.overpromise: lambda: _(
        "“{phrase}” promises something that cannot be guaranteed. Commit only to what you can deliver, "
        "and say when you will update."
    ),
    ToneCode.promotional_in_crisis: lambda: _("“{phrase}” is promotional. Do not mix crisis replies with promotions."),
    ToneCode.missing_next_step: lambda: _(
        "The reply gives no next step: add a contact channel, a link, an offer to continue by direct message "
        "or the time of the next update."
    ),
    ToneCode.dismissive: lambda: _("“{phrase}” belittles the person's concern. Take the problem seriously."),
    ToneCode.defensive: lambda: _(
        "“{phrase}” sounds defensive. Focus on what you are doing to help, not on being right."
    ),
    ToneCode.shouting: lambda: _(
        "“{phrase}” reads as shouting. Write in normal case, without strings of exclamation marks."
    ),
    ToneCode.too_long: lambda: _(
        "The reply has {length} characters and the limit here is {limit}. Shorten it or split it."
    ),
    ToneCode.placeholder_left: lambda: _("“{phrase}” is a placeholder that was not filled in."),
    ToneCode.deletion_talk: lambda: _(
        "“{phrase}” talks about deleting or hiding posts. The policy is never to delete: clarify, correct "
        "and apologise instead."
    ),
}

_ORDER = {code: index for index, code in enumerate(ToneCode)}

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CLAUSE_END = re.compile(r"[.;:!?¡¿\n,()\"«»—–]")
_CAPS_WORD = re.compile(r"[^\W\d_]+")
_EXCLAMATIONS = re.compile(r"[!¡]{3,}")
_PLACEHOLDERS = re.compile(
    r"\{\{.*?\}\}|\{%.*?%\}|\{\s*[A-Za-z_][\w.]*\s*\}|%\(\w+\)s|<<[^<>\n]{1,40}>>"
    r"|\[\s*[A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑ_ ]{1,30}\s*\]|\bXX:XX\b|\b(?:TBD|TODO|FIXME)\b"
)


def _guarded(patterns: tuple[str, ...]) -> str:
    return r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)"


def _compile(groups: dict[str, tuple[str, ...]], lang: str) -> re.Pattern[str] | None:
    guarded = groups.get(lang, ()) + groups.get("any", ())
    parts = [_guarded(guarded)] if guarded else []
    parts.extend(groups.get("raw", ()))
    return re.compile("|".join(parts)) if parts else None


@functools.cache
def _rules(lang: str) -> tuple[tuple[ToneCode, re.Pattern[str]], ...]:
    compiled = []
    for code, groups in lex.FLAG_PATTERNS.items():
        pattern = _compile(groups, lang)
        if pattern is not None:
            compiled.append((ToneCode(code), pattern))
    return tuple(compiled)


@functools.cache
def _markers(name: str, lang: str) -> re.Pattern[str]:
    table = {"apology": lex.APOLOGY, "empathy": lex.EMPATHY, "next_step": lex.NEXT_STEP}[name]
    pattern = _compile(table, lang)
    assert pattern is not None  # every marker table has entries for both languages
    return pattern


@functools.lru_cache(maxsize=1024)
def _fold_char(char: str) -> str:
    if char in "’‘ʼ´":
        return "'"
    if char in "“”„":
        return '"'
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return base.casefold()


@dataclass(frozen=True, slots=True)
class _Folded:
    """The draft as the lexicons read it, and where each of its characters came from."""

    text: str
    draft: str
    origin: tuple[int, ...] | None  # None: same offsets as the draft

    def span(self, start: int, end: int) -> tuple[int, int]:
        if self.origin is None:
            return start, end
        last = self.origin[end - 1] + 1
        # Combining accents typed as separate characters fold to nothing; they belong to the phrase.
        while last < len(self.draft) and not _fold_char(self.draft[last]):
            last += 1
        return self.origin[start], last


def _fold(text: str) -> _Folded:
    if text.isascii():
        return _Folded(text.lower(), text, None)
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        pieces.append(folded)
        origin.extend([index] * len(folded))
    return _Folded("".join(pieces), text, tuple(origin))


def _detect(text: str, folded: str) -> str:
    """es or en: the language model when it is sure, else counts of frequent words."""
    guess = detect_language(text)
    if guess.lang in LANGUAGES and guess.reliable:
        return guess.lang
    counts = {lang: 0 for lang in LANGUAGES}
    for token in _WORD.findall(folded):
        for lang in LANGUAGES:
            if token in lex.LANGUAGE_WORDS[lang]:
                counts[lang] += 1
    if counts["es"] != counts["en"]:
        return "es" if counts["es"] > counts["en"] else "en"
    if guess.lang in LANGUAGES:
        return guess.lang
    # Spanish typed without accents is often read as a close Romance language.
    return "es" if guess.lang in {"pt", "gl", "ca", "it", "ast", "an", "oc"} else "en"


def _resolve_lang(lang: str | None, text: str, folded: str) -> str:
    if lang is None:
        return _detect(text, folded)
    code = normalize_hint(lang)
    if code not in LANGUAGES:
        raise ValidationError(
            _("Unsupported language {value!r}: drafts can be checked in Spanish (es) or English (en).").format(
                value=lang
            ),
            code="unsupported_language",
            details={"field": "lang", "value": lang},
        )
    return code


def _cancelled(folded: str, start: int, lang: str, *, negations: bool, extra: frozenset[str]) -> bool:
    """Whether a negation (when ``negations``) or a word in ``extra`` stands just before ``start`` in its clause."""
    head = folded[max(0, start - 120) : start]
    clause_start = max((m.end() for m in _CLAUSE_END.finditer(head)), default=0)
    head = head[clause_start:]
    for seen, token in enumerate(reversed(_WORD.findall(head))):
        if seen >= lex.NEGATION_WINDOW or token in lex.CLAUSE_WORDS or token in lex.NEGATION_BREAKERS:
            return False
        if token in extra or (negations and token in lex.NEGATORS[lang]):
            return True
    return False


def _matches(
    pattern: re.Pattern[str], folded: _Folded, lang: str, *, negations: bool, extra: frozenset[str] = frozenset()
) -> Iterator[re.Match[str]]:
    """Non-overlapping, non-empty matches that no negation (or ``extra`` word) cancels."""
    last_end = -1
    for match in pattern.finditer(folded.text):
        if match.start() < last_end or match.end() == match.start():
            continue
        if (negations or extra) and _cancelled(folded.text, match.start(), lang, negations=negations, extra=extra):
            continue
        last_end = match.end()
        yield match


def _has_marker(name: str, folded: _Folded, lang: str, ignore: tuple[tuple[int, int], ...] = ()) -> bool:
    """Whether a marker is present outside the ``ignore`` spans (of the folded text)."""
    for match in _matches(_markers(name, lang), folded, lang, negations=name != "next_step"):
        if not any(start <= match.start() < end for start, end in ignore):
            return True
    return False


_ALWAYS_BLOCK = frozenset(
    {
        ToneCode.liability_admission,
        ToneCode.blames_customer,
        ToneCode.promotional_in_crisis,
        ToneCode.deletion_talk,
        ToneCode.placeholder_left,
        ToneCode.too_long,
    }
)
_BLOCK_IN_CRISIS = frozenset({ToneCode.overpromise, ToneCode.dismissive})


def _severity(code: ToneCode, context: ToneContext) -> FlagSeverity:
    if code in _ALWAYS_BLOCK:
        return FlagSeverity.block
    if code in _BLOCK_IN_CRISIS:
        return FlagSeverity.block if context.crisis else FlagSeverity.warn
    if code is ToneCode.missing_apology:
        return FlagSeverity.block if context.severity in MAJOR_SEVERITIES else FlagSeverity.warn
    if code is ToneCode.missing_next_step:
        return FlagSeverity.warn if context.crisis else FlagSeverity.info
    return FlagSeverity.warn


def _flag(code: ToneCode, context: ToneContext, evidence: Evidence | None = None, **values: object) -> ToneFlag:
    message = _MESSAGES[code]()
    if evidence is not None:
        values.setdefault("phrase", evidence.text)
    return ToneFlag(code, _severity(code, context), message.format(**values) if values else message, evidence)


def _evidence(text: str, folded: _Folded, start: int, end: int) -> Evidence:
    first, last = folded.span(start, end)
    return Evidence(text[first:last], first, last)


def _phrase_matches(folded: _Folded, lang: str, context: ToneContext) -> Iterator[tuple[ToneCode, re.Match[str]]]:
    for code, pattern in _rules(lang):
        if code is ToneCode.promotional_in_crisis and not context.crisis:
            continue
        extra = lex.CANCELLERS.get(code, {}).get(lang, frozenset())
        for match in _matches(pattern, folded, lang, negations=code not in lex.NOT_NEGATABLE, extra=extra):
            yield code, match


def _shouting_flags(text: str, context: ToneContext) -> Iterator[ToneFlag]:
    words = list(_CAPS_WORD.finditer(text))
    shouted = [len(w.group()) >= 2 and w.group().isupper() and w.group() not in lex.ACRONYMS for w in words]
    count = sum(shouted)
    if count >= SHOUTING_ALWAYS or (count >= SHOUTING_MIN_WORDS and count >= SHOUTING_SHARE * len(words)):
        # The longest run of consecutive words in capitals is the clearest evidence.
        best: tuple[int, int] = (0, 0)  # (first, last + 1) word indexes
        first = None
        for index, is_shouted in enumerate([*shouted, False]):
            if is_shouted and first is None:
                first = index
            elif not is_shouted and first is not None:
                if index - first > best[1] - best[0]:
                    best = (first, index)
                first = None
        start, end = words[best[0]].start(), words[best[1] - 1].end()
        yield _flag(ToneCode.shouting, context, Evidence(text[start:end], start, end))
    bangs = _EXCLAMATIONS.search(text)
    if bangs:
        yield _flag(ToneCode.shouting, context, Evidence(bangs.group(), bangs.start(), bangs.end()))


def _placeholder_flags(text: str, context: ToneContext) -> Iterator[ToneFlag]:
    for match in _PLACEHOLDERS.finditer(text):
        yield _flag(ToneCode.placeholder_left, context, Evidence(match.group(), match.start(), match.end()))


def _score(flags: list[ToneFlag]) -> float:
    worst: dict[ToneCode, float] = {}
    for flag in flags:
        worst[flag.code] = max(worst.get(flag.code, 0.0), PENALTIES[flag.severity])
    return round(max(0.0, 1.0 - sum(worst.values())), 2)


def check_draft(text: str, *, lang: str | None = None, context: ToneContext) -> ToneReport:
    """Check a reply draft against the tone guidelines; ``lang`` (es/en) is detected when not given."""
    if not text or not text.strip():
        raise ValidationError(_("The draft is empty."), code="empty_draft", details={"field": "text"})
    if len(text) > MAX_DRAFT_CHARS:
        raise PayloadTooLargeError(
            _("The draft is too long to check ({length} characters; the limit is {limit}).").format(
                length=len(text), limit=MAX_DRAFT_CHARS
            ),
            code="draft_too_long",
            details={"field": "text", "length": len(text), "limit": MAX_DRAFT_CHARS},
        )
    folded = _fold(text)
    language = _resolve_lang(lang, text, folded.text)

    flags: list[ToneFlag] = []
    # "Sorry if anyone was offended" is dismissive, and its "sorry" is no apology.
    not_sorry: list[tuple[int, int]] = []
    for code, match in _phrase_matches(folded, language, context):
        flags.append(_flag(code, context, _evidence(text, folded, match.start(), match.end())))
        if code in (ToneCode.dismissive, ToneCode.defensive):
            not_sorry.append(match.span())
    flags.extend(_shouting_flags(text, context))
    flags.extend(_placeholder_flags(text, context))
    if context.max_chars is not None and len(text) > context.max_chars:
        flags.append(
            _flag(
                ToneCode.too_long,
                context,
                Evidence(text[context.max_chars :], context.max_chars, len(text)),
                length=len(text),
                limit=context.max_chars,
            )
        )

    has_apology = _has_marker("apology", folded, language, tuple(not_sorry))
    if context.is_reply_to_complaint and not has_apology and not _has_marker("empathy", folded, language):
        flags.append(_flag(ToneCode.missing_empathy, context))
    if context.apology_due and not has_apology:
        flags.append(_flag(ToneCode.missing_apology, context))
    if (context.crisis or context.is_reply_to_complaint) and not _has_marker("next_step", folded, language):
        flags.append(_flag(ToneCode.missing_next_step, context))

    flags.sort(key=lambda f: (f.evidence.start if f.evidence else len(text) + 1, _ORDER[f.code]))
    return ToneReport(
        lang=language,
        flags=tuple(flags),
        score=_score(flags),
        ok=not any(flag.severity is FlagSeverity.block for flag in flags),
    )


__all__ = [
    "LANGUAGES",
    "MAX_DRAFT_CHARS",
    "SEVERITY_LEVELS",
    "Evidence",
    "FlagSeverity",
    "ToneCode",
    "ToneContext",
    "ToneFlag",
    "ToneReport",
    "check_draft",
]
