"""Accounts: login with rate limiting, sessions with CSRF, roles per workspace on pages and API, tokens."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from baliza.storage.db import Database
from tests.conftest import CliRunner
from tests.factories import TEST_PASSWORD, make_user, make_workspace, mention

MENTIONS = "/api/v1/workspaces/acme/mentions"


async def login(client: httpx.AsyncClient, username: str, password: str = TEST_PASSWORD) -> httpx.Response:
    return await client.post("/login", data={"username": username, "password": password, "next": "/w/acme"})


async def csrf_of(client: httpx.AsyncClient) -> str:
    page = await client.get("/w/acme")
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert found, "the page carries the CSRF token for scripts"
    return found.group(1)


async def test_nobody_logged_in_gets_401_from_the_api_and_the_login_page_from_pages(
    db: Database, anon_client: httpx.AsyncClient
) -> None:
    await make_workspace(db)
    api = await anon_client.get(MENTIONS)
    assert api.status_code == 401
    assert api.json()["error"]["code"] == "not_authenticated"
    assert api.headers["WWW-Authenticate"].startswith("Bearer")
    page = await anon_client.get("/w/acme")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fw%2Facme"
    form = await anon_client.get("/login?next=/w/acme", headers={"Accept-Language": "es"})
    assert 'name="username"' in form.text and "Entrar" in form.text


async def test_login_then_pages_then_logout(db: Database, anon_client: httpx.AsyncClient) -> None:
    await make_workspace(db)
    await make_user(db, username="diego", role="responder", name="Diego Ramos")
    wrong = await login(anon_client, "diego", "not the password")
    assert wrong.status_code == 401
    assert "Wrong username or password." in wrong.text
    ok = await login(anon_client, "DIEGO")  # usernames are case-insensitive
    assert ok.status_code == 303 and ok.headers["location"] == "/w/acme"
    cookie = ok.headers["set-cookie"]
    assert "baliza_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    page = await anon_client.get("/w/acme")
    assert page.status_code == 200 and "Diego Ramos" in page.text
    token = await csrf_of(anon_client)
    out = await anon_client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303
    assert (await anon_client.get("/w/acme")).status_code == 303


async def test_login_never_redirects_to_another_site(db: Database, anon_client: httpx.AsyncClient) -> None:
    await make_user(db, username="ana")
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = await anon_client.post("/login", data={"username": "ana", "password": TEST_PASSWORD, "next": target})
        assert response.headers["location"] == "/"


async def test_writes_from_a_browser_session_need_the_csrf_token(db: Database, anon_client: httpx.AsyncClient) -> None:
    await make_workspace(db)
    await make_user(db, username="diego", role="responder")
    await login(anon_client, "diego")
    body = [mention(1)]
    refused = await anon_client.post(MENTIONS, json=body)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    token = await csrf_of(anon_client)
    accepted = await anon_client.post(MENTIONS, json=body, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 200
    assert accepted.json()["stored"] == 1


async def test_logins_are_rate_limited(db: Database, anon_client: httpx.AsyncClient) -> None:
    await make_user(db, username="ana")
    for _ in range(5):
        assert (await login(anon_client, "ana", "guess")).status_code == 401
    blocked = await login(anon_client, "ana")  # even the right password waits now
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "900"
    assert "Too many failed logins" in blocked.text


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [("viewer", 200, 403), ("responder", 200, 200), ("lead", 200, 200), ("admin", 200, 200), (None, 403, 403)],
)
async def test_roles_are_enforced_on_the_api(
    db: Database, anon_client: httpx.AsyncClient, role: str | None, read: int, write: int
) -> None:
    await make_workspace(db)
    await make_workspace(db, slug="other", name="Other")
    _user, token = await make_user(db, username="someone", role=role)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await anon_client.get(MENTIONS, headers=headers)).status_code == read
    response = await anon_client.post(MENTIONS, json=[mention(1)], headers=headers)
    assert response.status_code == write
    if write == 403:
        assert response.json()["error"]["code"] == "permission_denied"
    listed = await anon_client.get("/api/v1/workspaces", headers=headers)
    assert [w["slug"] for w in listed.json()] == ([] if role is None else ["acme"])
    # Only installation administrators create workspaces.
    created = await anon_client.post("/api/v1/workspaces", json={"slug": "new", "name": "New"}, headers=headers)
    assert created.status_code == 403


async def test_a_viewer_is_told_which_role_is_needed(db: Database, anon_client: httpx.AsyncClient) -> None:
    await make_workspace(db)
    _user, token = await make_user(db, username="val", role="viewer")
    response = await anon_client.post(MENTIONS, json=[mention(1)], headers={"Authorization": f"Bearer {token}"})
    assert response.json()["error"]["message"] == "This needs the responder role in 'acme'; yours is viewer."


async def test_a_wrong_token_is_refused(db: Database, anon_client: httpx.AsyncClient) -> None:
    await make_workspace(db)
    response = await anon_client.get(MENTIONS, headers={"Authorization": "Bearer bz_nope"})
    assert response.status_code == 401
    assert "not valid" in response.json()["error"]["message"]


async def test_user_add_and_token_from_the_cli(
    db: Database, db_url: str, cli: CliRunner, anon_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_workspace(db)
    monkeypatch.setenv("BALIZA_NEW_PASSWORD", "una contraseña larga")
    code, out, err = await asyncio.to_thread(
        cli, "user", "add", "lucia", "--name", "Lucía García", "--workspace", "acme", "--role", "lead",
        "--plan-role", "community_manager", "--lang", "es", "--database-url", db_url,
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "Created user lucia as lead in acme." in out
    again = await asyncio.to_thread(cli, "user", "add", "lucia", "--database-url", db_url)
    assert again[0] == 1 and "already taken" in again[2]
    ok = await login(anon_client, "lucia", "una contraseña larga")
    assert ok.status_code == 303
    assert "baliza_lang=es" in ok.headers.get("set-cookie", "") or any(
        "baliza_lang=es" in v for v in ok.headers.get_list("set-cookie")
    )
    code, out, _err = await asyncio.to_thread(
        cli, "user", "token", "lucia", "--name", "zapier", "--database-url", db_url
    )
    token = out.strip().splitlines()[-1]
    assert code == 0 and token.startswith("bz_")
    listed = await anon_client.get(MENTIONS, headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    code, out, _err = await asyncio.to_thread(cli, "user", "list", "--database-url", db_url)
    assert "acme:lead" in out


def test_short_passwords_are_refused(db_url: str, cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BALIZA_NEW_PASSWORD", "short")
    code, _out, err = cli("user", "add", "x", "--database-url", db_url)
    assert code == 1
    assert "at least 10 characters" in err


async def test_a_failed_login_keeps_where_the_person_was_going(db: Database, anon_client: httpx.AsyncClient) -> None:
    await make_user(db, username="ana")
    failed = await anon_client.post("/login", data={"username": "ana", "password": "nope", "next": "/w/acme/inbox"})
    assert 'name="next" value="/w/acme/inbox"' in failed.text


async def test_managing_accounts_from_the_cli(
    db: Database, db_url: str, cli: CliRunner, anon_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_workspace(db)
    _user, token = await make_user(db, username="pau", role="viewer", name="Pau Ferrer")
    headers = {"Authorization": f"Bearer {token}"}

    def run(*args: str) -> tuple[int, str, str]:
        return cli(*args, "--database-url", db_url)

    code, out, _err = await asyncio.to_thread(run, "user", "role", "pau", "-w", "acme", "--role", "responder")
    assert code == 0 and "pau is now responder in acme." in out
    assert (await anon_client.post(MENTIONS, json=[mention(1)], headers=headers)).status_code == 200

    assert (await login(anon_client, "pau")).status_code == 303  # a browser session
    assert (await anon_client.get("/w/acme")).status_code == 200
    monkeypatch.setenv("BALIZA_NEW_PASSWORD", "otra contraseña bien larga")
    code, out, _err = await asyncio.to_thread(run, "user", "password", "pau")
    assert code == 0 and "their sessions have ended" in out
    assert (await anon_client.get("/w/acme")).status_code == 303  # logged out everywhere
    assert (await login(anon_client, "pau")).status_code == 401
    assert (await login(anon_client, "pau", "otra contraseña bien larga")).status_code == 303

    code, out, _err = await asyncio.to_thread(run, "user", "revoke-tokens", "pau")
    assert "1 token(s) of pau revoked." in out
    assert (await anon_client.get(MENTIONS, headers=headers)).status_code == 401

    code, out, _err = await asyncio.to_thread(run, "user", "disable", "pau")
    assert code == 0
    assert (await anon_client.get("/w/acme")).status_code == 303
    assert (await login(anon_client, "pau", "otra contraseña bien larga")).status_code == 401
    await asyncio.to_thread(run, "user", "enable", "pau")
    assert (await login(anon_client, "pau", "otra contraseña bien larga")).status_code == 303
    missing = await asyncio.to_thread(run, "user", "disable", "nadie")
    assert missing[0] == 1 and "No user called 'nadie'." in missing[2]
