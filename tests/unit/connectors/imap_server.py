"""A tiny IMAP4rev1 server for the IMAP connector's tests: asyncio, 127.0.0.1, a free port.

It speaks exactly what ``imaplib`` sends for the connector: the greeting, CAPABILITY, LOGIN, SELECT / EXAMINE
(with EXISTS, UIDVALIDITY and UIDNEXT), UID SEARCH (``UID n:*``, ``SINCE``, ``ALL``), UID FETCH (RFC822) and
LOGOUT, replaying stored messages. It can drop a connection when a given command arrives, renumber the mailbox
under a new UIDVALIDITY, and put the UID after the message literal (as some servers do).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

_TOKEN = re.compile(rb'"((?:[^"\\]|\\.)*)"|(\([^)]*\))|(\S+)')
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def tokens(line: bytes) -> list[str]:
    """The words of a command line: atoms, quoted strings (unescaped) and parenthesised lists (as written)."""
    found: list[str] = []
    for match in _TOKEN.finditer(line.rstrip(b"\r\n")):
        if match.group(1) is not None:
            found.append(re.sub(rb"\\(.)", rb"\1", match.group(1)).decode("utf-8"))
        else:
            found.append((match.group(2) or match.group(3)).decode("utf-8"))
    return found


def since_date(value: str) -> datetime:
    day, month, year = value.split("-")
    return datetime(int(year), _MONTHS.index(month.title()) + 1, int(day), tzinfo=UTC)


@dataclass
class StoredMail:
    uid: int
    raw: bytes
    internaldate: datetime


class TinyIMAPServer:
    """One account with a few mailboxes; ``mail`` holds the selected-by-default INBOX's messages in order."""

    def __init__(
        self,
        *,
        username: str,
        password: str,
        mailboxes: tuple[str, ...] = ("INBOX",),
        uidvalidity: int = 3857529045,
        uid_last: bool = False,
    ) -> None:
        self.username = username
        self.password = password
        self.mailboxes = mailboxes
        self.uidvalidity = uidvalidity
        self.uid_last = uid_last
        self.mail: list[StoredMail] = []
        self.next_uid = 1
        self.commands: list[str] = []  # what the client sent, the password masked
        self.drop_on: str | None = None  # cut the connection (no answer) when this command arrives, once
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> TinyIMAPServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def add(self, raw: bytes, internaldate: datetime | None = None) -> int:
        """Deliver a message (stored with CRLF line ends, as IMAP sends them); returns its UID."""
        uid = self.next_uid
        self.next_uid += 1
        crlf = re.sub(rb"\r?\n", b"\r\n", raw)
        self.mail.append(StoredMail(uid, crlf, internaldate or datetime(2026, 11, 21, 12, 0, tzinfo=UTC)))
        return uid

    def renumber(self, uidvalidity: int, *, first_uid: int = 1) -> None:
        """The mailbox was rebuilt: a new UIDVALIDITY and new UIDs for the same messages."""
        self.uidvalidity = uidvalidity
        for offset, mail in enumerate(self.mail):
            mail.uid = first_uid + offset
        self.next_uid = first_uid + len(self.mail)

    # --- protocol -------------------------------------------------------------------------------------------------

    def _uids(self, spec: str) -> set[int]:
        highest = max((m.uid for m in self.mail), default=0)
        found: set[int] = set()
        for part in spec.split(","):
            low_text, _sep, high_text = part.partition(":")
            low = highest if low_text == "*" else int(low_text)
            high = low if not _sep else highest if high_text == "*" else int(high_text)
            low, high = min(low, high), max(low, high)  # "7:*" with 5 the highest is 5:7 (RFC 3501)
            found.update(m.uid for m in self.mail if low <= m.uid <= high)
        return found

    def _search(self, criteria: list[str]) -> list[int]:
        chosen = {m.uid for m in self.mail}
        words = iter(criteria)
        for word in words:
            key = word.upper()
            if key == "UID":
                chosen &= self._uids(next(words))
            elif key == "SINCE":
                day = since_date(next(words))
                chosen &= {m.uid for m in self.mail if m.internaldate >= day}
            elif key != "ALL":
                raise ValueError(word)
        return sorted(chosen)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def send(*lines: bytes | str) -> None:
            for line in lines:
                writer.write(line if isinstance(line, bytes) else line.encode() + b"\r\n")

        send("* OK Baliza test IMAP4rev1 server ready")
        authenticated = False
        selected = False
        with contextlib.suppress(ConnectionError):
            while line := await reader.readline():
                words = tokens(line)
                if len(words) < 2:
                    send("* BAD empty command")
                    continue
                tag, command, args = words[0], words[1].upper(), words[2:]
                if command == "UID" and args:
                    command, args = f"UID {args[0].upper()}", args[1:]
                self.commands.append(
                    f"{command} {args[0]} ********" if command == "LOGIN" else " ".join([command, *args])
                )
                if self.drop_on == command:
                    self.drop_on = None
                    writer.transport.abort()
                    return
                if command == "CAPABILITY":
                    send("* CAPABILITY IMAP4rev1 AUTH=PLAIN", f"{tag} OK CAPABILITY completed")
                elif command == "NOOP":
                    send(f"{tag} OK NOOP completed")
                elif command == "LOGIN":
                    if args == [self.username, self.password]:
                        authenticated = True
                        send(f"{tag} OK [CAPABILITY IMAP4rev1] Logged in")
                    else:
                        send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)")
                elif command in ("SELECT", "EXAMINE"):
                    if not authenticated:
                        send(f"{tag} BAD Log in first")
                    elif args[0] not in self.mailboxes:
                        send(f"{tag} NO [NONEXISTENT] Unknown Mailbox: {args[0]} (Failure)")
                    else:
                        selected = True
                        mode = "READ-ONLY" if command == "EXAMINE" else "READ-WRITE"
                        send(
                            r"* FLAGS (\Answered \Flagged \Draft \Deleted \Seen)",
                            f"* {len(self.mail)} EXISTS",
                            "* 0 RECENT",
                            f"* OK [UIDVALIDITY {self.uidvalidity}] UIDs valid",
                            f"* OK [UIDNEXT {self.next_uid}] Predicted next UID",
                            f"{tag} OK [{mode}] {command} completed",
                        )
                elif command == "UID SEARCH" and selected:
                    try:
                        found = self._search(args)
                    except (ValueError, StopIteration):
                        send(f"{tag} BAD Could not parse command")
                        continue
                    send("* SEARCH" + "".join(f" {uid}" for uid in found), f"{tag} OK SEARCH completed")
                elif command == "UID FETCH" and selected and len(args) == 2 and args[1].upper() == "(RFC822)":
                    wanted = self._uids(args[0])
                    for seq, mail in enumerate(self.mail, start=1):
                        if mail.uid not in wanted:
                            continue
                        if self.uid_last:
                            send(f"* {seq} FETCH (RFC822 {{{len(mail.raw)}}}".encode() + b"\r\n" + mail.raw)
                            send(f" UID {mail.uid})")
                        else:
                            head = f"* {seq} FETCH (UID {mail.uid} RFC822 {{{len(mail.raw)}}}".encode()
                            send(head + b"\r\n" + mail.raw, ")")
                    send(f"{tag} OK FETCH completed")
                elif command == "LOGOUT":
                    send("* BYE Logging out", f"{tag} OK LOGOUT completed")
                    await writer.drain()
                    break
                else:
                    send(f"{tag} BAD Unknown or out-of-state command")
                await writer.drain()
        with contextlib.suppress(ConnectionError, OSError):
            writer.close()
            await writer.wait_closed()
