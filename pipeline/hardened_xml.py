"""What :mod:`pipeline.ooxml` and :mod:`pipeline.odf` share: the settings of the lxml parser of
received XML, and how a namespace map becomes a ``qn``. Each package keeps its own namespace
map and its own checks of a parsed part (a DTD, Word's Strict namespaces).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from lxml import etree

XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"


def hardened_parser() -> etree.XMLParser:
    """A parser for received XML, which is untrusted: no DTD loaded, no entity expansion, no
    network, no huge-tree mode (lxml's own depth and size limits stay on); comments and
    processing instructions dropped. Each package makes its own (lxml serialises the parses of
    one parser object across threads)."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def qn_for(nsmap: dict[str, str]) -> Callable[[str], str]:
    """The ``qn`` of a namespace map: ``qn("w:tag")`` -> ``"{http://...main}tag"`` (``xml:``,
    bound by XML itself, known too), each name made once."""
    uris = {**nsmap, "xml": XML_NAMESPACE}

    @functools.lru_cache(maxsize=None)
    def qn(name: str) -> str:
        prefix, local = name.split(":")
        return f"{{{uris[prefix]}}}{local}"

    return qn
