"""What to tell someone, independent of language, and how to say it in Spanish or English.

A ``Notice`` carries facts (kind, workspace, title, severity, evidence, acknowledgement link, drill flag);
``render`` turns it into a subject, a plain-text body (email, generic webhooks) and a Markdown body (chat).
Data written by people or taken from posts (titles, terms, excerpts) is passed through untranslated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from babel.numbers import format_decimal, format_percent
from pydantic import BaseModel, ConfigDict, Field

from baliza.core import i18n
from baliza.core.i18n import _

SUBJECT_TITLE_CHARS = 120
EXCERPT_CHARS = 280
_SPACES = re.compile(r"\s+")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]])")


class NoticeKind(StrEnum):
    page = "page"
    reminder = "reminder"
    alert_update = "alert_update"
    escalated = "escalated"
    incident_declared = "incident_declared"
    stakeholder_update = "stakeholder_update"
    test = "test"


class Severity(StrEnum):
    sev1 = "sev1"
    sev2 = "sev2"
    sev3 = "sev3"
    sev4 = "sev4"


class BodyFormat(StrEnum):
    """Apprise's names for body formats."""

    text = "text"
    markdown = "markdown"


class Notice(BaseModel):
    """The facts of one notification, before it is put into anyone's language."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: NoticeKind
    workspace: str = Field(min_length=1, description="Workspace name, as people know it")
    title: str = Field(default="", description="Alert or incident title, in the words it was written in")
    severity: Severity | None = None
    severity_label: dict[str, str] = Field(
        default_factory=dict, description="The plan's label per language, e.g. {'es': 'Crisis grave'}"
    )
    observed: int | None = Field(default=None, ge=0, description="Mentions observed in the window")
    expected: float | None = Field(default=None, ge=0, description="Mentions expected in the window")
    negative_share: float | None = Field(default=None, ge=0, le=1, description="Share of negative mentions, 0..1")
    top_terms: tuple[str, ...] = ()
    top_post: str | None = Field(default=None, description="Excerpt of the post that carries furthest")
    update: str | None = Field(default=None, description="Text of a stakeholder update, in its author's words")
    escalated_from: str | None = Field(default=None, description="Who did not acknowledge before this escalation")
    ack_url: str | None = None
    drill: bool = False
    drill_label: dict[str, str] = Field(
        default_factory=dict, description="The plan's drill label per language, e.g. {'es': '[SIMULACRO]'}"
    )


@dataclass(frozen=True)
class Rendered:
    """A notice in one language: subject, plain-text body and a Markdown body for chat services."""

    lang: str
    title: str
    body: str
    body_format: BodyFormat = BodyFormat.text
    markdown: str = ""

    def for_chat(self) -> Rendered:
        """The same notice with the Markdown body as the body (Slack, Teams, Telegram...)."""
        if self.body_format is BodyFormat.markdown or not self.markdown:
            return self
        return replace(self, body=self.markdown, body_format=BodyFormat.markdown)


def pick_language(languages: Sequence[str], workspace_language: str | None = None) -> str:
    """The first of a person's languages that Baliza speaks, else the workspace's, else English."""
    for candidate in [*languages, workspace_language or ""]:
        code = candidate.strip().replace("_", "-").split("-")[0].lower()
        if code in i18n.SUPPORTED:
            return code
    return "en"


def _one_line(text: str, limit: int) -> str:
    """Collapse whitespace so people's text cannot break the layout; cut long text with an ellipsis."""
    flat = _SPACES.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _md(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _number(value: float, lang: str) -> str:
    return format_decimal(round(value, 1), locale=lang)


def _severity_text(notice: Notice, lang: str) -> str | None:
    if notice.severity is None:
        return None
    label = notice.severity_label.get(lang)
    tag = notice.severity.value.upper()
    return f"{tag} · {label}" if label else tag


def _subject(notice: Notice, title: str) -> str:
    workspace = notice.workspace
    match notice.kind:
        case NoticeKind.page:
            return _("Alert in {workspace}: {title}").format(workspace=workspace, title=title)
        case NoticeKind.reminder:
            return _("Reminder, not yet acknowledged: {title} ({workspace})").format(workspace=workspace, title=title)
        case NoticeKind.escalated:
            return _("Escalated to you: {title} ({workspace})").format(workspace=workspace, title=title)
        case NoticeKind.alert_update:
            return _("Alert updated: {title} ({workspace})").format(workspace=workspace, title=title)
        case NoticeKind.incident_declared:
            return _("Incident declared: {title} ({workspace})").format(workspace=workspace, title=title)
        case NoticeKind.stakeholder_update:
            return _("Incident update: {title} ({workspace})").format(workspace=workspace, title=title)
        case NoticeKind.test:
            return _("Baliza test notification ({workspace})").format(workspace=workspace)


def _headline(notice: Notice) -> str:
    match notice.kind:
        case NoticeKind.page:
            return _("Baliza has detected a possible crisis in {workspace} and asks you to look at it.").format(
                workspace=notice.workspace
            )
        case NoticeKind.reminder:
            return _("This alert is still waiting for someone to acknowledge it.")
        case NoticeKind.alert_update:
            return _("New signals have joined this alert since you were paged; here is where it stands.")
        case NoticeKind.escalated:
            if notice.escalated_from:
                return _("{name} did not acknowledge this alert in time, so it has been escalated to you.").format(
                    name=notice.escalated_from
                )
            return _("Nobody acknowledged this alert in time, so it has been escalated to you.")
        case NoticeKind.incident_declared:
            return _("An incident has been declared in {workspace}.").format(workspace=notice.workspace)
        case NoticeKind.stakeholder_update:
            return _("There is news about the incident in {workspace}.").format(workspace=notice.workspace)
        case NoticeKind.test:
            return _("This is a test notification from Baliza. If you can read it, this contact works.")


def _facts(notice: Notice, lang: str) -> list[tuple[str, str, bool]]:
    """(label, value, value is people's own text) for each fact the notice has."""
    facts: list[tuple[str, str, bool]] = []
    if notice.title and notice.kind is not NoticeKind.test:
        facts.append((_("What"), _one_line(notice.title, EXCERPT_CHARS), True))
    severity = _severity_text(notice, lang)
    if severity:
        facts.append((_("Severity"), severity, False))
    if notice.observed is not None:
        observed = _number(notice.observed, lang)
        if notice.expected is not None:
            value = _("{observed} observed, {expected} expected").format(
                observed=observed, expected=_number(notice.expected, lang)
            )
        else:
            value = _("{observed} observed").format(observed=observed)
        facts.append((_("Mentions"), value, False))
    if notice.negative_share is not None:
        facts.append((_("Negative share"), format_percent(notice.negative_share, locale=lang), False))
    if notice.top_terms:
        facts.append((_("Top terms"), ", ".join(_one_line(t, 60) for t in notice.top_terms), True))
    if notice.top_post:
        facts.append((_("Most shared post"), "“" + _one_line(notice.top_post, EXCERPT_CHARS) + "”", True))
    return facts


def render(notice: Notice, lang: str) -> Rendered:
    """Put a notice into ``lang`` (es or en): a short subject, a plain-text body and a Markdown body."""
    with i18n.use_locale(lang):
        lang = i18n.get_locale()
        drill = (notice.drill_label.get(lang) or _("[DRILL]")) if notice.drill else None
        subject_parts = [drill] if drill else []
        severity = _severity_text(notice, lang)
        if severity and notice.kind is not NoticeKind.test:
            subject_parts.append(f"[{severity}]")
        subject_parts.append(_subject(notice, _one_line(notice.title, SUBJECT_TITLE_CHARS)))

        plain: list[str] = []
        markdown: list[str] = []
        if drill:
            drill_line = _("This is a drill, not a real crisis.")
            plain.append(f"{drill} {drill_line}")
            markdown.append(f"**{drill}** {drill_line}")
        headline = _headline(notice)
        plain.append(headline)
        markdown.append(headline)

        facts = _facts(notice, lang)
        if facts:
            plain.append("")
            markdown.append("")
            for label, value, is_data in facts:
                plain.append(f"{label}: {value}")
                markdown.append(f"**{label}:** {_md(value) if is_data else value}")
        if notice.update:
            label = _("Update")
            text = notice.update.strip()
            plain += ["", f"{label}:", text]
            markdown += ["", f"**{label}:**", _md(text)]
        if notice.ack_url:
            label = _("Acknowledge")
            plain += ["", f"{label}: {notice.ack_url}"]
            markdown += ["", f"[{label}]({notice.ack_url})"]

    return Rendered(
        lang=lang,
        title=" ".join(subject_parts),
        body="\n".join(plain),
        body_format=BodyFormat.text,
        markdown="\n".join(markdown),
    )


__all__ = ["BodyFormat", "Notice", "NoticeKind", "Rendered", "Severity", "pick_language", "render"]
