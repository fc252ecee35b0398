# ruff: noqa: E501
"""Genera ``mentions.jsonl`` para la demo de Acme Foods / Generates ``mentions.jsonl`` for the Acme Foods demo.

Un día (viernes 2026-11-20, hora de Madrid): una mañana normal y, desde las 12:30, el fallo de
repartos de mediodía (#AcmeNoLlega), la queja de @comeconmarta (13:05), la pregunta de una
periodista (13:40), la declaración de Acme (13:46), las respuestas y la bajada por la tarde.

One day (Friday 2026-11-20, Madrid time): a normal morning and, from 12:30, the lunchtime
delivery failure (#AcmeNoLlega), @comeconmarta's complaint (13:05), a journalist's question
(13:40), Acme's statement (13:46), the replies and the afternoon decay.

Los textos están escritos a mano; el guion sólo reparte horas, autores, ids y métricas con una
semilla fija, así que el fichero sale siempre igual. / The texts are hand-written; the script only
assigns times, authors, ids and metrics from a fixed seed, so the file always comes out the same.

    .venv/bin/python scripts/generate_acme_mentions.py
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson

SEED = 20261120
TZ = timezone(timedelta(hours=1))
DAY = datetime(2026, 11, 20, tzinfo=TZ)
OUT = Path(__file__).resolve().parents[1] / "src" / "baliza" / "examples" / "acme" / "mentions.jsonl"
STATEMENT = DAY.replace(hour=13, minute=46)  # primera declaración pública / first public statement

# Franjas horarias de cada fase / Time windows of each phase
PHASES: dict[str, tuple[str, str]] = {
    "night": ("00:05", "06:55"),
    "morning": ("07:00", "12:28"),
    "rise": ("12:30", "13:04"),
    "peak": ("13:05", "13:45"),
    "reply": ("13:46", "14:45"),
    "ease": ("14:45", "15:45"),
    "afternoon": ("15:45", "19:00"),
    "evening": ("19:00", "23:50"),
}

MAX_LEN = {"x": 280, "bluesky": 300, "mastodon": 500, "instagram": 2200, "facebook": 8000, "youtube": 10000}


@dataclass(frozen=True)
class Author:
    name: str
    display: str
    followers: int
    verified: bool = False
    instance: str = "mastodon.social"
    lang: str = "es"
    kind: str = "social"  # social | news | mail


@dataclass
class E:
    """Una mención escrita a mano / One hand-written mention."""

    plat: str
    lang: str
    text: str
    phase: str | None = None
    at: str | None = None
    who: str | None = None
    k: str | None = None
    to: str | None = None
    qt: str | None = None
    rt: str | None = None
    heat: float = 1.0
    sub: str | None = None
    m: tuple[int, int, int, int] | None = None
    after: tuple[float, float] = (1.0, 25.0)
    comment: bool = True


# --- Autores con nombre / Named authors -----------------------------------------------------
NAMED: dict[str, Author] = {
    "acme": Author("acmefoods", "Acme Foods", 84200, True),
    "acme_es": Author("acmefoods_es", "Acme Foods España", 41300, True),
    "marta": Author("comeconmarta", "Marta | Come con Marta 🍳", 250000, True),
    "irene": Author("irenesoto_info", "Irene Soto · Periodista de consumo en @diarioagora · DMs abiertos", 38400, True),
    "kike": Author("kike_rider", "Kike 🚲 rider", 1240),
    "jen": Author("jeneatsmadrid", "Jen | Eats Madrid 🥘 (American in Spain)", 18300, lang="en"),
    "dani": Author("CocinaConDani", "Cocina con Dani", 312000, True),
    "freshbox": Author("freshbox_es", "FreshBox España", 52000, True),
    "mercalia": Author("mercalia", "Mercalia", 67000, True),
    "chollos": Author("chollosya", "Chollos Ya 🔥 ofertas diarias", 54100),
    "deals": Author("dealsradar", "DealsRadar Spain", 8900, lang="en"),
    "boicot": Author("nuria_vlc", "Núria 🍊 València", 3100),
    "sre": Author("tomwalker_ops", "Tom Walker · SRE, opinions mine", 6200, lang="en", instance="hachyderm.io"),
    "ux": Author("paula_uxbcn", "Paula · UX en Barcelona", 4100, instance="masto.es"),
}

# Medios: el "handle" es el dominio / News outlets: the "handle" is the domain
NEWS: dict[str, Author] = {
    "agora": Author("diarioagora.example", "Diario Ágora", 410000, True, kind="news"),
    "mam": Author("madridalminuto.example", "Madrid al Minuto", 185000, True, kind="news"),
    "tsp": Author("thespainpost.example", "The Spain Post", 96000, True, kind="news", lang="en"),
    "retail": Author("retailhoy.example", "Retail Hoy", 22000, True, kind="news"),
}

# Correo y formulario: el "handle" es la dirección / Email and form: the "handle" is the address
MAIL: dict[str, Author] = {
    key: Author(addr, display, 0, kind="mail")
    for key, addr, display in [
        ("carmen", "carmen.ruiz71@example.com", "Carmen Ruiz"),
        ("ines", "ines.marin@example.net", "Inés Marín"),
        ("giulia", "giulia.rossi.bcn@example.org", "Giulia Rossi"),
        ("pilar", "pilar.gomez.s@example.com", "Pilar Gómez"),
        ("raul", "raulvega84@example.net", "Raúl Vega"),
        ("yolanda", "yolanda.herrera@example.com", "Yolanda Herrera"),
        ("owen", "owen.doyle@example.co.uk", "Owen Doyle"),
        ("andres", "andres.castillo@example.es", "Andrés Castillo"),
        ("hannah", "hannah.k.shaw@example.com", "Hannah Shaw"),
        ("marisa", "marisa.llorente@example.es", "Marisa Llorente"),
    ]
}

ES_FIRST = [
    "Laura",
    "Pablo",
    "Nuria",
    "Javi",
    "Carmen",
    "Sergio",
    "Alba",
    "Dani",
    "Rocío",
    "Álvaro",
    "Paula",
    "Jorge",
    "Cristina",
    "Raúl",
    "Elena",
    "Iker",
    "Ainhoa",
    "Marc",
    "Laia",
    "Jordi",
    "Montse",
    "Pilar",
    "Andrés",
    "Bea",
    "Hugo",
    "Sara",
    "Miguel",
    "Guille",
    "Rubén",
    "Noelia",
    "Vero",
    "Patri",
    "Fer",
    "Quique",
    "Toni",
    "Maite",
    "Inés",
    "Ximena",
    "Valentina",
    "Camila",
    "Mateo",
    "Santi",
    "Luciana",
    "Sofía",
    "Joaquín",
    "Renata",
    "Nacho",
    "Lola",
    "Manu",
    "Irati",
    "Yolanda",
    "Óscar",
    "Marisa",
    "Gabriela",
    "Andrea",
    "Carlos",
    "Julia",
    "Adrián",
]
ES_LAST = [
    "López",
    "Martín",
    "Sánchez",
    "Pérez",
    "Gómez",
    "Ruiz",
    "Díaz",
    "Moreno",
    "Muñoz",
    "Álvarez",
    "Romero",
    "Navarro",
    "Domínguez",
    "Vázquez",
    "Gil",
    "Serrano",
    "Blanco",
    "Molina",
    "Castro",
    "Ortiz",
    "Rubio",
    "Marín",
    "Sanz",
    "Iglesias",
    "Medina",
    "Garrido",
    "Cortés",
    "Castillo",
    "Herrera",
    "Vega",
    "Ríos",
    "Flores",
    "Rojas",
    "Mendoza",
    "Aguirre",
    "Llorente",
    "Puig",
    "Ferrer",
    "Etxeberria",
    "Quintana",
]
EN_FIRST = [
    "Emma",
    "Jack",
    "Olivia",
    "Liam",
    "Chloe",
    "Tom",
    "Sophie",
    "Ben",
    "Hannah",
    "Sam",
    "Jess",
    "Ryan",
    "Megan",
    "Daniel",
    "Katie",
    "Josh",
    "Amy",
    "Luke",
    "Rachel",
    "Matt",
    "Priya",
    "Aisha",
    "Noah",
    "Grace",
    "Ethan",
    "Zoe",
    "Owen",
    "Nina",
    "Alex",
    "Kate",
    "Finn",
    "Maya",
    "Lars",
    "Anke",
    "Giulia",
    "Pieter",
]
EN_LAST = [
    "Smith",
    "Brown",
    "Wilson",
    "Taylor",
    "Clarke",
    "Hughes",
    "Evans",
    "Murphy",
    "O'Brien",
    "Kelly",
    "Patel",
    "Cooper",
    "Bennett",
    "Reid",
    "Fischer",
    "Jansen",
    "Müller",
    "Rossi",
    "Nowak",
    "Campbell",
    "Doyle",
    "Shaw",
]
ES_DECOR = ["", "", "", " 🌻", " 🐾", " ⚽", " 🌊", " 🎧", " ☕", " 🏳️‍🌈", " 🌵", " 🐈", " 📚"]
EN_DECOR = ["", "", "", " 🌍", " ☕", " 🎸", " 🏃", " in Madrid", " in BCN", " 🇬🇧→🇪🇸", " 📷"]
ES_INST = ["masto.es", "mastodon.social", "mastodon.social", "tkz.one", "mast.lat"]
EN_INST = ["mastodon.social", "mastodon.online", "mas.to", "hachyderm.io"]


def _ascii(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower().replace("'", "")


def _pool(rng: random.Random, lang: str, n: int) -> list[Author]:
    firsts, lasts = (ES_FIRST, ES_LAST) if lang == "es" else (EN_FIRST, EN_LAST)
    decor = ES_DECOR if lang == "es" else EN_DECOR
    insts = ES_INST if lang == "es" else EN_INST
    pool: list[Author] = []
    seen: set[str] = {a.name for a in NAMED.values()}
    while len(pool) < n:
        f, last = rng.choice(firsts), rng.choice(lasts)
        fa, la = _ascii(f), _ascii(last)
        name = rng.choice(
            [
                f"{fa}{la[:3]}",
                f"{fa}_{la}",
                f"{fa}{rng.randint(70, 99)}",
                f"{fa}.{la}",
                f"{fa}{la}{rng.randint(1, 9)}",
                ("soy" if lang == "es" else "its") + fa,
                f"{fa[0]}{la}",
                f"{fa}_{la[:1]}{rng.randint(10, 99)}",
            ]
        )[:15]
        if name in seen:
            continue
        seen.add(name)
        display = rng.choice([f"{f} {last}", f"{f} {last[0]}.", f, f.lower(), f"{f} {last}"]) + rng.choice(decor)
        followers = max(3, int(rng.lognormvariate(5.1, 1.35)))
        pool.append(Author(name, display, followers, followers > 40000 and rng.random() < 0.5, rng.choice(insts), lang))
    return pool


def handle(a: Author, plat: str) -> str:
    if a.kind != "social":
        return a.name
    if plat == "bluesky":
        return "@" + a.name.lower().replace("_", "-").replace(".", "-") + ".bsky.social"
    if plat == "mastodon":
        return "@" + a.name.replace(".", "_") + "@" + a.instance
    if plat == "reddit":
        return "u/" + a.name.replace(".", "_")
    if plat == "x":
        return "@" + a.name.replace(".", "_")[:15]
    return "@" + a.name


# --- Textos / Texts ----------------------------------------------------------------------------
# "*" = red social elegida al azar (x, bluesky, mastodon, instagram, facebook) / random social network
def entries() -> list[E]:
    L: list[E] = []
    add = L.append

    # Madrugada / Night
    for p, lang, t in [
        ("x", "es", "Pedido de Acme para mañana hecho y sin salir del sofá. Adulta funcional 🥲"),
        ("mastodon", "es", "Insomnio y comparando precios de aceite entre Acme y Mercalia. Así está mi vida."),
        (
            "x",
            "en",
            "5am flight, fridge empty, Acme Express slot booked for when I'm back. future me will be grateful #AcmeFoods",
        ),
        ("x", "en", "can't sleep so I'm reading the Acme app reviews. some of you are UNHINGED about bananas"),
    ]:
        add(E(p, lang, t, "night"))
    add(
        E(
            "reddit",
            "es",
            "¿Alguien ha probado el Acme Plus? 9,99 al mes por envíos gratis me parece mucho si pides una vez a la semana. ¿Compensa o es sacacuartos?",
            "night",
            sub="spain",
            k="r_plus",
        )
    )
    add(
        E(
            "reddit",
            "es",
            "Yo lo tengo y si pides más de dos veces al mes compensa. Si no, ni de coña. Acme te lo vende como si fuera Netflix 😂",
            to="r_plus",
            after=(300, 420),
        )
    )

    # Mañana normal: elogios / Normal morning: praise
    for p, lang, t in [
        (
            "x",
            "es",
            "El repartidor de Acme de esta mañana un sol, me ha subido las garrafas de agua hasta el cuarto sin ascensor 🙏 #AcmeFoods",
        ),
        (
            "*",
            "es",
            "Tengo que decirlo: desde que pido en Acme como mucha más fruta. Llega buenísima y no me toca cargar bolsas",
        ),
        ("x", "es", "Mi madre de 78 años haciendo la compra sola en la app de Acme. Si ella puede, cualquiera 😂❤️"),
        (
            "x",
            "es",
            "Los de atención al cliente de @acmefoods_es me han devuelto lo de un yogur caducado en 5 min. Así sí",
        ),
        (
            "instagram",
            "es",
            "Acme me salvó el cumple de mi hija, todo a tiempo y sin faltar nada 🎂🎈 gracias!! #AcmeFoods #cumpleaños",
        ),
        ("*", "es", "pues yo he pedido en acme y la verdad q bien, todo bien empaquetado y el chico majisimo"),
        (
            "x",
            "es",
            "No manches, el aguacate de Acme está mejor que los de mi tierra y soy de Michoacán 🥑 eso es decir mucho",
        ),
        ("*", "es", "Che, la carne de Acme está muy bien eh, para ser España jaja. Hoy asado con los pibes 🔥"),
        (
            "instagram",
            "es",
            "Compra de la semana hecha 🛒 Lo de limpieza en Acme Súper este mes está tirado #AcmeSuper #organizacion #hogar",
        ),
        (
            "mastodon",
            "es",
            "Valoración honesta tras 3 meses pidiendo a Acme: precio un pelín alto, fruta muy buena, puntualidad buena, app mejorable. Recomendable.",
        ),
        ("x", "en", "Acme Foods delivered my groceries 10 minutes early AND remembered the oat milk. Marry me"),
        ("x", "en", "shoutout to the Acme driver who helped me carry 4 bags up to the 5th floor with no lift. legend"),
        (
            "*",
            "en",
            "Tried @acmefoods for the first time after moving to Valencia. Smooth app, fresh veg, would order again",
        ),
        ("*", "en", "Acme's sourdough is dangerously good. That's the review."),
        ("bluesky", "en", "small joys: the Acme driver knows my dog's name now"),
    ]:
        add(E(p, lang, t, "morning"))
    add(
        E(
            "reddit",
            "en",
            "For anyone moving to Madrid: Acme Foods is the easiest grocery delivery I've found. English in the app, decent prices, 1-hour slots. Not sponsored, just saving you the 3 weeks of trial and error I went through.",
            "morning",
            sub="GoingToSpain",
            k="r_move",
        )
    )
    add(
        E(
            "reddit",
            "en",
            "Seconding Acme. Mercalia is a bit cheaper but their slots are always full on weekends.",
            to="r_move",
            after=(10, 60),
        )
    )
    add(
        E(
            "reddit",
            "en",
            "Acme is fine but check the weight on the fruit and veg, they round up generously lol",
            to="r_move",
            after=(20, 90),
        )
    )

    # Preguntas / Questions
    for p, lang, t in [
        ("x", "es", "@acmefoods_es ¿hacéis entregas en Alcalá de Henares? En la app no me sale mi código postal"),
        (
            "*",
            "es",
            "¿Alguien sabe si el código de Black Friday de Acme vale para Acme Express o solo para la compra grande?",
        ),
        (
            "x",
            "es",
            "Pregunta seria: ¿Acme tiene productos sin gluten certificados o solo los de marca? Mi peque es celíaca",
        ),
        ("x", "es", "@acmefoods ¿a qué hora se cierra el pedido para entrega mañana sábado?"),
        (
            "x",
            "es",
            "Hola @acmefoods_es, me he mudado y la app no me deja guardar la dirección nueva, ¿me echáis una mano? 🙏",
        ),
        ("x", "en", "@acmefoods do you deliver to Sitges or just Barcelona city?"),
        ("*", "en", "Does anyone know if Acme Foods takes foreign cards? Asking for a confused American"),
        ("*", "en", "Is the Acme Plus subscription worth it if I order twice a week?"),
        ("x", "en", "@acmefoods any chance you'll stock Marmite? Asking for every Brit in Málaga"),
        ("x", "en", "hey @acmefoods, my promo code ACMEBF20 says invalid, is it only for new customers?"),
    ]:
        add(E(p, lang, t, "morning"))
    add(
        E(
            "reddit",
            "es",
            "¿Qué tal Acme para la compra semanal grande? Estoy entre Acme, Mercalia y FreshBox y no me decido. Somos 4 en casa y pedimos sobre 120€ a la semana.",
            "morning",
            sub="Madrid",
            k="r_compare",
        )
    )
    add(
        E(
            "reddit",
            "es",
            "Acme para fruta y fresco, Mercalia para lo de droguería que sale más barato. Yo lo hago así y bien",
            to="r_compare",
            after=(8, 40),
        )
    )
    add(
        E(
            "reddit",
            "es",
            "FreshBox solo si te van los kits de recetas, para compra grande es carísimo",
            to="r_compare",
            after=(15, 70),
        )
    )
    add(
        E(
            "reddit",
            "en",
            "Should I go Acme or Mercalia for grocery delivery in Barcelona? Moving next month, no car.",
            "morning",
            sub="askspain",
            k="r_bcn",
        )
    )
    add(E("reddit", "en", "Acme. Mercalia's delivery windows in Eixample are a lottery.", to="r_bcn", after=(5, 50)))

    # Neutras / Neutral
    for p, lang, t in [
        ("*", "es", "Lista de la compra hecha en Acme: pasta, tomate, queso y culpa."),
        ("x", "es", "Acme tiene anuncio nuevo en la tele y la cancioncita se me ha metido en la cabeza, socorro"),
        ("x", "es", "Acme Súper con turrón en oferta el 20 de noviembre. Aún no, por favor, aún no 🎄"),
        (
            "*",
            "es",
            "Parce, en Acme venden arepas congeladas y no están nada mal. Pa que sepan los colombianos en Madrid",
        ),
        ("*", "en", "Grocery shopping on the Acme app while on a conference call is my cardio"),
        ("x", "en", "Just saw an Acme Foods van parked on a zebra crossing in Chamberí. Classic."),
        ("*", "en", "Acme's Black Friday week starts today apparently. My wallet is already scared"),
        (
            "bluesky",
            "en",
            "Spanish lesson of the day, courtesy of the Acme app: 'sustituir producto' = the reason I got oat milk instead of almond",
        ),
    ]:
        add(E(p, lang, t, "morning"))
    add(
        E(
            "news",
            "es",
            "Acme Foods abre un nuevo almacén en Getafe y contratará a 120 personas. La empresa de supermercado online prevé reducir a la mitad los tiempos de entrega en el sur de Madrid.",
            at="08:05",
            who="news:mam",
            heat=2,
        )
    )
    add(
        E(
            "news",
            "en",
            "Spanish grocery start-up Acme Foods eyes Portugal expansion in 2027. The Madrid-based online supermarket says it delivered 11 million orders this year.",
            at="09:20",
            who="news:tsp",
            heat=2,
        )
    )

    # Vídeo de YouTube comparando marcas / YouTube video comparing brands
    add(
        E(
            "youtube",
            "es",
            "Acme vs FreshBox vs Mercalia: ¿cuál es más barato? 🛒 Hago la misma compra en los tres y os cuento precios, puntualidad y estado de la fruta.",
            at="08:00",
            who="dani",
            k="yt",
            m=(5400, 0, 612, 0),
        )
    )
    for lang, t in [
        ("es", "Yo uso Acme desde hace un año y nunca me ha fallado, pero FreshBox tiene mejor carne"),
        ("es", "Mercalia gana en precio, Acme en puntualidad. Buen vídeo Dani!!"),
        ("es", "Te faltó comparar los gastos de envío de FreshBox, que son un robo"),
        ("en", "Great comparison. In Barcelona Acme is faster than FreshBox for sure"),
        ("es", "FreshBox me ha mandado dos veces los plátanos verdes como piedras 🍌 Me quedo con Acme"),
        ("es", "Justo ayer me pasé de Mercalia a Acme y de momento bien"),
        ("en", "Watching this from Sevilla, we only have Acme and Mercalia here. FreshBox when?"),
    ]:
        add(E("youtube", lang, t, to="yt", after=(5, 250)))

    # Competidores / Competitors
    for p, lang, t in [
        ("x", "es", "FreshBox me ha traído la compra 40 minutos tarde y sin los yogures. Genial 🙄 @freshbox_es"),
        ("*", "es", "Mercalia ha subido el envío a 5,99. Adiós Mercalia, fue bonito"),
        (
            "instagram",
            "es",
            "El kit de recetas de esta semana está buenísimo, la lasaña de verduras 😋 #FreshBox #recetasfaciles",
        ),
        ("x", "es", "Anuncio de Mercalia en el metro: 'tu compra en 1 hora'. Ya, claro. Hasta que llueve."),
        ("x", "es", "FreshBox está carísimo wey, 12 euros un kit para dos?? ni en Polanco"),
        ("*", "en", "FreshBox meal kits are basically adult Lego and I'm here for it"),
        ("*", "en", "Mercalia's app crashed three times at checkout. Third time lucky I guess"),
        ("x", "en", "@freshbox your driver left my box in the rain again. soggy carrots for dinner"),
        ("*", "en", "Switched from Mercalia to FreshBox and the produce is noticeably better"),
        ("bluesky", "en", "the Mercalia jingle lives in my head rent free"),
    ]:
        add(E(p, lang, t, "morning"))
    add(
        E(
            "news",
            "es",
            "Mercalia cierra el trimestre con un 18% más de pedidos online y anuncia nuevas tiendas oscuras en Valencia y Málaga.",
            at="10:40",
            who="news:retail",
            heat=1.5,
        )
    )
    add(
        E(
            "x",
            "es",
            "Esta semana en #Mercalia: 3x2 en yogures y envío gratis a partir de 50€ 🧡",
            at="11:00",
            who="mercalia",
            heat=2,
        )
    )
    add(
        E(
            "x",
            "es",
            "Nuevas recetas de otoño en #FreshBox 🍂 Crema de calabaza, risotto de setas y bizcocho de manzana. ¿Cuál pruebas primero?",
            at="09:30",
            who="freshbox",
            heat=2,
        )
    )

    # Sector / Industry chatter
    for p, lang, t in [
        ("x", "es", "Tercera vez este mes que mi pedido online llega con retraso. Da igual la app, todas igual"),
        ("*", "en", "food delivery in Madrid on a rainy Friday = 1h delay minimum, plan accordingly"),
        ("*", "es", "No entiendo cómo la comida a domicilio sigue teniendo retrasos con tanto rider por la calle"),
        ("*", "en", "Hot take: grocery delivery delays are mostly bad slot planning, not the drivers"),
        ("x", "es", "El pedido online de la farmacia no llega y llevo desde las 9 esperando 😑"),
        (
            "mastodon",
            "es",
            "Hilo sobre por qué la comida a domicilio en ciudades pequeñas siempre va con retraso: rutas largas, pocos riders y franjas que se venden de más 🧵",
        ),
        ("x", "en", "Still waiting on my food delivery from 40 mins ago, this city is cursed"),
        ("*", "es", "Mi compra online no llega hasta el lunes porque 'no hay franjas'. Año 2026 señores"),
    ]:
        add(E(p, lang, t, "morning"))
    add(
        E(
            "news",
            "es",
            "Estudio: uno de cada tres pedidos de comida a domicilio llega con retraso en hora punta, según la asociación de consumidores.",
            at="07:45",
            who="news:agora",
            heat=1.5,
        )
    )
    add(
        E(
            "news",
            "en",
            "Grocery delivery delays rise as Black Friday demand strains couriers across southern Europe.",
            at="11:50",
            who="news:tsp",
            heat=1.2,
        )
    )

    # Quejas sueltas / Isolated complaints
    for p, lang, t in [
        (
            "x",
            "es",
            "@acmefoods_es me habéis cambiado el tomate triturado por tomate frito. No es lo mismo. NO ES LO MISMO 😤",
        ),
        ("*", "es", "Acme me cobró dos veces la bolsa de hielo y nadie me contesta en el chat"),
        ("x", "en", "Acme sent me 12 limes instead of 2. Guess I'm making margaritas at 10am"),
        ("*", "es", "El huevo roto de siempre en el pedido de Acme. Uno. Siempre uno. Es como una firma"),
        ("x", "en", "@acmefoods the app logged me out 4 times this morning, is something going on?"),
    ]:
        add(E(p, lang, t, "morning"))
    add(
        E(
            "email",
            "es",
            "Buenos días. En mi pedido AC-7730215 de hoy faltaban las pechugas de pollo y me las han cobrado. Les agradecería el reembolso. Un saludo, Carmen (clienta de Acme Foods)",
            "morning",
            who="mail:carmen",
        )
    )
    add(
        E(
            "form",
            "es",
            "Sugerencia para Acme: poned un filtro de 'sin lactosa' en la app, que ir mirando producto por producto es un rollo.",
            "morning",
            who="mail:ines",
        )
    )
    add(
        E(
            "form",
            "en",
            "Suggestion for Acme: let us leave delivery notes per order, not per account. My building has two doors!",
            "morning",
            who="mail:giulia",
        )
    )

    # Publicaciones de Acme (programadas) / Acme's own (scheduled) posts
    add(
        E(
            "x",
            "es",
            "🛒 ¡Arranca la Semana Black Friday en Acme! -20% en frescos con el código ACMEBF20 hasta el domingo 👉 https://acmefoods.example/bf?utm_source=x&utm_medium=social&utm_campaign=bf26 #AcmeFoods",
            at="10:00:00",
            who="acme",
            k="promo_x",
            m=(182, 34, 22, 5),
        )
    )
    add(
        E(
            "x",
            "en",
            "Black Friday week is here 🛒 20% off fresh produce with code ACMEBF20 until Sunday. https://acmefoods.example/bf?utm_source=x&utm_medium=social&utm_campaign=bf26_en #AcmeFoods",
            at="10:01:00",
            who="acme",
            k="promo_x_en",
            m=(64, 9, 6, 1),
        )
    )
    add(
        E(
            "instagram",
            "es",
            "Semana Black Friday 🧡 -20% en toda la fruta y verdura con el código ACMEBF20. Corre, que vuela 🍊🥦 #AcmeFoods #BlackFriday",
            at="10:00:30",
            who="acme",
            k="promo_ig",
            m=(412, 0, 37, 0),
        )
    )
    add(
        E(
            "facebook",
            "es",
            "¡Empieza la Semana Black Friday en Acme! 20% de descuento en frescos con el código ACMEBF20 hasta el domingo. Info: https://acmefoods.example/bf?utm_source=facebook&utm_medium=social&utm_campaign=bf26",
            at="10:02:00",
            who="acme",
            k="promo_fb",
            m=(95, 12, 18, 0),
        )
    )
    add(
        E(
            "x",
            "es",
            "¿Ya sabes qué vas a comer hoy? 🍝 Con Acme Express lo tienes en casa en 30 minutos. #AcmeFoods",
            at="12:58:00",
            who="acme",
            k="promo2",
            m=(41, 6, 88, 61),
        )
    )
    for lang, t in [
        ("es", "¿Vale para Canarias el código o como siempre nos quedamos fuera? Acme, que existimos 🙋‍♀️"),
        ("es", "Acme, ¿el descuento se suma al de Acme Plus?"),
    ]:
        add(E("instagram", lang, t, to="promo_ig", after=(3, 90)))
    for lang, t in [
        ("es", "¿Y el código de Acme sirve para el pedido que ya tengo hecho para mañana?"),
    ]:
        add(E("facebook", lang, t, to="promo_fb", after=(5, 120)))
    add(
        E(
            "x",
            "es",
            "🔥 CHOLLO 🔥 Acme -20% en fruta y verdura con el código ACMEBF20 👉 https://chollosya.example/acme-bf?utm_source=x&utm_medium=social&utm_campaign=acmebf #AcmeFoods",
            at="10:12",
            who="chollos",
            heat=2,
        )
    )
    add(
        E(
            "bluesky",
            "en",
            "Acme Foods Black Friday: 20% off fresh produce with ACMEBF20. https://dealsradar.example/r/acme-bf?utm_source=bsky&utm_medium=social",
            at="10:25",
            who="deals",
            heat=1.5,
        )
    )

    # --- 12:30 empieza el fallo / the failure starts ----------------------------------------
    for at, p, lang, t in [
        (
            "12:31",
            "x",
            "es",
            "Pedido de Acme para las 12-13 y ni rastro. La app dice 'en reparto' desde hace una hora 🤔",
        ),
        ("12:34", "x", "es", "¿Soy la única a la que no le ha llegado el pedido de Acme? Franja de 12 a 13 y nada"),
        ("12:36", "x", "es", "@acmefoods_es mi pedido no llega y el chat no responde. ¿Qué pasa?"),
        (
            "12:38",
            "bluesky",
            "en",
            "Is Acme down? My delivery was due at 12:30 and the tracking hasn't moved in 45 min",
        ),
        ("12:40", "x", "es", "Pues nada, hoy no se come. Acme, ¿dónde está mi pedido? #AcmeNoLlega"),
        ("12:41", "x", "es", "Somos varios en el grupo del edificio sin pedido de Acme. Algo les pasa #AcmeNoLlega"),
        ("12:44", "x", "en", "Anyone else's Acme order stuck on 'out for delivery'? Been 50 min. #AcmeNoLlega"),
        (
            "12:45",
            "mastodon",
            "es",
            "Me parece que Acme tiene un problema gordo hoy, en mi TL ya hay cinco personas sin pedido. #AcmeNoLlega",
        ),
        ("12:46", "x", "es", "Llamo a Acme y 25 minutos de espera. Esto huele a caída del sistema #AcmeNoLlega"),
    ]:
        add(E(p, lang, t, at=at, heat=1.5))
    add(
        E(
            "instagram",
            "es",
            "Mucho Black Friday pero mi pedido de las 12 no llega @acmefoods 😒",
            to="promo_ig",
            at="12:42",
            heat=1.5,
        )
    )
    add(
        E(
            "reddit",
            "es",
            "¿A alguien más no le ha llegado el pedido de Acme hoy? Tenía franja de 12 a 13, la app dice 'en reparto', el repartidor no aparece en el mapa y el chat de soporte no contesta. ¿Es cosa mía o es general?",
            at="12:47",
            sub="Madrid",
            k="r_mad",
            heat=3,
        )
    )
    for lang, t, a in [
        ("es", "Igual aquí en Tetuán. Pedido de Acme de las 12:00 y nada de nada.", (2, 10)),
        ("es", "En Carabanchel lo mismo, y en Acme no cogen el teléfono", (3, 15)),
        ("en", "Same in Malasaña, my Acme order just vanished from the map lol", (4, 20)),
        (
            "es",
            "Mi cuñado trabaja en el almacén de Acme en Getafe y dice que 'se ha caído el sistema de rutas'. No sé más",
            (10, 30),
        ),
    ]:
        add(E("reddit", lang, t, to="r_mad", after=a, k="r_mad_cunado" if "cuñado" in t else None))
    add(
        E(
            "reddit",
            "es",
            "Eso tiene sentido, porque en la app de Acme el pedido sí salió de 'preparación' pero nunca se le asignó repartidor",
            to="r_mad_cunado",
            after=(3, 15),
        )
    )

    rise: list[tuple[str, str, str]] = [
        (
            "x",
            "es",
            "Hola @acmefoods tengo un niño de 2 años esperando la comida. Pedido AC-7741092. Por favor, decidme algo #AcmeNoLlega",
        ),
        ("x", "es", "Ya van como 40 min y nada de mi pedido de Acme, neta que tengo hambre 😩 #AcmeNoLlega"),
        ("bluesky", "es", "La app de Acme me dice que mi pedido está entregado. Mi puerta dice que no. #AcmeNoLlega"),
        (
            "x",
            "es",
            "El pedido de mi madre (85 años, no sale de casa) tampoco ha llegado. @acmefoods_es esto es serio #AcmeNoLlega",
        ),
        ("x", "es", "Acme en modo 'tu pedido está en camino'... del Camino de Santiago #AcmeNoLlega"),
        ("x", "es", "¿Pero alguien sabe qué le pasa a Acme? Media ciudad sin comida #AcmeNoLlega"),
        (
            "x",
            "en",
            "My Acme order has been 'arriving in 5 min' for 40 minutes. Zeno's paradox of grocery delivery #AcmeNoLlega",
        ),
        ("bluesky", "en", "Acme Foods seems to be having a very bad day. Half my timeline is #AcmeNoLlega"),
        ("x", "en", "Is there an Acme outage? Nothing on their status page, nothing on their account. #AcmeNoLlega"),
        (
            "mastodon",
            "en",
            "Acme Foods deliveries look broken in Madrid right now. If you ordered for lunch, maybe have a plan B. #AcmeNoLlega",
        ),
        ("*", "es", "Acme ni un mensaje ni nada, osea hola?? #AcmeNoLlega"),
    ]
    for p, lang, t in rise:
        add(
            E(
                p,
                lang,
                t,
                "rise",
                heat=1.5,
                k="help_child" if "2 años" in t else ("help_mum" if "85 años" in t else None),
            )
        )
    add(
        E(
            "facebook",
            "es",
            "Llevo una hora esperando el pedido y no contestáis por ningún lado. Acme, esto no se hace",
            to="promo_fb",
            at="12:54",
            heat=1.5,
        )
    )
    add(
        E(
            "instagram",
            "es",
            "@acmefoods contestad los mensajes por favor, no llega nada",
            to="promo_ig",
            at="12:59",
            heat=1.5,
        )
    )
    add(
        E(
            "email",
            "es",
            "Asunto: Pedido no entregado. Hola, tenía entrega de 12:00 a 13:00 (pedido AC-7739918) y no ha venido nadie. Llamo y no contesta nadie. ¿Me podéis decir algo? Gracias. Pilar, clienta de Acme",
            at="12:58",
            who="mail:pilar",
        )
    )
    add(
        E(
            "form",
            "es",
            "Mi pedido de Acme no ha llegado y el teléfono da ocupado. Necesito saber si me lo traen o lo cancelo.",
            at="13:02",
            who="mail:raul",
        )
    )
    # Citas a la promo de las 12:58 / Quotes of the 12:58 promo
    for lang, t in [
        ("es", "30 minutos dice 😂😂😂 llevo 1 hora esperando #AcmeNoLlega"),
        ("es", "El community manager programando esto mientras arde todo 🔥 #AcmeNoLlega"),
        ("en", "Bold of you to post this today, @acmefoods 😂 #AcmeNoLlega"),
        ("en", "'in 30 minutes' is doing a lot of heavy lifting here @acmefoods #AcmeNoLlega"),
        ("es", "Quitad esto por favor que da vergüenza ajena. Mi pedido de las 12 sigue sin aparecer. #AcmeNoLlega"),
    ]:
        add(E("x", lang, t, qt="promo2", after=(1, 20), heat=2))

    # --- 13:05 la influencer / the influencer ---------------------------------------------------
    add(
        E(
            "x",
            "es",
            "Vale @acmefoods: tenía pedido para la comida con 8 invitados en casa, franja 12-13. Es la 1 y pico, ni pedido, ni llamada, ni respuesta en el chat. Y por lo que veo no soy la única. ¿Qué está pasando? #AcmeNoLlega",
            at="13:05:12",
            who="marta",
            k="marta",
            m=(4210, 1874, 646, 312),
        )
    )
    for lang, t in [
        (
            "es",
            "Si hasta a Marta le ha pasado, esto ya es general. Yo igual, pedido de las 12 desaparecido #AcmeNoLlega",
        ),
        ("es", "Marta diciendo lo que pensamos todos 👏 #AcmeNoLlega"),
        ("en", "When Marta calls you out, you know it's bad. @acmefoods #AcmeNoLlega"),
        ("es", "Pues a mí exactamente igual que a Marta. Acme, dad la cara #AcmeNoLlega"),
        ("en", "Even food influencers aren't safe from Acme today lol #AcmeNoLlega"),
        ("es", "Ahora que lo dice @comeconmarta seguro que Acme contesta rapidito. A los demás ni caso #AcmeNoLlega"),
    ]:
        add(E("x", lang, t, qt="marta", after=(2, 40), heat=2.5))
    for lang, t in [
        ("es", "{to} te paso el teléfono de mi pizzería de confianza jaja. A mí tampoco me ha llegado lo de Acme"),
        ("es", "{to} uff, a mí también me ha pasado hoy con Acme. Qué mal rato 😣"),
        ("en", "{to} Same here in Barcelona, Acme order missing since 12. Hope your guests are patient!"),
        ("es", "{to} no eres la única no, en Sevilla igual con Acme #AcmeNoLlega"),
    ]:
        add(E("x", lang, t, to="marta", after=(1, 30), heat=1.5))
    add(
        E(
            "x",
            "es",
            "Actualización: los invitados comiendo tostadas con lo que había en la nevera 🫠 De Acme, nada. Ni un mensaje. #AcmeNoLlega",
            at="13:32:40",
            who="marta",
            to="marta",
            k="marta2",
            m=(2980, 611, 288, 74),
        )
    )

    # Pico: 13:05-13:45 / Peak
    peak: list[tuple[str, str, str]] = [
        ("x", "es", "genial, tercer día sin pedido 👏👏 gracias @acmefoods_es #AcmeNoLlega"),
        ("x", "es", "Qué maravilla pagar el Acme Plus para que no te llegue nada con prioridad 👏 #AcmeNoLlega"),
        ("x", "es", "q verguenza @acmefoods_es, ni un tuit en una hora #AcmeNoLlega"),
        ("x", "es", "nunca mas pido en Acme. NUNCA MAS. #AcmeNoLlega"),
        (
            "x",
            "es",
            "esto es una estafa, me han cobrado y no me ha llegado nada. Acme devolved el dinero YA #AcmeNoLlega",
        ),
        ("*", "es", "Acme = estafa. Cobrado y sin pedido #AcmeNoLlega"),
        ("x", "es", "Borrada la app de Acme. Me voy a FreshBox #AcmeNoLlega"),
        ("x", "es", "Mercalia: existo. Acme: no llego 😂 #AcmeNoLlega"),
        ("*", "es", "Acme es un desastre, boludo, una hora esperando la comida #AcmeNoLlega"),
        ("*", "es", "Qué ladilla con Acme, chamo, nada que llega el pedido #AcmeNoLlega"),
        ("x", "es", "En Sevilla tampoco. Acme ha dejado media España sin almorzar #AcmeNoLlega"),
        (
            "x",
            "es",
            "Valencia: pedido de Acme de las 12:30 todavía 'en preparación'. Paella no, pero paciencia tampoco #AcmeNoLlega",
        ),
        ("x", "es", "Lo peor no es el retraso, es que Acme no diga NADA #AcmeNoLlega"),
        ("x", "es", "Pedido de Acme para la comida de empresa. 15 personas. 😐 El jefe mirándome. #AcmeNoLlega"),
        (
            "x",
            "es",
            "A mí me ha llegado el pedido de otra persona 🙃 ¿alguien de Chamberí que pidió 6 litros de horchata? Acme #AcmeNoLlega",
        ),
        (
            "bluesky",
            "es",
            "Lo de Acme hoy va a ser caso de estudio en cualquier máster de comunicación de crisis #AcmeNoLlega",
        ),
        (
            "mastodon",
            "es",
            "Los de Acme con la app rota y la cuenta oficial en silencio. Manual de lo que no hay que hacer. #AcmeNoLlega",
        ),
        (
            "x",
            "es",
            "¿Alguien sabe cómo cancelar un pedido de Acme que está 'en reparto'? La app no me deja #AcmeNoLlega",
        ),
        ("x", "en", "Acme Foods really said 'no lunch for you' to half of Madrid today #AcmeNoLlega"),
        (
            "x",
            "en",
            "I've been refreshing the Acme app like it owes me money. Which, technically, it does #AcmeNoLlega",
        ),
        ("*", "en", "Not even an email from Acme. Just silence. Great customer service 👏 #AcmeNoLlega"),
        ("x", "en", "Acme, if you're going to fail, at least tell us. Silence is the worst part #AcmeNoLlega"),
        ("x", "en", "The #AcmeNoLlega hashtag is trending and I'm not surprised, my order is an hour late"),
        ("x", "en", "ok I'm officially ordering pizza. Goodbye Acme, you had one job #AcmeNoLlega"),
        ("x", "en", "Acme's status page says 'all systems operational' 🙃 #AcmeNoLlega"),
        ("*", "en", "Can confirm Acme is down in Valencia too. Order from 12:00 nowhere #AcmeNoLlega"),
        ("x", "en", "My toddler is asking where the yogurt is. I'm asking Acme the same thing #AcmeNoLlega"),
        ("x", "en", "Spanish twitter is roasting Acme Foods right now and honestly it's deserved #AcmeNoLlega"),
        ("*", "en", "first time using Acme and it never arrived. great first impression lol #AcmeNoLlega"),
        ("bluesky", "en", "watching #AcmeNoLlega unfold from my desk with a sad sandwich. solidarity, Madrid"),
        (
            "x",
            "en",
            "I genuinely feel bad for the Acme drivers, they're going to get yelled at for something that isn't their fault #AcmeNoLlega",
        ),
        ("x", "en", "I paid for Acme Plus priority delivery. Priority for what exactly? #AcmeNoLlega"),
        ("bluesky", "en", "Acme Foods silence is louder than my stomach right now #AcmeNoLlega"),
        (
            "x",
            "en",
            "the 'we're experiencing high demand' message on Acme's chat has been there for 70 minutes #AcmeNoLlega",
        ),
        (
            "*",
            "en",
            "Acme, some of us have kids and elderly parents waiting on these orders. Please say something #AcmeNoLlega",
        ),
        ("x", "en", "the way Acme's last post is a promo for 30-minute delivery 💀 #AcmeNoLlega"),
    ]
    for p, lang, t in peak:
        key = None
        if "tercer día" in t:
            key = "sarcasm"
        elif "estafa, me han cobrado" in t:
            key = "estafa"
        elif "Plus priority" in t:
            key = "plus_en"
        add(E(p, lang, t, "peak", heat=2, k=key))

    # Ayudas urgentes / Urgent help requests
    add(
        E(
            "x",
            "es",
            "Por favor, si alguien de Acme lee esto: mi padre es diabético y parte de su compra iba en ese pedido. AC-7742210. Necesitamos saber algo #AcmeNoLlega",
            at="13:18",
            k="help_diab",
            heat=2.5,
        )
    )
    add(
        E(
            "x",
            "es",
            "@acmefoods_es necesito ayuda, tengo leche infantil en ese pedido y no me queda. ¿Me lo traéis o voy a la farmacia? #AcmeNoLlega",
            at="13:24",
            k="help_baby",
            heat=2.5,
        )
    )
    add(
        E(
            "x",
            "en",
            "Does anyone know how to get a refund from Acme when the order is stuck? Chat is dead #AcmeNoLlega",
            at="13:27",
            k="help_refund",
            heat=1.5,
        )
    )
    add(
        E(
            "email",
            "es",
            "Buenas tardes. Tengo un pedido de Acme (AC-7742655) con medicación sin receta y pañales para mi madre, que está encamada. No ha llegado y nadie coge el teléfono. Por favor, llámenme al número de la cuenta.",
            at="13:21",
            who="mail:yolanda",
        )
    )
    add(
        E(
            "form",
            "en",
            "Order AC-7741880 never arrived (slot 12-13). Nobody answers the phone. Please cancel and refund, I had to buy lunch elsewhere. Acme Foods customer since 2024.",
            at="13:29",
            who="mail:owen",
        )
    )

    # Boicot / Boycott
    add(
        E(
            "x",
            "es",
            "Propongo que mañana nadie pida en Acme. Si no les duele en la cartera no aprenden. RT si te apuntas #BoicotAcme #AcmeNoLlega",
            at="13:14",
            who="boicot",
            k="boicot",
            m=(1320, 690, 141, 58),
        )
    )
    for lang, t in [
        ("es", "{to} me apunto. Y pasado mañana también #BoicotAcme #AcmeNoLlega"),
        ("en", "{to} I'm in. Cancelled my Acme Plus. #AcmeNoLlega"),
        ("es", "{to} los que van a pagar el boicot son los riders, no los jefes de Acme. Ojo con eso"),
    ]:
        add(E("x", lang, t, to="boicot", after=(2, 30), heat=1.5))

    # Rumores / Rumours
    add(
        E(
            "x",
            "es",
            "dicen que Acme cierra y por eso hoy no reparten. alguien sabe algo?? #AcmeNoLlega",
            at="13:22",
            k="rumor_cierra",
            heat=2.5,
        )
    )
    add(
        E(
            "x",
            "es",
            "Me dice un colega que trabaja en logística que Acme ha despedido a todos los riders esta mañana. Ojo.",
            at="13:26",
            k="rumor_riders",
            heat=2.5,
        )
    )
    add(
        E(
            "x",
            "en",
            "Heard Acme is shutting down?? That would explain a lot #AcmeNoLlega",
            at="13:31",
            k="rumor_en",
            heat=2,
        )
    )
    add(
        E(
            "x",
            "es",
            "A ver si va a ser un hackeo... que Acme tiene nuestras tarjetas guardadas 😬 #AcmeNoLlega",
            at="13:35",
            k="rumor_hack",
            heat=2,
        )
    )
    add(
        E(
            "*",
            "es",
            "Ya hay gente diciendo que Acme va a concurso de acreedores. Yo no me creo nada hasta que lo digan ellos",
            at="13:44",
            heat=1.5,
        )
    )
    add(
        E(
            "x",
            "es",
            "{to} No creo que cierren, acaban de abrir almacén en Getafe. Será un fallo gordo de Acme, sin más",
            to="rumor_cierra",
            after=(2, 12),
        )
    )
    add(
        E(
            "x",
            "es",
            "{to} fuente: mi primo. Acme no ha despedido a nadie, hay riders en el almacén esperando rutas",
            to="rumor_riders",
            after=(3, 15),
        )
    )

    # El rider / The rider (empleado / employee)
    add(
        E(
            "x",
            "es",
            "Soy repartidor de Acme Express. La app no nos asigna rutas desde las 12, estamos en el almacén parados con los pedidos montados. No es culpa nuestra, de verdad 🙏 #AcmeNoLlega",
            at="13:19:30",
            who="kike",
            k="rider",
            m=(2875, 1410, 203, 96),
        )
    )
    for lang, t in [
        ("es", "{to} gracias por explicarlo, que los riders de Acme siempre pagáis el pato. Ánimo 💪"),
        ("en", "{to} Thanks for the info, finally someone from Acme says something #AcmeNoLlega"),
    ]:
        add(E("x", lang, t, to="rider", after=(1, 25), heat=1.5))
    add(
        E(
            "x",
            "en",
            "An Acme driver says their app hasn't assigned routes since 12. So it's a software issue, not the drivers. Be nice to them when they show up #AcmeNoLlega",
            qt="rider",
            after=(8, 20),
            who="jen",
            k="jen_psa",
            m=(890, 402, 57, 31),
        )
    )

    # Reddit en inglés / Reddit in English
    add(
        E(
            "reddit",
            "en",
            "PSA: Acme Foods deliveries seem to be failing city-wide today. If your lunch order is stuck on 'out for delivery', you're not alone. Support line is jammed.",
            at="13:16",
            sub="Barcelona",
            k="r_bcn2",
            heat=3,
        )
    )
    for lang, t in [
        ("en", "Same in Gràcia, ordered from Acme for 12-1, nothing."),
        ("en", "Their support line just hangs up after 20 minutes lol. Acme having a day."),
        (
            "en",
            "I work near their Hospitalet warehouse, vans are just sitting there. Something's broken on Acme's end.",
        ),
        ("es", "Confirmo, en Sants igual. Acme no dice ni mu."),
    ]:
        add(E("reddit", lang, t, to="r_bcn2", after=(2, 40)))
    add(
        E(
            "mastodon",
            "en",
            "Acme Foods outage today seems to be nationwide, judging by #AcmeNoLlega. Curious whether it's software or logistics. My money is on a deploy at the worst possible time.",
            at="13:37",
            who="sre",
            k="sre",
            heat=1.5,
        )
    )
    add(E("youtube", "es", "Dani haz un vídeo del desastre de Acme de hoy porfa", to="yt", at="13:28"))
    add(E("youtube", "es", "Quién viene de #AcmeNoLlega 🙋‍♀️", to="yt", at="13:33"))
    add(E("youtube", "en", "Coming back to this video after Acme didn't deliver today 💀", to="yt", at="13:41"))
    add(E("instagram", "es", "Menos ofertas y más repartir 🙄 @acmefoods", to="promo_ig", at="13:09"))
    add(E("instagram", "es", "Borrad este post de ofertas que da hasta risa #AcmeNoLlega", to="promo_ig", at="13:15"))
    add(
        E(
            "facebook",
            "es",
            "Ya podéis dar explicaciones, que mucho anuncio y luego esto. Acme, estoy esperando",
            to="promo_fb",
            at="13:11",
        )
    )
    add(
        E(
            "facebook",
            "es",
            "Vergüenza os tenía que dar. Mi suegra sin compra y ella no se puede mover. Acme, contestad",
            to="promo_fb",
            at="13:36",
        )
    )
    add(
        E(
            "facebook",
            "es",
            "Vecinos, ¿a alguien más no le ha llegado lo de Acme? Aquí en el bloque 3 estamos todos igual",
            "peak",
            who=None,
            sub="fb_group",
        )
    )

    # La periodista / The journalist
    add(
        E(
            "x",
            "es",
            "Estoy preparando una pieza sobre los retrasos de Acme Foods de hoy. Si os ha afectado y queréis contarlo, mis DMs están abiertos. @acmefoods_es, ¿podéis confirmar qué ha pasado y a cuántos clientes afecta?",
            at="13:40:08",
            who="irene",
            k="irene",
            m=(612, 238, 97, 21),
        )
    )
    for lang, t in [
        ("es", "{to} te escribo, a mí me ha pasado en Getafe con Acme. Pedido de las 12 y nada"),
        ("en", "{to} happy to talk, my Acme order in Madrid has been missing since 12"),
        ("es", "{to} pregúntales también por qué Acme siguió publicando promos mientras tanto 🙃"),
    ]:
        add(E("x", lang, t, to="irene", after=(2, 25), heat=1.5))

    # --- 13:46 declaración de Acme / Acme's statement ------------------------------------------
    add(
        E(
            "x",
            "es",
            "En Acme tenemos desde las 12:15 un fallo en el sistema de asignación de rutas que está retrasando muchos pedidos de mediodía. Lo sentimos de verdad. Estamos trabajando para entregarlos cuanto antes y os informaremos aquí cada 30 minutos.",
            at="13:46:00",
            who="acme",
            k="stmt_es",
            m=(1860, 1120, 934, 287),
        )
    )
    add(
        E(
            "x",
            "en",
            "Since 12:15 a fault in our route-planning system has been delaying many lunchtime Acme orders. We're truly sorry. Our teams are working to deliver them as soon as possible and we'll post updates here every 30 minutes.",
            at="13:48:00",
            who="acme",
            k="stmt_en",
            m=(640, 301, 212, 66),
        )
    )
    add(
        E(
            "instagram",
            "es",
            "Hoy desde las 12:15 un fallo en nuestro sistema de rutas está retrasando muchos pedidos de mediodía. Lo sentimos muchísimo. Estamos entregándolos lo antes posible y os iremos contando aquí y en stories. Equipo Acme 🧡",
            at="13:50:00",
            who="acme",
            k="stmt_ig",
            m=(2310, 0, 412, 0),
        )
    )
    add(
        E(
            "facebook",
            "es",
            "Información importante: desde las 12:15 un fallo en el sistema de asignación de rutas de Acme está retrasando muchos pedidos de mediodía. Lo sentimos de verdad. Estamos trabajando para entregarlos cuanto antes y publicaremos novedades aquí.",
            at="13:51:00",
            who="acme",
            k="stmt_fb",
            m=(380, 97, 265, 0),
        )
    )
    for lang, t in [
        ("es", "Por fin Acme dice algo. Hora y media tarde, pero algo #AcmeNoLlega"),
        ("es", "'Lo sentimos de verdad' y mi pedido sigue sin llegar. Vale Acme #AcmeNoLlega"),
        ("en", "Appreciate the update @acmefoods, but what about refunds? #AcmeNoLlega"),
        ("es", "Bueno, al menos Acme reconoce el fallo y no echa la culpa a los riders. Algo es algo"),
    ]:
        add(E("x", lang, t, qt="stmt_es", after=(1, 25), heat=2))
    for lang, t in [
        ("en", "At least Acme admitted it. Now deliver my food pls #AcmeNoLlega"),
        ("en", "A route-planning fault that nobody noticed for 90 minutes? Acme, come on #AcmeNoLlega"),
    ]:
        add(E("x", lang, t, qt="stmt_en", after=(2, 30), heat=2))
    for lang, t in [
        ("es", "{to} un fallo de sistema en Acme a las 12:15 y avisáis a las 13:46. Apuntad eso para la próxima"),
    ]:
        add(E("x", lang, t, to="stmt_es", after=(1, 40), heat=1.5))
    for lang, t in [
        ("es", "Gracias por avisar, Acme. Ya era hora."),
        ("es", "Mi pedido sigue 'en reparto' Acme, ¿lo cancelo o espero?"),
        ("en", "Thanks for the update Acme. Please sort out refunds automatically, don't make us chase them"),
    ]:
        add(E("instagram", lang, t, to="stmt_ig", after=(1, 50)))
    for lang, t in [
        ("es", "Acme, yo quiero saber si me vais a devolver el dinero o no"),
        ("es", "Bueno, por lo menos Acme da la cara. Esperando"),
    ]:
        add(E("facebook", lang, t, to="stmt_fb", after=(2, 60)))

    # Respuestas de Acme / Acme's replies
    replies: list[tuple[str, str, str, tuple[float, float]]] = [
        (
            "marta",
            "es",
            "{to} Marta, lo sentimos muchísimo, de verdad. Un fallo en nuestro sistema de rutas ha parado los repartos de mediodía. Te escribimos por DM ahora mismo para ayudarte. Equipo Acme",
            (44, 48),
        ),
        (
            "help_diab",
            "es",
            "{to} Gracias por avisar. Hemos marcado el pedido como prioritario y un repartidor sale ya hacia casa de tu padre. Te escribimos por DM con los detalles. Equipo Acme",
            (34, 40),
        ),
        (
            "help_baby",
            "es",
            "{to} Hola, te escribimos por DM ahora mismo: hemos priorizado tu pedido y te confirmamos la hora exacta. Sentimos mucho el mal rato. Equipo Acme",
            (30, 36),
        ),
        (
            "help_child",
            "es",
            "{to} Lo sentimos mucho. Tu pedido ya está asignado y sale en los próximos minutos. Te avisamos por DM en cuanto esté en camino. Equipo Acme",
            (70, 80),
        ),
        (
            "help_mum",
            "es",
            "{to} Gracias por avisarnos. Hemos priorizado el pedido de tu madre y te escribimos por DM para confirmarte la hora. Lo sentimos de verdad. Equipo Acme",
            (68, 76),
        ),
        (
            "irene",
            "es",
            "{to} Hola Irene, te confirmamos que es un fallo técnico en nuestro sistema de asignación de rutas desde las 12:15. Te escribimos por DM con los datos que tenemos. Equipo de comunicación de Acme",
            (18, 24),
        ),
        (
            "rumor_cierra",
            "es",
            "{to} Hola, no es cierto: Acme no cierra. Es un fallo informático en la asignación de rutas y los repartos ya se están reanudando. Toda la info en nuestro perfil.",
            (46, 52),
        ),
        (
            "rumor_riders",
            "es",
            "{to} No es verdad: Acme no ha despedido a nadie. Nuestros repartidores están en los almacenes esperando rutas por un fallo técnico que ya estamos resolviendo.",
            (42, 48),
        ),
        (
            "rumor_en",
            "en",
            "{to} Not true, Acme is not shutting down. Today's delays come from a technical fault in route planning and deliveries are resuming. Updates on our profile.",
            (36, 44),
        ),
        (
            "rumor_hack",
            "es",
            "{to} Tranquilidad: no ha habido ningún hackeo ni acceso a datos de pago en Acme. Es un fallo de nuestro sistema de rutas. Seguimos informando.",
            (30, 38),
        ),
        (
            "sarcasm",
            "es",
            "{to} Tienes toda la razón y lo sentimos. Escríbenos por DM con tu número de pedido y lo miramos ahora mismo. Equipo Acme",
            (40, 70),
        ),
        (
            "estafa",
            "es",
            "{to} Entendemos el enfado. Ningún pedido retrasado hoy se quedará sin reembolso; escríbenos por DM y lo tramitamos ya. Equipo Acme",
            (40, 70),
        ),
        (
            "help_refund",
            "en",
            "{to} Hi! Every order delayed today will be refunded automatically, no need to chase it. Sorry again. Acme Care team",
            (50, 60),
        ),
        (
            "plus_en",
            "en",
            "{to} You're right to be annoyed. We'll refund this month's Acme Plus fee as well as the order. DM us if you need anything. Acme Care team",
            (40, 70),
        ),
        (
            "sre",
            "en",
            "{to} Good guess. A route-planning fault, now fixed, and we'll publish what happened. Thanks for the patience. Acme",
            (150, 170),
        ),
    ]
    for parent, lang, t, win in replies:
        plat = "mastodon" if parent == "sre" else "x"
        add(E(plat, lang, t, to=parent, after=win, who="acme", heat=1.5))
    add(
        E(
            "instagram",
            "es",
            "Hola, lo sentimos mucho. Escríbenos por DM con tu número de pedido y lo revisamos ahora. Equipo Acme",
            to="stmt_ig",
            after=(20, 35),
            who="acme",
        )
    )
    add(
        E(
            "facebook",
            "es",
            "Hola, sí: todos los pedidos retrasados hoy tendrán reembolso automático. Lo sentimos mucho. Equipo Acme",
            to="stmt_fb",
            after=(25, 40),
            who="acme",
        )
    )
    add(
        E(
            "x",
            "es",
            "{to} ¿y los que hemos tenido que comprar comida en otro sitio? ¿Acme lo va a compensar?",
            to="stmt_es",
            after=(3, 20),
            k="ask_comp",
            heat=1.5,
        )
    )
    add(
        E(
            "x",
            "es",
            "{to} Sí: todos los pedidos retrasados hoy tendrán reembolso automático y os contaremos en breve cómo compensamos el mal rato. Equipo Acme",
            to="ask_comp",
            after=(25, 35),
            who="acme",
        )
    )
    add(
        E(
            "x",
            "es",
            "Actualización 14:15: el sistema de rutas de Acme vuelve a asignar repartos y los primeros pedidos retrasados ya están saliendo. Priorizamos por orden de franja. Siguiente actualización a las 14:45.",
            at="14:15:00",
            who="acme",
            k="upd1",
            m=(910, 420, 305, 58),
        )
    )
    add(
        E(
            "x",
            "en",
            "Update 2:15pm: Acme's route planning is assigning deliveries again and the first delayed orders are on their way, oldest slot first. Next update at 2:45pm.",
            at="14:16:00",
            who="acme",
            k="upd1_en",
            m=(270, 96, 61, 9),
        )
    )

    # Reacciones en plena respuesta / Reactions while replies go out
    reply_phase: list[tuple[str, str, str]] = [
        (
            "x",
            "es",
            "Acme contesta por privado a quien tiene muchos seguidores y a los demás que nos den, ¿no? #AcmeNoLlega",
        ),
        ("x", "es", "Me ha contestado Acme por DM, dicen que mi pedido sale ahora. Veremos #AcmeNoLlega"),
        (
            "*",
            "es",
            "Acme dice que es un fallo del sistema de rutas. Vale, pero avisad ANTES, no dos horas después #AcmeNoLlega",
        ),
        (
            "x",
            "es",
            "Mis padres sin comida desde las 12 por Acme. Son mayores y no saben ni usar el chat. #AcmeNoLlega",
        ),
        (
            "x",
            "en",
            "Acme finally posted something. 'A fault in our route-planning system'. Ok but where is my food #AcmeNoLlega",
        ),
        ("x", "en", "Got a DM from Acme saying my order is next in line. I'll believe it when I see it #AcmeNoLlega"),
        (
            "*",
            "en",
            "Credit to the Acme social team, they're actually replying to people now. Took a while though #AcmeNoLlega",
        ),
        (
            "bluesky",
            "en",
            "the Acme statement is fine but 'we'll update every 30 minutes' is a bold promise from a company that went silent for 90 #AcmeNoLlega",
        ),
        ("x", "en", "If Acme's next move is another promo tweet I'm moving to Mercalia for good #AcmeNoLlega"),
        (
            "*",
            "es",
            "Acme acaba de poner un banner en la app con lo del retraso y el reembolso. Eso desde las 12:30, por favor #AcmeNoLlega",
        ),
    ]
    for p, lang, t in reply_phase:
        add(E(p, lang, t, "reply", heat=1.5))
    add(
        E(
            "news",
            "es",
            "Usuarios denuncian retrasos masivos en los pedidos de Acme Foods en varias ciudades. La empresa atribuye el problema a un fallo en su sistema de asignación de rutas y promete reembolsos.",
            at="14:32",
            who="news:agora",
            k="news_agora",
            m=(0, 0, 0, 0),
        )
    )
    add(
        E(
            "x",
            "es",
            "Ya está publicada la pieza sobre el fallo de Acme Foods de hoy. Gracias a todas las personas que me escribisteis 🙏 https://diarioagora.example/consumo/2026/11/20/acme-retrasos.html?utm_source=x&utm_medium=social",
            at="14:36",
            who="irene",
            k="irene2",
            m=(388, 151, 40, 12),
        )
    )

    # Competencia aprovechando / Competitor piggybacking
    add(
        E(
            "x",
            "es",
            "Si hoy te has quedado sin comida, en FreshBox te regalamos el envío de tu primer pedido con el código HOYSI 😉 #FreshBox",
            at="14:22",
            who="freshbox",
            k="fb_op",
            m=(520, 88, 143, 210),
        )
    )
    for lang, t in [
        ("es", "FreshBox aprovechando el río revuelto jajaja"),
        ("en", "FreshBox dunking on Acme today lol"),
        ("es", "Pues mira, pedido hecho en FreshBox. Acme, lo siento, tengo hambre"),
    ]:
        add(E("x", lang, t, qt="fb_op", after=(2, 60), heat=1.5))
    add(
        E(
            "x",
            "es",
            "{to} Marketing de carroñero. Hoy es Acme y mañana sois vosotros, FreshBox.",
            to="fb_op",
            after=(5, 40),
        )
    )
    add(
        E(
            "*",
            "es",
            "Mercalia tiene hoy las franjas llenas hasta el domingo, todo el mundo huyendo de Acme jaja",
            "ease",
        )
    )

    # Bajada / Easing (14:45-15:45)
    ease: list[tuple[str, str, str]] = [
        (
            "x",
            "es",
            "Me acaba de llegar el pedido de Acme. 3 horas tarde, pero ha llegado. El repartidor pidiendo perdón, pobre chaval #AcmeNoLlega",
        ),
        ("x", "es", "No es por defender a Acme, pero hoy han contestado a todo el mundo. Otras empresas ni eso"),
        (
            "x",
            "es",
            "Lo de Acme hoy: fallo, silencio, comunicado, disculpas, reembolso. Si hubieran hecho lo tercero antes, ni la mitad de ruido",
        ),
        ("*", "es", "Mi pedido de Acme ha llegado con el helado hecho sopa 🍦🫠 #AcmeNoLlega"),
        (
            "x",
            "en",
            "Acme order finally here. 2h45 late but the driver was lovely and apologised like 10 times #AcmeNoLlega",
        ),
        ("x", "en", "Got my Acme refund in like 20 min. Credit where it's due"),
        (
            "x",
            "en",
            "Watching Acme's replies roll in, their social team must be having the worst Friday of their lives. Respect #AcmeNoLlega",
        ),
        ("*", "en", "Acme just called me personally to apologise. Did not expect that. Order arriving in 20 min"),
        (
            "x",
            "en",
            "Update from my side: Acme delivered, refunded and apologised. 7/10 recovery, 2/10 communication #AcmeNoLlega",
        ),
    ]
    for p, lang, t in ease:
        add(E(p, lang, t, "ease", heat=1.2))
    add(
        E(
            "x",
            "es",
            "Me ha llegado el pedido a las 15:10 con disculpas del repartidor (que no tiene la culpa, pobre). Acme, espero que lo compenséis a todos. #AcmeNoLlega",
            at="15:20:05",
            who="marta",
            to="marta2",
            k="marta3",
            m=(3120, 244, 190, 40),
        )
    )
    add(
        E(
            "x",
            "es",
            "{to} Marta, lo vamos a compensar a todos: reembolso completo y 10 € de saldo en cada pedido afectado. Lo anunciamos en un momento. Gracias por tu paciencia. Equipo Acme",
            to="marta3",
            after=(6, 9),
            who="acme",
            heat=2,
        )
    )
    add(
        E(
            "news",
            "en",
            "Acme Foods blames 'technical fault' for nationwide delivery delays. The Spanish online grocer says a route-planning failure held up lunchtime orders in Madrid, Barcelona, Valencia and Seville.",
            at="15:08",
            who="news:tsp",
            k="news_tsp",
            m=(0, 0, 0, 0),
        )
    )
    add(
        E(
            "reddit",
            "en",
            "Update: mine arrived at 3pm, Acme refunded the full order without me asking. Not bad tbh.",
            to="r_bcn2",
            at="15:12",
        )
    )
    add(
        E(
            "reddit",
            "es",
            "A mí me llegó a las 14:50. Y me han devuelto el pedido entero. Bien por Acme en eso.",
            to="r_mad",
            at="15:01",
        )
    )
    add(
        E(
            "x",
            "es",
            "Actualización 15:35: todos los repartos de Acme funcionan con normalidad. Los pedidos de mediodía tendrán reembolso completo y 10 € de saldo. Sentimos mucho el día que os hemos hecho pasar 🙏",
            at="15:35:00",
            who="acme",
            k="upd2",
            m=(2240, 980, 410, 120),
        )
    )
    add(
        E(
            "x",
            "en",
            "Update 3:35pm: Acme deliveries are back to normal. Every lunchtime order affected gets a full refund plus €10 credit. We're sorry for the day we put you through.",
            at="15:36:00",
            who="acme",
            k="upd2_en",
            m=(690, 240, 88, 21),
        )
    )
    add(
        E(
            "instagram",
            "es",
            "Todo vuelve a funcionar 🧡 Los pedidos de mediodía afectados tendrán reembolso completo + 10 € de saldo, sin hacer nada. Gracias por la paciencia y perdón otra vez. Equipo Acme",
            at="15:40:00",
            who="acme",
            k="upd2_ig",
            m=(3050, 0, 356, 0),
        )
    )
    for lang, t in [
        ("es", "Los 10 € de Acme no me devuelven la comida con mis suegros, pero bueno, algo es algo"),
        ("es", "Acme ha gestionado lo de hoy mejor de lo que esperaba. Tarde al principio, pero luego bien"),
        ("en", "€10 credit and a full refund. Fair play Acme"),
    ]:
        add(E("x", lang, t, qt="upd2", after=(2, 60), heat=1.2))
    for lang, t in [
        ("es", "Bien por Acme reconociendo el error y compensando. Así se hace, aunque tarde"),
    ]:
        add(E("instagram", lang, t, to="upd2_ig", after=(2, 80)))

    # Tarde / Afternoon
    afternoon: list[tuple[str, str, str]] = [
        ("*", "es", "Mañana vuelvo a pedir en Acme, que un mal día lo tiene cualquiera. Pero que no se repita eh"),
        (
            "*",
            "es",
            "Sigo pensando en lo de Acme y en que nadie avisó hasta las 13:46. Eso es lo que tienen que mejorar",
        ),
        ("x", "es", "Pues yo me he pasado a Mercalia esta tarde y lo de Acme ya me da igual"),
        (
            "*",
            "es",
            "Un amigo que trabaja en IT dice que lo de Acme fue una actualización del software de rutas a mediodía. A quién se le ocurre actualizar en hora punta 🤦",
        ),
        (
            "x",
            "es",
            "Lo de hoy con Acme demuestra lo frágil que es la comida a domicilio: un fallo de software y retraso en medio país",
        ),
        (
            "x",
            "en",
            "Today's Acme meltdown is a good reminder that food delivery runs on fragile software. One bug and it's a nationwide delay",
        ),
        ("*", "en", "Acme invented intermittent fasting for the whole country today"),
        ("*", "en", "Genuinely impressed the Acme refund hit my card already. Banks take longer for less"),
        (
            "x",
            "en",
            "Hot take: Acme handled the second half of today really well. The first 90 minutes were a disaster though",
        ),
        ("*", "en", "Did Acme ever say what actually broke? 'Route-planning fault' could mean anything"),
        (
            "bluesky",
            "en",
            "writing a blog post about #AcmeNoLlega as a comms case study. silence for 90 min, then a solid recovery",
        ),
        (
            "x",
            "en",
            "Is it safe to order from Acme tonight or should I wait until tomorrow? Asking for my empty fridge",
        ),
    ]
    for p, lang, t in afternoon:
        add(E(p, lang, t, "afternoon", heat=1.0))
    add(
        E(
            "news",
            "es",
            "Acme Foods atribuye a un fallo informático los retrasos de este viernes y promete reembolsar todos los pedidos afectados con 10 euros extra.",
            at="16:05",
            who="news:mam",
            k="news_mam",
            m=(0, 0, 0, 0),
        )
    )
    add(
        E(
            "email",
            "es",
            "Solicito el reembolso del pedido AC-7742876, que no se entregó a tiempo y tuve que cancelar. Espero respuesta. Acme Foods, atención al cliente. Saludos.",
            "afternoon",
            who="mail:andres",
        )
    )
    add(
        E(
            "form",
            "en",
            "Suggestion: Acme should send a push notification when there's a big delay. Today nobody told us anything for 90 minutes.",
            "afternoon",
            who="mail:hannah",
        )
    )
    add(
        E(
            "form",
            "es",
            "Queja formal: Acme no avisó del retraso y tuve que anular una comida familiar. Pido una compensación adicional y explicaciones por escrito.",
            "afternoon",
            who="mail:marisa",
        )
    )
    add(E("x", "es", "¿Sabéis si los 10€ de Acme caducan? No lo pone en ningún lado", "afternoon", k="caducan"))
    add(
        E(
            "x",
            "es",
            "{to} Hola, sin caducidad: los 10 € se quedan en tu cuenta de Acme hasta que los uses. Gracias por preguntar.",
            to="caducan",
            after=(8, 30),
            who="acme",
        )
    )
    add(
        E(
            "reddit",
            "es",
            "[Hilo] Lo que ha pasado hoy con Acme, con horas: 12:15 fallo, 12:40 empieza #AcmeNoLlega, 13:05 Come con Marta, 13:46 primer comunicado, 14:15 se reanudan repartos, 15:35 reembolso + 10€. Opinad.",
            at="17:20",
            sub="spain",
            k="r_thread",
            heat=2,
        )
    )
    for lang, t in [
        (
            "es",
            "El error de Acme fue tardar hora y media en decir algo. Lo demás, bastante bien para lo que suele ser.",
        ),
        ("es", "Y el tuit de promo de Acme a las 12:58 🤡"),
        (
            "en",
            "As someone who works in incident response: Acme's recovery was decent, detection and first comms were slow.",
        ),
    ]:
        add(E("reddit", lang, t, to="r_thread", after=(4, 120)))

    # Noche / Evening
    evening: list[tuple[str, str, str]] = [
        ("*", "es", "Cena pedida en Acme para esta noche. Confío. Bueno, confío un poco 🤞"),
        ("x", "es", "Y la cena de Acme ha llegado a su hora. Lo de la comida fue un mal día, parece"),
        ("*", "es", "Al final llegó mi pedido de Acme, ya para la cena jajaja, pero bueno, llegó 🙌"),
        (
            "x",
            "es",
            "Resumen del día: Acme me debe una comida, una siesta y parte de mi paciencia. Mañana les perdono 🫡",
        ),
        ("x", "en", "Ordered from Acme again for tonight. Arrived on time. We're healing"),
        ("x", "en", "Acme post-mortem when? Asking as someone who has written a few of those myself #AcmeNoLlega"),
        ("bluesky", "en", "spent my Acme €10 on cheese. no regrets"),
        (
            "x",
            "en",
            "My Spanish neighbours are still talking about Acme in the stairwell. This is the news of the year in our building",
        ),
    ]
    for p, lang, t in evening:
        add(E(p, lang, t, "evening", heat=0.8))
    add(
        E(
            "x",
            "es",
            "Todos los pedidos de mediodía están entregados y reembolsados. Hoy os hemos fallado y lo sentimos. El lunes publicaremos qué pasó y qué cambiamos para que no se repita. Gracias por vuestra paciencia. Equipo Acme",
            at="19:30:00",
            who="acme",
            k="final",
            m=(1710, 520, 260, 44),
        )
    )
    add(
        E(
            "x",
            "en",
            "Every lunchtime order is now delivered and refunded. We let you down today and we're sorry. On Monday we'll publish what happened and what we're changing. Thank you for your patience. Acme",
            at="19:31:00",
            who="acme",
            k="final_en",
            m=(520, 130, 47, 8),
        )
    )
    add(
        E(
            "x",
            "es",
            "{to} Os tomo la palabra con lo del lunes, Acme. Que sea de verdad y no un copia-pega.",
            to="final",
            after=(5, 60),
        )
    )
    add(
        E(
            "x",
            "en",
            "{to} Looking forward to the write-up, Acme. Transparency goes a long way.",
            to="final_en",
            after=(5, 90),
        )
    )
    add(
        E(
            "mastodon",
            "es",
            "Cierro el día con Acme: entregado, reembolsado y con los 10€. Lo de la comunicación a mediodía, un cero. Lo de la tarde, un siete. #AcmeNoLlega",
            "evening",
            who="ux",
        )
    )

    # Con hora fija porque el texto la menciona / Fixed time because the text mentions it
    add(
        E(
            "bluesky",
            "en",
            "Ordered my groceries from Acme Foods at midnight like a true insomniac. Delivery slot tomorrow 9-10, let's see",
            at="00:20",
            heat=1.5,
        )
    )
    add(
        E(
            "instagram",
            "es",
            "Desayuno de viernes con el pan de masa madre de Acme 🥐☕ #AcmeFoods #desayuno #viernes",
            at="06:50",
            heat=1.5,
        )
    )
    add(
        E(
            "x",
            "es",
            "Buenos días a todos menos al repartidor de Acme que ayer me dejó la compra en el felpudo del vecino 🙃",
            at="06:40",
            heat=1.5,
        )
    )
    add(
        E(
            "x",
            "es",
            "Acme Express en 25 minutos un viernes a las 9. No sé qué les dan a los riders pero que sigan",
            at="09:31",
            heat=1.5,
        )
    )
    add(
        E(
            "*",
            "en",
            "Honestly the best thing about living in Madrid so far is Acme Express at 8am on a Friday",
            at="08:12",
            heat=1.5,
        )
    )
    add(
        E(
            "instagram",
            "en",
            "Morning! Coffee, croissant and my Acme delivery just turned up ☕🥐 Friday is off to a good start #AcmeFoods #madridlife",
            at="08:40",
            heat=1.5,
        )
    )
    add(
        E(
            "x",
            "es",
            "Acme abre almacén en Getafe según el periódico, a ver si así llegan antes al sur",
            at="08:30",
            heat=1.5,
        )
    )
    add(
        E(
            "x",
            "en",
            "Acme said 12-1. It's 12:51 and my driver is apparently in... Toledo? #AcmeNoLlega",
            at="12:51",
            heat=1.5,
        )
    )
    add(
        E(
            "x",
            "en",
            "lunch break is 30 minutes, my Acme order is 55 minutes late. do the math #AcmeNoLlega",
            at="13:12",
            heat=1.5,
        )
    )
    add(E("*", "en", "Two hours. TWO. @acmefoods what is going on? #AcmeNoLlega", at="13:58", heat=1.5))
    add(E("x", "es", "Flipo con Acme, de verdad. Hora y media. HORA Y MEDIA #AcmeNoLlega", at="13:37", heat=1.5))
    add(E("x", "es", "Acme se pasó de lanza hoy, hora y media y nada #AcmeNoLlega", at="13:35", heat=1.5))
    add(
        E(
            "x",
            "es",
            "Que alguien de Acme salga a explicar algo, por favor, que son casi las dos #AcmeNoLlega",
            at="13:42",
            heat=1.5,
        )
    )
    add(
        E(
            "x",
            "es",
            "Pues mi repartidor de Acme acaba de llamar para decir que viene. ¡Milagro! #AcmeNoLlega",
            at="14:24",
            heat=1.5,
        )
    )
    add(
        E(
            "x",
            "es",
            "Hostia, acaba de llegar mi pedido de Acme. 2 horas y 10 minutos. El chaval pidiendo perdón, pobre #AcmeNoLlega",
            at="14:34",
            heat=1.5,
        )
    )
    add(
        E(
            "x",
            "en",
            "My Acme order just arrived! 2h late, the driver looked exhausted. Tipped him extra, not his fault #AcmeNoLlega",
            at="14:37",
            heat=1.5,
        )
    )
    add(
        E(
            "x",
            "en",
            "Still nothing from Acme here in Sevilla. The update says 'resuming'. Resuming where, Madrid? #AcmeNoLlega",
            at="14:29",
            heat=1.5,
        )
    )
    add(
        E(
            "*",
            "en",
            "Acme refund policy today: automatic refund for delayed orders. Fair enough, that's the minimum #AcmeNoLlega",
            at="14:25",
            heat=1.5,
        )
    )
    add(
        E(
            "mastodon",
            "en",
            "Interesting to see Acme's response: statement, replies to vulnerable customers first, rumours addressed head-on. Late, but textbook after that. #AcmeNoLlega",
            at="14:40",
            heat=1.5,
        )
    )
    add(
        E(
            "*",
            "en",
            "the Acme driver who just brought my order was almost in tears. please be kind to them today #AcmeNoLlega",
            at="14:43",
            heat=1.5,
        )
    )
    add(
        E(
            "x",
            "es",
            "Acme, son las 15:00 y sigo sin nada. Orden de franja, decís. Mi franja era la primera #AcmeNoLlega",
            at="15:01",
            heat=1.5,
        )
    )
    add(
        E(
            "*",
            "en",
            "Still no Acme order at 3pm. The refund is nice but I'd like my groceries #AcmeNoLlega",
            at="15:04",
            heat=1.5,
        )
    )
    add(E("bluesky", "en", "Acme lunch arrived at tea time. Very British of them #AcmeNoLlega", at="16:10", heat=1.5))
    add(
        E(
            "x",
            "es",
            "Todavía sin pedido y son las 16:30. Acme, el 'por orden de franja' a mí no me llega #AcmeNoLlega",
            at="16:31",
            heat=1.5,
        )
    )
    add(
        E(
            "x",
            "es",
            "Acme repartiendo pedidos de mediodía a las 17:00 como si fuera la merienda 😂 #AcmeNoLlega",
            at="17:09",
            heat=1.5,
        )
    )
    add(E("x", "en", "Still no Acme order at 5pm. I'll take the €10 and cry #AcmeNoLlega", at="17:03", heat=1.5))

    # Cinco que no deben pasar las reglas (exclusiones) / Five that must not pass the rules (exclusions)
    add(E("x", "es", "Mi sobrino flipando con los dibujos del Coyote y sus cohetes ACME 😂 no envejecen", at="09:48"))
    add(
        E(
            "reddit",
            "en",
            "Anyone else think the Road Runner cartoons were secretly about ACME's terrible quality control? That anvil never works.",
            at="11:12",
            sub="nostalgia",
        )
    )
    add(
        E(
            "facebook",
            "es",
            "ACME Corp Bolivia busca técnico de mantenimiento industrial en Santa Cruz. Enviar CV por mensaje privado.",
            at="10:33",
            sub="fb_jobs",
        )
    )
    add(
        E(
            "instagram",
            "es",
            "Disfraz de Correcaminos para el festival del cole 🐦💨 La caja de ACME la hizo su padre con cartón 😂 #disfraces #manualidades",
            at="16:50",
        )
    )
    add(
        E(
            "facebook",
            "es",
            "Vendo taza ACME Looney Tunes vintage, 8 €, recogida en Lavapiés. Está nueva, solo de vitrina.",
            at="18:14",
            sub="fb_market",
        )
    )
    return L


# --- Copias casi iguales / Near-duplicates -----------------------------------------------------
CITIES = [
    "Madrid",
    "Getafe",
    "Alcorcón",
    "Barcelona",
    "L'Hospitalet",
    "Badalona",
    "Valencia",
    "Sevilla",
    "Málaga",
    "Zaragoza",
    "Bilbao",
    "Alicante",
    "Murcia",
    "Leganés",
    "Móstoles",
    "Sabadell",
]
DUP_ES = [
    "Yo también. Pedido de Acme sin llegar desde las 12 en {city}. Ni un aviso. #AcmeNoLlega{e}",
    "Lo mismo en {city}: pedido de Acme desaparecido y nadie contesta #AcmeNoLlega{e}",
    "Sumo uno más desde {city}. Acme, ¿dónde están los pedidos? #AcmeNoLlega{e}",
]
DUP_EN = [
    "Same here, Acme order missing since 12 in {city}. Not a word from them. #AcmeNoLlega{e}",
    "Add {city} to the list. Acme order nowhere, support unreachable #AcmeNoLlega{e}",
]
DUP_EMOJI = ["", "", " 😡", " 🙄", " 😤", " 👎", "!!", "."]


def near_duplicates(rng: random.Random) -> list[E]:
    out: list[E] = []
    for _ in range(8):
        out.append(
            E(
                rng.choice(["x", "x", "x", "bluesky", "instagram"]),
                "es",
                rng.choice(DUP_ES).format(city=rng.choice(CITIES), e=rng.choice(DUP_EMOJI)),
                rng.choice(["peak", "peak", "reply"]),
                heat=1.2,
                comment=False,
            )
        )
    for _ in range(5):
        out.append(
            E(
                rng.choice(["x", "x", "bluesky"]),
                "en",
                rng.choice(DUP_EN).format(city=rng.choice(CITIES), e=rng.choice(DUP_EMOJI)),
                rng.choice(["peak", "reply"]),
                heat=1.2,
                comment=False,
            )
        )
    return out


# Reposts: clave -> (cuántos, minutos de la cola) / key -> (how many, tail minutes)
BOOSTS: dict[str, tuple[int, float]] = {
    "marta": (16, 45),
    "marta2": (3, 30),
    "rider": (5, 40),
    "boicot": (4, 40),
    "stmt_es": (6, 60),
    "stmt_en": (3, 60),
    "irene": (3, 30),
    "jen_psa": (5, 50),
    "upd2": (4, 80),
    "upd2_en": (2, 80),
    "promo_x": (2, 90),
    "final": (2, 120),
    "upd1": (2, 30),
    "irene2": (1, 60),
}


# --- Montaje / Assembly ------------------------------------------------------------------------
def _clock(hhmm: str) -> datetime:
    parts = [int(p) for p in hhmm.split(":")]
    h, mi, s = [*parts, 0, 0, 0][:3]
    return DAY.replace(hour=h, minute=mi, second=s)


_B32 = "234567abcdefghijklmnopqrstuvwxyz"
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _tid(ts: datetime, rng: random.Random) -> str:
    """Bluesky record key (TID): microseconds + clock id, base32-sortable."""
    v = (int(ts.timestamp() * 1_000_000) << 10) | rng.randrange(1024)
    return "".join(_B32[(v >> (5 * i)) & 31] for i in range(12, -1, -1))


def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def build() -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    pools = {"es": _pool(rng, "es", 170), "en": _pool(rng, "en", 120)}
    weights = {lang: [1.0 / (i + 1) ** 0.35 for i in range(len(p))] for lang, p in pools.items()}
    items = entries() + near_duplicates(rng)
    keyed = {e.k: e for e in items if e.k}

    # 1. Red social para "*" / Network for "*"
    for e in items:
        if e.plat == "*":
            e.plat = rng.choices(["x", "bluesky", "mastodon", "instagram", "facebook"], [50, 18, 10, 12, 10])[0]

    # 2. Horas / Times
    when: dict[int, datetime] = {}
    pending = list(items)
    while pending:
        rest: list[E] = []
        for e in pending:
            parent = e.to or e.qt
            if e.at:
                when[id(e)] = _clock(e.at) + timedelta(seconds=rng.randrange(0, 60) if e.at.count(":") == 1 else 0)
            elif parent:
                p = keyed[parent]
                if id(p) not in when:
                    rest.append(e)
                    continue
                when[id(e)] = when[id(p)] + timedelta(minutes=rng.uniform(*e.after))
                if e.who == "acme" and when[id(e)] < STATEMENT:
                    when[id(e)] = STATEMENT + timedelta(minutes=rng.uniform(3, 25))
            else:
                assert e.phase, e.text
                lo, hi = (_clock(x) for x in PHASES[e.phase])
                when[id(e)] = lo + timedelta(seconds=rng.uniform(0, (hi - lo).total_seconds()))
        if len(rest) == len(pending):
            raise RuntimeError("referencia circular / circular reference")
        pending = rest

    # 3. Autores / Authors
    def pick(lang: str, avoid: set[str]) -> Author:
        while True:
            a = rng.choices(pools[lang], weights[lang])[0]
            if a.name not in avoid:
                return a

    author: dict[int, Author] = {}
    for e in items:
        parent = e.to or e.qt
        avoid = {NAMED["acme"].name}
        if parent and id(keyed[parent]) in author:
            avoid.add(author[id(keyed[parent])].name)
        if e.who and e.who.startswith("news:"):
            author[id(e)] = NEWS[e.who[5:]]
        elif e.who and e.who.startswith("mail:"):
            author[id(e)] = MAIL[e.who[5:]]
        elif e.who:
            author[id(e)] = NAMED[e.who]
        else:
            author[id(e)] = pick(e.lang, avoid)

    # 4. Comentarios en publicaciones de Acme (IG/FB) / Comments on Acme's IG/FB posts
    acme_posts = sorted(
        ((when[id(e)], e) for e in items if e.who == "acme" and e.plat in ("instagram", "facebook") and not e.to),
        key=lambda t: t[0],
    )
    for e in items:
        tags = set(re.findall(r"#\w+", e.text)) - {"#AcmeNoLlega"}
        if (
            e.plat in ("instagram", "facebook")
            and e.comment
            and not e.to
            and e.who is None
            and not e.sub
            and not tags
            and e.phase not in (None, "night", "morning")
            and rng.random() < 0.7
        ):
            earlier = [p for t, p in acme_posts if p.plat == e.plat and t < when[id(e)]]
            if earlier:
                e.to = earlier[-1].k

    # 5. Reposts
    boosts: list[E] = []
    for key, (n, tail) in BOOSTS.items():
        src = keyed[key]
        avoid = {NAMED["acme"].name, author[id(src)].name}
        for _ in range(n):
            r = E(src.plat, src.lang, src.text, rt=key)
            lang = src.lang if rng.random() < 0.8 else ("en" if src.lang == "es" else "es")
            author[id(r)] = pick(lang, avoid)
            avoid.add(author[id(r)].name)
            when[id(r)] = when[id(src)] + timedelta(minutes=min(tail, rng.expovariate(3.0 / tail) + 0.3))
            boosts.append(r)
    items += boosts

    # 6. Ids y URLs / Ids and URLs
    ids: dict[int, str] = {}
    urls: dict[int, str] = {}
    used: dict[str, set[str]] = {}
    order = sorted(items, key=lambda e: when[id(e)])

    def root(e: E) -> E:
        while e.to:
            e = keyed[e.to]
        return e

    for e in order:
        ts, a = when[id(e)], author[id(e)]
        ms = int(ts.timestamp() * 1000)
        while True:
            if e.plat == "x":
                eid = str(((ms - 1288834974657) << 22) | rng.randrange(1 << 22))
                url = f"https://x.com/{handle(a, 'x')[1:]}/status/{eid}"
            elif e.plat == "mastodon":
                eid = str((ms << 16) | rng.randrange(1 << 16))
                url = f"https://{a.instance}/@{a.name.replace('.', '_')}/{eid}"
            elif e.plat == "bluesky":
                eid = _tid(ts, rng)
                url = f"https://bsky.app/profile/{handle(a, 'bluesky')[1:]}/post/{eid}"
            elif e.plat == "reddit":
                if e.to:
                    r0 = root(e)
                    eid = "t1_" + _rand(rng, "0123456789abcdefghijklmnopqrstuvwxyz", 7)
                    url = f"https://www.reddit.com/r/{r0.sub}/comments/{ids[id(r0)][3:]}/comment/{eid[3:]}/"
                else:
                    eid = "t3_1" + _rand(rng, "0123456789abcdefghijklmnopqrstuvwxyz", 6)
                    slug = "_".join(re.sub(r"[^a-z0-9 ]", "", _ascii(e.text)).split()[:7])
                    url = f"https://www.reddit.com/r/{e.sub}/comments/{eid[3:]}/{slug}/"
            elif e.plat == "instagram":
                if e.to:
                    r0 = root(e)
                    eid = str(17850000000000000 + rng.randrange(10**14))
                    url = urls[id(r0)] + f"c/{eid}/"
                else:
                    eid = str(3490000000000000000 + rng.randrange(10**16))
                    url = f"https://www.instagram.com/p/{_rand(rng, _B62 + '_-', 11)}/"
            elif e.plat == "facebook":
                if e.to:
                    r0 = root(e)
                    post = ids[id(r0)].split("_")[1]
                    eid = f"{post}_{rng.randrange(10**15, 10**16)}"
                    url = f"https://www.facebook.com/acmefoods/posts/{post}?comment_id={eid.split('_')[1]}"
                else:
                    owner = {
                        "fb_jobs": "groups/empleosantacruz",
                        "fb_market": "groups/mercadillolavapies",
                        "fb_group": "groups/vecinosdelbarrio",
                    }.get(e.sub or "", "acmefoods" if e.who == "acme" else "groups/vecinosdelbarrio")
                    gid = str(rng.randrange(10**14, 10**15))
                    post = str(rng.randrange(10**15, 10**16))
                    eid = f"{gid}_{post}"
                    url = f"https://www.facebook.com/{owner}/posts/{post}/"
            elif e.plat == "youtube":
                if e.to:
                    eid = "Ugz" + _rand(rng, _B62, 19) + "4AaABAg"
                    url = f"https://www.youtube.com/watch?v={ids[id(root(e))]}&lc={eid}"
                else:
                    eid = _rand(rng, _B62 + "_-", 11)
                    url = f"https://www.youtube.com/watch?v={eid}"
            elif e.plat == "news":
                slug = "-".join(re.sub(r"[^a-z0-9 ]", "", _ascii(e.text.split(".")[0])).split()[:8])
                eid = str(rng.randrange(10**7, 10**8))
                url = f"https://www.{a.name}/2026/11/20/{slug}-{eid}.html"
            elif e.plat == "email":
                eid = f"<{ts.strftime('%Y%m%d%H%M%S')}.{_rand(rng, '0123456789abcdef', 8)}@mail.example.com>"
                url = f"https://ayuda.acmefoods.example/tickets/T-{rng.randrange(480000, 499999)}"
            elif e.plat == "form":
                eid = f"form-{rng.randrange(1000, 9999)}"
                url = f"https://acmefoods.example/ayuda/quejas-y-sugerencias/{eid}"
            else:
                raise ValueError(e.plat)
            if eid not in used.setdefault(e.plat, set()):
                used[e.plat].add(eid)
                break
        ids[id(e)], urls[id(e)] = eid, url

    # 7. Texto final, autor, métricas / Final text, author, metrics
    children: Counter[tuple[str, int]] = Counter()
    for e in items:
        for rel, ref in (("rt", e.rt), ("to", e.to), ("qt", e.qt)):
            if ref:
                children[(rel, id(keyed[ref]))] += 1
    out: list[dict[str, Any]] = []
    for e in order:
        a = author[id(e)]
        text = e.text
        if "{to}" in text:
            pe = keyed[e.to] if e.to else None
            pa = author[id(pe)] if pe else None
            to = handle(pa, e.plat) if pa else ""
            text = text.replace("{to} ", to + " " if to else "").replace("{to}", to)
        if e.plat in MAX_LEN:
            assert len(text) <= MAX_LEN[e.plat], (len(text), text)
        adict = {
            "handle": handle(a, e.plat),
            "display_name": a.display,
            "followers": a.followers,
            "verified": a.verified,
        }
        followers = a.followers
        if e.m is not None:
            likes, reposts, replies, quotes = e.m
        elif e.rt or e.plat in ("email", "form", "news"):
            likes = reposts = replies = quotes = 0
        else:
            reach = max(followers, 1) ** 0.55 * e.heat
            likes = int(rng.lognormvariate(0, 1.0) * reach * 0.12)
            reposts = int(likes * rng.uniform(0.05, 0.35))
            replies = int(likes * rng.uniform(0.02, 0.2))
            quotes = int(reposts * rng.uniform(0.0, 0.3))
        if e.plat in ("reddit", "youtube", "instagram", "facebook") and e.m is None:
            quotes = 0
            if e.plat != "facebook":
                reposts = 0
        reposts = max(reposts, children[("rt", id(e))])
        replies = max(replies, children[("to", id(e))])
        quotes = max(quotes, children[("qt", id(e))])
        out.append(
            {
                "platform": e.plat,
                "external_id": ids[id(e)],
                "url": urls[id(e)],
                "created_at": when[id(e)].isoformat(timespec="seconds"),
                "text": text,
                "lang": e.lang,
                "author": adict,
                "likes": likes,
                "reposts": reposts,
                "replies": replies,
                "quotes": quotes,
                "reply_to": ids[id(keyed[e.to])] if e.to else None,
                "quote_of": ids[id(keyed[e.qt])] if e.qt else None,
                "repost_of": ids[id(keyed[e.rt])] if e.rt else None,
            }
        )
    return out


def main() -> None:
    rows = build()
    with OUT.open("wb") as fh:
        for row in rows:
            fh.write(orjson.dumps(row) + b"\n")
    langs = Counter(r["lang"] for r in rows)
    plats = Counter(r["platform"] for r in rows)
    print(f"{len(rows)} mentions -> {OUT}")
    print("lang:", dict(langs.most_common()))
    print("platform:", dict(plats.most_common()))


if __name__ == "__main__":
    main()
