"""Notes written beside a file the product turns away: the rejection note
(docxtpl, templates/note_de_rejet.docx) and the duplicate note (plain text).

Both are rendered from the journal's row alone, so a run that crashed after
planning a note writes the very same note when it resumes.
"""

from __future__ import annotations

from pathlib import Path

from . import catalogue as cat
from .config import Config
from .deadlines import correction_due
from .files import replace_atomically
from .journal import FileRow
from .naming import REJECTION_TEMPLATE
from .outcomes import Outcome, is_error
from .render import render
from .text import long_date


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


def rejection_context(row: FileRow, config: Config, *, evaluator: str = "") -> dict:
    """What the rejection note says (``n`` in the template). ``evaluator``: the addressee
    when the report does not name one (from the roster)."""
    errors = [f for f in row.findings if is_error(f)]
    warnings = [f for f in row.findings if not is_error(f)]
    unreadable = row.outcome == Outcome.UNREADABLE
    answer_by, place = _answer_by(row, config), config.hr.return_to
    if unreadable:
        title = "Fichier à renvoyer"
        motif = "Le fichier ne peut pas être lu comme un compte rendu d'entretien professionnel."
        to_do = (f"Faites ce qui est indiqué ci-dessus, puis déposez le compte rendu dans {place}"
                 + (f" avant le {answer_by}." if answer_by else "."))
    else:
        title = "Compte rendu à compléter"
        count = len(errors)
        motif = ("Le compte rendu est incomplet ou incohérent : "
                 + ("1 point à corriger." if count == 1 else f"{count} points à corriger."))
        to_do = ("Corrigez le compte rendu dans le fichier d'origine (ne repartez pas d'un modèle vierge), "
                 "faites signer de nouveau si une partie signée a changé, puis déposez-le dans "
                 f"{place}" + (f" avant le {answer_by}." if answer_by else "."))
    named = row.report.text(cat.EVALUATOR) if row.report else ""
    return {"n": {
        "titre": title,
        "destinataire": named or evaluator,
        "agent": agent_described(row),
        "campagne": row.campaign or config.campaign.key,
        "fichier": row.original_name,
        "date": long_date(row.received_day),
        "motif": motif,
        "avant_le": answer_by,
        "problemes": [{"rubrique": f.get("label") or "Document", "message": f["message"]} for f in errors],
        "avertissements": [{"rubrique": f.get("label") or "Document", "message": f["message"]}
                           for f in warnings],
        "que_faire": to_do,
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
