"""Corrections through the API: the label changes, the per-minute series follow, the classifier learns, and the
accuracy report compares machine labels with people's."""

from __future__ import annotations

import httpx

from baliza.analysis.feedback import load_model
from baliza.analysis.models import WorkspaceClassifier
from baliza.storage.db import Database
from tests.factories import T0, make_workspace, mention

W = "/api/v1/workspaces/acme"


async def test_correcting_a_label_moves_the_mention_and_teaches_the_workspace(
    db: Database, client: httpx.AsyncClient
) -> None:
    workspace = await make_workspace(db)
    # "ñapa" is this brand's slang for a botched order: the fast path does not know it.
    texts = [f"Otra ñapa de Acme con el pedido {i}" for i in range(1, 5)] + ["Gracias Acme, todo perfecto"]
    response = await client.post(f"{W}/mentions", json=[mention(i + 1, text=t) for i, t in enumerate(texts)])
    assert response.json()["stored"] == 5
    listed = {m["text"]: m for m in (await client.get(f"{W}/mentions")).json()["items"]}
    first = listed[texts[0]]
    before = first["sentiment"]
    assert before != "negative"

    async def counts() -> dict[str, int]:
        names = ["sentiment:negative", f"sentiment:{before}", "issue:delivery"]
        series = (
            await client.get(
                f"{W}/rollups",
                params={"series": names, "since": T0.isoformat(), "until": "2026-11-21T00:00:00+00:00"},
            )
        ).json()
        minute = first["created_at"][:16]
        return {s["series"]: sum(p["count"] for p in s["points"] if p["minute_at"][:16] == minute) for s in series}

    start = await counts()
    fixed = await client.post(
        f"{W}/mentions/{first['id']}/corrections", json={"field": "sentiment", "value": "negative"}
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["sentiment"] == "negative"
    assert fixed.json()["analysis"]["base"]["sentiment"] == before
    same = await client.post(
        f"{W}/mentions/{first['id']}/corrections", json={"field": "sentiment", "value": "negative"}
    )
    assert same.status_code == 422 and same.json()["error"]["code"] == "correction_unchanged"
    bad = await client.post(f"{W}/mentions/{first['id']}/corrections", json={"field": "sentiment", "value": "angry"})
    assert bad.status_code == 422
    assert "unknown sentiment 'angry'" in bad.json()["error"]["message"]

    issues = await client.post(
        f"{W}/mentions/{first['id']}/corrections", json={"field": "issue_types", "value": ["complaint", "delivery"]}
    )
    assert issues.json()["issue_types"] == ["complaint", "delivery"]

    end = await counts()
    assert end["sentiment:negative"] == start["sentiment:negative"] + 1
    assert end[f"sentiment:{before}"] == start[f"sentiment:{before}"] - 1
    assert end["issue:delivery"] == start["issue:delivery"] + 1

    async with db.session() as session:
        row = await session.get(WorkspaceClassifier, workspace.id)
        assert row is not None and row.corrections == 2
        model = await load_model(db_session=session, workspace_id=workspace.id)
        override = model.predict(texts[0], "es", {"sentiment": before, "issue_types": []})
        assert override is not None and override.sentiment is not None
        assert (override.sentiment.value, override.sentiment.source) == ("negative", "memory")

    report = (await client.get(f"{W}/analysis/accuracy")).json()
    assert report["corrections"] == 2
    assert report["fields"]["sentiment"]["examples"] == 1
    assert report["fields"]["sentiment"]["base"]["accuracy"] == 0.0
