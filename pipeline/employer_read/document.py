"""A layout indexed once for the reader: its lines in reading order, their text and its folded
copy, where each label of the form is written, sections, titles and what follows a label.

:class:`Document` is what every kind of place is found in (:mod:`.finding`), for the reader
(:mod:`.places`, :mod:`.tables`) and the template writer (:mod:`pipeline.employer_template`)
alike, and what the recognition of a copy (:mod:`.report`) looks things up in.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate

from ..form import FieldPlace, Form, TablePlace
from ..layout import Cell, Layout, Line, Piece, Table
from ..text import normalize_label
from .folding import (DATE_WORDS, INVISIBLE_CHARS, NUMBER_ONLY, NUMBERING, ROMAN_NUMBERING, STRIP, capitals, dated,
                      ends_label, field_start, folded, label_key, past_instruction, pattern, whole)

Hit = tuple[int, int, int]  # line index, start and end of the match in the line
_NO_LINES = (0, 0)


class Document:
    """A layout's lines in reading order (nested tables included), with their cell and table,
    their text as written (invisible characters dropped) and folded; labels found on demand."""

    def __init__(self, layout: Layout, form: Form):
        self.layout, self.form = layout, form
        self.lines: list[Line] = []
        self.cells: list[Cell | None] = []
        self.tables: list[Table | None] = []
        self.texts: list[str] = []
        self._cell_range: dict[int, tuple[int, int]] = {}  # a cell's lines, nested tables' included
        self._cell_keys: dict[int, str] = {}
        self._multiline: dict[str, list[int]] | None = None
        self._firsts: dict[int, int] | None = None  # a cell's first line that is its own and not blank
        self.found: dict[tuple, object] = {}  # what one place found that another asks again (headers)
        self._walk(layout.blocks, None, None)
        texts = self.texts = [line.text for line in self.lines]
        for i, text in enumerate(texts):
            if not text.isascii():  # invisible characters dropped, composed as labels are
                if INVISIBLE_CHARS.search(text):
                    text = texts[i] = INVISIBLE_CHARS.sub("", text)
                if not unicodedata.is_normalized("NFC", text):
                    texts[i] = unicodedata.normalize("NFC", text)
        self.doc_key = folded("\x00".join(self.texts)).replace("\x00", "\n")
        self.keys = self.doc_key.split("\n")
        # Each line as a label (folding.whole, written out: a call a line costs as much again).
        self.wholes = [" ".join(key.split()).rstrip(STRIP).lstrip(" :") for key in self.keys]
        self.starts = [0, *accumulate(len(key) + 1 for key in self.keys)][:-1]  # each line's offset in doc_key
        self._exact: dict[str, list[int]] | None = None
        self._latin: bytes | None = None  # doc_key, a character outside Latin-1 as « ? »
        self._hits: dict[str, list[Hit]] = {}
        self._by_line: dict[int, list[int]] | None = None
        self._scopes: dict[str, tuple[int, int] | None] = {}
        self._titles: dict[int, int | None] | None = None
        self._title_lines: list[int] = []
        self._label_starts: set[int] | None = None
        self._first_labels: dict[int, int] | None = None  # each line's first label of the form (not a date's)
        self._fields: list[tuple[int, Piece]] | None = None
        self._by_name: dict[str, list[tuple[int, Piece]]] | None = None
        self.labels = labels_of(form)
        self._inline_labels = self.labels.inline

    def _walk(self, blocks, cell: Cell | None, table: Table | None) -> None:
        lines, cells, tables, ranges = self.lines, self.cells, self.tables, self._cell_range
        for block in blocks:
            if block.__class__ is Line or isinstance(block, Line):
                lines.append(block)
                cells.append(cell)
                tables.append(table)
                continue
            for row in block.rows:
                for inner in row:
                    first = len(lines)
                    for own in inner.blocks:  # a cell's lines here, a nested table's by the walk
                        if own.__class__ is Line or isinstance(own, Line):
                            lines.append(own)
                            cells.append(inner)
                            tables.append(block)
                        else:
                            self._walk((own,), inner, block)
                    ranges[id(inner)] = (first, len(lines))

    # -- lookups ---------------------------------------------------------------------------------

    @property
    def exact(self) -> dict[str, list[int]]:
        """Lines by their whole text as a label (and again without a leading « 3.1 »)."""
        if self._exact is None:
            self._exact = {}
            for i, key in enumerate(self.wholes):
                if not key:
                    continue
                self._exact.setdefault(key, []).append(i)
                if key[0].isdecimal():  # a numbering (« 3.1 ») starts with a digit
                    bare = NUMBERING.sub("", key)
                    if bare != key:
                        self._exact.setdefault(bare, []).append(i)
        return self._exact

    def hits(self, text: str) -> list[Hit]:
        """Where ``text`` is written as a label: at the start of a field (the line's start, after a
        tab, a gap, leaders, a box, a dash, or capitalised as printed) and followed by a colon, a
        tab, leaders, a box or the end of its line."""
        found = self._hits.get(text)
        if found is not None:
            return found
        found = []
        literal = label_key(text)
        if literal:
            capital = text.lstrip()[:1].isupper()
            doc, starts, texts, keys = self.doc_key, self.starts, self.texts, self.keys
            # As printed (C speed); as retyped, with other spacing, only when it is nowhere as printed.
            spans, size = [], len(literal)
            try:  # looked for in the document's one-byte copy: several times as fast
                wanted, unsure = literal.encode("latin-1"), "?" in literal
            except UnicodeEncodeError:
                at = doc.find(literal)
                while at >= 0:
                    spans.append((at, at + size))
                    at = doc.find(literal, at + 1)
            else:
                search = self._latin
                if search is None:
                    search = self._latin = doc.encode("latin-1", "replace")  # one byte a character
                at = search.find(wanted)
                while at >= 0:
                    if not unsure or doc.startswith(literal, at):  # « ? » stands for any other character
                        spans.append((at, at + size))
                    at = search.find(wanted, at + 1)
            if not spans:
                spans = [match.span() for match in pattern(text).finditer(doc)]
            date_word = literal in DATE_WORDS
            for begin, finish in spans:
                line = bisect_right(starts, begin) - 1
                start, end = begin - starts[line], finish - starts[line]
                key = keys[line]
                if end > len(key):
                    continue
                if not field_start(texts[line], key, start, capital) and not (
                        # « N. Girard le 20/10/2026 »: the date's « le » typed one space after the name,
                        # on a line a label of the form starts (a signature's), never in a sentence
                        date_word and key[start - 1:start] == " " and dated(key, end)
                        and self._labelled_before(line, start)):
                    continue
                end = past_instruction(key, end)
                if ends_label(key, end):
                    found.append((line, start, end))
        self._hits[text] = found
        return found

    def _labelled_before(self, line: int, start: int) -> bool:
        """Whether a label of the form (not a date's « le ») is on ``line`` before ``start``."""
        if self._first_labels is None:
            self._first_labels = {}
            for text in self._inline_labels:
                if label_key(text) not in DATE_WORDS:
                    for hit in self.hits(text):
                        self._first_labels[hit[0]] = min(hit[1], self._first_labels.get(hit[0], hit[1]))
        return self._first_labels.get(line, start) < start

    def line_start(self, hit: Hit) -> bool:
        """Whether the label begins its line (a numbering before it aside)."""
        return bool(NUMBER_ONLY.fullmatch(self.keys[hit[0]][:hit[1]]))

    def cell_hits(self, text: str) -> list[int]:
        """The first lines of the cells that read ``text``: as a whole, or on their first line
        (a help line under it, a header written on two lines)."""
        key = label_key(text)
        firsts, cells = self.firsts(), self.cells
        found = [i for i in self.exact.get(key, ()) if cells[i] is not None and firsts.get(id(cells[i]), i) >= i]
        multiline = self._multiline_cells().get(key)
        if not multiline:
            return found
        return sorted({*found, *multiline})

    def reads(self, cell: Cell, key: str) -> bool:
        """Whether ``cell`` reads the label ``key`` (as a whole, or on its first line)."""
        found = self.cell_key(cell)
        if found == key or not found.startswith(key):
            return found == key
        line = self.firsts().get(id(cell))
        return (self.wholes[line] if line is not None else "") == key

    def firsts(self) -> dict[int, int]:
        """Each cell's first line that is its own (not a nested table's) and not blank."""
        if self._firsts is None:
            firsts: dict[int, int] = {}
            for i, (cell, text) in enumerate(zip(self.cells, self.texts)):
                if cell is not None and id(cell) not in firsts and text.strip():
                    firsts[id(cell)] = i
            self._firsts = firsts
        return self._firsts

    def _multiline_cells(self) -> dict[str, list[int]]:
        """Cells of several lines by their whole text (their first line's index)."""
        if self._multiline is None:
            self._multiline = {}
            cells, texts = self.cells, self.texts
            for cell_id, (start, end) in self._cell_range.items():
                if end - start > 1:
                    own = [i for i in range(start, end) if id(cells[i]) == cell_id and texts[i].strip()]
                    if len(own) > 1:
                        self._multiline.setdefault(self.cell_key(cells[own[0]]), []).append(own[0])
        return self._multiline

    def titles(self) -> dict[int, int | None]:
        """The title lines (line -> rank: 1 for « 3. » and « VI. », 2 for « 3.1 », a heading's level,
        ``None`` when unknown): headings, the sections and parts the form names; numbered lines in
        capitals only for a form whose parts are not named (a line a manager types in capitals,
        « 2. HABILITATION ÉLECTRIQUE », is no part of a form that names its parts)."""
        if self._titles is None:
            titles: dict[int, int | None] = {}
            texts = self.texts
            guess = not self.form.parts
            for i, line in enumerate(self.lines):
                if line.heading:
                    titles[i] = line.heading
                    continue
                if not guess:
                    continue
                text = texts[i]
                first = text[:1]
                if first.isdecimal() or first.isspace():  # what a numbering starts with
                    numbered = NUMBERING.match(text)
                    if numbered and capitals(text[numbered.end():]):
                        titles[i] = numbered.group(1).count(".") + 1
                        continue
                if first in "IVX" or first.isspace():  # « VI. SIGNATURES »: a part, numbered the Roman way
                    numbered = ROMAN_NUMBERING.match(text)
                    if numbered and capitals(text[numbered.end():]):
                        titles[i] = 1
            parts = {" ".join(part.split()) for part in self.form.parts}
            for section in (*self.labels.sections, *self.form.parts):  # the form's parts, as the mapping says
                for i in self.exact.get(label_key(section), ()):
                    if section not in self.labels.sections and " ".join(texts[i].split()) not in parts:
                        continue  # a part as printed, its case too: « L'AGENT » is a part, « L'agent » a column's
                    numbered = NUMBERING.match(texts[i])
                    titles.setdefault(i, numbered.group(1).count(".") + 1 if numbered else None)
            self._titles, self._title_lines = titles, sorted(titles)
        return self._titles

    def label_starts(self) -> set[int]:
        """Lines that start with a label of the form (they end what is read under a label)."""
        if self._label_starts is None:
            starts = set()
            for text in self._inline_labels:
                starts.update(hit[0] for hit in self.hits(text) if self.line_start(hit))
            for key in self.labels.whole:
                starts.update(self.exact.get(key, ()))
            self._label_starts = starts
        return self._label_starts

    def scope(self, section: str | None) -> tuple[int, int] | None:
        """The lines under ``section``'s title, up to the next title of its rank or above (any
        title when its rank is unknown); the whole document without a section; ``None`` when the
        title is not in the document."""
        if section is None:
            return 0, len(self.lines)
        if section not in self._scopes:
            found = self.exact.get(label_key(section))
            scope = None
            if found:
                start, titles = found[0], self.titles()
                rank, end = titles.get(start), len(self.lines)
                for i in self._title_lines[bisect_right(self._title_lines, start):]:
                    if rank is None or titles[i] is not None and titles[i] <= rank:
                        end = i
                        break
                scope = (start, end)
            self._scopes[section] = scope
        return self._scopes[section]

    def in_scope(self, place: FieldPlace | TablePlace, lines: Iterable[int]) -> list[int]:
        scope = self.scope(place.section)
        return [] if scope is None else [i for i in lines if scope[0] <= i < scope[1]]

    def pick(self, place: FieldPlace, hits: list[Hit]) -> Hit | None:
        """The ``occurrence``-th of ``hits`` in the place's section."""
        scope = self.scope(place.section)
        if scope is None:
            return None
        chosen = [hit for hit in hits if scope[0] <= hit[0] < scope[1]]
        return chosen[place.occurrence - 1] if len(chosen) >= place.occurrence else None

    def lines_of(self, cell: Cell | None) -> range:
        """The lines of ``cell``, nested tables' included."""
        return range(*self._cell_range.get(id(cell), _NO_LINES))

    def cell_key(self, cell: Cell | None) -> str:
        """A cell's whole text as a label (:func:`.folding.label_key`), computed once."""
        found = self._cell_keys.get(id(cell))
        if found is None:
            start, end = self._cell_range.get(id(cell), _NO_LINES)
            if end - start == 1:
                found = self.wholes[start]
            else:
                found = whole(" ".join(self.keys[start:end]))
            self._cell_keys[id(cell)] = found
        return found

    def cell_text(self, cell: Cell | None) -> str:
        """A cell's whole text, nested tables included, one line a line."""
        start, end = self._cell_range.get(id(cell), _NO_LINES)
        return "\n".join(self.texts[start:end])

    # -- form fields -----------------------------------------------------------------------------

    def fields(self) -> list[tuple[int, Piece]]:
        """Every form field (a ``field`` piece) with its line, in reading order."""
        if self._fields is None:
            self._fields = [(i, piece) for i, line in enumerate(self.lines) for piece in line.pieces
                            if piece.kind == "field"]
        return self._fields

    def fields_named(self, name: str) -> list[tuple[int, Piece]]:
        """The form fields whose name (a control's tag) is ``name``, as written, in reading order."""
        if self._by_name is None:
            self._by_name = {}
            for i, piece in self.fields():
                if piece.name is not None:
                    self._by_name.setdefault(piece.name, []).append((i, piece))
        return self._by_name.get(name, [])

    def fields_titled(self, match: str) -> list[tuple[int, Piece]]:
        """The form fields whose title (a control's alias), as a label is compared, is ``match``."""
        asked = ("titled",)
        if asked not in self.found:
            by_alias: dict[str, list[tuple[int, Piece]]] = {}
            for i, piece in self.fields():
                if piece.alias is not None:
                    by_alias.setdefault(normalize_label(piece.alias), []).append((i, piece))
            self.found[asked] = by_alias
        return self.found[asked].get(match, [])

    # -- what the page says next to a label ------------------------------------------------------

    def rest_of_line(self, hit: Hit, until: str | None) -> str:
        """The line after the label, up to ``until`` or the next label of the form on it."""
        line, _, end = hit
        if self._by_line is None:
            self._by_line = {}
            for text in self._inline_labels:
                for other in self.hits(text):
                    self._by_line.setdefault(other[0], []).append(other[1])
        stops = [s for s in self._by_line.get(line, ()) if s >= end]
        if until:
            stops += [other[1] for other in self.hits(until) if other[0] == line and other[1] >= end]
        return self.texts[line][end:min(stops, default=len(self.texts[line]))]

    def following(self, line: int, *, until: str | None = None, same_cell: bool = False) -> list[int]:
        """The lines after ``line`` up to one that starts with a label of the form or is a title
        (or holds ``until``); for a line outside tables, up to a table; ``same_cell``: within its
        cell."""
        stops, titles = self.label_starts(), self.titles()
        until_lines = {hit[0] for hit in self.hits(until)} if until else set()
        cells = self.cells
        cell = cells[line]
        last = self.lines_of(cell).stop if same_cell and cell is not None else len(self.lines)
        found = []
        for i in range(line + 1, last):
            if i in stops or i in titles or i in until_lines or cell is None and cells[i] is not None:
                break
            found.append(i)
        return found


@dataclass(frozen=True)
class Labels:
    """What a form prints, as the reader looks for it: ``inline`` the texts a line may hold with
    a value after them (after_label, below_label, boxes' questions, the options of boxes without
    a question: « ☐ Aucun besoin de formation exprimé », the labels lists are under); ``whole`` the folded texts
    that are a whole line or cell (cells', grids', headers', sections'); ``sections``; ``shown``
    the labels a copy of an employer's form shows (its recognition)."""

    inline: list[str]
    whole: list[str]
    sections: list[str]
    shown: list[str]


_LAST_LABELS: tuple[Form, Labels] | None = None


def labels_of(form: Form) -> Labels:
    """The form's :class:`Labels`, made once for the last form read by."""
    global _LAST_LABELS
    if _LAST_LABELS is not None and _LAST_LABELS[0] is form:
        return _LAST_LABELS[1]
    places = [p for found in form.places.values() for p in found]
    headers = [label for table in form.tables.values() if table.list_label is None for label in table.headers.values()]
    lists = [table.list_label for table in form.tables.values() if table.list_label is not None]
    sections = list(dict.fromkeys([p.section for p in places if p.section]
                                  + [t.section for t in form.tables.values() if t.section]))
    inline = [p.text for p in places if p.kind in ("after_label", "below_label") or p.kind == "boxes" and p.text]
    inline += [printed for p in places if p.kind == "boxes" and not p.text for _, printed in p.options]
    inline += [p.label for p in places if p.kind == "form_field" and p.label] + lists
    whole_texts = [p.text for p in places if p.kind in ("cell", "label", "grid")] + headers + sections
    shown = [p.text for p in places if p.kind in ("after_label", "below_label", "cell", "grid", "boxes") and p.text]
    shown += [p.label for p in places if p.kind == "form_field" and p.label] + lists
    labels = Labels(inline=list(dict.fromkeys(inline)), whole=list(dict.fromkeys(map(label_key, whole_texts))),
                    sections=sections, shown=list(dict.fromkeys(shown + headers)))
    _LAST_LABELS = (form, labels)
    return labels
