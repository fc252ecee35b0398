"""The connector contract: what a connector is, what it returns, what it may raise, and how it is kept running.

A connector does I/O and nothing else. It reads a platform (a feed, a timeline, a firehose) and returns
normalised ``MentionIn`` items with an opaque cursor; it never touches the database and never decides anything.
Whoever runs it persists the cursor after the page's items are stored, so a restart resumes where it stopped.

Constructor convention (the registry relies on it)::

    ConnectorClass(settings, *, client: httpx.AsyncClient, clock: Clock = utcnow, allow_private: bool = False)

Errors, always ours (``details["connector"]`` names the connector)::

    BalizaError
    └── ConnectorError            (502)  not retried: fix the settings first
        ├── RateLimitedError      (429)  also a TooManyRequestsError; retry after ``retry_after`` seconds
        ├── AuthError             (502)  the platform refused the connector's credentials
        ├── UnavailableError      (503)  unreachable, timed out, 5xx, disconnected, unreadable answer: retried
        ├── InvalidCursorError    (422)  also a ValidationError: the saved cursor cannot be read
        ├── netguard.UnsafeURLError   (422)  the address is not allowed (private, loopback...)
        └── webhooks.WebhookError      refusals of incoming webhooks (bad signature, stale, replayed...)

AuthError is deliberately not an ``AuthenticationError``: a 401 would tell the person using Baliza that *their*
session is over, when it is the connector's token that the platform refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random as _random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from baliza.core.clock import utcnow
from baliza.core.errors import BalizaError, TooManyRequestsError, ValidationError
from baliza.core.i18n import _
from baliza.ingest.schemas import MentionIn

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


# --- errors -------------------------------------------------------------------------------------------------------


class ConnectorError(BalizaError):
    """A connector failed in a way that retrying will not fix (bad settings, a feed that is gone)."""

    status: ClassVar[int] = 502
    default_code: ClassVar[str] = "connector_failed"
    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        connector: str | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        # BalizaError.__init__ directly: the cooperative chain would reach TooManyRequestsError's own signature.
        extra = {"connector": connector} if connector else {}
        BalizaError.__init__(self, message, code=code, details={**extra, **(details or {})})
        self.connector = connector


class RateLimitedError(ConnectorError, TooManyRequestsError):
    """The platform asked us to slow down; try again after ``retry_after`` seconds."""

    status: ClassVar[int] = 429
    default_code: ClassVar[str] = "connector_rate_limited"
    retryable: ClassVar[bool] = True

    def __init__(
        self,
        message: str,
        *,
        connector: str | None,
        retry_after: int,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            message, connector=connector, code=code, details={**(details or {}), "retry_after": retry_after}
        )
        self.retry_after = retry_after


class AuthError(ConnectorError):
    """The platform refused the connector's token or password (expired, revoked, missing a scope)."""

    status: ClassVar[int] = 502
    default_code: ClassVar[str] = "connector_auth"


class UnavailableError(ConnectorError):
    """Unreachable, timed out, failing (5xx), disconnected or unreadable: worth trying again later."""

    status: ClassVar[int] = 503
    default_code: ClassVar[str] = "connector_unavailable"
    retryable: ClassVar[bool] = True

    def __init__(
        self,
        message: str,
        *,
        connector: str | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        extra = {"retry_after": retry_after} if retry_after is not None else {}
        super().__init__(message, connector=connector, code=code, details={**(details or {}), **extra})
        self.retry_after: int | None = retry_after


class InvalidCursorError(ConnectorError, ValidationError):
    """The saved cursor is not one this connector wrote."""

    status: ClassVar[int] = 422
    default_code: ClassVar[str] = "invalid_cursor"


# --- pages and cursors --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    """One item a connector could not turn into a mention: reported, never fatal."""

    code: str
    message: str
    external_id: str | None = None
    excerpt: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"code": self.code, "message": self.message, "external_id": self.external_id, "excerpt": self.excerpt}


@dataclass
class MentionPage:
    """What one fetch (or one stream step) returns: the mentions, the cursor to save after storing them, and more."""

    items: list[MentionIn]
    cursor: str | None
    has_more: bool = False
    skipped: list[Skipped] = field(default_factory=list)


_EXCERPT = 200


def excerpt(value: object) -> str:
    """A short printable piece of a bad payload, for the report (never the whole thing)."""
    text = value if isinstance(value, str) else repr(value)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"


def as_mapping(value: object) -> Mapping[str, Any]:
    """``value`` when it is a mapping (a JSON object), else an empty one: for reading untrusted payloads."""
    return value if isinstance(value, Mapping) else {}


def build_mention(raw: Mapping[str, Any], *, connector: str) -> MentionIn | Skipped:
    """``raw`` validated as a MentionIn, or a Skipped naming the field and problem (never raises)."""
    try:
        return MentionIn.model_validate(raw)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "item"
        external_id = raw.get("external_id")
        return Skipped(
            code="invalid_item",
            message=_("{connector}: item {external_id} was skipped: {field} {problem}").format(
                connector=connector, external_id=external_id or "?", field=where, problem=first["msg"]
            ),
            external_id=str(external_id) if external_id else None,
        )


def load_cursor(raw: str | None, *, connector: str) -> dict[str, Any]:
    """A connector's JSON cursor as a dict ({} for none); InvalidCursorError when it is not ours."""
    if raw is None or raw == "":
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise InvalidCursorError(
            _("The saved position of the {connector} connector cannot be read; reset it to start again.").format(
                connector=connector
            ),
            connector=connector,
        )
    return value


def dump_cursor(value: Mapping[str, Any]) -> str:
    """A cursor dict as the compact JSON string that is persisted."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


# --- the contract -------------------------------------------------------------------------------------------------


class Connector(Protocol):
    """Reads one platform for one workspace; returns mentions and a cursor, raises only ConnectorError."""

    name: ClassVar[str]  # "mastodon"; also the entry-point name
    Settings: ClassVar[type[BaseModel]]  # per-instance config, validated on save

    async def fetch(self, *, since: datetime, cursor: str | None) -> MentionPage:
        """The mentions after ``cursor`` (none older than ``since``), and the cursor to save after storing them."""
        ...


async def close_connector(connector: object) -> None:
    """Release what a connector holds open (its own HTTP session, as Reddit's Async PRAW has); most hold nothing."""
    aclose = getattr(connector, "aclose", None)
    if aclose is not None:
        await aclose()


class StreamingConnector(Connector, Protocol):
    """A connector that also follows the platform live (server-sent events, websockets)."""

    def stream(self, *, cursor: str | None) -> AsyncIterator[MentionPage]:
        """Pages as they arrive, resuming after ``cursor``; raises UnavailableError when the stream drops."""
        ...


class SearchableConnector(Connector, Protocol):
    """A connector that can search the platform's past posts (backfill)."""

    async def search(self, query: str, *, since: datetime, cursor: str | None = None) -> MentionPage:
        """One page of posts matching ``query`` newer than ``since``; ``has_more`` says whether to ask again."""
        ...


# --- staying up: backoff, health, the reconnecting runner -----------------------------------------------------------


async def _asyncio_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


@dataclass
class Backoff:
    """Exponential backoff with jitter; ``sleep`` and ``random`` are injectable so tests never wait."""

    initial: float = 1.0
    factor: float = 2.0
    maximum: float = 300.0
    jitter: float = 0.2  # each delay is spread by ±20% so that many connectors do not reconnect in step
    sleep: Sleep = _asyncio_sleep
    random: Callable[[], float] = _random.random
    attempts: int = 0

    def next_delay(self) -> float:
        """The delay before the next attempt (and count the attempt)."""
        raw = min(self.maximum, self.initial * self.factor**self.attempts)
        self.attempts += 1
        spread = raw * self.jitter
        return max(0.0, raw - spread + 2 * spread * self.random())

    def reset(self) -> None:
        """Back to the first delay, after a success."""
        self.attempts = 0

    async def wait(self, *, at_least: float = 0.0) -> float:
        """Sleep for the next delay, or ``at_least`` when longer (a Retry-After); returns the seconds slept."""
        delay = max(self.next_delay(), float(at_least))
        await self.sleep(delay)
        return delay


class HealthState(StrEnum):
    """A connector's health at a glance."""

    ok = "ok"
    degraded = "degraded"
    failing = "failing"


@dataclass
class Health:
    """One connector's health: last success, last error, lag, counts; ``state`` sums it up."""

    connector: str
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None
    last_error_code: str | None = None
    lag_seconds: float | None = None
    items: int = 0
    skipped: int = 0
    consecutive_errors: int = 0
    failing_after: int = 3  # consecutive errors before "failing"
    lag_limit: float | None = 900.0  # seconds behind real time before "degraded"

    @property
    def state(self) -> HealthState:
        """failing after ``failing_after`` errors in a row; degraded after one, or when lagging; else ok."""
        if self.consecutive_errors >= self.failing_after:
            return HealthState.failing
        if self.consecutive_errors > 0:
            return HealthState.degraded
        if self.lag_limit is not None and self.lag_seconds is not None and self.lag_seconds > self.lag_limit:
            return HealthState.degraded
        return HealthState.ok

    def record_page(self, page: MentionPage, *, now: datetime) -> None:
        """A page was delivered (and stored): success, counts and lag behind the newest item."""
        self.last_success_at = now
        self.consecutive_errors = 0
        self.items += len(page.items)
        self.skipped += len(page.skipped)
        if page.items:
            newest = max(item.created_at for item in page.items)
            self.lag_seconds = max(0.0, (now - newest).total_seconds())

    def record_error(self, exc: BalizaError, *, now: datetime) -> None:
        """An attempt failed with ``exc`` (its message is already in the reader's language)."""
        self.last_error_at = now
        self.last_error = exc.message
        self.last_error_code = exc.code
        self.consecutive_errors += 1

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for the API and the status page."""
        return {
            "connector": self.connector,
            "state": self.state.value,
            "last_success_at": self.last_success_at.isoformat() if self.last_success_at else None,
            "last_error_at": self.last_error_at.isoformat() if self.last_error_at else None,
            "last_error": self.last_error,
            "last_error_code": self.last_error_code,
            "lag_seconds": self.lag_seconds,
            "items": self.items,
            "skipped": self.skipped,
            "consecutive_errors": self.consecutive_errors,
        }


class PageSource(Protocol):
    """Opens a stream of pages after ``cursor``: a StreamingConnector's ``stream``, or ``polling(...)``."""

    def __call__(self, *, cursor: str | None) -> AsyncIterator[MentionPage]: ...


async def run_with_backoff(
    open_stream: PageSource,
    *,
    cursor: str | None,
    on_page: Callable[[MentionPage], Awaitable[None]],
    health: Health,
    backoff: Backoff | None = None,
    clock: Clock = utcnow,
    stop: asyncio.Event | None = None,
    max_failures: int | None = None,
) -> str | None:
    """Follow ``open_stream(cursor=...)`` until ``stop`` is set, reconnecting from the last saved cursor after drops.

    ``on_page`` stores a page (and persists its cursor) before the next is read, so a crash between two pages
    loses nothing. Retryable errors wait with backoff, at least the platform's Retry-After; other ConnectorErrors
    (credentials, settings) are recorded and raised, as is the last error after ``max_failures`` in a row.
    Returns the last cursor.
    """
    backoff = backoff or Backoff()
    failures = 0
    while stop is None or not stop.is_set():
        try:
            pages = open_stream(cursor=cursor)
            try:
                async for page in pages:
                    await on_page(page)
                    if page.cursor is not None:
                        cursor = page.cursor
                    health.record_page(page, now=clock())
                    backoff.reset()
                    failures = 0
                    if stop is not None and stop.is_set():
                        return cursor
            finally:
                aclose = getattr(pages, "aclose", None)
                if aclose is not None:
                    with contextlib.suppress(Exception):
                        await aclose()
            # A stream is not supposed to end: a clean close by the server is a disconnect like any other.
            raise UnavailableError(
                _("The {connector} stream ended; reconnecting from the last saved position.").format(
                    connector=health.connector
                ),
                connector=health.connector,
                code="stream_ended",
            )
        except ConnectorError as exc:
            health.record_error(exc, now=clock())
            log.warning(
                "connector.error",
                extra={"connector": health.connector, "code": exc.code, "retryable": exc.retryable},
            )
            if not exc.retryable:
                raise
            failures += 1
            if max_failures is not None and failures >= max_failures:
                raise
            await backoff.wait(at_least=float(getattr(exc, "retry_after", None) or 0))
    return cursor


def polling(connector: Connector, *, since: datetime, interval: float, sleep: Sleep = _asyncio_sleep) -> PageSource:
    """A fetch-only connector as a never-ending page source for ``run_with_backoff`` (waits ``interval`` between
    polls unless the last page said ``has_more``)."""

    async def pages(*, cursor: str | None) -> AsyncIterator[MentionPage]:
        while True:
            page = await connector.fetch(since=since, cursor=cursor)
            yield page
            if page.cursor is not None:
                cursor = page.cursor
            if not page.has_more:
                await sleep(interval)

    return pages


__all__ = [
    "AuthError",
    "Backoff",
    "Clock",
    "Connector",
    "ConnectorError",
    "Health",
    "HealthState",
    "InvalidCursorError",
    "MentionPage",
    "PageSource",
    "RateLimitedError",
    "SearchableConnector",
    "Skipped",
    "Sleep",
    "StreamingConnector",
    "UnavailableError",
    "as_mapping",
    "build_mention",
    "close_connector",
    "dump_cursor",
    "excerpt",
    "load_cursor",
    "polling",
    "run_with_backoff",
]
