"""The response desk: drafts with their tone check, approvals, publishing (dry run), the inbox; no deleting."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from fastapi import APIRouter, status

from baliza.core.errors import PermissionDeniedError
from baliza.core.i18n import _, get_locale
from baliza.plans import flows as plan_flows
from baliza.publishing import channels
from baliza.responses import assist_flows
from baliza.responses import flows as response_flows
from baliza.responses import service as response_service
from baliza.responses.models import InboxStatus, Response
from baliza.responses.schemas import AssignIn, Decision, InboxRead, ResponseCreate, ResponseEdit, ResponseRead
from baliza.web.auth import ResponderDep, ViewerDep, WorkspaceAccess
from baliza.web.deps import DbDep, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/workspaces/{slug}", tags=["responses"])


def delete_refused_message() -> str:
    """The refusal, in the reader's language."""
    return _("Deleting public posts is refused by the crisis policy: clarify, apologise, and publish a follow-up.")


async def _read(session: SessionDep, response: Response) -> ResponseRead:
    out = ResponseRead.model_validate(response)
    out.approvals = [
        {"role": a.role, "by": a.approved_by, "decision": a.decision, "comment": a.comment, "at": a.at.isoformat()}
        for a in await response_service.approvals(db_session=session, response_id=response.id)
    ]
    return out


@router.get("/responses", response_model=list[ResponseRead])
async def list_responses(
    session: SessionDep, access: ViewerDep, incident_id: int | None = None, status: str | None = None
) -> list[ResponseRead]:
    """Drafts, statements and replies, newest first."""
    rows = await response_service.list_responses(
        db_session=session, workspace_id=access.workspace.id, incident_id=incident_id, status=status
    )
    return [await _read(session, r) for r in rows]


@router.post("/responses", response_model=ResponseRead, status_code=status.HTTP_201_CREATED)
async def create_response(body: ResponseCreate, session: SessionDep, access: ResponderDep) -> ResponseRead:
    """A draft, checked for tone at once (each flag with its reason)."""
    plan = await plan_flows.current_plan(db_session=session, workspace_id=access.workspace.id)
    response = await response_flows.create_draft(
        db_session=session, workspace_id=access.workspace.id, plan=plan, text=body.text, lang=body.lang,
        kind=body.kind, incident_id=body.incident_id, mention_id=body.mention_id, channel=body.channel,
        template=body.template, actor=access.actor,
    )  # fmt: skip
    await session.commit()
    return await _read(session, response)


async def _get(session: SessionDep, access: WorkspaceAccess, response_id: int) -> Response:
    return await response_service.get(db_session=session, workspace_id=access.workspace.id, response_id=response_id)


@router.get("/responses/{response_id}", response_model=ResponseRead)
async def get_response(response_id: int, session: SessionDep, access: ViewerDep) -> ResponseRead:
    """One response with its tone check and approvals."""
    return await _read(session, await _get(session, access, response_id))


@router.put("/responses/{response_id}", response_model=ResponseRead)
async def edit_response(
    response_id: int, body: ResponseEdit, session: SessionDep, access: ResponderDep
) -> ResponseRead:
    """New text: checked again; approvals start over."""
    response = await _get(session, access, response_id)
    await response_flows.edit_draft(db_session=session, response=response, text=body.text, actor=access.actor)
    await session.commit()
    return await _read(session, response)


@router.post("/responses/{response_id}/submit", response_model=ResponseRead)
async def submit(response_id: int, session: SessionDep, access: ResponderDep) -> ResponseRead:
    """Ask for the approvals the plan requires (approved at once when none are needed)."""
    response = await _get(session, access, response_id)
    await response_flows.submit(db_session=session, response=response, actor=access.actor)
    await session.commit()
    return await _read(session, response)


@router.post("/responses/{response_id}/approve", response_model=ResponseRead)
async def approve(response_id: int, decision: Decision, session: SessionDep, access: ResponderDep) -> ResponseRead:
    """Approve for a plan role you hold (viewers never approve)."""
    response = await _get(session, access, response_id)
    await response_flows.decide(
        db_session=session, response=response, role=decision.role, approve=True, actor=access.actor,
        actor_plan_roles=access.plan_roles, comment=decision.comment,
    )  # fmt: skip
    await session.commit()
    return await _read(session, response)


@router.post("/responses/{response_id}/reject", response_model=ResponseRead)
async def reject(response_id: int, decision: Decision, session: SessionDep, access: ResponderDep) -> ResponseRead:
    """Send it back, with a comment."""
    response = await _get(session, access, response_id)
    await response_flows.decide(
        db_session=session, response=response, role=decision.role, approve=False, actor=access.actor,
        actor_plan_roles=access.plan_roles, comment=decision.comment,
    )  # fmt: skip
    await session.commit()
    return await _read(session, response)


@router.post("/responses/{response_id}/publish", response_model=ResponseRead)
async def publish(
    response_id: int, session: SessionDep, db: DbDep, settings: SettingsDep, access: ResponderDep
) -> ResponseRead:
    """Publish an approved response (a dry run unless a publisher is configured for real)."""
    response = await _get(session, access, response_id)
    await response_flows.publish(
        db_session=session,
        response=response,
        publish_fn=channels.response_publisher(db, access.workspace.id, settings),
        actor=access.actor,
    )
    await session.commit()
    return await _read(session, response)


@router.delete("/responses/{response_id}/publication", status_code=status.HTTP_403_FORBIDDEN)
async def delete_publication(response_id: int, session: SessionDep, access: ResponderDep) -> None:
    """Always refused: the plan never deletes public posts. The attempt is audited."""
    response = await _get(session, access, response_id)
    await response_flows.refuse_deletion(
        db_session=session, workspace_id=access.workspace.id, target=f"response:{response.id}", actor=access.actor,
        incident_id=response.incident_id,
    )  # fmt: skip
    await session.commit()
    raise PermissionDeniedError(delete_refused_message(), code="delete_refused")


@router.get("/inbox", response_model=list[InboxRead])
async def inbox(session: SessionDep, access: ViewerDep, include_done: bool = False) -> list[InboxRead]:
    """Mentions that want an answer, most urgent first (risk × reach × waiting), with SLA clocks."""
    plan = await plan_flows.current_plan(db_session=session, workspace_id=access.workspace.id)
    entries = await response_flows.inbox(
        db_session=session, workspace_id=access.workspace.id, plan=plan, include_done=include_done
    )
    return [
        InboxRead(
            mention_id=e.mention.id,
            platform=e.mention.platform,
            text=e.mention.text,
            url=e.mention.url,
            created_at=e.mention.created_at.astimezone(UTC),
            author=e.author.handle if e.author else None,
            followers=e.author.followers if e.author else None,
            sentiment=e.mention.sentiment,
            issue_types=list(e.mention.issue_types or []),
            priority=e.priority,
            due_at=e.due_at,
            overdue=e.overdue,
            minutes_waiting=round(e.minutes_waiting, 1),
            status=e.state.status if e.state else InboxStatus.open,
            assignee=e.state.assignee if e.state else None,
        )
        for e in entries
    ]


@router.get("/inbox/{mention_id}/drafts")
async def reply_drafts(
    mention_id: int, session: SessionDep, settings: SettingsDep, access: ViewerDep, lang: str | None = None
) -> dict[str, Any]:
    """Reply drafts for one mention, each with its tone check: the assistant's if configured, else the templates."""
    mention, data = await assist_flows.mention_input(
        db_session=session, workspace_id=access.workspace.id, mention_id=mention_id
    )
    plan = await plan_flows.current_plan(db_session=session, workspace_id=access.workspace.id)
    context = await assist_flows.draft_context(db_session=session, mention=mention, plan=plan)
    code = lang or (mention.lang if mention.lang in ("es", "en") else get_locale())
    drafts, source = await assist_flows.assist_for(settings).drafts(data, context, code)
    return {"source": str(source), "drafts": [d.as_dict() for d in drafts]}


@router.post("/inbox/{mention_id}/assign", status_code=status.HTTP_204_NO_CONTENT)
async def assign(mention_id: int, body: AssignIn, session: SessionDep, access: ResponderDep) -> None:
    """Give a mention to someone to answer."""
    await response_flows.assign_mention(
        db_session=session, workspace_id=access.workspace.id, mention_id=mention_id, assignee=body.assignee,
        actor=access.actor,
    )  # fmt: skip
    await session.commit()


@router.post("/inbox/{mention_id}/handled", status_code=status.HTTP_204_NO_CONTENT)
async def handled(mention_id: int, session: SessionDep, access: ResponderDep) -> None:
    """No public answer needed."""
    await response_flows.mark_handled(
        db_session=session, workspace_id=access.workspace.id, mention_id=mention_id, actor=access.actor
    )
    await session.commit()


__all__ = ["router"]
