"""A table field read on a :class:`.document.Document`: the rows under the header row that holds
the place's column labels (:meth:`.finding.Finder.table`), by column key (an option ticked in a
cell as that option)."""

from __future__ import annotations

from ..form import TablePlace
from ..read import clean_text
from .document import Document
from .finding import Finder
from .places import boxes_in, ticked


def read_table(doc: Document, place: TablePlace) -> list[dict[str, str]] | None:
    """The rows under the first header row holding ``place``'s labels (in its section), by column
    key, empty rows left out; ``None`` when no table has them."""
    found = Finder(doc).table(place)
    if found is None:
        return None
    rows = []
    for r in found.rows:
        values = {}
        for key in place.headers:
            cell = found.cell(r, key)
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
