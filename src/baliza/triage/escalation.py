"""The escalation runner: takes each due step of each escalation, pages people, and schedules the next.

Rules that make it safe to kill at any moment:
- The chain comes from the escalation's snapshot (the plan text it started with), never the live plan.
- A step is claimed by bumping the escalation's ``revision`` in the same transaction that records its
  pages (status ``sending``) and the next due time. A runner that read an older revision does nothing.
- Each Page has a unique key (escalation, step, round, person): a step run twice pages nobody twice.
- Delivery happens after that commit. If the process dies in between, the page stays ``sending``; at
  the next start it is marked ``unknown`` on the timeline and not sent again (the chain's next step,
  already scheduled, still escalates if nobody acknowledges).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from baliza.core import loops
from baliza.core.clock import utcnow
from baliza.core.config import Settings
from baliza.core.errors import BalizaError, NotFoundError, ValidationError
from baliza.core.i18n import N_, _, use_locale
from baliza.detection.models import Signal
from baliza.drills import service as drill_service
from baliza.incidents import flows as incident_flows
from baliza.incidents import timeline
from baliza.notify import tokens
from baliza.notify.messages import Notice, NoticeKind, pick_language, render
from baliza.notify.sender import Backoff, DeliveryReport, deliver
from baliza.plans import flows as plan_flows
from baliza.plans import service as plan_service
from baliza.plans.resolve import resolve_step
from baliza.plans.schema import Plan
from baliza.storage.db import Database
from baliza.triage import flows as triage_flows
from baliza.triage import service as triage_service
from baliza.triage.models import AlertGroup, AlertStatus, Escalation, EscalationStatus, Page, PageStatus
from baliza.workspaces.models import Workspace

log = logging.getLogger(__name__)

Deliver = Callable[..., Awaitable[DeliveryReport]]


@dataclass
class _Outgoing:
    page_id: int
    person: str
    contacts: list[str]
    lang: str
    notice: Notice
    allow_real: bool = False  # a drill whose scenario lets pages reach people's real contacts


def _signal_summary(evidence: dict[str, Any]) -> dict[str, Any]:
    posts = evidence.get("top_posts") or []
    terms = [t.get("term") for t in evidence.get("top_terms") or [] if t.get("term")]
    observed = evidence.get("observed", evidence.get("negative"))
    expected = evidence.get("expected", evidence.get("expected_negative"))
    return {
        "observed": int(observed) if isinstance(observed, int | float) else None,
        "expected": float(expected) if isinstance(expected, int | float) and expected >= 0 else None,
        "negative_share": evidence.get("observed_share"),
        "top_terms": tuple(str(t) for t in terms[:5]),
        "top_post": (posts[0].get("text") or "")[:280] if posts else None,
    }


class EscalationRunner:
    """Runs due escalation steps; ``step()`` once, or ``run_forever()`` in the server."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        deliver_fn: Deliver = deliver,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        env: dict[str, str] | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.deliver_fn = deliver_fn
        self.sleep = sleep
        self.env = env

    # --- the loop ---------------------------------------------------------------------------

    async def recover(self) -> int:
        """Mark pages left ``sending`` by a stopped process as ``unknown`` (never resend them)."""
        now = self.clock()
        count = 0
        async with self.db.session() as session:
            for page in await triage_service.interrupted_pages(db_session=session, before=now + timedelta(seconds=1)):
                page.status = PageStatus.unknown
                page.reason = "interrupted"
                escalation = await session.get(Escalation, page.escalation_id)
                if escalation is not None:
                    await timeline.add(
                        db_session=session, workspace_id=escalation.workspace_id,
                        alert_group_id=escalation.alert_group_id, kind="page_unknown", is_failure=True, at=now,
                        message=N_("Baliza stopped while paging {person}; not sent again to avoid a double page."),
                        params={"person": page.person_name},
                    )  # fmt: skip
                count += 1
            await session.commit()
        return count

    async def step(self, now: datetime | None = None) -> int:
        """Run every step that is due at ``now``; returns how many steps ran."""
        now = now or self.clock()
        async with self.db.session() as session:
            due = await triage_service.due_escalations(db_session=session, now=now)
        ran = 0
        for escalation_id, revision in due:
            ran += await self._advance(escalation_id, revision, now)
        await self._send_updates(now)
        return ran

    async def _send_updates(self, now: datetime) -> None:
        """group_interval: the people already paged for an alert hear about the signals that joined it since."""
        async with self.db.session() as session:
            due = list(
                (
                    await session.execute(
                        select(AlertGroup).where(AlertGroup.update_due_at.is_not(None), AlertGroup.update_due_at <= now)
                    )
                ).scalars()
            )
            work: list[tuple[int, list[_Outgoing]]] = []
            for group in due:
                group.update_due_at = None
                group.last_update_at = now
                if group.status == AlertStatus.resolved:
                    continue
                pages = await triage_service.pages_for_group(db_session=session, alert_group_id=group.id)
                people = list(dict.fromkeys(p.person_id for p in pages if p.status == PageStatus.sent))
                escalations = await triage_service.escalations_of(db_session=session, alert_group_id=group.id)
                if not people or not escalations:
                    continue
                plan = plan_flows.plan_from_source(escalations[-1].snapshot["plan_source"])
                workspace = await session.get(Workspace, group.workspace_id)
                assert workspace is not None
                outgoing = []
                for person_id in people:
                    if person_id not in plan.people:
                        continue
                    person = plan.person(person_id)
                    lang = pick_language(
                        list(person.languages), workspace.languages[0] if workspace.languages else None
                    )
                    with use_locale(lang):
                        title = triage_flows.render_title(group)
                    ids = await triage_service.signal_ids(db_session=session, alert_group_id=group.id)
                    signal = await session.get(Signal, ids[-1]) if ids else None
                    notice = Notice(
                        kind=NoticeKind.alert_update,
                        workspace=workspace.name,
                        title=title,
                        severity=group.severity if group.severity in ("sev1", "sev2", "sev3", "sev4") else None,
                        drill=group.is_drill,
                        drill_label={k: v for k, v in plan.policies.drill_label.model_dump().items() if v},
                        **_signal_summary(signal.evidence if signal is not None else {}),
                    )
                    outgoing.append(_Outgoing(0, person_id, plan_flows.expand(person_id, plan, self.env), lang, notice))
                await timeline.add(
                    db_session=session, workspace_id=group.workspace_id, alert_group_id=group.id,
                    kind="alert_update_sent", at=now,
                    message=N_("Update on the alert ({signals} signals, {severity}) sent to {people}."),
                    params={"signals": group.signal_count, "severity": group.severity.upper(),
                            "people": ", ".join(plan.display_name(p) for p in people)},
                )  # fmt: skip
                work.append((group.id, outgoing))
            await session.commit()
        for _group_id, outgoing in work:
            for item in outgoing:
                await self.deliver_fn(
                    item.contacts,
                    render(item.notice, item.lang),
                    attempts=self.settings.notify_attempts,
                    backoff=Backoff(self.settings.notify_backoff_seconds, 2.0),
                    drill=item.notice.drill,
                    drill_contacts=self.settings.drill_channels,
                    sleep=self.sleep,
                )

    async def run_forever(self, interval: float) -> None:
        """Check the timers every ``interval`` seconds until cancelled; a failing round is logged, not fatal."""
        await self.recover()
        await loops.every(interval, self.step, name="escalation_step_failed")

    # --- one escalation ---------------------------------------------------------------------

    async def _advance(self, escalation_id: int, revision: int, now: datetime) -> int:
        ran = 0
        while True:
            outcome = await self._claim_step(escalation_id, revision, now)
            if outcome is None:
                return ran
            outgoing, revision, immediate = outcome
            ran += 1
            await self._send(escalation_id, outgoing, now)
            if not immediate:
                return ran

    async def _claim_step(
        self, escalation_id: int, revision: int, now: datetime
    ) -> tuple[list[_Outgoing], int, bool] | None:
        """Record the pages of the due step and schedule the next, in one transaction."""
        async with self.db.session() as session:
            escalation = await triage_service.lock_escalation(db_session=session, escalation_id=escalation_id)
            if (
                escalation is None
                or escalation.revision != revision
                or escalation.status not in (EscalationStatus.pending, EscalationStatus.running)
                or escalation.next_run_at is None
                or escalation.next_run_at > now
            ):
                return None
            group = await session.get(AlertGroup, escalation.alert_group_id)
            workspace = await session.get(Workspace, escalation.workspace_id)
            assert group is not None and workspace is not None
            if group.status != AlertStatus.open:
                escalation.status = EscalationStatus.cancelled
                escalation.next_run_at = None
                escalation.revision += 1
                await session.commit()
                return None
            plan = plan_flows.plan_from_source(escalation.snapshot["plan_source"])
            chain = plan.chain(escalation.chain)
            if escalation.status == EscalationStatus.pending:
                escalation.status = EscalationStatus.running
                await timeline.add(
                    db_session=session, workspace_id=group.workspace_id, alert_group_id=group.id,
                    kind="escalation_started", at=now,
                    message=N_("Escalation {chain} started (plan version {version}, {n} steps)."),
                    params={"chain": escalation.chain, "version": escalation.snapshot.get("plan_version"),
                            "n": len(chain.steps)},
                )  # fmt: skip
            if escalation.step_index >= len(chain.steps):
                escalation.status = EscalationStatus.exhausted
                escalation.finished_at = now
                escalation.next_run_at = None
                escalation.revision += 1
                await timeline.add(
                    db_session=session, workspace_id=group.workspace_id, alert_group_id=group.id,
                    kind="escalation_exhausted", at=now, is_failure=True,
                    message=N_("Escalation {chain} ran out of steps and nobody acknowledged."),
                    params={"chain": escalation.chain},
                )  # fmt: skip
                await session.commit()
                return None
            unavailable = await plan_service.unavailable_at(
                db_session=session, workspace_id=group.workspace_id, at=now, include_drill=escalation.is_drill
            )
            index = escalation.step_index
            step = chain.steps[index]
            targets = resolve_step(plan, escalation.chain, index, now, unavailable)
            pages_so_far = await triage_service.pages_of(db_session=session, escalation_id=escalation_id)
            earlier = {p.person_id for p in pages_so_far if p.step_index != index and p.status == PageStatus.sent}
            outgoing: list[_Outgoing] = []
            if escalation.repeat_done == 0:
                for skip in targets.skipped:
                    await timeline.add(
                        db_session=session, workspace_id=group.workspace_id, alert_group_id=group.id,
                        kind="page_skipped", at=now,
                        message=N_("Step {step}: {person} skipped: {reason}"),
                        params={"step": index + 1, "person": plan.display_name(skip.person), "reason": skip.reason},
                        extra={"code": skip.code, "person_id": skip.person},
                    )  # fmt: skip
            for target in targets.pages:
                if targets.action == "notify_backup" and target.person in earlier:
                    continue
                item = await self._record(session, plan, workspace, group, escalation, index, target.person,
                                          target.why, now)  # fmt: skip
                if item is not None:
                    outgoing.append(item)
            if not targets.pages and not step.declare_incident and targets.action != "wait":
                await timeline.add(
                    db_session=session, workspace_id=group.workspace_id, alert_group_id=group.id,
                    kind="step_reached_nobody", at=now, is_failure=True,
                    message=N_("Step {step} ({what}) reached nobody; going on."),
                    params={"step": index + 1, "what": targets.description},
                )  # fmt: skip
            if step.declare_incident and group.incident_id is None:
                await self._declare(session, plan, group, escalation, unavailable, now)
            wait = step.wait or timedelta(0)
            if escalation.repeat_done < step.repeat:
                escalation.repeat_done += 1
            else:
                escalation.step_index += 1
                escalation.repeat_done = 0
            escalation.next_run_at = now + wait
            escalation.revision += 1
            new_revision = escalation.revision
            await session.commit()
            return outgoing, new_revision, wait <= timedelta(0)

    async def _record(
        self,
        session: Any,
        plan: Plan,
        workspace: Workspace,
        group: AlertGroup,
        escalation: Escalation,
        index: int,
        person_id: str,
        why: str,
        now: datetime,
    ) -> _Outgoing | None:
        person = plan.person(person_id)
        lang = pick_language(list(person.languages), workspace.languages[0] if workspace.languages else None)
        nonce = tokens.new_nonce()
        page = Page(
            escalation_id=escalation.id,
            step_index=index,
            round=escalation.repeat_done,
            person_id=person_id,
            person_name=person.name,
            lang=lang,
            status=PageStatus.sending,
            reason=why,
            ack_nonce=nonce,
            created_at=now,
        )
        if not await triage_service.record_page(db_session=session, page=page):
            return None  # this step already paged this person (a retry after a crash)
        token = tokens.make_ack_token(
            self.settings.signing_key(),
            escalation_id=escalation.id,
            person_id=person_id,
            nonce=nonce,
            expires_at=now + timedelta(hours=self.settings.ack_link_hours),
        )
        with use_locale(lang):
            title = triage_flows.render_title(group)
        signal_evidence: dict[str, Any] = {}
        ids = await triage_service.signal_ids(db_session=session, alert_group_id=group.id)
        if ids:
            signal = await session.get(Signal, ids[-1])
            signal_evidence = signal.evidence if signal is not None else {}
        severity = plan.severities.get(group.severity)
        notice = Notice(
            kind=NoticeKind.escalated if index > 0 else NoticeKind.page,
            workspace=workspace.name,
            title=title,
            severity=group.severity if group.severity in ("sev1", "sev2", "sev3", "sev4") else None,
            severity_label={k: v for k, v in (severity.label.model_dump() if severity else {}).items() if v},
            ack_url=f"{self.settings.public_url.rstrip('/')}/ack/{token}",
            drill=escalation.is_drill,
            drill_label={k: v for k, v in plan.policies.drill_label.model_dump().items() if v},
            **_signal_summary(signal_evidence),
        )
        contacts = plan_flows.expand(person_id, plan, self.env)
        allow_real = False
        if escalation.is_drill:
            run = await drill_service.active_run(db_session=session, workspace_id=group.workspace_id)
            allow_real = bool(run is not None and run.allow_real_notifications)
        return _Outgoing(page.id, person_id, contacts, lang, notice, allow_real)

    async def _declare(
        self,
        session: Any,
        plan: Plan,
        group: AlertGroup,
        escalation: Escalation,
        unavailable: dict[str, str],
        now: datetime,
    ) -> None:
        with use_locale("en"):
            title = triage_flows.render_title(group)
        await incident_flows.declare_incident(
            db_session=session,
            workspace_id=group.workspace_id,
            title=title,
            severity=group.severity,
            actor=None,
            plan=plan,
            groups=[group],
            unavailable=set(unavailable),
            is_drill=escalation.is_drill,
            now=now,
        )

    async def _send(self, escalation_id: int, outgoing: Sequence[_Outgoing], now: datetime) -> None:
        for item in outgoing:
            rendered = render(item.notice, item.lang)
            report = await self.deliver_fn(
                item.contacts,
                rendered,
                attempts=self.settings.notify_attempts,
                backoff=Backoff(self.settings.notify_backoff_seconds, 2.0),
                drill=item.notice.drill,
                drill_contacts=self.settings.drill_channels,
                allow_real=item.allow_real,
                sleep=self.sleep,
            )
            async with self.db.session() as session:
                page = await session.get(Page, item.page_id)
                escalation = await session.get(Escalation, escalation_id)
                assert page is not None and escalation is not None
                page.attempts = [a.model_dump(mode="json") for a in report.attempts]
                page.sent_at = now
                if report.ok:
                    page.status = PageStatus.sent
                    page.contact = report.delivered_to
                    await timeline.add(
                        db_session=session, workspace_id=escalation.workspace_id,
                        alert_group_id=escalation.alert_group_id, kind="paged", at=now,
                        message=N_("Paged {person} ({why}) through {contact}."),
                        params={"person": page.person_name, "why": page.reason or "", "contact": report.delivered_to},
                        extra={"person_id": page.person_id, "page_id": page.id},
                    )  # fmt: skip
                else:
                    drill_only = bool(report.attempts) and all(a.status == "skipped" for a in report.attempts)
                    page.status = PageStatus.skipped if drill_only else PageStatus.failed
                    message = (
                        N_("Drill: {person} would have been paged ({why}); real contacts are kept quiet.")
                        if drill_only
                        else N_("Could not reach {person} ({why}) on any contact.")
                    )
                    await timeline.add(
                        db_session=session, workspace_id=escalation.workspace_id,
                        alert_group_id=escalation.alert_group_id, kind="page_failed" if not drill_only else "paged",
                        at=now, is_failure=not drill_only, message=message,
                        params={"person": page.person_name, "why": page.reason or ""},
                        extra={"person_id": page.person_id, "page_id": page.id,
                               "attempts": [a.model_dump(mode="json") for a in report.attempts]},
                    )  # fmt: skip
                await session.commit()


async def acknowledge_with_token(
    db: Database, settings: Settings, token: str, *, now: datetime | None = None
) -> tuple[AlertGroup, str, bool]:
    """Acknowledge through a link from a page; (group, who, changed). Each link works once."""
    now = now or utcnow()
    claim = tokens.read_ack_token(settings.signing_key(), token, now=now)
    async with db.session() as session:
        page = await triage_service.page_by_nonce(db_session=session, nonce=claim.nonce)
        if page is None or page.escalation_id != claim.escalation_id or page.person_id != claim.person_id:
            raise NotFoundError(_("This acknowledgement link does not match any page."), code="ack_unknown")
        if page.ack_used_at is not None:
            raise ValidationError(
                _("This acknowledgement link was already used."),
                code="ack_used",
                details={"used_at": str(page.ack_used_at)},
            )
        escalation = await session.get(Escalation, page.escalation_id)
        assert escalation is not None
        group = await session.get(AlertGroup, escalation.alert_group_id)
        assert group is not None
        page.ack_used_at = now
        try:
            changed = await triage_flows.acknowledge_group(
                db_session=session, group=group, actor=page.person_name, via="link", now=now
            )
        except BalizaError:
            await session.rollback()
            raise
        who = group.acknowledged_by or page.person_name
        await session.commit()
        return group, who, changed


def running(runner: EscalationRunner, interval: float) -> contextlib.AbstractAsyncContextManager[asyncio.Task[None]]:
    """Run ``runner`` in the background for the duration of an ``async with`` block."""
    return loops.background(runner.run_forever(interval))


__all__ = ["EscalationRunner", "acknowledge_with_token", "running"]
