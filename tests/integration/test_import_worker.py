"""Big imports prepared in a worker process give exactly what the in-process path gives."""

from __future__ import annotations

from pathlib import Path

import orjson
from sqlalchemy import select

from baliza.cli import import_file
from baliza.core.config import Settings
from baliza.ingest.models import Author, Mention, MentionRollup
from baliza.storage.db import Database
from tests.factories import make_workspace, mention


def _write(path: Path) -> None:
    lines = [orjson.dumps(mention(i)) for i in range(1, 121)]
    lines[10] = b'{"broken": '
    lines[20] = orjson.dumps(mention(21, created_at="2026-11-20T12:00:00"))
    lines[30] = orjson.dumps(mention(31, text="nada que ver"))
    lines.append(orjson.dumps(mention(5)))  # a duplicate of line 5
    path.write_bytes(b"\n".join(lines) + b"\n")


async def _snapshot(db: Database) -> tuple[list[tuple[str, str, int | None]], list[tuple[str, int]], int]:
    async with db.session() as session:
        mentions = (await session.execute(select(Mention).order_by(Mention.external_id))).scalars().all()
        authors = (await session.execute(select(Author))).scalars().all()
        handles = {a.id: a.handle for a in authors}
        rollups = (await session.execute(select(MentionRollup).order_by(MentionRollup.series))).scalars().all()
    return (
        [(m.external_id, m.text, m.author_id and 1) for m in mentions],
        [(r.series, r.count) for r in rollups],
        len(handles),
    )


async def test_worker_and_in_process_imports_agree(db: Database, settings: Settings, tmp_path: Path) -> None:
    await make_workspace(db)
    path = tmp_path / "big.jsonl"
    _write(path)
    report = await import_file(db, path, slug="acme", settings=settings, parallel=True)
    assert (report.received, report.stored, report.duplicates, report.skipped, report.rejected) == (121, 117, 1, 1, 2)
    assert [(e.line, e.code) for e in report.errors] == [(11, "invalid_json"), (21, "timezone_aware")]
    assert [s.line for s in report.skipped_rows] == [31]
    in_worker = await _snapshot(db)
    # the same file again through the in-process path: nothing new, and the same rows
    again = await import_file(db, path, slug="acme", settings=settings, parallel=False)
    assert (again.stored, again.duplicates) == (0, 118)
    assert await _snapshot(db) == in_worker
    assert sum(count for series, count in in_worker[1] if series == "all") == 117


async def test_several_workers_hand_batches_over_in_file_order(tmp_path: Path) -> None:
    from baliza.ingest.matching import RuleSpec
    from baliza.ingest.parsing import FileReader
    from baliza.ingest.prepare import PrepareConfig, Preparer
    from baliza.ingest.worker import prepared_batches
    from baliza.workspaces.schemas import WatchRuleIn

    path = tmp_path / "big.jsonl"
    _write(path)
    rule = WatchRuleIn(name="acme", keywords=["acme"])
    config = PrepareConfig(workspace_id=1, workspace_slug="acme", rules=(RuleSpec.of(1, rule),))
    expected = [
        sorted(item.position for item in Preparer(config).prepare_lines(lines).ready.values())
        for lines in FileReader(path, fmt="jsonl").line_batches(7)
    ]
    assert len(expected) == 18
    for workers in (1, 3):
        got = [
            (sorted(item.position for item in batch.ready.values()), len(batch.report.errors))
            async for _read, batch in prepared_batches(path, config, batch_size=7, workers=workers)
        ]
        assert [positions for positions, _errors in got] == expected
        assert sum(errors for _positions, errors in got) == 2  # the broken line and the naive time
