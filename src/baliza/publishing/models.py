"""The content calendar (scheduled posts, held during a crisis freeze) and what was published."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from baliza.core.clock import utcnow
from baliza.storage.base import Base, BigIntPK, JSONType, UTCDateTime


class PostStatus(StrEnum):
    scheduled = "scheduled"
    held = "held"  # frozen by an incident: kept, never dropped, waiting for a review
    published = "published"
    cancelled = "cancelled"
    failed = "failed"


class ScheduledPost(Base):
    __tablename__ = "scheduled_post"
    __table_args__ = (Index("ix_scheduled_post_workspace_id_scheduled_at", "workspace_id", "scheduled_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    channel: Mapped[str] = mapped_column(String(64), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    lang: Mapped[str | None] = mapped_column(String(8))
    is_promotional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PostStatus.scheduled)
    held_by_incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"))
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    publication: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Channel(Base):
    """Where the desk publishes for a workspace: a configured publisher (Mastodon, Bluesky…), dry run unless live."""

    __tablename__ = "channel"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)  # what responses and posts name as channel
    kind: Mapped[str] = mapped_column(String(64), nullable=False)  # the publisher: mastodon, bluesky…
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    secrets: Mapped[dict[str, str]] = mapped_column(JSONType, nullable=False, default=dict)
    # Off by default: every publication is a dry run that records the exact request it would send.
    live: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


__all__ = ["Channel", "PostStatus", "ScheduledPost"]
