"""The severity matrix: from what a signal shows to a proposed SEV level, with every reason listed.

Points add up from independent factors, each one a line a person can read and disagree with:

| factor                         | points                                                    |
|--------------------------------|-----------------------------------------------------------|
| anomaly strength (obs/expected)| ≥2× +1, ≥3× +2, ≥6× +3 (a signal with no rate: +0)        |
| negative share                 | ≥50 % +1, ≥70 % +2                                        |
| reach (largest author)         | ≥50k followers +1, ≥500k +2                               |
| velocity (mentions per minute) | ≥10/min +1, ≥50/min +2                                    |
| issue-type risk                | safety, data, legal, health +2; conduct, marketing, boycott +1 |
| media or influencer present    | journalist/media +2, influencer +1                        |
| cross-platform spread          | 2 platforms +1, ≥3 platforms +2                           |

Total ≥ 8 → SEV1, ≥ 5 → SEV2, ≥ 2 → SEV3, otherwise SEV4. Two floors keep a dangerous topic from
hiding behind small numbers: a high-risk issue type with media present is at least SEV2, and health
plus cross-platform spread is SEV1. The thresholds are deliberately simple so that a plan reviewer can
reproduce a triage decision by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from baliza.core.i18n import _, number, percent

SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
HIGH_RISK_ISSUES = frozenset({"product_quality", "privacy", "legal", "health"})
MEDIUM_RISK_ISSUES = frozenset({"conduct", "marketing", "boycott"})
MEDIA_TYPES = frozenset({"journalist", "media_outlet"})


@dataclass(frozen=True)
class TriageFacts:
    """What the alert shows, reduced to the factors of the matrix."""

    ratio: float | None = None  # observed / expected over the signal window (None: not a rate)
    negative_share: float | None = None
    max_followers: int = 0
    mentions_per_minute: float = 0.0
    issue_types: tuple[str, ...] = ()
    author_types: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reason:
    """One line of the decision: the factor, its points and a sentence for people."""

    factor: str
    points: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"factor": self.factor, "points": self.points, "message": self.message}


@dataclass(frozen=True)
class Triage:
    """A proposed severity and why."""

    severity: str
    points: int
    reasons: list[Reason] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "points": self.points, "reasons": [r.as_dict() for r in self.reasons]}


def _tiered(value: float, tiers: Iterable[tuple[float, int]]) -> int:
    points = 0
    for threshold, tier_points in tiers:
        if value >= threshold:
            points = tier_points
    return points


def propose_severity(facts: TriageFacts) -> Triage:
    """Score ``facts`` on the matrix; the reasons are in the active language."""
    reasons: list[Reason] = []

    def add(factor: str, points: int, message: str) -> None:
        if points:
            reasons.append(Reason(factor, points, message))

    if facts.ratio is not None:
        add(
            "anomaly",
            _tiered(facts.ratio, [(2.0, 1), (3.0, 2), (6.0, 3)]),
            _("{ratio}× the expected volume").format(ratio=number(facts.ratio, 1)),
        )
    if facts.negative_share is not None:
        add(
            "negative_share",
            _tiered(facts.negative_share, [(0.5, 1), (0.7, 2)]),
            _("{share} of the mentions are negative").format(share=percent(facts.negative_share)),
        )
    add(
        "reach",
        _tiered(facts.max_followers, [(50_000, 1), (500_000, 2)]),
        _("an author with {followers} followers").format(followers=number(facts.max_followers)),
    )
    add(
        "velocity",
        _tiered(facts.mentions_per_minute, [(10, 1), (50, 2)]),
        _("{rate} mentions a minute").format(rate=number(facts.mentions_per_minute, 0)),
    )
    high = sorted(set(facts.issue_types) & HIGH_RISK_ISSUES)
    medium = sorted(set(facts.issue_types) & MEDIUM_RISK_ISSUES)
    if high:
        add("issue_risk", 2, _("high-risk topic: {types}").format(types=", ".join(high)))
    elif medium:
        add("issue_risk", 1, _("sensitive topic: {types}").format(types=", ".join(medium)))
    media = bool(set(facts.author_types) & MEDIA_TYPES)
    if media:
        add("media", 2, _("journalists or media are talking about it"))
    elif "influencer" in facts.author_types:
        add("media", 1, _("an influencer is talking about it"))
    spread = len(set(facts.platforms))
    add(
        "spread",
        _tiered(spread, [(2, 1), (3, 2)]),
        _("spreading across {n} platforms").format(n=spread),
    )

    points = sum(r.points for r in reasons)
    severity = "sev1" if points >= 8 else "sev2" if points >= 5 else "sev3" if points >= 2 else "sev4"
    floor = None
    if high and media:
        floor = "sev2"
        floor_reason = _("a high-risk topic with media attention is at least SEV2")
    if "health" in facts.issue_types and spread >= 2:
        floor = "sev1"
        floor_reason = _("health information spreading across platforms is SEV1")
    if floor is not None and SEVERITIES.index(floor) < SEVERITIES.index(severity):
        severity = floor
        reasons.append(Reason("floor", 0, floor_reason))
    return Triage(severity=severity, points=points, reasons=reasons)


def facts_from_evidence(detector: str, evidence: dict[str, Any], *, window_minutes: int) -> TriageFacts:
    """Read the matrix's factors out of a signal's evidence (whatever that detector recorded)."""
    posts = evidence.get("top_posts") or []
    authors = evidence.get("top_authors") or []
    followers = [int(p.get("followers") or 0) for p in posts] + [int(a.get("followers") or 0) for a in authors]
    if isinstance(evidence.get("author"), dict):
        followers.append(int(evidence["author"].get("followers") or 0))
    ratio = evidence.get("ratio")
    if ratio is None and detector == "negative_share":
        expected = float(evidence.get("expected_negative") or 0)
        ratio = float(evidence.get("negative") or 0) / expected if expected > 0 else None
    share = evidence.get("observed_share")
    if share is None:
        share = evidence.get("negative_share")
    observed = float(evidence.get("observed") or evidence.get("total") or evidence.get("mentions_in_window") or 0)
    issue_types = tuple(evidence.get("issue_types") or ())
    if not issue_types:
        counts: dict[str, int] = {}
        for post in posts:
            for issue in post.get("issue_types") or ():
                counts[issue] = counts.get(issue, 0) + 1
        issue_types = tuple(sorted(counts))
    author_types: set[str] = set(evidence.get("author_types") or ())
    for item in [*posts, *authors, evidence.get("author") or {}]:
        author_types.update(item.get("author_types") or ())
    platforms = {str(p.get("platform")) for p in posts if p.get("platform")}
    platforms.update(evidence.get("platforms") or ())
    return TriageFacts(
        ratio=float(ratio) if ratio is not None else None,
        negative_share=float(share) if share is not None else None,
        max_followers=max(followers, default=0),
        mentions_per_minute=observed / max(window_minutes, 1) if detector != "high_reach_author" else 0.0,
        issue_types=issue_types,
        author_types=tuple(sorted(author_types)),
        platforms=tuple(sorted(platforms)),
    )


__all__ = [
    "HIGH_RISK_ISSUES",
    "SEVERITIES",
    "Reason",
    "Triage",
    "TriageFacts",
    "facts_from_evidence",
    "propose_severity",
]
