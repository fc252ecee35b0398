"""Finding publishers by name: the built-ins, plus plugins from the ``baliza.publishers`` entry-point group.

The built-ins are registered under the same group in our own ``pyproject.toml``, as any plugin would be, and are
also known here directly so they work from a source checkout that was never installed. A plugin cannot take a
built-in's name: publishing as "mastodon" must mean our Mastodon publisher.

``make_publisher`` is the one way the rest of Baliza gets a publisher, and it hands out a dry-run one unless told
otherwise: a real post needs an explicit ``dry_run=False``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import httpx
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from baliza.core.clock import utcnow
from baliza.core.errors import ConfigError, NotFoundError, ValidationError
from baliza.core.i18n import _
from baliza.core.plugins import missing_members, plugin_entries
from baliza.publishing.publishers.base import Clock, DryRunPublisher, Publisher
from baliza.publishing.publishers.bluesky import BlueskyPublisher
from baliza.publishing.publishers.mastodon import MastodonPublisher

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "baliza.publishers"
BUILTIN: dict[str, type[Publisher]] = {
    MastodonPublisher.name: MastodonPublisher,
    BlueskyPublisher.name: BlueskyPublisher,
}
_REQUIRED_METHODS = ("prepare", "publish", "delete")


def _plugins() -> dict[str, EntryPoint]:
    return plugin_entries(
        entry_points(group=ENTRY_POINT_GROUP), BUILTIN, log=log, event="publish.plugin_shadowed", kind="publisher"
    )


def publisher_names() -> list[str]:
    """Every publisher that can be asked for by name, built-in or plugin (plugins are not imported)."""
    return sorted({*BUILTIN, *_plugins()})


def _check(name: str, loaded: object) -> type[Publisher]:
    """``loaded`` if it is a publisher class registered under its own name, else a ConfigError saying what is wrong."""
    missing = missing_members(name, loaded, _REQUIRED_METHODS)
    if missing:
        raise ConfigError(
            _("The publisher plugin {name} does not implement the publisher interface (missing: {missing}).").format(
                name=name, missing=", ".join(missing)
            ),
            code="invalid_publisher_plugin",
            details={"publisher": name, "missing": missing},
        )
    publisher: type[Publisher] = loaded  # type: ignore[assignment]  # checked member by member just above
    return publisher


def get_publisher_class(name: str) -> type[Publisher]:
    """The publisher class registered as ``name``; NotFoundError if there is none."""
    if name in BUILTIN:
        return BUILTIN[name]
    entry = _plugins().get(name)
    if entry is None:
        raise NotFoundError(
            _("Unknown publisher {name!r}; available: {known}.").format(name=name, known=", ".join(publisher_names())),
            code="unknown_publisher",
            details={"publisher": name},
        )
    try:
        loaded = entry.load()
    except Exception as exc:  # third-party code: any failure to import it is the plugin's, reported as such
        raise ConfigError(
            _("The publisher plugin {name} could not be loaded ({error}).").format(name=name, error=type(exc).__name__),
            code="publisher_plugin_failed",
            details={"publisher": name, "entry_point": entry.value},
        ) from exc
    return _check(name, loaded)


def validate_settings(name: str, settings: BaseModel | Mapping[str, Any]) -> BaseModel:
    """``settings`` checked against the publisher's Settings model; errors name the fields, never the values."""
    cls = get_publisher_class(name)
    if isinstance(settings, cls.Settings):
        return settings
    raw = settings.model_dump() if isinstance(settings, BaseModel) else dict(settings)
    try:
        return cls.Settings.model_validate(raw)
    except PydanticValidationError as exc:
        # Field names and problems only: the rejected input may be a token.
        problems = [
            {"field": ".".join(str(part) for part in err["loc"]), "problem": err["type"]} for err in exc.errors()
        ]
        raise ValidationError(
            _("The settings of the {name} channel are not valid: check {fields}.").format(
                name=name, fields=", ".join(problem["field"] for problem in problems)
            ),
            code="invalid_publisher_settings",
            details={"publisher": name, "problems": problems},
        ) from exc


def make_publisher(
    name: str,
    settings: BaseModel | Mapping[str, Any],
    *,
    client: httpx.AsyncClient,
    dry_run: bool = True,
    clock: Clock = utcnow,
) -> Publisher:
    """A publisher for one channel; a dry-run one (sends nothing) unless ``dry_run=False``."""
    cls = get_publisher_class(name)
    publisher = cls(validate_settings(name, settings), client=client, clock=clock)
    if dry_run:
        return DryRunPublisher(publisher, clock=clock)
    return publisher


__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "get_publisher_class",
    "make_publisher",
    "publisher_names",
    "validate_settings",
]
