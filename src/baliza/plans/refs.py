"""Names that one part of a plan uses for another (a person in a role, a chain in a route…), checked in place.

While a ``Plan`` validates, ``names_in(data)`` holds the names the file defines; each reference field
checks against them and, when a name is unknown, fails at its own path with the known names listed.
Outside a plan (a ``Role`` validated alone, the built-in default severities) nothing is checked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator

from baliza.core.i18n import _
from baliza.plans.values import Id, Matcher, MatchOp, invalid


@dataclass(frozen=True)
class PlanNames:
    """The ids a plan file defines, per kind."""

    person: frozenset[str]
    role: frozenset[str]
    rotation: frozenset[str]
    chain: frozenset[str]
    severity: frozenset[str]


_NAMES: ContextVar[PlanNames | None] = ContextVar("baliza_plan_names", default=None)


@contextlib.contextmanager
def checking(names: PlanNames | None) -> Iterator[None]:
    """Check references against ``names`` inside the block (None: check nothing)."""
    token = _NAMES.set(names)
    try:
        yield
    finally:
        _NAMES.reset(token)


def keys(data: dict[str, Any], key: str) -> frozenset[str]:
    """The keys of the mapping ``data[key]`` (empty when it is missing or not a mapping)."""
    value = data.get(key)
    return frozenset(str(k) for k in value) if isinstance(value, dict) else frozenset()


def unknown_message(kind: str, value: str, known: frozenset[str] | set[str]) -> str:
    """``unknown person 'lucai'; known: ana, diego, …`` for kind person, role, rotation, chain or severity."""
    listed = ", ".join(sorted(known)) or _("none defined")
    templates = {
        "person": _("unknown person {value!r}; known: {known}"),
        "role": _("unknown role {value!r}; known: {known}"),
        "rotation": _("unknown rotation {value!r}; known: {known}"),
        "chain": _("unknown escalation chain {value!r}; known: {known}"),
        "severity": _("unknown severity {value!r}; known: {known}"),
    }
    return templates[kind].format(value=value, known=listed)


def _known(kind: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        names = _NAMES.get()
        if names is not None and value not in getattr(names, kind):
            raise invalid(f"unknown_{kind}", unknown_message(kind, value, getattr(names, kind)))
        return value

    return check


PersonRef = Annotated[Id, AfterValidator(_known("person"))]
RoleRef = Annotated[Id, AfterValidator(_known("role"))]
RotationRef = Annotated[Id, AfterValidator(_known("rotation"))]
ChainRef = Annotated[Id, AfterValidator(_known("chain"))]
SeverityRef = Annotated[Id, AfterValidator(_known("severity"))]


def _severity_matcher(matcher: Matcher) -> Matcher:
    """A matcher on ``severity`` must name severities the plan defines (regex alternations included)."""
    names = _NAMES.get()
    if names is None or matcher.label != "severity" or matcher.op in (MatchOp.ne, MatchOp.not_regex):
        return matcher
    for value in matcher.literal_values() or []:
        if value not in names.severity:
            raise invalid("unknown_severity", unknown_message("severity", value, names.severity))
    return matcher


PlanMatcher = Annotated[Matcher, AfterValidator(_severity_matcher)]


def unique(items: list[str]) -> list[str]:
    """Refuse a list that names someone twice."""
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise invalid("duplicate", _("lists {value!r} twice").format(value=item))
        seen.add(item)
    return items


def one_of(enum: type[StrEnum]) -> Callable[[Any], Any]:
    """A before-validator that lists the valid values of ``enum`` when given another."""

    def check(value: Any) -> Any:
        if value not in {e.value for e in enum}:
            raise invalid(
                "invalid_choice", _("must be one of {values}").format(values=", ".join(e.value for e in enum))
            )
        return value

    return check


__all__ = [
    "ChainRef",
    "PersonRef",
    "PlanMatcher",
    "PlanNames",
    "RoleRef",
    "RotationRef",
    "SeverityRef",
    "checking",
    "keys",
    "one_of",
    "unique",
    "unknown_message",
]
