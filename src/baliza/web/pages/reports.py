"""Reports and drills: placeholders that say how to make them until their pages land."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from baliza.incidents import service as incident_service
from baliza.web.auth import ViewerDep
from baliza.web.deps import SessionDep
from baliza.web.pages.common import render

router = APIRouter(include_in_schema=False)


@router.get("/w/{slug}/reports", response_class=HTMLResponse)
async def reports_page(request: Request, session: SessionDep, access: ViewerDep) -> HTMLResponse:
    """Post-crisis reports: how to write one, and links to the incidents that can have one."""
    incidents = await incident_service.list_incidents(db_session=session, workspace_id=access.workspace.id)
    return render(request, "reports.html", access=access, section="reports", incidents=incidents)


@router.get("/w/{slug}/drills", response_class=HTMLResponse)
async def drills_page(request: Request, access: ViewerDep) -> HTMLResponse:
    """Drills: how to run one from the command line."""
    return render(request, "drills.html", access=access, section="drills")


__all__ = ["drills_page", "reports_page", "router"]
