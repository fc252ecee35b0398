"""Reads and writes of sources. Settings are validated by the connector's own model on save; secret fields
are stored apart and never come back out (the API and the CLI show them masked)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core import vault
from baliza.core.config import Settings
from baliza.core.errors import ConflictError, NotFoundError, ValidationError
from baliza.core.i18n import _
from baliza.ingest.connectors import registry
from baliza.ingest.connectors.webhooks import MetaWebhookSettings, SignedWebhookSettings
from baliza.ingest.issues import describe_error
from baliza.sources.models import Source

# Push sources: the platform calls us; no connector polls them.
PUSH_KINDS: dict[str, type[BaseModel]] = {"webhook": SignedWebhookSettings, "meta": MetaWebhookSettings}


def kinds() -> list[str]:
    """Every kind of source: the connectors that fetch, and the webhooks that receive."""
    return sorted({*registry.connector_names(), *PUSH_KINDS})


def validate(kind: str, raw: dict[str, Any]) -> BaseModel:
    """The settings as the kind's model, or ValidationError naming each field (never echoing secrets)."""
    model = PUSH_KINDS.get(kind)
    if model is None:
        if kind not in registry.connector_names():
            raise ValidationError(
                _("Unknown kind of source {value!r}; available: {known}.").format(value=kind, known=", ".join(kinds())),
                details={"field": "kind", "value": kind},
            )
        return registry.validate_settings(kind, raw)
    try:
        return model.model_validate(raw)
    except PydanticValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {describe_error(err)}" for err in exc.errors(include_url=False)
        )
        raise ValidationError(
            _("The settings of the {name} connector are not valid: {problems}.").format(name=kind, problems=problems),
            code="invalid_settings",
            details={"fields": [".".join(str(p) for p in e["loc"]) for e in exc.errors(include_url=False)]},
        ) from exc


def split(settings: BaseModel) -> tuple[dict[str, Any], dict[str, str]]:
    """(public settings with secrets masked, secret values) of a validated settings model."""
    return registry.public_settings(settings), registry.secret_values(settings)


def settings_of(source: Source, settings: Settings) -> BaseModel:
    """The source's full settings (secrets decrypted), validated again."""
    public = {k: v for k, v in source.settings.items() if k not in source.secrets}
    return validate(source.kind, {**public, **vault.unseal(settings, source.secrets)})


async def create(
    *, db_session: AsyncSession, workspace_id: int, name: str, kind: str, raw: dict[str, Any], settings: Settings
) -> Source:
    """A new source (its secrets encrypted); ConflictError when the name is taken in the workspace."""
    checked = validate(kind, raw)
    public, secrets = split(checked)
    source = Source(
        workspace_id=workspace_id, name=name, kind=kind, settings=public, secrets=vault.seal(settings, secrets)
    )
    try:
        async with db_session.begin_nested():
            db_session.add(source)
            await db_session.flush()
    except IntegrityError as exc:
        raise ConflictError(
            _("This workspace already has a source called {name!r}.").format(name=name),
            details={"field": "name", "value": name},
        ) from exc
    return source


async def get_by_name(*, db_session: AsyncSession, workspace_id: int, name: str) -> Source:
    """One source of a workspace by name."""
    query = select(Source).where(Source.workspace_id == workspace_id, Source.name == name)
    found = (await db_session.execute(query)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(
            _("No source called {name!r} in this workspace.").format(name=name),
            details={"field": "name", "value": name},
        )
    return found


async def get(*, db_session: AsyncSession, source_id: int) -> Source:
    """One source by id."""
    found = await db_session.get(Source, source_id)
    if found is None:
        raise NotFoundError(_("No source {source_id}.").format(source_id=source_id), code="source_not_found")
    return found


async def list_sources(*, db_session: AsyncSession, workspace_id: int | None = None) -> list[Source]:
    """Sources in name order (of one workspace, or all)."""
    query = select(Source)
    if workspace_id is not None:
        query = query.where(Source.workspace_id == workspace_id)
    return list((await db_session.execute(query.order_by(Source.workspace_id, Source.name))).scalars())


def record_success(source: Source, *, now: datetime, items: int, cursor: str | None, lag: float | None) -> None:
    """After the items of a page are stored: move the cursor, update the health."""
    if cursor is not None:
        source.cursor = {"value": cursor}
    source.items_total += items
    source.last_success_at = now
    source.lag_seconds = lag
    source.state = "ok"


def record_error(source: Source, *, now: datetime, message: str) -> None:
    """A failed fetch: kept for the health report; the cursor does not move."""
    source.last_error_at = now
    source.last_error = message[:2000]
    failing = source.last_success_at is None or (now - source.last_success_at).total_seconds() > 3600
    source.state = "failing" if failing else "degraded"


def count(source: Source, key: str, n: int = 1) -> None:
    """Add to one of the source's counters (webhooks: accepted, bad_signature, stale, replayed, malformed)."""
    stats = dict(source.stats or {})
    stats[key] = int(stats.get(key, 0)) + n
    source.stats = stats


def health(source: Source) -> dict[str, Any]:
    """What the API and the CLI show about a source (never its secrets)."""
    return {
        "id": source.id,
        "name": source.name,
        "kind": source.kind,
        "enabled": source.enabled,
        "settings": {**source.settings, **{k: "**********" for k in source.secrets}},
        "state": source.state,
        "last_success_at": source.last_success_at,
        "last_error_at": source.last_error_at,
        "last_error": source.last_error,
        "lag_seconds": source.lag_seconds,
        "items_total": source.items_total,
        "counters": dict(source.stats or {}),
    }


__all__ = [
    "PUSH_KINDS",
    "count",
    "create",
    "get",
    "get_by_name",
    "health",
    "kinds",
    "list_sources",
    "record_error",
    "record_success",
    "settings_of",
    "split",
    "validate",
]
