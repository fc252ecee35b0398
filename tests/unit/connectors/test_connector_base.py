"""The connector contract: errors, backoff, health, the reconnecting runner, polling, and the registry."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from importlib.metadata import EntryPoint
from typing import Any, ClassVar

import httpx
import pytest
from pydantic import BaseModel, Field, SecretStr

from baliza.core import i18n
from baliza.core.errors import BalizaError, ConfigError, NotFoundError, TooManyRequestsError, ValidationError
from baliza.ingest.connectors import registry
from baliza.ingest.connectors.base import (
    AuthError,
    Backoff,
    ConnectorError,
    Health,
    HealthState,
    InvalidCursorError,
    MentionPage,
    RateLimitedError,
    Skipped,
    UnavailableError,
    build_mention,
    dump_cursor,
    load_cursor,
    polling,
    run_with_backoff,
)
from baliza.ingest.connectors.httpio import retry_after
from baliza.ingest.connectors.mastodon import MastodonConnector
from baliza.ingest.connectors.rss import RSSConnector
from baliza.ingest.schemas import MentionIn

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def mention(n: int, *, at: datetime = NOW) -> MentionIn:
    return MentionIn(platform="test", external_id=f"m{n}", text=f"post {n}", created_at=at)


class Sleeps:
    """An injected sleep that records the delays and never waits."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


# --- errors ---------------------------------------------------------------------------------------------------


def test_the_error_family_builds_on_the_core_errors() -> None:
    limited = RateLimitedError("slow down", connector="mastodon", retry_after=30)
    assert isinstance(limited, ConnectorError) and isinstance(limited, TooManyRequestsError)
    assert limited.status == 429 and limited.retry_after == 30 and limited.retryable
    assert limited.to_dict() == {
        "code": "connector_rate_limited",
        "message": "slow down",
        "details": {"connector": "mastodon", "retry_after": 30},
    }
    assert isinstance(AuthError("no", connector="rss"), BalizaError)
    assert AuthError("no", connector="rss").status == 502 and not AuthError("no").retryable
    assert UnavailableError("down", connector="rss").retryable
    assert isinstance(InvalidCursorError("bad"), ValidationError)


def test_cursors_round_trip_and_garbage_is_refused_in_both_languages() -> None:
    assert load_cursor(dump_cursor({"b": 1, "a": [1, 2]}), connector="rss") == {"a": [1, 2], "b": 1}
    assert load_cursor(None, connector="rss") == {}
    with pytest.raises(InvalidCursorError) as caught:
        load_cursor("[1, 2]", connector="rss")
    assert caught.value.message == "The saved position of the rss connector cannot be read; reset it to start again."
    with i18n.use_locale("es"), pytest.raises(InvalidCursorError) as caught:
        load_cursor("{not json", connector="rss")
    assert caught.value.message == (
        "No se puede leer la posición guardada del conector rss; reiníciala para empezar de nuevo."
    )


def test_build_mention_reports_a_bad_item_instead_of_raising() -> None:
    result = build_mention({"platform": "rss", "external_id": "e1", "text": "   ", "created_at": NOW}, connector="rss")
    assert isinstance(result, Skipped)
    assert result.code == "invalid_item" and result.external_id == "e1"
    assert result.message.startswith("rss: item e1 was skipped: text ")


# --- backoff --------------------------------------------------------------------------------------------------


async def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    sleeps = Sleeps()
    backoff = Backoff(initial=1, factor=2, maximum=10, jitter=0.2, sleep=sleeps, random=lambda: 0.5)
    delays = [await backoff.wait() for _ in range(6)]
    assert delays == [1, 2, 4, 8, 10, 10]
    assert sleeps.delays == delays
    backoff.reset()
    assert backoff.next_delay() == 1
    low = Backoff(initial=10, jitter=0.2, random=lambda: 0.0).next_delay()
    high = Backoff(initial=10, jitter=0.2, random=lambda: 1.0).next_delay()
    assert (low, high) == (8.0, 12.0)


async def test_backoff_waits_at_least_the_retry_after() -> None:
    sleeps = Sleeps()
    backoff = Backoff(initial=1, sleep=sleeps, random=lambda: 0.5)
    assert await backoff.wait(at_least=42) == 42
    assert sleeps.delays == [42]


def test_retry_after_reads_seconds_dates_and_platform_headers() -> None:
    assert retry_after({"Retry-After": "7"}, now=NOW) == 7
    assert retry_after({"Retry-After": "Sun, 22 Nov 2026 09:02:00 GMT"}, now=NOW) == 120
    assert retry_after({"X-RateLimit-Reset": "2026-11-22T09:05:00.000Z"}, now=NOW) == 300  # Mastodon
    assert retry_after({"RateLimit-Reset": str(int(NOW.timestamp()) + 90)}, now=NOW) == 90  # Bluesky
    assert retry_after({"RateLimit-Reset": "15"}, now=NOW) == 15
    assert retry_after({}, now=NOW) == 60
    assert retry_after({"Retry-After": "soon"}, now=NOW) == 60


# --- health ---------------------------------------------------------------------------------------------------


def test_health_moves_between_ok_degraded_and_failing() -> None:
    health = Health("mastodon", failing_after=3, lag_limit=600)
    assert health.state is HealthState.ok
    health.record_page(MentionPage(items=[mention(1, at=NOW - timedelta(seconds=30))], cursor="c"), now=NOW)
    assert (health.state, health.lag_seconds, health.items, health.last_success_at) == (HealthState.ok, 30, 1, NOW)
    error = UnavailableError("Mastodon is down", connector="mastodon")
    health.record_error(error, now=NOW + timedelta(seconds=5))
    assert health.state is HealthState.degraded
    health.record_error(error, now=NOW + timedelta(seconds=6))
    health.record_error(error, now=NOW + timedelta(seconds=7))
    assert health.state is HealthState.failing
    assert health.as_dict() == {
        "connector": "mastodon",
        "state": "failing",
        "last_success_at": "2026-11-22T09:00:00+00:00",
        "last_error_at": "2026-11-22T09:00:07+00:00",
        "last_error": "Mastodon is down",
        "last_error_code": "connector_unavailable",
        "lag_seconds": 30.0,
        "items": 1,
        "skipped": 0,
        "consecutive_errors": 3,
    }
    health.record_page(MentionPage(items=[mention(2, at=NOW - timedelta(hours=1))], cursor="d"), now=NOW)
    assert health.state is HealthState.degraded  # back, but an hour behind
    health.record_page(MentionPage(items=[mention(3)], cursor="e"), now=NOW)
    assert health.state is HealthState.ok


# --- the reconnecting runner ----------------------------------------------------------------------------------


class FlakyStream:
    """A stream source scripted per connection: pages to give, then an error (or a clean end)."""

    def __init__(self, script: list[tuple[list[int], BaseException | None]]) -> None:
        self.script = list(script)
        self.opened_with: list[str | None] = []

    async def __call__(self, *, cursor: str | None) -> AsyncIterator[MentionPage]:
        self.opened_with.append(cursor)
        numbers, error = self.script.pop(0)
        for n in numbers:
            yield MentionPage(items=[mention(n)], cursor=f"c{n}")
        if error is not None:
            raise error


async def test_the_runner_reconnects_from_the_last_cursor_and_honours_retry_after() -> None:
    source = FlakyStream(
        [
            ([1, 2], UnavailableError("dropped", connector="t")),
            ([], RateLimitedError("slow down", connector="t", retry_after=120)),
            ([3], None),  # a clean end is a disconnect too
            ([4], None),
        ]
    )
    stored: list[str] = []
    stop = asyncio.Event()

    async def on_page(page: MentionPage) -> None:
        stored.extend(item.external_id for item in page.items)
        if stored[-1] == "m4":
            stop.set()

    sleeps = Sleeps()
    health = Health("t")
    clock = itertools.count()
    cursor = await run_with_backoff(
        source,
        cursor="start",
        on_page=on_page,
        health=health,
        backoff=Backoff(initial=1, sleep=sleeps, random=lambda: 0.5),
        clock=lambda: NOW + timedelta(seconds=next(clock)),
        stop=stop,
    )
    assert stored == ["m1", "m2", "m3", "m4"]
    assert source.opened_with == ["start", "c2", "c2", "c3"]
    assert sleeps.delays == [1, 120, 1]  # backoff reset after a success; the platform's 120 s honoured
    assert cursor == "c4"
    assert health.state is HealthState.ok and health.items == 4
    assert health.last_error_code == "stream_ended"


async def test_the_runner_gives_up_on_credentials_at_once() -> None:
    source = FlakyStream([([1], AuthError("refused", connector="t"))])
    health = Health("t")
    sleeps = Sleeps()

    async def on_page(page: MentionPage) -> None:
        return None

    with pytest.raises(AuthError):
        await run_with_backoff(
            source, cursor=None, on_page=on_page, health=health, backoff=Backoff(sleep=sleeps, random=lambda: 0.5)
        )
    assert sleeps.delays == []
    assert health.last_error == "refused" and health.consecutive_errors == 1


async def test_the_runner_stops_after_max_failures() -> None:
    down = UnavailableError("down", connector="t")
    source = FlakyStream([([], down), ([], down), ([], down)])
    health = Health("t", failing_after=3)

    async def on_page(page: MentionPage) -> None:
        return None

    with pytest.raises(UnavailableError):
        await run_with_backoff(
            source,
            cursor=None,
            on_page=on_page,
            health=health,
            backoff=Backoff(sleep=Sleeps(), random=lambda: 0.5),
            max_failures=3,
        )
    assert health.state is HealthState.failing


class CountingConnector:
    name: ClassVar[str] = "counting"
    Settings: ClassVar[type[BaseModel]] = BaseModel

    def __init__(self) -> None:
        self.calls: list[str | None] = []

    async def fetch(self, *, since: datetime, cursor: str | None) -> MentionPage:
        self.calls.append(cursor)
        n = len(self.calls)
        return MentionPage(items=[mention(n)], cursor=f"p{n}", has_more=n == 1)


async def test_polling_turns_fetch_into_a_stream_and_waits_between_polls() -> None:
    connector = CountingConnector()
    sleeps = Sleeps()
    pages = polling(connector, since=NOW, interval=300, sleep=sleeps)(cursor=None)
    got = [await anext(pages) for _ in range(3)]
    await pages.aclose()  # type: ignore[attr-defined]
    assert [p.cursor for p in got] == ["p1", "p2", "p3"]
    assert connector.calls == [None, "p1", "p2"]
    assert sleeps.delays == [300]  # none after the first page: it said has_more


# --- registry -------------------------------------------------------------------------------------------------


def test_builtins_are_registered() -> None:
    assert {"bluesky", "mastodon", "rss"} <= set(registry.connector_names())
    assert registry.get_connector_class("rss") is RSSConnector


def test_unknown_connector() -> None:
    with pytest.raises(NotFoundError) as caught:
        registry.get_connector_class("myspace")
    assert caught.value.code == "unknown_connector"
    assert caught.value.message.startswith(
        "Unknown connector 'myspace'; available: bluesky, imap, mastodon, reddit, rss, x, youtube"
    )


def test_settings_are_validated_on_save_naming_fields_never_values() -> None:
    with pytest.raises(ValidationError) as caught:
        registry.validate_settings(
            "mastodon", {"base_url": "ftp://mastodon.example", "access_token": "tok-S3cr3t", "hashtags": ["crisis"]}
        )
    assert caught.value.code == "invalid_connector_settings"
    assert caught.value.details["problems"] == [{"field": "base_url", "problem": "must start with https:// or http://"}]
    assert "tok-S3cr3t" not in str(caught.value.to_dict())
    with pytest.raises(ValidationError) as caught:
        registry.validate_settings("mastodon", {"base_url": "https://mastodon.example"})
    assert caught.value.details["problems"] == [
        {"field": "settings", "problem": "follow at least one hashtag or the public timeline"}
    ]


def test_secrets_are_never_serialised() -> None:
    settings = registry.validate_settings(
        "mastodon", {"base_url": "https://mastodon.example", "access_token": "tok-S3cr3t", "hashtags": ["#Crisis"]}
    )
    shown = registry.public_settings(settings)
    assert shown["access_token"] == "**********"
    assert shown["hashtags"] == ["Crisis"]
    assert "tok-S3cr3t" not in repr(settings) and "tok-S3cr3t" not in settings.model_dump_json()
    assert registry.secret_values(settings) == {"access_token": "tok-S3cr3t"}


async def test_make_connector_validates_and_injects() -> None:
    async with httpx.AsyncClient() as client:
        connector = registry.make_connector(
            "mastodon", {"base_url": "https://m.example", "public": True}, client=client, allow_private=True
        )
    assert isinstance(connector, MastodonConnector)
    assert connector.client is client and connector.allow_private


class PluginSettings(BaseModel):
    token: SecretStr = Field(title="Token", description="A token.")


class GoodPlugin:
    name: ClassVar[str] = "forum"
    Settings: ClassVar[type[BaseModel]] = PluginSettings

    def __init__(self, settings: Any, *, client: Any, clock: Any, allow_private: bool) -> None:
        self.settings = settings

    async def fetch(self, *, since: datetime, cursor: str | None) -> MentionPage:
        return MentionPage(items=[], cursor=None)


class BadPlugin:
    name: ClassVar[str] = "other"


def test_plugins_come_from_entry_points_and_cannot_shadow_builtins(monkeypatch: pytest.MonkeyPatch) -> None:
    entries = [
        EntryPoint("forum", f"{__name__}:GoodPlugin", registry.ENTRY_POINT_GROUP),
        EntryPoint("broken", f"{__name__}:BadPlugin", registry.ENTRY_POINT_GROUP),
        EntryPoint("missing", "no_such_module_anywhere:Thing", registry.ENTRY_POINT_GROUP),
        EntryPoint("rss", f"{__name__}:GoodPlugin", registry.ENTRY_POINT_GROUP),
    ]
    monkeypatch.setattr(registry, "entry_points", lambda group: [e for e in entries if e.group == group])
    assert registry.connector_names() == [
        "bluesky", "broken", "forum", "imap", "mastodon", "missing", "reddit", "rss", "x", "youtube",
    ]  # fmt: skip
    assert registry.get_connector_class("forum") is GoodPlugin
    assert registry.get_connector_class("rss") is RSSConnector
    with pytest.raises(ConfigError) as caught:
        registry.get_connector_class("broken")
    assert caught.value.details["missing"] == ["name = 'broken'", "Settings", "fetch"]
    with pytest.raises(ConfigError) as caught:
        registry.get_connector_class("missing")
    assert caught.value.code == "connector_plugin_failed"
    assert caught.value.message == "The connector plugin missing could not be loaded (ModuleNotFoundError)."
