"""The assistant fed from the database: a crisis summary for an incident, reply drafts for a mention.

Without ``BALIZA_ASSIST_BASE_URL`` (the default) nothing leaves Baliza: the extractive summary and the
bundled templates answer, and say so (``source``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.clock import utcnow
from baliza.core.config import Settings
from baliza.core.errors import NotFoundError
from baliza.core.i18n import _
from baliza.incidents.models import Incident
from baliza.ingest.models import Author, Mention, Story
from baliza.plans.schema import Plan
from baliza.responses.assist import Assist, AssistSettings
from baliza.responses.drafts import DraftContext
from baliza.responses.summary import MentionInput, StoryInput, SummaryInput

MAX_MENTIONS = 500
LEAD_IN = timedelta(hours=1)


def assist_for(settings: Settings) -> Assist:
    """The assistant configured by ``BALIZA_ASSIST_*`` (no model configured: the built-ins only)."""
    return Assist(
        AssistSettings(
            base_url=settings.assist_base_url,
            api_key=settings.assist_api_key,
            model=settings.assist_model,
            timeout=settings.assist_timeout_seconds,
            max_tokens=settings.assist_max_tokens,
            temperature=settings.assist_temperature,
            json_mode=settings.assist_json_mode,
        )
    )


def _mention_input(mention: Mention, author: Author | None) -> MentionInput:
    return MentionInput(
        id=mention.id,
        text=mention.text,
        lang=mention.lang,
        created_at=mention.created_at,
        platform=mention.platform,
        author_handle=author.handle if author else None,
        author_name=author.display_name if author else None,
        followers=author.followers if author else None,
        sentiment_label=mention.sentiment if mention.sentiment in ("negative", "neutral", "positive") else None,
        sentiment_score=mention.sentiment_score,
        issue_types=tuple(mention.issue_types or ()),
        story_id=mention.story_id,
    )


async def summary_input(*, db_session: AsyncSession, incident: Incident) -> SummaryInput:
    """What the summary is built from: the incident's mentions (the most recent), its stories, a baseline."""
    end = incident.resolved_at or utcnow()
    # The hour before: what led to it (an incident declared by hand starts when someone noticed).
    start = incident.started_at - LEAD_IN
    rows = (
        await db_session.execute(
            select(Mention, Author)
            .outerjoin(Author, Author.id == Mention.author_id)
            .where(
                Mention.workspace_id == incident.workspace_id,
                Mention.created_at >= start,
                Mention.created_at <= end,
            )
            .order_by(Mention.created_at.desc())
            .limit(MAX_MENTIONS)
        )
    ).all()
    story_ids = {m.story_id for m, _a in rows if m.story_id is not None}
    stories = (
        list((await db_session.execute(select(Story).where(Story.id.in_(story_ids)))).scalars()) if story_ids else []
    )
    baseline = (
        await db_session.execute(
            select(Mention.text)
            .where(
                Mention.workspace_id == incident.workspace_id,
                Mention.created_at < start,
                Mention.created_at >= start - timedelta(days=1),
            )
            .limit(2000)
        )
    ).scalars()
    return SummaryInput(
        title=incident.title,
        severity=incident.severity,
        started_at=incident.started_at,
        mentions=tuple(_mention_input(m, a) for m, a in rows),
        stories=tuple(
            StoryInput(
                id=s.id, size=max(s.size, 1), growth_per_hour=(s.growth or {}).get("current_per_hour"),
                representative_text=s.representative_text or "-", representative_mention_id=s.representative_mention_id,
                platforms=tuple(sorted(s.platforms or {})),
            )
            for s in stories
        ),
        baseline_texts=tuple(baseline),
    )  # fmt: skip


async def draft_context(*, db_session: AsyncSession, mention: Mention, plan: Plan | None) -> DraftContext:
    """What a reply may say: the open incident (if any), where to write, when the next update is."""
    incident = (
        await db_session.execute(
            select(Incident)
            .where(Incident.workspace_id == mention.workspace_id, Incident.status.notin_(("resolved", "reviewed")))
            .order_by(Incident.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    interval = (plan.policies.public_update_interval_minutes if plan else None) or 30
    zone = plan.zone if plan else None
    next_update = utcnow() + timedelta(minutes=interval)
    return DraftContext(
        incident_title=incident.title if incident else None,
        severity=incident.severity if incident and incident.severity in ("sev1", "sev2", "sev3", "sev4") else None,
        in_crisis=incident is not None,
        apology_due=mention.sentiment == "negative",
        contact=_("direct message"),
        next_update=(next_update.astimezone(zone) if zone else next_update).strftime("%H:%M"),
    )


async def mention_input(
    *, db_session: AsyncSession, workspace_id: int, mention_id: int
) -> tuple[Mention, MentionInput]:
    """A stored mention as the assistant sees it."""
    row = (
        await db_session.execute(
            select(Mention, Author).outerjoin(Author, Author.id == Mention.author_id).where(Mention.id == mention_id)
        )
    ).one_or_none()
    if row is None or row[0].workspace_id != workspace_id:
        raise NotFoundError(
            _("No mention {mention_id} in this workspace.").format(mention_id=mention_id),
            details={"field": "mention_id", "value": mention_id},
        )
    return row[0], _mention_input(row[0], row[1])


def as_payload(obj: Any) -> Any:
    """Plain data for the API."""
    return obj.as_dict() if hasattr(obj, "as_dict") else obj


__all__ = ["as_payload", "assist_for", "draft_context", "mention_input", "summary_input"]
