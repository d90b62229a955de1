"""Validation (pipeline/validate.py, through pipeline/examine.py): every rule of SPEC
section 4, checked on reports made by the project's template, filled the way people
fill them (pipeline.filling), read back from real .docx files."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from pipeline import catalogue as cat
from pipeline import ooxml
from pipeline.catalogue import DEFAULT
from pipeline.config import Config, load_config
from pipeline.examine import Examination, examine, known_agents
from pipeline.filling import ReportForm, fill_report
from pipeline.generate import generate
from pipeline.text import format_date
from pipeline.outcomes import ERROR, WARNING
from tests.conftest import RECEIVED, TEMPLATES, TODAY, agent, write_workspace

CATALOGUE = DEFAULT

# Fields the code has no constant for: named once here; DEFAULT.field() fails loudly if one goes.
APPRAISAL = CATALOGUE.field("appreciation_generale").key
CAREER = CATALOGUE.field("perspectives_carriere").key
MANAGEMENT = CATALOGUE.field("capacite_encadrement").key
PROMOTION = CATALOGUE.field("appreciation_promotion").key

# Conditions and columns, read from the catalogue rather than restated.
MANAGES = CATALOGUE.field(MANAGEMENT).required_if  # encadre_agents = oui
TOP_STEP = CATALOGUE.field(PROMOTION).required_if  # echelon_sommital = oui
TRAINING_NEEDS = cat.TRAINING_NEEDS
NEEDS = CATALOGUE.field(TRAINING_NEEDS)
REASON = next(c for c in NEEDS.columns if c.required_if is not None)  # motif de l'avis défavorable
OPINION = next(c for c in NEEDS.columns if c.key == REASON.required_if.field)
NEED_TYPE = next(c for c in NEEDS.columns if c.required and c.kind == "choice")
NEED_TITLE = next(c for c in NEEDS.columns if c.required and c.kind == "text")
OBJECTIVES = CATALOGUE.field(cat.NEXT_OBJECTIVES)
UNFAVOURABLE = REASON.required_if.one_of[0]

LEA = agent("100001", "Martin", "Léa")
PAUL = agent("100002", "N'Diaye", "Paul")
ZOE = agent("100003", "L’Hôte", "Zoé")
AGENTS = [LEA, PAUL, ZOE]


@pytest.fixture(scope="module")
def blanks(tmp_path_factory) -> dict[str, Path]:
    """Pre-filled reports of the three agents, generated once for the module."""
    config = write_workspace(tmp_path_factory.mktemp("validate"), AGENTS)
    result = generate(config, today=TODAY)
    assert result.problems == []
    return {a["matricule"]: next(p for p in result.reports if f"_{a['matricule']}_" in p.name)
            for a in AGENTS}


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> Config:
    return write_workspace(tmp_path_factory.mktemp("validate-ws"), AGENTS)


def need(**changes: str) -> dict[str, str]:
    """A complete training-need row (every choice column on its first choice)."""
    row = {}
    for column in NEEDS.columns:
        if column.required_if is not None:
            row[column.key] = ""
        elif column.kind == "choice":
            row[column.key] = column.choices[0]
        else:
            row[column.key] = f"{column.label} à préciser"
    row.update(changes)
    return row


def objectives(count: int) -> list[dict[str, str]]:
    first = OBJECTIVES.columns[0].key
    return [{first: f"Objectif numéro {n}"} for n in range(1, count + 1)]


def filled(blanks, tmp_path, matricule: str = "100001", name: str = "cr.docx", **fill) -> Path:
    return fill_report(blanks[matricule], tmp_path / name, CATALOGUE, **fill)


def check(config: Config, path: Path, received: dt.date | None = RECEIVED) -> Examination:
    exam = examine(path, config, agents=known_agents(config), received=received)
    assert exam.error is None, exam.error
    return exam


def found(exam: Examination) -> list[tuple[str, str | None]]:
    return [(f.code, f.field) for f in exam.validation.findings]


def errors(exam: Examination) -> list[tuple[str, str | None]]:
    return [(f.code, f.field) for f in exam.validation.errors]


def one(exam: Examination, code: str, key: str | None = None):
    matches = [f for f in exam.validation.findings if f.code == code and (key is None or f.field == key)]
    assert len(matches) == 1, found(exam)
    return matches[0]


# -- a complete report ---------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [1, 2, 3, 4])
def test_a_report_filled_up_to_a_stage_is_accepted_at_that_stage_without_findings(
        blanks, config, tmp_path, stage):
    exam = check(config, filled(blanks, tmp_path, stage=stage))
    assert exam.validation.stage == stage
    assert exam.validation.findings == []
    assert exam.accepted


# -- required fields and placeholders --------------------------------------------------------------


def test_missing_required_field_is_an_error_naming_its_label(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path, omit=(APPRAISAL,)))
    finding = one(exam, "champ_manquant", APPRAISAL)
    assert finding.severity == ERROR
    assert finding.label == CATALOGUE.field(APPRAISAL).label
    assert f"«\u202f{finding.label}\u202f»" in finding.message
    assert not exam.accepted


def test_every_required_field_of_stage_one_left_empty_is_reported(blanks, config, tmp_path):
    evaluator_written = [f.key for f in CATALOGUE.fields
                         if f.required_from == 1 and f.kind != "table" and f.required_if is None
                         and not f.filled_by_generate]
    exam = check(config, filled(blanks, tmp_path, omit=tuple(evaluator_written)))
    assert [k for c, k in errors(exam) if c == "champ_manquant"] == evaluator_written


def test_word_placeholder_sentence_typed_in_the_cell_counts_as_empty(blanks, config, tmp_path):
    form = ReportForm(filled(blanks, tmp_path, omit=(APPRAISAL,)), CATALOGUE)
    form.fill(APPRAISAL, "Cliquez ou appuyez ici pour entrer du texte.", how="cell")
    exam = check(config, form.save(tmp_path / "placeholder.docx"))
    assert ("champ_manquant", APPRAISAL) in errors(exam)


def test_control_still_flagged_as_placeholder_holds_no_answer(blanks, config, tmp_path):
    """A control whose prompt was customised in Word but never answered keeps
    w:showingPlcHdr: its text is a prompt, not an answer."""
    form = ReportForm(filled(blanks, tmp_path, omit=(APPRAISAL,)), CATALOGUE)
    sdt = form.control(APPRAISAL)
    assert ooxml.control_showing_placeholder(sdt)
    for text in sdt.iter(ooxml.qn("w:t")):
        text.text = "Rédigez ici votre appréciation (texte d'aide du service RH)"
    exam = check(config, form.save(tmp_path / "prompt.docx"))
    assert ("champ_manquant", APPRAISAL) in errors(exam)


def test_text_typed_beside_the_placeholder_is_the_answer(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path, how="beside"))
    assert exam.validation.findings == []


def test_a_report_typed_in_the_cells_after_deleting_the_controls_is_accepted(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path, how="cell"))
    assert exam.validation.findings == []


# -- objectives -------------------------------------------------------------------------------------


def test_no_objective_for_next_year_is_an_empty_table_error(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path, overrides={cat.NEXT_OBJECTIVES: []}))
    finding = one(exam, "tableau_vide", cat.NEXT_OBJECTIVES)
    assert finding.severity == ERROR
    assert finding.label == OBJECTIVES.label
    assert not exam.accepted


def test_an_objective_row_without_its_objective_is_incomplete(blanks, config, tmp_path):
    first, second = OBJECTIVES.columns[0], OBJECTIVES.columns[1]
    rows = [{first.key: "Réduire les délais"}, {second.key: "un indicateur sans objectif"}]
    exam = check(config, filled(blanks, tmp_path, overrides={cat.NEXT_OBJECTIVES: rows}))
    finding = one(exam, "ligne_incomplete", cat.NEXT_OBJECTIVES)
    assert "ligne 2" in finding.message and f"«\u202f{first.label}\u202f»" in finding.message


@pytest.mark.parametrize("count", [1, 5])
def test_one_to_five_objectives_give_no_finding(blanks, config, tmp_path, count):
    exam = check(config, filled(blanks, tmp_path, overrides={cat.NEXT_OBJECTIVES: objectives(count)}))
    assert exam.validation.findings == []


def test_more_objectives_than_the_maximum_is_a_warning_not_a_rejection(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path, overrides={cat.NEXT_OBJECTIVES: objectives(6)}))
    finding = one(exam, "objectifs_trop_nombreux", cat.NEXT_OBJECTIVES)
    assert finding.severity == WARNING
    assert "6" in finding.message and "5" in finding.message
    assert exam.accepted


def test_maximum_of_objectives_comes_from_config(blanks, tmp_path):
    strict = write_workspace(tmp_path / "ws", AGENTS, objectifs_max=2)
    exam = check(strict, filled(blanks, tmp_path, overrides={cat.NEXT_OBJECTIVES: objectives(3)}))
    assert found(exam) == [("objectifs_trop_nombreux", cat.NEXT_OBJECTIVES)]
    assert exam.accepted


# -- training needs -----------------------------------------------------------------------------------


def test_no_training_row_and_no_need_box_unchecked_is_an_empty_table(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path, overrides={TRAINING_NEEDS: []}))
    finding = one(exam, "tableau_vide", TRAINING_NEEDS)
    assert finding.label == NEEDS.label
    box = CATALOGUE.field(cat.NO_TRAINING_NEED).label
    assert f"«\u202f{box}\u202f»" in finding.message  # tells the manager the other way out
    assert not exam.accepted


@pytest.mark.parametrize("absent", [(cat.NO_TRAINING_NEED,), (cat.NO_TRAINING_NEED, "nombre_agents_encadres")])
def test_no_training_row_on_a_form_without_the_no_need_box_never_asks_to_tick_it(blanks, config, tmp_path, absent):
    """An employer's form that prints no « Aucun besoin de formation » box: the note asks for a row,
    never for a box the evaluator cannot find."""
    from pipeline.validate import ValidationContext, validate

    exam = check(config, filled(blanks, tmp_path, overrides={TRAINING_NEEDS: []}))
    exam.report.not_in_form.extend(absent)
    validation = validate(exam.report, config.catalogue, ValidationContext(campaign="2026", received=RECEIVED))
    (finding,) = [f for f in validation.findings if (f.code, f.field) == ("tableau_vide", TRAINING_NEEDS)]
    box = CATALOGUE.field(cat.NO_TRAINING_NEED).label
    assert box not in finding.message and "cochez" not in finding.message
    assert "au moins une ligne complète" in finding.message


@pytest.mark.parametrize("table, said", [(cat.NEXT_OBJECTIVES, "(colonne «\u202fObjectif\u202f»)"),
                                         (TRAINING_NEEDS, "colonnes «\u202fIntitulé de la formation\u202f» et «\u202fType\u202f»")])
def test_an_empty_table_s_note_names_its_required_column_or_columns(blanks, config, tmp_path, table, said):
    """« (colonne « Objectif ») » for one required column, not « colonnes »."""
    exam = check(config, filled(blanks, tmp_path, overrides={table: []}))
    (finding,) = [f for f in exam.validation.findings if (f.code, f.field) == ("tableau_vide", table)]
    assert said in finding.message


def test_no_need_box_checked_replaces_the_training_rows(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path,
                                overrides={TRAINING_NEEDS: [], cat.NO_TRAINING_NEED: True}))
    assert exam.validation.findings == []
    assert exam.report.value(cat.NO_TRAINING_NEED) is True


def test_no_need_box_checked_with_rows_is_a_contradiction_warning(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path,
                                overrides={TRAINING_NEEDS: [need()], cat.NO_TRAINING_NEED: True}))
    assert found(exam) == [("reponses_contradictoires", TRAINING_NEEDS)]
    assert exam.accepted


def test_training_row_without_type_is_incomplete(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path, overrides={TRAINING_NEEDS: [need(**{NEED_TYPE.key: ""})]}))
    finding = one(exam, "ligne_incomplete", TRAINING_NEEDS)
    title = need()[NEED_TITLE.key]
    assert f"«\u202f{NEED_TYPE.label}\u202f»" in finding.message and f"ligne «\u202f{title}\u202f»" in finding.message
    assert "supprimez la ligne si elle a été ajoutée par erreur" in finding.message
    assert errors(exam) == [("ligne_incomplete", TRAINING_NEEDS)]  # said once, about the row


def test_training_row_without_title_is_incomplete(blanks, config, tmp_path):
    rows = [need(), need(**{NEED_TITLE.key: ""})]
    exam = check(config, filled(blanks, tmp_path, overrides={TRAINING_NEEDS: rows}))
    assert errors(exam) == [("ligne_incomplete", TRAINING_NEEDS)]
    assert "ligne 2 :" in exam.validation.errors[0].message  # no title to name it by: its number


def test_training_type_outside_the_list_is_an_invalid_choice(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path, overrides={TRAINING_NEEDS: [need(**{NEED_TYPE.key: "T4"})]}))
    finding = one(exam, "choix_invalide", TRAINING_NEEDS)
    assert "«\u202fT4\u202f»" in finding.message
    assert all(choice in finding.message for choice in NEED_TYPE.choices)


def test_training_type_typed_with_its_description_is_understood(blanks, config, tmp_path):
    typed = f"{NEED_TYPE.choices[1]} - évolution prévisible des métiers"
    exam = check(config, filled(blanks, tmp_path, overrides={TRAINING_NEEDS: [need(**{NEED_TYPE.key: typed})]}))
    assert exam.validation.findings == []


def test_unfavourable_opinion_without_its_reason_is_incomplete_and_says_why(blanks, config, tmp_path):
    rows = [need(**{OPINION.key: UNFAVOURABLE})]
    exam = check(config, filled(blanks, tmp_path, overrides={TRAINING_NEEDS: rows}))
    finding = one(exam, "ligne_incomplete", TRAINING_NEEDS)
    assert f"«\u202f{REASON.label}\u202f»" in finding.message
    assert f"puisque la réponse à «\u202f{OPINION.label}\u202f» est «\u202f{UNFAVOURABLE}\u202f»" in finding.message
    assert "supprimez" not in finding.message  # a refusal is justified, never the request deleted


def test_unfavourable_opinion_with_its_reason_is_accepted(blanks, config, tmp_path):
    rows = [need(**{OPINION.key: UNFAVOURABLE, REASON.key: "Formation sans lien avec le poste."})]
    exam = check(config, filled(blanks, tmp_path, overrides={TRAINING_NEEDS: rows}))
    assert exam.validation.findings == []


def test_favourable_opinion_needs_no_reason(blanks, config, tmp_path):
    favourable = next(c for c in OPINION.choices if c != UNFAVOURABLE)
    exam = check(config, filled(blanks, tmp_path, overrides={TRAINING_NEEDS: [need(**{OPINION.key: favourable})]}))
    assert exam.validation.findings == []


# -- career outlook and conditional requirements ----------------------------------------------------------


def test_career_outlook_is_required(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path, omit=(CAREER,)))
    assert errors(exam) == [("champ_manquant", CAREER)]


def test_management_criterion_is_not_required_when_the_agent_manages_nobody(blanks, config, tmp_path):
    manages_nobody = next(c for c in CATALOGUE.field(MANAGES.field).choices if c not in MANAGES.one_of)
    exam = check(config, filled(blanks, tmp_path, overrides={MANAGES.field: manages_nobody},
                                omit=(MANAGEMENT,)))
    assert exam.validation.findings == []


def test_management_criterion_is_required_when_the_agent_manages_people(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path, overrides={MANAGES.field: MANAGES.one_of[0]},
                                omit=(MANAGEMENT,)))
    finding = one(exam, "champ_manquant", MANAGEMENT)
    condition = CATALOGUE.field(MANAGES.field).label
    assert f"puisque la réponse à «\u202f{condition}\u202f» est «\u202f{MANAGES.one_of[0]}\u202f»" in finding.message
    assert errors(exam) == [("champ_manquant", MANAGEMENT)]


def test_every_management_field_is_required_when_the_agent_manages_people(blanks, config, tmp_path):
    conditional = [f.key for f in CATALOGUE.fields if f.required_if == MANAGES]
    assert MANAGEMENT in conditional and len(conditional) > 1
    exam = check(config, filled(blanks, tmp_path, overrides={MANAGES.field: MANAGES.one_of[0]},
                                omit=tuple(conditional)))
    assert errors(exam) == [("champ_manquant", key) for key in conditional]


def test_promotion_appraisal_is_required_at_the_top_step(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path, overrides={TOP_STEP.field: TOP_STEP.one_of[0]},
                                omit=(PROMOTION,)))
    finding = one(exam, "champ_manquant", PROMOTION)
    assert f"«\u202f{CATALOGUE.field(TOP_STEP.field).label}\u202f»" in finding.message


def test_promotion_appraisal_is_not_required_below_the_top_step(blanks, config, tmp_path):
    below = next(c for c in CATALOGUE.field(TOP_STEP.field).choices if c not in TOP_STEP.one_of)
    exam = check(config, filled(blanks, tmp_path, overrides={TOP_STEP.field: below}, omit=(PROMOTION,)))
    assert exam.validation.findings == []


def test_a_criterion_outside_its_scale_is_an_invalid_choice(blanks, config, tmp_path):
    criterion = next(f for f in CATALOGUE.fields if f.kind == "choice" and f.required_if is None
                     and f.section == CATALOGUE.field(MANAGEMENT).section)
    exam = check(config, filled(blanks, tmp_path, overrides={criterion.key: "excellent"}))
    finding = one(exam, "choix_invalide", criterion.key)
    assert "«\u202fexcellent\u202f»" in finding.message


# -- stage detection ---------------------------------------------------------------------------------------


def test_visa_without_the_agents_acknowledgement_is_an_incomplete_stage_three_report(
        blanks, config, tmp_path):
    stage_two_own = tuple(f.key for f in CATALOGUE.fields if f.marks_stage == 2)
    assert cat.AGENT_ACK_DATE in stage_two_own
    exam = check(config, filled(blanks, tmp_path, stage=3, omit=stage_two_own))
    assert exam.validation.stage == 3
    finding = one(exam, "champ_manquant", cat.AGENT_ACK_DATE)
    assert "aurait dû être remplie avant" in finding.message
    assert CATALOGUE.stage(3).label in finding.message
    assert not exam.accepted


def test_stage_is_the_highest_stage_whose_own_field_is_filled(blanks, config, tmp_path):
    notification_only = tuple(f.key for f in CATALOGUE.fields if f.marks_stage in (2, 3))
    exam = check(config, filled(blanks, tmp_path, stage=4, omit=notification_only))
    assert exam.validation.stage == 4
    missing = {k for c, k in errors(exam) if c == "champ_manquant"}
    assert {cat.AGENT_ACK_DATE, cat.VISA_DATE} <= missing


def test_a_report_without_the_evaluators_signature_is_an_incomplete_stage_one_report(
        blanks, config, tmp_path):
    signature = tuple(f.key for f in CATALOGUE.fields if f.marks_stage == 1)
    exam = check(config, filled(blanks, tmp_path, omit=signature))
    assert exam.validation.stage == 1
    assert errors(exam) == [("champ_manquant", key) for key in signature]


def test_refusal_to_sign_replaces_the_agents_signature_at_notification(blanks, config, tmp_path):
    signature = next(f.key for f in CATALOGUE.fields
                     if f.required_if is not None and f.required_if.field == cat.REFUSED_TO_SIGN)
    exam = check(config, filled(blanks, tmp_path, stage=4, overrides={cat.REFUSED_TO_SIGN: True},
                                omit=(signature,)))
    assert exam.validation.stage == 4
    assert exam.validation.findings == []


@pytest.mark.parametrize("mode", cat.NOTIFICATION_MODES)
def test_a_refusal_to_sign_records_how_the_report_was_notified(blanks, config, tmp_path, mode):
    signature = next(f.key for f in CATALOGUE.fields
                     if f.required_if is not None and f.required_if.field == cat.REFUSED_TO_SIGN)
    exam = check(config, filled(blanks, tmp_path, stage=4, omit=(signature,),
                                overrides={cat.REFUSED_TO_SIGN: True, cat.NOTIFICATION_MODE: mode}))
    assert exam.validation.stage == 4 and exam.validation.findings == []
    assert exam.report.value(cat.NOTIFICATION_MODE) == mode


def test_a_refusal_to_sign_without_the_notification_mode_is_incomplete_and_says_which_field(blanks, config,
                                                                                            tmp_path):
    signature = next(f.key for f in CATALOGUE.fields
                     if f.required_if is not None and f.required_if.field == cat.REFUSED_TO_SIGN)
    exam = check(config, filled(blanks, tmp_path, stage=4, overrides={cat.REFUSED_TO_SIGN: True},
                                omit=(signature, cat.NOTIFICATION_MODE)))
    assert errors(exam) == [("champ_manquant", cat.NOTIFICATION_MODE)]
    (finding,) = [f for f in exam.validation.findings if f.field == cat.NOTIFICATION_MODE]
    assert "refus de signer" in finding.message.lower() or "refus" in finding.label.lower()


def test_a_signed_notification_needs_no_notification_mode(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path, stage=4, omit=(cat.NOTIFICATION_MODE,)))
    assert exam.validation.stage == 4 and exam.validation.findings == []


def test_notification_without_signature_nor_refusal_is_incomplete(blanks, config, tmp_path):
    signature = next(f.key for f in CATALOGUE.fields
                     if f.required_if is not None and f.required_if.field == cat.REFUSED_TO_SIGN)
    exam = check(config, filled(blanks, tmp_path, stage=4, omit=(signature,)))
    assert exam.validation.stage == 4
    assert errors(exam) == [("champ_manquant", signature)]


def test_an_unreadable_date_is_an_error_quoting_what_was_typed(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path,
                                overrides={cat.EVALUATOR_SIGNATURE_DATE: "le 31 du mois"}))
    finding = one(exam, "date_illisible", cat.EVALUATOR_SIGNATURE_DATE)
    assert "«\u202fle 31 du mois\u202f»" in finding.message and "JJ/MM/AAAA" in finding.message


# -- identity: roster and campaign ---------------------------------------------------------------------------


def test_agent_missing_from_the_roster_is_rejected(blanks, tmp_path):
    roster_without_paul = write_workspace(tmp_path / "ws", [LEA, ZOE])
    exam = check(roster_without_paul, filled(blanks, tmp_path, matricule="100002"))
    finding = one(exam, "agent_inconnu")
    assert finding.severity == ERROR and "100002" in finding.message
    assert not exam.accepted


def test_without_a_roster_any_agent_number_is_accepted(blanks, tmp_path):
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "config.yaml").write_text(
        yaml.safe_dump({"dossiers": {"modeles": str(TEMPLATES)}}), encoding="utf-8")
    no_roster = load_config(tmp_path / "ws" / "config.yaml")
    exam = examine(filled(blanks, tmp_path, matricule="100002"), no_roster,
                   agents=known_agents(no_roster), received=RECEIVED)
    assert exam.validation.findings == []


def test_report_of_another_campaign_is_rejected(blanks, tmp_path):
    next_year = write_workspace(tmp_path / "ws", AGENTS, campagne={"annee": 2027})
    exam = check(next_year, filled(blanks, tmp_path))
    finding = one(exam, "campagne_erronee")
    assert finding.severity == ERROR
    assert "2026" in finding.message and "2027" in finding.message


# -- what every finding carries ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def many_problems(blanks, config, tmp_path_factory) -> Examination:
    """One report with problems all over the form, dropped in an order unlike the form's."""
    folder = tmp_path_factory.mktemp("many")
    path = fill_report(
        blanks["100001"], folder / "cr.docx", CATALOGUE,
        overrides={TRAINING_NEEDS: [need(**{NEED_TYPE.key: "T4"}), need(**{OPINION.key: UNFAVOURABLE})],
                   cat.NEXT_OBJECTIVES: objectives(7),
                   cat.EVALUATOR_SIGNATURE_DATE: "2026-12-18",
                   cat.INVITATION_DATE: "10/12/2026"},
        omit=(CAREER, APPRAISAL, MANAGEMENT))
    return check(config, path)


def test_findings_come_in_the_order_of_the_form(many_problems):
    position = {f.key: n for n, f in enumerate(CATALOGUE.fields)}
    keyed = [f.field for f in many_problems.validation.findings if f.field is not None]
    assert keyed == sorted(keyed, key=position.__getitem__)
    assert {APPRAISAL, CAREER, TRAINING_NEEDS, cat.NEXT_OBJECTIVES} <= set(keyed)
    # findings about the document as a whole (here a deadline) come before the fields
    unkeyed = [n for n, f in enumerate(many_problems.validation.findings) if f.field is None]
    assert unkeyed == list(range(len(unkeyed)))


def test_each_finding_has_code_severity_label_and_a_french_sentence(many_problems):
    findings = many_problems.validation.findings
    assert len(findings) >= 6
    for finding in findings:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", finding.code), finding
        assert finding.severity in (ERROR, WARNING)
        if finding.field is not None:
            assert finding.label == CATALOGUE.field(finding.field).label
        sentence = finding.message
        assert not sentence[0].islower() and sentence.endswith("."), sentence
        assert re.search(r"\b(la|le|les|des|du|de|est|au|dans)\b", sentence), sentence  # French
        as_json = finding.as_json()
        assert {"code", "severity", "label", "message"} <= set(as_json)


def test_late_invitation_is_a_warning_beside_the_errors(many_problems):
    late = one(many_problems, "delai_depasse")
    assert late.severity == WARNING and "10/12/2026" in late.message


def test_errors_decide_acceptance_warnings_do_not(many_problems):
    validation = many_problems.validation
    assert validation.errors and validation.warnings
    assert not validation.accepted
    assert set(validation.findings) == set(validation.errors) | set(validation.warnings)


def test_a_report_nobody_filled_gets_one_finding_that_says_so(blanks, config):
    """GIVEN the pre-filled report sent back as it was WHEN it is checked THEN one finding says it
    was not filled, instead of one per empty field."""
    exam = check(config, blanks["100001"])
    assert errors(exam) == [("compte_rendu_vide", None)]
    assert "n'a pas été rempli" in exam.validation.errors[0].message


def test_a_report_with_one_answer_is_not_blank(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path, overrides={}, stage=1, omit=tuple(
        f.key for f in CATALOGUE.fields if f.key != "appreciation_generale" and not f.filled_by_generate)))
    assert "compte_rendu_vide" not in [code for code, _ in errors(exam)]


# -- the workflow's dates in order ------------------------------------------------------------------------

ORDER = CATALOGUE.date_order


@pytest.mark.parametrize(("earlier", "later"), list(zip(ORDER, ORDER[1:])), ids=lambda key: key)
def test_a_date_before_the_one_that_must_come_first_is_an_error_naming_both(blanks, config, tmp_path, earlier, later):
    """GIVEN a stage-4 report whose dates are in order but one, set the day before the date the
    workflow puts before it WHEN checked THEN one error names both dates and both days."""
    day = dt.date(2026, 12, 20)
    dates = {key: day + dt.timedelta(days=2 * i) for i, key in enumerate(ORDER)}
    dates[later] = dates[earlier] - dt.timedelta(days=1)
    exam = check(config, filled(blanks, tmp_path, stage=4, overrides=dates))
    (finding,) = [f for f in exam.validation.findings if f.code == "dates_incoherentes"]
    assert finding.severity == "erreur" and finding.field == later
    assert CATALOGUE.field(earlier).label in finding.message and CATALOGUE.field(later).label in finding.message
    assert format_date(dates[later]) in finding.message and format_date(dates[earlier]) in finding.message


def test_the_issues_example_dated_before_its_own_interview_is_rejected(blanks, config, tmp_path):
    dates = {cat.REVIEW_DATE: dt.date(2027, 1, 15), cat.EVALUATOR_SIGNATURE_DATE: dt.date(2027, 1, 10),
             cat.COMMUNICATION_DATE: dt.date(2027, 1, 5), cat.AGENT_ACK_DATE: dt.date(2027, 1, 2)}
    exam = check(config, filled(blanks, tmp_path, stage=2, overrides=dates))
    assert not exam.validation.accepted
    assert [f.field for f in exam.validation.findings if f.code == "dates_incoherentes"] == [
        cat.EVALUATOR_SIGNATURE_DATE, cat.COMMUNICATION_DATE, cat.AGENT_ACK_DATE]


def test_a_date_left_empty_is_skipped_and_the_next_compared_with_the_last_filled(blanks, config, tmp_path):
    dates = {cat.REVIEW_DATE: dt.date(2026, 12, 14), cat.EVALUATOR_SIGNATURE_DATE: dt.date(2026, 12, 18),
             cat.COMMUNICATION_DATE: dt.date(2026, 12, 16)}
    exam = check(config, filled(blanks, tmp_path, stage=2, overrides=dates, omit=(cat.AGENT_ACK_DATE,)))
    (finding,) = [f for f in exam.validation.findings if f.code == "dates_incoherentes"]
    assert finding.field == cat.COMMUNICATION_DATE


def test_dates_in_order_and_on_the_same_day_raise_nothing(blanks, config, tmp_path):
    day = dt.date(2026, 12, 18)
    dates = {key: day for key in ORDER[1:]}
    exam = check(config, filled(blanks, tmp_path, stage=4, overrides=dates))
    assert [f for f in exam.validation.findings if f.code == "dates_incoherentes"] == []


# -- no date after the day the file was received ------------------------------------------------------

# The dates a person writes of things done before the report reaches HR (the catalogue says which).
PAST_DATES = [f.key for f in CATALOGUE.fields if f.past_when_received]
APPEAL = {cat.REVISION_DECISION: cat.REVISED}  # HR's « Recours » part, filled with its dates


def workflow_dates(last: dt.date) -> dict[str, dt.date]:
    """Every date of the workflow in order, two days apart, the last one on ``last``."""
    return {key: last - dt.timedelta(days=2 * (len(ORDER) - 1 - i)) for i, key in enumerate(ORDER)}


def after_receipt(exam: Examination) -> list:
    return [f for f in exam.validation.findings if f.code == "date_posterieure_reception"]


def test_every_date_of_the_workflow_is_one_a_person_writes_after_the_fact():
    assert PAST_DATES == ORDER  # the invitation, pre-filled from the roster, included: sent before the review


@pytest.mark.parametrize("key", PAST_DATES)
def test_a_date_one_day_after_the_day_the_file_was_received_is_an_error_naming_the_field_and_the_date(
        blanks, config, tmp_path, key):
    """GIVEN a notified report, its appeal part filled, every date in order on or before the day it is
    received but one, the day after WHEN checked THEN one error names that field, its date and the day
    the file was received."""
    received = dt.date(2027, 1, 25)
    dates = workflow_dates(received) | {key: received + dt.timedelta(days=1)}
    exam = check(config, filled(blanks, tmp_path, stage=4, overrides=dates | APPEAL), received)
    (finding,) = after_receipt(exam)
    assert (finding.field, finding.severity, finding.label) == (key, ERROR, CATALOGUE.field(key).label)
    assert f"«\u202f{CATALOGUE.field(key).label}\u202f» (26/01/2027)" in finding.message
    assert "25/01/2027" in finding.message and not exam.validation.accepted


def test_the_next_year_typed_for_this_one_is_caught(blanks, config, tmp_path):
    """GIVEN a report signed « 18/12/2027 » for 18/12/2026, received on 4 January 2027 WHEN checked
    THEN it is rejected, the note saying the date is after the day it was received."""
    dates = {cat.REVIEW_DATE: dt.date(2026, 12, 14), cat.EVALUATOR_SIGNATURE_DATE: dt.date(2027, 12, 18)}
    exam = check(config, filled(blanks, tmp_path, overrides=dates), dt.date(2027, 1, 4))
    assert [(f.field, f.severity) for f in after_receipt(exam)] == [(cat.EVALUATOR_SIGNATURE_DATE, ERROR)]
    assert "18/12/2027" in after_receipt(exam)[0].message and "04/01/2027" in after_receipt(exam)[0].message
    assert errors(exam) == [("date_posterieure_reception", cat.EVALUATOR_SIGNATURE_DATE)]


def test_several_dates_after_the_day_received_each_have_their_error_in_the_order_of_the_form(
        blanks, config, tmp_path):
    received = dt.date(2026, 12, 20)
    dates = {cat.INVITATION_DATE: dt.date(2027, 12, 2), cat.REVIEW_DATE: dt.date(2027, 12, 14),
             cat.EVALUATOR_SIGNATURE_DATE: dt.date(2027, 12, 18)}
    exam = check(config, filled(blanks, tmp_path, overrides=dates), received)
    assert [f.field for f in after_receipt(exam)] == [cat.INVITATION_DATE, cat.REVIEW_DATE,
                                                      cat.EVALUATOR_SIGNATURE_DATE]


def test_every_date_on_the_day_the_file_is_received_is_fine(blanks, config, tmp_path):
    received = dt.date(2027, 1, 25)
    exam = check(config, filled(blanks, tmp_path, stage=4, overrides={key: received for key in ORDER} | APPEAL),
                 received)
    assert exam.validation.accepted, found(exam)
    assert after_receipt(exam) == []


def test_without_a_day_received_no_date_is_checked_against_it(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path, overrides={cat.EVALUATOR_SIGNATURE_DATE: dt.date(2099, 1, 1)}),
                 None)
    assert after_receipt(exam) == []


@pytest.mark.parametrize("service", sorted(cat.PUBLIC_SERVICES))
def test_each_public_services_catalogue_checks_the_same_dates(blanks, config, tmp_path, service):
    """GIVEN a report whose visa is dated after the day it was received WHEN validated with the
    catalogue of each public service THEN the error names the visa as that service words it."""
    from pipeline.validate import ValidationContext, validate

    catalogue = cat.for_public_service(cat.BASE, service)
    received = dt.date(2027, 1, 25)
    dates = workflow_dates(received) | {cat.VISA_DATE: dt.date(2028, 1, 20)}
    exam = check(config, filled(blanks, tmp_path, stage=4, overrides=dates), received)
    validation = validate(exam.report, catalogue, ValidationContext(campaign="2026", received=received))
    (finding,) = [f for f in validation.findings if f.code == "date_posterieure_reception"]
    assert finding.field == cat.VISA_DATE and f"«\u202f{catalogue.field(cat.VISA_DATE).label}\u202f»" in finding.message


def test_a_date_the_catalogue_does_not_mark_may_come_after_the_day_received(tmp_path, blanks):
    """GIVEN an administration whose config says the CAP referral date may be a planned one
    (``past_when_received: false``) WHEN a report gives a referral after the day received THEN no error:
    the rule is the catalogue's, not the code's."""
    config = write_workspace(tmp_path / "ws", AGENTS,
                             catalogue={"modifier": {cat.CAP_REFERRAL_DATE: {"past_when_received": False}}})
    received = dt.date(2027, 1, 25)
    dates = workflow_dates(received) | {cat.CAP_REFERRAL_DATE: dt.date(2027, 3, 1)}
    exam = check(config, filled(blanks, tmp_path, stage=4, overrides=dates | APPEAL), received)
    assert after_receipt(exam) == [] and exam.validation.accepted, found(exam)


# -- a first review, the CPF, the agent's two signatures ------------------------------------------------


def test_a_first_review_needs_no_objective_from_last_year(tmp_path):
    """GIVEN an agent marked « premier entretien » in the roster WHEN the report is generated
    and filled without last year's objectives THEN the box is ticked by generate, the results
    table left empty, and the report accepted; the same report without the box is rejected."""
    from tests.conftest import ROSTER_HEADER, agent, write_csv, write_workspace

    config = write_workspace(tmp_path / "ws", [])
    write_csv(tmp_path / "ws" / "agents.csv", [agent("100401", "Petit", "Noé", **{"premier entretien": "oui"})],
              header=[*ROSTER_HEADER, "premier entretien"])
    (blank,) = generate(config, today=TODAY).reports
    filled_ = fill_report(blank, tmp_path / "cr.docx", CATALOGUE, stage=1, omit=(cat.PREVIOUS_RESULTS,))
    exam = check(config, filled_)
    assert exam.report.values[cat.FIRST_REVIEW] is True and exam.report.tables[cat.PREVIOUS_RESULTS] == []
    assert exam.validation.accepted, found(exam)
    unticked = ReportForm(filled_, CATALOGUE).check(cat.FIRST_REVIEW, False).save(tmp_path / "sans case.docx")
    assert ("tableau_vide", cat.PREVIOUS_RESULTS) in errors(check(config, unticked))


def test_the_cpf_information_is_a_required_answer(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path, omit=(cat.CPF_INFORMATION,)))
    assert ("champ_manquant", cat.CPF_INFORMATION) in errors(exam)


def test_a_report_read_at_a_later_stage_says_which_answer_placed_it_there(blanks, config, tmp_path):
    """GIVEN a stage-2 report where the agent's notification signature was filled by mistake
    WHEN checked THEN it is read at stage 4 and every missing field says so, naming the field."""
    exam = check(config, filled(blanks, tmp_path, stage=2, overrides={"signature_agent": "Léa Martin"}))
    assert exam.validation.stage == 4
    missing = [f for f in exam.validation.errors if f.code == "champ_manquant"]
    assert missing and all("«\u202fSignature de l'agent à la notification (nom)\u202f» est remplie" in f.message
                           for f in missing if f.field in ("visa_autorite", "date_visa"))


def test_the_agents_two_signatures_are_two_fields(blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path, stage=2))
    assert exam.validation.stage == 2 and exam.validation.accepted, found(exam)
    assert exam.report.values["signature_agent_observations"] and not exam.report.values["signature_agent"]


# -- contradictions declared in the catalogue --------------------------------------------------------

CONTRADICTIONS = CATALOGUE.contradictions
MANAGES_FIELD = CATALOGUE.field(MANAGES.field)
MANAGED_COUNT = next(f for f in CATALOGUE.fields if f.required_if == MANAGES and f.kind == "number")
# HR's « Recours » dates, after a notification at stage 4 and before RECEIVED.
HR_DATES = {cat.REVISION_REQUEST_DATE: dt.date(2027, 1, 11), cat.REVISION_DECISION_DATE: dt.date(2027, 1, 18),
            cat.CAP_REFERRAL_DATE: dt.date(2027, 1, 25)}


def value_giving(answer: cat.Answer, *, negated: bool = False) -> object:
    """A value of ``answer``'s field that gives it (``negated``: that gives the field without it);
    ``None``: the field left empty."""
    f = CATALOGUE.field(answer.field)
    if negated and not (answer.one_of or answer.none_of):
        answer = cat.Answer(field=f.key, empty=not answer.empty)
    elif negated:  # the field answered otherwise
        answer = cat.Answer(field=f.key, one_of=answer.none_of, none_of=answer.one_of)
    if answer.empty:
        return False if f.kind == "bool" else None
    if f.kind == "bool":
        return True
    if f.kind == "table":
        return [need()] if f.key == TRAINING_NEEDS else [
            {c.key: (c.choices[0] if c.choices else f"{c.label} 1") for c in f.columns if c.required_if is None}]
    if answer.one_of:
        return answer.one_of[0]
    avoid = set(answer.none_of or [])
    if f.kind == "choice":
        return next(c for c in f.choices if c not in avoid)
    if f.kind == "number":
        return next(n for n in ("4", "3") if n not in avoid)
    if f.kind == "date":
        return HR_DATES.get(f.key, dt.date(2027, 1, 11))
    return f"{f.label} : réponse écrite."


def giving(*pairs: tuple[cat.Answer, object]) -> dict:
    """``fill_report`` arguments for a notified report whose fields hold these values."""
    overrides, omit = {}, []
    for answer, value in pairs:
        if value is None:
            omit.append(answer.field)
        else:
            overrides[answer.field] = value
    if overrides.get(cat.REFUSED_TO_SIGN) is True:  # a refusal says how the report was notified
        overrides.setdefault(cat.NOTIFICATION_MODE, cat.NOTIFICATION_MODES[0])
    return {"stage": 4, "overrides": overrides, "omit": tuple(omit)}


def about(exam: Examination, rule: cat.Contradiction) -> list:
    """The contradiction findings naming both fields of ``rule`` as the form prints them."""
    labels = [f"«\u202f{CATALOGUE.field(a.field).label}\u202f»" for a in rule.answers]
    return [f for f in exam.validation.findings
            if f.code == "reponses_contradictoires" and all(label in f.message for label in labels)]


def test_the_catalogue_declares_the_contradictions_of_the_form():
    """Each pair that cannot both be true, with its severity: the rules the README's « Adapting the form »
    explains."""
    declared = {(*(a.field for a in rule.answers), rule.severity) for rule in CONTRADICTIONS}
    assert {(MANAGES_FIELD.key, MANAGED_COUNT.key, ERROR), (cat.REFUSED_TO_SIGN, "signature_agent", ERROR),
            (cat.NO_TRAINING_NEED, TRAINING_NEEDS, WARNING), (cat.FIRST_REVIEW, cat.PREVIOUS_RESULTS, WARNING),
            (cat.REVISION_DECISION, cat.REVISION_REQUEST_DATE, WARNING)} <= declared


@pytest.mark.parametrize("rule", CONTRADICTIONS, ids=lambda rule: rule.key)
def test_a_report_giving_both_answers_of_a_declared_contradiction_gets_one_finding_naming_both_fields(
        blanks, config, tmp_path, rule):
    """GIVEN a notified report holding both answers of a contradiction the catalogue declares WHEN
    checked THEN one finding names both fields as the form prints them and what to correct, with the
    rule's severity, on the later field of the two; an error turns the report away."""
    exam = check(config, filled(blanks, tmp_path, **giving(*((a, value_giving(a)) for a in rule.answers))))
    (finding,) = about(exam, rule)
    later = max((CATALOGUE.field(a.field) for a in rule.answers), key=lambda f: CATALOGUE.position(f.key))
    assert (finding.severity, finding.field, finding.label) == (rule.severity, later.key, later.label)
    assert "se contredisent" in finding.message and "Rectifiez celle qui est fausse" in finding.message
    if rule.severity == ERROR:
        assert not exam.validation.accepted


@pytest.mark.parametrize("rule", CONTRADICTIONS, ids=lambda rule: rule.key)
def test_a_report_giving_one_answer_of_a_declared_contradiction_and_not_the_other_is_not_contradictory(
        blanks, config, tmp_path, rule):
    first, second = rule.answers
    exam = check(config, filled(blanks, tmp_path, **giving((first, value_giving(first)),
                                                            (second, value_giving(second, negated=True)))))
    assert about(exam, rule) == []


def test_an_agent_managing_nobody_with_four_agents_managed_is_rejected_naming_both_answers(
        blanks, config, tmp_path):
    """Issue 25, item 11: « L'agent encadre-t-il des agents ? : non » with « Nombre d'agents encadrés : 4 »
    was accepted silently."""
    exam = check(config, filled(blanks, tmp_path, overrides={MANAGES_FIELD.key: "non", MANAGED_COUNT.key: "4"}))
    assert errors(exam) == [("reponses_contradictoires", MANAGED_COUNT.key)]
    assert exam.validation.errors[0].message == (
        f"La réponse à «\u202f{MANAGES_FIELD.label}\u202f» est «\u202fnon\u202f» alors que la réponse à "
        f"«\u202f{MANAGED_COUNT.label}\u202f» est «\u202f4\u202f» : ces deux réponses se contredisent. Rectifiez "
        f"celle qui est fausse : corrigez «\u202f{MANAGES_FIELD.label}\u202f», ou corrigez «\u202f{MANAGED_COUNT.label}\u202f».")
    zero = check(config, filled(blanks, tmp_path, name="zero.docx",
                                overrides={MANAGES_FIELD.key: "Non", MANAGED_COUNT.key: "0"}))
    assert zero.validation.findings == []


def test_a_refusal_to_sign_ticked_beside_the_agents_signature_says_to_untick_it_or_erase_the_name(
        blanks, config, tmp_path):
    exam = check(config, filled(blanks, tmp_path, stage=4, overrides={
        cat.REFUSED_TO_SIGN: True, cat.NOTIFICATION_MODE: cat.NOTIFICATION_MODES[1], "signature_agent": "Léa Martin"}))
    (finding,) = exam.validation.errors
    refusal, signature = (CATALOGUE.field(key).label for key in (cat.REFUSED_TO_SIGN, "signature_agent"))
    assert finding.code == "reponses_contradictoires"
    assert f"décochez «\u202f{refusal}\u202f», ou effacez «\u202f{signature}\u202f»" in finding.message


def test_a_contradiction_adapted_in_config_keeps_the_form_and_changes_what_is_said(blanks, config, tmp_path):
    """GIVEN config.yaml's « catalogue: contradictions » making a rule a warning, removing another and adding
    one with its own advice WHEN a report giving each is checked THEN each finding follows the config."""
    from pipeline.validate import ValidationContext, validate

    adapted = cat.apply_overrides(CATALOGUE, {"contradictions": {
        "modifier": {"non_encadrant_avec_agents_encadres": {"severity": WARNING}},
        "retirer": ["refus_de_signer_et_signature_de_l_agent"],
        "ajouter": [{"key": "mobilite_sans_perspectives", "severity": ERROR,
                     "advice": "Décrivez le projet de mobilité dans les perspectives.",
                     "answers": [{"field": "perspectives_mobilite", "none_of": ["aucun"]},
                                 {"field": CAREER, "one_of": ["néant"]}]}]}})
    assert adapted.version() == CATALOGUE.version()
    exam = check(config, filled(blanks, tmp_path, stage=4, overrides={
        MANAGES_FIELD.key: "non", MANAGED_COUNT.key: "4", cat.REFUSED_TO_SIGN: True,
        cat.NOTIFICATION_MODE: cat.NOTIFICATION_MODES[0], "signature_agent": "Léa Martin",
        "perspectives_mobilite": "Mutation souhaitée en 2028.", CAREER: "Néant"}))
    validation = validate(exam.report, adapted, ValidationContext(campaign="2026", received=RECEIVED))
    said = [(f.field, f.severity) for f in validation.findings if f.code == "reponses_contradictoires"]
    assert said == [(MANAGED_COUNT.key, WARNING), ("perspectives_mobilite", ERROR)]
    (added,) = [f for f in validation.findings if f.field == "perspectives_mobilite"]
    assert added.message.endswith("se contredisent. Décrivez le projet de mobilité dans les perspectives.")
