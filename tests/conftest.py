"""Test databases: every database test runs on SQLite and on PostgreSQL, each in a fresh database.

Isolation: the schema is migrated once per backend into a template; each test gets its own copy
(a file copy for SQLite, ``CREATE DATABASE ... TEMPLATE`` for PostgreSQL), so tests commit for real,
open several connections and never see each other's rows.

Services: PostgreSQL comes from BALIZA_TEST_POSTGRES_URL (default: the local server). Where it is
not reachable the PostgreSQL variants skip with one line saying why, unless
BALIZA_REQUIRE_SERVICES=1 (CI), which turns that skip into a failure.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from baliza.cli import main
from baliza.core.config import Settings
from baliza.storage import migrate
from baliza.storage.db import Database
from baliza.web.app import create_app
from tests.factories import make_user

pytest_plugins = ["tests.receivers"]  # the smtp and webhook fixtures

DEFAULT_PG = "postgresql://127.0.0.1:5432/test"
_counter = itertools.count()


def require_services() -> bool:
    return os.environ.get("BALIZA_REQUIRE_SERVICES") == "1"


def service_unavailable(reason: str) -> None:
    """Skip with a one-line reason, or fail when services are required (CI)."""
    if require_services():
        pytest.fail(f"BALIZA_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _pg_admin_url() -> str:
    url = make_url(os.environ.get("BALIZA_TEST_POSTGRES_URL") or DEFAULT_PG)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[tuple[str, str] | str]:
    """(admin url, template name), or a string saying why PostgreSQL is unavailable."""
    admin = _pg_admin_url()
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        yield f"PostgreSQL not reachable at {make_url(admin).render_as_string()} ({str(exc).strip().splitlines()[0]})"
        return
    name = f"baliza_tpl_{os.getpid()}"
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    migrate.upgrade(_with_database(admin, name))
    yield admin, name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database for this test (run once per backend)."""
    if request.param == "sqlite":
        path = tmp_path / "baliza.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    if isinstance(template, str):
        service_unavailable(template)
    admin, tpl = template
    name = f"baliza_t_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{tpl}"')
    try:
        yield _with_database(admin, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, data_dir=tmp_path / "data", ingest_batch_size=50, max_batch_items=500)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


CliRunner = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> CliRunner:
    """Run ``baliza ARGS`` in-process in English: (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["baliza", *args])
        monkeypatch.setenv("BALIZA_LANG", "en")
        monkeypatch.setenv("COLUMNS", "200")
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
async def anon_client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process, with nobody logged in."""
    app = create_app(settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://baliza.test") as ac:
        yield ac


@pytest.fixture
async def client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process, called with an installation administrator's API token."""
    _user, token = await make_user(db, username="root", superuser=True, name="Root")
    app = create_app(settings, db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://baliza.test",
        headers={"Authorization": f"Bearer {token}"},
    ) as ac:
        yield ac
