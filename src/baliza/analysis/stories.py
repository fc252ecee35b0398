"""Stories: clusters of mentions about the same thing, built one mention at a time.

A mention joins an open story for the strongest of these reasons, tried in this order:

1. ``exact``: its normalised text is that of a post already in the story (a repost, a copy-paste
   campaign). Normalised means case and accents folded, URLs and @handles removed, the ``#`` of
   hashtags dropped, punctuation and emoji gone, numbers kept, a leading "RT" dropped.
2. ``near_duplicate``: the Jaccard similarity between its word shingles (words and pairs of
   neighbouring words) and those of a post in the story is at least ``near_duplicate_jaccard``.
   Candidates come from MinHash LSH (64 hashes in 16 bands of 4 rows, so pairs at Jaccard 0.6 meet
   in a bucket 89% of the time and pairs at 0.8 practically always); a lookup reads 16 buckets,
   never the whole index, and every candidate is then checked with the exact Jaccard similarity.
3. ``shared_url``: it links to a URL the story already links to. Homepage-only links (a bare
   domain) and the ``ignored_domains`` of the workspace (its own site, generic hosts) don't count.
4. ``semantic``: its embedding (deep path, only when given) has a cosine similarity of at least
   ``semantic_threshold`` with the story's centroid.

Otherwise it opens a new story. Stories never merge: a story id, once handed out, keeps meaning the
same posts, which is what the database and the people reading it need. Texts of fewer than
``MIN_EXACT_TOKENS`` words (a lone "gracias", emoji-only posts, empty texts) never join by text:
they can still join by link or embedding.

Each story keeps its size, distinct authors (exact up to 256, then a k-minimum-values estimate),
posts per platform and when each platform first saw it (cross-platform spread), first and last
post, reach, the reasons its posts joined, per-minute counts for the growth rate (posts per hour in
the last ``growth_window`` against the window before) and its representative post: the
highest-reach copy of its most-posted text (ties: the earliest text).

Memory is bounded. Each story indexes at most ``MAX_KEYS_PER_STORY`` distinct texts,
``MAX_SHINGLE_SETS_PER_STORY`` shingle sets and ``MAX_URLS_PER_STORY`` URLs; a story idle for longer
than its horizon (48 h, or 12 h while it is still a single post, which most stories are) accepts no
more posts and is evicted, its final stats kept for ``evict()`` to hand to the caller; past
``max_stories`` the idlest stories go first. Time is stream time: the watermark is the latest
``created_at`` seen, so a replayed day clusters exactly like the live one did.

Assignment is deterministic: hashes are blake2b (never Python's salted ``hash()``), ties go to the
oldest story, whether a story is still open depends only on the watermark (not on when eviction
ran), and ``snapshot()``/``StoryIndex.restore()`` carry everything the decisions depend on, so an
index restored after a restart assigns the next posts exactly as the old one would have. (Stories
pushed out by ``max_stories`` are the exception: that cap is a safety valve, not a rule.)
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import logging
import math
import random
import re
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.ingest.normalize import fold, normalize_url

NUM_PERM = 64
"""MinHash hashes per text in the index."""

BANDS = 16
"""LSH bands of ``NUM_PERM // BANDS`` rows: the candidate threshold is about (1/16)^(1/4) = 0.5."""

NEAR_DUPLICATE_JACCARD = 0.6
"""Shingle Jaccard similarity from which two posts are near-duplicates: one word changed in a
ten-word post scores 0.7, a different claim with the same opening words scores below 0.4."""

SEMANTIC_THRESHOLD = 0.92
"""Cosine similarity with a story centroid from which a post joins it. Measured on
multilingual-e5-small ("query" prefix): paraphrases of one claim score 0.93-0.98, different claims
about the same brand 0.82-0.90, unrelated posts about 0.8."""

MIN_EXACT_TOKENS = 2
"""Fewer words than this are too little to be a claim: "gracias" said by many is not a story."""

MIN_NEAR_TOKENS = 4
"""Near-duplicate matching needs this many words; on shorter texts one word is a different claim."""

MIN_SEMANTIC_TOKENS = 3
"""Embeddings of shorter texts are dominated by the model's prior, so they only feed centroids."""

MAX_TOKENS = 256
"""Longer texts are compared on their first words: enough to tell syndicated articles apart."""

HORIZON = timedelta(hours=48)
"""A story that has received nothing for this long is closed and evicted."""

SINGLETON_HORIZON = timedelta(hours=12)
"""The horizon of a story that is still one post; most stories are, so this is what keeps memory small."""

GROWTH_WINDOW = timedelta(minutes=30)
"""Window of the growth rate: posts per hour over the last window against the window before it."""

MAX_STORIES = 50_000
"""Open stories kept at most; past it the idlest are evicted. A story takes about 5 KB (250 MB at the cap)."""

MAX_KEYS_PER_STORY = 256
MAX_SHINGLE_SETS_PER_STORY = 32
MAX_URLS_PER_STORY = 64
MAX_VARIANTS_PER_STORY = 64
"""Distinct texts whose copies are counted for the representative post."""

MINUTES_KEPT = 6 * 60
"""Per-minute counts kept per story, enough for growth windows up to three hours."""

REPRESENTATIVE_CHARS = 500
STATE_VERSION = 1

MAX_PENDING_EVICTED = 100_000
"""Evicted stories' stats waiting for ``evict()`` to hand them over; past it the oldest are dropped."""

_AUTHOR_SKETCH = 256
_MASK64 = (1 << 64) - 1
_TOKEN_CACHE_SIZE = 200_000

_WORD = re.compile(r"[^\W_]+")
# Scripts written without spaces: a "word" there is a whole clause, so it is read as character pairs.
_NO_SPACES = re.compile("[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")

log = logging.getLogger(__name__)

U64 = npt.NDArray[np.uint64]
Vector = npt.NDArray[np.float32]


class StoryReason(StrEnum):
    """Why a mention went to its story."""

    exact = "exact"
    near_duplicate = "near_duplicate"
    shared_url = "shared_url"
    semantic = "semantic"
    new = "new"


@dataclass(frozen=True, slots=True, kw_only=True)
class StoryItem:
    """One mention as the story index sees it."""

    mention_id: int
    text: str
    created_at: datetime
    platform: str
    urls: Sequence[str] = ()
    reach: int = 0
    author: str | None = None
    embedding: Vector | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where a mention went: the story, whether it was opened for it, why, and how similar it was."""

    story_id: int
    is_new: bool
    reason: StoryReason
    similarity: float


@dataclass(frozen=True, slots=True)
class Growth:
    """Posts per hour over the last window and the one before it; ``ratio`` is None when the earlier was empty."""

    window_minutes: int
    current_count: int
    previous_count: int
    current_per_hour: float
    previous_per_hour: float
    ratio: float | None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API and the database."""
        return {
            "window_minutes": self.window_minutes,
            "current_count": self.current_count,
            "previous_count": self.previous_count,
            "current_per_hour": self.current_per_hour,
            "previous_per_hour": self.previous_per_hour,
            "ratio": self.ratio,
        }


@dataclass(frozen=True, slots=True)
class StoryStats:
    """What a story amounts to at one moment: size, spread, growth and the post that stands for it."""

    story_id: int
    size: int
    distinct_authors: int
    platforms: dict[str, int]
    platform_first_seen: dict[str, datetime]
    first_seen_at: datetime
    last_seen_at: datetime
    total_reach: int
    max_reach: int
    representative_mention_id: int
    representative_text: str
    reasons: dict[str, int]
    urls: tuple[str, ...]
    growth: Growth

    @property
    def is_cross_platform(self) -> bool:
        """Whether the story has spread to more than one platform."""
        return len(self.platforms) > 1

    @property
    def fingerprint(self) -> int:
        """SimHash of the representative text (``text_fingerprint``), computed when asked."""
        return text_fingerprint(self.representative_text)

    def as_dict(self) -> dict[str, Any]:
        """Plain data (ISO datetimes) for the API and the database."""
        return {
            "story_id": self.story_id,
            "size": self.size,
            "distinct_authors": self.distinct_authors,
            "platforms": dict(self.platforms),
            "platform_first_seen": {name: at.isoformat() for name, at in self.platform_first_seen.items()},
            "is_cross_platform": self.is_cross_platform,
            "first_seen_at": self.first_seen_at.isoformat(),
            "last_seen_at": self.last_seen_at.isoformat(),
            "total_reach": self.total_reach,
            "max_reach": self.max_reach,
            "representative_mention_id": self.representative_mention_id,
            "representative_text": self.representative_text,
            "fingerprint": self.fingerprint,
            "reasons": dict(self.reasons),
            "urls": list(self.urls),
            "growth": self.growth.as_dict(),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class StoryConfig:
    """Thresholds and bounds of a story index; the defaults are documented at module level."""

    near_duplicate_jaccard: float = NEAR_DUPLICATE_JACCARD
    semantic_threshold: float = SEMANTIC_THRESHOLD
    horizon: timedelta = HORIZON
    singleton_horizon: timedelta = SINGLETON_HORIZON
    growth_window: timedelta = GROWTH_WINDOW
    max_stories: int = MAX_STORIES
    ignored_domains: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for name in ("near_duplicate_jaccard", "semantic_threshold"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ValidationError(
                    _("{name} must be above 0 and at most 1, not {value}").format(name=name, value=value),
                    code="invalid_story_config",
                    details={"field": name, "value": value},
                )
        window = self.growth_window.total_seconds() / 60
        if window < 1 or window != int(window) or 2 * window > MINUTES_KEPT:
            raise ValidationError(
                _("growth_window must be a whole number of minutes between 1 and {limit}").format(
                    limit=MINUTES_KEPT // 2
                ),
                code="invalid_story_config",
                details={"field": "growth_window", "value": str(self.growth_window)},
            )
        if self.horizon <= timedelta(0) or not timedelta(0) < self.singleton_horizon <= self.horizon:
            raise ValidationError(
                _("horizons must be positive, and the single-post horizon no longer than the other"),
                code="invalid_story_config",
                details={"field": "horizon", "value": str(self.horizon)},
            )
        if self.max_stories < 1:
            raise ValidationError(
                _("max_stories must be at least 1"),
                code="invalid_story_config",
                details={"field": "max_stories", "value": self.max_stories},
            )
        domains = frozenset(_bare_host(domain.strip().lower()) for domain in self.ignored_domains if domain.strip())
        object.__setattr__(self, "ignored_domains", domains)


# --------------------------------------------------------------------------------------------
# Text features
# --------------------------------------------------------------------------------------------
_token_hashes: dict[str, int] = {}


def _stable_hash(data: str) -> int:
    return int.from_bytes(hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def _token_hash(token: str) -> int:
    value = _token_hashes.get(token)
    if value is None:
        if len(_token_hashes) >= _TOKEN_CACHE_SIZE:
            # A memo of a pure function: clearing it changes speed, never results.
            _token_hashes.clear()
        value = _token_hashes[token] = _stable_hash(token)
    return value


def story_tokens(text: str) -> list[str]:
    """The words a story compares: folded, without URLs, @handles, '#', punctuation or emoji."""
    if "://" in text or "www." in text or "@" in text:
        # Dropping whole whitespace-separated tokens measured 3x faster than one regex.
        text = " ".join([word for word in text.split() if "@" not in word and "://" not in word and "www." not in word])
    folded = fold(text)
    words = _WORD.findall(folded)
    if words and words[0] == "rt":  # old-style retweet prefix: "RT @someone: ..."
        del words[0]
    if not folded.isascii() and _NO_SPACES.search(folded):
        split: list[str] = []
        for word in words:
            if len(word) > 2 and _NO_SPACES.search(word):
                split.extend(word[i : i + 2] for i in range(len(word) - 1))
            else:
                split.append(word)
        words = split
    return words[:MAX_TOKENS]


def normalize_for_story(text: str) -> str:
    """The normalised text two copies of a post share: ``story_tokens`` joined by spaces."""
    return " ".join(story_tokens(text))


def _shingles(words: Sequence[str]) -> list[int]:
    """Hashes of the words and of each pair of neighbouring words, without repeats."""
    cached = _token_hashes.get
    hashes = [cached(word) or _token_hash(word) for word in words]
    found = dict.fromkeys(hashes)
    for left, right in itertools.pairwise(hashes):
        # XOR with the right word's hash rotated by 23 bits: order matters and no big-int product
        # is needed; the MinHash multipliers do the mixing.
        found[left ^ ((right << 23) & _MASK64) ^ (right >> 41)] = None
    return list(found)


@cache
def _multipliers(num_perm: int) -> U64:
    """The odd multiplier a of each MinHash function h(x) = high 32 bits of (a·x mod 2^64), as a row."""
    a = np.empty((1, num_perm), dtype=np.uint64)
    for i in range(num_perm):
        digest = hashlib.blake2b(f"baliza-minhash-{i}".encode(), digest_size=8).digest()
        a[0, i] = int.from_bytes(digest, "little") | 1
    return a


_SHIFT = np.uint64(32)


@cache
def _band_matrix() -> U64:
    """Block-diagonal (64 × 16) matrix of odd constants: minima @ matrix is one key per band of 4 rows."""
    rows = NUM_PERM // BANDS
    matrix = np.zeros((NUM_PERM, BANDS), dtype=np.uint64)
    for row in range(NUM_PERM):
        digest = hashlib.blake2b(f"baliza-band-{row}".encode(), digest_size=8).digest()
        matrix[row, row // rows] = int.from_bytes(digest, "little") | 1
    return matrix


def _minima(shingles: Sequence[int], num_perm: int = NUM_PERM) -> U64:
    """The 64-bit minimum of each MinHash function over the shingles."""
    values = np.array(shingles, dtype=np.uint64)[:, None]
    # Shingle hashes are already uniform, and multiplying by an odd number permutes the 64-bit
    # values (uint64 arithmetic wraps modulo 2^64), so each column is a random permutation.
    minima: U64 = np.minimum.reduce(values * _multipliers(num_perm), axis=0)
    return minima


def _band_keys(shingles: Sequence[int]) -> list[int]:
    """One key per LSH band: a weighted sum of its 4 minima modulo 2^64, with weights of its own."""
    keys: list[int] = (_minima(shingles) @ _band_matrix()).tolist()
    return keys


def minhash_signature(text: str, num_perm: int = NUM_PERM) -> npt.NDArray[np.uint32]:
    """MinHash of the text's word shingles: ``num_perm`` 32-bit minima (all 0xFFFFFFFF when it has no words)."""
    if num_perm < 1:
        raise ValidationError(_("num_perm must be at least 1"), code="invalid_argument", details={"num_perm": num_perm})
    shingles = _shingles(story_tokens(text))
    if not shingles:
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    # The high 32 bits: taking them is monotonic, so it commutes with the minimum.
    signature: npt.NDArray[np.uint32] = (_minima(shingles, num_perm) >> _SHIFT).astype(np.uint32)
    return signature


def text_fingerprint(text: str) -> int:
    """64-bit SimHash (unsigned) of the text's word shingles; 0 for a text without words."""
    shingles = _shingles(story_tokens(text))
    if not shingles:
        return 0
    return _simhash(shingles)


def _simhash(shingles: Sequence[int]) -> int:
    # Explicit little-endian bytes, so the fingerprint is the same on every machine.
    values = np.fromiter(shingles, dtype="<u8", count=len(shingles))
    bits = np.unpackbits(values.view(np.uint8), bitorder="little").reshape(len(shingles), 64)
    majority = (bits.sum(axis=0, dtype=np.int64) * 2 > len(shingles)).astype(np.uint8)
    return int(np.packbits(majority, bitorder="little").view("<u8")[0])


def hamming(left: int, right: int) -> int:
    """Bits that differ between two unsigned 64-bit fingerprints."""
    return (left ^ right).bit_count()


def signed64(value: int) -> int:
    """An unsigned 64-bit value as the signed integer a BIGINT column stores."""
    return value - (1 << 64) if value >= 1 << 63 else value


def unsigned64(value: int) -> int:
    """The inverse of ``signed64``."""
    return value & _MASK64


def _bare_host(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


# --------------------------------------------------------------------------------------------
# Stories
# --------------------------------------------------------------------------------------------
# The index is large and long-lived, so a story keeps few objects the garbage collector has to
# visit: arrays, tuples and dicts of plain numbers and strings instead of lists, sets and small
# objects. This measured a third faster on 50,000 posts.
_Variant = tuple[int, float, int, int, int, str]
"""One distinct text of a story: (copies, first post's time, first post's id, highest-reach id, its reach, text)."""


def _add_author(story: _Story, value: int) -> None:
    """Keep the author hashes exactly up to 256, then only the 256 smallest (k minimum values)."""
    authors = story.authors
    if value in authors:
        return
    if len(authors) < _AUTHOR_SKETCH:
        authors[value] = None
        if len(authors) == _AUTHOR_SKETCH:
            story.authors_top = max(authors)
    elif value < story.authors_top:
        del authors[story.authors_top]
        authors[value] = None
        story.authors_top = max(authors)


def _distinct_authors(story: _Story) -> int:
    if len(story.authors) < _AUTHOR_SKETCH:
        return len(story.authors)
    return round((_AUTHOR_SKETCH - 1) * 2.0**64 / (story.authors_top + 1))


def _add_variant(variant: _Variant, mention_id: int, ts: float, reach: int, text: str) -> _Variant:
    count, first_ts, first_id, best_id, best_reach, first_text = variant
    if (ts, mention_id) < (first_ts, first_id):
        first_ts, first_id, first_text = ts, mention_id, text[:REPRESENTATIVE_CHARS]
    if reach > best_reach or (reach == best_reach and mention_id < best_id):
        best_id, best_reach = mention_id, reach
    return count + 1, first_ts, first_id, best_id, best_reach, first_text


class _Member:
    """One indexed text of a story, for near-duplicate lookups (its band keys find its buckets again)."""

    __slots__ = ("bands", "shingles", "story")

    def __init__(self, story: _Story, shingles: Iterable[int], bands: list[int]) -> None:
        self.story = story
        # Packed 64-bit arrays: a tenth of the memory of a frozenset of ints.
        self.shingles = array("Q", shingles)
        self.bands = array("Q", bands)


class _Story:
    __slots__ = (
        "authors",
        "authors_top",
        "centroid_sum",
        "embedded",
        "first_ts",
        "keys",
        "last_ts",
        "members",
        "minutes",
        "platform_first",
        "platforms",
        "reach_max",
        "reach_total",
        "reasons",
        "seq",
        "size",
        "slot",
        "story_id",
        "urls",
        "variants",
    )

    def __init__(self, story_id: int, seq: int) -> None:
        self.story_id = story_id
        self.seq = seq
        self.size = 0
        self.first_ts = math.inf
        self.last_ts = -math.inf
        self.platforms: dict[str, int] = {}
        self.platform_first: dict[str, float] = {}
        self.minutes: dict[int, int] = {}
        self.reach_total = 0
        self.reach_max = 0
        self.reasons: dict[str, int] = {}
        self.authors: dict[int, None] = {}
        self.authors_top = -1
        self.variants: dict[int, _Variant] = {}
        self.keys = array("Q")
        self.members: tuple[_Member, ...] = ()
        self.urls: tuple[str, ...] = ()
        self.centroid_sum: npt.NDArray[np.float64] | None = None
        self.embedded = 0
        self.slot = -1


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _minute(ts: float) -> int:
    return math.floor(ts / 60)


def growth_of(minutes: Mapping[int, int], now_minute: int, window_minutes: int) -> Growth:
    """Growth from per-minute counts (keys are minutes since the epoch) in the windows ending at ``now_minute``."""
    current = previous = 0
    for minute, count in minutes.items():
        age = now_minute - minute  # 0 for the minute `now` falls in
        if 0 <= age < window_minutes:
            current += count
        elif window_minutes <= age < 2 * window_minutes:
            previous += count
    per_hour = 60.0 / window_minutes
    return Growth(
        window_minutes,
        current,
        previous,
        current * per_hour,
        previous * per_hour,
        current / previous if previous else None,
    )


class StoryIndex:
    """Open stories of one workspace and the indexes that let a new mention find its story fast."""

    def __init__(
        self, *, config: StoryConfig | None = None, id_factory: Callable[[StoryItem], int] | None = None
    ) -> None:
        self.config = config or StoryConfig()
        self._next_id = 1
        self._dim: int | None = None
        self._id_factory = id_factory
        self._stories: dict[int, _Story] = {}
        # Least recently touched first, one queue per horizon, so eviction only looks at the fronts.
        self._singles: OrderedDict[int, _Story] = OrderedDict()
        self._active: OrderedDict[int, _Story] = OrderedDict()
        self._exact: dict[int, _Story] = {}
        # LSH buckets of every band in one dict: a band's keys are salted by its own weights.
        self._buckets: dict[int, _Member | list[_Member]] = {}
        self._urls: dict[str, _Story] = {}
        self._centroids: Vector = np.zeros((0, 0), dtype=np.float32)
        self._slot_story: list[_Story | None] = []
        self._free_slots: list[int] = []
        self._seq = 0
        self._watermark = -math.inf
        self._next_sweep = -math.inf
        self._evicted: list[StoryStats] = []
        self._horizon_s = self.config.horizon.total_seconds()
        self._singleton_s = self.config.singleton_horizon.total_seconds()
        self._window = int(self.config.growth_window.total_seconds() // 60)

    # -- public --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._stories)

    def __contains__(self, story_id: object) -> bool:
        return story_id in self._stories

    @property
    def watermark(self) -> datetime | None:
        """The latest ``created_at`` seen (stream time), or None before the first mention."""
        return None if self._watermark == -math.inf else _at(self._watermark)

    def assign(self, item: StoryItem) -> Assignment:
        """Put a mention in its story, opening one when nothing matches."""
        created = item.created_at
        if created.tzinfo is None:
            raise ValidationError(
                _("created_at must be a timezone-aware datetime"),
                code="naive_datetime",
                details={"mention_id": item.mention_id},
            )
        ts = created.timestamp()
        if ts > self._watermark:
            self._watermark = ts
            if ts >= self._next_sweep:
                # Once per minute of stream time: eviction only frees memory, it never changes an assignment.
                self._next_sweep = (_minute(ts) + 1) * 60.0
                self._sweep(full=False)

        words = story_tokens(item.text)
        exact_key = _stable_hash(" ".join(words)) if len(words) >= MIN_EXACT_TOKENS else None
        story: _Story | None = None
        reason = StoryReason.new
        similarity = 0.0

        if exact_key is not None:
            found = self._exact.get(exact_key)
            if found is not None and self._is_open(found):
                story, reason, similarity = found, StoryReason.exact, 1.0

        listed: list[int] = []
        shingles: frozenset[int] | None = None
        bands: list[int] | None = None
        if story is None and len(words) >= MIN_NEAR_TOKENS:
            listed = _shingles(words)
            shingles = frozenset(listed)
            bands = _band_keys(listed)
            near = self._near_duplicate(bands, shingles)
            if near is not None:
                story, similarity = near
                reason = StoryReason.near_duplicate

        urls = self._story_urls(item.urls) if item.urls else ()
        if story is None and urls:
            for url in urls:
                found = self._urls.get(url)
                if found is not None and self._is_open(found):
                    story, reason, similarity = found, StoryReason.shared_url, 1.0
                    break

        vector = self._unit(item.embedding, item.mention_id) if item.embedding is not None else None
        if story is None and vector is not None and len(words) >= MIN_SEMANTIC_TOKENS:
            semantic = self._semantic(vector)
            if semantic is not None:
                story, similarity = semantic
                reason = StoryReason.semantic

        is_new = story is None
        if story is None:
            if self._id_factory is not None:
                story_id = self._id_factory(item)
            else:
                story_id = self._next_id
                self._next_id += 1
            if story_id in self._stories:
                raise ValidationError(
                    _("story id {story_id} is already in use").format(story_id=story_id),
                    code="duplicate_story_id",
                    details={"story_id": story_id},
                )
            if len(self._stories) >= self.config.max_stories:
                self._sweep(full=False)
            self._seq += 1
            story = _Story(story_id, self._seq)
            self._stories[story_id] = story
            self._singles[story_id] = story

        self._record(story, item, ts, words, exact_key, reason)
        if story.size == 2:
            del self._singles[story.story_id]
            self._active[story.story_id] = story
        elif story.size > 2:
            self._active.move_to_end(story.story_id)
        # Every key and URL belongs to one story at a time (its list and the map agree), so a
        # restored index rebuilds the same maps whatever order the stories come back in.
        if exact_key is not None and len(story.keys) < MAX_KEYS_PER_STORY:
            owner = self._exact.get(exact_key)
            if owner is not story:
                if owner is not None:  # a closed story: an open one would have matched above
                    owner.keys.remove(exact_key)
                self._exact[exact_key] = story
                story.keys.append(exact_key)
                if shingles is not None and bands is not None and len(story.members) < MAX_SHINGLE_SETS_PER_STORY:
                    self._index_member(_Member(story, listed, bands))
        for url in urls:
            owner = self._urls.get(url)
            if owner is story or (owner is not None and self._is_open(owner)):
                continue  # the first open story to link it keeps it
            if len(story.urls) >= MAX_URLS_PER_STORY:
                break
            if owner is not None:
                owner.urls = tuple(kept for kept in owner.urls if kept != url)
            self._urls[url] = story
            story.urls += (url,)
        if vector is not None:
            self._add_embedding(story, vector.astype(np.float64))
        return Assignment(
            story.story_id, is_new, reason, similarity if similarity in (0.0, 1.0) else round(similarity, 6)
        )

    def stats(self, story_id: int, now: datetime | None = None) -> StoryStats:
        """Stats of an open story; growth is measured at ``now`` (default: the watermark)."""
        story = self._stories.get(story_id)
        if story is None:
            raise ValidationError(
                _("story {story_id} is not open in this index").format(story_id=story_id),
                code="unknown_story",
                details={"story_id": story_id},
            )
        return self._stats(story, self._now_ts(now))

    def open_stories(self, now: datetime | None = None) -> list[StoryStats]:
        """Stats of every story still open at the watermark, oldest story first; growth measured at ``now``."""
        now_ts = self._now_ts(now)
        return [self._stats(story, now_ts) for story in self._open_in_order()]

    def _open_in_order(self) -> list[_Story]:
        # A closed story can stay in memory until the next sweep; it is not open any more.
        return sorted((story for story in self._stories.values() if self._is_open(story)), key=lambda s: s.seq)

    def evict(self, now: datetime | None = None) -> list[StoryStats]:
        """Close stories idle past their horizon at ``now`` (default: the watermark) and return their stats.

        Also returns the stories evicted since the last call while assigning (idle ones, or the
        idlest ones past ``max_stories``), so the caller can persist every closed story. A ``now``
        later than the watermark moves the watermark forward.
        """
        if now is not None:
            self._watermark = max(self._watermark, self._now_ts(now))
        self._sweep(full=True)
        evicted, self._evicted = self._evicted, []
        return evicted

    def snapshot(self) -> dict[str, Any]:
        """JSON-compatible state of the open stories, enough for ``restore`` to continue identically.

        Closed stories are left out: call ``evict()`` first to collect their stats.
        """
        stories = self._open_in_order()
        return {
            "version": STATE_VERSION,
            "watermark": None if self._watermark == -math.inf else _at(self._watermark).isoformat(),
            "next_id": self._next_id,
            "stories": [_story_state(story) for story in stories],
        }

    def story_state(self, story_id: int) -> dict[str, Any]:
        """JSON-compatible state of one open story (an element of ``snapshot()["stories"]``)."""
        story = self._stories.get(story_id)
        if story is None:
            raise ValidationError(
                _("story {story_id} is not open in this index").format(story_id=story_id),
                code="unknown_story",
                details={"story_id": story_id},
            )
        return _story_state(story)

    @classmethod
    def restore(
        cls,
        state: Mapping[str, Any],
        *,
        config: StoryConfig | None = None,
        id_factory: Callable[[StoryItem], int] | None = None,
    ) -> StoryIndex:
        """An index with the open stories of ``snapshot()`` (or ``{"version": 1, "stories": [...]}``)."""
        if state.get("version") != STATE_VERSION:
            raise ValidationError(
                _("story state version {found} is not supported (expected {expected})").format(
                    found=state.get("version"), expected=STATE_VERSION
                ),
                code="invalid_story_state",
                details={"version": state.get("version")},
            )
        index = cls(config=config, id_factory=id_factory)
        try:
            stories = sorted((_story_from_state(raw) for raw in state.get("stories", ())), key=lambda s: s.seq)
            watermark = state.get("watermark")
            watermark_ts = None if watermark is None else datetime.fromisoformat(watermark).timestamp()
            next_id = int(state.get("next_id") or 0)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValidationError(
                _("story state is malformed: {error}").format(error=type(exc).__name__),
                code="invalid_story_state",
                details={"error": str(exc)},
            ) from exc
        for story in stories:
            index._adopt(story)
        for story in sorted(stories, key=lambda s: (s.last_ts, s.seq)):
            (index._singles if story.size <= 1 else index._active)[story.story_id] = story
        if watermark_ts is not None:
            index._watermark = max(index._watermark, watermark_ts)
        index._next_id = max(next_id, max((story.story_id for story in stories), default=0) + 1)
        return index

    # -- matching --------------------------------------------------------------------------
    def _horizon_of(self, story: _Story) -> float:
        return self._singleton_s if story.size <= 1 else self._horizon_s

    def _is_open(self, story: _Story) -> bool:
        return story.last_ts >= self._watermark - self._horizon_of(story)

    def _near_duplicate(self, bands: list[int], shingles: frozenset[int]) -> tuple[_Story, float] | None:
        threshold = self.config.near_duplicate_jaccard
        size = len(shingles)
        floor_many = self._watermark - self._horizon_s
        floor_one = self._watermark - self._singleton_s
        entries = [entry for entry in map(self._buckets.get, bands) if entry is not None]
        if not entries:
            return None
        checked: set[int] = set()
        best_similarity = 0.0
        best: _Story | None = None
        for entry in entries:
            for member in entry if isinstance(entry, list) else (entry,):
                if id(member) in checked:
                    continue
                checked.add(id(member))
                other = member.shingles
                # Jaccard is at most the ratio of the two sizes: skip pairs that cannot reach the threshold.
                if min(size, len(other)) < threshold * max(size, len(other)):
                    continue
                common = len(shingles.intersection(other))
                similarity = common / (size + len(other) - common)
                if similarity < threshold or similarity < best_similarity:
                    continue
                story = member.story
                if story.last_ts < (floor_one if story.size <= 1 else floor_many):
                    continue  # closed: past its horizon, waiting to be evicted
                if best is None or similarity > best_similarity or story.seq < best.seq:
                    best, best_similarity = story, similarity
        return None if best is None else (best, best_similarity)

    def _unit(self, embedding: Vector, mention_id: int) -> Vector | None:
        vector = np.asarray(embedding, dtype=np.float32).reshape(-1)
        if vector.size == 0 or not np.all(np.isfinite(vector)):
            raise ValidationError(
                _("the embedding of mention {mention_id} is empty or not finite").format(mention_id=mention_id),
                code="invalid_embedding",
                details={"mention_id": mention_id},
            )
        if self._dim is None:
            self._dim = vector.size
        elif vector.size != self._dim:
            raise ValidationError(
                _("the embedding of mention {mention_id} has {found} dimensions, not {expected}").format(
                    mention_id=mention_id, found=vector.size, expected=self._dim
                ),
                code="invalid_embedding",
                details={"mention_id": mention_id, "dimensions": vector.size},
            )
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:
            return None
        return vector if abs(norm - 1.0) < 1e-4 else (vector / norm).astype(np.float32)

    def _semantic(self, vector: Vector) -> tuple[_Story, float] | None:
        used = len(self._slot_story)
        if not used:
            return None
        threshold = self.config.semantic_threshold
        # One matrix product finds the candidates. Its last bits depend on where a row sits in the
        # matrix, so each candidate's cosine is computed again from its exact sum, in float64: the
        # decision (and a tie between equal centroids) then does not depend on the slot layout.
        sims = self._centroids[:used] @ vector
        exact = vector.astype(np.float64)
        best: tuple[float, int] | None = None
        best_story: _Story | None = None
        for slot in np.flatnonzero(sims >= threshold - 1e-3).tolist():
            story = self._slot_story[slot]
            if story is None or story.centroid_sum is None or not self._is_open(story):
                continue
            total = story.centroid_sum
            norm = math.sqrt(math.fsum((total * total).tolist()))  # fsum: correctly rounded, no BLAS blocking
            similarity = math.fsum((total * exact).tolist()) / norm if norm > 0 else 0.0
            key = (similarity, -story.seq)
            if similarity >= threshold and (best is None or key > best):
                best, best_story = key, story
        if best is None or best_story is None:
            return None
        return best_story, min(best[0], 1.0)

    def _story_urls(self, urls: Sequence[str]) -> Sequence[str]:
        kept: list[str] = []
        for raw in urls:
            url = normalize_url(raw)
            if url is None:
                continue
            rest = url.split("://", 1)[1]
            slash = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=-1)
            if slash < 0:
                continue  # homepage only: says where, not what
            host = _bare_host(rest[:slash].rsplit("@", 1)[-1].split(":", 1)[0])
            if self._ignored(host):
                continue
            if url not in kept:
                kept.append(url)
        return kept

    def _ignored(self, host: str) -> bool:
        domains = self.config.ignored_domains
        if not domains:
            return False
        if host in domains:
            return True
        parts = host.split(".")
        return any(".".join(parts[i:]) in domains for i in range(1, len(parts) - 1))

    # -- bookkeeping -----------------------------------------------------------------------
    def _record(
        self, story: _Story, item: StoryItem, ts: float, words: list[str], exact_key: int | None, reason: StoryReason
    ) -> None:
        story.size += 1
        if ts < story.first_ts:
            story.first_ts = ts
        if ts > story.last_ts:
            story.last_ts = ts
        platform = item.platform
        story.platforms[platform] = story.platforms.get(platform, 0) + 1
        if ts < story.platform_first.get(platform, math.inf):
            story.platform_first[platform] = ts
        minute = int(ts // 60)
        minutes = story.minutes
        minutes[minute] = minutes.get(minute, 0) + 1
        if len(minutes) > MINUTES_KEPT + 60:
            newest = max(minutes)
            story.minutes = {m: c for m, c in minutes.items() if newest - m < MINUTES_KEPT}
        reach = item.reach if item.reach > 0 else 0
        story.reach_total += reach
        if reach > story.reach_max:
            story.reach_max = reach
        key = reason._value_  # Enum.value is a property: slow on the hot path
        story.reasons[key] = story.reasons.get(key, 0) + 1
        if item.author:
            _add_author(story, _token_hash(item.author.casefold()))  # memoised: authors post again and again
        variant_key = exact_key if exact_key is not None else _stable_hash(" ".join(words) or item.text.strip())
        variants = story.variants
        variant = variants.get(variant_key)
        if variant is not None:
            variants[variant_key] = _add_variant(variant, item.mention_id, ts, reach, item.text)
        elif len(variants) < MAX_VARIANTS_PER_STORY:
            variants[variant_key] = (1, ts, item.mention_id, item.mention_id, reach, item.text[:REPRESENTATIVE_CHARS])

    def _index_member(self, member: _Member) -> None:
        member.story.members += (member,)
        buckets = self._buckets
        for key in member.bands:
            entry = buckets.setdefault(key, member)
            if entry is member:
                continue
            # Buckets are not capped: what they hold must follow from the open stories alone, or a
            # restored index would see other candidates. A story indexes 32 texts at most anyway.
            if isinstance(entry, list):
                entry.append(member)
            else:
                buckets[key] = [entry, member]

    def _add_embedding(self, story: _Story, vector: npt.NDArray[np.float64]) -> None:
        if story.centroid_sum is None:
            story.centroid_sum = vector.copy()
        else:
            story.centroid_sum += vector
        story.embedded += 1
        self._place_centroid(story)

    def _place_centroid(self, story: _Story) -> None:
        assert story.centroid_sum is not None
        dim = story.centroid_sum.shape[0]
        if self._centroids.shape[1] != dim:  # the first centroid sets the width
            self._centroids = np.zeros((16, dim), dtype=np.float32)
        if story.slot < 0:
            if self._free_slots:
                story.slot = heapq.heappop(self._free_slots)
                self._slot_story[story.slot] = story
            else:
                story.slot = len(self._slot_story)
                self._slot_story.append(story)
                if story.slot >= self._centroids.shape[0]:
                    grown = np.zeros((2 * self._centroids.shape[0], dim), dtype=np.float32)
                    grown[: self._centroids.shape[0]] = self._centroids
                    self._centroids = grown
        norm = float(np.linalg.norm(story.centroid_sum))
        self._centroids[story.slot] = story.centroid_sum / norm if norm > 0 else 0.0

    def _sweep(self, *, full: bool) -> None:
        """Evict closed stories: from the queue fronts on every post, every one of them when ``full``."""
        floor_one = self._watermark - self._singleton_s
        floor_many = self._watermark - self._horizon_s
        for queue, floor in ((self._singles, floor_one), (self._active, floor_many)):
            if full:
                for story in [story for story in queue.values() if story.last_ts < floor]:
                    self._evict(story)
                continue
            # Touch order is last_ts order unless posts arrive out of order; then a closed story
            # waits a little longer behind an open one, which costs memory, never correctness.
            while queue:
                story = next(iter(queue.values()))
                if story.last_ts >= floor:
                    break
                self._evict(story)
        limit = self.config.max_stories
        if len(self._stories) >= limit:
            # Past the cap the idlest go first, down to 90% so this does not run on every post.
            while len(self._stories) > limit - max(1, limit // 10):
                single = next(iter(self._singles.values()), None)
                active = next(iter(self._active.values()), None)
                if single is None or (active is not None and active.last_ts < single.last_ts):
                    assert active is not None
                    self._evict(active)
                else:
                    self._evict(single)

    def _evict(self, story: _Story) -> None:
        if len(self._evicted) >= MAX_PENDING_EVICTED:
            log.warning("story_stats_dropped story_id=%s reason=evict_not_called", self._evicted[0].story_id)
            del self._evicted[0]
        self._evicted.append(self._stats(story, self._watermark))
        del self._stories[story.story_id]
        (self._singles if story.size <= 1 else self._active).pop(story.story_id, None)
        for key in story.keys:
            if self._exact.get(key) is story:
                del self._exact[key]
        for url in story.urls:
            if self._urls.get(url) is story:
                del self._urls[url]
        buckets = self._buckets
        for member in story.members:
            for key in member.bands:
                entry = buckets.get(key)
                if entry is member:
                    del buckets[key]
                elif isinstance(entry, list) and member in entry:
                    entry.remove(member)
                    if len(entry) == 1:
                        buckets[key] = entry[0]
        if story.slot >= 0:
            self._centroids[story.slot] = 0.0
            self._slot_story[story.slot] = None
            heapq.heappush(self._free_slots, story.slot)
            story.slot = -1

    def _adopt(self, story: _Story) -> None:
        """Register a restored story in every index, as ``assign`` did when it was live."""
        if story.story_id in self._stories:
            raise ValidationError(
                _("story id {story_id} is already in use").format(story_id=story.story_id),
                code="duplicate_story_id",
                details={"story_id": story.story_id},
            )
        self._stories[story.story_id] = story
        self._seq = max(self._seq, story.seq)
        self._watermark = max(self._watermark, story.last_ts)
        for key in story.keys:
            self._exact[key] = story
        members, story.members = story.members, ()
        for member in members:
            self._index_member(member)
        for url in story.urls:
            self._urls[url] = story
        if story.centroid_sum is not None:
            if self._dim is None:
                self._dim = story.centroid_sum.shape[0]
            elif story.centroid_sum.shape[0] != self._dim:
                raise ValidationError(
                    _("story {story_id} has a centroid of another width").format(story_id=story.story_id),
                    code="invalid_story_state",
                    details={"story_id": story.story_id},
                )
            self._place_centroid(story)

    def _stats(self, story: _Story, now_ts: float) -> StoryStats:
        # The most-posted text (ties: the earliest), represented by its highest-reach copy.
        variant = min(story.variants.values(), key=lambda v: (-v[0], v[1], v[2]), default=None)
        return StoryStats(
            story_id=story.story_id,
            size=story.size,
            distinct_authors=_distinct_authors(story),
            platforms=dict(sorted(story.platforms.items())),
            platform_first_seen={name: _at(ts) for name, ts in sorted(story.platform_first.items())},
            first_seen_at=_at(story.first_ts),
            last_seen_at=_at(story.last_ts),
            total_reach=story.reach_total,
            max_reach=story.reach_max,
            representative_mention_id=variant[3] if variant else 0,
            representative_text=variant[5] if variant else "",
            reasons=dict(story.reasons),
            urls=tuple(story.urls),
            growth=growth_of(story.minutes, _minute(now_ts), self._window),
        )

    def _now_ts(self, now: datetime | None) -> float:
        if now is None:
            return self._watermark if self._watermark != -math.inf else 0.0
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValidationError(
                _("now must be a timezone-aware datetime"), code="naive_datetime", details={"now": now.isoformat()}
            )
        return now.timestamp()


def _story_state(story: _Story) -> dict[str, Any]:
    return {
        "story_id": story.story_id,
        "seq": story.seq,
        "size": story.size,
        "first_seen_at": _at(story.first_ts).isoformat(),
        "last_seen_at": _at(story.last_ts).isoformat(),
        "platforms": dict(story.platforms),
        "platform_first_seen": {name: _at(ts).isoformat() for name, ts in story.platform_first.items()},
        "minutes": [[minute, count] for minute, count in sorted(story.minutes.items())],
        "reach_total": story.reach_total,
        "reach_max": story.reach_max,
        "reasons": dict(story.reasons),
        "authors": sorted(story.authors),
        "variants": [[key, *variant] for key, variant in story.variants.items()],
        "keys": story.keys.tolist(),
        "members": [sorted(member.shingles) for member in story.members],
        "urls": list(story.urls),
        "centroid_sum": None if story.centroid_sum is None else story.centroid_sum.tolist(),
        "embedded": story.embedded,
    }


def _story_from_state(raw: Mapping[str, Any]) -> _Story:
    story = _Story(int(raw["story_id"]), int(raw["seq"]))
    story.size = int(raw["size"])
    story.first_ts = datetime.fromisoformat(raw["first_seen_at"]).timestamp()
    story.last_ts = datetime.fromisoformat(raw["last_seen_at"]).timestamp()
    story.platforms = {str(k): int(v) for k, v in raw["platforms"].items()}
    story.platform_first = {
        str(k): datetime.fromisoformat(v).timestamp() for k, v in raw["platform_first_seen"].items()
    }
    story.minutes = {int(minute): int(count) for minute, count in raw["minutes"]}
    story.reach_total = int(raw["reach_total"])
    story.reach_max = int(raw["reach_max"])
    story.reasons = {str(k): int(v) for k, v in raw["reasons"].items()}
    for value in raw["authors"]:
        _add_author(story, int(value))
    for key, count, first_ts, first_id, best_id, best_reach, text in raw["variants"]:
        story.variants[int(key)] = (
            int(count),
            float(first_ts),
            int(first_id),
            int(best_id),
            int(best_reach),
            str(text),
        )
    story.keys = array("Q", (int(key) for key in raw["keys"]))
    for listed in raw["members"]:
        shingles = [int(value) for value in listed]
        story.members += (_Member(story, shingles, _band_keys(shingles)),)
    story.urls = tuple(str(url) for url in raw["urls"])
    centroid = raw.get("centroid_sum")
    story.centroid_sum = None if centroid is None else np.asarray(centroid, dtype=np.float64)
    story.embedded = int(raw.get("embedded", 0))
    return story


# --------------------------------------------------------------------------------------------
# Benchmark
# --------------------------------------------------------------------------------------------
_BENCH_WORDS = (
    "pedido llegó nunca acme repartidor paquete roto tarde reembolso atención cliente horas esperando "
    "teléfono nadie responde vergüenza servicio comida fría app funciona cobro doble factura tienda "
    "order arrived never delivery late refund customer service waiting hours nobody answers broken app "
    "charged twice store cold food terrible worst again today week days still"
).split()
_BENCH_SYLLABLES = "ba ca da fa ga la ma na pa ra sa ta ve lo mi no su te ri co".split()


def _bench_items(n: int, seed: int) -> list[StoryItem]:
    """A synthetic stream: Zipf-distributed words, 30% reposts, 20% one-word edits, 10% with a link."""
    rng = random.Random(seed)
    vocabulary = _BENCH_WORDS + [
        rng.choice(_BENCH_SYLLABLES) + rng.choice(_BENCH_SYLLABLES) + rng.choice(_BENCH_SYLLABLES) for _ in range(4000)
    ]
    weights = list(itertools.accumulate(1.0 / rank for rank in range(1, len(vocabulary) + 1)))
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    platforms = ("x", "mastodon", "bluesky", "instagram")
    texts: list[str] = []
    items: list[StoryItem] = []
    for i in range(n):
        roll = rng.random()
        if texts and roll < 0.3:
            text = rng.choice(texts[-2000:])
        elif texts and roll < 0.5:
            words = rng.choice(texts[-2000:]).split()
            words[rng.randrange(len(words))] = rng.choices(vocabulary, cum_weights=weights)[0]
            text = " ".join(words)
        else:
            words = rng.choices(vocabulary, cum_weights=weights, k=rng.randint(6, 20))
            text = " ".join(words).capitalize() + rng.choice((" #AcmeNoLlega", "!!", " 😡", "", " @acme"))
        texts.append(text)
        urls = (f"https://news.example/a/{rng.randrange(5_000)}",) if rng.random() < 0.1 else ()
        items.append(
            StoryItem(
                mention_id=i + 1,
                text=text,
                urls=urls,
                created_at=start + timedelta(seconds=i * 0.5),
                platform=platforms[i % 4],
                reach=rng.randrange(50_000),
                author=f"user{rng.randrange(n)}",
            )
        )
    return items


def bench_stories(n: int = 50_000, *, seed: int = 7, repeat: int = 1) -> float:
    """Assignments per second on ``n`` short synthetic posts (``_bench_items``), one core, no embeddings.

    With ``repeat`` > 1 the stream is replayed into fresh indexes and the best rate is returned,
    as ``timeit`` does: on a shared machine the fastest run is the one least disturbed.
    """
    if n < 1 or repeat < 1:
        raise ValidationError(
            _("n and repeat must be at least 1"), code="invalid_argument", details={"n": n, "repeat": repeat}
        )
    items = _bench_items(n, seed)
    best = math.inf
    for _round in range(repeat):
        index = StoryIndex()
        started = time.perf_counter()
        for item in items:
            index.assign(item)
        best = min(best, time.perf_counter() - started)
    return n / best if best > 0 else math.inf


__all__ = [
    "BANDS",
    "GROWTH_WINDOW",
    "HORIZON",
    "MAX_STORIES",
    "MIN_EXACT_TOKENS",
    "MIN_NEAR_TOKENS",
    "MIN_SEMANTIC_TOKENS",
    "NEAR_DUPLICATE_JACCARD",
    "NUM_PERM",
    "SEMANTIC_THRESHOLD",
    "SINGLETON_HORIZON",
    "STATE_VERSION",
    "Assignment",
    "Growth",
    "StoryConfig",
    "StoryIndex",
    "StoryItem",
    "StoryReason",
    "StoryStats",
    "bench_stories",
    "growth_of",
    "hamming",
    "minhash_signature",
    "normalize_for_story",
    "signed64",
    "story_tokens",
    "text_fingerprint",
    "unsigned64",
]
