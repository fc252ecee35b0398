"""The YouTube connector against a local YouTube Data API v3 (uvicorn on 127.0.0.1): comment threads newest first,
page tokens, a pass spread over calls and restarted from the cursor (no gap, no duplicate, same-second ties),
the daily quota, comments turned off, missing videos, a refused key and malformed answers."""

from __future__ import annotations

import re
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

from baliza.core import i18n
from baliza.ingest.connectors.base import AuthError, MentionPage, RateLimitedError, UnavailableError
from baliza.ingest.connectors.netguard import UnsafeURLError, guarded_client
from baliza.ingest.connectors.registry import get_connector_class
from baliza.ingest.connectors.youtube import (
    YouTubeConnector,
    YouTubeSettings,
    next_pacific_midnight,
    thread_to_mention,
)
from baliza.ingest.schemas import MentionIn
from tests.unit.connectors.connector_servers import ThreadedServer, serving

KEY = "AIzaSy-test-S3cr3t"
CHANNEL = "UCabcdefghijklmnopqrstuv"
VIDEO_A = "dQw4w9WgXcQ"
VIDEO_B = "9bZkp7q19f0"
VIDEO_OFF = "kJQP7kiw5Fk"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # 04:00 in California
SINCE = datetime(2026, 11, 1, tzinfo=UTC)


def thread(
    ident: str, video: str, published: str, text: str, *, author: str = "@ana_g", likes: int = 2
) -> dict[str, Any]:
    """A ``youtube#commentThread`` as commentThreads.list returns it with part=snippet."""
    return {
        "kind": "youtube#commentThread",
        "etag": f"etag-{ident}",
        "id": ident,
        "snippet": {
            "channelId": CHANNEL,
            "videoId": video,
            "topLevelComment": {
                "kind": "youtube#comment",
                "etag": f"etag-c-{ident}",
                "id": ident,
                "snippet": {
                    "channelId": CHANNEL,
                    "videoId": video,
                    "textDisplay": text,
                    "textOriginal": text,
                    "authorDisplayName": author,
                    "authorProfileImageUrl": "https://yt3.ggpht.example/a.jpg",
                    "authorChannelUrl": f"http://www.youtube.com/{author}",
                    "authorChannelId": {"value": "UCauthorauthorauthor0001"},
                    "canRate": True,
                    "viewerRating": "none",
                    "likeCount": likes,
                    "publishedAt": published,
                    "updatedAt": published,
                },
            },
            "canReply": True,
            "totalReplyCount": 1,
            "isPublic": True,
        },
    }


def google_error(status: int, reason: str, message: str, domain: str = "youtube.commentThread") -> JSONResponse:
    return JSONResponse(
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": domain, "reason": reason}],
            }
        },
        status_code=status,
    )


@dataclass
class FakeYouTube:
    threads: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by video id
    page_size: int = 100
    requests: list[dict[str, str]] = field(default_factory=list)
    faults: list[Response] = field(default_factory=list)

    def comment(self, ident: str, video: str, published: str, text: str, **extra: Any) -> str:
        self.threads.setdefault(video, []).append(thread(ident, video, published, text, **extra))
        return ident


YT = FakeYouTube()


async def comment_threads(request: Request) -> Response:
    params = dict(request.query_params)
    YT.requests.append({**params, "key-header": request.headers.get("x-goog-api-key", "")})
    if request.headers.get("x-goog-api-key") != KEY:
        return JSONResponse(
            {
                "error": {
                    "code": 400,
                    "message": "API key not valid. Please pass a valid API key.",
                    "errors": [{"message": "API key not valid.", "domain": "global", "reason": "badRequest"}],
                    "status": "INVALID_ARGUMENT",
                    "details": [
                        {
                            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "API_KEY_INVALID",
                            "domain": "googleapis.com",
                        }
                    ],
                }
            },
            status_code=400,
        )
    if YT.faults:
        return YT.faults.pop(0)
    assert params["part"] == "snippet" and params["order"] == "time" and params["textFormat"] == "plainText"
    if "videoId" in params:
        if params["videoId"] == VIDEO_OFF:
            return google_error(
                403, "commentsDisabled", "The video identified by the videoId parameter has disabled comments."
            )
        if params["videoId"] not in YT.threads:
            return google_error(
                404, "videoNotFound", "The video identified by the videoId parameter could not be found."
            )
        found = list(YT.threads[params["videoId"]])
    else:
        assert params["allThreadsRelatedToChannelId"] == CHANNEL
        found = [t for threads in YT.threads.values() for t in threads]
    # Newest first; a tie keeps the later-posted first, as YouTube does.
    order = {id(t): n for n, t in enumerate(found)}
    found.sort(key=lambda t: (t["snippet"]["topLevelComment"]["snippet"]["publishedAt"], order[id(t)]), reverse=True)
    if "pageToken" in params:
        anchor = params["pageToken"].removeprefix("after-")
        position = next(n for n, t in enumerate(found) if t["id"] == anchor)
        found = found[position + 1 :]
    size = min(YT.page_size, int(params["maxResults"]))
    body: dict[str, Any] = {
        "kind": "youtube#commentThreadListResponse",
        "etag": "list-etag",
        "pageInfo": {"totalResults": len(found[:size]), "resultsPerPage": size},
        "items": found[:size],
    }
    if len(found) > size:
        body["nextPageToken"] = f"after-{found[size - 1]['id']}"
    return JSONResponse(body)


@pytest.fixture(scope="module")
def api() -> Iterator[ThreadedServer]:
    with serving(Starlette(routes=[Route("/youtube/v3/commentThreads", comment_threads)])) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh() -> None:
    global YT
    YT = FakeYouTube()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with guarded_client(allow_private=True) as guarded:
        yield guarded


def make(api: ThreadedServer, client: httpx.AsyncClient, **settings: Any) -> YouTubeConnector:
    values: dict[str, Any] = {"api_key": KEY, "base_url": f"{api.url}/youtube/v3", "video_ids": [VIDEO_A], **settings}
    return YouTubeConnector(YouTubeSettings(**values), client=client, clock=lambda: NOW, allow_private=True)


def ids(*pages: MentionPage) -> list[str]:
    return [item.external_id for page in pages for item in page.items]


def at(minute: int, second: int = 0) -> str:
    return f"2026-11-21T10:{minute:02d}:{second:02d}Z"


# --- mapping and settings -------------------------------------------------------------------------------------


def test_a_comment_thread_becomes_a_mention() -> None:
    item = thread_to_mention(thread("UgzA1", VIDEO_A, at(5), "Acme me cobró dos veces <3", likes=7))
    assert isinstance(item, MentionIn)
    assert (item.platform, item.external_id, item.text) == ("youtube", "UgzA1", "Acme me cobró dos veces <3")
    assert item.created_at == datetime(2026, 11, 21, 10, 5, tzinfo=UTC)
    assert item.url == f"https://www.youtube.com/watch?v={VIDEO_A}&lc=UgzA1"
    assert (item.likes, item.replies) == (7, 1)
    assert item.author is not None
    assert (item.author.handle, item.author.display_name, item.author.url) == (
        "ana_g",
        "@ana_g",
        "http://www.youtube.com/@ana_g",
    )
    legacy = thread_to_mention(thread("UgzA2", VIDEO_A, at(5), "hola", author="Ana García"))
    assert isinstance(legacy, MentionIn) and legacy.author is not None
    assert legacy.author.handle == "UCauthorauthorauthor0001"  # no @handle: the channel id


def test_videos_are_given_as_ids_or_addresses() -> None:
    settings = YouTubeSettings(
        api_key=KEY,
        video_ids=[
            f"https://www.youtube.com/watch?v={VIDEO_A}&t=42s",
            f"https://youtu.be/{VIDEO_B}",
            f"https://www.youtube.com/shorts/{VIDEO_OFF}",
            VIDEO_A,
        ],
    )
    assert settings.video_ids == [VIDEO_A, VIDEO_B, VIDEO_OFF]
    assert settings.model_dump(mode="json")["api_key"] == "**********"
    assert get_connector_class("youtube") is YouTubeConnector


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "give at least one video or a channel"),
        ({"video_ids": ["https://vimeo.com/123"]}, "'https://vimeo.com/123' is not a YouTube video id or address"),
        ({"channel_id": "acme"}, "'acme' is not a channel id (UC followed by 22 characters)"),
        ({"channel_id": CHANNEL, "quota_retry_after": 5}, "greater than or equal to 60"),
    ],
)
def test_settings_problems(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        YouTubeSettings(api_key=KEY, **values)


@pytest.mark.parametrize(
    ("now", "seconds"),
    [
        (datetime(2026, 11, 22, 12, 0, tzinfo=UTC), 20 * 3600),  # 04:00 PST; midnight is 08:00 UTC
        (datetime(2026, 7, 1, 6, 59, 59, tzinfo=UTC), 1),  # 23:59:59 PDT
        (datetime(2026, 7, 1, 7, 0, tzinfo=UTC), 24 * 3600),  # midnight PDT exactly: the next one
    ],
)
def test_the_quota_resets_at_midnight_pacific_time(now: datetime, seconds: int) -> None:
    assert next_pacific_midnight(now) == seconds


# --- fetching -------------------------------------------------------------------------------------------------


async def test_fetch_reads_back_to_since_then_only_new_comments(api: ThreadedServer, client: httpx.AsyncClient) -> None:
    YT.comment("old", VIDEO_A, "2026-10-30T10:00:00Z", "antes de since")
    first = [YT.comment(f"a{n}", VIDEO_A, at(n), f"Acme {n}") for n in range(1, 4)]
    page = await make(api, client).fetch(since=SINCE, cursor=None)
    assert ids(page) == first and not page.has_more
    assert YT.requests[0]["key-header"] == KEY and "key" not in YT.requests[0]  # the key never in the URL
    assert (await make(api, client).fetch(since=SINCE, cursor=page.cursor)).items == []
    later = [YT.comment(f"b{n}", VIDEO_A, at(10 + n), f"Acme otra {n}") for n in range(2)]
    again = await make(api, client).fetch(since=SINCE, cursor=page.cursor)
    assert ids(again) == later


async def test_a_pass_over_several_calls_resumes_from_the_cursor_no_gap_no_duplicate(
    api: ThreadedServer, client: httpx.AsyncClient
) -> None:
    YT.page_size = 2
    posted = [YT.comment(f"c{n}", VIDEO_A, at(n), f"comentario {n}") for n in range(1, 6)]
    one = await make(api, client, max_pages=2).fetch(since=SINCE, cursor=None)
    assert one.has_more and ids(one) == posted[1:]  # the four newest, oldest first
    # Posted during the pass: the pass does not see it (it is above where it started), the next one does.
    during = YT.comment("c6", VIDEO_A, at(6), "llega durante la pasada")
    two = await make(api, client, max_pages=2).fetch(since=SINCE, cursor=one.cursor)  # a new process
    assert ids(two) == posted[:1] and not two.has_more
    assert YT.requests[2]["pageToken"] == "after-c2"
    three = await make(api, client, max_pages=2).fetch(since=SINCE, cursor=two.cursor)
    assert ids(three) == [during]
    four = await make(api, client, max_pages=2).fetch(since=SINCE, cursor=three.cursor)
    assert four.items == [] and len(YT.requests) == 6  # one page: it reached the saved time at once


async def test_comments_in_the_same_second_are_neither_lost_nor_repeated(
    api: ThreadedServer, client: httpx.AsyncClient
) -> None:
    YT.comment("t1", VIDEO_A, at(30), "uno")
    page = await make(api, client).fetch(since=SINCE, cursor=None)
    YT.comment("t2", VIDEO_A, at(30), "dos, en el mismo segundo")
    again = await make(api, client).fetch(since=SINCE, cursor=page.cursor)
    assert ids(again) == ["t2"]
    assert (await make(api, client).fetch(since=SINCE, cursor=again.cursor)).items == []


async def test_a_channel_and_its_videos_deliver_each_comment_once(
    api: ThreadedServer, client: httpx.AsyncClient
) -> None:
    a = YT.comment("d1", VIDEO_A, at(1), "en A")
    b = YT.comment("d2", VIDEO_B, at(2), "en B")
    connector = make(api, client, video_ids=[VIDEO_A], channel_id=CHANNEL)
    page = await connector.fetch(since=SINCE, cursor=None)
    assert ids(page) == [a, b]
    assert [r.get("allThreadsRelatedToChannelId") for r in YT.requests] == [None, CHANNEL]


async def test_comments_turned_off_and_missing_videos_are_skipped_not_fatal(
    api: ThreadedServer, client: httpx.AsyncClient
) -> None:
    kept = YT.comment("e1", VIDEO_A, at(1), "sigue funcionando")
    connector = make(api, client, video_ids=[VIDEO_OFF, "AAAAAAAAAAA", VIDEO_A])
    with i18n.use_locale("es"):
        page = await connector.fetch(since=SINCE, cursor=None)
    assert ids(page) == [kept]
    assert [(s.code, s.message) for s in page.skipped] == [
        (
            "comments_disabled",
            f"API de YouTube en {api.url}/youtube/v3: los comentarios están desactivados en {VIDEO_OFF}; se omitió.",
        ),
        (
            "source_not_found",
            f"API de YouTube en {api.url}/youtube/v3: no se encontró AAAAAAAAAAA (HTTP 404); se omitió.",
        ),
    ]


async def test_the_daily_quota_waits_until_midnight_pacific(api: ThreadedServer, client: httpx.AsyncClient) -> None:
    quota = "The request cannot be completed because you have exceeded your quota."
    YT.faults.append(google_error(403, "quotaExceeded", quota, domain="youtube.quota"))
    with pytest.raises(RateLimitedError) as caught:
        await make(api, client).fetch(since=SINCE, cursor=None)
    assert caught.value.retry_after == 20 * 3600 and caught.value.code == "youtube_quota_exceeded"
    assert caught.value.message == (
        f"YouTube API at {api.url}/youtube/v3: the API key's daily quota is used up; trying again in 72000 seconds."
    )
    YT.faults.append(google_error(403, "quotaExceeded", quota, domain="youtube.quota"))
    with i18n.use_locale("es"), pytest.raises(RateLimitedError) as caught:
        await make(api, client, quota_retry_after=3600).fetch(since=SINCE, cursor=None)
    assert caught.value.retry_after == 3600
    assert caught.value.message == (
        f"API de YouTube en {api.url}/youtube/v3: la cuota diaria de la clave de API se ha agotado; se reintentará "
        "en 3600 segundos."
    )


async def test_short_rate_limits(api: ThreadedServer, client: httpx.AsyncClient) -> None:
    YT.faults.append(google_error(403, "rateLimitExceeded", "Too many requests", domain="usageLimits"))
    with pytest.raises(RateLimitedError) as caught:
        await make(api, client).fetch(since=SINCE, cursor=None)
    assert caught.value.retry_after == 60 and caught.value.code == "connector_rate_limited"
    YT.faults.append(JSONResponse({"error": {"code": 429}}, status_code=429, headers={"Retry-After": "30"}))
    with pytest.raises(RateLimitedError) as caught:
        await make(api, client).fetch(since=SINCE, cursor=None)
    assert caught.value.retry_after == 30


async def test_a_refused_key(api: ThreadedServer, client: httpx.AsyncClient) -> None:
    connector = make(api, client, api_key="AIza-wrong-key")
    with pytest.raises(AuthError) as caught:
        await connector.fetch(since=SINCE, cursor=None)
    assert caught.value.details["status"] == 400
    assert "AIza-wrong-key" not in str(caught.value.to_dict())


async def test_malformed_answers(api: ThreadedServer, client: httpx.AsyncClient) -> None:
    YT.faults.append(JSONResponse({"kind": "youtube#commentThreadListResponse", "items": {"not": "a list"}}))
    with pytest.raises(UnavailableError) as caught:
        await make(api, client).fetch(since=SINCE, cursor=None)
    assert caught.value.code == "connector_bad_response"
    YT.faults.append(Response("<html>Service Unavailable</html>", status_code=503))
    with pytest.raises(UnavailableError) as caught:
        await make(api, client).fetch(since=SINCE, cursor=None)
    assert caught.value.code == "connector_server_error"
    good = thread("f2", VIDEO_A, at(2), "bien")
    empty = thread("f3", VIDEO_A, at(3), "   ")
    YT.faults.append(JSONResponse({"items": [{"kind": "youtube#commentThread", "id": "f1"}, empty, good]}))
    page = await make(api, client).fetch(since=SINCE, cursor=None)
    assert ids(page) == ["f2"]
    assert [s.code for s in page.skipped] == ["malformed_comment", "invalid_item"]


async def test_the_api_address_is_guarded(client: httpx.AsyncClient) -> None:
    settings = YouTubeSettings(api_key=KEY, base_url="http://192.168.1.10/youtube/v3", video_ids=[VIDEO_A])
    with pytest.raises(UnsafeURLError) as caught:
        await YouTubeConnector(settings, client=client).fetch(since=SINCE, cursor=None)
    assert caught.value.reason == "private"
