"""The mentions a scenario produces, deterministically for a seed, and its timeline of events and availability.

``generate(scenario, start=T0, seed=n)`` returns dicts in the shape ``baliza.ingest.schemas.MentionIn``
accepts, sorted by ``created_at``:

* **baseline**: a Poisson stream of ``per_minute`` mentions over the whole drill window; a share
  ``negative_share`` come from negative templates;
* **bursts** (non-homogeneous Poisson, drawn in 10-second slices): ``sudden`` steps to the peak and
  decays by ``half_life``; ``gradual`` ramps linearly over ``ramp`` and then decays; ``viral`` is
  self-exciting: original posts arrive at ``peak_per_minute × (1 − reposts)`` along the same shape,
  and every post spawns Poisson(``reposts``) reposts after an exponential delay (mean
  ``repost_delay``), which spawn their own. With a branching factor below 1 the cascade dies out,
  and about ``reposts`` of all the burst's posts are reposts. A repost points at the original
  (``repost_of``) and repeats its text with a small variation;
* **events** at their exact times, with the author the scenario gives, followed by ``reposts``
  reposts.

Authors come from a deterministic pool (``@ana_lopez_83``…), picked with a skew so some post often;
followers are log-normal (a long tail of big accounts). Every mention carries
``raw = {"drill": scenario.id, "part": …, "tone": …}`` and an ``external_id`` that starts with
``drill-{scenario.id}-``.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Literal, TypeVar

import numpy as np

from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.core.yamlfile import yaml_path
from baliza.drills.scenario import (
    BUILTIN_VARIABLES,
    AvailabilityChange,
    Burst,
    Curve,
    Event,
    PostTemplate,
    Scenario,
    Tone,
    curve_factor,
    expected_total,
    format_offset,
    scenario_problems,
)
from baliza.responses.templates import render_template, template_variables

SLICE = timedelta(seconds=10)
"""Bursts are drawn slice by slice; 10 s is fine enough for minute counts to follow the curve."""
MIN_REPOST_DELAY = timedelta(seconds=1)

_FIRST = {
    "es": (
        ("ana", "Ana"), ("lucia", "Lucía"), ("maria", "María"), ("carmen", "Carmen"), ("laura", "Laura"),
        ("marta", "Marta"), ("paula", "Paula"), ("sara", "Sara"), ("irene", "Irene"), ("nerea", "Nerea"),
        ("ainhoa", "Ainhoa"), ("montse", "Montse"), ("nuria", "Nuria"), ("mireia", "Mireia"), ("rocio", "Rocío"),
        ("alba", "Alba"), ("ines", "Inés"), ("lola", "Lola"), ("javi", "Javi"), ("david", "David"),
        ("carlos", "Carlos"), ("jorge", "Jorge"), ("pablo", "Pablo"), ("alvaro", "Álvaro"), ("sergio", "Sergio"),
        ("dani", "Dani"), ("raul", "Raúl"), ("adrian", "Adrián"), ("iker", "Iker"), ("jordi", "Jordi"),
        ("xavi", "Xavi"), ("ruben", "Rubén"), ("victor", "Víctor"), ("mario", "Mario"), ("hugo", "Hugo"),
        ("pepe", "Pepe"), ("manu", "Manu"), ("quique", "Quique"), ("toni", "Toni"), ("fer", "Fer"),
    ),
    "en": (
        ("emma", "Emma"), ("olivia", "Olivia"), ("jack", "Jack"), ("harry", "Harry"), ("sophie", "Sophie"),
        ("james", "James"), ("amelia", "Amelia"), ("oliver", "Oliver"), ("chloe", "Chloe"), ("tom", "Tom"),
        ("lucy", "Lucy"), ("ben", "Ben"), ("grace", "Grace"), ("sam", "Sam"), ("katie", "Katie"),
        ("dan", "Dan"), ("mia", "Mia"), ("josh", "Josh"), ("ella", "Ella"), ("ryan", "Ryan"),
    ),
}  # fmt: skip
_LAST = {
    "es": (
        ("lopez", "López"), ("garcia", "García"), ("martinez", "Martínez"), ("sanchez", "Sánchez"),
        ("perez", "Pérez"), ("gomez", "Gómez"), ("ruiz", "Ruiz"), ("diaz", "Díaz"), ("moreno", "Moreno"),
        ("munoz", "Muñoz"), ("alonso", "Alonso"), ("romero", "Romero"), ("navarro", "Navarro"),
        ("torres", "Torres"), ("dominguez", "Domínguez"), ("vazquez", "Vázquez"), ("ramos", "Ramos"),
        ("gil", "Gil"), ("serrano", "Serrano"), ("molina", "Molina"), ("blanco", "Blanco"), ("castro", "Castro"),
        ("ortiz", "Ortiz"), ("rubio", "Rubio"), ("marin", "Marín"), ("sanz", "Sanz"), ("iglesias", "Iglesias"),
        ("medina", "Medina"), ("garrido", "Garrido"), ("cortes", "Cortés"), ("puig", "Puig"), ("vidal", "Vidal"),
    ),
    "en": (
        ("smith", "Smith"), ("jones", "Jones"), ("taylor", "Taylor"), ("brown", "Brown"), ("williams", "Williams"),
        ("wilson", "Wilson"), ("evans", "Evans"), ("thomas", "Thomas"), ("johnson", "Johnson"),
        ("roberts", "Roberts"), ("walker", "Walker"), ("wright", "Wright"), ("robinson", "Robinson"),
        ("thompson", "Thompson"), ("white", "White"), ("hughes", "Hughes"), ("edwards", "Edwards"),
        ("green", "Green"), ("hall", "Hall"), ("wood", "Wood"),
    ),
}  # fmt: skip
# A repost repeats the original; some people add a word or an emoji in front or behind.
_REPOST_PREFIX = {
    "es": ("", "", "", "Esto 👇 ", "+1 ", "A mí igual: ", "RT ", "Ojo: ", "😡 ", "Compartid: ", "Tal cual. "),
    "en": ("", "", "", "This 👇 ", "+1 ", "Same here: ", "RT ", "😡 ", "Pls share: ", "Exactly. "),
}
_REPOST_SUFFIX = ("", "", "", " 😡", " 🙄", " x2", " !!", " 👀")

Part = Literal["baseline", "burst", "event", "repost"]


@dataclass(frozen=True, slots=True)
class _Author:
    handle: str
    display_name: str
    followers: int
    verified: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "handle": self.handle,
            "display_name": self.display_name,
            "followers": self.followers,
            "verified": self.verified,
        }


@dataclass(slots=True)
class _Post:
    at: datetime
    seq: int
    part: Part
    platform: str
    lang: str
    tone: Tone
    text: str
    author: _Author
    index: int | None = None  # which burst or event
    likes: int = 0
    url: str | None = None
    kind: str | None = None
    root: _Post | None = None  # the original a repost repeats
    reposts: int = 0
    external_id: str = field(default="")


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One scheduled happening of a drill: an availability change or an event, at an offset from T0."""

    at: timedelta
    kind: Literal["availability", "event"]
    index: int
    availability: AvailabilityChange | None = None
    event: Event | None = None

    @property
    def offset(self) -> str:
        """``T+6m``."""
        return format_offset(self.at)

    def moment(self, t0: datetime) -> datetime:
        """The wall-clock moment of this entry when the drill starts at ``t0``."""
        return t0 + self.at


def timeline(scenario: Scenario) -> list[TimelineEntry]:
    """Availability changes and events in time order; at the same moment availability comes first."""
    entries = [TimelineEntry(a.at, "availability", i, availability=a) for i, a in enumerate(scenario.availability)] + [
        TimelineEntry(e.at, "event", i, event=e) for i, e in enumerate(scenario.events)
    ]
    return sorted(entries, key=lambda e: (e.at, e.kind != "availability", e.index))


T = TypeVar("T")


class _Weighted(Generic[T]):
    """Items with weights, picked with one uniform draw (numpy's ``choice`` costs far more per call)."""

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))

    @classmethod
    def of(cls, weights: Mapping[str, float]) -> _Weighted[str]:
        """Names weighted by a ``{name: weight}`` mapping."""
        return _Weighted(list(weights), list(weights.values()))

    @classmethod
    def templates(cls, templates: Sequence[PostTemplate]) -> _Weighted[PostTemplate]:
        """Templates weighted by their ``weight``."""
        return _Weighted(templates, [t.weight for t in templates])

    def pick(self, uniform: float) -> T:
        """The item a uniform draw in [0, 1) lands on."""
        index = bisect.bisect_right(self.cumulative, uniform * self.cumulative[-1])
        return self.items[min(index, len(self.items) - 1)]


@functools.lru_cache(maxsize=512)
def _used_variables(source: str) -> tuple[str, ...]:
    return tuple(sorted(template_variables(source)))


class _Generator:
    """One run of ``generate``: the random source, the author pool and the posts made so far."""

    def __init__(self, scenario: Scenario, t0: datetime, seed: int) -> None:
        self.scenario = scenario
        self.t0 = t0
        self.window_start = t0 + scenario.start
        self.window_end = t0 + scenario.end
        self.rng = np.random.default_rng(seed)
        self.posts: list[_Post] = []
        self._seq = 0
        size = max(60, int(expected_total(scenario) / 3))
        self.pool = {lang: self._pool(lang, size) for lang in ("es", "en")}

    # --- authors -------------------------------------------------------------------------------

    def _pool(self, lang: str, size: int) -> list[_Author]:
        firsts, lasts = _FIRST[lang], _LAST[lang]
        seen: set[str] = set()
        pool: list[_Author] = []
        while len(pool) < size:
            first = firsts[int(self.rng.integers(len(firsts)))]
            last = lasts[int(self.rng.integers(len(lasts)))]
            number = int(self.rng.integers(1, 100))
            style = int(self.rng.integers(4))
            handle = (
                f"@{first[0]}_{last[0]}_{number:02d}",
                f"@{first[0]}{last[0][:3]}{number}",
                f"@{first[0]}.{last[0]}",
                f"@{first[0]}_{number:02d}",
            )[style]
            if handle in seen:
                continue
            seen.add(handle)
            # log-normal: median about 150 followers, and now and then an account with tens of thousands
            followers = min(int(self.rng.lognormal(5.0, 1.8)), 3_000_000)
            verified = followers >= 100_000 and bool(self.rng.random() < 0.6)
            pool.append(_Author(handle, f"{first[1]} {last[1]}", followers, verified))
        return pool

    def _author(self, lang: str) -> _Author:
        pool = self.pool[lang]
        # squaring a uniform draw favours the front of the pool: a few frequent posters, a long tail
        return pool[int(len(pool) * self.rng.random() ** 2)]

    # --- choices -------------------------------------------------------------------------------

    def _pick(self, choice: _Weighted[T]) -> T:
        return choice.pick(float(self.rng.random()))

    def _render(self, source: str, variables: Mapping[str, list[str]], name: str) -> str:
        values: dict[str, Any] = {}
        for var in _used_variables(source):
            if var in variables:
                options = variables[var]
                values[var] = options[int(self.rng.integers(len(options)))]
            elif var in BUILTIN_VARIABLES:
                values[var] = self._builtin(var)
        return render_template(source, values, name=name)

    def _builtin(self, name: str) -> str:
        if name == "order":
            return str(int(self.rng.integers(1_000_000, 9_999_999)))
        if name == "hours":
            return str(int(self.rng.integers(1, 9)))
        if name == "minutes":
            return str(5 * int(self.rng.integers(2, 37)))
        return str(int(self.rng.integers(2, 61)))

    def _likes(self, author: _Author) -> int:
        return int(self.rng.poisson(0.5 + author.followers * 0.003))

    def _add(self, post: _Post) -> _Post:
        post.seq = self._seq
        self._seq += 1
        self.posts.append(post)
        return post

    # --- streams -------------------------------------------------------------------------------

    def _times(self, rate_per_minute: Callable[[timedelta], float], begin: datetime) -> list[datetime]:
        """Poisson arrival times from ``begin``: ``rate_per_minute(elapsed)`` evaluated per slice."""
        total = self.window_end - begin
        slices = int(total / SLICE) + (1 if total % SLICE else 0)
        times: list[datetime] = []
        slice_minutes = SLICE.total_seconds() / 60
        for s in range(slices):
            rate = float(rate_per_minute(SLICE * s + SLICE / 2))
            count = int(self.rng.poisson(rate * slice_minutes)) if rate > 0 else 0
            for offset in sorted(self.rng.random(count)):
                moment = begin + SLICE * s + SLICE * float(offset)
                if moment < self.window_end:
                    times.append(moment)
        return times

    def baseline(self) -> None:
        base = self.scenario.baseline
        if base.per_minute <= 0:
            return
        variables = {**self.scenario.variables, **base.variables}
        langs, platforms = _Weighted.of(base.languages), _Weighted.of(base.platforms)
        pools: dict[tuple[str, bool], _Weighted[PostTemplate]] = {}
        for lang in base.languages:
            texts = [t for t in base.templates if t.text(lang)]
            for negative in (True, False):
                chosen = [t for t in texts if (t.tone is Tone.negative) == negative] or texts
                if chosen:
                    pools[lang, negative] = _Weighted.templates(chosen)
        for moment in self._times(lambda _elapsed: base.per_minute, self.window_start):
            lang = self._pick(langs)
            negative = bool(self.rng.random() < base.negative_share)
            template = self._pick(pools[lang, negative])
            author = self._author(lang)
            text = self._render(template.text(lang) or "", variables, f"baseline.{lang}")
            platform = self._pick(platforms)
            self._add(
                _Post(moment, 0, "baseline", platform, lang, template.tone, text, author, likes=self._likes(author))
            )

    def burst(self, index: int, burst: Burst) -> None:
        begin = max(self.t0 + burst.at, self.window_start)
        lead = begin - (self.t0 + burst.at)  # a burst that started before the window is already under way
        share = 1 - (burst.reposts or 0.0) if burst.curve is Curve.viral else 1.0
        variables = {**self.scenario.variables, **burst.variables}
        langs = _Weighted.of(self.scenario.burst_languages(burst))
        platforms = _Weighted.of(self.scenario.burst_platforms(burst))
        pools = {
            lang: _Weighted.templates([t for t in burst.templates if t.text(lang)])
            for lang in langs.items
            if any(t.text(lang) for t in burst.templates)
        }
        originals = []
        for moment in self._times(lambda e: burst.peak_per_minute * share * curve_factor(burst, e + lead), begin):
            lang = self._pick(langs)
            template = self._pick(pools[lang])
            text = self._render(template.text(lang) or "", variables, f"bursts[{index}].{lang}")
            text = self._hashtag(text, burst)
            author = self._author(lang)
            post = _Post(
                moment, 0, "burst", self._pick(platforms), lang, template.tone, text, author, index=index,
                likes=self._likes(author),
            )  # fmt: skip
            originals.append(self._add(post))
        if burst.curve is Curve.viral and burst.reposts:
            self._cascade(originals, burst.reposts, burst.repost_delay)

    def _hashtag(self, text: str, burst: Burst) -> str:
        if not burst.hashtags or self.rng.random() >= burst.hashtag_share:
            return text
        folded = text.casefold()
        if any(tag.casefold() in folded for tag in burst.hashtags):
            return text
        return f"{text} {burst.hashtags[int(self.rng.integers(len(burst.hashtags)))]}"

    def _cascade(self, parents: list[_Post], branching: float, delay: timedelta) -> None:
        """Each post spawns Poisson(branching) reposts, and so on, until the window closes or nobody reposts."""
        queue = list(parents)
        while queue:
            parent = queue.pop(0)
            for _child in range(int(self.rng.poisson(branching))):
                repost = self._repost(parent, delay)
                if repost is not None:
                    queue.append(repost)

    def _repost(self, parent: _Post, delay: timedelta) -> _Post | None:
        wait = MIN_REPOST_DELAY + delay * float(self.rng.exponential(1.0))
        moment = parent.at + wait
        if moment >= self.window_end:
            return None
        root = parent.root or parent
        lang = root.lang
        prefixes = _REPOST_PREFIX[lang]
        prefix = prefixes[int(self.rng.integers(len(prefixes)))]
        suffix = _REPOST_SUFFIX[int(self.rng.integers(len(_REPOST_SUFFIX)))]
        author = self._author(lang)
        root.reposts += 1
        post = _Post(
            moment, 0, "repost", root.platform, lang, root.tone, f"{prefix}{root.text}{suffix}", author,
            index=root.index, root=root, kind=root.kind, likes=self._likes(author),
        )  # fmt: skip
        return self._add(post)

    def event(self, index: int, event: Event) -> None:
        lang = event.language
        variables = {**self.scenario.variables, **event.variables}
        source = getattr(event.text, lang) or ""
        text = self._render(source, variables, f"events[{index}].{lang}")
        author = _Author(
            event.author.handle, event.author.display_name or event.author.handle.lstrip("@"),
            event.author.followers, event.author.verified,
        )  # fmt: skip
        post = _Post(
            self.t0 + event.at, 0, "event", event.platform, lang, Tone.neutral, text, author, index=index,
            likes=event.likes, url=event.url, kind=event.kind.value,
        )  # fmt: skip
        self._add(post)
        for _n in range(event.reposts):
            self._repost(post, event.repost_delay)

    # --- output --------------------------------------------------------------------------------

    def mentions(self, run: str) -> list[dict[str, Any]]:
        ordered = sorted(self.posts, key=lambda p: (p.at, p.seq))
        prefix = f"drill-{self.scenario.id}-{run}-"
        for n, post in enumerate(ordered, start=1):
            post.external_id = f"{prefix}{n:06d}"
        return [self._mention(post) for post in ordered]

    def _mention(self, post: _Post) -> dict[str, Any]:
        raw: dict[str, Any] = {"drill": self.scenario.id, "part": post.part, "tone": post.tone.value}
        source = post.root or post
        if source.part == "burst":
            raw["burst"] = source.index
        elif source.part == "event":
            raw["event"] = source.index
            raw["kind"] = source.kind
        mention: dict[str, Any] = {
            "platform": post.platform,
            "external_id": post.external_id,
            "created_at": post.at,
            "text": post.text,
            "lang": post.lang,
            "author": post.author.as_dict(),
            "likes": post.likes,
            "reposts": post.reposts,
            "replies": 0,
            "raw": raw,
        }
        if post.root is not None:
            mention["repost_of"] = post.root.external_id
        if post.url:
            mention["url"] = post.url
        return mention


def generate(scenario: Scenario, *, start: datetime, seed: int, run: str | None = None) -> list[dict[str, Any]]:
    """The scenario's mentions for a drill whose T0 is ``start``, sorted by ``created_at``; same seed, same output.

    ``run`` goes into every ``external_id`` (``drill-{id}-{run}-000001``) so two runs of one scenario
    in one workspace are not taken for duplicates; it defaults to ``s{seed}``.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValidationError(
            _("the drill start needs a time zone, such as 2026-11-20T10:00:00+01:00"),
            code="naive_datetime",
            details={"value": start.isoformat()},
        )
    # a scenario built in code has not been through load_scenario's second pass
    problems = scenario_problems(scenario, files=False)
    if problems:
        listed = "; ".join(f"{yaml_path(loc)}: {message}" for loc, message, _code in problems)
        raise ValidationError(
            _("scenario {scenario} cannot be played: {problems}").format(scenario=scenario.id, problems=listed),
            code="invalid_scenario",
            details={"problems": [{"path": yaml_path(loc), "message": m, "code": c} for loc, m, c in problems]},
        )
    t0 = start.astimezone(UTC)
    gen = _Generator(scenario, t0, seed)
    gen.baseline()
    for i, burst in enumerate(scenario.bursts):
        gen.burst(i, burst)
    for i, event in enumerate(scenario.events):
        gen.event(i, event)
    return gen.mentions(run if run is not None else f"s{seed}")


__all__ = ["SLICE", "TimelineEntry", "generate", "timeline"]
