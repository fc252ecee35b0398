"""The post-crisis report as a self-contained HTML page (inline CSS and SVG, printable) or as Markdown.

Every text is built here with ``_()`` in the language asked for and handed to the templates, which
only lay it out; the templates hold no words of their own.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from baliza.core.errors import ConfigError
from baliza.core.i18n import _, number, percent, use_locale
from baliza.incidents import timeline
from baliza.incidents.models import TimelineEntry
from baliza.reports.charts import Bar, Marker, bucket_size, buckets, response_svg, volume_svg
from baliza.reports.metrics import (
    ACK_TARGET_MINUTES,
    DETECT_TARGET_MINUTES,
    Finding,
    Metrics,
    ReportData,
    TimelineItem,
    findings,
    is_late,
)


@dataclass(frozen=True)
class Table:
    """A captioned table: the same rows in HTML and in Markdown."""

    caption: str
    headers: list[str]
    rows: list[list[str]]
    empty: str = ""


@dataclass(frozen=True)
class Figure:
    """A chart and the table of its numbers."""

    svg: Markup
    description: str
    table: Table


@dataclass
class Section:
    """A titled part of the report."""

    id: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    figure: Figure | None = None
    tables: list[Table] = field(default_factory=list)


# --- formatting ----------------------------------------------------------------------------------


def zone_of(name: str) -> tzinfo:
    """The workspace's time zone (UTC when the name is unknown to this system)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local(moment: datetime | None, tz: tzinfo) -> str:
    """``2026-11-20 13:05`` in the workspace's zone; a dash for no moment."""
    if moment is None:
        return "—"
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def duration(value: timedelta | None) -> str:
    """``45 s``, ``12 min``, ``1 h 05 min``, ``2 d 3 h``; "not reached" for None."""
    if value is None:
        return _("not reached")
    seconds = round(value.total_seconds())
    if seconds < 60:
        return _("{seconds} s").format(seconds=seconds)
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("{minutes} min").format(minutes=minutes)
    if minutes < 24 * 60:
        return _("{hours} h {minutes} min").format(hours=minutes // 60, minutes=f"{minutes % 60:02d}")
    hours = round(minutes / 60)
    return _("{days} d {hours} h").format(days=hours // 24, hours=hours % 24)


def share(value: float | None) -> str:
    """A percentage, or "no data"."""
    return percent(value) if value is not None else _("no data")


def _minutes(value: timedelta | None) -> float | None:
    return value.total_seconds() / 60 if value is not None else None


def _yes_no(value: bool | None) -> str:
    if value is None:
        return _("no data")
    return _("Yes") if value else _("No")


def labels() -> dict[str, str]:
    """Status, kind and code values as the reader's words."""
    return {
        "detected": _("Detected"),
        "acknowledged": _("Acknowledged"),
        "active": _("Active"),
        "monitoring": _("Monitoring"),
        "resolved": _("Resolved"),
        "reviewed": _("Reviewed"),
        "sending": _("Sending"),
        "sent": _("Sent"),
        "failed": _("Failed"),
        "skipped": _("Skipped"),
        "unknown": _("Unknown"),
        "open": _("Open"),
        "done": _("Done"),
        "reply": _("Reply"),
        "holding_statement": _("Holding statement"),
        "statement": _("Statement"),
        "stakeholder_update": _("Stakeholder update"),
        "draft": _("Draft"),
        "pending_approval": _("Pending approval"),
        "approved": _("Approved"),
        "published": _("Published"),
        "rejected": _("Rejected"),
        "scheduled": _("Scheduled"),
        "held": _("Held"),
        "cancelled": _("Cancelled"),
        "out_of_office": _("Out of office"),
        "unavailable": _("Marked unavailable"),
        "off_hours": _("Outside working hours"),
        "already_paged": _("Already paged"),
    }


def _word(words: dict[str, str], value: str | None) -> str:
    return words.get(value or "", value or "—")


# --- the report's parts --------------------------------------------------------------------------


def _entry_text(item: TimelineItem) -> str:
    # timeline.render reads the stored msgid and parameters; a transient row carries them without a session
    return timeline.render(TimelineEntry(kind=item.kind, data=item.data))


def _volume_figure(data: ReportData, metrics: Metrics, tz: tzinfo) -> Figure:
    counts = [(m.minute_at, m.total, m.negative) for m in data.volume]
    size = bucket_size(max(len(counts), 1))
    bars = buckets(counts, size, metrics.expected_per_minute, metrics.expected_sd)
    incident = data.incident
    markers = [
        Marker(incident.started_at, _("First signal")),
        Marker(incident.detected_at, _("Alert")),
        *([Marker(incident.acknowledged_at, _("Acknowledged"))] if incident.acknowledged_at else []),
        *([Marker(incident.resolved_at, _("Resolved"))] if incident.resolved_at else []),
    ]
    if metrics.peak_at is not None and metrics.expected_per_minute is not None:
        description = _(
            "Mentions per {minutes} min from {start} to {end}: peak of {peak} a minute at {at}, "
            "against {expected} a minute expected."
        ).format(
            minutes=number(size, 0),
            start=local(bars[0].start if bars else data.window_start, tz),
            end=local(data.window_end, tz),
            peak=number(metrics.peak_per_minute, 0),
            at=local(metrics.peak_at, tz),
            expected=number(metrics.expected_per_minute, 1),
        )
    elif metrics.peak_at is not None:
        description = _("Mentions per {minutes} min from {start} to {end}: peak of {peak} a minute at {at}.").format(
            minutes=number(size, 0),
            start=local(bars[0].start if bars else data.window_start, tz),
            end=local(data.window_end, tz),
            peak=number(metrics.peak_per_minute, 0),
            at=local(metrics.peak_at, tz),
        )
    else:
        description = _("No mentions were heard during the incident.")
    rows = []
    for b in bars:
        expected = (
            _("{low} to {high}").format(low=number(b.low, 1), high=number(b.high, 1))
            if b.low is not None and b.high is not None
            else _("no data")
        )
        rows.append([local(b.start, tz), number(b.total, 0), number(b.negative, 0), expected])
    table = Table(
        caption=_("Mentions per {minutes} min, negative ones and the expected range").format(minutes=number(size, 0)),
        headers=[_("From"), _("All mentions"), _("Negative"), _("Expected range")],
        rows=rows,
    )
    return Figure(volume_svg(bars, size, markers, tz, description), description, table)


def _response_figure(data: ReportData, metrics: Metrics) -> Figure:
    sla = float(data.sla_minutes)
    measures = [
        (_("Time to detect"), metrics.time_to_detect, float(DETECT_TARGET_MINUTES)),
        (_("Time to acknowledge"), metrics.time_to_acknowledge, float(ACK_TARGET_MINUTES)),
        (_("Time to first public response"), metrics.time_to_first_response, sla),
        (_("Time to holding statement"), metrics.time_to_holding_statement, sla),
    ]
    bars = [Bar(label, _minutes(value), target, duration(value)) for label, value, target in measures]
    description = _("Response times against their targets; the dashed line is the {sla}-minute SLA: {values}.").format(
        sla=number(data.sla_minutes, 0), values="; ".join(f"{label} {duration(value)}" for label, value, _t in measures)
    )
    rows = []
    for label, value, target in measures:
        minutes = _minutes(value)
        met = None if minutes is None else minutes <= target
        rows.append([label, duration(value), _("{minutes} min").format(minutes=number(target, 0)), _yes_no(met)])
    rows.append([_("Time to resolution"), duration(metrics.time_to_resolution), "—", "—"])
    table = Table(
        caption=_("Response times and their targets"),
        headers=[_("Measure"), _("Duration"), _("Target"), _("Met")],
        rows=rows,
    )
    return Figure(response_svg(bars, data.sla_minutes, description), description, table)


def _key_figures(data: ReportData, m: Metrics, tz: tzinfo) -> Table:
    peak = (
        _("{n} a minute at {time}").format(n=number(m.peak_per_minute, 0), time=local(m.peak_at, tz))
        if m.peak_at is not None
        else _("no data")
    )
    rows = [
        [_("Time to detect (first signal → alert)"), duration(m.time_to_detect)],
        [_("Time to acknowledge (alert → acknowledgement)"), duration(m.time_to_acknowledge)],
        [_("Time to first public response (alert → first published reply or statement)"),
         duration(m.time_to_first_response)],
        [_("Time to holding statement (alert → published)"), duration(m.time_to_holding_statement)],
        [_("Time to resolution (first signal → resolved)"), duration(m.time_to_resolution)],
        [_("Mentions during the incident"), number(m.mentions, 0)],
        [_("Peak volume"), peak],
        [_("Response rate"), share(m.response_rate)],
        [_("Answered within the SLA ({minutes} min)").format(minutes=number(data.sla_minutes, 0)),
         share(m.sla_compliance)],
        [_("Negative share during the incident"), share(m.negative_share)],
        [_("Negative share in the 7 days before"), share(m.baseline_negative_share)],
        [_("Sentiment recovered"), _yes_no(m.recovered)],
    ]  # fmt: skip
    return Table(caption=_("Key figures"), headers=[_("Measure"), _("Value")], rows=rows)


def _sentiment_table(m: Metrics) -> Table:
    threshold = share(m.recovery_threshold)
    rows = [
        [_("Negative share during the incident"), share(m.negative_share)],
        [_("Negative share in the 7 days before"), share(m.baseline_negative_share)],
        [_("Negative share in the last hour"), share(m.last_hour_negative_share)],
        [_("Recovery threshold (1.2 × the baseline)"), threshold],
        [_("Sentiment recovered"), _yes_no(m.recovered)],
        [_("Back under the threshold after the peak in"), duration(m.time_to_recover)],
        [_("Authors involved"), number(m.authors, 0)],
        [_("Total reach (followers)"), number(m.total_reach, 0)],
        [_("Largest reach"), _("{author} ({followers} followers)").format(
            author=m.max_reach_author, followers=number(m.max_reach, 0)) if m.max_reach_author else "—"],
    ]  # fmt: skip
    return Table(caption=_("Sentiment and reach"), headers=[_("Measure"), _("Value")], rows=rows)


def _desk_tables(data: ReportData, m: Metrics, tz: tzinfo, words: dict[str, str]) -> list[Table]:
    figures = Table(
        caption=_("Answers to the mentions that needed one"),
        headers=[_("Measure"), _("Value")],
        rows=[
            [_("Mentions that needed an answer"), number(m.wanted_answer, 0)],
            [_("Answered"), number(m.answered, 0)],
            [_("Answered within the SLA ({minutes} min)").format(minutes=number(data.sla_minutes, 0)),
             number(m.answered_in_sla, 0)],
            [_("Response rate"), share(m.response_rate)],
            [_("SLA compliance"), share(m.sla_compliance)],
        ],
    )  # fmt: skip
    public = [r for r in data.responses if r.kind != "reply" or r.published_at is not None]
    statements = Table(
        caption=_("Statements and replies"),
        headers=[_("Kind"), _("Status"), _("Channel"), _("Language"), _("Published at")],
        rows=[
            [_word(words, r.kind), _word(words, r.status), r.channel or "—", r.lang or "—", local(r.published_at, tz)]
            for r in public
        ],
        empty=_("Nothing was published."),
    )
    return [figures, statements]


def _escalation_tables(data: ReportData, m: Metrics, tz: tzinfo, words: dict[str, str]) -> list[Table]:
    signals = Table(
        caption=_("What the detectors saw"),
        headers=[_("Detected at"), _("Series"), _("Detector"), _("Observed"), _("Expected"), _("Window")],
        rows=[
            [local(s.detected_at, tz), s.series, s.detector, number(s.observed, 1), number(s.expected, 1),
             _("{minutes} min").format(minutes=number(s.window_minutes, 0))]
            for s in data.signals
        ],
        empty=_("The incident was declared by hand, without an alert."),
    )  # fmt: skip
    pages = Table(
        caption=_("Pages: {n}; failed: {failed}; to backups: {backups}").format(
            n=number(m.pages, 0), failed=number(m.pages_failed, 0), backups=number(m.backup_pages, 0)
        ),
        headers=[_("Person"), _("Step"), _("Why"), _("Status"), _("Backup"), _("Sent at"), _("Failed channels")],
        rows=[
            [p.person_name, str(p.step_index + 1), p.reason or "—", _word(words, p.status), _yes_no(p.is_backup),
             local(p.sent_at, tz), ", ".join(p.failed_channels) or "—"]
            for p in data.pages
        ],
        empty=_("Nobody was paged."),
    )  # fmt: skip
    skips = Table(
        caption=_("People the escalation passed over"),
        headers=[_("Time"), _("Person"), _("Role"), _("Why")],
        rows=[
            [local(s.at, tz), s.person_name, (s.role or "—") + (" " + _("(primary)") if s.is_primary else ""),
             s.reason or _word(words, s.code)]
            for s in data.skips
        ],
        empty=_("Nobody was skipped."),
    )  # fmt: skip
    return [signals, pages, skips]


def _task_table(data: ReportData, tz: tzinfo, lang: str, words: dict[str, str]) -> Table:
    rows = []
    for task in data.tasks:
        title = task.title.get(lang) or task.title.get("en") or task.title.get("es") or "—"
        rows.append([
            title, task.role or "—", task.assignee or "—", _word(words, task.status), local(task.due_at, tz),
            local(task.done_at, tz), _yes_no(is_late(task, data.window_end)),
        ])  # fmt: skip
    return Table(
        caption=_("Playbook tasks"),
        headers=[_("Task"), _("Role"), _("Assignee"), _("Status"), _("Due"), _("Done at"), _("Late")],
        rows=rows,
        empty=_("The incident had no playbook tasks."),
    )


def _posts_table(data: ReportData, tz: tzinfo, words: dict[str, str]) -> Table:
    return Table(
        caption=_("Scheduled posts held by the crisis freeze"),
        headers=[_("Channel"), _("Scheduled for"), _("Promotional"), _("Held at"), _("Status"), _("Reviewed at")],
        rows=[
            [p.channel, local(p.scheduled_at, tz), _yes_no(p.is_promotional), local(p.held_at, tz),
             _word(words, p.status), local(p.reviewed_at, tz)]
            for p in data.held_posts
        ],
        empty=_("No scheduled post was held."),
    )  # fmt: skip


def _timeline_table(data: ReportData, tz: tzinfo) -> Table:
    return Table(
        caption=_("Everything that happened, in order"),
        headers=[_("Time"), _("What happened"), _("Who"), _("Failure")],
        rows=[
            [local(item.at, tz), _entry_text(item), item.actor or "—", _("Failure") if item.is_failure else ""]
            for item in data.timeline
        ],
        empty=_("The timeline is empty."),
    )


@dataclass
class Context:
    """What both templates receive."""

    lang: str
    title: str
    subtitle: str
    meta: list[tuple[str, str]]
    notes: list[str]
    summary: Table
    went_well: list[Finding]
    to_change: list[Finding]
    headings: dict[str, str]
    sections: list[Section]
    footer: str


def build_context(data: ReportData, metrics: Metrics, lang: str) -> Context:
    """Every text and table of the report, in the active language."""
    tz = zone_of(data.timezone)
    words = labels()
    incident = data.incident
    found = findings(data, metrics)
    meta = [
        (_("Workspace"), data.workspace_name),
        (_("Severity"), incident.severity.upper()),
        (_("Status"), _word(words, incident.status)),
        (_("Playbook"), incident.playbook or "—"),
        (_("First signal"), local(incident.started_at, tz)),
        (_("Alert"), local(incident.detected_at, tz)),
        (_("Acknowledged"), local(incident.acknowledged_at, tz)),
        (_("Resolved"), local(incident.resolved_at, tz) if incident.resolved_at else _("not yet")),
        (_("Duration"), duration(metrics.duration)),
    ]
    notes = [_("Times are in {timezone}.").format(timezone=data.timezone)]
    if incident.resolved_at is None:
        notes.append(_("The incident is still open; figures run to {time}.").format(time=local(data.window_end, tz)))
    if incident.is_drill:
        notes.append(_("This incident was a drill."))
    if incident.summary:
        notes.append(incident.summary)
    volume = _volume_figure(data, metrics, tz)
    responses = _response_figure(data, metrics)
    targets = _(
        "Targets: the alert within {detect} min of the first signal, acknowledgement within {ack} min, "
        "the first public answer and the holding statement within the {sla}-minute SLA of the severity."
    ).format(
        detect=number(DETECT_TARGET_MINUTES, 0), ack=number(ACK_TARGET_MINUTES, 0), sla=number(data.sla_minutes, 0)
    )
    sections = [
        Section(
            "response-times",
            _("Response times"),
            paragraphs=[targets],
            figure=responses,
        ),
        Section("volume", _("How the conversation moved"), figure=volume),
        Section("sentiment", _("Sentiment and reach"), tables=[_sentiment_table(metrics)]),
        Section("desk", _("Response desk"), tables=_desk_tables(data, metrics, tz, words)),
        Section("escalation", _("Detection and escalation"), tables=_escalation_tables(data, metrics, tz, words)),
        Section("tasks", _("Playbook tasks"), tables=[_task_table(data, tz, lang, words)]),
        Section("posts", _("Content calendar"), tables=[_posts_table(data, tz, words)]),
        Section("timeline", _("Timeline"), tables=[_timeline_table(data, tz)]),
    ]  # fmt: skip
    return Context(
        lang=lang,
        title=_("Post-crisis report: incident #{number}").format(number=incident.number),
        subtitle=incident.title,
        meta=meta,
        notes=notes,
        summary=_key_figures(data, metrics, tz),
        went_well=[f for f in found if f.kind == "went_well"],
        to_change=[f for f in found if f.kind == "to_change"],
        headings={
            "summary": _("Summary"),
            "evaluation": _("Evaluation"),
            "went_well": _("What went well"),
            "to_change": _("What to change in the plan"),
            "nothing": _("Nothing to note."),
            "markdown_charts": _("The charts are in the HTML version of this report."),
        },
        sections=sections,
        footer=_("Written by Baliza on {time} ({timezone}).").format(
            time=local(data.generated_at, tz), timezone=data.timezone
        ),
    )


# --- output --------------------------------------------------------------------------------------


def _md_cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, lines joined."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("baliza.reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), disabled_extensions=("md",), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md_cell
    return env


_ENV = _environment()


def to_html(data: ReportData, metrics: Metrics, lang: str) -> str:
    """The report as one self-contained HTML page in ``lang`` (es or en)."""
    with use_locale(lang):
        context = build_context(data, metrics, lang)
        return _ENV.get_template("report.html").render(report=context)


def to_markdown(data: ReportData, metrics: Metrics, lang: str) -> str:
    """The report as Markdown in ``lang`` (es or en): the same sections and tables, without the charts."""
    with use_locale(lang):
        context = build_context(data, metrics, lang)
        return _ENV.get_template("report.md").render(report=context)


def to_pdf(html: str) -> bytes:
    """The HTML report as PDF, through WeasyPrint when it is installed; ConfigError saying how to get it otherwise."""
    try:
        weasyprint = importlib.import_module("weasyprint")
    except ImportError as exc:
        raise ConfigError(
            _(
                "PDF reports need WeasyPrint, which is not installed. Install it with "
                "'pip install weasyprint' (it also needs the Pango library of your system), "
                "or write the report as HTML and print it to PDF from a browser."
            ),
            code="pdf_unavailable",
            details={"missing": "weasyprint"},
        ) from exc
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf


__all__ = [
    "Context",
    "Figure",
    "Section",
    "Table",
    "build_context",
    "duration",
    "labels",
    "local",
    "share",
    "to_html",
    "to_markdown",
    "to_pdf",
    "zone_of",
]
