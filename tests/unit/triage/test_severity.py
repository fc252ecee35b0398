"""The severity matrix: points per factor, thresholds, floors and the reasons people read."""

from __future__ import annotations

import pytest

from baliza.core.i18n import use_locale
from baliza.triage.severity import TriageFacts, facts_from_evidence, propose_severity


def test_isolated_noise_is_sev4_with_no_reasons() -> None:
    triage = propose_severity(TriageFacts(ratio=1.4, negative_share=0.3, max_followers=800, mentions_per_minute=1))
    assert (triage.severity, triage.points, triage.reasons) == ("sev4", 0, [])


def test_the_demo_delivery_crisis_is_sev2() -> None:
    # 3.4x volume, 78 % negative, a 250k influencer, 35 a minute, one platform.
    facts = TriageFacts(
        ratio=3.4,
        negative_share=0.78,
        max_followers=250_000,
        mentions_per_minute=35,
        issue_types=("complaint", "delivery"),
        author_types=("influencer",),
        platforms=("x",),
    )
    triage = propose_severity(facts)
    assert triage.severity == "sev2"
    assert [(r.factor, r.points) for r in triage.reasons] == [
        ("anomaly", 2),
        ("negative_share", 2),
        ("reach", 1),
        ("velocity", 1),
        ("media", 1),
    ]
    assert triage.points == 7
    assert triage.reasons[0].message == "3.4× the expected volume"


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (TriageFacts(ratio=2.0), "sev4"),  # 1 point
        (TriageFacts(ratio=3.0), "sev3"),  # 2 points
        (TriageFacts(ratio=6.0, negative_share=0.5, max_followers=50_000), "sev2"),  # 3+1+1
        (TriageFacts(ratio=6.0, negative_share=0.7, max_followers=500_000, platforms=("x", "tiktok")), "sev1"),  # 8
        (TriageFacts(platforms=("x", "facebook", "instagram")), "sev3"),  # spread alone: 2
    ],
)
def test_thresholds(facts: TriageFacts, expected: str) -> None:
    assert propose_severity(facts).severity == expected


def test_a_risky_topic_with_a_journalist_is_at_least_sev2_even_when_small() -> None:
    triage = propose_severity(TriageFacts(ratio=1.0, issue_types=("privacy",), author_types=("journalist",)))
    assert triage.points == 4  # would be sev3 on points alone
    assert triage.severity == "sev2"
    assert triage.reasons[-1].factor == "floor"


def test_health_spreading_across_platforms_is_sev1() -> None:
    triage = propose_severity(TriageFacts(issue_types=("health",), platforms=("x", "facebook")))
    assert triage.severity == "sev1"


def test_reasons_follow_the_reader_language() -> None:
    with use_locale("es"):
        triage = propose_severity(TriageFacts(ratio=3.0, negative_share=0.75, author_types=("journalist",)))
    assert [r.message for r in triage.reasons] == [
        "3,0× el volumen esperado",
        "el 75\xa0% de las menciones son negativas",
        "hablan de ello periodistas o medios",
    ]


def test_facts_from_volume_evidence() -> None:
    evidence = {
        "observed": 120.0,
        "ratio": 4.0,
        "top_posts": [
            {"platform": "x", "followers": 250_000, "issue_types": ["delivery"], "author_types": ["influencer"]},
            {"platform": "instagram", "followers": 900, "issue_types": ["delivery", "complaint"]},
        ],
        "top_authors": [{"followers": 12_000}],
    }
    facts = facts_from_evidence("volume", evidence, window_minutes=4)
    assert facts == TriageFacts(
        ratio=4.0,
        negative_share=None,
        max_followers=250_000,
        mentions_per_minute=30.0,
        issue_types=("complaint", "delivery"),
        author_types=("influencer",),
        platforms=("instagram", "x"),
    )


def test_facts_from_a_negative_share_signal_compute_the_ratio() -> None:
    evidence = {"observed_share": 0.8, "negative": 40, "expected_negative": 10.0, "total": 50}
    facts = facts_from_evidence("negative_share", evidence, window_minutes=5)
    assert (facts.ratio, facts.negative_share, facts.mentions_per_minute) == (4.0, 0.8, 10.0)
