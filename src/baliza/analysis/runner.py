"""Background analysis of stored mentions: stories, author profiles, the workspace's own classifier, the deep
path, and the story detectors (a story growing faster than expected; a story spreading across platforms).

Ingest stays fast: it labels each mention on the fast path and counts it. This runner then reads new
mentions in id order (its position is stored per workspace, so a restart goes on where it stopped),
and for each batch:

1. applies the workspace classifier learnt from corrections (when it is confident), moving the
   mention between the per-minute series it is counted in;
2. profiles the authors (reach tier, journalist, influencer, employee from the plan's handles, likely
   automated, first-time or repeat complainer) and keeps the profile on the author;
3. files each mention into a story (same text, near-duplicate, same link, or, with the deep path on,
   the same claim in other words: embedding similarity) and keeps story stats;
4. raises ``story_growth`` and ``cross_platform`` signals, which go to triage like any other;
5. queues negative or far-reaching mentions for the deep path, whose label replaces the fast one
   when it disagrees (unless a person corrected it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.analysis import adapt
from baliza.analysis import feedback as feedback_flows
from baliza.analysis.authors import AuthorFacts, AuthorHistory, profile_author
from baliza.analysis.embeddings import text_key
from baliza.analysis.models import AnalysisProgress, WorkspaceClassifier
from baliza.analysis.stories import (
    MIN_SEMANTIC_TOKENS,
    STATE_VERSION,
    StoryConfig,
    StoryIndex,
    StoryItem,
    StoryStats,
    story_tokens,
)
from baliza.core import loops
from baliza.core.clock import floor_minute, utcnow
from baliza.core.errors import BalizaError
from baliza.detection import evidence as evidence_lib
from baliza.detection import service as signal_service
from baliza.ingest import service as ingest_service
from baliza.ingest.models import Author, Mention, Story
from baliza.plans import flows as plan_flows
from baliza.storage.db import Database
from baliza.triage import flows as triage_flows
from baliza.workspaces import service as workspace_service

log = logging.getLogger(__name__)

BATCH = 2000
# A story is "growing fast" when it has at least this many posts in the last growth window…
GROWTH_MIN_POSTS = 15
# …posts per hour at least this many times the window before (or the previous window was empty)…
GROWTH_MIN_RATIO = 3.0
# …and enough of it is negative: a crisis tool warns about complaints spreading, not about praise.
MIN_NEGATIVE_SHARE = 0.4
STORY_SIGNAL_COOLDOWN = timedelta(hours=2)
# Per workspace, at most one signal of each story detector in this time: the fastest story speaks for the rest.
WORKSPACE_STORY_COOLDOWN = timedelta(minutes=15)
# A story "crosses platforms" when it is this big, still active in the window, and mostly negative.
CROSS_PLATFORM_MIN_SIZE = 10
CROSS_PLATFORM_MIN_ACTIVE = 5
# With the deep path on, stories also join posts by meaning. Texts the deep path has already embedded
# cost nothing; at most this many new texts per batch are embedded here (the most far-reaching first,
# in a worker thread). The deep path finds them in the shared cache, so no text is embedded twice. The
# rest of a very large batch is filed by text and links only, as without the deep path.
STORY_EMBED_BUDGET = 32
# The deep path's queue lives in memory. After a restart the runner queues again the mentions of this
# last stretch that it had already passed to the deep path but that never got a deep label (newest first,
# at most DEEP_RECOVERY_LIMIT per workspace); older ones keep their fast-path label.
DEEP_RECOVERY_WINDOW = timedelta(hours=6)
DEEP_RECOVERY_LIMIT = 10_000


@dataclass
class _Workspace:
    index: StoryIndex
    model: adapt.WorkspaceModel
    model_version: datetime | None
    employees: set[str]
    brands: list[str]
    competitors: set[str]
    next_story_id: int
    growth_signalled: dict[int, datetime] = field(default_factory=dict)
    platforms_signalled: dict[int, int] = field(default_factory=dict)
    # story id -> [mentions, negative mentions] seen by this runner
    tone: dict[int, list[int]] = field(default_factory=dict)
    last_signal: dict[str, datetime] = field(default_factory=dict)  # detector -> when the workspace last had one


class AnalysisRunner:
    """``step()`` once, or ``run_forever()`` in the server; ``deep`` is an optional deep-path worker."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], datetime] = utcnow,
        deep: Any | None = None,
        route: bool = True,
    ) -> None:
        self.db = db
        self.clock = clock
        self.deep = deep
        self.route = route
        self._workspaces: dict[int, _Workspace] = {}
        self._deep_recovered: set[int] = set()

    async def _state(self, session: AsyncSession, workspace_id: int) -> _Workspace:
        state = self._workspaces.get(workspace_id)
        plan = await plan_flows.current_plan(db_session=session, workspace_id=workspace_id)
        classifier = await session.get(WorkspaceClassifier, workspace_id)
        if state is None:
            top = (await session.execute(select(func.coalesce(func.max(Story.id), 0)))).scalar_one()
            rules = await workspace_service.list_rules(db_session=session, workspace_id=workspace_id)
            state = _Workspace(
                index=StoryIndex(),  # replaced below, once the id factory can see the state
                model=adapt.WorkspaceModel(),
                model_version=None,
                employees=set(),
                brands=[n for r in rules if r.kind == "brand" for n in (r.brand_names or [])],
                competitors={h.lstrip("@").lower() for r in rules if r.kind == "competitor" for h in (r.handles or [])},
                next_story_id=int(top) + 1,
            )
            state.index = await self._restore(session, workspace_id, state)
            self._workspaces[workspace_id] = state
        state.employees = plan.employee_handles() if plan is not None else set()
        if classifier is not None and classifier.updated_at != state.model_version:
            state.model = await feedback_flows.load_model(db_session=session, workspace_id=workspace_id)
            state.model_version = classifier.updated_at
        return state

    async def step(self, now: datetime | None = None) -> int:
        """Analyse every mention stored since the last step; returns how many were read."""
        now = now or self.clock()
        async with self.db.session() as session:
            workspaces = await workspace_service.list_all(db_session=session)
        total = 0
        for workspace in workspaces:
            if self.deep is not None and workspace.id not in self._deep_recovered:
                await self._recover_deep(workspace.id, now)
            while True:
                async with self.db.session() as session:
                    done = await self._batch(session, workspace.id, now)
                    await session.commit()
                total += done
                if done < BATCH:
                    break
        return total

    async def _recover_deep(self, workspace_id: int, now: datetime) -> int:
        """Queue again for the deep path what a stopped process left unlabelled; returns how many."""
        self._deep_recovered.add(workspace_id)
        deep = self.deep
        if deep is None:
            return 0
        async with self.db.session() as session:
            progress = await session.get(AnalysisProgress, workspace_id)
            if progress is None or not progress.last_mention_id:
                return 0
            query = (
                select(Mention, Author)
                .outerjoin(Author, Author.id == Mention.author_id)
                .where(
                    Mention.workspace_id == workspace_id,
                    Mention.id <= progress.last_mention_id,
                    Mention.created_at >= now - DEEP_RECOVERY_WINDOW,
                )
                .order_by(Mention.id.desc())
                .limit(3 * DEEP_RECOVERY_LIMIT)
            )
            count = 0
            for mention, author in (await session.execute(query)).all():
                if "deep" in (mention.analysis or {}):
                    continue
                deep.submit(mention, author)
                count += 1
                if count >= DEEP_RECOVERY_LIMIT:
                    break
        if count:
            log.info("deep_path_requeued workspace_id=%s mentions=%s", workspace_id, count)
        return count

    async def _batch(self, session: AsyncSession, workspace_id: int, now: datetime) -> int:
        progress = await session.get(AnalysisProgress, workspace_id)
        if progress is None:
            progress = AnalysisProgress(workspace_id=workspace_id, last_mention_id=0)
            session.add(progress)
        query = (
            select(Mention, Author)
            .outerjoin(Author, Author.id == Mention.author_id)
            .where(Mention.workspace_id == workspace_id, Mention.id > progress.last_mention_id)
            .order_by(Mention.id)
            .limit(BATCH)
        )
        rows = list((await session.execute(query)).all())
        if not rows:
            return 0
        state = await self._state(session, workspace_id)
        await self._adapt(session, workspace_id, state, rows)
        await self._profile(session, workspace_id, state, rows, now)
        vectors = await self._embeddings(rows)
        touched = self._assign(state, rows, vectors)
        await self._store_stories(session, workspace_id, state, rows, touched, now)
        if self.deep is not None:
            for mention, author in rows:
                self.deep.submit(mention, author)
        progress.last_mention_id = rows[-1][0].id
        progress.updated_at = now
        return len(rows)

    async def _adapt(self, session: AsyncSession, workspace_id: int, state: _Workspace, rows: list[Any]) -> None:
        if not any(state.model.examples.values()):
            return
        buckets: dict[tuple[str, datetime], list[int]] = {}
        for mention, author in rows:
            if (mention.analysis or {}).get("corrected"):
                continue
            base = {"sentiment": mention.sentiment, "issue_types": list(mention.issue_types or [])}
            override = state.model.predict(mention.text, mention.lang, base)
            if override is None:
                continue
            reach = (author.followers or 0) if author else 0
            engagement = mention.likes + mention.reposts + mention.replies + mention.quotes
            minute = floor_minute(mention.created_at)
            analysis = {**(mention.analysis or {}), "base": base, "adapted": override.as_dict()}
            for fix in (override.sentiment, override.issue_types):
                if fix is None:
                    continue
                old = mention.sentiment if fix.field == "sentiment" else mention.issue_types
                new = fix.value if isinstance(fix.value, str) else list(fix.value)
                before = {f"sentiment:{old}"} if fix.field == "sentiment" and old else set()
                after = {f"sentiment:{new}"} if fix.field == "sentiment" else set()
                if fix.field == "issue_types":
                    before, after = {f"issue:{v}" for v in old or []}, {f"issue:{v}" for v in new}
                for name in before - after:
                    bucket = buckets.setdefault((name, minute), [0, 0, 0])
                    bucket[0] -= 1
                    bucket[1] -= reach
                    bucket[2] -= engagement
                for name in after - before:
                    bucket = buckets.setdefault((name, minute), [0, 0, 0])
                    bucket[0] += 1
                    bucket[1] += reach
                    bucket[2] += engagement
                if fix.field == "sentiment":
                    mention.sentiment = str(new)
                else:
                    mention.issue_types = list(new)
            mention.analysis = analysis
        await ingest_service.add_to_rollups(db_session=session, workspace_id=workspace_id, buckets=buckets)

    async def _profile(
        self, session: AsyncSession, workspace_id: int, state: _Workspace, rows: list[Any], now: datetime
    ) -> None:
        authors = {a.id: a for _m, a in rows if a is not None}
        if not authors:
            return
        first_id = rows[0][0].id
        history_query = (
            select(Mention.author_id, func.count(), func.count().filter(Mention.sentiment == "negative"))
            .where(Mention.workspace_id == workspace_id, Mention.author_id.in_(list(authors)), Mention.id < first_id)
            .group_by(Mention.author_id)
        )
        history = {a: (int(n), int(neg)) for a, n, neg in (await session.execute(history_query)).all()}
        recent: dict[int, list[Mention]] = {}
        for mention, author in rows:
            if author is not None:
                recent.setdefault(author.id, []).append(mention)
        for author_id, author in authors.items():
            posts = recent.get(author_id, [])
            before_n, before_neg = history.get(author_id, (0, 0))
            facts = AuthorFacts(
                handle=author.handle,
                platform=author.platform,
                display_name=author.display_name,
                bio=author.bio,
                followers=author.followers,
                following=author.following,
                verified=author.is_verified,
                account_created_at=author.account_created_at,
                recent_post_times=[m.created_at for m in posts],
                recent_texts=[m.text for m in posts],
                avg_engagement=(sum(m.likes + m.reposts + m.replies for m in posts) / len(posts) if posts else None),
            )
            profile = profile_author(
                facts,
                history=AuthorHistory(previous_mentions=before_n, previous_negative_mentions=before_neg),
                employees=state.employees,
                competitors=state.competitors,
                brands=state.brands,
                now=now,
            )
            author.profile = profile.as_dict()

    async def _embeddings(self, rows: list[Any]) -> dict[int, Any]:
        """mention id -> embedding, for the story index: cached ones, plus up to ``STORY_EMBED_BUDGET`` new."""
        embedder = getattr(self.deep, "embedder", None)
        if embedder is None:
            return {}
        vectors: dict[int, Any] = {}
        wanted: dict[str, list[int]] = {}
        reach: dict[str, int] = {}
        for mention, author in rows:
            if len(story_tokens(mention.text)) < MIN_SEMANTIC_TOKENS:
                continue
            key = text_key(mention.text)
            cached = embedder.get(key)
            if cached is not None:
                vectors[mention.id] = cached
                continue
            wanted.setdefault(key, []).append(mention.id)
            reach[key] = max(reach.get(key, 0), (author.followers or 0) if author else 0)
        if not wanted:
            return vectors
        texts = {mention.id: mention.text for mention, _author in rows}
        chosen = sorted(wanted, key=lambda k: -reach[k])[:STORY_EMBED_BUDGET]
        try:
            embedded = await asyncio.to_thread(embedder.embed_keyed, chosen, [texts[wanted[k][0]] for k in chosen])
        except Exception:  # the model failing must not stop stories by text and links
            log.exception("story_embeddings_failed")
            return vectors
        for key, vector in zip(chosen, embedded, strict=True):
            for mention_id in wanted[key]:
                vectors[mention_id] = vector
        return vectors

    def _assign(self, state: _Workspace, rows: list[Any], vectors: dict[int, Any] | None = None) -> dict[int, int]:
        """mention id -> story id (set on the rows once the story rows exist)."""
        touched: dict[int, int] = {}
        vectors = vectors or {}
        for mention, author in rows:
            item = StoryItem(
                mention_id=mention.id,
                text=mention.text,
                created_at=mention.created_at,
                platform=mention.platform,
                urls=list(mention.urls or []),
                reach=(author.followers or 0) if author else 0,
                author=author.handle if author else None,
                embedding=vectors.get(mention.id),
            )
            story_id = state.index.assign(item).story_id
            touched[mention.id] = story_id
            counts = state.tone.setdefault(story_id, [0, 0])
            counts[0] += 1
            counts[1] += mention.sentiment == "negative"
        return touched

    async def _restore(self, session: AsyncSession, workspace_id: int, state: _Workspace) -> StoryIndex:
        """The open stories as they were stored, so a restart files new posts into the same stories."""
        factory = self._story_id_factory(state)
        since = self.clock() - StoryConfig().horizon
        rows = (
            await session.execute(
                select(Story).where(Story.workspace_id == workspace_id, Story.last_seen_at >= since).order_by(Story.id)
            )
        ).scalars()
        stored = [s for s in rows if isinstance(s.stats, dict) and s.stats.get("index")]
        stories = [s.stats["index"] for s in stored]
        for story in stored:  # what was already signalled stays signalled across a restart
            marks = story.stats.get("signals") or {}
            if marks.get("story_growth"):
                state.growth_signalled[story.id] = datetime.fromisoformat(marks["story_growth"])
            if marks.get("platforms"):
                state.platforms_signalled[story.id] = int(marks["platforms"])
        if not stories:
            return StoryIndex(id_factory=factory)
        try:
            return StoryIndex.restore({"version": STATE_VERSION, "stories": stories}, id_factory=factory)
        except BalizaError:
            log.warning("story_restore_failed workspace_id=%s", workspace_id)
            return StoryIndex(id_factory=factory)

    def _story_id_factory(self, state: _Workspace) -> Callable[[StoryItem], int]:
        def make(_item: StoryItem) -> int:
            value = state.next_story_id
            state.next_story_id += 1
            return value

        return make

    async def _store_stories(
        self,
        session: AsyncSession,
        workspace_id: int,
        state: _Workspace,
        rows: list[Any],
        touched: dict[int, int],
        now: datetime,
    ) -> None:
        # A single post's story may already be closed again (its horizon passed within the batch).
        stats = {sid: state.index.stats(sid) for sid in set(touched.values()) if sid in state.index}
        closed = {st.story_id: st for st in state.index.evict(now)}
        stats.update({sid: st for sid, st in closed.items() if sid in set(touched.values())})
        with session.no_autoflush:
            found = await session.execute(select(Story).where(Story.id.in_(list(set(touched.values())))))
        existing = {s.id: s for s in found.scalars()}
        for sid, st in stats.items():
            story = existing.get(sid)
            if story is None:
                story = Story(id=sid, workspace_id=workspace_id, first_seen_at=st.first_seen_at,
                              last_seen_at=st.last_seen_at)  # fmt: skip
                session.add(story)
            story.size = st.size
            story.distinct_authors = st.distinct_authors
            story.platforms = dict(st.platforms)
            story.total_reach = st.total_reach
            story.max_reach = st.max_reach
            story.representative_mention_id = st.representative_mention_id
            story.representative_text = st.representative_text[:2000]
            story.growth = st.growth.as_dict()
            story.stats = {
                "reasons": dict(st.reasons),
                "urls": list(st.urls)[:20],
                "index": state.index.story_state(sid) if sid in state.index else None,
                "signals": (story.stats or {}).get("signals", {}),
            }
            story.first_seen_at = st.first_seen_at
            story.last_seen_at = st.last_seen_at
            story.updated_at = now
        await session.flush()
        for mention, _author in rows:
            mention.story_id = touched[mention.id]
        await session.flush()
        # Biggest and fastest first: with the workspace cool-down, the leading story is the one reported.
        ranked = sorted(stats.values(), key=lambda st: (st.growth.current_count, st.size), reverse=True)
        for st in ranked:
            if st.last_seen_at >= now - timedelta(minutes=st.growth.window_minutes):  # history is not news
                await self._story_signals(session, workspace_id, state, st, now)

    @staticmethod
    def _workspace_quiet(state: _Workspace, detector: str, now: datetime) -> bool:
        last = state.last_signal.get(detector)
        return last is None or now - last >= WORKSPACE_STORY_COOLDOWN

    async def _story_signals(
        self, session: AsyncSession, workspace_id: int, state: _Workspace, st: StoryStats, now: datetime
    ) -> None:
        growth = st.growth
        seen, negative = state.tone.get(st.story_id, [0, 0])
        if not seen or negative / seen < MIN_NEGATIVE_SHARE:
            return
        fast = growth.current_count >= GROWTH_MIN_POSTS and (growth.ratio is None or growth.ratio >= GROWTH_MIN_RATIO)
        last = state.growth_signalled.get(st.story_id)
        if (
            fast
            and (last is None or st.last_seen_at - last >= STORY_SIGNAL_COOLDOWN)
            and self._workspace_quiet(state, "story_growth", now)
        ):
            state.growth_signalled[st.story_id] = st.last_seen_at
            state.last_signal["story_growth"] = now
            await self._emit(session, workspace_id, st, "story_growth", now)
        platforms = len(st.platforms)
        if (
            platforms >= 2
            and st.size >= CROSS_PLATFORM_MIN_SIZE
            and growth.current_count >= CROSS_PLATFORM_MIN_ACTIVE
            and platforms > state.platforms_signalled.get(st.story_id, 1)
            and self._workspace_quiet(state, "cross_platform", now)
        ):
            state.platforms_signalled[st.story_id] = platforms
            state.last_signal["cross_platform"] = now
            await self._emit(session, workspace_id, st, "cross_platform", now)

    async def _emit(
        self, session: AsyncSession, workspace_id: int, st: StoryStats, detector: str, now: datetime
    ) -> None:
        story = await session.get(Story, st.story_id)
        if story is not None:  # remembered with the story, so a restart does not raise it again
            marks = dict((story.stats or {}).get("signals") or {})
            if detector == "story_growth":
                marks["story_growth"] = st.last_seen_at.isoformat()
            else:
                marks["platforms"] = len(st.platforms)
            story.stats = {**(story.stats or {}), "signals": marks}
        window = st.growth.window_minutes
        members = (
            await session.execute(
                select(Mention, Author)
                .outerjoin(Author, Author.id == Mention.author_id)
                .where(Mention.story_id == st.story_id)
                .order_by(Mention.created_at.desc())
                .limit(200)
            )
        ).all()
        rows = [(m, a) for m, a in members]
        expected = st.growth.previous_count if detector == "story_growth" else 1.0
        evidence = {
            "story_id": st.story_id,
            "story": st.as_dict(),
            "observed": st.growth.current_count,
            "expected": expected,
            "ratio": st.growth.ratio,
            "platforms": sorted(st.platforms),
            "top_posts": evidence_lib.top_posts(rows),
            "top_authors": evidence_lib.top_authors(rows),
            "top_terms": [],
            "issue_types": sorted({i for m, _a in rows for i in (m.issue_types or []) if i != "complaint"}),
        }
        signal = await signal_service.create(
            db_session=session,
            workspace_id=workspace_id,
            signal_in={
                "series": f"story:{st.story_id}",
                "detector": detector,
                "sensitivity": "medium",
                "window_start_at": st.last_seen_at - timedelta(minutes=window),
                "detected_at": floor_minute(st.last_seen_at),
                "window_minutes": window,
                "observed": float(st.growth.current_count if detector == "story_growth" else len(st.platforms)),
                "expected": float(expected),
                "lower": 0.0,
                "upper": float(expected),
                "score": min(1.0, (st.growth.ratio or GROWTH_MIN_RATIO) / (2 * GROWTH_MIN_RATIO)),
                "surprise": 0.0,
                "evidence": evidence,
            },
        )
        log.info("story_signal signal_id=%s story_id=%s detector=%s", signal.id, st.story_id, detector)
        if self.route:
            try:
                async with session.begin_nested():
                    await triage_flows.route_signal(
                        db_session=session, workspace_id=workspace_id, signal_id=signal.id, now=now
                    )
            except Exception:  # a routing bug must not lose the signal
                log.exception("signal_routing_failed signal_id=%s", signal.id)

    async def run_forever(self, interval: float) -> None:
        """Step every ``interval`` seconds until cancelled; a failing round is logged, not fatal."""
        await loops.every(interval, self.step, name="analysis_step_failed")


def running(runner: AnalysisRunner, interval: float) -> contextlib.AbstractAsyncContextManager[asyncio.Task[None]]:
    """Run ``runner`` in the background for the duration of an ``async with`` block."""
    return loops.background(runner.run_forever(interval))


__all__ = ["AnalysisRunner", "running"]
