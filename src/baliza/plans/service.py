"""Reads and writes of plan versions and of "unavailable now" marks."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.errors import NotFoundError
from baliza.core.i18n import _
from baliza.plans.models import Availability, PlanVersion


def digest(source: str) -> str:
    """The fingerprint of a plan file's text."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


async def current(*, db_session: AsyncSession, workspace_id: int) -> PlanVersion | None:
    """The newest plan version of a workspace, if it has one."""
    query = (
        select(PlanVersion)
        .where(PlanVersion.workspace_id == workspace_id)
        .order_by(PlanVersion.version.desc())
        .limit(1)
    )
    return (await db_session.execute(query)).scalar_one_or_none()


async def get(*, db_session: AsyncSession, workspace_id: int, version: int) -> PlanVersion:
    """One version; NotFoundError otherwise."""
    query = select(PlanVersion).where(PlanVersion.workspace_id == workspace_id, PlanVersion.version == version)
    found = (await db_session.execute(query)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(
            _("This workspace has no plan version {version}.").format(version=version),
            details={"field": "version", "value": version},
        )
    return found


async def list_versions(*, db_session: AsyncSession, workspace_id: int) -> list[PlanVersion]:
    """Every version, newest first."""
    query = select(PlanVersion).where(PlanVersion.workspace_id == workspace_id).order_by(PlanVersion.version.desc())
    return list((await db_session.execute(query)).scalars())


async def create(
    *,
    db_session: AsyncSession,
    workspace_id: int,
    source: str,
    document: dict[str, Any],
    warnings: list[dict[str, Any]],
    filename: str | None,
    loaded_by: str | None,
) -> tuple[PlanVersion, bool]:
    """Store a new version unless the text is the same as the newest; returns (version, created)."""
    sha = digest(source)
    latest = await current(db_session=db_session, workspace_id=workspace_id)
    if latest is not None and latest.sha256 == sha:
        return latest, False
    number = (
        await db_session.execute(
            select(func.coalesce(func.max(PlanVersion.version), 0)).where(PlanVersion.workspace_id == workspace_id)
        )
    ).scalar_one()
    version = PlanVersion(
        workspace_id=workspace_id,
        version=int(number) + 1,
        sha256=sha,
        source=source,
        document=document,
        warnings=warnings,
        filename=filename,
        loaded_by=loaded_by,
    )
    db_session.add(version)
    await db_session.flush()
    return version, True


async def set_unavailable(
    *,
    db_session: AsyncSession,
    workspace_id: int,
    person_id: str,
    since: datetime,
    until: datetime | None,
    reason: str | None,
    set_by: str | None,
    is_drill: bool = False,
) -> Availability:
    """Mark a person unavailable from ``since`` (until ``until``, or until cleared)."""
    await clear_unavailable(db_session=db_session, workspace_id=workspace_id, person_id=person_id, is_drill=is_drill)
    mark = Availability(
        workspace_id=workspace_id,
        person_id=person_id,
        is_drill=is_drill,
        unavailable_from=since,
        unavailable_until=until,
        reason=reason,
        set_by=set_by,
    )
    db_session.add(mark)
    await db_session.flush()
    return mark


async def clear_unavailable(
    *, db_session: AsyncSession, workspace_id: int, person_id: str, is_drill: bool = False
) -> None:
    """Remove the mark, if any."""
    await db_session.execute(
        delete(Availability).where(
            Availability.workspace_id == workspace_id,
            Availability.person_id == person_id,
            Availability.is_drill == is_drill,
        )
    )


async def unavailable_at(
    *, db_session: AsyncSession, workspace_id: int, at: datetime, include_drill: bool = False
) -> dict[str, str]:
    """person id -> reason, for everyone marked unavailable at ``at``."""
    query = select(Availability).where(Availability.workspace_id == workspace_id, Availability.unavailable_from <= at)
    if not include_drill:
        query = query.where(Availability.is_drill.is_(False))
    out: dict[str, str] = {}
    for mark in (await db_session.execute(query)).scalars():
        if mark.unavailable_until is None or mark.unavailable_until > at:
            out[mark.person_id] = mark.reason or ""
    return out


__all__ = [
    "clear_unavailable",
    "create",
    "current",
    "digest",
    "get",
    "list_versions",
    "set_unavailable",
    "unavailable_at",
]
