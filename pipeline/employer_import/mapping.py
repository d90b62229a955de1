"""What formulaire.yaml says, as data (:class:`Mapping`), and how a place is said in it.

Each catalogue field the form holds has a :class:`Placed` (its place in French keys: ``apres_libelle``,
``sous_libelle``, ``cellule``, ``cases``, ``grille``, ``tableau``, ``champ_formulaire``, ``controle``);
the catalogue's adaptation (``modifier``, ``ajouter``, ``contradictions``) is decided by
:mod:`.adaptation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..catalogue import Catalogue, Field, apply_overrides
from ..form import LIST_SEPARATOR
from ..text import YES, normalize_label
from .candidate import Candidate
from .matching import SURE, table_columns
from .wording import bare, core, slug, without_instructions


@dataclass
class Placed:
    """A field's place in formulaire.yaml: its ``spec`` (French keys), the candidate it came from,
    the score it was given at, and whether the reader read it back (:func:`~.read_back.check_with_reader`)."""

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

    @property
    def doubtful(self) -> bool:
        """For HR to look at: not read back, or a catalogue field placed with little confidence."""
        return self.checked is False or not self.added and self.confidence < SURE


@dataclass
class Mapping:
    """What formulaire.yaml says (see :func:`~.formulaire_yaml.render`) and what the summary reports."""

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
    earlier: list[str] = field(default_factory=list)  # the same form's fingerprints before (empreintes_precedentes)
    model: str = ""
    parts_missing: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)  # the titles of the form's parts, as printed

    def addition(self, key: str) -> dict[str, Any] | None:
        """The field added to the catalogue under ``key`` (``None`` for a catalogue field)."""
        return next((a for a in self.added if a["key"] == key), None)

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
        return {"modele": self.model, "empreinte": self.fingerprint,
                **({"empreintes_precedentes": self.earlier} if self.earlier else {}),
                **({"nom": self.name} if self.name else {}),
                **({"parties": self.parts} if self.parts else {}),
                "catalogue": self.overrides(),
                "emplacements": {key: {**p.spec, "confiance": p.confidence} for key, p in self.places.items()}}

    def adapted(self) -> Catalogue:
        """The catalogue as formulaire.yaml adapts it (raises ConfigError when it cannot)."""
        return apply_overrides(self.catalogue, self.overrides())


def choice_keys(options: list[str], choices: list[str] | None) -> list[str]:
    """Each printed option as the choice it is: the catalogue's own spelling when it is one of its
    choices (« Sans objet » is « sans objet »), else as printed."""
    known = {normalize_label(c): c for c in choices or []}
    return [known.get(normalize_label(bare(o)), bare(o)) for o in options]


def place_spec(c: Candidate, keys: list[str] | None = None) -> dict[str, Any]:
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
        spec = {"cases": {YES: c.options[0]}}
        if c.question:
            spec["libelle"] = c.question
    elif c.kind == "grid":
        spec = {"grille": c.label}
        if c.row:
            spec["rangee"] = c.row
        spec["colonnes"] = dict(zip(keys or c.options, c.options))
    else:
        spec = {"controle" if c.control else "champ_formulaire": c.field_name or c.label}
        if c.question and not c.control:
            spec["libelle"] = c.question  # printed before the field: it ends what is read under another label
    return spec


def column_data(column) -> dict[str, Any]:
    """A catalogue table's column as formulaire.yaml writes it (its synonyms are the importer's)."""
    return column.model_dump(exclude_defaults=True, exclude={"synonyms"})


def table_spec(f: Field | None, c: Candidate) -> tuple[dict[str, Any], list[dict]]:
    """A table's place (« tableau »: column key -> header, or header and boxes; a list's « liste »,
    its label, and « colonnes »: column key -> the label before its value on the line, "" for none)
    and its columns for the catalogue: table field ``f``'s columns where the headers hold them
    (``None``: a table the catalogue lacks), each other header a column of its own; the employer's
    boxes and legends as the columns' choices."""
    matched = table_columns(f, c) if f is not None else {}
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
        column = column_data(own[key]) if key in own else {"key": key, "label": header}
        column["label"] = without_instructions(header) if key not in own or \
            normalize_label(core(header)) != normalize_label(core(own[key].label)) else own[key].label
        if c.list_columns is not None:
            if key in own and n == 0 and normalize_label(header) == normalize_label(core(c.label)):
                column["label"] = own[key].label  # named by the list's label: the column keeps its own name
            else:  # named by an instruction (« intitulé – type »): a column's name, as a sentence
                column["label"] = column["label"][:1].upper() + column["label"][1:]
        boxes = c.box_columns.get(n)
        legend = c.legends.get(n)
        catalogue_choices = own[key].choices if key in own else None
        written = header if c.list_columns is None else c.list_columns[n]  # a list's: the label on its lines
        if boxes:
            choices = choice_keys(boxes, catalogue_choices)
            place[key] = {"en_tete": written, "cases": dict(zip(choices, boxes))} if written else \
                {"cases": dict(zip(choices, boxes))}
            column.update(kind="choice", choices=choices)
        else:
            place[key] = written
            if legend:
                choices = choice_keys([choice for choice, _ in legend], catalogue_choices)
                column.update(kind="choice", choices=choices)
                meanings = {choice: meaning for choice, (_, meaning) in zip(choices, legend) if meaning}
                if meanings:  # what the form says its codes mean (« T3 : développement des qualifications… »)
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
                                              zip(choice_keys(list(meanings), column["choices"]), meanings.values())}}
        columns.append(column)
    for column in columns:  # a condition on a column the form does not have goes
        if column.get("required_if") and column["required_if"]["field"] not in place:
            column.pop("required_if")
        if column.get("meanings"):  # what a choice means, for the choices the column has
            kept = {choice: meaning for choice, meaning in column["meanings"].items()
                    if choice in (column.get("choices") or [])}
            if kept:
                column["meanings"] = kept
            else:
                column.pop("meanings")
    if c.list_columns is None:
        return {"tableau": place}, columns
    spec = {"liste": c.label, "colonnes": place}
    if c.separator != LIST_SEPARATOR:
        spec["separateur"] = c.separator
    return spec, columns
