"""Drills end to end: the delivery-failure scenario at ×600, headless, on SQLite and PostgreSQL, ends with a drill
report; the community manager is away, so her backup is paged instead."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from baliza.drills.models import DrillRun
from baliza.incidents.models import TimelineEntry
from baliza.storage.db import Database
from baliza.triage.models import AlertGroup, Page
from tests.conftest import CliRunner


async def test_the_delivery_failure_drill_runs_headless_and_pages_the_backup(
    db: Database, db_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    report = tmp_path / "drill.md"
    code, out, err = await asyncio.to_thread(
        cli, "drill", "run", "delivery-failure", "--speed", "600", "--headless", "--report", str(report),
        "--database-url", db_url,
    )  # fmt: skip
    assert code == 0, err
    assert "Drill report: Delivery failure: #AcmeNoLlega" in out
    assert "Backup paged instead of Lucía García (lucia)" in out
    text = report.read_text(encoding="utf-8")
    assert "## What went well" in text and "## What to change in the plan" in text

    async with db.session() as session:
        run = (await session.execute(select(DrillRun))).scalar_one()
        assert run.status == "finished" and run.speed == 600
        items = {i["code"]: i for i in run.score["items"]}
        assert items["backup"]["ok"] is True
        assert items["escalation"]["ok"] is True
        assert items["severity"]["actual"] == "SEV2"
        # Lucía is on holiday in the drill: skipped with the reason, and Diego paged in her place.
        skipped = [
            e
            for e in (
                await session.execute(select(TimelineEntry).where(TimelineEntry.kind == "page_skipped"))
            ).scalars()
            if e.data.get("person_id") == "lucia"
        ]
        assert skipped and "unavailable" in skipped[0].data["params"]["reason"]
        paged = {p.person_id for p in (await session.execute(select(Page))).scalars()}
        assert "diego" in paged and "lucia" not in paged
        groups = list((await session.execute(select(AlertGroup))).scalars())
        assert groups and all(g.is_drill for g in groups)
