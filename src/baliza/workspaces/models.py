"""Workspaces (one monitored organisation or brand) and what they listen for."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from baliza.storage.base import Base, JSONType, TimestampMixin


class RuleKind(StrEnum):
    brand = "brand"
    competitor = "competitor"
    industry = "industry"


class Workspace(TimestampMixin, Base):
    __tablename__ = "workspace"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    languages: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="UTC")
    competitors: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)


class WatchRule(TimestampMixin, Base):
    __tablename__ = "watch_rule"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default=RuleKind.brand)
    competitor: Mapped[str | None] = mapped_column(String(200))
    brand_names: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    handles: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    hashtags: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    query: Mapped[str | None] = mapped_column(Text)
    exclusions: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    is_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    def terms(self) -> dict[str, Any]:
        return {
            "brand_names": self.brand_names,
            "handles": self.handles,
            "hashtags": self.hashtags,
            "keywords": self.keywords,
        }


__all__ = ["RuleKind", "WatchRule", "Workspace"]
