"""Text as the reader compares it: folded one character for one (case, accents, quotes and odd
spaces do not matter, and a match's positions hold in the line as written), labels as keys and
patterns, and what tells a label from the words of a sentence.

Nothing here knows a layout: :mod:`.document` folds a whole document with :func:`folded` and
looks labels up with :func:`label_key` and :func:`pattern`.
"""

from __future__ import annotations

import re
import unicodedata

from ..read import clean_text
from ..text import INVISIBLE


def _fold_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code in range(0xA0, 0x250):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)).lower()
        if len(base) == 1 and len(char.lower()) == 1 and base != char.lower():
            table[char.lower()] = base
    table.update(dict.fromkeys("\u2018\u2019\u201a\u201b\u02bc\u2032", "'"))
    table.update(dict.fromkeys("\u2010\u2011", "-"))  # a hyphen, a non-breaking one (an .odt keeps it as is)
    table.update(dict.fromkeys("\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000",
                               " "))
    table["\n"] = "\x0b"  # a break inside a paragraph: not a line of the document
    return table


_FOLD = _fold_table()
# French text: these few, replaced one by one (C speed); any other by one pass of a pattern.
_COMMON = [(c, _FOLD[c]) for c in "éèêëàâäîïôöùûüçÿ\u2019\u00a0\u202f\n"]
_RARE = re.compile("[" + re.escape("".join(c for c in _FOLD if c not in dict(_COMMON))) + "]")


def folded(text: str) -> str:
    """``text`` lower case, without accents, quotes and spaces made plain, one character for one."""
    key = text.lower()
    if len(key) != len(text):  # a letter whose lower case is longer (« İ »): one by one
        key = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    if key.isascii():
        return key.replace("\n", "\x0b") if "\n" in key else key
    for old, new in _COMMON:
        if old in key:
            key = key.replace(old, new)
    if not key.isascii():
        key = _RARE.sub(lambda m: _FOLD[m.group()], key)
    return key


LEADERS = re.compile(r"(?:[.…·_] ?){3,}|_{2,}|…{2,}")
NUMBERING = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2})*)\.?\s+(?=\S)")
# A part's numbering in Roman numerals (« VI. », « IV – », « II) »), a title of rank 1 before capitals.
ROMAN_NUMBERING = re.compile(r"^\s*[IVX]{1,6}(?:\s*[.)–-]\s*|\s+[–-]\s+)(?=\S)")
# Nothing, or a numbering (« 3.1 »), a bullet or a box, before a label at the start of its line.
NUMBER_ONLY = re.compile(r"\s*(?:\d{1,2}(?:\.\d{1,2})*\.?|[-•–—*]|\[[^\]]{0,3}\]|\([^)]?\)"
                         r"|[\u2190-\u2bff\ue000-\uf8ff\U0001f300-\U0001faff]|x)?\s*")
# A list item's mark before its text: « 1. », « 2) », « a) », « 3° », a dash, a bullet (then a space,
# leaders or nothing: « 1.5 jours » is no item's mark).
ITEM_MARK = re.compile(r"^\s*(?:\d{1,2}\s*[.)°]|[a-z]\s*\)|[-–—•▪►◦*])(?=[\s.…_]|$)\s*")
STRIP = " :*.…_\t\x0b"  # what a label's end is stripped of
# A box: « [ ] », « [X] », « ( ) », a symbol (☐ ☒ ✓ ■ ●, Wingdings in the private-use area), an « x »
# typed in its place, or the letter « O » a form typed on a keyboard draws a round box with (« O Oui
# O Non »); on folded text (« X » is « x »).
BOX = (r"(?P<box>\[[^\]\n\x0b]{0,3}\]|\([^)\n\x0b]?\)|[\u2190-\u2bff\ue000-\uf8ff\U0001f300-\U0001faff]"
       r"|(?<![\w'])[xo](?=\s))")
LETTER_BOX = frozenset("Oo")  # the letter « O » as an empty box, before an option
BOX_CHAR = re.compile(r"[\u2190-\u2bff\ue000-\uf8ff\U0001f300-\U0001faff\[]")
INVISIBLE_CHARS = re.compile("[" + INVISIBLE + "]")

_KEYS: dict[str, str] = {}


def label_key(text: str) -> str:
    """A label as lines are compared: folded, spacing collapsed, trailing colon, asterisk and
    leaders stripped."""
    key = _KEYS.get(text)
    if key is None:
        if len(_KEYS) > 4096:
            _KEYS.clear()
        key = _KEYS[text] = whole(folded(unicodedata.normalize("NFC", drop(text))))
    return key


def whole(key: str) -> str:
    """A folded text as a whole label: spacing collapsed, leaders and colons stripped at its ends."""
    return " ".join(key.split()).rstrip(STRIP).lstrip(" :")


def drop(text: str) -> str:
    """``text`` without the characters that show nothing (:data:`pipeline.text.INVISIBLE`)."""
    return text if text.isascii() else INVISIBLE_CHARS.sub("", text)


def _pattern(text: str) -> re.Pattern:
    """The label ``text`` as a pattern on folded lines: any spacing between its words, none or
    some around its punctuation."""
    tokens = re.findall(r"\w+|[^\w\s]", label_key(text))
    parts = []
    for i, token in enumerate(tokens):
        if i:
            parts.append(r"\s+" if token[0].isalnum() and tokens[i - 1][-1].isalnum() else r"\s*")
        parts.append(re.escape(token))
    return re.compile("".join(parts))


_PATTERNS: dict[str, re.Pattern] = {}


def pattern(text: str) -> re.Pattern:
    """The label ``text`` as a pattern on folded lines (:func:`_pattern`), made once."""
    found = _PATTERNS.get(text)
    if found is None:
        found = _PATTERNS[text] = _pattern(text)
    return found


def field_start(text: str, key: str, start: int, capital: bool) -> bool:
    """Whether a label found at ``start`` begins a field: at the start of its line (after a
    numbering), after a tab, a gap, leaders, a colon, a box or a dash; else only when it is
    capitalised as printed (« Prénom », not the « prénom » of « Nom et prénom »)."""
    head = key[:start]
    before = head.rstrip(" ")
    if before.endswith("\t") or NUMBER_ONLY.fullmatch(head):
        return True
    if len(head) - len(before) >= 2:  # a gap of spaces
        return True
    last = before[-1]
    if last in ".…_:;|)]—–-\x0b" or BOX_CHAR.match(last):
        return True
    return capital and text[start:start + 1].isupper()


def ends_label(key: str, end: int) -> bool:
    """Whether a label ending at ``end`` is followed by a colon, a tab, leaders, a box, a question
    mark or the end of its line: a label, not the start of a longer text."""
    rest = key[end:].lstrip(" ")
    return (not rest or rest[0] in ":\t\x0b.…_[?" or bool(BOX_CHAR.match(rest[0]))
            or rest[0] == "x" and rest[1:2] == " "
            # « … le 20/10/2026 »: a label ending with « le » or « du » is followed by its date
            or rest[0].isdigit() and key[max(0, end - 3):end] in (" le", " du", "le", "du") and _DATE_START.match(rest))


_DATE_START = re.compile(r"\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}|\d{1,2}(?:er)?\s+[a-zéû]{3,}")
DATE_WORDS = frozenset({"le", "du"})  # a date's label after a signature (« … le 20/10/2026 »)


def dated(key: str, end: int) -> bool:
    """Whether a date follows ``end`` on the folded line ``key``."""
    return bool(_DATE_START.match(key[end:].lstrip(" ")))


def past_instruction(key: str, end: int) -> int:
    """After a label, past an instruction printed in brackets (« (cocher le cas échéant) »)."""
    rest = key[end:]
    stripped = rest.lstrip(" ")
    if stripped.startswith("("):
        close = stripped.find(")")
        if close > 0 and "(" not in stripped[1:close]:
            return end + len(rest) - len(stripped) + close + 1
    return end


# Latin-1 letters, and upper-case ones, as Python tells them: what a title in capitals is counted on.
_NOT_LETTER = bytes(c for c in range(256) if not chr(c).isalpha())
_NOT_UPPER = bytes(c for c in range(256) if not (chr(c).isalpha() and chr(c).isupper()))


def capitals(text: str) -> bool:
    """Whether ``text`` is written in capitals: four letters or more, four in five upper case."""
    try:
        data = text.encode("latin-1")  # French text mostly is: counted at C speed
    except UnicodeEncodeError:
        letters = [c for c in text if c.isalpha()]
        return len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)
    letters = len(data.translate(None, _NOT_LETTER))
    return letters >= 4 and len(data.translate(None, _NOT_UPPER)) >= 0.8 * letters


def value_text(text: str) -> str:
    """What was typed after a label: its colon, leaders and tabs gone; a date's blank
    (« ____/____/______ », « le ../../.... ») left as printed is nothing typed, a date typed into it
    (« _14_/_10_/_2026_ ») the date."""
    if "_" in text:
        text = _UNDERSCORES_BY_DIGITS.sub("", text)
    if "/" in text:
        text = _BLANK_AFTER_DATE.sub("", DATE_BLANK.sub(" ", text))
    text = LEADERS.sub(" ", text.replace("\t", " "))
    text = clean_text(text.strip(" :\u00a0\u202f"))
    return "" if _SEPARATORS_ONLY.fullmatch(text) else text


# A date's blank as forms print it (« ____/____/______ », « ../../.... »), with the word before it
# that is the form's (« le … »).
DATE_BLANK_RUNS = r"(?:[_.…]{2,}\s*/\s*){2}[_.…]{2,}"
DATE_BLANK = re.compile(r"(?:\b(?:le|du|au)\s+)?" + DATE_BLANK_RUNS)
_BLANK_AFTER_DATE = re.compile(r"(?<=\d)(?:\s*/\s*[_.…]{2,})+")  # the rest of the blank after a date typed
_UNDERSCORES_BY_DIGITS = re.compile(r"_+(?=\d)|(?<=\d)_+")
_SEPARATORS_ONLY = re.compile(r"[\s/.]*")  # what is left of a blank whose leaders are gone
