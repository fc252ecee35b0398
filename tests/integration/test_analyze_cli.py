"""`baliza analyze`: one output line per good input line, in the documented shape; bad lines reported."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from tests.conftest import CliRunner

LINES = [
    {"id": 1, "text": "Genial, tercer día sin pedido 👏👏 #AcmeNoLlega"},
    {"id": "b", "text": "Thanks @acmefoods, the delivery was super quick!", "lang": "en"},
    {"text": "sin id"},
    {"id": 4, "text": 42},
    {"id": 5, "text": "Me han cobrado dos veces el pedido y nadie contesta. Vergüenza.", "author": "@ana"},
]


def test_analyze_adds_language_sentiment_and_topics(tmp_path: Path, cli: CliRunner) -> None:
    src, dst = tmp_path / "posts.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(b"\n".join(orjson.dumps(x) for x in LINES) + b"\nnot json\n")
    code, out, err = cli("analyze", "--input", str(src), "--output", str(dst))
    assert code == 3
    assert "Analysed 3 posts" in out
    assert f"{src}:3: id" in err and f"{src}:4: text 42" in err and f"{src}:6:" in err
    rows = {r["id"]: r for r in (orjson.loads(x) for x in dst.read_bytes().splitlines())}
    assert set(rows) == {1, "b", 5}
    sarcasm, thanks, billing = rows[1], rows["b"], rows[5]
    assert (sarcasm["lang"], sarcasm["sentiment"]["label"]) == ("es", "negative")
    assert "delivery" in sarcasm["topics"] and "complaint" in sarcasm["topics"]
    assert (thanks["lang"], thanks["sentiment"]["label"]) == ("en", "positive")
    assert "praise" in thanks["topics"]
    assert billing["sentiment"]["label"] == "negative" and -1.0 <= billing["sentiment"]["score"] < 0
    assert {"pricing", "customer_service"} <= set(billing["topics"])
    assert all(set(r) >= {"id", "lang", "sentiment", "topics"} for r in rows.values())


def test_analyze_adds_author_profiles_and_stories(tmp_path: Path, cli: CliRunner) -> None:
    source = tmp_path / "posts.jsonl"
    lines = [
        {"id": "a", "text": "Mi pedido no llegó, qué vergüenza #AcmeNoLlega", "created_at": "2026-11-20T10:00:00Z",
         "author": {"handle": "@laura", "followers": 120_000, "bio": "Periodista en El Diario"}},
        {"id": "b", "text": "mi pedido NO llegó!! qué vergüenza #acmenollega", "created_at": "2026-11-20T10:01:00Z",
         "author": "@bob"},
        {"id": "c", "text": "Las croquetas de Acme están buenísimas", "created_at": "2026-11-20T10:02:00Z"},
    ]  # fmt: skip
    source.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, _stdout, err = cli("analyze", "--input", str(source), "--output", str(out))
    assert (code, err.strip()) == (0, "")
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["author"]["types"] == ["influencer", "journalist"]
    assert rows[0]["author"]["reach_tier"] == "macro"
    assert rows[1]["author"] == {
        "handle": "@bob", "reach_tier": "nano", "types": [], "is_likely_automated": False, "complainer": "first_time",
    }  # fmt: skip
    assert "author" not in rows[2]
    assert rows[0]["story_id"] == rows[1]["story_id"] != rows[2]["story_id"]  # the near-duplicate joins its story
    assert {t["type"] for t in rows[0]["issue_types"]} >= {"complaint", "delivery"}


def test_bench_analysis_measures_small_files(tmp_path: Path, cli: CliRunner) -> None:
    data = tmp_path / "umsab"
    data.mkdir()
    (data / "umsab_es_val.tsv").write_text(
        "label\ttext\nnegative\tQué vergüenza, nunca más compro aquí\npositive\tMe encanta, gracias!\n"
        "neutral\tMañana abre la tienda a las 9\n",
        encoding="utf-8",
    )
    (data / "umsab_en_val.tsv").write_text(
        "label\ttext\nnegative\tWorst service ever, total scam\npositive\tLove it, thank you!\n"
        "neutral\tThe store opens at 9 tomorrow\nangry\tnot a label\n",
        encoding="utf-8",
    )
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        json.dumps({"id": "es-1", "lang": "es", "kind": "complaint", "text": "Mi pedido no llegó, una estafa",
                    "sentiment": "negative", "issue_types": ["complaint", "delivery"]}) + "\n{broken\n",
        encoding="utf-8",
    )  # fmt: skip
    out = tmp_path / "scores.json"
    code, stdout, err = cli(
        "bench", "analysis", "--data", str(data), "--posts", str(posts), "--no-deep", "--json", str(out),
        "--speed", "300",
    )  # fmt: skip
    assert code == 0, err
    numbers = json.loads(out.read_text(encoding="utf-8"))
    assert numbers["umsab_val"]["es"]["fast"]["n"] == 3
    assert set(numbers["umsab_val"]["en"]) == {"vader", "fast"}
    assert numbers["umsab_val"]["en"]["fast"]["n"] == 3  # the line with an unknown label is skipped, and said so
    assert any("umsab_en_val.tsv:5" in line for line in numbers["skipped"])
    assert any("posts.jsonl:2" in line for line in numbers["skipped"])
    assert numbers["team_posts"]["es"]["fast"] == {"n": 1, "accuracy": 1.0, "macro_f1": pytest.approx(1 / 3, abs=1e-4)}
    assert numbers["speed_us_per_post"]["vader"] > 0
    assert "Skipped" in stdout
    # Speed, same run: (a) VADER alone and (b) the whole fast path on the same 300 synthetic posts.
    speed = numbers["speed"]
    assert speed["posts"] == 300 and "deep_reposts" not in speed  # --no-deep: no (c)
    assert speed["stored"] + speed["duplicates"] + speed["unmatched"] + speed["rejected"] == 300
    assert speed["stored"] > 0 and speed["rejected"] == 0
    assert speed["ratio"] == pytest.approx(speed["whole_fast_path_per_s"] / speed["vader_alone_per_s"], rel=0.01)
    assert "(b) Baliza's whole fast path" in stdout and "(b) / (a) =" in stdout
    # Where (b)'s time goes: the stages add up, and the ceiling follows from them.
    stages = speed["stages_us_per_post"]
    parts = ("prepare", "language", "sentiment", "issue_types", "store")
    assert all(stages[part] > 0 for part in parts)
    assert stages["total"] == pytest.approx(sum(stages[part] for part in parts), abs=0.3)
    assert 0 < stages["distinct_texts"] <= speed["stored"]
    assert speed["ceiling_per_s"] == pytest.approx(speed["cores"] * 1_000_000 / stages["total"], rel=0.01)
    assert "Where (b)'s time goes" in stdout


def test_bench_analysis_with_a_missing_folder_is_a_clear_error(tmp_path: Path, cli: CliRunner) -> None:
    code, _out, err = cli("bench", "analysis", "--data", str(tmp_path / "nope"), "--no-deep")
    assert code == 1
    assert "nope" in err and "Traceback" not in err


def test_analyze_deep_adds_the_deep_label_and_files_stories_by_meaning(tmp_path: Path, cli: CliRunner) -> None:
    posts = [
        {"id": "a", "text": "Acme ha filtrado los datos de sus clientes, han robado mi tarjeta"},
        {"id": "b", "text": "Me encanta el nuevo sabor de yogur de Acme, riquísimo"},
        {"id": "c", "text": "Acme leaked customer data, my card was stolen", "lang": "en"},
        {"id": "d", "text": 7},
    ]
    src, dst = tmp_path / "posts.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(b"\n".join(orjson.dumps(p) for p in posts) + b"\n")
    code, _out, err = cli("analyze", "--input", str(src), "--output", str(dst), "--deep")
    assert code == 3 and f"{src}:4: text 7" in err  # the bad line is reported, the rest analysed
    rows = {r["id"]: r for r in (orjson.loads(x) for x in dst.read_bytes().splitlines())}
    assert list(rows) == ["a", "b", "c"]
    for row in rows.values():
        assert row["sentiment_deep"]["label"] in ("negative", "neutral", "positive")
        assert sum(row["sentiment_deep"]["probs"]) == pytest.approx(1.0, abs=1e-3)
        assert "sentiment_fast" in row
    assert rows["a"]["sentiment"]["label"] == rows["c"]["sentiment"]["label"] == "negative"
    assert rows["b"]["sentiment"]["label"] == "positive"
    # The leak in Spanish and in English is one story (by meaning); the yoghurt is another.
    assert rows["a"]["story_id"] == rows["c"]["story_id"] != rows["b"]["story_id"]


def test_bench_analysis_says_what_it_could_not_find(
    tmp_path: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "umsab"
    data.mkdir()
    (data / "umsab_es_val.tsv").write_text("label\ttext\nnegative\tQué vergüenza\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # no tests/fixtures/team_posts here
    code, out, err = cli("bench", "analysis", "--data", str(data), "--no-deep", "--speed", "0")
    assert code == 0
    assert "No labelled posts at tests/fixtures/team_posts/posts.jsonl" in " ".join(err.split())
    assert "Sentiment on the UMSAB validation splits" in out
