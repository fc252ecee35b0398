"""An IMAP mailbox (a customer-care inbox) as a channel: every new email becomes a mention.

The standard library's ``imaplib`` does the talking, in a worker thread (``asyncio.to_thread``) so the event loop
never waits on the mail server. Each fetch logs in, opens the mailbox read-only (EXAMINE: the agents' unread
marks stay as they are), asks ``UID SEARCH UID n:*`` for what arrived after the last UID delivered, fetches those
messages (``RFC822``) and logs out.

The cursor holds the mailbox's UIDVALIDITY with the last UID. UIDs only mean something under the same
UIDVALIDITY: when the server changes it (a rebuilt mailbox), the connector starts over from ``since``, says so in
the page's ``skipped`` list, and relies on the Message-ID (the mention's external id) to keep what was already
stored from being stored twice.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email
import email.errors
import hashlib
import imaplib
import logging
import re
import socket
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from baliza.core.clock import utcnow
from baliza.core.i18n import N_, _
from baliza.ingest.connectors.base import (
    AuthError,
    Clock,
    ConnectorError,
    MentionPage,
    Skipped,
    UnavailableError,
    build_mention,
    dump_cursor,
    excerpt,
    load_cursor,
)
from baliza.ingest.connectors.netguard import check_url_async
from baliza.ingest.connectors.text import clean_lang, html_to_text
from baliza.ingest.schemas import DEFAULT_MAX_TEXT, MentionIn

log = logging.getLogger(__name__)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}$|^[0-9A-Fa-f:.]{2,45}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FETCHED_UID = re.compile(rb"UID\s+(\d+)", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,254})>")
# Errors the email package is known to raise on hostile input instead of recording a defect.
_PARSE_ERRORS = (ValueError, TypeError, LookupError, IndexError, AttributeError, email.errors.MessageError)


class IMAPSettings(BaseModel):
    """The mail server, the account and the mailbox to read."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    host: str = Field(
        max_length=253,
        title=N_("Mail server"),
        description=N_("The IMAP server's host name, such as imap.example.com."),
    )
    port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        title=N_("Port"),
        description=N_("Empty for the usual one: 993 with TLS, 143 without."),
    )
    username: str = Field(
        min_length=1,
        max_length=256,
        title=N_("User name"),
        description=N_("The mail account, usually the address itself."),
    )
    password: SecretStr = Field(
        title=N_("Password"),
        description=N_("The account's password, or an app password where the provider requires one."),
    )
    mailbox: str = Field(
        default="INBOX",
        min_length=1,
        max_length=256,
        title=N_("Mailbox"),
        description=N_("The folder to read, such as INBOX."),
    )
    ssl: bool = Field(
        default=True,
        title=N_("TLS"),
        description=N_("Connect with TLS (IMAPS). Turn off only for a server on a trusted network."),
    )
    max_messages: int = Field(
        default=100,
        ge=1,
        le=1000,
        title=N_("Emails per fetch"),
        description=N_("How many emails one fetch may read before handing over."),
    )
    timeout: float = Field(
        default=30.0,
        ge=1,
        le=300,
        title=N_("Timeout"),
        description=N_("Seconds to wait for the mail server before giving up on an attempt."),
    )

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        if not _HOST.match(value):
            raise ValueError(_("is not a host name (write it without imap:// or a port)"))
        return value

    @property
    def effective_port(self) -> int:
        """The port to connect to."""
        return self.port or (993 if self.ssl else 143)


def imap_utf7(name: str) -> str:
    """A mailbox name in IMAP's modified UTF-7 (RFC 3501), as servers expect non-ASCII names."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            out.append("&" + encoded.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def imap_date(moment: datetime) -> str:
    """A date as IMAP's SEARCH SINCE wants it (``21-Nov-2026``), whatever the process locale."""
    return f"{moment.day:02d}-{_MONTHS[moment.month - 1]}-{moment.year}"


def _clean(value: str) -> str:
    return _CONTROL.sub(" ", value)


def _decode_part(part: EmailMessage) -> str:
    """A text part's content, tolerating unknown or lying charsets."""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError, ValueError):
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        try:
            content = raw.decode(part.get_content_charset() or "utf-8", errors="replace")
        except LookupError:  # a charset Python does not know
            content = raw.decode("utf-8", errors="replace")
    return content if isinstance(content, str) else ""


def body_text(message: EmailMessage) -> str:
    """The text a reader would see: the text/plain body, else the HTML one as plain text."""
    part = message.get_body(preferencelist=("plain", "html"))
    if not isinstance(part, EmailMessage):
        return ""
    content = _decode_part(part)
    if part.get_content_type() == "text/html":
        content = html_to_text(content)
    return content.strip()


def _message_id(value: Any) -> str | None:
    found = _MESSAGE_ID.search(str(value or ""))
    return found.group(1) if found else None


def _date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # "-0000": the sender did not say; UTC, says RFC 5322
    return moment.astimezone(UTC)


def email_to_mention(raw: bytes, *, received: datetime, connector: str = "imap") -> MentionIn | Skipped:
    """One email (RFC 822 bytes) as a MentionIn on platform "email"; ``received`` stands in for a missing Date."""
    senders: list[tuple[str, str]] = []
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
        if not isinstance(message, EmailMessage):  # policy.default always builds one; this keeps the type honest
            raise TypeError(type(message).__name__)
        senders = [(name, address) for name, address in getaddresses([str(message.get("From", ""))]) if "@" in address]
        subject = _clean(str(message.get("Subject", "") or "")).strip()
        body = _clean(body_text(message))
        ident = _message_id(message.get("Message-ID"))
        created = _date(message.get("Date"))
        reply_to = _message_id(message.get("In-Reply-To"))
        lang = clean_lang(str(message.get("Content-Language", "") or "").split(",")[0])
    except _PARSE_ERRORS:
        senders = []
    if not senders:
        return Skipped(
            code="malformed_email",
            message=_("{connector}: a message without a sender address was skipped.").format(connector=connector),
            excerpt=excerpt(raw[:400].decode("utf-8", errors="replace")),
        )
    name, address = senders[0]
    text = f"{subject}\n\n{body}" if subject and body else subject or body
    if len(text) > DEFAULT_MAX_TEXT:
        text = text[: DEFAULT_MAX_TEXT - 1] + "…"  # long quoted threads: the start is what matters
    raw_mention: dict[str, Any] = {
        "platform": "email",
        # Without a Message-ID, a hash of the message: the same email read again gets the same id.
        "external_id": ident or "sha256:" + hashlib.sha256(raw).hexdigest(),
        "text": text,
        "created_at": created or received,
        "lang": lang,
        "reply_to": reply_to,
        "author": {"handle": address.lower(), "display_name": _clean(name).strip() or None},
    }
    return build_mention(raw_mention, connector=connector)


class _PinnedIMAP4(imaplib.IMAP4):
    """IMAP4 that connects to an address checked beforehand (DNS rebinding gets nowhere)."""

    def __init__(self, host: str, port: int, *, address: str | None, timeout: float) -> None:
        self._address = address
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return socket.create_connection((self._address or self.host, self.port), timeout)


class _PinnedIMAP4_SSL(imaplib.IMAP4_SSL):
    """IMAP4_SSL that connects to an address checked beforehand; the certificate is still checked for ``host``."""

    def __init__(self, host: str, port: int, *, address: str | None, timeout: float) -> None:
        self._address = address
        super().__init__(host, port, ssl_context=ssl.create_default_context(), timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        sock = socket.create_connection((self._address or self.host, self.port), timeout)
        context: ssl.SSLContext = self.ssl_context
        try:
            return context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()  # a failed handshake would otherwise leave the socket open
            raise


class _LoginRefusedError(Exception):
    pass


class _NoMailboxError(Exception):
    pass


@dataclass
class _Batch:
    """What one session read."""

    uidvalidity: int
    messages: list[tuple[int, bytes]] = field(default_factory=list)
    last_uid: int = 0
    more: bool = False
    restarted: bool = False


class IMAPConnector:
    """Reads new emails from one IMAP mailbox."""

    name: ClassVar[str] = "imap"
    Settings: ClassVar[type[BaseModel]] = IMAPSettings

    def __init__(
        self,
        settings: IMAPSettings,
        *,
        client: httpx.AsyncClient | None = None,  # part of the common constructor; IMAP does not use HTTP
        clock: Clock = utcnow,
        allow_private: bool = False,
    ) -> None:
        self.settings = settings
        self.client = client
        self.clock = clock
        self.allow_private = allow_private

    @property
    def source(self) -> str:
        """How errors name the mailbox, in the reader's language."""
        return _("IMAP at {host}:{port} ({mailbox})").format(
            host=self.settings.host, port=self.settings.effective_port, mailbox=self.settings.mailbox
        )

    async def fetch(self, *, since: datetime, cursor: str | None) -> MentionPage:
        """The emails that arrived after the cursor (the first time, or after a UIDVALIDITY change: since ``since``)."""
        state = load_cursor(cursor, connector=self.name)
        validity_value, uid_value = state.get("uidvalidity"), state.get("last_uid")
        saved_validity = validity_value if isinstance(validity_value, int) else None
        last_uid = uid_value if isinstance(uid_value, int) else 0
        host = self.settings.host
        url_host = f"[{host}]" if ":" in host else host
        addresses = await check_url_async(
            f"imap://{url_host}:{self.settings.effective_port}", allow_private=self.allow_private, schemes=("imap",)
        )
        try:
            batch = await asyncio.to_thread(
                self._session, saved_validity, last_uid, since, addresses[0] if addresses else None
            )
        except _LoginRefusedError as exc:
            raise AuthError(
                _("{source} refused the user name or password; check them in the connector settings.").format(
                    source=self.source
                ),
                connector=self.name,
            ) from exc
        except _NoMailboxError as exc:
            raise ConnectorError(
                _("{source}: there is no mailbox called {mailbox!r}; check the connector settings.").format(
                    source=self.source, mailbox=self.settings.mailbox
                ),
                connector=self.name,
                code="mailbox_not_found",
            ) from exc
        except ssl.SSLCertVerificationError as exc:
            raise ConnectorError(
                _("{source}: the server's certificate could not be verified ({reason}).").format(
                    source=self.source, reason=exc.verify_message or "?"
                ),
                connector=self.name,
                code="imap_certificate",
            ) from exc
        except (ConnectionRefusedError, socket.gaierror) as exc:
            raise UnavailableError(
                _("Could not connect to {source}; will try again.").format(source=self.source),
                connector=self.name,
                code="connector_unreachable",
                details={"reason": type(exc).__name__},
            ) from exc
        except TimeoutError as exc:
            raise UnavailableError(
                _("{source} did not answer in time; will try again.").format(source=self.source),
                connector=self.name,
                code="connector_timeout",
                details={"reason": type(exc).__name__},
            ) from exc
        except (OSError, imaplib.IMAP4.error, EOFError) as exc:
            # abort (a dropped connection), a BAD answer, a TLS failure: try again later.
            raise UnavailableError(
                _("The connection to {source} failed; will try again.").format(source=self.source),
                connector=self.name,
                code="connector_connection_failed",
                details={"reason": type(exc).__name__},
            ) from exc
        return self._page(batch, since)

    def _page(self, batch: _Batch, since: datetime) -> MentionPage:
        items: list[MentionIn] = []
        skipped: list[Skipped] = []
        if batch.restarted:
            log.warning("imap.uidvalidity_changed", extra={"mailbox": self.settings.mailbox})
            skipped.append(
                Skipped(
                    code="mailbox_reset",
                    message=_(
                        "{source}: the server renumbered the mailbox (UIDVALIDITY changed); reading it again from "
                        "{since}. Emails already stored are recognised by their Message-ID."
                    ).format(source=self.source, since=since.isoformat()),
                )
            )
        received = self.clock()
        for uid, raw in batch.messages:
            result = email_to_mention(raw, received=received, connector=self.name)
            if isinstance(result, Skipped):
                skipped.append(
                    Skipped(code=result.code, message=result.message, external_id=f"uid:{uid}", excerpt=result.excerpt)
                )
            elif result.created_at >= since:
                items.append(result)
        items.sort(key=lambda m: m.created_at)
        cursor = dump_cursor({"uidvalidity": batch.uidvalidity, "last_uid": batch.last_uid})
        return MentionPage(items=items, cursor=cursor, has_more=batch.more, skipped=skipped)

    # --- the worker thread ----------------------------------------------------------------------------------------

    def _open(self, address: str | None) -> imaplib.IMAP4:
        kind = _PinnedIMAP4_SSL if self.settings.ssl else _PinnedIMAP4
        return kind(self.settings.host, self.settings.effective_port, address=address, timeout=self.settings.timeout)

    def _session(self, saved_validity: int | None, last_uid: int, since: datetime, address: str | None) -> _Batch:
        """Log in, read what is new, log out (blocking: runs in a worker thread)."""
        conn = self._open(address)
        try:
            try:
                conn.login(_quote(self.settings.username), self.settings.password.get_secret_value())
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error as exc:
                raise _LoginRefusedError from exc
            typ, _data = conn.select(_quote(imap_utf7(self.settings.mailbox)), readonly=True)
            if typ != "OK":
                raise _NoMailboxError
            validity = _uidvalidity(conn)
            restarted = saved_validity is not None and saved_validity != validity
            if restarted or last_uid <= 0:
                last_uid = 0
                # SINCE compares dates in the server's time zone: a day earlier, then Date decides.
                typ, data = conn.uid("SEARCH", "SINCE", imap_date(since - timedelta(days=1)))
            else:
                typ, data = conn.uid("SEARCH", f"UID {last_uid + 1}:*")
            if typ != "OK":
                raise imaplib.IMAP4.error("SEARCH failed")
            # "n:*" always includes the highest UID, even below n: keep only what is really new.
            uids = sorted({int(word) for word in _words(data) if word.isdigit() and int(word) > last_uid})
            chosen = uids[: self.settings.max_messages]
            batch = _Batch(uidvalidity=validity, last_uid=max(chosen, default=last_uid), restarted=restarted)
            batch.more = len(uids) > len(chosen)
            if chosen:
                typ, data = conn.uid("FETCH", ",".join(str(uid) for uid in chosen), "(RFC822)")
                if typ != "OK":
                    raise imaplib.IMAP4.error("FETCH failed")
                batch.messages = sorted(_fetched(data, chosen))
            return batch
        finally:
            try:
                conn.logout()
            except (OSError, imaplib.IMAP4.error, EOFError):
                # The connection is already gone; imaplib's logout only closes the socket when LOGOUT succeeds.
                with contextlib.suppress(OSError):
                    conn.shutdown()


def _words(data: Any) -> list[str]:
    words: list[str] = []
    for item in data or ():
        if isinstance(item, bytes):
            words += item.decode("ascii", errors="replace").split()
    return words


def _uidvalidity(conn: imaplib.IMAP4) -> int:
    _typ, data = conn.response("UIDVALIDITY")
    for item in data or ():
        if isinstance(item, bytes) and item.strip().isdigit():
            return int(item.strip())
    # A server that does not say: 0 never matches a real one, so a later answer with it starts over once.
    return 0


def _fetched(data: Any, asked: list[int]) -> list[tuple[int, bytes]]:
    """(uid, message) pairs out of a UID FETCH answer; the UID may come before or after the literal."""
    found: dict[int, bytes] = {}
    items = list(data or ())
    wanted = set(asked)
    for index, item in enumerate(items):
        if not isinstance(item, tuple) or len(item) != 2:
            continue
        head, body = item
        match = _FETCHED_UID.search(head) if isinstance(head, bytes) else None
        if match is None and index + 1 < len(items) and isinstance(items[index + 1], bytes):
            match = _FETCHED_UID.search(items[index + 1])
        if match is not None and int(match.group(1)) in wanted and isinstance(body, bytes):
            found[int(match.group(1))] = body
    return list(found.items())


__all__ = [
    "IMAPConnector",
    "IMAPSettings",
    "body_text",
    "email_to_mention",
    "imap_date",
    "imap_utf7",
]
