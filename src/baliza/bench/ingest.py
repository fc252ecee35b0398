"""``baliza bench ingest``: Baliza's whole ingest path against the raw ceiling of the same database.

(a) raw ceiling: parse the JSON Lines and insert the rows in batches into the ``mention`` table of a
    fresh database (same schema, same indexes) and nothing else;
(b) Baliza: the same file through the real ingest flow (validation, normalisation, watch-rule
    matching, deduplication, authors, rollups) into another fresh database.
Both run in the same process, on the same file, one after the other; the ratio is b/a.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, cast

import orjson
import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Table as SqlTable
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from baliza.bench.synthetic import write_jsonl
from baliza.core.clock import utcnow
from baliza.core.config import Settings, get_settings, normalise_database_url
from baliza.core.i18n import _
from baliza.core.yamlfile import load_model
from baliza.ingest.models import Mention
from baliza.ingest.worker import workers_for, worth_a_worker
from baliza.storage import migrate
from baliza.storage.db import Database
from baliza.workspaces import service as workspace_service
from baliza.workspaces.schemas import WorkspaceCreate


@dataclass
class IngestBenchResult:
    n: int
    backend: str
    raw_seconds: list[float]  # measured before and after (b): the machine's speed drifts
    raw_rows: int
    full_seconds: float
    full_stored: int
    full_duplicates: int
    full_skipped: int
    full_rejected: int
    workers: int  # preparation worker processes (0: prepared in the writing process)
    analysis: bool = False

    @property
    def raw_rate(self) -> float:
        return self.n / (sum(self.raw_seconds) / len(self.raw_seconds))

    @property
    def full_rate(self) -> float:
        return self.n / self.full_seconds

    @property
    def ratio(self) -> float:
        return self.full_rate / self.raw_rate


def machine() -> str:
    """A one-line description of where the numbers come from."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} × {cpu}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"


@asynccontextmanager
async def scratch_database(base_url: str | None, label: str, keep: bool) -> AsyncIterator[str]:
    """A fresh, migrated database beside ``base_url`` (a temp SQLite file when none is given)."""
    url = normalise_database_url(base_url) if base_url else None
    if url is None or url.startswith("sqlite"):
        tmp = tempfile.mkdtemp(prefix=f"baliza-bench-{label}-")
        scratch = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        try:
            migrate.upgrade(scratch)
            yield scratch
        finally:
            if not keep:
                shutil.rmtree(tmp, ignore_errors=True)
        return
    parsed = make_url(url)
    name = f"baliza_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    scratch = parsed.set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(scratch)
        yield scratch
    finally:
        if not keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def acme_workspace(db: Database) -> int:
    """The Acme example workspace in ``db`` (created or updated); returns its id."""
    with resources.as_file(resources.files("baliza") / "examples" / "acme" / "workspace.yaml") as path:
        workspace_in = load_model(path, WorkspaceCreate)
    async with db.session() as session:
        workspace, _created = await workspace_service.apply(db_session=session, workspace_in=workspace_in)
        await session.commit()
        return workspace.id


def _raw_row(obj: dict[str, Any], workspace_id: int, now: datetime) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "platform": obj["platform"],
        "external_id": obj["external_id"],
        "url": obj.get("url"),
        "author_id": None,
        "text": obj["text"],
        "text_hash": 0,
        "lang": obj.get("lang"),
        "created_at": datetime.fromisoformat(obj["created_at"]),
        "ingested_at": now,
        "likes": obj.get("likes", 0),
        "reposts": obj.get("reposts", 0),
        "replies": obj.get("replies", 0),
        "quotes": obj.get("quotes", 0),
        "views": obj.get("views"),
        "reply_to": obj.get("reply_to"),
        "quote_of": obj.get("quote_of"),
        "repost_of": obj.get("repost_of"),
        "urls": [],
        "rule_ids": [],
        "source": "bench",
        "raw": obj,
    }


async def raw_ceiling(url: str, path: Path, *, batch_size: int, progress: Progress, n: int) -> tuple[float, int]:
    """Parse and insert, nothing else. Returns (seconds, rows)."""
    db = Database(url)
    try:
        workspace_id = await acme_workspace(db)
        table = cast(SqlTable, Mention.__table__)
        task = progress.add_task(_("(a) raw ceiling"), total=n)
        rows = 0
        started = time.perf_counter()
        now = utcnow()
        batch: list[dict[str, Any]] = []
        with path.open("rb") as fh:
            for line in fh:
                batch.append(_raw_row(orjson.loads(line), workspace_id, now))
                if len(batch) >= batch_size:
                    async with db.session() as session, session.begin():
                        await session.execute(insert(table), batch)
                    rows += len(batch)
                    progress.update(task, completed=rows)
                    batch = []
        if batch:
            async with db.session() as session, session.begin():
                await session.execute(insert(table), batch)
            rows += len(batch)
        elapsed = time.perf_counter() - started
        progress.update(task, completed=rows)
        return elapsed, rows
    finally:
        await db.dispose()


async def full_path(url: str, path: Path, *, settings: Settings, progress: Progress, n: int) -> tuple[float, Any]:
    """The real ingest flow, as ``baliza import`` runs it."""
    from baliza.cli import import_file

    db = Database(url)
    try:
        await acme_workspace(db)
        started = time.perf_counter()
        report = await import_file(db, path, slug="acme", settings=settings, source="bench", progress=progress)
        return time.perf_counter() - started, report
    finally:
        await db.dispose()


async def run_ingest_bench(
    *,
    n: int,
    database_url: str | None,
    keep: bool = False,
    console: Console | None = None,
    seed: int = 7,
    analysis: bool = False,
) -> IngestBenchResult:
    settings = get_settings().model_copy(update={"analysis": analysis})
    base = database_url or settings.database_url
    backend = "postgresql" if base and base.startswith("postgres") else "sqlite"
    with tempfile.TemporaryDirectory(prefix="baliza-bench-") as tmp:
        path = Path(tmp) / "mentions.jsonl"
        write_jsonl(path, n, seed=seed)
        path_size = path.stat().st_size
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            raw_seconds = []
            for round_ in (1, 2):
                async with scratch_database(base, f"raw{round_}", keep) as raw_url:
                    seconds, raw_rows = await raw_ceiling(
                        raw_url, path, batch_size=settings.ingest_batch_size, progress=progress, n=n
                    )
                raw_seconds.append(seconds)
                if round_ == 1:
                    async with scratch_database(base, "full", keep) as full_url:
                        full_seconds, report = await full_path(
                            full_url, path, settings=settings, progress=progress, n=n
                        )
    return IngestBenchResult(
        n=n,
        backend=backend,
        raw_seconds=raw_seconds,
        raw_rows=raw_rows,
        full_seconds=full_seconds,
        full_stored=report.stored,
        full_duplicates=report.duplicates,
        full_skipped=report.skipped,
        full_rejected=report.rejected,
        workers=workers_for(analysis=analysis) if settings.import_worker and worth_a_worker(path_size) else 0,
        analysis=analysis,
    )


def print_result(result: IngestBenchResult, console: Console) -> None:
    title = _("Ingest benchmark: {n} mentions on {backend}").format(n=result.n, backend=result.backend)
    title += " · " + (_("with the analysis fast path") if result.analysis else _("watch matching on, analysis off"))
    table = Table(title=title)
    table.add_column(_("path"))
    table.add_column(_("seconds"), justify="right")
    table.add_column(_("mentions/s"), justify="right")
    table.add_column(_("rows"), justify="right")
    table.add_row(
        _("(a) raw ceiling: parse + batched insert"),
        " / ".join(f"{s:.2f}" for s in result.raw_seconds),
        f"{result.raw_rate:,.0f}",
        str(result.raw_rows),
    )
    table.add_row(
        _("(b) Baliza ingest: validate, normalise, match, dedup, authors, rollups"),
        f"{result.full_seconds:.2f}",
        f"{result.full_rate:,.0f}",
        _("{stored} stored, {dup} duplicates, {skipped} unmatched, {rejected} rejected").format(
            stored=result.full_stored,
            dup=result.full_duplicates,
            skipped=result.full_skipped,
            rejected=result.full_rejected,
        ),
    )
    console.print(table)
    console.print(
        _(
            "(a) ran before and after (b); its rate is the mean of the two. Preparation worker processes: {workers}."
        ).format(workers=result.workers)
    )
    console.print(_("Machine: {machine}").format(machine=machine()))
    console.print(_("ratio b/a = {ratio:.2f}").format(ratio=result.ratio))


__all__ = ["IngestBenchResult", "acme_workspace", "machine", "print_result", "run_ingest_bench", "scratch_database"]
