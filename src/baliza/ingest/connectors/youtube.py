"""YouTube Data API v3: the comments on chosen videos, or on every video of a channel, by polling.

``commentThreads.list`` answers newest first, so each fetch reads from the top down to where the last pass
stopped. The cursor keeps, per source, the newest ``publishedAt`` delivered and the ids published at that very
second (two comments can share it): below that time everything was delivered, at it only the listed ids were.
A pass longer than ``max_pages`` pages continues on the next call with its ``pageToken`` (saved in the cursor)
and only then moves the saved time, so a restart in the middle of a pass neither skips nor repeats a comment.

The quota is per day and resets at midnight Pacific time: a ``quotaExceeded`` answer becomes a RateLimitedError
that waits until then (or ``quota_retry_after`` seconds). A video with comments turned off, or one that is gone,
is reported and skipped; the other sources are still read.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from datetime import datetime, time, timedelta, timezone
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from baliza.core.clock import utcnow
from baliza.core.i18n import N_, _
from baliza.ingest.connectors import httpio
from baliza.ingest.connectors.base import (
    AuthError,
    Clock,
    MentionPage,
    RateLimitedError,
    Skipped,
    UnavailableError,
    as_mapping,
    build_mention,
    dump_cursor,
    excerpt,
    load_cursor,
)
from baliza.ingest.connectors.netguard import check_url_async, redact_url
from baliza.ingest.connectors.rss import static_url_problem
from baliza.ingest.schemas import MentionIn

log = logging.getLogger(__name__)

PAGE_LIMIT = 100  # commentThreads.list's maximum
RECENT_IN_CURSOR = 500
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_VIDEO_IN_URL = re.compile(r"(?:[?&]v=|youtu\.be/|/shorts/|/live/|/embed/)([A-Za-z0-9_-]{11})(?![A-Za-z0-9_-])")
# Answers that mean "this key may not do that" rather than "slow down" or "this video".
_KEY_PROBLEMS = frozenset({"keyInvalid", "API_KEY_INVALID", "keyExpired", "accessNotConfigured", "ipRefererBlocked"})
_QUOTA = frozenset({"quotaExceeded", "dailyLimitExceeded"})
_SLOW_DOWN = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_SOURCE_PROBLEMS = {
    "commentsDisabled": "comments_disabled",
    "videoNotFound": "source_not_found",
    "channelNotFound": "source_not_found",
    "notFound": "source_not_found",
}


def video_id(value: str) -> str | None:
    """The 11-character id of a video, given as an id or as a watch, youtu.be, shorts or live address."""
    value = value.strip()
    if _VIDEO_ID.match(value):
        return value
    found = _VIDEO_IN_URL.search(value)
    return found.group(1) if found else None


class YouTubeSettings(BaseModel):
    """An API key and the videos or channel whose comments to read."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    api_key: SecretStr = Field(
        title=N_("API key"),
        description=N_("A YouTube Data API v3 key from the Google Cloud console."),
    )
    base_url: str = Field(
        default="https://www.googleapis.com/youtube/v3",
        max_length=2048,
        title=N_("API address"),
        description=N_("Where the YouTube Data API v3 is served."),
    )
    video_ids: list[str] = Field(
        default_factory=list,
        max_length=50,
        title=N_("Videos"),
        description=N_("Videos whose comments to read, as ids or addresses (youtube.com/watch?v=…, youtu.be/…)."),
    )
    channel_id: str | None = Field(
        default=None,
        title=N_("Channel"),
        description=N_("A channel id (UC…): read the comments on all of its videos."),
    )
    max_pages: int = Field(
        default=5,
        ge=1,
        le=50,
        title=N_("Pages per fetch"),
        description=N_("How many pages of 100 comments one fetch may read per video or channel."),
    )
    quota_retry_after: int | None = Field(
        default=None,
        ge=60,
        le=86_400,
        title=N_("Wait after the quota runs out"),
        description=N_(
            "Seconds to wait when the daily quota is used up; empty to wait until it resets at midnight Pacific time."
        ),
    )

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        problem = static_url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value.rstrip("/")

    @field_validator("video_ids")
    @classmethod
    def _videos(cls, value: list[str]) -> list[str]:
        found: list[str] = []
        for raw in value:
            ident = video_id(raw)
            if ident is None:
                raise ValueError(_("{value!r} is not a YouTube video id or address").format(value=raw))
            if ident not in found:
                found.append(ident)
        return found

    @field_validator("channel_id")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not _CHANNEL_ID.match(value):
            raise ValueError(_("{value!r} is not a channel id (UC followed by 22 characters)").format(value=value))
        return value

    @model_validator(mode="after")
    def _something_to_read(self) -> YouTubeSettings:
        if not self.video_ids and not self.channel_id:
            raise ValueError(_("give at least one video or a channel"))
        return self


def next_pacific_midnight(now: datetime) -> int:
    """Seconds from ``now`` until the next midnight in California, when YouTube's daily quota resets."""
    try:
        pacific: Any = ZoneInfo("America/Los_Angeles")
    except ZoneInfoNotFoundError:  # a system without a time-zone database: standard time is close enough
        pacific = timezone(timedelta(hours=-8))
    local = now.astimezone(pacific)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=pacific)
    return max(1, math.ceil((midnight - now).total_seconds()))


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _count(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def thread_to_mention(thread: Any, *, connector: str = "youtube") -> MentionIn | Skipped:
    """A ``youtube#commentThread`` as a MentionIn: its top-level comment, with the thread's reply count."""
    snippet = as_mapping(as_mapping(thread).get("snippet"))
    top = as_mapping(snippet.get("topLevelComment"))
    comment = as_mapping(top.get("snippet"))
    ident = top.get("id") or as_mapping(thread).get("id")
    if not isinstance(ident, str) or not ident or not comment:
        return Skipped(
            code="malformed_comment",
            message=_("{connector}: a comment thread without a comment was skipped.").format(connector=connector),
            excerpt=excerpt(thread),
        )
    video = comment.get("videoId") or snippet.get("videoId")
    text = comment.get("textOriginal") or comment.get("textDisplay")
    raw: dict[str, Any] = {
        "platform": "youtube",
        "external_id": ident,
        "text": text if isinstance(text, str) else "",
        "created_at": comment.get("publishedAt"),
        "url": f"https://www.youtube.com/watch?v={video}&lc={ident}" if isinstance(video, str) and video else None,
        "likes": _count(comment.get("likeCount")),
        "replies": _count(snippet.get("totalReplyCount")),
    }
    name = comment.get("authorDisplayName")
    channel = as_mapping(comment.get("authorChannelId")).get("value")
    handle = name[1:] if isinstance(name, str) and name.startswith("@") and len(name) > 1 else channel
    if isinstance(handle, str) and handle:
        raw["author"] = {
            "handle": handle,
            "display_name": name if isinstance(name, str) and name else None,
            "url": comment.get("authorChannelUrl") or None,
        }
    return build_mention(raw, connector=connector)


def _reasons(response: httpx.Response) -> set[str]:
    """The ``reason`` values of a Google API error answer (``errors[]`` and ``details[]``)."""
    try:
        body = response.json()
    except ValueError:
        return set()
    error = as_mapping(as_mapping(body).get("error"))
    found: set[str] = set()
    for key in ("errors", "details"):
        for item in error.get(key) or () if isinstance(error.get(key), list) else ():
            reason = as_mapping(item).get("reason")
            if isinstance(reason, str):
                found.add(reason)
    return found


class _SourceError(Exception):
    """One source (a video, the channel) cannot be read; the others can."""

    def __init__(self, code: str, status: int) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


class YouTubeConnector:
    """Polls the comments of YouTube videos and channels."""

    name: ClassVar[str] = "youtube"
    Settings: ClassVar[type[BaseModel]] = YouTubeSettings

    def __init__(
        self,
        settings: YouTubeSettings,
        *,
        client: httpx.AsyncClient,
        clock: Clock = utcnow,
        allow_private: bool = False,
    ) -> None:
        self.settings = settings
        self.client = client
        self.clock = clock
        self.allow_private = allow_private

    @property
    def source(self) -> str:
        """How errors name the platform, in the reader's language."""
        return _("YouTube API at {url}").format(url=redact_url(self.settings.base_url))

    def sources(self) -> list[tuple[str, dict[str, str]]]:
        """(cursor key, request parameters) for each video and the channel."""
        found = [(f"video:{ident}", {"videoId": ident}) for ident in self.settings.video_ids]
        if self.settings.channel_id:
            found.append(
                (f"channel:{self.settings.channel_id}", {"allThreadsRelatedToChannelId": self.settings.channel_id})
            )
        return found

    def _check(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        reasons = _reasons(response)
        now = self.clock()
        if reasons & _QUOTA:
            seconds = self.settings.quota_retry_after or next_pacific_midnight(now)
            raise RateLimitedError(
                _("{source}: the API key's daily quota is used up; trying again in {seconds} seconds.").format(
                    source=self.source, seconds=seconds
                ),
                connector=self.name,
                retry_after=seconds,
                code="youtube_quota_exceeded",
                details={"status": status},
            )
        if reasons & _SLOW_DOWN:
            seconds = httpio.retry_after(response.headers, now=now)
            raise RateLimitedError(
                _("{source} asked us to slow down; trying again in {seconds} seconds.").format(
                    source=self.source, seconds=seconds
                ),
                connector=self.name,
                retry_after=seconds,
                details={"status": status},
            )
        if reasons & _KEY_PROBLEMS:
            raise AuthError(
                _(
                    "{source} refused the connector's credentials (HTTP {status}); check them in the connector "
                    "settings."
                ).format(source=self.source, status=status),
                connector=self.name,
                details={"status": status},
            )
        for reason, code in _SOURCE_PROBLEMS.items():
            if reason in reasons or (status == 404 and reason == "notFound"):
                raise _SourceError(code, status)
        httpio.raise_for_status(response, connector=self.name, source=self.source, now=now)

    async def _page(self, params: Mapping[str, str]) -> Mapping[str, Any]:
        await check_url_async(self.settings.base_url, allow_private=self.allow_private)
        try:
            response = await self.client.get(
                self.settings.base_url + "/commentThreads",
                params=dict(params),
                # The key goes in a header, not the query string, so that it stays out of logged URLs.
                headers={"X-Goog-Api-Key": self.settings.api_key.get_secret_value(), "Accept": "application/json"},
                timeout=httpio.TIMEOUT,
            )
        except httpx.HTTPError as exc:
            raise httpio.transport_error(exc, connector=self.name, source=self.source) from exc
        self._check(response)
        data = httpio.read_json(response, connector=self.name, source=self.source)
        if not isinstance(data, Mapping) or not isinstance(data.get("items", []), list):
            raise UnavailableError(
                _("{source} answered something that is not a list of comments; will try again.").format(
                    source=self.source
                ),
                connector=self.name,
                code="connector_bad_response",
            )
        return data

    def _problem(self, key: str, problem: _SourceError) -> Skipped:
        what = key.split(":", 1)[1]
        if problem.code == "comments_disabled":
            message = _("{source}: comments are turned off on {video}; it was skipped.")
        else:
            message = _("{source}: {video} was not found (HTTP {status}); it was skipped.")
        return Skipped(code=problem.code, message=message.format(source=self.source, video=what, status=problem.status))

    async def fetch(self, *, since: datetime, cursor: str | None) -> MentionPage:
        """New comments on every video and the channel since the cursor (the first time: back to ``since``)."""
        state = load_cursor(cursor, connector=self.name)
        saved = as_mapping(state.get("sources"))
        recent: dict[str, None] = dict.fromkeys(i for i in state.get("recent") or () if isinstance(i, str))
        positions: dict[str, Any] = {}
        items: list[MentionIn] = []
        skipped: list[Skipped] = []
        has_more = False
        for key, params in self.sources():
            position = dict(as_mapping(saved.get(key)))
            more = False
            try:
                position, more = await self._read_source(params, position, since, recent, items, skipped)
            except _SourceError as problem:
                # Comments already read from this source stay delivered; ``recent`` keeps them from coming twice.
                skipped.append(self._problem(key, problem))
                log.warning("youtube.source_skipped", extra={"source": key, "code": problem.code})
            has_more = has_more or more
            positions[key] = position
        items.sort(key=lambda m: m.created_at)
        next_state = {"sources": positions, "recent": list(recent)[-RECENT_IN_CURSOR:]}
        return MentionPage(items=items, cursor=dump_cursor(next_state), has_more=has_more, skipped=skipped)

    async def _read_source(
        self,
        params: Mapping[str, str],
        position: dict[str, Any],
        since: datetime,
        recent: dict[str, None],
        items: list[MentionIn],
        skipped: list[Skipped],
    ) -> tuple[dict[str, Any], bool]:
        """Read one source from the top (or where its unfinished pass stopped) down to its saved time."""
        newest = _parse_time(position.get("newest"))
        newest_ids = {i for i in position.get("ids") or () if isinstance(i, str)}
        floor = max(since, newest) if newest is not None else since
        unfinished = as_mapping(position.get("pass"))
        token = unfinished.get("page") if isinstance(unfinished.get("page"), str) else None
        top = _parse_time(unfinished.get("top"))
        top_ids = [i for i in unfinished.get("top_ids") or () if isinstance(i, str)]
        for _page in range(self.settings.max_pages):
            request = {**params, "part": "snippet", "maxResults": str(PAGE_LIMIT), "order": "time"}
            request["textFormat"] = "plainText"
            if token:
                request["pageToken"] = token
            data = await self._page(request)
            reached = False
            for thread in data.get("items") or ():
                result = thread_to_mention(thread, connector=self.name)
                if isinstance(result, Skipped):
                    skipped.append(result)
                    continue
                moment, ident = result.created_at, result.external_id
                if top is None or moment > top:
                    top, top_ids = moment, [ident]
                elif moment == top and ident not in top_ids:
                    top_ids.append(ident)
                if moment < floor:
                    reached = True  # newest first: everything after this was delivered by an earlier pass
                    continue
                if (moment == newest and ident in newest_ids) or ident in recent:
                    continue
                recent[ident] = None
                items.append(result)
            following = data.get("nextPageToken")
            token = following if isinstance(following, str) and following else None
            if reached or token is None:
                return self._commit(newest, newest_ids, top, top_ids), False
        # Out of pages for this call: the pass goes on next time from the saved page token.
        unfinished_pass = {"page": token, "top": top.isoformat() if top else None, "top_ids": top_ids}
        return {**{k: v for k, v in position.items() if k != "pass"}, "pass": unfinished_pass}, True

    @staticmethod
    def _commit(
        newest: datetime | None, newest_ids: set[str], top: datetime | None, top_ids: list[str]
    ) -> dict[str, Any]:
        """The position after a complete pass: the newest time seen and the ids published at that second."""
        if top is None or (newest is not None and top < newest):
            top, top_ids = newest, sorted(newest_ids)
        elif newest is not None and top == newest:
            top_ids = sorted(newest_ids | set(top_ids))
        return {"newest": top.isoformat(), "ids": top_ids} if top is not None else {}


__all__ = ["YouTubeConnector", "YouTubeSettings", "next_pacific_midnight", "thread_to_mention", "video_id"]
