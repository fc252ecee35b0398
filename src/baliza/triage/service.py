"""Reads and writes of alert groups, escalations and pages (no notifications here: see flows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.errors import NotFoundError
from baliza.core.i18n import _
from baliza.triage.models import (
    AlertGroup,
    AlertGroupSignal,
    AlertStatus,
    Escalation,
    EscalationStatus,
    Page,
    PageStatus,
)


async def get_group(*, db_session: AsyncSession, workspace_id: int, alert_group_id: int) -> AlertGroup:
    """One alert of a workspace; NotFoundError otherwise."""
    group = await db_session.get(AlertGroup, alert_group_id)
    if group is None or group.workspace_id != workspace_id:
        raise NotFoundError(
            _("No alert {alert_id} in this workspace.").format(alert_id=alert_group_id),
            details={"field": "alert_id", "value": alert_group_id},
        )
    return group


async def open_group_by_key(*, db_session: AsyncSession, workspace_id: int, group_key: str) -> AlertGroup | None:
    """The group with this key that is not resolved, if any."""
    query = select(AlertGroup).where(
        AlertGroup.workspace_id == workspace_id,
        AlertGroup.group_key == group_key,
        AlertGroup.status != AlertStatus.resolved,
    )
    return (await db_session.execute(query)).scalar_one_or_none()


async def get_or_create_group(
    *, db_session: AsyncSession, workspace_id: int, group_key: str, values: dict[str, Any]
) -> tuple[AlertGroup, bool]:
    """The open group for ``group_key``, creating it when there is none; (group, created).

    Two writers racing for one key: the unique index lets one win, and the other joins its group.
    """
    found = await open_group_by_key(db_session=db_session, workspace_id=workspace_id, group_key=group_key)
    if found is not None:
        return found, False
    group = AlertGroup(workspace_id=workspace_id, group_key=group_key, **values)
    try:
        async with db_session.begin_nested():
            db_session.add(group)
            await db_session.flush()
    except IntegrityError:
        found = await open_group_by_key(db_session=db_session, workspace_id=workspace_id, group_key=group_key)
        if found is None:
            raise
        return found, False
    return group, True


async def add_signal(*, db_session: AsyncSession, group: AlertGroup, signal_id: int, at: datetime) -> bool:
    """Attach a signal to a group (once); True when it was new to the group."""
    if await db_session.get(AlertGroupSignal, (group.id, signal_id)) is not None:
        return False
    db_session.add(AlertGroupSignal(alert_group_id=group.id, signal_id=signal_id, added_at=at))
    group.signal_count += 1
    group.last_signal_at = max(group.last_signal_at, at)
    await db_session.flush()
    return True


async def signal_ids(*, db_session: AsyncSession, alert_group_id: int) -> list[int]:
    """The signals of a group, oldest first."""
    query = (
        select(AlertGroupSignal.signal_id)
        .where(AlertGroupSignal.alert_group_id == alert_group_id)
        .order_by(AlertGroupSignal.added_at, AlertGroupSignal.signal_id)
    )
    return list((await db_session.execute(query)).scalars())


async def list_groups(
    *, db_session: AsyncSession, workspace_id: int, status: str | None = None, limit: int = 100
) -> list[AlertGroup]:
    """Newest activity first."""
    query = select(AlertGroup).where(AlertGroup.workspace_id == workspace_id)
    if status is not None:
        query = query.where(AlertGroup.status == status)
    query = query.order_by(AlertGroup.last_signal_at.desc(), AlertGroup.id.desc()).limit(limit)
    return list((await db_session.execute(query)).scalars())


async def open_groups(*, db_session: AsyncSession, workspace_id: int) -> list[AlertGroup]:
    """Groups not resolved yet (the sources for inhibition)."""
    query = select(AlertGroup).where(AlertGroup.workspace_id == workspace_id, AlertGroup.status != AlertStatus.resolved)
    return list((await db_session.execute(query)).scalars())


async def escalations_of(*, db_session: AsyncSession, alert_group_id: int) -> list[Escalation]:
    """Every escalation of a group, oldest first."""
    query = select(Escalation).where(Escalation.alert_group_id == alert_group_id).order_by(Escalation.id)
    return list((await db_session.execute(query)).scalars())


async def due_escalations(*, db_session: AsyncSession, now: datetime, limit: int = 50) -> list[tuple[int, int]]:
    """(id, revision) of escalations whose next step is due."""
    query = (
        select(Escalation.id, Escalation.revision)
        .where(
            Escalation.status.in_([EscalationStatus.pending, EscalationStatus.running]),
            Escalation.next_run_at <= now,
        )
        .order_by(Escalation.next_run_at, Escalation.id)
        .limit(limit)
    )
    return [(int(i), int(r)) for i, r in (await db_session.execute(query)).all()]


async def lock_escalation(*, db_session: AsyncSession, escalation_id: int) -> Escalation | None:
    """Read an escalation for update (a row lock on PostgreSQL; SQLite has one writer anyway)."""
    query = select(Escalation).where(Escalation.id == escalation_id).with_for_update()
    return (await db_session.execute(query)).scalar_one_or_none()


async def record_page(*, db_session: AsyncSession, page: Page) -> bool:
    """Write a page before anyone is contacted; False when that page already exists (never page twice)."""
    try:
        async with db_session.begin_nested():
            db_session.add(page)
            await db_session.flush()
    except IntegrityError:
        return False
    return True


async def pages_of(*, db_session: AsyncSession, escalation_id: int) -> list[Page]:
    """Every page of an escalation, in order."""
    query = select(Page).where(Page.escalation_id == escalation_id).order_by(Page.id)
    return list((await db_session.execute(query)).scalars())


async def pages_for_group(*, db_session: AsyncSession, alert_group_id: int) -> list[Page]:
    """Every page sent for an alert group, in order."""
    query = (
        select(Page)
        .join(Escalation, Escalation.id == Page.escalation_id)
        .where(Escalation.alert_group_id == alert_group_id)
        .order_by(Page.id)
    )
    return list((await db_session.execute(query)).scalars())


async def page_by_nonce(*, db_session: AsyncSession, nonce: str) -> Page | None:
    """The page an acknowledgement link was made for."""
    return (await db_session.execute(select(Page).where(Page.ack_nonce == nonce))).scalar_one_or_none()


async def interrupted_pages(*, db_session: AsyncSession, before: datetime) -> list[Page]:
    """Pages recorded but never confirmed (the process stopped while sending)."""
    query = select(Page).where(Page.status == PageStatus.sending, Page.created_at < before)
    return list((await db_session.execute(query)).scalars())


__all__ = [
    "add_signal",
    "due_escalations",
    "escalations_of",
    "get_group",
    "get_or_create_group",
    "interrupted_pages",
    "list_groups",
    "lock_escalation",
    "open_group_by_key",
    "open_groups",
    "page_by_nonce",
    "pages_for_group",
    "pages_of",
    "record_page",
    "signal_ids",
]
