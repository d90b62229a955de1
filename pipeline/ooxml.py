"""The one module that knows WordprocessingML.

It holds the namespace map, the single hardened lxml parser, and the small
functions that find and build content controls, label/value rows and tables.
No other module writes a ``{http://...}`` name or an XPath.
"""

from __future__ import annotations

from lxml import etree

NSMAP = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}


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
