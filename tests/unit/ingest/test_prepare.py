"""The CPU half of ingestion, and its trip across a process boundary."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import orjson
import pytest

from baliza.ingest import prepare as prepare_module
from baliza.ingest.matching import RuleSpec
from baliza.ingest.parsing import ParsedRow
from baliza.ingest.prepare import PrepareConfig, Preparer, pack, unpack
from baliza.ingest.schemas import RowIssue

CONFIG = PrepareConfig(
    workspace_id=7,
    workspace_slug="acme",
    rules=(RuleSpec(id=1, brand_names=("Acme",)), RuleSpec(id=2, hashtags=("#AcmeNoLlega",))),
    analysis=False,
)


def row(n: int, **overrides: object) -> ParsedRow:
    data: dict[str, object] = {
        "platform": "mastodon",
        "external_id": f"m{n}",
        "text": "Acme no llega #AcmeNoLlega",
        "created_at": f"2026-11-20T13:0{n}:30+01:00",
        "author": {"handle": "@ana", "followers": 10 * n},
        "likes": n,
    }
    data.update(overrides)
    return ParsedRow(n, data)


def test_prepare_counts_rejects_skips_and_batch_duplicates() -> None:
    issue = RowIssue(line=9, code="invalid_json", message="x")
    batch = Preparer(CONFIG).prepare([row(1), row(2), row(1), row(3, text="nada"), issue, row(4, likes=-1)])
    report = batch.report
    assert (report.received, report.duplicates, report.skipped, report.rejected) == (6, 1, 1, 2)
    assert list(batch.ready) == [("mastodon", "m1"), ("mastodon", "m2")]
    first = batch.ready[("mastodon", "m1")]
    assert first.mention["created_at"] == datetime(2026, 11, 20, 12, 1, 30, tzinfo=UTC)
    assert first.minute == datetime(2026, 11, 20, 12, 1, tzinfo=UTC)
    assert first.series == ("all", "platform:mastodon", "lang:und", "rule:1", "rule:2")
    # the author row kept for the batch is the latest one seen
    assert batch.authors[("mastodon", "@ana")]["followers"] == 20
    assert batch.buckets[("all", datetime(2026, 11, 20, 12, 2, tzinfo=UTC))] == [1, 20, 2]


def test_json_lines_keep_their_original_text_as_raw() -> None:
    line = b'{"platform": "x", "external_id": "1", "text": "Acme",  "created_at": "2026-11-20T12:00:00Z"}\n'
    batch = Preparer(CONFIG).prepare_lines([(1, line)])
    [item] = batch.ready.values()
    assert item.mention["raw"] == line.strip()


def test_pack_then_unpack_gives_back_the_same_batch() -> None:
    batch = Preparer(CONFIG).prepare([row(1), row(2, author=None), row(3, url="https://acme.es/x?utm_id=1")])
    again = unpack(pickle.loads(pickle.dumps(pack(batch))))
    assert again.report == batch.report
    assert again.authors == batch.authors
    assert again.buckets == batch.buckets
    assert list(again.ready) == list(batch.ready)
    for key, item in batch.ready.items():
        other = again.ready[key]
        # the raw payload crosses as JSON bytes and is stored as such
        assert other.mention == {**item.mention, "raw": orjson.dumps(item.mention["raw"])}
        assert (other.author_key, other.reach, other.engagement, other.minute, other.series) == (
            item.author_key,
            item.reach,
            item.engagement,
            item.minute,
            item.series,
        )


def test_the_fast_path_analysis_fills_fields_and_series() -> None:
    config = PrepareConfig(workspace_id=7, workspace_slug="acme", rules=CONFIG.rules, analysis=True)
    batch = Preparer(config).prepare(
        [
            row(1, text="Genial, tercer día sin pedido de Acme 👏👏 #AcmeNoLlega"),
            row(2, text="Gracias Acme, todo perfecto"),
        ]
    )
    angry, happy = batch.ready[("mastodon", "m1")], batch.ready[("mastodon", "m2")]
    assert (angry.mention["lang"], angry.mention["sentiment"]) == ("es", "negative")
    assert angry.mention["sentiment_score"] < 0 and "delivery" in angry.mention["issue_types"]
    assert "rule:sarcasm" in angry.mention["analysis"]["sentiment_cues"]
    assert {"sentiment:negative", "issue:delivery", "issue:complaint"} <= set(angry.series)
    assert happy.mention["sentiment"] == "positive" and "sentiment:positive" in happy.series
    off = Preparer(CONFIG).prepare([row(1)]).ready[("mastodon", "m1")]
    assert (off.mention["sentiment"], off.mention["issue_types"], off.mention["analysis"]) == (None, [], {})


def test_copies_of_a_text_are_analysed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = prepare_module.analyse

    def counting(text: str, lang: str | None = None) -> prepare_module.Analysis:
        calls.append(text)
        return real(text, lang)

    monkeypatch.setattr(prepare_module, "analyse", counting)
    config = PrepareConfig(workspace_id=7, workspace_slug="acme", rules=CONFIG.rules, analysis=True)
    text = "Acme no llega #AcmeNoLlega"
    batch = Preparer(config).prepare([row(i, text=text) for i in range(1, 6)] + [row(9, text="Acme, gracias")])
    assert len(batch.ready) == 6
    assert calls == [text, "Acme, gracias"]
    assert {item.mention["sentiment"] for key, item in batch.ready.items() if key[1] != "m9"} == {"negative"}
