"""Each kind of place of a form (:data:`pipeline.form.PlaceKind`) read on a :class:`.document.Document`
as a person reads the page: the rest of a line after a label, the lines under it, the cell beside
it, the ticked box among options, the marked column of a grid, a form field, our template's
controls. :class:`Reader` gives a :class:`Read` for a place, ``None`` when the place is not in
the document.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from ..catalogue import Field
from ..form import FieldPlace
from ..layout import Cell, Table
from ..read import Value, _as_bool, clean_text
from ..text import normalize_label
from .document import Document
from .folding import BOX, label_key, pattern, value_text

_MAX_REGION_LINES = 12  # lines after a label searched for its boxes


@dataclass
class Read:
    """What one place gave: its ``value``, a date field's ISO date, or ``unsure``: the marks
    written where one box was to be ticked (several ticked, a mark no one can be sure of)."""

    value: Value
    iso: str | None = None
    unsure: str | None = None


# -- boxes -----------------------------------------------------------------------------------------

_OPTION_PATTERNS: dict[str, re.Pattern] = {}


def option_pattern(text: str) -> re.Pattern:
    """A box followed by the option ``text``, on folded lines."""
    found = _OPTION_PATTERNS.get(text)
    if found is None:
        found = _OPTION_PATTERNS[text] = re.compile(BOX + r"\s*" + pattern(text).pattern + r"(?!\w)")
    return found


def box_state(box: str) -> bool | str:
    """A box as written: ``True`` ticked, ``False`` empty, else the mark itself."""
    if box.startswith(("[", "(")):
        inner = box[1:-1].strip()
        return False if not inner else _as_bool(inner)
    return _as_bool(box)


_FIRST_WORDS: dict[str, str] = {}


def _first_word(text: str) -> str:
    """The first word (or sign) of the option ``text`` as folded: a line without it cannot hold
    the option, and is not searched for it."""
    found = _FIRST_WORDS.get(text)
    if found is None:
        words = re.findall(r"\w+|[^\w\s]", label_key(text))
        found = _FIRST_WORDS[text] = words[0] if words else ""
    return found


def boxes_in(text: str, key: str, options: tuple[tuple[str, str], ...]) -> dict[str, bool | str]:
    """The options whose box is on this line, and each box's state."""
    found: dict[str, bool | str] = {}
    for choice, printed in options:
        if _first_word(printed) not in key:
            continue
        match = option_pattern(printed).search(key)
        if match:
            found[choice] = box_state(text[match.start("box"):match.end("box")])
    return found


def ticked(states: dict[str, bool | str], shown: str) -> Read:
    """One option from the states of the boxes: several ticked or an odd mark is unsure."""
    chosen = [choice for choice, state in states.items() if state is True]
    odd = [state for state in states.values() if isinstance(state, str)]
    if odd or len(chosen) > 1:
        return Read("", unsure=" ".join(shown.split()))
    return Read(chosen[0] if chosen else "")


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


def iso_of(piece) -> str | None:
    """The ISO date a date field stores, when it is answered."""
    value = getattr(piece, "value", None)
    return value if piece.field_kind == "date" and value and not piece.placeholder else None


# -- reading each kind of place ---------------------------------------------------------------------


class Reader:
    """Reads each kind of place of a form on one document."""

    def __init__(self, doc: Document):
        self.doc = doc

    def read(self, place: FieldPlace, f: Field) -> Read | None:
        """The value at ``place`` for field ``f``; ``None`` when the place is not in the document."""
        return getattr(self, f"_{place.kind}")(place, f)

    def _after_label(self, place: FieldPlace, f: Field) -> Read | None:
        doc = self.doc
        hit = doc.pick(place, doc.hits(place.text))
        if hit is None:
            return None
        text = value_text(doc.rest_of_line(hit, place.until))
        line = hit[0]
        if not text and doc.cells[line] is not None:  # « Date : » alone in its cell, the date under it
            text = "\n".join(t for t in (value_text(doc.texts[i]) for i in
                                         doc.following(line, until=place.until, same_cell=True)) if t)
        return self._typed(text, f, line)

    def _below_label(self, place: FieldPlace, f: Field) -> Read | None:
        doc = self.doc
        hits = doc.hits(place.text)
        hit = doc.pick(place, [h for h in hits if doc.line_start(h)]) or doc.pick(place, hits)
        if hit is None:
            return None
        line = hit[0]
        texts = [value_text(doc.rest_of_line(hit, place.until))]
        cell = doc.cells[line]
        below = doc.following(line, until=place.until, same_cell=cell is not None)
        if cell is not None and not below:  # the label alone in its cell: the cell below it
            under = neighbour(doc.tables[line], cell, "below")
            below = list(doc.lines_of(under)) if under is not None else []
        texts += [value_text(doc.texts[i]) for i in below]
        return self._typed("\n".join(t for t in texts if t), f, line)

    def _cell(self, place: FieldPlace, f: Field) -> Read | None:
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
            return self._cell_value(value, f)
        return None

    _label = _cell  # our template's label cell: the value cell to its right

    def _cell_value(self, cell: Cell, f: Field) -> Read:
        doc = self.doc
        lines = doc.lines_of(cell)
        if f.kind == "bool":
            boxes = [p.checked for i in lines for p in doc.lines[i].pieces
                     if p.kind == "field" and p.field_kind == "checkbox"]
            if boxes:
                return Read(any(boxes))
        return self._typed(clean_text(doc.cell_text(cell)), f, lines[0] if lines else None, lines)

    def _boxes(self, place: FieldPlace, f: Field) -> Read | None:
        doc = self.doc
        if place.text:
            hit = doc.pick(place, doc.hits(place.text))
            if hit is None:
                return None
            line, _, end = hit
            rest = doc.rest_of_line(hit, None)  # up to the next label on the line
            region = [(rest, doc.keys[line][end:end + len(rest)])]
            region += [(doc.texts[i], doc.keys[i]) for i in doc.following(line)[:_MAX_REGION_LINES]]
        else:  # the boxes alone (« ☐ Aucun besoin de formation exprimé »)
            candidates = sorted({bisect_right(doc.starts, match.start()) - 1 for _, printed in place.options
                                 for match in pattern(printed).finditer(doc.doc_key)})
            boxed = [(i, 0, 0) for i in candidates if boxes_in(doc.texts[i], doc.keys[i], place.options)]
            first = doc.pick(place, boxed)
            if first is None:
                return None
            region = [(doc.texts[i], doc.keys[i]) for i in range(first[0], min(first[0] + len(place.options),
                                                                                  len(doc.lines)))]
        states: dict[str, bool | str] = {}
        shown: list[str] = []
        for text, key in region:
            found = boxes_in(text, key, place.options)
            if not found:
                if states:
                    break
                continue
            if set(found) & set(states):  # the next question's boxes
                break
            states.update(found)
            shown.append(text)
        if not states and place.text:  # no box left: the option written after the label
            written = value_text(region[0][0])
            choice = next((c for c, printed in place.options if written and normalize_label(written) ==
                           normalize_label(printed)), None)
            return self._choice(Read(choice or written), f, place)
        return self._choice(ticked(states, " ".join(shown)), f, place)

    def _choice(self, read: Read, f: Field, place: FieldPlace) -> Read:
        if f.kind == "bool" and read.unsure is None:
            choice = read.value
            read.value = bool(choice) and (len(place.options) == 1 or _as_bool(str(choice)) is not False)
        return read

    def _grid(self, place: FieldPlace, f: Field) -> Read | None:
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
            states, shown = {}, []
            for choice, column in columns.items():
                cell = own_cell(table, row, column)
                text = doc.cell_text(cell) if cell is not None else ""
                state = _as_bool(text) if text.strip() else False
                if state is not False:
                    states[choice] = state
                    shown.append(f"{dict(place.options)[choice]} : {text.strip()}")
            return self._choice(ticked(states, " ; ".join(shown)), f, place)
        return None

    def _form_field(self, place: FieldPlace, f: Field) -> Read | None:
        """The ``occurrence``-th form field of that name (case and outer spaces aside) in the
        place's section."""
        doc = self.doc
        asked = ("form_field",)
        if asked not in doc.found:  # the fields by their name as compared, once for the document
            by_name: dict[str, list[tuple[int, object]]] = {}
            for i, piece in doc.fields():
                by_name.setdefault((piece.name or "").strip().casefold(), []).append((i, piece))
            doc.found[asked] = by_name
        scope = doc.scope(place.section)
        if scope is None:
            return None
        fields = [piece for i, piece in doc.found[asked].get(place.text.strip().casefold(), ())
                  if scope[0] <= i < scope[1]]
        return self._piece(fields[place.occurrence - 1], f) if len(fields) >= place.occurrence else None

    def _tag(self, place: FieldPlace, f: Field) -> Read | None:
        return self._control(f, doc_fields=self.doc.fields_named(place.text))

    def _alias(self, place: FieldPlace, f: Field) -> Read | None:
        return self._control(f, doc_fields=self.doc.fields_titled(place.match))

    def _control(self, f: Field, *, doc_fields: list) -> Read | None:
        """A content control (our template), the first of ``doc_fields``: the whole value cell
        holding it, else its own value."""
        if not doc_fields:
            return None
        i, piece = doc_fields[0]
        cell = self.doc.cells[i]
        if cell is not None:
            read = self._cell_value(cell, f)
            read.iso = read.iso or iso_of(piece)
            return read
        return self._piece(piece, f)

    def _piece(self, piece, f: Field) -> Read:
        if piece.field_kind == "checkbox":
            return Read(bool(piece.checked) if f.kind == "bool" else ("oui" if piece.checked else ""))
        text = "" if piece.placeholder else clean_text(piece.text)
        read = self._typed(text, f, None)
        read.iso = iso_of(piece)
        return read

    def _typed(self, text: str, f: Field, line: int | None, lines: Iterable[int] = ()) -> Read:
        """``text`` as a field of ``f``'s kind; a date field's stored date, if its line has one."""
        iso = None
        if f.kind == "date":
            for i in ([line] if line is not None else []) + list(lines):
                iso = iso or next((iso_of(p) for p in self.doc.lines[i].pieces if p.kind == "field" and iso_of(p)),
                                  None)
        if f.kind == "bool":
            state = _as_bool(text)
            return Read(False, unsure=state) if isinstance(state, str) else Read(state)
        return Read(text, iso=iso)
