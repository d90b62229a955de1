"""An OpenDocument text read into :mod:`pipeline.layout`'s model, in one walk of content.xml.

:func:`odt_layout` takes the parsed parts (content.xml, styles.xml, meta.xml);
:func:`package_layout` takes a package opened by :func:`pipeline.preflight.open_document`.
What the page shows:

- ``text:p`` and ``text:h`` (its ``text:outline-level``) are :class:`~pipeline.layout.Line`\\ s,
  with their style's name (an automatic style stands for the style it derives from); lists,
  list items, sections and indexes are read through; spaces as ODF says (runs of spaces
  count once, ``text:s`` gives ``text:c`` of them), ``text:tab`` (with the leader of the tab
  stop it goes to, from the paragraph's style), ``text:line-break``; soft page breaks, notes
  and comments are not text; a deletion in tracked changes lives in ``text:tracked-changes``
  and is not read, an insertion is text like any other;
- fields: ``text:text-input`` (its description as alias), ``text:drop-down`` (the label
  ``text:current-selected``), ``text:placeholder``, form controls (``draw:control`` pointing
  to ``form:checkbox``, ``form:text``, ``form:combobox``... in ``office:forms``), content
  controls (``loext:content-control``, LibreOffice 7.5+, or ``text:content-control``: check
  box, drop-down, date, plain text; tag and alias), legacy Word form fields as LibreOffice
  keeps them (``field:fieldmark`` FORMCHECKBOX / FORMDROPDOWN, ``field:fieldmark-start`` ...
  ``-end`` FORMTEXT / FORMDATE) are ``field`` pieces; other fields show their text;
- ``table:table`` is a :class:`~pipeline.layout.Table`: header rows, row groups and repeated
  rows and cells (``number-rows-repeated``, ``number-columns-repeated``, within caps) read in
  order, each cell at its grid column (covered cells count, and are not in ``rows``), with its
  ``number-columns-spanned`` and ``number-rows-spanned``; tables nest in cells; the paragraphs
  of a drawing shape (a frame's text box, a custom shape: a .docx's text box saved by LibreOffice,
  a rectangle..., those of a group or a link) follow the paragraph it is anchored in;
- headers and footers: each master page's, from styles.xml; properties: meta.xml's (the core
  properties of a .docx that LibreOffice keeps as ``OOXMLCoreProperty...`` under their
  .docx names: ``dc:identifier``, ``cp:version``).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from ..layout import (Block, Cell, Deferred, Layout, Line, Piece, Table, blocks_text, framed, new_cell, new_line,
                      part_key)
from .ns import NSMAP, parse_xml, qn

_P, _H, _SPAN, _A, _S, _TAB, _LINE_BREAK = (qn("text:p"), qn("text:h"), qn("text:span"), qn("text:a"),
                                            qn("text:s"), qn("text:tab"), qn("text:line-break"))
_LIST, _LIST_ITEM, _LIST_HEADER, _SECTION = (qn("text:list"), qn("text:list-item"), qn("text:list-header"),
                                             qn("text:section"))
_NUMBERED_PARAGRAPH, _INDEX_BODY = qn("text:numbered-paragraph"), qn("text:index-body")
_NOTE, _RUBY, _RUBY_BASE, _C = qn("text:note"), qn("text:ruby"), qn("text:ruby-base"), qn("text:c")
_STYLE_NAME, _OUTLINE_LEVEL = qn("text:style-name"), qn("text:outline-level")
_TEXT_INPUT, _DROP_DOWN, _LABEL, _PLACEHOLDER = (qn("text:text-input"), qn("text:drop-down"), qn("text:label"),
                                                 qn("text:placeholder"))
_DESCRIPTION, _NAME, _VALUE, _CURRENT_SELECTED = (qn("text:description"), qn("text:name"), qn("text:value"),
                                                  qn("text:current-selected"))
_TABLE, _TABLE_ROW, _TABLE_CELL, _COVERED = (qn("table:table"), qn("table:table-row"), qn("table:table-cell"),
                                             qn("table:covered-table-cell"))
_ROW_GROUPS = frozenset((qn("table:table-header-rows"), qn("table:table-rows"), qn("table:table-row-group")))
_TABLE_COLUMN = qn("table:table-column")
_COLUMN_GROUPS = frozenset((qn("table:table-header-columns"), qn("table:table-columns"),
                            qn("table:table-column-group")))
_ROWS_REPEATED, _COLUMNS_REPEATED = qn("table:number-rows-repeated"), qn("table:number-columns-repeated")
_COLUMNS_SPANNED, _ROWS_SPANNED = qn("table:number-columns-spanned"), qn("table:number-rows-spanned")
_FRAME, _TEXT_BOX, _DRAW_A, _CONTROL = qn("draw:frame"), qn("draw:text-box"), qn("draw:a"), qn("draw:control")
_GROUP = qn("draw:g")
# Drawing shapes that hold their text as paragraphs of their own (a .docx's text box saved by
# LibreOffice is a draw:custom-shape); a frame holds its text in a draw:text-box; a group and a
# link hold shapes.
_TEXT_SHAPES = frozenset(qn(f"draw:{name}") for name in (
    "custom-shape", "rect", "ellipse", "circle", "polygon", "regular-polygon", "polyline", "path", "line",
    "connector", "caption", "measure"))
_SHAPES = _TEXT_SHAPES | {_FRAME, _GROUP, _DRAW_A}
_FORMS, _XML_ID, _FORM_ID = qn("office:forms"), qn("xml:id"), qn("form:id")
_FIELDMARK, _FIELDMARK_START, _FIELDMARK_SEPARATOR, _FIELDMARK_END, _PARAM = (
    qn("field:fieldmark"), qn("field:fieldmark-start"), qn("field:fieldmark-separator"), qn("field:fieldmark-end"),
    qn("field:param"))
_FIELD_TYPE, _PARAM_NAME, _PARAM_VALUE = qn("field:type"), qn("field:name"), qn("field:value")
_CONTENT_CONTROLS = frozenset((qn("loext:content-control"), qn("text:content-control")))
_CONTROL_ITEMS = frozenset((qn("loext:list-item"), qn("text:list-item")))

_TEXT_NS = "{" + NSMAP["text"] + "}"
# Inline text elements that show no text of their own at that place.
_NOT_INLINE_TEXT = frozenset((_NOTE, qn("text:ruby-text"), qn("text:tracked-changes"), qn("text:change"),
                              qn("text:change-start"), qn("text:change-end"), qn("text:soft-page-break"),
                              qn("text:bookmark"), qn("text:bookmark-start"), qn("text:bookmark-end")))
# Containers of blocks read as if their content were the body's own.
_BLOCK_WRAPPERS = frozenset((_LIST, _LIST_ITEM, _LIST_HEADER, _SECTION, _NUMBERED_PARAGRAPH, _INDEX_BODY))
# Indexes (tables of contents...): their body is read, their template is not.
_INDEXES = frozenset(qn(f"text:{name}") for name in (
    "table-of-content", "illustration-index", "table-index", "object-index", "user-index", "alphabetical-index",
    "bibliography"))
_WHITESPACE = re.compile("[ \t\n\r]+")
_SPACES = re.compile(" {2,}")
# LibreOffice's name for a legacy form field it made up itself: not the field's name.
_GENERATED_NAME = "__Fieldmark__"
_EMPTY_FORM_TEXT = "\u2002"  # an empty FORMTEXT shows five en spaces
_FIELDMARK_KINDS = {"FORMTEXT": "text", "FORMCHECKBOX": "checkbox", "FORMDROPDOWN": "dropdown", "FORMDATE": "date"}
#: Caps on what repetition attributes expand to: one attribute, and a whole document's cells.
REPEAT_CAP = 1000
CELLS_CAP = 200_000
# Leader styles drawn with a character, when the tab stop does not give its style:leader-text.
_LEADER_STYLES = {"dotted": ".", "solid": "_", "dash": "-", "long-dash": "-", "dot-dash": "-", "dot-dot-dash": "-",
                  "wave": "~"}
# The .docx core properties LibreOffice keeps as user-defined ones (OOXMLCoreProperty<Name>).
_OOXML_CORE = "OOXMLCoreProperty"
_DC_CORE = frozenset(("identifier", "title", "subject", "creator", "description", "language"))
_PREFIXES = {uri: prefix for prefix, uri in NSMAP.items()}


# ---------------------------------------------------------------------------
# Styles: names and tab leaders.
# ---------------------------------------------------------------------------

class _Styles:
    """Paragraph styles by name: the common ones (styles.xml) and the automatic ones of the
    part being read. An automatic style (« P1 ») stands for the common style it derives from.

    Both are given as functions, called when a style is first asked for: a line's style name and
    a tab's leader are :class:`~pipeline.layout.Deferred`, worked out when someone looks at them,
    so that a reader that never does never parses styles.xml."""

    def __init__(self, common: Callable[[], dict[str, etree._Element]],
                 automatic: Callable[[], dict[str, etree._Element]]):
        self._sources = (common, automatic)
        self._common: dict[str, etree._Element] | None = None
        self._automatic: dict[str, etree._Element] = {}
        self._found: dict[str | None, tuple[str | None, list[str | None]]] = {}

    def name(self, style: str | None) -> Deferred | None:
        """The name shown of a paragraph of style ``style``, worked out when asked for."""
        if style is None:
            return None
        return Deferred(lambda: self.paragraph(style)[0])

    def leader(self, style: str | None, index: int) -> Deferred | None:
        """The leader of the ``index``-th tab of a paragraph of style ``style``, when asked for."""
        if style is None:
            return None

        def leader() -> str | None:
            leaders = self.paragraph(style)[1]
            return leaders[index] if index < len(leaders) else None
        return Deferred(leader)

    def paragraph(self, name: str | None) -> tuple[str | None, list[str | None]]:
        """(the style's name as shown, the leaders of its tab stops in order)."""
        found = self._found.get(name)
        if found is not None:
            return found
        if self._common is None:
            self._common, self._automatic = self._sources[0](), self._sources[1]()
        shown, leaders, seen = None, None, set()
        style = self._automatic.get(name) if name else None
        automatic = style is not None
        if style is None and name:
            style = self._common.get(name)
        while style is not None and id(style) not in seen:
            seen.add(id(style))
            if leaders is None:
                leaders = _leaders(style)
            if not automatic and shown is None:
                shown = style.get(qn("style:display-name")) or _decoded(style.get(qn("style:name")) or "")
            if shown is not None and leaders is not None:
                break
            parent = style.get(qn("style:parent-style-name"))
            style, automatic = (self._common.get(parent) if parent else None), False
        found = self._found[name] = (shown or (None if automatic or not name else _decoded(name)), leaders or [])
        return found


def _paragraph_styles(container: etree._Element | None) -> dict[str, etree._Element]:
    """The paragraph styles of an ``office:styles`` or ``office:automatic-styles`` by name."""
    found = {}
    if container is not None:
        for style in container.iterchildren(qn("style:style")):
            if style.get(qn("style:family")) == "paragraph" and style.get(qn("style:name")):
                found[style.get(qn("style:name"))] = style
    return found


def _decoded(name: str) -> str:
    """A style name as written (``Heading_20_1``: characters outside names are ``_XX_``)."""
    return re.sub(r"_([0-9A-Fa-f]{2,4})_", lambda m: chr(int(m.group(1), 16)), name)


def _leaders(style: etree._Element) -> list[str | None] | None:
    """The leaders of a style's own tab stops; ``None`` when it sets none (its parent's count)."""
    props = style.find(qn("style:paragraph-properties"))
    stops = props.find(qn("style:tab-stops")) if props is not None else None
    if stops is None:
        return None
    leaders = []
    for stop in stops.iterchildren(qn("style:tab-stop")):
        text = stop.get(qn("style:leader-text"))
        kind = stop.get(qn("style:leader-style")) or "none"
        leaders.append(text if text and text.strip() else _LEADER_STYLES.get(kind) if kind != "none" else None)
    return leaders


# ---------------------------------------------------------------------------
# The walk.
# ---------------------------------------------------------------------------

@dataclass
class _Mark:
    """A field mark between its start and its end: its piece when it is a form field, the
    pieces list and length at its start (a mark's text before its separator is its code)."""

    piece: Piece | None
    pieces: list[Piece]
    start: int


_new = object.__new__  # text pieces made the quick way (pipeline.layout.text_piece)


class _Walk:
    def __init__(self, styles: _Styles, controls: dict[str, etree._Element]):
        self.styles, self.controls = styles, controls
        self.marks: list[_Mark] = []
        self.cells_left = CELLS_CAP
        self.space = True  # the last character was a space, or the paragraph has just begun
        self.style: str | None = None  # the paragraph's style (its tabs' leaders)
        # Each style's name and tab leaders, as Deferred, made once by the walk (not kept by the
        # styles: a Deferred holds them, and they would hold it, a cycle only the collector frees).
        self.names: dict[str, Deferred] = {}
        self.leaders: dict[tuple[str, int], Deferred] = {}
        self.tabs = 0
        self.boxes: list[etree._Element] = []

    # -- blocks -----------------------------------------------------------------------

    def blocks(self, parent: etree._Element, out: list[Block]) -> list[Block]:
        for child in parent:
            tag = child.tag
            if tag == _P or tag == _H:
                self.paragraph(child, out)
            elif tag == _TABLE:
                out.append(self.table(child))
            elif tag == _LIST_ITEM or tag == _NUMBERED_PARAGRAPH:  # its first paragraph shows the number
                first = len(out)
                self.blocks(child, out)
                item = next((b for b in out[first:] if b.__class__ is Line), None)
                if item is not None and item.source is not None and item.source.getparent() is child:
                    item.numbered = True
            elif tag in _BLOCK_WRAPPERS:
                self.blocks(child, out)
            elif tag in _INDEXES:
                body = child.find(_INDEX_BODY)
                if body is not None:
                    self.blocks(body, out)
            elif tag in _SHAPES:  # a shape anchored to the page: its paragraphs
                for box in _shape_texts(child, []):
                    first = len(out)
                    framed(self.blocks(box, out), first)
            # text:tracked-changes (deleted text), office:forms, declarations: not shown
        return out

    def paragraph(self, p: etree._Element, out: list[Block]) -> None:
        style = p.get(_STYLE_NAME)
        heading = None
        if p.tag == _H:
            try:
                heading = max(1, int(p.get(_OUTLINE_LEVEL) or 1))
            except ValueError:
                heading = 1
        name = self.names.get(style)
        if name is None and style is not None:
            name = self.names[style] = self.styles.name(style)
        line = new_line(name, heading, p)
        self.space, self.style, self.tabs = True, style, 0
        boxes = self.boxes = []
        self.inline(p, line.pieces)
        if self.marks:
            piece = self._collecting()
            if piece is not None:
                piece.text += "\n"  # a form field's text going on in the next paragraph
        out.append(line)
        for box in boxes:
            first = len(out)
            framed(self.blocks(box, out), first)

    # -- inline content ---------------------------------------------------------------

    def inline(self, parent: etree._Element, pieces: list[Piece]) -> None:
        text = parent.text
        if text:
            self.text(text, parent, pieces)
        for child in parent:
            tag = child.tag
            if tag == _SPAN or tag == _A:
                if len(child):
                    self.inline(child, pieces)
                else:  # a span of text alone, the most common thing there is
                    text = child.text
                    if text:
                        self.text(text, child, pieces)
            elif tag == _S:
                try:
                    count = min(max(1, int(child.get(_C) or 1)), REPEAT_CAP)
                except ValueError:
                    count = 1
                self.emit(Piece("text", " " * count, source=child), pieces)
                self.space = False
            elif tag == _TAB:
                index = self.tabs
                self.tabs += 1
                leader = self.leaders.get((self.style, index))
                if leader is None and self.style is not None:
                    leader = self.leaders[self.style, index] = self.styles.leader(self.style, index)
                self.emit(Piece("tab", leader=leader, source=child), pieces)
                self.space = False
            elif tag == _LINE_BREAK:
                self.emit(Piece("break", source=child), pieces)
                self.space = True
            elif tag in _CONTENT_CONTROLS:
                self.content_control(child, pieces)
            elif tag == _TEXT_INPUT or tag == _PLACEHOLDER:
                inner = self.inner_text(child)
                self.emit(Piece("field", inner, field_kind="text", placeholder=tag == _PLACEHOLDER,
                                alias=child.get(_DESCRIPTION) or None, source=child), pieces)
            elif tag == _DROP_DOWN:
                self.drop_down(child, pieces)
            elif tag == _CONTROL:
                piece = _form_control(self.controls.get(child.get(_CONTROL) or ""), child)
                if piece is not None:
                    self.emit(piece, pieces)
            elif tag in _SHAPES:  # a frame's text box, a shape's text: their paragraphs follow this one
                _shape_texts(child, self.boxes)
            elif tag == _FIELDMARK or tag == _FIELDMARK_START:
                self.field_mark(child, pieces)
            elif tag == _FIELDMARK_SEPARATOR:
                self.mark_separator()
            elif tag == _FIELDMARK_END:
                if self.marks:
                    _finish(self.marks.pop().piece)
            elif tag == _RUBY:
                base = child.find(_RUBY_BASE)
                if base is not None:
                    self.inline(base, pieces)
            elif isinstance(tag, str) and tag.startswith(_TEXT_NS) and tag not in _NOT_INLINE_TEXT:
                self.inline(child, pieces)  # a field (date, page number, variable...) shows its text
            text = child.tail
            if text:
                self.text(text, child, pieces)

    def text(self, text: str, source: etree._Element, pieces: list[Piece]) -> None:
        """Character data, its white space collapsed as ODF says."""
        if "\n" in text or "\t" in text or "\r" in text:
            text = _WHITESPACE.sub(" ", text)
        elif "  " in text:
            text = _SPACES.sub(" ", text)
        if self.space and text.startswith(" "):
            text = text[1:]
        if text:
            self.space = text[-1] == " "
            piece = _new(Piece)  # made the quick way: the other attributes at their defaults
            piece.kind, piece.text, piece.source = "text", text, source
            if self.marks:
                self.emit(piece, pieces)
            else:
                pieces.append(piece)

    def emit(self, piece: Piece, pieces: list[Piece]) -> None:
        if piece.kind == "field":
            self.space = False  # a space after a field is a space
        if not self.marks:
            pieces.append(piece)
            return
        collecting = self._collecting()
        if collecting is None:
            pieces.append(piece)
        elif piece.kind != "field":
            collecting.text += piece.shown
        else:
            collecting.text += piece.text

    def inner_text(self, el: etree._Element) -> str:
        """The text an inline element shows (a field's value)."""
        inner: list[Piece] = []
        marks, self.marks = self.marks, []
        self.inline(el, inner)
        self.marks = marks
        return "".join(p.text if p.kind == "text" or p.kind == "field" else p.shown for p in inner)

    def _collecting(self) -> Piece | None:
        for mark in reversed(self.marks):
            if mark.piece is not None:
                return mark.piece
        return None

    # -- fields -----------------------------------------------------------------------

    def drop_down(self, el: etree._Element, pieces: list[Piece]) -> None:
        labels = [label for label in el.iterchildren(_LABEL)]
        chosen = next((label.get(_VALUE) for label in labels if label.get(_CURRENT_SELECTED) == "true"), None)
        text = chosen if chosen is not None else self.inner_text(el)
        self.emit(Piece("field", text or "", name=el.get(_NAME) or None, field_kind="dropdown",
                        choices=tuple(label.get(_VALUE) or "" for label in labels), source=el), pieces)

    def content_control(self, el: etree._Element, pieces: list[Piece]) -> None:
        """A content control (LibreOffice 7.5+): one ``field`` piece."""
        items = [item for item in el if item.tag in _CONTROL_ITEMS]
        piece = Piece("field", self.inner_text(el), name=_attr(el, "tag") or None, alias=_attr(el, "alias") or None,
                      placeholder=_attr(el, "showing-place-holder") == "true", source=el)
        if _attr(el, "checkbox") == "true":
            piece.field_kind, piece.checked = "checkbox", _attr(el, "checked") == "true"
        elif _attr(el, "date") == "true":
            piece.field_kind = "date"
            piece.value = (_attr(el, "current-date") or "")[:10] or None
        elif _attr(el, "dropdown") == "true" or _attr(el, "combobox") == "true" or items:
            piece.field_kind = "dropdown"
            piece.choices = tuple(_attr(item, "display-text") or _attr(item, "value") or "" for item in items)
        else:
            piece.field_kind = "text"
        self.emit(piece, pieces)

    def field_mark(self, el: etree._Element, pieces: list[Piece]) -> None:
        """A legacy Word form field as LibreOffice keeps it: ``field:fieldmark`` (a check box, a
        drop-down: no text) or ``field:fieldmark-start`` (text follows, up to its end)."""
        kind = _FIELDMARK_KINDS.get((el.get(_FIELD_TYPE) or "").rsplit(".", 1)[-1])
        params: dict[str, list[str]] = {}
        for param in el.iterchildren(_PARAM):
            params.setdefault(param.get(_PARAM_NAME) or "", []).append(param.get(_PARAM_VALUE) or "")
        piece = None
        if kind is not None and self._collecting() is None:
            name = el.get(_NAME) or ""
            piece = Piece("field", name=None if not name or name.startswith(_GENERATED_NAME) else name,
                          field_kind=kind, source=el)
            if kind == "text" and "date" in params.get("Type", ()):
                piece.field_kind = "date"
            elif kind == "checkbox":
                piece.checked = params.get("Checkbox_Checked", ["false"])[0] == "true"
            elif kind == "dropdown":
                piece.choices = tuple(params.get("Dropdown_ListEntry", ()))
                try:
                    index = int(params.get("Dropdown_Selected", ["0"])[0])
                except ValueError:
                    index = 0
                piece.text = piece.choices[index] if 0 <= index < len(piece.choices) else ""
            elif kind == "date":
                piece.value = (params.get("DateField_CurrentDate", [""])[0])[:10] or None
            pieces.append(piece)
            self.space = False
        if el.tag == _FIELDMARK_START:
            self.marks.append(_Mark(piece if kind in ("text", "date") else None, pieces, len(pieces)))

    def mark_separator(self) -> None:
        """The end of a field mark's code: what came before it is not shown."""
        if not self.marks:
            return
        mark = self.marks[-1]
        if mark.piece is not None:
            mark.piece.text = ""
        else:
            del mark.pieces[mark.start:]

    # -- tables -----------------------------------------------------------------------

    def _repeat(self, value: str | None) -> int:
        if value is None or self.cells_left <= 0:
            return 1
        try:
            return min(max(1, int(value)), REPEAT_CAP)
        except ValueError:
            return 1

    def table(self, el: etree._Element) -> Table:
        table = Table(source=el)
        columns = min(sum(self._repeat(c.get(_COLUMNS_REPEATED)) for c in _columns(el)), CELLS_CAP)
        for row_el in _rows(el):
            for _ in range(self._repeat(row_el.get(_ROWS_REPEATED))):
                row: list[Cell] = []
                index, column, free = len(table.rows), 0, 0
                for cell_el in row_el:
                    tag = cell_el.tag
                    if tag == _COVERED:
                        column += self._repeat(cell_el.get(_COLUMNS_REPEATED))
                    elif tag == _TABLE_CELL:
                        get = cell_el.get
                        columns_spanned, rows_spanned, repeated = (get(_COLUMNS_SPANNED), get(_ROWS_SPANNED),
                                                                   get(_COLUMNS_REPEATED))
                        column_span = _span(columns_spanned) if columns_spanned else 1
                        row_span = _span(rows_spanned) if rows_spanned else 1
                        blocks = self.blocks(cell_el, [])
                        for copy in range(self._repeat(repeated) if repeated else 1):
                            if free > column:  # a span not followed by its covered cells
                                column = free
                            row.append(new_cell(index, column, row_span, column_span,
                                                blocks if copy == 0 else list(blocks), cell_el))
                            self.cells_left -= 1
                            free, column = column + column_span, column + 1
                table.rows.append(row)
                columns = max(columns, column, free)
        table.grid_columns = columns
        return table


_ATTRS: dict[str, tuple[str, str]] = {}


def _attr(el: etree._Element, name: str) -> str | None:
    """An attribute of a content control or its list item, in LibreOffice's extension
    namespace or in text's."""
    names = _ATTRS.get(name)
    if names is None:
        names = _ATTRS[name] = (qn(f"loext:{name}"), qn(f"text:{name}"))
    value = el.get(names[0])
    return value if value is not None else el.get(names[1])


def _finish(piece: Piece | None) -> None:
    """A form text field once its end is met: Word's empty one (five en spaces) is no answer."""
    if piece is not None and not piece.text.replace(_EMPTY_FORM_TEXT, "").strip():
        piece.placeholder = True


def _span(value: str | None) -> int:
    try:
        return min(max(1, int(value)), REPEAT_CAP) if value else 1
    except ValueError:
        return 1


def _rows(el: etree._Element):
    """A table's rows in order, through header rows and row groups."""
    for child in el:
        if child.tag == _TABLE_ROW:
            yield child
        elif child.tag in _ROW_GROUPS:
            yield from _rows(child)


def _columns(el: etree._Element):
    for child in el:
        if child.tag == _TABLE_COLUMN:
            yield child
        elif child.tag in _COLUMN_GROUPS:
            yield from _columns(child)


def _shape_texts(shape: etree._Element, out: list[etree._Element]) -> list[etree._Element]:
    """Add to ``out`` the elements holding a drawing shape's paragraphs, in order: a frame's text
    boxes, a shape itself (its ``text:p`` and lists), those of the shapes a group or a link holds."""
    tag = shape.tag
    if tag == _FRAME:
        out.extend(shape.iterchildren(_TEXT_BOX))
    elif tag in _TEXT_SHAPES:
        out.append(shape)
    else:  # draw:g, draw:a
        for child in shape:
            if child.tag in _SHAPES:
                _shape_texts(child, out)
    return out


def _form_control(control: etree._Element | None, source: etree._Element) -> Piece | None:
    """The piece of a form control (``form:checkbox``, ``form:text``...) a ``draw:control``
    shows; ``None`` for a button, an image, a control that is not there."""
    if control is None:
        return None
    kind = etree.QName(control).localname

    def attr(name: str) -> str | None:
        return control.get(qn(f"form:{name}"))

    def current(name: str) -> str | None:
        value = attr(f"current-{name}")
        return value if value is not None else attr(name)

    piece = Piece("field", name=attr("name") or None, alias=attr("label") or None, source=source)
    if kind == "checkbox":
        piece.field_kind, piece.checked = "checkbox", (attr("current-state") or attr("state")) == "checked"
        piece.text = attr("label") or ""
    elif kind == "radio":
        piece.field_kind, piece.checked = "checkbox", current("selected") == "true"
        piece.text = attr("label") or ""
    elif kind in ("text", "textarea", "formatted-text", "time", "number"):
        piece.field_kind, piece.text = "text", current("value") or ""
    elif kind == "date":
        piece.field_kind, piece.text = "date", current("value") or ""
        piece.value = piece.text or None
    elif kind == "combobox":
        piece.field_kind, piece.text = "dropdown", current("value") or ""
        piece.choices = tuple(item.get(qn("form:label")) or "" for item in control.iterchildren(qn("form:item")))
    elif kind == "listbox":
        options = list(control.iterchildren(qn("form:option")))
        piece.field_kind = "dropdown"
        piece.choices = tuple(option.get(qn("form:label")) or "" for option in options)
        selected = [o for o in options if (o.get(qn("form:current-selected")) or o.get(qn("form:selected"))) == "true"]
        piece.text = ", ".join(option.get(qn("form:label")) or "" for option in selected)
    else:
        return None
    return piece


def _form_controls(text: etree._Element | None) -> dict[str, etree._Element]:
    """The form controls of a body's ``office:forms``, by the id ``draw:control`` refers to."""
    found: dict[str, etree._Element] = {}
    forms = text.find(_FORMS) if text is not None else None
    if forms is not None:
        for el in forms.iter():
            key = el.get(_XML_ID) or el.get(_FORM_ID)
            if key:
                found.setdefault(key, el)
    return found


# ---------------------------------------------------------------------------
# Properties, headers and footers, the whole document.
# ---------------------------------------------------------------------------

def _properties(meta: etree._Element | None) -> dict[str, str]:
    """meta.xml's properties as ``dc:title``, ``meta:initial-creator``...; user-defined ones by
    their name; a .docx's core properties LibreOffice kept under their .docx names."""
    found: dict[str, str] = {}
    office_meta = meta.find(qn("office:meta")) if meta is not None else None
    if office_meta is None:
        return found
    kept: dict[str, str] = {}
    for el in office_meta:
        if not isinstance(el.tag, str):
            continue
        value = (el.text or "").strip()
        if el.tag == qn("meta:user-defined"):
            name = el.get(qn("meta:name")) or ""
            if name.startswith(_OOXML_CORE) and len(name) > len(_OOXML_CORE) and value:
                core = name[len(_OOXML_CORE):]
                core = core[:1].lower() + core[1:]
                kept[("dc:" if core in _DC_CORE else "cp:") + core] = value
            elif name:
                found.setdefault(name, value)
        elif value:
            qname = etree.QName(el)
            prefix = _PREFIXES.get(qname.namespace)
            if prefix:
                key = f"{prefix}:{qname.localname}"
                found[key] = f"{found[key]}, {value}" if key in found else value  # meta:keyword, repeated
    for key, value in kept.items():
        found.setdefault(key, value)
    return found


def meta_properties(data: bytes) -> dict[str, str]:
    """The properties of a meta.xml given as bytes (as a layout has them: ``dc:identifier``...),
    parsed by the hardened parser. Raises ``etree.XMLSyntaxError`` or ``ValueError`` as
    :func:`~.ns.parse_xml` does."""
    return _properties(parse_xml(data))


_PAGE_PARTS = ("header", "header-left", "header-first", "footer", "footer-left", "footer-first")


def _page_texts(styles: etree._Element | None) -> tuple[list[str], list[str]]:
    """The text of each master page's headers and of its footers (styles.xml)."""
    headers: list[str] = []
    footers: list[str] = []
    masters = styles.find(qn("office:master-styles")) if styles is not None else None
    if masters is None:
        return headers, footers
    common = styles.find(qn("office:styles"))
    walk = _Walk(_Styles(lambda: _paragraph_styles(common),
                         lambda: _paragraph_styles(styles.find(qn("office:automatic-styles")))), {})
    for page in masters.iterchildren(qn("style:master-page")):
        for part in page:
            kind = etree.QName(part).localname if isinstance(part.tag, str) else ""
            if kind not in _PAGE_PARTS or part.get(qn("style:display")) == "false":
                continue
            (headers if kind.startswith("header") else footers).append(blocks_text(walk.blocks(part, [])))
    return headers, footers


def odt_layout(content: etree._Element, *, styles: etree._Element | None = None,
               meta: etree._Element | None = None) -> Layout:
    """The layout of an OpenDocument text from its parsed parts: content.xml (or any element
    holding paragraphs and tables), styles.xml (style names, tab stops, headers and footers)
    and meta.xml (properties). A part not given is a part the document does not have."""
    return _layout(content, lambda: styles, meta)


def _layout(content: etree._Element, styles_part: Callable[[], etree._Element | None],
            meta: etree._Element | None,
            page_texts: Callable[[], tuple[list[str], list[str]]] | None = None) -> Layout:
    """The layout, styles.xml (``styles_part()``) read only when a style name, a tab's leader, a
    header or a footer is first asked for."""
    parsed: list[etree._Element | None] = []

    def styles() -> etree._Element | None:
        if not parsed:
            parsed.append(styles_part())
        return parsed[0]

    def common() -> dict[str, etree._Element]:
        part = styles()
        return _paragraph_styles(part.find(qn("office:styles")) if part is not None else None)

    text = content.find(f"{qn('office:body')}/{qn('office:text')}")
    body = text if text is not None else content
    walk = _Walk(_Styles(common, lambda: _paragraph_styles(content.find(qn("office:automatic-styles")))),
                 _form_controls(body))
    blocks = walk.blocks(body, [])
    pages: list[tuple[list[str], list[str]]] = []

    def page(which: int) -> list[str]:
        if not pages:
            pages.append(page_texts() if page_texts is not None else _page_texts(styles()))
        return pages[0][which]

    return Layout(blocks=blocks, headers=Deferred(lambda: page(0)), footers=Deferred(lambda: page(1)),
                  properties=_properties(meta), format="odt")


CONTENT_PART, STYLES_PART, META_PART = "content.xml", "styles.xml", "meta.xml"


# The headers and footers of the last few styles.xml read, by their bytes as stored: copies of one
# blank form share it (100 KB from LibreOffice, a millisecond to parse), and a reader looks at their
# footers for an identifier when the copy has no other.
_PAGES_CACHE: OrderedDict[tuple, tuple[list[str], list[str]]] = OrderedDict()
_PAGES_CACHE_SIZE = 4


def package_layout(package) -> Layout:
    """The layout of an opened .odt package (:func:`pipeline.preflight.open_document`); its
    styles.xml parsed only when a style name or a tab's leader is asked for, or a header or a
    footer that no package holding the same styles.xml has shown before."""
    has_styles = package.has_part(STYLES_PART)

    def pages() -> tuple[list[str], list[str]]:
        key = part_key(package, STYLES_PART)
        found = _PAGES_CACHE.get(key)
        if found is None:
            found = _PAGES_CACHE[key] = _page_texts(package.xml_part(STYLES_PART))
            if len(_PAGES_CACHE) > _PAGES_CACHE_SIZE:
                _PAGES_CACHE.popitem(last=False)
        else:
            _PAGES_CACHE.move_to_end(key)
        return [*found[0]], [*found[1]]

    return _layout(
        package.xml_part(CONTENT_PART),
        lambda: package.xml_part(STYLES_PART) if has_styles else None,
        package.xml_part(META_PART) if package.has_part(META_PART) else None,
        pages if has_styles else None,
    )
