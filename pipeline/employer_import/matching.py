"""Which place holds which catalogue field (:func:`match`).

A field's wordings are its label, the catalogue's :data:`~pipeline.catalogue.SYNONYMS` and its
roster columns; a place's, its label, and its context before it for a generic label. Their
similarity (:func:`~.wording.similarity`) is weighed by the kind of place (a date needs a value
place, a choice boxes or a grid, a table a table), by whose field it is (a label under « SUPÉRIEUR
HIÉRARCHIQUE DIRECT » is not the agent's grade) and by the form's part; the catalogue's criteria are
matched strictly (an employer's own criteria are its own fields). Pairs are taken best first, each
field and each place once, above :data:`MIN_SCORE`; the score is the place's ``confiance``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..catalogue import NOTIFICATION_DATE, VISA_DATE, Catalogue, Field
from ..text import fold, normalize_label
from .candidate import Candidate
from .lines import is_title_text
from .wording import GENERIC_WORDS, YES_NO, bare, core, is_generic, printed, role_of, similarity, tokens

_ALTERNATIVES = re.compile(r"\s+/\s+|\s+ou\s+")  # « Résultat / Indicateur », « Durée ou échéance »
#: Below this score a place is not given to a field (it is proposed as an addition instead).
MIN_SCORE = 0.72
#: Below this confidence a place is marked « à vérifier » in formulaire.yaml and the summary.
SURE = 0.85

# How well a kind of place suits a kind of field.
_KIND_FIT = {
    "text": {"after_label": 1.0, "below_label": 1.0, "cell": 1.0, "form_field": 1.0},
    "number": {"after_label": 1.0, "cell": 1.0, "form_field": 1.0, "below_label": 0.8},
    "date": {"after_label": 1.0, "cell": 1.0, "form_field": 1.0, "below_label": 0.75},
    "choice": {"boxes": 1.0, "grid": 1.0, "form_field": 1.0, "after_label": 0.85, "cell": 0.85},
    "bool": {"box": 1.0, "form_field": 1.0},
    "table": {"table": 1.0},
}
# How well a kind of form field suits a kind of catalogue field.
_FORM_FIELD_FIT = {
    "date": {"date": 1.0, "text": 0.8},
    "dropdown": {"choice": 1.0},
    "text": {"text": 1.0, "number": 1.0, "date": 1.0},
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


def _field_texts(f: Field) -> list[tuple[tuple[str, ...], float]]:
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
    if c.kind == "below_label" and (text.startswith("(") or is_title_text(text)):
        # The lines (or the box) under a title, or under the instruction of a title or a heading.
        over = c.context if c.context_kind == "heading" and text.startswith("(") else None
        texts += [(tokens(core(t)), 1.0) for t in (over, c.title) if t]
    elif c.kind == "below_label" and c.under_title and c.title:  # the part's own text, under its instruction
        texts.append((tokens(core(c.title)), 0.95))
    if c.kind == "table" and c.list_columns is not None and c.title:  # a list under a part: the part's table
        texts.append((tokens(core(c.title)), 0.95))
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
            if generic and not set(mine) & GENERIC_WORDS <= set(theirs):
                value *= 0.6
            best = max(best, value)
    return best


def table_columns(f: Field, c: Candidate) -> dict[str, tuple[int, float]]:
    """Each column of table field ``f`` the table's headers hold: column key -> (header index, score)."""
    pairs = []
    for column in f.columns or []:
        texts = [tokens(core(column.label)), tokens(column.label), *(tokens(s) for s in column.synonyms)]
        for n, header in enumerate(c.headers):
            # A header naming two things (« Résultat / Indicateur ») is each of them too.
            wordings = [tokens(core(header))] + [tokens(core(part)) for part in _ALTERNATIVES.split(header)
                                                 if part.strip() and part.strip() != header.strip()]
            score = max(similarity(t, w) for t in texts if t for w in wordings if w)
            boxes = c.box_columns.get(n)
            if boxes and column.choices:  # boxes printed with the column's own choices: that column
                choices = {fold(choice) for choice in column.choices}
                if sum(fold(bare(box)) in choices for box in boxes) >= max(2, 0.6 * len(boxes)):
                    score = max(score, 0.95)
            if score >= 0.75:
                pairs.append((score, column.key, n))
    taken: dict[str, tuple[int, float]] = {}
    used: set[int] = set()
    for score, key, n in sorted(pairs, reverse=True):
        if key not in taken and n not in used:
            taken[key] = (n, score)
            used.add(n)
    first = (f.columns or [None])[0]
    if c.list_columns is not None and c.list_columns[0] == "" and 0 not in used and first is not None \
            and first.key not in taken and first.kind != "choice":
        # A list's line read as one text, named by the list's label: the table's first column (its object).
        taken[first.key] = (0, 0.8)
    return taken


def _table_score(f: Field, c: Candidate) -> float:
    columns = table_columns(f, c)
    required = [col.key for col in f.columns or [] if col.required]
    share = len(columns) / max(len(c.headers), 1)
    if any(key not in columns for key in required):
        share *= 0.6
    title = text_score(f, c) if c.label else 0.5
    value = 0.45 * title + 0.55 * share
    if title >= 0.9 and columns:  # the table titled as the field, its columns the form's own choice
        value = max(value, title * (0.75 + 0.25 * share))
    return value


def score(f: Field, c: Candidate, *, criteria: frozenset[str], sections: dict[str | None, str | None]) -> float:
    """How sure it is that place ``c`` holds field ``f`` (0 to 1)."""
    if c.kind == "form_field":
        fit = _FORM_FIELD_FIT.get(c.field_kind or "text", _FORM_FIELD_FIT["text"]).get(f.kind, 0.0)
    elif c.kind == "cell" and c.choices:  # a value cell holding a drop-down list: a choice's place
        fit = 1.0 if f.kind == "choice" else 0.8 * _KIND_FIT[f.kind].get(c.kind, 0.0)
    else:
        fit = _KIND_FIT[f.kind].get(c.kind, 0.0)
    if not fit or c.self_assessment or c.handwritten and is_generic(c.text):
        return 0.0
    if c.kind in ("after_label", "below_label") and c.field_kind == "date" and f.kind != "date":
        return 0.0  # the date after « … le », a signatory's box's date: a date's place only
    if c.kind == "below_label" and c.field_kind == "text" and f.kind == "date":
        return 0.0  # a signatory's box's name, its date another place
    if (f.key in criteria or c.criteria) and f.kind != "choice":
        return 0.0
    if f.kind == "table":
        value = _table_score(f, c)
    elif c.kind == "form_field" and c.field_name == f.key:
        return round(fit, 3)  # a control tagged with the field's key: our own template's way
    else:
        value = text_score(f, c)
        if f.key in criteria and value < SURE:
            return 0.0  # an employer's own criteria are its own fields
        offered = {normalize_label(o) for o in c.options}
        if c.kind == "boxes" and f.choices and len(c.options) >= 2 and offered != YES_NO and \
                offered == {normalize_label(choice) for choice in f.choices}:
            value = max(value, SURE)  # its boxes print the field's own choices, all of them (not any yes or no)
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


def reading_of(c: Candidate) -> tuple[int | None, str]:
    """The table a place is one reading of (its id, ``None`` for any other place) and which reading:
    « table », or « cells » for a header read as a label over its value."""
    if c.alternative_of is not None:
        return id(c.alternative_of), "cells"
    return (id(c), "table") if c.kind == "table" else (None, "")


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
    readings: dict[int, str] = {}  # a table of one empty row: read as a table, or as labels over values
    for value, _, _, f, c in sorted(pairs, key=lambda p: p[:3], reverse=True):
        if f.key in given or id(c) in used:
            continue
        group, reading = reading_of(c)
        if group is not None and readings.setdefault(group, reading) != reading:
            continue
        given[f.key] = Match(f, c, value)
        used.add(id(c))
    _agent_signature_by_its_place(catalogue, given)
    return sorted(given.values(), key=lambda m: catalogue.position(m.field.key))


# The agent signs twice in the workflow: after their observations (stage 2), then when the report,
# visaed, is notified (stage 4). A form prints « Signature de l'agent » for either.
_AGENT_SIGNATURES = ("signature_agent_observations", "signature_agent")
_AFTER_THE_VISA = ("visa_autorite", VISA_DATE, NOTIFICATION_DATE)


def _agent_signature_by_its_place(catalogue: Catalogue, given: dict[str, Match]) -> None:
    """The agent's signature printed before any visa or notification place (or on a form that has
    none) is the one after their observations, never the notification's: read as the
    notification's, a report the agent has just signed would skip the visa. When the form prints
    both, the first is the observations' and the second the notification's, whatever their wording
    (« Signature de l'agent », « Signature de l'agent à la notification »)."""
    observations, notification = _AGENT_SIGNATURES
    if observations in given and notification in given:
        first, second = sorted((given[observations], given[notification]), key=lambda m: m.candidate.line)
        sure = max(first.score, second.score)  # their order says which is which, as surely as the surer
        given[observations] = Match(catalogue.field(observations), first.candidate, sure)
        given[notification] = Match(catalogue.field(notification), second.candidate, sure)
        return
    placed = given.get(notification)
    if placed is None or observations in given or observations not in {f.key for f in catalogue.fields}:
        return
    before = [given[key].candidate.line for key in _AFTER_THE_VISA if key in given]
    if any(line < placed.candidate.line for line in before):
        return
    del given[notification]
    given[observations] = Match(catalogue.field(observations), placed.candidate, placed.score)
