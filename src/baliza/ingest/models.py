"""What was heard: authors, mentions and the per-minute rollups detection reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from baliza.core.clock import utcnow
from baliza.storage.base import Base, BigIntPK, JSONType, UTCDateTime


class Author(Base):
    __tablename__ = "author"
    __table_args__ = (UniqueConstraint("workspace_id", "platform", "handle"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    platform: Mapped[str] = mapped_column(String(32), nullable=False)
    handle: Mapped[str] = mapped_column(String(256), nullable=False)
    display_name: Mapped[str | None] = mapped_column(String(256))
    followers: Mapped[int | None] = mapped_column(BigInteger)
    is_verified: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    url: Mapped[str | None] = mapped_column(String(2048))
    bio: Mapped[str | None] = mapped_column(Text)
    following: Mapped[int | None] = mapped_column(BigInteger)
    account_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who this author is for us (reach tier, journalist, influencer, employee, likely bot…) and why.
    profile: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict, server_default="{}")
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Mention(Base):
    __tablename__ = "mention"
    __table_args__ = (
        UniqueConstraint("workspace_id", "platform", "external_id"),
        Index("ix_mention_workspace_id_created_at", "workspace_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    platform: Mapped[str] = mapped_column(String(32), nullable=False)
    external_id: Mapped[str] = mapped_column(String(256), nullable=False)
    url: Mapped[str | None] = mapped_column(String(2048))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("author.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    text_hash: Mapped[int] = mapped_column(BigInteger, nullable=False)
    lang: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    likes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reposts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    replies: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    quotes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    views: Mapped[int | None] = mapped_column(BigInteger)
    reply_to: Mapped[str | None] = mapped_column(String(256))
    quote_of: Mapped[str | None] = mapped_column(String(256))
    repost_of: Mapped[str | None] = mapped_column(String(256))
    urls: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    rule_ids: Mapped[list[int]] = mapped_column(JSONType, nullable=False, default=list)
    # Fast-path analysis (None when analysis was off at ingest time).
    sentiment: Mapped[str | None] = mapped_column(String(8))
    sentiment_score: Mapped[float | None] = mapped_column(Float)
    issue_types: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list, server_default="[]")
    analysis: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict, server_default="{}")
    story_id: Mapped[int | None] = mapped_column(ForeignKey("story.id", ondelete="SET NULL"), index=True)
    source: Mapped[str] = mapped_column(String(64), nullable=False, default="api")
    raw: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)


class Story(Base):
    """A cluster of mentions about the same thing: reposts, near-duplicates, the same link or claim."""

    __tablename__ = "story"
    __table_args__ = (Index("ix_story_workspace_id_last_seen_at", "workspace_id", "last_seen_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    distinct_authors: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    platforms: Mapped[dict[str, int]] = mapped_column(JSONType, nullable=False, default=dict)
    total_reach: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    max_reach: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    representative_mention_id: Mapped[int | None] = mapped_column(BigInteger)
    representative_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    growth: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class MentionRollup(Base):
    """Counts per workspace, per series (``all``, ``platform:x``, ``lang:es``, ``rule:3``...), per minute."""

    __tablename__ = "mention_rollup"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True)
    series: Mapped[str] = mapped_column(String(96), primary_key=True)
    minute_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reach: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    engagement: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


__all__ = ["Author", "Mention", "MentionRollup", "Story"]
