"""Readiness warnings: the plan is valid but would let people down; and the bundled example checks clean."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from plan_samples import DRILL, EXAMPLE, base_plan, build, weekdays, write_plan

from baliza.core.i18n import use_locale
from baliza.plans.check import check_plan, contact_problem, coverage_gaps
from baliza.plans.schema import Plan
from baliza.plans.values import expand_contact


def warnings_of(tmp_path: Path, data: dict[str, Any], *, env: dict[str, str] | None = None) -> list[tuple[str, str]]:
    result = check_plan(write_plan(tmp_path, data), env=env or {}, now=DRILL)
    assert result.errors == []
    return [(w.path, w.message) for w in result.warnings]


def test_role_with_no_backup(tmp_path: Path) -> None:
    data = base_plan()
    data["roles"]["comms_lead"]["backups"] = []
    assert warnings_of(tmp_path, data) == [
        ("roles.comms_lead", "role comms_lead has no backup: nobody covers when ana is away"),
    ]


def test_contact_needing_a_missing_variable(tmp_path: Path) -> None:
    data = base_plan()
    data["people"]["carl"]["contacts"] = ["tgram://${ACME_BOT_TOKEN}/148220391"]
    assert warnings_of(tmp_path, data) == [
        ("people.carl.contacts", "carl has no working contact: contacts[0] needs ${ACME_BOT_TOKEN}, which is not set"),
    ]
    assert warnings_of(tmp_path, data, env={"ACME_BOT_TOKEN": "123456789:AAbbCCdd_ee"}) == []


def test_contact_apprise_does_not_understand(tmp_path: Path) -> None:
    data = base_plan()
    data["people"]["carl"]["contacts"] = ["carrierpigeon://loft/carl", "tgram://${ACME_BOT_TOKEN}/1"]
    assert warnings_of(tmp_path, data) == [
        (
            "people.carl.contacts",
            "carl has no working contact: contacts[0] is not a URL Apprise can send to; "
            "contacts[1] needs ${ACME_BOT_TOKEN}, which is not set",
        ),
    ]


def test_person_without_contacts(tmp_path: Path) -> None:
    data = base_plan()
    del data["people"]["carl"]["contacts"]
    assert warnings_of(tmp_path, data) == [("people.carl", "carl has no contacts: nobody can page them")]


def test_one_working_contact_is_enough(tmp_path: Path) -> None:
    data = base_plan()
    data["people"]["carl"]["contacts"] = ["tgram://${ACME_BOT_TOKEN}/1", "mailto://carl@example.org"]
    assert warnings_of(tmp_path, data) == []


def test_playbook_missing_a_language(tmp_path: Path) -> None:
    data = base_plan()
    book = data["playbooks"]["delivery_failure"]
    book["title"] = {"es": "Fallo de entregas"}
    book["tasks"][0]["title"] = {"en": "Publish"}
    book["holding_statement"] = {"es": "Desde las {start_time}…"}
    assert warnings_of(tmp_path, data) == [
        ("playbooks.delivery_failure.title", "has no English (en) text"),
        ("playbooks.delivery_failure.tasks[0].title", "has no Spanish (es) text"),
        ("playbooks.delivery_failure.holding_statement", "has no English (en) text"),
    ]


def test_playbook_statements_with_different_placeholders(tmp_path: Path) -> None:
    data = base_plan()
    data["playbooks"]["delivery_failure"]["holding_statement"] = {
        "es": "Desde las {start_time}. Más a las {next_update}.",
        "en": "Since {start_time}. Write to {contact}.",
    }
    assert warnings_of(tmp_path, data) == [
        (
            "playbooks.delivery_failure.holding_statement",
            "the Spanish and English texts use different placeholders: {contact}, {next_update}",
        ),
    ]


def test_playbook_without_holding_statement(tmp_path: Path) -> None:
    data = base_plan()
    del data["playbooks"]["delivery_failure"]["holding_statement"]
    assert warnings_of(tmp_path, data) == [("playbooks.delivery_failure", "has no holding statement")]


def _chain_of_one_person(data: dict[str, Any], hours: dict[str, list[str]], chain: str = "sev2") -> None:
    data["people"]["dana"] = {"name": "Dana", "contacts": ["mailto://dana@example.org"], "working_hours": hours}
    data["escalation_chains"][chain] = {"steps": [{"notify": {"person": "dana"}}]}
    data["routes"]["routes"].insert(0, {"matchers": ['severity="sev2"'], "receiver": chain})


def test_chain_reaching_nobody_at_weekends(tmp_path: Path) -> None:
    data = base_plan()
    hours = {"mon": ["08:00-24:00"], **{d: ["00:00-24:00"] for d in ("tue", "wed", "thu", "fri")}}
    _chain_of_one_person(data, {**hours, "sat": ["00:00-22:00"]})
    assert warnings_of(tmp_path, data) == [
        ("escalation_chains.sev2", "sev2 reaches nobody Sat 22:00–Mon 08:00 (Europe/Madrid)"),
    ]


def test_chain_reaching_nobody_at_night_and_weekends(tmp_path: Path) -> None:
    data = base_plan()
    _chain_of_one_person(data, weekdays("09:00-17:00"))
    assert warnings_of(tmp_path, data) == [
        (
            "escalation_chains.sev2",
            "sev2 reaches nobody Mon 17:00–Tue 09:00, Tue 17:00–Wed 09:00, Wed 17:00–Thu 09:00, "
            "Thu 17:00–Fri 09:00, Fri 17:00–Mon 09:00 (Europe/Madrid)",
        ),
    ]


def test_chain_with_a_lunch_gap_and_the_window_text_in_spanish(tmp_path: Path) -> None:
    data = base_plan()
    hours = {d: ["00:00-14:00", "15:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    hours["sun"] = ["00:00-24:00"]
    _chain_of_one_person(data, hours)
    path = write_plan(tmp_path, data)
    with use_locale("es"):
        result = check_plan(path, env={}, now=DRILL)
    assert [w.message for w in result.warnings] == [
        "sev2 no llega a nadie lun 14:00–15:00, mar 14:00–15:00, mié 14:00–15:00, jue 14:00–15:00, "
        "vie 14:00–15:00, sáb 14:00–15:00 (Europe/Madrid)"
    ]


def test_chain_reaching_nobody_ever(tmp_path: Path) -> None:
    data = base_plan()
    _chain_of_one_person(data, {})
    assert warnings_of(tmp_path, data) == [("escalation_chains.sev2", "sev2 reaches nobody at any hour of the week")]


def test_coverage_is_read_in_the_plan_time_zone_across_a_dst_change() -> None:
    # Carl works 09:00-17:00 in London, which is 10:00-18:00 in Madrid, also in the week clocks go back (25 Oct)
    data = base_plan()
    data["escalation_chains"]["uk"] = {"steps": [{"notify": {"person": "carl"}}]}
    plan = build(data)
    week_of_dst_change = datetime.fromisoformat("2026-10-22T12:00:00+00:00")
    gaps = coverage_gaps(plan, "uk", week_of_dst_change)
    madrid = plan.zone
    assert [
        (a.astimezone(madrid).strftime("%a %H:%M"), b.astimezone(madrid).strftime("%a %H:%M")) for a, b in gaps
    ] == [
        ("Mon 18:00", "Tue 10:00"),
        ("Tue 18:00", "Wed 10:00"),
        ("Wed 18:00", "Thu 10:00"),
        ("Thu 18:00", "Fri 10:00"),
        ("Fri 18:00", "Mon 10:00"),
    ]


def test_a_rotation_covers_every_hour_but_holidays_do_not_count() -> None:
    plan = build(base_plan())
    assert coverage_gaps(plan, "main", DRILL) == []


def test_severity_with_no_route_of_its_own(tmp_path: Path) -> None:
    data = base_plan()
    data["severities"]["sev3"] = {"label": {"es": "Incidencia", "en": "Issue"}, "response_sla_minutes": 60}
    assert warnings_of(tmp_path, data) == [
        ("severities.sev3", "severity sev3 has no route of its own; its alerts fall to the root receiver main"),
    ]


def test_default_severities_name_roles_the_plan_lacks(tmp_path: Path) -> None:
    data = base_plan()
    del data["severities"]
    data["routes"]["routes"] = [{"matchers": ['severity=~"sev1|sev2|sev3|sev4"'], "receiver": "main"}]
    found = warnings_of(tmp_path, data)
    assert found[0] == (
        "severities",
        "the default severity sev1 involves roles this plan does not define: "
        "community_manager, customer_care_lead, legal, executive_sponsor",
    )
    assert len(found) == 4
    assert build(data).severities["sev2"].response_sla_minutes == 30


def test_unused_chain_unknown_issue_type_and_sla_mismatch(tmp_path: Path) -> None:
    data = base_plan()
    data["escalation_chains"]["spare"] = {"steps": [{"notify": {"person": "bea"}}]}
    data["routes"]["routes"].append({"matchers": ['issue_type=~"delivery|data_breach"'], "receiver": "main"})
    data["policies"]["response_sla_minutes"] = {"sev1": 15, "sev2": 45}
    assert warnings_of(tmp_path, data) == [
        (
            "routes.routes[1].matchers[0]",
            "Baliza never labels a signal with issue type data_breach; it detects: boycott, complaint, conduct, "
            "customer_service, delivery, health, legal, marketing, praise, pricing, privacy, product_quality, "
            "question, rumour",
        ),
        ("escalation_chains.spare", "no route uses this chain"),
        (
            "policies.response_sla_minutes.sev2",
            "45 minutes here, but severities.sev2.response_sla_minutes says 30",
        ),
    ]


# --- the bundled example -------------------------------------------------------------------------

EXAMPLE_WARNINGS = [
    (
        "escalation_chains.legal_fyi",
        "legal_fyi reaches nobody Mon 14:00–15:00, Mon 19:00–Tue 09:00, Tue 14:00–15:00, Tue 19:00–Wed 09:00, "
        "Wed 14:00–15:00, Wed 19:00–Thu 09:00, Thu 14:00–15:00, Thu 19:00–Fri 08:00, Fri 15:00–Mon 09:00 "
        "(Europe/Madrid)",
    ),
    (
        "escalation_chains.customer_care_fyi",
        "customer_care_fyi reaches nobody Mon 22:00–Tue 08:00, Tue 22:00–Wed 08:00, Wed 22:00–Thu 08:00, "
        "Thu 16:00–Fri 08:00, Fri 16:00–Sat 09:00, Sat 21:00–Sun 09:00, Sun 21:00–Mon 08:00 (Europe/Madrid)",
    ),
]


@pytest.mark.parametrize("env", [{}, {"ACME_TELEGRAM_BOT_TOKEN": "123456789:AAbbCCdd_ee"}])
def test_the_bundled_example_is_valid_with_only_its_deliberate_warnings(env: dict[str, str]) -> None:
    result = check_plan(EXAMPLE, env=env, now=DRILL)
    assert result.errors == []
    assert [(w.path, w.message) for w in result.warnings] == EXAMPLE_WARNINGS
    assert all(w.code == "coverage_gap" and w.line for w in result.warnings)
    assert isinstance(result.plan, Plan)


def test_the_example_round_trips_through_json() -> None:
    plan = check_plan(EXAMPLE, env={}, now=DRILL).plan
    assert plan is not None
    document = plan.model_dump(mode="json", by_alias=True)
    assert document["routes"]["routes"][3]["matchers"] == ['severity=~"sev1|sev2"']
    assert document["escalation_chains"]["sev2"]["steps"][0]["wait"] == "10m"
    assert document["people"]["lucia"]["working_hours"]["fri"] == ["09:00-15:00"]
    assert document["rotations"]["cm_oncall"]["handoff"] == "09:00"
    assert document["policies"]["statement_approval"]["from"] == "sev2"
    assert Plan.model_validate(document) == plan


def test_expand_contact() -> None:
    url = "tgram://${BOT}/${CHAT}"
    assert expand_contact(url, {"BOT": "1:a", "CHAT": "42"}) == "tgram://1:a/42"
    assert expand_contact(url, {"BOT": "1:a"}) is None
    assert expand_contact(url, {"BOT": "1:a", "CHAT": ""}) is None
    assert expand_contact("mailto://a@example.org", {}) == "mailto://a@example.org"
    with use_locale("es"):
        assert contact_problem(url, {}) == "necesita ${BOT}, ${CHAT}, que no están definidas"
