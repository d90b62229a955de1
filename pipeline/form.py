"""The form: where each field of the catalogue is found in a returned report.

The catalogue says what a report holds (keys, kinds, rules); a :class:`Form` says where a
file of one layout holds it, and how such a file is recognised and identified.
:func:`pipeline.read.read_report` follows a form and knows no layout of its own.

There is one kind of form today, our own template's, made from the catalogue by
:func:`template_form` (``Config.form``): each single field by its control's tag, then the
label cell of its label/value row, then its control's alias; each table by the labels of its
header row; the version in the document properties or the footer; the identifier in its
field or the document properties (SPEC 3, template layout contract).

An employer's own form (tables, dotted lines, ticked cells, legacy form fields) is another
set of places for the same catalogue: new :class:`FieldPlace` kinds, which the reader
dispatches on; its callers do not change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from .catalogue import AGENT_NUMBER, CAMPAIGN, REPORT_ID, Catalogue
from .text import normalize_label

#: How a place is looked up. ``tag``: the content control whose ``w:tag`` is the text
#: (as written); ``label``: the value cell of the two-cell row whose label cell reads the
#: text; ``alias``: the content control whose alias reads the text (label and alias
#: compared as labels are: case, accents, spacing, quotes, a trailing colon do not matter).
#: An employer's own form (pipeline/employer_form.py) adds, all read on a
#: :class:`pipeline.layout.Layout`:
#: ``after_label``: the rest of the line after the label (« Nom : MARTIN ...... »), up to
#: ``until`` (the next label on that line); ``below_label``: the lines under the label, up to
#: the next label or heading (or ``until``); ``cell``: the cell to the ``direction`` (right,
#: below) of the cell reading the label, in the column headed ``column`` when given;
#: ``boxes``: the ticked one of the boxes (☐ ☒, « [X] », a check box field) in front of
#: ``options``' texts, near the label; ``grid``: in the row headed by the label (and its
#: sub-row ``row``), the column holding a mark, ``options`` naming each choice's column header;
#: ``form_field``: the legacy form field (or ODF field) of that name.
PlaceKind = Literal["tag", "label", "alias", "after_label", "below_label", "cell", "boxes", "grid", "form_field"]
# Texts compared as written; the others as labels (normalize_label).
_EXACT_KINDS = frozenset({"tag"})

# Our template prints « Formulaire CR-xxxxxxxxxx » in its footer (template_build.py).
VERSION_IN_FOOTER = re.compile(r"Formulaire\s+(CR-[0-9a-f]{6,})")
# Fewer labels than this and no tag: a Word document, but not a report.
MIN_LABELS_FOR_A_REPORT = 5


Direction = Literal["right", "below"]
#: What cuts a list's line into its columns when its form names no other (« Excel – perfectionnement »).
LIST_SEPARATOR = "–"


@dataclass(frozen=True)
class FieldPlace:
    """One place where a single-value field may be found: its kind and its text (the tag,
    the label as printed, the alias). ``match`` is the text as it is compared.

    An employer's form's places (see :data:`PlaceKind`) say more: ``until`` (the next label on
    the line), ``direction`` and ``column`` (a cell's), ``row`` (a grid's sub-row), ``options``
    (choice -> the text printed after its box, or the grid column's header), ``section`` (the
    heading the place is under, when the label is printed more than once) and ``occurrence``
    (the n-th match, 1-based, the last resort)."""

    kind: PlaceKind
    text: str
    until: str | None = None
    direction: Direction = "right"
    column: str | None = None
    row: str | None = None
    options: tuple[tuple[str, str], ...] = ()
    section: str | None = None
    occurrence: int = 1
    label: str | None = None  # form_field: the label printed before it (it ends what is read under another)
    match: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "match", self.text if self.kind in _EXACT_KINDS else normalize_label(self.text))


@dataclass(frozen=True)
class TablePlace:
    """A table field: the table whose header row holds these labels, one per column
    (column key -> label as printed), in any order, other columns allowed. An employer's form
    may say which ``section`` it is under, and, for a column answered by ticking a box in its
    cells (« ☐ Atteint ☐ Partiellement atteint »), its ``options`` (column key -> choice ->
    text printed after the box).

    A table written as a list (``list_label``): one row a line under that label (« 1. ………
    Atteinte : ……… », a numbered or bulleted paragraph, a line to write on), up to the next
    label or title. ``headers`` then says, for each column, the label written before its value
    on the line (« Atteinte », followed by « : »), or "" for a column read by its place: the
    rest of the line, cut at ``separator`` (« Excel – perfectionnement ») into the unlabelled
    columns in order, a choice column taking the part that is one of its choices."""

    headers: dict[str, str]
    section: str | None = None
    options: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict, hash=False)
    list_label: str | None = None
    separator: str = LIST_SEPARATOR
    matches: tuple[str, ...] = field(init=False, repr=False, compare=False)  # as compared, in ``headers``' order

    def __post_init__(self) -> None:
        object.__setattr__(self, "matches", tuple(normalize_label(label) for label in self.headers.values()))


@dataclass(frozen=True)
class VersionMarks:
    """Where a file says which version of the form it was made from: a core document
    property (``cp:version``), else the first match of ``in_footer`` (its group 1) in a
    footer's text. ``None``: not looked for."""

    property: str | None = "cp:version"
    in_footer: re.Pattern | None = VERSION_IN_FOOTER


@dataclass(frozen=True)
class Recognition:
    """What tells a report of this form from any other Word document: one of ``tags``
    found, or at least ``min_labels`` of ``labels`` (as compared) in label cells."""

    tags: frozenset[str]
    labels: frozenset[str]
    min_labels: int = MIN_LABELS_FOR_A_REPORT


@dataclass(frozen=True)
class Identity:
    """How a report names its agent: the identifier's field (« 2026-100231 »), else a core
    document property (``dc:identifier``); campaign and agent number from the identifier,
    else from their own fields."""

    identifier_field: str = REPORT_ID
    identifier_property: str | None = "dc:identifier"
    campaign_field: str = CAMPAIGN
    agent_number_field: str = AGENT_NUMBER


@dataclass(frozen=True)
class Form:
    """One form a report can be returned on: for each field of ``catalogue``, where it is.

    ``places``: single-value field key -> its places, in lookup order (the first found
    wins); ``tables``: table field key -> its header labels. A catalogue field with no
    place is absent from the form (``Report.not_in_form``). ``version``: the form's
    fingerprint, compared with what a file says (``version_marks``)."""

    catalogue: Catalogue
    version: str
    places: dict[str, tuple[FieldPlace, ...]]
    tables: dict[str, TablePlace]
    recognition: Recognition
    version_marks: VersionMarks = VersionMarks()
    identity: Identity = Identity()
    name: str | None = None  # as people call it (an employer's form: formulaire.yaml's « nom »)
    # An employer's form's fingerprints before this one (formulaire.yaml's « empreintes_precedentes »):
    # a copy stamped with one of them is of this form.
    earlier_versions: frozenset[str] = frozenset()
    parts: tuple[str, ...] = ()  # an employer's form: the titles of its parts, as printed (formulaire.yaml « parties »)


def template_form(catalogue: Catalogue) -> Form:
    """Our own template's form, as ``entretiens modeles`` builds it from ``catalogue``:
    a single field by its tag (its key), its label cell, its control's alias (its label);
    a table by its columns' labels. Prefer ``Config.form``, made once."""
    places = {f.key: (FieldPlace("tag", f.key), FieldPlace("label", f.label), FieldPlace("alias", f.label))
              for f in catalogue.single_fields}
    tables = {f.key: TablePlace({c.key: c.label for c in f.columns or []}) for f in catalogue.table_fields}
    recognition = Recognition(
        tags=frozenset(p.match for found in places.values() for p in found if p.kind == "tag"),
        labels=frozenset(p.match for found in places.values() for p in found if p.kind == "label"))
    return Form(catalogue=catalogue, version=catalogue.version(), places=places, tables=tables,
                recognition=recognition)
