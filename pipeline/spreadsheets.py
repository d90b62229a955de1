"""Spreadsheets HR gives the product (the roster, the training catalogue): their lines
as cells, a cell as text, and the header line found among title lines above it.

A ``.csv`` is read in the encoding it was saved in, whichever program saved it (see
:func:`decode_csv`), whatever its line ends (CR, LF, CRLF). Both callers say what the
file is in their own messages; this module only reads, and tells a character lost
before the file reached us (:func:`lost_character`).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import re
import unicodedata
from pathlib import Path

import pandas as pd

from .text import format_date, normalize_header

log = logging.getLogger("entretiens")

HEADER_SEARCH_LINES = 20  # title lines an HR system may export above the header
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv")
SEPARATORS = ";,\t"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an Excel 97-2003 workbook (.xls)

# A byte order mark says the encoding (Excel's « CSV UTF-8 » writes one, its « Texte Unicode »
# is UTF-16 with one); UTF-32's marks first, the little-endian one beginning as UTF-16's does.
BYTE_ORDER_MARKS = ((codecs.BOM_UTF32_LE, "utf_32"), (codecs.BOM_UTF32_BE, "utf_32"),
                    (codecs.BOM_UTF8, "utf_8_sig"), (codecs.BOM_UTF16_LE, "utf_16"),
                    (codecs.BOM_UTF16_BE, "utf_16"))
# Without a mark, and when the bytes are not UTF-8 (other encodings' accented letters never are):
# what spreadsheet programs save a CSV in, most usual first. Excel for Windows « CSV (séparateur :
# point-virgule) »: Windows-1252 (a Latin-1 file reads the same); Excel for Mac « CSV Macintosh »:
# Mac Roman; « CSV (MS-DOS) »: code page 850; ISO-8859-15 (Latin-9: Latin-1 with « € », « œ »), of
# older exports.
CSV_ENCODINGS = ("cp1252", "mac_roman", "cp850", "iso8859_15")
# Beyond ASCII, what a French roster or catalogue holds: the letters of French (worth more),
# other Latin letters with diacritics (Latin-1 and Latin Extended-A: « ğ », « ł », « ñ ») and
# French typography.
_FRENCH_LETTERS = frozenset("àâäçéèêëîïôöùûüÿœÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒ")
_LATIN_LETTERS = re.compile(r"[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u017f]")
_TYPOGRAPHY = frozenset("«»‘’“”–—…€°\u00a0\u202f")
# A character lost before the file was read: the replacement character, or a « ? » where a letter
# should be (a program saving in an encoding without that letter writes « ? »: « Çağla » -> « Ça?la »).
_LOST_IN_WORD = re.compile(r"\ufffd|(?<=\w)\?(?=\w)|(?<!\w)\?(?=[^\W\d_])")


class UnreadableSpreadsheet(Exception):
    """The file is not a readable ``.xlsx``/``.csv``: ``kind`` is ``"type"`` (another kind
    of file) or ``"damaged"`` (``detail``: what is wrong, for the message)."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(kind, detail)
        self.kind, self.detail = kind, detail


def read_cells(path: Path, wanted: dict[str, list[str]] | None = None) -> list[list[object]]:
    """Every line of the file as a list of cells, blank lines kept (line numbers must match
    what the user sees). ``.csv``: in the encoding :func:`decode_csv` finds (``wanted``, the
    columns the caller expects, helps it), separated by ``;``, ``,`` or tab; a ``.csv`` that is
    in fact an ``.xlsx`` is read as one. Raises ``FileNotFoundError`` or
    :class:`UnreadableSpreadsheet`."""
    suffix = path.suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES:
        raise UnreadableSpreadsheet("type")
    try:
        data = path.read_bytes()
        if suffix != ".csv" or data.startswith(b"PK\x03\x04"):
            frame = pd.read_excel(io.BytesIO(data), dtype=object, engine="openpyxl", header=None)
            return frame.astype(object).where(frame.notna(), None).values.tolist()
        text, encoding = decode_csv(data, wanted)
        log.debug("%s : lu dans le codage %s", path.name, encoding)
        # The separator is the one the header line uses most: title lines above it have none.
        head = re.split(r"\r\n|\r|\n", text, maxsplit=HEADER_SEARCH_LINES)[:HEADER_SEARCH_LINES]
        separator = max(SEPARATORS, key=lambda sep: max((line.count(sep) for line in head), default=0))
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=separator)]
    except (FileNotFoundError, UnreadableSpreadsheet):
        raise
    except Exception as exc:  # pandas raises many kinds for a damaged file
        raise UnreadableSpreadsheet("damaged", exc.__class__.__name__) from None


def decode_csv(data: bytes, wanted: dict[str, list[str]] | None = None) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in (a Python codec name).

    A byte order mark decides (UTF-8, UTF-16 LE or BE, UTF-32); so does the pattern of zero
    bytes of UTF-16 without one; then UTF-8 when the bytes are valid UTF-8. Otherwise each of
    :data:`CSV_ENCODINGS` is tried, ranked by charset-normalizer, and the text kept is the one
    whose header reads the most ``wanted`` column names letter for letter (accents included:
    «\u202fprénom\u202f» read as «\u202fprŽnom\u202f» is a wrong encoding), then the most plausible
    (:func:`_plausibility`), then charset-normalizer's first: a short roster defeats statistics
    alone. UTF-8 with the bytes it cannot read replaced («\u202f\ufffd\u202f») is the last candidate (a
    UTF-8 file with one line pasted from elsewhere). Raises :class:`UnreadableSpreadsheet` for
    bytes that are not text."""
    if data.startswith(OLE_SIGNATURE):
        raise UnreadableSpreadsheet("damaged", "c'est un classeur Excel 97-2003 renommé en .csv")
    for mark, encoding in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return data.decode(encoding, errors="replace"), encoding
    if encoding := _utf16_without_mark(data):
        return data.decode(encoding, errors="replace"), encoding
    data = data.rstrip(b"\x00")  # some exports pad their last block with zero bytes
    if b"\x00" in data:
        raise UnreadableSpreadsheet("damaged", "ce n'est pas un fichier texte")
    try:
        return data.decode("utf_8"), "utf_8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # here: most rosters are UTF-8 or .xlsx

    ranked = [match.encoding for match in from_bytes(data, cp_isolation=list(CSV_ENCODINGS))]
    names = {_letters(name) for names in (wanted or {}).values() for name in names}
    candidates = []
    for rank, encoding in enumerate(dict.fromkeys([*ranked, *CSV_ENCODINGS, "utf_8"])):
        try:
            text = data.decode(encoding, errors="replace" if encoding == "utf_8" else "strict")
        except UnicodeDecodeError:  # Windows-1252 leaves five bytes undefined
            continue
        candidates.append(((_header_score(text, names), _plausibility(text), -rank), text, encoding))
    _, text, encoding = max(candidates, key=lambda candidate: candidate[0])
    return text, encoding


def _utf16_without_mark(data: bytes) -> str | None:
    """``utf_16_le`` or ``utf_16_be`` when every other byte of the beginning is zero (the high
    byte of ASCII characters in UTF-16), else ``None``."""
    sample = data[:4096]
    half = len(sample) // 2
    if half < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= half * 0.4 and even * 10 <= odd:
        return "utf_16_le"
    if even >= half * 0.4 and odd * 10 <= even:
        return "utf_16_be"
    return None


def _letters(text: str) -> str:
    """A column name compared letter for letter: case, spacing and punctuation aside, accents kept."""
    return " ".join(re.sub(r"[\W_]+", " ", unicodedata.normalize("NFC", text).casefold()).split())


def _header_score(text: str, names: set[str]) -> int:
    """How many cells of the best line among the first :data:`HEADER_SEARCH_LINES` are
    column names of ``names``, letter for letter."""
    if not names:
        return 0
    lines = re.split(r"\r\n|\r|\n", text, maxsplit=HEADER_SEARCH_LINES)[:HEADER_SEARCH_LINES]
    return max((sum(_letters(cell) in names for cell in line.split(sep)) for line in lines for sep in SEPARATORS),
               default=0)


def _plausibility(text: str) -> int:
    """How French a decoded text looks, counted on its characters beyond ASCII: two points for
    a letter of French, one for another Latin letter with a diacritic or a French typographic
    sign; one off for anything else (a control character, «\u202f½\u202f», «\u202f╔\u202f», «\u202fƒ\u202f»,
    «\u202f\ufffd\u202f»), for a capital inside a lower-case word («\u202fprÈnom\u202f», «\u202fMÄnard\u202f»:
    a wrong encoding's reading of «\u202fé\u202f»), for a guillemet glued the wrong way to a letter
    («\u202f»ve\u202f» for «\u202fÈve\u202f»); a point less for a lower-case accented letter opening a cell
    (names are capitalised: «\u202féve\u202f»)."""
    score = 0
    for found in re.finditer(r"[^\x00-\x7f]", text):
        char, start, end = found.group(), found.start(), found.end()
        before, after = text[start - 1:start] if start else "", text[end:end + 1]
        if char in _TYPOGRAPHY:
            glued = (char == "»" and after.isalpha()) or (char == "«" and before.isalpha())
            score += -1 if glued else 1
        elif not _LATIN_LETTERS.match(char):
            score -= 1
        elif char.isupper() and before.isalpha() and after.islower():
            score -= 1
        else:
            score += (2 if char in _FRENCH_LETTERS else 1) - (char.islower() and before in ("", *SEPARATORS, "\n", "\r"))
    return score


def lost_character(text: str, *, name: bool = False) -> bool:
    """True when ``text`` holds a character lost before the file was read: «\u202f\ufffd\u202f», or a
    «\u202f?\u202f» inside a word or before its letters («\u202fÇa?la\u202f», «\u202f?lodie\u202f»); in a
    person's ``name`` any «\u202f?\u202f» («\u202fRen?\u202f»), a name never holding one."""
    return bool(_LOST_IN_WORD.search(text)) or (name and "?" in text)


def spreadsheet_text(value: object) -> str:
    """A cell as text: dates as JJ/MM/AAAA, times as HH:MM, a whole number without ``.0``
    (a matricule typed as a number in Excel), spacing collapsed; blank for an empty cell."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return format_date(value.date())
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def match_columns(line: list[object], wanted: dict[str, list[str]]) -> dict[str, int]:
    """Column index of each key of ``wanted`` whose name (or a synonym) ``line`` holds,
    names compared whatever their case, accents and punctuation."""
    positions = {normalize_header(h): i for i, h in reversed(list(enumerate(line))) if spreadsheet_text(h)}
    found = {}
    for key, names in wanted.items():
        for name in names:
            if normalize_header(name) in positions:
                found[key] = positions[normalize_header(name)]
                break
    return found


def find_header(cells: list[list[object]], wanted: dict[str, list[str]]) -> tuple[int, dict[str, int]]:
    """The header line (index among the first :data:`HEADER_SEARCH_LINES`): the one naming
    the most columns of ``wanted``; and the column index of each key found on it."""
    best, found = 0, {}
    for index, line in enumerate(cells[:HEADER_SEARCH_LINES]):
        matched = match_columns(line, wanted)
        if len(matched) > len(found):
            best, found = index, matched
    return best, found
