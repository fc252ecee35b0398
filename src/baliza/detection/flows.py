"""Detection helpers over stored rollups: load a series, explain a signal (the runner drives them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.clock import floor_minute
from baliza.detection import evidence as evidence_lib
from baliza.detection.detectors import Observation
from baliza.ingest import service as ingest_service

MINUTE = timedelta(minutes=1)
DEFAULT_WARMUP = timedelta(days=7)
CONTEXT_BEFORE = 120  # minutes of series shown before a signal
CONTEXT_AFTER = 30


@dataclass
class Finding:
    """A signal a detector would raise: where, how strong, and why."""

    series: str
    detected_at: datetime
    window_start_at: datetime
    observation: Observation
    evidence: dict[str, Any]

    def as_signal(self, sensitivity: str) -> dict[str, Any]:
        obs = self.observation
        return {
            "series": self.series,
            "detector": "volume",
            "sensitivity": sensitivity,
            "window_start_at": self.window_start_at,
            "detected_at": self.detected_at,
            "window_minutes": obs.window,
            "observed": obs.observed_window,
            "expected": obs.expected_window,
            "lower": obs.lower,
            "upper": obs.upper,
            "score": obs.score,
            "surprise": obs.surprise,
            "evidence": self.evidence,
        }


async def load_series(
    *, db_session: AsyncSession, workspace_id: int, series: str, since: datetime, until: datetime
) -> tuple[list[datetime], list[float]]:
    """Counts per minute over [since, until), minutes without mentions filled with zeros."""
    rows = await ingest_service.get_rollups(
        db_session=db_session, workspace_id=workspace_id, series=[series], since=since, until=until
    )
    by_minute = {r.minute_at: r.count for r in rows}
    times, values = [], []
    at = floor_minute(since)
    while at < until:
        times.append(at)
        values.append(float(by_minute.get(at, 0)))
        at += MINUTE
    return times, values


async def explain(
    *,
    db_session: AsyncSession,
    workspace_id: int,
    series: str,
    times: Sequence[datetime],
    values: Sequence[float],
    observations: Sequence[Observation],
    index: int,
) -> dict[str, Any]:
    """Everything a person needs to say "I see why": the curve, the posts, the terms, the authors."""
    obs = observations[index]
    at = times[index]
    window_start = at - (obs.window - 1) * MINUTE
    lo, hi = max(0, index - CONTEXT_BEFORE), min(len(times), index + CONTEXT_AFTER + 1)
    window_rows = await ingest_service.mentions_in_window(
        db_session=db_session, workspace_id=workspace_id, series=series, since=window_start, until=at + MINUTE
    )
    baseline_rows = await ingest_service.mentions_in_window(
        db_session=db_session,
        workspace_id=workspace_id,
        series=series,
        since=window_start - timedelta(hours=24),
        until=window_start,
        limit=2000,
    )
    return {
        "observed": obs.observed_window,
        "expected": round(obs.expected_window, 3),
        "interval": [round(obs.lower, 3), round(obs.upper, 3)],
        "p_value": 10 ** (-obs.surprise),
        "score": round(obs.score, 4),
        "window_minutes": obs.window,
        "ratio": round(obs.observed_window / obs.expected_window, 2) if obs.expected_window > 0 else None,
        "series": evidence_lib.series_points(
            times[lo:hi],
            values[lo:hi],
            [o.expected for o in observations[lo:hi]],
            [o.lower for o in observations[lo:hi]],
            [o.upper for o in observations[lo:hi]],
        ),
        "top_posts": evidence_lib.top_posts(window_rows),
        "top_terms": evidence_lib.emerging_terms(
            [m.text for m, _a in window_rows], [m.text for m, _a in baseline_rows]
        ),
        "top_authors": evidence_lib.top_authors(window_rows),
        "mentions_in_window": len(window_rows),
    }


__all__ = ["CONTEXT_BEFORE", "DEFAULT_WARMUP", "Finding", "explain", "load_series"]
