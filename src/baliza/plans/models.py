"""Every crisis plan a workspace has loaded, kept as versions: escalations point at the one they used."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from baliza.core.clock import utcnow
from baliza.storage.base import Base, BigIntPK, JSONType, UTCDateTime


class PlanVersion(Base):
    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("workspace_id", "version"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)  # the YAML as written, comments included
    document: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)  # the validated plan
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    filename: Mapped[str | None] = mapped_column(String(512))
    loaded_by: Mapped[str | None] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Availability(Base):
    """A person marked "unavailable now" by hand (or by a drill), until a moment or until cleared."""

    __tablename__ = "availability"
    __table_args__ = (UniqueConstraint("workspace_id", "person_id", "is_drill"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    person_id: Mapped[str] = mapped_column(String(64), nullable=False)
    is_drill: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    unavailable_from: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    unavailable_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
    set_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


__all__ = ["Availability", "PlanVersion"]
