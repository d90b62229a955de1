"""The one package that knows OpenDocument XML (ODF, LibreOffice's own format), and nothing else.

- :mod:`.ns`: the namespace map, ``qn``, the single hardened parser of ODF parts, what a
  package's manifest says (its media type, whether it is encrypted);
- :mod:`.layout`: an .odt read into :mod:`pipeline.layout`'s model.

No module outside this package writes an ODF ``{urn:oasis:...}`` name or an XPath on ODF.
"""

from .layout import CONTENT_PART, META_PART, STYLES_PART, meta_properties, odt_layout, package_layout
from .ns import (MEDIA_TYPE_PREFIX, NSMAP, TEXT, TEXT_TEMPLATE, manifest_encrypted, manifest_media_type,
                 parse_xml, qn)

__all__ = [
    # ns
    "MEDIA_TYPE_PREFIX", "NSMAP", "TEXT", "TEXT_TEMPLATE", "manifest_encrypted", "manifest_media_type",
    "parse_xml", "qn",
    # layout
    "CONTENT_PART", "META_PART", "STYLES_PART", "meta_properties", "odt_layout", "package_layout",
]
