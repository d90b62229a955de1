"""The employer's form mapping (pipeline/employer_form.py): formulaire.yaml as HR keeps it, the
catalogue it adapts and the form the reader follows."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from pipeline import catalogue as cat
from pipeline.config import load_config
from pipeline.employer_form import read_mapping
from pipeline.form import FieldPlace
from pipeline.outcomes import ConfigError

MAPPING = textwrap.dedent("""\
    modele: modele.docx
    empreinte: F-0123456789
    nom: Compte rendu du CH de Val-Sainte-Marie
    catalogue:
      modifier:
        nom: {label: Nom de famille}
      ajouter:
        - {key: date_naissance, label: Date de naissance, section: identite, kind: date}
    emplacements:
      nom: {apres_libelle: Nom de famille, jusqu_a: Nom d'usage, section: IDENTIFICATION DE L'AGENT, confiance: 0.97}
      date_naissance: {apres_libelle: "Date de naissance :"}
      missions: {sous_libelle: "Missions principales du poste :"}
      evaluateur: {cellule: Nom, colonne: SUPÉRIEUR HIÉRARCHIQUE DIRECT}
      encadre_agents: {cases: {oui: Oui, non: Non}, libelle: Fonctions d'encadrement}
      date_convocation: {champ_formulaire: Texte12, occurrence: 2}
      objectifs: {tableau: {objectif: Objectif, indicateur: Indicateur(s), echeance: Échéance}}
    """)


def workspace(tmp_path: Path, mapping: str = MAPPING, **settings) -> Path:
    (tmp_path / "formulaire.yaml").write_text(mapping, encoding="utf-8")
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({"formulaire": "formulaire.yaml", **settings},
                                                         allow_unicode=True), encoding="utf-8")
    return tmp_path / "config.yaml"


def test_the_mapping_adapts_the_catalogue_before_config_yaml_does(tmp_path):
    config = load_config(workspace(tmp_path, catalogue={"modifier": {"nom": {"label": "Nom (usage)"}}}))
    assert config.catalogue.field("date_naissance").kind == "date"  # the form's own field, added
    assert config.catalogue.field(cat.LAST_NAME).label == "Nom (usage)"  # config.yaml has the last word
    assert config.employer_model_path == tmp_path / "modele.docx"


def test_each_kind_of_place_becomes_the_form_s_place(tmp_path):
    form = load_config(workspace(tmp_path)).form
    assert form.version == "F-0123456789"
    assert form.places[cat.LAST_NAME] == (FieldPlace("after_label", "Nom de famille", until="Nom d'usage",
                                                     section="IDENTIFICATION DE L'AGENT"),)
    assert form.places["missions"][0].kind == "below_label"
    (evaluator,) = form.places[cat.EVALUATOR]
    assert (evaluator.kind, evaluator.text, evaluator.column, evaluator.direction) == (
        "cell", "Nom", "SUPÉRIEUR HIÉRARCHIQUE DIRECT", "right")
    (managing,) = form.places["encadre_agents"]
    assert (managing.kind, managing.text, managing.options) == ("boxes", "Fonctions d'encadrement",
                                                                 (("oui", "Oui"), ("non", "Non")))
    assert form.places[cat.INVITATION_DATE] == (FieldPlace("form_field", "Texte12", occurrence=2),)
    assert form.tables[cat.NEXT_OBJECTIVES].headers == {"objectif": "Objectif", "indicateur": "Indicateur(s)",
                                                       "echeance": "Échéance"}
    assert cat.GRADE not in form.places  # not in the form: read as absent


@pytest.mark.parametrize("place, said", [
    ("{apres_libelle: Nom, cellule: Nom}", "une seule chose"),  # two kinds at once
    ("{section: Identité}", "une seule chose"),  # no kind
    ("{grille: Fiabilité}", "colonnes"),  # a grid without its columns
    ("{apres_libelle: Nom, confiance: 3}", "confiance"),
    ("{apres_libelle: Nom, couleur: bleu}", "couleur"),  # a key nobody knows
])
def test_a_place_that_cannot_be_followed_is_refused_in_french_naming_the_file(tmp_path, place, said):
    mapping = MAPPING.replace("{apres_libelle: \"Date de naissance :\"}", place)
    with pytest.raises(ConfigError) as raised:
        load_config(workspace(tmp_path, mapping))
    assert "formulaire.yaml" in raised.value.message and said in raised.value.message


def test_a_place_for_a_field_the_catalogue_does_not_have_is_refused(tmp_path):
    config = load_config(workspace(tmp_path, MAPPING + "  couleur_yeux: {apres_libelle: Yeux}\n"))
    with pytest.raises(ConfigError, match="couleur_yeux"):
        config.form


@pytest.mark.parametrize("place, said", [
    ("besoins_formation: {liste: Formations demandées, colonnes: {intitule: '', duree: ''}}", "«\u202fduree\u202f»"),
    ("objectifs: {tableau: {objectif: Objectif, delai: Délai}}", "«\u202fdelai\u202f»"),
    ("nom: {liste: Nom, colonnes: {nom: ''}}", "n'est pas un tableau"),
    ("objectifs: {liste: '', colonnes: {objectif: ''}}", "libellé sous lequel"),
    ("objectifs: {tableau: {objectif: ''}}", "en-tête imprimé"),
])
def test_a_table_or_a_list_naming_a_column_or_a_field_it_does_not_have_is_refused(tmp_path, place, said):
    """A column name mistyped in a list: its values went into a column no one reads, without a word."""
    with pytest.raises(ConfigError) as raised:
        load_config(workspace(tmp_path, MAPPING + f"  {place}\n")).form
    assert said in raised.value.message


def test_a_missing_or_unreadable_mapping_says_what_to_do(tmp_path):
    (tmp_path / "config.yaml").write_text("formulaire: absent.yaml\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="entretiens formulaire importer"):
        load_config(tmp_path / "config.yaml")
    (tmp_path / "latin1.yaml").write_bytes("modele: modèle.docx\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="UTF-8"):
        read_mapping(tmp_path / "latin1.yaml")
