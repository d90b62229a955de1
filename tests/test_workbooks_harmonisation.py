"""Equal treatment (pipeline/workbooks/harmonisation.py): levels per evaluator and per
service against the rest of the campaign, and access to training per category and sex.

The statistics are checked on appraisal facts as the journal gives them; the sheets
themselves on the real workspace of tests/test_workbooks.py (reports generated, filled,
processed, the workbook rebuilt and opened with openpyxl).
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.catalogue import CRITERIA_SCALE, DEFAULT, OBJECTIVE_SCALE
from pipeline.roster import MAN, WOMAN
from pipeline.workbooks.harmonisation import (MARKED, MIN_REPORTS, NOT_COMPUTABLE, NOT_MARKED, results_title,
                                              TOO_FEW, AppraisalFacts, distributions, training_access)

CRITERION = DEFAULT.criteria_fields[0]
ACQUIRE, DEVELOP, MASTERY, EXPERT = CRITERIA_SCALE


def fact(evaluator: str, level: str, *, service: str = "Accueil", category: str = "B", sex: str = "",
         needs: int = 0, results: tuple[str, ...] = ()) -> AppraisalFacts:
    return AppraisalFacts(evaluator=evaluator, service=service, category=category, sex=sex,
                          levels={CRITERION.key: level}, results=results, needs=needs)


def team(evaluator: str, levels: dict[str, int], **kw) -> list[AppraisalFacts]:
    return [fact(evaluator, level, **kw) for level, count in levels.items() for _ in range(count)]


def rows_of(facts: list[AppraisalFacts], title: str = CRITERION.label) -> dict[tuple[str, str], dict]:
    (table,) = [d for d in distributions(facts, DEFAULT) if d.title == title]
    return {(r["group"], r["name"]): r for r in table.frame.to_dict("records")}


CAMPAIGN = [
    *team("Sophie Durand", {MASTERY: 8, EXPERT: 4, DEVELOP: 2}, service="Urgences"),
    *team("Paul Girard", {MASTERY: 7, EXPERT: 5, DEVELOP: 2}, service="Pharmacie"),
    *team("Claire Fontaine", {ACQUIRE: 11, DEVELOP: 1}, service="Accueil"),  # harsher than the rest
    *team("Marc Lemoine", {ACQUIRE: 4, DEVELOP: 1}, service="Accueil"),  # harsh, but a team of five
]


def test_an_evaluator_whose_levels_differ_markedly_is_flagged_by_the_chi_square_test():
    rows = rows_of(CAMPAIGN)
    harsh = rows[("Évaluateur", "Claire Fontaine")]
    assert harsh["verdict"] == MARKED and harsh["p_value"] < 0.01
    assert harsh[f"level.{ACQUIRE}"] == pytest.approx(91.7) and harsh["reports"] == 12


def test_evaluators_like_the_rest_of_the_campaign_are_not_flagged():
    rows = rows_of(CAMPAIGN)
    for name in ("Sophie Durand", "Paul Girard"):
        assert rows[("Évaluateur", name)]["verdict"] == NOT_MARKED, name
        assert rows[("Évaluateur", name)]["p_value"] >= 0.01


@pytest.mark.parametrize("size", [1, 5, MIN_REPORTS - 1])
def test_a_small_team_is_never_flagged_however_far_its_levels_are(size):
    facts = [*team("Sophie Durand", {MASTERY: 30}), *team("Petite Équipe", {ACQUIRE: size})]
    row = rows_of(facts)[("Évaluateur", "Petite Équipe")]
    assert row["verdict"] == TOO_FEW and pd.isna(row["p_value"])
    assert row[f"level.{ACQUIRE}"] == 100


def test_the_campaign_row_gives_the_reference_distribution_and_services_are_compared_too():
    rows = rows_of(CAMPAIGN)
    campaign = rows[("Campagne", "Toute la campagne")]
    assert campaign["reports"] == len(CAMPAIGN)
    assert sum(campaign[f"level.{level}"] for level in CRITERIA_SCALE) == pytest.approx(100, abs=0.2)
    assert campaign["verdict"] == "" and pd.isna(campaign["p_value"])
    # « Accueil » gathers both harsh evaluators (17 reports): flagged as a service.
    assert rows[("Service", "Accueil")]["verdict"] == MARKED


def test_a_campaign_using_one_level_only_cannot_be_tested():
    rows = rows_of([*team("A", {MASTERY: 12}), *team("B", {MASTERY: 12})])
    assert {rows[("Évaluateur", n)]["verdict"] for n in "AB"} == {NOT_COMPUTABLE}


def test_the_attainment_of_objectives_is_counted_per_objective():
    facts = [fact("A", MASTERY, results=(OBJECTIVE_SCALE[0], OBJECTIVE_SCALE[1])),
             fact("B", MASTERY, results=(OBJECTIVE_SCALE[0],))]
    rows = rows_of(facts, results_title(DEFAULT))
    assert rows[("Campagne", "Toute la campagne")]["reports"] == 2
    assert rows[("Évaluateur", "A")][f"level.{OBJECTIVE_SCALE[0]}"] == 50


def test_access_to_training_per_category_and_sex():
    facts = [fact("A", MASTERY, category="A", sex=WOMAN, needs=2), fact("A", MASTERY, category="A", sex=MAN),
             fact("A", MASTERY, category="C", sex=WOMAN, needs=1), fact("A", MASTERY, category="", needs=3)]
    rows = {(r["group"], r["name"]): r for r in training_access(facts).to_dict("records")}
    assert rows[("Campagne", "Toute la campagne")] | {} == {
        "group": "Campagne", "name": "Toute la campagne", "agents": 4, "with_need": 3, "share": 75.0,
        "needs": 6, "per_agent": 1.5}
    assert (rows[("Catégorie", "A")]["agents"], rows[("Catégorie", "A")]["share"]) == (2, 50.0)
    assert rows[("Catégorie", "(non renseigné)")]["needs"] == 3
    assert (rows[("Sexe", "Femmes")]["agents"], rows[("Sexe", "Femmes")]["per_agent"]) == (2, 1.5)
    assert rows[("Sexe", "Hommes")]["with_need"] == 0 and rows[("Sexe", "(non renseigné)")]["agents"] == 1


def test_without_any_sex_in_the_roster_there_are_no_rows_per_sex():
    groups = set(training_access([fact("A", MASTERY), fact("B", MASTERY)])["group"])
    assert groups == {"Campagne", "Catégorie"}
