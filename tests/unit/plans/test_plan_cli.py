"""``baliza plan check`` and ``baliza routes test`` through typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

import pytest
from plan_samples import EXAMPLE, base_plan, write_plan
from typer.testing import CliRunner

from baliza.cli.plan import plan_app, routes_app
from baliza.core.errors import ValidationError
from baliza.core.i18n import use_locale


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("ACME_TELEGRAM_BOT_TOKEN",):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def test_plan_check_on_a_good_plan(runner: CliRunner, tmp_path: Path) -> None:
    path = write_plan(tmp_path, base_plan())
    result = runner.invoke(plan_app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{path}: 0 error(s), 0 warning(s)"


def test_plan_check_on_a_plan_with_warnings_exits_zero(runner: CliRunner, tmp_path: Path) -> None:
    data = base_plan()
    data["roles"]["comms_lead"]["backups"] = []
    path = write_plan(tmp_path, data)
    result = runner.invoke(plan_app, ["check", str(path)])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[0].endswith(": roles.comms_lead: role comms_lead has no backup: nobody covers when ana is away")
    assert lines[0].startswith(f"{path}:")
    assert lines[-1] == f"{path}: 0 error(s), 1 warning(s)"


def test_plan_check_on_a_broken_plan_exits_one_and_says_why(runner: CliRunner, tmp_path: Path) -> None:
    data = base_plan()
    data["roles"]["comms_lead"]["backups"] = ["bea", "lucai"]
    path = write_plan(tmp_path, data)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "lucai" in text)
    result = runner.invoke(plan_app, ["check", str(path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"{path}:{line}: roles.comms_lead.backups[1]: unknown person 'lucai'; known: ana, bea, carl (value: 'lucai')",
        f"{path}: 1 error(s), 0 warning(s)",
    ]


def test_plan_check_in_spanish(runner: CliRunner, tmp_path: Path) -> None:
    data = base_plan()
    data["severities"]["sev2"]["freeze"] = "some"
    path = write_plan(tmp_path, data)
    with use_locale("es"):
        result = runner.invoke(plan_app, ["check", str(path)])
    assert result.exit_code == 1
    assert "severities.sev2.freeze: debe ser uno de estos valores: none, promotional, all (valor: 'some')" in (
        result.output
    )
    assert result.output.strip().splitlines()[-1] == f"{path}: 1 error(es), 0 aviso(s)"


def test_plan_check_on_the_bundled_example(runner: CliRunner) -> None:
    result = runner.invoke(plan_app, ["check", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].endswith("plan.yaml: 0 error(s), 2 warning(s)")


def test_routes_test_on_the_drill_day(runner: CliRunner) -> None:
    args = ["test", "severity=sev2", "issue_type=delivery", "--at", "2026-11-20T10:00:00+01:00", "--plan", str(EXAMPLE)]
    result = runner.invoke(routes_app, args)
    assert result.exit_code == 0, result.output
    out = result.output.splitlines()
    assert "Route 1: routes.routes[3].routes[0] → customer_care_fyi (continue: yes)" in out
    assert "Route 2: routes.routes[3].routes[2] → sev2 (continue: no)" in out
    assert '  group key: routes.routes[3].routes[2]:{issue_type="delivery"}' in out
    assert "  timers: group_wait 10s, group_interval 5m, repeat_interval 30m" in out
    assert "Inhibited: no" in out
    assert "Silenced: no" in out
    assert "Chain sev2 (if nobody acknowledges, it runs 1h25m):" in out
    first = out.index(
        "  1. Fri 10:00 notify role community_manager (wait 10m)",
        out.index("Chain sev2 (if nobody acknowledges, it runs 1h25m):"),
    )
    assert out[first + 1 : first + 3] == [
        "     page Diego Ramos (diego): backup 1 for community_manager",
        "     skip Lucía García (lucia): out of office until 2026-11-25 (Vacaciones / Holiday)",
    ]


def test_routes_test_with_unavailable_people_inhibition_and_local_time(runner: CliRunner) -> None:
    args = [
        "test",
        "severity=sev3",
        "issue_type=delivery",
        "--at",
        "2026-11-20T10:00",
        "--plan",
        str(EXAMPLE),
        "--unavailable",
        "diego,nerea",
        "--open",
        "severity=sev2,issue_type=delivery",
    ]
    result = runner.invoke(routes_app, args)
    assert result.exit_code == 0, result.output
    out = result.output.splitlines()
    assert "At: 2026-11-20 10:00 (Europe/Madrid)" in out
    assert "Inhibited: yes, by inhibit_rules[1] (open alert severity=sev2,issue_type=delivery)" in out
    assert "While muted nobody is paged; this is who would be otherwise:" in out
    assert "     skip Diego Ramos (diego): marked unavailable" in out


def test_routes_test_reports_silences(runner: CliRunner) -> None:
    args = ["test", "severity=sev4", "issue_type=pricing", "--at", "2026-11-28T12:00:00+01:00", "--plan", str(EXAMPLE)]
    result = runner.invoke(routes_app, args)
    assert result.exit_code == 0, result.output
    comment = (
        "Black Friday: las quejas sueltas por precios son esperables / "
        "Black Friday: scattered pricing complaints are expected"
    )
    assert f"Silenced: yes, until 2026-11-30 23:59, by ana ({comment})" in result.output.splitlines()
    args[4] = "2026-11-20T10:00:00+01:00"
    result = runner.invoke(routes_app, args)
    out = result.output.splitlines()
    assert "Silenced: no" in out
    assert f"A silence by ana will mute it from 2026-11-27 00:00 ({comment})" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["test", "severity"], "'severity' is not a label; write name=value, such as severity=sev2"),
        (
            ["test", "severity=sev2", "--at", "mañana"],
            "--at must be a date and time such as 2026-11-20T10:00:00+01:00, not 'mañana'",
        ),
        (
            ["test", "severity=sev2", "--unavailable", "lucia,zoe"],
            "--unavailable names unknown people: zoe; known: ana, beatriz, diego, elena, hannah, javier, lucia, "
            "marcos, nerea, pau, sofia, tomas",
        ),
    ],
)
def test_routes_test_bad_arguments_are_clear_errors(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(routes_app, [*args, "--plan", str(EXAMPLE)])
    assert isinstance(result.exception, ValidationError)
    assert result.exception.message == message


def test_routes_test_with_a_broken_plan_names_the_problem(runner: CliRunner, tmp_path: Path) -> None:
    data = base_plan()
    data["timezone"] = "Europe/Madird"
    path = write_plan(tmp_path, data)
    result = runner.invoke(routes_app, ["test", "severity=sev2", "--plan", str(path)])
    assert isinstance(result.exception, ValidationError)
    assert result.exception.code == "invalid_plan"
    assert "timezone: unknown time zone 'Europe/Madird'; did you mean Europe/Madrid?" in result.exception.message
