"""Who is asking, and may they: session cookies (with CSRF) for people, bearer tokens for integrations.

Every workspace route depends on :func:`workspace_access` with the least role it needs, so the rule
lives next to the route and a test can list them all. Roles, from most to least: admin, lead,
responder, viewer. A superuser is admin everywhere.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from baliza.accounts import service as account_service
from baliza.accounts.models import User, WorkspaceRole
from baliza.core.errors import AuthenticationError, PermissionDeniedError
from baliza.core.i18n import _
from baliza.web.deps import SessionDep
from baliza.workspaces import service as workspace_service
from baliza.workspaces.models import Workspace

SESSION_COOKIE = "baliza_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Principal:
    user: User
    via: str  # "session" or "token"
    csrf_token: str | None = None


@dataclass
class WorkspaceAccess:
    principal: Principal
    workspace: Workspace
    role: str
    plan_roles: set[str] = field(default_factory=set)

    @property
    def actor(self) -> str:
        """How this person is named on the timeline."""
        return self.principal.user.name or self.principal.user.username


async def current_principal(request: Request, session: SessionDep) -> Principal | None:
    """The logged-in user or token holder, if any (cached on the request)."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    principal: Principal | None = None
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        user = await account_service.token_user(db_session=session, value=authorization[7:].strip())
        if user is None:
            raise AuthenticationError(_("The API token is not valid (revoked, mistyped or unknown)."))
        await session.commit()
        principal = Principal(user=user, via="token")
    elif cookie := request.cookies.get(SESSION_COOKIE):
        found = await account_service.session_user(db_session=session, cookie=cookie)
        if found is not None:
            principal = Principal(user=found[0], via="session", csrf_token=found[1].csrf_token)
    request.state.principal = principal
    return principal


async def _check_csrf(request: Request, principal: Principal) -> None:
    if principal.via != "session" or request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
        raise PermissionDeniedError(
            _("The form has expired or did not come from Baliza; reload the page and try again."),
            code="csrf_failed",
        )


async def require_user(request: Request, session: SessionDep) -> Principal:
    """A logged-in person or a valid token; AuthenticationError otherwise. Checks CSRF on writes."""
    principal = await current_principal(request, session)
    if principal is None:
        raise AuthenticationError(_("Log in to continue."))
    await _check_csrf(request, principal)
    return principal


UserDep = Annotated[Principal, Depends(require_user)]


def workspace_access(minimum: WorkspaceRole) -> Callable[..., Awaitable[WorkspaceAccess]]:
    """A dependency: the workspace named by ``{slug}`` and the caller's role in it, at least ``minimum``."""

    async def dependency(slug: str, request: Request, session: SessionDep) -> WorkspaceAccess:
        principal = await require_user(request, session)
        workspace = await workspace_service.get_by_slug_or_raise(db_session=session, slug=slug)
        if principal.user.is_superuser:
            return WorkspaceAccess(principal, workspace, WorkspaceRole.admin, {"*"})
        membership = await account_service.membership(
            db_session=session, user_id=principal.user.id, workspace_id=workspace.id
        )
        if membership is None:
            # 403, not 404: callers are logged-in people of this installation, and a clear "no access" helps
            # them ask an administrator; anonymous callers never get this far.
            raise PermissionDeniedError(
                _("You don't have access to the workspace {slug!r}.").format(slug=slug),
                details={"workspace": slug},
            )
        if not account_service.role_at_least(membership.role, minimum):
            raise PermissionDeniedError(
                _("This needs the {needed} role in {slug!r}; yours is {role}.").format(
                    needed=minimum.value, slug=slug, role=membership.role
                ),
                details={"workspace": slug, "needed": minimum.value, "role": membership.role},
            )
        plan_roles = {r for r in membership.plan_roles.split(",") if r}
        return WorkspaceAccess(principal, workspace, membership.role, plan_roles)

    return dependency


ViewerDep = Annotated[WorkspaceAccess, Depends(workspace_access(WorkspaceRole.viewer))]
ResponderDep = Annotated[WorkspaceAccess, Depends(workspace_access(WorkspaceRole.responder))]
LeadDep = Annotated[WorkspaceAccess, Depends(workspace_access(WorkspaceRole.lead))]
AdminDep = Annotated[WorkspaceAccess, Depends(workspace_access(WorkspaceRole.admin))]


async def require_superuser(principal: UserDep) -> Principal:
    """Only installation administrators (create workspaces, manage users)."""
    if not principal.user.is_superuser:
        raise PermissionDeniedError(_("Only an administrator of this installation can do this."))
    return principal


SuperuserDep = Annotated[Principal, Depends(require_superuser)]

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "AdminDep",
    "LeadDep",
    "Principal",
    "ResponderDep",
    "SuperuserDep",
    "UserDep",
    "ViewerDep",
    "WorkspaceAccess",
    "current_principal",
    "require_user",
    "workspace_access",
]
