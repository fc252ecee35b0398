"""The numbers of a post-crisis report and the findings drawn from them, computed from plain data.

Nothing here reads the database or the clock: ``service.gather`` collects a ``ReportData`` and
``compute`` turns it into ``Metrics``; ``findings`` writes the evaluation (what went well, what to
change in the plan) in the active language. The same data always gives the same report.

Where each duration starts:
- time to detect: first signal of the crisis (``started_at``) → the alert (``detected_at``);
- time to acknowledge, to first public response, to holding statement: the alert → that moment
  (the team cannot act before it knows);
- time to resolution: first signal → resolved.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from baliza.core.i18n import _, number, percent
from baliza.responses.flows import ANSWER_ISSUES  # the inbox's rule, so the report counts answers the same way

PUBLIC_KINDS = ("reply", "holding_statement", "statement")
AWAY_CODES = ("out_of_office", "unavailable")
BASELINE_DAYS = 7
# Sentiment counts as recovered when the negative share is within this factor of the baseline.
RECOVERY_FACTOR = 1.2
# The negative share after the peak is read over a trailing window, so one odd minute does not decide it.
RECOVERY_WINDOW_MINUTES = 15
LAST_HOUR_MINUTES = 60
ACK_TARGET_MINUTES = 10
DETECT_TARGET_MINUTES = 15
RESPONSE_RATE_TARGET = 0.8
SLA_TARGET = 0.8
MINUTE = timedelta(minutes=1)


# --- the input -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentFacts:
    """The incident as it stands."""

    id: int
    number: int
    title: str
    severity: str
    status: str
    started_at: datetime
    detected_at: datetime
    playbook: str | None = None
    is_drill: bool = False
    summary: str | None = None
    opened_by: str | None = None
    acknowledged_at: datetime | None = None
    active_at: datetime | None = None
    monitoring_at: datetime | None = None
    resolved_at: datetime | None = None
    reviewed_at: datetime | None = None


@dataclass(frozen=True)
class TimelineItem:
    """One timeline entry; ``data`` keeps the English message and its parameters, rendered at read time."""

    at: datetime
    kind: str
    actor: str | None = None
    is_failure: bool = False
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MinuteCount:
    """Mentions heard in one minute: all of them, and the negative ones."""

    minute_at: datetime
    total: int
    negative: int = 0


@dataclass(frozen=True)
class MentionFact:
    """One mention of the incident window, with its author's reach and the desk's state for it."""

    id: int
    created_at: datetime
    platform: str
    sentiment: str | None = None
    issue_types: tuple[str, ...] = ()
    author: str | None = None
    followers: int | None = None
    inbox_status: str | None = None
    first_response_at: datetime | None = None

    @property
    def wants_answer(self) -> bool:
        """Negative, or a complaint, question or another issue people expect an answer to."""
        return self.sentiment == "negative" or bool(set(self.issue_types) & ANSWER_ISSUES)


@dataclass(frozen=True)
class ResponseFact:
    """Something the team wrote: a reply, a statement…"""

    id: int
    kind: str
    status: str
    created_at: datetime
    channel: str | None = None
    lang: str | None = None
    published_at: datetime | None = None
    mention_id: int | None = None


@dataclass(frozen=True)
class PageFact:
    """One person paged; ``failed_channels`` has the scheme of every contact attempt that failed."""

    person_id: str
    person_name: str
    status: str
    step_index: int
    created_at: datetime
    is_backup: bool = False
    sent_at: datetime | None = None
    reason: str | None = None
    failed_channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class SkipFact:
    """One person an escalation step passed over, and why (``code``: unavailable, out_of_office…)."""

    at: datetime
    person_id: str
    person_name: str
    code: str
    reason: str
    role: str | None = None
    is_primary: bool = False


@dataclass(frozen=True)
class TaskFact:
    """A playbook task; ``title`` is {"es": …, "en": …}."""

    title: dict[str, str]
    status: str
    role: str | None = None
    assignee: str | None = None
    due_at: datetime | None = None
    done_at: datetime | None = None


@dataclass(frozen=True)
class PostFact:
    """A scheduled post the incident held."""

    channel: str
    status: str
    scheduled_at: datetime
    is_promotional: bool = True
    held_at: datetime | None = None
    reviewed_at: datetime | None = None


@dataclass(frozen=True)
class SignalFact:
    """What a detector saw."""

    detected_at: datetime
    series: str
    detector: str
    observed: float
    expected: float
    upper: float
    window_minutes: int


@dataclass
class ReportData:
    """Everything a report is made of, read once from the database (or built by hand in a test).

    ``volume`` is dense, one entry per minute from ``volume[0].minute_at`` (some minutes before the
    window, so the chart shows the rise) to the window's end. ``baseline`` is sparse: minutes without
    mentions are left out, and ``baseline_minutes`` says how many minutes it spans.
    """

    workspace_slug: str
    workspace_name: str
    timezone: str
    incident: IncidentFacts
    window_start: datetime
    window_end: datetime
    generated_at: datetime
    sla_minutes: int
    timeline: list[TimelineItem] = field(default_factory=list)
    volume: list[MinuteCount] = field(default_factory=list)
    baseline: list[MinuteCount] = field(default_factory=list)
    baseline_minutes: int = 0
    mentions: list[MentionFact] = field(default_factory=list)
    responses: list[ResponseFact] = field(default_factory=list)
    pages: list[PageFact] = field(default_factory=list)
    skips: list[SkipFact] = field(default_factory=list)
    tasks: list[TaskFact] = field(default_factory=list)
    held_posts: list[PostFact] = field(default_factory=list)
    signals: list[SignalFact] = field(default_factory=list)


# --- the output ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metrics:
    """The report's numbers; None where the data cannot say (no baseline, never acknowledged…)."""

    time_to_detect: timedelta
    time_to_acknowledge: timedelta | None
    time_to_first_response: timedelta | None
    time_to_holding_statement: timedelta | None
    time_to_resolution: timedelta | None
    duration: timedelta
    mentions: int
    wanted_answer: int
    answered: int
    answered_in_sla: int
    response_rate: float | None
    sla_compliance: float | None
    peak_per_minute: int
    peak_at: datetime | None
    negative_share: float | None
    baseline_negative_share: float | None
    expected_per_minute: float | None
    expected_sd: float | None
    authors: int
    total_reach: int
    max_reach: int
    max_reach_author: str | None
    last_hour_negative_share: float | None
    recovery_threshold: float | None
    recovered: bool | None
    time_to_recover: timedelta | None
    pages: int
    pages_failed: int
    backup_pages: int
    away_skips: int
    held_posts: int
    posts_still_held: int
    tasks: int
    tasks_done: int
    tasks_late: int


@dataclass(frozen=True)
class Finding:
    """One line of the evaluation: ``kind`` is ``went_well`` or ``to_change``; ``code`` is stable."""

    kind: str
    code: str
    text: str


# --- computing -----------------------------------------------------------------------------------


def _since(start: datetime, end: datetime | None) -> timedelta | None:
    if end is None:
        return None
    return max(end - start, timedelta(0))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def first_published(responses: Iterable[ResponseFact], kinds: Sequence[str]) -> datetime | None:
    """When the first published response of these kinds went out."""
    times = [r.published_at for r in responses if r.kind in kinds and r.published_at is not None]
    return min(times, default=None)


def window_minutes(data: ReportData) -> list[MinuteCount]:
    """The per-minute counts inside the incident window (the lead-in before it left out)."""
    start = data.window_start.replace(second=0, microsecond=0)
    return [m for m in data.volume if start <= m.minute_at < data.window_end]


def baseline_stats(data: ReportData) -> tuple[float | None, float | None]:
    """Mean and standard deviation of mentions per minute before the crisis (empty minutes count as 0)."""
    n = data.baseline_minutes
    if n <= 0:
        return None, None
    total = sum(m.total for m in data.baseline)
    squares = sum(m.total * m.total for m in data.baseline)
    mean = total / n
    variance = max(squares / n - mean * mean, 0.0)
    return mean, math.sqrt(variance)


def _recovery(minutes: list[MinuteCount], peak_index: int | None, threshold: float | None) -> timedelta | None:
    """Time from the peak to the first minute whose trailing negative share is back under the threshold."""
    if peak_index is None or threshold is None:
        return None
    for i in range(peak_index, len(minutes)):
        recent = minutes[max(0, i - RECOVERY_WINDOW_MINUTES + 1) : i + 1]
        total = sum(m.total for m in recent)
        negative = sum(m.negative for m in recent)
        if total and negative / total <= threshold:
            return minutes[i].minute_at - minutes[peak_index].minute_at
    return None


def is_late(task: TaskFact, end: datetime) -> bool:
    """Done after its deadline, or still open when the deadline had passed at ``end``."""
    if task.due_at is None:
        return False
    if task.status == "done":
        return task.done_at is not None and task.done_at > task.due_at
    return task.status == "open" and task.due_at < end


def compute(data: ReportData) -> Metrics:
    """Every number of the report, from the gathered data."""
    incident = data.incident
    detected = incident.detected_at
    first_response = first_published(data.responses, PUBLIC_KINDS)
    holding = first_published(data.responses, ("holding_statement",))

    wanted = [
        m for m in data.mentions if m.wants_answer and not (m.inbox_status == "handled" and m.first_response_at is None)
    ]
    answered = [m for m in wanted if m.first_response_at is not None]
    sla = timedelta(minutes=data.sla_minutes)
    in_sla = [m for m in answered if m.first_response_at is not None and m.first_response_at - m.created_at <= sla]

    minutes = window_minutes(data)
    peak_index: int | None = None
    for i, m in enumerate(minutes):
        if m.total and (peak_index is None or m.total > minutes[peak_index].total):
            peak_index = i
    total = sum(m.total for m in minutes)
    negative = sum(m.negative for m in minutes)
    baseline_total = sum(m.total for m in data.baseline)
    baseline_negative = sum(m.negative for m in data.baseline)
    baseline_share = _share(baseline_negative, baseline_total)
    mean, sd = baseline_stats(data)

    threshold = baseline_share * RECOVERY_FACTOR if baseline_share is not None else None
    last_hour_start = data.window_end - timedelta(minutes=LAST_HOUR_MINUTES)
    last_hour = [m for m in minutes if m.minute_at >= last_hour_start]
    last_total = sum(m.total for m in last_hour)
    # a silent last hour has nothing negative in it: that is recovery too
    last_share = sum(m.negative for m in last_hour) / last_total if last_total else 0.0
    recovered = last_share <= threshold if threshold is not None else None

    reach: dict[str, int] = {}
    for mention in data.mentions:
        if mention.author is not None:
            reach[mention.author] = max(reach.get(mention.author, 0), mention.followers or 0)
    top = max(sorted(reach), key=lambda a: reach[a], default=None)

    return Metrics(
        time_to_detect=max(detected - incident.started_at, timedelta(0)),
        time_to_acknowledge=_since(detected, incident.acknowledged_at),
        time_to_first_response=_since(detected, first_response),
        time_to_holding_statement=_since(detected, holding),
        time_to_resolution=_since(incident.started_at, incident.resolved_at),
        duration=max(data.window_end - data.window_start, timedelta(0)),
        mentions=len(data.mentions),
        wanted_answer=len(wanted),
        answered=len(answered),
        answered_in_sla=len(in_sla),
        response_rate=_share(len(answered), len(wanted)),
        sla_compliance=_share(len(in_sla), len(wanted)),
        peak_per_minute=minutes[peak_index].total if peak_index is not None else 0,
        peak_at=minutes[peak_index].minute_at if peak_index is not None else None,
        negative_share=_share(negative, total),
        baseline_negative_share=baseline_share,
        expected_per_minute=mean,
        expected_sd=sd,
        authors=len(reach),
        total_reach=sum(reach.values()),
        max_reach=reach[top] if top is not None else 0,
        max_reach_author=top,
        last_hour_negative_share=last_share,
        recovery_threshold=threshold,
        recovered=recovered,
        time_to_recover=_recovery(minutes, peak_index, threshold),
        pages=len(data.pages),
        pages_failed=sum(1 for p in data.pages if p.status == "failed"),
        backup_pages=sum(1 for p in data.pages if p.is_backup),
        away_skips=sum(1 for s in data.skips if s.code in AWAY_CODES),
        held_posts=len(data.held_posts),
        posts_still_held=sum(1 for p in data.held_posts if p.status == "held"),
        tasks=len(data.tasks),
        tasks_done=sum(1 for t in data.tasks if t.status == "done"),
        tasks_late=sum(1 for t in data.tasks if is_late(t, data.window_end)),
    )


# --- findings ------------------------------------------------------------------------------------


def minutes_of(value: timedelta) -> str:
    """Whole minutes, written the reader's way."""
    return number(round(value.total_seconds() / 60), 0)


def _well(code: str, text: str) -> Finding:
    return Finding("went_well", code, text)


def _change(code: str, text: str) -> Finding:
    return Finding("to_change", code, text)


def _detection_findings(data: ReportData, m: Metrics) -> list[Finding]:
    out: list[Finding] = []
    detect = minutes_of(m.time_to_detect)
    if m.time_to_detect > timedelta(minutes=DETECT_TARGET_MINUTES):
        text = _(
            "The alert came {minutes} min after the first signal; check the watch rules and the detector sensitivity."
        )
        out.append(_change("slow_detection", text.format(minutes=detect)))
    else:
        out.append(
            _well("fast_detection", _("The alert came {minutes} min after the first signal.").format(minutes=detect))
        )
    if m.time_to_acknowledge is None:
        text = _("Nobody acknowledged the alert; check the escalation chain and everyone's contacts.")
        out.append(_change("no_acknowledgement", text))
    elif m.time_to_acknowledge > timedelta(minutes=ACK_TARGET_MINUTES):
        text = _("Acknowledgement took {minutes} min; check the first step's wait and backups.")
        out.append(_change("slow_acknowledgement", text.format(minutes=minutes_of(m.time_to_acknowledge))))
    else:
        text = _("The alert was acknowledged after {minutes} min.")
        out.append(_well("fast_acknowledgement", text.format(minutes=minutes_of(m.time_to_acknowledge))))
    return out


def _escalation_findings(data: ReportData, m: Metrics) -> list[Finding]:
    out: list[Finding] = []
    seen: set[str] = set()
    for skip in data.skips:
        if skip.is_primary and skip.code in AWAY_CODES and skip.person_id not in seen:
            seen.add(skip.person_id)
            text = _("{person}, the primary {role}, was away ({reason}); check the rota.")
            out.append(
                _change("primary_away", text.format(person=skip.person_name, role=skip.role or "-", reason=skip.reason))
            )
    if m.backup_pages and m.time_to_acknowledge is not None:
        text = _("The escalation reached a backup and someone acknowledged (pages to backups: {n}).")
        out.append(_well("backup_reached", text.format(n=number(m.backup_pages, 0))))
    failures: dict[tuple[str, str], int] = {}
    for page in data.pages:
        for channel in page.failed_channels:
            failures[(page.person_name, channel)] = failures.get((page.person_name, channel), 0) + 1
    for (person, channel), n in sorted(failures.items()):
        text = _("The {channel} contact of {person} failed (failed attempts: {n}); fix it or remove it from the plan.")
        out.append(_change("channel_failed", text.format(channel=channel, person=person, n=number(n, 0))))
    for page in data.pages:
        if page.status == "failed":
            text = _("{person} could not be reached on any contact; check their contacts in the plan.")
            out.append(_change("page_failed", text.format(person=page.person_name)))
    if any(item.kind == "escalation_exhausted" for item in data.timeline):
        text = _("The escalation ran out of steps before anyone acknowledged; add a last step that reaches a lead.")
        out.append(_change("escalation_exhausted", text))
    return out


def _response_findings(data: ReportData, m: Metrics) -> list[Finding]:
    out: list[Finding] = []
    sla = number(data.sla_minutes, 0)
    if m.time_to_holding_statement is None:
        if data.incident.severity in ("sev1", "sev2"):
            text = _("No holding statement was published; keep one ready to approve in the playbook.")
            out.append(_change("no_holding_statement", text))
    elif m.time_to_holding_statement > timedelta(minutes=data.sla_minutes):
        text = _(
            "The holding statement went out after {minutes} min, later than the {sla}-minute SLA; "
            "get its text approved in advance in the playbook."
        )
        out.append(
            _change("holding_statement_late", text.format(minutes=minutes_of(m.time_to_holding_statement), sla=sla))
        )
    else:
        text = _("The holding statement went out after {minutes} min, within the {sla}-minute SLA.")
        out.append(
            _well("holding_statement_on_time", text.format(minutes=minutes_of(m.time_to_holding_statement), sla=sla))
        )
    if m.response_rate is not None:
        counts = {
            "share": percent(m.response_rate),
            "answered": number(m.answered, 0),
            "wanted": number(m.wanted_answer, 0),
        }
        if m.response_rate < RESPONSE_RATE_TARGET:
            text = _(
                "Only {share} of the mentions that needed an answer got one ({answered} of {wanted}); "
                "add people to the response desk in the plan."
            )
            out.append(_change("low_response_rate", text.format(**counts)))
        else:
            text = _("{share} of the mentions that needed an answer got one ({answered} of {wanted}).")
            out.append(_well("response_rate", text.format(**counts)))
    if m.sla_compliance is not None:
        if m.sla_compliance < SLA_TARGET:
            text = _("Only {share} were answered within the {sla}-minute SLA; prepare more reply templates.")
            out.append(_change("sla_missed", text.format(share=percent(m.sla_compliance), sla=sla)))
        else:
            text = _("{share} were answered within the {sla}-minute SLA.")
            out.append(_well("sla_met", text.format(share=percent(m.sla_compliance), sla=sla)))
    return out


def _other_findings(data: ReportData, m: Metrics) -> list[Finding]:
    out: list[Finding] = []
    if m.tasks and m.tasks_late:
        text = _("{late} of {total} playbook tasks were done late or are overdue; review their deadlines and owners.")
        out.append(_change("tasks_late", text.format(late=number(m.tasks_late, 0), total=number(m.tasks, 0))))
    elif m.tasks and m.tasks_done == m.tasks:
        text = _("All {total} playbook tasks were done on time.")
        out.append(_well("tasks_on_time", text.format(total=number(m.tasks, 0))))
    if m.held_posts:
        text = _("Scheduled posts held by the crisis freeze: {n}; no promotion went out during the crisis.")
        out.append(_well("posts_held", text.format(n=number(m.held_posts, 0))))
    if m.posts_still_held:
        text = _("Posts still held: {n}; review them and release or cancel each one.")
        out.append(_change("posts_still_held", text.format(n=number(m.posts_still_held, 0))))
    if m.recovered is not None and m.baseline_negative_share is not None and m.last_hour_negative_share is not None:
        shares = {"share": percent(m.last_hour_negative_share), "baseline": percent(m.baseline_negative_share)}
        if m.recovered:
            text = _("Negative sentiment is back to normal: {share} in the last hour, {baseline} before the crisis.")
            out.append(_well("sentiment_recovered", text.format(**shares)))
        else:
            text = _(
                "Negative sentiment is still high: {share} in the last hour, {baseline} before the crisis; "
                "keep monitoring and plan follow-up content."
            )
            out.append(_change("sentiment_not_recovered", text.format(**shares)))
    if any(item.kind == "delete_refused" for item in data.timeline):
        text = _("Someone tried to delete a published post; remind the team that posts are clarified, never deleted.")
        out.append(_change("delete_attempted", text))
    return out


def findings(data: ReportData, metrics: Metrics) -> list[Finding]:
    """The evaluation in the active language: what went well and what to change in the plan, by rule."""
    return [
        *_detection_findings(data, metrics),
        *_escalation_findings(data, metrics),
        *_response_findings(data, metrics),
        *_other_findings(data, metrics),
    ]


__all__ = [
    "ACK_TARGET_MINUTES",
    "ANSWER_ISSUES",
    "AWAY_CODES",
    "BASELINE_DAYS",
    "DETECT_TARGET_MINUTES",
    "LAST_HOUR_MINUTES",
    "PUBLIC_KINDS",
    "RECOVERY_FACTOR",
    "RECOVERY_WINDOW_MINUTES",
    "RESPONSE_RATE_TARGET",
    "SLA_TARGET",
    "Finding",
    "IncidentFacts",
    "MentionFact",
    "Metrics",
    "MinuteCount",
    "PageFact",
    "PostFact",
    "ReportData",
    "ResponseFact",
    "SignalFact",
    "SkipFact",
    "TaskFact",
    "TimelineItem",
    "baseline_stats",
    "compute",
    "findings",
    "first_published",
    "is_late",
    "minutes_of",
    "window_minutes",
]
