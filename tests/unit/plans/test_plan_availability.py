"""Who can be paged when: working hours across time zones and DST, holidays, rotations, and whom each step pages."""

from __future__ import annotations

from datetime import datetime

import pytest
from plan_samples import DRILL, EXAMPLE, base_plan, build

from baliza.core.errors import NotFoundError, ValidationError
from baliza.core.i18n import use_locale
from baliza.plans.availability import on_call, person_availability, shift_at
from baliza.plans.check import load_plan
from baliza.plans.resolve import page_plan, resolve_step
from baliza.plans.schema import Plan


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text + "+00:00")


@pytest.fixture(scope="module")
def example() -> Plan:
    return load_plan(EXAMPLE)


@pytest.fixture
def plan() -> Plan:
    data = base_plan()
    # Ana (Madrid) is away 16-18 Nov, in her own rotation week
    data["people"]["ana"]["out_of_office"] = [{"start": "2026-11-16", "end": "2026-11-18", "reason": "Congreso"}]
    return build(data)


@pytest.mark.parametrize(
    ("moment", "ana", "carl"),
    [
        # winter: Madrid is UTC+1, London UTC+0
        ("2026-11-20T08:30:00", True, False),
        ("2026-11-20T09:00:00", True, True),
        ("2026-11-20T16:30:00", False, True),
        ("2026-11-20T17:00:00", False, False),
        # summer: Madrid UTC+2, London UTC+1 (the same UTC moments shift by an hour)
        ("2026-07-01T07:30:00", True, False),
        ("2026-07-01T08:00:00", True, True),
        ("2026-07-01T15:00:00", False, True),
        # the Monday after clocks go forward (29 March): 08:00 UTC is 09:00 in London, 10:00 in Madrid
        ("2026-03-30T08:00:00", True, True),
        ("2026-03-23T08:00:00", True, False),
        # a Saturday
        ("2026-11-21T12:00:00", False, False),
    ],
)
def test_working_hours_in_each_persons_time_zone(example: Plan, moment: str, ana: bool, carl: bool) -> None:
    plan = build(base_plan())
    at = utc(moment)
    assert person_availability(plan, "ana", at).available is ana
    assert person_availability(plan, "carl", at).available is carl


def test_reasons_say_when_someone_is_back(plan: Plan) -> None:
    friday_evening = utc("2026-11-20T18:00:00")
    state = person_availability(plan, "ana", friday_evening)
    assert (state.code, state.reason) == ("off_hours", "outside working hours (next: Mon 09:00 Europe/Madrid)")
    assert person_availability(plan, "carl", friday_evening).reason == (
        "outside working hours (next: Mon 09:00 Europe/London)"
    )
    with use_locale("es"):
        assert person_availability(plan, "ana", friday_evening).reason == (
            "fuera de horario (próximo: lun 09:00 Europe/Madrid)"
        )
    assert person_availability(plan, "bea", friday_evening).reason == "no working hours set: reachable at any hour"
    assert person_availability(plan, "ana", utc("2026-11-20T10:00:00")).reason == "within working hours"


def test_out_of_office_is_inclusive_in_the_persons_time_zone(example: Plan) -> None:
    # Lucía: 18-25 November, Madrid time
    assert person_availability(example, "lucia", utc("2026-11-17T22:59:00")).code == "off_hours"
    first = person_availability(example, "lucia", utc("2026-11-17T23:00:00"))  # 00:00 on the 18th in Madrid
    assert (first.available, first.code) == (False, "out_of_office")
    assert first.reason == "out of office until 2026-11-25 (Vacaciones / Holiday)"
    assert person_availability(example, "lucia", utc("2026-11-25T22:59:00")).code == "out_of_office"
    assert person_availability(example, "lucia", utc("2026-11-25T23:00:00")).code == "off_hours"  # 26th, 00:00
    assert person_availability(example, "lucia", utc("2026-11-26T08:00:00")).available  # Thursday 09:00
    with use_locale("es"):
        assert person_availability(example, "lucia", DRILL).reason == (
            "ausente hasta el 2026-11-25 (Vacaciones / Holiday)"
        )


def test_explicit_absences_come_first_and_may_carry_a_reason(plan: Plan) -> None:
    at = utc("2026-11-20T10:00:00")
    assert person_availability(plan, "ana", at, {"ana"}).reason == "marked unavailable"
    assert person_availability(plan, "ana", at, {"ana": "en un vuelo"}).reason == "marked unavailable (en un vuelo)"
    assert person_availability(plan, "ana", at, {"ana": ""}).reason == "marked unavailable"


def test_naive_moments_and_unknown_people_are_refused(plan: Plan) -> None:
    with pytest.raises(ValidationError, match="needs a time zone"):
        person_availability(plan, "ana", datetime(2026, 11, 20, 10))
    with pytest.raises(NotFoundError, match="unknown person 'zoe'; known: ana, bea, carl"):
        person_availability(plan, "zoe", DRILL)


def test_rotation_hands_off_at_the_exact_minute(example: Plan) -> None:
    # cm_oncall: nerea (from 2 Nov), lucia (9 Nov), diego (16 Nov), weekly at 09:00 Madrid (08:00 UTC in winter)
    assert shift_at(example, "cm_oncall", utc("2026-11-02T07:59:00")) is None
    assert shift_at(example, "cm_oncall", utc("2026-11-16T07:59:59")).member == "lucia"  # type: ignore[union-attr]
    shift = shift_at(example, "cm_oncall", utc("2026-11-16T08:00:00"))
    assert shift is not None
    assert (shift.member, shift.index) == ("diego", 2)
    assert shift.starts_at == utc("2026-11-16T08:00:00")
    assert shift.ends_at == utc("2026-11-23T08:00:00")
    assert shift_at(example, "cm_oncall", utc("2026-11-23T08:00:00")).member == "nerea"  # type: ignore[union-attr]


def test_weekly_handoff_keeps_the_wall_clock_time_across_dst() -> None:
    data = base_plan()
    data["rotations"]["oncall"]["start"] = "2026-10-19"
    plan = build(data)
    # 09:00 Madrid is 07:00 UTC before 25 October and 08:00 UTC after
    assert shift_at(plan, "oncall", utc("2026-10-19T07:00:00")).member == "ana"  # type: ignore[union-attr]
    assert shift_at(plan, "oncall", utc("2026-10-26T07:59:00")).member == "ana"  # type: ignore[union-attr]
    assert shift_at(plan, "oncall", utc("2026-10-26T08:00:00")).member == "bea"  # type: ignore[union-attr]


def test_shorter_shifts_count_real_hours() -> None:
    data = base_plan()
    data["rotations"]["oncall"].update({"length": "12h", "handoff": "08:00", "members": ["ana", "bea", "carl"]})
    plan = build(data)
    start = utc("2026-11-02T07:00:00")  # 08:00 in Madrid
    assert [shift_at(plan, "oncall", start.replace(hour=h)).member for h in (7, 18, 19)] == ["ana", "ana", "bea"]  # type: ignore[union-attr]
    assert shift_at(plan, "oncall", utc("2026-11-03T07:00:00")).member == "carl"  # type: ignore[union-attr]


def test_skip_out_of_office_picks_the_next_member(plan: Plan) -> None:
    at = utc("2026-11-17T12:00:00")  # Ana's week, but she is away
    duty = on_call(plan, "oncall", at)
    assert duty.person == "bea"
    assert duty.shift is not None and duty.shift.member == "ana"
    assert [(a.person, a.code, a.reason) for a in duty.skipped] == [
        ("ana", "out_of_office", "out of office until 2026-11-18 (Congreso)")
    ]
    # on call means reachable out of working hours too (Saturday, 03:00 in Madrid)
    assert on_call(plan, "oncall", utc("2026-11-14T02:00:00")).person == "bea"
    assert on_call(plan, "oncall", utc("2026-11-21T02:00:00")).person == "ana"


def test_without_skip_an_absent_member_leaves_the_rotation_empty() -> None:
    data = base_plan()
    data["people"]["ana"]["out_of_office"] = [{"start": "2026-11-16", "end": "2026-11-18"}]
    data["rotations"]["oncall"]["skip_out_of_office"] = False
    plan = build(data)
    duty = on_call(plan, "oncall", utc("2026-11-17T12:00:00"))
    assert duty.person is None
    assert [a.reason for a in duty.skipped] == ["out of office until 2026-11-18"]
    assert duty.reason == "nobody in the rotation is available"
    before = on_call(plan, "oncall", utc("2026-11-01T12:00:00"))
    assert before.person is None
    assert before.reason == "the rotation has not started yet (first turn 2026-11-02 09:00+01:00)"


# --- whom each step pages ----------------------------------------------------------------------


def test_sev2_first_step_pages_diego_and_skips_lucia_on_holiday(example: Plan) -> None:
    step = resolve_step(example, "sev2", 0, DRILL)
    assert [(p.person, p.kind, p.why, p.backup_number) for p in step.pages] == [
        ("diego", "backup", "backup 1 for community_manager", 1)
    ]
    assert [(s.person, s.code, s.reason) for s in step.skipped] == [
        ("lucia", "out_of_office", "out of office until 2026-11-25 (Vacaciones / Holiday)")
    ]
    assert step.description == "notify role community_manager"
    assert step.wait.total_seconds() == 600


def test_page_plan_walks_the_whole_chain_with_its_waits(example: Plan) -> None:
    walk = page_plan(example, "sev2", DRILL)
    rows = [
        (s.index, s.at.strftime("%H:%M"), s.action, [p.person for p in s.pages], [x.person for x in s.skipped])
        for s in walk.steps
    ]
    assert rows == [
        (0, "10:00", "notify", ["diego"], ["lucia"]),
        (1, "10:10", "notify_backup", [], ["diego", "nerea"]),
        (2, "10:20", "notify", ["diego"], []),
        (3, "10:25", "notify", ["ana"], []),
        (4, "10:40", "notify", ["javier"], []),
        (5, "10:40", "escalate_to", ["elena"], []),
    ]
    backup_step = walk.steps[1]
    assert [s.reason for s in backup_step.skipped] == [
        "already paged at step 1",
        "outside working hours (next: Fri 15:00 Europe/Madrid)",
    ]
    assert walk.steps[2].pages[0].why == "on call in cm_oncall"
    assert walk.steps[3].declare_incident
    assert walk.steps[5].repeat == 2
    assert walk.reaches_anyone()


def test_unavailable_people_are_skipped_at_every_step(example: Plan) -> None:
    walk = page_plan(example, "sev2", DRILL, {"diego": "en el dentista"})
    first = walk.steps[0]
    assert first.pages == []
    assert [(s.person, s.reason) for s in first.skipped] == [
        ("lucia", "out of office until 2026-11-25 (Vacaciones / Holiday)"),
        ("diego", "marked unavailable (en el dentista)"),
        ("nerea", "outside working hours (next: Fri 15:00 Europe/Madrid)"),
    ]
    on_call_step = walk.steps[2]
    assert on_call_step.pages[0].person == "nerea"  # diego is on call but unavailable: the next member covers
    assert [s.person for s in on_call_step.skipped] == ["diego"]


def test_notify_backup_pages_every_available_backup_in_order() -> None:
    data = base_plan()
    data["roles"]["comms_lead"]["backups"] = ["carl", "bea"]
    plan = build(data)
    at = utc("2026-11-20T10:00:00")  # Ana, Carl and Bea all working
    step = resolve_step(plan, "main", 1, at)
    assert [(p.person, p.why) for p in step.pages] == [
        ("carl", "backup 1 for comms_lead"),
        ("bea", "backup 2 for comms_lead"),
    ]
    assert step.description == "notify the backups of comms_lead"
    with use_locale("es"):
        assert resolve_step(plan, "main", 1, at).pages[0].why == "suplente 1 de comms_lead"


def test_person_step_and_out_of_range_index() -> None:
    data = base_plan()
    data["escalation_chains"]["main"]["steps"].append({"escalate_to": {"person": "carl"}})
    plan = build(data)
    step = resolve_step(plan, "main", 3, utc("2026-11-21T10:00:00"))
    assert step.pages == []
    assert [(s.person, s.code) for s in step.skipped] == [("carl", "off_hours")]
    assert step.description == "escalate to carl"
    with pytest.raises(NotFoundError, match="chain main has steps 0 to 3, not 4"):
        resolve_step(plan, "main", 4, DRILL)
    with pytest.raises(NotFoundError, match="unknown escalation chain 'nope'; known: main"):
        page_plan(plan, "nope", DRILL)
