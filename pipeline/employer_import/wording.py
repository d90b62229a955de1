"""How an employer's labels are compared with the catalogue's: texts as administrations word them.

Accents, case, numbering (« 3.1 », « a) », « II. »), colons and leaders, words in brackets, plurals
and small words do not count; « N+1 », « SHD », « supérieur hiérarchique direct » are « évaluateur »,
« AIPN », « autorité territoriale », « directeur » are « autorité ». :func:`bare`, :func:`core` and
:func:`printed` are a label as the form prints it, less and less of it; :func:`tokens` is what is
compared, :func:`similarity` how alike two wordings are.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from rapidfuzz import fuzz

from ..catalogue import YES_NO as CATALOGUE_YES_NO
from ..employer_read.folding import DATE_BLANK_RUNS
from ..text import drop_invisible, fold

# Leader dots, underscores, ellipses: the zone a value is written in.
LEADERS = r"(?:[.…·_] ?){3,}|_{2,}|…{2,}"
LEADER_RE = re.compile(LEADERS)
# A box as printed on a blank (and filled) form: « [ ] », « [X] », « ( ) », a glyph, a Wingdings symbol,
# the letter « O » standing for a round box before an option (« O Oui O Non »: a form typed on a keyboard),
# where a box stands: at the line's start, after a colon, a tab or a gap (« Groupe O positif » is no box).
BOX_RE = re.compile(r"\[\s?[xX✗✘✓✔]?\s?\]|\(\s?\)|[☐☒☑✗✘□■❏❑◻◼▢○◯●◉]"
                    r"[\ufe0e\ufe0f]?|[\uf06f\uf0a8\uf0fe\uf078\uf0fd\uf072]"
                    r"|(?:^|(?<=[:\t\u00a0\u202f])|(?<=  )|(?<=: ))O(?=[ \u00a0\u202f\t]+[^\W\d_])")
# A date's blank after a word of the form (« … le ____/____/______ », « du ../../.... »): a place
# of its own, for the date of what the line's label names.
DATE_AFTER = re.compile(r"\s(?P<word>le|du)(?=\s+" + DATE_BLANK_RUNS + ")")
# A numbering before a label: « 3.1 », « 2. », « a) », « II - », « IV. ».
_NUMBERING_RE = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*\s*[.)°\-–—]?|[ivxlc]{1,5}\s*[.)\-–—]|[a-z]\s*[.)])\s+",
                           re.IGNORECASE)
SMALL_WORDS = frozenset("""a au aux avec ce ces cet cette d dans de des du en et il elle l la le les leur ou par pour
    qu que qui s sa se ses son sur un une y est sont""".split())
# Whose a field or a place is: the agent's, the evaluator's, the authority's (on folded text).
_ROLE_PHRASES = (
    (re.compile(r"\bsuperieure?s? hierarchiques? (?:directe?|de proximite|immediate?)\b"), " evaluateur "),
    (re.compile(r"\bresponsables? hierarchiques?(?: directe?)?\b"), " evaluateur "),
    (re.compile(r"\bsuperieure?s? hierarchiques?\b"), " evaluateur "),
    (re.compile(r"\bshd\b"), " evaluateur "),
    (re.compile(r"(?<!annee )\bn ?\+ ?1\b"), " evaluateur "),
    (re.compile(r"\bevaluat(?:eur|rice)s?\b"), " evaluateur "),
    (re.compile(r"\bautorites? (?:territoriale|hierarchique|investie du pouvoir de nomination|de nomination)\b"),
     " autorite "),
    (re.compile(r"\baipn\b|\bdirect(?:eur|rice)s?\b|\ble maire\b|\bpresident\b"), " autorite "),
    (re.compile(r"\bagents? evalue(?:e|s|es)?\b|\bfonctionnaires?\b|\binteresse(?:e)?\b"), " agent "),
    (re.compile(r"\bnb\b|\bnbre\b"), " nombre "),
    (re.compile(r"\bn ?[°o]\b"), " numero "),
    (re.compile(r"\bcpf\b"), " compte personnel formation "),
)
_ROLE_TOKENS = {"evaluateur": "evaluateur", "autorite": "autorite", "visa": "autorite", "agent": "agent"}
# Words in brackets that tell the person filling the form what to do, not what the field is.
_INSTRUCTION_RE = re.compile(r"\s*\((?:[àa] )?cocher[^)]*\)|\s*\((?:facultati(?:f|ve)|le cas [ée]ch[ée]ant|"
                             r"(?:[àa] (?:remplir|renseigner|compléter) )?obligatoire(?:ment)?|en toutes lettres|"
                             r"jj/mm/aaaa)\)", re.IGNORECASE)
# Oui / Non as the importer compares choices (folded): any question's answer, telling no field from
# another and never a scale of criteria.
YES_NO = frozenset(fold(choice) for choice in CATALOGUE_YES_NO)

# Labels that do not say whose or what date they are: compared with the heading they are under.
GENERIC_WORDS = frozenset("""nom prenom date signature fonction fonctions grade qualite service direction corps
    echelon emploi emplois cadre poste intitule visa lieu fait""".split())


def clean(text: str) -> str:
    """``text`` as printed, without invisible characters, in NFC."""
    return text if text.isascii() else unicodedata.normalize("NFC", drop_invisible(text))


def _without_leaders(text: str) -> str:
    return LEADER_RE.sub(" ", clean(text).replace("\t", " "))


@functools.lru_cache(maxsize=16384)
def printed(text: str) -> str:
    """A label as printed, numbering kept: spacing collapsed, trailing colon, leaders and asterisk gone."""
    return " ".join(_without_leaders(text).split()).strip(" :*").lstrip("—–-•· ")


@functools.lru_cache(maxsize=16384)
def bare(text: str) -> str:
    """A label without its numbering, trailing colon, leaders, boxes and asterisk: « 3.1 Nom : ... » ->
    « Nom »."""
    text = " ".join(BOX_RE.sub(" ", _without_leaders(text)).split()).strip(" :*?").lstrip("—–-•· ")
    return _NUMBERING_RE.sub("", text, count=1).strip(" :*") if _NUMBERING_RE.match(text) else text


@functools.lru_cache(maxsize=16384)
def core(text: str) -> str:
    """:func:`bare`, its words in brackets left out: « Résultat (cocher) » -> « Résultat »."""
    without = re.sub(r"\s*\([^)]*\)", " ", bare(text))
    return " ".join(without.split()).strip(" :,") or bare(text)


@functools.lru_cache(maxsize=16384)
def tokens(text: str) -> tuple[str, ...]:
    """The words that tell a label, as compared: folded, roles and abbreviations read, small words and
    plurals dropped. « Nom et prénom du N+1 : » -> ``("nom", "prenom", "evaluateur")``."""
    folded = " " + fold(clean(text)).replace("’", "'").replace("'", " ") + " "
    for pattern, replacement in _ROLE_PHRASES:
        folded = pattern.sub(replacement, folded)
    words = []
    for word in re.findall(r"[a-z0-9]+", folded):
        if word in SMALL_WORDS:
            continue
        if len(word) > 3 and word[-1] in "sx" and not word.endswith("ss"):
            word = word[:-1]
        if len(word) > 4 and word.endswith("ee"):
            word = word[:-1]
        words.append(word)
    return tuple(words)


def similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """How alike two wordings are (:func:`tokens`), 0 to 1: rapidfuzz's ratio or token-sort ratio, or,
    when one holds every word of the other (two words at least), the share of its words."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    first, second = " ".join(a), " ".join(b)
    score = max(fuzz.ratio(first, second), fuzz.token_sort_ratio(first, second)) / 100
    small, large = sorted((set(a), set(b)), key=len)
    if len(small) >= 2 and small < large:
        score = max(score, 0.78 + 0.12 * len(small) / len(large) + 0.03 * min(len(small), 4))
    return score


def role_of(text: str | None) -> str | None:
    """Whose a text speaks of: « evaluateur », « autorite » (a visa), « agent »; ``None`` for no one's
    or several's (« Identification de l'agent et de l'évaluateur »)."""
    found = {_ROLE_TOKENS[t] for t in tokens(text or "") if t in _ROLE_TOKENS}
    return found.pop() if len(found) == 1 else None


@functools.lru_cache(maxsize=16384)
def is_generic(label: str) -> bool:
    """A label that does not say whose it is (« Nom », « Date », « Nom et prénom », « Signature »)."""
    words = tokens(core(label))
    return not words or all(word in GENERIC_WORDS for word in words)


def in_capitals(text: str) -> bool:
    """Four letters at least, four in five of them capitals (words in brackets aside)."""
    letters = [c for c in re.sub(r"\([^)]*\)", "", text) if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def sentence(text: str) -> str:
    """A title in capitals as a label: « 5. OBJECTIFS FIXÉS POUR L'ANNÉE » -> « Objectifs fixés pour l'année »."""
    text = bare(text)
    if in_capitals(text):
        text = text[:1].upper() + text[1:].lower()
    return text


def name_case(text: str) -> str:
    """An employer's name printed in capitals as a name is written: each word capitalised but the
    small ones, hyphenated and elided words included (« CENTRE HOSPITALIER DE SAINT-JEAN-D'ANGÉLY »
    -> « Centre Hospitalier de Saint-Jean-d'Angély »): its proper nouns keep their capital, which
    a sentence's case would lose (« préfet de la région occitanie »)."""
    def word(part: str, first: bool) -> str:
        lower = part.lower()
        if not first and fold(lower) in SMALL_WORDS:
            return lower
        head, apostrophe, rest = lower.partition("'") if "'" in lower else lower.partition("’")
        if apostrophe and fold(head) in ("l", "d", "qu") and rest:  # « d'Angély », « l'Isle »
            return (head if not first else head.capitalize()) + apostrophe + rest[:1].upper() + rest[1:]
        return lower[:1].upper() + lower[1:]

    if not in_capitals(text):
        return text
    words = []
    for n, token in enumerate(" ".join(text.split()).split(" ")):
        parts = token.split("-")
        words.append("-".join(word(part, n == 0 and i == 0) for i, part in enumerate(parts)))
    return " ".join(words)


def slug(text: str, *, words: int = 4) -> str:
    """A catalogue key made from a label: « Date d'entrée dans le grade » -> ``date_entree_grade``."""
    kept = [w for w in re.findall(r"[a-z0-9]+", fold(core(text)).replace("'", " ")) if w not in SMALL_WORDS]
    key = "_".join(kept[:words])[:40].strip("_")
    return key if key and key[0].isalpha() else f"champ_{key}" if key else "champ"


def without_instructions(text: str) -> str:
    """A label without the words in brackets that say what to do (« Résultat (cocher) » -> « Résultat »,
    « … (à remplir obligatoirement). » -> « … ») and the full stop ending a sentence printed as one."""
    return " ".join(_INSTRUCTION_RE.sub("", text).split()).rstrip(" .")
