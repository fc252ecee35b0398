"""The ASGI application: API under /api/v1, pages under /."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from babel.numbers import format_decimal
from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from swagger_ui_bundle import swagger_ui_path

from baliza import __version__
from baliza.analysis import deep_path
from baliza.analysis import runner as analysis_runner
from baliza.core import i18n
from baliza.core.config import Settings, get_settings
from baliza.detection import runner as detection_runner
from baliza.detection.detectors import DetectorConfig, Sensitivity
from baliza.ingest.schemas import MentionIn
from baliza.publishing import runner as calendar_runner
from baliza.sources import flows as source_flows
from baliza.storage.db import Database
from baliza.triage import escalation
from baliza.web import ack, errors, login, pages
from baliza.web.api import alerts, calendar, incidents, mentions, responses, signals, sources, workspaces

log = logging.getLogger(__name__)

LANG_COOKIE = "baliza_lang"


def make_templates() -> Environment:
    """Jinja2 with autoescaping and the i18n extension wired to our catalogues."""
    folder = resources.files("baliza") / "web" / "templates"
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
    )
    env.globals["get_locale"] = i18n.get_locale
    env.filters["number"] = lambda value: format_decimal(value, locale=i18n.get_locale())
    env.globals["version"] = __version__
    return env


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    """Build the app; pass ``db`` to share an engine (tests, the demo), else one is made from settings."""
    settings = settings or get_settings()
    owns_db = db is None
    database = db or Database.from_settings(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if settings.detection_interval_seconds > 0:
                await stack.enter_async_context(
                    detection_runner.running(
                        detection_runner.DetectionRunner(
                            database, config=DetectorConfig(sensitivity=Sensitivity(settings.detection_sensitivity))
                        ),
                        settings.detection_interval_seconds,
                    )
                )
            if settings.analysis_interval_seconds > 0:
                deep = deep_path.DeepPath(database) if settings.deep_analysis else None
                if deep is not None:
                    deep.start()
                    stack.push_async_callback(deep.stop)
                app.state.deep = deep
                await stack.enter_async_context(
                    analysis_runner.running(
                        analysis_runner.AnalysisRunner(database, deep=deep), settings.analysis_interval_seconds
                    )
                )
            if settings.escalation_interval_seconds > 0:
                await stack.enter_async_context(
                    escalation.running(
                        escalation.EscalationRunner(database, settings), settings.escalation_interval_seconds
                    )
                )
            if settings.calendar_interval_seconds > 0:
                await stack.enter_async_context(
                    calendar_runner.running(
                        calendar_runner.CalendarRunner(database, settings), settings.calendar_interval_seconds
                    )
                )
            if settings.sources_interval_seconds > 0:
                await stack.enter_async_context(
                    source_flows.running(
                        source_flows.SourcesRunner(database, settings), settings.sources_interval_seconds
                    )
                )
            yield
        if owns_db:
            await database.dispose()

    app = FastAPI(
        title="Baliza",
        version=__version__,
        description="Social media crisis management / Gestión de crisis en redes sociales",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served below with Swagger UI from the package, not from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.templates = make_templates()

    @app.middleware("http")
    async def choose_language(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        chosen = request.query_params.get("lang") or ""
        cookie = request.cookies.get(LANG_COOKIE) or ""
        if chosen in i18n.SUPPORTED:
            locale = chosen
        elif cookie in i18n.SUPPORTED:
            locale = cookie
        else:
            locale = i18n.negotiate(request.headers.get("accept-language"))
        with i18n.use_locale(locale):
            response = await call_next(request)
        response.headers["Content-Language"] = locale
        if chosen in i18n.SUPPORTED:
            response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
        return response

    errors.install(app)
    app.include_router(workspaces.router)
    app.include_router(mentions.router)
    app.include_router(signals.router)
    app.include_router(alerts.router)
    app.include_router(alerts.ack_router)
    app.include_router(ack.router)
    app.include_router(incidents.router)
    app.include_router(responses.router)
    app.include_router(calendar.router)
    app.include_router(calendar.channels_router)
    app.include_router(sources.router)
    app.include_router(sources.hooks)
    app.include_router(sources.form)
    app.include_router(login.router)
    app.include_router(pages.router)
    # Before /static, which would otherwise answer for these paths too.
    app.mount("/static/swagger-ui", StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")
    app.mount("/static", StaticFiles(directory=str(resources.files("baliza") / "web" / "static")), name="static")

    base_openapi = app.openapi

    def openapi_with_mention_schema() -> dict[str, Any]:
        # The ingest route reads its body itself (to report bad rows one by one), so FastAPI cannot
        # see the MentionIn model; add it to the document by hand.
        if app.openapi_schema:
            return app.openapi_schema
        schema = base_openapi()
        mention = MentionIn.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(mention.pop("$defs", {}))
        components["MentionIn"] = mention
        app.openapi_schema = schema
        return schema

    app.openapi = openapi_with_mention_schema  # type: ignore[method-assign]

    @app.get("/api/v1/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/v1/openapi.json",
            title="Baliza API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    @app.get("/api/v1/health", tags=["health"])
    async def health() -> dict[str, Any]:
        """Liveness, and how far behind the deep analysis is (backlog, oldest wait, skipped items)."""
        deep = getattr(app.state, "deep", None)
        return {
            "status": "ok",
            "version": __version__,
            "deep_analysis": deep.lag().as_dict() if deep is not None else None,
        }

    return app


__all__ = ["create_app", "make_templates"]
