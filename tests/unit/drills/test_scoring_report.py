"""The drill report's text: a table of checks, what went well, what to change — never an empty list."""

from __future__ import annotations

from baliza.core import i18n
from baliza.drills.scoring import DrillScore, ScoreItem


def test_a_perfect_drill_says_there_is_nothing_to_change() -> None:
    score = DrillScore(
        items=[ScoreItem("ack", "Time to acknowledge", "10.0 min", "3.0 min", True)],
        went_well=["Someone took charge in 3.0 min."],
    )
    text = score.as_markdown("Drill")
    assert "1 of 1 checks passed." in text
    assert "| Time to acknowledge | 10.0 min | 3.0 min | ✅ |" in text
    assert "- Nothing: every check met its target. Try a harder scenario or a slower team." in text
    assert "\n- -\n" not in text


def test_a_failed_drill_says_where_to_start_in_spanish() -> None:
    score = DrillScore(
        items=[ScoreItem("ack", "Time to acknowledge", "10.0 min", "–", False)],
        to_change=["Give the community manager a backup."],
    )
    i18n.set_locale("es")
    try:
        text = score.as_markdown("Simulacro")
    finally:
        i18n.set_locale("en")
    assert "0 of 1" not in text and "0 de 1" in text
    assert "- Nada alcanzó su objetivo esta vez; empieza por la lista de abajo." in text
    assert "- Give the community manager a backup." in text
    assert "| Time to acknowledge | 10.0 min | – | ❌ |" in text
