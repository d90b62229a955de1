"""Reading a returned report as Word and LibreOffice leave it.

:func:`read_report` takes a file and the form it follows (:class:`~pipeline.form.Form`,
``Config.form``) and returns a :class:`Report` (every catalogue field: its value or
empty; tables as lists of rows; the report's identity; the form version), or raises a
:class:`~pipeline.outcomes.UnreadableReport` subclass with a French reason.

Where things are comes from the form; this module knows how to look at each kind of
place (:class:`~pipeline.form.FieldPlace`). For our own template each single-value field
is found, in order: by its control's tag (Word, LibreOffice 25), by the label cell of its
label/value row (LibreOffice 7.4 drops every tag, a user may delete a control), then by
the control's alias. The whole value cell is read, so text typed next to a control, or
the paragraphs LibreOffice moves out of a control, are kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from . import ooxml
from .catalogue import Catalogue, Field
from .dates import parse_date
from .employer_form import FINGERPRINT_PREFIX
from .form import FieldPlace, Form, Identity, Recognition, TablePlace, VersionMarks, template_form
from .outcomes import NotAReport, UnreadableDate, WrongTemplateVersion
from .preflight import PackageLimits, open_document
from .text import drop_invisible, fold, normalize_identifier, normalize_label

# Texts Word and our template show in an empty control. Read as "no answer"
# even when the w:showingPlcHdr flag was lost on the way.
PLACEHOLDERS = (
    *set(ooxml.PLACEHOLDER_TEXT.values()),
    "Cliquez ici pour taper du texte.",
    "Cliquez ici pour entrer du texte.",
    "Cliquez ici pour entrer une date.",
    "Cliquez ou appuyez pour entrer une date.",
    "Click or tap here to enter text.",
    "Click here to enter text.",
    "Click or tap to enter a date.",
    "Choose an item.",
)
_PLACEHOLDER_HINT = re.compile(r"Cliquez|Click|Choisissez|Choose")
# A drop-down list's first entry that asks for a choice rather than being one (« (choisir) »,
# « -- Sélectionnez -- », « Veuillez choisir… »): left there, it is no answer. On folded text.
_PROMPT = re.compile(r"[\s(\[<«\-–—.…]*(?:veuillez |a |faites votre )?(?:choisir|choisissez|choix(?= *$|[^\w ])|"
                     r"selectionner|selectionnez|select|choose|pick)\b[^()]{0,30}[\s)\]>»\-–—.…]*")


def is_prompt(entry: str) -> bool:
    """Whether a drop-down list's entry asks for a choice (« (choisir) », « -- Sélectionnez -- »,
    « Choisissez un élément. ») rather than being one."""
    return bool(entry) and bool(_PROMPT.fullmatch(normalize_label(entry)))
# How people tick a box they cannot click: a character typed or inserted as a symbol (Word
# keeps a symbol font's character in the private-use area: Wingdings' ticked box is U+F0FE,
# as LibreOffice 7.4 writes it), or a word. Folded (case and accents do not matter).
TICK_MARKS = frozenset(
    "☒☑✓✔✗✘✕✖⊠⌧🗹🗷✅❎"  # typed, or from a font that maps to Unicode (Segoe UI Symbol...)
    "■▪◼⬛▣●◉"  # a filled square or dot: a box or a grid's cell blacked out
    "\uf0fe\uf0fd\uf0fc\uf0fb\uf078\uf0fa"  # Wingdings: ticked boxes, check marks, crosses
    "\uf06e\uf06c\uf0a4"  # Wingdings: a black square, a black circle, a circled dot (a box or a round one filled)
    "\uf050\uf04f\uf051\uf052\uf053\uf054\uf0d3"  # Wingdings 2
)
TICK_WORDS = frozenset({"x", "oui", "yes", "vrai", "coche", "cochee", "ok"})
EMPTY_BOX_MARKS = frozenset("☐□❑◻⬜▢○◯\uf0a8\uf06f\uf071\uf0a3\uf02a\uf0a1")
EMPTY_BOX_WORDS = frozenset({"non", "no", "faux", "non coche", "non cochee"})
# A symbol font's box (Wingdings' in the private-use area) as a person reads it, in a message.
_SHOWN_MARKS = {**{ord(c): "☒" for c in TICK_MARKS if "\ue000" <= c <= "\uf8ff"},
                **{ord(c): "☐" for c in EMPTY_BOX_MARKS if "\ue000" <= c <= "\uf8ff"}}


def readable_marks(text: str) -> str:
    """``text`` with a symbol font's boxes and ticks (U+F0FE...) as ☒ and ☐, any other of its
    characters as « ? », its spacing collapsed: what a message quotes of a box's cell (a private-use
    character shows as nothing, or a square)."""
    text = text.translate(_SHOWN_MARKS)
    if any("\ue000" <= c <= "\uf8ff" for c in text):
        text = "".join("?" if "\ue000" <= c <= "\uf8ff" else c for c in text)
    return " ".join(text.split())

Value = str | bool
#: How a report was matched to its agent (``Report.identified_by``, kept in the journal).
BY_IDENTIFIER_FIELD = "identifiant"  # the identifier's field (our template's)
BY_PROPERTY = "propriete"  # the document property dc:identifier
BY_FOOTER = "pied_de_page"  # « identifiant 2026-100231 » in a footer (an employer's form)
BY_CODE = "code"  # the page code's payload (ENTRETIENS|version|campaign|number) in a custom property
BY_AGENT_NUMBER = "matricule"  # the agent number's field
BY_NAME = "nom_prenom"  # name and first name, found in the roster (a copy of an employer's blank form)


@dataclass
class Report:
    path: Path
    values: dict[str, Value]  # single-value fields: text ("" when empty), bool for check boxes
    tables: dict[str, list[dict[str, str]]]  # table fields: rows that hold something
    dates: dict[str, dt.date | None] = field(default_factory=dict)
    unreadable_dates: dict[str, str] = field(default_factory=dict)  # key -> French message
    unrecognised_marks: dict[str, str] = field(default_factory=dict)  # check box key -> what its cell holds
    several_ticked: dict[str, list[str]] = field(default_factory=dict)  # key -> the options ticked (two or more)
    pictures: list[str] = field(default_factory=list)  # text fields answered by a picture alone
    found_by: dict[str, str] = field(default_factory=dict)  # key -> kind of place found at: tag | label | alias
    not_in_form: list[str] = field(default_factory=list)  # catalogue fields absent from the file
    report_id: str | None = None
    campaign: str | None = None
    agent_number: str | None = None
    template_version: str | None = None
    identified_by: str | None = None  # how it was matched to its agent (BY_*); None: it was not
    format: str = "docx"  # the file's format: docx, odt

    def value(self, key: str) -> Value:
        if key in self.tables:
            return bool(self.tables[key])
        return self.values.get(key, "")

    def is_filled(self, key: str) -> bool:
        """Answered: ticked, some text, or a picture alone (a scanned signature counts as one)."""
        value = self.value(key)
        return value is True or (isinstance(value, str) and bool(value.strip())) or key in self.pictures

    def as_json(self) -> dict:
        return {
            "fichier": str(self.path),
            "identifiant": self.report_id,
            "campagne": self.campaign,
            "matricule": self.agent_number,
            "version_formulaire": self.template_version,
            "champs": self.values,
            "tableaux": self.tables,
            "dates": {k: v.isoformat() if v else None for k, v in self.dates.items()},
            "dates_illisibles": self.unreadable_dates,
            "cases_non_reconnues": self.unrecognised_marks,
            "plusieurs_cases_cochees": self.several_ticked,
            "images_seules": self.pictures,
            "lu_par": self.found_by,
            "absents_du_formulaire": self.not_in_form,
            "identifie_par": self.identified_by,
        }


def clean_text(text: str) -> str:
    """Placeholder sentences removed, odd spaces made plain, outer blanks stripped;
    line breaks inside an answer are kept."""
    if not text:
        return ""
    if _PLACEHOLDER_HINT.search(text):
        for placeholder in PLACEHOLDERS:
            text = text.replace(placeholder, "")
    text = drop_invisible(text)
    # str.split() also splits on non-breaking spaces (U+00A0, U+202F).
    if "\n" not in text and "\r" not in text:
        text = " ".join(text.split())
        return "" if len(text) <= 40 and is_prompt(text) else text
    lines = [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n ").strip()


def _as_bool(text: str) -> bool | str:
    """What a check box's cell says: ``True`` (ticked), ``False`` (empty, or an empty box), or
    the text itself when it is neither, so that validation asks for the box to be ticked
    rather than reading a mark it does not know as « not ticked »."""
    word = normalize_label(text)
    if not word or word in EMPTY_BOX_WORDS:
        return False
    if word in TICK_WORDS or any(c in TICK_MARKS for c in text if not c.isascii()):
        return True
    if all(c in EMPTY_BOX_MARKS or c.isspace() for c in text):
        return False
    return text


class _Index:
    """Where things are in one document: controls by tag and alias, value cells by
    label, tables with their header row; every text computed once."""

    def __init__(self, root):
        self.part = ooxml.PartIndex(root)
        self.by_tag = self.part.by_tag
        self._by_alias: dict[str, list] | None = None
        self._tables = self.part.tables
        self._headers: dict[int, list[str]] = {}
        self._value_cells: dict[str, object] | None = None

    def rows(self, index: int) -> list[list]:
        return self.part.rows(self._tables[index])

    def header(self, index: int) -> list[str]:
        if index not in self._headers:
            first_row = self.rows(index)[0] if self.rows(index) else []
            self._headers[index] = [normalize_label(self.part.cell(tc)) for tc in first_row]
        return self._headers[index]

    @property
    def by_alias(self) -> dict[str, list]:
        """Controls by their alias, as a label is compared; the last resort of a field."""
        if self._by_alias is None:
            self._by_alias = {}
            for alias, controls in self.part.by_alias.items():
                self._by_alias.setdefault(normalize_label(alias), []).extend(controls)
        return self._by_alias

    @property
    def value_cells(self) -> dict[str, object]:
        """Value cells by their label cell's text; built only when a field has lost its
        tag (LibreOffice 7.4, a deleted control): Word's files never need it."""
        if self._value_cells is None:
            self._value_cells = {}
            for label_cell, value_cell in self.part.label_value_cells():
                label = normalize_label(self.part.first_paragraph(label_cell))
                if label and label not in self._value_cells:
                    self._value_cells[label] = value_cell
        return self._value_cells

    def control_value(self, sdt, kind: str) -> Value:
        if kind == "bool":
            state = ooxml.control_checkbox_state(sdt)
            if state is not None:
                return state
        cell = ooxml.enclosing_cell(sdt)
        if cell is not None:
            return self.cell_value(cell, kind)
        text = "\n".join(ooxml.paragraph_text(p) for p in ooxml.iter_paragraphs(sdt))
        return _typed(clean_text(text), kind)

    def cell_value(self, cell, kind: str) -> Value:
        if kind == "bool":
            states = [ooxml.control_checkbox_state(s) for s in ooxml.iter_controls(cell)]
            states = [s for s in states if s is not None]
            if states:
                return any(states)
        return _typed(clean_text(self.part.cell(cell)), kind)

    def read_single(self, kind: str,
                    places: tuple[FieldPlace, ...]) -> tuple[Value, FieldPlace | None, list, object]:
        """The value of a field of ``kind`` at the first of its ``places`` found in the document,
        that place (``None``: none found), the controls holding it, and its value cell (or None)."""
        for place in places:
            if place.kind == "tag":
                controls = self.by_tag.get(place.match)
                if controls:
                    return self.control_value(controls[0], kind), place, controls, ooxml.enclosing_cell(controls[0])
            elif place.kind == "label":
                cell = self.value_cells.get(place.match)
                if cell is not None:
                    return self.cell_value(cell, kind), place, list(ooxml.iter_controls(cell)), cell
            elif place.kind == "alias":
                controls = self.by_alias.get(place.match)
                if controls:
                    return self.control_value(controls[0], kind), place, controls, ooxml.enclosing_cell(controls[0])
            else:
                raise ValueError(f"no reader for a place of kind {place.kind!r}")
        return (False if kind == "bool" else ""), None, [], None

    def read_table(self, place: TablePlace) -> list[dict[str, str]] | None:
        """The rows of the first table whose header row holds ``place``'s labels, by column
        key; ``None`` when no table has them."""
        keys, wanted = list(place.headers), place.matches
        wanted_set = set(wanted)
        for index, tbl in enumerate(self._tables):
            rows = self.rows(index)
            if not rows or len(rows[0]) < len(wanted):
                continue
            labels = self.header(index)
            if not wanted_set <= set(labels):  # same columns, possibly moved or one added
                continue
            # Grid columns, so that merged cells keep each value in its column.
            positions = ooxml.grid_positions if ooxml.has_merged_cells(tbl) else _plain_positions
            column_at = dict(zip(labels, positions(rows[0])))
            result = []
            for cells in rows[1:]:
                texts = {pos: clean_text(self.part.cell(tc))
                         for pos, tc in zip(positions(cells), cells)}
                if [normalize_label(t) for t in texts.values()] == labels:
                    continue  # header repeated (copy-paste, page break)
                row = {key: texts.get(column_at[w], "") for key, w in zip(keys, wanted)}
                if is_a_row(row):
                    result.append(row)
            return result
        return None


# What a manager writes in a table's first row to say there is nothing to list: no row.
_NOTHING_TO_LIST = frozenset({"neant", "aucun", "aucune", "rien", "ras", "sans objet", "pas de besoin",
                              "aucun besoin", "non"})


def is_a_row(row: dict[str, str]) -> bool:
    """Whether a table's row lists something: not empty, nor only « Néant », « Aucun », « RAS »… in one
    of its columns (a table left with that is empty: the note asks for a row, or for its « none » box)."""
    written = [value for value in row.values() if value]
    return bool(written) and not (len(written) == 1 and fold(written[0]).strip(" .!-–") in _NOTHING_TO_LIST)


def _plain_positions(cells: list) -> range:
    return range(len(cells))


def _typed(text: str, kind: str) -> Value:
    return _as_bool(text) if kind == "bool" else text


def _date_control_value(controls: list) -> str | None:
    for sdt in controls:
        iso = ooxml.control_date_value(sdt)
        if iso and not ooxml.control_showing_placeholder(sdt):
            return iso
    return None


def _is_report(index: _Index, rule: Recognition) -> bool:
    """Whether the document shows the signs of a report of its form (see :class:`Recognition`)."""
    if not rule.tags.isdisjoint(index.by_tag):
        return True
    return len(rule.labels.intersection(index.value_cells)) >= rule.min_labels


def _form_version(package, core, marks: VersionMarks) -> str | None:
    """The form version the file says it was made from; ``None`` when it says none."""
    version = ooxml.core_property(core, marks.property) if core is not None and marks.property else None
    if version or marks.in_footer is None:
        return version
    # LibreOffice or a user may have dropped the property: the footer says it too.
    for name in ooxml.footer_parts(package.names()):
        match = marks.in_footer.search(
            " ".join(ooxml.paragraph_text(p) for p in ooxml.iter_paragraphs(package.xml_part(name)))
        )
        if match:
            return match.group(1)
    return None


_pause_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector paused while a report is read on its layout: a read makes
    thousands of objects (a layout's pieces, lines, cells, the reader's index) that all die with
    it, by reference counting, and hold no cycle; collected every 700 of them as they are made,
    the living ones moved to the older generations, they cost up to a millisecond a report in
    collections that find nothing. Nested and threaded reads pause it once; it runs again as before when the last
    one ends."""
    global _pauses, _was_enabled
    with _pause_lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()


_last_template_form: Form | None = None


def _template_form_of(catalogue: Catalogue) -> Form:
    """Our template's form for ``catalogue``, made once for the last catalogue asked for."""
    global _last_template_form
    form = _last_template_form
    if form is None or form.catalogue is not catalogue:
        form = _last_template_form = template_form(catalogue)
    return form


def read_report(path: Path, form: Form | Catalogue, *,
                limits: PackageLimits = PackageLimits(), name: str | None = None) -> Report:
    """Read one returned report by ``form`` (``Config.form``). A catalogue is short for its own
    template's form (:func:`~pipeline.form.template_form`), for tests and scripts. Raises an
    UnreadableReport subclass when it cannot, whose message names the file as ``name`` (the
    name it was received under), else its own.

    Our template's .docx is read here, on its XML (the fast path); a copy of an employer's form
    (.docx or .odt) and our template saved as an .odt are read on their layout by
    :func:`pipeline.employer_read.read_layout`."""
    if isinstance(form, Catalogue):
        form = _template_form_of(form)
    path = Path(path)
    name = name or path.name
    with open_document(path, limits=limits) as package:
        if package.format != "docx" or form.version.startswith(FINGERPRINT_PREFIX):
            # An employer's form (.docx or .odt), or our template saved as an .odt: read on its layout.
            from .employer_read import read_layout
            from .layout import layout_of

            with collector_paused():
                return read_layout(layout_of(package), form, path=path, name=name)
        root = package.xml_part(package.main_part)
        index = _Index(root)
        if not _is_report(index, form.recognition):
            raise NotAReport.because(name=name)
        core = package.xml_part(ooxml.CORE_PART) if package.has_part(ooxml.CORE_PART) else None
        version = _form_version(package, core, form.version_marks)
        if version and version != form.version:
            raise WrongTemplateVersion.because(name=name, found=version, current=form.version)
        report = Report(path=path, values={}, tables={}, template_version=version)
        for f in form.catalogue.fields:
            if f.kind == "table":
                place = form.tables.get(f.key)
                rows = index.read_table(place) if place is not None else None
                if rows is None:
                    report.not_in_form.append(f.key)
                    rows = []
                report.tables[f.key] = rows
                continue
            value, found_at, controls, cell = index.read_single(f.kind, form.places.get(f.key, ()))
            if f.kind == "text" and not str(value).strip() and cell is not None and ooxml.holds_picture(cell):
                report.pictures.append(f.key)  # a scanned signature pasted in, with no name typed
            if found_at is None:
                report.not_in_form.append(f.key)
            else:
                report.found_by[f.key] = found_at.kind
            if f.kind == "date":
                iso = _date_control_value(controls)
                _read_date(report, f, iso or value)
            if f.kind == "bool" and isinstance(value, str):  # a mark no one can be sure of
                report.unrecognised_marks[f.key] = value
                value = False
            report.values[f.key] = value
        identity = form.identity
        _identify(report, identity, ooxml.core_property(core, identity.identifier_property)
                  if core is not None and identity.identifier_property else None)
    return report


def _read_date(report: Report, f: Field, text: Value) -> None:
    try:
        report.dates[f.key] = parse_date(str(text) if text else None)
    except UnreadableDate as exc:
        report.dates[f.key] = None
        report.unreadable_dates[f.key] = exc.message


def _identify(report: Report, identity: Identity, core_identifier: str | None) -> None:
    """Report identifier from its field, else the document properties; campaign and
    agent number from it, else from their own fields (the fields ``identity`` names)."""
    in_field = normalize_identifier(str(report.values.get(identity.identifier_field) or ""))
    identifier = in_field or (normalize_identifier(core_identifier) if core_identifier else None)
    report.report_id = identifier
    campaign = normalize_identifier(str(report.values.get(identity.campaign_field) or ""))
    number = normalize_identifier(str(report.values.get(identity.agent_number_field) or ""))
    if identifier and "-" in identifier:
        # The identifier wins: it was written by `generate`, the fields can be retyped.
        id_campaign, _, id_number = identifier.partition("-")
        campaign = id_campaign or campaign
        number = id_number or number
    report.campaign = campaign or None
    report.agent_number = number or None
    if not report.report_id and campaign and number:
        report.report_id = f"{campaign}-{number}"
    if report.agent_number:
        report.identified_by = (BY_IDENTIFIER_FIELD if in_field and "-" in in_field else
                                BY_PROPERTY if identifier and "-" in identifier else BY_AGENT_NUMBER)
