"""What an import did (:class:`ImportResult`) and the French summary the command prints."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..catalogue import ROLE_KEYS
from ..text import counted
from .formulaire_yaml import decimal, ticked_words
from .mapping import Mapping, Placed
from .regulatory_parts import missing_parts_said


@dataclass
class ImportResult:
    """What :func:`~pipeline.employer_import.import_form` did: the ``mapping``, formulaire.yaml's
    ``text``, where it was ``written`` (``None`` without an output), the output asked for when it was
    written beside it (``kept``: a file already there, left as it is)."""

    model: Path
    mapping: Mapping
    text: str
    written: Path | None = None
    kept: Path | None = None
    checked: bool = False  # the places were read back by the reader

    @property
    def mapped(self) -> list[Placed]:
        """The catalogue fields the form holds, with their places."""
        return [p for p in self.mapping.places.values() if not p.added]

    @property
    def doubtful(self) -> list[Placed]:
        """The places HR must look at: the catalogue fields' first, then the additions'."""
        return [p for p in self.mapped if p.doubtful] + \
            [p for p in self.mapping.places.values() if p.added and p.doubtful]

    def summary(self) -> str:
        """In French, what was mapped, with what confidence, what HR must look at, where it was written."""
        m, catalogue = self.mapping, self.mapping.catalogue
        total, mapped, doubtful = len(catalogue.fields), self.mapped, self.doubtful
        share = round(100 * len(mapped) / total) if total else 0
        sure = [p for p in mapped if not p.doubtful]
        average = sum(p.confidence for p in mapped) / len(mapped) if mapped else 0
        lines = [f"Modèle importé : {self.model.name} (empreinte {m.fingerprint}).",
                 f"{len(mapped)} champs du catalogue sur {total} placés ({share}\u00a0%), confiance moyenne "
                 f"{decimal(average)} : {counted(len(sure), 'sûr', 'sûrs')}, {len(mapped) - len(sure)} à vérifier."]
        if doubtful:
            lines.append("À vérifier par le service RH (marqués «\u202fÀ VÉRIFIER\u202f» dans le fichier) :")
            for p in doubtful:
                name = p.key if p.added else f"{p.key} «\u202f{catalogue.field(p.key).label}\u202f»"
                why = "valeur non relue à cet emplacement" if p.checked is False else \
                    f"confiance {decimal(p.confidence)}"
                lines.append(f"  - {p.candidate.shown} -> {name} ({why})")
        if m.relaxed:
            lines.append(f"Champs obligatoires absents du formulaire, rendus facultatifs : {len(m.relaxed)} "
                         f"({', '.join(m.relaxed)}).")
        if m.added:
            lines.append(f"Champs propres au formulaire proposés en ajout au catalogue : {len(m.added)} "
                         f"({', '.join(a['key'] for a in m.added)}).")
        optional = [k for k in m.absent if k not in m.relaxed and k not in ROLE_KEYS]
        if optional:
            lines.append(f"Champs facultatifs du catalogue absents du formulaire : {len(optional)} "
                         f"({', '.join(optional)}) ; à garder ou à retirer (liste «\u202fretirer\u202f» en "
                         "commentaire).")
        if m.ticked:
            lines.append(f"Attention : {ticked_words(m.ticked)} dans ce modèle : importez le modèle vierge, pas "
                         "un compte rendu rempli.")
        if m.parts_missing:
            lines.append("Attention : parties réglementaires introuvables dans ce modèle : "
                         f"{', '.join(missing_parts_said(m))}.")
        if not self.checked:
            lines.append("Les emplacements n'ont pas pu être essayés avec le lecteur : relisez-les tous.")
        if self.written is not None:
            if self.kept is not None:
                lines.append(f"{self.kept} existe déjà : il est laissé tel quel ; la correspondance est écrite à "
                             f"côté, dans {self.written}.")
            else:
                lines.append(f"Correspondance écrite dans {self.written}.")
            lines.append(f"Relisez-la, puis indiquez «\u202fformulaire: {self.written.name}\u202f» dans config.yaml "
                         "(le fichier à côté de config.yaml, ou son chemin).")
        return "\n".join(lines)
