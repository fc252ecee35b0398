"""Drill scenario files: broken ones fail with the exact path, value and message; the bundled six load and are sound."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from scenario_samples import base_scenario, write_scenario

from baliza.core.errors import NotFoundError, ValidationError
from baliza.core.i18n import use_locale
from baliza.core.yamlfile import load_model
from baliza.drills.generator import generate, timeline
from baliza.drills.scenario import (
    SCENARIOS_DIR,
    Curve,
    Scenario,
    bundled_scenario,
    bundled_scenarios,
    format_offset,
    load_scenario,
    load_scenario_plan,
    load_scenario_with_plan,
    parse_offset,
    plan_path,
    workspace_path,
)
from baliza.ingest.matching import RuleMatcher, RuleSpec
from baliza.ingest.normalize import fold
from baliza.plans.check import check_plan, load_plan
from baliza.plans.schema import Plan
from baliza.workspaces.schemas import WorkspaceCreate

Mutation = Callable[[dict[str, Any]], None]
ACME_PEOPLE = "ana, beatriz, diego, elena, hannah, javier, lucia, marcos, nerea, pau, sofia, tomas"
BURST_KEYS = (
    "name, at, curve, peak_per_minute, ramp, half_life, reposts, repost_delay, platforms, langs, templates, "
    "variables, hashtags, hashtag_share"
)
BUNDLED = ("data-breach", "delivery-failure", "influencer-viral", "offensive-advert", "product-recall", "public-health")


def _set(*path: str | int, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return mutate


def _delete(*path: str | int) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return mutate


def _both(*mutations: Mutation) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(data)

    return mutate


# (id, mutation, path, message, value)
BROKEN: list[tuple[str, Mutation, str, str, Any]] = [
    (
        "offset in words",
        _set("bursts", 0, "at", value="20 minutes"),
        "bursts[0].at",
        "must be a time in the drill such as T0, T+20m or T-3d (a bare duration such as 10m means T+10m)",
        "20 minutes",
    ),
    (
        "duration in words",
        _set("bursts", 0, "half_life", value="10 mins"),
        "bursts[0].half_life",
        "must be a duration such as 30s, 10m, 4h, 1d or 1w",
        "10 mins",
    ),
    ("zero duration", _set("duration", value="0s"), "duration", "must be longer than 0s, such as 10m", "0s"),
    (
        "unknown curve",
        _set("bursts", 0, "curve", value="exponential"),
        "bursts[0].curve",
        "must be one of sudden, gradual, viral",
        "exponential",
    ),
    (
        "unknown event kind",
        _set("events", 0, "kind", value="tweet"),
        "events[0].kind",
        "must be one of influencer_post, journalist_question, news_article, competitor_post, custom",
        "tweet",
    ),
    (
        "gradual without ramp",
        _set("bursts", 0, "curve", value="gradual"),
        "bursts[0].ramp",
        "the gradual curve needs a ramp, such as 10m",
        None,
    ),
    (
        "sudden with a ramp",
        _set("bursts", 0, "ramp", value="5m"),
        "bursts[0].ramp",
        "only the gradual and viral curves have a ramp",
        "5m",
    ),
    (
        "viral without reposts",
        _set("bursts", 0, "curve", value="viral"),
        "bursts[0].reposts",
        "the viral curve needs reposts: the share of posts that are reposts of earlier ones, such as 0.5",
        None,
    ),
    (
        "branching factor of 1 or more",
        _both(_set("bursts", 0, "curve", value="viral"), _set("bursts", 0, "reposts", value=1.2)),
        "bursts[0].reposts",
        "must be at least 0 and below 1, such as 0.5 (at 1 or more the reposts would never die out)",
        1.2,
    ),
    (
        "reposts on a sudden burst",
        _set("bursts", 0, "reposts", value=0.5),
        "bursts[0].reposts",
        "only the viral curve has reposts",
        0.5,
    ),
    (
        "event after the drill ends",
        _set("events", 0, "at", value="T+1h"),
        "events[0].at",
        "is outside the drill, which runs from T-10m to T+30m",
        "T+1h",
    ),
    (
        "availability before the drill starts",
        _set("availability", 0, "at", value="T-1h"),
        "availability[0].at",
        "is outside the drill, which runs from T-10m to T+30m",
        "T-1h",
    ),
    (
        "undefined template variable",
        _set("baseline", "templates", 0, "es", value="Hola desde {{ ciudad }}, Acme"),
        "baseline.templates[0].es",
        "uses the variable 'ciudad', which is not defined; defined here: city, hours, minutes, number, order",
        "Hola desde {{ ciudad }}, Acme",
    ),
    (
        "template syntax error",
        _set("events", 0, "text", "en", value="Acme {{ city "),
        "events[0].text.en",
        "is not a valid template: unexpected end of template, expected 'end of print statement'.",
        "Acme {{ city ",
    ),
    (
        "unknown language",
        _set("baseline", "languages", value={"es": 0.5, "fr": 0.5}),
        "baseline.languages",
        "unknown language 'fr'; scenarios are written in es, en",
        None,
    ),
    (
        "a language no template is written in",
        _set("bursts", 0, "templates", value=[{"tone": "negative", "es": "Acme no llega"}]),
        "bursts[0].templates",
        "no template has text in en, which the baseline's languages need; add one or set langs",
        None,
    ),
    (
        "burst langs without a template",
        _both(
            _set("bursts", 0, "langs", value={"es": 1, "en": 1}),
            _set("bursts", 0, "templates", value=[{"tone": "negative", "es": "Acme no llega"}]),
        ),
        "bursts[0].langs.en",
        "no template has text in en; add one or set this weight to 0",
        1,
    ),
    (
        "negative share above 1",
        _set("baseline", "negative_share", value=1.5),
        "baseline.negative_share",
        "must be a share from 0 to 1, such as 0.3",
        1.5,
    ),
    (
        "negative share without negative templates",
        _set("baseline", "templates", 1, "tone", value="neutral"),
        "baseline.negative_share",
        "is above 0, but no negative template has text in es",
        0.2,
    ),
    (
        "unknown key",
        _set("bursts", 0, "peak", value=3),
        "bursts[0].peak",
        f"unknown key 'peak'; valid keys here: {BURST_KEYS}",
        3,
    ),
    ("missing key", _delete("bursts", 0, "peak_per_minute"), "bursts[0].peak_per_minute", "is required", None),
    ("missing English title", _delete("title", "en"), "title.en", "is required", None),
    ("future version", _set("version", value=2), "version", "this version of Baliza reads scenario version 1", 2),
    (
        "id with spaces",
        _set("id", value="Delivery Failure"),
        "id",
        "must be lowercase letters, digits and dashes, such as delivery-failure",
        "Delivery Failure",
    ),
    (
        "platform with a space",
        _set("baseline", "platforms", value={"X Twitter": 1}),
        "baseline.platforms",
        "'X Twitter' is not a platform name; use lowercase letters, digits, _, . and -, such as x or instagram",
        None,
    ),
    (
        "every weight zero",
        _set("baseline", "platforms", value={"x": 0, "instagram": 0}),
        "baseline.platforms",
        "needs at least one weight above 0, such as {x: 0.6, instagram: 0.4}",
        None,
    ),
    ("negative weight", _set("baseline", "platforms", "x", value=-1), "baseline.platforms.x", "must be 0 or more", -1),
    ("rate in words", _set("baseline", "per_minute", value="lots"), "baseline.per_minute", "must be a number", "lots"),
    (
        "zero peak",
        _set("bursts", 0, "peak_per_minute", value=0),
        "bursts[0].peak_per_minute",
        "must be more than 0",
        0,
    ),
    (
        "event language without text",
        _both(_set("events", 0, "lang", value="en"), _set("events", 0, "text", value={"es": "Acme no llega"})),
        "events[0].lang",
        "the event has no en text; write text.en or choose another lang",
        "en",
    ),
    (
        "handle with a space",
        _set("events", 0, "author", "handle", value="come con marta"),
        "events[0].author.handle",
        "must be one word without spaces, such as @comeconmarta",
        "come con marta",
    ),
    (
        "variable name with a dash",
        _set("variables", value={"the-city": ["Madrid"]}),
        "variables",
        "'the-city' is not a variable name; use letters, digits and _, starting with a letter",
        None,
    ),
    (
        "unknown bundled plan",
        _set("plan", value="bundled:zeta"),
        "plan",
        "unknown bundled example 'zeta'; bundled: acme",
        "bundled:zeta",
    ),
]


def _problems(path: Path, plan: Plan | None = None) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as caught:
        load_scenario(path, plan=plan)
    assert caught.value.code == "invalid_scenario"
    problems: list[dict[str, Any]] = caught.value.details["problems"]
    return problems


@pytest.fixture(scope="module")
def acme_plan() -> Plan:
    return load_plan(SCENARIOS_DIR.parents[1] / "examples" / "acme" / "plan.yaml")


def test_the_sample_is_valid(tmp_path: Path, acme_plan: Plan) -> None:
    scenario = load_scenario(write_scenario(tmp_path, base_scenario()), plan=acme_plan)
    assert scenario.start == timedelta(minutes=-10)
    assert scenario.end == timedelta(minutes=30)
    assert scenario.bursts[0].curve is Curve.sudden
    assert scenario.events[0].author.followers == 250_000
    assert scenario.availability[0].unavailable is True
    assert scenario.allow_real_notifications is False


@pytest.mark.parametrize(("case", "mutate", "path", "message", "value"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_scenario(tmp_path: Path, case: str, mutate: Mutation, path: str, message: str, value: Any) -> None:
    data = base_scenario()
    mutate(data)
    problems = _problems(write_scenario(tmp_path, data))
    found = [p for p in problems if p["path"] == path]
    assert found, f"no problem at {path}: {problems}"
    assert found[0]["message"] == message
    assert found[0]["value"] == value
    assert found[0]["line"] is not None


def test_the_error_message_names_file_line_path_and_value(tmp_path: Path) -> None:
    data = base_scenario()
    data["bursts"][0]["curve"] = "exponential"
    path = write_scenario(tmp_path, data)
    line = path.read_text(encoding="utf-8").splitlines().index("  curve: exponential") + 1
    with pytest.raises(ValidationError) as caught:
        load_scenario(path)
    assert str(caught.value) == (
        f"{path} has 1 problem(s):\n"
        f"{path}:{line}: bursts[0].curve: must be one of sudden, gradual, viral (value: 'exponential')"
    )


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = base_scenario()
    data["duration"] = "forever"
    data["bursts"][0]["curve"] = "exponential"
    data["events"][0]["kind"] = "tweet"
    paths = [p["path"] for p in _problems(write_scenario(tmp_path, data))]
    assert paths == ["duration", "bursts[0].curve", "events[0].kind"]


def test_errors_in_spanish(tmp_path: Path, acme_plan: Plan) -> None:
    data = base_scenario()
    data["bursts"][0]["at"] = "20 minutos"
    data["availability"][0]["person"] = "lucai"
    with use_locale("es"):
        problems = _problems(write_scenario(tmp_path, data))
        assert problems[0]["message"] == (
            "debe ser un momento del simulacro como T0, T+20m o T-3d (una duración sola, como 10m, significa T+10m)"
        )
        data["bursts"][0]["at"] = "T+2m"
        problems = _problems(write_scenario(tmp_path, data), plan=acme_plan)
        assert problems[0]["message"] == f"persona desconocida 'lucai'; conocidas: {ACME_PEOPLE}"


@pytest.mark.parametrize(
    ("mutate", "path", "message", "value"),
    [
        (
            _set("availability", 0, "person", value="lucai"),
            "availability[0].person",
            f"unknown person 'lucai'; known: {ACME_PEOPLE}",
            "lucai",
        ),
        (
            _set("expected", "escalation", "must_reach", value=["diego", "dieog"]),
            "expected.escalation.must_reach[1]",
            f"unknown person 'dieog'; known: {ACME_PEOPLE}",
            "dieog",
        ),
        (
            _set("expected", "escalation", "backup_of", value="lucya"),
            "expected.escalation.backup_of",
            f"unknown person 'lucya'; known: {ACME_PEOPLE}",
            "lucya",
        ),
        (
            _set("expected", "severity", value="sev5"),
            "expected.severity",
            "unknown severity 'sev5'; known: sev1, sev2, sev3, sev4",
            "sev5",
        ),
        (
            _set("workspace", value="villaclara"),
            "workspace",
            "does not match the plan's workspace 'acme'",
            "villaclara",
        ),
    ],
)
def test_checked_against_the_plan(
    tmp_path: Path, acme_plan: Plan, mutate: Mutation, path: str, message: str, value: Any
) -> None:
    data = base_scenario()
    mutate(data)
    path_ = write_scenario(tmp_path, data)
    load_scenario(path_)  # without a plan there is nothing to check people against
    problems = _problems(path_, plan=acme_plan)
    assert [(p["path"], p["message"], p["value"]) for p in problems] == [(path, message, value)]


def test_load_with_plan_checks_people(tmp_path: Path) -> None:
    data = base_scenario()
    data["availability"][0]["person"] = "lucai"
    with pytest.raises(ValidationError) as caught:
        load_scenario_with_plan(write_scenario(tmp_path, data))
    assert caught.value.details["problems"][0]["path"] == "availability[0].person"


def test_plan_relative_to_the_scenario_file(tmp_path: Path) -> None:
    data = base_scenario()
    data["plan"] = "plans/missing.yaml"
    problems = _problems(write_scenario(tmp_path, data))
    assert problems[0]["path"] == "plan"
    assert problems[0]["message"] == f"file not found: {tmp_path / 'plans' / 'missing.yaml'}"
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "missing.yaml").write_bytes((SCENARIOS_DIR / "public-body" / "plan.yaml").read_bytes())
    data["workspace"] = "villaclara"
    data["availability"][0]["person"] = "irene"
    data["expected"]["escalation"] = {"must_reach": ["oscar"], "backup_of": "irene"}
    scenario, plan = load_scenario_with_plan(write_scenario(tmp_path, data))
    assert plan.workspace == "villaclara"
    assert plan_path(scenario) == tmp_path / "plans" / "missing.yaml"
    assert workspace_path(scenario) is None


def test_duplicate_keys_are_reported(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, base_scenario())
    path.write_text(path.read_text(encoding="utf-8") + "duration: 2h\n", encoding="utf-8")
    problems = _problems(path)
    assert problems[0]["path"] == "duration"
    assert problems[0]["message"] == "duplicate key 'duration'; YAML would keep only the last one"


def test_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_scenario(path)
    assert caught.value.code == "invalid_yaml"


def test_too_many_mentions(tmp_path: Path) -> None:
    data = base_scenario()
    data["start"] = "T-3d"
    data["duration"] = "4d"
    data["baseline"]["per_minute"] = 200
    problems = _problems(write_scenario(tmp_path, data))
    assert problems[0]["path"] == ""
    assert problems[0]["message"] == "would generate about 1152433 mentions; the limit is 500000"


@pytest.mark.parametrize(
    ("written", "minutes"),
    [("T0", 0), ("T", 0), (0, 0), ("T+20m", 20), ("T-3d", -3 * 24 * 60), ("20m", 20), ("T+1h30m", 90), ("T+0", 0)],
)
def test_offsets(written: str | int, minutes: int) -> None:
    assert parse_offset(written) == timedelta(minutes=minutes)


@pytest.mark.parametrize(("minutes", "shown"), [(0, "T0"), (20, "T+20m"), (-90, "T-1h30m"), (3 * 24 * 60, "T+3d")])
def test_offsets_are_written_back(minutes: int, shown: str) -> None:
    assert format_offset(timedelta(minutes=minutes)) == shown


# --- the bundled scenarios --------------------------------------------------------------------


def test_six_bundled_scenarios() -> None:
    assert tuple(bundled_scenarios()) == BUNDLED
    with pytest.raises(NotFoundError) as caught:
        bundled_scenario("fire")
    assert caught.value.message == f"unknown scenario 'fire'; bundled: {', '.join(BUNDLED)}"


@functools.cache
def _bundled(name: str) -> tuple[Scenario, Plan, list[dict[str, Any]]]:
    """A bundled scenario, its plan, and its mentions for its suggested T0 (generated once per test session)."""
    scenario, plan = load_scenario_with_plan(bundled_scenario(name))
    assert scenario.suggested_t0 is not None
    return scenario, plan, generate(scenario, start=scenario.suggested_t0, seed=7)


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenario_loads_with_its_plan_and_generates(name: str) -> None:
    scenario, plan, mentions = _bundled(name)
    assert scenario.id == name
    assert scenario.workspace == plan.workspace
    assert scenario.allow_real_notifications is False
    assert scenario.suggested_t0 is not None
    for text in (scenario.title, scenario.description):
        assert text.es and text.en and text.es != text.en
    # bilingual posts: every template set and every event has both languages somewhere
    for burst in scenario.bursts:
        assert any(t.es for t in burst.templates) and any(t.en for t in burst.templates)
    for event in scenario.events:
        assert event.text.es and event.text.en
    people = {a.person for a in scenario.availability}
    assert people and people <= set(plan.people)
    assert len(mentions) > 1000
    assert {m["lang"] for m in mentions} == {"es", "en"}
    assert sum(m["raw"]["part"] == "event" for m in mentions) == len(scenario.events)
    assert [e.kind for e in timeline(scenario)].count("availability") == len(scenario.availability)


@pytest.mark.parametrize("name", BUNDLED)
def test_every_generated_post_matches_the_workspace_watch_rules(name: str) -> None:
    scenario, _plan, mentions = _bundled(name)
    ws_file = workspace_path(scenario)
    assert ws_file is not None
    workspace = load_model(ws_file, WorkspaceCreate)
    assert workspace.slug == scenario.workspace
    matcher = RuleMatcher([RuleSpec.of(i, rule) for i, rule in enumerate(workspace.watch_rules)])
    missed = {m["text"] for m in mentions if not matcher.match(fold(m["text"]))}
    assert not missed, f"posts the workspace would not keep: {sorted(missed)[:5]}"


def test_public_body_plan_passes_plan_check() -> None:
    result = check_plan(SCENARIOS_DIR / "public-body" / "plan.yaml", env={})
    assert result.errors == []
    assert result.plan is not None
    assert result.plan.workspace == "villaclara"
    assert {"community_manager", "comms_lead", "health_officer", "emergency_coordinator"} <= set(result.plan.roles)


def test_public_health_uses_its_own_plan() -> None:
    scenario = load_scenario(bundled_scenario("public-health"))
    assert plan_path(scenario) == SCENARIOS_DIR / "public-body" / "plan.yaml"
    assert load_scenario_plan(scenario).workspace == "villaclara"


def test_delivery_failure_is_the_demo_story() -> None:
    scenario, plan = load_scenario_with_plan(bundled_scenario("delivery-failure"))
    assert scenario.baseline.per_minute == 20
    assert [b.curve for b in scenario.bursts] == [Curve.sudden, Curve.viral]
    influencer = next(e for e in scenario.events if e.kind == "influencer_post")
    assert (influencer.at, influencer.author.followers) == (timedelta(minutes=6), 250_000)
    journalist = next(e for e in scenario.events if e.kind == "journalist_question")
    assert journalist.at == timedelta(minutes=15)
    lucia = scenario.availability[0]
    assert (lucia.at, lucia.person, lucia.unavailable) == (timedelta(0), "lucia", True)
    assert plan.roles["community_manager"].primary == "lucia"
    expected = scenario.expected
    assert (expected.acknowledge_within, expected.holding_statement_within, expected.first_response_within) == (
        timedelta(minutes=10),
        timedelta(minutes=30),
        timedelta(minutes=15),
    )
    assert expected.severity == "sev2"
    assert expected.escalation is not None
    assert (expected.escalation.must_reach, expected.escalation.backup_of) == (["diego"], "lucia")
    assert "diego" in plan.roles["community_manager"].backups


def test_the_timeline_is_in_time_order_with_availability_first() -> None:
    scenario = load_scenario(bundled_scenario("delivery-failure"))
    entries = timeline(scenario)
    assert [(e.offset, e.kind) for e in entries] == [
        ("T0", "availability"),
        ("T+6m", "event"),
        ("T+15m", "event"),
        ("T+20m", "event"),
        ("T+35m", "event"),
    ]
    assert entries[0].availability is not None and entries[0].availability.person == "lucia"
    assert entries[1].event is not None and entries[1].event.author.handle == "@comeconmarta"


def test_bundled_files_are_plain_yaml() -> None:
    for path in bundled_scenarios().values():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["id"] == path.stem


@pytest.mark.parametrize("name", BUNDLED)
def test_a_scenario_survives_a_json_round_trip(name: str) -> None:
    scenario = load_scenario(bundled_scenario(name))
    stored = scenario.model_dump(mode="json")
    assert stored["start"] == "T-1h30m"
    assert Scenario.model_validate(stored).model_dump(mode="json") == stored
