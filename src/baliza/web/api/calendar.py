"""The content calendar: scheduled posts, the crisis freeze, review and release of held posts."""

from __future__ import annotations

from fastapi import APIRouter, status

from baliza.plans import flows as plan_flows
from baliza.publishing import flows as calendar_flows
from baliza.publishing import service as publishing_service
from baliza.publishing.schemas import CalendarRead, PostCreate, PostRead, PostReview
from baliza.web.auth import LeadDep, ResponderDep, ViewerDep
from baliza.web.deps import SessionDep

router = APIRouter(prefix="/api/v1/workspaces/{slug}/calendar", tags=["calendar"])


@router.get("", response_model=CalendarRead)
async def get_calendar(session: SessionDep, access: ViewerDep) -> CalendarRead:
    """Posts in calendar order, and the freeze in force (if any)."""
    plan = await plan_flows.current_plan(db_session=session, workspace_id=access.workspace.id)
    freeze = await calendar_flows.active_freeze(db_session=session, workspace_id=access.workspace.id, plan=plan)
    posts = await calendar_flows.calendar(db_session=session, workspace_id=access.workspace.id)
    return CalendarRead(
        freeze={"incident": freeze.incident.number, "title": freeze.incident.title, "scope": freeze.scope}
        if freeze
        else None,
        posts=[PostRead.model_validate(p) for p in posts],
    )


@router.post("", response_model=PostRead, status_code=status.HTTP_201_CREATED)
async def schedule(body: PostCreate, session: SessionDep, access: ResponderDep) -> PostRead:
    """Put a post on the calendar."""
    post = await calendar_flows.schedule(
        db_session=session, workspace_id=access.workspace.id, channel=body.channel, text=body.text,
        scheduled_at=body.scheduled_at, is_promotional=body.is_promotional, lang=body.lang, actor=access.actor,
    )  # fmt: skip
    await session.commit()
    return PostRead.model_validate(post)


@router.post("/{post_id}/release", response_model=PostRead)
async def release(post_id: int, review: PostReview, session: SessionDep, access: LeadDep) -> PostRead:
    """Reviewed: publish a held post now (leads and admins only)."""
    post = await calendar_flows.get_post(db_session=session, workspace_id=access.workspace.id, post_id=post_id)
    await calendar_flows.release(
        db_session=session, post=post, actor=access.actor, note=review.note,
        publish_fn=publishing_service.dry_run_post,
    )  # fmt: skip
    await session.commit()
    return PostRead.model_validate(post)


@router.post("/{post_id}/cancel", response_model=PostRead)
async def cancel(post_id: int, review: PostReview, session: SessionDep, access: LeadDep) -> PostRead:
    """Take a scheduled or held post off the calendar (it stays on record)."""
    post = await calendar_flows.get_post(db_session=session, workspace_id=access.workspace.id, post_id=post_id)
    await calendar_flows.cancel(db_session=session, post=post, actor=access.actor, note=review.note)
    await session.commit()
    return PostRead.model_validate(post)


__all__ = ["router"]
