"""Rendering notices: the right words and numbers in Spanish and English, drill label first, chat Markdown."""

from __future__ import annotations

import pytest

from baliza.core import i18n
from baliza.notify.messages import BodyFormat, Notice, NoticeKind, Rendered, pick_language, render

PAGE = Notice(
    kind=NoticeKind.page,
    workspace="acme",
    title="Quejas por leche caducada",
    severity="sev2",
    severity_label={"es": "Crisis", "en": "Crisis"},
    observed=1234,
    expected=14.28,
    negative_share=0.62,
    top_terms=("caducada", "#AcmeLeche"),
    top_post="La leche de *Acme*   sabe rara\nhoy",
    ack_url="https://baliza.example/ack?t=abc.def",
)


def test_a_page_in_spanish() -> None:
    rendered = render(PAGE, "es")
    assert rendered.lang == "es"
    assert rendered.title == "[SEV2 · Crisis] Alerta en acme: Quejas por leche caducada"
    assert rendered.body_format is BodyFormat.text
    assert rendered.body.splitlines() == [
        "Baliza ha detectado una posible crisis en acme y te pide que la revises.",
        "",
        "Qué: Quejas por leche caducada",
        "Gravedad: SEV2 · Crisis",
        "Menciones: 1.234 observadas, 14,3 esperadas",
        "Proporción negativa: 62\u00a0%",
        "Términos destacados: caducada, #AcmeLeche",
        "Publicación más difundida: “La leche de *Acme* sabe rara hoy”",
        "",
        "Confirmar: https://baliza.example/ack?t=abc.def",
    ]


def test_a_page_in_english() -> None:
    rendered = render(PAGE, "en")
    assert rendered.title == "[SEV2 · Crisis] Alert in acme: Quejas por leche caducada"
    assert rendered.body.splitlines() == [
        "Baliza has detected a possible crisis in acme and asks you to look at it.",
        "",
        "What: Quejas por leche caducada",
        "Severity: SEV2 · Crisis",
        "Mentions: 1,234 observed, 14.3 expected",
        "Negative share: 62%",
        "Top terms: caducada, #AcmeLeche",
        "Most shared post: “La leche de *Acme* sabe rara hoy”",
        "",
        "Acknowledge: https://baliza.example/ack?t=abc.def",
    ]


def test_the_markdown_variant_bolds_labels_escapes_people_text_and_links_the_ack() -> None:
    rendered = render(PAGE, "es")
    lines = rendered.markdown.splitlines()
    assert "**Gravedad:** SEV2 · Crisis" in lines
    assert "**Publicación más difundida:** “La leche de \\*Acme\\* sabe rara hoy”" in lines
    assert lines[-1] == "[Confirmar](https://baliza.example/ack?t=abc.def)"
    chat = rendered.for_chat()
    assert (chat.body, chat.body_format, chat.title) == (rendered.markdown, BodyFormat.markdown, rendered.title)
    assert chat.for_chat() is chat


@pytest.mark.parametrize(
    ("lang", "label", "first_line"),
    [
        ("es", "[SIMULACRO]", "[SIMULACRO] Esto es un simulacro, no una crisis real."),
        ("en", "[DRILL]", "[DRILL] This is a drill, not a real crisis."),
    ],
)
def test_drill_notices_start_with_the_drill_label(lang: str, label: str, first_line: str) -> None:
    rendered = render(PAGE.model_copy(update={"drill": True}), lang)
    assert rendered.title.startswith(f"{label} [SEV2 · Crisis] ")
    assert rendered.body.splitlines()[0] == first_line
    assert rendered.markdown.splitlines()[0].startswith(f"**{label}** ")


def test_the_plan_drill_label_wins_and_falls_back_per_language() -> None:
    notice = PAGE.model_copy(update={"drill": True, "drill_label": {"es": "[ENSAYO]"}})
    assert render(notice, "es").title.startswith("[ENSAYO] [SEV2 · Crisis] Alerta en acme")
    assert render(notice, "en").title.startswith("[DRILL] [SEV2 · Crisis] Alert in acme")


def test_a_real_notice_carries_no_drill_label() -> None:
    rendered = render(PAGE, "es")
    assert "SIMULACRO" not in rendered.title + rendered.body + rendered.markdown


@pytest.mark.parametrize(
    ("kind", "subject", "headline"),
    [
        (
            NoticeKind.reminder,
            "[SEV1] Recordatorio, aún sin confirmar: Fuga de datos (acme)",
            "Esta alerta sigue esperando a que alguien la confirme.",
        ),
        (
            NoticeKind.escalated,
            "[SEV1] Escalada a ti: Fuga de datos (acme)",
            "Nadie confirmó esta alerta a tiempo, así que ahora te la pasamos a ti.",
        ),
        (
            NoticeKind.incident_declared,
            "[SEV1] Incidente declarado: Fuga de datos (acme)",
            "Se ha declarado un incidente en acme.",
        ),
        (
            NoticeKind.stakeholder_update,
            "[SEV1] Novedades del incidente: Fuga de datos (acme)",
            "Hay novedades sobre el incidente en acme.",
        ),
        (
            NoticeKind.test,
            "Notificación de prueba de Baliza (acme)",
            "Esta es una notificación de prueba de Baliza. Si puedes leerla, este contacto funciona.",
        ),
    ],
)
def test_every_kind_has_its_own_subject_and_headline(kind: NoticeKind, subject: str, headline: str) -> None:
    rendered = render(Notice(kind=kind, workspace="acme", title="Fuga de datos", severity="sev1"), "es")
    assert rendered.title == subject
    assert rendered.body.splitlines()[0] == headline


def test_an_escalation_names_who_did_not_acknowledge() -> None:
    notice = Notice(kind=NoticeKind.escalated, workspace="acme", title="Pico", escalated_from="Lucía García")
    assert render(notice, "es").body.splitlines()[0] == (
        "Lucía García no confirmó esta alerta a tiempo, así que ahora te la pasamos a ti."
    )
    assert render(notice, "en").body.splitlines()[0] == (
        "Lucía García did not acknowledge this alert in time, so it has been escalated to you."
    )


def test_a_stakeholder_update_carries_its_text_and_only_observed_counts() -> None:
    notice = Notice(
        kind=NoticeKind.stakeholder_update, workspace="acme", title="Retirada de lote", observed=80,
        update="Hemos retirado el lote L-2231.\nSeguimos atentos.",
    )  # fmt: skip
    lines = render(notice, "en").body.splitlines()
    assert "Mentions: 80 observed" in lines
    assert lines[-3:] == ["Update:", "Hemos retirado el lote L-2231.", "Seguimos atentos."]


def test_long_titles_are_cut_in_the_subject_and_whitespace_collapsed() -> None:
    notice = Notice(kind=NoticeKind.page, workspace="acme", title="muy  larga\n" * 40)
    subject = render(notice, "en").title
    assert subject.startswith("Alert in acme: muy larga muy larga")
    assert subject.endswith("…")
    assert len(subject) == len("Alert in acme: ") + 120


def test_render_leaves_the_active_language_as_it_was() -> None:
    with i18n.use_locale("en"):
        render(PAGE, "es")
        assert i18n.get_locale() == "en"


def test_an_unsupported_language_renders_in_english() -> None:
    assert render(PAGE, "fr").lang == "en"


@pytest.mark.parametrize(
    ("languages", "workspace_language", "expected"),
    [
        (["es", "en"], "en", "es"),
        (["en", "es"], "es", "en"),
        (["fr", "es-MX"], "en", "es"),
        (["de"], "es", "es"),
        (["de"], None, "en"),
        ([], "es_ES", "es"),
        ([], None, "en"),
    ],
)
def test_language_is_the_persons_first_supported_then_the_workspaces_then_english(
    languages: list[str], workspace_language: str | None, expected: str
) -> None:
    assert pick_language(languages, workspace_language) == expected


def test_rendered_defaults_to_plain_text() -> None:
    assert Rendered(lang="en", title="t", body="b").for_chat().body_format is BodyFormat.text
