"""A table field read on a :class:`.document.Document`: the rows under the header row that holds
the place's column labels, by column key (an option ticked in a cell as that option)."""

from __future__ import annotations

from ..form import TablePlace
from ..read import clean_text
from .document import Document
from .folding import label_key
from .places import boxes_in, own_cell, ticked


def read_table(doc: Document, place: TablePlace) -> list[dict[str, str]] | None:
    """The rows under the first header row holding ``place``'s labels (in its section), by column
    key; ``None`` when no table has them."""
    keys = list(place.headers)
    wanted = [label_key(label) for label in place.headers.values()]
    first_hits = doc.in_scope(place, doc.cell_hits(next(iter(place.headers.values()))))
    for line in first_hits:
        table, row = doc.tables[line], doc.cells[line].row
        columns = {}
        for cell in table.rows[row]:
            for key, label in zip(keys, wanted):
                if key not in columns and doc.reads(cell, label):
                    columns[key] = cell.column
                    break
        if len(columns) < len(keys):
            continue
        header = [doc.cell_key(c) for c in table.rows[row]]
        rows = []
        for r in range(row + 1, len(table.rows)):
            own = [c for c in table.rows[r] if c.row == r]
            if len(own) == len(header) and [doc.cell_key(c) for c in own] == header:
                continue  # the header repeated (a page break, a copy-paste)
            if len(own) == 1 and own[0].column_span >= table.grid_columns > 1 and len(keys) > 1:
                continue  # a title across the table
            values = {}
            for key in keys:
                cell = own_cell(table, r, columns[key])
                text = doc.cell_text(cell) if cell is not None else ""
                options = place.options.get(key)
                states = boxes_in(text, "\n".join(doc.keys[i] for i in doc.lines_of(cell)), options) \
                    if options and text else None
                if states:  # the option ticked; several, or an odd mark: as written, an invalid choice
                    read = ticked(states, text)
                    text = read.value if read.unsure is None else read.unsure
                values[key] = clean_text(str(text))
            if any(values.values()):
                rows.append(values)
        return rows
    return None
