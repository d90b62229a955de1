"""An employer's own form: the mapping file HR keeps beside its model, and the form it gives.

Administrations use their own model of the compte rendu (a ministry's, a centre de gestion's,
a hospital's), as .docx or .odt, built of tables and labelled lines rather than content
controls. ``entretiens formulaire importer MODELE`` writes a mapping of it that an HR officer
can read and correct, ``formulaire.yaml``; ``formulaire: formulaire.yaml`` in config.yaml makes
the campaign use it: the catalogue adapted to the form (labels as printed, the employer's own
choices, the form's own fields, the fields it does not hold) and, for each field, where the
form holds it. Its French keys::

    modele: modele_CH.docx          # the employer's blank form, relative to this file
    empreinte: F-1a2b3c4d5e         # its layout's fingerprint: a copy of another layout is refused
    nom: Compte rendu d'entretien professionnel – CH de Val-Sainte-Marie
    catalogue:                      # as config.yaml's « catalogue » section (ajouter, modifier, retirer)
      modifier:
        nom: {label: Nom de famille}
      ajouter:
        - {key: date_naissance, label: Date de naissance, section: identite, kind: date}
      retirer: [information_cpf]
    emplacements:                   # field key -> where the form holds it
      nom: {apres_libelle: Nom de famille, jusqu_a: Nom d'usage, section: IDENTIFICATION DE L'AGENT}
      missions: {sous_libelle: "Missions principales du poste :"}
      evaluateur: {cellule: Nom, colonne: SUPÉRIEUR HIÉRARCHIQUE DIRECT}
      encadre_agents: {cases: {oui: Oui, non: Non}, libelle: Fonctions d'encadrement}
      critere_fiabilite: {grille: Fiabilité et qualité du travail effectué, rangee: par l'évaluateur,
                          colonnes: {A: A, B: B, C: C, D: D}}
      date_convocation: {champ_formulaire: Texte12}
      objectifs: {tableau: {objectif: Objectif, indicateur: Indicateur(s), echeance: Échéance}}
      resultats: {tableau: {objectif: Objectif fixé,
                            resultat: {en_tete: Résultat (cocher), cases: {atteint: Atteint}}}}
      besoins_formation: {liste: "Formations demandées (intitulé – type)", colonnes: {intitule: "", type: ""},
                          separateur: "–"}   # one line a row: « 1. Excel – perfectionnement »

Every place may add ``section`` (the heading it is under, when its label is printed more than
once), ``occurrence`` (the n-th, the last resort) and ``confiance`` (how sure the import was,
0 to 1: for HR's eyes only). :func:`load_employer_form` reads the file and returns what the
configuration needs; :func:`employer_form` makes the :class:`~pipeline.form.Form` the reader
follows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, model_validator

from .catalogue import Catalogue
from .form import LIST_SEPARATOR, FieldPlace, Form, Identity, Recognition, TablePlace, VersionMarks
from .outcomes import ConfigError, describe_validation_error

#: A fingerprint of an employer's form (:func:`pipeline.employer_import.fingerprint`).
FINGERPRINT_PREFIX = "F-"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class PlaceSpec(_Spec):
    """Where one single-value field is, as formulaire.yaml says it (exactly one of the kinds)."""

    controle: str | None = None  # a content control's tag
    apres_libelle: str | None = None  # the rest of the line after this label
    sous_libelle: str | None = None  # the lines under this label
    cellule: str | None = None  # the cell beside (or below) the cell reading this label
    cases: dict[str, str] | None = None  # choice -> the text printed after its box
    grille: str | None = None  # the grid row headed by this label
    champ_formulaire: str | None = None  # a legacy form field's (or an ODF field's) name
    libelle: str | None = None  # cases: the question they answer; champ_formulaire: the label printed before it
    jusqu_a: str | None = None  # apres_libelle, sous_libelle: the next label
    direction: Literal["droite", "dessous"] = "droite"  # cellule
    colonne: str | None = None  # cellule: the column's header
    rangee: str | None = None  # grille: the sub-row (« par l'évaluateur »)
    colonnes: dict[str, str] | None = None  # grille: choice -> its column's header
    section: str | None = None
    occurrence: int = Field(1, ge=1)
    confiance: float | None = Field(None, ge=0, le=1)

    @model_validator(mode="after")
    def _one_kind(self) -> "PlaceSpec":
        kinds = [k for k in _KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("un emplacement dit une seule chose parmi : " + ", ".join(_KINDS))
        if self.grille is not None and not self.colonnes:
            raise ValueError("une grille dit ses colonnes (colonnes: {choix: en-tête})")
        if self.cases is not None and not self.cases:
            raise ValueError("des cases disent leurs choix (cases: {choix: texte imprimé après la case})")
        return self

    def place(self) -> FieldPlace:
        common = {"section": self.section, "occurrence": self.occurrence}
        if self.controle is not None:
            return FieldPlace("tag", self.controle, **common)
        if self.apres_libelle is not None:
            return FieldPlace("after_label", self.apres_libelle, until=self.jusqu_a, **common)
        if self.sous_libelle is not None:
            return FieldPlace("below_label", self.sous_libelle, until=self.jusqu_a, **common)
        if self.cellule is not None:
            return FieldPlace("cell", self.cellule, direction="below" if self.direction == "dessous" else "right",
                              column=self.colonne, **common)
        if self.cases is not None:
            return FieldPlace("boxes", self.libelle or "", options=tuple(self.cases.items()), **common)
        if self.grille is not None:
            return FieldPlace("grid", self.grille, row=self.rangee, options=tuple((self.colonnes or {}).items()),
                              **common)
        return FieldPlace("form_field", self.champ_formulaire or "", label=self.libelle, **common)


_KINDS = ("controle", "apres_libelle", "sous_libelle", "cellule", "cases", "grille", "champ_formulaire")


class ColumnSpec(_Spec):
    """A table column answered by ticking a box in its cells (in a list: on its line, after the
    label ``en_tete`` when it has one)."""

    en_tete: str = ""
    cases: dict[str, str]  # choice -> the text printed after its box


def _headers(columns: dict[str, str | ColumnSpec]) -> dict[str, str]:
    return {key: c if isinstance(c, str) else c.en_tete for key, c in columns.items()}


def _options(columns: dict[str, str | ColumnSpec]) -> dict[str, tuple[tuple[str, str], ...]]:
    return {key: tuple(c.cases.items()) for key, c in columns.items() if isinstance(c, ColumnSpec)}


class TableSpec(_Spec):
    """Where a table field is: its columns' headers as printed (column key -> header)."""

    tableau: dict[str, str | ColumnSpec]
    section: str | None = None
    confiance: float | None = Field(None, ge=0, le=1)

    @model_validator(mode="after")
    def _headers_printed(self) -> "TableSpec":
        if not self.tableau or not all(h.strip() for h in _headers(self.tableau).values()):
            raise ValueError("un tableau dit l'en-tête imprimé de chaque colonne (tableau: {colonne: en-tête})")
        return self

    def place(self) -> TablePlace:
        return TablePlace(_headers(self.tableau), section=self.section, options=_options(self.tableau))


class ListSpec(_Spec):
    """Where a table field written as a list is: the label its lines are under, its columns (column
    key -> the label written before its value on the line, "" for a column read by its place, in
    order, cut at ``separateur``)."""

    liste: str
    colonnes: dict[str, str | ColumnSpec]
    separateur: str = LIST_SEPARATOR
    section: str | None = None
    confiance: float | None = Field(None, ge=0, le=1)

    @model_validator(mode="after")
    def _columns(self) -> "ListSpec":
        if not self.liste.strip() or not self.colonnes:
            raise ValueError("une liste dit le libellé sous lequel elle est écrite et ses colonnes "
                             "(liste: libellé, colonnes: {colonne: libellé sur la ligne, ou \"\"})")
        if not self.separateur.strip():
            raise ValueError("le séparateur d'une liste est un signe (« – », « ; »), pas une espace")
        return self

    def place(self) -> TablePlace:
        return TablePlace(_headers(self.colonnes), section=self.section, options=_options(self.colonnes),
                          list_label=self.liste, separator=self.separateur.strip())


def _kind_of_place(data: Any) -> str:
    """A table's place says « tableau » (« liste » for one written as lines), any other field's place
    does not (errors then name the keys of the kind HR meant)."""
    if isinstance(data, dict):
        if "tableau" in data:
            return "tableau"
        if "liste" in data:
            return "liste"
    return "champ"


AnyPlaceSpec = Annotated[Union[Annotated[TableSpec, Tag("tableau")], Annotated[ListSpec, Tag("liste")],
                               Annotated[PlaceSpec, Tag("champ")]], Discriminator(_kind_of_place)]


class EmployerFormFile(_Spec):
    """formulaire.yaml (see the module's docstring)."""

    model: str = Field(alias="modele")
    fingerprint: str = Field(alias="empreinte")
    # The fingerprints the same form had before (imported again by a later version of the program):
    # the reports generated then, stamped with one of them, are still its own.
    earlier: list[str] = Field(default_factory=list, alias="empreintes_precedentes")
    name: str | None = Field(None, alias="nom")
    # The titles of the form's parts as printed: what is read under a label ends at the next one.
    parts: list[str] = Field(default_factory=list, alias="parties")
    catalogue: dict[str, Any] | None = None
    places: dict[str, AnyPlaceSpec] = Field(alias="emplacements")


def read_mapping(path: Path) -> EmployerFormFile:
    """formulaire.yaml, validated; raises :class:`ConfigError` (French, naming the file and the
    key) when it cannot be read or says something impossible."""
    import yaml

    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Le fichier du formulaire de l'employeur est introuvable : {path}. Créez-le avec "
                          "«\u202fentretiens formulaire importer MODELE\u202f», ou corrigez la clé formulaire de "
                          "config.yaml.") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"Le fichier du formulaire de l'employeur {path} ne peut pas être lu ({exc}). "
                          "Enregistrez-le en UTF-8, au format YAML.") from None
    try:
        return EmployerFormFile.model_validate(raw or {})
    except ValidationError as exc:
        raise ConfigError(f"Formulaire de l'employeur {Path(path).name} : {describe_validation_error(exc)}") from None


def employer_form(catalogue: Catalogue, mapping: EmployerFormFile) -> Form:
    """The form the reader follows for a report returned on the employer's form: each catalogue
    field at its mapped place (a field with no place is absent from the form), the version its
    fingerprint; a report of it is recognised by its labels; identified by the identifier
    ``entretiens modeles`` adds (document property, footer), else by its agent number and
    name fields (the blank form downloaded from the intranet: see pipeline.employer_read)."""
    places = {key: (spec.place(),) for key, spec in mapping.places.items() if isinstance(spec, PlaceSpec)}
    tables = {key: spec.place() for key, spec in mapping.places.items() if isinstance(spec, (TableSpec, ListSpec))}
    unknown = sorted(set(mapping.places) - {f.key for f in catalogue.fields})
    if unknown:
        raise ConfigError(f"Formulaire de l'employeur : l'emplacement «\u202f{unknown[0]}\u202f» ne correspond à "
                          "aucun champ du catalogue (ajoutez-le sous catalogue.ajouter, ou retirez-le).")
    for key, place in tables.items():
        f = catalogue.field(key)
        if f.kind != "table":
            raise ConfigError(f"Formulaire de l'employeur : «\u202f{key}\u202f» n'est pas un tableau du catalogue ; "
                              "placez-le avec apres_libelle, sous_libelle, cellule… (un tableau ou une liste seulement "
                              "pour un champ de type tableau).")
        columns = [c.key for c in f.columns or []]
        stray = [column for column in place.headers if column not in columns]
        if stray:
            raise ConfigError(f"Formulaire de l'employeur : la colonne «\u202f{stray[0]}\u202f» de «\u202f{key}\u202f» "
                              f"n'est pas une colonne de ce tableau ({', '.join(columns)}) : corrigez son nom, ou "
                              f"ajoutez-la aux colonnes du tableau sous catalogue.modifier.")
    labels = frozenset(p.match for found in places.values() for p in found
                       if p.kind in ("after_label", "below_label", "cell", "grid") and p.match)
    return Form(catalogue=catalogue, version=mapping.fingerprint, earlier_versions=frozenset(mapping.earlier),
                places=places, tables=tables,
                recognition=Recognition(tags=frozenset(), labels=labels),
                version_marks=VersionMarks(property="cp:version", in_footer=None), identity=Identity(),
                name=mapping.name, parts=tuple(mapping.parts))
