"""Reads and writes of workspaces and watch rules."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.errors import ConflictError, NotFoundError, WorkspaceNotFoundError
from baliza.core.i18n import _
from baliza.workspaces.models import WatchRule, Workspace
from baliza.workspaces.schemas import WatchRuleIn, WorkspaceCreate


async def get_by_slug(*, db_session: AsyncSession, slug: str) -> Workspace | None:
    """The workspace with this slug, or None."""
    return (await db_session.execute(select(Workspace).where(Workspace.slug == slug))).scalar_one_or_none()


async def get_by_slug_or_raise(*, db_session: AsyncSession, slug: str) -> Workspace:
    """The workspace with this slug; WorkspaceNotFoundError names the slug otherwise."""
    workspace = await get_by_slug(db_session=db_session, slug=slug)
    if workspace is None:
        raise WorkspaceNotFoundError(
            _("No workspace called {slug!r}. Create it first, e.g. with 'baliza workspace apply'.").format(slug=slug),
            details={"field": "workspace", "value": slug},
        )
    return workspace


async def list_all(*, db_session: AsyncSession) -> list[Workspace]:
    """Every workspace, by name."""
    return list((await db_session.execute(select(Workspace).order_by(Workspace.name))).scalars())


async def list_rules(*, db_session: AsyncSession, workspace_id: int, enabled_only: bool = False) -> list[WatchRule]:
    """The watch rules of a workspace, oldest first."""
    query = select(WatchRule).where(WatchRule.workspace_id == workspace_id).order_by(WatchRule.id)
    if enabled_only:
        query = query.where(WatchRule.is_enabled.is_(True))
    return list((await db_session.execute(query)).scalars())


async def _flush_or_conflict(db_session: AsyncSession, message: str, *, field: str, value: str) -> None:
    """Flush; a unique-key clash becomes a ConflictError that names the field and value."""
    try:
        await db_session.flush()
    except IntegrityError as exc:
        await db_session.rollback()
        raise ConflictError(message, details={"field": field, "value": value}) from exc


def _apply_rule(rule: WatchRule, rule_in: WatchRuleIn) -> None:
    for field, value in rule_in.model_dump().items():
        setattr(rule, field, value)


async def create(*, db_session: AsyncSession, workspace_in: WorkspaceCreate) -> Workspace:
    """Create a workspace with its rules; ConflictError if the slug is taken."""
    workspace = Workspace(
        slug=workspace_in.slug,
        name=workspace_in.name,
        languages=workspace_in.languages,
        timezone=workspace_in.timezone,
        competitors=workspace_in.competitors,
    )
    db_session.add(workspace)
    await _flush_or_conflict(
        db_session,
        _("A workspace called {slug!r} already exists.").format(slug=workspace_in.slug),
        field="slug",
        value=workspace_in.slug,
    )
    for rule_in in workspace_in.watch_rules:
        rule = WatchRule(workspace_id=workspace.id)
        _apply_rule(rule, rule_in)
        db_session.add(rule)
    await db_session.flush()
    return workspace


async def apply(*, db_session: AsyncSession, workspace_in: WorkspaceCreate) -> tuple[Workspace, bool]:
    """Create the workspace or bring it in line with ``workspace_in`` (rules matched by name).

    Rules not named in ``workspace_in`` are disabled, not deleted: mentions keep their rule ids.
    Returns the workspace and whether it was created.
    """
    workspace = await get_by_slug(db_session=db_session, slug=workspace_in.slug)
    if workspace is None:
        return await create(db_session=db_session, workspace_in=workspace_in), True
    workspace.name = workspace_in.name
    workspace.languages = workspace_in.languages
    workspace.timezone = workspace_in.timezone
    workspace.competitors = workspace_in.competitors
    existing = {r.name: r for r in await list_rules(db_session=db_session, workspace_id=workspace.id)}
    wanted = {r.name for r in workspace_in.watch_rules}
    for rule_in in workspace_in.watch_rules:
        rule = existing.get(rule_in.name)
        if rule is None:
            rule = WatchRule(workspace_id=workspace.id)
            db_session.add(rule)
        _apply_rule(rule, rule_in)
    for name, rule in existing.items():
        if name not in wanted:
            rule.is_enabled = False
    await db_session.flush()
    return workspace, False


async def create_rule(*, db_session: AsyncSession, workspace_id: int, rule_in: WatchRuleIn) -> WatchRule:
    """Add one watch rule; ConflictError if the name is taken in this workspace."""
    rule = WatchRule(workspace_id=workspace_id)
    _apply_rule(rule, rule_in)
    db_session.add(rule)
    await _flush_or_conflict(
        db_session,
        _("A watch rule called {name!r} already exists in this workspace.").format(name=rule_in.name),
        field="name",
        value=rule_in.name,
    )
    return rule


async def get_rule(*, db_session: AsyncSession, workspace_id: int, rule_id: int) -> WatchRule:
    rule = await db_session.get(WatchRule, rule_id)
    if rule is None or rule.workspace_id != workspace_id:
        raise NotFoundError(
            _("No watch rule {rule_id} in this workspace.").format(rule_id=rule_id),
            details={"field": "rule_id", "value": rule_id},
        )
    return rule


async def update_rule(*, db_session: AsyncSession, rule: WatchRule, rule_in: WatchRuleIn) -> WatchRule:
    _apply_rule(rule, rule_in)
    await db_session.flush()
    return rule


async def delete_rules(*, db_session: AsyncSession, rule_ids: Sequence[int]) -> None:
    await db_session.execute(delete(WatchRule).where(WatchRule.id.in_(rule_ids)))


__all__ = [
    "apply",
    "create",
    "create_rule",
    "delete_rules",
    "get_by_slug",
    "get_by_slug_or_raise",
    "get_rule",
    "list_all",
    "list_rules",
    "update_rule",
]
