"""A document as its reader sees it, the same for a .docx and an .odt: lines and tables.

An employer's own form has no content controls: its values sit after a label on a line
(« Nom : ........ »), on the lines below a label, in the cell beside or below a label, in a
ticked box (« ☒ Oui », « [X] »), in a grid cell holding an « X », in a legacy Word form field.
What reads and writes such forms works on this model, built from either format by
:func:`pipeline.ooxml.layout.docx_layout` or :func:`pipeline.odf.odt_layout` (the only code
that knows their XML):

    Layout   the body's blocks in order; the text of headers and footers; document properties
    Line     a paragraph: its pieces (text, tabs, boxes, form fields) in order
    Table    rows of cells placed on the table's grid (merged cells span, covered ones point
             to the cell that covers them), cells holding blocks (nested tables included)

A :class:`Piece` keeps the XML element it came from (``source``), for the code that writes a
value back into the same place (:mod:`pipeline.employer_template`); readers never use it.

What a reader rarely looks at is worked out when first asked for (a :class:`Deferred` behind the
attribute): the text of headers and footers, an .odt's style names and tab leaders (its styles.xml
parsed then). The extractors make the many text pieces, lines and cells the quick way
(:func:`text_piece`, :func:`new_line`, :func:`new_cell`): the same objects, their other
attributes at their defaults.

:func:`layout_of` gives the layout of a package opened by :func:`pipeline.preflight.open_document`,
whichever its format.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, Union

#: What a piece of a line is. ``text``: typed text (glyph boxes « ☐ » and « [X] » are text:
#: what they mean is the reader's business); ``tab``: ``leader`` the character its tab stop
#: draws up to it (« . », « _ », « - », « · »), ``None`` for none; ``break``: a line break inside the
#: paragraph; ``field``: a form field (legacy Word FORMTEXT / FORMCHECKBOX / FORMDROPDOWN, an
#: ODF input field or control, a content control, an ActiveX control): ``text`` its value, ``checked`` for a check
#: box, ``name`` its name or tag, ``alias`` its title (a content control's alias, an ODF field's
#: description or a form control's label), ``value`` what it stores when that is not its text
#: (a date control's ISO date), ``field_kind`` text | checkbox | dropdown | date.
PieceKind = Literal["text", "tab", "break", "field"]
FieldKind = Literal["text", "checkbox", "dropdown", "date"]


class Deferred:
    """A value worked out when it is first asked for: an .odt's style names and tab leaders, which
    need styles.xml, parsed only when someone looks at them (a reader rarely does)."""

    __slots__ = ("get",)

    def __init__(self, get):
        self.get = get

    def __copy__(self) -> Deferred:
        return self

    def __deepcopy__(self, memo) -> Deferred:  # what it gives does not change: shared by copies
        return self


@dataclass(eq=False)
class Piece:
    kind: PieceKind
    text: str = ""
    checked: bool | None = None
    name: str | None = None
    field_kind: FieldKind | None = None
    choices: tuple[str, ...] = ()  # a drop-down's entries
    placeholder: bool = False  # a field still showing its placeholder: no answer
    alias: str | None = None  # a field's title
    value: str | None = None  # what a field stores, when not its text: a date's ISO date
    leader: str | None = None  # a tab's leader character (may be worked out when first asked for)
    source: object = field(default=None, repr=False)  # the XML element, for writing back

    @property
    def shown(self) -> str:
        """The piece as the page shows it: a tab as ``\\t``, a break as ``\\n``, a check box
        as ☒ or ☐ followed by its caption when it draws one (an ODF form control's label, an
        ActiveX check box's caption: « ☐ Oui »), an unanswered field as nothing."""
        kind = self.kind
        if kind == "text":
            return "" if self.placeholder else self.text
        if kind == "tab":
            return "\t"
        if kind == "break":
            return "\n"
        if self.field_kind == "checkbox":
            box = "☒" if self.checked else "☐"
            caption = self.text
            return f"{box} {caption.strip()}" if caption and _CAPTION.search(caption) else box
        return "" if self.placeholder else self.text


_CAPTION = re.compile(r"[^\W\d_]")  # a check box's text with a letter is its caption, not a glyph


def framed(blocks: list, first: int) -> None:
    """The lines of ``blocks`` from ``first`` on are a text box's (a frame's, a shape's): a place to
    write of its own, as a block content control is (their ``control`` "" unless a control holds them)."""
    for block in blocks[first:]:
        if block.__class__ is Line and block.control is None:
            block.control = ""


def text_piece(text: str, source: object) -> Piece:
    """A text piece made the quick way (a layout makes hundreds): its other attributes at their
    defaults, the class's."""
    piece = _new(Piece)
    piece.kind, piece.text, piece.source = "text", text, source
    return piece


def new_line(style: str | Deferred | None, heading: int | None, source: object) -> Line:
    """A line with no pieces yet, made the quick way, as :func:`text_piece` (its style may be a
    :class:`Deferred`)."""
    line = _new(Line)
    line.pieces, line._style, line.heading, line.source = [], style, heading, source
    return line


def new_cell(row: int, column: int, row_span: int, column_span: int, blocks: list, source: object) -> Cell:
    """A cell made the quick way, as :func:`text_piece`."""
    cell = _new(Cell)
    cell.row, cell.column, cell.row_span, cell.column_span, cell.blocks, cell.source = (
        row, column, row_span, column_span, blocks, source)
    return cell


_new = object.__new__


@dataclass(eq=False)
class Line:
    """A paragraph. ``style``: its style name (« Heading 1 », « Titre 2 »...), ``None`` when it
    has none (an .odt's worked out when first asked for); ``heading``: its outline level (1, 2...)
    when it is a heading; ``control``: the tag (else the title, else "") of the block content
    control that holds it (a .docx's rich text area: « Appréciation générale »), "" for a text box's
    (a frame's, a shape's) paragraphs, ``None`` outside both; ``numbered``: an item of a numbered
    or bulleted list (Word's numbering, an .odt's list), its number drawn, not in its text."""

    pieces: list[Piece] = field(default_factory=list)
    style: str | None = None
    heading: int | None = None
    source: object = field(default=None, repr=False)
    control: str | None = None
    numbered: bool = False

    @property
    def text(self) -> str:
        pieces = self.pieces
        if len(pieces) == 1:  # one piece of text, the most common line there is
            only = pieces[0]
            if only.kind == "text" and not only.placeholder:
                return only.text
        return "".join([p.text if p.kind == "text" and not p.placeholder else p.shown for p in pieces])


@dataclass(eq=False)
class Cell:
    """A table cell at (``row``, ``column``) of its table's grid, spanning ``row_span`` rows and
    ``column_span`` grid columns; ``blocks``: its lines and nested tables."""

    row: int
    column: int
    row_span: int = 1
    column_span: int = 1
    blocks: list[Block] = field(default_factory=list)
    source: object = field(default=None, repr=False)

    @property
    def lines(self) -> list[Line]:
        """Its own lines (not those of a nested table)."""
        return [b for b in self.blocks if isinstance(b, Line)]

    @property
    def text(self) -> str:
        """Its lines' text, one per line (nested tables left out)."""
        return "\n".join(line.text for line in self.lines)


@dataclass(eq=False)
class Table:
    """``rows``: each row's cells, left to right, as the file has them (a covered cell is not
    there); ``grid_columns``: how many columns the grid has. :meth:`cell_at` finds the cell
    covering a grid position."""

    rows: list[list[Cell]] = field(default_factory=list)
    grid_columns: int = 0
    source: object = field(default=None, repr=False)

    def cell_at(self, row: int, column: int) -> Cell | None:
        """The cell covering grid position (``row``, ``column``), merged cells included."""
        for r in range(row, -1, -1):
            if r >= len(self.rows):
                continue
            for cell in self.rows[r]:
                if cell.column <= column < cell.column + cell.column_span and r + cell.row_span > row:
                    return cell
        return None

    def cells(self) -> Iterator[Cell]:
        for row in self.rows:
            yield from row


Block = Union[Line, Table]


@dataclass(eq=False)
class Layout:
    """A whole document: its body's ``blocks`` in order, the text of its ``headers`` and
    ``footers`` (one text each), its document ``properties`` and the format it came from
    (``docx`` or ``odt``). Properties have the same names in both formats: the core ones as
    ``dc:identifier``, ``dc:title``, ``cp:version`` (an .odt saved from a .docx keeps these),
    ``meta:...`` for an .odt's own, custom ones by their name. Headers and footers are read
    when first asked for (a reader of a report that names its agent never asks)."""

    blocks: list[Block] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    footers: list[str] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)
    format: Literal["docx", "odt"] = "docx"

    def lines(self) -> Iterator[tuple[Line, Cell | None]]:
        """Every line of the body in reading order, nested tables included, with the cell
        holding it (``None`` outside tables)."""
        yield from _lines(self.blocks, None)

    def tables(self) -> Iterator[Table]:
        """Every table, nested ones after the one holding them."""
        yield from _tables(self.blocks)

    def fields(self) -> Iterator[tuple[Piece, Line, Cell | None]]:
        """Every form field of the body in reading order, with its line and the cell holding
        it (``None`` outside tables)."""
        for line, cell in self.lines():
            for piece in line.pieces:
                if piece.kind == "field":
                    yield piece, line, cell


def blocks_text(blocks: list[Block]) -> str:
    """The text of blocks as the page shows it, one line a line (tables' cells row by row)."""
    return "\n".join(line.text for line, _ in _lines(blocks, None))


def _deferred(name: str) -> property:
    """The dataclass field ``name`` as an attribute that may hold a :class:`Deferred`, worked out
    (once) when the attribute is first read: the extractors give an .odt's style names and tab
    leaders, and both formats' headers and footers, that way."""
    private = "_" + name

    def get(self):
        value = self.__dict__.get(private)
        if value.__class__ is Deferred:
            value = self.__dict__[private] = value.get()
        return value

    def set(self, value) -> None:
        self.__dict__[private] = value

    return property(get, set)


# Set once the dataclasses are made: their __init__ (and dataclasses.replace) go through them.
Piece.leader = _deferred("leader")
Line.style = _deferred("style")
Layout.headers = _deferred("headers")
Layout.footers = _deferred("footers")


def layout_of(package) -> Layout:
    """The layout of a package opened by :func:`pipeline.preflight.open_document`: a .docx or
    an .odt (``package.format``)."""
    if package.format == "odt":
        from .odf import package_layout
    else:
        from .ooxml.layout import package_layout
    return package_layout(package)


def part_key(package, name: str) -> tuple:
    """What tells a part's bytes from another's, as a cache's key: the part as the zip stores it
    (not decompressed again) when the package says, else its bytes (a package in memory)."""
    stored = getattr(package, "stored_part", None)
    return stored(name) if stored is not None else (package.read_part(name),)


def _lines(blocks: list[Block], cell: Cell | None) -> Iterator[tuple[Line, Cell | None]]:
    for block in blocks:
        if isinstance(block, Line):
            yield block, cell
        else:
            for inner in block.cells():
                yield from _lines(inner.blocks, inner)


def _tables(blocks: list[Block]) -> Iterator[Table]:
    for block in blocks:
        if isinstance(block, Table):
            yield block
            for inner in block.cells():
                yield from _tables(inner.blocks)
