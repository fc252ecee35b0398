"""The Reddit connector (Async PRAW) against a local Reddit API (uvicorn on 127.0.0.1): app-only OAuth with a
token that is cached and fetched again after a 401, new posts and comments with ``before=`` paging, a deleted
anchor, restarts from the cursor (no gap, no duplicate), the ``x-ratelimit-*`` budget, 429s and 5xx, private and
missing subreddits, search, an unreachable server, and malformed answers."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from baliza.core import i18n
from baliza.ingest.connectors.base import AuthError, MentionPage, RateLimitedError, UnavailableError
from baliza.ingest.connectors.netguard import UnsafeURLError, guarded_client
from baliza.ingest.connectors.reddit import RedditConnector, RedditSettings, thing_to_mention
from baliza.ingest.connectors.registry import get_connector_class
from baliza.ingest.schemas import MentionIn
from tests.unit.connectors.connector_servers import ThreadedServer, serving

CLIENT_ID = "p-jcoLKBynTLew"
SECRET = "gko_LXELoV07ZBNUXrvWZfzE3aI-S3cr3t"
USER_AGENT = "linux:org.baliza.test:v0.1 (by /u/baliza_bot)"
SINCE = datetime(2026, 11, 1, tzinfo=UTC)
T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC).timestamp()


def post(
    n: int, sub: str = "acme", *, title: str | None = None, body: str = "", created: float | None = None, **extra: Any
) -> dict[str, Any]:
    """A ``t3`` listing child shaped like Reddit's."""
    return {
        "kind": "t3",
        "data": {
            "id": f"p{n}",
            "name": f"t3_p{n}",
            "title": title if title is not None else f"Acme post {n}",
            "selftext": body,
            "author": "ana_g",
            "author_fullname": "t2_ana",
            "subreddit": sub,
            "subreddit_name_prefixed": f"r/{sub}",
            "created_utc": created if created is not None else T0 + n,
            "permalink": f"/r/{sub}/comments/p{n}/acme_post_{n}/",
            "url": f"https://www.reddit.com/r/{sub}/comments/p{n}/acme_post_{n}/",
            "ups": 5,
            "score": 5,
            "num_comments": 2,
            "over_18": False,
            "is_self": True,
            **extra,
        },
    }


def comment(
    n: int, sub: str = "acme", *, body: str | None = None, created: float | None = None, parent: str = "t3_p1"
) -> dict[str, Any]:
    """A ``t1`` listing child shaped like Reddit's."""
    return {
        "kind": "t1",
        "data": {
            "id": f"c{n}",
            "name": f"t1_c{n}",
            "body": body if body is not None else f"Acme comentario {n}",
            "author": "luis_r",
            "created_utc": created if created is not None else T0 + 1000 + n,
            "permalink": f"/r/{sub}/comments/p1/acme_post_1/c{n}/",
            "link_id": "t3_p1",
            "parent_id": parent,
            "subreddit": sub,
            "ups": 1,
            "score": 1,
        },
    }


@dataclass
class FakeReddit:
    things: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # "new:acme", "comments:acme"
    valid_tokens: set[str] = field(default_factory=set)
    issued: int = 0
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    faults: list[Response] = field(default_factory=list)
    remaining: float = 600.0
    reset: int = 300
    refuse_grant: bool = False

    def add(self, listing: str, *things: dict[str, Any]) -> list[str]:
        self.things.setdefault(listing, []).extend(things)
        return [t["data"]["name"] for t in things]

    def delete(self, listing: str, name: str) -> None:
        self.things[listing] = [t for t in self.things[listing] if t["data"]["name"] != name]

    def api_requests(self) -> list[tuple[str, dict[str, str]]]:
        return [r for r in self.requests if r[0] != "/api/v1/access_token"]


RD = FakeReddit()


async def access_token(request: Request) -> Response:
    RD.requests.append((request.url.path, {}))
    form = await request.form()
    expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    assert request.headers["user-agent"].startswith(USER_AGENT + " Async PRAW/")
    if request.headers.get("authorization") != expected:
        return JSONResponse({"message": "Unauthorized", "error": 401}, status_code=401)
    if form.get("grant_type") != "client_credentials" or RD.refuse_grant:
        return JSONResponse({"error": "unsupported_grant_type"})  # Reddit answers these with a 200
    RD.issued += 1
    token = f"tok-{RD.issued}"
    RD.valid_tokens.add(token)
    return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"})


def _limits() -> dict[str, str]:
    RD.remaining = max(0.0, RD.remaining - 1)
    return {"x-ratelimit-used": "1", "x-ratelimit-remaining": f"{RD.remaining:.1f}", "x-ratelimit-reset": str(RD.reset)}


def _page(found: list[dict[str, Any]], params: dict[str, str]) -> dict[str, Any]:
    """A listing page over ``found`` (newest first) with Reddit's before/after semantics."""
    found = sorted(
        found, key=lambda t: (t["data"]["created_utc"], found.index(t)), reverse=True
    )  # newest first; a tie: the later one first
    names = [t["data"]["name"] for t in found]
    limit = min(100, int(params.get("limit", "25")))
    if "before" in params:
        if params["before"] not in names:
            return {
                "kind": "Listing",
                "data": {"after": None, "before": None, "dist": 0, "children": [], "modhash": ""},
            }
        page = found[: names.index(params["before"])][-limit:]
        more = False
    else:
        start = 0
        if "after" in params:
            if params["after"] not in names:
                page, more = [], False
                return {
                    "kind": "Listing",
                    "data": {"after": None, "before": None, "dist": 0, "children": [], "modhash": ""},
                }
            start = names.index(params["after"]) + 1
        page = found[start : start + limit]
        more = start + limit < len(found)
    return {
        "kind": "Listing",
        "data": {
            "after": page[-1]["data"]["name"] if page and more else None,
            "before": None,
            "dist": len(page),
            "children": page,
            "modhash": "",
            "geo_filter": None,
        },
    }


async def api(request: Request) -> Response:
    params = dict(request.query_params)
    RD.requests.append((request.url.path, params))
    assert request.headers["user-agent"].startswith(USER_AGENT + " Async PRAW/") and params["raw_json"] == "1"
    scheme, _space, token = request.headers.get("authorization", "").partition(" ")
    assert scheme.casefold() == "bearer"
    if token not in RD.valid_tokens:
        return JSONResponse({"message": "Unauthorized", "error": 401}, status_code=401, headers=_limits())
    if RD.faults:
        return RD.faults.pop(0)
    path = request.url.path
    if path == "/search":
        assert params["sort"] == "new" and params["type"] == "link"
        needle = params["q"].casefold()
        found = [
            t
            for listing, things in RD.things.items()
            if listing.startswith("new:")
            for t in things
            if needle in (t["data"]["title"] + " " + t["data"]["selftext"]).casefold()
        ]
        return JSONResponse(_page(found, params), headers=_limits())
    match = re.fullmatch(r"/r/(\w+)/(new|comments)", path)
    assert match is not None
    sub, kind = match.groups()
    if sub == "secreto":
        return JSONResponse(
            {"reason": "private", "message": "Forbidden", "error": 403}, status_code=403, headers=_limits()
        )
    if sub == "prohibido":
        return JSONResponse(
            {"reason": "banned", "message": "Not Found", "error": 404}, status_code=404, headers=_limits()
        )
    if sub == "noexiste":
        return RedirectResponse(f"https://www.reddit.com/subreddits/search.json?q={sub}", status_code=302)
    return JSONResponse(_page(RD.things.get(f"{kind}:{sub}", []), params), headers=_limits())


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    routes = [
        Route("/api/v1/access_token", access_token, methods=["POST"]),
        Route("/search", api),
        Route("/r/{sub}/{kind}", api),
    ]
    with serving(Starlette(routes=routes)) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh() -> None:
    global RD
    RD = FakeReddit()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with guarded_client(allow_private=True) as guarded:
        yield guarded
    while MADE:  # each connector holds an aiohttp session, as a source run does until it closes it
        await MADE.pop().aclose()


MADE: list[RedditConnector] = []


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def make(
    server: ThreadedServer, client: httpx.AsyncClient, clock: Clock | None = None, **settings: Any
) -> RedditConnector:
    values: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "user_agent": USER_AGENT,
        "subreddits": ["acme"],
        "auth_url": server.url,
        "api_url": server.url,
        **settings,
    }
    made = RedditConnector(RedditSettings(**values), client=client, clock=clock or Clock(), allow_private=True)
    MADE.append(made)
    return made


def ids(*pages: MentionPage) -> list[str]:
    return [item.external_id for page in pages for item in page.items]


# --- mapping and settings -------------------------------------------------------------------------------------


def test_posts_and_comments_become_mentions() -> None:
    item = thing_to_mention(
        post(1, title="Acme  me cobró dos veces", body="¿A alguien más? &amp; nada", crosspost_parent="t3_zz")
    )
    assert isinstance(item, MentionIn)
    assert (item.platform, item.external_id) == ("reddit", "t3_p1")
    assert item.text == "Acme me cobró dos veces\n\n¿A alguien más? &amp; nada"  # raw_json: text as written
    assert item.created_at == datetime.fromtimestamp(T0 + 1, tz=UTC)
    assert item.url == "https://www.reddit.com/r/acme/comments/p1/acme_post_1/"
    assert (item.likes, item.replies, item.repost_of) == (5, 2, "t3_zz")
    assert item.author is not None and (item.author.handle, item.author.url) == (
        "ana_g",
        "https://www.reddit.com/user/ana_g",
    )
    reply = thing_to_mention(comment(7, parent="t1_c3"))
    assert isinstance(reply, MentionIn)
    assert (reply.external_id, reply.text, reply.reply_to) == ("t1_c7", "Acme comentario 7", "t1_c3")
    gone = post(2)
    gone["data"]["author"] = "[deleted]"
    orphan = thing_to_mention(gone)
    assert isinstance(orphan, MentionIn) and orphan.author is None


def test_settings_and_registration() -> None:
    settings = RedditSettings(
        client_id=CLIENT_ID, client_secret=SECRET, user_agent=USER_AGENT, subreddits=["r/Acme", "/r/acme/", "bancos"]
    )
    assert settings.subreddits == ["Acme", "bancos"]
    assert settings.model_dump(mode="json")["client_secret"] == "**********"
    assert get_connector_class("reddit") is RedditConnector


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"subreddits": []}, "give at least one subreddit or a search query"),
        ({"subreddits": ["two words"]}, "'two words' is not a subreddit name"),
        ({"user_agent": ""}, "at least 8 characters"),
        ({"api_url": "oauth.reddit.com"}, "must start with https:// or http://"),
    ],
)
def test_settings_problems(values: dict[str, Any], message: str) -> None:
    base: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "user_agent": USER_AGENT,
        "subreddits": ["acme"],
    }
    with pytest.raises(ValueError, match=re.escape(message)):
        RedditSettings(**{**base, **values})


# --- fetching -------------------------------------------------------------------------------------------------


async def test_first_fetch_goes_back_to_since_then_pages_forward_from_the_cursor(
    server: ThreadedServer, client: httpx.AsyncClient
) -> None:
    RD.add("new:acme", post(0, created=datetime(2026, 10, 1, tzinfo=UTC).timestamp()))  # before since
    posts = RD.add("new:acme", post(1), post(2), post(3))
    comments = RD.add("comments:acme", comment(1), comment(2))
    page = await make(server, client).fetch(since=SINCE, cursor=None)
    assert ids(page) == [*posts, *comments] and not page.has_more
    assert [r[1].get("before") for r in RD.api_requests()] == [None, None]

    later = RD.add("new:acme", post(4), post(5))
    later_comment = RD.add("comments:acme", comment(3))
    resumed = await make(server, client).fetch(since=SINCE, cursor=page.cursor)  # a new process
    assert ids(resumed) == [*later, *later_comment]
    assert [r[1].get("before") for r in RD.api_requests()[2:]] == ["t3_p3", "t1_c2"]

    RD.requests.clear()
    quiet = await make(server, client).fetch(since=SINCE, cursor=resumed.cursor)
    assert quiet.items == []
    # An empty before= answer is checked against the newest page (the anchor might have been deleted).
    assert [(path, r.get("before")) for path, r in RD.api_requests()] == [
        ("/r/acme/new", "t3_p5"),
        ("/r/acme/new", None),
        ("/r/acme/comments", "t1_c3"),
        ("/r/acme/comments", None),
    ]


async def test_a_long_backlog_is_handed_over_in_pages_no_gap_no_duplicate(
    server: ThreadedServer, client: httpx.AsyncClient
) -> None:
    RD.add("new:acme", post(1))
    start = await make(server, client, comments=False).fetch(since=SINCE, cursor=None)
    backlog = RD.add("new:acme", *(post(n) for n in range(2, 152)))
    one = await make(server, client, comments=False, max_pages=1).fetch(since=SINCE, cursor=start.cursor)
    assert one.has_more and ids(one) == backlog[:100]  # the hundred right after the anchor: no gap
    two = await make(server, client, comments=False, max_pages=1).fetch(since=SINCE, cursor=one.cursor)
    assert not two.has_more and ids(two) == backlog[100:]


async def test_a_deleted_anchor_neither_stalls_nor_repeats(server: ThreadedServer, client: httpx.AsyncClient) -> None:
    RD.add("new:acme", post(1), post(2), post(3))
    start = await make(server, client, comments=False).fetch(since=SINCE, cursor=None)
    RD.delete("new:acme", "t3_p3")  # removed by the moderators: before=t3_p3 now answers nothing, forever
    fresh = RD.add("new:acme", post(4), post(5))
    page = await make(server, client, comments=False).fetch(since=SINCE, cursor=start.cursor)
    assert ids(page) == fresh
    newer = RD.add("new:acme", post(6))
    after = await make(server, client, comments=False).fetch(since=SINCE, cursor=page.cursor)
    assert ids(after) == newer
    assert RD.api_requests()[-1][1]["before"] == "t3_p5"


async def test_the_token_is_cached_and_fetched_again_after_a_401(
    server: ThreadedServer, client: httpx.AsyncClient
) -> None:
    RD.add("new:acme", post(1))
    connector = make(server, client, comments=False)
    page = await connector.fetch(since=SINCE, cursor=None)
    await connector.fetch(since=SINCE, cursor=page.cursor)
    assert RD.issued == 1  # one token for both fetches
    RD.valid_tokens.clear()  # revoked before its time
    RD.add("new:acme", post(2))
    again = await connector.fetch(since=SINCE, cursor=page.cursor)
    assert ids(again) == ["t3_p2"] and RD.issued == 2
    assert [path for path, _params in RD.requests[-3:]] == ["/r/acme/new", "/api/v1/access_token", "/r/acme/new"]


async def test_a_token_answer_without_a_token(server: ThreadedServer, client: httpx.AsyncClient) -> None:
    RD.refuse_grant = True
    with pytest.raises(AuthError) as caught:
        await make(server, client).fetch(since=SINCE, cursor=None)
    assert caught.value.message == (
        f"Reddit (login at {server.url}) did not hand out a token (unsupported_grant_type); check the client id "
        "and secret."
    )
    assert RD.api_requests() == []


async def test_wrong_credentials(server: ThreadedServer, client: httpx.AsyncClient) -> None:
    connector = make(server, client, client_secret="not-the-secret")
    with i18n.use_locale("es"), pytest.raises(AuthError) as caught:
        await connector.fetch(since=SINCE, cursor=None)
    assert caught.value.message == (
        f"Reddit (inicio de sesión en {server.url}) rechazó las credenciales del conector (HTTP 401); revísalas "
        "en la configuración del conector."
    )
    assert "not-the-secret" not in str(caught.value.to_dict())


async def test_a_spent_budget_hands_over_then_waits_for_the_reset(
    server: ThreadedServer, client: httpx.AsyncClient
) -> None:
    posts = RD.add("new:acme", post(1), post(2))
    comments = RD.add("comments:acme", comment(1))
    RD.remaining, RD.reset = 1.0, 42  # the next answer says: 0 left, reset in 42 seconds
    clock = Clock()
    connector = make(server, client, clock=clock)
    page = await connector.fetch(since=SINCE, cursor=None)
    assert ids(page) == posts and page.has_more  # the comments wait for the reset
    sent = len(RD.api_requests())
    with pytest.raises(RateLimitedError) as caught:
        await connector.fetch(since=SINCE, cursor=page.cursor)
    assert caught.value.retry_after == 42 and len(RD.api_requests()) == sent  # nothing was sent
    clock.now += timedelta(seconds=42)
    RD.remaining = 600.0
    rest = await make(server, client, clock=clock).fetch(since=SINCE, cursor=page.cursor)  # the next poll
    assert ids(rest) == comments


async def test_429_carries_the_reset(server: ThreadedServer, client: httpx.AsyncClient) -> None:
    RD.faults.append(
        JSONResponse(
            {"message": "Too Many Requests", "error": 429},
            status_code=429,
            headers={"x-ratelimit-reset": "17", "x-ratelimit-remaining": "0.0", "x-ratelimit-used": "600"},
        )
    )
    with pytest.raises(RateLimitedError) as caught:
        await make(server, client).fetch(since=SINCE, cursor=None)
    assert caught.value.retry_after == 17
    assert caught.value.message == f"Reddit at {server.url} asked us to slow down; trying again in 17 seconds."


async def test_private_banned_and_missing_subreddits_are_skipped_not_fatal(
    server: ThreadedServer, client: httpx.AsyncClient
) -> None:
    kept = RD.add("new:acme", post(1))
    connector = make(server, client, subreddits=["secreto", "prohibido", "noexiste", "acme"], comments=False)
    with i18n.use_locale("es"):
        page = await connector.fetch(since=SINCE, cursor=None)
    assert ids(page) == kept
    assert [(s.code, s.message) for s in page.skipped] == [
        ("source_private", f"Reddit en {server.url}: r/secreto es privado o está en cuarentena (HTTP 403); se omitió."),
        ("source_not_found", f"Reddit en {server.url}: r/prohibido no existe o está vetado (HTTP 404); se omitió."),
        ("source_not_found", f"Reddit en {server.url}: r/noexiste no existe o está vetado (HTTP 302); se omitió."),
    ]


async def test_search_backfill_and_polling(server: ThreadedServer, client: httpx.AsyncClient) -> None:
    RD.add("new:otro", post(1, "otro", title="Banco Acme caído"), post(2, "otro", title="nada"))
    RD.add("new:bancos", *(post(n, "bancos", title=f"Acme sin servicio {n}") for n in range(3, 106)))
    connector = make(server, client, subreddits=[], query="acme")
    first = await connector.search("acme", since=SINCE)
    assert len(first.items) == 100 and first.has_more and first.cursor == "t3_p6"
    second = await connector.search("acme", since=SINCE, cursor=first.cursor)
    assert ids(second) == ["t3_p1", "t3_p3", "t3_p4", "t3_p5"] and not second.has_more
    recent = await connector.search("acme", since=datetime.fromtimestamp(T0 + 100, tz=UTC))
    assert ids(recent) == ["t3_p100", "t3_p101", "t3_p102", "t3_p103", "t3_p104", "t3_p105"] and not recent.has_more

    polled = await connector.fetch(since=SINCE, cursor=None)
    assert len(polled.items) == 104
    new = RD.add("new:bancos", post(200, "bancos", title="ACME otra vez"))
    again = await make(server, client, subreddits=[], query="acme").fetch(since=SINCE, cursor=polled.cursor)
    assert ids(again) == new


async def test_malformed_answers(server: ThreadedServer, client: httpx.AsyncClient) -> None:
    RD.faults.append(JSONResponse({"kind": "t5", "data": {"display_name": "acme"}}))
    with pytest.raises(UnavailableError) as caught:
        await make(server, client).fetch(since=SINCE, cursor=None)
    assert caught.value.code == "connector_bad_response"
    RD.faults.append(Response("<html>we took too long</html>", status_code=200, media_type="text/html"))
    with pytest.raises(UnavailableError):
        await make(server, client).fetch(since=SINCE, cursor=None)
    empty = post(2, title="", body="")
    listing = {"kind": "Listing", "data": {"after": None, "children": [{"kind": "t5", "data": {}}, empty, post(1)]}}
    RD.faults.append(JSONResponse(listing))
    page = await make(server, client, comments=False).fetch(since=SINCE, cursor=None)
    assert ids(page) == ["t3_p1"] and [s.code for s in page.skipped] == ["malformed_item", "invalid_item"]


async def test_the_addresses_are_guarded(client: httpx.AsyncClient) -> None:
    settings = RedditSettings(
        client_id=CLIENT_ID,
        client_secret=SECRET,
        user_agent=USER_AGENT,
        subreddits=["acme"],
        auth_url="http://10.1.2.3",
        api_url="http://10.1.2.4",
    )
    connector = RedditConnector(settings, client=client)
    MADE.append(connector)
    with pytest.raises(UnsafeURLError) as caught:
        await connector.fetch(since=SINCE, cursor=None)
    assert caught.value.reason == "private"


async def test_a_failing_answer_is_retried_once_then_reported(
    server: ThreadedServer, client: httpx.AsyncClient
) -> None:
    kept = RD.add("new:acme", post(1))
    RD.faults.append(JSONResponse({"message": "Internal Server Error", "error": 500}, status_code=500))
    page = await make(server, client, comments=False).fetch(since=SINCE, cursor=None)
    assert ids(page) == kept and len(RD.api_requests()) == 2  # Async PRAW tried again by itself
    RD.faults.extend(JSONResponse({"error": 503}, status_code=503) for _ in range(3))
    with i18n.use_locale("es"), pytest.raises(UnavailableError) as caught:
        await make(server, client, comments=False).fetch(since=SINCE, cursor=page.cursor)
    assert caught.value.code == "connector_server_error"
    assert caught.value.message == f"Reddit en {server.url} está fallando (HTTP 503); se volverá a intentar."


async def test_an_unreachable_api_is_unavailable_not_a_crash(client: httpx.AsyncClient) -> None:
    with serving(Starlette(routes=[])) as gone:
        url = gone.url  # a port that nothing listens on once the server stops
    settings = RedditSettings(
        client_id=CLIENT_ID, client_secret=SECRET, user_agent=USER_AGENT, subreddits=["acme"], auth_url=url, api_url=url
    )
    connector = RedditConnector(settings, client=client, allow_private=True)
    MADE.append(connector)
    with pytest.raises(UnavailableError) as caught:
        await connector.fetch(since=SINCE, cursor=None)
    assert caught.value.code == "connector_unreachable"
    assert caught.value.message == f"Could not connect to Reddit (login at {url}); will try again."
