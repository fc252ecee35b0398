"""How right the analysis is: ``baliza bench analysis``.

In one run, on the same texts:

- the UMSAB validation splits (``umsab_{es,en}_val.tsv``, public tweets labelled negative, neutral or
  positive): macro-F1 of VADER alone (English; its usual ±0.05 thresholds), the fast path, the deep
  head and the label that is shown (the two combined), plus the time per post of VADER alone and of
  the fast path;
- the posts written and labelled by the team (``tests/fixtures/team_posts/posts.jsonl``): sentiment
  accuracy and macro-F1 of the fast path and of the label shown, per language, and the issue types'
  precision, recall and F1 (micro over labels, and per type).

The deep head needs embeddings: they come from the disk cache that ``baliza train sentiment`` fills
(``~/.cache/baliza/embeddings``), else from the model, which takes about a minute for the 648 tweets.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from baliza.analysis.embeddings import Embedder
from baliza.analysis.head import LABELS, load_head, macro_f1
from baliza.analysis.issue_types import ISSUE_TYPES, issue_types
from baliza.analysis.sentiment import Sentiment, _vader, sentiment
from baliza.core.i18n import _

TEAM_POSTS = Path("tests/fixtures/team_posts/posts.jsonl")
"""Where the team's labelled posts live in a checkout."""

TEAM_KINDS = ("complaint", "praise", "sarcasm", "news", "question", "mixed", "neutral_chatter")
LANGUAGES = ("es", "en")
VADER_THRESHOLD = 0.05
"""VADER's own convention: compound ≥ 0.05 positive, ≤ -0.05 negative."""


@dataclass(frozen=True, slots=True)
class LabelledPost:
    """One post with its human labels."""

    id: str
    lang: str
    kind: str
    text: str
    sentiment: str
    issue_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BadRow:
    """A line of the posts file that could not be used, and why."""

    line: int
    field: str
    value: str
    reason: str


def load_team_posts(path: Path) -> tuple[list[LabelledPost], list[BadRow]]:
    """The labelled posts of a JSON Lines file, and every line that had to be skipped (never silently)."""
    posts: list[LabelledPost] = []
    bad: list[BadRow] = []
    seen: set[str] = set()
    known_types = {t.value for t in ISSUE_TYPES}
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                bad.append(BadRow(lineno, "-", line.strip()[:60], _("not valid JSON ({error})").format(error=exc.msg)))
                continue
            if not isinstance(row, dict):
                bad.append(BadRow(lineno, "-", line.strip()[:60], _("expected a JSON object")))
                continue
            problem = _check_row(row, known_types, seen)
            if problem is not None:
                bad.append(BadRow(lineno, *problem))
                continue
            seen.add(row["id"])
            posts.append(
                LabelledPost(
                    row["id"], row["lang"], row["kind"], row["text"], row["sentiment"], tuple(row["issue_types"])
                )
            )
    return posts, bad


def _check_row(row: dict[str, Any], known_types: set[str], seen: set[str]) -> tuple[str, str, str] | None:
    for name in ("id", "lang", "kind", "text", "sentiment"):
        value = row.get(name)
        if not isinstance(value, str) or not value.strip():
            return name, repr(value), _("missing or not a text")
    if row["id"] in seen:
        return "id", row["id"], _("used twice")
    if row["lang"] not in LANGUAGES:
        return "lang", row["lang"], _("expected es or en")
    if row["kind"] not in TEAM_KINDS:
        return "kind", row["kind"], _("expected one of: {values}").format(values=", ".join(TEAM_KINDS))
    if row["sentiment"] not in LABELS:
        return "sentiment", row["sentiment"], _("expected negative, neutral or positive")
    types = row.get("issue_types")
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        return "issue_types", repr(types), _("expected a list of issue types")
    unknown = [t for t in types if t not in known_types]
    if unknown:
        return "issue_types", ", ".join(unknown), _("unknown issue type")
    return None


# ----------------------------------------------------------------------------------------------
# Scores
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SentimentScore:
    """Accuracy and macro-F1 of one path on one set of posts."""

    n: int
    accuracy: float
    macro_f1: float

    @classmethod
    def of(cls, truth: Sequence[str], predicted: Sequence[str]) -> SentimentScore:
        """Score predictions against the truth."""
        n = len(truth)
        right = sum(1 for t, p in zip(truth, predicted, strict=True) if t == p)
        return cls(n, right / n if n else 0.0, macro_f1(truth, predicted) if n else 0.0)


@dataclass(frozen=True, slots=True)
class TypeScore:
    """Precision, recall and F1 of the issue types (one type, or micro over all)."""

    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        """Share of the predicted labels that are right."""
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 0.0

    @property
    def recall(self) -> float:
        """Share of the true labels that were found."""
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        denominator = 2 * self.true_positives + self.false_positives + self.false_negatives
        return 2 * self.true_positives / denominator if denominator else 0.0


def score_issue_types(
    truth: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]
) -> tuple[TypeScore, dict[str, TypeScore]]:
    """Micro-averaged score over every (post, type) pair, and one score per type that occurs."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for expected, got in zip(truth, predicted, strict=True):
        want, have = set(expected), set(got)
        tp.update(want & have)
        fp.update(have - want)
        fn.update(want - have)
    per_type = {t.value: TypeScore(tp[t.value], fp[t.value], fn[t.value]) for t in ISSUE_TYPES}
    per_type = {k: v for k, v in per_type.items() if v.true_positives + v.false_positives + v.false_negatives}
    return TypeScore(sum(tp.values()), sum(fp.values()), sum(fn.values())), per_type


def vader_label(compound: float) -> str:
    """VADER's label for a compound score."""
    if compound >= VADER_THRESHOLD:
        return "positive"
    if compound <= -VADER_THRESHOLD:
        return "negative"
    return "neutral"


@dataclass(slots=True)
class QualityReport:
    """Everything ``baliza bench analysis`` measured."""

    umsab: dict[str, dict[str, SentimentScore]] = field(default_factory=dict)
    """language → path (vader, fast, deep, shown) → score."""
    speed_us: dict[str, float] = field(default_factory=dict)
    """vader / fast → microseconds per English post, same texts, same run."""
    team: dict[str, dict[str, SentimentScore]] = field(default_factory=dict)
    """language → path (fast, shown) → score on the team's posts."""
    team_types: dict[str, TypeScore] = field(default_factory=dict)
    """language → micro score of the issue types."""
    team_types_by_type: dict[str, TypeScore] = field(default_factory=dict)
    team_kinds: dict[str, dict[str, SentimentScore]] = field(default_factory=dict)
    """language → kind of post → score of the label shown."""
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Every number, rounded, for JSON."""

        def sent(score: SentimentScore) -> dict[str, Any]:
            return {"n": score.n, "accuracy": round(score.accuracy, 4), "macro_f1": round(score.macro_f1, 4)}

        def types(score: TypeScore) -> dict[str, Any]:
            return {"precision": round(score.precision, 4), "recall": round(score.recall, 4), "f1": round(score.f1, 4)}

        return {
            "umsab_val": {lang: {p: sent(s) for p, s in paths.items()} for lang, paths in self.umsab.items()},
            "speed_us_per_post": {k: round(v, 1) for k, v in self.speed_us.items()},
            "team_posts": {lang: {p: sent(s) for p, s in paths.items()} for lang, paths in self.team.items()},
            "team_issue_types": {lang: types(s) for lang, s in self.team_types.items()},
            "team_issue_types_by_type": {t: types(s) for t, s in self.team_types_by_type.items()},
            "team_by_kind": {lang: {k: sent(s) for k, s in kinds.items()} for lang, kinds in self.team_kinds.items()},
            "skipped": self.skipped,
        }


# ----------------------------------------------------------------------------------------------
# Running it
# ----------------------------------------------------------------------------------------------

Embed = Callable[[Sequence[str]], np.ndarray[Any, Any]]


def shown_labels(texts: Sequence[str], langs: Sequence[str], fasts: Sequence[Sentiment], embed: Embed) -> list[str]:
    """The label a person sees once the deep path has run: the shipped head combined with the fast path."""
    from baliza.analysis.head import lexical_matrix

    head = load_head()
    probs = head.predict_proba(embed(texts), lexical_matrix(texts, fasts, langs))
    return [head.combine(fast, row).label for fast, row in zip(fasts, probs, strict=True)]


def time_per_post(fn: Callable[[str], object], texts: Sequence[str], repeat: int = 3) -> float:
    """Best-of-``repeat`` microseconds per text."""
    best = float("inf")
    for _i in range(repeat):
        start = time.perf_counter()
        for text in texts:
            fn(text)
        best = min(best, time.perf_counter() - start)
    return best / max(len(texts), 1) * 1e6


def make_embed(progress: Progress | None, *, use_disk_cache: bool = True) -> Embed:
    """Embeddings with the same prefix as the head, through the training disk cache when there is one."""
    from baliza.cli.train import EmbeddingDiskCache, default_cache_dir, embed_examples

    head = load_head()
    embedder = Embedder(prefix=head.prefix)
    disk = EmbeddingDiskCache(default_cache_dir(), embedder.prefix) if use_disk_cache else None

    def embed(texts: Sequence[str]) -> np.ndarray[Any, Any]:
        if progress is None:
            return embedder.embed(list(texts))
        return embed_examples(list(texts), embedder, disk, progress)

    return embed


def bench_analysis(
    *,
    data_dir: Path | None,
    posts_path: Path | None,
    deep: bool = True,
    progress: Progress | None = None,
    embed: Embed | None = None,
) -> QualityReport:
    """Measure on whatever is given: the UMSAB validation splits, the team's posts, or both."""
    from baliza.cli.train import data_file, read_split

    report = QualityReport()
    if deep and embed is None:
        embed = make_embed(progress)
    if data_dir is not None:
        vader = _vader()
        for lang in LANGUAGES:
            path = data_file(data_dir, lang, "val")
            if not path.is_file():
                report.skipped.append(_("{path} not found").format(path=path))
                continue
            examples, bad = read_split(path, lang)
            report.skipped += [f"{b.path}:{b.line}: {b.reason}" for b in bad]
            texts = [e.text for e in examples]
            truth = [e.label for e in examples]
            fasts = [sentiment(t, lang) for t in texts]
            paths = {"fast": SentimentScore.of(truth, [f.label for f in fasts])}
            if lang == "en":
                compounds = [float(vader.polarity_scores(t)["compound"]) for t in texts]
                paths = {"vader": SentimentScore.of(truth, [vader_label(c) for c in compounds]), **paths}
                report.speed_us["vader"] = time_per_post(vader.polarity_scores, texts)
                report.speed_us["fast"] = time_per_post(lambda t: sentiment(t, "en"), texts)
            if deep and embed is not None:
                shown = shown_labels(texts, [lang] * len(texts), fasts, embed)
                paths["shown"] = SentimentScore.of(truth, shown)
            report.umsab[lang] = paths
    if posts_path is not None:
        posts, bad_rows = load_team_posts(posts_path)
        report.skipped += [f"{posts_path}:{b.line}: {b.field}={b.value}: {b.reason}" for b in bad_rows]
        by_type_truth: list[Sequence[str]] = []
        by_type_pred: list[Sequence[str]] = []
        for lang in LANGUAGES:
            subset = [p for p in posts if p.lang == lang]
            if not subset:
                continue
            texts = [p.text for p in subset]
            truth = [p.sentiment for p in subset]
            fasts = [sentiment(t, lang) for t in texts]
            paths = {"fast": SentimentScore.of(truth, [f.label for f in fasts])}
            shown = [f.label for f in fasts]
            if deep and embed is not None:
                shown = shown_labels(texts, [lang] * len(texts), fasts, embed)
                paths["shown"] = SentimentScore.of(truth, shown)
            report.team[lang] = paths
            report.team_kinds[lang] = {
                kind: SentimentScore.of(
                    [t for t, p in zip(truth, subset, strict=True) if p.kind == kind],
                    [s for s, p in zip(shown, subset, strict=True) if p.kind == kind],
                )
                for kind in TEAM_KINDS
                if any(p.kind == kind for p in subset)
            }
            expected = [p.issue_types for p in subset]
            predicted = [issue_types(t, lang).ids for t in texts]
            report.team_types[lang], _per_type = score_issue_types(expected, predicted)
            by_type_truth += expected
            by_type_pred += predicted
        _micro, report.team_types_by_type = score_issue_types(by_type_truth, by_type_pred)
    return report


def print_report(report: QualityReport, console: Console) -> None:
    """The numbers as tables."""
    names = {
        "vader": _("VADER alone"),
        "fast": _("fast path"),
        "shown": _("label shown (fast + deep)"),
    }
    if report.umsab:
        table = Table(_("language"), _("path"), _("posts"), _("accuracy"), _("macro-F1"),
                      title=_("Sentiment on the UMSAB validation splits"))  # fmt: skip
        for lang, paths in report.umsab.items():
            for path, score in paths.items():
                table.add_row(lang, names[path], str(score.n), f"{score.accuracy:.3f}", f"{score.macro_f1:.3f}")
        console.print(table)
        en = report.umsab.get("en", {})
        if "vader" in en and "fast" in en and en["vader"].macro_f1:
            console.print(
                _("English: the fast path scores {ratio}× VADER alone's macro-F1.").format(
                    ratio=f"{en['fast'].macro_f1 / en['vader'].macro_f1:.3f}"
                )
            )
    if report.speed_us:
        console.print(
            _("Time per English post, same texts: VADER alone {vader} µs, fast path {fast} µs.").format(
                vader=f"{report.speed_us['vader']:.0f}", fast=f"{report.speed_us['fast']:.0f}"
            )
        )
    if report.team:
        table = Table(_("language"), _("path"), _("posts"), _("accuracy"), _("macro-F1"),
                      title=_("Sentiment on the team's labelled posts"))  # fmt: skip
        for lang, paths in report.team.items():
            for path, score in paths.items():
                table.add_row(lang, names[path], str(score.n), f"{score.accuracy:.3f}", f"{score.macro_f1:.3f}")
        console.print(table)
        kinds = Table(_("language"), _("kind of post"), _("posts"), _("accuracy"),
                      title=_("Label shown, by kind of post"))  # fmt: skip
        for lang, by_kind in report.team_kinds.items():
            for kind, score in by_kind.items():
                kinds.add_row(lang, kind, str(score.n), f"{score.accuracy:.3f}")
        console.print(kinds)
        types = Table(_("issue type"), _("precision"), _("recall"), "F1",
                      title=_("Issue types on the team's labelled posts"))  # fmt: skip
        for lang, micro in report.team_types.items():
            types.add_row(_("all ({lang})").format(lang=lang), f"{micro.precision:.3f}", f"{micro.recall:.3f}",
                          f"{micro.f1:.3f}", style="bold")  # fmt: skip
        for name, one in report.team_types_by_type.items():
            types.add_row(name, f"{one.precision:.3f}", f"{one.recall:.3f}", f"{one.f1:.3f}")
        console.print(types)
    for line in report.skipped:
        console.print(_("Skipped: {line}").format(line=line), soft_wrap=True, highlight=False)


__all__ = [
    "TEAM_KINDS",
    "TEAM_POSTS",
    "BadRow",
    "LabelledPost",
    "QualityReport",
    "SentimentScore",
    "TypeScore",
    "bench_analysis",
    "load_team_posts",
    "print_report",
    "score_issue_types",
    "shown_labels",
    "time_per_post",
    "vader_label",
]
