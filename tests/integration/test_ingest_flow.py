"""The ingest flow against real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from baliza.core.config import Settings
from baliza.core.errors import PayloadTooLargeError, WorkspaceNotFoundError
from baliza.ingest import service as ingest_service
from baliza.ingest.flows import ingest_items
from baliza.ingest.models import Author, Mention, MentionRollup
from baliza.storage.db import Database
from tests.factories import make_workspace, mention


async def _rows(db: Database) -> list[Mention]:
    async with db.session() as session:
        return list((await session.execute(select(Mention).order_by(Mention.external_id))).scalars())


async def _rollup(db: Database, series: str) -> dict[datetime, tuple[int, int, int]]:
    async with db.session() as session:
        rows = (await session.execute(select(MentionRollup).where(MentionRollup.series == series))).scalars()
        return {r.minute_at: (r.count, r.reach, r.engagement) for r in rows}


async def test_stores_normalised_matched_mentions(db: Database, settings: Settings) -> None:
    await make_workspace(db)
    item = mention(
        1, text="  Mi  pedido\u00a0de ACME\r\n\r\n\r\n\r\nno llegó   https://acme.es/p?utm_source=tw&id=4#top  "
    )
    report = await ingest_items(db, slug="acme", items=[item], settings=settings)
    assert (report.received, report.stored, report.rejected, report.skipped) == (1, 1, 0, 0)
    [row] = await _rows(db)
    assert row.text == "Mi pedido de ACME\n\nno llegó https://acme.es/p?utm_source=tw&id=4#top"
    assert row.urls == ["https://acme.es/p?id=4"]
    assert row.url == "https://mastodon.social/@lucia/1"
    assert row.created_at == datetime(2026, 11, 20, 12, 0, 20, tzinfo=UTC)
    assert row.raw["text"] == item["text"]
    assert row.source == "api"
    assert len(row.rule_ids) == 1


async def test_accent_and_case_insensitive_matching(db: Database, settings: Settings) -> None:
    await make_workspace(db)
    items = [
        mention(1, text="el camion de acme viene tarde"),  # rule keyword is "camión de acme"
        mention(2, text="Hoy pedí en FRESHBOX"),
        mention(3, text="acme corp bolivia abre oficina"),  # excluded
        mention(4, text="nada que ver con la marca"),
    ]
    report = await ingest_items(db, slug="acme", items=items, settings=settings)
    assert (report.stored, report.skipped) == (2, 2)
    assert [s.index for s in report.skipped_rows] == [2, 3]
    assert {s.code for s in report.skipped_rows} == {"no_rule_matched"}
    rows = await _rows(db)
    assert [r.external_id for r in rows] == ["m1", "m2"]


async def test_same_input_twice_gives_same_rows_and_rollups(db: Database, settings: Settings) -> None:
    await make_workspace(db)
    items = [mention(i) for i in range(1, 121)]
    first = await ingest_items(db, slug="acme", items=items, settings=settings)
    rows_before = [(r.id, r.external_id, r.text) for r in await _rows(db)]
    rollup_before = await _rollup(db, "all")
    second = await ingest_items(db, slug="acme", items=items, settings=settings)
    assert (first.stored, first.duplicates) == (120, 0)
    assert (second.stored, second.duplicates) == (0, 120)
    assert [(r.id, r.external_id, r.text) for r in await _rows(db)] == rows_before
    assert await _rollup(db, "all") == rollup_before
    assert sum(c for c, _r, _e in rollup_before.values()) == 120


async def test_duplicates_within_one_batch_are_counted_once(db: Database, settings: Settings) -> None:
    await make_workspace(db)
    report = await ingest_items(db, slug="acme", items=[mention(1), mention(1), mention(2)], settings=settings)
    assert (report.stored, report.duplicates) == (2, 1)


async def test_rollups_per_minute_and_series(db: Database, settings: Settings) -> None:
    await make_workspace(db)
    # mentions 1..5 fall every 20 s from 12:00:20: minutes 12:00 (1,2), 12:01 (3,4,5)
    items = [mention(i) for i in range(1, 6)]
    items[4]["platform"] = "bluesky"
    await ingest_items(db, slug="acme", items=items, settings=settings)
    total = await _rollup(db, "all")
    m0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    m1 = datetime(2026, 11, 20, 12, 1, tzinfo=UTC)
    assert {k: v[0] for k, v in total.items()} == {m0: 2, m1: 3}
    assert total[m0][1] == 101 + 102  # reach = followers
    assert total[m0][2] == 2 * 3  # engagement = likes + reposts
    assert {k: v[0] for k, v in (await _rollup(db, "platform:bluesky")).items()} == {m1: 1}
    assert sum(v[0] for v in (await _rollup(db, "lang:es")).values()) == 5


async def test_authors_are_upserted_and_linked(db: Database, settings: Settings) -> None:
    await make_workspace(db)
    items = [mention(i) for i in range(1, 7)]  # three distinct handles
    items[5]["author"] = {"handle": items[5]["author"]["handle"], "followers": 250_000, "verified": True}
    await ingest_items(db, slug="acme", items=items, settings=settings)
    async with db.session() as session:
        authors = {a.handle: a for a in (await session.execute(select(Author))).scalars()}
        linked = (await session.execute(select(func.count()).where(Mention.author_id.is_not(None)))).scalar_one()
    assert len(authors) == 3
    assert linked == 6
    big = authors[items[5]["author"]["handle"]]
    assert (big.followers, big.is_verified) == (250_000, True)


async def test_bad_rows_are_reported_and_good_rows_kept(db: Database, settings: Settings) -> None:
    await make_workspace(db)
    items = [
        mention(1),
        {k: v for k, v in mention(2).items() if k != "external_id"},
        mention(3, created_at="2026-11-20T12:00:00"),
        mention(4, likes="many"),
        mention(5, text="x" * (settings.max_text_chars + 1)),
        mention(6, text="Acme\x00 rota"),
        mention(7, text=12345),
        "not an object",
        mention(9),
    ]
    report = await ingest_items(db, slug="acme", items=items, settings=settings)
    assert (report.received, report.stored, report.rejected) == (9, 2, 7)
    by_index = {e.index: e for e in report.errors}
    assert by_index[1].field == "external_id" and by_index[1].code == "missing"
    assert by_index[2].field == "created_at" and by_index[2].code == "timezone_aware"
    assert by_index[2].value == "2026-11-20T12:00:00"
    assert by_index[3].field == "likes" and by_index[3].value == "many"
    assert by_index[4].field == "text" and "limit is 20000" in by_index[4].message
    assert by_index[5].field == "text" and "U+0000" in by_index[5].message
    assert by_index[6].field == "text" and by_index[6].code == "string_type"
    assert by_index[7].code == "not_an_object"
    assert report.accounted == report.received


async def test_unknown_workspace_is_a_clear_error(db: Database, settings: Settings) -> None:
    with pytest.raises(WorkspaceNotFoundError, match="'nope'"):
        await ingest_items(db, slug="nope", items=[mention(1)], settings=settings)


async def test_oversized_batch_is_refused_whole(db: Database, settings: Settings) -> None:
    await make_workspace(db)
    with pytest.raises(PayloadTooLargeError):
        await ingest_items(db, slug="acme", items=[mention(i) for i in range(501)], settings=settings)
    assert await _rows(db) == []


async def test_keep_unmatched_and_workspace_without_rules(db: Database, settings: Settings) -> None:
    await make_workspace(db)
    await make_workspace(db, slug="open", rules=[])
    off_topic = mention(1, text="nada que ver")
    kept = await ingest_items(db, slug="acme", items=[off_topic], settings=settings, keep_unmatched=True)
    open_ws = await ingest_items(db, slug="open", items=[off_topic], settings=settings)
    assert (kept.stored, open_ws.stored) == (1, 1)
    rows = await _rows(db)
    assert [r.rule_ids for r in rows] == [[], []]


async def test_control_characters_outside_text_name_their_field(db: Database, settings: Settings) -> None:
    await make_workspace(db)
    items = [
        mention(1, external_id="id\x07"),
        mention(2, author={"handle": "@ana\x1b[31m", "followers": 3}),
        mention(3, url="https://acme.es/\u0085x"),
    ]
    report = await ingest_items(db, slug="acme", items=items, settings=settings)
    assert report.rejected == 3
    assert [(e.index, e.field, e.code) for e in report.errors] == [
        (0, "external_id", "control_character"),
        (1, "author.handle", "control_character"),
        (2, "url", "control_character"),
    ]
    assert report.errors[0].message == "contains the control character U+0007 at position 2"
    assert report.errors[1].value == "@ana\x1b[31m"


async def test_known_author_is_refreshed_by_a_later_batch(db: Database, settings: Settings) -> None:
    await make_workspace(db)
    first = mention(1, author={"handle": "@marta", "display_name": "Marta", "followers": 1000})
    later = mention(2, author={"handle": "@marta", "followers": 250_000, "verified": True})
    await ingest_items(db, slug="acme", items=[first], settings=settings)
    await ingest_items(db, slug="acme", items=[later], settings=settings)
    async with db.session() as session:
        [author] = (await session.execute(select(Author))).scalars()
        mentions = (await session.execute(select(Mention.author_id))).scalars().all()
    assert (author.handle, author.display_name, author.followers, author.is_verified) == (
        "@marta",
        "Marta",
        250_000,
        True,
    )
    assert author.last_seen_at == datetime(2026, 11, 20, 12, 0, 40, tzinfo=UTC)
    assert author.first_seen_at == datetime(2026, 11, 20, 12, 0, 20, tzinfo=UTC)
    assert list(mentions) == [author.id, author.id]


async def test_analysis_is_stored_and_counted(db: Database, settings: Settings) -> None:
    await make_workspace(db)
    items = [
        mention(1, text="Qué vergüenza, Acme: tercer día sin pedido y nadie contesta 😡", lang=None),
        mention(2, text="Thanks Acme, delivery was quick and friendly!", lang="en"),
        mention(3, text="Acme no llega. Estafa. Nunca más #AcmeNoLlega", lang="es"),
    ]
    await ingest_items(db, slug="acme", items=items, settings=settings)
    rows = {r.external_id: r for r in await _rows(db)}
    assert (rows["m1"].lang, rows["m1"].sentiment) == ("es", "negative")
    assert (rows["m2"].lang, rows["m2"].sentiment) == ("en", "positive")
    assert rows["m3"].sentiment == "negative" and "delivery" in rows["m3"].issue_types
    assert rows["m1"].analysis["sentiment_cues"]
    negative = await _rollup(db, "sentiment:negative")
    assert sum(count for count, _reach, _eng in negative.values()) == 2
    assert sum(c for c, _r, _e in (await _rollup(db, "issue:delivery")).values()) >= 2

    off = settings.model_copy(update={"analysis": False})
    await ingest_items(db, slug="acme", items=[mention(4, text="Acme sin analizar")], settings=off)
    quiet = {r.external_id: r for r in await _rows(db)}["m4"]
    assert (quiet.sentiment, quiet.issue_types, quiet.analysis) == (None, [], {})


async def test_each_series_maps_back_to_its_mentions(db: Database, settings: Settings) -> None:
    workspace = await make_workspace(db)
    items = [
        mention(1, text="Acme: mi pedido no llegó, qué vergüenza 😡", platform="bluesky"),
        mention(2, text="Gracias Acme, todo perfecto 😍"),
        mention(3, text="FreshBox abre una tienda en Valencia"),
    ]
    await ingest_items(db, slug="acme", items=items, settings=settings)
    since, until = datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC)

    async def ids(series: str) -> list[str]:
        async with db.session() as session:
            rows = await ingest_service.mentions_in_window(
                db_session=session, workspace_id=workspace.id, series=series, since=since, until=until
            )
        return sorted(m.external_id for m, _a in rows)

    assert await ids("all") == ["m1", "m2", "m3"]
    assert await ids("platform:bluesky") == ["m1"]
    assert await ids("sentiment:negative") == ["m1"]
    assert await ids("sentiment:positive") == ["m2"]
    assert await ids("issue:delivery") == ["m1"]
    assert "m1" in await ids("lang:es")
