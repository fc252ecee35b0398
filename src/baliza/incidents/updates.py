"""Internal updates to the people responsible: written once, delivered to each in their own language.

Recipients come from the plan: by default everyone in the roles the incident's severity involves
(``severities.<level>.involve``), or the roles and people the author picks. They go through the same
notification channels as pages, and each delivery (or failure) goes on the timeline.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.clock import utcnow
from baliza.core.config import Settings
from baliza.core.errors import ValidationError
from baliza.core.i18n import N_, _
from baliza.incidents import timeline
from baliza.incidents.models import Incident
from baliza.notify.messages import Notice, NoticeKind, pick_language, render
from baliza.notify.sender import Backoff, DeliveryReport, deliver
from baliza.plans import flows as plan_flows
from baliza.plans.schema import Plan
from baliza.responses.models import Response, ResponseKind, ResponseStatus
from baliza.workspaces.models import Workspace

Deliver = Callable[..., Awaitable[DeliveryReport]]


@dataclass
class UpdateResult:
    response_id: int
    delivered: list[str]
    failed: list[str]


def recipients(plan: Plan, severity: str, roles: list[str] | None, people: list[str] | None) -> list[str]:
    """Person ids to tell: the chosen roles and people, or everyone the severity involves."""
    if roles is None and not people:
        level = plan.severities.get(severity)
        # The plan's defaults may name roles this plan doesn't have; only explicit choices must exist.
        roles = [r for r in (level.involve if level else []) if r in plan.roles]
    chosen_roles = roles or []
    for role in chosen_roles:
        if role not in plan.roles:
            raise ValidationError(
                _("Unknown role {value!r}; the plan has: {known}.").format(
                    value=role, known=", ".join(sorted(plan.roles))
                ),
                details={"field": "roles", "value": role},
            )
    out: list[str] = []
    for role in chosen_roles:
        for person in plan.roles[role].people():
            if person not in out:
                out.append(person)
    for person in people or []:
        plan.person(person)  # NotFoundError naming the known people
        if person not in out:
            out.append(person)
    return out


async def send_update(
    *,
    db_session: AsyncSession,
    incident: Incident,
    workspace: Workspace,
    plan: Plan,
    text: str,
    actor: str,
    settings: Settings,
    roles: list[str] | None = None,
    people: list[str] | None = None,
    deliver_fn: Deliver = deliver,
    now: datetime | None = None,
) -> UpdateResult:
    """Write the update, deliver it to every recipient, and record each outcome."""
    now = now or utcnow()
    if not text.strip():
        raise ValidationError(_("The update is empty."), details={"field": "text"})
    targets = recipients(plan, incident.severity, roles, people)
    if not targets:
        raise ValidationError(_("Nobody to send the update to: pick roles or people."), details={"field": "roles"})
    response = Response(
        workspace_id=incident.workspace_id, incident_id=incident.id, kind=ResponseKind.stakeholder_update,
        lang="es" if "es" in (workspace.languages or []) else "en", text=text.strip(),
        status=ResponseStatus.published, published_at=now, created_by=actor, is_drill=incident.is_drill,
    )  # fmt: skip
    db_session.add(response)
    await db_session.flush()
    result = UpdateResult(response.id, [], [])
    severity = plan.severities.get(incident.severity)
    for person_id in targets:
        person = plan.person(person_id)
        lang = pick_language(list(person.languages), workspace.languages[0] if workspace.languages else None)
        notice = Notice(
            kind=NoticeKind.stakeholder_update,
            workspace=workspace.name,
            title=f"#{incident.number} {incident.title}",
            severity=incident.severity if incident.severity in ("sev1", "sev2", "sev3", "sev4") else None,
            severity_label={k: v for k, v in (severity.label.model_dump() if severity else {}).items() if v},
            update=text.strip(),
            drill=incident.is_drill,
            drill_label={k: v for k, v in plan.policies.drill_label.model_dump().items() if v},
        )
        report = await deliver_fn(
            plan_flows.expand(person_id, plan),
            render(notice, lang),
            attempts=settings.notify_attempts,
            backoff=Backoff(settings.notify_backoff_seconds, 2.0),
            drill=incident.is_drill,
            drill_contacts=settings.drill_channels,
        )
        (result.delivered if report.ok else result.failed).append(person_id)
        await timeline.add(
            db_session=db_session, workspace_id=incident.workspace_id, incident_id=incident.id,
            kind="stakeholder_update" if report.ok else "stakeholder_update_failed", actor=actor, at=now,
            is_failure=not report.ok,
            message=N_("Update from {actor} sent to {person} through {contact}.") if report.ok
            else N_("Update from {actor} could not reach {person}."),
            params={"actor": actor, "person": person.name, "contact": report.delivered_to or "-"},
            extra={"response_id": response.id, "person_id": person_id},
        )  # fmt: skip
    response.publication = {"delivered": result.delivered, "failed": result.failed}
    return result


__all__ = ["UpdateResult", "recipients", "send_update"]
