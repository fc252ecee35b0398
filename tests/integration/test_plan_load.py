"""Loading a plan into a workspace keeps every version; the same text twice is one version."""

from __future__ import annotations

import asyncio
from importlib import resources
from pathlib import Path

from baliza.plans import service as plan_service
from baliza.storage.db import Database
from tests.conftest import CliRunner
from tests.factories import make_workspace

EXAMPLE = Path(str(resources.files("baliza") / "examples" / "acme" / "plan.yaml"))


async def test_plan_load_versions_and_refuses_broken_plans(
    db: Database, db_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    workspace = await make_workspace(db)
    code, out, err = await asyncio.to_thread(cli, "plan", "load", str(EXAMPLE), "-w", "acme", "--database-url", db_url)
    assert (code, err) == (0, "")
    assert "as version 1 of the plan of acme" in out
    again = await asyncio.to_thread(cli, "plan", "load", str(EXAMPLE), "-w", "acme", "--database-url", db_url)
    assert "is the same as version 1; nothing changed." in again[1]

    edited = tmp_path / "plan.yaml"
    edited.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("response_sla_minutes: 15", "response_sla_minutes: 10")
    )
    code, out, _err = await asyncio.to_thread(cli, "plan", "load", str(edited), "-w", "acme", "--database-url", db_url)
    assert "as version 2" in out

    broken = tmp_path / "broken.yaml"
    broken.write_text(EXAMPLE.read_text(encoding="utf-8").replace("primary: lucia", "primary: lucai"))
    code, _out, err = await asyncio.to_thread(cli, "plan", "load", str(broken), "-w", "acme", "--database-url", db_url)
    assert code == 1
    assert "unknown person 'lucai'" in err

    wrong_ws = await asyncio.to_thread(cli, "plan", "load", str(EXAMPLE), "-w", "other", "--database-url", db_url)
    assert wrong_ws[0] == 1

    async with db.session() as session:
        versions = await plan_service.list_versions(db_session=session, workspace_id=workspace.id)
        assert [v.version for v in versions] == [2, 1]
        assert versions[0].document["policies"]["statement_approval"]["roles"] == ["comms_lead", "legal"]
        # The two office-hours-only heads-up chains (on purpose), plus the SLA this edit made disagree.
        assert len(versions[1].warnings) == 2
        assert [w["path"] for w in versions[0].warnings][-1] == "policies.response_sla_minutes.sev1"
