"""Reads and writes of incidents, their roles and tasks (orchestration lives in flows)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.errors import InvalidTransitionError, NotFoundError
from baliza.core.i18n import _
from baliza.incidents.models import Incident, IncidentAssignment, IncidentStatus, IncidentTask

OPEN_STATUSES = (IncidentStatus.detected, IncidentStatus.acknowledged, IncidentStatus.active, IncidentStatus.monitoring)
# Where each status may go next; "resolved" can reopen to active if the crisis flares up again.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    IncidentStatus.detected: (IncidentStatus.acknowledged, IncidentStatus.active, IncidentStatus.resolved),
    IncidentStatus.acknowledged: (IncidentStatus.active, IncidentStatus.monitoring, IncidentStatus.resolved),
    IncidentStatus.active: (IncidentStatus.monitoring, IncidentStatus.resolved),
    IncidentStatus.monitoring: (IncidentStatus.active, IncidentStatus.resolved),
    IncidentStatus.resolved: (IncidentStatus.reviewed, IncidentStatus.active),
    IncidentStatus.reviewed: (),
}


async def get(*, db_session: AsyncSession, workspace_id: int, incident_id: int) -> Incident:
    """One incident of a workspace; NotFoundError otherwise."""
    incident = await db_session.get(Incident, incident_id)
    if incident is None or incident.workspace_id != workspace_id:
        raise NotFoundError(
            _("No incident {incident_id} in this workspace.").format(incident_id=incident_id),
            details={"field": "incident_id", "value": incident_id},
        )
    return incident


async def get_by_number(*, db_session: AsyncSession, workspace_id: int, number: int) -> Incident:
    """An incident by its number in the workspace (#1, #2…)."""
    query = select(Incident).where(Incident.workspace_id == workspace_id, Incident.number == number)
    incident = (await db_session.execute(query)).scalar_one_or_none()
    if incident is None:
        raise NotFoundError(
            _("No incident #{number} in this workspace.").format(number=number),
            details={"field": "number", "value": number},
        )
    return incident


async def open_incidents(*, db_session: AsyncSession, workspace_id: int) -> list[Incident]:
    """Incidents not resolved yet, newest first."""
    query = (
        select(Incident)
        .where(Incident.workspace_id == workspace_id, Incident.status.in_(OPEN_STATUSES))
        .order_by(Incident.id.desc())
    )
    return list((await db_session.execute(query)).scalars())


async def list_incidents(*, db_session: AsyncSession, workspace_id: int, limit: int = 100) -> list[Incident]:
    """Newest first."""
    query = select(Incident).where(Incident.workspace_id == workspace_id).order_by(Incident.id.desc()).limit(limit)
    return list((await db_session.execute(query)).scalars())


async def create(
    *,
    db_session: AsyncSession,
    workspace_id: int,
    title: str,
    severity: str,
    started_at: datetime,
    detected_at: datetime,
    playbook: str | None,
    opened_by: str | None,
    is_drill: bool,
    created_at: datetime | None = None,
) -> Incident:
    """A new incident, numbered after the workspace's last one."""
    number = (
        await db_session.execute(
            select(func.coalesce(func.max(Incident.number), 0)).where(Incident.workspace_id == workspace_id)
        )
    ).scalar_one()
    incident = Incident(
        workspace_id=workspace_id,
        number=int(number) + 1,
        title=title[:300],
        severity=severity,
        status=IncidentStatus.detected,
        started_at=started_at,
        detected_at=detected_at,
        playbook=playbook,
        opened_by=opened_by,
        is_drill=is_drill,
    )
    if created_at is not None:
        incident.created_at = created_at
    db_session.add(incident)
    await db_session.flush()
    return incident


def check_transition(incident: Incident, to: str) -> None:
    """InvalidTransitionError naming the allowed next states when ``to`` is not one of them."""
    allowed = TRANSITIONS.get(incident.status, ())
    if to not in allowed:
        raise InvalidTransitionError(
            _("Incident #{number} is {status}; it can go to {allowed}, not {to}.").format(
                number=incident.number, status=incident.status, allowed=", ".join(allowed) or "-", to=to
            ),
            details={"status": incident.status, "to": to, "allowed": list(allowed)},
        )


async def mark_acknowledged(*, db_session: AsyncSession, incident_id: int, at: datetime) -> None:
    """Record the first acknowledgement (an incident that is further along keeps its status)."""
    incident = await db_session.get(Incident, incident_id)
    if incident is None:
        return
    if incident.acknowledged_at is None:
        incident.acknowledged_at = at
    if incident.status == IncidentStatus.detected:
        incident.status = IncidentStatus.acknowledged


async def assignments(*, db_session: AsyncSession, incident_id: int) -> list[IncidentAssignment]:
    """Who holds which role."""
    query = select(IncidentAssignment).where(IncidentAssignment.incident_id == incident_id)
    return list((await db_session.execute(query.order_by(IncidentAssignment.role))).scalars())


async def assign(
    *, db_session: AsyncSession, incident_id: int, role: str, person: str, assigned_by: str | None, at: datetime
) -> IncidentAssignment:
    """Give a role to a person (replacing whoever had it)."""
    query = select(IncidentAssignment).where(
        IncidentAssignment.incident_id == incident_id, IncidentAssignment.role == role
    )
    row = (await db_session.execute(query)).scalar_one_or_none()
    if row is None:
        row = IncidentAssignment(incident_id=incident_id, role=role, person=person)
        db_session.add(row)
    row.person = person
    row.assigned_by = assigned_by
    row.assigned_at = at
    await db_session.flush()
    return row


async def tasks(*, db_session: AsyncSession, incident_id: int) -> list[IncidentTask]:
    """The incident's tasks, soonest due first."""
    query = select(IncidentTask).where(IncidentTask.incident_id == incident_id)
    return list((await db_session.execute(query.order_by(IncidentTask.due_at, IncidentTask.id))).scalars())


async def get_task(*, db_session: AsyncSession, incident_id: int, task_id: int) -> IncidentTask:
    """One task of an incident."""
    task = await db_session.get(IncidentTask, task_id)
    if task is None or task.incident_id != incident_id:
        raise NotFoundError(
            _("No task {task_id} in this incident.").format(task_id=task_id),
            details={"field": "task_id", "value": task_id},
        )
    return task


__all__ = [
    "OPEN_STATUSES",
    "TRANSITIONS",
    "assign",
    "assignments",
    "check_transition",
    "create",
    "get",
    "get_by_number",
    "get_task",
    "list_incidents",
    "mark_acknowledged",
    "open_incidents",
    "tasks",
]
