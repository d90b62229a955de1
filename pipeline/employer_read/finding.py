"""Where each kind of place of a form (:data:`pipeline.form.PlaceKind`) is on a
:class:`.document.Document`, found as a person finds it on the page: the room after a label on
its line, the lines under it, the cell beside it, the boxes of its options, a grid's row, a form
field, a table's rows under its header.

:class:`Finder` gives each place as a small typed result (``None`` when the place is not in the
document): the reader reads a value there (:mod:`.places`, :mod:`.tables`), the template writer
(:mod:`pipeline.employer_template`) writes one there, so that what is written is where it is read.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import NamedTuple

from ..form import FieldPlace, TablePlace
from ..layout import Cell, Piece, Table
from .document import Document
from .folding import BOX, label_key, pattern

MAX_REGION_LINES = 12  # lines after a label searched for its boxes

FieldAt = tuple[int, Piece]  # a form field and its line


class Stretch(NamedTuple):
    """Characters ``start`` to ``end`` of line ``line``'s text as the reader has it
    (:attr:`.document.Document.texts`: invisible characters dropped)."""

    line: int
    start: int
    end: int

    def text(self, doc: Document) -> str:
        return doc.texts[self.line][self.start:self.end]


@dataclass
class Below:
    """A ``below_label`` place: the ``rest`` of the label's line, the ``lines`` under it (within
    its cell for a label in a table), and, for a label alone in its cell, the cell ``under`` it."""

    rest: Stretch
    lines: list[int]
    under: Cell | None = None


@dataclass
class Boxes:
    """A ``boxes`` place: the box of each option found (choice -> its characters), the stretches
    of lines holding them, and the ``rest`` of the question's line (``None`` for boxes without a
    question). No box found after a question: ``boxes`` is empty."""

    boxes: dict[str, Stretch]
    shown: list[Stretch]
    rest: Stretch | None


@dataclass
class GridRow:
    """A ``grid`` place: the cell of each option's column in the criterion's row, in the order of
    the columns (``None``: no cell of that row starts there)."""

    cells: dict[str, Cell | None]


@dataclass
class TableRows:
    """A table field's place: the grid ``columns`` of its column keys and the ``rows`` under its
    header row (the header repeated and titles across the table left out)."""

    table: Table
    columns: dict[str, int]
    rows: list[int]

    def cell(self, row: int, key: str) -> Cell | None:
        """The cell of column ``key`` that starts on ``row``."""
        return own_cell(self.table, row, self.columns[key])


@dataclass
class ListRows:
    """A table written as a list (:attr:`pipeline.form.TablePlace.list_label`): the ``rest`` of its
    label's line (a first row typed after the label) and the ``lines`` under it, one row each."""

    rest: Stretch
    lines: list[int]


# -- boxes -----------------------------------------------------------------------------------------

_OPTION_PATTERNS: dict[str, re.Pattern] = {}


def option_pattern(text: str) -> re.Pattern:
    """A box followed by the option ``text``, on folded lines."""
    found = _OPTION_PATTERNS.get(text)
    if found is None:
        found = _OPTION_PATTERNS[text] = re.compile(BOX + r"\s*" + pattern(text).pattern + r"(?!\w)")
    return found


_FIRST_WORDS: dict[str, str] = {}


def _first_word(text: str) -> str:
    """The first word (or sign) of the option ``text`` as folded: a line without it cannot hold
    the option, and is not searched for it."""
    found = _FIRST_WORDS.get(text)
    if found is None:
        words = re.findall(r"\w+|[^\w\s]", label_key(text))
        found = _FIRST_WORDS[text] = words[0] if words else ""
    return found


def box_spans(key: str, options: tuple[tuple[str, str], ...]) -> dict[str, tuple[int, int]]:
    """The options whose box is on ``key`` (a folded line, or a stretch of one), and where each
    box is on it."""
    found: dict[str, tuple[int, int]] = {}
    for choice, printed in options:
        if _first_word(printed) not in key:
            continue
        match = option_pattern(printed).search(key)
        if match:
            found[choice] = match.span("box")
    return found


# -- cells -----------------------------------------------------------------------------------------


def own_cell(table: Table, row: int, column: int) -> Cell | None:
    """The cell at (``row``, ``column``) that starts on that row (a cell merged from above is
    the row above's)."""
    cell = table.cell_at(row, column)
    return cell if cell is not None and cell.row == row else None


def neighbour(table: Table, cell: Cell, direction: str) -> Cell | None:
    """The cell below ``cell`` or to its right."""
    if direction == "below":
        return own_cell(table, cell.row + cell.row_span, cell.column)
    return own_cell(table, cell.row, cell.column + cell.column_span)


def column_header(doc: Document, table: Table, label: Cell, header: str) -> Cell | None:
    """The nearest cell above ``label``'s row reading ``header``, in its table."""
    asked = ("column", id(table), header)
    if asked not in doc.found:  # the cells reading it, once for the table
        wanted = label_key(header)
        doc.found[asked] = [cell for r, cells in enumerate(table.rows) for cell in cells
                            if cell.row == r and doc.reads(cell, wanted)]
    return next((cell for cell in reversed(doc.found[asked]) if cell.row < label.row), None)


def grid_columns(doc: Document, table: Table, row: int, options) -> dict[str, int] | None:
    """Each option's grid column, from the nearest row above ``row`` that heads them all."""
    asked = ("grid", id(table), options)
    if asked not in doc.found:  # the rows heading every option, once for the table
        wanted = {label_key(printed): choice for choice, printed in options}
        headers = []
        for r, cells in enumerate(table.rows):
            columns = {wanted[key]: cell.column for cell in cells if (key := doc.cell_key(cell)) in wanted}
            if len(columns) == len(wanted):
                headers.append((r, columns))
        doc.found[asked] = headers
    return next((columns for r, columns in reversed(doc.found[asked]) if r < row), None)


# -- finding each kind of place ---------------------------------------------------------------------


class Finder:
    """Finds each kind of place of a form on one document."""

    def __init__(self, doc: Document):
        self.doc = doc

    def after_label(self, place: FieldPlace) -> Stretch | None:
        """The rest of the label's line, up to ``until`` or the next label of the form on it."""
        doc = self.doc
        hit = doc.pick(place, doc.hits(place.text))
        if hit is None:
            return None
        line, _, end = hit
        return Stretch(line, end, end + len(doc.rest_of_line(hit, place.until)))

    def below_label(self, place: FieldPlace) -> Below | None:
        """The label (one that starts its line, else any) and what is under it."""
        doc = self.doc
        hits = doc.hits(place.text)
        hit = doc.pick(place, [h for h in hits if doc.line_start(h)]) or doc.pick(place, hits)
        if hit is None:
            return None
        line, _, end = hit
        cell = doc.cells[line]
        lines = doc.following(line, until=place.until, same_cell=cell is not None)
        under = neighbour(doc.tables[line], cell, "below") if cell is not None and not lines else None
        if cell is None:
            box = self.box_after(lines[-1] if lines else line)
            if box is not None:  # a framed box to write in: what is printed between is the form's
                lines, under = [], box
        return Below(Stretch(line, end, end + len(doc.rest_of_line(hit, place.until))), lines, under)

    def box_after(self, line: int) -> Cell | None:
        """The box (a table of one cell, outside any other) that starts right after ``line``."""
        doc = self.doc
        after = line + 1
        if after >= len(doc.lines):
            return None
        cell, table = doc.cells[after], doc.tables[after]
        if cell is None or doc.lines_of(cell).start != after or len(table.rows) != 1 or len(table.rows[0]) != 1:
            return None
        return cell if doc.tables[line] is None else None

    def cell(self, place: FieldPlace) -> Cell | None:
        """The value cell of the label's cell: beside it in ``direction``, or in ``column``'s."""
        doc = self.doc
        for line in doc.in_scope(place, doc.cell_hits(place.text))[place.occurrence - 1:]:
            table, label = doc.tables[line], doc.cells[line]
            if place.column:
                header = column_header(doc, table, label, place.column)
                if header is None:
                    continue
                value = own_cell(table, label.row, header.column)
            else:
                value = neighbour(table, label, place.direction)
            if value is None or value is label:
                continue
            return value
        return None

    label = cell  # our template's label cell: the value cell to its right

    def boxes(self, place: FieldPlace) -> Boxes | None:
        """The options' boxes: after the question on its line and the lines under it, up to a
        line without a box once some are found or one with an option already found (the next
        question's); without a question, the first lines holding the options' boxes."""
        doc = self.doc
        if place.text:
            hit = doc.pick(place, doc.hits(place.text))
            if hit is None:
                return None
            line, _, end = hit
            rest = Stretch(line, end, end + len(doc.rest_of_line(hit, None)))  # up to the next label on the line
            region = [rest] + [Stretch(i, 0, len(doc.texts[i])) for i in doc.following(line)[:MAX_REGION_LINES]]
        else:  # the boxes alone (« ☐ Aucun besoin de formation exprimé »)
            candidates = sorted({bisect_right(doc.starts, match.start()) - 1 for _, printed in place.options
                                 for match in pattern(printed).finditer(doc.doc_key)})
            boxed = [(i, 0, 0) for i in candidates if box_spans(doc.keys[i], place.options)]
            first = doc.pick(place, boxed)
            if first is None:
                return None
            rest = None
            region = [Stretch(i, 0, len(doc.texts[i]))
                      for i in range(first[0], min(first[0] + len(place.options), len(doc.lines)))]
        boxes: dict[str, Stretch] = {}
        shown: list[Stretch] = []
        for stretch in region:
            line, start = stretch.line, stretch.start
            here = box_spans(doc.keys[line][start:stretch.end], place.options)
            if not here:
                if boxes:
                    break
                continue
            if set(here) & set(boxes):  # the next question's boxes
                break
            boxes.update({choice: Stretch(line, start + a, start + b) for choice, (a, b) in here.items()})
            shown.append(stretch)
        return Boxes(boxes, shown, rest)

    def grid(self, place: FieldPlace) -> GridRow | None:
        """The criterion's row (its sub-row ``row`` when it spans several) under the options'
        column headers."""
        doc = self.doc
        for line in doc.in_scope(place, doc.cell_hits(place.text))[place.occurrence - 1:]:
            table, criterion = doc.tables[line], doc.cells[line]
            row = criterion.row
            if place.row:
                wanted = label_key(place.row)
                row = next((r for r in range(criterion.row, criterion.row + criterion.row_span)
                            for cell in table.rows[r] if cell is not criterion and doc.reads(cell, wanted)), None)
                if row is None:
                    continue
            columns = grid_columns(doc, table, criterion.row, place.options)
            if columns is None:
                continue
            return GridRow({choice: own_cell(table, row, column) for choice, column in columns.items()})
        return None

    def form_field(self, place: FieldPlace) -> FieldAt | None:
        """The ``occurrence``-th form field of that name (case and outer spaces aside) in the
        place's section; a field without a name (an ODF input field) by its description."""
        doc = self.doc
        asked = ("form_field",)
        if asked not in doc.found:  # the fields by their name as compared, once for the document
            by_name: dict[str, list[FieldAt]] = {}
            for i, piece in doc.fields():
                by_name.setdefault((piece.name or piece.alias or "").strip().casefold(), []).append((i, piece))
            doc.found[asked] = by_name
        scope = doc.scope(place.section)
        if scope is None:
            return None
        fields = [(i, piece) for i, piece in doc.found[asked].get(place.text.strip().casefold(), ())
                  if scope[0] <= i < scope[1]]
        if len(fields) >= place.occurrence:
            return fields[place.occurrence - 1]
        if place.label:  # its name lost (LibreOffice renames a Word form field it saves): the field after its label
            hit = doc.pick(place, doc.hits(place.label))
            if hit is not None:
                at = 0
                for piece in doc.lines[hit[0]].pieces:
                    if piece.kind == "field" and at >= hit[1]:
                        return hit[0], piece
                    at += len(piece.shown)
        return None

    def tag(self, place: FieldPlace) -> FieldAt | None:
        """The first content control of that tag (our template)."""
        fields = self.doc.fields_named(place.text)
        return fields[0] if fields else None

    def alias(self, place: FieldPlace) -> FieldAt | None:
        """The first content control of that title (our template)."""
        fields = self.doc.fields_titled(place.match)
        return fields[0] if fields else None

    def list_rows(self, place: TablePlace) -> ListRows | None:
        """The lines under a list's label (one that starts its line, else any, in its section): up
        to the next label or title, within its cell for a label in a table (the cell under it for a
        label alone in its cell)."""
        doc = self.doc
        scope = doc.scope(place.section)
        if scope is None or place.list_label is None:
            return None
        hits = [h for h in doc.hits(place.list_label) if scope[0] <= h[0] < scope[1]]
        hit = next((h for h in hits if doc.line_start(h)), hits[0] if hits else None)
        if hit is None:
            return None
        line, _, end = hit
        cell = doc.cells[line]
        lines = doc.following(line, same_cell=cell is not None)
        if cell is not None and not lines:
            under = neighbour(doc.tables[line], cell, "below")
            lines = list(doc.lines_of(under)) if under is not None else []
        return ListRows(Stretch(line, end, end + len(doc.rest_of_line(hit, None))), lines)

    def table(self, place: TablePlace) -> TableRows | None:
        """The rows under the first header row holding ``place``'s labels (in its section)."""
        doc = self.doc
        keys = list(place.headers)
        wanted = [label_key(label) for label in place.headers.values()]
        for line in doc.in_scope(place, doc.cell_hits(next(iter(place.headers.values())))):
            table, row = doc.tables[line], doc.cells[line].row
            columns: dict[str, int] = {}
            for cell in table.rows[row]:
                for key, label in zip(keys, wanted):
                    if key not in columns and doc.reads(cell, label):
                        columns[key] = cell.column
                        break
            if len(columns) < len(keys):
                continue
            header = [doc.cell_key(c) for c in table.rows[row]]
            rows = []
            for r in range(row + 1, len(table.rows)):
                own = [c for c in table.rows[r] if c.row == r]
                if len(own) == len(header) and [doc.cell_key(c) for c in own] == header:
                    continue  # the header repeated (a page break, a copy-paste)
                if len(own) == 1 and own[0].column_span >= table.grid_columns > 1 and len(keys) > 1:
                    continue  # a title across the table
                rows.append(r)
            return TableRows(table, columns, rows)
        return None
