"""Live detection: one streaming detector per workspace and series, fed minute by minute.

Each :meth:`DetectionRunner.step` looks at every workspace, gives each series the minutes that
have completed since the last step (waiting ``lag`` for late posts), and records a Signal with its
evidence when a detector alerts. A series seen for the first time is warmed up on the stored
history first; alerts found while warming are history, not news, and are not recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core import loops
from baliza.core.clock import floor_minute, utcnow
from baliza.detection import evidence as evidence_lib
from baliza.detection import flows as detection_flows
from baliza.detection import service as signal_service
from baliza.detection.detectors import MAX_SURPRISE, DetectorConfig, Observation, StreamDetector
from baliza.detection.shares import ShareConfig, ShareDetector, ShareObservation
from baliza.detection.terms import EmergingTermDetector, TermAlert, TermConfig
from baliza.ingest import service as ingest_service
from baliza.ingest.models import Author, Mention
from baliza.storage.db import Database
from baliza.triage import flows as triage_flows
from baliza.workspaces import service as workspace_service

log = logging.getLogger(__name__)
MINUTE = timedelta(minutes=1)
TERM_FETCH_LIMIT = 200_000
# A negative post from an author this big is a signal on its own (the demo's food influencer has 250k).
HIGH_REACH_FOLLOWERS = 50_000
VERIFIED_REACH_FOLLOWERS = 10_000  # mentions read at once to warm up or catch up the term detector


@dataclass
class _SeriesState:
    detector: StreamDetector
    next_minute: datetime
    # The recent past, for the evidence of a new signal.
    recent: deque[tuple[datetime, float, Observation]] = field(
        default_factory=lambda: deque(maxlen=detection_flows.CONTEXT_BEFORE + 1)
    )


@dataclass
class _ShareState:
    detector: ShareDetector
    next_minute: datetime
    recent: deque[tuple[datetime, float, float, ShareObservation]] = field(
        default_factory=lambda: deque(maxlen=detection_flows.CONTEXT_BEFORE + 1)
    )


@dataclass
class _TermState:
    detector: EmergingTermDetector
    next_minute: datetime
    # Texts already counted (text hash -> when): a burst of reposts of one post is one voice, not
    # eight, and must not make every word of that post "emerging".
    seen: dict[int, datetime] = field(default_factory=dict)


class DetectionRunner:
    """Feeds the detectors from the rollups and records what they raise."""

    def __init__(
        self,
        db: Database,
        *,
        config: DetectorConfig | None = None,
        warmup: timedelta = detection_flows.DEFAULT_WARMUP,
        lag: timedelta = timedelta(minutes=2),
        clock: Callable[[], datetime] = utcnow,
        dry_run: bool = False,
        workspace_id: int | None = None,
        route: bool = True,
    ) -> None:
        self.db = db
        self._now = clock()
        self.route = route and not dry_run  # hand each new signal to triage (routes, groups, escalation)
        self.dry_run = dry_run  # replay: keep signals in `collected` instead of storing them
        self.workspace_id = workspace_id  # only this workspace (replay)
        self.collected: list[dict[str, Any]] = []
        self.config = config or DetectorConfig()
        self.warmup = warmup
        self.lag = lag
        self.clock = clock
        self.term_config = TermConfig(sensitivity=self.config.sensitivity)
        self._states: dict[tuple[int, str], _SeriesState] = {}
        self._terms: dict[int, _TermState] = {}
        self._loud_authors: dict[tuple[int, str, str], datetime] = {}
        self._shares: dict[int, _ShareState] = {}

    async def _emit(self, session: AsyncSession, workspace_id: int, signal_in: dict[str, Any]) -> int:
        """Record a signal (or, in a dry run, keep it aside); returns its id (its position when dry)."""
        if self.dry_run:
            self.collected.append(signal_in)
            return len(self.collected) - 1
        signal = await signal_service.create(db_session=session, workspace_id=workspace_id, signal_in=signal_in)
        log.info(
            "signal_raised signal_id=%s workspace_id=%s detector=%s series=%s",
            signal.id, workspace_id, signal_in["detector"], signal_in["series"],
        )  # fmt: skip
        if self.route:
            try:
                async with session.begin_nested():
                    await triage_flows.route_signal(
                        db_session=session, workspace_id=workspace_id, signal_id=signal.id, now=self._now
                    )
            except Exception:  # a routing bug must not lose the signal: it stays stored, unrouted, and logged
                log.exception("signal_routing_failed signal_id=%s", signal.id)
        return signal.id

    async def step(self, now: datetime | None = None) -> list[int]:
        """Process every completed minute up to ``now - lag``; returns the ids of new signals."""
        self._now = now or self.clock()
        cutoff = floor_minute(self._now - self.lag)
        created: list[int] = []
        async with self.db.session() as session:
            workspaces = await workspace_service.list_all(db_session=session)
        for workspace in workspaces:
            if self.workspace_id is not None and workspace.id != self.workspace_id:
                continue
            async with self.db.session() as session:
                names = await ingest_service.series_in_range(
                    db_session=session, workspace_id=workspace.id, since=cutoff - self.warmup, until=cutoff
                )
                for name in names:
                    created.extend(await self._advance(session, workspace.id, name, cutoff))
                if "sentiment:negative" in names and "all" in names:
                    created.extend(await self._advance_share(session, workspace.id, cutoff))
                created.extend(await self._advance_terms(session, workspace.id, cutoff))
                await session.commit()
        return created

    async def _advance(self, session: AsyncSession, workspace_id: int, series: str, cutoff: datetime) -> list[int]:
        key = (workspace_id, series)
        state = self._states.get(key)
        fresh = state is None
        if state is None:
            state = _SeriesState(StreamDetector(self.config), cutoff - self.warmup)
            self._states[key] = state
        if state.next_minute >= cutoff:
            return []
        times, values = await detection_flows.load_series(
            db_session=session, workspace_id=workspace_id, series=series, since=state.next_minute, until=cutoff
        )
        created = []
        for at, value in zip(times, values, strict=True):
            obs = state.detector.update(at, value)
            state.recent.append((at, value, obs))
            if obs.alert and not fresh:
                created.append(await self._record(session, workspace_id, series, state))
        state.next_minute = cutoff
        return created

    async def _advance_terms(self, session: AsyncSession, workspace_id: int, cutoff: datetime) -> list[int]:
        state = self._terms.get(workspace_id)
        fresh = state is None
        if state is None:
            state = _TermState(
                EmergingTermDetector(self.term_config), cutoff - timedelta(minutes=self.term_config.history)
            )
            self._terms[workspace_id] = state
        if state.next_minute >= cutoff:
            return []
        rows = await ingest_service.mentions_in_window(
            db_session=session, workspace_id=workspace_id, series="all", since=state.next_minute, until=cutoff,
            limit=TERM_FETCH_LIMIT,
        )  # fmt: skip
        by_minute: dict[datetime, list[list[str]]] = {}
        created: list[int] = []
        loud: list[tuple[Mention, Author]] = []
        horizon = cutoff - timedelta(minutes=self.term_config.history)
        state.seen = {h: t for h, t in state.seen.items() if t >= horizon}
        for mention, author in sorted(rows, key=lambda row: row[0].created_at):
            if mention.text_hash not in state.seen:
                state.seen[mention.text_hash] = mention.created_at
                by_minute.setdefault(floor_minute(mention.created_at), []).append(evidence_lib.tokens(mention.text))
            if not fresh and author is not None and self._is_loud_complaint(workspace_id, mention, author):
                loud.append((mention, author))
        for mention, author in sorted(loud, key=lambda row: row[0].created_at):
            created.append(await self._record_author(session, workspace_id, mention, author))
        at = state.next_minute
        while at < cutoff:
            # Terms that emerge in the same minute are one story told in several words: one signal for all.
            # The newest-sounding term names the signal: most surprising, then most above its usual level.
            alerts = sorted(
                state.detector.update(at, by_minute.get(at, [])),
                key=lambda a: (-a.surprise, -a.count / max(a.expected, 0.01), a.term),
            )
            if alerts and not fresh:
                created.append(await self._record_term(session, workspace_id, alerts[0], alerts[1:]))
            at += MINUTE
        state.next_minute = cutoff
        return created

    async def _advance_share(self, session: AsyncSession, workspace_id: int, cutoff: datetime) -> list[int]:
        state = self._shares.get(workspace_id)
        fresh = state is None
        if state is None:
            state = _ShareState(ShareDetector(ShareConfig(sensitivity=self.config.sensitivity)), cutoff - self.warmup)
            self._shares[workspace_id] = state
        if state.next_minute >= cutoff:
            return []
        times, negatives = await detection_flows.load_series(
            db_session=session, workspace_id=workspace_id, series="sentiment:negative", since=state.next_minute,
            until=cutoff,
        )  # fmt: skip
        _times, totals = await detection_flows.load_series(
            db_session=session, workspace_id=workspace_id, series="all", since=state.next_minute, until=cutoff
        )
        created = []
        for at, part, total in zip(times, negatives, totals, strict=True):
            obs = state.detector.update(at, part, total)
            state.recent.append((at, part, total, obs))
            if obs.alert and not fresh:
                created.append(await self._record_share(session, workspace_id, state))
        state.next_minute = cutoff
        return created

    async def _record_share(self, session: AsyncSession, workspace_id: int, state: _ShareState) -> int:
        at, _part, _total, obs = state.recent[-1]
        since = at - (obs.window - 1) * MINUTE
        negative_rows = await ingest_service.mentions_in_window(
            db_session=session, workspace_id=workspace_id, series="sentiment:negative", since=since,
            until=at + MINUTE,
        )  # fmt: skip
        baseline = await ingest_service.mentions_in_window(
            db_session=session, workspace_id=workspace_id, series="all", since=since - timedelta(hours=24),
            until=since, limit=2000,
        )  # fmt: skip
        evidence = {
            "observed_share": round(obs.observed_share, 4),
            "expected_share": round(obs.expected_share, 4),
            "negative": obs.part,
            "total": obs.total,
            "expected_negative": round(obs.expected_part, 2),
            "p_value": 10 ** (-obs.surprise),
            "window_minutes": obs.window,
            "series": [[t.isoformat(), p, n, round(o.expected_share, 4)] for t, p, n, o in state.recent],
            "top_posts": evidence_lib.top_posts(negative_rows),
            "top_terms": evidence_lib.emerging_terms(
                [m.text for m, _a in negative_rows], [m.text for m, _a in baseline]
            ),
            "top_authors": evidence_lib.top_authors(negative_rows),
        }
        return await self._emit(
            session,
            workspace_id,
            {
                "series": "share:negative",
                "detector": "negative_share",
                "sensitivity": str(self.config.sensitivity),
                "window_start_at": since,
                "detected_at": at,
                "window_minutes": obs.window,
                "observed": obs.part,
                "expected": obs.expected_part,
                "lower": 0.0,
                "upper": obs.expected_part,
                "score": obs.score,
                "surprise": obs.surprise,
                "evidence": evidence,
            },
        )

    def _is_loud_complaint(self, workspace_id: int, mention: Mention, author: Author) -> bool:
        """A negative post by someone many people hear; each author at most once a day."""
        if mention.sentiment != "negative":
            return False
        followers = author.followers or 0
        if followers < HIGH_REACH_FOLLOWERS and not (author.is_verified and followers >= VERIFIED_REACH_FOLLOWERS):
            return False
        key = (workspace_id, author.platform, author.handle)
        last = self._loud_authors.get(key)
        if last is not None and mention.created_at - last < timedelta(hours=24):
            return False
        self._loud_authors[key] = mention.created_at
        return True

    async def _record_author(self, session: AsyncSession, workspace_id: int, mention: Mention, author: Author) -> int:
        at = floor_minute(mention.created_at)
        engagement = mention.likes + mention.reposts + mention.replies + mention.quotes
        evidence = {
            "author": {
                "handle": author.handle,
                "platform": author.platform,
                "display_name": author.display_name,
                "followers": author.followers,
                "verified": author.is_verified,
            },
            "top_posts": evidence_lib.top_posts([(mention, author)]),
            "sentiment": {"label": mention.sentiment, "score": mention.sentiment_score},
            "issue_types": mention.issue_types,
            "cues": mention.analysis.get("sentiment_cues", []),
        }
        reach = float(author.followers or 0)
        return await self._emit(
            session,
            workspace_id,
            {
                "series": f"author:{author.platform}:{author.handle}"[:96],
                "detector": "high_reach_author",
                "sensitivity": str(self.config.sensitivity),
                "window_start_at": at,
                "detected_at": at,
                "window_minutes": 1,
                "observed": reach,
                "expected": 0.0,  # not a rate: one post, judged by who wrote it
                "lower": 0.0,
                "upper": 0.0,
                "score": min(1.0, reach / (10 * HIGH_REACH_FOLLOWERS)) if reach else 0.0,
                "surprise": 0.0,
                "evidence": {**evidence, "engagement": engagement},
            },
        )

    async def _record_term(
        self, session: AsyncSession, workspace_id: int, alert: TermAlert, others: list[TermAlert] | None = None
    ) -> int:
        window = self.term_config.window
        since = alert.at - (window - 1) * MINUTE
        rows = await ingest_service.mentions_in_window(
            db_session=session, workspace_id=workspace_id, series="all", since=since, until=alert.at + MINUTE
        )
        with_term = [(m, a) for m, a in rows if alert.term in evidence_lib.tokens(m.text)]
        baseline = await ingest_service.mentions_in_window(
            db_session=session, workspace_id=workspace_id, series="all", since=since - timedelta(hours=24),
            until=since, limit=2000,
        )  # fmt: skip
        evidence = {
            "term": alert.term,
            "observed": alert.count,
            "expected": round(alert.expected, 3),
            "p_value": 10 ** (-alert.surprise),
            "window_minutes": window,
            "top_posts": evidence_lib.top_posts(with_term),
            "top_terms": evidence_lib.emerging_terms([m.text for m, _a in with_term], [m.text for m, _a in baseline]),
            "top_authors": evidence_lib.top_authors(with_term),
            "mentions_in_window": len(with_term),
            "also_emerging": [
                {"term": o.term, "observed": o.count, "expected": round(o.expected, 3)} for o in (others or [])
            ],
        }
        return await self._emit(
            session,
            workspace_id,
            {
                "series": f"term:{alert.term}"[:96],
                "detector": "emerging_term",
                "sensitivity": str(self.term_config.sensitivity),
                "window_start_at": since,
                "detected_at": alert.at,
                "window_minutes": window,
                "observed": float(alert.count),
                "expected": alert.expected,
                "lower": 0.0,
                "upper": alert.expected,
                "score": min(alert.surprise / MAX_SURPRISE, 1.0),
                "surprise": alert.surprise,
                "evidence": evidence,
            },
        )

    async def _record(self, session: AsyncSession, workspace_id: int, series: str, state: _SeriesState) -> int:
        times = [t for t, _v, _o in state.recent]
        values = [v for _t, v, _o in state.recent]
        observations = [o for _t, _v, o in state.recent]
        index = len(times) - 1
        obs = observations[index]
        finding = detection_flows.Finding(
            series=series,
            detected_at=times[index],
            window_start_at=times[index] - (obs.window - 1) * MINUTE,
            observation=obs,
            evidence=await detection_flows.explain(
                db_session=session,
                workspace_id=workspace_id,
                series=series,
                times=times,
                values=values,
                observations=observations,
                index=index,
            ),
        )
        return await self._emit(session, workspace_id, finding.as_signal(str(self.config.sensitivity)))

    async def run_forever(self, interval: float = 60.0) -> None:
        """Step every ``interval`` seconds until cancelled; a failing step is logged, not fatal."""
        await loops.every(interval, self.step, name="detection_step_failed")


async def replay(
    db: Database,
    *,
    slug: str,
    start: datetime,
    end: datetime,
    config: DetectorConfig | None = None,
    warmup: timedelta = detection_flows.DEFAULT_WARMUP,
) -> list[dict[str, Any]]:
    """Every signal every detector would have raised in [start, end), learning from ``warmup`` before it.

    The same code as the live runner, run twice: once up to ``start`` (learning, nothing kept), once
    to ``end``; nothing is stored.
    """
    async with db.session() as session:
        workspace = await workspace_service.get_by_slug_or_raise(db_session=session, slug=slug)
    runner = DetectionRunner(
        db, config=config, warmup=warmup, lag=timedelta(0), dry_run=True, workspace_id=workspace.id
    )
    await runner.step(now=start)
    runner.collected.clear()
    await runner.step(now=end)
    return sorted(runner.collected, key=lambda s: (s["detected_at"], s["detector"], s["series"]))


def running(runner: DetectionRunner, interval: float) -> contextlib.AbstractAsyncContextManager[asyncio.Task[None]]:
    """Run ``runner`` in the background for the duration of an ``async with`` block."""
    return loops.background(runner.run_forever(interval))


__all__ = ["DetectionRunner", "replay", "running"]
