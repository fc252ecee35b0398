"""Loading a crisis plan into a workspace (checked, then kept as a new version) and reading it back."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.errors import ValidationError
from baliza.core.files import read_text
from baliza.core.i18n import _
from baliza.plans import service as plan_service
from baliza.plans.check import check_plan
from baliza.plans.models import PlanVersion
from baliza.plans.schema import Plan
from baliza.plans.values import expand_contact
from baliza.storage.db import Database
from baliza.workspaces import service as workspace_service


@functools.lru_cache(maxsize=64)
def _parse(source: str) -> Plan:
    return Plan.model_validate(yaml.safe_load(source))


def plan_from_source(source: str) -> Plan:
    """The plan in a stored YAML text (validated when it was loaded; parsed once per process)."""
    return _parse(source)


def plan_of(version: PlanVersion) -> Plan:
    """The validated plan of a stored version."""
    return plan_from_source(version.source)


async def current_plan(*, db_session: AsyncSession, workspace_id: int) -> Plan | None:
    """The workspace's newest plan, validated, or None when it has none."""
    version = await plan_service.current(db_session=db_session, workspace_id=workspace_id)
    return plan_of(version) if version is not None else None


def expand(person_id: str, plan: Plan, env: Mapping[str, str] | None = None) -> list[str]:
    """A person's contacts with ``${VARIABLES}`` filled from ``env`` (the process's by default).

    A contact whose variable is missing is left out (``baliza plan check`` warns about it).
    """
    values = os.environ if env is None else env
    out = []
    for url in plan.person(person_id).contacts:
        expanded = expand_contact(url, values)
        if expanded:
            out.append(expanded)
    return out


async def load_plan_file(
    db: Database, *, slug: str, path: Path, loaded_by: str | None = None
) -> tuple[PlanVersion, bool, list[dict[str, Any]]]:
    """Check ``path`` and store it as the workspace's newest plan; returns (version, created, warnings).

    A plan with errors is refused (ValidationError listing each one); warnings are kept with the version.
    """
    result = check_plan(path)
    if not result.ok or result.plan is None:
        raise ValidationError(
            _("{path} has {n} problem(s):").format(path=path, n=len(result.errors))
            + "\n"
            + "\n".join(p.render() for p in result.errors),
            code="invalid_plan",
            details={"problems": [p.as_dict() for p in result.errors]},
        )
    plan = result.plan
    if plan.workspace != slug:
        raise ValidationError(
            _("{path} is the plan of workspace {plan_ws!r}, not {slug!r}.").format(
                path=path, plan_ws=plan.workspace, slug=slug
            ),
            code="plan_workspace_mismatch",
            details={"field": "workspace", "value": plan.workspace},
        )
    warnings = [p.as_dict() for p in result.warnings]
    async with db.session() as session:
        workspace = await workspace_service.get_by_slug_or_raise(db_session=session, slug=slug)
        version, created = await plan_service.create(
            db_session=session,
            workspace_id=workspace.id,
            source=read_text(path),
            document=plan.model_dump(mode="json", by_alias=True),
            warnings=warnings,
            filename=str(path),
            loaded_by=loaded_by,
        )
        await session.commit()
        return version, created, warnings


__all__ = ["current_plan", "expand", "load_plan_file", "plan_from_source", "plan_of"]
