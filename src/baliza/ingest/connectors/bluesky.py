"""Bluesky: live posts from a Jetstream websocket, filtered by the watch rules' terms; search for backfill.

Jetstream replays from a ``cursor`` (a unix time in microseconds). Ours is the ``time_us`` of the last event
read; on resume we ask for a few seconds earlier (events near a disconnect may not all have been read) and drop
the posts already delivered, which the cursor lists by ``did/rkey`` for that rewind window. So a restart has no
gap and no duplicate. Quiet stretches (nothing matching) still move the cursor: every ``checkpoint_every``
events a page with no items carries the new position.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

import httpx
import websockets
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from websockets.asyncio.client import ClientConnection, connect

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
from baliza.ingest.connectors.netguard import WS_SCHEMES, check_url_async, redact_url
from baliza.ingest.connectors.rss import static_url_problem
from baliza.ingest.connectors.text import TermFilter, clean_lang
from baliza.ingest.schemas import MentionIn

POST = "app.bsky.feed.post"
TAG_FEATURE = "app.bsky.richtext.facet#tag"
SEARCH_LIMIT = 100
RECENT_SEARCH = 500


class BlueskySettings(BaseModel):
    """Where to read Bluesky and what to look for."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    keywords: list[str] = Field(
        default_factory=list,
        max_length=500,
        title=N_("Keywords"),
        description=N_("Words or phrases to look for (whole words, any case); usually the watch rules' terms."),
    )
    hashtags: list[str] = Field(
        default_factory=list,
        max_length=500,
        title=N_("Hashtags"),
        description=N_("Hashtags to look for, without the # sign."),
    )
    languages: list[str] = Field(
        default_factory=list,
        title=N_("Languages"),
        description=N_("Only posts in these languages (such as es, en); empty for all."),
    )
    jetstream_url: str = Field(
        default="wss://jetstream2.us-east.bsky.network/subscribe",
        max_length=2048,
        title=N_("Jetstream address"),
        description=N_("The Jetstream websocket to read live posts from."),
    )
    service_url: str = Field(
        default="https://public.api.bsky.app",
        max_length=2048,
        title=N_("Search service"),
        description=N_("Where to search past posts without logging in."),
    )
    pds_url: str = Field(
        default="https://bsky.social",
        max_length=2048,
        title=N_("Account server"),
        description=N_("The server of the account below; searches go through it when an account is set."),
    )
    identifier: str | None = Field(
        default=None,
        max_length=256,
        title=N_("Account"),
        description=N_("Handle of a Bluesky account for searching (optional)."),
    )
    app_password: SecretStr | None = Field(
        default=None,
        title=N_("App password"),
        description=N_("An app password of that account (Settings > App passwords), never the main password."),
    )
    rewind_seconds: float = Field(
        default=5.0,
        ge=0,
        le=600,
        title=N_("Rewind on resume"),
        description=N_("Seconds to replay before the saved position when reconnecting, so that nothing is missed."),
    )
    checkpoint_every: int = Field(
        default=1000,
        ge=1,
        le=1_000_000,
        title=N_("Save the position every"),
        description=N_("Events read between two saves of the position when nothing matches."),
    )

    @field_validator("jetstream_url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        try:
            parsed = httpx.URL(value)
        except (httpx.InvalidURL, TypeError, ValueError):
            raise ValueError(_("is not a valid web address")) from None
        if parsed.scheme not in WS_SCHEMES or not parsed.host or parsed.userinfo:
            raise ValueError(_("must be a websocket address starting with wss:// or ws://"))
        return value

    @field_validator("service_url", "pds_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        problem = static_url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value.rstrip("/")

    @model_validator(mode="after")
    def _account(self) -> BlueskySettings:
        if (self.identifier is None) != (self.app_password is None):
            raise ValueError(_("give both the account and its app password, or neither"))
        return self


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _uri_parts(record: Mapping[str, Any], *path: str) -> str | None:
    node: Any = record
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, str) and node else None


def record_tags(record: Mapping[str, Any]) -> list[str]:
    """The hashtags of a post record: its facets' tag features and its ``tags`` field."""
    tags = [t for t in record.get("tags") or () if isinstance(t, str)]
    for facet in record.get("facets") or ():
        for feature in facet.get("features") or () if isinstance(facet, Mapping) else ():
            if isinstance(feature, Mapping) and feature.get("$type") == TAG_FEATURE:
                tag = feature.get("tag")
                if isinstance(tag, str):
                    tags.append(tag)
    return tags


def _post_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    embed = record.get("embed")
    quote = None
    if isinstance(embed, Mapping):
        quote = _uri_parts(embed, "record", "uri") or _uri_parts(embed, "record", "record", "uri")
    langs = record.get("langs")
    return {
        "text": record.get("text") if isinstance(record.get("text"), str) else "",
        "lang": clean_lang(langs[0]) if isinstance(langs, list) and langs else None,
        "reply_to": _uri_parts(record, "reply", "parent", "uri"),
        "quote_of": quote,
    }


def _count(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def jetstream_to_mention(event: Mapping[str, Any], *, connector: str = "bluesky") -> MentionIn | Skipped:
    """A Jetstream ``commit`` event creating a post, as a MentionIn."""
    did = event.get("did")
    commit = event.get("commit") or {}
    record = commit.get("record")
    rkey = commit.get("rkey")
    if not (isinstance(did, str) and isinstance(rkey, str) and isinstance(record, Mapping)):
        return Skipped(
            code="malformed_event",
            message=_("{connector}: an event without did, rkey or record was skipped.").format(connector=connector),
            excerpt=excerpt(event),
        )
    time_us = event.get("time_us")
    created = _parse_time(record.get("createdAt"))
    if created is None and isinstance(time_us, int):
        created = datetime.fromtimestamp(time_us / 1_000_000, tz=UTC)
    raw = {
        "platform": "bluesky",
        "external_id": f"at://{did}/{POST}/{rkey}",
        "created_at": created,
        "url": f"https://bsky.app/profile/{did}/post/{rkey}",
        "author": {"handle": did},
        **_post_fields(record),
    }
    return build_mention(raw, connector=connector)


def post_view_to_mention(post: Any, *, connector: str = "bluesky") -> MentionIn | Skipped:
    """A search result (``app.bsky.feed.defs#postView``) as a MentionIn."""
    if not isinstance(post, Mapping) or not isinstance(post.get("uri"), str):
        return Skipped(
            code="malformed_post",
            message=_("{connector}: a search result without a uri was skipped.").format(connector=connector),
            excerpt=excerpt(post),
        )
    record = as_mapping(post.get("record"))
    author = as_mapping(post.get("author"))
    uri: str = post["uri"]
    handle = author.get("handle") or author.get("did")
    rkey = uri.rsplit("/", 1)[-1]
    raw: dict[str, Any] = {
        "platform": "bluesky",
        "external_id": uri,
        "created_at": _parse_time(record.get("createdAt")) or _parse_time(post.get("indexedAt")),
        "url": f"https://bsky.app/profile/{handle}/post/{rkey}" if handle else None,
        "likes": _count(post.get("likeCount")),
        "reposts": _count(post.get("repostCount")),
        "replies": _count(post.get("replyCount")),
        "quotes": _count(post.get("quoteCount")),
        **_post_fields(record),
    }
    if handle:
        raw["author"] = {"handle": handle, "display_name": author.get("displayName") or None}
    return build_mention(raw, connector=connector)


class _Window:
    """Keys of posts delivered recently, with their ``time_us``, pruned to the rewind window."""

    def __init__(self, entries: Iterable[Any] = ()) -> None:
        self._times: dict[str, int] = {}
        for entry in entries:
            if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], int) and isinstance(entry[1], str):
                self._times[entry[1]] = entry[0]

    def __contains__(self, key: object) -> bool:
        return key in self._times

    def add(self, key: str, time_us: int) -> None:
        """Remember ``key``, delivered at ``time_us``."""
        self._times[key] = time_us

    def prune(self, before_us: int) -> None:
        """Forget keys older than ``before_us``: a resume never rewinds that far."""
        self._times = {key: t for key, t in self._times.items() if t >= before_us}

    def dump(self) -> list[list[Any]]:
        """[[time_us, key], ...], oldest first, for the cursor."""
        return [[t, key] for key, t in sorted(self._times.items(), key=lambda kv: kv[1])]


class BlueskyConnector:
    """Follows Bluesky live through Jetstream and searches it for backfill."""

    name: ClassVar[str] = "bluesky"
    Settings: ClassVar[type[BaseModel]] = BlueskySettings

    def __init__(
        self,
        settings: BlueskySettings,
        *,
        client: httpx.AsyncClient,
        clock: Clock = utcnow,
        allow_private: bool = False,
    ) -> None:
        self.settings = settings
        self.client = client
        self.clock = clock
        self.allow_private = allow_private
        self.filter = TermFilter(settings.keywords, settings.hashtags)
        self.languages = tuple(lang.casefold() for lang in settings.languages)
        self.source = _("Bluesky Jetstream at {url}").format(url=redact_url(settings.jetstream_url))
        self.search_source = _("Bluesky search at {url}").format(url=redact_url(self._search_base()))
        self._token: str | None = None

    # --- live -----------------------------------------------------------------------------------------------------

    def wanted(self, record: Mapping[str, Any]) -> bool:
        """Does a post record match the keywords/hashtags (and languages)?"""
        if self.languages:
            langs = [str(lang).casefold() for lang in record.get("langs") or ()]
            if not any(lang.split("-")[0] in self.languages or lang in self.languages for lang in langs):
                return False
        text = record.get("text")
        return self.filter.matches(text if isinstance(text, str) else "", record_tags(record))

    def subscribe_url(self, resume_from: int | None) -> str:
        """The Jetstream URL for posts only, from ``resume_from`` (unix microseconds) when given."""
        params: list[tuple[str, str]] = [("wantedCollections", POST)]
        if resume_from is not None:
            params.append(("cursor", str(resume_from)))
        separator = "&" if "?" in self.settings.jetstream_url else "?"
        return self.settings.jetstream_url + separator + urlencode(params)

    async def _connect(self, stack: contextlib.AsyncExitStack, url: str) -> ClientConnection:
        addresses = await check_url_async(url, allow_private=self.allow_private, schemes=WS_SCHEMES)
        target = httpx.URL(url)
        extra: dict[str, Any] = {}
        if addresses:
            # Connect to the address that was checked, not to whatever the name resolves to a moment later.
            extra = {"host": addresses[0], "port": target.port or (443 if target.scheme == "wss" else 80)}
            if target.scheme == "wss":
                extra["server_hostname"] = target.host
        try:
            return await stack.enter_async_context(
                connect(
                    url,
                    proxy=None,
                    open_timeout=10,
                    ping_interval=20,
                    ping_timeout=20,
                    close_timeout=5,
                    max_size=2**20,
                    **extra,
                )
            )
        except websockets.exceptions.InvalidStatus as exc:
            status = exc.response.status_code
            headers = dict(exc.response.headers.raw_items())
            if status == 429:
                seconds = httpio.retry_after(headers, now=self.clock())
                raise RateLimitedError(
                    _("{source} asked us to slow down; trying again in {seconds} seconds.").format(
                        source=self.source, seconds=seconds
                    ),
                    connector=self.name,
                    retry_after=seconds,
                    details={"status": status},
                ) from exc
            if status in (401, 403):
                raise AuthError(
                    _(
                        "{source} refused the connector's credentials (HTTP {status}); check them in the connector "
                        "settings."
                    ).format(source=self.source, status=status),
                    connector=self.name,
                    details={"status": status},
                ) from exc
            raise UnavailableError(
                _("{source} is failing (HTTP {status}); will try again.").format(source=self.source, status=status),
                connector=self.name,
                code="connector_server_error",
                details={"status": status},
            ) from exc
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as exc:
            raise UnavailableError(
                _("Could not connect to {source}; will try again.").format(source=self.source),
                connector=self.name,
                code="connector_unreachable",
                details={"reason": type(exc).__name__},
            ) from exc

    async def stream(self, *, cursor: str | None) -> AsyncIterator[MentionPage]:
        """Matching posts as they are published, resuming (with a rewind) from ``cursor``."""
        state = load_cursor(cursor, connector=self.name)
        last = state.get("time_us") if isinstance(state.get("time_us"), int) else None
        window = _Window(state.get("recent") or ())
        rewind_us = int(self.settings.rewind_seconds * 1_000_000)
        resume_from = max(0, last - rewind_us) if last is not None else None

        def position() -> str | None:
            if last is None:
                return cursor
            window.prune(last - rewind_us)
            return dump_cursor({"time_us": last, "recent": window.dump()})

        unsaved = 0
        async with contextlib.AsyncExitStack() as stack:
            ws = await self._connect(stack, self.subscribe_url(resume_from))
            try:
                async for message in ws:
                    try:
                        event = json.loads(message)
                    except ValueError:
                        event = None
                    if not isinstance(event, dict) or not isinstance(event.get("time_us"), int):
                        yield MentionPage(
                            items=[],
                            cursor=position(),
                            skipped=[
                                Skipped(
                                    code="malformed_event",
                                    message=_("{source}: an event that is not a Jetstream event was skipped.").format(
                                        source=self.source
                                    ),
                                    excerpt=excerpt(message),
                                )
                            ],
                        )
                        continue
                    time_us: int = event["time_us"]
                    last = time_us if last is None else max(last, time_us)
                    unsaved += 1
                    result = self._consider(event, window)
                    if result is None:
                        if unsaved >= self.settings.checkpoint_every:
                            unsaved = 0
                            yield MentionPage(items=[], cursor=position())
                        continue
                    unsaved = 0
                    if isinstance(result, Skipped):
                        yield MentionPage(items=[], cursor=position(), skipped=[result])
                    else:
                        window.add(self._key(event), time_us)
                        yield MentionPage(items=[result], cursor=position())
            except websockets.exceptions.ConnectionClosed as exc:
                raise httpio.disconnected(connector=self.name, source=self.source, reason=type(exc).__name__) from exc
            raise httpio.disconnected(connector=self.name, source=self.source, reason="closed")

    @staticmethod
    def _key(event: Mapping[str, Any]) -> str:
        return f"{event.get('did')}/{(event.get('commit') or {}).get('rkey')}"

    def _consider(self, event: Mapping[str, Any], window: _Window) -> MentionIn | Skipped | None:
        """The mention an event brings, a Skipped when it is broken, None when it is not for us."""
        commit = event.get("commit")
        if event.get("kind") != "commit" or not isinstance(commit, Mapping):
            return None  # identity and account events
        if commit.get("collection") != POST or commit.get("operation") != "create":
            return None  # likes, follows, edits and deletions are not new mentions
        record = commit.get("record")
        if not isinstance(record, Mapping):
            return jetstream_to_mention(event, connector=self.name)
        if self._key(event) in window or not self.wanted(record):
            return None
        return jetstream_to_mention(event, connector=self.name)

    # --- search ---------------------------------------------------------------------------------------------------

    def _search_base(self) -> str:
        return self.settings.pds_url if self.settings.identifier else self.settings.service_url

    async def _login(self) -> str:
        assert self.settings.identifier is not None and self.settings.app_password is not None
        await check_url_async(self.settings.pds_url, allow_private=self.allow_private)
        data = await httpio.post_json(
            self.client,
            self.settings.pds_url + "/xrpc/com.atproto.server.createSession",
            {"identifier": self.settings.identifier, "password": self.settings.app_password.get_secret_value()},
            connector=self.name,
            source=self.search_source,
            now=self.clock(),
        )
        token = data.get("accessJwt") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise AuthError(
                _("{source} did not open a session for {account}; check the account and app password.").format(
                    source=self.search_source, account=self.settings.identifier
                ),
                connector=self.name,
            )
        return token

    async def _search_get(self, base: str, params: Mapping[str, str]) -> httpx.Response:
        headers = {"Accept": "application/json"}
        if self.settings.identifier:
            if self._token is None:
                self._token = await self._login()
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            return await self.client.get(
                base + "/xrpc/app.bsky.feed.searchPosts", params=params, headers=headers, timeout=httpio.TIMEOUT
            )
        except httpx.HTTPError as exc:
            raise httpio.transport_error(exc, connector=self.name, source=self.search_source) from exc

    def _token_refused(self, response: httpx.Response) -> bool:
        return (
            self._token is not None
            and response.status_code in (400, 401)
            and _xrpc_error(response) in ("ExpiredToken", "InvalidToken")
        )

    async def _search_call(self, params: Mapping[str, str]) -> Any:
        base = self._search_base()
        await check_url_async(base, allow_private=self.allow_private)
        response = await self._search_get(base, params)
        if self._token_refused(response):
            self._token = None  # the session expired: log in again, once
            response = await self._search_get(base, params)
            if self._token_refused(response):
                raise AuthError(
                    _(
                        "{source} refused the connector's credentials (HTTP {status}); check them in the connector "
                        "settings."
                    ).format(source=self.search_source, status=response.status_code),
                    connector=self.name,
                    details={"status": response.status_code},
                )
        httpio.raise_for_status(response, connector=self.name, source=self.search_source, now=self.clock())
        return httpio.read_json(response, connector=self.name, source=self.search_source)

    async def search(self, query: str, *, since: datetime, cursor: str | None = None) -> MentionPage:
        """One page of ``app.bsky.feed.searchPosts`` for ``query``, newest first, back to ``since``."""
        params = {
            "q": query,
            "sort": "latest",
            "limit": str(SEARCH_LIMIT),
            "since": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        if cursor:
            params["cursor"] = cursor
        data = await self._search_call(params)
        posts = data.get("posts") if isinstance(data, dict) else None
        if not isinstance(posts, list):
            raise UnavailableError(
                _("{source} answered something that is not a list of posts; will try again.").format(
                    source=self.search_source
                ),
                connector=self.name,
                code="connector_bad_response",
            )
        items: list[MentionIn] = []
        skipped: list[Skipped] = []
        older = 0
        for post in posts:
            result = post_view_to_mention(post, connector=self.name)
            if isinstance(result, Skipped):
                skipped.append(result)
            elif result.created_at < since:
                older += 1
            else:
                items.append(result)
        following = data.get("cursor") if isinstance(data.get("cursor"), str) else None
        has_more = bool(following) and bool(posts) and not older
        items.sort(key=lambda m: m.created_at)
        return MentionPage(items=items, cursor=following if has_more else None, has_more=has_more, skipped=skipped)

    async def fetch(self, *, since: datetime, cursor: str | None) -> MentionPage:
        """Search every keyword and hashtag in turn, one page per call; then start again from where it began.

        The live path is ``stream``; this is backfill, and a slow poll where a websocket is not an option.
        """
        state = load_cursor(cursor, connector=self.name)
        terms = [*self.filter.keywords, *(f"#{tag}" for tag in sorted(self.filter.hashtags))]
        recent = [uri for uri in state.get("recent") or () if isinstance(uri, str)]
        if not terms:
            return MentionPage(items=[], cursor=dump_cursor(state), has_more=False)
        raw_index = state.get("term")
        index = raw_index if isinstance(raw_index, int) and 0 <= raw_index < len(terms) else 0
        started = _parse_time(state.get("started")) or self.clock()
        floor = _parse_time(state.get("from"))
        lower = max(since, floor - timedelta(seconds=self.settings.rewind_seconds)) if floor else since
        page = await self.search(terms[index], since=lower, cursor=state.get("page") or None)
        seen = set(recent)
        fresh = [item for item in page.items if item.external_id not in seen]
        recent = (recent + [item.external_id for item in fresh])[-RECENT_SEARCH:]
        next_state: dict[str, Any] = {"recent": recent, "from": state.get("from"), "started": started.isoformat()}
        if page.has_more:
            next_state.update(term=index, page=page.cursor)
            more = True
        elif index + 1 < len(terms):
            next_state.update(term=index + 1, page=None)
            more = True
        else:
            # A full pass is done: the next one only needs what was posted since this one started.
            next_state = {"term": 0, "page": None, "from": started.isoformat(), "recent": recent}
            more = False
        return MentionPage(items=fresh, cursor=dump_cursor(next_state), has_more=more, skipped=page.skipped)


def _xrpc_error(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) else None


__all__ = [
    "BlueskyConnector",
    "BlueskySettings",
    "jetstream_to_mention",
    "post_view_to_mention",
    "record_tags",
]
