"""What people taught the analysis (corrections and the per-workspace model built from them) and how far
the background analysis has read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from baliza.core.clock import utcnow
from baliza.storage.base import Base, BigIntPK, JSONType, UTCDateTime


class Correction(Base):
    """A person's fix of a mention's sentiment or issue types."""

    __tablename__ = "correction"
    __table_args__ = (Index("ix_correction_workspace_id_created_at", "workspace_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mention.id", ondelete="CASCADE"), nullable=False)
    field: Mapped[str] = mapped_column(String(32), nullable=False)  # sentiment | issue_types
    value: Mapped[Any] = mapped_column(JSONType, nullable=False)
    previous: Mapped[Any] = mapped_column(JSONType, nullable=True)
    corrected_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class WorkspaceClassifier(Base):
    """The workspace's own classifier, learnt from its corrections (serialised)."""

    __tablename__ = "workspace_classifier"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    corrections: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class AnalysisProgress(Base):
    """The last mention id the background analysis (stories, authors, deep path) has read, per workspace."""

    __tablename__ = "analysis_progress"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True)
    last_mention_id: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


__all__ = ["AnalysisProgress", "Correction", "WorkspaceClassifier"]
