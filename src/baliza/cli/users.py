"""``baliza user …``: accounts for the web pages and API tokens for integrations."""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.accounts import service as account_service
from baliza.accounts.models import Membership, User
from baliza.cli.common import DatabaseOpt, console, open_db, run, settings_with
from baliza.core.config import Settings
from baliza.core.errors import NotFoundError, ValidationError
from baliza.core.i18n import _
from baliza.workspaces import service as workspace_service
from baliza.workspaces.models import Workspace

user_app = typer.Typer(help="People who log in, and API tokens / Personas que entran y tokens de la API.")

PASSWORD_ENV = "BALIZA_NEW_PASSWORD"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if not sys.stdin.isatty():
        raise ValidationError(
            _("No password given: use --password-stdin, set {env}, or run it in a terminal to be asked.").format(
                env=PASSWORD_ENV
            ),
            details={"field": "password"},
        )
    first = typer.prompt(_("Password"), hide_input=True)
    second = typer.prompt(_("Repeat the password"), hide_input=True)
    if first != second:
        raise ValidationError(_("The two passwords are different."), details={"field": "password"})
    return str(first)


async def _add(
    settings: Settings,
    *,
    username: str,
    name: str,
    password: str,
    workspace: str | None,
    role: str,
    plan_roles: list[str],
    superuser: bool,
    lang: str | None,
    person: str | None,
    email: str | None,
) -> None:
    db = open_db(settings)
    try:
        async with db.session() as session:
            user = await account_service.create_user(
                db_session=session,
                username=username,
                name=name,
                password=password,
                email=email,
                lang=lang,
                person_id=person,
                is_superuser=superuser,
            )
            if workspace:
                ws = await workspace_service.get_by_slug_or_raise(db_session=session, slug=workspace)
                await account_service.set_membership(
                    db_session=session, user_id=user.id, workspace_id=ws.id, role=role, plan_roles=plan_roles
                )
            await session.commit()
    finally:
        await db.dispose()


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Login name / Nombre de usuario.")],
    name: Annotated[str, typer.Option("--name", help="Full name shown on the timeline / Nombre completo.")] = "",
    workspace: Annotated[
        str | None, typer.Option("--workspace", "-w", help="Workspace slug / Espacio de trabajo.")
    ] = None,
    role: Annotated[
        str, typer.Option("--role", help="admin, lead, responder or viewer / admin, lead, responder o viewer.")
    ] = "viewer",
    plan_role: Annotated[
        list[str] | None,
        typer.Option("--plan-role", help="Plan role this person covers, e.g. comms_lead (repeatable) / Rol del plan."),
    ] = None,
    superuser: Annotated[
        bool, typer.Option("--superuser", help="Administrator of the whole installation / Administración total.")
    ] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="es or en / es o en.")] = None,
    person: Annotated[
        str | None, typer.Option("--person", help="Their id in the crisis plan / Su identificador en el plan.")
    ] = None,
    email: Annotated[str | None, typer.Option("--email", help="Email address / Correo.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input / Leer de la entrada.")
    ] = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Create a user who can log in / Crear una persona usuaria."""
    if lang is not None and lang not in ("es", "en"):
        raise ValidationError(
            _("--lang must be es or en, not {value!r}.").format(value=lang), details={"field": "lang", "value": lang}
        )
    password = _read_password(password_stdin)
    run(
        _add(
            settings_with(database_url),
            username=username,
            name=name or username,
            password=password,
            workspace=workspace,
            role=role,
            plan_roles=plan_role or [],
            superuser=superuser,
            lang=lang,
            person=person,
            email=email,
        )
    )
    where = _(" as {role} in {workspace}").format(role=role, workspace=workspace) if workspace else ""
    console.print(_("Created user {username}{where}.").format(username=escape(username), where=escape(where)))


async def _token(settings: Settings, username: str, name: str) -> str:
    db = open_db(settings)
    try:
        async with db.session() as session:
            user = await account_service.get_by_username(db_session=session, username=username)
            if user is None:
                raise NotFoundError(
                    _("No user called {username!r}.").format(username=username),
                    details={"field": "username", "value": username},
                )
            _row, value = await account_service.create_token(db_session=session, user=user, name=name)
            await session.commit()
            return value
    finally:
        await db.dispose()


@user_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument(help="Whose token / De quién.")],
    name: Annotated[str, typer.Option("--name", help="What it is for / Para qué es.")] = "cli",
    database_url: DatabaseOpt = None,
) -> None:
    """Create an API token (shown once) / Crear un token de la API (se muestra una vez)."""
    value = run(_token(settings_with(database_url), username, name))
    console.print(_("Token for {username} (shown only now; keep it secret):").format(username=escape(username)))
    print(value)


async def _list(settings: Settings) -> list[tuple[str, str, str, str]]:
    db = open_db(settings)
    try:
        async with db.session() as session:
            users = list((await session.execute(select(User).order_by(User.username))).scalars())
            rows = []
            for user in users:
                query = (
                    select(Workspace.slug, Membership.role)
                    .join(Membership, Membership.workspace_id == Workspace.id)
                    .where(Membership.user_id == user.id)
                )
                roles = ", ".join(f"{slug}:{role}" for slug, role in (await session.execute(query)).all())
                rows.append((user.username, user.name, "✓" if user.is_superuser else "", roles))
            return rows
    finally:
        await db.dispose()


@user_app.command("list")
def user_list(database_url: DatabaseOpt = None) -> None:
    """List users and their roles / Listar personas usuarias y sus roles."""
    rows = run(_list(settings_with(database_url)))
    if not rows:
        console.print(_("No users yet. Create the first one with: baliza user add NAME --superuser"))
        return
    table = Table(_("user"), _("name"), _("administrator"), _("workspaces"))
    for row in rows:
        table.add_row(*(escape(v) for v in row))
    console.print(table)


async def _change(settings: Settings, username: str, change: Callable[[AsyncSession, User], Awaitable[str]]) -> str:
    db = open_db(settings)
    try:
        async with db.session() as session:
            user = await account_service.get_by_username(db_session=session, username=username)
            if user is None:
                raise NotFoundError(
                    _("No user called {username!r}.").format(username=username),
                    details={"field": "username", "value": username},
                )
            said = await change(session, user)
            await session.commit()
            return said
    finally:
        await db.dispose()


@user_app.command("role")
def user_role(
    username: Annotated[str, typer.Argument(help="Who / Quién.")],
    workspace: Annotated[str, typer.Option("--workspace", "-w", help="Workspace slug / Espacio de trabajo.")],
    role: Annotated[str, typer.Option("--role", help="admin, lead, responder or viewer.")],
    plan_role: Annotated[
        list[str] | None, typer.Option("--plan-role", help="Plan roles this person covers (repeatable).")
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Give a user a role in a workspace (or change it) / Dar o cambiar el rol en un espacio."""

    async def change(session: AsyncSession, user: User) -> str:
        ws = await workspace_service.get_by_slug_or_raise(db_session=session, slug=workspace)
        await account_service.set_membership(
            db_session=session, user_id=user.id, workspace_id=ws.id, role=role, plan_roles=plan_role
        )
        return _("{username} is now {role} in {workspace}.").format(username=username, role=role, workspace=workspace)

    console.print(escape(run(_change(settings_with(database_url), username, change))))


@user_app.command("password")
def user_password(
    username: Annotated[str, typer.Argument(help="Who / Quién.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read it from standard input.")] = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Set a new password; the user's sessions end / Cambiar la contraseña."""
    password = _read_password(password_stdin)

    async def change(session: AsyncSession, user: User) -> str:
        await account_service.set_password(db_session=session, user=user, password=password)
        return _("New password set for {username}; their sessions have ended.").format(username=username)

    console.print(escape(run(_change(settings_with(database_url), username, change))))


@user_app.command("revoke-tokens")
def user_revoke_tokens(
    username: Annotated[str, typer.Argument(help="Whose / De quién.")], database_url: DatabaseOpt = None
) -> None:
    """Stop every API token of a user from working / Revocar los tokens."""

    async def change(session: AsyncSession, user: User) -> str:
        n = await account_service.revoke_all_tokens(db_session=session, user_id=user.id)
        return _("{n} token(s) of {username} revoked.").format(n=n, username=username)

    console.print(escape(run(_change(settings_with(database_url), username, change))))


@user_app.command("disable")
def user_disable(
    username: Annotated[str, typer.Argument(help="Who / Quién.")], database_url: DatabaseOpt = None
) -> None:
    """Turn an account off: no login, no tokens / Desactivar una cuenta."""

    async def change(session: AsyncSession, user: User) -> str:
        await account_service.set_active(db_session=session, user=user, active=False)
        return _("{username} can no longer log in; their tokens are revoked.").format(username=username)

    console.print(escape(run(_change(settings_with(database_url), username, change))))


@user_app.command("enable")
def user_enable(
    username: Annotated[str, typer.Argument(help="Who / Quién.")], database_url: DatabaseOpt = None
) -> None:
    """Turn an account back on (new tokens are needed) / Reactivar una cuenta."""

    async def change(session: AsyncSession, user: User) -> str:
        await account_service.set_active(db_session=session, user=user, active=True)
        return _("{username} can log in again.").format(username=username)

    console.print(escape(run(_change(settings_with(database_url), username, change))))


__all__ = ["user_app"]
