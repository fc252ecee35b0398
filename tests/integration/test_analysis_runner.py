"""The background analysis: stories, author profiles, the workspace classifier, story detectors, restarts."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from baliza.analysis.deep_path import DeepPath
from baliza.analysis.runner import AnalysisRunner
from baliza.detection.models import Signal
from baliza.ingest.models import Author, Mention, Story
from baliza.storage.db import Database
from tests.factories import T0, make_workspace, mention

W = "/api/v1/workspaces/acme"
CLAIM = "Acme ha cerrado su almacén de Getafe y por eso no llega nada #AcmeNoLlega"


def burst(start: int, n: int, platform: str, minutes_from: int) -> list[dict[str, object]]:
    return [
        mention(
            start + i,
            platform=platform,
            external_id=f"{platform}-{start + i}",
            text=CLAIM if i % 2 else CLAIM.upper() + "!!",
            created_at=(T0 + timedelta(minutes=minutes_from, seconds=15 * i)).isoformat(),
            author={"handle": f"@p{start + i}", "followers": 50 + i},
        )
        for i in range(n)
    ]


async def test_stories_profiles_and_story_signals(db: Database, client: httpx.AsyncClient) -> None:
    await make_workspace(db)
    journalist = mention(
        900, text="¿Es verdad que Acme ha cerrado el almacén de Getafe? Pregunto para una pieza",
        author={"handle": "@laura_redactora", "display_name": "Laura Gil", "followers": 48_000,
                "bio": "Periodista en El Diario. Consumo y economía."},
        created_at=(T0 + timedelta(minutes=2)).isoformat(),
    )  # fmt: skip
    quiet = [
        mention(
            i, text=f"Pedido {i} de Acme recibido, gracias", created_at=(T0 - timedelta(minutes=40 - i)).isoformat()
        )
        for i in range(1, 4)
    ]
    assert (await client.post(f"{W}/mentions", json=[*quiet, journalist])).json()["stored"] == 4
    runner = AnalysisRunner(db, clock=lambda: T0 + timedelta(minutes=5), route=False)
    assert await runner.step() == 4
    body = burst(100, 16, "x", 0)
    assert (await client.post(f"{W}/mentions", json=body)).json()["stored"] == len(body)
    assert await runner.step() == len(body)
    assert await runner.step() == 0  # nothing new: the position is stored

    async with db.session() as session:
        story_ids = set((await session.execute(
            select(Mention.story_id).where(Mention.external_id.like("x-%")))).scalars())  # fmt: skip
        assert len(story_ids) == 1 and None not in story_ids
        story = await session.get(Story, story_ids.pop())
        assert story is not None and story.size == 16 and story.platforms == {"x": 16}
        laura = (await session.execute(select(Author).where(Author.handle == "@laura_redactora"))).scalar_one()
        assert "journalist" in laura.profile["types"]
        assert laura.profile["reach_tier"] == "mid"
        detectors = [s.detector for s in (await session.execute(select(Signal))).scalars()]
        assert detectors == ["story_growth"]

    # A restart: a new runner, the same story for the same claim, now on Mastodon too.
    more = burst(200, 6, "mastodon", 6)
    assert (await client.post(f"{W}/mentions", json=more)).json()["stored"] == 6
    again = AnalysisRunner(db, clock=lambda: T0 + timedelta(minutes=8), route=False)
    assert await again.step() == 6
    async with db.session() as session:
        ids = set((await session.execute(
            select(Mention.story_id).where(Mention.external_id.like("mastodon-2%")))).scalars())  # fmt: skip
        assert ids == {story.id}
        refreshed = await session.get(Story, story.id)
        assert refreshed is not None and refreshed.platforms == {"x": 16, "mastodon": 6}
        signals = list((await session.execute(select(Signal).order_by(Signal.id))).scalars())
        assert [(s.detector, s.series) for s in signals] == [
            ("story_growth", f"story:{story.id}"),
            ("cross_platform", f"story:{story.id}"),
        ]
        assert signals[1].evidence["platforms"] == ["mastodon", "x"]
        assert signals[1].evidence["story_id"] == story.id


async def test_the_workspace_classifier_applies_a_correction_to_a_repeat(
    db: Database, client: httpx.AsyncClient
) -> None:
    await make_workspace(db)
    text = "Otra ñapa de Acme con el pedido 7"
    await client.post(f"{W}/mentions", json=[mention(1, text=text)])
    first = (await client.get(f"{W}/mentions")).json()["items"][0]
    assert first["sentiment"] != "negative"
    await client.post(f"{W}/mentions/{first['id']}/corrections", json={"field": "sentiment", "value": "negative"})
    runner = AnalysisRunner(db, clock=lambda: T0 + timedelta(hours=1), route=False)
    await runner.step()
    await client.post(f"{W}/mentions", json=[mention(2, text=text.upper())])
    await runner.step()
    items = (await client.get(f"{W}/mentions")).json()["items"]
    repeat = next(i for i in items if i["id"] != first["id"])
    assert repeat["sentiment"] == "negative"
    assert repeat["analysis"]["adapted"]["sentiment"]["source"] == "memory"


async def test_the_deep_path_labels_stored_mentions(db: Database, client: httpx.AsyncClient) -> None:
    await make_workspace(db)
    texts = ["Es una vergüenza, nunca más compro en Acme, estafa", "I love Acme, thank you so much!"]
    await client.post(f"{W}/mentions", json=[mention(i + 1, text=t, lang=None) for i, t in enumerate(texts)])
    deep = DeepPath(db)
    runner = AnalysisRunner(db, clock=lambda: T0 + timedelta(minutes=5), deep=deep, route=False)
    await runner.step()
    processed = await deep.worker.run_once()
    assert processed >= 1
    while deep.queue.lag().backlog:
        await deep.worker.run_once()
    async with db.session() as session:
        rows = {m.text: m for m in (await session.execute(select(Mention))).scalars()}
    assert rows[texts[0]].analysis["deep"]["label"] == "negative"
    assert rows[texts[1]].analysis["deep"]["label"] == "positive"
    assert rows[texts[0]].sentiment == "negative"


LEAK_ES = "Acme ha filtrado los datos de sus clientes, han robado mi tarjeta"
LEAK_ES_2 = "Filtración en Acme: datos y tarjetas de clientes robados por hackers"
LEAK_EN = "Acme leaked customer data, my card was stolen"
YOGURT = "Me encanta el nuevo sabor de yogur de Acme, riquísimo"


async def story_of(db: Database) -> dict[str, int | None]:
    async with db.session() as session:
        rows = (await session.execute(select(Mention.text, Mention.story_id))).all()
    return {text: story_id for text, story_id in rows}


async def test_with_the_deep_path_stories_join_the_same_claim_in_other_words(
    db: Database, client: httpx.AsyncClient
) -> None:
    await make_workspace(db)
    posts = [
        mention(i, text=text, created_at=(T0 + timedelta(minutes=i)).isoformat(), author={"handle": f"@u{i}"})
        for i, text in enumerate([LEAK_ES, YOGURT, LEAK_ES_2, LEAK_EN], start=1)
    ]
    assert (await client.post(f"{W}/mentions", json=posts)).json()["stored"] == 4
    deep = DeepPath(db)  # its worker is not started: only its embedder (and cache) is shared with stories
    runner = AnalysisRunner(db, clock=lambda: T0 + timedelta(minutes=10), route=False, deep=deep)
    assert await runner.step() == 4
    stories = await story_of(db)
    # Different words, no shared link, two languages: one story by meaning; the yoghurt is another.
    assert stories[LEAK_ES] == stories[LEAK_ES_2] == stories[LEAK_EN]
    assert stories[YOGURT] not in (None, stories[LEAK_ES])
    async with db.session() as session:
        story = await session.get(Story, stories[LEAK_ES])
        assert story is not None and story.size == 3
    # The texts are in the shared cache: the deep path will not embed them again.
    assert deep.embedder.stats().misses == 4


async def test_without_the_deep_path_those_posts_stay_apart(db: Database, client: httpx.AsyncClient) -> None:
    await make_workspace(db)
    posts = [
        mention(i, text=text, created_at=(T0 + timedelta(minutes=i)).isoformat(), author={"handle": f"@u{i}"})
        for i, text in enumerate([LEAK_ES, LEAK_ES_2, LEAK_EN], start=1)
    ]
    assert (await client.post(f"{W}/mentions", json=posts)).json()["stored"] == 3
    assert await AnalysisRunner(db, clock=lambda: T0 + timedelta(minutes=10), route=False).step() == 3
    assert len(set((await story_of(db)).values())) == 3


def waiting(deep: DeepPath) -> int:
    return deep.queue.lag().waiting_mentions


async def drain(deep: DeepPath) -> None:
    while waiting(deep):
        await deep.worker.run_once()


async def test_after_a_restart_unlabelled_mentions_go_back_to_the_deep_path(
    db: Database, client: httpx.AsyncClient
) -> None:
    await make_workspace(db)
    clock = lambda: T0 + timedelta(minutes=5)  # noqa: E731
    await client.post(f"{W}/mentions", json=[mention(1, text="Es una vergüenza, nunca más compro en Acme")])
    first_deep = DeepPath(db)
    first = AnalysisRunner(db, clock=clock, deep=first_deep, route=False)
    await first.step()
    await drain(first_deep)  # mention 1 gets its deep label
    await client.post(f"{W}/mentions", json=[mention(2, text="I love Acme, thank you so much!", lang=None)])
    await first.step()  # mention 2 is queued… and the process stops before the worker gets to it
    assert waiting(first_deep) == 1

    second_deep = DeepPath(db)
    second = AnalysisRunner(db, clock=clock, deep=second_deep, route=False)
    assert await second.step() == 0  # nothing new to read…
    assert waiting(second_deep) == 1  # …but mention 2 is queued again, and only it
    await drain(second_deep)
    async with db.session() as session:
        labels = {
            m.text: (m.analysis or {}).get("deep", {}).get("label")
            for m in (await session.execute(select(Mention))).scalars()
        }
    assert labels == {
        "Es una vergüenza, nunca más compro en Acme": "negative",
        "I love Acme, thank you so much!": "positive",
    }
    assert await second.step() == 0 and waiting(second_deep) == 0  # recovered once, not every step
