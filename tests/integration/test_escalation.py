"""Escalation end to end: a signal is triaged and routed, people are paged through a real SMTP server and a
real webhook receiver, the backup is paged when nobody acknowledges, an acknowledgement stops the chain,
and a restart in the middle continues at the right step without paging anyone twice."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from baliza.core.config import Settings
from baliza.core.errors import ValidationError
from baliza.detection import service as signal_service
from baliza.incidents import timeline
from baliza.incidents.models import Incident
from baliza.plans import flows as plan_flows
from baliza.plans import service as plan_service
from baliza.storage.db import Database
from baliza.triage import flows as triage_flows
from baliza.triage import service as triage_service
from baliza.triage.escalation import EscalationRunner, acknowledge_with_token
from baliza.triage.models import AlertGroup, AlertStatus, EscalationStatus, PageStatus
from tests.factories import T0, make_workspace
from tests.receivers import Mailbox, Webhook

PLAN = """
version: 1
workspace: acme
timezone: Europe/Madrid
people:
  lucia:
    name: Lucía García
    roles: [community_manager]
    languages: [es]
    contacts: ["{lucia_mail}"]
  diego:
    name: Diego Ramos
    roles: [community_manager]
    languages: [en, es]
    contacts: ["{diego_broken}", "{diego_hook}"]
  ana:
    name: Ana Torres
    roles: [comms_lead]
    languages: [es, en]
    contacts: ["{ana_mail}"]
roles:
  community_manager: {{primary: lucia, backups: [diego]}}
  comms_lead: {{primary: ana}}
routes:
  receiver: sev2
  group_by: [issue_type]
  group_wait: 0s
escalation_chains:
  sev2:
    steps:
      - notify: {{role: community_manager}}
        wait: 10m
      - notify_backup: true
        wait: 10m
      - notify: {{role: comms_lead}}
        declare_incident: true
        wait: 15m
playbooks:
  delivery_failure:
    title: {{es: "Fallo de entregas", en: "Delivery failure"}}
    tasks:
      - title: {{es: "Confirmar el alcance", en: "Confirm the scope"}}
        role: community_manager
        due_minutes: 10
    holding_statement:
      es: "Lo sentimos: hay retrasos desde las {{start_time}}."
      en: "We're sorry: deliveries are late since {{start_time}}."
"""

EVIDENCE: dict[str, Any] = {
    "observed": 120.0,
    "expected": 30.0,
    "ratio": 4.0,
    "top_posts": [
        {"platform": "x", "followers": 250_000, "text": "Mi pedido no llega #AcmeNoLlega", "issue_types": ["delivery"],
         "author_types": ["influencer"]},
    ],
    "top_terms": [{"term": "#acmenollega", "count": 40}],
}  # fmt: skip


async def setup_alert(
    db: Database, tmp_path: Path, smtp: Mailbox, webhook: Webhook, *, closed_port: int = 9
) -> tuple[int, int]:
    """Workspace, plan and one routed signal; returns (workspace id, alert group id)."""
    workspace = await make_workspace(db)
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        PLAN.format(
            lucia_mail=smtp.url("lucia@acme.example"),
            ana_mail=smtp.url("ana@acme.example"),
            diego_broken=f"json://127.0.0.1:{closed_port}/nobody-listens",
            diego_hook=webhook.url("/diego"),
        ),
        encoding="utf-8",
    )
    await plan_flows.load_plan_file(db, slug="acme", path=plan)
    async with db.session() as session:
        signal = await signal_service.create(
            db_session=session,
            workspace_id=workspace.id,
            signal_in={
                "series": "sentiment:negative", "detector": "volume", "sensitivity": "medium",
                "window_start_at": T0 - timedelta(minutes=3), "detected_at": T0, "window_minutes": 4,
                "observed": 120.0, "expected": 30.0, "lower": 0.0, "upper": 45.0, "score": 0.99, "surprise": 9.0,
                "evidence": EVIDENCE,
            },
        )  # fmt: skip
        routed = await triage_flows.route_signal(
            db_session=session, workspace_id=workspace.id, signal_id=signal.id, now=T0
        )
        await session.commit()
    assert [created for _id, created in routed.groups] == [True]
    return workspace.id, routed.groups[0][0]


class Clock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> Any:
        return self.now


async def no_sleep(_seconds: float) -> None:
    return None


def runner(db: Database, settings: Settings, clock: Clock, **kwargs: Any) -> EscalationRunner:
    fast = settings.model_copy(update={"notify_attempts": 2, "notify_backoff_seconds": 0.0})
    return EscalationRunner(db, fast, clock=clock, sleep=no_sleep, **kwargs)


def ack_link(text: str) -> str:
    found = re.search(r"/ack/([A-Za-z0-9._~-]+)", text)
    assert found, text
    return found.group(1)


async def entries(db: Database, group_id: int) -> list[str]:
    async with db.session() as session:
        rows = await timeline.list_for(db_session=session, alert_group_ids=[group_id])
        return [timeline.render(r) for r in rows]


async def test_triage_routes_and_groups_the_signal(
    db: Database, tmp_path: Path, smtp: Mailbox, webhook: Webhook
) -> None:
    _ws, group_id = await setup_alert(db, tmp_path, smtp, webhook)
    async with db.session() as session:
        group = await session.get(AlertGroup, group_id)
        assert group is not None
        assert group.severity == "sev2"  # 4x (+2), 250k followers (+1), 30/min (+1), influencer (+1) = 5
        assert group.group_key == 'routes:{issue_type="delivery"}'
        assert group.labels["author_type"] == "influencer"
        assert [r["factor"] for r in group.triage["reasons"]] == ["anomaly", "reach", "velocity", "media"]
    lines = await entries(db, group_id)
    assert lines[0].startswith("Alert opened, proposed SEV2 (4.0× the expected volume;")


async def test_primary_then_backup_then_acknowledgement_stops_the_chain(
    db: Database, settings: Settings, tmp_path: Path, smtp: Mailbox, webhook: Webhook
) -> None:
    _ws, group_id = await setup_alert(db, tmp_path, smtp, webhook)
    clock = Clock()
    run = runner(db, settings, clock)

    assert await run.step(T0) == 1
    mail = smtp.for_("lucia@acme.example")  # Lucía reads Spanish
    assert "SEV2" in mail["Subject"] and "Acme Foods" in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Confirmar" in body or "confirmar" in body.lower()
    assert webhook.posts == []

    clock.now = T0 + timedelta(minutes=9)
    assert await run.step(clock.now) == 0  # still waiting for Lucía
    clock.now = T0 + timedelta(minutes=10)
    assert await run.step(clock.now) == 1
    # Diego's first contact refuses (nothing listens there), so his webhook gets it, in English.
    assert webhook.paths() == ["/diego"]
    payload = webhook.posts[0].payload
    assert "SEV2" in payload["title"] and "Acknowledge" in payload["message"]

    group, who, changed = await acknowledge_with_token(db, settings, ack_link(payload["message"]), now=clock.now)
    assert (who, changed, group.status) == ("Diego Ramos", True, AlertStatus.acknowledged)
    with pytest.raises(ValidationError) as used:
        await acknowledge_with_token(db, settings, ack_link(payload["message"]), now=clock.now)
    assert used.value.code == "ack_used"

    clock.now = T0 + timedelta(hours=2)
    assert await run.step(clock.now) == 0
    assert [rcpts for rcpts, _m in smtp.messages] == [["lucia@acme.example"]]  # Ana was never paged
    lines = await entries(db, group_id)
    assert "Diego Ramos acknowledged the alert with the link in their notification; the escalation stops." in lines
    async with db.session() as session:
        pages = await triage_service.pages_for_group(db_session=session, alert_group_id=group_id)
        assert [(p.person_id, p.status) for p in pages] == [("lucia", PageStatus.sent), ("diego", PageStatus.sent)]
        assert len(pages[1].attempts) == 3  # two tries on the refused contact, then the webhook


async def test_nobody_acknowledges_the_chain_declares_an_incident_and_runs_out(
    db: Database, settings: Settings, tmp_path: Path, smtp: Mailbox, webhook: Webhook
) -> None:
    ws, group_id = await setup_alert(db, tmp_path, smtp, webhook)
    clock = Clock()
    run = runner(db, settings, clock)
    for minutes in (0, 10, 20, 35):
        clock.now = T0 + timedelta(minutes=minutes)
        await run.step(clock.now)
    assert sorted(r[0] for r, _m in smtp.messages) == ["ana@acme.example", "lucia@acme.example"]
    async with db.session() as session:
        group = await session.get(AlertGroup, group_id)
        assert group is not None and group.incident_id is not None
        incident = await session.get(Incident, group.incident_id)
        assert incident is not None and (incident.number, incident.playbook) == (1, "delivery_failure")
        (escalation,) = await triage_service.escalations_of(db_session=session, alert_group_id=group_id)
        assert escalation.status == EscalationStatus.exhausted
    lines = await entries(db, group_id)
    assert lines[-1] == "Escalation sev2 ran out of steps and nobody acknowledged."
    assert ws > 0


async def test_an_unavailable_primary_is_skipped_and_the_backup_paged_at_once(
    db: Database, settings: Settings, tmp_path: Path, smtp: Mailbox, webhook: Webhook
) -> None:
    ws, group_id = await setup_alert(db, tmp_path, smtp, webhook)
    async with db.session() as session:
        await plan_service.set_unavailable(
            db_session=session, workspace_id=ws, person_id="lucia", since=T0 - timedelta(hours=1), until=None,
            reason="de vacaciones", set_by="test",
        )  # fmt: skip
        await session.commit()
    clock = Clock()
    await runner(db, settings, clock).step(T0)
    assert smtp.messages == []
    assert webhook.paths() == ["/diego"]
    lines = await entries(db, group_id)
    assert "Step 1: Lucía García (lucia) skipped: marked unavailable (de vacaciones)" in lines


async def test_a_restart_mid_chain_continues_at_the_right_step_and_pages_nobody_twice(
    db_url: str, settings: Settings, tmp_path: Path, smtp: Mailbox, webhook: Webhook
) -> None:
    first_db = Database(db_url)
    _ws, group_id = await setup_alert(first_db, tmp_path, smtp, webhook)
    clock = Clock()

    async def killed(*_args: Any, **_kwargs: Any) -> Any:
        raise KeyboardInterrupt  # the process dies while paging the backup

    await runner(first_db, settings, clock).step(T0)  # Lucía paged
    clock.now = T0 + timedelta(minutes=10)
    with pytest.raises(KeyboardInterrupt):
        await runner(first_db, settings, clock, deliver_fn=killed).step(clock.now)
    await first_db.dispose()

    # A new process: same database, nothing in memory.
    second_db = Database(db_url)
    try:
        second = runner(second_db, settings, clock)
        assert await second.recover() == 1  # Diego's page: state unknown, not sent again
        assert await second.step(clock.now) == 0  # the step was already taken
        clock.now = T0 + timedelta(minutes=20)
        assert await second.step(clock.now) == 1  # the next step, on time
        assert webhook.posts == []
        assert sorted(r[0] for r, _m in smtp.messages) == ["ana@acme.example", "lucia@acme.example"]
        async with second_db.session() as session:
            pages = await triage_service.pages_for_group(db_session=session, alert_group_id=group_id)
            assert [(p.person_id, p.step_index, p.status) for p in pages] == [
                ("lucia", 0, PageStatus.sent),
                ("diego", 1, PageStatus.unknown),
                ("ana", 2, PageStatus.sent),
            ]
        lines = await entries(second_db, group_id)
        assert "Baliza stopped while paging Diego Ramos; not sent again to avoid a double page." in lines
    finally:
        await second_db.dispose()


async def test_still_firing_after_the_repeat_interval_pages_again_from_the_top(
    db: Database, settings: Settings, tmp_path: Path, smtp: Mailbox, webhook: Webhook
) -> None:
    ws, group_id = await setup_alert(db, tmp_path, smtp, webhook)
    clock = Clock()
    run = runner(db, settings, clock)
    for minutes in (0, 10, 20, 35):  # the chain runs out: nobody acknowledged
        clock.now = T0 + timedelta(minutes=minutes)
        await run.step(clock.now)

    async def signal_at(at: datetime) -> None:
        async with db.session() as session:
            row = await signal_service.create(
                db_session=session,
                workspace_id=ws,
                signal_in={
                    "series": "sentiment:negative", "detector": "volume", "sensitivity": "medium",
                    "window_start_at": at, "detected_at": at, "window_minutes": 4, "observed": 120.0,
                    "expected": 30.0, "lower": 0.0, "upper": 45.0, "score": 0.99, "surprise": 9.0,
                    "evidence": EVIDENCE,
                },
            )  # fmt: skip
            await triage_flows.route_signal(db_session=session, workspace_id=ws, signal_id=row.id, now=at)
            await session.commit()

    await signal_at(T0 + timedelta(hours=1))  # within the 4 h repeat interval: it joins, nobody is paged again
    async with db.session() as session:
        assert len(await triage_service.escalations_of(db_session=session, alert_group_id=group_id)) == 1
    later = T0 + timedelta(hours=4, minutes=40)
    await signal_at(later)
    async with db.session() as session:
        escalations = await triage_service.escalations_of(db_session=session, alert_group_id=group_id)
        assert [e.status for e in escalations] == [EscalationStatus.exhausted, EscalationStatus.pending]
    clock.now = later
    await run.step(later)
    async with db.session() as session:
        pages = await triage_service.pages_for_group(db_session=session, alert_group_id=group_id)
    assert [p.person_id for p in pages].count("lucia") == 2  # paged again from the top
    assert "Still firing and nobody acknowledged: the sev2 chain starts again (repeat interval)." in await entries(
        db, group_id
    )


async def test_people_already_paged_hear_about_new_signals_once_per_group_interval(
    db: Database, settings: Settings, tmp_path: Path, smtp: Mailbox, webhook: Webhook
) -> None:
    ws, group_id = await setup_alert(db, tmp_path, smtp, webhook)
    clock = Clock()
    run = runner(db, settings, clock)
    await run.step(T0)  # Lucía paged

    async def join(at: datetime) -> None:
        async with db.session() as session:
            row = await signal_service.create(
                db_session=session,
                workspace_id=ws,
                signal_in={
                    "series": "all", "detector": "volume", "sensitivity": "medium", "window_start_at": at,
                    "detected_at": at, "window_minutes": 4, "observed": 200.0, "expected": 30.0, "lower": 0.0,
                    "upper": 45.0, "score": 1.0, "surprise": 9.0, "evidence": EVIDENCE,
                },
            )  # fmt: skip
            routed = await triage_flows.route_signal(db_session=session, workspace_id=ws, signal_id=row.id, now=at)
            await session.commit()
        assert routed.groups == [(group_id, False)]

    await join(T0 + timedelta(minutes=1))
    await join(T0 + timedelta(minutes=2))  # two signals, one update
    clock.now = T0 + timedelta(minutes=4)
    await run.step(clock.now)
    assert len(smtp.messages) == 1  # the group interval (5 min) has not passed
    clock.now = T0 + timedelta(minutes=5)
    await run.step(clock.now)
    subjects = [m["Subject"] for _r, m in smtp.messages]
    assert len(subjects) == 2 and "actualizada" in subjects[1].lower()  # Lucía reads Spanish
    lines = await entries(db, group_id)
    assert any(line.startswith("Update on the alert (3 signals, SEV2) sent to Lucía García (lucia)") for line in lines)
