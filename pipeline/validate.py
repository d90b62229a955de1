"""Validation of a read report against the catalogue, for the stage it shows.

Every rule reads the catalogue (required_from, required_if, choices, table
columns, min_rows, unless_checked); nothing here names a field. Each finding
has a stable code, a severity, the field's label and a French sentence that
tells the manager what to do, and findings come in the order of the form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Literal

from .config import Config
from .deadlines import deadlines
from .catalogue import NEXT_OBJECTIVES, Catalogue, Column, Condition, Field
from .read import Report, normalize_label

ERROR, WARNING = "erreur", "avertissement"
Severity = Literal["erreur", "avertissement"]


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    label: str  # the field's label ("" for the document as a whole)
    message: str
    field: str | None = None
    order: int = -1  # position in the form, for sorting

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("order")
        return data


@dataclass
class Rules:
    """What validation needs besides the catalogue."""

    campaign: str
    max_objectives: int = 5
    known_agents: set[str] | None = None  # None: no roster configured
    config: Config | None = None  # for deadlines; None: no deadline warnings
    received: dt.date | None = None

    @classmethod
    def from_config(cls, config: Config, *, known_agents: set[str] | None = None,
                    received: dt.date | None = None) -> "Rules":
        return cls(campaign=config.campaign.key, max_objectives=config.max_objectives,
                   known_agents=known_agents, config=config, received=received)


@dataclass
class Validation:
    stage: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def accepted(self) -> bool:
        return not self.errors


def canonical_choice(value: str, choices: list[str]) -> str | None:
    """The allowed choice a typed value means: ``"T1 - adaptation"`` -> ``"T1"``,
    ``"Maîtrise"`` -> ``"maîtrise"``; ``None`` when it is none of them."""
    wanted = normalize_label(value)
    if not wanted:
        return None
    by_norm = {normalize_label(c): c for c in choices}
    if wanted in by_norm:
        return by_norm[wanted]
    # Longest first, so that "non atteint" is not read as "atteint".
    for norm in sorted(by_norm, key=len, reverse=True):
        if wanted.startswith(norm) and not wanted[len(norm):len(norm) + 1].isalnum():
            return by_norm[norm]
    return None


def shown_stage(report: Report, catalogue: Catalogue) -> int:
    """The highest stage any of whose own fields is filled (at least the first)."""
    stages = [f.marks_stage for f in catalogue.fields
              if f.marks_stage is not None and report.is_filled(f.key)]
    return max(stages, default=min(s.number for s in catalogue.stages))


def _condition_holds(condition: Condition, value: object) -> bool:
    for expected in condition.one_of:
        if isinstance(expected, bool):
            if bool(value is True) == expected:
                return True
        elif isinstance(value, str) and normalize_label(value) == normalize_label(expected):
            return True
    return False


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "coché" if value else "non coché"
    return str(value)


class _Checker:
    def __init__(self, report: Report, catalogue: Catalogue, stage: int, rules: Rules):
        self.report, self.catalogue, self.stage, self.rules = report, catalogue, stage, rules
        self.findings: list[Finding] = []
        self.order = {f.key: i for i, f in enumerate(catalogue.fields)}

    def add(self, code: str, severity: Severity, f: Field | None, message: str) -> None:
        self.findings.append(Finding(
            code=code, severity=severity, label=f.label if f else "", message=message,
            field=f.key if f else None, order=self.order.get(f.key, -1) if f else -1,
        ))

    def _required(self, f: Field) -> tuple[bool, str]:
        if f.required_from is None or f.required_from > self.stage:
            return False, ""
        if f.required_if is None:
            return True, ""
        other = self.catalogue.field(f.required_if.field)
        if not _condition_holds(f.required_if, self.report.value(other.key)):
            return False, ""
        wanted = " ou ".join(f"« {_shown(v)} »" for v in f.required_if.one_of)
        return True, f" lorsque « {other.label} » vaut {wanted}"

    def check_single(self, f: Field) -> None:
        report = self.report
        required, because = self._required(f)
        if f.key in report.unreadable_dates:
            self.add("date_illisible", ERROR, f, report.unreadable_dates[f.key])
            return
        if not report.is_filled(f.key):
            if required:
                later = ""
                if f.required_from and f.required_from < self.stage:
                    later = (f" Le document en est à l'étape « {self.catalogue.stage(self.stage).label} » : "
                             "cette rubrique aurait dû être remplie avant.")
                message = (f"La rubrique « {f.label} » est obligatoire{because} : complétez-la."
                           if because else f"La rubrique « {f.label} » n'est pas remplie. Complétez-la.")
                self.add("champ_manquant", ERROR, f, message + later)
            return
        value = report.values.get(f.key)
        if f.kind == "choice" and isinstance(value, str) and canonical_choice(value, f.choices or []) is None:
            self.add("choix_invalide", ERROR, f,
                     f"La rubrique « {f.label} » contient « {value} », qui n'est pas une valeur prévue. "
                     f"Choisissez parmi : {', '.join(f.choices or [])}.")
        elif f.kind == "number" and isinstance(value, str) and not value.strip().isdigit():
            self.add("nombre_invalide", ERROR, f,
                     f"La rubrique « {f.label} » attend un nombre entier, pas « {value} ».")

    def check_table(self, f: Field) -> None:
        rows = self.report.tables.get(f.key, [])
        required, because = self._required(f)
        waived = f.unless_checked and self.report.value(f.unless_checked) is True
        complete = 0
        for number, row in enumerate(rows, 1):
            if self._check_row(f, number, row):
                complete += 1
        # Rows with a problem already have their own findings: say "empty" only when
        # nothing was written at all, or too few rows were written.
        if required and not waived and complete < max(f.min_rows, 1) and complete == len(rows):
            if f.unless_checked:
                box = self.catalogue.field(f.unless_checked)
                message = (f"Le tableau « {f.label} » n'a aucune ligne complète. Renseignez au moins "
                           f"une ligne ({self._required_columns(f)}) ou cochez « {box.label} ».")
            else:
                needed = max(f.min_rows, 1)
                lines = "une ligne complète" if needed == 1 else f"{needed} lignes complètes"
                message = (f"Le tableau « {f.label} » doit compter au moins {lines} "
                           f"({self._required_columns(f)}){because}.")
            self.add("tableau_vide", ERROR, f, message)
        if waived and rows:
            box = self.catalogue.field(f.unless_checked)
            self.add("reponses_contradictoires", WARNING, f,
                     f"« {box.label} » est coché alors que le tableau « {f.label} » contient "
                     f"{len(rows)} ligne(s). Décochez la case ou videz le tableau.")
        if f.key == NEXT_OBJECTIVES and len(rows) > self.rules.max_objectives:
            self.add("objectifs_trop_nombreux", WARNING, f,
                     f"{len(rows)} objectifs sont fixés, au-delà des {self.rules.max_objectives} "
                     "recommandés. Resserrez-les si possible.")

    @staticmethod
    def _required_columns(f: Field) -> str:
        names = [f"« {c.label} »" for c in f.columns or [] if c.required]
        return "colonnes " + " et ".join(names) if names else "au moins une colonne"

    def _check_row(self, f: Field, number: int, row: dict[str, str]) -> bool:
        complete = True
        for column in f.columns or []:
            value = row.get(column.key, "")
            if not value:
                if self._column_required(column, row):
                    complete = False
                    because = ""
                    if column.required_if:
                        other = next(c for c in f.columns or [] if c.key == column.required_if.field)
                        wanted = " ou ".join(f"« {_shown(v)} »" for v in column.required_if.one_of)
                        because = f" lorsque « {other.label} » vaut {wanted}"
                    self.add("ligne_incomplete", ERROR, f,
                             f"Tableau « {f.label} », ligne {number} : la colonne « {column.label} » "
                             f"n'est pas remplie{because}. Complétez-la ou supprimez la ligne.")
                continue
            if column.kind == "choice" and canonical_choice(value, column.choices or []) is None:
                complete = False
                self.add("choix_invalide", ERROR, f,
                         f"Tableau « {f.label} », ligne {number} : « {value} » n'est pas une valeur "
                         f"prévue pour « {column.label} ». Choisissez parmi : "
                         f"{', '.join(column.choices or [])}.")
        return complete

    @staticmethod
    def _column_required(column: Column, row: dict[str, str]) -> bool:
        if column.required_if is not None:
            return _condition_holds(column.required_if, row.get(column.required_if.field, ""))
        return column.required

    def check_identity(self) -> None:
        report, rules = self.report, self.rules
        if not report.agent_number:
            self.add("identifiant_absent", ERROR, None,
                     "Le compte rendu ne permet pas d'identifier l'agent (ni identifiant, ni matricule). "
                     "Utilisez le compte rendu pré-rempli envoyé par le service RH.")
            return
        if report.campaign and report.campaign != rules.campaign:
            self.add("campagne_erronee", ERROR, None,
                     f"Ce compte rendu appartient à la campagne {report.campaign}, pas à la campagne "
                     f"en cours ({rules.campaign}). Utilisez le compte rendu pré-rempli de la campagne "
                     f"{rules.campaign}.")
        if rules.known_agents is not None and report.agent_number not in rules.known_agents:
            self.add("agent_inconnu", ERROR, None,
                     f"Le matricule {report.agent_number} ne figure pas dans la liste des agents de la "
                     "campagne. Vérifiez le matricule ou signalez l'agent au service RH.")


def validate(report: Report, catalogue: Catalogue, rules: Rules) -> Validation:
    """Check a report for the stage it shows; findings in the order of the form."""
    stage = shown_stage(report, catalogue)
    checker = _Checker(report, catalogue, stage, rules)
    checker.check_identity()
    for f in catalogue.fields:
        if f.key in report.not_in_form and f.kind != "table":
            required, _ = checker._required(f)
            if required:
                checker.add("rubrique_absente", ERROR, f,
                            f"La rubrique « {f.label} » a disparu du formulaire. Repartez du compte "
                            "rendu pré-rempli envoyé par le service RH.")
            continue
        if f.kind == "table":
            checker.check_table(f)
        else:
            checker.check_single(f)
    if rules.config is not None:
        for deadline in deadlines(report.dates, rules.config, rules.received):
            if message := deadline.warning():
                checker.add("delai_depasse", WARNING, None, message)
    findings = sorted(checker.findings, key=lambda x: x.order)
    return Validation(stage=stage, findings=findings)
