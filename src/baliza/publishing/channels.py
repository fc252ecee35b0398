"""Publishing channels: which publisher a workspace uses for each channel name, and how it publishes.

A response or scheduled post names its channel (``mastodon``, ``bluesky``, ``x``…). When the workspace has a
channel of that name configured, the desk publishes through its publisher plugin: as a **dry run** (the exact
request recorded, nothing sent) unless the channel is marked live. Without a configured channel the
publication is recorded as a dry run too. Deleting is never possible: publishers refuse it by policy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core import vault
from baliza.core.config import Settings
from baliza.core.errors import ConflictError
from baliza.core.i18n import _
from baliza.publishing import service as publishing_service
from baliza.publishing.models import Channel, ScheduledPost
from baliza.publishing.publishers import registry
from baliza.publishing.publishers.base import PostRequest
from baliza.responses.models import Response
from baliza.storage.db import Database


def _split(settings: BaseModel) -> tuple[dict[str, Any], dict[str, str]]:
    public = settings.model_dump(mode="json")
    secrets = {k: v.get_secret_value() for k, v in settings.model_dump().items() if hasattr(v, "get_secret_value")}
    return public, secrets


async def create(
    *,
    db_session: AsyncSession,
    workspace_id: int,
    name: str,
    kind: str,
    raw: dict[str, Any],
    live: bool,
    settings: Settings,
) -> Channel:
    """A new channel (its secrets encrypted); the settings are checked by the publisher's own model."""
    checked = registry.validate_settings(kind, raw)
    public, secrets = _split(checked)
    channel = Channel(
        workspace_id=workspace_id, name=name, kind=kind, settings=public, secrets=vault.seal(settings, secrets),
        live=live,
    )  # fmt: skip
    try:
        async with db_session.begin_nested():
            db_session.add(channel)
            await db_session.flush()
    except IntegrityError as exc:
        raise ConflictError(
            _("This workspace already has a channel called {name!r}.").format(name=name),
            details={"field": "name", "value": name},
        ) from exc
    return channel


async def list_channels(*, db_session: AsyncSession, workspace_id: int) -> list[Channel]:
    """The workspace's channels by name."""
    query = select(Channel).where(Channel.workspace_id == workspace_id).order_by(Channel.name)
    return list((await db_session.execute(query)).scalars())


def shown(channel: Channel) -> dict[str, Any]:
    """A channel for the API: secrets masked."""
    return {
        "id": channel.id,
        "name": channel.name,
        "kind": channel.kind,
        "live": channel.live,
        "settings": {**channel.settings, **{k: "**********" for k in channel.secrets}},
    }


def _publisher(channel: Channel, client: httpx.AsyncClient, settings: Settings) -> Any:
    public = {k: v for k, v in channel.settings.items() if k not in channel.secrets}
    secrets = vault.unseal(settings, channel.secrets)
    return registry.make_publisher(channel.kind, {**public, **secrets}, client=client, dry_run=not channel.live)


def response_publisher(
    db: Database, workspace_id: int, settings: Settings, *, client: httpx.AsyncClient | None = None
) -> Callable[[Response], Awaitable[dict[str, Any]]]:
    """The publish function the desk uses for a workspace's responses."""

    async def publish(response: Response) -> dict[str, Any]:
        async with db.session() as session:
            channel = (
                await session.execute(
                    select(Channel).where(
                        Channel.workspace_id == workspace_id, Channel.name == (response.channel or "")
                    )
                )
            ).scalar_one_or_none()
        if channel is None:
            return await publishing_service.dry_run_response(response)
        post = PostRequest(text=response.text, lang=response.lang, idempotency_key=f"baliza-response-{response.id}")
        async with client or httpx.AsyncClient(timeout=30) as http:
            publication = await _publisher(channel, http, settings).publish(post)
        shown_publication: dict[str, Any] = publication.model_dump(mode="json")
        return shown_publication

    return publish


def post_publisher(
    db: Database, workspace_id: int, settings: Settings, *, client: httpx.AsyncClient | None = None
) -> Callable[[ScheduledPost], Awaitable[dict[str, Any]]]:
    """The publish function the calendar uses for a workspace's scheduled posts."""

    async def publish(post: ScheduledPost) -> dict[str, Any]:
        async with db.session() as session:
            channel = (
                await session.execute(
                    select(Channel).where(Channel.workspace_id == workspace_id, Channel.name == post.channel)
                )
            ).scalar_one_or_none()
        if channel is None:
            return await publishing_service.dry_run_post(post)
        request = PostRequest(text=post.text, lang=post.lang, idempotency_key=f"baliza-post-{post.id}")
        async with client or httpx.AsyncClient(timeout=30) as http:
            publication = await _publisher(channel, http, settings).publish(request)
        result: dict[str, Any] = publication.model_dump(mode="json")
        return result

    return publish


__all__ = ["create", "list_channels", "post_publisher", "response_publisher", "shown"]
