"""Each kind of place of a form (:data:`pipeline.form.PlaceKind`) read on a :class:`.document.Document`
as a person reads the page, where :class:`.finding.Finder` finds it: the rest of a line after a
label, the lines under it, the cell beside it, the ticked box among options, the marked column of
a grid, a form field, our template's controls. :class:`Reader` gives a :class:`Read` for a place,
``None`` when the place is not in the document.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..catalogue import Field
from ..form import FieldPlace
from ..layout import Cell
from ..read import Value, _as_bool, clean_text, readable_marks
from ..text import normalize_label
from .document import Document
from .finding import FieldAt, Finder, box_spans
from .folding import LETTER_BOX, value_text


@dataclass
class Read:
    """What one place gave: its ``value``, a date field's ISO date, or ``unsure``: the marks
    written where one box was to be ticked (several ticked, a mark no one can be sure of), and
    ``several``: the options ticked when there are two or more (as printed)."""

    value: Value
    iso: str | None = None
    unsure: str | None = None
    several: list[str] | None = None


# -- boxes -----------------------------------------------------------------------------------------


def box_state(box: str) -> bool | str:
    """A box as written: ``True`` ticked, ``False`` empty, else the mark itself."""
    if box.startswith(("[", "(")):
        inner = box[1:-1].strip()
        return False if not inner else _as_bool(inner)
    return _as_bool(box)


def option_state(box: str) -> bool | str:
    """An option's box as written: the letter « O » before it is its box, empty (a grid's cell holding
    an « O » is a mark no one can be sure of: :func:`box_state`)."""
    return False if box in LETTER_BOX else box_state(box)


def boxes_in(text: str, key: str, options: tuple[tuple[str, str], ...]) -> dict[str, bool | str]:
    """The options whose box is on this line, and each box's state."""
    return {choice: option_state(text[start:end]) for choice, (start, end) in box_spans(key, options).items()}


def ticked(states: dict[str, bool | str], shown: str, printed: dict[str, str] | None = None) -> Read:
    """One option from the states of the boxes: several ticked or an odd mark is unsure (``printed``:
    each choice as the form prints it, to name the options ticked)."""
    chosen = [choice for choice, state in states.items() if state is True]
    odd = [state for state in states.values() if isinstance(state, str)]
    if odd or len(chosen) > 1:
        several = [(printed or {}).get(choice, choice) for choice in chosen] if not odd else None
        return Read("", unsure=readable_marks(shown), several=several)
    return Read(chosen[0] if chosen else "")


def iso_of(piece) -> str | None:
    """The ISO date a date field stores, when it is answered."""
    value = getattr(piece, "value", None)
    return value if piece.field_kind == "date" and value and not piece.placeholder else None


# -- reading each kind of place ---------------------------------------------------------------------


class Reader:
    """Reads each kind of place of a form on one document, where :class:`.finding.Finder` finds it."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.finder = Finder(doc)

    def read(self, place: FieldPlace, f: Field) -> Read | None:
        """The value at ``place`` for field ``f``; ``None`` when the place is not in the document."""
        return getattr(self, f"_{place.kind}")(place, f)

    def _after_label(self, place: FieldPlace, f: Field) -> Read | None:
        doc = self.doc
        rest = self.finder.after_label(place)
        if rest is None:
            return None
        text = value_text(rest.text(doc))
        line = rest.line
        if not text and doc.cells[line] is not None:  # « Date : » alone in its cell, the date under it
            text = "\n".join(t for t in (value_text(doc.texts[i]) for i in
                                         doc.following(line, until=place.until, same_cell=True)) if t)
        return self._typed(text, f, line)

    def _below_label(self, place: FieldPlace, f: Field) -> Read | None:
        doc = self.doc
        below = self.finder.below_label(place)
        if below is None:
            return None
        lines = below.lines or (doc.lines_of(below.under) if below.under is not None else ())
        texts = [value_text(below.rest.text(doc))] + [value_text(doc.texts[i]) for i in lines]
        return self._typed("\n".join(t for t in texts if t), f, below.rest.line)

    def _cell(self, place: FieldPlace, f: Field) -> Read | None:
        cell = self.finder.cell(place)
        return self._cell_value(cell, f) if cell is not None else None

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
        found = self.finder.boxes(place)
        if found is None:
            return None
        if not found.boxes and found.rest is not None:  # no box left: the option written after the label
            written = value_text(found.rest.text(doc))
            choice = next((c for c, printed in place.options if written and normalize_label(written) ==
                           normalize_label(printed)), None)
            return self._choice(Read(choice or written), f, place)
        states = {choice: option_state(box.text(doc)) for choice, box in found.boxes.items()}
        return self._choice(ticked(states, " ".join(stretch.text(doc) for stretch in found.shown), dict(place.options)),
                            f, place)

    def _choice(self, read: Read, f: Field, place: FieldPlace) -> Read:
        if f.kind == "bool" and read.unsure is None:
            choice = read.value
            read.value = bool(choice) and (len(place.options) == 1 or _as_bool(str(choice)) is not False)
        return read

    def _grid(self, place: FieldPlace, f: Field) -> Read | None:
        found = self.finder.grid(place)
        if found is None:
            return None
        states, shown = {}, []
        for choice, cell in found.cells.items():
            text = self.doc.cell_text(cell) if cell is not None else ""
            state = box_state(text.strip()) if text.strip() else False  # « X », « ☒ », « [X] », « [ ] »
            if state is not False:
                states[choice] = state
                shown.append(f"{dict(place.options)[choice]} : {text.strip()}")
        return self._choice(ticked(states, " ; ".join(shown), dict(place.options)), f, place)

    def _form_field(self, place: FieldPlace, f: Field) -> Read | None:
        found = self.finder.form_field(place)
        return self._piece(found[1], f) if found is not None else None

    def _tag(self, place: FieldPlace, f: Field) -> Read | None:
        return self._control(self.finder.tag(place), f)

    def _alias(self, place: FieldPlace, f: Field) -> Read | None:
        return self._control(self.finder.alias(place), f)

    def _control(self, found: FieldAt | None, f: Field) -> Read | None:
        """A content control (our template): the whole value cell holding it, else its own value."""
        if found is None:
            return None
        i, piece = found
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
