"""Incoming webhooks: a generic signed webhook, and Meta's (Facebook Page and Instagram comments).

Generic webhook: the sender signs ``timestamp + "." + body`` with HMAC-SHA256 and a shared secret, and sends
``X-Baliza-Timestamp: <unix seconds>`` and ``X-Baliza-Signature: sha256=<hex>``. We refuse a bad signature, a
timestamp outside the tolerance (either way) and a replay of a message already accepted (its signature is kept
until its timestamp leaves the tolerance window, after which it would be refused as stale anyway).

Meta: ``X-Hub-Signature-256: sha256=<hex>`` is HMAC-SHA256 of the raw body with the app secret, and the
subscription handshake echoes ``hub.challenge`` when ``hub.verify_token`` is ours.

Every refusal raises its own error code with a message in the reader's language, and is counted in
``WebhookStats`` so the lead can expose the counters.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from baliza.core.clock import utcnow
from baliza.core.errors import AuthenticationError, ConflictError, PermissionDeniedError, ValidationError
from baliza.core.i18n import N_, _
from baliza.ingest.connectors.base import ConnectorError, MentionPage, Skipped, as_mapping, build_mention, excerpt
from baliza.ingest.schemas import MentionIn

TIMESTAMP_HEADER = "X-Baliza-Timestamp"
SIGNATURE_HEADER = "X-Baliza-Signature"
META_SIGNATURE_HEADER = "X-Hub-Signature-256"
DEFAULT_TOLERANCE = 300.0
MAX_BODY = 1_000_000  # bytes; larger webhook bodies are refused before any parsing


# --- errors and counters ------------------------------------------------------------------------------------------


class WebhookError(ConnectorError):
    """An incoming webhook was refused."""

    default_code: ClassVar[str] = "webhook_refused"
    stat: ClassVar[str] = "malformed"  # which WebhookStats counter it adds to


class WebhookSignatureError(WebhookError, AuthenticationError):
    """Missing or wrong signature."""

    status: ClassVar[int] = 401
    default_code: ClassVar[str] = "webhook_bad_signature"
    stat: ClassVar[str] = "bad_signature"


class WebhookStaleError(WebhookError, AuthenticationError):
    """The timestamp is outside the tolerance window."""

    status: ClassVar[int] = 401
    default_code: ClassVar[str] = "webhook_stale"
    stat: ClassVar[str] = "stale"


class WebhookReplayError(WebhookError, ConflictError):
    """This exact message was accepted before."""

    status: ClassVar[int] = 409
    default_code: ClassVar[str] = "webhook_replayed"
    stat: ClassVar[str] = "replayed"


class WebhookPayloadError(WebhookError, ValidationError):
    """The headers or the body cannot be read."""

    status: ClassVar[int] = 422
    default_code: ClassVar[str] = "webhook_malformed"
    stat: ClassVar[str] = "malformed"


class WebhookHandshakeError(WebhookError, PermissionDeniedError):
    """A subscription handshake with the wrong mode or verify token."""

    status: ClassVar[int] = 403
    default_code: ClassVar[str] = "webhook_handshake_refused"
    stat: ClassVar[str] = "bad_signature"


@dataclass
class WebhookStats:
    """Counters of what the webhook endpoints accepted and refused, by reason."""

    accepted: int = 0
    bad_signature: int = 0
    stale: int = 0
    replayed: int = 0
    malformed: int = 0

    def refused(self, error: WebhookError) -> None:
        """Count ``error`` under its reason."""
        setattr(self, error.stat, getattr(self, error.stat) + 1)

    def as_dict(self) -> dict[str, int]:
        """JSON-ready."""
        return {
            "accepted": self.accepted,
            "bad_signature": self.bad_signature,
            "stale": self.stale,
            "replayed": self.replayed,
            "malformed": self.malformed,
        }


class ReplayCache:
    """Signatures of accepted messages, each kept until ``ttl`` after its timestamp; bounded in size."""

    def __init__(self, *, ttl: float = DEFAULT_TOLERANCE, max_entries: int = 100_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._expiry: OrderedDict[str, datetime] = OrderedDict()

    def __len__(self) -> int:
        return len(self._expiry)

    def seen(self, key: str, *, now: datetime) -> bool:
        """True when ``key`` is still remembered."""
        self._expire(now)
        return key in self._expiry

    def add(self, key: str, *, expires_at: datetime, now: datetime) -> None:
        """Remember ``key`` until ``expires_at``."""
        self._expire(now)
        self._expiry[key] = expires_at
        while len(self._expiry) > self.max_entries:
            self._expiry.popitem(last=False)  # the oldest; a flood must not exhaust memory

    def _expire(self, now: datetime) -> None:
        for key in [key for key, at in self._expiry.items() if at <= now] if self._expiry else ():
            del self._expiry[key]


def _refuse(error: WebhookError, stats: WebhookStats | None) -> WebhookError:
    if stats is not None:
        stats.refused(error)
    return error


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value.strip()
    return None


def _secret(value: str | bytes | SecretStr) -> bytes:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return value.encode() if isinstance(value, str) else value


def _hex_digest(header: str | None) -> str | None:
    """The hex digest of a ``sha256=<hex>`` header, or None when it is not one."""
    if header is None:
        return None
    scheme, _sep, digest = header.partition("=")
    digest = digest.strip().lower()
    if scheme.strip().lower() != "sha256" or len(digest) != 64:
        return None
    try:
        bytes.fromhex(digest)
    except ValueError:
        return None
    return digest


# --- generic signed webhook ---------------------------------------------------------------------------------------


def sign_webhook(body: bytes, *, secret: str | bytes | SecretStr, timestamp: int) -> dict[str, str]:
    """The headers a sender adds: timestamp and ``sha256=`` HMAC over ``timestamp + "." + body``."""
    digest = hmac.new(_secret(secret), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: f"sha256={digest}"}


def verify_signed_webhook(
    body: bytes,
    headers: Mapping[str, str],
    *,
    secret: str | bytes | SecretStr,
    seen_nonces: ReplayCache,
    tolerance: float = DEFAULT_TOLERANCE,
    now: datetime | None = None,
    stats: WebhookStats | None = None,
) -> datetime:
    """Check signature, timestamp and replay of a generic webhook; returns its timestamp, raises a WebhookError.

    Refusals are counted in ``stats`` (``accepted`` is counted once the body is parsed too). Order matters: the
    signature is checked before the replay cache is touched, so an unsigned flood cannot fill it.
    """
    now = now or utcnow()
    if len(body) > MAX_BODY:
        raise _refuse(
            WebhookPayloadError(
                _("The webhook body is {size} bytes; the limit is {limit}.").format(size=len(body), limit=MAX_BODY),
                code="webhook_too_large",
                details={"size": len(body), "limit": MAX_BODY},
            ),
            stats,
        )
    raw_timestamp = _header(headers, TIMESTAMP_HEADER)
    signature = _hex_digest(_header(headers, SIGNATURE_HEADER))
    if signature is None:
        raise _refuse(
            WebhookSignatureError(
                _("The webhook has no valid {header} header (expected sha256=<hex>).").format(header=SIGNATURE_HEADER),
                details={"header": SIGNATURE_HEADER},
            ),
            stats,
        )
    if raw_timestamp is None or not raw_timestamp.isdigit():
        raise _refuse(
            WebhookPayloadError(
                _("The webhook has no valid {header} header (expected unix seconds).").format(header=TIMESTAMP_HEADER),
                details={"header": TIMESTAMP_HEADER},
            ),
            stats,
        )
    expected = hmac.new(_secret(secret), raw_timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise _refuse(
            WebhookSignatureError(
                _("The webhook signature does not match: check the shared secret on the sending side."),
            ),
            stats,
        )
    try:
        sent_at = datetime.fromtimestamp(int(raw_timestamp), tz=UTC)
    except (OverflowError, ValueError, OSError):
        sent_at = None
    skew = abs((now - sent_at).total_seconds()) if sent_at is not None else None
    if sent_at is None or skew is None or skew > tolerance:
        raise _refuse(
            WebhookStaleError(
                _(
                    "The webhook timestamp is {skew} seconds away from now; the tolerance is {tolerance} seconds "
                    "(check the sender's clock)."
                ).format(skew=int(skew) if skew is not None else "?", tolerance=int(tolerance)),
                details={"skew": skew, "tolerance": tolerance},
            ),
            stats,
        )
    if seen_nonces.seen(signature, now=now):
        raise _refuse(
            WebhookReplayError(
                _("This webhook was already received (same signature); a replay is refused."),
            ),
            stats,
        )
    seen_nonces.add(signature, expires_at=sent_at + timedelta(seconds=tolerance), now=now)
    return sent_at


class SignedWebhookSettings(BaseModel):
    """A generic signed webhook endpoint."""

    model_config = ConfigDict(extra="forbid")

    secret: SecretStr = Field(
        min_length=16,
        title=N_("Shared secret"),
        description=N_("The secret the sender signs with (at least 16 characters); never shown again."),
    )
    tolerance_seconds: int = Field(
        default=300,
        ge=30,
        le=3600,
        title=N_("Clock tolerance"),
        description=N_("How far the sender's timestamp may be from ours, in seconds."),
    )
    platform: str = Field(
        default="webhook",
        pattern=r"^[a-z0-9][a-z0-9_.-]{0,31}$",
        title=N_("Platform"),
        description=N_("The platform recorded for items that do not say theirs."),
    )


def _load_json(body: bytes, stats: WebhookStats | None) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        # The message was counted as accepted by the signature check; it is malformed all the same.
        raise _refuse(
            WebhookPayloadError(_("The webhook body is not valid JSON."), details={"excerpt": excerpt(body[:200])}),
            stats,
        ) from None


def parse_signed_webhook(body: bytes, *, platform: str = "webhook", stats: WebhookStats | None = None) -> MentionPage:
    """A verified generic webhook body as mentions: ``{"items": [...]}``, a list, or one item.

    Broken items are reported in ``skipped`` and the rest are kept; a body that is not JSON is refused.
    """
    data = _load_json(body, stats)
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        raw_items: list[Any] = data["items"]
    elif isinstance(data, list):
        raw_items = data
    elif isinstance(data, dict):
        raw_items = [data]
    else:
        raise _refuse(WebhookPayloadError(_("The webhook body holds no items.")), stats)
    items: list[MentionIn] = []
    skipped: list[Skipped] = []
    for index, raw in enumerate(raw_items):
        if not isinstance(raw, dict):
            skipped.append(
                Skipped(
                    code="invalid_item",
                    message=_("Item {index} of the webhook is not an object.").format(index=index),
                    excerpt=excerpt(raw),
                )
            )
            continue
        result = build_mention({"platform": platform, **raw}, connector="webhook")
        if isinstance(result, Skipped):
            skipped.append(result)
        else:
            items.append(result)
    if stats is not None:
        stats.accepted += 1
    return MentionPage(items=items, cursor=None, skipped=skipped)


def receive_signed_webhook(
    body: bytes,
    headers: Mapping[str, str],
    *,
    settings: SignedWebhookSettings,
    seen_nonces: ReplayCache,
    stats: WebhookStats | None = None,
    now: datetime | None = None,
) -> MentionPage:
    """Verify then parse a generic webhook: what an endpoint calls; every outcome is counted once in ``stats``."""
    verify_signed_webhook(
        body,
        headers,
        secret=settings.secret,
        seen_nonces=seen_nonces,
        tolerance=settings.tolerance_seconds,
        now=now,
        stats=stats,
    )
    return parse_signed_webhook(body, platform=settings.platform, stats=stats)


# --- Meta (Facebook Page, Instagram) ------------------------------------------------------------------------------


class MetaWebhookSettings(BaseModel):
    """The Meta app whose webhooks this endpoint receives."""

    model_config = ConfigDict(extra="forbid")

    app_secret: SecretStr = Field(
        min_length=8,
        title=N_("App secret"),
        description=N_("The Meta app's secret, used to check X-Hub-Signature-256; never shown again."),
    )
    verify_token: SecretStr = Field(
        min_length=8,
        title=N_("Verify token"),
        description=N_("The token typed in the Meta app's webhook settings, checked during the subscription."),
    )


def verify_meta_signature(
    body: bytes,
    header: str | None,
    app_secret: str | bytes | SecretStr,
    *,
    stats: WebhookStats | None = None,
) -> None:
    """Check ``X-Hub-Signature-256`` against the raw body; raises WebhookSignatureError (counted in ``stats``)."""
    digest = _hex_digest(header)
    if digest is None:
        raise _refuse(
            WebhookSignatureError(
                _("The webhook has no valid {header} header (expected sha256=<hex>).").format(
                    header=META_SIGNATURE_HEADER
                ),
                details={"header": META_SIGNATURE_HEADER},
            ),
            stats,
        )
    expected = hmac.new(_secret(app_secret), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, digest):
        raise _refuse(
            WebhookSignatureError(
                _("The webhook signature does not match: check the app secret in the connector settings."),
            ),
            stats,
        )


def meta_handshake(
    params: Mapping[str, str], verify_token: str | SecretStr, *, stats: WebhookStats | None = None
) -> str:
    """The ``hub.challenge`` to answer with, when ``hub.mode`` is subscribe and ``hub.verify_token`` is ours."""
    token = verify_token.get_secret_value() if isinstance(verify_token, SecretStr) else verify_token
    mode = params.get("hub.mode")
    given = params.get("hub.verify_token") or ""
    challenge = params.get("hub.challenge")
    if mode != "subscribe" or not challenge:
        raise _refuse(
            WebhookHandshakeError(
                _("The subscription request is not a Meta handshake (hub.mode=subscribe and hub.challenge)."),
                code="webhook_handshake_malformed",
            ),
            stats,
        )
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise _refuse(
            WebhookHandshakeError(
                _("The subscription's verify token does not match the one in the connector settings."),
            ),
            stats,
        )
    return challenge


def _meta_time(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("+0000", "+00:00"))
            except ValueError:
                return None
            return moment if moment.tzinfo else None
        return None
    seconds = value / 1000 if value > 100_000_000_000 else value  # Meta sends seconds, sometimes milliseconds
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _page_change(value: Mapping[str, Any], entry_time: datetime | None) -> dict[str, Any] | None:
    """A Facebook Page ``feed`` change adding a comment or a visitor post, as raw MentionIn fields."""
    item = value.get("item")
    if value.get("verb") != "add" or item not in ("comment", "post", "status"):
        return None  # edits, removals, reactions, likes
    external_id = value.get("comment_id") if item == "comment" else value.get("post_id")
    sender = as_mapping(value.get("from"))
    parent = value.get("parent_id") or value.get("post_id")
    return {
        "platform": "facebook",
        "external_id": external_id,
        "text": value.get("message"),
        "created_at": _meta_time(value.get("created_time")) or entry_time,
        "url": value.get("permalink_url") if isinstance(value.get("permalink_url"), str) else None,
        "reply_to": parent if item == "comment" and parent != external_id else None,
        "author": {"handle": sender.get("id"), "display_name": sender.get("name")} if sender.get("id") else None,
    }


def _instagram_change(value: Mapping[str, Any], entry_time: datetime | None) -> dict[str, Any]:
    """An Instagram ``comments``/``live_comments`` change, as raw MentionIn fields."""
    sender = as_mapping(value.get("from"))
    media = as_mapping(value.get("media"))
    handle = sender.get("username") or sender.get("id")
    return {
        "platform": "instagram",
        "external_id": value.get("id"),
        "text": value.get("text"),
        "created_at": _meta_time(value.get("timestamp")) or entry_time,
        "reply_to": value.get("parent_id") or media.get("id"),
        "author": {"handle": handle} if handle else None,
    }


def parse_meta_webhook(body: bytes, *, now: datetime | None = None, stats: WebhookStats | None = None) -> MentionPage:
    """Page and Instagram comment notifications as mentions; other changes are ignored, broken ones skipped.

    Call after ``verify_meta_signature``. A body that is not a Meta notification is refused (and counted).
    """
    data = _load_json(body, stats)
    kind = data.get("object") if isinstance(data, dict) else None
    entries = data.get("entry") if isinstance(data, dict) else None
    if kind not in ("page", "instagram") or not isinstance(entries, list):
        raise _refuse(
            WebhookPayloadError(
                _("The webhook is not a Meta page or instagram notification (object and entry are missing)."),
                code="webhook_not_meta",
            ),
            stats,
        )
    items: list[MentionIn] = []
    skipped: list[Skipped] = []
    for entry in entries:
        if not isinstance(entry, dict):
            skipped.append(
                Skipped(
                    code="malformed_entry",
                    message=_("A Meta entry that is not an object was skipped."),
                    excerpt=excerpt(entry),
                )
            )
            continue
        entry_time = _meta_time(entry.get("time")) or now or utcnow()
        for change in entry.get("changes") or ():
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                skipped.append(
                    Skipped(
                        code="malformed_change",
                        message=_("A Meta change without a value was skipped."),
                        excerpt=excerpt(change),
                    )
                )
                continue
            field_name = change.get("field")
            if kind == "page" and field_name == "feed":
                raw = _page_change(value, entry_time)
            elif kind == "instagram" and field_name in ("comments", "live_comments"):
                raw = _instagram_change(value, entry_time)
            else:
                continue  # mentions, messages and the rest need a Graph API call or are not mentions
            if raw is None:
                continue
            if raw.get("author") is None:
                raw.pop("author")
            result = build_mention(raw, connector="meta")
            if isinstance(result, Skipped):
                skipped.append(result)
            else:
                items.append(result)
    if stats is not None:
        stats.accepted += 1
    return MentionPage(items=items, cursor=None, skipped=skipped)


def receive_meta_webhook(
    body: bytes,
    headers: Mapping[str, str],
    *,
    settings: MetaWebhookSettings,
    stats: WebhookStats | None = None,
    now: datetime | None = None,
) -> MentionPage:
    """Verify then parse a Meta notification: what an endpoint calls; every outcome is counted once in ``stats``."""
    verify_meta_signature(body, _header(headers, META_SIGNATURE_HEADER), settings.app_secret, stats=stats)
    return parse_meta_webhook(body, now=now, stats=stats)


__all__ = [
    "DEFAULT_TOLERANCE",
    "META_SIGNATURE_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "MetaWebhookSettings",
    "ReplayCache",
    "SignedWebhookSettings",
    "WebhookError",
    "WebhookHandshakeError",
    "WebhookPayloadError",
    "WebhookReplayError",
    "WebhookSignatureError",
    "WebhookStaleError",
    "WebhookStats",
    "meta_handshake",
    "parse_meta_webhook",
    "parse_signed_webhook",
    "receive_meta_webhook",
    "receive_signed_webhook",
    "sign_webhook",
    "verify_meta_signature",
    "verify_signed_webhook",
]
