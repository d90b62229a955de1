"""A place of a blank form where a value is written: what :func:`~.places.candidates` finds and every
later step passes along."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..form import LIST_SEPARATOR
from .wording import bare, is_generic


@dataclass(eq=False)
class Candidate:
    """One place of the form where a value is written. ``label``: the text the place names (as
    printed: what the reader looks for); ``title``: the part of the form it is in; ``context``: the
    column header or group heading it is printed under (``context_kind`` « column » or « heading »);
    ``line``: its label's line in reading order. The rest depends on ``kind``:

    - ``after_label``: a label, a colon and an empty zone (leaders, a tab, the line's end); the next
      label on the line is ``until``;
    - ``below_label``: a label, a title or an instruction over lines of leaders only, or over a framed
      box (a table of one empty cell);
    - ``cell``: a label cell with an empty cell to its right or below it (``direction``); one per
      value column, with its header as ``column``, when a row has several;
    - ``boxes``: boxes on one line, a choice, with the ``question`` printed before them; ``box``: one
      box a line, each its own yes/no field;
    - ``grid``: a criterion's row of empty cells under short choice headers, one per sub-row (``row``);
    - ``table``: a header row over empty rows, its box columns and the legend printed under it; or a
      list (``list_columns`` not ``None``): a label over lines of one row each, ``headers`` naming its
      columns, ``list_columns`` the label each is written after on the line ("" for one read by its
      place, cut at ``separator``);
    - ``form_field``: a legacy form field or a content control."""

    kind: str
    label: str
    line: int
    title: str | None = None
    context: str | None = None
    context_kind: str | None = None
    until: str | None = None  # after_label
    direction: str = "right"  # cell
    column: str | None = None  # cell: its value column's header, when the row has several
    row: str | None = None  # grid: the sub-row
    question: str | None = None  # boxes, box: the question printed before them
    options: list[str] = field(default_factory=list)  # boxes, grid: printed choices; box: its text
    headers: list[str] = field(default_factory=list)  # table: header row, left to right
    box_columns: dict[int, list[str]] = field(default_factory=dict)  # table: column -> its boxes' texts
    legends: dict[int, list[tuple[str, str | None]]] = field(default_factory=dict)  # table: column -> choices
    meanings: dict[int, dict[str, str]] = field(default_factory=dict)  # table: column -> code -> meaning
    list_columns: list[str] | None = None  # a list: each column's label on its lines, "" for none
    separator: str = LIST_SEPARATOR  # a list: what cuts its lines into their unlabelled columns
    field_name: str | None = None  # form_field
    field_kind: str | None = None  # form_field: text, date, dropdown; cell: dropdown when it holds one;
    # after_label: date for the blank after « … le » (a date's place only)
    choices: list[str] = field(default_factory=list)  # form_field, cell: a drop-down's entries
    control: bool = False  # form_field: a content control (tag), not a legacy form field
    criteria: bool = False  # one of several lines or rows rated on the same scale
    management: bool = False  # a criterion under a heading about management (encadrement)
    self_assessment: bool = False  # grid: the agent's own row
    handwritten: bool = False  # a « Signature » line: seen on paper, not typed
    under_title: bool = False  # below_label: its label printed right under its part's title
    # cell: a header of a table of one empty row, read as labels over their values; the table
    # candidate it is the other reading of (the match takes one reading or the other, never both).
    alternative_of: "Candidate | None" = field(default=None, repr=False)
    mark: dict[str, Any] = field(default_factory=dict, repr=False)  # where check_with_reader writes a value
    wordings: list | None = field(default=None, repr=False)  # its texts as compared (match), made once

    @property
    def text(self) -> str:
        """What the place says its field is: the question of boxes, a box's text, a table's title,
        the label otherwise."""
        if self.kind == "box":
            return self.options[0]
        if self.kind == "boxes":
            return self.question or " / ".join(self.options)
        return self.label

    @property
    def shown(self) -> str:
        """The place as HR reads it in the summary: « Nom » (AGENT ÉVALUÉ)."""
        where = f" ({self.column or self.context})" if (self.column or self.context) and is_generic(self.text) else ""
        if self.kind == "grid" and self.row:
            where = f" ({self.row})"
        return f"«\u202f{bare(self.text)}\u202f»{where}"

    @property
    def heading_or_title(self) -> str | None:
        """The group heading the place is under, else its part of the form."""
        return self.context if self.context_kind == "heading" and self.context else self.title
