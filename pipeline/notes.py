"""Notes written beside a file the product turns away: the rejection note
(docxtpl, templates/note_de_rejet.docx) and the duplicate note (plain text).

Both are rendered from the journal's row alone, so a run that crashed after
planning a note writes the very same note when it resumes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import catalogue as cat
from .civility import Addressee
from .config import Config
from .deadlines import correction_due
from .files import replace_atomically
from .journal import FileRow
from .naming import REJECTION_TEMPLATE
from .outcomes import (CHANGED_AFTER_SIGNATURE, EMPTY_REPORT, NO_IDENTIFIER, OLDER_VERSION, UNKNOWN_AGENT,
                       WRONG_CAMPAIGN, Outcome, is_error)
from .render import render
from .text import counted, long_date, of


def agent_described(row: FileRow) -> str:
    """«\u202fÉlodie MARTIN (matricule 200100)\u202f»: the agent of a file, as notes and messages name them."""
    content = row.report
    name = content.person if content else ""
    number = row.agent_number or (content.agent_number if content else "")
    if name and number:
        return f"{name} (matricule {number})"
    return name or (f"matricule {number}" if number else "non identifié (fichier illisible)")


def _answer_by(row: FileRow, config: Config) -> str:
    """The day a corrected report is expected: receipt + ``service_rh.delai_reponse_jours``."""
    return long_date(correction_due(config, row.received_day))


@dataclass(frozen=True)
class _Kind:
    """What a rejection note says for one kind of rejection: its title, why (``{errors}``: the
    count of points to correct) and what to do (``{send}``, ``{place}``, ``{by}``: how, where and by
    when to send it back, ``{campaign}``); ``resend``: whether it asks for the report again."""

    codes: frozenset[str]
    title: str
    why: str
    to_do: str
    resend: bool = True


# The kinds of rejection, the first whose code is among a note's errors deciding (else INCOMPLETE).
_KINDS = (
    _Kind(frozenset({EMPTY_REPORT.code}), "Compte rendu à remplir",
          "Le compte rendu reçu n'a pas été rempli.",
          "Menez l'entretien, remplissez le compte rendu pré-rempli (le fichier reçu, qui porte déjà "
          "l'identité de l'agent), signez-le, puis {send}-le {place}{by}."),
    _Kind(frozenset({WRONG_CAMPAIGN.code}), "Compte rendu d'une autre campagne",
          "Le compte rendu reçu n'est pas celui de la campagne {campaign}.",
          "Reportez les réponses dans le compte rendu pré-rempli de la campagne {campaign}, faites-le "
          "signer, puis {send}-le {place}{by}."),
    _Kind(frozenset({UNKNOWN_AGENT.code, NO_IDENTIFIER.code}), "Agent à vérifier",
          "Le compte rendu ne peut pas être rattaché à un agent de la campagne.",
          "Vérifiez le matricule de l'agent, ou repartez du compte rendu pré-rempli envoyé par le service RH, "
          "puis {send} le compte rendu {place}{by}. Si le matricule est juste, signalez-le au service "
          "RH : une fois l'agent ajouté à la liste, ce fichier sera examiné de nouveau, sans que vous ayez à "
          "le renvoyer."),
    _Kind(frozenset({OLDER_VERSION.code}), "Version déjà dépassée",
          "Une version plus avancée de ce compte rendu est déjà enregistrée.",
          "Si la version enregistrée par le service RH est bien la dernière, il n'y a rien à faire. Sinon, "
          "{send} la dernière version du compte rendu {place}{by}.", resend=False),
    _Kind(frozenset({CHANGED_AFTER_SIGNATURE.code}), "Compte rendu modifié après signature",
          "Des rubriques déjà signées ont été modifiées ({errors} à corriger).",
          "Repartez de la version signée enregistrée par le service RH et n'y complétez que les rubriques "
          "de l'étape en cours ; s'il s'agit d'une révision accordée après un recours, remplissez la partie "
          "«\u202fRecours\u202f» (décision «\u202fcompte rendu révisé\u202f» et sa date). Puis {send} le compte "
          "rendu {place}{by}."),
)
INCOMPLETE = _Kind(frozenset(), "Compte rendu à compléter",
                   "Le compte rendu est incomplet ou incohérent : {errors} à corriger.",
                   "Corrigez le compte rendu dans le fichier d'origine (ne repartez pas d'un modèle vierge), "
                   "faites signer de nouveau si une partie signée a changé, puis {send}-le {place}{by}.")
UNREADABLE = _Kind(frozenset(), "Fichier à renvoyer",
                   "Le fichier ne peut pas être lu comme un compte rendu d'entretien professionnel.",
                   "Faites ce qui est indiqué ci-dessus, puis {send} le compte rendu {place}{by}.")


def rejection_kind(row: FileRow) -> _Kind:
    """The kind of a turned-away file's rejection, which its note's title, reason and «\u202fQue
    faire\u202f» follow: unreadable, not filled, another campaign's, an agent to check, an older
    version, changed after signature, else incomplete."""
    if row.outcome == Outcome.UNREADABLE:
        return UNREADABLE
    codes = {f.get("code") for f in row.findings if is_error(f)} | {row.reason_code}
    return next((kind for kind in _KINDS if kind.codes & codes), INCOMPLETE)


def addressee(row: FileRow, evaluator: str = "") -> Addressee:
    """Whom a note is addressed to: the evaluator the report names, else the roster's
    (``evaluator``, its civility before the name when the roster gives one); the roster's civility
    for the report's evaluator when both name the same person."""
    listed = Addressee.of(evaluator)
    named = Addressee.of(row.report.text(cat.EVALUATOR) if row.report else "")
    if not named.name and not named.civility:
        return listed
    if not named.civility and named.same_person(listed):
        return Addressee(named.name, listed.civility)
    return named


def rejection_context(row: FileRow, config: Config, *, evaluator: str = "") -> dict:
    """What the rejection note says (``n`` in the template). ``evaluator``: the addressee
    when the report does not name one (from the roster; «\u202fMme Céline Roux\u202f» with the roster's
    civility)."""
    errors = [f for f in row.findings if is_error(f)]
    warnings = [f for f in row.findings if not is_error(f)]
    answer_by, place = _answer_by(row, config), config.hr.return_place
    kind = rejection_kind(row)
    campaign = config.campaign.key
    said = {"place": place, "send": config.hr.return_verb(), "by": f" avant le {answer_by}" if answer_by else "",
            "campaign": campaign,
            "errors": counted(len(errors), "point", "points")}
    person = addressee(row, evaluator)
    title = person.word("évaluateur", "évaluatrice", "responsable de l'évaluation")
    return {"n": {
        "titre": kind.title,
        "destinataire": f"{person.titled}, {title}" if person.name else "",
        "a_l_attention": of(f"{person.titled}, {title}") if person.name else "",  # « d'Isabelle Moreau, … »
        "agent": agent_described(row),
        "campagne": row.campaign or campaign,
        "fichier": row.original_name,
        "date": long_date(row.received_day),
        "motif": kind.why.format(**said),
        "avant_le": answer_by,
        "problemes": [{"rubrique": f.get("label") or "Document", "message": f["message"]} for f in errors],
        "avertissements": [{"rubrique": f.get("label") or "Document", "message": f["message"]}
                           for f in warnings],
        "que_faire": kind.to_do.format(**said),
        "contact": config.hr.reachable_at,
        "service": config.hr.name,
    }}


def write_rejection_note(row: FileRow, config: Config, target: Path, *, evaluator: str = "") -> Path:
    """Render the rejection note of a planned row (the template is checked at start:
    :func:`pipeline.render.check_templates`)."""
    return render(config.templates / REJECTION_TEMPLATE, rejection_context(row, config, evaluator=evaluator),
                  target, overwrite=True)


def write_duplicate_note(row: FileRow, original: FileRow, target: Path, *,
                         original_now: str | None = None) -> Path:
    """The short note beside a byte-identical copy: of which file, and what became of it
    (``original_now``: where the original is now, if it moved since)."""
    original_now = original_now or original.destination or "(inconnu)"
    lines = [
        f"Le fichier «\u202f{row.original_name}\u202f», reçu le {long_date(row.received_day)}, est une copie identique "
        f"(octet pour octet) du fichier «\u202f{original.original_name}\u202f» reçu le {long_date(original.received_day)}.",
    ]
    if Outcome(original.outcome).turned_away:
        lines += [
            "Ce premier exemplaire a été REJETÉ : le renvoyer tel quel ne change rien.",
            f"Lisez sa note de rejet : {original.note or '(introuvable)'}",
            "Corrigez le compte rendu, puis déposez la version corrigée.",
        ]
    else:
        lines += [
            f"Ce premier exemplaire a déjà été traité ; il se trouve ici : {original_now}",
            "Aucune action n'est nécessaire. Pour transmettre une nouvelle version, modifiez le "
            "compte rendu puis déposez-le de nouveau.",
        ]
    text = "\r\n".join(lines) + "\r\n"
    # UTF-8 with BOM so that Windows' Notepad shows the accents.
    return replace_atomically(target, lambda tmp: tmp.write_bytes(text.encode("utf-8-sig")))
