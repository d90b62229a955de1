"""Writing into an employer's own form, an OpenDocument text, for :mod:`pipeline.employer_template`.

The same operations as :mod:`pipeline.ooxml.filling`, on ODF. Once, when ``entretiens modeles``
makes the campaign's template (a package as ``{part name: bytes}``, ``mimetype`` first):

- :func:`add_page_code`: a paragraph at the end of every footer of every page style
  (styles.xml's master pages; a footer added to a page style that has none): the report's
  identifier in clear text (``token`` in the template, which each report's styles.xml bytes
  replace) and the page code's QR code, a picture of its own (:data:`CODE_PICTURE`, declared in
  the manifest) whose bytes each report replaces;
- :func:`expand_repeats`: rows and cells LibreOffice stores once with a repeat count
  (``table:number-rows-repeated``) written out, so that each cell a value goes to is its own;
- :func:`set_properties`: meta.xml's user-defined properties; a .docx's core properties under
  the names LibreOffice gives them (``OOXMLCorePropertyIdentifier`` for ``dc:identifier``...),
  which :mod:`pipeline.odf.layout` reads back as ``dc:identifier``, ``cp:version``, and which
  LibreOffice writes back as core properties when the document is saved as a .docx.

Per report, on a copy of content.xml, at the elements a :class:`pipeline.layout.Layout` gives:
:func:`replace_text`, :func:`write_cell`, :func:`insert_line_after`, :func:`set_field`,
:func:`clone_row`; :func:`symbol_font` (the font a box is drawn in). Character data is ODF's: spaces collapse, a tab or a break is an element;
a line's offsets are those of its layout, mapped back to the text as written.
"""

from __future__ import annotations

import copy
import re
from xml.sax.saxutils import escape

from lxml import etree

from .ns import NSMAP, parse_xml, qn

_LIST_ITEM = qn("text:list-item")
_P, _H, _SPAN, _S, _TAB, _LINE_BREAK = (qn("text:p"), qn("text:h"), qn("text:span"), qn("text:s"), qn("text:tab"),
                                        qn("text:line-break"))
_C, _STYLE_NAME = qn("text:c"), qn("text:style-name")
_TABLE_ROW, _TABLE_CELL, _COVERED = qn("table:table-row"), qn("table:table-cell"), qn("table:covered-table-cell")
_ROWS_REPEATED, _COLUMNS_REPEATED = qn("table:number-rows-repeated"), qn("table:number-columns-repeated")
_BOOKMARKS = (qn("text:bookmark"), qn("text:bookmark-start"), qn("text:bookmark-end"))
_MASTER_PAGE, _PAGE_LAYOUT_NAME, _PAGE_LAYOUT = (qn("style:master-page"), qn("style:page-layout-name"),
                                                 qn("style:page-layout"))
_FOOTERS = (qn("style:footer"), qn("style:footer-left"), qn("style:footer-first"), qn("loext:footer-first"))
_HEADERS = (qn("style:header"), qn("style:header-left"), qn("style:header-first"), qn("loext:header-first"))
_DISPLAY, _NAME = qn("style:display"), qn("style:name")
_USER_DEFINED, _META_NAME, _VALUE_TYPE = qn("meta:user-defined"), qn("meta:name"), qn("meta:value-type")
_CONTROL_ID = qn("draw:control")
_LOEXT_CONTROL, _TEXT_CONTROL = qn("loext:content-control"), qn("text:content-control")
_FIELDMARKS = (qn("field:fieldmark"), qn("field:fieldmark-start"))
_FIELDMARK_START, _FIELDMARK_SEPARATOR, _FIELDMARK_END = (qn("field:fieldmark-start"), qn("field:fieldmark-separator"),
                                                         qn("field:fieldmark-end"))
_SPAN = qn("text:span")
_PARAM, _PARAM_NAME, _PARAM_VALUE = qn("field:param"), qn("field:name"), qn("field:value")
_TEXT_INPUT, _PLACEHOLDER = qn("text:text-input"), qn("text:placeholder")
_STYLE, _TEXT_PROPERTIES, _FONT_FACE = qn("style:style"), qn("style:text-properties"), qn("style:font-face")
_FONT_NAME, _FONT_FAMILY, _PARENT_STYLE = qn("style:font-name"), qn("fo:font-family"), qn("style:parent-style-name")
_REPEAT_CAP = 200  # a repeat count above this is left as it is (no form has so many blank rows)

#: The page code's picture, replaced in each report.
CODE_PICTURE = "Pictures/entretiens_code_page.png"
CONTENT_PART, STYLES_PART, META_PART, MANIFEST_PART = "content.xml", "styles.xml", "meta.xml", "META-INF/manifest.xml"
_CODE_STYLE = "EntretiensCodePage"  # the automatic paragraph and text styles of the code's paragraph
# A .docx's core property as LibreOffice keeps it among an .odt's user-defined ones.
_OOXML_CORE = "OOXMLCoreProperty"


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def main_part(parts: dict[str, bytes]) -> str:
    return CONTENT_PART


# ---------------------------------------------------------------------------
# The page code in every footer.
# ---------------------------------------------------------------------------

_CODE_PARAGRAPH = """<text:p xmlns:text="{text}" xmlns:draw="{draw}" xmlns:svg="{svg}" xmlns:xlink="{xlink}" \
text:style-name="{style}"><text:span text:style-name="{style}T">identifiant {token} </text:span>\
<draw:frame draw:name="Code de page {n}" text:anchor-type="as-char" svg:width="{size}mm" svg:height="{size}mm" \
draw:z-index="0"><draw:image xlink:href="{picture}" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad" \
draw:mime-type="image/png"/></draw:frame></text:p>"""

_CODE_STYLES = """<office:automatic-styles xmlns:office="{office}" xmlns:style="{style}" xmlns:fo="{fo}">\
<style:style style:name="{name}" style:family="paragraph"><style:paragraph-properties fo:text-align="end" \
fo:margin-top="0.07cm" fo:margin-bottom="0cm"/></style:style>\
<style:style style:name="{name}T" style:family="text"><style:text-properties fo:font-size="7pt" \
style:font-size-asian="7pt" style:font-size-complex="7pt"/></style:style></office:automatic-styles>"""

_FOOTER_STYLE = """<style:footer-style xmlns:style="{style}" xmlns:fo="{fo}"><style:header-footer-properties \
fo:min-height="0cm" fo:margin-top="0.2cm" style:dynamic-spacing="true"/></style:footer-style>"""


def _ns(**extra: str) -> dict[str, str]:
    return {**NSMAP, **extra}


def add_page_code(parts: dict[str, bytes], *, token: str, picture: bytes, width_mm: float) -> dict[str, bytes]:
    """The package with the page code at the end of every footer: each page style's footers (its
    left pages' and first page's too, when it has them) get a right-aligned paragraph
    « identifiant ``token`` » and the code's picture (``picture``, a PNG ``width_mm`` wide, stored
    as :data:`CODE_PICTURE`); a page style without a footer gets one."""
    parts = dict(parts)
    styles = parse_xml(parts[STYLES_PART])
    office_styles = styles.find(qn("office:automatic-styles"))
    if office_styles is None:
        office_styles = etree.Element(qn("office:automatic-styles"))
        masters = styles.find(qn("office:master-styles"))
        if masters is not None:
            masters.addprevious(office_styles)
        else:
            styles.append(office_styles)
    taken = {el.get(_NAME) for el in styles.iter(qn("style:style"))}
    name, n = _CODE_STYLE, 1
    while name in taken or f"{name}T" in taken:
        n += 1
        name = f"{_CODE_STYLE}{n}"
    for style in etree.fromstring(_CODE_STYLES.format(office=NSMAP["office"], style=NSMAP["style"], fo=NSMAP["fo"],
                                                      name=name)):
        office_styles.append(style)
    layouts = {el.get(_NAME): el for el in styles.iter(_PAGE_LAYOUT)}
    masters = styles.find(qn("office:master-styles"))
    if masters is None:
        masters = etree.SubElement(styles, qn("office:master-styles"))
    pages = list(masters.iterchildren(_MASTER_PAGE))
    if not pages:
        pages = [etree.SubElement(masters, _MASTER_PAGE, {_NAME: "Standard"})]
    count = 0
    for page in pages:
        footers = [f for f in page if f.tag in _FOOTERS]
        if not any(f.tag == _FOOTERS[0] for f in footers):
            footer = etree.Element(_FOOTERS[0])
            after = [child for child in page if child.tag in _HEADERS]
            if after:
                after[-1].addnext(footer)
            else:
                page.insert(0, footer)
            footers.insert(0, footer)
            layout = layouts.get(page.get(_PAGE_LAYOUT_NAME))
            if layout is not None and layout.find(qn("style:footer-style")) is None:
                layout.append(etree.fromstring(_FOOTER_STYLE.format(style=NSMAP["style"], fo=NSMAP["fo"])))
            elif layout is not None and not len(layout.find(qn("style:footer-style"))):
                layout.find(qn("style:footer-style")).append(
                    etree.fromstring(_FOOTER_STYLE.format(style=NSMAP["style"], fo=NSMAP["fo"]))[0])
        for footer in footers:
            if footer.get(_DISPLAY) == "false":
                continue
            count += 1
            footer.append(etree.fromstring(_CODE_PARAGRAPH.format(
                text=NSMAP["text"], draw=NSMAP["draw"], svg=NSMAP["svg"], xlink=NSMAP["xlink"], style=name,
                token=escape(token), n=count, size=f"{width_mm:g}", picture=CODE_PICTURE)))
    parts[STYLES_PART] = serialize(styles)
    parts[CODE_PICTURE] = picture
    manifest = parse_xml(parts[MANIFEST_PART])
    entry = qn("manifest:file-entry")
    if not any(e.get(qn("manifest:full-path")) == CODE_PICTURE for e in manifest.iter(entry)):
        added = etree.SubElement(manifest, entry)
        added.set(qn("manifest:full-path"), CODE_PICTURE)
        added.set(qn("manifest:media-type"), "image/png")
    parts[MANIFEST_PART] = serialize(manifest)
    return parts


def expand_repeats(content: etree._Element) -> None:
    """Rows and cells stored once with a repeat count (up to a cap) written out one by one."""
    for row in list(content.iter(_TABLE_ROW)):
        _expand(row, _ROWS_REPEATED)
    for cell in list(content.iter(_TABLE_CELL, _COVERED)):
        _expand(cell, _COLUMNS_REPEATED)


def _expand(el: etree._Element, attribute: str) -> None:
    count = el.get(attribute)
    if count is None or not count.isdigit() or not 1 < int(count) <= _REPEAT_CAP:
        return
    del el.attrib[attribute]
    for _ in range(int(count) - 1):
        el.addnext(copy.deepcopy(el))


# ---------------------------------------------------------------------------
# Document properties.
# ---------------------------------------------------------------------------

def _core_name(name: str) -> str:
    """``dc:identifier`` -> ``OOXMLCorePropertyIdentifier`` (as LibreOffice keeps it)."""
    local = name.split(":", 1)[1]
    return _OOXML_CORE + local[:1].upper() + local[1:]


def set_properties(parts: dict[str, bytes], *, core: dict[str, str] | None = None,
                   custom: dict[str, str] | None = None) -> dict[str, bytes]:
    """The package with these properties set in meta.xml: ``core`` ones by their .docx names
    (``"dc:identifier"``, ``"cp:version"``...), ``custom`` ones by name (text)."""
    parts = dict(parts)
    parts[META_PART] = meta_xml(parts.get(META_PART), core or {}, custom or {})
    if META_PART not in _manifest_paths(parts):
        manifest = parse_xml(parts[MANIFEST_PART])
        added = etree.SubElement(manifest, qn("manifest:file-entry"))
        added.set(qn("manifest:full-path"), META_PART)
        added.set(qn("manifest:media-type"), "text/xml")
        parts[MANIFEST_PART] = serialize(manifest)
    return parts


def _manifest_paths(parts: dict[str, bytes]) -> set[str]:
    manifest = parse_xml(parts[MANIFEST_PART])
    return {e.get(qn("manifest:full-path")) for e in manifest.iter(qn("manifest:file-entry"))}


def meta_xml(data: bytes | None, core: dict[str, str], custom: dict[str, str]) -> bytes:
    """meta.xml (``data``, or a new one) with these properties set."""
    if data:
        root = parse_xml(data)
    else:
        root = etree.Element(qn("office:document-meta"), nsmap={"office": NSMAP["office"], "meta": NSMAP["meta"],
                                                                  "dc": NSMAP["dc"]})
        root.set(qn("office:version"), "1.3")
    meta = root.find(qn("office:meta"))
    if meta is None:
        meta = etree.SubElement(root, qn("office:meta"))
    wanted = {_core_name(k): v for k, v in core.items()}
    wanted.update(custom)
    found = {el.get(_META_NAME): el for el in meta.iterchildren(_USER_DEFINED)}
    for name, value in wanted.items():
        el = found.get(name)
        if el is None:
            el = etree.SubElement(meta, _USER_DEFINED)
            el.set(_META_NAME, name)
        el.set(_VALUE_TYPE, "string")
        el.text = value
    return serialize(root)


def user_defined(data: bytes | None) -> dict[str, str]:
    """meta.xml's user-defined properties by name; a .docx's core ones by their .docx name
    (``cp:contentStatus``...)."""
    if not data:
        return {}
    meta = parse_xml(data).find(qn("office:meta"))
    found: dict[str, str] = {}
    for el in meta.iterchildren(_USER_DEFINED) if meta is not None else ():
        name, value = el.get(_META_NAME) or "", (el.text or "").strip()
        if name.startswith(_OOXML_CORE) and len(name) > len(_OOXML_CORE):
            local = name[len(_OOXML_CORE):]
            local = local[:1].lower() + local[1:]
            name = ("dc:" if local in ("identifier", "title", "subject", "creator", "description", "language")
                    else "cp:") + local
        found[name] = value
    return found


# ---------------------------------------------------------------------------
# Text as written, and what the layout shows of it.
# ---------------------------------------------------------------------------

def _collapsed(raw: str) -> tuple[str, list[int]]:
    """What ODF shows of character data (tabs and newlines as spaces, runs of spaces as one),
    and the index in ``raw`` of each character shown."""
    shown, positions, space = [], [], False
    for index, char in enumerate(raw):
        is_space = char in " \t\n\r"
        if is_space and space:
            continue
        shown.append(" " if is_space else char)
        positions.append(index)
        space = is_space
    return "".join(shown), positions


def _positions(raw: str, shown: str) -> list[int]:
    """For each character of ``shown`` (a piece's text), its index in ``raw``: the same text as
    ODF collapses it, its leading space dropped after a space."""
    text, positions = _collapsed(raw)
    if len(text) == len(shown) + 1 and text.startswith(" "):
        positions = positions[1:]
    return positions


class _Text:
    """One piece of a line as written: character data (``attr`` ``text`` or ``tail`` of ``el``),
    or an element standing for characters (a tab, a break, ``text:s``), or a field."""

    def __init__(self, piece, el: etree._Element, attr: str | None):
        self.piece, self.el, self.attr = piece, el, attr

    @property
    def raw(self) -> str:
        return getattr(self.el, self.attr) or ""

    def set(self, text: str) -> None:
        setattr(self.el, self.attr, text or None)

    def raw_index(self, offset: int) -> int:
        positions = _positions(self.raw, self.piece.text)
        return positions[offset] if offset < len(positions) else len(self.raw)


def _items(line) -> list[_Text]:
    """Each piece of ``line`` with where it is written: the text of the element it came from the
    first time that element gives a piece (when that text shows it), its tail otherwise."""
    seen: set[int] = set()
    items = []
    for piece in line.pieces:
        el = piece.source
        attr = None
        if piece.kind == "text":
            if el is line.source:
                attr = "text"
            elif el.tag == _S and id(el) not in seen:
                attr = None  # the spaces the element stands for
            elif id(el) not in seen and el.text and _shows(el.text, piece.text):
                attr = "text"
            else:
                attr = "tail"
        seen.add(id(el))
        items.append(_Text(piece, el, attr))
    return items


def _shows(raw: str, shown: str) -> bool:
    text, _ = _collapsed(raw)
    return text == shown or text[1:] == shown and text.startswith(" ")


def _before(el: etree._Element, text: str) -> None:
    """Character data right before ``el``."""
    previous = el.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent = el.getparent()
        parent.text = (parent.text or "") + text


def _remove(el: etree._Element) -> None:
    """Remove an element, its tail kept in place."""
    if el.tail:
        _before(el, el.tail)
    el.getparent().remove(el)


def _inline(value: str) -> str:
    """A value as one line of character data: spacing collapsed as ODF would show it."""
    return " ".join(value.split())


def replace_text(line, start: int, end: int, value: str) -> None:
    """Replace what ``line`` shows from offset ``start`` to ``end`` by ``value`` (one line,
    spacing collapsed, a space it starts or ends with kept: « : » then the value), in the span of
    what it replaces; with nothing replaced, before what comes at ``start``, else at the end of the
    line. Tabs, breaks and spaces elements in between are removed; fields are left as they are."""
    inline = _inline(value)
    if inline:
        value = " " * value[:1].isspace() + inline + " " * value[-1:].isspace()
    else:
        value = inline
    items, pos = [], 0
    for item in _items(line):
        size = len(item.piece.shown)
        items.append((pos, pos + size, item))
        pos += size
    inside = [(a, b, i) for a, b, i in items if a < end and b > start and i.piece.kind != "field"]
    done = False
    for index in range(len(inside) - 1, -1, -1):
        a, b, item = inside[index]
        first = index == 0
        cut_from, cut_to = max(start, a) - a, min(end, b) - a
        if item.attr is not None:
            raw = item.raw
            raw_from, raw_to = item.raw_index(cut_from), item.raw_index(cut_to)
            item.set(raw[:raw_from] + (value if first else "") + raw[raw_to:])
            done = done or first
            continue
        if first:
            _before(item.el, value)
            done = True
        if item.el.tag == _S and (cut_from > 0 or cut_to < b - a):  # part of a run of spaces
            item.el.set(_C, str(max(1, b - a - (cut_to - cut_from))))
        else:
            _remove(item.el)
    if done or not value:
        return
    after = next(((a, i) for a, b, i in items if a >= start and b > a and i.piece.kind != "field"), None)
    if after is not None:
        a, item = after
        if item.attr is not None:
            raw, at = item.raw, item.raw_index(start - a)
            item.set(raw[:at] + value + raw[at:])
        else:
            _before(item.el, value)
        return
    if items:
        a, b, item = items[-1]
        if item.attr is not None:
            item.set(item.raw + value)
        else:
            item.el.tail = (item.el.tail or "") + value
        return
    p = line.source
    if len(p):
        p[-1].tail = (p[-1].tail or "") + value
    else:
        p.text = (p.text or "") + value


def clear_tab_leader(line, tab) -> None:
    """A tab stop's leader belongs to the paragraph's style in ODF: left as it is."""


def symbol_font(piece) -> str | None:
    """The font a text piece's characters are drawn in, as the automatic or named text style of
    the span holding them says (its parents' too); ``None`` when none says (the paragraph's)."""
    el = piece.source
    if el is None or piece.kind != "text":
        return None
    holder = el if el.tag == _SPAN and el.text and _shows(el.text, piece.text) else el.getparent()
    root = el.getroottree().getroot()
    styles = {s.get(_NAME): s for s in root.iter(_STYLE)}
    faces = {f.get(_NAME): f.get(qn("svg:font-family")) for f in root.iter(_FONT_FACE)}
    while holder is not None and holder.tag == _SPAN:
        name, seen = holder.get(_STYLE_NAME), set()
        while name and name in styles and name not in seen:
            seen.add(name)
            props = styles[name].find(_TEXT_PROPERTIES)
            if props is not None and (props.get(_FONT_NAME) or props.get(_FONT_FAMILY)):
                font = faces.get(props.get(_FONT_NAME)) or props.get(_FONT_NAME) or props.get(_FONT_FAMILY)
                return font.strip("'\"")
            name = styles[name].get(_PARENT_STYLE)
        holder = holder.getparent()
    return None


def _fill(p: etree._Element, value: str) -> None:
    """``p``'s content replaced by ``value``: lines as line breaks, spaces ODF would collapse as
    ``text:s``."""
    for child in list(p):
        p.remove(child)
    p.text = None
    anchor: etree._Element | None = None  # the last element added: text goes to its tail

    def put(text: str) -> None:
        if anchor is None:
            p.text = (p.text or "") + text
        else:
            anchor.tail = (anchor.tail or "") + text

    for index, line in enumerate(value.split("\n")):
        if index:
            anchor = etree.SubElement(p, _LINE_BREAK)
        for match in re.finditer(r" +|[^ ]+", line.replace("\t", " ")):
            chunk = match.group()
            if chunk[0] == " " and (len(chunk) > 1 or match.start() == 0):
                anchor = etree.SubElement(p, _S)
                if len(chunk) > 1:
                    anchor.set(_C, str(len(chunk)))
            else:
                put(chunk)


def write_cell(cell: etree._Element, value: str) -> None:
    """``value`` in a table cell: its first paragraph's content replaced (its style kept), lines as
    line breaks; a cell without a paragraph gets one."""
    p = next((child for child in cell if child.tag in (_P, _H)), None)
    if p is None:
        p = etree.SubElement(cell, _P)
    _fill(p, value)


def insert_line_after(p: etree._Element, value: str) -> etree._Element:
    """A new paragraph after ``p``, in its style, holding ``value``; after an item of a list, the
    list's next item (numbered as the others, as Word's copy of the paragraph's numbering is)."""
    new = etree.Element(_P)
    if p.get(_STYLE_NAME):
        new.set(_STYLE_NAME, p.get(_STYLE_NAME))
    _fill(new, value)
    item = p.getparent()
    if item is not None and item.tag == _LIST_ITEM and item[-1] is p:
        next_item = etree.Element(_LIST_ITEM)
        next_item.append(new)
        item.addnext(next_item)
    else:
        p.addnext(new)
    return new


def set_field(piece, value: str | bool) -> bool:
    """Fill the field ``piece`` stands for: a content control (text, check box), a text input
    field, a placeholder (replaced by the value), a form control's check box or text, a legacy
    check box or text field kept as a field mark. Returns whether it could."""
    el = piece.source
    if el.tag in (_LOEXT_CONTROL, _TEXT_CONTROL):
        prefix = "loext" if el.tag == _LOEXT_CONTROL else "text"
        if piece.field_kind == "checkbox":
            state = bool(value)
            el.set(qn(f"{prefix}:checked"), "true" if state else "false")
            glyph = el.get(qn(f"{prefix}:checked-state" if state else f"{prefix}:unchecked-state"))
            _fill_inline(el, glyph or ("☒" if state else "☐"))
        else:
            el.set(qn(f"{prefix}:showing-place-holder"), "false")
            _fill_inline(el, str(value))
        return True
    if el.tag == _TEXT_INPUT:
        _fill_inline(el, str(value))
        return True
    if el.tag == _PLACEHOLDER:  # typed over, as in LibreOffice: the placeholder gives way to the text
        _before(el, _inline(str(value)))
        _remove(el)
        return True
    if el.tag == _FIELDMARK_START and piece.field_kind in ("text", "date"):
        return _fill_field_mark(el, str(value))
    if el.tag in _FIELDMARKS and piece.field_kind == "checkbox":
        param = next((p for p in el.iterchildren(_PARAM) if p.get(_PARAM_NAME) == "Checkbox_Checked"), None)
        if param is None:
            param = etree.SubElement(el, _PARAM)
            param.set(_PARAM_NAME, "Checkbox_Checked")
        param.set(_PARAM_VALUE, "true" if value else "false")
        return True
    if el.tag == _CONTROL_ID:
        control = _form_control(el)
        if control is None:
            return False
        if piece.field_kind == "checkbox":
            control.set(qn("form:current-state"), "checked" if value else "unchecked")
        else:
            control.set(qn("form:current-value"), str(value))
        return True
    return False


def _fill_field_mark(start: etree._Element, value: str) -> bool:
    """A legacy Word text field as LibreOffice keeps it: what is shown between its separator (or its
    start) and its end, in the same paragraph, replaced by ``value``. False when its text runs across
    other elements than plain text and spans (left as it is)."""
    shown, end = [], None
    for sibling in start.itersiblings():
        if sibling.tag == _FIELDMARK_END:
            end = sibling
            break
        shown.append(sibling)
    if end is None:
        return False
    after = start
    if shown and shown[0].tag == _FIELDMARK_SEPARATOR:
        after, shown = shown[0], shown[1:]
    if any(el.tag != _SPAN or len(el) for el in shown):
        return False
    for el in shown:
        start.getparent().remove(el)
    after.tail = _inline(value)
    return True


def _fill_inline(el: etree._Element, value: str) -> None:
    for child in list(el):
        if not isinstance(child.tag, str) or etree.QName(child).localname != "list-item":
            el.remove(child)
    el.text = _inline(value)


def _form_control(draw_control: etree._Element) -> etree._Element | None:
    wanted = draw_control.get(qn("draw:control"))
    root = draw_control.getroottree().getroot()
    for forms in root.iter(qn("office:forms")):
        for control in forms.iter():
            if control.get(qn("xml:id")) == wanted or control.get(qn("form:id")) == wanted:
                return control
    return None


def clone_row(row: etree._Element, after: etree._Element) -> etree._Element:
    """A copy of the table row ``row`` (its formatting, its cells' content) placed after ``after``."""
    new = copy.deepcopy(row)
    after.addnext(new)
    return new


def strip_bookmarks(el: etree._Element) -> None:
    """Remove the bookmarks in ``el`` (a copied row: a bookmark's name is unique), their tails kept."""
    for mark in list(el.iter(*_BOOKMARKS)):
        _remove(mark)


def fill_header_blanks(parts: dict[str, bytes], pattern, token: str) -> dict[str, bytes]:
    """The package with ``token`` written over the blank of each header paragraph (styles.xml's
    master pages) whose text ``pattern`` matches, its group ``blank`` the blank (« Agent : ______ »,
    underscores or spaces, a span's underlined ones): where the blank starts, the rest of it gone."""
    parts = dict(parts)
    styles = parse_xml(parts[STYLES_PART])
    changed = False
    for header in styles.iter(*_HEADERS):
        for p in header.iter(_P, _H):
            slots = _text_slots(p)
            match = pattern.search("".join(text for _, _, text in slots))
            if match is None:
                continue
            _replace_span(slots, match.start("blank"), match.end("blank"), token, p)
            changed = True
    if changed:
        parts[STYLES_PART] = serialize(styles)
    return parts


def _text_slots(p: etree._Element) -> list[tuple[etree._Element, str, str]]:
    """A paragraph's text in order, as (element, where, text): ``text`` or ``tail`` of an element,
    ``s`` a text:s (its spaces), ``tab`` a text:tab."""
    slots: list[tuple[etree._Element, str, str]] = []

    def walk(el: etree._Element) -> None:
        if el.text:
            slots.append((el, "text", el.text))
        for child in el:
            if child.tag == _S:
                slots.append((child, "s", " " * _count(child)))
            elif child.tag == _TAB:
                slots.append((child, "tab", "\t"))
            elif child.tag == _SPAN or child.tag == qn("text:a"):
                walk(child)
            if child.tail:
                slots.append((child, "tail", child.tail))

    walk(p)
    return slots


def _count(space: etree._Element) -> int:
    try:
        return max(1, int(space.get(qn("text:c")) or 1))
    except ValueError:
        return 1


def _replace_span(slots, start: int, end: int, token: str, p: etree._Element) -> None:
    """Characters ``start`` to ``end`` of the slots' text replaced by ``token``, written at ``start``
    (the slots edited from the last: a text:s removed (``_remove``) hands its tail, already edited, to what precedes it)."""
    spans, position = [], 0
    for el, where, text in slots:
        spans.append((position, position + len(text)))
        position += len(text)
    first = next((n for n, (a, b) in enumerate(spans) if max(a, start) < min(b, end) and slots[n][1] != "tab"), None)
    if first is None:  # nothing to write over (« Agent : » and the paragraph's end): the value after it
        span = etree.SubElement(p, _SPAN)
        span.text = token
        return
    for n in range(len(slots) - 1, -1, -1):
        el, where, text = slots[n]
        a, b = spans[n]
        low, high = max(a, start), min(b, end)
        if low >= high or where == "tab":
            continue
        kept = text[:low - a] + (token if n == first else "") + text[high - a:]
        if where == "text":
            el.text = kept
        elif where == "tail":
            el.tail = kept
        else:  # text:s: the spaces outside the blank kept, the token where the blank starts
            before, after = low - a, b - high
            if n == first and before:
                el.set(qn("text:c"), str(before))
                el.tail = token + " " * after + (el.tail or "")
                continue
            if n == first:
                _before(el, token)
            if before + after:
                el.set(qn("text:c"), str(before + after))
            else:
                _remove(el)
