"""Watch-rule matching: whole-word hits, handles, hashtags, queries and exclusions."""

from __future__ import annotations

import pytest

from baliza.core.errors import QuerySyntaxError, ValidationError
from baliza.ingest.matching import RuleMatcher, RuleSpec
from baliza.ingest.normalize import fold, normalize_text

ACME = RuleSpec(1, brand_names=("Acme",))
HANDLE = RuleSpec(2, handles=("acmefoods",))  # written without the @ on purpose
HASHTAG = RuleSpec(3, hashtags=("AcmeNoLlega",))  # written without the # on purpose
DELIVERY = RuleSpec(4, keywords=("entreg*", "no llegó", "camión"), exclusions=("#sorteo", "concurso"))
QUERY = RuleSpec(5, query='acme AND ("no llega" OR retraso*) NOT devolución')
ONLY_EXCLUSIONS = RuleSpec(6, exclusions=("acme",))
RULES = [QUERY, ONLY_EXCLUSIONS, DELIVERY, HASHTAG, HANDLE, ACME]  # out of order on purpose


def prepared(text: str) -> str:
    return fold(normalize_text(text))


@pytest.fixture(scope="module")
def matcher() -> RuleMatcher:
    return RuleMatcher(RULES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Acme", (1,)),
        ("ACME lo ha vuelto a hacer", (1,)),
        ("Gracias, Acme.", (1,)),
        ("¡Acme!", (1,)),
        ("(acme)", (1,)),
        ("acme's support is slow", (1,)),
        ("acme’s support is slow", (1,)),
        ("acme😡😡", (1,)),
        ("«Acme»", (1,)),
        ("Acme-Foods", (1,)),
        ("acmefoods", ()),
        ("superacme", ()),
        ("acme_es", ()),
        ("acme2", ()),
        ("#Acme", ()),
        ("escribid a info@acme.com", ()),
        ("@acmefoods gracias", (2,)),
        ("hola @AcmeFoods!", (2,)),
        ("@acmefoods@mastodon.social", (2,)),
        ("@acmefoods_es", ()),
        ("@acmefoodsx", ()),
        ("info@acmefoods.com", ()),
        ("#AcmeNoLlega", (3,)),
        ("otra vez #acmenollega!!", (3,)),
        ("#AcmeNoLlegaNunca", ()),
        ("##AcmeNoLlega", ()),
        ("AcmeNoLlega", ()),
        ("#AcmeNoLlega Acme", (1, 3)),
        ("la entrega falla", (4,)),
        ("entregaron tarde", (4,)),
        ("ENTREG", (4,)),
        ("reentrega", ()),
        ("no llegó mi pedido", (4,)),
        ("no llego mi pedido", (4,)),
        ("No\nllegó mi pedido", (4,)),
        ("no  llegó", (4,)),
        ("el camion no aparece", (4,)),
        ("el CAMIÓN no aparece", (4,)),
        ("camiones", ()),
        ("entrega gratis #sorteo", ()),
        ("entrega #sorteos", (4,)),
        ("concurso de entregas", ()),
        ("acme no llega", (1, 5)),
        ("Acme: retrasos otra vez", (1, 5)),
        ("Acme: retrasos, pido devolución", (1,)),
        ("no llega el pedido", ()),
    ],
)
def test_match(matcher: RuleMatcher, text: str, expected: tuple[int, ...]) -> None:
    assert matcher.match(prepared(text)) == expected


@pytest.mark.parametrize(
    ("rules", "text", "expected"),
    [
        ([], "acme", ()),
        ([RuleSpec(1)], "acme", ()),
        ([RuleSpec(1, exclusions=("acme",))], "acme", ()),
        ([RuleSpec(9, brand_names=("acme",)), RuleSpec(3, brand_names=("ACME",))], "acme", (3, 9)),
        ([RuleSpec(1, keywords=("acme*",)), RuleSpec(2, brand_names=("acme",))], "acmefoods", (1,)),
        ([RuleSpec(1, keywords=("acme*",)), RuleSpec(2, brand_names=("acme",))], "acme", (1, 2)),
        ([RuleSpec(1, brand_names=("acme",), exclusions=("acme foods",))], "acme foods", ()),
        ([RuleSpec(1, brand_names=("acme",), exclusions=("acme foods",))], "acme y foods", (1,)),
        ([RuleSpec(1, brand_names=("Acme Foods",))], "ACME   FOODS", (1,)),
        ([RuleSpec(1, brand_names=("acme",), exclusions=("sorteo*",))], "acme sorteos", ()),
        ([RuleSpec(1, keywords=("pedido",), query="acme retraso")], "pedido", (1,)),
        ([RuleSpec(1, keywords=("pedido",), query="acme retraso")], "acme con retraso", (1,)),
        ([RuleSpec(1, keywords=("pedido",), query="acme retraso")], "acme", ()),
        ([RuleSpec(1, query="acme OR pedido", exclusions=("#sorteo",))], "pedido #sorteo", ()),
        ([RuleSpec(1, handles=("@user@instance.social",))], "cc @user@instance.social", (1,)),
        ([RuleSpec(1, handles=("@user@instance.social",))], "cc @user", ()),
        ([RuleSpec(1, brand_names=("acme",), query="  ")], "acme", (1,)),
        ([RuleSpec(1, query="")], "acme", ()),
        ([RuleSpec(1, brand_names=("Ελληνικά",))], "ελληνικά!", (1,)),
        ([RuleSpec(1, brand_names=("漢字",))], "漢字", (1,)),
    ],
)
def test_match_edge_cases(rules: list[RuleSpec], text: str, expected: tuple[int, ...]) -> None:
    assert RuleMatcher(rules).match(prepared(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nada", {}),
        ("Acme", {1: ("acme",)}),
        ("#AcmeNoLlega: la entrega no llegó", {3: ("#acmenollega",), 4: ("entreg*", "no llego")}),
        ("Acme: retrasos", {1: ("acme",), 5: ("acme", "retraso*")}),
        ("Acme no llega", {1: ("acme",), 5: ("acme", "no llega")}),
        ("entrega gratis #sorteo", {}),
    ],
)
def test_match_terms(matcher: RuleMatcher, text: str, expected: dict[int, tuple[str, ...]]) -> None:
    assert matcher.match_terms(prepared(text)) == expected


@pytest.mark.parametrize(
    "text",
    ["Acme", "#AcmeNoLlega entrega", "acme no llega #sorteo", "@acmefoods camión", "info@acme.com", ""],
)
def test_match_terms_agrees_with_match(matcher: RuleMatcher, text: str) -> None:
    folded = prepared(text)
    assert tuple(matcher.match_terms(folded)) == matcher.match(folded)


def test_query_error_names_the_rule() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        RuleMatcher([ACME, RuleSpec(7, query="acme AND")])
    assert caught.value.message == "Operator 'AND' at position 5 is missing an operand"
    assert caught.value.details == {"query": "acme AND", "position": 5, "rule_id": 7}


@pytest.mark.parametrize(
    ("rule", "message", "details"),
    [
        (
            RuleSpec(3, brand_names=("  ",)),
            "Rule 3 has an empty value in 'brand_names'",
            {"rule_id": 3, "field": "brand_names", "value": "  "},
        ),
        (
            RuleSpec(3, handles=("@",)),
            "Rule 3 has an empty value in 'handles'",
            {"rule_id": 3, "field": "handles", "value": "@"},
        ),
        (
            RuleSpec(3, hashtags=("",)),
            "Rule 3 has an empty value in 'hashtags'",
            {"rule_id": 3, "field": "hashtags", "value": ""},
        ),
        (
            RuleSpec(3, keywords=("entreg* tarde",)),
            "Rule 3, keywords: the wildcard '*' in 'entreg* tarde' is only allowed at the end",
            {"rule_id": 3, "field": "keywords", "value": "entreg* tarde"},
        ),
        (
            RuleSpec(3, brand_names=("acme",), exclusions=("*",)),
            "Rule 3, exclusions: the wildcard '*' in '*' is only allowed at the end",
            {"rule_id": 3, "field": "exclusions", "value": "*"},
        ),
    ],
)
def test_invalid_rule_values(rule: RuleSpec, message: str, details: dict[str, object]) -> None:
    with pytest.raises(ValidationError) as caught:
        RuleMatcher([rule])
    assert caught.value.message == message
    assert caught.value.details == details


def test_duplicate_rule_ids_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        RuleMatcher([ACME, RuleSpec(1, keywords=("pedido",))])
    assert caught.value.message == "Duplicate rule id 1"
    assert caught.value.details == {"rule_id": 1}
