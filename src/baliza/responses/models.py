"""The response desk: what we say (replies and statements), who approved it, and the inbox of mentions to answer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from baliza.core.clock import utcnow
from baliza.storage.base import Base, BigIntPK, JSONType, UTCDateTime


class ResponseKind(StrEnum):
    reply = "reply"  # an answer to one mention
    holding_statement = "holding_statement"
    statement = "statement"
    stakeholder_update = "stakeholder_update"  # internal, not published


class ResponseStatus(StrEnum):
    draft = "draft"
    pending_approval = "pending_approval"
    approved = "approved"
    published = "published"
    rejected = "rejected"


class Response(Base):
    __tablename__ = "response"
    __table_args__ = (Index("ix_response_workspace_id_created_at", "workspace_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"), index=True)
    mention_id: Mapped[int | None] = mapped_column(ForeignKey("mention.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(24), nullable=False, default=ResponseKind.reply)
    channel: Mapped[str | None] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(24), nullable=False, default=ResponseStatus.draft)
    tone: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    required_roles: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    template: Mapped[str | None] = mapped_column(String(128))
    is_drill: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    publication: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)


class Approval(Base):
    __tablename__ = "approval"
    __table_args__ = (UniqueConstraint("response_id", "role"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), nullable=False)
    role: Mapped[str] = mapped_column(String(64), nullable=False)
    approved_by: Mapped[str] = mapped_column(String(200), nullable=False)
    decision: Mapped[str] = mapped_column(String(16), nullable=False)  # approved | rejected
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class InboxStatus(StrEnum):
    open = "open"
    assigned = "assigned"
    replied = "replied"
    handled = "handled"  # no public answer needed


class InboxItem(Base):
    """The desk's state for one mention that needs an answer (the mention itself stays as it was heard)."""

    __tablename__ = "inbox_item"
    __table_args__ = (
        UniqueConstraint("mention_id"),
        Index("ix_inbox_item_workspace_id_status", "workspace_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mention.id", ondelete="CASCADE"), nullable=False)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=InboxStatus.open)
    assignee: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


__all__ = [
    "Approval",
    "InboxItem",
    "InboxStatus",
    "Response",
    "ResponseKind",
    "ResponseStatus",
]
