"""What a workspace and its watch rules look like on the way in and out."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from baliza.core.errors import BalizaError
from baliza.core.i18n import _
from baliza.ingest.matching import RuleMatcher, RuleSpec
from baliza.workspaces.models import RuleKind

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def _clean_terms(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        value = " ".join(value.split())
        if not value:
            raise ValueError(_("empty term"))
        if value not in out:
            out.append(value)
    return out


class WatchRuleIn(BaseModel):
    """A watch rule: any of its terms (or its query) matches, unless an exclusion does."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: RuleKind = RuleKind.brand
    competitor: str | None = Field(None, max_length=200)
    brand_names: list[str] = Field(default_factory=list)
    handles: list[str] = Field(default_factory=list)
    hashtags: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    query: str | None = Field(None, max_length=4000)
    exclusions: list[str] = Field(default_factory=list)
    is_enabled: bool = True

    _terms = field_validator("brand_names", "handles", "hashtags", "keywords", "exclusions")(_clean_terms)

    @field_validator("handles")
    @classmethod
    def _at(cls, values: list[str]) -> list[str]:
        return [v if v.startswith("@") else "@" + v for v in values]

    @field_validator("hashtags")
    @classmethod
    def _hash(cls, values: list[str]) -> list[str]:
        return [v if v.startswith("#") else "#" + v for v in values]

    @model_validator(mode="after")
    def _something_to_match(self) -> WatchRuleIn:
        if not (self.brand_names or self.handles or self.hashtags or self.keywords or (self.query or "").strip()):
            raise ValueError(_("a watch rule needs at least one brand name, handle, hashtag, keyword or query"))
        if self.kind == RuleKind.competitor and not self.competitor:
            raise ValueError(_("a competitor rule must name its competitor"))
        try:
            RuleMatcher([RuleSpec.of(0, self)])
        except BalizaError as exc:
            raise ValueError(exc.message) from exc
        return self


class WatchRuleRead(WatchRuleIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    updated_at: datetime


class WorkspaceBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    languages: list[str] = Field(default_factory=lambda: ["es", "en"])
    timezone: str = "UTC"
    competitors: list[str] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                _("unknown time zone {value!r} (use an IANA name such as Europe/Madrid)").format(value=value)
            ) from exc
        return value

    @field_validator("languages")
    @classmethod
    def _langs(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.fullmatch(r"[a-z]{2,3}", value):
                raise ValueError(
                    _("language {value!r} is not a two- or three-letter code such as es or en").format(value=value)
                )
        return values


class WorkspaceCreate(WorkspaceBase):
    """A workspace and, optionally, its watch rules (the shape of workspace.yaml)."""

    slug: str
    watch_rules: list[WatchRuleIn] = Field(default_factory=list)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG_RE.fullmatch(value):
            raise ValueError(_("a slug is 1-63 lowercase letters, digits or dashes, starting with a letter or digit"))
        return value

    @model_validator(mode="after")
    def _unique_rule_names(self) -> WorkspaceCreate:
        seen: set[str] = set()
        for rule in self.watch_rules:
            if rule.name in seen:
                raise ValueError(_("two watch rules are named {name!r}").format(name=rule.name))
            seen.add(rule.name)
        return self


class WorkspaceRead(WorkspaceBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    created_at: datetime
    updated_at: datetime


__all__ = ["WatchRuleIn", "WatchRuleRead", "WorkspaceCreate", "WorkspaceRead"]
