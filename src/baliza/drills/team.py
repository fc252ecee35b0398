"""A simulated crisis team for headless drills and the demo: it does what the plan asks, with human delays.

Only people who can be reached act: whoever is out of office or marked unavailable by the scenario
never acknowledges. The paged person acknowledges a few minutes after the page; for a SEV1/SEV2 the
one who acknowledged declares the incident; communications drafts the holding statement from the
playbook; the approvers the plan names approve it; it is published (a dry run); the desk answers the
most urgent mentions with the bundled templates; tasks get done; when the volume is back to normal the
incident is resolved. With ``team="none"`` nobody acts and the drill measures the real team.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.config import Settings
from baliza.core.errors import BalizaError
from baliza.incidents import flows as incident_flows
from baliza.incidents import service as incident_service
from baliza.incidents.models import Incident, IncidentStatus, TaskStatus
from baliza.notify import tokens
from baliza.plans import service as plan_service
from baliza.plans.availability import person_availability
from baliza.plans.schema import Plan
from baliza.publishing import service as publishing_service
from baliza.responses import flows as response_flows
from baliza.responses import service as response_service
from baliza.responses.models import ResponseKind, ResponseStatus
from baliza.storage.db import Database
from baliza.triage import flows as triage_flows
from baliza.triage import service as triage_service
from baliza.triage.escalation import acknowledge_with_token
from baliza.triage.models import AlertGroup, AlertStatus, Escalation, Page, PageStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delays:
    """How long the simulated people take (drill time)."""

    acknowledge: timedelta = timedelta(minutes=3)
    declare: timedelta = timedelta(minutes=1)
    statement: timedelta = timedelta(minutes=4)
    approve: timedelta = timedelta(minutes=2)
    reply_every: timedelta = timedelta(minutes=4)
    replies_per_round: int = 3


@dataclass
class AutoTeam:
    db: Database
    settings: Settings
    plan: Plan
    workspace_id: int
    resolve_at: datetime
    delays: Delays = field(default_factory=Delays)
    last_reply_round: datetime | None = None
    log_lines: list[tuple[datetime, str]] = field(default_factory=list)

    def _say(self, at: datetime, text: str) -> None:
        self.log_lines.append((at, text))

    async def act(self, now: datetime) -> None:
        """Everything the team would have done by ``now``."""
        for step in (self._acknowledge, self._declare, self._statement, self._approve, self._publish,
                     self._reply, self._tasks, self._resolve):  # fmt: skip
            try:
                await step(now)
            except BalizaError as exc:  # a refused action is part of the drill: note it and carry on
                self._say(now, f"{step.__name__}: {exc.message}")

    async def _unavailable(self, session: AsyncSession, now: datetime) -> dict[str, str]:
        return await plan_service.unavailable_at(
            db_session=session, workspace_id=self.workspace_id, at=now, include_drill=True
        )

    def _can_act(self, person: str, now: datetime, unavailable: dict[str, str]) -> bool:
        # Working hours don't stop someone who was just paged from answering; holidays and "unreachable" do.
        state = person_availability(self.plan, person, now, unavailable, working_hours=False)
        return state.available

    async def _acknowledge(self, now: datetime) -> None:
        async with self.db.session() as session:
            unavailable = await self._unavailable(session, now)
            query = (
                select(Page, Escalation)
                .join(Escalation, Escalation.id == Page.escalation_id)
                .join(AlertGroup, AlertGroup.id == Escalation.alert_group_id)
                .where(
                    AlertGroup.workspace_id == self.workspace_id,
                    AlertGroup.status == AlertStatus.open,
                    Page.status.in_([PageStatus.sent, PageStatus.skipped]),
                    Page.ack_used_at.is_(None),
                    Page.created_at <= now - self.delays.acknowledge,
                )
                .order_by(Page.created_at)
            )
            candidates = [(p, e) for p, e in (await session.execute(query)).all()
                          if self._can_act(p.person_id, now, unavailable)]  # fmt: skip
        seen: set[int] = set()
        for page, escalation in candidates:
            if escalation.alert_group_id in seen or page.ack_nonce is None:
                continue
            seen.add(escalation.alert_group_id)
            token = tokens.make_ack_token(
                self.settings.signing_key(), escalation_id=escalation.id, person_id=page.person_id,
                nonce=page.ack_nonce, expires_at=now + timedelta(hours=self.settings.ack_link_hours),
            )  # fmt: skip
            group, who, changed = await acknowledge_with_token(self.db, self.settings, token, now=now)
            if changed:
                self._say(now, f"{who} acknowledged alert {group.id}")

    async def _declare(self, now: datetime) -> None:
        if now >= self.resolve_at - timedelta(minutes=10):
            return  # the crisis is winding down: late alerts join the review, not a new incident
        async with self.db.session() as session:
            groups = await triage_service.list_groups(
                db_session=session, workspace_id=self.workspace_id, status=AlertStatus.acknowledged
            )
            for group in groups:
                if group.incident_id is not None or group.severity not in ("sev1", "sev2"):
                    continue
                if group.acknowledged_at is None or group.acknowledged_at + self.delays.declare > now:
                    continue
                open_ = await incident_service.open_incidents(db_session=session, workspace_id=self.workspace_id)
                if open_:
                    group.incident_id = open_[0].id  # the same crisis: join the incident already open
                    continue
                unavailable = await self._unavailable(session, now)
                incident = await incident_flows.declare_incident(
                    db_session=session, workspace_id=self.workspace_id,
                    title=triage_flows.render_title(group), severity=group.severity,
                    actor=group.acknowledged_by, plan=self.plan, groups=[group], unavailable=set(unavailable),
                    is_drill=True, now=now,
                )  # fmt: skip
                await incident_flows.change_status(
                    db_session=session, incident=incident, to=IncidentStatus.active,
                    actor=group.acknowledged_by or "Baliza", now=now,
                )  # fmt: skip
                self._say(now, f"{group.acknowledged_by} declared incident #{incident.number}")
            await session.commit()

    def _person_for(self, role: str, now: datetime, unavailable: dict[str, str]) -> str | None:
        if role not in self.plan.roles:
            return None
        for person in self.plan.roles[role].people():
            if self._can_act(person, now, unavailable):
                return person
        return None

    async def _statement(self, now: datetime) -> None:
        async with self.db.session() as session:
            for incident in await incident_service.open_incidents(db_session=session, workspace_id=self.workspace_id):
                if incident.created_at + self.delays.statement > now:
                    continue
                existing = await response_service.list_responses(
                    db_session=session, workspace_id=self.workspace_id, incident_id=incident.id
                )
                if any(r.kind == ResponseKind.holding_statement for r in existing):
                    continue
                unavailable = await self._unavailable(session, now)
                author = self._person_for("comms_lead", now, unavailable) or self._person_for(
                    "community_manager", now, unavailable
                )
                text = self._holding_text(incident, now, "es")
                if author is None or text is None:
                    continue
                response = await response_flows.create_draft(
                    db_session=session, workspace_id=self.workspace_id, plan=self.plan, text=text, lang="es",
                    kind=ResponseKind.holding_statement, incident_id=incident.id, channel="x",
                    actor=self.plan.people[author].name, is_drill=True, now=now,
                )  # fmt: skip
                if response.tone.get("ok", True):
                    await response_flows.submit(
                        db_session=session, response=response, actor=self.plan.people[author].name
                    )
                self._say(now, f"{self.plan.people[author].name} drafted the holding statement")
            await session.commit()

    def _holding_text(self, incident: Incident, now: datetime, lang: str) -> str | None:
        book = self.plan.playbooks.get(incident.playbook or "")
        if book is None or book.holding_statement is None:
            return None
        template = getattr(book.holding_statement, lang) or book.holding_statement.en or book.holding_statement.es
        if not template:
            return None
        zone = self.plan.zone
        interval = self.plan.policies.public_update_interval_minutes or 30
        values: defaultdict[str, str] = defaultdict(
            lambda: "…",
            start_time=incident.started_at.astimezone(zone).strftime("%H:%M"),
            next_update=(now + timedelta(minutes=interval)).astimezone(zone).strftime("%H:%M"),
            contact="mensaje privado" if lang == "es" else "direct message",
            status_url="https://acmefoods.example/estado",
        )
        return template.format_map(values)

    async def _approve(self, now: datetime) -> None:
        async with self.db.session() as session:
            pending = await response_service.list_responses(
                db_session=session, workspace_id=self.workspace_id, status=ResponseStatus.pending_approval
            )
            unavailable = await self._unavailable(session, now)
            for response in pending:
                if response.created_at + self.delays.approve > now:
                    continue
                done = {a.role for a in await response_service.approvals(db_session=session, response_id=response.id)}
                for role in response.required_roles:
                    if role in done:
                        continue
                    person = self._person_for(role, now, unavailable)
                    if person is None:
                        self._say(now, f"nobody available to approve as {role}")
                        continue
                    await response_flows.decide(
                        db_session=session, response=response, role=role, approve=True,
                        actor=self.plan.people[person].name, actor_plan_roles={role}, now=now,
                    )  # fmt: skip
                    self._say(now, f"{self.plan.people[person].name} approved response {response.id} as {role}")
            await session.commit()

    async def _publish(self, now: datetime) -> None:
        async with self.db.session() as session:
            approved = await response_service.list_responses(
                db_session=session, workspace_id=self.workspace_id, status=ResponseStatus.approved
            )
            for response in approved:
                await response_flows.publish(
                    db_session=session, response=response, publish_fn=publishing_service.dry_run_response,
                    actor=response.created_by or "Baliza", now=now,
                )  # fmt: skip
                self._say(now, f"response {response.id} published (dry run)")
            await session.commit()

    async def _reply(self, now: datetime) -> None:
        if self.last_reply_round is not None and now - self.last_reply_round < self.delays.reply_every:
            return
        self.last_reply_round = now
        async with self.db.session() as session:
            incidents = await incident_service.open_incidents(db_session=session, workspace_id=self.workspace_id)
            acknowledged = await triage_service.list_groups(
                db_session=session, workspace_id=self.workspace_id, status=AlertStatus.acknowledged, limit=1
            )
            if not incidents and not acknowledged:
                return  # nobody has taken charge yet
            unavailable = await self._unavailable(session, now)
            desk = self._person_for("community_manager", now, unavailable)
            if desk is None:
                return
            actor = self.plan.people[desk].name
            entries = await response_flows.inbox(
                db_session=session, workspace_id=self.workspace_id, plan=self.plan, now=now
            )
            for entry in entries[: self.delays.replies_per_round]:
                lang = entry.mention.lang if entry.mention.lang in ("es", "en") else "es"
                text = self._reply_text(lang, now)
                response = await response_flows.create_draft(
                    db_session=session, workspace_id=self.workspace_id, plan=self.plan, text=text, lang=lang,
                    mention_id=entry.mention.id, incident_id=incidents[0].id if incidents else None, actor=actor,
                    is_drill=True, now=now,
                )  # fmt: skip
                if response.tone.get("ok", True):
                    await response_flows.publish(
                        db_session=session, response=response, publish_fn=publishing_service.dry_run_response,
                        actor=actor, now=now,
                    )  # fmt: skip
            await session.commit()

    def _reply_text(self, lang: str, now: datetime) -> str:
        interval = self.plan.policies.public_update_interval_minutes or 30
        at = (now + timedelta(minutes=interval)).astimezone(self.plan.zone).strftime("%H:%M")
        if lang == "en":
            return (
                f"Hi, we're really sorry about the delay. We're on it and will post an update here at {at}. "
                "Please send us your order number by direct message so we can check it."
            )
        return (
            f"Hola, lo sentimos mucho por el retraso. Estamos en ello y daremos novedades aquí a las {at}. "
            "Escríbenos por mensaje privado con tu número de pedido y lo revisamos."
        )

    async def _tasks(self, now: datetime) -> None:
        async with self.db.session() as session:
            for incident in await incident_service.open_incidents(db_session=session, workspace_id=self.workspace_id):
                for task in await incident_service.tasks(db_session=session, incident_id=incident.id):
                    if (
                        task.status == TaskStatus.open
                        and task.due_at is not None
                        and task.due_at - timedelta(minutes=2) <= now
                    ):
                        await incident_flows.update_task(
                            db_session=session, incident=incident, task_id=task.id, actor=task.role or "team",
                            status=TaskStatus.done, now=now,
                        )  # fmt: skip
            await session.commit()

    async def _resolve(self, now: datetime) -> None:
        if now < self.resolve_at:
            return
        async with self.db.session() as session:
            for incident in await incident_service.open_incidents(db_session=session, workspace_id=self.workspace_id):
                if incident.status == IncidentStatus.active:
                    await incident_flows.change_status(
                        db_session=session, incident=incident, to=IncidentStatus.monitoring, actor="Baliza", now=now
                    )
                await incident_flows.change_status(
                    db_session=session, incident=incident, to=IncidentStatus.resolved, actor="Baliza", now=now
                )
                for group in await incident_flows.groups_of(db_session=session, incident_id=incident.id):
                    await triage_flows.resolve_group(db_session=session, group=group, actor="Baliza", now=now)
                self._say(now, f"incident #{incident.number} resolved")
            await session.commit()


__all__ = ["AutoTeam", "Delays"]
