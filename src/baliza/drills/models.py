"""Drill runs: which scenario, at what speed, how it went and its score."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from baliza.core.clock import utcnow
from baliza.storage.base import Base, BigIntPK, JSONType, UTCDateTime


class DrillRun(Base):
    __tablename__ = "drill_run"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    scenario: Mapped[str] = mapped_column(String(120), nullable=False)
    title: Mapped[dict[str, str]] = mapped_column(JSONType, nullable=False, default=dict)
    speed: Mapped[float] = mapped_column(Float, nullable=False, default=1.0)
    seed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="running")  # running|finished|failed
    sim_start_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    sim_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The scenario lets drill pages reach people's real contacts (otherwise only the drill channels).
    allow_real_notifications: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"))
    score: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


__all__ = ["DrillRun"]
