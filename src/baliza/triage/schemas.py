"""Alerts on the way in and out of the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from baliza.detection.schemas import SignalRead


class TimelineRead(BaseModel):
    """One timeline entry, its sentence in the reader's language."""

    id: int
    at: datetime
    kind: str
    actor: str | None
    text: str
    is_failure: bool
    data: dict[str, Any]


class PageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    step_index: int
    round: int
    person_id: str
    person_name: str
    lang: str
    status: str
    reason: str | None
    contact: str | None
    created_at: datetime
    sent_at: datetime | None
    acknowledged_with_link_at: datetime | None = Field(None, validation_alias="ack_used_at")


class AlertRead(BaseModel):
    """An alert: signals grouped by route and key, with a proposed severity and why."""

    id: int
    title: str
    status: str
    severity: str
    proposed_severity: str
    severity_override_reason: str | None
    severity_override_by: str | None
    reasons: list[dict[str, Any]]
    labels: dict[str, str]
    group_key: str
    route: str
    chain: str
    signal_count: int
    incident_id: int | None
    is_drill: bool
    first_signal_at: datetime
    last_signal_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None


class AlertDetail(AlertRead):
    signals: list[SignalRead]
    pages: list[PageRead]
    timeline: list[TimelineRead]


class SeverityChange(BaseModel):
    severity: str = Field(description="sev1, sev2, sev3 or sev4")
    reason: str = Field(min_length=1, max_length=2000, description="Why; goes on the timeline")


class AckRequest(BaseModel):
    token: str = Field(min_length=10, max_length=2000, description="The token from an acknowledgement link")


class AckResult(BaseModel):
    alert_id: int
    status: str
    acknowledged_by: str | None
    changed: bool


__all__ = ["AckRequest", "AckResult", "AlertDetail", "AlertRead", "PageRead", "SeverityChange", "TimelineRead"]
