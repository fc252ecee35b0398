"""The response desk: drafts checked for tone, approvals by severity, publishing (dry run by default),
the refusal to delete, and the inbox of mentions waiting for an answer.

What needs approval: statements (holding statements and public statements) of an incident at or above
the plan's ``policies.statement_approval.from`` severity need every role listed there. A draft with a
blocking tone flag can be neither approved nor published until it is fixed.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.clock import utcnow
from baliza.core.errors import InvalidTransitionError, PermissionDeniedError, ValidationError
from baliza.core.i18n import N_, _
from baliza.incidents import service as incident_service
from baliza.incidents import timeline
from baliza.incidents.models import AuditEntry, Incident
from baliza.ingest.models import Author, Mention
from baliza.plans.schema import Plan
from baliza.responses import service as response_service
from baliza.responses.models import InboxItem, InboxStatus, Response, ResponseKind, ResponseStatus
from baliza.responses.tone import ToneContext, check_draft
from baliza.triage.severity import SEVERITIES

STATEMENT_KINDS = (ResponseKind.holding_statement, ResponseKind.statement)
ANSWER_ISSUES = frozenset(
    {"complaint", "question", "delivery", "product_quality", "customer_service", "pricing", "privacy", "health"}
)
DEFAULT_SLA_MINUTES = {"sev1": 15, "sev2": 30, "sev3": 60, "sev4": 240}
INBOX_WINDOW = timedelta(hours=72)

# A publisher: takes the response and returns what was (or, in a dry run, would have been) published.
PublishFn = Callable[[Response], Awaitable[dict[str, Any]]]


def at_least(severity: str, threshold: str) -> bool:
    """sev1 is at least sev2, and so on."""
    if severity not in SEVERITIES or threshold not in SEVERITIES:
        return False
    return SEVERITIES.index(severity) <= SEVERITIES.index(threshold)


def required_roles(plan: Plan | None, kind: str, incident: Incident | None) -> list[str]:
    """The plan roles that must approve this response before it is published."""
    if plan is None or incident is None or kind not in STATEMENT_KINDS:
        return []
    rule = plan.policies.statement_approval
    if rule is None or not at_least(incident.severity, rule.from_):
        return []
    roles = list(rule.roles) or ([rule.role] if rule.role else [])
    return sorted(set(roles))


def tone_context(kind: str, incident: Incident | None, mention: Mention | None) -> ToneContext:
    """What the tone check needs to know: crisis or not, how serious, whether an apology is due."""
    in_crisis = incident is not None and incident.status not in ("resolved", "reviewed")
    complaint = mention is not None and (mention.sentiment == "negative" or "complaint" in (mention.issue_types or []))
    return ToneContext(
        in_crisis=in_crisis,
        severity=incident.severity if incident is not None else None,
        apology_due=complaint or (in_crisis and kind in STATEMENT_KINDS),
        is_reply_to_complaint=complaint,
    )


async def create_draft(
    *,
    db_session: AsyncSession,
    workspace_id: int,
    plan: Plan | None,
    text: str,
    lang: str,
    kind: str = ResponseKind.reply,
    incident_id: int | None = None,
    mention_id: int | None = None,
    channel: str | None = None,
    template: str | None = None,
    actor: str,
    is_drill: bool = False,
    now: datetime | None = None,
) -> Response:
    """A new draft, checked for tone at once."""
    try:
        kind = ResponseKind(kind)
    except ValueError as exc:
        raise ValidationError(
            _("Unknown response kind {value!r}; use {known}.").format(
                value=kind, known=", ".join(k.value for k in ResponseKind)
            ),
            details={"field": "kind", "value": kind},
        ) from exc
    incident = (
        await incident_service.get(db_session=db_session, workspace_id=workspace_id, incident_id=incident_id)
        if incident_id is not None
        else None
    )
    mention = await db_session.get(Mention, mention_id) if mention_id is not None else None
    if mention_id is not None and (mention is None or mention.workspace_id != workspace_id):
        raise ValidationError(
            _("No mention {mention_id} in this workspace.").format(mention_id=mention_id),
            details={"field": "mention_id", "value": mention_id},
        )
    report = check_draft(text, lang=lang, context=tone_context(kind, incident, mention))
    response = Response(
        workspace_id=workspace_id,
        incident_id=incident_id,
        mention_id=mention_id,
        kind=kind,
        channel=channel or (mention.platform if mention is not None else None),
        lang=report.lang,
        text=text,
        status=ResponseStatus.draft,
        tone=_tone(report, plan),
        required_roles=required_roles(plan, kind, incident),
        template=template,
        is_drill=is_drill or (incident.is_drill if incident is not None else False),
        created_by=actor,
    )
    if now is not None:
        response.created_at = response.updated_at = now
    db_session.add(response)
    await db_session.flush()
    if incident is not None:
        await timeline.add(
            db_session=db_session, workspace_id=workspace_id, incident_id=incident.id, kind="response_drafted",
            actor=actor, at=now, message=N_("{actor} drafted a {kind} ({lang}); tone check: {flags}."),
            params={"actor": actor, "kind": kind.value, "lang": report.lang,
                    "flags": ", ".join(sorted(report.codes)) or "ok"},
            extra={"response_id": response.id},
        )  # fmt: skip
    return response


async def edit_draft(*, db_session: AsyncSession, response: Response, text: str, actor: str) -> Response:
    """New text: checked again, and earlier approvals no longer count."""
    if response.status in (ResponseStatus.published,):
        raise InvalidTransitionError(
            _("Response {response_id} is already published; write a follow-up instead.").format(response_id=response.id)
        )
    incident = await db_session.get(Incident, response.incident_id) if response.incident_id else None
    mention = await db_session.get(Mention, response.mention_id) if response.mention_id else None
    report = check_draft(text, lang=response.lang, context=tone_context(response.kind, incident, mention))
    response.text = text
    response.tone = {**report.as_dict(), "enforced": response.tone.get("enforced", True)}
    response.status = ResponseStatus.draft
    await response_service.clear_approvals(db_session=db_session, response_id=response.id)
    return response


def _blocking(response: Response) -> list[str]:
    if response.tone.get("enforced") is False:  # the plan's policies.tone_check is off: flags only advise
        return []
    return [f["code"] for f in response.tone.get("flags", []) if f.get("severity") == "block"]


def _tone(report: Any, plan: Plan | None) -> dict[str, Any]:
    return {**report.as_dict(), "enforced": plan.policies.tone_check if plan is not None else True}


async def submit(*, db_session: AsyncSession, response: Response, actor: str, now: datetime | None = None) -> Response:
    """Ask for the approvals the policy needs (none needed: approved at once)."""
    if response.status not in (ResponseStatus.draft, ResponseStatus.rejected):
        raise InvalidTransitionError(
            _("Only a draft can be submitted; this one is {status}.").format(status=response.status)
        )
    blocking = _blocking(response)
    if blocking:
        raise ValidationError(
            _("Fix the tone check first: {flags}.").format(flags=", ".join(blocking)),
            code="tone_blocked",
            details={"flags": blocking},
        )
    response.status = ResponseStatus.pending_approval if response.required_roles else ResponseStatus.approved
    if response.incident_id is not None:
        await timeline.add(
            db_session=db_session, workspace_id=response.workspace_id, incident_id=response.incident_id,
            kind="response_submitted", actor=actor, at=now,
            message=N_("{actor} submitted response {id} for approval by {roles}.") if response.required_roles
            else N_("{actor} submitted response {id}; no approval needed."),
            params={"actor": actor, "id": response.id, "roles": ", ".join(response.required_roles)},
        )  # fmt: skip
    return response


async def decide(
    *,
    db_session: AsyncSession,
    response: Response,
    role: str,
    approve: bool,
    actor: str,
    actor_plan_roles: set[str],
    comment: str | None = None,
    now: datetime | None = None,
) -> Response:
    """Approve or reject on behalf of a plan role the actor holds."""
    now = now or utcnow()
    if response.status != ResponseStatus.pending_approval:
        raise InvalidTransitionError(
            _("Response {response_id} is not waiting for approval (it is {status}).").format(
                response_id=response.id, status=response.status
            )
        )
    if role not in response.required_roles:
        raise ValidationError(
            _("Response {response_id} needs approval from {roles}, not {role}.").format(
                response_id=response.id, roles=", ".join(response.required_roles), role=role
            ),
            details={"field": "role", "value": role},
        )
    if role not in actor_plan_roles and "*" not in actor_plan_roles:
        raise PermissionDeniedError(
            _("Only someone with the {role} role in the plan can approve for it.").format(role=role),
            code="approval_role_missing",
            details={"role": role},
        )
    if approve and _blocking(response):
        raise ValidationError(_("Fix the tone check first: {flags}.").format(flags=", ".join(_blocking(response))),
                              code="tone_blocked")  # fmt: skip
    await response_service.set_approval(
        db_session=db_session, response_id=response.id, role=role, by=actor,
        decision="approved" if approve else "rejected", comment=comment, at=now,
    )  # fmt: skip
    decisions = {
        a.role: a.decision for a in await response_service.approvals(db_session=db_session, response_id=response.id)
    }
    if not approve:
        response.status = ResponseStatus.rejected
    elif all(decisions.get(r) == "approved" for r in response.required_roles):
        response.status = ResponseStatus.approved
    if response.incident_id is not None:
        await timeline.add(
            db_session=db_session, workspace_id=response.workspace_id, incident_id=response.incident_id,
            kind="response_approved" if approve else "response_rejected", actor=actor, at=now,
            message=N_("{actor} approved response {id} as {role}.") if approve
            else N_("{actor} rejected response {id} as {role}: {comment}"),
            params={"actor": actor, "id": response.id, "role": role, "comment": comment or "-"},
        )  # fmt: skip
    return response


async def publish(
    *, db_session: AsyncSession, response: Response, publish_fn: PublishFn, actor: str, now: datetime | None = None
) -> Response:
    """Publish an approved response (through the publisher; a dry run unless one is configured for real)."""
    now = now or utcnow()
    if response.kind == ResponseKind.stakeholder_update:
        raise InvalidTransitionError(_("Stakeholder updates are internal: send them, don't publish them."))
    if response.status == ResponseStatus.draft and not response.required_roles and not _blocking(response):
        response.status = ResponseStatus.approved
    if response.status != ResponseStatus.approved:
        raise InvalidTransitionError(
            _("Response {response_id} cannot be published yet: it is {status}.").format(
                response_id=response.id, status=response.status
            ),
            details={"status": response.status, "required_roles": response.required_roles},
        )
    publication = await publish_fn(response)
    response.publication = publication
    response.status = ResponseStatus.published
    response.published_at = now
    if response.mention_id is not None:
        item = await response_service.get_or_create_item(
            db_session=db_session, workspace_id=response.workspace_id, mention_id=response.mention_id, due_at=None
        )
        item.status = InboxStatus.replied
        item.first_response_at = item.first_response_at or now
        item.handled_at = now
        item.handled_by = actor
    if response.incident_id is not None:
        await timeline.add(
            db_session=db_session, workspace_id=response.workspace_id, incident_id=response.incident_id,
            kind="response_published", actor=actor, at=now,
            message=N_("{actor} published response {id} on {channel} (dry run: nothing left Baliza).")
            if publication.get("dry_run") else N_("{actor} published response {id} on {channel}."),
            params={"actor": actor, "id": response.id, "channel": response.channel or "-"},
            extra={"kind": response.kind, "publication": publication},
        )  # fmt: skip
    return response


async def refuse_deletion(
    *, db_session: AsyncSession, workspace_id: int, target: str, actor: str, incident_id: int | None = None
) -> None:
    """Deleting a public post is refused by policy; the attempt is audited (and shown on the timeline)."""
    db_session.add(
        AuditEntry(
            workspace_id=workspace_id, actor=actor, action="delete_post", target=target, outcome="refused",
            data={"policy": "never_delete_posts"},
        )
    )  # fmt: skip
    if incident_id is not None:
        await timeline.add(
            db_session=db_session, workspace_id=workspace_id, incident_id=incident_id, kind="delete_refused",
            actor=actor, is_failure=True,
            message=N_("{actor} tried to delete {target}; refused by the no-delete policy."),
            params={"actor": actor, "target": target},
        )  # fmt: skip
    await db_session.flush()


# --- the inbox -----------------------------------------------------------------------------------


@dataclass
class InboxEntry:
    mention: Mention
    author: Author | None
    state: InboxItem | None
    priority: float
    due_at: datetime
    overdue: bool
    minutes_waiting: float


def sla_minutes(plan: Plan | None, severity: str) -> int:
    """The plan's first-answer SLA for a severity (the defaults when the plan says nothing)."""
    if plan is not None:
        if severity in plan.policies.response_sla_minutes:
            return int(plan.policies.response_sla_minutes[severity])
        level = plan.severities.get(severity)
        if level is not None:
            return int(level.response_sla_minutes)
    return DEFAULT_SLA_MINUTES.get(severity, 240)


def priority(mention: Mention, author: Author | None, minutes_waiting: float, sla: int) -> float:
    """risk × reach × waiting: how urgent an answer is."""
    negativity = max(0.0, -(mention.sentiment_score or 0.0))
    risky = {"health", "privacy", "product_quality", "legal"} & set(mention.issue_types or [])
    risk = 1.0 + negativity + (1.0 if risky else 0.0) + (0.5 if "question" in (mention.issue_types or []) else 0.0)
    reach = math.log10((author.followers or 0) + 10 if author else 10)
    waiting = 1.0 + minutes_waiting / max(sla, 1)
    return round(risk * reach * waiting, 4)


async def inbox(
    *,
    db_session: AsyncSession,
    workspace_id: int,
    plan: Plan | None,
    now: datetime | None = None,
    include_done: bool = False,
    limit: int = 200,
) -> list[InboxEntry]:
    """Mentions that want an answer, most urgent first, with their SLA clocks."""
    now = now or utcnow()
    open_incidents = await incident_service.open_incidents(db_session=db_session, workspace_id=workspace_id)
    severity = min((i.severity for i in open_incidents), key=SEVERITIES.index, default="sev4")
    sla = sla_minutes(plan, severity)
    query = (
        select(Mention, Author)
        .outerjoin(Author, Author.id == Mention.author_id)
        .where(
            Mention.workspace_id == workspace_id,
            Mention.created_at >= now - INBOX_WINDOW,
            Mention.created_at <= now,
        )
        .order_by(Mention.created_at.desc())
        .limit(5000)
    )
    rows = [
        (m, a)
        for m, a in (await db_session.execute(query)).all()
        if m.sentiment == "negative" or set(m.issue_types or []) & ANSWER_ISSUES
    ]
    states = await response_service.inbox_state(db_session=db_session, mention_ids=[m.id for m, _a in rows])
    entries = []
    for mention, author in rows:
        state = states.get(mention.id)
        if not include_done and state is not None and state.status in (InboxStatus.replied, InboxStatus.handled):
            continue
        waiting = max(0.0, (now - mention.created_at).total_seconds() / 60)
        due = mention.created_at + timedelta(minutes=sla)
        entries.append(
            InboxEntry(mention, author, state, priority(mention, author, waiting, sla), due, due < now, waiting)
        )
    entries.sort(key=lambda e: e.priority, reverse=True)
    return entries[:limit]


async def assign_mention(
    *, db_session: AsyncSession, workspace_id: int, mention_id: int, assignee: str, actor: str
) -> InboxItem:
    """Give a mention to someone to answer."""
    item = await response_service.get_or_create_item(
        db_session=db_session, workspace_id=workspace_id, mention_id=mention_id, due_at=None
    )
    item.assignee = assignee
    if item.status == InboxStatus.open:
        item.status = InboxStatus.assigned
    return item


async def mark_handled(
    *, db_session: AsyncSession, workspace_id: int, mention_id: int, actor: str, now: datetime | None = None
) -> InboxItem:
    """No public answer needed (answered elsewhere, spam, not about us…)."""
    now = now or utcnow()
    item = await response_service.get_or_create_item(
        db_session=db_session, workspace_id=workspace_id, mention_id=mention_id, due_at=None
    )
    item.status = InboxStatus.handled
    item.handled_at = now
    item.handled_by = actor
    return item


__all__ = [
    "InboxEntry",
    "PublishFn",
    "assign_mention",
    "at_least",
    "create_draft",
    "decide",
    "edit_draft",
    "inbox",
    "mark_handled",
    "priority",
    "publish",
    "refuse_deletion",
    "required_roles",
    "sla_minutes",
    "submit",
    "tone_context",
]
