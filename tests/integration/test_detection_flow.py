"""Replaying detection over stored rollups finds the surge, explains it, and stays quiet otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from baliza.core.config import Settings
from baliza.detection.models import Signal
from baliza.detection.runner import replay
from baliza.ingest.flows import ingest_items
from baliza.storage.db import Database
from tests.factories import make_workspace, mention, quiet_rollups

START = datetime(2026, 11, 16, tzinfo=UTC)  # a Monday
SPIKE = START + timedelta(days=2, hours=13, minutes=5)


async def test_replay_finds_the_surge_with_its_evidence(db: Database, settings: Settings) -> None:
    workspace = await make_workspace(db)
    await quiet_rollups(db, workspace.id, start=START, until=SPIKE + timedelta(hours=3))
    surge = [
        mention(
            i,
            created_at=(SPIKE + timedelta(seconds=2 * i)).isoformat(),
            text=f"Pedido {i} sin llegar, Acme no contesta #AcmeNoLlega",
            author={"handle": f"@cliente{i}", "followers": 10 * i},
        )
        for i in range(1, 41)
    ]
    surge[5]["author"] = {"handle": "@comeconmarta", "followers": 250_000, "verified": True}
    report = await ingest_items(db, slug="acme", items=surge, settings=settings)
    assert report.stored == 40

    signals = await replay(
        db, slug="acme", start=START + timedelta(days=2), end=SPIKE + timedelta(hours=2), warmup=timedelta(days=2)
    )
    volume = [s for s in signals if s["detector"] == "volume" and s["series"] == "all"]
    assert len(volume) == 1
    [found] = volume
    assert SPIKE <= found["detected_at"] <= SPIKE + timedelta(minutes=2)
    evidence = found["evidence"]
    assert evidence["observed"] > 2 * evidence["expected"]
    assert evidence["interval"][0] <= evidence["expected"] <= evidence["interval"][1]
    assert evidence["top_posts"][0]["author"] == "@comeconmarta"
    assert "#acmenollega" in [t["term"] for t in evidence["top_terms"]]
    # the curve runs up to the alert (live signals know no future): two hours of context
    assert evidence["series"][-1][0] == found["detected_at"].isoformat() and len(evidence["series"]) > 100
    detectors = {s["detector"] for s in signals}
    assert {"volume", "emerging_term", "high_reach_author"} <= detectors

    # the period before the surge raised nothing, and a replay stores nothing
    quiet = await replay(db, slug="acme", start=START + timedelta(days=2), end=SPIKE, warmup=timedelta(days=2))
    assert quiet == []
    async with db.session() as session:
        assert (await session.execute(select(func.count()).select_from(Signal))).scalar_one() == 0
