"""The shape of a mention on the way in, and of the ingest report on the way out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from baliza.core.i18n import _
from baliza.ingest.normalize import find_control_char, normalize_text

PLATFORM_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,31}$"
LANG_PATTERN = r"^([A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3})?$"
DEFAULT_MAX_TEXT = 20_000


# No C0/C1 control characters (tab, LF and CR aside), checked by pydantic-core's own regex engine
# so the hot path makes no Python call per field. Lone surrogates (invalid UTF-8 that arrived
# through errors="surrogateescape") are refused by pydantic-core as string_unicode. Either way
# baliza.ingest.issues names the character and its position.
PRINTABLE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"


def _printable(max_length: int, min_length: int = 0) -> Any:
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=PRINTABLE_PATTERN)


Ident = Annotated[str, _printable(256, 1)]
Link = Annotated[str, _printable(2048)]


class AuthorIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    handle: Ident
    display_name: Annotated[str, _printable(256)] | None = None
    followers: int | None = Field(None, ge=0)
    verified: bool = False
    url: Link | None = None
    bio: Annotated[str, _printable(2000)] | None = None
    following: int | None = Field(None, ge=0)
    account_created_at: AwareDatetime | None = None


class MentionIn(BaseModel):
    """One post, comment, article or email, as a connector, the API or a file gives it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    # Constraints that pydantic-core checks natively (in Rust) stay out of Python validators:
    # this model runs once per mention on the ingest hot path.
    platform: Annotated[str, StringConstraints(to_lower=True, pattern=PLATFORM_PATTERN)]
    external_id: Ident
    text: str
    created_at: AwareDatetime
    url: Link | None = None
    lang: Annotated[str, StringConstraints(pattern=LANG_PATTERN)] | None = None
    author: AuthorIn | None = None
    likes: int = Field(0, ge=0)
    reposts: int = Field(0, ge=0)
    replies: int = Field(0, ge=0)
    quotes: int = Field(0, ge=0)
    views: int | None = Field(None, ge=0)
    reply_to: Ident | None = None
    quote_of: Ident | None = None
    repost_of: Ident | None = None

    @field_validator("text")
    @classmethod
    def _text(cls, value: str, info: ValidationInfo) -> str:
        if find_control_char(value) is not None:  # baliza.ingest.issues says which and where
            raise PydanticCustomError("control_character", "contains a control character")
        value = normalize_text(value)
        if not value:
            raise ValueError(_("is empty"))
        limit = (info.context or {}).get("max_text_chars", DEFAULT_MAX_TEXT)
        if len(value) > limit:
            raise ValueError(
                _("is {length} characters long; the limit is {limit}").format(length=len(value), limit=limit)
            )
        return value


class RowIssue(BaseModel):
    """One rejected (or skipped) input row: where it was, which field, what value, and why."""

    line: int | None = None
    index: int | None = None
    field: str | None = None
    value: str | None = None
    code: str
    message: str


class IngestReport(BaseModel):
    """What happened to every row of an ingest: stored, duplicate, skipped or rejected."""

    workspace: str
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    skipped: int = 0
    rejected: int = 0
    errors: list[RowIssue] = Field(default_factory=list)
    skipped_rows: list[RowIssue] = Field(default_factory=list)

    def merge(self, other: IngestReport) -> None:
        self.received += other.received
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.skipped += other.skipped
        self.rejected += other.rejected
        self.errors.extend(other.errors)
        self.skipped_rows.extend(other.skipped_rows)

    @property
    def accounted(self) -> int:
        return self.stored + self.duplicates + self.skipped + self.rejected


class MentionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    platform: str
    external_id: str
    url: str | None
    text: str
    lang: str | None
    created_at: datetime
    ingested_at: datetime
    likes: int
    reposts: int
    replies: int
    quotes: int
    views: int | None
    reply_to: str | None
    quote_of: str | None
    repost_of: str | None
    urls: list[str]
    rule_ids: list[int]
    sentiment: str | None = None
    sentiment_score: float | None = None
    issue_types: list[str] = Field(default_factory=list)
    analysis: dict[str, Any] = Field(default_factory=dict)
    story_id: int | None = None
    source: str
    author: dict[str, Any] | None = None


class MentionPage(BaseModel):
    items: list[MentionRead]
    next_cursor: str | None = None


class RollupPoint(BaseModel):
    minute_at: datetime
    count: int
    reach: int
    engagement: int


class RollupSeries(BaseModel):
    series: str
    points: list[RollupPoint]


Position = Literal["line", "index"]

__all__ = [
    "AuthorIn",
    "IngestReport",
    "MentionIn",
    "MentionPage",
    "MentionRead",
    "Position",
    "RollupPoint",
    "RollupSeries",
    "RowIssue",
]
