"""`baliza detect backtest` and `baliza detect replay` from the command line."""

from __future__ import annotations

import asyncio
import csv
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from baliza.core.config import Settings
from baliza.detection.models import Signal
from baliza.ingest.flows import ingest_items
from baliza.storage.db import Database
from tests.conftest import CliRunner
from tests.factories import make_workspace, mention, quiet_rollups


def write_series(path: Path, values: list[float], *, start: datetime, extra_lines: str = "") -> None:
    lines = ["timestamp,value"] + [f"{(start + timedelta(minutes=i)).isoformat()},{v:g}" for i, v in enumerate(values)]
    path.write_text("\n".join(lines) + "\n" + extra_lines)


def test_backtest_writes_the_contract_columns_and_scores_windows(tmp_path: Path, cli: CliRunner) -> None:
    rnd = random.Random(2)
    values = [float(sum(rnd.random() < 0.5 for _ in range(20))) for _ in range(1200)]
    values[1000:1030] = [40.0] * 30
    start = datetime(2026, 11, 2)
    series, out = tmp_path / "series.csv", tmp_path / "scores.csv"
    write_series(series, values, start=start)
    labels = tmp_path / "windows.json"
    window = [str(start + timedelta(minutes=990)), str(start + timedelta(minutes=1040))]
    labels.write_text(json.dumps({"demo/series.csv": [window]}))
    code, stdout, _err = cli("detect", "backtest", "-i", str(series), "-o", str(out), "--labels", str(labels))
    assert code == 0
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert list(rows[0]) == ["timestamp", "value", "anomaly_score", "alert"]
    assert len(rows) == 1200
    alerts = [i for i, r in enumerate(rows) if r["alert"] == "1"]
    assert alerts and 1000 <= alerts[0] <= 1003
    assert all(0.0 <= float(r["anomaly_score"]) <= 1.0 for r in rows)
    assert f"{len(alerts)} alerts" in stdout
    # one window caught at its 11th row of 51: standard score well above 0, under 100
    assert "series.csv" in stdout and "1 / 0 / 0" in stdout


def test_backtest_reports_bad_rows_and_keeps_the_rest(tmp_path: Path, cli: CliRunner) -> None:
    series, out = tmp_path / "series.csv", tmp_path / "scores.csv"
    start = datetime(2026, 11, 2, tzinfo=UTC)
    write_series(
        series,
        [5.0] * 10,
        start=start,
        extra_lines="yesterday,4\n2026-11-03T00:00:00Z,many\n2026-11-01T00:00:00Z,3\n2026-11-03T00:01:00Z,\n",
    )
    code, _out, err = cli("detect", "backtest", "-i", str(series), "-o", str(out))
    assert code == 3
    assert f"{series}:12: timestamp yesterday" in err
    assert f"{series}:13: value many" in err
    assert f"{series}:14: timestamp" in err and "is not after the previous row" in err
    assert f"{series}:15: value" in err
    assert len(list(csv.DictReader(out.read_text().splitlines()))) == 10


def test_backtest_without_the_header_is_one_clear_error(tmp_path: Path, cli: CliRunner) -> None:
    series = tmp_path / "bad.csv"
    series.write_text("time;count\n1;2\n")
    code, _out, err = cli("detect", "backtest", "-i", str(series), "-o", str(tmp_path / "o.csv"))
    assert code == 1
    assert "the first row must be the header timestamp,value" in err and "Traceback" not in err


def test_replay_lists_what_would_have_fired(db_url: str, tmp_path: Path, cli: CliRunner) -> None:
    start = datetime(2026, 11, 16, tzinfo=UTC)
    spike = start + timedelta(days=2, hours=13, minutes=5)

    async def seed() -> None:
        db = Database(db_url)
        try:
            workspace = await make_workspace(db)
            await quiet_rollups(db, workspace.id, start=start, until=spike + timedelta(hours=3))
            surge = [
                mention(
                    i,
                    created_at=(spike + timedelta(seconds=2 * i)).isoformat(),
                    text=f"Pedido {i}: Acme no llega #AcmeNoLlega",
                )
                for i in range(1, 41)
            ]
            await ingest_items(db, slug="acme", items=surge, settings=Settings(database_url=db_url))
        finally:
            await db.dispose()

    asyncio.run(seed())
    args = ["detect", "replay", "-w", "acme", "--series", "all", "--warmup-days", "2", "--database-url", db_url]
    code, out, _err = cli(*args, "--from", "2026-11-18", "--to", "2026-11-18T16:00:00Z")
    assert code == 0
    assert "1 alerts would have fired" in out and "2026-11-18 13:0" in out and "#acmenollega" in out
    code, out, _err = cli(*args, "--from", "2026-11-18", "--to", "2026-11-18T12:00:00Z")
    assert code == 0 and "No alert would have fired" in out
    # without --series: every detector, the emerging hashtag included; nothing is stored by a replay
    everything = ["detect", "replay", "-w", "acme", "--warmup-days", "2", "--database-url", db_url]
    code, out, _err = cli(*everything, "--from", "2026-11-18", "--to", "2026-11-18T16:00:00Z")
    assert code == 0 and "emerging_term" in out and "term:#acmenollega" in out and "volume" in out

    async def stored() -> int:
        db = Database(db_url)
        try:
            async with db.session() as session:
                return int((await session.execute(select(func.count()).select_from(Signal))).scalar_one())
        finally:
            await db.dispose()

    assert asyncio.run(stored()) == 0
    code, _out, err = cli(*args, "--from", "tomorrow", "--to", "2026-11-18")
    assert code == 1 and "--from must be a date" in err
