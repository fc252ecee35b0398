"""Incoming webhooks: the generic signed webhook and Meta's, checked function by function and through a real local
HTTP receiver. Bad signatures, stale timestamps, replays and malformed bodies are refused, distinctly, and counted."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from baliza.core import i18n
from baliza.ingest.connectors.webhooks import (
    MetaWebhookSettings,
    ReplayCache,
    SignedWebhookSettings,
    WebhookError,
    WebhookHandshakeError,
    WebhookPayloadError,
    WebhookReplayError,
    WebhookSignatureError,
    WebhookStaleError,
    WebhookStats,
    meta_handshake,
    parse_meta_webhook,
    parse_signed_webhook,
    receive_meta_webhook,
    receive_signed_webhook,
    sign_webhook,
    verify_meta_signature,
    verify_signed_webhook,
)
from tests.unit.connectors.connector_servers import ThreadedServer, serving

SECRET = "whsec-0123456789abcdef"
APP_SECRET = "meta-app-secret-42"
VERIFY_TOKEN = "verify-me-please"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
TS = int(NOW.timestamp())
BODY = json.dumps(
    {
        "items": [
            {"platform": "forum", "external_id": "f1", "text": "Acme me cobró dos veces", "created_at": NOW.isoformat()}
        ]
    }
).encode()


def test_a_correctly_signed_webhook_is_accepted_once() -> None:
    stats, cache = WebhookStats(), ReplayCache()
    headers = sign_webhook(BODY, secret=SECRET, timestamp=TS)
    assert (
        headers["X-Baliza-Signature"]
        == "sha256=" + hmac.new(SECRET.encode(), f"{TS}.".encode() + BODY, hashlib.sha256).hexdigest()
    )
    assert verify_signed_webhook(BODY, headers, secret=SECRET, seen_nonces=ReplayCache(), now=NOW) == NOW
    settings = SignedWebhookSettings(secret=SECRET, platform="forum")
    page = receive_signed_webhook(BODY, headers, settings=settings, seen_nonces=cache, now=NOW, stats=stats)
    assert [m.external_id for m in page.items] == ["f1"]
    with pytest.raises(WebhookReplayError) as caught:
        receive_signed_webhook(BODY, headers, settings=settings, seen_nonces=cache, now=NOW, stats=stats)
    assert caught.value.code == "webhook_replayed" and caught.value.status == 409
    assert caught.value.message == "This webhook was already received (same signature); a replay is refused."
    assert stats.as_dict() == {"accepted": 1, "bad_signature": 0, "stale": 0, "replayed": 1, "malformed": 0}


@pytest.mark.parametrize(
    ("headers", "error", "code", "counter"),
    [
        ({}, WebhookSignatureError, "webhook_bad_signature", "bad_signature"),
        (
            {"X-Baliza-Timestamp": str(TS), "X-Baliza-Signature": "md5=abc"},
            WebhookSignatureError,
            "webhook_bad_signature",
            "bad_signature",
        ),
        (
            {"X-Baliza-Timestamp": str(TS), "X-Baliza-Signature": "sha256=" + "0" * 64},
            WebhookSignatureError,
            "webhook_bad_signature",
            "bad_signature",
        ),
        ({"X-Baliza-Signature": "sha256=" + "0" * 64}, WebhookPayloadError, "webhook_malformed", "malformed"),
        (
            {"X-Baliza-Timestamp": "yesterday", "X-Baliza-Signature": "sha256=" + "0" * 64},
            WebhookPayloadError,
            "webhook_malformed",
            "malformed",
        ),
    ],
)
def test_refusals_have_distinct_codes_and_are_counted(
    headers: dict[str, str], error: type[WebhookError], code: str, counter: str
) -> None:
    stats = WebhookStats()
    with pytest.raises(error) as caught:
        verify_signed_webhook(BODY, headers, secret=SECRET, seen_nonces=ReplayCache(), now=NOW, stats=stats)
    assert caught.value.code == code
    assert getattr(stats, counter) == 1 and stats.accepted == 0


def test_a_wrong_secret_is_a_bad_signature_with_a_clear_message_in_both_languages() -> None:
    headers = sign_webhook(BODY, secret="another-secret-entirely", timestamp=TS)
    with pytest.raises(WebhookSignatureError) as caught:
        verify_signed_webhook(BODY, headers, secret=SECRET, seen_nonces=ReplayCache(), now=NOW)
    assert caught.value.message == "The webhook signature does not match: check the shared secret on the sending side."
    assert caught.value.status == 401
    with i18n.use_locale("es"), pytest.raises(WebhookSignatureError) as caught:
        verify_signed_webhook(BODY, headers, secret=SECRET, seen_nonces=ReplayCache(), now=NOW)
    assert caught.value.message == (
        "La firma del webhook no coincide: revisa el secreto compartido en el lado que lo envía."
    )


def test_a_tampered_body_is_refused() -> None:
    headers = sign_webhook(BODY, secret=SECRET, timestamp=TS)
    with pytest.raises(WebhookSignatureError):
        verify_signed_webhook(BODY + b" ", headers, secret=SECRET, seen_nonces=ReplayCache(), now=NOW)


@pytest.mark.parametrize("offset", [-301, 301, -86_400])
def test_stale_timestamps_either_way_are_refused(offset: int) -> None:
    stats = WebhookStats()
    headers = sign_webhook(BODY, secret=SECRET, timestamp=TS + offset)
    with pytest.raises(WebhookStaleError) as caught:
        verify_signed_webhook(BODY, headers, secret=SECRET, seen_nonces=ReplayCache(), now=NOW, stats=stats)
    assert caught.value.code == "webhook_stale"
    assert caught.value.message == (
        f"The webhook timestamp is {abs(offset)} seconds away from now; the tolerance is 300 seconds "
        "(check the sender's clock)."
    )
    assert stats.stale == 1


def test_within_tolerance_is_fine_and_the_replay_memory_expires() -> None:
    cache = ReplayCache(ttl=300)
    headers = sign_webhook(BODY, secret=SECRET, timestamp=TS - 299)
    verify_signed_webhook(BODY, headers, secret=SECRET, seen_nonces=cache, now=NOW)
    assert len(cache) == 1
    # Once the timestamp leaves the window the entry is forgotten: the message is refused as stale instead.
    later = NOW + timedelta(seconds=2)
    with pytest.raises(WebhookStaleError):
        verify_signed_webhook(BODY, headers, secret=SECRET, seen_nonces=cache, now=later)
    assert not cache.seen(headers["X-Baliza-Signature"].removeprefix("sha256="), now=later)
    assert len(cache) == 0


def test_the_replay_memory_is_bounded() -> None:
    cache = ReplayCache(max_entries=3)
    for n in range(5):
        cache.add(f"sig{n}", expires_at=NOW + timedelta(minutes=5), now=NOW)
    assert len(cache) == 3
    assert not cache.seen("sig0", now=NOW) and cache.seen("sig4", now=NOW)


def test_an_oversized_body_is_refused_before_anything_else() -> None:
    stats = WebhookStats()
    with pytest.raises(WebhookPayloadError) as caught:
        verify_signed_webhook(b"x" * 1_000_001, {}, secret=SECRET, seen_nonces=ReplayCache(), now=NOW, stats=stats)
    assert caught.value.code == "webhook_too_large" and stats.malformed == 1


def test_parsing_a_signed_webhook_keeps_good_items_and_reports_bad_ones() -> None:
    body = json.dumps(
        {
            "items": [
                {"external_id": "w1", "text": "Acme responde tarde", "created_at": "2026-11-22T08:00:00Z"},
                {"external_id": "w2", "text": "", "created_at": "2026-11-22T08:00:00Z"},
                "not an object",
                {"platform": "forum", "external_id": "w3", "text": "ok", "created_at": "2026-11-22T08:00:00+00:00"},
            ]
        }
    ).encode()
    page = parse_signed_webhook(body, platform="helpdesk")
    assert [(m.platform, m.external_id) for m in page.items] == [("helpdesk", "w1"), ("forum", "w3")]
    assert [s.code for s in page.skipped] == ["invalid_item", "invalid_item"]
    assert page.skipped[1].message == "Item 2 of the webhook is not an object."
    stats = WebhookStats()
    with pytest.raises(WebhookPayloadError) as caught:
        parse_signed_webhook(b"{oops", stats=stats)
    assert caught.value.message == "The webhook body is not valid JSON." and stats.malformed == 1


# --- Meta -----------------------------------------------------------------------------------------------------

PAGE_COMMENT = {
    "object": "page",
    "entry": [
        {
            "id": "1029384756",
            "time": 1795337000,
            "changes": [
                {
                    "field": "feed",
                    "value": {
                        "from": {"id": "5551212", "name": "Lucía Pérez"},
                        "post": {"status_type": "added_photos", "is_published": True, "id": "1029384756_77"},
                        "message": "¿Cuándo vuelve la app de Acme?",
                        "post_id": "1029384756_77",
                        "comment_id": "77_9001",
                        "created_time": 1795337000,
                        "item": "comment",
                        "parent_id": "1029384756_77",
                        "verb": "add",
                    },
                },
                {
                    "field": "feed",
                    "value": {"item": "reaction", "verb": "add", "reaction_type": "angry", "post_id": "1029384756_77"},
                },
                {"field": "feed", "value": {"item": "comment", "verb": "edited", "comment_id": "77_9000"}},
                {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "77_9002", "message": ""}},
                {"field": "feed"},
            ],
        }
    ],
}

INSTAGRAM_COMMENT = {
    "object": "instagram",
    "entry": [
        {
            "id": "17841400000000000",
            "time": 1795337100,
            "changes": [
                {
                    "field": "comments",
                    "value": {
                        "from": {"id": "232323232", "username": "cliente_enfadado"},
                        "media": {"id": "123123123", "media_product_type": "FEED"},
                        "id": "17865799348089039",
                        "parent_id": "1231231234",
                        "text": "Tres días sin poder pagar con Acme",
                    },
                },
                {"field": "mentions", "value": {"media_id": "999", "comment_id": "888"}},
            ],
        }
    ],
}


def meta_signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_meta_signature() -> None:
    body = json.dumps(PAGE_COMMENT).encode()
    stats = WebhookStats()
    verify_meta_signature(body, meta_signature(body), APP_SECRET, stats=stats)
    verify_meta_signature(body, meta_signature(body).upper().replace("SHA256=", "sha256="), SecretStr(APP_SECRET))
    with pytest.raises(WebhookSignatureError) as caught:
        verify_meta_signature(body, meta_signature(body, "not-the-secret"), APP_SECRET, stats=stats)
    assert (
        caught.value.message == "The webhook signature does not match: check the app secret in the connector settings."
    )
    with pytest.raises(WebhookSignatureError) as caught:
        verify_meta_signature(body, None, APP_SECRET, stats=stats)
    assert caught.value.message == "The webhook has no valid X-Hub-Signature-256 header (expected sha256=<hex>)."
    assert stats.as_dict() == {"accepted": 0, "bad_signature": 2, "stale": 0, "replayed": 0, "malformed": 0}
    settings = MetaWebhookSettings(app_secret=APP_SECRET, verify_token=VERIFY_TOKEN)
    page = receive_meta_webhook(body, {"x-hub-signature-256": meta_signature(body)}, settings=settings, stats=stats)
    assert len(page.items) == 1 and stats.accepted == 1


def test_meta_handshake() -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    assert meta_handshake(params, SecretStr(VERIFY_TOKEN)) == "1158201444"
    stats = WebhookStats()
    with pytest.raises(WebhookHandshakeError) as caught:
        meta_handshake({**params, "hub.verify_token": "guess"}, VERIFY_TOKEN, stats=stats)
    assert caught.value.code == "webhook_handshake_refused" and caught.value.status == 403
    with pytest.raises(WebhookHandshakeError) as caught:
        meta_handshake({**params, "hub.mode": "unsubscribe"}, VERIFY_TOKEN, stats=stats)
    assert caught.value.code == "webhook_handshake_malformed"
    assert stats.bad_signature == 2


def test_page_comments_become_mentions() -> None:
    page = parse_meta_webhook(json.dumps(PAGE_COMMENT).encode())
    [comment] = page.items
    assert comment.platform == "facebook"
    assert comment.external_id == "77_9001"
    assert comment.text == "¿Cuándo vuelve la app de Acme?"
    assert comment.created_at == datetime.fromtimestamp(1795337000, tz=UTC)
    assert comment.reply_to == "1029384756_77"
    assert comment.author is not None and (comment.author.handle, comment.author.display_name) == (
        "5551212",
        "Lucía Pérez",
    )
    assert [s.code for s in page.skipped] == ["invalid_item", "malformed_change"]  # empty message; no value


def test_instagram_comments_become_mentions() -> None:
    page = parse_meta_webhook(json.dumps(INSTAGRAM_COMMENT).encode(), now=NOW)
    [comment] = page.items
    assert (comment.platform, comment.external_id, comment.reply_to) == ("instagram", "17865799348089039", "1231231234")
    assert comment.author is not None and comment.author.handle == "cliente_enfadado"
    assert comment.created_at == datetime.fromtimestamp(1795337100, tz=UTC)
    assert page.skipped == []  # a mention notification carries no text: ignored, not an error


@pytest.mark.parametrize("body", [b"[1, 2]", b'{"object": "user", "entry": []}', b"\xff\xfe"])
def test_bodies_that_are_not_meta_notifications_are_refused_and_counted(body: bytes) -> None:
    stats = WebhookStats()
    with pytest.raises(WebhookPayloadError):
        parse_meta_webhook(body, stats=stats)
    assert stats.malformed == 1


def test_webhook_settings_hide_their_secrets() -> None:
    settings = MetaWebhookSettings(app_secret=APP_SECRET, verify_token=VERIFY_TOKEN)
    assert APP_SECRET not in settings.model_dump_json()
    with pytest.raises(ValueError, match="at least 16"):
        SignedWebhookSettings(secret="short")


# --- through a real local receiver ----------------------------------------------------------------------------

STATS = WebhookStats()
CACHE = ReplayCache()
RECEIVED: list[Any] = []


def _refusal(error: WebhookError) -> Response:
    return JSONResponse({"error": error.to_dict()}, status_code=error.status)


async def receive_signed(request: Request) -> Response:
    body = await request.body()
    try:
        page = receive_signed_webhook(
            body, request.headers, settings=SignedWebhookSettings(secret=SECRET), seen_nonces=CACHE, stats=STATS
        )
    except WebhookError as error:
        return _refusal(error)
    RECEIVED.extend(page.items)
    return JSONResponse({"accepted": len(page.items), "skipped": len(page.skipped)})


async def meta_get(request: Request) -> Response:
    try:
        return PlainTextResponse(meta_handshake(request.query_params, VERIFY_TOKEN, stats=STATS))
    except WebhookError as error:
        return _refusal(error)


async def meta_post(request: Request) -> Response:
    body = await request.body()
    try:
        settings = MetaWebhookSettings(app_secret=APP_SECRET, verify_token=VERIFY_TOKEN)
        page = receive_meta_webhook(body, request.headers, settings=settings, stats=STATS)
    except WebhookError as error:
        return _refusal(error)
    RECEIVED.extend(page.items)
    return PlainTextResponse("EVENT_RECEIVED")


@pytest.fixture(scope="module")
def receiver() -> Iterator[ThreadedServer]:
    routes = [
        Route("/hooks/signed", receive_signed, methods=["POST"]),
        Route("/hooks/meta", meta_get, methods=["GET"]),
        Route("/hooks/meta", meta_post, methods=["POST"]),
    ]
    with serving(Starlette(routes=routes)) as server:
        yield server


async def test_end_to_end_over_http(receiver: ThreadedServer) -> None:
    now = int(datetime.now(UTC).timestamp())
    async with httpx.AsyncClient(base_url=receiver.url) as client:
        headers = sign_webhook(BODY, secret=SECRET, timestamp=now)
        ok = await client.post("/hooks/signed", content=BODY, headers=headers)
        assert ok.status_code == 200 and ok.json() == {"accepted": 1, "skipped": 0}
        replay = await client.post("/hooks/signed", content=BODY, headers=headers)
        assert replay.status_code == 409 and replay.json()["error"]["code"] == "webhook_replayed"
        forged = await client.post(
            "/hooks/signed", content=BODY, headers={**headers, "X-Baliza-Signature": "sha256=" + "ab" * 32}
        )
        assert forged.status_code == 401 and forged.json()["error"]["code"] == "webhook_bad_signature"
        stale = await client.post(
            "/hooks/signed", content=BODY, headers=sign_webhook(BODY, secret=SECRET, timestamp=now - 3600)
        )
        assert stale.status_code == 401 and stale.json()["error"]["code"] == "webhook_stale"
        junk = b"not json at all"
        broken = await client.post(
            "/hooks/signed", content=junk, headers=sign_webhook(junk, secret=SECRET, timestamp=now)
        )
        assert broken.status_code == 422 and broken.json()["error"]["code"] == "webhook_malformed"

        challenge = await client.get(
            "/hooks/meta", params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"}
        )
        assert (challenge.status_code, challenge.text) == (200, "42")
        refused = await client.get(
            "/hooks/meta", params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "42"}
        )
        assert refused.status_code == 403
        body = json.dumps(INSTAGRAM_COMMENT).encode()
        meta = await client.post("/hooks/meta", content=body, headers={"X-Hub-Signature-256": meta_signature(body)})
        assert (meta.status_code, meta.text) == (200, "EVENT_RECEIVED")
        unsigned = await client.post("/hooks/meta", content=body)
        assert unsigned.status_code == 401

    assert [m.external_id for m in RECEIVED] == ["f1", "17865799348089039"]
    assert STATS.as_dict() == {"accepted": 2, "bad_signature": 3, "stale": 1, "replayed": 1, "malformed": 1}
