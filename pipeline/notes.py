"""Notes written beside a file the product turns away: the rejection note
(docxtpl, templates/note_de_rejet.docx) and the duplicate note (plain text).

Both are rendered from the journal's row alone, so a run that crashed after
planning a note writes the very same note when it resumes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from . import catalogue as cat
from .config import Config
from .files import replace_atomically
from .journal import FileRow
from .naming import REJECTION_TEMPLATE
from .outcomes import Outcome, is_error
from .render import render
from .text import long_date


def _agent(row: FileRow) -> str:
    values = (row.content or {}).get("champs", {})
    name = " ".join(v for v in (values.get(cat.FIRST_NAME, ""), str(values.get(cat.LAST_NAME, "")).upper()) if v)
    number = row.agent_number or values.get(cat.AGENT_NUMBER)
    if name and number:
        return f"{name} (matricule {number})"
    return name or (f"matricule {number}" if number else "non identifié (fichier illisible)")


def _received(row: FileRow) -> str:
    try:
        return long_date(dt.datetime.fromisoformat(row.received_at).date())
    except ValueError:
        return row.received_at


def rejection_context(row: FileRow, config: Config) -> dict:
    errors = [f for f in row.findings if is_error(f)]
    warnings = [f for f in row.findings if not is_error(f)]
    if row.outcome == Outcome.UNREADABLE:
        motif = "Le fichier ne peut pas être lu comme un compte rendu d'entretien professionnel."
    else:
        count = len(errors)
        motif = ("Le compte rendu est incomplet ou incohérent : "
                 + ("1 point à corriger." if count == 1 else f"{count} points à corriger."))
    return {"n": {
        "agent": _agent(row),
        "campagne": row.campaign or config.campaign.key,
        "fichier": row.original_name,
        "date": _received(row),
        "motif": motif,
        "problemes": [{"rubrique": f.get("label") or "Document", "message": f["message"]} for f in errors],
        "avertissements": [{"rubrique": f.get("label") or "Document", "message": f["message"]}
                           for f in warnings],
        "retour": config.hr.return_to,
        "service": config.hr.name,
    }}


def write_rejection_note(row: FileRow, config: Config, target: Path) -> Path:
    """Render the rejection note of a planned row (the template is checked at start:
    :func:`pipeline.render.check_templates`)."""
    return render(config.templates / REJECTION_TEMPLATE, rejection_context(row, config), target,
                  overwrite=True)


def write_duplicate_note(row: FileRow, original: FileRow, target: Path, *,
                         original_now: str | None = None) -> Path:
    """The short note beside a byte-identical copy: of which file, and what became of it
    (``original_now``: where the original is now, if it moved since)."""
    original_now = original_now or original.destination or "(inconnu)"
    lines = [
        f"Le fichier « {row.original_name} », reçu le {_received(row)}, est une copie identique "
        f"(octet pour octet) du fichier « {original.original_name} » reçu le {_received(original)}.",
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
