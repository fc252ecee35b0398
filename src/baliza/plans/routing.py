"""Triage by labels, the alertmanager way: the route tree, group keys, inhibition and silences.

Semantics follow alertmanager's ``dispatch/route.go``: the root matches every signal; children are
tried in order; a child without ``continue`` stops the search once it matched; a node no child
takes handles the signal itself; unset options come from the parent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.core.yamlfile import yaml_path
from baliza.plans.problems import describe
from baliza.plans.schema import InhibitRule, Route, Silence
from baliza.plans.values import matches_all

Labels = dict[str, str]
_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# alertmanager's defaults for a root route that leaves them out
DEFAULT_GROUP_WAIT = timedelta(seconds=30)
DEFAULT_GROUP_INTERVAL = timedelta(minutes=5)
DEFAULT_REPEAT_INTERVAL = timedelta(hours=4)


@dataclass(frozen=True)
class RouteOptions:
    """A route's options once inheritance is applied."""

    receiver: str
    group_by: tuple[str, ...]
    group_wait: timedelta
    group_interval: timedelta
    repeat_interval: timedelta


@dataclass(frozen=True)
class MatchedRoute:
    """A route that takes a signal: its YAML path (``routes.routes[3]``), the node, and its effective options."""

    path: str
    route: Route
    options: RouteOptions

    @property
    def receiver(self) -> str:
        """The escalation chain this route pages."""
        return self.options.receiver

    @property
    def continue_(self) -> bool:
        """Whether matching went on to the next sibling after this route."""
        return self.route.continue_


def _inherit(route: Route, parent: RouteOptions | None) -> RouteOptions:
    if parent is None:
        parent = RouteOptions(
            receiver=route.receiver or "",
            group_by=(),
            group_wait=DEFAULT_GROUP_WAIT,
            group_interval=DEFAULT_GROUP_INTERVAL,
            repeat_interval=DEFAULT_REPEAT_INTERVAL,
        )
    return RouteOptions(
        receiver=route.receiver or parent.receiver,
        group_by=tuple(route.group_by) if route.group_by is not None else parent.group_by,
        group_wait=route.group_wait if route.group_wait is not None else parent.group_wait,
        group_interval=route.group_interval if route.group_interval is not None else parent.group_interval,
        repeat_interval=route.repeat_interval if route.repeat_interval is not None else parent.repeat_interval,
    )


def _match(
    route: Route, labels: Mapping[str, str], parent: RouteOptions | None, loc: list[str | int]
) -> list[MatchedRoute]:
    if not matches_all(route.matchers, labels):
        return []
    options = _inherit(route, parent)
    found: list[MatchedRoute] = []
    for i, child in enumerate(route.routes):
        matched = _match(child, labels, options, [*loc, "routes", i])
        found.extend(matched)
        if matched and not child.continue_:
            break
    return found or [MatchedRoute(yaml_path(loc), route, options)]


def match_routes(root: Route, labels: Mapping[str, str]) -> list[MatchedRoute]:
    """The routes that take a signal with ``labels``, in tree order (at least the root)."""
    return _match(root, labels, None, ["routes"])


def group_key(route: MatchedRoute, labels: Mapping[str, str]) -> str:
    """A stable key: the route path plus the values of its ``group_by`` labels that the signal has."""
    parts = ",".join(f'{name}="{labels[name]}"' for name in sorted(route.options.group_by) if name in labels)
    return f"{route.path}:{{{parts}}}"


# --- inhibition --------------------------------------------------------------------------------


def inhibiting(
    target: Mapping[str, str], open_sources: Iterable[Mapping[str, str]], rules: Iterable[InhibitRule]
) -> tuple[int, Mapping[str, str]] | None:
    """The first (rule index, source labels) that mutes ``target``, or None."""
    sources = list(open_sources)
    for index, rule in enumerate(rules):
        if not matches_all(rule.target_matchers, target):
            continue
        for source in sources:
            # a signal never inhibits itself, even when it matches both sides (as in alertmanager)
            if dict(source) == dict(target) or not matches_all(rule.source_matchers, source):
                continue
            if all(source.get(name, "") == target.get(name, "") for name in rule.equal):
                return index, source
    return None


def is_inhibited(
    target_labels: Mapping[str, str], open_sources: Iterable[Mapping[str, str]], rules: Iterable[InhibitRule]
) -> bool:
    """Whether an open source mutes the target through one of the rules."""
    return inhibiting(target_labels, open_sources, rules) is not None


# --- silences ----------------------------------------------------------------------------------


class SilenceState(StrEnum):
    pending = "pending"
    active = "active"
    expired = "expired"


def silence_state(silence: Silence, at: datetime) -> SilenceState:
    """Pending before ``starts_at``, active until ``ends_at`` (exclusive), expired after: never stored."""
    if at < silence.starts_at:
        return SilenceState.pending
    if at >= silence.ends_at:
        return SilenceState.expired
    return SilenceState.active


def active_silences(silences: Iterable[Silence], labels: Mapping[str, str], at: datetime) -> list[Silence]:
    """The silences active at ``at`` whose matchers all match ``labels``."""
    return [s for s in silences if silence_state(s, at) is SilenceState.active and matches_all(s.matchers, labels)]


def validate_silence(data: Mapping[str, Any]) -> Silence:
    """A silence from user input, checked like alertmanager's; ValidationError lists each problem with its field."""
    try:
        return Silence.model_validate(dict(data))
    except PydanticValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = [p for p in err["loc"] if isinstance(p, (int, str))]
            message = describe(err["type"], str((err.get("ctx") or {}).get("error", err["msg"])), loc, Silence)
            problems.append({"path": yaml_path(loc), "code": err["type"], "message": message})
        text = "; ".join(f"{p['path']}: {p['message']}" if p["path"] else p["message"] for p in problems)
        raise ValidationError(
            _("invalid silence: {problems}").format(problems=text),
            code="invalid_silence",
            details={"problems": problems},
        ) from exc


def parse_labels(pairs: Iterable[str]) -> Labels:
    """``["severity=sev2", "issue_type=delivery"]`` -> a label set; ValidationError names a bad pair."""
    labels: Labels = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not _LABEL.fullmatch(name):
            raise ValidationError(
                _("{arg!r} is not a label; write name=value, such as severity=sev2").format(arg=pair),
                code="invalid_label",
                details={"value": pair},
            )
        labels[name] = value.strip()
    return labels


__all__ = [
    "DEFAULT_GROUP_INTERVAL",
    "DEFAULT_GROUP_WAIT",
    "DEFAULT_REPEAT_INTERVAL",
    "Labels",
    "MatchedRoute",
    "RouteOptions",
    "SilenceState",
    "active_silences",
    "group_key",
    "inhibiting",
    "is_inhibited",
    "match_routes",
    "parse_labels",
    "silence_state",
    "validate_silence",
]
