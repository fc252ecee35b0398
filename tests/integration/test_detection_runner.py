"""The live runner: warms up on history, raises one signal for a new surge, never twice, survives a restart."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import httpx

from baliza.core.config import Settings
from baliza.detection.runner import DetectionRunner
from baliza.ingest import service as ingest_service
from baliza.ingest.flows import ingest_items
from baliza.storage.db import Database
from tests.factories import make_workspace, mention, quiet_rollups

START = datetime(2026, 11, 16, tzinfo=UTC)
SPIKE = START + timedelta(days=2, hours=13, minutes=5)


async def test_runner_records_a_new_surge_once(db: Database, settings: Settings, client: httpx.AsyncClient) -> None:
    workspace = await make_workspace(db)
    await quiet_rollups(db, workspace.id, start=START, until=SPIKE + timedelta(hours=1))
    # the day before: ordinary posts about the brand, one every ten minutes
    ordinary = [
        mention(
            1000 + i, created_at=(SPIKE - timedelta(minutes=10 * i + 3)).isoformat(), text="Me encanta Acme, gracias"
        )
        for i in range(1, 140)
    ]
    await ingest_items(db, slug="acme", items=ordinary, settings=settings)
    runner = DetectionRunner(db, warmup=timedelta(days=2), lag=timedelta(minutes=1))
    assert await runner.step(now=SPIKE - timedelta(minutes=30)) == []  # warming up on history
    assert await runner.step(now=SPIKE) == []  # quiet minutes: nothing to say

    surge = [
        mention(
            i, created_at=(SPIKE + timedelta(seconds=2 * i)).isoformat(), text=f"Pedido {i}: Acme no llega #AcmeNoLlega"
        )
        for i in range(1, 31)
    ]
    # ten reposts of one post: one voice, so its words are not "emerging"
    surge += [
        mention(
            i, created_at=(SPIKE + timedelta(seconds=2 * i)).isoformat(), text="Tenía invitados y Acme sin aparecer"
        )
        for i in range(31, 41)
    ]
    marta = {"handle": "@comeconmarta", "display_name": "Marta", "followers": 250_000, "verified": True}
    surge[5]["author"] = marta
    surge[20]["author"] = marta  # she posts twice: one signal
    surge[30]["author"] = {"handle": "@smallfry", "followers": 300}
    await ingest_items(db, slug="acme", items=surge, settings=settings)
    created = await runner.step(now=SPIKE + timedelta(minutes=4))
    assert await runner.step(now=SPIKE + timedelta(minutes=6)) == []  # same episode: no second signal

    # a restarted runner learns the past again but does not re-announce it
    restarted = DetectionRunner(db, warmup=timedelta(days=2), lag=timedelta(minutes=1))
    assert await restarted.step(now=SPIKE + timedelta(minutes=6)) == []

    listed = (await client.get("/api/v1/workspaces/acme/signals")).json()
    assert sorted(s["id"] for s in listed) == sorted(created)
    volume = [s for s in listed if s["detector"] == "volume"]
    terms = {s["series"] for s in listed if s["detector"] == "emerging_term"}
    # the surge shows on every series it belongs to, once each
    assert sorted(s["series"] for s in volume) == ["all", "lang:es", "platform:mastodon", "rule:1"]
    # the new hashtag is news; words the brand always hears are not
    assert "term:#acmenollega" in terms and "term:acme" not in terms and "term:invitados" not in terms
    loud = [s for s in listed if s["detector"] == "high_reach_author"]
    assert [s["series"] for s in loud] == ["author:mastodon:@comeconmarta"]
    assert loud[0]["evidence"]["author"]["followers"] == 250_000
    assert loud[0]["evidence"]["sentiment"]["label"] == "negative"
    signal_id = next(s["id"] for s in volume if s["series"] == "all")
    one = (await client.get(f"/api/v1/workspaces/acme/signals/{signal_id}")).json()
    assert one["series"] == "all" and one["observed"] > one["expected"]
    assert "#acmenollega" in [t["term"] for t in one["evidence"]["top_terms"]]
    assert len(one["evidence"]["series"]) > 60
    missing = await client.get("/api/v1/workspaces/acme/signals/999999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


async def test_a_turn_in_tone_at_flat_volume_raises_a_negative_share_signal(
    db: Database, client: httpx.AsyncClient
) -> None:
    workspace = await make_workspace(db)
    rnd = random.Random(8)
    turn = START + timedelta(days=2, hours=10)
    buckets: dict[tuple[str, datetime], list[int]] = {}
    at = START
    while at < turn + timedelta(hours=1):
        share = 0.5 if at >= turn else 0.15
        total = 20
        negative = sum(rnd.random() < share for _ in range(total))
        buckets[("all", at)] = [total, 0, 0]
        buckets[("sentiment:negative", at)] = [negative, 0, 0]
        at += timedelta(minutes=1)
    async with db.session() as session, session.begin():
        await ingest_service.add_to_rollups(db_session=session, workspace_id=workspace.id, buckets=buckets)

    runner = DetectionRunner(db, warmup=timedelta(days=2), lag=timedelta(minutes=1))
    assert await runner.step(now=turn) == []
    created = await runner.step(now=turn + timedelta(minutes=40))
    listed = (await client.get("/api/v1/workspaces/acme/signals")).json()
    assert sorted(s["id"] for s in listed) == sorted(created)
    share = [s for s in listed if s["detector"] == "negative_share"]
    assert len(share) == 1 and share[0]["series"] == "share:negative"
    assert turn <= datetime.fromisoformat(share[0]["detected_at"]) <= turn + timedelta(minutes=10)
    assert share[0]["evidence"]["observed_share"] > 2 * share[0]["evidence"]["expected_share"]
    assert not [s for s in listed if s["series"] == "all"]  # volume itself never moved
