"""Routing the alertmanager way: the tree, continue, inheritance, group keys, inhibition, silences, matchers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from plan_samples import EXAMPLE

from baliza.core.errors import ValidationError
from baliza.core.i18n import use_locale
from baliza.plans.check import load_plan
from baliza.plans.routing import (
    SilenceState,
    active_silences,
    group_key,
    inhibiting,
    is_inhibited,
    match_routes,
    parse_labels,
    silence_state,
    validate_silence,
)
from baliza.plans.schema import InhibitRule, Plan, Route, Silence
from baliza.plans.values import Matcher, MatchOp


@pytest.fixture(scope="module")
def example() -> Plan:
    return load_plan(EXAMPLE)


def routed(plan: Plan, **labels: str) -> list[tuple[str, str, bool]]:
    return [(m.path, m.receiver, m.continue_) for m in match_routes(plan.routes, labels)]


def test_sev2_delivery_takes_the_customer_care_notice_and_the_sev2_chain(example: Plan) -> None:
    labels = {"severity": "sev2", "issue_type": "delivery"}
    matched = match_routes(example.routes, labels)
    assert [(m.path, m.receiver, m.continue_) for m in matched] == [
        ("routes.routes[3].routes[0]", "customer_care_fyi", True),
        ("routes.routes[3].routes[2]", "sev2", False),
    ]
    assert [group_key(m, labels) for m in matched] == [
        'routes.routes[3].routes[0]:{issue_type="delivery"}',
        'routes.routes[3].routes[2]:{issue_type="delivery"}',
    ]
    with_story = {**labels, "story": "s-42", "platform": "x"}
    assert group_key(matched[1], with_story) == 'routes.routes[3].routes[2]:{issue_type="delivery",story="s-42"}'


def test_children_inherit_their_parents_options(example: Plan) -> None:
    fyi = match_routes(example.routes, {"severity": "sev2", "issue_type": "delivery"})[0].options
    assert fyi.group_by == ("issue_type", "story")  # from the root
    assert (fyi.group_wait, fyi.group_interval, fyi.repeat_interval) == (
        timedelta(seconds=10),
        timedelta(minutes=5),
        timedelta(minutes=30),
    )  # from the sev2 route
    influencer = match_routes(example.routes, {"severity": "sev2", "author_type": "influencer"})
    assert [(m.path, m.receiver) for m in influencer] == [("routes.routes[3].routes[1]", "sev2")]
    assert influencer[0].options.group_by == ("issue_type", "author")


def test_journalist_route_continues_to_the_severity_route(example: Plan) -> None:
    assert routed(example, severity="sev3", author_type="journalist") == [
        ("routes.routes[0]", "comms_fyi", True),
        ("routes.routes[4]", "sev3", False),
    ]
    assert routed(example, severity="sev1", author_type="journalist", issue_type="privacy") == [
        ("routes.routes[0]", "comms_fyi", True),
        ("routes.routes[1]", "legal_fyi", True),
        ("routes.routes[2]", "sev1", False),
    ]


def test_a_child_without_continue_stops_the_search(example: Plan) -> None:
    # sev1 also matches the sev1|sev2 route below it, which is never reached
    assert routed(example, severity="sev1") == [("routes.routes[2]", "sev1", False)]


def test_no_matching_child_means_the_node_itself(example: Plan) -> None:
    matched = match_routes(example.routes, {"lang": "pt"})
    assert [(m.path, m.receiver) for m in matched] == [("routes", "sev4")]
    options = matched[0].options
    assert (options.group_wait, options.group_interval, options.repeat_interval) == (
        timedelta(seconds=30),
        timedelta(minutes=5),
        timedelta(hours=4),
    )
    assert group_key(matched[0], {"issue_type": "pricing"}) == 'routes:{issue_type="pricing"}'


def test_alertmanager_defaults_when_the_root_sets_no_timers() -> None:
    root = Route.model_validate({"receiver": "x", "routes": [{"matchers": ["a=b"], "receiver": "y"}]})
    matched = match_routes(root, {"a": "b"})
    assert [(m.path, m.receiver) for m in matched] == [("routes.routes[0]", "y")]
    assert matched[0].options.group_by == ()
    assert matched[0].options.repeat_interval == timedelta(hours=4)
    assert group_key(matched[0], {"a": "b"}) == "routes.routes[0]:{}"


# --- matchers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "op", "value"),
    [
        ('severity="sev1"', "severity", MatchOp.eq, "sev1"),
        ("severity=sev1", "severity", MatchOp.eq, "sev1"),
        (' lang != "en" ', "lang", MatchOp.ne, "en"),
        ('issue_type=~"delivery|legal"', "issue_type", MatchOp.regex, "delivery|legal"),
        ('author!~"acme_.*"', "author", MatchOp.not_regex, "acme_.*"),
        (r'title="say \"hi\""', "title", MatchOp.eq, 'say "hi"'),
        ('story=""', "story", MatchOp.eq, ""),
    ],
)
def test_matchers_parse(text: str, label: str, op: MatchOp, value: str) -> None:
    matcher = Matcher.parse(text)
    assert (matcher.label, matcher.op, matcher.value) == (label, op, value)
    assert Matcher.parse(str(matcher)) == matcher


def test_regex_matchers_are_fully_anchored_and_missing_labels_are_empty() -> None:
    regex = Matcher.parse('severity=~"sev1|sev2"')
    assert regex.matches({"severity": "sev2"})
    assert not regex.matches({"severity": "sev12"})
    assert not regex.matches({"severity": "xsev1"})
    assert not regex.matches({})
    assert Matcher.parse('lang!="en"').matches({})
    assert Matcher.parse('story=""').matches({"brand": "acme"})
    assert not Matcher.parse('author!~"acme_.*"').matches({"author": "acme_es"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("severity", 'must be a matcher such as severity="sev1" or issue_type=~"delivery|legal"'),
        ('severity~"sev1"', "unknown operator '~'; use one of =, !=, =~, !~"),
        ('severity>"sev1"', "unknown operator '>'; use one of =, !=, =~, !~"),
        ('severity="sev1', 'the value must be in double quotes, such as severity="value"'),
        ('x=~"[a-"', "is not a valid regular expression (unterminated character set at position 0)"),
    ],
)
def test_bad_matchers(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        Matcher.parse(text)
    assert str(caught.value) == message


# --- inhibition ---------------------------------------------------------------------------------


def test_inhibition_needs_equal_labels(example: Plan) -> None:
    rules = example.inhibit_rules
    target = {"severity": "sev3", "issue_type": "delivery"}
    same_type = {"severity": "sev1", "issue_type": "delivery"}
    other_type = {"severity": "sev1", "issue_type": "pricing"}
    assert is_inhibited(target, [same_type], rules)
    assert inhibiting(target, [other_type, same_type], rules) == (0, same_type)
    assert not is_inhibited(target, [other_type], rules)
    assert not is_inhibited(target, [], rules)
    assert inhibiting(target, [{"severity": "sev2", "issue_type": "delivery"}], rules) == (
        1,
        {"severity": "sev2", "issue_type": "delivery"},
    )
    # an open incident on a story mutes noise about that story only
    noise = {"severity": "sev4", "story": "s-1"}
    assert inhibiting(noise, [{"incident": "open", "story": "s-1"}], rules) == (2, {"incident": "open", "story": "s-1"})
    assert not is_inhibited(noise, [{"incident": "open", "story": "s-2"}], rules)


def test_a_signal_never_inhibits_itself_and_missing_equal_labels_count_as_equal() -> None:
    rule = InhibitRule.model_validate(
        {"source_matchers": ['severity=~"sev1|sev2"'], "target_matchers": ['severity="sev2"'], "equal": ["brand"]}
    )
    alert = {"severity": "sev2"}
    assert not is_inhibited(alert, [alert], [rule])
    assert is_inhibited(alert, [{"severity": "sev1"}], [rule])
    assert not is_inhibited({"severity": "sev2", "brand": "a"}, [{"severity": "sev1"}], [rule])


# --- silences -----------------------------------------------------------------------------------

START = datetime.fromisoformat("2026-11-27T00:00:00+01:00")
END = datetime.fromisoformat("2026-11-30T23:59:00+01:00")


def test_silence_state_comes_from_the_clock(example: Plan) -> None:
    silence = example.silences[0]
    assert silence_state(silence, START - timedelta(seconds=1)) is SilenceState.pending
    assert silence_state(silence, START) is SilenceState.active
    assert silence_state(silence, END - timedelta(seconds=1)) is SilenceState.active
    assert silence_state(silence, END) is SilenceState.expired
    noise = {"severity": "sev4", "issue_type": "pricing", "platform": "x"}
    assert active_silences(example.silences, noise, START + timedelta(days=1)) == [silence]
    assert active_silences(example.silences, noise, END) == []
    assert active_silences(example.silences, {**noise, "severity": "sev3"}, START + timedelta(days=1)) == []


def _silence(**changes: Any) -> dict[str, Any]:
    data = {
        "matchers": ['issue_type="pricing"'],
        "starts_at": START,
        "ends_at": END,
        "created_by": "ana",
        "comment": "Black Friday",
    }
    data.update(changes)
    return data


def test_validate_silence_accepts_a_good_one() -> None:
    silence = validate_silence(_silence())
    assert isinstance(silence, Silence)
    assert validate_silence(_silence(ends_at=START)).ends_at == START  # zero length is allowed


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"matchers": ['story=~".*"', 'lang!="pt"']},
            "invalid silence: matchers: needs at least one matcher that does not match an empty value",
        ),
        ({"matchers": []}, "invalid silence: matchers: must not be empty"),
        (
            {"ends_at": START - timedelta(minutes=1)},
            "invalid silence: ends_at: ends before it starts (2026-11-27T00:00:00+01:00)",
        ),
        (
            {"starts_at": datetime(2026, 11, 27)},
            "invalid silence: starts_at: has no time zone; add one, e.g. +01:00 or Z",
        ),
        ({"comment": ""}, "invalid silence: comment: must not be empty"),
        ({"comment": None, "created_by": None}, "invalid silence: created_by: must be text; comment: must be text"),
        ({"reason": "x"}, "invalid silence: reason: unknown key 'reason'; valid keys here: "
                          "id, matchers, starts_at, ends_at, created_by, comment"),
    ],
)  # fmt: skip
def test_validate_silence_refuses_like_alertmanager(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_silence(_silence(**changes))
    assert caught.value.message == message
    assert caught.value.code == "invalid_silence"


def test_silence_errors_in_spanish() -> None:
    with use_locale("es"), pytest.raises(ValidationError) as caught:
        validate_silence(_silence(ends_at=START - timedelta(minutes=1)))
    assert caught.value.message == "silencio no válido: ends_at: termina antes de empezar (2026-11-27T00:00:00+01:00)"


def test_parse_labels() -> None:
    assert parse_labels(["severity=sev2", "issue_type = delivery", "note=a=b"]) == {
        "severity": "sev2",
        "issue_type": "delivery",
        "note": "a=b",
    }
    for bad in ("severity", "=sev2", "2x=1", "bad-name=1"):
        with pytest.raises(ValidationError) as caught:
            parse_labels([bad])
        assert caught.value.message == f"{bad!r} is not a label; write name=value, such as severity=sev2"
