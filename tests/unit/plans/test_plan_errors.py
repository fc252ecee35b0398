"""Broken plans: every error names its path and line, and says exactly what would be valid (en and es)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from plan_samples import DRILL, base_plan, write_plan

from baliza.core.errors import ValidationError
from baliza.core.i18n import use_locale
from baliza.plans.check import check_plan, load_plan

Mutation = Callable[[dict[str, Any]], None]


def _set(*path: str | int, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return mutate


def _delete(*path: str | int) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node = data
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return mutate


def _step(**step: Any) -> Mutation:
    return _set("escalation_chains", "main", "steps", 0, value=step)


TOP_KEYS = (
    "version, workspace, timezone, people, roles, rotations, severities, routes, inhibit_rules, silences, "
    "escalation_chains, playbooks, policies"
)

# (id, mutation, path, message, value)
BROKEN: list[tuple[str, Mutation, str, str, Any]] = [
    (
        "unknown person in role",
        _set("roles", "comms_lead", "backups", value=["bea", "lucai"]),
        "roles.comms_lead.backups[1]",
        "unknown person 'lucai'; known: ana, bea, carl",
        "lucai",
    ),
    (
        "unknown role in step",
        _step(notify={"role": "legl"}),
        "escalation_chains.main.steps[0].notify.role",
        "unknown role 'legl'; known: comms_lead",
        "legl",
    ),
    (
        "bad duration",
        _set("escalation_chains", "main", "steps", 0, "wait", value="10 minutes"),
        "escalation_chains.main.steps[0].wait",
        "must be a duration such as 30s, 10m, 4h, 1d or 1w",
        "10 minutes",
    ),
    (
        "bad HH:MM range",
        _set("people", "ana", "working_hours", "mon", value=["9-17"]),
        "people.ana.working_hours.mon[0]",
        "must be a time range such as 09:00-17:30",
        "9-17",
    ),
    (
        "hour out of range",
        _set("people", "ana", "working_hours", "tue", value=["09:00-25:00"]),
        "people.ana.working_hours.tue[0]",
        "25:00 is not a time of day; use 00:00 to 24:00",
        "09:00-25:00",
    ),
    (
        "range ending before it starts",
        _set("people", "ana", "working_hours", "wed", value=["22:00-06:00"]),
        "people.ana.working_hours.wed[0]",
        "must end after it starts; split a night shift in two, such as 22:00-24:00 and 00:00-06:00",
        "22:00-06:00",
    ),
    (
        "out of office ending before it starts",
        _set("people", "ana", "out_of_office", value=[{"start": "2026-11-25", "end": "2026-11-18"}]),
        "people.ana.out_of_office[0].end",
        "ends before it starts (2026-11-25)",
        "2026-11-18",
    ),
    (
        "misspelt time zone",
        _set("people", "carl", "timezone", value="Europe/Londn"),
        "people.carl.timezone",
        "unknown time zone 'Europe/Londn'; did you mean Europe/London?",
        "Europe/Londn",
    ),
    (
        "unknown time zone",
        _set("timezone", value="Mars/Olympus"),
        "timezone",
        "unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Madrid or America/Bogota",
        "Mars/Olympus",
    ),
    (
        "invalid regex matcher",
        _set("routes", "routes", 0, "matchers", value=['issue_type=~"deliv(ery"']),
        "routes.routes[0].matchers[0]",
        "is not a valid regular expression (missing ), unterminated subpattern at position 5)",
        'issue_type=~"deliv(ery"',
    ),
    (
        "unknown matcher operator",
        _set("routes", "routes", 0, "matchers", value=['severity=="sev1"']),
        "routes.routes[0].matchers[0]",
        "unknown operator '=='; use one of =, !=, =~, !~",
        'severity=="sev1"',
    ),
    (
        "matcher value with a space and no quotes",
        _set("routes", "routes", 0, "matchers", value=["author_type=news outlet"]),
        "routes.routes[0].matchers[0]",
        'the value must be in double quotes, such as author_type="value"',
        "author_type=news outlet",
    ),
    (
        "receiver naming an unknown chain",
        _set("routes", "routes", 0, "receiver", value="mian"),
        "routes.routes[0].receiver",
        "unknown escalation chain 'mian'; known: main",
        "mian",
    ),
    (
        "invalid freeze",
        _set("severities", "sev2", "freeze", value="some"),
        "severities.sev2.freeze",
        "must be one of none, promotional, all",
        "some",
    ),
    (
        "unknown top-level key",
        _set("escalations", value={}),
        "escalations",
        f"unknown key 'escalations'; valid keys here: {TOP_KEYS}",
        None,
    ),
    (
        "unknown key in a person",
        _set("people", "ana", "phone", value="+34 600 000 000"),
        "people.ana.phone",
        "unknown key 'phone'; valid keys here: "
        "name, roles, languages, timezone, contacts, working_hours, out_of_office, handles",
        "+34 600 000 000",
    ),
    (
        "weekday spelt out",
        _set("people", "ana", "working_hours", "monday", value=["09:00-17:00"]),
        "people.ana.working_hours.monday",
        "unknown key 'monday'; valid keys here: mon, tue, wed, thu, fri, sat, sun",
        None,
    ),
    ("missing required field", _delete("people", "ana", "name"), "people.ana.name", "is required", None),
    (
        "severity referenced but undefined",
        _set("routes", "routes", 0, "matchers", value=['severity=~"sev2|sev3"']),
        "routes.routes[0].matchers[0]",
        "unknown severity 'sev3'; known: sev1, sev2",
        'severity=~"sev2|sev3"',
    ),
    (
        "playbook severity hint undefined",
        _set("playbooks", "delivery_failure", "severity_hint", value="sev5"),
        "playbooks.delivery_failure.severity_hint",
        "unknown severity 'sev5'; known: sev1, sev2",
        "sev5",
    ),
    (
        "playbook task role unknown",
        _set("playbooks", "delivery_failure", "tasks", 0, "role", value="pr_agency"),
        "playbooks.delivery_failure.tasks[0].role",
        "unknown role 'pr_agency'; known: comms_lead",
        "pr_agency",
    ),
    (
        "duplicate person in role backups",
        _set("roles", "comms_lead", "backups", value=["bea", "carl", "bea"]),
        "roles.comms_lead.backups",
        "lists 'bea' twice",
        None,
    ),
    (
        "primary listed as a backup",
        _set("roles", "comms_lead", "backups", value=["ana"]),
        "roles.comms_lead.backups",
        "'ana' is the primary; a backup must be someone else",
        None,
    ),
    (
        "rotation with an unknown member",
        _set("rotations", "oncall", "members", value=["ana", "zoe"]),
        "rotations.oncall.members[1]",
        "unknown person 'zoe'; known: ana, bea, carl",
        "zoe",
    ),
    (
        "rotation handoff unquoted",
        _set("rotations", "oncall", "handoff", value=1080),
        "rotations.oncall.handoff",
        'must be a time of day in quotes, such as "09:00"',
        1080,
    ),
    (
        "rotation shorter than an hour",
        _set("rotations", "oncall", "length", value="30m"),
        "rotations.oncall.length",
        "a shift must last at least 1h",
        "30m",
    ),
    (
        "step with both notify and escalate_to",
        _step(notify={"role": "comms_lead"}, escalate_to={"person": "bea"}),
        "escalation_chains.main.steps[0]",
        "a step does one thing; this one has both notify and escalate_to",
        None,
    ),
    (
        "target naming two kinds",
        _step(notify={"role": "comms_lead", "person": "ana"}),
        "escalation_chains.main.steps[0].notify",
        "name exactly one of role, person or rotation",
        None,
    ),
    (
        "notify_backup with no role before it",
        _step(notify_backup=True),
        "escalation_chains.main.steps",
        "step 1 uses notify_backup, but no earlier step notifies a role",
        None,
    ),
    (
        "repeat without wait",
        _step(notify={"person": "bea"}, repeat=2),
        "escalation_chains.main.steps[0]",
        "repeat needs a wait between the repeats",
        None,
    ),
    (
        "statement approval by an unknown role",
        _set("policies", "statement_approval", "roles", value=["comms_lead", "legal"]),
        "policies.statement_approval.roles[1]",
        "unknown role 'legal'; known: comms_lead",
        "legal",
    ),
    (
        "sla of zero minutes",
        _set("severities", "sev1", "response_sla_minutes", value=0),
        "severities.sev1.response_sla_minutes",
        "must be more than 0",
        0,
    ),
    (
        "sla keyed by an unknown severity",
        _set("policies", "response_sla_minutes", value={"sev1": 15, "sev9": 5}),
        "policies.response_sla_minutes.sev9",
        "unknown severity 'sev9'; known: sev1, sev2",
        "sev9",
    ),
    (
        "root route with matchers",
        _set("routes", "matchers", value=['severity="sev1"']),
        "routes",
        "the root route matches every signal; move its matchers to a child route",
        None,
    ),
    (
        "contact that is not a URL",
        _set("people", "ana", "contacts", value=["ana@example.org"]),
        "people.ana.contacts[0]",
        "must be an Apprise URL such as mailto://ana@example.org or tgram://${BOT_TOKEN}/12345",
        "ana@example.org",
    ),
    (
        "malformed placeholder in a contact",
        _set("people", "ana", "contacts", value=["tgram://${BOT_TOKEN/1"]),
        "people.ana.contacts[0]",
        "has a malformed placeholder; write ${NAME} with letters, digits and _",
        "tgram://${BOT_TOKEN/1",
    ),
    (
        "holding statement with a broken placeholder",
        _set("playbooks", "delivery_failure", "holding_statement", "en", value="Since {start_time…"),
        "playbooks.delivery_failure.holding_statement",
        "the en text is not a valid template (expected '}' before end of string); "
        "write each placeholder as a name in braces",
        None,
    ),
    (
        "person id with a space",
        lambda data: data["people"].update({"ana maria": {"name": "Ana María"}}),
        "people.ana maria",
        "must be a name made of letters, digits, _ and - (no spaces or dots)",
        "ana maria",
    ),
    (
        "future plan version",
        _set("version", value=2),
        "version",
        "this version of Baliza reads plan version 1",
        2,
    ),
    (
        "silence that matches everything",
        _set(
            "silences",
            value=[
                {
                    "matchers": ['story=~".*"'],
                    "starts_at": "2026-11-20T10:00:00+01:00",
                    "ends_at": "2026-11-20T12:00:00+01:00",
                    "created_by": "ana",
                    "comment": "maintenance",
                }
            ],
        ),
        "silences[0].matchers",
        "needs at least one matcher that does not match an empty value",
        None,
    ),
]


@pytest.mark.parametrize(("mutate", "path", "message", "value"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_each_broken_plan_reports_one_exact_error(
    tmp_path: Path, mutate: Mutation, path: str, message: str, value: Any
) -> None:
    data = base_plan()
    mutate(data)
    result = check_plan(write_plan(tmp_path, data), env={}, now=DRILL)
    assert [(p.path, p.message) for p in result.errors] == [(path, message)]
    assert result.errors[0].value == value
    assert result.errors[0].line is not None
    assert result.warnings == []
    assert result.plan is None


def test_there_are_at_least_twenty_broken_plans() -> None:
    assert len(BROKEN) >= 20


def test_the_base_plan_is_clean(tmp_path: Path) -> None:
    result = check_plan(write_plan(tmp_path, base_plan()), env={}, now=DRILL)
    assert result.errors == []
    assert result.warnings == []
    assert result.ok


SPANISH = [
    ("unknown person in role", "persona desconocida 'lucai'; conocidas: ana, bea, carl"),
    ("bad duration", "debe ser una duración como 30s, 10m, 4h, 1d o 1w"),
    ("unknown matcher operator", "operador desconocido '=='; usa uno de =, !=, =~, !~"),
    ("invalid freeze", "debe ser uno de estos valores: none, promotional, all"),
    ("missing required field", "es obligatorio"),
    ("unknown top-level key", f"clave desconocida 'escalations'; claves válidas aquí: {TOP_KEYS}"),
    ("out of office ending before it starts", "termina antes de empezar (2026-11-25)"),
    ("misspelt time zone", "zona horaria desconocida 'Europe/Londn'; ¿quisiste decir Europe/London?"),
]


@pytest.mark.parametrize(("case", "message"), SPANISH, ids=[s[0] for s in SPANISH])
def test_errors_in_spanish(tmp_path: Path, case: str, message: str) -> None:
    mutate = next(b[1] for b in BROKEN if b[0] == case)
    data = base_plan()
    mutate(data)
    path = write_plan(tmp_path, data)
    with use_locale("es"):
        result = check_plan(path, env={}, now=DRILL)
    assert [p.message for p in result.errors] == [message]


def test_errors_carry_line_numbers_and_render_like_a_compiler(tmp_path: Path) -> None:
    data = base_plan()
    data["roles"]["comms_lead"]["backups"] = ["bea", "lucai"]
    data["escalation_chains"]["main"]["steps"][0]["wait"] = "10 minutes"
    path = write_plan(tmp_path, data)
    result = check_plan(path, env={}, now=DRILL)
    lines = path.read_text().splitlines()
    rendered = [p.render() for p in result.errors]
    backups = next(i for i, line in enumerate(lines, 1) if "lucai" in line)
    wait = next(i for i, line in enumerate(lines, 1) if "10 minutes" in line)
    assert rendered == [
        f"{path}:{backups}: roles.comms_lead.backups[1]: "
        "unknown person 'lucai'; known: ana, bea, carl (value: 'lucai')",
        f"{path}:{wait}: escalation_chains.main.steps[0].wait: must be a duration such as 30s, 10m, 4h, 1d or 1w "
        "(value: '10 minutes')",
    ]
    assert [p.code for p in result.errors] == ["unknown_person", "invalid_duration"]


def test_load_plan_raises_one_validation_error_listing_every_problem(tmp_path: Path) -> None:
    data = base_plan()
    data["severities"]["sev2"]["freeze"] = "some"
    del data["people"]["carl"]["name"]
    path = write_plan(tmp_path, data)
    with pytest.raises(ValidationError) as caught:
        load_plan(path)
    assert caught.value.code == "invalid_plan"
    problems = caught.value.details["problems"]
    assert [(p["path"], p["message"], p["code"]) for p in problems] == [
        ("people.carl.name", "is required", "missing"),
        ("severities.sev2.freeze", "must be one of none, promotional, all", "invalid_choice"),
    ]
    assert caught.value.message.splitlines()[0] == f"{path} has 2 problem(s):"


def test_duplicate_yaml_keys_are_errors(tmp_path: Path) -> None:
    path = write_plan(tmp_path, base_plan())
    text = path.read_text().replace("  bea:\n", "  ana:\n    name: Otra Ana\n  bea:\n", 1)
    path.write_text(text)
    result = check_plan(path, env={}, now=DRILL)
    assert [(p.path, p.message, p.code) for p in result.errors] == [
        ("people.ana", "duplicate key 'ana'; YAML would keep only the last one", "duplicate_key")
    ]


def test_invalid_yaml_is_one_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("version: 1\npeople:\n  ana: [unclosed\n")
    result = check_plan(path, env={}, now=DRILL)
    assert len(result.errors) == 1
    assert result.errors[0].code == "invalid_yaml"
    assert result.errors[0].message.startswith("not valid YAML (")
    assert result.errors[0].line == 4


def test_a_missing_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="File not found"):
        check_plan(tmp_path / "nope.yaml", env={}, now=DRILL)


def test_values_are_shown_as_written_in_yaml(tmp_path: Path) -> None:
    path = write_plan(tmp_path, base_plan())
    text = path.read_text().replace(
        "    contacts:\n    - mailto://ana@example.org\n",
        "    contacts:\n    - mailto://ana@example.org\n"
        "    out_of_office:\n    - start: 2026-11-25\n      end: 2026-11-18\n",
        1,
    )
    path.write_text(text.replace("length: 1w", "length: true"))
    rendered = [p.render().split(": ", 1)[1] for p in check_plan(path, env={}, now=DRILL).errors]
    assert rendered == [
        "people.ana.out_of_office[0].end: ends before it starts (2026-11-25) (value: 2026-11-18)",
        "rotations.oncall.length: must be a duration such as 30s, 10m, 4h, 1d or 1w (value: true)",
    ]
