"""The CLI end to end: files in, rows in the database, problems reported with line, field and value."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select

from baliza.cli import import_file, main
from baliza.core.config import Settings, get_settings
from baliza.ingest.models import Mention
from baliza.storage.db import Database
from tests.conftest import CliRunner
from tests.factories import make_workspace, mention

WORKSPACE_YAML = """\
slug: acme
name: Acme Foods
timezone: Europe/Madrid
watch_rules:
  - name: Marca
    brand_names: [Acme]
    hashtags: ["#AcmeNoLlega"]
"""


def stored(db_url: str) -> list[tuple[str, str]]:
    async def go() -> list[tuple[str, str]]:
        db = Database(db_url)
        try:
            async with db.session() as s:
                rows = await s.execute(select(Mention.external_id, Mention.text).order_by(Mention.external_id))
                return [(a, b) for a, b in rows.all()]
        finally:
            await db.dispose()

    return asyncio.run(go())


@pytest.fixture
def workspace(db_url: str, tmp_path: Path, cli: CliRunner) -> str:
    path = tmp_path / "ws.yaml"
    path.write_text(WORKSPACE_YAML)
    code, out, _err = cli("workspace", "apply", str(path), "--database-url", db_url)
    assert code == 0, out
    assert "Created workspace acme with 1 watch rules." in out
    return db_url


def test_import_jsonl_keeps_good_rows_and_reports_bad_lines(workspace: str, tmp_path: Path, cli: CliRunner) -> None:
    lines = [
        orjson.dumps(mention(1)),
        b'{"platform": "mastodon", "external_id": "broken"',
        orjson.dumps(mention(3, created_at="2026-11-20 12:00:00")),
        b"",
        orjson.dumps(mention(5))[:-1] + b', "note": "caf\xe9"}',
        b"[1, 2, 3]",
        orjson.dumps({k: v for k, v in mention(7).items() if k != "text"}),
        orjson.dumps(mention(8, text="Otra vez Acme")),
    ]
    path = tmp_path / "batch.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    code, out, err = cli("import", str(path), "--workspace", "acme", "--database-url", workspace)
    assert code == 3
    assert "Traceback" not in out + err
    rejects = [orjson.loads(x) for x in (tmp_path / "batch.jsonl.rejected.jsonl").read_bytes().splitlines()]
    assert [(r["line"], r.get("field"), r["code"]) for r in rejects] == [
        (2, None, "invalid_json"),
        (3, "created_at", "timezone_aware"),
        (5, None, "invalid_utf8"),
        (6, None, "not_an_object"),
        (7, "text", "missing"),
    ]
    assert rejects[1]["value"] == "2026-11-20 12:00:00"
    assert [x for x, _t in stored(workspace)] == ["m1", "m8"]
    # the same file again: nothing new, nothing lost, same rows
    code2, out2, _ = cli("import", str(path), "--workspace", "acme", "--database-url", workspace)
    assert code2 == 3
    assert [x for x, _t in stored(workspace)] == ["m1", "m8"]
    assert re.search(r"duplicates \(already stored\)\s+│ 2 ", out2)


def test_import_csv_with_quoted_newlines_and_bad_rows(workspace: str, tmp_path: Path, cli: CliRunner) -> None:
    csv_bytes = (
        (
            "platform,external_id,created_at,text,author_handle,author_followers,likes\n"
            'x,1,2026-11-20T12:00:00+01:00,"Acme,\nno llegó nada",@ana,120,3\n'
            "x,2,2026-11-20T12:01:00+01:00,Acme otra vez,@ana,lots,0\n"
            "x,3,2026-11-20T12:02:00+01:00,Acme,@bea,5,1,EXTRA\n"
        ).encode()
        + b"x,4,2026-11-20T12:03:00+01:00,Acme caf\xe9,@bea,5,0\n"
        + ("x,5,2026-11-20T12:04:00Z,#AcmeNoLlega 😡,@carla,,\n").encode()
    )
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes)
    code, _out, err = cli("import", str(path), "-w", "acme", "--database-url", workspace)
    assert code == 3
    assert "Traceback" not in err
    rejects = [orjson.loads(x) for x in (tmp_path / "export.csv.rejected.jsonl").read_bytes().splitlines()]
    assert [(r["line"], r.get("field"), r["code"]) for r in rejects] == [
        (4, "author.followers", "int_parsing"),
        (5, None, "too_many_values"),
        (6, "text", "invalid_utf8"),
    ]
    assert stored(workspace) == [("1", "Acme,\nno llegó nada"), ("5", "#AcmeNoLlega 😡")]


def test_csv_without_required_columns(workspace: str, tmp_path: Path, cli: CliRunner) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("id,body\n1,Acme\n")
    code, _out, err = cli("import", str(path), "-w", "acme", "--database-url", workspace)
    assert code == 3
    assert "the header has no column platform, external_id, text, created_at" in err


def test_unknown_workspace_and_missing_file_are_one_line_errors(workspace: str, tmp_path: Path, cli: CliRunner) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(orjson.dumps(mention(1)) + b"\n")
    code, _out, err = cli("import", str(path), "-w", "nope", "--database-url", workspace)
    assert code == 1
    assert "No workspace called 'nope'" in err and "Traceback" not in err
    code, _out, err = cli("import", str(tmp_path / "missing.jsonl"), "-w", "acme")
    assert code == 1
    assert "File not found" in err


def test_messages_follow_the_language(
    workspace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(orjson.dumps(mention(1)) + b"\n")
    monkeypatch.setattr(sys, "argv", ["baliza", "import", str(path), "-w", "nope", "--database-url", workspace])
    monkeypatch.setenv("BALIZA_LANG", "es")
    with pytest.raises(SystemExit):
        main()
    assert "No hay ningún espacio de trabajo llamado 'nope'" in capsys.readouterr().err


def test_workspace_yaml_errors_name_line_path_and_value(db_url: str, tmp_path: Path, cli: CliRunner) -> None:
    path = tmp_path / "ws.yaml"
    path.write_text(WORKSPACE_YAML.replace("Europe/Madrid", "Europe/Atlantis") + "  - name: Vacía\n    keywords: []\n")
    code, _out, err = cli("workspace", "apply", str(path), "--database-url", db_url)
    assert code == 1
    assert f"{path}:3: timezone: unknown time zone 'Europe/Atlantis'" in err
    assert f"{path}:8: watch_rules[1]: a watch rule needs at least one brand name" in err


def test_init_writes_examples_and_refuses_to_overwrite(tmp_path: Path, cli: CliRunner) -> None:
    code, _out, _err = cli("init", str(tmp_path))
    assert code == 0
    assert {p.name for p in tmp_path.iterdir()} == {"baliza-workspace.yaml", "plan.yaml", "mentions.jsonl"}
    code, _out, err = cli("init", str(tmp_path))
    assert code == 1 and "--force" in err


async def test_oversized_lines_and_broken_csv_quotes_are_reported(db: Database, tmp_path: Path) -> None:
    await make_workspace(db)
    settings = Settings(database_url=db.url, max_line_bytes=2048)
    jsonl = tmp_path / "long.jsonl"
    jsonl.write_bytes(orjson.dumps(mention(1)) + b"\n" + orjson.dumps(mention(2, text="Acme " + "x" * 4000)) + b"\n")
    report = await import_file(db, jsonl, slug="acme", settings=settings)
    assert (report.stored, report.rejected) == (1, 1)
    assert (report.errors[0].line, report.errors[0].code) == (2, "line_too_long")
    csv_path = tmp_path / "quotes.csv"
    csv_path.write_text(
        "platform,external_id,created_at,text\n"
        'x,1,2026-11-20T12:00:00Z,"Acme ""citado"" bien"\n'
        "x,2,2026-11-20T12:01:00Z,Acme\x00 con NUL\n"
        "x,3,2026-11-20T12:02:00Z,Acme otra\n"
    )
    report = await import_file(db, csv_path, slug="acme", settings=settings)
    assert report.stored == 2
    assert [(e.line, e.field, e.code) for e in report.errors] == [(3, "text", "control_character")]


def test_a_bad_setting_is_named_with_its_value(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    monkeypatch.setenv("BALIZA_PORT", "abc")
    try:
        code, _out, err = cli("workspace", "list")
    finally:
        get_settings.cache_clear()
    assert code == 1
    assert "setting BALIZA_PORT has the value 'abc': must be a whole number" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("import", "--bogus"), "No such option: --bogus."),
        (("import", "--worksp", "acme"), "No such option: --worksp. Did you mean --workspace?"),
        (("import",), "Missing argument 'path'."),
        (("bench", "analysis", "--speed", "abc"), "Invalid value for '--speed': must be a whole number"),
        (("bench", "ingest", "--n", "5"), "Invalid value for '--n': must be at least 100"),
        (("bench", "analysis", "--json"), "Option '--json' needs a value."),
        (("bogus",), "No such command: 'bogus'."),
    ],
)
def test_usage_mistakes_show_the_usage_line_and_the_problem(
    cli: CliRunner, args: tuple[str, ...], problem: str
) -> None:
    code, _out, err = cli(*args)
    assert code == 2
    assert f"Error: {problem}" in err
    assert "Unexpected error" not in err and "Traceback" not in err
    if "--json" not in args:  # Click knows the command there, not for a missing value
        assert "Usage: baliza " in err and "--help' for help." in err


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("import", "--worksp", "acme"), "No existe la opción --worksp. ¿Querías decir --workspace?"),
        (("import",), "Falta el argumento 'path'."),
        (("bench", "ingest", "--n", "5"), "Valor no válido para '--n': debe ser como mínimo 100"),
        (("bench", "analysis", "--json"), "La opción '--json' necesita un valor."),
        (("bogus",), "No existe la orden 'bogus'."),
    ],
)
def test_usage_mistakes_are_told_in_spanish(
    args: tuple[str, ...], problem: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["baliza", *args])
    monkeypatch.setenv("BALIZA_LANG", "es")
    with pytest.raises(SystemExit) as exit_info:
        main()
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert f"Error: {problem}" in err
    if "--json" not in args:
        assert "Uso: baliza " in err and "para ver la ayuda." in err


def test_a_command_group_alone_shows_its_help(cli: CliRunner) -> None:
    code, out, err = cli("bench")
    assert code == 2
    assert "ingest" in out + err and "analysis" in out + err
    assert "Error" not in err
