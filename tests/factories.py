"""Build exactly the rows a test needs."""

from __future__ import annotations

import functools
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from baliza.accounts import service as account_service
from baliza.accounts.models import User
from baliza.ingest import service as ingest_service
from baliza.storage.db import Database
from baliza.workspaces import service as workspace_service
from baliza.workspaces.models import Workspace
from baliza.workspaces.schemas import WatchRuleIn, WorkspaceCreate

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def acme_rules() -> list[WatchRuleIn]:
    return [
        WatchRuleIn(
            name="Marca",
            brand_names=["Acme", "Acme Foods"],
            handles=["@acmefoods"],
            hashtags=["#AcmeNoLlega"],
            keywords=["camión de acme"],
            exclusions=["acme corp bolivia"],
        ),
        WatchRuleIn(name="Competidor", kind="competitor", competitor="FreshBox", brand_names=["FreshBox"]),
    ]


async def make_workspace(
    db: Database, *, slug: str = "acme", rules: list[WatchRuleIn] | None = None, **kwargs: Any
) -> Workspace:
    async with db.session() as session:
        workspace = await workspace_service.create(
            db_session=session,
            workspace_in=WorkspaceCreate(
                slug=slug,
                name=kwargs.pop("name", "Acme Foods"),
                timezone=kwargs.pop("timezone", "Europe/Madrid"),
                watch_rules=acme_rules() if rules is None else rules,
                **kwargs,
            ),
        )
        await session.commit()
        return workspace


def mention(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid mention as the API or a JSON Lines file gives it."""
    data: dict[str, Any] = {
        "platform": "mastodon",
        "external_id": f"m{n}",
        "url": f"https://mastodon.social/@lucia/{n}?utm_source=x",
        "created_at": (T0 + timedelta(seconds=20 * n)).isoformat(),
        "text": f"Mi pedido #{n} de Acme no llegó 😡 #AcmeNoLlega",
        "lang": "es",
        "author": {"handle": f"@user{n % 3}@mastodon.social", "display_name": "Lucía", "followers": 100 + n},
        "likes": 1,
        "reposts": 2,
    }
    data.update(overrides)
    return data


async def quiet_rollups(db: Database, workspace_id: int, *, start: datetime, until: datetime, seed: int = 5) -> None:
    """Quiet traffic (about 4 mentions a minute) on the "all" series, written as rollups directly."""
    rnd = random.Random(seed)
    buckets: dict[tuple[str, datetime], list[int]] = {}
    at = start
    while at < until:
        count = sum(1 for _ in range(8) if rnd.random() < 0.5)
        buckets[("all", at)] = [count, count * 100, count]
        at += timedelta(minutes=1)
    async with db.session() as session, session.begin():
        await ingest_service.add_to_rollups(db_session=session, workspace_id=workspace_id, buckets=buckets)


# argon2 is deliberately slow; hash the shared test password once per run.
TEST_PASSWORD = "correct horse battery staple"


@functools.cache
def _test_password_hash() -> str:
    return account_service.hash_password(TEST_PASSWORD)


async def make_user(
    db: Database,
    *,
    username: str,
    role: str | None = None,
    workspace_slug: str = "acme",
    plan_roles: list[str] | None = None,
    superuser: bool = False,
    lang: str | None = None,
    name: str | None = None,
) -> tuple[User, str]:
    """A user (password TEST_PASSWORD) with ``role`` in ``workspace_slug``, and an API token for them."""
    async with db.session() as session:
        user = User(
            username=username,
            name=name or username.title(),
            password_hash=_test_password_hash(),
            is_superuser=superuser,
            lang=lang,
        )
        session.add(user)
        await session.flush()
        if role is not None:
            workspace = await workspace_service.get_by_slug_or_raise(db_session=session, slug=workspace_slug)
            await account_service.set_membership(
                db_session=session, user_id=user.id, workspace_id=workspace.id, role=role, plan_roles=plan_roles
            )
        _token, value = await account_service.create_token(db_session=session, user=user, name="tests")
        await session.commit()
        return user, value
