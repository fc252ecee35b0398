"""Who an escalation step would page at a moment, in order, with why, and whom it skipped and why.

``resolve_step`` answers for one step (the escalation runner calls it when a step comes due);
``page_plan`` walks a whole chain as if nobody acknowledged, each step at the moment it would run,
for ``baliza routes test`` and for the runner's preview.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from baliza.core.errors import NotFoundError
from baliza.core.i18n import _
from baliza.plans.availability import on_call, person_availability
from baliza.plans.schema import EscalationStep, Plan, Target


@dataclass(frozen=True)
class Page:
    """One person to page; ``kind`` is primary, backup, on_call or person; ``why`` is for people to read."""

    person: str
    kind: str
    why: str
    backup_number: int | None = None


@dataclass(frozen=True)
class Skip:
    """One person passed over; ``code`` is unavailable, out_of_office, off_hours or already_paged."""

    person: str
    code: str
    reason: str


@dataclass(frozen=True)
class StepTargets:
    """What one step does at ``at``: the pages (in order), the skipped people, and its timing.

    ``action`` is notify, escalate_to, notify_backup or wait; ``description`` says it for people.
    """

    chain: str
    index: int
    step: EscalationStep
    at: datetime
    action: str
    description: str
    pages: list[Page] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    note: str = ""

    @property
    def wait(self) -> timedelta:
        """How long this step waits for an acknowledgement (per send)."""
        return self.step.wait or timedelta(0)

    @property
    def repeat(self) -> int:
        """How many times the step is sent again before the chain moves on."""
        return self.step.repeat

    @property
    def declare_incident(self) -> bool:
        """Whether this step opens an incident."""
        return self.step.declare_incident

    @property
    def duration(self) -> timedelta:
        """Time from this step to the next if nobody acknowledges: the wait, once per send."""
        return self.wait * (1 + self.repeat)


@dataclass(frozen=True)
class PagePlan:
    """A whole chain walked from ``at`` with nobody acknowledging."""

    chain: str
    at: datetime
    steps: list[StepTargets]

    def reaches_anyone(self) -> bool:
        """Whether at least one step pages at least one person."""
        return any(step.pages for step in self.steps)


def _steps(plan: Plan, chain: str) -> list[EscalationStep]:
    return plan.chain(chain).steps


def _describe(action: str, target: Target) -> str:
    """``notify role legal`` in the reader's language (whole phrases, so Spanish can say "al rol")."""
    phrases = {
        ("notify", "role"): _("notify role {name}"),
        ("notify", "person"): _("notify {name}"),
        ("notify", "rotation"): _("notify whoever is on call in {name}"),
        ("escalate_to", "role"): _("escalate to role {name}"),
        ("escalate_to", "person"): _("escalate to {name}"),
        ("escalate_to", "rotation"): _("escalate to whoever is on call in {name}"),
    }
    return phrases[(action, target.kind)].format(name=target.name)


def _previous_role_step(steps: list[EscalationStep], index: int) -> int | None:
    for j in range(index - 1, -1, -1):
        target = steps[j].target
        if target is not None and target.role is not None:
            return j
    return None


def _role_pages(
    plan: Plan, role_id: str, at: datetime, unavailable: Collection[str], out_of_office: bool
) -> tuple[list[Page], list[Skip]]:
    role = plan.roles[role_id]
    skipped: list[Skip] = []
    for number, person in enumerate(role.people()):
        state = person_availability(plan, person, at, unavailable, out_of_office=out_of_office)
        if state.available:
            if number == 0:
                return [Page(person, "primary", _("primary {role}").format(role=role_id))], skipped
            why = _("backup {n} for {role}").format(n=number, role=role_id)
            return [Page(person, "backup", why, number)], skipped
        skipped.append(Skip(person, state.code, state.reason))
    return [], skipped


def resolve_step(
    plan: Plan,
    chain: str,
    index: int,
    at: datetime,
    unavailable: Collection[str] = (),
    *,
    earlier: Mapping[int, StepTargets] | None = None,
    out_of_office: bool = True,
) -> StepTargets:
    """Whom step ``index`` of ``chain`` pages at ``at``, and whom it skips.

    A role step pages the primary if available, otherwise the first available backup. A
    ``notify_backup`` step pages every available backup of the previous role step's role, in order,
    skipping those that step already paged (taken from ``earlier`` when given, else worked out at ``at``).
    """
    steps = _steps(plan, chain)
    if not 0 <= index < len(steps):
        raise NotFoundError(
            _("chain {chain} has steps 0 to {last}, not {index}").format(chain=chain, last=len(steps) - 1, index=index)
        )
    step = steps[index]
    target = step.target
    if target is not None:
        action = "notify" if step.notify is not None else "escalate_to"
        result = StepTargets(chain, index, step, at, action, _describe(action, target))
        if target.role is not None:
            pages, skipped = _role_pages(plan, target.role, at, unavailable, out_of_office)
            result.pages.extend(pages)
            result.skipped.extend(skipped)
        elif target.person is not None:
            state = person_availability(plan, target.person, at, unavailable, out_of_office=out_of_office)
            if state.available:
                result.pages.append(Page(target.person, "person", _("named in the chain")))
            else:
                result.skipped.append(Skip(target.person, state.code, state.reason))
        else:
            duty = on_call(plan, target.name, at, unavailable, out_of_office=out_of_office)
            if duty.person is not None:
                result.pages.append(
                    Page(duty.person, "on_call", _("on call in {rotation}").format(rotation=target.name))
                )
            result.skipped.extend(Skip(a.person, a.code, a.reason) for a in duty.skipped)
            return replace(result, note=duty.reason)
        return result
    if step.notify_backup:
        j = _previous_role_step(steps, index)
        assert j is not None  # the schema refuses notify_backup without an earlier role step
        role_id = steps[j].target.role  # type: ignore[union-attr]
        assert role_id is not None
        before = (earlier or {}).get(j) or resolve_step(
            plan, chain, j, at, unavailable, earlier=earlier, out_of_office=out_of_office
        )
        already = {p.person for p in before.pages}
        description = _("notify the backups of {role}").format(role=role_id)
        result = StepTargets(chain, index, step, at, "notify_backup", description)
        for number, person in enumerate(plan.roles[role_id].backups, start=1):
            if person in already:
                reason = _("already paged at step {n}").format(n=j + 1)
                result.skipped.append(Skip(person, "already_paged", reason))
                continue
            state = person_availability(plan, person, at, unavailable, out_of_office=out_of_office)
            if state.available:
                why = _("backup {n} for {role}").format(n=number, role=role_id)
                result.pages.append(Page(person, "backup", why, number))
            else:
                result.skipped.append(Skip(person, state.code, state.reason))
        return result
    return StepTargets(chain, index, step, at, "wait", _("wait"))


def page_plan(plan: Plan, chain: str, at: datetime, unavailable: Collection[str] = ()) -> PagePlan:
    """Every step of ``chain`` from ``at``, each at the moment it would run if nobody acknowledged."""
    steps: list[StepTargets] = []
    done: dict[int, StepTargets] = {}
    moment = at
    for index in range(len(_steps(plan, chain))):
        result = resolve_step(plan, chain, index, moment, unavailable, earlier=done)
        done[index] = result
        steps.append(result)
        moment = moment + result.duration
    return PagePlan(chain, at, steps)


def reaches_anyone_at(plan: Plan, chain: str, at: datetime) -> bool:
    """Whether any step of ``chain`` could page someone at ``at`` (working hours and rotations; holidays ignored)."""
    done: dict[int, StepTargets] = {}
    for index in range(len(_steps(plan, chain))):
        done[index] = resolve_step(plan, chain, index, at, earlier=done, out_of_office=False)
        if done[index].pages:
            return True
    return False


__all__ = ["Page", "PagePlan", "Skip", "StepTargets", "page_plan", "reaches_anyone_at", "resolve_step"]
