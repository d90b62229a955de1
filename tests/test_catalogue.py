"""The field catalogue (pipeline/catalogue.py): SPEC section 3."""

from __future__ import annotations

import json

import pytest

from pipeline import catalogue as cat
from pipeline.catalogue import DEFAULT, apply_overrides
from pipeline.outcomes import ConfigError

OBJECTIVES = ["atteint", "partiellement atteint", "non atteint", "devenu sans objet"]
CRITERIA = ["à acquérir", "à développer", "maîtrise", "expert"]


def columns(key: str) -> dict[str, cat.Column]:
    return {c.key: c for c in DEFAULT.field(key).columns}


# -- what the official models hold ---------------------------------------------------------

# (field key, kind, section): every part of the report that SPEC section 3 lists.
SPEC_FIELDS = [
    # identity of agent and evaluator; the report's identifier
    (cat.REPORT_ID, "text", "identite"),
    (cat.CAMPAIGN, "text", "identite"),
    (cat.AGENT_NUMBER, "text", "identite"),
    (cat.LAST_NAME, "text", "identite"),
    (cat.FIRST_NAME, "text", "identite"),
    (cat.GRADE, "text", "identite"),
    (cat.SERVICE, "text", "identite"),
    (cat.EVALUATOR, "text", "identite"),
    ("fonction_evaluateur", "text", "identite"),
    # review and invitation dates
    (cat.INVITATION_DATE, "date", "entretien"),
    (cat.REVIEW_DATE, "date", "entretien"),
    # job description and its update
    ("poste", "text", "poste"),
    ("missions", "text", "poste"),
    ("evolution_poste", "text", "poste"),
    # results against last year's objectives, events of the year
    (cat.PREVIOUS_RESULTS, "table", "resultats"),
    ("evenements", "text", "resultats"),
    # objectives for next year
    (cat.NEXT_OBJECTIVES, "table", "objectifs"),
    # manière de servir
    ("competences", "choice", "maniere_de_servir"),
    ("contribution", "choice", "maniere_de_servir"),
    ("qualites_relationnelles", "choice", "maniere_de_servir"),
    ("capacite_encadrement", "choice", "maniere_de_servir"),
    # acquis de l'expérience, general appraisal
    ("acquis_experience", "text", "acquis"),
    ("appreciation_generale", "text", "appreciation"),
    # training needs, or the explicit "no need"
    (cat.TRAINING_NEEDS, "table", "formation"),
    (cat.NO_TRAINING_NEED, "bool", "formation"),
    # career outlook: career and mobility
    ("perspectives_carriere", "text", "perspectives"),
    ("perspectives_mobilite", "text", "perspectives"),
    # agent's expectations and proposals
    ("attentes_agent", "text", "attentes"),
    # signatures and dates
    ("signature_evaluateur", "text", "signatures"),
    (cat.EVALUATOR_SIGNATURE_DATE, "date", "signatures"),
    ("observations_agent", "text", "signatures"),
    (cat.AGENT_ACK_DATE, "date", "signatures"),
    ("visa_autorite", "text", "signatures"),
    (cat.VISA_DATE, "date", "signatures"),
    (cat.NOTIFICATION_DATE, "date", "signatures"),
    ("signature_agent", "text", "signatures"),
    (cat.REFUSED_TO_SIGN, "bool", "signatures"),
]


@pytest.mark.parametrize(("key", "kind", "section"), SPEC_FIELDS, ids=[f[0] for f in SPEC_FIELDS])
def test_catalogue_holds_every_part_of_the_official_model(key, kind, section):
    field = DEFAULT.field(key)
    assert (field.kind, field.section) == (kind, section)


def test_catalogue_sections_follow_the_official_model_in_order():
    titles = [s.title for s in DEFAULT.sections]
    assert [t.split(".")[0] for t in titles] == [str(n) for n in range(1, len(titles) + 1)]
    assert [s.key for s in DEFAULT.sections] == [
        "identite", "entretien", "poste", "resultats", "objectifs", "maniere_de_servir", "acquis",
        "appreciation", "formation", "perspectives", "attentes", "signatures", "recours"]


def test_results_are_rated_on_the_official_objectives_scale():
    rating = columns(cat.PREVIOUS_RESULTS)["atteinte"]
    assert rating.kind == "choice"
    assert rating.choices == OBJECTIVES
    assert cat.OBJECTIVE_SCALE == OBJECTIVES


def test_objectives_for_next_year_have_objective_indicator_and_deadline():
    assert [c.label for c in DEFAULT.field(cat.NEXT_OBJECTIVES).columns] == [
        "Objectif", "Indicateur de résultat", "Échéance"]


@pytest.mark.parametrize("key", ["competences", "contribution", "qualites_relationnelles"])
def test_criteria_use_the_official_scale_without_sans_objet(key):
    assert DEFAULT.field(key).choices == CRITERIA


def test_management_criterion_adds_sans_objet_and_applies_only_to_managers():
    field = DEFAULT.field("capacite_encadrement")
    assert field.choices == [*CRITERIA, "sans objet"]
    assert field.required_if.field == "encadre_agents"
    assert field.required_if.one_of == ["oui"]


def test_training_needs_table_has_title_type_scheme_priority_and_period():
    needs = columns(cat.TRAINING_NEEDS)
    assert needs["type"].choices == ["T1", "T2", "T3"]
    assert {"plan de formation", "CPF", "préparation aux concours", "VAE",
            "bilan de compétences"} <= set(needs["dispositif"].choices)
    assert needs["intitule"].required and needs["type"].required
    assert {"priorite", "periode"} <= set(needs)
    assert DEFAULT.field(cat.TRAINING_NEEDS).unless_checked == cat.NO_TRAINING_NEED


def test_conditional_requirements_live_in_the_catalogue():
    # an unfavourable opinion needs its reason (décret 2007-1470 art. 5)
    reason = columns(cat.TRAINING_NEEDS)["motif_avis"].required_if
    assert (reason.field, reason.one_of) == ("avis", ["défavorable"])
    # promotion prospects when at the top step for three years (décret 2010-888)
    promotion = DEFAULT.field("appreciation_promotion").required_if
    assert (promotion.field, promotion.one_of) == ("echelon_sommital", ["oui"])
    # the agent's signature, unless the agent refused to sign
    signature = DEFAULT.field("signature_agent").required_if
    assert (signature.field, signature.one_of) == (cat.REFUSED_TO_SIGN, [False])


def test_appeal_routes_text_names_revision_cap_and_court_delays():
    text = cat.APPEAL_ROUTES
    for words in ("quinze jours francs", "commission administrative paritaire",
                  "tribunal administratif", "deux mois"):
        assert words in text


# -- stages ----------------------------------------------------------------------------------


def test_catalogue_has_four_stages_each_with_its_own_folder():
    stages = DEFAULT.stages
    assert [s.number for s in stages] == [1, 2, 3, 4]
    folders = [s.folder for s in stages]
    assert len(set(folders)) == 4
    assert all(f and "/" not in f and " " not in f for f in folders)
    assert len({s.key for s in stages}) == 4
    assert DEFAULT.final_stage == 4


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_every_stage_is_shown_by_fields_of_its_own(number):
    assert [f.key for f in DEFAULT.fields if f.marks_stage == number]


def test_visa_stage_requires_the_agents_date_of_taking_note():
    assert DEFAULT.field(cat.AGENT_ACK_DATE).required_from == 2
    assert DEFAULT.field(cat.VISA_DATE).required_from == 3


# -- uniqueness ------------------------------------------------------------------------------


def test_field_keys_and_labels_are_unique():
    keys = [f.key for f in DEFAULT.fields]
    labels = [f.label for f in DEFAULT.fields]
    assert len(keys) == len(set(keys))
    assert len(labels) == len(set(labels))


@pytest.mark.parametrize("table", [f.key for f in DEFAULT.table_fields])
def test_table_column_keys_and_labels_are_unique(table):
    cols = DEFAULT.field(table).columns
    assert len({c.key for c in cols}) == len(cols)
    assert len({c.label for c in cols}) == len(cols)


# -- as_json: the shape of `entretiens champs --json` ---------------------------------------


def test_as_json_has_exactly_the_spec_shape():
    data = DEFAULT.as_json()
    assert set(data) == {"stages", "fields"}
    assert len(data["stages"]) == 4
    for stage in data["stages"]:
        assert set(stage) == {"key", "label", "folder"}
        assert all(isinstance(v, str) for v in stage.values())
    assert [f["key"] for f in data["fields"]] == [f.key for f in DEFAULT.fields]
    for field in data["fields"]:
        assert set(field) == {"key", "label", "section", "kind", "choices", "required_from",
                              "columns"}
        assert field["kind"] in {"text", "date", "choice", "number", "bool", "table"}
        assert field["required_from"] in (None, 1, 2, 3, 4)
        assert isinstance(field["section"], str)
        if field["kind"] == "table":
            assert field["columns"]
            for column in field["columns"]:
                assert set(column) == {"key", "label", "kind", "choices"}
        else:
            assert field["columns"] is None
        if field["kind"] == "choice":
            assert field["choices"]


def test_as_json_round_trips_through_json_with_accents_intact():
    text = json.dumps(DEFAULT.as_json(), ensure_ascii=False)
    again = json.loads(text)
    assert again == DEFAULT.as_json()
    assert "Prénom de l'agent" in text


# -- apply_overrides: adapting the form from config.yaml -------------------------------------


def test_apply_overrides_without_overrides_returns_the_catalogue_unchanged():
    assert apply_overrides(DEFAULT, None) is DEFAULT
    assert apply_overrides(DEFAULT, {}) is DEFAULT


def test_apply_overrides_adds_a_field_to_a_section():
    new = apply_overrides(DEFAULT, {"ajouter": [
        {"key": "teletravail", "label": "Modalités de télétravail", "section": "poste"}]})
    field = new.field("teletravail")
    assert (field.label, field.section, field.kind) == ("Modalités de télétravail", "poste", "text")
    assert "teletravail" in [f.key for f in new.fields_in("poste")]
    assert DEFAULT.version() != new.version()
    with pytest.raises(KeyError):
        DEFAULT.field("teletravail")  # the default is left alone


def test_an_added_field_goes_after_the_last_field_of_its_section_or_right_after_the_field_it_names():
    new = apply_overrides(DEFAULT, {"ajouter": [
        {"key": "teletravail", "label": "Modalités de télétravail", "section": "poste"},
        {"key": "nom_usage", "label": "Nom d'usage", "section": "identite", "after": "nom"}]})
    keys = [f.key for f in new.fields]
    last_of_post = [f.key for f in DEFAULT.fields_in("poste")][-1]
    assert keys[keys.index("teletravail") - 1] == last_of_post
    assert new.fields[keys.index("teletravail") + 1].section != "poste"  # before the next section's fields
    assert keys[keys.index("nom") + 1] == "nom_usage" and "after" not in new.field("nom_usage").model_dump()
    # The place is part of the form's shape: the same field elsewhere is another form.
    moved = apply_overrides(DEFAULT, {"ajouter": [
        {"key": "teletravail", "label": "Modalités de télétravail", "section": "poste", "after": "missions"}]})
    alone = apply_overrides(DEFAULT, {"ajouter": [
        {"key": "teletravail", "label": "Modalités de télétravail", "section": "poste"}]})
    assert len({DEFAULT.version(), moved.version(), alone.version()}) == 3


def test_an_added_field_after_a_field_that_does_not_exist_is_refused():
    message = _error({"ajouter": [{"key": "teletravail", "label": "Télétravail", "section": "poste",
                                   "after": "mission"}]})
    assert "after" in message and "mission" in message


def test_apply_overrides_relaxes_a_requirement():
    new = apply_overrides(DEFAULT, {"modifier": {"perspectives_carriere": {"required_from": None}}})
    assert new.field("perspectives_carriere").required_from is None
    assert DEFAULT.field("perspectives_carriere").required_from == 1


def test_apply_overrides_makes_a_field_required():
    new = apply_overrides(DEFAULT, {"modifier": {"perspectives_mobilite": {"required_from": 1}}})
    assert new.field("perspectives_mobilite").required_from == 1


def test_apply_overrides_changes_a_scale():
    defense = ["sensibilisation", "application", "maîtrise", "expertise"]
    new = apply_overrides(DEFAULT, {"modifier": {"competences": {"choices": defense}}})
    assert new.field("competences").choices == defense


def test_apply_overrides_removes_an_optional_field():
    new = apply_overrides(DEFAULT, {"retirer": ["evolution_poste"]})
    with pytest.raises(KeyError):
        new.field("evolution_poste")


def test_version_changes_when_a_label_changes():
    new = apply_overrides(DEFAULT, {"modifier": {"competences": {"label": "Compétences techniques"}}})
    assert new.version() != DEFAULT.version()


def test_version_stays_when_a_requirement_is_relaxed():
    new = apply_overrides(DEFAULT, {"modifier": {"competences": {"required_from": None}}})
    assert new.version() == DEFAULT.version()


def test_version_changes_when_a_scale_changes():
    new = apply_overrides(DEFAULT, {"modifier": {"competences": {
        "choices": ["sensibilisation", "application", "maîtrise", "expertise"]}}})
    assert new.version() != DEFAULT.version()


# -- apply_overrides: mistakes are named, in French ------------------------------------------


def _error(overrides) -> str:
    with pytest.raises(ConfigError) as caught:
        apply_overrides(DEFAULT, overrides)
    return caught.value.message


def test_modifying_an_unknown_field_names_it():
    message = _error({"modifier": {"teletravial": {"required_from": None}}})
    assert "«\u202fteletravial\u202f»" in message
    assert "n'existe pas" in message
    assert "«\u202fentretiens champs\u202f» donne la liste des clés" in message


def test_removing_an_unknown_field_names_it():
    message = _error({"retirer": ["teletravial"]})
    assert "«\u202fteletravial\u202f»" in message
    assert "n'existe pas" in message


def test_unknown_catalogue_key_names_it_and_the_allowed_keys():
    message = _error({"enlever": ["evolution_poste"]})
    assert "«\u202fenlever\u202f»" in message
    assert "ajouter, modifier, retirer" in message


def test_added_field_in_an_unknown_section_names_field_and_section():
    message = _error({"ajouter": [{"key": "teletravail", "label": "Télétravail",
                                   "section": "nulle_part"}]})
    assert "«\u202fteletravail\u202f»" in message
    assert "«\u202fnulle_part\u202f»" in message
    assert "section inconnue" in message


def test_added_field_with_an_existing_key_is_refused():
    message = _error({"ajouter": [{"key": "nom", "label": "Autre nom", "section": "identite"}]})
    assert "en double" in message
    assert "nom" in message


def test_choice_field_without_choices_is_refused_naming_it():
    message = _error({"ajouter": [{"key": "teletravail", "label": "Télétravail",
                                   "section": "poste", "kind": "choice"}]})
    assert "«\u202fteletravail\u202f»" in message


def test_requirement_from_an_unknown_stage_names_field_and_stage():
    message = _error({"modifier": {"competences": {"required_from": 9}}})
    assert "«\u202fcompetences\u202f»" in message and "9" in message


def test_removing_a_field_another_depends_on_is_refused_naming_both():
    message = _error({"retirer": ["encadre_agents"]})
    assert "«\u202fencadre_agents\u202f»" in message
    assert "«\u202fnombre_agents_encadres\u202f»" in message


def test_added_field_with_a_bad_kind_names_the_field_in_french():
    message = _error({"ajouter": [{"key": "teletravail", "label": "Télétravail",
                                   "section": "poste", "kind": "texte"}]})
    assert "teletravail" in message
    assert "texte" in message
    assert "Input should" not in message


def test_modifying_an_unknown_attribute_names_field_and_attribute_in_french():
    message = _error({"modifier": {"competences": {"choix": ["a", "b"]}}})
    assert "competences" in message
    assert "choix" in message
    assert "Extra inputs" not in message


@pytest.mark.parametrize("key", [cat.AGENT_NUMBER, cat.REPORT_ID])
def test_removing_a_field_the_product_relies_on_is_refused(key):
    message = _error({"retirer": [key]})
    assert f"«\u202f{key}\u202f»" in message


def test_only_a_date_field_can_be_one_that_cannot_come_after_the_day_received():
    new = apply_overrides(DEFAULT, {"modifier": {cat.CAP_REFERRAL_DATE: {"past_when_received": False}}})
    assert not new.field(cat.CAP_REFERRAL_DATE).past_when_received
    with pytest.raises(ConfigError, match="perspectives_carriere.*n'est pas une date"):
        apply_overrides(DEFAULT, {"modifier": {"perspectives_carriere": {"past_when_received": True}}})


# -- contradictions: declared pairs of answers, adapted from config.yaml -------------------------------


@pytest.mark.parametrize("service", sorted(cat.PUBLIC_SERVICES))
def test_the_declared_contradictions_are_not_part_of_the_forms_version(service):
    """A contradiction rule changes what validation says, not the form: reports made before stay valid."""
    worded = cat.for_public_service(cat.BASE, service)
    bare = cat.Catalogue(**worded.model_dump() | {"contradictions": []})
    assert worded.contradictions and bare.version() == worded.version()
    adapted = apply_overrides(worded, {"contradictions": {
        "modifier": {rule.key: {"severity": "avertissement"} for rule in worded.contradictions},
        "ajouter": [{"key": "autre", "answers": [{"field": "perspectives_mobilite"},
                                                  {"field": "perspectives_carriere", "empty": True}]}]}})
    assert adapted.version() == worded.version()
    assert {rule.severity for rule in adapted.contradictions} == {"avertissement", "erreur"}


def test_every_declared_contradiction_names_fields_of_the_catalogue_and_values_they_take():
    for rule in DEFAULT.contradictions:
        for answer in rule.answers:
            field = DEFAULT.field(answer.field)
            if field.kind == "choice":
                assert set(answer.one_of or []) | set(answer.none_of or []) <= set(field.choices), rule.key


def test_removing_a_field_removes_the_contradictions_about_it():
    keys = {rule.key for rule in DEFAULT.contradictions if "appreciation_encadrement" in
            [a.field for a in rule.answers]}
    new = apply_overrides(DEFAULT, {"retirer": ["appreciation_encadrement"],
                                    "contradictions": {"retirer": sorted(keys)}})
    assert keys and not keys & {rule.key for rule in new.contradictions}
    assert len(new.contradictions) == len(DEFAULT.contradictions) - len(keys)


@pytest.mark.parametrize(("changes", "said"), [
    ({"retirer": ["inconnue"]}, "la contradiction «\u202finconnue\u202f» n'existe pas (la commande «\u202fentretiens champs\u202f»"),
    ({"modifier": {"inconnue": {"severity": "avertissement"}}}, "«\u202finconnue\u202f» n'existe pas"),
    ({"modifier": {"encadrant_sans_agent_encadre": {"severity": "grave"}}},
     "clé «\u202fcontradictions.encadrant_sans_agent_encadre.severity\u202f», valeur «\u202fgrave\u202f» : valeur "
     "non autorisée (valeurs possibles : erreur ou avertissement)"),
    ({"enlever": []}, "les clés possibles sont ajouter, modifier et retirer"),
    ({"ajouter": [{"key": "x", "answers": [{"field": "encadre_agents", "one_of": ["peut-être"]},
                                           {"field": "missions"}]}]},
     "«\u202fpeut-être\u202f», qui n'est pas une valeur du champ «\u202fencadre_agents\u202f»"),
    ({"ajouter": [{"key": "x", "answers": [{"field": "teletravial"}, {"field": "missions"}]}]},
     "la contradiction «\u202fx\u202f» cite un champ inconnu «\u202fteletravial\u202f»"),
    ({"ajouter": [{"key": "x", "answers": [{"field": cat.REFUSED_TO_SIGN, "one_of": ["oui"]}, {"field": "missions"}]}]},
     "qui est une case : elle est cochée, ou vide (empty)"),
])
def test_a_mistake_in_the_contradictions_of_config_is_named_in_french(changes, said):
    assert said in _error({"contradictions": changes})


def test_a_field_change_that_breaks_a_declared_contradiction_says_which_and_how_to_fix_it():
    message = _error({"modifier": {"encadre_agents": {"choices": ["oui", "non, mais des stagiaires"]}}})
    assert "«\u202fnon\u202f», qui n'est pas une valeur du champ «\u202fencadre_agents\u202f»" in message
    assert "modifiez-la ou retirez-la (catalogue.contradictions de config.yaml)" in message
