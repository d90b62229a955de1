"""Whether a model is a compte rendu at all: the parts every model of it has (identity, review date,
objectives, manière de servir, training, career outlook, signatures), found by the catalogue fields
that show each one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..catalogue import (EVALUATOR, EVALUATOR_SIGNATURE_DATE, FIRST_NAME, LAST_NAME, NEXT_OBJECTIVES,
                         NO_TRAINING_NEED, REVIEW_DATE, TRAINING_NEEDS)
from ..text import counted
from .model_file import FormNotImportable

if TYPE_CHECKING:
    from .mapping import Mapping

#: Fewer of the regulatory parts (:data:`REGULATORY_PARTS`) than this: not a form.
MIN_PARTS = 3
_CRITERIA = ("competences", "contribution", "qualites_relationnelles", "capacite_encadrement")
#: The parts every model of the compte rendu has, and the catalogue fields that show each one.
REGULATORY_PARTS = {
    "l'identité de l'agent et de l'évaluateur": (LAST_NAME, FIRST_NAME, EVALUATOR),
    "la date de l'entretien": (REVIEW_DATE,),
    "les objectifs de l'année à venir": (NEXT_OBJECTIVES,),
    "la manière de servir (critères d'appréciation)": (*_CRITERIA, "appreciation_generale"),
    "les besoins de formation": (TRAINING_NEEDS, NO_TRAINING_NEED),
    "les perspectives d'évolution professionnelle": ("perspectives_carriere", "perspectives_mobilite"),
    "les signatures": ("signature_evaluateur", EVALUATOR_SIGNATURE_DATE),
}


def missing_parts(mapping: Mapping) -> list[str]:
    """The regulatory parts none of whose fields the form holds (the form's own criteria count for
    the catalogue's)."""
    return [part for part, keys in REGULATORY_PARTS.items() if not _has_part(mapping, keys)]


def missing_parts_said(mapping: Mapping) -> list[str]:
    """The missing regulatory parts as the summary says them: one whose title the form prints
    (« 4. Objectifs fixés pour l'année à venir ») says so, and that nothing under it was recognised
    as its table or its fields (objectives typed as a numbered list, not a table)."""
    from .candidate import Candidate
    from .matching import title_sections

    parts = mapping.parts
    sections = title_sections(mapping.catalogue, [Candidate("titre", "", -1, title=t) for t in parts]) if parts else {}
    said = []
    for part in mapping.parts_missing:
        fields = [mapping.catalogue.field(key) for key in REGULATORY_PARTS[part]
                  if key in {f.key for f in mapping.catalogue.fields}]
        title = next((t for t in parts if sections.get(t) and sections[t] in {f.section for f in fields}), None)
        if title is None:
            said.append(part)
            continue
        what = "aucun tableau reconnu" if all(f.kind == "table" for f in fields) else "aucune rubrique reconnue"
        said.append(f"{part} (la partie «\u202f{title}\u202f» est là, mais {what} sous son titre)")
    return said


def _has_part(mapping: Mapping, keys: tuple[str, ...]) -> bool:
    if any(key in mapping.places and not mapping.places[key].added for key in keys):
        return True
    return bool(set(_CRITERIA) & set(keys)) and any(p.candidate.criteria for p in mapping.places.values())


def is_a_form(mapping: Mapping) -> bool:
    """Whether the form holds enough of the regulatory parts (:data:`MIN_PARTS`) to be a compte rendu."""
    return len(REGULATORY_PARTS) - len(mapping.parts_missing) >= MIN_PARTS


def not_a_form(path: Path, mapping: Mapping) -> FormNotImportable:
    """Why the model at ``path`` is no compte rendu: the parts found, the parts missing, what to do."""
    found = [part for part in REGULATORY_PARTS if part not in mapping.parts_missing]
    said = (f"aucune des parties que tout modèle de compte rendu contient n'y a été trouvée "
            f"({', '.join(mapping.parts_missing)})" if not found else
            f"{counted(len(found), 'seule partie', 'parties seulement')} sur les {len(REGULATORY_PARTS)} que tout "
            f"modèle de compte rendu contient y {'a' if len(found) == 1 else 'ont'} été "
            f"{'trouvée' if len(found) == 1 else 'trouvées'} ({', '.join(found)}) ; il manque : "
            f"{', '.join(mapping.parts_missing)}")
    return FormNotImportable(
        f"Le modèle «\u202f{path.name}\u202f» ne ressemble pas à un compte rendu d'entretien professionnel : {said}. "
        "Vérifiez qu'il s'agit bien du modèle vierge du compte "
        "rendu ; si c'en est un, ses libellés sont trop éloignés de ceux que le programme connaît : écrivez la "
        "correspondance à la main (voir le guide, «\u202fentretiens formulaire importer\u202f»).")
