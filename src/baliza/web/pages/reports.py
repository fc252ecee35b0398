"""Reports and drills: placeholders that say how to make them until their pages land."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from baliza.core.i18n import get_locale
from baliza.drills import service as drill_service
from baliza.incidents import service as incident_service
from baliza.reports.flows import build_report
from baliza.web.auth import ViewerDep
from baliza.web.deps import DbDep, SessionDep
from baliza.web.pages.common import render

router = APIRouter(include_in_schema=False)


@router.get("/w/{slug}/reports", response_class=HTMLResponse)
async def reports_page(request: Request, session: SessionDep, access: ViewerDep) -> HTMLResponse:
    """Post-crisis reports: how to write one, and links to the incidents that can have one."""
    incidents = await incident_service.list_incidents(db_session=session, workspace_id=access.workspace.id)
    return render(request, "reports.html", access=access, section="reports", incidents=incidents)


@router.get("/w/{slug}/incidents/{number}/report", response_model=None)
async def incident_report(
    request: Request, number: int, db: DbDep, access: ViewerDep, format: str = "html"
) -> Response:
    """The post-crisis report of one incident: a standalone page, or Markdown with ``?format=md``."""
    fmt = "md" if format == "md" else "html"
    body = await build_report(db, slug=access.workspace.slug, number=number, fmt=fmt, lang=get_locale())
    if fmt == "md":
        return Response(
            body,
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{access.workspace.slug}-incident-{number}.md"'},
        )
    return HTMLResponse(body.decode("utf-8"))


@router.get("/w/{slug}/drills", response_class=HTMLResponse)
async def drills_page(request: Request, session: SessionDep, access: ViewerDep) -> HTMLResponse:
    """Drill runs with their scores, and how to run one."""
    runs = await drill_service.list_runs(db_session=session, workspace_id=access.workspace.id)
    return render(request, "drills.html", access=access, section="drills", runs=runs)


__all__ = ["drills_page", "incident_report", "reports_page", "router"]
