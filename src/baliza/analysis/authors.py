"""Author profiles: how far an author reaches and who they are, with the reasons for every label.

People act on these labels (a journalist gets a different answer from a customer), so every
decision keeps its reasons: a stable code for machines and a sentence for people, written in the
reader's language when it is read (``Reason.text``), not when the profile was made.

Reach tiers, by followers (an unknown count is nano):

    nano  <     1,000
    micro <    10,000
    mid   <   100,000
    macro < 1,000,000
    mega  ≥ 1,000,000

Types (an author can have several; none when nothing says anything):

* ``journalist``: the bio names a newsroom role (periodista, redactor/a, reportero/a,
  corresponsal, columnista, editor/a, journalist, reporter, correspondent, columnist...).
* ``media_outlet``: a known outlet handle, a handle or display name that reads like one (…noticias,
  …news, diario…, …tv, radio…), or at least two outlet words in the bio (noticias, news, diario,
  periódico, última hora, breaking news...), and no personal newsroom role.
* ``influencer``: ``INFLUENCER_FOLLOWERS_ALONE`` followers or more, or ``INFLUENCER_MIN_FOLLOWERS``
  with a creator cue in the bio (creador de contenido, blogger, youtuber, colaboraciones...) or an
  engagement rate of at least ``INFLUENCER_ENGAGEMENT_RATE``. Outlets and public bodies are not influencers.
* ``employee``: the handle is in the plan's list of employees, or the bio says they work at one of
  the workspace's brands ("trabajo en Acme", "I work at Acme", "empleada de Acme"); "ex", "former"
  and "antes en" right before the phrase rule it out.
* ``public_body``: the bio, name or handle names an administration (ayuntamiento, ministerio,
  policía, government, city council...) or links to a government domain (.gob, .gov, .gouv).
* ``competitor``: the handle is in the workspace's list of competitors.
* ``bot``: ``is_likely_automated``, unless the account is verified, an outlet or a public body
  (scheduled publishing is automation too, but calling a newspaper a bot misleads).
* ``customer``: the workspace knows them as a customer, or a recent post talks about their own
  purchase (mi pedido, he comprado, my order, I bought...).

``is_likely_automated`` combines independent signals as a noisy-OR (score = 1 − Π(1 − weight)) and
is true from ``AUTOMATION_THRESHOLD``: clockwork posting cadence (0.6), a very new account with a
high volume (0.4), a lifetime average of 144+ posts a day (0.3), a burst with a median gap under a
minute (0.3), repeated texts (0.35), a handle that looks auto-generated (0.25) and following far more
accounts than follow back (0.25). A clockwork cadence is enough on its own; two weak signals are not.
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from baliza.core.clock import utcnow
from baliza.core.errors import ValidationError
from baliza.core.i18n import _
from baliza.ingest.normalize import fold


class ReachTier(StrEnum):
    """Audience size by followers; see the module docstring for the limits."""

    nano = "nano"
    micro = "micro"
    mid = "mid"
    macro = "macro"
    mega = "mega"


TIER_LIMITS: tuple[tuple[int, ReachTier], ...] = (
    (1_000, ReachTier.nano),
    (10_000, ReachTier.micro),
    (100_000, ReachTier.mid),
    (1_000_000, ReachTier.macro),
)
"""(exclusive upper limit, tier); from 1,000,000 followers the tier is mega."""


class AuthorType(StrEnum):
    """Who an author is, as far as the facts tell."""

    journalist = "journalist"
    media_outlet = "media_outlet"
    influencer = "influencer"
    employee = "employee"
    public_body = "public_body"
    competitor = "competitor"
    bot = "bot"
    customer = "customer"


class Complainer(StrEnum):
    """Whether an author has complained in this workspace before."""

    first_time = "first_time"
    repeat = "repeat"


INFLUENCER_MIN_FOLLOWERS = 10_000
INFLUENCER_FOLLOWERS_ALONE = 100_000
INFLUENCER_ENGAGEMENT_RATE = 0.02
"""Average interactions per post over followers from which an audience counts as engaged."""

AUTOMATION_THRESHOLD = 0.5
CADENCE_MIN_POSTS = 6
"""Timestamps needed to judge a cadence (five gaps)."""
CADENCE_MAX_VARIATION = 0.1
"""Gaps whose standard deviation is at most this share of their mean are clockwork."""
BURST_MAX_MEDIAN_SECONDS = 60
NEW_ACCOUNT_DAYS = 30
NEW_ACCOUNT_POSTS_PER_DAY = 50
LIFETIME_POSTS_PER_DAY = 144
"""One post every ten minutes, day and night, for the life of the account."""
DUPLICATE_MIN_TEXTS = 3
DUPLICATE_SHARE = 0.5
FOLLOW_RATIO = 20
FOLLOW_RATIO_MIN_FOLLOWING = 1_000
REPEAT_COMPLAINER_MIN = 1
"""Earlier negative mentions from which an author is a repeat complainer."""

_WEIGHTS = {
    "bot_cadence": 0.6,
    "bot_new_account": 0.4,
    "bot_daily_volume": 0.3,
    "bot_high_frequency": 0.3,
    "bot_duplicates": 0.35,
    "bot_default_handle": 0.25,
    "bot_follow_ratio": 0.25,
}


class ReasonCode(StrEnum):
    """Stable codes of the reasons behind a profile."""

    reach_followers = "reach_followers"
    reach_unknown = "reach_unknown"
    verified = "verified"
    journalist_bio = "journalist_bio"
    outlet_known = "outlet_known"
    outlet_name = "outlet_name"
    outlet_bio = "outlet_bio"
    influencer_followers = "influencer_followers"
    influencer_creator = "influencer_creator"
    influencer_engagement = "influencer_engagement"
    employee_listed = "employee_listed"
    employee_bio = "employee_bio"
    public_body_name = "public_body_name"
    public_body_domain = "public_body_domain"
    competitor_listed = "competitor_listed"
    customer_known = "customer_known"
    customer_text = "customer_text"
    bot_cadence = "bot_cadence"
    bot_high_frequency = "bot_high_frequency"
    bot_new_account = "bot_new_account"
    bot_daily_volume = "bot_daily_volume"
    bot_default_handle = "bot_default_handle"
    bot_duplicates = "bot_duplicates"
    bot_follow_ratio = "bot_follow_ratio"
    automated_publisher = "automated_publisher"
    complainer_first = "complainer_first"
    complainer_repeat = "complainer_repeat"


def tier_label(tier: ReachTier) -> str:
    """The tier's name for people, in the current language."""
    labels = {
        ReachTier.nano: _("nano"),
        ReachTier.micro: _("micro"),
        ReachTier.mid: _("mid"),
        ReachTier.macro: _("macro"),
        ReachTier.mega: _("mega"),
    }
    return labels[tier]


# Written out call by call so that message extraction sees every source string.
_TEXTS: dict[ReasonCode, Callable[[], str]] = {
    ReasonCode.reach_followers: lambda: _("{followers} followers: {tier} reach"),
    ReasonCode.reach_unknown: lambda: _("follower count unknown: counted as {tier} reach"),
    ReasonCode.verified: lambda: _("verified account on {platform}"),
    ReasonCode.journalist_bio: lambda: _("the bio names a newsroom role: “{cue}”"),
    ReasonCode.outlet_known: lambda: _("{handle} is a known news outlet"),
    ReasonCode.outlet_name: lambda: _("the handle or name reads like a news outlet: “{cue}”"),
    ReasonCode.outlet_bio: lambda: _("the bio describes a news outlet: “{cues}”"),
    ReasonCode.influencer_followers: lambda: _("{followers} followers: a large audience on its own"),
    ReasonCode.influencer_creator: lambda: _("the bio describes a content creator: “{cue}”"),
    ReasonCode.influencer_engagement: lambda: _("{rate}% of its {followers} followers interact with each post"),
    ReasonCode.employee_listed: lambda: _("{handle} is on the plan's list of employees"),
    ReasonCode.employee_bio: lambda: _("the bio says they work at {employer}: “{cue}”"),
    ReasonCode.public_body_name: lambda: _("the bio, name or handle names a public body: “{cue}”"),
    ReasonCode.public_body_domain: lambda: _("the bio links to a government site: “{cue}”"),
    ReasonCode.competitor_listed: lambda: _("{handle} is on the list of competitors"),
    ReasonCode.customer_known: lambda: _("known to the workspace as a customer"),
    ReasonCode.customer_text: lambda: _("a recent post talks about their own purchase: “{cue}”"),
    ReasonCode.bot_cadence: lambda: _("posts every {minutes} minutes like clockwork (gaps vary by {variation}%)"),
    ReasonCode.bot_high_frequency: lambda: _("{count} posts with a median gap of {seconds} seconds"),
    ReasonCode.bot_new_account: lambda: _("the account is {days} days old and has {posts} posts"),
    ReasonCode.bot_daily_volume: lambda: _("{per_day} posts a day on average since the account was created"),
    ReasonCode.bot_default_handle: lambda: _("the handle looks generated: {handle}"),
    ReasonCode.bot_duplicates: lambda: _("{duplicates} of its last {total} posts repeat an earlier one"),
    ReasonCode.bot_follow_ratio: lambda: _("follows {following} accounts but has {followers} followers"),
    ReasonCode.automated_publisher: lambda: _("posts automatically, but as a publisher, so it is not labelled a bot"),
    ReasonCode.complainer_first: lambda: _("no earlier negative mentions from this author"),
    ReasonCode.complainer_repeat: lambda: _("{count} earlier negative mentions from this author"),
}


@dataclass(frozen=True, slots=True)
class Reason:
    """Why one label was given: a stable code and the facts behind it; ``text`` says it for people."""

    code: ReasonCode
    params: Mapping[str, str | int | float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The reason as a sentence in the current language."""
        params = dict(self.params)
        if "tier" in params:
            params["tier"] = tier_label(ReachTier(str(params["tier"])))
        return _TEXTS[self.code]().format(**params)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API: code, params and text."""
        return {"code": self.code.value, "params": dict(self.params), "text": self.text}


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorFacts:
    """What the platform tells about an author; everything but handle and platform is optional."""

    handle: str
    platform: str
    display_name: str | None = None
    bio: str | None = None
    followers: int | None = None
    following: int | None = None
    verified: bool = False
    account_created_at: datetime | None = None
    posts_count: int | None = None
    recent_post_times: Sequence[datetime] = ()
    recent_texts: Sequence[str] = ()
    avg_engagement: float | None = None
    """Average likes + reposts + replies per recent post."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorHistory:
    """What the workspace already knows about an author."""

    previous_mentions: int = 0
    previous_negative_mentions: int = 0
    known_customer: bool = False


@dataclass(frozen=True, slots=True)
class AuthorProfile:
    """Who an author is, with the reasons behind each decision (keyed by decision name)."""

    handle: str
    platform: str
    followers: int | None
    reach_tier: ReachTier
    verified: bool
    types: frozenset[AuthorType]
    is_media: bool
    is_likely_automated: bool
    automation_score: float
    complainer: Complainer | None
    employer: str | None
    reasons: Mapping[str, tuple[Reason, ...]]

    def reasons_for(self, decision: str) -> tuple[Reason, ...]:
        """Reasons behind one decision: a type ("journalist"), "reach_tier", "automation" or "complainer"."""
        return self.reasons.get(decision, ())

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API, reasons in the current language."""
        return {
            "handle": self.handle,
            "platform": self.platform,
            "followers": self.followers,
            "reach_tier": self.reach_tier.value,
            "verified": self.verified,
            "types": sorted(t.value for t in self.types),
            "is_media": self.is_media,
            "is_likely_automated": self.is_likely_automated,
            "automation_score": self.automation_score,
            "complainer": None if self.complainer is None else self.complainer.value,
            "employer": self.employer,
            "reasons": {key: [reason.as_dict() for reason in value] for key, value in self.reasons.items()},
        }


def reach_tier(followers: int | None) -> ReachTier:
    """The reach tier of a follower count (None counts as nano)."""
    count = followers or 0
    for limit, tier in TIER_LIMITS:
        if count < limit:
            return tier
    return ReachTier.mega


# --------------------------------------------------------------------------------------------
# Cue lists. Matched on folded text (lowercase, no accents) as whole words; "(?:a)?" style endings
# cover feminine and plural forms.
# --------------------------------------------------------------------------------------------
def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)")


_JOURNALIST = _words(
    r"periodistas?",
    r"redactor(?:a|es|as)?",
    r"reporter[oa]s?",
    r"corresponsal(?:es)?",
    r"columnistas?",
    r"cronistas?",
    r"jef[ea] de (?:redaccion|informativos|seccion)",
    r"(?<!video )(?<!photo )(?<!film )editor(?:a|es|as)?(?! de (?:video|fotos?|cine))",
    r"presentador(?:a)? de (?:informativos|noticias|telediario)",
    r"locutor(?:a)?",
    r"journalists?",
    r"reporters?",
    r"correspondents?",
    r"columnists?",
    r"news anchor",
    r"broadcaster",
    r"newsroom",
)
_OUTLET_BIO = _words(
    r"noticias",
    r"news",
    r"diario(?: digital)?",
    r"periodico(?: digital)?",
    r"informativos?",
    r"ultima hora",
    r"breaking news",
    r"medio de comunicacion",
    r"medio digital",
    r"revista",
    r"magazine",
    r"newspaper",
    r"emisora",
    r"radio",
    r"television",
    r"canal de noticias",
    r"agencia de noticias",
    r"news agency",
    r"actualidad",
    r"headlines",
)
# Anchored where a substring would be ambiguous ("gavinnewsom", "radiohead_fans").
_OUTLET_HANDLE = re.compile(
    r"noticias|diario|periodico|prensa|informativos|(?:^|_)(?:news|tv|radio)(?:_|$)|(?:news|tv|radio|fm)$"
    r"|^canal|^cadena|magazine$|^revista|revista$"
)
_OUTLET_NAME = _words(r"noticias", r"news", r"diario", r"periodico", r"radio", r"tv", r"television", r"revista")
KNOWN_OUTLETS = frozenset(
    """elpais elmundoes abc_es lavanguardia el_pais eldiarioes elconfidencial europapress efenoticias agenciaefe
    20m rtve rtvenoticias telediario_tve antena3noticias informativost5 telecincoes lasextatv lasexta_noticias
    cadenaser cope ondacero_es la_informacion publico_es elperiodico expansioncom cincodiascom bbcmundo
    cnnee cnnespanol eluniversalmx milenio reforma lanacion clarincom infobae eltiempo elcomercio_peru
    nytimes washingtonpost wsj guardian bbcnews bbcbreaking cnn reuters ap afp bloomberg ft foxnews nbcnews
    cbsnews abc skynews usatoday latimes""".split()
)
_CREATOR = _words(
    r"influencer",
    r"creador(?:a)? de contenido",
    r"content creator",
    r"creator",
    r"blogger",
    r"bloguer[oa]",
    r"youtuber",
    r"tiktoker",
    r"instagramer",
    r"instagrammer",
    r"streamer",
    r"podcaster",
    r"colaboraciones",
    r"collabs?",
    r"business inquiries",
    r"contacto comercial",
    r"embajador(?:a)? de marca",
    r"brand ambassador",
    r"foodie",
    r"ugc",
)
_PUBLIC_BODY = _words(
    r"ayuntamiento",
    r"ayto",
    r"gobierno",
    r"ministerio",
    r"consejeria",
    r"diputacion",
    r"generalitat",
    r"xunta",
    r"junta de \w+",
    r"municipalidad",
    r"alcaldia",
    r"secretaria de \w+",
    r"policia(?: nacional| local| municipal)?",
    r"guardia civil",
    r"proteccion civil",
    r"bomberos",
    r"cuenta oficial del? (?:gobierno|ayuntamiento|ministerio)",
    r"agencia (?:espanola|nacional|estatal) de \w+",
    r"profeco",
    r"sernac",
    r"aesan",
    r"government",
    r"ministry",
    r"department of \w+",
    r"city council",
    r"city of \w+",
    r"county of \w+",
    r"police department",
    r"fire department",
    r"public health",
    r"food standards agency",
)
_PUBLIC_HANDLE = re.compile(r"gob$|gov$|^gob|^gov|ayto|ayuntamiento|policia|ministerio|gobierno")
_GOV_DOMAIN = re.compile(r"[\w.-]+\.(?:gob|gov|gouv)(?:\.[a-z]{2})?(?![\w-])|[\w.-]+\.gob\.[a-z]{2}")
_CUSTOMER = _words(
    r"mi pedido",
    r"mis pedidos",
    r"mi compra",
    r"he comprado",
    r"compre",
    r"soy cliente",
    r"como cliente",
    r"mi factura",
    r"mi suscripcion",
    r"mi reserva",
    r"my order",
    r"my orders",
    r"i ordered",
    r"i bought",
    r"my purchase",
    r"as a customer",
    r"i'm a customer",
    r"my bill",
    r"my subscription",
    r"my booking",
)
_WORKS_AT = re.compile(
    r"(?<!\w)(?:trabajo (?:en|para)|trabajando (?:en|para)|emplead[oa]s? (?:de|en)|formo parte de"
    r"|(?:i )?work(?:s|ing)? (?:at|for)|employee (?:at|of)|employed (?:at|by)|part of the team at)"
    r"\s+(?:el |la |los |las |the )?@?(\w[\w.&'-]*(?:\s+\w[\w.&'-]*){0,2})"
)
_FORMER = re.compile(r"(?:\bex\b-?|\bformer(?:ly)?\b|\bantes\b|\bpreviously\b|\bretired\b)[\s,]*$")
_DEFAULT_HANDLE = re.compile(r"[^\W\d_]{2,}_?\d{6,}")
_TOKEN = re.compile(r"[^\W_]+")
_TYPE_NAMES = frozenset(t.value for t in AuthorType)


def _clean_handle(handle: str) -> str:
    return fold(handle.strip().lstrip("@").split("@", 1)[0])


def _handles(values: Iterable[str] | None) -> frozenset[str]:
    return frozenset(_clean_handle(value) for value in values or () if value.strip())


def profile_author(
    author: AuthorFacts,
    *,
    history: AuthorHistory | None = None,
    employees: set[str] | frozenset[str] | None = None,
    competitors: set[str] | frozenset[str] | None = None,
    brands: Sequence[str] = (),
    now: datetime | None = None,
) -> AuthorProfile:
    """Reach tier, types, automation and complaint history of an author, each with its reasons.

    ``employees`` and ``competitors`` are handles (with or without "@"); ``brands`` are the names
    the workspace's brands go by, for bios such as "trabajo en Acme"; ``now`` defaults to the clock.
    """
    if now is None:
        now = utcnow()
    elif now.tzinfo is None:
        raise ValidationError(
            _("now must be a timezone-aware datetime"), code="naive_datetime", details={"now": now.isoformat()}
        )
    handle = _clean_handle(author.handle)
    bio = fold(author.bio or "")
    name = fold(author.display_name or "")
    reasons: dict[str, list[Reason]] = {}
    types: set[AuthorType] = set()

    def add(decision: str, code: ReasonCode, **params: str | int | float) -> None:
        reasons.setdefault(decision, []).append(Reason(code, params))

    tier = reach_tier(author.followers)
    if author.followers is None:
        add("reach_tier", ReasonCode.reach_unknown, tier=tier.value)
    else:
        add("reach_tier", ReasonCode.reach_followers, followers=author.followers, tier=tier.value)
    if author.verified:
        add("verified", ReasonCode.verified, platform=author.platform)

    # Media: a person with a newsroom role is a journalist; otherwise outlet cues make an outlet.
    journalist = _JOURNALIST.search(bio)
    if journalist:
        types.add(AuthorType.journalist)
        add(AuthorType.journalist, ReasonCode.journalist_bio, cue=journalist.group(0))
    else:
        if handle in KNOWN_OUTLETS:
            add(AuthorType.media_outlet, ReasonCode.outlet_known, handle="@" + handle)
        outlet_name = _OUTLET_HANDLE.search(handle) or _OUTLET_NAME.search(name)
        if outlet_name:
            add(AuthorType.media_outlet, ReasonCode.outlet_name, cue=outlet_name.group(0))
        outlet_cues = list(dict.fromkeys(match.group(0) for match in _OUTLET_BIO.finditer(bio)))
        if len(outlet_cues) >= 2:
            add(AuthorType.media_outlet, ReasonCode.outlet_bio, cues=", ".join(outlet_cues[:3]))
        if AuthorType.media_outlet in reasons:
            types.add(AuthorType.media_outlet)

    public = _PUBLIC_BODY.search(bio) or _PUBLIC_BODY.search(name) or _PUBLIC_HANDLE.search(handle)
    if public:
        add(AuthorType.public_body, ReasonCode.public_body_name, cue=public.group(0))
    domain = _GOV_DOMAIN.search(bio)
    if domain:
        add(AuthorType.public_body, ReasonCode.public_body_domain, cue=domain.group(0))
    if AuthorType.public_body in reasons:
        types.add(AuthorType.public_body)

    if handle in _handles(competitors):
        types.add(AuthorType.competitor)
        add(AuthorType.competitor, ReasonCode.competitor_listed, handle="@" + handle)

    employer = _employer(bio)
    if handle in _handles(employees):
        types.add(AuthorType.employee)
        add(AuthorType.employee, ReasonCode.employee_listed, handle="@" + handle)
    if employer is not None:
        brand = _matching_brand(employer[0], brands)
        if brand is not None:
            types.add(AuthorType.employee)
            add(AuthorType.employee, ReasonCode.employee_bio, employer=brand, cue=employer[1])

    organisation = types & {AuthorType.media_outlet, AuthorType.public_body, AuthorType.competitor}
    if not organisation:
        _influence(author, bio, add)
        if AuthorType.influencer in reasons:
            types.add(AuthorType.influencer)

    if history is not None and history.known_customer:
        add(AuthorType.customer, ReasonCode.customer_known)
    for text in author.recent_texts:
        purchase = _CUSTOMER.search(fold(text))
        if purchase:
            add(AuthorType.customer, ReasonCode.customer_text, cue=purchase.group(0))
            break
    if AuthorType.customer in reasons and not organisation:
        types.add(AuthorType.customer)

    score = _automation(author, handle, now, add)
    automated = score >= AUTOMATION_THRESHOLD
    if automated:
        if author.verified or types & {AuthorType.media_outlet, AuthorType.public_body}:
            add("automation", ReasonCode.automated_publisher)
        else:
            types.add(AuthorType.bot)
            reasons[AuthorType.bot] = list(reasons["automation"])

    complainer: Complainer | None = None
    if history is not None:
        if history.previous_negative_mentions >= REPEAT_COMPLAINER_MIN:
            complainer = Complainer.repeat
            add("complainer", ReasonCode.complainer_repeat, count=history.previous_negative_mentions)
        else:
            complainer = Complainer.first_time
            add("complainer", ReasonCode.complainer_first)

    return AuthorProfile(
        handle=author.handle,
        platform=author.platform,
        followers=author.followers,
        reach_tier=tier,
        verified=author.verified,
        types=frozenset(types),
        is_media=bool(types & {AuthorType.journalist, AuthorType.media_outlet}),
        is_likely_automated=automated,
        automation_score=round(score, 4),
        complainer=complainer,
        employer=None if employer is None else employer[0],
        # Reasons of a type the author did not get (a customer cue from an outlet) would only confuse.
        reasons={
            str(key): tuple(value)
            for key, value in reasons.items()
            if key not in _TYPE_NAMES or AuthorType(key) in types
        },
    )


def _employer(bio: str) -> tuple[str, str] | None:
    """The employer a folded bio names ("trabajo en acme" -> "acme") and the phrase, unless it is a former one."""
    for match in _WORKS_AT.finditer(bio):
        if _FORMER.search(bio[max(0, match.start() - 12) : match.start()]):
            continue
        return match.group(1), match.group(0)
    return None


def _matching_brand(employer: str, brands: Sequence[str]) -> str | None:
    words = _TOKEN.findall(employer)
    joined = "".join(words)
    for brand in brands:
        folded = _TOKEN.findall(fold(brand))
        if not folded:
            continue
        # "acme", "acme foods", "@acmefoods": the brand's words in a row, or glued as a handle.
        size = len(folded)
        if any(words[i : i + size] == folded for i in range(len(words) - size + 1)) or joined.startswith(
            "".join(folded)
        ):
            return brand
    return None


def _influence(author: AuthorFacts, bio: str, add: Callable[..., None]) -> None:
    followers = author.followers or 0
    if followers >= INFLUENCER_FOLLOWERS_ALONE:
        add(AuthorType.influencer, ReasonCode.influencer_followers, followers=followers)
        return
    if followers < INFLUENCER_MIN_FOLLOWERS:
        return
    creator = _CREATOR.search(bio)
    if creator:
        add(AuthorType.influencer, ReasonCode.influencer_creator, cue=creator.group(0))
    if author.avg_engagement is not None and author.avg_engagement >= 0:
        rate = author.avg_engagement / followers
        if rate >= INFLUENCER_ENGAGEMENT_RATE:
            add(AuthorType.influencer, ReasonCode.influencer_engagement, rate=round(100 * rate, 1), followers=followers)


def _automation(author: AuthorFacts, handle: str, now: datetime, add: Callable[..., None]) -> float:
    """Noisy-OR of the automation signals; each signal found is recorded under "automation"."""
    found: list[str] = []

    def signal(code: ReasonCode, **params: str | int | float) -> None:
        found.append(code.value)
        add("automation", code, **params)

    times = sorted(author.recent_post_times)
    if len(times) >= CADENCE_MIN_POSTS:
        gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(times)]
        mean = statistics.fmean(gaps)
        if mean > 0:
            variation = statistics.pstdev(gaps) / mean
            if variation <= CADENCE_MAX_VARIATION:
                signal(ReasonCode.bot_cadence, minutes=round(mean / 60, 1), variation=round(100 * variation, 1))
        median = statistics.median(gaps)
        if median < BURST_MAX_MEDIAN_SECONDS:
            signal(ReasonCode.bot_high_frequency, count=len(times), seconds=round(median, 1))

    if author.account_created_at is not None and author.posts_count is not None:
        age_days = max((now - author.account_created_at).total_seconds() / 86_400, 1.0)
        per_day = author.posts_count / age_days
        if age_days < NEW_ACCOUNT_DAYS and per_day >= NEW_ACCOUNT_POSTS_PER_DAY:
            signal(ReasonCode.bot_new_account, days=math.floor(age_days), posts=author.posts_count)
        elif per_day >= LIFETIME_POSTS_PER_DAY:
            signal(ReasonCode.bot_daily_volume, per_day=round(per_day))

    if _DEFAULT_HANDLE.fullmatch(handle):
        signal(ReasonCode.bot_default_handle, handle="@" + handle)

    texts = [" ".join(_TOKEN.findall(fold(text))) for text in author.recent_texts]
    texts = [text for text in texts if text]
    if len(texts) >= DUPLICATE_MIN_TEXTS:
        duplicates = len(texts) - len(set(texts))
        if duplicates / len(texts) >= DUPLICATE_SHARE:
            signal(ReasonCode.bot_duplicates, duplicates=duplicates, total=len(texts))

    following, followers = author.following or 0, author.followers or 0
    if following >= FOLLOW_RATIO_MIN_FOLLOWING and following >= FOLLOW_RATIO * max(followers, 1):
        signal(ReasonCode.bot_follow_ratio, following=following, followers=followers)

    keep = 1.0
    for code in found:
        keep *= 1.0 - _WEIGHTS[code]
    return 1.0 - keep


__all__ = [
    "AUTOMATION_THRESHOLD",
    "INFLUENCER_ENGAGEMENT_RATE",
    "INFLUENCER_FOLLOWERS_ALONE",
    "INFLUENCER_MIN_FOLLOWERS",
    "KNOWN_OUTLETS",
    "REPEAT_COMPLAINER_MIN",
    "TIER_LIMITS",
    "AuthorFacts",
    "AuthorHistory",
    "AuthorProfile",
    "AuthorType",
    "Complainer",
    "ReachTier",
    "Reason",
    "ReasonCode",
    "profile_author",
    "reach_tier",
    "tier_label",
]
