"""Boolean watch queries.

A query such as ``acme AND ("no llega" OR retraso) NOT #sorteo`` is parsed once into a
:class:`Query`. Its evaluator is compiled into one small Python function over a bit mask (one bit
per term), because the matcher calls it for every mention that hits any of the query's terms.

Grammar (operators count only when written in capitals, in English or Spanish)::

    query   := or_expr
    or_expr := and_expr (("OR" | "O" | "|") and_expr)*
    and_expr:= not_expr (("AND" | "Y")? not_expr)*        # adjacent operands are ANDed
    not_expr:= ("NOT" | "NO" | "-")* primary              # "-" glued to its operand: -sorteo
    primary := word | "phrase" | "(" or_expr ")"          # word* is a prefix wildcard
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TypeAlias, cast

from baliza.core.errors import QuerySyntaxError
from baliza.core.i18n import _
from baliza.ingest.normalize import fold

MAX_DEPTH = 32
"""Deepest parenthesis nesting accepted; keeps parsing and the compiled evaluator shallow."""

_OPERATORS = {"AND": "and", "Y": "and", "OR": "or", "O": "or", "|": "or", "NOT": "not", "NO": "not"}
_TOKEN = re.compile(r'(?P<space>\s+)|(?P<paren>[()])|(?P<pipe>\|)|(?P<quote>")|(?P<word>[^\s()|"]+)')


@dataclass(frozen=True, slots=True)
class Term:
    """One thing a query or rule looks for: folded text, optionally a prefix (``entreg*``)."""

    text: str
    prefix: bool = False

    def __str__(self) -> str:
        return f"{self.text}*" if self.prefix else self.text


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed boolean query: the terms it references and a compiled evaluator."""

    source: str
    term_order: tuple[Term, ...] = field(compare=False)
    """Distinct terms in order of first appearance; term ``i`` is bit ``1 << i`` of a mask."""
    evaluate_mask: Callable[[int], bool] = field(compare=False, repr=False)
    """The compiled evaluator over a bit mask of the present terms."""
    terms: frozenset[Term] = field(init=False, compare=False, repr=False)
    _bits: dict[Term, int] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "terms", frozenset(self.term_order))
        object.__setattr__(self, "_bits", {term: 1 << i for i, term in enumerate(self.term_order)})

    def evaluate(self, present: Collection[Term]) -> bool:
        """Whether a text in which exactly the ``present`` terms occur matches the query."""
        bits = self._bits
        mask = 0
        for term in present:
            mask |= bits.get(term, 0)
        return self.evaluate_mask(mask)


def parse_query(query: str) -> Query:
    """Compile a boolean watch query; raises QuerySyntaxError naming what is wrong and where."""
    tokens = _tokenize(query)
    parser = _Parser(query, tokens)
    tree = parser.parse()
    culprit = _unanchored_negation(tree)
    if culprit is not None:
        raise QuerySyntaxError(
            _(
                "The query matches mentions that contain none of its terms (negation at position {position}); "
                "add a term that must appear"
            ).format(position=culprit),
            query=query,
            position=culprit,
        )
    order: dict[Term, int] = {}
    for token in tokens:
        if token.term is not None:
            order.setdefault(token.term, len(order))
    source = _emit(tree, order)
    # The generated source holds only integer literals, "m" and operators, never query text.
    function = eval(compile(f"lambda m: {source}", "<watch-query>", "eval"), {"__builtins__": {}})
    return Query(source=query, term_order=tuple(order), evaluate_mask=cast(Callable[[int], bool], function))


# -- tokens ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "term", "and", "or", "not", "(", ")", "end"
    text: str
    position: int
    term: Term | None = None


def _tokenize(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    length = len(query)
    while position < length:
        found = _TOKEN.match(query, position)
        assert found is not None  # the alternatives cover every character
        kind = found.lastgroup
        end = found.end()
        if kind == "paren" or kind == "pipe":
            text = found.group()
            tokens.append(_Token(_OPERATORS.get(text, text), text, position))
        elif kind == "quote":
            close = query.find('"', position + 1)
            if close == -1:
                raise QuerySyntaxError(
                    _("Unterminated quote at position {position}").format(position=position),
                    query=query,
                    position=position,
                )
            tokens.append(_Token("term", query[position : close + 1], position, _phrase_term(query, position, close)))
            end = close + 1
        elif kind == "word":
            _word_tokens(query, found.group(), position, tokens)
        position = end
    tokens.append(_Token("end", "", length))
    return tokens


def _word_tokens(query: str, word: str, position: int, tokens: list[_Token]) -> None:
    dashes = len(word) - len(word.lstrip("-"))
    for i in range(dashes):
        tokens.append(_Token("not", "-", position + i))
    if dashes:
        rest_at = position + dashes
        if dashes == len(word) and query[rest_at : rest_at + 1] not in ('"', "("):
            # A free-standing "-" negates nothing; guessing that it means NOT would surprise.
            raise _missing_operand(query, "-", rest_at - 1)
        word, position = word[dashes:], rest_at
        if not word:
            return
    elif word in _OPERATORS:
        tokens.append(_Token(_OPERATORS[word], word, position))
        return
    tokens.append(_Token("term", word, position, _make_term(query, word, position)))


def _phrase_term(query: str, open_at: int, close_at: int) -> Term:
    raw = query[open_at + 1 : close_at]
    if not raw.strip():
        raise QuerySyntaxError(
            _("Empty term at position {position}").format(position=open_at), query=query, position=open_at
        )
    return _make_term(query, raw.rstrip(), open_at + 1, at_error=open_at)


def _make_term(query: str, raw: str, position: int, *, at_error: int | None = None) -> Term:
    star = raw.find("*")
    prefix = False
    if star != -1:
        if star != len(raw) - 1:
            raise QuerySyntaxError(
                _("Wildcard '*' at position {position} is only allowed at the end of a term").format(
                    position=position + star
                ),
                query=query,
                position=position + star,
            )
        raw, prefix = raw[:-1], True
        if not raw.strip() or raw[-1].isspace():
            raise QuerySyntaxError(
                _("Wildcard '*' at position {position} must directly follow a word").format(position=position + star),
                query=query,
                position=position + star,
            )
    text = " ".join(fold(raw).split())
    if not text:
        where = position if at_error is None else at_error
        raise QuerySyntaxError(
            _("Empty term at position {position}").format(position=where), query=query, position=where
        )
    return Term(text, prefix)


def _missing_operand(query: str, operator: str, position: int) -> QuerySyntaxError:
    return QuerySyntaxError(
        _("Operator '{operator}' at position {position} is missing an operand").format(
            operator=operator, position=position
        ),
        query=query,
        position=position,
    )


# -- syntax tree ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Leaf:
    term: Term


@dataclass(frozen=True, slots=True)
class _Not:
    child: _Node
    position: int


@dataclass(frozen=True, slots=True)
class _And:
    children: tuple[_Node, ...]


@dataclass(frozen=True, slots=True)
class _Or:
    children: tuple[_Node, ...]


_Node: TypeAlias = _Leaf | _Not | _And | _Or


class _Parser:
    """Recursive descent over the token list; each error names the token that caused it."""

    def __init__(self, query: str, tokens: list[_Token]) -> None:
        self.query = query
        self.tokens = tokens
        self.index = 0

    def parse(self) -> _Node:
        if self.tokens[0].kind == "end":
            raise QuerySyntaxError(_("The query is empty"), query=self.query, position=0)
        node = self._or(0, None)
        stray = self.tokens[self.index]
        if stray.kind == ")":
            raise self._unbalanced(stray.position)
        return node

    def _or(self, depth: int, after: _Token | None) -> _Node:
        children = [self._and(depth, after)]
        while self.tokens[self.index].kind == "or":
            operator = self.tokens[self.index]
            self.index += 1
            children.append(self._and(depth, operator))
        return children[0] if len(children) == 1 else _Or(tuple(children))

    def _and(self, depth: int, after: _Token | None) -> _Node:
        children = [self._not(depth, after)]
        while True:
            token = self.tokens[self.index]
            if token.kind == "and":
                self.index += 1
                children.append(self._not(depth, token))
            elif token.kind in ("term", "not", "("):
                children.append(self._not(depth, None))
            else:
                break
        return children[0] if len(children) == 1 else _And(tuple(children))

    def _not(self, depth: int, after: _Token | None) -> _Node:
        negations = 0
        first = self.tokens[self.index]
        while self.tokens[self.index].kind == "not":
            after = self.tokens[self.index]
            negations += 1
            self.index += 1
        node = self._primary(depth, after)
        return _Not(node, first.position) if negations % 2 else node

    def _primary(self, depth: int, after: _Token | None) -> _Node:
        token = self.tokens[self.index]
        if token.kind == "term":
            self.index += 1
            assert token.term is not None
            return _Leaf(token.term)
        if token.kind == "(":
            self.index += 1
            inner = self.tokens[self.index]
            if inner.kind == ")":
                raise QuerySyntaxError(
                    _("Empty parentheses at position {position}").format(position=token.position),
                    query=self.query,
                    position=token.position,
                )
            if inner.kind == "end":
                raise self._unbalanced(token.position)
            if depth >= MAX_DEPTH:
                raise QuerySyntaxError(
                    _("Parentheses nested too deeply at position {position}").format(position=token.position),
                    query=self.query,
                    position=token.position,
                )
            node = self._or(depth + 1, None)
            if self.tokens[self.index].kind != ")":
                raise self._unbalanced(token.position)
            self.index += 1
            return node
        if after is not None:
            raise _missing_operand(self.query, after.text, after.position)
        if token.kind in ("and", "or"):
            raise _missing_operand(self.query, token.text, token.position)
        raise self._unbalanced(token.position)

    def _unbalanced(self, position: int) -> QuerySyntaxError:
        return QuerySyntaxError(
            _("Unbalanced parenthesis at position {position}").format(position=position),
            query=self.query,
            position=position,
        )


def _holds_without_terms(node: _Node) -> bool:
    """True when ``node`` is true for a text containing none of the query's terms."""
    if isinstance(node, _Leaf):
        return False
    if isinstance(node, _Not):
        return not _holds_without_terms(node.child)
    if isinstance(node, _And):
        return all(_holds_without_terms(child) for child in node.children)
    return any(_holds_without_terms(child) for child in node.children)


def _unanchored_negation(node: _Node) -> int | None:
    """Position of the negation that makes the query true without any of its terms, else None.

    Such a query would match nearly every mention; the matcher also only evaluates a query for
    texts that contain one of its terms, so it would silently behave differently from what it says.
    """
    if not _holds_without_terms(node):
        return None
    while not isinstance(node, _Not):
        assert not isinstance(node, _Leaf)  # a bare term never holds without terms
        node = next(child for child in node.children if _holds_without_terms(child))
    return node.position


# -- compilation ----------------------------------------------------------------------------------


def _flatten(node: _And | _Or) -> list[_Node]:
    """Children of ``node``, with same-operator children spliced in: (a AND (b AND c)) -> a, b, c."""
    flat: list[_Node] = []
    for child in node.children:
        if (isinstance(node, _And) and isinstance(child, _And)) or (isinstance(node, _Or) and isinstance(child, _Or)):
            flat.extend(_flatten(child))
        else:
            flat.append(child)
    return flat


def _emit(node: _Node, order: dict[Term, int]) -> str:
    """Python source for ``node`` over the mask ``m``; runs of plain terms become one mask test."""
    if isinstance(node, _Leaf):
        return f"(m & {1 << order[node.term]} != 0)"
    if isinstance(node, _Not):
        if isinstance(node.child, _Leaf):
            return f"(m & {1 << order[node.child.term]} == 0)"
        return f"(not {_emit(node.child, order)})"
    flat = _flatten(node)
    present = absent = 0
    others: list[str] = []
    for child in flat:
        if isinstance(child, _Leaf):
            present |= 1 << order[child.term]
        elif isinstance(child, _Not) and isinstance(child.child, _Leaf):
            absent |= 1 << order[child.child.term]
        else:
            others.append(_emit(child, order))
    parts: list[str] = []
    if isinstance(node, _And):
        if present:
            parts.append(f"(m & {present} == {present})")
        if absent:
            parts.append(f"(m & {absent} == 0)")
        joiner = " and "
    else:
        if present:
            parts.append(f"(m & {present} != 0)")
        if absent:
            parts.append(f"(m & {absent} != {absent})")
        joiner = " or "
    return "(" + joiner.join(parts + others) + ")"


__all__ = ["MAX_DEPTH", "Query", "Term", "parse_query"]
