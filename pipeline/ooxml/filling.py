"""Writing into an employer's own form, a .docx, for :mod:`pipeline.employer_template`.

Once, when ``entretiens modeles`` makes the campaign's template from the employer's file
(a package as ``{part name: bytes}``, in its order):

- :func:`add_page_code`: a paragraph at the end of every footer a page shows (a footer added
  to a section that shows none): the report's identifier in clear text (``token`` in the
  template, which each report's footer bytes replace) and the page code's QR code, a picture
  part of its own (:data:`CODE_PICTURE`) whose bytes each report replaces;
- :func:`set_properties`: core properties (``dc:identifier``, ``cp:version``...) and custom
  ones (``docProps/custom.xml``, added when missing).

Per report, on a copy of the main part, at the elements a :class:`pipeline.layout.Layout`
read from it gives (``source``):

- :func:`replace_text`: what a line shows between two offsets replaced by a value, in the run
  of what it replaces (a leader's, a tab's), tabs in between removed, a ``w:sym`` replaced by a
  symbol of its font (a box ticked) kept a ``w:sym``; :func:`clear_tab_leader`;
  :func:`symbol_font` (the font a box is drawn in);
- :func:`write_cell`: a value in a cell's first paragraph, its paragraph properties kept, in
  the formatting of its paragraph mark;
- :func:`insert_line_after`, :func:`set_field` (a content control, a legacy form field),
  :func:`clone_row`.
"""

from __future__ import annotations

import copy
import posixpath

from lxml import etree

from .editing import set_checkbox, set_control_text
from .ns import NSMAP, parse_xml, qn, serialize
from .reading import CORE_PART, control_checkbox_state, control_property, office_document_target

# Names looked up in loops, qualified once.
_P, _R, _T, _TAB, _BR, _SYM = qn("w:p"), qn("w:r"), qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:sym")
_PPR, _RPR, _TABS, _SECT_PR, _TITLE_PG = qn("w:pPr"), qn("w:rPr"), qn("w:tabs"), qn("w:sectPr"), qn("w:titlePg")
_FOOTER_REF, _HEADER_REF, _TYPE, _VAL, _ID = (qn("w:footerReference"), qn("w:headerReference"), qn("w:type"),
                                              qn("w:val"), qn("r:id"))
_BODY, _SDT, _FLD_CHAR, _FLD_CHAR_TYPE, _FF_DATA = (qn("w:body"), qn("w:sdt"), qn("w:fldChar"),
                                                    qn("w:fldCharType"), qn("w:ffData"))
_CHECK_BOX, _CHECKED, _LEADER, _POS = qn("w:checkBox"), qn("w:checked"), qn("w:leader"), qn("w:pos")
_EVEN_AND_ODD, _BOOKMARK_START, _BOOKMARK_END = (qn("w:evenAndOddHeaders"), qn("w:bookmarkStart"),
                                                 qn("w:bookmarkEnd"))
_SPACE = qn("xml:space")
_CHAR, _FONT, _R_FONTS = qn("w:char"), qn("w:font"), qn("w:rFonts")
_FONT_ATTRIBUTES = (qn("w:ascii"), qn("w:hAnsi"), qn("w:cs"), qn("w:eastAsia"))
# Run properties a paragraph mark may have that a run may not (tracked changes of the mark).
_MARK_ONLY = frozenset(qn(n) for n in ("w:ins", "w:del", "w:moveFrom", "w:moveTo", "w:rPrChange"))

# Package-level names this module adds (drawings, relationships, custom properties).
_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_PIC = "http://schemas.openxmlformats.org/drawingml/2006/picture"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_FOOTER_REL, _IMAGE_REL, _CUSTOM_REL = _REL_TYPE + "footer", _REL_TYPE + "image", _REL_TYPE + "custom-properties"
_SETTINGS_REL = _REL_TYPE + "settings"
_CORE_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
_FOOTER_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"
_CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_CORE_TYPE = "application/vnd.openxmlformats-package.core-properties+xml"
_PROPERTY_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the one format id of custom properties
_DOC_PR = "{%s}docPr" % _WP

#: The page code's picture, replaced in each report.
CODE_PICTURE = "word/media/entretiens_code_page.png"
CONTENT_TYPES = "[Content_Types].xml"
CUSTOM_PART = "docProps/custom.xml"
_CODE_REL_ID = "rIdEntretiensCodePage"
_EMU_PER_MM = 36000


def main_part(parts: dict[str, bytes]) -> str:
    """The main part's name (``word/document.xml`` as a rule), from the package's relationships."""
    rels = parts.get("_rels/.rels")
    target = office_document_target(parse_xml(rels)) if rels else None
    return target.lstrip("/") if target else "word/document.xml"


def _rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def _rels(parts: dict[str, bytes], part: str) -> etree._Element:
    data = parts.get(_rels_name(part))
    return parse_xml(data) if data else etree.Element(f"{{{_RELS}}}Relationships", nsmap={None: _RELS})


def _related(parts: dict[str, bytes], part: str, rels: etree._Element) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, part name) of a part's internal relationships."""
    folder = posixpath.dirname(part)
    found = {}
    for rel in rels.iter(f"{{{_RELS}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = posixpath.normpath(posixpath.join("/" + folder, rel.get("Target") or "")).lstrip("/")
        found[rel.get("Id") or ""] = (rel.get("Type") or "", target)
    return found


def _add_relationship(rels: etree._Element, rel_id: str, kind: str, target: str) -> str:
    taken = {rel.get("Id") for rel in rels.iter(f"{{{_RELS}}}Relationship")}
    wanted, n = rel_id, 1
    while wanted in taken:
        n += 1
        wanted = f"{rel_id}{n}"
    etree.SubElement(rels, f"{{{_RELS}}}Relationship", Id=wanted, Type=kind, Target=target)
    return wanted


def _declare_type(types: etree._Element, part: str | None = None, content_type: str = "", *,
                  extension: str | None = None) -> None:
    """An Override for ``part`` (or a Default for ``extension``) in [Content_Types].xml, unless there."""
    if extension is not None:
        if any(d.get("Extension", "").lower() == extension for d in types.iter(qn("ct:Default"))):
            return
        types.insert(0, _ct("Default", Extension=extension, ContentType=content_type))
        return
    name = "/" + part
    if not any(o.get("PartName", "").lower() == name.lower() for o in types.iter(qn("ct:Override"))):
        types.append(_ct("Override", PartName=name, ContentType=content_type))


def _ct(name: str, **attrs: str) -> etree._Element:
    el = etree.Element(qn(f"ct:{name}"))
    for key, value in attrs.items():
        el.set(key, value)
    return el


# ---------------------------------------------------------------------------
# The page code in every footer.
# ---------------------------------------------------------------------------

_CODE_PARAGRAPH = """<w:p xmlns:w="{w}" xmlns:r="{r}" xmlns:wp="{wp}" xmlns:a="{a}" xmlns:pic="{pic}">\
<w:pPr><w:spacing w:before="40" w:after="0"/><w:jc w:val="right"/></w:pPr>\
<w:r><w:rPr><w:sz w:val="14"/><w:szCs w:val="14"/></w:rPr><w:t xml:space="preserve">identifiant {token} </w:t></w:r>\
<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{size}" cy="{size}"/>\
<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:docPr id="{id}" name="Code de page {id}" descr="Code du compte rendu"/>\
<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>\
<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>\
<pic:nvPicPr><pic:cNvPr id="{id}" name="entretiens_code_page.png"/><pic:cNvPicPr/></pic:nvPicPr>\
<pic:blipFill><a:blip r:embed="{rel}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>\
<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{size}" cy="{size}"/></a:xfrm>\
<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>\
</wp:inline></w:drawing></w:r></w:p>"""

_NEW_FOOTER = """<w:ftr xmlns:w="{w}" xmlns:r="{r}" xmlns:wp="{wp}" xmlns:a="{a}" xmlns:pic="{pic}"/>"""


def _code_paragraph(token: str, drawing_id: int, rel_id: str, width_mm: float) -> etree._Element:
    from xml.sax.saxutils import escape

    text = _CODE_PARAGRAPH.format(w=NSMAP["w"], r=NSMAP["r"], wp=_WP, a=_A, pic=_PIC, token=escape(token),
                                  id=drawing_id, rel=rel_id, size=round(width_mm * _EMU_PER_MM))
    return etree.fromstring(text)


def _sections(document: etree._Element) -> list[etree._Element]:
    """The document's sections' properties in order: those ending a paragraph, then the body's last."""
    body = document.find(_BODY)
    if body is None:
        return []
    return [s for s in body.iter(_SECT_PR) if s.getparent().tag in (_PPR, _BODY)]


def _on(el: etree._Element | None) -> bool:
    return el is not None and (el.get(_VAL) or "true").lower() not in ("0", "false", "off")


def add_page_code(parts: dict[str, bytes], *, token: str, picture: bytes, width_mm: float) -> dict[str, bytes]:
    """The package with the page code at the end of every footer a page shows: each footer a
    section refers to gets a right-aligned paragraph « identifiant ``token`` » and the code's
    picture (``picture``, a PNG ``width_mm`` wide, stored as :data:`CODE_PICTURE`); a section
    that shows no footer of a kind its pages use (the default one, the first page's with a
    distinct first page, the even pages' with distinct even pages) gets one of its own."""
    parts = dict(parts)
    main = main_part(parts)
    document = parse_xml(parts[main])
    doc_rels = _rels(parts, main)
    related = _related(parts, main, doc_rels)
    types = parse_xml(parts[CONTENT_TYPES])
    settings = next((parse_xml(parts[name]) for kind, name in related.values()
                     if kind == _SETTINGS_REL and name in parts), None)
    even_pages = settings is not None and _on(settings.find(_EVEN_AND_ODD))
    next_id = 1 + max((int(d.get("id")) for name, data in parts.items() if name.endswith(".xml")
                       and b"docPr" in data for d in parse_xml(data).iter(_DOC_PR)
                       if (d.get("id") or "").isdigit()), default=0)

    footers: dict[str, None] = {}  # the footer parts pages show, in order
    available: set[str] = set()  # the kinds of footer a section inherits from the one before it
    new = 0
    for section in _sections(document):
        refs = {ref.get(_TYPE) or "default": ref for ref in section.iterchildren(_FOOTER_REF)}
        for kind, ref in refs.items():
            found = related.get(ref.get(_ID) or "")
            if found and found[0] == _FOOTER_REL and found[1] in parts:
                footers[found[1]] = None
                available.add(kind)
        wanted = ["default"] + ["first"] * _on(section.find(_TITLE_PG)) + ["even"] * even_pages
        for kind in wanted:
            if kind in available:
                continue
            new += 1
            name = _free_name(parts, f"word/footer_code{new}.xml")
            parts[name] = serialize(etree.fromstring(_NEW_FOOTER.format(w=NSMAP["w"], r=NSMAP["r"], wp=_WP, a=_A,
                                                                        pic=_PIC)))
            rel_id = _add_relationship(doc_rels, "rIdEntretiensFooter", _FOOTER_REL,
                                       posixpath.relpath(name, posixpath.dirname(main)))
            _declare_type(types, name, _FOOTER_TYPE)
            ref = etree.Element(_FOOTER_REF)
            ref.set(_TYPE, kind)
            ref.set(_ID, rel_id)
            position = max((i + 1 for i, child in enumerate(section) if child.tag in (_HEADER_REF, _FOOTER_REF)),
                           default=0)
            section.insert(position, ref)
            footers[name] = None
            available.add(kind)
    for name in footers:
        footer = parse_xml(parts[name])
        rels = _rels(parts, name)
        rel_id = _add_relationship(rels, _CODE_REL_ID, _IMAGE_REL,
                                   posixpath.relpath(CODE_PICTURE, posixpath.dirname(name)))
        footer.append(_code_paragraph(token, next_id, rel_id, width_mm))
        next_id += 1
        parts[name] = serialize(footer)
        parts[_rels_name(name)] = serialize(rels)
    parts[CODE_PICTURE] = picture
    _declare_type(types, content_type="image/png", extension="png")
    parts[main] = serialize(document)
    parts[_rels_name(main)] = serialize(doc_rels)
    parts[CONTENT_TYPES] = serialize(types)
    return parts


def _free_name(parts: dict[str, bytes], name: str) -> str:
    stem, ext = posixpath.splitext(name)
    n = 1
    while name.lower() in {p.lower() for p in parts}:
        n += 1
        name = f"{stem}_{n}{ext}"
    return name



# ---------------------------------------------------------------------------
# Document properties.
# ---------------------------------------------------------------------------

def set_properties(parts: dict[str, bytes], *, core: dict[str, str] | None = None,
                   custom: dict[str, str] | None = None) -> dict[str, bytes]:
    """The package with these core properties (``"dc:identifier"``, ``"cp:version"``,
    ``"dcterms:modified"``...) and custom ones (text, by name) set, their parts and
    relationships added when missing."""
    parts = dict(parts)
    if core:
        parts[CORE_PART] = core_xml(parts.get(CORE_PART), core)
        _ensure_package_part(parts, CORE_PART, _CORE_REL, _CORE_TYPE)
    if custom:
        parts[CUSTOM_PART] = custom_xml(parts.get(CUSTOM_PART), custom)
        _ensure_package_part(parts, CUSTOM_PART, _CUSTOM_REL, _CUSTOM_TYPE)
    return parts


def core_xml(data: bytes | None, values: dict[str, str]) -> bytes:
    """``docProps/core.xml`` (``data``, or a new one) with ``values`` set."""
    root = parse_xml(data) if data else etree.Element(qn("cp:coreProperties"), nsmap={
        "cp": NSMAP["cp"], "dc": NSMAP["dc"], "dcterms": NSMAP["dcterms"]})
    for name, value in values.items():
        el = root.find(qn(name))
        if el is None:
            el = etree.SubElement(root, qn(name))
        el.text = value
        if name.startswith("dcterms:"):
            el.set("{http://www.w3.org/2001/XMLSchema-instance}type", "dcterms:W3CDTF")
    return serialize(root)


def custom_xml(data: bytes | None, values: dict[str, str]) -> bytes:
    """``docProps/custom.xml`` (``data``, or a new one) with ``values`` set as text properties."""
    root = parse_xml(data) if data else etree.Element(f"{{{_CUSTOM}}}Properties", nsmap={None: _CUSTOM, "vt": _VT})
    props = {p.get("name"): p for p in root.iter(f"{{{_CUSTOM}}}property")}
    pid = max((int(p.get("pid")) for p in props.values() if (p.get("pid") or "").isdigit()), default=1)
    for name, value in values.items():
        prop = props.get(name)
        if prop is None:
            pid += 1
            prop = etree.SubElement(root, f"{{{_CUSTOM}}}property", fmtid=_PROPERTY_FMTID, pid=str(pid), name=name)
        for child in list(prop):
            prop.remove(child)
        etree.SubElement(prop, f"{{{_VT}}}lpwstr").text = value
    return serialize(root)


def custom_properties(data: bytes | None) -> dict[str, str]:
    """The custom properties of ``docProps/custom.xml`` by name (text values)."""
    if not data:
        return {}
    return {p.get("name"): "".join(p.itertext()).strip() for p in parse_xml(data).iter(f"{{{_CUSTOM}}}property")
            if p.get("name")}


def _ensure_package_part(parts: dict[str, bytes], name: str, kind: str, content_type: str) -> None:
    rels = _rels(parts, "")  # the package's own: _rels/.rels
    if not any(r.get("Type") == kind for r in rels.iter(f"{{{_RELS}}}Relationship")):
        _add_relationship(rels, "rIdEntretiensProps", kind, name)
        parts["_rels/.rels"] = serialize(rels)
    if f'PartName="/{name}"'.encode() not in parts[CONTENT_TYPES]:
        types = parse_xml(parts[CONTENT_TYPES])
        _declare_type(types, name, content_type)
        parts[CONTENT_TYPES] = serialize(types)


# ---------------------------------------------------------------------------
# Values written into a line, a cell, a field, a table.
# ---------------------------------------------------------------------------

def _text_element(text: str) -> etree._Element:
    t = etree.Element(_T)
    t.text = text
    t.set(_SPACE, "preserve")
    return t


def _set_text(t: etree._Element, text: str) -> None:
    t.text = text
    t.set(_SPACE, "preserve")


def _remove(el: etree._Element) -> None:
    """Remove a run's content element, and the run when nothing but its properties is left."""
    run = el.getparent()
    run.remove(el)
    if run.tag == _R and all(child.tag == _RPR for child in run):
        parent = run.getparent()
        if parent is not None:
            parent.remove(run)


def replace_text(line, start: int, end: int, value: str) -> None:
    """Replace what ``line`` (a :class:`pipeline.layout.Line` of this part) shows from offset
    ``start`` to ``end`` by ``value`` (one line: newlines become spaces). The value goes where the
    replaced text was, in its run (a leader's, a tab's: the formatting of the blank to fill);
    with nothing replaced, before what comes at ``start``, else at the end of the line. Tabs and
    line breaks in between are removed; form fields and controls are left as they are."""
    value = " ".join(value.split("\n"))
    items, pos = [], 0
    for piece in line.pieces:
        size = len(piece.shown)
        items.append((pos, pos + size, piece))
        pos += size
    inside = [(a, b, p) for a, b, p in items if a < end and b > start and p.kind != "field"]
    done = False
    for index in range(len(inside) - 1, -1, -1):
        a, b, piece = inside[index]
        el, first = piece.source, index == 0
        cut_from, cut_to = max(start, a) - a, min(end, b) - a
        if el.tag == _T:
            text = el.text or ""
            _set_text(el, text[:cut_from] + (value if first else "") + text[cut_to:])
            done = done or first
        elif el.tag == _SYM and first and cut_from == 0 and cut_to == b - a and _symbol_code(value) is not None:
            _set_symbol(el, value)  # a symbol's box ticked: the same symbol of its font, another character
            done = True
        else:  # a tab, a break, a symbol, a no-break hyphen: one element, one character
            if first:
                el.addprevious(_text_element(value))
                done = True
            _remove(el)
    if done or not value:
        return
    after = next(((a, p) for a, b, p in items if a >= start and b > a and p.kind != "field"), None)
    if after is not None:
        a, piece = after
        el = piece.source
        if el.tag == _T:
            _set_text(el, (el.text or "")[:start - a] + value + (el.text or "")[start - a:])
        else:
            el.addprevious(_text_element(value))
        return
    tail = items[-1][2] if items else None
    if tail is not None and tail.kind in ("tab", "break") and start >= items[-1][1] and tail.source is not None \
            and tail.source.getparent() is not None and tail.source.getparent().tag == _R:
        # At the line's end after a tab (« Date de l'entretien<tab> »): a run of its own after the tab's.
        run = tail.source.getparent()
        run.addnext(_run_like(run, value))
        return
    last = next((p for a, b, p in reversed(items) if p.kind == "text" and p.source.tag == _T), None)
    if last is not None:
        _set_text(last.source, (last.source.text or "") + value)
        return
    line.source.append(_run(line.source, value))


def _symbol_code(value: str) -> int | None:
    """The code of a symbol font's character (one character of the private-use area U+F000 to
    U+F0FF, as :func:`.reading.symbol_text` gives a ``w:sym``), ``None`` for any other value."""
    return ord(value) if len(value) == 1 and 0xF000 <= ord(value) <= 0xF0FF else None


def _set_symbol(sym: etree._Element, value: str) -> None:
    """The ``w:sym`` ``sym`` showing ``value``, written as its own code is (``F0A8``, or ``A8``
    below the private-use area), its font kept."""
    code, old = _symbol_code(value), sym.get(_CHAR) or ""
    try:
        shifted = int(old, 16) >= 0xF000
    except ValueError:
        shifted = True
    sym.set(_CHAR, f"{code:04X}" if shifted else f"{code - 0xF000:02X}")


def symbol_font(piece) -> str | None:
    """The font a piece's character is drawn in, as the file says it where it is: a ``w:sym``'s
    font, else its run's (``w:rFonts``); ``None`` when neither says (a style's font)."""
    el = piece.source
    if el is None:
        return None
    if el.tag == _SYM and el.get(_FONT):
        return el.get(_FONT)
    run = el.getparent()
    rpr = run.find(_RPR) if run is not None and run.tag == _R else None
    fonts = rpr.find(_R_FONTS) if rpr is not None else None
    if fonts is None:
        return None
    return next((fonts.get(name) for name in _FONT_ATTRIBUTES if fonts.get(name)), None)


def clear_tab_leader(line, tab) -> None:
    """No leader for the tab stop the tab piece ``tab`` of ``line`` goes to (a filled blank shows
    no dots), when the paragraph sets its own stops; the n-th tab is taken to go to the n-th stop,
    as the layout reads it."""
    index = [p for p in line.pieces if p.kind == "tab"].index(tab)
    ppr = line.source.find(_PPR)
    tabs = ppr.find(_TABS) if ppr is not None else None
    if tabs is None:
        return
    stops = sorted((s for s in tabs.iterchildren(_TAB) if s.get(_VAL) not in ("clear", "bar")),
                   key=lambda s: int(s.get(_POS) or 0) if (s.get(_POS) or "").lstrip("-").isdigit() else 0)
    if index < len(stops) and stops[index].get(_LEADER) not in (None, "none"):
        stops[index].set(_LEADER, "none")


def _mark_properties(p: etree._Element) -> etree._Element | None:
    """The run properties of a paragraph's mark, as a run's (what Word gives typed text)."""
    ppr = p.find(_PPR)
    mark = ppr.find(_RPR) if ppr is not None else None
    if mark is None:
        return None
    rpr = copy.deepcopy(mark)
    for child in list(rpr):
        if child.tag in _MARK_ONLY:
            rpr.remove(child)
    return rpr


def _run_like(run: etree._Element, value: str) -> etree._Element:
    """A run holding ``value`` in the formatting of ``run`` (its properties copied)."""
    new = etree.Element(_R)
    properties = run.find(_RPR)
    if properties is not None:
        new.append(copy.deepcopy(properties))
    new.append(_text_element(value))
    return new


def _run(p: etree._Element, value: str) -> etree._Element:
    """A run holding ``value`` (lines as breaks) in the formatting of ``p``'s mark."""
    run = etree.Element(_R)
    rpr = _mark_properties(p)
    if rpr is not None:
        run.append(rpr)
    for index, text in enumerate(value.split("\n")):
        if index:
            etree.SubElement(run, _BR)
        run.append(_text_element(text))
    return run


def write_cell(tc: etree._Element, value: str) -> None:
    """``value`` in a table cell: its first paragraph's content replaced (its paragraph properties
    kept), lines as line breaks; a cell without a paragraph gets one."""
    p = next(tc.iterchildren(_P), None)
    if p is None:
        p = etree.SubElement(tc, _P)
    for child in list(p):
        if child.tag != _PPR:
            p.remove(child)
    p.append(_run(p, value))


def insert_line_after(p: etree._Element, value: str) -> etree._Element:
    """A new paragraph after ``p``, with its paragraph properties, holding ``value``."""
    new = etree.Element(_P)
    ppr = p.find(_PPR)
    if ppr is not None:
        new_ppr = copy.deepcopy(ppr)
        for child in list(new_ppr):
            if child.tag == _SECT_PR:
                new_ppr.remove(child)
        new.append(new_ppr)
    new.append(_run(p, value))
    p.addnext(new)
    return new


def set_field(piece, value: str | bool) -> bool:
    """Fill the form field ``piece`` stands for: a content control (text, date, check box), a
    legacy check box (``True`` ticks it) or text field. Returns whether it could."""
    el = piece.source
    if el.tag == _SDT:
        if control_checkbox_state(el) is not None:
            set_checkbox(el, bool(value))
        elif control_property(el, "w:dropDownList") is None or isinstance(value, str):
            set_control_text(el, str(value))
        return True
    if el.tag == _FLD_CHAR and el.get(_FLD_CHAR_TYPE) == "begin":
        data = el.find(_FF_DATA)
        box = data.find(_CHECK_BOX) if data is not None else None
        if box is not None:
            checked = box.find(_CHECKED)
            if checked is None:
                checked = etree.SubElement(box, _CHECKED)
            checked.set(_VAL, "1" if value else "0")
            return True
        return _set_field_result(el, str(value))
    return False


def _set_field_result(begin: etree._Element, value: str) -> bool:
    """A legacy text field's result: the runs between its separator and its end, in one paragraph."""
    run = begin.getparent()
    separate = None
    for sibling in run.itersiblings():
        mark = sibling.find(_FLD_CHAR)
        if mark is not None and mark.get(_FLD_CHAR_TYPE) == "separate":
            separate = sibling
        elif mark is not None and mark.get(_FLD_CHAR_TYPE) == "end":
            break
        elif separate is not None and sibling.tag == _R:
            for t in list(sibling.iterchildren(_T)):
                sibling.remove(t)
    if separate is None:
        return False
    separate.addnext(_run_like(run, value))
    return True


def clone_row(tr: etree._Element, after: etree._Element) -> etree._Element:
    """A copy of the row ``tr`` (its formatting, its cells' content) placed after ``after``."""
    new = copy.deepcopy(tr)
    after.addnext(new)
    return new


def strip_bookmarks(el: etree._Element) -> None:
    """Remove the bookmarks in ``el`` (a copied row: a bookmark's name is unique)."""
    for mark in list(el.iter(_BOOKMARK_START, _BOOKMARK_END)):
        mark.getparent().remove(mark)


def fill_header_blanks(parts: dict[str, bytes], pattern, token: str) -> dict[str, bytes]:
    """The package with ``token`` written over the blank of each header paragraph whose text (its
    tabs as ``\\t``) ``pattern`` matches, its group ``blank`` the blank (« Agent : ______ »): in the
    blank's first run, keeping its formatting (an underlined blank shows the value underlined)."""
    parts = dict(parts)
    for name in [n for n in parts if posixpath.dirname(n) == "word" and posixpath.basename(n).startswith("header")
                 and n.endswith(".xml")]:
        root = parse_xml(parts[name])
        changed = False
        for p in root.iter(_P):
            nodes = list(p.iter(_T, _TAB))
            text = "".join(node.text or "" if node.tag == _T else "\t" for node in nodes)
            match = pattern.search(text)
            if match is None:
                continue
            start, end, position, written = match.start("blank"), match.end("blank"), 0, False
            for node in nodes:
                size = len(node.text or "") if node.tag == _T else 1
                low, high = max(position, start), min(position + size, end)
                if node.tag == _T and low < high:
                    cut = node.text
                    _set_text(node, cut[:low - position] + ("" if written else token) + cut[high - position:])
                    written = True
                position += size
            if not written:  # « Agent : » ended by a tab or nothing: the value after it
                p.append(_run(p, token))
            changed = True
        if changed:
            parts[name] = serialize(root)
    return parts
