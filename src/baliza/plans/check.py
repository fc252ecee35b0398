"""Load a plan (``load_plan``) or lint it (``check_plan``): errors that make it unusable, warnings about readiness.

Errors come from validation (shape and cross-references, see ``schema``) and carry the file, line,
YAML path and value. Warnings say where the plan would let people down in a real crisis: a role
nobody covers, a person nobody can reach, a severity no route takes, a playbook text missing in one
language, a chain that reaches nobody at some hours of a typical week.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import yaml

from baliza.analysis.issue_types import ISSUE_TYPES
from baliza.core.clock import utcnow
from baliza.core.errors import ValidationError
from baliza.core.files import read_text
from baliza.core.i18n import _
from baliza.core.yamlfile import load_model, yaml_path
from baliza.plans.availability import format_local, week_start
from baliza.plans.problems import Problem, describe, line_of, split_path
from baliza.plans.resolve import reaches_anyone_at
from baliza.plans.routing import match_routes
from baliza.plans.schema import Plan
from baliza.plans.values import Matcher, contact_variables, expand_contact

HOURS_IN_WEEK = 7 * 24
# libyaml when it is there: several times faster on a plan of a few hundred lines
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class CheckResult:
    """What ``check_plan`` found: errors (the plan cannot be used) and warnings (it can, with gaps)."""

    file: str
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    plan: Plan | None = None

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return not self.errors


# --- reading -----------------------------------------------------------------------------------


def _duplicate_keys(node: yaml.Node | None, loc: list[str | int]) -> Iterator[tuple[list[str | int], int, str]]:
    """(path, line, key) for every key that appears twice in one mapping (YAML would keep the last silently)."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(getattr(key, "value", ""))
            if name in seen:
                yield [*loc, name], key.start_mark.line + 1, name
            seen.add(name)
            yield from _duplicate_keys(value, [*loc, name])
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _duplicate_keys(item, [*loc, i])


def _validate(path: Path) -> tuple[Plan | None, list[Problem], yaml.Node | None]:
    """The plan (if valid), every error, and the YAML node tree for line numbers."""
    text = read_text(path)
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        message = _("not valid YAML ({reason})").format(reason=reason)
        return None, [Problem("", message, "invalid_yaml", mark.line + 1 if mark else None, None, str(path))], None
    errors = [
        Problem(yaml_path(loc), _("duplicate key {key!r}; YAML would keep only the last one").format(key=key),
                "duplicate_key", line, None, str(path))
        for loc, line, key in _duplicate_keys(root, [])
    ]  # fmt: skip
    try:
        plan = load_model(path, Plan)
    except ValidationError as exc:
        if "problems" not in exc.details:
            raise
        for raw in exc.details["problems"]:
            # pydantic marks a bad dict key with a "[key]" step; the key itself is the place to point at
            loc = split_path(raw["path"].replace(".[key]", ""))
            message = describe(raw["code"], raw["message"], loc, Plan)
            value = None if isinstance(raw["value"], (dict, list)) else raw["value"]
            errors.append(Problem(yaml_path(loc), message, raw["code"], raw["line"], value, str(path)))
        plan = None
    errors.sort(key=lambda p: p.line or 0)
    return (plan if not errors else None), errors, root


def load_plan(path: Path) -> Plan:
    """Read and validate ``path``; ValidationError (code ``invalid_plan``) lists every problem with its line."""
    plan, errors, _root = _validate(path)
    if plan is None:
        raise ValidationError(
            _("{path} has {n} problem(s):").format(path=path, n=len(errors))
            + "\n"
            + "\n".join(p.render() for p in errors),
            code="invalid_plan",
            details={"problems": [p.as_dict() for p in errors]},
        )
    return plan


# --- readiness ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet_apprise() -> Iterator[None]:
    # Apprise logs every URL it cannot parse (secrets included) and its plugins import deprecated modules
    logger = logging.getLogger("apprise")
    disabled = logger.disabled
    logger.disabled = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            yield
    finally:
        logger.disabled = disabled


def apprise_understands(url: str) -> bool:
    """Whether Apprise recognises ``url`` (scheme and shape) as something it can send to."""
    import apprise

    with _quiet_apprise():
        return apprise.Apprise.instantiate(url) is not None


def contact_problem(url: str, env: Mapping[str, str]) -> str | None:
    """Why a contact URL cannot be used now (a missing variable, a URL Apprise does not know), or None."""
    missing = [name for name in contact_variables(url) if not env.get(name)]
    if missing:
        names = ", ".join(f"${{{m}}}" for m in missing)
        if len(missing) == 1:
            return _("needs {variables}, which is not set").format(variables=names)
        return _("needs {variables}, which are not set").format(variables=names)
    expanded = expand_contact(url, env)
    if expanded is None or not apprise_understands(expanded):
        return _("is not a URL Apprise can send to")
    return None


Warn = tuple[list[str | int], str, str, Any]


def _contact_warnings(plan: Plan, env: Mapping[str, str]) -> Iterator[Warn]:
    for pid, person in plan.people.items():
        if not person.contacts:
            yield (
                ["people", pid],
                _("{person} has no contacts: nobody can page them").format(person=pid),
                "no_contact",
                None,
            )
            continue
        reasons = []
        for i, url in enumerate(person.contacts):
            reason = contact_problem(url, env)
            if reason is None:
                break
            reasons.append(f"contacts[{i}] {reason}")
        else:
            message = _("{person} has no working contact: {reasons}").format(person=pid, reasons="; ".join(reasons))
            yield ["people", pid, "contacts"], message, "no_working_contact", None


def _role_warnings(plan: Plan) -> Iterator[Warn]:
    for rid, role in plan.roles.items():
        if not role.backups:
            message = _("role {role} has no backup: nobody covers when {person} is away").format(
                role=rid, person=role.primary
            )
            yield ["roles", rid], message, "no_backup", None


def _severity_warnings(plan: Plan, explicit: bool) -> Iterator[Warn]:
    root_receiver = plan.routes.receiver
    for sev, severity in plan.severities.items():
        loc: list[str | int] = ["severities", sev] if explicit else ["routes"]
        matched = match_routes(plan.routes, {"severity": sev})
        if all(m.path == "routes" for m in matched):
            message = _("severity {severity} has no route of its own; its alerts fall to the root receiver {receiver}")
            yield loc, message.format(severity=sev, receiver=root_receiver), "severity_unrouted", None
        unknown = [r for r in severity.involve if r not in plan.roles]
        if unknown and not explicit:
            message = _("the default severity {severity} involves roles this plan does not define: {roles}")
            yield ["severities"], message.format(severity=sev, roles=", ".join(unknown)), "unknown_role", None
    for sev, minutes in plan.policies.response_sla_minutes.items():
        own = plan.severities[sev].response_sla_minutes
        if own != minutes:
            message = _("{minutes} minutes here, but severities.{severity}.response_sla_minutes says {own}")
            loc = ["policies", "response_sla_minutes", sev]
            yield loc, message.format(minutes=minutes, severity=sev, own=own), "sla_mismatch", minutes


def _matchers(plan: Plan) -> Iterator[tuple[list[str | int], Matcher]]:
    def walk(route: Any, loc: list[str | int]) -> Iterator[tuple[list[str | int], Matcher]]:
        for i, m in enumerate(route.matchers):
            yield [*loc, "matchers", i], m
        for i, child in enumerate(route.routes):
            yield from walk(child, [*loc, "routes", i])

    yield from walk(plan.routes, ["routes"])
    for r, rule in enumerate(plan.inhibit_rules):
        for side in ("source_matchers", "target_matchers"):
            for i, m in enumerate(getattr(rule, side)):
                yield ["inhibit_rules", r, side, i], m
    for s, silence in enumerate(plan.silences):
        for i, m in enumerate(silence.matchers):
            yield ["silences", s, "matchers", i], m


def _label_warnings(plan: Plan) -> Iterator[Warn]:
    known = {str(t) for t in ISSUE_TYPES}
    for loc, matcher in _matchers(plan):
        if matcher.label != "issue_type":
            continue
        unknown = [v for v in matcher.literal_values() or [] if v not in known]
        if unknown:
            message = _("Baliza never labels a signal with issue type {values}; it detects: {known}").format(
                values=", ".join(unknown), known=", ".join(sorted(known))
            )
            yield loc, message, "unknown_issue_type", str(matcher)


def _playbook_warnings(plan: Plan) -> Iterator[Warn]:
    missing_text = {"es": _("has no Spanish (es) text"), "en": _("has no English (en) text")}
    for pid, book in plan.playbooks.items():
        texts: list[tuple[list[str | int], Any]] = [(["playbooks", pid, "title"], book.title)]
        texts += [(["playbooks", pid, "tasks", i, "title"], t.title) for i, t in enumerate(book.tasks)]
        if book.holding_statement is None:
            yield ["playbooks", pid], _("has no holding statement"), "no_holding_statement", None
        else:
            texts.append((["playbooks", pid, "holding_statement"], book.holding_statement))
            es, en = book.placeholders("es"), book.placeholders("en")
            if es and en and es != en:
                message = _("the Spanish and English texts use different placeholders: {names}").format(
                    names=", ".join(f"{{{n}}}" for n in sorted(es ^ en))
                )
                yield ["playbooks", pid, "holding_statement"], message, "placeholder_mismatch", None
        for loc, text in texts:
            for lang in text.missing():
                yield loc, missing_text[lang], "missing_language", None


def coverage_gaps(plan: Plan, chain: str, now: datetime) -> list[tuple[datetime, datetime]]:
    """The windows of the week containing ``now`` (plan time zone, hour by hour) in which ``chain`` pages nobody.

    Working hours and rotations count; holidays do not, as they are not the plan's usual shape. A
    window that runs over Sunday midnight into Monday is joined into one.
    """
    tz = plan.zone
    start = week_start(now, tz)
    # aware + timedelta is wall-clock arithmetic: 168 local hours, each labelled as people read them
    hours = [start + timedelta(hours=h) for h in range(HOURS_IN_WEEK)]
    uncovered = [not reaches_anyone_at(plan, chain, moment) for moment in hours]
    runs: list[list[int]] = []
    for h, gap in enumerate(uncovered):
        if gap and runs and runs[-1][1] == h:
            runs[-1][1] = h + 1
        elif gap:
            runs.append([h, h + 1])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][1] == HOURS_IN_WEEK:
        first = runs.pop(0)
        runs[-1][1] = HOURS_IN_WEEK + first[1]
    return [(start + timedelta(hours=a), start + timedelta(hours=b)) for a, b in runs]


def _window(start: datetime, end: datetime, tz: tzinfo) -> str:
    """``Sat 22:00–Mon 08:00``, or ``Mon 14:00–15:00`` within one day."""
    same_day = start.astimezone(tz).date() == end.astimezone(tz).date()
    until = end.astimezone(tz).strftime("%H:%M") if same_day else format_local(end, tz, with_zone=False)
    return f"{format_local(start, tz, with_zone=False)}–{until}"


def _coverage_warnings(plan: Plan, now: datetime) -> Iterator[Warn]:
    tz = plan.zone
    used = {m.receiver for m in _all_receivers(plan.routes)}
    for name in plan.escalation_chains:
        if name not in used:
            yield ["escalation_chains", name], _("no route uses this chain"), "unused_chain", None
        gaps = coverage_gaps(plan, name, now)
        if not gaps:
            continue
        if len(gaps) == 1 and gaps[0][1] - gaps[0][0] >= timedelta(hours=HOURS_IN_WEEK):
            message = _("{chain} reaches nobody at any hour of the week").format(chain=name)
        else:
            windows = ", ".join(_window(a, b, tz) for a, b in gaps)
            message = _("{chain} reaches nobody {windows} ({zone})").format(chain=name, windows=windows, zone=tz)
        yield ["escalation_chains", name], message, "coverage_gap", None


def _all_receivers(route: Any) -> Iterator[Any]:
    if route.receiver:
        yield route
    for child in route.routes:
        yield from _all_receivers(child)


def readiness(plan: Plan, *, env: Mapping[str, str], now: datetime, severities_explicit: bool = True) -> list[Warn]:
    """Every readiness warning as (path parts, message, code, value), in plan order."""
    return [
        *_contact_warnings(plan, env),
        *_role_warnings(plan),
        *_severity_warnings(plan, severities_explicit),
        *_label_warnings(plan),
        *_coverage_warnings(plan, now),
        *_playbook_warnings(plan),
    ]


def check_plan(path: Path, *, env: Mapping[str, str] | None = None, now: datetime | None = None) -> CheckResult:
    """Validate ``path`` and, when it is valid, look for readiness gaps (``env`` defaults to the process's)."""
    plan, errors, root = _validate(path)
    result = CheckResult(str(path), errors=errors, plan=plan)
    if plan is None:
        return result
    explicit = isinstance(root, yaml.MappingNode) and any(
        getattr(k, "value", None) == "severities" for k, _v in root.value
    )
    found = readiness(plan, env=os.environ if env is None else env, now=now or utcnow(), severities_explicit=explicit)
    result.warnings = [
        Problem(yaml_path(loc), message, code, line_of(root, loc), value, str(path))
        for loc, message, code, value in found
    ]
    result.warnings.sort(key=lambda p: p.line or 0)
    return result


def problems_text(problems: Sequence[Problem]) -> str:
    """One rendered line per problem."""
    return "\n".join(p.render() for p in problems)


__all__ = [
    "CheckResult",
    "apprise_understands",
    "check_plan",
    "contact_problem",
    "coverage_gaps",
    "load_plan",
    "problems_text",
    "readiness",
]
