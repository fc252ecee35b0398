"""Building a report from a workspace slug and an incident number: the SLA from the plan, the data, the file.

The CLI calls this; a web page or an API route can call the same function.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from baliza.core.errors import ValidationError
from baliza.core.i18n import SUPPORTED, _
from baliza.incidents import service as incident_service
from baliza.plans import flows as plan_flows
from baliza.reports import render
from baliza.reports import service as report_service
from baliza.reports.metrics import Metrics, ReportData, compute
from baliza.responses import flows as response_flows
from baliza.storage.db import Database
from baliza.workspaces import service as workspace_service


class ReportFormat(StrEnum):
    html = "html"
    md = "md"
    pdf = "pdf"


def check_options(fmt: str, lang: str) -> tuple[ReportFormat, str]:
    """The format and language, or a ValidationError naming the value and the choices."""
    try:
        report_format = ReportFormat(fmt.lower())
    except ValueError as exc:
        raise ValidationError(
            _("Unknown report format {value!r}; use {known}.").format(
                value=fmt, known=", ".join(f.value for f in ReportFormat)
            ),
            details={"field": "format", "value": fmt},
        ) from exc
    if lang not in SUPPORTED:
        raise ValidationError(
            _("Unknown report language {value!r}; use {known}.").format(value=lang, known=", ".join(SUPPORTED)),
            details={"field": "lang", "value": lang},
        )
    return report_format, lang


async def gather_report(db: Database, *, slug: str, number: int, now: datetime | None = None) -> ReportData:
    """The data of incident #``number`` of workspace ``slug``, with the SLA its severity has in the current plan."""
    async with db.session() as session:
        workspace = await workspace_service.get_by_slug_or_raise(db_session=session, slug=slug)
        incident = await incident_service.get_by_number(db_session=session, workspace_id=workspace.id, number=number)
        plan = await plan_flows.current_plan(db_session=session, workspace_id=workspace.id)
        return await report_service.gather(
            session,
            workspace_id=workspace.id,
            incident_number=number,
            sla_minutes=response_flows.sla_minutes(plan, incident.severity),
            now=now,
        )


def render_report(data: ReportData, metrics: Metrics, fmt: ReportFormat, lang: str) -> bytes:
    """The report file's bytes (UTF-8 text for HTML and Markdown)."""
    if fmt == ReportFormat.md:
        return render.to_markdown(data, metrics, lang).encode()
    html = render.to_html(data, metrics, lang)
    if fmt == ReportFormat.pdf:
        return render.to_pdf(html)
    return html.encode()


async def build_report(
    db: Database, *, slug: str, number: int, fmt: str = "html", lang: str = "en", now: datetime | None = None
) -> bytes:
    """Gather, compute and render the post-crisis report of one incident."""
    report_format, lang = check_options(fmt, lang)
    data = await gather_report(db, slug=slug, number=number, now=now)
    return render_report(data, compute(data), report_format, lang)


__all__ = ["ReportFormat", "build_report", "check_options", "gather_report", "render_report"]
