"""Alerts: the list, and one alert with its evidence, pages, timeline and what people can do about it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from baliza.core.errors import ValidationError
from baliza.core.i18n import _, get_locale
from baliza.detection import service as signal_service
from baliza.detection.models import Signal
from baliza.incidents import flows as incident_flows
from baliza.incidents import service as incident_service
from baliza.incidents import timeline
from baliza.plans import flows as plan_flows
from baliza.triage import flows as triage_flows
from baliza.triage import service as triage_service
from baliza.triage.severity import SEVERITIES
from baliza.web.auth import LeadDep, ResponderDep, ViewerDep
from baliza.web.deps import SessionDep
from baliza.web.pages.common import Formatter, back_to, detector_label, render

router = APIRouter(include_in_schema=False)

STATUS_FILTERS = ("open", "acknowledged", "resolved")


def evidence_chart(signal: Signal, f: Formatter) -> dict[str, Any] | None:
    """The chart block for a signal's evidence curve (rows ``[iso, observed, expected, lower, upper]``)."""
    rows = (signal.evidence or {}).get("series") or []
    points = [
        {"t": r[0], "count": r[1], "expected": r[2], "lower": r[3], "upper": r[4]}
        for r in rows
        if isinstance(r, list | tuple) and len(r) >= 5
    ]
    if not points:
        return None
    return {
        "label": _("{detector} on {series}: {observed} seen against {expected} expected, detected at {time}.").format(
            detector=detector_label(signal.detector),
            series=signal.series,
            observed=f.number(round(signal.observed, 1)),
            expected=f.number(round(signal.expected, 1)),
            time=f.datetime(signal.detected_at),
        ),
        "window": len(points) + 1,
        "labels": {"time": _("Time"), "count": _("Mentions"), "negative": _("Negative"), "expected": _("Expected")},
        "points": points,
    }


@router.get("/w/{slug}/alerts", response_class=HTMLResponse)
async def alert_list(request: Request, session: SessionDep, access: ViewerDep, status: str = "") -> HTMLResponse:
    """Alerts, most recent activity first, filtered by status."""
    chosen = status if status in STATUS_FILTERS else None
    groups = await triage_service.list_groups(
        db_session=session, workspace_id=access.workspace.id, status=chosen, limit=200
    )
    return render(
        request,
        "alerts.html",
        access=access,
        section="alerts",
        groups=groups,
        titles={g.id: triage_flows.render_title(g) for g in groups},
        status=chosen or "",
        statuses=STATUS_FILTERS,
    )


@router.get("/w/{slug}/alerts/{alert_id}", response_class=HTMLResponse)
async def alert_detail(request: Request, alert_id: int, session: SessionDep, access: ViewerDep) -> HTMLResponse:
    """One alert: severity and why, labels, evidence (chart, posts, terms, authors), pages, timeline, actions."""
    ws = access.workspace.id
    group = await triage_service.get_group(db_session=session, workspace_id=ws, alert_group_id=alert_id)
    signals = [
        await signal_service.get(db_session=session, workspace_id=ws, signal_id=signal_id)
        for signal_id in await triage_service.signal_ids(db_session=session, alert_group_id=group.id)
    ]
    pages = await triage_service.pages_for_group(db_session=session, alert_group_id=group.id)
    entries = await timeline.list_for(db_session=session, alert_group_ids=[group.id])
    plan = await plan_flows.current_plan(db_session=session, workspace_id=ws)
    incident = (
        await incident_service.get(db_session=session, workspace_id=ws, incident_id=group.incident_id)
        if group.incident_id is not None
        else None
    )
    title = triage_flows.render_title(group)
    return render(
        request,
        "alert.html",
        access=access,
        section="alerts",
        group=group,
        title=title,
        signals=signals,
        chart_for=evidence_chart,
        pages=pages,
        entries=entries,
        render_entry=timeline.render,
        incident=incident,
        severities=SEVERITIES,
        playbooks=sorted(plan.playbooks) if plan else [],
        playbook_titles={k: v.title.text(get_locale()) for k, v in plan.playbooks.items()} if plan else {},
        suggested_playbook=incident_flows.pick_playbook(plan, dict(group.labels)),
        reasons=list((group.triage or {}).get("reasons", [])),
    )


def _detail_url(access_slug: str, alert_id: int) -> str:
    return f"/w/{access_slug}/alerts/{alert_id}"


@router.post("/w/{slug}/alerts/{alert_id}/ack")
async def acknowledge(alert_id: int, session: SessionDep, access: ResponderDep) -> RedirectResponse:
    """Acknowledge from the page: the escalation stops."""
    group = await triage_service.get_group(
        db_session=session, workspace_id=access.workspace.id, alert_group_id=alert_id
    )
    changed = await triage_flows.acknowledge_group(db_session=session, group=group, actor=access.actor, via="web")
    await session.commit()
    url = _detail_url(access.workspace.slug, alert_id)
    return back_to(url, url, "acknowledged" if changed else "already_acknowledged")


@router.post("/w/{slug}/alerts/{alert_id}/resolve")
async def resolve(alert_id: int, session: SessionDep, access: ResponderDep) -> RedirectResponse:
    """Close the alert; its escalations stop."""
    group = await triage_service.get_group(
        db_session=session, workspace_id=access.workspace.id, alert_group_id=alert_id
    )
    await triage_flows.resolve_group(db_session=session, group=group, actor=access.actor)
    await session.commit()
    url = _detail_url(access.workspace.slug, alert_id)
    return back_to(url, url, "resolved")


@router.post("/w/{slug}/alerts/{alert_id}/severity")
async def change_severity(
    alert_id: int,
    session: SessionDep,
    access: LeadDep,
    severity: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """A lead overrides the proposed severity, with the reason on the timeline."""
    await triage_flows.override_severity(
        db_session=session, workspace_id=access.workspace.id, alert_group_id=alert_id, severity=severity,
        reason=reason, actor=access.actor,
    )  # fmt: skip
    await session.commit()
    url = _detail_url(access.workspace.slug, alert_id)
    return back_to(url, url, "severity_changed")


@router.post("/w/{slug}/alerts/{alert_id}/declare")
async def declare(
    alert_id: int,
    session: SessionDep,
    access: ResponderDep,
    title: Annotated[str, Form()],
    severity: Annotated[str, Form()],
    playbook: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Open an incident from this alert, with the plan's roles and the playbook's tasks."""
    ws = access.workspace.id
    if severity not in SEVERITIES:
        raise ValidationError(
            _("Unknown severity {value!r}: use sev1, sev2, sev3 or sev4.").format(value=severity),
            details={"field": "severity", "value": severity},
        )
    if not title.strip():
        raise ValidationError(_("Give the incident a title."), details={"field": "title"})
    group = await triage_service.get_group(db_session=session, workspace_id=ws, alert_group_id=alert_id)
    if group.incident_id is not None:
        existing = await incident_service.get(db_session=session, workspace_id=ws, incident_id=group.incident_id)
        return RedirectResponse(f"/w/{access.workspace.slug}/incidents/{existing.number}", status_code=303)
    plan = await plan_flows.current_plan(db_session=session, workspace_id=ws)
    incident = await incident_flows.declare_incident(
        db_session=session, workspace_id=ws, title=title.strip(), severity=severity, actor=access.actor, plan=plan,
        groups=[group], playbook=playbook or None, is_drill=group.is_drill,
    )  # fmt: skip
    await session.commit()
    url = f"/w/{access.workspace.slug}/incidents/{incident.number}"
    return back_to(url, url, "declared")


__all__ = ["acknowledge", "alert_detail", "alert_list", "declare", "evidence_chart", "resolve", "router"]
