"""What every ``baliza`` subcommand shares: consoles, running a coroutine, opening the database."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from baliza.core.config import Settings, get_settings
from baliza.storage import migrate
from baliza.storage.db import Database

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)

DatabaseOpt = Annotated[
    str | None, typer.Option("--database-url", help="Database URL (default: BALIZA_DATABASE_URL or SQLite).")
]


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from a synchronous command."""
    return asyncio.run(coro)


def settings_with(database_url: str | None) -> Settings:
    """The process settings, with ``--database-url`` applied."""
    settings = get_settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": Settings(database_url=database_url).database_url})
    return settings


def open_db(settings: Settings) -> Database:
    """Migrate to the latest schema, then connect (the embedded default needs no other step)."""
    url = settings.resolved_database_url
    migrate.upgrade(url)
    return Database(url)


__all__ = ["DatabaseOpt", "console", "err_console", "open_db", "run", "settings_with"]
