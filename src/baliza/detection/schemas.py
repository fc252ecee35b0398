"""Signals on the way out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class SignalRead(BaseModel):
    """A detector's finding with the evidence behind it (curve, top posts, terms, authors)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    series: str
    detector: str
    sensitivity: str
    window_start_at: datetime
    detected_at: datetime
    window_minutes: int
    observed: float
    expected: float
    lower: float
    upper: float
    score: float
    surprise: float
    evidence: dict[str, Any]
    created_at: datetime


__all__ = ["SignalRead"]
