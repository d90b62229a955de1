"""``entretiens formulaire importer``: an employer's blank form read into formulaire.yaml.

An HR department uses its own model of the compte rendu (.docx or .odt, tables and labelled lines,
boxes, grids). :func:`import_form` reads the blank model and writes the mapping HR corrects and
config.yaml's ``formulaire`` names (pipeline/employer_form.py's schema): for each catalogue field,
where the form holds it; the catalogue adapted to the form (labels as printed, the employer's own
scales, the form's own fields proposed as additions, the fields it does not hold relaxed); the
form's fingerprint. It works in four steps, on the format-neutral :class:`~pipeline.layout.Layout`:

1. **Places offered by the page** (:func:`candidates`). The layout is walked in reading order (the
   reader's: paragraphs, then each table row by row), keeping the part of the form each line is in
   (a title: a heading, a numbered line in capitals, a line in capitals, a table's title row) and the
   heading of a group of lines (« Évaluateur (supérieur hiérarchique direct) »). Each place where a
   value goes becomes a :class:`Candidate`: a label followed by a colon and an empty zone (leader
   dots, a tab, the line's end: ``after_label``, the next label on the line as ``until``); a label,
   a title or an instruction followed by lines of leaders only (``below_label``); a label cell with
   an empty cell to its right or below it (``cell``; one per value column, with the column's header,
   when a row has several: « AGENT ÉVALUÉ » / « SUPÉRIEUR HIÉRARCHIQUE DIRECT »); boxes (☐, □,
   « [ ] », a check box field) on one line, a choice, with the question before them (``boxes``), or
   one a line, each its own yes/no field (``box``); a grid's row of empty cells under choice headers
   (« A B C D »), one per sub-row (« par l'agent », « par l'évaluateur »: ``grid``); a table whose
   header row is followed by empty rows (``table``, its box columns' options and the legend printed
   under it: « Types : intégration — professionnalisation … »); a legacy form field or a content
   control (``form_field``). A generic label (« Nom », « Date », « Nom et prénom ») keeps the column
   header or group heading it is printed under as its ``context``.
2. **Matching** (:func:`match`). Texts are compared as administrations word them: accents, case,
   numbering (« 3.1 », « a) », « II. »), colons and leaders, words in brackets, plurals and small
   words do not count; « N+1 », « SHD », « supérieur hiérarchique direct » are « évaluateur »,
   « AIPN », « autorité territoriale », « directeur » are « autorité ». A field's texts are its label,
   the catalogue's :data:`~pipeline.catalogue.SYNONYMS` and its roster columns; a candidate's, its
   label, and its context before it for a generic label. Similarity is rapidfuzz's (ratio and
   token-sort ratio), or the share of words when one wording holds all the other's words; it is
   weighed by the kind of place (a date needs a value place, a choice boxes or a grid, a table a
   table), by whose field it is (a label under « SUPÉRIEUR HIÉRARCHIQUE DIRECT » is not the agent's
   grade) and by the form's part; the catalogue's criteria are matched strictly (an employer's own
   criteria are its own fields). Pairs are taken best first, each field and each place once, above
   :data:`MIN_SCORE`; the score is the place's ``confiance``.
3. **The mapping** (:func:`build_mapping`): each place as formulaire.yaml says it (``section`` and
   ``occurrence`` where its label is printed more than once), the labels as printed, the employer's
   own scales, the form's places no field took as additions (key made from the label, kind guessed:
   a date from « Date … », a choice from boxes, a yes/no from one box, text otherwise; the section
   of the catalogue fields printed in the same part), the required fields the form lacks made
   optional (so that no report is turned away for a field its form does not have), the others listed
   for HR to retire. It is then **checked with the reader** (:func:`check_with_reader`): a value is
   written in each place of a copy of the layout, the copy is read by
   :func:`pipeline.employer_read.read_layout` following the mapping, and a place that does not give
   back its own value is tried under its part, its group's heading, then by occurrence.
4. **formulaire.yaml** (:func:`render`), in French, commented above each part and each doubtful
   place, and the French :meth:`ImportResult.summary` the command prints.

A file that is not a form (a letter, a spreadsheet, an encrypted file, a .doc, a form in which none
of the regulatory parts is found) raises :class:`FormNotImportable`, in French. An existing output
file is never replaced: the mapping is written beside it under a dated name.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalogue import (AGENT_NUMBER, CAMPAIGN, EVALUATOR, EVALUATOR_SIGNATURE_DATE, FIRST_NAME, LAST_NAME,
                        NEXT_OBJECTIVES, NO_TRAINING_NEED, REPORT_ID, REVIEW_DATE, ROLE_KEYS, TRAINING_NEEDS,
                        Catalogue, Field, apply_overrides)
from .employer_form import FINGERPRINT_PREFIX
from .layout import Cell, Layout, Line, Piece, Table
from .outcomes import EntretiensError
from .text import INVISIBLE, fold, normalize_label

#: Below this score a place is not given to a field (it is proposed as an addition instead).
MIN_SCORE = 0.72
#: Below this confidence a place is marked « à vérifier » in formulaire.yaml and the summary.
SURE = 0.85
#: How many other ways of saying a place the check tries, for one place and in all (a read each).
MAX_TRIALS_A_PLACE, MAX_TRIALS = 12, 60
#: Fewer of the regulatory parts (:data:`REGULATORY_PARTS`) than this: not a form.
MIN_PARTS = 3
#: The parts every model of the compte rendu has, and the catalogue fields that show each one.
REGULATORY_PARTS = {
    "l'identité de l'agent et de l'évaluateur": (LAST_NAME, FIRST_NAME, EVALUATOR),
    "la date de l'entretien": (REVIEW_DATE,),
    "les objectifs de l'année à venir": (NEXT_OBJECTIVES,),
    "la manière de servir (critères d'appréciation)": ("competences", "contribution", "qualites_relationnelles",
                                                        "capacite_encadrement", "appreciation_generale"),
    "les besoins de formation": (TRAINING_NEEDS, NO_TRAINING_NEED),
    "les perspectives d'évolution professionnelle": ("perspectives_carriere", "perspectives_mobilite"),
    "les signatures": ("signature_evaluateur", EVALUATOR_SIGNATURE_DATE),
}
OUTPUT_NAME = "formulaire.yaml"


class FormNotImportable(EntretiensError):
    """The model cannot be mapped: not a form (a letter, a spreadsheet, an encrypted file, a .doc),
    or no regulatory part found. ``message``: what is wrong and what to do, in French."""

    code = "formulaire_non_importable"


# ---------------------------------------------------------------------------------------------
# Text: how labels are compared.
# ---------------------------------------------------------------------------------------------

_DROP = dict.fromkeys(map(ord, INVISIBLE))
# Leader dots, underscores, ellipses: the zone a value is written in.
_LEADERS = r"(?:[.…·_] ?){3,}|_{2,}|…{2,}"
_LEADER_RE = re.compile(_LEADERS)
# A box as printed on a blank (and filled) form: « [ ] », « [X] », « ( ) », a glyph, a Wingdings symbol.
_BOX_RE = re.compile(r"\[\s?[xX✗✘✓✔]?\s?\]|\(\s?\)|[☐☒☑✗✘□■❏❑◻◼▢][\ufe0e\ufe0f]?"
                     r"|[\uf06f\uf0a8\uf0fe\uf078\uf0fd\uf072]")
# A numbering before a label: « 3.1 », « 2. », « a) », « II - », « IV. ».
_NUMBERING_RE = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*\s*[.)°\-–—]?|[ivxlc]{1,5}\s*[.)\-–—]|[a-z]\s*[.)])\s+",
                           re.IGNORECASE)
_SMALL_WORDS = frozenset("""a au aux avec ce ces cet cette d dans de des du en et il elle l la le les leur ou par pour
    qu que qui s sa se ses son sur un une y est sont""".split())
# Whose a field or a place is: the agent's, the evaluator's, the authority's (on folded text).
_ROLE_PHRASES = (
    (re.compile(r"\bsuperieure?s? hierarchiques? (?:directe?|de proximite|immediate?)\b"), " evaluateur "),
    (re.compile(r"\bresponsables? hierarchiques?(?: directe?)?\b"), " evaluateur "),
    (re.compile(r"\bsuperieure?s? hierarchiques?\b"), " evaluateur "),
    (re.compile(r"\bshd\b"), " evaluateur "),
    (re.compile(r"(?<!annee )\bn ?\+ ?1\b"), " evaluateur "),
    (re.compile(r"\bevaluat(?:eur|rice)s?\b"), " evaluateur "),
    (re.compile(r"\bautorites? (?:territoriale|hierarchique|investie du pouvoir de nomination|de nomination)\b"),
     " autorite "),
    (re.compile(r"\baipn\b|\bdirect(?:eur|rice)s?\b|\ble maire\b|\bpresident\b"), " autorite "),
    (re.compile(r"\bagents? evalue(?:e|s|es)?\b|\bfonctionnaires?\b|\binteresse(?:e)?\b"), " agent "),
    (re.compile(r"\bnb\b|\bnbre\b"), " nombre "),
    (re.compile(r"\bn ?[°o]\b"), " numero "),
    (re.compile(r"\bcpf\b"), " compte personnel formation "),
)
_ROLE_TOKENS = {"evaluateur": "evaluateur", "autorite": "autorite", "visa": "autorite", "agent": "agent"}
# Labels that do not say whose or what date they are: compared with the heading they are under.
_GENERIC_WORDS = frozenset("""nom prenom date signature fonction fonctions grade qualite service direction corps
    echelon emploi emplois cadre poste intitule visa lieu fait""".split())


def clean(text: str) -> str:
    """``text`` as printed, without invisible characters, in NFC."""
    return unicodedata.normalize("NFC", text.translate(_DROP)) if not text.isascii() else text


@functools.lru_cache(maxsize=16384)
def bare(text: str) -> str:
    """A label without its numbering, trailing colon, leaders, boxes and asterisk: « 3.1 Nom : ... » ->
    « Nom »."""
    text = _LEADER_RE.sub(" ", clean(text).replace("\t", " "))
    text = _BOX_RE.sub(" ", text)
    text = " ".join(text.split()).strip(" :*?").lstrip("—–-•· ")
    return _NUMBERING_RE.sub("", text, count=1).strip(" :*") if _NUMBERING_RE.match(text) else text


@functools.lru_cache(maxsize=16384)
def core(text: str) -> str:
    """:func:`bare`, its words in brackets left out: « Résultat (cocher) » -> « Résultat »."""
    without = re.sub(r"\s*\([^)]*\)", " ", bare(text))
    return " ".join(without.split()).strip(" :,") or bare(text)


@functools.lru_cache(maxsize=16384)
def tokens(text: str) -> tuple[str, ...]:
    """The words that tell a label, as compared: folded, roles and abbreviations read, small words and
    plurals dropped. « Nom et prénom du N+1 : » -> ``("nom", "prenom", "evaluateur")``."""
    folded = " " + fold(clean(text)).replace("’", "'").replace("'", " ") + " "
    for pattern, replacement in _ROLE_PHRASES:
        folded = pattern.sub(replacement, folded)
    words = []
    for word in re.findall(r"[a-z0-9]+", folded):
        if word in _SMALL_WORDS:
            continue
        if len(word) > 3 and word[-1] in "sx" and not word.endswith("ss"):
            word = word[:-1]
        if len(word) > 4 and word.endswith("ee"):
            word = word[:-1]
        words.append(word)
    return tuple(words)


def similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """How alike two wordings are (:func:`tokens`), 0 to 1: rapidfuzz's ratio or token-sort ratio, or,
    when one holds every word of the other (two words at least), the share of its words."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    from rapidfuzz import fuzz

    first, second = " ".join(a), " ".join(b)
    score = max(fuzz.ratio(first, second), fuzz.token_sort_ratio(first, second)) / 100
    small, large = sorted((set(a), set(b)), key=len)
    if len(small) >= 2 and small < large:
        score = max(score, 0.78 + 0.12 * len(small) / len(large) + 0.03 * min(len(small), 4))
    return score


def role_of(text: str | None) -> str | None:
    """Whose a text speaks of: « evaluateur », « autorite » (a visa), « agent »; ``None`` for no one's
    or several's (« Identification de l'agent et de l'évaluateur »)."""
    found = {_ROLE_TOKENS[t] for t in tokens(text or "") if t in _ROLE_TOKENS}
    return found.pop() if len(found) == 1 else None


@functools.lru_cache(maxsize=16384)
def is_generic(label: str) -> bool:
    """A label that does not say whose it is (« Nom », « Date », « Nom et prénom », « Signature »)."""
    words = tokens(core(label))
    return not words or all(word in _GENERIC_WORDS for word in words)


@functools.lru_cache(maxsize=16384)
def printed(text: str) -> str:
    """A label as printed, numbering kept: spacing collapsed, trailing colon, leaders and asterisk gone."""
    text = _LEADER_RE.sub(" ", clean(text).replace("\t", " "))
    return " ".join(text.split()).strip(" :*").lstrip("—–-•· ")


def sentence(text: str) -> str:
    """A title in capitals as a label: « 5. OBJECTIFS FIXÉS POUR L'ANNÉE » -> « Objectifs fixés pour l'année »."""
    text = bare(text)
    if _capitals(text):
        text = text[:1].upper() + text[1:].lower()
    return text


def slug(text: str, *, words: int = 4) -> str:
    """A catalogue key made from a label: « Date d'entrée dans le grade » -> ``date_entree_grade``."""
    kept = [w for w in re.findall(r"[a-z0-9]+", fold(core(text)).replace("'", " ")) if w not in _SMALL_WORDS]
    key = "_".join(kept[:words])[:40].strip("_")
    return key if key and key[0].isalpha() else f"champ_{key}" if key else "champ"


def _capitals(text: str) -> bool:
    letters = [c for c in re.sub(r"\([^)]*\)", "", text) if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def _is_title_text(text: str, line: Line | None = None) -> bool:
    """A heading, a numbered line in capitals (« 3. VALEUR PROFESSIONNELLE »), or a short line in
    capitals (« IDENTIFICATION DE L'AGENT »)."""
    text = clean(text).strip()
    if not text or _BOX_RE.search(text) or _LEADER_RE.search(text) or text.endswith(":"):
        return bool(line is not None and line.heading and text and not text.endswith(":"))
    if line is not None and line.heading:
        return True
    return _capitals(text) and len(text) <= 160


def _is_value_line(line: Line) -> bool:
    """A line where a value is written on the blank form: leaders, tabs, underscores, nothing else."""
    text = clean(line.text)
    if not any(p.kind == "tab" for p in line.pieces) and not _LEADER_RE.search(text):
        return False
    return not _LEADER_RE.sub("", text).replace("\t", "").strip()


def _text_of(cell: Cell | None) -> str:
    return clean(cell.text).strip() if cell is not None else ""


# ---------------------------------------------------------------------------------------------
# Candidates: the places a blank form offers.
# ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Candidate:
    """One place of the form where a value is written. ``label``: the text the place names (as
    printed: what the reader looks for); ``title``: the part of the form it is in; ``context``: the
    column header or group heading it is printed under (``context_kind`` « column » or « heading »);
    ``line``: its label's line in reading order. The rest depends on ``kind`` (see the module)."""

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
    field_name: str | None = None  # form_field
    field_kind: str | None = None  # form_field: text, date, dropdown
    choices: list[str] = field(default_factory=list)  # form_field: a drop-down's entries
    control: bool = False  # form_field: a content control (tag), not a legacy form field
    criteria: bool = False  # one of several lines or rows rated on the same scale
    management: bool = False  # a criterion under a heading about management (encadrement)
    self_assessment: bool = False  # grid: the agent's own row
    handwritten: bool = False  # a « Signature » line: seen on paper, not typed
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


class _Walk:
    """One walk of a layout in reading order, collecting :class:`Candidate` places."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.index = {id(line): i for i, (line, _) in enumerate(layout.lines())}
        self.found: list[Candidate] = []
        self.title: str | None = None
        self.heading: str | None = None  # a group heading under the title
        self.question: str | None = None  # a line ending with « : » before boxes
        self.table_title: str | None = None  # the line before a table
        self.column_context: str | None = None  # the header over the cell being read

    # -- paragraphs ---------------------------------------------------------------------------------

    def blocks(self, blocks: list, cell: Cell | None = None, table: Table | None = None) -> None:
        i = 0
        while i < len(blocks):
            block = blocks[i]
            if isinstance(block, Table):
                legend_lines = self.table(block, following=blocks[i + 1:])
                i += 1 + legend_lines
                self.table_title = self.question = None
                continue
            i = self.line(blocks, i, cell, table)

    def line(self, blocks: list, i: int, cell: Cell | None, table: Table | None) -> int:
        line = blocks[i]
        text = clean(line.text)
        number = self.index.get(id(line), -1)
        if not text.strip() or _is_value_line(line):
            return i + 1
        zone = 0
        while i + 1 + zone < len(blocks) and isinstance(blocks[i + 1 + zone], Line) and \
                _is_value_line(blocks[i + 1 + zone]):
            zone += 1
        following = blocks[i + 1 + zone] if i + 1 + zone < len(blocks) else None
        fields = [p for p in line.pieces if p.kind == "field" and p.field_kind in ("text", "date", "dropdown")]
        if fields:
            self.form_fields(line, fields, cell, table)
            return i + 1
        if cell is None and _is_title_text(text, line) or line.heading:
            self.set_title(text)
            if zone:
                self.add(Candidate("below_label", printed(text), number, mark={"below": (blocks, line)}))
            return i + 1 + zone
        if _BOX_RE.search(text):
            return self.box_lines(blocks, i, cell, table)
        labels = _inline_labels(line)
        if labels:
            last_alone = len(labels) == 1 and not clean(labels[0][2]).strip(" .…_\t")
            if last_alone and zone:
                self.add(Candidate("below_label", labels[0][0], number, mark={"below": (blocks, line)}))
                return i + 1 + zone
            if last_alone and isinstance(following, Line) and _starts_with_box(following):
                self.question = bare(labels[0][0])
                return i + 1
            if last_alone and isinstance(following, Table) and cell is None:
                self.table_title = labels[0][0]
                return i + 1
            for n, (label, offset, _) in enumerate(labels):
                until = bare(labels[n + 1][0]) if n + 1 < len(labels) else None
                self.add(Candidate("after_label", bare(label), number, until=until,
                                   handwritten=_is_signature(label), mark={"after": (line, offset)}))
            return i + 1
        # A line without a colon: a label over lines to write on, a question, a table's title, a heading.
        if zone:
            self.add(Candidate("below_label", printed(text), number, mark={"below": (blocks, line)}))
            return i + 1 + zone
        if isinstance(following, Line) and _starts_with_box(following) and len(text.split()) <= 25:
            self.question = bare(text)
            return i + 1
        if isinstance(following, Table) and cell is None:
            self.table_title = text.strip()
            return i + 1
        if cell is None and len(text.split()) <= 15 and not text.rstrip().endswith("."):
            self.heading = text.strip()
        return i + 1

    def set_title(self, text: str) -> None:
        self.title, self.heading, self.question, self.table_title = clean(text).strip(), None, None, None

    def add(self, candidate: Candidate) -> Candidate:
        candidate.title = candidate.title or self.title
        if candidate.context is None and candidate.kind != "table":
            if self.column_context:
                candidate.context, candidate.context_kind = self.column_context, "column"
            elif self.heading:
                candidate.context, candidate.context_kind = self.heading, "heading"
        self.found.append(candidate)
        return candidate

    def form_fields(self, line: Line, fields: list[Piece], cell: Cell | None, table: Table | None) -> None:
        before, label = "", None
        for piece in line.pieces:
            if piece in fields:
                label = bare(before) or piece.alias or (self.left_label(cell, table) if cell else None) or \
                    piece.name or ""
                self.add(Candidate("form_field", label, self.index.get(id(line), -1), field_name=piece.name,
                                   field_kind=piece.field_kind, choices=[c for c in piece.choices if c.strip()],
                                   control=self.layout.format == "docx" and piece.alias is not None,
                                   mark={"piece": piece}))
                before = ""
            else:
                before += piece.shown

    def left_label(self, cell: Cell, table: Table | None) -> str | None:
        if table is None or cell.column == 0:
            return None
        left = table.cell_at(cell.row, cell.column - 1)
        return bare(_text_of(left)) or None if left is not None and left is not cell else None

    # -- boxes --------------------------------------------------------------------------------------

    def box_lines(self, blocks: list, i: int, cell: Cell | None, table: Table | None) -> int:
        """A line with boxes: a choice when they are on one line, one yes/no field a box when each
        has its line (a list of wishes); the labels after the boxes (« — lequel : … ») too."""
        first = blocks[i]
        pre, options, post = _boxes(first)
        question = bare(pre) or self.question or (self.left_label(cell, table) if cell else None)
        if len(options) >= 2 or bare(pre):
            candidate = Candidate("boxes", bare(pre) or question or "", self.index.get(id(first), -1),
                                  question=question, options=[o for o, _ in options],
                                  mark={"ticks": [(first, offset) for _, offset in options]})
            self.add(candidate)
            self.after_boxes(first, post)
            self.question = None
            return i + 1
        j = i
        while j < len(blocks) and isinstance(blocks[j], Line) and _starts_with_box(blocks[j]):
            line = blocks[j]
            _, found, post = _boxes(line)
            if len(found) != 1:
                break
            (text, offset), = found
            self.add(Candidate("box", question or "", self.index.get(id(line), -1), question=question,
                               options=[text], mark={"ticks": [(line, offset)]}))
            self.after_boxes(line, post)
            j += 1
        self.question = None
        return max(j, i + 1)

    def after_boxes(self, line: Line, post: int | None) -> None:
        if post is None:
            return
        labels = _inline_labels(line, start=post)
        option = _boxes(line)[1][-1][0] if _boxes(line)[1] else None
        for n, (label, offset, _) in enumerate(labels):
            until = bare(labels[n + 1][0]) if n + 1 < len(labels) else None
            self.add(Candidate("after_label", bare(label), self.index.get(id(line), -1), until=until,
                               question=option if label[:1].islower() else None, mark={"after": (line, offset)}))

    # -- tables -------------------------------------------------------------------------------------

    def table(self, table: Table, following: list) -> int:
        """Candidates of one table; returns how many of the ``following`` lines were its legend."""
        rows = table.rows
        start = 0
        while start < len(rows) and _title_row(table, start) and _is_title_text(_text_of(rows[start][0])):
            self.set_title(_text_of(rows[start][0]))
            start += 1
        if _grid(self, table, start):
            return 0
        header = _data_header(table, start)
        if header is not None:
            if header > start and _title_row(table, start):
                self.table_title = _text_of(rows[start][0])
            return self.data_table(table, header, following)
        self.cells(table, start)
        return 0

    def data_table(self, table: Table, header: int, following: list) -> int:
        cells = [c for c in table.rows[header] if c.row == header]
        headers = [bare(_text_of(c)) for c in cells]
        body = _own_row(table, header + 1)
        boxes: dict[int, list[str]] = {}
        ticks: dict[int, list] = {}
        for n, cell in enumerate(cells):
            under = next((c for c in body if c.column == cell.column), None)
            found = [(line, o) for line in (under.lines if under else []) for o in _boxes(line)[1]]
            if found:
                boxes[n] = [text for _, (text, _) in found]
                ticks[n] = [(line, offset) for line, (_, offset) in found]
        title = self.table_title or self.title
        candidate = Candidate("table", title or " / ".join(headers), self.index.get(id(cells[0].lines[0]), -1)
                              if cells[0].lines else -1, headers=headers, box_columns=boxes,
                              mark={"cells": {n: next((c for c in body if c.column == cell.column), None)
                                              for n, cell in enumerate(cells)}, "ticks": ticks})
        self.add(candidate)
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

    def cells(self, table: Table, start: int) -> None:
        """A table of labels and values: each label cell with its empty value cell(s), or holding its
        own labelled lines and boxes; the cells under a header row (« AGENT ÉVALUÉ », « L'évaluateur »)
        read with that header."""
        header = _header_row(table, start)
        for r in range(start, len(table.rows)):
            if r == header:
                continue
            for cell in [c for c in table.rows[r] if c.row == r]:
                text = _text_of(cell)
                inner = [b for b in cell.blocks if isinstance(b, Table)]
                if not text and not inner:
                    continue
                if _title_row(table, r) and _is_title_text(text):
                    self.set_title(text)
                    continue
                lines = [line for line in cell.lines if clean(line.text).strip()]
                self.column_context = _header_over(table, header, cell) if header is not None and r > header else None
                try:
                    if inner or len(lines) != 1 or _BOX_RE.search(text) or _inline_labels(lines[0]) \
                            or any(p.kind == "field" for p in lines[0].pieces):
                        self.blocks(cell.blocks, cell, table)
                        continue
                    self.label_cell(table, cell, text, header)
                finally:
                    self.column_context = None

    def label_cell(self, table: Table, cell: Cell, text: str, header: int | None) -> None:
        number = self.index.get(id(cell.lines[0]), -1)
        values = []
        column = cell.column + cell.column_span
        while column < table.grid_columns:
            right = table.cell_at(cell.row, column)
            if right is None or right.row != cell.row or _text_of(right) or \
                    any(isinstance(b, Table) for b in right.blocks):
                break
            values.append(right)
            column = right.column + right.column_span
        if values:
            headers = [_header_over(table, header, v) if header is not None and cell.row > header else None
                       for v in values]
            several = len(values) >= 2 and len({h for h in headers if h}) == len(values)
            for value, over in zip(values if several else values[:1], headers if several else headers[:1]):
                self.add(Candidate("cell", printed(text), number, column=over if several else None,
                                   context=over, context_kind="column" if over else None, mark={"cell": value}))
            return
        below = table.cell_at(cell.row + cell.row_span, cell.column)
        if below is not None and below.row == cell.row + cell.row_span and not _text_of(below) and \
                not _is_column_header(table, cell):
            self.add(Candidate("cell", printed(text), number, direction="below", mark={"cell": below}))


def _is_signature(label: str) -> bool:
    return tokens(core(label))[:1] == ("signature",)


def _starts_with_box(line: Line) -> bool:
    match = _BOX_RE.search(clean(line.text))
    return bool(match) and not clean(line.text)[:match.start()].strip()


def _boxes(line: Line) -> tuple[str, list[tuple[str, int]], int | None]:
    """The text before the first box, each box's text and position, and where the text after the
    last box's own words begins (``None`` when nothing follows)."""
    text = clean(line.text)
    matches = list(_BOX_RE.finditer(text))
    if not matches:
        return text, [], None
    options, post = [], None
    for n, match in enumerate(matches):
        end = matches[n + 1].start() if n + 1 < len(matches) else len(text)
        rest = text[match.end():end]
        stop = re.search(r"\t| {3,}|\s[—–]\s|:|" + _LEADERS, rest)
        option = rest[:stop.start()] if stop else rest
        options.append((" ".join(option.split()).strip(" ,;"), match.start()))
        if n + 1 == len(matches) and stop and rest[stop.start():].strip(" \t—–-:.…_"):
            post = match.end() + stop.start()
    return text[:matches[0].start()], [o for o in options if o[0]], post


def _inline_labels(line: Line, start: int = 0) -> list[tuple[str, int, str]]:
    """The labels of a line followed by a colon and a place to write (leaders, a tab, the line's end):
    each label (bare), the position just after its colon, and what follows up to the next label."""
    text = clean(line.text)
    found = []
    for match in re.finditer(r"(?:^|\t|" + _LEADERS + r"| {2,}|\s[—–]\s)\s*(?P<label>[^\t:…]{1,150}?)"
                             r"\s*(?::(?!\S)|(?=\t|" + _LEADERS + r"))", text[start:]):
        label = match.group("label")
        if _LEADER_RE.search(label) or _BOX_RE.search(label):
            continue
        end = start + match.end()
        after = text[end:]
        zone = re.match(r"\s*(?:\t|" + _LEADERS + r"|…|-{3,}|$)", after)
        if after.strip() and not zone:
            continue  # « T1 : adaptation immédiate au poste » : a legend, not a label
        if not match.group().rstrip().endswith(":"):  # no colon: the value goes after the leaders
            end += zone.end()
        found.append((printed(label), end, after))
    return [f for f in found if re.search(r"[^\W\d_]", bare(f[0])) and len(f[0].split()) <= 16
            and (bare(f[0])[0].isupper() or bare(f[0])[0].isdigit() or start > 0)]


def _title_row(table: Table, r: int) -> bool:
    own = [c for c in table.rows[r] if c.row == r]
    return len(own) == 1 and own[0].column_span >= table.grid_columns and table.grid_columns > 1 \
        or len(own) == 1 and table.grid_columns == 1 and _is_title_text(_text_of(own[0]))


def _own_row(table: Table, r: int) -> list[Cell]:
    return [c for c in table.rows[r] if c.row == r] if r < len(table.rows) else []


def _data_header(table: Table, start: int) -> int | None:
    """The header row of a table of rows to fill (objectives, training): two labelled columns at
    least, the row under it empty (or boxes only)."""
    for r in range(start, min(start + 2, len(table.rows))):
        own = _own_row(table, r)
        if len(own) < 2 or not all(_text_of(c) for c in own):
            continue
        below = _own_row(table, r + 1)
        if below and all(not _text_of(c) or _only_boxes(c) for c in below) and \
                any(not _text_of(c) for c in below):
            return r
    return None


def _only_boxes(cell: Cell) -> bool:
    text = _text_of(cell)
    return bool(_BOX_RE.search(text)) and all(_boxes(line)[1] and not bare(_boxes(line)[0])
                                              for line in cell.lines if clean(line.text).strip())


def _header_row(table: Table, start: int) -> int | None:
    """The row of column headers over the rest of a table of labels and values (« AGENT ÉVALUÉ »,
    « SUPÉRIEUR HIÉRARCHIQUE DIRECT »; « L'évaluateur », « L'agent »): its first row under the titles,
    with two headers at least, no box, no colon, other rows under it."""
    own = _own_row(table, start)
    texts = [_text_of(c) for c in own]
    if start + 1 >= len(table.rows) or sum(1 for t in texts if t) < 2:
        return None
    if any(p.kind == "field" for c in own for line in c.lines for p in line.pieces):
        return None  # a value's place: a row of the table
    if any(_BOX_RE.search(t) or t.endswith(":") or len(t) > 60 for t in texts):
        return None
    if any(texts[n] and not texts[n + 1] for n in range(len(texts) - 1)):
        return None  # a label with its empty value cell: a row of the table, not its headers
    return start


def _header_over(table: Table, header: int, cell: Cell) -> str | None:
    above = table.cell_at(header, cell.column)
    return _text_of(above) or None if above is not None and above.row == header else None


def _is_column_header(table: Table, cell: Cell) -> bool:
    """A cell heading the column under it, the rows under it having their own labels to the left."""
    if cell.column == 0:
        return False
    below = _own_row(table, cell.row + cell.row_span)
    return any(c.column < cell.column and _text_of(c) for c in below)


def _grid(walk: _Walk, table: Table, start: int) -> bool:
    """A grid of criteria: a header row of short choices (« A B C D », « Excellent … ») over columns
    left empty, each criterion row with its label to the left (and sub-rows: « par l'agent », « par
    l'évaluateur »). Adds its candidates and returns True when the table is one."""
    for h in range(start, min(start + 3, len(table.rows) - 2)):
        rows = [r for r in range(h + 1, len(table.rows)) if not _title_row(table, r)]
        columns, options = [], []
        for cell in _own_row(table, h):
            text = _text_of(cell)
            if cell.column == 0 or not text or len(text) > 20 or _BOX_RE.search(text):
                continue
            empty = sum(1 for r in rows if not _text_of(_own_cell(table, r, cell.column)))
            if rows and empty >= 0.8 * len(rows):
                columns.append(cell.column)
                options.append(bare(text))
        if len(columns) < 2 or any(role_of(o) for o in options) or len(columns) == 2 and max(map(len, options)) > 3:
            continue  # the columns of the agent and of the evaluator, not choices
        labelled = [r for r in rows if any(_text_of(c) for c in _own_row(table, r) if c.column < min(columns))]
        if len(labelled) < 2:
            continue
        group = None
        for r in range(h + 1, len(table.rows)):
            own_r = _own_row(table, r)
            if _title_row(table, r):
                text = _text_of(own_r[0])
                if _is_title_text(text):
                    walk.set_title(text)
                    group = None
                else:
                    group = text
                continue
            criterion = table.cell_at(r, 0)
            if criterion is None or not _text_of(criterion) or criterion.column + criterion.column_span > min(columns):
                continue
            sub = [c for c in own_r if criterion.column + criterion.column_span <= c.column < min(columns)
                   and _text_of(c)]
            row_text = bare(_text_of(sub[0])) if sub else None
            if criterion.row != r and row_text is None:
                continue
            ticks = {option: _own_cell(table, r, col) for option, col in zip(options, columns)}
            walk.add(Candidate("grid", printed(_text_of(criterion)), walk.index.get(id(criterion.lines[0]), -1),
                               row=row_text, options=options, criteria=True, context=group,
                               context_kind="heading" if group else None, management="encadr" in fold(group or ""),
                               self_assessment=role_of(row_text) == "agent", mark={"grid": ticks}))
        return True
    return False


def _own_cell(table: Table, row: int, column: int) -> Cell | None:
    cell = table.cell_at(row, column)
    return cell if cell is not None and cell.row == row else None


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


def candidates(layout: Layout) -> list[Candidate]:
    """Every place of the form where a value is written, in reading order (see the module)."""
    walk = _Walk(layout)
    walk.blocks(layout.blocks)
    found = walk.found
    _mark_criteria(found)
    return found


def _mark_criteria(found: list[Candidate]) -> None:
    """Box lines rated on a scale that three lines or more share are criteria; a criterion under a
    heading about management (« encadrement ») is one of a manager's."""
    scales: dict[tuple[str, ...], int] = {}
    for c in found:
        if c.kind == "boxes":
            key = tuple(fold(o) for o in c.options)
            scales[key] = scales.get(key, 0) + 1
    shared = [set(scale) for scale, count in scales.items() if count >= 3]
    for c in found:
        if c.kind == "boxes" and any(scale <= {fold(o) for o in c.options} for scale in shared):
            c.criteria = True
            c.management = c.management or "encadr" in fold(c.context or "")


def form_labels(found: list[Candidate]) -> list[str]:
    """The labels of a form's places in reading order, as printed: each place's label, its column
    header, sub-row and choices, each table's headers. Never what is written in them: they are the
    same in every copy of the form, blank or filled."""
    labels: list[str] = []
    previous = None
    for c in found:
        label = c.question if c.kind in ("box", "boxes") else c.label
        texts = c.headers if c.kind == "table" else [label if label != previous else None, c.column, c.row,
                                                      *c.options]
        previous = label
        for text in texts:
            if text and (not labels or labels[-1] != text):
                labels.append(text)
    return labels


def fingerprint(layout: Layout, found: list[Candidate] | None = None) -> str:
    """The form's layout fingerprint, ``F-`` and ten hex digits, from its labels in reading order
    (:func:`form_labels`) and its tables' widths: the same blank form gives the same fingerprint,
    another layout (a label reworded, a table's column added) another one."""
    found = candidates(layout) if found is None else found
    shape = [[normalize_label(label) for label in form_labels(found)], [t.grid_columns for t in layout.tables()]]
    digest = hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode()).hexdigest()
    return f"{FINGERPRINT_PREFIX}{digest[:10]}"


# ---------------------------------------------------------------------------------------------
# Matching: which place holds which catalogue field.
# ---------------------------------------------------------------------------------------------

# How well a kind of place suits a kind of field.
_KIND_FIT = {
    "text": {"after_label": 1.0, "below_label": 1.0, "cell": 1.0, "form_field": 1.0},
    "number": {"after_label": 1.0, "cell": 1.0, "form_field": 1.0, "below_label": 0.8},
    "date": {"after_label": 1.0, "cell": 1.0, "form_field": 1.0, "below_label": 0.75},
    "choice": {"boxes": 1.0, "grid": 1.0, "form_field": 1.0, "after_label": 0.85, "cell": 0.85},
    "bool": {"box": 1.0, "form_field": 1.0},
    "table": {"table": 1.0},
}


@dataclass
class Match:
    """A catalogue field given a place, with the score it was given at (its ``confiance``)."""

    field: Field
    candidate: Candidate
    score: float


def field_role(f: Field) -> str | None:
    """Whose field it is: the evaluator's, the authority's, the agent's (an identity field), or ``None``."""
    return role_of(f.label) or ("agent" if f.section == "identite" else None)


def candidate_role(c: Candidate) -> str | None:
    """Whose place it is: said by its label, else the header or heading it is under, else its part."""
    return next((role for role in map(role_of, (c.text, c.column or c.context, c.row, c.title)) if role), None)


def _field_texts(f: Field, table: bool = False) -> list[tuple[tuple[str, ...], float]]:
    texts = [(tokens(core(f.label)), 1.0), (tokens(f.label), 1.0)]
    texts += [(tokens(s), 1.0) for s in f.synonyms]
    texts += [(tokens(r), 0.96) for r in f.roster_columns]
    return [(t, w) for t, w in texts if t]


def _candidate_texts(c: Candidate) -> list[tuple[tuple[str, ...], float]]:
    text = c.text
    texts = [(tokens(core(text)), 1.0), (tokens(bare(text)), 1.0)]
    qualifier = c.column or c.context
    if qualifier and (is_generic(text) or c.context_kind == "column"):
        texts.append((tokens(core(qualifier)) + tokens(core(text)), 1.0))
    elif is_generic(text) and c.title:
        texts.append((tokens(core(c.title)) + tokens(core(text)), 0.9))
    if c.kind == "below_label" and (text.startswith("(") or _is_title_text(text)) and c.title:
        texts.append((tokens(core(c.title)), 1.0))  # the lines under a title, or under its instruction
    if c.kind == "grid" and c.row:
        texts.append((tokens(core(text)) + tokens(c.row), 0.95))
    return [(t, w) for t, w in texts if t]


def text_score(f: Field, c: Candidate) -> float:
    """How alike the field's wordings and the place's are (0 to 1)."""
    best = 0.0
    if c.wordings is None:
        c.wordings = _candidate_texts(c)
    # A generic label is the field's only if it says all the field's generic words: « Prénom » under
    # « N+1 » is not « Nom et prénom » of the evaluator.
    generic = is_generic(c.text)
    for mine, weight in _field_texts(f):
        for theirs, other in c.wordings:
            value = similarity(mine, theirs) * weight * other
            if generic and not set(mine) & _GENERIC_WORDS <= set(theirs):
                value *= 0.6
            best = max(best, value)
    return best


def _table_columns(f: Field, c: Candidate) -> dict[str, tuple[int, float]]:
    """Each column of table field ``f`` the table's headers hold: column key -> (header index, score)."""
    pairs = []
    for column in f.columns or []:
        texts = [tokens(core(column.label)), tokens(column.label), *(tokens(s) for s in column.synonyms)]
        for n, header in enumerate(c.headers):
            score = max(similarity(t, tokens(core(header))) for t in texts if t)
            if score >= 0.75:
                pairs.append((score, column.key, n))
    taken: dict[str, tuple[int, float]] = {}
    used: set[int] = set()
    for score, key, n in sorted(pairs, reverse=True):
        if key not in taken and n not in used:
            taken[key] = (n, score)
            used.add(n)
    return taken


def _table_score(f: Field, c: Candidate) -> float:
    columns = _table_columns(f, c)
    required = [col.key for col in f.columns or [] if col.required]
    share = len(columns) / max(len(c.headers), 1)
    if any(key not in columns for key in required):
        share *= 0.6
    title = text_score(f, c) if c.label else 0.5
    return 0.45 * title + 0.55 * share


def score(f: Field, c: Candidate, *, criteria: frozenset[str], sections: dict[str | None, str | None]) -> float:
    """How sure it is that place ``c`` holds field ``f`` (0 to 1)."""
    fit = _KIND_FIT[f.kind].get(c.kind, 0.0)
    if c.kind == "form_field":
        fit = {"date": 1.0 if f.kind == "date" else 0.8 if f.kind == "text" else 0.0,
               "dropdown": 1.0 if f.kind == "choice" else 0.0}.get(c.field_kind or "text",
                                                                   1.0 if f.kind in ("text", "number", "date") else 0.0)
    if not fit or c.self_assessment or c.handwritten and is_generic(c.text):
        return 0.0
    if f.key in criteria or c.criteria:
        if f.kind != "choice":
            return 0.0
    if f.kind == "table":
        value = _table_score(f, c)
    elif c.kind == "form_field" and c.field_name == f.key:
        return round(fit, 3)  # a control tagged with the field's key: our own template's way
    else:
        value = text_score(f, c)
        if f.key in criteria and value < SURE:
            return 0.0  # an employer's own criteria are its own fields
    words = tokens(core(c.text))
    if f.kind == "date" and "date" not in words and not fold(printed(c.text)).endswith(" le"):
        value *= 0.85
    elif f.kind != "date" and words[:1] == ("date",):
        value *= 0.6
    if f.kind == "text" and f.multiline and c.kind == "after_label":
        value *= 0.95
    mine, theirs = field_role(f), candidate_role(c)
    if mine and theirs and mine != theirs:
        value *= 0.55
    part = sections.get(c.title)
    value *= 1.0 if part == f.section else 0.97 if part is None else 0.92
    return round(value * fit, 3)


def title_sections(catalogue: Catalogue, found: list[Candidate]) -> dict[str | None, str | None]:
    """The catalogue section each part of the form is (its title compared with the sections' titles
    and :data:`~pipeline.catalogue.SECTION_SYNONYMS`), ``None`` when none is close."""
    parts: dict[str | None, str | None] = {None: None}
    for title in dict.fromkeys(c.title for c in found if c.title):
        words = tokens(core(title))
        best, key = 0.0, None
        for section in catalogue.sections:
            for text in (section.title, *section.synonyms):
                value = similarity(words, tokens(core(text)))
                if value > best:
                    best, key = value, section.key
        parts[title] = key if best >= 0.75 else None
    return parts


def match(catalogue: Catalogue, found: list[Candidate]) -> list[Match]:
    """Each catalogue field with the place that holds it: the best pairs first, each field and each
    place once, :data:`MIN_SCORE` at least."""
    criteria = frozenset(f.key for f in catalogue.criteria_fields)
    sections = title_sections(catalogue, found)
    pairs = []
    for f in catalogue.fields:
        for n, c in enumerate(found):
            value = score(f, c, criteria=criteria, sections=sections)
            if value >= MIN_SCORE:
                pairs.append((value, -catalogue.position(f.key), -n, f, c))
    given: dict[str, Match] = {}
    used: set[int] = set()
    for value, _, _, f, c in sorted(pairs, key=lambda p: p[:3], reverse=True):
        if f.key in given or id(c) in used:
            continue
        given[f.key] = Match(f, c, value)
        used.add(id(c))
    return sorted(given.values(), key=lambda m: catalogue.position(m.field.key))


# ---------------------------------------------------------------------------------------------
# The mapping: places, the catalogue adapted, additions, fields the form does not hold.
# ---------------------------------------------------------------------------------------------

# Words in brackets that tell the person filling the form what to do, not what the field is.
_INSTRUCTION_RE = re.compile(r"\s*\((?:[àa] )?cocher[^)]*\)|\s*\((?:facultati(?:f|ve)|le cas [ée]ch[ée]ant|"
                             r"obligatoire|en toutes lettres|jj/mm/aaaa)\)", re.IGNORECASE)
# Box sets printed without a question, and the field they are.
_KNOWN_BOXES = {frozenset({"madame", "monsieur"}): ("civilite", "Civilité")}
_NUMBER_WORDS = frozenset({"nombre", "echelon", "quotite", "anciennete"})
_YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b")
_TICKED_RE = re.compile(r"[☒☑■✗✘✓✔]|\[\s?[xX✗✓]\s?\]")
_YES = "oui"
_MANAGES = "encadre_agents"  # the catalogue's « L'agent encadre-t-il des agents ? »


def _yes_choice(mapping: "Mapping", f: Field) -> str:
    """The choice of a yes/no field that says yes, as the form spells it (« oui » by default)."""
    choices = mapping.modified.get(f.key, {}).get("choices") or f.choices or [_YES]
    return next((c for c in choices if normalize_label(c) == _YES), choices[0])


@dataclass
class Placed:
    """A field's place in formulaire.yaml: its ``spec`` (French keys), the candidate it came from,
    the score it was given at, and whether the reader read it back (:func:`check_with_reader`)."""

    key: str
    spec: dict[str, Any]
    candidate: Candidate
    score: float
    added: bool = False
    checked: bool | None = None  # None: not checked

    @property
    def confidence(self) -> float:
        value = self.score if self.checked is not False else self.score * 0.8
        return round(min(value, 1.0), 2)


@dataclass
class Mapping:
    """What formulaire.yaml says (see :func:`render`) and what the summary reports."""

    catalogue: Catalogue
    places: dict[str, Placed] = field(default_factory=dict)
    modified: dict[str, dict[str, Any]] = field(default_factory=dict)  # field key -> changes
    notes: dict[str, str] = field(default_factory=dict)  # field key -> why (a comment in the file)
    added: list[dict[str, Any]] = field(default_factory=list)
    relaxed: list[str] = field(default_factory=list)  # required fields the form lacks, made optional
    absent: list[str] = field(default_factory=list)  # every catalogue field the form lacks
    retired_rules: list[str] = field(default_factory=list)  # contradictions the new choices leave without a value
    ticked: int = 0  # boxes ticked on the model: a filled copy rather than the blank form
    name: str | None = None
    fingerprint: str = ""
    model: str = ""
    parts_missing: list[str] = field(default_factory=list)

    def overrides(self) -> dict[str, Any]:
        """The ``catalogue`` section of formulaire.yaml, as data."""
        data: dict[str, Any] = {}
        if self.modified:
            data["modifier"] = self.modified
        if self.added:
            data["ajouter"] = self.added
        if self.retired_rules:
            data["contradictions"] = {"retirer": self.retired_rules}
        return data

    def as_data(self) -> dict[str, Any]:
        """formulaire.yaml as data (no comments)."""
        return {"modele": self.model, "empreinte": self.fingerprint, **({"nom": self.name} if self.name else {}),
                "catalogue": self.overrides(),
                "emplacements": {key: {**p.spec, "confiance": p.confidence} for key, p in self.places.items()}}

    def adapted(self) -> Catalogue:
        """The catalogue as formulaire.yaml adapts it (raises ConfigError when it cannot)."""
        return apply_overrides(self.catalogue, self.overrides())


def _choice_keys(options: list[str], choices: list[str] | None) -> list[str]:
    """Each printed option as the choice it is: the catalogue's own spelling when it is one of its
    choices (« Sans objet » is « sans objet »), else as printed."""
    known = {normalize_label(c): c for c in choices or []}
    return [known.get(normalize_label(bare(o)), bare(o)) for o in options]


def _place(c: Candidate, keys: list[str] | None = None) -> dict[str, Any]:
    """The place of candidate ``c`` as formulaire.yaml says it (``keys``: its options' choices)."""
    if c.kind == "after_label":
        spec: dict[str, Any] = {"apres_libelle": c.label}
        if c.until:
            spec["jusqu_a"] = c.until
    elif c.kind == "below_label":
        spec = {"sous_libelle": c.label}
    elif c.kind == "cell":
        spec = {"cellule": c.label}
        if c.column:
            spec["colonne"] = c.column
        if c.direction == "below":
            spec["direction"] = "dessous"
    elif c.kind == "boxes":
        spec = {"cases": dict(zip(keys or c.options, c.options))}
        if c.question:
            spec["libelle"] = c.question
    elif c.kind == "box":
        spec = {"cases": {_YES: c.options[0]}}
        if c.question:
            spec["libelle"] = c.question
    elif c.kind == "grid":
        spec = {"grille": c.label}
        if c.row:
            spec["rangee"] = c.row
        spec["colonnes"] = dict(zip(keys or c.options, c.options))
    else:
        spec = {"controle" if c.control else "champ_formulaire": c.field_name or c.label}
    return spec


def _without_instructions(text: str) -> str:
    return " ".join(_INSTRUCTION_RE.sub("", text).split())


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) == 1 else text


def label_of(c: Candidate, f: Field | None = None) -> str:
    """The label HR and the rejection notes will name the field by: as printed, instructions in
    brackets left out, a title in capitals as a sentence, a generic label with whose it is
    (« Évaluateur : date », « Nom (agent évalué) »); the catalogue's own label when the form prints
    it (with words in brackets) or when the printed one holds a year (« Objectifs 2027 »)."""
    if c.kind == "below_label" and c.label.startswith("(") and c.title:
        text = sentence(c.title)
    elif c.kind == "table" or c.kind == "below_label" and _is_title_text(c.label):
        text = sentence(c.label) if _capitals(c.label) else printed(c.label)
    elif c.kind == "boxes" and not c.question:
        known = _KNOWN_BOXES.get(frozenset(fold(bare(o)) for o in c.options))
        text = known[1] if known else " / ".join(bare(o) for o in c.options)
    elif c.kind == "after_label" and c.question:  # « … examen professionnel — lequel : »
        text = f"{printed(c.question)} : {printed(c.text)}"
    else:
        text = printed(c.text)
    text = _without_instructions(text)
    if _capitals(text):
        text = sentence(text)
    if is_generic(c.text) and c.context and c.kind in ("after_label", "below_label", "form_field"):
        text = f"{sentence(core(c.context))} : {_lower_first(text)}"
    elif c.kind == "cell" and c.column:
        text = f"{text} ({_lower_first(sentence(core(c.column)))})"
    elif c.kind == "grid" and c.self_assessment and c.row:
        text = f"{text} ({c.row})"
    if f is not None and (normalize_label(core(text)) == normalize_label(core(f.label)) or _YEAR_RE.search(text)):
        return f.label
    return text


def _key_for(c: Candidate, taken: set[str]) -> str:
    if c.kind == "boxes" and not c.question:
        known = _KNOWN_BOXES.get(frozenset(fold(bare(o)) for o in c.options))
        key = known[0] if known else slug(" ".join(c.options), words=3)
    elif c.kind == "box":
        key = slug(c.options[0], words=3)
    elif c.kind == "form_field" and not c.label and c.field_name:
        key = slug(c.field_name)
    elif c.kind == "after_label" and c.question and len(tokens(c.text)) < 2:
        key = f"{slug(c.question, words=3)}_{slug(c.text, words=1)}"
    else:
        key = slug(c.text, words=3 if c.criteria else 4)
    role = candidate_role(c) if (c.column or c.context_kind == "column") and is_generic(c.text) or c.column else None
    if role in ("evaluateur", "autorite"):
        key = f"{key}_{role}"
    if c.kind == "grid" and c.self_assessment:
        key = f"auto_{key}"
    base, n = key, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    taken.add(key)
    return key


def _kind_for(c: Candidate) -> str:
    if c.kind == "box":
        return "bool"
    if c.kind in ("boxes", "grid") or c.kind == "form_field" and c.field_kind == "dropdown":
        return "choice"
    if c.kind == "table":
        return "table"
    words = tokens(core(c.text))
    if c.kind == "form_field" and c.field_kind == "date" or words[:1] == ("date",) or \
            fold(printed(c.text)).endswith(" le"):
        return "date"
    if words[:1] and words[0] in _NUMBER_WORDS:
        return "number"
    return "text"


def _section_for(c: Candidate, catalogue: Catalogue, votes: dict[str | None, dict[str, int]],
                 parts: dict[str | None, str | None], previous: str | None) -> str:
    criteria = next((s.key for s in catalogue.sections if s.criteria), None)
    if c.criteria and criteria and not c.self_assessment:
        return criteria
    if c.self_assessment:
        keys = {f.key: f for f in catalogue.fields}
        general = keys.get("appreciation_generale")
        if general is not None and general.section != criteria:
            return general.section
    found = votes.get(c.title)
    if found:
        ranked = sorted(found.items(), key=lambda kv: (-kv[1], [s.key for s in catalogue.sections].index(kv[0])))
        choice = ranked[0][0]
        if choice == criteria and len(ranked) > 1 and not c.criteria:
            choice = ranked[1][0]  # a field of the criteria part that is not a criterion
        return choice
    return parts.get(c.title) or previous or catalogue.sections[0].key


def _column_dump(column) -> dict[str, Any]:
    return column.model_dump(exclude_defaults=True, exclude={"synonyms"})


def _table_columns_spec(f: Field | None, c: Candidate) -> tuple[dict[str, Any], list[dict]]:
    """A table's place (column key -> header, or header and boxes) and its columns for the catalogue."""
    matched = _table_columns(f, c) if f is not None else {}
    by_header = {n: key for key, (n, _) in matched.items()}
    own = {col.key: col for col in (f.columns if f is not None else []) or []}
    place: dict[str, Any] = {}
    columns: list[dict] = []
    for n, header in enumerate(c.headers):
        key = by_header.get(n)
        if key is None:
            key = slug(header, words=3)
            while key in place or key in own:
                key += "_2"
        column = _column_dump(own[key]) if key in own else {"key": key, "label": header}
        column["label"] = _without_instructions(header) if key not in own or \
            normalize_label(core(header)) != normalize_label(core(own[key].label)) else own[key].label
        boxes = c.box_columns.get(n)
        legend = c.legends.get(n)
        catalogue_choices = own[key].choices if key in own else None
        if boxes:
            choices = _choice_keys(boxes, catalogue_choices)
            place[key] = {"en_tete": header, "cases": dict(zip(choices, boxes))}
            column.update(kind="choice", choices=choices)
        else:
            place[key] = header
            if legend:
                choices = _choice_keys([choice for choice, _ in legend], catalogue_choices)
                column.update(kind="choice", choices=choices)
                meanings = {choice: meaning for choice, (_, meaning) in zip(choices, legend) if meaning}
                if meanings and not set(choices) <= set(catalogue_choices or []):
                    column["meanings"] = meanings
                elif set(choices) <= set(catalogue_choices or []):
                    column.pop("meanings", None)
            elif column.get("kind") == "choice":
                for name in ("kind", "choices", "meanings"):
                    column.pop(name, None)  # the form prints no list: written freely
        meanings = c.meanings.get(n)
        if meanings and column.get("kind") == "choice":
            known = dict(column.get("meanings") or {})
            column["meanings"] = {**known, **{choice: meaning for choice, meaning in
                                              zip(_choice_keys(list(meanings), column["choices"]), meanings.values())}}
        columns.append(column)
    for column in columns:  # a condition on a column the form does not have goes
        if column.get("required_if") and column["required_if"]["field"] not in place:
            column.pop("required_if")
    return place, columns


def build_mapping(catalogue: Catalogue, layout: Layout, found: list[Candidate], matches: list[Match]) -> Mapping:
    """The mapping of a form (see :class:`Mapping`) from its candidates and the fields they hold."""
    mapping = Mapping(catalogue=catalogue)
    parts = title_sections(catalogue, found)
    given = {id(m.candidate): m for m in matches}
    votes: dict[str | None, dict[str, int]] = {}
    for m in matches:
        if not m.candidate.criteria:
            votes.setdefault(m.candidate.title, {}).setdefault(m.field.section, 0)
            votes[m.candidate.title][m.field.section] += 1
    taken = {f.key for f in catalogue.fields}
    labels: dict[str, str] = {}  # field key -> label, to keep them unique
    previous_section = None
    manages = next((m for m in matches if m.field.key == _MANAGES), None)
    for c in found:
        m = given.get(id(c))
        if m is not None:
            _place_field(mapping, m, labels)
            previous_section = m.field.section
            continue
        if c.handwritten and is_generic(c.text) or c.kind in ("boxes", "box") and not c.options:
            continue
        key = _key_for(c, taken)
        section = _section_for(c, catalogue, votes, parts, previous_section)
        previous_section = section
        new: dict[str, Any] = {"key": key, "label": label_of(c), "section": section, "kind": _kind_for(c)}
        keys = None
        if new["kind"] == "choice":
            keys = list(dict.fromkeys(bare(o) for o in (c.choices if c.kind == "form_field" else c.options)))
            if keys:
                new["choices"] = keys
            else:  # a drop-down without entries: written freely
                new["kind"], keys = "text", None
        if new["kind"] == "table":
            place, columns = _table_columns_spec(None, c)
            new["columns"] = columns
            mapping.places[key] = Placed(key, {"tableau": place}, c, 0.9, added=True)
        else:
            mapping.places[key] = Placed(key, _place(c, keys), c, 0.9, added=True)
        if c.criteria and not c.self_assessment:
            new["required_from"] = 1
            if c.management and manages is not None:  # a manager's criterion: required of managers
                new["required_if"] = {"field": _MANAGES, "one_of": [_yes_choice(mapping, manages.field)]}
        labels[key] = new["label"]
        mapping.added.append(new)
    _unique_labels(mapping, labels)
    for f in catalogue.fields:
        if f.key in mapping.places:
            continue
        mapping.absent.append(f.key)
        if f.required_from is not None:
            mapping.modified.setdefault(f.key, {})["required_from"] = None
            mapping.relaxed.append(f.key)
    _retire_stale_rules(mapping)
    _scope_places(mapping, found)
    mapping.fingerprint = fingerprint(layout, found)
    mapping.name = form_name(layout)
    mapping.ticked = sum(len(_TICKED_RE.findall(clean(line.text))) for line, _ in layout.lines())
    mapping.parts_missing = [part for part, keys in REGULATORY_PARTS.items() if not _has_part(mapping, keys)]
    return mapping


def _looked_up_by(c: Candidate) -> str | None:
    """The text the reader looks a place up by, when it is found by its label on a line."""
    if c.kind in ("after_label", "below_label"):
        return c.label
    return c.question if c.kind in ("boxes", "box") else None


def _scope_places(mapping: Mapping, found: list[Candidate]) -> None:
    """A label printed more than once (« Date » under each signatory) is looked up under the heading
    of its group, else its part of the form, and by its rank there when that is not enough."""
    printed_at: dict[str, list[Candidate]] = {}
    for c in found:
        text = _looked_up_by(c)
        if text:
            printed_at.setdefault(normalize_label(text), []).append(c)
    for placed in mapping.places.values():
        c = placed.candidate
        text = _looked_up_by(c)
        same = printed_at.get(normalize_label(text or ""), [])
        generic = is_generic(text or "") and c.context_kind == "heading"
        if (len(same) < 2 and not generic) or c.kind == "box" and all(o.question == c.question for o in same):
            continue
        section = c.context if c.context_kind == "heading" and c.context else c.title
        if not section:
            continue
        placed.spec["section"] = section
        under = [o for o in same if (o.context if o.context_kind == "heading" and o.context else o.title) == section
                 or o.title == section]
        rank = next((n for n, o in enumerate(sorted(under, key=lambda o: o.line), 1) if o is c), 1)
        if rank > 1:
            placed.spec["occurrence"] = rank


def _place_field(mapping: Mapping, m: Match, labels: dict[str, str]) -> None:
    f, c = m.field, m.candidate
    changes: dict[str, Any] = {}
    if f.kind == "table":
        place, columns = _table_columns_spec(f, c)
        spec: dict[str, Any] = {"tableau": place}
        if columns != [_column_dump(col) for col in f.columns or []]:
            changes["columns"] = columns
    else:
        keys = None
        if f.kind == "choice" and c.kind in ("boxes", "grid", "form_field"):
            options = c.choices if c.kind == "form_field" else c.options
            keys = _choice_keys(options, f.choices)
            if keys and not set(keys) <= set(f.choices or []):
                changes["choices"] = keys
        spec = _place(c, keys)
    label = label_of(c, f)
    if normalize_label(label) != normalize_label(f.label):
        changes["label"] = label
    if c.handwritten and f.required_from is not None:
        changes["required_from"] = None
        mapping.notes[f.key] = ("une ligne pour la signature manuscrite : on la voit sur l'exemplaire signé, "
                                "elle n'est pas exigée saisie")
    labels[f.key] = changes.get("label", f.label)
    if changes:
        mapping.modified[f.key] = changes
    mapping.places[f.key] = Placed(f.key, spec, c, m.score)


def _unique_labels(mapping: Mapping, labels: dict[str, str]) -> None:
    """Two fields may not have one label: the later one says its part of the form."""
    final = {f.key: f.label for f in mapping.catalogue.fields}
    final.update(labels)
    seen: dict[str, str] = {}
    for key, label in final.items():
        norm = normalize_label(label)
        if norm not in seen:
            seen[norm] = key
            continue
        placed = mapping.places.get(key)
        where = sentence(core(placed.candidate.title)) if placed and placed.candidate.title else None
        new, n = f"{label} ({where})" if where else f"{label} (2)", 2
        while normalize_label(new) in seen:
            n += 1
            new = f"{label} ({n})"
        seen[normalize_label(new)] = key
        if any(a["key"] == key for a in mapping.added):
            next(a for a in mapping.added if a["key"] == key)["label"] = new
        else:
            mapping.modified.setdefault(key, {})["label"] = new


def _retire_stale_rules(mapping: Mapping) -> None:
    """A contradiction naming a choice the form no longer offers goes (its values would be refused)."""
    for rule in mapping.catalogue.contradictions:
        for answer in rule.answers:
            choices = mapping.modified.get(answer.field, {}).get("choices")
            values = [*(answer.one_of or []), *(answer.none_of or [])]
            if choices is not None and any(v not in choices for v in values):
                mapping.retired_rules.append(rule.key)
                break


def _has_part(mapping: Mapping, keys: tuple[str, ...]) -> bool:
    if any(key in mapping.places and not mapping.places[key].added for key in keys):
        return True
    criteria = {"competences", "contribution", "qualites_relationnelles", "capacite_encadrement"}
    return bool(criteria & set(keys)) and any(p.candidate.criteria for p in mapping.places.values())


def form_name(layout: Layout) -> str | None:
    """The form as people call it: its title, and the employer its page header names (as the footer
    spells it, when it does): « Compte rendu de l'entretien professionnel – Centre hospitalier de … »."""
    title = next((sentence(line.text) for line, cell in layout.lines() if cell is None and clean(line.text).strip()),
                 None)
    header = next((t.strip() for h in layout.headers for t in h.splitlines() if t.strip()), None)
    employer = None
    if header:
        for footer in layout.footers:
            first = re.split(r"\s[—–-]\s", footer.strip())[0].strip()
            if fold(first) == fold(header):
                employer = first
        employer = employer or (sentence(header) if _capitals(header) else header)
    if title and employer:
        return f"{title} – {employer}"
    return title or employer


# ---------------------------------------------------------------------------------------------
# Checking the mapping with the reader: a value written in each place of a copy, read back.
# ---------------------------------------------------------------------------------------------


def _marker(n: int) -> str:
    letters = ""
    n += 26
    while n:
        n, rest = divmod(n, 26)
        letters = chr(97 + rest) + letters
    return f"Zq{letters}"


def _insert(line: Line, offset: int, text: str) -> None:
    """``text`` written into ``line`` at character ``offset`` of its shown text."""
    position = 0
    for n, piece in enumerate(line.pieces):
        size = len(piece.shown)
        if position + size >= offset and piece.kind == "text" and position <= offset:
            cut = offset - position
            piece.text = piece.text[:cut] + text + piece.text[cut:]
            return
        if position >= offset:
            line.pieces.insert(n, Piece("text", text))
            return
        position += size
    line.pieces.append(Piece("text", text))


def _tick(line: Line, offset: int) -> None:
    """The box at character ``offset`` of ``line`` ticked."""
    position = 0
    for piece in line.pieces:
        size = len(piece.shown)
        if position <= offset < position + size:
            if piece.kind == "field":
                piece.checked = True
                return
            cut = offset - position
            box = _BOX_RE.match(piece.text, cut)
            if box:
                ticked = "[X]" if box.group().startswith("[") else "(X)" if box.group().startswith("(") else "☒"
                piece.text = piece.text[:cut] + ticked + piece.text[box.end():]
            return
        position += size


def _written_cell(cell: Cell | None, text: str) -> None:
    if cell is not None:
        cell.blocks[:] = [b for b in cell.blocks if isinstance(b, Table)] + [Line([Piece("text", text)])]


def _write_values(mapping: Mapping) -> dict[str, Any]:
    """Write a value in each place (on the copy the candidates point into); returns what each field
    must read: its marker, the choice ticked, a yes/no, a table's first row."""
    expected: dict[str, Any] = {}
    inserts: dict[int, tuple[Line, list[tuple[int, str]]]] = {}
    ticks: list[tuple[Line, int]] = []
    for n, (key, placed) in enumerate(mapping.places.items()):
        c, spec, mark = placed.candidate, placed.spec, placed.candidate.mark
        marker = _marker(n)
        if "after" in mark:
            line, offset = mark["after"]
            if len(clean(line.text)) != len(line.text):
                continue
            inserts.setdefault(id(line), (line, []))[1].append((offset, f" {marker} "))
            expected[key] = marker
        elif "below" in mark:
            blocks, line = mark["below"]
            blocks.insert(blocks.index(line) + 1, Line([Piece("text", marker)]))
            expected[key] = marker
        elif "cell" in mark:
            _written_cell(mark["cell"], marker)
            expected[key] = marker
        elif "piece" in mark:
            piece = mark["piece"]
            piece.placeholder = False
            if c.field_kind == "dropdown" and c.choices:
                piece.text = expected[key] = c.choices[0]
            else:
                piece.text, piece.value = marker, None
                expected[key] = marker
        elif "grid" in mark:
            choices = list(spec["colonnes"])
            pick = n % len(choices)
            _written_cell(list(mark["grid"].values())[pick], "X")
            expected[key] = choices[pick]
        elif c.kind == "table":
            row: dict[str, Any] = {}
            columns = list(spec["tableau"])
            for i, (column, cell) in enumerate(mark["cells"].items()):
                place = spec["tableau"][columns[i]]
                if isinstance(place, dict):
                    line, offset = mark["ticks"][column][0]
                    ticks.append((line, offset))
                    row[columns[i]] = list(place["cases"])[0]
                else:
                    _written_cell(cell, f"{marker}{i}")
                    row[columns[i]] = f"{marker}{i}"
            expected[key] = row
        elif "ticks" in mark:
            if c.kind == "box":
                ticked = n % 2 == 0
                if ticked:
                    ticks.append(mark["ticks"][0])
                expected[key] = ticked
            else:
                choices = list(spec["cases"])
                pick = n % len(choices)
                ticks.append(mark["ticks"][pick])
                expected[key] = choices[pick]
    for line, offset in ticks:
        _tick(line, offset)
    for line, found in inserts.values():
        for offset, text in sorted(found, reverse=True):
            _insert(line, offset, text)
    return expected


def _reads(report, key: str, wanted: Any) -> bool:
    if isinstance(wanted, dict):
        rows = report.tables.get(key) or []
        return bool(rows) and all(str(rows[0].get(k, "")).strip() == str(v) for k, v in wanted.items())
    value = report.values.get(key)
    if isinstance(wanted, bool):
        return value is wanted
    return isinstance(value, str) and value.strip() == wanted


def _alternatives(placed: Placed, titles: list[str]) -> list[dict[str, Any]]:
    """Other ways to say the place: under its group's heading, its part, by occurrence."""
    base = {k: v for k, v in placed.spec.items() if k not in ("section", "occurrence")}
    c = placed.candidate
    sections = [s for s in dict.fromkeys([c.context if c.context_kind == "heading" else None, c.title, *titles])
                if s]
    tries = [placed.spec, base] + [{**base, "section": s} for s in sections]
    tries += [{**base, "section": s, "occurrence": n} for s in sections for n in range(2, 6)]
    tries += [{**base, "occurrence": n} for n in range(2, 8)]
    return tries


def check_with_reader(mapping: Mapping, layout: Layout, found: list[Candidate]) -> bool:
    """Write a value in each place of a copy of ``layout``, read the copy with the reader following
    the mapping, and for each place that does not give its value back, try it under its group's
    heading, its part, then by occurrence; each place's ``checked`` says how it went. Returns False
    when the reader could not be run (the places are then as guessed)."""
    import copy

    try:
        from .employer_form import EmployerFormFile, employer_form
        from .employer_read import read_layout
    except ImportError:  # the reader of employers' forms is not there: places as guessed
        return False
    memo: dict[int, Any] = {}
    for line, _ in layout.lines():
        memo[id(line.source)] = None
        for piece in line.pieces:
            memo[id(piece.source)] = None
    for table in layout.tables():
        memo[id(table.source)] = None
        for cell in table.cells():
            memo[id(cell.source)] = None
    memo.pop(id(None), None)
    copied_layout, copied_places = copy.deepcopy((layout, {k: p.candidate for k, p in mapping.places.items()}), memo)
    originals = {k: p.candidate for k, p in mapping.places.items()}
    for key, placed in mapping.places.items():
        placed.candidate = copied_places[key]
    try:
        expected = _write_values(mapping)
    finally:
        for key, placed in mapping.places.items():
            placed.candidate = originals[key]
    catalogue = mapping.adapted()

    def read(places: dict[str, dict[str, Any]]):
        data = mapping.as_data() | {"emplacements": places}
        form = employer_form(catalogue, EmployerFormFile.model_validate(data))
        return read_layout(copied_layout, form, path=Path("modele"), name="modele")

    places = {key: dict(p.spec) for key, p in mapping.places.items()}
    try:
        report = read(places)
    except Exception:  # the reader refuses the copy: the places stay as guessed
        return False
    titles = [t for t in dict.fromkeys(c.title for c in found if c.title)]
    budget = MAX_TRIALS
    for key, placed in mapping.places.items():
        if key not in expected:
            continue
        if _reads(report, key, expected[key]):
            placed.checked = True
            continue
        placed.checked = False
        if placed.candidate.kind == "table":
            continue
        for attempt in _alternatives(placed, titles)[1:1 + min(budget, MAX_TRIALS_A_PLACE)]:
            budget -= 1
            trial = {**places, key: attempt}
            try:
                other = read(trial)
            except Exception:
                continue
            if _reads(other, key, expected[key]) and \
                    all(_reads(other, k, expected[k]) for k, p in mapping.places.items()
                        if p.checked and k in expected):
                places[key] = attempt
                placed.spec, placed.checked = attempt, True
                break
    return True


# ---------------------------------------------------------------------------------------------
# formulaire.yaml, in French, commented for HR.
# ---------------------------------------------------------------------------------------------

# What HR does about a field the application needs when the form does not hold it (ROLE_KEYS).
_ROLE_HINTS = (
    ((REPORT_ID, CAMPAIGN, AGENT_NUMBER),
     "l'agent est reconnu sans lui, par l'identifiant que «\u202fentretiens modeles\u202f» ajoute au modèle, "
     "sinon par son nom et son prénom dans la liste des agents"),
    (("resultats", NEXT_OBJECTIVES, TRAINING_NEEDS),
     "ce tableau est prévu par les textes : ajoutez-le au modèle, puis relancez l'import"),
    (("premier_entretien", NO_TRAINING_NEED),
     "une case à cocher que le modèle n'a pas : rien à faire, ou ajoutez-la au modèle"),
    (("refus_signature", "mode_notification_refus"),
     "un refus de signer est alors noté à la main sur l'exemplaire signé ; ajoutez la mention au modèle pour "
     "qu'il soit suivi"),
    (("date_demande_revision", "decision_revision", "date_decision_revision", "date_saisine_cap"),
     "partie remplie par le service RH en cas de recours : rien à faire"),
)
_DEFAULT_HINT = "sans cette rubrique au modèle, le suivi ne l'a pas : ajoutez-la au modèle, puis relancez l'import"


def _role_hint(key: str) -> str:
    return next((hint for keys, hint in _ROLE_HINTS if key in keys), _DEFAULT_HINT)


def _ticked_words(count: int) -> str:
    return "une case est cochée" if count == 1 else f"{count} cases sont cochées"


def _number(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _dump(value: Any) -> str:
    import yaml

    text = yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=True, width=10 ** 6)
    return text.strip().removesuffix("...").strip()


def _entry(key: str | None, value: Any, indent: int, width: int = 108) -> list[str]:
    """One entry of a mapping (``key``) or of a list (``None``), on one line when it fits."""
    import yaml

    pad = " " * indent
    line = f"{pad}{'- ' if key is None else f'{key}: '}{_dump(value)}"
    if len(line) <= width:
        return [line]
    block = yaml.safe_dump([value] if key is None else {key: value}, allow_unicode=True, sort_keys=False,
                           default_flow_style=None, width=width - indent)
    return [pad + row for row in block.rstrip("\n").split("\n")]


def _comment(text: str, indent: int, width: int = 100) -> list[str]:
    """A French comment, wrapped."""
    import textwrap

    pad = " " * indent + "# "
    return textwrap.wrap(text, width=width, initial_indent=pad, subsequent_indent=pad,
                         break_long_words=False, break_on_hyphens=False)


def render(mapping: Mapping, *, model_name: str, today: dt.date) -> str:
    """formulaire.yaml: the mapping with a French comment above each part and each doubtful place."""
    from .text import MONTHS

    catalogue, lines = mapping.catalogue, []
    lines += _comment(f"Formulaire de l'employeur «\u202f{model_name}\u202f» : où ce modèle tient chaque champ du "
                      "compte rendu, et le catalogue des champs adapté à ce modèle. Écrit par «\u202fentretiens "
                      f"formulaire importer\u202f» le {today.day} {MONTHS[today.month - 1]} {today.year}.", 0)
    lines += _comment("Relisez-le avant de vous en servir, surtout les lignes marquées «\u202fÀ VÉRIFIER\u202f» ; "
                      "corrigez-le ici (un libellé tel qu'il est imprimé, une section, un champ à retirer). Puis "
                      "indiquez «\u202fformulaire: <ce fichier>\u202f» dans config.yaml.", 0)
    lines += _comment("confiance (de 0 à 1) : la certitude du rapprochement entre le libellé imprimé et le champ "
                      "du catalogue, pour votre relecture seulement. Chaque emplacement a été essayé : une valeur "
                      "écrite à cet endroit d'une copie du modèle y a été relue, sauf mention contraire.", 0)
    if mapping.ticked:
        lines += _comment(f"Attention : {_ticked_words(mapping.ticked)} dans ce modèle : est-ce bien le modèle "
                          "vierge ? Un compte rendu rempli fait prendre des réponses pour des libellés.", 0)
    if mapping.parts_missing:
        lines += _comment("Attention : parties que tout modèle de compte rendu contient et qui n'ont pas été "
                          f"trouvées dans celui-ci : {', '.join(mapping.parts_missing)}. Vérifiez le modèle.", 0)
    lines += [""]
    lines += _comment("Le modèle vierge (chemin relatif à ce fichier) et l'empreinte de sa mise en page : ses "
                      "libellés dans l'ordre et la forme de ses tableaux.", 0)
    lines += [f"modele: {_dump(mapping.model)}", f"empreinte: {mapping.fingerprint}"]
    if mapping.name:
        lines += [f"nom: {_dump(mapping.name)}"]
    lines += ["", "catalogue:"]
    lines += _render_catalogue(mapping)
    lines += ["", "emplacements:"]
    current = object()
    for key, placed in mapping.places.items():
        c = placed.candidate
        if c.title != current:
            current = c.title
            lines += [f"  # {c.title}" if c.title else "  # (en tête du formulaire)"]
        name = next((a["label"] for a in mapping.added if a["key"] == key), None) if placed.added else \
            catalogue.field(key).label
        if placed.checked is False:
            lines += _comment(f"À VÉRIFIER : une valeur écrite à cet emplacement n'a pas été relue ; corrigez "
                              f"l'emplacement de «\u202f{name}\u202f».", 2)
        elif not placed.added and placed.confidence < SURE:
            lines += _comment(f"À VÉRIFIER (confiance {_number(placed.confidence)}) : {c.shown} rapproché du champ "
                              f"«\u202f{name}\u202f» ({key}). S'il n'est pas ce champ, retirez cette ligne.", 2)
        lines += _entry(key, {**placed.spec, "confiance": placed.confidence}, 2)
    return "\n".join(lines) + "\n"


def _render_catalogue(mapping: Mapping) -> list[str]:
    catalogue, lines = mapping.catalogue, []
    changed = {k: v for k, v in mapping.modified.items() if k not in mapping.relaxed}
    lines.append("  modifier:")
    if changed:
        lines += _comment("Libellés tels que ce formulaire les imprime (les notes de rejet les citeront ainsi), "
                          "échelles et colonnes de l'employeur à la place de celles du catalogue.", 4)
        for key, changes in changed.items():
            if key in mapping.notes:
                lines += _comment(mapping.notes[key], 4)
            lines += _entry(key, changes, 4)
    if mapping.relaxed:
        lines += _comment("Champs obligatoires du catalogue que ce formulaire n'a pas : rendus facultatifs, sinon "
                          "chaque compte rendu serait rejeté pour une rubrique que son formulaire n'a pas. Si l'un "
                          "d'eux est en fait sur le formulaire, placez-le sous «\u202femplacements\u202f» et retirez "
                          "sa ligne ici.", 4)
        for key in mapping.relaxed:
            lines += _entry(key, {"required_from": None}, 4)
            if key in ROLE_KEYS:
                lines[-1] += "  # ne peut pas être retiré (l'application s'en sert)"
    if not changed and not mapping.relaxed:
        lines[-1] = "  modifier: {}"
    if mapping.added:
        lines += ["  ajouter:"]
        lines += _comment("Champs propres à ce formulaire, que le catalogue n'a pas : clé faite du libellé "
                          "(changez-la avant le premier traitement si vous voulez), type deviné (date, choix, case "
                          "à cocher, nombre, texte), section du catalogue où le ranger ; facultatifs, sauf les "
                          "critères d'appréciation, obligatoires comme ceux du catalogue.", 4)
        current = object()
        for new in mapping.added:
            c = mapping.places[new["key"]].candidate
            if c.title != current:
                current = c.title
                lines += [f"    # {c.title}" if c.title else "    # (en tête du formulaire)"]
            lines += _entry(None, new, 4)
    if mapping.retired_rules:
        lines += _comment("Réponses contradictoires du catalogue qui citent un choix que ce formulaire n'offre "
                          "plus : retirées (voir «\u202fentretiens champs\u202f»).", 2)
        lines += _entry("contradictions", {"retirer": mapping.retired_rules}, 2)
    roles = [k for k in mapping.absent if k in ROLE_KEYS]
    others = [k for k in mapping.absent if k not in ROLE_KEYS]
    if others:
        lines += _comment("Champs du catalogue absents de ce formulaire. Ils peuvent rester : un champ absent du "
                          "formulaire n'est jamais demandé. Pour en retirer du catalogue (plan de formation, suivi, "
                          "notes), décommentez «\u202fretirer:\u202f» et leurs lignes ; pour un champ rendu "
                          "facultatif plus haut, supprimez aussi sa ligne sous «\u202fmodifier\u202f».", 2)
        lines.append("  # retirer:")
        width = max(len(k) for k in others)
        for key in others:
            f = catalogue.field(key)
            lines.append(f"  #   - {key:<{width}}  # {f.label}")
    if roles:
        lines += _comment("Absents de ce formulaire, et que l'application utilise (identité, dates, tableaux "
                          "repris, recours) : ils ne peuvent pas être retirés, ils restent au catalogue.", 2)
        for key in roles:
            lines += _comment(f"{key} ({catalogue.field(key).label}) : {_role_hint(key)}.", 2)
    return lines


# ---------------------------------------------------------------------------------------------
# The import, and what the command prints.
# ---------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What :func:`import_form` did: the ``mapping``, formulaire.yaml's ``text``, where it was
    ``written`` (``None`` without an output), the output asked for when it was written beside it
    (``kept``: a file already there, left as it is)."""

    model: Path
    mapping: Mapping
    text: str
    written: Path | None = None
    kept: Path | None = None
    checked: bool = False  # the places were read back by the reader

    @property
    def mapped(self) -> list[Placed]:
        """The catalogue fields the form holds, with their places."""
        return [p for p in self.mapping.places.values() if not p.added]

    @property
    def doubtful(self) -> list[Placed]:
        return [p for p in self.mapped if p.confidence < SURE or p.checked is False] + \
            [p for p in self.mapping.places.values() if p.added and p.checked is False]

    def summary(self) -> str:
        """In French, what was mapped, with what confidence, what HR must look at, where it was written."""
        from .text import counted

        m, catalogue = self.mapping, self.mapping.catalogue
        total, mapped = len(catalogue.fields), self.mapped
        share = round(100 * len(mapped) / total) if total else 0
        sure = [p for p in mapped if p not in self.doubtful]
        average = sum(p.confidence for p in mapped) / len(mapped) if mapped else 0
        lines = [f"Modèle importé : {self.model.name} (empreinte {m.fingerprint}).",
                 f"{len(mapped)} champs du catalogue sur {total} placés ({share}\u00a0%), confiance moyenne "
                 f"{_number(average)} : {counted(len(sure), 'sûr', 'sûrs')}, {len(mapped) - len(sure)} à vérifier."]
        doubtful = self.doubtful
        if doubtful:
            lines.append("À vérifier par le service RH (marqués «\u202fÀ VÉRIFIER\u202f» dans le fichier) :")
            for p in doubtful:
                name = p.key if p.added else f"{p.key} «\u202f{catalogue.field(p.key).label}\u202f»"
                why = "valeur non relue à cet emplacement" if p.checked is False else \
                    f"confiance {_number(p.confidence)}"
                lines.append(f"  - {p.candidate.shown} -> {name} ({why})")
        if m.relaxed:
            lines.append(f"Champs obligatoires absents du formulaire, rendus facultatifs : {len(m.relaxed)} "
                         f"({', '.join(m.relaxed)}).")
        if m.added:
            lines.append(f"Champs propres au formulaire proposés en ajout au catalogue : {len(m.added)} "
                         f"({', '.join(a['key'] for a in m.added)}).")
        optional = [k for k in m.absent if k not in m.relaxed and k not in ROLE_KEYS]
        if optional:
            lines.append(f"Champs facultatifs du catalogue absents du formulaire : {len(optional)} "
                         f"({', '.join(optional)}) ; à garder ou à retirer (liste «\u202fretirer\u202f» en "
                         "commentaire).")
        if m.ticked:
            lines.append(f"Attention : {_ticked_words(m.ticked)} dans ce modèle : importez le modèle vierge, pas "
                         "un compte rendu rempli.")
        if m.parts_missing:
            lines.append("Attention : parties réglementaires introuvables dans ce modèle : "
                         f"{', '.join(m.parts_missing)}.")
        if not self.checked:
            lines.append("Les emplacements n'ont pas pu être essayés avec le lecteur : relisez-les tous.")
        if self.written is not None:
            if self.kept is not None:
                lines.append(f"{self.kept} existe déjà : il est laissé tel quel ; la correspondance est écrite à "
                             f"côté, dans {self.written}.")
            else:
                lines.append(f"Correspondance écrite dans {self.written}.")
            lines.append(f"Relisez-la, puis indiquez «\u202fformulaire: {self.written.name}\u202f» dans config.yaml "
                         "(le fichier à côté de config.yaml, ou son chemin).")
        return "\n".join(lines)


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return match.group(1) if match else text


def _unreadable(path: Path, exc: EntretiensError) -> FormNotImportable:
    advice = {
        "format_doc": "Ouvrez-le dans Word ou LibreOffice, enregistrez-le au format .docx (ou .odt), puis importez "
                      "ce nouveau fichier.",
        "format_docm": "Enregistrez-le au format .docx, sans macros, puis importez ce nouveau fichier.",
        "protege_par_mot_de_passe": "Enregistrez-en une copie sans mot de passe, puis importez-la.",
        "protege_par_etiquette": "Enregistrez-en une copie sans protection, puis importez-la.",
    }.get(exc.code, "Importez le modèle vierge du compte rendu, tel que Word ou LibreOffice l'enregistre "
                    "(.docx ou .odt).")
    return FormNotImportable(f"Le modèle «\u202f{path.name}\u202f» ne peut pas être importé. "
                             f"{_first_sentence(exc.message)} {advice}")


def read_model(path: Path) -> Layout:
    """The layout of the blank form at ``path``; :class:`FormNotImportable` when it is no .docx or
    .odt that can be read."""
    from .layout import layout_of
    from .outcomes import UnreadableReport
    from .preflight import open_document

    if not path.exists():
        raise FormNotImportable(f"Le modèle «\u202f{path}\u202f» est introuvable. Vérifiez son nom et son dossier.")
    if path.is_dir():
        raise FormNotImportable(f"«\u202f{path}\u202f» est un dossier : indiquez le fichier du modèle lui-même "
                                "(.docx ou .odt).")
    try:
        with open_document(path) as package:
            return layout_of(package)
    except UnreadableReport as exc:
        raise _unreadable(path, exc) from None


def _not_a_form(path: Path, mapping: Mapping) -> FormNotImportable:
    from .text import counted

    found = [part for part in REGULATORY_PARTS if part not in mapping.parts_missing]
    said = (f"aucune des parties que tout modèle de compte rendu contient n'y a été trouvée "
            f"({', '.join(mapping.parts_missing)})" if not found else
            f"{counted(len(found), 'seule partie', 'parties seulement')} sur les {len(REGULATORY_PARTS)} que tout "
            f"modèle de compte rendu contient y {'a' if len(found) == 1 else 'ont'} été "
            f"{'trouvée' if len(found) == 1 else 'trouvées'} ({', '.join(found)}) ; il manque : "
            f"{', '.join(mapping.parts_missing)}")
    return FormNotImportable(
        f"Le modèle «\u202f{path.name}\u202f» ne ressemble pas à un compte rendu d'entretien professionnel : {said}. "
        "Vérifiez qu'il s'agit bien du modèle vierge du compte "
        "rendu ; si c'en est un, ses libellés sont trop éloignés de ceux que le programme connaît : écrivez la "
        "correspondance à la main (voir le guide, «\u202fentretiens formulaire importer\u202f»).")


def map_layout(layout: Layout, catalogue: Catalogue) -> tuple[Mapping, bool]:
    """The mapping of a blank form's layout, its places checked with the reader (the second value
    says whether they could be). Writes nothing; the layout is left as it was."""
    found = candidates(layout)
    mapping = build_mapping(catalogue, layout, found, match(catalogue, found))
    if not is_a_form(mapping):
        return mapping, False
    return mapping, check_with_reader(mapping, layout, found)


def is_a_form(mapping: Mapping) -> bool:
    """Whether the form holds enough of the regulatory parts (:data:`MIN_PARTS`) to be a compte rendu."""
    return len(REGULATORY_PARTS) - len(mapping.parts_missing) >= MIN_PARTS


def import_form(path: str | Path, *, catalogue: Catalogue | None = None, output: str | Path | None = None,
                today: dt.date | None = None) -> ImportResult:
    """Read an employer's blank form (.docx or .odt) and write its mapping, formulaire.yaml, to
    ``output`` (``entretiens formulaire importer``): see the module. ``catalogue``: the one to map
    (default: the hospital service's). An existing ``output`` is never replaced: the mapping is
    written beside it under a dated name (``ImportResult.kept``). Without ``output`` nothing is
    written (``ImportResult.text`` holds the file). Raises :class:`FormNotImportable` when the file
    is not a form that can be mapped (French, saying what is missing)."""
    from .catalogue import DEFAULT
    from .files import create_atomically, make_dirs, unique_path

    path, today = Path(path), today or dt.date.today()
    catalogue = catalogue or DEFAULT
    layout = read_model(path)
    mapping, checked = map_layout(layout, catalogue)
    if not is_a_form(mapping):
        raise _not_a_form(path, mapping)
    target = kept = None
    if output is not None:
        target = Path(output)
        if target.exists() and target.is_dir():
            target = target / OUTPUT_NAME
        if target.exists() or target.is_symlink():
            kept = target
            stamp = dt.datetime.now().strftime("%Y-%m-%d %Hh%M")
            target = unique_path(target.with_name(f"{target.stem} {stamp}{target.suffix}"))
        make_dirs(target.parent)
        mapping.model = _relative(path, target.parent)
    else:
        mapping.model = str(path)
    text = render(mapping, model_name=path.name, today=today)
    if target is not None:
        create_atomically(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return ImportResult(model=path, mapping=mapping, text=text, written=target, kept=kept, checked=checked)


def _relative(path: Path, folder: Path) -> str:
    import os

    try:
        return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive
        return str(path.resolve())
