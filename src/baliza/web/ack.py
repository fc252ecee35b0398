"""The page behind an acknowledgement link: look first, then confirm with a button.

The link itself only shows the alert; acknowledging takes a POST, because mail scanners and chat
previews open links on their own and must not stop an escalation by accident.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from baliza.core.clock import utcnow
from baliza.core.errors import BalizaError
from baliza.notify import tokens
from baliza.triage import flows as triage_flows
from baliza.triage import service as triage_service
from baliza.triage.escalation import acknowledge_with_token
from baliza.triage.models import AlertGroup, Escalation
from baliza.web.deps import DbDep, SessionDep, SettingsDep
from baliza.workspaces.models import Workspace

router = APIRouter(include_in_schema=False)


def _page(request: Request, status: int = 200, **context: object) -> HTMLResponse:
    template = request.app.state.templates.get_template("ack.html")
    return HTMLResponse(template.render(request=request, principal=None, **context), status_code=status)


@router.get("/ack/{token}", response_class=HTMLResponse)
async def ack_page(request: Request, token: str, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    try:
        claim = tokens.read_ack_token(settings.signing_key(), token, now=utcnow())
        page = await triage_service.page_by_nonce(db_session=session, nonce=claim.nonce)
        if page is None:
            raise BalizaError("unknown", code="ack_unknown")
        escalation = await session.get(Escalation, page.escalation_id)
        group = await session.get(AlertGroup, escalation.alert_group_id) if escalation else None
        workspace = await session.get(Workspace, group.workspace_id) if group else None
    except BalizaError as exc:
        return _page(request, status=400, error=exc.message if exc.code != "ack_unknown" else None, done=False)
    assert group is not None and workspace is not None
    return _page(
        request,
        token=token,
        person=page.person_name,
        used=page.ack_used_at is not None,
        title=triage_flows.render_title(group),
        group=group,
        workspace=workspace,
        done=False,
        error=None,
    )


@router.post("/ack/{token}", response_class=HTMLResponse)
async def ack_confirm(request: Request, token: str, db: DbDep, settings: SettingsDep) -> HTMLResponse:
    try:
        group, who, changed = await acknowledge_with_token(db, settings, token)
    except BalizaError as exc:
        return _page(request, status=exc.status, error=exc.message, done=False)
    return _page(request, done=True, who=who, changed=changed, title=triage_flows.render_title(group), group=group)


__all__ = ["router"]
