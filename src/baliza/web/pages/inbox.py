"""The response desk: the prioritised inbox with SLA clocks, replies with a live tone check, approvals, publishing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.incidents import service as incident_service
from baliza.ingest.models import Author, Mention
from baliza.plans import flows as plan_flows
from baliza.publishing import channels
from baliza.responses import flows as response_flows
from baliza.responses import service as response_service
from baliza.responses.models import Response, ResponseKind, ResponseStatus
from baliza.responses.templates import BUNDLED_TEMPLATES, render_bundled
from baliza.responses.tone import LANGUAGES, check_draft
from baliza.web.auth import ResponderDep, ViewerDep, WorkspaceAccess
from baliza.web.deps import DbDep, SessionDep, SettingsDep
from baliza.web.pages.common import back_to, render

router = APIRouter(include_in_schema=False)


async def _mention(session: AsyncSession, access: WorkspaceAccess, mention_id: int) -> Mention:
    mention = await session.get(Mention, mention_id)
    if mention is None or mention.workspace_id != access.workspace.id:
        raise ValidationError(
            _("No mention {mention_id} in this workspace.").format(mention_id=mention_id),
            details={"field": "mention_id", "value": mention_id},
        )
    return mention


def template_text(template_id: str, lang: str, author: Author | None) -> str:
    """A bundled reply template in ``lang``, the person's name filled in and the rest as visible placeholders.

    The placeholders (``[CONTACT]``, ``[NEXT_UPDATE]``…) are what the tone check flags as "not filled in",
    so nobody sends a reply that still has one.
    """
    template = BUNDLED_TEMPLATES[template_id]
    variables = {name: f"[{name.upper()}]" for name in template.variables}
    if author is not None and "name" in variables:
        variables["name"] = (author.display_name or author.handle).strip()
    return render_bundled(template_id, lang if lang in template.sources else "es", variables)


@router.get("/w/{slug}/inbox", response_class=HTMLResponse)
async def inbox_page(request: Request, session: SessionDep, access: ViewerDep, done: bool = False) -> HTMLResponse:
    """Mentions that want an answer, most urgent first, and the responses waiting for a decision."""
    ws = access.workspace.id
    plan = await plan_flows.current_plan(db_session=session, workspace_id=ws)
    entries = await response_flows.inbox(db_session=session, workspace_id=ws, plan=plan, include_done=done)
    recent = await response_service.list_responses(db_session=session, workspace_id=ws)
    pending = [r for r in recent if r.status in (ResponseStatus.pending_approval, ResponseStatus.approved)]
    unsent = (ResponseStatus.draft, ResponseStatus.rejected)
    drafts = [r for r in recent if r.status in unsent and r.kind == ResponseKind.reply][:20]
    approvals = {r.id: await response_service.approvals(db_session=session, response_id=r.id) for r in pending + drafts}
    incidents = {i.id: i for i in await incident_service.open_incidents(db_session=session, workspace_id=ws)}
    return render(
        request,
        "inbox.html",
        access=access,
        section="inbox",
        entries=entries,
        pending=pending,
        drafts=drafts,
        approvals=approvals,
        incidents=incidents,
        templates=sorted(BUNDLED_TEMPLATES.values(), key=lambda t: t.id),
        people=sorted(p.name for p in plan.people.values()) if plan else [],
        languages=LANGUAGES,
        show_done=done,
        back=f"/w/{access.workspace.slug}/inbox",
    )


@router.get("/w/{slug}/inbox/template", response_class=HTMLResponse)
async def inbox_template(
    request: Request,
    session: SessionDep,
    access: ResponderDep,
    mention_id: int,
    template: str = "",
    lang: str = "es",
) -> HTMLResponse:
    """The reply textarea filled from a bundled template (htmx swaps it into the composer)."""
    mention = await _mention(session, access, mention_id)
    author = await session.get(Author, mention.author_id) if mention.author_id is not None else None
    text = template_text(template, lang, author) if template in BUNDLED_TEMPLATES else ""
    return render(request, "_reply_text.html", access=access, m=mention, text=text, lang=lang)


@router.post("/w/{slug}/tone", response_class=HTMLResponse)
async def tone_check(
    request: Request,
    session: SessionDep,
    access: ViewerDep,
    text: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = ResponseKind.reply,
    mention_id: Annotated[str, Form()] = "",
    incident_id: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The tone check of a draft as it is written (nothing is stored): the flags, each with its reason."""
    if not text.strip():
        return HTMLResponse("")
    mention = await _mention(session, access, int(mention_id)) if mention_id.isdigit() else None
    incident = (
        await incident_service.get(db_session=session, workspace_id=access.workspace.id, incident_id=int(incident_id))
        if incident_id.isdigit()
        else None
    )
    report = check_draft(text[:20_000], lang=lang or None, context=response_flows.tone_context(kind, incident, mention))
    return render(request, "_tone.html", access=access, tone=report.as_dict())


@router.post("/w/{slug}/inbox/{mention_id}/reply")
async def reply(
    mention_id: int,
    session: SessionDep,
    access: ResponderDep,
    text: Annotated[str, Form()],
    lang: Annotated[str, Form()] = "es",
    template: Annotated[str, Form()] = "",
    incident_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Draft a reply to a mention; it is submitted at once when the tone check lets it through."""
    await _mention(session, access, mention_id)
    plan = await plan_flows.current_plan(db_session=session, workspace_id=access.workspace.id)
    response = await response_flows.create_draft(
        db_session=session, workspace_id=access.workspace.id, plan=plan, text=text, lang=lang,
        kind=ResponseKind.reply, mention_id=mention_id, template=template or None, actor=access.actor,
        incident_id=int(incident_id) if incident_id.isdigit() else None,
    )  # fmt: skip
    notice = "drafted"
    if response.tone.get("ok", True):
        await response_flows.submit(db_session=session, response=response, actor=access.actor)
        notice = "submitted"
    await session.commit()
    url = f"/w/{access.workspace.slug}/inbox"
    return back_to(url, url, notice)


@router.post("/w/{slug}/inbox/{mention_id}/assign")
async def assign(
    mention_id: int, session: SessionDep, access: ResponderDep, assignee: Annotated[str, Form()] = ""
) -> RedirectResponse:
    """Give a mention to someone to answer."""
    if not assignee.strip():
        raise ValidationError(_("Say who answers it."), details={"field": "assignee"})
    await _mention(session, access, mention_id)
    await response_flows.assign_mention(
        db_session=session, workspace_id=access.workspace.id, mention_id=mention_id, assignee=assignee.strip(),
        actor=access.actor,
    )  # fmt: skip
    await session.commit()
    url = f"/w/{access.workspace.slug}/inbox"
    return back_to(url, url, "assigned")


@router.post("/w/{slug}/inbox/{mention_id}/handled")
async def handled(mention_id: int, session: SessionDep, access: ResponderDep) -> RedirectResponse:
    """No public answer needed: the mention leaves the inbox."""
    await _mention(session, access, mention_id)
    await response_flows.mark_handled(
        db_session=session, workspace_id=access.workspace.id, mention_id=mention_id, actor=access.actor
    )
    await session.commit()
    url = f"/w/{access.workspace.slug}/inbox"
    return back_to(url, url, "handled")


async def _response(session: AsyncSession, access: WorkspaceAccess, response_id: int) -> Response:
    return await response_service.get(db_session=session, workspace_id=access.workspace.id, response_id=response_id)


@router.post("/w/{slug}/responses/{response_id}/submit")
async def submit(
    response_id: int, session: SessionDep, access: ResponderDep, back: Annotated[str, Form()] = ""
) -> RedirectResponse:
    """Ask for the approvals the plan requires."""
    response = await _response(session, access, response_id)
    await response_flows.submit(db_session=session, response=response, actor=access.actor)
    await session.commit()
    return back_to(back, f"/w/{access.workspace.slug}/inbox", "submitted")


@router.post("/w/{slug}/responses/{response_id}/approve")
async def approve(
    response_id: int,
    session: SessionDep,
    access: ResponderDep,
    role: Annotated[str, Form()],
    comment: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Approve for a plan role you hold (viewers get 403 before this runs; others without the role, from the flow)."""
    response = await _response(session, access, response_id)
    await response_flows.decide(
        db_session=session, response=response, role=role, approve=True, actor=access.actor,
        actor_plan_roles=access.plan_roles, comment=comment.strip() or None,
    )  # fmt: skip
    await session.commit()
    return back_to(back, f"/w/{access.workspace.slug}/inbox", "approved")


@router.post("/w/{slug}/responses/{response_id}/reject")
async def reject(
    response_id: int,
    session: SessionDep,
    access: ResponderDep,
    role: Annotated[str, Form()],
    comment: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Send a response back with a comment."""
    response = await _response(session, access, response_id)
    await response_flows.decide(
        db_session=session, response=response, role=role, approve=False, actor=access.actor,
        actor_plan_roles=access.plan_roles, comment=comment.strip() or None,
    )  # fmt: skip
    await session.commit()
    return back_to(back, f"/w/{access.workspace.slug}/inbox", "rejected")


@router.post("/w/{slug}/responses/{response_id}/publish")
async def publish(
    response_id: int,
    session: SessionDep,
    db: DbDep,
    settings: SettingsDep,
    access: ResponderDep,
    back: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Publish an approved response (a dry run unless a publisher is configured)."""
    response = await _response(session, access, response_id)
    await response_flows.publish(
        db_session=session,
        response=response,
        publish_fn=channels.response_publisher(db, access.workspace.id, settings),
        actor=access.actor,
    )
    await session.commit()
    return back_to(back, f"/w/{access.workspace.slug}/inbox", "published")


__all__ = [
    "approve",
    "assign",
    "handled",
    "inbox_page",
    "inbox_template",
    "publish",
    "reject",
    "reply",
    "router",
    "submit",
    "template_text",
    "tone_check",
]
