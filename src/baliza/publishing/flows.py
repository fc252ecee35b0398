"""The content calendar and its crisis freeze.

While an incident at or above the plan's freeze severity is open, posts that fall due are **held**:
kept, never dropped, and shown with a banner. ``freeze: promotional`` holds promotional posts only;
``freeze: all`` holds everything scheduled. A held post goes out only when someone with the lead role
(or above) reviews it and releases it; it can also be rescheduled or cancelled, never silently lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.clock import utcnow
from baliza.core.errors import InvalidTransitionError, NotFoundError, ValidationError
from baliza.core.i18n import N_, _
from baliza.incidents import service as incident_service
from baliza.incidents import timeline
from baliza.incidents.models import Incident
from baliza.plans.schema import Plan
from baliza.publishing.models import PostStatus, ScheduledPost
from baliza.triage.severity import SEVERITIES

PostPublishFn = Callable[[ScheduledPost], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Freeze:
    """The freeze in force: which incident causes it and what it holds (promotional or all)."""

    incident: Incident
    scope: str  # "promotional" or "all"

    def holds(self, post: ScheduledPost) -> bool:
        """Whether this freeze keeps ``post`` from going out."""
        return self.scope == "all" or (self.scope == "promotional" and post.is_promotional)


def freeze_scope(plan: Plan | None, severity: str) -> str:
    """What an incident of ``severity`` freezes: none, promotional or all."""
    if plan is None:
        return "all" if severity == "sev1" else "promotional" if severity == "sev2" else "none"
    level = plan.severities.get(severity)
    scope = str(level.freeze) if level is not None else "none"
    threshold = plan.policies.freeze_scheduled_posts_from
    if (
        scope == "none"
        and threshold is not None
        and severity in SEVERITIES
        and threshold in SEVERITIES
        and SEVERITIES.index(severity) <= SEVERITIES.index(threshold)
    ):
        scope = "promotional"
    return scope


async def active_freeze(*, db_session: AsyncSession, workspace_id: int, plan: Plan | None) -> Freeze | None:
    """The strongest freeze among open incidents, if any."""
    best: Freeze | None = None
    for incident in await incident_service.open_incidents(db_session=db_session, workspace_id=workspace_id):
        scope = freeze_scope(plan, incident.severity)
        if scope == "none":
            continue
        if best is None or (scope == "all" and best.scope != "all"):
            best = Freeze(incident, scope)
    return best


async def schedule(
    *,
    db_session: AsyncSession,
    workspace_id: int,
    channel: str,
    text: str,
    scheduled_at: datetime,
    is_promotional: bool,
    lang: str | None,
    actor: str,
) -> ScheduledPost:
    """Put a post on the calendar."""
    if scheduled_at.tzinfo is None:
        raise ValidationError(
            _("scheduled_at has no time zone; add one, e.g. +01:00 or Z"),
            details={"field": "scheduled_at", "value": scheduled_at.isoformat()},
        )
    if not text.strip():
        raise ValidationError(_("The post is empty."), details={"field": "text"})
    post = ScheduledPost(
        workspace_id=workspace_id, channel=channel, text=text, lang=lang, is_promotional=is_promotional,
        scheduled_at=scheduled_at, created_by=actor, status=PostStatus.scheduled,
    )  # fmt: skip
    db_session.add(post)
    await db_session.flush()
    return post


async def get_post(*, db_session: AsyncSession, workspace_id: int, post_id: int) -> ScheduledPost:
    """One scheduled post of a workspace."""
    post = await db_session.get(ScheduledPost, post_id)
    if post is None or post.workspace_id != workspace_id:
        raise NotFoundError(
            _("No scheduled post {post_id} in this workspace.").format(post_id=post_id),
            details={"field": "post_id", "value": post_id},
        )
    return post


async def calendar(
    *, db_session: AsyncSession, workspace_id: int, since: datetime | None = None, limit: int = 500
) -> list[ScheduledPost]:
    """Posts in calendar order."""
    query = select(ScheduledPost).where(ScheduledPost.workspace_id == workspace_id)
    if since is not None:
        query = query.where(ScheduledPost.scheduled_at >= since)
    query = query.order_by(ScheduledPost.scheduled_at, ScheduledPost.id).limit(limit)
    return list((await db_session.execute(query)).scalars())


async def run_due(
    *,
    db_session: AsyncSession,
    workspace_id: int,
    plan: Plan | None,
    publish_fn: PostPublishFn,
    now: datetime | None = None,
) -> dict[str, list[int]]:
    """Publish what is due, or hold it when a freeze covers it; returns the ids published and held."""
    now = now or utcnow()
    freeze = await active_freeze(db_session=db_session, workspace_id=workspace_id, plan=plan)
    query = select(ScheduledPost).where(
        ScheduledPost.workspace_id == workspace_id,
        ScheduledPost.status == PostStatus.scheduled,
        ScheduledPost.scheduled_at <= now,
    )
    done: dict[str, list[int]] = {"published": [], "held": [], "failed": []}
    for post in (await db_session.execute(query.order_by(ScheduledPost.scheduled_at))).scalars():
        if freeze is not None and freeze.holds(post):
            post.status = PostStatus.held
            post.held_by_incident_id = freeze.incident.id
            post.held_at = now
            done["held"].append(post.id)
            await timeline.add(
                db_session=db_session, workspace_id=workspace_id, incident_id=freeze.incident.id, kind="post_held",
                at=now, message=N_("Scheduled post {id} on {channel} held by the crisis freeze ({scope})."),
                params={"id": post.id, "channel": post.channel, "scope": freeze.scope},
            )  # fmt: skip
            continue
        try:
            post.publication = await publish_fn(post)
        except Exception as exc:  # a publisher failure leaves the post failed and visible, never dropped
            post.status = PostStatus.failed
            post.publication = {"error": type(exc).__name__, "message": getattr(exc, "message", "")}
            done["failed"].append(post.id)
            continue
        post.status = PostStatus.published
        post.published_at = now
        done["published"].append(post.id)
    await db_session.flush()
    return done


async def release(
    *,
    db_session: AsyncSession,
    post: ScheduledPost,
    actor: str,
    note: str | None,
    publish_fn: PostPublishFn,
    now: datetime | None = None,
) -> ScheduledPost:
    """A reviewed held post goes out now."""
    now = now or utcnow()
    if post.status != PostStatus.held:
        raise InvalidTransitionError(
            _("Post {post_id} is {status}; only held posts are released.").format(post_id=post.id, status=post.status)
        )
    post.reviewed_by = actor
    post.reviewed_at = now
    post.review_note = note
    post.publication = await publish_fn(post)
    post.status = PostStatus.published
    post.published_at = now
    if post.held_by_incident_id is not None:
        await timeline.add(
            db_session=db_session, workspace_id=post.workspace_id, incident_id=post.held_by_incident_id,
            kind="post_released", actor=actor, at=now,
            message=N_("{actor} reviewed and released held post {id} on {channel}."),
            params={"actor": actor, "id": post.id, "channel": post.channel},
        )  # fmt: skip
    return post


async def cancel(*, db_session: AsyncSession, post: ScheduledPost, actor: str, note: str | None) -> ScheduledPost:
    """Take a post off the calendar (kept, marked cancelled)."""
    if post.status not in (PostStatus.scheduled, PostStatus.held):
        raise InvalidTransitionError(
            _("Post {post_id} is {status}; it cannot be cancelled.").format(post_id=post.id, status=post.status)
        )
    post.status = PostStatus.cancelled
    post.reviewed_by = actor
    post.reviewed_at = utcnow()
    post.review_note = note
    return post


__all__ = [
    "Freeze",
    "PostPublishFn",
    "active_freeze",
    "calendar",
    "cancel",
    "freeze_scope",
    "get_post",
    "release",
    "run_due",
    "schedule",
]
