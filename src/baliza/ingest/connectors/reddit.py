"""Reddit through Async PRAW with an application-only token: new posts and comments of chosen subreddits, and a
site-wide search, by polling.

Async PRAW (over aiohttp) fetches and renews the token, retries a request once after a 401 or a 5xx, and
reads Reddit's ``x-ratelimit-*`` headers. Its session resolves host names through the network guard, and every
address is checked before each request (Async PRAW never follows redirects).

Listings are newest first. The cursor keeps, per listing, the newest item delivered (its fullname and time):
``fetch`` asks for what came after it with ``before=<fullname>``, page by page towards the present. When that
answer is empty the newest page is read too, because an empty answer also means the anchor item was deleted or
removed; then whatever is newer than its time (and not delivered lately) is delivered, and the anchor moves.

When Reddit's request budget runs out, Async PRAW would sleep inside the next call until the reset; instead the
fetch hands over what it has read (``has_more``) and the next one raises RateLimitedError until the reset, so
the runner's backoff and the health status show the wait.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import aiohttp
import asyncpraw
import asyncpraw.exceptions
import asyncprawcore
import httpx
import orjson
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
from baliza.ingest.connectors.netguard import GuardedResolver, UnsafeURLError, check_url_async, redact_url
from baliza.ingest.connectors.rss import static_url_problem
from baliza.ingest.schemas import MentionIn

log = logging.getLogger(__name__)

PAGE_LIMIT = 100  # Reddit's maximum for listings
RECENT_IN_CURSOR = 500
TIMEOUT_SECONDS = 20
TOKEN_PATH = "/api/v1/access_token"
_SUBREDDIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")
_KINDS = ("t3", "t1")  # posts (links) and comments
_CLOSED = ("private", "quarantined", "gold_only", "banned")  # a 403's reasons that mean "this subreddit only"


class RedditSettings(BaseModel):
    """A Reddit app's credentials and what to read."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    client_id: str = Field(
        min_length=1,
        max_length=64,
        title=N_("Client id"),
        description=N_("The id of a Reddit app of type script or web (reddit.com/prefs/apps)."),
    )
    client_secret: SecretStr = Field(
        title=N_("Client secret"),
        description=N_("The app's secret."),
    )
    user_agent: str = Field(
        min_length=8,
        max_length=256,
        title=N_("User agent"),
        description=N_(
            "How the app introduces itself, as Reddit requires: platform:app-id:version (by /u/your-username)."
        ),
    )
    subreddits: list[str] = Field(
        default_factory=list,
        max_length=100,
        title=N_("Subreddits"),
        description=N_("Subreddits to read, without r/."),
    )
    comments: bool = Field(
        default=True,
        title=N_("Comments too"),
        description=N_("Also read the new comments in those subreddits, not only the new posts."),
    )
    query: str | None = Field(
        default=None,
        max_length=512,
        title=N_("Search query"),
        description=N_("Also search all of Reddit for posts matching this query, newest first."),
    )
    auth_url: str = Field(
        default="https://www.reddit.com",
        max_length=2048,
        title=N_("Login address"),
        description=N_("Where Reddit hands out access tokens."),
    )
    api_url: str = Field(
        default="https://oauth.reddit.com",
        max_length=2048,
        title=N_("API address"),
        description=N_("Where the Reddit API is served to apps with a token."),
    )
    max_pages: int = Field(
        default=5,
        ge=1,
        le=50,
        title=N_("Pages per fetch"),
        description=N_("How many pages of 100 items one fetch may read per listing."),
    )

    @field_validator("auth_url", "api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        problem = static_url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value.rstrip("/")

    @field_validator("subreddits")
    @classmethod
    def _subreddits(cls, value: list[str]) -> list[str]:
        found: list[str] = []
        for raw in value:
            name = raw.strip().removeprefix("/").removeprefix("r/").removesuffix("/")
            if not _SUBREDDIT.match(name):
                raise ValueError(_("{name!r} is not a subreddit name").format(name=raw))
            if name.casefold() not in (f.casefold() for f in found):
                found.append(name)
        return found

    @field_validator("query")
    @classmethod
    def _query(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _something_to_read(self) -> RedditSettings:
        if not self.subreddits and not self.query:
            raise ValueError(_("give at least one subreddit or a search query"))
        return self


def _count(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and value >= 0 else 0


def _created(data: Mapping[str, Any]) -> datetime | None:
    value = data.get("created_utc")
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def thing_to_mention(thing: Any, *, connector: str = "reddit") -> MentionIn | Skipped:
    """A listing child (``t3`` post or ``t1`` comment) as a MentionIn."""
    kind = as_mapping(thing).get("kind")
    data = as_mapping(as_mapping(thing).get("data"))
    fullname = data.get("name")
    if kind not in _KINDS or not isinstance(fullname, str) or not fullname:
        return Skipped(
            code="malformed_item",
            message=_("{connector}: an item that is not a post or a comment was skipped.").format(connector=connector),
            excerpt=excerpt(thing),
        )
    if kind == "t3":
        title = str(data.get("title") or "").strip()
        body = str(data.get("selftext") or "").strip()
        text = f"{title}\n\n{body}" if title and body else title or body
        replies = _count(data.get("num_comments"))
        reply_to = None
        repost_of = data.get("crosspost_parent") if isinstance(data.get("crosspost_parent"), str) else None
    else:
        text = str(data.get("body") or "")
        replies = 0
        reply_to = data.get("parent_id") if isinstance(data.get("parent_id"), str) else None
        repost_of = None
    permalink = data.get("permalink")
    raw: dict[str, Any] = {
        "platform": "reddit",
        "external_id": fullname,
        "text": text,
        "created_at": _created(data),
        "url": f"https://www.reddit.com{permalink}"
        if isinstance(permalink, str) and permalink.startswith("/")
        else None,
        "likes": _count(data.get("ups")),
        "replies": replies,
        "reply_to": reply_to,
        "repost_of": repost_of,
    }
    author = data.get("author")
    if isinstance(author, str) and author and author != "[deleted]":
        raw["author"] = {"handle": author, "url": f"https://www.reddit.com/user/{author}"}
    return build_mention(raw, connector=connector)


class _SourceError(Exception):
    """One subreddit cannot be read (private, banned, missing); the others can."""

    def __init__(self, code: str, status: int) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


class _BudgetSpentError(RateLimitedError):
    """Reddit's request budget is spent until it resets: nothing was sent."""


@dataclass
class Listing:
    """One listing to follow: its cursor key, its path, and whether ``before=`` pages forward on it."""

    key: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    forward: bool = True
    subreddit: str | None = None


@dataclass
class _Read:
    """What reading one listing gave."""

    items: list[MentionIn] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    anchor: str | None = None
    at: float | None = None
    more: bool = False


class _Requestor(asyncprawcore.Requestor):
    """Async PRAW's requestor, handing the connector each answer with its body, read while the connection is still
    open: the headers carry Reddit's request budget, a 403's body says why."""

    def __init__(self, *, on_answer: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_answer = on_answer

    @asynccontextmanager
    async def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> AsyncIterator[Any]:
        async with super().request(*args, timeout=timeout, **kwargs) as response:
            self._on_answer(response, await response.read())
            yield response


class RedditConnector:
    """Polls subreddits' new posts and comments, and a site-wide search, with an app-only token (Async PRAW)."""

    name: ClassVar[str] = "reddit"
    Settings: ClassVar[type[BaseModel]] = RedditSettings

    def __init__(
        self,
        settings: RedditSettings,
        *,
        client: httpx.AsyncClient | None = None,
        clock: Clock = utcnow,
        allow_private: bool = False,
    ) -> None:
        # ``client`` is part of every connector's signature; Reddit's HTTP goes through Async PRAW's aiohttp.
        del client
        self.settings = settings
        self.clock = clock
        self.allow_private = allow_private
        self._reddit: asyncpraw.Reddit | None = None
        self._paused_until: datetime | None = None
        self._last_answer: tuple[aiohttp.ClientResponse, bytes] | None = None

    @property
    def source(self) -> str:
        """How errors name the API, in the reader's language."""
        return _("Reddit at {url}").format(url=redact_url(self.settings.api_url))

    @property
    def auth_source(self) -> str:
        """How errors name the login service, in the reader's language."""
        return _("Reddit (login at {url})").format(url=redact_url(self.settings.auth_url))

    def listings(self) -> list[Listing]:
        """The listings the settings ask for."""
        found: list[Listing] = []
        for sub in self.settings.subreddits:
            found.append(Listing(key=f"new:{sub.casefold()}", path=f"/r/{sub}/new", subreddit=sub))
            if self.settings.comments:
                found.append(Listing(key=f"comments:{sub.casefold()}", path=f"/r/{sub}/comments", subreddit=sub))
        if self.settings.query:
            found.append(
                Listing(
                    key="search",
                    path="/search",
                    params={"q": self.settings.query, "sort": "new", "t": "all", "type": "link"},
                    forward=False,  # search ignores before=: it is always read from the top
                )
            )
        return found

    # --- the Async PRAW client ------------------------------------------------------------------------------------

    def _client(self) -> asyncpraw.Reddit:
        """The Reddit client, made on first use (aiohttp wants a running loop); ``aclose`` releases it."""
        if self._reddit is None:
            resolver = None if self.allow_private else GuardedResolver()
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(resolver=resolver, limit=10),
                trust_env=False,  # no proxy from the environment: the guard decides what is reached
            )
            self._reddit = asyncpraw.Reddit(
                client_id=self.settings.client_id,
                client_secret=self.settings.client_secret.get_secret_value(),
                user_agent=self.settings.user_agent,
                reddit_url=self.settings.auth_url,
                oauth_url=self.settings.api_url,
                check_for_updates=False,  # never call PyPI from a server
                timeout=TIMEOUT_SECONDS,
                requestor_class=_Requestor,
                requestor_kwargs={"session": session, "on_answer": self._on_answer},
            )
        return self._reddit

    async def aclose(self) -> None:
        """Close the HTTP session (the connector can be used again afterwards)."""
        if self._reddit is not None:
            reddit, self._reddit = self._reddit, None
            await reddit.close()

    # --- requests -------------------------------------------------------------------------------------------------

    def _on_answer(self, response: aiohttp.ClientResponse, body: bytes) -> None:
        """Keep the last answer's body; remember when Reddit's request budget is spent (``x-ratelimit-*``)."""
        self._last_answer = (response, body)
        remaining = response.headers.get("x-ratelimit-remaining")
        try:
            left = float(remaining) if remaining is not None else None
        except ValueError:
            left = None
        if left is not None and left < 1:
            seconds = httpio.retry_after(
                {"x-ratelimit-reset": response.headers.get("x-ratelimit-reset", "")}, now=self.clock()
            )
            self._paused_until = self.clock() + timedelta(seconds=seconds)

    def _check_budget(self) -> None:
        if self._paused_until is None:
            return
        wait = (self._paused_until - self.clock()).total_seconds()
        if wait <= 0:
            self._paused_until = None
            return
        seconds = max(1, int(wait + 0.999))
        raise _BudgetSpentError(
            _("{source} asked us to slow down; trying again in {seconds} seconds.").format(
                source=self.source, seconds=seconds
            ),
            connector=self.name,
            retry_after=seconds,
        )

    def _bad_response(self) -> UnavailableError:
        return UnavailableError(
            _("{source} answered something that is not a listing; will try again.").format(source=self.source),
            connector=self.name,
            code="connector_bad_response",
        )

    def _answer_error(self, exc: asyncprawcore.ResponseException) -> Exception:
        """An error answer (from the API or the login service) as one of our errors."""
        response = exc.response
        login = response.url.path.endswith(TOKEN_PATH)
        source = self.auth_source if login else self.source
        status = response.status
        if isinstance(exc, asyncprawcore.BadJSON):
            return self._bad_response()
        error = httpio.status_error(status, response.headers, connector=self.name, source=source, now=self.clock())
        if error is None:  # a redirect, or a 2xx Async PRAW did not expect
            error = httpio.status_error(
                404 if 300 <= status < 400 else 502,
                response.headers,
                connector=self.name,
                source=source,
                now=self.clock(),
            )
        assert error is not None
        error.details["status"] = status
        return error

    async def _get(self, listing: Listing, params: Mapping[str, str]) -> Any:
        """The JSON answer to one listing request; a missing or private subreddit raises _SourceError."""
        self._check_budget()
        # Literal addresses never reach the session's resolver: check both addresses before anything is sent.
        await check_url_async(self.settings.auth_url, allow_private=self.allow_private)
        await check_url_async(self.settings.api_url, allow_private=self.allow_private)
        request: dict[str, str | int] = {**listing.params, **params, "limit": PAGE_LIMIT}
        try:
            return await self._client().request(method="GET", path=listing.path, params=request)
        except asyncprawcore.OAuthException as exc:
            raise AuthError(
                _("{source} did not hand out a token ({error}); check the client id and secret.").format(
                    source=self.auth_source, error=exc.error
                ),
                connector=self.name,
            ) from None
        except (asyncprawcore.Redirect, asyncprawcore.NotFound) as exc:
            if listing.subreddit is not None:
                raise _SourceError("source_not_found", exc.response.status) from None
            raise self._answer_error(exc) from None
        except asyncprawcore.Forbidden as exc:
            if listing.subreddit is not None and self._reason(exc.response) in _CLOSED:
                raise _SourceError("source_private", exc.response.status) from None
            raise self._answer_error(exc) from None
        except asyncprawcore.ResponseException as exc:
            raise self._answer_error(exc) from None
        except asyncprawcore.RequestException as exc:
            url = str(exc.request_args[1]) if len(exc.request_args) > 1 else ""
            source = self.auth_source if url.endswith(TOKEN_PATH) else self.source
            raise self._transport_error(exc.original_exception, source) from None
        except (
            asyncpraw.exceptions.AsyncPRAWException,
            asyncprawcore.AsyncPrawcoreException,
            KeyError,
            TypeError,
        ) as exc:
            # KeyError/TypeError: a token answer without its fields, which Async PRAW reads without checking.
            log.warning("reddit.unexpected_answer", extra={"error": type(exc).__name__})
            raise self._bad_response() from None

    def _reason(self, response: aiohttp.ClientResponse) -> str | None:
        """The ``reason`` in an error answer's body (a 403 says ``private``, ``quarantined``…)."""
        if self._last_answer is None or self._last_answer[0] is not response:
            return None
        try:
            reason = as_mapping(orjson.loads(self._last_answer[1])).get("reason")
        except ValueError:
            return None
        return reason if isinstance(reason, str) else None

    def _transport_error(self, original: Exception, source: str) -> Exception:
        if isinstance(original, UnsafeURLError):
            return original  # the guard refused an address a host name resolved to
        if isinstance(original, aiohttp.ContentTypeError):
            return self._bad_response()  # a 200 with an HTML page instead of JSON
        if isinstance(original, TimeoutError):
            failure = "timeout"
        elif isinstance(original, aiohttp.ClientConnectorError):
            failure = "unreachable"
        else:
            failure = "failed"
        return httpio.network_error(failure, connector=self.name, source=source, reason=type(original).__name__)

    async def _listing(self, listing: Listing, params: Mapping[str, str]) -> tuple[list[Any], str | None]:
        """One page of a listing: (children, the ``after`` fullname when more follow)."""
        body = as_mapping(await self._get(listing, params))
        data = as_mapping(body.get("data"))
        children = data.get("children")
        if body.get("kind") != "Listing" or not isinstance(children, list):
            raise self._bad_response()
        after = data.get("after")
        return children, after if isinstance(after, str) and after else None

    # --- reading --------------------------------------------------------------------------------------------------

    def _take(
        self, children: list[Any], since: datetime, recent: Mapping[str, None], read: _Read
    ) -> list[tuple[str, float]]:
        """Deliver the new children into ``read``; returns (fullname, created_utc) of each child that has both."""
        seen: list[tuple[str, float]] = []
        for child in children:
            data = as_mapping(as_mapping(child).get("data"))
            created = _created(data)
            if isinstance(data.get("name"), str) and data["name"] and created is not None:
                seen.append((data["name"], created.timestamp()))
            result = thing_to_mention(child, connector=self.name)
            if isinstance(result, Skipped):
                read.skipped.append(result)
            elif result.created_at >= since and result.external_id not in recent:
                read.items.append(result)
        return seen

    async def _forward(
        self, listing: Listing, anchor: str, at: float | None, since: datetime, recent: dict[str, None]
    ) -> _Read:
        """Pages after ``anchor`` towards the present; an empty first answer falls back to reading from the top."""
        read = _Read(anchor=anchor, at=at)
        for page in range(self.settings.max_pages):
            children, _after = await self._listing(listing, {"before": read.anchor or anchor})
            if not children:
                if page == 0:
                    return await self._from_top(listing, anchor, at, since, recent)
                return read
            seen = self._take(children, since, recent, read)
            if seen:
                read.anchor, read.at = seen[0]  # the newest of this page: the next one starts after it
            if len(children) < PAGE_LIMIT:
                return read
        read.more = True
        return read

    async def _from_top(
        self, listing: Listing, anchor: str | None, at: float | None, since: datetime, recent: dict[str, None]
    ) -> _Read:
        """Read from the newest item down to ``anchor`` (or, if it is gone, its time; the first time: ``since``)."""
        floor = at if at is not None else since.timestamp()
        read = _Read(anchor=anchor, at=at)
        after: str | None = None
        top: tuple[str, float] | None = None
        for _page in range(self.settings.max_pages):
            params = {"after": after} if after else {}
            children, after = await self._listing(listing, params)
            kept: list[Any] = []
            reached = False
            for child in children:
                data = as_mapping(as_mapping(child).get("data"))
                created = _created(data)
                if (anchor is not None and data.get("name") == anchor) or (
                    created is not None and created.timestamp() < floor
                ):
                    reached = True  # newest first: from here down, delivered before
                    break
                kept.append(child)
            seen = self._take(kept, since, recent, read)
            if top is None and seen:
                top = seen[0]
            if reached or after is None:
                break
        else:
            # Deeper than max_pages: the newest items were read, the oldest of the stretch are not reached.
            log.warning("reddit.read_truncated", extra={"listing": listing.key, "pages": self.settings.max_pages})
        if top is not None:
            read.anchor, read.at = top
        return read

    async def fetch(self, *, since: datetime, cursor: str | None) -> MentionPage:
        """New posts and comments in every subreddit (and search results) after the cursor; the first time, back
        to ``since`` (at most ``max_pages`` pages per listing)."""
        state = load_cursor(cursor, connector=self.name)
        saved = as_mapping(state.get("listings"))
        recent: dict[str, None] = dict.fromkeys(i for i in state.get("recent") or () if isinstance(i, str))
        listings = self.listings()
        positions: dict[str, Any] = {
            listing.key: saved[listing.key] for listing in listings if isinstance(saved.get(listing.key), Mapping)
        }
        items: list[MentionIn] = []
        skipped: list[Skipped] = []
        has_more = False
        for listing in listings:
            position = as_mapping(saved.get(listing.key))
            anchor = position.get("anchor") if isinstance(position.get("anchor"), str) else None
            at = position.get("at") if isinstance(position.get("at"), int | float) else None
            try:
                if anchor and listing.forward:
                    read = await self._forward(listing, anchor, at, since, recent)
                else:
                    read = await self._from_top(listing, anchor, at, since, recent)
            except _BudgetSpentError:
                if not items and not skipped:
                    raise
                # Hand over what was read; the next fetch waits for the reset (this listing was not moved).
                has_more = True
                break
            except _SourceError as problem:
                skipped.append(self._problem(listing, problem))
                log.warning("reddit.source_skipped", extra={"listing": listing.key, "code": problem.code})
                continue
            for item in read.items:
                recent[item.external_id] = None
            items += read.items
            skipped += read.skipped
            has_more = has_more or read.more
            if read.anchor:
                positions[listing.key] = {"anchor": read.anchor, "at": read.at}
        items.sort(key=lambda m: m.created_at)
        next_state = {"listings": positions, "recent": list(recent)[-RECENT_IN_CURSOR:]}
        return MentionPage(items=items, cursor=dump_cursor(next_state), has_more=has_more, skipped=skipped)

    def _problem(self, listing: Listing, problem: _SourceError) -> Skipped:
        if problem.code == "source_private":
            message = _("{source}: r/{subreddit} is private or quarantined (HTTP {status}); it was skipped.")
        else:
            message = _("{source}: r/{subreddit} was not found or is banned (HTTP {status}); it was skipped.")
        return Skipped(
            code=problem.code,
            message=message.format(source=self.source, subreddit=listing.subreddit, status=problem.status),
        )

    async def search(self, query: str, *, since: datetime, cursor: str | None = None) -> MentionPage:
        """One page of site-wide search for ``query``, newest first; the cursor pages further back to ``since``."""
        listing = Listing(key="search", path="/search", params={"q": query, "sort": "new", "t": "all", "type": "link"})
        children, after = await self._listing(listing, {"after": cursor} if cursor else {})
        read = _Read()
        seen = self._take(children, since, {}, read)
        older = any(created < since.timestamp() for _name, created in seen)
        has_more = after is not None and not older
        read.items.sort(key=lambda m: m.created_at)
        return MentionPage(
            items=read.items, cursor=after if has_more else None, has_more=has_more, skipped=read.skipped
        )


__all__ = ["Listing", "RedditConnector", "RedditSettings", "thing_to_mention"]
