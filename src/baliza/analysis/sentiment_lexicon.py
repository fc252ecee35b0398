"""The word tables behind :mod:`baliza.analysis.sentiment`: lexicon parsing, derived Spanish forms,
negators and intensifiers, emoji and emoticons, the English crisis vocabulary, built once at import."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources

from baliza.ingest.normalize import fold

# ----------------------------------------------------------------------------------------------
# Lexicon entries
# ----------------------------------------------------------------------------------------------

_WORD, _NEGATOR, _BOOSTER, _BUT, _BREAK, _NONE = range(6)


class _Entry:
    """What one token (or phrase) does: a valence, a negator, an intensifier, a clause break."""

    __slots__ = (
        "complaint",
        "cue",
        "fixed",
        "ironic",
        "kind",
        "negated",
        "phrases",
        "praise",
        "resolution",
        "value",
    )

    def __init__(
        self,
        kind: int,
        value: float = 0.0,
        *,
        cue: str = "",
        negated: float | None = None,
        complaint: bool = False,
        ironic: bool = False,
        resolution: bool = False,
        praise: float | None = None,
    ) -> None:
        self.kind = kind
        self.value = value
        self.cue = cue
        self.negated = negated
        self.complaint = complaint
        self.ironic = ironic
        self.resolution = resolution
        # How much praise an ironic entry carries, even where its own value is 0 (English words
        # that VADER already scores): sarcasm turns that much praise into blame.
        self.praise = value if praise is None else praise
        # A phrase that starts with a negator ("ni caso", "no llegó") is not negated again by an
        # earlier one: Spanish double negation reinforces.
        self.fixed = False
        # Phrases starting with this token, by their second token: one dict lookup per occurrence
        # of common first words ("que", "no", "de"), however many phrases start with them.
        self.phrases: dict[str, tuple[tuple[list[str], _Entry], ...]] | None = None

    def copy(self) -> _Entry:
        twin = _Entry(
            self.kind,
            self.value,
            cue=self.cue,
            negated=self.negated,
            complaint=self.complaint,
            ironic=self.ironic,
            resolution=self.resolution,
            praise=self.praise,
        )
        twin.phrases = self.phrases
        twin.fixed = self.fixed
        return twin


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    """One parsed line of a lexicon file."""

    term: str
    score: float
    tags: frozenset[str]
    negated: float | None
    line: int


class LexiconError(ValueError):
    """A lexicon file line that cannot be used (bad score, unknown tag, duplicate term)."""


_KNOWN_TAGS = frozenset({"v", "c", "i", "r", "x"})
MIN_SCORE, MAX_SCORE = -4.0, 4.0


def parse_lexicon(text: str, *, source: str = "lexicon") -> list[LexiconEntry]:
    """Parse ``term<TAB>score[<TAB>tags]`` lines; duplicates are checked after folding."""
    entries: list[LexiconEntry] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = raw.rstrip("\n").split("\t")
        if len(fields) not in (2, 3):
            raise LexiconError(f"{source}:{number}: expected term<TAB>score[<TAB>tags], got {raw!r}")
        term = " ".join(fold(fields[0]).split())
        try:
            score = float(fields[1])
        except ValueError as exc:
            raise LexiconError(f"{source}:{number}: score {fields[1]!r} is not a number") from exc
        if not term or not MIN_SCORE <= score <= MAX_SCORE:
            raise LexiconError(f"{source}:{number}: term {fields[0]!r} score {score} outside [-4, 4]")
        tags: set[str] = set()
        negated: float | None = None
        for tag in filter(None, (fields[2].split(",") if len(fields) == 3 else [])):
            tag = tag.strip()
            if tag.startswith("n="):
                negated = float(tag[2:])
                if not MIN_SCORE <= negated <= MAX_SCORE:
                    raise LexiconError(f"{source}:{number}: negated score {negated} outside [-4, 4]")
            elif tag in _KNOWN_TAGS:
                tags.add(tag)
            else:
                raise LexiconError(f"{source}:{number}: unknown tag {tag!r}")
        if term in seen:
            raise LexiconError(f"{source}:{number}: {term!r} already defined on line {seen[term]}")
        seen[term] = number
        entries.append(LexiconEntry(term, score, frozenset(tags), negated, number))
    return entries


def load_spanish_lexicon() -> list[LexiconEntry]:
    """The bundled Spanish lexicon, parsed."""
    text = resources.files("baliza.analysis").joinpath("lexicon_es.tsv").read_text(encoding="utf-8")
    return parse_lexicon(text, source="lexicon_es.tsv")


# ----------------------------------------------------------------------------------------------
# Derived forms: gender and number, -ísimo, -ito, -azo, super-/re-; regular verb conjugations
# ----------------------------------------------------------------------------------------------

_PREFIXES = ("super", "re", "requete", "hiper", "ultra", "mega", "archi")
_VOWELS = "aeiou"


def _soft_stem(stem: str) -> str:
    # Keep the consonant's sound before e/i: rico -> riquísimo, largo -> larguísimo, feliz -> felicito.
    if stem.endswith("c"):
        return stem[:-1] + "qu"
    if stem.endswith("g"):
        return stem[:-1] + "gu"
    if stem.endswith("z"):
        return stem[:-1] + "c"
    return stem


def derived_forms(word: str) -> Iterator[tuple[str, float]]:
    """Inflected and evaluative forms of a Spanish adjective or noun, with a valence factor."""
    if len(word) < 3 or " " in word or not word.isalpha():
        return
    last = word[-1]
    if last in "oa":
        stem = word[:-1]
        base = [stem + "o", stem + "a", stem + "os", stem + "as"]
        soft = _soft_stem(stem)
    elif last == "e":
        base = [word, word + "s"]
        soft = word[:-3] + "bil" if word.endswith("ble") else word[:-1]
    elif last == "z":
        base = [word, word[:-1] + "ces"]
        soft = word[:-1] + "c"
    elif last in _VOWELS or last == "s":
        base = [word]
        soft = ""
    else:
        base = [word, word + "es"]
        if word.endswith(("or", "on", "in")):
            base += [word + "a", word + "as"]
        soft = word
    for form in base:
        yield form, 1.0
    if not soft:
        return
    for ending in ("isimo", "isima", "isimos", "isimas"):
        yield soft + ending, 1.3
    if last in "oa":
        for ending in ("ito", "ita", "itos", "itas"):
            yield soft + ending, 1.0
        for ending in ("azo", "aza", "azos", "azas", "ote", "ota"):
            yield stem + ending, 1.2
    else:
        for ending in ("cito", "cita", "citos", "citas"):
            yield word + ending, 1.0
    for prefix in _PREFIXES:
        for form in base:
            yield prefix + form, 1.3


_CONJUGATION = {
    "ar": (
        "o as a amos ais an e aste o asteis aron aba abas abamos abais aban "
        "e es emos eis en are aras ara aremos areis aran aria arias ariamos ariais arian "
        "ado ada ados adas ando ar arlo arla arte arme aron"
    ),
    "er": (
        "o es e emos eis en i iste io imos isteis ieron ia ias iamos iais ian "
        "a as amos ais an ere eras era eremos ereis eran eria erias eriamos eriais erian "
        "ido ida idos idas iendo er erlo erla erte erme"
    ),
    "ir": (
        "o es e imos is en i iste io isteis ieron ia ias iamos iais ian "
        "a as amos ais an ire iras ira iremos ireis iran iria irias iriamos iriais irian "
        "ido ida idos idas iendo ir irlo irla irte irme"
    ),
}


def conjugations(infinitive: str) -> Iterator[str]:
    """Regular conjugated forms of a Spanish verb (folded, so preterite -ó equals present -o)."""
    stem, ending = infinitive[:-2], infinitive[-2:]
    endings = _CONJUGATION.get(ending)
    if not stem or endings is None:
        return
    for suffix in endings.split():
        if suffix[0] == "e" and ending == "ar":
            yield _soft_stem(stem) + suffix
        else:
            yield stem + suffix


# ----------------------------------------------------------------------------------------------
# Rules that are not lexicon entries
# ----------------------------------------------------------------------------------------------

# Flip-and-damp factor for a negated valence ("no es bueno" is bad, but less than "malo").
_NEGATION = -0.6
_NEGATION_SCOPE = 3
_BOOST_SCOPE = 2

_NEGATORS_ES = {
    "no": _NEGATION,
    "nunca": _NEGATION,
    "jamas": _NEGATION,
    "ni": _NEGATION,
    "sin": _NEGATION,
    "tampoco": _NEGATION,
    "nadie": _NEGATION,
    "ningun": _NEGATION,
    "ninguno": _NEGATION,
    "ninguna": _NEGATION,
    "nada": _NEGATION,
    "poco": -0.45,  # "poco amable" is unkind, softly
    "apenas": -0.45,
}
_NEGATORS_EN = {
    word: _NEGATION
    for word in (
        "not no never nothing nobody none without neither nor cannot dont don't doesnt doesn't didnt didn't "
        "isnt isn't wasnt wasn't arent aren't werent weren't wont won't cant can't couldnt couldn't "
        "havent haven't hasnt hasn't hadnt hadn't shouldnt shouldn't wouldnt wouldn't aint ain't"
    ).split()
}
_BOOSTERS_ES = {
    "muy": 1.3,
    "super": 1.3,
    "re": 1.3,
    "requete": 1.4,
    "hiper": 1.35,
    "ultra": 1.35,
    "mega": 1.3,
    "demasiado": 1.3,
    "tan": 1.25,
    "bastante": 1.15,
    "mucho": 1.2,
    "muchisimo": 1.35,
    "realmente": 1.2,
    "totalmente": 1.25,
    "completamente": 1.25,
    "absolutamente": 1.3,
    "extremadamente": 1.4,
    "increiblemente": 1.35,
    "sumamente": 1.3,
    "tremendamente": 1.35,
    "terriblemente": 1.3,
    "enormemente": 1.3,
    "profundamente": 1.3,
    "especialmente": 1.15,
    "verdaderamente": 1.2,
    "todo": 1.1,
    "mas": 1.1,
    "algo": 0.7,
    "medio": 0.7,
    "casi": 0.6,
    "ligeramente": 0.6,
    "levemente": 0.6,
    "un poco": 0.65,
    "un tanto": 0.7,
    "un pelin": 0.65,
    "menudo": 1.3,
    "menuda": 1.3,
}
_BOOSTERS_EN = {
    "very": 1.3,
    "so": 1.2,
    "really": 1.25,
    "extremely": 1.4,
    "totally": 1.25,
    "absolutely": 1.3,
    "completely": 1.25,
    "utterly": 1.35,
    "super": 1.3,
    "such": 1.15,
    "most": 1.15,
    "kinda": 0.7,
    "somewhat": 0.7,
    "slightly": 0.6,
    "a bit": 0.65,
    "a little": 0.65,
}
_BUTS = ("pero", "aunque", "sin embargo", "no obstante", "but", "however", "although", "though")
_BREAKS = (".", ",", ";", "!", "?", "¡", "¿", ":")

# Laughter: positive alone, mockery next to a complaint.
_LAUGH_TOKEN = "jaja"
_LAUGH_VALUE = 0.9

# Emoji and emoticons, shared by every language. Valences on the lexicon scale; "i" marks praise
# that reads as sarcasm inside a complaint (👏👏 after "tercer día sin pedido"); "c" marks the
# eye-roll family, which makes the praise next to it ironic just as a complaint does.
_EMOJI = """
😡 -2.6|🤬 -3.0|😠 -2.4|👎 -2.2|😤 -2.0|🙄 -1.6 c|💩 -2.4|😒 -1.7 c|😞 -1.9|😔 -1.6|😟 -1.5|😢 -1.9|😭 -1.2|
😩 -1.8|😫 -1.8|😖 -1.8|😣 -1.5|😓 -1.2|😥 -1.4|😰 -1.8|😱 -1.6|😨 -1.7|🤮 -2.8|🤢 -2.4|💔 -2.1|😑 -0.9|
😐 -0.4|😕 -1.1|🙁 -1.4|☹ -1.6|😬 -0.8|🤦 -1.8|🤷 -0.3|😪 -1.0|🥵 -0.6|😵 -1.0|🤯 -0.8|😾 -1.6|💢 -1.8|
⚠ -0.8|🚫 -1.0|❌ -1.2|🛑 -0.8|🐌 -0.8|😈 -0.4|👿 -2.0|🖕 -3.0|🥴 -0.8|🙃 -0.9 c|🥶 -0.5|
😍 2.6|🥰 2.6|😘 2.2|😗 1.4|😙 1.6|😚 1.8|😊 2.0 i|😀 1.8|😃 2.0|😄 2.1|😁 2.0 i|😆 1.8|😉 1.2 i|☺ 1.8|
🙂 1.0 i|🤗 2.0|🤩 2.6|😎 1.5|🥳 2.4|🎉 2.0 i|🎊 2.0|👏 1.6 i|🙌 1.8 i|👍 1.6 i|👌 1.6 i|💪 1.6|
🙏 1.2|❤ 2.4|♥ 2.2|💕 2.3|💖 2.4|💗 2.3|💓 2.2|💞 2.2|💘 2.0|💝 2.0|💙 2.0|💚 2.0|💛 2.0|💜 2.0|🧡 2.0|
🖤 1.0|🤍 1.8|💯 2.0 i|🔥 1.4|⭐ 1.4|🌟 1.6|✨ 1.2|🏆 1.8|🥇 1.8|✅ 1.2|😋 2.0|🤤 1.4|😇 1.8|☀ 0.6|
🌈 1.0|🌹 1.4|🌸 1.2|💐 1.6|🎁 1.4|🍾 1.6|🥂 1.6|😂 1.2 i|🤣 1.4 i|😹 1.2 i|😅 0.6 i|🤭 0.8 i|😏 0.2|
😌 1.2|🤓 0.6|😺 1.4|😸 1.6|😻 2.4
"""
_EMOTICONS = """
:) 1.8 i|:-) 1.8 i|=) 1.8 i|:] 1.6|:)) 2.0 i|:))) 2.2 i|;) 1.2 i|;-) 1.2 i|:d 2.2 i|:-d 2.2 i|=d 2.2 i|
:p 1.0|:-p 1.0|;p 1.0|<3 2.4|<33 2.6|:* 1.8|^^ 1.6|^_^ 1.8|:3 1.2|
:( -1.9|:-( -1.9|=( -1.9|:(( -2.2|:((( -2.4|:'( -2.1|:/ -1.2|:-/ -1.2|:\\ -1.2|:s -1.2|
-_- -1.4|</3 -2.1|d: -1.6|:@ -2.4|>:( -2.6
"""

# English crisis vocabulary and common English polarity words for Spanish/unknown-language posts.
# Third column "g" marks general words VADER already scores: in English mode they add nothing
# (VADER counts them) but still carry praise for the sarcasm rule; in other modes they count.
_ENGLISH = """
scam -3.0 c|scammers -3.2 c|scammed -3.0 c|fraud -3.0 c|fraudulent -3.0 c|rip off -2.8 c|ripoff -2.8 c|
ripped off -2.9 c|refund -1.4 c|refunds -1.4 c|my money back -2.6 c|want my money -2.6 c|chargeback -2.4 c|
boycott -2.8 c|boycotting -2.8 c|never again -2.9 c|never buying -2.8 c|never ordering -2.8 c|
never coming back -2.8 c|not coming back -2.6 c|do not buy -2.6 c|don't buy -2.6 c|avoid -1.6 c|stay away -2.6 c|
food poisoning -3.4 c|poisoning -3.0 c|poisoned -3.0 c|salmonella -3.2 c|listeria -3.2 c|contaminated -2.9 c|
got sick -2.8 c|made me sick -3.0 c|threw up -2.6 c|vomiting -2.6 c|hospital -1.4 c|er visit -2.0 c|
moldy -2.8 c|mold -2.2 c|cockroach -2.8 c|cockroaches -2.8 c|rats -2.2 c|expired -2.2 c|rotten -2.8 c|
allergic reaction -2.6 c|recall -1.6 c|recalled -1.8 c|
still waiting -2.6 c|been waiting -2.2 c|waiting for -0.8 c|on hold -1.6 c|still no -2.0 c|still not -1.8 c|
where is my order -2.4 c|where's my order -2.4 c|where is my package -2.4 c|never arrived -2.8 c|
never received -2.8 c|never showed up -2.6 c|didn't arrive -2.6 c|didnt arrive -2.6 c|hasn't arrived -2.6 c|
has not arrived -2.6 c|not delivered -2.6 c|never delivered -2.8 c|missing order -2.4 c|lost package -2.4 c|
wrong order -2.2 c|late again -2.2 c|delayed -1.8 c|delay -1.5 c|delays -1.6 c|cancelled -1.4 c|canceled -1.4 c|
no response -2.4 c|no reply -2.4 c|no answer -2.2 c|nobody answers -2.6 c|no one answers -2.6 c|
customer service -0.4 c|customer support -0.4 c|
charged twice -2.7 c|double charged -2.7 c|overcharged -2.6 c|hidden fees -2.4 c|
false advertising -2.8 c|misleading -2.3 c|lawsuit -2.2 c|suing -2.2 c|class action -2.2 c|
data breach -2.9 c|breach -2.0 c|hacked -2.4 c|leaked -2.2 c|phishing -2.4 c|
unacceptable -2.8 c|disgraceful -2.9 c|shameful -2.8 c|shame on you -3.0 c|disgusting -2.6 c|
worst -2.8 c|terrible -2.6 c g|horrible -2.6 c g|awful -2.6 c g|pathetic -2.5 c g|useless -2.4 c|
incompetent -2.6 c|garbage -2.6 c|trash -2.4 c|joke -1.0 c|what a joke -2.6 c|epic fail -2.8 c|
fail -2.2 c g|broken -2.0 c|doesn't work -2.4 c|does not work -2.4 c|not working -2.4 c|down again -2.2 c|
rude -2.2 c g|do better -2.0 c|fix this -1.8 c|fix it -1.6 c|wtf -2.4 c g|ffs -2.4 g|smh -1.6 g|
fml -2.4|sucks -2.2 g|hate -2.6 g|bad -2.0 g|worse -2.2 g|sad -1.8 g|angry -2.2 g|furious -2.8 g|
disappointed -2.4 c g|disappointing -2.4 c g|fake -1.8 g|shit -2.4 g|crap -2.2 g|
good 1.8 g|great 2.6 i g|awesome 2.6 i g|amazing 2.6 i g|excellent 2.8 i g|perfect 2.4 i g|wonderful 2.6 i g|
fantastic 2.6 i g|brilliant 2.4 i g|love 2.6 i g|loved 2.6 g|lovely 2.4 g|nice 1.8 i g|cool 1.4 g|best 2.4 g|
thanks 2.0 i g|thank you 2.2 i g|thx 1.8 i|ty 1.4 i|happy 2.4 g|glad 2.0 g|congrats 2.4 i g|
congratulations 2.4 i g|good job 2.2 i g|bravo 2.0 i|yay 2.2 g|wow 1.2 i g|omg 0.4|
lol 1.4 i g|lmao 1.6 i g|haha 1.4 i g|hahaha 1.6 i g|
thanks for nothing -2.9 c|love it 2.8 g|highly recommend 2.8|recommend 1.8 g|
not recommend -2.6 c|fixed 1.4 r|resolved 1.6 r|sorted 1.2 r|finally arrived 1.2 r|
arrive 0 n=-2.4|arrived 0 n=-2.4|delivered 0 n=-2.4|received 0 n=-2.2|working 0 n=-2.3|works 0 n=-2.3|
work 0 n=-2.0|respond 0 n=-2.3|responded 0 n=-2.3|replied 0 n=-2.3|answered 0 n=-2.2|refunded 0 n=-2.3|
helped 0 n=-2.0|help 0 n=-1.2|order 0 n=-2.2|package 0 n=-2.2|parcel 0 n=-2.2|delivery 0 n=-2.0|
reply 0 n=-2.0|response 0 n=-2.0|update 0 n=-1.6|power 0 n=-2.0|internet 0 n=-2.0|service 0 n=-2.0|
third day -0.9 c|third time -1.2 c|yet again -1.2 c|once again -0.6 c|for hours -0.8 c|hours on hold -2.4 c|
i like 1.8|we like 1.8|really like 2.0|like it 1.2|don't like -1.8|dont like -1.8|didn't like -1.8|
do not like -1.8|doesn't like -1.6|get well 1.2|well done 2.2 i|as well 0|
can't believe -1.0|cant believe -1.0|crashing -2.0 c|keeps crashing -2.4 c|crashed -2.0 c|
can't wait 2.2|cant wait 2.2|cannot wait 2.2|looking forward 2.0|so excited 2.4|
lost again -2.4 c|is lost -2.0 c|got lost -2.0 c|lost my -2.0 c|lost a customer -2.6 c|lost another customer -2.8 c|
lost a loyal customer -2.8 c|lost another loyal customer -2.8 c|without notice -1.8 c|without warning -1.8 c|
outage -2.2 c|outages -2.2 c|is down -1.8 c|app is down -2.4 c|site is down -2.4 c|down on payday -2.4 c|
yeah right -1.4 c|got my refund 1.6 r|quick refund 1.8 r|fast refund 1.8 r|refund arrived 1.4 r|
for the refund 1.2 r|got refunded 1.4 r|refunded me 1.4 r|
glad 2.0 i g|so glad 2.2 i g|love it 2.8 i g|just love 2.6 i g|professional 1.2 i|
what a surprise 1.4 i|love how 1.8 i|ruining -2.2 c|ruined -2.2 c|ignoring -1.6 c|ignored -1.6 c|
charging me twice -2.7 c|ignore -1.4 c|won't let me -2.0 c|wont let me -2.0 c|won't even let me -2.2 c|
still broken -2.4 c|
no signal -2.0 c|is late -1.6 c|order is late -2.0 c|
"""


def _parse_inline(block: str) -> Iterator[tuple[str, float, frozenset[str], float | None]]:
    for item in block.replace("\n", "").split("|"):
        item = item.strip()
        if not item:
            continue
        parts = item.split(" ")
        # Terms may contain spaces: the score is the first field that parses as a number.
        for index in range(1, len(parts)):
            try:
                score = float(parts[index])
            except ValueError:
                continue
            term = " ".join(parts[:index])
            rest = parts[index + 1 :]
            break
        else:
            raise LexiconError(f"inline entry {item!r} has no score")
        tags = frozenset(tag for tag in rest if not tag.startswith("n="))
        negated = next((float(tag[2:]) for tag in rest if tag.startswith("n=")), None)
        yield term, score, tags, negated


# ----------------------------------------------------------------------------------------------
# Tables: folded token -> entry; phrases hang off their first token
# ----------------------------------------------------------------------------------------------


class _TableBuilder:
    def __init__(self) -> None:
        self.singles: dict[str, _Entry] = {}
        self.phrases: dict[str, dict[tuple[str, ...], _Entry]] = {}

    def add(self, term: str, entry: _Entry) -> None:
        """First definition wins, so explicit entries go in before generated ones."""
        words = term.replace("'", "").split(" ")
        if len(words) == 1:
            self.singles.setdefault(term, entry)
        else:
            self.phrases.setdefault(words[0], {}).setdefault(tuple(words[1:]), entry)

    def build(self, aliases: dict[str, str]) -> dict[str, _Entry]:
        table = dict(self.singles)
        for first, continuations in self.phrases.items():
            own = table.get(first)
            entry = own.copy() if own is not None else _Entry(_NONE)
            by_second: dict[str, list[tuple[list[str], _Entry]]] = {}
            # Longest phrase first: "no me ha llegado" before "no me".
            for rest, phrase in sorted(continuations.items(), key=lambda item: -len(item[0])):
                phrase.fixed = own is not None and own.kind == _NEGATOR
                by_second.setdefault(rest[0], []).append((list(rest[1:]), phrase))
            entry.phrases = {second: tuple(options) for second, options in by_second.items()}
            table[first] = entry
        # Slang spellings share their word's entry, phrases included: "q verguenza", "nd", "xq".
        for alias, word in aliases.items():
            if word in table and alias not in table:
                table[alias] = table[word]
        return table


def _word_entry(
    term: str, score: float, tags: Iterable[str], negated: float | None, *, praise: float | None = None
) -> _Entry:
    tags = frozenset(tags)
    return _Entry(
        _WORD,
        score,
        cue=term,
        negated=negated,
        complaint="c" in tags,
        ironic="i" in tags,
        resolution="r" in tags,
        praise=praise,
    )


def _add_rules(builder: _TableBuilder, negators: dict[str, float], boosters: dict[str, float]) -> None:
    for word, factor in negators.items():
        builder.add(word, _Entry(_NEGATOR, factor, cue=word))
    for word, factor in boosters.items():
        builder.add(word, _Entry(_BOOSTER, factor, cue=word))
    for word in _BUTS:
        builder.add(word, _Entry(_BUT, cue=word))
    for mark in _BREAKS:
        builder.add(mark, _Entry(_BREAK))


def _add_symbols(builder: _TableBuilder, *, emoticons: bool, laughter: float) -> None:
    for term, score, tags, _ in _parse_inline(_EMOJI):
        builder.add(term, _word_entry(term, score, tags, None))
    if emoticons:
        for term, score, tags, _ in _parse_inline(_EMOTICONS):
            builder.add(term, _word_entry(term, score, tags, None))
            # ":)))))" and ":((((" : the last character repeated is the same emoticon, louder.
            for extra in range(1, 5):
                builder.add(term + term[-1] * extra, _word_entry(term, score * 1.1, tags, None))
    builder.add(_LAUGH_TOKEN, _word_entry("jaja", laughter, {"i"}, None, praise=_LAUGH_VALUE))


def _add_spanish(builder: _TableBuilder, lexicon: list[LexiconEntry]) -> None:
    for item in lexicon:
        builder.add(item.term, _word_entry(item.term, item.score, item.tags, item.negated))
    # Generated forms come after every explicit term, so an explicit entry always wins.
    for item in lexicon:
        if " " in item.term or ("x" in item.tags and "v" not in item.tags):
            continue
        # Forms of one lemma share entries: the cue names the lemma, whatever form was written.
        if "v" in item.tags:
            verb = _word_entry(item.term, item.score, item.tags, item.negated)
            for form in conjugations(item.term):
                builder.add(form, verb)
            continue
        if item.score == 0:
            continue
        by_factor: dict[float, _Entry] = {}
        for form, factor in derived_forms(item.term):
            entry = by_factor.get(factor)
            if entry is None:
                score = max(MIN_SCORE, min(MAX_SCORE, item.score * factor))
                entry = by_factor[factor] = _word_entry(item.term, score, item.tags, item.negated)
            builder.add(form, entry)


def _add_english(builder: _TableBuilder, *, vader_mode: bool) -> None:
    for term, score, tags, negated in _parse_inline(_ENGLISH):
        if vader_mode and "g" in tags:
            # VADER scores this word itself; keep its praise for the sarcasm rule only.
            builder.add(term, _word_entry(term, 0.0, tags, negated, praise=max(score, 0.0)))
        else:
            builder.add(term, _word_entry(term, score, tags, negated))


# Slang and texting spellings, read as the word they stand for.
_ALIASES = {
    "q": "que",
    "k": "que",
    "ke": "que",
    "xq": "porque",
    "pq": "porque",
    "porq": "porque",
    "x": "por",
    "xa": "para",
    "pa": "para",
    "tmb": "tambien",
    "tb": "tambien",
    "tbn": "tambien",
    "nd": "nada",
    "vdd": "verdad",
    "bn": "bien",
    "mxo": "mucho",
    "xfa": "por favor",
    "dnd": "donde",
    "toy": "estoy",
}


def _build_tables() -> tuple[dict[str, _Entry], dict[str, _Entry]]:
    lexicon = load_spanish_lexicon()
    spanish = _TableBuilder()
    _add_spanish(spanish, lexicon)
    _add_english(spanish, vader_mode=False)
    _add_rules(spanish, _NEGATORS_ES | _NEGATORS_EN, _BOOSTERS_ES)
    _add_symbols(spanish, emoticons=True, laughter=_LAUGH_VALUE)
    english = _TableBuilder()
    _add_english(english, vader_mode=True)
    # Spanish crisis vocabulary as written (no generated forms, which could be English words:
    # "time" is a form of "timar"), for Spanish complaints in posts detected as English.
    for item in lexicon:
        if "c" in item.tags:
            english.add(item.term, _word_entry(item.term, item.score, item.tags, item.negated))
    _add_rules(english, _NEGATORS_EN, _BOOSTERS_EN)
    # VADER reads ASCII emoticons and "haha"/"lol" itself; emoji are taken away from it and scored here.
    _add_symbols(english, emoticons=False, laughter=0.0)
    return spanish.build(_ALIASES), english.build({})


__all__ = [
    "LexiconEntry",
    "LexiconError",
    "conjugations",
    "derived_forms",
    "load_spanish_lexicon",
    "parse_lexicon",
]
