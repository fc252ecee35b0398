"""Acknowledgement tokens: a round trip, and distinct errors for tampered, expired and garbled tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from baliza.core import i18n
from baliza.core.errors import ConfigError, ValidationError
from baliza.notify.tokens import AckClaim, make_ack_token, new_nonce, read_ack_token

SECRET = "a-long-enough-signing-secret-for-tests"
EXPIRES = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
BEFORE = EXPIRES - timedelta(minutes=5)


def token(**overrides: Any) -> str:
    fields: dict[str, Any] = {
        "escalation_id": 42, "person_id": "lucia", "nonce": "n-123", "expires_at": EXPIRES,
    }  # fmt: skip
    fields.update(overrides)
    value: str = make_ack_token(SECRET, **fields)
    return value


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signed(body: bytes) -> str:
    """A token with a valid signature over any payload, as the documented format says."""
    encoded = b64(body)
    mac = hmac.new(SECRET.encode(), b"baliza.ack.v1:" + encoded.encode(), hashlib.sha256).digest()
    return f"{encoded}.{b64(mac)}"


def test_round_trip() -> None:
    claim = read_ack_token(SECRET, token(), now=BEFORE)
    assert claim == AckClaim(escalation_id=42, person_id="lucia", nonce="n-123", expires_at=EXPIRES)


def test_expiry_keeps_whole_seconds_in_utc() -> None:
    madrid = timezone(timedelta(hours=1))
    expires = datetime(2026, 11, 20, 11, 30, 0, 900_000, tzinfo=madrid)
    claim = read_ack_token(SECRET, token(expires_at=expires), now=BEFORE)
    assert claim.expires_at == EXPIRES
    assert claim.expires_at.tzinfo is UTC


def test_tokens_are_url_safe() -> None:
    value = token(person_id="lucía garcía", nonce=new_nonce())
    assert set(value) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert read_ack_token(SECRET, value, now=BEFORE).person_id == "lucía garcía"


def test_nonces_are_fresh() -> None:
    assert len({new_nonce() for _ in range(100)}) == 100


def test_a_tampered_payload_is_invalid() -> None:
    body, signature = token().split(".")
    forged = b64(base64.urlsafe_b64decode(body + "==").replace(b'"e":42', b'"e":43'))
    with pytest.raises(ValidationError) as err:
        read_ack_token(SECRET, f"{forged}.{signature}", now=BEFORE)
    assert err.value.code == "ack_invalid"
    assert err.value.message == (
        "This acknowledgement link is not valid. Open the link in your latest notification again."
    )


@pytest.mark.parametrize("position", [0, 10, -1])
def test_any_change_to_the_signature_is_invalid(position: int) -> None:
    body, signature = token().split(".")
    chars = list(signature)
    chars[position] = "A" if chars[position] != "A" else "B"
    with pytest.raises(ValidationError) as err:
        read_ack_token(SECRET, f"{body}.{''.join(chars)}", now=BEFORE)
    assert err.value.code == "ack_invalid"


def test_a_token_signed_with_another_secret_is_invalid() -> None:
    other = make_ack_token(
        "another-secret-of-enough-length", escalation_id=42, person_id="lucia", nonce="n", expires_at=EXPIRES
    )
    with pytest.raises(ValidationError) as err:
        read_ack_token(SECRET, other, now=BEFORE)
    assert err.value.code == "ack_invalid"


@pytest.mark.parametrize("now", [EXPIRES, EXPIRES + timedelta(days=3)])
def test_an_expired_token_says_when_it_expired(now: datetime) -> None:
    with pytest.raises(ValidationError) as err:
        read_ack_token(SECRET, token(), now=now)
    assert err.value.code == "ack_expired"
    assert err.value.message == (
        "This acknowledgement link expired at 2026-11-20 10:30 UTC. Acknowledge in Baliza or use a newer notification."
    )
    assert err.value.details == {"expires_at": "2026-11-20T10:30:00+00:00", "escalation_id": 42}


def test_the_expiry_message_in_spanish() -> None:
    with i18n.use_locale("es"), pytest.raises(ValidationError) as err:
        read_ack_token(SECRET, token(), now=EXPIRES)
    assert err.value.message == (
        "Este enlace de confirmación caducó el 2026-11-20 10:30 UTC. "
        "Confirma desde Baliza o usa una notificación más reciente."
    )


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "no-dot-at-all",
        "a.b.c",
        "héllo.wörld",
        "abc def.ghi",
        "x" * 2000 + ".y",
        signed(b"not json"),
        signed(b"\xff\xfe"),
        signed(b'{"v":2,"e":1,"p":"x","n":"y","x":1}'),
        signed(b'{"v":1,"e":"1","p":"x","n":"y","x":1}'),
        signed(b'{"v":1,"e":true,"p":"x","n":"y","x":1}'),
        signed(b'{"v":1,"e":1,"p":"x","n":"y","x":1e400}'),
        signed(b'{"v":1,"e":1,"p":"x","n":"y","x":99999999999999999}'),
        signed(b"[1,2,3]"),
    ],
)
def test_garbage_is_a_clear_malformed_error(garbage: str) -> None:
    with pytest.raises(ValidationError) as err:
        read_ack_token(SECRET, garbage, now=BEFORE)
    assert err.value.code == "ack_malformed"
    assert err.value.message == (
        "This acknowledgement link is incomplete or damaged. Open the link in your latest notification again."
    )


def test_a_short_secret_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError) as err:
        make_ack_token("short", escalation_id=1, person_id="p", nonce="n", expires_at=EXPIRES)
    assert err.value.code == "ack_secret_too_short"
    with pytest.raises(ConfigError):
        read_ack_token("", "a.b", now=BEFORE)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValidationError) as err:
        token(expires_at=EXPIRES.replace(tzinfo=None))
    assert (err.value.code, err.value.message) == ("naive_datetime", "expires_at must be a timezone-aware datetime")
    with pytest.raises(ValidationError) as err:
        read_ack_token(SECRET, token(), now=BEFORE.replace(tzinfo=None))
    assert err.value.details == {"field": "now"}


def test_a_token_needs_a_person_and_a_nonce() -> None:
    with pytest.raises(ValidationError) as err:
        token(nonce="")
    assert err.value.code == "ack_incomplete"
