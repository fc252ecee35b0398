"""Sending a publisher's request and reading the answer, with every failure mapped onto our error family.

Shared by the built-in publishers so that a 429 means the same on every platform. Whether a failed attempt may
have published anyway matters to whoever retries, so errors say it in ``details["maybe_published"]``.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from baliza.core.i18n import _
from baliza.publishing.publishers.base import Clock, OutgoingRequest
from baliza.publishing.publishers.errors import AuthError, RateLimitedError, RejectedError, UnavailableError

log = logging.getLogger(__name__)

# Connecting should be quick; a post can take a while on a busy instance (media, federation hooks).
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
DEFAULT_RETRY_AFTER = 60
MASK = "****"
_MESSAGE_LIMIT = 300


def scrub(text: str, secrets: Collection[str]) -> str:
    """``text`` with every secret replaced by a mask, in case a platform echoes one back."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    return text


async def send(
    client: httpx.AsyncClient,
    outgoing: OutgoingRequest,
    *,
    platform: str,
    display: str,
    credentials: Mapping[str, str] | None = None,
    publishing: bool = True,
) -> httpx.Response:
    """Send ``outgoing`` with the credential headers added; network failures become ``UnavailableError``.

    ``publishing`` says whether this request creates the post (a lost answer may then mean a published post) or
    is a step before it, such as logging in.
    """
    headers = {**outgoing.headers, **(credentials or {})}
    try:
        if outgoing.body is None:
            return await client.request(outgoing.method, outgoing.url, headers=headers, timeout=TIMEOUT)
        return await client.request(outgoing.method, outgoing.url, json=outgoing.body, headers=headers, timeout=TIMEOUT)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise UnavailableError(
            _("Could not reach {platform}; nothing was published. Try again later.").format(platform=display),
            platform=platform,
            code="publish_unreachable",
            details={"maybe_published": False, "reason": type(exc).__name__},
        ) from exc
    except httpx.HTTPError as exc:
        timed_out = isinstance(exc, httpx.TimeoutException)
        if not publishing:
            message = _("{platform} did not answer properly; nothing was published. Try again later.")
        elif timed_out:
            message = _(
                "{platform} did not answer in time; the post may have been published: check the account before "
                "trying again."
            )
        else:
            message = _(
                "The connection to {platform} failed; the post may have been published: check the account before "
                "trying again."
            )
        raise UnavailableError(
            message.format(platform=display),
            platform=platform,
            code="publish_timeout" if timed_out else "publish_connection_lost",
            details={"maybe_published": publishing, "reason": type(exc).__name__},
        ) from exc


def platform_message(response: httpx.Response, secrets: Collection[str] = ()) -> str:
    """The platform's own words about a failure (Mastodon ``error``, XRPC ``message``), shortened and scrubbed."""
    message = ""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        data = None
    if isinstance(data, dict):
        parts = [data.get("error"), data.get("message") or data.get("error_description")]
        message = ": ".join(str(part) for part in parts if isinstance(part, str) and part)
    if not message:
        message = response.text.strip() or response.reason_phrase
    message = " ".join(message.split())
    if len(message) > _MESSAGE_LIMIT:
        message = message[: _MESSAGE_LIMIT - 1] + "…"
    return scrub(message, secrets)


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def retry_after(headers: httpx.Headers, now: datetime) -> int:
    """Seconds to wait from ``Retry-After`` (seconds or a date), else ``X-RateLimit-Reset`` / ``RateLimit-Reset``."""
    value = headers.get("Retry-After", "").strip()
    if value:
        if value.isdigit():
            return max(1, int(value))
        try:
            return _seconds_until(parsedate_to_datetime(value), now)
        except (TypeError, ValueError):
            pass
    # Mastodon sends an ISO 8601 time; Bluesky's PDS (and mastodon-mock) send epoch seconds.
    for name in ("X-RateLimit-Reset", "RateLimit-Reset"):
        value = headers.get(name, "").strip()
        if not value:
            continue
        try:
            if value.replace(".", "", 1).isdigit():
                return _seconds_until(datetime.fromtimestamp(float(value), UTC), now)
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except (ValueError, OverflowError, OSError):
            continue
        return _seconds_until(moment if moment.tzinfo else moment.replace(tzinfo=UTC), now)
    return DEFAULT_RETRY_AFTER


def raise_for_answer(
    response: httpx.Response,
    *,
    platform: str,
    display: str,
    clock: Clock,
    secrets: Collection[str] = (),
    auth_error_names: Collection[str] = (),
) -> None:
    """Map an unsuccessful answer onto our errors; return quietly on a 2xx."""
    status = response.status_code
    if 200 <= status < 300:
        return
    message = platform_message(response, secrets)
    details: dict[str, Any] = {"http_status": status, "platform_message": message}
    log.warning("publish.refused", extra={"platform": platform, "http_status": status})
    if status == 429:
        seconds = retry_after(response.headers, clock())
        raise RateLimitedError(
            _("{platform} asks us to wait {seconds} seconds before publishing again.").format(
                platform=display, seconds=seconds
            ),
            platform=platform,
            retry_after=seconds,
            details={**details, "maybe_published": False},
        )
    name = error_name(response)
    if status in (401, 403) or (name is not None and name in auth_error_names):
        raise AuthError(
            _(
                "{platform} refused the channel's credentials (HTTP {status}: {message}). Check them in the "
                "channel's settings."
            ).format(platform=display, status=status, message=message),
            platform=platform,
            details={**details, "maybe_published": False},
        )
    if 400 <= status < 500:
        raise RejectedError(
            _("{platform} rejected the post (HTTP {status}): {message}").format(
                platform=display, status=status, message=message
            ),
            platform=platform,
            details={**details, "maybe_published": False},
        )
    if status >= 500:
        raise UnavailableError(
            _("{platform} answered with an error (HTTP {status}); try again later.").format(
                platform=display, status=status
            ),
            platform=platform,
            # A gateway can fail after the server has already stored the post.
            details={**details, "maybe_published": True},
        )
    raise UnavailableError(
        _(
            "{platform} answered HTTP {status} instead of publishing: check the server address in the "
            "channel's settings."
        ).format(platform=display, status=status),
        platform=platform,
        code="publish_unexpected_answer",
        details={**details, "maybe_published": False},
    )


def error_name(response: httpx.Response) -> str | None:
    """The machine-readable ``error`` of a JSON answer (XRPC's ``ExpiredToken``...), if there is one."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, str) else None


def read_json(
    response: httpx.Response,
    *,
    platform: str,
    display: str,
    required: Collection[str],
    after_publish: bool = True,
) -> dict[str, Any]:
    """The answer's JSON object, which must have every key in ``required``; anything else is unreadable."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        data = None
    missing = [key for key in required if not isinstance(data, dict) or not data.get(key)]
    if isinstance(data, dict) and not missing:
        return data
    if after_publish:
        message = _(
            "{platform} answered with something we could not read (HTTP {status}); the post may have been "
            "published: check the account before trying again."
        )
    else:
        message = _(
            "{platform} answered with something we could not read (HTTP {status}); nothing was published. Try "
            "again later."
        )
    raise UnavailableError(
        message.format(platform=display, status=response.status_code),
        platform=platform,
        code="publish_unreadable_answer",
        details={"http_status": response.status_code, "missing": missing, "maybe_published": after_publish},
    )


__all__ = [
    "DEFAULT_RETRY_AFTER",
    "TIMEOUT",
    "error_name",
    "platform_message",
    "raise_for_answer",
    "read_json",
    "retry_after",
    "scrub",
    "send",
]
