"""Running an incident: declaring it (from alerts or by hand), moving it through its states,
assigning roles, working its playbook tasks, and writing it all on the timeline."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.clock import utcnow
from baliza.core.errors import ValidationError
from baliza.core.i18n import N_, _
from baliza.incidents import service as incident_service
from baliza.incidents import timeline
from baliza.incidents.models import Incident, IncidentStatus, IncidentTask, TaskStatus
from baliza.plans.availability import person_availability
from baliza.plans.schema import Plan
from baliza.triage.models import AlertGroup

INCIDENT_ROLES = ("lead", "communications", "legal", "customer_care", "scribe")
# Which plan role fills each incident role when an incident opens.
DEFAULT_ROLE_SOURCES = {
    "lead": "comms_lead",
    "communications": "comms_lead",
    "legal": "legal",
    "customer_care": "customer_care_lead",
    "scribe": "community_manager",
}
# Which playbook fits an alert, by its issue type (plans name playbooks by crisis type).
PLAYBOOK_BY_ISSUE = {
    "delivery": "delivery_failure",
    "marketing": "offensive_content",
    "privacy": "data_breach",
    "product_quality": "product_recall",
    "health": "public_health_information",
}


def pick_playbook(plan: Plan | None, labels: dict[str, str]) -> str | None:
    """The playbook for an alert's labels: by issue type, then an influencer's complaint, else none."""
    if plan is None:
        return None
    candidates = [PLAYBOOK_BY_ISSUE.get(labels.get("issue_type", ""), "")]
    if labels.get("author_type") == "influencer":
        candidates.append("influencer_complaint")
    for name in candidates:
        if name and name in plan.playbooks:
            return name
    return None


async def declare_incident(
    *,
    db_session: AsyncSession,
    workspace_id: int,
    title: str,
    severity: str,
    actor: str | None,
    plan: Plan | None,
    groups: list[AlertGroup] | None = None,
    playbook: str | None = None,
    unavailable: set[str] | None = None,
    is_drill: bool = False,
    now: datetime | None = None,
) -> Incident:
    """Open an incident from alerts (or by hand when ``groups`` is empty), with roles and playbook tasks."""
    now = now or utcnow()
    groups = groups or []
    if plan is not None and playbook is not None and playbook not in plan.playbooks:
        raise ValidationError(
            _("Unknown playbook {value!r}; the plan has: {known}.").format(
                value=playbook, known=", ".join(sorted(plan.playbooks)) or "-"
            ),
            details={"field": "playbook", "value": playbook},
        )
    if playbook is None and groups:
        playbook = pick_playbook(plan, dict(groups[0].labels))
    started = min((g.first_signal_at for g in groups), default=now)
    incident = await incident_service.create(
        db_session=db_session,
        workspace_id=workspace_id,
        title=title,
        severity=severity,
        started_at=started,
        detected_at=min((g.created_at for g in groups), default=now),
        playbook=playbook,
        opened_by=actor,
        is_drill=is_drill,
        created_at=now,
    )
    for group in groups:
        group.incident_id = incident.id
        if group.acknowledged_at is not None:
            await incident_service.mark_acknowledged(
                db_session=db_session, incident_id=incident.id, at=group.acknowledged_at
            )
    await timeline.add(
        db_session=db_session, workspace_id=workspace_id, incident_id=incident.id, kind="incident_declared",
        actor=actor, at=now,
        message=N_("Incident #{number} declared ({severity}) by {actor}: {title}"),
        params={"number": incident.number, "severity": severity.upper(), "actor": actor or "Baliza", "title": title},
        extra={"alert_group_ids": [g.id for g in groups]},
    )  # fmt: skip
    if plan is not None:
        await _assign_from_plan(db_session, incident, plan, unavailable or set(), now)
        if playbook is not None:
            await _tasks_from_playbook(db_session, incident, plan, playbook, now)
    return incident


async def _assign_from_plan(
    session: AsyncSession, incident: Incident, plan: Plan, unavailable: set[str], now: datetime
) -> None:
    for incident_role, plan_role in DEFAULT_ROLE_SOURCES.items():
        role = plan.roles.get(plan_role)
        if role is None:
            continue
        chosen = None
        for person in role.people():
            # Working hours don't keep anyone from an incident role; holidays and "unavailable" do.
            if person_availability(plan, person, now, unavailable, working_hours=False).available:
                chosen = person
                break
        if chosen is None:
            continue
        await incident_service.assign(
            db_session=session, incident_id=incident.id, role=incident_role, person=chosen, assigned_by=None, at=now
        )
        await timeline.add(
            db_session=session, workspace_id=incident.workspace_id, incident_id=incident.id, kind="role_assigned",
            at=now, message=N_("{person} takes the {role} role (from the plan)."),
            params={"person": plan.display_name(chosen), "role": incident_role},
        )  # fmt: skip


async def _tasks_from_playbook(
    session: AsyncSession, incident: Incident, plan: Plan, playbook: str, now: datetime
) -> None:
    book = plan.playbooks[playbook]
    for task in book.tasks:
        session.add(
            IncidentTask(
                incident_id=incident.id,
                title={"es": task.title.es or task.title.en or "", "en": task.title.en or task.title.es or ""},
                role=task.role,
                due_at=now + timedelta(minutes=task.due_minutes),
                source=playbook,
            )
        )
    await session.flush()
    await timeline.add(
        db_session=session, workspace_id=incident.workspace_id, incident_id=incident.id, kind="playbook_applied",
        at=now, message=N_("Playbook {playbook}: {n} tasks created."),
        params={"playbook": playbook, "n": len(book.tasks)},
    )  # fmt: skip


async def change_status(
    *, db_session: AsyncSession, incident: Incident, to: str, actor: str, note: str | None = None,
    now: datetime | None = None,
) -> Incident:  # fmt: skip
    """Move the incident to ``to`` if the lifecycle allows it; stamps the time of each first arrival."""
    now = now or utcnow()
    incident_service.check_transition(incident, to)
    old = incident.status
    incident.status = to
    stamp = {
        IncidentStatus.acknowledged: "acknowledged_at",
        IncidentStatus.active: "active_at",
        IncidentStatus.monitoring: "monitoring_at",
        IncidentStatus.resolved: "resolved_at",
        IncidentStatus.reviewed: "reviewed_at",
    }.get(IncidentStatus(to))
    if stamp and getattr(incident, stamp) is None:
        setattr(incident, stamp, now)
    if to == IncidentStatus.resolved:
        incident.resolved_at = now
    if incident.acknowledged_at is None and to != IncidentStatus.detected:
        incident.acknowledged_at = now
    await timeline.add(
        db_session=db_session, workspace_id=incident.workspace_id, incident_id=incident.id, kind="status_changed",
        actor=actor, at=now, message=N_("{actor} moved the incident from {old} to {new}."),
        params={"actor": actor, "old": old, "new": to}, extra={"note": note} if note else None,
    )  # fmt: skip
    return incident


async def change_severity(
    *, db_session: AsyncSession, incident: Incident, severity: str, reason: str, actor: str,
    now: datetime | None = None,
) -> Incident:  # fmt: skip
    """A new severity, with the reason recorded."""
    if not reason.strip():
        raise ValidationError(_("Say why the severity changes."), details={"field": "reason"})
    old = incident.severity
    incident.severity = severity
    await timeline.add(
        db_session=db_session, workspace_id=incident.workspace_id, incident_id=incident.id,
        kind="severity_changed", actor=actor, at=now or utcnow(),
        message=N_("{actor} changed the severity from {old} to {new}: {reason}"),
        params={"actor": actor, "old": old.upper(), "new": severity.upper(), "reason": reason.strip()},
    )  # fmt: skip
    return incident


async def add_note(
    *, db_session: AsyncSession, incident: Incident, text: str, actor: str, now: datetime | None = None
) -> None:
    """A manual note on the timeline."""
    if not text.strip():
        raise ValidationError(_("The note is empty."), details={"field": "text"})
    await timeline.add(
        db_session=db_session, workspace_id=incident.workspace_id, incident_id=incident.id, kind="note",
        actor=actor, at=now or utcnow(), message=N_("{actor}: {text}"), params={"actor": actor, "text": text.strip()},
    )  # fmt: skip


async def assign_role(
    *, db_session: AsyncSession, incident: Incident, role: str, person: str, actor: str, now: datetime | None = None
) -> None:
    """Give an incident role to someone."""
    if role not in INCIDENT_ROLES:
        raise ValidationError(
            _("Unknown incident role {value!r}; use {known}.").format(value=role, known=", ".join(INCIDENT_ROLES)),
            details={"field": "role", "value": role},
        )
    now = now or utcnow()
    await incident_service.assign(
        db_session=db_session, incident_id=incident.id, role=role, person=person, assigned_by=actor, at=now
    )
    await timeline.add(
        db_session=db_session, workspace_id=incident.workspace_id, incident_id=incident.id, kind="role_assigned",
        actor=actor, at=now, message=N_("{actor} gave the {role} role to {person}."),
        params={"actor": actor, "role": role, "person": person},
    )  # fmt: skip


async def update_task(
    *, db_session: AsyncSession, incident: Incident, task_id: int, actor: str, status: str | None = None,
    assignee: str | None = None, now: datetime | None = None,
) -> IncidentTask:  # fmt: skip
    """Assign a task or mark it done/skipped/open."""
    now = now or utcnow()
    task = await incident_service.get_task(db_session=db_session, incident_id=incident.id, task_id=task_id)
    if assignee is not None:
        task.assignee = assignee
        await timeline.add(
            db_session=db_session, workspace_id=incident.workspace_id, incident_id=incident.id,
            kind="task_assigned", actor=actor, at=now, message=N_("Task “{task}” assigned to {person}."),
            params={"task": task.title.get("en", ""), "person": assignee},
            extra={"task_id": task.id, "title": task.title},
        )  # fmt: skip
    if status is not None:
        try:
            new = TaskStatus(status)
        except ValueError as exc:
            raise ValidationError(
                _("Unknown task status {value!r}; use open, done or skipped.").format(value=status),
                details={"field": "status", "value": status},
            ) from exc
        task.status = new
        task.done_at = now if new != TaskStatus.open else None
        task.done_by = actor if new != TaskStatus.open else None
        await timeline.add(
            db_session=db_session, workspace_id=incident.workspace_id, incident_id=incident.id, kind="task_updated",
            actor=actor, at=now, message=N_("{actor} marked the task “{task}” as {status}."),
            params={"actor": actor, "task": task.title.get("en", ""), "status": new.value},
            extra={"task_id": task.id, "title": task.title},
        )  # fmt: skip
    return task


async def groups_of(*, db_session: AsyncSession, incident_id: int) -> list[AlertGroup]:
    """The alerts an incident was opened from (or joined)."""
    query = select(AlertGroup).where(AlertGroup.incident_id == incident_id).order_by(AlertGroup.id)
    return list((await db_session.execute(query)).scalars())


__all__ = [
    "INCIDENT_ROLES",
    "PLAYBOOK_BY_ISSUE",
    "add_note",
    "assign_role",
    "change_severity",
    "change_status",
    "declare_incident",
    "groups_of",
    "pick_playbook",
    "update_task",
]
