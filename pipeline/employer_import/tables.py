"""The places of a form's tables, for :class:`~.places.Walk`: title rows (a part of the form), a grid
of criteria, a table of rows to fill, a table of labels and values.

- a label cell with an empty cell to its right or below it (``cell``; one per value column, with the
  column's header, when a row has several: « AGENT ÉVALUÉ » / « SUPÉRIEUR HIÉRARCHIQUE DIRECT »), or
  holding its own labelled lines and boxes (read as paragraphs);
- a grid's row of empty cells under short choice headers (« A B C D »), one per sub-row (« par
  l'agent », « par l'évaluateur »: ``grid``);
- a table whose header row is followed by empty rows (``table``, its box columns' options and the
  legend printed under it: « Types : intégration — professionnalisation … »); followed by one empty
  row, it may as well be labels over their values (« Nom d'usage | Prénom | Corps-grade »): each
  header is then also a ``cell`` with its value below, the match taking one reading or the other.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..layout import Cell, Line, Table
from ..text import fold
from .candidate import Candidate
from .lines import boxes_of, cell_text, inline_labels, is_title_text, offered
from .wording import BOX_RE, bare, clean, printed, role_of, tokens

if TYPE_CHECKING:
    from .places import Walk


def walk_table(walk: Walk, table: Table, following: list) -> int:
    """The places of one table; returns how many of the ``following`` lines were its legend."""
    start = 0
    while start < len(table.rows) and _title_row(table, start) and is_title_text(cell_text(table.rows[start][0])):
        walk.set_title(cell_text(table.rows[start][0]))
        start += 1
    if _grid(walk, table, start):
        return 0
    header = _data_header(table, start)
    if header is not None:
        if header > start and _title_row(table, start):
            walk.table_title = cell_text(table.rows[start][0])
        return _data_table(walk, table, header, following)
    _cells(walk, table, start)
    return 0


def _data_table(walk: Walk, table: Table, header: int, following: list) -> int:
    cells = _own_row(table, header)
    headers = [bare(cell_text(c)) for c in cells]
    body = _own_row(table, header + 1)
    under = {n: next((c for c in body if c.column == cell.column), None) for n, cell in enumerate(cells)}
    boxes: dict[int, list[str]] = {}
    ticks: dict[int, list] = {}
    for n, cell in under.items():
        found = [(line, o) for line in (cell.lines if cell else []) for o in boxes_of(line)[1]]
        if found:
            boxes[n] = [text for _, (text, _) in found]
            ticks[n] = [(line, offset) for line, (_, offset) in found]
    title = walk.table_title or walk.title
    candidate = Candidate("table", title or " / ".join(headers),
                          walk.number(cells[0].lines[0]) if cells[0].lines else -1,
                          headers=headers, box_columns=boxes, mark={"cells": under, "ticks": ticks})
    walk.add(candidate)
    if header + 2 == len(table.rows) and not boxes:  # one empty row: labels over their values, as likely
        for cell, below in zip(cells, under.values()):
            text = cell_text(cell)
            if text and below is not None:
                walk.add(Candidate("cell", printed(text), walk.number(cell.lines[0]), direction="below",
                                   alternative_of=candidate, mark={"cell": below}))
    used = 0
    for block in following[:3]:
        if not isinstance(block, Line):
            break
        if not clean(block.text).strip():
            used += 1
            continue
        if not _legend(candidate, clean(block.text)):
            break
        used += 1
    return used


def _cells(walk: Walk, table: Table, start: int) -> None:
    """A table of labels and values: each label cell with its empty value cell(s), or holding its
    own labelled lines and boxes; the cells under a header row (« AGENT ÉVALUÉ », « L'évaluateur »)
    read with that header."""
    header = _header_row(table, start)
    for r in range(start, len(table.rows)):
        if r == header:
            continue
        for cell in _own_row(table, r):
            text = cell_text(cell)
            inner = [b for b in cell.blocks if isinstance(b, Table)]
            if not text and not inner:
                continue
            if _title_row(table, r) and is_title_text(text):
                walk.set_title(text)
                continue
            lines = [line for line in cell.lines if clean(line.text).strip()]
            walk.column_context = _header_over(table, header, cell)
            try:
                if inner or len(lines) != 1 or BOX_RE.search(text) or inline_labels(lines[0]) \
                        or any(p.kind == "field" for p in lines[0].pieces):
                    walk.blocks(cell.blocks, cell, table)
                    continue
                _label_cell(walk, table, cell, text, header)
            finally:
                walk.column_context = None


def _label_cell(walk: Walk, table: Table, cell: Cell, text: str, header: int | None) -> None:
    """A label cell's place: the empty cells to its right (one place each when each has its own
    column header), else the empty cell below it."""
    number = walk.number(cell.lines[0])
    values = []
    column = cell.column + cell.column_span
    while column < table.grid_columns:
        right = _own_cell(table, cell.row, column)
        if right is None or cell_text(right) or any(isinstance(b, Table) for b in right.blocks):
            break
        values.append(right)
        column = right.column + right.column_span
    if values:
        headers = [_header_over(table, header, v) for v in values]
        several = len(values) >= 2 and len({h for h in headers if h}) == len(values)
        group = _group_label(table, cell)
        for value, over in zip(values if several else values[:1], headers if several else headers[:1]):
            entries = _drop_down(value)  # a list to choose from in the value cell: a choice
            context, kind = (over, "column") if over else (group, "heading") if group else (None, None)
            walk.add(Candidate("cell", printed(text), number, column=over if several else None,
                               context=context, context_kind=kind, mark={"cell": value},
                               choices=entries, field_kind="dropdown" if entries else None))
        for value in [] if several else values[1:]:  # « Signature de l'évaluateur | … | [a date] »
            dated = next((p for line in value.lines for p in line.pieces
                          if p.kind == "field" and p.field_kind == "date" and p.name), None)
            if dated is not None:
                walk.add(Candidate("form_field", f"{printed(text)} : date", number, field_name=dated.name,
                                   field_kind="date", control=walk.layout.format == "docx",
                                   mark={"piece": dated}))
        return
    below = _own_cell(table, cell.row + cell.row_span, cell.column)
    if below is not None and not cell_text(below) and not _is_column_header(table, cell):
        walk.add(Candidate("cell", printed(text), number, direction="below", mark={"cell": below}))
        return
    _room_in_cell(walk, cell, text, number)


def _room_in_cell(walk: Walk, cell: Cell, text: str, number: int) -> None:
    """A label over empty lines in its own cell (« Nom, date et signature » in a signatory's column): the
    room under it is the place; a label naming a date and a name or signature is a date's place too
    (its date read among the words written there)."""
    lines = [b for b in cell.blocks if isinstance(b, Line)]
    label = next((line for line in lines if clean(line.text).strip()), None)
    after = lines[lines.index(label) + 1:] if label is not None else []
    if not after or any(clean(line.text).strip() for line in after) or any(isinstance(b, Table) for b in cell.blocks):
        return
    words = set(tokens(text))
    dated = "date" in words and bool(words & {"nom", "signature", "visa"})
    # Two places then: the name's (a text's only) and the date's (a date's only), on the same room.
    walk.add(Candidate("below_label", printed(text), number, field_kind="text" if dated else None,
                       mark={"below": (cell.blocks, label)}))
    if dated:
        walk.add(Candidate("below_label", printed(text), number, field_kind="date",
                           mark={"below": (cell.blocks, label)}))


def _group_label(table: Table, cell: Cell) -> str | None:
    """The label of the group a label cell is in: the cell to its left merged over several rows
    (« Évaluateur » over « Nom, prénom » and « Fonction »)."""
    if cell.column == 0:
        return None
    left = table.cell_at(cell.row, cell.column - 1)
    if left is None or left is cell or left.row_span < 2:
        return None
    return cell_text(left) or None


def _drop_down(cell: Cell) -> list[str]:
    """The entries of the drop-down list (a content control, a legacy field) a value cell holds."""
    for line in cell.lines:
        for piece in line.pieces:
            if piece.kind == "field" and piece.field_kind == "dropdown" and piece.choices:
                return offered(piece.choices)
    return []


def _grid(walk: Walk, table: Table, start: int) -> bool:
    """A grid of criteria: a header row of short choices (« A B C D », « Excellent … ») over columns
    left empty or holding a box to tick in each cell, each criterion row with its label to the left
    (and sub-rows: « par l'agent », « par l'évaluateur »). Adds its candidates and returns True when
    the table is one."""
    for h in range(start, min(start + 3, len(table.rows) - 2)):
        rows = [r for r in range(h + 1, len(table.rows)) if not _title_row(table, r)]
        columns, options = [], []
        for cell in _own_row(table, h):
            text = cell_text(cell)
            if cell.column == 0 or not text or len(text) > 20 or BOX_RE.search(text):
                continue
            empty = sum(1 for r in rows if _to_mark(_own_cell(table, r, cell.column)))
            if rows and empty >= 0.8 * len(rows):
                columns.append(cell.column)
                options.append(bare(text))
        if len(columns) < 2 or any(role_of(o) for o in options) or len(columns) == 2 and max(map(len, options)) > 3:
            continue  # the columns of the agent and of the evaluator, not choices
        labelled = [r for r in rows if any(cell_text(c) for c in _own_row(table, r) if c.column < min(columns))]
        if len(labelled) < 2:
            continue
        group = None
        for r in range(h + 1, len(table.rows)):
            own_r = _own_row(table, r)
            if _title_row(table, r):
                text = cell_text(own_r[0])
                if is_title_text(text):
                    walk.set_title(text)
                    group = None
                else:
                    group = text
                continue
            criterion = table.cell_at(r, 0)
            if criterion is None or not cell_text(criterion) or criterion.column + criterion.column_span > min(columns):
                continue
            sub = [c for c in own_r if criterion.column + criterion.column_span <= c.column < min(columns)
                   and cell_text(c)]
            row_text = bare(cell_text(sub[0])) if sub else None
            if criterion.row != r and row_text is None:
                continue
            ticks = {option: _own_cell(table, r, col) for option, col in zip(options, columns)}
            walk.add(Candidate("grid", printed(cell_text(criterion)), walk.number(criterion.lines[0]),
                               row=row_text, options=options, criteria=True, context=group,
                               context_kind="heading" if group else None, management="encadr" in fold(group or ""),
                               self_assessment=role_of(row_text) == "agent", mark={"grid": ticks}))
        return True
    return False


def _legend(table: Candidate, text: str) -> bool:
    """A line under a table that lists a column's choices (« Types : intégration — … ») or what its
    codes mean (« T1 : adaptation immédiate au poste — T2 : … »); kept on the table. True when it is one."""
    codes = {fold(o): (n, o) for n, options in table.box_columns.items() for o in options}
    pairs = re.findall(r"(\w{1,4})\s*:\s*([^—–;]+)", text)
    if pairs and all(fold(code) in codes for code, _ in pairs):
        for code, meaning in pairs:
            n, option = codes[fold(code)]
            table.meanings.setdefault(n, {})[option] = meaning.strip(" .")
        return True
    # Codes a header lists in brackets (« Type (T1 / T2 / T3) »), each meaning given under the table.
    named = {fold(code): (n, code) for n, header in enumerate(table.headers)
             for inner in re.findall(r"\(([^()]*)\)", header) if re.search(r"[/,]", inner)
             for code in re.split(r"\s*[/,]\s*", inner.strip()) if re.fullmatch(r"\w{1,4}", code)}
    if len(pairs) >= 2 and all(fold(code) in named for code, _ in pairs):
        column = named[fold(pairs[0][0])][0]
        table.legends[column] = [(named[fold(code)][1], meaning.strip(" .\u00a0\u202f")) for code, meaning in pairs]
        return True
    match = re.match(r"\s*(?P<head>[^:]{1,40}?)\s*:\s*(?P<items>.+)$", text)
    if not match:
        return False
    head = set(tokens(match["head"]))
    column = next((n for n, header in enumerate(table.headers) if head and head <= set(tokens(header))), None)
    if column is None:
        return False
    items = match["items"].strip().rstrip(".")
    separator = next((s for s in (" — ", " – ", " / ", ";", ",") if s in items), None)
    choices = []
    for item in (items.split(separator) if separator else [items]):
        meaning = re.search(r"\(([^)]*)\)", item)
        choice = " ".join(re.sub(r"\([^)]*\)", " ", item).split()).strip(" .")
        if choice:
            choices.append((choice, meaning.group(1).strip() if meaning else None))
    if len(choices) < 2:
        return False
    table.legends[column] = choices
    return True


# -- how a table is made ------------------------------------------------------------------------------


def _own_row(table: Table, r: int) -> list[Cell]:
    """The cells that start on row ``r`` (not those spanning it from above)."""
    return [c for c in table.rows[r] if c.row == r] if r < len(table.rows) else []


def _own_cell(table: Table, row: int, column: int) -> Cell | None:
    cell = table.cell_at(row, column)
    return cell if cell is not None and cell.row == row else None


def _title_row(table: Table, r: int) -> bool:
    own = _own_row(table, r)
    return len(own) == 1 and own[0].column_span >= table.grid_columns and table.grid_columns > 1 \
        or len(own) == 1 and table.grid_columns == 1 and is_title_text(cell_text(own[0]))


def _data_header(table: Table, start: int) -> int | None:
    """The header row of a table of rows to fill (objectives, training): two labelled columns at
    least, the row under it empty (or boxes only)."""
    for r in range(start, min(start + 2, len(table.rows))):
        own = _own_row(table, r)
        if len(own) < 2 or not all(cell_text(c) for c in own):
            continue
        below = _own_row(table, r + 1)
        if below and all(not cell_text(c) or _only_boxes(c) for c in below) and \
                any(not cell_text(c) for c in below):
            return r
    return None


def _to_mark(cell: Cell | None) -> bool:
    """A grid's cell to mark: empty, or holding only a box to tick (« ☐ », a Wingdings box)."""
    return not BOX_RE.sub("", cell_text(cell)).strip()


def _only_boxes(cell: Cell) -> bool:
    if not BOX_RE.search(cell_text(cell)):
        return False
    for line in cell.lines:
        if clean(line.text).strip():
            before, options, _ = boxes_of(line)
            if not options or bare(before):
                return False
    return True


def _header_row(table: Table, start: int) -> int | None:
    """The row of column headers over the rest of a table of labels and values (« AGENT ÉVALUÉ »,
    « SUPÉRIEUR HIÉRARCHIQUE DIRECT »; « L'évaluateur », « L'agent »): its first row under the titles,
    with two headers at least, no box, no colon, other rows under it."""
    own = _own_row(table, start)
    texts = [cell_text(c) for c in own]
    if start + 1 >= len(table.rows) or sum(1 for t in texts if t) < 2:
        return None
    if any(p.kind == "field" for c in own for line in c.lines for p in line.pieces):
        return None  # a value's place: a row of the table
    if any(BOX_RE.search(t) or t.endswith(":") or len(t) > 60 for t in texts):
        return None
    if any(texts[n] and not texts[n + 1] for n in range(len(texts) - 1)):
        return None  # a label with its empty value cell: a row of the table, not its headers
    return start


def _header_over(table: Table, header: int | None, cell: Cell) -> str | None:
    """The header over ``cell`` in header row ``header`` (``None`` without one, or for a cell above it)."""
    if header is None or cell.row <= header:
        return None
    return cell_text(_own_cell(table, header, cell.column)) or None


def _is_column_header(table: Table, cell: Cell) -> bool:
    """A cell heading the column under it, the rows under it having their own labels to the left."""
    if cell.column == 0:
        return False
    below = _own_row(table, cell.row + cell.row_span)
    return any(c.column < cell.column and cell_text(c) for c in below)
