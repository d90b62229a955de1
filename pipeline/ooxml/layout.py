"""A WordprocessingML document read into :mod:`pipeline.layout`'s model, in one walk.

:func:`docx_layout` takes the parsed parts (the body, styles, headers, footers, properties);
:func:`package_layout` takes a package opened by :mod:`pipeline.preflight` and finds them
through the main part's relationships. What the page shows, as :mod:`.reading` reads it:

- a paragraph is a :class:`~pipeline.layout.Line`: its runs' text, ``w:tab`` (with the leader
  of the tab stop it goes to: the n-th tab to the paragraph's n-th stop, from its style and
  its own ``w:tabs``), ``w:br``, ``w:sym`` (the character :func:`.reading.symbol_text` gives);
  tracked insertions kept, deletions and the sources of moves dropped, hidden text
  (``w:vanish``, on the run or its character or paragraph style) dropped, a paragraph whose
  mark is deleted and that holds nothing left out; its style name and heading level
  (``w:outlineLvl`` of the paragraph or its style chain, else a « Heading N » / « Titre N »
  name);
- a content control inside a paragraph is a ``field`` piece (tag, alias, value, check box,
  date, drop-down, placeholder); a control around paragraphs, rows or cells is read through;
- a legacy form field (``w:fldChar`` with ``w:ffData``: FORMTEXT, FORMCHECKBOX, FORMDROPDOWN)
  is a ``field`` piece named by ``w:ffData/w:name``; any other field shows its result, never
  its instruction; a ``w:fldSimple`` FORM* field is a ``field`` piece too; an ActiveX control
  (``w:control`` in ``w:object`` or ``w:pict``: an .odt's form control saved by LibreOffice, Word's
  « Contrôles ActiveX ») is a ``field`` piece named by its ``w:name``, its state read from its part
  (:class:`_ActiveX`, through a package only);
- a table is a :class:`~pipeline.layout.Table` on its grid (``w:gridBefore``, ``w:gridSpan``,
  ``w:vMerge`` and the old ``w:hMerge`` merged into one cell), rows deleted in tracked changes
  left out; a text box's paragraphs (``w:txbxContent`` in a drawing, a VML shape, an object)
  follow the paragraph holding it; ``mc:Fallback`` copies are not read.

Each piece, line, cell and table keeps the element it came from (``source``).
"""

from __future__ import annotations

import itertools
import posixpath
import re
import struct
from collections import OrderedDict
from dataclasses import dataclass

from lxml import etree

from ..layout import (Block, Cell, Deferred, Layout, Line, Piece, Table, blocks_text, framed, new_cell, new_line,
                      part_key, text_piece)
from ..outcomes import UnreadableReport
from .ns import NSMAP, qn
from .reading import (CORE_PART, _flag_on, control_checkbox_state, control_date_value, control_showing_placeholder,
                      symbol_text)

# Names looked up in loops, qualified once.
_P, _R, _T, _TAB, _BR, _CR = qn("w:p"), qn("w:r"), qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_SYM, _PTAB, _NO_BREAK_HYPHEN = qn("w:sym"), qn("w:ptab"), qn("w:noBreakHyphen")
_TBL, _TR, _TC, _TBL_GRID, _GRID_COL = qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:tblGrid"), qn("w:gridCol")
_TR_PR, _TC_PR, _GRID_SPAN, _V_MERGE, _H_MERGE = (qn("w:trPr"), qn("w:tcPr"), qn("w:gridSpan"), qn("w:vMerge"),
                                                  qn("w:hMerge"))
_GRID_BEFORE, _GRID_AFTER = qn("w:gridBefore"), qn("w:gridAfter")
_SDT, _SDT_CONTENT, _CUSTOM_XML = qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")
_INS, _DEL, _MOVE_TO, _MOVE_FROM = qn("w:ins"), qn("w:del"), qn("w:moveTo"), qn("w:moveFrom")
_PPR, _RPR, _P_STYLE, _R_STYLE, _OUTLINE, _TABS = (qn("w:pPr"), qn("w:rPr"), qn("w:pStyle"), qn("w:rStyle"),
                                                   qn("w:outlineLvl"), qn("w:tabs"))
_VANISH, _VAL, _TYPE, _LEADER, _POS = qn("w:vanish"), qn("w:val"), qn("w:type"), qn("w:leader"), qn("w:pos")
_FLD_CHAR, _FLD_CHAR_TYPE, _INSTR_TEXT, _FLD_SIMPLE, _INSTR = (qn("w:fldChar"), qn("w:fldCharType"),
                                                               qn("w:instrText"), qn("w:fldSimple"), qn("w:instr"))
_FF_DATA, _NAME, _CHECK_BOX, _DD_LIST, _TEXT_INPUT = (qn("w:ffData"), qn("w:name"), qn("w:checkBox"),
                                                      qn("w:ddList"), qn("w:textInput"))
_CHECKED, _DEFAULT, _RESULT, _LIST_ENTRY = qn("w:checked"), qn("w:default"), qn("w:result"), qn("w:listEntry")
_STYLE, _STYLE_ID, _BASED_ON, _DEFAULT_STYLE = qn("w:style"), qn("w:styleId"), qn("w:basedOn"), qn("w:default")
_HYPERLINK, _SMART_TAG, _DIR, _BDO = qn("w:hyperlink"), qn("w:smartTag"), qn("w:dir"), qn("w:bdo")
_DRAWING, _PICT, _TXBX = qn("w:drawing"), qn("w:pict"), qn("w:txbxContent")
_ALTERNATE, _CHOICE = qn("mc:AlternateContent"), qn("mc:Choice")
_LIST_ITEM, _DISPLAY_TEXT, _VALUE = qn("w:listItem"), qn("w:displayText"), qn("w:value")
_SDT_PR, _TAG, _ALIAS, _SHOWING_PLACEHOLDER = qn("w:sdtPr"), qn("w:tag"), qn("w:alias"), qn("w:showingPlcHdr")
_CHECKBOX, _DATE, _DROPDOWN, _COMBOBOX = qn("w14:checkbox"), qn("w:date"), qn("w:dropDownList"), qn("w:comboBox")
_MATH = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_OBJECT, _CONTROL, _CONTROL_NAME, _REL_ID = qn("w:object"), qn("w:control"), qn("w:name"), qn("r:id")
_NUM_PR, _NUM_ID = qn("w:numPr"), qn("w:numId")

# What makes a paragraph more than runs of text, tabs and breaks: anything that hides, drops or
# holds text the paragraph's runs do not show as such (revisions, fields, controls, symbols,
# drawings, text boxes, ruby, math). A paragraph holding none is read by one iteration in C over
# its w:t, w:tab, w:br and w:cr (:func:`_plain_paragraphs`), the same pieces the full walk makes.
_NOT_PLAIN = (_DEL, _MOVE_FROM, _SDT, _FLD_SIMPLE, _FLD_CHAR, _INSTR_TEXT, _ALTERNATE, _SYM, _PTAB,
              _NO_BREAK_HYPHEN, _DRAWING, _PICT, _TXBX, _OBJECT, qn("w:ruby"), qn("w:subDoc"),
              _MATH + "oMath", _MATH + "oMathPara")

# Inline containers whose content is read as if it were the paragraph's own.
_INLINE_WRAPPERS = frozenset((_INS, _MOVE_TO, _HYPERLINK, _SMART_TAG, _CUSTOM_XML, _DIR, _BDO))
# Word's leaders (ST_TabTlc) as the character they draw.
_LEADERS = {"dot": ".", "hyphen": "-", "underscore": "_", "heavy": "_", "middleDot": "·"}
# An empty FORMTEXT shows five en spaces (« ° ° ° ° ° » on screen).
_EMPTY_FORM_TEXT = "\u2002"
_HEADING_NAME = re.compile(r"(?:heading|titre)\s*([1-9])", re.IGNORECASE)
_FORM_FIELDS = {"FORMTEXT": "text", "FORMCHECKBOX": "checkbox", "FORMDROPDOWN": "dropdown"}
# Relationship types (their last segment) of the parts a layout reads.
_STYLES_REL, _HEADER_REL, _FOOTER_REL = "/styles", "/header", "/footer"
CUSTOM_PART = "docProps/custom.xml"  # the custom document properties, where a package has them
_PREFIXES = {uri: prefix for prefix, uri in NSMAP.items()}


# ---------------------------------------------------------------------------
# Styles: names, heading levels, tab stops, hidden text.
# ---------------------------------------------------------------------------

@dataclass
class _Style:
    name: str | None
    based_on: str | None
    outline: int | None  # w:outlineLvl as written (0 = level 1; 9 = body text)
    tabs: list[tuple[int, str, str | None]]  # (position, w:val, leader)
    hidden: bool | None  # w:vanish in its run properties, when it says
    numbered: bool | None = None  # w:numPr in its paragraph properties: numbered (numId 0: not), when it says


class _Styles:
    """styles.xml, each style read when first asked for: a paragraph style's name, heading
    level and tab leaders (through ``w:basedOn``), a style's hidden-text flag."""

    def __init__(self, root: etree._Element | None):
        self._elements: dict[str, etree._Element] = {}
        self._styles: dict[str, _Style] = {}
        self.default: str | None = None  # the default paragraph style's id
        self.hide = False  # whether some style hides its text
        self._paragraphs: dict[str | None, tuple[str | None, int | None, list[str | None], bool, bool]] = {}
        self._hidden: dict[str, bool] = {}
        self._leaders: dict[tuple, list[str | None]] = {}
        if root is None:
            return
        for el in root.iterchildren(_STYLE):
            style_id = el.get(_STYLE_ID)
            if style_id:
                self._elements.setdefault(style_id, el)
                if self.default is None and el.get(_TYPE) == "paragraph" and _flag_on_attr(el.get(_DEFAULT_STYLE)):
                    self.default = style_id
        self.hide = next(root.iter(_VANISH), None) is not None

    def _style(self, style_id: str) -> _Style | None:
        style = self._styles.get(style_id)
        if style is None and style_id in self._elements:
            name = based_on = outline = hidden = numbered = None
            tabs: list[tuple[int, str, str | None]] = []
            for child in self._elements[style_id]:
                tag = child.tag
                if tag == _NAME:
                    name = _display_name(child.get(_VAL)) if child.get(_VAL) else None
                elif tag == _BASED_ON:
                    based_on = child.get(_VAL)
                elif tag == _PPR:
                    for prop in child:
                        if prop.tag == _OUTLINE:
                            outline = _int(prop.get(_VAL))
                        elif prop.tag == _TABS:
                            tabs = _tab_stops(prop)
                        elif prop.tag == _NUM_PR:
                            numbered = _numbering_on(prop)
                elif tag == _RPR:
                    vanish = child.find(_VANISH)
                    hidden = _flag_on(vanish) if vanish is not None else None
            style = self._styles[style_id] = _Style(name, based_on, outline, tabs, hidden, numbered)
        return style

    def _chain(self, style_id: str | None) -> list[_Style]:
        """The style and those it is based on, nearest first (a loop stops the chain)."""
        chain, seen = [], set()
        while style_id and style_id not in seen:
            style = self._style(style_id)
            if style is None:
                break
            seen.add(style_id)
            chain.append(style)
            style_id = style.based_on
        return chain

    def paragraph(self, style_id: str | None) -> tuple[str | None, int | None, list[str | None], bool, bool]:
        """(name, heading level, tab leaders in stop order, hides its text, numbered) of a paragraph
        whose ``w:pStyle`` is ``style_id`` (``None``: the default style, no name)."""
        found = self._paragraphs.get(style_id)
        if found is not None:
            return found
        chain = self._chain(style_id if style_id else self.default)
        name = (chain[0].name or style_id) if chain else style_id
        if not style_id:
            name = None
        outline = next((s.outline for s in chain if s.outline is not None), None)
        level = outline + 1 if outline is not None and 0 <= outline < 9 else None
        if level is None and outline is None:
            match = _HEADING_NAME.fullmatch(name or "") or _HEADING_NAME.fullmatch(style_id or "")
            level = int(match.group(1)) if match else None
        stops: dict[int, tuple[str, str | None]] = {}
        for style in reversed(chain):  # the base first, each style adding or clearing stops
            _merge_stops(stops, style.tabs)
        hidden = next((s.hidden for s in chain if s.hidden is not None), False)
        numbered = next((s.numbered for s in chain if s.numbered is not None), False)
        found = self._paragraphs[style_id] = (name, level, [stops[p][1] for p in sorted(stops)], hidden, numbered)
        return found

    def leaders(self, style_id: str | None, own: list[tuple[int, str, str | None]]) -> list[str | None]:
        """The tab leaders of a paragraph of style ``style_id`` that sets its own stops ``own``
        (its ``w:tabs``), in stop order; worked out once for each such pair."""
        key = (style_id, tuple(own))
        found = self._leaders.get(key)
        if found is None:
            stops = self.stops(style_id)
            _merge_stops(stops, own)
            found = self._leaders[key] = [stops[position][1] for position in sorted(stops)]
        return found

    def stops(self, style_id: str | None) -> dict[int, tuple[str, str | None]]:
        """The tab stops a paragraph style gives, by position."""
        stops: dict[int, tuple[str, str | None]] = {}
        for style in reversed(self._chain(style_id if style_id else self.default)):
            _merge_stops(stops, style.tabs)
        return stops

    def hidden(self, style_id: str) -> bool:
        """Whether a character style hides its text."""
        found = self._hidden.get(style_id)
        if found is None:
            found = self._hidden[style_id] = next(
                (s.hidden for s in self._chain(style_id) if s.hidden is not None), False)
        return found


def _display_name(name: str) -> str:
    """A style's name as Word shows it: its built-in names are stored in lower case
    (« heading 1 » is shown « Heading 1 »)."""
    return name[:1].upper() + name[1:]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _flag_on_attr(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "on")


def _tab_stops(tabs: etree._Element) -> list[tuple[int, str, str | None]]:
    stops = []
    for tab in tabs:
        position = _int(tab.get(_POS))
        if tab.tag == _TAB and position is not None:
            stops.append((position, tab.get(_VAL) or "left", _LEADERS.get(tab.get(_LEADER) or "")))
    return stops


def _merge_stops(stops: dict[int, tuple[str, str | None]], tabs: list[tuple[int, str, str | None]]) -> None:
    for position, kind, leader in tabs:
        if kind == "clear":
            stops.pop(position, None)
        elif kind != "bar":  # a bar tab draws a line; the text does not stop there
            stops[position] = (kind, leader)


# ---------------------------------------------------------------------------
# The walk.
# ---------------------------------------------------------------------------

@dataclass
class _Field:
    """A complex field between its begin and its end: its piece when it is a form field,
    whether its result has started (``w:fldCharType="separate"``), its instruction, the entry
    a drop-down shows."""

    piece: Piece | None
    in_result: bool = False
    instruction: str = ""
    selected: int = 0


_new = object.__new__  # text pieces made the quick way (pipeline.layout.text_piece)


def _control_name(sdt: etree._Element) -> str:
    """A block content control's tag, else its title, else ""."""
    properties = sdt.find(_SDT_PR)
    if properties is None:
        return ""
    for tag in (_TAG, _ALIAS):
        found = properties.find(tag)
        if found is not None and found.get(_VAL):
            return found.get(_VAL)
    return ""


def _plain_paragraphs(part: etree._Element) -> dict[etree._Element, tuple[list[Piece], list[Piece]]]:
    """The pieces of each paragraph of ``part`` made only of runs of text, tabs and breaks (see
    :data:`_NOT_PLAIN`), with its tabs apart (their leaders depend on its style), in one iteration
    in C over the part: what :meth:`_Walk.inline` makes of such a paragraph, when nothing in it is
    hidden and no field is open."""
    not_plain = {p for el in part.iter(*_NOT_PLAIN) for p in el.iterancestors(_P)}
    for box in part.iter(_TXBX):  # a text box's paragraphs sit inside another paragraph
        not_plain.update(box.iter(_P))
    found: dict[etree._Element, tuple[list[Piece], list[Piece]]] = {}
    pieces: list[Piece] = []
    tabs: list[Piece] = []
    append = pieces.append
    skip = True
    for el in part.iter(_P, _T, _TAB, _BR, _CR):
        tag = el.tag
        if tag == _T:
            if skip:
                continue
            text = el.text
            if text:
                piece = _new(Piece)
                piece.kind, piece.text, piece.source = "text", text, el
                append(piece)
        elif tag == _P:
            skip = el in not_plain
            if not skip:
                pieces, tabs = [], []
                append = pieces.append
                found[el] = (pieces, tabs)
        elif skip:
            continue
        elif tag == _TAB:
            if el.getparent().tag == _TABS:
                continue  # a tab stop of the paragraph's properties
            piece = _new(Piece)
            piece.kind, piece.source = "tab", el
            append(piece)
            tabs.append(piece)
        elif el.get(_TYPE) in (None, "textWrapping"):  # a page break is not a line
            piece = _new(Piece)
            piece.kind, piece.source = "break", el
            append(piece)
    return found


class _Walk:
    """One walk of a part, building blocks. Fields may span runs and paragraphs: the open
    ones are a stack kept across the walk."""

    def __init__(self, styles: _Styles, part: etree._Element, controls: _ActiveX | None = None):
        self.styles = styles
        self.controls = controls  # the package's ActiveX controls (w:control), when it has a package
        # Run properties are looked at only when something can hide text (a w:vanish in the
        # part, or a style hiding its text and runs naming a character style).
        self.check_runs = next(part.iter(_VANISH), None) is not None or (
            styles.hide and next(part.iter(_R_STYLE), None) is not None)
        self.fields: list[_Field] = []
        self.placeholder = 0  # > 0 inside a block-level control showing its placeholder
        self.leaders: list[str | None] = []
        self.tabs = 0  # tabs met in the paragraph so far
        self.style_hides = False
        self.boxes: list[etree._Element] = []
        # The pieces of the plain paragraphs, by paragraph (the keys keep their proxies alive, so
        # the walk meets the same objects); empty where runs may hide text: all read in full.
        self.plain: dict[etree._Element, tuple[list[Piece], list[Piece]]] = (
            {} if self.check_runs else _plain_paragraphs(part))

    # -- blocks -----------------------------------------------------------------------

    def blocks(self, parent: etree._Element, out: list[Block]) -> list[Block]:
        for child in parent:
            tag = child.tag
            if tag == _P:
                self.paragraph(child, out)
            elif tag == _TBL:
                out.append(self.table(child))
            elif tag == _SDT:
                content = child.find(_SDT_CONTENT)
                if content is not None:
                    hides = control_showing_placeholder(child)
                    self.placeholder += hides
                    first = len(out)
                    self.blocks(content, out)
                    self.placeholder -= hides
                    name = _control_name(child)
                    for block in out[first:]:
                        if block.__class__ is Line and block.control is None:
                            block.control = name
            elif tag == _CUSTOM_XML:
                self.blocks(child, out)
            elif tag == _ALTERNATE:
                choice = child.find(_CHOICE)
                if choice is not None:
                    self.blocks(choice, out)
        return out

    def paragraph(self, p: etree._Element, out: list[Block]) -> None:
        style_id = outline = tabs = mark = numbering = None
        first = p[0] if len(p) else None
        if first is not None and first.tag == _PPR:  # the schema puts w:pPr first
            for prop in first:
                tag = prop.tag
                if tag == _P_STYLE:
                    style_id = prop.get(_VAL)
                elif tag == _TABS:
                    tabs = prop
                elif tag == _OUTLINE:
                    outline = _int(prop.get(_VAL))
                elif tag == _RPR:
                    mark = prop
                elif tag == _NUM_PR:
                    numbering = prop
        name, level, leaders, hides, numbered = self.styles.paragraph(style_id)
        if outline is not None:
            level = outline + 1 if 0 <= outline < 9 else None
        if tabs is not None:
            leaders = self.styles.leaders(style_id, _tab_stops(tabs))
        line = new_line(name, level, p)
        said = _numbering_on(numbering) if numbering is not None else None
        if said is not None:
            numbered = said
        if numbered:
            line.numbered = True
        plain = self.plain.get(p)
        if plain is not None and not hides and not self.fields and not self.placeholder:
            line.pieces, tab_pieces = plain
            for index, piece in enumerate(tab_pieces):
                piece.leader = leaders[index] if index < len(leaders) else None
            out.append(line)
            return
        self.leaders, self.tabs, self.style_hides = leaders, 0, hides
        boxes = self.boxes = []
        self.inline(p, line.pieces)
        if self.fields:
            field = self._collecting()
            if field is not None:
                field.text += "\n"  # a form field's result going on in the next paragraph
        if line.pieces or mark is None or mark.find(_DEL) is None:  # not a paragraph deleted whole
            out.append(line)
        for box in boxes:  # a text box's paragraphs, after the paragraph it is anchored in
            first = len(out)
            framed(self.blocks(box, out), first)

    # -- inline content ---------------------------------------------------------------

    def inline(self, parent: etree._Element, pieces: list[Piece]) -> None:
        check_runs, append = self.check_runs, pieces.append
        for child in parent:
            tag = child.tag
            if tag == _R:
                # A run of text with no field open and nothing hidden, the most common thing there is,
                # read here; anything else in it by run().
                if self.fields or self.placeholder or check_runs or self.style_hides:
                    self.run(child, pieces)
                    continue
                for el in child:
                    tag = el.tag
                    if tag == _T:
                        text = el.text
                        if text:
                            piece = _new(Piece)
                            piece.kind, piece.text, piece.source = "text", text, el
                            append(piece)
                    elif tag != _RPR:
                        self.run(child, pieces, False, el)
                        break
            elif tag in _INLINE_WRAPPERS:
                self.inline(child, pieces)
            elif tag == _SDT:
                self.control(child, pieces)
            elif tag == _FLD_SIMPLE:
                self.simple_field(child, pieces)
            elif tag == _ALTERNATE:
                choice = child.find(_CHOICE)
                if choice is not None:
                    self.inline(choice, pieces)
            # w:del, w:moveFrom: not shown; w:pPr, bookmarks, proofing marks, comments: no text

    def run(self, r: etree._Element, pieces: list[Piece], hidden: bool | None = None,
            start: etree._Element | None = None) -> None:
        """A run's content (from its child ``start`` on, when given: what came before it read)."""
        if hidden is None:
            hidden = self._run_hidden(r[0]) if self.check_runs and len(r) and r[0].tag == _RPR else self.style_hides
        plain = not self.fields and not self.placeholder
        for el in (r if start is None else itertools.chain((start,), start.itersiblings())):
            tag = el.tag
            if tag == _T:
                if not hidden:
                    text = el.text
                    if text:
                        if plain:
                            pieces.append(text_piece(text, el))
                        else:
                            self.text(text, el, pieces)
            elif tag == _RPR:
                continue
            elif tag == _TAB:
                if not hidden:
                    self.tab(el, pieces, self._next_leader())
            elif tag == _BR or tag == _CR:
                if not hidden and el.get(_TYPE) in (None, "textWrapping"):  # a page break is not a line
                    self.line_break(el, pieces)
            elif tag == _FLD_CHAR:
                self.field_char(el, pieces)
                plain = not self.fields and not self.placeholder
            elif tag == _INSTR_TEXT:
                if self.fields and not self.fields[-1].in_result:
                    self.fields[-1].instruction += el.text or ""
            elif tag == _SYM:
                if not hidden:
                    self.text(symbol_text(el), el, pieces)
            elif tag == _NO_BREAK_HYPHEN:
                if not hidden:
                    self.text("-", el, pieces)
            elif tag == _PTAB:
                if not hidden:
                    self.tab(el, pieces, _LEADERS.get(el.get(_LEADER) or ""))
            elif tag == _DRAWING or tag == _PICT or tag == _OBJECT:
                if not hidden:
                    self.boxes.extend(_text_boxes(el))
                    if tag != _DRAWING:  # an ActiveX control (w:object/w:control, w:pict/w:control)
                        for control in el.iterchildren(_CONTROL):
                            self.active_control(control, pieces)
            elif tag == _ALTERNATE:
                choice = el.find(_CHOICE)
                if choice is not None:
                    self.run(choice, pieces, hidden)
                    plain = not self.fields and not self.placeholder

    def _run_hidden(self, rpr: etree._Element) -> bool:
        vanish = rpr.find(_VANISH)
        if vanish is not None:
            return _flag_on(vanish)
        style = rpr.find(_R_STYLE)
        if style is not None and style.get(_VAL) and self.styles.hidden(style.get(_VAL)):
            return True
        return self.style_hides

    def _next_leader(self) -> str | None:
        leaders, index = self.leaders, self.tabs
        self.tabs += 1
        return leaders[index] if index < len(leaders) else None

    def _collecting(self) -> Piece | None:
        """The form field whose result is being read, if any."""
        for field in reversed(self.fields):
            if field.piece is not None and field.in_result:
                return field.piece
        return None

    def _shown(self) -> bool:
        """Whether text met now is shown: not part of a field's instruction."""
        return all(field.in_result for field in self.fields)

    def text(self, text: str, source: etree._Element, pieces: list[Piece]) -> None:
        if self.fields:
            if not self._shown():
                return
            field = self._collecting()
            if field is not None:
                field.text += text
                return
        pieces.append(Piece("text", text, placeholder=self.placeholder > 0, source=source))

    def tab(self, source: etree._Element, pieces: list[Piece], leader: str | None) -> None:
        if self.fields:
            if not self._shown():
                return
            field = self._collecting()
            if field is not None:
                field.text += "\t"
                return
        pieces.append(Piece("tab", leader=leader, source=source))

    def line_break(self, source: etree._Element, pieces: list[Piece]) -> None:
        if self.fields:
            if not self._shown():
                return
            field = self._collecting()
            if field is not None:
                field.text += "\n"
                return
        pieces.append(Piece("break", source=source))

    # -- fields and controls ----------------------------------------------------------

    def field_char(self, el: etree._Element, pieces: list[Piece]) -> None:
        kind = el.get(_FLD_CHAR_TYPE)
        if kind == "begin":
            data = el.find(_FF_DATA)
            field = _Field(None)
            if data is not None and self._shown() and self._collecting() is None:
                field.piece, field.selected = _form_field(data, el)
                pieces.append(field.piece)
            self.fields.append(field)
        elif kind == "separate":
            if self.fields:
                self.fields[-1].in_result = True
        elif kind == "end" and self.fields:
            _finish(self.fields.pop())

    def simple_field(self, el: etree._Element, pieces: list[Piece]) -> None:
        """``w:fldSimple``: its runs are its result; a FORM* one is a field piece."""
        kind = _FORM_FIELDS.get(((el.get(_INSTR) or "").split() or [""])[0].upper())
        if kind is None:
            self.inline(el, pieces)
            return
        piece = Piece("field", field_kind=kind, checked=False if kind == "checkbox" else None, source=el)
        pieces.append(piece)
        self.fields.append(_Field(piece, in_result=True))
        self.inline(el, [])
        _finish(self.fields.pop())

    def control(self, sdt: etree._Element, pieces: list[Piece]) -> None:
        """An inline content control: one ``field`` piece holding what its content shows."""
        properties, content = {}, None
        for child in sdt:  # w:sdtPr, w:sdtEndPr, w:sdtContent: their children read once
            if child.tag == _SDT_PR:
                properties = {prop.tag: prop for prop in child}
            elif child.tag == _SDT_CONTENT:
                content = child
        inner: list[Piece] = []
        if content is not None:
            self.inline(content, inner)
        text = "".join(p.text if p.kind != "tab" and p.kind != "break" else p.shown for p in inner)
        tag, alias, showing = properties.get(_TAG), properties.get(_ALIAS), properties.get(_SHOWING_PLACEHOLDER)
        piece = Piece("field", text, name=tag.get(_VAL) if tag is not None else None,
                      alias=alias.get(_VAL) if alias is not None else None,
                      placeholder=(showing is not None and _flag_on(showing)) or self.placeholder > 0, source=sdt)
        choices = properties.get(_DROPDOWN)
        if choices is None:
            choices = properties.get(_COMBOBOX)
        if _CHECKBOX in properties:
            piece.field_kind, piece.checked = "checkbox", control_checkbox_state(sdt)
        elif _DATE in properties:
            piece.field_kind, piece.value = "date", (control_date_value(sdt) or "")[:10] or None
        elif choices is not None:
            piece.field_kind = "dropdown"
            piece.choices = tuple(item.get(_DISPLAY_TEXT) or item.get(_VALUE) or ""
                                  for item in choices.iter(_LIST_ITEM)
                                  if item.get(_VALUE) != "")  # Word's « Choisissez un élément. »: no choice
        else:
            piece.field_kind = "text"
        if self.fields and not self._shown():
            return
        pieces.append(piece)

    def active_control(self, el: etree._Element, pieces: list[Piece]) -> None:
        """An ActiveX control (``w:control``, its state in the part its ``r:id`` names): a check box,
        an option or toggle button, a list or combo box, a text box is a ``field`` piece; a button,
        a label, a control whose part is not there, nothing."""
        if self.controls is None or (self.fields and not self._shown()):
            return
        found = self.controls.get(el.get(_REL_ID) or "")
        if found is None:
            return
        kind, value, caption = found
        piece = Piece("field", name=el.get(_CONTROL_NAME) or None, alias=caption or None, field_kind=kind, source=el)
        if kind == "checkbox":
            piece.checked, piece.text = value.strip().lower() in ("1", "-1", "true"), caption
        else:
            piece.text = value
        pieces.append(piece)

    # -- tables -----------------------------------------------------------------------

    def table(self, tbl: etree._Element) -> Table:
        grid = tbl.find(_TBL_GRID)
        columns = sum(1 for col in grid if col.tag == _GRID_COL) if grid is not None else 0
        table = Table(source=tbl)
        merging: dict[int, Cell] = {}  # grid column -> the cell a w:vMerge continues down
        for tr in _children(tbl, _TR):
            before = after = 0
            trpr, cells = None, []
            for child in tr:  # w:tblPrEx, w:trPr, then the cells (some wrapped in a control)
                tag = child.tag
                if tag == _TC:
                    cells.append(child)
                elif tag == _TR_PR:
                    trpr = child
                elif tag == _SDT or tag == _CUSTOM_XML:
                    cells.extend(_children(child.find(_SDT_CONTENT) if tag == _SDT else child, _TC))
            if trpr is not None:
                if trpr.find(_DEL) is not None:
                    continue  # a row deleted in tracked changes
                before, after = _grid_count(trpr, _GRID_BEFORE), _grid_count(trpr, _GRID_AFTER)
            index, row = len(table.rows), []
            column = before
            for tc in cells:
                span, v_merge, h_merge = 1, None, None
                tcpr = tc[0] if len(tc) else None
                if tcpr is not None and tcpr.tag == _TC_PR:  # the schema puts w:tcPr first
                    for prop in tcpr:
                        tag = prop.tag
                        if tag == _GRID_SPAN:
                            span = max(1, _int(prop.get(_VAL)) or 1)
                        elif tag == _V_MERGE:
                            v_merge = prop
                        elif tag == _H_MERGE:
                            h_merge = prop
                if v_merge is not None and v_merge.get(_VAL) != "restart":
                    above = merging.get(column)
                    if above is not None and above.row + above.row_span == index:
                        above.row_span += 1
                        column += span
                        continue
                if h_merge is not None and h_merge.get(_VAL) != "restart" and row:
                    row[-1].column_span += span
                    column += span
                    continue
                cell = new_cell(index, column, 1, span, [], tc)
                self.blocks(tc, cell.blocks)
                row.append(cell)
                for covered in range(column, column + span):
                    merging.pop(covered, None)
                if v_merge is not None:  # a restart (or a continue with nothing above it)
                    merging[column] = cell
                column += span
            table.rows.append(row)
            columns = max(columns, column + after)
        table.grid_columns = columns
        return table


def _numbering_on(num_pr: etree._Element) -> bool | None:
    """Whether a ``w:numPr`` numbers its paragraph: a list's (``w:numId`` 0 takes the numbering off);
    ``None`` when it says no list (a level alone: its style's list, if any)."""
    num_id = num_pr.find(_NUM_ID)
    return None if num_id is None else (num_id.get(_VAL) or "0").strip() != "0"


def _grid_count(trpr: etree._Element, tag: str) -> int:
    el = trpr.find(tag)
    return max(0, _int(el.get(_VAL)) or 0) if el is not None else 0


def _children(parent: etree._Element | None, tag: str):
    """Children named ``tag``, also those a content control or custom XML wraps."""
    if parent is None:
        return
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _children(content, tag)
        elif child.tag == _CUSTOM_XML:
            yield from _children(child, tag)


def _text_boxes(el: etree._Element) -> list[etree._Element]:
    """The text boxes (``w:txbxContent``) a drawing holds, not those inside another one."""
    boxes = []
    for box in el.iter(_TXBX):
        parent = box.getparent()
        while parent is not None and parent is not el and parent.tag != _TXBX:
            parent = parent.getparent()
        if parent is el:
            boxes.append(box)
    return boxes


def _form_field(data: etree._Element, begin: etree._Element) -> tuple[Piece, int]:
    """The piece of a legacy form field from its ``w:ffData`` (its text comes with its result)
    and the entry a drop-down shows."""
    name_el = data.find(_NAME)
    piece = Piece("field", name=(name_el.get(_VAL) or None) if name_el is not None else None, source=begin)
    box, choices, text_input = data.find(_CHECK_BOX), data.find(_DD_LIST), data.find(_TEXT_INPUT)
    selected = 0
    if box is not None:
        checked = box.find(_CHECKED)
        if checked is None:
            checked = box.find(_DEFAULT)
        piece.field_kind, piece.checked = "checkbox", checked is not None and _flag_on(checked)
    elif choices is not None:
        piece.field_kind = "dropdown"
        piece.choices = tuple(entry.get(_VAL) or "" for entry in choices.iter(_LIST_ENTRY))
        result = choices.find(_RESULT)
        if result is None:
            result = choices.find(_DEFAULT)
        selected = (_int(result.get(_VAL)) or 0) if result is not None else 0
    else:
        kind = text_input.find(_TYPE) if text_input is not None else None
        piece.field_kind = "date" if kind is not None and kind.get(_VAL) in ("date", "currentDate") else "text"
    return piece, selected


def _finish(field: _Field) -> None:
    """A form field's text once its end is met: a drop-down's entry, an empty text field's
    five en spaces read as no answer."""
    piece = field.piece
    if piece is None:
        return
    kind = _FORM_FIELDS.get((field.instruction.split() or [""])[0].upper())
    if kind == "checkbox" and piece.field_kind != "checkbox":
        piece.field_kind, piece.checked = "checkbox", False
    if piece.field_kind == "dropdown":  # its entry, whatever result text was saved with it
        index = field.selected
        piece.text = piece.choices[index] if 0 <= index < len(piece.choices) else ""
    elif piece.field_kind == "checkbox":
        piece.text = ""
    elif not piece.text.replace(_EMPTY_FORM_TEXT, "").strip():
        piece.placeholder = True


# ---------------------------------------------------------------------------
# ActiveX controls: what LibreOffice makes of an .odt's form controls saved as .docx, and
# Word's « Contrôles ActiveX ». Their state is in a part of their own (word/activeX/activeXN.xml):
# as properties (ax:ocxPr, Word's persistPropertyBag), or in a binary part it relates to, in the
# MS-Forms binary layout (« MorphData »), inside an OLE compound file (persistStorage, its
# « contents » stream: LibreOffice's) or after the control's class id (persistStreamInit).
# ---------------------------------------------------------------------------

_AX = "{http://schemas.microsoft.com/office/2006/activeX}"
_AX_CLASS, _AX_PERSISTENCE, _AX_PROPERTY, _AX_NAME, _AX_VALUE = (_AX + "classid", _AX + "persistence",
                                                                 _AX + "ocxPr", _AX + "name", _AX + "value")
# The MS-Forms controls (Forms.TextBox.1, ListBox, ComboBox, CheckBox, OptionButton, ToggleButton)
# by their class id's first group: what each is as a field.
_AX_KINDS = {"8bd21d10": "text", "8bd21d20": "dropdown", "8bd21d30": "dropdown", "8bd21d40": "checkbox",
             "8bd21d50": "checkbox", "8bd21d60": "checkbox"}
_AX_CLASS_TAIL = "-ec42-11ce-9e0d-00aa006002f3"
_CONTROL_REL = "/control"
# The properties of a MorphData control in the order of their flag bits, each with what its data
# block holds: 1, 2 or 4 bytes, "s" a string (its size there, its text in the extra block), "p" a
# pair (in the extra block only), 0 nothing (the flag is the value, or is unused).
_MORPH_PROPERTIES = (4, 4, 4, 4, 1, 1, 1, 1, "p", 2, 4, 2, 2, 2, 2, 2, 1, 1, 1, 0, 1, 1, "s", "s", 4, 4, 4, 2, 2, 2,
                     0, 0, "s")
_MORPH_VALUE, _MORPH_CAPTION = 22, 23
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CFB_END = 0xFFFFFFFA  # sector ids from here on are not sectors (end of chain, free, FAT, DIFAT)


class _ActiveX:
    """The ActiveX controls a package's main part relates to, each read when first met: its
    relationship id -> (field kind, value, caption), ``None`` for one that is not a field or not
    there or broken. A value that cannot be read is empty (a check box not ticked)."""

    def __init__(self, package, main: str):
        self.package, self.main = package, main
        self.targets: dict[str, str] | None = None
        self.found: dict[str, tuple[str, str, str] | None] = {}

    def get(self, rel_id: str) -> tuple[str, str, str] | None:
        if rel_id not in self.found:
            if self.targets is None:
                self.targets = _relationships(self.package, self.main, _CONTROL_REL)
            name = self.targets.get(rel_id)
            try:
                self.found[rel_id] = self._read(name) if name is not None else None
            except UnreadableReport:  # its part broken: the control is left out, the document read
                self.found[rel_id] = None
        return self.found[rel_id]

    def _read(self, name: str) -> tuple[str, str, str] | None:
        package = self.package
        ocx = package.xml_part(name)
        kind = _AX_KINDS.get((ocx.get(_AX_CLASS) or "").strip("{} ").lower().removesuffix(_AX_CLASS_TAIL))
        if kind is None:
            return None
        properties = {(el.get(_AX_NAME) or "").lower(): el.get(_AX_VALUE) or ""
                      for el in ocx.iterchildren(_AX_PROPERTY)}
        persistence = ocx.get(_AX_PERSISTENCE) or ""
        binary = None
        if persistence != "persistPropertyBag":  # its state in a binary part
            binary = _relationships(package, name, "").get(ocx.get(_REL_ID) or "")
        if binary is not None:
            data = package.read_part(binary)
            if persistence == "persistStorage":
                data = _compound_stream(data, "contents")
            elif persistence.startswith("persistStream"):
                data = data[16:]  # after the class id
            else:
                data = None
            properties = _morph_data(data) if data else {}
        return kind, properties.get("value", ""), properties.get("caption", "")


def _relationships(package, part: str, kind: str) -> dict[str, str]:
    """A part's internal relationships of type ``kind`` (the end of its type: « /control »; ""
    for all), by id: the part each names, as the package spells it, when the package has it."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    found: dict[str, str] = {}
    if not package.has_part(rels):
        return found
    for rel in package.xml_part(rels).iter("{*}Relationship"):
        target = rel.get("Target") or ""
        if (not kind or (rel.get("Type") or "").endswith(kind)) and rel.get("TargetMode") != "External" and target:
            name = posixpath.normpath(posixpath.join("/" + folder, target)).lstrip("/")
            if package.has_part(name):
                found.setdefault(rel.get("Id") or "", name)
    return found


def _morph_data(data: bytes) -> dict[str, str]:
    """The value and the caption of an MS-Forms control in the binary layout ([MS-OFORMS]
    MorphDataControl): a version, a size, 64 flag bits, a data block (each property aligned on
    its size), an extra block (the strings, each aligned on 4 bytes). Empty when it is not that."""
    try:
        size, flags = struct.unpack_from("<2xHQ", data, 0)
        if flags >> len(_MORPH_PROPERTIES):
            return {}  # properties this reader does not know: where the extra block starts is not known
        end = min(len(data), 4 + size)
        position, strings, found = 12, [], {}
        for bit, what in enumerate(_MORPH_PROPERTIES):
            if not flags >> bit & 1:
                continue
            if what == "s":
                position += -position % 4
                strings.append((bit, struct.unpack_from("<I", data, position)[0]))
                position += 4
            elif what == "p":
                strings.append((bit, 8))  # the control's size, in the extra block
            elif what:
                position += -position % what + what
        position += -position % 4
        for bit, count in strings:
            length = count & 0x7FFFFFFF
            if position + length > end or length > 0x20000:
                return {}
            raw = data[position:position + length]
            if bit in (_MORPH_VALUE, _MORPH_CAPTION):
                text = raw.decode("latin-1") if count & 0x80000000 else raw.decode("utf-16-le", "replace")
                found["value" if bit == _MORPH_VALUE else "caption"] = text
            position += length + -(position + length) % 4
        return found
    except struct.error:
        return {}


def _compound_stream(data: bytes, wanted: str) -> bytes | None:
    """The stream named ``wanted`` of an OLE compound file ([MS-CFB]), ``None`` when it is not
    there or the file is not one (every chain followed at most once through each sector)."""
    try:
        if data[:8] != _CFB_MAGIC:
            return None
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            return None
        size = 1 << shift
        first_dir, cutoff, first_mini, first_difat, difat_count = (
            struct.unpack_from("<I", data, 0x30)[0], *struct.unpack_from("<II", data, 0x38),
            *struct.unpack_from("<II", data, 0x44))
        sectors = max(0, len(data) // size - 1)
        fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
        sector, seen = first_difat, 0
        while sector < sectors and seen < difat_count and seen < sectors:  # more FAT sectors, listed in DIFAT ones
            entries = struct.unpack_from(f"<{size // 4}I", data, (sector + 1) * size)
            fat_sectors.extend(entries[:-1])
            sector, seen = entries[-1], seen + 1
        fat: list[int] = []
        for sector in fat_sectors:
            if sector < sectors and len(fat) < sectors:
                fat.extend(struct.unpack_from(f"<{size // 4}I", data, (sector + 1) * size))

        def chain(start: int, table: list[int], limit: int) -> list[int]:
            found = []
            while start < _CFB_END and start < limit and len(found) < limit:
                found.append(start)
                start = table[start] if start < len(table) else _CFB_END
            return found

        def read(start: int) -> bytes:
            return b"".join(data[(s + 1) * size:(s + 2) * size] for s in chain(start, fat, sectors))

        directory = read(first_dir)
        root = None
        for offset in range(0, len(directory) - 127, 128):
            name_size, kind = struct.unpack_from("<HB", directory, offset + 64)
            start, length = struct.unpack_from("<II", directory, offset + 116)
            if kind == 5 and root is None:
                root = start
            name = directory[offset:offset + min(name_size, 64)].decode("utf-16-le", "replace").rstrip("\0")
            if kind == 2 and name.lower() == wanted:
                if length >= cutoff:
                    return read(start)[:length]
                mini_stream = read(root) if root is not None else b""
                mini_fat = list(struct.unpack(f"<{len(table) // 4}I", table)) if (table := read(first_mini)) else []
                mini_sectors = len(mini_stream) // 64
                return b"".join(mini_stream[s * 64:(s + 1) * 64]
                                for s in chain(start, mini_fat, mini_sectors))[:length]
        return None
    except struct.error:
        return None


# ---------------------------------------------------------------------------
# Properties, parts, the whole document.
# ---------------------------------------------------------------------------

def _properties(core: etree._Element | None, custom: etree._Element | None) -> dict[str, str]:
    """Core properties as ``dc:title``, ``cp:version``...; custom ones by their name."""
    found: dict[str, str] = {}
    if core is not None:
        for el in core:
            if not isinstance(el.tag, str) or not el.text or not el.text.strip():
                continue
            name = etree.QName(el)
            prefix = _PREFIXES.get(name.namespace)
            if prefix:
                found[f"{prefix}:{name.localname}"] = el.text.strip()
    if custom is not None:
        for prop in custom.iter("{*}property"):
            name = prop.get("name")
            value = next((v.text for v in prop if isinstance(v.tag, str)), None)
            if name and value is not None:
                found.setdefault(name, value.strip())
    return found


def docx_layout(document: etree._Element, *, styles: etree._Element | None = None,
                headers: list[etree._Element] = (), footers: list[etree._Element] = (),
                core: etree._Element | None = None, custom: etree._Element | None = None) -> Layout:
    """The layout of a WordprocessingML document from its parsed parts: the main part
    (``w:document``, or any element holding paragraphs and tables), ``styles.xml``, the header
    and footer parts, ``docProps/core.xml`` and ``docProps/custom.xml``. A part not given is
    a part the document does not have."""
    return _layout(document, _Styles(styles), headers, footers, core, custom)


def _layout(document: etree._Element, read_styles: _Styles, headers, footers, core, custom) -> Layout:
    body = document.find(qn("w:body"))
    blocks = _Walk(read_styles, document).blocks(document if body is None else body, [])
    return Layout(
        blocks=blocks,
        headers=[blocks_text(_Walk(read_styles, part).blocks(part, [])) for part in headers],
        footers=[blocks_text(_Walk(read_styles, part).blocks(part, [])) for part in footers],
        properties=_properties(core, custom),
        format="docx",
    )


def _related_parts(package, main: str) -> dict[str, list[str]]:
    """The parts the main part relates to, by relationship type (styles, header, footer), in
    the order its relationships list them; part names as the package spells them."""
    folder, base = posixpath.split(main)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    related: dict[str, list[str]] = {_STYLES_REL: [], _HEADER_REL: [], _FOOTER_REL: []}
    if not package.has_part(rels):
        return related
    for rel in package.xml_part(rels).iter("{*}Relationship"):
        kind = "/" + (rel.get("Type") or "").rsplit("/", 1)[-1]
        target = rel.get("Target") or ""
        if kind in related and rel.get("TargetMode") != "External" and target:
            name = posixpath.normpath(posixpath.join("/" + folder, target)).lstrip("/")
            if package.has_part(name):
                related[kind].append(name)
    return related


# The styles of the last few styles parts read, by their bytes: the reports of a campaign share
# their template's styles.xml (300 KB and more from python-docx, several ms to parse).
_STYLES_CACHE: OrderedDict[tuple, _Styles] = OrderedDict()
_STYLES_CACHE_SIZE = 4


def _package_styles(package, name: str | None) -> _Styles:
    """The styles of the part ``name``, parsed once for every package holding the same bytes (as
    the zip stores them: the part is not even decompressed again)."""
    if name is None:
        return _Styles(None)
    return _cached(_STYLES_CACHE, (part_key(package, name),), lambda: _Styles(package.xml_part(name)))


# The text of the last few headers and footers read, by their part's bytes and their styles': the
# reports of a template share them, and a reader looks there for an identifier.
_PAGES_CACHE: OrderedDict[tuple, str] = OrderedDict()
_PAGES_CACHE_SIZE = 16


def _cached(cache: OrderedDict, key: tuple, make):
    found = cache.get(key)
    if found is None:
        found = cache[key] = make()  # parsed (and checked) under the package's caps
        if len(cache) > (_STYLES_CACHE_SIZE if cache is _STYLES_CACHE else _PAGES_CACHE_SIZE):
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return found


def package_layout(package) -> Layout:
    """The layout of an opened .docx package (:func:`pipeline.preflight.open_document`): its
    main part, with the styles it relates to and its properties; the text of the headers and
    footers it relates to when first asked for."""
    related = _related_parts(package, package.main_part)
    styles_part = related[_STYLES_REL][0] if related[_STYLES_REL] else None
    read_styles = _package_styles(package, styles_part)
    styles_key = part_key(package, styles_part) if styles_part else None

    def texts(names: list[str]) -> Deferred:
        def text(name: str) -> str:
            part = package.xml_part(name)
            return blocks_text(_Walk(read_styles, part).blocks(part, []))
        return Deferred(lambda: [_cached(_PAGES_CACHE, (part_key(package, name), styles_key), lambda: text(name))
                                 for name in names])

    document = package.xml_part(package.main_part)
    body = document.find(qn("w:body"))
    return Layout(
        blocks=_Walk(read_styles, document, _ActiveX(package, package.main_part)).blocks(
            document if body is None else body, []),
        headers=texts(related[_HEADER_REL]),
        footers=texts(related[_FOOTER_REL]),
        properties=_properties(package.xml_part(CORE_PART) if package.has_part(CORE_PART) else None,
                               package.xml_part(CUSTOM_PART) if package.has_part(CUSTOM_PART) else None),
        format="docx",
    )
