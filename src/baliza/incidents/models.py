"""Incidents (the managed response to a crisis) and the timeline where everything that happens is written."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from baliza.core.clock import utcnow
from baliza.storage.base import Base, BigIntPK, JSONType, UTCDateTime


class IncidentStatus(StrEnum):
    detected = "detected"
    acknowledged = "acknowledged"
    active = "active"
    monitoring = "monitoring"
    resolved = "resolved"
    reviewed = "reviewed"


class Incident(Base):
    __tablename__ = "incident"
    __table_args__ = (UniqueConstraint("workspace_id", "number"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=IncidentStatus.detected)
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    playbook: Mapped[str | None] = mapped_column(String(128))
    summary: Mapped[str | None] = mapped_column(Text)
    is_drill: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    opened_by: Mapped[str | None] = mapped_column(String(200))
    # First signal of the crisis: the start of "time to detect".
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    monitoring_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class TimelineEntry(Base):
    """One thing that happened: an alert, a page, an acknowledgement, a note, a failure…"""

    __tablename__ = "timeline_entry"
    __table_args__ = (
        Index("ix_timeline_entry_incident_id_at", "incident_id", "at"),
        Index("ix_timeline_entry_alert_group_id_at", "alert_group_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    alert_group_id: Mapped[int | None] = mapped_column(ForeignKey("alert_group.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    kind: Mapped[str] = mapped_column(String(48), nullable=False)
    actor: Mapped[str | None] = mapped_column(String(200))
    # Stored as data, rendered in the reader's language later: {"message": msgid, "params": {...}, ...}.
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    is_failure: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class TaskStatus(StrEnum):
    open = "open"
    done = "done"
    skipped = "skipped"


class IncidentAssignment(Base):
    """Who holds a role in an incident (lead, communications, legal, customer care, scribe)."""

    __tablename__ = "incident_assignment"
    __table_args__ = (UniqueConstraint("incident_id", "role"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), nullable=False)
    role: Mapped[str] = mapped_column(String(64), nullable=False)
    person: Mapped[str] = mapped_column(String(200), nullable=False)
    assigned_by: Mapped[str | None] = mapped_column(String(200))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class IncidentTask(Base):
    __tablename__ = "incident_task"
    __table_args__ = (Index("ix_incident_task_incident_id_due_at", "incident_id", "due_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), nullable=False)
    title: Mapped[dict[str, str]] = mapped_column(JSONType, nullable=False)  # {"es": ..., "en": ...}
    role: Mapped[str | None] = mapped_column(String(64))
    assignee: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=TaskStatus.open)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[str | None] = mapped_column(String(128))  # the playbook it came from
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class AuditEntry(Base):
    """Who tried to do what, and whether policy let them: deletions are refused here, and remembered."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_workspace_id_at", "workspace_id", "at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    actor: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    target: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)  # allowed | refused | failed
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)


__all__ = [
    "AuditEntry",
    "Incident",
    "IncidentAssignment",
    "IncidentStatus",
    "IncidentTask",
    "TaskStatus",
    "TimelineEntry",
]
