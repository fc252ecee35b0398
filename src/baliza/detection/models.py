"""Signals: what a detector found on a series, with the evidence to see why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from baliza.core.clock import utcnow
from baliza.storage.base import Base, BigIntPK, JSONType, UTCDateTime


class Signal(Base):
    """One alert-worthy finding: observed vs expected over a window of a series."""

    __tablename__ = "signal"
    __table_args__ = (Index("ix_signal_workspace_id_detected_at", "workspace_id", "detected_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    series: Mapped[str] = mapped_column(String(96), nullable=False)
    detector: Mapped[str] = mapped_column(String(32), nullable=False)
    sensitivity: Mapped[str] = mapped_column(String(16), nullable=False)
    window_start_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    window_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    observed: Mapped[float] = mapped_column(Float, nullable=False)
    expected: Mapped[float] = mapped_column(Float, nullable=False)
    lower: Mapped[float] = mapped_column(Float, nullable=False)
    upper: Mapped[float] = mapped_column(Float, nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    surprise: Mapped[float] = mapped_column(Float, nullable=False)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


__all__ = ["Signal"]
