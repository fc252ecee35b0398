"""The escalation runner killed for real (SIGKILL) in the middle of a chain, then started again as a new process:
the chain continues at the right step, on time, and nobody is paged twice. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from baliza.core.clock import utcnow
from baliza.detection import service as signal_service
from baliza.plans import flows as plan_flows
from baliza.storage.db import Database
from baliza.triage import flows as triage_flows
from baliza.triage import service as triage_service
from baliza.triage.models import EscalationStatus, PageStatus
from tests.factories import make_workspace
from tests.receivers import Webhook

PLAN = """
version: 1
workspace: acme
timezone: Europe/Madrid
people:
  lucia: {{name: Lucía García, roles: [community_manager], languages: [es], contacts: ["{hook}/lucia"]}}
  diego: {{name: Diego Ramos, roles: [community_manager], languages: [en], contacts: ["{hook}/diego"]}}
  ana: {{name: Ana Torres, roles: [comms_lead], languages: [es], contacts: ["{hook}/ana"]}}
roles:
  community_manager: {{primary: lucia, backups: [diego]}}
  comms_lead: {{primary: ana}}
routes: {{receiver: crisis, group_wait: 0s}}
escalation_chains:
  crisis:
    steps:
      - notify: {{role: community_manager}}
        wait: 6s
      - notify_backup: true
        wait: 6s
      - notify: {{role: comms_lead}}
"""

RUNNER = """
import asyncio, sys
from pathlib import Path
from baliza.core.config import Settings
from baliza.storage.db import Database
from baliza.triage.escalation import EscalationRunner
url, data_dir = sys.argv[1], sys.argv[2]
settings = Settings(database_url=url, data_dir=Path(data_dir), notify_attempts=1, notify_backoff_seconds=0)
asyncio.run(EscalationRunner(Database(url), settings).run_forever(0.3))
"""


def start_runner(db_url: str, data_dir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", RUNNER, db_url, str(data_dir)],
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_for(condition: object, seconds: float) -> None:
    for _ in range(int(seconds * 10)):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


async def page_statuses(db: Database, group_id: int) -> list[tuple[str, PageStatus]]:
    async with db.session() as session:
        pages = await triage_service.pages_for_group(db_session=session, alert_group_id=group_id)
        return [(p.person_id, p.status) for p in pages]


async def wait_until_recorded(db: Database, group_id: int, expected: list[tuple[str, PageStatus]]) -> None:
    for _ in range(200):
        if await page_statuses(db, group_id) == expected:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"pages never became {expected}: {await page_statuses(db, group_id)}")


async def test_kill_the_runner_mid_chain_and_start_it_again(
    db: Database, db_url: str, tmp_path: Path, webhook: Webhook
) -> None:
    workspace = await make_workspace(db)
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN.format(hook=f"json://127.0.0.1:{webhook.port}"), encoding="utf-8")
    await plan_flows.load_plan_file(db, slug="acme", path=plan)
    now = utcnow()
    async with db.session() as session:
        signal_row = await signal_service.create(
            db_session=session,
            workspace_id=workspace.id,
            signal_in={
                "series": "all", "detector": "volume", "sensitivity": "medium", "window_start_at": now,
                "detected_at": now, "window_minutes": 1, "observed": 90.0, "expected": 10.0, "lower": 0.0,
                "upper": 15.0, "score": 1.0, "surprise": 9.0, "evidence": {"ratio": 9.0, "observed": 90.0},
            },
        )  # fmt: skip
        routed = await triage_flows.route_signal(
            db_session=session, workspace_id=workspace.id, signal_id=signal_row.id, now=now
        )
        await session.commit()
    group_id = routed.groups[0][0]
    data_dir = tmp_path / "data"

    first = start_runner(db_url, data_dir)
    try:
        await wait_for(lambda: webhook.paths() == ["/lucia"], 20)
        # Kill once the page is on record; a kill between delivery and the commit leaves it "unknown"
        # and never re-sent (tests/integration/test_escalation.py covers that case).
        await wait_until_recorded(db, group_id, [("lucia", PageStatus.sent)])
        first.send_signal(signal.SIGKILL)  # mid-chain: Diego's step is due in 6 seconds
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    await asyncio.sleep(1)
    assert webhook.paths() == ["/lucia"]

    second = start_runner(db_url, data_dir)
    try:
        await wait_for(lambda: len(webhook.posts) >= 3, 30)
        await asyncio.sleep(1.5)  # time for a double page, if there were one
    finally:
        second.send_signal(signal.SIGKILL)
        second.wait(timeout=10)

    assert webhook.paths() == ["/lucia", "/diego", "/ana"]  # each once, in order
    async with db.session() as session:
        pages = await triage_service.pages_for_group(db_session=session, alert_group_id=group_id)
        assert [(p.person_id, p.step_index, p.status) for p in pages] == [
            ("lucia", 0, PageStatus.sent),
            ("diego", 1, PageStatus.sent),
            ("ana", 2, PageStatus.sent),
        ]
        # The backup was paged about 6 seconds after the primary, as the chain says, despite the restart.
        gap = pages[1].created_at - pages[0].created_at
        assert timedelta(seconds=5) <= gap <= timedelta(seconds=15)
        (escalation,) = await triage_service.escalations_of(db_session=session, alert_group_id=group_id)
        assert escalation.status == EscalationStatus.exhausted or escalation.step_index == 3
