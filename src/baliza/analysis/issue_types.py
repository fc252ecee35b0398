"""Issue types of a mention (multi-label, Spanish and English), from hand-written cue lists.

A mention can be several things at once: "me cobraron dos veces y nadie contesta en el chat" is a
complaint about pricing and about customer service. Every cue (word, phrase, prefix stem such as
``reembols*``, emoji) feeds one or more types with a weight; a type is reported when its cues add
up to at least ``INCLUDE_SCORE``, and its confidence grows with that sum.

All cues of both languages live in ONE Aho-Corasick automaton built at import, matched against
the folded text (``baliza.ingest.normalize.fold``: case and accents removed), so a post is scanned
once in C. Hits inside longer words are discarded (``retraso`` does not fire on ``retrasomania``,
a stem such as ``reembols*`` fires on ``reembolso`` and ``reembolsar``). Camel-case hashtags are
also read as words: ``#AcmeNoLlega`` says ``no llega``.

Evaluative cues (complaint and praise words, and cues marked ``~``) are dropped when a negation
stands just before them in the same clause: "no tengo ninguna queja" is not a complaint, and a
negated compliment ("no estoy contento") counts towards ``complaint`` instead of ``praise``.
Irony-prone praise ("genial", "gracias", 👏) does not count when the post is clearly a complaint.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import ahocorasick

from baliza.ingest.normalize import fold


class IssueType(StrEnum):
    """What a mention is about; the order is the display order."""

    complaint = "complaint"
    delivery = "delivery"  # delivery and logistics
    product_quality = "product_quality"  # product quality and safety
    customer_service = "customer_service"
    pricing = "pricing"  # pricing and billing
    marketing = "marketing"  # marketing misstep, offensive content
    privacy = "privacy"  # data and privacy
    legal = "legal"  # legal and regulatory
    conduct = "conduct"  # employee or executive conduct
    health = "health"  # health and emergencies
    boycott = "boycott"  # calls to boycott
    rumour = "rumour"  # rumours and misinformation
    question = "question"  # questions and help requests
    praise = "praise"


ISSUE_TYPES: tuple[IssueType, ...] = tuple(IssueType)

INCLUDE_SCORE = 0.6
"""A type is reported when the weights of its distinct cues add up to this (one medium cue)."""

STRONG, MEDIUM, WEAK = 1.0, 0.6, 0.3
_STRENGTHS = {"strong": STRONG, "medium": MEDIUM, "weak": WEAK, "veto": -1.0}
MAX_CHARS = 5000
"""Longer texts are cut: past a few paragraphs more text only adds noise (and time)."""


@dataclass(frozen=True, slots=True)
class IssueLabel:
    """One issue type found in a text, how sure we are, and the cue terms behind it."""

    type: IssueType
    confidence: float
    cues: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IssueTypes:
    """The issue types of a text, in ``ISSUE_TYPES`` order."""

    labels: tuple[IssueLabel, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        """The type ids, e.g. ``("complaint", "delivery")``."""
        return tuple(label.type.value for label in self.labels)

    def get(self, issue_type: str) -> IssueLabel | None:
        """The label of that type, or None when the text is not about it."""
        for label in self.labels:
            if label.type == issue_type:
                return label
        return None

    def __contains__(self, issue_type: object) -> bool:
        return any(label.type == issue_type for label in self.labels)


NO_ISSUES = IssueTypes()

# ---------------------------------------------------------------------------------------------
# Cue lists, one table for both languages. "@lang type:strength ..." opens a group: the language of
# its terms ("es", "en", or "*" for emoji and symbols) and the types it feeds (strength: strong,
# medium, weak, or veto: a veto adds nothing, it swallows the weaker cues it contains, as "in order
# to" does "order"). Then comma-separated terms: a trailing "*" makes a prefix stem, a leading "~"
# makes a topic cue negatable ("sin retrasos" is no delay), a leading "=" makes an evaluative one
# never negated. Terms keep their accents for readability; matching ignores case and accents.
# Lines starting with "--" are comments.
# ---------------------------------------------------------------------------------------------
_CUES = """
-- complaint: a negative experience, said outright ------------------------------------------------
@es complaint:strong
queja*, quejarme, me quejo, horrible, pésimo*, pésima*, lamentable*, vergüenza, qué vergüenza, desastre,
estafa*, estafad*, timo, timad*, harto, harta, hartos, hartas, indignad*, indignante, cabread*, decepción,
decepcionad*, decepcionante, inaceptable, inadmisible, nunca más, no vuelvo a, no volveré, no recomiendo,
no lo recomiendo, no funciona, tomadura de pelo, qué asco, una mierda, ridículo, ridícula, se pasó de lanza,
esto no se hace, un cachondeo, me tenéis harto, me tenéis harta, ya está bien, es increíble que, lo peor
@es complaint:medium
reclamación, reclamar, fatal, penoso, penosa, asco, vaya tela, mala onda, qué ladilla, ladilla, mierda,
enfadad*, enfado, molest*, ya era hora, ni un aviso, ni caso, chapuza*, un cero, cansado de, cansada de, no hay derecho,
me voy a la competencia, me doy de baja, borrada la app, he borrado la app, me paso a, me cambio a,
se ha caído, caída del sistema, no anda, no sirve, qué mal, qué pena, qué rabia, flipo, ni de coña,
vaya servicio, mal servicio, peor servicio, todavía sin, aún sin, sigo sin, no reconozco
@es complaint:weak
~problema*, error, fallo, ~fallos, esperando, llevo, otra vez, de nuevo, encima, tarde, cancelo, cancelar,
¿dónde está, ni rastro, nada de nada
@en complaint:strong
~complaint*, horrible, terrible, awful, worst, the worst, disgusting, disgrace, disappointed, disappointing,
disappointment, unacceptable, useless, pathetic, never again, fed up, sick of, scam*, ripoff, rip-off,
rip off, ridiculous, what a joke, you had one job, doesn't work, does not work, not working, furious,
outraged, appalling, do not recommend, don't recommend, wouldn't recommend
@en complaint:medium
~complain*, angry, annoyed, frustrated, frustrating, a disaster, disaster, meltdown, shambles, mess, joke,
wtf, crap, shit, rubbish, garbage, is down, outage, broken, failed, failing, let us down, let me down,
not good enough, come on, cancelled my, canceled my, bad service, poor service, not a word, still no,
still nothing, missing since, been missing
@en complaint:weak
~problem*, ~issue*, error, late, still waiting, waiting, again, hours
@* complaint:strong
😡, 🤬
@* complaint:medium
😤, 😠, 👎, 🙄, 😒, 🤡, 🤦, 😑
@* complaint:weak
💀, 😩, 😞, 😣, 😐, 🫠, 😬

-- delivery and logistics ------------------------------------------------------------------------
@es delivery:strong complaint:medium
no llegó, no llega, no ha llegado, no me ha llegado, no le ha llegado, no nos ha llegado, no me llegó,
no me llega, no te llegue, sin llegar, sigue sin llegar, sigue sin aparecer, sin aparecer, nunca llegó,
no ha venido nadie, no viene nadie, no aparece, sin pedido, sin mi pedido, sin compra, sin comida,
pedido desaparecido, pedido perdido, paquete perdido, pedido equivocado, pedido de otra persona,
me han cambiado, me habéis cambiado, faltaban, faltaba, me falta, nos falta, dónde está mi pedido,
dónde están los pedidos, no reparten, dejó la compra, sigo esperando el pedido, llegó tarde, llega tarde,
llegan tarde, con retraso, llegó roto, llegó abierto
@es delivery:strong
el repartidor, la repartidora, repartidor*, mi pedido, tu pedido, el pedido de, seguimiento del pedido,
en reparto, en camino, ~retras*, mensajería, mensajero*, paquetería, paquete, entrega*, reparto*, franja,
franjas, envío*, logística, gastos de envío, rider*
@es delivery:medium
repart*, almacén, ruta, rutas, a domicilio, sustitu*, en vez de, compra online
@es delivery:weak
pedido, pedidos, llegó, llega, llegado, llegar, mi compra, la compra, esperando, llamo, desaparecid*,
prioridad, preparación
@en delivery:strong complaint:medium
never arrived, never came, hasn't arrived, has not arrived, didn't arrive, did not arrive, not arrived,
not delivered, wasn't delivered, still waiting for my, where is my order, where's my order, lost package,
lost parcel, wrong order, wrong item, missing item, order missing, order is missing, order nowhere,
nowhere to be seen, stuck on, left my box, left my parcel, didn't deliver, did not deliver,
delivered to the wrong, late delivery, order vanished, just vanished, minutes late, mins late, min late,
hour late, hours late, without my order, without my groceries, without my delivery, without groceries,
another day without
@en delivery:strong
delivery, deliveries, deliver*, courier*, tracking, tracking number, out for delivery, my order, your order,
the order, parcel*, package, shipping, shipment*, dispatch*, driver, drivers, delivery slot, ~delay*,
route-planning, route planning, logistics
@en delivery:medium
slot, slots, on its way, instead of, substitut*
@en delivery:weak
order, orders, arrived, arriving, groceries, warehouse, van, vans, routes, late
@en delivery:veto
in order to
@* delivery:weak
🚚, 📦, 🛵

-- product quality and safety --------------------------------------------------------------------
@es product_quality:strong complaint:medium
caducad*, mal estado, en mal estado, podrid*, moho, mohos*, estropead*, defectuos*, huele mal, olía mal,
sabe raro, sabor raro, sabe fatal, con bichos, un bicho, cucaracha*, un pelo, trozo de plástico,
trozo de cristal, contaminad*, mala calidad, pésima calidad, rancio, rancia, agrio, agria, aplastad*,
hecho polvo, hecho sopa, derretid*, descongelad*
@es product_quality:strong
retirada del mercado, alerta alimentaria, retiran el lote, retirada de producto
@es product_quality:medium
~calidad, lote
@es product_quality:weak
roto, rotos, rota, rotas
@en product_quality:strong complaint:medium
expired, out of date, past its date, rotten, mould, mouldy, mold, moldy, spoiled, spoilt, stale, smells bad,
smelled bad, tastes off, tastes funny, contaminated, poor quality, bad quality, terrible quality, damaged,
crushed, melted, thawed, soggy, bugs in, hair in, glass in, piece of plastic, leaking
@en product_quality:strong
recall*, product recall, food safety, quality control
@en product_quality:medium
~quality
@en product_quality:weak
broken
@* product_quality:weak
🤢, 🤮

-- customer service ------------------------------------------------------------------------------
@es customer_service:strong complaint:medium
no contestan, no contesta, no contestáis, nadie contesta, nadie me contesta, nadie responde,
nadie me responde, no responde, no responden, no respondéis, nadie coge el teléfono, no cogen el teléfono,
no coge el teléfono, no cogen, nadie coge, sin respuesta, ni respuesta, ni una respuesta, no dicen nada,
no dice nada, no dice ni mu, ni un mensaje, ni una llamada, ni llamada, no me hacen caso, no hacen caso,
me ignoran, nos ignoran, da ocupado, minutos de espera, no me atienden, nadie atiende, nadie avisó,
no avisó, no avisan, no diga nada, no digan nada, no dicen ni mu
@es customer_service:strong
atención al cliente, servicio al cliente, servicio de atención, atención al consumidor, el chat,
chat de soporte, soporte, hablar con alguien, hablar con una persona, community manager, cuenta oficial,
dad la cara, contestad, contestar, responded, silencio
@es customer_service:medium
chat, teléfono, llamada, llamadas, respuesta, respuestas, por privado, mensaje privado, por dm, incidencia,
ticket, agente, operador*, contestado, contestan, responder, disculpas, pidiendo perdón, lo sentimos,
perdón, avisar, avisad, comunicado, comunicación
@es customer_service:weak
explicaciones
@en customer_service:strong complaint:medium
nobody answers, no one answers, nobody replies, no one replies, nobody responds, no reply, no response,
no answer, not a word from them, support unreachable, unreachable, on hold, hangs up, hung up, chat is dead,
support line is jammed, left on read, ignoring us, ignoring me, ignored, went silent, nobody told us,
not even an email
@en customer_service:strong
customer service, customer care, customer support, support line, support team, social team, support,
helpdesk, help desk, live chat, silence
@en customer_service:medium
chat, phone, email, dm, dms, ticket, agent, apologise*, apologize*, reply, replies, replying, answer,
statement, comms, communication
@en customer_service:weak
call

-- pricing and billing ---------------------------------------------------------------------------
@es pricing:strong complaint:medium
me cobraron dos veces, me cobró dos veces, cobrado dos veces, doble cobro, cobro duplicado, cobrado de más,
me han cobrado, me las han cobrado, me lo han cobrado, cobrado y sin, sacacuartos, un robo, es un robo,
son un robo, carísim*, abusivo, abusivos, precio abusivo, me cobr*, devolved el dinero,
devolvedme el dinero, quiero mi dinero
@es pricing:strong
cobro*, cobrad*, cobrar*, precio, precios, factura*, reembols*, devolución, devolver el dinero, me devuelvan,
me vais a devolver, saldo, tarifa*, cuota, suscripción, caro, barato, barata, más barato, gastos de envío,
compensación, compensa*, descuento*, código promocional
@es pricing:medium
dinero, euros, cupón, tarjeta, cobra, cobran, un cargo, cargos
@es pricing:weak
pagar, pagado, pago, oferta*, código
@en pricing:strong complaint:medium
overcharg*, charged twice, double charged, charged me twice, charged me, money back, i want my money,
ripped off, overpriced, daylight robbery
@en pricing:strong
refund*, price, prices, priced, pricey, pricing, billing, invoice*, fee, fees, subscription, expensive,
promo code, discount*, compensation, compensat*
@en pricing:medium
credit, bill, cheap, cheaper, charge, charged, paid, payment, cost, costs, wallet
@en pricing:weak
card, money, pay
@en pricing:veto
credit to, credit where, in charge
@* pricing:medium
€, 💸

-- marketing missteps and offensive content ------------------------------------------------------
@es marketing:strong complaint:medium
racista*, racismo, machista*, machismo, sexista*, ofensiv*, homófob*, homofobia, tránsfob*, gordofob*,
apropiación cultural, de mal gusto, insensible*, borrad este post, quitad esto
@es marketing:strong
anuncio*, publicidad, campaña publicitaria, post de ofertas, tuit de promo, marketing
@es marketing:medium
campaña, eslogan, spot, polémica, influencer*, publicando promos, promo, promos, mientras arde, programando
@es marketing:weak
ofertas
@en marketing:strong complaint:medium
racist*, racism, sexist*, sexism, offensive, offended, homophob*, transphob*, tone-deaf, tone deaf, tonedeaf,
in poor taste, bad taste, cultural appropriation, insensitive, read the room, take it down
@en marketing:strong
ad, ads, advert, adverts, advertis*, promo tweet, marketing, bold of you to post
@en marketing:medium
promo, promos, commercial, campaign, slogan, controversial, influencer*, backlash
@* marketing:veto
promo code, código promocional

-- data and privacy ------------------------------------------------------------------------------
@es privacy:strong
mis datos, nuestros datos, datos personales, datos de pago, datos bancarios, protección de datos, rgpd,
lopd, hackeo, hackead*, hacker*, hackear, filtración, filtración de datos, brecha de seguridad,
mi contraseña, contraseña*, phishing, suplantación, privacidad, tarjetas guardadas,
han entrado en mi cuenta, acceso a datos, vendido mis datos
@es privacy:medium
tus datos, vuestros datos, sus datos, tarjetas, spam, cookies, ciberataque*
@es privacy:weak
datos, filtrad*
@en privacy:strong
data breach, breach, my data, personal data, payment data, card details, gdpr, hacked, hacker*,
leaked data, data leak, my password, password*, phishing, identity theft, privacy, sold my data,
logged into my account, cyberattack*
@en privacy:medium
hack, leak, leaked, spam, cookies
@en privacy:weak
data

-- legal and regulatory --------------------------------------------------------------------------
@es legal:strong
denuncia, poner una denuncia, puesto una denuncia, voy a denunciar, os voy a denunciar, denunciaré,
denunciaros, abogad*, ocu, facua, hoja de reclamaciones, demandar, os voy a demandar, demanda colectiva,
juzgado*, tribunal*, acciones legales, vía judicial, sanción, sancionad*, multa*, ilegal*, fiscalía,
inspección de consumo, oficina del consumidor, derechos del consumidor, asociación de consumidores, omic
@es legal:medium
consumo, fraude, reclamación formal, queja formal, legal, ley
@es legal:weak
denunci*, por escrito
@en legal:strong
lawsuit*, sue you, sue them, going to sue, suing, sued, lawyer*, attorney*, legal action, class action,
regulator*, fined, illegal*, trading standards, consumer rights, ombudsman, ftc, small claims, in court,
to court
@en legal:medium
sue, legal, law, fraud, investigation, watchdog

-- employee and executive conduct ----------------------------------------------------------------
@es conduct:strong
el ceo, ceo, director general, consejero delegado, el dueño, el presidente, encargad*, empleado*,
dependient*, grosero, grosera, maleducad*, me gritó, nos gritó, me insultó, insult*, acoso,
acosad*, discrimin*, trato vejatorio, despedido a, despide a
@es conduct:medium
plantilla, huelga, borde, cajero, cajera
@es conduct:weak
jefe, jefes, trabajador*, despid*
@en conduct:strong
ceo, the ceo, founder, executive*, manager was rude, staff were rude, rude, employee*, harass*, abusive,
discriminat*, shouted at me, yelled at me, insulted, fired everyone, laid off
@en conduct:medium
manager, staff, cashier, boss
@en conduct:weak
worker, workers
@* conduct:veto
community manager

-- health and emergencies ------------------------------------------------------------------------
@es health:strong
intoxicación, intoxicad*, intoxicación alimentaria, alergia*, alérgic*, hospital, hospitales,
hospitaliz*, urgencias, vómit*, diarrea, anafila*, salmonel*, listeria, ambulancia, envenenad*,
me he puesto malo, me he puesto mala, me puse malo, me puse mala, dolor de barriga, dolor de estómago,
emergencia sanitaria
@es health:medium
emergencia*, enferm*, celíac*, diabétic*, insulina, medicación, medicamento*, leche infantil, encamad*,
médico, gluten, alérgenos, sin receta
@es health:weak
mayores
@en health:strong
food poisoning, poisoning, poisoned, allerg*, anaphyla*, hospital, hospitalized, hospitalised, emergency room, vomit*,
diarrhea, diarrhoea, salmonella, listeria, ambulance, got sick, made me sick, stomach ache
@en health:medium
emergency, sick, ill, celiac*, coeliac*, diabetic*, insulin, medication, medicine, baby formula, elderly,
vulnerable, gluten
@en health:veto
sick of
@* health:strong
🏥, 🚑

-- boycott calls ---------------------------------------------------------------------------------
@es boycott:strong
boicot*, boicotea*, no compréis, no compres, no pidáis, no pidas, que nadie pida, nadie pida, nadie compre,
dejad de comprar, dejemos de comprar, dejad de pedir, dejemos de pedir, no les compréis, ni un euro más,
ni un céntimo más, si no les duele en la cartera, desinstalad, daos de baja, borrad la app,
rt si te apuntas
@es boycott:medium
me apunto, te apuntas, rt si
@es boycott:weak
propongo que, difundid, difunde
@en boycott:strong
boycott*, #boycott*, don't buy, do not buy, stop buying, don't order, stop ordering, never buy from,
not another penny, delete the app, uninstall, cancel your, rt if, retweet if
@en boycott:medium
count me in, spread the word
@en boycott:weak
i'm in

-- rumours and misinformation --------------------------------------------------------------------
@es rumour:strong
dicen que, me han dicho, me dicen, me dice un, he oído, he leído que, rumor*, bulo*, fake, fake news,
es cierto que, no es verdad, no es cierto, es falso, falso, se dice que, corre el rumor, según dicen,
sin confirmar, desinformación, gente diciendo, va a cerrar, van a cerrar, concurso de acreedores,
un amigo que trabaja, mi cuñado trabaja, mi primo trabaja, un colega que trabaja
@es rumour:medium
supuestamente, al parecer, fuente, no me creo nada, conspiración, es verdad que
@es rumour:weak
parece que, ojo, cierra
@en rumour:strong
rumor*, rumour*, fake, fake news, hoax, misinformation, disinformation, is it true, not true, heard that,
i heard, word is, someone told me, unconfirmed, shutting down, going bust, going bankrupt, allegedly
@en rumour:medium
heard, reportedly, supposedly
@en rumour:weak
apparently, source

-- questions and help requests (a question mark counts as a medium cue) -------------------------
@es question:strong
alguien sabe, sabéis si, sabe alguien, necesito ayuda, me echáis una mano, me podéis decir,
me podéis ayudar, podéis confirmar, cómo puedo, dónde puedo, hay alguna forma, qué hago, tengo una duda,
una pregunta, pregunta seria
@es question:medium
pregunta, duda, ayuda, ayudarme, echar una mano, se puede, alguien más, cómo se
@en question:strong
does anyone know, anyone know, how do i, how can i, can anyone, need help, please help, help me,
any chance, is there a way, what should i do, quick question
@en question:medium
how to, anyone else, should i, can i, do you, question, help
@* question:weak
❓, 🤔
-- rhetorical questions are complaints, not questions: they cancel the question mark
@es question:veto
en serio?, de verdad?, ¿no?, o qué?
@en question:veto
seriously?, really?, are you kidding, for what exactly?

-- praise ("=": never negated, "no, gracias" is no complaint) ------------------------------------
@es praise:strong
=muchas gracias, =mil gracias, me encanta, me encantó, encantad*, buenísim*, excelente, perfecto, perfecta,
recomiendo, recomendable, muy bien, todo bien, bien por, así sí, así se hace, un sol, majísim*, amable*,
me salvó, me habéis salvado, chapeau, olé, riquísim*, delicios*, satisfech*, contento, contenta,
enhorabuena, un diez, de diez, puntualísim*, da la cara
@es praise:medium
=gracias, genial, estupend*, maravilla, buen trabajo, bien hecho, ánimo, puntual*, puntualidad, rápid*,
majo, maja, nunca me ha fallado, reconoce, reconociendo, algo es algo
@es praise:weak
bien, bueno, buena, mola, guay, de lujo, top, crack
@en praise:strong
=thank you, =thanks so much, love it, loved it, i love, amazing, awesome, excellent, perfect, fantastic,
brilliant, wonderful, highly recommend, recommend*, lovely, legend, shoutout, shout out, kudos, well done,
good job, great job, credit to, credit where, fair play, impressed, saved me, marry me, no regrets,
textbook, happy, delighted, the best
@en praise:medium
=thanks, great, love, respect, delicious, on time, early, smooth, decent
@en praise:weak
good, nice, fine, fresh, fast
@en praise:veto
happy to
@* praise:medium
❤, 😍, 🥰
@* praise:weak
🧡, 👏, 🙌, 👍, 💪, 😋, 🙏
"""

# Praise words that people often use ironically ("genial, tercer día sin pedido 👏").
_IRONY_PRONE_DISPLAY = frozenset("gracias genial maravilla perfecto great thanks love perfect 👏".split())
# Topic cues whose language is not that of the post count for less: "ad" in a Spanish post is rarely
# an advert, "once" is "eleven".
_OTHER_LANGUAGE_FACTOR = 0.5

_NEGATORS = frozenset(
    """no ni nunca jamas sin ningun ninguna ninguno tampoco nada cero not never without none zero nobody
    hardly barely""".split()
)
_CLAUSE_BREAK = re.compile(r"[.,;:!?¡¿|()\n]| pero | but | aunque | though ")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL_WORD = re.compile(r"[A-ZÁÉÍÓÚÑÜÇ]?[a-záéíóúñüçàèìòù]+|[A-ZÁÉÍÓÚÑÜÇ]+(?![a-záéíóúñüç])|\d+")
_QUESTION_MARKS = ("?", "¿")


@dataclass(frozen=True, slots=True)
class _Cue:
    type_index: int
    weight: float
    display: str
    lang: str
    prefix: bool
    negatable: bool


@dataclass(frozen=True, slots=True)
class _Key:
    """Everything cued by one folded key."""

    span: int  # len(key) - 1, to get from the end index to the start
    check_start: bool
    check_end: bool
    cues: tuple[_Cue, ...]


def _groups(table: str) -> Iterable[tuple[str, list[tuple[IssueType, float]], str]]:
    """(language, [(type, weight)], terms) for each group of the cue table."""
    header: tuple[str, list[tuple[IssueType, float]]] | None = None
    lines: list[str] = []
    for line in [*table.splitlines(), "@end"]:
        line = line.strip()
        if not line or line.startswith("--"):
            continue
        if not line.startswith("@"):
            lines.append(line)
            continue
        if header is not None:
            yield header[0], header[1], " ".join(lines)
        lang, *targets = line[1:].split()
        header = (lang, [(IssueType(t), _STRENGTHS[w]) for t, w in (target.split(":") for target in targets)])
        lines = []


def _build() -> ahocorasick.Automaton:
    by_key: dict[str, list[_Cue]] = {}
    index = {issue_type: i for i, issue_type in enumerate(ISSUE_TYPES)}
    evaluative = {IssueType.complaint, IssueType.praise}
    for lang, targets, terms in _groups(_CUES):
        for raw in _split_terms(terms):
            negatable = raw.startswith("~")
            never_negated = raw.startswith("=")
            term = raw.lstrip("~=")
            prefix = term.endswith("*")
            if "*" in term[:-1]:
                raise ValueError(f"Cue {term!r}: the wildcard '*' is only allowed at the end")
            key = " ".join(fold(term.rstrip("*")).replace("’", "'").split())
            for issue_type, weight in targets:
                cue = _Cue(
                    type_index=index[issue_type],
                    weight=weight,
                    display=term,
                    lang=lang,
                    prefix=prefix,
                    # Only words are negated (not emoji), and phrases that carry their own negation
                    # ("no llegó") are not negated again.
                    negatable=(negatable or issue_type in evaluative)
                    and not never_negated
                    and weight > 0
                    and _is_word_char(key[0])
                    and not _has_negator(key),
                )
                cues = by_key.setdefault(key, [])
                if not any(c.type_index == cue.type_index and c.prefix == cue.prefix for c in cues):
                    cues.append(cue)
    automaton = ahocorasick.Automaton()
    for key, cues in by_key.items():
        automaton.add_word(key, _Key(len(key) - 1, _is_word_char(key[0]), _is_word_char(key[-1]), tuple(cues)))
    automaton.make_automaton()
    return automaton


def _split_terms(terms: str) -> Iterable[str]:
    for term in terms.split(","):
        term = " ".join(term.split())
        if term:
            yield term


def _has_negator(key: str) -> bool:
    return any(word in _NEGATORS or word.endswith("n't") for word in key.split())


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


_AUTOMATON = _build()


def issue_types(text: str, lang: str | None = None) -> IssueTypes:
    """The issue types a post is about, each with a confidence and the cues that fired.

    ``lang`` is the post's language if known ("es", "en", ...): cues written in the other of Spanish
    and English then count half, so a stray English "ad" in a Spanish post is not an advert.
    """
    if not text:
        return NO_ISSUES
    folded = _prepare(text)
    if not folded:
        return NO_ISSUES
    hits = _scan(folded, {"es": "en", "en": "es"}.get(lang or ""))
    question_marks = any(mark in folded for mark in _QUESTION_MARKS)
    if not hits and not question_marks:
        return NO_ISSUES

    scores: dict[int, dict[str, float]] = {}
    vetoed: set[int] = set()
    for type_index, found in hits.items():
        found.sort(key=lambda hit: (hit[0], -hit[1]))
        kept: dict[str, float] = {}
        reach = -1
        for _start, end, display, weight in found:
            if end <= reach:
                continue  # inside a longer cue of the same type: "llegado" in "no ha llegado"
            reach = end
            if weight < 0:
                vetoed.add(type_index)  # a veto only swallows what it contains: "order" in "in order to"
            elif display not in kept:
                kept[display] = weight
        if kept:
            scores[type_index] = kept
    if question_marks and _QUESTION not in vetoed:
        scores.setdefault(_QUESTION, {})["?"] = MEDIUM
    praise = scores.get(_PRAISE)
    if praise and sum(scores.get(_COMPLAINT, {}).values()) >= INCLUDE_SCORE:
        for display in [display for display in praise if display in _IRONY_PRONE_DISPLAY]:
            del praise[display]
    return _labels(scores)


def _scan(folded: str, other_lang: str | None) -> dict[int, list[tuple[int, int, str, float]]]:
    """Bounded cue hits by type index: (start, end, display, weight)."""
    hits: dict[int, list[tuple[int, int, str, float]]] = {}
    last = len(folded) - 1
    for end, key in _AUTOMATON.iter(folded):
        start = end - key.span
        # _is_word_char, inlined: this loop runs for every raw hit of every post.
        if key.check_start and start and ((before := folded[start - 1]).isalnum() or before == "_"):
            continue
        whole = not key.check_end or end == last or not ((after := folded[end + 1]).isalnum() or after == "_")
        for cue in key.cues:
            if not (whole or cue.prefix):
                continue
            type_index, display, weight = cue.type_index, cue.display, cue.weight
            if cue.negatable and _is_negated(folded, start):
                if type_index != _PRAISE:
                    continue
                # A negated compliment is a complaint: "no estoy contento", "not happy".
                type_index, display, weight = _COMPLAINT, "¬" + display, MEDIUM
            elif cue.lang == other_lang:
                weight *= _OTHER_LANGUAGE_FACTOR
            found = hits.get(type_index)
            if found is None:
                hits[type_index] = [(start, end, display, weight)]
            else:
                found.append((start, end, display, weight))
    return hits


def _prepare(text: str) -> str:
    """Folded text with URLs removed, one space per run, and camel-case hashtags spelt out."""
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)  # "/consumo/" or "?q=" in a link is not what the post says
    extra = ""
    if "#" in text:
        words = [
            " ".join(_CAMEL_WORD.findall(tag)) for tag in _HASHTAG.findall(text) if not tag.islower() and len(tag) > 3
        ]
        if words:
            extra = " | " + " | ".join(words)
    folded = fold(text + extra)
    if "’" in folded:
        folded = folded.replace("’", "'")
    return " ".join(folded.split())


def _is_negated(folded: str, start: int) -> bool:
    """Whether a negation stands within two words before ``start``, in the same clause."""
    window = folded[max(0, start - 40) : start]
    for word in reversed(_CLAUSE_BREAK.split(window)[-1].split()[-2:]):
        if word in _NEGATORS or word.endswith("n't"):
            return True
        if not any(char.isalnum() for char in word):
            return False  # an emoji or symbol ends the clause too: "sin faltar nada 🎂 gracias"
    return False


def _labels(scores: dict[int, dict[str, float]]) -> IssueTypes:
    labels = []
    for type_index in sorted(scores):
        found = scores[type_index]
        issue_type = ISSUE_TYPES[type_index]
        total = sum(found.values())
        if total < INCLUDE_SCORE - 1e-9:
            continue
        confidence = round(1.0 - math.exp(-1.6 * total), 3)
        cues = tuple(found)
        labels.append(IssueLabel(issue_type, confidence, cues))
    return IssueTypes(tuple(labels)) if labels else NO_ISSUES


_COMPLAINT = ISSUE_TYPES.index(IssueType.complaint)
_QUESTION = ISSUE_TYPES.index(IssueType.question)
_PRAISE = ISSUE_TYPES.index(IssueType.praise)

__all__ = [
    "INCLUDE_SCORE",
    "ISSUE_TYPES",
    "NO_ISSUES",
    "IssueLabel",
    "IssueType",
    "IssueTypes",
    "issue_types",
]
