"""The deep path's sentiment head: multinomial logistic regression over embeddings and fast-path cues.

Input: a post's multilingual-e5-small embedding (384 numbers) next to lexical features taken from
the fast path's verdict (its score, VADER's compound, the rules that fired, emoji polarity, "!" and
"?" counts, shouting, language). Every feature is standardised with the training mean and spread,
and the model is fitted by Newton's method (the log-loss is convex, so a dozen exact second-order
steps reach the optimum; no learning rate to tune) with an L2 penalty on the weights, chosen by
cross-validation on the training split. Only numpy.

Which label is shown (``combine``): the deep head's, when its top probability is at least
``threshold``; otherwise a blend ``blend × deep + (1 − blend) × fast`` of the two probability
vectors, where the fast path's score is turned into probabilities that agree with its own label
thresholds (``fast_probs``). Without a deep verdict the fast label stands. Both numbers are tuned
on out-of-fold predictions of the training split, never on the validation split.

The shipped weights (``sentiment_head.npz``, provenance in ``sentiment_head.md``) are read with
``load_head()``; ``baliza train sentiment`` makes new ones.
"""

from __future__ import annotations

import functools
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from baliza.analysis.embeddings import EMBEDDING_DIM, Prefix
from baliza.analysis.sentiment import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD, Label, Sentiment, sentiment
from baliza.core.errors import ValidationError
from baliza.core.i18n import _

LABELS: tuple[Label, Label, Label] = ("negative", "neutral", "positive")
"""Class order of every probability vector."""

HEAD_FILE = "sentiment_head.npz"
FORMAT_VERSION = 1
DEFAULT_THRESHOLD = 0.6
DEFAULT_BLEND = 0.7
FAST_SHARPNESS = 5.0
"""How sure the fast path's probabilities are: 0.98 for a score of ±0.9, a tie at the label thresholds."""

L2_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
LEXICAL_BOOST = 2.0
"""Lexical columns are scaled up this much after standardising, so their L2 penalty is a quarter of the
embedding's: they are few and each is strong evidence. Cross-validated on the training split (1, 2, 4)."""
THRESHOLD_GRID = (0.0, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9, 1.01)
BLEND_GRID = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
MIN_BLEND_GAIN = 0.005
"""A blend with the fast path is kept only when it beats the deep head alone by this much out-of-fold
macro-F1: a smaller gain is one or two posts of the training data, and the simpler rule is easier to
explain ("the model decided") and to trust."""
_BIAS_L2 = 1e-6  # the softmax is unchanged by a shift of all biases; a whisper of penalty keeps Newton's system regular

Floats = npt.NDArray[np.float64]
Floats32 = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int64]


class DecidedBy(StrEnum):
    """Which path chose the label that is shown."""

    fast = "fast"
    deep = "deep"
    blend = "blend"


# ----------------------------------------------------------------------------------------------
# Lexical features from the fast path
# ----------------------------------------------------------------------------------------------

LEXICAL_FEATURES: tuple[str, ...] = (
    "fast_score",
    "fast_score_es",
    "fast_score_en",
    "fast_abs",
    "fast_negative",
    "fast_positive",
    "vader_compound",
    "word_cues",
    "negation",
    "sarcasm",
    "intensifier",
    "emphasis",
    "exclamations",
    "questions",
    "emoji_polarity",
    "emoji_count",
    "caps_ratio",
    "english",
    "log_length",
    "handles",
    "links",
    "hashtags",
)
"""Names of the lexical features, in column order."""

_EMOJI = re.compile("[\u2190-\u21ff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff]")
_EMOTICON = re.compile(r"(?<![\w:/])(?:[:;=][-']?(?:\)+|\(+|D+\b|P\b|p\b|/(?!/)|\*)|<3+|</3|xD+\b|XD+\b)")
_HANDLE = re.compile(r"@\w+")
_LINK = re.compile(r"https?://\S+|\bhttp\b")
_HASHTAG = re.compile(r"#\w+")
_UPPER = re.compile(r"[A-ZÁÉÍÓÚÑ]")
_LETTER = re.compile(r"[^\W\d_]")


def _is_english(lang: str | None) -> bool:
    return bool(lang) and str(lang).strip().lower().replace("_", "-").split("-", 1)[0] in ("en", "eng")


def lexical_features(text: str, fast: Sentiment, lang: str | None) -> Floats:
    """The fast path's evidence about one post as ``len(LEXICAL_FEATURES)`` numbers."""
    score = fast.score
    english = _is_english(lang)
    vader = 0.0
    words = 0
    rules: set[str] = set()
    for cue in fast.cues:
        if cue.startswith("vader:"):
            vader = float(cue[6:])
        elif cue.startswith("rule:"):
            rules.add(cue[5:])
        else:
            words += 1
    icons = _EMOJI.findall(text) + _EMOTICON.findall(text)
    # The emoji alone, judged by the fast path: "😡" and ":(" carry sentiment the model may under-read.
    emoji_polarity = sentiment(" ".join(icons), "es").score if icons else 0.0
    letters = len(_LETTER.findall(text))
    caps = len(_UPPER.findall(text)) / letters if letters else 0.0
    return np.array(
        [
            score,
            0.0 if english else score,
            score if english else 0.0,
            abs(score),
            float(fast.label == "negative"),
            float(fast.label == "positive"),
            vader,
            math.log1p(words),
            float("negation" in rules),
            float("sarcasm" in rules),
            float("intensifier" in rules or "diminisher" in rules),
            float("caps" in rules or "elongation" in rules),
            math.log1p(text.count("!")),
            math.log1p(text.count("?")),
            emoji_polarity,
            math.log1p(len(icons)),
            caps,
            float(english),
            math.log1p(len(text)),
            math.log1p(len(_HANDLE.findall(text))),
            math.log1p(len(_LINK.findall(text))),
            math.log1p(len(_HASHTAG.findall(text))),
        ],
        dtype=np.float64,
    )


def lexical_matrix(texts: Sequence[str], fasts: Sequence[Sentiment], langs: Sequence[str | None]) -> Floats:
    """``lexical_features`` for many posts, shape (n, len(LEXICAL_FEATURES))."""
    rows = [lexical_features(t, f, lang) for t, f, lang in zip(texts, fasts, langs, strict=True)]
    return np.vstack(rows) if rows else np.zeros((0, len(LEXICAL_FEATURES)))


# ----------------------------------------------------------------------------------------------
# Combining the two paths
# ----------------------------------------------------------------------------------------------


def fast_probs(score: float) -> Floats:
    """The fast score as negative/neutral/positive probabilities whose argmax is the fast label."""
    logits = FAST_SHARPNESS * np.array([NEGATIVE_THRESHOLD - score, 0.0, score - POSITIVE_THRESHOLD])
    logits -= logits.max()
    p = np.exp(logits)
    return np.asarray(p / p.sum(), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Combined:
    """The label shown for a post, its score in [-1, 1] (p_positive − p_negative) and who decided."""

    label: Label
    score: float
    decided_by: DecidedBy
    probs: tuple[float, float, float]


def combine(
    fast: Sentiment,
    deep_probs: Sequence[float] | npt.NDArray[np.floating[Any]] | None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    blend: float = DEFAULT_BLEND,
) -> Combined:
    """The deep label when its top probability ≥ threshold, else the blend of deep and fast probabilities."""
    if deep_probs is None:
        p = fast_probs(fast.score)
        return Combined(fast.label, fast.score, DecidedBy.fast, (float(p[0]), float(p[1]), float(p[2])))
    deep = np.asarray(deep_probs, dtype=np.float64)
    if deep.shape != (3,):
        raise ValueError("deep_probs must hold 3 probabilities")
    if deep.max() >= threshold:
        p, decided = deep, DecidedBy.deep
    else:
        p, decided = blend * deep + (1.0 - blend) * fast_probs(fast.score), DecidedBy.blend
    label = LABELS[int(np.argmax(p))]
    return Combined(label, round(float(p[2] - p[0]), 4), decided, (float(p[0]), float(p[1]), float(p[2])))


def combine_labels(
    fast: Sequence[Sentiment], deep_probs: npt.NDArray[np.floating[Any]], *, threshold: float, blend: float
) -> list[Label]:
    """``combine`` over many posts, labels only."""
    return [combine(f, p, threshold=threshold, blend=blend).label for f, p in zip(fast, deep_probs, strict=True)]


# ----------------------------------------------------------------------------------------------
# The model
# ----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class SentimentHead:
    """Standardisation, weights and the combine settings: everything needed to label a post."""

    weights: Floats32  # (features, 3)
    bias: Floats32  # (3,)
    mean: Floats32  # (features,)
    scale: Floats32  # (features,)
    threshold: float = DEFAULT_THRESHOLD
    blend: float = DEFAULT_BLEND
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def prefix(self) -> Prefix:
        """The e5 prefix the embeddings were made with ("query" or "passage")."""
        return "passage" if self.meta.get("embedding_prefix") == "passage" else "query"

    def predict_proba(self, embeddings: npt.ArrayLike, lexical: npt.ArrayLike) -> Floats32:
        """Negative/neutral/positive probabilities, shape (n, 3), from embeddings (n, 384) and lexical (n, L)."""
        x = _stack(embeddings, lexical)
        if x.shape[1] != self.weights.shape[0]:
            raise ValueError(f"expected {self.weights.shape[0]} features, got {x.shape[1]}")
        z = ((x - self.mean) / self.scale) @ self.weights.astype(np.float64) + self.bias
        return _softmax(z).astype(np.float32)

    def predict(self, embeddings: npt.ArrayLike, lexical: npt.ArrayLike) -> list[Label]:
        """The deep head's own label for each post."""
        return [LABELS[i] for i in np.argmax(self.predict_proba(embeddings, lexical), axis=1)]

    def combine(self, fast: Sentiment, deep_probs: Sequence[float] | npt.NDArray[np.floating[Any]] | None) -> Combined:
        """``combine`` with this head's tuned threshold and blend."""
        return combine(fast, deep_probs, threshold=self.threshold, blend=self.blend)

    def save(self, path: Path) -> None:
        """Write the head as a small float32 .npz (the path is used as given)."""
        meta = {**self.meta, "format": FORMAT_VERSION, "labels": list(LABELS), "lexical": list(LEXICAL_FEATURES)}
        with path.open("wb") as fh:
            np.savez_compressed(
                fh,
                weights=self.weights.astype(np.float32),
                bias=self.bias.astype(np.float32),
                mean=self.mean.astype(np.float32),
                scale=self.scale.astype(np.float32),
                combine=np.array([self.threshold, self.blend], dtype=np.float32),
                meta=np.array(json.dumps(meta, sort_keys=True)),
            )

    @classmethod
    def load(cls, path: Path) -> SentimentHead:
        """Read a head written by ``save``."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ValidationError(
                _("Cannot read the sentiment head {path}.").format(path=path), code="head_unreadable"
            ) from exc
        return cls.from_bytes(data, source=str(path))

    @classmethod
    def from_bytes(cls, data: bytes, *, source: str = "sentiment head") -> SentimentHead:
        """Read a head from the bytes of a .npz file."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                weights, bias = npz["weights"], npz["bias"]
                mean, scale, settings = npz["mean"], npz["scale"], npz["combine"]
                meta = json.loads(str(npz["meta"]))
        except (OSError, KeyError, ValueError, EOFError) as exc:
            raise ValidationError(
                _("{path} is not a sentiment head file.").format(path=source), code="head_invalid"
            ) from exc
        width = EMBEDDING_DIM + len(LEXICAL_FEATURES)
        if (
            weights.shape != (width, 3)
            or bias.shape != (3,)
            or mean.shape != (width,)
            or scale.shape != (width,)
            or meta.get("lexical") != list(LEXICAL_FEATURES)
        ):
            raise ValidationError(
                _("{path} was made for other features; train it again with this version.").format(path=source),
                code="head_mismatch",
                details={"shape": list(weights.shape)},
            )
        return cls(weights, bias, mean, scale, float(settings[0]), float(settings[1]), meta)


@functools.cache
def load_head() -> SentimentHead:
    """The sentiment head shipped in the package (read once)."""
    data = (resources.files("baliza.analysis") / HEAD_FILE).read_bytes()
    return SentimentHead.from_bytes(data, source=HEAD_FILE)


def _stack(embeddings: npt.ArrayLike, lexical: npt.ArrayLike) -> Floats:
    emb = np.atleast_2d(np.asarray(embeddings, dtype=np.float64))
    lex = np.atleast_2d(np.asarray(lexical, dtype=np.float64))
    if emb.shape[0] != lex.shape[0]:
        raise ValueError("embeddings and lexical features differ in rows")
    return np.hstack([emb, lex])


def _softmax(z: Floats) -> Floats:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)


# ----------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------


def label_indices(labels: Sequence[str]) -> Ints:
    """Labels to class indices in ``LABELS`` order."""
    index: dict[str, int] = {label: i for i, label in enumerate(LABELS)}
    return np.array([index[label] for label in labels], dtype=np.int64)


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """Unweighted mean of the per-class F1 over the three labels (a class never seen nor predicted scores 0)."""
    scores = []
    for label in LABELS:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label and p == label)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if t != label and p == label)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


@dataclass(frozen=True, slots=True)
class Fit:
    """Weights in standardised feature space, and how the optimiser ended."""

    weights: Floats  # (features, K)
    bias: Floats  # (K,)
    iterations: int
    loss: float


def _loss_grad(x: Floats, y: Floats, w: Floats, b: Floats, l2: float) -> tuple[float, Floats, Floats, Floats]:
    n = x.shape[0]
    z = x @ w + b
    z -= z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1, keepdims=True))
    log_p = z - log_norm
    p = np.exp(log_p)
    loss = -float((y * log_p).sum()) / n + 0.5 * l2 * float((w * w).sum()) + 0.5 * _BIAS_L2 * float(b @ b)
    diff = (p - y) / n
    return loss, x.T @ diff + l2 * w, diff.sum(axis=0) + _BIAS_L2 * b, p


def _newton_step(xb: Floats, p: Floats, grad: Floats, reg: Floats) -> Floats:
    """Solve (H + R) s = g for the mean log-loss Hessian H, whose block (a, c) is Xᵀ diag(w_ac) X.

    w_ac = p_a (δ_ac − p_c) / n and R = diag(reg) for every class. With more rows than columns the
    (d+1)K system is solved directly; with fewer (small data sets) the equivalent nK system
    (I + W (I ⊗ X R⁻¹ Xᵀ)) u = W X R⁻¹ g, s = R⁻¹ (g − Xᵀ u), is much smaller.
    """
    n, width = xb.shape
    k = p.shape[1]
    w = [[p[:, a] * ((1.0 if a == c else 0.0) - p[:, c]) / n for c in range(k)] for a in range(k)]
    if n >= width:
        hess = np.zeros((k * width, k * width))
        for a in range(k):
            for c in range(a, k):
                block = (xb * w[a][c][:, None]).T @ xb
                if a == c:
                    block += np.diag(reg)
                hess[a * width : (a + 1) * width, c * width : (c + 1) * width] = block
                hess[c * width : (c + 1) * width, a * width : (a + 1) * width] = block.T
        return np.asarray(np.linalg.solve(hess, grad.T.reshape(-1)).reshape(k, width).T, dtype=np.float64)
    scaled = grad / reg[:, None]  # R⁻¹ g, one column per class
    gram = (xb / reg) @ xb.T  # X R⁻¹ Xᵀ
    v = xb @ scaled  # X R⁻¹ g, (n, k)
    system = np.zeros((k * n, k * n))
    rhs = np.zeros(k * n)
    for a in range(k):
        system[a * n : (a + 1) * n, a * n : (a + 1) * n] += np.eye(n)
        for c in range(k):
            system[a * n : (a + 1) * n, c * n : (c + 1) * n] += w[a][c][:, None] * gram
            rhs[a * n : (a + 1) * n] += w[a][c] * v[:, c]
    u = np.linalg.solve(system, rhs).reshape(k, n).T  # (n, k)
    return np.asarray(scaled - (xb.T @ u) / reg[:, None], dtype=np.float64)


def fit_softmax(
    x: Floats, y: Ints, *, l2: float, max_iter: int = 50, tol: float = 1e-6, start: Fit | None = None
) -> Fit:
    """Multinomial logistic regression by damped Newton steps on standardised features ``x`` (n, d)."""
    n, d = x.shape
    k = len(LABELS)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.zeros((d, k)) if start is None else start.weights.copy()
    b = np.zeros(k) if start is None else start.bias.copy()
    loss, gw, gb, p = _loss_grad(x, onehot, w, b, l2)
    iterations = 0
    reg = np.concatenate([np.full(d, l2), [_BIAS_L2]])
    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        grad = np.concatenate([gw, gb[None, :]], axis=0)  # (d+1, k)
        if float(np.abs(grad).max()) < tol:
            break
        step = _newton_step(xb, p, grad, reg)
        g = grad.T.reshape(-1)
        # Backtracking (Armijo) keeps each step a descent even far from the optimum.
        t, slope = 1.0, float(g @ step.T.reshape(-1))
        while True:
            w_new, b_new = w - t * step[:d], b - t * step[d]
            new_loss, gw_new, gb_new, p_new = _loss_grad(x, onehot, w_new, b_new, l2)
            if new_loss <= loss - 1e-4 * t * slope or t < 1e-8:
                break
            t *= 0.5
        improved = loss - new_loss
        w, b, loss, gw, gb, p = w_new, b_new, new_loss, gw_new, gb_new, p_new
        if improved < tol * max(1.0, abs(loss)):
            break
    return Fit(w, b, iterations, loss)


def standardise(x: Floats) -> tuple[Floats, Floats]:
    """Mean and divisor per column: unit spread, lexical columns ``LEXICAL_BOOST`` wider; constants map to 0."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-8] = 1.0
    scale[EMBEDDING_DIM:] /= LEXICAL_BOOST
    return mean, scale


def fit_head(
    embeddings: npt.ArrayLike,
    lexical: npt.ArrayLike,
    labels: Sequence[str],
    *,
    l2: float = 0.03,
    max_iter: int = 50,
    threshold: float = DEFAULT_THRESHOLD,
    blend: float = DEFAULT_BLEND,
    meta: dict[str, Any] | None = None,
) -> SentimentHead:
    """Fit a head on all the given posts with one L2 strength."""
    x = _stack(embeddings, lexical)
    mean, scale = standardise(x)
    fit = fit_softmax((x - mean) / scale, label_indices(labels), l2=l2, max_iter=max_iter)
    info = {**(meta or {}), "l2": l2, "newton_iterations": fit.iterations, "train_loss": round(fit.loss, 6)}
    return SentimentHead(
        fit.weights.astype(np.float32),
        fit.bias.astype(np.float32),
        mean.astype(np.float32),
        scale.astype(np.float32),
        threshold,
        blend,
        info,
    )


@dataclass(frozen=True, slots=True)
class Tuning:
    """What cross-validation on the training split chose, and the out-of-fold macro-F1 behind it."""

    l2: float
    threshold: float
    blend: float
    cv_f1_by_l2: dict[float, float]
    cv_f1_deep: float
    cv_f1_combined: float


def fold_ids(n: int, folds: int, seed: int) -> Ints:
    """A seeded, balanced assignment of n rows to folds."""
    rng = np.random.default_rng(seed)
    ids = np.arange(n, dtype=np.int64) % folds
    rng.shuffle(ids)
    return ids


def tune_head(
    embeddings: npt.ArrayLike,
    lexical: npt.ArrayLike,
    labels: Sequence[str],
    fast: Sequence[Sentiment],
    *,
    seed: int,
    folds: int = 5,
    l2_grid: Sequence[float] = L2_GRID,
    max_iter: int = 50,
) -> Tuning:
    """Choose the L2 strength, then the combine threshold and blend, by k-fold cross-validation."""
    x = _stack(embeddings, lexical)
    y = label_indices(labels)
    ids = fold_ids(len(y), folds, seed)
    oof = {l2: np.zeros((len(y), len(LABELS))) for l2 in l2_grid}
    for fold in range(folds):
        train, held = ids != fold, ids == fold
        mean, scale = standardise(x[train])
        xs_train, xs_held = (x[train] - mean) / scale, (x[held] - mean) / scale
        start: Fit | None = None
        # Strongest penalty first: each fit starts from the previous optimum and needs few steps.
        for l2 in sorted(l2_grid, reverse=True):
            start = fit_softmax(xs_train, y[train], l2=l2, max_iter=max_iter, start=start)
            oof[l2][held] = _softmax(xs_held @ start.weights + start.bias)
    by_l2 = {l2: macro_f1(labels, [LABELS[i] for i in np.argmax(oof[l2], axis=1)]) for l2 in l2_grid}
    best_l2 = max(l2_grid, key=lambda l2: (by_l2[l2], l2))
    probs = oof[best_l2]
    deep_only = macro_f1(labels, combine_labels(fast, probs, threshold=0.0, blend=DEFAULT_BLEND))
    best = (deep_only, 0.0, DEFAULT_BLEND)
    for threshold in THRESHOLD_GRID:
        if threshold <= 0.0:
            continue
        for blend in BLEND_GRID:
            score = macro_f1(labels, combine_labels(fast, probs, threshold=threshold, blend=blend))
            if score > best[0] + 1e-9 and score >= deep_only + MIN_BLEND_GAIN:
                best = (score, threshold, blend)
    return Tuning(best_l2, best[1], best[2], by_l2, by_l2[best_l2], best[0])


__all__ = [
    "BLEND_GRID",
    "DEFAULT_BLEND",
    "DEFAULT_THRESHOLD",
    "FAST_SHARPNESS",
    "HEAD_FILE",
    "L2_GRID",
    "LABELS",
    "LEXICAL_BOOST",
    "LEXICAL_FEATURES",
    "MIN_BLEND_GAIN",
    "THRESHOLD_GRID",
    "Combined",
    "DecidedBy",
    "Fit",
    "SentimentHead",
    "Tuning",
    "combine",
    "combine_labels",
    "fast_probs",
    "fit_head",
    "fit_softmax",
    "fold_ids",
    "label_indices",
    "lexical_features",
    "lexical_matrix",
    "load_head",
    "macro_f1",
    "standardise",
    "tune_head",
]
