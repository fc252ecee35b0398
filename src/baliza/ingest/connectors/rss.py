"""RSS and Atom feeds (news sites, blogs) over httpx, parsed by feedparser.

Polite polling: a conditional GET (``If-None-Match`` / ``If-Modified-Since``) so an unchanged feed costs a 304.
The cursor remembers the validators and the ids of the entries already delivered (bounded, but never dropping an
id that is still in the feed), so a restart neither repeats an entry nor misses one.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import time
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

import feedparser
import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from baliza.core.clock import utcnow
from baliza.core.i18n import N_, _
from baliza.ingest.connectors import httpio
from baliza.ingest.connectors.base import (
    Clock,
    MentionPage,
    Skipped,
    UnavailableError,
    build_mention,
    dump_cursor,
    load_cursor,
)
from baliza.ingest.connectors.netguard import check_url_async, redact_url
from baliza.ingest.connectors.text import clean_lang, html_to_text
from baliza.ingest.schemas import LANG_PATTERN, MentionIn

ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
MAX_ID_LENGTH = 256


class FeedKind(StrEnum):
    """What a feed is; it becomes the mentions' platform."""

    news = "news"
    blog = "blog"


def static_url_problem(value: str) -> str | None:
    """Why ``value`` cannot be a feed address, checked without the network (for validation on save)."""
    try:
        parsed = httpx.URL(value)
    except (httpx.InvalidURL, TypeError, ValueError):
        return _("is not a valid web address")
    if parsed.scheme not in ("http", "https"):
        return _("must start with https:// or http://")
    if not parsed.host:
        return _("has no host name")
    if parsed.userinfo:
        return _("must not contain a user name or password")
    return None


class RSSSettings(BaseModel):
    """One feed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(
        max_length=2048,
        title=N_("Feed address"),
        description=N_("The RSS or Atom feed to read, starting with https:// or http://."),
    )
    kind: FeedKind = Field(
        default=FeedKind.news,
        title=N_("Kind of source"),
        description=N_("news for news sites, blog for blogs; mentions are labelled with it."),
    )
    lang: str | None = Field(
        default=None,
        pattern=LANG_PATTERN,
        title=N_("Language"),
        description=N_("Language of the entries when the feed does not say, such as es or en."),
    )
    max_seen: int = Field(
        default=1000,
        ge=50,
        le=20_000,
        title=N_("Entries remembered"),
        description=N_("How many delivered entries to remember so that none is delivered twice."),
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        problem = static_url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


def _moment(parsed: Any) -> datetime | None:
    """feedparser's UTC struct_time as an aware datetime."""
    if not isinstance(parsed, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _field(node: Any, key: str) -> Any:
    """A key of a feedparser dict, without feedparser's legacy key aliases (and their deprecation warnings)."""
    return dict.get(node, key) if isinstance(node, dict) else None


def entry_id(entry: Any) -> str | None:
    """A stable id for an entry: its guid/id, else its link, else a hash of title and summary."""
    for key in ("id", "link"):
        value = _field(entry, key)
        if isinstance(value, str) and value.strip():
            value = value.strip()
            return value if len(value) <= MAX_ID_LENGTH else "sha256:" + hashlib.sha256(value.encode()).hexdigest()
    title = _field(entry, "title") or ""
    summary = _field(entry, "summary") or ""
    if not (title or summary):
        return None
    return "sha256:" + hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()


class RSSConnector:
    """Polls one RSS or Atom feed."""

    name: ClassVar[str] = "rss"
    Settings: ClassVar[type[BaseModel]] = RSSSettings

    def __init__(
        self,
        settings: RSSSettings,
        *,
        client: httpx.AsyncClient,
        clock: Clock = utcnow,
        allow_private: bool = False,
    ) -> None:
        self.settings = settings
        self.client = client
        self.clock = clock
        self.allow_private = allow_private
        self.source = redact_url(settings.url)

    async def fetch(self, *, since: datetime, cursor: str | None) -> MentionPage:
        """New entries since the last fetch (none older than ``since``); a 304 returns none and the same cursor."""
        state = load_cursor(cursor, connector=self.name)
        seen: list[str] = [str(item) for item in state.get("seen", []) if isinstance(item, str)]
        # Refuse a private or loopback feed before any I/O, even with a client that has no guard of its own.
        await check_url_async(self.settings.url, allow_private=self.allow_private)
        headers = {"Accept": ACCEPT}
        if isinstance(state.get("etag"), str):
            headers["If-None-Match"] = state["etag"]
        if isinstance(state.get("modified"), str):
            headers["If-Modified-Since"] = state["modified"]
        now = self.clock()
        response = await httpio.get(
            self.client, self.settings.url, connector=self.name, source=self.source, now=now, headers=headers
        )
        if response.status_code == 304:
            return MentionPage(items=[], cursor=dump_cursor({**state, "seen": seen}), has_more=False)
        if response.status_code != 200:
            raise UnavailableError(
                _("{source} answered HTTP {status} instead of a feed; will try again.").format(
                    source=self.source, status=response.status_code
                ),
                connector=self.name,
                code="feed_unexpected_status",
                details={"status": response.status_code},
            )
        parsed = feedparser.parse(
            io.BytesIO(response.content),  # never a str: feedparser would treat one as a URL or a file path
            response_headers={
                "content-type": response.headers.get("content-type", "application/xml"),
                "content-location": str(response.url),
            },
            sanitize_html=True,
            resolve_relative_uris=True,
        )
        if not parsed.entries and not parsed.get("version"):  # feedparser could not tell what it was
            raise UnavailableError(
                _("{source} did not answer with a readable RSS or Atom feed; will try again.").format(
                    source=self.source
                ),
                connector=self.name,
                code="feed_malformed",
                details={"problem": type(parsed.get("bozo_exception")).__name__},
            )
        lang = clean_lang(_field(parsed.feed, "language")) or self.settings.lang
        items: list[MentionIn] = []
        skipped: list[Skipped] = []
        current: list[str] = []
        seen_set = set(seen)
        for entry in parsed.entries:
            ident = entry_id(entry)
            if ident is None:
                skipped.append(
                    Skipped(
                        code="feed_entry_without_id",
                        message=_("{source}: an entry with no id, link or title was skipped.").format(
                            source=self.source
                        ),
                    )
                )
                continue
            current.append(ident)
            if ident in seen_set:
                continue
            seen_set.add(ident)
            created = _moment(_field(entry, "published_parsed")) or _moment(_field(entry, "updated_parsed")) or now
            if created < since:
                continue  # older than asked for: remembered as seen, not delivered
            result = self._mention(entry, ident, created, lang)
            if isinstance(result, Skipped):
                skipped.append(result)
            else:
                items.append(result)
        items.sort(key=lambda m: m.created_at)
        cursor_state = {
            "etag": response.headers.get("etag"),
            "modified": response.headers.get("last-modified"),
            "seen": self._remember(current, seen),
        }
        return MentionPage(items=items, cursor=dump_cursor(cursor_state), has_more=False, skipped=skipped)

    def _remember(self, current: list[str], seen: list[str]) -> list[str]:
        """Ids to keep, oldest first: everything still in the feed, then as many older ones as fit."""
        in_feed = set(current)
        older = [ident for ident in seen if ident not in in_feed]
        room = max(0, self.settings.max_seen - len(current))
        kept_older = older[len(older) - room :] if room else []
        return kept_older + list(dict.fromkeys(current))

    def _mention(self, entry: Any, ident: str, created: datetime, lang: str | None) -> MentionIn | Skipped:
        title = html_to_text(str(_field(entry, "title") or ""))
        body = _field(entry, "summary") or ""
        if not body and _field(entry, "content"):
            body = _field(_field(entry, "content")[0], "value") or ""
        summary = html_to_text(str(body))
        text = title if not summary or summary == title else f"{title}\n\n{summary}" if title else summary
        link = _field(entry, "link")
        author = _field(entry, "author")
        raw: dict[str, Any] = {
            "platform": self.settings.kind.value,
            "external_id": ident,
            "text": text,
            "created_at": created,
            "url": link if isinstance(link, str) and len(link) <= 2048 else None,
            "lang": lang,
        }
        if isinstance(author, str) and author.strip():
            raw["author"] = {"handle": author.strip()[:256]}
        return build_mention(raw, connector=self.name)


__all__ = ["FeedKind", "RSSConnector", "RSSSettings", "entry_id", "static_url_problem"]
