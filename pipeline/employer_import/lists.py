"""A table written as a list on the blank form: a label (or a part's title) over lines of one row
each, for :class:`~.places.Walk`:

- lines numbered by hand over a blank (« 1. ……………  Atteinte : ……… », « 1. ________ »), or
  paragraphs of a numbered or bulleted list (Word's numbering, an .odt's list, a list style: « List
  Number », « Liste à puces ») holding leaders, a tab or nothing (their number drawn);
- each line's labels (« Atteinte : ») are its labelled columns, boxes on it (« ☐ atteint ☐ non
  atteint ») a column of choices;
- an instruction in brackets after the label naming columns between dashes (« (intitulé – type :
  intégration, perfectionnement…) ») gives the columns read by their place, cut at the dash, and a
  column's choices after its colon; without one, the line is one column named by the label.

The list is one reading of the lines; the lines under the label as one text (``below_label``) is the
other (a list of missions is a text): the match takes whichever a catalogue field fits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..employer_read.folding import ITEM_MARK
from ..form import LIST_SEPARATOR
from ..layout import Line
from ..text import fold
from .candidate import Candidate
from .lines import boxes_of, inline_labels, is_value_line
from .wording import BOX_RE, LEADER_RE, bare, clean, core, printed

if TYPE_CHECKING:
    from .places import Walk

MIN_ITEMS = 2  # lines of one shape under a label: a list
# A paragraph style of a list (Word's and LibreOffice's names, English and French).
_LIST_STYLE = re.compile(r"list|liste|numbering|num[ée]rot|puce|bullet", re.IGNORECASE)
# An instruction in brackets ending the label, which may name the columns of its lines.
_COLUMNS_IN_BRACKETS = re.compile(r"\s*\(([^()]*)\)\s*:?\s*$")
# What separates the columns it names, the separator a line's columns are then cut at: dashes; « / » or
# « ; » when a column's choices follow a colon (« intitulé / type : intégration, perfectionnement »);
# commas when the first names what the line is about (« intitulé, type, avis du N+1 »).
_NAMING = ((LIST_SEPARATOR, re.compile(r"\s+[–—-]\s+"), False), ("/", re.compile(r"\s*/\s*"), True),
           (";", re.compile(r"\s*;\s*"), True), (",", re.compile(r"\s*,\s*"), False))
_FIRST_COLUMNS = frozenset({"intitule", "libelle", "objectif", "objectifs", "action", "actions", "formation",
                            "formations", "theme", "themes", "module"})
_CHOICES = re.compile(r"\s*(?:,|;|/|\bou\b)\s*")
_MAX_NAME_WORDS = 4
_FINAL_BRACKETS = re.compile(r"\s*\([^()]*\)\s*$")


@dataclass
class Item:
    """A list's line on the blank form: where its value starts (after its mark), its labels (as
    printed, and where the value after each starts), its boxes (option, position)."""

    line: Line
    start: int
    labels: list[tuple[str, int]]
    boxes: list[tuple[str, int]]


def item_of(line: Line) -> Item | None:
    """``line`` as a list's line of the blank form: a mark (« 1. », « – ») or a list's style, then
    nothing but leaders, labels and boxes; ``None`` otherwise."""
    if not isinstance(line, Line) or any(p.kind == "field" for p in line.pieces):
        return None
    text = clean(line.text)
    mark = ITEM_MARK.match(text)
    styled = line.numbered or bool(line.style) and bool(_LIST_STYLE.search(line.style or ""))
    if mark is None and not styled:
        return None
    start = mark.end() if mark else 0
    if mark is None and not text.strip() and not line.numbered and not is_value_line(line):
        return None  # an empty paragraph of a list's style, no number drawn: no line to write on
    labels = [(bare(label), offset) for label, offset, _ in inline_labels(line, start)]
    boxes = boxes_of(line)[1] if BOX_RE.search(text) else []
    residue = BOX_RE.sub(" ", LEADER_RE.sub(" ", text[start:].replace("\t", " ")))
    for word in [label for label, _ in labels] + [option for option, _ in boxes]:
        residue = residue.replace(word, " ", 1)
    if residue.replace(":", " ").strip():
        return None  # words of its own: a sentence, not a line to write on
    return Item(line, start, labels, boxes)


def items_after(blocks: list, first: int) -> list[Item]:
    """The list's lines from ``blocks[first]`` on, all of the first one's shape (its labels); none
    when fewer than :data:`MIN_ITEMS`."""
    items: list[Item] = []
    for block in blocks[first:]:
        item = item_of(block) if isinstance(block, Line) else None
        if item is None or items and [label for label, _ in item.labels] != [label for label, _ in items[0].labels]:
            break
        items.append(item)
    return items if len(items) >= MIN_ITEMS else []


def add_list(walk: Walk, line: Line, text: str, items: list[Item], blocks: list) -> None:
    """The list under ``line`` (its label ``text``), and its other reading: the lines under the label."""
    label = printed(text)
    named = _named_columns(label)
    headers: list[str] = []
    on_line: list[str] = []
    legends: dict[int, list[tuple[str, str | None]]] = {}
    separator = LIST_SEPARATOR
    if named:
        names, legends, separator = named
        headers += names
        on_line += [""] * len(names)
    else:
        headers.append(core(label))
        on_line.append("")
    first = items[0]
    after: dict[int, int] = {}
    for printed_label, offset in first.labels:
        after[len(headers)] = offset
        headers.append(printed_label)
        on_line.append(printed_label)
    box_columns: dict[int, list[str]] = {}
    ticks: dict[int, list[tuple[Line, int]]] = {}
    if first.boxes:
        options = [option for option, _ in first.boxes]
        box_columns[len(headers)] = options
        ticks[len(headers)] = [(first.line, position) for _, position in first.boxes]
        headers.append(" ".join(options))
        on_line.append("")
    name = _FINAL_BRACKETS.sub("", label) or label
    candidate = Candidate("table", name, walk.number(line), headers=headers, box_columns=box_columns,
                          legends=legends, list_columns=on_line, separator=separator,
                          mark={"list": first.line, "list_start": first.start, "list_after": after, "list_ticks": ticks})
    walk.add(candidate)
    walk.add(Candidate("below_label", label, walk.number(line), alternative_of=candidate,
                       mark={"below": (blocks, line)}))


def _named_columns(label: str) -> tuple[list[str], dict[int, list[tuple[str, str | None]]], str] | None:
    """The columns an instruction in brackets ending ``label`` names (« (intitulé – type : intégration,
    perfectionnement – avis du N+1) »): their names, each column's choices after its colon, and the
    separator between them; ``None`` when it names none (« (atteint, non atteint) »: choices)."""
    found = _COLUMNS_IN_BRACKETS.search(label)
    if not found:
        return None
    inner = found.group(1)
    for separator, pattern, needs_choices in _NAMING:
        parts = [part for part in pattern.split(inner) if part.strip()]
        if len(parts) < 2 or needs_choices and ":" not in inner:
            continue
        names, legends = [], {}
        for part in parts:
            name, _, choices = part.partition(":")
            name = name.strip(" .")
            if not name or len(re.findall(r"[^\W\d_]+", name)) > _MAX_NAME_WORDS:
                break
            names.append(name)
            offered = [c for c in _CHOICES.split(choices.strip(" .")) if c] if separator != "," else []
            if offered:
                legends[len(names) - 1] = [(choice, None) for choice in offered]
        else:
            if separator == "," and fold(names[0]).split()[0] not in _FIRST_COLUMNS:
                continue
            return names, legends, separator
    return None
