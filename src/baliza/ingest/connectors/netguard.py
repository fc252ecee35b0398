"""Keeping user-supplied URLs away from the inside of the network (SSRF).

A feed address or a webhook target is typed by a workspace user, and the server fetches it. Without a guard,
``http://169.254.169.254/`` reads the cloud metadata service and ``http://127.0.0.1:5432/`` probes the database.
So every outgoing request is checked: only http(s), no credentials in the URL, and every address the host
resolves to must be a public one, unless an administrator allows private addresses (a lab, an intranet feed).

Three layers, because each closes a hole the others leave:

* ``check_url`` / ``check_url_async``: before any I/O, with a clear error naming the URL and the reason;
* ``GuardedTransport``: the same check on every request an ``httpx`` client sends, so each redirect hop is
  checked too (a public feed that redirects to ``http://127.0.0.1/`` is refused);
* its network backend resolves the host once more at connect time, checks those addresses and connects to the
  checked address itself, so a DNS answer that changes between check and connect (DNS rebinding) gets nowhere.

``request_guard`` is an ``httpx`` event hook with the first two layers, for clients built elsewhere.
``GuardedResolver`` is the connect-time layer for ``aiohttp`` (the client under Reddit's Async PRAW): it refuses
a host name that resolves to a forbidden address; literal addresses never reach a resolver, so callers check the
URL itself with ``check_url_async`` first, and send no request that follows redirects.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, ClassVar

import aiohttp
import aiohttp.abc
import httpcore
import httpx

from baliza.core.errors import ValidationError
from baliza.core.i18n import N_, _
from baliza.ingest.connectors.base import ConnectorError

Resolver = Callable[[str, int], Awaitable[list[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

HTTP_SCHEMES = ("http", "https")
WS_SCHEMES = ("ws", "wss")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
USER_AGENT = "Baliza/0.1 (+https://github.com/baliza; social listening)"
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SHOWN_URL_LIMIT = 200
_USERINFO = re.compile(r"//[^/@]*@")

REASONS: dict[str, str] = {
    "scheme": N_("the scheme {scheme!r} is not allowed (allowed: {allowed})"),
    "credentials": N_("addresses with a user name or password in them are not allowed"),
    "no_host": N_("it has no host name"),
    "invalid": N_("it is not a valid address"),
    "unresolvable": N_("the host name could not be resolved"),
    "loopback": N_("{address} is a loopback address (this server itself)"),
    "private": N_("{address} is a private network address"),
    "link_local": N_("{address} is a link-local address (such as a cloud metadata service)"),
    "multicast": N_("{address} is a multicast address"),
    "reserved": N_("{address} is a reserved address"),
    "unspecified": N_("{address} is an unspecified address"),
    "not_global": N_("{address} is not a public internet address"),
}
_ADDRESS_REASONS = frozenset(
    {"loopback", "private", "link_local", "multicast", "reserved", "unspecified", "not_global"}
)


class UnsafeURLError(ConnectorError, ValidationError):
    """The URL may not be fetched: wrong scheme, credentials in it, or a non-public address."""

    status: ClassVar[int] = 422
    default_code: ClassVar[str] = "unsafe_url"

    def __init__(self, url: str, reason: str, **values: str) -> None:
        shown = redact_url(url)
        text = _(REASONS[reason]).format(**values)
        if reason in _ADDRESS_REASONS:
            message = _(
                "Refused to fetch {url}: {reason}. An administrator can allow private addresses for connectors."
            ).format(url=shown, reason=text)
        else:
            message = _("Refused to fetch {url}: {reason}.").format(url=shown, reason=text)
        super().__init__(message, details={"url": shown, "reason": reason, **values})
        self.reason = reason
        self.url = shown


def redact_url(url: str) -> str:
    """``url`` as it may be shown or logged: no user name, password, query or fragment (they may hold tokens)."""
    try:
        parsed = httpx.URL(url)
        shown = str(parsed.copy_with(userinfo=b"", query=None, fragment=None))
    except (httpx.InvalidURL, TypeError, ValueError):
        shown = url.split("?", 1)[0].split("#", 1)[0]
    shown = _USERINFO.sub("//", shown)  # what httpx did not read as a URL may still hold credentials
    return shown if len(shown) <= _SHOWN_URL_LIMIT else shown[: _SHOWN_URL_LIMIT - 1] + "…"


def address_problem(address: str) -> str | None:
    """Why ``address`` (an IP) is not a public one: a key of REASONS, or None when it is fine."""
    ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id ("fe80::1%eth0")
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv6 forms that carry an IPv4 address reach that address: judge them by it.
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is None and ip.teredo is not None:
            embedded = ip.teredo[1]
        if embedded is not None:
            return address_problem(str(embedded))
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link_local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved:  # before private: Python counts 240.0.0.0/4 as both
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "not_global"  # shared address space (100.64.0.0/10) and the like
    return None


def _networks(allowed: Iterable[str | Network]) -> tuple[Network, ...]:
    return tuple(
        net if isinstance(net, ipaddress.IPv4Network | ipaddress.IPv6Network) else ipaddress.ip_network(net)
        for net in allowed
    )


def _split(url: str, schemes: Sequence[str]) -> tuple[str, int]:
    """(host, port) of ``url`` after the checks that need no network; raises UnsafeURLError."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise UnsafeURLError(url, "invalid") from None
    if parsed.scheme not in schemes:
        raise UnsafeURLError(url, "scheme", scheme=parsed.scheme, allowed=", ".join(schemes))
    if parsed.userinfo:
        raise UnsafeURLError(url, "credentials")
    if not parsed.raw_host:
        raise UnsafeURLError(url, "no_host")
    host = parsed.raw_host.decode("ascii")  # IDNA-encoded already
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, parsed.port or _DEFAULT_PORTS.get(parsed.scheme, 443)


def _show(address: str) -> str:
    """An address as people write it (``::ffff:127.0.0.1`` rather than ``::ffff:7f00:1``)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return f"::ffff:{ip.ipv4_mapped}"
    return str(ip)


def _literal(host: str) -> str | None:
    try:
        return _show(host)
    except ValueError:
        return None


def _judge(url: str, addresses: Sequence[str], networks: tuple[Network, ...]) -> None:
    if not addresses:
        raise UnsafeURLError(url, "unresolvable")
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if any(ip in net for net in networks if net.version == ip.version):
            continue
        reason = address_problem(address)
        if reason is not None:
            raise UnsafeURLError(url, reason, address=address)


def _addresses_from(infos: Iterable[tuple[Any, ...]]) -> list[str]:
    found: list[str] = []
    for info in infos:
        address = _show(str(info[4][0]))
        if address not in found:
            found.append(address)
    return found


def check_url(
    url: str,
    *,
    allow_private: bool = False,
    allowed_networks: Iterable[str | Network] = (),
    schemes: Sequence[str] = HTTP_SCHEMES,
) -> list[str]:
    """Raise UnsafeURLError unless ``url`` may be fetched; returns the addresses its host resolves to.

    Blocking (it calls ``getaddrinfo``): in async code use ``check_url_async``.
    """
    host, port = _split(url, schemes)
    if allow_private:
        return []
    literal = _literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = _addresses_from(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError):
            raise UnsafeURLError(url, "unresolvable") from None
    _judge(url, addresses, _networks(allowed_networks))
    return addresses


async def system_resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, through the system resolver, without blocking the loop."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return _addresses_from(infos)


async def _resolve(url: str, host: str, port: int, resolve: Resolver | None) -> list[str]:
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        return await (resolve or system_resolve)(host, port)
    except (OSError, UnicodeError):
        raise UnsafeURLError(url, "unresolvable") from None


async def check_url_async(
    url: str,
    *,
    allow_private: bool = False,
    allowed_networks: Iterable[str | Network] = (),
    schemes: Sequence[str] = HTTP_SCHEMES,
    resolve: Resolver | None = None,
) -> list[str]:
    """``check_url`` for async code; ``resolve`` replaces the system resolver (tests, a pinned DNS)."""
    host, port = _split(url, schemes)
    if allow_private:
        return []
    addresses = await _resolve(url, host, port, resolve)
    _judge(url, addresses, _networks(allowed_networks))
    return addresses


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks, then connects to the checked address itself (TLS still verifies the host name)."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend, networks: tuple[Network, ...], resolve: Resolver | None):
        self._inner = inner
        self._networks = networks
        self._resolve = resolve

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        shown = f"//{host}:{port}"
        try:
            addresses = await asyncio.wait_for(_resolve(shown, host, port, self._resolve), timeout)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        _judge(shown, addresses, self._networks)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None  # addresses is never empty here: _judge refuses an empty list
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise UnsafeURLError(path, "invalid")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that checks every request's URL (each redirect hop) and every address it connects to.

    ``inner`` replaces the real network transport (then only the per-request check applies).
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        allowed_networks: Iterable[str | Network] = (),
        resolve: Resolver | None = None,
        inner: httpx.AsyncBaseTransport | None = None,
        verify: bool = True,
    ) -> None:
        self.allow_private = allow_private
        self._networks = _networks(allowed_networks)
        self._resolve = resolve
        if inner is None:
            transport = httpx.AsyncHTTPTransport(verify=verify, trust_env=False)
            if not allow_private:
                # httpx builds its connection pool without a way to pass a network backend, so the pool is
                # rebuilt with one (httpx is pinned; tests/unit/connectors prove the connect-time check works).
                transport._pool = httpcore.AsyncConnectionPool(
                    ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
                    max_connections=100,
                    max_keepalive_connections=20,
                    keepalive_expiry=5.0,
                    network_backend=_GuardedBackend(httpcore.AnyIOBackend(), self._networks, resolve),
                )
            inner = transport
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Check ``request.url``, then send it."""
        await check_url_async(
            str(request.url),
            allow_private=self.allow_private,
            allowed_networks=self._networks,
            resolve=self._resolve,
        )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the connections."""
        await self._inner.aclose()


class GuardedResolver(aiohttp.abc.AbstractResolver):
    """An ``aiohttp`` resolver that refuses host names resolving to a forbidden address (DNS rebinding included).

    Give it to ``aiohttp.TCPConnector(resolver=...)``; its UnsafeURLError reaches the caller inside aiohttp's
    connection error.
    """

    def __init__(self, *, allowed_networks: Iterable[str | Network] = (), resolve: Resolver | None = None) -> None:
        self._networks = _networks(allowed_networks)
        self._resolve = resolve

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[aiohttp.abc.ResolveResult]:
        """The checked addresses of ``host``, as aiohttp wants them."""
        shown = f"//{host}:{port}"
        addresses = await _resolve(shown, host, port, self._resolve)
        _judge(shown, addresses, self._networks)
        found: list[aiohttp.abc.ResolveResult] = []
        for address in addresses:
            is_v6 = ":" in address
            if (family == socket.AF_INET and is_v6) or (family == socket.AF_INET6 and not is_v6):
                continue
            found.append(
                {
                    "hostname": host,
                    "host": address,
                    "port": port,
                    "family": socket.AF_INET6 if is_v6 else socket.AF_INET,
                    "proto": 0,
                    "flags": socket.AI_NUMERICHOST,
                }
            )
        if not found:
            raise UnsafeURLError(shown, "unresolvable")
        return found

    async def close(self) -> None:
        """Nothing to release."""


def request_guard(
    *,
    allow_private: bool = False,
    allowed_networks: Iterable[str | Network] = (),
    resolve: Resolver | None = None,
) -> Callable[[httpx.Request], Awaitable[None]]:
    """An httpx ``request`` event hook that refuses unsafe URLs, redirect hops included."""
    networks = _networks(allowed_networks)

    async def hook(request: httpx.Request) -> None:
        await check_url_async(str(request.url), allow_private=allow_private, allowed_networks=networks, resolve=resolve)

    return hook


def guarded_client(
    *,
    allow_private: bool = False,
    allowed_networks: Iterable[str | Network] = (),
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    max_redirects: int = 5,
    resolve: Resolver | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.AsyncClient:
    """The client connectors should get: guarded transport, explicit timeouts, few redirects, no env proxies.

    ``trust_env=False`` matters: with it on, httpx would route through a proxy from the environment and the
    proxy, not this guard, would decide what gets reached.
    """
    return httpx.AsyncClient(
        transport=GuardedTransport(allow_private=allow_private, allowed_networks=allowed_networks, resolve=resolve),
        timeout=timeout,
        follow_redirects=True,
        max_redirects=max_redirects,
        trust_env=False,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
    )


__all__ = [
    "DEFAULT_TIMEOUT",
    "HTTP_SCHEMES",
    "REASONS",
    "USER_AGENT",
    "WS_SCHEMES",
    "GuardedResolver",
    "GuardedTransport",
    "Resolver",
    "UnsafeURLError",
    "address_problem",
    "check_url",
    "check_url_async",
    "guarded_client",
    "redact_url",
    "request_guard",
    "system_resolve",
]
