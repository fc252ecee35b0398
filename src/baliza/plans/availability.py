"""Who can be paged at a given moment: working hours, out of office, explicit absences, on-call rotations.

Everything is computed in the person's own time zone (or the rotation's), from a timezone-aware
moment, so daylight-saving changes move nobody's hours. The reasons are shown to people, so they are
translated; ``code`` is the stable, machine-readable twin.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from baliza.core.errors import NotFoundError, ValidationError
from baliza.core.i18n import _
from baliza.plans.schema import OutOfOffice, Person, Plan, Rotation
from baliza.plans.values import zone

DAY = timedelta(days=1)


def weekday_name(weekday: int) -> str:
    """Short weekday name in the reader's language (0 = Monday)."""
    names = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
    return names[weekday]


def format_local(moment: datetime, tz: tzinfo, *, with_zone: bool = True) -> str:
    """``Mon 09:00 Europe/Madrid``: a weekday and a clock time in ``tz``."""
    local = moment.astimezone(tz)
    text = f"{weekday_name(local.weekday())} {local:%H:%M}"
    return f"{text} {tz}" if with_zone else text


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError(_("the moment needs a time zone, such as 2026-11-20T10:00:00+01:00"), code="naive_time")
    return at


@dataclass(frozen=True)
class Availability:
    """Whether one person can be paged now, and why (``code``: available, unavailable, out_of_office, off_hours)."""

    person: str
    available: bool
    code: str
    reason: str


def out_of_office_on(person: Person, tz: tzinfo, at: datetime) -> OutOfOffice | None:
    """The out-of-office period covering ``at`` (dates inclusive, in the person's time zone), if any."""
    day = _aware(at).astimezone(tz).date()
    return next((o for o in person.out_of_office if o.start <= day <= o.end), None)


def is_working(person: Person, tz: tzinfo, at: datetime) -> bool:
    """Whether ``at`` falls in the person's working hours (always true without ``working_hours``)."""
    if person.working_hours is None:
        return True
    local = _aware(at).astimezone(tz)
    minute = local.hour * 60 + local.minute
    return any(minute in span for span in person.working_hours.on(local.weekday()))


def next_working_start(person: Person, tz: tzinfo, at: datetime) -> datetime | None:
    """When the person's next working range starts after ``at`` (within a week), or None."""
    if person.working_hours is None:
        return None
    local = _aware(at).astimezone(tz)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        for span in sorted(person.working_hours.on(day.weekday()), key=lambda s: s.start):
            begins = datetime(day.year, day.month, day.day, span.start // 60, span.start % 60, tzinfo=tz)
            if begins > local:
                return begins
    return None


def _ooo_reason(period: OutOfOffice) -> str:
    if period.reason:
        return _("out of office until {date} ({reason})").format(date=period.end.isoformat(), reason=period.reason)
    return _("out of office until {date}").format(date=period.end.isoformat())


def person_availability(
    plan: Plan,
    person_id: str,
    at: datetime,
    unavailable: Collection[str] = (),
    *,
    working_hours: bool = True,
    out_of_office: bool = True,
) -> Availability:
    """Can ``person_id`` be paged at ``at``? Explicit absence first, then out of office, then working hours.

    ``unavailable`` is a set of person ids or a mapping of person id to reason.
    ``working_hours=False`` is for on-call duty (reachable around the clock); ``out_of_office=False``
    is for the typical-week readiness check, where holidays are not the plan's shape.
    """
    person = plan.person(person_id)
    tz = plan.person_zone(person_id)
    if person_id in unavailable:
        # the store hands over {person: reason}; a plain set works too
        note = unavailable.get(person_id) if isinstance(unavailable, Mapping) else None
        reason = _("marked unavailable ({reason})").format(reason=note) if note else _("marked unavailable")
        return Availability(person_id, False, "unavailable", reason)
    period = out_of_office_on(person, tz, at) if out_of_office else None
    if period is not None:
        return Availability(person_id, False, "out_of_office", _ooo_reason(period))
    if not working_hours:
        return Availability(person_id, True, "available", _("available"))
    if person.working_hours is None:
        return Availability(person_id, True, "available", _("no working hours set: reachable at any hour"))
    if is_working(person, tz, at):
        return Availability(person_id, True, "available", _("within working hours"))
    upcoming = next_working_start(person, tz, at)
    if upcoming is None:
        return Availability(person_id, False, "off_hours", _("outside working hours (none set)"))
    return Availability(
        person_id, False, "off_hours", _("outside working hours (next: {when})").format(when=format_local(upcoming, tz))
    )


# --- rotations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shift:
    """One turn of a rotation: the scheduled member, and when the turn starts and ends."""

    rotation: str
    index: int
    member: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class OnCall:
    """Who is on call in a rotation at a moment; ``skipped`` lists the members passed over first, and why."""

    rotation: str
    person: str | None
    shift: Shift | None
    skipped: list[Availability] = field(default_factory=list)
    reason: str = ""


def rotation_zone(plan: Plan, rotation: Rotation) -> tzinfo:
    """The rotation's time zone, or the plan's."""
    return zone(rotation.timezone or plan.timezone)


def _boundary(rotation: Rotation, tz: tzinfo, n: int) -> datetime:
    """Start of turn ``n``. Whole-day turns hand off at the same wall-clock time across DST changes."""
    first = rotation.start
    hand = rotation.handoff
    if rotation.length % DAY == timedelta(0):
        day = first + n * (rotation.length // DAY) * DAY
        return datetime(day.year, day.month, day.day, hand.hour, hand.minute, tzinfo=tz)
    base = datetime(first.year, first.month, first.day, hand.hour, hand.minute, tzinfo=tz)
    return (base.astimezone(UTC) + n * rotation.length).astimezone(tz)


def _rotation(plan: Plan, rotation_id: str) -> Rotation:
    try:
        return plan.rotations[rotation_id]
    except KeyError:
        known = ", ".join(sorted(plan.rotations)) or _("none defined")
        raise NotFoundError(
            _("unknown rotation {value!r}; known: {known}").format(value=rotation_id, known=known)
        ) from None


def shift_at(plan: Plan, rotation_id: str, at: datetime) -> Shift | None:
    """The scheduled turn covering ``at`` (handoff at the exact minute), or None before the first one."""
    rotation = _rotation(plan, rotation_id)
    tz = rotation_zone(plan, rotation)
    at = _aware(at)
    if at < _boundary(rotation, tz, 0):
        return None
    if rotation.length % DAY == timedelta(0):
        days = rotation.length // DAY
        n = (at.astimezone(tz).date() - rotation.start).days // days
        if at < _boundary(rotation, tz, n):
            n -= 1
    else:
        n = (at - _boundary(rotation, tz, 0)) // rotation.length
    member = rotation.members[n % len(rotation.members)]
    return Shift(rotation_id, n, member, _boundary(rotation, tz, n), _boundary(rotation, tz, n + 1))


def on_call(
    plan: Plan, rotation_id: str, at: datetime, unavailable: Collection[str] = (), *, out_of_office: bool = True
) -> OnCall:
    """Who is on call at ``at``; with ``skip_out_of_office`` the next available member covers an absent one."""
    rotation = _rotation(plan, rotation_id)
    shift = shift_at(plan, rotation_id, at)
    if shift is None:
        first = _boundary(rotation, rotation_zone(plan, rotation), 0)
        return OnCall(
            rotation_id,
            None,
            None,
            reason=_("the rotation has not started yet (first turn {when})").format(
                when=first.isoformat(" ", "minutes")
            ),
        )
    members = rotation.members
    order = [members[(shift.index + k) % len(members)] for k in range(len(members))]
    if not rotation.skip_out_of_office:
        order = order[:1]
    skipped: list[Availability] = []
    for member in order:
        state = person_availability(plan, member, at, unavailable, working_hours=False, out_of_office=out_of_office)
        if state.available:
            return OnCall(rotation_id, member, shift, skipped)
        skipped.append(state)
    return OnCall(rotation_id, None, shift, skipped, reason=_("nobody in the rotation is available"))


def week_start(moment: datetime, tz: tzinfo) -> datetime:
    """Monday 00:00 (in ``tz``) of the week containing ``moment``."""
    local = _aware(moment).astimezone(tz)
    monday: date = local.date() - timedelta(days=local.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=tz)


__all__ = [
    "Availability",
    "OnCall",
    "Shift",
    "format_local",
    "is_working",
    "next_working_start",
    "on_call",
    "out_of_office_on",
    "person_availability",
    "rotation_zone",
    "shift_at",
    "week_start",
    "weekday_name",
]
