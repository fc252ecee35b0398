"""The small value types of a plan: durations, HH:MM ranges, label matchers, time zones, contact URLs.

Each parser raises ``ValueError`` with a message in the reader's language that says what would be
valid; pydantic turns that into an error located at the offending field.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, PlainSerializer, PlainValidator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from baliza.core.i18n import _

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def invalid(code: str, message: str) -> PydanticCustomError:
    """A validation failure with a stable ``code`` and a finished, translated ``message``."""
    # the message is passed as context, not as the template, so braces in it are never re-formatted
    return PydanticCustomError(code, "{error}", {"error": message})


# --- identifiers -------------------------------------------------------------------------------

_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


def parse_id(value: Any) -> str:
    """A key such as a person, role or chain name: letters, digits, ``_`` and ``-``."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise invalid("invalid_name", _("must be a name made of letters, digits, _ and - (no spaces or dots)"))
    return value


Id = Annotated[str, PlainValidator(parse_id, json_schema_input_type=str)]

# --- durations ---------------------------------------------------------------------------------

_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_UNITS = (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def parse_duration(value: Any) -> timedelta:
    """``"30s"``, ``"10m"``, ``"4h"``, ``"1d"``, ``"1w"`` (or combinations such as ``"1h30m"``) as a timedelta."""
    if isinstance(value, timedelta):
        return value
    text = value.strip() if isinstance(value, str) else ""
    match = _DURATION.fullmatch(text) if text else None
    if match is None:
        if text == "0":
            return timedelta(0)
        raise invalid("invalid_duration", _("must be a duration such as 30s, 10m, 4h, 1d or 1w"))
    seconds = sum(int(n) * size for n, (_unit, size) in zip(match.groups(), _UNITS, strict=True) if n)
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The inverse of ``parse_duration``: ``timedelta(minutes=90)`` -> ``"1h30m"``."""
    seconds = int(value.total_seconds())
    if seconds <= 0:
        return "0s"
    parts = []
    for unit, size in _UNITS:
        n, seconds = divmod(seconds, size)
        if n:
            parts.append(f"{n}{unit}")
    return "".join(parts)


Duration = Annotated[
    timedelta,
    PlainValidator(parse_duration, json_schema_input_type=str),
    PlainSerializer(format_duration, return_type=str),
]

# --- times of day ------------------------------------------------------------------------------

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def _minutes(text: str, *, allow_24: bool) -> int:
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        raise invalid("invalid_time", _("must be a time of day such as 09:00"))
    hours, minutes = int(match.group(1)), int(match.group(2))
    total = hours * 60 + minutes
    if minutes > 59 or total > 24 * 60 or (total == 24 * 60 and not allow_24):
        limit = "24:00" if allow_24 else "23:59"
        raise invalid(
            "invalid_time",
            _("{value} is not a time of day; use 00:00 to {limit}").format(value=text.strip(), limit=limit),
        )
    return total


def parse_clock(value: Any) -> time:
    """``"09:00"`` as a ``time``."""
    if isinstance(value, time):
        return value
    if not isinstance(value, str):
        # YAML reads an unquoted 18:00 as the number 1080 (base 60)
        raise invalid("invalid_time", _('must be a time of day in quotes, such as "09:00"'))
    total = _minutes(value, allow_24=False)
    return time(total // 60, total % 60)


Clock = Annotated[
    time,
    PlainValidator(parse_clock, json_schema_input_type=str),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str),
]


@dataclass(frozen=True)
class TimeRange:
    """A span of one day in minutes after midnight; ``end`` may be 1440 (24:00)."""

    start: int
    end: int

    def __contains__(self, minute: int) -> bool:
        return self.start <= minute < self.end

    def __str__(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"

    @classmethod
    def parse(cls, value: Any) -> TimeRange:
        """``"09:00-17:30"``; the end must come after the start (a night shift is two ranges)."""
        if isinstance(value, TimeRange):
            return value
        pieces = value.split("-") if isinstance(value, str) else []
        if len(pieces) != 2 or not all(_CLOCK.fullmatch(p.strip()) for p in pieces):
            raise invalid("invalid_time_range", _("must be a time range such as 09:00-17:30"))
        start, end = _minutes(pieces[0], allow_24=False), _minutes(pieces[1], allow_24=True)
        if end <= start:
            raise invalid(
                "invalid_time_range",
                _("must end after it starts; split a night shift in two, such as 22:00-24:00 and 00:00-06:00"),
            )
        return cls(start, end)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.parse, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {"type": "string", "pattern": r"^\d{2}:\d{2}-\d{2}:\d{2}$"}


# --- time zones --------------------------------------------------------------------------------


@functools.cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


@functools.cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The ZoneInfo for a name already validated by ``parse_timezone``."""
    return zoneinfo.ZoneInfo(name)


def parse_timezone(value: Any) -> str:
    """An IANA time zone name such as ``Europe/Madrid``; suggests the closest name when misspelt."""
    if isinstance(value, str) and value.strip():
        try:
            zone(value.strip())
            return value.strip()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    guess: list[str] = []
    if isinstance(value, str):
        # "madrid" or "europe/madrid" name a zone as surely as a near miss such as "Europe/Madird"
        lowered = value.strip().lower()
        guess = [z for z in _zone_names() if lowered in (z.lower(), z.rsplit("/", 1)[-1].lower())]
        guess = guess or difflib.get_close_matches(value, _zone_names(), n=1)
    if guess:
        raise invalid(
            "unknown_timezone",
            _("unknown time zone {value!r}; did you mean {suggestion}?").format(value=value, suggestion=guess[0]),
        )
    raise invalid(
        "unknown_timezone",
        _("unknown time zone {value!r}; use an IANA name such as Europe/Madrid or America/Bogota").format(value=value),
    )


TimeZoneName = Annotated[str, PlainValidator(parse_timezone, json_schema_input_type=str)]

# --- label matchers ----------------------------------------------------------------------------


class MatchOp(StrEnum):
    eq = "="
    ne = "!="
    regex = "=~"
    not_regex = "!~"


_MATCHER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*([=!~<>]+)\s*(.*?)\s*$")
_BARE_VALUE = re.compile(r"^[^\"'\s=!~,{}]*$")
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n"}


def _unquote(raw: str) -> str | None:
    if not raw.startswith('"'):
        return raw if _BARE_VALUE.fullmatch(raw) else None
    if len(raw) < 2 or not raw.endswith('"'):
        return None
    out, i, body = [], 0, raw[1:-1]
    while i < len(body):
        char = body[i]
        if char == '"':
            return None
        if char == "\\":
            if i + 1 >= len(body) or body[i + 1] not in _ESCAPES:
                return None
            out.append(_ESCAPES[body[i + 1]])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class Matcher:
    """``label op "value"``, as in alertmanager; ``=~`` and ``!~`` are fully anchored regular expressions."""

    label: str
    op: MatchOp
    value: str
    pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` satisfy this matcher (a missing label counts as the empty string)."""
        return self.matches_value(labels.get(self.label, ""))

    def matches_value(self, value: str) -> bool:
        """Whether one label value satisfies this matcher."""
        if self.op is MatchOp.eq:
            return value == self.value
        if self.op is MatchOp.ne:
            return value != self.value
        assert self.pattern is not None
        found = self.pattern.fullmatch(value) is not None
        return found if self.op is MatchOp.regex else not found

    def literal_values(self) -> list[str] | None:
        """The exact values an ``=``/``=~`` matcher names (``"sev1|sev2"`` -> both), or None if not that simple."""
        if self.op in (MatchOp.eq, MatchOp.ne):
            return [self.value]
        if re.fullmatch(r"[A-Za-z0-9_-]+(\|[A-Za-z0-9_-]+)*", self.value):
            return self.value.split("|")
        return None

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'{self.label}{self.op.value}"{escaped}"'

    @classmethod
    def parse(cls, value: Any) -> Matcher:
        """Parse ``severity=~"sev1|sev2"``, ``author_type="journalist"``, ``lang!=en`` …"""
        if isinstance(value, Matcher):
            return value
        if not isinstance(value, str):
            raise invalid(
                "invalid_matcher", _('must be a matcher such as severity="sev1" or issue_type=~"delivery|legal"')
            )
        match = _MATCHER.fullmatch(value)
        if match is None:
            raise invalid(
                "invalid_matcher", _('must be a matcher such as severity="sev1" or issue_type=~"delivery|legal"')
            )
        label, op_text, raw = match.groups()
        if op_text not in {op.value for op in MatchOp}:
            raise invalid("unknown_operator", _("unknown operator {op!r}; use one of =, !=, =~, !~").format(op=op_text))
        text = _unquote(raw)
        if text is None:
            raise invalid(
                "invalid_matcher", _('the value must be in double quotes, such as {label}="value"').format(label=label)
            )
        op = MatchOp(op_text)
        pattern = None
        if op in (MatchOp.regex, MatchOp.not_regex):
            try:
                # compiled bare first so an error's position counts from the user's own text
                re.compile(text)
                pattern = re.compile(f"(?:{text})")
            except re.error as exc:
                raise invalid(
                    "invalid_regex", _("is not a valid regular expression ({reason})").format(reason=exc)
                ) from exc
        return cls(label, op, text, pattern)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.parse, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {"type": "string", "examples": ['severity=~"sev1|sev2"']}


def matches_all(matchers: list[Matcher], labels: Mapping[str, str]) -> bool:
    """Whether every matcher is satisfied (an empty list matches everything)."""
    return all(m.matches(labels) for m in matchers)


# --- contact URLs ------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")


def parse_contact(value: Any) -> str:
    """An Apprise URL, possibly with ``${VAR}`` placeholders, kept as written."""
    if not isinstance(value, str) or not _SCHEME.fullmatch(value.strip()):
        raise invalid(
            "invalid_contact",
            _("must be an Apprise URL such as mailto://ana@example.org or tgram://${BOT_TOKEN}/12345"),
        )
    rest = _PLACEHOLDER.sub("", value)
    if "${" in rest:
        raise invalid("invalid_placeholder", _("has a malformed placeholder; write ${NAME} with letters, digits and _"))
    return value.strip()


def contact_variables(url: str) -> list[str]:
    """The ``${VAR}`` names a contact URL needs, in order."""
    return _PLACEHOLDER.findall(url)


def expand_contact(url: str, env: Mapping[str, str]) -> str | None:
    """Substitute ``${VAR}`` from ``env``; None if any variable is missing or empty."""
    missing = [name for name in contact_variables(url) if not env.get(name)]
    if missing:
        return None
    return _PLACEHOLDER.sub(lambda m: env[m.group(1)], url)


Contact = Annotated[str, PlainValidator(parse_contact, json_schema_input_type=str)]

__all__ = [
    "WEEKDAYS",
    "Clock",
    "Contact",
    "Duration",
    "Id",
    "MatchOp",
    "Matcher",
    "TimeRange",
    "TimeZoneName",
    "contact_variables",
    "expand_contact",
    "format_duration",
    "invalid",
    "matches_all",
    "parse_clock",
    "parse_contact",
    "parse_duration",
    "parse_id",
    "parse_timezone",
    "zone",
]
