"""One problem in a plan file (path, line, value, message, code), and pydantic's own errors in the reader's language.

Baliza's validators already write their messages through ``_()``; pydantic's built-in ones (a
missing field, an unknown key, a number that is not a number…) come in English, so they are
rewritten here, and an unknown key lists the keys that would be valid at that place.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import yaml
from pydantic import BaseModel

from baliza.core.i18n import _

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
MAX_VALUE_CHARS = 120


@dataclass(frozen=True)
class Problem:
    """An error or a readiness warning at one place of a plan file."""

    path: str
    message: str
    code: str
    line: int | None = None
    value: Any = None
    file: str = ""

    def shown_value(self) -> str | None:
        """The value as it appears after ``(value: …)``, shortened; None for nothing or a whole block."""
        value = self.value
        if value is None or isinstance(value, (dict, list)):
            return None
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (date, time)):
            text = value.isoformat()  # as written in YAML, not datetime.date(2026, 11, 18)
        else:
            text = repr(value)
        return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"

    def render(self) -> str:
        """``plan.yaml:12: roles.legal.backups[0]: unknown person 'x'; known: … (value: 'x')``."""
        where = f"{self.file}:{self.line if self.line is not None else '?'}: "
        path = f"{self.path}: " if self.path else ""
        shown = self.shown_value()
        suffix = f" ({_('value')}: {shown})" if shown is not None else ""
        return f"{where}{path}{self.message}{suffix}"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly form for APIs and stored plan versions."""
        value = self.value if self.value is None or isinstance(self.value, (str, int, float, bool)) else str(self.value)
        return {
            "file": self.file,
            "line": self.line,
            "path": self.path,
            "value": value,
            "code": self.code,
            "message": self.message,
        }


def split_path(path: str) -> list[str | int]:
    """``roles.legal.backups[1]`` -> ``["roles", "legal", "backups", 1]`` (the inverse of ``yaml_path``)."""
    return [int(index) if index else name for name, index in _PART.findall(path)]


def line_of(root: yaml.Node | None, loc: Sequence[str | int]) -> int | None:
    """The 1-based line of the deepest YAML node that ``loc`` reaches."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _unwrap(annotation: Any) -> list[Any]:
    """The types inside Annotated / Optional / unions."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _step(annotation: Any, part: str | int) -> Any:
    """The annotation one path part further in, or None."""
    for candidate in _unwrap(annotation):
        origin = typing.get_origin(candidate)
        if isinstance(candidate, type) and issubclass(candidate, BaseModel) and isinstance(part, str):
            fields = {(f.alias or name): f for name, f in candidate.model_fields.items()}
            if part in fields:
                return fields[part].annotation
        elif origin is list and isinstance(part, int):
            return typing.get_args(candidate)[0]
        elif origin is dict and isinstance(part, str):
            return typing.get_args(candidate)[1]
    return None


def allowed_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str] | None:
    """The keys valid in the mapping at ``loc`` (for a model), in declaration order."""
    annotation: Any = model
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return None
    for candidate in _unwrap(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return [f.alias or name for name, f in candidate.model_fields.items()]
    return None


def _number(message: str) -> str:
    found = re.search(r"(-?\d+(?:\.\d+)?)\s*$", message)
    return found.group(1) if found else "0"


def describe(code: str, message: str, loc: Sequence[str | int], model: type[BaseModel]) -> str:
    """A pydantic error as a sentence in the reader's language that says what would be valid."""
    if code == "missing":
        return _("is required")
    if code == "extra_forbidden":
        known = allowed_keys(model, loc[:-1]) if loc else None
        key = loc[-1] if loc else ""
        if known:
            return _("unknown key {key!r}; valid keys here: {known}").format(key=key, known=", ".join(known))
        return _("unknown key {key!r}").format(key=key)
    simple = {
        "string_type": _("must be text"),
        "int_type": _("must be a whole number"),
        "int_parsing": _("must be a whole number"),
        "int_from_float": _("must be a whole number"),
        "bool_type": _("must be true or false"),
        "bool_parsing": _("must be true or false"),
        "list_type": _("must be a list"),
        "dict_type": _("must be a mapping of names to values"),
        "model_type": _("must be a mapping of keys to values"),
        "model_attributes_type": _("must be a mapping of keys to values"),
        "string_too_short": _("must not be empty"),
        "too_short": _("must not be empty"),
        "timezone_aware": _("has no time zone; add one, e.g. +01:00 or Z"),
        "string_pattern_mismatch": _("must be a language code such as es, en or pt-BR"),
    }
    if code in simple:
        return simple[code]
    if code == "greater_than":
        return _("must be more than {n}").format(n=_number(message))
    if code == "greater_than_equal":
        return _("must be {n} or more").format(n=_number(message))
    if code.startswith("datetime_") or code == "timezone_naive":
        return _("must be a date and time such as 2026-11-20T10:00:00+01:00")
    if code.startswith("date_"):
        return _("must be a date such as 2026-11-20")
    return message


__all__ = ["Problem", "allowed_keys", "describe", "line_of", "split_path"]
