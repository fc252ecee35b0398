"""The X connector against a local X API v2 (uvicorn on 127.0.0.1): stream rules, the filtered stream with
keep-alives, a cut mid-stream and a restart from the cursor (no gap, no duplicate), recent search paging,
rate limits with ``x-rate-limit-reset``, and malformed answers."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from baliza.core import i18n
from baliza.ingest.connectors.base import (
    AuthError,
    Backoff,
    ConnectorError,
    Health,
    MentionPage,
    RateLimitedError,
    UnavailableError,
    run_with_backoff,
)
from baliza.ingest.connectors.netguard import UnsafeURLError, guarded_client
from baliza.ingest.connectors.registry import get_connector_class
from baliza.ingest.connectors.x import XConnector, XSettings, build_queries, tweet_to_mention
from baliza.ingest.schemas import MentionIn
from tests.unit.connectors.connector_servers import TcpProxy, ThreadedServer, collect, serving, wait_until

TOKEN = "AAAA-x-bearer-S3cr3t"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SINCE = datetime(2026, 11, 20, tzinfo=UTC)
BASE_ID = 2_124_000_000_000_000_000  # snowflakes of 21 November 2026

USERS = {
    "101": {
        "id": "101",
        "username": "ana_gomez",
        "name": "Ana Gómez",
        "verified": False,
        "description": "Clienta de Acme desde 2010",
        "created_at": "2012-03-01T10:00:00.000Z",
        "public_metrics": {"followers_count": 1520, "following_count": 310, "tweet_count": 9000, "listed_count": 3},
    },
    "102": {
        "id": "102",
        "username": "newsdesk",
        "name": "News Desk",
        "verified": True,
        "description": "Breaking news",
        "created_at": "2009-01-01T00:00:00.000Z",
        "public_metrics": {"followers_count": 250000, "following_count": 12, "tweet_count": 1, "listed_count": 900},
    },
}


# --- a small X API v2 --------------------------------------------------------------------------------------------


def _terms(query: str) -> tuple[list[str], list[str], bool]:
    """(terms, languages, no retweets) of the queries the connector writes: ``(a OR "b c") lang:es -is:retweet``."""
    group = re.match(r"^\(([^)]*)\)", query)
    body = group.group(1) if group else query
    terms = [quoted or word for quoted, word in re.findall(r'"([^"]+)"|([^\s()"]+)', body) if (quoted or word) != "OR"]
    return terms, re.findall(r"lang:(\w+)", query), "-is:retweet" in query


def matches(query: str, tweet: dict[str, Any]) -> bool:
    terms, langs, no_retweets = _terms(query)
    text = tweet["text"].casefold()
    if langs and tweet.get("lang") not in langs:
        return False
    if no_retweets and any(r["type"] == "retweeted" for r in tweet.get("referenced_tweets", [])):
        return False
    return any(term.casefold() in text for term in terms)


@dataclass
class FakeX:
    """What the local X API holds and serves, and what it was asked."""

    tweets: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # everything sent live, in order (as raw stream lines)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    rule_posts: list[Any] = field(default_factory=list)
    faults: dict[str, list[Response]] = field(default_factory=dict)
    page_size: int = 100
    stream_connections: int = 0
    on_stream_connect: Callable[[], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_rule: int = 1

    def post(self, n: int, text: str, *, author: str = "101", lang: str = "es", **extra: Any) -> str:
        """A new post: stored for search and sent to the open streams it matches."""
        tweet = {
            "id": str(BASE_ID + n),
            "text": text,
            "author_id": author,
            "created_at": f"2026-11-22T09:{n // 60:02d}:{n % 60:02d}.000Z",
            "lang": lang,
            "conversation_id": str(BASE_ID + n),
            "edit_history_tweet_ids": [str(BASE_ID + n)],
            "public_metrics": {
                "retweet_count": 1,
                "reply_count": 2,
                "like_count": 3,
                "quote_count": 4,
                "bookmark_count": 0,
                "impression_count": 120,
            },
            **extra,
        }
        with self.lock:
            self.tweets.append(tweet)
            matched = [{"id": r["id"], "tag": r["tag"]} for r in self.rules if matches(r["value"], tweet)]
            if matched:
                self.lines.append(
                    json.dumps({"data": tweet, "includes": {"users": [USERS[author]]}, "matching_rules": matched})
                )
        return tweet["id"]

    def send_raw(self, line: str) -> None:
        with self.lock:
            self.lines.append(line)

    def fail(self, path: str, response: Response) -> None:
        self.faults.setdefault(path, []).append(response)


X = FakeX()


def _fault(request: Request) -> Response | None:
    X.requests.append((request.url.path, dict(request.query_params)))
    if request.headers.get("authorization") != f"Bearer {TOKEN}":
        return JSONResponse(
            {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, status_code=401
        )
    queued = X.faults.get(request.url.path)
    return queued.pop(0) if queued else None


async def rules_endpoint(request: Request) -> Response:
    fault = _fault(request)
    if fault is not None:
        return fault
    if request.method == "GET":
        body: dict[str, Any] = {"meta": {"sent": "2026-11-22T09:00:00.000Z", "result_count": len(X.rules)}}
        if X.rules:
            body["data"] = X.rules
        return JSONResponse(body)
    payload = await request.json()
    X.rule_posts.append(payload)
    if "delete" in payload:
        ids = set(payload["delete"]["ids"])
        X.rules = [r for r in X.rules if r["id"] not in ids]
        return JSONResponse({"meta": {"sent": "now", "summary": {"deleted": len(ids), "not_deleted": 0}}})
    created: list[dict[str, str]] = []
    errors: list[dict[str, Any]] = []
    for rule in payload["add"]:
        existing = next((r for r in X.rules if r["value"] == rule["value"]), None)
        if existing is not None:
            errors.append({"value": rule["value"], "id": existing["id"], "title": "DuplicateRule", "type": "x"})
        elif "lang:xx" in rule["value"]:
            errors.append(
                {
                    "value": rule["value"],
                    "details": ["Reference to invalid language: 'xx'"],
                    "title": "UnprocessableEntity",
                    "type": "https://api.twitter.com/2/problems/invalid-rules",
                }
            )
        else:
            new = {"id": str(9000 + X.next_rule), "value": rule["value"], "tag": rule["tag"]}
            X.next_rule += 1
            created.append(new)
    if not errors:
        X.rules += created
    body = {"meta": {"sent": "now", "summary": {"created": len(created), "not_created": len(errors)}}}
    if created and not errors:
        body["data"] = created
    if errors:
        body["errors"] = errors
    return JSONResponse(body)


async def search_recent(request: Request) -> Response:
    fault = _fault(request)
    if fault is not None:
        return fault
    params = request.query_params
    assert params["expansions"] == "author_id" and "public_metrics" in params["user.fields"]
    with X.lock:
        found = [t for t in X.tweets if matches(params["query"], t)]
    if "since_id" in params:
        found = [t for t in found if int(t["id"]) > int(params["since_id"])]
    if "start_time" in params:
        found = [t for t in found if t["created_at"] >= params["start_time"].replace("Z", ".000Z")]
    found.sort(key=lambda t: int(t["id"]), reverse=True)
    if "next_token" in params:  # X's tokens point into the result set: new posts do not shift later pages
        anchor = int(params["next_token"].removeprefix("before-"))
        found = [t for t in found if int(t["id"]) < anchor]
    page = found[: X.page_size]
    meta: dict[str, Any] = {"result_count": len(page)}
    if page:
        meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        users = sorted({t["author_id"] for t in page})
        body: dict[str, Any] = {"data": page, "includes": {"users": [USERS[u] for u in users]}}
    else:
        body = {}
    if len(found) > X.page_size:
        meta["next_token"] = f"before-{page[-1]['id']}"
    return JSONResponse({**body, "meta": meta})


async def filtered_stream(request: Request) -> Response:
    fault = _fault(request)
    if fault is not None:
        return fault
    with X.lock:
        start = len(X.lines)  # no replay: a connection gets what is posted after it opened
        X.stream_connections += 1
    if X.on_stream_connect is not None:
        X.on_stream_connect()

    async def lines() -> AsyncIterator[bytes]:
        index = start
        yield b"\r\n"  # X sends a keep-alive newline first, then every 20 seconds
        while True:
            if index < len(X.lines):
                yield X.lines[index].encode() + b"\r\n"
                index += 1
            else:
                await asyncio.sleep(0.005)

    return StreamingResponse(lines(), media_type="application/json")


@pytest.fixture(scope="module")
def api() -> Iterator[ThreadedServer]:
    routes = [
        Route("/2/tweets/search/stream/rules", rules_endpoint, methods=["GET", "POST"]),
        Route("/2/tweets/search/stream", filtered_stream),
        Route("/2/tweets/search/recent", search_recent),
    ]
    with serving(Starlette(routes=routes)) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    global X
    X = FakeX()
    yield


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with guarded_client(allow_private=True) as guarded:
        yield guarded


def make(base_url: str, client: httpx.AsyncClient, **settings: Any) -> XConnector:
    values: dict[str, Any] = {
        "bearer_token": TOKEN,
        "base_url": base_url,
        "keywords": ["Acme", "Banco Acme"],
        **settings,
    }
    return XConnector(XSettings(**values), client=client, clock=lambda: NOW, allow_private=True)


def ids(pages: list[MentionPage]) -> list[str]:
    return [item.external_id for page in pages for item in page.items]


def xid(n: int) -> str:
    return str(BASE_ID + n)


# --- mapping and settings -------------------------------------------------------------------------------------


def test_a_post_becomes_a_mention_with_its_author() -> None:
    tweet = {
        "id": xid(1),
        "text": "@AcmeBank otra vez sin servicio https://t.co/x",
        "note_tweet": {"text": "@AcmeBank otra vez sin servicio, y esta vez el texto largo entero"},
        "author_id": "101",
        "created_at": "2026-11-22T09:00:01.000Z",
        "lang": "es",
        "public_metrics": {
            "retweet_count": 5,
            "reply_count": 6,
            "like_count": 7,
            "quote_count": 8,
            "impression_count": 900,
        },
        "referenced_tweets": [{"type": "replied_to", "id": xid(0)}, {"type": "quoted", "id": "77"}],
    }
    item = tweet_to_mention(tweet, USERS)
    assert isinstance(item, MentionIn)
    assert item.platform == "x" and item.external_id == xid(1)
    assert item.text == "@AcmeBank otra vez sin servicio, y esta vez el texto largo entero"
    assert item.url == f"https://x.com/ana_gomez/status/{xid(1)}"
    assert (item.likes, item.reposts, item.replies, item.quotes, item.views) == (7, 5, 6, 8, 900)
    assert (item.reply_to, item.quote_of, item.repost_of) == (xid(0), "77", None)
    author = item.author
    assert author is not None
    assert (author.handle, author.display_name, author.followers, author.following) == (
        "ana_gomez",
        "Ana Gómez",
        1520,
        310,
    )
    assert author.bio == "Clienta de Acme desde 2010" and author.verified is False
    assert author.account_created_at == datetime(2012, 3, 1, 10, tzinfo=UTC)
    # X's "und" (undetermined) and private codes such as "qme" are no language.
    for code in ("und", "qme", "zxx"):
        other = tweet_to_mention({**tweet, "lang": code}, {})
        assert isinstance(other, MentionIn) and other.lang is None
    unknown_author = tweet_to_mention(tweet, {})
    assert isinstance(unknown_author, MentionIn) and unknown_author.author is None
    assert unknown_author.url == f"https://x.com/i/status/{xid(1)}"


def test_keywords_become_as_few_rules_as_fit() -> None:
    settings = XSettings(
        bearer_token=TOKEN, keywords=["Acme", "Banco Acme", "acme", "#AcmeCaído", "acme-bank"], languages=["es", "EN"]
    )
    assert build_queries(settings) == [
        '(Acme OR "Banco Acme" OR #AcmeCaído OR "acme-bank") (lang:es OR lang:en) -is:retweet'
    ]
    narrow = XSettings(
        bearer_token=TOKEN, keywords=[f"palabra{n:03d}" for n in range(20)], rule_max_length=64, include_reposts=True
    )
    queries = build_queries(narrow)
    assert all(len(q) <= 64 for q in queries) and len(queries) == 5
    assert queries[0] == "(palabra000 OR palabra001 OR palabra002 OR palabra003)"
    assert [w for q in queries for w in q.strip("()").split(" OR ")] == [f"palabra{n:03d}" for n in range(20)]
    assert (
        XSettings(bearer_token=TOKEN, query="from:AcmeBank has:links").model_dump()["query"]
        == "from:AcmeBank has:links"
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "give a search query or at least one keyword"),
        ({"keywords": ['say "hi"']}, "'say \"hi\"' cannot contain double quotes"),
        ({"keywords": ["acme"], "languages": ["Spanish"]}, "'Spanish' is not a language code such as es or en"),
        ({"query": "a" * 600}, "the query is 600 characters long; rules may have at most 512"),
        ({"keywords": ["acme"], "base_url": "ftp://api.x.com"}, "must start with https:// or http://"),
    ],
)
def test_settings_problems(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        XSettings(bearer_token=TOKEN, **values)


def test_the_secret_is_masked_and_the_connector_is_registered() -> None:
    shown = XSettings(bearer_token=TOKEN, keywords=["acme"]).model_dump(mode="json")
    assert shown["bearer_token"] == "**********"
    assert get_connector_class("x") is XConnector


# --- stream rules ---------------------------------------------------------------------------------------------


async def test_ensure_rules_adds_first_removes_only_its_own_stale_rules(
    api: ThreadedServer, client: httpx.AsyncClient
) -> None:
    X.rules = [
        {"id": "1", "value": "from:someone", "tag": "other-team"},
        {"id": "2", "value": "(old OR words) -is:retweet", "tag": "baliza"},
    ]
    connector = make(api.url, client)
    sync = await connector.ensure_rules()
    wanted = '(Acme OR "Banco Acme") -is:retweet'
    assert sync.added == [wanted] and sync.removed == ["(old OR words) -is:retweet"] and sync.kept == []
    assert X.rule_posts == [{"add": [{"value": wanted, "tag": "baliza"}]}, {"delete": {"ids": ["2"]}}]
    assert [(r["value"], r["tag"]) for r in X.rules] == [("from:someone", "other-team"), (wanted, "baliza")]
    again = await make(api.url, client).ensure_rules()
    assert again.kept == [wanted] and again.added == [] and again.removed == []
    assert len(X.rule_posts) == 2  # nothing to change: no writes


async def test_a_rule_that_exists_under_another_tag_counts_as_ours(
    api: ThreadedServer, client: httpx.AsyncClient
) -> None:
    X.rules = [{"id": "5", "value": '(Acme OR "Banco Acme") -is:retweet', "tag": "someone-else"}]
    sync = await make(api.url, client).ensure_rules()
    assert sync.rule_ids == {"5"}


async def test_an_invalid_rule_is_refused_with_the_platform_reason(
    api: ThreadedServer, client: httpx.AsyncClient
) -> None:
    connector = make(api.url, client, languages=["xx"])
    with i18n.use_locale("es"), pytest.raises(ConnectorError) as caught:
        await connector.ensure_rules()
    assert caught.value.code == "x_invalid_rule" and not caught.value.retryable
    assert caught.value.message == (
        f"API de X en {api.url} rechazó la regla del flujo '(Acme OR \"Banco Acme\") lang:xx -is:retweet': "
        "Reference to invalid language: 'xx'"
    )


# --- the filtered stream --------------------------------------------------------------------------------------


async def test_stream_delivers_matching_posts_and_reports_bad_lines(
    api: ThreadedServer, client: httpx.AsyncClient
) -> None:
    X.rules = [{"id": "1", "value": "(sol)", "tag": "weather-bot"}]  # another app user's rule: not for us
    pages: list[MentionPage] = []
    task = asyncio.create_task(collect(make(api.url, client).stream(cursor=None), pages))
    try:
        await wait_until(lambda: X.stream_connections == 1)
        first = X.post(1, "Banco Acme no funciona")
        X.post(2, "Hoy hace sol")  # matched only by the other rule
        X.send_raw("{not json")
        X.send_raw(json.dumps({"errors": [{"title": "Not Found Error", "detail": "Could not find user"}]}))
        X.send_raw(json.dumps({"data": {"text": "sin id"}, "matching_rules": [{"id": X.rules[1]["id"]}]}))
        second = X.post(3, "acme sigue caído", author="102")
        await wait_until(lambda: second in ids(pages))
        assert ids(pages) == [first, second]
        assert [s.code for page in pages for s in page.skipped] == [
            "malformed_event",
            "malformed_event",
            "malformed_post",
        ]
        assert pages[1].skipped[0].excerpt == "{not json"
        assert json.loads(pages[-1].cursor or "")["since_id"] == second
        author = pages[-1].items[0].author
        assert author is not None and (author.handle, author.verified, author.followers) == ("newsdesk", True, 250000)
        X.send_raw(
            json.dumps(
                {
                    "errors": [
                        {
                            "title": "operational-disconnect",
                            "disconnect_type": "UpstreamOperationalDisconnect",
                            "detail": "This stream has been disconnected upstream for operational reasons.",
                            "type": "https://api.twitter.com/2/problems/operational-disconnect",
                        }
                    ]
                }
            )
        )
        with pytest.raises(UnavailableError) as caught:
            await task
        assert caught.value.code == "stream_disconnected"
        assert caught.value.details["reason"] == "UpstreamOperationalDisconnect"
    finally:
        task.cancel()


async def test_stream_cut_mid_way_then_restarted_from_the_cursor_no_gap_no_duplicate(
    api: ThreadedServer, client: httpx.AsyncClient
) -> None:
    async with TcpProxy("127.0.0.1", api.port) as proxy:
        pages: list[MentionPage] = []
        async with guarded_client(allow_private=True) as first_client:
            task = asyncio.create_task(collect(make(proxy.url, first_client).stream(cursor=None), pages))
            await wait_until(lambda: X.stream_connections == 1)
            during = X.post(1, "Acme: primera queja")
            await wait_until(lambda: during in ids(pages))
            proxy.drop()  # the network goes away mid-stream
            with pytest.raises(UnavailableError) as caught:
                await task
        assert caught.value.code == "stream_disconnected"
        assert caught.value.message == (
            f"The stream from X API at {proxy.url} was interrupted; reconnecting from the last saved position."
        )
        saved = pages[-1].cursor

        missed = [X.post(n, f"Acme mientras tanto {n}") for n in (2, 3, 4)]
        X.post(5, "nada que ver")

        # Published just as the new stream opens: the catch-up search and the stream both bring it.
        def publish_on_connect() -> None:
            X.post(6, "Banco Acme justo al reconectar")

        X.on_stream_connect = publish_on_connect
        X.page_size = 2  # the catch-up has to page

        async with guarded_client(allow_private=True) as second_client:  # a new process with only the cursor
            resumed: list[MentionPage] = []
            task = asyncio.create_task(collect(make(proxy.url, second_client).stream(cursor=saved), resumed))
            await wait_until(lambda: xid(6) in ids(resumed))
            after = X.post(7, "Acme después")
            await wait_until(lambda: after in ids(resumed))
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    assert ids(pages) + ids(resumed) == [during, *missed, xid(6), after]
    searches = [params for path, params in X.requests if path == "/2/tweets/search/recent"]
    assert searches[0]["since_id"] == during and "start_time" not in searches[0]
    assert [s.get("next_token") for s in searches] == [None, f"before-{xid(4)}"]


async def test_the_runner_reconnects_after_a_drop_and_waits_out_a_rate_limit(
    api: ThreadedServer, client: httpx.AsyncClient
) -> None:
    async with TcpProxy("127.0.0.1", api.port) as proxy:
        connector = make(proxy.url, client)
        stored: list[str] = []
        sleeps: list[float] = []
        stop = asyncio.Event()
        reset = int(NOW.timestamp()) + 240

        async def on_page(page: MentionPage) -> None:
            stored.extend(item.external_id for item in page.items)
            if len(stored) == 1:
                # Cut the connection; the first reconnect is then refused with a 429 (too many connections).
                X.fail(
                    "/2/tweets/search/stream",
                    JSONResponse(
                        {"title": "ConnectionException", "connection_issue": "TooManyConnections", "type": "x"},
                        status_code=429,
                        headers={
                            "x-rate-limit-limit": "50",
                            "x-rate-limit-remaining": "0",
                            "x-rate-limit-reset": str(reset),
                        },
                    ),
                )
                proxy.drop()
            if len(stored) == 3:
                stop.set()

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)
            if len(sleeps) == 2:
                X.post(2, "Acme en la pausa")  # found by the catch-up search after reconnecting

        async def poster() -> None:
            await wait_until(lambda: X.stream_connections >= 1)
            X.post(1, "Acme uno")
            await wait_until(lambda: X.stream_connections >= 2)
            await wait_until(lambda: len(stored) >= 2)
            X.post(3, "Acme tres")

        posting = asyncio.create_task(poster())
        health = Health("x", lag_limit=None)  # the recorded posts are hours old: lag is not the point here
        await run_with_backoff(
            connector.stream,
            cursor=None,
            on_page=on_page,
            health=health,
            backoff=Backoff(initial=1, sleep=sleep, random=lambda: 0.5),
            stop=stop,
        )
        await posting
    assert stored == [xid(1), xid(2), xid(3)]
    assert sleeps == [1.0, 240.0]  # the drop: backoff; the 429: until x-rate-limit-reset
    assert health.state.value == "ok" and health.items == 3
    assert health.last_error_code == "connector_rate_limited"


async def test_a_rate_limited_stream_connection(api: ThreadedServer, client: httpx.AsyncClient) -> None:
    X.fail(
        "/2/tweets/search/stream",
        JSONResponse(
            {"title": "Too Many Requests"},
            status_code=429,
            headers={"x-rate-limit-reset": str(int(NOW.timestamp()) + 90)},
        ),
    )
    with pytest.raises(RateLimitedError) as caught:
        await anext(make(api.url, client).stream(cursor=None))
    assert caught.value.retry_after == 90
    assert caught.value.message == f"X API at {api.url} asked us to slow down; trying again in 90 seconds."


async def test_a_refused_token(api: ThreadedServer, client: httpx.AsyncClient) -> None:
    connector = XConnector(
        XSettings(bearer_token="wrong-token", base_url=api.url, keywords=["acme"]), client=client, allow_private=True
    )
    with i18n.use_locale("es"), pytest.raises(AuthError) as caught:
        await connector.fetch(since=SINCE, cursor=None)
    assert caught.value.message == (
        f"API de X en {api.url} rechazó las credenciales del conector (HTTP 401); revísalas en la configuración "
        "del conector."
    )
    assert "wrong-token" not in str(caught.value.to_dict())


async def test_the_api_address_is_guarded(client: httpx.AsyncClient) -> None:
    connector = XConnector(
        XSettings(bearer_token=TOKEN, base_url="http://169.254.169.254", keywords=["a"]), client=client
    )
    with pytest.raises(UnsafeURLError) as caught:
        await connector.fetch(since=SINCE, cursor=None)
    assert caught.value.reason == "link_local"


# --- recent search --------------------------------------------------------------------------------------------


async def test_fetch_pages_a_pass_over_calls_and_resumes_no_gap_no_duplicate(
    api: ThreadedServer, client: httpx.AsyncClient
) -> None:
    X.page_size = 2
    first_batch = [X.post(n, f"Acme {n}") for n in range(1, 6)]
    X.post(6, "otra cosa")
    one = await make(api.url, client, max_pages=2).fetch(since=SINCE, cursor=None)
    assert one.has_more and ids([one]) == first_batch[1:]  # the newest four, oldest first
    X.post(7, "Acme llega a mitad de la pasada")  # not in this pass (it started earlier): in the next one
    # A new process with the saved cursor finishes the pass, then starts the next from the newest post.
    two = await make(api.url, client, max_pages=2).fetch(since=SINCE, cursor=one.cursor)
    assert not two.has_more and ids([two]) == [first_batch[0]]
    three = await make(api.url, client, max_pages=2).fetch(since=SINCE, cursor=two.cursor)
    assert ids([three]) == [xid(7)] and not three.has_more
    four = await make(api.url, client).fetch(since=SINCE, cursor=three.cursor)
    assert four.items == []
    searches = [params for path, params in X.requests if path == "/2/tweets/search/recent"]
    assert searches[0]["start_time"] == "2026-11-20T00:00:00Z"
    assert searches[2]["start_time"] == "2026-11-20T00:00:00Z" and searches[2]["next_token"] == f"before-{xid(2)}"
    assert searches[3]["since_id"] == xid(5) and searches[4]["since_id"] == xid(7)


async def test_a_week_is_as_far_back_as_recent_search_goes(api: ThreadedServer, client: httpx.AsyncClient) -> None:
    await make(api.url, client).fetch(since=datetime(2026, 1, 1, tzinfo=UTC), cursor=None)
    assert X.requests[-1][1]["start_time"] == "2026-11-15T12:01:00Z"


async def test_search_backfill_and_malformed_answers(api: ThreadedServer, client: httpx.AsyncClient) -> None:
    X.page_size = 2
    posted = [X.post(n, f"Banco Acme {n}") for n in range(1, 4)]
    connector = make(api.url, client)
    page = await connector.search('"Banco Acme"', since=SINCE)
    assert ids([page]) == posted[1:] and page.has_more and page.cursor == f"before-{xid(2)}"
    rest = await connector.search('"Banco Acme"', since=SINCE, cursor=page.cursor)
    assert ids([rest]) == posted[:1] and not rest.has_more
    X.fail("/2/tweets/search/recent", JSONResponse({"data": {"id": "1"}, "meta": {}}))
    with pytest.raises(UnavailableError) as caught:
        await connector.search("acme", since=SINCE)
    assert caught.value.code == "connector_bad_response"
    X.fail("/2/tweets/search/recent", Response("<html>upstream error</html>", media_type="text/html"))
    with pytest.raises(UnavailableError):
        await connector.search("acme", since=SINCE)
    X.fail(
        "/2/tweets/search/recent",
        JSONResponse({"data": [{"text": "no id"}, {"id": xid(9), "text": "", "created_at": "2026-11-22T09:00:00Z"}]}),
    )
    broken = await connector.search("acme", since=SINCE)
    assert broken.items == [] and [s.code for s in broken.skipped] == ["malformed_post", "invalid_item"]


async def test_a_rate_limited_search(api: ThreadedServer, client: httpx.AsyncClient) -> None:
    X.fail(
        "/2/tweets/search/recent",
        JSONResponse(
            {"title": "Too Many Requests"},
            status_code=429,
            headers={"x-rate-limit-reset": str(int(NOW.timestamp()) + 600)},
        ),
    )
    with pytest.raises(RateLimitedError) as caught:
        await make(api.url, client).fetch(since=SINCE, cursor=None)
    assert caught.value.retry_after == 600


async def test_a_since_id_older_than_recent_search_allows_falls_back_to_its_oldest_moment(
    api: ThreadedServer, client: httpx.AsyncClient
) -> None:
    X.post(1, "Acme uno")
    page = await make(api.url, client).fetch(since=SINCE, cursor=None)
    month_later = NOW + timedelta(days=30)
    late = XConnector(
        XSettings(bearer_token=TOKEN, base_url=api.url, keywords=["Acme", "Banco Acme"]),
        client=client,
        clock=lambda: month_later,
        allow_private=True,
    )
    await late.fetch(since=SINCE, cursor=page.cursor)
    last = X.requests[-1][1]
    # Recent search refuses a since_id older than seven days: the oldest moment it accepts instead.
    assert "since_id" not in last and last["start_time"] == "2026-12-15T12:01:00Z"

    stream = make(api.url, client).stream(cursor='{"since_id":"1460323737035677698"}')  # a post from 2021
    caught_up = await anext(stream)
    await stream.aclose()  # type: ignore[attr-defined]
    assert ids([caught_up]) == [xid(1)]
    assert X.requests[-1][1]["start_time"] == "2026-11-15T12:01:00Z" and "since_id" not in X.requests[-1][1]
