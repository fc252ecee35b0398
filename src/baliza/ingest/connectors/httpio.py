"""Sending a connector's HTTP request and reading the answer, every failure mapped onto the ConnectorError family.

Shared by the built-in connectors so that a 429 or a dropped connection means the same on every platform.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from baliza.core.i18n import _
from baliza.ingest.connectors.base import AuthError, ConnectorError, RateLimitedError, UnavailableError

# Connecting should be quick; a busy instance can take a while to build a page.
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
# A stream may be quiet for long stretches; platforms send a heartbeat well within a minute.
STREAM_TIMEOUT = httpx.Timeout(connect=10.0, read=90.0, write=10.0, pool=10.0)
DEFAULT_RETRY_AFTER = 60
MAX_RETRY_AFTER = 3600


def _clamp(seconds: float) -> int:
    return int(min(MAX_RETRY_AFTER, max(1, math.ceil(seconds))))


def _when(value: str) -> datetime | None:
    """An HTTP date or an ISO 8601 timestamp as an aware datetime, else None."""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def retry_after(headers: Mapping[str, str], *, now: datetime) -> int:
    """Seconds to wait: ``Retry-After`` (seconds or a date), else the platform's reset header, else 60.

    Mastodon sends ``X-RateLimit-Reset`` as an ISO timestamp, Bluesky ``RateLimit-Reset`` as epoch seconds.
    """
    lowered = {key.lower(): value.strip() for key, value in headers.items()}
    value = lowered.get("retry-after", "")
    if value:
        if value.isdigit():
            return _clamp(int(value))
        moment = _when(value)
        if moment is not None:
            return _clamp((moment - now).total_seconds())
    for name in ("x-ratelimit-reset", "ratelimit-reset"):
        value = lowered.get(name, "")
        if not value:
            continue
        try:
            number = float(value)
        except ValueError:
            moment = _when(value)
            if moment is not None:
                return _clamp((moment - now).total_seconds())
            continue
        # Large numbers are epoch seconds; small ones are seconds from now (the IETF RateLimit draft).
        return _clamp(number - now.timestamp() if number > 1_000_000_000 else number)
    return DEFAULT_RETRY_AFTER


def raise_for_status(response: httpx.Response, *, connector: str, source: str, now: datetime) -> None:
    """Map an error answer onto our errors; 2xx and 304 pass."""
    error = status_error(response.status_code, response.headers, connector=connector, source=source, now=now)
    if error is not None:
        raise error


def status_error(
    status: int, headers: Mapping[str, str], *, connector: str, source: str, now: datetime
) -> ConnectorError | None:
    """The error an answer with this status (and these headers) stands for; None for 2xx, 3xx and 304.

    Shared by connectors whose HTTP goes through a platform's own client library (Reddit's Async PRAW).
    """
    if status < 400:
        return None
    details = {"status": status}
    lowered = {key.lower() for key in headers}
    if status == 429 or (status == 503 and "retry-after" in lowered):
        seconds = retry_after(headers, now=now)
        return RateLimitedError(
            _("{source} asked us to slow down; trying again in {seconds} seconds.").format(
                source=source, seconds=seconds
            ),
            connector=connector,
            retry_after=seconds,
            details=details,
        )
    if status in (401, 403):
        return AuthError(
            _(
                "{source} refused the connector's credentials (HTTP {status}); check them in the connector settings."
            ).format(source=source, status=status),
            connector=connector,
            details=details,
        )
    if status >= 500:
        return UnavailableError(
            _("{source} is failing (HTTP {status}); will try again.").format(source=source, status=status),
            connector=connector,
            code="connector_server_error",
            details=details,
        )
    if status in (404, 410):
        return ConnectorError(
            _("{source} answered HTTP {status}: that address does not exist; check the connector settings.").format(
                source=source, status=status
            ),
            connector=connector,
            code="source_not_found",
            details=details,
        )
    return ConnectorError(
        _("{source} refused the request (HTTP {status}).").format(source=source, status=status),
        connector=connector,
        code="connector_rejected",
        details=details,
    )


def transport_error(exc: httpx.HTTPError, *, connector: str, source: str) -> UnavailableError:
    """A network failure as an UnavailableError (to raise ``from exc``)."""
    if isinstance(exc, httpx.TimeoutException):
        failure = "timeout"
    elif isinstance(exc, httpx.ConnectError):
        failure = "unreachable"
    else:
        failure = "failed"
    return network_error(failure, connector=connector, source=source, reason=type(exc).__name__)


def network_error(failure: str, *, connector: str, source: str, reason: str) -> UnavailableError:
    """``failure`` ("timeout", "unreachable" or "failed") as an UnavailableError, whichever HTTP client saw it."""
    if failure == "timeout":
        message, code = _("{source} did not answer in time; will try again."), "connector_timeout"
    elif failure == "unreachable":
        message, code = _("Could not connect to {source}; will try again."), "connector_unreachable"
    else:
        message, code = _("The connection to {source} failed; will try again."), "connector_connection_failed"
    return UnavailableError(message.format(source=source), connector=connector, code=code, details={"reason": reason})


async def get(
    client: httpx.AsyncClient,
    url: str,
    *,
    connector: str,
    source: str,
    now: datetime,
    params: Mapping[str, str | int | list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: httpx.Timeout = TIMEOUT,
) -> httpx.Response:
    """GET ``url``; network failures and error answers become our errors (304 passes)."""
    try:
        response = await client.get(url, params=params, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise transport_error(exc, connector=connector, source=source) from exc
    raise_for_status(response, connector=connector, source=source, now=now)
    return response


async def post_json(
    client: httpx.AsyncClient,
    url: str,
    body: Mapping[str, Any],
    *,
    connector: str,
    source: str,
    now: datetime,
    timeout: httpx.Timeout = TIMEOUT,
) -> Any:
    """POST ``body`` as JSON and read the JSON answer, failures mapped."""
    try:
        response = await client.post(url, json=dict(body), timeout=timeout)
    except httpx.HTTPError as exc:
        raise transport_error(exc, connector=connector, source=source) from exc
    raise_for_status(response, connector=connector, source=source, now=now)
    return read_json(response, connector=connector, source=source)


def read_json(response: httpx.Response, *, connector: str, source: str) -> Any:
    """The JSON body, or UnavailableError when it is not JSON (a truncated or broken answer)."""
    try:
        return response.json()
    except ValueError as exc:
        raise UnavailableError(
            _("{source} answered something that is not valid JSON; will try again.").format(source=source),
            connector=connector,
            code="connector_bad_response",
            details={"status": response.status_code},
        ) from exc


def disconnected(*, connector: str, source: str, reason: str) -> UnavailableError:
    """The error for a stream that dropped; the runner reconnects from the saved cursor."""
    return UnavailableError(
        _("The stream from {source} was interrupted; reconnecting from the last saved position.").format(source=source),
        connector=connector,
        code="stream_disconnected",
        details={"reason": reason},
    )


__all__ = [
    "DEFAULT_RETRY_AFTER",
    "STREAM_TIMEOUT",
    "TIMEOUT",
    "disconnected",
    "get",
    "network_error",
    "post_json",
    "raise_for_status",
    "read_json",
    "retry_after",
    "status_error",
    "transport_error",
]
