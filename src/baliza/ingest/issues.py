"""Turn validation failures into RowIssues that name the field, the value and the reason, in es or en."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError as PydanticValidationError

from baliza.core.i18n import _
from baliza.ingest.normalize import find_control_char
from baliza.ingest.schemas import RowIssue

MAX_VALUE_CHARS = 120


def show_value(value: Any) -> str | None:
    """A short, printable rendering of a bad value (never the whole 50 kB text)."""
    if value is None:
        return None
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def describe_error(err: Any) -> str:
    """A pydantic error as a short reason in the reader's language (\"must be a whole number\")."""
    kind = err["type"]
    if kind == "string_pattern_mismatch":
        field = str(err["loc"][-1]) if err["loc"] else ""
        if field == "platform":
            return _("must be a short lowercase name such as mastodon, bluesky or news")
        if field == "lang":
            return _("must be a language code such as es, en or pt-BR")
        return _("does not have the expected form")
    ctx = err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind == "missing":
        return _("is required")
    if kind in ("string_type", "string_sub_type"):
        return _("must be text")
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        return _("must be a whole number")
    if kind in ("bool_type", "bool_parsing"):
        return _("must be true or false")
    if kind == "timezone_aware":
        return _("has no time zone; add one, e.g. +01:00 or Z")
    if kind.startswith(("datetime_", "date_")):
        return _("must be a date and time such as 2026-11-20T09:14:03+01:00")
    if kind == "string_too_short":
        return _("is empty")
    if kind == "string_too_long":
        return _("is too long (at most {n} characters)").format(n=ctx.get("max_length"))
    if kind == "greater_than_equal":
        return _("must be {n} or more").format(n=ctx.get("ge"))
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("must be an object")
    if kind == "literal_error":
        # pydantic writes "'a', 'b' or 'c'": keep the values, drop its English "or"
        return _("must be one of {expected}").format(expected=str(ctx.get("expected", "")).replace(" or ", ", "))
    if kind == "list_type":
        return _("must be a list")
    return str(err["msg"])


def _control_message(value: str) -> str:
    pos = find_control_char(value)
    assert pos is not None
    if 0xD800 <= ord(value[pos]) <= 0xDFFF:
        return _("is not valid UTF-8 (bad byte near position {pos})").format(pos=pos)
    return _("contains the control character U+{code:04X} at position {pos}").format(code=ord(value[pos]), pos=pos)


def from_validation_error(
    exc: PydanticValidationError, *, line: int | None = None, index: int | None = None, prefix: str = ""
) -> list[RowIssue]:
    """One RowIssue per failing field."""
    issues = []
    for err in exc.errors(include_url=False):
        loc = [str(part) for part in err["loc"]]
        value = err.get("input")
        code = err["type"]
        if code in ("string_pattern_mismatch", "string_unicode", "control_character") and isinstance(value, str):
            pos = find_control_char(value)
            if pos is not None:
                code = "invalid_utf8" if 0xD800 <= ord(value[pos]) <= 0xDFFF else "control_character"
        field = ".".join(loc) or None
        if prefix and field:
            field = f"{prefix}.{field}"
        issues.append(
            RowIssue(
                line=line,
                index=index,
                field=field,
                value=None if err["type"] == "missing" else show_value(value),
                code=code,
                message=_control_message(value)
                if code in ("control_character", "invalid_utf8")
                else describe_error(err),
            )
        )
    return issues


__all__ = ["describe_error", "from_validation_error", "show_value"]
