"""Documents made from our Word templates without docxtpl for each one: the template rendered by
docxtpl once per *shape* of context, with markers for values, and each document then assembled
from that rendering's bytes with its own values put in place of the markers.

docxtpl (:func:`pipeline.render.rendered_document`, the reference) renders the whole template
through Jinja for every document: it compiles some 50 KB of XML as a template, parses it again
with lxml, and serializes and deflates all of the package's parts (790 KB of styles among them).
Only the values differ from one agent's document to the next, so:

* The *shape* of a context is what the values do not say: its keys, the number of rows of each
  table, which values are empty (docxtpl writes ``<w:t/>`` for an empty one), and the pixel size
  of the page code's picture.
* For a new shape, the template is rendered once by docxtpl with a *probe* in place of each
  non-empty value: markers (characters of Unicode's private use area) around each character the
  rendering may write otherwise than as itself (``& < > " '``, a tab, a line break). Where the
  markers land in the rendered parts gives each value's places, and between the markers, what a
  value's ``&``, tab or line break becomes at that place (``&amp;`` in text; a line break
  ``</w:t><w:br/><w:t xml:space="preserve">``, a tab a run of its own with the run's properties,
  as docxtpl's ``resolve_listing`` writes them; the document properties take values as they are).
  The creation date, the fingerprint (``cp:contentStatus``) and the page code's picture have
  places of their own.
* Each document is then those parts' bytes with its values written in: each character as
  UTF-8, or as what the probe showed for it at that place. The parts without values are not
  touched: the zip is a copy of the rendering's own deflated entries, the parts with values
  added to it.
* The first document of each shape is rendered by docxtpl; at the second, the shape is built, and
  kept only if it makes the first document as docxtpl did (the same parts, the same bytes): a
  shape that does not give docxtpl's document is never used. A shape of a single document costs
  no more than docxtpl.

A value the probe cannot stand for (an empty line or a line of spaces, a control character, a
brace, a character of the markers' range...) and a context that is not only text get the
reference rendering itself: this module makes the same document as docxtpl or lets docxtpl make
it. tests/test_generate.py holds both ways to the same parts, byte for byte, on hostile values.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .render import rendered_document, stamped_version, versioned_fingerprint

OPEN, CLOSE = "\ue000", "\ue001"  # around a marker: private use characters, never in a template's own text
#: The characters docxtpl may write otherwise than as themselves, in the order of a probe.
PROBED = ("&", "<", ">", '"', "'", "\t", "\n")
_MARKER = re.compile(rb"\xee\x80\x80([0-9a-z.]+)\xee\x80\x81")
_PROBED_IN = re.compile("[&<>\"'\t\n]")
# What a value may not hold for the fast path: control characters other than a tab or a line
# break (a carriage return is turned into a line break by the XML parser, \a and \f into
# paragraphs and pages by docxtpl, others are no XML), braces (docxtpl turns « {_{ » into « {{ »
# after rendering), surrogates and non-characters, and the markers' range itself.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f{}\ud800-\udfff\ue000-\ue0ff\ufffe\uffff]")
_NOW = dt.datetime(1901, 2, 3, 4, 5, 6)  # the date a probe is rendered with: its text is the date's place
_NOW_TEXT = _NOW.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
#: Shapes kept (and shapes met once), at most: the oldest are forgotten beyond.
MAX_SHAPES = 64
_STATUS, _IDENTIFIER = "status", "id"  # markers of the fingerprint's place, and the identifier's leaf


class _DatePlace:
    """The place of the document's date (``dcterms:created``, ``dcterms:modified``)."""


_DATE = _DatePlace()


def _date_text(now: dt.datetime) -> bytes:
    """A date as python-docx writes ``dcterms:created`` (docx.oxml.coreprops)."""
    return now.strftime("%Y-%m-%dT%H:%M:%SZ").encode()


class Unfit(Exception):
    """This document (or this shape) is made by docxtpl itself."""


def _leaves(context, path=()) -> list[tuple[tuple, object]]:
    """``(path, value)`` of every value of a context of dicts and lists, in order."""
    if isinstance(context, dict):
        return [leaf for key, value in context.items() for leaf in _leaves(value, (*path, key))]
    if isinstance(context, list):
        return [leaf for i, value in enumerate(context) for leaf in _leaves(value, (*path, i))]
    return [(path, context)]


def _replaced(context, values: dict[tuple, str], path=()):
    """``context`` with the values at the paths of ``values`` replaced."""
    if isinstance(context, dict):
        return {key: _replaced(value, values, (*path, key)) for key, value in context.items()}
    if isinstance(context, list):
        return [_replaced(value, values, (*path, i)) for i, value in enumerate(context)]
    return values.get(path, context)


def _marker(name: str) -> str:
    return f"{OPEN}{name}{CLOSE}"


def _probe(leaf: int) -> str:
    """The probe of one value: a marker around each of :data:`PROBED`."""
    return "".join(_marker(f"{leaf}.{k}") + char for k, char in enumerate(PROBED)) + _marker(f"{leaf}.{len(PROBED)}")


def _fits(value: str) -> bool:
    """Whether a non-empty value can be written by the fast path: see :data:`_UNSAFE`; and no
    line, between tabs and line breaks, empty or only spaces (an XML parser may drop a text
    of spaces alone, and an empty text is written ``<w:t/>``)."""
    if _UNSAFE.search(value):
        return False
    return all(piece.strip() for piece in re.split("[\t\n]", value))


def picture_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels of a PNG (its IHDR chunk)."""
    return struct.unpack(">II", png[16:24])


@dataclass
class _Place:
    """Where a value goes in a part, and what each of :data:`PROBED` becomes there."""

    leaf: int
    written: tuple[bytes, ...]
    near_brace: bool  # a brace beside the place: « _ » and « % » could make « {_{ » with it

    def encode(self, value: str) -> bytes:
        if not _PROBED_IN.search(value):
            return value.encode()
        out = []
        for piece in re.split("([&<>\"'\t\n])", value):
            out.append(self.written[PROBED.index(piece)] if len(piece) == 1 and piece in PROBED else piece.encode())
        return b"".join(out)


@dataclass
class _Part:
    """A part with values: its bytes between the places, in order."""

    name: str
    pieces: list  # bytes, a _Place, _STATUS or _DATE

    def fill(self, values: list[str], status: bytes, now: bytes) -> bytes:
        out = []
        for piece in self.pieces:
            if isinstance(piece, bytes):
                out.append(piece)
            elif isinstance(piece, _Place):
                out.append(piece.encode(values[piece.leaf]))
            elif piece is _DATE:
                out.append(now)
            else:
                out.append(status)
        return b"".join(out)


def _split(name: str, data: bytes) -> _Part | None:
    """A rendered part cut at its places (``None``: a part without any)."""
    if OPEN.encode() not in data and _NOW_TEXT not in data:
        return None
    pieces: list = []

    def literal(text: bytes) -> None:
        chunks = text.split(_NOW_TEXT)
        for i, chunk in enumerate(chunks):
            if i:
                pieces.append(_DATE)
            pieces.append(chunk)

    position, open_place = 0, None  # the place being read: (leaf, written so far)
    for match in _MARKER.finditer(data):
        name_found = match.group(1).decode()
        between = data[position:match.start()]
        position = match.end()
        if name_found == _STATUS:
            if open_place is not None:
                raise Unfit(f"{name}: marqueur inattendu")
            literal(between)
            pieces.append(_STATUS)
            continue
        leaf_text, _, k_text = name_found.partition(".")
        leaf, k = int(leaf_text), int(k_text)
        if k == 0:
            if open_place is not None:
                raise Unfit(f"{name}: sonde incomplète")
            literal(between)
            open_place = (leaf, [])
            continue
        if open_place is None or open_place[0] != leaf or len(open_place[1]) != k - 1:
            raise Unfit(f"{name}: sonde en désordre")
        open_place[1].append(between)
        if k == len(PROBED):
            pieces.append(_Place(leaf, tuple(open_place[1]), False))
            open_place = None
    if open_place is not None:
        raise Unfit(f"{name}: sonde incomplète")
    literal(data[position:])
    if OPEN.encode() in b"".join(p for p in pieces if isinstance(p, bytes)):
        raise Unfit(f"{name}: marqueur illisible")
    for i, piece in enumerate(pieces):  # what is written beside each place
        if isinstance(piece, _Place):
            before = pieces[i - 1] if i and isinstance(pieces[i - 1], bytes) else b""
            after = pieces[i + 1] if i + 1 < len(pieces) and isinstance(pieces[i + 1], bytes) else b""
            piece.near_brace = any(c in before[-2:] + after[:2] for c in b"{}")
    return _Part(name, [p for p in pieces if p != b""])


@dataclass
class _Shape:
    """One shape's rendering: the parts without values (as a zip of their deflated entries),
    the parts with values, the page code's picture."""

    base: bytes  # a zip of the parts without values, in the rendering's order
    parts: list[_Part]  # the parts with values, in the rendering's order
    picture: str | None  # the name of the page code's picture
    order: list[str] = field(default_factory=list)  # every part, in the rendering's order
    near_brace: list[int] = field(default_factory=list)  # values written beside a brace

    def document(self, values: list[str], status: str, now: dt.datetime, picture: bytes | None) -> bytes:
        filled = {part.name: part.fill(values, status.encode(), _date_text(now)) for part in self.parts}
        if self.picture is not None:
            filled[self.picture] = picture
        out = io.BytesIO(self.base)
        out.seek(0, io.SEEK_END)
        with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in self.order:
                if name in filled:
                    archive.writestr(name, filled[name])
        return out.getvalue()


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def parts(data: bytes) -> dict[str, bytes]:
    """A document's parts by name, in the zip's order."""
    return _parts(data)


class ShapeFill:
    """Makes documents from one of our templates, as :func:`pipeline.render.rendered_document`
    makes them, rendering it once per shape (see the module's docstring). One per template and
    per process: it keeps its shapes for the documents that follow."""

    #: Every document rendered by docxtpl: the reference the benchmark and the tests measure
    #: this module against (in this process: workers do not see it).
    docxtpl_only = False

    def __init__(self, template: Path):
        self.template = Path(template)
        self.version = stamped_version(self.template)
        self._shapes: dict[tuple, _Shape | None] = {}  # None: a shape docxtpl alone makes
        self._seen: dict[tuple, tuple] = {}  # shapes met once: their document, as docxtpl made it
        self.fast = self.reference = 0  # documents made each way (the benchmark prints them)

    def fingerprint(self, context: dict) -> str:
        return versioned_fingerprint(self.version, context)

    def document(self, context: dict, *, identifier: str | None = None, picture: bytes | None = None,
                 now: dt.datetime | None = None) -> bytes:
        """The bytes of the document docxtpl would render for ``context``: ``identifier``
        (``dc:identifier``), ``picture``: the page code's PNG (``code_page``), ``now``: its date
        (the moment, to the second, by default)."""
        now = now or dt.datetime.now().replace(microsecond=0)
        status = self.fingerprint(context)
        if self.docxtpl_only:
            return self._reference(context, identifier, picture, now, status)
        try:
            key, values = self._key(context, identifier, picture)
        except Unfit:
            return self._reference(context, identifier, picture, now, status)
        shape = self._shapes.get(key, False)
        if shape is False:
            return self._first(key, context, values, identifier, picture, now, status)
        if shape is None or any("_" in values[leaf] or "%" in values[leaf] for leaf in shape.near_brace):
            return self._reference(context, identifier, picture, now, status)
        self.fast += 1
        return shape.document(values, status, now, picture)

    def _reference(self, context, identifier, picture, now, status) -> bytes:
        self.reference += 1
        return rendered_document(self.template, context, identifier=identifier, code_picture=picture, now=now,
                                 status=status)

    @staticmethod
    def _key(context: dict, identifier: str | None, picture: bytes | None) -> tuple[tuple, list[str]]:
        """The context's shape, and its values in order (the identifier last); :class:`Unfit`
        for a value that is not text, or that the fast path cannot write."""
        leaves = _leaves(context)
        leaves.append(((_IDENTIFIER,), identifier or ""))
        values = []
        for _, value in leaves:
            if not isinstance(value, str) or (value and not _fits(value)):
                raise Unfit(value)
            values.append(value)
        size = picture_size(picture) if picture is not None else None
        return (tuple((path, value == "") for path, value in leaves), size), values

    def _first(self, key, context, values, identifier, picture, now, status) -> bytes:
        """A document of a shape not built yet. The first of its shape is rendered by docxtpl and
        kept aside (a shape of one document costs no more than docxtpl); the second builds the
        shape, which is kept if it makes the first document as docxtpl did (the same parts, the
        same bytes), and makes the second."""
        seen = self._seen.pop(key, None)
        if seen is None:
            reference = self._reference(context, identifier, picture, now, status)
            self._seen[key] = (context, values, identifier, picture, now, status, reference)
            while len(self._seen) > MAX_SHAPES:
                del self._seen[next(iter(self._seen))]
            return reference
        first_context, first_values, first_identifier, first_picture, first_now, first_status, reference = seen
        try:
            shape = self._build(first_context, first_identifier, first_picture)
            same = _parts(shape.document(first_values, first_status, first_now, first_picture)) == _parts(reference)
        except Unfit:
            shape, same = None, False
        self._shapes[key] = shape if same else None
        while len(self._shapes) > MAX_SHAPES:
            del self._shapes[next(iter(self._shapes))]
        return self.document(context, identifier=identifier, picture=picture, now=now)

    def _build(self, context: dict, identifier: str | None, picture: bytes | None) -> _Shape:
        leaves = _leaves(context)
        probes = {path: _probe(i) for i, (path, value) in enumerate(leaves) if value != ""}
        probe_identifier = _probe(len(leaves)) if identifier else None
        data = rendered_document(self.template, _replaced(context, probes), identifier=probe_identifier,
                                 code_picture=picture, now=_NOW, status=_marker(_STATUS))
        base = io.BytesIO()
        shape = _Shape(b"", [], None)
        with zipfile.ZipFile(io.BytesIO(data)) as source, \
                zipfile.ZipFile(base, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for info in source.infolist():
                content = source.read(info)
                shape.order.append(info.filename)
                if picture is not None and content == picture:
                    if shape.picture is not None:
                        raise Unfit("deux images du code")
                    shape.picture = info.filename
                    continue
                part = _split(info.filename, content)
                if part is not None:
                    shape.parts.append(part)
                else:
                    archive.writestr(info, content)
        if picture is not None and shape.picture is None:
            raise Unfit("image du code introuvable")
        shape.base = base.getvalue()
        shape.near_brace = [place.leaf for part in shape.parts for place in part.pieces
                            if isinstance(place, _Place) and place.near_brace]
        return shape
