"""Signed, expiring acknowledgement tokens: the ``?t=`` of the "acknowledge" link in a notification.

A token names one escalation, one person and a nonce, and carries its own expiry, as
``base64url(JSON payload) "." base64url(HMAC-SHA256)``. The signature covers a purpose prefix as well, so a
string signed elsewhere with the same secret is never a valid token.

Single use is *not* enforced here: a token only proves who may acknowledge which escalation, until when.
The caller records the nonce when the token is used (a unique row in the database) and refuses a nonce it
has seen before.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from baliza.core.clock import utcnow
from baliza.core.errors import ConfigError, ValidationError
from baliza.core.i18n import _

MIN_SECRET_CHARS = 16
MAX_TOKEN_CHARS = 1024
_PURPOSE = b"baliza.ack.v1:"
_VERSION = 1
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class AckClaim:
    """What a valid token says: who may acknowledge which escalation, with which nonce, until when."""

    escalation_id: int
    person_id: str
    nonce: str
    expires_at: datetime


def new_nonce() -> str:
    """A fresh random nonce for one token (URL-safe, 128 bits)."""
    return secrets.token_urlsafe(16)


def _check_secret(secret: str) -> bytes:
    if len(secret) < MIN_SECRET_CHARS:
        raise ConfigError(
            _("The acknowledgement signing secret must be at least {min} characters long.").format(
                min=MIN_SECRET_CHARS
            ),
            code="ack_secret_too_short",
            details={"min": MIN_SECRET_CHARS},
        )
    return secret.encode()


def _check_aware(field: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(
            _("{field} must be a timezone-aware datetime").format(field=field),
            code="naive_datetime",
            details={"field": field},
        )


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, body: str) -> str:
    return _b64encode(hmac.new(key, _PURPOSE + body.encode("ascii"), hashlib.sha256).digest())


def _malformed() -> ValidationError:
    return ValidationError(
        _("This acknowledgement link is incomplete or damaged. Open the link in your latest notification again."),
        code="ack_malformed",
    )


def make_ack_token(secret: str, *, escalation_id: int, person_id: str, nonce: str, expires_at: datetime) -> str:
    """Sign a token that lets ``person_id`` acknowledge ``escalation_id`` until ``expires_at`` (to the second)."""
    key = _check_secret(secret)
    _check_aware("expires_at", expires_at)
    if not nonce or not person_id:
        raise ValidationError(
            _("An acknowledgement token needs a person and a nonce."),
            code="ack_incomplete",
            details={"person_id": person_id, "nonce": bool(nonce)},
        )
    payload = {"v": _VERSION, "e": escalation_id, "p": person_id, "n": nonce, "x": int(expires_at.timestamp())}
    body = _b64encode(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    return f"{body}.{_signature(key, body)}"


def _claim(data: Any) -> AckClaim:
    """The claim in a verified payload; anything unexpected is a malformed token."""
    if not isinstance(data, dict) or data.get("v") != _VERSION:
        raise _malformed()
    escalation_id, person_id, nonce, expiry = data.get("e"), data.get("p"), data.get("n"), data.get("x")
    if (
        not isinstance(escalation_id, int)
        or isinstance(escalation_id, bool)
        or not isinstance(person_id, str)
        or not isinstance(nonce, str)
        or not isinstance(expiry, int)
        or isinstance(expiry, bool)
    ):
        raise _malformed()
    try:
        expires_at = datetime.fromtimestamp(expiry, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise _malformed() from exc
    return AckClaim(escalation_id=escalation_id, person_id=person_id, nonce=nonce, expires_at=expires_at)


def read_ack_token(secret: str, token: str, *, now: datetime | None = None) -> AckClaim:
    """Check a token's signature and expiry and return its claim.

    Raises ``ValidationError`` with code ``ack_malformed`` (not a token), ``ack_invalid`` (signature does not
    match: tampered, or signed with another secret) or ``ack_expired``. The caller must still refuse a nonce
    it has already seen.
    """
    key = _check_secret(secret)
    moment = now if now is not None else utcnow()
    _check_aware("now", moment)
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise _malformed()
    body, dot, signature = token.strip().partition(".")
    if not dot or not _B64URL.match(body) or not _B64URL.match(signature):
        raise _malformed()
    # Compare the text of the signature, not its decoded bytes: base64 tolerates changes in padding bits.
    if not hmac.compare_digest(_signature(key, body), signature):
        raise ValidationError(
            _("This acknowledgement link is not valid. Open the link in your latest notification again."),
            code="ack_invalid",
        )
    try:
        data = json.loads(_b64decode(body).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise _malformed() from exc
    claim = _claim(data)
    if moment >= claim.expires_at:
        message = _(
            "This acknowledgement link expired at {expires_at}. Acknowledge in Baliza or use a newer notification."
        ).format(expires_at=claim.expires_at.strftime("%Y-%m-%d %H:%M UTC"))
        raise ValidationError(
            message,
            code="ack_expired",
            details={"expires_at": claim.expires_at.isoformat(), "escalation_id": claim.escalation_id},
        )
    return claim


__all__ = ["MAX_TOKEN_CHARS", "MIN_SECRET_CHARS", "AckClaim", "make_ack_token", "new_nonce", "read_ack_token"]
