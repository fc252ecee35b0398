"""The dashboard pages: who may see and do what, both languages, the live stream, nothing left in English."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from baliza import __version__
from baliza.analysis.models import Correction
from baliza.core import i18n
from baliza.core.config import Settings
from baliza.incidents import updates
from baliza.ingest.models import Author, Mention
from baliza.notify.sender import DeliveryReport
from baliza.publishing.models import ScheduledPost
from baliza.responses.models import Response
from baliza.storage.db import Database
from baliza.triage.models import AlertGroup
from baliza.web.app import create_app
from baliza.web.pages import mentions as mention_pages
from tests.dashboard import LiveServer, Seeded, complaint, quiet_settings, seed_dashboard
from tests.factories import TEST_PASSWORD, make_user

W = "/w/acme"


@pytest.fixture
def page_settings(db_url: str, tmp_path: Path) -> Settings:
    return quiet_settings(db_url, tmp_path / "data")


@pytest.fixture
async def seeded(db: Database, page_settings: Settings) -> Seeded:
    return await seed_dashboard(db, page_settings)


@pytest.fixture
async def web(page_settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process with nobody logged in yet (log in with ``login``)."""
    app = create_app(page_settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://baliza.test") as client:
        yield client


async def login(client: httpx.AsyncClient, username: str) -> None:
    response = await client.post("/login", data={"username": username, "password": TEST_PASSWORD, "next": "/"})
    assert response.status_code == 303, response.text


async def csrf(client: httpx.AsyncClient, path: str = W) -> str:
    page = await client.get(path)
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert found, "every page carries the CSRF token"
    return found.group(1)


def pages(seeded: Seeded) -> list[str]:
    return [
        "/",
        W,
        f"{W}/mentions",
        f"{W}/mentions?sentiment=negative&issue=delivery&q=pedido",
        f"{W}/alerts",
        f"{W}/alerts?status=open",
        f"{W}/alerts/{seeded.alert_id}",
        f"{W}/incidents",
        f"{W}/incidents/{seeded.incident_number}",
        f"{W}/inbox",
        f"{W}/calendar",
        f"{W}/plan",
        f"{W}/reports",
        f"{W}/drills",
    ]


def shown(page: str) -> int:
    """How many mentions a page lists."""
    return len(re.findall(r'id="mention-\d+"', page))


def visible_text(page: str) -> str:
    """The page as a reader gets it: no tags, no scripts' JSON, entities decoded, spaces collapsed."""
    page = re.sub(r"<script\b.*?</script>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


async def test_every_page_renders_for_a_viewer_in_both_languages(web: httpx.AsyncClient, seeded: Seeded) -> None:
    await login(web, "val")
    for lang, heading in (("es", "Bandeja"), ("en", "Inbox")):
        for path in pages(seeded):
            page = await web.get(path, headers={"Accept-Language": lang})
            assert page.status_code == 200, (lang, path, page.text[:500])
            assert f'<html lang="{lang}"' in page.text
            assert 'class="skip" href="#main"' in page.text and '<main id="main"' in page.text
            assert f"Baliza {__version__} · " in page.text, path  # no page variable hides the app's version
            if path != "/":
                assert 'data-tz="Europe/Madrid"' in page.text, path
                assert 'aria-current="page"' in page.text, path
        inbox = await web.get(f"{W}/inbox", headers={"Accept-Language": lang})
        assert f'aria-current="page">{heading}</a>' in inbox.text
        overview = await web.get(W, headers={"Accept-Language": lang})
        assert 'data-chart="live-volume"' in overview.text and 'sse-swap="mention"' in overview.text
        assert '<script src="/static/vendor/echarts.min.js" defer>' in overview.text
        assert "onclick=" not in overview.text and "<script>" not in overview.text  # no inline code


async def test_pages_show_the_crisis_in_the_readers_language(web: httpx.AsyncClient, seeded: Seeded) -> None:
    await login(web, "val")
    es = (await web.get(W, headers={"Accept-Language": "es"})).text
    assert "Congelación por crisis" in es and "Pedidos que no llegan" in es
    assert "250.000 seguidores" in es and "Menciones por encima de lo normal (issue:delivery)" in es
    en = (await web.get(W, headers={"Accept-Language": "en"})).text
    assert "Crisis freeze" in en and "250,000 followers" in en and "Share of voice" in en
    room = (await web.get(f"{W}/incidents/{seeded.incident_number}", headers={"Accept-Language": "en"})).text
    assert "Confirm the scope with operations: cities, slots and order count" in room
    assert "needs approval from: comms lead, legal" in room
    assert 'hx-trigger="every 10s"' in room
    alert = (await web.get(f"{W}/alerts/{seeded.alert_id}", headers={"Accept-Language": "en"})).text
    assert 'data-chart="volume"' in alert and "#acmenollega · 9" in alert and "@comidaconana" in alert
    plan = (await web.get(f"{W}/plan", headers={"Accept-Language": "en"})).text
    assert "Lucía García" in plan and "People and who can be paged now" in plan


async def test_logged_out_pages_send_people_to_the_login(web: httpx.AsyncClient, seeded: Seeded) -> None:
    for path in pages(seeded):
        response = await web.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")
    stream = await web.get(f"{W}/live/volume")
    assert stream.status_code == 303


async def test_people_outside_the_workspace_get_403(web: httpx.AsyncClient, seeded: Seeded) -> None:
    await login(web, "olga")
    home = await web.get("/", headers={"Accept-Language": "en"})
    assert home.status_code == 200 and "No workspaces yet" in home.text
    for path in pages(seeded)[1:]:
        response = await web.get(path, headers={"Accept-Language": "en"})
        assert response.status_code == 403, path
        assert "You don&#39;t have access to the workspace &#39;acme&#39;." in response.text
    assert (await web.get(f"{W}/live/volume")).status_code == 403


async def test_write_actions_need_the_roles_the_api_needs(web: httpx.AsyncClient, seeded: Seeded, db: Database) -> None:
    await login(web, "val")
    token = await csrf(web)
    for path, data in (
        (f"{W}/alerts/{seeded.alert_id}/ack", {}),
        (f"{W}/alerts/{seeded.alert_id}/resolve", {}),
        (f"{W}/alerts/{seeded.alert_id}/declare", {"title": "x", "severity": "sev3"}),
        (f"{W}/incidents/{seeded.incident_number}/status", {"status": "active"}),
        (f"{W}/incidents/{seeded.incident_number}/notes", {"text": "hola"}),
        (f"{W}/incidents/{seeded.incident_number}/updates", {"text": "hola"}),
        (f"{W}/responses/{seeded.statement_id}/approve", {"role": "comms_lead"}),
        (f"{W}/inbox/{seeded.mention_ids[0]}/handled", {}),
        (f"{W}/calendar", {"channel": "x", "text": "hola", "scheduled_at": "2030-01-01T10:00"}),
        (f"{W}/mentions/{seeded.mention_ids[0]}/correct", {"field": "sentiment", "sentiment": "positive"}),
    ):
        refused = await web.post(path, data={"csrf_token": token, **data})
        assert refused.status_code == 403, path
    await login(web, "diego")
    token = await csrf(web)
    for path, data in (
        (f"{W}/alerts/{seeded.alert_id}/severity", {"severity": "sev1", "reason": "prensa"}),
        (f"{W}/incidents/{seeded.incident_number}/severity", {"severity": "sev1", "reason": "prensa"}),
        (f"{W}/incidents/{seeded.incident_number}/roles", {"role": "lead", "person": "Diego"}),
        (f"{W}/calendar/{seeded.post_id}/cancel", {}),
        (f"{W}/plan/people/lucia/unavailable", {}),
    ):
        refused = await web.post(path, data={"csrf_token": token, **data})
        assert refused.status_code == 403, path
    no_token = await web.post(f"{W}/alerts/{seeded.alert_id}/ack")
    assert no_token.status_code == 403 and "The form has expired" in no_token.text
    acked = await web.post(f"{W}/alerts/{seeded.alert_id}/ack", data={"csrf_token": token})
    assert acked.status_code == 303
    assert acked.headers["location"] == f"{W}/alerts/{seeded.alert_id}?notice=acknowledged"
    async with db.session() as session:
        group = await session.get(AlertGroup, seeded.alert_id)
        assert group is not None and (group.status, group.acknowledged_by) == ("acknowledged", "Diego Ramos")
    shown = await web.get(acked.headers["location"], headers={"Accept-Language": "en"})
    assert "Acknowledged: the escalation has stopped." in shown.text
    assert "Diego Ramos acknowledged the alert in Baliza; the escalation stops." in shown.text


async def test_a_viewer_sees_no_approve_button_and_approvers_only_their_role(
    web: httpx.AsyncClient, seeded: Seeded
) -> None:
    await login(web, "val")
    inbox = (await web.get(f"{W}/inbox", headers={"Accept-Language": "en"})).text
    assert "Waiting for a decision" in inbox and "Approve as" not in inbox and "Write a reply" not in inbox
    await login(web, "ana")
    inbox = (await web.get(f"{W}/inbox", headers={"Accept-Language": "en"})).text
    assert "Approve as comms lead" in inbox and "Approve as legal" not in inbox


async def test_comms_and_legal_approve_a_statement_then_it_is_published(
    web: httpx.AsyncClient, seeded: Seeded, db: Database
) -> None:
    room = f"{W}/incidents/{seeded.incident_number}"
    await login(web, "ana")
    token = await csrf(web)
    wrong_role = await web.post(
        f"{W}/responses/{seeded.statement_id}/approve", data={"csrf_token": token, "role": "legal", "back": room}
    )
    assert wrong_role.status_code == 403 and "Only someone with the legal role" in wrong_role.text
    half = await web.post(
        f"{W}/responses/{seeded.statement_id}/approve", data={"csrf_token": token, "role": "comms_lead", "back": room}
    )
    assert half.status_code == 303 and half.headers["location"] == f"{room}?notice=approved"
    await login(web, "javier")
    token = await csrf(web)
    await web.post(f"{W}/responses/{seeded.statement_id}/approve", data={"csrf_token": token, "role": "legal"})
    published = await web.post(f"{W}/responses/{seeded.statement_id}/publish", data={"csrf_token": token})
    assert published.status_code == 303
    async with db.session() as session:
        statement = await session.get(Response, seeded.statement_id)
        assert statement is not None and statement.status == "published"
    page = (await web.get(room, headers={"Accept-Language": "en"})).text
    assert "Javier Ortega approved response 1 as legal." in page


async def test_the_incident_room_moves_status_ticks_tasks_and_takes_notes(
    web: httpx.AsyncClient, seeded: Seeded
) -> None:
    room = f"{W}/incidents/{seeded.incident_number}"
    await login(web, "diego")
    token = await csrf(web, room)
    page = (await web.get(room, headers={"Accept-Language": "en"})).text
    assert 'name="status" value="active"' in page and 'name="status" value="reviewed"' not in page
    moved = await web.post(f"{room}/status", data={"csrf_token": token, "status": "active"})
    assert moved.status_code == 303
    wrong = await web.post(f"{room}/status", data={"csrf_token": token, "status": "reviewed"})
    assert wrong.status_code == 409 and "it can go to monitoring, resolved, not reviewed" in wrong.text
    task_id = re.search(r'id="task-(\d+)"', page)
    assert task_id
    ticked = await web.post(
        f"{room}/tasks/{task_id.group(1)}", data={"csrf_token": token, "done": "1"}, headers={"HX-Request": "true"}
    )
    assert ticked.status_code == 200 and ticked.text.lstrip().startswith('<li class="task status-done')
    assert "checked" in ticked.text and "<html" not in ticked.text
    await web.post(f"{room}/notes", data={"csrf_token": token, "text": "Operaciones confirma 3 ciudades"})
    timeline = await web.get(f"{room}/timeline", headers={"Accept-Language": "en"})
    assert "Diego Ramos: Operaciones confirma 3 ciudades" in timeline.text
    assert "Diego Ramos moved the incident from detected to active." in timeline.text
    assert "<html" not in timeline.text
    drafted = await web.post(
        f"{room}/statements",
        data={"csrf_token": token, "lang": "es", "kind": "statement", "submit": "1",
              "text": "¡Aprovecha! 20% de descuento con el código ACME20 en tu próximo pedido"},
    )  # fmt: skip
    assert drafted.headers["location"] == f"{room}?notice=drafted"  # blocked by the tone check: not submitted
    page = (await web.get(room, headers={"Accept-Language": "en"})).text
    assert "Must fix:" in page and "is promotional. Do not mix crisis replies with promotions." in page


async def test_stakeholder_updates_go_out_from_the_room(
    web: httpx.AsyncClient, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    reached: list[list[str]] = []

    async def deliver(contacts: list[str], message: Any, **_options: Any) -> DeliveryReport:
        reached.append(contacts)
        return DeliveryReport(lang="es", drill=False, attempts=(), delivered_to=contacts[0] if contacts else None)

    real = updates.send_update

    async def send_update(**kwargs: Any) -> updates.UpdateResult:
        return await real(**kwargs, deliver_fn=deliver)

    monkeypatch.setattr(updates, "send_update", send_update)
    room = f"{W}/incidents/{seeded.incident_number}"
    await login(web, "ana")
    token = await csrf(web, room)
    sent = await web.post(
        f"{room}/updates",
        data={
            "csrf_token": token,
            "text": "Operaciones confirma 3 ciudades afectadas.",
            "roles": ["comms_lead", "legal"],
        },
    )
    assert sent.headers["location"] == f"{room}?notice=update_sent&n=5&failed=0"
    assert len(reached) == 5
    page = (await web.get(sent.headers["location"], headers={"Accept-Language": "en"})).text
    assert "Update delivered to 5 people; 0 could not be reached." in page
    assert "Operaciones confirma 3 ciudades afectadas." in page and "5 reached" in page


async def test_the_tone_check_answers_with_its_flags(web: httpx.AsyncClient, seeded: Seeded) -> None:
    await login(web, "diego")
    token = await csrf(web)
    flags = await web.post(
        f"{W}/tone",
        data={"text": "Es culpa tuya por no leer las condiciones!!!", "lang": "es",
              "mention_id": str(seeded.mention_ids[0])},
        headers={"X-CSRF-Token": token, "HX-Request": "true", "Accept-Language": "en"},
    )  # fmt: skip
    assert flags.status_code == 200 and "<html" not in flags.text
    assert "blames the person you are answering" in flags.text
    empty = await web.post(f"{W}/tone", data={"text": "  "}, headers={"X-CSRF-Token": token})
    assert empty.text == ""
    filled = await web.get(
        f"{W}/inbox/template",
        params={"mention_id": seeded.mention_ids[0], "template": "apology_delay", "lang": "es"},
    )
    assert "Hola, Ana Come Bien." in filled.text and "[CONTACT]" in filled.text


async def test_replies_from_the_inbox_and_handled_mentions(
    web: httpx.AsyncClient, seeded: Seeded, db: Database
) -> None:
    await login(web, "diego")
    token = await csrf(web)
    target = seeded.mention_ids[0]
    sent = await web.post(
        f"{W}/inbox/{target}/reply",
        data={"csrf_token": token, "lang": "es", "template": "apology_delay",
              "text": "Hola, Ana. Lo sentimos mucho: tu pedido no ha llegado y entendemos tu enfado. "
                      "Escríbenos por mensaje privado y lo seguimos contigo."},
    )  # fmt: skip
    assert sent.headers["location"] == f"{W}/inbox?notice=submitted"
    async with db.session() as session:
        reply = (await session.execute(select(Response).where(Response.mention_id == target))).scalar_one()
        assert (reply.status, reply.kind, reply.template) == ("approved", "reply", "apology_delay")
    handled = await web.post(f"{W}/inbox/{seeded.mention_ids[1]}/handled", data={"csrf_token": token})
    assert handled.status_code == 303
    inbox = (await web.get(f"{W}/inbox", headers={"Accept-Language": "en"})).text
    assert f'id="inbox-{seeded.mention_ids[1]}"' not in inbox and f'id="inbox-{seeded.mention_ids[2]}"' in inbox


async def test_the_mention_explorer_filters_and_pages(
    web: httpx.AsyncClient, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    await login(web, "val")
    found = (await web.get(f"{W}/mentions", params={"q": "freshbox"})).text
    assert shown(found) == 1 and "me ha traído la compra" in found
    positive = (await web.get(f"{W}/mentions", params={"sentiment": "positive"})).text
    assert shown(positive) == 1
    delivery = (await web.get(f"{W}/mentions", params={"issue": "delivery", "platform": "mastodon"})).text
    assert shown(delivery) == 4
    nothing = (await web.get(f"{W}/mentions", params={"q": "zzz"}, headers={"Accept-Language": "en"})).text
    assert "No mention matches these filters" in nothing
    bad = (await web.get(f"{W}/mentions", params={"since": "ayer"}, headers={"Accept-Language": "en"})).text
    assert "Not a date and time: ayer" in bad
    monkeypatch.setattr(mention_pages, "PAGE_SIZE", 4)
    first = (await web.get(f"{W}/mentions", params={"q": "pedido"})).text
    assert shown(first) == 4
    older = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert older
    second = (await web.get(f"{W}/mentions{html.unescape(older.group(1))}")).text
    assert shown(second) == 4
    ids_first = set(re.findall(r'id="mention-(\d+)"', first))
    assert ids_first.isdisjoint(re.findall(r'id="mention-(\d+)"', second))


async def test_label_corrections_go_to_the_feedback_flow(
    web: httpx.AsyncClient, seeded: Seeded, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await login(web, "diego")
    token = await csrf(web, f"{W}/mentions")
    target = seeded.mention_ids[0]
    back = f"{W}/mentions?q=pedido"
    done = await web.post(
        f"{W}/mentions/{target}/correct",
        data={"csrf_token": token, "field": "issue_types", "issue_types": ["question", "delivery"], "back": back},
    )
    assert done.status_code == 303 and done.headers["location"] == f"{back}&notice=corrected"
    await web.post(
        f"{W}/mentions/{target}/correct", data={"csrf_token": token, "field": "sentiment", "sentiment": "neutral"}
    )
    async with db.session() as session:
        mention = await session.get(Mention, target)
        assert mention is not None
        assert (mention.sentiment, mention.issue_types) == ("neutral", ["delivery", "question"])
        fixes = (await session.execute(select(Correction).order_by(Correction.id))).scalars().all()
        assert [(c.field, c.value, c.corrected_by) for c in fixes] == [
            ("issue_types", ["delivery", "question"], "Diego Ramos"),
            ("sentiment", "neutral", "Diego Ramos"),
        ]
    monkeypatch.setattr(mention_pages, "PAGE_SIZE", 4)
    page_one = (await web.get(f"{W}/mentions", headers={"Accept-Language": "en"})).text
    older = re.search(r'<a href="([^"]+)" rel="next">', page_one)
    assert older
    later = await web.get(f"{W}/mentions{html.unescape(older.group(1))}", headers={"Accept-Language": "en"})
    assert later.status_code == 200 and 'id="mention-' in later.text
    shown = (await web.get(done.headers["location"], headers={"Accept-Language": "en"})).text
    assert "Thanks: the correction is saved and teaches the analysis." in shown
    # The explorer's first page says what the corrections taught: one post per label, before and now.
    learnt = shown[shown.index('id="learnt-h"') : shown.index("</section>", shown.index('id="learnt-h"'))]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>\s*<td>(\d+)</td>', learnt)
    assert rows == [("Sentiment", "1"), ("Issue type", "1")]
    assert "What Baliza has learnt" not in later.text  # later pages do not refit it
    wrong = await web.post(
        f"{W}/mentions/{target}/correct",
        data={"csrf_token": token, "field": "sentiment", "sentiment": "angry"},
        headers={"Accept-Language": "en"},
    )
    assert wrong.status_code == 422
    assert "Unknown sentiment &#39;angry&#39;; use negative, neutral or positive." in wrong.text


async def test_the_calendar_schedules_and_leads_cancel(web: httpx.AsyncClient, seeded: Seeded, db: Database) -> None:
    await login(web, "diego")
    token = await csrf(web)
    page = (await web.get(f"{W}/calendar", headers={"Accept-Language": "en"})).text
    assert "Crisis freeze" in page and "2x1 en fruta de temporada" in page and "Cancel post" not in page
    made = await web.post(
        f"{W}/calendar",
        data={"csrf_token": token, "channel": "x", "text": "Novedades de la semana", "scheduled_at": "2030-05-04T10:30",
              "lang": "es"},
    )  # fmt: skip
    assert made.status_code == 303
    async with db.session() as session:
        post = (await session.execute(select(ScheduledPost).where(ScheduledPost.channel == "x"))).scalar_one()
        assert post.scheduled_at.isoformat() == "2030-05-04T08:30:00+00:00"  # 10:30 in Madrid
        assert post.is_promotional is False
    await login(web, "ana")
    token = await csrf(web)
    cancelled = await web.post(f"{W}/calendar/{seeded.post_id}/cancel", data={"csrf_token": token})
    assert cancelled.headers["location"] == f"{W}/calendar?notice=cancelled"
    page = (await web.get(cancelled.headers["location"], headers={"Accept-Language": "en"})).text
    assert "Post cancelled; it stays on record." in page and '<span class="pill">cancelled</span>' in page


async def test_the_plan_page_marks_people_unavailable(web: httpx.AsyncClient, seeded: Seeded) -> None:
    await login(web, "ana")
    token = await csrf(web)
    page = (await web.get(f"{W}/plan", headers={"Accept-Language": "en"})).text
    assert "Readiness check" in page and "Mark Diego Ramos unavailable now" in page
    assert "routes.routes" not in page and "every signal" in page and "sev2" in page
    marked = await web.post(f"{W}/plan/people/diego/unavailable", data={"csrf_token": token, "reason": "médico"})
    assert marked.status_code == 303
    page = (await web.get(f"{W}/plan", headers={"Accept-Language": "en"})).text
    assert "Mark Diego Ramos available again" in page and "marked unavailable (médico)" in page
    unknown = await web.post(f"{W}/plan/people/nobody/unavailable", data={"csrf_token": token})
    assert unknown.status_code == 404
    await web.post(f"{W}/plan/people/diego/available", data={"csrf_token": token})
    assert "Mark Diego Ramos unavailable now" in (await web.get(f"{W}/plan", headers={"Accept-Language": "en"})).text


async def test_empty_states_say_what_to_do(web: httpx.AsyncClient, db: Database, page_settings: Settings) -> None:
    await make_user(db, username="root", superuser=True, name="Root")
    await login(web, "root")
    home = (await web.get("/", headers={"Accept-Language": "en"})).text
    assert "No workspaces yet" in home and "baliza workspace apply" in home


async def test_no_untranslated_strings(web: httpx.AsyncClient, seeded: Seeded) -> None:
    """Every page in Spanish: no English message of more than three words shows up verbatim."""
    english = [m for m in i18n.catalogue("es") if len(m.split()) > 3 and "{" not in m]
    assert len(english) > 100
    for username in ("ana", "val"):
        await login(web, username)
        for path in pages(seeded):
            text = visible_text((await web.get(path, headers={"Accept-Language": "es"})).text)
            leftovers = [m for m in english if m in text]
            assert not leftovers, (username, path, leftovers)


def _read_events(lines: Iterator[str], wanted: str, limit: int = 400) -> dict[str, str]:
    """Read server-sent events until one of kind ``wanted`` arrives; returns its fields."""
    event: dict[str, str] = {}
    for _n, line in zip(range(limit), lines, strict=False):
        if not line:
            if event.get("event") == wanted:
                return event
            event = {}
            continue
        name, _sep, value = line.partition(": ")
        event[name] = event[name] + "\n" + value if name in event else value
    raise AssertionError(f"no {wanted} event in {limit} lines")


def test_the_live_stream_sends_minutes_and_new_mentions(db_url: str, tmp_path: Path) -> None:
    """A real server: ``minute`` events with the expected band, then a mention ingested meanwhile, as HTML."""
    settings = quiet_settings(db_url, tmp_path / "data")

    async def prepare() -> Seeded:
        database = Database(db_url)
        try:
            return await seed_dashboard(database, settings)
        finally:
            await database.dispose()

    # A loop of its own in another thread: the test session's loop stays untouched.
    with ThreadPoolExecutor(1) as pool:
        seeded = pool.submit(asyncio.run, prepare()).result()
    server = LiveServer(settings, poll_seconds=0.2)
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as browser:
            browser.post("/login", data={"username": "val", "password": TEST_PASSWORD, "next": "/"})
            with browser.stream("GET", f"{W}/live/volume", headers={"Accept-Language": "en"}) as stream:
                assert stream.status_code == 200
                assert stream.headers["content-type"].startswith("text/event-stream")
                lines = stream.iter_lines()
                minute = _read_events(lines, "minute")
                assert set(httpx.Response(200, content=minute["data"]).json()) == {
                    "t", "count", "negative", "expected", "lower", "upper"
                }  # fmt: skip
                new = complaint(77, 0, text="Acme, llevo dos horas esperando al repartidor #AcmeNoLlega")
                ingested = httpx.post(
                    f"{server.url}/api/v1/workspaces/acme/mentions",
                    json=[new],
                    headers={"Authorization": f"Bearer {seeded.tokens['diego']}"},
                )
                assert ingested.status_code == 200, ingested.text
                mention = _read_events(lines, "mention")
                assert "llevo dos horas esperando al repartidor" in mention["data"]
                assert mention["data"].startswith('<li class="mention is-new" id="mention-')
                assert int(mention["id"]) > max(seeded.mention_ids)
    finally:
        server.stop()


async def test_mentions_say_who_the_author_is(web: httpx.AsyncClient, seeded: Seeded, db: Database) -> None:
    async with db.session() as session:
        author = (await session.execute(select(Author).order_by(Author.id).limit(1))).scalar_one()
        author.profile = {"types": ["journalist", "customer"], "complainer": "repeat"}
        handle = author.handle
        await session.commit()
    await login(web, "val")
    page = (await web.get(f"{W}/mentions", params={"q": ""}, headers={"Accept-Language": "es"})).text
    assert handle in page
    assert '<span class="tag author">periodista</span>' in page
    assert '<span class="tag author">queja repetida</span>' in page
    assert '<span class="tag author">cliente</span>' not in page  # every author is a customer: not worth a tag
