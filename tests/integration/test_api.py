"""The HTTP API, in-process through ASGI, on both databases."""

from __future__ import annotations

import httpx
import orjson

from baliza.detection import service as signal_service
from baliza.storage.db import Database
from tests.factories import T0, make_workspace, mention

API = "/api/v1/workspaces"


async def test_ingest_then_list_with_pagination(client: httpx.AsyncClient, db: Database) -> None:
    await make_workspace(db)
    response = await client.post(f"{API}/acme/mentions", json=[mention(i) for i in range(1, 8)])
    assert response.status_code == 200
    assert response.json()["stored"] == 7
    page1 = (await client.get(f"{API}/acme/mentions", params={"limit": 4})).json()
    assert [m["external_id"] for m in page1["items"]] == ["m7", "m6", "m5", "m4"]
    assert page1["items"][0]["author"]["handle"] == "@user1@mastodon.social"
    page2 = (await client.get(f"{API}/acme/mentions", params={"limit": 4, "cursor": page1["next_cursor"]})).json()
    assert [m["external_id"] for m in page2["items"]] == ["m3", "m2", "m1"]
    assert page2["next_cursor"] is None


async def test_object_body_and_filters(client: httpx.AsyncClient, db: Database) -> None:
    await make_workspace(db)
    items = [mention(1), mention(2, platform="bluesky", text="FreshBox mola", lang="en")]
    response = await client.post(f"{API}/acme/mentions", json={"mentions": items})
    assert response.json()["stored"] == 2
    only_bsky = (await client.get(f"{API}/acme/mentions", params={"platform": "bluesky"})).json()
    assert [m["external_id"] for m in only_bsky["items"]] == ["m2"]
    rules = (await client.get(f"{API}/acme/rules")).json()
    competitor = next(r for r in rules if r["kind"] == "competitor")
    by_rule = (await client.get(f"{API}/acme/mentions", params={"rule_id": competitor["id"]})).json()
    assert [m["external_id"] for m in by_rule["items"]] == ["m2"]
    search = (await client.get(f"{API}/acme/mentions", params={"q": "freshbox"})).json()
    assert [m["external_id"] for m in search["items"]] == ["m2"]


async def test_partial_batch_answers_207_with_row_errors(client: httpx.AsyncClient, db: Database) -> None:
    await make_workspace(db)
    response = await client.post(f"{API}/acme/mentions", json=[mention(1), mention(2, created_at="yesterday")])
    assert response.status_code == 207
    body = response.json()
    assert body["stored"] == 1 and body["rejected"] == 1
    assert body["errors"] == [
        {
            "line": None,
            "index": 1,
            "field": "created_at",
            "value": "yesterday",
            "code": "datetime_from_date_parsing",
            "message": "must be a date and time such as 2026-11-20T09:14:03+01:00",
        }
    ]


async def test_all_rows_bad_answers_422(client: httpx.AsyncClient, db: Database) -> None:
    await make_workspace(db)
    response = await client.post(f"{API}/acme/mentions", json=[{"text": "hola"}])
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"platform", "external_id", "created_at"}


async def test_malformed_json_invalid_utf8_and_wrong_shape(client: httpx.AsyncClient, db: Database) -> None:
    await make_workspace(db)
    url = f"{API}/acme/mentions"
    headers = {"content-type": "application/json"}
    bad_json = await client.post(url, content=b'[{"platform": "x",', headers=headers)
    assert bad_json.status_code == 422
    assert bad_json.json()["error"]["code"] == "invalid_json"
    bad_utf8 = await client.post(url, content=b'[{"text": "caf\xe9"}]', headers=headers)
    assert bad_utf8.json()["error"]["code"] == "invalid_utf8"
    assert bad_utf8.json()["error"]["details"]["offset"] == 14
    wrong = await client.post(url, json={"text": "hola"})
    assert wrong.json()["error"]["code"] == "not_a_list"


async def test_oversized_requests_answer_413(client: httpx.AsyncClient, db: Database) -> None:
    await make_workspace(db)
    url = f"{API}/acme/mentions"
    too_many = await client.post(url, json=[mention(i) for i in range(501)])
    assert too_many.status_code == 413
    assert too_many.json()["error"]["details"]["limit"] == 500
    body = orjson.dumps([mention(1, text="Acme " + "x" * 20_000_000)])
    too_big = await client.post(url, content=body, headers={"content-type": "application/json"})
    assert too_big.status_code == 413
    assert too_big.json()["error"]["code"] == "payload_too_large"
    listed = (await client.get(url)).json()
    assert listed["items"] == []


async def test_unknown_workspace_404_in_both_languages(client: httpx.AsyncClient, db: Database) -> None:
    en = await client.post(f"{API}/nope/mentions", json=[mention(1)])
    es = await client.post(f"{API}/nope/mentions", json=[mention(1)], headers={"accept-language": "es-ES,es;q=0.9"})
    assert en.status_code == es.status_code == 404
    assert en.json()["error"]["code"] == es.json()["error"]["code"] == "workspace_not_found"
    assert en.json()["error"]["message"].startswith("No workspace called 'nope'")
    assert es.json()["error"]["message"].startswith("No hay ningún espacio de trabajo llamado 'nope'")


async def test_create_workspace_and_rule_validation(client: httpx.AsyncClient, db: Database) -> None:
    created = await client.post(f"{API}", json={"slug": "beta", "name": "Beta", "timezone": "America/Bogota"})
    assert created.status_code == 201
    again = await client.post(f"{API}", json={"slug": "beta", "name": "Beta"})
    assert again.status_code == 409
    bad_tz = await client.post(f"{API}", json={"slug": "gamma", "name": "G", "timezone": "Mars/Olympus"})
    assert bad_tz.status_code == 422
    assert bad_tz.json()["error"]["details"]["errors"][0]["field"] == "body.timezone"
    bad_query = await client.post(f"{API}/beta/rules", json={"name": "q", "query": "(acme AND"})
    assert bad_query.status_code == 422
    ok = await client.post(f"{API}/beta/rules", json={"name": "q", "query": '"beta foods" AND (retraso OR delay)'})
    assert ok.status_code == 201
    listed = (await client.get(f"{API}/beta/rules")).json()
    assert [r["name"] for r in listed] == ["q"]


async def test_rollups_endpoint(client: httpx.AsyncClient, db: Database) -> None:
    await make_workspace(db)
    await client.post(f"{API}/acme/mentions", json=[mention(i) for i in range(1, 6)])
    series = (
        await client.get(
            f"{API}/acme/rollups",
            params={"series": ["all", "lang:es"], "since": "2026-11-20T11:00:00Z", "until": "2026-11-20T13:00:00Z"},
        )
    ).json()
    assert [s["series"] for s in series] == ["all", "lang:es"]
    assert [p["count"] for p in series[0]["points"]] == [2, 3]


async def test_pages_render_in_both_languages(client: httpx.AsyncClient, db: Database) -> None:
    empty = await client.get("/", headers={"accept-language": "es"})
    assert "Aún no hay espacios de trabajo" in empty.text
    await make_workspace(db)
    await client.post(f"{API}/acme/mentions", json=[mention(i) for i in range(1, 4)])
    en = await client.get("/w/acme?lang=en")
    assert en.status_code == 200
    assert "Latest mentions" in en.text and "Mi pedido #3 de Acme" in en.text
    assert en.cookies.get("baliza_lang") == "en"
    es = await client.get("/w/acme?lang=es")
    assert "Últimas menciones" in es.text and '<html lang="es"' in es.text
    await client.post(f"{API}/acme/mentions", json=[mention(9, author={"handle": "@big", "followers": 250000})])
    assert "250.000 seguidores" in (await client.get("/w/acme?lang=es")).text
    # the colours carry words too: sentiment and issue types in the reader's language
    assert 'class="sentiment sentiment-negative"' in es.text and ">negativo<" in es.text
    assert "entrega / logística" in es.text
    assert ">negative<" in en.text and "delivery / logistics" in en.text
    assert "250,000 followers" in (await client.get("/w/acme?lang=en")).text
    missing = await client.get("/w/nope", headers={"accept": "text/html", "accept-language": "es"})
    assert missing.status_code == 404 and "<h1>Error 404</h1>" in missing.text


async def test_openapi_document_lists_the_ingest_route(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/api/v1/openapi.json")).json()
    assert "post" in doc["paths"]["/api/v1/workspaces/{slug}/mentions"]
    assert "MentionIn" in doc["components"]["schemas"]


async def test_api_docs_are_served_without_a_cdn(client: httpx.AsyncClient) -> None:
    page = await client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "/static/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    script = await client.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 100_000


async def test_workspace_page_lists_alerts_in_both_languages(client: httpx.AsyncClient, db: Database) -> None:
    workspace = await make_workspace(db)
    empty = await client.get("/w/acme?lang=es")
    assert "Aún no hay alertas" in empty.text
    async with db.session() as session:
        await signal_service.create(
            db_session=session,
            workspace_id=workspace.id,
            signal_in={
                "series": "sentiment:negative", "detector": "volume", "sensitivity": "medium",
                "window_start_at": T0, "detected_at": T0, "window_minutes": 5, "observed": 60.0, "expected": 12.5,
                "lower": 2.0, "upper": 23.0, "score": 0.9, "surprise": 11.0,
                "evidence": {"top_terms": [{"term": "#acmenollega"}, {"term": "pedido"}]},
            },
        )  # fmt: skip
        await session.commit()
    es = await client.get("/w/acme?lang=es")
    en = await client.get("/w/acme?lang=en")
    assert "volumen por encima de lo normal" in es.text and "60 vistas, 12,5 esperadas" in es.text
    assert "volume above normal" in en.text and "60 seen, 12.5 expected" in en.text
    assert "#acmenollega, pedido" in en.text
