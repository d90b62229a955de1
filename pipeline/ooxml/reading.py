"""Reading WordprocessingML: controls, tables and cells, visible text, package parts.

Visible text has one definition, :func:`_walk`: :func:`paragraph_text`,
:func:`cell_text` and :class:`PartIndex` all read through it. Missing means
``None``.
"""

from __future__ import annotations

from lxml import etree

from .ns import qn

# Names looked up in loops, qualified once.
_P, _R, _T = qn("w:p"), qn("w:r"), qn("w:t")
_BODY, _TBL, _TR, _TC = qn("w:body"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_SDT, _SDT_PR, _SDT_CONTENT = qn("w:sdt"), qn("w:sdtPr"), qn("w:sdtContent")
_TAG, _ALIAS, _VAL, _SHOWING_PLACEHOLDER = qn("w:tag"), qn("w:alias"), qn("w:val"), qn("w:showingPlcHdr")
_PPR, _RPR, _TC_PR, _GRID_SPAN = qn("w:pPr"), qn("w:rPr"), qn("w:tcPr"), qn("w:gridSpan")
_DEL, _MOVE_FROM, _FALLBACK = qn("w:del"), qn("w:moveFrom"), qn("mc:Fallback")


# ---------------------------------------------------------------------------
# Content controls.
# ---------------------------------------------------------------------------

def iter_controls(root: etree._Element):
    """Every content control (``w:sdt``), in document order."""
    return root.iter(_SDT)


def control_property(sdt: etree._Element, name: str) -> etree._Element | None:
    """The child ``name`` (e.g. ``"w:date"``) of a control's ``w:sdtPr``."""
    pr = sdt.find(_SDT_PR)
    return None if pr is None else pr.find(qn(name))


def _val(el: etree._Element | None, attr: str = "w:val") -> str | None:
    return None if el is None else el.get(qn(attr))


def control_tag(sdt: etree._Element) -> str | None:
    return _val(control_property(sdt, "w:tag"))


def control_alias(sdt: etree._Element) -> str | None:
    return _val(control_property(sdt, "w:alias"))


def _flag_on(flag: etree._Element) -> bool:
    """An on/off flag (``w:showingPlcHdr``: ST_OnOff) is on unless its w:val is 0, false or off,
    whatever its case; present without a value, it is on (the schema's default)."""
    return (flag.get(_VAL) or "").strip().lower() not in ("0", "false", "off")


def control_showing_placeholder(sdt: etree._Element) -> bool:
    """Whether a control shows its placeholder (``w:showingPlcHdr``, on): its text
    is a prompt, not an answer."""
    flag = control_property(sdt, "w:showingPlcHdr")
    return flag is not None and _flag_on(flag)


def control_checkbox_state(sdt: etree._Element) -> bool | None:
    """``True``/``False`` for a check-box control, ``None`` for any other control."""
    box = control_property(sdt, "w14:checkbox")
    if box is None:
        return None
    checked = box.find(qn("w14:checked"))
    if checked is None:
        return False
    value = checked.get(qn("w14:val"))  # ST_OnOff: absent means on; anything but on, true or 1 is off
    return value is None or value.strip().lower() in ("1", "true", "on")


def control_date_value(sdt: etree._Element) -> str | None:
    """The ISO value a date control stores (``w:fullDate``), when it has one."""
    return _val(control_property(sdt, "w:date"), "w:fullDate")


# ---------------------------------------------------------------------------
# Where things are: ancestors, paragraphs, tables, rows, grid columns.
# ---------------------------------------------------------------------------

def enclosing(el: etree._Element, name: str) -> etree._Element | None:
    """The nearest ancestor named ``name`` (``"w:tc"``, ``"w:p"``...)."""
    tag = qn(name)
    parent = el.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


def enclosing_cell(el: etree._Element) -> etree._Element | None:
    """The table cell (``w:tc``) holding ``el``; ``None`` outside a table."""
    return _nearest(el, _TC)


def _nearest(el: etree._Element, tag: str) -> etree._Element | None:
    """The nearest ancestor named ``tag``, not looking past the body."""
    parent = el.getparent()
    while parent is not None and parent.tag != tag:
        if parent.tag == _BODY:
            return None
        parent = parent.getparent()
    return parent


def body(root: etree._Element) -> etree._Element:
    found = root.find(_BODY)
    return root if found is None else found


def iter_paragraphs(el: etree._Element):
    """Every paragraph (``w:p``) under ``el``, nested ones too, in document order."""
    return el.iter(_P)


def iter_tables(root: etree._Element):
    """Every table of the document (nested ones too), in document order."""
    return root.iter(_TBL)


def _children_through_controls(parent: etree._Element, tag: str) -> list[etree._Element]:
    """Children named ``tag``, also those wrapped in a content control (repeating sections)."""
    found = []
    for child in parent:
        if child.tag == tag:
            found.append(child)
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                found.extend(_children_through_controls(content, tag))
    return found


def _children(parent: etree._Element, tag: str) -> list[etree._Element]:
    # findall is done in C; the walk through controls only when there is one.
    if parent.find(_SDT) is None:
        return parent.findall(tag)
    return _children_through_controls(parent, tag)


def table_rows(tbl: etree._Element) -> list[list[etree._Element]]:
    """The rows of a table as lists of cells (``w:tc``); nested tables have their own."""
    return [_children(tr, _TC) for tr in _children(tbl, _TR)]


def cell_grid_span(tc: etree._Element) -> int:
    """How many grid columns a cell spans (``w:gridSpan``, 1 when absent or unreadable)."""
    # Plain tag lookups: a "a/b" path goes through lxml's slower ElementPath.
    pr = tc.find(_TC_PR)
    span = pr.find(_GRID_SPAN) if pr is not None else None
    try:
        return max(1, int(_val(span))) if span is not None else 1
    except (TypeError, ValueError):
        return 1


def has_merged_cells(tbl: etree._Element) -> bool:
    return next(tbl.iter(_GRID_SPAN), None) is not None


def grid_positions(cells: list[etree._Element]) -> list[int]:
    """The grid column where each cell of a row starts (merged cells span several)."""
    positions, column = [], 0
    for tc in cells:
        positions.append(column)
        column += cell_grid_span(tc)
    return positions


# ---------------------------------------------------------------------------
# Visible text: the one rule.
# ---------------------------------------------------------------------------

# Run content and the text it shows (None: the element's own text). Only inside a
# w:r: w:tab also names a tab stop in paragraph properties. The schema allows a w:t
# nowhere else, so its parent is not looked up (that would slow the reader by a few %).
_RUN_CONTENT = {_T: None, qn("w:tab"): "\t", qn("w:br"): "\n", qn("w:cr"): "\n", qn("w:noBreakHyphen"): "-"}
# A symbol inserted with Insert > Symbol: shown as the private-use character it stands for
# (U+F0FE for Wingdings' ticked box), as LibreOffice writes it in a run of that font.
_SYM, _CHAR = qn("w:sym"), qn("w:char")
_RUN_PIECES = (*_RUN_CONTENT, _SYM)
# Containers whose whole content a reader does not see.
_HIDING = frozenset((_DEL, _MOVE_FROM, _FALLBACK))
_TEXT_TAGS = (_P, *_RUN_PIECES, *_HIDING, _SHOWING_PLACEHOLDER)
_INDEX_TAGS = (*_TEXT_TAGS, _TBL, _TR, _TC, _TAG)


def _hides(el: etree._Element) -> bool:
    """Whether a reader sees none of what ``el`` holds: a tracked deletion, the source
    of a tracked move, an ``mc:Fallback`` copy, a control showing its placeholder."""
    tag = el.tag
    return tag in _HIDING or (tag == _SDT and control_showing_placeholder(el))


def _walk(root: etree._Element, index: PartIndex | None = None) -> list[tuple[etree._Element, list[str]]]:
    """The one walk of a part, or of any element of it, in document order.

    Reads every paragraph's visible text: the pieces met from the paragraph's start
    until the next paragraph starts. Visible text is run content (``w:t``, ``w:tab``,
    ``w:br``, ``w:cr``, ``w:noBreakHyphen``, in a ``w:r``), as accepted: nothing under
    an element that :func:`_hides` is seen, be it met in the walk or above ``root``.

    Without ``index``, returns the paragraphs with their pieces. With one, fills it
    in the same walk: paragraphs by cell, tables and rows, controls by tag.
    """
    hidden: set[etree._Element] = set()
    if any(_hides(a) for a in root.iterancestors()):
        hidden.update(root.iter(*_RUN_PIECES))
    paragraphs: list[tuple[etree._Element, list[str]]] = []
    pieces: list[str] | None = None  # the paragraph being read
    if index is not None:
        paragraphs_of, rows_of, row_of, by_tag = index._paragraphs, index._rows, index._row_of, index.by_tag
    # Rows and cells belong to the last table and row met, until a nested table shows
    # up: from there on, each finds its own by walking up.
    table_rows: list | None = None
    row: list | None = None
    nested = False
    for el in root.iter(*(_TEXT_TAGS if index is None else _INDEX_TAGS)):
        tag = el.tag
        if tag == _T:
            if pieces is not None and not (hidden and el in hidden):
                pieces.append(el.text or "")
        elif tag == _P:
            pieces = []
            if index is None:
                paragraphs.append((el, pieces))
                continue
            parent = el.getparent()
            cell = parent if parent.tag == _TC else _nearest(el, _TC)
            if cell is not None:
                if cell in paragraphs_of:
                    paragraphs_of[cell].append((el, pieces))
                else:
                    paragraphs_of[cell] = [(el, pieces)]
        elif tag == _TC:
            if nested:
                row = row_of.get(_nearest(el, _TR))
            if row is not None:
                row.append(el)
        elif tag == _TR:
            if nested:
                table = _nearest(el, _TBL)
                table_rows = rows_of[table] if table is not None else None
            row = None
            if table_rows is not None:
                row_of[el] = row = []
                table_rows.append(row)
                index._label_rows.append(el)
        elif tag in _RUN_CONTENT:
            if pieces is not None and not (hidden and el in hidden) and el.getparent().tag == _R:
                pieces.append(_RUN_CONTENT[tag])
        elif tag == _SYM:
            if pieces is not None and not (hidden and el in hidden):
                pieces.append(symbol_text(el))
        elif tag == _TBL:
            index.tables.append(el)
            rows_of[el] = table_rows = []
            row = None
            outer = _nearest(el, _TC)
            while outer is not None:
                nested = True
                index._with_tables.add(outer)
                outer = _nearest(outer, _TC)
        elif tag == _TAG:  # only a control's w:sdtPr holds one
            value = el.get(_VAL)
            if value:
                sdt = el.getparent().getparent()
                if value in by_tag:
                    by_tag[value].append(sdt)
                else:
                    by_tag[value] = [sdt]
        elif tag in _HIDING:
            hidden.update(el.iter(*_RUN_PIECES))
        elif _flag_on(el):  # w:showingPlcHdr: its control's w:sdtPr comes before the w:sdtContent
            hidden.update(el.getparent().getparent().iter(*_RUN_PIECES))
    return paragraphs


_PICTURES = (qn("w:drawing"), qn("w:pict"), qn("w:object"))


def holds_picture(el: etree._Element) -> bool:
    """Whether ``el`` holds a picture, a drawing (ink) or an embedded object: a scanned
    signature pasted into a cell, say."""
    return next(el.iter(*_PICTURES), None) is not None


def symbol_text(sym: etree._Element) -> str:
    """The character a ``w:sym`` shows, in the private-use area Word and LibreOffice map symbol
    fonts to (``w:char="F0FE"`` -> U+F0FE; a code below U+F000 is shifted there); "" if unreadable."""
    try:
        code = int(sym.get(_CHAR) or "", 16)
    except ValueError:
        return ""
    if code < 0xF000:
        code += 0xF000
    return chr(code) if code <= 0xF0FF else ""


def _paragraphs(el: etree._Element) -> list[tuple[etree._Element, str]]:
    """Every paragraph under ``el`` with its visible text, in document order."""
    return [(p, "".join(pieces)) for p, pieces in _walk(el)]


def _paragraph_mark_deleted(p: etree._Element, text: str) -> bool:
    # A paragraph removed in tracked changes (its mark deleted, no live text left).
    if text.strip():
        return False
    ppr = p.find(_PPR)
    rpr = ppr.find(_RPR) if ppr is not None else None
    return rpr is not None and rpr.find(_DEL) is not None


def _joined(paragraphs: list[tuple[etree._Element, str]]) -> str:
    return "\n".join(text for p, text in paragraphs if not _paragraph_mark_deleted(p, text))


def _first(paragraphs: list[tuple[etree._Element, str]]) -> str:
    return next((text for _, text in paragraphs if text.strip()), "")


def paragraph_text(p: etree._Element) -> str:
    """Text of a paragraph as accepted (see :func:`_walk`): inserted text kept, deleted
    text and placeholder text dropped; tabs and line breaks kept."""
    return "".join(text for _, text in _paragraphs(p))


def cell_text(tc: etree._Element) -> str:
    """Every paragraph of a table cell (nested tables included), joined by newlines."""
    return _joined(_paragraphs(tc))


def first_paragraph_text(tc: etree._Element) -> str:
    """The first paragraph of a cell that holds text (a label cell's label)."""
    return _first(_paragraphs(tc))


# ---------------------------------------------------------------------------
# A part indexed in one walk.
# ---------------------------------------------------------------------------

class PartIndex:
    """A part (``word/document.xml``) indexed in one walk: the visible text of every
    paragraph, by the cell that holds it; the tables and their rows (also rows wrapped
    in a control); the controls by tag and by alias. Reading a report looks these up
    rather than walking the tree again per field."""

    def __init__(self, root: etree._Element):
        self._root = root
        self.by_tag: dict[str, list] = {}
        self._by_alias: dict[str, list] | None = None
        self.tables: list[etree._Element] = []  # document order, nested ones too
        self._rows: dict[etree._Element, list[list]] = {}  # table -> rows of cells
        self._row_of: dict[etree._Element, list] = {}  # w:tr -> its list of cells
        self._label_rows: list[etree._Element] = []  # every w:tr, in document order
        self._paragraphs: dict[etree._Element, list] = {}  # cell -> [(w:p, pieces)]
        self._with_tables: set[etree._Element] = set()  # cells holding a nested table
        self._cells: dict[etree._Element, str] = {}
        self._first: dict[etree._Element, str] = {}
        _walk(root, self)

    @property
    def by_alias(self) -> dict[str, list]:
        """Controls by alias, found only when a field has lost both its tag and its label."""
        if self._by_alias is None:
            self._by_alias = {}
            for el in self._root.iter(_ALIAS):
                value, pr = el.get(_VAL), el.getparent()
                if value and pr.tag == _SDT_PR:
                    self._by_alias.setdefault(value, []).append(pr.getparent())
        return self._by_alias

    def rows(self, tbl: etree._Element) -> list[list[etree._Element]]:
        """The rows of a table as lists of cells, also those wrapped in a control."""
        return self._rows.get(tbl, [])

    def label_value_cells(self):
        """(first cell, second cell) of every row of two cells or more, in document
        order (cells wrapped in a control are left to the table reader)."""
        for tr in self._label_rows:
            direct = [tc for tc in self._row_of[tr] if tc.getparent() is tr]
            if len(direct) >= 2:
                yield direct[0], direct[1]

    def _cell_paragraphs(self, tc: etree._Element) -> list[tuple[etree._Element, str]]:
        if tc in self._with_tables:  # its text runs through a nested table: walk it
            return _paragraphs(tc)
        return [(p, "".join(pieces)) for p, pieces in self._paragraphs.get(tc, ())]

    def cell(self, tc: etree._Element) -> str:
        """Every paragraph of a cell (nested tables included), joined by newlines."""
        text = self._cells.get(tc)
        if text is None:
            text = self._cells[tc] = _joined(self._cell_paragraphs(tc))
        return text

    def first_paragraph(self, tc: etree._Element) -> str:
        """The first paragraph of a cell that holds text (a label cell's label)."""
        text = self._first.get(tc)
        if text is None:
            text = self._first[tc] = _first(self._cell_paragraphs(tc))
        return text


# ---------------------------------------------------------------------------
# Package parts: core properties, content types, relationships.
# ---------------------------------------------------------------------------

CORE_PART = "docProps/core.xml"  # the core document properties, where a package has them


def footer_parts(names: list[str]) -> list[str]:
    """The footer parts among a package's part names (``word/footer1.xml``...), in their order."""
    return [name for name in names if name.startswith("word/footer") and name.endswith(".xml")]


def core_property(root: etree._Element, name: str) -> str | None:
    """A core document property (``docProps/core.xml``), e.g. ``dc:identifier``;
    ``None`` when absent or blank."""
    el = root.find(qn(name))
    return el.text.strip() if el is not None and el.text and el.text.strip() else None


def main_content_type(root: etree._Element, part_name: str) -> str | None:
    """The content type ``[Content_Types].xml`` gives a part (Override, then Default)."""
    wanted = "/" + part_name.lstrip("/")
    for override in root.iter(qn("ct:Override")):
        if override.get("PartName", "").lower() == wanted.lower():
            return override.get("ContentType")
    ext = wanted.rsplit(".", 1)[-1].lower()
    for default in root.iter(qn("ct:Default")):
        if default.get("Extension", "").lower() == ext:
            return default.get("ContentType")
    return None


def office_document_target(rels: etree._Element) -> str | None:
    """The target of the package's main part (``_rels/.rels``: the first internal
    relationship whose type ends in ``/officeDocument``), as written; ``None`` when
    there is none. Relationships are matched in any namespace."""
    for rel in rels.iter("{*}Relationship"):
        if rel.get("Type", "").endswith("/officeDocument") and rel.get("TargetMode") != "External":
            return rel.get("Target", "")
    return None
