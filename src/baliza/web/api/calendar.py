"""The content calendar: scheduled posts, the crisis freeze, review and release of held posts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from baliza.plans import flows as plan_flows
from baliza.publishing import channels
from baliza.publishing import flows as calendar_flows
from baliza.publishing.schemas import CalendarRead, PostCreate, PostRead, PostReview
from baliza.web.auth import AdminDep, LeadDep, ResponderDep, ViewerDep
from baliza.web.deps import DbDep, SessionDep, SettingsDep

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
async def release(
    post_id: int, review: PostReview, session: SessionDep, db: DbDep, settings: SettingsDep, access: LeadDep
) -> PostRead:
    """Reviewed: publish a held post now (leads and admins only)."""
    post = await calendar_flows.get_post(db_session=session, workspace_id=access.workspace.id, post_id=post_id)
    await calendar_flows.release(
        db_session=session, post=post, actor=access.actor, note=review.note,
        publish_fn=channels.post_publisher(db, access.workspace.id, settings),
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


channels_router = APIRouter(prefix="/api/v1/workspaces/{slug}/channels", tags=["calendar"])


class ChannelIn(BaseModel):
    name: str = Field(min_length=1, max_length=64, description="The channel name responses and posts use, e.g. x")
    kind: str = Field(description="The publisher: mastodon or bluesky (or a plugin)")
    settings: dict[str, Any] = Field(default_factory=dict)
    live: bool = Field(False, description="Off: every publication is a dry run that records the exact request")


@channels_router.get("")
async def list_channels(session: SessionDep, access: ViewerDep) -> list[dict[str, Any]]:
    """Where the desk publishes; secrets masked."""
    return [
        channels.shown(c) for c in await channels.list_channels(db_session=session, workspace_id=access.workspace.id)
    ]


@channels_router.post("", status_code=status.HTTP_201_CREATED)
async def add_channel(
    channel_in: ChannelIn, session: SessionDep, settings: SettingsDep, access: AdminDep
) -> dict[str, Any]:
    """Configure a publisher for a channel (admins); dry run unless ``live``."""
    channel = await channels.create(
        db_session=session, workspace_id=access.workspace.id, name=channel_in.name, kind=channel_in.kind,
        raw=channel_in.settings, live=channel_in.live, settings=settings,
    )  # fmt: skip
    await session.commit()
    return channels.shown(channel)


__all__ = ["channels_router", "router"]
