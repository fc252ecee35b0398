"""``baliza plan check`` (lint a crisis plan) and ``baliza routes test`` (which route and who gets paged)."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from baliza.cli.common import open_db, settings_with
from baliza.core.clock import utcnow
from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.plans.availability import format_local
from baliza.plans.check import check_plan, load_plan
from baliza.plans.flows import load_plan_file
from baliza.plans.resolve import StepTargets, page_plan
from baliza.plans.routing import (
    MatchedRoute,
    SilenceState,
    active_silences,
    group_key,
    inhibiting,
    match_routes,
    parse_labels,
    silence_state,
)
from baliza.plans.schema import Plan
from baliza.plans.values import format_duration, matches_all

console = Console()

plan_app = typer.Typer(help="The crisis plan / El plan de crisis.", no_args_is_help=True)
routes_app = typer.Typer(help="Alert routing / Enrutado de alertas.", no_args_is_help=True)


@plan_app.callback()
def _plan_group() -> None:
    """The crisis plan: check it before you need it / El plan de crisis: revísalo antes de necesitarlo."""


@routes_app.callback()
def _routes_group() -> None:
    """Alert routing / Enrutado de alertas."""


def _print(text: str, style: str | None = None) -> None:
    shown = escape(text)
    console.print(f"[{style}]{shown}[/]" if style else shown, highlight=False, soft_wrap=True)


@plan_app.command("check")
def check_command(
    plan_file: Annotated[Path, typer.Argument(help="The plan to check, e.g. plan.yaml / El plan que revisar.")],
) -> None:
    """Check a crisis plan: errors, then readiness warnings / Revisar un plan: errores y avisos de preparación."""
    result = check_plan(plan_file)
    for problem in result.errors:
        _print(problem.render(), "red")
    for problem in result.warnings:
        _print(problem.render(), "yellow")
    summary = _("{file}: {errors} error(s), {warnings} warning(s)").format(
        file=plan_file, errors=len(result.errors), warnings=len(result.warnings)
    )
    _print(summary, "bold red" if result.errors else "bold yellow" if result.warnings else "bold green")
    if result.errors:
        raise typer.Exit(1)


# --- routes test -------------------------------------------------------------------------------


def parse_at(text: str | None, plan: Plan) -> datetime:
    """``--at``: an ISO date-time; without an offset it is read in the plan's time zone; default now."""
    if text is None:
        return utcnow()
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValidationError(
            _("--at must be a date and time such as 2026-11-20T10:00:00+01:00, not {value!r}").format(value=text),
            code="invalid_time",
            details={"field": "--at", "value": text},
        ) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=plan.zone)


def _people(plan: Plan, names: Sequence[str]) -> set[str]:
    wanted = {n.strip() for item in names for n in item.split(",") if n.strip()}
    unknown = sorted(wanted - set(plan.people))
    if unknown:
        raise ValidationError(
            _("--unavailable names unknown people: {names}; known: {known}").format(
                names=", ".join(unknown), known=", ".join(sorted(plan.people))
            ),
            code="unknown_person",
            details={"field": "--unavailable", "value": unknown},
        )
    return wanted


def _local(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _print_route(number: int, matched: MatchedRoute, labels: dict[str, str]) -> None:
    options = matched.options
    _print(
        _("Route {n}: {path} → {receiver} (continue: {cont})").format(
            n=number, path=matched.path, receiver=matched.receiver, cont=_yes_no(matched.continue_)
        ),
        "bold",
    )
    _print("  " + _("group key: {key}").format(key=group_key(matched, labels)))
    _print(
        "  "
        + _("timers: group_wait {wait}, group_interval {interval}, repeat_interval {repeat}").format(
            wait=format_duration(options.group_wait),
            interval=format_duration(options.group_interval),
            repeat=format_duration(options.repeat_interval),
        )
    )


def _print_step(plan: Plan, step: StepTargets) -> None:
    tz = plan.zone
    what = step.description
    extras = []
    if step.wait:
        extras.append(_("wait {duration}").format(duration=format_duration(step.wait)))
    if step.repeat:
        extras.append(_("repeat {n}×").format(n=step.repeat))
    if step.declare_incident:
        extras.append(_("declares an incident"))
    tail = f" ({', '.join(extras)})" if extras else ""
    _print(f"  {step.index + 1}. {format_local(step.at, tz, with_zone=False)} {what}{tail}")
    for page in step.pages:
        _print("     " + _("page {person}: {why}").format(person=plan.display_name(page.person), why=page.why), "green")
    for skip in step.skipped:
        _print("     " + _("skip {person}: {reason}").format(person=plan.display_name(skip.person), reason=skip.reason))
    if step.note:
        _print("     " + step.note, "yellow")
    if step.action != "wait" and not step.pages:
        _print("     " + _("nobody is paged at this step"), "yellow")


def routes_test_command(
    labels: Annotated[
        list[str], typer.Argument(help="Signal labels as name=value, e.g. severity=sev2 / Etiquetas nombre=valor.")
    ],
    plan: Annotated[Path, typer.Option("--plan", help="The crisis plan / El plan de crisis.")] = Path("plan.yaml"),
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="When, as ISO date-time; without offset, the plan's time zone (default now) / "
            "Cuándo, en ISO; sin desfase, la zona del plan (por defecto, ahora).",
        ),
    ] = None,
    unavailable: Annotated[
        list[str] | None,
        typer.Option(
            "--unavailable", help="People to treat as unavailable (repeat or comma-separate) / Personas no disponibles."
        ),
    ] = None,
    open_alerts: Annotated[
        list[str] | None,
        typer.Option(
            "--open",
            help="Labels of an open alert for inhibition, e.g. severity=sev1,issue_type=delivery / "
            "Etiquetas de una alerta abierta, para la inhibición.",
        ),
    ] = None,
) -> None:
    """Show the routes a signal takes and whom they page at a moment / Ver las rutas de una señal y a quién avisan."""
    signal = parse_labels(labels)
    the_plan = load_plan(plan)
    moment = parse_at(at, the_plan)
    away = _people(the_plan, unavailable or [])
    sources = [parse_labels(item.split(",")) for item in open_alerts or []]
    tz = the_plan.zone
    _print(_("Signal: {labels}").format(labels=" ".join(f"{k}={v}" for k, v in signal.items())), "bold")
    _print(_("At: {when} ({zone})").format(when=_local(moment, tz), zone=tz))
    matched = match_routes(the_plan.routes, signal)
    for number, route in enumerate(matched, start=1):
        _print_route(number, route, signal)
    muted = inhibiting(signal, sources, the_plan.inhibit_rules)
    if muted is None:
        _print(_("Inhibited: no"))
    else:
        source = ",".join(f"{k}={v}" for k, v in muted[1].items())
        _print(
            _("Inhibited: yes, by inhibit_rules[{n}] (open alert {source})").format(n=muted[0], source=source), "yellow"
        )
    silences = active_silences(the_plan.silences, signal, moment)
    if not silences:
        _print(_("Silenced: no"))
    for silence in silences:
        _print(
            _("Silenced: yes, until {until}, by {who} ({comment})").format(
                until=_local(silence.ends_at, tz), who=silence.created_by, comment=silence.comment
            ),
            "yellow",
        )
    for silence in the_plan.silences:
        if silence_state(silence, moment) is SilenceState.pending and matches_all(silence.matchers, signal):
            _print(
                _("A silence by {who} will mute it from {start} ({comment})").format(
                    who=silence.created_by, start=_local(silence.starts_at, tz), comment=silence.comment
                )
            )
    if muted is not None or silences:
        _print(_("While muted nobody is paged; this is who would be otherwise:"), "yellow")
    for receiver in dict.fromkeys(m.receiver for m in matched):
        steps = page_plan(the_plan, receiver, moment, away)
        total = sum((s.duration for s in steps.steps), timedelta(0))
        _print(
            _("Chain {chain} (if nobody acknowledges, it runs {duration}):").format(
                chain=receiver, duration=format_duration(total)
            ),
            "bold",
        )
        for step in steps.steps:
            _print_step(the_plan, step)


routes_app.command("test")(routes_test_command)

__all__ = ["check_command", "parse_at", "plan_app", "routes_app", "routes_test_command"]


async def _load(database_url: str | None, slug: str, path: Path, loaded_by: str | None) -> tuple[int, bool, int]:
    db = open_db(settings_with(database_url))
    try:
        version, created, warnings = await load_plan_file(db, slug=slug, path=path, loaded_by=loaded_by)
        return version.version, created, len(warnings)
    finally:
        await db.dispose()


@plan_app.command("load")
def load_command(
    plan_file: Annotated[Path, typer.Argument(help="plan.yaml")],
    workspace: Annotated[str, typer.Option("--workspace", "-w", help="Workspace slug / Espacio de trabajo.")],
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="Database URL (default: BALIZA_DATABASE_URL or SQLite).")
    ] = None,
) -> None:
    """Check a plan and make it the workspace's current version / Comprobar y cargar un plan."""
    number, created, warnings = asyncio.run(_load(database_url, workspace, plan_file, getpass.getuser()))
    if created:
        _print(_("Loaded {file} as version {n} of the plan of {workspace}.").format(
            file=plan_file, n=number, workspace=workspace))  # fmt: skip
    else:
        _print(_("{file} is the same as version {n}; nothing changed.").format(file=plan_file, n=number))
    if warnings:
        _print(
            _("{n} readiness warning(s): run baliza plan check {file} to see them.").format(n=warnings, file=plan_file),
            "yellow",
        )
