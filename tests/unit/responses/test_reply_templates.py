"""Reply templates: sandboxed rendering, clear errors, and bundled templates that pass the tone check."""

from __future__ import annotations

import pytest

from baliza.core import i18n
from baliza.core.errors import NotFoundError, ValidationError
from baliza.responses.templates import (
    BUNDLED_TEMPLATES,
    MAX_OUTPUT_CHARS,
    get_template,
    render_bundled,
    render_template,
    template_variables,
)
from baliza.responses.tone import ToneContext, check_draft

SAMPLE = {
    "name": "Laura",
    "next_update": "14:00",
    "contact": "acme.example/estado",
    "issue": "el retraso en los envíos",
    "topic": "el cierre de tiendas",
    "fact": "todas las tiendas siguen abiertas",
}


def test_render_fills_variables_as_plain_text() -> None:
    text = render_template("Hola, {{ name }}. Te escribimos a las {{ next_update }} <3 & gracias", SAMPLE)
    assert text == "Hola, Laura. Te escribimos a las 14:00 <3 & gracias"


def test_render_supports_conditions_and_filters() -> None:
    source = "Hi {{ name|title }}{% if order %}, about order {{ order }}{% endif %}."
    assert render_template(source, {"name": "sam", "order": "A-12"}) == "Hi Sam, about order A-12."
    assert render_template(source, {"name": "sam", "order": ""}) == "Hi Sam."


def test_template_variables_lists_what_the_template_reads() -> None:
    source = "Hola, {{ name }}. {% for step in steps %}{{ step }} {% endfor %}{% set x = 1 %}{{ x }} {{ contact }}"
    assert template_variables(source) == {"name", "steps", "contact"}
    assert template_variables("Sin variables.") == set()


def test_missing_variable_names_the_variable_and_the_template() -> None:
    with pytest.raises(ValidationError) as caught:
        render_template("Hola, {{ name }}. Próxima actualización: {{ next_update }}.", {}, name="apology_delay.es")
    error = caught.value
    assert error.code == "template_variable_missing"
    assert error.message == "Template apology_delay.es needs variables that were not given: name, next_update."
    assert error.details == {"template": "apology_delay.es", "variables": ["name", "next_update"]}


def test_missing_variable_message_in_spanish() -> None:
    with i18n.use_locale("es"), pytest.raises(ValidationError) as caught:
        render_template("Hola, {{ name }}.", {}, name="saludo")
    assert caught.value.message == "A la plantilla saludo le faltan estas variables: name."


def test_missing_attribute_is_a_clear_error() -> None:
    with pytest.raises(ValidationError) as caught:
        render_template("Pedido {{ order.number }}", {"order": {}}, name="pedido")
    assert caught.value.code == "template_undefined"
    assert (
        caught.value.message
        == "Template pedido uses a value that does not exist: 'dict object' has no attribute 'number'."
    )


@pytest.mark.parametrize(
    ("source", "attribute"),
    [
        ("{{ name.__class__ }}", "__class__"),
        ("{{ name.__class__.__mro__[1].__subclasses__() }}", "__class__"),
        ("{{ cycler.__init__.__globals__ }}", "__init__"),
        ("{{ steps.append('x') }}", "append"),
    ],
)
def test_sandbox_escapes_are_refused_with_a_clear_error(source: str, attribute: str) -> None:
    with pytest.raises(ValidationError) as caught:
        render_template(source, {"name": "Laura", "steps": []}, name="evil")
    assert caught.value.code == "template_unsafe"
    assert caught.value.message == f"Template evil was refused: templates may not use {attribute}."
    assert caught.value.details == {"template": "evil", "attribute": attribute}


def test_sandbox_refusal_in_spanish() -> None:
    with i18n.use_locale("es"), pytest.raises(ValidationError) as caught:
        render_template("{{ ''.__class__ }}", {}, name="mala")
    assert caught.value.message == "Se ha rechazado la plantilla mala: las plantillas no pueden usar __class__."


def test_syntax_error_names_the_line() -> None:
    with pytest.raises(ValidationError) as caught:
        render_template("Hola\n{% if %}", {}, name="rota")
    assert caught.value.code == "template_syntax"
    assert caught.value.message == (
        "Template rota has a syntax error on line 2: Expected an expression, got 'end of statement block'"
    )
    with pytest.raises(ValidationError) as caught:
        template_variables("{{ name ", name="rota")
    assert caught.value.code == "template_syntax"


def test_runaway_output_and_runtime_errors_are_validation_errors() -> None:
    with pytest.raises(ValidationError) as caught:
        render_template("{% for i in range(100000) %}xxxxxxxxxx{% endfor %}", {}, name="bucle")
    assert caught.value.code == "template_output_too_long"
    assert caught.value.message == f"Template bucle produces more than {MAX_OUTPUT_CHARS} characters."
    with pytest.raises(ValidationError) as caught:
        render_template("{{ 1 / 0 }}", {}, name="div")
    assert caught.value.code == "template_render"
    assert caught.value.message == "Template div could not be rendered: division by zero"


def test_oversized_template_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        render_template("x" * 10_001, {}, name="grande")
    assert caught.value.code == "template_too_long"


EXPECTED_VARIABLES = {
    "apology_delay": {"name", "contact", "next_update"},
    "ask_dm_order_number": {"name"},
    "holding_statement_generic": {"issue", "next_update", "contact"},
    "thanks_praise": {"name"},
    "rumour_correction": {"name", "topic", "fact", "contact", "next_update"},
    "mistake_apology": {"issue", "next_update", "contact"},
}


def test_bundled_templates_and_their_variables() -> None:
    assert set(BUNDLED_TEMPLATES) == set(EXPECTED_VARIABLES)
    for template_id, template in BUNDLED_TEMPLATES.items():
        assert set(template.sources) == {"es", "en"}
        assert template.variables == EXPECTED_VARIABLES[template_id]
        for source in template.sources.values():
            assert template_variables(source) == EXPECTED_VARIABLES[template_id]


# What each bundled template answers: all of them in a crisis.
TONE_CONTEXTS = {
    "apology_delay": ToneContext(in_crisis=True, severity="sev2", apology_due=True, is_reply_to_complaint=True),
    "ask_dm_order_number": ToneContext(in_crisis=True, severity="sev2", apology_due=True, is_reply_to_complaint=True),
    "holding_statement_generic": ToneContext(in_crisis=True, severity="sev1", apology_due=True),
    "thanks_praise": ToneContext(in_crisis=True, severity="sev2"),
    "rumour_correction": ToneContext(in_crisis=True, severity="sev2", is_reply_to_complaint=True),
    "mistake_apology": ToneContext(in_crisis=True, severity="sev1", apology_due=True, is_reply_to_complaint=True),
}


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("template_id", sorted(TONE_CONTEXTS))
def test_bundled_templates_pass_the_tone_check_in_a_crisis(template_id: str, lang: str) -> None:
    text = render_bundled(template_id, lang, SAMPLE)
    report = check_draft(text, context=TONE_CONTEXTS[template_id])
    assert report.lang == lang
    assert report.ok is True
    assert report.flags == ()


def test_render_bundled_uses_the_language_version() -> None:
    assert render_bundled("thanks_praise", "en", {"name": "Jo"}) == (
        "Thank you, Jo! It means a lot to us. If you ever need anything, send us a DM."
    )
    assert render_bundled("thanks_praise", "es", {"name": "Jo"}).startswith("¡Gracias, Jo!")


def test_unknown_template_or_language() -> None:
    with pytest.raises(NotFoundError) as caught:
        get_template("promo_blast")
    assert caught.value.code == "template_not_found"
    assert caught.value.message == "No reply template named 'promo_blast'."
    with pytest.raises(NotFoundError) as caught:
        render_bundled("thanks_praise", "fr", {"name": "Jo"})
    assert caught.value.code == "template_language_not_found"
    assert caught.value.message == "Reply template 'thanks_praise' has no 'fr' version."


def test_descriptions_follow_the_reader_language() -> None:
    template = get_template("ask_dm_order_number")
    assert template.description == "Ask for the order number by direct message, not in public."
    with i18n.use_locale("es"):
        assert template.description == "Pedir el número de pedido por mensaje privado, no en público."
