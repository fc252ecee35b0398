"""The drill player: replays a scenario through the normal ingest path on a drill clock, and drives detection,
analysis, escalation and the calendar on that clock, real time or accelerated (×1 to ×600).

Everything is marked as a drill: the run is recorded, so every alert in the workspace while it runs is a
drill alert (notifications only reach the drill channels unless the scenario allows real ones), and
publishing is always a dry run. The scenario's history (before T0) is loaded at once so the detectors
have a normal day to compare with; from T0 the posts arrive when the drill clock reaches them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from baliza.analysis.runner import AnalysisRunner
from baliza.core.clock import floor_minute, utcnow
from baliza.core.config import Settings
from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.detection.detectors import DetectorConfig, Sensitivity
from baliza.detection.runner import DetectionRunner
from baliza.drills.generator import generate, timeline
from baliza.drills.models import DrillRun
from baliza.drills.scenario import Scenario, plan_path
from baliza.drills.team import AutoTeam
from baliza.ingest.flows import ingest_items
from baliza.plans import flows as plan_flows
from baliza.plans import service as plan_service
from baliza.plans.schema import Plan
from baliza.publishing import flows as calendar_flows
from baliza.publishing.runner import CalendarRunner
from baliza.storage.db import Database
from baliza.triage.escalation import EscalationRunner
from baliza.workspaces import service as workspace_service

MIN_SPEED, MAX_SPEED = 1.0, 600.0
Progress = Callable[[datetime, int, int], Awaitable[None] | None]


class DrillClock:
    """Drill time: starts at ``start`` and runs ``speed`` times faster than the wall clock."""

    def __init__(self, start: datetime, speed: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.start = start
        self.speed = speed
        self._monotonic = monotonic
        self._origin = monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=(self._monotonic() - self._origin) * self.speed)

    def real_seconds_until(self, moment: datetime) -> float:
        """How long to wait on the wall clock until the drill clock reaches ``moment``."""
        return max(0.0, (moment - self()).total_seconds() / self.speed)


@dataclass
class DrillOptions:
    speed: float = 60.0
    seed: int = 7
    team: str = "auto"  # "auto": a simulated team acts; "none": only the scenario plays, people act
    t0: datetime | None = None  # default: so that the drill ends now
    tick: timedelta | None = None  # drill time between two rounds; default from the speed
    sensitivity: Sensitivity = Sensitivity.medium
    # Posts already on the content calendar: (offset from T0, channel, text, promotional, language).
    calendar: list[tuple[timedelta, str, str, bool, str]] = field(default_factory=list)


@dataclass
class DrillOutcome:
    run_id: int
    workspace_id: int
    t0: datetime
    end: datetime
    mentions: int
    team_log: list[tuple[datetime, str]] = field(default_factory=list)


def check_speed(speed: float) -> float:
    """×1 to ×600."""
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValidationError(
            _("--speed must be between 1 and 600, not {value}.").format(value=speed),
            details={"field": "speed", "value": speed},
        )
    return speed


def _at(mention: dict[str, Any]) -> datetime:
    value = mention["created_at"]
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def default_t0(scenario: Scenario, now: datetime) -> datetime:
    """When the drill's T0 is: the scenario's suggested weekday and hour, in the latest week that lets the drill
    end before ``now`` (staffing depends on the day and hour); without a suggestion, so that it ends now."""
    latest = now - scenario.end
    if scenario.suggested_t0 is None:
        return latest
    weeks = (latest - scenario.suggested_t0) // timedelta(weeks=1)
    return scenario.suggested_t0 + timedelta(weeks=weeks)


async def prepare(db: Database, scenario: Scenario) -> tuple[int, Plan]:
    """The scenario's workspace must exist; its plan is loaded (a new version only if it changed)."""
    async with db.session() as session:
        workspace = await workspace_service.get_by_slug_or_raise(db_session=session, slug=scenario.workspace)
    await plan_flows.load_plan_file(db, slug=scenario.workspace, path=plan_path(scenario), loaded_by="drill")
    async with db.session() as session:
        plan = await plan_flows.current_plan(db_session=session, workspace_id=workspace.id)
    assert plan is not None
    return workspace.id, plan


async def play(
    db: Database,
    settings: Settings,
    scenario: Scenario,
    options: DrillOptions,
    *,
    progress: Progress | None = None,
) -> DrillOutcome:
    """Run the whole drill; returns when the drill clock reaches the scenario's end."""
    speed = check_speed(options.speed)
    workspace_id, plan = await prepare(db, scenario)
    now = utcnow()
    t0 = (options.t0 or default_t0(scenario, now)).replace(microsecond=0)
    start, end = t0 + scenario.start, t0 + scenario.end
    mentions = generate(scenario, start=t0, seed=options.seed, run=f"r{int(now.timestamp())}")
    async with db.session() as session:
        run = DrillRun(
            workspace_id=workspace_id, scenario=scenario.id, title=scenario.title.model_dump(), speed=speed,
            seed=options.seed, status="running", sim_start_at=t0,
            allow_real_notifications=scenario.allow_real_notifications,
        )  # fmt: skip
        session.add(run)
        await session.commit()
        run_id = run.id
    if options.calendar:
        async with db.session() as session:
            for offset, channel, text, promotional, lang in options.calendar:
                await calendar_flows.schedule(
                    db_session=session, workspace_id=workspace_id, channel=channel, text=text,
                    scheduled_at=t0 + offset, is_promotional=promotional, lang=lang, actor="drill",
                )  # fmt: skip
            await session.commit()
    history = [m for m in mentions if _at(m) < t0]
    live = [m for m in mentions if _at(m) >= t0]
    for chunk in range(0, len(history), settings.max_batch_items):
        await ingest_items(db, slug=scenario.workspace, items=history[chunk : chunk + settings.max_batch_items],
                           settings=settings, source="drill")  # fmt: skip

    clock = DrillClock(t0, speed)
    detection = DetectionRunner(
        db, config=DetectorConfig(sensitivity=options.sensitivity), warmup=t0 - start, lag=timedelta(0),
        clock=clock, workspace_id=workspace_id,
    )  # fmt: skip
    analysis = AnalysisRunner(db, clock=clock)
    escalation = EscalationRunner(db, settings, clock=clock)
    calendar = CalendarRunner(db, settings, clock=clock)
    team = (
        AutoTeam(db, settings, plan, workspace_id, resolve_at=end - timedelta(minutes=10))
        if options.team == "auto"
        else None
    )
    await analysis.step(t0)
    await detection.step(t0)  # learn the normal day; what it sees while warming is history, not news

    changes = timeline(scenario)
    applied: set[int] = set()
    tick = options.tick or max(timedelta(seconds=15), timedelta(seconds=speed * 0.5))
    moment = t0
    sent = 0
    while moment < end:
        moment = min(moment + tick, end)
        wait = clock.real_seconds_until(moment)
        if wait > 0:
            await asyncio.sleep(wait)
        due = [m for m in live[sent:] if _at(m) < moment]
        for chunk in range(0, len(due), settings.max_batch_items):
            await ingest_items(db, slug=scenario.workspace, items=due[chunk : chunk + settings.max_batch_items],
                               settings=settings, source="drill")  # fmt: skip
        sent += len(due)
        await _availability(db, workspace_id, changes, moment, t0, applied)
        await analysis.step(moment)
        await detection.step(moment)
        await escalation.step(moment)
        await calendar.step(moment)
        if team is not None:
            await team.act(moment)
        if progress is not None:
            result = progress(moment, sent, len(live))
            if result is not None:
                await result
    async with db.session() as session:
        row = await session.get(DrillRun, run_id)
        assert row is not None
        row.status = "finished"
        row.sim_end_at = end
        row.finished_at = utcnow()
        await session.commit()
    return DrillOutcome(run_id, workspace_id, t0, end, len(mentions), team.log_lines if team else [])


async def _availability(
    db: Database, workspace_id: int, changes: list[Any], moment: datetime, t0: datetime, applied: set[int]
) -> None:
    async with db.session() as session:
        for number, entry in enumerate(changes):
            if entry.kind != "availability" or entry.availability is None:
                continue
            at = t0 + entry.at
            if at > moment or number in applied:
                continue
            applied.add(number)
            change = entry.availability
            if change.unavailable:
                reason = change.reason.es if change.reason is not None else None
                await plan_service.set_unavailable(
                    db_session=session, workspace_id=workspace_id, person_id=change.person, since=floor_minute(at),
                    until=None, reason=reason, set_by="drill", is_drill=True,
                )  # fmt: skip
            else:
                await plan_service.clear_unavailable(
                    db_session=session, workspace_id=workspace_id, person_id=change.person, is_drill=True
                )
        await session.commit()


__all__ = ["DrillClock", "DrillOptions", "DrillOutcome", "check_speed", "default_t0", "play", "prepare"]
