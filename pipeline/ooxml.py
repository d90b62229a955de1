"""The one module that knows WordprocessingML.

It holds the namespace map, the single hardened lxml parser, and the small
functions that find and build content controls, label/value rows and tables.
No other module writes a ``{http://...}`` name or an XPath.
"""

from __future__ import annotations

import functools

from lxml import etree

NSMAP = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}


@functools.lru_cache(maxsize=None)
def qn(name: str) -> str:
    """``"w:tag"`` -> ``"{http://...main}tag"``."""
    prefix, local = name.split(":")
    return f"{{{NSMAP[prefix]}}}{local}"


# Received files are untrusted: no DTD, no entity expansion, no network,
# no huge-tree mode (lxml's own depth/size limits stay on).
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


def parse_xml(data: bytes) -> etree._Element:
    """Parse one XML part with the hardened parser.

    Raises ``etree.XMLSyntaxError`` on malformed XML; a part that declares a
    DTD (the vehicle of entity expansion and external entities) raises
    ``ValueError``: a genuine Office part never has one.
    """
    root = etree.fromstring(data, parser=_PARSER)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise ValueError("DOCTYPE declared in an Office part")
    return root


# ---------------------------------------------------------------------------
# Reading: controls, cells, tables, text.
# ---------------------------------------------------------------------------

W = NSMAP["w"]


_SDT_PR, _TAG, _ALIAS, _VAL = qn("w:sdtPr"), qn("w:tag"), qn("w:alias"), qn("w:val")
_SDT_CONTENT, _TR, _TC = qn("w:sdtContent"), qn("w:tr"), qn("w:tc")


def iter_controls(root: etree._Element):
    """Every content control (``w:sdt``), in document order."""
    return root.iter(qn("w:sdt"))


def _sdt_pr_child(sdt: etree._Element, name: str) -> etree._Element | None:
    pr = sdt.find(qn("w:sdtPr"))
    return None if pr is None else pr.find(qn(name))


def _val(el: etree._Element | None, attr: str = "w:val") -> str | None:
    return None if el is None else el.get(qn(attr))


def control_tag(sdt: etree._Element) -> str | None:
    return _val(_sdt_pr_child(sdt, "w:tag"))


def control_alias(sdt: etree._Element) -> str | None:
    return _val(_sdt_pr_child(sdt, "w:alias"))


def control_showing_placeholder(sdt: etree._Element) -> bool:
    el = _sdt_pr_child(sdt, "w:showingPlcHdr")
    return el is not None and _val(el) not in ("0", "false", "off")


def control_checkbox_state(sdt: etree._Element) -> bool | None:
    """``True``/``False`` for a check-box control, ``None`` for any other control."""
    box = _sdt_pr_child(sdt, "w14:checkbox")
    if box is None:
        return None
    checked = box.find(qn("w14:checked"))
    return checked is not None and checked.get(qn("w14:val")) in ("1", "true", "on")


def control_date_value(sdt: etree._Element) -> str | None:
    """The ISO value a date control stores (``w:fullDate``), when it has one."""
    return _val(_sdt_pr_child(sdt, "w:date"), "w:fullDate")


def enclosing(el: etree._Element, name: str) -> etree._Element | None:
    tag = qn(name)
    parent = el.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


_P = qn("w:p")
_T = qn("w:t")
_R = qn("w:r")
_SDT = qn("w:sdt")
_DEL, _MOVE_FROM, _FALLBACK = qn("w:del"), qn("w:moveFrom"), qn("mc:Fallback")
_RUN_TEXT = (_T, qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:noBreakHyphen"))


# Text a reader sees: run content only (not tab stops in paragraph properties),
# minus tracked deletions, placeholder text, and mc:Fallback duplicates.
_HIDDEN = ("ancestor::w:del or ancestor::w:moveFrom or ancestor::mc:Fallback or "
           "ancestor::w:sdt[w:sdtPr/w:showingPlcHdr[not(@w:val='0' or @w:val='false')]]")
_VISIBLE_TEXT = etree.XPath(
    " | ".join(f".//w:r/w:{name}[not({_HIDDEN})]" for name in ("t", "tab", "br", "cr", "noBreakHyphen")),
    namespaces=NSMAP,
)
_TEXT_OF = {qn("w:tab"): "\t", qn("w:br"): "\n", qn("w:cr"): "\n", qn("w:noBreakHyphen"): "-"}


def _piece(el: etree._Element) -> str:
    return (el.text or "") if el.tag == _T else _TEXT_OF.get(el.tag, "")


def paragraph_text(p: etree._Element) -> str:
    """Text of a paragraph as accepted: inserted text kept, deleted text and
    placeholder text dropped; tabs and line breaks kept."""
    return "".join(_piece(el) for el in _VISIBLE_TEXT(p))


def _paragraph_mark_deleted(p: etree._Element, text: str) -> bool:
    # A paragraph removed in tracked changes (its mark deleted, no live text left).
    if text.strip():
        return False
    ppr = p.find(_PPR)
    rpr = ppr.find(_RPR) if ppr is not None else None
    return rpr is not None and rpr.find(_DEL) is not None


_PPR, _RPR = qn("w:pPr"), qn("w:rPr")


def cell_text(tc: etree._Element) -> str:
    """Every paragraph of a table cell (nested tables included), joined by newlines."""
    texts = ((p, paragraph_text(p)) for p in tc.iter(_P))
    return "\n".join(text for p, text in texts if not _paragraph_mark_deleted(p, text))


def first_paragraph_text(tc: etree._Element) -> str:
    """The first paragraph of a cell that holds text (a label cell's label)."""
    for p in tc.iter(_P):
        text = paragraph_text(p)
        if text.strip():
            return text
    return ""


_TBL, _BODY, _SHOWING_PLACEHOLDER = qn("w:tbl"), qn("w:body"), qn("w:showingPlcHdr")
_HIDING = frozenset((_DEL, _MOVE_FROM, _FALLBACK))
_RUN_TEXT_TAGS = frozenset(_RUN_TEXT)
# Everything one walk of a part needs to see, in document order.
_WALKED = (_TBL, _TR, _TC, _P, *_RUN_TEXT, _DEL, _MOVE_FROM, _FALLBACK, _SHOWING_PLACEHOLDER, _TAG)


def _nearest(el: etree._Element, tag: str) -> etree._Element | None:
    """The nearest ancestor named ``tag``, not looking past the body."""
    parent = el.getparent()
    while parent is not None and parent.tag != tag:
        if parent.tag == _BODY:
            return None
        parent = parent.getparent()
    return parent


class DocumentText:
    """A part read in one walk: the visible text of every paragraph, grouped by the
    cell that holds it; the rows of every table; the controls by tag and by alias.
    Reading a report looks these up rather than walking the tree again per field.

    Visible text is run content as accepted: tracked deletions, placeholder text
    and mc:Fallback copies are left out; tabs and line breaks are kept."""

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
        hidden: set[etree._Element] = set()
        pieces: list[str] | None = None  # the paragraph being read
        paragraphs_of, row_of = self._paragraphs, self._row_of
        # Rows and cells belong to the last table and row met, until a nested table shows
        # up: from there on, each finds its own by walking up.
        table_rows: list | None = None
        row: list | None = None
        nested = False
        for el in root.iter(*_WALKED):
            tag = el.tag
            if tag == _T:
                if pieces is not None and not (hidden and el in hidden):
                    pieces.append(el.text or "")
            elif tag == _P:
                pieces = []
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
                    table_rows = self._rows[table] if table is not None else None
                row = None
                if table_rows is not None:
                    row_of[el] = row = []
                    table_rows.append(row)
                    self._label_rows.append(el)
            elif tag in _RUN_TEXT_TAGS:
                # w:tab also names a tab stop in paragraph properties: only run content counts.
                if pieces is not None and not (hidden and el in hidden) and el.getparent().tag == _R:
                    pieces.append(_TEXT_OF[tag])
            elif tag == _TBL:
                self.tables.append(el)
                self._rows[el] = table_rows = []
                row = None
                outer = _nearest(el, _TC)
                while outer is not None:
                    nested = True
                    self._with_tables.add(outer)
                    outer = _nearest(outer, _TC)
            elif tag in _HIDING:
                hidden.update(el.iter(*_RUN_TEXT))
            elif tag == _SHOWING_PLACEHOLDER:
                if el.get(_VAL) not in ("0", "false", "off"):
                    hidden.update(el.getparent().getparent().iter(*_RUN_TEXT))
            else:  # w:tag, which only a control's w:sdtPr holds
                value = el.get(_VAL)
                if value:
                    sdt = el.getparent().getparent()
                    if value in self.by_tag:
                        self.by_tag[value].append(sdt)
                    else:
                        self.by_tag[value] = [sdt]
        self._hidden = hidden

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
            return self._walk_paragraphs(tc)
        return [(p, "".join(pieces)) for p, pieces in self._paragraphs.get(tc, ())]

    def _walk_paragraphs(self, tc: etree._Element) -> list[tuple[etree._Element, str]]:
        paragraphs: list[tuple[etree._Element, list[str]]] = []
        for el in tc.iter(_P, *_RUN_TEXT):
            if el.tag == _P:
                paragraphs.append((el, []))
            elif paragraphs and el.getparent().tag == _R and el not in self._hidden:
                paragraphs[-1][1].append((el.text or "") if el.tag == _T else _TEXT_OF[el.tag])
        return [(p, "".join(pieces)) for p, pieces in paragraphs]

    def cell(self, tc: etree._Element) -> str:
        """Every paragraph of a cell (nested tables included), joined by newlines."""
        text = self._cells.get(tc)
        if text is None:
            text = "\n".join(t for p, t in self._cell_paragraphs(tc) if not _paragraph_mark_deleted(p, t))
            self._cells[tc] = text
        return text

    def first_paragraph(self, tc: etree._Element) -> str:
        """The first paragraph of a cell that holds text (a label cell's label)."""
        text = self._first.get(tc)
        if text is None:
            text = next((t for _, t in self._cell_paragraphs(tc) if t.strip()), "")
            self._first[tc] = text
        return text


def body(root: etree._Element) -> etree._Element:
    found = root.find(qn("w:body"))
    return root if found is None else found


def iter_tables(root: etree._Element):
    """Every table of the document (nested ones too), in document order."""
    return root.iter(qn("w:tbl"))


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


_TC_PR, _GRID_SPAN = qn("w:tcPr"), qn("w:gridSpan")


def cell_grid_span(tc: etree._Element) -> int:
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


def core_property(root: etree._Element, name: str) -> str | None:
    """A core document property (``docProps/core.xml``), e.g. ``dc:identifier``."""
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


# ---------------------------------------------------------------------------
# Building: inline content controls for the template.
# ---------------------------------------------------------------------------

PLACEHOLDER_TEXT = {
    "text": "Cliquez ou appuyez ici pour entrer du texte.",
    "number": "Cliquez ou appuyez ici pour entrer du texte.",
    "date": "Cliquez ou appuyez ici pour entrer une date.",
    "choice": "Choisissez un élément.",
}
UNCHECKED_BOX, CHECKED_BOX = "\u2610", "\u2612"


def _el(name: str, **attrs: str) -> etree._Element:
    el = etree.Element(qn(name))
    for key, value in attrs.items():
        el.set(qn(key.replace("_", ":", 1)), value)
    return el


def make_run(text: str, *, color: str | None = None) -> etree._Element:
    run = _el("w:r")
    if color:
        rpr = etree.SubElement(run, qn("w:rPr"))
        etree.SubElement(rpr, qn("w:color")).set(qn("w:val"), color)
    t = etree.SubElement(run, qn("w:t"))
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return run


def make_inline_control(
    *,
    tag: str,
    alias: str,
    control_id: int,
    kind: str,
    text: str | None,
    choices: list[str] | None = None,
    multiline: bool = False,
) -> etree._Element:
    """An inline content control. ``text=None`` shows the placeholder
    (``w:showingPlcHdr``); a text (for instance a Jinja expression) is a value."""
    sdt = _el("w:sdt")
    pr = etree.SubElement(sdt, qn("w:sdtPr"))
    pr.append(_el("w:alias", w_val=alias))
    pr.append(_el("w:tag", w_val=tag))
    pr.append(_el("w:id", w_val=str(control_id)))
    if text is None and kind != "bool":
        pr.append(_el("w:showingPlcHdr"))
    if kind == "date":
        date = etree.SubElement(pr, qn("w:date"))
        date.append(_el("w:dateFormat", w_val="dd/MM/yyyy"))
        date.append(_el("w:lid", w_val="fr-FR"))
        date.append(_el("w:storeMappedDataAs", w_val="dateTime"))
        date.append(_el("w:calendar", w_val="gregorian"))
    elif kind == "choice":
        drop = etree.SubElement(pr, qn("w:dropDownList"))
        for choice in choices or []:
            drop.append(_el("w:listItem", w_displayText=choice, w_value=choice))
    elif kind == "bool":
        box = etree.SubElement(pr, qn("w14:checkbox"))
        checked = etree.SubElement(box, qn("w14:checked"))
        checked.set(qn("w14:val"), "0")
        for name, code in (("w14:checkedState", "2612"), ("w14:uncheckedState", "2610")):
            state = etree.SubElement(box, qn(name))
            state.set(qn("w14:val"), code)
            state.set(qn("w14:font"), "MS Gothic")
    else:
        text_el = etree.SubElement(pr, qn("w:text"))
        if multiline:
            text_el.set(qn("w:multiLine"), "1")
    content = etree.SubElement(sdt, qn("w:sdtContent"))
    if kind == "bool":
        content.append(make_run(UNCHECKED_BOX))
    elif text is None:
        content.append(make_run(PLACEHOLDER_TEXT.get(kind, PLACEHOLDER_TEXT["text"]), color="808080"))
    else:
        content.append(make_run(text))
    return sdt


# ---------------------------------------------------------------------------
# Editing: what a person does in Word (used to fill reports for the demo,
# the tests and the benchmarks).
# ---------------------------------------------------------------------------

def _text_runs(text: str) -> list[etree._Element]:
    """Runs for a text; newlines become line breaks inside the same paragraph."""
    runs = []
    for index, line in enumerate(text.split("\n")):
        run = make_run(line)
        if index:
            run.insert(0, _el("w:br"))
        runs.append(run)
    return runs


def set_control_text(sdt: etree._Element, text: str) -> None:
    """Type into a control: the placeholder goes, the text replaces the content."""
    pr = sdt.find(qn("w:sdtPr"))
    placeholder = pr.find(qn("w:showingPlcHdr"))
    if placeholder is not None:
        pr.remove(placeholder)
    content = sdt.find(qn("w:sdtContent"))
    for child in list(content):
        content.remove(child)
    for run in _text_runs(text):
        content.append(run)


def set_control_date(sdt: etree._Element, day_iso: str, shown: str) -> None:
    """Pick a date in a date control: Word stores it in ``w:fullDate`` and shows it."""
    date = _sdt_pr_child(sdt, "w:date")
    if date is not None:
        date.set(qn("w:fullDate"), f"{day_iso}T00:00:00Z")
    set_control_text(sdt, shown)


def set_checkbox(sdt: etree._Element, checked: bool) -> None:
    box = _sdt_pr_child(sdt, "w14:checkbox")
    box.find(qn("w14:checked")).set(qn("w14:val"), "1" if checked else "0")
    set_control_text(sdt, CHECKED_BOX if checked else UNCHECKED_BOX)


def unwrap_control(sdt: etree._Element) -> None:
    """Delete a control but keep what it holds (Word: "Remove content control")."""
    content = sdt.find(qn("w:sdtContent"))
    parent = sdt.getparent()
    position = parent.index(sdt)
    for child in reversed(list(content)):
        parent.insert(position, child)
    parent.remove(sdt)


def set_cell_text(tc: etree._Element, text: str) -> None:
    """Replace everything in a cell by typed text, one paragraph per line."""
    for p in list(tc.iter(_P)):
        p.getparent().remove(p)
    for line in text.split("\n"):
        p = etree.SubElement(tc, _P)
        p.append(make_run(line))


def append_paragraph(tc: etree._Element, text: str) -> None:
    p = etree.SubElement(tc, _P)
    p.append(make_run(text))


def append_run(container: etree._Element, text: str, *, after: etree._Element | None = None) -> None:
    """Type text next to an element (for instance after a control, in its paragraph)."""
    run = make_run(text)
    if after is not None:
        after.addnext(run)
    else:
        container.append(run)


def add_table_row(tbl: etree._Element, texts: list[str]) -> etree._Element:
    """A new last row, copied from the last one (keeps widths), holding ``texts``."""
    import copy

    rows = [r for r in tbl.iterchildren(qn("w:tr"))]
    new = copy.deepcopy(rows[-1])
    tbl.append(new)
    for tc, text in zip(new.iterchildren(qn("w:tc")), texts):
        set_cell_text(tc, text)
    return new


def remove_table_row(tr: etree._Element) -> None:
    tr.getparent().remove(tr)


def tracked_insertion(text: str, *, author: str = "Évaluateur", change_id: int = 9001) -> etree._Element:
    ins = _el("w:ins", w_id=str(change_id), w_author=author, w_date="2026-12-01T10:00:00Z")
    ins.append(make_run(text))
    return ins


def tracked_deletion(text: str, *, author: str = "Évaluateur", change_id: int = 9002) -> etree._Element:
    deleted = _el("w:del", w_id=str(change_id), w_author=author, w_date="2026-12-01T10:00:00Z")
    run = etree.SubElement(deleted, qn("w:r"))
    dtext = etree.SubElement(run, qn("w:delText"))
    dtext.text = text
    dtext.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return deleted


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
