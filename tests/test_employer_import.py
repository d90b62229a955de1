"""« entretiens formulaire importer » (pipeline/employer_import.py): an employer's blank form read into
formulaire.yaml.

The two shared forms (../shared/forms: a hospital's labelled lines in .docx, a commune's tables and
grid in .odt) are imported and compared, field by field, with the mappings written by hand as the
reader's fixtures (tests/forms/); the mapping, loaded as ``formulaire:`` in a config.yaml, reads their
filled copies as the fixtures do. Near-wording variants of labels (numbered, abbreviated, in capitals,
with « : » or leaders) still match; a file that is no form gets its French report, never a traceback."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import json
import re
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml
from lxml import etree
from msoffcrypto.format.ooxml import OOXMLFile

from pipeline import catalogue as cat
from pipeline.catalogue import BASE, Catalogue, for_public_service
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.employer_import import (FormNotImportable, candidates, fingerprint, form_labels, import_form,
                                      map_layout, match)
from pipeline.layout import Cell, Layout, Line, Piece, Table, layout_of
from pipeline.preflight import open_document
from pipeline.outcomes import OtherForm
from pipeline.read import read_report
from pipeline.text import normalize_label
from tests.conftest import REPO

SHARED = REPO.parent / "shared"
FORMS = SHARED / "forms"
FIXTURES = REPO / "tests" / "forms"
REAL_WORLD = SHARED / "testdata" / "real-world"
# Each shared form and the public service whose catalogue it is mapped to.
SERVICES = {"B_hopital_lignes.docx": "hospitaliere", "C_commune_grille.odt": "territoriale"}
NNBSP = "\u202f"

needs_forms = pytest.mark.skipif(not FORMS.is_dir(), reason="../shared/forms is not there")
# The places are checked, and the filled copies read, by the employer's-form reader.
needs_reader = pytest.mark.skipif(importlib.util.find_spec("pipeline.employer_read") is None,
                                  reason="pipeline/employer_read.py (the employer's-form reader) is not there")


def catalogue_for(name: str) -> Catalogue:
    return for_public_service(BASE, SERVICES[name])


def fixture_mapping(name: str) -> dict:
    path = FIXTURES / f"{Path(name).stem}.yaml"
    if not path.exists():
        pytest.skip(f"{path} (the reader's fixture) is not there")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def filled(name: str) -> Path:
    model = FORMS / name
    return model.with_name(f"{model.stem}_rempli{model.suffix}")


def config_with(tmp_path: Path, mapping: Path, service: str):
    """A config.yaml naming ``mapping`` as its ``formulaire``."""
    folder = tmp_path / f"espace_{mapping.stem}"
    folder.mkdir(exist_ok=True)
    (folder / "config.yaml").write_text(yaml.safe_dump({"formulaire": str(mapping.resolve()),
                                                        "fonction_publique": service}), encoding="utf-8")
    return load_config(folder / "config.yaml")


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Each shared form imported once: name -> (ImportResult, the formulaire.yaml written)."""
    if not FORMS.is_dir():
        pytest.skip("../shared/forms is not there")
    done = {}
    for name in SERVICES:
        out = tmp_path_factory.mktemp(Path(name).stem) / "formulaire.yaml"
        done[name] = (import_form(FORMS / name, catalogue=catalogue_for(name), output=out), out)
    return done


def required_held(name: str) -> list[str]:
    """The catalogue's required fields the hand-written mapping places: those the form holds."""
    places = fixture_mapping(name)["emplacements"]
    return [f.key for f in catalogue_for(name).fields if f.required_from is not None and f.key in places]


# -- the two shared forms, against the hand-written mappings ----------------------------------------

_SAME_PLACE = ("apres_libelle", "sous_libelle", "cellule", "colonne", "direction", "grille", "rangee", "colonnes",
               "cases", "libelle", "champ_formulaire", "controle")


def comparable(spec: dict) -> dict:
    """What says where a place is, compared as labels are (section, occurrence and until are checked by
    reading the filled copy: two ways of saying one place)."""
    def norm(value):
        if isinstance(value, str):
            return normalize_label(value)
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        return value
    if "tableau" in spec:
        return {"tableau": norm(spec["tableau"])}
    return {key: norm(spec[key]) for key in _SAME_PLACE if key in spec}


@needs_forms
@pytest.mark.parametrize("name", list(SERVICES))
def test_every_required_field_the_form_holds_is_placed_where_the_hand_written_mapping_places_it(imported, name):
    result, written = imported[name]
    mine = yaml.safe_load(written.read_text(encoding="utf-8"))["emplacements"]
    theirs = fixture_mapping(name)["emplacements"]
    held = required_held(name)
    assert len(held) >= 20
    missing = [key for key in held if key not in mine]
    assert missing == []
    assert {key: comparable(mine[key]) for key in held} == {key: comparable(theirs[key]) for key in held}


@needs_forms
@pytest.mark.parametrize("name", list(SERVICES))
def test_the_mapping_loaded_as_formulaire_gives_the_places_of_the_hand_written_one(imported, name, tmp_path):
    """GIVEN the importer's formulaire.yaml and the reader's fixture, each named by a config.yaml,
    THEN the two Forms have the same places for every required field the form holds."""
    _, written = imported[name]
    mine = config_with(tmp_path, written, SERVICES[name]).form
    theirs = config_with(tmp_path, FIXTURES / f"{Path(name).stem}.yaml", SERVICES[name]).form

    def where(form, key):
        if key in form.tables:
            table = form.tables[key]
            return table.matches, table.options
        return [(p.kind, p.match, p.column, p.direction, p.row, p.options) for p in form.places[key]]
    held = required_held(name)
    assert {key: where(mine, key) for key in held} == {key: where(theirs, key) for key in held}
    assert mine.version == yaml.safe_load(written.read_text(encoding="utf-8"))["empreinte"]


@needs_reader
@needs_forms
@pytest.mark.parametrize("name", list(SERVICES))
def test_the_mapping_reads_the_filled_copy_as_the_hand_written_one_does(imported, name, tmp_path):
    _, written = imported[name]
    service = SERVICES[name]
    mine = read_report(filled(name), config_with(tmp_path, written, service).form)
    theirs = read_report(filled(name), config_with(tmp_path, FIXTURES / f"{Path(name).stem}.yaml", service).form)
    keys = [f.key for f in catalogue_for(name).fields if f.key in fixture_mapping(name)["emplacements"]]
    assert {k: mine.values.get(k, mine.tables.get(k)) for k in keys} == \
        {k: theirs.values.get(k, theirs.tables.get(k)) for k in keys}
    assert not mine.unrecognised_marks


@needs_reader
@needs_forms
def test_the_filled_copies_read_the_values_a_correct_reader_finds(imported, tmp_path):
    """The values of *_attendu.json, read through the imported mappings (a field the catalogue has,
    and the form's own ones the importer added)."""
    read = {name: read_report(filled(name), config_with(tmp_path, imported[name][1], SERVICES[name]).form)
            for name in SERVICES}
    hospital, commune = read["B_hopital_lignes.docx"], read["C_commune_grille.odt"]
    assert (hospital.values["nom"], hospital.values["evaluateur"], hospital.values["date_entretien"]) == \
        ("MARCHAND", "GUÉRIN Nathalie", "13/10/2026")
    assert hospital.values["capacite_encadrement"] == "Très bon" and hospital.values["encadre_agents"] == "non"
    assert hospital.values["civilite"] == "Madame" and hospital.values["date_naissance"] == "02/11/1990"
    assert [row["type"] for row in hospital.tables["besoins_formation"]] == ["T3", "T1"]
    assert (commune.values["nom"], commune.values["evaluateur"], commune.values["date_signature_evaluateur"]) == \
        ("ROCHER", "PELLETIER", "22/10/2026")
    grid = {p.key: p for p in imported["C_commune_grille.odt"][0].mapping.places.values()}
    by_evaluator = next(k for k, p in grid.items() if p.candidate.kind == "grid" and not p.candidate.self_assessment)
    by_agent = next(k for k, p in grid.items() if p.candidate.kind == "grid" and p.candidate.self_assessment)
    assert (commune.values[by_evaluator], commune.values[by_agent]) == ("A", "B")  # Fiabilité…: by each
    assert commune.values["date_visa"] == "" and commune.values["encadre_agents"] == "oui"


@needs_forms
@pytest.mark.parametrize("name, at_least", [("B_hopital_lignes.docx", 30), ("C_commune_grille.odt", 28)])
def test_the_summary_says_how_many_fields_were_placed_and_their_share_of_the_catalogue(imported, name, at_least):
    result, written = imported[name]
    total = len(catalogue_for(name).fields)
    placed = len(result.mapped)
    assert placed >= at_least
    summary = result.summary()
    assert f"{placed} champs du catalogue sur {total} placés ({round(100 * placed / total)}\u00a0%)" in summary
    assert summary.startswith(f"Modèle importé : {name} (empreinte F-")
    assert "confiance moyenne 0," in summary
    assert f"Correspondance écrite dans {written}." in summary
    assert f"«{NNBSP}formulaire: formulaire.yaml{NNBSP}»" in summary
    assert "Champs obligatoires absents du formulaire, rendus facultatifs" in summary
    assert "Champs propres au formulaire proposés en ajout au catalogue" in summary


@needs_forms
def test_the_summary_names_what_hr_must_check(imported):
    result, _ = imported["B_hopital_lignes.docx"]
    summary = result.summary()
    assert "À vérifier par le service RH" in summary
    doubtful = "\n".join(line for line in summary.splitlines() if line.startswith("  - "))
    assert f"«{NNBSP}Fonction{NNBSP}» -> fonction_evaluateur" in doubtful and "confiance 0," in doubtful
    text = result.text
    assert re.search(r"# À VÉRIFIER \(confiance 0,\d\d\) : «\u202fFonction\u202f».*\n.*\n  fonction_evaluateur:", text)


@needs_forms
def test_the_employer_s_labels_and_scales_replace_the_catalogue_s(imported):
    hospital = imported["B_hopital_lignes.docx"][0].mapping.modified
    commune = imported["C_commune_grille.odt"][0].mapping.modified
    assert hospital["nom"]["label"] == "Nom de famille"
    assert hospital["signature_evaluateur"]["label"] == "Évaluateur : nom et prénom"  # whose, for the notes
    assert hospital["capacite_encadrement"]["choices"] == ["Excellent", "Très bon", "Bon", "À améliorer",
                                                           cat.NOT_APPLICABLE]
    types = next(c for c in hospital["besoins_formation"]["columns"] if c["key"] == "type")
    assert types["choices"] == ["T1", "T2", "T3"] and types["meanings"]["T3"].startswith("développement")
    assert "choices" not in next(c for c in hospital["besoins_formation"]["columns"] if c["key"] == "priorite")
    assert commune["nom"]["label"] == "Nom (agent évalué)"
    assert commune["evaluateur"]["label"] == "Nom (supérieur hiérarchique direct)"
    kinds = next(c for c in commune["besoins_formation"]["columns"] if c["key"] == "type")
    assert kinds["choices"][:3] == ["intégration", "professionnalisation", "perfectionnement"]
    assert kinds["meanings"]["professionnalisation"].startswith("premier emploi")
    results = next(c for c in commune["resultats"]["columns"] if c["key"] == "atteinte")
    assert results["choices"] == cat.OBJECTIVE_SCALE  # the legend under the table, as the catalogue spells it


@needs_forms
def test_the_form_s_own_fields_are_proposed_as_additions_with_a_guessed_kind(imported):
    added = {a["key"]: a for a in imported["B_hopital_lignes.docx"][0].mapping.added}
    assert added["civilite"] == {"key": "civilite", "label": "Civilité", "section": "identite", "kind": "choice",
                                 "choices": ["Madame", "Monsieur"]}
    assert (added["date_naissance"]["kind"], added["echelon"]["kind"], added["nom_usage"]["kind"]) == \
        ("date", "number", "text")
    wishes = [a for a in added.values() if a["kind"] == "bool"]
    assert len(wishes) == 6 and {a["section"] for a in wishes} == {"perspectives"}
    criteria = [a for a in added.values() if a["section"] == "maniere_de_servir"]
    assert len(criteria) == 8 and all(a["required_from"] == 1 and a["choices"][0] == "Excellent" for a in criteria)
    commune = {a["key"]: a for a in imported["C_commune_grille.odt"][0].mapping.added}
    assert commune["prenom_evaluateur"]["label"] == "Prénom (supérieur hiérarchique direct)"
    grid = [a for a in commune.values() if a.get("choices") == ["A", "B", "C", "D"]]
    by_evaluator = [a for a in grid if a["section"] == "maniere_de_servir"]
    by_agent = [a for a in grid if a["key"].startswith("auto_")]
    assert len(by_evaluator) == len(by_agent) == 10
    assert all(a["required_from"] == 1 for a in by_evaluator) and not any("required_from" in a for a in by_agent)
    assert {a["section"] for a in by_agent} == {"appreciation"}  # not a criterion compared across evaluators
    managing = [a for a in by_evaluator if "required_if" in a]
    assert [a["label"] for a in managing] == ["Capacité à organiser et animer une équipe",
                                              "Capacité à transmettre ses savoirs"]


@needs_forms
@pytest.mark.parametrize("name", list(SERVICES))
def test_required_fields_the_form_lacks_are_made_optional_and_the_others_listed_to_retire(imported, name):
    result, written = imported[name]
    mapping = result.mapping
    for key in (cat.REPORT_ID, cat.CAMPAIGN, cat.AGENT_NUMBER, cat.COMMUNICATION_DATE):
        assert mapping.modified[key] == {"required_from": None}
    data = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert "retirer" not in data["catalogue"]  # retiring is HR's decision: a commented list
    text = written.read_text(encoding="utf-8")
    assert "  # retirer:\n" in text and "  #   - evolution_poste " in text
    assert f"{cat.AGENT_NUMBER} (Matricule) : l'agent est reconnu sans lui" in " ".join(text.split("# "))
    adapted = mapping.adapted()
    assert all(adapted.field(k).required_from is None for k in mapping.relaxed)
    # The comment's procedure works: uncomment « retirer », drop the relaxed ones' lines under modifier.
    retired = [k for k in mapping.absent if k not in cat.ROLE_KEYS]
    overrides = mapping.overrides()
    overrides["modifier"] = {k: v for k, v in overrides["modifier"].items() if k not in retired}
    assert not {k for k in retired} & {f.key for f in cat.apply_overrides(mapping.catalogue,
                                                                          {**overrides, "retirer": retired}).fields}


@needs_reader
@needs_forms
def test_a_label_printed_more_than_once_is_looked_up_under_its_heading_or_by_its_rank(imported):
    hospital = imported["B_hopital_lignes.docx"][0].mapping.places
    commune = imported["C_commune_grille.odt"][0].mapping.places
    assert hospital["date_visa"].spec == {"apres_libelle": "Date",
                                          "section": "Visa du directeur d'établissement (ou de son représentant)"}
    assert hospital["date_prise_connaissance"].spec["section"] == "Agent (prise de connaissance du compte rendu)"
    signatures = "10. SIGNATURES ET NOTIFICATION"
    assert commune["date_signature_evaluateur"].spec == {"apres_libelle": "Date", "section": signatures}
    assert commune["date_prise_connaissance"].spec == {"apres_libelle": "Date", "section": signatures,
                                                       "occurrence": 2}
    assert commune["date_visa"].spec["occurrence"] == 3
    assert all(p.checked for p in [*hospital.values(), *commune.values()])  # each read back by the reader


@needs_forms
def test_the_yaml_is_written_in_french_and_commented_above_each_part(imported):
    result, written = imported["C_commune_grille.odt"]
    text = written.read_text(encoding="utf-8")
    assert text.startswith(f"# Formulaire de l'employeur «{NNBSP}C_commune_grille.odt{NNBSP}»")
    assert "« " not in text and " »" not in text  # narrow no-break spaces inside the quotes
    emplacements = text.split("\nemplacements:\n", 1)[1]
    for title in ("1. IDENTIFICATION", "4. APPRÉCIATION DE LA VALEUR PROFESSIONNELLE",
                  "10. SIGNATURES ET NOTIFICATION"):
        assert f"  # {title}\n" in emplacements
    data = yaml.safe_load(text)
    assert data["modele"].endswith("/C_commune_grille.odt")  # relative to formulaire.yaml
    assert (written.parent / data["modele"]).resolve() == (FORMS / "C_commune_grille.odt").resolve()
    assert data["nom"] == "Compte rendu d'entretien professionnel annuel – Mairie de Saint-Exemple-sur-Loire"
    assert all(0 <= place["confiance"] <= 1 for place in data["emplacements"].values())
    assert data == result.mapping.as_data()  # the comments hide nothing and change nothing


# -- the fingerprint -------------------------------------------------------------------------------------


def layout_of_file(path: Path) -> Layout:
    with open_document(path) as package:
        return layout_of(package)


@needs_forms
@pytest.mark.parametrize("name", list(SERVICES))
def test_the_same_blank_form_gives_the_same_fingerprint_and_a_filled_copy_shows_its_labels(name):
    blank, again = layout_of_file(FORMS / name), layout_of_file(FORMS / name)
    assert fingerprint(blank) == fingerprint(again)
    assert re.fullmatch(r"F-[0-9a-f]{10}", fingerprint(blank))
    copy = "\n".join(normalize_label(line.text) for line, _ in layout_of_file(filled(name)).lines())
    labels = form_labels(candidates(blank))
    assert len(labels) >= 60
    assert [label for label in labels if normalize_label(label) not in copy] == []


@pytest.mark.parametrize("path, expected", [
    (FORMS / "B_hopital_lignes.docx", "F-f247e1daa7"), (FORMS / "C_commune_grille.odt", "F-6d16773a8d"),
    (REPO / "tests" / "field_cases" / "employer_forms" / "D_ministere_crep.docx", "F-d1bf23ba56"),
    (REPO / "tests" / "field_cases" / "employer_forms" / "D_ministere_crep.odt", "F-d1bf23ba56"),  # saved as .odt
    (REPO / "tests" / "field_cases" / "employer_forms" / "E_hopital_lignes_soulignees.odt", "F-4d9069edc0"),
    (REPO / "tests" / "field_cases" / "employer_forms" / "F_cdg_controles.docx", "F-7fe11e4b58"),
])
def test_a_form_s_fingerprint_is_its_printed_text_s_whatever_the_importer_finds(path, expected, monkeypatch):
    """The fingerprint a form's reports are stamped with does not move when the importer finds
    more (or fewer) places in it: a form imported again after the program is upgraded keeps the
    reports already sent out readable. These values change only if the way of fingerprinting does."""
    if not path.exists():
        pytest.skip(f"{path} is not there")
    layout = layout_of_file(path)
    assert fingerprint(layout) == expected
    from pipeline.employer_import import places

    monkeypatch.setattr(places, "candidates", lambda layout: [])  # an importer that finds nothing
    assert fingerprint(layout) == expected


@needs_forms
def test_another_layout_gives_another_fingerprint():
    hospital, commune = layout_of_file(FORMS / "B_hopital_lignes.docx"), layout_of_file(FORMS / "C_commune_grille.odt")
    assert fingerprint(hospital) != fingerprint(commune)
    before = fingerprint(hospital)
    piece = next(p for line, _ in hospital.lines() for p in line.pieces if p.text.startswith("Corps"))
    piece.text = piece.text.replace("Corps", "Corps d'origine")
    assert fingerprint(hospital) != before


# -- near wordings of labels, on forms built here ----------------------------------------------------------


def line(text: str) -> Line:
    """A paragraph; ``\\t`` is a tab drawing leader dots."""
    pieces = []
    for n, part in enumerate(text.split("\t")):
        if n:
            pieces.append(Piece("tab", leader="."))
        if part:
            pieces.append(Piece("text", part))
    return Line(pieces)


def table(rows: list[list[str]]) -> Table:
    return Table(rows=[[Cell(r, c, blocks=[line(text)]) for c, text in enumerate(row)] for r, row in enumerate(rows)],
                 grid_columns=max(map(len, rows)))


def small_form(*identity: str, criteria: list[Line | Table] | None = None) -> Layout:
    """A form of labelled lines with every regulatory part; ``identity``: its identification lines."""
    blocks = [line("COMPTE RENDU D'ENTRETIEN PROFESSIONNEL"), line("I. IDENTIFICATION DE L'AGENT"),
              *(line(text) for text in identity or ("Nom : \t", "Prénom : \t", "Date de l'entretien : \t")),
              line("II. OBJECTIFS FIXÉS POUR L'ANNÉE À VENIR"),
              table([["Objectif", "Indicateur", "Échéance"], ["", "", ""]]),
              line("III. MANIÈRE DE SERVIR"), *(criteria or [line("Appréciation générale :"), line("\t")]),
              line("IV. BESOINS DE FORMATION"), line("☐ Aucun besoin de formation exprimé"),
              line("V. PERSPECTIVES D'ÉVOLUTION PROFESSIONNELLE"), line("Carrière :"), line("\t"), line("\t"),
              line("VI. SIGNATURES"), line("L'évaluateur"), line("Nom et prénom : \tDate : \t")]
    return Layout(blocks=blocks)


def placed(layout: Layout, catalogue: Catalogue = cat.DEFAULT) -> dict[str, tuple[str, str]]:
    """Field key -> (kind of place, label) as the importer matches them."""
    return {m.field.key: (m.candidate.kind, m.candidate.text) for m in match(catalogue, candidates(layout))}


@needs_reader
@pytest.mark.parametrize("printed", [
    "Nom et prénom de l'évaluateur : \t",
    "NOM ET PRÉNOM DE L’ÉVALUATEUR :\t",  # capitals, a typographic apostrophe
    "3.1 Nom et prénom de l'évaluateur : ......",  # numbered, typed leaders
    "a) Nom et prénom du N+1 : \t",  # « N+1 »
    "II - Nom, prénom de l'évaluateur (N+1) ________",  # no colon, underscores
    "Nom du supérieur hiérarchique direct :\t",
    "SHD : \t",
    "Responsable hiérarchique direct : ......",
])
def test_the_evaluator_is_found_under_the_wordings_administrations_print(printed):
    form = small_form("Nom : \t", "Prénom : \t", printed, "Date de l'entretien : \t")
    label = re.sub(r"^(3\.1|a\)|II -) ", "", re.split(r" ?:|\t| [._]{3}", printed)[0])
    assert placed(form)[cat.EVALUATOR] == ("after_label", label)
    mapping, checked = map_layout(form, cat.DEFAULT)  # and the reader finds the value there
    assert checked and mapping.places[cat.EVALUATOR].checked
    assert mapping.places[cat.EVALUATOR].spec == {"apres_libelle": label}


@needs_reader
@pytest.mark.parametrize("printed", [
    "Date de l'entretien : \t",
    "DATE DE L'ENTRETIEN PROFESSIONNEL :\t",
    "2. Date d'entretien ......",
    "Entretien réalisé le : .....",
    "Date de l’entretien annuel : ___________",
])
def test_the_review_date_is_found_under_its_wordings(printed):
    form = small_form("Nom : \t", "Prénom : \t", printed)
    kind, label = placed(form)[cat.REVIEW_DATE]
    assert kind == "after_label" and normalize_label(label) in normalize_label(printed)
    mapping, checked = map_layout(form, cat.DEFAULT)
    assert checked and mapping.places[cat.REVIEW_DATE].checked


@pytest.mark.parametrize("printed, key", [
    ("N° agent : \t", cat.AGENT_NUMBER),
    ("Matricule : ......", cat.AGENT_NUMBER),
    ("Nb d'agents encadrés : \t", "nombre_agents_encadres"),
    ("GRADE : \t", cat.GRADE),
    ("Affectation (service) : \t", cat.SERVICE),
    ("Fonctions exercées : \t", "poste"),
])
def test_abbreviations_and_other_words_for_a_field_still_match(printed, key):
    assert placed(small_form("Nom : \t", "Prénom : \t", printed, "Date de l'entretien : \t"))[key][0] == \
        "after_label"


@pytest.mark.parametrize("headers, title", [
    (["Objectifs", "Indicateurs de résultat", "Délai"], "OBJECTIFS FIXÉS POUR L'ANNÉE N+1"),
    (["OBJECTIF", "INDICATEUR(S)", "ÉCHÉANCE"], "5. Objectifs pour l'année à venir"),
    (["Objectif", "Critères de réussite", "Date d'échéance"], "Objectifs de l'année"),
])
def test_a_table_is_recognised_by_its_header_row_and_title(headers, title):
    layout = small_form()
    at = next(n for n, b in enumerate(layout.blocks) if isinstance(b, Table))
    layout.blocks[at - 1:at + 1] = [line(title), table([headers, ["", "", ""]])]
    mapping, _ = map_layout(layout, cat.DEFAULT)
    place = mapping.places[cat.NEXT_OBJECTIVES].spec["tableau"]
    assert place == dict(zip(["objectif", "indicateur", "echeance"], headers))


@pytest.mark.parametrize("nested", [False, True])
def test_a_table_of_one_empty_row_is_labels_over_their_values_unless_it_is_a_table_field(nested):
    """The ministry's identity and signatures: a header row over one empty row, each header the label
    of the cell under it (placed, read back); the same shape holding next year's objectives stays a
    table; headers no field takes are proposed as fields of their own, not as a table."""
    identity = table([["Nom", "Prénom", "Corps-grade", "Affectation"], ["", "", "", ""]])
    own = table([["Date de naissance", "Échelon"], ["", ""]])
    signatures = table([["Signature de l'évaluateur", "Date", "Signature de l'agent"], ["", "", ""]])
    if nested:  # inside the cell of a frame, as the ministry's form draws them
        identity = Table(rows=[[Cell(0, 0, blocks=[line("Agent évalué"), identity, own])]], grid_columns=1)
        own = None
    layout = small_form("Date de l'entretien : \t")
    at = next(n for n, b in enumerate(layout.blocks) if isinstance(b, Line) and "IDENTIFICATION" in b.text)
    layout.blocks[at + 1:at + 1] = [identity] + ([own] if own is not None else [])
    layout.blocks[-2:] = [signatures]
    mapping, checked = map_layout(layout, cat.DEFAULT)
    assert checked
    for key, label in ((cat.LAST_NAME, "Nom"), (cat.FIRST_NAME, "Prénom"), (cat.GRADE, "Corps-grade"),
                       ("signature_evaluateur", "Signature de l'évaluateur"),
                       ("signature_agent_observations", "Signature de l'agent")):  # no visa on this form
        assert mapping.places[key].spec == {"cellule": label, "direction": "dessous"}, key
        assert mapping.places[key].checked, key
    assert list(mapping.places[cat.NEXT_OBJECTIVES].spec["tableau"].values()) == ["Objectif", "Indicateur", "Échéance"]
    added = {a["label"]: a["kind"] for a in mapping.added}
    assert "Date de naissance" in added and "Échelon" in added and added["Échelon"] == "number"
    assert all(a["kind"] != "table" for a in mapping.added)


@pytest.mark.parametrize("printed, label", [
    ("Signature de l'évaluateur", "Signature de l'évaluateur"),  # the catalogue's « (nom) » is not printed
    ("SIGNATURE DE L'ÉVALUATEUR", "Signature de l'évaluateur"),
    ("Signature de l'évaluateur (nom)", None),  # printed as the catalogue says it: nothing to change
    ("Signature de l'évaluateur (nom et prénom)", "Signature de l'évaluateur (nom et prénom)"),
])
def test_a_note_names_a_field_as_the_form_prints_it_and_a_bare_date_by_whose_it_is(printed, label):
    signatures = table([[printed, "Date", "Signature de l'agent"], ["", "", ""]])
    layout = small_form()
    layout.blocks[-2:] = [signatures]
    mapping, checked = map_layout(layout, cat.DEFAULT)
    assert checked and mapping.places["signature_evaluateur"].spec["cellule"] == printed
    assert mapping.modified.get("signature_evaluateur", {}).get("label") == label
    assert "label" not in mapping.modified.get("date_signature_evaluateur", {})  # never « Date » alone


@pytest.mark.parametrize("scale", [("Très satisfaisant", "Satisfaisant", "À améliorer", "Insuffisant"),
                                   ("Excellent", "Très bon", "Bon", "Insuffisant"), ("A", "B", "C", "D")])
def test_criteria_rated_by_a_drop_down_list_in_their_value_cell_take_its_entries_as_choices(scale):
    """The centre de gestion's way: « criterion | a drop-down list » rows (a content control whose
    first entry, « Choisissez un élément. », is no choice): each criterion placed in its value
    cell, the list's entries as its choices, the choice read back."""
    def drop_down(r: int) -> Cell:
        piece = Piece("field", "Choisissez un élément.", field_kind="dropdown", placeholder=True, choices=scale)
        return Cell(r, 1, blocks=[Line([piece])])

    criteria = ["Compétences professionnelles et technicité", "Contribution à l'activité du service",
                "Qualités relationnelles", "Capacité d'encadrement"]
    grid = Table(rows=[[Cell(0, 0, blocks=[line("Critère")]), Cell(0, 1, blocks=[line("Niveau")])]] + [
        [Cell(r, 0, blocks=[line(text)]), drop_down(r)] for r, text in enumerate(criteria, 1)], grid_columns=2)
    mapping, checked = map_layout(small_form(criteria=[grid]), cat.DEFAULT)
    assert checked
    for key, text in zip(("competences", "contribution", "qualites_relationnelles", "capacite_encadrement"), criteria):
        assert mapping.places[key].spec == {"cellule": text}, key
        assert mapping.modified[key]["choices"] == list(scale), mapping.modified[key]
        assert mapping.places[key].checked, key


@pytest.mark.parametrize("label", ["Appréciation générale", "Appréciation générale :", "APPRÉCIATION GÉNÉRALE"])
def test_a_rich_text_area_under_a_label_is_the_place_to_write_in(label):
    """A block content control under a label (Word's rich text area, showing its placeholder on the
    blank form): the label's field is written there, read back."""
    area = line("")
    area.control = "AppreciationGenerale"
    layout = small_form(criteria=[line(label), area])
    mapping, checked = map_layout(layout, cat.DEFAULT)
    assert checked
    assert mapping.places["appreciation_generale"].spec == {"sous_libelle": label.rstrip(" :")}
    assert mapping.places["appreciation_generale"].checked


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_a_date_field_beside_a_signature_s_value_cell_is_the_signature_s_date(fmt):
    """« Signature de l'évaluateur | [its name] | [a date picker] », no header over them: the date
    picker (named) is the signature's date, read back by its name."""
    def field_cell(r: int, c: int, kind: str, name: str) -> Cell:
        return Cell(r, c, blocks=[Line([Piece("field", "Cliquez ici.", field_kind=kind, name=name, placeholder=True)])])

    rows = [("Signature de l'évaluateur", "SignatureEvaluateur", "DateSignatureEvaluateur"),
            ("Visa de l'autorité", "VisaAutorite", "DateVisa")]
    signatures = Table(rows=[[Cell(r, 0, blocks=[line(label)]), field_cell(r, 1, "text", name),
                              field_cell(r, 2, "date", date)] for r, (label, name, date) in enumerate(rows)],
                       grid_columns=3)
    layout = small_form()
    layout.blocks[-2:] = [signatures]
    layout.format = fmt
    mapping, checked = map_layout(layout, cat.DEFAULT)
    assert checked
    key = "controle" if fmt == "docx" else "champ_formulaire"
    assert mapping.places[cat.EVALUATOR_SIGNATURE_DATE].spec == {key: "DateSignatureEvaluateur"}
    assert mapping.places["date_visa"].spec == {key: "DateVisa"}
    assert mapping.places[cat.EVALUATOR_SIGNATURE_DATE].checked and mapping.places["date_visa"].checked


@pytest.mark.parametrize("signatures, expected", [
    # After the observations, before the visa: the agent's signature of their observations (stage 2).
    (["Observations de l'agent :", "\t", "Signature de l'agent : \t", "Visa du directeur : \t"],
     {"signature_agent_observations": "Signature de l'agent"}),
    # No visa, no notification on the form: the same.
    (["Observations de l'agent :", "\t", "Signature de l'agent : \t"],
     {"signature_agent_observations": "Signature de l'agent"}),
    # After the notification's date: the signature at the notification (stage 4).
    (["Visa du directeur : \t", "Compte rendu notifié à l'agent le : \t", "Signature de l'agent : \t"],
     {"signature_agent": "Signature de l'agent"}),
    # Both printed: each in its place.
    (["Signature de l'agent après ses observations : \t", "Visa du directeur : \t",
      "Notifié le : \t", "Signature de l'agent à la notification : \t"],
     {"signature_agent_observations": "Signature de l'agent après ses observations",
      "signature_agent": "Signature de l'agent à la notification"}),
])
def test_the_agent_s_signature_is_the_one_its_place_in_the_workflow_says(signatures, expected):
    """« Signature de l'agent » before any visa or notification is the one after the agent's
    observations: read as the notification's, a report the agent has just signed would skip the
    visa and be turned away for it."""
    layout = small_form()
    layout.blocks[-2:] = [line(text) for text in signatures]
    mapping, checked = map_layout(layout, cat.DEFAULT)
    assert checked
    for key, label in expected.items():
        assert mapping.places[key].spec == {"apres_libelle": label}, key
    for key in {"signature_agent_observations", "signature_agent"} - set(expected):
        assert key not in mapping.places, key


@pytest.mark.parametrize("past_title, next_title, headers", [
    ("Objectifs de l'année écoulée et résultats obtenus", "Objectifs de l'année à venir",
     ["Objectif", "Résultat / Indicateur"]),
    ("4. RÉSULTATS PROFESSIONNELS OBTENUS", "5. OBJECTIFS FIXÉS POUR L'ANNÉE À VENIR",
     ["Objectif", "Résultat ou indicateur"]),
    ("Rappel des objectifs de l'année écoulée", "Objectifs de l'année N+1", ["Objectifs", "Indicateurs / résultats"]),
])
def test_two_tables_with_the_same_headers_are_told_apart_by_their_titles(past_title, next_title, headers):
    """The ministry's way: last year's objectives and next year's in two tables of the same headers,
    one of which names two things (« Résultat / Indicateur »): each table is its field, by its title."""
    layout = small_form()
    at = next(n for n, b in enumerate(layout.blocks) if isinstance(b, Table))
    layout.blocks[at - 1:at + 1] = [line(past_title), table([headers, ["", ""], ["", ""]]),
                                    line(next_title), table([headers, ["", ""], ["", ""]])]
    mapping, checked = map_layout(layout, cat.DEFAULT)
    assert checked
    assert list(mapping.places[cat.PREVIOUS_RESULTS].spec["tableau"].values()) == headers
    assert list(mapping.places[cat.NEXT_OBJECTIVES].spec["tableau"].values()) == headers
    assert mapping.places[cat.PREVIOUS_RESULTS].candidate.line < mapping.places[cat.NEXT_OBJECTIVES].candidate.line
    assert mapping.places[cat.PREVIOUS_RESULTS].checked and mapping.places[cat.NEXT_OBJECTIVES].checked


@pytest.mark.parametrize("title, headers", [
    ("6. BESOINS DE FORMATION", ["Intitulé", "Durée", "Priorité"]),
    ("Besoins de formation", ["Formation demandée", "Période souhaitée"]),
    ("BESOINS DE FORMATION", ["Action de formation", "Organisme", "Durée (jours)"]),
])
def test_a_table_titled_as_its_field_is_placed_without_a_column_the_catalogue_requires(title, headers):
    """The training needs titled as such, without the catalogue's « Type » column: the table is the
    field's all the same, its columns the form's own."""
    layout = small_form()
    at = next(n for n, b in enumerate(layout.blocks) if isinstance(b, Line) and "FORMATION" in b.text)
    layout.blocks[at:at + 2] = [line(title), table([headers, [""] * len(headers), [""] * len(headers)])]
    mapping, checked = map_layout(layout, cat.DEFAULT)
    assert checked
    assert list(mapping.places[cat.TRAINING_NEEDS].spec["tableau"].values()) == headers
    assert mapping.places[cat.TRAINING_NEEDS].checked


@needs_reader
def test_columns_under_two_headers_give_each_value_its_column_and_whose_it_is():
    identity = table([["", "AGENT", "N+1"], ["NOM", "", ""], ["Prénom", "", ""], ["Grade", "", ""]])
    layout = small_form("Date de l'entretien : \t")
    layout.blocks.insert(2, identity)
    mapping, checked = map_layout(layout, cat.DEFAULT)
    assert checked
    assert mapping.places[cat.LAST_NAME].spec == {"cellule": "NOM", "colonne": "AGENT"}
    assert mapping.places[cat.EVALUATOR].spec == {"cellule": "NOM", "colonne": "N+1"}
    assert mapping.places[cat.GRADE].spec == {"cellule": "Grade", "colonne": "AGENT"}
    added = {a["key"]: a for a in mapping.added}
    assert added["prenom_evaluateur"]["label"] == "Prénom (N+1)"  # the evaluator's own: not the agent's
    assert "grade_evaluateur" in added


@needs_reader
@pytest.mark.parametrize("boxes", ["☐ oui ☐ non", "[ ] OUI     [ ] NON", "□ Oui   □ Non", "O Oui    O Non",
                                   "O\u00a0Oui\tO\u00a0Non"])
def test_boxes_are_a_choice_whatever_the_glyph_and_case(boxes):
    """A box drawn by a glyph, by brackets, or by the letter « O » on a form typed on a keyboard (form I)."""
    layout = small_form("Nom : \t", "Prénom : \t", f"Encadrement d'agents : {boxes}", "Date de l'entretien : \t")
    mapping, checked = map_layout(layout, cat.DEFAULT)
    spec = mapping.places["encadre_agents"].spec
    assert list(spec["cases"]) == ["oui", "non"] and spec["libelle"] == "Encadrement d'agents"
    assert checked and mapping.places["encadre_agents"].checked
    assert "choices" not in mapping.modified.get("encadre_agents", {})  # the catalogue's own, as printed


@needs_reader
@pytest.mark.parametrize("line_text", ["Groupe O positif : \t", "Nom : O'Neil", "Voir la note O. 12 : \t"])
def test_a_letter_o_that_is_no_box_stays_a_letter(line_text):
    layout = small_form("Nom : \t", "Prénom : \t", line_text, "Date de l'entretien : \t")
    mapping, _ = map_layout(layout, cat.DEFAULT)
    assert [p.spec for p in mapping.places.values() if "cases" in p.spec] == [
        {"cases": {"oui": "Aucun besoin de formation exprimé"}}]  # the form's only boxes


@needs_reader
def test_a_grid_of_the_catalogue_s_criteria_keeps_them_and_the_agent_s_row_is_its_own_field():
    grid = table([["Critères", "", "Expert", "Maîtrise", "À développer", "À acquérir"],
                  ["Compétences professionnelles et technicité", "par l'agent", "", "", "", ""],
                  ["", "par le N+1", "", "", "", ""],
                  ["Contribution à l'activité du service", "par l'agent", "", "", "", ""],
                  ["", "par le N+1", "", "", "", ""]])
    grid.rows[1][0].row_span = grid.rows[3][0].row_span = 2  # the criterion over its two sub-rows
    del grid.rows[2][0], grid.rows[4][0]
    mapping, checked = map_layout(small_form(criteria=[grid]), cat.DEFAULT)
    assert checked
    assert mapping.places["competences"].spec == {
        "grille": "Compétences professionnelles et technicité", "rangee": "par le N+1",
        "colonnes": {"expert": "Expert", "maîtrise": "Maîtrise", "à développer": "À développer",
                     "à acquérir": "À acquérir"}}
    own = [a for a in mapping.added if a["key"].startswith("auto_")]
    assert [a["label"] for a in own] == ["Compétences professionnelles et technicité (par l'agent)",
                                         "Contribution à l'activité du service (par l'agent)"]


def test_a_framed_box_under_a_title_its_instruction_or_a_label_is_the_place_to_write_in():
    """Boxes to write in (tables of one empty cell) under a title, under a title's instruction in
    brackets, under a label with its colon: each is the place of its field, read back."""
    box = table([[""]])
    layout = small_form(criteria=[line("Appréciation générale littérale"), line("(valeur professionnelle, résultats)"),
                                  box])
    layout.blocks[-2:-2] = [line("VI bis. OBSERVATIONS DE L'AGENT"), table([[""]]),
                            line("Missions principales du poste :"), table([[""]])]
    mapping, checked = map_layout(layout, cat.DEFAULT)
    assert checked
    assert mapping.places["appreciation_generale"].spec == {"sous_libelle": "(valeur professionnelle, résultats)"}
    assert mapping.places["observations_agent"].spec == {"sous_libelle": "VI bis. OBSERVATIONS DE L'AGENT"}
    assert mapping.places["missions"].spec == {"sous_libelle": "Missions principales du poste"}
    assert all(mapping.places[key].checked for key in ("appreciation_generale", "observations_agent", "missions"))


@needs_forms
def test_the_hospital_s_form_reworded_keeps_its_required_fields():
    """GIVEN the hospital's form with its labels in capitals, numbered, « N+1 » for the evaluator,
    THEN the same required fields are placed."""
    layout = layout_of_file(FORMS / "B_hopital_lignes.docx")
    before = {k for k in placed(layout, catalogue_for("B_hopital_lignes.docx"))}
    layout = layout_of_file(FORMS / "B_hopital_lignes.docx")
    for n, (line_, cell) in enumerate(layout.lines()):
        for piece in line_.pieces:
            if piece.kind == "text" and " : " in piece.text + " " and cell is None:
                piece.text = piece.text.upper()
            piece.text = piece.text.replace("DE L'ÉVALUATEUR", "DU N+1")
        if line_.pieces and line_.pieces[0].kind == "text" and line_.pieces[0].text[:1].isalpha() and n % 2:
            line_.pieces[0].text = f"{n % 9 + 1}.{n % 3 + 1} {line_.pieces[0].text}"
    after = placed(layout, catalogue_for("B_hopital_lignes.docx"))
    required = {f.key for f in catalogue_for("B_hopital_lignes.docx").fields if f.required_from is not None}
    assert before & required <= set(after)
    assert after[cat.EVALUATOR][1] == "NOM ET PRÉNOM DU N+1"


@needs_reader
def test_a_legacy_form_field_is_placed_by_its_name():
    layout = small_form("Nom : \t", "Prénom : \t")
    layout.blocks.insert(4, Line([Piece("text", "Date de l'entretien : "),
                                  Piece("field", "", name="Texte12", field_kind="date", placeholder=True)]))
    mapping, checked = map_layout(layout, cat.DEFAULT)
    # The label printed before it kept: it ends what is read under another label.
    assert mapping.places[cat.REVIEW_DATE].spec == {"champ_formulaire": "Texte12", "libelle": "Date de l'entretien"}
    assert checked and mapping.places[cat.REVIEW_DATE].checked


def test_a_catalogue_with_synonyms_keeps_the_form_s_version():
    """Synonyms are how the importer finds a field, not what the form holds: the version is the same."""
    def without(model):
        return model.model_copy(update={"synonyms": []})
    fields = [without(f).model_copy(update={"columns": [without(c) for c in f.columns] if f.columns else None})
              for f in cat.DEFAULT.fields]
    plain = cat.DEFAULT.model_copy(update={"fields": fields, "sections": [without(s) for s in cat.DEFAULT.sections]})
    object.__setattr__(plain, "_version", None)
    assert any(f.synonyms for f in cat.DEFAULT.fields) and not any(f.synonyms for f in plain.fields)
    assert plain.version() == cat.DEFAULT.version()
    assert set(cat.SYNONYMS) <= {f.key for f in cat.FIELDS} | {f"{f.key}.{c.key}" for f in cat.FIELDS
                                                               for c in f.columns or []}


# -- what is not a form -------------------------------------------------------------------------------------


def written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def letter(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("Direction des ressources humaines")
    document.add_paragraph("Madame, Monsieur,")
    document.add_paragraph("Nous vous prions de trouver ci-joint le calendrier de la campagne d'entretiens "
                           "professionnels. Veuillez agréer nos salutations distinguées.")
    document.add_paragraph("Objet : campagne 2026")
    document.save(path)
    return path


def workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.append(["Nom", "Prénom", "Date de l'entretien"])
    book.save(path)
    return path


def encrypted(path: Path) -> Path:
    plain, out = io.BytesIO(), io.BytesIO()
    docx.Document().save(plain)
    OOXMLFile(io.BytesIO(plain.getvalue())).encrypt("secret", out)
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.parametrize("make, said", [
    (lambda tmp: letter(tmp / "courrier.docx"), "ne ressemble pas à un compte rendu d'entretien professionnel"),
    (lambda tmp: workbook(tmp / "tableau.xlsx"), "classeur"),
    (lambda tmp: workbook(tmp / "modele.docx"), "classeur"),  # a spreadsheet under a Word name
    (lambda tmp: encrypted(tmp / "modele.docx"), "mot de passe"),
    (lambda tmp: written(tmp / "vide.docx", b""), "vide"),
    (lambda tmp: written(tmp / "scan.docx", b"%PDF-1.7\n%%EOF\n"), "PDF"),
    (lambda tmp: tmp / "absent.docx", "introuvable"),
    (lambda tmp: tmp, "dossier"),
])
def test_what_is_not_a_form_gets_a_french_report(tmp_path, make, said):
    path = make(tmp_path)
    with pytest.raises(FormNotImportable) as raised:
        import_form(path, output=tmp_path / "formulaire.yaml")
    assert said in raised.value.message and raised.value.code == "formulaire_non_importable"
    assert not (tmp_path / "formulaire.yaml").exists()


@pytest.mark.skipif(not REAL_WORLD.is_dir(), reason="../shared/testdata/real-world is not there")
@pytest.mark.parametrize("name, said", [
    ("Specification_web_services_gestion_EAE.doc", "Word 97-2003 (.doc)"),  # a genuine .doc
    ("CDC_Processus_de_traitement_EAE_0.1.docx", "aucune des parties"),  # a specification, not a form
    ("EAE_Agent.doc", "aucune des parties"),  # a .docx under a .doc name
])
def test_real_documents_of_an_administration_that_are_no_form_are_refused(name, said):
    with pytest.raises(FormNotImportable) as raised:
        import_form(REAL_WORLD / name)
    assert said in raised.value.message
    assert "Vérifiez" in raised.value.message or "enregistrez-le" in raised.value.message  # what to do


def test_a_form_without_most_regulatory_parts_says_which_are_missing(tmp_path):
    document = docx.Document()
    for text in ("FICHE DE POSTE", "Nom : ......", "Prénom : ......", "Grade : ......", "Missions : ......"):
        document.add_paragraph(text)
    document.save(tmp_path / "fiche.docx")
    with pytest.raises(FormNotImportable) as raised:
        import_form(tmp_path / "fiche.docx")
    message = raised.value.message
    assert "1 seule partie sur les 7 que tout modèle de compte rendu contient y a été trouvée " \
           "(l'identité de l'agent et de l'évaluateur) ; il manque : la date de l'entretien, les objectifs" in message


# -- never replacing a file ----------------------------------------------------------------------------------


@needs_forms
def test_an_existing_output_is_left_as_it_is_and_the_mapping_written_beside_it(tmp_path):
    out = tmp_path / "formulaire.yaml"
    out.write_text("# corrigé à la main par le service RH\n", encoding="utf-8")
    first = import_form(FORMS / "C_commune_grille.odt", output=out)
    second = import_form(FORMS / "C_commune_grille.odt", output=out)
    assert out.read_text(encoding="utf-8") == "# corrigé à la main par le service RH\n"
    assert first.kept == second.kept == out
    assert first.written != second.written and first.written.parent == second.written.parent == tmp_path
    assert re.fullmatch(r"formulaire \d{4}-\d\d-\d\d \d\dh\d\d( \(\d\))?\.yaml", second.written.name)
    assert second.written.read_text(encoding="utf-8") == second.text
    assert f"{out} existe déjà : il est laissé tel quel ; la correspondance est écrite à côté, dans " \
           f"{second.written}." in second.summary()


@needs_reader
def test_a_form_imported_again_keeps_the_reports_stamped_with_its_earlier_fingerprints(tmp_path):
    """GIVEN the mapping of a form written by an earlier version of the program (another
    fingerprint, itself after an older one) WHEN the same form is imported again THEN the new
    mapping names both as « empreintes_precedentes », and a copy stamped with either is read as
    the form's, one stamped with another form's fingerprint still turned away; a mapping of another
    model gives none."""
    from pipeline.employer_read import read_layout

    first = import_form(FORMS / "C_commune_grille.odt", catalogue=for_public_service(BASE, "territoriale"),
                        output=tmp_path / "formulaire.yaml")
    old = first.written.read_text(encoding="utf-8").replace(
        f"empreinte: {first.mapping.fingerprint}", "empreinte: F-0000000001\nempreintes_precedentes: [F-0000000002]")
    first.written.write_text(old, encoding="utf-8")
    again = import_form(FORMS / "C_commune_grille.odt", catalogue=for_public_service(BASE, "territoriale"),
                        output=tmp_path / "formulaire.yaml")
    assert again.mapping.earlier == ["F-0000000002", "F-0000000001"]
    assert "empreintes_precedentes: [F-0000000002, F-0000000001]" in again.text
    again.written.rename(tmp_path / "nouveau.yaml")
    (tmp_path / "config.yaml").write_text("fonction_publique: territoriale\nformulaire: nouveau.yaml\n",
                                          encoding="utf-8")
    form = load_config(tmp_path / "config.yaml").form
    copy = layout_of_file(FORMS / "C_commune_grille_rempli.odt")
    for stamp in ("F-0000000001", "F-0000000002", form.version):
        copy.properties["cp:version"] = stamp
        assert read_layout(copy, form, path=Path("copie.odt"), name="copie.odt").template_version == form.version
    copy.properties["cp:version"] = "F-0000000003"
    with pytest.raises(OtherForm):
        read_layout(copy, form, path=Path("copie.odt"), name="copie.odt")
    other = import_form(FORMS / "B_hopital_lignes.docx", output=tmp_path / "formulaire.yaml")
    assert other.mapping.earlier == []


def test_without_an_output_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "modele.docx"
    document = docx.Document()
    for text in ("COMPTE RENDU D'ENTRETIEN PROFESSIONNEL", "IDENTIFICATION", "Nom : ......", "Prénom : ......",
                 "Nom et prénom de l'évaluateur : ......", "Date de l'entretien : ......", "PERSPECTIVES",
                 "Perspectives d'évolution de carrière : ......", "SIGNATURES", "Évaluateur",
                 "Nom et prénom : ......", "Date : ......"):
        document.add_paragraph(text)
    document.save(path)
    result = import_form(path)
    assert result.written is None and list(tmp_path.iterdir()) == [path]
    assert yaml.safe_load(result.text)["emplacements"]["evaluateur"]["apres_libelle"] == \
        "Nom et prénom de l'évaluateur"


# -- a third layout: a ministry's CREP (tests/field_cases/employer_forms) ---------------------------------

MINISTRY = REPO / "tests" / "field_cases" / "employer_forms"
# Where the importer must place the ministry form's regulatory fields (its kind of place and label).
MINISTRY_PLACES = {
    cat.LAST_NAME: {"cellule": "Nom de famille", "direction": "dessous"},
    cat.FIRST_NAME: {"cellule": "Prénom", "direction": "dessous"},
    cat.GRADE: {"cellule": "Corps-grade", "direction": "dessous"},
    "service": {"cellule": "Affectation", "direction": "dessous"},
    "evaluateur": {"cellule": "Nom, prénom"},
    cat.REVIEW_DATE: {"champ_formulaire": "DateEntretien", "libelle": "Date de l'entretien professionnel"},
    "appreciation_generale": {"sous_libelle": "(valeur professionnelle, manière de servir, réalisation des objectifs)"},
    "observations_agent": {"sous_libelle": "(sur l'entretien, les appréciations portées et les perspectives)"},
    "signature_evaluateur": {"cellule": "Signature de l'évaluateur", "direction": "dessous"},
    # No visa nor notification on this form: the agent signs after their observations.
    "signature_agent_observations": {"cellule": "Signature de l'agent", "direction": "dessous"},
    "date_prise_connaissance": {"champ_formulaire": "DateConnaissance", "libelle": "Date de prise de connaissance"},
}


@pytest.fixture(scope="module")
def ministry(tmp_path_factory) -> dict[str, Path]:
    """The ministry's form imported in both formats: each format's workspace's config.yaml."""
    made = {}
    for suffix in (".docx", ".odt"):
        base = tmp_path_factory.mktemp("ministere" + suffix[1:])
        import_form(MINISTRY / f"D_ministere_crep{suffix}", catalogue=for_public_service(BASE, "etat"),
                    output=base / "formulaire.yaml")
        (base / "config.yaml").write_text("fonction_publique: etat\nformulaire: formulaire.yaml\n", encoding="utf-8")
        made[suffix] = base / "config.yaml"
    return made


@pytest.mark.parametrize("suffix", [".docx", ".odt"])
def test_the_ministry_s_form_has_each_regulatory_part_placed_and_read_back(ministry, suffix):
    data = yaml.safe_load((ministry[suffix].parent / "formulaire.yaml").read_text(encoding="utf-8"))
    places = data["emplacements"]
    for key, where in MINISTRY_PLACES.items():
        assert {k: v for k, v in places[key].items() if k != "confiance"} == where, key
    tables = {key: places[key] for key in (cat.PREVIOUS_RESULTS, cat.NEXT_OBJECTIVES, cat.TRAINING_NEEDS)}
    assert tables[cat.PREVIOUS_RESULTS]["section"] == "Objectifs de l'année écoulée et résultats obtenus"
    assert tables[cat.NEXT_OBJECTIVES]["section"] == "Objectifs de l'année à venir"
    assert list(tables[cat.TRAINING_NEEDS]["tableau"].values()) == ["Intitulé", "Durée", "Priorité"]
    assert places["competences"]["grille"] == "Compétences professionnelles et technicité"
    assert data["empreinte"] == yaml.safe_load((ministry[".docx"].parent / "formulaire.yaml").read_text(
        encoding="utf-8"))["empreinte"]  # the same form in either format


def test_the_ministry_s_form_filled_by_hand_reads_every_value_typed(ministry):
    """A copy of the blank form filled by hand (no identifier): every typed value in its field,
    last year's objectives and next year's apart, the framed boxes' texts, the ticked levels."""
    config = load_config(ministry[".docx"])
    report = read_report(MINISTRY / "D_ministere_crep_rempli.docx", config.form)
    values = {k: v for k, v in report.values.items() if v not in ("", False)}
    assert values == {
        "nom": "BERNARD", "prenom": "Élodie", "nom_usage": "Martin",
        "grade": "Secrétaire administrative de classe supérieure", "service": "Bureau du budget",
        "evaluateur": "Thomas Garnier", "fonction_evaluateur": "Chef du bureau des affaires juridiques",
        "date_naissance": "02/02/1990", "echelon": "4", "date_entretien": "21/10/2026",
        # « Capacités professionnelles et relationnelles »: the State's wording of the catalogue's criterion
        "competences": "Bon", "contribution": "Bon", "qualites_relationnelles": "Très bon",
        "capacite_encadrement": "Bon", "sens_service_public": "Très bon",
        "perspectives_carriere": "PERSP-EM Mobilité envisagée vers un SGC.",
        "appreciation_generale": "APPREC-EM Agente consciencieuse.",
        "observations_agent": "OBS-EM Aucune observation particulière sinon merci.",
        "signature_evaluateur": "Thomas Garnier", "date_signature_evaluateur": "22/10/2026",
        "signature_agent_observations": "É. Martin", "agent_pris_connaissance": True,
        "date_prise_connaissance": "23/10/2026"}
    assert report.tables[cat.PREVIOUS_RESULTS] == [{"objectif": "PASSE-EM Tenir les délais de paie",
                                                    "atteinte": "Atteint"}]
    assert report.tables[cat.NEXT_OBJECTIVES] == [{"objectif": "FUTUR-EM Former une nouvelle gestionnaire",
                                                   "indicateur": "Autonome en mars 2027"}]
    assert report.tables[cat.TRAINING_NEEDS] == [{"intitule": "Réglementation de la paie", "duree": "2 jours",
                                                  "priorite": "1"}]


HOSPITAL_PLACES = {
    "evaluateur": {"cellule": "Nom, prénom", "section": "Évaluateur"},
    "fonction_evaluateur": {"cellule": "Fonction", "section": "Évaluateur"},  # under the merged « Évaluateur »
    "service": {"cellule": "Pôle / service", "section": "Affectation"},
    cat.REVIEW_DATE: {"apres_libelle": "Date de l'entretien"},
    "date_convocation": {"apres_libelle": "Date de la convocation"},
    "signature_evaluateur": {"apres_libelle": "Signature de l'évaluateur", "jusqu_a": "le"},
    # « Signature de l'évaluateur : ________ le ____/____/______ »: the date after « le », its own place
    cat.EVALUATOR_SIGNATURE_DATE: {"apres_libelle": "le", "section": "VII – SIGNATURES"},
    "date_visa": {"apres_libelle": "le", "section": "VII – SIGNATURES", "occurrence": 3},
}


def test_the_hospital_s_form_of_merged_groups_dates_blanks_and_round_boxes_has_its_parts_placed():
    """The hospital's .odt (tests/field_cases/employer_forms/E_…): label cells under a group merged
    over two rows, dates as « ____/____/______ », criteria rated by « ○ Excellent ○ Très bon … »,
    training needs under « Formation souhaitée »: each placed, read back."""
    layout = layout_of_file(MINISTRY / "E_hopital_lignes_soulignees.odt")
    mapping, checked = map_layout(layout, for_public_service(BASE, "hospitaliere"))
    assert checked
    for key, where in HOSPITAL_PLACES.items():
        assert mapping.places[key].spec == where, key
    for key in ("competences", "contribution", "capacite_encadrement"):
        assert list(mapping.places[key].spec["cases"].values()) == ["Excellent", "Très bon", "Bon", "Insuffisant"]
    assert mapping.places[cat.TRAINING_NEEDS].spec["tableau"] == {"intitule": "Formation souhaitée", "type": "Type"}
    unchecked = [key for key, placed in mapping.places.items() if placed.checked is False]
    assert not unchecked, unchecked


def test_the_centre_de_gestion_s_form_of_content_controls_is_placed_and_a_filled_report_read(tmp_path):
    """The commune's form of content controls (tests/field_cases/employer_forms/F_…): criteria by
    drop-down lists, rich text areas, date pickers beside the signatures; a report generer made from
    it, filled by a manager, read with every value typed."""
    import_form(MINISTRY / "F_cdg_controles.docx", catalogue=for_public_service(BASE, "territoriale"),
                output=tmp_path / "formulaire.yaml")
    (tmp_path / "config.yaml").write_text("fonction_publique: territoriale\nformulaire: formulaire.yaml\n",
                                          encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    places = yaml.safe_load((tmp_path / "formulaire.yaml").read_text(encoding="utf-8"))["emplacements"]
    assert {key: {k: v for k, v in places[key].items() if k != "confiance"} for key in (
        "competences", "appreciation_generale", "date_signature_evaluateur", "signature_agent_observations")} == {
        "competences": {"cellule": "Compétences professionnelles et techniques"},
        "appreciation_generale": {"sous_libelle": "Appréciation générale"},
        "date_signature_evaluateur": {"controle": "DateSignatureEvaluateur"},
        "signature_agent_observations": {"cellule": "Signature de l'agent"}}
    assert config.catalogue.field("competences").choices == ["Très satisfaisant", "Satisfaisant", "À améliorer",
                                                             "Insuffisant"]
    report = read_report(MINISTRY / "F_cdg_controles_rempli.docx", config.form)
    values = {k: v for k, v in report.values.items() if v not in ("", False)}
    assert values == {
        "nom": "Lefebvre", "prenom": "Anaïs", "grade": "Adjoint technique territorial", "service": "Voirie",
        "evaluateur": "Patrick Roux", "fonction_evaluateur": "Responsable des services techniques",
        "date_entretien": "15/10/2026", "poste": "Agent de voirie", "encadre_agents": "oui",
        "competences": "Satisfaisant", "contribution": "Très satisfaisant", "qualites_relationnelles": "À améliorer",
        "capacite_encadrement": "Satisfaisant",
        "appreciation_generale": "Agent fiable et investi, très apprécié des usagers.\n"
                                 "Doit progresser dans le reporting des interventions.",
        "perspectives_carriere": "Préparer le concours d'agent de maîtrise en 2027.",
        "signature_evaluateur": "Patrick Roux", "date_signature_evaluateur": "20/10/2026"}
    assert [row["intitule"] for row in report.tables[cat.TRAINING_NEEDS]] == [
        "Signalisation temporaire de chantier", "Préparation au concours d'agent de maîtrise"]
    assert len(report.tables[cat.NEXT_OBJECTIVES]) == 2 and report.report_id == "2026-300001"


# -- the command -----------------------------------------------------------------------------------------------


@needs_forms
def test_the_command_writes_beside_config_yaml_with_its_public_service_and_prints_the_summary(tmp_path, capsys):
    (tmp_path / "config.yaml").write_text("fonction_publique: territoriale\n", encoding="utf-8")
    code = main(["--config", str(tmp_path / "config.yaml"), "formulaire", "importer",
                 str(FORMS / "C_commune_grille.odt")])
    out = capsys.readouterr().out
    assert code == 0
    written = tmp_path / "formulaire.yaml"
    assert f"Correspondance écrite dans {written}." in out and written.exists()
    data = yaml.safe_load(written.read_text(encoding="utf-8"))
    # The territorial catalogue: the visa is the territorial authority's.
    assert "visa_autorite" in data["emplacements"]
    config = load_config(tmp_path / "config.yaml")
    assert config.public_service == "territoriale"


@needs_forms
@pytest.mark.parametrize("config_yaml, employer", [
    ("fonction_publique: territoriale\nformulaire: formulaire.yaml\n", None),
    ("fonction_publique: territoriale\nformulaire: formulaires/commune.yaml\n", None),
    ("employeurs:\n  - {code: C044, nom: Commune, liste_agents: c044.csv, formulaire: formulaire.yaml,\n"
     "     fonction_publique: territoriale}\n  - {code: CHB, nom: CH, liste_agents: chb.csv}\n", "C044"),
])
def test_the_command_runs_where_config_yaml_names_the_mapping_it_is_about_to_write(tmp_path, capsys, config_yaml,
                                                                                   employer):
    """GIVEN config.yaml already naming the employer's mapping (``formulaire``, at the top or an
    employer's), which does not exist yet WHEN the form is imported THEN the mapping is written, from
    the employer's public service's catalogue, and config.yaml then loads with it."""
    (tmp_path / "config.yaml").write_text(config_yaml, encoding="utf-8")
    target = tmp_path / "formulaire.yaml"
    options = ["--employeur", employer] if employer else []
    code = main(["--config", str(tmp_path / "config.yaml"), *options, "formulaire", "importer",
                 str(FORMS / "C_commune_grille.odt"), "--sortie", str(target)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "visa_autorite" in yaml.safe_load(target.read_text(encoding="utf-8"))["emplacements"]
    if "formulaires/" in config_yaml:
        (tmp_path / "formulaires").mkdir()
        target.rename(tmp_path / "formulaires" / "commune.yaml")
    config = load_config(tmp_path / "config.yaml")
    view = config.employer_view(employer) if employer else config
    assert view.employer_mapping is not None and view.form.version.startswith("F-")


@needs_forms
def test_the_command_takes_sortie(tmp_path, capsys):
    out = tmp_path / "sous-dossier" / "modele CH.yaml"
    assert main(["formulaire", "importer", str(FORMS / "B_hopital_lignes.docx"), "--sortie", str(out)]) == 0
    assert out.exists() and f"Correspondance écrite dans {out}." in capsys.readouterr().out


def test_the_command_reports_a_file_that_is_no_form_in_french_with_exit_1(tmp_path, capsys):
    code = main(["formulaire", "importer", str(letter(tmp_path / "courrier.docx")),
                 "--sortie", str(tmp_path / "f.yaml")])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.startswith("Erreur : Le modèle «\u202fcourrier.docx\u202f» ne ressemble pas")
    assert "Traceback" not in captured.err + captured.out and not (tmp_path / "f.yaml").exists()


def test_the_group_without_its_action_shows_its_help_with_exit_2(capsys):
    assert main(["formulaire"]) == 2
    err = capsys.readouterr().err
    assert "ACTION" in err and "importer" in err and "Exemple : entretiens formulaire importer" in err


def test_the_command_help_has_an_example(capsys):
    with pytest.raises(SystemExit) as done:
        main(["formulaire", "importer", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "Exemple : entretiens formulaire importer" in out and "--sortie FICHIER" in out


def test_the_library_function_is_public():
    import pipeline

    assert "import_form" in pipeline.__all__ and pipeline.FormNotImportable is FormNotImportable
    assert json.dumps(pipeline.import_form.__doc__)


def test_a_scale_without_the_catalogue_s_value_retires_the_contradiction_naming_it():
    """« Capacité d'encadrement » rated on the form's own scale, without « sans objet »: the rule « a
    manager's criterion cannot be sans objet » names a value the field no longer has, and goes."""
    layout = small_form(criteria=[line("Capacité d'encadrement ou à exercer des fonctions d'un niveau supérieur :"),
                                  line("☐ Excellent   ☐ Très bon   ☐ Bon   ☐ À améliorer"),
                                  line("Appréciation générale :"), line("\t")])
    mapping, _ = map_layout(layout, cat.DEFAULT)
    assert mapping.modified["capacite_encadrement"]["choices"] == ["Excellent", "Très bon", "Bon", "À améliorer"]
    assert mapping.retired_rules == ["encadrant_capacite_sans_objet"]
    assert "encadrant_capacite_sans_objet" not in {rule.key for rule in mapping.adapted().contradictions}


# -- form controls, input fields and boxes as LibreOffice and Word forms draw them (tried on forms G and H) --


def captioned(caption: str) -> Piece:
    """A check box control drawing its caption itself (an ODF form control, an ActiveX box)."""
    return Piece("field", caption, field_kind="checkbox", checked=False)


@needs_reader
@pytest.mark.parametrize("question, boxes", [
    ("L'agent encadre-t-il des agents ? ", [captioned("Oui"), Piece("text", " "), captioned("Non")]),
    ("Fonctions d'encadrement : ", [captioned("Oui"), Piece("text", "   "), captioned("Non")]),
    ("Encadrement d'agents : ", [Piece("text", "\uf0a8 Oui    \uf0a8 Non")]),  # Wingdings boxes, for comparison
])
def test_check_box_controls_drawing_their_caption_are_the_options_of_their_question(question, boxes):
    layout = small_form("Nom : \t", "Prénom : \t")
    layout.blocks.insert(4, Line([Piece("text", question), *boxes]))
    layout.blocks.insert(9, Line([captioned("Aucun besoin de formation exprimé")]))
    mapping, checked = map_layout(layout, cat.DEFAULT)
    assert mapping.places["encadre_agents"].spec["cases"] == {"oui": "Oui", "non": "Non"}
    assert checked and mapping.places["encadre_agents"].checked


@needs_reader
@pytest.mark.parametrize("boxes", [
    [Piece("field", "", field_kind="checkbox", checked=False)] * 2,  # boxes that print nothing after them
    [Piece("field", "☐", field_kind="checkbox", checked=False)],  # a glyph, not a caption
    [Piece("text", "☐  ☐")],
])
def test_boxes_without_any_text_are_no_place_and_never_stop_the_import(boxes):
    layout = small_form("Nom : \t", "Prénom : \t")
    layout.blocks.insert(4, Line([Piece("text", "L'agent encadre-t-il des agents ? "), *boxes]))
    mapping, _ = map_layout(layout, cat.DEFAULT)
    assert all(place.spec.get("cases") != {} for place in mapping.places.values())


def input_field(description: str | None = None, *, placeholder: str = "") -> Piece:
    """An ODF input field or placeholder: no name, a description at most."""
    return Piece("field", placeholder, field_kind="text", alias=description, placeholder=bool(placeholder))


@needs_reader
@pytest.mark.parametrize("field", [input_field("Date de l'entretien (jj/mm/aaaa)"), input_field(),
                                   input_field("Saisir", placeholder="<jj/mm/aaaa>")])
def test_an_input_field_without_a_name_after_its_label_is_the_label_s_place(field):
    layout = small_form("Nom : \t", "Prénom : \t")
    layout.blocks.insert(4, Line([Piece("text", "Date de l'entretien professionnel : "), field]))
    mapping, checked = map_layout(layout, cat.DEFAULT)
    assert mapping.places[cat.REVIEW_DATE].spec == {"apres_libelle": "Date de l'entretien professionnel"}
    assert checked and mapping.places[cat.REVIEW_DATE].checked


@needs_reader
@pytest.mark.parametrize("label", ["Missions principales du poste :", "MISSIONS PRINCIPALES DU POSTE",
                                   "Missions principales du poste"])
def test_an_input_field_alone_under_a_label_is_where_its_answer_is_written(label):
    layout = small_form("Nom : \t", "Prénom : \t")
    layout.blocks[4:4] = [line(label), Line([input_field("Décrire les missions", placeholder="<Saisir ici>")])]
    mapping, checked = map_layout(layout, cat.DEFAULT)
    assert mapping.places["missions"].spec == {"sous_libelle": label.rstrip(" :")}
    assert checked and mapping.places["missions"].checked


@needs_reader
@pytest.mark.parametrize("blank", ["\t", " ........................", " ____________"])
def test_a_label_with_room_to_write_before_a_box_is_a_place_not_the_box_s_question(blank):
    """« Signature de l'agent : …… » then « ☐ L'agent a refusé de signer »: the signature's place,
    and the box its own."""
    layout = small_form("Nom : \t", "Prénom : \t")
    layout.blocks += [line("VII. VISA DE L'AUTORITÉ"), line("Date du visa : \t"), line("VIII. NOTIFICATION"),
                      line(f"Signature de l'agent :{blank}"), line("☐ L'agent a refusé de signer")]
    mapping, _ = map_layout(layout, cat.DEFAULT)
    assert mapping.places["signature_agent"].spec == {"apres_libelle": "Signature de l'agent"}
    assert mapping.places["refus_signature"].spec == {"cases": {"oui": "L'agent a refusé de signer"}}


@needs_reader
@pytest.mark.parametrize("first, second", [
    ("Signature de l'agent :\t", "Signature de l'agent :\t"),
    ("Signature de l'agent :\t", "Signature de l'agent à la notification :\t"),
    ("Signature de l'agent après ses observations :\t", "Signature de l'agent :\t"),
])
def test_the_agent_s_two_signatures_are_the_observations_then_the_notification_s(first, second):
    layout = small_form("Nom : \t", "Prénom : \t")
    layout.blocks += [line("VII. OBSERVATIONS DE L'AGENT"), line("Observations :"), line("\t"), line(first),
                      line("VIII. VISA DE L'AUTORITÉ"), line("Date du visa : \t"), line("IX. NOTIFICATION"),
                      line("Date de notification : \t"), line(second)]
    found = {m.field.key: m.candidate.line for m in match(cat.DEFAULT, candidates(layout))}
    assert found["signature_agent_observations"] < found["date_visa"] < found["signature_agent"]


@needs_reader
@pytest.mark.parametrize("box", ["☐", "\uf0a8", "[ ]", "○"])
def test_a_grid_with_a_box_to_tick_in_each_cell_is_a_grid(box):
    criteria = [line("III. MANIÈRE DE SERVIR"),
                table([["Critères", "Insuffisant", "À développer", "Maîtrisé", "Expert"],
                       ["Compétences professionnelles et technicité", box, box, box, box],
                       ["Contribution à l'activité du service", box, box, box, box],
                       ["Qualités personnelles et relationnelles", box, box, box, box]]),
                line("Appréciation générale :"), line("\t")]
    mapping, checked = map_layout(small_form(criteria=criteria), cat.DEFAULT)
    for key in ("competences", "contribution", "qualites_relationnelles"):
        assert list(mapping.places[key].spec["colonnes"].values()) == ["Insuffisant", "À développer", "Maîtrisé",
                                                                       "Expert"], key
        assert mapping.places[key].checked, key


@needs_reader
@pytest.mark.parametrize("prompt", ["(choisir)", "-- Sélectionnez --", "Choisissez un élément.", "Veuillez choisir…"])
def test_a_drop_down_s_entry_asking_for_a_choice_is_not_one(prompt):
    layout = small_form("Nom : \t", "Prénom : \t")
    layout.blocks.insert(4, Line([Piece("text", "Avis sur la promotion : "),
                                  Piece("field", prompt, name="AvisPromotion", field_kind="dropdown",
                                        choices=(prompt, "Favorable", "Défavorable"))]))
    found = next(c for c in candidates(layout) if c.field_name == "AvisPromotion")
    assert found.choices == ["Favorable", "Défavorable"]
    assert read_back_value(prompt) == ""


def read_back_value(prompt: str) -> str:
    from pipeline.read import clean_text
    return clean_text(prompt)


@needs_reader
@pytest.mark.parametrize("part, lines, key, label", [
    ("VII. VISA DE L'AUTORITÉ HIÉRARCHIQUE", ["Nom et qualité : \t", "Date du visa : \t"], "date_visa",
     "Visa de l'autorité hiérarchique : date du visa"),
    ("VII. VISA DE L'AUTORITÉ HIÉRARCHIQUE", ["Nom et qualité : \t", "Date du visa : \t"], "visa_autorite",
     "Visa de l'autorité hiérarchique : nom et qualité"),
    ("VII. SIGNATURE DU SUPÉRIEUR HIÉRARCHIQUE DIRECT", ["Date de signature : \t"], "date_signature_evaluateur",
     "Signature du supérieur hiérarchique direct : date de signature"),
])
def test_a_generic_label_of_the_evaluator_or_the_authority_says_whose_by_its_part(part, lines, key, label):
    """« Date du visa » alone in a note, a workbook's column: whose visa? Its part of the form says."""
    layout = small_form("Nom : \t", "Prénom : \t")
    layout.blocks[-1:] = [line("Nom et prénom : \t"), line(part), *map(line, lines)]  # no other date of signature
    mapping, _ = map_layout(layout, cat.DEFAULT)
    assert mapping.modified[key]["label"] == label


@needs_reader
def test_the_evaluator_s_name_in_a_group_of_cells_says_whose_and_the_agent_s_does_not():
    """« Nom et prénom » under a group merged over rows (« Supérieur hiérarchique direct »): the
    tracking workbook's column would otherwise be a bare « Nom et prénom »."""
    identity = Table(rows=[[Cell(0, 0, row_span=2, blocks=[line("Agent")]), Cell(0, 1, blocks=[line("Prénom")]),
                            Cell(0, 2, blocks=[line("")])],
                           [Cell(1, 1, blocks=[line("Grade")]), Cell(1, 2, blocks=[line("")])],
                           [Cell(2, 0, row_span=2, blocks=[line("Supérieur hiérarchique direct")]),
                            Cell(2, 1, blocks=[line("Nom et prénom")]), Cell(2, 2, blocks=[line("")])],
                           [Cell(3, 1, blocks=[line("Fonction")]), Cell(3, 2, blocks=[line("")])]], grid_columns=3)
    layout = small_form("Nom : \t")
    layout.blocks.insert(3, identity)
    mapping, _ = map_layout(layout, cat.DEFAULT)
    assert mapping.modified["evaluateur"]["label"] == "Supérieur hiérarchique direct : nom et prénom"
    assert mapping.modified.get(cat.FIRST_NAME, {}).get("label") in (None, "Prénom")


@pytest.mark.parametrize("header, name", [
    ("PRÉFET DE LA RÉGION OCCITANIE", "Préfet de la Région Occitanie"),
    ("CENTRE HOSPITALIER DE SAINT-JEAN-D'ANGÉLY\tDirection des ressources humaines",
     "Centre Hospitalier de Saint-Jean-d'Angély"),
    ("Mairie de Brest", "Mairie de Brest"),
    ("\tCOMMUNE DE VAL-D'EXEMPLE\t\tPage 1", "Commune de Val-d'Exemple"),
])
def test_the_form_s_name_keeps_the_employer_s_proper_nouns_and_its_header_s_first_text(header, name):
    from pipeline.employer_import.adaptation import form_name

    layout = small_form("Nom : \t")
    layout.headers = [header]
    assert form_name(layout) == f"Compte rendu d'entretien professionnel – {name}"


# -- a commune's form written natively in LibreOffice (H): form controls, input fields, placeholders ------

COMMUNE_CONTROLS = MINISTRY / "H_commune_controles.odt"
_ODF = {"text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
        "form": "urn:oasis:names:tc:opendocument:xmlns:form:1.0",
        "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0"}


def filled_in_libreoffice(blank: Path, copy: Path, *, ticked: list[str], inputs: dict[str, str],
                          placeholders: dict[str, str], after: dict[str, str]) -> Path:
    """``blank`` filled as LibreOffice stores what a manager does: check box controls ticked (by their
    name), input fields typed into and placeholders typed over (by their description), text typed
    after a label's tab (by the paragraph's text)."""
    with zipfile.ZipFile(blank) as source:
        parts = {info: source.read(info.filename) for info in source.infolist()}
    content_info = next(info for info in parts if info.filename == "content.xml")
    root = etree.fromstring(parts[content_info])
    q = lambda name: "{%s}%s" % (_ODF[name.split(":")[0]], name.split(":")[1])  # noqa: E731
    for box in root.iter(q("form:checkbox")):
        if box.get(q("form:name")) in ticked:
            box.set(q("form:current-state"), "checked")
    for field in root.iter(q("text:text-input")):
        typed = inputs.get(field.get(q("text:description")) or "")
        if typed is not None:
            field.text = typed
    for field in list(root.iter(q("text:placeholder"))):
        typed = placeholders.get(field.get(q("text:description")) or "")
        if typed is not None:  # typed over: the placeholder is gone, its text stays
            parent, previous = field.getparent(), field.getprevious()
            text = typed + (field.tail or "")
            if previous is not None:
                previous.tail = (previous.tail or "") + text
            else:
                parent.text = (parent.text or "") + text
            parent.remove(field)
    for paragraph in root.iter(q("text:p")):
        typed = after.get("".join(paragraph.itertext()).strip())
        if typed is not None:
            last = paragraph[-1] if len(paragraph) else None
            if last is not None:
                last.tail = (last.tail or "") + typed
            else:
                paragraph.text = (paragraph.text or "") + typed
    parts[content_info] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in parts.items():
            target.writestr(info, data)
    return copy


@needs_reader
def test_a_form_made_in_libreoffice_with_controls_input_fields_and_placeholders_is_imported_and_read(tmp_path):
    """Form H as a commune writes it in LibreOffice Writer: check box controls drawing « Oui » / « Non »
    themselves (the import crashed on them), input fields after their labels, « <Saisir ici> »
    placeholders under them, a named list box after « Souhait de mobilité : », the agent's two
    signatures, a refusal box after the notification's signature line."""
    result = import_form(COMMUNE_CONTROLS, catalogue=for_public_service(BASE, "territoriale"),
                         output=tmp_path / "formulaire.yaml")
    places = {key: {k: v for k, v in p.spec.items()} for key, p in result.mapping.places.items()}
    assert places["encadre_agents"]["cases"] == {"oui": "Oui", "non": "Non"}
    assert places["aucun_besoin_formation"] == {"cases": {"oui": "Aucun besoin de formation exprimé"}}
    assert places[cat.REVIEW_DATE] == {"apres_libelle": "Date de l'entretien professionnel"}
    assert places["missions"] == {"sous_libelle": "Missions principales du poste"}
    assert places["souhait_mobilite"]["libelle"] == "Souhait de mobilité"
    assert places["signature_agent_observations"]["apres_libelle"] == "Signature de l'agent"
    assert places["signature_agent"]["apres_libelle"] == "Signature de l'agent à la notification"
    assert "libelle" not in places["refus_signature"]
    assert all(p.checked for p in result.mapping.places.values() if p.key in (
        "encadre_agents", "aucun_besoin_formation", cat.REVIEW_DATE, "missions", "signature_agent"))
    (tmp_path / "config.yaml").write_text("fonction_publique: territoriale\nformulaire: formulaire.yaml\n",
                                          encoding="utf-8")
    copy = filled_in_libreoffice(
        COMMUNE_CONTROLS, tmp_path / "rempli.odt", ticked=["encadre_non", "aucun_besoin", "cpf_oui"],
        inputs={"Date de l'entretien (jj/mm/aaaa)": "14/10/2026"},
        placeholders={"Décrire les missions principales": "Accueil du public et état civil.",
                      "Perspectives d'évolution": "Préparer le concours de rédacteur.",
                      "Observations de l’agent": "Aucune observation."},
        after={"Nom de famille :": "MARTIN", "Prénom(s) :": "Élodie"})
    report = read_report(copy, load_config(tmp_path / "config.yaml").form)
    values = report.values
    assert (values["nom"], values["prenom"], values[cat.REVIEW_DATE]) == ("MARTIN", "Élodie", "14/10/2026")
    assert (values["encadre_agents"], values[cat.NO_TRAINING_NEED]) == ("non", True)
    assert values["missions"] == "Accueil du public et état civil."
    assert values["perspectives_carriere"] == "Préparer le concours de rédacteur."  # not the next label's line
    assert values["observations_agent"] == "Aucune observation."


# -- a prefecture's form made in Word (G): Wingdings boxes in a grid, a text box, a drop-down's prompt -----

PREFECTURE = MINISTRY / "G_prefecture_crep.docx"


@pytest.fixture(scope="module")
def prefecture(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("prefecture")
    import_form(PREFECTURE, catalogue=for_public_service(BASE, "etat"), output=base / "formulaire.yaml")
    (base / "config.yaml").write_text("fonction_publique: etat\nformulaire: formulaire.yaml\n", encoding="utf-8")
    return base / "config.yaml"


@needs_reader
def test_a_word_form_with_a_grid_of_symbol_boxes_and_a_text_box_is_imported(prefecture):
    """Form G: its criteria grid holds a Wingdings box in every cell (placed as none before), the
    general appraisal is written in a text box under its title and instruction (absent before), the
    agent signs twice (the notification's was the refusal box's question), a drop-down starts with
    « (choisir) »."""
    data = yaml.safe_load((prefecture.parent / "formulaire.yaml").read_text(encoding="utf-8"))
    places, modified = data["emplacements"], data["catalogue"]["modifier"]
    for key in ("competences", "contribution", "qualites_relationnelles", "capacite_encadrement"):
        assert list(places[key]["colonnes"].values()) == ["Insuffisant", "À développer", "Maîtrisé", "Expert",
                                                          "Sans objet"], key
    assert places["appreciation_generale"]["sous_libelle"].startswith("(manière de servir")
    assert places["signature_agent"] == {"apres_libelle": "Signature de l'agent", "section": "Notification à l'agent",
                                         "confiance": 1.0}
    assert places["refus_signature"] == {"cases": {"oui": "L'agent a refusé de signer"}, "confiance": places[
        "refus_signature"]["confiance"]}
    added = {a["key"]: a for a in data["catalogue"]["ajouter"]}
    assert added["avis_promotion"]["choices"][:1] != ["(choisir)"] and "(choisir)" not in added["avis_promotion"]["choices"]
    assert modified["date_visa"]["label"] == "Visa de l'autorité hiérarchique : date du visa"
    assert modified["evaluateur"]["label"] == "Supérieur hiérarchique direct : nom et prénom"


@needs_reader
@pytest.mark.parametrize("copy, promotion", [
    ("G_prefecture_crep_rempli.docx", "Réservé"),  # the blank form filled in Word
    # A copy saved by LibreOffice: the text box a custom shape, the drop-down's name lost (found after its label).
    ("G_prefecture_crep_rempli_libreoffice.odt", "Favorable"),
])
def test_a_copy_of_the_word_form_reads_the_grid_s_ticks_the_text_box_and_the_drop_down(prefecture, copy, promotion):
    report = read_report(MINISTRY / copy, load_config(prefecture).form)
    values = report.values
    assert [values[k] for k in ("competences", "contribution", "qualites_relationnelles", "capacite_encadrement")] == \
        ["expert", "maîtrise", "maîtrise", "sans objet"]
    assert values["appreciation_generale"].startswith("Agent rigoureux et investi")
    assert values["avis_promotion"] == promotion and values["information_cpf"] == "oui"


def test_a_non_breaking_hyphen_gives_the_same_fingerprint_as_a_hyphen():
    """The same blank form saved as .docx (w:noBreakHyphen read as « - ») and as .odt (U+2011 kept)."""
    hyphen, no_break = small_form("Encadre-t-il des agents : \t"), small_form("Encadre\u2011t\u2011il des agents : \t")
    assert fingerprint(hyphen) == fingerprint(no_break) != fingerprint(small_form("Encadre t il des agents : \t"))


@needs_reader
@pytest.mark.parametrize("after", [[line("IV. BESOINS DE FORMATION")], [line("Fonction :\t")], []])
def test_a_label_alone_over_an_empty_line_is_read_on_that_line_and_its_own(after):
    """« Appréciation des perspectives d'accès au grade supérieur : » then an empty paragraph: what the
    manager types there was dropped without a word (read after the label only)."""
    layout = small_form("Nom : \t", "Prénom : \t")
    at = next(n for n, b in enumerate(layout.blocks) if isinstance(b, Line) and b.text.startswith("IV."))
    layout.blocks[at:at] = [line("Appréciation des perspectives d'accès au grade supérieur :"), line(""), *after]
    mapping, checked = map_layout(layout, cat.DEFAULT)
    assert mapping.places["appreciation_promotion"].spec == {
        "sous_libelle": "Appréciation des perspectives d'accès au grade supérieur"}
    assert checked and mapping.places["appreciation_promotion"].checked


@needs_reader
@pytest.mark.parametrize("not_applicable", ["Sans objet", "SANS OBJET", "sans objet"])
def test_a_scale_s_words_are_spelled_alike_for_every_criterion_rated_on_it(not_applicable):
    """« Sans objet » was « sans objet » for the criterion whose catalogue scale has it and
    « Sans objet » for the others: the harmonisation sheet counted them as two levels."""
    levels = ["Insuffisant", "À développer", "Maîtrisé", "Expert", not_applicable]
    criteria = [line("III. MANIÈRE DE SERVIR"),
                table([["Critères", *levels],
                       ["Compétences professionnelles et technicité", "", "", "", "", ""],
                       ["Contribution à l'activité du service", "", "", "", "", ""],
                       ["Capacité d'encadrement ou à exercer des fonctions d'un niveau supérieur", "", "", "", "", ""]]),
                line("Appréciation générale :"), line("\t")]
    mapping, _ = map_layout(small_form(criteria=criteria), cat.DEFAULT)
    scales = {key: mapping.modified[key]["choices"] for key in ("competences", "contribution", "capacite_encadrement")}
    assert len({tuple(scale) for scale in scales.values()}) == 1, scales
    assert scales["competences"][-1] == "sans objet"  # as the catalogue's rules name it


@needs_reader
@pytest.mark.parametrize("title", ["10. Attentes et propositions de l’agent", "IV – Besoins de formation exprimés",
                                   "7) Appréciation générale sur la valeur professionnelle"])
def test_a_part_numbered_in_a_sentence_s_case_is_a_title_the_mapping_names(title):
    """Form I's titles are in small capitals: the text is in a sentence's case. The importer takes a
    short numbered line without a colon for a part, names the parts in formulaire.yaml (the reader
    stops there) and places a field written on the lines under its title."""
    layout = small_form("Nom : \t", "Prénom : \t")
    at = next(n for n, b in enumerate(layout.blocks) if isinstance(b, Line) and b.text.startswith("VI."))
    layout.blocks[at:at] = [line(title), line(" " * 60), line("\u00a0" * 40)]
    mapping, checked = map_layout(layout, cat.DEFAULT)
    assert title in mapping.parts and mapping.as_data()["parties"] == mapping.parts
    placed = next(p for p in mapping.places.values() if p.spec.get("sous_libelle") == title)
    assert checked and placed.checked


@needs_reader
@pytest.mark.parametrize("drawn", [" " * 8, " " * 95, "\u00a0" * 30])
def test_lines_drawn_by_underlined_spaces_under_a_label_are_where_its_answer_is_written(drawn):
    """A secretary draws the lines to write on by underlining spaces: the text has the spaces only."""
    layout = small_form("Nom : \t", "Prénom : \t")
    layout.blocks[4:4] = [line("Missions principales du poste"), line(drawn), line(drawn)]
    mapping, checked = map_layout(layout, cat.DEFAULT)
    assert mapping.places["missions"].spec == {"sous_libelle": "Missions principales du poste"}
    assert checked and mapping.places["missions"].checked


@needs_reader
@pytest.mark.parametrize("printed", [
    "☐ L'agent refuse de signer – mode : ☐ remise en main propre ☐ lettre recommandée avec accusé de réception",
    "□ L’agent a refusé de signer — mode de notification : □ remise en main propre □ lettre recommandée",
    "[ ] L'agent refuse de signer - Mode de notification : [ ] remise en main propre [ ] lettre recommandée",
])
def test_a_line_of_boxes_asking_a_second_question_is_two_places(printed):
    """Form I: the refusal's box, then « mode : » and the notification's ways: the refusal and its
    mode were one choice of three the catalogue does not have."""
    layout = small_form("Nom : \t", "Prénom : \t")
    layout.blocks += [line("VII. NOTIFICATION"), line("Date de notification : \t"), line("Signature de l'agent : \t"),
                      line(printed)]
    mapping, checked = map_layout(layout, cat.DEFAULT)
    assert list(mapping.places["refus_signature"].spec["cases"]) == ["oui"]
    assert len(mapping.places["mode_notification_refus"].spec["cases"]) == 2
    assert checked and mapping.places["refus_signature"].checked and mapping.places["mode_notification_refus"].checked


@needs_reader
@pytest.mark.parametrize("agent, evaluator", [("L’agent", "Le supérieur hiérarchique direct"),
                                              ("Agent évalué", "Évaluateur (N+1)")])
def test_a_generic_label_under_the_agent_s_heading_is_said_alone_and_the_evaluator_s_says_whose(agent, evaluator):
    """« Prénom » under « L'agent » was « L'agent : prénom » in every workbook's column (form I)."""
    layout = small_form("Nom : \t")
    layout.blocks[3:3] = [line(agent), line("Prénom : \t"), line("Grade : \t"), line(evaluator),
                          line("Fonction : \t")]
    mapping, _ = map_layout(layout, cat.DEFAULT)
    assert "label" not in mapping.modified.get(cat.FIRST_NAME, {}) and "label" not in mapping.modified.get(cat.GRADE, {})
    assert mapping.modified["fonction_evaluateur"]["label"].endswith(" : fonction")


@needs_reader
@pytest.mark.parametrize("title", ["IV. Objectifs fixés pour l'année à venir", "4. OBJECTIFS DE L'ANNÉE À VENIR"])
def test_a_regulatory_part_whose_title_is_printed_but_nothing_under_it_recognised_is_said_so(title):
    """The summary said the part was missing while the form prints its title; it now says the title is
    there, without a table."""
    from pipeline.employer_import.regulatory_parts import missing_parts_said

    layout = small_form("Nom : \t", "Prénom : \t")
    at = next(n for n, b in enumerate(layout.blocks) if isinstance(b, Table))
    layout.blocks[at - 1:at + 1] = [line(title), line("Ils sont fixés sur la fiche jointe au compte rendu.")]
    mapping, _ = map_layout(layout, cat.DEFAULT)
    said = missing_parts_said(mapping)
    assert any(s.startswith("les objectifs de l'année à venir (la partie") and "aucun tableau reconnu" in s
               for s in said), said


# -- form J (a hospital's Word form): yes/no questions, a legend of codes, a blank before an empty line ---


@needs_reader
@pytest.mark.parametrize("other", ["L'agent souhaite une mobilité", "Souhaite un entretien de carrière",
                                   "L'agent a-t-il suivi une formation cette année"])
def test_a_yes_no_question_is_not_another_yes_no_field_for_its_boxes_alone(other):
    """Oui / Non boxes say nothing of which question they answer: « L'agent souhaite une mobilité » was
    read as the last échelon's question (every agent wanting a mobility « au dernier échelon »)."""
    layout = small_form("Nom : \t", "Prénom : \t", f"{other} :   ☐ Oui     ☐ Non",
                        "Au dernier échelon du grade depuis 3 ans ou plus :   ☐ Oui     ☐ Non",
                        "Date de l'entretien : \t")
    mapping, _ = map_layout(layout, cat.DEFAULT)
    assert mapping.places["echelon_sommital"].spec["libelle"] == "Au dernier échelon du grade depuis 3 ans ou plus"
    assert all(p.spec.get("libelle") != other for key, p in mapping.places.items() if not p.added)


@needs_reader
def test_a_table_whose_header_lists_codes_takes_them_as_choices_and_the_legend_s_meanings():
    """« Type (T1 / T2 / T3) » over « T1 : adaptation immédiate au poste de travail ; T2 : … »: the choices
    are T1, T2, T3 with the form's meanings (they were « adaptation immédiate… », « T2 : adaptation… »,
    and every report with a training asked for was turned away); « Formation souhaitée » and « Avis du
    responsable » are the training table's columns."""
    layout = small_form("Nom : \t", "Prénom : \t", "Date de l'entretien : \t")
    at = next(n for n, b in enumerate(layout.blocks) if b.__class__ is Line and "BESOINS" in b.text)
    layout.blocks[at + 1:at + 1] = [
        table([["Formation souhaitée", "Type (T1 / T2 / T3)", "Avis du responsable"], ["", "", ""], ["", "", ""]]),
        line("T1\u00a0: adaptation immédiate au poste de travail\u00a0; T2\u00a0: adaptation à l'évolution prévisible "
             "des métiers\u00a0; T3\u00a0: développement des qualifications ou acquisition de nouvelles qualifications.")]
    mapping, _ = map_layout(layout, cat.DEFAULT)
    assert mapping.places[cat.TRAINING_NEEDS].spec == {"tableau": {
        "intitule": "Formation souhaitée", "type": "Type (T1 / T2 / T3)", "avis": "Avis du responsable"}}
    (column,) = [c for c in mapping.modified[cat.TRAINING_NEEDS]["columns"] if c["key"] == "type"]
    assert column["choices"] == ["T1", "T2", "T3"]
    assert column["meanings"]["T3"] == "développement des qualifications ou acquisition de nouvelles qualifications"


@needs_reader
def test_a_label_with_its_own_dotted_tab_over_an_empty_line_is_written_after_on_its_line():
    """« Date de l'entretien : <tab to a dotted stop> » then an empty line (spacing): the date goes on the
    dots, not under them (generer wrote it on a line of its own)."""
    layout = small_form("Nom : \t", "Prénom : \t", "Date de l'entretien : \t")
    at = next(n for n, b in enumerate(layout.blocks) if b.__class__ is Line and b.text.startswith("Date de l'ent"))
    layout.blocks.insert(at + 1, line(""))
    mapping, _ = map_layout(layout, cat.DEFAULT)
    assert mapping.places[cat.REVIEW_DATE].spec == {"apres_libelle": "Date de l'entretien"}


@needs_reader
@pytest.mark.parametrize("box", ["Nom, date et signature", "Nom, prénom, date et signature"])
def test_a_table_of_signatories_boxes_places_each_signature_and_its_date(box):
    """« L'évaluateur | L'agent | L'autorité… » over « Nom, date et signature » and room to write: each
    box is its signatory's name and date (before, none was placed and every signature made optional: a
    report nobody signed was accepted as signed by its evaluator). A part « L'AGENT » printed in
    capitals does not end the signatures' part at the column « L'agent »."""
    from pipeline.employer_form import EmployerFormFile, employer_form
    from pipeline.employer_read import read_layout

    layout = small_form("L'AGENT", "Nom : \t", "Prénom : \t", "Date de l'entretien : \t")
    at = next(n for n, b in enumerate(layout.blocks) if b.__class__ is Line and b.text == "VI. SIGNATURES")
    room = [Line([Piece("text", box)]), Line(), Line(), Line()]
    signatories = Table(rows=[[Cell(0, c, blocks=[line(t)]) for c, t in enumerate(
        ["L'évaluateur", "L'agent", "L'autorité investie du pouvoir de nomination"])],
        [Cell(1, c, blocks=[Line(list(p.pieces)) for p in room]) for c in range(3)]], grid_columns=3)
    layout.blocks[at + 1:] = [signatories]
    mapping, checked = map_layout(layout, cat.DEFAULT)
    boxes = {key: (mapping.places[key].spec.get("occurrence", 1), mapping.places[key].checked) for key in (
        "signature_evaluateur", cat.EVALUATOR_SIGNATURE_DATE, "signature_agent_observations", cat.AGENT_ACK_DATE,
        "visa_autorite", cat.VISA_DATE)}
    assert boxes == {"signature_evaluateur": (1, True), cat.EVALUATOR_SIGNATURE_DATE: (1, True),
                     "signature_agent_observations": (2, True), cat.AGENT_ACK_DATE: (2, True),
                     "visa_autorite": (3, True), cat.VISA_DATE: (3, True)}
    assert mapping.modified[cat.EVALUATOR_SIGNATURE_DATE]["label"] == "L'évaluateur : date"
    assert [mapping.modified[key]["label"].split(" : ")[0] for key in (
        "signature_evaluateur", "signature_agent_observations", "visa_autorite")] == [
        "L'évaluateur", "L'agent", "L'autorité investie du pouvoir de nomination"]  # each box says whose
    signatories.rows[1][0].blocks.insert(1, line("Claire Fontaine, le 23/11/2026"))
    form = employer_form(mapping.adapted(), EmployerFormFile.model_validate(mapping.as_data()))
    report = read_layout(layout, form, path=Path("copie.docx"), name="copie.docx")
    assert report.values["signature_evaluateur"] == "Claire Fontaine"  # the name, its date apart
    assert report.dates[cat.EVALUATOR_SIGNATURE_DATE] == dt.date(2026, 11, 23)
    assert report.values["signature_agent_observations"] == "" and report.dates[cat.AGENT_ACK_DATE] is None
    # A date alone is no signature; a name alone, a signature whose date is missing (not « unreadable »).
    for written, name, day in [("24/11/2026", "", dt.date(2026, 11, 24)), ("Claire Fontaine", "Claire Fontaine", None),
                               ("Le Goff Marie, fait le 2 décembre 2026", "Le Goff Marie", dt.date(2026, 12, 2))]:
        signatories.rows[1][0].blocks[1] = line(written)
        report = read_layout(layout, form, path=Path("copie.docx"), name="copie.docx")
        assert (report.values["signature_evaluateur"], report.dates[cat.EVALUATOR_SIGNATURE_DATE]) == (name, day)
        assert cat.EVALUATOR_SIGNATURE_DATE not in report.unreadable_dates


@needs_reader
@pytest.mark.parametrize("instruction", ["Sur l'entretien, ses perspectives et ses attentes :",
                                         "Ce que l'agent souhaite ajouter :"])
def test_lines_under_an_instruction_right_under_a_part_s_title_are_that_part_s_field(instruction):
    """« IX. OBSERVATIONS DE L'AGENT » over « Sur l'entretien, ses perspectives et ses attentes : » and lines
    to write on: the agent's observations (before, a field of the form's own, the catalogue's said absent),
    named « Observations de l'agent : sur l'entretien… » in the notes."""
    layout = small_form("Nom : \t", "Prénom : \t", "Date de l'entretien : \t")
    at = next(n for n, b in enumerate(layout.blocks) if b.__class__ is Line and b.text == "VI. SIGNATURES")
    layout.blocks[at:at] = [line("VII. OBSERVATIONS DE L'AGENT"), line(instruction), line("\t"), line("\t")]
    mapping, checked = map_layout(layout, cat.DEFAULT)
    placed = mapping.places["observations_agent"]
    assert placed.spec == {"sous_libelle": instruction.rstrip(" :")} and checked and placed.checked
    label = mapping.modified["observations_agent"]["label"]
    assert label.startswith("Observations de l'agent : ") and label.endswith(instruction.rstrip(" :")[1:])


@needs_reader
@pytest.mark.parametrize("printed_label, label", [
    ("Appréciation générale exprimant la valeur professionnelle de l'agent (à remplir obligatoirement).",
     "Appréciation générale exprimant la valeur professionnelle de l'agent"),
    ("Appréciation générale (obligatoire) :", "Appréciation générale")])
def test_an_instruction_and_a_sentence_s_full_stop_are_not_part_of_a_label_as_notes_say_it(printed_label, label):
    layout = small_form("Nom : \t", "Prénom : \t", "Date de l'entretien : \t",
                        criteria=[line(printed_label), line("\t"), line("\t")])
    mapping, _ = map_layout(layout, cat.DEFAULT)
    assert mapping.modified.get("appreciation_generale", {}).get("label", "Appréciation générale") == label


@needs_reader
def test_yes_no_questions_however_many_are_no_criteria_and_the_form_s_own_stay_optional():
    """Four Oui / Non questions on form J: their scale shared by three or more made them criteria, the
    form's own question (« L'agent souhaite une mobilité ») required and filed under « manière de servir »."""
    layout = small_form("Nom : \t", "Prénom : \t", "Date de l'entretien : \t",
                        "Fonctions d'encadrement :   ☐ Oui     ☐ Non", "L'agent souhaite une mobilité :   ☐ Oui     ☐ Non",
                        "Agent informé de ses droits au titre du CPF :   ☐ Oui     ☐ Non",
                        "Au dernier échelon du grade depuis 3 ans ou plus :   ☐ Oui     ☐ Non")
    mapping, _ = map_layout(layout, cat.DEFAULT)
    (mobility,) = [f for f in mapping.added if "mobilit" in f["key"]]
    assert "required_from" not in mobility and mobility["section"] != "maniere_de_servir"
