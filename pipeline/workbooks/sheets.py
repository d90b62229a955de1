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
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.exceptions import OverlappingRange
from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_range, xl_range_abs, xl_rowcol_to_cell
from xlsxwriter.worksheet import CellNumberTuple, CellStringTuple, Worksheet

from ..catalogue import Catalogue
from ..text import yes_no

TEXT, DATE, NUMBER = "text", "date", "number"

# Column ids and words the summaries of both workbooks use.
AGENTS, TOTAL = "agents", "total"
NOT_FILLED = "(non renseigné)"  # a blank value, as a summary shows it

MAX_CELL = 32_767  # Excel's limit on the text of one cell
MAX_WIDTH, MIN_WIDTH = 60, 8
WHO_WIDTH = 28  # printed, a name, a first name or a service wraps beyond it
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
    # Text: the widest the column gets (characters; None: MAX_WIDTH); printed, a longer text wraps
    # on several lines. A column whose values should each print on one line (the situation) says more.
    wrap_at: int | None = None


def field_columns(catalogue: Catalogue, keys: Iterable[str], kind: str = TEXT,
                  wrap_at: int | None = None) -> list[SheetColumn]:
    """The columns of catalogue fields, headed by their labels; a field the
    catalogue has removed (config ``catalogue.retirer``) has none."""
    present = {f.key: f for f in catalogue.fields}
    return [SheetColumn(key, present[key].label, kind, wrap_at) for key in keys if key in present]


# Printing (A4 landscape): a list prints as wide as the page, shrunk to fit; one wider than
# PRINT_WIDTH characters (too small to read once shrunk) prints at PRINT_SCALE % on pages across,
# its first columns (who) repeated on each. A print area (Book.table's ``printed``) always prints
# as wide as the page: its columns were chosen to fit. Page strips (Book.print_strips) are up to
# STRIP_WIDTH characters wide, as a print area is. Widths are counted in characters: each client
# turns them into points with its own font (Excel's Calibri; Calc's Carlito, or a wider one such as
# DejaVu Sans where Carlito is not installed: the same page then prints smaller).
PRINT_WIDTH, PRINT_SCALE = 260, 60
STRIP_WIDTH, STRIP_COLUMN = 200, 24
# A summary prints on one page when that shrinks it to SUMMARY_SCALE % at most (as Excel measures it:
# Calibri 11, a character 7 pixels, rows of 15 points, on the A4 landscape page's PAGE points, or
# those turned upright).
SUMMARY_SCALE = 50
PAGE = (841.9 - 72, 595.3 - 97.2)


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


class FastCells(Worksheet):
    """XlsxWriter's worksheet, its innermost loops shortened, for the workbooks' lists of 100,000
    rows (each loop below ran once per cell in Python, through generic code):

    - :meth:`text_column` and :meth:`number_column` store a column of cells at once: the sheet's
      bounds checked at its first and last row, one cell record per distinct value and format
      (the services, states and titles of a list repeat);
    - a text or number cell is written as one string, ``<c r="B7" s="3" t="s"><v>12</v></c>``
      (its format, else its row's, else its column's), the very bytes
      :meth:`Worksheet._write_cell` writes through its attribute list, a row's cells joined
      before they are written;
    - the rows' ``spans`` (the first and last column of each block of 16 rows) taken from each
      row's cells rather than by trying every column of the sheet.

    The file is the same, byte for byte, as XlsxWriter's own writer makes (tested). Any other cell
    (a formula, a blank, a date written as a datetime) goes through XlsxWriter's own code."""

    def text_column(self, first: int, col: int, values: list, style=None) -> None:
        """Write each non-empty ``str`` of ``values`` as a text cell, row ``first`` onwards, as
        :meth:`Worksheet.write_string` does (``style``: an XlsxWriter format, or None)."""
        rows = [(row, value) for row, value in enumerate(values, first) if value.__class__ is str and value]
        if not self._bulk(rows, col):
            for row, value in rows:
                self.write_string(row, col, value, style)
            return
        index, table, long = self.str_table._get_shared_string_index, self.table, self.xls_strmax // 2
        cells: dict[str, CellStringTuple] = {}
        for row, value in rows:
            cell = cells.get(value)
            if cell is None:
                if len(value) > long:  # may pass Excel's limit: XlsxWriter cuts it
                    self._write_string(row, col, value, style)
                    continue
                cell = cells[value] = CellStringTuple(index(value), style)
            else:
                self.str_table.count += 1  # XlsxWriter counts each use of a shared string
            table[row][col] = cell

    def number_column(self, first: int, col: int, values: list, style=None) -> None:
        """Write each number of ``values`` (None and NaN left blank) as a number cell, row
        ``first`` onwards, as :meth:`Worksheet.write_number` does."""
        rows = [(row, value) for row, value in enumerate(values, first) if value is not None and value == value]
        if not self._bulk(rows, col) or any(math.isinf(value) or value.__class__ is Fraction for _, value in rows):
            for row, value in rows:
                self.write_number(row, col, value, style)
            return
        table = self.table
        for row, value in rows:
            table[row][col] = CellNumberTuple(value, style)

    def _bulk(self, rows: list, col: int) -> bool:
        """Whether ``rows`` (row, value), in increasing row order, can be stored at once: the
        sheet keeps all its rows in memory and both ends are within the sheet (its bounds are
        then stretched to them, as one cell at a time would)."""
        if not rows or self.constant_memory:
            return False
        if rows[-1][0] >= self.xls_rowmax or rows[0][0] < 0:
            return False
        return not (self._check_dimensions(rows[0][0], col) or self._check_dimensions(rows[-1][0], col))

    def _calculate_spans(self) -> None:
        spans: dict[int, str] = {}
        blocks: dict[int, tuple[int, int]] = {}
        for source in (self.table, self.comments):
            for row, cells in source.items():
                if not cells or not self.dim_rowmin <= row <= self.dim_rowmax:
                    continue
                low, high = min(cells), max(cells)
                block = blocks.get(row // 16)
                blocks[row // 16] = (low, high) if block is None else (min(block[0], low), max(block[1], high))
        for block, (low, high) in blocks.items():
            spans[block] = f"{low + 1}:{high + 1}"
        self.row_spans = spans

    def _write_rows(self) -> None:
        self._calculate_spans()
        table, row_info, comments, spans = self.table, self.row_info, self.comments, self.row_spans
        write, letters, styles = self.fh.write, {}, {}

        def attribute(style) -> str:  # a format as the cell's attribute, its index looked up once
            found = styles.get(id(style))
            if found is None:
                found = styles[id(style)] = f' s="{style._get_xf_index()}"'
            return found

        # A cell without its own format takes its row's, else its column's (as _write_cell does).
        column_styles = {col: attribute(info.column_format) for col, info in self.col_info.items()
                         if info.column_format is not None}
        for row in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells, info = table.get(row), row_info.get(row)
            if not cells:
                if info is not None or row in comments:
                    self._write_empty_row(row, spans.get(row // 16), info)
                continue
            self._write_row(row, spans.get(row // 16), info)
            row_style = attribute(info.row_format) if info is not None and info.row_format else None
            number, parts = str(row + 1), []
            for col in sorted(cells):
                cell = cells[col]
                kind = cell.__class__
                if kind is not CellStringTuple and kind is not CellNumberTuple:
                    if parts:
                        write("".join(parts))
                        parts = []
                    self._write_cell(row, col, cell)
                    continue
                letter = letters.get(col)
                if letter is None:
                    letter = letters[col] = xl_col_to_name(col)
                style = cell.format
                if style is not None:
                    style = attribute(style)
                else:
                    style = row_style or column_styles.get(col, "")
                if kind is CellStringTuple:
                    parts.append(f'<c r="{letter}{number}"{style} t="s"><v>{cell.string}</v></c>')
                else:
                    parts.append(f'<c r="{letter}{number}"{style}><v>{cell.number:.16G}</v></c>')
            parts.append("</row>")
            write("".join(parts))


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
        self.bold_wrap = self.book.add_format({"bold": True, "font_size": 12, "text_wrap": True, "valign": "top"})
        # The cells of printed columns: at the top of their row (a row another cell wraps on two
        # lines reads from its top), a long text wrapped.
        self.top = self.book.add_format({"valign": "top"})
        self.wrap = self.book.add_format({"valign": "top", "text_wrap": True})
        self.date_top = self.book.add_format({"num_format": "dd/mm/yyyy", "valign": "top", "align": "center"})
        self.number_top = self.book.add_format({"valign": "top", "align": "center"})
        self.sheet_names: set[str] = set()
        self._tables: dict[str, list[tuple[int, int, int, int]]] = {}  # sheet -> its tables' ranges
        self._widths: dict[str, dict[int, float]] = {}  # sheet -> column -> its width
        self._heights: dict[str, dict[int, float]] = {}  # sheet -> row -> its height, when set
        self._headers: dict[str, dict[int, tuple[int, str]]] = {}  # sheet -> column -> (row, header)

    def sheet(self, name: str):
        name = re.sub(r"[\[\]:*?/\\]", " ", name)[:31].strip(" '")
        while name.casefold() in self.sheet_names:
            name = f"{name[:28]} {len(self.sheet_names)}"
        self.sheet_names.add(name.casefold())
        sheet = self.book.add_worksheet(name, worksheet_class=FastCells)
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
              top: int = 0, left: int = 0, totals: dict[str, float | None] | None = None,
              printed: tuple[int, int] | None = None) -> int:
        """Write ``frame`` as an Excel table (filters, styled header) with its header
        at (``top``, ``left``); with ``totals``, a total row (sums, and the
        campaign's count of distinct agents; a column whose total is ``None``, such as
        a cost per person, is left blank there). Return the first row after it.

        Printed as a list: the header row (at the top of the sheet) on every page, as wide as the
        page (:data:`PRINT_WIDTH`).
        ``printed``: the first and last of ``columns`` (indexes) that print, when not all of them:
        the others stay on screen, out of the print area. Printed columns are as wide as what they
        hold (their header wraps on a few lines; a text longer than the column's ``wrap_at`` wraps),
        so that the page holds as many of them as it can, still readable."""
        last = top + max(len(frame), 1) + (1 if totals is not None else 0)
        first_printed, last_printed = printed or (0, len(columns) - 1)
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
        widths = self._widths.setdefault(sheet.name, {})
        lines: dict[int, int] = {top: 1}  # row -> the lines its wrapped cells take
        styles = {}
        for index, column in enumerate(columns):
            values = frame[column.id].tolist()
            col = left + index
            if first_printed <= index <= last_printed:
                width, wraps = _fitted_width(column, values)
                style = {DATE: self.date_top, NUMBER: self.number_top}.get(
                    column.kind, self.wrap if wraps else self.top)
                if wraps:  # spreadsheets do not fit a row's height to its wrapped text: it is set here
                    counted: dict[str, int] = {}  # a text -> its lines (titles, reasons repeat)
                    for row, value in enumerate(values, top + 1):
                        if value.__class__ is str and value:
                            count = counted.get(value)
                            if count is None:
                                count = counted[value] = _text_lines(value, width - 1)
                            if count > 1:
                                lines[row] = max(lines.get(row, 1), count)
            else:  # on screen only
                width, style = _width(column, values), None
            width = max(width, widths.get(col, 0))  # a column another table of the sheet shares
            self._column(sheet, top + 1, col, values, column.kind, style)
            sheet.set_column(col, col, width)
            widths[col], styles[col] = width, style
            self._headers.setdefault(sheet.name, {})[col] = (top, column.header)
            lines[top] = max(lines[top], _lines(column.header, (width - 1) / BOLD))  # the filter button below
            if totals is not None and totals.get(column.id) is not None:
                sheet.write_number(last, col, totals[column.id], style)
        for col, value in sums:
            # A plain range, not XlsxWriter's « SUBTOTAL(109,[Column]) »: LibreOffice Calc reads a
            # structured reference without its table's name as Err:508. 109 skips filtered rows.
            cells = f"{xl_rowcol_to_cell(top + 1, col)}:{xl_rowcol_to_cell(last - 1, col)}"
            sheet.write_formula(last, col, f"=SUBTOTAL(109,{cells})", styles[col], value)
        heights = self._heights.setdefault(sheet.name, {})
        for row, count in lines.items():
            height = 15 * count + (3 if row == top else 0)
            if row == top or count > 1:
                heights[row] = max(heights.get(row, 0), height)  # a row another table of the sheet shares
                sheet.set_row(row, heights[row])
        if top == 0:  # a list: its header row on every printed page (not a table lower on a summary)
            sheet.repeat_rows(top)
        first_col, last_col = left + first_printed, left + last_printed
        if printed is not None:
            sheet.print_area(top, first_col, last, last_col)
        if printed is not None or self.printed_width(sheet, first_col, last_col) <= PRINT_WIDTH:
            sheet.fit_to_pages(1, 0)  # as wide as the page, as many pages down as needed
        else:  # too wide to read once shrunk to a page: pages across, the agent's columns on each
            sheet.set_print_scale(PRINT_SCALE)
            sheet.repeat_columns(first_col, min(first_col + 2, last_col))
        return last + 1

    def printed_width(self, sheet, first: int, last: int) -> float:
        """The characters columns ``first`` to ``last`` of ``sheet`` are wide, together."""
        widths = self._widths.get(sheet.name, {})
        return sum(widths.get(col, 8.43) for col in range(first, last + 1))

    def print_on_one_page(self, sheet, *, chart: tuple[int, int] = (0, 0)) -> None:
        """A summary: the whole sheet (its tables and a ``chart`` of that many pixels, width and
        height, below them) on one page, when it stays readable once shrunk to it (SUMMARY_SCALE %
        or more, in Excel's measures): on the page turned landscape, or upright when a tall sheet
        (the equal-treatment figures, a table per criterion) prints larger so; a longer one (those
        of a campaign with many evaluators and services) prints as wide as the landscape page, on
        the pages it needs."""
        tables = self._tables.get(sheet.name, [])
        bottom, right = max((t[2] for t in tables), default=0), max((t[3] for t in tables), default=0)
        heights, widths = self._heights.get(sheet.name, {}), self._widths.get(sheet.name, {})
        tall = sum(heights.get(row, 15) for row in range(bottom + 1)) + 0.75 * chart[1]
        wide = max(sum(0.75 * (7 * widths.get(col, 8.43) + 5) for col in range(right + 1)), 0.75 * chart[0])
        across, upright = (min(w / wide, h / tall) * 100 for w, h in (PAGE, PAGE[::-1]))
        if max(across, upright) < SUMMARY_SCALE:
            sheet.fit_to_pages(1, 0)
            return
        if upright > across:
            sheet.set_portrait()
        sheet.fit_to_pages(1, 1)

    def print_strips(self, sheet, *, rows: tuple[int, int], repeat: tuple[int, int],
                     groups: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Print ``sheet``'s ``rows`` (first, last) on strips, each as wide as the page: the
        columns ``repeat`` (first, last: who) on every page, then as many of ``groups`` (first and
        last column of what reads together, such as a deadline's limit and state) as fit in
        :data:`STRIP_WIDTH` characters, never a group cut across two strips. Each strip is a print
        range of its own (Excel and Calc print each on its own pages, shrunk to the page's width,
        which their own page breaks would not do). Return the strips' first and last columns."""
        who = self.printed_width(sheet, *repeat)
        strips: list[list[tuple[int, int]]] = [[]]
        for group in groups:
            wide = who + sum(self.printed_width(sheet, *g) for g in [*strips[-1], group])
            if strips[-1] and wide > STRIP_WIDTH:
                strips.append([])
            strips[-1].append(group)
        # The room a strip has left goes to its columns (up to STRIP_COLUMN characters each): their
        # headers (a deadline's whole label) then take fewer lines.
        widths, headers = self._widths[sheet.name], self._headers[sheet.name]
        for strip in strips:
            columns = [col for first, last in strip for col in range(first, last + 1)]
            spare = (STRIP_WIDTH - who - sum(widths[col] for col in columns)) / len(columns)
            for col in columns:
                widths[col] = max(widths[col], min(STRIP_COLUMN, math.floor(widths[col] + spare)))
                sheet.set_column(col, col, widths[col])
        for row in {row for row, _ in headers.values()}:
            lines = max(_lines(header, (widths[col] - 1) / BOLD) for col, (at, header) in headers.items() if at == row)
            sheet.set_row(row, 15 * lines + 3)
        ranges = [(repeat[0] if i == 0 else strip[0][0], strip[-1][1]) for i, strip in enumerate(strips)]
        name = quote_sheetname(sheet.name)
        self.book.define_name(f"{name}!_xlnm.Print_Area", ",".join(
            f"{name}!{xl_range_abs(rows[0], first, rows[1], last)}" for first, last in ranges))
        sheet.repeat_columns(*repeat)
        sheet.fit_to_pages(1, 0)
        return ranges

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

    def _column(self, sheet, first: int, col: int, values: list, kind: str, style=None) -> None:
        if kind == DATE:
            # A date is Excel's day number with a date format: what write_datetime
            # stores, computed here in one subtraction instead of a conversion per cell.
            style = style or self.date
            sheet.number_column(first, col, [
                value.toordinal() - EXCEL_EPOCH if isinstance(value, dt.date) and value >= EXCEL_LEAP_BUG else None
                for value in values], style)
            for row, value in enumerate(values, first):
                if isinstance(value, dt.date) and value < EXCEL_LEAP_BUG:
                    sheet.write_datetime(row, col, value, style)
        elif kind == NUMBER:
            sheet.number_column(first, col, values, style)
        else:
            sheet.text_column(first, col, values, style)

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
        width, height = bar_chart_size(len(data))
        chart.set_size({"width": width, "height": height})  # every title shown in Calc too
        sheet.insert_chart(*at, chart)

    def close(self) -> None:
        self.book.close()


def bar_chart_size(bars: int) -> tuple[int, int]:
    """The size of :meth:`Book.stacked_bar`'s chart of ``bars`` bars, in pixels (width, height)."""
    return 820, 160 + 32 * bars


# How wide a text prints, in Excel's unit of width (a digit's): a few letters are narrower or wider
# than a digit. Weights measured on Calibri (Excel's) and DejaVu Sans (Calc's where Carlito is not
# installed), rounded up so that a column sized by them holds its text in either.
_NARROW = "iljtfrI.,;:'’-()[]!|/ "  # half a digit, or so
_WIDE = "mwMW"  # one and a half
_UPPER = "ABCDEFGHJKLNOPQRSTUVXYZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÆŒ"  # a sixth more
_DROP = {name: str.maketrans("", "", chars) for name, chars in (("narrow", _NARROW), ("wide", _WIDE),
                                                               ("upper", _UPPER))}
BOLD = 1.1  # a header's text is bold


def text_width(text: str) -> float:
    """How wide ``text`` prints on one line, in Excel's unit of width (see :data:`_NARROW`)."""
    size = len(text)
    narrow, wide, upper = (size - len(text.translate(_DROP[k])) for k in ("narrow", "wide", "upper"))
    return size - 0.45 * narrow + 0.45 * wide + 0.17 * upper


def _fitted_width(column: SheetColumn, values: list) -> tuple[float, bool]:
    """A printed column's width: as wide as its longest value (a text up to its ``wrap_at``, else
    :data:`MAX_WIDTH`), or as its header's longest word and the filter button beside it (the header
    wraps on a few lines); and whether its text wraps (wider than that, or on several lines)."""
    word = max((BOLD * text_width(w) for w in column.header.split()), default=0) + 2
    if column.kind == DATE:
        return math.ceil(max(11, word)), False
    if column.kind == NUMBER:
        longest = max((len(f"{v:g}") for v in values if v is not None and v == v), default=0)
        return math.ceil(max(longest + 2, word)), False
    texts = {v for v in values if v.__class__ is str and v}
    longest = max((text_width(line) for v in texts for line in v.splitlines()), default=0) + 1
    cap = column.wrap_at or MAX_WIDTH
    wraps = longest > cap or any("\n" in v for v in texts)
    return math.ceil(max(MIN_WIDTH, min(cap, max(longest, word)))), wraps


def _text_lines(text: str, width: float) -> int:
    """The lines a cell's ``text`` takes wrapped in ``width`` (Excel's unit), its own line breaks kept."""
    return sum(_lines(line, width) for line in text.splitlines()) or 1


def _lines(text: str, width: float) -> int:
    """The lines ``text`` takes wrapped in ``width`` (Excel's unit), as a spreadsheet wraps it: at
    spaces, a word longer than a line cut."""
    lines, used, space = 1, 0.0, text_width(" ")
    for word in text.split():
        size = text_width(word)
        if used and used + space + size > width:
            lines, used = lines + 1, 0.0
        if size > width:
            cut = math.ceil(size / width)
            lines, used = lines + cut - 1, size - (cut - 1) * width
        else:
            used += size + (space if used else 0)
    return lines


def _width(column: SheetColumn, values: list) -> float:
    if column.kind == DATE:  # a long header (a deadline's label) wraps on a few lines
        return max(12, min(len(column.header), 24) + 2)
    if column.kind == NUMBER:
        return max(MIN_WIDTH + 2, min(len(column.header), 18))
    longest = max((len(v) for v in values if v.__class__ is str), default=0)
    return max(MIN_WIDTH, min(MAX_WIDTH, max(longest, min(len(column.header), 24)) + 2))
