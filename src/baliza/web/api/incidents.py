"""Incidents: declare (from alerts or by hand), lifecycle, severity, roles, tasks, notes, timeline."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from baliza.core.errors import ValidationError
from baliza.core.i18n import _, get_locale
from baliza.incidents import flows as incident_flows
from baliza.incidents import service as incident_service
from baliza.incidents import timeline, updates
from baliza.incidents.models import Incident
from baliza.incidents.schemas import (
    AssignmentRead,
    IncidentCreate,
    IncidentDetail,
    IncidentRead,
    NoteIn,
    RoleIn,
    SeverityChangeIn,
    StakeholderUpdateIn,
    StakeholderUpdateResult,
    StatusChange,
    TaskRead,
    TaskUpdate,
)
from baliza.plans import flows as plan_flows
from baliza.publishing import flows as calendar_flows
from baliza.responses import assist_flows
from baliza.triage import service as triage_service
from baliza.triage.severity import SEVERITIES
from baliza.web.api.alerts import timeline_read
from baliza.web.auth import LeadDep, ResponderDep, ViewerDep
from baliza.web.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/workspaces/{slug}/incidents", tags=["incidents"])


def _check_severity(value: str) -> str:
    if value not in SEVERITIES:
        raise ValidationError(
            _("Unknown severity {value!r}: use sev1, sev2, sev3 or sev4.").format(value=value),
            details={"field": "severity", "value": value},
        )
    return value


async def _detail(session: SessionDep, incident: Incident, workspace_id: int) -> IncidentDetail:
    groups = await incident_flows.groups_of(db_session=session, incident_id=incident.id)
    entries = await timeline.list_for(
        db_session=session, incident_id=incident.id, alert_group_ids=[g.id for g in groups]
    )
    plan = await plan_flows.current_plan(db_session=session, workspace_id=workspace_id)
    scope = calendar_flows.freeze_scope(plan, incident.severity)
    open_ = incident.status not in ("resolved", "reviewed")
    return IncidentDetail(
        **IncidentRead.model_validate(incident).model_dump(),
        alert_ids=[g.id for g in groups],
        roles=[AssignmentRead.model_validate(a) for a in await incident_service.assignments(
            db_session=session, incident_id=incident.id)],
        tasks=[TaskRead.model_validate(t) for t in await incident_service.tasks(
            db_session=session, incident_id=incident.id)],
        timeline=[timeline_read(e) for e in entries],
        freeze=scope if open_ and scope != "none" else None,
    )  # fmt: skip


@router.get("", response_model=list[IncidentRead])
async def list_incidents(session: SessionDep, access: ViewerDep) -> list[IncidentRead]:
    """Newest first."""
    rows = await incident_service.list_incidents(db_session=session, workspace_id=access.workspace.id)
    return [IncidentRead.model_validate(i) for i in rows]


@router.post("", response_model=IncidentDetail, status_code=status.HTTP_201_CREATED)
async def declare(incident_in: IncidentCreate, session: SessionDep, access: ResponderDep) -> IncidentDetail:
    """Declare an incident from alerts (or by hand), with roles from the plan and the playbook's tasks."""
    ws = access.workspace.id
    groups = [
        await triage_service.get_group(db_session=session, workspace_id=ws, alert_group_id=alert_id)
        for alert_id in incident_in.alert_ids
    ]
    plan = await plan_flows.current_plan(db_session=session, workspace_id=ws)
    incident = await incident_flows.declare_incident(
        db_session=session,
        workspace_id=ws,
        title=incident_in.title,
        severity=_check_severity(incident_in.severity),
        actor=access.actor,
        plan=plan,
        groups=groups,
        playbook=incident_in.playbook,
        is_drill=any(g.is_drill for g in groups),
    )
    await session.commit()
    return await _detail(session, incident, ws)


@router.get("/{number}", response_model=IncidentDetail)
async def get_incident(number: int, session: SessionDep, access: ViewerDep) -> IncidentDetail:
    """One incident (by its number) with roles, tasks and the whole timeline."""
    incident = await incident_service.get_by_number(db_session=session, workspace_id=access.workspace.id, number=number)
    return await _detail(session, incident, access.workspace.id)


@router.post("/{number}/status", response_model=IncidentDetail)
async def change_status(number: int, change: StatusChange, session: SessionDep, access: ResponderDep) -> IncidentDetail:
    """detected → acknowledged → active → monitoring → resolved → reviewed (409 names the allowed moves)."""
    incident = await incident_service.get_by_number(db_session=session, workspace_id=access.workspace.id, number=number)
    await incident_flows.change_status(
        db_session=session, incident=incident, to=change.status, actor=access.actor, note=change.note
    )
    await session.commit()
    return await _detail(session, incident, access.workspace.id)


@router.post("/{number}/severity", response_model=IncidentDetail)
async def change_severity(
    number: int, change: SeverityChangeIn, session: SessionDep, access: LeadDep
) -> IncidentDetail:
    """A new severity, with the reason on the timeline."""
    incident = await incident_service.get_by_number(db_session=session, workspace_id=access.workspace.id, number=number)
    await incident_flows.change_severity(
        db_session=session, incident=incident, severity=_check_severity(change.severity), reason=change.reason,
        actor=access.actor,
    )  # fmt: skip
    await session.commit()
    return await _detail(session, incident, access.workspace.id)


@router.post("/{number}/notes", response_model=IncidentDetail, status_code=status.HTTP_201_CREATED)
async def add_note(number: int, note: NoteIn, session: SessionDep, access: ResponderDep) -> IncidentDetail:
    """A manual note on the timeline."""
    incident = await incident_service.get_by_number(db_session=session, workspace_id=access.workspace.id, number=number)
    await incident_flows.add_note(db_session=session, incident=incident, text=note.text, actor=access.actor)
    await session.commit()
    return await _detail(session, incident, access.workspace.id)


@router.post("/{number}/roles", response_model=IncidentDetail)
async def assign_role(number: int, role: RoleIn, session: SessionDep, access: LeadDep) -> IncidentDetail:
    """Give an incident role (lead, communications, legal, customer_care, scribe) to someone."""
    incident = await incident_service.get_by_number(db_session=session, workspace_id=access.workspace.id, number=number)
    await incident_flows.assign_role(
        db_session=session, incident=incident, role=role.role, person=role.person, actor=access.actor
    )
    await session.commit()
    return await _detail(session, incident, access.workspace.id)


@router.post("/{number}/updates", response_model=StakeholderUpdateResult, status_code=status.HTTP_201_CREATED)
async def stakeholder_update(
    number: int, body: StakeholderUpdateIn, session: SessionDep, settings: SettingsDep, access: ResponderDep
) -> StakeholderUpdateResult:
    """An internal update to the people responsible, each in their language, through their contacts."""
    incident = await incident_service.get_by_number(db_session=session, workspace_id=access.workspace.id, number=number)
    plan = await plan_flows.current_plan(db_session=session, workspace_id=access.workspace.id)
    if plan is None:
        raise ValidationError(_("Load a crisis plan first: it says who to tell."), code="no_plan")
    result = await updates.send_update(
        db_session=session, incident=incident, workspace=access.workspace, plan=plan, text=body.text,
        actor=access.actor, settings=settings, roles=body.roles, people=body.people,
    )  # fmt: skip
    await session.commit()
    return StakeholderUpdateResult(response_id=result.response_id, delivered=result.delivered, failed=result.failed)


@router.get("/{number}/summary")
async def crisis_summary(
    number: int, session: SessionDep, settings: SettingsDep, access: ViewerDep, lang: str | None = None
) -> dict[str, Any]:
    """What is happening, in a few lines: the assistant's if one is configured, else Baliza's own extractive summary."""
    incident = await incident_service.get_by_number(db_session=session, workspace_id=access.workspace.id, number=number)
    data = await assist_flows.summary_input(db_session=session, incident=incident)
    summary, source = await assist_flows.assist_for(settings).summarise(data, lang or get_locale())
    return {"source": str(source), **summary.as_dict(), "markdown": summary.as_markdown()}


@router.patch("/{number}/tasks/{task_id}", response_model=TaskRead)
async def update_task(
    number: int, task_id: int, update: TaskUpdate, session: SessionDep, access: ResponderDep
) -> TaskRead:
    """Assign a task, or mark it done, skipped or open again."""
    incident = await incident_service.get_by_number(db_session=session, workspace_id=access.workspace.id, number=number)
    task = await incident_flows.update_task(
        db_session=session, incident=incident, task_id=task_id, actor=access.actor, status=update.status,
        assignee=update.assignee,
    )  # fmt: skip
    await session.commit()
    return TaskRead.model_validate(task)


__all__ = ["router"]
