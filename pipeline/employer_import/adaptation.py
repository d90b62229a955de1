"""The mapping of a form (:func:`build_mapping`): each place as formulaire.yaml says it, and the
catalogue adapted to the form.

- the labels as printed replace the catalogue's (« Évaluateur : date » for a generic one), the
  employer's scales its choices (criteria levels, training types from a table's legend);
- the form's places no field took become additions (key made from the label, kind guessed: a date
  from « Date … », a choice from boxes, a yes/no from one box, text otherwise; the section of the
  catalogue fields printed in the same part; an evaluator's criterion required like the catalogue's);
- the required fields the form lacks are made optional (no report is turned away for a part its form
  does not have), the others listed for HR to retire; a contradiction naming a choice the form no
  longer offers goes;
- a label printed more than once is looked up under its group's heading or its part, and by
  ``occurrence``.
"""

from __future__ import annotations

import re
from typing import Any

from ..catalogue import Catalogue, Field
from ..layout import Layout
from ..text import YES, fold, normalize_label
from .candidate import Candidate
from .lines import is_title_text
from .mapping import Mapping, Placed, choice_keys, column_data, place_spec, table_spec
from .matching import Match, candidate_role, reading_of, title_sections
from .places import fingerprint
from .regulatory_parts import missing_parts
from .wording import (bare, clean, core, in_capitals, is_generic, name_case, printed, sentence, slug, tokens,
                      without_instructions)

# Box sets printed without a question, and the field they are.
_KNOWN_BOXES = {frozenset({"madame", "monsieur"}): ("civilite", "Civilité")}
_NUMBER_WORDS = frozenset({"nombre", "echelon", "quotite", "anciennete"})
_YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b")
_BRACKETS = re.compile(r"\s*\([^)]*\)")
_TICKED_RE = re.compile(r"[☒☑■✗✘✓✔]|\[\s?[xX✗✓]\s?\]")
_MANAGES = "encadre_agents"  # the catalogue's « L'agent encadre-t-il des agents ? »
_IDENTITY = "identite"  # the catalogue's section of the agent's identity


def build_mapping(catalogue: Catalogue, layout: Layout, found: list[Candidate], matches: list[Match]) -> Mapping:
    """The mapping of a form (see :class:`~.mapping.Mapping`) from its candidates and the fields they hold."""
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
    # A table of one empty row is read as the match read it (as a table, or as labels over values);
    # left unmatched, as labels over their values.
    readings = {reading_of(m.candidate)[0]: reading_of(m.candidate)[1] for m in matches}
    read_both_ways = {id(o.alternative_of) for o in found if o.alternative_of is not None}
    for c in found:
        m = given.get(id(c))
        if m is not None:
            _place_field(mapping, m, labels)
            previous_section = m.field.section
            continue
        group, reading = reading_of(c)
        if group in read_both_ways and reading != readings.get(group, "cells"):
            continue
        if c.handwritten and is_generic(c.text) or c.kind in ("boxes", "box") and not c.options:
            continue
        key = _key_for(c, taken)
        section = _section_for(c, catalogue, votes, parts, previous_section)
        previous_section = section
        new: dict[str, Any] = {"key": key, "label": label_of(c), "section": section, "kind": _kind_for(c)}
        if section == _IDENTITY and new["kind"] in ("text", "date", "number") and c.kind != "table":
            # The form's own identity field (« Nom d'usage », « Date de naissance », « Échelon »):
            # written by generer from the roster's column of that name, when the roster has one.
            new["roster_columns"] = [new["label"]]
        keys = None
        if new["kind"] == "choice":
            keys = list(dict.fromkeys(bare(o) for o in (c.choices if c.kind in ("form_field", "cell") else c.options)))
            if keys:
                new["choices"] = keys
            else:  # a drop-down without entries: written freely
                new["kind"], keys = "text", None
        if new["kind"] == "table":
            spec, columns = table_spec(None, c)
            new["columns"] = columns
            mapping.places[key] = Placed(key, spec, c, 0.9, added=True)
        else:
            mapping.places[key] = Placed(key, place_spec(c, keys), c, 0.9, added=True)
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
    mapping.fingerprint = fingerprint(layout)
    mapping.name = form_name(layout)
    mapping.ticked = sum(len(_TICKED_RE.findall(clean(line.text))) for line, _ in layout.lines())
    mapping.parts_missing = missing_parts(mapping)
    return mapping


def _place_field(mapping: Mapping, m: Match, labels: dict[str, str]) -> None:
    """A catalogue field at its place: its label as printed, the employer's scale or columns."""
    f, c = m.field, m.candidate
    changes: dict[str, Any] = {}
    if f.kind == "table":
        spec, columns = table_spec(f, c)
        if columns != [column_data(col) for col in f.columns or []]:
            changes["columns"] = columns
    else:
        keys = None
        if f.kind == "choice" and (c.kind in ("boxes", "grid", "form_field") or c.choices):
            options = c.choices if c.kind in ("form_field", "cell") else c.options
            # A criterion's choices spelled as any criterion's are: « Sans objet » is « sans objet » for
            # each, not only for the one whose scale has it (the harmonisation sheet split them).
            criteria = mapping.catalogue.criteria_fields
            known = [*(f.choices or []), *(choice for g in criteria for choice in g.choices or [])] \
                if any(g.key == f.key for g in criteria) else f.choices
            keys = choice_keys(options, known)
            if keys and not set(keys) <= set(f.choices or []):
                changes["choices"] = keys
        spec = place_spec(c, keys)
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


def _yes_choice(mapping: Mapping, f: Field) -> str:
    """The choice of a yes/no field that says yes, as the form spells it (« oui » by default)."""
    choices = mapping.modified.get(f.key, {}).get("choices") or f.choices or [YES]
    return next((c for c in choices if normalize_label(c) == YES), choices[0])


def _known_boxes(c: Candidate) -> tuple[str, str] | None:
    """The key and label of a set of boxes printed without a question (« ☐ Madame ☐ Monsieur »)."""
    return _KNOWN_BOXES.get(frozenset(fold(bare(o)) for o in c.options))


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) == 1 else text


_WHOSE = frozenset({"agent", "evaluateur", "autorite"})  # words that say whose, not what


def label_of(c: Candidate, f: Field | None = None) -> str:
    """The label HR and the rejection notes will name the field by: as printed, instructions in
    brackets left out, a title in capitals as a sentence, a generic label with whose it is
    (« Évaluateur : date », « Nom (agent évalué) »); the catalogue's own label when the form prints
    it (with words in brackets: the catalogue's own brackets only when the form prints them too) or
    when the printed one holds a year (« Objectifs 2027 »), or is generic and says nothing of whose
    it is (« Date » alone)."""
    if c.kind == "after_label" and c.field_kind == "date" and c.context:  # « … le ____/____/______ »
        return c.context
    if c.kind == "below_label" and c.field_kind == "date" and c.context:  # a signatory's box: its date
        return f"{sentence(core(c.context))} : date"
    if c.kind == "below_label" and c.label.startswith("(") and c.title:
        text = sentence(c.title)
    elif c.kind == "table" or c.kind == "below_label" and is_title_text(c.label):
        text = sentence(c.label) if in_capitals(c.label) else printed(c.label)
    elif c.kind == "boxes" and not c.question:
        known = _known_boxes(c)
        text = known[1] if known else " / ".join(bare(o) for o in c.options)
    elif c.kind == "after_label" and c.question:  # « … examen professionnel — lequel : »
        text = f"{printed(c.question)} : {printed(c.text)}"
    else:
        text = printed(c.text)
    text = without_instructions(text)
    if in_capitals(text):
        text = sentence(text)
    if c.kind == "below_label" and c.under_title and c.title and f is not None and \
            not (set(tokens(core(text))) & set(tokens(core(f.label)))) - _WHOSE:
        # An instruction under the part's title (« Sur l'entretien, ses perspectives… »): the part says what it is.
        return f"{sentence(core(c.title))} : {_lower_first(text)}"
    # Whose a generic label is: the group heading it is printed under; for the evaluator's and the
    # authority's (« Nom et prénom », « Date du visa »), that heading's or their part of the form's.
    role = candidate_role(c)
    # A signatory's box (« Nom, date et signature » under « L'agent ») says whose, the agent's too.
    others = role in ("evaluateur", "autorite") or c.kind == "below_label" and c.context_kind == "column"
    # The agent's own (« Prénom » under « L'agent »): a note or a column says « Prénom » alone.
    whose = c.context if (c.kind != "cell" and role != "agent") or others else None
    whose = whose or (c.title if others else None)
    said_whose = is_generic(c.text) and bool(whose) and not c.column and not is_generic(whose) and \
        c.kind in ("after_label", "below_label", "form_field", "cell")
    if said_whose:
        text = f"{sentence(core(whose))} : {_lower_first(text)}"
    elif c.kind == "cell" and c.column:
        text = f"{text} ({_lower_first(sentence(core(c.column)))})"
    elif c.kind == "grid" and c.self_assessment and c.row:
        text = f"{text} ({c.row})"
    if f is not None and (normalize_label(core(text)) == normalize_label(core(f.label)) or _YEAR_RE.search(text)):
        # The catalogue's words in brackets (« Signature de l'évaluateur (nom) ») only where the form
        # prints them: a note names what the evaluator sees.
        if _YEAR_RE.search(text):
            return f.label
        if "(" in text:
            return text
        return " ".join(_BRACKETS.sub("", f.label).split())
    if f is not None and is_generic(c.text) and not (said_whose or c.column):
        return f.label  # « Date » alone in a row of signatures: the catalogue says whose
    return text


def _key_for(c: Candidate, taken: set[str]) -> str:
    """An added field's key, made from its label, with whose it is; unique among ``taken``."""
    if c.kind == "boxes" and not c.question:
        known = _known_boxes(c)
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
    """An added field's kind, guessed from its place and its label."""
    if c.kind == "box":
        return "bool"
    if c.kind in ("boxes", "grid") or c.kind in ("form_field", "cell") and c.field_kind == "dropdown":
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
    """An added field's section: the criteria's for a criterion, the general appraisal's for the
    agent's own row, else the one most catalogue fields of its part of the form are in."""
    criteria = next((s.key for s in catalogue.sections if s.criteria), None)
    if c.criteria and criteria and not c.self_assessment:
        return criteria
    if c.self_assessment:
        general = next((f for f in catalogue.fields if f.key == "appreciation_generale"), None)
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
        addition = mapping.addition(key)
        if addition is not None:
            addition["label"] = new
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


def _looked_up_by(c: Candidate) -> str | None:
    """The text the reader looks a place up by, when it is found by its label on a line (a table:
    by its header row)."""
    if c.kind in ("after_label", "below_label"):
        return c.label
    if c.kind == "table" and c.list_columns is not None:  # a list: by its label
        return c.label
    if c.kind == "table":
        return _TABLE_HEADERS + " / ".join(c.headers)
    return c.question if c.kind in ("boxes", "box") else None


_TABLE_HEADERS = "\x00"  # a table's headers never look like a label printed on a line


def _scope_places(mapping: Mapping, found: list[Candidate]) -> None:
    """A label printed more than once (« Date » under each signatory) is looked up under the heading
    of its group, else its part of the form, and by its rank there when that is not enough; tables
    of the same headers under their titles."""
    printed_at: dict[str, list[Candidate]] = {}
    for c in found:
        if c.alternative_of is not None and c.alternative_of.list_columns is not None:
            continue  # a list's lines read as a text: the same label, printed once
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
        if c.kind == "table" and c.list_columns is None:  # tables of the same headers: by their title
            if c.label and c.label != " / ".join(c.headers):
                placed.spec["section"] = c.label
            continue
        section = c.heading_or_title
        if not section:
            continue
        placed.spec["section"] = section
        under = [o for o in same if o.heading_or_title == section or o.title == section]
        # its rank among the places printed there (two places of one room, a name's and a date's, are one)
        rank = sorted({o.line for o in under}).index(c.line) + 1 if c.line in {o.line for o in under} else 1
        if rank > 1:
            placed.spec["occurrence"] = rank


def form_name(layout: Layout) -> str | None:
    """The form as people call it: its title, and the employer its page header names (as the footer
    spells it, when it does): « Compte rendu de l'entretien professionnel – Centre hospitalier de … »."""
    title = next((sentence(line.text) for line, cell in layout.lines() if cell is None and clean(line.text).strip()),
                 None)
    # The header's first text (a header's tabs part what is printed left, centre and right).
    header = next((" ".join(t.split()) for h in layout.headers for line in h.splitlines() for t in line.split("\t")
                   if t.strip()), None)
    employer = None
    if header:
        for footer in layout.footers:
            first = re.split(r"\s[—–-]\s", footer.strip())[0].strip()
            if fold(first) == fold(header):
                employer = first
        employer = employer or name_case(header)
    if title and employer:
        return f"{title} – {employer}"
    return title or employer
