"""A source is one configured connector of a workspace: its settings, where it got to, and how it is doing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from baliza.core.clock import utcnow
from baliza.storage.base import Base, BigIntPK, JSONType, TimestampMixin, UTCDateTime


class Source(TimestampMixin, Base):
    __tablename__ = "source"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)  # the connector's name: rss, mastodon…
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    # Secret settings, kept apart so they are never returned by the API nor written to logs.
    secrets: Mapped[dict[str, str]] = mapped_column(JSONType, nullable=False, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    cursor: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="new")  # new|ok|degraded|failing
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    lag_seconds: Mapped[float | None] = mapped_column(Float)
    items_total: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    stats: Mapped[dict[str, int]] = mapped_column(JSONType, nullable=False, default=dict)


class WebhookNonce(Base):
    """Signatures already accepted by a webhook source: a replay is refused, even after a restart."""

    __tablename__ = "webhook_nonce"
    __table_args__ = (UniqueConstraint("source_id", "nonce"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"), nullable=False)
    nonce: Mapped[str] = mapped_column(String(128), nullable=False)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


__all__ = ["Source", "WebhookNonce"]
