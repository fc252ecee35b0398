"""Responses, approvals and the inbox on the way in and out of the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ResponseCreate(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)
    lang: str = Field(description="es or en")
    kind: str = Field("reply", description="reply, holding_statement, statement or stakeholder_update")
    incident_id: int | None = None
    mention_id: int | None = None
    channel: str | None = Field(None, max_length=64)
    template: str | None = Field(None, max_length=128)


class ResponseEdit(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)


class Decision(BaseModel):
    role: str = Field(description="The plan role you approve for, e.g. comms_lead or legal")
    comment: str | None = Field(None, max_length=2000)


class ResponseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: int | None
    mention_id: int | None
    kind: str
    channel: str | None
    lang: str
    text: str
    status: str
    tone: dict[str, Any]
    required_roles: list[str]
    is_drill: bool
    created_by: str | None
    created_at: datetime
    published_at: datetime | None
    publication: dict[str, Any]
    approvals: list[dict[str, Any]] = Field(default_factory=list)


class InboxRead(BaseModel):
    mention_id: int
    platform: str
    text: str
    url: str | None
    created_at: datetime
    author: str | None
    followers: int | None
    sentiment: str | None
    issue_types: list[str]
    priority: float
    due_at: datetime
    overdue: bool
    minutes_waiting: float
    status: str
    assignee: str | None


class AssignIn(BaseModel):
    assignee: str = Field(min_length=1, max_length=200)


__all__ = ["AssignIn", "Decision", "InboxRead", "ResponseCreate", "ResponseEdit", "ResponseRead"]
