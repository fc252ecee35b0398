"""Finding connectors by name: the built-ins, plus plugins from the ``baliza.connectors`` entry-point group.

The built-ins are registered under the same group in our own ``pyproject.toml``, as any plugin would be, and are
also known here directly so they work from a source checkout that was never installed. A plugin cannot take a
built-in's name: reading "mastodon" must mean our Mastodon connector.

``validate_settings`` is what "validated on save" means: errors name the fields and the problem, never the value
(it may be a token). ``public_settings`` is what the API may show: secrets masked.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import httpx
from pydantic import BaseModel, SecretStr
from pydantic import ValidationError as PydanticValidationError

from baliza.core.clock import utcnow
from baliza.core.errors import ConfigError, NotFoundError, ValidationError
from baliza.core.i18n import _
from baliza.core.plugins import missing_members, plugin_entries
from baliza.ingest.connectors.base import Clock, Connector
from baliza.ingest.connectors.bluesky import BlueskyConnector
from baliza.ingest.connectors.imap import IMAPConnector
from baliza.ingest.connectors.mastodon import MastodonConnector
from baliza.ingest.connectors.reddit import RedditConnector
from baliza.ingest.connectors.rss import RSSConnector
from baliza.ingest.connectors.x import XConnector
from baliza.ingest.connectors.youtube import YouTubeConnector

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "baliza.connectors"
BUILTIN: dict[str, type[Any]] = {
    RSSConnector.name: RSSConnector,
    MastodonConnector.name: MastodonConnector,
    BlueskyConnector.name: BlueskyConnector,
    XConnector.name: XConnector,
    YouTubeConnector.name: YouTubeConnector,
    RedditConnector.name: RedditConnector,
    IMAPConnector.name: IMAPConnector,
}


def _plugins() -> dict[str, EntryPoint]:
    return plugin_entries(
        entry_points(group=ENTRY_POINT_GROUP), BUILTIN, log=log, event="connector.plugin_shadowed", kind="connector"
    )


def connector_names() -> list[str]:
    """Every connector that can be asked for by name, built-in or plugin (plugins are not imported)."""
    return sorted({*BUILTIN, *_plugins()})


def _check(name: str, loaded: object) -> type[Any]:
    """``loaded`` if it is a connector class registered under its own name, else a ConfigError saying what is wrong."""
    missing = missing_members(name, loaded, ("fetch",))
    if missing:
        raise ConfigError(
            _("The connector plugin {name} does not implement the connector interface (missing: {missing}).").format(
                name=name, missing=", ".join(missing)
            ),
            code="invalid_connector_plugin",
            details={"connector": name, "missing": missing},
        )
    assert inspect.isclass(loaded)
    return loaded


def get_connector_class(name: str) -> type[Any]:
    """The connector class registered as ``name``; NotFoundError if there is none."""
    if name in BUILTIN:
        return BUILTIN[name]
    entry = _plugins().get(name)
    if entry is None:
        raise NotFoundError(
            _("Unknown connector {name!r}; available: {known}.").format(name=name, known=", ".join(connector_names())),
            code="unknown_connector",
            details={"connector": name},
        )
    try:
        loaded = entry.load()
    except Exception as exc:  # third-party code: any failure to import it is the plugin's, reported as such
        raise ConfigError(
            _("The connector plugin {name} could not be loaded ({error}).").format(name=name, error=type(exc).__name__),
            code="connector_plugin_failed",
            details={"connector": name, "entry_point": entry.value},
        ) from exc
    return _check(name, loaded)


def validate_settings(name: str, settings: BaseModel | Mapping[str, Any]) -> BaseModel:
    """``settings`` checked against the connector's Settings model; errors name the fields, never the values."""
    cls = get_connector_class(name)
    model: type[BaseModel] = cls.Settings
    if isinstance(settings, model):
        return settings
    raw = settings.model_dump() if isinstance(settings, BaseModel) else dict(settings)
    try:
        return model.model_validate(raw)
    except PydanticValidationError as exc:
        # Field names and problems only: the rejected input may be a token.
        problems = [
            {
                "field": ".".join(str(part) for part in err["loc"]) or "settings",
                "problem": err["msg"].removeprefix("Value error, "),
            }
            for err in exc.errors(include_input=False, include_url=False)
        ]
        raise ValidationError(
            _("The settings of the {name} connector are not valid: {problems}.").format(
                name=name, problems="; ".join(f"{p['field']}: {p['problem']}" for p in problems)
            ),
            code="invalid_connector_settings",
            details={"connector": name, "problems": problems},
        ) from exc


def public_settings(settings: BaseModel) -> dict[str, Any]:
    """Settings as the API may show them: JSON-ready, every secret masked (pydantic writes SecretStr as a mask)."""
    return settings.model_dump(mode="json")


def secret_values(settings: BaseModel) -> dict[str, str]:
    """The secrets in plain text, for the one place that stores them (encrypted) and nowhere else."""
    return {
        key: value.get_secret_value()
        for key, value in settings.model_dump(mode="python").items()
        if isinstance(value, SecretStr)
    }


def make_connector(
    name: str,
    settings: BaseModel | Mapping[str, Any],
    *,
    client: httpx.AsyncClient,
    clock: Clock = utcnow,
    allow_private: bool = False,
) -> Connector:
    """A connector for one configured instance; give it a ``netguard.guarded_client`` (same ``allow_private``)."""
    cls = get_connector_class(name)
    connector: Connector = cls(
        validate_settings(name, settings), client=client, clock=clock, allow_private=allow_private
    )
    return connector


__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "connector_names",
    "get_connector_class",
    "make_connector",
    "public_settings",
    "secret_values",
    "validate_settings",
]
