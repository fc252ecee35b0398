"""The Mastodon publisher against a real local Mastodon API (mastodon-mock on 127.0.0.1) and httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from mastodon_mock.testing import MockServer

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
from baliza.publishing.publishers.mastodon import MastodonPublisher, MastodonSettings, countable_length

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
TOKEN = "alice_token"  # mastodon-mock's seeded account
SECRET = "tok-S3cr3t-9f8e7d6c5b4a"


def clock() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def mock_server() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server


class Recorder:
    """Every request the publisher's client sent, as the server received it (URL, headers, JSON body)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> None:
        self.requests.append(request)

    def bodies(self) -> list[Any]:
        return [json.loads(request.content) for request in self.requests]


@pytest.fixture
async def control(mock_server: MockServer) -> AsyncIterator[httpx.AsyncClient]:
    """A client for checking the server's state and for its mock-only control plane (reset, faults)."""
    async with httpx.AsyncClient(base_url=mock_server.base_url, timeout=10) as client:
        (await client.post("/api/v1/_mock/reset")).raise_for_status()
        yield client


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def client(recorder: Recorder) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(event_hooks={"request": [recorder]}) as http:
        yield http


def settings_for(server: MockServer, **overrides: Any) -> MastodonSettings:
    return MastodonSettings.model_validate({"base_url": server.base_url, "access_token": TOKEN, **overrides})


def post(text: str = "Lo sentimos: estamos revisando los cobros duplicados.", **fields: Any) -> PostRequest:
    return PostRequest.model_validate({"text": text, "lang": "es", "idempotency_key": "response-41", **fields})


async def fault(control: httpx.AsyncClient, effect: dict[str, Any]) -> None:
    rule = {"match": {"methods": ["POST"], "path": "/api/v1/statuses"}, "effect": effect, "count": 1}
    (await control.post("/api/v1/_mock/faults", json=rule)).raise_for_status()


async def statuses_count(control: httpx.AsyncClient) -> int:
    answer = await control.get("/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {TOKEN}"})
    return int(answer.json()["statuses_count"])


async def test_publish_posts_the_status_and_says_where_it_lives(
    mock_server: MockServer, control: httpx.AsyncClient, client: httpx.AsyncClient, recorder: Recorder
) -> None:
    publisher = MastodonPublisher(settings_for(mock_server), client=client, clock=clock)

    publication = await publisher.publish(post(visibility=Visibility.unlisted))

    stored = (await control.get(f"/api/v1/statuses/{publication.external_id}")).json()
    assert stored["content"] == "<p>Lo sentimos: estamos revisando los cobros duplicados.</p>"
    assert (stored["visibility"], stored["language"], stored["account"]["username"]) == ("unlisted", "es", "alice")
    assert publication.platform == "mastodon"
    assert publication.dry_run is False
    assert publication.url == stored["url"]
    assert publication.reply_ref == publication.external_id
    assert publication.published_at == datetime.fromisoformat(stored["created_at"])
    assert publication.published_at.tzinfo is not None
    [sent] = recorder.requests
    assert sent.url == f"{mock_server.base_url}/api/v1/statuses"
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["Idempotency-Key"] == "response-41"
    assert publication.request == {
        "method": "POST",
        "url": f"{mock_server.base_url}/api/v1/statuses",
        "headers": {"Idempotency-Key": "response-41"},
        "json": {
            "status": "Lo sentimos: estamos revisando los cobros duplicados.",
            "visibility": "unlisted",
            "language": "es",
        },
    }
    assert recorder.bodies() == [publication.request["json"]]


async def test_the_channel_visibility_applies_when_the_post_does_not_choose(
    mock_server: MockServer, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    publisher = MastodonPublisher(settings_for(mock_server, visibility="private"), client=client, clock=clock)

    publication = await publisher.publish(post())

    assert (await control.get(f"/api/v1/statuses/{publication.external_id}")).json()["visibility"] == "private"


async def test_a_retry_with_the_same_idempotency_key_does_not_post_twice(
    mock_server: MockServer, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    publisher = MastodonPublisher(settings_for(mock_server), client=client, clock=clock)

    first = await publisher.publish(post())
    again = await publisher.publish(post())
    other = await publisher.publish(post(idempotency_key="response-42"))

    assert again.external_id == first.external_id
    assert other.external_id != first.external_id
    assert await statuses_count(control) == 2


async def test_a_follow_up_replies_to_the_first_post(
    mock_server: MockServer, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    publisher = MastodonPublisher(settings_for(mock_server), client=client, clock=clock)
    first = await publisher.publish(post())

    follow_up = await publisher.publish(
        post("Actualización: ya está resuelto.", in_reply_to=first.reply_ref, idempotency_key="response-41-2")
    )

    stored = (await control.get(f"/api/v1/statuses/{follow_up.external_id}")).json()
    assert stored["in_reply_to_id"] == first.external_id
    assert follow_up.request["json"]["in_reply_to_id"] == first.external_id


async def test_dry_run_sends_nothing_and_shows_the_exact_request_a_real_publish_sends(
    mock_server: MockServer, control: httpx.AsyncClient, client: httpx.AsyncClient, recorder: Recorder
) -> None:
    complaint = await control.post(
        "/api/v1/statuses",
        data={"status": "¿Por qué me habéis cobrado dos veces?"},
        headers={"Authorization": "Bearer bob_token"},
    )
    request = post(in_reply_to=complaint.json()["id"], visibility=Visibility.unlisted)
    dry = make_publisher("mastodon", settings_for(mock_server), client=client, clock=clock)
    assert isinstance(dry, DryRunPublisher)

    rehearsal = await dry.publish(request)

    assert recorder.requests == []
    assert await statuses_count(control) == 0
    assert (rehearsal.dry_run, rehearsal.url, rehearsal.published_at) == (True, None, NOW)
    assert rehearsal.external_id.startswith("dry-run-")

    real = make_publisher("mastodon", settings_for(mock_server), client=client, clock=clock, dry_run=False)
    publication = await real.publish(request)

    assert publication.dry_run is False
    assert publication.request == rehearsal.request
    [sent] = recorder.requests
    assert (sent.method, str(sent.url)) == (rehearsal.request["method"], rehearsal.request["url"])
    assert json.loads(sent.content) == rehearsal.request["json"]
    assert {name: sent.headers[name] for name in rehearsal.request["headers"]} == rehearsal.request["headers"]
    assert "Authorization" not in rehearsal.request["headers"]
    assert await statuses_count(control) == 1


async def test_a_bad_token_is_an_auth_error_that_never_shows_the_token(
    mock_server: MockServer, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    publisher = MastodonPublisher(settings_for(mock_server, access_token=SECRET), client=client, clock=clock)

    with pytest.raises(AuthError) as caught:
        await publisher.publish(post())

    assert caught.value.message == (
        "Mastodon refused the channel's credentials (HTTP 401: This method requires an authenticated user). "
        "Check them in the channel's settings."
    )
    assert caught.value.details["maybe_published"] is False
    assert SECRET not in str(caught.value.to_dict())
    assert await statuses_count(control) == 0


async def test_the_server_rejection_carries_its_own_words(
    mock_server: MockServer, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    # A channel configured with a higher limit than the server's: the server has the last word.
    publisher = MastodonPublisher(settings_for(mock_server, max_chars=1000), client=client, clock=clock)

    with pytest.raises(RejectedError) as caught:
        await publisher.publish(post("x" * 501))

    assert caught.value.message == (
        "Mastodon rejected the post (HTTP 422): Validation failed: Text is too long (maximum is 500 characters)"
    )
    assert caught.value.status == 422
    assert caught.value.details["http_status"] == 422


async def test_rate_limit_from_the_server_gives_retry_after(
    mock_server: MockServer, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await fault(control, {"type": "ratelimit"})
    publisher = MastodonPublisher(settings_for(mock_server), client=client, clock=clock)

    with pytest.raises(RateLimitedError) as caught:
        await publisher.publish(post())

    assert caught.value.retry_after == 300
    assert caught.value.message == "Mastodon asks us to wait 300 seconds before publishing again."
    # The fault fired once: the next attempt goes through.
    assert (await publisher.publish(post())).dry_run is False


async def test_a_failing_server_is_unavailable(
    mock_server: MockServer, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await fault(control, {"type": "status", "status": 503})
    publisher = MastodonPublisher(settings_for(mock_server), client=client, clock=clock)

    with pytest.raises(UnavailableError) as caught:
        await publisher.publish(post())

    assert caught.value.message == "Mastodon answered with an error (HTTP 503); try again later."
    assert caught.value.status == 503


async def test_an_unreadable_answer_warns_that_the_post_may_be_out(
    mock_server: MockServer, control: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await fault(control, {"type": "malformed"})
    publisher = MastodonPublisher(settings_for(mock_server), client=client, clock=clock)

    with pytest.raises(UnavailableError) as caught:
        await publisher.publish(post())

    assert caught.value.code == "publish_unreadable_answer"
    assert caught.value.details["maybe_published"] is True
    assert caught.value.message == (
        "Mastodon answered with something we could not read (HTTP 200); the post may have been published: check "
        "the account before trying again."
    )


# --- answers the local server cannot be made to give: httpx.MockTransport --------------------------------------


def mocked(handler: Callable[[httpx.Request], httpx.Response], **overrides: Any) -> MastodonPublisher:
    settings = MastodonSettings.model_validate(
        {"base_url": "https://social.acme.example", "access_token": SECRET, **overrides}
    )
    return MastodonPublisher(settings, client=httpx.AsyncClient(transport=httpx.MockTransport(handler)), clock=clock)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "42"}, 42),
        ({"Retry-After": "Sun, 22 Nov 2026 09:02:00 GMT"}, 120),
        ({"X-RateLimit-Reset": "2026-11-22T09:05:00.000Z"}, 300),
        ({"X-RateLimit-Reset": "2026-11-22T09:00:30.250000+00:00"}, 31),
        ({"X-RateLimit-Reset": str(int(NOW.timestamp()) + 90)}, 90),
        ({"X-RateLimit-Reset": "2026-11-22T08:00:00Z"}, 1),
        ({"X-RateLimit-Reset": "soon"}, 60),
        ({}, 60),
    ],
)
async def test_429_reads_retry_after_then_the_rate_limit_reset(headers: dict[str, str], seconds: int) -> None:
    publisher = mocked(lambda request: httpx.Response(429, json={"error": "Too many requests"}, headers=headers))

    with pytest.raises(RateLimitedError) as caught:
        await publisher.publish(post())

    assert caught.value.retry_after == seconds
    assert caught.value.to_dict()["details"]["retry_after"] == seconds
    assert caught.value.status == 429


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            401,
            {"error": "The access token is invalid"},
            AuthError,
            "Mastodon refused the channel's credentials (HTTP 401: The access token is invalid). Check them in the "
            "channel's settings.",
        ),
        (
            403,
            {"error": "This action is outside the authorized scopes"},
            AuthError,
            "Mastodon refused the channel's credentials (HTTP 403: This action is outside the authorized scopes). "
            "Check them in the channel's settings.",
        ),
        (
            422,
            {"error": "Validation failed: Text can't be blank"},
            RejectedError,
            "Mastodon rejected the post (HTTP 422): Validation failed: Text can't be blank",
        ),
        (
            404,
            {"error": "Record not found"},
            RejectedError,
            "Mastodon rejected the post (HTTP 404): Record not found",
        ),
        (500, {"error": "boom"}, UnavailableError, "Mastodon answered with an error (HTTP 500); try again later."),
        (502, None, UnavailableError, "Mastodon answered with an error (HTTP 502); try again later."),
        (
            301,
            None,
            UnavailableError,
            "Mastodon answered HTTP 301 instead of publishing: check the server address in the channel's settings.",
        ),
    ],
)
async def test_answers_map_onto_our_errors(
    status: int, body: dict[str, str] | None, error: type[Exception], message: str
) -> None:
    publisher = mocked(lambda request: httpx.Response(status, json=body) if body else httpx.Response(status))

    with pytest.raises(error) as caught:
        await publisher.publish(post())

    assert str(caught.value) == message


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, content=b'{"id": "1", "url": '),
        httpx.Response(200, content=b"<html>maintenance</html>"),
        httpx.Response(200, json=["not", "an", "object"]),
        httpx.Response(200, json={"url": "https://social.acme.example/@acme/1"}),
    ],
)
async def test_malformed_success_answers_are_unreadable(answer: httpx.Response) -> None:
    publisher = mocked(lambda request: answer)

    with pytest.raises(UnavailableError) as caught:
        await publisher.publish(post())

    assert caught.value.code == "publish_unreadable_answer"


async def test_network_failures_say_whether_the_post_may_be_out() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    with pytest.raises(UnavailableError) as unreachable:
        await mocked(refuse).publish(post())
    with pytest.raises(UnavailableError) as timed_out:
        await mocked(stall).publish(post())

    assert unreachable.value.message == "Could not reach Mastodon; nothing was published. Try again later."
    assert unreachable.value.details["maybe_published"] is False
    assert timed_out.value.code == "publish_timeout"
    assert timed_out.value.details["maybe_published"] is True
    assert isinstance(unreachable.value.__cause__, httpx.ConnectError)


async def test_a_platform_message_that_echoes_the_token_is_masked() -> None:
    publisher = mocked(lambda request: httpx.Response(401, json={"error": f"Token {SECRET} was revoked"}))

    with pytest.raises(AuthError) as caught:
        await publisher.publish(post())

    assert SECRET not in caught.value.message
    assert "Token **** was revoked" in caught.value.message
    assert SECRET not in json.dumps(caught.value.to_dict())


async def test_the_token_goes_only_in_the_authorization_header() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "7", "url": "https://social.acme.example/@acme/7"})

    publication = await mocked(answer).publish(post())

    assert seen[0].headers["Authorization"] == f"Bearer {SECRET}"
    assert SECRET not in seen[0].content.decode()
    assert SECRET not in publication.model_dump_json()
    assert publication.published_at == NOW  # no created_at in the answer: our clock


def test_settings_never_show_the_token() -> None:
    settings = MastodonSettings.model_validate({"base_url": "https://social.acme.example", "access_token": SECRET})

    assert SECRET not in repr(settings)
    assert SECRET not in str(settings)
    assert SECRET not in settings.model_dump_json()
    assert SECRET not in json.dumps(settings.model_dump(mode="json"))
    assert settings.access_token.get_secret_value() == SECRET
    assert (settings.visibility, settings.max_chars) == (Visibility.public, 500)


@pytest.mark.parametrize(
    ("target", "status_id"),
    [
        ("110", "110"),
        (" 109876543210 ", "109876543210"),
        ("9zYqAbC", "9zYqAbC"),
        ("https://social.acme.example/@acme/110", "110"),
        ("https://social.acme.example/@acme/110/", "110"),
        ("https://social.acme.example/users/acme/statuses/110", "110"),
    ],
)
def test_reply_targets_on_this_server(target: str, status_id: str) -> None:
    outgoing = mocked(lambda request: httpx.Response(500)).prepare(post(in_reply_to=target))

    assert outgoing.body is not None
    assert outgoing.body["in_reply_to_id"] == status_id


@pytest.mark.parametrize(
    "target",
    ["https://mastodon.social/@someone/110", "at://did:plc:x/app.bsky.feed.post/1|bafy", "", {"id": "110"}],
)
def test_reply_targets_elsewhere_are_refused_before_sending(target: Any) -> None:
    with pytest.raises(InvalidPostError) as caught:
        mocked(lambda request: httpx.Response(500)).prepare(post(in_reply_to=target))

    assert caught.value.code == "invalid_reply_target"
    assert caught.value.message == (
        f"Cannot reply to {target!r}: give the id of a status on https://social.acme.example, or its address there."
    )


async def test_too_long_posts_are_refused_before_sending_in_both_languages() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"id": "1"})

    publisher = mocked(answer, max_chars=20)

    with pytest.raises(PostTooLongError) as english:
        await publisher.publish(post("a" * 25))
    with i18n.use_locale("es"), pytest.raises(PostTooLongError) as spanish:
        await publisher.publish(post("a" * 25))

    assert english.value.message == "The post is 25 characters long and Mastodon allows at most 20: shorten it by 5."
    assert spanish.value.message == "La publicación tiene 25 caracteres y Mastodon admite como mucho 20: acórtala en 5."
    assert english.value.details == {"platform": "mastodon", "length": 25, "limit": 20, "unit": "characters"}
    assert sent == []


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("hola", 4),
        ("Más info: https://acme.example/incidencias/2026/11/22/cobros-duplicados?utm=x", 33),
        ("Escríbenos, @soporte@social.acme.example", 20),
        ("Perdón 🙏🏽 👩‍👩‍👧", 10),
        ("cafe\u0301", 4),
    ],
)
def test_countable_length_follows_mastodon(text: str, length: int) -> None:
    assert countable_length(text) == length


async def test_a_link_counts_as_23_characters_whatever_its_length() -> None:
    publisher = mocked(lambda request: httpx.Response(200, json={"id": "1"}), max_chars=30)

    text = "Info: https://acme.example/" + "x" * 200

    outgoing = publisher.prepare(post(text))

    assert outgoing.body is not None
    assert outgoing.body["status"] == text
    assert countable_length(text) == 29


async def test_an_empty_post_is_refused() -> None:
    with pytest.raises(InvalidPostError) as caught:
        mocked(lambda request: httpx.Response(500)).prepare(post("  \n "))

    assert caught.value.code == "empty_post"
    assert caught.value.message == "The post is empty: write something before publishing."
