"""The dashboard in Debian's Chromium, driven by Playwright, against a real server with the Acme crisis in it.

Every page is also loaded under ``Content-Security-Policy: script-src 'self'`` (added by the test on the
way in), so an inline script or an ``eval`` anywhere shows up as a console error and fails the test.
Screenshots land in ``build/screenshots/<name>-<lang>.png`` (git-ignored).
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from baliza.core.config import Settings
from baliza.storage.db import Database
from tests.conftest import service_unavailable
from tests.dashboard import LiveServer, Seeded, complaint, quiet_settings, seed_dashboard
from tests.factories import TEST_PASSWORD

try:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect, sync_playwright
except ImportError:  # pragma: no cover - reported by the fixture below
    sync_playwright = None  # type: ignore[assignment]

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
CSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
W = "/w/acme"


@dataclass
class Site:
    """The running server, what was seeded into it, and the console problems seen so far."""

    server: LiveServer
    seeded: Seeded
    problems: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        service_unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    if sync_playwright is None:
        service_unavailable("the playwright package is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def site(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("browser")
    shutil.copyfile(sqlite_template, folder / "baliza.db")
    settings: Settings = quiet_settings(f"sqlite+aiosqlite:///{folder / 'baliza.db'}", folder / "data")

    async def prepare() -> Seeded:
        database = Database(settings.resolved_database_url)
        try:
            return await seed_dashboard(database, settings)
        finally:
            await database.dispose()

    with ThreadPoolExecutor(1) as pool:  # its own event loop, away from the test session's
        seeded = pool.submit(asyncio.run, prepare()).result()
    server = LiveServer(settings, poll_seconds=0.5)
    server.start()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield Site(server, seeded)
    server.stop()


def _with_csp(route: Route) -> None:
    """Pages arrive with a strict script policy; everything else goes through untouched."""
    if route.request.resource_type != "document":
        route.fallback()
        return
    response = route.fetch(max_redirects=0)  # the browser follows redirects itself, so page.url stays true
    headers = dict(response.headers)
    if headers.get("content-type", "").startswith("text/html"):
        headers["content-security-policy"] = CSP
    route.fulfill(response=response, headers=headers)


def open_page(browser: Browser, site: Site, lang: str = "en", width: int = 1280) -> Page:
    """A fresh browser context (no cookies) that speaks ``lang`` and records console errors."""
    context = browser.new_context(
        locale="es-ES" if lang == "es" else "en-GB", viewport={"width": width, "height": 900}, timezone_id="UTC"
    )
    page = context.new_page()
    page.route(f"{site.url}/**", _with_csp)

    def record(message: ConsoleMessage) -> None:
        # 401/403 answers are expected in some tests; scripts refused by the CSP and JS errors are not
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            site.problems.append(f"{page.url}: {message.text}")

    page.on("console", record)
    page.on("pageerror", lambda error: site.problems.append(f"{page.url}: {error}"))
    return page


def log_in(page: Page, site: Site, username: str, lang: str = "en") -> None:
    page.goto(f"{site.url}{W}")
    assert "/login?next=" in page.url
    page.get_by_label("Username" if lang == "en" else "Usuario").fill(username)
    page.get_by_label("Password" if lang == "en" else "Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in" if lang == "en" else "Entrar").click()
    expect(page.get_by_role("heading", level=1, name="Acme Foods")).to_be_visible()


def shoot(page: Page, name: str, lang: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{lang}.png"), full_page=True)


def no_console_errors(site: Site) -> None:
    problems, site.problems[:] = list(site.problems), []
    assert not problems, problems


def test_log_in(browser: Browser, site: Site) -> None:
    page = open_page(browser, site)
    page.goto(f"{site.url}{W}")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    shoot(page, "login", "en")
    page.get_by_label("Username").fill("diego")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # The failed attempt did not lose where Diego was going: the workspace page, not the home page.
    expect(page.get_by_role("heading", level=1, name="Acme Foods")).to_be_visible()
    page.goto(f"{site.url}/")
    expect(page.get_by_role("heading", level=1, name="Workspaces")).to_be_visible()
    expect(page.get_by_role("link", name="Open alerts: 2")).to_be_visible()
    page.get_by_role("link", name="Acme Foods").click()
    expect(page.get_by_role("heading", level=1, name="Acme Foods")).to_be_visible()
    sections = page.get_by_role("navigation", name="Workspace sections")
    expect(sections.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
    page.context.close()
    no_console_errors(site)


def test_new_mentions_arrive_without_a_reload(browser: Browser, site: Site) -> None:
    page = open_page(browser, site)
    log_in(page, site, "diego")
    expect(page.locator(".chart-volume canvas").first).to_be_visible()
    page.evaluate("window.balizaLoaded = 'same page'")  # a reload would forget it
    text = "Acme, sigo sin mi pedido de las 10 y el repartidor no contesta #AcmeNoLlega"
    ingested = httpx.post(
        f"{site.url}/api/v1/workspaces/acme/mentions",
        json=[complaint(500, 0, text=text, author={"handle": "@nuevo", "display_name": "Cliente Nuevo"})],
        headers={"Authorization": f"Bearer {site.seeded.tokens['diego']}"},
    )
    assert ingested.status_code == 200, ingested.text
    latest = page.locator("#latest-mentions > li").first
    expect(latest).to_contain_text(text, timeout=15_000)
    expect(latest).to_contain_text("Cliente Nuevo")
    assert page.evaluate("window.balizaLoaded") == "same page"
    shoot(page, "overview-live", "en")
    page.context.close()
    no_console_errors(site)


def test_switch_language(browser: Browser, site: Site) -> None:
    page = open_page(browser, site, "en")
    log_in(page, site, "val")
    expect(page.get_by_role("heading", name="Latest mentions")).to_be_visible()
    page.get_by_role("link", name="Español").click()
    expect(page.get_by_role("heading", name="Últimas menciones")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_role("navigation", name="Secciones del espacio de trabajo").get_by_role("link", name="Bandeja").click()
    expect(page.get_by_role("heading", level=1, name="Bandeja")).to_be_visible()  # the choice sticks
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1, name="Inbox")).to_be_visible()
    page.context.close()
    no_console_errors(site)


def test_open_an_alert_and_its_evidence_then_acknowledge(browser: Browser, site: Site) -> None:
    page = open_page(browser, site)
    log_in(page, site, "diego")
    page.get_by_role("navigation", name="Workspace sections").get_by_role("link", name="Alerts").click()
    page.get_by_role("link", name="Mentions above normal (issue:delivery)").first.click()
    expect(page.get_by_role("heading", name="Evidence")).to_be_visible()
    evidence = page.locator("article.signal")
    expect(evidence.locator(".chart-volume canvas")).to_be_visible()
    expect(evidence).to_contain_text("48 seen, 8 expected")
    expect(evidence.get_by_role("heading", name="Top posts")).to_be_visible()
    expect(evidence).to_contain_text("@comidaconana")
    shoot(page, "alert", "en")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status").first).to_have_text("Acknowledged: the escalation has stopped.")
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    expect(page.locator("#timeline-h + .timeline, .timeline").last).to_contain_text(
        "Diego Ramos acknowledged the alert in Baliza; the escalation stops."
    )
    page.context.close()
    no_console_errors(site)


def test_open_an_incident_and_tick_a_task(browser: Browser, site: Site) -> None:
    page = open_page(browser, site)
    log_in(page, site, "diego")
    page.get_by_role("link", name="#1 Pedidos que no llegan").click()
    expect(page.get_by_role("heading", level=1, name="#1 Pedidos que no llegan")).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("promotional posts are held")
    task = page.get_by_label("Freeze scheduled promotional posts")
    task.check()  # htmx posts it and swaps the row; no reload
    expect(page.get_by_label("Freeze scheduled promotional posts")).to_be_checked()
    expect(page.locator("li.task.status-done")).to_contain_text("done by Diego Ramos")
    expect(page.get_by_role("link", name="Post-crisis report")).to_have_attribute("href", f"{W}/incidents/1/report")
    shoot(page, "incident", "en")
    page.context.close()
    no_console_errors(site)


def test_the_comms_lead_approves_the_statement(browser: Browser, site: Site) -> None:
    page = open_page(browser, site)
    log_in(page, site, "ana")
    page.get_by_role("navigation", name="Workspace sections").get_by_role("link", name="Inbox").click()
    pending = page.locator("section", has=page.get_by_role("heading", name="Waiting for a decision"))
    expect(pending.get_by_role("button", name="Approve as legal")).to_have_count(0)
    pending.get_by_role("button", name="Approve as comms lead").click()
    expect(page.get_by_role("status").first).to_have_text("Approved.")
    expect(page.locator(".approvals")).to_contain_text("comms lead: approved · Ana Torres")
    shoot(page, "inbox", "en")
    page.context.close()
    no_console_errors(site)


def test_a_viewer_cannot_approve(browser: Browser, site: Site) -> None:
    page = open_page(browser, site)
    log_in(page, site, "val")
    page.goto(f"{site.url}{W}/inbox")
    expect(page.get_by_role("heading", name="Waiting for a decision")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Approve"))).to_have_count(0)
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token
    statement = site.seeded.statement_id
    forced_api = page.request.post(
        f"{site.url}/api/v1/workspaces/acme/responses/{statement}/approve",
        data={"role": "comms_lead"},
        headers={"X-CSRF-Token": token},
    )
    assert forced_api.status == 403
    assert forced_api.json()["error"]["message"] == "This needs the responder role in 'acme'; yours is viewer."
    forced_page = page.request.post(
        f"{site.url}{W}/responses/{statement}/approve", form={"csrf_token": token, "role": "comms_lead"}
    )
    assert forced_page.status == 403
    page.context.close()
    no_console_errors(site)


PAGES = {
    "overview": W,
    "mentions": f"{W}/mentions",
    "alerts": f"{W}/alerts",
    "incidents": f"{W}/incidents",
    "incident-room": f"{W}/incidents/1",
    "inbox": f"{W}/inbox",
    "calendar": f"{W}/calendar",
    "plan": f"{W}/plan",
    "reports": f"{W}/reports",
    "drills": f"{W}/drills",
    "home": "/",
}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_page_in_both_languages_fits_a_phone(browser: Browser, site: Site, lang: str) -> None:
    """A screenshot of each page; at 360 px nothing is wider than the screen; the keyboard reaches the content."""
    page = open_page(browser, site, lang)
    log_in(page, site, "ana", lang)
    alert = site.seeded.alert_id
    for name, path in {**PAGES, "alert": f"{W}/alerts/{alert}"}.items():
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{site.url}{path}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        shoot(page, name, lang)
        page.set_viewport_size({"width": 360, "height": 740})
        page.wait_for_timeout(150)  # let the charts follow the new width
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide on a 360px screen"
        if name == "overview":
            shoot(page, "overview-phone", lang)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content" if lang == "en" else "Saltar al contenido")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.context.close()
    no_console_errors(site)


def test_screenshots_folder_is_not_committed() -> None:
    ignored = (SCREENSHOTS.parents[1] / ".gitignore").read_text(encoding="utf-8").split()
    assert "build/" in ignored and SCREENSHOTS.parent.name == "build"
