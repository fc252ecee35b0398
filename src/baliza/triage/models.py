"""Alerts (grouped signals routed to people), their escalations and every page sent.

An AlertGroup is the unit people see and acknowledge: the signals that share a route and a group key.
Its Escalation holds a *snapshot* of the chain taken when it started, the step it is on and when the
next step is due, so a restart picks up exactly where it stopped. Each Page is written before anyone
is contacted, under a unique key, so a step that runs twice never pages the same person twice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from baliza.core.clock import utcnow
from baliza.storage.base import Base, BigIntPK, JSONType, UTCDateTime


class AlertStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"


class EscalationStatus(StrEnum):
    pending = "pending"  # waiting for group_wait before the first step
    running = "running"
    acknowledged = "acknowledged"
    exhausted = "exhausted"  # every step done, nobody acknowledged
    cancelled = "cancelled"


class PageStatus(StrEnum):
    sending = "sending"
    sent = "sent"
    failed = "failed"
    skipped = "skipped"  # unavailable person, or a drill keeping real channels quiet
    unknown = "unknown"  # the process stopped between recording and confirming delivery


class AlertGroup(Base):
    __tablename__ = "alert_group"
    __table_args__ = (
        # One open group per key: the second writer gets an IntegrityError and joins the first.
        Index(
            "uq_alert_group_open_key",
            "workspace_id",
            "group_key",
            unique=True,
            sqlite_where=text("status != 'resolved'"),
            postgresql_where=text("status != 'resolved'"),
        ),
        Index("ix_alert_group_workspace_id_last_signal_at", "workspace_id", "last_signal_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    group_key: Mapped[str] = mapped_column(String(512), nullable=False)
    route_path: Mapped[str] = mapped_column(String(256), nullable=False)
    receiver: Mapped[str] = mapped_column(String(128), nullable=False)
    labels: Mapped[dict[str, str]] = mapped_column(JSONType, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=AlertStatus.open)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    proposed_severity: Mapped[str] = mapped_column(String(16), nullable=False)
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    triage: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    severity_override_reason: Mapped[str | None] = mapped_column(Text)
    severity_override_by: Mapped[str | None] = mapped_column(String(200))
    is_drill: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    signal_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    plan_version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id", ondelete="SET NULL"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"))
    first_signal_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_signal_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # group_interval: when the people already paged get an update about new signals (None: nothing pending).
    update_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    last_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class AlertGroupSignal(Base):
    __tablename__ = "alert_group_signal"

    alert_group_id: Mapped[int] = mapped_column(ForeignKey("alert_group.id", ondelete="CASCADE"), primary_key=True)
    signal_id: Mapped[int] = mapped_column(ForeignKey("signal.id", ondelete="CASCADE"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Escalation(Base):
    __tablename__ = "escalation"
    __table_args__ = (Index("ix_escalation_status_next_run_at", "status", "next_run_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    alert_group_id: Mapped[int] = mapped_column(
        ForeignKey("alert_group.id", ondelete="CASCADE"), nullable=False, index=True
    )
    chain: Mapped[str] = mapped_column(String(128), nullable=False)
    # The chain and the people it can reach as they were when it started; plan edits don't touch it.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=EscalationStatus.pending)
    step_index: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    repeat_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped at every step: a runner that read an older value lost the race and does nothing.
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    is_drill: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))


class Page(Base):
    """One person contacted (or deliberately not) at one step of one escalation."""

    __tablename__ = "page"
    __table_args__ = (UniqueConstraint("escalation_id", "step_index", "round", "person_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalation.id", ondelete="CASCADE"), nullable=False)
    step_index: Mapped[int] = mapped_column(Integer, nullable=False)
    round: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    person_id: Mapped[str] = mapped_column(String(64), nullable=False)
    person_name: Mapped[str] = mapped_column(String(200), nullable=False)
    lang: Mapped[str] = mapped_column(String(8), nullable=False, default="en")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PageStatus.sending)
    reason: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(512))  # the one that worked, secrets masked
    attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    ack_nonce: Mapped[str | None] = mapped_column(String(64), unique=True)
    ack_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


__all__ = [
    "AlertGroup",
    "AlertGroupSignal",
    "AlertStatus",
    "Escalation",
    "EscalationStatus",
    "Page",
    "PageStatus",
]
