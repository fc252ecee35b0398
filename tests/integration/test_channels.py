"""Publishing through a configured channel: a dry run by default (the exact request recorded, nothing sent), and a
real post on a local Mastodon API (mastodon-mock) once the channel is live; deleting stays refused."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from mastodon_mock.testing import MockServer

from baliza.storage.db import Database
from tests.factories import make_workspace

W = "/api/v1/workspaces/acme"
TOKEN = "alice_token"  # mastodon-mock's seeded account
TEXT = "Hola, lo sentimos mucho por el retraso. Te escribimos por privado ahora mismo para solucionarlo."


@pytest.fixture(scope="module")
def mastodon() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server


async def statuses(server: MockServer) -> int:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        answer = await http.get("/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {TOKEN}"})
        return int(answer.json()["statuses_count"])


async def publish(client: httpx.AsyncClient, channel: str) -> dict[str, object]:
    draft = await client.post(f"{W}/responses", json={"text": TEXT, "lang": "es", "channel": channel})
    assert draft.status_code == 201, draft.text
    published = await client.post(f"{W}/responses/{draft.json()['id']}/publish")
    assert published.status_code == 200, published.text
    return dict(published.json()["publication"])


async def test_a_channel_publishes_dry_until_it_is_live(
    db: Database, client: httpx.AsyncClient, mastodon: MockServer
) -> None:
    await make_workspace(db)
    async with httpx.AsyncClient(base_url=mastodon.base_url) as http:  # a fresh server state for each database
        (await http.post("/api/v1/_mock/reset")).raise_for_status()
    settings = {"base_url": mastodon.base_url, "access_token": TOKEN}
    dry = await client.post(f"{W}/channels", json={"name": "mastodon", "kind": "mastodon", "settings": settings})
    assert dry.status_code == 201, dry.text
    assert dry.json()["settings"]["access_token"] == "**********" and dry.json()["live"] is False
    before = await statuses(mastodon)
    publication = await publish(client, "mastodon")
    assert publication["dry_run"] is True
    assert publication["request"]["url"] == f"{mastodon.base_url}/api/v1/statuses"  # type: ignore[index]
    assert TOKEN not in str(publication)
    assert await statuses(mastodon) == before  # nothing left Baliza

    live = await client.post(
        f"{W}/channels", json={"name": "mastodon-live", "kind": "mastodon", "settings": settings, "live": True}
    )
    assert live.status_code == 201
    publication = await publish(client, "mastodon-live")
    assert publication["dry_run"] is False and publication["url"]
    assert await statuses(mastodon) == before + 1

    refused = await client.delete(f"{W}/responses/1/publication")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "delete_refused"
