"""Internal updates reach the people responsible, each in their own language, and go on the timeline."""

from __future__ import annotations

from pathlib import Path

import httpx

from baliza.storage.db import Database
from tests.factories import make_user
from tests.integration.test_escalation import setup_alert
from tests.receivers import Mailbox, Webhook

W = "/api/v1/workspaces/acme"


async def test_an_update_goes_to_each_person_in_their_language(
    db: Database, tmp_path: Path, smtp: Mailbox, webhook: Webhook, anon_client: httpx.AsyncClient
) -> None:
    _ws, alert_id = await setup_alert(db, tmp_path, smtp, webhook)
    _u, token = await make_user(db, username="ana", role="lead", name="Ana Torres")
    headers = {"Authorization": f"Bearer {token}"}
    created = await anon_client.post(
        f"{W}/incidents", json={"title": "Pedidos que no llegan", "severity": "sev2", "alert_ids": [alert_id]},
        headers=headers,
    )  # fmt: skip
    assert created.status_code == 201
    sent = await anon_client.post(
        f"{W}/incidents/1/updates",
        json={"text": "Operaciones confirma 3 ciudades afectadas. Próxima actualización a las 12:00.",
              "roles": ["community_manager"]},
        headers=headers,
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    assert sent.json()["delivered"] == ["lucia", "diego"]
    mail = smtp.for_("lucia@acme.example")
    assert "#1 Pedidos que no llegan" in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Operaciones confirma 3 ciudades" in body
    (post,) = webhook.posts
    assert post.path == "/diego" and "Operaciones confirma" in post.payload["message"]
    detail = (await anon_client.get(f"{W}/incidents/1", headers=headers)).json()
    texts = [e["text"] for e in detail["timeline"] if e["kind"] == "stakeholder_update"]
    assert texts == [
        "Update from Ana Torres sent to Lucía García through " + texts[0].split(" through ")[1],
        "Update from Ana Torres sent to Diego Ramos through " + texts[1].split(" through ")[1],
    ]
    assert "***" in texts[0] or "lucia@acme.example" in texts[0]  # the contact, with its password masked
    assert "smtp-S3cret-pw" not in texts[0]

    unknown = await anon_client.post(
        f"{W}/incidents/1/updates", json={"text": "x", "roles": ["press_office"]}, headers=headers
    )
    assert unknown.status_code == 422
    assert (
        unknown.json()["error"]["message"]
        == "Unknown role 'press_office'; the plan has: comms_lead, community_manager."
    )
