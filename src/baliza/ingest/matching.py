"""Watch-rule matching: which rules does a mention belong to?

Every term of every rule (brand names, handles, hashtags, keywords, query terms, exclusions) goes
into ONE Aho-Corasick automaton, so a mention is scanned once in C however many rules there are.
Each raw hit is then checked for word boundaries, and the few terms that survive are mapped to
the rules that use them.

A rule matches when (any brand name, handle, hashtag or keyword occurs, OR its query is true) AND
none of its exclusions occurs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import ahocorasick

from baliza.core.errors import QuerySyntaxError, ValidationError
from baliza.core.i18n import _
from baliza.ingest.normalize import fold
from baliza.ingest.query import Term, parse_query

# A hit preceded by one of these is part of a longer token: "#acme" inside "x#acme", "acme" inside
# "#acmenollega", the "@acme" of "info@acme.com".
_NOT_BEFORE = "_#@"


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A watch rule as configured; terms may be written with any case and accents."""

    id: int
    brand_names: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    query: str | None = None
    exclusions: tuple[str, ...] = ()

    @classmethod
    def of(cls, rule_id: int, rule: RuleTerms) -> RuleSpec:
        """The spec of anything that carries a rule's terms (a stored rule, a rule being validated)."""
        return cls(
            id=rule_id,
            brand_names=tuple(rule.brand_names),
            handles=tuple(rule.handles),
            hashtags=tuple(rule.hashtags),
            keywords=tuple(rule.keywords),
            query=rule.query,
            exclusions=tuple(rule.exclusions),
        )


class RuleTerms(Protocol):
    """Read access to a rule's terms."""

    @property
    def brand_names(self) -> Sequence[str]: ...
    @property
    def handles(self) -> Sequence[str]: ...
    @property
    def hashtags(self) -> Sequence[str]: ...
    @property
    def keywords(self) -> Sequence[str]: ...
    @property
    def query(self) -> str | None: ...
    @property
    def exclusions(self) -> Sequence[str]: ...


@dataclass(slots=True)
class _TermUse:
    """The rules that one distinct term feeds, by role."""

    term: Term
    triggers: list[int]
    excludes: list[int]
    query_bits: list[tuple[int, int]]  # (rule id, bit of this term in that rule's query mask)


class RuleMatcher:
    """All watch rules compiled together; ``match`` is the per-mention hot path."""

    def __init__(self, rules: Sequence[RuleSpec]) -> None:
        uses: dict[Term, _TermUse] = {}
        self._evaluators: dict[int, Callable[[int], bool]] = {}
        seen: set[int] = set()

        def use(term: Term) -> _TermUse:
            found = uses.get(term)
            if found is None:
                found = uses[term] = _TermUse(term, [], [], [])
            return found

        for rule in rules:
            if rule.id in seen:
                raise ValidationError(
                    _("Duplicate rule id {rule_id}").format(rule_id=rule.id), details={"rule_id": rule.id}
                )
            seen.add(rule.id)
            triggers = [
                *(_literal(rule.id, "brand_names", value, "") for value in rule.brand_names),
                *(_literal(rule.id, "handles", value, "@") for value in rule.handles),
                *(_literal(rule.id, "hashtags", value, "#") for value in rule.hashtags),
                *(_keyword(rule.id, "keywords", value) for value in rule.keywords),
            ]
            exclusions = [_keyword(rule.id, "exclusions", value) for value in rule.exclusions]
            query = None
            if rule.query is not None and rule.query.strip():  # a blank query (empty form field) means none
                try:
                    query = parse_query(rule.query)
                except QuerySyntaxError as exc:
                    exc.details["rule_id"] = rule.id
                    raise
            if not triggers and query is None:
                continue  # nothing can make it match, so its exclusions need not be scanned for
            for term in triggers:
                use(term).triggers.append(rule.id)
            for term in exclusions:
                use(term).excludes.append(rule.id)
            if query is not None:
                self._evaluators[rule.id] = query.evaluate_mask
                for bit, term in enumerate(query.term_order):
                    use(term).query_bits.append((rule.id, 1 << bit))

        self._uses: list[_TermUse] = list(uses.values())
        self._triggers = [tuple(dict.fromkeys(u.triggers)) for u in self._uses]
        self._excludes = [tuple(dict.fromkeys(u.excludes)) for u in self._uses]
        self._query_bits = [tuple(u.query_bits) for u in self._uses]
        # The usual post hits a single term, and the answer for each single term is known in advance.
        self._single: list[tuple[int, ...]] = [tuple(sorted(self._resolve({i}))) for i in range(len(self._uses))]
        self._has_phrases = any(" " in u.term.text for u in self._uses)

        # One automaton key per distinct text; the same text may be wanted whole and as a prefix.
        slots: dict[str, list[int]] = {}
        for index, u in enumerate(self._uses):
            slot = slots.setdefault(u.term.text, [-1, -1])
            slot[1 if u.term.prefix else 0] = index
        self._automaton: ahocorasick.Automaton | None = None
        if slots:
            automaton = ahocorasick.Automaton()
            for text, (whole, prefix) in slots.items():
                automaton.add_word(text, (len(text) - 1, whole, prefix))
            automaton.make_automaton()
            self._automaton = automaton

    def match(self, folded_text: str) -> tuple[int, ...]:
        """Ids of the rules the (already folded) text matches, ascending."""
        automaton = self._automaton
        if automaton is None:
            return ()
        text = folded_text
        if self._has_phrases and "\n" in text:
            text = text.replace("\n", " ")  # same length, so hit offsets stay valid
        last = len(text) - 1
        found: set[int] = set()
        for end, (span, whole, prefix) in automaton.iter(text):
            start = end - span
            if start:
                before = text[start - 1]
                if before.isalnum() or before in _NOT_BEFORE:
                    continue
            if prefix >= 0:
                found.add(prefix)
            if whole >= 0:
                if end == last:
                    found.add(whole)
                else:
                    after = text[end + 1]
                    if not (after.isalnum() or after == "_"):
                        found.add(whole)
        if not found:
            return ()
        if len(found) == 1:
            return self._single[found.pop()]
        return tuple(sorted(self._resolve(found)))

    def match_terms(self, folded_text: str) -> dict[int, tuple[str, ...]]:
        """For each matching rule, the terms that occur in the text, in order of first occurrence."""
        first_at = self._scan(folded_text)
        matched = self._resolve(set(first_at))
        explained: dict[int, dict[str, None]] = {rule_id: {} for rule_id in sorted(matched)}
        for index in sorted(first_at, key=first_at.__getitem__):
            label = str(self._uses[index].term)
            for rule_id in (*self._triggers[index], *(rule_id for rule_id, _bit in self._query_bits[index])):
                if rule_id in explained:
                    explained[rule_id][label] = None
        return {rule_id: tuple(labels) for rule_id, labels in explained.items()}

    def _scan(self, folded_text: str) -> dict[int, int]:
        """Term index -> offset of its first bounded occurrence (the readable twin of match's loop)."""
        if self._automaton is None:
            return {}
        text = folded_text.replace("\n", " ")
        hits: dict[int, int] = {}
        for end, (span, whole, prefix) in self._automaton.iter(text):
            start = end - span
            if start and _is_word_char(text[start - 1], extra=_NOT_BEFORE):
                continue
            if prefix >= 0:
                hits.setdefault(prefix, start)
            if whole >= 0 and (end + 1 == len(text) or not _is_word_char(text[end + 1], extra="_")):
                hits.setdefault(whole, start)
        return hits

    def _resolve(self, found: set[int]) -> set[int]:
        """Matching rule ids given the indexes of the terms that occur."""
        matched: set[int] = set()
        excluded: set[int] = set()
        masks: dict[int, int] = {}
        triggers, excludes, query_bits = self._triggers, self._excludes, self._query_bits
        for index in found:
            if triggers[index]:
                matched.update(triggers[index])
            if excludes[index]:
                excluded.update(excludes[index])
            for rule_id, bit in query_bits[index]:
                masks[rule_id] = masks.get(rule_id, 0) | bit
        evaluators = self._evaluators
        for rule_id, mask in masks.items():
            if rule_id not in matched and evaluators[rule_id](mask):
                matched.add(rule_id)
        if excluded:
            matched -= excluded
        return matched


def _is_word_char(char: str, *, extra: str) -> bool:
    return char.isalnum() or char in extra


def _literal(rule_id: int, field: str, value: str, sigil: str) -> Term:
    text = " ".join(fold(value).split())
    if sigil and not text.startswith(sigil):
        text = sigil + text
    if text == sigil:
        raise _empty_value(rule_id, field, value)
    return Term(text)


def _keyword(rule_id: int, field: str, value: str) -> Term:
    text = " ".join(fold(value).split())
    prefix = text.endswith("*")
    if prefix:
        text = text[:-1]
    if "*" in text or (prefix and text[-1:] in ("", " ")):
        raise ValidationError(
            _("Rule {rule_id}, {field}: the wildcard '*' in '{value}' is only allowed at the end").format(
                rule_id=rule_id, field=field, value=value
            ),
            details={"rule_id": rule_id, "field": field, "value": value},
        )
    if not text:
        raise _empty_value(rule_id, field, value)
    return Term(text, prefix)


def _empty_value(rule_id: int, field: str, value: str) -> ValidationError:
    return ValidationError(
        _("Rule {rule_id} has an empty value in '{field}'").format(rule_id=rule_id, field=field),
        details={"rule_id": rule_id, "field": field, "value": value},
    )


__all__ = ["RuleMatcher", "RuleSpec", "RuleTerms"]
