"""The field catalogue: every field of the report, written once.

Template building, reading, validation, rejection notes, exports and the
``fields`` command all read this module; a field's key or French label
appears nowhere else. An administration adapts it from config.yaml (section
``catalogue``) without touching code: see :func:`apply_overrides`.

Default content follows the official models (décret 2010-888 art. 3, décret
2020-719 for the hospital service, arrêté of 18 March 2013, models C9/C9 bis).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, PrivateAttr, model_validator

from . import command_names  # its FIELDS is the command's name, this module's is the field list
from .outcomes import ERROR, WARNING, ConfigError, Severity, describe_validation_error

Kind = Literal["text", "date", "choice", "number", "bool", "table"]
ColumnKind = Literal["text", "date", "choice", "number"]

OBJECTIVE_SCALE = ["atteint", "partiellement atteint", "non atteint", "devenu sans objet"]
CRITERIA_SCALE = ["à acquérir", "à développer", "maîtrise", "expert"]
NOT_APPLICABLE = "sans objet"
YES_NO = ["oui", "non"]
# The three types of training need (décret n° 2007-1470 du 15 octobre 2007, art. 1).
TRAINING_TYPES = {"T1": "adaptation immédiate au poste", "T2": "évolution prévisible des métiers",
                  "T3": "acquisition de nouvelles qualifications"}

# Keys the code relies on (identity, dates, carried-over tables). Written here once.
REPORT_ID = "identifiant"
#: The printed form's layout, part of the form version: raise it when the report template
#: changes in a way older reports do not share (2: a QR code on every page, for signed copies).
FORM_LAYOUT = 2
CAMPAIGN = "campagne"
AGENT_NUMBER = "matricule"
LAST_NAME = "nom"
FIRST_NAME = "prenom"
GRADE = "grade"
SERVICE = "service"
EVALUATOR = "evaluateur"
INVITATION_DATE = "date_convocation"
REVIEW_DATE = "date_entretien"
PREVIOUS_RESULTS = "resultats"
FIRST_REVIEW = "premier_entretien"
CPF_INFORMATION = "information_cpf"
NEXT_OBJECTIVES = "objectifs"
NO_TRAINING_NEED = "aucun_besoin_formation"
TRAINING_NEEDS = "besoins_formation"
EVALUATOR_SIGNATURE_DATE = "date_signature_evaluateur"
COMMUNICATION_DATE = "date_communication"
AGENT_ACK_DATE = "date_prise_connaissance"
VISA_DATE = "date_visa"
NOTIFICATION_DATE = "date_notification"
REFUSED_TO_SIGN = "refus_signature"
NOTIFICATION_MODE = "mode_notification_refus"
REVISION_REQUEST_DATE = "date_demande_revision"
REVISION_DECISION = "decision_revision"
REVISION_DECISION_DATE = "date_decision_revision"
CAP_REFERRAL_DATE = "date_saisine_cap"
REVISED = "compte rendu révisé"  # the decision that lets a new version change what was signed
ROLE_KEYS = frozenset({
    REPORT_ID, CAMPAIGN, AGENT_NUMBER, LAST_NAME, FIRST_NAME, GRADE, SERVICE, EVALUATOR,
    INVITATION_DATE, REVIEW_DATE, PREVIOUS_RESULTS, FIRST_REVIEW, NEXT_OBJECTIVES, NO_TRAINING_NEED,
    TRAINING_NEEDS, EVALUATOR_SIGNATURE_DATE, COMMUNICATION_DATE, AGENT_ACK_DATE, VISA_DATE,
    NOTIFICATION_DATE, REFUSED_TO_SIGN, NOTIFICATION_MODE, REVISION_REQUEST_DATE, REVISION_DECISION,
    REVISION_DECISION_DATE, CAP_REFERRAL_DATE,
})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Condition(_Frozen):
    """A field is required only when another field's value is one of ``one_of``."""

    field: str
    one_of: list[str | bool]


# Who a step of the workflow waits for (a deadline's owner, a stage's holder): whom to chase.
EVALUATOR_PARTY, AGENT_PARTY, AUTHORITY_PARTY = "évaluateur", "agent", "autorité"
Party = Literal["évaluateur", "agent", "autorité"]
# The evaluator's own manager: reminded too when a step the evaluator owes stays undone (no stage waits for them).
MANAGER_PARTY = "N+2"


class Stage(_Frozen):
    number: int
    key: str
    label: str
    folder: str
    # Who the report waits for at this stage (None at the final stage): whom to chase when it stays.
    waits_for: Party | None = None


class Section(_Frozen):
    key: str
    title: str
    # A later version may not change what the evaluator signed (SPEC 3).
    signed_by_evaluator: bool = False
    intro: str | None = None
    # Its choice fields are appraisal criteria, compared across evaluators and services
    # in the tracking's «\u202fHarmonisation\u202f» sheet (equal treatment).
    criteria: bool = False
    # Filled by HR, not by the evaluator and the agent (the appeal, when there is one).
    filled_by_hr: bool = False
    # Other titles employers' forms give this part (« Manière de servir », « Valeur professionnelle »):
    # how « entretiens formulaire importer » recognises it (:data:`SYNONYMS`). Not part of the version.
    synonyms: list[str] = []


class Column(_Frozen):
    key: str
    label: str
    kind: ColumnKind = "text"
    choices: list[str] | None = None
    # What a coded choice means (« T1 » -> « adaptation immédiate au poste »), for the workbooks.
    meanings: dict[str, str] | None = None
    required: bool = False  # in a row that is not empty
    required_if: Condition | None = None
    width_cm: float = 4.0
    # Other headers employers' forms print for this column (« Indicateur(s) »): see :data:`SYNONYMS`.
    synonyms: list[str] = []


class Field(_Frozen):
    key: str
    label: str
    section: str
    kind: Kind = "text"
    choices: list[str] | None = None
    required_from: int | None = None
    required_if: Condition | None = None
    # The stage whose "own" field this is: filling it shows that stage (SPEC 3).
    marks_stage: int | None = None
    # Filled by `generate` from the roster (column names accepted, any case/accents).
    roster_columns: list[str] = []
    # Other wordings of the label on employers' own forms (« Nom et prénom de l'évaluateur »,
    # « Supérieur hiérarchique direct », « N+1 »): how « entretiens formulaire importer » finds the
    # field on a form (:data:`SYNONYMS`). Not part of the form's version: the form is the same.
    synonyms: list[str] = []
    roster_required: bool = False  # `generate` reports a roster row without it
    prefilled: bool = False  # written by `generate` even without a roster column
    multiline: bool = False
    help: str | None = None
    # Tables only.
    columns: list[Column] | None = None
    min_rows: int = 0
    blank_rows: int = 3
    # A table requirement is met by this bool field being checked instead.
    unless_checked: str | None = None
    # Dates only: the day of something done before the report reaches HR (an interview, a
    # signature, a notification), so one after the day the file was received is a typo
    # (validation: ``date_posterieure_reception``). Left false for a planned date.
    past_when_received: bool = False

    @property
    def filled_by_generate(self) -> bool:
        return self.prefilled or bool(self.roster_columns)

    @model_validator(mode="after")
    def _table_has_columns(self) -> "Field":
        if self.kind == "table" and not self.columns:
            raise ValueError(f"le tableau «\u202f{self.key}\u202f» n'a pas de colonnes")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"le champ à choix «\u202f{self.key}\u202f» n'a pas de valeurs possibles")
        if self.past_when_received and self.kind != "date":
            raise ValueError(f"le champ «\u202f{self.key}\u202f» n'est pas une date : past_when_received ne s'applique pas")
        return self


class Answer(_Frozen):
    """One answer a report can give to one field, as a :class:`Contradiction` names it.

    By default the field is answered: a box ticked, a table with a row, anything written; with
    ``one_of`` its value is one of these, with ``none_of`` none of these (a choice as the form
    lists it, a number as digits). ``empty``: the field is left empty instead (a box not ticked)."""

    field: str
    one_of: list[str] | None = None
    none_of: list[str] | None = None
    empty: bool = False


class Contradiction(_Frozen):
    """Two answers a report cannot give together (« L'agent encadre-t-il des agents ? » : non, and
    « Nombre d'agents encadrés » : 4). Declared here, as data: validation reports each one given
    (``reponses_contradictoires``) with both fields as the form prints them and what to correct,
    with the rule's ``severity`` (``erreur``: the report is turned away; ``avertissement``: it is
    accepted and the finding says what to check). ``advice``, French, replaces the sentence said
    from the two answers on what to correct. Not part of the form's version: the form is the same."""

    key: str
    answers: tuple[Answer, Answer]
    severity: Severity = ERROR
    advice: str | None = None


class Catalogue(_Frozen):
    stages: list[Stage]
    sections: list[Section]
    fields: list[Field]
    # The workflow's dates in the order they must come (each on or after the one before it
    # that is filled): a report dated before its own interview gets a procedure annulled.
    date_order: list[str] = []
    # Pairs of answers that cannot both be true (see :class:`Contradiction`).
    contradictions: list[Contradiction] = []
    # The public service's texts, cited on the form (see :data:`PUBLIC_SERVICES`).
    legal_basis: str = ""
    appeal_routes: str = ""
    _version: str | None = PrivateAttr(None)
    _positions: dict[str, int] | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _consistent(self) -> "Catalogue":
        keys = [f.key for f in self.fields]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"clés de champ en double : {', '.join(duplicates)}")
        labels = [f.label for f in self.fields]
        same_label = sorted({x for x in labels if labels.count(x) > 1})
        if same_label:
            raise ValueError(f"libellés de champ en double : {', '.join(same_label)}")
        section_keys = {s.key for s in self.sections}
        stage_numbers = {s.number for s in self.stages}
        for f in self.fields:
            if f.section not in section_keys:
                raise ValueError(f"le champ «\u202f{f.key}\u202f» cite une section inconnue «\u202f{f.section}\u202f»")
            for stage in (f.required_from, f.marks_stage):
                if stage is not None and stage not in stage_numbers:
                    raise ValueError(f"le champ «\u202f{f.key}\u202f» cite une étape inconnue {stage}")
            if f.required_if and f.required_if.field not in keys:
                raise ValueError(
                    f"le champ «\u202f{f.key}\u202f» dépend d'un champ inconnu «\u202f{f.required_if.field}\u202f»"
                )
        for key in self.date_order:
            if key not in keys or next(f for f in self.fields if f.key == key).kind != "date":
                raise ValueError(f"date_order cite «\u202f{key}\u202f», qui n'est pas un champ date du catalogue")
        rule_keys = [rule.key for rule in self.contradictions]
        twice = sorted({k for k in rule_keys if rule_keys.count(k) > 1})
        if twice:
            raise ValueError(f"contradictions en double : {', '.join(twice)}")
        by_key = {f.key: f for f in self.fields}
        for rule in self.contradictions:
            for answer in rule.answers:
                problem = _answer_problem(answer, by_key.get(answer.field))
                if problem:
                    raise ValueError(f"la contradiction «\u202f{rule.key}\u202f» {problem} ; modifiez-la ou "
                                     "retirez-la (catalogue.contradictions de config.yaml)")
        return self

    # -- lookups -----------------------------------------------------------

    def field(self, key: str) -> Field:
        return self.fields[self.position(key)]

    def position(self, key: str) -> int:
        """Where the field ``key`` comes in the form (its index in ``fields``); KeyError if none.
        Looked up in a table made once: reading and validating a report ask it for every field."""
        if self._positions is None:
            object.__setattr__(self, "_positions", {f.key: i for i, f in enumerate(self.fields)})  # frozen model
        try:
            return self._positions[key]
        except KeyError:
            raise KeyError(key) from None

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def stage(self, number: int) -> Stage:
        return next(s for s in self.stages if s.number == number)

    @property
    def single_fields(self) -> list[Field]:
        return [f for f in self.fields if f.kind != "table"]

    @property
    def table_fields(self) -> list[Field]:
        return [f for f in self.fields if f.kind == "table"]

    def fields_in(self, section_key: str) -> list[Field]:
        return [f for f in self.fields if f.section == section_key]

    def evaluator_fields(self) -> list[Field]:
        signed = {s.key for s in self.sections if s.signed_by_evaluator}
        return [f for f in self.fields if f.section in signed]

    @property
    def criteria_fields(self) -> list[Field]:
        """The appraisal criteria (choice fields of a section marked ``criteria``), in order."""
        marked = {s.key for s in self.sections if s.criteria}
        return [f for f in self.fields if f.section in marked and f.kind == "choice"]

    @property
    def final_stage(self) -> int:
        return max(s.number for s in self.stages)

    def version(self) -> str:
        """Template version: changes when what the form holds changes (keys, labels,
        kinds, choices, columns), not when a requirement is relaxed."""
        if self._version is None:
            object.__setattr__(self, "_version", self._compute_version())  # frozen model
        return self._version

    def _compute_version(self) -> str:
        shape = [
            (f.key, f.label, f.kind, f.choices,
             [(c.key, c.label, c.choices) for c in f.columns or []])
            for f in self.fields
        ]
        if FORM_LAYOUT > 1:
            shape = [FORM_LAYOUT, shape]
        digest = hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode()).hexdigest()
        return f"CR-{digest[:10]}"

    def as_json(self) -> dict[str, Any]:
        """The shape printed by ``entretiens champs --json`` (SPEC 3)."""
        titles = {s.key: s.title for s in self.sections}
        return {
            "stages": [{"key": s.key, "label": s.label, "folder": s.folder} for s in self.stages],
            "fields": [
                {
                    "key": f.key,
                    "label": f.label,
                    "section": titles[f.section],
                    "kind": f.kind,
                    "choices": f.choices,
                    "required_from": f.required_from,
                    "columns": (
                        [
                            {"key": c.key, "label": c.label, "kind": c.kind, "choices": c.choices}
                            for c in f.columns
                        ]
                        if f.columns
                        else None
                    ),
                }
                for f in self.fields
            ],
        }


def _answer_problem(answer: Answer, f: Field | None) -> str | None:
    """What is wrong with ``answer`` for the field it names (``f``: None when there is none)."""
    if f is None:
        return f"cite un champ inconnu «\u202f{answer.field}\u202f»"
    values = [*(answer.one_of or []), *(answer.none_of or [])]
    if answer.empty and values:
        return f"donne des valeurs au champ «\u202f{f.key}\u202f» qu'elle dit vide (empty)"
    if values and f.kind in ("bool", "table"):
        return (f"donne des valeurs au champ «\u202f{f.key}\u202f», qui est "
                + ("une case : elle est cochée, ou vide (empty)" if f.kind == "bool" else "un tableau"))
    if f.kind == "choice":
        unknown = [v for v in values if v not in (f.choices or [])]
        if unknown:
            return (f"cite «\u202f{unknown[0]}\u202f», qui n'est pas une valeur du champ «\u202f{f.key}\u202f» "
                    f"(valeurs : {', '.join(f.choices or [])})")
    if f.kind == "number" and not all(v.isdigit() for v in values):
        return f"attend des nombres entiers pour le champ «\u202f{f.key}\u202f»"
    return None


# ---------------------------------------------------------------------------
# The default catalogue.
# ---------------------------------------------------------------------------

STAGES = [
    Stage(number=1, key="evaluation",
          label="Évaluation signée par l'évaluateur, en attente des observations de l'agent",
          folder="1_attente_observations_agent", waits_for=AGENT_PARTY),
    Stage(number=2, key="observations",
          label="Observations de l'agent recueillies, en attente du visa de l'autorité",
          folder="2_attente_visa_autorite", waits_for=AUTHORITY_PARTY),
    Stage(number=3, key="visa",
          label="Visa de {autorite}, en attente de notification",
          folder="3_attente_notification", waits_for=EVALUATOR_PARTY),
    Stage(number=4, key="notification",
          label="Notifié à l'agent, versé au dossier administratif",
          folder="4_dossier_agent"),
]

SECTIONS = [
    Section(key="identite", title="1. Identification de l'agent et de l'évaluateur"),
    Section(key="entretien", title="2. L'entretien"),
    Section(key="poste", title="3. Description du poste occupé", signed_by_evaluator=True),
    Section(key="resultats", title="4. Résultats professionnels obtenus", signed_by_evaluator=True,
            intro="Appréciez l'atteinte de chacun des objectifs fixés lors du précédent entretien."),
    Section(key="objectifs", title="5. Objectifs fixés pour l'année à venir", signed_by_evaluator=True,
            intro="Au moins un objectif, avec son indicateur et son échéance."),
    Section(key="maniere_de_servir", title="6. Manière de servir", signed_by_evaluator=True, criteria=True,
            intro="Échelle : à acquérir, à développer, maîtrise, expert."),
    Section(key="acquis", title="7. Acquis de l'expérience professionnelle", signed_by_evaluator=True),
    Section(key="appreciation", title="8. Appréciation générale sur la valeur professionnelle",
            signed_by_evaluator=True),
    Section(key="formation", title="9. Besoins de formation", signed_by_evaluator=True,
            intro="Type : " + " ; ".join(f"{code} {meaning}" for code, meaning in TRAINING_TYPES.items())
                  + ". Un avis défavorable doit être motivé."),
    Section(key="perspectives", title="10. Perspectives d'évolution professionnelle",
            signed_by_evaluator=True),
    Section(key="attentes", title="11. Attentes et propositions de l'agent"),
    Section(key="signatures", title="12. Signatures et notification"),
    Section(key="recours", title="13. Recours (partie remplie par le service RH)", filled_by_hr=True,
            intro="À remplir si l'agent demande la révision du compte rendu. Un compte rendu révisé est "
                  "renvoyé comme une nouvelle version, avec la décision et sa date."),
]

_SIGNED_BY_AGENT = Condition(field=REFUSED_TO_SIGN, one_of=[False])
_REFUSED_TO_SIGN = Condition(field=REFUSED_TO_SIGN, one_of=[True])
# How a report the agent refused to sign was notified: the refusal counts as notification.
NOTIFICATION_MODES = ["remise en main propre", "lettre recommandée avec accusé de réception"]
_MANAGES = Condition(field="encadre_agents", one_of=["oui"])

FIELDS = [
    # 1. Identification
    Field(key=REPORT_ID, label="Identifiant du compte rendu", section="identite",
          required_from=1, prefilled=True),
    Field(key=CAMPAIGN, label="Campagne", section="identite", required_from=1, prefilled=True),
    Field(key=AGENT_NUMBER, label="Matricule", section="identite", required_from=1,
          roster_required=True, roster_columns=["matricule", "numéro d'agent", "n° agent"]),
    Field(key=LAST_NAME, label="Nom de l'agent", section="identite", required_from=1,
          roster_required=True, roster_columns=["nom", "nom de famille", "nom d'usage"]),
    Field(key=FIRST_NAME, label="Prénom de l'agent", section="identite", required_from=1,
          roster_required=True, roster_columns=["prénom"]),
    Field(key=GRADE, label="Grade", section="identite", required_from=1,
          roster_columns=["grade"]),
    Field(key=SERVICE, label="Service d'affectation", section="identite", required_from=1,
          roster_columns=["service", "affectation"]),
    Field(key=EVALUATOR, label="Nom et prénom de l'évaluateur", section="identite",
          required_from=1, roster_required=True, roster_columns=["évaluateur", "evaluateur", "supérieur hiérarchique"]),
    Field(key="fonction_evaluateur", label="Fonction de l'évaluateur", section="identite",
          roster_columns=["fonction de l'évaluateur", "fonction évaluateur"]),
    # 2. L'entretien
    Field(key=INVITATION_DATE, label="Date de la convocation", section="entretien", kind="date",
          roster_columns=["date de convocation", "date convocation"], past_when_received=True),
    Field(key=REVIEW_DATE, label="Date de l'entretien", section="entretien", kind="date",
          required_from=1, roster_columns=["date d'entretien", "date entretien", "date de l'entretien"],
          past_when_received=True),
    # 3. Poste
    Field(key="poste", label="Intitulé du poste", section="poste", required_from=1,
          roster_columns=["poste", "intitulé du poste", "fonction"]),
    Field(key="missions", label="Missions principales du poste", section="poste", required_from=1,
          multiline=True),
    Field(key="evolution_poste", label="Évolution du poste et mise à jour de la fiche de poste",
          section="poste", multiline=True),
    Field(key="encadre_agents", label="L'agent encadre-t-il des agents ?", section="poste",
          kind="choice", choices=YES_NO, required_from=1, roster_columns=["encadrant"]),
    Field(key="nombre_agents_encadres", label="Nombre d'agents encadrés", section="poste",
          kind="number", required_from=1, required_if=_MANAGES),
    # 4. Résultats
    Field(key=FIRST_REVIEW, label="Premier entretien : aucun objectif n'a été fixé l'an dernier",
          section="resultats", kind="bool", roster_columns=["premier entretien", "nouvel arrivant"],
          help="Cochée par le service RH pour un agent arrivé dans l'année ; le tableau des objectifs "
               "de l'année écoulée reste alors vide."),
    Field(key=PREVIOUS_RESULTS, label="Objectifs de l'année écoulée et résultats", section="resultats",
          kind="table", required_from=1, min_rows=1, blank_rows=3, unless_checked=FIRST_REVIEW,
          columns=[
              Column(key="objectif", label="Objectif fixé l'an dernier", required=True, width_cm=6.5),
              Column(key="atteinte", label="Niveau d'atteinte", kind="choice",
                     choices=OBJECTIVE_SCALE, required=True, width_cm=3.5),
              Column(key="commentaire", label="Commentaire", width_cm=6.5),
          ]),
    Field(key="evenements", label="Événements survenus au cours de la période écoulée",
          section="resultats", multiline=True,
          help="Contexte, difficultés, changements d'organisation ayant pesé sur les résultats."),
    # 5. Objectifs
    Field(key=NEXT_OBJECTIVES, label="Objectifs pour l'année à venir", section="objectifs",
          kind="table", required_from=1, min_rows=1, blank_rows=4,
          columns=[
              Column(key="objectif", label="Objectif", required=True, width_cm=7.0),
              Column(key="indicateur", label="Indicateur de résultat", width_cm=6.0),
              Column(key="echeance", label="Échéance", width_cm=3.5),
          ]),
    # 6. Manière de servir
    Field(key="competences", label="Compétences professionnelles et technicité",
          section="maniere_de_servir", kind="choice", choices=CRITERIA_SCALE, required_from=1),
    Field(key="contribution", label="Contribution à l'activité du service",
          section="maniere_de_servir", kind="choice", choices=CRITERIA_SCALE, required_from=1),
    Field(key="qualites_relationnelles", label="Qualités personnelles et relationnelles",
          section="maniere_de_servir", kind="choice", choices=CRITERIA_SCALE, required_from=1),
    Field(key="capacite_encadrement",
          label="Capacité d'encadrement ou à exercer des fonctions d'un niveau supérieur",
          section="maniere_de_servir", kind="choice", choices=[*CRITERIA_SCALE, NOT_APPLICABLE],
          required_from=1, required_if=_MANAGES,
          help="«\u202fsans objet\u202f» lorsque l'agent n'encadre personne."),
    Field(key="appreciation_encadrement", label="Appréciation de l'encadrement exercé",
          section="maniere_de_servir", required_from=1, required_if=_MANAGES, multiline=True),
    # 7. Acquis
    Field(key="acquis_experience", label="Acquis de l'expérience professionnelle",
          section="acquis", multiline=True),
    # 8. Appréciation générale
    Field(key="appreciation_generale", label="Appréciation générale", section="appreciation",
          required_from=1, multiline=True),
    # 9. Formation
    Field(key=NO_TRAINING_NEED, label="Aucun besoin de formation exprimé",
          section="formation", kind="bool"),
    Field(key=CPF_INFORMATION,
          label="L'agent a été informé de son compte personnel de formation (CPF) et de ses droits à formation",
          section="formation", kind="choice", choices=YES_NO, required_from=1,
          # The law cited: to check (the CPF of public servants comes from ordonnance 2017-53 and
          # décret 2017-928; the obligation to inform the agent at the interview was not found in a text).
          help="L'entretien professionnel comprend l'entretien de formation ; l'agent y est informé de "
               "son compte personnel de formation (loi n° 2019-828 du 6 août 2019)."),
    Field(key=TRAINING_NEEDS, label="Besoins de formation", section="formation",
          kind="table", required_from=1, min_rows=1, blank_rows=3,
          unless_checked="aucun_besoin_formation",
          columns=[
              Column(key="intitule", label="Intitulé de la formation", required=True, width_cm=4.5),
              Column(key="type", label="Type", kind="choice", choices=list(TRAINING_TYPES),
                     meanings=TRAINING_TYPES,
                     required=True, width_cm=1.4),
              Column(key="dispositif", label="Dispositif", kind="choice", width_cm=2.6,
                     choices=["plan de formation", "CPF", "préparation aux concours",
                              "VAE", "bilan de compétences", "congé de formation professionnelle",
                              "période de professionnalisation"]),
              Column(key="priorite", label="Priorité", kind="choice",
                     choices=["haute", "moyenne", "basse"], width_cm=1.8),
              Column(key="periode", label="Période souhaitée", width_cm=2.2),
              Column(key="avis", label="Avis de l'évaluateur", kind="choice",
                     choices=["favorable", "défavorable"], width_cm=2.2),
              Column(key="motif_avis", label="Motif de l'avis défavorable", width_cm=2.8,
                     required_if=Condition(field="avis", one_of=["défavorable"])),
          ]),
    # 10. Perspectives
    Field(key="perspectives_carriere", label="Perspectives d'évolution de carrière",
          section="perspectives", required_from=1, multiline=True,
          help="Avancement, promotion, concours et examens envisagés."),
    Field(key="perspectives_mobilite", label="Projet de mobilité", section="perspectives",
          multiline=True),
    Field(key="echelon_sommital", label="Agent au dernier échelon de son grade depuis au moins trois ans",
          section="perspectives", kind="choice", choices=YES_NO, required_from=1,
          roster_columns=["échelon sommital", "echelon sommital depuis 3 ans"]),
    Field(key="appreciation_promotion", label="Appréciation des perspectives d'accès au grade supérieur",
          section="perspectives", required_from=1, multiline=True,
          required_if=Condition(field="echelon_sommital", one_of=["oui"])),
    # 11. Attentes de l'agent
    Field(key="attentes_agent", label="Attentes et propositions de l'agent", section="attentes",
          multiline=True),
    # 12. Signatures
    Field(key="signature_evaluateur", label="Signature de l'évaluateur (nom)", section="signatures",
          required_from=1, marks_stage=1),
    Field(key=EVALUATOR_SIGNATURE_DATE, label="Date de signature de l'évaluateur",
          section="signatures", kind="date", required_from=1, marks_stage=1, past_when_received=True),
    Field(key=COMMUNICATION_DATE, label="Date de communication du compte rendu à l'agent",
          section="signatures", kind="date", required_from=2, past_when_received=True),
    Field(key="observations_agent", label="Observations de l'agent", section="signatures",
          multiline=True, marks_stage=2),
    Field(key=AGENT_ACK_DATE, label="Date de prise de connaissance par l'agent",
          section="signatures", kind="date", required_from=2, marks_stage=2, past_when_received=True),
    Field(key="signature_agent_observations",
          label="Signature de l'agent après ses observations (nom)", section="signatures",
          required_from=2, marks_stage=2,
          help="Première signature de l'agent : il a pris connaissance du compte rendu."),
    Field(key="visa_autorite", label="Visa de {autorite} (nom et qualité)",
          section="signatures", required_from=3, marks_stage=3),
    Field(key=VISA_DATE, label="Date du visa", section="signatures", kind="date",
          required_from=3, marks_stage=3, past_when_received=True),
    Field(key=NOTIFICATION_DATE, label="Date de notification à l'agent", section="signatures",
          kind="date", required_from=4, marks_stage=4, past_when_received=True),
    Field(key="signature_agent", label="Signature de l'agent à la notification (nom)", section="signatures",
          required_from=4, required_if=_SIGNED_BY_AGENT, marks_stage=4,
          help="Seconde signature de l'agent : le compte rendu visé lui est notifié."),
    Field(key=REFUSED_TO_SIGN, label="L'agent a refusé de signer", section="signatures",
          kind="bool", marks_stage=4),
    Field(key=NOTIFICATION_MODE, label="En cas de refus de signer : mode de notification", section="signatures",
          kind="choice", choices=NOTIFICATION_MODES, required_from=4, required_if=_REFUSED_TO_SIGN,
          help="Le refus de signer vaut notification : la date de notification est celle de la remise ou "
               "de la présentation de la lettre recommandée, et les délais de recours courent à partir d'elle."),
    # 13. Recours: filled by HR (the revision request's article: see PUBLIC_SERVICES).
    Field(key=REVISION_REQUEST_DATE, label="Date de la demande de révision", section="recours", kind="date",
          past_when_received=True),
    Field(key=REVISION_DECISION, label="Décision sur la demande de révision", section="recours", kind="choice",
          choices=["compte rendu maintenu", REVISED]),
    Field(key=REVISION_DECISION_DATE, label="Date de la décision sur la demande de révision", section="recours",
          kind="date", past_when_received=True),
    Field(key=CAP_REFERRAL_DATE, label="Date de saisine de la commission administrative paritaire",
          section="recours", kind="date", past_when_received=True),
]

APPEAL_ROUTES = (
    "Voies et délais de recours : l'agent peut saisir {autorite_revision} d'une demande de "
    "révision du compte rendu dans un délai de quinze jours francs suivant sa notification ; "
    "l'autorité notifie sa réponse dans un délai de quinze jours francs. L'agent peut ensuite saisir la "
    "commission administrative paritaire dans un délai d'un mois suivant la réponse de "
    "{autorite_revision}. Un recours contentieux peut être formé devant le tribunal administratif dans "
    "un délai de deux mois à compter de la notification du compte rendu ou de la réponse à la "
    "demande de révision."
)

# Invitation, interview, evaluator's signature, communication to the agent, the agent's
# acknowledgement, visa, notification, then the appeal's (the articles: see PUBLIC_SERVICES).
DATE_ORDER = [INVITATION_DATE, REVIEW_DATE, EVALUATOR_SIGNATURE_DATE, COMMUNICATION_DATE, AGENT_ACK_DATE,
              VISA_DATE, NOTIFICATION_DATE, REVISION_REQUEST_DATE, REVISION_DECISION_DATE, CAP_REFERRAL_DATE]

_MANAGES_NOT, _MANAGES_YES = (Answer(field=_MANAGES.field, one_of=[answer]) for answer in YES_NO[::-1])
# Pairs of answers a report cannot give together (README « Adapting the form »: the severities and why).
# Other pairs looked at and left out, being true together: a non-manager rated on « Capacité
# d'encadrement ou à exercer des fonctions d'un niveau supérieur » (higher functions); an appraisal of
# promotion prospects below the top step; a CPF request by an agent the interview did not inform; a
# reason written beside a favourable opinion (« favorable, sous réserve… »); an appeal asked, not decided.
CONTRADICTIONS = [
    # Errors. Two facts the evaluator signs, one of them wrong, and the manager's answer decides what the
    # report must hold (the management criterion and its appraisal): once signed they can no longer
    # change (modification_apres_signature), so the report goes back now.
    Contradiction(key="non_encadrant_avec_agents_encadres",
                  answers=(_MANAGES_NOT, Answer(field="nombre_agents_encadres", none_of=["0"]))),
    Contradiction(key="encadrant_sans_agent_encadre",
                  answers=(_MANAGES_YES, Answer(field="nombre_agents_encadres", one_of=["0"]))),
    Contradiction(key="encadrant_capacite_sans_objet",
                  answers=(_MANAGES_YES, Answer(field="capacite_encadrement", one_of=[NOT_APPLICABLE]))),
    # The refusal to sign counts as notification and starts the appeal windows, the tracking says how
    # the report was notified: a report cannot say both that the agent signed it and refused to.
    Contradiction(key="refus_de_signer_et_signature_de_l_agent",
                  answers=(Answer(field=REFUSED_TO_SIGN), Answer(field="signature_agent"))),
    # Warnings. Free text may describe occasional supervision (interns, an interim) that does not make
    # the agent a manager.
    Contradiction(key="non_encadrant_avec_appreciation_de_l_encadrement", severity=WARNING,
                  answers=(_MANAGES_NOT, Answer(field="appreciation_encadrement",
                                                none_of=[NOT_APPLICABLE, "néant", "non concerné"]))),
    # The rows are explicit needs (an incomplete one is an error of its own) and the training plan keeps
    # them; the box is the cheaper slip (ticked before the discussion): said, not worth sending a signed
    # report round the workflow again.
    Contradiction(key="aucun_besoin_avec_besoins_de_formation", severity=WARNING,
                  answers=(Answer(field=NO_TRAINING_NEED), Answer(field=TRAINING_NEEDS))),
    Contradiction(key="premier_entretien_avec_resultats", severity=WARNING,
                  answers=(Answer(field=FIRST_REVIEW), Answer(field=PREVIOUS_RESULTS))),
    # The agent's signature, required without a refusal, says how the report was notified; the mode
    # written beside it changes nothing, but one of the two is a slip.
    Contradiction(key="mode_de_notification_sans_refus", severity=WARNING,
                  answers=(Answer(field=NOTIFICATION_MODE), Answer(field=REFUSED_TO_SIGN, empty=True))),
    # « 13. Recours » is HR's own part, corrected by HR: an error would turn the report away and write
    # to its evaluator. A missing date leaves a window of the tracking uncounted.
    Contradiction(key="decision_sans_demande_de_revision", severity=WARNING,
                  answers=(Answer(field=REVISION_DECISION), Answer(field=REVISION_REQUEST_DATE, empty=True))),
    Contradiction(key="decision_de_revision_sans_date", severity=WARNING,
                  answers=(Answer(field=REVISION_DECISION), Answer(field=REVISION_DECISION_DATE, empty=True))),
    Contradiction(key="date_de_decision_sans_decision", severity=WARNING,
                  answers=(Answer(field=REVISION_DECISION_DATE), Answer(field=REVISION_DECISION, empty=True))),
    Contradiction(key="saisine_cap_sans_demande_de_revision", severity=WARNING,
                  answers=(Answer(field=CAP_REFERRAL_DATE), Answer(field=REVISION_REQUEST_DATE, empty=True))),
]



class PublicService(_Frozen):
    """What differs between the three public services on the form: the texts cited, who
    gives the visa and who answers a revision request. Their delays: ``deadlines.PRESETS``."""

    key: str
    name: str
    legal_basis: str  # cited under the form's title
    visa_authority: str  # «\u202fVisa de …\u202f»
    revision_authority: str  # who a revision request goes to


# The articles behind each service's workflow, cited here only. Checked in November 2026 against
# what could be read (no Légifrance access from the build machine); "to check" where no text was found.
# - Décret n° 2010-888 (State): art. 3, the interview's themes (cited as such by the arrêtés applying
#   it); art. 4, the report signed by the direct superior, communicated to the agent for observations,
#   visé by the hierarchical authority, notified (CAA Nantes, 19 July 2022, n° 21NT00286, reads
#   art. 4 so); art. 6, the revision request to the hierarchical authority within 15 jours francs of
#   the notification, its answer within 15 jours francs, then the CAP within a month (arrêtés
#   applying it: "en application de l'article 6 du décret du 28 juillet 2010"). The 8 days' notice of
#   the interview: the rule is in the decree (NOTES.md), its article to check.
# - Décret n° 2014-1526 (territorial): art. 7, the revision request to the territorial authority
#   (15 jours francs after notification; cited so by a third party only); the report and its visa,
#   art. 6: to check.
# - Décret n° 2020-719 (hospital): the visa by the appointing authority (AIPN), the 30 days to
#   communicate and the agent's 15 days (NOTES.md), the revision request and the CAP: articles to check.
PUBLIC_SERVICES = {
    # The report is visé by the appointing authority (AIPN).
    "hospitaliere": PublicService(
        key="hospitaliere", name="fonction publique hospitalière",
        legal_basis="Décret n° 2020-719 du 12 juin 2020 relatif aux conditions générales de l'appréciation "
                    "de la valeur professionnelle des fonctionnaires de la fonction publique hospitalière.",
        visa_authority="l'autorité investie du pouvoir de nomination",
        revision_authority="l'autorité hiérarchique"),
    # Visa (art. 4) and revision (art. 6): the hierarchical authority.
    "etat": PublicService(
        key="etat", name="fonction publique de l'État",
        legal_basis="Décret n° 2010-888 du 28 juillet 2010 relatif aux conditions générales de l'appréciation "
                    "de la valeur professionnelle des fonctionnaires de l'État.",
        visa_authority="l'autorité hiérarchique", revision_authority="l'autorité hiérarchique"),
    # Visa (art. 6, to check) and revision (art. 7): the territorial authority.
    "territoriale": PublicService(
        key="territoriale", name="fonction publique territoriale",
        legal_basis="Décret n° 2014-1526 du 16 décembre 2014 relatif à l'appréciation de la valeur "
                    "professionnelle des fonctionnaires territoriaux.",
        visa_authority="l'autorité territoriale", revision_authority="l'autorité territoriale"),
}


def for_public_service(catalogue: Catalogue, key: str) -> Catalogue:
    """``catalogue`` worded for one public service (:data:`PUBLIC_SERVICES`): the texts cited,
    the authority in the visa's stage and field, and in the appeal routes. Only the
    «\u202f{autorite}\u202f» and «\u202f{autorite_revision}\u202f» placeholders are replaced."""
    service = PUBLIC_SERVICES[key]

    def worded(text: str | None) -> str | None:
        if text is None:
            return None
        return (text.replace("{autorite_revision}", service.revision_authority)
                .replace("{autorite}", service.visa_authority))

    data = catalogue.model_dump()  # a new, validated catalogue: its version is its own
    for item in (*data["stages"], *data["fields"]):
        item["label"] = worded(item["label"])
        if "help" in item:
            item["help"] = worded(item["help"])
    return Catalogue(**data | {"legal_basis": service.legal_basis, "appeal_routes": worded(APPEAL_ROUTES)})


# ---------------------------------------------------------------------------
# Other wordings: how employers' own forms print a field, a column or a part.
# ---------------------------------------------------------------------------

#: What employers' forms print instead of a field's label (key) or a table column's header
#: (``table.column``), as administrations word them: « entretiens formulaire importer »
#: (pipeline/employer_import/) finds the field on a form by its label, these and its roster
#: columns. A generic label printed under a heading (« Date » under « Évaluateur », « Nom » in the
#: column « Supérieur hiérarchique direct ») is compared with its heading before it: « évaluateur
#: date ». « N+1 », « SHD » and « supérieur hiérarchique direct » are read as « évaluateur » there,
#: « AIPN », « autorité territoriale » or « directeur » as « autorité ». Not part of the form's
#: version. A field added in config.yaml may declare its own ``synonyms``.
SYNONYMS: dict[str, list[str]] = {
    REPORT_ID: ["identifiant", "référence du compte rendu"],
    CAMPAIGN: ["année", "année de l'entretien", "campagne d'évaluation", "période évaluée"],
    AGENT_NUMBER: ["matricule", "numéro de matricule", "numéro d'agent", "n° agent", "identifiant de l'agent"],
    LAST_NAME: ["nom de famille", "nom", "nom patronymique", "nom de l'agent évalué", "agent nom"],
    FIRST_NAME: ["prénom", "prénom de l'agent évalué", "agent prénom"],
    GRADE: ["grade de l'agent", "grade détenu", "agent grade", "corps-grade", "corps et grade", "corps / grade",
            "grade / corps"],
    SERVICE: ["service", "service / unité", "service / direction", "direction / service", "affectation",
              "service d'affectation de l'agent", "structure", "unité de travail", "agent service", "pôle / service",
              "pôle", "pôle / unité"],
    EVALUATOR: ["nom et prénom de l'évaluateur", "nom de l'évaluateur", "évaluateur",
                "nom du supérieur hiérarchique direct", "supérieur hiérarchique direct nom",
                "supérieur hiérarchique direct"],
    "fonction_evaluateur": ["fonction de l'évaluateur", "fonctions de l'évaluateur", "évaluateur fonction",
                            "évaluateur intitulé du poste", "qualité de l'évaluateur", "évaluateur qualité"],
    INVITATION_DATE: ["date de la convocation", "date de convocation", "convoqué le", "date d'envoi de la convocation"],
    REVIEW_DATE: ["date de l'entretien", "date de l'entretien professionnel", "date d'entretien", "entretien du",
                  "entretien réalisé le"],
    "poste": ["intitulé du poste", "poste occupé", "emploi occupé", "intitulé de l'emploi", "fonctions exercées",
              "agent intitulé du poste", "agent fonction"],
    "missions": ["missions principales du poste", "missions du poste", "missions et activités principales",
                 "description des missions", "activités principales", "principales missions"],
    "evolution_poste": ["évolution du poste", "mise à jour de la fiche de poste", "évolution des missions du poste"],
    "encadre_agents": ["fonctions d'encadrement", "encadrement", "l'agent encadre-t-il", "encadre des agents",
                       "exerce des fonctions d'encadrement", "agent encadrant"],
    "nombre_agents_encadres": ["nombre d'agents encadrés", "si oui, nombre d'agents encadrés", "nombre d'agents",
                               "effectif encadré"],
    FIRST_REVIEW: ["premier entretien", "nouvel arrivant", "aucun objectif fixé l'an dernier"],
    PREVIOUS_RESULTS: ["résultats professionnels obtenus", "résultats professionnels", "évaluation de l'année écoulée",
                       "réalisation des objectifs de l'année écoulée", "objectifs de l'année écoulée",
                       "objectifs fixés l'année précédente", "bilan des objectifs", "résultats obtenus"],
    f"{PREVIOUS_RESULTS}.objectif": ["objectif fixé", "objectif", "objectifs fixés", "rappel des objectifs"],
    f"{PREVIOUS_RESULTS}.atteinte": ["résultat", "résultats", "niveau d'atteinte", "atteinte", "degré de réalisation",
                                     "résultat obtenu", "réalisation"],
    f"{PREVIOUS_RESULTS}.commentaire": ["commentaires", "observations", "observations / éléments d'explication",
                                        "éléments d'explication", "commentaire de l'évaluateur"],
    "evenements": ["événements survenus au cours de la période écoulée", "faits marquants de l'année",
                   "faits marquants", "contexte de l'année écoulée", "événements marquants"],
    NEXT_OBJECTIVES: ["objectifs fixés pour la nouvelle année", "objectifs pour l'année à venir",
                      "objectifs de l'année à venir", "objectifs fixés pour l'année à venir", "objectifs de l'année",
                      "nouveaux objectifs", "objectifs pour l'année"],
    f"{NEXT_OBJECTIVES}.objectif": ["objectif", "objectifs", "objectif fixé"],
    f"{NEXT_OBJECTIVES}.indicateur": ["indicateur", "indicateurs", "indicateurs de réussite", "critères de réussite",
                                      "indicateurs / critères de réussite", "indicateur de mesure",
                                      "modalités d'évaluation"],
    f"{NEXT_OBJECTIVES}.echeance": ["échéance", "délai", "date d'échéance", "calendrier"],
    "competences": ["compétences professionnelles et techniques", "compétences professionnelles", "technicité",
                    "compétences techniques"],
    "contribution": ["contribution à l'activité", "efficacité dans l'emploi", "contribution au service",
                     "implication dans le service"],
    # « capacités professionnelles et relationnelles »: the State's wording (décret n° 2010-888, art. 3)
    "qualites_relationnelles": ["qualités relationnelles", "qualités personnelles", "sens des relations humaines",
                                "capacités professionnelles et relationnelles", "compétences relationnelles"],
    "capacite_encadrement": ["capacité d'encadrement", "capacité d'encadrement ou d'expertise",
                             "aptitude à l'encadrement", "capacité à exercer des fonctions d'un niveau supérieur"],
    "appreciation_encadrement": ["appréciation de la manière d'exercer les fonctions d'encadrement",
                                 "appréciation de l'encadrement", "manière d'exercer les fonctions d'encadrement",
                                 "appréciation de la manière de les exercer"],
    "acquis_experience": ["acquis de l'expérience professionnelle", "acquis de l'expérience", "compétences acquises"],
    "appreciation_generale": ["appréciation générale", "appréciation générale sur la valeur professionnelle",
                              "appréciation générale littérale", "appréciation littérale",
                              "appréciation de l'évaluateur", "synthèse de l'évaluateur"],
    NO_TRAINING_NEED: ["aucun besoin de formation", "pas de besoin de formation", "aucune demande de formation"],
    CPF_INFORMATION: ["information sur le compte personnel de formation", "compte personnel de formation",
                      "l'agent a été informé de ses droits à formation", "information sur le cpf"],
    TRAINING_NEEDS: ["besoins de formation", "demandes de formation", "formations demandées", "formations envisagées",
                     "besoins en formation"],
    f"{TRAINING_NEEDS}.intitule": ["intitulé de la formation", "intitulé", "formation", "action de formation",
                                   "thème de la formation", "formation demandée", "formation souhaitée",
                                   "action de formation souhaitée", "besoin de formation"],
    f"{TRAINING_NEEDS}.type": ["type", "type de formation", "type d'action", "catégorie", "typologie"],
    f"{TRAINING_NEEDS}.dispositif": ["dispositif", "organisme / dispositif", "organisme", "dispositif mobilisé",
                                     "modalité"],
    f"{TRAINING_NEEDS}.priorite": ["priorité", "ordre de priorité", "urgence"],
    f"{TRAINING_NEEDS}.periode": ["période souhaitée", "période", "échéance souhaitée", "date souhaitée"],
    f"{TRAINING_NEEDS}.avis": ["avis de l'évaluateur", "avis", "avis du supérieur hiérarchique", "avis du responsable",
                               "avis du N+1", "avis du supérieur", "avis du chef de service", "avis du cadre"],
    f"{TRAINING_NEEDS}.motif_avis": ["motif de l'avis défavorable", "motif", "motivation de l'avis"],
    "perspectives_carriere": ["carrière", "perspectives de carrière", "évolution de carrière",
                              "perspectives d'évolution professionnelle", "projet professionnel",
                              "commentaires (carrière, mobilité)"],
    "perspectives_mobilite": ["mobilité", "projet de mobilité", "souhaits de mobilité", "perspectives de mobilité"],
    "echelon_sommital": ["agent au dernier échelon de son grade", "échelon sommital",
                         "dernier échelon depuis trois ans"],
    "appreciation_promotion": ["perspectives d'accès au grade supérieur", "appréciation des perspectives d'accès",
                               "accès au grade supérieur"],
    "attentes_agent": ["attentes de l'agent", "propositions de l'agent", "attentes et propositions",
                       "souhaits et propositions de l'agent"],
    "signature_evaluateur": ["évaluateur nom et prénom", "évaluateur nom", "évaluateur signature",
                             "nom et prénom du signataire", "signature de l'évaluateur",
                             # a box of the signatories' table (« L'évaluateur » over « Nom, date et signature »)
                             "évaluateur nom, date et signature", "évaluateur nom et signature"],
    EVALUATOR_SIGNATURE_DATE: ["évaluateur date", "date de signature de l'évaluateur", "date de signature",
                               "signé par l'évaluateur le", "évaluateur fait le", "évaluateur nom, date et signature"],
    COMMUNICATION_DATE: ["date de communication", "date de communication à l'agent", "communiqué à l'agent le",
                         "date de remise du compte rendu à l'agent"],
    "observations_agent": ["observations de l'agent", "observations éventuelles de l'agent", "remarques de l'agent",
                           "observations de l'agent sur l'entretien"],
    AGENT_ACK_DATE: ["agent date", "date de prise de connaissance", "pris connaissance le",
                     "agent prise de connaissance date", "date de prise de connaissance du compte rendu",
                     "agent nom, date et signature"],
    "signature_agent_observations": ["agent nom et prénom", "agent prise de connaissance nom et prénom",
                                     "signature de l'agent après ses observations", "agent nom, date et signature",
                                     "agent nom et signature"],
    "visa_autorite": ["visa autorité nom et qualité", "visa autorité nom et prénom", "visa nom et qualité",
                      "visa nom et prénom", "visa autorité nom", "autorité nom et qualité",
                      "autorité nom, date et signature", "autorité nom et signature"],
    VISA_DATE: ["date du visa", "visa date", "visa autorité date", "autorité date", "visé le",
                "autorité nom, date et signature"],
    NOTIFICATION_DATE: ["date de notification", "date de notification du compte rendu à l'agent",
                        "compte rendu notifié à l'agent le", "notifié le", "notification date", "notifié à l'agent le"],
    "signature_agent": ["signature de l'agent", "agent signature", "notification signature de l'agent",
                        "signature de l'agent à la notification"],
    REFUSED_TO_SIGN: ["refus de signer", "l'agent refuse de signer", "refus de signature"],
    NOTIFICATION_MODE: ["mode de notification", "notification par lettre recommandée", "modalité de notification"],
    REVISION_REQUEST_DATE: ["date de la demande de révision", "demande de révision reçue le"],
    REVISION_DECISION: ["décision sur la demande de révision", "décision de l'autorité", "suite donnée à la demande"],
    REVISION_DECISION_DATE: ["date de la décision", "date de la réponse à la demande de révision"],
    CAP_REFERRAL_DATE: ["date de saisine de la cap", "saisine de la commission administrative paritaire",
                        "date de saisine de la commission"],
}

#: Other titles employers' forms give a part of the report (section key -> titles).
SECTION_SYNONYMS: dict[str, list[str]] = {
    "identite": ["identification de l'agent", "identification", "identité de l'agent", "agent évalué",
                 "supérieur hiérarchique direct", "évaluateur", "identification de l'agent et de l'évaluateur"],
    "entretien": ["entretien", "date de l'entretien", "déroulement de l'entretien",
                  "supérieur hiérarchique direct et entretien"],
    "poste": ["description du poste", "description du poste occupé", "poste occupé", "fonctions exercées",
              "description des fonctions", "emploi occupé"],
    "resultats": ["résultats professionnels", "évaluation de l'année écoulée", "bilan de l'année écoulée",
                  "réalisation des objectifs de l'année écoulée",
                  "résultats professionnels et réalisation des objectifs"],
    "objectifs": ["objectifs fixés pour la nouvelle année", "objectifs pour l'année à venir",
                  "objectifs de l'année à venir"],
    "maniere_de_servir": ["valeur professionnelle et manière de servir", "manière de servir",
                          "appréciation de la valeur professionnelle", "critères d'appréciation",
                          "valeur professionnelle"],
    "acquis": ["acquis de l'expérience professionnelle", "acquis de l'expérience"],
    "appreciation": ["appréciation générale", "appréciation littérale", "appréciation générale de l'évaluateur"],
    "formation": ["besoins de formation", "formation", "entretien de formation", "besoins en formation"],
    "perspectives": ["perspectives d'évolution professionnelle", "évolution professionnelle",
                     "perspectives de carrière", "perspectives d'évolution"],
    "attentes": ["attentes et propositions de l'agent", "propositions de l'agent", "attentes de l'agent"],
    "signatures": ["signatures", "signatures et notification", "notification", "visa", "observations de l'agent",
                   "signature"],
    "recours": ["recours", "voies et délais de recours", "révision du compte rendu"],
}


def _with_synonyms(fields: list[Field], sections: list[Section]) -> tuple[list[Field], list[Section]]:
    """``fields`` and ``sections`` with :data:`SYNONYMS` and :data:`SECTION_SYNONYMS` declared."""
    def columns(f: Field) -> list[Column] | None:
        return None if f.columns is None else [
            c.model_copy(update={"synonyms": SYNONYMS.get(f"{f.key}.{c.key}", [])}) for c in f.columns]

    return ([f.model_copy(update={"synonyms": SYNONYMS.get(f.key, []), "columns": columns(f)}) for f in fields],
            [s.model_copy(update={"synonyms": SECTION_SYNONYMS.get(s.key, [])}) for s in sections])


FIELDS, SECTIONS = _with_synonyms(FIELDS, SECTIONS)

# The catalogue as the hospital service words it: the default public service.
BASE = Catalogue(stages=STAGES, sections=SECTIONS, fields=FIELDS, date_order=DATE_ORDER,
                 contradictions=CONTRADICTIONS)
DEFAULT = for_public_service(BASE, "hospitaliere")


# ---------------------------------------------------------------------------
# Adapting the catalogue from config.yaml.
# ---------------------------------------------------------------------------

def apply_overrides(base: Catalogue, overrides: dict[str, Any] | None) -> Catalogue:
    """Return a new catalogue with config's ``catalogue`` section applied.

    Accepted keys (French, as HR writes them in config.yaml):
    ``ajouter`` (a list of new fields, same keys as a field of this module, each placed after the
    last field of its ``section``, or right after the field ``after: <key>`` names: a field's place
    is where the form, the rejection notes and the exports list it; the first field of a section
    that has none goes before the fields of the sections after it),
    ``modifier`` (field key -> attributes to replace, e.g. ``required_from: null``),
    ``retirer`` (a list of field keys),
    ``contradictions`` (the same three for :class:`Contradiction` rules: ``ajouter`` new rules,
    ``modifier`` a rule's attributes by its key, e.g. ``severity: avertissement``, ``retirer`` keys).
    A rule about a removed field goes with it.
    """
    if not overrides:
        return base
    unknown = set(overrides) - {"ajouter", "modifier", "retirer", "contradictions"}
    if unknown:
        raise ConfigError(
            f"catalogue : clé inconnue «\u202f{sorted(unknown)[0]}\u202f» "
            "(clés possibles : ajouter, modifier, retirer, contradictions)."
        )
    fields = [f.model_dump() for f in base.fields]
    by_key = {f["key"]: f for f in fields}
    for key in overrides.get("retirer") or []:
        if key not in by_key:
            raise ConfigError(f"catalogue.retirer : le champ «\u202f{key}\u202f» n'existe pas.")
        if key in ROLE_KEYS:
            raise ConfigError(
                f"catalogue.retirer : le champ «\u202f{key}\u202f» ne peut pas être retiré : l'application "
                "s'en sert (identité, dates, tableaux repris). Rendez-le facultatif avec "
                f"«\u202fmodifier: {{{key}: {{required_from: null}}}}\u202f» si besoin.")
        fields.remove(by_key.pop(key))
    for key, changes in (overrides.get("modifier") or {}).items():
        if key not in by_key:
            raise ConfigError(
                f"catalogue.modifier : le champ «\u202f{key}\u202f» n'existe pas (la commande "
                f"«\u202f{command_names.command_line(command_names.FIELDS)}\u202f» donne la liste des clés)."
            )
        if not isinstance(changes, dict):
            raise ConfigError(f"catalogue.modifier.{key} : une liste d'attributs est attendue.")
        if "key" in changes:
            raise ConfigError(f"catalogue.modifier.{key} : la clé d'un champ ne se modifie pas.")
        if key in ROLE_KEYS and "kind" in changes and changes["kind"] != by_key[key]["kind"]:
            raise ConfigError(
                f"catalogue.modifier.{key} : le type du champ «\u202f{key}\u202f» ne peut pas changer : "
                "l'application s'en sert.")
        by_key[key].update(changes)
    for new in overrides.get("ajouter") or []:
        _insert(fields, new, base)
    contradictions = _adapted_contradictions(base, overrides.get("contradictions"), kept=set(by_key))
    try:
        return Catalogue(
            stages=[s.model_dump() for s in base.stages],
            sections=[s.model_dump() for s in base.sections],
            fields=fields,
            date_order=[key for key in base.date_order if key in by_key],
            contradictions=contradictions,
            legal_basis=base.legal_basis, appeal_routes=base.appeal_routes,
        )
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        raise ConfigError(f"catalogue : {_first_error(exc, fields, contradictions)}") from None


def _insert(fields: list[dict[str, Any]], new: Any, base: Catalogue) -> None:
    """Place an added field in ``fields``: right after the field its ``after`` names, else after the
    last field of its section, else before the first field of a section that comes after its own
    in the catalogue's order; at the end when its section is unknown (refused afterwards)."""
    if not isinstance(new, dict):
        fields.append(new)  # refused by the catalogue's validation, with its reason
        return
    new = dict(new)
    after = new.pop("after", None)
    keys = [f.get("key") for f in fields]
    if after is not None:
        if after not in keys:
            listing = command_names.command_line(command_names.FIELDS)
            raise ConfigError(f"catalogue.ajouter.{new.get('key')} : after «\u202f{after}\u202f» n'est pas un "
                              f"champ du catalogue (la commande «\u202f{listing}\u202f» donne la liste des clés).")
        fields.insert(keys.index(after) + 1, new)
        return
    section = new.get("section")
    own = [i for i, f in enumerate(fields) if f.get("section") == section]
    if own:
        fields.insert(own[-1] + 1, new)
        return
    order = [s.key for s in base.sections]
    if section in order:
        later = set(order[order.index(section) + 1:])
        at = next((i for i, f in enumerate(fields) if f.get("section") in later), len(fields))
        fields.insert(at, new)
        return
    fields.append(new)


def _adapted_contradictions(base: Catalogue, changes: Any, *, kept: set[str]) -> list[Any]:
    """``base``'s contradictions, less those about a removed field (not in ``kept``), with
    ``catalogue.contradictions`` applied (``ajouter``, ``modifier``, ``retirer``)."""
    rules = [rule.model_dump() for rule in base.contradictions]
    gone = {rule["key"] for rule in rules if any(a["field"] not in kept for a in rule["answers"])}
    rules = [rule for rule in rules if rule["key"] not in gone]
    if changes is None:
        return rules
    listing = (f"la commande «\u202f{command_names.command_line(command_names.FIELDS)}\u202f» donne la liste "
               "des contradictions")
    if not isinstance(changes, dict) or set(changes) - {"ajouter", "modifier", "retirer"}:
        raise ConfigError("catalogue.contradictions : les clés possibles sont ajouter, modifier et retirer.")
    by_key = {rule["key"]: rule for rule in rules}
    for key in changes.get("retirer") or []:
        if key in gone:
            continue  # its field is removed: the rule went with it
        if key not in by_key:
            raise ConfigError(f"catalogue.contradictions.retirer : la contradiction «\u202f{key}\u202f» n'existe "
                              f"pas ({listing}).")
        rules.remove(by_key.pop(key))
    for key, attributes in (changes.get("modifier") or {}).items():
        if key not in by_key:
            raise ConfigError(f"catalogue.contradictions.modifier : la contradiction «\u202f{key}\u202f» n'existe "
                              f"pas ({listing}).")
        if not isinstance(attributes, dict):
            raise ConfigError(f"catalogue.contradictions.modifier.{key} : une liste d'attributs est attendue.")
        if "key" in attributes:
            raise ConfigError(f"catalogue.contradictions.modifier.{key} : la clé d'une contradiction ne se "
                              "modifie pas.")
        by_key[key].update(attributes)
    rules.extend(changes.get("ajouter") or [])
    return rules


def _first_error(exc: ValueError, fields: list[dict], contradictions: list[Any] = ()) -> str:
    """Name the field (or the contradiction) by its key, not by its position in the list."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    loc = list(errors()[0].get("loc", ()))
    for name, items in (("fields", fields), ("contradictions", contradictions)):
        if len(loc) >= 2 and loc[0] == name and isinstance(loc[1], int) and loc[1] < len(items):
            item = items[loc[1]]
            key = item.get("key", loc[1]) if isinstance(item, dict) else loc[1]
            loc = ([] if name == "fields" else ["contradictions"]) + [str(key), *loc[2:]]
    return describe_validation_error(exc, location=".".join(str(p) for p in loc))
