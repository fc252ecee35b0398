"""From a signal to people: triage, the route tree, grouping, inhibition and silences, acknowledgements.

``route_signal`` is called with the id of a stored Signal. It proposes a severity (with reasons),
labels the signal, walks the plan's routes, and files the signal into one open AlertGroup per
matching route. A new group gets an Escalation that starts after the route's ``group_wait``; the
escalation runner (``triage.escalation``) takes it from there.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.clock import utcnow
from baliza.core.errors import InvalidTransitionError, ValidationError
from baliza.core.i18n import N_, _
from baliza.detection import service as signal_service
from baliza.detection.models import Signal
from baliza.drills import service as drill_service
from baliza.incidents import service as incident_service
from baliza.incidents import timeline
from baliza.plans import flows as plan_flows
from baliza.plans import service as plan_service
from baliza.plans.routing import active_silences, group_key, inhibiting, match_routes
from baliza.plans.schema import Plan
from baliza.storage.db import Database
from baliza.triage import service as triage_service
from baliza.triage.models import AlertGroup, AlertStatus, Escalation, EscalationStatus, PageStatus
from baliza.triage.severity import SEVERITIES, facts_from_evidence, propose_severity

log = logging.getLogger(__name__)

# How a signal is described in an alert's title; rendered in the reader's language at display time.
TITLES = {
    "volume": N_("Mentions above normal ({series})"),
    "negative_share": N_("More negative than usual"),
    "emerging_term": N_("Emerging term {term}"),
    "high_reach_author": N_("Negative post from a large account ({author})"),
    "story_growth": N_("A story is growing fast"),
    "cross_platform": N_("A story is spreading across platforms"),
}


@dataclass
class Routed:
    """What happened to one signal: the groups it joined (new or not) and whether it was muted."""

    signal_id: int
    severity: str
    labels: dict[str, str]
    groups: list[tuple[int, bool]]  # (alert group id, created)
    muted: str | None = None


def _dominant(values: list[str]) -> str | None:
    counted = Counter(v for v in values if v)
    return counted.most_common(1)[0][0] if counted else None


def signal_labels(signal: Signal, severity: str, *, is_drill: bool = False) -> dict[str, str]:
    """The labels routes match on: severity, signal, series, issue_type, platform, lang, author_type, story."""
    evidence = signal.evidence or {}
    posts = evidence.get("top_posts") or []
    labels = {"severity": severity, "signal": signal.detector, "series": signal.series}
    kind, _sep, value = signal.series.partition(":")
    issue = value if kind == "issue" else None
    issue = issue or _dominant([i for p in posts for i in (p.get("issue_types") or []) if i != "complaint"])
    issue = issue or _dominant([i for i in (evidence.get("issue_types") or []) if i != "complaint"])
    if issue:
        labels["issue_type"] = issue
    platform = value if kind == "platform" else _dominant([str(p.get("platform") or "") for p in posts])
    if isinstance(evidence.get("author"), dict):
        platform = platform or evidence["author"].get("platform")
    if platform:
        labels["platform"] = platform
    lang = value if kind == "lang" else _dominant([str(p.get("lang") or "") for p in posts])
    if lang:
        labels["lang"] = lang
    author_types: set[str] = set(evidence.get("author_types") or ())
    for item in [*posts, *(evidence.get("top_authors") or []), evidence.get("author") or {}]:
        author_types.update(item.get("author_types") or ())
    for preferred in ("journalist", "media_outlet", "influencer", "employee", "public_body"):
        if preferred in author_types:
            labels["author_type"] = "journalist" if preferred == "media_outlet" else preferred
            break
    author = (evidence.get("author") or {}).get("handle")
    if author:
        labels["author"] = str(author)
    story = evidence.get("story_id")
    if story is not None:
        labels["story"] = str(story)
    labels["drill"] = "true" if is_drill else "false"
    return labels


def alert_title(signal: Signal) -> dict[str, Any]:
    """The title of a new alert as a message and its parameters."""
    evidence = signal.evidence or {}
    params = {
        "series": signal.series,
        "term": evidence.get("term", ""),
        "author": (evidence.get("author") or {}).get("handle", ""),
    }
    return {"message": TITLES.get(signal.detector, N_("Signal on {series}")), "params": params}


def render_title(group: AlertGroup) -> str:
    """An alert's title in the active language."""
    title = (group.triage or {}).get("title") or {}
    message = str(title.get("message") or group.title)
    try:
        return _(message).format(**(title.get("params") or {}))
    except (KeyError, ValueError):
        return group.title


def _plan_severity(plan: Plan, proposed: str) -> str:
    """The proposed level, or the nearest one the plan defines on the safe side (never a milder one)."""
    if proposed in plan.severities or proposed not in SEVERITIES:
        return proposed
    known = [s for s in SEVERITIES if s in plan.severities]
    if not known:
        return proposed
    at_least_as_severe = [s for s in known if SEVERITIES.index(s) <= SEVERITIES.index(proposed)]
    return at_least_as_severe[-1] if at_least_as_severe else known[0]


def snapshot(plan_version_source: str, version: int, chain: str) -> dict[str, Any]:
    """What an escalation keeps: the plan text it started with and the chain name."""
    return {"plan_source": plan_version_source, "plan_version": version, "chain": chain}


async def route_signal(
    *, db_session: AsyncSession, workspace_id: int, signal_id: int, now: datetime | None = None, is_drill: bool = False
) -> Routed:
    """File one stored signal into alert groups and start escalations for the new ones."""
    now = now or utcnow()
    if not is_drill:
        is_drill = await drill_service.active_run(db_session=db_session, workspace_id=workspace_id) is not None
    signal = await signal_service.get(db_session=db_session, workspace_id=workspace_id, signal_id=signal_id)
    facts = facts_from_evidence(signal.detector, signal.evidence or {}, window_minutes=signal.window_minutes)
    triage = propose_severity(facts)
    version = await plan_service.current(db_session=db_session, workspace_id=workspace_id)
    plan = plan_flows.plan_of(version) if version is not None else None
    severity = _plan_severity(plan, triage.severity) if plan else triage.severity
    labels = signal_labels(signal, severity, is_drill=is_drill)
    title = alert_title(signal)
    routed = Routed(signal_id=signal.id, severity=severity, labels=labels, groups=[])
    if plan is None or version is None:
        group, created = await triage_service.get_or_create_group(
            db_session=db_session,
            workspace_id=workspace_id,
            group_key=f"no-plan:{signal.detector}:{signal.series}",
            values=_group_values(signal, labels, severity, triage.as_dict(), title, "", "", None, is_drill, now),
        )
        await triage_service.add_signal(db_session=db_session, group=group, signal_id=signal.id, at=now)
        if created:
            await timeline.add(
                db_session=db_session, workspace_id=workspace_id, alert_group_id=group.id, kind="alert_opened",
                message=N_("Alert opened ({severity}); no crisis plan is loaded, so nobody was paged."),
                params={"severity": severity.upper()}, is_failure=True, at=now,
            )  # fmt: skip
        routed.groups.append((group.id, created))
        return routed

    open_groups = await triage_service.open_groups(db_session=db_session, workspace_id=workspace_id)
    sources = [dict(g.labels) for g in open_groups]
    sources += [
        {"incident": "open", **({"story": labels["story"]} if "story" in labels else {})}
        for _i in await incident_service.open_incidents(db_session=db_session, workspace_id=workspace_id)
    ]
    silences = active_silences(plan.silences, labels, now)
    inhibited = inhibiting(labels, sources, plan.inhibit_rules)
    if silences:
        routed.muted = "silenced"
    elif inhibited is not None:
        routed.muted = "inhibited"
    for route in match_routes(plan.routes, labels):
        key = group_key(route, labels)
        values = _group_values(
            signal, labels, severity, triage.as_dict(), title, route.path, route.receiver, version.id, is_drill, now
        )
        values["triage"]["timers"] = {
            "group_wait": route.options.group_wait.total_seconds(),
            "group_interval": route.options.group_interval.total_seconds(),
            "repeat_interval": route.options.repeat_interval.total_seconds(),
        }
        group, created = await triage_service.get_or_create_group(
            db_session=db_session, workspace_id=workspace_id, group_key=key, values=values
        )
        await triage_service.add_signal(db_session=db_session, group=group, signal_id=signal.id, at=now)
        routed.groups.append((group.id, created))
        if created:
            await _opened(db_session, group, triage.as_dict(), routed, now)
            if routed.muted is None:
                db_session.add(
                    Escalation(
                        workspace_id=workspace_id,
                        alert_group_id=group.id,
                        chain=route.receiver,
                        snapshot=snapshot(version.source, version.version, route.receiver),
                        status=EscalationStatus.pending,
                        next_run_at=now + route.options.group_wait,
                        is_drill=is_drill,
                        started_at=now,
                    )
                )
            else:
                reason = (
                    N_("Muted by a silence: {comment}")
                    if routed.muted == "silenced"
                    else N_("Muted: a more important open alert covers it ({source}).")
                )
                params = (
                    {"comment": silences[0].comment}
                    if routed.muted == "silenced"
                    else {"source": ", ".join(f"{k}={v}" for k, v in sorted((inhibited or (0, {}))[1].items()))}
                )
                await timeline.add(
                    db_session=db_session, workspace_id=workspace_id, alert_group_id=group.id, kind="alert_muted",
                    message=reason, params=params, at=now,
                )  # fmt: skip
        elif SEVERITIES.index(severity) < SEVERITIES.index(group.severity) and not group.severity_override_by:
            old = group.severity
            group.severity = group.proposed_severity = severity
            group.triage = {**group.triage, **triage.as_dict()}
            await timeline.add(
                db_session=db_session, workspace_id=workspace_id, alert_group_id=group.id, kind="severity_changed",
                message=N_("Severity raised from {old} to {new} by a new signal."),
                params={"old": old.upper(), "new": severity.upper()}, at=now,
            )  # fmt: skip
        if not created and routed.muted is None:
            await _repeat_if_due(db_session, group, route.options.repeat_interval, version, is_drill, now)
            await _schedule_update(db_session, group, route.options.group_interval, now)
    await db_session.flush()
    return routed


async def _schedule_update(session: AsyncSession, group: AlertGroup, group_interval: Any, now: datetime) -> None:
    """A signal joined a group whose people were already paged: tell them, at most once per ``group_interval``."""
    if group.status == AlertStatus.resolved or group.update_due_at is not None:
        return
    pages = await triage_service.pages_for_group(db_session=session, alert_group_id=group.id)
    sent = [p.sent_at or p.created_at for p in pages if p.status == PageStatus.sent]
    if not sent:
        return  # nobody was paged yet: the first page will carry the whole group
    since = group.last_update_at or max(sent)
    group.update_due_at = max(now, since + group_interval)


async def _repeat_if_due(
    session: AsyncSession, group: AlertGroup, repeat_interval: Any, version: Any, is_drill: bool, now: datetime
) -> None:
    """Still firing, nobody acknowledged, the chain ran out ``repeat_interval`` ago: page again from the top."""
    if group.status != AlertStatus.open or not group.receiver:
        return
    escalations = await triage_service.escalations_of(db_session=session, alert_group_id=group.id)
    if not escalations or escalations[-1].status != EscalationStatus.exhausted:
        return
    last = escalations[-1]
    if last.finished_at is None or now - last.finished_at < repeat_interval:
        return
    session.add(
        Escalation(
            workspace_id=group.workspace_id,
            alert_group_id=group.id,
            chain=group.receiver,
            snapshot=snapshot(version.source, version.version, group.receiver),
            status=EscalationStatus.pending,
            next_run_at=now,
            is_drill=is_drill,
            started_at=now,
        )
    )
    await timeline.add(
        db_session=session, workspace_id=group.workspace_id, alert_group_id=group.id, kind="escalation_repeated",
        at=now, message=N_("Still firing and nobody acknowledged: the {chain} chain starts again (repeat interval)."),
        params={"chain": group.receiver},
    )  # fmt: skip


def _group_values(
    signal: Signal,
    labels: dict[str, str],
    severity: str,
    triage: dict[str, Any],
    title: dict[str, Any],
    route_path: str,
    receiver: str,
    plan_version_id: int | None,
    is_drill: bool,
    now: datetime,
) -> dict[str, Any]:
    return {
        "route_path": route_path or "none",
        "receiver": receiver,
        "labels": labels,
        "status": AlertStatus.open,
        "title": str(title["message"]).format(**title["params"])[:300],
        "proposed_severity": severity,
        "severity": severity,
        "triage": {**triage, "title": title},
        "is_drill": is_drill,
        "plan_version_id": plan_version_id,
        "first_signal_at": signal.detected_at,
        "last_signal_at": now,
        "created_at": now,
    }


async def _opened(
    session: AsyncSession, group: AlertGroup, triage: dict[str, Any], routed: Routed, now: datetime
) -> None:
    reasons = "; ".join(r["message"] for r in triage.get("reasons", [])) or "-"
    await timeline.add(
        db_session=session, workspace_id=group.workspace_id, alert_group_id=group.id, kind="alert_opened",
        message=N_("Alert opened, proposed {severity} ({reasons}); route {route}, chain {chain}."),
        params={"severity": group.severity.upper(), "reasons": reasons, "route": group.route_path,
                "chain": group.receiver or "-"},
        at=now, extra={"triage": triage, "labels": routed.labels},
    )  # fmt: skip


async def override_severity(
    *, db_session: AsyncSession, workspace_id: int, alert_group_id: int, severity: str, reason: str, actor: str
) -> AlertGroup:
    """A person sets the severity, with a reason; both are recorded."""
    if severity not in SEVERITIES:
        raise ValidationError(
            _("Unknown severity {value!r}: use sev1, sev2, sev3 or sev4.").format(value=severity),
            details={"field": "severity", "value": severity},
        )
    if not reason.strip():
        raise ValidationError(_("Say why the severity changes."), details={"field": "reason"})
    group = await triage_service.get_group(
        db_session=db_session, workspace_id=workspace_id, alert_group_id=alert_group_id
    )
    old = group.severity
    group.severity = severity
    group.severity_override_reason = reason.strip()
    group.severity_override_by = actor
    await timeline.add(
        db_session=db_session, workspace_id=workspace_id, alert_group_id=group.id, incident_id=group.incident_id,
        kind="severity_changed", actor=actor,
        message=N_("{actor} changed the severity from {old} to {new}: {reason}"),
        params={"actor": actor, "old": old.upper(), "new": severity.upper(), "reason": reason.strip()},
    )  # fmt: skip
    return group


async def acknowledge_group(
    *, db_session: AsyncSession, group: AlertGroup, actor: str, via: str, now: datetime | None = None
) -> bool:
    """Stop the group's escalations; False when it was already acknowledged. ``via``: link, web or api."""
    now = now or utcnow()
    if group.status == AlertStatus.resolved:
        raise InvalidTransitionError(_("This alert is already resolved."), details={"alert_id": group.id})
    if group.status == AlertStatus.acknowledged:
        return False
    group.status = AlertStatus.acknowledged
    group.acknowledged_at = now
    group.acknowledged_by = actor
    for escalation in await triage_service.escalations_of(db_session=db_session, alert_group_id=group.id):
        if escalation.status in (EscalationStatus.pending, EscalationStatus.running, EscalationStatus.exhausted):
            escalation.status = EscalationStatus.acknowledged
            escalation.acknowledged_by = actor
            escalation.finished_at = now
            escalation.next_run_at = None
            escalation.revision += 1
    if group.incident_id is not None:
        await incident_service.mark_acknowledged(db_session=db_session, incident_id=group.incident_id, at=now)
    message = (
        N_("{actor} acknowledged the alert with the link in their notification; the escalation stops.")
        if via == "link"
        else N_("{actor} acknowledged the alert in Baliza; the escalation stops.")
    )
    await timeline.add(
        db_session=db_session, workspace_id=group.workspace_id, alert_group_id=group.id,
        incident_id=group.incident_id, kind="acknowledged", actor=actor, at=now,
        message=message, params={"actor": actor}, extra={"via": via},
    )  # fmt: skip
    return True


async def resolve_group(
    *, db_session: AsyncSession, group: AlertGroup, actor: str, now: datetime | None = None
) -> None:
    """Close an alert; its escalations stop."""
    now = now or utcnow()
    if group.status == AlertStatus.resolved:
        return
    for escalation in await triage_service.escalations_of(db_session=db_session, alert_group_id=group.id):
        if escalation.status in (EscalationStatus.pending, EscalationStatus.running):
            escalation.status = EscalationStatus.cancelled
            escalation.finished_at = now
            escalation.next_run_at = None
            escalation.revision += 1
    group.status = AlertStatus.resolved
    group.resolved_at = now
    await timeline.add(
        db_session=db_session, workspace_id=group.workspace_id, alert_group_id=group.id,
        incident_id=group.incident_id, kind="alert_resolved", actor=actor, at=now,
        message=N_("{actor} resolved the alert."), params={"actor": actor},
    )  # fmt: skip


async def route_new_signals(db: Database, signal_ids: list[int], *, is_drill: bool = False) -> list[Routed]:
    """Route each stored signal in its own transaction (the detection runner calls this)."""
    out: list[Routed] = []
    for signal_id in signal_ids:
        async with db.session() as session:
            signal = await session.get(Signal, signal_id)
            if signal is None:
                continue
            out.append(
                await route_signal(
                    db_session=session, workspace_id=signal.workspace_id, signal_id=signal_id, is_drill=is_drill
                )
            )
            await session.commit()
    return out


__all__ = [
    "TITLES",
    "Routed",
    "acknowledge_group",
    "alert_title",
    "override_severity",
    "render_title",
    "resolve_group",
    "route_new_signals",
    "route_signal",
    "signal_labels",
    "snapshot",
]
