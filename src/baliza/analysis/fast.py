"""The fast path for one post: language, sentiment, issue types — pure, microseconds each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from baliza.analysis.issue_types import IssueTypes, issue_types
from baliza.analysis.language import LanguageGuess, detect_language
from baliza.analysis.sentiment import Sentiment, sentiment


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the fast path says about one post."""

    language: LanguageGuess
    sentiment: Sentiment
    issues: IssueTypes

    def as_dict(self) -> dict[str, Any]:
        """The fields ``baliza analyze`` adds to each line."""
        return {
            "lang": self.language.lang,
            "lang_confidence": round(self.language.confidence, 3),
            "sentiment": {
                "label": self.sentiment.label,
                "score": round(self.sentiment.score, 4),
                "cues": list(self.sentiment.cues),
            },
            "topics": list(self.issues.ids),
            "issue_types": [
                {"type": label.type.value, "confidence": round(label.confidence, 3), "cues": list(label.cues)}
                for label in self.issues.labels
            ],
        }


def analyse(text: str, lang_hint: str | None = None) -> Analysis:
    """Language first (the platform's own tag as a hint), then sentiment and issue types in that language."""
    language = detect_language(text, hint=lang_hint)
    lang = language.lang
    return Analysis(language, sentiment(text, lang), issue_types(text, lang))


__all__ = ["Analysis", "analyse"]
