"""Command-line usage mistakes (an unknown option, a missing value) in the user's language.

Typer raises its own copy of Click's exceptions, whose texts are English only. The common ones are
rebuilt here from their fields, so a Spanish user reads Spanish; anything else keeps Click's text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from baliza.core.i18n import _

_NO_COMMAND = re.compile(r"No such command '(?P<name>[^']*)'\.")
_NEEDS_VALUE = re.compile(r"Option '(?P<name>[^']*)' requires (an argument|\d+ arguments)\.")
_BOUND = re.compile(r"Input should be (?P<op>greater|less) than (?P<equal>or equal to )?(?P<limit>-?[\d.]+)$")


def _hint(value: Sequence[str] | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return " / ".join(repr(item) for item in value)


def _param_hint(exc: Any) -> str:
    hint = _hint(getattr(exc, "param_hint", None))
    param = getattr(exc, "param", None)
    if not hint and param is not None:
        try:
            hint = _hint(param.get_error_hint())
        except (AttributeError, TypeError):
            hint = repr(getattr(param, "name", "") or "")
    return hint


def _reason(message: str) -> str:
    """A converter's complaint about a value, in Spanish where we know it."""
    found = _BOUND.search(message)
    if found:
        if found["op"] == "greater":
            text = _("must be at least {limit}") if found["equal"] else _("must be more than {limit}")
        else:
            text = _("must be at most {limit}") if found["equal"] else _("must be less than {limit}")
        return text.format(limit=found["limit"])
    if message.startswith("Input should be a valid integer"):
        return _("must be a whole number")
    if message.startswith("Input should be a valid number"):
        return _("must be a number")
    return message


def describe(exc: Any) -> str:
    """The problem in one line, in the current language."""
    kind = type(exc).__name__
    message = str(getattr(exc, "message", "") or "")
    if kind == "NoSuchOption":
        text = _("No such option: {name}.").format(name=exc.option_name)
        possibilities = list(getattr(exc, "possibilities", None) or ())
        if possibilities:
            text += " " + _("Did you mean {options}?").format(options=", ".join(sorted(possibilities)))
        return text
    if kind == "MissingParameter":
        noun = {"argument": _("argument"), "option": _("option")}.get(
            str(getattr(exc, "param_type", None) or getattr(getattr(exc, "param", None), "param_type_name", "")),
            _("parameter"),
        )
        return _("Missing {kind} {name}.").format(kind=noun, name=_param_hint(exc))
    if kind == "BadParameter":
        hint = _param_hint(exc)
        reason = _reason(message)
        return _("Invalid value for {name}: {reason}").format(name=hint, reason=reason) if hint else reason
    found = _NEEDS_VALUE.fullmatch(message)
    if found:
        return _("Option '{name}' needs a value.").format(name=found["name"])
    found = _NO_COMMAND.fullmatch(message)
    if found:
        return _("No such command: '{name}'.").format(name=found["name"])
    formatted = getattr(exc, "format_message", None)
    return str(formatted()) if callable(formatted) else message


def usage_text(exc: Any) -> str:
    """What to print for a usage mistake: the usage line and the help hint when known, then the problem."""
    lines: list[str] = []
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        usage = ctx.get_usage()
        if usage.startswith("Usage:"):
            usage = _("Usage:") + usage[len("Usage:") :]
        lines.append(usage)
        lines.append(_("Try '{command} --help' for help.").format(command=ctx.command_path))
        lines.append("")
    lines.append(_("Error") + ": " + describe(exc))
    return "\n".join(lines)


__all__ = ["describe", "usage_text"]
