"""What every page shares: rendering, formatting in the reader's locale and time zone, labels, roles, notices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_skeleton, format_timedelta
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from baliza.accounts import service as account_service
from baliza.accounts.models import WorkspaceRole
from baliza.core import i18n
from baliza.core.clock import utcnow
from baliza.core.i18n import _
from baliza.web.auth import WorkspaceAccess
from baliza.web.login import safe_next


def sentiment_label(value: str | None) -> str:
    """Display text for a stored sentiment value, in the reader's language."""
    return {"negative": _("negative"), "neutral": _("neutral"), "positive": _("positive")}.get(value or "", "")


def detector_label(value: str) -> str:
    """Display text for a detector id, in the reader's language."""
    labels = {
        "volume": _("volume above normal"),
        "negative_share": _("more negative than usual"),
        "emerging_term": _("emerging term"),
        "high_reach_author": _("complaint from a large account"),
    }
    return labels.get(value, value)


def issue_label(value: str) -> str:
    """Display text for an issue type id, in the reader's language."""
    labels = {
        "complaint": _("complaint"),
        "delivery": _("delivery / logistics"),
        "product_quality": _("product quality / safety"),
        "customer_service": _("customer service"),
        "pricing": _("pricing / billing"),
        "marketing": _("marketing misstep"),
        "privacy": _("data / privacy"),
        "legal": _("legal / regulatory"),
        "conduct": _("employee or executive conduct"),
        "health": _("health / emergency"),
        "boycott": _("boycott call"),
        "rumour": _("rumour / misinformation"),
        "question": _("question / help request"),
        "praise": _("praise"),
    }
    return labels.get(value, value)


def status_label(value: str) -> str:
    """Display text for the status of an alert, incident, response, post or inbox item."""
    labels = {
        "open": _("open"),
        "acknowledged": _("acknowledged"),
        "resolved": _("resolved"),
        "detected": _("just detected"),
        "active": _("active"),
        "monitoring": _("monitoring"),
        "reviewed": _("reviewed"),
        "draft": _("draft"),
        "pending_approval": _("waiting for approval"),
        "approved": _("approved"),
        "published": _("published"),
        "rejected": _("rejected"),
        "scheduled": _("scheduled"),
        "held": _("held by the freeze"),
        "cancelled": _("cancelled"),
        "failed": _("failed"),
        "assigned": _("assigned"),
        "replied": _("replied"),
        "handled": _("handled"),
        "sent": _("sent"),
        "sending": _("sending"),
        "skipped": _("skipped"),
        "unknown": _("unknown"),
        "done": _("done"),
    }
    return labels.get(value, value)


def author_type_label(value: str) -> str:
    """Display text for an author type found by the analysis, in the reader's language."""
    labels = {
        "journalist": _("journalist"),
        "media_outlet": _("media outlet"),
        "influencer": _("influencer"),
        "employee": _("employee"),
        "public_body": _("public body"),
        "competitor": _("competitor"),
        "bot": _("likely automated"),
        "customer": _("customer"),
    }
    return labels.get(value, value)


def kind_label(value: str) -> str:
    """Display text for a kind of response."""
    labels = {
        "reply": _("reply"),
        "holding_statement": _("holding statement"),
        "statement": _("statement"),
        "stakeholder_update": _("internal update"),
    }
    return labels.get(value, value)


def role_label(value: str) -> str:
    """Display text for an incident role or a standard plan role."""
    labels = {
        "lead": _("incident lead"),
        "communications": _("communications"),
        "legal": _("legal"),
        "customer_care": _("customer care"),
        "scribe": _("scribe"),
        "community_manager": _("community manager"),
        "customer_care_lead": _("customer care lead"),
        "comms_lead": _("comms lead"),
        "executive_sponsor": _("executive sponsor"),
    }
    return labels.get(value, value.replace("_", " "))


def freeze_label(scope: str) -> str:
    """What a crisis freeze holds, in the reader's language."""
    return {"promotional": _("promotional posts are held"), "all": _("every scheduled post is held")}.get(scope, scope)


def workspace_zone(name: str | None) -> tzinfo:
    """The workspace's time zone (UTC when the name is unknown, so a page never fails on it)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


Moment = datetime  # the Formatter has a method called datetime


@dataclass(frozen=True)
class Formatter:
    """Dates, times, numbers and durations in the reader's locale and the workspace's time zone."""

    locale: str
    tz: tzinfo

    def datetime(self, value: Moment | None) -> str:
        """``Nov 20, 2026, 13:05`` / ``20 nov 2026, 13:05``."""
        if value is None:
            return "–"
        return f"{self.date(value)}, {self.time(value)}"

    def date(self, value: Moment | None) -> str:
        """The day only, in the workspace's time zone."""
        if value is None:
            return "–"
        return str(format_skeleton("yMMMd", value, tzinfo=self.tz, locale=self.locale))

    def day(self, value: Moment) -> str:
        """A calendar heading: ``Fri, Nov 20`` / ``vie, 20 nov``."""
        return str(format_skeleton("MMMEd", value, tzinfo=self.tz, locale=self.locale))

    def time(self, value: Moment | None) -> str:
        """``13:05``, in the workspace's time zone."""
        if value is None:
            return "–"
        return str(format_skeleton("Hm", value, tzinfo=self.tz, locale=self.locale))

    def iso(self, value: str) -> str:
        """An ISO 8601 text (as stored in evidence) as a date and time; unreadable text is shown as it is."""
        try:
            return self.datetime(Moment.fromisoformat(value))
        except (TypeError, ValueError):
            return str(value)

    def number(self, value: float, digits: int | None = None) -> str:
        """A number the reader's way."""
        return i18n.number(value, digits)

    def percent(self, share: float) -> str:
        """A share in [0, 1] as a percentage."""
        return i18n.percent(share)

    def relative(self, value: Moment | None, now: Moment | None = None) -> str:
        """``5 minutes ago`` / ``in 12 minutes``, in words of the reader's language."""
        if value is None:
            return "–"
        delta: timedelta = value - (now or utcnow())
        return str(format_timedelta(delta, add_direction=True, threshold=2, locale=self.locale))

    def minutes(self, start: Moment | None, end: Moment | None) -> str:
        """The minutes between two moments (``–`` when one is missing)."""
        if start is None or end is None:
            return "–"
        return i18n.number(round((end - start).total_seconds() / 60, 1))

    def local_input(self, value: Moment) -> str:
        """The value for an ``<input type="datetime-local">`` in the workspace's time zone."""
        return value.astimezone(self.tz).strftime("%Y-%m-%dT%H:%M")


# Short codes a write handler adds to the redirect (?notice=…), shown as a sentence on the next page.
# Only known codes are shown, so a crafted link cannot put words on the page.
def notice_text(code: str | None, request: Request) -> str | None:
    """The sentence for a ``?notice=`` code, in the reader's language."""
    if not code:
        return None
    count = request.query_params.get("n", "")
    failed = request.query_params.get("failed", "")
    texts = {
        "acknowledged": _("Acknowledged: the escalation has stopped."),
        "already_acknowledged": _("Someone had already acknowledged this alert."),
        "resolved": _("Resolved."),
        "severity_changed": _("Severity changed; the reason is on the timeline."),
        "declared": _("Incident declared with the playbook's tasks."),
        "status_changed": _("Status changed."),
        "note_added": _("Note added to the timeline."),
        "role_assigned": _("Role assigned."),
        "task_updated": _("Task updated."),
        "drafted": _("Draft saved and checked for tone."),
        "submitted": _("Submitted: it now waits for the approvals it needs."),
        "approved": _("Approved."),
        "rejected": _("Sent back with your comment."),
        "published": _("Published (a dry run unless a publisher is configured)."),
        "assigned": _("Assigned."),
        "handled": _("Marked as handled: it leaves the inbox."),
        "scheduled": _("Post scheduled."),
        "released": _("Post released: it has been published."),
        "cancelled": _("Post cancelled; it stays on record."),
        "unavailable": _("Marked unavailable: escalations skip this person now."),
        "available": _("Marked available again."),
        "corrected": _("Thanks: the correction is saved and teaches the analysis."),
    }
    if code == "update_sent" and count.isdigit() and (failed or "0").isdigit():
        return _("Update delivered to {n} people; {failed} could not be reached.").format(n=count, failed=failed or "0")
    return texts.get(code)


def has_role(access: WorkspaceAccess, minimum: WorkspaceRole) -> bool:
    """Whether the caller's workspace role includes ``minimum`` (admins and superusers include all)."""
    return account_service.role_at_least(access.role, minimum)


def can_approve(access: WorkspaceAccess, role: str) -> bool:
    """Whether the caller may approve for a plan role (the flow checks again on submit)."""
    return has_role(access, WorkspaceRole.responder) and (role in access.plan_roles or "*" in access.plan_roles)


def nav_items(slug: str) -> list[tuple[str, str, str]]:
    """(key, label, href) of the workspace navigation, in order."""
    base = f"/w/{slug}"
    return [
        ("overview", _("Overview"), base),
        ("mentions", _("Mentions"), f"{base}/mentions"),
        ("alerts", _("Alerts"), f"{base}/alerts"),
        ("incidents", _("Incidents"), f"{base}/incidents"),
        ("inbox", _("Inbox"), f"{base}/inbox"),
        ("calendar", _("Calendar"), f"{base}/calendar"),
        ("plan", _("Plan"), f"{base}/plan"),
        ("reports", _("Reports"), f"{base}/reports"),
        ("drills", _("Drills"), f"{base}/drills"),
    ]


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (it wants a fragment, not a page)."""
    return request.headers.get("hx-request") == "true"


def back_to(target: str | None, default: str, notice: str, **extra: str | int) -> RedirectResponse:
    """303 to ``target`` when it is a local path (else ``default``), with a notice code for the next page."""
    path = safe_next(target) if target else default
    path = path if path != "/" or default == "/" else default
    # a notice from an earlier action must not stay in the address
    base, _sep, query = path.partition("?")
    kept = [p for p in query.split("&") if p and p.split("=")[0] not in ("notice", "n", "failed")]
    params = [*kept, f"notice={notice}", *(f"{key}={value}" for key, value in extra.items())]
    return RedirectResponse(f"{base}?{'&'.join(params)}", status_code=303)


def render(
    request: Request,
    name: str,
    *,
    access: WorkspaceAccess | None = None,
    section: str = "",
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a page template with what every page needs (the reader, the formatter, labels, navigation)."""
    templates = request.app.state.templates
    zone = workspace_zone(access.workspace.timezone if access else None)
    values: dict[str, Any] = {
        "request": request,
        "principal": getattr(request.state, "principal", None),
        "f": Formatter(i18n.get_locale(), zone),
        "tz": getattr(zone, "key", "UTC") if access else "",
        "sentiment_label": sentiment_label,
        "issue_label": issue_label,
        "detector_label": detector_label,
        "status_label": status_label,
        "kind_label": kind_label,
        "author_type_label": author_type_label,
        "role_label": role_label,
        "role_list": lambda roles: ", ".join(role_label(r) for r in roles),
        "freeze_label": freeze_label,
        "notice": notice_text(request.query_params.get("notice"), request),
        "now": utcnow(),
    }
    if access is not None:
        values.update(
            workspace=access.workspace,
            access=access,
            section=section,
            nav=nav_items(access.workspace.slug),
            can_respond=has_role(access, WorkspaceRole.responder),
            can_lead=has_role(access, WorkspaceRole.lead),
            can_approve=lambda role: can_approve(access, role),
        )
    values.update(context)
    return HTMLResponse(templates.get_template(name).render(**values), status_code=status_code)


def render_fragment(request: Request, name: str, access: WorkspaceAccess | None = None, **context: Any) -> str:
    """A template rendered to a string (htmx fragments and server-sent events)."""
    response = render(request, name, access=access, **context)
    return bytes(response.body).decode("utf-8")


__all__ = [
    "Formatter",
    "author_type_label",
    "back_to",
    "can_approve",
    "detector_label",
    "freeze_label",
    "has_role",
    "is_htmx",
    "issue_label",
    "kind_label",
    "nav_items",
    "notice_text",
    "render",
    "render_fragment",
    "role_label",
    "sentiment_label",
    "status_label",
    "workspace_zone",
]
