"""Scheduled posts on the way in and out of the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PostCreate(BaseModel):
    channel: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=20_000)
    scheduled_at: datetime
    is_promotional: bool = True
    lang: str | None = None


class PostReview(BaseModel):
    note: str | None = Field(None, max_length=2000)


class PostRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    text: str
    lang: str | None
    is_promotional: bool
    scheduled_at: datetime
    status: str
    held_by_incident_id: int | None
    held_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    published_at: datetime | None
    publication: dict[str, Any]


class CalendarRead(BaseModel):
    freeze: dict[str, Any] | None = Field(None, description="The freeze in force: incident number, title and scope")
    posts: list[PostRead]


__all__ = ["CalendarRead", "PostCreate", "PostRead", "PostReview"]
