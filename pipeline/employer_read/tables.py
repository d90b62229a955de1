"""A table field read on a :class:`.document.Document`: the rows under the header row that holds
the place's column labels (:meth:`.finding.Finder.table`), by column key (an option ticked in a
cell as that option); a table written as a list (:meth:`.finding.Finder.list_rows`), one row a
line, its columns after their labels on the line or cut at the list's separator."""

from __future__ import annotations

import re

from ..catalogue import Column
from ..form import TablePlace
from ..read import clean_text
from ..text import canonical_choice, normalize_label
from .document import Document
from .finding import Finder, box_spans
from .folding import ITEM_MARK, pattern, value_text
from .places import boxes_in, ticked


def read_table(doc: Document, place: TablePlace, columns: list[Column] | None = None) -> list[dict[str, str]] | None:
    """The rows under the first header row holding ``place``'s labels (in its section), by column
    key, empty rows left out; ``None`` when no table has them. A list's rows are its lines
    (``columns``: the field's, whose choices a part of a line is recognised by)."""
    if place.list_label is not None:
        return _read_list(doc, place, columns or [])
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


# -- lists -------------------------------------------------------------------------------------------

_COLUMN_LABELS: dict[str, re.Pattern] = {}
_SPLITTERS: dict[str, re.Pattern] = {}


def _column_label(label: str) -> re.Pattern:
    """A column's label written on a list's line before its value (« Atteinte : »), on folded text."""
    found = _COLUMN_LABELS.get(label)
    if found is None:
        found = _COLUMN_LABELS[label] = re.compile(r"(?<!\w)" + pattern(label).pattern + r"\s*:")
    return found


def joiner(separator: str) -> str:
    """What goes between the columns written on a list's line (« Excel – perfectionnement »,
    « Excel / perfectionnement »)."""
    return " – " if separator in _DASHES else f" {separator} " if separator == "/" else f"{separator} "


_DASHES = ("–", "—", "-")


def _splitter(separator: str) -> re.Pattern:
    """Where a line is cut into its columns: at the separator; a dash as any dash, or a hyphen
    between spaces (« Excel - perfectionnement »)."""
    found = _SPLITTERS.get(separator)
    if found is None:
        found = _SPLITTERS[separator] = re.compile(
            r"\s*[–—]\s*|\s+-\s+" if separator in _DASHES else r"\s*" + re.escape(separator) + r"\s*")
    return found


def _read_list(doc: Document, place: TablePlace, columns: list[Column]) -> list[dict[str, str]] | None:
    found = Finder(doc).list_rows(place)
    if found is None:
        return None
    stretches = [(found.rest.line, found.rest.start, found.rest.end)]
    stretches += [(i, 0, len(doc.texts[i])) for i in found.lines]
    choices = {c.key: (c.choices, c.label) for c in columns if c.kind == "choice" and c.choices}
    rows = []
    for line, start, end in stretches:
        values = list_row(doc.texts[line][start:end], doc.keys[line][start:end], place, choices)
        if any(values.values()):
            rows.append(values)
    return rows


def column_label_at(key: str, place: TablePlace) -> list[tuple[int, int, str]]:
    """Where each labelled column's label (« Atteinte : ») is on a list's folded line ``key``: its
    start, the end of its colon, its column; in the line's order."""
    return sorted((m.start(), m.end(), column) for column, label in place.headers.items() if label
                  for m in [_column_label(label).search(key)] if m)


def list_row(text: str, key: str, place: TablePlace, choices: dict[str, tuple[list[str], str]]) -> dict[str, str]:
    """One line of a list as a row: each labelled column's value after its label (up to the next),
    each box column's ticked option, and the rest of the line (its item mark gone) cut at the
    separator into the unlabelled columns, in the order the form names them: a choice column
    (``choices``: its choices and its name) takes instead the part that is one of its choices,
    wherever it is typed (« avis favorable »: the column's name before it); the parts left once every
    column has one go with the first column."""
    values = dict.fromkeys(place.headers, "")
    marks = column_label_at(key, place)
    head_end = marks[0][0] if marks else len(text)
    for n, (_, after, column) in enumerate(marks):
        stop = marks[n + 1][0] if n + 1 < len(marks) else len(text)
        values[column] = text[after:stop]
    for column, options in place.options.items():
        segment, segment_key, offset = (text, key, 0)
        labelled = next(((a, b) for a, b, c in marks if c == column), None)
        if labelled is not None:
            offset = labelled[1]
            stop = next((a for a, _, _ in marks if a > offset), len(text))
            segment, segment_key = text[offset:stop], key[offset:stop]
        spans = box_spans(segment_key, options)
        if spans:
            states = boxes_in(segment, segment_key, options)
            first_box = min(a for a, _ in spans.values())
            read = ticked(states, segment[first_box:])
            values[column] = str(read.value if read.unsure is None else read.unsure)
            head_end = min(head_end, offset + first_box)
    for column in values:
        if column not in place.options:
            values[column] = _part(values[column])
    free = [column for column, label in place.headers.items() if not label and column not in place.options]
    head = value_text(ITEM_MARK.sub("", text[:head_end], count=1))
    parts = [p for p in (_part(p) for p in _splitter(place.separator).split(head)) if p] if head else []
    if len(parts) > 1:  # a choice column takes the part naming one of its choices
        for at, column in enumerate(free):
            if column not in choices:
                continue
            # The part in the column's place first, then the others, the first one last when the first
            # column is a text (« Perfectionnement en état civil – perfectionnement »).
            order = sorted(range(len(parts)), key=lambda n: (n != at, n == 0 and free[0] not in choices, n))
            chosen = next(((parts[n], value) for n in order for value in [_choice_in(parts[n], *choices[column])]
                           if value), None)
            if chosen is not None:
                values[column] = chosen[1]
                parts.remove(chosen[0])
    rest = [column for column in free if not values[column]]
    for column, part in zip(rest, parts):
        values[column] = part
    if rest and len(parts) > len(rest):  # more parts than columns: the rest goes with the first one
        values[rest[0]] = joiner(place.separator).join([parts[0], *parts[len(rest):]])
    return {column: clean_text(value) for column, value in values.items()}


def _choice_in(part: str, choices: list[str], name: str) -> str | None:
    """``part`` as a choice of the column named ``name``: one of ``choices``, maybe after words of the
    column's name (« avis favorable » for « Avis du N+1 »); ``None`` when it is none."""
    if canonical_choice(part, choices) is not None:
        return part
    words, named = part.split(), set(normalize_label(name).split())
    skipped = 0
    while skipped < len(words) - 1 and normalize_label(words[skipped]) in named:
        skipped += 1
    rest = " ".join(words[skipped:])
    return rest if skipped and canonical_choice(rest, choices) is not None else None


def _part(text: str) -> str:
    """A piece of a line as a value: leaders, tabs and the separators at its ends gone."""
    return value_text(text).strip(" –—-;,")
