"""The post-crisis report of an incident built through the real flows, on SQLite and PostgreSQL.

The story: quiet days, then delivery complaints; a signal is routed to the community manager's chain;
Lucía (primary) is away, so Diego (backup) is paged at once (his first contact fails, his webhook
works) and acknowledges 13 minutes after the alert; the incident opens with the delivery playbook;
one reply goes out in time, one late, one complaint is marked handled; the holding statement is
late; a promotional post is held; positive mentions come back; the incident is resolved.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from sqlalchemy import select
from typer.testing import CliRunner

from baliza.cli.report import report_app
from baliza.core.clock import floor_minute, utcnow
from baliza.core.config import Settings
from baliza.detection import service as signal_service
from baliza.incidents import flows as incident_flows
from baliza.incidents import service as incident_service
from baliza.ingest.flows import ingest_items
from baliza.ingest.models import Mention
from baliza.plans import flows as plan_flows
from baliza.plans import service as plan_service
from baliza.publishing import flows as calendar_flows
from baliza.publishing import service as publishing_service
from baliza.publishing.runner import CalendarRunner
from baliza.reports import render
from baliza.reports.flows import gather_report
from baliza.reports.metrics import compute
from baliza.responses import flows as response_flows
from baliza.storage.db import Database
from baliza.triage import flows as triage_flows
from baliza.triage.escalation import EscalationRunner, acknowledge_with_token
from baliza.triage.models import AlertGroup
from tests.factories import make_workspace, mention
from tests.receivers import Mailbox, Webhook

PLAN = """
version: 1
workspace: acme
timezone: Europe/Madrid
people:
  lucia: {{name: Lucía García, roles: [community_manager], languages: [es], contacts: ["{lucia}"]}}
  diego: {{name: Diego Ramos, roles: [community_manager], languages: [en, es], contacts: ["{broken}", "{hook}"]}}
  ana: {{name: Ana Torres, roles: [comms_lead], languages: [es, en], contacts: ["{ana}"]}}
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
      - notify: {{role: comms_lead}}
        wait: 15m
playbooks:
  delivery_failure:
    title: {{es: "Fallo de entregas", en: "Delivery failure"}}
    tasks:
      - title: {{es: "Confirmar el alcance", en: "Confirm the scope"}}
        role: community_manager
        due_minutes: 10
"""
EVIDENCE: dict[str, Any] = {
    "observed": 120.0, "expected": 30.0, "ratio": 4.0,
    "top_posts": [{"platform": "mastodon", "followers": 250_000, "text": "Mi pedido no llega #AcmeNoLlega",
                   "issue_types": ["delivery"], "author_types": ["influencer"]}],
    "top_terms": [{"term": "#acmenollega", "count": 40}],
}  # fmt: skip
COMPLAINT = "Mi pedido #{n} de Acme no llegó 😡 #AcmeNoLlega"
PRAISE = "Me encanta Acme, todo perfecto 😍"
HOLDING_ES = (
    "Desde las 10:00 tenemos un fallo en nuestro sistema de reparto y muchos pedidos llegan tarde. "
    "Lo sentimos de verdad. Estamos trabajando para entregarlos cuanto antes y os contaremos novedades "
    "aquí a las 12:00. Si tu pedido está afectado, escríbenos por mensaje privado."
)
HEADINGS_ES = (
    "# Informe poscrisis: incidente n.º 1", "## Resumen", "## Evaluación", "### Qué salió bien",
    "### Qué cambiar en el plan", "## Tiempos de respuesta", "## Cómo evolucionó la conversación",
    "## Mesa de respuesta", "## Detección y escalada", "## Tareas del playbook", "## Cronología",
)  # fmt: skip
REPLY_ES = "Hola, lo sentimos mucho. Te escribimos por privado ahora mismo para solucionarlo."


async def no_sleep(_seconds: float) -> None:
    return None


def item(n: int, at: datetime, text: str, handle: str, followers: int) -> dict[str, Any]:
    return mention(n, created_at=at.isoformat(), text=text, author={"handle": handle, "followers": followers})


async def crisis(db: Database, settings: Settings, tmp_path: Path, smtp: Mailbox, webhook: Webhook) -> datetime:
    """Play the story; returns S, the minute of the first signal (3 hours ago, so the report is in the past)."""
    s = floor_minute(utcnow()) - timedelta(hours=3)

    def at(minutes: float) -> datetime:
        return s + timedelta(minutes=minutes)

    workspace = await make_workspace(db)
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(
        PLAN.format(lucia=smtp.url("lucia@acme.example"), ana=smtp.url("ana@acme.example"),
                    broken="json://127.0.0.1:9/nobody-listens", hook=webhook.url("/diego")),
        encoding="utf-8",
    )  # fmt: skip
    await plan_flows.load_plan_file(db, slug="acme", path=plan_file)

    # Two quiet days before: 8 mentions, 2 of them complaints (a 25 % negative baseline).
    quiet = [item(100 + i, at(-2880 + 300 * i), PRAISE, f"@base{i}", 20) for i in range(6)]
    quiet += [item(110 + i, at(-2000 + 60 * i), COMPLAINT.format(n=110 + i), f"@base{10 + i}", 20) for i in range(2)]
    # The crisis: 6 complaints in the first 8 minutes (3 of them in minute 5), then praise and calm.
    minutes = {1: 1, 2: 2, 3: 5, 4: 5, 5: 5, 6: 8}
    loud = [
        item(n, at(minutes[n]), COMPLAINT.format(n=n), f"@cliente{n}", 250_000 if n == 3 else 100 * n)
        for n in range(1, 7)
    ]
    calm = [item(20 + i, at(70 + 5 * i), PRAISE, f"@fan{i}", 10) for i in range(3)]
    calm.append(item(30, at(85), "Hoy he comprado en Acme", "@vecino", 5))
    report = await ingest_items(db, slug="acme", items=[*quiet, *loud, *calm], settings=settings)
    assert report.stored == 18, report

    async with db.session() as session:
        signal = await signal_service.create(
            db_session=session, workspace_id=workspace.id,
            signal_in={"series": "sentiment:negative", "detector": "volume", "sensitivity": "medium",
                       "window_start_at": at(-3), "detected_at": at(0), "window_minutes": 4, "observed": 120.0,
                       "expected": 30.0, "lower": 0.0, "upper": 45.0, "score": 0.99, "surprise": 9.0,
                       "evidence": EVIDENCE},
        )  # fmt: skip
        await plan_service.set_unavailable(
            db_session=session, workspace_id=workspace.id, person_id="lucia", since=at(-60), until=None,
            reason="de vacaciones", set_by="test",
        )  # fmt: skip
        routed = await triage_flows.route_signal(
            db_session=session, workspace_id=workspace.id, signal_id=signal.id, now=at(2)
        )
        group = await session.get(AlertGroup, routed.groups[0][0])
        assert group is not None
        group.created_at = at(2)  # the row's creation stamp comes from the wall clock; the story's clock says 2
        await session.commit()

    fast = settings.model_copy(update={"notify_attempts": 2, "notify_backoff_seconds": 0.0})
    runner = EscalationRunner(db, fast, clock=lambda: at(2), sleep=no_sleep)
    assert await runner.step(at(2)) == 1  # Lucía skipped, Diego paged at once
    token = re.search(r"/ack/([A-Za-z0-9._~-]+)", webhook.posts[0].payload["message"])
    assert token is not None
    await acknowledge_with_token(db, fast, token.group(1), now=at(15))

    async with db.session() as session:
        plan = await plan_flows.current_plan(db_session=session, workspace_id=workspace.id)
        group = await session.get(AlertGroup, routed.groups[0][0])
        assert group is not None
        incident = await incident_flows.declare_incident(
            db_session=session, workspace_id=workspace.id, title="Pedidos que no llegan", severity="sev2",
            actor="Diego Ramos", plan=plan, groups=[group], now=at(16),
        )  # fmt: skip
        await incident_flows.change_status(
            db_session=session, incident=incident, to="active", actor="Diego Ramos", now=at(16)
        )
        await incident_flows.add_note(
            db_session=session, incident=incident, text="Operaciones <b>confirma</b> 3 ciudades", actor="Ana Torres",
            now=at(18),
        )  # fmt: skip
        ids = {m.text: m.id for m in (await session.execute(select(Mention).where(Mention.text.like("%#%")))).scalars()}

        async def answer(n: int, minute: float) -> None:
            draft = await response_flows.create_draft(
                db_session=session, workspace_id=workspace.id, plan=plan, text=REPLY_ES, lang="es",
                mention_id=ids[COMPLAINT.format(n=n)], incident_id=incident.id, actor="Diego Ramos",
            )  # fmt: skip
            await response_flows.publish(
                db_session=session, response=draft, publish_fn=publishing_service.dry_run_response,
                actor="Diego Ramos", now=at(minute),
            )  # fmt: skip

        await answer(1, 20)  # 19 minutes after it was written: within the 30-minute SLA
        await answer(2, 45)  # 43 minutes: late
        await response_flows.mark_handled(
            db_session=session, workspace_id=workspace.id, mention_id=ids[COMPLAINT.format(n=3)], actor="Diego Ramos",
            now=at(25),
        )  # fmt: skip
        holding = await response_flows.create_draft(
            db_session=session, workspace_id=workspace.id, plan=plan, text=HOLDING_ES, lang="es",
            kind="holding_statement", incident_id=incident.id, channel="mastodon", actor="Diego Ramos",
        )  # fmt: skip
        await response_flows.publish(
            db_session=session, response=holding, publish_fn=publishing_service.dry_run_response, actor="Ana Torres",
            now=at(40),
        )  # fmt: skip
        (task,) = await incident_service.tasks(db_session=session, incident_id=incident.id)
        await incident_flows.update_task(
            db_session=session, incident=incident, task_id=task.id, actor="Diego Ramos", status="done", now=at(30)
        )  # due at minute 26: late
        await calendar_flows.schedule(
            db_session=session, workspace_id=workspace.id, channel="instagram", text="¡2x1 en cestas!",
            scheduled_at=at(45), is_promotional=True, lang="es", actor="Ana Torres",
        )  # fmt: skip
        await session.commit()
    assert (await CalendarRunner(db, settings).step(at(50)))["held"] != []

    async with db.session() as session:
        incident = await incident_service.get_by_number(db_session=session, workspace_id=workspace.id, number=1)
        await incident_flows.change_status(
            db_session=session, incident=incident, to="resolved", actor="Ana Torres", now=at(120)
        )
        await session.commit()
    return s


async def test_the_report_reads_every_stage_of_the_incident(
    db: Database, settings: Settings, tmp_path: Path, smtp: Mailbox, webhook: Webhook
) -> None:
    s = await crisis(db, settings, tmp_path, smtp, webhook)
    data = await gather_report(db, slug="acme", number=1)
    m = compute(data)

    assert (data.window_start, data.window_end, data.sla_minutes) == (s, s + timedelta(minutes=120), 30)
    assert m.time_to_detect == timedelta(minutes=2)
    assert m.time_to_acknowledge == timedelta(minutes=13)
    assert m.time_to_first_response == timedelta(minutes=18)
    assert m.time_to_holding_statement == timedelta(minutes=38)
    assert m.time_to_resolution == timedelta(minutes=120)
    # 6 complaints want an answer, one was marked handled: 2 of 5 answered, 1 of them within 30 minutes
    assert (m.mentions, m.wanted_answer, m.answered, m.answered_in_sla) == (10, 5, 2, 1)
    assert (m.response_rate, m.sla_compliance) == (0.4, 0.2)
    assert (m.peak_per_minute, m.peak_at) == (3, s + timedelta(minutes=5))
    assert (m.negative_share, m.baseline_negative_share) == (0.6, 0.25)
    assert (m.last_hour_negative_share, m.recovered) == (0.0, True)
    # the first 15-minute window with mentions after the complaints ends at minute 70 (praise only): 0 % negative
    assert m.time_to_recover == timedelta(minutes=65)
    assert (m.authors, m.total_reach, m.max_reach, m.max_reach_author) == (10, 251_835, 250_000, "@cliente3")
    assert (m.pages, m.pages_failed, m.backup_pages, m.away_skips) == (1, 0, 1, 1)
    assert data.pages[0].failed_channels == ("json", "json")
    assert (data.skips[0].person_name, data.skips[0].role, data.skips[0].is_primary) == (
        "Lucía García", "community_manager", True
    )  # fmt: skip
    assert (m.tasks, m.tasks_done, m.tasks_late, m.held_posts, m.posts_still_held) == (1, 1, 1, 1, 1)
    assert [(sig.series, sig.observed) for sig in data.signals] == [("sentiment:negative", 120.0)]

    html = render.to_html(data, m, "en")
    assert '<html lang="en">' in html and "<svg" in html
    for line in (
        "Incident #1 declared (SEV2) by Diego Ramos: Pedidos que no llegan",
        "Step 1: Lucía García (lucia) skipped: marked unavailable (de vacaciones)",
        "Diego Ramos acknowledged the alert with the link in their notification; the escalation stops.",
        "Ana Torres: Operaciones &lt;b&gt;confirma&lt;/b&gt; 3 ciudades",
        "Acknowledgement took 13 min; check the first step&#39;s wait and backups.",
        "Lucía García, the primary community_manager, was away (marked unavailable (de vacaciones)); check the rota.",
        "The json contact of Diego Ramos failed (failed attempts: 2); fix it or remove it from the plan.",
        "The holding statement went out after 38 min, later than the 30-minute SLA;",
    ):
        assert line in html, line

    md = render.to_markdown(data, m, "es")
    for heading in HEADINGS_ES:
        assert f"\n{heading}\n" in f"\n{md}", heading
    assert "| Tasa de respuesta | 40\xa0% |" in md
    assert "Incidente n.º 1 declarado (SEV2) por Diego Ramos: Pedidos que no llegan" in md


def cli_app() -> typer.Typer:
    """The report command registered the way the main app registers it."""
    app = typer.Typer()
    app.add_typer(report_app, name="report")

    @app.command("version")
    def _version() -> None:  # a second command, so the app is a group as the real one is
        """Unused."""

    return app


async def test_the_cli_writes_the_report_and_says_what_is_wrong(
    db: Database, db_url: str, settings: Settings, tmp_path: Path, smtp: Mailbox, webhook: Webhook
) -> None:
    await crisis(db, settings, tmp_path, smtp, webhook)
    runner = CliRunner()
    app = cli_app()
    out = tmp_path / "out" / "report.html"

    def call(*args: str) -> Any:
        return runner.invoke(app, ["report", *args, "--database-url", db_url], env={"BALIZA_LANG": "en"})

    done = await asyncio.to_thread(call, "--workspace", "acme", "--incident", "1", "--format", "html",
                                   "--output", str(out), "--lang", "es")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert f"Report written to {out}." in done.output
    page = out.read_text(encoding="utf-8")
    assert '<html lang="es">' in page and "Informe poscrisis: incidente n.º 1" in page and "<svg" in page

    md = await asyncio.to_thread(call, "-w", "acme", "-i", "1", "-f", "md", "--lang", "en")
    assert md.exit_code == 0, md.output
    assert "# Post-crisis report: incident #1" in md.stdout and "## What to change in the plan" in md.stdout

    for args, message in (
        (("-w", "nope", "-i", "1"), "No workspace called 'nope'."),
        (("-w", "acme", "-i", "9"), "No incident #9 in this workspace."),
        (("-w", "acme", "-i", "1", "-f", "docx"), "Unknown report format 'docx'; use html, md, pdf."),
        (("-w", "acme", "-i", "1", "--lang", "fr"), "Unknown report language 'fr'; use es, en."),
        (("-w", "acme", "-i", "1", "-f", "pdf", "-o", str(tmp_path / "r.pdf")), "PDF reports need WeasyPrint"),
    ):
        failed = await asyncio.to_thread(call, *args)
        assert failed.exit_code == 1, (args, failed.output)
        assert message in failed.output, (args, failed.output)
        assert "Traceback" not in failed.output
