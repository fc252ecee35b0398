"""Users, memberships, sessions and API tokens: reads, writes and the checks on them.

Passwords are hashed with argon2id. Session cookies and API tokens are random strings; only their
SHA-256 is stored, so a copy of the database does not let anyone in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.accounts.models import ApiToken, LoginAttempt, Membership, User, UserSession, WorkspaceRole
from baliza.core.clock import utcnow
from baliza.core.errors import ConflictError, NotFoundError, ValidationError
from baliza.core.i18n import _

ROLE_ORDER = (WorkspaceRole.viewer, WorkspaceRole.responder, WorkspaceRole.lead, WorkspaceRole.admin)
TOKEN_PREFIX = "bz_"
SESSION_DAYS = 14
MIN_PASSWORD = 10
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_MAX_FAILURES = 5

_hasher = PasswordHasher()


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def role_at_least(role: str, minimum: str) -> bool:
    """Whether ``role`` includes what ``minimum`` may do."""
    return ROLE_ORDER.index(WorkspaceRole(role)) >= ROLE_ORDER.index(WorkspaceRole(minimum))


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (refuses short ones)."""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(
            _("The password must have at least {n} characters.").format(n=MIN_PASSWORD),
            code="weak_password",
            details={"field": "password"},
        )
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Constant-time check of a password against its hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def get_by_username(*, db_session: AsyncSession, username: str) -> User | None:
    """The user with this username (case-insensitive), if any."""
    query = select(User).where(func.lower(User.username) == username.strip().lower())
    return (await db_session.execute(query)).scalar_one_or_none()


async def create_user(
    *,
    db_session: AsyncSession,
    username: str,
    name: str,
    password: str,
    email: str | None = None,
    lang: str | None = None,
    person_id: str | None = None,
    is_superuser: bool = False,
) -> User:
    """A new user; ConflictError when the username is taken."""
    username = username.strip()
    if not username or len(username) > 120:
        raise ValidationError(_("A username is required (at most 120 characters)."), details={"field": "username"})
    if await get_by_username(db_session=db_session, username=username) is not None:
        raise ConflictError(
            _("The username {username!r} is already taken.").format(username=username),
            details={"field": "username", "value": username},
        )
    user = User(
        username=username,
        name=name or username,
        email=email,
        password_hash=hash_password(password),
        lang=lang,
        person_id=person_id,
        is_superuser=is_superuser,
    )
    db_session.add(user)
    await db_session.flush()
    return user


async def set_membership(
    *, db_session: AsyncSession, user_id: int, workspace_id: int, role: str, plan_roles: list[str] | None = None
) -> Membership:
    """Give a user a role in a workspace (replacing the one they had)."""
    try:
        WorkspaceRole(role)
    except ValueError as exc:
        raise ValidationError(
            _("Unknown role {value!r}; use admin, lead, responder or viewer.").format(value=role),
            details={"field": "role", "value": role},
        ) from exc
    query = select(Membership).where(Membership.user_id == user_id, Membership.workspace_id == workspace_id)
    membership = (await db_session.execute(query)).scalar_one_or_none()
    if membership is None:
        membership = Membership(user_id=user_id, workspace_id=workspace_id)
        db_session.add(membership)
    membership.role = role
    if plan_roles is not None:
        membership.plan_roles = ",".join(sorted(set(plan_roles)))
    await db_session.flush()
    return membership


async def membership(*, db_session: AsyncSession, user_id: int, workspace_id: int) -> Membership | None:
    """The user's membership of a workspace, if any."""
    query = select(Membership).where(Membership.user_id == user_id, Membership.workspace_id == workspace_id)
    return (await db_session.execute(query)).scalar_one_or_none()


async def memberships(*, db_session: AsyncSession, user_id: int) -> list[Membership]:
    """Every workspace membership of a user."""
    query = select(Membership).where(Membership.user_id == user_id)
    return list((await db_session.execute(query)).scalars())


async def recent_failures(*, db_session: AsyncSession, username: str, address: str | None, now: datetime) -> int:
    """Failed logins in the last window for this username or from this address (whichever is larger)."""
    since = now - LOGIN_WINDOW
    by_user = (
        await db_session.execute(
            select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.username == username.strip().lower(), LoginAttempt.at >= since)
        )
    ).scalar_one()
    by_address = 0
    if address:
        by_address = (
            await db_session.execute(
                select(func.count())
                .select_from(LoginAttempt)
                .where(LoginAttempt.address == address, LoginAttempt.at >= since)
            )
        ).scalar_one()
    return max(int(by_user), int(by_address))


async def record_failure(*, db_session: AsyncSession, username: str, address: str | None, now: datetime) -> None:
    """Remember one failed login."""
    db_session.add(LoginAttempt(username=username.strip().lower(), address=address, at=now))
    await db_session.flush()


async def clear_failures(*, db_session: AsyncSession, username: str) -> None:
    """Forget the failures of a username after it logs in."""
    await db_session.execute(delete(LoginAttempt).where(LoginAttempt.username == username.strip().lower()))


@dataclass(frozen=True)
class NewSession:
    cookie: str  # goes to the browser; never stored
    csrf_token: str
    expires_at: datetime


async def start_session(*, db_session: AsyncSession, user: User, now: datetime | None = None) -> NewSession:
    """A login session for ``user``."""
    now = now or utcnow()
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    expires = now + timedelta(days=SESSION_DAYS)
    db_session.add(UserSession(id=_sha(cookie), user_id=user.id, csrf_token=csrf, created_at=now, expires_at=expires))
    user.last_login_at = now
    await db_session.flush()
    return NewSession(cookie=cookie, csrf_token=csrf, expires_at=expires)


async def session_user(
    *, db_session: AsyncSession, cookie: str, now: datetime | None = None
) -> tuple[User, UserSession] | None:
    """The user behind a session cookie, if the session is alive."""
    found = await db_session.get(UserSession, _sha(cookie))
    if found is None or found.expires_at <= (now or utcnow()):
        return None
    user = await db_session.get(User, found.user_id)
    if user is None or not user.is_active:
        return None
    return user, found


async def end_session(*, db_session: AsyncSession, cookie: str) -> None:
    """Log out: the cookie stops working."""
    await db_session.execute(delete(UserSession).where(UserSession.id == _sha(cookie)))


async def create_token(*, db_session: AsyncSession, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token; the clear value is returned once and never stored."""
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=value[:10], token_hash=_sha(value))
    db_session.add(token)
    await db_session.flush()
    return token, value


async def token_user(*, db_session: AsyncSession, value: str, now: datetime | None = None) -> User | None:
    """The user behind an API token, if it is valid."""
    query = select(ApiToken).where(ApiToken.token_hash == _sha(value), ApiToken.revoked_at.is_(None))
    token = (await db_session.execute(query)).scalar_one_or_none()
    if token is None:
        return None
    user = await db_session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    token.last_used_at = now or utcnow()
    return user


async def revoke_token(*, db_session: AsyncSession, user_id: int, token_id: int) -> None:
    """Stop a token from working."""
    token = await db_session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise NotFoundError(_("No such API token."), details={"field": "token_id", "value": token_id})
    token.revoked_at = utcnow()


async def revoke_all_tokens(*, db_session: AsyncSession, user_id: int) -> int:
    """Stop every token of a user from working; returns how many were live."""
    query = select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    tokens = list((await db_session.execute(query)).scalars())
    for token in tokens:
        token.revoked_at = utcnow()
    return len(tokens)


async def end_all_sessions(*, db_session: AsyncSession, user_id: int) -> None:
    """Log a user out everywhere."""
    await db_session.execute(delete(UserSession).where(UserSession.user_id == user_id))


async def set_password(*, db_session: AsyncSession, user: User, password: str) -> None:
    """A new password; every session of the user ends."""
    user.password_hash = hash_password(password)
    await end_all_sessions(db_session=db_session, user_id=user.id)


async def set_active(*, db_session: AsyncSession, user: User, active: bool) -> None:
    """Turn an account on or off; turning it off ends its sessions and revokes its tokens."""
    user.is_active = active
    if not active:
        await end_all_sessions(db_session=db_session, user_id=user.id)
        await revoke_all_tokens(db_session=db_session, user_id=user.id)


__all__ = [
    "LOGIN_MAX_FAILURES",
    "LOGIN_WINDOW",
    "ROLE_ORDER",
    "NewSession",
    "clear_failures",
    "create_token",
    "create_user",
    "end_all_sessions",
    "end_session",
    "get_by_username",
    "hash_password",
    "membership",
    "memberships",
    "recent_failures",
    "record_failure",
    "revoke_all_tokens",
    "revoke_token",
    "role_at_least",
    "session_user",
    "set_active",
    "set_membership",
    "set_password",
    "start_session",
    "token_user",
    "verify_password",
]
