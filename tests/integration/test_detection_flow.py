"""Replaying detection over stored rollups finds the surge, explains it, and stays quiet otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from baliza.core.config import Settings
from baliza.detection import flows as detection_flows
from baliza.detection.models import Signal
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

    findings = await detection_flows.find_signals(
        db, slug="acme", start=START + timedelta(days=2), end=SPIKE + timedelta(hours=2), series=["all"],
        warmup=timedelta(days=2),
    )  # fmt: skip
    assert len(findings) == 1
    [finding] = findings
    assert SPIKE <= finding.detected_at <= SPIKE + timedelta(minutes=2)
    evidence = finding.evidence
    assert evidence["observed"] > 2 * evidence["expected"]
    assert evidence["interval"][0] <= evidence["expected"] <= evidence["interval"][1]
    assert evidence["top_posts"][0]["author"] == "@comeconmarta"
    assert "#acmenollega" in [t["term"] for t in evidence["top_terms"]]
    assert evidence["series"][0][0] < finding.detected_at.isoformat() < evidence["series"][-1][0]

    # the period before the surge raised nothing
    quiet = await detection_flows.find_signals(
        db, slug="acme", start=START + timedelta(days=2), end=SPIKE, series=["all"], warmup=timedelta(days=2)
    )
    assert quiet == []

    ids = await detection_flows.record_findings(db, slug="acme", findings=findings, sensitivity="medium")
    async with db.session() as session:
        stored = (await session.execute(select(Signal))).scalars().all()
    assert [s.id for s in stored] == ids
    assert stored[0].series == "all" and stored[0].evidence["top_posts"][0]["author"] == "@comeconmarta"
