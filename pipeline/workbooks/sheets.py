"""What both workbooks share: columns, cell values and the XlsxWriter writer.

- :class:`SheetColumn` (a DataFrame column, its French header, its kind:
  :data:`TEXT`, :data:`DATE` or :data:`NUMBER`) and :func:`field_columns`, the
  columns of catalogue fields headed by their labels;
- :func:`cell_text`, user text made safe for a cell;
- :class:`Book`, an XlsxWriter workbook that writes user text as text, never
  as a formula or a link: sheets, Excel tables (with a total row), column
  widths, dates as real Excel dates, the stacked-bar chart.

The columns themselves are declared by each workbook's module
(``training_plan.need_columns``, ``tracking.tracking_columns``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.exceptions import OverlappingRange
from xlsxwriter.utility import xl_range, xl_rowcol_to_cell

from ..catalogue import Catalogue
from ..text import yes_no

TEXT, DATE, NUMBER = "text", "date", "number"

# Column ids and words the summaries of both workbooks use.
AGENTS, TOTAL = "agents", "total"
NOT_FILLED = "(non renseigné)"  # a blank value, as a summary shows it

MAX_CELL = 32_767  # Excel's limit on the text of one cell
MAX_WIDTH, MIN_WIDTH = 60, 8
EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()  # day 0 of Excel's 1900 date system
EXCEL_LEAP_BUG = dt.date(1900, 3, 1)  # before it, Excel counts a 29 February 1900

# Characters XML 1.0 (hence Excel, openpyxl) refuses, and DEL.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def cell_text(value: object) -> str:
    """User text made safe for a cell: control characters removed, Excel's length cap."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    text = str(value)
    if not text.isprintable():  # fast path: most text has no control character at all
        text = _CONTROL.sub("", text)
    if len(text) > MAX_CELL:  # said in the cell: a reader must know the rest is in the report
        marker = f" […] (texte coupé : {len(text)} caractères, la limite d'une cellule est {MAX_CELL})"
        text = text[:MAX_CELL - len(marker)] + marker
    return text


@dataclass(frozen=True)
class SheetColumn:
    id: str  # column of the DataFrame
    header: str  # French, as the sheet shows it
    kind: str = TEXT  # TEXT | DATE | NUMBER


def field_columns(catalogue: Catalogue, keys: Iterable[str], kind: str = TEXT) -> list[SheetColumn]:
    """The columns of catalogue fields, headed by their labels; a field the
    catalogue has removed (config ``catalogue.retirer``) has none."""
    present = {f.key: f for f in catalogue.fields}
    return [SheetColumn(key, present[key].label, kind) for key in keys if key in present]


# Printing: a sheet up to this many characters wide is shrunk to the page's width (still
# readable); a wider one prints at PRINT_SCALE % on pages across.
PRINT_WIDTH, PRINT_SCALE = 260, 60


def _header_text(text: str) -> str:
    """Text for a print header: ``&`` doubled (it starts a code there)."""
    return text.replace("&", "&&")


class _NoCellRecord(dict):
    """Stands in for XlsxWriter's record of the cells its tables cover (``Worksheet.table_cells``:
    one entry per cell of every table, about 100 bytes each, some 40 MB for the tracking of
    10,000 agents, and as many for the training plan). It keeps nothing: :class:`Book` checks
    that its tables do not overlap, range by range (:meth:`Book._check_overlap`)."""

    def __setitem__(self, key, value) -> None:
        pass


class Book:
    """An XlsxWriter workbook that writes user text as text, never as a formula or a link."""

    def __init__(self, path: Path, title: str):
        self.book = xlsxwriter.Workbook(str(path), {
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
        self.book.set_properties({"title": title, "comments": "Produit par entretiens"})
        self.title = title
        self.date = self.book.add_format({"num_format": "dd/mm/yyyy"})
        self.header = self.book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.bold = self.book.add_format({"bold": True, "font_size": 12})
        self.sheet_names: set[str] = set()
        self._tables: dict[str, list[tuple[int, int, int, int]]] = {}  # sheet -> its tables' ranges

    def sheet(self, name: str):
        name = re.sub(r"[\[\]:*?/\\]", " ", name)[:31].strip(" '")
        while name.casefold() in self.sheet_names:
            name = f"{name[:28]} {len(self.sheet_names)}"
        self.sheet_names.add(name.casefold())
        sheet = self.book.add_worksheet(name)
        sheet.table_cells = _NoCellRecord()  # the tables' ranges are checked by _check_overlap
        sheet.ignore_errors({"number_stored_as_text": "A1:XFD1048576"})
        # Printed as HR prints it: A4 landscape, as wide as the page, the title and the sheet's
        # name above, page numbers below (&-codes are Excel's, read by Calc too).
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.6)
        sheet.set_header(f"&L&9{_header_text(self.title)}&R&9{_header_text(name)}")
        sheet.set_footer("&C&9Page &P sur &N")
        return sheet

    def table(self, sheet, frame: pd.DataFrame, columns: list[SheetColumn], *, name: str,
              top: int = 0, left: int = 0, totals: dict[str, float | None] | None = None) -> int:
        """Write ``frame`` as an Excel table (filters, styled header) with its header
        at (``top``, ``left``); with ``totals``, a total row (sums, and the
        campaign's count of distinct agents; a column whose total is ``None``, such as
        a cost per person, is left blank there). Return the first row after it."""
        last = top + max(len(frame), 1) + (1 if totals is not None else 0)
        specs, sums = [], []
        for index, column in enumerate(columns):
            spec = {"header": column.header, "header_format": self.header}
            if totals is not None and index == 0:
                spec["total_string"] = "Total"
            elif totals is not None and column.kind == NUMBER and column.id not in totals:
                sums.append((left + index, float(frame[column.id].sum())))
            specs.append(spec)
        plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        self._check_overlap(sheet, (top, left, last, left + len(columns) - 1))
        sheet.add_table(top, left, last, left + len(columns) - 1, {
            "name": "Tableau_" + re.sub(r"[^A-Za-z0-9]+", "_", plain).strip("_"),
            "style": "Table Style Medium 2", "columns": specs})
        sheet.repeat_rows(top)  # the header row on every printed page
        header_lines, total_width = 1, 0.0
        for index, column in enumerate(columns, left):
            values = frame[column.id].tolist()
            self._column(sheet, top + 1, index, values, column.kind)
            width = _width(column, values)
            total_width += width
            sheet.set_column(index, index, width)
            header_lines = max(header_lines, -(-len(column.header) // int(width - 1)))
            if totals is not None and totals.get(column.id) is not None:
                sheet.write_number(last, index, totals[column.id])
        for col, value in sums:
            # A plain range, not XlsxWriter's « SUBTOTAL(109,[Column]) »: LibreOffice Calc reads a
            # structured reference without its table's name as Err:508. 109 skips filtered rows.
            cells = f"{xl_rowcol_to_cell(top + 1, col)}:{xl_rowcol_to_cell(last - 1, col)}"
            sheet.write_formula(last, col, f"=SUBTOTAL(109,{cells})", None, value)
        sheet.set_row(top, 15 * header_lines + 3)
        if total_width <= PRINT_WIDTH:
            sheet.fit_to_pages(1, 0)  # as wide as the page, as many pages down as needed
        else:  # too wide to read once shrunk to a page: pages across, the agent's columns on each
            sheet.set_print_scale(PRINT_SCALE)
            sheet.repeat_columns(left, left + min(2, len(columns) - 1))
        return last + 1

    def _check_overlap(self, sheet, cells: tuple[int, int, int, int]) -> None:
        """Raise XlsxWriter's ``OverlappingRange`` when a table would cover another one of the
        sheet (Excel refuses such a file), as ``add_table`` does cell by cell."""
        top, left, bottom, right = cells
        tables = self._tables.setdefault(sheet.name, [])
        for other in tables:
            if top <= other[2] and other[0] <= bottom and left <= other[3] and other[1] <= right:
                raise OverlappingRange(f"Table range '{xl_range(*cells)}' overlaps previous "
                                       f"table range '{xl_range(*other)}'.")
        tables.append(cells)

    def _column(self, sheet, first: int, col: int, values: list, kind: str) -> None:
        if kind == DATE:
            # A date is Excel's day number with a date format: what write_datetime
            # stores, computed here in one subtraction instead of a conversion per cell.
            write, style = sheet.write_number, self.date
            for row, value in enumerate(values, first):
                if isinstance(value, dt.date) and value >= EXCEL_LEAP_BUG:
                    write(row, col, value.toordinal() - EXCEL_EPOCH, style)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(row, col, value, style)
        elif kind == NUMBER:
            write = sheet.write_number
            for row, value in enumerate(values, first):
                if value is not None and value == value:  # None and NaN stay blank
                    write(row, col, value)
        else:
            write = sheet.write_string
            for row, value in enumerate(values, first):
                if value.__class__ is str and value:
                    write(row, col, value)

    def stacked_bar(self, sheet, data: pd.DataFrame, columns: list[SheetColumn], title: str, *,
                    at: tuple[int, int]) -> None:
        """A stacked-bar chart of the table ``data`` written at the top left of ``sheet``:
        one bar per row (its first column), one series per column between the first and the last."""
        if data.empty:
            return
        name = sheet.name
        chart = self.book.add_chart({"type": "bar", "subtype": "stacked"})
        for index, column in enumerate(columns[1:-1], 1):
            chart.add_series({"name": [name, 0, index], "categories": [name, 1, 0, len(data), 0],
                              "values": [name, 1, index, len(data), index], "gap": 60})
        chart.set_title({"name": title, "name_font": {"size": 12}})
        chart.set_x_axis({"name": "Demandes", "major_gridlines": {"visible": True}})
        chart.set_y_axis({"reverse": True, "interval_unit": 1})  # every title, the first on top
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 820, "height": 160 + 32 * len(data)})  # every title shown in Calc too
        sheet.insert_chart(*at, chart)

    def close(self) -> None:
        self.book.close()


def _width(column: SheetColumn, values: list) -> float:
    if column.kind == DATE:  # a long header (a deadline's label) wraps on a few lines
        return max(12, min(len(column.header), 24) + 2)
    if column.kind == NUMBER:
        return max(MIN_WIDTH + 2, min(len(column.header), 18))
    longest = max((len(v) for v in values if v.__class__ is str), default=0)
    return max(MIN_WIDTH, min(MAX_WIDTH, max(longest, min(len(column.header), 24)) + 2))
