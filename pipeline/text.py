"""Text as people type it and read it: folding (accents, case, spacing), choices,
dates written in French, the words for a ticked box.

Reading, validation, the roster, the workbooks and the notes all compare and
show text through these functions, so that «\u202fMaîtrise\u202f», «\u202fmaitrise\u202f» and
«\u202fMAÎTRISE\u202f» mean the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

# Characters that show nothing but change what is read: zero-width spaces and joiners, the
# bidirectional marks and overrides text copied from web pages and mail clients carries, the
# soft hyphen, the byte-order mark.
INVISIBLE = ("\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
             "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff")
_DROP_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))
_ANY_INVISIBLE = re.compile("[" + INVISIBLE + "]")


def drop_invisible(text: str) -> str:
    """``text`` without :data:`INVISIBLE` characters: every value read goes through this."""
    # Looked for first: str.translate with a table goes through it one character at a time.
    return text if text.isascii() or not _ANY_INVISIBLE.search(text) else text.translate(_DROP_INVISIBLE)
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")
TICKED, NOT_TICKED = "coché", "non coché"
# The kinds of the catalogue's fields, as ``entretiens champs`` says them.
KIND_WORDS = {"text": "texte", "date": "date", "choice": "choix", "number": "nombre",
              "bool": "case à cocher", "table": "tableau"}
YES, NO = "oui", "non"


def fold(text: str) -> str:
    """Lower case, without accents: ``"Évaluée"`` -> ``"evaluee"``. Spacing is kept."""
    if text.isascii():  # nothing to decompose: the same, without a pass over each character
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=4096)
def normalize_label(text: str) -> str:
    """Compare labels as people retype them: case, accents, spacing, quotes,
    a trailing colon or asterisk do not matter."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'").replace("\u2010", "-")
    return " ".join(fold(text).replace("\u00a0", " ").split()).rstrip(" :*").strip()


def normalize_header(text: object) -> str:
    """``"Date d'entretien "`` -> ``"date d entretien"``: case, accents and punctuation ignored."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(str(text))).split())


def normalize_date_text(text: str) -> str:
    """Lower case, accents and zero-width characters removed, every run of whitespace
    (non-breaking spaces included) one plain space: dates are matched on this."""
    decomposed = unicodedata.normalize("NFKD", drop_invisible(text))  # NFKD also maps U+00A0, U+202F, "1ᵉʳ"
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.casefold().split())


# Dashes people and word processors type for "-": hyphen, non-breaking hyphen, figure dash,
# en and em dashes, horizontal bar, minus sign, small and full-width hyphen-minus.
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")


def normalize_identifier(text: str) -> str:
    """An identifier as ``generate`` wrote it, however it was retyped: spaces of every
    kind and invisible characters removed, dashes made plain: ``"2026 – 500 001"`` ->
    ``"2026-500001"``."""
    plain = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return "".join(c for c in plain if not c.isspace() and c not in INVISIBLE and unicodedata.category(c) != "Cf")


def words(text: str) -> list[str]:
    """The words of a text, folded, punctuation dropped, in the order written."""
    return re.findall(r"[a-z0-9]+", fold(text))


def canonical_choice(value: str, choices: list[str]) -> str | None:
    """The allowed choice a typed value means: ``"T1 - adaptation"`` -> ``"T1"``,
    ``"Maîtrise"`` -> ``"maîtrise"``; ``None`` when it is none of them."""
    wanted = normalize_label(value)
    if not wanted:
        return None
    by_norm = {normalize_label(c): c for c in choices}
    if wanted in by_norm:
        return by_norm[wanted]
    # Longest first, so that "non atteint" is not read as "atteint".
    for norm in sorted(by_norm, key=len, reverse=True):
        if wanted.startswith(norm) and not wanted[len(norm):len(norm) + 1].isalnum():
            return by_norm[norm]
    return None


def same_choice(value: object, expected: str) -> bool:
    return isinstance(value, str) and normalize_label(value) == normalize_label(expected)


def format_date(day: dt.date | None) -> str:
    """``03/12/2026``; the empty string for ``None``."""
    return "" if day is None else day.strftime("%d/%m/%Y")


def long_date(day: dt.date | None) -> str:
    """``jeudi 3 décembre 2026``, ``jeudi 1er octobre 2026`` (French writes the first of the month as an
    ordinal); the empty string for ``None``."""
    if day is None:
        return ""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{WEEKDAYS[day.weekday()]} {number} {MONTHS[day.month - 1]} {day.year}"


def agreed(count: int, singular: str, plural: str) -> str:
    """The words that agree with ``count``: ``singular`` for 0 and 1 (French puts a count below
    two in the singular: «\u202f0 fichier traité\u202f», «\u202f1,5 jour\u202f»), ``plural`` from 2."""
    return singular if abs(count) < 2 else plural


def of(name: str) -> str:
    """« de » before ``name``, elided before a vowel or a mute h as French writes it: « de Marc
    Petit », « d'Isabelle Moreau », « d'Hélène Blanc », « de Mme Roux »."""
    name = name.strip()
    return f"d'{name}" if fold(name[:1]) in tuple("aeiouyh") else f"de {name}"


def listed(items: list[str]) -> str:
    """Items as French lists them, each in quotes: « Oui » et « Non », « A », « B » et « C »."""
    quoted = [f"«\u202f{item}\u202f»" for item in items]
    return " et ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)


def counted(count: int, singular: str, plural: str) -> str:
    """``count`` followed by the words agreed with it, every word of the phrase given in both forms
    (French plurals are not a matter of an added «\u202fs\u202f»):
    ``counted(n, "compte rendu pré-rempli", "comptes rendus pré-remplis")`` ->
    «\u202f1 compte rendu pré-rempli\u202f», «\u202f12 comptes rendus pré-remplis\u202f». Never «\u202f(s)\u202f»."""
    return f"{count} {agreed(count, singular, plural)}"


def shown_value(value: object) -> str:
    """A read value as a person reads it: a check box is «\u202fcoché\u202f» or «\u202fnon coché\u202f»."""
    if isinstance(value, bool):
        return TICKED if value else NOT_TICKED
    return str(value)


def is_yes(text: str) -> bool:
    """A roster's yes: « oui », « x », « vrai », « 1 »... (case and accents aside)."""
    return normalize_label(text) in {"oui", "o", "x", "vrai", "yes", "y", "1", "true"}


def yes_no(value: bool) -> str:
    return YES if value else NO
