"""Report metrics and findings on hand-made data whose numbers are worked out below, in the comments."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from baliza.core.errors import ConfigError
from baliza.core.i18n import use_locale
from baliza.reports import render
from baliza.reports.charts import bucket_size, buckets, nice_ceiling
from baliza.reports.metrics import (
    IncidentFacts,
    MentionFact,
    MinuteCount,
    PageFact,
    PostFact,
    ReportData,
    ResponseFact,
    SkipFact,
    TaskFact,
    TimelineItem,
    compute,
    findings,
)

T = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # 11:00 in Madrid


def at(minutes: float) -> datetime:
    return T + timedelta(minutes=minutes)


def volume() -> list[MinuteCount]:
    """30 quiet minutes before, then: minutes 0-9 at 10 (6 negative), the peak of 40 (30 negative) at
    minute 10, minutes 11-59 at 10 (6 negative), minutes 60-179 at 5 (1 negative)."""
    out = [MinuteCount(at(-30 + i), 4, 1) for i in range(30)]
    for i in range(180):
        if i == 10:
            out.append(MinuteCount(at(i), 40, 30))
        elif i < 60:
            out.append(MinuteCount(at(i), 10, 6))
        else:
            out.append(MinuteCount(at(i), 5, 1))
    return out


def mention(n: int, minute: float, **kwargs: object) -> MentionFact:
    return MentionFact(id=n, created_at=at(minute), platform="x", **kwargs)  # type: ignore[arg-type]


def sample() -> ReportData:
    incident = IncidentFacts(
        id=7, number=3, title="Pedidos que no llegan", severity="sev2", status="resolved", playbook="delivery_failure",
        started_at=T, detected_at=at(4), acknowledged_at=at(16), active_at=at(17), resolved_at=at(180),
    )  # fmt: skip
    return ReportData(
        workspace_slug="acme",
        workspace_name="Acme Foods",
        timezone="Europe/Madrid",
        incident=incident,
        window_start=T,
        window_end=at(180),
        generated_at=at(300),
        sla_minutes=30,
        timeline=[
            TimelineItem(
                at(4),
                "incident_declared",
                None,
                False,
                {
                    "message": "Incident #{number} declared ({severity}) by {actor}: {title}",
                    "params": {"number": 3, "severity": "SEV2", "actor": "Baliza", "title": "Pedidos que no llegan"},
                },
            ),
            TimelineItem(
                at(16),
                "note",
                "Diego Ramos",
                False,
                {"message": "{actor}: {text}", "params": {"actor": "Diego Ramos", "text": "Operaciones <confirma> 3"}},
            ),
        ],
        volume=volume(),
        # 100 minutes of baseline, 50 of them with 4 mentions (1 negative), the rest silent:
        # mean 200/100 = 2, E[x²] = 50·16/100 = 8, variance 8 - 4 = 4, sd 2; negative share 50/200 = 25 %.
        baseline=[MinuteCount(at(-200 + 2 * i), 4, 1) for i in range(50)],
        baseline_minutes=100,
        mentions=[
            mention(
                1, 1, sentiment="negative", author="@a", followers=100, inbox_status="replied", first_response_at=at(21)
            ),  # answered after 20 min: within the SLA
            mention(
                2,
                2,
                sentiment="neutral",
                issue_types=("complaint",),
                author="@b",
                followers=250_000,
                inbox_status="replied",
                first_response_at=at(24),
            ),  # 22 min: within
            mention(
                3,
                5,
                sentiment="neutral",
                issue_types=("question",),
                author="@a",
                followers=120,
                inbox_status="replied",
                first_response_at=at(50),
            ),  # 45 min: late
            mention(4, 10, sentiment="negative", author="@c", followers=None),  # never answered
            mention(5, 12, sentiment="negative", inbox_status="handled"),  # no answer needed: left out
            mention(6, 15, sentiment="positive", issue_types=("praise",), author="@d", followers=50),
            mention(7, 20, sentiment="neutral", author="@b", followers=250_000),
        ],
        responses=[
            ResponseFact(1, "reply", "published", at(22), "x", "es", at(24), mention_id=2),
            ResponseFact(2, "holding_statement", "published", at(20), "x", "es", at(44)),
            ResponseFact(3, "statement", "draft", at(60), "x", "es", None),
        ],
        pages=[
            PageFact(
                "diego",
                "Diego Ramos",
                "sent",
                0,
                at(4),
                is_backup=True,
                sent_at=at(4),
                reason="backup 1 for community_manager",
                failed_channels=("json", "json"),
            ),
            PageFact(
                "ana",
                "Ana Torres",
                "failed",
                2,
                at(14),
                sent_at=at(14),
                reason="primary comms_lead",
                failed_channels=("mailto",),
            ),
        ],
        skips=[
            SkipFact(
                at(4),
                "lucia",
                "Lucía García",
                "out_of_office",
                "out of office until 2026-11-30 (vacaciones)",
                role="community_manager",
                is_primary=True,
            ),
        ],
        tasks=[
            TaskFact({"es": "Congelar publicaciones", "en": "Freeze posts"}, "done", due_at=at(14), done_at=at(10)),
            TaskFact({"es": "Confirmar alcance", "en": "Confirm the scope"}, "done", due_at=at(34), done_at=at(50)),
            TaskFact({"es": "Informar a dirección", "en": "Brief the board"}, "open", due_at=at(64)),
            TaskFact({"es": "Revisión", "en": "Review"}, "open", due_at=at(200)),
            TaskFact({"es": "Llamar", "en": "Call"}, "skipped", due_at=at(20)),
        ],
        held_posts=[
            PostFact("instagram", "held", at(30), held_at=at(30)),
            PostFact("instagram", "published", at(40), held_at=at(40), reviewed_at=at(200)),
        ],
    )


def test_times_are_measured_from_the_first_signal_and_from_the_alert() -> None:
    m = compute(sample())
    assert m.time_to_detect == timedelta(minutes=4)  # 10:00 → 10:04
    assert m.time_to_acknowledge == timedelta(minutes=12)  # alert 10:04 → 10:16
    assert m.time_to_first_response == timedelta(minutes=20)  # the reply at 10:24 (the draft never went out)
    assert m.time_to_holding_statement == timedelta(minutes=40)  # 10:44
    assert m.time_to_resolution == timedelta(hours=3)
    assert m.duration == timedelta(hours=3)


def test_response_rate_and_sla_count_only_mentions_that_wanted_an_answer() -> None:
    m = compute(sample())
    # 1 negative, 2 complaint, 3 question, 4 negative want an answer; 5 was marked handled, 6 and 7 don't.
    assert (m.mentions, m.wanted_answer, m.answered, m.answered_in_sla) == (7, 4, 3, 2)
    assert m.response_rate == 0.75
    assert m.sla_compliance == 0.5


def test_volume_peak_sentiment_and_recovery() -> None:
    m = compute(sample())
    assert (m.peak_per_minute, m.peak_at) == (40, at(10))
    # window: 100 + 40 + 490 + 600 = 1230 mentions; 60 + 30 + 294 + 120 = 504 negative (the lead-in not counted)
    assert m.negative_share == pytest.approx(504 / 1230)
    assert m.baseline_negative_share == 0.25
    assert (m.expected_per_minute, m.expected_sd) == (2.0, 2.0)
    assert m.recovery_threshold == pytest.approx(0.3)
    assert m.last_hour_negative_share == pytest.approx(0.2)  # minutes 120-179: 60 negative of 300
    assert m.recovered is True
    # 15-minute windows after the peak: with k minutes of the quiet phase the share is (90-5k)/(150-5k),
    # at most 30 % from k = 13, i.e. the window ending at minute 72: 62 minutes after the peak.
    assert m.time_to_recover == timedelta(minutes=62)


def test_reach_pages_tasks_and_posts() -> None:
    m = compute(sample())
    assert (m.authors, m.total_reach, m.max_reach, m.max_reach_author) == (4, 250_170, 250_000, "@b")
    assert (m.pages, m.pages_failed, m.backup_pages, m.away_skips) == (2, 1, 1, 1)
    # late: confirmed at 10:50 for 10:34, and still open past 11:04; the 13:20 one and the skipped one are not
    assert (m.tasks, m.tasks_done, m.tasks_late) == (5, 2, 2)
    assert (m.held_posts, m.posts_still_held) == (2, 1)


def test_no_baseline_and_no_acknowledgement_say_so() -> None:
    data = sample()
    data.incident = replace(data.incident, acknowledged_at=None, resolved_at=None, status="active")
    data.baseline, data.baseline_minutes, data.responses = [], 0, []
    m = compute(data)
    assert m.time_to_acknowledge is None and m.time_to_resolution is None
    assert m.time_to_holding_statement is None and m.time_to_first_response is None
    assert (m.baseline_negative_share, m.expected_per_minute, m.recovered, m.time_to_recover) == (
        None,
        None,
        None,
        None,
    )
    codes = [f.code for f in findings(data, m)]
    assert "no_acknowledgement" in codes and "no_holding_statement" in codes
    assert "backup_reached" not in codes  # nobody acknowledged


EXPECTED_EN = [
    ("went_well", "The alert came 4 min after the first signal."),
    ("to_change", "Acknowledgement took 12 min; check the first step's wait and backups."),
    ("to_change", "Lucía García, the primary community_manager, was away (out of office until 2026-11-30 "
                  "(vacaciones)); check the rota."),
    ("went_well", "The escalation reached a backup and someone acknowledged (pages to backups: 1)."),
    ("to_change", "The mailto contact of Ana Torres failed (failed attempts: 1); fix it or remove it from the plan."),
    ("to_change", "The json contact of Diego Ramos failed (failed attempts: 2); fix it or remove it from the plan."),
    ("to_change", "Ana Torres could not be reached on any contact; check their contacts in the plan."),
    ("to_change", "The holding statement went out after 40 min, later than the 30-minute SLA; get its text approved "
                  "in advance in the playbook."),
    ("to_change", "Only 75% of the mentions that needed an answer got one (3 of 4); add people to the response desk "
                  "in the plan."),
    ("to_change", "Only 50% were answered within the 30-minute SLA; prepare more reply templates."),
    ("to_change", "2 of 5 playbook tasks were done late or are overdue; review their deadlines and owners."),
    ("went_well", "Scheduled posts held by the crisis freeze: 2; no promotion went out during the crisis."),
    ("to_change", "Posts still held: 1; review them and release or cancel each one."),
    ("went_well", "Negative sentiment is back to normal: 20% in the last hour, 25% before the crisis."),
]  # fmt: skip

EXPECTED_ES = [
    "La alerta llegó 4 min después de la primera señal.",
    "La confirmación tardó 12 min; revisa la espera del primer paso y los suplentes.",
    "Lucía García, titular de community_manager, no estaba disponible (out of office until 2026-11-30 "
    "(vacaciones)); revisa los turnos.",
    "La escalada llegó a un suplente y alguien confirmó (avisos a suplentes: 1).",
    "El contacto mailto de Ana Torres falló (intentos fallidos: 1); corrígelo o quítalo del plan.",
    "El contacto json de Diego Ramos falló (intentos fallidos: 2); corrígelo o quítalo del plan.",
    "No se pudo contactar con Ana Torres por ningún medio; revisa sus contactos en el plan.",
    "El comunicado inicial salió a los 40 min, más tarde que el SLA de 30 minutos; deja su texto aprobado de "
    "antemano en el playbook.",
    "Solo el 75\xa0% de las menciones que necesitaban respuesta la recibieron (3 de 4); suma personas al equipo "
    "de respuesta en el plan.",
    "Solo el 50\xa0% se respondió dentro del SLA de 30 minutos; prepara más plantillas de respuesta.",
    "2 de 5 tareas del playbook se hicieron tarde o están vencidas; revisa sus plazos y responsables.",
    "Publicaciones programadas retenidas por la congelación de crisis: 2; no salió ninguna promoción durante "
    "la crisis.",
    "Publicaciones aún retenidas: 1; revísalas y publica o cancela cada una.",
    "El sentimiento negativo ha vuelto a la normalidad: 20\xa0% en la última hora, 25\xa0% antes de la crisis.",
]


def test_findings_in_english() -> None:
    data = sample()
    with use_locale("en"):
        found = findings(data, compute(data))
    assert [(f.kind, f.text) for f in found] == EXPECTED_EN


def test_findings_in_spanish() -> None:
    data = sample()
    with use_locale("es"):
        found = findings(data, compute(data))
    assert [f.text for f in found] == EXPECTED_ES
    assert [f.kind for f in found] == [kind for kind, _text in EXPECTED_EN]


def test_what_went_well_when_the_team_was_fast() -> None:
    data = sample()
    data.incident = replace(data.incident, acknowledged_at=at(8))
    data.responses = [ResponseFact(2, "holding_statement", "published", at(10), "x", "es", at(25))]
    data.mentions = [mention(1, 1, sentiment="negative", author="@a", followers=10, first_response_at=at(9))]
    data.pages, data.skips, data.held_posts = [], [], []
    data.tasks = [TaskFact({"es": "a", "en": "a"}, "done", due_at=at(14), done_at=at(10))]
    data.volume = [MinuteCount(at(i), 10, 8) for i in range(180)]  # still 80 % negative at the end
    with use_locale("en"):
        texts = {f.code: f.text for f in findings(data, compute(data))}
    assert texts == {
        "fast_detection": "The alert came 4 min after the first signal.",
        "fast_acknowledgement": "The alert was acknowledged after 4 min.",
        "holding_statement_on_time": "The holding statement went out after 21 min, within the 30-minute SLA.",
        "response_rate": "100% of the mentions that needed an answer got one (1 of 1).",
        "sla_met": "100% were answered within the 30-minute SLA.",
        "tasks_on_time": "All 1 playbook tasks were done on time.",
        "sentiment_not_recovered": "Negative sentiment is still high: 80% in the last hour, 25% before the crisis; "
        "keep monitoring and plan follow-up content.",
    }


def test_markdown_has_every_section_in_both_languages() -> None:
    data = sample()
    m = compute(data)
    md = render.to_markdown(data, m, "en")
    for heading in ("# Post-crisis report: incident #3", "## Summary", "## Evaluation", "### What went well",
                    "### What to change in the plan", "## Response times", "## How the conversation moved",
                    "## Sentiment and reach", "## Response desk", "## Detection and escalation",
                    "## Playbook tasks", "## Content calendar", "## Timeline"):  # fmt: skip
        assert f"\n{heading}\n" in f"\n{md}", heading
    assert "| 2026-11-20 11:04 | Incident #3 declared (SEV2) by Baliza: Pedidos que no llegan | — |  |" in md
    assert "| Time to acknowledge (alert → acknowledgement) | 12 min |" in md
    es = render.to_markdown(data, m, "es")
    assert "## Qué cambiar en el plan" in es and "## Cronología" in es
    assert "Incidente n.º 3 declarado (SEV2) por Baliza: Pedidos que no llegan" in es


def test_html_is_self_contained_accessible_and_escaped() -> None:
    data = sample()
    html = render.to_html(data, compute(data), "es")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="es">' in html
    assert "<title>Informe poscrisis: incidente n.º 3 · Pedidos que no llegan</title>" in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2
    assert len(re.findall(r'<svg [^>]*role="img" aria-label="[^"]+"', html)) == 2
    assert "@media print" in html and "<caption>" in html
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "Operaciones &lt;confirma&gt; 3" in html  # the note is text, never markup
    # each chart is followed by its data table
    for figure in re.findall(r"</figure>\s*<table>\s*<caption>([^<]+)</caption>", html):
        assert figure
    assert len(re.findall(r"</figure>\s*<table>", html)) == 2


def test_pdf_without_weasyprint_says_how_to_get_it() -> None:
    with use_locale("en"), pytest.raises(ConfigError) as raised:
        render.to_pdf("<html></html>")
    assert raised.value.code == "pdf_unavailable"
    assert "pip install weasyprint" in raised.value.message
    with use_locale("es"), pytest.raises(ConfigError) as raised_es:
        render.to_pdf("<html></html>")
    assert "pip install weasyprint" in raised_es.value.message and "WeasyPrint" in raised_es.value.message
    assert raised_es.value.message != raised.value.message


@pytest.mark.parametrize(("value", "expected"), [(0.0, 1.0), (3.0, 5.0), (7.0, 10.0), (12.0, 20.0), (40.0, 50.0)])
def test_axis_tops_are_round(value: float, expected: float) -> None:
    assert nice_ceiling(value) == expected


def test_buckets_sum_minutes_and_scale_the_expected_band() -> None:
    assert (bucket_size(60), bucket_size(210), bucket_size(600)) == (1, 5, 10)
    counts = [(at(i), 10, 2) for i in range(8)]
    out = buckets(counts, 4, mean=2.0, sd=1.0)
    # 4 minutes: expected 8, band 8 ± 2·1·√4 = 4 to 12
    assert [(b.start, b.total, b.negative, b.low, b.expected, b.high) for b in out] == [
        (at(0), 40, 8, 4.0, 8.0, 12.0),
        (at(4), 40, 8, 4.0, 8.0, 12.0),
    ]
