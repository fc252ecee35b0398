"""Workspaces and watch rules."""

from __future__ import annotations

from fastapi import APIRouter, status

from baliza.accounts import service as account_service
from baliza.web.auth import AdminDep, SuperuserDep, UserDep, ViewerDep
from baliza.web.deps import SessionDep
from baliza.workspaces import service as workspace_service
from baliza.workspaces.schemas import WatchRuleIn, WatchRuleRead, WorkspaceCreate, WorkspaceRead

router = APIRouter(prefix="/api/v1/workspaces", tags=["workspaces"])


@router.get("", response_model=list[WorkspaceRead])
async def list_workspaces(session: SessionDep, principal: UserDep) -> list[WorkspaceRead]:
    """The workspaces the caller belongs to (every one, for an administrator)."""
    workspaces = await workspace_service.list_all(db_session=session)
    if not principal.user.is_superuser:
        mine = {
            m.workspace_id for m in await account_service.memberships(db_session=session, user_id=principal.user.id)
        }
        workspaces = [w for w in workspaces if w.id in mine]
    return [WorkspaceRead.model_validate(w) for w in workspaces]


@router.post("", response_model=WorkspaceRead, status_code=status.HTTP_201_CREATED)
async def create_workspace(
    workspace_in: WorkspaceCreate, session: SessionDep, _principal: SuperuserDep
) -> WorkspaceRead:
    """Create a workspace with its watch rules (409 if the slug is taken)."""
    workspace = await workspace_service.create(db_session=session, workspace_in=workspace_in)
    await session.commit()
    return WorkspaceRead.model_validate(workspace)


@router.get("/{slug}", response_model=WorkspaceRead)
async def get_workspace(slug: str, access: ViewerDep) -> WorkspaceRead:
    """One workspace."""
    return WorkspaceRead.model_validate(access.workspace)


@router.get("/{slug}/rules", response_model=list[WatchRuleRead])
async def list_rules(slug: str, session: SessionDep, access: ViewerDep) -> list[WatchRuleRead]:
    """The workspace's watch rules, enabled or not."""
    workspace = access.workspace
    rules = await workspace_service.list_rules(db_session=session, workspace_id=workspace.id)
    return [WatchRuleRead.model_validate(r) for r in rules]


@router.post("/{slug}/rules", response_model=WatchRuleRead, status_code=status.HTTP_201_CREATED)
async def create_rule(slug: str, rule_in: WatchRuleIn, session: SessionDep, access: AdminDep) -> WatchRuleRead:
    """Add a watch rule; new mentions are matched against it from now on."""
    workspace = access.workspace
    rule = await workspace_service.create_rule(db_session=session, workspace_id=workspace.id, rule_in=rule_in)
    await session.commit()
    return WatchRuleRead.model_validate(rule)


@router.put("/{slug}/rules/{rule_id}", response_model=WatchRuleRead)
async def update_rule(
    slug: str, rule_id: int, rule_in: WatchRuleIn, session: SessionDep, access: AdminDep
) -> WatchRuleRead:
    """Replace a watch rule's definition."""
    workspace = access.workspace
    rule = await workspace_service.get_rule(db_session=session, workspace_id=workspace.id, rule_id=rule_id)
    rule = await workspace_service.update_rule(db_session=session, rule=rule, rule_in=rule_in)
    await session.commit()
    return WatchRuleRead.model_validate(rule)


__all__ = ["router"]
