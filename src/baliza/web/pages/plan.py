"""The crisis plan as loaded: lint results, people and who can be paged now, routes, chains, versions."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from baliza.core.clock import utcnow
from baliza.core.i18n import _
from baliza.plans import flows as plan_flows
from baliza.plans import service as plan_service
from baliza.plans.availability import Availability, OnCall, on_call, person_availability
from baliza.plans.check import readiness
from baliza.plans.schema import EscalationStep, Plan
from baliza.plans.values import format_duration
from baliza.web.auth import LeadDep, ViewerDep
from baliza.web.deps import SessionDep
from baliza.web.pages.common import back_to, render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class PersonRow:
    """One person of the plan as the page shows them: who, which roles, reachable now or not and why."""

    id: str
    name: str
    roles: list[str]
    timezone: str
    availability: Availability
    marked: bool


def describe_step(step: EscalationStep) -> str:
    """One escalation step in words, in the reader's language."""
    parts = []
    if step.target is not None:
        kind = {"role": _("role"), "person": _("person"), "rotation": _("rotation")}[step.target.kind]
        verb = _("escalate to") if step.escalate_to is not None else _("notify")
        parts.append(f"{verb} {kind} {step.target.name}")
    if step.notify_backup:
        parts.append(_("notify the backup"))
    if step.wait is not None:
        parts.append(_("wait {duration}").format(duration=format_duration(step.wait)))
    if step.repeat:
        parts.append(_("repeat {n} times").format(n=step.repeat))
    if step.declare_incident:
        parts.append(_("declare an incident"))
    return "; ".join(parts)


def people_rows(plan: Plan, marks: dict[str, str]) -> list[PersonRow]:
    """Everyone in the plan with their availability now (explicit marks first, then holidays, then hours)."""
    now = utcnow()
    return [
        PersonRow(
            pid,
            person.name,
            list(person.roles),
            person.timezone or plan.timezone,
            person_availability(plan, pid, now, marks),
            pid in marks,
        )
        for pid, person in plan.people.items()
    ]


@router.get("/w/{slug}/plan", response_class=HTMLResponse)
async def plan_page(request: Request, session: SessionDep, access: ViewerDep) -> HTMLResponse:
    """The current plan version, its lint results (stored and re-checked now), people, routes, chains, versions."""
    ws = access.workspace.id
    version = await plan_service.current(db_session=session, workspace_id=ws)
    if version is None:
        return render(request, "plan.html", access=access, section="plan", current=None)
    plan = plan_flows.plan_of(version)
    now = utcnow()
    marks = await plan_service.unavailable_at(db_session=session, workspace_id=ws, at=now)
    rotations: list[OnCall] = [on_call(plan, rid, now, marks) for rid in plan.rotations]
    return render(
        request,
        "plan.html",
        access=access,
        section="plan",
        current=version,
        plan=plan,
        stored_warnings=version.warnings or [],
        live_warnings=readiness(plan, env=os.environ, now=now),
        people=people_rows(plan, marks),
        rotations=rotations,
        versions=await plan_service.list_versions(db_session=session, workspace_id=ws),
        describe_step=describe_step,
        format_duration=format_duration,
    )


@router.post("/w/{slug}/plan/people/{person_id}/unavailable")
async def mark_unavailable(
    person_id: str, session: SessionDep, access: LeadDep, reason: Annotated[str, Form()] = ""
) -> RedirectResponse:
    """Mark someone unavailable from now until cleared: escalations skip them and page their backup."""
    plan = await plan_flows.current_plan(db_session=session, workspace_id=access.workspace.id)
    if plan is not None:
        plan.person(person_id)  # NotFoundError naming the known people
    await plan_service.set_unavailable(
        db_session=session, workspace_id=access.workspace.id, person_id=person_id, since=utcnow(), until=None,
        reason=reason.strip() or None, set_by=access.actor,
    )  # fmt: skip
    await session.commit()
    url = f"/w/{access.workspace.slug}/plan"
    return back_to(url, url, "unavailable")


@router.post("/w/{slug}/plan/people/{person_id}/available")
async def mark_available(person_id: str, session: SessionDep, access: LeadDep) -> RedirectResponse:
    """Clear an "unavailable now" mark."""
    await plan_service.clear_unavailable(db_session=session, workspace_id=access.workspace.id, person_id=person_id)
    await session.commit()
    url = f"/w/{access.workspace.slug}/plan"
    return back_to(url, url, "available")


__all__ = ["PersonRow", "describe_step", "mark_available", "mark_unavailable", "people_rows", "plan_page", "router"]
