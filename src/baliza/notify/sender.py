"""Deliver a rendered notice to one person: their contacts in order, retries with backoff, drill safety.

Apprise does the talking (email, Slack, Telegram, webhooks... from one URL each). This module decides which
contact is tried, how often and when to give up on it, and records every attempt with the contact's secrets
masked, so the report can go on the incident timeline as it is.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import warnings
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import quote, unquote

import apprise
from babel.numbers import format_decimal
from pydantic import BaseModel, ConfigDict

from baliza.core import i18n
from baliza.core.clock import utcnow
from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.notify.messages import Rendered

log = logging.getLogger(__name__)

MASK = "****"
# Services that show Markdown well; everything else (email, generic webhooks) gets the plain-text body.
CHAT_SCHEMES = frozenset(
    {
        "slack", "discord", "tgram", "mmost", "mmosts", "matrix", "matrixs", "rocket", "rockets", "zulip",
        "gchat", "workflow", "workflows", "ryver", "guilded", "lark", "feishu", "dingtalk", "wxteams", "webex",
    }
)  # fmt: skip
# Query keys whose values are credentials whatever the service (`?token=`, `?-apikey=`, `?+Authorization=`...).
_SECRET_KEY = re.compile(r"pass|pwd|secret|token|key|auth|sig|cred|session", re.IGNORECASE)
# Without apprise's word on a URL, a long mix of letters and digits is treated as a token.
_TOKENISH = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-:.~+=]{16,}$")
# Pieces shorter than this are still masked in URLs but not searched for in free text (it would mangle it).
_MIN_SCRUB = 3
_LOG_SECRETS_KEPT = 4096
_NOISY_LOGGERS = ("apprise", "urllib3.connectionpool")

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], datetime]


class AttemptStatus(StrEnum):
    sent = "sent"
    failed = "failed"
    skipped = "skipped"


class AttemptCode(StrEnum):
    """Why an attempt ended the way it did; stable, for the timeline and for translation later."""

    sent = "sent"
    failed = "failed"
    timeout = "timeout"
    unsupported_url = "unsupported_url"
    skipped_drill = "skipped_drill"
    error = "error"


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff between retries of one contact: base, base×factor, base×factor²... capped."""

    base_seconds: float = 2.0
    factor: float = 2.0
    max_seconds: float = 300.0

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1 is the first retry)."""
        return float(min(self.base_seconds * self.factor ** max(retry - 1, 0), self.max_seconds))


DEFAULT_BACKOFF = Backoff()


class DeliveryAttempt(BaseModel):
    """One try at one contact (or a contact skipped without trying, with ``attempt`` 0)."""

    model_config = ConfigDict(frozen=True)

    contact: str
    contact_index: int
    attempt: int
    status: AttemptStatus
    code: AttemptCode
    reason: str
    detail: str = ""
    started_at: datetime
    finished_at: datetime


class DeliveryReport(BaseModel):
    """Every attempt made for one person, and the contact that got through (None when nobody was reached)."""

    model_config = ConfigDict(frozen=True)

    lang: str
    drill: bool
    attempts: tuple[DeliveryAttempt, ...]
    delivered_to: str | None = None
    delivered_index: int | None = None

    @property
    def ok(self) -> bool:
        """Whether one of the contacts accepted the notice."""
        return self.delivered_to is not None


class _SecretScrubber(logging.Filter):
    """Masks known contact secrets in log records of the libraries that talk to services.

    apprise logs a URL it cannot parse as it was given, and urllib3 logs request paths at DEBUG (Slack and
    Telegram put tokens in the path), so the filter sits on those loggers. Secrets are kept after a delivery
    ends because a timed-out send may still be running, and logging, in an apprise thread.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: dict[str, None] = {}

    def add(self, secrets: Iterable[str]) -> None:
        with self._lock:
            for secret in secrets:
                if len(secret) >= _MIN_SCRUB:
                    self._secrets.pop(secret, None)
                    self._secrets[secret] = None
            while len(self._secrets) > _LOG_SECRETS_KEPT:
                del self._secrets[next(iter(self._secrets))]

    def scrub(self, text: str) -> str:
        with self._lock:
            known = sorted(self._secrets, key=len, reverse=True)
        return _mask_all(text, known)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem, not ours; let it through untouched
            return True
        cleaned = self.scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
        return True


_SCRUBBER = _SecretScrubber()


def _install_scrubber() -> None:
    for name in _NOISY_LOGGERS:
        logger = logging.getLogger(name)
        if _SCRUBBER not in logger.filters:
            logger.addFilter(_SCRUBBER)


def _mask_all(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, MASK)
    return text


@dataclass(frozen=True)
class _UrlParts:
    scheme: str
    user: str | None
    password: str | None
    host: str
    path: tuple[str, ...]
    query: tuple[tuple[str, str | None], ...]

    def values(self) -> list[str]:
        """Every piece that may carry a secret (user, host, path segments, query values)."""
        pieces = [self.user or "", self.host, *self.path, *(v or "" for _k, v in self.query)]
        return [p for p in pieces if p]


def _split_url(url: str) -> _UrlParts | None:
    """Split a service URL loosely: apprise URLs bend RFC 3986 (tokens with ':' as hosts, '#' in paths)."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme:
        return None
    before_query, _q, query = rest.partition("?")
    netloc, _s, path = before_query.partition("/")
    userinfo, at, host = netloc.rpartition("@")
    user: str | None = None
    password: str | None = None
    if at:
        user, colon, secret = userinfo.partition(":")
        password = secret if colon else None
    pairs: list[tuple[str, str | None]] = []
    for item in query.split("&"):
        if item:
            key, eq, value = item.partition("=")
            pairs.append((key, value if eq else None))
    return _UrlParts(scheme, user, password, host, tuple(path.split("/")) if path else (), tuple(pairs))


def _secret_pieces(parts: _UrlParts, privacy_url: str | None) -> set[str]:
    """Pieces of a URL to mask: the password, credential-named query values, and what apprise masks itself."""
    secrets = {parts.password} if parts.password else set()
    secrets |= {v for k, v in parts.query if v and _SECRET_KEY.search(k)}
    shown = _split_url(privacy_url) if privacy_url else None
    if shown is not None:
        # apprise's privacy URL masks exactly what that service treats as secret; anything of ours it does
        # not repeat (e.g. a bot token shown as "1...x") is a secret.
        known = {unquote(p) for p in shown.values()}
        secrets |= {p for p in parts.values() if unquote(p) not in known}
    else:
        secrets |= {p for p in parts.values() if _TOKENISH.match(unquote(p))}
    return secrets


def _join_url(parts: _UrlParts, secrets: set[str]) -> str:
    def mask(piece: str) -> str:
        return MASK if piece in secrets else piece

    out = f"{parts.scheme}://"
    if parts.user is not None:
        out += mask(parts.user) + (f":{MASK}" if parts.password is not None else "") + "@"
    out += mask(parts.host)
    if parts.path:
        out += "/" + "/".join(mask(p) for p in parts.path)
    if parts.query:
        out += "?" + "&".join(k if v is None else f"{k}={mask(v)}" for k, v in parts.query)
    return out


@dataclass(frozen=True)
class _Contact:
    index: int
    url: str
    scheme: str
    shown: str
    secrets: frozenset[str]

    def scrub(self, text: str) -> str:
        """``text`` without this contact's secrets (longest first, so a token is not half-masked)."""
        return _mask_all(text, sorted(self.secrets, key=len, reverse=True))


def _with_encodings(secrets: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for secret in secrets:
        out |= {secret, unquote(secret), quote(secret, safe=""), quote(unquote(secret), safe="")}
    return out


def _instantiate(url: str, asset: apprise.AppriseAsset) -> apprise.NotifyBase | None:
    with warnings.catch_warnings():
        # apprise's PGP helper imports imghdr (deprecated in 3.11) when its plugins first load.
        warnings.filterwarnings("ignore", message="'imghdr' is deprecated", category=DeprecationWarning)
        try:
            return apprise.Apprise.instantiate(url, asset=asset)
        except Exception:  # apprise already turns plugin errors into None; this keeps a bad URL from escaping
            log.debug("apprise_instantiate_failed", exc_info=True)
            return None


def _inspect(index: int, url: str, asset: apprise.AppriseAsset) -> tuple[_Contact, apprise.NotifyBase | None]:
    """The contact as it may be shown and logged, and apprise's service for it (None when not recognised)."""
    parts = _split_url(url)
    if parts is None:
        # Not a URL at all: it may be a pasted token, so show nothing of it.
        secrets = frozenset(s for s in _with_encodings([url]) if len(s) >= _MIN_SCRUB)
        _SCRUBBER.add(secrets)
        return _Contact(index, url, "", MASK, secrets), _instantiate(url, asset)
    _SCRUBBER.add(_with_encodings(_secret_pieces(parts, None)))
    service = _instantiate(url, asset)
    privacy = str(service.url(privacy=True)) if service is not None else None  # type: ignore[no-untyped-call]
    pieces = _secret_pieces(parts, privacy)
    secrets = frozenset(s for s in _with_encodings(pieces) if len(s) >= _MIN_SCRUB)
    _SCRUBBER.add(secrets)
    return _Contact(index, url, parts.scheme.lower(), _join_url(parts, pieces), secrets), service


def redact_contact(url: str) -> str:
    """A contact URL fit to show or log: user:password and tokens masked."""
    _install_scrubber()
    return _inspect(0, url.strip(), _asset())[0].shown


def _asset() -> apprise.AppriseAsset:
    # In-memory store: Baliza keeps its own records and must not write apprise caches into people's homes.
    return apprise.AppriseAsset(app_id="Baliza", app_desc="Baliza", storage_mode="memory")


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    code: AttemptCode
    reason: str
    detail: str = ""


async def _send_once(service: apprise.NotifyBase, rendered: Rendered, timeout: float) -> _Outcome:
    notifier = apprise.Apprise(asset=service.asset)
    notifier.add(service)
    try:
        result = await notifier.async_notify(
            body=rendered.body, title=rendered.title, body_format=rendered.body_format.value, timeout=timeout
        )
    except Exception as exc:  # job boundary: a library bug must not stop the page; the next contact gets a go
        log.warning("notify_library_error error=%s", type(exc).__name__)
        reason = _("unexpected error in the notification library ({error})").format(error=type(exc).__name__)
        return _Outcome(False, AttemptCode.error, reason)
    try:
        if result:
            return _Outcome(True, AttemptCode.sent, _("delivered"))
        detail = ""
        for entry in result.logs():
            if entry.level in ("WARNING", "ERROR", "CRITICAL"):
                detail = entry.message.strip()
        if result.status is apprise.AppriseResultStatus.TIMEOUT:
            seconds = format_decimal(timeout, locale=i18n.get_locale())
            return _Outcome(
                False, AttemptCode.timeout, _("no answer within {seconds} seconds").format(seconds=seconds), detail
            )
        if detail:
            return _Outcome(False, AttemptCode.failed, _("delivery failed: {detail}").format(detail=detail), detail)
        return _Outcome(False, AttemptCode.failed, _("delivery failed"))
    finally:
        result.close()


async def deliver(
    contacts: Sequence[str],
    rendered: Rendered,
    *,
    attempts: int = 3,
    backoff: Backoff = DEFAULT_BACKOFF,
    timeout: float = 30.0,
    drill: bool = False,
    drill_contacts: Collection[str] = (),
    allow_real: bool = False,
    sleep: Sleep = asyncio.sleep,
    clock: Clock = utcnow,
) -> DeliveryReport:
    """Try a person's contacts in order, retrying each with backoff, until one accepts the notice.

    A contact apprise does not recognise fails at once (no retries) and the next one is tried. In a drill
    only contacts listed in ``drill_contacts`` are used, unless ``allow_real``; the rest are recorded as
    skipped. Reasons are written in the active language; ``detail`` keeps the library's own words.
    Never raises for a delivery problem: everything that happened is in the report.
    """
    if attempts < 1:
        raise ValidationError(
            _("attempts must be at least 1, got {value}").format(value=attempts),
            code="invalid_attempts",
            details={"field": "attempts", "value": attempts},
        )
    if timeout <= 0:
        raise ValidationError(
            _("timeout must be a positive number of seconds, got {value}").format(value=timeout),
            code="invalid_timeout",
            details={"field": "timeout", "value": timeout},
        )
    _install_scrubber()
    asset = _asset()
    allowed = {c.strip() for c in drill_contacts}
    record: list[DeliveryAttempt] = []

    def report(contact: _Contact | None = None) -> DeliveryReport:
        return DeliveryReport(
            lang=rendered.lang,
            drill=drill,
            attempts=tuple(record),
            delivered_to=contact.shown if contact else None,
            delivered_index=contact.index if contact else None,
        )

    for index, raw in enumerate(contacts):
        url = raw.strip()
        contact, service = _inspect(index, url, asset)
        if drill and not allow_real and url not in allowed:
            now = clock()
            record.append(
                DeliveryAttempt(
                    contact=contact.shown, contact_index=index, attempt=0, status=AttemptStatus.skipped,
                    code=AttemptCode.skipped_drill, reason=_("skipped (drill)"), started_at=now, finished_at=now,
                )
            )  # fmt: skip
            log.info("notify_skipped contact=%s index=%d reason=drill", contact.shown, index)
            continue
        if service is None:
            now = clock()
            record.append(
                DeliveryAttempt(
                    contact=contact.shown, contact_index=index, attempt=1, status=AttemptStatus.failed,
                    code=AttemptCode.unsupported_url,
                    reason=_("not a notification URL that Baliza recognises; check its scheme and format"),
                    started_at=now, finished_at=now,
                )
            )  # fmt: skip
            log.warning("notify_unsupported_url contact=%s index=%d", contact.shown, index)
            continue
        message = rendered.for_chat() if contact.scheme in CHAT_SCHEMES else rendered
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                await sleep(backoff.delay(attempt - 1))
                # A fresh service per try: apprise throttles repeat sends on one instance (5.5 s by default),
                # which would stretch our backoff behind our back.
                service = _instantiate(url, asset) or service
            started = clock()
            outcome = await _send_once(service, message, timeout)
            finished = clock()
            record.append(
                DeliveryAttempt(
                    contact=contact.shown, contact_index=index, attempt=attempt,
                    status=AttemptStatus.sent if outcome.ok else AttemptStatus.failed, code=outcome.code,
                    reason=contact.scrub(outcome.reason), detail=contact.scrub(outcome.detail),
                    started_at=started, finished_at=finished,
                )
            )  # fmt: skip
            log.info(
                "notify_attempt contact=%s index=%d attempt=%d code=%s",
                contact.shown, index, attempt, outcome.code.value,
            )  # fmt: skip
            if outcome.ok:
                return report(contact)
    return report()


__all__ = [
    "CHAT_SCHEMES",
    "DEFAULT_BACKOFF",
    "AttemptCode",
    "AttemptStatus",
    "Backoff",
    "DeliveryAttempt",
    "DeliveryReport",
    "deliver",
    "redact_contact",
]
