"""Per-workspace adaptation: a small classifier trained on people's corrections of the fast path.

Every workspace has its own vocabulary ("otra ñapa de Acme" is a complaint there), and people
correct labels in the inbox. This model learns from those corrections and overrides the base
analysis only when it has earned it:

* **Exact-text memory.** A text someone corrected always gets its correction, on its own, from the
  first correction (texts are compared folded: case, accents and spacing do not matter).
* **The model.** Naive Bayes on hashed, language-independent features of the folded text: words,
  pairs of neighbouring words, five-letter stems, emoji, and the language. Sentiment is one
  three-class model; issue types are one yes/no model per type, because a post can be several.
  Each corrected text counts once, with its latest correction.
* **The thresholds** (``AdaptConfig``). The model overrides the base label only when the field has
  at least ``min_field_examples`` (20) corrected texts, the label it proposes has at least
  ``min_label_examples`` (5) examples, and so does at least one other label (for issue types: 5
  texts with the type and 5 without), at least
  ``min_known_features`` (2) of the text's features were seen in training (never on the prior
  alone), and its posterior is at least ``min_confidence`` (0.9). Naive Bayes is overconfident, so
  the example counts are the real guard; the posterior only rules out the close calls.

``accuracy_report`` tells people whether it works on their own corrections: precision, recall and
F1 per label and overall accuracy for the base analysis and for the adapted one, the latter by
leave-one-out (each corrected text is predicted by a model that never saw it, memory included).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal, cast, get_args

from baliza.analysis.fast import Analysis
from baliza.analysis.issue_types import ISSUE_TYPES
from baliza.analysis.language import normalize_hint
from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.ingest.normalize import fold, normalize_text

Field = Literal["sentiment", "issue_types"]
Source = Literal["memory", "model"]
Value = str | tuple[str, ...]

FIELDS: tuple[Field, ...] = get_args(Field)
SENTIMENT_LABELS = ("negative", "neutral", "positive")
ISSUE_LABELS: tuple[str, ...] = tuple(issue.value for issue in ISSUE_TYPES)
MODEL_VERSION = 1

FEATURE_BITS = 20
"""Features are hashed into 2^20 buckets: collisions are rare at workspace scale and the state stays bounded."""

MAX_MEMORY = 50_000
"""Corrected texts remembered per field; past it the oldest corrections are forgotten first."""

_EMOJI = re.compile("[\u2600-\u27bf\U0001f300-\U0001faff]")
_WORD = re.compile(r"[^\W_]+")
_STEM = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class AdaptConfig:
    """When the model may override the base analysis; see the module docstring."""

    min_field_examples: int = 20
    min_label_examples: int = 5
    min_known_features: int = 2
    min_confidence: float = 0.9
    smoothing: float = 1.0

    def __post_init__(self) -> None:
        for name in ("min_field_examples", "min_label_examples", "min_known_features"):
            if getattr(self, name) < 0:
                raise ValidationError(
                    _("{name} must not be negative").format(name=name),
                    code="invalid_adapt_config",
                    details={"field": name, "value": getattr(self, name)},
                )
        if not 0.5 <= self.min_confidence <= 1.0 or self.smoothing <= 0:
            raise ValidationError(
                _("min_confidence must be between 0.5 and 1 and smoothing above 0"),
                code="invalid_adapt_config",
                details={"min_confidence": self.min_confidence, "smoothing": self.smoothing},
            )


@dataclass(frozen=True, slots=True)
class Correction:
    """A person's correction of one field of one text; issue types are the full corrected set."""

    text: str
    lang: str | None
    field: Field
    value: Value

    def __post_init__(self) -> None:
        if self.field == "sentiment":
            if not isinstance(self.value, str) or self.value not in SENTIMENT_LABELS:
                raise ValidationError(
                    _("unknown sentiment {value!r}: expected negative, neutral or positive").format(value=self.value),
                    code="invalid_correction",
                    details={"field": self.field, "value": self.value},
                )
        elif self.field == "issue_types":
            values = (self.value,) if isinstance(self.value, str) else tuple(self.value)
            unknown = [value for value in values if value not in ISSUE_LABELS]
            if unknown:
                raise ValidationError(
                    _("unknown issue type {value!r}").format(value=unknown[0]),
                    code="invalid_correction",
                    details={"field": self.field, "value": unknown[0]},
                )
            object.__setattr__(self, "value", tuple(label for label in ISSUE_LABELS if label in values))
        else:
            raise ValidationError(
                _("unknown correction field {field!r}: expected sentiment or issue_types").format(field=self.field),
                code="invalid_correction",
                details={"field": self.field},
            )


@dataclass(frozen=True, slots=True)
class FieldOverride:
    """An adapted value for one field, how sure the model is, and whether memory or the model gave it."""

    field: Field
    value: Value
    confidence: float
    source: Source

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API and the database."""
        value = self.value if isinstance(self.value, str) else list(self.value)
        return {"field": self.field, "value": value, "confidence": self.confidence, "source": self.source}


@dataclass(frozen=True, slots=True)
class Override:
    """What the workspace model changes in a base analysis (a field is None when it keeps the base value)."""

    sentiment: FieldOverride | None = None
    issue_types: FieldOverride | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API and the database."""
        return {
            "sentiment": None if self.sentiment is None else self.sentiment.as_dict(),
            "issue_types": None if self.issue_types is None else self.issue_types.as_dict(),
        }


# --------------------------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------------------------
def _folded(text: str) -> str:
    return fold(normalize_text(text))


def text_key(text: str) -> int:
    """The exact-text memory key: blake2b-64 of the folded, normalised text."""
    return int.from_bytes(hashlib.blake2b(_folded(text).encode("utf-8", "surrogatepass"), digest_size=8).digest())


def _features(folded: str, lang: str | None) -> frozenset[int]:
    """Hashed features of a folded text: words, word pairs, stems, emoji and the language."""
    if "@" in folded or "://" in folded or "www." in folded:
        folded = " ".join(w for w in folded.split() if "@" not in w and "://" not in w and "www." not in w)
    words = _WORD.findall(folded)
    names = [f"w:{word}" for word in words]
    names += [f"b:{left} {right}" for left, right in itertools.pairwise(words)]
    names += [f"s:{word[:_STEM]}" for word in words if len(word) > _STEM]
    if not folded.isascii():
        names += [f"e:{emoji}" for emoji in _EMOJI.findall(folded)]
    found = {_hash_feature(name) for name in names}
    language = _language_feature(lang)
    if language is not None:
        found.add(language)
    return frozenset(found)


def _hash_feature(name: str) -> int:
    return zlib.crc32(name.encode("utf-8", "surrogatepass")) & ((1 << FEATURE_BITS) - 1)


def _language_feature(lang: str | None) -> int | None:
    """The language's feature: it shifts the odds, but is not evidence about the text."""
    code = normalize_hint(lang)
    return _hash_feature(f"l:{code}") if code else None


def _base_values(base: Analysis | Mapping[str, Any]) -> tuple[str | None, tuple[str, ...]]:
    """Sentiment label and issue types of a base analysis: an ``Analysis`` or its ``as_dict()``."""
    if isinstance(base, Analysis):
        return base.sentiment.label, tuple(base.issues.ids)
    raw_sentiment = base.get("sentiment")
    label = raw_sentiment.get("label") if isinstance(raw_sentiment, Mapping) else raw_sentiment
    raw_issues = base.get("issue_types", base.get("topics")) or ()
    issues = [item.get("type") if isinstance(item, Mapping) else item for item in raw_issues]
    found = {str(issue) for issue in issues if issue}
    return (str(label) if label else None), tuple(issue for issue in ISSUE_LABELS if issue in found)


# --------------------------------------------------------------------------------------------
# Naive Bayes with removable examples
# --------------------------------------------------------------------------------------------
class _Counts:
    """Documents and per-feature document counts of one class."""

    __slots__ = ("docs", "features", "total")

    def __init__(self) -> None:
        self.docs = 0
        self.features: dict[int, int] = {}
        self.total = 0

    def add(self, features: frozenset[int], sign: int) -> None:
        self.docs += sign
        self.total += sign * len(features)
        counts = self.features
        for feature in features:
            count = counts.get(feature, 0) + sign
            if count:
                counts[feature] = count
            else:
                del counts[feature]

    def to_dict(self) -> dict[str, Any]:
        return {"docs": self.docs, "features": {str(k): v for k, v in sorted(self.features.items())}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> _Counts:
        counts = cls()
        counts.docs = int(data["docs"])
        counts.features = {int(k): int(v) for k, v in data["features"].items()}
        counts.total = sum(counts.features.values())
        return counts


def _log_likelihood(counts: _Counts, features: Iterable[int], vocabulary: int, smoothing: float) -> float:
    denominator = math.log(counts.total + smoothing * vocabulary)
    return sum(math.log(counts.features.get(f, 0) + smoothing) - denominator for f in features)


def _posterior(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    weights = [math.exp(score - top) for score in scores]
    total = sum(weights)
    return [weight / total for weight in weights]


class WorkspaceModel:
    """Exact-text memory plus naive Bayes per field, trained on one workspace's corrections."""

    def __init__(self, config: AdaptConfig | None = None) -> None:
        self.config = config or AdaptConfig()
        self._reset()

    def _reset(self) -> None:
        self._memory: dict[Field, OrderedDict[int, Value]] = {field: OrderedDict() for field in FIELDS}
        self._sentiment = {label: _Counts() for label in SENTIMENT_LABELS}
        self._sentiment_all = _Counts()  # every sentiment document: its features are the vocabulary
        self._issues_all = _Counts()
        self._issues = {label: _Counts() for label in ISSUE_LABELS}

    # -- training ---------------------------------------------------------------------------
    def fit(self, corrections: Iterable[Correction]) -> WorkspaceModel:
        """Forget everything and learn from ``corrections`` in order (a later correction of a text wins)."""
        self._reset()
        for correction in corrections:
            self.update(correction)
        return self

    def update(self, correction: Correction) -> None:
        """Learn one correction; a text corrected again replaces its earlier correction."""
        key = text_key(correction.text)
        memory = self._memory[correction.field]
        previous = memory.pop(key, None)
        features = _features(_folded(correction.text), correction.lang)
        if previous is not None:
            self._count(correction.field, features, previous, -1)
        self._count(correction.field, features, correction.value, +1)
        memory[key] = correction.value
        if len(memory) > MAX_MEMORY:
            memory.popitem(last=False)  # the model keeps its counts; only the exact answer is forgotten

    def _count(self, field: Field, features: frozenset[int], value: Value, sign: int) -> None:
        if field == "sentiment":
            self._sentiment[cast(str, value)].add(features, sign)
            self._sentiment_all.add(features, sign)
        else:
            self._issues_all.add(features, sign)
            for label in value:
                self._issues[label].add(features, sign)

    @property
    def examples(self) -> dict[str, int]:
        """Corrected texts the model counts, per field."""
        return {"sentiment": self._sentiment_all.docs, "issue_types": self._issues_all.docs}

    # -- prediction -------------------------------------------------------------------------
    def predict(self, text: str, lang: str | None, base: Analysis | Mapping[str, Any]) -> Override | None:
        """What to change in the base analysis of ``text``, or None to keep it as it is.

        Memory answers for a corrected text whatever the base says; the model answers only when it
        disagrees with the base and passes every threshold.
        """
        base_sentiment, base_issues = _base_values(base)
        key = text_key(text)
        folded: str | None = None
        features: frozenset[int] = frozenset()

        sentiment: FieldOverride | None = None
        remembered = self._memory["sentiment"].get(key)
        if remembered is not None:
            sentiment = FieldOverride("sentiment", remembered, 1.0, "memory")
        else:
            folded = _folded(text)
            features = _features(folded, lang)
            guess = self._predict_sentiment(features, _language_feature(lang))
            if guess is not None and guess[0] != base_sentiment:
                sentiment = FieldOverride("sentiment", guess[0], round(guess[1], 4), "model")

        issues: FieldOverride | None = None
        remembered = self._memory["issue_types"].get(key)
        if remembered is not None:
            issues = FieldOverride("issue_types", remembered, 1.0, "memory")
        else:
            if folded is None:
                features = _features(_folded(text), lang)
            changed = self._predict_issues(features, _language_feature(lang), base_issues)
            if changed is not None:
                issues = FieldOverride("issue_types", changed[0], round(changed[1], 4), "model")

        if sentiment is None and issues is None:
            return None
        return Override(sentiment, issues)

    def _predict_sentiment(self, features: frozenset[int], language: int | None) -> tuple[str, float] | None:
        config = self.config
        everything = self._sentiment_all
        if everything.docs < config.min_field_examples:
            return None
        known = [f for f in features if f in everything.features]
        if sum(1 for f in known if f != language) < max(config.min_known_features, 1):
            return None
        labels = [label for label in SENTIMENT_LABELS if self._sentiment[label].docs > 0]
        if sum(1 for label in labels if self._sentiment[label].docs >= config.min_label_examples) < 2:
            return None  # corrections all in one direction teach what a label is, not what it is not
        vocabulary = len(everything.features)
        scores = [
            math.log(self._sentiment[label].docs / everything.docs)
            + _log_likelihood(self._sentiment[label], known, vocabulary, config.smoothing)
            for label in labels
        ]
        posterior = _posterior(scores)
        best = max(range(len(labels)), key=lambda i: posterior[i])
        label = labels[best]
        if self._sentiment[label].docs < config.min_label_examples or posterior[best] < config.min_confidence:
            return None
        return label, posterior[best]

    def _issue_probability(self, label: str, known: list[int], vocabulary: int) -> float | None:
        """P(label | features) from the label's model, or None when it has too few examples either way."""
        config = self.config
        everything = self._issues_all
        positive = self._issues[label]
        negative_docs = everything.docs - positive.docs
        if positive.docs < max(config.min_label_examples, 1) or negative_docs < max(config.min_label_examples, 1):
            return None
        negative = _Counts()
        negative.docs = negative_docs
        negative.total = everything.total - positive.total
        # Counts without the label are the difference of two dicts, read only for the known features.
        negative.features = {f: everything.features[f] - positive.features.get(f, 0) for f in known}
        yes = math.log(positive.docs / everything.docs) + _log_likelihood(positive, known, vocabulary, config.smoothing)
        no = math.log(negative_docs / everything.docs) + _log_likelihood(negative, known, vocabulary, config.smoothing)
        return _posterior([yes, no])[0]

    def _predict_issues(
        self, features: frozenset[int], language: int | None, base: tuple[str, ...]
    ) -> tuple[tuple[str, ...], float] | None:
        config = self.config
        everything = self._issues_all
        if everything.docs < config.min_field_examples:
            return None
        known = [f for f in features if f in everything.features]
        if sum(1 for f in known if f != language) < max(config.min_known_features, 1):
            return None
        vocabulary = len(everything.features)
        labels = set(base)
        confidence = 1.0
        for label in ISSUE_LABELS:
            probability = self._issue_probability(label, known, vocabulary)
            if probability is None:
                continue
            if label not in labels and probability >= config.min_confidence:
                labels.add(label)
                confidence = min(confidence, probability)
            elif label in labels and 1.0 - probability >= config.min_confidence:
                labels.discard(label)
                confidence = min(confidence, 1.0 - probability)
        if labels == set(base):
            return None
        return tuple(label for label in ISSUE_LABELS if label in labels), confidence

    # -- persistence ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible state, with ``version``, for the database."""
        return {
            "version": MODEL_VERSION,
            "feature_bits": FEATURE_BITS,
            "config": asdict(self.config),
            "memory": {
                field: [[key, value if isinstance(value, str) else list(value)] for key, value in memory.items()]
                for field, memory in self._memory.items()
            },
            "sentiment": {label: counts.to_dict() for label, counts in self._sentiment.items()},
            "sentiment_all": self._sentiment_all.to_dict(),
            "issue_types": {label: counts.to_dict() for label, counts in self._issues.items()},
            "issue_types_all": self._issues_all.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkspaceModel:
        """A model from ``to_dict()``'s output; another version means: refit it from the corrections."""
        if data.get("version") != MODEL_VERSION or data.get("feature_bits") != FEATURE_BITS:
            raise ValidationError(
                _("workspace model version {found} is not supported (expected {expected}); refit it").format(
                    found=data.get("version"), expected=MODEL_VERSION
                ),
                code="unsupported_model_version",
                details={"version": data.get("version")},
            )
        try:
            model = cls(AdaptConfig(**data["config"]))
            for field in FIELDS:
                memory = model._memory[field]
                for key, value in data["memory"][field]:
                    memory[int(key)] = str(value) if field == "sentiment" else tuple(str(v) for v in value)
            model._sentiment = {label: _Counts.from_dict(data["sentiment"][label]) for label in SENTIMENT_LABELS}
            model._sentiment_all = _Counts.from_dict(data["sentiment_all"])
            model._issues = {label: _Counts.from_dict(data["issue_types"].get(label, _EMPTY)) for label in ISSUE_LABELS}
            model._issues_all = _Counts.from_dict(data["issue_types_all"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValidationError(
                _("workspace model state is malformed: {error}").format(error=type(exc).__name__),
                code="invalid_model_state",
                details={"error": str(exc)},
            ) from exc
        return model


_EMPTY: Mapping[str, Any] = {"docs": 0, "features": {}}


# --------------------------------------------------------------------------------------------
# Accuracy
# --------------------------------------------------------------------------------------------
def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _scores(
    truth: Sequence[tuple[str, ...]], predicted: Sequence[tuple[str, ...]], labels: Sequence[str]
) -> dict[str, Any]:
    """Accuracy (exact match) and per-label precision, recall, F1 and support.

    Labels neither true nor predicted anywhere are left out; precision is None for a label never
    predicted and recall None for one never true.
    """
    per_label: dict[str, Any] = {}
    for label in labels:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if label in t and label in p)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if label not in t and label in p)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if label in t and label not in p)
        if tp + fp + fn == 0:
            continue
        precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        f1 = round(2 * tp / (2 * tp + fp + fn), 4)  # defined whenever the label was true or predicted
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    correct = sum(1 for t, p in zip(truth, predicted, strict=True) if set(t) == set(p))
    return {"accuracy": _ratio(correct, len(truth)), "labels": per_label}


def accuracy_report(
    pairs: Iterable[tuple[Correction, Analysis | Mapping[str, Any]]], *, config: AdaptConfig | None = None
) -> dict[str, Any]:
    """Base analysis and adapted model (leave-one-out) against people's corrections, per field.

    ``pairs`` are each correction with the base analysis of its text. A text corrected more than
    once counts once, with its latest correction. Returns plain data: per field the number of
    texts, the accuracy and per-label precision/recall/F1/support of ``base`` and ``adapted``,
    and how many of the adapted answers changed the base one.
    """
    latest: dict[tuple[Field, int], tuple[Correction, tuple[str | None, tuple[str, ...]]]] = {}
    for correction, base in pairs:
        key = (correction.field, text_key(correction.text))
        latest.pop(key, None)  # re-inserted last, so order follows the latest corrections
        latest[key] = (correction, _base_values(base))
    model = WorkspaceModel(config).fit(correction for correction, _base in latest.values())

    report: dict[str, Any] = {"method": "leave_one_out", "fields": {}}
    for field in FIELDS:
        rows = [row for (row_field, _key), row in latest.items() if row_field == field]
        if not rows:
            continue
        truth: list[tuple[str, ...]] = []
        base_values: list[tuple[str, ...]] = []
        adapted: list[tuple[str, ...]] = []
        changed = 0
        for correction, (base_sentiment, base_issues) in rows:
            base_value: tuple[str, ...]
            base_value = ((base_sentiment,) if base_sentiment else ()) if field == "sentiment" else base_issues
            truth.append((correction.value,) if isinstance(correction.value, str) else correction.value)
            base_values.append(base_value)
            answer = _leave_one_out(model, correction, base_sentiment, base_issues)
            if answer is None:
                adapted.append(base_value)
            else:
                changed += 1
                adapted.append((answer,) if isinstance(answer, str) else answer)
        labels = SENTIMENT_LABELS if field == "sentiment" else ISSUE_LABELS
        report["fields"][field] = {
            "examples": len(rows),
            "base": _scores(truth, base_values, labels),
            "adapted": _scores(truth, adapted, labels),
            "changed": changed,
        }
    return report


def _leave_one_out(
    model: WorkspaceModel, correction: Correction, base_sentiment: str | None, base_issues: tuple[str, ...]
) -> Value | None:
    """The model's answer for a corrected text when it is trained on every other one."""
    field = correction.field
    features = _features(_folded(correction.text), correction.lang)
    key = text_key(correction.text)
    memory = model._memory[field]
    remembered = memory.pop(key)
    model._count(field, features, correction.value, -1)
    try:
        base: dict[str, Any] = {"sentiment": base_sentiment, "issue_types": list(base_issues)}
        override = model.predict(correction.text, correction.lang, base)
    finally:
        model._count(field, features, correction.value, +1)
        memory[key] = remembered
    if override is None:
        return None
    answer = override.sentiment if field == "sentiment" else override.issue_types
    return None if answer is None else answer.value


__all__ = [
    "FEATURE_BITS",
    "FIELDS",
    "ISSUE_LABELS",
    "MAX_MEMORY",
    "MODEL_VERSION",
    "SENTIMENT_LABELS",
    "AdaptConfig",
    "Correction",
    "FieldOverride",
    "Override",
    "WorkspaceModel",
    "accuracy_report",
    "text_key",
]
