"""The timeline: every step, page, acknowledgement, note and failure, in order.

Entries store an English message with its parameters, not a rendered sentence, so each reader sees
the timeline in their own language: ``render(entry)`` translates at read time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.clock import utcnow
from baliza.core.i18n import get_locale, gettext
from baliza.incidents.models import TimelineEntry


async def add(
    *,
    db_session: AsyncSession,
    workspace_id: int,
    kind: str,
    message: str,
    params: dict[str, Any] | None = None,
    incident_id: int | None = None,
    alert_group_id: int | None = None,
    actor: str | None = None,
    at: datetime | None = None,
    is_failure: bool = False,
    extra: dict[str, Any] | None = None,
) -> TimelineEntry:
    """Write one entry; ``message`` is an English msgid with ``{placeholders}`` filled from ``params``."""
    entry = TimelineEntry(
        workspace_id=workspace_id,
        incident_id=incident_id,
        alert_group_id=alert_group_id,
        kind=kind,
        actor=actor,
        at=at or utcnow(),
        is_failure=is_failure,
        data={"message": message, "params": params or {}, **(extra or {})},
    )
    db_session.add(entry)
    await db_session.flush()
    return entry


def render(entry: TimelineEntry) -> str:
    """The entry's sentence in the active language."""
    message = str(entry.data.get("message", entry.kind))
    params = dict(entry.data.get("params") or {})
    title = entry.data.get("title")
    if isinstance(title, dict) and "task" in params:  # a task's title exists in both languages
        params["task"] = title.get(get_locale()) or params["task"]
    try:
        return gettext(message).format(**params)
    except (KeyError, IndexError, ValueError):
        return message


async def list_for(
    *,
    db_session: AsyncSession,
    incident_id: int | None = None,
    alert_group_ids: list[int] | None = None,
    limit: int = 1000,
) -> list[TimelineEntry]:
    """Entries of an incident and/or alert groups, oldest first."""
    conditions = []
    if incident_id is not None:
        conditions.append(TimelineEntry.incident_id == incident_id)
    if alert_group_ids:
        conditions.append(TimelineEntry.alert_group_id.in_(alert_group_ids))
    if not conditions:
        return []
    query = select(TimelineEntry).where(or_(*conditions)).order_by(TimelineEntry.at, TimelineEntry.id).limit(limit)
    return list((await db_session.execute(query)).scalars())


__all__ = ["add", "list_for", "render"]
