"""The product's outcome vocabulary, in one place.

* :class:`Outcome`: what became of a received file (accepted, rejected...), with
  the French words people read for it;
* :data:`ERROR`, :data:`WARNING` and :class:`Finding`: what validation says of a
  report, each finding a :class:`Reason` (stable snake_case ``code`` for machines,
  severity, French sentence that says what to do);
* the product's exceptions: :class:`EntretiensError` and its subclasses, among them
  one :class:`UnreadableReport` subclass per reason a file cannot be read, each
  with its own French sentences.

Where to add a rejection reason: here, as a :class:`Reason` (a finding on a report
that could be read) or an :class:`UnreadableReport` subclass (a file that cannot be
read), then raise or report it where the problem is found. Nothing else in the
product spells a code, a severity or an outcome name.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal

from . import command_names as names
from .command_names import command_line

# ---------------------------------------------------------------------------
# Outcomes of a received file.
# ---------------------------------------------------------------------------


class Outcome(enum.StrEnum):
    """What became of a received file; the value is what the journal stores."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"  # read, but incomplete or inconsistent
    UNREADABLE = "unreadable"  # not a report that can be read
    DUPLICATE = "duplicate"  # byte-identical to a file already handled
    SUPERSEDED = "superseded"  # an accepted version replaced by a newer one
    SIGNED_COPY = "signed_copy"  # a PDF (printed, signed, scanned) filed as a report's signed copy

    @property
    def word(self) -> str:
        """``accepté``: how logs, notes and workbooks name the outcome."""
        return _WORDS[self][0]

    @property
    def plural(self) -> str:
        """``acceptés``: after a count of two or more."""
        return _WORDS[self][1]

    def counted(self, count: int) -> str:
        """«\u202f1 accepté\u202f», «\u202f3 acceptés\u202f»: a count of files with this outcome."""
        return f"{count} {self.word if abs(count) < 2 else self.plural}"

    @property
    def counter(self) -> str:
        """``acceptes``: the key of the watcher's health counters."""
        return _WORDS[self][2]

    @property
    def turned_away(self) -> bool:
        """Sent to ``rejets`` with a rejection note."""
        return self in (Outcome.REJECTED, Outcome.UNREADABLE)

    @classmethod
    def of(cls, value: str | None) -> "Outcome | None":
        return None if value is None else cls(value)


_WORDS = {
    Outcome.ACCEPTED: ("accepté", "acceptés", "acceptes"),
    Outcome.REJECTED: ("rejeté", "rejetés", "rejetes"),
    Outcome.UNREADABLE: ("illisible", "illisibles", "illisibles"),
    Outcome.DUPLICATE: ("doublon", "doublons", "doublons"),
    Outcome.SUPERSEDED: ("remplacé", "remplacés", "remplaces"),
    Outcome.SIGNED_COPY: ("exemplaire signé", "exemplaires signés", "exemplaires_signes"),
}
#: Outcomes a pass can give a file, in the order summaries list them.
PASS_OUTCOMES = (Outcome.ACCEPTED, Outcome.REJECTED, Outcome.UNREADABLE, Outcome.DUPLICATE, Outcome.SIGNED_COPY)

# ---------------------------------------------------------------------------
# Findings.
# ---------------------------------------------------------------------------

ERROR, WARNING = "erreur", "avertissement"
Severity = Literal["erreur", "avertissement"]


@dataclass(frozen=True)
class Finding:
    """One thing validation says of a report: ``label`` is the field's label ("" for the
    document as a whole), ``order`` its position in the form (for sorting)."""

    code: str
    severity: Severity
    label: str
    message: str
    field: str | None = None
    order: int = -1

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("order")
        return data


def is_error(finding: Mapping) -> bool:
    """For a finding as the journal stores it (a dict)."""
    return finding.get("severity") == ERROR


@dataclass(frozen=True)
class Reason:
    """A finding's code, severity and French sentences (``str.format`` templates).
    ``sentences[""]`` is the usual one; other keys are variants of the same reason."""

    code: str
    severity: Severity
    sentences: Mapping[str, str] = field(default_factory=dict)

    def say(self, variant: str = "", /, **params: object) -> str:
        return self.sentences[variant].format(**params)

    def finding(self, variant: str = "", /, *, label: str = "", field: str | None = None,
                order: int = -1, **params: object) -> Finding:
        """The finding; its ``label`` (the field's) is also ``{label}`` in the sentence."""
        return Finding(code=self.code, severity=self.severity, label=label,
                       message=self.say(variant, label=label, **params), field=field, order=order)


FROM_PREFILLED = "Utilisez le compte rendu pré-rempli envoyé par le service RH."

# -- a field or a table of the form (validate.py) --
MISSING_FIELD = Reason("champ_manquant", ERROR, {
    "": "La rubrique «\u202f{label}\u202f» n'est pas remplie. Complétez-la.{later}",
    "because": "La rubrique «\u202f{label}\u202f» doit être remplie{because}. Complétez-la.{later}",
    "later": " Le document en est à l'étape «\u202f{stage}\u202f», puisque la rubrique «\u202f{marker}\u202f» "
             "est remplie : cette rubrique aurait dû être remplie avant.",
})
#: Why a conditional field is required, as a manager reads it: the answer that requires it.
BECAUSE = {
    "choice": ", puisque la réponse à «\u202f{label}\u202f» est «\u202f{value}\u202f»",
    "ticked": ", puisque la case «\u202f{label}\u202f» est cochée",
    "not_ticked": ", puisque la case «\u202f{label}\u202f» n'est pas cochée",
}
#: A table row, named by what it holds (its first column), else by its number.
ROW_NAMED, ROW_NUMBERED = "«\u202f{text}\u202f»", "{number}"
EMPTY_REPORT = Reason("compte_rendu_vide", ERROR, {
    "": "Le compte rendu n'a pas été rempli : aucune rubrique de l'évaluation n'est complétée. Menez "
        "l'entretien, remplissez ce compte rendu pré-rempli, faites-le signer, puis déposez-le de nouveau.",
})
FIELD_GONE = Reason("rubrique_absente", ERROR, {
    "": "La rubrique «\u202f{label}\u202f» a disparu du formulaire. Repartez du compte rendu pré-rempli "
        "envoyé par le service RH.",
})
UNREADABLE_DATE = Reason("date_illisible", ERROR, {"": "{message}"})
INVALID_CHOICE = Reason("choix_invalide", ERROR, {
    "": "La rubrique «\u202f{label}\u202f» contient «\u202f{value}\u202f», qui n'est pas une valeur prévue. "
        "Choisissez parmi : {choices}.",
    "row": "Tableau «\u202f{table}\u202f», ligne {row} : «\u202f{value}\u202f» n'est pas une valeur prévue pour "
           "«\u202f{column}\u202f». Choisissez parmi : {choices}.",
})
UNRECOGNISED_MARK = Reason("case_non_reconnue", ERROR, {
    "": "La case «\u202f{label}\u202f» contient «\u202f{text}\u202f», qui n'est pas reconnu comme une case "
        "cochée. Cochez la case (cliquez dessus, ou tapez ☒) ou videz-la.",
    "several": "Plusieurs cases de «\u202f{label}\u202f» sont cochées ({ticked}) : n'en laissez qu'une.",
})
PICTURE_ONLY = Reason("image_sans_texte", WARNING, {
    "": "La rubrique «\u202f{label}\u202f» ne contient qu'une image (une signature scannée\u202f?) : elle est "
        "acceptée comme remplie. Tapez aussi le nom sous l'image, pour qu'il figure dans les tableaux de suivi.",
})
DATES_OUT_OF_ORDER = Reason("dates_incoherentes", ERROR, {
    "": "La date «\u202f{label}\u202f» ({later}) est antérieure à la date «\u202f{before_label}\u202f» "
        "({earlier}), qui doit venir avant. Corrigez l'une des deux dates.",
})
DATE_AFTER_RECEIPT = Reason("date_posterieure_reception", ERROR, {
    "": "La date «\u202f{label}\u202f» ({day}) est postérieure au {received}, jour où le compte rendu a été "
        "reçu par le service RH : c'est sans doute une faute de frappe (l'année\u202f?). Corrigez cette date.",
})
INVALID_NUMBER = Reason("nombre_invalide", ERROR, {
    "": "La rubrique «\u202f{label}\u202f» attend un nombre entier, pas «\u202f{value}\u202f».",
})
EMPTY_TABLE = Reason("tableau_vide", ERROR, {
    "": "Le tableau «\u202f{table}\u202f» doit compter au moins {lines} ({columns}){because}.",
    "unless_checked": "Le tableau «\u202f{table}\u202f» n'a aucune ligne complète. Renseignez au moins une "
                      "ligne ({columns}) ou cochez «\u202f{box}\u202f».",
})
INCOMPLETE_ROW = Reason("ligne_incomplete", ERROR, {
    "": "Tableau «\u202f{table}\u202f», ligne {row} : la colonne «\u202f{column}\u202f» n'est pas remplie. Complétez-la, ou "
        "supprimez la ligne si elle a été ajoutée par erreur.",
    "because": "Tableau «\u202f{table}\u202f», ligne {row} : la colonne «\u202f{column}\u202f» doit être remplie{because}. "
               "Complétez-la.",
})
#: Two answers the catalogue declares contradictory (``Catalogue.contradictions``): each declared
#: rule says its own severity (an error, or a warning); this one is the default.
CONTRADICTORY_ANSWERS = Reason("reponses_contradictoires", ERROR, {
    "": "{first} alors que {second} : ces deux réponses se contredisent. Rectifiez celle qui est fausse : "
        "{first_fix}, ou {second_fix}.",
    "advice": "{first} alors que {second} : ces deux réponses se contredisent. {advice}",
})
#: One answer of a contradiction, as the form prints it (``{label}``: the field's label).
ANSWER_GIVEN = {
    "value": "la réponse à «\u202f{label}\u202f» est «\u202f{value}\u202f»",
    "written": "la rubrique «\u202f{label}\u202f» est remplie",
    "ticked": "la case «\u202f{label}\u202f» est cochée",
    "not_ticked": "la case «\u202f{label}\u202f» n'est pas cochée",
    "rows": "le tableau «\u202f{label}\u202f» contient {lines}",
    "empty": "la rubrique «\u202f{label}\u202f» est vide",
    "empty_table": "le tableau «\u202f{label}\u202f» est vide",
}
#: What the manager does to one answer of a contradiction, to take it back.
ANSWER_FIX = {
    "value": "corrigez «\u202f{label}\u202f»",
    "written": "effacez «\u202f{label}\u202f»",
    "ticked": "décochez «\u202f{label}\u202f»",
    "not_ticked": "cochez «\u202f{label}\u202f»",
    "rows": "videz le tableau «\u202f{label}\u202f»",
    "empty": "remplissez «\u202f{label}\u202f»",
    "empty_table": "remplissez le tableau «\u202f{label}\u202f»",
}
TOO_MANY_OBJECTIVES = Reason("objectifs_trop_nombreux", WARNING, {
    "": "{count} objectifs sont fixés, au-delà des {maximum} recommandés. Resserrez-les si possible.",
})
# -- the report's identity --
NO_IDENTIFIER = Reason("identifiant_absent", ERROR, {
    "": "Le compte rendu ne permet pas d'identifier l'agent (ni identifiant, ni matricule). "
        + FROM_PREFILLED,
})
WRONG_CAMPAIGN = Reason("campagne_erronee", ERROR, {
    "": "Ce compte rendu appartient à la campagne {found}, pas à la campagne en cours ({current}). "
        "Utilisez le compte rendu pré-rempli de la campagne {current}.",
})
UNKNOWN_AGENT = Reason("agent_inconnu", ERROR, {
    "": "Le matricule {number} ne figure pas dans la liste des agents de la campagne. Vérifiez le "
        "matricule ou signalez l'agent au service RH.",
})
# A copy of an employer's blank form (no identifier, no agent number): its agent found by name in the roster.
UNKNOWN_NAME = Reason("nom_inconnu", ERROR, {
    "": "Ce compte rendu ne porte ni identifiant ni matricule, et aucun agent de la liste des agents de la "
        "campagne ne s'appelle «\u202f{person}\u202f» : il ne peut être rattaché à aucun agent. Vérifiez "
        "l'orthographe du nom et du prénom de l'agent sur le compte rendu, ou signalez l'agent au service RH "
        "s'il manque à la liste.",
})
AMBIGUOUS_NAME = Reason("homonymes", ERROR, {
    "": "Ce compte rendu ne porte ni identifiant ni matricule, et plusieurs agents de la liste des agents de "
        "la campagne s'appellent «\u202f{person}\u202f» (matricules {numbers}) : il ne peut pas être rattaché "
        "à l'un d'eux. Reportez les réponses dans le formulaire pré-rempli envoyé par le service RH, qui porte "
        "l'identifiant de l'agent, puis déposez-le de nouveau.",
})
# -- deadlines (deadlines.py): a warning, never a rejection --
LATE = Reason("delai_depasse", WARNING, {"": "{deadline} : le {done}, après l'échéance du {due}."})
# -- the report's history (process.py: compare with the current version) --
REFUSED_TO_SIGN = Reason("refus_de_signer", WARNING, {
    "": "L'agent a refusé de signer le compte rendu : ce refus, porté sur le document, vaut "
        "notification. Le compte rendu est versé au dossier de l'agent.",
})
STAGE_SKIPPED = Reason("etape_hors_ordre", WARNING, {
    "first": "Première version reçue pour ce compte rendu, déjà à l'étape {stage} : les étapes "
             "précédentes n'ont pas été transmises au service RH.",
    "": "Le compte rendu passe de l'étape {before} à l'étape {stage} : la version intermédiaire "
        "n'a pas été transmise au service RH.",
})
OLDER_VERSION = Reason("version_anterieure", ERROR, {
    "": "Une version plus avancée de ce compte rendu (étape {current}) a déjà été enregistrée. Ce "
        "fichier, à l'étape {stage}, est plus ancien : il n'est pas pris en compte. Vérifiez que vous "
        "transmettez bien la dernière version.",
})
CHANGED_AFTER_SIGNATURE = Reason("modification_apres_signature", ERROR, {
    "": "Des rubriques signées par l'évaluateur ont été modifiées depuis la version enregistrée le "
        "{received} : {labels}. Ces rubriques ne peuvent plus changer ; repartez de la version signée. "
        "S'il s'agit d'une révision accordée après un recours, indiquez-le dans la partie « Recours » "
        "(décision « compte rendu révisé » et sa date).",
})
REVISED_AFTER_APPEAL = Reason("revision_apres_recours", WARNING, {
    "": "Compte rendu révisé après la demande de révision de l'agent (décision du {decided}) : les rubriques "
        "{labels} remplacent celles de la version enregistrée le {received}.",
})
DUPLICATE = Reason("doublon", WARNING, {
    "": "Copie identique de «\u202f{original}\u202f», déjà traité.",
})

# -- an agent left out of the campaign or of a message to agents (reviewed.py, mail/announcement.py,
# mail/invitations.py): listed for HR by `generer`, `annoncer`, `convoquer`, never a note. An error
# holds that agent's message until HR corrects what it says; a warning is to know. --
NOT_LONG_ENOUGH_IN_POST = Reason("presence_insuffisante", WARNING, {
    "": "{who} : arrivée dans le poste le {arrival}, moins de {months} mois de présence au {reference} "
        "(campagne.presence_minimale_mois) : pas d'entretien professionnel cette campagne ; ni compte rendu, "
        "ni convocation, ni annonce. Pour l'évaluer quand même, ajoutez «\u202f{number}\u202f» à "
        "campagne.exceptions_presence dans config.yaml.",
    "exception": "{who} : arrivée dans le poste le {arrival}, moins de {months} mois de présence au {reference} : "
                 "entretien maintenu par exception (campagne.exceptions_presence).",
})
UNREADABLE_ARRIVAL = Reason("date_arrivee_illisible", WARNING, {
    "": "{who} : la date d'arrivée «\u202f{text}\u202f» ne peut pas être lue ({why}) ; l'agent est compté "
        "parmi les agents évalués. Corrigez-la dans la liste des agents (JJ/MM/AAAA).",
})
NO_AGENT_ADDRESS = Reason("courriel_agent_absent", WARNING, {
    "": "{who} : pas d'adresse dans la colonne «\u202fcourriel agent\u202f» de la liste des agents : {what} "
        "ne lui est pas envoyée. Informez l'agent par un autre moyen, ou ajoutez son adresse et relancez "
        "«\u202f{command}\u202f».",
})
BAD_AGENT_ADDRESS = Reason("courriel_agent_invalide", ERROR, {
    "": "{problem}",
})
NO_EVALUATOR_COPY = Reason("courriel_evaluateur_absent", WARNING, {
    "": "{who} : pas d'adresse dans la colonne «\u202fcourriel évaluateur\u202f» : la convocation part à l'agent "
        "sans copie à son évaluateur ({evaluator}), que le service RH informe lui-même.",
    "invalid": "{problem}",
})
INVITATION_TOO_LATE = Reason("convocation_trop_tardive", ERROR, {
    "": "{who} : l'entretien du {review} est dans moins de {days} {unit} : la convocation devait partir au plus "
        "tard le {due} (delais.convocation_jours_avant). Elle n'est pas envoyée : fixez dans la liste des "
        "agents une date d'entretien plus tardive, puis relancez «\u202f{command}\u202f».",
    "update": "{who} : la nouvelle date d'entretien, le {review}, est dans moins de {days} {unit} : la "
              "modification devait partir au plus tard le {due} (delais.convocation_jours_avant). Elle n'est "
              "pas envoyée : l'agent garde la convocation du {previous}. Fixez une date plus tardive, puis "
              "relancez «\u202f{command}\u202f».",
})
INVITATION_UNDATED = Reason("convocation_sans_date", WARNING, {
    "": "{who} : pas encore de date d'entretien dans la liste des agents : la convocation partira quand la date y "
        "sera (relancez alors «\u202f{command}\u202f»).",
    "cleared": "{who} : la date d'entretien a été effacée de la liste des agents ; la convocation du {previous} "
               "envoyée à l'agent reste valable. Indiquez la nouvelle date pour envoyer une modification, ou "
               "retirez la ligne de l'agent pour annuler la convocation.",
})
UNREADABLE_TIME = Reason("heure_illisible", ERROR, {
    "": "{who} : l'heure de l'entretien n'est pas indiquée (colonne «\u202fheure\u202f» de la liste des agents) : "
        "la convocation, qui inscrit l'entretien à l'agenda, n'est pas envoyée. Indiquez l'heure (ex. 09:30, "
        "9h30 ou 9h30-10h30), puis relancez «\u202f{command}\u202f».",
    "unreadable": "{who} : l'heure de l'entretien «\u202f{text}\u202f» ne peut pas être lue : la convocation, qui "
                  "inscrit l'entretien à l'agenda, n'est pas envoyée. Écrivez-la comme 09:30, 9h30 ou "
                  "9h30-10h30, puis relancez «\u202f{command}\u202f».",
})
NO_JOB_DESCRIPTION = Reason("fiche_de_poste_introuvable", ERROR, {
    "": "{who} : aucune fiche de poste dans {folder} dont le nom porte le matricule {number} ou soit l'intitulé du "
        "poste{post} : la convocation n'est pas envoyée. Déposez-y la fiche (ex. «\u202f{number} - fiche de "
        "poste.pdf\u202f»), puis relancez «\u202f{command}\u202f».",
    "several": "{who} : plusieurs fiches de poste dans {folder} lui correspondent ({names}) : la convocation "
               "n'est pas envoyée. Gardez-en une seule (ou nommez la sienne avec son matricule {number}), "
               "puis relancez «\u202f{command}\u202f».",
})
DOCUMENTS_NOT_MADE = Reason("documents_non_produits", ERROR, {
    "": "{who} : la convocation et le compte rendu pré-rempli n'ont pas pu être produits ({why}) : la "
        "convocation n'est pas envoyée. Corrigez la ligne de la liste des agents, puis relancez "
        "«\u202f{command}\u202f».",
})
CANCELLATION_HELD = Reason("annulation_suspendue", WARNING, {
    "": "{who} n'est plus dans la liste des agents : sa convocation du {previous} serait annulée, mais la liste a "
        "{lines} à corriger (voir ci-dessus) et l'agent est peut-être sur l'une d'elles. Aucune annulation "
        "n'est envoyée tant qu'elles ne sont pas corrigées.",
    "empty": "{who} n'est plus dans la liste des agents : sa convocation du {previous} serait annulée, mais la "
             "liste ne compte plus aucun agent : un mauvais fichier a sans doute remplacé la liste. Aucune "
             "annulation n'est envoyée.",
})

# ---------------------------------------------------------------------------
# Exceptions.
# ---------------------------------------------------------------------------


class EntretiensError(Exception):
    """Base class: ``code`` for machines, ``message`` (French) for people."""

    code = "erreur"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class ConfigError(EntretiensError):
    """config.yaml (or a catalogue override in it) is wrong: the run stops, exit 1."""

    code = "config_invalide"


class OutboxInsideInbox(ConfigError):
    """The outbox or the state dir sits inside the inbox: the service would take its own files."""

    code = "boucle_de_surveillance"


class RosterError(EntretiensError):
    """The roster file as a whole cannot be used (missing, unreadable, no agent)."""

    code = "liste_agents_illisible"


class TemplateError(EntretiensError):
    """A Word template is missing, or was built for another form version."""

    code = "modele_perime"


class AlreadyRunning(EntretiensError):
    """Another watcher (or a ``process`` pass) holds this workspace's lock."""

    code = "surveillance_deja_lancee"


class JournalUnavailable(EntretiensError):
    """The journal (SQLite) cannot be used: locked by another program, damaged, disk full."""

    code = "journal_indisponible"
    sentences = {
        "locked": "Le journal {path} est verrouillé par un autre programme depuis plus de {seconds} s "
                  "(une sauvegarde, un antivirus, un outil qui l'a ouvert ?). Fermez ce programme, puis "
                  "relancez la commande : aucun fichier n'est perdu, ce qui était en cours sera repris.",
        "damaged": "Le journal {path} est endommagé ({detail}). Arrêtez le service, mettez ce fichier de "
                   "côté et restaurez la dernière sauvegarde du journal (faite avec le dossier de sortie), "
                   "puis relancez. Les fichiers déjà classés ne sont pas touchés.",
        "full": "Le disque du dossier d'état ({folder}) est plein : le journal ne peut plus être écrit. "
                "Libérez de la place, puis relancez la commande : aucun fichier n'est perdu.",
        "": "Le journal {path} ne peut pas être utilisé ({detail}). Vérifiez que le compte du service "
            "peut écrire dans le dossier d'état ({folder}), puis relancez la commande.",
    }

    @classmethod
    def because(cls, variant: str = "", /, **params: object) -> "JournalUnavailable":
        return cls(cls.sentences[variant].format(**params))


class NotReexaminable(EntretiensError):
    """``entretiens reexaminer`` was given a file that is not a turned-away file of the journal."""

    code = "reexamen_impossible"


class FolderNotEmpty(EntretiensError):
    """The demo is asked to write into a folder that already holds something."""

    code = "dossier_occupe"


class DiskFull(EntretiensError):
    """A disk the command writes on is full: the command stops at once, whatever it was doing,
    instead of failing again file after file. What was done is in its place; what was under way
    is taken up by the next run. ``partial``: what the run did before it stopped (a pass's
    ``PassResult``), when the command has something to show of it."""

    code = "disque_plein"
    #: The disk, what stays as it is, and what to do; each command's own ``after`` and ``then``.
    sentence = ("Le disque où se trouve {folder} est plein : la commande s'est arrêtée. Rien n'est perdu : {after}. "
                "Libérez de la place sur ce disque (ou faites-le faire par le service informatique), puis {then}.")
    after_and_then = {
        names.PROCESS: ("ce qui a été traité est à sa place ; les autres fichiers attendent dans le dossier d'entrée "
                        "(celui qui était en cours, dans la zone de travail)",
                        f"relancez «\u202f{command_line(names.PROCESS)}\u202f» : elle reprend là où elle s'est arrêtée"),
        names.REEXAMINE: ("ce qui a été examiné de nouveau est à sa place ; le fichier en cours attend dans la zone de "
                          "travail, les autres sont toujours dans «\u202frejets\u202f»",
                          f"lancez «\u202f{command_line(names.PROCESS)}\u202f», qui termine le fichier en cours, puis "
                          f"«\u202f{command_line(names.REEXAMINE)}\u202f» pour les fichiers restés dans «\u202frejets\u202f»"),
        names.GENERATE: ("les documents déjà écrits sont complets, les précédents sont gardés",
                         f"relancez «\u202f{command_line(names.GENERATE)}\u202f» : seuls les documents manquants ou "
                         "changés sont produits"),
        names.WORKBOOKS: ("les classeurs précédents sont intacts",
                          f"relancez «\u202f{command_line(names.WORKBOOKS)}\u202f»"),
        names.ARCHIVE: ("les fichiers déjà archivés sont complets",
                        f"relancez «\u202f{command_line(names.ARCHIVE)}\u202f» : seul ce qui manque est fait"),
        names.REMIND: ("les relances déjà enregistrées le restent et ne seront pas envoyées deux fois",
                       f"relancez «\u202f{command_line(names.REMIND)}\u202f»"),
        names.FORM: ("le modèle n'a pas été touché et aucune correspondance n'a été écrite à moitié",
                     f"relancez «\u202f{command_line(names.FORM, names.FORM_IMPORT)} MODELE\u202f»"),
        names.DEMO: ("la démonstration, incomplète, n'a rien touché hors de son dossier",
                     "supprimez le dossier de la démonstration (ou choisissez-en un autre) et relancez "
                     f"«\u202f{command_line(names.DEMO)}\u202f»"),
    }

    def __init__(self, message: str, *, command: str = "", folder: object = None, partial: object = None):
        super().__init__(message)
        self.command, self.folder, self.partial = command, folder, partial

    @classmethod
    def stopped(cls, command: str, folder: object, *, partial: object = None) -> "DiskFull":
        """The French message of ``command`` (a French command name) stopped by a full disk, the one
        holding ``folder``."""
        after, then = cls.after_and_then.get(command, ("ce qui a été fait est à sa place",
                                                       f"relancez «\u202f{command_line(command)}\u202f»"))
        return cls(cls.sentence.format(folder=folder, after=after, then=then), command=command, folder=folder,
                   partial=partial)


class UnreadableDate(ValueError):
    """A date that cannot be read without guessing. ``text`` is the input as given."""

    code = UNREADABLE_DATE.code
    sentences = {
        "": "La date «\u202f{shown}\u202f» n'est pas lisible. Écrivez le jour, le mois et l'année sous la forme "
            "JJ/MM/AAAA, par exemple 03/12/2026.",
        "invalid": "La date «\u202f{shown}\u202f» n'est pas une date valide. Écrivez-la sous la forme JJ/MM/AAAA.",
        "no_such_day": "La date «\u202f{shown}\u202f» n'existe pas : {month} {year} n'a que {days} jours. Vérifiez le "
                       "jour et le mois.",
        "weekday": "La date «\u202f{shown}\u202f» se contredit : le {date} est un {actual}, pas un {written}. "
                   "Corrigez le jour ou la date.",
    }

    def __init__(self, text: str, variant: str = "", **params: object):
        shown = " ".join(text.split())
        message = self.sentences[variant].format(shown=shown, **params)
        super().__init__(message)
        self.text = text
        self.message = message

    def __str__(self) -> str:
        return self.message


# -- a received file that cannot be read as a report (preflight.py, read.py) --

SAVE_AS = "enregistrez-le au format .docx (Fichier > Enregistrer sous > Document Word) et déposez-le de nouveau"
SEND_DOCX = "Déposez le compte rendu lui-même au format .docx, tel qu'enregistré par Word."
SHRINK = "Retirez ou compressez les images insérées, enregistrez-le au format .docx et déposez-le de nouveau."


class UnreadableReport(EntretiensError):
    """A received file cannot be read as a report. Each subclass is one reason, with its
    French ``sentences`` (``str.format`` templates); raise ``Subclass.because(variant, **params)``."""

    code = "fichier_illisible"
    sentences: dict[str, str] = {}

    @classmethod
    def because(cls, variant: str = "", /, **params: object) -> "UnreadableReport":
        return cls(cls.sentences[variant].format(**params))


class EmptyFile(UnreadableReport):
    code = "fichier_vide"
    sentences = {"": "Le fichier est vide : la copie ou l'enregistrement n'a sans doute pas abouti. "
                     "Déposez de nouveau le compte rendu enregistré au format .docx.",
                 "pdf": "Le fichier PDF est vide : la numérisation ou la copie n'a sans doute pas abouti. "
                        "Numérisez de nouveau le compte rendu signé et déposez le PDF.",
                 "image": "L'image est vide : la numérisation, la photo ou la copie n'a sans doute pas abouti. "
                          "Numérisez de nouveau les pages signées en PDF et déposez le PDF."}


class NotAZip(UnreadableReport):
    code = "pas_un_docx"
    sentences = {
        "plain_zip": f"Ce fichier est une archive zip ordinaire, ce n'est pas un document Word. {SEND_DOCX}",
        "odd_zip": "Ce fichier est une archive zip chiffrée ou compressée d'une façon que Word n'utilise "
                   f"pas : ce n'est pas un document Word. {SEND_DOCX}",
        "unknown": f"Ce fichier n'est pas un document Word (.docx) : son contenu n'est pas reconnu. "
                   f"Ouvrez le compte rendu dans Word, {SAVE_AS}.",
        "convertible": f"Ce fichier est {{what}}, pas un document .docx. Ouvrez-le dans Word, {SAVE_AS}.",
        "other": f"Ce fichier est {{what}}, pas un document Word. {SEND_DOCX}",
        # An image (a photo or a scan of the signed pages) under a Word document's name.
        "image": "Ce fichier est {what}, pas un document Word : changer son extension ne le convertit pas. S'il "
                 "s'agit de l'exemplaire signé (photo ou numérisation des pages signées), déposez-le sous son "
                 "extension d'origine ({extension}) ou, mieux, numérisé en PDF ; sinon, déposez le compte rendu "
                 "lui-même au format .docx, tel qu'enregistré par Word.",
    }


class RightsProtected(UnreadableReport):
    """Encrypted by a sensitivity label or rights management (IRM): no password opens it here."""

    code = "protege_par_etiquette"
    sentences = {"": "Ce fichier est protégé par une étiquette de confidentialité ou une gestion des droits "
                     "(IRM, «\u202fDiffusion restreinte\u202f») : il ne peut être ouvert que sur un poste autorisé. "
                     "Ouvrez-le dans Word, retirez la protection (Fichier > Informations > Protéger le "
                     "document > Restreindre l'accès, ou choisissez une étiquette sans chiffrement), "
                     "enregistrez-le et déposez-le de nouveau."}


class EmailMessage(UnreadableReport):
    """An Outlook message dragged into the share instead of its attachment."""

    code = "message_outlook"
    sentences = {"": "Ce fichier est un message Outlook (.msg), pas le compte rendu qu'il contient peut-être en "
                     "pièce jointe. Ouvrez le message, enregistrez la pièce jointe (le fichier .docx) et "
                     "déposez-la, elle seule."}


class LegacyDoc(UnreadableReport):
    code = "format_doc"
    sentences = {"": "Ce fichier est au format Word 97-2003 (.doc). Enregistrez-le au format .docx "
                     "(Fichier > Enregistrer sous > Document Word) et déposez-le de nouveau."}


class EncryptedDocument(UnreadableReport):
    code = "protege_par_mot_de_passe"
    sentences = {"": "Ce fichier est protégé par un mot de passe et ne peut pas être lu. Ouvrez-le "
                     "dans Word, retirez le mot de passe (Fichier > Informations > Protéger le "
                     "document > Chiffrer avec mot de passe, puis effacez-le), enregistrez-le et "
                     "déposez-le de nouveau.",
                 "opendocument": "Ce document LibreOffice (.odt) est protégé par un mot de passe et ne peut pas "
                                 "être lu. Ouvrez-le dans LibreOffice, enregistrez-le sans mot de passe (Fichier > "
                                 "Enregistrer sous, décochez «\u202fEnregistrer avec mot de passe\u202f») et "
                                 "déposez-le de nouveau."}


class MacroDocument(UnreadableReport):
    code = "format_docm"
    sentences = {"": "Ce fichier est un document Word avec macros (.docm). Enregistrez-le sans macros "
                     "au format .docx (Fichier > Enregistrer sous > Document Word) et déposez-le de "
                     "nouveau.",
                 "opendocument": "Ce document LibreOffice (.odt) contient des macros : par précaution, il n'est "
                                 "pas lu. Enregistrez-le au format Word (Fichier > Enregistrer sous > type "
                                 "«\u202fWord 2007-365 (.docx)\u202f», qui ne garde pas les macros) et déposez-le "
                                 "de nouveau."}


class WrongOfficeType(UnreadableReport):
    code = "pas_un_document_word"
    sentences = {
        "": f"Ce fichier est {{what}}, pas un document Word. {SEND_DOCX}",
        "opendocument": "Ce fichier est un document OpenDocument (LibreOffice, .odt), pas un document "
                        "Word. Enregistrez-le au format Word (Fichier > Enregistrer sous > type «\u202fWord "
                        "2007-365 (.docx)\u202f») et déposez-le de nouveau.",
        "no_main_part": f"Ce fichier ne contient pas de document principal : ce n'est pas un document "
                        f"Word. {SEND_DOCX}",
        "template": f"Ce fichier est un modèle Word (.dotx ou .dotm), pas un document. Ouvrez-le, {SAVE_AS}.",
        # Where an .odt is read (pipeline.preflight.open_document): the other OpenDocument files.
        "opendocument_template": "Ce fichier est un modèle LibreOffice (.ott), pas un document. Ouvrez-le, "
                                 "enregistrez-le au format .odt ou .docx (Fichier > Enregistrer sous) et "
                                 "déposez-le de nouveau.",
        "opendocument_other": "Ce fichier est {what}, pas un document texte. Déposez le compte rendu lui-même, "
                              "enregistré au format .odt ou .docx.",
    }


class TruncatedZip(UnreadableReport):
    code = "fichier_tronque"
    sentences = {
        "": "Le fichier est incomplet ou abîmé : la copie ou le téléchargement s'est sans doute "
            "interrompu. Déposez-le de nouveau ; s'il ne s'ouvre pas dans Word, repartez d'une copie saine.",
        "ole": f"Ce fichier au format Office ancien (ou protégé par mot de passe) est incomplet ou "
               f"abîmé. Ouvrez-le dans Word, {SAVE_AS}.",
    }


class ZipBomb(UnreadableReport):
    code = "fichier_trop_volumineux"
    sentences = {
        "": f"Le contenu du fichier est anormalement volumineux une fois décompressé ({{detail}}) : "
            f"par précaution, il n'est pas ouvert. Ouvrez-le dans Word, {SAVE_AS}.",
        "file_size": f"Le fichier pèse {{size}}, au-delà de la limite de {{limit}}. {SHRINK}",
        "grew": f"Le fichier dépasse la limite de {{limit}}. {SHRINK}",
        "xml": f"Le texte du document (partie «\u202f{{part}}\u202f») est anormalement volumineux une fois "
               f"décompressé ({{size}}, la limite est {{limit}}) : par précaution, il n'est pas lu. "
               f"Ouvrez-le dans Word, vérifiez qu'aucun tableau ou texte n'a été collé en masse, "
               f"{SAVE_AS}.",
    }


class DuplicatePart(UnreadableReport):
    """A zip holding one part twice (or two names that differ only in case): programs read
    either copy, so what HR sees could differ from what was checked."""

    code = "partie_en_double"
    sentences = {"": f"Ce fichier contient deux fois la partie «\u202f{{part}}\u202f» : il a été fabriqué ou modifié par "
                     f"un autre outil que Word, et deux logiciels pourraient y lire deux contenus différents. "
                     f"Ouvrez-le dans Word, {SAVE_AS}."}


class HostileXml(UnreadableReport):
    code = "xml_invalide"
    sentences = {
        "": f"La partie «\u202f{{part}}\u202f» du fichier {{what}} : par précaution, le fichier n'est pas lu. "
            f"Ouvrez-le dans Word, {SAVE_AS} ; s'il ne s'ouvre pas, repartez d'une copie saine.",
        "doctype": "déclare des entités XML (DOCTYPE), ce que Word ne fait jamais",
        "malformed": "contient du XML mal formé (fichier abîmé ou modifié hors de Word)",
    }


class NotAReport(UnreadableReport):
    code = "pas_un_compte_rendu"
    sentences = {"": "«\u202f{name}\u202f» est un document Word, mais pas un compte rendu d'entretien "
                     "professionnel : aucune des rubriques du formulaire n'y figure. " + FROM_PREFILLED,
                 "odt": "«\u202f{name}\u202f» est un document OpenDocument (LibreOffice), mais pas un compte rendu "
                        "d'entretien professionnel : aucune des rubriques du formulaire n'y figure. " + FROM_PREFILLED}


class OtherForm(UnreadableReport):
    """A report on another form than the employer's form of the campaign (another employer's, an
    older layout of the same, our own template's): both are named, the form by its name and
    fingerprint, the file by what it says of itself (:attr:`parts`, put together by :meth:`what`)."""

    code = "autre_formulaire"
    _AGAIN = " Reportez les réponses dans le formulaire de la campagne, puis déposez-le de nouveau."
    sentences = {
        "": "«\u202f{name}\u202f» n'est pas rempli sur le formulaire de la campagne, «\u202f{form}\u202f» "
            "({version}) : {what}, où seules {found} des {total} rubriques de ce formulaire figurent." + _AGAIN,
        "one": "«\u202f{name}\u202f» n'est pas rempli sur le formulaire de la campagne, «\u202f{form}\u202f» "
               "({version}) : {what}, où une seule des {total} rubriques de ce formulaire figure." + _AGAIN,
        "none": "«\u202f{name}\u202f» n'est pas rempli sur le formulaire de la campagne, «\u202f{form}\u202f» "
                "({version}) : {what}, où aucune des {total} rubriques de ce formulaire ne figure." + _AGAIN,
        "stamped": "«\u202f{name}\u202f» n'est pas rempli sur le formulaire de la campagne, «\u202f{form}\u202f» "
                   "({version}) : {what}." + _AGAIN,
    }
    #: What the file is, as a clause of the sentence.
    parts = {
        "title": "c'est le document «\u202f{title}\u202f»{footer}",
        "footer": " (pied de page : «\u202f{footer}\u202f»)",
        "template": "c'est un compte rendu sur le modèle du service RH (version {found})",
        "version": "il a été établi sur une autre version de ce formulaire, ou sur un autre formulaire "
                   "(empreinte {found})",
    }

    @classmethod
    def what(cls, part: str, /, **params: object) -> str:
        return cls.parts[part].format(**params)


class WrongTemplateVersion(UnreadableReport):
    code = "version_formulaire"
    sentences = {"": "«\u202f{name}\u202f» a été établi sur une autre version du formulaire ({found}) que celle "
                     "de la campagne en cours ({current}). Reportez les réponses dans le compte rendu "
                     "pré-rempli de cette campagne et déposez-le de nouveau."}


class InterruptedTwice(UnreadableReport):
    """The service died twice while reading this file (memory exhausted, a crash): it is set
    aside unread, so that it never stops the files behind it again."""

    code = "traitement_interrompu"
    sentences = {"": f"La lecture de ce fichier a interrompu le service à deux reprises (fichier "
                     f"anormalement lourd ou abîmé) : par précaution, il est mis de côté sans être lu. "
                     f"Ouvrez-le dans Word, vérifiez son contenu, {SAVE_AS}."}


class NotARegularFile(UnreadableReport):
    """A symbolic link, a folder or a device was dropped instead of a file."""

    code = "pas_un_fichier_ordinaire"
    sentences = {
        "": "Ce dépôt est {what}, pas un fichier. Déposez le fichier .docx lui-même.",
        "replaced": "Ce dépôt n'est pas un fichier ordinaire. Déposez le fichier .docx lui-même.",
    }


class FileUnavailable(UnreadableReport):
    """The file vanished or cannot be read (permissions, I/O error)."""

    code = "fichier_inaccessible"
    sentences = {
        "vanished": "Le fichier a disparu avant d'être lu (déplacé ou supprimé). Déposez-le de nouveau.",
        "": "Le fichier ne peut pas être lu (droits d'accès insuffisants ou erreur du disque). "
            "Vérifiez qu'il n'est pas ouvert ailleurs, puis déposez-le de nouveau.",
    }


# -- a PDF dropped in the inbox: a signed copy (signed_copies.py) --
SCAN_ADVICE = ("Numérisez chaque page entière, sans la recadrer, entre 200 et 300 dpi (ppp) : le code carré "
               "imprimé sur chaque page (en haut, ou en bas sur le formulaire de l'employeur) doit rester visible "
               "et net.")


class EncryptedPdf(UnreadableReport):
    code = "pdf_protege_par_mot_de_passe"
    sentences = {"": "Ce PDF est protégé par un mot de passe et ne peut pas être lu. Numérisez ou exportez "
                     "de nouveau le compte rendu signé sans mot de passe, puis déposez le PDF."}


class DamagedPdf(UnreadableReport):
    code = "pdf_endommage"
    sentences = {
        "": "Ce fichier porte l'extension .pdf mais ne s'ouvre pas comme un PDF (fichier abîmé, ou d'un autre "
            "type renommé). Numérisez de nouveau le compte rendu signé et déposez le PDF.",
        "truncated": "Ce PDF est incomplet (sa fin manque) : la copie ou la numérisation s'est sans doute "
                     "interrompue. Déposez-le de nouveau ; s'il ne s'ouvre pas entièrement, numérisez de nouveau "
                     "le compte rendu signé.",
    }


class PdfTooLarge(UnreadableReport):
    code = "pdf_trop_volumineux"
    sentences = {
        "pages": "Ce PDF compte {pages} pages, au-delà de la limite de {limit} : par précaution, il n'est pas "
                 "lu. Numérisez les comptes rendus signés en plusieurs lots.",
        "file_size": "Ce PDF pèse {size}, au-delà de la limite de {limit}. Numérisez les comptes rendus signés "
                     "en plusieurs lots, ou en niveaux de gris.",
        "image": "La page {page} de ce PDF contient une image de {pixels} millions de pixels, bien au-delà d'une "
                 "page numérisée : par précaution, elle n'est pas lue. Numérisez de nouveau le compte rendu signé "
                 "entre 200 et 300 dpi (ppp).",
    }


class UnidentifiedPdf(UnreadableReport):
    """A PDF on no page of which the report's code or identifier could be read."""
    code = "pdf_non_identifie"
    sentences = {"": "Aucune page de ce PDF ne permet de reconnaître le compte rendu : ni le code carré imprimé "
                     "sur les pages, ni l'identifiant écrit en bas de page («\u202fidentifiant 2026-…\u202f») n'ont "
                     "pu être lus. " + SCAN_ADVICE + " Puis déposez le PDF de nouveau."}


# -- an image dropped in the inbox (a copier's scan to a folder, a photo): a signed copy too --


class UnreadableImage(UnreadableReport):
    code = "image_illisible"
    sentences = {
        "": "Ce fichier ne s'ouvre pas comme une image : il est abîmé, incomplet (copie interrompue) ou d'un autre "
            "type renommé. Numérisez de nouveau les pages signées en PDF, puis déposez le PDF.",
        "heif": "Cette photo est au format HEIC (iPhone), que le service ne sait pas lire. Numérisez plutôt les "
                "pages signées en PDF, ou envoyez la photo en JPEG (sur l'iPhone : Réglages > Appareil photo > "
                "Formats > « Le plus compatible »), puis déposez-la de nouveau.",
        "conversion": "Cette image est dans une variante de son format que le service ne sait pas reproduire en PDF "
                      "sans perte. Numérisez les pages signées en PDF, puis déposez le PDF.",
    }


class ImageTooLarge(UnreadableReport):
    code = "image_trop_volumineuse"
    sentences = {
        "pages": "Cette image compte {pages} pages, au-delà de la limite de {limit} : par précaution, elle n'est "
                 "pas lue. Numérisez les comptes rendus signés en plusieurs lots, en PDF.",
        "file_size": "Cette image pèse {size}, au-delà de la limite de {limit}. Numérisez les pages signées "
                     "en PDF, en niveaux de gris, entre 200 et 300 dpi (ppp).",
        "image": "La page {page} de cette image compte {pixels} millions de pixels, bien au-delà d'une page "
                 "numérisée ou d'une photo : par précaution, elle n'est pas lue. Numérisez les pages signées "
                 "en PDF, entre 200 et 300 dpi (ppp).",
    }


class UnidentifiedImage(UnreadableReport):
    """An image (a photo, a scan to a folder) on no page of which the report's code could be read."""
    code = "image_non_identifiee"
    sentences = {"": "Le code carré imprimé sur les pages du compte rendu n'a pu être lu sur aucune page de "
                     "cette image (photo ou numérisation) : elle ne peut pas être rattachée à un compte rendu. "
                     "Plutôt qu'une photo, numérisez les pages signées en PDF. " + SCAN_ADVICE +
                     " Puis déposez le PDF."}


#: Every reason a file cannot be read, in the order the README lists them.
UNREADABLE_REASONS = (EmptyFile, NotAZip, LegacyDoc, EncryptedDocument, RightsProtected, EmailMessage, MacroDocument, WrongOfficeType,
                      TruncatedZip, ZipBomb, DuplicatePart, HostileXml, NotAReport, OtherForm, WrongTemplateVersion,
                      NotARegularFile,
                      FileUnavailable, InterruptedTwice, EncryptedPdf, DamagedPdf, PdfTooLarge, UnidentifiedPdf,
                      UnreadableImage, ImageTooLarge, UnidentifiedImage)


#: Every reason's short French name, as a count of rejections by reason shows it (the dashboard,
#: the summary): a reason added above needs its name here (tests/test_outcomes.py enumerates them).
REASON_NAMES = {
    # a report read, but incomplete or inconsistent
    MISSING_FIELD.code: "rubrique obligatoire non remplie",
    EMPTY_REPORT.code: "compte rendu non rempli",
    FIELD_GONE.code: "rubrique disparue du formulaire",
    UNREADABLE_DATE.code: "date illisible",
    INVALID_CHOICE.code: "valeur non prévue",
    UNRECOGNISED_MARK.code: "case non reconnue",
    PICTURE_ONLY.code: "rubrique remplie d'une image seule",
    DATES_OUT_OF_ORDER.code: "dates dans le désordre",
    DATE_AFTER_RECEIPT.code: "date postérieure à la réception",
    INVALID_NUMBER.code: "nombre invalide",
    EMPTY_TABLE.code: "tableau sans ligne complète",
    INCOMPLETE_ROW.code: "ligne de tableau incomplète",
    CONTRADICTORY_ANSWERS.code: "réponses contradictoires",
    TOO_MANY_OBJECTIVES.code: "objectifs trop nombreux",
    NO_IDENTIFIER.code: "agent non identifiable",
    WRONG_CAMPAIGN.code: "autre campagne",
    UNKNOWN_AGENT.code: "matricule absent de la liste des agents",
    UNKNOWN_NAME.code: "nom absent de la liste des agents",
    AMBIGUOUS_NAME.code: "homonymes dans la liste des agents",
    LATE.code: "délai dépassé",
    REFUSED_TO_SIGN.code: "refus de signer",
    STAGE_SKIPPED.code: "étape sautée",
    OLDER_VERSION.code: "version antérieure",
    CHANGED_AFTER_SIGNATURE.code: "modifié après la signature de l'évaluateur",
    REVISED_AFTER_APPEAL.code: "révisé après recours",
    DUPLICATE.code: "copie identique",
    # a file that cannot be read as a report
    EmptyFile.code: "fichier vide",
    NotAZip.code: "pas un document .docx",
    LegacyDoc.code: "format Word 97-2003 (.doc)",
    EncryptedDocument.code: "protégé par un mot de passe",
    RightsProtected.code: "protégé par une étiquette de confidentialité",
    EmailMessage.code: "message Outlook",
    MacroDocument.code: "document avec macros (.docm)",
    WrongOfficeType.code: "pas un document Word",
    TruncatedZip.code: "fichier tronqué",
    ZipBomb.code: "fichier trop volumineux une fois décompressé",
    DuplicatePart.code: "partie en double",
    HostileXml.code: "contenu XML invalide",
    NotAReport.code: "pas un compte rendu",
    OtherForm.code: "autre formulaire",
    WrongTemplateVersion.code: "version du formulaire non reconnue",
    NotARegularFile.code: "pas un fichier ordinaire",
    FileUnavailable.code: "fichier inaccessible",
    InterruptedTwice.code: "traitement interrompu deux fois",
    EncryptedPdf.code: "PDF protégé par un mot de passe",
    DamagedPdf.code: "PDF endommagé",
    PdfTooLarge.code: "PDF trop volumineux",
    UnidentifiedPdf.code: "exemplaire signé non rattaché",
    UnreadableImage.code: "image illisible",
    ImageTooLarge.code: "image trop volumineuse",
    UnidentifiedImage.code: "photo d'exemplaire signé non rattachée",
}


# An agent left out of the campaign or of a message to agents (listed by generer, annoncer, convoquer).
REASON_NAMES.update({
    NOT_LONG_ENOUGH_IN_POST.code: "présence dans le poste insuffisante",
    UNREADABLE_ARRIVAL.code: "date d'arrivée illisible",
    NO_AGENT_ADDRESS.code: "agent sans adresse électronique",
    BAD_AGENT_ADDRESS.code: "adresse de l'agent à corriger",
    NO_EVALUATOR_COPY.code: "convocation sans copie à l'évaluateur",
    INVITATION_TOO_LATE.code: "convocation trop tardive",
    INVITATION_UNDATED.code: "convocation sans date d'entretien",
    UNREADABLE_TIME.code: "heure de l'entretien illisible",
    NO_JOB_DESCRIPTION.code: "fiche de poste introuvable",
    DOCUMENTS_NOT_MADE.code: "documents de la convocation non produits",
    CANCELLATION_HELD.code: "annulation de la convocation suspendue",
})


def reason_name(code: str | None) -> str:
    """«\u202frubrique obligatoire non remplie\u202f»: a reason's short French name (its code when it has none)."""
    if not code:
        return "motif non indiqué"
    return REASON_NAMES.get(code, code)


# -- pydantic's error types, said in French (config.yaml and catalogue overrides) --

_VALIDATION_MESSAGES = {
    "extra_forbidden": "clé inconnue",
    "missing": "valeur obligatoire manquante",
    "int_parsing": "un nombre entier est attendu",
    "int_from_float": "un nombre entier est attendu",
    "int_type": "un nombre entier est attendu",
    "float_parsing": "un nombre est attendu",
    "bool_parsing": "oui ou non est attendu",
    "bool_type": "oui ou non est attendu",
    "string_type": "un texte est attendu",
    "list_type": "une liste est attendue",
    "date_from_datetime_parsing": "une date AAAA-MM-JJ est attendue",
    "date_parsing": "une date AAAA-MM-JJ est attendue",
    "date_type": "une date AAAA-MM-JJ est attendue",
    "literal_error": "valeur non autorisée",
    "greater_than": "valeur trop petite",
    "greater_than_equal": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
    "dict_type": "une liste de clés «\u202fclé: valeur\u202f» est attendue",
    "model_type": "une liste de clés «\u202fclé: valeur\u202f» est attendue",
    "path_type": "un chemin de fichier est attendu",
}


def describe_validation_error(exc, *, location: str | None = None) -> str:
    """The first error of a pydantic ValidationError as a French sentence naming
    the key (``location`` replaces pydantic's own), the value and what is allowed."""
    err = exc.errors()[0]
    key = location if location is not None else ".".join(str(p) for p in err["loc"])
    kind = err["type"]
    text = _VALIDATION_MESSAGES.get(kind, err["msg"].removeprefix("Value error, "))
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        allowed = [part.strip().strip("'") for part in
                   str(ctx.get("expected", "")).replace(" or ", ", ").split(",")]
        text += " (valeurs possibles : " + " ou ".join(
            [", ".join(allowed[:-1]), allowed[-1]] if len(allowed) > 1 else allowed) + ")"
    elif kind in ("greater_than", "greater_than_equal", "less_than_equal"):
        text += f" (limite : {ctx.get('gt', ctx.get('ge', ctx.get('le')))})"
    value = err.get("input")
    secret = any(word in key.lower() for word in SECRET_KEY_WORDS)
    section = isinstance(value, dict) or (kind == "extra_forbidden" and isinstance(value, list))  # a misnamed section
    shown = ("" if kind in ("missing", "value_error") or section or value is None or secret
             else f", valeur «\u202f{value}\u202f»")  # a password is never repeated on a console or in a log
    if secret and kind == "extra_forbidden":
        text += (" : un mot de passe ne s'écrit jamais dans config.yaml ; mettez-le dans la variable "
                 "d'environnement nommée par courriel.smtp.mot_de_passe_variable (par défaut "
                 "ENTRETIENS_SMTP_MOT_DE_PASSE), et retirez cette ligne")
    end = "" if text.endswith((".", "?", "!")) else "."  # a sentence of ours may end with its own mark
    if not key:
        return f"{text}{end}"
    return f"clé «\u202f{key}\u202f»{shown} : {text}{end}"


# Keys whose values are never shown in a message (a password written where it should not be).
SECRET_KEY_WORDS = ("mot_de_passe", "motdepasse", "password", "passwd", "secret")


# ---------------------------------------------------------------------------
# The archive (`entretiens archiver`): what it says about each agent and about the run.
# ---------------------------------------------------------------------------

#: Said once per run, and in index.csv, when this machine has no LibreOffice.
ARCHIVE_WITHOUT_PDFA = (
    "LibreOffice est introuvable sur cette machine : l'archive est faite sans PDF/A. Installez "
    "LibreOffice (paquets libreoffice-writer-nogui et python3-uno), puis relancez «\u202fentretiens "
    "archiver\u202f» : seuls les PDF/A manquants seront produits.")
#: A folder that could not be made this time (the others are): said in the run's notices and in index.csv.
ARCHIVE_AGENT_FAILED = ("agent {agent} : dossier d'archive incomplet ({reason}) ; relancez «\u202fentretiens "
                        "archiver\u202f» pour le terminer")
#: index.csv, column «\u202fPDF/A\u202f».
PDFA_NOT_MADE_NO_OFFICE = "non produit : LibreOffice absent"
PDFA_NOT_MADE_NOT_FINAL = "sans objet : compte rendu pas à l'étape finale"
PDFA_FAILED = "non produit : {error}"
#: index.csv, column «\u202fManque\u202f».
MISSING_FINAL_REPORT = "compte rendu à l'étape finale (étape atteinte : {stage})"
MISSING_ANY_REPORT = "compte rendu (aucun reçu)"
MISSING_ACCEPTED_REPORT = "compte rendu accepté (aucune version acceptée à ce jour)"
MISSING_SIGNED_COPY = "exemplaire signé"
MISSING_PDFA = "PDF/A"
