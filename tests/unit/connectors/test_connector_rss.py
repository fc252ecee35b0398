"""The RSS/Atom connector against a real local HTTP server: conditional GETs, restarts, rate limits, broken feeds."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from baliza.core import i18n
from baliza.ingest.connectors.base import ConnectorError, RateLimitedError, UnavailableError
from baliza.ingest.connectors.netguard import UnsafeURLError, guarded_client
from baliza.ingest.connectors.registry import make_connector
from baliza.ingest.connectors.rss import RSSConnector, RSSSettings
from tests.unit.connectors.connector_servers import ThreadedServer, serving

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
SINCE = datetime(2026, 11, 1, tzinfo=UTC)
LAST_MODIFIED = "Sun, 22 Nov 2026 08:00:00 GMT"


def rss_item(n: int, *, day: int = 20, title: str | None = None, guid: bool = True) -> str:
    guid_tag = f"<guid isPermaLink='false'>news-{n}</guid>" if guid else ""
    return f"""
    <item>
      {guid_tag}
      <title>{title or f"Banco Acme: noticia {n}"}</title>
      <link>https://noticias.example/acme/{n}</link>
      <description>&lt;p&gt;Clientes de &lt;b&gt;Acme&lt;/b&gt; sin servicio &amp;amp; quejas ({n}).&lt;/p&gt;
      </description>
      <pubDate>Fri, {day} Nov 2026 10:{n:02d}:00 GMT</pubDate>
      <author>redaccion@noticias.example (Redacción)</author>
    </item>"""


def rss(items: list[str]) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
  <title>Noticias</title><link>https://noticias.example/</link><language>es-ES</language>
  {"".join(items)}
</channel></rss>"""


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>Acme watchers blog</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2026-11-21T18:30:02Z</updated>
  <entry>
    <title>Why the Acme outage matters</title>
    <link href="https://blog.example/acme-outage"/>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <updated>2026-11-21T18:30:02Z</updated>
    <author><name>Jo Writer</name></author>
    <content type="html">&lt;p&gt;Three days &lt;em&gt;without&lt;/em&gt; cards.&lt;/p&gt;
      &lt;script&gt;alert(1)&lt;/script&gt;</content>
  </entry>
</feed>"""


@dataclass
class FeedState:
    """What the local feed server serves, and what it was asked."""

    body: str = ""
    content_type: str = "application/rss+xml; charset=utf-8"
    requests: list[dict[str, str]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body.encode()).hexdigest()[:16] + '"'


STATE = FeedState()


async def feed(request: Request) -> Response:
    STATE.requests.append(dict(request.headers))
    if request.headers.get("if-none-match") == STATE.etag:
        STATE.answers.append(304)
        return Response(status_code=304, headers={"ETag": STATE.etag})
    STATE.answers.append(200)
    return Response(
        STATE.body, media_type=STATE.content_type, headers={"ETag": STATE.etag, "Last-Modified": LAST_MODIFIED}
    )


async def dated(request: Request) -> Response:
    """A server with Last-Modified but no ETag."""
    STATE.requests.append(dict(request.headers))
    if request.headers.get("if-modified-since") == LAST_MODIFIED:
        return Response(status_code=304)
    return Response(STATE.body, media_type="application/rss+xml", headers={"Last-Modified": LAST_MODIFIED})


async def limited(request: Request) -> Response:
    return PlainTextResponse("slow down", status_code=429, headers={"Retry-After": "7"})


async def broken(request: Request) -> Response:
    return Response("<html><body>Maintenance <<< </body", media_type="text/html")


async def gone(request: Request) -> Response:
    return PlainTextResponse("gone", status_code=410)


async def failing(request: Request) -> Response:
    return PlainTextResponse("oops", status_code=502)


async def atom(request: Request) -> Response:
    return Response(ATOM, media_type="application/atom+xml")


async def moved(request: Request) -> Response:
    return RedirectResponse("/feed", status_code=301)


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    routes = [
        Route(path, endpoint)
        for path, endpoint in [
            ("/feed", feed),
            ("/dated", dated),
            ("/limited", limited),
            ("/broken", broken),
            ("/gone", gone),
            ("/failing", failing),
            ("/atom", atom),
            ("/moved", moved),
        ]
    ]
    with serving(Starlette(routes=routes)) as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with guarded_client(allow_private=True) as guarded:  # the test server is on 127.0.0.1
        yield guarded


@pytest.fixture(autouse=True)
def fresh_state() -> None:
    STATE.body = rss([rss_item(1), rss_item(2)])
    STATE.requests.clear()
    STATE.answers.clear()


def connector(server: ThreadedServer, client: httpx.AsyncClient, path: str = "/feed", **extra: Any) -> RSSConnector:
    settings = RSSSettings(url=f"{server.url}{path}", **extra)
    return RSSConnector(settings, client=client, clock=lambda: NOW, allow_private=True)


async def test_first_fetch_delivers_entries_as_mentions(server: ThreadedServer, client: httpx.AsyncClient) -> None:
    page = await connector(server, client).fetch(since=SINCE, cursor=None)
    assert [m.external_id for m in page.items] == ["news-1", "news-2"]
    first = page.items[0]
    assert first.platform == "news"
    assert first.text == "Banco Acme: noticia 1\n\nClientes de Acme sin servicio & quejas (1)."
    assert first.url == "https://noticias.example/acme/1"
    assert first.created_at == datetime(2026, 11, 20, 10, 1, tzinfo=UTC)
    assert first.lang == "es-es"
    assert first.author is not None and first.author.handle == "redaccion@noticias.example (Redacción)"
    assert page.has_more is False and page.skipped == []


async def test_conditional_get_and_restart_from_the_cursor_no_gap_no_duplicate(
    server: ThreadedServer, client: httpx.AsyncClient
) -> None:
    page = await connector(server, client).fetch(since=SINCE, cursor=None)
    cursor = page.cursor
    assert "If-None-Match".lower() not in STATE.requests[0]

    # Unchanged feed: the server answers 304 and nothing is delivered.
    again = await connector(server, client).fetch(since=SINCE, cursor=cursor)
    assert again.items == [] and again.cursor == cursor
    assert STATE.requests[-1]["if-none-match"] == STATE.etag
    assert STATE.requests[-1]["if-modified-since"] == LAST_MODIFIED
    assert STATE.answers == [200, 304]

    # New entries arrive while "the process" is down; a new connector resumes from the saved cursor.
    STATE.body = rss([rss_item(3), rss_item(4), rss_item(1), rss_item(2)])
    resumed = await connector(server, client).fetch(since=SINCE, cursor=cursor)
    assert [m.external_id for m in resumed.items] == ["news-3", "news-4"]
    assert STATE.answers[-1] == 200
    after = await connector(server, client).fetch(since=SINCE, cursor=resumed.cursor)
    assert after.items == []


async def test_last_modified_alone_is_used_when_there_is_no_etag(
    server: ThreadedServer, client: httpx.AsyncClient
) -> None:
    first = await connector(server, client, "/dated").fetch(since=SINCE, cursor=None)
    second = await connector(server, client, "/dated").fetch(since=SINCE, cursor=first.cursor)
    assert len(first.items) == 2 and second.items == []
    assert STATE.requests[-1]["if-modified-since"] == LAST_MODIFIED
    assert "if-none-match" not in STATE.requests[-1]


async def test_entries_older_than_since_are_not_delivered(server: ThreadedServer, client: httpx.AsyncClient) -> None:
    STATE.body = rss([rss_item(1, day=2), rss_item(2, day=21)])
    page = await connector(server, client).fetch(since=datetime(2026, 11, 10, tzinfo=UTC), cursor=None)
    assert [m.external_id for m in page.items] == ["news-2"]


async def test_malformed_entries_are_reported_and_the_rest_kept(
    server: ThreadedServer, client: httpx.AsyncClient
) -> None:
    no_id = "<item><description></description></item>"
    control = rss_item(5, title="Acme \x1b[31m")
    STATE.body = rss([rss_item(1), no_id, rss_item(2)]).replace(
        "</channel>", control.replace("\x1b", "&#27;") + "</channel>"
    )
    page = await connector(server, client).fetch(since=SINCE, cursor=None)
    assert [m.external_id for m in page.items] == ["news-1", "news-2"]
    assert [s.code for s in page.skipped] == ["feed_entry_without_id", "invalid_item"]
    assert page.skipped[1].external_id == "news-5"


async def test_a_broken_feed_is_unavailable_not_fatal(server: ThreadedServer, client: httpx.AsyncClient) -> None:
    with pytest.raises(UnavailableError) as caught:
        await connector(server, client, "/broken").fetch(since=SINCE, cursor=None)
    assert caught.value.code == "feed_malformed" and caught.value.retryable
    assert caught.value.message == (
        f"{server.url}/broken did not answer with a readable RSS or Atom feed; will try again."
    )


async def test_rate_limit_answers_carry_retry_after(server: ThreadedServer, client: httpx.AsyncClient) -> None:
    with pytest.raises(RateLimitedError) as caught:
        await connector(server, client, "/limited").fetch(since=SINCE, cursor=None)
    assert caught.value.retry_after == 7
    assert caught.value.message == f"{server.url}/limited asked us to slow down; trying again in 7 seconds."
    with i18n.use_locale("es"), pytest.raises(RateLimitedError) as caught:
        await connector(server, client, "/limited").fetch(since=SINCE, cursor=None)
    assert caught.value.message == f"{server.url}/limited pidió que bajemos el ritmo; se reintentará en 7 segundos."


async def test_gone_and_failing_feeds(server: ThreadedServer, client: httpx.AsyncClient) -> None:
    with pytest.raises(ConnectorError) as caught:
        await connector(server, client, "/gone").fetch(since=SINCE, cursor=None)
    assert caught.value.code == "source_not_found" and not caught.value.retryable
    with pytest.raises(UnavailableError) as caught:
        await connector(server, client, "/failing").fetch(since=SINCE, cursor=None)
    assert caught.value.code == "connector_server_error" and caught.value.details["status"] == 502


async def test_atom_blog_entries(server: ThreadedServer, client: httpx.AsyncClient) -> None:
    page = await connector(server, client, "/atom", kind="blog").fetch(since=SINCE, cursor=None)
    [entry] = page.items
    assert entry.platform == "blog"
    assert entry.external_id == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert entry.text == "Why the Acme outage matters\n\nThree days without cards."  # the script is gone
    assert entry.lang == "en"
    assert entry.author is not None and entry.author.handle == "Jo Writer"


async def test_redirects_are_followed(server: ThreadedServer, client: httpx.AsyncClient) -> None:
    page = await connector(server, client, "/moved").fetch(since=SINCE, cursor=None)
    assert len(page.items) == 2


async def test_the_seen_list_is_bounded_but_keeps_what_is_still_in_the_feed(
    server: ThreadedServer, client: httpx.AsyncClient
) -> None:
    feed_conn = connector(server, client, max_seen=50)
    cursor = None
    for batch in range(3):
        STATE.body = rss([rss_item(batch * 40 + n) for n in range(40)])
        page = await feed_conn.fetch(since=SINCE, cursor=cursor)
        assert len(page.items) == 40
        cursor = page.cursor
    assert cursor is not None
    STATE.body = rss([rss_item(80 + n) for n in range(40)])
    repeat = await feed_conn.fetch(since=SINCE, cursor=cursor)
    assert repeat.items == []


async def test_a_private_feed_is_refused_before_any_request(client: httpx.AsyncClient) -> None:
    STATE.requests.clear()
    refusing = RSSConnector(RSSSettings(url="http://127.0.0.1:9/feed"), client=client, clock=lambda: NOW)
    with pytest.raises(UnsafeURLError) as caught:
        await refusing.fetch(since=SINCE, cursor=None)
    assert caught.value.reason == "loopback"
    metadata = RSSConnector(RSSSettings(url="http://169.254.169.254/latest"), client=client, clock=lambda: NOW)
    with pytest.raises(UnsafeURLError) as caught:
        await metadata.fetch(since=SINCE, cursor=None)
    assert caught.value.reason == "link_local"


def test_settings_refuse_bad_urls_on_save() -> None:
    with pytest.raises(ValueError, match="must start with https:// or http://"):
        RSSSettings(url="file:///etc/passwd")
    with pytest.raises(ValueError, match="must not contain a user name or password"):
        RSSSettings(url="https://user:pw@feeds.example/rss")


async def test_through_the_registry(server: ThreadedServer) -> None:
    async with guarded_client(allow_private=True) as client:
        made = make_connector("rss", {"url": f"{server.url}/feed"}, client=client, allow_private=True)
        page = await made.fetch(since=SINCE, cursor=None)
    assert len(page.items) == 2
