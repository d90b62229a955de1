"""The employer's blank model read from its file (:func:`read_model`), or refused in French."""

from __future__ import annotations

import re
from pathlib import Path

from ..layout import Layout, layout_of
from ..outcomes import EntretiensError, UnreadableReport
from ..preflight import open_document


class FormNotImportable(EntretiensError):
    """The model cannot be mapped: not a form (a letter, a spreadsheet, an encrypted file, a .doc),
    or no regulatory part found. ``message``: what is wrong and what to do, in French."""

    code = "formulaire_non_importable"


# What to do about a file the preflight refuses, by its reason's code.
_ADVICE = {
    "format_doc": "Ouvrez-le dans Word ou LibreOffice, enregistrez-le au format .docx (ou .odt), puis importez "
                  "ce nouveau fichier.",
    "format_docm": "Enregistrez-le au format .docx, sans macros, puis importez ce nouveau fichier.",
    "protege_par_mot_de_passe": "Enregistrez-en une copie sans mot de passe, puis importez-la.",
    "protege_par_etiquette": "Enregistrez-en une copie sans protection, puis importez-la.",
}
_DEFAULT_ADVICE = ("Importez le modèle vierge du compte rendu, tel que Word ou LibreOffice l'enregistre "
                   "(.docx ou .odt).")


def read_model(path: Path) -> Layout:
    """The layout of the blank form at ``path``; :class:`FormNotImportable` when it is no .docx or
    .odt that can be read."""
    if not path.exists():
        raise FormNotImportable(f"Le modèle «\u202f{path}\u202f» est introuvable. Vérifiez son nom et son dossier.")
    if path.is_dir():
        raise FormNotImportable(f"«\u202f{path}\u202f» est un dossier : indiquez le fichier du modèle lui-même "
                                "(.docx ou .odt).")
    try:
        with open_document(path) as package:
            return layout_of(package)
    except UnreadableReport as exc:
        raise FormNotImportable(f"Le modèle «\u202f{path.name}\u202f» ne peut pas être importé. "
                                f"{_first_sentence(exc.message)} {_ADVICE.get(exc.code, _DEFAULT_ADVICE)}") from None


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return match.group(1) if match else text
