"""The crisis summary: a short, deterministic account of what is happening, built from the data alone.

``extractive_summary`` never calls a model: it counts, ranks and quotes. It gives a one-sentence
headline (volume against the expected volume, share of negative posts), bullet points (volume,
negative share, the top stories with their representative posts, emerging terms, the authors who
reach furthest, platforms), what people ask for (questions and help requests, grouped), and the
ids of the posts it quotes. Everything is written in the language asked for (es/en); the quoted
posts stay as they were written. The same input always gives the same summary: every ranking has
a full tie-break and no clock is read.

The input is plain data (``SummaryInput``), so the summary can be built from the database, from a
drill or from a test alike.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from baliza.core import i18n
from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.detection.evidence import emerging_terms
from baliza.ingest.normalize import fold

MentionId = int | str

TOP_STORIES = 3
TOP_TERMS = 5
TOP_AUTHORS = 3
TOP_ASKS = 5
QUOTE_CHARS = 140
"""Quoted posts are cut to this many characters: a summary points at posts, it does not reprint them."""

HOURS_FROM_MINUTES = 120
"""Durations from this many minutes on are written in hours."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MentionInput(_Frozen):
    """One mention as the summary and the assistant read it."""

    id: MentionId
    text: str
    lang: str | None = None
    created_at: AwareDatetime
    platform: str
    author_handle: str | None = None
    author_name: str | None = None
    followers: int | None = Field(None, ge=0)
    sentiment_label: Literal["negative", "neutral", "positive"] | None = None
    sentiment_score: float | None = None
    issue_types: tuple[str, ...] = ()
    story_id: MentionId | None = None


class StoryInput(_Frozen):
    """One story (a cluster of mentions about the same thing) and the post that stands for it."""

    id: MentionId
    size: int = Field(ge=1)
    growth_per_hour: float | None = None
    representative_text: str
    representative_mention_id: MentionId | None = None
    platforms: tuple[str, ...] = ()


class MinuteCount(_Frozen):
    """Mentions observed in one minute, and how many were expected."""

    minute: AwareDatetime
    observed: float = Field(ge=0)
    expected: float = Field(ge=0)


class SummaryInput(_Frozen):
    """Everything the summary is built from: the incident, its mentions, stories and counts per minute."""

    title: str = Field(min_length=1)
    severity: str | None = None
    started_at: AwareDatetime
    mentions: tuple[MentionInput, ...] = ()
    stories: tuple[StoryInput, ...] = ()
    counts: tuple[MinuteCount, ...] = ()
    baseline_texts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Summary:
    """A crisis summary in one language; ``reason`` says why it is not the assistant's (when it fell back)."""

    lang: str
    headline: str
    bullets: tuple[str, ...]
    asks: tuple[str, ...] = ()
    post_ids: tuple[MentionId, ...] = ()
    reason: str | None = None

    def as_markdown(self) -> str:
        """The summary as Markdown: the headline in bold, the bullets, then what people ask for."""
        lines = [f"**{_escape(self.headline)}**", ""]
        lines.extend(f"- {_escape(bullet)}" for bullet in self.bullets)
        if self.asks:
            with i18n.use_locale(self.lang):
                heading = _("What people ask for")
            lines.extend(["", f"### {heading}", ""])
            lines.extend(f"- {_escape(ask)}" for ask in self.asks)
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API."""
        return {
            "lang": self.lang,
            "headline": self.headline,
            "bullets": list(self.bullets),
            "asks": list(self.asks),
            "post_ids": list(self.post_ids),
            "reason": self.reason,
        }


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_SPACES = re.compile(r"\s+")
_SENTENCE = re.compile(r"[^.!?\n]*[.!?]+|[^.!?\n]+")
_ASK_KEY = re.compile(r"\w+")


def _escape(text: str) -> str:
    # Posts are quoted verbatim; their asterisks and brackets must not turn into formatting or links.
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def resolve_lang(lang: str) -> str:
    """``es`` or ``en`` from a language code such as ``es-ES``; anything else is a ``ValidationError``."""
    code = str(lang).strip().lower().replace("_", "-").split("-")[0]
    if code not in i18n.SUPPORTED:
        raise ValidationError(
            _("Unsupported language {value!r}: use Spanish (es) or English (en).").format(value=lang),
            code="unsupported_language",
            details={"field": "lang", "value": lang},
        )
    return code


def quote_text(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` on one line, cut to at most ``limit`` characters (between words where it can) with an ellipsis."""
    flat = _SPACES.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    head = flat[: limit - 1]
    space = head.rfind(" ")
    # Cut between words when one ends near the limit; a long word (a URL) is cut where it must be.
    if space >= limit * 0.6:
        head = head[:space]
    return head.rstrip() + "…"


def _as_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _mentions_phrase(count: int) -> str:
    if count == 1:
        return _("1 mention")
    return _("{count} mentions").format(count=i18n.number(count))


def _duration_phrase(minutes: int) -> str:
    if minutes == 1:
        return _("1 minute")
    if minutes < HOURS_FROM_MINUTES:
        return _("{count} minutes").format(count=i18n.number(minutes))
    return _("{count} hours").format(count=i18n.number(round(minutes / 60, 1)))


def _quoted(text: str) -> str:
    return _("“{text}”").format(text=text)


@dataclass(frozen=True, slots=True)
class _Story:
    id: MentionId
    size: int
    growth_per_hour: float | None
    text: str
    post_id: MentionId | None
    platforms: tuple[str, ...]


def _rank_key(value: MentionId | None) -> tuple[int, str]:
    # Ids may be ints or strings; compare ints as numbers, and both kinds without a TypeError.
    if isinstance(value, int):
        return (0, f"{value:020d}")
    return (1, str(value))


def _by_count(names: Iterable[str]) -> tuple[str, ...]:
    counts = Counter(names)
    return tuple(sorted(counts, key=lambda name: (-counts[name], name)))


def _reach_order(mention: MentionInput) -> tuple[int, datetime, tuple[int, str]]:
    return (-(mention.followers or 0), mention.created_at, _rank_key(mention.id))


def _stories(data: SummaryInput) -> list[_Story]:
    by_story: dict[MentionId, list[MentionInput]] = defaultdict(list)
    for mention in data.mentions:
        if mention.story_id is not None:
            by_story[mention.story_id].append(mention)
    stories: list[_Story] = []
    if data.stories:
        for story in data.stories:
            members = sorted(by_story.get(story.id, ()), key=_reach_order)
            post_id = story.representative_mention_id
            if post_id is None:
                same = [m for m in members if m.text.strip() == story.representative_text.strip()]
                candidates = same or members
                post_id = candidates[0].id if candidates else None
            platforms = story.platforms or _by_count(m.platform for m in members)
            stories.append(
                _Story(story.id, story.size, story.growth_per_hour, story.representative_text, post_id, platforms)
            )
    else:
        # Without story statistics, the story ids on the mentions still group them; one post is not a story.
        for story_id, members in by_story.items():
            if len(members) < 2:
                continue
            first = min(members, key=_reach_order)
            platforms = _by_count(m.platform for m in members)
            stories.append(_Story(story_id, len(members), None, first.text, first.id, platforms))
    stories.sort(key=lambda s: (-s.size, -(s.growth_per_hour or 0.0), _rank_key(s.id)))
    return stories[:TOP_STORIES]


def _story_bullet(story: _Story) -> str:
    details = [_mentions_phrase(story.size)]
    if story.growth_per_hour is not None:
        details.append(_("{growth} per hour").format(growth=i18n.number(round(story.growth_per_hour, 1))))
    details.extend(story.platforms)
    return _("Story: {quote} ({details})").format(quote=_quoted(quote_text(story.text)), details=", ".join(details))


def _question(text: str) -> str:
    sentences: list[str] = [s.strip() for s in _SENTENCE.findall(text) if s.strip()]
    for sentence in sentences:
        if "?" in sentence:
            return sentence
    return sentences[0] if sentences else text.strip()


def _asks(mentions: Sequence[MentionInput]) -> list[tuple[str, int, MentionId]]:
    """Questions and help requests grouped by their wording: (question, posts, first post id), most asked first."""
    groups: dict[str, list[MentionInput]] = defaultdict(list)
    for mention in mentions:
        # The issue classifier knows rhetorical questions from real ones; a "?" only counts on unclassified posts.
        asking = "question" in mention.issue_types or (not mention.issue_types and "?" in mention.text)
        if not asking:
            continue
        question = _question(mention.text)
        key = " ".join(_ASK_KEY.findall(fold(question)))
        if key:
            groups[key].append(mention)
    ranked = sorted(
        groups.values(),
        key=lambda members: (-len(members), min(_reach_order(m) for m in members)),
    )
    out = []
    for members in ranked[:TOP_ASKS]:
        first = min(members, key=_reach_order)
        out.append((quote_text(_question(first.text)), len(members), first.id))
    return out


def _authors(mentions: Sequence[MentionInput]) -> list[tuple[str, int]]:
    reach: dict[str, int] = {}
    for mention in mentions:
        if mention.author_handle and mention.followers:
            reach[mention.author_handle] = max(reach.get(mention.author_handle, 0), mention.followers)
    return sorted(reach.items(), key=lambda item: (-item[1], item[0]))[:TOP_AUTHORS]


def _period(data: SummaryInput) -> tuple[datetime, int]:
    """When the period starts (UTC) and how many minutes it lasts (at least one)."""
    starts = [_as_utc(data.started_at)]
    ends: list[datetime] = []
    for mention in data.mentions:
        starts.append(_as_utc(mention.created_at))
        ends.append(_as_utc(mention.created_at))
    for count in data.counts:
        starts.append(_as_utc(count.minute))
        ends.append(_as_utc(count.minute) + timedelta(minutes=1))
    start = min(starts)
    end = max(ends, default=start)
    minutes = max(1, math.ceil((end - start).total_seconds() / 60))
    return start, minutes


def _clock(start: datetime, minutes: int) -> str:
    end = start + timedelta(minutes=minutes)
    return start.strftime("%H:%M") if end.date() == start.date() else start.strftime("%Y-%m-%d %H:%M")


def extractive_summary(data: SummaryInput, *, lang: str) -> Summary:
    """A deterministic crisis summary in ``lang`` (es/en), built by counting, ranking and quoting."""
    code = resolve_lang(lang)
    with i18n.use_locale(code):
        return _build(data, code)


def _build(data: SummaryInput, lang: str) -> Summary:
    mentions = data.mentions
    subject = f"{data.severity.strip().upper()} · {data.title}" if data.severity else data.title
    observed = round(sum(c.observed for c in data.counts)) if data.counts else len(mentions)
    expected = sum(c.expected for c in data.counts)
    if observed == 0:
        return Summary(lang, _("{subject}: no mentions yet.").format(subject=subject), ())

    start, minutes = _period(data)
    rated = [m for m in mentions if m.sentiment_label is not None]
    negative = sum(1 for m in rated if m.sentiment_label == "negative")
    values = {
        "subject": subject,
        "mentions": _mentions_phrase(observed),
        "duration": _duration_phrase(minutes),
        "ratio": i18n.number(round(observed / expected, 1)) if expected > 0 else "",
        "negative": i18n.percent(negative / len(rated)) if rated else "",
    }
    if expected > 0 and rated:
        headline = _("{subject}: {mentions} in {duration}, {ratio} times the expected volume; {negative} negative.")
    elif expected > 0:
        headline = _("{subject}: {mentions} in {duration}, {ratio} times the expected volume.")
    elif rated:
        headline = _("{subject}: {mentions} in {duration}; {negative} negative.")
    else:
        headline = _("{subject}: {mentions} in {duration}.")

    bullets: list[str] = []
    since = _clock(start, minutes)
    if expected > 0:
        bullets.append(
            _("Volume: {mentions} since {start} UTC against {expected} expected.").format(
                mentions=_mentions_phrase(observed), start=since, expected=i18n.number(round(expected, 1))
            )
        )
    else:
        bullets.append(
            _("Volume: {mentions} since {start} UTC; no expected volume to compare with.").format(
                mentions=_mentions_phrase(observed), start=since
            )
        )
    if rated:
        bullets.append(
            _("Negative share: {share} ({negative} of {rated} mentions with a sentiment).").format(
                share=i18n.percent(negative / len(rated)),
                negative=i18n.number(negative),
                rated=i18n.number(len(rated)),
            )
        )
    post_ids: list[MentionId] = []
    for story in _stories(data):
        bullets.append(_story_bullet(story))
        if story.post_id is not None:
            post_ids.append(story.post_id)
    terms = emerging_terms([m.text for m in mentions], list(data.baseline_texts), limit=TOP_TERMS)
    if terms:
        bullets.append(_("Emerging terms: {terms}.").format(terms=", ".join(str(t["term"]) for t in terms)))
    authors = _authors(mentions)
    if authors:
        listed = ", ".join(
            _("{handle} ({followers} followers)").format(handle=handle, followers=i18n.number(followers))
            for handle, followers in authors
        )
        bullets.append(_("Most-reached authors: {authors}.").format(authors=listed))
    platforms = Counter(m.platform for m in mentions)
    if platforms:
        listed = ", ".join(
            f"{name} ({i18n.number(platforms[name])})" for name in _by_count(m.platform for m in mentions)
        )
        bullets.append(_("Platforms: {platforms}.").format(platforms=listed))

    asks: list[str] = []
    for question, count, post_id in _asks(mentions):
        quoted = _quoted(question)
        asks.append(
            quoted if count == 1 else _("{quote} ({count} posts)").format(quote=quoted, count=i18n.number(count))
        )
        post_ids.append(post_id)
    return Summary(
        lang=lang,
        headline=headline.format(**values),
        bullets=tuple(bullets),
        asks=tuple(asks),
        post_ids=tuple(dict.fromkeys(post_ids)),
    )


__all__ = [
    "MentionId",
    "MentionInput",
    "MinuteCount",
    "StoryInput",
    "Summary",
    "SummaryInput",
    "extractive_summary",
    "quote_text",
    "resolve_lang",
]
