"""The incident room, the response desk and the content calendar through the API, end to end."""

from __future__ import annotations

from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from baliza.core.clock import utcnow
from baliza.core.config import Settings
from baliza.incidents.models import AuditEntry
from baliza.plans import flows as plan_flows
from baliza.publishing.runner import CalendarRunner
from baliza.storage.db import Database
from tests.factories import make_user, make_workspace, mention

W = "/api/v1/workspaces/acme"
HOLDING_ES = (
    "Desde las 10:00 tenemos un fallo en nuestro sistema de reparto y muchos pedidos llegan tarde. "
    "Lo sentimos de verdad. Estamos trabajando para entregarlos cuanto antes y os contaremos novedades "
    "aquí a las 12:00. Si tu pedido está afectado, escríbenos por mensaje privado."
)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def setup(db: Database) -> dict[str, str]:
    await make_workspace(db)
    example = resources.files("baliza") / "examples" / "acme" / "plan.yaml"
    await plan_flows.load_plan_file(db, slug="acme", path=Path(str(example)))
    tokens = {}
    for username, role, plan_roles, name in (
        ("val", "viewer", [], "Val Viewer"),
        ("diego", "responder", ["community_manager"], "Diego Ramos"),
        ("ana", "lead", ["comms_lead"], "Ana Torres"),
        ("javier", "responder", ["legal"], "Javier Ortega"),
    ):
        _user, tokens[username] = await make_user(db, username=username, role=role, plan_roles=plan_roles, name=name)
    return tokens


async def ingest_complaints(client: httpx.AsyncClient, token: str, n: int = 6) -> None:
    now = utcnow()
    body = [
        mention(i, created_at=(now - timedelta(minutes=30 - i)).isoformat(),
                author={"handle": f"@cliente{i}", "followers": 100 * i if i != 3 else 250_000})
        for i in range(1, n + 1)
    ]  # fmt: skip
    response = await client.post(f"{W}/mentions", json=body, headers=bearer(token))
    assert response.status_code == 200, response.text


async def test_the_whole_lifecycle(db: Database, anon_client: httpx.AsyncClient) -> None:
    t = await setup(db)
    client = anon_client
    await ingest_complaints(client, t["diego"])

    # Declared by hand from the desk, with the delivery playbook.
    created = await client.post(
        f"{W}/incidents",
        json={"title": "Pedidos que no llegan", "severity": "sev2", "playbook": "delivery_failure"},
        headers=bearer(t["diego"]),
    )
    assert created.status_code == 201, created.text
    incident = created.json()
    assert (incident["number"], incident["status"], incident["freeze"]) == (1, "detected", "promotional")
    assert len(incident["tasks"]) == 9
    assert incident["tasks"][0]["title"]["es"].startswith("Congelar")  # the soonest due comes first
    viewer_try = await client.post(f"{W}/incidents", json={"title": "x", "severity": "sev3"}, headers=bearer(t["val"]))
    assert viewer_try.status_code == 403

    number = incident["number"]
    for status in ("acknowledged", "active"):
        moved = await client.post(f"{W}/incidents/{number}/status", json={"status": status}, headers=bearer(t["diego"]))
        assert moved.json()["status"] == status
    wrong = await client.post(f"{W}/incidents/{number}/status", json={"status": "reviewed"}, headers=bearer(t["diego"]))
    assert wrong.status_code == 409
    assert wrong.json()["error"]["message"] == "Incident #1 is active; it can go to monitoring, resolved, not reviewed."

    roles = await client.post(
        f"{W}/incidents/{number}/roles", json={"role": "lead", "person": "Ana Torres"}, headers=bearer(t["ana"])
    )
    assert {r["role"]: r["person"] for r in roles.json()["roles"]}["lead"] == "Ana Torres"
    task_id = incident["tasks"][0]["id"]
    done = await client.patch(
        f"{W}/incidents/{number}/tasks/{task_id}", json={"status": "done"}, headers=bearer(t["diego"])
    )
    assert (done.json()["status"], done.json()["done_by"]) == ("done", "Diego Ramos")
    await client.post(f"{W}/incidents/{number}/notes", json={"text": "Operaciones confirma 3 ciudades"},
                      headers=bearer(t["diego"]))  # fmt: skip

    # A holding statement needs comms and legal (SEV2); the tone check runs on every draft.
    draft = await client.post(
        f"{W}/responses",
        json={"text": HOLDING_ES, "lang": "es", "kind": "holding_statement", "incident_id": incident["id"],
              "channel": "x"},
        headers=bearer(t["diego"]),
    )  # fmt: skip
    statement = draft.json()
    assert statement["tone"]["ok"] is True, statement["tone"]
    assert statement["required_roles"] == ["comms_lead", "legal"]
    rid = statement["id"]
    early = await client.post(f"{W}/responses/{rid}/publish", headers=bearer(t["ana"]))
    assert early.status_code == 409
    submitted = await client.post(f"{W}/responses/{rid}/submit", headers=bearer(t["diego"]))
    assert submitted.json()["status"] == "pending_approval"
    viewer = await client.post(f"{W}/responses/{rid}/approve", json={"role": "comms_lead"}, headers=bearer(t["val"]))
    assert viewer.status_code == 403
    not_comms = await client.post(
        f"{W}/responses/{rid}/approve", json={"role": "comms_lead"}, headers=bearer(t["diego"])
    )
    assert not_comms.json()["error"]["code"] == "approval_role_missing"
    half = await client.post(f"{W}/responses/{rid}/approve", json={"role": "comms_lead"}, headers=bearer(t["ana"]))
    assert half.json()["status"] == "pending_approval"
    full = await client.post(f"{W}/responses/{rid}/approve", json={"role": "legal"}, headers=bearer(t["javier"]))
    assert full.json()["status"] == "approved"
    published = (await client.post(f"{W}/responses/{rid}/publish", headers=bearer(t["ana"]))).json()
    assert published["status"] == "published" and published["publication"]["dry_run"] is True

    # Promotion during a crisis is blocked before anyone can approve it.
    promo = await client.post(
        f"{W}/responses",
        json={"text": "¡Aprovecha! 20% de descuento con el código ACME20 en tu próximo pedido",
              "lang": "es", "kind": "statement", "incident_id": incident["id"]},
        headers=bearer(t["diego"]),
    )  # fmt: skip
    assert "promotional_in_crisis" in [f["code"] for f in promo.json()["tone"]["flags"]]
    blocked = await client.post(f"{W}/responses/{promo.json()['id']}/submit", headers=bearer(t["diego"]))
    assert blocked.status_code == 422 and blocked.json()["error"]["code"] == "tone_blocked"

    # Deleting the published statement is refused, and audited.
    refused = await client.delete(f"{W}/responses/{rid}/publication", headers=bearer(t["ana"]))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "delete_refused"
    async with db.session() as session:
        audit = (await session.execute(select(AuditEntry))).scalars().one()
        assert (audit.action, audit.outcome, audit.actor) == ("delete_post", "refused", "Ana Torres")

    # The inbox: most urgent first (the 250k account), answered ones leave it.
    inbox = (await client.get(f"{W}/inbox", headers=bearer(t["val"]))).json()
    assert len(inbox) == 6
    assert inbox[0]["author"] == "@cliente3"
    assert all(item["due_at"] for item in inbox)
    mention_id = inbox[0]["mention_id"]
    # Without an assistant configured, Baliza's own summary and templates answer, and say so.
    summary = (await client.get(f"{W}/incidents/{number}/summary", headers=bearer(t["val"]))).json()
    assert summary["source"] == "extractive" and summary["headline"] and summary["bullets"]
    drafts = (await client.get(f"{W}/inbox/{mention_id}/drafts", headers=bearer(t["val"]))).json()
    assert drafts["source"] == "template" and drafts["drafts"]
    assert all(d["tone"]["ok"] for d in drafts["drafts"])
    reply = await client.post(
        f"{W}/responses",
        json={"text": "Hola, lo sentimos mucho. Te escribimos por privado ahora mismo para solucionarlo.",
              "lang": "es", "mention_id": mention_id, "incident_id": incident["id"]},
        headers=bearer(t["diego"]),
    )  # fmt: skip
    assert reply.json()["required_roles"] == []
    sent = await client.post(f"{W}/responses/{reply.json()['id']}/publish", headers=bearer(t["diego"]))
    assert sent.json()["status"] == "published"
    await client.post(f"{W}/inbox/{inbox[1]['mention_id']}/handled", headers=bearer(t["diego"]))
    left = (await client.get(f"{W}/inbox", headers=bearer(t["val"]))).json()
    assert len(left) == 4 and mention_id not in [i["mention_id"] for i in left]

    for status in ("monitoring", "resolved", "reviewed"):
        moved = await client.post(f"{W}/incidents/{number}/status", json={"status": status}, headers=bearer(t["ana"]))
        assert moved.json()["status"] == status
    final = (await client.get(f"{W}/incidents/{number}", headers=bearer(t["val"]))).json()
    kinds = [e["kind"] for e in final["timeline"]]
    for kind in ("incident_declared", "playbook_applied", "status_changed", "role_assigned", "task_updated", "note",
                 "response_drafted", "response_approved", "response_published", "delete_refused"):  # fmt: skip
        assert kind in kinds, kind
    assert final["freeze"] is None  # a resolved incident freezes nothing


async def test_posts_due_during_a_freeze_are_held_and_go_out_after_review(
    db: Database, settings: Settings, anon_client: httpx.AsyncClient
) -> None:
    t = await setup(db)
    client = anon_client
    now = utcnow()

    async def post(text: str, minutes: int, promotional: bool) -> dict[str, Any]:
        body = {"channel": "instagram", "text": text, "scheduled_at": (now + timedelta(minutes=minutes)).isoformat(),
                "is_promotional": promotional, "lang": "es"}  # fmt: skip
        response = await client.post(f"{W}/calendar", json=body, headers=bearer(t["diego"]))
        assert response.status_code == 201
        return dict(response.json())

    promo = await post("¡Black Friday! 2x1 en cestas", 10, True)
    info = await post("Horario de atención del puente", 10, False)
    created = await client.post(
        f"{W}/incidents", json={"title": "Pedidos que no llegan", "severity": "sev2"}, headers=bearer(t["diego"])
    )
    assert created.status_code == 201

    runner = CalendarRunner(db, settings)
    outcome = await runner.step(now + timedelta(minutes=11))
    assert outcome == {"published": [info["id"]], "held": [promo["id"]], "failed": []}
    calendar = (await client.get(f"{W}/calendar", headers=bearer(t["val"]))).json()
    assert calendar["freeze"] == {"incident": 1, "title": "Pedidos que no llegan", "scope": "promotional"}
    held = next(p for p in calendar["posts"] if p["id"] == promo["id"])
    assert (held["status"], held["published_at"]) == ("held", None)
    # Still held on the next rounds: a freeze never drops a post, and never lets it out by itself.
    assert (await runner.step(now + timedelta(minutes=30)))["published"] == []
    # Each round also keeps the incident's numbers on its timeline, at most every 15 minutes.
    await runner.step(now + timedelta(minutes=35))
    room = (await client.get(f"{W}/incidents/1", headers=bearer(t["val"]))).json()
    snapshots = [e for e in room["timeline"] if e["kind"] == "metric_snapshot"]
    assert len(snapshots) == 2
    assert snapshots[0]["text"].startswith("Last ") and "mentions" in snapshots[0]["text"]
    # The example plan asks for a stakeholder update every 60 minutes at SEV2: the timeline says when one is due.
    await runner.step(now + timedelta(minutes=65))
    room = (await client.get(f"{W}/incidents/1", headers=bearer(t["val"]))).json()
    due = [e["text"] for e in room["timeline"] if e["kind"] == "stakeholder_update_due"]
    assert due == ["A stakeholder update is due: the plan asks for one every 60 min at SEV2."]

    not_lead = await client.post(f"{W}/calendar/{promo['id']}/release", json={}, headers=bearer(t["diego"]))
    assert not_lead.status_code == 403
    released = await client.post(
        f"{W}/calendar/{promo['id']}/release", json={"note": "Revisado: se publica el lunes con otro tono"},
        headers=bearer(t["ana"]),
    )  # fmt: skip
    body = released.json()
    assert (body["status"], body["reviewed_by"]) == ("published", "Ana Torres")
    assert body["publication"]["dry_run"] is True
    again = await client.post(f"{W}/calendar/{promo['id']}/release", json={}, headers=bearer(t["ana"]))
    assert again.status_code == 409


async def test_with_the_tone_check_policy_off_flags_advise_but_do_not_block(
    db: Database, anon_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await make_workspace(db)
    example = Path(str(resources.files("baliza") / "examples" / "acme" / "plan.yaml"))
    relaxed = tmp_path / "plan.yaml"
    relaxed.write_text(example.read_text(encoding="utf-8").replace("tone_check: true", "tone_check: false"))
    await plan_flows.load_plan_file(db, slug="acme", path=relaxed)
    _u, token = await make_user(db, username="diego", role="responder", name="Diego Ramos")
    headers = bearer(token)
    await anon_client.post(f"{W}/incidents", json={"title": "Pedidos", "severity": "sev3"}, headers=headers)
    promo = await anon_client.post(
        f"{W}/responses",
        json={"text": "¡Aprovecha! 20% de descuento con el código ACME20", "lang": "es", "incident_id": 1},
        headers=headers,
    )
    body = promo.json()
    assert body["tone"]["enforced"] is False and body["tone"]["flags"]  # still shown, with their reasons
    submitted = await anon_client.post(f"{W}/responses/{body['id']}/submit", headers=headers)
    assert submitted.status_code == 200 and submitted.json()["status"] == "approved"
