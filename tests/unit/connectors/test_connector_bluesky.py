"""The Bluesky connector against a local Jetstream-style websocket server replaying recorded-style events, and a
local XRPC server for search: filtering, cursors, a disconnect mid-stream, a restart from the cursor (no gap, no
duplicate), rate limits and malformed events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from baliza.ingest.connectors.base import (
    AuthError,
    Backoff,
    Health,
    MentionPage,
    RateLimitedError,
    UnavailableError,
    run_with_backoff,
)
from baliza.ingest.connectors.bluesky import BlueskyConnector, BlueskySettings
from baliza.ingest.connectors.netguard import UnsafeURLError, guarded_client
from tests.unit.connectors.connector_servers import (
    JetstreamReplay,
    ThreadedServer,
    collect,
    other_event,
    post_event,
    serving,
)

T0 = 1_795_000_000_000_000  # microseconds
SINCE = datetime(2026, 11, 1, tzinfo=UTC)


def recorded() -> list[dict[str, Any] | str]:
    """A stretch of firehose: matching posts among others, likes, identity changes and junk."""
    return [
        post_event(T0 + 1_000, "Otra vez sin servicio en Banco Acme", rkey="a1"),
        other_event(T0 + 2_000, "like"),
        post_event(T0 + 3_000, "Hoy hace sol", rkey="x1"),
        post_event(T0 + 4_000, "Todo mal #AcmeCaido", rkey="a2", tags=["AcmeCaido"]),
        other_event(T0 + 5_000, "identity"),
        "{this is not json",
        post_event(T0 + 6_000, "acme... ACME!! respondan", rkey="a3", langs=["es-ES"]),
        other_event(T0 + 7_000, "delete"),
        post_event(T0 + 8_000, "Acme is down again", rkey="a4", langs=["en"]),
        other_event(T0 + 9_000, "account"),
        post_event(T0 + 10_000, "embankment works", rkey="x2", langs=["en"]),  # "acme" not as a word
        post_event(
            T0 + 11_000, "Sigo esperando a Acme", rkey="a5", reply_parent="at://did:plc:bob/app.bsky.feed.post/p"
        ),
    ]


MATCHING = ["a1", "a2", "a3", "a4", "a5"]


def settings(url: str, **extra: Any) -> BlueskySettings:
    values: dict[str, Any] = {
        "jetstream_url": url,
        "keywords": ["Acme"],
        "hashtags": ["acmecaido"],
        "rewind_seconds": 0.005,  # 5 000 µs: a few recorded events
        **extra,
    }
    return BlueskySettings(**values)


def rkeys(pages: list[MentionPage]) -> list[str]:
    return [item.external_id.rsplit("/", 1)[-1] for page in pages for item in page.items]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with guarded_client(allow_private=True) as guarded:
        yield guarded


def connector(url: str, client: httpx.AsyncClient, **extra: Any) -> BlueskyConnector:
    return BlueskyConnector(settings(url, **extra), client=client, allow_private=True)


async def read_until(connector: BlueskyConnector, cursor: str | None, count: int) -> list[MentionPage]:
    """Pages from the stream until ``count`` mentions arrived (then the stream is closed)."""
    pages: list[MentionPage] = []
    stream = connector.stream(cursor=cursor)
    async for page in stream:
        pages.append(page)
        if len(rkeys(pages)) >= count:
            break
    await stream.aclose()  # type: ignore[attr-defined]
    return pages


async def test_jetstream_posts_are_filtered_and_mapped(client: httpx.AsyncClient) -> None:
    async with JetstreamReplay(recorded()) as jetstream:
        pages = await read_until(connector(jetstream.url, client), None, len(MATCHING))
    assert rkeys(pages) == MATCHING
    first = pages[0].items[0]
    assert first.platform == "bluesky"
    assert first.external_id == "at://did:plc:alice/app.bsky.feed.post/a1"
    assert first.url == "https://bsky.app/profile/did:plc:alice/post/a1"
    assert first.text == "Otra vez sin servicio en Banco Acme"
    assert first.created_at == datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    assert first.lang == "es"
    assert first.author is not None and first.author.handle == "did:plc:alice"
    last = pages[-1].items[0]
    assert last.reply_to == "at://did:plc:bob/app.bsky.feed.post/p"
    # The junk frame is reported, not fatal.
    [skipped] = [s for page in pages for s in page.skipped]
    assert skipped.code == "malformed_event" and skipped.excerpt == "{this is not json"
    assert json.loads(pages[-1].cursor or "")["time_us"] == T0 + 11_000
    assert jetstream.cursors() == [None]


async def test_languages_narrow_the_filter(client: httpx.AsyncClient) -> None:
    async with JetstreamReplay(recorded()) as jetstream:
        pages = await read_until(connector(jetstream.url, client, languages=["en"]), None, 1)
    assert rkeys(pages) == ["a4"]


async def test_disconnect_mid_stream_then_restart_from_the_cursor_no_gap_no_duplicate(
    client: httpx.AsyncClient,
) -> None:
    async with JetstreamReplay(recorded(), drop_after=7) as jetstream:
        pages: list[MentionPage] = []
        with pytest.raises(UnavailableError) as caught:
            await collect(connector(jetstream.url, client).stream(cursor=None), pages)
        assert caught.value.code == "stream_disconnected"
        assert rkeys(pages) == ["a1", "a2", "a3"]
        saved = pages[-1].cursor
        assert saved is not None and json.loads(saved)["time_us"] == T0 + 6_000

        # A new process, with nothing but the saved cursor.
        resumed = await read_until(connector(jetstream.url, client), saved, 2)
    # The resume asked for 5 000 µs earlier, so a1..a3 came again over the wire, and were dropped.
    assert jetstream.cursors() == [None, T0 + 1_000]
    assert rkeys(pages) + rkeys(resumed) == MATCHING


async def test_quiet_stretches_still_move_the_cursor(client: httpx.AsyncClient) -> None:
    quiet = [other_event(T0 + n * 1_000, "like") for n in range(1, 8)]
    async with JetstreamReplay(quiet) as jetstream:
        stream = connector(jetstream.url, client, checkpoint_every=3).stream(cursor=None)
        first = await anext(stream)
        second = await anext(stream)
        await stream.aclose()  # type: ignore[attr-defined]
    assert first.items == [] and json.loads(first.cursor or "")["time_us"] == T0 + 3_000
    assert json.loads(second.cursor or "")["time_us"] == T0 + 6_000


async def test_the_runner_reconnects_after_a_drop_and_live_events_keep_coming(client: httpx.AsyncClient) -> None:
    async with JetstreamReplay(recorded()[:4], drop_after=2) as jetstream:
        stored: list[str] = []
        stop = asyncio.Event()
        sleeps: list[float] = []

        async def on_page(page: MentionPage) -> None:
            stored.extend(item.external_id.rsplit("/", 1)[-1] for item in page.items)
            if stored and stored[-1] == "live1":
                stop.set()

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)
            jetstream.publish(post_event(T0 + 20_000, "Acme en directo", rkey="live1"))

        health = Health("bluesky")
        await run_with_backoff(
            connector(jetstream.url, client).stream,
            cursor=None,
            on_page=on_page,
            health=health,
            backoff=Backoff(sleep=sleep, random=lambda: 0.5),
            stop=stop,
        )
    assert stored == ["a1", "a2", "live1"]
    assert len(sleeps) == 1 and health.last_error_code == "stream_disconnected"
    assert jetstream.cursors() == [None, T0 + 1_000 - 5_000]


async def test_a_rate_limited_handshake(client: httpx.AsyncClient) -> None:
    async with JetstreamReplay(recorded(), refuse=(429, {"Retry-After": "45"})) as jetstream:
        with pytest.raises(RateLimitedError) as caught:
            await anext(connector(jetstream.url, client).stream(cursor=None))
    assert caught.value.retry_after == 45
    assert caught.value.message == (
        f"Bluesky Jetstream at ws://127.0.0.1:{jetstream.port}/subscribe asked us to slow down; trying again in "
        "45 seconds."
    )


async def test_a_refused_handshake_and_an_unreachable_server(client: httpx.AsyncClient) -> None:
    async with JetstreamReplay(recorded(), refuse=(503, {})) as jetstream:
        with pytest.raises(UnavailableError) as caught:
            await anext(connector(jetstream.url, client).stream(cursor=None))
        assert caught.value.details["status"] == 503
        port = jetstream.port
    with pytest.raises(UnavailableError) as caught:
        await anext(connector(f"ws://127.0.0.1:{port}/subscribe", client).stream(cursor=None))
    assert caught.value.code == "connector_unreachable"


async def test_the_jetstream_address_is_guarded(client: httpx.AsyncClient) -> None:
    guarded = BlueskyConnector(settings("ws://127.0.0.1:9/subscribe"), client=client)
    with pytest.raises(UnsafeURLError) as caught:
        await anext(guarded.stream(cursor=None))
    assert caught.value.reason == "loopback"


def test_settings_checks() -> None:
    with pytest.raises(ValueError, match="must be a websocket address"):
        BlueskySettings(jetstream_url="https://jetstream.example/subscribe")
    with pytest.raises(ValueError, match="give both the account and its app password"):
        BlueskySettings(identifier="acme.bsky.social")
    shown = BlueskySettings(identifier="acme.bsky.social", app_password="abcd-efgh-ijkl-mnop").model_dump(mode="json")
    assert shown["app_password"] == "**********"


# --- search ---------------------------------------------------------------------------------------------------


def post_view(n: int, text: str, created: str) -> dict[str, Any]:
    return {
        "uri": f"at://did:plc:ana/app.bsky.feed.post/s{n}",
        "cid": f"bafyreis{n}",
        "author": {"did": "did:plc:ana", "handle": "ana.bsky.social", "displayName": "Ana"},
        "record": {"$type": "app.bsky.feed.post", "createdAt": created, "langs": ["es"], "text": text},
        "replyCount": 1,
        "repostCount": 2,
        "likeCount": 3,
        "quoteCount": 4,
        "indexedAt": created,
    }


PAGES = {
    None: {
        "posts": [
            post_view(3, "Acme tres", "2026-11-21T12:00:00.000Z"),
            post_view(2, "Acme dos", "2026-11-20T12:00:00.000Z"),
            {"cid": "no-uri"},
        ],
        "cursor": "page2",
    },
    "page2": {"posts": [post_view(1, "Acme uno", "2026-11-19T12:00:00.000Z")]},
}


@dataclass
class SearchState:
    requests: list[dict[str, Any]] = field(default_factory=list)
    logins: int = 0
    expire_next: bool = False
    limited: bool = False


SEARCH = SearchState()


async def search_posts(request: Request) -> Response:
    SEARCH.requests.append({**request.query_params, "auth": request.headers.get("authorization")})
    if SEARCH.limited:
        SEARCH.limited = False
        return JSONResponse({"error": "RateLimitExceeded"}, status_code=429, headers={"RateLimit-Reset": "20"})
    if SEARCH.expire_next and request.headers.get("authorization") == "Bearer jwt-1":
        SEARCH.expire_next = False
        return JSONResponse({"error": "ExpiredToken", "message": "Token has expired"}, status_code=400)
    if request.query_params.get("q") == "broken":
        return Response("<html>oops", media_type="text/html")
    return JSONResponse(PAGES[request.query_params.get("cursor")])


async def create_session(request: Request) -> Response:
    body = await request.json()
    if body != {"identifier": "acme.bsky.social", "password": "abcd-efgh-ijkl-mnop"}:
        return JSONResponse({"error": "AuthenticationRequired"}, status_code=401)
    SEARCH.logins += 1
    return JSONResponse({"accessJwt": f"jwt-{SEARCH.logins}", "refreshJwt": "r", "did": "did:plc:acme"})


@pytest.fixture(scope="module")
def xrpc() -> Iterator[ThreadedServer]:
    routes = [
        Route("/xrpc/app.bsky.feed.searchPosts", search_posts),
        Route("/xrpc/com.atproto.server.createSession", create_session, methods=["POST"]),
    ]
    with serving(Starlette(routes=routes)) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_search() -> None:
    SEARCH.requests.clear()
    SEARCH.logins = 0
    SEARCH.expire_next = SEARCH.limited = False


def searcher(xrpc: ThreadedServer, client: httpx.AsyncClient, **extra: Any) -> BlueskyConnector:
    return connector("ws://127.0.0.1:9/subscribe", client, service_url=xrpc.url, pds_url=xrpc.url, **extra)


async def test_search_pages_back_to_since(xrpc: ThreadedServer, client: httpx.AsyncClient) -> None:
    bluesky = searcher(xrpc, client)
    first = await bluesky.search("Acme", since=SINCE)
    assert [m.external_id[-2:] for m in first.items] == ["s2", "s3"]
    assert first.has_more and first.cursor == "page2"
    assert [s.code for s in first.skipped] == ["malformed_post"]
    item = first.items[1]
    assert (item.likes, item.reposts, item.replies, item.quotes) == (3, 2, 1, 4)
    assert item.url == "https://bsky.app/profile/ana.bsky.social/post/s3"
    assert item.author is not None and item.author.display_name == "Ana"
    second = await bluesky.search("Acme", since=SINCE, cursor=first.cursor)
    assert [m.external_id[-2:] for m in second.items] == ["s1"] and not second.has_more
    assert SEARCH.requests[0]["since"] == "2026-11-01T00:00:00.000000Z"
    assert SEARCH.requests[0]["sort"] == "latest" and SEARCH.requests[0]["auth"] is None
    cut = await bluesky.search("Acme", since=datetime(2026, 11, 21, tzinfo=UTC))
    assert [m.external_id[-2:] for m in cut.items] == ["s3"] and not cut.has_more


async def test_search_logs_in_and_logs_in_again_when_the_token_expires(
    xrpc: ThreadedServer, client: httpx.AsyncClient
) -> None:
    bluesky = searcher(xrpc, client, identifier="acme.bsky.social", app_password="abcd-efgh-ijkl-mnop")
    await bluesky.search("Acme", since=SINCE)
    SEARCH.expire_next = True
    await bluesky.search("Acme", since=SINCE)
    assert SEARCH.logins == 2
    assert [r["auth"] for r in SEARCH.requests] == ["Bearer jwt-1", "Bearer jwt-1", "Bearer jwt-2"]


async def test_search_with_a_wrong_app_password(xrpc: ThreadedServer, client: httpx.AsyncClient) -> None:
    bluesky = searcher(xrpc, client, identifier="acme.bsky.social", app_password="wrong-pass-word")
    with pytest.raises(AuthError) as caught:
        await bluesky.search("Acme", since=SINCE)
    assert "wrong-pass-word" not in str(caught.value.to_dict())


async def test_search_rate_limits_and_broken_answers(xrpc: ThreadedServer, client: httpx.AsyncClient) -> None:
    SEARCH.limited = True
    with pytest.raises(RateLimitedError) as caught:
        await searcher(xrpc, client).search("Acme", since=SINCE)
    assert caught.value.retry_after == 20
    with pytest.raises(UnavailableError) as caught:
        await searcher(xrpc, client).search("broken", since=SINCE)
    assert caught.value.code == "connector_bad_response"


async def test_fetch_backfills_every_term_then_starts_a_new_pass(
    xrpc: ThreadedServer, client: httpx.AsyncClient
) -> None:
    bluesky = searcher(xrpc, client)
    cursor = None
    delivered: list[str] = []
    more = True
    calls = 0
    while more:
        page = await bluesky.fetch(since=SINCE, cursor=cursor)
        delivered += [m.external_id[-2:] for m in page.items]
        cursor, more = page.cursor, page.has_more
        calls += 1
    assert [r["q"] for r in SEARCH.requests] == ["Acme", "Acme", "#acmecaido", "#acmecaido"]
    assert calls == 4
    assert delivered == ["s2", "s3", "s1"]  # the same posts found by the hashtag are not delivered twice
    again = await bluesky.fetch(since=SINCE, cursor=cursor)
    assert again.items == []
    assert SEARCH.requests[-1]["since"] > "2026-11-01"  # the new pass starts where the last one began
