"""ODF namespaces, the one hardened parser for ODF parts, and what a package's manifest says.

``qn("text:p")`` is how the rest of this package names an element or attribute; no module
outside :mod:`pipeline.odf` writes an ODF ``{urn:oasis:...}`` name.
"""

from __future__ import annotations

from lxml import etree

from ..hardened_xml import hardened_parser, qn_for

NSMAP = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "form": "urn:oasis:names:tc:opendocument:xmlns:form:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
    # LibreOffice's extensions: content controls (7.5+: loext:content-control), legacy Word form
    # fields kept as field marks (field:fieldmark...).
    "loext": "urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0",
    "field": "urn:openoffice:names:experimental:ooo-ms-interop:xmlns:field:1.0",
}
#: ``qn("text:p")`` -> ``"{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p"``.
qn = qn_for(NSMAP)
_PARSER = hardened_parser()

#: The media types an OpenDocument package declares in its ``mimetype`` entry.
TEXT = "application/vnd.oasis.opendocument.text"
TEXT_TEMPLATE = "application/vnd.oasis.opendocument.text-template"
MEDIA_TYPE_PREFIX = "application/vnd.oasis.opendocument."


def parse_xml(data: bytes) -> etree._Element:
    """Parse one part of an ODF package with the hardened parser.

    Raises ``etree.XMLSyntaxError`` on malformed XML and ``ValueError`` on a DTD that declares
    anything (an internal subset: entities, the vehicle of expansion and external entities).
    A bare external DOCTYPE, as OpenOffice.org 2 wrote in its manifests, is allowed: it is
    never loaded."""
    root = etree.fromstring(data, parser=_PARSER)
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and (next(dtd.iterentities(), None) is not None or next(dtd.iterelements(), None) is not None):
        raise ValueError("DTD with declarations in an OpenDocument part")
    return root


def manifest_media_type(manifest: etree._Element) -> str | None:
    """The package's media type as its manifest (``META-INF/manifest.xml``) gives it: the
    entry of the whole package, ``full-path="/"``."""
    for entry in manifest.iter(qn("manifest:file-entry")):
        if entry.get(qn("manifest:full-path")) == "/":
            return entry.get(qn("manifest:media-type"))
    return None


def manifest_encrypted(manifest: etree._Element) -> bool:
    """Whether the manifest says parts are encrypted (a document saved with a password)."""
    return next(manifest.iter(qn("manifest:encryption-data")), None) is not None
