"""A table field read on a :class:`.document.Document`: the rows under the header row that holds
the place's column labels (:meth:`.finding.Finder.table`), by column key (an option ticked in a
cell as that option); a table written as a list (:meth:`.finding.Finder.list_rows`), one row a
line, its columns after their labels on the line or cut at the list's separator."""

from __future__ import annotations

import re

from ..catalogue import Column
from ..form import TablePlace
from ..read import clean_text, is_a_row
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
        if is_a_row(values):
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
    lines: list[list[str]] = [[doc.texts[found.rest.line][found.rest.start:found.rest.end],
                               doc.keys[found.rest.line][found.rest.start:found.rest.end]]]
    for i in found.lines:
        text = doc.texts[i]
        if _goes_on(text, doc.lines[i]) and value_text(lines[-1][0]):  # the item before it, typed on
            lines[-1][0] += " " + text.strip()
            lines[-1][1] += " " + doc.keys[i].strip()
        else:
            lines.append([text, doc.keys[i]])
    choices = {c.key: (c.choices, c.label) for c in columns if c.kind == "choice" and c.choices}
    rows = []
    for text, key in lines:
        values = list_row(text, key, place, choices)
        if is_a_row(values):
            rows.append(values)
    return rows


def _goes_on(text: str, line) -> bool:
    """Whether a list's line goes on with the item before it: no mark nor number of its own, and its
    first word in lower case (« en lien avec le service population », typed after Enter)."""
    if line.numbered or ITEM_MARK.match(text):
        return False
    first = next((c for c in text if c.isalnum()), "")
    return first.islower()


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
    # The choice columns still to fill: those read by their place, and those whose label was not typed
    # (« Mettre à jour le registre – atteint », the « Atteinte : » written over).
    claiming = [column for column in place.headers if column in choices and column not in place.options
                and not values[column]]
    if claiming:
        parts = _choices_apart(parts, [choices[column] for column in claiming])
    if len(parts) > 1:  # a choice column takes the part naming one of its choices
        for column in claiming:
            at = free.index(column) if column in free else -1
            # The part in the column's place first, then the others, the first one last when the first
            # column is a text (« Perfectionnement en état civil – perfectionnement »).
            order = sorted(range(len(parts)), key=lambda n: (n != at, n == 0 and (not free or free[0] not in choices),
                                                             n))
            chosen = next(((parts[n], found) for n in order for found in [_choice_in(parts[n], *choices[column])]
                           if found), None)
            if chosen is not None:
                part, (values[column], more) = chosen
                parts.remove(part)
                if more:  # words typed on after the choice: with the first column
                    parts.insert(0, f"{parts.pop(0)}{joiner(place.separator)}{more}" if parts else more)
    rest = [column for column in free if not values[column]]
    for column, part in zip(rest, parts):
        values[column] = part
    if rest and len(parts) > len(rest):  # more parts than columns: the rest goes with the first one
        values[rest[0]] = joiner(place.separator).join([parts[0], *parts[len(rest):]])
    return {column: clean_text(value) for column, value in values.items()}


_OTHER_CUTS = re.compile(r"\s*[,;/:]\s*|\s*\(([^()]*)\)\s*$")


def _choices_apart(parts: list[str], columns: list[tuple[list[str], str]]) -> list[str]:
    """``parts`` with a choice written in another way than the form says set apart: after or before a
    colon, a comma, « ; » or « / » (« intégration : formation d'intégration », « Word, intégration »),
    or in brackets at the end (« Excel (perfectionnement) »)."""
    apart: list[str] = []
    for part in parts:
        pieces = [p.strip() for p in _OTHER_CUTS.split(part) if p and p.strip()]
        chosen = next((p for p in pieces if any(_choice_in(p, *column) for column in columns)), None) \
            if len(pieces) > 1 else None
        if chosen is None:
            apart.append(part)
            continue
        others = " – ".join(p for p in pieces if p is not chosen)
        apart += [*_choices_apart([others], columns), chosen]  # « Excel (perfectionnement), avis favorable »
    return apart


def _choice_in(part: str, choices: list[str], name: str) -> tuple[str, str] | None:
    """``part`` as a choice of the column named ``name``: one of ``choices``, maybe after words of the
    column's name (« avis favorable » for « Avis du N+1 »), and what follows the choice (« perfectionnement
    en lien avec le service » typed on: « en lien avec le service »); ``None`` when it is none."""
    words, named = part.split(), set(normalize_label(name).split())
    skipped = 0
    while skipped < len(words) - 1 and normalize_label(words[skipped]) in named:
        skipped += 1
    for start in dict.fromkeys((0, skipped)):
        choice = canonical_choice(" ".join(words[start:]), choices)
        if choice is not None:
            size = len(choice.split())
            if normalize_label(" ".join(words[start:start + size])) == normalize_label(choice):
                return " ".join(words[start:start + size]), " ".join(words[start + size:]).strip(" –—-:;,")
            return " ".join(words[start:]), ""  # a choice written another way (« T1 – adaptation… »)
    return None


def _part(text: str) -> str:
    """A piece of a line as a value: leaders, tabs and the separators at its ends gone."""
    return value_text(text).strip(" –—-;,")
