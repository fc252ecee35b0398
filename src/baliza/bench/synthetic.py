"""Synthetic mentions for benchmarks and load tests.

:func:`generate_mentions` yields ``n`` mentions in the JSON shape Baliza ingests (the same shape as
``examples/acme/mentions.jsonl``), fast enough to feed a benchmark without becoming the bottleneck
(well over 100,000 mentions per second in pure Python on a laptop). :func:`write_jsonl` writes them
to a JSON Lines file.

What the stream looks like, for a given ``seed`` (always the same stream for the same arguments):

* about 60% Spanish and 40% English, written from templates whose slots (brand name, handle or
  hashtag, product, city, order number, emoji, a URL with ``utm_*`` parameters) are filled from
  precomputed pieces; lengths from about 30 to 280 characters, and millions of distinct texts;
* about 90% of the original posts name Acme in a form the Acme example workspace's watch rules
  match ("Acme", "Acme Foods", "@acmefoods", "#AcmeNoLlega"...); the rest are unrelated posts with
  no "acme" in them at all;
* about 15% repeat an earlier text: reposts (``repost_of`` set, same platform) or copy-pasted
  duplicates; a few percent are replies or quotes of earlier mentions on the same platform;
* authors come from a pool of about ``n / 4`` accounts drawn with a Zipf-like skew (a few very
  active accounts, a long tail), each living on one platform, with heavy-tailed follower counts;
* ``created_at`` is timezone-aware UTC and non-decreasing; gaps are exponential (a Poisson
  process) with ``per_minute`` mentions per minute on average.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import orjson

__all__ = ["BRAND_SHARE", "REPEAT_SHARE", "SPANISH_SHARE", "generate_mentions", "write_jsonl"]

SPANISH_SHARE = 0.6
"""Share of authors (and so, roughly, of mentions) writing in Spanish; the rest write in English."""
BRAND_SHARE = 0.9
"""Share of original posts that mention Acme in a form the example watch rules match."""
REPEAT_SHARE = 0.15
"""Share of mentions that repeat an earlier text (a repost, or a copy-pasted duplicate)."""
REPLY_SHARE = 0.08
QUOTE_SHARE = 0.02
DEFAULT_START = datetime(2026, 11, 20, tzinfo=UTC)
MAX_TEXT = 280

# Account pool: authors are drawn as int(pool * random() ** 2), a Zipf-like skew towards index 0;
# _COVERAGE is the share of the pool n such draws reach, so the pool is sized for about n / 4 authors.
_COVERAGE = 0.92
_TABLE_SEED = 20261120  # the precomputed tables never depend on the caller's seed

# --- Text pieces --------------------------------------------------------------------------------
# "{order}" stays a gap filled at generation time, so order numbers add variety for free.
_ORDER = "\x00"

_BRAND = {
    "es": ("Acme", "Acme", "Acme", "Acme Foods", "@acmefoods_es", "@acmefoods", "ACME", "acme"),
    "en": ("Acme", "Acme", "Acme Foods", "Acme Foods", "@acmefoods", "acme"),
}
_TAGS = ("#AcmeNoLlega", "#AcmeNoLlega", "#AcmeFoods", "#AcmeSuper")
_PRODUCTS = {
    "es": (
        "las fresas",
        "el pan de masa madre",
        "los huevos camperos",
        "la leche de avena",
        "el aceite de oliva",
        "los yogures griegos",
        "la merluza",
        "el jamón",
        "los aguacates",
        "el café en grano",
        "la pizza fresca",
        "el hummus",
        "las mandarinas",
        "los plátanos",
        "el tomate triturado",
        "la bolsa de hielo",
        "los pañales",
        "el queso manchego",
        "las croquetas congeladas",
        "la lechuga",
    ),
    "en": (
        "strawberries",
        "sourdough",
        "free-range eggs",
        "oat milk",
        "olive oil",
        "Greek yoghurt",
        "hake",
        "avocados",
        "coffee beans",
        "fresh pizza",
        "hummus",
        "clementines",
        "bananas",
        "tinned tomatoes",
        "nappies",
        "manchego",
        "frozen croquetas",
        "lettuce",
        "sparkling water",
        "dark chocolate",
    ),
}
_FOODS = {
    "es": ("calabaza", "coliflor", "boniato", "pimientos", "berenjena", "pollo", "salmón", "patatas"),
    "en": ("squash", "cauliflower", "sweet potato", "peppers", "aubergine", "chicken", "salmon", "potatoes"),
}
_CITIES = (
    "Madrid",
    "Barcelona",
    "Valencia",
    "Sevilla",
    "Málaga",
    "Bilbao",
    "Zaragoza",
    "Alicante",
    "Murcia",
    "Palma",
    "Valladolid",
    "Vigo",
    "Gijón",
    "Granada",
    "Córdoba",
    "Getafe",
    "Badalona",
    "L'Hospitalet",
    "Santander",
    "Pamplona",
    "Móstoles",
    "Alcalá",
    "Sabadell",
    "Cádiz",
)

_BRAND_CORES = {
    "es": (
        "Pedido {order} de {brand} sin llegar en {city}. Llevo más de una hora esperando",
        "{brand} me ha traído {product} en perfecto estado, da gusto",
        "¿Alguien más en {city} sin pedido de {brand}? La app dice 'en reparto' desde hace rato",
        "Hoy {brand} me ha cambiado {product} por otra marca sin avisar. No es lo mismo",
        "El repartidor de {brand} en {city} un crack, gracias!!",
        "{brand}, mi pedido {order} llegó sin {product}. ¿Me lo devolvéis?",
        "Pues {brand} tiene {product} en oferta esta semana, a ver cuánto dura",
        "Tercera vez este mes que {brand} llega tarde a {city}. Paciencia cero ya",
        "nunca mas pido en {brand}, q verguenza lo de hoy en {city}",
        "genial {brand}, otra vez sin {product} 👏👏",
        "Me encanta {product} de {brand}, no lo cambio por nada",
        "Hola {handle}, ¿hacéis envíos a {city}? En la app no me sale",
        "{brand} me ha cobrado dos veces el pedido {order}. ¿Esto qué es, una estafa?",
        "Dicen que {brand} abre almacén nuevo cerca de {city}, ojalá lleguen antes",
        "Compra semanal hecha en {brand}: {product}, fruta y poco más",
        "Llevo 40 minutos al teléfono con {brand} por el pedido {order}. Música de espera en bucle",
        "Lo de {brand} hoy en {city} es de traca, ni pedido ni respuesta {tag}",
        "{tag} y yo con la nevera vacía en {city}. Gracias {brand}",
        "Reconozco que {product} de {brand} está buenísimo, aunque el envío a {city} tarda",
        "¿{brand} o Mercalia para la compra grande en {city}? Acepto consejos",
        "Mi madre pidiendo {product} en {brand} ella solita. Orgullo 🥹",
        "{handle} el pedido {order} pone entregado y aquí no ha llegado nada",
        "Probando {brand} por primera vez en {city}, de momento bien",
        "Ya me han devuelto el dinero del pedido {order}, rápido {brand} la verdad",
        "{brand} sube otra vez el precio de {product}, así no hay quien haga la compra",
        "Qué manía tiene {brand} de mandar {product} medio aplastados",
        "Acme Foods en {city} va como un tiro esta semana, bien",
        "Pues a mí {brand} nunca me ha fallado en {city}, no sé qué os pasa",
    ),
    "en": (
        "My {brand} order {order} still hasn't arrived in {city}. Over an hour now",
        "{brand} delivered {product} in perfect condition, love it",
        "Anyone else in {city} waiting on {brand}? App says out for delivery since forever",
        "{brand} swapped my {product} for another brand without asking. Not the same",
        "Shoutout to the {brand} driver in {city}, absolute legend",
        "{brand}, order {order} arrived without the {product}. Refund please?",
        "great job {brand}, no {product} again 👏",
        "hey {handle} do you deliver to {city}? the app won't let me pick it",
        "{brand} charged me twice for order {order}. Not cool",
        "Honestly {brand} has the best {product} in {city}, fight me",
        "Third late delivery from {brand} this month in {city}. I'm tired",
        "{tag} and my fridge is empty in {city}. Thanks {brand}",
        "First time trying {brand} in {city}, so far so good",
        "Got my refund for {order} already, fair play {brand}",
        "{brand} or Mercalia for a big weekly shop in {city}? Moving next month",
        "Been on hold with {brand} for 40 minutes about order {order}. Send help",
        "{handle} my order {order} says delivered but there's nothing at my door",
        "The {brand} app keeps logging me out mid-checkout. Just me?",
        "Why does {brand} always send {product} slightly squashed",
        "Weekly shop sorted with {brand}: {product}, fruit and not much else",
        "{brand} in {city} has been super quick this week, nice",
        "Not sure what everyone's complaining about, {brand} has never let me down in {city}",
    ),
}
_OTHER_CORES = {
    "es": (
        "Hoy en {city} hace un día precioso para salir a pasear",
        "¿Alguien me recomienda un buen sitio de tapas en {city}? Voy el finde",
        "Atasco monumental entrando a {city}, como cada viernes",
        "El partido de anoche fue un robo, no hay más que hablar",
        "Receta fácil de la semana: {food} al horno con un poco de sal",
        "Buscando piso en {city} y los precios son de chiste",
        "Mi gato ha decidido que las 5 de la mañana es hora de jugar",
        "Alguien sabe si mañana hay huelga de metro en {city}?",
        "Lunes otra vez y yo sin café, qué dramón",
        "Concierto en {city} esta noche, ¿quién se apunta?",
    ),
    "en": (
        "Gorgeous day in {city}, finally some sun",
        "Can anyone recommend a decent tapas bar in {city}? Visiting this weekend",
        "Flat hunting in {city} is a nightmare, prices are wild",
        "Easy recipe of the week: roast {food} with a bit of salt",
        "My cat thinks 5am is playtime. I disagree",
        "Is there a metro strike in {city} tomorrow? Anyone know?",
        "Learning Spanish one bad joke at a time",
        "Concert in {city} tonight, who's going?",
    ),
}
_OPENERS = {
    "es": (
        "",
        "",
        "",
        "",
        "Buah. ",
        "A ver. ",
        "Madre mía. ",
        "Jajaja. ",
        "Os cuento: ",
        "Uf. ",
        "Lo que faltaba: ",
        "En serio. ",
        "Ojo: ",
        "Buenos días! ",
        "Pues nada. ",
        "Osea... ",
        "Hilo rápido: ",
        "Vale. ",
    ),
    "en": (
        "",
        "",
        "",
        "",
        "Ok. ",
        "Honestly? ",
        "lol. ",
        "PSA: ",
        "Update: ",
        "Ugh. ",
        "Not gonna lie: ",
        "Quick one: ",
        "Wow. ",
        "Morning! ",
        "So. ",
    ),
}
_EMOJI_TAILS = (
    "",
    "",
    "",
    "",
    "",
    " 😡",
    " 🙄",
    " 😂",
    " 🙏",
    " ❤️",
    " 👏👏",
    "!!",
    "...",
    " 😤",
    " 🥲",
    " 🤷‍♀️",
    " 🔥",
    " 😭",
    " 👍",
    " ✨",
)
_UTM_SOURCES = ("x", "bsky", "mastodon", "instagram", "facebook", "newsletter", "whatsapp")
_UTM_CAMPAIGNS = ("bf26", "navidad26", "app_launch", "referral", "cesta_semanal", "express30")
_BRAND_URL_PATHS = (
    "ofertas",
    "p/fresas",
    "p/pan-masa-madre",
    "p/aceite-oliva",
    "express",
    "plus",
    "ayuda/pedidos",
    "estado",
)
_OTHER_URL_PATHS = ("blog/recetas-otono", "agenda/conciertos", "noticias/trafico", "post/12345")


def _url_tails(host: str, paths: tuple[str, ...]) -> list[str]:
    return [
        f" https://{host}/{path}?utm_source={src}&utm_medium=social&utm_campaign={camp}"
        for path in paths
        for src in _UTM_SOURCES
        for camp in _UTM_CAMPAIGNS
    ]


@dataclass(frozen=True, slots=True)
class _Bank:
    """Precomputed text pieces for one language: text = opener + head [+ order + rest] + tail.

    The tail is an emoji, a hashtag or nothing, and one time in eight a URL instead.
    """

    openers: tuple[str, ...]
    brand_cores: tuple[tuple[str, str | None], ...]
    other_cores: tuple[tuple[str, str | None], ...]
    brand_tails: tuple[str, ...]
    other_tails: tuple[str, ...]
    brand_urls: tuple[str, ...]
    other_urls: tuple[str, ...]


def _render(rng: random.Random, template: str, lang: str, copies: int) -> list[tuple[str, str | None]]:
    out: dict[tuple[str, str | None], None] = {}
    for _ in range(copies):
        text = template.format(
            brand=rng.choice(_BRAND[lang]),
            handle=rng.choice(("@acmefoods", "@acmefoods_es") if lang == "es" else ("@acmefoods",)),
            tag=rng.choice(_TAGS),
            product=rng.choice(_PRODUCTS[lang]),
            food=rng.choice(_FOODS[lang]),
            city=rng.choice(_CITIES),
            order=_ORDER,
        )
        head, sep, rest = text.partition(_ORDER)
        out[(head, rest if sep else None)] = None
    return list(out)


@cache
def _banks() -> tuple[_Bank, _Bank]:
    """The Spanish and English banks, built once per process (a few milliseconds)."""
    rng = random.Random(_TABLE_SEED)
    banks = []
    for lang in ("es", "en"):
        brand = [c for t in _BRAND_CORES[lang] for c in _render(rng, t, lang, 80)]
        other = [c for t in _OTHER_CORES[lang] for c in _render(rng, t, lang, 24)]
        tags = tuple(f" {t}" for t in _TAGS)
        bank = _Bank(
            openers=_OPENERS[lang],
            brand_cores=tuple(brand),
            other_cores=tuple(other),
            brand_tails=_EMOJI_TAILS * 3 + tags,
            other_tails=_EMOJI_TAILS,
            brand_urls=tuple(_url_tails("acmefoods.example", _BRAND_URL_PATHS)),
            other_urls=tuple(_url_tails("example.com", _OTHER_URL_PATHS)),
        )
        # Every combination must stay within 30..MAX_TEXT characters; order numbers take 10.
        cores = (*bank.brand_cores, *bank.other_cores)
        tails = (*bank.brand_tails, *bank.other_tails, *bank.brand_urls, *bank.other_urls)
        longest = max(map(len, bank.openers)) + 10 + max(len(h) + len(r or "") for h, r in cores) + max(map(len, tails))
        assert longest <= MAX_TEXT, (lang, longest)
        assert min(len(h) + len(r or "") for h, r in cores) >= 30, lang
        assert all("acme" not in (h + (r or "")).lower() for h, r in bank.other_cores)
        assert all("acme" not in t.lower() for t in (*bank.other_tails, *bank.other_urls))
        banks.append(bank)
    return banks[0], banks[1]


# --- Accounts ------------------------------------------------------------------------------------
# Weights out of 64: an account's platform is picked by the low 6 bits of its index
_PLATFORM_WEIGHTS = (
    ("x", 33),
    ("bluesky", 9),
    ("mastodon", 4),
    ("reddit", 5),
    ("instagram", 5),
    ("facebook", 4),
    ("youtube", 1),
    ("news", 1),
    ("email", 1),
    ("form", 1),
)
_REPOSTABLE = frozenset(("x", "bluesky", "mastodon", "facebook"))
_MASTODON = ("mastodon.social", "masto.es", "mastodon.online", "mas.to", "hachyderm.io")
_SUBREDDITS = ("spain", "Madrid", "Barcelona", "askspain", "GoingToSpain", "valencia")
_FIRST = (
    "lucia",
    "pablo",
    "nuria",
    "javi",
    "carmen",
    "sergio",
    "alba",
    "dani",
    "rocio",
    "alvaro",
    "paula",
    "jorge",
    "cris",
    "raul",
    "elena",
    "iker",
    "ainhoa",
    "marc",
    "laia",
    "jordi",
    "pilar",
    "andres",
    "bea",
    "hugo",
    "sara",
    "miguel",
    "guille",
    "ruben",
    "noelia",
    "vero",
    "ximena",
    "valen",
    "camila",
    "mateo",
    "santi",
    "emma",
    "jack",
    "olivia",
    "liam",
    "chloe",
    "tom",
    "sophie",
    "ben",
    "hannah",
    "sam",
    "jess",
    "ryan",
    "megan",
    "priya",
    "aisha",
    "noah",
    "grace",
    "finn",
    "maya",
    "lars",
    "giulia",
)
_LAST = (
    "Lopez",
    "Martin",
    "Sanchez",
    "Perez",
    "Gomez",
    "Ruiz",
    "Diaz",
    "Moreno",
    "Munoz",
    "Alvarez",
    "Romero",
    "Navarro",
    "Gil",
    "Serrano",
    "Blanco",
    "Molina",
    "Castro",
    "Ortiz",
    "Rubio",
    "Sanz",
    "Smith",
    "Brown",
    "Wilson",
    "Taylor",
    "Clarke",
    "Evans",
    "Murphy",
    "Kelly",
    "Patel",
    "Cooper",
    "Reid",
    "Jansen",
)
_SEPARATORS = ("", "_", "", ".", "__", "")

# Account = (platform, handle, display_name, followers, verified, lang, url_prefix, reach)
_Account = tuple[str, str, str, int, bool, str, str, float]


@cache
def _tables() -> tuple[tuple[str, ...], tuple[int, ...], tuple[tuple[float, float, float, float], ...]]:
    """Platform slots (by the author index's low bits), follower counts, engagement multipliers."""
    rng = random.Random(_TABLE_SEED + 1)
    slots = [name for name, weight in _PLATFORM_WEIGHTS for _ in range(weight)]
    assert len(slots) == 64
    rng.shuffle(slots)
    # Heavy tail: log-normal body, capped so one account does not dwarf the whole benchmark.
    followers = tuple(min(3_000_000, int(math.exp(rng.gauss(5.2, 1.7)))) for _ in range(4096))
    engagement = tuple(
        (rng.lognormvariate(0.0, 1.0) * 0.08, rng.uniform(0.02, 0.3), rng.uniform(0.01, 0.2), rng.uniform(0.0, 0.3))
        for _ in range(1024)
    )
    return tuple(slots), followers, engagement


def _account(index: int) -> _Account:
    """Everything about author number ``index``; a pure function of the index."""
    slots, followers_table, _ = _tables()
    h = (index * 2654435761) & 0xFFFFFFFF
    platform = slots[index & 63]
    lang = "es" if h % 1000 < SPANISH_SHARE * 1000 else "en"
    first = _FIRST[(h >> 4) % len(_FIRST)]
    last = _LAST[(h >> 10) % len(_LAST)]
    base = f"{first}{_SEPARATORS[(h >> 16) % len(_SEPARATORS)]}{last.lower()[: 1 + (h >> 20) % 5]}{index}"
    followers = followers_table[(h >> 8) & 4095]
    verified = followers > 100_000 or (h >> 24) % 97 == 0
    display = f"{first.capitalize()} {last}"
    if platform == "bluesky":
        handle = f"@{base.replace('_', '-').replace('.', '-')}.bsky.social"
        url = f"https://bsky.app/profile/{handle[1:]}/post/"
    elif platform == "mastodon":
        user = base.replace(".", "_")
        instance = _MASTODON[h % len(_MASTODON)]
        handle = f"@{user}@{instance}"
        url = f"https://{instance}/@{user}/"
    elif platform == "reddit":
        handle = f"u/{base}"
        url = f"https://www.reddit.com/r/{_SUBREDDITS[h % len(_SUBREDDITS)]}/comments/"
    elif platform == "news":
        handle = f"{base.replace('_', '').replace('.', '')}.example"
        display = f"Noticias {last}"
        url = f"https://www.{handle}/a/"
        followers *= 20
    elif platform in ("email", "form"):
        handle = f"{base}@example.com"
        url = f"https://ayuda.acmefoods.example/{'tickets' if platform == 'email' else 'formulario'}/"
        followers = 0
    elif platform == "x":
        handle = f"@{base.replace('.', '_')}"
        url = f"https://x.com/{handle[1:]}/status/"
    elif platform == "youtube":
        handle = f"@{base}"
        url = "https://www.youtube.com/watch?v=bench&lc="
    else:  # instagram, facebook
        handle = f"@{base}"
        url = f"https://www.{platform}.com/{base}/posts/"
    return platform, handle, display, followers, verified, lang, url, math.sqrt(followers + 1)


# (prefix, first number, hexadecimal, suffix): ids are unique per platform because the sequence
# number they embed is unique in the whole stream
_ID_FORMATS: dict[str, tuple[str, int, bool, str]] = {
    "x": ("", 2_123_000_000_000_000_000, False, ""),
    "bluesky": ("3m", 0x2A000000000, True, ""),
    "mastodon": ("", 117_600_000_000_000_000, False, ""),
    "reddit": ("t1_", 0x1A000000, True, ""),
    "instagram": ("", 17_900_000_000_000_000, False, ""),
    "facebook": ("104857600_", 2_900_000_000_000_000, False, ""),
    "youtube": ("Ugx", 0x5F000000000, True, "4AaABAg"),
    "news": ("", 80_000_000, False, ""),
    "email": ("bench-", 0x10000000, True, "@mail.example.com"),
    "form": ("form-", 500_000, False, ""),
}


def generate_mentions(
    n: int, *, seed: int = 7, start: datetime | None = None, per_minute: float = 200.0
) -> Iterator[dict[str, Any]]:
    """Yield ``n`` synthetic mentions (see the module docstring); the same arguments, the same stream.

    ``start`` is the time of the stream's origin (default 2026-11-20 00:00 UTC; a naive datetime is
    taken as UTC); ``per_minute`` the average rate.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if not per_minute > 0:
        raise ValueError(f"per_minute must be > 0, got {per_minute}")
    if start is None:
        start = DEFAULT_START
    elif start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    origin = start.timestamp()
    mean_gap = 60.0 / per_minute

    rng = random.Random(seed)
    random_ = rng.random
    bits = rng.getrandbits
    log = math.log
    slots, _followers, engagement = _tables()
    pieces = tuple(_pieces(bank) for bank in _banks())
    brand_share = BRAND_SHARE
    repeat_share = REPEAT_SHARE
    reply_share = REPLY_SHARE
    quote_share = REPLY_SHARE + QUOTE_SHARE
    repostable = _REPOSTABLE

    pool = max(1, round(n / 4 / _COVERAGE))
    accounts: dict[int, tuple[Any, ...]] = {}
    cache_limit = 500_000
    recent: dict[str, list[str]] = {name: [] for name in _ID_FORMATS}
    history: list[tuple[str, str, str, str]] = []  # (platform, external_id, text, lang), a ring
    history_size = 4096
    filled = 0

    t = 0.0
    last_second = -1
    last_minute = -1
    minute_prefix = ""
    created = ""
    for seq in range(n):
        # Time: exponential gaps; the ISO string is rebuilt only when the second changes.
        t += -log(1.0 - random_()) * mean_gap
        second = int(t)
        if second != last_second:
            last_second = second
            minute = second // 60
            if minute != last_minute:
                last_minute = minute
                minute_prefix = datetime.fromtimestamp(origin + minute * 60, UTC).isoformat()[:17]
            created = minute_prefix + _SECONDS[second % 60]

        r = random_()
        index = int(pool * r * r)  # Zipf-like: density grows towards index 0
        b = bits(60)
        repost_of = None
        quote_of = None
        reply_to = None
        src_platform = ""
        text = ""
        lang = ""
        if filled and random_() < repeat_share:
            src_platform, src_id, text, lang = history[b % filled]
            if src_platform in repostable and b & 0x300:  # about three in four become real reposts
                # Move the author to an account on the same platform (same high bits, matching low bits).
                for low in range(64):
                    candidate = (index & ~63) | ((index + low) & 63)
                    if candidate < pool and slots[candidate & 63] == src_platform:
                        index = candidate
                        repost_of = src_id
                        break
        account = accounts.get(index)
        if account is None:
            account = _account_row(index, recent)
            if len(accounts) < cache_limit:
                accounts[index] = account
        platform, handle, display, followers, verified, author_lang, lang_id, url_prefix, reach, idfmt, same = account
        if repost_of is not None and platform != src_platform:  # pool too small to find one
            repost_of = None

        if not text:
            lang = author_lang
            (
                openers,
                n_openers,
                brand_cores,
                n_brand,
                other_cores,
                n_other,
                brand_tails,
                brand_urls,
                other_tails,
                other_urls,
            ) = pieces[lang_id]
            b2 = b >> 12
            if random_() < brand_share:
                head, rest = brand_cores[b2 % n_brand]
                b2 //= n_brand
                tails = brand_urls if b & 7 == 0 else brand_tails
            else:
                head, rest = other_cores[b2 % n_other]
                b2 //= n_other
                tails = other_urls if b & 7 == 0 else other_tails
            opener = openers[b2 % n_openers]
            b2 //= n_openers
            tail = tails[b2 % len(tails)]
            if rest is None:
                text = opener + head + tail
            else:
                text = f"{opener}{head}AC-{7_000_000 + (b2 >> 10) % 3_000_000}{rest}{tail}"

        prefix, first_number, hexadecimal, suffix = idfmt
        external_id = prefix + (format(first_number + seq, "x") if hexadecimal else str(first_number + seq)) + suffix
        if repost_of is None:
            if same:
                r = random_()
                if r < reply_share:
                    reply_to = same[-1 - (b & 15) % len(same)]
                elif r < quote_share and platform in repostable:
                    quote_of = same[-1 - (b & 15) % len(same)]
            mult, repost_frac, reply_frac, quote_frac = engagement[(b >> 4) & 1023]
            likes = int(reach * mult)
            reposts = int(likes * repost_frac)
            replies = int(likes * reply_frac)
            quotes = int(reposts * quote_frac)
            if filled < history_size:
                history.append((platform, external_id, text, lang))
                filled += 1
            else:
                history[seq % history_size] = (platform, external_id, text, lang)
        else:
            likes = reposts = replies = quotes = 0
        same.append(external_id)
        if len(same) > 64:
            del same[:32]

        yield {
            "platform": platform,
            "external_id": external_id,
            "url": url_prefix + external_id,
            "created_at": created,
            "text": text,
            "lang": lang,
            "author": {"handle": handle, "display_name": display, "followers": followers, "verified": verified},
            "likes": likes,
            "reposts": reposts,
            "replies": replies,
            "quotes": quotes,
            "reply_to": reply_to,
            "quote_of": quote_of,
            "repost_of": repost_of,
        }


_SECONDS = tuple(f"{s:02d}+00:00" for s in range(60))


def _pieces(bank: _Bank) -> tuple[Any, ...]:
    """A bank flattened into a tuple (with lengths) for the hot loop."""
    return (
        bank.openers,
        len(bank.openers),
        bank.brand_cores,
        len(bank.brand_cores),
        bank.other_cores,
        len(bank.other_cores),
        bank.brand_tails,
        bank.brand_urls,
        bank.other_tails,
        bank.other_urls,
    )


def _account_row(index: int, recent: dict[str, list[str]]) -> tuple[Any, ...]:
    """An account plus what the hot loop needs with it: language index, id format, recent ids list."""
    platform, handle, display, followers, verified, lang, url, reach = _account(index)
    return (
        platform,
        handle,
        display,
        followers,
        verified,
        lang,
        0 if lang == "es" else 1,
        url,
        reach,
        _ID_FORMATS[platform],
        recent[platform],
    )


def write_jsonl(path: Path | str, n: int, *, seed: int = 7) -> None:
    """Write ``generate_mentions(n, seed=seed)`` to ``path`` as JSON Lines (UTF-8, one object a line)."""
    dumps = orjson.dumps
    chunk: list[bytes] = []
    with Path(path).open("wb") as fh:
        for mention in generate_mentions(n, seed=seed):
            chunk.append(dumps(mention))
            if len(chunk) >= 4096:
                fh.write(b"\n".join(chunk) + b"\n")
                chunk.clear()
        if chunk:
            fh.write(b"\n".join(chunk) + b"\n")
