"""The Mastodon connector against a real local Mastodon API (mastodon-mock on 127.0.0.1): REST paging, search,
server-sent-event streaming, rate limits, broken answers, and a stream cut mid-way then resumed from the cursor."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from mastodon_mock.testing import MockServer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from baliza.core import i18n
from baliza.ingest.connectors.base import (
    AuthError,
    Backoff,
    Health,
    MentionPage,
    RateLimitedError,
    UnavailableError,
    run_with_backoff,
)
from baliza.ingest.connectors.mastodon import MastodonConnector, MastodonSettings, status_to_mention
from baliza.ingest.connectors.netguard import UnsafeURLError, guarded_client
from tests.unit.connectors.connector_servers import TcpProxy, collect, serving, wait_until

TOKEN = "alice_token"  # mastodon-mock's seeded account
SINCE = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server


@pytest.fixture
async def client(mock: MockServer) -> AsyncIterator[httpx.AsyncClient]:
    async with guarded_client(allow_private=True) as guarded:
        await guarded.post(f"{mock.base_url}/api/v1/_mock/reset")
        yield guarded


async def post(client: httpx.AsyncClient, base_url: str, text: str, **extra: Any) -> str:
    response = await client.post(
        f"{base_url}/api/v1/statuses",
        json={"status": text, "language": "es", **extra},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


async def fault(client: httpx.AsyncClient, base_url: str, path: str, effect: dict[str, Any]) -> None:
    response = await client.post(
        f"{base_url}/api/v1/_mock/faults", json={"match": {"path": path}, "effect": effect, "count": 1}
    )
    assert response.status_code == 200, response.text


def make(base_url: str, client: httpx.AsyncClient, **settings: Any) -> MastodonConnector:
    values: dict[str, Any] = {"base_url": base_url, "access_token": TOKEN, "hashtags": ["crisis"], **settings}
    return MastodonConnector(MastodonSettings(**values), client=client, allow_private=True)


def ids(pages: list[MentionPage]) -> list[str]:
    return [item.external_id for page in pages for item in page.items]


async def test_statuses_become_mentions(mock: MockServer, client: httpx.AsyncClient) -> None:
    reply_to = await post(client, mock.base_url, "Primero #crisis")
    status_id = await post(
        client,
        mock.base_url,
        "El <b>Banco</b> Acme no funciona #Crisis @bob",
        in_reply_to_id=reply_to,
        spoiler_text="Quejas",
    )
    page = await make(mock.base_url, client).fetch(since=SINCE, cursor=None)
    assert ids([page]) == [reply_to, status_id]
    item = page.items[1]
    assert item.platform == "mastodon"
    assert item.text == "Quejas\n\nEl <b>Banco</b> Acme no funciona #Crisis @bob"  # the HTML is decoded, not run
    assert item.lang == "es"
    assert item.reply_to == reply_to
    assert item.url == f"https://mock.local/@alice/{status_id}"
    assert item.author is not None and (item.author.handle, item.author.display_name) == ("alice", "Alice")


def test_html_content_becomes_plain_text() -> None:
    status = {
        "id": "109",
        "created_at": "2026-11-22T09:00:00.000Z",
        "content": '<p>Hola <a href="https://m.example/tags/crisis" class="mention hashtag" rel="tag">#<span>crisis'
        "</span></a> &amp; m&aacute;s</p><p>Segunda<br>línea</p>",
        "account": {"acct": "ana@m.example", "display_name": "Ana", "followers_count": 12},
        "reblog": None,
        "language": "es",
        "favourites_count": 3,
        "reblogs_count": 2,
        "replies_count": 1,
    }
    item = status_to_mention(status)
    assert not isinstance(item, type(None))
    assert getattr(item, "text") == "Hola #crisis & más\nSegunda\nlínea"  # noqa: B009
    assert (getattr(item, "likes"), getattr(item, "reposts"), getattr(item, "replies")) == (3, 2, 1)  # noqa: B009


async def test_fetch_resumes_from_the_cursor_no_gap_no_duplicate(mock: MockServer, client: httpx.AsyncClient) -> None:
    first = [await post(client, mock.base_url, f"uno {n} #crisis") for n in range(3)]
    await post(client, mock.base_url, "sin etiqueta")
    page = await make(mock.base_url, client).fetch(since=SINCE, cursor=None)
    assert ids([page]) == first
    assert (await make(mock.base_url, client).fetch(since=SINCE, cursor=page.cursor)).items == []

    later = [await post(client, mock.base_url, f"dos {n} #crisis") for n in range(2)]
    # A "restarted" connector: a new instance with only the saved cursor.
    resumed = await make(mock.base_url, client).fetch(since=SINCE, cursor=page.cursor)
    assert ids([resumed]) == later


async def test_min_id_paging_hands_over_with_has_more(mock: MockServer, client: httpx.AsyncClient) -> None:
    start = await make(mock.base_url, client).fetch(since=SINCE, cursor=None)
    posted = [await post(client, mock.base_url, f"ola {n} #crisis") for n in range(45)]
    connector = make(mock.base_url, client, max_pages=1)
    one = await connector.fetch(since=SINCE, cursor=start.cursor)
    assert one.has_more and ids([one]) == posted[:40]  # the 40 right after the cursor: no gap
    two = await connector.fetch(since=SINCE, cursor=one.cursor)
    assert not two.has_more and ids([two]) == posted[40:]


async def test_a_status_on_two_timelines_is_delivered_once(mock: MockServer, client: httpx.AsyncClient) -> None:
    both = await post(client, mock.base_url, "en ambos #crisis")
    only_public = await post(client, mock.base_url, "solo público")
    page = await make(mock.base_url, client, public=True).fetch(since=SINCE, cursor=None)
    assert ids([page]) == [both, only_public]
    again = await post(client, mock.base_url, "otra vez #crisis")
    next_page = await make(mock.base_url, client, public=True).fetch(since=SINCE, cursor=page.cursor)
    assert ids([next_page]) == [again]


async def test_rate_limits_carry_the_platform_delay(mock: MockServer, client: httpx.AsyncClient) -> None:
    await fault(
        client, mock.base_url, "/api/v1/timelines/tag/crisis", {"type": "ratelimit", "headers": {"Retry-After": "30"}}
    )
    connector = make(mock.base_url, client)
    with pytest.raises(RateLimitedError) as caught:
        await connector.fetch(since=SINCE, cursor=None)
    assert caught.value.retry_after == 30
    assert caught.value.message == (f"Mastodon at {mock.base_url} asked us to slow down; trying again in 30 seconds.")
    await fault(client, mock.base_url, "/api/v1/timelines/tag/crisis", {"type": "ratelimit"})
    with pytest.raises(RateLimitedError) as caught:
        await connector.fetch(since=SINCE, cursor=None)
    assert caught.value.retry_after == 300  # the mock's X-RateLimit-Reset / Retry-After defaults
    assert (await connector.fetch(since=SINCE, cursor=None)).items == []  # the fault is spent


async def test_a_malformed_answer_is_unavailable(mock: MockServer, client: httpx.AsyncClient) -> None:
    await fault(client, mock.base_url, "/api/v1/timelines/tag/crisis", {"type": "malformed"})
    with pytest.raises(UnavailableError) as caught:
        await make(mock.base_url, client).fetch(since=SINCE, cursor=None)
    assert caught.value.code == "connector_bad_response"


async def test_a_refused_token_is_an_auth_error(mock: MockServer, client: httpx.AsyncClient) -> None:
    await fault(client, mock.base_url, "/api/v1/timelines/tag/crisis", {"type": "status", "status": 401})
    with i18n.use_locale("es"), pytest.raises(AuthError) as caught:
        await make(mock.base_url, client).fetch(since=SINCE, cursor=None)
    assert caught.value.message == (
        f"Mastodon en {mock.base_url} rechazó las credenciales del conector (HTTP 401); revísalas en la "
        "configuración del conector."
    )
    assert "alice_token" not in str(caught.value.to_dict())


async def test_search_backfill(mock: MockServer, client: httpx.AsyncClient) -> None:
    old = await post(client, mock.base_url, "Acme cobra comisiones")
    new = await post(client, mock.base_url, "Acme sin servicio")
    await post(client, mock.base_url, "Otra cosa")
    connector = make(mock.base_url, client)
    page = await connector.search("Acme", since=SINCE)
    assert ids([page]) == [old, new]
    assert page.has_more is False
    # The mock ignores max_id: the connector's own filter keeps a second page from repeating the first.
    second = await connector.search("Acme", since=SINCE, cursor=page.cursor)
    assert second.items == []
    recent = await connector.search("Acme", since=datetime.now(UTC) + timedelta(hours=1))
    assert recent.items == []


async def test_the_instance_address_is_guarded(client: httpx.AsyncClient) -> None:
    settings = MastodonSettings(base_url="http://10.0.0.1", hashtags=["crisis"])
    with pytest.raises(UnsafeURLError):
        await MastodonConnector(settings, client=client).fetch(since=SINCE, cursor=None)


# --- streaming ------------------------------------------------------------------------------------------------


async def test_stream_delivers_live_statuses(mock: MockServer, client: httpx.AsyncClient) -> None:
    connector = make(mock.base_url, client)
    start = await connector.fetch(since=SINCE, cursor=None)
    pages: list[MentionPage] = []
    task = asyncio.create_task(collect(connector.stream(cursor=start.cursor), pages))
    try:
        live = await post(client, mock.base_url, "en directo #crisis")
        await post(client, mock.base_url, "no nos interesa")
        await wait_until(lambda: live in ids(pages))
        assert ids(pages) == [live]
        assert json.loads(pages[-1].cursor or "")["timelines"] == {"tag:crisis": live}
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_stream_cut_mid_way_and_restarted_from_the_cursor_no_gap_no_duplicate(
    mock: MockServer, client: httpx.AsyncClient
) -> None:
    async with TcpProxy("127.0.0.1", mock.port) as proxy:
        before = await post(client, mock.base_url, "antes #crisis")
        start = await make(proxy.url, client).fetch(since=SINCE, cursor=None)
        assert ids([start]) == [before]

        pages: list[MentionPage] = []
        async with guarded_client(allow_private=True) as first_client:
            task = asyncio.create_task(collect(make(proxy.url, first_client).stream(cursor=start.cursor), pages))
            during = await post(client, mock.base_url, "durante #crisis")
            await wait_until(lambda: during in ids(pages))
            proxy.drop()  # the network goes away mid-stream
            with pytest.raises(UnavailableError) as caught:
                await task
        assert caught.value.code == "stream_disconnected"
        assert caught.value.message == (
            f"The stream from Mastodon at {proxy.url} was interrupted; reconnecting from the last saved position."
        )
        saved = pages[-1].cursor

        missed = [await post(client, mock.base_url, f"mientras tanto {n} #crisis") for n in range(3)]

        async with guarded_client(allow_private=True) as second_client:  # a new process
            resumed: list[MentionPage] = []
            task = asyncio.create_task(collect(make(proxy.url, second_client).stream(cursor=saved), resumed))
            after = await post(client, mock.base_url, "después #crisis")
            await wait_until(lambda: after in ids(resumed))
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        delivered = ids(pages) + ids(resumed)
        assert delivered == [during, *missed, after]


async def test_the_runner_reconnects_a_dropped_stream_by_itself(mock: MockServer, client: httpx.AsyncClient) -> None:
    async with TcpProxy("127.0.0.1", mock.port) as proxy:
        connector = make(proxy.url, client)
        start = await connector.fetch(since=SINCE, cursor=None)
        stored: list[str] = []
        posted: list[str] = []
        stop = asyncio.Event()
        health = Health("mastodon")

        async def on_page(page: MentionPage) -> None:
            stored.extend(item.external_id for item in page.items)
            if len(stored) == 1:
                proxy.drop()  # cut right after the first status was stored
            if len(stored) == 3:
                stop.set()

        async def backoff_sleep(seconds: float) -> None:
            # While "waiting" to reconnect, someone posts: the catch-up must bring it.
            posted.append(await post(client, mock.base_url, "en la pausa #crisis"))

        async def first_post() -> None:
            await wait_until(lambda: proxy.connections >= 1)
            posted.append(await post(client, mock.base_url, "uno #crisis"))
            await wait_until(lambda: len(stored) >= 2)
            posted.append(await post(client, mock.base_url, "tres #crisis"))

        poster = asyncio.create_task(first_post())
        await run_with_backoff(
            connector.stream,
            cursor=start.cursor,
            on_page=on_page,
            health=health,
            backoff=Backoff(sleep=backoff_sleep, random=lambda: 0.5),
            stop=stop,
        )
        await poster
    assert stored == posted
    assert health.last_error_code == "stream_disconnected"
    assert health.state.value == "ok" and health.items == 3


async def test_stream_rate_limited_on_connect(mock: MockServer, client: httpx.AsyncClient) -> None:
    await fault(
        client, mock.base_url, "/api/v1/streaming/hashtag", {"type": "ratelimit", "headers": {"Retry-After": "12"}}
    )
    with pytest.raises(RateLimitedError) as caught:
        await anext(make(mock.base_url, client).stream(cursor=None))
    assert caught.value.retry_after == 12


async def _sse(request: Request) -> StreamingResponse:
    status = {
        "id": "200",
        "created_at": "2026-11-22T09:00:00.000Z",
        "content": "<p>Bien #crisis</p>",
        "account": {"acct": "ana"},
        "language": "es",
    }

    async def events() -> AsyncIterator[bytes]:
        yield b":connected\n\n"
        yield b"event: update\ndata: {not json\n\n"
        yield b"event: update\ndata: " + json.dumps({"id": "199", "content": "sin fecha"}).encode() + b"\n\n"
        yield b"event: delete\ndata: 150\n\n"
        yield b":thump\n\n"
        yield b"event: update\ndata: " + json.dumps(status).encode() + b"\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


async def test_malformed_events_are_reported_not_fatal(client: httpx.AsyncClient) -> None:
    with serving(Starlette(routes=[Route("/api/v1/streaming/hashtag", _sse)])) as server:
        pages: list[MentionPage] = []
        with pytest.raises(UnavailableError) as caught:
            await collect(make(server.url, client).stream(cursor=None), pages)
    assert caught.value.code == "stream_disconnected"  # the server closed the stream at the end
    assert [s.code for page in pages for s in page.skipped] == ["malformed_event", "invalid_item"]
    assert ids(pages) == ["200"]
    assert pages[0].skipped[0].excerpt == "{not json"


def test_settings_need_something_to_follow_and_clean_hashtags() -> None:
    with pytest.raises(ValueError, match="follow at least one hashtag or the public timeline"):
        MastodonSettings(base_url="https://m.example")
    with pytest.raises(ValueError, match="is not a hashtag"):
        MastodonSettings(base_url="https://m.example", hashtags=["two words"])
    settings = MastodonSettings(base_url="https://m.example/", hashtags=["#Crisis", "crisis", "acme_bank"])
    assert settings.hashtags == ["Crisis", "acme_bank"] and settings.base_url == "https://m.example"
