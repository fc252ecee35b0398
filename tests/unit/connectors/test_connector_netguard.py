"""The SSRF guard: non-public addresses refused before any I/O, on every redirect hop and at connect time."""

from __future__ import annotations

from collections.abc import Iterator

import aiohttp
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from baliza.core import i18n
from baliza.ingest.connectors.netguard import (
    GuardedResolver,
    GuardedTransport,
    UnsafeURLError,
    address_problem,
    check_url,
    check_url_async,
    guarded_client,
    redact_url,
    request_guard,
)
from tests.unit.connectors.connector_servers import ThreadedServer, serving


@pytest.mark.parametrize(
    ("url", "reason", "address"),
    [
        ("http://127.0.0.1/", "loopback", "127.0.0.1"),
        ("http://127.8.9.10:8080/x", "loopback", "127.8.9.10"),
        ("http://10.0.0.1/feed", "private", "10.0.0.1"),
        ("http://192.168.1.20/", "private", "192.168.1.20"),
        ("http://172.16.5.4/", "private", "172.16.5.4"),
        ("http://[::1]/", "loopback", "::1"),
        ("http://169.254.169.254/latest/meta-data/", "link_local", "169.254.169.254"),
        ("http://[fe80::1]/", "link_local", "fe80::1"),
        ("http://0.0.0.0/", "unspecified", "0.0.0.0"),
        ("http://[::]/", "unspecified", "::"),
        ("http://224.0.0.1/", "multicast", "224.0.0.1"),
        ("http://240.0.0.1/", "reserved", "240.0.0.1"),
        ("http://100.64.0.1/", "not_global", "100.64.0.1"),
        ("http://[::ffff:127.0.0.1]/", "loopback", "::ffff:127.0.0.1"),
        ("http://[::ffff:10.1.2.3]/", "private", "::ffff:10.1.2.3"),
        ("http://[fd00::1]/", "private", "fd00::1"),
        ("http://[64:ff9b::a9fe:a9fe]/", "link_local", "64:ff9b::a9fe:a9fe"),
        ("http://2130706433/", "loopback", "127.0.0.1"),  # 127.0.0.1 written as one decimal number
        ("http://0x7f.1/", "loopback", "127.0.0.1"),
    ],
)
def test_non_public_addresses_are_refused(url: str, reason: str, address: str) -> None:
    with pytest.raises(UnsafeURLError) as caught:
        check_url(url)
    assert caught.value.reason == reason
    assert caught.value.code == "unsafe_url"
    assert caught.value.status == 422
    assert caught.value.details["address"] == address
    assert caught.value.url in caught.value.message
    assert "An administrator can allow private addresses for connectors." in caught.value.message


def test_the_message_names_the_url_and_the_reason_in_both_languages() -> None:
    with pytest.raises(UnsafeURLError) as caught:
        check_url("http://169.254.169.254/latest/meta-data/?token=abc")
    assert caught.value.message == (
        "Refused to fetch http://169.254.169.254/latest/meta-data/: 169.254.169.254 is a link-local address "
        "(such as a cloud metadata service). An administrator can allow private addresses for connectors."
    )
    with i18n.use_locale("es"), pytest.raises(UnsafeURLError) as caught:
        check_url("http://10.0.0.1/feed")
    assert caught.value.message == (
        "Se rechazó la descarga de http://10.0.0.1/feed: 10.0.0.1 es una dirección de red privada. "
        "Un administrador puede permitir direcciones privadas para los conectores."
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.org/feed", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("gopher://127.0.0.1:70/", "scheme"),
        ("https://user:secret@example.org/feed", "credentials"),
        ("https://token@example.org/feed", "credentials"),
        ("http:///nohost", "no_host"),
    ],
)
def test_schemes_credentials_and_hostless_urls_are_refused_even_when_private_is_allowed(url: str, reason: str) -> None:
    with pytest.raises(UnsafeURLError) as caught:
        check_url(url, allow_private=True)
    assert caught.value.reason == reason
    assert "secret" not in caught.value.message  # credentials are never echoed


def test_scheme_message() -> None:
    with pytest.raises(UnsafeURLError) as caught:
        check_url("ftp://example.org/feed")
    assert caught.value.message == (
        "Refused to fetch ftp://example.org/feed: the scheme 'ftp' is not allowed (allowed: http, https)."
    )


def test_localhost_by_name_is_refused_and_allowed_for_an_administrator() -> None:
    with pytest.raises(UnsafeURLError) as caught:
        check_url("http://localhost:8080/")
    assert caught.value.reason == "loopback"
    assert check_url("http://localhost:8080/", allow_private=True) == []


def test_public_addresses_pass() -> None:
    assert check_url("https://93.184.216.34/feed") == ["93.184.216.34"]
    assert check_url("https://[2606:2800:220:1:248:1893:25c8:1946]/") == ["2606:2800:220:1:248:1893:25c8:1946"]
    assert address_problem("::ffff:8.8.8.8") is None
    assert address_problem("1.1.1.1") is None


def test_allowed_networks_open_only_those_networks() -> None:
    assert check_url("http://10.1.2.3/", allowed_networks=["10.1.2.0/24"]) == ["10.1.2.3"]
    with pytest.raises(UnsafeURLError):
        check_url("http://10.1.3.3/", allowed_networks=["10.1.2.0/24"])


async def test_async_check_uses_the_given_resolver_and_refuses_any_bad_answer() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        assert (host, port) == ("feeds.example", 443)
        return ["93.184.216.34", "10.0.0.7"]  # one bad address is enough to refuse

    with pytest.raises(UnsafeURLError) as caught:
        await check_url_async("https://feeds.example/rss", resolve=resolve)
    assert caught.value.details["address"] == "10.0.0.7"


async def test_unresolvable_hosts_are_refused() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    with pytest.raises(UnsafeURLError) as caught:
        await check_url_async("https://nowhere.invalid/", resolve=resolve)
    assert caught.value.reason == "unresolvable"
    assert caught.value.message == "Refused to fetch https://nowhere.invalid/: the host name could not be resolved."


def test_redact_url_drops_credentials_query_and_fragment() -> None:
    assert redact_url("https://u:p@example.org/a?token=1#x") == "https://example.org/a"
    assert "p@" not in redact_url("ht!tp://u:p@[bad/a?token=1")


# --- through real local servers --------------------------------------------------------------------------------


hits: list[str] = []


async def _target(request: Request) -> Response:
    hits.append(str(request.url))
    return PlainTextResponse("inside")


@pytest.fixture(scope="module")
def inner_server() -> Iterator[ThreadedServer]:
    """A server on 127.0.0.2: the 'inside' that must not be reached."""
    with serving(Starlette(routes=[Route("/secret", _target)]), host="127.0.0.2") as server:
        yield server


@pytest.fixture(scope="module")
def outer_server(inner_server: ThreadedServer) -> Iterator[ThreadedServer]:
    """A server on 127.0.0.1 (allowed in these tests) that redirects to the inside."""

    async def redirect(request: Request) -> Response:
        return RedirectResponse(f"{inner_server.url}/secret", status_code=302)

    async def redirect_name(request: Request) -> Response:
        return RedirectResponse(f"http://localhost:{inner_server.port}/secret", status_code=302)

    async def fine(request: Request) -> Response:
        return PlainTextResponse("public")

    routes = [Route("/go", redirect), Route("/go-name", redirect_name), Route("/fine", fine)]
    with serving(Starlette(routes=routes)) as server:
        yield server


async def test_a_redirect_to_a_private_address_is_refused(outer_server: ThreadedServer) -> None:
    hits.clear()
    async with guarded_client(allowed_networks=["127.0.0.1/32"]) as client:
        assert (await client.get(f"{outer_server.url}/fine")).text == "public"
        with pytest.raises(UnsafeURLError) as caught:
            await client.get(f"{outer_server.url}/go")
    assert caught.value.reason == "loopback"
    assert caught.value.details["address"] == "127.0.0.2"
    assert caught.value.url.endswith("/secret")
    assert hits == []  # the inside never saw a request


async def test_the_event_hook_refuses_redirects_too(outer_server: ThreadedServer) -> None:
    hits.clear()
    hook = request_guard(allowed_networks=["127.0.0.1/32"])
    async with httpx.AsyncClient(event_hooks={"request": [hook]}, follow_redirects=True) as client:
        with pytest.raises(UnsafeURLError):
            await client.get(f"{outer_server.url}/go")
    assert hits == []


async def test_allow_private_lets_the_administrator_reach_local_servers(outer_server: ThreadedServer) -> None:
    hits.clear()
    async with guarded_client(allow_private=True) as client:
        response = await client.get(f"{outer_server.url}/go")
    assert response.text == "inside"
    assert len(hits) == 1


async def test_dns_rebinding_is_caught_at_connect_time(outer_server: ThreadedServer) -> None:
    """The name resolves to an allowed address when checked, then to the inside when connecting."""
    hits.clear()
    answers = iter([["127.0.0.1"], ["127.0.0.2"]])

    async def rebinding(host: str, port: int) -> list[str]:
        assert host == "feeds.test"
        return next(answers)

    transport = GuardedTransport(allowed_networks=["127.0.0.1/32"], resolve=rebinding)
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(UnsafeURLError) as caught:
            await client.get(f"http://feeds.test:{outer_server.port}/fine")
    assert caught.value.details["address"] == "127.0.0.2"
    assert hits == []


async def test_the_connect_time_check_connects_to_the_checked_address(outer_server: ThreadedServer) -> None:
    async def pinned(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    transport = GuardedTransport(allowed_networks=["127.0.0.1/32"], resolve=pinned)
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.get(f"http://feeds.test:{outer_server.port}/fine")
    assert response.text == "public"


async def test_the_aiohttp_resolver_connects_only_to_checked_addresses(outer_server: ThreadedServer) -> None:
    """The connect-time layer for aiohttp (Reddit's Async PRAW): a name that resolves inside is refused."""
    hits.clear()
    answers = {"feeds.test": ["127.0.0.1"], "inside.test": ["127.0.0.2"]}

    async def resolve(host: str, port: int) -> list[str]:
        return answers[host]

    resolver = GuardedResolver(allowed_networks=["127.0.0.1/32"], resolve=resolve)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=resolver)) as session:
        async with session.get(f"http://feeds.test:{outer_server.port}/fine") as response:
            assert await response.text() == "public"
        with pytest.raises(UnsafeURLError) as caught:
            await session.get(f"http://inside.test:{outer_server.port}/fine", allow_redirects=False)
    assert (caught.value.reason, caught.value.details["address"]) == ("loopback", "127.0.0.2")
    assert hits == []
