"""pipeline.form: where each field of the catalogue is found, for our own template's form, and
the form a configuration reads by (``Config.form``). The reader following a form is tested in
test_read.py."""

from __future__ import annotations

import pickle

from pipeline.catalogue import AGENT_NUMBER, CAMPAIGN, DEFAULT, REPORT_ID
from pipeline.form import MIN_LABELS_FOR_A_REPORT, VERSION_IN_FOOTER, FieldPlace, TablePlace, template_form
from pipeline.text import normalize_label
from tests.conftest import make_config


def test_the_template_form_places_every_single_field_by_tag_then_label_then_alias():
    form = template_form(DEFAULT)
    assert list(form.places) == [f.key for f in DEFAULT.single_fields]
    for f in DEFAULT.single_fields:
        assert form.places[f.key] == (FieldPlace("tag", f.key), FieldPlace("label", f.label),
                                      FieldPlace("alias", f.label)), f.key


def test_the_template_form_finds_every_table_by_its_column_labels_in_order():
    form = template_form(DEFAULT)
    assert list(form.tables) == [f.key for f in DEFAULT.table_fields]
    for f in DEFAULT.table_fields:
        assert list(form.tables[f.key].headers.items()) == [(c.key, c.label) for c in f.columns], f.key
    assert set(form.places) | set(form.tables) == {f.key for f in DEFAULT.fields}


def test_the_template_form_is_the_catalogues_version_found_in_the_properties_or_the_footer():
    form = template_form(DEFAULT)
    assert form.catalogue is DEFAULT and form.version == DEFAULT.version()
    assert form.version_marks.property == "cp:version" and form.version_marks.in_footer is VERSION_IN_FOOTER
    assert VERSION_IN_FOOTER.search(f"Formulaire {DEFAULT.version()} – page 1").group(1) == DEFAULT.version()


def test_a_report_of_the_template_form_shows_a_tag_or_enough_labels():
    rule = template_form(DEFAULT).recognition
    assert rule.tags == {f.key for f in DEFAULT.single_fields}
    assert rule.labels == {normalize_label(f.label) for f in DEFAULT.single_fields}
    assert rule.min_labels == MIN_LABELS_FOR_A_REPORT == 5


def test_the_template_form_identifies_a_report_by_its_identifier_then_the_document_properties():
    identity = template_form(DEFAULT).identity
    assert (identity.identifier_field, identity.identifier_property) == (REPORT_ID, "dc:identifier")
    assert (identity.campaign_field, identity.agent_number_field) == (CAMPAIGN, AGENT_NUMBER)


def test_labels_and_aliases_are_compared_as_labels_tags_as_written():
    assert FieldPlace("label", "  Nom de l’agent :").match == normalize_label("Nom de l'agent") == "nom de l'agent"
    assert FieldPlace("alias", "NOM DE L'AGENT*").match == "nom de l'agent"
    assert FieldPlace("tag", "Nom").match == "Nom"
    assert TablePlace({"objectif": "Objectif ", "echeance": "Échéance"}).matches == ("objectif", "echeance")


def test_the_configuration_reads_by_one_form_made_from_its_catalogue(tmp_path):
    config = make_config(tmp_path)
    assert config.form is config.form and config.form.catalogue is config.catalogue
    assert config.form == template_form(config.catalogue)
    assert pickle.loads(pickle.dumps(config)).form.version == config.form.version  # sent to reading processes


def test_a_catalogue_adapted_in_config_gives_a_form_with_its_labels(tmp_path):
    config = make_config(tmp_path, catalogue={
        "ajouter": [{"key": "teletravail", "label": "Jours de télétravail", "section": "poste"}],
        "modifier": {"missions": {"label": "Missions confiées à l'agent"},
                     "objectifs": {"columns": [{"key": "objectif", "label": "Objectif fixé"},
                                               {"key": "echeance", "label": "Échéance"}]}},
    })
    form = config.form
    assert form.places["missions"][1:] == (FieldPlace("label", "Missions confiées à l'agent"),
                                           FieldPlace("alias", "Missions confiées à l'agent"))
    assert form.places["teletravail"] == (FieldPlace("tag", "teletravail"),
                                          FieldPlace("label", "Jours de télétravail"),
                                          FieldPlace("alias", "Jours de télétravail"))
    assert form.tables["objectifs"].headers == {"objectif": "Objectif fixé", "echeance": "Échéance"}
    assert "missions confiees a l'agent" in form.recognition.labels and "teletravail" in form.recognition.tags
    assert form.version == config.catalogue.version() != DEFAULT.version()
