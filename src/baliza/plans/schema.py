"""The crisis plan (``plan.yaml``) as pydantic models.

Shape and cross-references are both checked while validating: ``Plan`` first collects the names the
file defines (people, roles, rotations, chains, severities) into a context variable, and the
reference fields check against it, so an unknown name is reported at its own path and line together
with every other problem. Validated on their own (outside a ``Plan``), the small models skip the
reference checks because there is nothing to check against.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from datetime import date, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PositiveInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from baliza.core.errors import NotFoundError
from baliza.core.i18n import _
from baliza.plans.refs import (
    ChainRef,
    PersonRef,
    PlanMatcher,
    PlanNames,
    RoleRef,
    RotationRef,
    SeverityRef,
    checking,
    keys,
    one_of,
    unique,
    unknown_message,
)
from baliza.plans.values import (
    WEEKDAYS,
    Clock,
    Contact,
    Duration,
    Id,
    Matcher,
    MatchOp,
    TimeRange,
    TimeZoneName,
    expand_contact,
    invalid,
    zone,
)

# --- building blocks ---------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_by_name=True, validate_by_alias=True)


class Bilingual(_Model):
    """A text in Spanish and English; at least one is required (readiness warns when one is missing)."""

    es: str | None = None
    en: str | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Bilingual:
        if not (self.es or self.en):
            raise invalid("missing_text", _("needs a Spanish (es) or English (en) text"))
        return self

    def missing(self) -> list[str]:
        """The languages without text: ``["en"]``, ``["es"]`` or ``[]``."""
        return [lang for lang in ("es", "en") if not getattr(self, lang)]

    def text(self, lang: str) -> str:
        """The text in ``lang``, falling back to the other language."""
        own = self.es if lang == "es" else self.en
        return own or self.es or self.en or ""


class Freeze(StrEnum):
    none = "none"
    promotional = "promotional"
    all = "all"


Lang = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
Text = Annotated[str, Field(min_length=1)]


# --- people, roles, rotations ------------------------------------------------------------------


class OutOfOffice(_Model):
    """A holiday or trip; both dates are inclusive, in the person's time zone."""

    start: date
    end: date
    reason: str | None = None

    @field_validator("end")
    @classmethod
    def _not_before_start(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("start")
        if isinstance(start, date) and end < start:
            raise invalid("ends_before_start", _("ends before it starts ({start})").format(start=start.isoformat()))
        return end


class WorkingHours(_Model):
    """Per weekday, the ranges in which a person can be paged (their own time zone)."""

    mon: list[TimeRange] = []
    tue: list[TimeRange] = []
    wed: list[TimeRange] = []
    thu: list[TimeRange] = []
    fri: list[TimeRange] = []
    sat: list[TimeRange] = []
    sun: list[TimeRange] = []

    def on(self, weekday: int) -> list[TimeRange]:
        """The ranges of a weekday (0 = Monday)."""
        ranges: list[TimeRange] = getattr(self, WEEKDAYS[weekday])
        return ranges


class Person(_Model):
    """Someone who can be paged. Without ``working_hours`` a person can be paged at any hour."""

    name: Text
    roles: list[RoleRef] = []
    languages: list[Lang] = []
    timezone: TimeZoneName | None = None
    contacts: list[Contact] = []
    working_hours: WorkingHours | None = None
    out_of_office: list[OutOfOffice] = []
    # Their accounts on social networks ("@lucia_acme"): their posts are labelled as an employee's.
    handles: list[str] = []

    def expanded_contacts(self, env: Mapping[str, str]) -> list[str]:
        """The contacts whose ``${VAR}`` placeholders are all set in ``env``, expanded, in order."""
        return [url for url in (expand_contact(c, env) for c in self.contacts) if url is not None]


class Role(_Model):
    """A job in the crisis: the primary holder and the backups, in order."""

    primary: PersonRef
    backups: Annotated[list[PersonRef], AfterValidator(unique)] = []
    description: Bilingual | None = None

    @field_validator("backups")
    @classmethod
    def _primary_is_not_a_backup(cls, backups: list[str], info: ValidationInfo) -> list[str]:
        primary = info.data.get("primary")
        if primary in backups:
            raise invalid(
                "primary_is_backup", _("{value!r} is the primary; a backup must be someone else").format(value=primary)
            )
        return backups

    def people(self) -> list[str]:
        """Primary first, then the backups."""
        return [self.primary, *self.backups]


class Rotation(_Model):
    """An on-call rotation: members take turns of ``length`` from ``start`` at ``handoff`` (plan time zone)."""

    name: str | None = None
    members: Annotated[list[PersonRef], Field(min_length=1), AfterValidator(unique)]
    start: date
    handoff: Clock = time(9, 0)
    length: Duration
    timezone: TimeZoneName | None = None
    skip_out_of_office: bool = True

    @field_validator("length")
    @classmethod
    def _positive(cls, length: timedelta) -> timedelta:
        if length < timedelta(hours=1):
            raise invalid("shift_too_short", _("a shift must last at least 1h"))
        return length


# --- severities --------------------------------------------------------------------------------


class Severity(_Model):
    """One level of the severity scale: what it means, how fast to answer, what to freeze, who joins."""

    label: Bilingual
    description: Bilingual | None = None
    response_sla_minutes: PositiveInt
    freeze: Annotated[Freeze, BeforeValidator(one_of(Freeze))] = Freeze.none
    involve: list[RoleRef] = []


def default_severities() -> dict[str, Severity]:
    """Baliza's default scale (PRODUCT.md, "Default severities"), used when a plan has no ``severities``."""
    # built outside any plan's name check: the defaults name the standard roles, which a plan may not define
    with checking(None):
        return _default_severities()


def _default_severities() -> dict[str, Severity]:
    cm, care, comms, legal, exec_ = (
        "community_manager",
        "customer_care_lead",
        "comms_lead",
        "legal",
        "executive_sponsor",
    )
    return {
        "sev1": Severity(
            label=Bilingual(es="Crisis grave", en="Major crisis"),
            description=Bilingual(
                es="Difusión viral en varias redes, medios generalistas, salud o seguridad, o implicación "
                "de la dirección.",
                en="Viral spread across platforms, mainstream media, health or safety, or executive involvement.",
            ),
            response_sla_minutes=15,
            freeze=Freeze.all,
            involve=[cm, care, comms, legal, exec_],
        ),
        "sev2": Severity(
            label=Bilingual(es="Crisis", en="Crisis"),
            description=Bilingual(
                es="Pico sostenido con mayoría negativa, interés de medios o periodistas, o tema delicado.",
                en="Sustained spike with a negative majority, media or journalist interest, or a risky topic.",
            ),
            response_sla_minutes=30,
            freeze=Freeze.promotional,
            involve=[cm, care, comms, legal],
        ),
        "sev3": Severity(
            label=Bilingual(es="Incidencia", en="Issue"),
            description=Bilingual(
                es="Volumen negativo claramente por encima de lo normal, o una queja de mucho alcance.",
                en="Negative volume clearly above baseline, or one high-reach complaint.",
            ),
            response_sla_minutes=60,
            freeze=Freeze.none,
            involve=[cm, care],
        ),
        "sev4": Severity(
            label=Bilingual(es="Ruido", en="Noise"),
            description=Bilingual(
                es="Comentarios negativos aislados; flujo normal del community manager.",
                en="Isolated negative comments; the community manager's normal flow.",
            ),
            response_sla_minutes=240,
            freeze=Freeze.none,
            involve=[cm],
        ),
    }


# --- routing -----------------------------------------------------------------------------------


class Route(_Model):
    """A node of the alertmanager-style route tree; unset options are inherited from the parent."""

    receiver: ChainRef | None = None
    matchers: list[PlanMatcher] = []
    continue_: bool = Field(False, alias="continue")
    group_by: list[str] | None = None
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None
    routes: list[Route] = []


class InhibitRule(_Model):
    """An open source matching ``source_matchers`` mutes targets matching ``target_matchers`` with ``equal`` labels."""

    source_matchers: Annotated[list[PlanMatcher], Field(min_length=1)]
    target_matchers: Annotated[list[PlanMatcher], Field(min_length=1)]
    equal: list[str] = []


class Silence(_Model):
    """Mute matching signals between two moments; pending/active/expired is worked out from the clock."""

    id: str | None = None
    matchers: Annotated[list[PlanMatcher], Field(min_length=1)]
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    created_by: Text
    comment: Text

    @field_validator("matchers")
    @classmethod
    def _not_everything(cls, matchers: list[Matcher]) -> list[Matcher]:
        # alertmanager's rule: a silence whose every matcher matches the empty string would mute everything
        if all(m.matches_value("") for m in matchers):
            raise invalid(
                "silence_matches_everything", _("needs at least one matcher that does not match an empty value")
            )
        return matchers

    @field_validator("ends_at")
    @classmethod
    def _not_before_start(cls, ends_at: Any, info: ValidationInfo) -> Any:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and ends_at < starts_at:
            raise invalid("ends_before_start", _("ends before it starts ({start})").format(start=starts_at.isoformat()))
        return ends_at


# --- escalation --------------------------------------------------------------------------------


class Target(_Model):
    """Whom a step pages: exactly one of a role, a person or a rotation."""

    role: RoleRef | None = None
    person: PersonRef | None = None
    rotation: RotationRef | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Target:
        if sum(x is not None for x in (self.role, self.person, self.rotation)) != 1:
            raise invalid("invalid_target", _("name exactly one of role, person or rotation"))
        return self

    @property
    def kind(self) -> Literal["role", "person", "rotation"]:
        """Which of the three this target names."""
        return "role" if self.role else "person" if self.person else "rotation"

    @property
    def name(self) -> str:
        """The role, person or rotation id."""
        return self.role or self.person or self.rotation or ""


class EscalationStep(_Model):
    """One step: page someone (``notify``, ``escalate_to``, ``notify_backup``), then ``wait`` for an ack."""

    notify: Target | None = None
    escalate_to: Target | None = None
    notify_backup: bool = False
    wait: Duration | None = None
    repeat: Annotated[int, Field(ge=0)] = 0
    declare_incident: bool = False

    @model_validator(mode="after")
    def _one_action(self) -> EscalationStep:
        actions = [
            name
            for name, used in (
                ("notify", self.notify is not None),
                ("escalate_to", self.escalate_to is not None),
                ("notify_backup", self.notify_backup),
            )
            if used
        ]
        if len(actions) > 1:
            raise invalid(
                "step_conflict",
                _("a step does one thing; this one has both {first} and {second}").format(
                    first=actions[0], second=actions[1]
                ),
            )
        if not actions and self.wait is None and not self.declare_incident:
            raise invalid("empty_step", _("a step must notify someone, wait or declare an incident"))
        if self.repeat and not self.wait:
            raise invalid("repeat_without_wait", _("repeat needs a wait between the repeats"))
        return self

    @property
    def target(self) -> Target | None:
        """The ``notify`` or ``escalate_to`` target, if any."""
        return self.notify or self.escalate_to


class EscalationChain(_Model):
    """Ordered steps, walked until someone acknowledges."""

    description: Bilingual | None = None
    steps: Annotated[list[EscalationStep], Field(min_length=1)]

    @field_validator("steps")
    @classmethod
    def _backup_after_role(cls, steps: list[EscalationStep]) -> list[EscalationStep]:
        seen_role = False
        for n, step in enumerate(steps, start=1):
            if step.notify_backup and not seen_role:
                raise invalid(
                    "backup_without_role",
                    _("step {n} uses notify_backup, but no earlier step notifies a role").format(n=n),
                )
            seen_role = seen_role or (step.target is not None and step.target.role is not None)
        return steps


# --- playbooks and policies --------------------------------------------------------------------


class PlaybookTask(_Model):
    title: Bilingual
    role: RoleRef
    due_minutes: PositiveInt


def _template_fields(text: str) -> Iterator[str]:
    for _literal, name, _spec, _conv in string.Formatter().parse(text):
        if name is not None:
            if not name.isidentifier():
                raise ValueError(name)
            yield name


class Playbook(_Model):
    """What to do for one type of crisis: tasks per role, channels, a holding statement in es and en."""

    title: Bilingual
    severity_hint: SeverityRef | None = None
    channels: list[Id] = []
    tasks: list[PlaybookTask] = []
    holding_statement: Bilingual | None = None

    @field_validator("holding_statement")
    @classmethod
    def _valid_template(cls, statement: Bilingual | None) -> Bilingual | None:
        for lang in ("es", "en"):
            text = getattr(statement, lang, None) if statement else None
            if not text:
                continue
            try:
                list(_template_fields(text))
            except ValueError as exc:
                raise invalid(
                    "invalid_template",
                    _(
                        "the {lang} text is not a valid template ({reason}); write each placeholder as a name in braces"
                    ).format(lang=lang, reason=exc),
                ) from exc
        return statement

    def placeholders(self, lang: str) -> set[str]:
        """The ``{placeholders}`` the holding statement uses in one language."""
        text = getattr(self.holding_statement, lang, None) if self.holding_statement else None
        return set(_template_fields(text)) if text else set()


class StatementApproval(_Model):
    """From which severity statements need approval, and by which roles (``role`` or ``roles``)."""

    from_: SeverityRef = Field(alias="from")
    role: RoleRef | None = None
    roles: Annotated[list[RoleRef], AfterValidator(unique)] = []

    @model_validator(mode="after")
    def _one_way(self) -> StatementApproval:
        if (self.role is None) == (not self.roles):
            raise invalid("invalid_approvers", _("name the approvers with either role or roles"))
        return self

    @property
    def approvers(self) -> list[str]:
        """The roles that must approve, in order."""
        return [self.role] if self.role else list(self.roles)


class Policies(_Model):
    """Rules for the whole response (freezes, deletion, SLAs, approvals, update cadence, drills)."""

    freeze_scheduled_posts_from: SeverityRef | None = None
    never_delete_posts: bool = True
    response_sla_minutes: dict[SeverityRef, PositiveInt] = {}
    statement_approval: StatementApproval | None = None
    public_update_interval_minutes: PositiveInt | None = None
    stakeholder_update_interval_minutes: dict[SeverityRef, PositiveInt] = {}
    tone_check: bool = True
    drill_label: Bilingual = Field(default_factory=lambda: Bilingual(es="[SIMULACRO]", en="[DRILL]"))


# --- the plan ----------------------------------------------------------------------------------


def _version(value: Any) -> Any:
    if value != 1:
        raise invalid("unsupported_version", _("this version of Baliza reads plan version 1"))
    return value


class Plan(_Model):
    """The whole crisis plan of one workspace."""

    version: Annotated[int, BeforeValidator(_version)] = 1
    workspace: Id
    timezone: TimeZoneName
    people: Annotated[dict[Id, Person], Field(min_length=1)]
    roles: dict[Id, Role] = {}
    rotations: dict[Id, Rotation] = {}
    severities: Annotated[dict[Id, Severity], Field(min_length=1)] = Field(default_factory=default_severities)
    routes: Route
    inhibit_rules: list[InhibitRule] = []
    silences: list[Silence] = []
    escalation_chains: Annotated[dict[Id, EscalationChain], Field(min_length=1)]
    playbooks: dict[Id, Playbook] = {}
    policies: Policies = Field(default_factory=Policies)

    @model_validator(mode="wrap")
    @classmethod
    def _with_names(cls, data: Any, handler: ModelWrapValidatorHandler[Plan]) -> Plan:
        if not isinstance(data, dict):
            return handler(data)
        severities = keys(data, "severities") if "severities" in data else frozenset(default_severities())
        names = PlanNames(
            person=keys(data, "people"),
            role=keys(data, "roles"),
            rotation=keys(data, "rotations"),
            chain=keys(data, "escalation_chains"),
            severity=severities,
        )
        with checking(names):
            return handler(data)

    @field_validator("routes")
    @classmethod
    def _root_route(cls, root: Route) -> Route:
        if root.receiver is None:
            raise invalid(
                "root_route_receiver", _("the root route needs a receiver: the chain for signals no other route takes")
            )
        if root.matchers:
            raise invalid(
                "root_route_matchers", _("the root route matches every signal; move its matchers to a child route")
            )
        return root

    @property
    def zone(self) -> ZoneInfo:
        """The plan's default time zone."""
        return zone(self.timezone)

    def person(self, person_id: str) -> Person:
        """A person by id, or NotFoundError naming the known ones."""
        try:
            return self.people[person_id]
        except KeyError:
            raise NotFoundError(unknown_message("person", person_id, frozenset(self.people))) from None

    def person_zone(self, person_id: str) -> ZoneInfo:
        """A person's own time zone, or the plan's."""
        return zone(self.person(person_id).timezone or self.timezone)

    def chain(self, name: str) -> EscalationChain:
        """An escalation chain by name, or NotFoundError naming the known ones."""
        try:
            return self.escalation_chains[name]
        except KeyError:
            raise NotFoundError(unknown_message("chain", name, frozenset(self.escalation_chains))) from None

    def employee_handles(self) -> set[str]:
        """Every social handle of the people in the plan, lower-cased and without "@"."""
        return {h.strip().lstrip("@").lower() for p in self.people.values() for h in p.handles if h.strip()}

    def display_name(self, person_id: str) -> str:
        """``Lucía García (lucia)``, or the bare id for someone not in the plan."""
        person = self.people.get(person_id)
        return f"{person.name} ({person_id})" if person else person_id


__all__ = [
    "Bilingual",
    "EscalationChain",
    "EscalationStep",
    "Freeze",
    "InhibitRule",
    "MatchOp",
    "Matcher",
    "OutOfOffice",
    "Person",
    "Plan",
    "PlanMatcher",
    "Playbook",
    "PlaybookTask",
    "Policies",
    "Role",
    "Rotation",
    "Route",
    "Severity",
    "Silence",
    "StatementApproval",
    "Target",
    "WorkingHours",
    "default_severities",
    "expand_contact",
]
