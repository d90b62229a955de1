"""Spreadsheets HR gives the product (the roster, the training catalogue): their lines
as cells, a cell as text, and the header line found among title lines above it.

Both callers say what the file is in their own messages; this module only reads.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd

from .text import format_date, normalize_header

HEADER_SEARCH_LINES = 20  # title lines an HR system may export above the header
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv")


class UnreadableSpreadsheet(Exception):
    """The file is not a readable ``.xlsx``/``.csv``: ``kind`` is ``"type"`` (another kind
    of file) or ``"damaged"`` (``detail``: the exception's class, for the message)."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(kind, detail)
        self.kind, self.detail = kind, detail


def read_cells(path: Path) -> list[list[object]]:
    """Every line of the file as a list of cells, blank lines kept (line numbers must match
    what the user sees). ``.csv``: UTF-8 (with or without BOM) or Windows-1252, separated
    by ``;``, ``,`` or tab. Raises ``FileNotFoundError`` or :class:`UnreadableSpreadsheet`."""
    suffix = path.suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES:
        raise UnreadableSpreadsheet("type")
    try:
        if suffix != ".csv":
            frame = pd.read_excel(path, dtype=object, engine="openpyxl", header=None)
            return frame.astype(object).where(frame.notna(), None).values.tolist()
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = path.read_text(encoding=encoding)
            except UnicodeDecodeError:
                continue
            lines = text.splitlines()
            # The separator is the one the header line uses most: title lines above it have none.
            head = lines[:HEADER_SEARCH_LINES]
            separator = max(";,\t", key=lambda sep: max((line.count(sep) for line in head), default=0))
            return [list(row) for row in csv.reader(lines, delimiter=separator)]
    except FileNotFoundError:
        raise
    except Exception as exc:  # pandas raises many kinds for a damaged file
        raise UnreadableSpreadsheet("damaged", exc.__class__.__name__) from None
    raise UnreadableSpreadsheet("damaged", "UnicodeDecodeError")  # pragma: no cover - cp1252 decodes nearly all


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
