"""What the connector and publisher registries share: plugins from an entry-point group that may not take a
built-in's name, and the check that a loaded plugin has the members its interface needs."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterable, Mapping, Sequence
from importlib.metadata import EntryPoint

from pydantic import BaseModel


def plugin_entries(
    entries: Iterable[EntryPoint], builtin: Mapping[str, type], *, log: logging.Logger, event: str, kind: str
) -> dict[str, EntryPoint]:
    """The entry points by name, less those that name a built-in (logged as ``event`` when they point elsewhere)."""
    found: dict[str, EntryPoint] = {}
    for entry in entries:
        known = builtin.get(entry.name)
        if known is not None:
            if entry.value != f"{known.__module__}:{known.__qualname__}":
                log.warning(event, extra={kind: entry.name, "entry_point": entry.value})
            continue
        found.setdefault(entry.name, entry)
    return found


def missing_members(name: str, loaded: object, methods: Sequence[str]) -> list[str]:
    """What ``loaded`` lacks to be a plugin registered as ``name``: a class, its ``name``, ``Settings`` (a pydantic
    model) and each of ``methods``; empty when nothing is missing."""
    if not inspect.isclass(loaded):
        return ["class"]
    missing: list[str] = []
    if getattr(loaded, "name", None) != name:
        missing.append(f"name = {name!r}")
    settings = getattr(loaded, "Settings", None)
    if not (inspect.isclass(settings) and issubclass(settings, BaseModel)):
        missing.append("Settings")
    missing += [method for method in methods if not callable(getattr(loaded, method, None))]
    return missing


__all__ = ["missing_members", "plugin_entries"]
