"""Mastodon: hashtag and public timelines over REST, the same live over the streaming API, search for backfill.

The cursor holds, per followed timeline, the id of the newest status delivered. ``fetch`` pages forward from it
with ``min_id`` (the statuses immediately after it, so nothing in between is skipped); ``stream`` first opens
the server-sent-event streams, then catches up over REST from the cursor, then reads the streams, dropping any
status already delivered: whatever was posted while it was away arrives once, and only once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from baliza.core.clock import utcnow
from baliza.core.i18n import N_, _
from baliza.ingest.connectors import httpio
from baliza.ingest.connectors.base import (
    Clock,
    ConnectorError,
    MentionPage,
    Skipped,
    UnavailableError,
    build_mention,
    dump_cursor,
    excerpt,
    load_cursor,
)
from baliza.ingest.connectors.netguard import check_url_async, redact_url
from baliza.ingest.connectors.rss import static_url_problem
from baliza.ingest.connectors.text import clean_lang, html_to_text
from baliza.ingest.schemas import MentionIn

PAGE_LIMIT = 40  # Mastodon's maximum for timelines
RECENT_IN_CURSOR = 200
_TAG = re.compile(r"^\w{1,100}$")


class MastodonSettings(BaseModel):
    """One Mastodon instance and what to follow on it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    base_url: str = Field(
        max_length=2048,
        title=N_("Instance address"),
        description=N_("The Mastodon server to read, such as https://mastodon.social."),
    )
    access_token: SecretStr | None = Field(
        default=None,
        title=N_("Access token"),
        description=N_("A read-only token from the instance; some instances require one for timelines and search."),
    )
    hashtags: list[str] = Field(
        default_factory=list,
        max_length=50,
        title=N_("Hashtags"),
        description=N_("Hashtags to follow, without the # sign."),
    )
    public: bool = Field(
        default=False,
        title=N_("Public timeline"),
        description=N_("Also follow the whole public timeline (busy on large instances)."),
    )
    local_only: bool = Field(
        default=False,
        title=N_("Local posts only"),
        description=N_("Only posts written on this instance, not those federated from others."),
    )
    streaming_url: str | None = Field(
        default=None,
        max_length=2048,
        title=N_("Streaming address"),
        description=N_("Where the instance serves its streaming API, when not at the instance address."),
    )
    max_pages: int = Field(
        default=5,
        ge=1,
        le=50,
        title=N_("Pages per fetch"),
        description=N_("How many pages of 40 posts one fetch may read per timeline before handing over."),
    )

    @field_validator("base_url", "streaming_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        problem = static_url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value.rstrip("/")

    @field_validator("hashtags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        tags: list[str] = []
        for raw in value:
            tag = raw.strip().lstrip("#")
            if not _TAG.match(tag):
                raise ValueError(_("{tag!r} is not a hashtag (letters, digits and _ only)").format(tag=raw))
            if tag.casefold() not in (t.casefold() for t in tags):
                tags.append(tag)
        return tags

    @model_validator(mode="after")
    def _something_to_follow(self) -> MastodonSettings:
        if not self.hashtags and not self.public:
            raise ValueError(_("follow at least one hashtag or the public timeline"))
        return self


@dataclass(frozen=True)
class Timeline:
    """One followed timeline: its cursor key, its REST path and its streaming path."""

    key: str
    rest_path: str
    stream_path: str
    params: tuple[tuple[str, str], ...] = ()
    stream_params: tuple[tuple[str, str], ...] = ()


def _id_order(status_id: str) -> tuple[int, str]:
    # Mastodon ids are decimal strings of growing length: compare by length first, then digits.
    return (len(status_id), status_id)


def newest_id(*ids: str | None) -> str | None:
    """The newest of several status ids (None ignored)."""
    present = [i for i in ids if i]
    return max(present, key=_id_order) if present else None


def _count(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def status_to_mention(status: Any, *, connector: str = "mastodon") -> MentionIn | Skipped:
    """A Mastodon status (API JSON) as a MentionIn; a boost becomes a repost of the boosted status."""
    if not isinstance(status, dict) or not isinstance(status.get("id"), str):
        return Skipped(
            code="malformed_status",
            message=_("{connector}: a status without an id was skipped.").format(connector=connector),
            excerpt=excerpt(status),
        )
    reblog = status.get("reblog") if isinstance(status.get("reblog"), dict) else None
    source: dict[str, Any] = reblog or status
    text = html_to_text(str(source.get("content") or ""))
    warning = str(source.get("spoiler_text") or "").strip()
    if warning:
        text = f"{warning}\n\n{text}" if text else warning
    raw: dict[str, Any] = {
        "platform": "mastodon",
        "external_id": status["id"],
        "text": text,
        "created_at": status.get("created_at"),
        "url": status.get("url") or status.get("uri"),
        "lang": clean_lang(source.get("language")),
        "likes": _count(source.get("favourites_count")),
        "reposts": _count(source.get("reblogs_count")),
        "replies": _count(source.get("replies_count")),
        "reply_to": status.get("in_reply_to_id") or None,
        "repost_of": str(reblog["id"]) if reblog and reblog.get("id") else None,
    }
    account = status.get("account")
    if isinstance(account, dict) and account.get("acct"):
        raw["author"] = {
            "handle": account["acct"],
            "display_name": account.get("display_name") or None,
            "followers": _count(account.get("followers_count")),
            "url": account.get("url"),
        }
    return build_mention(raw, connector=connector)


class _Recent:
    """The last ``limit`` ids delivered, for dropping repeats in O(1)."""

    def __init__(self, limit: int = 10_000) -> None:
        self._order: deque[str] = deque()
        self._set: set[str] = set()
        self._limit = limit

    def __contains__(self, item: object) -> bool:
        return item in self._set

    def last(self, count: int) -> list[str]:
        """The ``count`` most recent ids, oldest first."""
        return list(self._order)[-count:] if count else []

    def add(self, item: str) -> None:
        """Remember ``item``, forgetting the oldest beyond the limit."""
        if item in self._set:
            return
        self._order.append(item)
        self._set.add(item)
        if len(self._order) > self._limit:
            self._set.discard(self._order.popleft())


class MastodonConnector:
    """Follows hashtags and public timelines on one Mastodon instance."""

    name: ClassVar[str] = "mastodon"
    Settings: ClassVar[type[BaseModel]] = MastodonSettings

    def __init__(
        self,
        settings: MastodonSettings,
        *,
        client: httpx.AsyncClient,
        clock: Clock = utcnow,
        allow_private: bool = False,
    ) -> None:
        self.settings = settings
        self.client = client
        self.clock = clock
        self.allow_private = allow_private
        self.source = _("Mastodon at {url}").format(url=redact_url(settings.base_url))

    # --- plumbing -------------------------------------------------------------------------------------------------

    def timelines(self) -> list[Timeline]:
        """The timelines the settings ask for, with their cursor keys."""
        local = (("local", "true"),) if self.settings.local_only else ()
        found = [
            Timeline(
                key=f"tag:{tag.casefold()}",
                rest_path=f"/api/v1/timelines/tag/{tag}",
                stream_path="/api/v1/streaming/hashtag/local" if local else "/api/v1/streaming/hashtag",
                params=local,
                stream_params=(("tag", tag),),
            )
            for tag in self.settings.hashtags
        ]
        if self.settings.public:
            found.append(
                Timeline(
                    key="public:local" if local else "public",
                    rest_path="/api/v1/timelines/public",
                    stream_path="/api/v1/streaming/public/local" if local else "/api/v1/streaming/public",
                    params=local,
                )
            )
        return found

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.settings.access_token is not None:
            headers["Authorization"] = f"Bearer {self.settings.access_token.get_secret_value()}"
        return headers

    async def _get_list(self, path: str, params: Iterable[tuple[str, str]]) -> list[Any]:
        url = self.settings.base_url + path
        response = await httpio.get(
            self.client,
            url,
            connector=self.name,
            source=self.source,
            now=self.clock(),
            params=dict(params),
            headers=self._headers(),
        )
        data = httpio.read_json(response, connector=self.name, source=self.source)
        if not isinstance(data, list):
            raise UnavailableError(
                _("{source} answered something that is not a list of posts; will try again.").format(
                    source=self.source
                ),
                connector=self.name,
                code="connector_bad_response",
            )
        return data

    def _convert(
        self, statuses: Iterable[Any], since: datetime | None, delivered: _Recent
    ) -> tuple[list[MentionIn], list[Skipped], int]:
        """(new mentions, skipped items, how many were older than ``since``); repeats are dropped."""
        items: list[MentionIn] = []
        skipped: list[Skipped] = []
        older = 0
        for status in statuses:
            result = status_to_mention(status, connector=self.name)
            if isinstance(result, Skipped):
                skipped.append(result)
            elif since is not None and result.created_at < since:
                older += 1
            elif result.external_id not in delivered:
                delivered.add(result.external_id)
                items.append(result)
        return items, skipped, older

    @staticmethod
    def _ids(statuses: Iterable[Any]) -> list[str]:
        return [s["id"] for s in statuses if isinstance(s, dict) and isinstance(s.get("id"), str)]

    async def _forward(self, timeline: Timeline, after: str) -> AsyncIterator[tuple[list[Any], bool]]:
        """Pages of statuses newer than ``after``, oldest page first; the flag says whether more may follow."""
        cursor = after
        for _page in range(self.settings.max_pages):
            statuses = await self._get_list(
                timeline.rest_path, (*timeline.params, ("min_id", cursor), ("limit", str(PAGE_LIMIT)))
            )
            ids = self._ids(statuses)
            if not ids:
                return
            more = len(statuses) >= PAGE_LIMIT
            yield statuses, more
            cursor = newest_id(*ids) or cursor
            if not more:
                return

    # --- polling --------------------------------------------------------------------------------------------------

    async def fetch(self, *, since: datetime, cursor: str | None) -> MentionPage:
        """New statuses on every followed timeline after the cursor (the first time: back to ``since``)."""
        positions, delivered = self._load(cursor)
        await check_url_async(self.settings.base_url, allow_private=self.allow_private)
        items: list[MentionIn] = []
        skipped: list[Skipped] = []
        has_more = False
        for timeline in self.timelines():
            last = positions.get(timeline.key)
            if last:
                async for statuses, more in self._forward(timeline, last):
                    got, bad, _older = self._convert(statuses, since, delivered)
                    items += got
                    skipped += bad
                    last = newest_id(last, *self._ids(statuses))
                    has_more = has_more or more
            else:
                # An empty timeline starts at "0": everything posted from now on is after it.
                last = await self._first_run(timeline, since, delivered, items, skipped) or "0"
            if last:
                positions[timeline.key] = last
        items.sort(key=lambda m: m.created_at)
        return MentionPage(items=items, cursor=self._dump(positions, delivered), has_more=has_more, skipped=skipped)

    def _load(self, cursor: str | None) -> tuple[dict[str, str], _Recent]:
        state = load_cursor(cursor, connector=self.name)
        timelines = state.get("timelines")
        positions = {
            str(key): value
            for key, value in (timelines.items() if isinstance(timelines, dict) else ())
            if isinstance(value, str) and value
        }
        delivered = _Recent()
        for ident in state.get("recent") or ():
            if isinstance(ident, str):
                delivered.add(ident)
        return positions, delivered

    @staticmethod
    def _dump(positions: dict[str, str], delivered: _Recent) -> str:
        # The last ids delivered travel with the cursor, so that a status seen on two timelines is not
        # delivered again after a restart by the timeline whose position had not moved past it yet.
        return dump_cursor({"timelines": positions, "recent": delivered.last(RECENT_IN_CURSOR)})

    async def _first_run(
        self,
        timeline: Timeline,
        since: datetime,
        delivered: _Recent,
        items: list[MentionIn],
        skipped: list[Skipped],
    ) -> str | None:
        """Page back from the newest status to ``since`` (at most ``max_pages``); returns the newest id.

        Stopping at ``max_pages`` is not a has_more: the cursor then points at the newest status, so asking again
        would not go further back; a deeper backfill is what ``search`` is for.
        """
        newest: str | None = None
        max_id: str | None = None
        for _page in range(self.settings.max_pages):
            params = [*timeline.params, ("limit", str(PAGE_LIMIT))]
            if max_id is not None:
                params.append(("max_id", max_id))
            statuses = await self._get_list(timeline.rest_path, params)
            ids = self._ids(statuses)
            if not ids:
                break
            newest = newest_id(newest, *ids)
            got, bad, older = self._convert(statuses, since, delivered)
            items += got
            skipped += bad
            if older or len(statuses) < PAGE_LIMIT:
                break
            max_id = min(ids, key=_id_order)
        return newest

    # --- search (backfill) ----------------------------------------------------------------------------------------

    async def search(self, query: str, *, since: datetime, cursor: str | None = None) -> MentionPage:
        """One page of ``/api/v2/search`` statuses for ``query``, newest first; the cursor pages further back."""
        state = load_cursor(cursor, connector=self.name)
        await check_url_async(self.settings.base_url, allow_private=self.allow_private)
        params: dict[str, str] = {"q": query, "type": "statuses", "limit": str(PAGE_LIMIT), "resolve": "false"}
        before = state.get("max_id") if isinstance(state.get("max_id"), str) else None
        if before:
            params["max_id"] = before
        response = await httpio.get(
            self.client,
            self.settings.base_url + "/api/v2/search",
            connector=self.name,
            source=self.source,
            now=self.clock(),
            params=params,
            headers=self._headers(),
        )
        data = httpio.read_json(response, connector=self.name, source=self.source)
        statuses = data.get("statuses") if isinstance(data, dict) else None
        if not isinstance(statuses, list):
            raise UnavailableError(
                _("{source} answered something that is not a list of posts; will try again.").format(
                    source=self.source
                ),
                connector=self.name,
                code="connector_bad_response",
            )
        # Instances that ignore max_id would send the same page again: keep only what is older than the cursor.
        if before:
            limit = _id_order(before)
            statuses = [s for s in statuses if not isinstance(s, dict) or _id_order(str(s.get("id"))) < limit]
        items, skipped, older = self._convert(statuses, since, _Recent())
        ids = self._ids(statuses)
        oldest = min(ids, key=_id_order) if ids else before
        has_more = bool(ids) and len(statuses) >= PAGE_LIMIT and not older
        items.sort(key=lambda m: m.created_at)
        return MentionPage(
            items=items, cursor=dump_cursor({"max_id": oldest} if oldest else {}), has_more=has_more, skipped=skipped
        )

    # --- streaming ------------------------------------------------------------------------------------------------

    async def _open(self, stack: contextlib.AsyncExitStack, timeline: Timeline) -> httpx.Response:
        base = self.settings.streaming_url or self.settings.base_url
        await check_url_async(base, allow_private=self.allow_private)
        request = self.client.build_request(
            "GET",
            base + timeline.stream_path,
            params=dict((*timeline.params, *timeline.stream_params)),
            headers={**self._headers(), "Accept": "text/event-stream"},
            timeout=httpio.STREAM_TIMEOUT,
        )
        try:
            response = await self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise httpio.transport_error(exc, connector=self.name, source=self.source) from exc
        stack.push_async_callback(response.aclose)
        if response.status_code >= 400:
            await response.aread()
        httpio.raise_for_status(response, connector=self.name, source=self.source, now=self.clock())
        return response

    async def _read(self, timeline: Timeline, response: httpx.Response, queue: asyncio.Queue[Any]) -> None:
        """Server-sent events of one stream into ``queue`` as (timeline, event, data); a drop as an error."""
        event = "message"
        data: list[str] = []
        try:
            async for line in response.aiter_lines():
                if not line:
                    if data:
                        queue.put_nowait((timeline, event, "\n".join(data)))
                    event, data = "message", []
                elif line.startswith(":"):
                    continue  # a heartbeat comment
                else:
                    field, _sep, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if field == "event":
                        event = value
                    elif field == "data":
                        data.append(value)
            reason = "closed"
        except httpx.HTTPError as exc:
            reason = type(exc).__name__
        queue.put_nowait(httpio.disconnected(connector=self.name, source=self.source, reason=reason))

    async def stream(self, *, cursor: str | None) -> AsyncIterator[MentionPage]:
        """Live statuses from the streaming API, after catching up over REST from ``cursor``."""
        positions, delivered = self._load(cursor)
        queue: asyncio.Queue[Any] = asyncio.Queue()
        tasks: list[asyncio.Task[None]] = []
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(_cancel, tasks)
            # Subscribe first, catch up second: a status posted in between is in both, and dropped once.
            timelines = self.timelines()
            for timeline in timelines:
                response = await self._open(stack, timeline)
                tasks.append(asyncio.create_task(self._read(timeline, response, queue)))
            for timeline in timelines:
                last = positions.get(timeline.key)
                if not last:
                    continue
                async for statuses, more in self._forward(timeline, last):
                    items, skipped, _older = self._convert(statuses, None, delivered)
                    positions[timeline.key] = newest_id(last, *self._ids(statuses)) or last
                    last = positions[timeline.key]
                    items.sort(key=lambda m: m.created_at)
                    yield MentionPage(
                        items=items, cursor=self._dump(positions, delivered), has_more=more, skipped=skipped
                    )
            saved = self._dump(positions, delivered)
            while True:
                got = await queue.get()
                if isinstance(got, ConnectorError):
                    raise got
                timeline, event, data = got
                if event != "update":
                    continue  # deletions, edits and notifications are not new mentions
                try:
                    status = json.loads(data)
                except ValueError:
                    yield MentionPage(
                        items=[],
                        cursor=saved,
                        skipped=[
                            Skipped(
                                code="malformed_event",
                                message=_("{source}: an event that is not valid JSON was skipped.").format(
                                    source=self.source
                                ),
                                excerpt=excerpt(data),
                            )
                        ],
                    )
                    continue
                items, skipped, _older = self._convert([status], None, delivered)
                moved = newest_id(positions.get(timeline.key), *self._ids([status]))
                if moved:
                    positions[timeline.key] = moved
                current = self._dump(positions, delivered)
                # A repeat (seen on another timeline) still moves this timeline's position: save it too.
                if items or skipped or current != saved:
                    saved = current
                    yield MentionPage(items=items, cursor=current, skipped=skipped)


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


__all__ = ["MastodonConnector", "MastodonSettings", "Timeline", "newest_id", "status_to_mention"]
