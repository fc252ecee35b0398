"""Real local servers for the connector tests: an ASGI app under uvicorn, a TCP proxy that can cut connections,
and a Jetstream-style websocket server replaying recorded events. Everything binds to 127.0.0.x."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

import uvicorn
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response


class ThreadedServer:
    """An ASGI app served by uvicorn on a free port of ``host``, in a background thread."""

    def __init__(self, app: Any, host: str = "127.0.0.1") -> None:
        self.app = app
        self.host = host
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ThreadedServer:
        config = uvicorn.Config(self.app, host=self.host, port=0, log_level="warning", lifespan="off", ws="none")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive(), "the test server thread died"
            assert time.monotonic() < deadline, "the test server did not start"
            time.sleep(0.01)
        self.port = server.servers[0].sockets[0].getsockname()[1]
        self._server, self._thread = server, thread
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.should_exit = True
        self._thread.join(timeout=10)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextlib.contextmanager
def serving(app: Any, host: str = "127.0.0.1") -> Iterator[ThreadedServer]:
    with ThreadedServer(app, host) as server:
        yield server


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; ``drop()`` cuts every open connection, as a network failure would."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.connections = 0
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.drop()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def drop(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._writers.update({writer, up_writer})

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers.difference_update({writer, up_writer})


# --- Jetstream --------------------------------------------------------------------------------------------------


def post_event(
    time_us: int,
    text: str,
    *,
    did: str = "did:plc:alice",
    rkey: str | None = None,
    langs: list[str] | None = None,
    tags: list[str] | None = None,
    reply_parent: str | None = None,
    created_at: str = "2026-11-22T09:00:00.000Z",
) -> dict[str, Any]:
    """A Jetstream commit event creating an app.bsky.feed.post, shaped like the real ones."""
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "createdAt": created_at,
        "langs": langs or ["es"],
        "text": text,
    }
    if tags:
        facets = []
        for tag in tags:
            start = text.find("#" + tag)
            facets.append(
                {
                    "$type": "app.bsky.richtext.facet",
                    "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
                    "index": {"byteStart": start, "byteEnd": start + len(tag) + 1},
                }
            )
        record["facets"] = facets
    if reply_parent:
        ref = {"cid": "bafyreiparent", "uri": reply_parent}
        record["reply"] = {"parent": ref, "root": ref}
    return {
        "did": did,
        "time_us": time_us,
        "kind": "commit",
        "commit": {
            "rev": f"3l{time_us}",
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": rkey or f"3k{time_us}",
            "record": record,
            "cid": f"bafyrei{time_us}",
        },
    }


def other_event(time_us: int, kind: str) -> dict[str, Any]:
    """Identity, account, like and delete events: they move the cursor but are not mentions."""
    if kind == "identity":
        return {
            "did": "did:plc:bob",
            "time_us": time_us,
            "kind": "identity",
            "identity": {"did": "did:plc:bob", "handle": "bob.bsky.social", "seq": 1, "time": "2026-11-22T09:00:00Z"},
        }
    if kind == "account":
        return {
            "did": "did:plc:bob",
            "time_us": time_us,
            "kind": "account",
            "account": {"active": True, "did": "did:plc:bob", "seq": 2, "time": "2026-11-22T09:00:00Z"},
        }
    if kind == "delete":
        return {
            "did": "did:plc:bob",
            "time_us": time_us,
            "kind": "commit",
            "commit": {"rev": "3lx", "operation": "delete", "collection": "app.bsky.feed.post", "rkey": "3kold"},
        }
    return {
        "did": "did:plc:bob",
        "time_us": time_us,
        "kind": "commit",
        "commit": {
            "rev": "3ly",
            "operation": "create",
            "collection": "app.bsky.feed.like",
            "rkey": f"3like{time_us}",
            "record": {"$type": "app.bsky.feed.like", "createdAt": "2026-11-22T09:00:00Z", "subject": {}},
            "cid": "bafyreilike",
        },
    }


@dataclass
class JetstreamReplay:
    """A websocket server speaking Jetstream's subscribe protocol over a recorded list of events (JSON text frames).

    ``messages`` are frames in time order (dicts are sent as JSON, strings as they are, for malformed frames).
    A connection replays every frame whose ``time_us`` is at or after ``?cursor=`` (all of them without one), then
    stays open for frames added with ``publish``. ``drop_after`` aborts the next connection after that many frames;
    ``refuse`` answers the next handshake with (status, headers).
    """

    messages: list[dict[str, Any] | str] = field(default_factory=list)
    drop_after: int | None = None
    refuse: tuple[int, dict[str, str]] | None = None
    requests: list[str] = field(default_factory=list)
    port: int = 0
    _server: Server | None = None
    _live: list[asyncio.Queue[dict[str, Any] | str]] = field(default_factory=list)

    async def __aenter__(self) -> JetstreamReplay:
        self._server = await serve(self._handler, "127.0.0.1", 0, process_request=self._process_request)
        self.port = next(iter(self._server.sockets)).getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/subscribe"

    def cursors(self) -> list[int | None]:
        """The ``cursor`` each connection asked for."""
        found: list[int | None] = []
        for path in self.requests:
            values = parse_qs(urlsplit(path).query).get("cursor")
            found.append(int(values[0]) if values else None)
        return found

    def publish(self, message: dict[str, Any] | str) -> None:
        """A new live event: recorded, and sent to every open connection."""
        self.messages.append(message)
        for queue in self._live:
            queue.put_nowait(message)

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.requests.append(request.path)
        if self.refuse is not None:
            status, headers = self.refuse
            self.refuse = None
            response = connection.respond(HTTPStatus(status), "refused\n")
            response.headers.update(Headers(headers))
            return response
        return None

    @staticmethod
    def _time(message: dict[str, Any] | str) -> int | None:
        if isinstance(message, dict):
            return int(message["time_us"])
        with contextlib.suppress(ValueError, KeyError, TypeError):
            return int(json.loads(message)["time_us"])
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        query = parse_qs(urlsplit(ws.request.path if ws.request else "").query)
        assert query.get("wantedCollections") == ["app.bsky.feed.post"]
        start = int(query["cursor"][0]) if "cursor" in query else None
        drop_after, self.drop_after = self.drop_after, None
        live: asyncio.Queue[dict[str, Any] | str] = asyncio.Queue()
        self._live.append(live)
        sent = 0
        try:
            backlog = [m for m in self.messages if start is None or (self._time(m) or start) >= start]
            for message in backlog:
                if drop_after is not None and sent >= drop_after:
                    ws.transport.abort()  # a network failure, no close frame
                    return
                await ws.send(message if isinstance(message, str) else json.dumps(message))
                sent += 1
            while True:
                waiting = asyncio.ensure_future(live.get())
                closed = asyncio.ensure_future(ws.wait_closed())
                await asyncio.wait({waiting, closed}, return_when=asyncio.FIRST_COMPLETED)
                if not waiting.done():  # the client went away (or the server is closing)
                    waiting.cancel()
                    return
                closed.cancel()
                message = waiting.result()
                if drop_after is not None and sent >= drop_after:
                    ws.transport.abort()
                    return
                await ws.send(message if isinstance(message, str) else json.dumps(message))
                sent += 1
        finally:
            self._live.remove(live)


async def wait_until(predicate: Callable[[], bool], *, timeout: float = 10.0) -> None:
    """Yield to the loop until ``predicate()`` holds; the timeout only guards against a hung test."""

    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout)


async def collect(pages: Any, sink: list[Any]) -> None:
    """Drain an async iterator of pages into ``sink`` (used as a background task)."""
    async for page in pages:
        sink.append(page)
