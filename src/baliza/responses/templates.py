"""Reply templates: Jinja2 in a sandbox, plain text, and a small bundled set in Spanish and English.

Templates are written by the team, not by developers, so they render in Jinja2's immutable
sandbox: no attributes such as ``__class__``, no methods that change data. Output is plain text
(a post, not HTML), so there is no autoescaping. A variable the template uses but was not given
is an error naming the variable and the template, never an empty gap in a published reply.

Every bundled template passes ``tone.check_draft`` without blocking flags in a crisis (tested).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, UndefinedError, meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from baliza.core.errors import NotFoundError, ValidationError
from baliza.core.i18n import _

MAX_TEMPLATE_CHARS = 10_000
"""A reply template is a few sentences; anything far longer is a mistake (or an attack on the renderer)."""

MAX_OUTPUT_CHARS = 20_000
"""Rendering stops past this: a loop in a template must not fill memory with text nobody will post."""

DEFAULT_NAME = "<draft>"

_ENV = ImmutableSandboxedEnvironment(
    autoescape=False,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)
_UNSAFE_ATTRIBUTE = re.compile(r"attribute '([^']+)'")


@functools.lru_cache(maxsize=256)
def _compile(source: str) -> Template:
    return _ENV.from_string(source)


def _check_length(source: str, name: str) -> None:
    if len(source) > MAX_TEMPLATE_CHARS:
        raise ValidationError(
            _("Template {template} is too long ({length} characters; the limit is {limit}).").format(
                template=name, length=len(source), limit=MAX_TEMPLATE_CHARS
            ),
            code="template_too_long",
            details={"template": name, "length": len(source), "limit": MAX_TEMPLATE_CHARS},
        )


def _syntax_error(exc: TemplateSyntaxError, name: str) -> ValidationError:
    return ValidationError(
        _("Template {template} has a syntax error on line {line}: {problem}").format(
            template=name, line=exc.lineno, problem=exc.message or ""
        ),
        code="template_syntax",
        details={"template": name, "line": exc.lineno, "problem": exc.message},
    )


def template_variables(source: str, *, name: str = DEFAULT_NAME) -> set[str]:
    """The variables a template reads from its context (``{{ name }}`` -> ``{"name"}``)."""
    _check_length(source, name)
    try:
        parsed = _ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise _syntax_error(exc, name) from exc
    return set(meta.find_undeclared_variables(parsed))


def render_template(source: str, variables: Mapping[str, Any], *, name: str = DEFAULT_NAME) -> str:
    """Render a reply template in the sandbox; every problem becomes a ``ValidationError`` naming the template."""
    _check_length(source, name)
    try:
        template = _compile(source)
    except TemplateSyntaxError as exc:
        raise _syntax_error(exc, name) from exc
    try:
        return _render_bounded(template, variables, name)
    except SecurityError as exc:
        found = _UNSAFE_ATTRIBUTE.search(str(exc))
        attribute = found.group(1) if found else str(exc)
        raise ValidationError(
            _("Template {template} was refused: templates may not use {attribute}.").format(
                template=name, attribute=attribute
            ),
            code="template_unsafe",
            details={"template": name, "attribute": attribute},
        ) from exc
    except UndefinedError as exc:
        missing = sorted(template_variables(source, name=name) - set(variables))
        if missing:
            raise ValidationError(
                _("Template {template} needs variables that were not given: {variables}.").format(
                    template=name, variables=", ".join(missing)
                ),
                code="template_variable_missing",
                details={"template": name, "variables": missing},
            ) from exc
        raise ValidationError(
            _("Template {template} uses a value that does not exist: {problem}.").format(
                template=name, problem=exc.message or ""
            ),
            code="template_undefined",
            details={"template": name, "problem": exc.message},
        ) from exc
    except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError) as exc:
        # Team-written templates can divide by zero or add text to numbers; say so instead of crashing.
        raise ValidationError(
            _("Template {template} could not be rendered: {problem}").format(template=name, problem=str(exc)),
            code="template_render",
            details={"template": name, "problem": str(exc)},
        ) from exc


def _render_bounded(template: Template, variables: Mapping[str, Any], name: str) -> str:
    pieces: list[str] = []
    size = 0
    for piece in template.generate(dict(variables)):
        size += len(piece)
        if size > MAX_OUTPUT_CHARS:
            raise ValidationError(
                _("Template {template} produces more than {limit} characters.").format(
                    template=name, limit=MAX_OUTPUT_CHARS
                ),
                code="template_output_too_long",
                details={"template": name, "limit": MAX_OUTPUT_CHARS},
            )
        pieces.append(piece)
    return "".join(pieces).strip()


@dataclass(frozen=True, slots=True)
class ReplyTemplate:
    """A bundled reply template: its id, what it is for, and its source per language (es, en)."""

    id: str
    sources: Mapping[str, str]
    _describe: Callable[[], str]

    @property
    def description(self) -> str:
        """What the template is for, in the reader's language."""
        return self._describe()

    @property
    def variables(self) -> set[str]:
        """The variables any language version needs."""
        found: set[str] = set()
        for lang, source in self.sources.items():
            found |= template_variables(source, name=f"{self.id}.{lang}")
        return found

    def render(self, lang: str, variables: Mapping[str, Any]) -> str:
        """Render the ``lang`` version of this template."""
        source = self.sources.get(lang)
        if source is None:
            raise NotFoundError(
                _("Reply template {template!r} has no {lang!r} version.").format(template=self.id, lang=lang),
                code="template_language_not_found",
                details={"template": self.id, "lang": lang},
            )
        return render_template(source, variables, name=f"{self.id}.{lang}")


def _bundled(template_id: str, describe: Callable[[], str], es: str, en: str) -> ReplyTemplate:
    return ReplyTemplate(template_id, MappingProxyType({"es": es, "en": en}), describe)


_BUNDLED = (
    _bundled(
        "apology_delay",
        lambda: _("Apology for a late or missing delivery, with a contact channel and the time of the next update."),
        es=(
            "Hola, {{ name }}. Lo sentimos mucho: tu pedido no ha llegado a tiempo y entendemos tu frustración. "
            "Estamos revisando los envíos retrasados con la empresa de transporte. Escríbenos por mensaje privado "
            "o a {{ contact }} y lo seguimos contigo; publicaremos la próxima actualización a las {{ next_update }}."
        ),
        en=(
            "Hi {{ name }}, we're very sorry your order is late, and we understand how frustrating this is. "
            "We're working with our carrier on the delayed deliveries. Please send us a DM or write to "
            "{{ contact }} so we can follow up with you; our next update will be at {{ next_update }}."
        ),
    ),
    _bundled(
        "ask_dm_order_number",
        lambda: _("Ask for the order number by direct message, not in public."),
        es=(
            "Hola, {{ name }}. Sentimos las molestias. Para revisarlo necesitamos tu número de pedido: "
            "¿nos lo envías por mensaje privado? Por tu seguridad, no lo publiques aquí. "
            "Te responderemos por privado lo antes posible."
        ),
        en=(
            "Hi {{ name }}, sorry for the trouble. To look into this we need your order number: could you send "
            "it to us by DM? For your own safety, please don't post it here. We'll reply privately as soon as we can."
        ),
    ),
    _bundled(
        "holding_statement_generic",
        lambda: _("First public answer while the facts are still being confirmed."),
        es=(
            "Sabemos que {{ issue }} está afectando a muchas personas y lo sentimos. Nuestro equipo ya está "
            "trabajando en ello y todavía estamos confirmando los detalles. Compartiremos la próxima actualización "
            "a las {{ next_update }} en {{ contact }}. Gracias por su paciencia."
        ),
        en=(
            "We know {{ issue }} is affecting many of you, and we're sorry. Our team is working on it and we are "
            "still confirming the details. We'll share the next update at {{ next_update }} on {{ contact }}. "
            "Thank you for your patience."
        ),
    ),
    _bundled(
        "thanks_praise",
        lambda: _("Thanks for a kind message."),
        es=(
            "¡Gracias, {{ name }}! Nos alegra mucho leerte. Si alguna vez necesitas algo, escríbenos por "
            "mensaje privado."
        ),
        en="Thank you, {{ name }}! It means a lot to us. If you ever need anything, send us a DM.",
    ),
    _bundled(
        "rumour_correction",
        lambda: _("Correct a rumour with the verified facts and where to read them."),
        es=(
            "Hola, {{ name }}. Entendemos la preocupación. Lo que circula sobre {{ topic }} no es cierto: "
            "{{ fact }}. Puedes consultar la información verificada en {{ contact }}; la actualizaremos a las "
            "{{ next_update }}."
        ),
        en=(
            "Hi {{ name }}, we understand the concern. What is going around about {{ topic }} is not accurate: "
            "{{ fact }}. You can read the verified information at {{ contact }}, and we'll update it at "
            "{{ next_update }}."
        ),
    ),
    _bundled(
        "mistake_apology",
        lambda: _("Own a mistake (such as an offensive post or ad) and say what changes next."),
        es=(
            "Tienen razón y lo sentimos: {{ issue }} no debió publicarse. Nos hemos equivocado. Estamos revisando "
            "cómo se aprobó y a las {{ next_update }} compartiremos en {{ contact }} qué vamos a cambiar."
        ),
        en=(
            "You're right, and we're sorry: {{ issue }} should not have been published. We got this wrong. "
            "We're reviewing how it was approved and at {{ next_update }} we'll share on {{ contact }} what we "
            "are changing."
        ),
    ),
)

BUNDLED_TEMPLATES: Mapping[str, ReplyTemplate] = MappingProxyType({t.id: t for t in _BUNDLED})
"""The bundled reply templates by id."""


def get_template(template_id: str) -> ReplyTemplate:
    """A bundled reply template by id."""
    template = BUNDLED_TEMPLATES.get(template_id)
    if template is None:
        raise NotFoundError(
            _("No reply template named {template!r}.").format(template=template_id),
            code="template_not_found",
            details={"template": template_id},
        )
    return template


def render_bundled(template_id: str, lang: str, variables: Mapping[str, Any]) -> str:
    """Render the ``lang`` version of a bundled template."""
    return get_template(template_id).render(lang, variables)


__all__ = [
    "BUNDLED_TEMPLATES",
    "MAX_OUTPUT_CHARS",
    "MAX_TEMPLATE_CHARS",
    "ReplyTemplate",
    "get_template",
    "render_bundled",
    "render_template",
    "template_variables",
]
