"""The content calendar: scheduled posts by day, the crisis freeze, held posts to review, a form to schedule."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from baliza.core.clock import utcnow
from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.plans import flows as plan_flows
from baliza.publishing import channels
from baliza.publishing import flows as calendar_flows
from baliza.publishing.models import ScheduledPost
from baliza.web.auth import LeadDep, ResponderDep, ViewerDep
from baliza.web.deps import DbDep, SessionDep, SettingsDep
from baliza.web.pages.common import back_to, render, workspace_zone

router = APIRouter(include_in_schema=False)

CHANNELS = ("x", "instagram", "facebook", "mastodon", "bluesky", "linkedin", "youtube", "tiktok", "email", "web")


def by_day(posts: list[ScheduledPost], zone_name: str) -> list[tuple[date, list[ScheduledPost]]]:
    """Posts grouped by their day in the workspace's time zone, in calendar order."""
    zone = workspace_zone(zone_name)
    days: dict[date, list[ScheduledPost]] = {}
    for post in posts:
        days.setdefault(post.scheduled_at.astimezone(zone).date(), []).append(post)
    return sorted(days.items())


@router.get("/w/{slug}/calendar", response_class=HTMLResponse)
async def calendar_page(request: Request, session: SessionDep, access: ViewerDep) -> HTMLResponse:
    """Posts by day, with the freeze in force and the held posts waiting for a review."""
    ws = access.workspace.id
    plan = await plan_flows.current_plan(db_session=session, workspace_id=ws)
    freeze = await calendar_flows.active_freeze(db_session=session, workspace_id=ws, plan=plan)
    posts = await calendar_flows.calendar(db_session=session, workspace_id=ws)
    held = [p for p in posts if p.status == "held"]
    zone = workspace_zone(access.workspace.timezone)
    default_at = (utcnow() + timedelta(hours=1)).astimezone(zone).replace(minute=0, second=0, microsecond=0)
    return render(
        request,
        "calendar.html",
        access=access,
        section="calendar",
        freeze=freeze,
        days=[(group[0].scheduled_at, group) for _day, group in by_day(posts, access.workspace.timezone)],
        held=held,
        channels=CHANNELS,
        languages=sorted({*(access.workspace.languages or []), "es", "en"}),
        default_at=default_at,
    )


def _local(value: str, zone_name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(
            _("Not a date and time: {value}").format(value=value), details={"field": "scheduled_at", "value": value}
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=workspace_zone(zone_name))


@router.post("/w/{slug}/calendar")
async def schedule(
    session: SessionDep,
    access: ResponderDep,
    channel: Annotated[str, Form()],
    text: Annotated[str, Form()],
    scheduled_at: Annotated[str, Form()],
    lang: Annotated[str, Form()] = "",
    is_promotional: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Put a post on the calendar (its time is read in the workspace's time zone)."""
    await calendar_flows.schedule(
        db_session=session, workspace_id=access.workspace.id, channel=channel.strip() or "x", text=text,
        scheduled_at=_local(scheduled_at, access.workspace.timezone), is_promotional=bool(is_promotional),
        lang=lang or None, actor=access.actor,
    )  # fmt: skip
    await session.commit()
    url = f"/w/{access.workspace.slug}/calendar"
    return back_to(url, url, "scheduled")


@router.post("/w/{slug}/calendar/{post_id}/release")
async def release(
    post_id: int,
    session: SessionDep,
    db: DbDep,
    settings: SettingsDep,
    access: LeadDep,
    note: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """A lead reviewed a held post: it is published now."""
    post = await calendar_flows.get_post(db_session=session, workspace_id=access.workspace.id, post_id=post_id)
    await calendar_flows.release(
        db_session=session, post=post, actor=access.actor, note=note.strip() or None,
        publish_fn=channels.post_publisher(db, access.workspace.id, settings),
    )  # fmt: skip
    await session.commit()
    url = f"/w/{access.workspace.slug}/calendar"
    return back_to(url, url, "released")


@router.post("/w/{slug}/calendar/{post_id}/cancel")
async def cancel(
    post_id: int, session: SessionDep, access: LeadDep, note: Annotated[str, Form()] = ""
) -> RedirectResponse:
    """Take a scheduled or held post off the calendar (kept on record)."""
    post = await calendar_flows.get_post(db_session=session, workspace_id=access.workspace.id, post_id=post_id)
    await calendar_flows.cancel(db_session=session, post=post, actor=access.actor, note=note.strip() or None)
    await session.commit()
    url = f"/w/{access.workspace.slug}/calendar"
    return back_to(url, url, "cancelled")


__all__ = ["by_day", "calendar_page", "cancel", "release", "router", "schedule"]
