"""The Bluesky publisher against a small XRPC server on 127.0.0.1: login, session renewal, records, errors."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import httpx
import pytest

from baliza.core import i18n
from baliza.publishing.publishers import (
    AuthError,
    DryRunPublisher,
    InvalidPostError,
    PostRequest,
    PostTooLongError,
    RateLimitedError,
    RejectedError,
    UnavailableError,
    Visibility,
    make_publisher,
)
from baliza.publishing.publishers.bluesky import BlueskyPublisher, BlueskySettings, link_facets, reply_refs

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
HANDLE = "acme.bsky.social"
PASSWORD = "abcd-efgh-ijkl-mnop"
DID = "did:plc:acme4s7x2kq"
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
REFRESH_SESSION = "/xrpc/com.atproto.server.refreshSession"
CREATE_RECORD = "/xrpc/com.atproto.repo.createRecord"
PARENT = "at://did:plc:cliente9/app.bsky.feed.post/3lcomplaint2"
PARENT_CID = "bafyreiparentcid0000000000000000000000000000000000000000"
ROOT = "at://did:plc:otro7/app.bsky.feed.post/3lthreadroot1"
ROOT_CID = "bafyreirootcid00000000000000000000000000000000000000000000"


def clock() -> datetime:
    return NOW


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Xrpc:
    """A PDS that knows one account: sessions with access and refresh tokens, records, and scripted failures."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    access: set[str] = field(default_factory=set)
    refresh: set[str] = field(default_factory=set)
    expire_access: int = 0  # the next N createRecord calls find their access token expired
    expire_refresh: bool = False
    scripted: dict[str, list[tuple[int, bytes, dict[str, str]]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def calls(self, path: str) -> list[Received]:
        return [call for call in self.received if call.path == path]

    def script(self, path: str, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
        self.scripted.setdefault(path, []).append((status, raw, headers or {}))

    def _tokens(self) -> dict[str, str]:
        n = next(self._ids)
        access, refresh = f"access-{n}", f"refresh-{n}"
        self.access.add(access)
        self.refresh.add(refresh)
        return {"accessJwt": access, "refreshJwt": refresh, "did": DID, "handle": HANDLE}

    def answer(self, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if path == CREATE_SESSION:
            if body == {"identifier": HANDLE, "password": PASSWORD}:
                return 200, self._tokens()
            return 401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
        if path == REFRESH_SESSION:
            if token in self.refresh and not self.expire_refresh and body is None:
                self.refresh.discard(token)
                return 200, self._tokens()
            return 400, {"error": "ExpiredToken", "message": "Token has expired"}
        if path == CREATE_RECORD:
            if token in self.access and self.expire_access:
                self.expire_access -= 1
                self.access.discard(token)
                return 400, {"error": "ExpiredToken", "message": "Token has expired"}
            if token not in self.access:
                return 401, {"error": "AuthenticationRequired", "message": "Authentication Required"}
            if body.get("repo") not in (HANDLE, DID) or body.get("collection") != "app.bsky.feed.post":
                return 400, {"error": "InvalidRequest", "message": "Invalid repo or collection"}
            self.records.append(body["record"])
            rkey = f"3lrecord{len(self.records)}"
            return 200, {
                "uri": f"at://{DID}/app.bsky.feed.post/{rkey}",
                "cid": f"bafyreirecord{len(self.records):044d}",
            }
        return 404, {"error": "MethodNotImplemented", "message": "Method Not Implemented"}

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *header_lines = head.rstrip("\r\n").split("\r\n")
            headers = {}
            for line in header_lines:
                name, _sep, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            raw = await reader.readexactly(int(headers.get("content-length", "0")))
            _method, path, _version = request_line.split(" ")
            body = json.loads(raw) if raw else None
            self.received.append(Received(path, headers, body))
            if self.scripted.get(path):
                status, content, extra = self.scripted[path].pop(0)
            else:
                status, answer = self.answer(path, headers, body)
                content, extra = json.dumps(answer).encode(), {}
            lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", f"Content-Length: {len(content)}"]
            lines += ["Content-Type: application/json", "Connection: close"]
            lines += [f"{name}: {value}" for name, value in extra.items()]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + content)
            await writer.drain()
        finally:
            writer.close()
            await writer.wait_closed()


@pytest.fixture
async def pds() -> AsyncIterator[Xrpc]:
    xrpc = Xrpc()
    server = await asyncio.start_server(xrpc.handle, "127.0.0.1", 0)
    xrpc.port = server.sockets[0].getsockname()[1]
    try:
        yield xrpc
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


def settings_for(pds: Xrpc, **overrides: Any) -> BlueskySettings:
    return BlueskySettings.model_validate({"service": pds.url, "handle": HANDLE, "app_password": PASSWORD, **overrides})


def post(text: str = "Lo sentimos mucho. Ya estamos devolviendo los cobros duplicados.", **fields: Any) -> PostRequest:
    return PostRequest.model_validate({"text": text, "lang": "es", "idempotency_key": "response-41", **fields})


def publisher_for(pds: Xrpc, client: httpx.AsyncClient, **overrides: Any) -> BlueskyPublisher:
    return BlueskyPublisher(settings_for(pds, **overrides), client=client, clock=clock)


async def test_publish_logs_in_and_creates_the_post_record(pds: Xrpc, client: httpx.AsyncClient) -> None:
    publication = await publisher_for(pds, client).publish(post())

    [login] = pds.calls(CREATE_SESSION)
    assert login.body == {"identifier": HANDLE, "password": PASSWORD}
    [create] = pds.calls(CREATE_RECORD)
    assert create.headers["authorization"] == "Bearer access-1"
    assert create.body == {
        "repo": HANDLE,
        "collection": "app.bsky.feed.post",
        "record": {
            "$type": "app.bsky.feed.post",
            "text": "Lo sentimos mucho. Ya estamos devolviendo los cobros duplicados.",
            "createdAt": "2026-11-22T09:00:00.000Z",
            "langs": ["es"],
        },
    }
    assert publication.platform == "bluesky"
    assert publication.dry_run is False
    assert publication.external_id == f"at://{DID}/app.bsky.feed.post/3lrecord1"
    assert publication.url == f"https://bsky.app/profile/{DID}/post/3lrecord1"
    assert publication.reply_ref == f"at://{DID}/app.bsky.feed.post/3lrecord1|bafyreirecord{1:044d}"
    assert publication.published_at == NOW
    assert publication.request == {
        "method": "POST",
        "url": f"{pds.url}/xrpc/com.atproto.repo.createRecord",
        "headers": {},
        "json": create.body,
    }


async def test_the_session_is_kept_between_posts(pds: Xrpc, client: httpx.AsyncClient) -> None:
    publisher = publisher_for(pds, client)

    await publisher.publish(post())
    await publisher.publish(post("Actualización: ya está resuelto.", idempotency_key="response-42"))

    assert len(pds.calls(CREATE_SESSION)) == 1
    assert [call.headers["authorization"] for call in pds.calls(CREATE_RECORD)] == ["Bearer access-1"] * 2
    assert len(pds.records) == 2


async def test_concurrent_posts_share_one_login(pds: Xrpc, client: httpx.AsyncClient) -> None:
    publisher = publisher_for(pds, client)

    await asyncio.gather(*(publisher.publish(post(f"Aviso {n}", idempotency_key=f"r-{n}")) for n in range(4)))

    assert len(pds.calls(CREATE_SESSION)) == 1
    assert len(pds.records) == 4


async def test_an_expired_token_is_refreshed_once_and_the_post_goes_through(
    pds: Xrpc, client: httpx.AsyncClient
) -> None:
    publisher = publisher_for(pds, client)
    await publisher.publish(post())
    pds.expire_access = 1

    publication = await publisher.publish(post("Seguimos informando.", idempotency_key="response-42"))

    [refresh] = pds.calls(REFRESH_SESSION)
    assert refresh.headers["authorization"] == "Bearer refresh-1"
    assert refresh.body is None  # refreshSession takes no input
    assert [call.headers["authorization"] for call in pds.calls(CREATE_RECORD)] == [
        "Bearer access-1",
        "Bearer access-1",
        "Bearer access-2",
    ]
    assert len(pds.calls(CREATE_SESSION)) == 1
    assert [record["text"] for record in pds.records] == [post().text, "Seguimos informando."]
    assert publication.external_id.endswith("/3lrecord2")


async def test_when_the_refresh_token_has_expired_too_it_logs_in_again(pds: Xrpc, client: httpx.AsyncClient) -> None:
    publisher = publisher_for(pds, client)
    await publisher.publish(post())
    pds.expire_access, pds.expire_refresh = 1, True

    await publisher.publish(post("Seguimos informando.", idempotency_key="response-42"))

    assert len(pds.calls(REFRESH_SESSION)) == 1
    assert len(pds.calls(CREATE_SESSION)) == 2
    assert pds.calls(CREATE_RECORD)[-1].headers["authorization"] == "Bearer access-2"
    assert len(pds.records) == 2


async def test_a_token_that_expires_again_after_renewal_is_an_auth_error(pds: Xrpc, client: httpx.AsyncClient) -> None:
    publisher = publisher_for(pds, client)
    pds.expire_access = 2

    with pytest.raises(AuthError) as caught:
        await publisher.publish(post())

    assert len(pds.calls(CREATE_RECORD)) == 2  # renewed once, not in a loop
    assert pds.records == []
    assert caught.value.message == (
        "Bluesky refused the channel's credentials (HTTP 400: ExpiredToken: Token has expired). Check them in the "
        "channel's settings."
    )


async def test_a_wrong_app_password_is_an_auth_error_that_never_shows_it(pds: Xrpc, client: httpx.AsyncClient) -> None:
    wrong = "zzzz-yyyy-xxxx-wwww"
    publisher = publisher_for(pds, client, app_password=wrong)

    with pytest.raises(AuthError) as caught:
        await publisher.publish(post())

    assert caught.value.message == (
        "Bluesky refused the channel's credentials (HTTP 401: AuthenticationRequired: Invalid identifier or "
        "password). Check them in the channel's settings."
    )
    assert wrong not in json.dumps(caught.value.to_dict())
    assert pds.calls(CREATE_RECORD) == []


async def test_a_platform_message_that_echoes_a_secret_is_masked(pds: Xrpc, client: httpx.AsyncClient) -> None:
    pds.script(CREATE_SESSION, 401, {"error": "AuthenticationRequired", "message": f"bad password {PASSWORD}"})

    with pytest.raises(AuthError) as caught:
        await publisher_for(pds, client).publish(post())

    assert PASSWORD not in caught.value.message
    assert "bad password ****" in caught.value.message


@pytest.mark.parametrize(
    ("target", "reply"),
    [
        (
            f"{PARENT}|{PARENT_CID}",
            {"root": {"uri": PARENT, "cid": PARENT_CID}, "parent": {"uri": PARENT, "cid": PARENT_CID}},
        ),
        (
            f"{PARENT}|{PARENT_CID}|{ROOT}|{ROOT_CID}",
            {"root": {"uri": ROOT, "cid": ROOT_CID}, "parent": {"uri": PARENT, "cid": PARENT_CID}},
        ),
        (
            {"uri": PARENT, "cid": PARENT_CID},
            {"root": {"uri": PARENT, "cid": PARENT_CID}, "parent": {"uri": PARENT, "cid": PARENT_CID}},
        ),
        (
            {"uri": PARENT, "cid": PARENT_CID, "root": {"uri": ROOT, "cid": ROOT_CID}},
            {"root": {"uri": ROOT, "cid": ROOT_CID}, "parent": {"uri": PARENT, "cid": PARENT_CID}},
        ),
        (
            {"parent": {"uri": PARENT, "cid": PARENT_CID}, "root": {"uri": ROOT, "cid": ROOT_CID}},
            {"root": {"uri": ROOT, "cid": ROOT_CID}, "parent": {"uri": PARENT, "cid": PARENT_CID}},
        ),
    ],
)
async def test_replies_name_the_thread_root_and_the_parent(
    pds: Xrpc, client: httpx.AsyncClient, target: Any, reply: dict[str, Any]
) -> None:
    await publisher_for(pds, client).publish(post(in_reply_to=target))

    [record] = pds.records
    assert record["reply"] == reply
    assert reply_refs(target) == reply


@pytest.mark.parametrize(
    "target",
    [
        PARENT,
        "12345",
        f"https://bsky.app/profile/cliente/post/3lcomplaint2|{PARENT_CID}",
        f"{PARENT}|",
        f"{PARENT}|{PARENT_CID}|{ROOT}",
        {"uri": PARENT},
        {"uri": PARENT, "cid": PARENT_CID, "root": "nope"},
    ],
)
async def test_a_reply_without_uri_and_cid_is_refused_before_anything_is_sent(
    pds: Xrpc, client: httpx.AsyncClient, target: Any
) -> None:
    with pytest.raises(InvalidPostError) as caught:
        await publisher_for(pds, client).publish(post(in_reply_to=target))

    assert caught.value.code == "invalid_reply_target"
    assert caught.value.message == (
        f"Cannot reply to {target!r}: on Bluesky give the post's at:// address and content id as uri|cid, or a dict "
        "with uri and cid."
    )
    assert pds.received == []


async def test_more_than_300_graphemes_is_refused_before_sending(pds: Xrpc, client: httpx.AsyncClient) -> None:
    publisher = publisher_for(pds, client)
    # 300 graphemes of 2 code points each (e + combining acute): the limit counts what people see.
    at_limit = "e\u0301" * 300

    await publisher.publish(post(at_limit))
    with pytest.raises(PostTooLongError) as english:
        await publisher.publish(post(at_limit + "!", idempotency_key="response-42"))
    with i18n.use_locale("es"), pytest.raises(PostTooLongError) as spanish:
        await publisher.publish(post("👩‍👩‍👧" * 120 + "a" * 190, idempotency_key="response-43"))

    assert english.value.message == "The post is 301 characters long and Bluesky allows at most 300: shorten it by 1."
    assert english.value.details == {"platform": "bluesky", "length": 301, "limit": 300, "unit": "graphemes"}
    assert spanish.value.message == (
        "La publicación tiene 310 caracteres y Bluesky admite como mucho 300: acórtala en 10."
    )
    assert len(pds.calls(CREATE_RECORD)) == 1


async def test_more_than_3000_bytes_is_refused_even_under_300_graphemes(pds: Xrpc, client: httpx.AsyncClient) -> None:
    with pytest.raises(PostTooLongError) as caught:
        await publisher_for(pds, client).publish(post("👩‍👩‍👧" * 200))

    assert caught.value.message == "The post takes 3600 bytes and Bluesky allows at most 3000: shorten it."
    assert caught.value.details["unit"] == "bytes"
    assert pds.received == []


async def test_only_public_posts_exist_on_bluesky(pds: Xrpc, client: httpx.AsyncClient) -> None:
    publisher = publisher_for(pds, client)

    with pytest.raises(InvalidPostError) as caught:
        await publisher.publish(post(visibility=Visibility.private))
    await publisher.publish(post(visibility=Visibility.public))

    assert caught.value.code == "visibility_unsupported"
    assert caught.value.message == "Bluesky posts are always public, so it cannot publish one with visibility private."
    assert len(pds.records) == 1


async def test_links_become_link_facets_with_utf8_byte_offsets(pds: Xrpc, client: httpx.AsyncClient) -> None:
    text = "Más información: https://acme.example/estado. ¡Gracias! (https://acme.example/faq_(es))"

    await publisher_for(pds, client).publish(post(text))

    [record] = pds.records
    facets = record["facets"]
    encoded = text.encode()
    links = [encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in facets]
    assert links == ["https://acme.example/estado", "https://acme.example/faq_(es)"]
    assert [f["features"] for f in facets] == [
        [{"$type": "app.bsky.richtext.facet#link", "uri": "https://acme.example/estado"}],
        [{"$type": "app.bsky.richtext.facet#link", "uri": "https://acme.example/faq_(es)"}],
    ]
    assert facets[0]["index"] == {"byteStart": 19, "byteEnd": 46}
    assert link_facets("sin enlaces") == []


async def test_dry_run_sends_nothing_and_shows_the_exact_request_a_real_publish_sends(
    pds: Xrpc, client: httpx.AsyncClient
) -> None:
    request = post("Más info: https://acme.example/estado", in_reply_to=f"{PARENT}|{PARENT_CID}")
    dry = make_publisher("bluesky", settings_for(pds), client=client, clock=clock)
    assert isinstance(dry, DryRunPublisher)

    rehearsal = await dry.publish(request)

    assert pds.received == []
    assert (rehearsal.dry_run, rehearsal.url, rehearsal.platform) == (True, None, "bluesky")
    assert rehearsal.external_id.startswith("dry-run-")

    real = make_publisher("bluesky", settings_for(pds), client=client, clock=clock, dry_run=False)
    publication = await real.publish(request)

    [create] = pds.calls(CREATE_RECORD)
    assert rehearsal.request == publication.request
    assert create.body == rehearsal.request["json"]
    assert rehearsal.request["url"] == f"{pds.url}{CREATE_RECORD}"
    assert PASSWORD not in json.dumps(rehearsal.request)


async def test_rate_limits_read_the_reset_time(pds: Xrpc, client: httpx.AsyncClient) -> None:
    reset = str(int(NOW.timestamp()) + 240)
    pds.script(
        CREATE_RECORD, 429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, {"RateLimit-Reset": reset}
    )
    publisher = publisher_for(pds, client)

    with pytest.raises(RateLimitedError) as caught:
        await publisher.publish(post())

    assert caught.value.retry_after == 240
    assert caught.value.message == "Bluesky asks us to wait 240 seconds before publishing again."
    assert (await publisher.publish(post())).dry_run is False


async def test_login_rate_limits_are_rate_limits(pds: Xrpc, client: httpx.AsyncClient) -> None:
    pds.script(
        CREATE_SESSION, 429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, {"Retry-After": "30"}
    )

    with pytest.raises(RateLimitedError) as caught:
        await publisher_for(pds, client).publish(post())

    assert caught.value.retry_after == 30
    assert pds.calls(CREATE_RECORD) == []


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            400,
            {"error": "InvalidRequest", "message": "Invalid app.bsky.feed.post record: Record/text must not be longer"},
            RejectedError,
            "Bluesky rejected the post (HTTP 400): InvalidRequest: Invalid app.bsky.feed.post record: Record/text must "
            "not be longer",
        ),
        (
            401,
            {"error": "AuthenticationRequired", "message": "Authentication Required"},
            AuthError,
            "Bluesky refused the channel's credentials (HTTP 401: AuthenticationRequired: Authentication Required). "
            "Check them in the channel's settings.",
        ),
        (
            400,
            {"error": "AccountTakedown", "message": "Account has been taken down"},
            AuthError,
            "Bluesky refused the channel's credentials (HTTP 400: AccountTakedown: Account has been taken down). "
            "Check them in the channel's settings.",
        ),
        (
            500,
            {"error": "InternalServerError", "message": "Internal Server Error"},
            UnavailableError,
            "Bluesky answered with an error (HTTP 500); try again later.",
        ),
        (
            200,
            b'{"uri": "at://',
            UnavailableError,
            "Bluesky answered with something we could not read (HTTP 200); the post may have been published: check "
            "the account before trying again.",
        ),
        (
            200,
            {"uri": f"at://{DID}/app.bsky.feed.post/3lx"},
            UnavailableError,
            "Bluesky answered with something we could not read (HTTP 200); the post may have been published: check "
            "the account before trying again.",
        ),
    ],
)
async def test_record_answers_map_onto_our_errors(
    pds: Xrpc, client: httpx.AsyncClient, status: int, body: Any, error: type[Exception], message: str
) -> None:
    pds.script(CREATE_RECORD, status, body)

    with pytest.raises(error) as caught:
        await publisher_for(pds, client).publish(post())

    assert str(caught.value) == message


async def test_an_unreadable_login_answer_says_nothing_was_published(pds: Xrpc, client: httpx.AsyncClient) -> None:
    pds.script(CREATE_SESSION, 200, {"did": DID})

    with pytest.raises(UnavailableError) as caught:
        await publisher_for(pds, client).publish(post())

    assert caught.value.message == (
        "Bluesky answered with something we could not read (HTTP 200); nothing was published. Try again later."
    )
    assert caught.value.details["maybe_published"] is False


async def test_mock_transport_timeouts_and_refusals() -> None:
    def stall(request: httpx.Request) -> httpx.Response:
        if request.url.path == CREATE_SESSION:
            return httpx.Response(200, json={"accessJwt": "a", "refreshJwt": "r", "did": DID})
        raise httpx.ReadTimeout("read timed out", request=request)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def login_stalls(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    settings = BlueskySettings.model_validate({"handle": "@Acme.bsky.social", "app_password": PASSWORD})

    async def attempt(handler: Any) -> UnavailableError:
        transport = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        with pytest.raises(UnavailableError) as caught:
            await BlueskyPublisher(settings, client=transport, clock=clock).publish(post())
        return caught.value

    timed_out, refused, login = await attempt(stall), await attempt(refuse), await attempt(login_stalls)

    assert timed_out.details["maybe_published"] is True
    assert timed_out.message == (
        "Bluesky did not answer in time; the post may have been published: check the account before trying again."
    )
    assert refused.message == "Could not reach Bluesky; nothing was published. Try again later."
    assert login.message == "Bluesky did not answer properly; nothing was published. Try again later."
    assert login.details["maybe_published"] is False


def test_settings_defaults_and_secrets() -> None:
    settings = BlueskySettings.model_validate({"handle": "@Acme.bsky.social", "app_password": PASSWORD})

    assert str(settings.service) == "https://bsky.social/"
    assert settings.handle == "acme.bsky.social"
    assert PASSWORD not in repr(settings)
    assert PASSWORD not in str(settings)
    assert PASSWORD not in settings.model_dump_json()
    assert settings.app_password.get_secret_value() == PASSWORD


@pytest.mark.parametrize("handle", ["", "acme", "acme..bsky.social", "ac me.bsky.social", "https://bsky.app/acme"])
def test_settings_refuse_what_is_not_a_handle(handle: str) -> None:
    with pytest.raises(ValueError, match="handle"):
        BlueskySettings.model_validate({"handle": handle, "app_password": PASSWORD})
