"""Sources (connectors) of a workspace with their health, the webhook endpoints, and the public complaint form."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections import deque
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from baliza.core.clock import utcnow
from baliza.core.config import Settings
from baliza.core.errors import TooManyRequestsError, ValidationError
from baliza.core.i18n import _, get_locale
from baliza.ingest.flows import ingest_items
from baliza.ingest.schemas import IngestReport
from baliza.sources import flows as source_flows
from baliza.sources import service as source_service
from baliza.web.auth import AdminDep, ViewerDep
from baliza.web.deps import DbDep, SessionDep, SettingsDep
from baliza.workspaces import service as workspace_service

router = APIRouter(prefix="/api/v1/workspaces/{slug}/sources", tags=["sources"])
hooks = APIRouter(prefix="/api/v1/hooks", tags=["sources"])
form = APIRouter(tags=["complaints"])

MAX_HOOK_BODY = 1024 * 1024
FORM_LIMIT = 5  # submissions per address per 10 minutes
_recent: dict[str, deque[float]] = {}


class SourceIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    kind: str = Field(description="rss, mastodon, bluesky, webhook, meta… (GET …/sources/kinds)")
    settings: dict[str, Any] = Field(default_factory=dict)


@router.get("/kinds")
async def source_kinds(_access: ViewerDep) -> list[str]:
    """The kinds of source this installation knows."""
    return source_service.kinds()


@router.get("")
async def list_sources(session: SessionDep, access: ViewerDep) -> list[dict[str, Any]]:
    """Every source with its health (last success, last error, lag, counters); secrets are never returned."""
    return [source_service.health(s) for s in await source_service.list_sources(
        db_session=session, workspace_id=access.workspace.id)]  # fmt: skip


@router.post("", status_code=status.HTTP_201_CREATED)
async def add_source(
    source_in: SourceIn, session: SessionDep, settings: SettingsDep, access: AdminDep
) -> dict[str, Any]:
    """Add a source; its settings are validated by the connector (the answer masks the secrets)."""
    source = await source_service.create(
        db_session=session, workspace_id=access.workspace.id, name=source_in.name, kind=source_in.kind,
        raw=source_in.settings, settings=settings,
    )  # fmt: skip
    await session.commit()
    return source_service.health(source)


@router.post("/{name}/test")
async def test_source(
    name: str, db: DbDep, settings: SettingsDep, session: SessionDep, access: AdminDep
) -> dict[str, Any]:
    """Fetch once without storing anything: does the source answer, and how many posts would come in?"""
    source = await source_service.get_by_name(db_session=session, workspace_id=access.workspace.id, name=name)
    result = await source_flows.run_source(db, settings, source.id, store=False)
    return {"source": name, "ok": result.error is None, "posts": result.stored, "error": result.error}


async def _body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > MAX_HOOK_BODY:
        raise ValidationError(_("The webhook body is too large."), code="webhook_too_large")
    return body


@hooks.post("/{source_id}", response_model=IngestReport)
async def signed_webhook(source_id: int, request: Request, db: DbDep, settings: SettingsDep) -> IngestReport:
    """A generic signed webhook: X-Baliza-Timestamp and X-Baliza-Signature (HMAC-SHA256 of timestamp.body)."""
    return await source_flows.receive_webhook(db, settings, source_id, await _body(request), dict(request.headers))


@hooks.get("/{source_id}/meta", response_class=PlainTextResponse)
async def meta_subscription(source_id: int, request: Request, db: DbDep, settings: SettingsDep) -> str:
    """Meta's subscription handshake (hub.mode, hub.verify_token, hub.challenge)."""
    return await source_flows.meta_subscribe(db, settings, source_id, dict(request.query_params))


@hooks.post("/{source_id}/meta", response_model=IngestReport)
async def meta_webhook(source_id: int, request: Request, db: DbDep, settings: SettingsDep) -> IngestReport:
    """Facebook Page and Instagram comments, verified with X-Hub-Signature-256."""
    return await source_flows.receive_webhook(db, settings, source_id, await _body(request), dict(request.headers))


# --- the public complaint and suggestion form ----------------------------------------------------


class ComplaintIn(BaseModel):
    message: str = Field(min_length=5, max_length=5000)
    kind: str = Field("complaint", pattern="^(complaint|suggestion|question)$")
    name: str | None = Field(None, max_length=120)
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    lang: str | None = Field(None, pattern="^(es|en)$")


def _form_token(settings: Settings, slug: str, issued: float) -> str:
    key = settings.signing_key().encode()
    mac = hmac.new(key, f"form:{slug}:{issued:.0f}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{issued:.0f}.{mac}"


def _check_form_token(settings: Settings, slug: str, token: str) -> None:
    issued_text, _sep, _mac = token.partition(".")
    try:
        issued = float(issued_text)
    except ValueError:
        issued = 0.0
    if not issued or not hmac.compare_digest(_form_token(settings, slug, issued), token):
        raise ValidationError(_("The form has expired; reload the page and send it again."), code="form_expired")
    elapsed = time.time() - issued
    if elapsed < settings.form_min_seconds or elapsed > 24 * 3600:
        raise ValidationError(_("The form has expired; reload the page and send it again."), code="form_expired")


def _rate_limit(address: str) -> None:
    now = time.monotonic()
    recent = _recent.setdefault(address, deque())
    while recent and now - recent[0] > 600:
        recent.popleft()
    if len(recent) >= FORM_LIMIT:
        raise TooManyRequestsError(_("Too many messages from here; try again in a few minutes."), retry_after=600)
    recent.append(now)


async def _submit(db: Any, settings: Settings, slug: str, complaint: ComplaintIn, address: str) -> IngestReport:
    _rate_limit(address)
    author = {"handle": f"form:{complaint.email or complaint.name or address}"[:256]}
    if complaint.name:
        author["display_name"] = complaint.name
    item = {
        "platform": "form",
        "external_id": f"form-{uuid.uuid4().hex}",
        "text": complaint.message,
        "created_at": utcnow().isoformat(),
        "lang": complaint.lang,
        "author": author,
        "raw": {"kind": complaint.kind, "email": complaint.email},
    }
    return await ingest_items(db, slug=slug, items=[item], settings=settings, source="form", keep_unmatched=True)


@form.get("/complain/{slug}", response_class=HTMLResponse, include_in_schema=False)
async def complaint_page(slug: str, request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    """The public form: anyone can complain or suggest, in Spanish or English."""
    workspace = await workspace_service.get_by_slug_or_raise(db_session=session, slug=slug)
    template = request.app.state.templates.get_template("complain.html")
    token = _form_token(settings, slug, time.time())
    return HTMLResponse(template.render(request=request, principal=None, workspace=workspace, token=token,
                                        sent=False, error=None, lang=get_locale()))  # fmt: skip


@form.post("/complain/{slug}", response_class=HTMLResponse, include_in_schema=False)
async def complaint_submit(
    slug: str,
    request: Request,
    session: SessionDep,
    db: DbDep,
    settings: SettingsDep,
    message: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "complaint",
    name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
    website: Annotated[str, Form()] = "",  # the honeypot: people don't see it, bots fill it in
) -> Response:
    workspace = await workspace_service.get_by_slug_or_raise(db_session=session, slug=slug)
    template = request.app.state.templates.get_template("complain.html")
    if website.strip():
        # Answer like a success: a bot that learns nothing keeps wasting its time, nobody's data is stored.
        return HTMLResponse(template.render(request=request, principal=None, workspace=workspace, token="",
                                            sent=True, error=None, lang=get_locale()))  # fmt: skip
    try:
        _check_form_token(settings, slug, token)
        complaint = ComplaintIn(message=message.strip(), kind=kind, name=name.strip() or None,
                                email=email.strip() or None, lang=get_locale())  # fmt: skip
        await _submit(db, settings, slug, complaint, request.client.host if request.client else "?")
    except (ValidationError, TooManyRequestsError) as exc:
        fresh = _form_token(settings, slug, time.time())
        return HTMLResponse(
            template.render(request=request, principal=None, workspace=workspace, token=fresh, sent=False,
                            error=exc.message, message=message, lang=get_locale()),
            status_code=exc.status,
        )  # fmt: skip
    except PydanticValidationError:  # a bad email or a too-short message
        fresh = _form_token(settings, slug, time.time())
        error = _("Write at least a few words, and check the email address if you give one.")
        return HTMLResponse(
            template.render(request=request, principal=None, workspace=workspace, token=fresh, sent=False,
                            error=error, message=message, lang=get_locale()),
            status_code=422,
        )  # fmt: skip
    return HTMLResponse(template.render(request=request, principal=None, workspace=workspace, token="", sent=True,
                                        error=None, lang=get_locale()))  # fmt: skip


@form.post("/api/v1/complaints/{slug}", response_model=IngestReport, tags=["complaints"])
async def complaint_api(
    slug: str, complaint: ComplaintIn, request: Request, db: DbDep, settings: SettingsDep, session: SessionDep
) -> IngestReport:
    """The complaint form's API: a complaint, suggestion or question enters the same stream as every mention."""
    await workspace_service.get_by_slug_or_raise(db_session=session, slug=slug)
    return await _submit(db, settings, slug, complaint, request.client.host if request.client else "?")


__all__ = ["form", "hooks", "router"]
