"""Scoring a drill against the plan and the scenario's expectations, and the drill report.

Times are measured on the drill clock from the moment the crisis starts (the first burst of the
scenario): detection (first signal), first page, acknowledgement, holding statement, first public
answer; plus whether escalation reached the people it had to (and the backup of someone away), the
severity triaged against the expected one, SLA compliance of the answers and the tone check of what
was published. Each item passes or fails against its target, and turns into "what went well" or
"what to change in the plan".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.i18n import _, number
from baliza.detection.models import Signal
from baliza.drills.scenario import Scenario
from baliza.incidents.models import Incident, TimelineEntry
from baliza.plans.schema import Plan
from baliza.responses.models import Response, ResponseKind, ResponseStatus
from baliza.triage.models import AlertGroup, Escalation, Page, PageStatus


@dataclass
class ScoreItem:
    code: str
    label: str
    target: str
    actual: str
    ok: bool | None  # None: could not be measured

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "target": self.target, "actual": self.actual, "ok": self.ok}


@dataclass
class DrillScore:
    items: list[ScoreItem] = field(default_factory=list)
    went_well: list[str] = field(default_factory=list)
    to_change: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> int:
        return sum(1 for i in self.items if i.ok)

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": [i.as_dict() for i in self.items],
            "went_well": self.went_well,
            "to_change": self.to_change,
            "passed": self.passed,
            "total": len(self.items),
            "facts": self.facts,
        }

    def as_markdown(self, title: str) -> str:
        """The drill report as Markdown."""
        lines = [f"# {title}", "", _("{passed} of {total} checks passed.").format(passed=self.passed,
                                                                             total=len(self.items)), ""]  # fmt: skip
        lines += [f"| {_('check')} | {_('target')} | {_('actual')} | |", "|---|---|---|---|"]
        for item in self.items:
            mark = "✅" if item.ok else ("❌" if item.ok is False else "–")
            lines.append(f"| {item.label} | {item.target} | {item.actual} | {mark} |")
        well = self.went_well or [_("Nothing met its target this time; start with the list below.")]
        change = self.to_change or [_("Nothing: every check met its target. Try a harder scenario or a slower team.")]
        lines += ["", f"## {_('What went well')}", ""] + [f"- {w}" for w in well]
        lines += ["", f"## {_('What to change in the plan')}", ""] + [f"- {c}" for c in change]
        return "\n".join(lines) + "\n"


def minutes(delta: timedelta | None) -> str:
    """``12.5 min`` in the reader's way, or a dash."""
    if delta is None:
        return "–"
    return _("{n} min").format(n=number(delta.total_seconds() / 60, 1))


def _item(code: str, label: str, target: timedelta, actual: timedelta | None) -> ScoreItem:
    return ScoreItem(code, label, minutes(target), minutes(actual), None if actual is None else actual <= target)


async def score_drill(
    *,
    db_session: AsyncSession,
    workspace_id: int,
    scenario: Scenario,
    plan: Plan,
    t0: datetime,
    end: datetime,
) -> DrillScore:
    """Measure what happened in ``[t0, end]`` against ``scenario.expected``."""
    expected = scenario.expected
    crisis = t0 + min((b.at for b in scenario.bursts), default=timedelta(0))
    score = DrillScore()

    signals = list(
        (
            await db_session.execute(
                select(Signal)
                .where(Signal.workspace_id == workspace_id, Signal.detected_at >= crisis, Signal.detected_at <= end)
                .order_by(Signal.detected_at)
            )
        ).scalars()
    )
    groups = list(
        (
            await db_session.execute(
                select(AlertGroup)
                .where(
                    AlertGroup.workspace_id == workspace_id, AlertGroup.created_at >= t0, AlertGroup.created_at <= end
                )
                .order_by(AlertGroup.created_at)
            )
        ).scalars()
    )
    group_ids = [g.id for g in groups]
    pages = list(
        (
            await db_session.execute(
                select(Page)
                .join(Escalation, Escalation.id == Page.escalation_id)
                .where(Escalation.alert_group_id.in_(group_ids))
                .order_by(Page.created_at)
            )
        ).scalars()
    ) if group_ids else []  # fmt: skip
    reached = [p for p in pages if p.status in (PageStatus.sent, PageStatus.skipped)]
    acks = sorted(g.acknowledged_at for g in groups if g.acknowledged_at is not None)
    incident = (
        await db_session.execute(
            select(Incident)
            .where(Incident.workspace_id == workspace_id, Incident.created_at >= t0, Incident.created_at <= end)
            .order_by(Incident.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    published = list(
        (
            await db_session.execute(
                select(Response)
                .where(
                    Response.workspace_id == workspace_id,
                    Response.status == ResponseStatus.published,
                    Response.published_at >= t0,
                    Response.published_at <= end,
                )
                .order_by(Response.published_at)
            )
        ).scalars()
    )

    # A signal is dated by the minute it covers; it is raised when that minute is over.
    first_signal = signals[0].detected_at + timedelta(minutes=1) if signals else None
    detect = first_signal - crisis if first_signal else None
    first_page = reached[0].created_at if reached else None
    ack = acks[0] - first_page if acks and first_page and acks[0] >= first_page else None
    holding = next((r for r in published if r.kind == ResponseKind.holding_statement), None)
    first_reply = next((r for r in published if r.kind == ResponseKind.reply), None)
    start_of_response = first_signal or crisis

    score.items.append(_item("detect", _("Time to detect"), timedelta(minutes=5), detect))
    score.items.append(_item("acknowledge", _("Time to acknowledge"), expected.acknowledge_within, ack))
    score.items.append(
        _item(
            "holding_statement", _("Time to holding statement"), expected.holding_statement_within,
            holding.published_at - start_of_response if holding and holding.published_at else None,
        )
    )  # fmt: skip
    score.items.append(
        _item(
            "first_response", _("Time to first public answer"), expected.first_response_within,
            first_reply.published_at - start_of_response if first_reply and first_reply.published_at else None,
        )
    )  # fmt: skip
    severity = incident.severity if incident else (groups[0].severity if groups else None)
    score.items.append(
        ScoreItem("severity", _("Severity"), expected.severity.upper(), (severity or "–").upper(),
                  None if severity is None else severity == expected.severity)
    )  # fmt: skip
    paged_people = {p.person_id for p in reached}
    if expected.escalation is not None:
        must = set(expected.escalation.must_reach)
        missing = sorted(must - paged_people)
        score.items.append(
            ScoreItem("escalation", _("Escalation reached"), ", ".join(sorted(must)) or "–",
                      ", ".join(sorted(paged_people & must)) or "–", not missing)
        )  # fmt: skip
        if expected.escalation.backup_of:
            away = expected.escalation.backup_of
            skipped = (
                await db_session.execute(
                    select(TimelineEntry).where(
                        TimelineEntry.alert_group_id.in_(group_ids or [-1]), TimelineEntry.kind == "page_skipped"
                    )
                )
            ).scalars()
            was_skipped = any((e.data or {}).get("person_id") == away for e in skipped)
            role = next((r for r, spec in plan.roles.items() if spec.primary == away), None)
            backups = set(plan.roles[role].backups) if role else set()
            backup_paged = bool(backups & paged_people)
            score.items.append(
                ScoreItem("backup", _("Backup paged instead of {person}").format(person=plan.display_name(away)),
                          _("yes"), _("yes") if was_skipped and backup_paged else _("no"),
                          was_skipped and backup_paged)
            )  # fmt: skip
    flags = [f for r in published for f in (r.tone or {}).get("flags", [])]
    blocks = [f for f in flags if f.get("severity") == "block"]
    score.items.append(
        ScoreItem("tone", _("Tone check of what was published"), _("no blocking flags"),
                  _("{n} flags, {b} blocking").format(n=len(flags), b=len(blocks)), not blocks)
    )  # fmt: skip

    score.facts = {
        "signals": len(signals),
        "alerts": len(groups),
        "pages": len(pages),
        "people_paged": sorted(paged_people),
        "published": len(published),
        "incident": incident.number if incident else None,
    }
    _findings(score, expected.acknowledge_within)
    return score


def _findings(score: DrillScore, ack_target: timedelta) -> None:
    by_code = {i.code: i for i in score.items}
    texts_ok = {
        "detect": _("Baliza raised the alarm within {actual} of the first complaints."),
        "acknowledge": _("Someone took charge in {actual}, within the plan's {target}."),
        "holding_statement": _("The holding statement went out in {actual} (target {target})."),
        "first_response": _("The first public answer came in {actual} (target {target})."),
        "severity": _("The severity was triaged as expected ({actual})."),
        "escalation": _("Escalation reached everyone it had to: {actual}."),
        "backup": _("The backup was paged straight away when the primary was away."),
        "tone": _("Everything published passed the tone check."),
    }
    texts_bad = {
        "detect": _("Detection took {actual} (target {target}): review the detectors' sensitivity for this workspace."),
        "acknowledge": _(
            "Acknowledgement took {actual}, over the {target} target: shorten the first step's wait or add backups."
        ),
        "holding_statement": _(
            "The holding statement took {actual} (target {target}): pre-approve the playbook's statement or name "
            "more approvers."
        ),
        "first_response": _("The first public answer took {actual} (target {target}): staff the inbox earlier."),
        "severity": _("The severity was {actual}, not {target}: check the triage matrix and the routes."),
        "escalation": _("Escalation did not reach everyone it had to ({target}): check roles and rotations."),
        "backup": _("The backup was not paged when the primary was away: give the role an available backup."),
        "tone": _("Published text had blocking tone flags ({actual}): keep the tone check mandatory."),
    }
    for code, item in by_code.items():
        if item.ok is True:
            score.went_well.append(texts_ok[code].format(actual=item.actual, target=item.target))
        elif item.ok is False:
            score.to_change.append(texts_bad[code].format(actual=item.actual, target=item.target))
        else:
            score.to_change.append(_("Not measured: {label} (nothing happened).").format(label=item.label))


__all__ = ["DrillScore", "ScoreItem", "minutes", "score_drill"]
