"""Reply drafts from the bundled templates: the right template for a mention, its variables, a tone check.

A draft is a proposal for a person to approve, never a publication, so every draft carries the
tone check's report (``tone.check_draft``). The template is chosen from the mention's issue types
and the incident context (a delivery complaint gets ``apology_delay``, a question
``ask_dm_order_number``, a rumour ``rumour_correction``, praise ``thanks_praise``...). Its
variables come from the context (``name`` is the author's display name or handle); a variable the
context does not give becomes a visible placeholder such as ``[CONTACT]``, which the tone check
flags as blocking, so a gap is never published by accident.

``assist`` uses these drafts whenever the model is not configured or fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from baliza.core import i18n
from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.responses.summary import MentionInput, resolve_lang
from baliza.responses.templates import render_bundled
from baliza.responses.tone import ToneContext, ToneFlag, ToneReport, check_draft

MAX_DRAFTS = 5

COMPLAINT_TYPES = frozenset(
    {
        "complaint",
        "delivery",
        "product_quality",
        "customer_service",
        "pricing",
        "marketing",
        "privacy",
        "legal",
        "conduct",
        "health",
        "boycott",
    }
)
"""Issue types that make a mention a complaint: the reply must show empathy and a next step."""


class AssistSource(StrEnum):
    """Where a summary or a set of drafts came from."""

    model = "model"
    extractive = "extractive"
    template = "template"


class DraftContext(BaseModel):
    """What a reply may say about the incident: confirmed facts, where to write, when the next update is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    incident_title: str | None = None
    severity: Literal["sev1", "sev2", "sev3", "sev4"] | None = None
    in_crisis: bool = False
    apology_due: bool = False
    facts: tuple[str, ...] = ()
    name: str | None = None
    contact: str | None = None
    status_url: str | None = None
    next_update: str | None = None
    issue: str | None = None
    topic: str | None = None
    fact: str | None = None
    max_chars: int | None = Field(None, gt=0)

    @field_validator("severity", mode="before")
    @classmethod
    def _lower_severity(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class Draft:
    """One reply draft, its tone check, and where it came from (a model, or a bundled template)."""

    text: str
    lang: str
    source: AssistSource
    tone: ToneReport
    template_id: str | None = None
    reason: str | None = None

    @property
    def flags(self) -> tuple[ToneFlag, ...]:
        """The tone check's flags, in text order."""
        return self.tone.flags

    @property
    def ok(self) -> bool:
        """Whether no flag blocks approval."""
        return self.tone.ok

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API."""
        return {
            "text": self.text,
            "lang": self.lang,
            "source": str(self.source),
            "template": self.template_id,
            "reason": self.reason,
            "tone": self.tone.as_dict(),
        }


def as_draft_context(context: DraftContext | Mapping[str, Any] | None) -> DraftContext:
    """A ``DraftContext`` from itself, a plain mapping or nothing; a bad field is a ``ValidationError``."""
    if isinstance(context, DraftContext):
        return context
    try:
        return DraftContext.model_validate(dict(context or {}))
    except PydanticValidationError as exc:
        # Name the first bad field and its value, as every other input error does.
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "context"
        raise ValidationError(
            _("Draft context field {field} has value {value!r}: {problem}").format(
                field=field, value=first.get("input"), problem=first["msg"]
            ),
            code="invalid_draft_context",
            details={"field": field, "value": first.get("input")},
        ) from exc


def check_draft_count(n: int) -> None:
    """Refuse a number of drafts outside 1..``MAX_DRAFTS``."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_DRAFTS:
        raise ValidationError(
            _("The number of drafts must be between 1 and {limit}, not {value!r}.").format(limit=MAX_DRAFTS, value=n),
            code="invalid_draft_count",
            details={"field": "n", "value": n, "limit": MAX_DRAFTS},
        )


def is_complaint(mention: MentionInput) -> bool:
    """Whether a reply to this mention answers a complaint (issue types, or negative sentiment)."""
    return bool(COMPLAINT_TYPES.intersection(mention.issue_types)) or mention.sentiment_label == "negative"


def tone_context_for(mention: MentionInput, context: DraftContext) -> ToneContext:
    """The tone check's view of a reply to ``mention`` in ``context``."""
    complaint = is_complaint(mention)
    return ToneContext(
        in_crisis=context.in_crisis,
        severity=context.severity,
        # The incident may call for an apology, but not every reply does: thanks for praise or a rumour
        # correction owes none, and the check would block them at sev1/sev2.
        apology_due=context.apology_due and complaint and "rumour" not in mention.issue_types,
        is_reply_to_complaint=complaint,
        max_chars=context.max_chars,
    )


def choose_templates(mention: MentionInput, context: DraftContext) -> list[str]:
    """Bundled template ids that fit a reply to ``mention``, best first."""
    types = set(mention.issue_types)
    complaint = is_complaint(mention)
    ranked: list[str] = []
    if "rumour" in types:
        # Asking for an order number or apologising for a delay would only confirm the rumour.
        ranked.append("rumour_correction")
    else:
        if "delivery" in types:
            ranked.append("apology_delay")
        # Owning a mistake in public is for the team to decide; the template admits it, so only when told.
        if context.apology_due and types & {"marketing", "conduct"}:
            ranked.append("mistake_apology")
        if "question" in types or types & {"delivery", "pricing", "customer_service", "product_quality"}:
            ranked.append("ask_dm_order_number")
    praise_only = "praise" in types and not complaint
    if praise_only:
        ranked.append("thanks_praise")
    if complaint or not ranked or ((context.in_crisis or context.severity is not None) and not praise_only):
        ranked.append("holding_statement_generic")
    return list(dict.fromkeys(ranked))


def _placeholder(name: str) -> str:
    # Shaped like the tone check's placeholders, so a draft with a gap is flagged and cannot be approved as is.
    labels = {
        "name": lambda: _("[NAME]"),
        "contact": lambda: _("[CONTACT]"),
        "next_update": lambda: _("[NEXT UPDATE TIME]"),
        "issue": lambda: _("[ISSUE]"),
        "topic": lambda: _("[TOPIC]"),
        "fact": lambda: _("[VERIFIED FACT]"),
    }
    return labels[name]()


def display_name(mention: MentionInput) -> str | None:
    """How a reply greets the author: the display name, else the handle without its server."""
    if mention.author_name and mention.author_name.strip():
        return mention.author_name.strip()
    handle = (mention.author_handle or "").strip().lstrip("@").split("@")[0]
    if not handle:
        return None
    # Reddit-style handles (u/name) are written as they are; the others are greeted with an @.
    return handle if "/" in handle else "@" + handle


def template_variables_for(mention: MentionInput, context: DraftContext, template_id: str, lang: str) -> dict[str, str]:
    """The variables of a bundled template, from the mention and the context; gaps become visible placeholders."""
    contact = context.contact or context.status_url
    if template_id == "rumour_correction":
        contact = context.status_url or context.contact
    values = {
        "name": context.name or display_name(mention),
        "contact": contact,
        "next_update": context.next_update,
        "issue": context.issue,
        "topic": context.topic or context.incident_title,
        "fact": context.fact or (context.facts[0] if context.facts else None),
    }
    with i18n.use_locale(lang):
        return {key: value if value else _placeholder(key) for key, value in values.items()}


def template_drafts(
    mention: MentionInput,
    context: DraftContext | Mapping[str, Any] | None,
    lang: str,
    n: int = 2,
    *,
    reason: str | None = None,
) -> list[Draft]:
    """Up to ``n`` drafts from the bundled templates that fit ``mention``, each tone-checked."""
    code = resolve_lang(lang)
    ctx = as_draft_context(context)
    check_draft_count(n)
    tone = tone_context_for(mention, ctx)
    drafts = []
    for template_id in choose_templates(mention, ctx)[:n]:
        text = render_bundled(template_id, code, template_variables_for(mention, ctx, template_id, code))
        drafts.append(
            Draft(
                text=text,
                lang=code,
                source=AssistSource.template,
                tone=check_draft(text, lang=code, context=tone),
                template_id=template_id,
                reason=reason,
            )
        )
    return drafts


__all__ = [
    "COMPLAINT_TYPES",
    "MAX_DRAFTS",
    "AssistSource",
    "Draft",
    "DraftContext",
    "as_draft_context",
    "check_draft_count",
    "choose_templates",
    "display_name",
    "is_complaint",
    "template_drafts",
    "template_variables_for",
    "tone_context_for",
]
