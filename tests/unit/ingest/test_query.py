"""Boolean watch queries: parsing, evaluation and the exact syntax errors."""

from __future__ import annotations

import dataclasses

import pytest

from baliza.core.errors import QuerySyntaxError
from baliza.ingest.query import MAX_DEPTH, Term, parse_query

T = Term


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("acme", (T("acme"),)),
        ("Camión", (T("camion"),)),
        ("acme no llega", (T("acme"), T("no"), T("llega"))),
        ("acme y o not", (T("acme"), T("y"), T("o"), T("not"))),
        ('"acme NO llega"', (T("acme no llega"),)),
        ('"  no   llegó  "', (T("no llego"),)),
        ("entreg*", (T("entreg", prefix=True),)),
        ('"atención al client*"', (T("atencion al client", prefix=True),)),
        ("#AcmeNoLlega OR @acme@mastodon.social", (T("#acmenollega"), T("@acme@mastodon.social"))),
        ("e-mail -spam", (T("e-mail"), T("spam"))),
        ("acme acme ACME", (T("acme"),)),
        ('acme"no llega"', (T("acme"), T("no llega"))),
    ],
)
def test_terms_in_order_of_first_appearance(query: str, terms: tuple[Term, ...]) -> None:
    parsed = parse_query(query)
    assert parsed.term_order == terms
    assert parsed.terms == frozenset(terms)


CASES: list[tuple[str, set[str], bool]] = [
    ("acme", {"acme"}, True),
    ("acme", {"otra"}, False),
    ("acme no llega", {"acme", "no", "llega"}, True),
    ("acme no llega", {"acme", "llega"}, False),
    ("acme AND pedido", {"acme", "pedido"}, True),
    ("acme Y pedido", {"acme"}, False),
    ("acme OR pedido", {"pedido"}, True),
    ("acme O pedido", set(), False),
    ("acme | pedido", {"acme"}, True),
    ("acme NOT sorteo", {"acme"}, True),
    ("acme NOT sorteo", {"acme", "sorteo"}, False),
    ("acme NO sorteo", {"acme", "sorteo"}, False),
    ("acme -sorteo", {"acme", "sorteo"}, False),
    ("acme AND NOT sorteo", {"acme"}, True),
    ('acme -"no llega"', {"acme", "no llega"}, False),
    ("acme -(sorteo OR concurso)", {"acme", "concurso"}, False),
    ("acme -(sorteo OR concurso)", {"acme"}, True),
    # precedence: NOT > AND > OR
    ("a OR b c", {"a"}, True),
    ("a OR b c", {"b"}, False),
    ("a OR b c", {"b", "c"}, True),
    ("a OR b AND c", {"b", "c"}, True),
    ("(a OR b) c", {"a"}, False),
    ("(a OR b) c", {"a", "c"}, True),
    ("NOT a b", {"b"}, True),
    ("NOT a b", {"a", "b"}, False),
    ("(NOT (a b) OR c) d", {"a", "b", "d"}, False),
    ("(NOT (a b) OR c) d", {"a", "b", "c", "d"}, True),
    ("(NOT (a b) OR c) d", {"a", "d"}, True),
    ("NOT (a b) c", {"a", "c"}, True),
    ("NOT (a b) c", {"a", "b", "c"}, False),
    ("NOT NOT a", {"a"}, True),
    ("NOT (NOT a) b", {"a", "b"}, True),
    ("NOT (NOT a) b", {"b"}, False),
    ("acme Y (retraso O demora) NO sorteo", {"acme", "demora"}, True),
    ("acme Y (retraso O demora) NO sorteo", {"acme", "demora", "sorteo"}, False),
    ("acme Y (retraso O demora) NO sorteo", {"acme"}, False),
    ("(a OR NOT b) c", {"c"}, True),
    ("(a OR NOT b) c", {"b", "c"}, False),
    ("((a AND (b AND c)) OR (d OR (e OR f)))", {"a", "b", "c"}, True),
    ("((a AND (b AND c)) OR (d OR (e OR f)))", {"a", "b"}, False),
    ("((a AND (b AND c)) OR (d OR (e OR f)))", {"f"}, True),
    ("camion", {"camion"}, True),
]


@pytest.mark.parametrize(("query", "present", "expected"), CASES)
def test_evaluate(query: str, present: set[str], expected: bool) -> None:
    parsed = parse_query(query)
    assert parsed.evaluate({Term(text) for text in present}) is expected
    assert parsed.evaluate([Term(text) for text in present]) is expected


def test_evaluate_distinguishes_prefix_terms_and_ignores_unknown_terms() -> None:
    parsed = parse_query("entreg* acme")
    assert parsed.evaluate({T("entreg", prefix=True), T("acme"), T("otra")}) is True
    assert parsed.evaluate({T("entreg"), T("acme")}) is False


def test_evaluate_mask_uses_one_bit_per_term_in_order() -> None:
    parsed = parse_query("acme (retraso OR demora) NOT sorteo")
    assert parsed.evaluate_mask(0b0011) is True
    assert parsed.evaluate_mask(0b0101) is True
    assert parsed.evaluate_mask(0b1011) is False
    assert parsed.evaluate_mask(0b0001) is False


def test_query_is_immutable_and_compares_by_source() -> None:
    parsed = parse_query("acme")
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.source = "otra"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        T("acme").text = "x"  # type: ignore[misc]
    assert parsed == parse_query("acme")
    assert str(T("entreg", prefix=True)) == "entreg*"


def test_nesting_up_to_the_limit_is_accepted() -> None:
    query = "(" * MAX_DEPTH + "acme" + ")" * MAX_DEPTH
    assert parse_query(query).evaluate({T("acme")}) is True


NEGATION = (
    "The query matches mentions that contain none of its terms (negation at position {}); add a term that must appear"
)


@pytest.mark.parametrize(
    ("query", "message", "position"),
    [
        ("", "The query is empty", 0),
        ("   ", "The query is empty", 0),
        ("()", "Empty parentheses at position 0", 0),
        ("acme ( )", "Empty parentheses at position 5", 5),
        ("(())", "Empty parentheses at position 1", 1),
        ("(acme", "Unbalanced parenthesis at position 0", 0),
        ("((acme)", "Unbalanced parenthesis at position 0", 0),
        ("acme)", "Unbalanced parenthesis at position 4", 4),
        ("(acme))", "Unbalanced parenthesis at position 6", 6),
        (") acme", "Unbalanced parenthesis at position 0", 0),
        ("acme (", "Unbalanced parenthesis at position 5", 5),
        ("acme AND", "Operator 'AND' at position 5 is missing an operand", 5),
        ("AND acme", "Operator 'AND' at position 0 is missing an operand", 0),
        ("acme Y", "Operator 'Y' at position 5 is missing an operand", 5),
        ("acme OR", "Operator 'OR' at position 5 is missing an operand", 5),
        ("O acme", "Operator 'O' at position 0 is missing an operand", 0),
        ("acme |", "Operator '|' at position 5 is missing an operand", 5),
        ("acme AND OR pedido", "Operator 'AND' at position 5 is missing an operand", 5),
        ("(acme AND)", "Operator 'AND' at position 6 is missing an operand", 6),
        ("acme (OR pedido)", "Operator 'OR' at position 6 is missing an operand", 6),
        ("NOT", "Operator 'NOT' at position 0 is missing an operand", 0),
        ("acme NO", "Operator 'NO' at position 5 is missing an operand", 5),
        ("acme -", "Operator '-' at position 5 is missing an operand", 5),
        ("acme - sorteo", "Operator '-' at position 5 is missing an operand", 5),
        ('acme "no llega', "Unterminated quote at position 5", 5),
        ('"acme" "', "Unterminated quote at position 7", 7),
        ('acme ""', "Empty term at position 5", 5),
        ('acme "   "', "Empty term at position 5", 5),
        ("ent*rega", "Wildcard '*' at position 3 is only allowed at the end of a term", 3),
        ("acme **", "Wildcard '*' at position 5 is only allowed at the end of a term", 5),
        ('"entreg* tarde"', "Wildcard '*' at position 7 is only allowed at the end of a term", 7),
        ("*", "Wildcard '*' at position 0 must directly follow a word", 0),
        ("acme -*", "Wildcard '*' at position 6 must directly follow a word", 6),
        ('"acme *"', "Wildcard '*' at position 6 must directly follow a word", 6),
        ("NOT acme", NEGATION.format(0), 0),
        ("-acme -pedido", NEGATION.format(0), 0),
        ("NO (acme OR pedido)", NEGATION.format(0), 0),
        ("acme OR -sorteo", NEGATION.format(8), 8),
        ("(a AND b) OR NOT c", NEGATION.format(13), 13),
        ("(a NOT b) OR NOT c", NEGATION.format(13), 13),
        ("a OR (NOT b NOT c)", NEGATION.format(6), 6),
        ("a OR NOT NOT NOT b", NEGATION.format(5), 5),
        (
            "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1),
            f"Parentheses nested too deeply at position {MAX_DEPTH}",
            MAX_DEPTH,
        ),
    ],
)
def test_syntax_errors(query: str, message: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    assert caught.value.message == message
    assert caught.value.position == position
    assert caught.value.to_dict() == {
        "code": "query_syntax",
        "message": message,
        "details": {"query": query, "position": position},
    }
