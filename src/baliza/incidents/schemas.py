"""Incidents on the way in and out of the API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from baliza.triage.schemas import TimelineRead


class IncidentCreate(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    severity: str = Field(description="sev1, sev2, sev3 or sev4")
    alert_ids: list[int] = Field(default_factory=list, description="Alerts this incident is opened from")
    playbook: str | None = Field(None, description="A playbook of the plan; picked from the alerts when omitted")


class IncidentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: int
    title: str
    status: str
    severity: str
    playbook: str | None
    is_drill: bool
    opened_by: str | None
    started_at: datetime
    detected_at: datetime
    acknowledged_at: datetime | None
    active_at: datetime | None
    monitoring_at: datetime | None
    resolved_at: datetime | None
    reviewed_at: datetime | None


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: dict[str, str]
    role: str | None
    assignee: str | None
    status: str
    due_at: datetime | None
    source: str | None
    done_at: datetime | None
    done_by: str | None


class AssignmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    role: str
    person: str
    assigned_by: str | None
    assigned_at: datetime


class IncidentDetail(IncidentRead):
    alert_ids: list[int]
    roles: list[AssignmentRead]
    tasks: list[TaskRead]
    timeline: list[TimelineRead]
    freeze: str | None = Field(None, description="What the incident freezes on the calendar: promotional or all")


class StatusChange(BaseModel):
    status: str
    note: str | None = Field(None, max_length=2000)


class SeverityChangeIn(BaseModel):
    severity: str
    reason: str = Field(min_length=1, max_length=2000)


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class RoleIn(BaseModel):
    role: str
    person: str = Field(min_length=1, max_length=200)


class StakeholderUpdateIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    roles: list[str] | None = Field(None, description="Plan roles to tell; default: those the severity involves")
    people: list[str] | None = Field(None, description="Plan person ids to tell as well")


class StakeholderUpdateResult(BaseModel):
    response_id: int
    delivered: list[str]
    failed: list[str]


class TaskUpdate(BaseModel):
    status: str | None = None
    assignee: str | None = Field(None, max_length=200)


__all__ = [
    "AssignmentRead",
    "IncidentCreate",
    "IncidentDetail",
    "IncidentRead",
    "NoteIn",
    "RoleIn",
    "SeverityChangeIn",
    "StakeholderUpdateIn",
    "StakeholderUpdateResult",
    "StatusChange",
    "TaskRead",
    "TaskUpdate",
]
