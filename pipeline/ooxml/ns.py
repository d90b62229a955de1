"""Namespaces, the one hardened parser, serialization, and new elements.

``qn("w:tag")`` is how every other module names an element or attribute; no
module outside this package writes a ``{http://...}`` name.
"""

from __future__ import annotations

from lxml import etree

from ..hardened_xml import hardened_parser, qn_for

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
#: ``qn("w:tag")`` -> ``"{http://...main}tag"``; ``xml:space`` known too (bound by XML itself,
#: never declared, kept out of NSMAP).
qn = qn_for(NSMAP)
_PARSER = hardened_parser()


# Word's « Strict Open XML » save (ISO/IEC 29500 Strict): the same elements under other
# namespaces. A Strict part is read as its transitional twin, so nothing else needs to know.
STRICT = b"http://purl.oclc.org/ooxml/"
_STRICT_TO_TRANSITIONAL = {
    b"http://purl.oclc.org/ooxml/wordprocessingml/main": NSMAP["w"].encode(),
    b"http://purl.oclc.org/ooxml/officeDocument/relationships": NSMAP["r"].encode(),
    b"http://purl.oclc.org/ooxml/officeDocument/math": b"http://schemas.openxmlformats.org/officeDocument/2006/math",
    b"http://purl.oclc.org/ooxml/officeDocument/extendedProperties":
        b"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
    b"http://purl.oclc.org/ooxml/officeDocument/customProperties":
        b"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    b"http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes":
        b"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
    b"http://purl.oclc.org/ooxml/drawingml/main": b"http://schemas.openxmlformats.org/drawingml/2006/main",
    b"http://purl.oclc.org/ooxml/drawingml/wordprocessingDrawing":
        b"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    b"http://purl.oclc.org/ooxml/drawingml/picture": b"http://schemas.openxmlformats.org/drawingml/2006/picture",
}


def transitional(data: bytes) -> bytes:
    """A Strict part's bytes with the transitional namespaces (a no-op for any other part)."""
    if STRICT not in data:
        return data
    for strict, usual in _STRICT_TO_TRANSITIONAL.items():
        data = data.replace(strict + b'"', usual + b'"').replace(strict + b"'", usual + b"'")
    return data


def parse_xml(data: bytes) -> etree._Element:
    """Parse one XML part with the hardened parser; a Strict Open XML part is read as its
    transitional twin (:func:`transitional`).

    Raises ``etree.XMLSyntaxError`` on malformed XML; a part that declares a
    DTD (the vehicle of entity expansion and external entities) raises
    ``ValueError``: a genuine Office part never has one.
    """
    root = etree.fromstring(transitional(data), parser=_PARSER)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise ValueError("DOCTYPE declared in an Office part")
    return root


def serialize(root: etree._Element) -> bytes:
    """A part's bytes as Word writes them: UTF-8, declaration, ``standalone="yes"``."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def element(name: str, **attrs: str) -> etree._Element:
    """A new element; ``w_val="x"`` sets ``w:val``."""
    el = etree.Element(qn(name))
    for key, value in attrs.items():
        el.set(qn(key.replace("_", ":", 1)), value)
    return el
