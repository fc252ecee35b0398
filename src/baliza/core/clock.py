"""Time in one place, so tests and drills can move it."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Timezone-aware now, in UTC."""
    return datetime.now(UTC)


def floor_minute(moment: datetime) -> datetime:
    """The start of the minute ``moment`` falls in, in UTC."""
    moment = moment.astimezone(UTC)
    return moment.replace(second=0, microsecond=0)


__all__ = ["floor_minute", "utcnow"]
