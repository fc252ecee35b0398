"""Issue types: hand-written Spanish and English posts with their exact label sets, and odd input."""

from __future__ import annotations

import random

import pytest

from baliza.analysis.issue_types import ISSUE_TYPES, NO_ISSUES, IssueType, issue_types

CASES: list[tuple[str, set[str]]] = [
    # --- Spanish (Spain) ---
    ("Mi pedido no ha llegado y nadie contesta en el chat", {"complaint", "delivery", "customer_service"}),
    ("Llevo dos horas esperando al repartidor y la app dice que ya está entregado 😡", {"complaint", "delivery"}),
    ("El repartidor me dejó la compra en el portal del vecino", {"complaint", "delivery"}),
    ("¿Cuándo llega mi pedido? Tenía franja de 10 a 11", {"delivery", "question"}),
    ("El yogur venía caducado y el pan tenía moho. Qué asco", {"complaint", "product_quality"}),
    ("Me habéis mandado la leche en mal estado, olía fatal", {"complaint", "product_quality"}),
    ("Me cobraron dos veces el mismo pedido, quiero el reembolso ya", {"complaint", "pricing"}),
    ("La factura tiene un cargo que no reconozco, ¿me lo explicáis?", {"complaint", "pricing", "question"}),
    ("Los precios han subido un 20% en un mes, sois unos sacacuartos", {"complaint", "pricing"}),
    ("Llevo 40 minutos en espera con atención al cliente y nadie responde", {"complaint", "customer_service"}),
    ("Vaya anuncio más machista habéis sacado, de verdad que es ofensivo", {"complaint", "marketing"}),
    ("Ese anuncio es racista y lo sabéis. Retiradlo ya", {"complaint", "marketing"}),
    ("¿Os han hackeado? Me han llegado correos raros y han cambiado mi contraseña", {"privacy", "question"}),
    ("Hay una filtración de datos personales de clientes de Acme, mirad esto", {"privacy"}),
    ("Voy a poner una denuncia en consumo y hablaré con la OCU", {"legal"}),
    ("Ya tengo abogado. Nos vemos en el juzgado, Acme", {"legal"}),
    ("El encargado de la tienda de Sol fue un maleducado conmigo", {"conduct"}),
    ("El CEO de Acme diciendo en la tele que los riders son caros. Vergüenza", {"complaint", "conduct", "delivery"}),
    ("Mi hijo tuvo una reacción alérgica con vuestras galletas, estamos en urgencias", {"health"}),
    ("Intoxicación alimentaria después de comer vuestra ensalada, toda la familia vomitando", {"health"}),
    ("Boicot a Acme ya. No compréis nada hasta que den explicaciones #BoicotAcme", {"boycott"}),
    ("Propongo que mañana nadie pida en Acme. RT si te apuntas", {"boycott"}),
    ("Dicen que Acme cierra y despide a todos los trabajadores. ¿Es verdad?", {"conduct", "rumour", "question"}),
    ("Me han dicho que el sistema lo han hackeado, pero no sé si es un bulo", {"privacy", "rumour"}),
    ("¿Alguien sabe cómo cancelar un pedido en la app?", {"question"}),
    ("¿Hacéis entregas en Alcalá de Henares?", {"delivery", "question"}),
    ("Muchas gracias al repartidor, súper amable y puntual 👏", {"delivery", "praise"}),
    ("Me encanta Acme, la fruta llega buenísima. Lo recomiendo", {"praise"}),
    ("No tengo ninguna queja, todo perfecto", {"praise"}),
    ("No estoy contento con el servicio de este mes", {"complaint"}),
    ("genial, tercer día sin pedido 👏👏 gracias @acmefoods_es #AcmeNoLlega", {"complaint", "delivery"}),
    ("Pedido de Acme para mañana hecho y sin salir del sofá", set()),
    ("Gracias por avisar, Acme. Ya era hora.", {"complaint", "customer_service"}),
    ("¿En serio? Otra vez sin pedido", {"complaint", "delivery"}),
    ("Lo peor no es el retraso, es que Acme no diga NADA", {"complaint", "customer_service", "delivery"}),
    ("Sin retrasos y todo perfecto esta semana, bien por Acme", {"praise"}),
    ("Hoy hace sol en Madrid", set()),
    # --- Spanish (Mexico, Argentina, Venezuela) ---
    ("Qué onda, neta el repartidor nunca llegó, qué mala onda", {"complaint", "delivery"}),
    ("Acme se pasó de lanza, hora y media y nada #AcmeNoLlega", {"complaint", "delivery"}),
    (
        "Che, el pedido llegó re tarde y nadie atiende el teléfono, una vergüenza",
        {"complaint", "delivery", "customer_service"},
    ),
    ("Qué ladilla con Acme, chamo, el pedido no llega", {"complaint", "delivery"}),
    # --- English ---
    ("My order never arrived and nobody answers the phone", {"complaint", "delivery", "customer_service"}),
    ("Still waiting for my delivery, tracking hasn't moved in 3 hours", {"complaint", "delivery"}),
    ("The courier left my parcel in the rain again. Soggy everything", {"complaint", "delivery", "product_quality"}),
    ("The milk was expired and the bread was mouldy. Disgusting", {"complaint", "product_quality"}),
    ("Product recall? My salad had a piece of plastic in it", {"complaint", "product_quality", "question"}),
    ("I was charged twice for the same order, I want a refund", {"complaint", "pricing"}),
    ("Your prices are ridiculous now. Overpriced and the fees keep growing", {"complaint", "pricing"}),
    ("On hold with customer service for 45 minutes. Nobody answers", {"complaint", "customer_service"}),
    ("That ad is so tone-deaf. Who approved this?", {"complaint", "marketing", "question"}),
    ("Your new commercial is offensive and racist", {"complaint", "marketing"}),
    ("Was there a data breach? Someone logged into my account and changed my password", {"privacy", "question"}),
    ("I'm talking to my lawyer about this. See you in court", {"legal"}),
    ("The store manager was rude and yelled at me in front of everyone", {"conduct"}),
    ("My kid had an allergic reaction and we're in the hospital", {"health"}),
    ("Food poisoning after your chicken wrap. Never again", {"complaint", "health"}),
    ("Boycott Acme. Don't buy from them until they fix this #boycottacme", {"boycott"}),
    ("I heard Acme is shutting down, is it true?", {"rumour", "question"}),
    ("Does anyone know how to change the delivery address?", {"delivery", "question"}),
    ("Thank you Acme, the driver was lovely and everything arrived on time", {"delivery", "praise"}),
    ("Love the new app, great job!", {"praise"}),
    ("I have no complaints, everything was great", {"praise"}),
    ("Not happy with the service this month", {"complaint"}),
    ("Great, another day without my groceries 👏 thanks @acmefoods", {"complaint", "delivery"}),
    ("In order to get the discount, do I need a promo code?", {"pricing", "question"}),
    ("Credit to the Acme social team, they replied fast", {"customer_service", "praise"}),
    ("I'm sick of waiting for my order", {"complaint", "delivery"}),
    # --- nothing to say ---
    ("Acme", set()),
    ("😡😡😡", {"complaint"}),
    ("❤️❤️", {"praise"}),
    ("🙂", set()),
    # Emergencies a public body hears about, and products that fail or are unsafe
    ("Llevamos dos días sin agua en el barrio y nadie del Ayuntamiento informa", {"health"}),
    ("¿Dónde hay puntos de vacunación abiertos este fin de semana?", {"health", "question"}),
    ("Inundaciones en la calle Mayor, el agua entra en los portales", {"health"}),
    ("Brote de gastroenteritis en el colegio tras el comedor", {"health"}),
    ("Flooding on Main Street, water coming into the houses", {"health"}),
    ("Power cut across town since 8am, my dad is on oxygen", {"health"}),
    ("Where can I get the flu vaccine this weekend?", {"health", "question"}),
    ("The shop was flooded with customers today, great sale", {"praise"}),
    ("El cargador se calentó y se derritió, podía haber provocado un incendio", {"complaint", "product_quality"}),
    ("La batería del patinete explotó en casa", {"complaint", "product_quality"}),
    ("The zip broke the first time I wore the jacket", {"complaint", "product_quality"}),
    ("The charger overheated and melted, it could have started a fire", {"complaint", "product_quality"}),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_labels(text: str, expected: set[str]) -> None:
    found = issue_types(text)
    assert set(found.ids) == expected
    for label in found.labels:
        assert 0.0 < label.confidence <= 1.0
        assert label.cues


def test_there_are_enough_hand_written_cases() -> None:
    assert len(CASES) >= 50
    covered = set().union(*(expected for _text, expected in CASES))
    assert covered == {issue_type.value for issue_type in ISSUE_TYPES}


def test_type_ids_and_order_are_stable() -> None:
    assert [t.value for t in ISSUE_TYPES] == [
        "complaint",
        "delivery",
        "product_quality",
        "customer_service",
        "pricing",
        "marketing",
        "privacy",
        "legal",
        "conduct",
        "health",
        "boycott",
        "rumour",
        "question",
        "praise",
    ]


def test_labels_come_in_type_order_with_their_cues() -> None:
    found = issue_types("Me cobraron dos veces, quiero el reembolso y nadie contesta en el chat")
    assert found.ids == ("complaint", "customer_service", "pricing")
    pricing = found.get("pricing")
    assert pricing is not None
    assert pricing.cues == ("me cobraron dos veces", "reembols*")
    assert IssueType.pricing in found
    assert "praise" not in found
    assert found.get("praise") is None


def test_more_cues_mean_more_confidence() -> None:
    one = issue_types("quiero el reembolso").get("pricing")
    two = issue_types("quiero el reembolso, me cobraron dos veces y la factura está mal").get("pricing")
    assert one is not None and two is not None
    assert 0.5 < one.confidence < two.confidence <= 1.0


@pytest.mark.parametrize(
    "text",
    ["REEMBOLSO YA", "reembolsó", "Reembolsar el pedido", "los reembolsos", "#reembolso", "(reembolso)"],
)
def test_matching_ignores_case_and_accents_and_stems_match_word_starts(text: str) -> None:
    assert "pricing" in issue_types(text)


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("fuimos al precioso pueblo", "pricing"),  # "precio*" is a stem, but "precioso" is not a price
        ("L'Hospitalet de Llobregat", "health"),  # "hospital" is a whole word
        ("@kike_rider gracias por todo", "delivery"),  # inside a handle
        ("la fotocomposición del anuncio", "health"),
        ("the adventure starts", "marketing"),  # "ad" only as a word
        ("a tope con el curro", "praise"),
    ],
)
def test_word_boundaries(text: str, absent: str) -> None:
    assert absent not in issue_types(text)


def test_urls_are_not_read() -> None:
    assert issue_types("https://diario.example/consumo/2026/abogado?q=hackeo") == NO_ISSUES


def test_camel_case_hashtags_are_read_as_words() -> None:
    assert set(issue_types("#AcmeNoLlega").ids) == {"complaint", "delivery"}
    assert "boycott" in issue_types("#BoicotAcme")


@pytest.mark.parametrize(
    ("text", "absent", "present"),
    [
        ("no tengo ninguna queja", "complaint", None),
        ("I have no complaint at all", "complaint", None),
        ("sin retrasos esta semana", "delivery", None),
        ("no estoy contenta", "praise", "complaint"),
        ("not happy at all", "praise", "complaint"),
        ("I don't recommend it", "praise", "complaint"),
    ],
)
def test_negation(text: str, absent: str, present: str | None) -> None:
    found = issue_types(text)
    assert absent not in found
    if present is not None:
        assert present in found


def test_negation_stays_in_its_clause() -> None:
    # "no" belongs to the previous clause; the thanks are sincere.
    assert "praise" in issue_types("Dije que no, gracias por preguntar")
    # An emoji ends the clause too.
    assert "praise" in issue_types("sin faltar nada 🎂 gracias!!")


def test_the_post_language_weakens_cues_of_the_other_language() -> None:
    assert "marketing" in issue_types("Nice ad", lang="en")
    assert "marketing" not in issue_types("Nice ad", lang="es")
    assert "marketing" in issue_types("Nice ad")


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n\t",
        "🙂🙃🫠",
        "https://acme.example/x?y=1",
        "طلبي لم يصل بعد",
        "我的订单还没到",
        "Моя посылка так и не пришла",
        "注文がまだ届きません",
        "12345 67890",
    ],
)
def test_nothing_to_find(text: str) -> None:
    assert issue_types(text) == NO_ISSUES


ODD_INPUTS = [
    "abc\ud800def queja",
    "\x00\x01\x02 reembolso",
    "\u200b\u200d\ufeff",
    "Z̴̡̛͎a̸̢͚l̷̙̈́g̶̱̈o̷͇͝",
    "\U0010ffff\U000e0001\ue000",
    "#" * 500,
    "#A" * 500,
    "?" * 1000,
    "¿" * 1000,
    "no " * 5000,
    "\n".join(["línea"] * 500),
]


@pytest.mark.parametrize("text", ODD_INPUTS)
def test_never_raises_on_odd_input(text: str) -> None:
    for label in issue_types(text).labels:
        assert 0.0 < label.confidence <= 1.0


def test_long_posts() -> None:
    text = "Mi pedido no ha llegado. " + "bla " * 5000  # 20k characters
    assert len(text) > 20_000
    assert {"complaint", "delivery"} <= set(issue_types(text).ids)


def test_never_raises_on_random_code_points() -> None:
    rng = random.Random(20261120)
    for _ in range(300):
        text = "".join(chr(rng.randint(0, 0x10FFFF)) for _ in range(rng.randint(0, 120)))
        issue_types(text)
