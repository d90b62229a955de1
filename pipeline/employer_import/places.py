"""The places a blank form offers (:func:`candidates`), and its fingerprint.

The layout is walked in reading order (the reader's: paragraphs, then each table row by row),
keeping the part of the form each line is in (a title: a heading, a numbered line in capitals, a
line in capitals, a table's title row) and the heading of a group of lines (« Évaluateur
(supérieur hiérarchique direct) »). Each place where a value goes becomes a
:class:`~.candidate.Candidate`: a label followed by a colon and an empty zone, a label over lines of
leaders, a framed box (a table of one empty cell) under a line, boxes, form fields here; the
places of tables (label cells, grids, tables of rows to fill) in :mod:`.tables`. A generic label
(« Nom », « Date », « Nom et prénom ») keeps the column header or group heading it is printed
under as its ``context``.
"""

from __future__ import annotations

import hashlib
import json
import re

from ..employer_form import FINGERPRINT_PREFIX
from ..layout import Cell, Layout, Line, Piece, Table
from ..text import fold, normalize_label
from .candidate import Candidate
from .lines import (boxes_of, cell_text, inline_labels, is_field_area, is_signature, is_title_text,
                    is_value_line, offered, starts_with_box)
from .lists import add_list, item_of, items_after
from .tables import walk_table
from .wording import BOX_RE, DATE_AFTER, LEADER_RE, YES_NO, bare, clean, printed


class Walk:
    """One walk of a layout in reading order, collecting :class:`Candidate` places in ``found``."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.numbers = {id(line): i for i, (line, _) in enumerate(layout.lines())}
        self.found: list[Candidate] = []
        self.title: str | None = None
        self.heading: str | None = None  # a group heading under the title
        self.question: str | None = None  # a line ending with « : » before boxes
        self.table_title: str | None = None  # the line before a table
        self.column_context: str | None = None  # the header over the cell being read
        self.titles: list[str] = []  # the form's parts, as printed, in order
        self.title_line = -2  # the last part's title's line

    def blocks(self, blocks: list, cell: Cell | None = None, table: Table | None = None) -> None:
        i = 0
        while i < len(blocks):
            block = blocks[i]
            if isinstance(block, Table):
                before = blocks[i - 1] if i else None
                box = _box(block) if cell is None and isinstance(before, Line) and clean(before.text).strip() else None
                if box is not None:  # a framed box under a label, a title or its instruction: written in
                    label = self.table_title or printed(clean(before.text))
                    self.add(Candidate("below_label", label, self.number(before), mark={"cell": box}))
                    i += 1
                    self.table_title = self.question = None
                    continue
                legend_lines = walk_table(self, block, following=blocks[i + 1:])
                i += 1 + legend_lines
                self.table_title = self.question = None
                continue
            i = self.line(blocks, i, cell, table)

    def line(self, blocks: list, i: int, cell: Cell | None, table: Table | None) -> int:
        """The places of line ``blocks[i]`` (and of the lines of leaders under it); returns the index
        of the next block to read."""
        line = blocks[i]
        text = clean(line.text)
        if not text.strip() or is_value_line(line):
            return i + 1
        zone = 0
        while i + 1 + zone < len(blocks) and isinstance(blocks[i + 1 + zone], Line) and \
                is_value_line(blocks[i + 1 + zone]):
            zone += 1
        following = blocks[i + 1 + zone] if i + 1 + zone < len(blocks) else None
        # A rich text area (a block content control) or a text box under the line, blank lines between
        # aside: what is typed there is its value; so is an input field alone on the line under it
        # (taken with the label: ``zone`` counts it).
        ahead = i + 1 + zone
        while ahead < len(blocks) and isinstance(blocks[ahead], Line) and blocks[ahead].control is None and \
                not clean(blocks[ahead].text).strip():
            ahead += 1
        boxed = blocks[ahead] if ahead < len(blocks) else None
        area = cell is None and line.control is None and isinstance(boxed, Line) and boxed.control is not None
        fields = [p for p in line.pieces if p.kind == "field" and p.field_kind in ("text", "date", "dropdown")]
        if not fields and not zone and isinstance(following, Line) and is_field_area(following):
            area, zone = True, 1
        if fields:
            self.form_fields(line, fields, cell, table)
            return i + 1
        items = items_after(blocks, i + 1) if item_of(line) is None else []
        if items:  # a label (or a part's title) over lines of one row each: a table written as a list
            if cell is None and is_title_text(text, line) or line.heading:
                self.set_title(text)
            add_list(self, line, text, items, blocks)
            return i + 1 + len(items)
        if cell is None and is_title_text(text, line) or line.heading:
            self.set_title(text)
            self.title_line = self.number(line)
            if zone or area:
                self.below_label(printed(text), blocks, line)
            return i + 1 + zone
        if BOX_RE.search(text):
            return self.box_lines(blocks, i, cell, table)
        labels = inline_labels(line)
        if labels:
            last_alone = len(labels) == 1 and not clean(labels[0][2]).strip(" .…_\t")
            # « Label : » and nothing after it, over an empty line: that line is where to write.
            # (a tab to a stop drawing a leader is a blank on the line itself: « Date : <tab>……… »)
            blank_under = cell is None and len(labels[0][2]) <= 2 and not labels[0][2].strip() and \
                not any(p.kind == "tab" and p.leader for p in line.pieces) and isinstance(following, Line) and \
                following.control is None and not clean(following.text).strip() and \
                not any(p.kind == "field" for p in following.pieces)
            if last_alone and (zone or area or blank_under):
                self.below_label(labels[0][0], blocks, line)
                return i + 1 + zone
            if last_alone and not labels[0][2].strip(" ") and isinstance(following, Line) and starts_with_box(following):
                self.question = bare(labels[0][0])  # « … : » and nothing to write after it: the boxes' question
                return i + 1
            if last_alone and isinstance(following, Table) and cell is None:
                self.table_title = labels[0][0]
                return i + 1
            for n, (label, offset, rest) in enumerate(labels):
                until = bare(labels[n + 1][0]) if n + 1 < len(labels) else None
                # « Signature de l'évaluateur : ________ le ____/____/______ »: the date its own place.
                dated = DATE_AFTER.search(rest)
                if dated and n + 1 < len(labels) and offset + dated.start() > labels[n + 1][1]:
                    dated = None
                self.add(Candidate("after_label", bare(label), self.number(line),
                                   until=dated.group("word") if dated else until,
                                   handwritten=is_signature(label), mark={"after": (line, offset)}))
                if dated:
                    self.add(Candidate("after_label", dated.group("word"), self.number(line), until=until,
                                       context=f"{bare(label)} : date", context_kind="column", field_kind="date",
                                       mark={"after": (line, offset + dated.end("word"))}))
            return i + 1
        # A line without a colon: a label over lines to write on, a question, a table's title, a heading.
        if zone or area:
            self.below_label(printed(text), blocks, line)
            return i + 1 + zone
        if isinstance(following, Line) and starts_with_box(following) and len(text.split()) <= 25:
            self.question = bare(text)
            return i + 1
        if isinstance(following, Table) and cell is None:
            self.table_title = text.strip()
            return i + 1
        if cell is None and len(text.split()) <= 15 and not text.rstrip().endswith("."):
            self.heading = text.strip()
        return i + 1

    def number(self, line: Line) -> int:
        """``line``'s rank in the layout's reading order (-1 for a line it does not hold)."""
        return self.numbers.get(id(line), -1)

    def below_label(self, label: str, blocks: list, line: Line) -> None:
        """A place on the lines of leaders under ``line`` of ``blocks``, named by ``label`` (and by the
        part's title when it is printed right under it: « IX. OBSERVATIONS DE L'AGENT » over « Sur
        l'entretien, ses perspectives et ses attentes : »)."""
        number = self.number(line)
        self.add(Candidate("below_label", label, number, under_title=number == self.title_line + 1,
                           mark={"below": (blocks, line)}))

    def set_title(self, text: str) -> None:
        self.title, self.heading, self.question, self.table_title = clean(text).strip(), None, None, None
        if self.title and self.title not in self.titles:
            self.titles.append(self.title)

    def add(self, candidate: Candidate) -> None:
        candidate.title = candidate.title or self.title
        if candidate.context is None and candidate.kind != "table":
            if self.column_context:
                candidate.context, candidate.context_kind = self.column_context, "column"
            elif self.heading:
                candidate.context, candidate.context_kind = self.heading, "heading"
        self.found.append(candidate)

    def form_fields(self, line: Line, fields: list[Piece], cell: Cell | None, table: Table | None) -> None:
        """Each form field of ``line``: one without a name (an ODF input field, a placeholder) after
        the label printed before it is that label's place (what is typed in the field or beside it
        is read there); any other field by its name (or, without one, its description), the label
        printed before it kept (it ends what is read under another label)."""
        before, position, last_after = "", 0, None
        for piece in line.pieces:
            shown = piece.shown
            if piece in fields:
                printed_before = bare(before)
                if piece.name is None and printed_before:
                    if last_after is not None:
                        last_after.until = printed_before
                    last_after = Candidate("after_label", printed_before, self.number(line),
                                           mark={"after": (line, position)})
                    self.add(last_after)
                else:
                    label = printed_before or piece.alias or self.left_label(cell, table) or piece.name or ""
                    self.add(Candidate("form_field", label, self.number(line), field_name=piece.name or piece.alias,
                                       field_kind=piece.field_kind, choices=offered(piece.choices),
                                       control=self.layout.format == "docx" and piece.alias is not None,
                                       question=printed_before or None, mark={"piece": piece}))
                before = ""
            else:
                before += shown
            position += len(shown)

    @staticmethod
    def left_label(cell: Cell | None, table: Table | None) -> str | None:
        """The label in the cell to the left of ``cell``, ``None`` outside a table."""
        if cell is None or table is None or cell.column == 0:
            return None
        left = table.cell_at(cell.row, cell.column - 1)
        return bare(cell_text(left)) or None if left is not None and left is not cell else None

    def box_lines(self, blocks: list, i: int, cell: Cell | None, table: Table | None) -> int:
        """A line with boxes: a choice when they are on one line, one yes/no field a box when each
        has its line (a list of wishes); the labels after the boxes (« — lequel : … ») too."""
        first = blocks[i]
        pre, options, post = boxes_of(first)
        question = bare(pre) or self.question or self.left_label(cell, table)
        if not options:
            self.question = None  # boxes that print nothing after them: no choice to name, no place
            return i + 1
        split = _question_between(first, options)
        if split is not None:  # « ☐ L'agent refuse de signer – mode : ☐ remise … ☐ lettre … »: two questions
            n, asked, own = split
            before, after = [*options[:n], (own, options[n][1])], options[n + 1:]
            kind = "box" if len(before) == 1 and not bare(pre) else "boxes"
            self.add(Candidate(kind, bare(pre) or question or "", self.number(first), question=question,
                               options=[o for o, _ in before], mark={"ticks": [(first, at) for _, at in before]}))
            self.add(Candidate("boxes", asked, self.number(first), question=asked, options=[o for o, _ in after],
                               mark={"ticks": [(first, at) for _, at in after]}))
            self.after_boxes(first, options, post)
            self.question = None
            return i + 1
        if len(options) >= 2 or bare(pre):
            self.add(Candidate("boxes", bare(pre) or question or "", self.number(first),
                               question=question, options=[o for o, _ in options],
                               mark={"ticks": [(first, offset) for _, offset in options]}))
            self.after_boxes(first, options, post)
            self.question = None
            return i + 1
        j = i
        while j < len(blocks) and isinstance(blocks[j], Line) and starts_with_box(blocks[j]):
            line = blocks[j]
            _, found, post = boxes_of(line)
            if len(found) != 1:
                break
            (text, offset), = found
            self.add(Candidate("box", question or "", self.number(line), question=question,
                               options=[text], mark={"ticks": [(line, offset)]}))
            self.after_boxes(line, found, post)
            j += 1
        self.question = None
        return max(j, i + 1)

    def after_boxes(self, line: Line, options: list[tuple[str, int]], post: int | None) -> None:
        """The labels after the last box of ``line`` (from ``post``); one in lower case is the box's
        (« ☐ examen professionnel — lequel : … »)."""
        if post is None:
            return
        labels = inline_labels(line, start=post)
        option = options[-1][0] if options else None
        for n, (label, offset, _) in enumerate(labels):
            until = bare(labels[n + 1][0]) if n + 1 < len(labels) else None
            self.add(Candidate("after_label", bare(label), self.number(line), until=until,
                               question=option if label[:1].islower() else None, mark={"after": (line, offset)}))


_SECOND_QUESTION = re.compile(r"\s*(?P<asked>(?P<option>.+?)\s+[—–-]\s*(?P<label>[^:—–]{1,60}?))\s*:\s*")


def _question_between(line: Line, options: list[tuple[str, int]]) -> tuple[int, str, str] | None:
    """Where a line of boxes asks a second question (« ☐ L'agent refuse de signer – mode : ☐ … ☐ … »):
    the index of the last box before it, the second question (said with the box before it: « L'agent
    refuse de signer – mode ») and that box's own text; ``None`` when the line asks one."""
    text = clean(line.text)
    for n in range(len(options) - 1):
        between = text[options[n][1]:options[n + 1][1]]
        box = BOX_RE.match(between)
        asked = _SECOND_QUESTION.fullmatch(between[box.end():] if box else between)
        if asked and bare(asked.group("label")) and bare(asked.group("option")):
            return n, bare(asked.group("asked")), bare(asked.group("option"))  # the question as printed
    return None


def _box(table: Table) -> Cell | None:
    """The cell of a table of one empty cell: a framed box to write in."""
    if len(table.rows) != 1 or len(table.rows[0]) != 1:
        return None
    only = table.rows[0][0]
    return only if not cell_text(only) and not any(isinstance(b, Table) for b in only.blocks) else None


def candidates(layout: Layout, parts: list[str] | None = None) -> list[Candidate]:
    """Every place of the form where a value is written, in reading order (see the module); the
    titles of the form's parts appended to ``parts`` when given."""
    walk = Walk(layout)
    walk.blocks(layout.blocks)
    _mark_criteria(walk.found)
    if parts is not None:
        parts += walk.titles
    return walk.found


def _mark_criteria(found: list[Candidate]) -> None:
    """Box lines (or drop-down lists in value cells) rated on a scale that three or more share, not a
    yes or no, are criteria; a criterion under a heading about management (« encadrement »), or naming it, is one
    of a manager's."""
    scales: dict[tuple[str, ...], int] = {}
    for c in found:
        if c.kind == "boxes" or c.kind == "cell" and c.choices:
            key = tuple(fold(o) for o in c.options or c.choices)
            scales[key] = scales.get(key, 0) + 1
    shared = [set(scale) for scale, count in scales.items() if count >= 3 and set(scale) != YES_NO]
    for c in found:
        if (c.kind == "boxes" or c.kind == "cell" and c.choices) and \
                any(scale <= {fold(o) for o in c.options or c.choices} for scale in shared):
            c.criteria = True
            c.management = c.management or "encadr" in fold(c.context or "") or "encadr" in fold(c.text)


def form_labels(found: list[Candidate]) -> list[str]:
    """The labels of a form's places in reading order, as printed: each place's label, its column
    header, sub-row and choices, each table's headers. Never what is written in them: they are the
    same in every copy of the form, blank or filled."""
    labels: list[str] = []
    previous = None
    for c in found:
        if c.alternative_of is not None:
            continue  # the headers of its table, read the other way
        label = c.question if c.kind in ("box", "boxes") else c.label
        if c.kind == "table" and c.list_columns is not None:  # a list: its label, the labels on its lines
            texts = [label, *(on_line for on_line in c.list_columns if on_line)]
        elif c.kind == "table":
            texts = c.headers
        else:
            texts = [label if label != previous else None, c.column, c.row, *c.options]
        previous = label
        for text in texts:
            if text and (not labels or labels[-1] != text):
                labels.append(text)
    return labels


def fingerprint(layout: Layout) -> str:
    """The form's layout fingerprint, ``F-`` and ten hex digits, from the text the blank form
    prints, line by line in reading order (compared as labels are, its blanks left out), and its
    tables' widths: the same blank form gives the same fingerprint, another layout (a label
    reworded, a table's column added) another one. It does not depend on the places the importer
    finds: a better importer leaves the reports of a form already imported readable."""
    printed = [normalize_label(text) for text in (_printed(line) for line, _ in layout.lines()) if text]
    shape = [printed, [t.grid_columns for t in layout.tables()]]
    digest = hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode()).hexdigest()
    return f"{FINGERPRINT_PREFIX}{digest[:10]}"


def _printed(line: Line) -> str:
    """What a line of the blank form prints, its blanks (leaders, tabs) left out."""
    return " ".join(LEADER_RE.sub(" ", clean(line.text).replace("\t", " ")).split())
