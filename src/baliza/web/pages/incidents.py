"""Incidents: the list and the incident room (status, severity, roles, tasks, timeline, statements, updates)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.clock import floor_minute, utcnow
from baliza.core.errors import ValidationError
from baliza.core.i18n import _, get_locale
from baliza.incidents import flows as incident_flows
from baliza.incidents import service as incident_service
from baliza.incidents import timeline, updates
from baliza.incidents.models import Incident, IncidentStatus, TaskStatus
from baliza.ingest import service as ingest_service
from baliza.plans import flows as plan_flows
from baliza.plans.schema import Plan
from baliza.publishing import flows as calendar_flows
from baliza.responses import flows as response_flows
from baliza.responses import service as response_service
from baliza.responses.models import ResponseKind
from baliza.triage import flows as triage_flows
from baliza.triage.severity import SEVERITIES
from baliza.web.auth import LeadDep, ResponderDep, ViewerDep, WorkspaceAccess
from baliza.web.deps import SessionDep, SettingsDep
from baliza.web.pages.common import Formatter, back_to, is_htmx, render, workspace_zone

router = APIRouter(include_in_schema=False)

TIMELINE_REFRESH_SECONDS = 10
DEFAULT_UPDATE_MINUTES = 30


class _KeepMissing(dict[str, str]):
    """Fills the placeholders it knows and leaves the others in braces for a person (and the tone check) to see."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def holding_statements(plan: Plan | None, incident: Incident, f: Formatter, now: datetime) -> dict[str, str]:
    """The playbook's holding statement per language, with the start time and the next update filled in."""
    if plan is None or incident.playbook is None or incident.playbook not in plan.playbooks:
        return {}
    statement = plan.playbooks[incident.playbook].holding_statement
    if statement is None:
        return {}
    minutes = plan.policies.public_update_interval_minutes or DEFAULT_UPDATE_MINUTES
    known = _KeepMissing(start_time=f.time(incident.started_at), next_update=f.time(now + timedelta(minutes=minutes)))
    out = {}
    for lang in ("es", "en"):
        text = getattr(statement, lang, None)
        if text:
            try:
                out[lang] = text.format_map(known)
            except (ValueError, IndexError):
                out[lang] = text
    return out


async def live_metrics(session: AsyncSession, workspace_id: int, now: datetime) -> dict[str, int]:
    """Mentions and negative mentions in the last hour (the room's pulse)."""
    until = floor_minute(now) + timedelta(minutes=1)
    rows = await ingest_service.get_rollups(
        db_session=session, workspace_id=workspace_id, series=["all", "sentiment:negative"],
        since=until - timedelta(hours=1), until=until,
    )  # fmt: skip
    out = {"all": 0, "sentiment:negative": 0}
    for row in rows:
        out[row.series] += row.count
    return out


async def _incident(session: AsyncSession, access: WorkspaceAccess, number: int) -> Incident:
    return await incident_service.get_by_number(db_session=session, workspace_id=access.workspace.id, number=number)


def _room(access: WorkspaceAccess, number: int) -> str:
    return f"/w/{access.workspace.slug}/incidents/{number}"


@router.get("/w/{slug}/incidents", response_class=HTMLResponse)
async def incident_list(request: Request, session: SessionDep, access: ViewerDep) -> HTMLResponse:
    """Every incident, newest first."""
    rows = await incident_service.list_incidents(db_session=session, workspace_id=access.workspace.id)
    return render(request, "incidents.html", access=access, section="incidents", incidents=rows)


@router.get("/w/{slug}/incidents/{number}", response_class=HTMLResponse)
async def incident_room(request: Request, number: int, session: SessionDep, access: ViewerDep) -> HTMLResponse:
    """The room: status and next states, severity, roles, tasks, timeline, statements, updates, metrics."""
    ws = access.workspace.id
    incident = await _incident(session, access, number)
    groups = await incident_flows.groups_of(db_session=session, incident_id=incident.id)
    entries = await timeline.list_for(
        db_session=session, incident_id=incident.id, alert_group_ids=[g.id for g in groups]
    )
    plan = await plan_flows.current_plan(db_session=session, workspace_id=ws)
    scope = calendar_flows.freeze_scope(plan, incident.severity)
    is_open = incident.status not in (IncidentStatus.resolved, IncidentStatus.reviewed)
    responses = await response_service.list_responses(db_session=session, workspace_id=ws, incident_id=incident.id)
    approvals = {r.id: await response_service.approvals(db_session=session, response_id=r.id) for r in responses}
    now = utcnow()
    f = Formatter(get_locale(), workspace_zone(access.workspace.timezone))
    involve = plan.severities[incident.severity].involve if plan and incident.severity in plan.severities else []
    return render(
        request,
        "incident.html",
        access=access,
        section="incidents",
        incident=incident,
        groups=groups,
        titles={g.id: triage_flows.render_title(g) for g in groups},
        entries=entries,
        render_entry=timeline.render,
        next_states=incident_service.TRANSITIONS.get(incident.status, ()),
        severities=SEVERITIES,
        roles=await incident_service.assignments(db_session=session, incident_id=incident.id),
        incident_roles=incident_flows.INCIDENT_ROLES,
        tasks=await incident_service.tasks(db_session=session, incident_id=incident.id),
        freeze=scope if is_open and scope != "none" else None,
        responses=responses,
        approvals=approvals,
        statements=holding_statements(plan, incident, f, now),
        plan=plan,
        plan_roles=sorted(plan.roles) if plan else [],
        involve=set(involve),
        people=sorted(p.name for p in plan.people.values()) if plan else [],
        metrics=await live_metrics(session, ws, now),
        refresh=TIMELINE_REFRESH_SECONDS,
        back=_room(access, number),
    )


@router.get("/w/{slug}/incidents/{number}/timeline", response_class=HTMLResponse)
async def incident_timeline(request: Request, number: int, session: SessionDep, access: ViewerDep) -> HTMLResponse:
    """The timeline alone (the room polls it every few seconds)."""
    incident = await _incident(session, access, number)
    groups = await incident_flows.groups_of(db_session=session, incident_id=incident.id)
    entries = await timeline.list_for(
        db_session=session, incident_id=incident.id, alert_group_ids=[g.id for g in groups]
    )
    return render(request, "_timeline.html", access=access, entries=entries, render_entry=timeline.render)


@router.post("/w/{slug}/incidents/{number}/status")
async def change_status(
    number: int,
    session: SessionDep,
    access: ResponderDep,
    status: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Move the incident along its lifecycle (the allowed next states are the room's buttons)."""
    incident = await _incident(session, access, number)
    await incident_flows.change_status(
        db_session=session, incident=incident, to=status, actor=access.actor, note=note.strip() or None
    )
    await session.commit()
    return back_to(_room(access, number), _room(access, number), "status_changed")


@router.post("/w/{slug}/incidents/{number}/severity")
async def change_severity(
    number: int,
    session: SessionDep,
    access: LeadDep,
    severity: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """A new severity with the reason (leads)."""
    if severity not in SEVERITIES:
        raise ValidationError(
            _("Unknown severity {value!r}: use sev1, sev2, sev3 or sev4.").format(value=severity),
            details={"field": "severity", "value": severity},
        )
    incident = await _incident(session, access, number)
    await incident_flows.change_severity(
        db_session=session, incident=incident, severity=severity, reason=reason, actor=access.actor
    )
    await session.commit()
    return back_to(_room(access, number), _room(access, number), "severity_changed")


@router.post("/w/{slug}/incidents/{number}/notes")
async def add_note(
    number: int, session: SessionDep, access: ResponderDep, text: Annotated[str, Form()] = ""
) -> RedirectResponse:
    """A note on the timeline."""
    incident = await _incident(session, access, number)
    await incident_flows.add_note(db_session=session, incident=incident, text=text, actor=access.actor)
    await session.commit()
    return back_to(_room(access, number), _room(access, number), "note_added")


@router.post("/w/{slug}/incidents/{number}/roles")
async def assign_role(
    number: int,
    session: SessionDep,
    access: LeadDep,
    role: Annotated[str, Form()],
    person: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Give an incident role to someone (leads)."""
    if not person.strip():
        raise ValidationError(_("Say who takes the role."), details={"field": "person"})
    incident = await _incident(session, access, number)
    await incident_flows.assign_role(
        db_session=session, incident=incident, role=role, person=person.strip(), actor=access.actor
    )
    await session.commit()
    return back_to(_room(access, number), _room(access, number), "role_assigned")


@router.post("/w/{slug}/incidents/{number}/tasks/{task_id}")
async def update_task(
    request: Request,
    number: int,
    task_id: int,
    session: SessionDep,
    access: ResponderDep,
    done: Annotated[str, Form()] = "",
) -> Response:
    """Tick a task done (or open again); htmx gets the task's row back, a plain form a redirect."""
    incident = await _incident(session, access, number)
    task = await incident_flows.update_task(
        db_session=session, incident=incident, task_id=task_id, actor=access.actor,
        status=TaskStatus.done if done else TaskStatus.open,
    )  # fmt: skip
    await session.commit()
    if is_htmx(request):
        return render(request, "_task.html", access=access, incident=incident, t=task, back=_room(access, number))
    return back_to(_room(access, number), _room(access, number), "task_updated")


@router.post("/w/{slug}/incidents/{number}/statements")
async def draft_statement(
    number: int,
    session: SessionDep,
    access: ResponderDep,
    text: Annotated[str, Form()],
    lang: Annotated[str, Form()] = "es",
    kind: Annotated[str, Form()] = ResponseKind.holding_statement,
    channel: Annotated[str, Form()] = "",
    submit: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """A statement for this incident: drafted and tone-checked; with ``submit``, sent for approval at once."""
    incident = await _incident(session, access, number)
    if kind not in (ResponseKind.holding_statement, ResponseKind.statement):
        raise ValidationError(
            _("Unknown response kind {value!r}; use {known}.").format(value=kind, known="holding_statement, statement"),
            details={"field": "kind", "value": kind},
        )
    plan = await plan_flows.current_plan(db_session=session, workspace_id=access.workspace.id)
    response = await response_flows.create_draft(
        db_session=session, workspace_id=access.workspace.id, plan=plan, text=text, lang=lang, kind=kind,
        incident_id=incident.id, channel=channel or None, actor=access.actor,
    )  # fmt: skip
    notice = "drafted"
    if submit and response.tone.get("ok", True):
        await response_flows.submit(db_session=session, response=response, actor=access.actor)
        notice = "submitted"
    await session.commit()
    return back_to(_room(access, number), _room(access, number), notice)


@router.post("/w/{slug}/incidents/{number}/updates")
async def stakeholder_update(
    number: int,
    session: SessionDep,
    settings: SettingsDep,
    access: ResponderDep,
    text: Annotated[str, Form()] = "",
    roles: Annotated[list[str] | None, Form()] = None,
) -> RedirectResponse:
    """An internal update to the people responsible, each in their language (through ``send_update``)."""
    incident = await _incident(session, access, number)
    plan = await plan_flows.current_plan(db_session=session, workspace_id=access.workspace.id)
    if plan is None:
        raise ValidationError(_("Load a crisis plan first: it says who to tell."), code="no_plan")
    result = await updates.send_update(
        db_session=session, incident=incident, workspace=access.workspace, plan=plan, text=text, actor=access.actor,
        settings=settings, roles=[r for r in roles or [] if r] or None,
    )  # fmt: skip
    await session.commit()
    return back_to(
        _room(access, number), _room(access, number), "update_sent", n=len(result.delivered), failed=len(result.failed)
    )


__all__ = [
    "add_note",
    "assign_role",
    "change_severity",
    "change_status",
    "draft_statement",
    "holding_statements",
    "incident_list",
    "incident_room",
    "incident_timeline",
    "live_metrics",
    "router",
    "stakeholder_update",
    "update_task",
]
