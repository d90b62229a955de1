"""Reading a report from its :class:`~pipeline.layout.Layout`: an employer's own form, or our own
template saved as an .odt.

:func:`read_layout` follows a :class:`~pipeline.form.Form` on the lines and tables of a document,
whichever format they came from, and fills the same :class:`~pipeline.read.Report` as the reader
of our .docx (:func:`pipeline.read.read_report` dispatches here). Each kind of place
(:data:`pipeline.form.PlaceKind`) is looked up as a person reads the page:

``after_label``   the rest of the line after the label (« Nom : MARTIN ...... »), up to ``until`` or
                  the next label of the form on that line; leader dots, underscores, tabs and the
                  colon stripped; in paragraphs and inside cells (a label alone in its cell takes
                  the cell's next lines)
``below_label``   the lines after the label's line, up to the next line that starts with a label of
                  the form, a title, a table (for a label outside tables) or ``until``; one per line
``cell``          the cell to the right of (or below) the cell reading the label, merged cells and
                  nested tables included; with ``column``, the cell of the label's row under the
                  header reading it (« AGENT ÉVALUÉ » / « SUPÉRIEUR HIÉRARCHIQUE DIRECT »)
``boxes``         the option whose box is ticked, near the label (☒ ✗ ✓ ■, « X » typed over the
                  box, « [X] », a Wingdings symbol, a check box field): several ticked, or a mark
                  no one can be sure of, is an unrecognised mark; none ticked, empty
``grid``          in the criterion's row (its sub-row ``row`` when it spans several), the column
                  holding a mark (« X », ✓, ●, ☒), ``options`` naming each choice's column header
``form_field``    the form field of that name (legacy Word, ODF)
``tag``, ``label``, ``alias``   our own template's places (a control's tag, the value cell of a
                  label cell, a control's title)

Tables are found by their header row wherever it is in the table; rows after it are read by
column (a ticked column as the option ticked), repeated header rows and empty rows left out.
``section`` scopes a place to the lines under that title (a heading line or a table's title
cell) up to the next title of the same rank; ``occurrence`` picks the n-th match.

A copy is recognised as one of an employer's form by the share of the form's labels found in
it (:data:`MIN_SHARE`); another employer's form, an older layout of the same, or our template's
report is turned away with a reason naming both. Its agent is identified by the identifier
``entretiens modeles`` adds (document property, footer, the page code's payload in a custom
property), else by the agent number field; :func:`identify_agent` then tries the roster by name
and first name (a copy of the blank form).

Texts are compared as labels are (case, accents, spacing, typographic quotes do not matter) on a
folded copy of each line of the same length, so that a label found there is cut from the line
as written; the whole document is folded once.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .catalogue import AGENT_NUMBER, CAMPAIGN, FIRST_NAME, LAST_NAME, REPORT_ID, Field
from .employer_form import FINGERPRINT_PREFIX
from .form import FieldPlace, Form, TablePlace
from .layout import Cell, Layout, Line, Table
from .outcomes import NO_IDENTIFIER, NotAReport, OtherForm, Reason, UNKNOWN_NAME, AMBIGUOUS_NAME, WrongTemplateVersion
from .read import BY_CODE, BY_FOOTER, BY_NAME, Report, Value, _as_bool, _identify, _read_date, clean_text
from .text import INVISIBLE, fold, normalize_identifier, normalize_label

#: Share of an employer's form's labels a copy must show to be read as one of it: a copy of
#: another employer's form shares some labels (« Nom », « Grade », « Date de l'entretien »),
#: rarely half of them.
MIN_SHARE = 0.6
#: Words of a document that is a review report of some form, when it is not one of ours.
REPORT_WORDS = ("entretien professionnel", "compte rendu", "compte-rendu")
_MAX_REGION_LINES = 12  # lines after a label searched for its boxes

# -- folding: one character for one, so that a match's positions hold in the line as written --


def _fold_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code in range(0xA0, 0x250):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)).lower()
        if len(base) == 1 and len(char.lower()) == 1 and base != char.lower():
            table[char.lower()] = base
    table.update(dict.fromkeys("\u2018\u2019\u201a\u201b\u02bc\u2032", "'"))
    table.update(dict.fromkeys("\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000",
                               " "))
    table["\n"] = "\x0b"  # a break inside a paragraph: not a line of the document
    return table


_FOLD = _fold_table()
# French text: these few, replaced one by one (C speed); any other by one pass of a pattern.
_COMMON = [(c, _FOLD[c]) for c in "éèêëàâäîïôöùûüçÿ\u2019\u00a0\u202f\n"]
_RARE = re.compile("[" + re.escape("".join(c for c in _FOLD if c not in dict(_COMMON))) + "]")


def _folded(text: str) -> str:
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


_LEADERS = re.compile(r"(?:[.…·_] ?){3,}|_{2,}|…{2,}")
_NUMBERING = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2})*)\.?\s+(?=\S)")
# Nothing, or a numbering (« 3.1 »), a bullet or a box, before a label at the start of its line.
_NUMBER_ONLY = re.compile(r"\s*(?:\d{1,2}(?:\.\d{1,2})*\.?|[-•–—*]|\[[^\]]{0,3}\]|\([^)]?\)"
                          r"|[\u2190-\u2bff\ue000-\uf8ff\U0001f300-\U0001faff]|x)?\s*")
_STRIP = " :*.…_\t\x0b"
# A box: « [ ] », « [X] », « ( ) », a symbol (☐ ☒ ✓ ■ ●, Wingdings in the private-use area), or an
# « x » typed in its place; on folded text (« X » is « x »).
_BOX = (r"(?P<box>\[[^\]\n\x0b]{0,3}\]|\([^)\n\x0b]?\)|[\u2190-\u2bff\ue000-\uf8ff\U0001f300-\U0001faff]"
        r"|(?<![\w'])x(?=\s))")
_BOX_CHAR = re.compile(r"[\u2190-\u2bff\ue000-\uf8ff\U0001f300-\U0001faff\[]")


_KEYS: dict[str, str] = {}
_NO_LINES = (0, 0)


def label_key(text: str) -> str:
    """A label as lines are compared: folded, spacing collapsed, trailing colon, asterisk and
    leaders stripped."""
    key = _KEYS.get(text)
    if key is None:
        if len(_KEYS) > 4096:
            _KEYS.clear()
        key = _KEYS[text] = _whole(_folded(unicodedata.normalize("NFC", drop(text))))
    return key


def _whole(key: str) -> str:
    """A folded text as a whole label: spacing collapsed, leaders and colons stripped at its ends."""
    return " ".join(key.split()).rstrip(_STRIP).lstrip(" :")


def drop(text: str) -> str:
    """``text`` without the characters that show nothing (:data:`pipeline.text.INVISIBLE`)."""
    return text if text.isascii() else _INVISIBLE.sub("", text)


_INVISIBLE = re.compile("[" + INVISIBLE + "]")


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
    found = _PATTERNS.get(text)
    if found is None:
        found = _PATTERNS[text] = _pattern(text)
    return found


def is_employer_form(form: Form) -> bool:
    """Whether ``form`` is an employer's own form (its version is a layout's fingerprint)."""
    return form.version.startswith(FINGERPRINT_PREFIX)


# -- the document, indexed once --------------------------------------------------------------

Hit = tuple[int, int, int]  # line index, start and end of the match in the line


@dataclass
class _Read:
    """What one place gave: its ``value``, a date field's ISO date, or ``unsure``: the marks
    written where one box was to be ticked (several ticked, a mark no one can be sure of)."""

    value: Value
    iso: str | None = None
    unsure: str | None = None


class _Document:
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
        self._first_keys: dict[int, str] = {}
        self.found: dict[tuple, object] = {}  # what one place found that another asks again (headers)
        self._walk(layout.blocks, None, None)
        self.doc_key = _folded("\x00".join(self.texts)).replace("\x00", "\n")
        self.keys = self.doc_key.split("\n")
        self.wholes = [_whole(key) for key in self.keys]  # each line as a label
        self.starts, offset = [], 0
        for key in self.keys:
            self.starts.append(offset)
            offset += len(key) + 1
        self._exact: dict[str, list[int]] | None = None
        self._hits: dict[str, list[Hit]] = {}
        self._by_line: dict[int, list[int]] | None = None
        self._scopes: dict[str, tuple[int, int] | None] = {}
        self._titles: dict[int, int | None] | None = None
        self._title_lines: list[int] = []
        self._label_starts: set[int] | None = None
        self.labels = _labels_of(form)
        self._inline_labels = self.labels.inline

    def _walk(self, blocks, cell: Cell | None, table: Table | None) -> None:
        for block in blocks:
            if isinstance(block, Line):
                text = block.text
                if not text.isascii():
                    if _INVISIBLE.search(text):
                        text = _INVISIBLE.sub("", text)
                    if not unicodedata.is_normalized("NFC", text):
                        text = unicodedata.normalize("NFC", text)
                self.lines.append(block)
                self.cells.append(cell)
                self.tables.append(table)
                self.texts.append(text)
            else:
                for inner in block.cells():
                    first = len(self.lines)
                    self._walk(inner.blocks, inner, block)
                    self._cell_range[id(inner)] = (first, len(self.lines))

    # -- lookups ---------------------------------------------------------------------------------

    @property
    def exact(self) -> dict[str, list[int]]:
        """Lines by their whole text as a label (and again without a leading « 3.1 »)."""
        if self._exact is None:
            self._exact = {}
            for i, whole in enumerate(self.wholes):
                if not whole:
                    continue
                self._exact.setdefault(whole, []).append(i)
                bare = _NUMBERING.sub("", whole)
                if bare != whole:
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
            spans, at = [], doc.find(literal)
            while at >= 0:
                spans.append((at, at + len(literal)))
                at = doc.find(literal, at + 1)
            if not spans:
                spans = [match.span() for match in pattern(text).finditer(doc)]
            for begin, finish in spans:
                line = bisect_right(starts, begin) - 1
                start, end = begin - starts[line], finish - starts[line]
                if end > len(keys[line]) or not _field_start(texts[line], keys[line], start, capital):
                    continue
                end = _past_instruction(keys[line], end)
                if _ends_label(keys[line], end):
                    found.append((line, start, end))
        self._hits[text] = found
        return found

    def line_start(self, hit: Hit) -> bool:
        """Whether the label begins its line (a numbering before it aside)."""
        return bool(_NUMBER_ONLY.fullmatch(self.keys[hit[0]][:hit[1]]))

    def cell_hits(self, text: str) -> list[int]:
        """The first lines of the cells that read ``text``: as a whole, or on their first line
        (a help line under it, a header written on two lines)."""
        key = label_key(text)
        found = [i for i in self.exact.get(key, ()) if self.cells[i] is not None and self._first_of_cell(i)]
        return sorted({*found, *self._multiline_cells().get(key, ())})

    def reads(self, cell: Cell, key: str) -> bool:
        """Whether ``cell`` reads the label ``key`` (as a whole, or on its first line)."""
        whole = self.cell_key(cell)
        if whole == key or not whole.startswith(key):
            return whole == key
        first = self._first_keys.get(id(cell))
        if first is None:
            line = next((i for i in self.lines_of(cell) if self.cells[i] is cell and self.texts[i].strip()), None)
            first = self._first_keys[id(cell)] = _whole(self.keys[line]) if line is not None else ""
        return first == key

    def _first_of_cell(self, i: int) -> bool:
        cell, cells, texts = self.cells[i], self.cells, self.texts
        return not any(cells[j] is cell and texts[j].strip() for j in range(self.lines_of(cell).start, i))

    def _multiline_cells(self) -> dict[str, list[int]]:
        """Cells of several lines by their whole text (their first line's index)."""
        if self._multiline is None:
            self._multiline = {}
            for cell_id, (start, end) in self._cell_range.items():
                if end - start > 1:
                    own = [i for i in range(start, end) if id(self.cells[i]) == cell_id and self.texts[i].strip()]
                    if len(own) > 1:
                        self._multiline.setdefault(self.cell_key(self.cells[own[0]]), []).append(own[0])
        return self._multiline

    def titles(self) -> dict[int, int | None]:
        """The title lines (line -> rank: 1 for « 3. », 2 for « 3.1 », a heading's level, ``None``
        when unknown): headings, the sections the form names, numbered lines in capitals."""
        if self._titles is None:
            titles: dict[int, int | None] = {}
            for i, line in enumerate(self.lines):
                numbered = _NUMBERING.match(self.texts[i])
                if line.heading:
                    titles[i] = line.heading
                elif numbered and _capitals(self.texts[i][numbered.end():]):
                    titles[i] = numbered.group(1).count(".") + 1
            for section in self.labels.sections:
                for i in self.exact.get(label_key(section), ()):
                    numbered = _NUMBERING.match(self.texts[i])
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
                for i in self._title_lines:
                    if i > start and (rank is None or titles[i] is not None and titles[i] <= rank):
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
        """A cell's whole text as a label (:func:`label_key`), computed once."""
        found = self._cell_keys.get(id(cell))
        if found is None:
            start, end = self._cell_range.get(id(cell), (0, 0))
            if end - start == 1:
                found = self.wholes[start]
            else:
                found = _whole(" ".join(self.keys[start:end]))
            self._cell_keys[id(cell)] = found
        return found

    def cell_text(self, cell: Cell | None) -> str:
        """A cell's whole text, nested tables included, one line a line."""
        return "\n".join(self.texts[i] for i in self.lines_of(cell))

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
        cell = self.cells[line]
        last = self.lines_of(cell).stop if same_cell and cell is not None else len(self.lines)
        found = []
        for i in range(line + 1, last):
            if i in stops or i in titles or i in until_lines or cell is None and self.cells[i] is not None:
                break
            found.append(i)
        return found


def _field_start(text: str, key: str, start: int, capital: bool) -> bool:
    """Whether a label found at ``start`` begins a field: at the start of its line (after a
    numbering), after a tab, a gap, leaders, a colon, a box or a dash; else only when it is
    capitalised as printed (« Prénom », not the « prénom » of « Nom et prénom »)."""
    before = key[:start].rstrip(" ")
    if _NUMBER_ONLY.fullmatch(key[:start]) or before.endswith("\t"):
        return True
    if len(key[:start]) - len(before) >= 2:  # a gap of spaces
        return True
    last = before[-1]
    if last in ".…_:;|)]—–-\x0b" or _BOX_CHAR.match(last):
        return True
    return capital and text[start:start + 1].isupper()


def _ends_label(key: str, end: int) -> bool:
    """Whether a label ending at ``end`` is followed by a colon, a tab, leaders, a box, a question
    mark or the end of its line: a label, not the start of a longer text."""
    rest = key[end:].lstrip(" ")
    return (not rest or rest[0] in ":\t\x0b.…_[?" or bool(_BOX_CHAR.match(rest[0]))
            or rest[0] == "x" and rest[1:2] == " ")


def _past_instruction(key: str, end: int) -> int:
    """After a label, past an instruction printed in brackets (« (cocher le cas échéant) »)."""
    rest = key[end:]
    stripped = rest.lstrip(" ")
    if stripped.startswith("("):
        close = stripped.find(")")
        if close > 0 and "(" not in stripped[1:close]:
            return end + len(rest) - len(stripped) + close + 1
    return end


def _capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def _value_text(text: str) -> str:
    """What was typed after a label: its colon, leaders and tabs gone."""
    text = _LEADERS.sub(" ", text.replace("\t", " "))
    return clean_text(text.strip(" :\u00a0\u202f"))


@dataclass(frozen=True)
class _Labels:
    """What a form prints, as the reader looks for it: ``inline`` the texts a line may hold with
    a value after them (after_label, below_label, boxes' questions, the options of boxes without
    a question: « ☐ Aucun besoin de formation exprimé »); ``whole`` the folded texts
    that are a whole line or cell (cells', grids', headers', sections'); ``sections``; ``shown``
    the labels a copy of an employer's form shows (its recognition)."""

    inline: list[str]
    whole: list[str]
    sections: list[str]
    shown: list[str]


_LAST_LABELS: tuple[Form, _Labels] | None = None


def _labels_of(form: Form) -> _Labels:
    """The form's :class:`_Labels`, made once for the last form read by."""
    global _LAST_LABELS
    if _LAST_LABELS is not None and _LAST_LABELS[0] is form:
        return _LAST_LABELS[1]
    places = [p for found in form.places.values() for p in found]
    headers = [label for table in form.tables.values() for label in table.headers.values()]
    sections = list(dict.fromkeys([p.section for p in places if p.section]
                                  + [t.section for t in form.tables.values() if t.section]))
    inline = [p.text for p in places if p.kind in ("after_label", "below_label") or p.kind == "boxes" and p.text]
    inline += [printed for p in places if p.kind == "boxes" and not p.text for _, printed in p.options]
    whole = [p.text for p in places if p.kind in ("cell", "label", "grid")] + headers + sections
    shown = [p.text for p in places if p.kind in ("after_label", "below_label", "cell", "grid", "boxes") and p.text]
    labels = _Labels(inline=list(dict.fromkeys(inline)), whole=list(dict.fromkeys(map(label_key, whole))),
                     sections=sections, shown=list(dict.fromkeys(shown + headers)))
    _LAST_LABELS = (form, labels)
    return labels


# -- boxes -----------------------------------------------------------------------------------------

_OPTION_PATTERNS: dict[str, re.Pattern] = {}


def _option_pattern(text: str) -> re.Pattern:
    found = _OPTION_PATTERNS.get(text)
    if found is None:
        found = _OPTION_PATTERNS[text] = re.compile(_BOX + r"\s*" + pattern(text).pattern + r"(?!\w)")
    return found


def _box_state(box: str) -> bool | str:
    """A box as written: ``True`` ticked, ``False`` empty, else the mark itself."""
    if box.startswith(("[", "(")):
        inner = box[1:-1].strip()
        return False if not inner else _as_bool(inner)
    return _as_bool(box)


def _boxes_in(text: str, key: str, options: tuple[tuple[str, str], ...]) -> dict[str, bool | str]:
    """The options whose box is on this line, and each box's state."""
    found: dict[str, bool | str] = {}
    for choice, printed in options:
        match = _option_pattern(printed).search(key)
        if match:
            found[choice] = _box_state(text[match.start("box"):match.end("box")])
    return found


def _ticked(states: dict[str, bool | str], shown: str) -> _Read:
    """One option from the states of the boxes: several ticked or an odd mark is unsure."""
    ticked = [choice for choice, state in states.items() if state is True]
    odd = [state for state in states.values() if isinstance(state, str)]
    if odd or len(ticked) > 1:
        return _Read("", unsure=" ".join(shown.split()))
    return _Read(ticked[0] if ticked else "")


# -- reading each kind of place ---------------------------------------------------------------------


class _Reader:
    def __init__(self, doc: _Document):
        self.doc = doc

    def read(self, place: FieldPlace, f: Field) -> _Read | None:
        """The value at ``place`` for field ``f``; ``None`` when the place is not in the document."""
        return getattr(self, f"_{place.kind}")(place, f)

    def _after_label(self, place: FieldPlace, f: Field) -> _Read | None:
        doc = self.doc
        hit = doc.pick(place, doc.hits(place.text))
        if hit is None:
            return None
        text = _value_text(doc.rest_of_line(hit, place.until))
        line = hit[0]
        if not text and doc.cells[line] is not None:  # « Date : » alone in its cell, the date under it
            text = "\n".join(t for t in (_value_text(doc.texts[i]) for i in
                                         doc.following(line, until=place.until, same_cell=True)) if t)
        return self._typed(text, f, line)

    def _below_label(self, place: FieldPlace, f: Field) -> _Read | None:
        doc = self.doc
        hits = doc.hits(place.text)
        hit = doc.pick(place, [h for h in hits if doc.line_start(h)]) or doc.pick(place, hits)
        if hit is None:
            return None
        line = hit[0]
        texts = [_value_text(doc.rest_of_line(hit, place.until))]
        cell = doc.cells[line]
        below = doc.following(line, until=place.until, same_cell=cell is not None)
        if cell is not None and not below:  # the label alone in its cell: the cell below it
            under = _neighbour(doc.tables[line], cell, "below")
            below = list(doc.lines_of(under)) if under is not None else []
        texts += [_value_text(doc.texts[i]) for i in below]
        return self._typed("\n".join(t for t in texts if t), f, line)

    def _cell(self, place: FieldPlace, f: Field) -> _Read | None:
        doc = self.doc
        for line in doc.in_scope(place, doc.cell_hits(place.text))[place.occurrence - 1:]:
            table, label = doc.tables[line], doc.cells[line]
            if place.column:
                header = _column_header(doc, table, label, place.column)
                if header is None:
                    continue
                value = _own_cell(table, label.row, header.column)
            else:
                value = _neighbour(table, label, place.direction)
            if value is None or value is label:
                continue
            return self._cell_value(value, f)
        return None

    _label = _cell  # our template's label cell: the value cell to its right

    def _cell_value(self, cell: Cell, f: Field) -> _Read:
        doc = self.doc
        if f.kind == "bool":
            boxes = [p.checked for i in doc.lines_of(cell) for p in doc.lines[i].pieces
                     if p.kind == "field" and p.field_kind == "checkbox"]
            if boxes:
                return _Read(any(boxes))
        lines = doc.lines_of(cell)
        return self._typed(clean_text(doc.cell_text(cell)), f, lines[0] if lines else None, lines)

    def _boxes(self, place: FieldPlace, f: Field) -> _Read | None:
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
            boxed = [(i, 0, 0) for i in candidates if _boxes_in(doc.texts[i], doc.keys[i], place.options)]
            first = doc.pick(place, boxed)
            if first is None:
                return None
            region = [(doc.texts[i], doc.keys[i]) for i in range(first[0], min(first[0] + len(place.options),
                                                                                  len(doc.lines)))]
        states: dict[str, bool | str] = {}
        shown: list[str] = []
        for text, key in region:
            found = _boxes_in(text, key, place.options)
            if not found:
                if states:
                    break
                continue
            if set(found) & set(states):  # the next question's boxes
                break
            states.update(found)
            shown.append(text)
        if not states and place.text:  # no box left: the option written after the label
            written = _value_text(region[0][0])
            choice = next((c for c, printed in place.options if written and normalize_label(written) ==
                           normalize_label(printed)), None)
            return self._choice(_Read(choice or written), f, place)
        return self._choice(_ticked(states, " ".join(shown)), f, place)

    def _choice(self, read: _Read, f: Field, place: FieldPlace) -> _Read:
        if f.kind == "bool" and read.unsure is None:
            choice = read.value
            read.value = bool(choice) and (len(place.options) == 1 or _as_bool(str(choice)) is not False)
        return read

    def _grid(self, place: FieldPlace, f: Field) -> _Read | None:
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
            columns = _grid_columns(doc, table, criterion.row, place.options)
            if columns is None:
                continue
            states, shown = {}, []
            for choice, column in columns.items():
                cell = _own_cell(table, row, column)
                text = doc.cell_text(cell) if cell is not None else ""
                state = _as_bool(text) if text.strip() else False
                if state is not False:
                    states[choice] = state
                    shown.append(f"{dict(place.options)[choice]} : {text.strip()}")
            return self._choice(_ticked(states, " ; ".join(shown)), f, place)
        return None

    def _form_field(self, place: FieldPlace, f: Field) -> _Read | None:
        wanted = place.text.strip().casefold()
        fields = [p for line in self.doc.lines for p in line.pieces
                  if p.kind == "field" and (p.name or "").strip().casefold() == wanted]
        return self._piece(fields[place.occurrence - 1], f) if len(fields) >= place.occurrence else None

    def _tag(self, place: FieldPlace, f: Field) -> _Read | None:
        return self._control(place, f, lambda p: p.name == place.text)

    def _alias(self, place: FieldPlace, f: Field) -> _Read | None:
        return self._control(place, f, lambda p: getattr(p, "alias", None) is not None
                             and normalize_label(p.alias) == place.match)

    def _control(self, place: FieldPlace, f: Field, wanted: Callable) -> _Read | None:
        """A content control (our template): the whole value cell holding it, else its own value."""
        doc = self.doc
        for i, line in enumerate(doc.lines):
            for piece in line.pieces:
                if piece.kind == "field" and wanted(piece):
                    if doc.cells[i] is not None:
                        read = self._cell_value(doc.cells[i], f)
                        read.iso = read.iso or _iso(piece)
                        return read
                    return self._piece(piece, f)
        return None

    def _piece(self, piece, f: Field) -> _Read:
        if piece.field_kind == "checkbox":
            return _Read(bool(piece.checked) if f.kind == "bool" else ("oui" if piece.checked else ""))
        text = "" if piece.placeholder else clean_text(piece.text)
        read = self._typed(text, f, None)
        read.iso = _iso(piece)
        return read

    def _typed(self, text: str, f: Field, line: int | None, lines: Iterable[int] = ()) -> _Read:
        """``text`` as a field of ``f``'s kind; a date field's stored date, if its line has one."""
        iso = None
        if f.kind == "date":
            for i in ([line] if line is not None else []) + list(lines):
                iso = iso or next((_iso(p) for p in self.doc.lines[i].pieces if p.kind == "field" and _iso(p)), None)
        if f.kind == "bool":
            state = _as_bool(text)
            return _Read(False, unsure=state) if isinstance(state, str) else _Read(state)
        return _Read(text, iso=iso)


def _iso(piece) -> str | None:
    value = getattr(piece, "value", None)
    return value if piece.field_kind == "date" and value and not piece.placeholder else None


def _own_cell(table: Table, row: int, column: int) -> Cell | None:
    """The cell at (``row``, ``column``) that starts on that row (a cell merged from above is
    the row above's)."""
    cell = table.cell_at(row, column)
    return cell if cell is not None and cell.row == row else None


def _neighbour(table: Table, cell: Cell, direction: str) -> Cell | None:
    if direction == "below":
        return _own_cell(table, cell.row + cell.row_span, cell.column)
    return _own_cell(table, cell.row, cell.column + cell.column_span)


def _column_header(doc: _Document, table: Table, label: Cell, header: str) -> Cell | None:
    """The nearest cell above ``label``'s row reading ``header``, in its table."""
    asked = ("column", id(table), header)
    if asked not in doc.found:  # the cells reading it, once for the table
        wanted = label_key(header)
        doc.found[asked] = [cell for r, cells in enumerate(table.rows) for cell in cells
                            if cell.row == r and doc.reads(cell, wanted)]
    return next((cell for cell in reversed(doc.found[asked]) if cell.row < label.row), None)


def _grid_columns(doc: _Document, table: Table, row: int, options) -> dict[str, int] | None:
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


# -- tables ------------------------------------------------------------------------------------


def _read_table(doc: _Document, place: TablePlace) -> list[dict[str, str]] | None:
    """The rows under the first header row holding ``place``'s labels (in its section), by column
    key; ``None`` when no table has them."""
    keys = list(place.headers)
    wanted = [label_key(label) for label in place.headers.values()]
    first_hits = doc.in_scope(place, doc.cell_hits(next(iter(place.headers.values()))))
    for line in first_hits:
        table, row = doc.tables[line], doc.cells[line].row
        columns = {}
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
            values = {}
            for key in keys:
                cell = _own_cell(table, r, columns[key])
                text = doc.cell_text(cell) if cell is not None else ""
                options = place.options.get(key)
                states = _boxes_in(text, "\n".join(doc.keys[i] for i in doc.lines_of(cell)), options) \
                    if options and text else None
                if states:  # the option ticked; several, or an odd mark: as written, an invalid choice
                    read = _ticked(states, text)
                    text = read.value if read.unsure is None else read.unsure
                values[key] = clean_text(str(text))
            if any(values.values()):
                rows.append(values)
        return rows
    return None


# -- the whole report -----------------------------------------------------------------------------


def read_layout(layout: Layout, form: Form, *, path: Path, name: str) -> Report:
    """Read the report ``layout`` holds by ``form``. Raises :class:`NotAReport`, :class:`OtherForm`
    or :class:`WrongTemplateVersion` (their messages name the file as ``name``)."""
    doc = _Document(layout, form)
    employer = is_employer_form(form)
    version = _stated_version(layout, form)
    if employer:
        _check_employer_form(doc, form, version, name)
        version = form.version
    else:
        _check_template_form(doc, form, layout, name)
        if version and version != form.version:
            raise WrongTemplateVersion.because(name=name, found=version, current=form.version)
    report = Report(path=path, values={}, tables={}, template_version=version, format=layout.format)
    reader = _Reader(doc)
    for f in form.catalogue.fields:
        if f.kind == "table":
            place = form.tables.get(f.key)
            rows = _read_table(doc, place) if place is not None else None
            if rows is None:
                report.not_in_form.append(f.key)
            report.tables[f.key] = rows or []
            continue
        read, found_at = None, None
        for place in form.places.get(f.key, ()):
            read = reader.read(place, f)
            if read is not None:
                found_at = place
                break
        if found_at is None:
            report.not_in_form.append(f.key)
            read = _Read(False if f.kind == "bool" else "")
        else:
            report.found_by[f.key] = found_at.kind
        if read.unsure is not None:  # a mark no one can be sure of: asked again, never read as an answer
            report.unrecognised_marks[f.key] = str(read.unsure)
            read.value = False if f.kind == "bool" else ""
        if f.kind == "date":
            _read_date(report, f, read.iso or read.value)
        report.values[f.key] = read.value
    _identify_layout(report, form, layout, employer)
    return report


def _stated_version(layout: Layout, form: Form) -> str | None:
    """The form version the file says it was made from: a document property, else its footer."""
    marks = form.version_marks
    version = layout.properties.get(marks.property) if marks.property else None
    if version or marks.in_footer is None:
        return (version or "").strip() or None
    for footer in layout.footers:
        match = marks.in_footer.search(footer)
        if match:
            return match.group(1)
    return None


def _check_template_form(doc: _Document, form: Form, layout: Layout, name: str) -> None:
    rule = form.recognition
    if rule.tags and any(p.kind == "field" and p.name in rule.tags for line in doc.lines for p in line.pieces):
        return
    labels = {p.text for places in form.places.values() for p in places if p.kind == "label"}
    if sum(1 for label in labels if doc.cell_hits(label)) < rule.min_labels:
        raise NotAReport.because("odt" if layout.format == "odt" else "", name=name)


def _check_employer_form(doc: _Document, form: Form, version: str | None, name: str) -> None:
    """Turn away a copy of another layout: stamped with another fingerprint or our template's version,
    or showing too few of the form's labels (:data:`MIN_SHARE`)."""
    shown = form.name or form.version
    if version and version != form.version and version.startswith((FINGERPRINT_PREFIX, "CR-")):
        what = OtherForm.what("template" if version.startswith("CR-") else "version", found=version)
        raise OtherForm.because("stamped", name=name, form=shown, version=form.version, what=what)
    labels = doc.labels.shown
    found = sum(1 for text in labels if doc.exact.get(label_key(text)) or doc.hits(text))
    if labels and found >= MIN_SHARE * len(labels):
        return
    folded = fold(" ".join(doc.texts[:200]))
    if not any(word in folded for word in REPORT_WORDS):
        raise NotAReport.because("odt" if doc.layout.format == "odt" else "", name=name)
    title = next((" ".join(t.split()) for t in doc.texts if t.strip()), "")
    footer = next((" ".join(t.split()) for t in doc.layout.footers if t.strip()), "")
    what = OtherForm.what("title", title=_shorten(title), footer=OtherForm.what("footer", footer=_shorten(footer))
                          if footer else "")
    variant = "none" if not found else "one" if found == 1 else ""
    raise OtherForm.because(variant, name=name, form=shown, version=form.version, what=what, found=found,
                            total=len(labels))


def _shorten(text: str, size: int = 90) -> str:
    return text if len(text) <= size else text[:size - 1].rstrip() + "…"


def _identify_layout(report: Report, form: Form, layout: Layout, employer: bool) -> None:
    """The report's identifier, campaign and agent number: as our reader does (identifier field,
    document property, agent number field); then, for an employer's form, the footer's
    « identifiant … » and the page code's payload in a custom property."""
    _identify(report, form.identity, layout.properties.get(form.identity.identifier_property or ""))
    if report.report_id and "-" in report.report_id or not employer:
        return
    from .signed_copies import IDENTIFIER_IN_TEXT, parse_code  # one truth for the code and the footer

    for text in layout.footers + layout.headers:
        match = IDENTIFIER_IN_TEXT.search(text)
        if match:
            _take(report, match.group(1).rstrip(".,;"), BY_FOOTER)
            return
    for value in layout.properties.values():
        code = parse_code(str(value).strip())
        if code is not None:
            _take(report, f"{code.campaign}-{code.agent_number}", BY_CODE)
            return


def _take(report: Report, identifier: str, how: str) -> None:
    identifier = normalize_identifier(identifier)
    campaign, _, number = identifier.partition("-")
    if campaign and number:
        report.report_id, report.campaign, report.agent_number, report.identified_by = identifier, campaign, number, how


# -- a copy of the blank form: the agent found in the roster by name ----------------------------------


def person_key(last_name: str, first_name: str) -> tuple[str, str]:
    """A name as the roster and a report are compared: case, accents, hyphens, apostrophes and
    spacing do not matter (« D'Arcy-Lefèvre » is « d arcy lefevre »)."""
    def key(text: str) -> str:
        return " ".join(re.sub(r"[\W_]+", " ", fold(drop(text))).split())
    return key(last_name), key(first_name)


def identify_agent(report: Report, campaign: str, names: Callable[[], dict[tuple[str, str], list[str]] | None],
                   ) -> tuple[Reason, dict[str, str]] | None:
    """Complete the identity of a report read on an employer's form: the current ``campaign`` when
    the copy says none, else its agent found by name and first name in the roster (``names()``:
    :func:`person_key` -> agent numbers; ``None`` without a roster). The fields the form does not
    hold (identifier, campaign, agent number) take the identity found, for the workbooks and file
    names. Returns the reason (and its parameters) the report cannot be matched to one agent, if so."""
    problem = None
    if not report.agent_number:
        last, first = str(report.values.get(LAST_NAME) or ""), str(report.values.get(FIRST_NAME) or "")
        person = " ".join(v for v in (first.strip(), last.strip().upper()) if v)
        found = names() if person else None
        numbers = (found or {}).get(person_key(last, first), [])
        if len(numbers) == 1:
            report.agent_number, report.identified_by = numbers[0], BY_NAME
        elif numbers:
            problem = (AMBIGUOUS_NAME, {"person": person, "numbers": ", ".join(sorted(numbers))})
        elif found is not None:
            problem = (UNKNOWN_NAME, {"person": person})
        else:
            problem = (NO_IDENTIFIER, {})
    if report.agent_number:
        report.campaign = report.campaign or campaign
        report.report_id = report.report_id or f"{report.campaign}-{report.agent_number}"
        for key, value in ((REPORT_ID, report.report_id), (CAMPAIGN, report.campaign),
                           (AGENT_NUMBER, report.agent_number)):
            if key in report.not_in_form and not report.values.get(key):
                report.values[key] = value
    return problem if problem and problem[0] is not NO_IDENTIFIER else None


def roster_names(rows: Iterable) -> dict[tuple[str, str], list[str]]:
    """The roster's agent numbers by :func:`person_key` of their name and first name (a name
    as written in the roster's « nom » column)."""
    names: dict[tuple[str, str], list[str]] = {}
    for number, row in rows:
        key = person_key(row.values.get(LAST_NAME, ""), row.values.get(FIRST_NAME, ""))
        if any(key):
            names.setdefault(key, []).append(number)
    return names
