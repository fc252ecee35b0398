"""Sources end to end: an RSS feed on a local server polled with its cursor saved, SSRF refused, signed
webhooks (bad signatures, stale timestamps and replays refused and counted), and the public complaint form."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from baliza.core.config import Settings, get_settings
from baliza.ingest.connectors.webhooks import sign_webhook
from baliza.sources import flows as source_flows
from baliza.sources import service as source_service
from baliza.sources.models import Source
from baliza.storage.db import Database
from tests.conftest import CliRunner
from tests.factories import make_workspace
from tests.unit.connectors.connector_servers import serving

W = "/api/v1/workspaces/acme"
SECRET = "una-clave-compartida-larga"


def feed(items: list[tuple[str, str]]) -> str:
    now = datetime.now(UTC)
    entries = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title><link>https://news.example/{guid}</link>"
        f"<pubDate>{(now - timedelta(minutes=5)).strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>"
        for guid, title in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Noticias</title>{entries}</channel></rss>'


async def test_an_rss_source_polls_stores_and_resumes_without_duplicates(
    db: Database, settings: Settings, client: httpx.AsyncClient
) -> None:
    await make_workspace(db)
    items = [("a1", "Acme Foods retrasa miles de pedidos en Madrid"), ("a2", "Quejas contra Acme por envíos")]

    async def rss(_request: Request) -> Response:
        return Response(feed(items), media_type="application/rss+xml")

    with serving(Starlette(routes=[Route("/feed.xml", rss)])) as server:
        created = await client.post(
            f"{W}/sources", json={"name": "noticias", "kind": "rss", "settings": {"url": f"{server.url}/feed.xml"}}
        )
        assert created.status_code == 201, created.text
        source_id = created.json()["id"]
        # By default a source may not reach this machine's own network.
        refused = await source_flows.run_source(db, settings, source_id)
        assert refused.error is not None and "Refused to fetch" in refused.error
        listed = (await client.get(f"{W}/sources")).json()
        assert listed[0]["state"] in ("failing", "degraded") and "Refused to fetch" in listed[0]["last_error"]

        local = settings.model_copy(update={"connectors_allow_private": True})
        first = await source_flows.run_source(db, local, source_id)
        assert (first.error, first.stored) == (None, 2)
        items.append(("a3", "Acme pide disculpas por los retrasos"))
        again = await source_flows.run_source(db, local, source_id)
        assert (again.stored, again.duplicates) == (1, 0)  # the cursor remembered a1 and a2
    mentions = (await client.get(f"{W}/mentions", params={"platform": "news"})).json()["items"]
    assert sorted(m["external_id"].rsplit("/", 1)[-1] for m in mentions) == ["a1", "a2", "a3"]
    health = (await client.get(f"{W}/sources")).json()[0]
    assert health["state"] == "ok" and health["items_total"] == 3


def signed(body: dict[str, Any], *, at: int | None = None) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, sign_webhook(raw, secret=SECRET, timestamp=at or int(time.time()))


async def test_signed_webhooks_are_verified_counted_and_never_replayed(
    db: Database, client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    await make_workspace(db)
    created = await client.post(f"{W}/sources", json={"name": "crm", "kind": "webhook", "settings": {"secret": SECRET}})
    source = created.json()
    assert source["settings"]["secret"] == "**********"  # never returned
    async with db.session() as session:  # and not readable in the database either
        stored = await session.get(Source, source["id"])
        assert stored is not None and stored.secrets["secret"].startswith("enc:v1:")
        assert SECRET not in str(stored.secrets)
    hook = f"/api/v1/hooks/{source['id']}"
    item = {
        "platform": "chat",
        "external_id": "c-1",
        "text": "Mi pedido de Acme no ha llegado",
        "created_at": datetime.now(UTC).isoformat(),
        "author": {"handle": "cliente-77"},
    }
    message = {"items": [item]}
    body, headers = signed(message)
    ok = await anon_client.post(hook, content=body, headers=headers)
    assert ok.status_code == 200, ok.text
    assert ok.json()["stored"] == 1
    replay = await anon_client.post(hook, content=body, headers=headers)
    assert replay.status_code == 409 and replay.json()["error"]["code"] == "webhook_replayed"
    forged = await anon_client.post(hook, content=body, headers={**headers, "X-Baliza-Signature": "sha256=" + "0" * 64})
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "webhook_bad_signature"
    old_body, old_headers = signed(message, at=int(time.time()) - 3600)
    stale = await anon_client.post(hook, content=old_body, headers=old_headers)
    assert stale.status_code == 401 and stale.json()["error"]["code"] == "webhook_stale"
    counters = (await client.get(f"{W}/sources")).json()[0]["counters"]
    assert counters == {"accepted": 1, "replayed": 1, "bad_signature": 1, "stale": 1}


async def test_the_complaint_form_feeds_the_stream_and_keeps_bots_out(
    db: Database, settings: Settings, client: httpx.AsyncClient, anon_client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    await make_workspace(db)
    page = await anon_client.get("/complain/acme", headers={"Accept-Language": "es"})
    assert page.status_code == 200 and "Cuéntale a Acme Foods qué ha pasado" in page.text
    token = page.text.split('name="token" value="')[1].split('"')[0]
    form = {"message": "El repartidor dejó el pedido en la calle", "kind": "complaint", "token": token}
    too_fast = await anon_client.post("/complain/acme", data=form)
    assert too_fast.status_code == 422  # sent within a second of loading the page: a bot
    bot = await anon_client.post("/complain/acme", data={**form, "website": "http://spam.example"})
    assert bot.status_code == 200  # answered like a success, stored nothing
    # Pretend the person took 10 seconds to write.
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 10)
    sent = await anon_client.post("/complain/acme", data=form, headers={"Accept-Language": "es"})
    assert sent.status_code == 200 and "Gracias" in sent.text
    api = await anon_client.post(
        "/api/v1/complaints/acme", json={"message": "Sugerencia: avisad por SMS de los retrasos", "kind": "suggestion"}
    )
    assert api.status_code == 200 and api.json()["stored"] == 1
    mentions = (await client.get(f"{W}/mentions", params={"platform": "form"})).json()["items"]
    assert sorted(m["text"] for m in mentions) == [
        "El repartidor dejó el pedido en la calle", "Sugerencia: avisad por SMS de los retrasos",
    ]  # fmt: skip


async def test_secrets_are_validated_and_never_listed(db: Database, client: httpx.AsyncClient) -> None:
    await make_workspace(db)
    short = await client.post(f"{W}/sources", json={"name": "x", "kind": "webhook", "settings": {"secret": "corta"}})
    assert short.status_code == 422
    assert "corta" not in short.text
    unknown = await client.post(f"{W}/sources", json={"name": "x", "kind": "carrier-pigeon", "settings": {}})
    assert (
        unknown.status_code == 422 and "Unknown kind of source 'carrier-pigeon'" in unknown.json()["error"]["message"]
    )
    assert "rss" in (await client.get(f"{W}/sources/kinds")).json()
    async with db.session() as session:
        assert await source_service.list_sources(db_session=session) == []


async def test_sources_from_the_cli(
    db: Database, db_url: str, cli: CliRunner, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    await make_workspace(db)

    async def rss(_request: Request) -> Response:
        return Response(feed([("b1", "Acme Foods abre en Bilbao")]), media_type="application/rss+xml")

    monkeypatch.setenv("BALIZA_CONNECTORS_ALLOW_PRIVATE", "true")
    # The CLI runs in this process, whose settings are built once: build them again with the variable
    # set (an earlier test may have built them without it), and again afterwards.
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)
    with serving(Starlette(routes=[Route("/feed.xml", rss)])) as server:

        def run(*args: str) -> tuple[int, str, str]:
            return cli(*args, "--database-url", db_url)

        code, out, err = await asyncio.to_thread(
            run, "sources", "add", "rss", "-w", "acme", "--name", "noticias", "--set", f"url={server.url}/feed.xml"
        )
        assert (code, err) == (0, "") and "Added source noticias (rss)" in out
        code, out, _err = await asyncio.to_thread(run, "sources", "test", "noticias", "-w", "acme")
        assert code == 0 and "noticias answers: 1 posts would come in." in out
        code, out, _err = await asyncio.to_thread(run, "sources", "backfill", "noticias", "-w", "acme")
        assert code == 0 and "noticias: 1 new posts, 0 already there" in out
        code, out, _err = await asyncio.to_thread(run, "sources", "list", "-w", "acme")
        assert "noticias" in out and "ok" in out
    bad = await asyncio.to_thread(cli, "sources", "add", "rss", "-w", "acme", "--name", "x", "--set", "url",
                                  "--database-url", db_url)  # fmt: skip
    assert bad[0] == 1 and "'url' is not key=value." in bad[2]


async def test_a_reddit_source_polls_through_async_praw_and_resumes_without_duplicates(
    db: Database, settings: Settings, client: httpx.AsyncClient
) -> None:
    from tests.unit.connectors import test_connector_reddit as reddit  # the local Reddit API

    await make_workspace(db)
    reddit.RD = fake = reddit.FakeReddit()
    now = time.time()
    fake.add("new:acme", reddit.post(1, title="Acme no me devuelve el dinero", created=now - 600))
    fake.add("comments:acme", reddit.comment(1, body="A mí tampoco, Acme es una vergüenza", created=now - 300))
    app = Starlette(
        routes=[
            Route("/api/v1/access_token", reddit.access_token, methods=["POST"]),
            Route("/r/{sub}/{kind}", reddit.api),
        ]
    )
    with serving(app) as server:
        values = {
            "client_id": reddit.CLIENT_ID,
            "client_secret": reddit.SECRET,
            "user_agent": reddit.USER_AGENT,
            "subreddits": ["acme"],
            "auth_url": server.url,
            "api_url": server.url,
        }
        created = await client.post(f"{W}/sources", json={"name": "foro", "kind": "reddit", "settings": values})
        assert created.status_code == 201, created.text
        assert reddit.SECRET not in created.text
        source_id = created.json()["id"]
        local = settings.model_copy(update={"connectors_allow_private": True})
        first = await source_flows.run_source(db, local, source_id)
        assert (first.error, first.stored) == (None, 2)
        fake.add("new:acme", reddit.post(2, title="Acme por fin respondió", created=now - 60))
        again = await source_flows.run_source(db, local, source_id)  # a new connector: the cursor from the database
        assert (again.error, again.stored, again.duplicates) == (None, 1, 0)
    mentions = (await client.get(f"{W}/mentions", params={"platform": "reddit"})).json()["items"]
    assert sorted(m["external_id"] for m in mentions) == ["t1_c1", "t3_p1", "t3_p2"]
    assert fake.issued == 2  # each run makes its own Async PRAW client (and closes it), so one token per run
