"""Real local receivers for notification tests: an SMTP server (aiosmtpd) and an HTTP webhook server."""

from __future__ import annotations

import asyncio
import email
import json
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from http import HTTPStatus
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

SMTP_USER = "baliza"
SMTP_PASSWORD = "smtp-S3cret-pw"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mailbox:
    """What the SMTP server received: one (recipients, parsed message) per message, and who logged in."""

    port: int
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth: Any) -> AuthResult:
        assert isinstance(auth, LoginPassword)
        ok = (auth.login, auth.password) == (SMTP_USER.encode(), SMTP_PASSWORD.encode())
        if ok:
            self.logins.append(auth.login.decode())
        return AuthResult(success=ok)

    def url(self, to: str) -> str:
        return f"mailto://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{self.port}?from=baliza@example.org&to={to}"

    def for_(self, recipient: str) -> EmailMessage:
        found = [message for rcpts, message in self.messages if recipient in rcpts]
        assert len(found) == 1, f"{recipient} got {len(found)} messages"
        return found[0]


@pytest.fixture
def smtp() -> Iterator[Mailbox]:
    mailbox = Mailbox(port=free_port())
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=mailbox.port, authenticator=mailbox.authenticate, auth_require_tls=False
    )
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    payload: dict[str, Any]


@dataclass
class Webhook:
    """A tiny HTTP/1.1 server: records each POST and answers with the status set for its path (200 by default)."""

    port: int = 0
    posts: list[Post] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    hang: set[str] = field(default_factory=set)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *header_lines = head.rstrip("\r\n").split("\r\n")
            headers = {}
            for line in header_lines:
                name, _sep, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            _method, path, _version = request_line.split(" ")
            self.posts.append(Post(path, headers, json.loads(body)))
            if path in self.hang:
                await self.release.wait()
            status = HTTPStatus(self.statuses.get(path, 200))
            writer.write(
                f"HTTP/1.1 {status.value} {status.phrase}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
        finally:
            writer.close()
            await writer.wait_closed()

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    def paths(self) -> list[str]:
        return [post.path for post in self.posts]


@pytest.fixture
async def webhook() -> AsyncIterator[Webhook]:
    hook = Webhook()
    server = await asyncio.start_server(hook.handle, "127.0.0.1", 0)
    hook.port = server.sockets[0].getsockname()[1]
    try:
        yield hook
    finally:
        hook.release.set()
        server.close()
        await server.wait_closed()
