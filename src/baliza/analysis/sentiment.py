"""Fast-path sentiment for every mention: Spanish rules, VADER for English, emoji everywhere.

The community manager reads these colours, so a Spanish complaint full of sarcasm or slang must
not come out neutral. The Spanish path is a lexicon (``lexicon_es.tsv``) plus rules written for
social posts: folded matching, phrases, negation, intensifiers, derived word forms, elongations,
CAPS and "!!!" emphasis, emoji, emoticons, laughter, slang spellings and sarcasm. English uses
VADER's compound score plus our crisis vocabulary and the same emoji and sarcasm rules. Any other
language falls back to emoji, emoticons and whatever Spanish or English cues the text contains.

Scores follow VADER's convention: the valences found (each in -4..4) are added up and squashed
into [-1, 1] with ``s / sqrt(s² + 15)``. Labels: score ≤ -0.15 negative, ≥ 0.15 positive.

Everything is compiled at import (the VADER analyser on first English call): per post the work is
a handful of C-level regex passes and one dict lookup per token.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from baliza.analysis.sentiment_lexicon import (
    _BOOST_SCOPE,
    _BOOSTER,
    _BREAK,
    _BUT,
    _LAUGH_TOKEN,
    _NEGATION_SCOPE,
    _NEGATOR,
    _WORD,
    LexiconEntry,
    LexiconError,
    _build_tables,
    _Entry,
    conjugations,
    derived_forms,
    load_spanish_lexicon,
    parse_lexicon,
)
from baliza.ingest.normalize import fold

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped,unused-ignore]

Label = Literal["negative", "neutral", "positive"]

NEGATIVE_THRESHOLD = -0.15
"""A score at or below this is labelled negative."""

POSITIVE_THRESHOLD = 0.15
"""A score at or above this is labelled positive."""

NORMALIZATION_ALPHA = 15.0
"""VADER's squashing constant: a single valence of 1 scores 0.25, of 2 scores 0.46, of 3 scores 0.61."""

MAX_CUES = 10


@dataclass(frozen=True, slots=True)
class Sentiment:
    """The polarity of one text: a label, a score in [-1, 1] and the cues that drove it."""

    label: Label
    score: float
    cues: tuple[str, ...] = ()


NEUTRAL = Sentiment("neutral", 0.0, ())


def label_for(score: float) -> Label:
    """The label for a score, by the documented thresholds."""
    if score <= NEGATIVE_THRESHOLD:
        return "negative"
    if score >= POSITIVE_THRESHOLD:
        return "positive"
    return "neutral"


_SPANISH_TABLE, _ENGLISH_TABLE = _build_tables()


# ----------------------------------------------------------------------------------------------
# Text preparation (all regex passes run in C)
# ----------------------------------------------------------------------------------------------

_EMOJI_CLASS = "\u2190-\u21ff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
_URL = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"@\w+")
_LAUGH = re.compile(
    r"\b(?:a?(?:j+[aeiou]+){2,}j*|(?:j+s+){2,}j*|(?:h+a+){2,}h*|(?:h+e+){2,}h*|x+d+|l+o+l+(?:e?s)?|lmf?a+o+|jsj\w*)\b"
)
_ELONGATED = re.compile(r"\b\w*([a-z])\1\1\w*")
_REPEAT_3 = re.compile(r"([a-z])\1{2,}")
_CAPS = re.compile(r"[A-ZÁÉÍÓÚÜÑ]{2,}")
_CAMEL_TAG = re.compile(r"#(\w*[a-záéíóúñ][A-ZÁÉÍÓÚÑ]\w*)")
_CAMEL_PART = re.compile(r"[A-ZÁÉÍÓÚÑ]?[a-záéíóúüñ]+|[A-ZÁÉÍÓÚÑ]+(?![a-z])|\d+")
# Words first: most positions start one, and Python's re tries the alternatives in order.
# Apostrophes are removed before tokenising ("don't" -> "dont"), so a word is just \w+.
_TOKEN = re.compile(
    r"\w+(?:/\d+)?"  # words, numbers and ratings ("10/10")
    r"|[.,!?¡¿]"
    r"|(?<![\d:])(?:>:\(|[:;=][-']?(?:\)+|\(+|d+|p|/|\\|\||s|\*|\]|@|3)|<3+|</3|\^_?\^|-_-)"  # emoticons
    r"|[:;]"
    r"|[" + _EMOJI_CLASS + r"]"
)
_GLUED = re.compile(r"(?<=[^\W\d_])(\.{2,}|…|[,;!?]+)(?=[^\W\d_])")
_EMOJI_RE = re.compile("[" + _EMOJI_CLASS + "\ufe0f\u200d]")
_WORDISH = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def _has_triple(text: str) -> bool:
    # Elongations are nearly always on vowels or s/r/y: "buenooo", "graciasss", "porfaaa", "hoyyy".
    return (
        "aaa" in text
        or "eee" in text
        or "iii" in text
        or "ooo" in text
        or "uuu" in text
        or "sss" in text
        or "yyy" in text
        or "rrr" in text
        or "mmm" in text
        or "hhh" in text
        or "nnn" in text
    )


def _split_camel(text: str) -> str:
    parts = [" ".join(_CAMEL_PART.findall(tag)) for tag in _CAMEL_TAG.findall(text)]
    return " . ".join(parts)


def _collapse(word: str, table: dict[str, _Entry]) -> str:
    """Elongated word -> the form the lexicon knows: "buenooo" -> "bueno", "coool" -> "cool"."""
    single = _REPEAT_3.sub(r"\1", word)
    if single in table:
        return single
    double = _REPEAT_3.sub(r"\1\1", word)
    return double if double in table else single


@dataclass(slots=True)
class _Prepared:
    tokens: list[str]
    caps: frozenset[str]
    elongated: frozenset[str]
    exclamations: int


def _prepare(text: str, table: dict[str, _Entry]) -> _Prepared:
    folded = fold(text)
    if "'" in folded:
        folded = folded.replace("'", "")
    if "’" in folded:
        folded = folded.replace("’", "")
    if "#" in text and _CAMEL_TAG.search(text):
        folded += " . " + fold(_split_camel(text))
    if "@" in folded:
        folded = _HANDLE.sub(" ", folded)
    if "://" in folded or "www." in folded:
        folded = _URL.sub(" ", folded)
    # Cheap substring checks first: the regexes below cost more than all of them together.
    if (
        "jaj" in folded
        or "jej" in folded
        or "jij" in folded
        or "jsj" in folded
        or "xd" in folded
        or "hah" in folded
        or "heh" in folded
        or "lol" in folded
        or "lma" in folded
    ):
        folded = _LAUGH.sub(" " + _LAUGH_TOKEN + " ", folded)
    elongated: frozenset[str] = frozenset()
    if _has_triple(folded) and _REPEAT_3.search(folded):
        seen: dict[str, str] = {}

        def collapse(match: re.Match[str]) -> str:
            word = match.group(0)
            short = seen.get(word)
            if short is None:
                short = seen[word] = _collapse(word, table)
            return short

        folded = _ELONGATED.sub(collapse, folded)
        elongated = frozenset(seen.values())
    caps: frozenset[str] = frozenset()
    if not text.islower():
        shouted = _CAPS.findall(text)
        if shouted:
            caps = frozenset(_collapse(word, table) for word in fold(" ".join(shouted)).split())
    return _Prepared(_TOKEN.findall(folded), caps, elongated, text.count("!"))


# ----------------------------------------------------------------------------------------------
# Scoring
# ----------------------------------------------------------------------------------------------

_CAPS_BOOST = 0.6
_ELONGATION_BOOST = 0.4
_EXCLAMATION_STEP = 0.25
_MAX_EXCLAMATIONS = 4
_BUT_BEFORE, _BUT_AFTER = 0.5, 1.5
_DANGLING_NEGATION = -0.4
_NEGATED_NEGATIVE = 0.6
_MAX_DANGLING = 2
# A complaint word this negative or more makes praise next to it sarcasm; milder ones ("customer
# service", "once again") only lean negative: "Excellent customer service, thanks!" is praise.
_COMPLAINT_MIN = -1.0
# Praise next to a complaint is sarcasm: the praise is taken back and counts against, this much.
_SARCASM = 0.6
# Without crisis vocabulary, this much plain negativity also makes praise or laughter read as mockery.
_SARCASM_NEGATIVITY = -2.5
# Marks that the author means the opposite of the kind words around them: the eye roll, the upside-down
# face, the unamused face, "yeah right". With one of them, every positive word reads as irony.
_IRONY_MARKERS = frozenset({"🙄", "😒", "🙃", "yeah right"})
# A report, not a reaction: a reporting word ("anuncia", "según", "announces", "according to"), nobody
# speaking in the first or second person, no exclamation mark and no emoji. Crisis words in a headline
# ("retirada por posible contaminación") describe the news, not the author's feelings, so the score is
# damped this much; strong words still show ("estafa masiva" in a headline stays negative).
_REPORTING = frozenset(
    "anuncia anuncian anunciado anunciada informa informan informado confirma confirman confirmado comunica "
    "comunican comunicado segun afirma afirman asegura aseguran declara declaran investiga investigan "
    "investigacion retira retiran retirada multa multan multada multado sanciona sancionada sancion expediente "
    "denuncia denuncian detenidos detenido reporta reportan advierte advierten prevista previsto convoca convocan "
    "announces announced reports reported reportedly confirms confirmed according statement recalls "
    "recalled fined fines investigating investigation probe breaking warns warned issued launches plans "
    "expected scheduled".split()
)
_PERSONAL = frozenset(
    "yo me mi mis conmigo nos nosotros nosotras nuestro nuestra nuestros nuestras os vosotros vosotras vuestro "
    "vuestra vuestros vuestras te tu tus contigo usted ustedes i im ive id ill my mine myself we were weve our "
    "ours you youre youve your yours".split()
)
_NEWS_DAMPING = 0.25
# Scare quotes: a kind word in short quotation marks ("servicio 'premium'", "“next day” delivery") is
# mocked. Longer quotes are usually someone's statement, quoted to report it, and are left alone.
_QUOTED = re.compile(r"[\"“«]([^\"”»\n]{1,40})[\"”»]|(?:^|(?<=\s))['‘]([^'’\n]{1,40})['’](?=[\s,.;:!?]|$)")


_SCARE_QUOTE_WORDS = 3


def _scare_quoted(text: str, table: dict[str, _Entry]) -> bool:
    if '"' not in text and "'" not in text and "“" not in text and "‘" not in text and "«" not in text:
        return False
    for match in _QUOTED.finditer(text):
        quoted = match.group(1) or match.group(2)
        words = _TOKEN.findall(fold(quoted))
        if len(words) > _SCARE_QUOTE_WORDS or (match.start() > 0 and quoted[:1].isupper()):
            continue  # a statement, or a name ("la campaña 'Sonrisas'")
        for word in words:
            entry = table.get(word)
            if entry is not None and entry.kind == _WORD and entry.value > 0:
                return True
    return False


def _is_report(prepared: _Prepared, text: str) -> bool:
    tokens = prepared.tokens
    return (
        not prepared.exclamations
        and not _EMOJI_RE.search(text)
        and not any(token in _PERSONAL for token in tokens)
        and any(token in _REPORTING for token in tokens)
    )


@dataclass(slots=True)
class _Tally:
    positive: float
    negative: float
    praise: float
    praise_counted: float
    complaint: bool
    resolution: bool
    hits: list[tuple[str, float]]
    rules: list[str]


def _tally(prepared: _Prepared, table: dict[str, _Entry]) -> _Tally:
    tokens = prepared.tokens
    caps = prepared.caps
    elongated = prepared.elongated
    positive = negative = praise = counted = 0.0
    complaint = resolution = False
    hits: list[tuple[str, float]] = []
    rules: list[str] = []
    neg_until = boost_until = skip = -1
    neg_factor = boost = weight = 1.0
    neg_cue = ""
    negators = negated_hits = 0
    get = table.get
    count = len(tokens)
    for i, token in enumerate(tokens):
        entry = get(token)
        if entry is None or i < skip:
            continue
        end = i
        if entry.phrases is not None and i + 1 < count:
            options = entry.phrases.get(tokens[i + 1])
            if options is not None:
                for rest, phrase in options:
                    if not rest or tokens[i + 2 : i + 2 + len(rest)] == rest:
                        entry = phrase
                        end = i + 1 + len(rest)
                        skip = end + 1
                        break
        kind = entry.kind
        if kind == _WORD:
            value = entry.value
            negated = neg_until >= i and not entry.fixed
            if negated:
                if entry.negated is not None:
                    value = entry.negated
                    complaint = True
                elif value > 0:
                    value *= neg_factor
                else:
                    # "no es horrible" is not praise: a negated complaint only softly turns positive.
                    value *= neg_factor * _NEGATED_NEGATIVE
                cue = f"{neg_cue} {entry.cue}"
                negated_hits += 1
            else:
                cue = entry.cue
                if entry.ironic:
                    praise += entry.praise
            if not value:
                continue
            if boost_until >= i:
                value *= boost
                rules.append("intensifier" if boost > 1 else "diminisher")
            if caps and token in caps:
                value += _CAPS_BOOST if value > 0 else -_CAPS_BOOST
                rules.append("caps")
            if elongated and token in elongated:
                value += _ELONGATION_BOOST if value > 0 else -_ELONGATION_BOOST
                rules.append("elongation")
            value *= weight
            if value > 0:
                positive += value
                if entry.ironic and not negated:
                    counted += value
                if entry.resolution:
                    resolution = True
            else:
                negative += value
                if entry.complaint and value <= _COMPLAINT_MIN:
                    complaint = True
            hits.append((cue, value))
        elif kind == _NEGATOR:
            if neg_until >= i:  # "no ... nada", "ni ... ni": the second negator reinforces the first
                neg_until = max(neg_until, end + _NEGATION_SCOPE)
            else:
                neg_until = end + _NEGATION_SCOPE
                neg_factor = entry.value
                neg_cue = entry.cue
                negators += 1
        elif kind == _BOOSTER:
            boost = boost * entry.value if boost_until >= i else entry.value
            boost_until = end + _BOOST_SCOPE
        elif kind == _BUT:
            # What follows "pero" is what the author means: "está bien pero tarda mucho".
            positive *= _BUT_BEFORE
            negative *= _BUT_BEFORE
            # Praise or blame before "pero" is a concession, not sarcasm: "me encanta, pero llegó
            # roto", "llegó tarde, pero el repartidor fue muy amable".
            praise = counted = 0.0
            complaint = False
            weight = _BUT_AFTER
        elif kind == _BREAK:
            neg_until = boost_until = -1
    dangling = min(negators - negated_hits, _MAX_DANGLING)
    if dangling > 0 and _DANGLING_NEGATION:
        # "no me creen", "no la encuentro": negation with nothing to negate still leans negative.
        value = dangling * _DANGLING_NEGATION * weight
        negative += value
        hits.append(("rule:negation", value))
    return _Tally(positive, negative, praise, counted, complaint, resolution, hits, rules)


def _squash(total: float) -> float:
    return total / math.sqrt(total * total + NORMALIZATION_ALPHA)


def _unsquash(score: float) -> float:
    score = max(-0.9999, min(0.9999, score))
    return score * math.sqrt(NORMALIZATION_ALPHA / (1.0 - score * score))


def _finish(
    tally: _Tally,
    prepared: _Prepared,
    *,
    base: float = 0.0,
    exclamations: bool = True,
    extra_cues: Iterable[str] = (),
    report: bool = False,
    irony: bool = False,
) -> Sentiment:
    if not tally.hits and not base:
        return NEUTRAL
    positive, negative = tally.positive, tally.negative
    rules = tally.rules
    sarcastic = (
        tally.praise > 0
        and not tally.resolution
        and (tally.complaint or _mocking(negative + min(base, 0.0), positive - tally.praise_counted))
    )
    if sarcastic:
        positive -= tally.praise_counted
        negative -= tally.praise * _SARCASM
        base = min(base, 0.0)
        rules.append("sarcasm")
    elif (positive > 0 or base > 0) and (irony or any(cue in _IRONY_MARKERS for cue, _value in tally.hits)):
        # "Súper rápido el envío: solo tres semanas 🙄": no ironic word, but the marker says it.
        negative -= (positive + max(base, 0.0)) * _SARCASM
        positive = 0.0
        base = min(base, 0.0)
        rules.append("sarcasm")
        sarcastic = True
    total = positive + negative + base
    if exclamations and total and prepared.exclamations:
        total += math.copysign(_EXCLAMATION_STEP * min(prepared.exclamations, _MAX_EXCLAMATIONS), total)
        rules.append("exclamation")
    score = _squash(total) if total else 0.0
    if report and score:
        score *= _NEWS_DAMPING
        rules.append("news")
    score = round(score, 4)
    label = label_for(score)
    return Sentiment(label, score, _cues(tally.hits, label, rules, extra_cues, sarcastic))


def _mocking(negative: float, sincere_positive: float) -> bool:
    # No crisis vocabulary, but clearly negative content that outweighs any sincere praise.
    return negative <= _SARCASM_NEGATIVITY and -negative > sincere_positive


def _cues(
    hits: list[tuple[str, float]], label: Label, rules: list[str], extra: Iterable[str], sarcastic: bool
) -> tuple[str, ...]:
    if label == "positive":
        chosen = [hit for hit in hits if hit[1] > 0]
    elif label == "negative":
        # Under sarcasm the praise is the evidence too ("genial", "👏").
        chosen = [hit for hit in hits if hit[1] < 0 or sarcastic]
    else:
        chosen = hits
    chosen.sort(key=lambda hit: -abs(hit[1]))
    ordered = dict.fromkeys(list(dict.fromkeys(cue for cue, _ in chosen))[:MAX_CUES])
    ordered.update(dict.fromkeys(extra))
    ordered.update(dict.fromkeys(f"rule:{rule}" for rule in rules))
    return tuple(ordered)


# ----------------------------------------------------------------------------------------------
# Languages
# ----------------------------------------------------------------------------------------------

_VADER_MAX_CHARS = 3000
"""VADER's "but" handling is quadratic in the words of a text; long articles are judged on their start."""

_VADER_CUE_MIN = 1.0

# Words VADER scores that in posts are mostly something else: "like" a preposition or filler, "well"
# a discourse marker, "play" and "united" sport. Our own table scores the sentiment uses ("i like").
_VADER_NOT_SENTIMENT = ("like", "well", "play", "united")


@functools.cache
def _vader() -> SentimentIntensityAnalyzer:
    # Imported and built on first use: reading VADER's lexicon costs ~50 ms that Spanish-only
    # installs and CLI start-up should not pay.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped,unused-ignore]

    analyser = SentimentIntensityAnalyzer()
    for word in _VADER_NOT_SENTIMENT:
        analyser.lexicon.pop(word, None)
    return analyser


def _family(lang: str | None) -> str:
    if not lang:
        return "other"
    code = lang.strip().lower().replace("_", "-").split("-", 1)[0]
    if code in ("es", "spa"):
        return "es"
    if code in ("en", "eng"):
        return "en"
    return "other"


def _rules(text: str) -> Sentiment:
    prepared = _prepare(text, _SPANISH_TABLE)
    return _finish(
        _tally(prepared, _SPANISH_TABLE),
        prepared,
        report=_is_report(prepared, text),
        irony=_scare_quoted(text, _SPANISH_TABLE),
    )


def _english(text: str) -> Sentiment:
    prepared = _prepare(text, _ENGLISH_TABLE)
    tally = _tally(prepared, _ENGLISH_TABLE)
    plain = text if text.isascii() else _EMOJI_RE.sub(" ", text)
    plain = plain[:_VADER_MAX_CHARS]
    # VADER splits on whitespace only: "January...happy" or "bad,worst" would be one unknown word.
    plain = _GLUED.sub(r"\1 ", plain)
    analyser = _vader()
    compound = float(analyser.polarity_scores(plain)["compound"])
    base = _unsquash(compound) if compound else 0.0
    lexicon: dict[str, float] = analyser.lexicon
    words = []
    if compound:
        for word in _WORDISH.findall(plain.lower()):
            valence = lexicon.get(word)
            if valence is not None and abs(valence) >= _VADER_CUE_MIN and (valence > 0) == (compound > 0):
                words.append(word)
    extra = [*list(dict.fromkeys(words))[:MAX_CUES], f"vader:{compound:+.2f}"] if compound else []
    return _finish(
        tally,
        prepared,
        base=base,
        exclamations=False,
        extra_cues=extra,
        report=_is_report(prepared, text),
        irony=_scare_quoted(text, _ENGLISH_TABLE),
    )


def sentiment(text: str, lang: str | None) -> Sentiment:
    """Polarity of one post: Spanish rules for "es", VADER plus crisis rules for "en", cues otherwise."""
    if not text or text.isspace():
        return NEUTRAL
    if _family(lang) == "en":
        return _english(text)
    return _rules(text)


__all__ = [
    "MAX_CUES",
    "NEGATIVE_THRESHOLD",
    "NEUTRAL",
    "NORMALIZATION_ALPHA",
    "POSITIVE_THRESHOLD",
    "Label",
    "LexiconEntry",
    "LexiconError",
    "Sentiment",
    "conjugations",
    "derived_forms",
    "label_for",
    "load_spanish_lexicon",
    "parse_lexicon",
    "sentiment",
]
