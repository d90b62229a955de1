"""formulaire.yaml (:func:`render`), in French, commented above each part and each doubtful place
for HR, and where it is written (:func:`output_path`): an existing file is never replaced."""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from pathlib import Path
from typing import Any

import yaml

from ..catalogue import AGENT_NUMBER, CAMPAIGN, NEXT_OBJECTIVES, NO_TRAINING_NEED, REPORT_ID, ROLE_KEYS, TRAINING_NEEDS
from ..files import create_atomically, make_dirs, unique_path
from ..text import MONTHS
from .mapping import Mapping
from .regulatory_parts import missing_parts_said

OUTPUT_NAME = "formulaire.yaml"

# What HR does about a field the application needs when the form does not hold it (ROLE_KEYS).
_ROLE_HINTS = (
    ((REPORT_ID, CAMPAIGN, AGENT_NUMBER),
     "l'agent est reconnu sans lui, par l'identifiant que «\u202fentretiens modeles\u202f» ajoute au modèle, "
     "sinon par son nom et son prénom dans la liste des agents"),
    (("resultats", NEXT_OBJECTIVES, TRAINING_NEEDS),
     "ce tableau est prévu par les textes : ajoutez-le au modèle, puis relancez l'import"),
    (("premier_entretien",),
     "une case à cocher que le modèle n'a pas : la colonne «\u202fpremier entretien\u202f» de la liste des agents "
     "en tient lieu (un premier entretien n'a pas de résultats de l'année écoulée), ou ajoutez-la au modèle"),
    ((NO_TRAINING_NEED,),
     "une case à cocher que le modèle n'a pas : rien à faire, ou ajoutez-la au modèle"),
    (("refus_signature", "mode_notification_refus"),
     "un refus de signer est alors noté à la main sur l'exemplaire signé ; ajoutez la mention au modèle pour "
     "qu'il soit suivi"),
    (("date_demande_revision", "decision_revision", "date_decision_revision", "date_saisine_cap"),
     "partie remplie par le service RH en cas de recours : rien à faire"),
)
_DEFAULT_HINT = "sans cette rubrique au modèle, le suivi ne l'a pas : ajoutez-la au modèle, puis relancez l'import"


def render(mapping: Mapping, *, model_name: str, today: dt.date) -> str:
    """formulaire.yaml: the mapping with a French comment above each part and each doubtful place."""
    lines = []
    lines += _comment(f"Formulaire de l'employeur «\u202f{model_name}\u202f» : où ce modèle tient chaque champ du "
                      "compte rendu, et le catalogue des champs adapté à ce modèle. Écrit par «\u202fentretiens "
                      f"formulaire importer\u202f» le {today.day} {MONTHS[today.month - 1]} {today.year}.", 0)
    lines += _comment("Relisez-le avant de vous en servir, surtout les lignes marquées «\u202fÀ VÉRIFIER\u202f» ; "
                      "corrigez-le ici (un libellé tel qu'il est imprimé, une section, un champ à retirer). Puis "
                      "indiquez «\u202fformulaire: <ce fichier>\u202f» dans config.yaml.", 0)
    lines += _comment("confiance (de 0 à 1) : la certitude du rapprochement entre le libellé imprimé et le champ "
                      "du catalogue, pour votre relecture seulement. Chaque emplacement a été essayé : une valeur "
                      "écrite à cet endroit d'une copie du modèle y a été relue, sauf mention contraire.", 0)
    if mapping.ticked:
        lines += _comment(f"Attention : {ticked_words(mapping.ticked)} dans ce modèle : est-ce bien le modèle "
                          "vierge ? Un compte rendu rempli fait prendre des réponses pour des libellés.", 0)
    if mapping.parts_missing:
        lines += _comment("Attention : parties que tout modèle de compte rendu contient et qui n'ont pas été "
                          f"trouvées dans celui-ci : {', '.join(missing_parts_said(mapping))}. Vérifiez le modèle.", 0)
    lines += [""]
    lines += _comment("Le modèle vierge (chemin relatif à ce fichier) et l'empreinte de sa mise en page : ses "
                      "libellés dans l'ordre et la forme de ses tableaux.", 0)
    lines += [f"modele: {_dump(mapping.model)}", f"empreinte: {mapping.fingerprint}"]
    if mapping.earlier:
        lines += _comment("Les empreintes de ce même modèle lues auparavant (une version précédente du "
                          "programme) : les comptes rendus produits avec l'une d'elles restent lus comme les siens.", 0)
        lines += [f"empreintes_precedentes: [{', '.join(mapping.earlier)}]"]
    if mapping.name:
        lines += [f"nom: {_dump(mapping.name)}"]
    if mapping.parts:
        lines += [""]
        lines += _comment("Les titres des parties du formulaire, tels qu'il les imprime : ce qui est écrit sous un "
                          "libellé s'arrête au titre suivant.", 0)
        lines += _entry("parties", mapping.parts, 0)
    lines += ["", "catalogue:"]
    lines += _render_catalogue(mapping)
    lines += ["", "emplacements:"]
    current = object()
    for key, placed in mapping.places.items():
        c = placed.candidate
        if c.title != current:
            current = c.title
            lines += [_part_comment(c.title, 2)]
        name = mapping.addition(key)["label"] if placed.added else mapping.catalogue.field(key).label
        if placed.checked is False:
            lines += _comment(f"À VÉRIFIER : une valeur écrite à cet emplacement n'a pas été relue ; corrigez "
                              f"l'emplacement de «\u202f{name}\u202f».", 2)
        elif placed.doubtful:
            lines += _comment(f"À VÉRIFIER (confiance {decimal(placed.confidence)}) : {c.shown} rapproché du champ "
                              f"«\u202f{name}\u202f» ({key}). S'il n'est pas ce champ, retirez cette ligne.", 2)
        lines += _entry(key, {**placed.spec, "confiance": placed.confidence}, 2)
    return "\n".join(lines) + "\n"


def _render_catalogue(mapping: Mapping) -> list[str]:
    catalogue, lines = mapping.catalogue, []
    changed = {k: v for k, v in mapping.modified.items() if k not in mapping.relaxed}
    lines.append("  modifier:")
    if changed:
        lines += _comment("Libellés tels que ce formulaire les imprime (les notes de rejet les citeront ainsi), "
                          "échelles et colonnes de l'employeur à la place de celles du catalogue.", 4)
        for key, changes in changed.items():
            if key in mapping.notes:
                lines += _comment(mapping.notes[key], 4)
            lines += _entry(key, changes, 4)
    if mapping.relaxed:
        lines += _comment("Champs obligatoires du catalogue que ce formulaire n'a pas : rendus facultatifs, sinon "
                          "chaque compte rendu serait rejeté pour une rubrique que son formulaire n'a pas. Si l'un "
                          "d'eux est en fait sur le formulaire, placez-le sous «\u202femplacements\u202f» et retirez "
                          "sa ligne ici.", 4)
        for key in mapping.relaxed:
            lines += _entry(key, {"required_from": None}, 4)
            if key in ROLE_KEYS:
                lines[-1] += "  # ne peut pas être retiré (l'application s'en sert)"
    if not changed and not mapping.relaxed:
        lines[-1] = "  modifier: {}"
    if mapping.added:
        lines += ["  ajouter:"]
        lines += _comment("Champs propres à ce formulaire, que le catalogue n'a pas : clé faite du libellé "
                          "(changez-la avant le premier traitement si vous voulez), type deviné (date, choix, case "
                          "à cocher, nombre, texte), section du catalogue où le ranger ; facultatifs, sauf les "
                          "critères d'appréciation, obligatoires comme ceux du catalogue.", 4)
        current = object()
        for new in mapping.added:
            c = mapping.places[new["key"]].candidate
            if c.title != current:
                current = c.title
                lines += [_part_comment(c.title, 4)]
            lines += _entry(None, new, 4)
    if mapping.retired_rules:
        lines += _comment("Réponses contradictoires du catalogue qui citent un choix que ce formulaire n'offre "
                          "plus : retirées (voir «\u202fentretiens champs\u202f»).", 2)
        lines += _entry("contradictions", {"retirer": mapping.retired_rules}, 2)
    roles = [k for k in mapping.absent if k in ROLE_KEYS]
    others = [k for k in mapping.absent if k not in ROLE_KEYS]
    if others:
        lines += _comment("Champs du catalogue absents de ce formulaire. Ils peuvent rester : un champ absent du "
                          "formulaire n'est jamais demandé. Pour en retirer du catalogue (plan de formation, suivi, "
                          "notes), décommentez «\u202fretirer:\u202f» et leurs lignes ; pour un champ rendu "
                          "facultatif plus haut, supprimez aussi sa ligne sous «\u202fmodifier\u202f».", 2)
        lines.append("  # retirer:")
        width = max(len(k) for k in others)
        for key in others:
            lines.append(f"  #   - {key:<{width}}  # {catalogue.field(key).label}")
    if roles:
        lines += _comment("Absents de ce formulaire, et que l'application utilise (identité, dates, tableaux "
                          "repris, recours) : ils ne peuvent pas être retirés, ils restent au catalogue.", 2)
        for key in roles:
            hint = next((hint for keys, hint in _ROLE_HINTS if key in keys), _DEFAULT_HINT)
            lines += _comment(f"{key} ({catalogue.field(key).label}) : {hint}.", 2)
    return lines


def _part_comment(title: str | None, indent: int) -> str:
    return " " * indent + (f"# {title}" if title else "# (en tête du formulaire)")


def _dump(value: Any) -> str:
    text = yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=True, width=10 ** 6)
    return text.strip().removesuffix("...").strip()


def _entry(key: str | None, value: Any, indent: int, width: int = 108) -> list[str]:
    """One entry of a mapping (``key``) or of a list (``None``), on one line when it fits."""
    pad = " " * indent
    line = f"{pad}{'- ' if key is None else f'{key}: '}{_dump(value)}"
    if len(line) <= width:
        return [line]
    block = yaml.safe_dump([value] if key is None else {key: value}, allow_unicode=True, sort_keys=False,
                           default_flow_style=None, width=width - indent)
    return [pad + row for row in block.rstrip("\n").split("\n")]


def _comment(text: str, indent: int, width: int = 100) -> list[str]:
    """A French comment, wrapped."""
    pad = " " * indent + "# "
    return textwrap.wrap(text, width=width, initial_indent=pad, subsequent_indent=pad,
                         break_long_words=False, break_on_hyphens=False)


def ticked_words(count: int) -> str:
    return "une case est cochée" if count == 1 else f"{count} cases sont cochées"


def decimal(value: float) -> str:
    """A number as French writes it: « 0,85 »."""
    return f"{value:.2f}".replace(".", ",")


# -- where it is written ------------------------------------------------------------------------------


def output_path(output: str | Path) -> tuple[Path, Path | None]:
    """Where formulaire.yaml goes for ``output`` (a file, or a folder to hold formulaire.yaml), and
    the file already there, left as it is (the mapping then goes beside it under a dated name)."""
    target = Path(output)
    if target.is_dir():
        target = target / OUTPUT_NAME
    if not (target.exists() or target.is_symlink()):
        return target, None
    stamp = dt.datetime.now().strftime("%Y-%m-%d %Hh%M")
    return unique_path(target.with_name(f"{target.stem} {stamp}{target.suffix}")), target


def model_path(model: Path, target: Path | None) -> str:
    """The model as formulaire.yaml names it: relative to the file's folder (absolute on another drive)."""
    if target is None:
        return str(model)
    try:
        return Path(os.path.relpath(model.resolve(), target.parent.resolve())).as_posix()
    except ValueError:  # another drive
        return str(model.resolve())


def earlier_fingerprints(existing: Path | None, model: Path, fingerprint: str) -> list[str]:
    """The fingerprints of the same model in the mapping ``existing`` (the file an import writes
    beside), when they differ from ``fingerprint``: its « empreinte » and its own earlier ones.
    Nothing when it maps another model or cannot be read (it is HR's file: never an error here)."""
    if existing is None:
        return []
    import yaml

    try:
        data = yaml.safe_load(existing.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    if not isinstance(data, dict) or not isinstance(data.get("modele"), str):
        return []
    named = Path(data["modele"])
    named = named if named.is_absolute() else existing.parent / named
    try:
        same = named.resolve() == model.resolve() or named.name == model.name
    except OSError:
        same = named.name == model.name
    earlier = data.get("empreintes_precedentes") or []
    found = [*([earlier] if isinstance(earlier, str) else earlier), data.get("empreinte")]
    return list(dict.fromkeys(str(f) for f in found if f and str(f) != fingerprint)) if same else []


def write(target: Path, text: str) -> None:
    """formulaire.yaml written whole or not at all."""
    make_dirs(target.parent)
    create_atomically(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
