"""Tone check: hand-written reply drafts (Spanish and English) with their exact flag sets, messages and errors."""

from __future__ import annotations

import pytest

from baliza.core import i18n
from baliza.core.errors import PayloadTooLargeError, ValidationError
from baliza.responses.tone import MAX_DRAFT_CHARS, Evidence, FlagSeverity, ToneCode, ToneContext, check_draft

# The situations a community manager answers in.
COMPLAINT_IN_CRISIS = ToneContext(in_crisis=True, severity="sev2", apology_due=True, is_reply_to_complaint=True)
"""Answering an angry customer during a crisis that is the brand's fault."""
STATEMENT_AT_FAULT = ToneContext(in_crisis=True, severity="sev2", apology_due=True)
"""A public statement in a crisis the brand caused."""
CRISIS = ToneContext(in_crisis=True, severity="sev2")
"""A crisis that is nobody's fault in particular (a recall by precaution, a rumour)."""
COMPLAINT = ToneContext(is_reply_to_complaint=True)
"""An everyday complaint, no crisis."""
CALM = ToneContext()
"""Normal times: praise, promotions."""

CASES: list[tuple[str, str, ToneContext, str, set[str]]] = [
    # --- Spanish ---------------------------------------------------------------------------------------
    (
        "es-delivery-good",
        "es",
        COMPLAINT_IN_CRISIS,
        "Hola, Marta. Lo sentimos mucho: tu pedido no ha llegado a tiempo. Te escribimos por privado para darte "
        "una solución hoy mismo.",
        set(),
    ),
    (
        "es-no-accents",
        "es",
        COMPLAINT_IN_CRISIS,
        "lo sentimos mucho, no llego tu pedido. escribenos por privado y lo miramos",
        set(),
    ),
    (
        "es-not-your-fault",
        "es",
        COMPLAINT_IN_CRISIS,
        "No es tu culpa, Pablo: el fallo fue nuestro y lo sentimos. Te escribimos por mensaje privado.",
        set(),
    ),
    (
        "es-apology-but-blame",
        "es",
        COMPLAINT_IN_CRISIS,
        "Lo sentimos, pero deberías haber leído las condiciones de envío antes de comprar.",
        {"blames_customer", "missing_next_step"},
    ),
    (
        "es-as-we-told-you",
        "es",
        COMPLAINT,
        "Como ya te dijimos, el reembolso tarda 10 días. Si tienes dudas, escríbenos por DM.",
        {"blames_customer", "missing_empathy"},
    ),
    (
        "es-latam-ustedes",
        "es",
        COMPLAINT_IN_CRISIS,
        "Lamentamos mucho lo ocurrido con su pedido. Ustedes pueden escribirnos por mensaje directo y les damos "
        "seguimiento.",
        set(),
    ),
    (
        "es-legal-liability",
        "es",
        COMPLAINT_IN_CRISIS,
        "Es culpa nuestra y asumimos toda la responsabilidad legal por los daños. Lo sentimos. Escríbenos por privado.",
        {"liability_admission"},
    ),
    (
        "es-accountability-offensive-ad",
        "es",
        STATEMENT_AT_FAULT,
        "Nos hemos equivocado con este anuncio y lo sentimos. Lo hemos retirado y a las 18:00 contaremos qué "
        "vamos a cambiar.",
        set(),
    ),
    (
        "es-never-again-guaranteed",
        "es",
        COMPLAINT_IN_CRISIS,
        "Lo sentimos muchísimo. Esto nunca volverá a pasar, te lo garantizamos. Escríbenos por privado.",
        {"overpromise"},
    ),
    (
        "es-five-minutes",
        "es",
        STATEMENT_AT_FAULT,
        "Perdón por la caída de la app. En 5 minutos estará todo resuelto, seguiremos informando.",
        {"overpromise"},
    ),
    (
        "es-discount-code-in-crisis",
        "es",
        COMPLAINT_IN_CRISIS,
        "Sentimos el retraso 🙏 Para compensarte, aprovecha un 20% de descuento con el código PERDON20. "
        "Escríbenos por DM.",
        {"promotional_in_crisis"},
    ),
    (
        "es-promo-in-calm-times",
        "es",
        CALM,
        "¡Aprovecha! 2x1 en toda la tienda solo por hoy 🎉 Más info en acme.example/ofertas",
        set(),
    ),
    (
        "es-promotions-paused",
        "es",
        STATEMENT_AT_FAULT,
        "Hemos pausado todas las promociones mientras resolvemos la incidencia. Lo sentimos; la próxima "
        "actualización será a las 16:00.",
        set(),
    ),
    (
        "es-dismissive",
        "es",
        COMPLAINT_IN_CRISIS,
        "Tranquilízate, no es para tanto: solo es un pequeño retraso. Escríbenos por privado.",
        {"dismissive", "missing_apology", "missing_empathy"},
    ),
    (
        "es-defensive",
        "es",
        COMPLAINT_IN_CRISIS,
        "Como ya hemos explicado en nuestro comunicado, no es culpa nuestra. Lo sentimos. Más información en "
        "acme.example/estado",
        {"defensive"},
    ),
    (
        "es-delete-post",
        "es",
        COMPLAINT_IN_CRISIS,
        "Lo sentimos. Vamos a borrar la publicación para evitar confusiones y te escribimos por privado.",
        {"deletion_talk"},
    ),
    (
        "es-will-not-delete",
        "es",
        COMPLAINT_IN_CRISIS,
        "No vamos a borrar la publicación: lo sentimos y aquí seguiremos contestando. Próxima actualización a "
        "las 12:00.",
        set(),
    ),
    (
        "es-delete-personal-data-is-fine",
        "es",
        COMPLAINT_IN_CRISIS,
        "Lo sentimos. Si lo prefieres, vamos a eliminar tus datos de nuestra base; escríbenos por privado para "
        "confirmarlo.",
        set(),
    ),
    (
        "es-shouting",
        "es",
        COMPLAINT_IN_CRISIS,
        "LO SENTIMOS MUCHO, ESTAMOS TRABAJANDO EN ELLO!!! Escríbenos por DM.",
        {"shouting"},
    ),
    (
        "es-placeholders-left",
        "es",
        COMPLAINT_IN_CRISIS,
        "Hola {nombre}, lo sentimos. Te escribimos por privado antes de las [HORA].",
        {"placeholder_left"},
    ),
    (
        "es-emoji-empathy",
        "es",
        COMPLAINT,
        "Uf, qué rabia 😔 Entendemos tu frustración. ¿Nos pasas el número de pedido por DM y lo revisamos?",
        set(),
    ),
    (
        "es-data-breach-good",
        "es",
        STATEMENT_AT_FAULT,
        "Lamentamos informar de un acceso no autorizado a datos de contacto de algunos clientes. No afecta a "
        "contraseñas ni tarjetas. Hemos avisado a la AEPD y a las 13:00 publicaremos más detalles en "
        "acme.example/seguridad.",
        set(),
    ),
    (
        "es-data-breach-exaggerated",
        "es",
        STATEMENT_AT_FAULT,
        "Lo sentimos. Nuestros sistemas son los más seguros del mundo y sus datos están 100% protegidos. Más "
        "información en acme.example/seguridad.",
        {"exaggeration", "overpromise"},
    ),
    (
        "es-recall-good",
        "es",
        CRISIS,
        "Por precaución retiramos el lote 2231 de galletas de avena. Si las compraste, no las consumas: te "
        "devolvemos el importe en tienda. Toda la información en acme.example/retirada.",
        set(),
    ),
    (
        "es-rumour-good",
        "es",
        CRISIS,
        "Es falso que vayamos a cerrar las tiendas. Entendemos la preocupación; puedes consultar el comunicado "
        "oficial en acme.example/comunicado.",
        set(),
    ),
    (
        "es-rumour-mocking",
        "es",
        CRISIS,
        "Jajaja, ¿de verdad os creéis eso? Como ya se dijo, no tenemos ninguna culpa.",
        {"dismissive", "defensive", "missing_next_step"},
    ),
    (
        "es-negated-blame-subjunctive",
        "es",
        COMPLAINT_IN_CRISIS,
        "Lo sentimos, no creemos que sea tu culpa en absoluto. Te escribimos por privado.",
        set(),
    ),
    (
        "es-negligence-admitted",
        "es",
        COMPLAINT_IN_CRISIS,
        "Hubo negligencia por nuestra parte en el almacén. Lo sentimos; daremos novedades a las 17:00.",
        {"liability_admission"},
    ),
    (
        "es-negligence-investigated",
        "es",
        COMPLAINT_IN_CRISIS,
        "Lo sentimos. Estamos investigando si hubo negligencia en el almacén y a las 17:00 daremos novedades.",
        set(),
    ),
    (
        "es-no-next-step",
        "es",
        COMPLAINT_IN_CRISIS,
        "Lo sentimos mucho, entendemos tu frustración con el retraso.",
        {"missing_next_step"},
    ),
    (
        "es-vosotros-deleted-tweet",
        "es",
        STATEMENT_AT_FAULT,
        "Tenéis razón: el anuncio fue un error. Hemos borrado el tuit y pedimos disculpas.",
        {"deletion_talk", "missing_next_step"},
    ),
    (
        "es-ustedes-promo",
        "es",
        COMPLAINT_IN_CRISIS,
        "Les pedimos disculpas por la demora. No se pierdan nuestra oferta de envío gratis este fin de semana; "
        "escríbannos por DM.",
        {"promotional_in_crisis"},
    ),
    (
        "es-praise-calm",
        "es",
        CALM,
        "¡Muchas gracias, Lucía! Nos alegra que te gustara el pedido 😊",
        set(),
    ),
    (
        "es-over-the-top-apology",
        "es",
        COMPLAINT_IN_CRISIS,
        "Estamos devastados y te pedimos un millón de disculpas. Te escribimos por privado.",
        {"exaggeration"},
    ),
    (
        "es-how-sorry-we-are",
        "es",
        COMPLAINT_IN_CRISIS,
        "No sabes cuánto lo sentimos, Ana. Escríbenos por privado y lo resolvemos contigo.",
        set(),
    ),
    (
        "es-non-apology",
        "es",
        COMPLAINT_IN_CRISIS,
        "Sentimos que te hayas sentido así, pero el anuncio era una broma.",
        {"dismissive", "missing_apology", "missing_empathy", "missing_next_step"},
    ),
    (
        "es-tracking-code-is-not-a-promo",
        "es",
        COMPLAINT_IN_CRISIS,
        "Lo sentimos. Deberías haber recibido un correo con el código de seguimiento; si no, escríbenos por DM.",
        set(),
    ),
    # --- English ---------------------------------------------------------------------------------------
    (
        "en-delivery-good",
        "en",
        COMPLAINT_IN_CRISIS,
        "Hi Sam, we're really sorry your parcel hasn't arrived. Please DM us your order number and we'll look "
        "into it today.",
        set(),
    ),
    (
        "en-not-your-fault",
        "en",
        COMPLAINT_IN_CRISIS,
        "It's not your fault at all, and we're sorry for the confusion. Could you send us a DM so we can fix it?",
        set(),
    ),
    (
        "en-apology-but-blame",
        "en",
        COMPLAINT_IN_CRISIS,
        "Sorry, but you should have checked the delivery address before ordering.",
        {"blames_customer", "missing_next_step"},
    ),
    (
        "en-user-error",
        "en",
        COMPLAINT,
        "This looks like user error on your side. Try restarting the app.",
        {"blames_customer", "missing_empathy", "missing_next_step"},
    ),
    (
        "en-legal-liability",
        "en",
        STATEMENT_AT_FAULT,
        "We accept full legal liability for the data breach and apologise. Updates at acme.example/security.",
        {"liability_admission"},
    ),
    (
        "en-accountability",
        "en",
        STATEMENT_AT_FAULT,
        "We got this wrong, and we're sorry. We've paused the campaign and will share what we're changing at 3pm.",
        set(),
    ),
    (
        "en-negligent",
        "en",
        STATEMENT_AT_FAULT,
        "We were negligent with your data, and we are deeply sorry. We'll email every affected customer today.",
        {"liability_admission"},
    ),
    (
        "en-never-again-guaranteed",
        "en",
        COMPLAINT_IN_CRISIS,
        "We're sorry! This will never happen again, guaranteed. DM us if you need anything.",
        {"overpromise"},
    ),
    (
        "en-fixed-for-everyone",
        "en",
        STATEMENT_AT_FAULT,
        "Apologies for the outage — it will be immediately fixed for everyone. Next update at 10:30.",
        {"overpromise"},
    ),
    (
        "en-discount-code-in-crisis",
        "en",
        COMPLAINT_IN_CRISIS,
        "Sorry about the delay! Use code SORRY20 for 20% off your next order 👉 "
        "https://acme.example/shop?utm_campaign=sorry",
        {"promotional_in_crisis"},
    ),
    (
        "en-promo-in-calm-times",
        "en",
        CALM,
        "Our summer sale starts today: 30% off everything, don't miss it! #SummerSale",
        set(),
    ),
    (
        "en-dismissive",
        "en",
        COMPLAINT_IN_CRISIS,
        "Calm down, it's just a small delay lol",
        {"dismissive", "missing_apology", "missing_empathy", "missing_next_step"},
    ),
    (
        "en-defensive",
        "en",
        COMPLAINT_IN_CRISIS,
        "As we said in our statement, this was not our fault. We're sorry for the inconvenience. Details: "
        "acme.example/statement",
        {"defensive"},
    ),
    (
        "en-delete-post",
        "en",
        STATEMENT_AT_FAULT,
        "Sorry for the confusion. We will delete this post and share a corrected one at 5pm.",
        {"deletion_talk"},
    ),
    (
        "en-will-not-delete",
        "en",
        STATEMENT_AT_FAULT,
        "We won't delete this post: we got it wrong and we're sorry. Updates here at 14:00.",
        set(),
    ),
    (
        "en-shouting",
        "en",
        STATEMENT_AT_FAULT,
        "WE ARE AWARE OF THE ISSUE AND WORKING ON IT. Sorry!!! Updates at acme.example/status",
        {"shouting"},
    ),
    (
        "en-placeholders-left",
        "en",
        COMPLAINT_IN_CRISIS,
        "Hi {{ name }}, sorry for the wait. We'll update you at {next_update}.",
        {"placeholder_left"},
    ),
    (
        "en-emoji-empathy",
        "en",
        COMPLAINT_IN_CRISIS,
        "Oh no, that's not the experience we want for you 😔 We're sorry. Can you DM us your order number?",
        set(),
    ),
    (
        "en-data-breach-good",
        "en",
        STATEMENT_AT_FAULT,
        "We're sorry: an unauthorised party accessed some customers' contact details. Passwords and cards were "
        "not affected. We'll post the next update at 13:00 on acme.example/security.",
        set(),
    ),
    (
        "en-exaggeration-no-apology",
        "en",
        STATEMENT_AT_FAULT,
        "We have the best security team in the world and we're heartbroken. We'll share more at 4pm.",
        {"exaggeration", "missing_apology"},
    ),
    (
        "en-no-empathy",
        "en",
        COMPLAINT,
        "Your refund was processed on Monday. You can track it at acme.example/refunds.",
        {"missing_empathy"},
    ),
    (
        "en-recall-good",
        "en",
        CRISIS,
        "As a precaution we are recalling batch 2231 of our oat biscuits. If you bought some, please don't eat "
        "them: bring them back for a full refund. Full details at acme.example/recall.",
        set(),
    ),
    (
        "en-rumour-good",
        "en",
        CRISIS,
        "That's not true: all our stores remain open. We understand the worry; the official statement is at "
        "acme.example/statement.",
        set(),
    ),
    (
        "en-rumour-mocking",
        "en",
        CRISIS,
        "lol no, we're obviously not closing 🙄 whatever.",
        {"dismissive", "missing_next_step"},
    ),
    (
        "en-refuses-to-apologise",
        "en",
        COMPLAINT_IN_CRISIS,
        "We will not apologise for a joke. With all due respect, read the statement.",
        {"defensive", "missing_apology", "missing_empathy"},
    ),
    (
        "en-cannot-guarantee",
        "en",
        COMPLAINT_IN_CRISIS,
        "We're sorry. We can't guarantee a delivery date yet, but we'll update you by 6pm.",
        set(),
    ),
    (
        "en-how-sorry-we-are",
        "en",
        COMPLAINT_IN_CRISIS,
        "You have no idea how sorry we are. DM us and we'll make it right.",
        set(),
    ),
    (
        "en-praise-calm",
        "en",
        CALM,
        "Thanks for the kind words, Jo! 💛",
        set(),
    ),
    (
        "en-not-a-big-deal",
        "en",
        COMPLAINT_IN_CRISIS,
        "It's not a big deal, you'll get your order tomorrow. Sorry.",
        {"dismissive", "missing_next_step"},
    ),
    (
        "en-hidden-comments",
        "en",
        STATEMENT_AT_FAULT,
        "We've hidden the comments on this post while we investigate. Sorry.",
        {"deletion_talk", "missing_next_step"},
    ),
    (
        "en-non-apology",
        "en",
        COMPLAINT_IN_CRISIS,
        "We're sorry if anyone was offended by the ad.",
        {"dismissive", "missing_apology", "missing_empathy", "missing_next_step"},
    ),
    (
        "en-verification-code-is-not-a-promo",
        "en",
        COMPLAINT_IN_CRISIS,
        "Sorry! You should have received an email from us. Please enter the code we sent you to reset your password.",
        set(),
    ),
    (
        "en-user-deletes-own-card-number",
        "en",
        COMPLAINT_IN_CRISIS,
        "Sorry for the trouble! For your safety, please delete the comment with your card number and DM us instead.",
        set(),
    ),
]


@pytest.mark.parametrize(("lang", "context", "text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_draft_flags(lang: str, context: ToneContext, text: str, expected: set[str]) -> None:
    report = check_draft(text, context=context)
    assert report.lang == lang
    assert report.codes == expected
    assert report.ok == (not any(flag.severity is FlagSeverity.block for flag in report.flags))
    for flag in report.flags:
        if flag.evidence is not None:
            assert text[flag.evidence.start : flag.evidence.end] == flag.evidence.text


def test_there_are_enough_drafts_in_each_language() -> None:
    assert sum(1 for case in CASES if case[1] == "es") >= 24
    assert sum(1 for case in CASES if case[1] == "en") >= 24
    assert len({case[0] for case in CASES}) == len(CASES)


def test_a_good_draft_scores_one_and_is_ok() -> None:
    report = check_draft(
        "Lo sentimos mucho. Te escribimos por privado ahora mismo.", lang="es", context=COMPLAINT_IN_CRISIS
    )
    assert report.flags == ()
    assert report.score == 1.0
    assert report.ok is True


def test_evidence_points_at_the_phrase_in_the_original_text() -> None:
    text = "Lo sentimos, pero como ya te dijimos, DEBERÍAS HABER LEÍDO las condiciones."
    report = check_draft(text, lang="es", context=COMPLAINT)
    blame = [flag for flag in report.flags if flag.code is ToneCode.blames_customer]
    assert [flag.evidence for flag in blame] == [
        Evidence("como ya te dijimos", 18, 36),
        Evidence("DEBERÍAS HABER LEÍDO", 38, 58),
    ]
    assert all(flag.severity is FlagSeverity.block for flag in blame)
    assert report.ok is False


def test_flags_come_in_text_order_with_missing_checks_last() -> None:
    text = "Calm down. We will delete this post."
    report = check_draft(text, lang="en", context=COMPLAINT_IN_CRISIS)
    assert [flag.code for flag in report.flags] == [
        ToneCode.dismissive,
        ToneCode.deletion_talk,
        ToneCode.missing_empathy,
        ToneCode.missing_apology,
        ToneCode.missing_next_step,
    ]
    assert [flag.evidence is None for flag in report.flags] == [False, False, True, True, True]


def test_score_counts_each_code_once_at_its_worst() -> None:
    # Two overpromise phrases (block in a crisis) and one missing next step (warn in a crisis).
    report = check_draft("Sorry! It will never happen again, guaranteed.", lang="en", context=STATEMENT_AT_FAULT)
    assert report.codes == {"overpromise", "missing_next_step"}
    assert len(report.flags) == 3
    assert report.score == 0.45
    assert report.ok is False


@pytest.mark.parametrize(
    ("context", "code", "severity"),
    [
        (CALM, ToneCode.overpromise, FlagSeverity.warn),
        (CRISIS, ToneCode.overpromise, FlagSeverity.block),
        (ToneContext(severity="sev1"), ToneCode.overpromise, FlagSeverity.block),
        (ToneContext(severity="sev3"), ToneCode.overpromise, FlagSeverity.warn),
    ],
)
def test_overpromises_block_only_in_a_crisis(context: ToneContext, code: ToneCode, severity: FlagSeverity) -> None:
    report = check_draft("We guarantee it: this will never happen again. DM us.", lang="en", context=context)
    assert {flag.severity for flag in report.flags if flag.code is code} == {severity}


@pytest.mark.parametrize(("level", "severity"), [("sev1", FlagSeverity.block), ("sev3", FlagSeverity.warn)])
def test_missing_apology_blocks_in_a_major_crisis(level: str, severity: FlagSeverity) -> None:
    context = ToneContext(in_crisis=True, severity=level, apology_due=True, is_reply_to_complaint=True)
    text = "We understand how frustrating the outage is. Our engineers are on it; next update at 11:00."
    report = check_draft(text, lang="en", context=context)
    assert report.codes == {"missing_apology"}
    assert report.flags[0].severity is severity


def test_missing_next_step_is_only_information_outside_a_crisis() -> None:
    report = check_draft("We're sorry about that.", lang="en", context=COMPLAINT)
    assert [(flag.code, flag.severity) for flag in report.flags] == [(ToneCode.missing_next_step, FlagSeverity.info)]
    assert report.ok is True
    assert report.score == 0.95


def test_severity_alone_puts_the_reply_in_a_crisis() -> None:
    text = "Sorry for the wait! Use code SORRY20 for 20% off. DM us."
    assert check_draft(text, lang="en", context=ToneContext(severity="SEV2")).codes == {"promotional_in_crisis"}
    assert check_draft(text, lang="en", context=ToneContext(severity="sev4")).codes == set()


def test_too_long_names_the_length_and_the_limit() -> None:
    text = "We're sorry about the delay with your order. Please send us a DM with your order number so we can check."
    report = check_draft(text, lang="en", context=ToneContext(max_chars=80))
    assert report.codes == {"too_long"}
    flag = report.flags[0]
    assert flag.evidence == Evidence(text[80:], 80, len(text))
    assert flag.message == f"The reply has {len(text)} characters and the limit here is 80. Shorten it or split it."
    with i18n.use_locale("es"):
        spanish = check_draft(text, lang="en", context=ToneContext(max_chars=80)).flags[0].message
    assert spanish == f"La respuesta tiene {len(text)} caracteres y aquí el límite es 80. Acórtala o divídela."


def test_flag_messages_in_english() -> None:
    report = check_draft("Calm down. It's your fault.", lang="en", context=COMPLAINT_IN_CRISIS)
    messages = {flag.code: flag.message for flag in report.flags}
    assert messages[ToneCode.dismissive] == "“Calm down” belittles the person's concern. Take the problem seriously."
    assert messages[ToneCode.blames_customer] == (
        "“your fault” blames the person you are answering. Explain what happened without making it their fault."
    )
    assert messages[ToneCode.missing_empathy] == (
        "This answers a complaint but shows no empathy: acknowledge how the person feels before explaining."
    )
    assert messages[ToneCode.missing_apology] == (
        "An apology is due here and the reply does not apologise: say sorry plainly, without excuses."
    )


def test_flag_messages_in_spanish() -> None:
    with i18n.use_locale("es"):
        report = check_draft("Cálmate. Vamos a borrar la publicación.", lang="es", context=COMPLAINT_IN_CRISIS)
    messages = {flag.code: flag.message for flag in report.flags}
    assert messages[ToneCode.dismissive] == (
        "«Cálmate» quita importancia a la preocupación de la persona. Tómate el problema en serio."
    )
    assert messages[ToneCode.deletion_talk] == (
        "«Vamos a borrar» habla de borrar u ocultar publicaciones. La norma es no borrar nunca: aclara, corrige "
        "y pide disculpas."
    )
    assert messages[ToneCode.missing_next_step] == (
        "La respuesta no indica un siguiente paso: añade un canal de contacto, un enlace, la invitación a seguir "
        "por mensaje privado o la hora de la próxima actualización."
    )


def test_every_code_has_a_message_in_both_languages() -> None:
    text = (
        "NO ES PARA TANTO, CÁLMATE!!! Es tu culpa. Asumimos la responsabilidad legal. El mejor servicio del "
        "mundo. Nunca volverá a pasar. Aprovecha el descuento. Como ya dijimos. Vamos a borrar el post. {nombre}"
    )
    context = ToneContext(
        in_crisis=True, severity="sev1", apology_due=True, is_reply_to_complaint=True, max_chars=len(text) - 1
    )
    english = check_draft(text, lang="es", context=context)
    assert english.codes == {code.value for code in ToneCode}
    with i18n.use_locale("es"):
        spanish = check_draft(text, lang="es", context=context)
    assert english.score == spanish.score == 0.0
    for en_flag, es_flag in zip(english.flags, spanish.flags, strict=True):
        assert en_flag.code == es_flag.code
        assert en_flag.message != es_flag.message
        assert "{" not in es_flag.message.replace("{nombre}", "")


def test_language_is_detected_or_taken_from_the_caller() -> None:
    assert check_draft("Lo sentimos 🙏", context=CALM).lang == "es"
    assert check_draft("Sorry!", context=CALM).lang == "en"
    assert check_draft("Sorry!", lang="en-GB", context=CALM).lang == "en"
    assert check_draft("Perdón", lang="es_MX", context=CALM).lang == "es"


def test_spanish_words_are_not_read_with_the_english_lexicon() -> None:
    # "sale" is a verb in Spanish ("it goes out"), a promotion in English.
    text = "Lo sentimos. El pedido sale hoy del almacén; te escribimos por privado con el seguimiento."
    assert check_draft(text, context=COMPLAINT_IN_CRISIS).codes == set()
    assert check_draft("Sorry! Our sale ends today. DM us.", context=COMPLAINT_IN_CRISIS).codes == {
        "promotional_in_crisis"
    }


def test_report_as_dict() -> None:
    report = check_draft("Sorry, it's your fault. DM us.", lang="en", context=COMPLAINT)
    assert report.as_dict() == {
        "lang": "en",
        "ok": False,
        "score": 0.6,
        "flags": [
            {
                "code": "blames_customer",
                "severity": "block",
                "message": "“your fault” blames the person you are answering. Explain what happened without making "
                "it their fault.",
                "evidence": {"text": "your fault", "start": 12, "end": 22},
            }
        ],
    }


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"severity": "critical"}, "invalid_severity", "Unknown severity 'critical': use sev1, sev2, sev3 or sev4."),
        ({"max_chars": 0}, "invalid_max_chars", "max_chars must be a positive whole number, not 0."),
        ({"max_chars": True}, "invalid_max_chars", "max_chars must be a positive whole number, not True."),
    ],
)
def test_invalid_context(kwargs: dict[str, object], code: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ToneContext(**kwargs)
    assert caught.value.code == code
    assert caught.value.message == message


def test_invalid_context_message_in_spanish() -> None:
    with i18n.use_locale("es"), pytest.raises(ValidationError) as caught:
        ToneContext(severity="sev9")
    assert caught.value.message == "Gravedad desconocida 'sev9': usa sev1, sev2, sev3 o sev4."


def test_unsupported_language_and_empty_draft() -> None:
    with pytest.raises(ValidationError) as caught:
        check_draft("Olá, desculpe", lang="pt", context=CALM)
    assert caught.value.code == "unsupported_language"
    assert caught.value.message == ("Unsupported language 'pt': drafts can be checked in Spanish (es) or English (en).")
    with pytest.raises(ValidationError) as caught:
        check_draft("   ", context=CALM)
    assert caught.value.code == "empty_draft"
    assert caught.value.message == "The draft is empty."


def test_oversized_draft_is_refused() -> None:
    with pytest.raises(PayloadTooLargeError) as caught:
        check_draft("a" * (MAX_DRAFT_CHARS + 1), lang="en", context=CALM)
    assert caught.value.code == "draft_too_long"
    assert caught.value.message == (
        f"The draft is too long to check ({MAX_DRAFT_CHARS + 1} characters; the limit is {MAX_DRAFT_CHARS})."
    )


def test_evidence_offsets_survive_decomposed_accents_and_emoji() -> None:
    # "Cálmate" typed with a separate combining accent, after an emoji outside the Basic Multilingual Plane.
    text = "🙏 Lo sentimos. Ca\u0301lmate, escríbenos por DM."
    report = check_draft(text, lang="es", context=COMPLAINT_IN_CRISIS)
    assert report.codes == {"dismissive"}
    assert report.flags[0].evidence == Evidence("Ca\u0301lmate", 15, 23)


def test_acronyms_are_not_shouting_and_the_longest_capital_run_is_the_evidence() -> None:
    calm = "Sorry! Please DM us your ID or call our FAQ line; the CEO has been told. Update at 14:00 UTC."
    assert check_draft(calm, lang="en", context=CALM).codes == set()
    loud = "Sorry, THIS IS not ok. NOT FAIR AT ALL FOR US. DM us."
    report = check_draft(loud, lang="en", context=CALM)
    assert [flag.evidence for flag in report.flags] == [Evidence("NOT FAIR AT ALL FOR US", 23, 45)]
