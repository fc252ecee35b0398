"""The word lists and patterns behind the tone check (Spanish and English).

Every pattern is a regular expression over the *folded* draft: lower case, accents removed, curly
apostrophes made straight (``"Perdón, ¿Cuándo?"`` is read as ``"perdon, ¿cuando?"``), so each
pattern is written once, without accents, and also catches drafts typed without them.

Patterns are grouped by flag code and by language: ``es`` and ``en`` are read only for drafts in
that language (``"sale"`` is a promotion in English and a verb in Spanish); ``any`` is read for
both. Patterns in these three groups only match whole words. ``raw`` patterns (emoji, hashtags,
punctuation) are matched wherever they appear.

Spanish covers tú, usted, ustedes and vosotros forms (``te``/``le``/``les``/``os``) and common
Latin American wording (``lamentamos``, ``ustedes``, ``mensaje directo``).
"""

from __future__ import annotations

# --- words that change the meaning of what follows them -------------------------------------------

NEGATORS: dict[str, frozenset[str]] = {
    "es": frozenset("no nunca jamas ni tampoco sin nadie nada ninguna ninguno ningun".split()),
    "en": frozenset(
        """not no never none nobody nothing without cannot can't don't won't isn't wasn't aren't weren't didn't
        doesn't shouldn't wouldn't couldn't haven't hasn't cant dont wont isnt wasnt arent werent didnt doesnt
        shouldnt wouldnt couldnt havent hasnt""".split()
    ),
}
"""A negation up to ``NEGATION_WINDOW`` words before a match, in the same clause, cancels it."""

NEGATION_WINDOW = 4

CLAUSE_WORDS: frozenset[str] = frozenset("pero aunque sino but although though however".split())
"""Words that start a new clause: a negation before them says nothing about what follows."""

NEGATION_BREAKERS: frozenset[str] = frozenset(
    """cuanto cuanta cuantisimo sabes sabe saben sabeis imaginas imagina imaginan imaginais how know imagine
    pierdas pierda pierdan perdais miss""".split()
)
"""A negation before these words does not reach past them: ``no sabes cuanto lo sentimos`` and ``you have no
idea how sorry we are`` are apologies, ``no te pierdas la oferta`` and ``don't miss our sale`` are promotions."""

CANCELLERS: dict[str, dict[str, frozenset[str]]] = {
    # Talking about whether there was negligence is not admitting it.
    "liability_admission": {
        "es": frozenset(
            """si posible posibles supuesta supuesto presunta presunto investigar investigamos investigando
            descartar acusaciones acusan acusado denuncias""".split()
        ),
        "en": frozenset(
            """if whether possible alleged allegations accusations accused claims any investigate investigating
            rule""".split()
        ),
    },
    # "Hemos pausado todas las promociones" is exactly what a crisis reply should say.
    "promotional_in_crisis": {
        "es": frozenset(
            """pausado pausadas pausados pausamos suspendido suspendidas suspendidos suspendemos cancelado canceladas
            cancelados cancelamos congelado congeladas congelados detenido detenidas retirado retiradas""".split()
        ),
        "en": frozenset("paused pausing suspended suspending cancelled canceled halted stopped frozen pulled".split()),
    },
}

# --- markers that must be present ------------------------------------------------------------------

_APOLOGY_ES = (
    r"lo (?:sentimos|siento|lamentamos|lamento)",
    r"(?:sentimos|siento)(?: mucho| muchisimo| de verdad| sinceramente)? (?:las molestias|el retraso|la espera"
    r"|lo ocurrido|lo sucedido|lo que (?:ha )?(?:pasado|paso|ocurrido|ocurrio)|no haber|que|este|esta|esto|todo)",
    r"lamentamos",
    r"lamento",
    r"(?:pedimos|pido|te pedimos|le pedimos|les pedimos|os pedimos) (?:perdon|disculpas)",
    r"perdon",
    r"perdona(?:nos|d)?",
    r"perdone(?:n|nos)?",
    r"disculpa(?:s|nos|d)?",
    r"disculpe(?:n|nos)?",
    r"nos disculpamos",
    r"me disculpo",
)
_APOLOGY_EN = (
    r"sorry",
    r"apologi[sz](?:e|es|ing|ed)",
    r"apology",
    r"apologies",
    r"(?:we|i) (?:deeply |sincerely |truly )?regret",
    r"forgive us",
)
APOLOGY: dict[str, tuple[str, ...]] = {"es": _APOLOGY_ES, "en": _APOLOGY_EN}
"""Apologies. Each one also shows empathy."""

EMPATHY: dict[str, tuple[str, ...]] = {
    "es": (
        r"(?:entiendo|entendemos|comprendo|comprendemos)",
        r"(?:sabemos|imaginamos|nos imaginamos|me imagino) (?:lo|cuan|cuanto) (?:frustrante|molesto|molesta"
        r"|preocupante|dificil|importante|pesado|desesperante)",
        r"(?:es|resulta) (?:muy |totalmente |completamente )?(?:normal|comprensible|logico) que (?:estes|este|esten"
        r"|esteis|te sientas|se sienta|se sientan|os sintais)",
        r"(?:tienes|tiene|tienen|teneis) (?:toda la |toda )?razon",
        r"gracias por (?:tu|su|vuestra) paciencia",
        r"(?:que|vaya|menuda) (?:mala experiencia|faena|rabia|pena)",
        r"nos (?:importa|preocupa) (?:mucho|muchisimo)",
    ),
    "en": (
        r"(?:we|i) (?:completely |totally |fully |really |can |do )?(?:understand|hear you|get it)",
        r"(?:we|i) know how (?:frustrating|worrying|upsetting|stressful|annoying|disappointing|hard|important)",
        r"(?:that|this|it) (?:must be|is|sounds|has been) (?:really |so |very |incredibly )?(?:frustrating|worrying"
        r"|upsetting|stressful|annoying|disappointing)",
        r"(?:you're|youre|you are) (?:absolutely |completely |totally )?right",
        r"thank(?:s| you) for (?:your|bearing with us|being patient)(?: patience)?",
        r"(?:we|i) can (?:only )?imagine",
        r"understandably",
    ),
}
"""Signs that the reply acknowledges how the person feels (apologies count too)."""

NEXT_STEP: dict[str, tuple[str, ...]] = {
    "any": (
        r"https?://\S+",
        r"www\.\S+",
        r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|es|mx|ar|co|cl|pe|org|net|io|info|example)(?:/\S*)?",
        r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
        r"\+?\d[\d -]{7,}\d",
        r"\d{1,2}[:.h]\d{2}",
        r"\d{1,2} ?(?:am|pm|h)",
        r"dm|md|pm|dms",
        r"chat",
    ),
    "raw": (r"(?<![\w@])@\w{2,}",),
    "es": (
        r"(?:por|en|a traves de|via) (?:mensaje )?(?:privado|directo|interno)",
        r"mensaje (?:directo|privado)",
        r"escribe(?:nos)?|escribanos|escribannos|escribidnos|escribenos",
        r"envia(?:nos)?|envienos|envianos|mandanos|mandenos|pasanos|pasenos",
        r"llama(?:nos)?|llamenos|llamar al",
        r"contacta(?:nos|r)?|contactenos|contacten",
        r"(?:te|le|les|os) (?:escribimos|escribiremos|llamamos|llamaremos|contactamos|contactaremos|respondemos"
        r"|responderemos|avisamos|avisaremos|informamos|informaremos|mantendremos|mantenemos|devolvemos"
        r"|devolveremos|enviamos|enviaremos|ayudamos|ayudaremos)",
        r"(?:actualizaremos|informaremos|publicaremos|compartiremos|daremos|contaremos|explicaremos|detallaremos"
        r"|comunicaremos|confirmaremos|avisaremos|contestaremos|responderemos|seguiremos informando)",
        r"(?:te|le|les|os) (?:llamaran|escribiran|contactaran|contestaran|responderan|avisaran)",
        r"(?:proxima|nueva|siguiente) actualizacion",
        r"atencion al cliente",
        r"(?:nuestra|la) (?:web|pagina)",
        r"enlace|formulario",
        r"(?:puedes|puede|pueden|podeis) (?:consultar|ver|seguir|escribir|llamar|contactar|revisar|leer)",
        r"(?:nos lo|me lo) (?:envias|envia|envian|pasas|pasa|pasan|mandas|manda|mandan)",
        r"(?:revisa|revise|revisen|revisad|consulta|consulte|consulten|mira|mire|miren) (?:tu|su|vuestra|vuestro)"
        r" (?:bandeja|correo|email|buzon|mensajes|telefono)",
        r"(?:te|le|les|os) (?:hemos enviado|acabamos de enviar|hemos escrito|hemos mandado)",
        r"(?:iremos|seguiremos|vamos a ir) (?:informando|actualizando|contando)",
    ),
    "en": (
        r"direct message|private message|dm us|pm us",
        r"(?:send|drop|message|email|e-mail|call|contact|text|ping|tell) us",
        r"(?:we'll|we will|we are going to|we're going to|i'll|i will) (?:\w+ )?(?:update|post|share|be in touch"
        r"|reach out|contact|email|call|follow up|get back|keep you|let you know|send|reply|write|publish|refund"
        r"|explain|confirm|announce|notify|text|message|dm|be back)",
        r"(?:next|further|another) update",
        r"keep (?:you|everyone|everybody) (?:posted|updated|informed)",
        r"(?:contact|reach|call|email) (?:us|our)",
        r"our (?:support|care|customer care|customer service|help) (?:team|page|center|centre|desk)",
        r"(?:visit|see|check|read|follow) (?:our|the|this)",
        r"link|form|help cent(?:er|re)",
        r"in touch",
        r"(?:within|in) the (?:next )?(?:hour|\d+ hours)",
        r"could you (?:send|share|dm|message)",
        r"please (?:\w+ )?(?:check|enter|reset|change|update|follow|visit|contact|reply|send|call|email|dm|message)",
        r"(?:check|look in) your (?:inbox|email|dms|messages|spam)",
        r"we(?:'ve| have) (?:just )?(?:sent|emailed|messaged|written to) you",
    ),
}
"""A way forward: a channel, a link, a follow-up offer or the time of the next update."""

# --- patterns that raise a flag --------------------------------------------------------------------

_POST = (
    r"(?:publicacion|publicaciones|post|posts|tuit|tuits|tweet|tweets|comentario|comentarios|mensaje|mensajes|hilo"
    r"|hilos|resena|resenas|respuesta|respuestas|video|videos|foto|fotos|story|stories|historia|historias)"
)
# At the start of a sentence or after "please"/"just": an order to the reader, not "while things calm down".
_IMPERATIVE = r"(?:(?<=^)|(?<=[.!?,;:¡¿\"] )|(?<=[.!?,;:¡¿\"])|(?<=please )|(?<=just )|(?<=pls ))"
# Up to two words between a subject and its verb, none of them a negation ("we will not delete").
_FILLER = r"(?: (?!(?:not|never|no)\b)\w+){0,2}"
_POST_EN = (
    r"(?:post|posts|tweet|tweets|comment|comments|thread|threads|reply|replies|review|reviews|message|messages|video"
    r"|videos|photo|photos|story|stories)"
)

FLAG_PATTERNS: dict[str, dict[str, tuple[str, ...]]] = {
    "liability_admission": {
        "es": (
            r"(?:asumimos|aceptamos|reconocemos|admitimos|nos hacemos cargo de)(?: toda| plena| la| nuestra)*"
            r" responsabilidad (?:legal|civil|penal|juridica|patrimonial)",
            r"(?:somos|seremos|nos declaramos|nos consideramos) (?:legal|civil|penal|juridica)mente responsables",
            r"(?:legal|juridica)mente responsables",
            r"negligencia",
            r"negligentes",
            r"(?:indemnizaremos|compensaremos economicamente) a (?:todos|todas|cualquier)",
            r"(?:pagaremos|cubriremos|asumiremos) (?:todos los|todas las|cualquier|todo) (?:dano|danos|perjuicio"
            r"|perjuicios|reclamacion|reclamaciones)",
            r"(?:hemos|habiamos) (?:incumplido|violado|infringido|vulnerado) (?:la ley|la normativa|el rgpd"
            r"|el reglamento)",
            r"(?:incumplimos|violamos|infringimos|vulneramos) (?:la ley|la normativa|el rgpd|el reglamento)",
        ),
        "en": (
            r"(?:accept|admit|acknowledge|take)(?: full| all| complete| total)?(?: legal)? liability",
            r"(?:accept|admit|acknowledge|take)(?: full| all| complete| total)? legal responsibility",
            r"(?:we are|we're|we were) (?:legally |fully |financially |entirely )?liable",
            r"legally (?:responsible|liable)",
            r"negligen(?:t|ce)",
            r"(?:compensate|pay|cover) (?:everyone|everybody|all|any)(?: of your| your)? (?:damages|losses|claims)",
            r"(?:compensate|pay|cover) (?:all|any) (?:damages|losses|claims)",
            r"compensate (?:everyone|everybody|all(?: of you)?) for (?:all |any )?(?:damages|losses)",
            r"(?:we|our team) (?:broke|violated|breached|infringed) (?:the law|gdpr|regulations|the regulations"
            r"|data protection law)",
            r"admit (?:fault|guilt)",
        ),
    },
    "blames_customer": {
        "es": (
            r"(?:deberias|deberia|deberian|deberiais|tendrias|tendria|tendrian|tendriais|tenias|tenia|tenian"
            r"|teniais) (?:que )?haber (?:leido|revisado|consultado|comprobado|llamado|mirado|visto|hecho caso"
            r"|seguido|contactado|esperado|pagado|actualizado|prestado atencion|sabido|tenido cuidado|preguntado)",
            r"(?:debiste|debio|debieron|debisteis) (?:leer|revisar|consultar|comprobar|llamar|mirar|fijarte|fijarse"
            r"|seguir|prestar atencion|tener cuidado|preguntar)",
            r"(?:es|fue|ha sido|sera|seria|sea) (?:tu|su|vuestra) (?:culpa|responsabilidad)",
            r"(?:es|fue|ha sido|sera|seria|sea) culpa (?:tuya|suya|vuestra|de ustedes|del cliente|del usuario)",
            r"la culpa (?:es|fue|ha sido) (?:tuya|suya|vuestra|de ustedes)",
            r"(?:error|fallo) (?:del|de) (?:usuario|cliente)",
            r"como ya (?:te|le|les|os) (?:lo )?(?:dijimos|hemos dicho|habiamos dicho|dije|indicamos|hemos indicado"
            r"|explicamos|hemos explicado|comentamos|hemos comentado|informamos|hemos informado|avisamos"
            r"|advertimos)",
            r"si (?:hubieras|hubiera|hubieran|hubierais|hubieses|hubiese) (?:leido|revisado|seguido|prestado atencion"
            r"|hecho caso|mirado|comprobado)",
            r"(?:no|nunca) (?:leiste|leyo|leyeron|leisteis) (?:las|los|la|el|nuestras|nuestros)",
            r"lo (?:estas|esta|estan|estais) usando mal",
            r"(?:lo )?(?:usaste|usaron|usasteis) mal",
        ),
        "en": (
            r"you (?:should have|should've|shouldve|ought to have) (?:read|checked|known|looked|contacted|called"
            r"|followed|paid attention|been more careful|asked|noticed|updated)",
            r"(?:your|ur) (?:own )?fault",
            r"(?:user|operator|customer) error",
            r"as (?:we|i) (?:already |have already |previously |had already )?(?:told|informed|explained to|warned"
            r"|reminded) you",
            r"if you (?:had|would have|'d) (?:read|checked|followed|paid attention|looked)",
            r"you (?:didn't|did not|never) (?:read|check|follow)",
            r"you(?:'re| are) (?:using|doing) it wrong",
            r"(?:it's|its|that's|thats|this is) on you",
        ),
    },
    "overpromise": {
        "es": (
            r"nunca (?:mas )?(?:volvera|va a volver|vuelve) a (?:pasar|ocurrir|suceder|repetirse|fallar)",
            r"(?:no|jamas) (?:volvera|va a volver) a (?:pasar|ocurrir|suceder|repetirse|fallar)",
            r"nunca mas (?:pasara|ocurrira|sucedera)",
            r"no se (?:repetira|va a repetir|volvera a repetir)",
            r"100 ?% (?:garantizad|segur|resuelt|solucionad|protegid)[oa]s?",
            r"(?:garantizad|segur|resuelt|solucionad|protegid)[oa]s? al 100 ?%",
            r"(?:te |le |les |os )?garantizamos",
            r"garantizad[oa]s?",
            r"garantia (?:total|absoluta)",
            r"riesgo cero",
            r"sin falta",
            r"en (?:\d+|un|una|dos|tres|cinco|diez|quince|veinte|treinta|unos|pocos|un par de) (?:minutos?"
            r"|segundos?|horas?)(?: \w+){0,2} (?:estara|estaran|quedara|quedaran|va a estar|van a estar)"
            r"(?: todo| todos| todas)? (?:resuelt|solucionad|arreglad|restablecid)[oa]s?",
            r"(?:estara|estaran|quedara|quedaran|va a estar|van a estar)(?: todo| todos| todas)? (?:resuelt"
            r"|solucionad|arreglad|restablecid)[oa]s?(?: para todos| para todo el mundo)? en (?:\d+|un|una|dos|tres"
            r"|cinco|diez|quince|veinte|treinta|unos|pocos|un par de) (?:minutos?|segundos?|horas?)",
            r"(?:inmediatamente|al instante|de inmediato|ya mismo) (?:resuelt|solucionad|arreglad)[oa]s? para"
            r" (?:todos|todo el mundo)",
            r"(?:resuelt|solucionad|arreglad)[oa]s? para (?:todos|todo el mundo) (?:de inmediato|inmediatamente"
            r"|al instante|ya mismo)",
            r"(?:todos los pedidos|todas las entregas|todos los envios|todos los paquetes) (?:llegaran|se entregaran"
            r"|estaran) (?:hoy|manana|esta tarde|esta noche)",
        ),
        "en": (
            r"(?:will|'ll) never happen again",
            r"(?:won't|will not|wont) (?:ever )?happen again",
            r"never again",
            r"(?:will|'ll) never be repeated",
            r"guarantee(?:d|s)?",
            r"100 ?% (?:guaranteed|safe|secure|fixed|resolved|protected)",
            r"zero risk|risk-free|risk free",
            r"without fail",
            r"(?:immediately|instantly|right away) (?:fixed|resolved|sorted|restored) for (?:everyone|everybody"
            r"|all(?: of you| users| customers)?)",
            r"(?:fixed|resolved|sorted|restored) for (?:everyone|everybody|all(?: of you| users| customers)?)"
            r" (?:immediately|instantly|right away|within minutes|in minutes)",
            r"(?:everything|it|this|all|the service|service|orders|the app)(?: will|'ll) be"
            r" (?:fully |completely |all )?(?:fixed|resolved|sorted|restored|back to normal|working again|back up)"
            r"(?: for everyone| for all)?"
            r" (?:in|within) (?:\d+|a few|a couple of|one|two|five|ten|fifteen|thirty) (?:minutes?|seconds?|hours?)",
            r"(?:in|within) (?:\d+|a few|a couple of|five|ten|fifteen|thirty) (?:minutes?|seconds?),? (?:everything"
            r"|it|all|this)(?: will|'ll) be (?:fixed|resolved|sorted|restored|back to normal)",
            r"(?:all|every) (?:orders?|deliveries|delivery|parcels?) will (?:arrive|be delivered) (?:today|tomorrow"
            r"|tonight)",
        ),
    },
    "exaggeration": {
        "es": (
            r"(?:el|la|los|las) mejor(?:es)?(?: \w+){0,2} del (?:mundo|universo|planeta)",
            r"(?:el|la|los|las) (?:\w+ )?mas (?:segur|rapid|fiabl|seri)[oae]s? del (?:mundo|mercado|sector|pais)",
            r"de talla mundial",
            r"(?:incomparable|insuperable|inigualable)s?",
            r"(?:nunca|jamas) (?:hemos|habiamos) (?:fallado|tenido (?:un|ningun) (?:solo )?(?:problema|fallo|error))",
            r"(?:historial|expediente|trayectoria) (?:impecable|intachable|perfect[oa])",
            r"(?:totalmente|completamente|absolutamente) (?:segur|perfect|impecabl|infalibl)[oae]s?",
            r"devastad[oa]s",
            r"destrozad[oa]s",
            r"con el corazon roto",
            r"infinitamente",
            r"(?:un )?millon(?:es)? de (?:disculpas|perdones)",
            r"el peor dia de (?:nuestra|la) historia",
        ),
        "en": (
            r"(?:the )?best(?: \w+){0,2} in the (?:world|universe|industry|business)",
            r"(?:the )?(?:safest|fastest|most secure|most reliable)(?: \w+){0,2} (?:in the world|on the market|ever"
            r"|in the industry)",
            r"world[- ]class",
            r"(?:unmatched|unrivall?ed|second to none|flawless|impeccable|unbeatable)",
            r"(?:we have|we've) never (?:failed|had (?:a|one) (?:single )?(?:problem|issue|failure))",
            r"(?:totally|completely|absolutely|perfectly) (?:safe|secure|perfect|flawless)",
            r"devastated",
            r"heartbroken",
            r"beyond words",
            r"infinitely",
            r"(?:a )?(?:million|thousand|billion) apologies",
            r"worst day (?:of|in) our (?:history|lives)",
        ),
    },
    "promotional_in_crisis": {
        "es": (
            r"aprovecha(?:d|n)?",
            r"ofertas?",
            r"descuentos?",
            r"rebajas?",
            r"cupon(?:es)?",
            r"codigo (?:de )?(?:descuento|promocional|promo)",
            # A code with digits ("PERDON20"), not "el codigo de seguimiento".
            r"(?:usa|utiliza|introduce|aplica|usando|con) (?:el |nuestro |este )?codigo:? (?=[a-z]*\d)[a-z0-9]{3,}",
            r"envios? gratis",
            r"solo (?:por )?hoy",
            r"no (?:te lo|se lo|os lo) (?:pierdas|pierda|pierdan|perdais)",
            r"ultimas unidades",
            r"compra(?:lo|la|los|las)? (?:ya|ahora)",
            r"promo(?:cion|ciones)?",
            r"liquidacion",
            r"outlet",
            r"nueva coleccion",
        ),
        "en": (
            r"don't miss(?: out)?|dont miss(?: out)?",
            r"(?<!point of )sale(?! of\b)",
            r"discount(?:s|ed)?",
            r"promo(?: code)?",
            r"coupons?",
            # A code with digits ("SORRY20"), not "enter the code we sent you".
            r"(?:use|enter|apply) (?:the |our |this )?code:? (?=[a-z]*\d)[a-z0-9]{3,}",
            r"(?:shop|buy|order) now",
            r"limited[- ]time",
            r"(?:special|exclusive|limited) offers?",
            r"offer ends",
            r"deals? of the (?:day|week)",
            r"free shipping",
            r"new collection",
            r"grab yours",
            r"bogo|buy one,? get one",
        ),
        "any": (
            r"\d+ ?% (?:off|de descuento|dto)",
            r"2x1|3x2",
            r"black friday|cyber monday",
        ),
        "raw": (
            r"(?<![\w])-\d{1,2} ?%",
            r"utm_campaign=[^\s&#]*",
            r"#\w*(?:sale|promo|oferta|descuento|deal|rebaja|blackfriday|cybermonday|discount|giveaway|sorteo|outlet)"
            r"\w*",
        ),
    },
    "dismissive": {
        "es": (
            r"no (?:es|era|hay) para tanto",
            r"no (?:hace falta|es necesario) ponerse asi",
            r"no (?:te pongas|se ponga|se pongan|os pongais) asi",
            r"calmate|calmese|calmense|calmaos|tranquilizate|tranquilicese|tranquilicense|relajate|relajese"
            r"|relajense",
            r"(?:estas|esta|estan|estais) exagerando",
            r"exageras|exageran|exagerais",
            r"que exagerad[oa]s?",
            r"(?:es|son|era) (?:solo|solamente) (?:un|una|unos|unas) (?:pequen[oa]s? )?(?:retraso|fallo|error"
            r"|incidencia|detalle|minutos?)",
            r"solo es un (?:pequeno )?(?:retraso|fallo|error|detalle)",
            r"hay cosas peores",
            r"problemas? del primer mundo",
            r"lo que (?:tu|usted) (?:digas|diga)",
            r"si (?:tu|usted|ustedes) lo (?:dices|dice|dicen)",
            r"(?:vale|claro|si),? campeon(?:a)?",
            r"ja(?:ja)+|je(?:je)+",
            r"no somos adivinos",
            # Non-apologies: sorry for how people feel, or "if" anyone was offended.
            r"(?:sentimos|lamentamos|siento|lamento) (?:que|si) (?:te sientas|se sienta|se sientan|os sintais"
            r"|lo veas|lo vea|lo vean|te hayas sentido|se haya sentido|se hayan sentido|os hayais sentido"
            r"|te haya parecido|le haya parecido)(?: asi| de esa manera| de esa forma)?",
            r"(?:sentimos|lamentamos|pedimos disculpas|perdon) si (?:alguien|alguno|alguna|te|le|les|os)"
            r"(?: \w+){0,3} (?:ofendid|molest|sentid|dolid)\w*",
        ),
        "en": (
            _IMPERATIVE + r"(?:calm down|relax|chill(?: out)?)",
            r"(?:you )?(?:need to|should|must|have to|gotta) (?:calm down|relax|chill(?: out)?)",
            r"(?:it's|its|this is|that's|thats|it was) (?:not a|no) big deal",
            r"no big deal",
            r"(?:you're|youre|you are) (?:over ?reacting|being dramatic|exaggerating)",
            r"over ?reacting",
            r"(?:it's|its|this is|it was|that's) (?:only|just) a (?:small |minor |little |tiny )?(?:delay|glitch"
            r"|hiccup|bug|mistake|few minutes)",
            r"first[- ]world problems?",
            r"whatever(?=\s*(?:[.!…]|$))",
            r"if you say so",
            r"(?:sure|ok|okay),? (?:buddy|pal|champ)",
            r"get over it",
            r"good luck with that",
            r"there are worse things",
            # Non-apologies: sorry for how people feel, or "if" anyone was offended.
            r"(?:sorry|apologi[sz]e) (?:that )?you (?:feel|felt) (?:that way|this way|like that)",
            r"(?:sorry|apologi[sz]e) if (?:you|anyone|anybody|some(?: people| of you)?)(?: \w+){0,3}"
            r" (?:offended|upset|hurt)",
            r"lol|lmao|rofl|ha(?:ha)+",
        ),
        "any": (r"ok,? boomer",),
        "raw": (r"🙄", r"😒", r"🙃", r"😏", r"(?<!\w)/s(?!\w)"),
    },
    "defensive": {
        "es": (
            r"como ya (?:lo )?(?:hemos |habiamos )?(?:dicho|dijimos|explicado|explicamos|indicado|indicamos"
            r"|informado|informamos|comunicado|comunicamos|aclarado|aclaramos)",
            r"como ya se (?:dijo|ha dicho|explico|ha explicado|informo|ha informado|indico|ha indicado)",
            r"no (?:es|fue|ha sido) (?:culpa nuestra|nuestra culpa)",
            r"(?:nosotros )?no (?:tenemos|tuvimos) (?:la |ninguna )?culpa",
            r"no (?:hemos|hicimos) (?:hecho )?nada (?:mal|malo|incorrecto)",
            r"no (?:es|era) (?:nuestro|mi) problema",
            r"no (?:es|era) responsabilidad (?:nuestra|de nosotros)",
            r"no somos (?:los )?responsables",
            r"no (?:vamos a|tenemos que|tenemos por que|pensamos) (?:pedir (?:perdon|disculpas)|disculparnos)",
            r"no tenemos nada (?:de )?que (?:disculparnos|lamentar)",
            r"con (?:todo|todo el|el debido) respeto",
            r"nos reafirmamos",
        ),
        "en": (
            r"as (?:we|i) (?:have |had )?(?:already |previously )?(?:said|stated|explained|mentioned|noted)",
            r"as (?:previously|already) (?:stated|said|mentioned|explained)",
            r"as stated (?:before|previously|earlier|above)",
            r"(?:it's|its|this is|this was|that's|thats|it was|that was|it is) not our fault",
            r"(?:it|this|that) (?:isn't|wasn't) our fault",
            r"we did (?:nothing|not do anything) wrong",
            r"(?:we've|we have) done nothing wrong",
            r"not our (?:problem|responsibility)",
            r"we(?:'re| are) not (?:responsible|to blame)",
            r"we (?:won't|will not|do not|don't|are not going to|aren't going to|refuse to) apologi[sz]e",
            r"nothing to apologi[sz]e for",
            r"with (?:all )?due respect",
            r"we stand by (?:our|the|this|that)",
        ),
    },
    "deletion_talk": {
        "es": (
            r"(?:borraremos|borramos|hemos borrado|he borrado|eliminaremos|eliminamos|hemos eliminado|he eliminado"
            r"|ocultaremos|ocultamos|hemos ocultado|he ocultado|quitaremos|quitamos|hemos quitado|he quitado)"
            r"(?: \w+){0,2} " + _POST,
            _POST + r"(?: \w+){0,2} (?:sera|seran|ha sido|han sido|fue|fueron|va a ser|van a ser)"
            r" (?:borrad|eliminad|ocultad)[oa]s?",
            r"(?:vamos a|voy a|procederemos a|procedemos a|tenemos que|debemos|hemos decidido|decidimos|queremos)"
            r" (?:borrar|eliminar|ocultar)(?:lo|la|los|las)?(?=\s*(?:[.,;:!?]|$)|(?: \w+){0,2} " + _POST + r")",
        ),
        "en": (
            r"(?:we|i)(?:'ll|'ve|'re|'d| will| have| are| had| would| might| may| must| can| should)?"
            + _FILLER
            + r" (?:delete|deleting|deleted|remove|removing|removed|take down|taking down|took down|hide|hiding|hid"
            r"|hidden)"
            r"(?: \w+){0,2} " + _POST_EN,
            _POST_EN + r"(?: \w+){0,2} (?:will be|has been|have been|was|were|is being|are being|is going to be)"
            r" (?:deleted|removed|hidden|taken down)",
            r"(?:we|i)(?:'ll|'re| will| are)?"
            + _FILLER
            + r" (?:take|taking|took) (?:it|this|that|the \w+|the "
            + _POST_EN
            + r"|our "
            + _POST_EN
            + r"|your "
            + _POST_EN
            + r") down",
        ),
    },
}
"""Flag code -> language group (``es``, ``en``, ``any``, ``raw``) -> patterns."""

NOT_NEGATABLE: frozenset[str] = frozenset({"defensive"})
"""Codes whose patterns carry their own negation ("no es culpa nuestra"): a negation before them changes nothing."""

ACRONYMS: frozenset[str] = frozenset(
    """DM DMS MD SMS URL FAQ ID OK CEO CTO COO CFO COVID UTC CET CEST RGPD GDPR LOPD PDF IVA VAT USA UK EU UE API
    APP HTTP HTTPS WWW NIF DNI NIE CIF AM PM PS IBAN SEV RRSS ONG NGO OCU TV IT RR HH RRHH QR SAC PYME""".split()
)
"""Upper-case words that are names, not shouting."""

LANGUAGE_WORDS: dict[str, frozenset[str]] = {
    "es": frozenset(
        """el la los las lo del que y en por para con tu su te le les nos os es esta estamos hemos sentimos
        lamentamos gracias hola pedido muy mas pero como un una al ya porque ustedes usted vuestro nuestro nuestra
        aqui hoy manana estara sera""".split()
    ),
    "en": frozenset(
        """the we you your our is are and to of for with this that it sorry thanks thank hi hello order will we're
        we'll us be have has on at in what please today tomorrow""".split()
    ),
}
"""Frequent words for telling Spanish from English when the language model is unsure."""

__all__ = [
    "ACRONYMS",
    "APOLOGY",
    "CANCELLERS",
    "CLAUSE_WORDS",
    "EMPATHY",
    "FLAG_PATTERNS",
    "LANGUAGE_WORDS",
    "NEGATION_BREAKERS",
    "NEGATION_WINDOW",
    "NEGATORS",
    "NEXT_STEP",
    "NOT_NEGATABLE",
]
