"""The sentiment head: numpy logistic regression, save/load, combine, the shipped weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from baliza.analysis.embeddings import EMBEDDING_DIM, Embedder
from baliza.analysis.fast import analyse
from baliza.analysis.head import (
    LABELS,
    LEXICAL_FEATURES,
    MIN_BLEND_GAIN,
    DecidedBy,
    SentimentHead,
    combine,
    fast_probs,
    fit_head,
    fit_softmax,
    fold_ids,
    lexical_features,
    load_head,
    macro_f1,
    tune_head,
)
from baliza.analysis.sentiment import Sentiment, label_for, sentiment
from baliza.cli.train import clean_text, train_app
from baliza.core.errors import ValidationError

LEX = len(LEXICAL_FEATURES)


def separable(n_per_class: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Three well-separated clusters in embedding space; lexical features all zero."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((3, EMBEDDING_DIM)) * 3
    emb = np.vstack([centres[k] + rng.standard_normal((n_per_class, EMBEDDING_DIM)) * 0.3 for k in range(3)])
    labels = [LABELS[k] for k in range(3) for _ in range(n_per_class)]
    return emb.astype(np.float32), np.zeros((len(labels), LEX)), labels


def test_training_on_separable_data_reaches_full_train_accuracy() -> None:
    emb, lex, labels = separable()
    head = fit_head(emb, lex, labels, l2=0.01)
    assert head.predict(emb, lex) == labels
    probs = head.predict_proba(emb, lex)
    assert probs.shape == (60, 3)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert head.weights.dtype == np.float32
    assert head.meta["newton_iterations"] >= 1


@pytest.mark.parametrize(("rows", "columns"), [(200, 5), (20, 50)])  # the primal and the small-data solve
def test_newton_reaches_the_penalised_optimum(rows: int, columns: int) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((rows, columns))
    y = np.argmax(x[:, :3] + 0.5 * rng.standard_normal((rows, 3)), axis=1)
    fit = fit_softmax(x, y, l2=0.1, max_iter=100, tol=1e-10)
    z = x @ fit.weights + fit.bias
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    onehot = np.eye(3)[y]
    gradient = x.T @ (p - onehot) / len(y) + 0.1 * fit.weights
    assert np.abs(gradient).max() < 1e-6
    assert np.abs((p - onehot).sum(axis=0) / len(y)).max() < 1e-5  # the bias is (almost) unpenalised


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    emb, lex, labels = separable()
    head = fit_head(emb, lex, labels, l2=0.1, threshold=0.55, blend=0.8, meta={"note": "test"})
    path = tmp_path / "head.npz"
    head.save(path)
    loaded = SentimentHead.load(path)
    assert np.array_equal(loaded.weights, head.weights)
    assert np.array_equal(loaded.scale, head.scale)
    assert (loaded.threshold, loaded.blend) == pytest.approx((0.55, 0.8))
    assert loaded.meta["note"] == "test"
    assert loaded.meta["lexical"] == list(LEXICAL_FEATURES)
    assert np.array_equal(loaded.predict_proba(emb, lex), head.predict_proba(emb, lex))


def test_a_file_that_is_not_a_head_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    path.write_bytes(b"not a zip")
    with pytest.raises(ValidationError) as info:
        SentimentHead.load(path)
    assert info.value.code == "head_invalid"
    assert info.value.message == f"{path} is not a sentiment head file."


def test_the_shipped_head_is_small_float32_and_documented() -> None:
    head = load_head()
    assert head.weights.shape == (EMBEDDING_DIM + LEX, 3)
    assert head.weights.dtype == np.float32
    assert head.prefix == "query"
    assert head.meta["val_macro_f1"]["es"]["combined"] > head.meta["val_macro_f1"]["es"]["fast"]
    assert head.meta["val_macro_f1"]["en"]["combined"] > head.meta["val_macro_f1"]["en"]["fast"]
    folder = Path(__file__).resolve().parents[3] / "src" / "baliza" / "analysis"
    assert (folder / "sentiment_head.npz").stat().st_size < 300_000
    assert "macro-F1" in (folder / "sentiment_head.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Es una vergüenza, nunca más compro aquí, estafa", "negative"), ("I love it, thank you so much!", "positive")],
)
def test_the_shipped_head_labels_clear_posts(text: str, expected: str) -> None:
    head = load_head()
    analysis = analyse(text)
    vector = Embedder(prefix=head.prefix).embed([text])
    lexical = lexical_features(text, analysis.sentiment, analysis.language.lang)
    probs = head.predict_proba(vector, lexical[None, :])[0]
    combined = head.combine(analysis.sentiment, probs)
    assert combined.label == expected
    assert combined.decided_by in (DecidedBy.deep, DecidedBy.blend)


def test_combine_uses_the_deep_label_when_confident_and_blends_otherwise() -> None:
    fast = Sentiment("negative", -0.6, ("estafa",))
    confident = combine(fast, [0.1, 0.1, 0.8], threshold=0.6, blend=0.7)
    assert (confident.label, confident.decided_by) == ("positive", DecidedBy.deep)
    assert confident.score == pytest.approx(0.7)
    unsure = combine(fast, [0.3, 0.3, 0.4], threshold=0.6, blend=0.7)
    assert unsure.decided_by is DecidedBy.blend
    assert unsure.label == "negative"  # the fast path's strong negative tips an unsure deep verdict
    expected = 0.7 * np.array([0.3, 0.3, 0.4]) + 0.3 * fast_probs(-0.6)
    assert unsure.probs == pytest.approx(tuple(expected))
    alone = combine(fast, None)
    assert (alone.label, alone.score, alone.decided_by) == ("negative", -0.6, DecidedBy.fast)


@pytest.mark.parametrize("score", [-0.9, -0.16, -0.14, 0.0, 0.14, 0.16, 0.9])
def test_fast_probabilities_agree_with_the_fast_label(score: float) -> None:
    p = fast_probs(score)
    assert p.sum() == pytest.approx(1.0)
    assert LABELS[int(np.argmax(p))] == label_for(score)


def test_lexical_features_read_the_fast_path() -> None:
    text = "This is NOT ok!!! 😡 @acme http://x.co #fail"
    fast = sentiment(text, "en")
    features = dict(zip(LEXICAL_FEATURES, lexical_features(text, fast, "en"), strict=True))
    assert features["fast_score"] == fast.score < 0
    assert features["fast_score_en"] == fast.score
    assert features["fast_score_es"] == 0.0
    assert features["english"] == 1.0
    assert features["emoji_polarity"] < 0
    assert features["exclamations"] == pytest.approx(np.log1p(3))
    assert features["handles"] == features["links"] == features["hashtags"] == pytest.approx(np.log1p(1))


def test_macro_f1() -> None:
    truth = ["negative", "negative", "neutral", "positive"]
    assert macro_f1(truth, truth) == 1.0
    # negative F1 2/3, neutral 0 (never predicted right), positive 1
    assert macro_f1(truth, ["negative", "neutral", "negative", "positive"]) == pytest.approx((0.5 + 0 + 1) / 3)


def test_cross_validation_is_seeded() -> None:
    assert np.array_equal(fold_ids(10, 3, seed=4), fold_ids(10, 3, seed=4))
    assert sorted(np.bincount(fold_ids(10, 3, seed=4))) == [3, 3, 4]
    emb, lex, labels = separable(8)
    fasts = [Sentiment("neutral", 0.0)] * len(labels)
    tuning = tune_head(emb, lex, labels, fasts, seed=1, folds=2, l2_grid=(0.1, 1.0))
    assert tuning.l2 in (0.1, 1.0)
    assert tuning.cv_f1_deep == 1.0
    assert tuning.threshold == 0.0  # nothing to gain from the fast path: the deep head decides
    assert tuning == tune_head(emb, lex, labels, fasts, seed=1, folds=2, l2_grid=(0.1, 1.0))


def test_a_blend_is_kept_only_when_it_clearly_helps() -> None:
    # Embeddings that carry nothing, a fast path that is always right: blending must win by far.
    rng = np.random.default_rng(3)
    labels = [LABELS[k % 3] for k in range(60)]
    emb = rng.standard_normal((60, EMBEDDING_DIM)).astype(np.float32)
    lex = np.zeros((60, LEX))
    scores = {"negative": -0.8, "neutral": 0.0, "positive": 0.8}
    fasts = [Sentiment(label, scores[label]) for label in labels]
    tuning = tune_head(emb, lex, labels, fasts, seed=1, folds=3, l2_grid=(1.0,))
    assert tuning.threshold > 0.0
    assert tuning.cv_f1_combined >= tuning.cv_f1_deep + MIN_BLEND_GAIN


SPANISH = [
    ("negative", "Es una estafa, quiero mi dinero"),
    ("negative", "Pésimo servicio, nunca más"),
    ("negative", "El pedido llegó roto y nadie responde"),
    ("negative", "Qué vergüenza de atención"),
    ("neutral", "La tienda abre a las nueve"),
    ("neutral", "¿Hacen envíos a Bilbao?"),
    ("neutral", "Mañana hay reunión de vecinos"),
    ("neutral", "El tren sale del andén dos"),
    ("positive", "Me encanta, muchas gracias"),
    ("positive", "Todo perfecto, repetiré"),
    ("positive", "Qué buena atención, gracias"),
]
ENGLISH = [
    ("negative", "This is a scam, I want a refund"),
    ("negative", "Terrible service, never again"),
    ("negative", "My order arrived broken and nobody answers"),
    ("negative", "What a shameful experience"),
    ("neutral", "The shop opens at nine"),
    ("neutral", "Do you ship to Leeds?"),
    ("neutral", "The meeting is on Tuesday"),
    ("neutral", "The train leaves from platform two"),
    ("positive", "I love it, thanks a lot"),
    ("positive", "Everything was perfect"),
    ("positive", "Great support, thank you"),
]


def write_umsab(folder: Path) -> None:
    for lang, rows in (("es", SPANISH), ("en", ENGLISH)):
        for split in ("train", "val"):
            lines = ["label\ttext", *(f"{label}\t{text}" for label, text in rows)]
            if (lang, split) == ("es", "train"):
                lines[5] = "meh\tNo sé qué pensar"
            (folder / f"umsab_{lang}_{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_train_command_fits_a_head_and_reports_bad_lines(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write_umsab(data)
    output = tmp_path / "out" / "head.npz"
    args = ["sentiment", "--data", str(data), "--output", str(output), "--cache", str(tmp_path / "cache")]
    args += ["--folds", "2", "--l2", "0.3", "--epochs", "20", "--seed", "7"]
    result = CliRunner().invoke(train_app, args)
    assert result.exit_code == 0, result.output
    bad = data / "umsab_es_train.tsv"
    assert f"{bad}:6: skipped: unknown label 'meh' (expected negative, neutral or positive)" in result.output
    assert "Validation macro-F1" in result.output
    # The validation files repeat the training texts: found in the disk cache, not embedded again.
    assert "Texts embedded by the model: 22; repeats served from memory: 0; lines skipped: 1." in result.output
    assert f"Wrote {output}." in result.output
    head = SentimentHead.load(output)
    assert head.meta["seed"] == 7
    assert head.meta["train_rows"] == {"es": 10, "en": 11}
    assert set(head.meta["val_macro_f1"]) == {"es", "en"}
    # Again, from the embedding cache: no model call, the same weights.
    again = CliRunner().invoke(train_app, [*args[:4], str(tmp_path / "again.npz"), *args[5:]])
    assert again.exit_code == 0, again.output
    assert "Texts embedded by the model: 0; repeats served from memory: 0; lines skipped: 1." in again.output
    assert np.array_equal(SentimentHead.load(tmp_path / "again.npz").weights, head.weights)


def test_the_train_command_names_missing_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(train_app, ["sentiment", "--data", str(tmp_path)])
    assert isinstance(result.exception, ValidationError)
    assert result.exception.message.startswith(f"Missing data files: {tmp_path / 'umsab_es_train.tsv'}, ")


def test_clean_text_undoes_the_data_set_escaping() -> None:
    raw = '"Frank\\u002c Cliff: \\""""Looming\\"""" is the best &amp; I\\u2019ve had"'
    assert clean_text(raw) == '"Frank, Cliff: "Looming" is the best & I’ve had"'
