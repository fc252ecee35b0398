"""Evidence for a signal: the series around it, and the posts, terms and authors behind it."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from baliza.ingest.models import Author, Mention
from baliza.ingest.normalize import fold

TOKEN_RE = re.compile(r"[#@]?\w[\w'-]*")
STOPWORDS = frozenset(
    """
    a al algo algun alguna algunos ante antes aqui asi aun bien cada como con contra cual cuando de del desde
    donde dos el ella ellos en entre era es esa ese eso esta estan este esto estoy fue ha hace hay hoy la las le
    les lo los mas me mi mis muy nada ni no nos o os otra otro para pero poco por porque que quien se sea ser si
    sin sobre son su sus tan te tengo ti tiene todo todos tu tus un una uno unos ya yo q xq pq k
    about after again all also am an and any are as at be because been but by can could did do does for from
    get got had has have he her here him his how i if in into is it its just like me more my no not now of on
    one or our out so some still than that the their them then there they this to too up us was we were what
    when which who why will with would you your im dont cant
    http https www com
    """.split()
)


def tokens(text: str) -> list[str]:
    """Folded words, hashtags and handles worth counting (no stopwords, no numbers, no single letters)."""
    return [
        t
        for t in TOKEN_RE.findall(fold(text))
        if len(t) > 2 and t not in STOPWORDS and not t.isdigit() and not t.startswith("http")
    ]


def emerging_terms(
    window_texts: Sequence[str], baseline_texts: Sequence[str], *, limit: int = 10, min_count: int = 3
) -> list[dict[str, Any]]:
    """Terms much more frequent in the window than in the baseline (smoothed log ratio of rates)."""
    window = Counter(t for text in window_texts for t in set(tokens(text)))
    baseline = Counter(t for text in baseline_texts for t in set(tokens(text)))
    n_w, n_b = max(len(window_texts), 1), max(len(baseline_texts), 1)
    ranked: list[tuple[float, int, str, float]] = []
    for term, count in window.items():
        if count < min_count:
            continue
        lift = math.log((count + 0.5) / n_w) - math.log((baseline.get(term, 0) + 0.5) / n_b)
        ranked.append((lift * math.log1p(count), count, term, lift))
    ranked.sort(reverse=True)
    return [
        {"term": term, "count": count, "baseline_count": baseline.get(term, 0), "lift": round(lift, 3)}
        for _rank, count, term, lift in ranked[:limit]
    ]


def top_posts(rows: Iterable[tuple[Mention, Author | None]], limit: int = 5) -> list[dict[str, Any]]:
    """The posts that carry furthest: author reach plus engagement."""

    def weight(row: tuple[Mention, Author | None]) -> float:
        m, a = row
        return math.log1p((a.followers or 0) if a else 0) + math.log1p(m.likes + m.reposts + m.replies + m.quotes)

    out = []
    for m, a in sorted(rows, key=weight, reverse=True)[:limit]:
        out.append(
            {
                "mention_id": m.id,
                "platform": m.platform,
                "url": m.url,
                "text": m.text[:500],
                "created_at": m.created_at.isoformat(),
                "author": a.handle if a else None,
                "followers": a.followers if a else None,
                "engagement": m.likes + m.reposts + m.replies + m.quotes,
                "lang": m.lang,
                "sentiment": m.sentiment,
                "issue_types": list(m.issue_types or []),
                "story_id": m.story_id,
                "author_types": list((a.profile or {}).get("types", [])) if a else [],
            }
        )
    return out


def top_authors(rows: Iterable[tuple[Mention, Author | None]], limit: int = 5) -> list[dict[str, Any]]:
    """Who posted most in the window, and how far they reach."""
    counts: Counter[int] = Counter()
    authors: dict[int, Author] = {}
    for _m, a in rows:
        if a is not None:
            counts[a.id] += 1
            authors[a.id] = a
    ranked = sorted(counts, key=lambda i: (counts[i], authors[i].followers or 0), reverse=True)[:limit]
    return [
        {
            "handle": authors[i].handle,
            "platform": authors[i].platform,
            "posts": counts[i],
            "followers": authors[i].followers,
            "verified": authors[i].is_verified,
            "author_types": list((authors[i].profile or {}).get("types", [])),
        }
        for i in ranked
    ]


def series_points(
    times: Sequence[datetime],
    values: Sequence[float],
    expected: Sequence[float],
    lower: Sequence[float],
    upper: Sequence[float],
) -> list[list[Any]]:
    """[minute, observed, expected, lower, upper] rows for a chart."""
    return [
        [t.isoformat(), v, round(e, 3), round(lo, 3), round(hi, 3)]
        for t, v, e, lo, hi in zip(times, values, expected, lower, upper, strict=True)
    ]


__all__ = ["emerging_terms", "series_points", "tokens", "top_authors", "top_posts"]
