"""The alerts API and the acknowledgement link page, with roles enforced."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx

from baliza.core.clock import utcnow
from baliza.core.config import Settings
from baliza.storage.db import Database
from tests.factories import T0, make_user
from tests.integration.test_escalation import Clock, ack_link, runner, setup_alert
from tests.receivers import Mailbox, Webhook

ALERTS = "/api/v1/workspaces/acme/alerts"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_list_detail_acknowledge_and_change_severity(
    db: Database, settings: Settings, tmp_path: Path, smtp: Mailbox, webhook: Webhook, anon_client: httpx.AsyncClient
) -> None:
    _ws, alert_id = await setup_alert(db, tmp_path, smtp, webhook)
    await runner(db, settings, Clock()).step(T0)
    _v, viewer = await make_user(db, username="val", role="viewer")
    _r, responder = await make_user(db, username="diego", role="responder", name="Diego Ramos")
    _l, lead = await make_user(db, username="ana", role="lead", name="Ana Torres")

    listed = await anon_client.get(ALERTS, headers=bearer(viewer))
    assert listed.status_code == 200
    (alert,) = listed.json()
    assert (alert["id"], alert["severity"], alert["status"]) == (alert_id, "sev2", "open")
    assert alert["title"] == "Mentions above normal (sentiment:negative)"
    spanish = await anon_client.get(ALERTS, headers={**bearer(viewer), "Accept-Language": "es"})
    assert spanish.json()[0]["reasons"][0]["factor"] == "anomaly"

    detail = (await anon_client.get(f"{ALERTS}/{alert_id}", headers=bearer(viewer))).json()
    assert detail["signals"][0]["evidence"]["ratio"] == 4.0
    assert [p["person_id"] for p in detail["pages"]] == ["lucia"]
    assert any(t["kind"] == "paged" for t in detail["timeline"])

    refused = await anon_client.post(f"{ALERTS}/{alert_id}/ack", headers=bearer(viewer))
    assert refused.status_code == 403
    ok = await anon_client.post(f"{ALERTS}/{alert_id}/ack", headers=bearer(responder))
    assert ok.json() == {
        "alert_id": alert_id,
        "status": "acknowledged",
        "acknowledged_by": "Diego Ramos",
        "changed": True,
    }
    again = await anon_client.post(f"{ALERTS}/{alert_id}/ack", headers=bearer(lead))
    assert again.json()["changed"] is False

    not_lead = await anon_client.post(
        f"{ALERTS}/{alert_id}/severity", json={"severity": "sev1", "reason": "prensa"}, headers=bearer(responder)
    )
    assert not_lead.status_code == 403
    changed = await anon_client.post(
        f"{ALERTS}/{alert_id}/severity",
        json={"severity": "sev1", "reason": "A TV channel is asking"},
        headers=bearer(lead),
    )
    body = changed.json()
    assert (body["severity"], body["proposed_severity"], body["severity_override_by"]) == ("sev1", "sev2", "Ana Torres")
    no_reason = await anon_client.post(
        f"{ALERTS}/{alert_id}/severity", json={"severity": "sev3", "reason": " "}, headers=bearer(lead)
    )
    assert no_reason.status_code == 422
    timeline = (await anon_client.get(f"{ALERTS}/{alert_id}", headers=bearer(viewer))).json()["timeline"]
    assert timeline[-1]["text"] == "Ana Torres changed the severity from SEV2 to SEV1: A TV channel is asking"


async def test_the_ack_link_shows_the_alert_then_acknowledges_once(
    db: Database, settings: Settings, tmp_path: Path, smtp: Mailbox, webhook: Webhook, anon_client: httpx.AsyncClient
) -> None:
    await setup_alert(db, tmp_path, smtp, webhook)
    # Links expire, so this escalation runs on the real clock (the signal itself is from T0).
    clock = Clock(utcnow())
    run = runner(db, settings, clock)
    await run.step(clock.now)
    clock.now += timedelta(minutes=10)
    await run.step(clock.now)
    token = ack_link(webhook.posts[0].payload["message"])

    look = await anon_client.get(f"/ack/{token}", headers={"Accept-Language": "es"})
    assert look.status_code == 200
    assert "Diego Ramos" in look.text and "confirmar" in look.text.lower()
    # Looking does not acknowledge (mail scanners open links on their own).
    assert (await anon_client.get(f"/ack/{token}")).status_code == 200
    done = await anon_client.post(f"/ack/{token}")
    assert done.status_code == 200
    assert "The escalation has stopped" in done.text
    reused = await anon_client.post("/api/v1/ack", json={"token": token})
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "ack_used"
    forged = await anon_client.get(f"/ack/{token[:-3]}abc")
    assert forged.status_code == 400
    assert "cannot be used" in forged.text
