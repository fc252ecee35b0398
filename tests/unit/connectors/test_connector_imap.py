"""The IMAP connector against a tiny IMAP4rev1 server on 127.0.0.1 replaying stored .eml messages (Spanish and
English, HTML only, ISO-8859-1, malformed): parsing, the UID cursor (restart with no gap and no duplicate), a
UIDVALIDITY change, paging, wrong passwords, missing mailboxes and dropped connections."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from baliza.core import i18n
from baliza.ingest.connectors.base import AuthError, ConnectorError, MentionPage, UnavailableError
from baliza.ingest.connectors.imap import IMAPConnector, IMAPSettings, email_to_mention, imap_date, imap_utf7
from baliza.ingest.connectors.netguard import UnsafeURLError
from baliza.ingest.connectors.registry import get_connector_class, make_connector
from baliza.ingest.schemas import MentionIn
from tests.unit.connectors.imap_server import TinyIMAPServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "imap"
USER = "atencion@acme-banco.example"
PASSWORD = 'p4ss "w0rd" \\ S3cr3t'  # quotes and a backslash: imaplib must quote it right
SINCE = datetime(2026, 11, 20, tzinfo=UTC)
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def eml(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


ALL = sorted(path.name for path in FIXTURES.glob("*.eml"))


@pytest.fixture
async def server() -> AsyncIterator[TinyIMAPServer]:
    async with TinyIMAPServer(username=USER, password=PASSWORD, mailboxes=("INBOX", "Atenci&APM-n")) as running:
        for name in ALL:
            running.add(eml(name))
        yield running


def make(server: TinyIMAPServer, **settings: Any) -> IMAPConnector:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": server.port,
        "username": USER,
        "password": PASSWORD,
        "ssl": False,
        **settings,
    }
    return IMAPConnector(IMAPSettings(**values), clock=lambda: NOW, allow_private=True)


def ids(*pages: MentionPage) -> list[str]:
    return [item.external_id for page in pages for item in page.items]


MESSAGE_IDS = {
    "01-queja-es.eml": "20261121101500.4F2A@mail.example.es",
    "02-complaint-en.eml": "CAF=a1b2c3@mail.example.com",
    "03-html-only.eml": "html-only-5521@example.org",
    "04-latin1.eml": "latin1-0001@example.es",
}


async def test_emails_become_mentions(server: TinyIMAPServer) -> None:
    page = await make(server).fetch(since=SINCE, cursor=None)
    by_id = {item.external_id: item for item in page.items}
    # Oldest first, by their Date (in UTC): 09:15, 12:30, 16:02 on the 21st, 07:05 on the 22nd.
    assert ids(page) == [
        MESSAGE_IDS[name] for name in ("01-queja-es.eml", "03-html-only.eml", "02-complaint-en.eml", "04-latin1.eml")
    ]
    spanish = by_id[MESSAGE_IDS["01-queja-es.eml"]]
    assert spanish.platform == "email"
    assert spanish.text == (
        "Cobro duplicado en mi tarjeta\n\nHola:\n\nAyer me cobraron dos veces la misma compra (12,50 €). "
        "¿Pueden devolverme el importe?\n\nGracias,\nMaría"
    )
    assert spanish.created_at == datetime(2026, 11, 21, 9, 15, tzinfo=UTC)
    assert spanish.created_at.utcoffset() == timedelta(0)  # stored in UTC, whatever the sender's zone
    assert spanish.lang == "es"
    assert spanish.author is not None
    assert (spanish.author.handle, spanish.author.display_name) == ("maria.lopez@example.es", "María López")
    english = by_id[MESSAGE_IDS["02-complaint-en.eml"]]
    assert english.text.startswith("Re: Card blocked abroad\n\nMy card is still blocked")
    assert (english.lang, english.reply_to) == ("en-gb", "ticket-4411@acme-bank.example")
    html = by_id[MESSAGE_IDS["03-html-only.eml"]]
    assert (
        html.text
        == "Reclamación nº 5521\n\nBuenas tardes,\nAdjunto el extracto: el cargo de 49,99 € no es mío.\nUn saludo,\nAna"
    )
    latin1 = by_id[MESSAGE_IDS["04-latin1.eml"]]
    assert latin1.text == (
        "Oficina cerrada en León\n\nLa oficina de León lleva tres días cerrada y nadie avisó.\n"
        "¡Qué desastre! Año nuevo, mismo problema."
    )
    assert latin1.author is not None and latin1.author.display_name == "José Muñoz"
    [bad] = page.skipped
    assert (bad.code, bad.external_id) == ("malformed_email", "uid:5")
    assert bad.message == "imap: a message without a sender address was skipped."
    assert bad.excerpt is not None and bad.excerpt.startswith("this is not an email at all")
    assert server.commands == [
        "CAPABILITY",
        f"LOGIN {USER} ********",
        "EXAMINE INBOX",  # read-only: the agents' unread marks stay
        "UID SEARCH SINCE 19-Nov-2026",
        "UID FETCH 1,2,3,4,5 (RFC822)",
        "LOGOUT",
    ]


async def test_restart_from_the_cursor_no_gap_no_duplicate(server: TinyIMAPServer) -> None:
    first = await make(server).fetch(since=SINCE, cursor=None)
    assert first.cursor == '{"last_uid":5,"uidvalidity":3857529045}'
    new_mail = eml("02-complaint-en.eml").replace(b"CAF=a1b2c3", b"second-visit").replace(b"11:02:33", b"13:00:00")
    server.add(new_mail)
    later = await make(server).fetch(since=SINCE, cursor=first.cursor)  # a new process with the saved cursor
    assert ids(later) == ["second-visit@mail.example.com"] and not later.skipped
    quiet = await make(server).fetch(since=SINCE, cursor=later.cursor)
    # "UID 7:*" answers the highest UID (6) even though it is below 7: it must not come again.
    assert quiet.items == [] and quiet.cursor == later.cursor
    searches = [c for c in server.commands if c.startswith("UID SEARCH")]
    assert searches == ["UID SEARCH SINCE 19-Nov-2026", "UID SEARCH UID 6:*", "UID SEARCH UID 7:*"]
    assert server.commands[-2:] == ["UID SEARCH UID 7:*", "LOGOUT"]  # nothing to fetch


async def test_a_big_mailbox_is_handed_over_in_batches(server: TinyIMAPServer) -> None:
    connector = make(server, max_messages=2)
    cursor = None
    pages = []
    for _ in range(3):
        page = await connector.fetch(since=SINCE, cursor=cursor)
        pages.append(page)
        cursor = page.cursor
    assert [page.has_more for page in pages] == [True, True, False]
    assert sorted(ids(*pages)) == sorted(MESSAGE_IDS.values())
    assert [c for c in server.commands if c.startswith("UID FETCH")] == [
        "UID FETCH 1,2 (RFC822)",
        "UID FETCH 3,4 (RFC822)",
        "UID FETCH 5 (RFC822)",
    ]


async def test_a_uidvalidity_change_starts_over_from_since_and_says_so(server: TinyIMAPServer) -> None:
    first = await make(server).fetch(since=SINCE, cursor=None)
    server.renumber(1_700_000_001, first_uid=100)
    with i18n.use_locale("es"):
        again = await make(server).fetch(since=SINCE, cursor=first.cursor)
    assert ids(again) == ids(first)  # the same Message-IDs: the ingest recognises them as already stored
    notice = again.skipped[0]
    assert notice.code == "mailbox_reset"
    assert notice.message == (
        f"IMAP en 127.0.0.1:{server.port} (INBOX): el servidor renumeró el buzón (cambió UIDVALIDITY); se vuelve a "
        "leer desde 2026-11-20T00:00:00+00:00. Los correos ya guardados se reconocen por su Message-ID."
    )
    assert again.cursor == '{"last_uid":104,"uidvalidity":1700000001}'
    assert server.commands.count("UID SEARCH SINCE 19-Nov-2026") == 2


async def test_a_wrong_password_is_an_auth_error(server: TinyIMAPServer) -> None:
    connector = make(server, password="not-it")
    with i18n.use_locale("es"), pytest.raises(AuthError) as caught:
        await connector.fetch(since=SINCE, cursor=None)
    assert caught.value.message == (
        f"IMAP en 127.0.0.1:{server.port} (INBOX) rechazó el usuario o la contraseña; revísalos en la configuración "
        "del conector."
    )
    assert "not-it" not in str(caught.value.to_dict())


async def test_a_missing_mailbox(server: TinyIMAPServer) -> None:
    with pytest.raises(ConnectorError) as caught:
        await make(server, mailbox="Quejas").fetch(since=SINCE, cursor=None)
    assert caught.value.code == "mailbox_not_found" and not caught.value.retryable
    assert caught.value.message == (
        f"IMAP at 127.0.0.1:{server.port} (Quejas): there is no mailbox called 'Quejas'; check the connector settings."
    )


async def test_a_mailbox_with_a_spanish_name(server: TinyIMAPServer) -> None:
    page = await make(server, mailbox="Atención").fetch(since=SINCE, cursor=None)
    assert server.commands[2] == "EXAMINE Atenci&APM-n"  # modified UTF-7, as IMAP wants it
    assert len(page.items) == 4  # the test server shows the same messages in every mailbox


async def test_a_connection_dropped_mid_fetch_loses_nothing(server: TinyIMAPServer) -> None:
    start = await make(server).fetch(since=SINCE, cursor=None)
    server.add(eml("01-queja-es.eml").replace(b"4F2A@", b"5B3C@"))
    server.drop_on = "UID FETCH"
    with pytest.raises(UnavailableError) as caught:
        await make(server).fetch(since=SINCE, cursor=start.cursor)
    assert caught.value.code == "connector_connection_failed" and caught.value.retryable
    retry = await make(server).fetch(since=SINCE, cursor=start.cursor)  # the cursor did not move: tried again
    assert ids(retry) == ["20261121101500.5B3C@mail.example.es"]


async def test_the_uid_may_come_after_the_message() -> None:
    async with TinyIMAPServer(username=USER, password=PASSWORD, uid_last=True) as running:
        running.add(eml("02-complaint-en.eml"))
        running.add(eml("04-latin1.eml"))
        page = await make(running).fetch(since=SINCE, cursor=None)
    assert ids(page) == [MESSAGE_IDS["02-complaint-en.eml"], MESSAGE_IDS["04-latin1.eml"]]
    assert page.cursor == '{"last_uid":2,"uidvalidity":3857529045}'


async def test_nobody_listening_and_tls_against_a_plain_server(server: TinyIMAPServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    connector = IMAPConnector(
        IMAPSettings(host="127.0.0.1", port=closed_port, username=USER, password=PASSWORD, ssl=False),
        allow_private=True,
    )
    with pytest.raises(UnavailableError) as caught:
        await connector.fetch(since=SINCE, cursor=None)
    assert caught.value.code == "connector_unreachable"
    with pytest.raises(UnavailableError) as caught:
        await make(server, ssl=True).fetch(since=SINCE, cursor=None)  # the server greets in plain text
    assert caught.value.details["reason"] == "SSLError"


async def test_the_mail_server_address_is_guarded() -> None:
    connector = IMAPConnector(IMAPSettings(host="10.0.0.5", username=USER, password=PASSWORD))
    with pytest.raises(UnsafeURLError) as caught:
        await connector.fetch(since=SINCE, cursor=None)
    assert caught.value.reason == "private"


def test_an_email_without_message_id_or_date_still_has_a_stable_id() -> None:
    raw = b"From: cliente@example.com\r\nSubject: Sin fecha\r\n\r\nNo me llega la tarjeta.\r\n"
    first = email_to_mention(raw, received=NOW)
    again = email_to_mention(raw, received=NOW)
    assert isinstance(first, MentionIn) and isinstance(again, MentionIn)
    assert first.external_id == again.external_id and first.external_id.startswith("sha256:")
    assert first.created_at == NOW and first.text == "Sin fecha\n\nNo me llega la tarjeta."


def test_an_unknown_charset_and_control_characters_do_not_lose_the_email() -> None:
    raw = (
        b"From: Cliente <cliente@example.com>\r\nMessage-ID: <x-1@example.com>\r\n"
        b"Date: Sun, 22 Nov 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\n"
        b"Hola\x0c mundo \xe9\r\n"
    )
    item = email_to_mention(raw, received=NOW)
    assert isinstance(item, MentionIn)
    assert item.text == "Hola mundo \ufffd"


def test_helpers_and_settings() -> None:
    assert imap_date(datetime(2026, 3, 5, tzinfo=UTC)) == "05-Mar-2026"
    assert imap_utf7("Atención & Quejas") == "Atenci&APM-n &- Quejas"
    settings = IMAPSettings(host="imap.example.com", username=USER, password=PASSWORD)
    assert settings.effective_port == 993 and settings.mailbox == "INBOX" and settings.ssl is True
    assert IMAPSettings(host="imap.example.com", username=USER, password=PASSWORD, ssl=False).effective_port == 143
    assert settings.model_dump(mode="json")["password"] == "**********"
    with pytest.raises(ValueError, match="is not a host name"):
        IMAPSettings(host="imaps://imap.example.com:993", username=USER, password=PASSWORD)
    assert get_connector_class("imap") is IMAPConnector


async def test_the_registry_builds_it_like_any_connector(server: TinyIMAPServer) -> None:
    async with httpx.AsyncClient() as client:
        connector = make_connector(
            "imap",
            {"host": "127.0.0.1", "port": server.port, "username": USER, "password": PASSWORD, "ssl": False},
            client=client,
            allow_private=True,
        )
        page = await connector.fetch(since=SINCE, cursor=None)
    assert len(page.items) == 4
