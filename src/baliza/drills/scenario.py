"""A drill scenario (``scenario.yaml``) as pydantic models, and ``load_scenario`` with exact, located errors.

A scenario says what the drill replays and what good handling looks like: the workspace and plan,
the drill window (``start`` and ``duration`` around T0, the moment the drill starts), the baseline
traffic, bursts of templated posts with a volume curve (sudden, gradual, viral), events at given
times (an influencer's post, a journalist's question…), who becomes unavailable when, and the
expected handling (target times, severity, who the escalation must reach).

Times are offsets from T0: ``T0``, ``T+20m``, ``T-3d`` or ``T+1h30m``; a bare duration such as
``20m`` means ``T+20m``. Durations are written ``30s``, ``10m``, ``4h``, ``1d`` or ``1w``.

Loading happens in two passes. Pydantic checks the shape and the values; then the checks that
need the whole file (a template using a variable nobody defined, a time outside the drill, a
curve missing its ramp, a person the plan does not know) run with the exact YAML path of the
offending value. Every problem carries the file, the line, the path and the value, and says what
would be valid.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import yaml
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PlainSerializer,
    PlainValidator,
    PositiveFloat,
    PrivateAttr,
)
from pydantic_core import PydanticCustomError

import baliza
from baliza.core.errors import NotFoundError, ValidationError
from baliza.core.files import read_text
from baliza.core.i18n import _
from baliza.core.yamlfile import load_model, yaml_path
from baliza.plans.problems import Problem, describe, line_of, split_path
from baliza.plans.refs import one_of, unknown_message
from baliza.plans.schema import Bilingual, Plan
from baliza.plans.values import Id, format_duration, invalid, parse_duration
from baliza.responses.templates import template_variables

SCENARIO_VERSION = 1
LANGUAGES = ("es", "en")
BUILTIN_VARIABLES = ("order", "hours", "minutes", "number")
"""Variables every template may use without defining them: an order number, a few hours, minutes, a number."""
BUNDLED_PREFIX = "bundled:"
MAX_MENTIONS = 500_000
"""A scenario that would generate more than this is a mistake (a T-3d baseline at hundreds a minute)."""

SCENARIOS_DIR = Path(__file__).resolve().parent / "scenarios"
EXAMPLES_DIR = Path(baliza.__file__).resolve().parent / "examples"

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_PLATFORM = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")
_VARIABLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_TAG = re.compile(r"^[#@]?[^\s#@]+$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- value types -------------------------------------------------------------------------------


def parse_offset(value: Any) -> timedelta:
    """``"T0"``, ``"T+20m"``, ``"T-3d"`` or a bare duration (``"20m"`` = ``T+20m``) as a signed timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return timedelta(0)
    text = value.strip().replace(" ", "") if isinstance(value, str) else ""
    if text in ("T0", "T"):
        return timedelta(0)
    sign = 1
    if text.startswith(("T+", "T-")):
        sign = -1 if text[1] == "-" else 1
        text = text[2:]
    if text and not text.startswith("T"):
        try:
            return sign * parse_duration(text)
        except PydanticCustomError:
            pass
    raise invalid(
        "invalid_offset",
        _("must be a time in the drill such as T0, T+20m or T-3d (a bare duration such as 10m means T+10m)"),
    )


def format_offset(value: timedelta) -> str:
    """The inverse of ``parse_offset``: ``timedelta(minutes=-90)`` -> ``"T-1h30m"``."""
    if not value:
        return "T0"
    sign = "-" if value < timedelta(0) else "+"
    return f"T{sign}{format_duration(abs(value))}"


def _positive_duration(value: Any) -> timedelta:
    duration = parse_duration(value)
    if duration <= timedelta(0):
        raise invalid("not_positive", _("must be longer than 0s, such as 10m"))
    return duration


def _share(value: float) -> float:
    if not 0 <= value <= 1:
        raise invalid("invalid_share", _("must be a share from 0 to 1, such as 0.3"))
    return value


def _branching(value: float) -> float:
    if not 0 <= value < 1:
        raise invalid(
            "invalid_reposts",
            _("must be at least 0 and below 1, such as 0.5 (at 1 or more the reposts would never die out)"),
        )
    return value


def _slug(value: Any) -> str:
    if not isinstance(value, str) or not _SLUG.fullmatch(value.strip()):
        raise invalid("invalid_slug", _("must be lowercase letters, digits and dashes, such as delivery-failure"))
    return value.strip()


def _platform(value: str) -> str:
    if not _PLATFORM.fullmatch(value):
        raise invalid(
            "invalid_platform",
            _("{value!r} is not a platform name; use lowercase letters, digits, _, . and -, such as x or instagram")
            .format(value=value),
        )  # fmt: skip
    return value


def _weights(kind: str) -> Any:
    def check(weights: dict[str, float]) -> dict[str, float]:
        for key in weights:
            if kind == "language" and key not in LANGUAGES:
                raise invalid(
                    "unknown_language",
                    _("unknown language {value!r}; scenarios are written in {known}").format(
                        value=key, known=", ".join(LANGUAGES)
                    ),
                )
            if kind == "platform":
                _platform(key)
        if not any(w > 0 for w in weights.values()):
            raise invalid("no_weight", _("needs at least one weight above 0, such as {example}").format(
                example="{es: 0.7, en: 0.3}" if kind == "language" else "{x: 0.6, instagram: 0.4}"
            ))  # fmt: skip
        return weights

    return check


def _variables(variables: dict[str, list[str]]) -> dict[str, list[str]]:
    for name in variables:
        if not _VARIABLE.fullmatch(name):
            raise invalid(
                "invalid_variable",
                _("{name!r} is not a variable name; use letters, digits and _, starting with a letter").format(
                    name=name
                ),
            )
    return variables


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, (str, int, float)) and not isinstance(value, bool) else value


def _tag(sigil: str) -> Any:
    def check(value: str) -> str:
        if not _TAG.fullmatch(value):
            example = "#AcmeNoLlega" if sigil == "#" else "@comeconmarta"
            raise invalid(
                "invalid_tag", _("must be one word without spaces, such as {example}").format(example=example)
            )
        return value if value.startswith(sigil) else sigil + value.lstrip("#@")

    return check


Offset = Annotated[
    timedelta,
    PlainValidator(parse_offset, json_schema_input_type=str),
    PlainSerializer(format_offset, return_type=str),
]
PositiveDuration = Annotated[
    timedelta,
    PlainValidator(_positive_duration, json_schema_input_type=str),
    PlainSerializer(format_duration, return_type=str),
]
Share = Annotated[float, AfterValidator(_share)]
Slug = Annotated[str, PlainValidator(_slug, json_schema_input_type=str)]
Platform = Annotated[str, AfterValidator(_platform)]
PlatformWeights = Annotated[dict[str, NonNegativeFloat], AfterValidator(_weights("platform"))]
LanguageWeights = Annotated[dict[str, NonNegativeFloat], AfterValidator(_weights("language"))]
VariableValues = Annotated[list[str], BeforeValidator(_as_list), Field(min_length=1)]
Variables = Annotated[dict[str, VariableValues], AfterValidator(_variables)]
Hashtag = Annotated[str, AfterValidator(_tag("#"))]
Handle = Annotated[str, AfterValidator(_tag("@"))]
NonEmpty = Annotated[str, Field(min_length=1)]


class Curve(StrEnum):
    sudden = "sudden"
    gradual = "gradual"
    viral = "viral"


class EventKind(StrEnum):
    influencer_post = "influencer_post"
    journalist_question = "journalist_question"
    news_article = "news_article"
    competitor_post = "competitor_post"
    custom = "custom"


class Tone(StrEnum):
    negative = "negative"
    neutral = "neutral"
    positive = "positive"


# --- the parts of a scenario -------------------------------------------------------------------


class BothLanguages(_Model):
    """A text every scenario has in Spanish and in English (title, description)."""

    es: NonEmpty
    en: NonEmpty

    def text(self, lang: str) -> str:
        """The text in ``lang`` (Spanish for ``es``, English otherwise)."""
        return self.es if lang == "es" else self.en


class PostTemplate(_Model):
    """A templated post (Jinja2, sandboxed) in Spanish, English or both; ``tone`` is what it is meant to sound like."""

    tone: Annotated[Tone, BeforeValidator(one_of(Tone))] = Tone.neutral
    weight: PositiveFloat = 1.0
    es: NonEmpty | None = None
    en: NonEmpty | None = None

    def text(self, lang: str) -> str | None:
        """The source in ``lang``, or None when the template has no text in that language."""
        source: str | None = getattr(self, lang, None)
        return source


class Baseline(_Model):
    """The normal day: a Poisson stream of ``per_minute`` mentions drawn from ``templates``."""

    per_minute: NonNegativeFloat
    platforms: PlatformWeights = Field(default_factory=lambda: {"x": 1.0})
    languages: LanguageWeights = Field(default_factory=lambda: {"es": 0.7, "en": 0.3})
    negative_share: Share = 0.1
    templates: list[PostTemplate] = []
    variables: Variables = {}


class Burst(_Model):
    """Extra posts from ``at``: a volume curve up to ``peak_per_minute``, then decay by ``half_life``."""

    name: str | None = None
    at: Offset
    curve: Annotated[Curve, BeforeValidator(one_of(Curve))]
    peak_per_minute: PositiveFloat
    ramp: PositiveDuration | None = None
    half_life: PositiveDuration | None = None
    reposts: Annotated[float, AfterValidator(_branching)] | None = None
    repost_delay: PositiveDuration = timedelta(minutes=2)
    platforms: PlatformWeights | None = None
    langs: LanguageWeights | None = None
    templates: Annotated[list[PostTemplate], Field(min_length=1)]
    variables: Variables = {}
    hashtags: list[Hashtag] = []
    hashtag_share: Share = 0.5


class EventAuthor(_Model):
    handle: Handle
    display_name: str | None = None
    followers: NonNegativeInt = 0
    verified: bool = False


class Event(_Model):
    """One post at an exact time (an influencer, a journalist, a news article, a competitor…)."""

    at: Offset
    kind: Annotated[EventKind, BeforeValidator(one_of(EventKind))]
    author: EventAuthor
    platform: Platform = "x"
    text: Bilingual
    lang: str | None = None
    url: str | None = None
    likes: NonNegativeInt = 0
    reposts: NonNegativeInt = 0
    repost_delay: PositiveDuration = timedelta(minutes=2)
    variables: Variables = {}

    @property
    def language(self) -> str:
        """The language the event is posted in: ``lang``, or the first language it has a text in."""
        return self.lang or ("es" if self.text.es else "en")


class AvailabilityChange(_Model):
    """From ``at``, ``person`` is unavailable (or available again, with ``unavailable: false``)."""

    at: Offset
    person: Id
    unavailable: bool = True
    reason: Bilingual | None = None


class ExpectedEscalation(_Model):
    """Who the escalation must reach; ``backup_of`` names the person they stand in for."""

    must_reach: list[Id] = []
    backup_of: Id | None = None


class Expected(_Model):
    """What good handling looks like, measured from T0."""

    acknowledge_within: PositiveDuration
    holding_statement_within: PositiveDuration
    first_response_within: PositiveDuration
    severity: Id
    escalation: ExpectedEscalation | None = None


def _version(value: Any) -> Any:
    if value != SCENARIO_VERSION:
        raise invalid("unsupported_version", _("this version of Baliza reads scenario version 1"))
    return value


class Scenario(_Model):
    """A whole drill scenario."""

    version: Annotated[int, BeforeValidator(_version)] = SCENARIO_VERSION
    id: Slug
    title: BothLanguages
    description: BothLanguages
    workspace: Slug
    plan: NonEmpty
    workspace_file: NonEmpty | None = None
    suggested_t0: AwareDatetime | None = None
    start: Offset = timedelta(0)
    duration: PositiveDuration
    variables: Variables = {}
    baseline: Baseline
    bursts: list[Burst] = []
    events: list[Event] = []
    availability: list[AvailabilityChange] = []
    expected: Expected
    allow_real_notifications: bool = False

    _source: Path | None = PrivateAttr(default=None)

    @property
    def end(self) -> timedelta:
        """The offset at which the drill window closes."""
        return self.start + self.duration

    @property
    def source(self) -> Path | None:
        """The file the scenario was loaded from (None when built in code)."""
        return self._source

    def burst_platforms(self, burst: Burst) -> dict[str, float]:
        """A burst's platform weights (the baseline's when it names none)."""
        return burst.platforms if burst.platforms is not None else self.baseline.platforms

    def burst_languages(self, burst: Burst) -> dict[str, float]:
        """A burst's language weights (the baseline's when it names none)."""
        return burst.langs if burst.langs is not None else self.baseline.languages


# --- rates (shared by the checks here and by the generator) ------------------------------------


def curve_factor(burst: Burst, elapsed: timedelta) -> float:
    """The burst's curve at ``elapsed`` after its start, from 0 to 1 (times ``peak_per_minute`` gives the rate)."""
    if elapsed < timedelta(0):
        return 0.0
    minutes = elapsed.total_seconds() / 60
    ramp = burst.ramp.total_seconds() / 60 if burst.ramp is not None and burst.curve is not Curve.sudden else 0.0
    if minutes < ramp:
        return minutes / ramp
    if burst.half_life is None:
        return 1.0
    return float(0.5 ** ((minutes - ramp) / (burst.half_life.total_seconds() / 60)))


def expected_per_minute(scenario: Scenario, at: timedelta) -> float:
    """The mean number of mentions per minute at offset ``at`` (reposts of a viral burst included, events not)."""
    if not scenario.start <= at < scenario.end:
        return 0.0
    rate = scenario.baseline.per_minute
    for burst in scenario.bursts:
        rate += burst.peak_per_minute * curve_factor(burst, at - burst.at)
    return rate


def expected_total(scenario: Scenario) -> float:
    """About how many mentions the scenario generates (minute by minute, events and their reposts included)."""
    minutes = math.ceil(scenario.duration.total_seconds() / 60)
    total = sum(
        expected_per_minute(scenario, scenario.start + timedelta(minutes=m, seconds=30)) for m in range(minutes)
    )
    return total + sum(1 + e.reposts for e in scenario.events)


# --- loading -----------------------------------------------------------------------------------


def _node(root: yaml.Node | None, loc: Sequence[str | int]) -> yaml.Node | None:
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return None
    return node


def _written(root: yaml.Node | None, loc: Sequence[str | int]) -> Any:
    """The scalar at ``loc`` as YAML reads it (``0.5``, ``"T+1h"``); None for a block or nothing."""
    node = _node(root, loc)
    if not isinstance(node, yaml.ScalarNode):
        return None
    try:
        return yaml.SafeLoader("").construct_object(node)
    except yaml.YAMLError:
        return node.value


def _duplicate_keys(node: yaml.Node | None, loc: list[str | int]) -> Iterator[tuple[list[str | int], int]]:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(getattr(key, "value", ""))
            if name in seen:
                yield [*loc, name], key.start_mark.line + 1
            seen.add(name)
            yield from _duplicate_keys(value, [*loc, name])
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _duplicate_keys(item, [*loc, i])


def bundled_plan_path(name: str) -> Path:
    """The plan of a bundled example (``bundled:acme`` -> ``examples/acme/plan.yaml``), or NotFoundError."""
    return _bundled_file(name, "plan.yaml")


def _bundled_file(name: str, filename: str) -> Path:
    known = sorted(p.name for p in EXAMPLES_DIR.iterdir() if (p / filename).is_file())
    if name not in known:
        raise NotFoundError(
            _("unknown bundled example {value!r}; bundled: {known}").format(value=name, known=", ".join(known)),
            code="unknown_bundled_example",
            details={"value": name, "known": known},
        )
    return EXAMPLES_DIR / name / filename


def _reference_path(reference: str, base: Path, filename: str) -> Path:
    if reference.startswith(BUNDLED_PREFIX):
        return _bundled_file(reference.removeprefix(BUNDLED_PREFIX).strip(), filename)
    path = (base / reference).resolve()
    if not path.is_file():
        raise NotFoundError(_("file not found: {path}").format(path=path), code="file_not_found")
    return path


def _base_dir(scenario: Scenario) -> Path:
    return scenario.source.parent if scenario.source is not None else Path.cwd()


def plan_path(scenario: Scenario) -> Path:
    """The plan file a scenario names (``bundled:acme``, or a path relative to the scenario file)."""
    return _reference_path(scenario.plan, _base_dir(scenario), "plan.yaml")


def workspace_path(scenario: Scenario) -> Path | None:
    """The workspace file a scenario names, if it names one."""
    if scenario.workspace_file is None:
        return None
    return _reference_path(scenario.workspace_file, _base_dir(scenario), "workspace.yaml")


Found = tuple[list[str | int], str, str]
"""(YAML path parts, message, code) of one problem the second pass finds."""


def _template_problems(source: str | None, loc: list[str | int], defined: set[str]) -> Iterator[Found]:
    if source is None:
        return
    try:
        used = template_variables(source)
    except ValidationError as exc:
        problem = str(exc.details.get("problem") or exc.message)
        yield loc, _("is not a valid template: {problem}").format(problem=problem), "invalid_template"
        return
    for name in sorted(used - defined):
        message = _("uses the variable {name!r}, which is not defined; defined here: {known}").format(
            name=name, known=", ".join(sorted(defined))
        )
        yield loc, message, "undefined_variable"


def _templates_problems(templates: Sequence[PostTemplate], loc: list[str | int], defined: set[str]) -> Iterator[Found]:
    for i, template in enumerate(templates):
        for lang in LANGUAGES:
            yield from _template_problems(template.text(lang), [*loc, i, lang], defined)


def _coverage_problems(
    templates: Sequence[PostTemplate], weights: Mapping[str, float], loc: list[str | int]
) -> Iterator[Found]:
    """Every language with a weight above 0 needs a template with a text in that language."""
    for lang, weight in weights.items():
        if weight > 0 and not any(t.text(lang) for t in templates):
            message = _("no template has text in {lang}; add one or set this weight to 0").format(lang=lang)
            yield [*loc, lang], message, "no_template_in_language"


def _baseline_problems(scenario: Scenario) -> Iterator[Found]:
    base = scenario.baseline
    defined = {*BUILTIN_VARIABLES, *scenario.variables, *base.variables}
    yield from _templates_problems(base.templates, ["baseline", "templates"], defined)
    if base.per_minute > 0 and not base.templates:
        yield ["baseline", "templates"], _("needs at least one template when per_minute is above 0"), "no_templates"
        return
    if base.per_minute == 0:
        return
    yield from _coverage_problems(base.templates, base.languages, ["baseline", "languages"])
    for lang, weight in base.languages.items():
        texts = [t for t in base.templates if t.text(lang)]
        if weight <= 0 or not texts:
            continue
        if base.negative_share > 0 and not any(t.tone is Tone.negative for t in texts):
            message = _("is above 0, but no negative template has text in {lang}").format(lang=lang)
            yield ["baseline", "negative_share"], message, "no_negative_template"
        if base.negative_share < 1 and all(t.tone is Tone.negative for t in texts):
            message = _("is below 1, but every {lang} template is negative; add a neutral or positive one").format(
                lang=lang
            )
            yield ["baseline", "negative_share"], message, "no_other_template"


def _burst_problems(scenario: Scenario, i: int, burst: Burst) -> Iterator[Found]:
    loc: list[str | int] = ["bursts", i]
    if burst.curve is Curve.gradual and burst.ramp is None:
        yield [*loc, "ramp"], _("the gradual curve needs a ramp, such as 10m"), "missing_ramp"
    if burst.curve is Curve.sudden and burst.ramp is not None:
        yield [*loc, "ramp"], _("only the gradual and viral curves have a ramp"), "unexpected_ramp"
    if burst.curve is Curve.viral and burst.reposts is None:
        message = _("the viral curve needs reposts: the share of posts that are reposts of earlier ones, such as 0.5")
        yield [*loc, "reposts"], message, "missing_reposts"
    if burst.curve is not Curve.viral and burst.reposts is not None:
        yield [*loc, "reposts"], _("only the viral curve has reposts"), "unexpected_reposts"
    defined = {*BUILTIN_VARIABLES, *scenario.variables, *burst.variables}
    yield from _templates_problems(burst.templates, [*loc, "templates"], defined)
    if burst.langs is not None:
        yield from _coverage_problems(burst.templates, burst.langs, [*loc, "langs"])
    else:
        for lang, weight in scenario.baseline.languages.items():
            if weight > 0 and not any(t.text(lang) for t in burst.templates):
                message = _(
                    "no template has text in {lang}, which the baseline's languages need; add one or set langs"
                ).format(lang=lang)
                yield [*loc, "templates"], message, "no_template_in_language"


def _event_problems(scenario: Scenario, i: int, event: Event) -> Iterator[Found]:
    loc: list[str | int] = ["events", i]
    if event.lang is not None and event.lang not in LANGUAGES:
        message = _("unknown language {value!r}; scenarios are written in {known}").format(
            value=event.lang, known=", ".join(LANGUAGES)
        )
        yield [*loc, "lang"], message, "unknown_language"
    elif event.lang is not None and not getattr(event.text, event.lang):
        message = _("the event has no {lang} text; write text.{lang} or choose another lang").format(lang=event.lang)
        yield [*loc, "lang"], message, "no_text_in_language"
    defined = {*BUILTIN_VARIABLES, *scenario.variables, *event.variables}
    for lang in LANGUAGES:
        yield from _template_problems(getattr(event.text, lang), [*loc, "text", lang], defined)


def _time_problems(scenario: Scenario) -> Iterator[Found]:
    timed: list[tuple[list[str | int], timedelta]] = []
    timed += [(["bursts", i, "at"], b.at) for i, b in enumerate(scenario.bursts)]
    timed += [(["events", i, "at"], e.at) for i, e in enumerate(scenario.events)]
    timed += [(["availability", i, "at"], a.at) for i, a in enumerate(scenario.availability)]
    for loc, at in timed:
        if not scenario.start <= at < scenario.end:
            message = _("is outside the drill, which runs from {start} to {end}").format(
                start=format_offset(scenario.start), end=format_offset(scenario.end)
            )
            yield loc, message, "outside_drill"


def _plan_problems(scenario: Scenario, plan: Plan) -> Iterator[Found]:
    if scenario.workspace != plan.workspace:
        message = _("does not match the plan's workspace {workspace!r}").format(workspace=plan.workspace)
        yield ["workspace"], message, "workspace_mismatch"
    people = frozenset(plan.people)
    persons: list[tuple[list[str | int], str]] = [
        (["availability", i, "person"], a.person) for i, a in enumerate(scenario.availability)
    ]
    escalation = scenario.expected.escalation
    if escalation is not None:
        persons += [(["expected", "escalation", "must_reach", i], p) for i, p in enumerate(escalation.must_reach)]
        if escalation.backup_of is not None:
            persons.append((["expected", "escalation", "backup_of"], escalation.backup_of))
    for loc, person in persons:
        if person not in people:
            yield loc, unknown_message("person", person, people), "unknown_person"
    if scenario.expected.severity not in plan.severities:
        message = unknown_message("severity", scenario.expected.severity, frozenset(plan.severities))
        yield ["expected", "severity"], message, "unknown_severity"


def _file_problems(scenario: Scenario) -> Iterator[Found]:
    for field, resolve in (("plan", plan_path), ("workspace_file", workspace_path)):
        try:
            resolve(scenario)
        except NotFoundError as exc:
            yield [field], exc.message, exc.code


def scenario_problems(scenario: Scenario, *, plan: Plan | None = None, files: bool = True) -> list[Found]:
    """The problems the second pass finds in a shape-valid scenario.

    People and severity are checked only when ``plan`` is given; the plan and workspace files are
    looked for only when ``files`` is true.
    """
    found: list[Found] = [*(_file_problems(scenario) if files else []), *_baseline_problems(scenario)]
    for i, burst in enumerate(scenario.bursts):
        found += _burst_problems(scenario, i, burst)
    for i, event in enumerate(scenario.events):
        found += _event_problems(scenario, i, event)
    found += _time_problems(scenario)
    if plan is not None:
        found += _plan_problems(scenario, plan)
    if not found:
        total = expected_total(scenario)
        if total > MAX_MENTIONS:
            message = _("would generate about {n} mentions; the limit is {limit}").format(
                n=int(total), limit=MAX_MENTIONS
            )
            found.append(([], message, "too_many_mentions"))
    return found


def _describe(code: str, message: str, loc: list[str | int]) -> str:
    if code in ("float_type", "float_parsing"):
        return _("must be a number")
    if code == "bool_type":
        return _("must be true or false")
    return describe(code, message, loc, Scenario)


def _raise(path: Path, problems: list[Problem]) -> NoReturn:
    problems.sort(key=lambda p: p.line or 0)
    raise ValidationError(
        _("{path} has {n} problem(s):").format(path=path, n=len(problems))
        + "\n"
        + "\n".join(p.render() for p in problems),
        code="invalid_scenario",
        details={"problems": [p.as_dict() for p in problems]},
    )


def load_scenario(path: Path, *, plan: Plan | None = None) -> Scenario:
    """Read and validate a scenario file; with ``plan``, people and severity must exist in it.

    Raises ValidationError (code ``invalid_scenario``) listing every problem as
    ``file:line: path: message (value: …)``.
    """
    path = Path(path)
    text = read_text(path)
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        root = None  # load_model reports it with the line
    problems = [
        Problem(yaml_path(loc), _("duplicate key {key!r}; YAML would keep only the last one").format(key=loc[-1]),
                "duplicate_key", line, None, str(path))
        for loc, line in _duplicate_keys(root, [])
    ]  # fmt: skip
    try:
        scenario = load_model(path, Scenario)
    except ValidationError as exc:
        if "problems" not in exc.details:
            raise
        for raw in exc.details["problems"]:
            loc = split_path(raw["path"].replace(".[key]", ""))
            value = None if isinstance(raw["value"], (dict, list)) else raw["value"]
            message = _describe(raw["code"], raw["message"], loc)
            problems.append(Problem(yaml_path(loc), message, raw["code"], raw["line"], value, str(path)))
        _raise(path, problems)
    scenario._source = path.resolve()
    for loc, message, code in scenario_problems(scenario, plan=plan):
        problems.append(Problem(yaml_path(loc), message, code, line_of(root, loc), _written(root, loc), str(path)))
    if problems:
        _raise(path, problems)
    return scenario


def load_scenario_plan(scenario: Scenario) -> Plan:
    """The plan a loaded scenario names, validated (``baliza.plans.check.load_plan``)."""
    from baliza.plans.check import load_plan  # plans.check pulls in the analysers; only drills that run need it

    return load_plan(plan_path(scenario))


def load_scenario_with_plan(path: Path) -> tuple[Scenario, Plan]:
    """Load a scenario and the plan it names, and check the scenario's people and severity against that plan."""
    scenario = load_scenario(path)
    plan = load_scenario_plan(scenario)
    return load_scenario(path, plan=plan), plan


def bundled_scenarios() -> dict[str, Path]:
    """The scenarios shipped with Baliza, by id (the file name without ``.yaml``), in name order."""
    return {p.stem: p for p in sorted(SCENARIOS_DIR.glob("*.yaml"))}


def bundled_scenario(name: str) -> Path:
    """The path of one bundled scenario, or NotFoundError naming the known ones."""
    known = bundled_scenarios()
    if name not in known:
        raise NotFoundError(
            _("unknown scenario {value!r}; bundled: {known}").format(value=name, known=", ".join(known)),
            code="unknown_scenario",
            details={"value": name, "known": list(known)},
        )
    return known[name]


__all__ = [
    "BUILTIN_VARIABLES",
    "LANGUAGES",
    "MAX_MENTIONS",
    "SCENARIOS_DIR",
    "SCENARIO_VERSION",
    "AvailabilityChange",
    "Baseline",
    "BothLanguages",
    "Burst",
    "Curve",
    "Event",
    "EventAuthor",
    "EventKind",
    "Expected",
    "ExpectedEscalation",
    "Found",
    "PostTemplate",
    "Scenario",
    "Tone",
    "bundled_plan_path",
    "bundled_scenario",
    "bundled_scenarios",
    "curve_factor",
    "expected_per_minute",
    "expected_total",
    "format_offset",
    "load_scenario",
    "load_scenario_plan",
    "load_scenario_with_plan",
    "parse_offset",
    "plan_path",
    "scenario_problems",
    "workspace_path",
]
