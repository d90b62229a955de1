"""Costs of the training plan (pipeline/workbooks/costs.py): a training catalogue named in
config.yaml (``catalogue_formations``) prices the grouped titles of the plan.

One real workspace for the module, as tests/test_workbooks.py builds it: a roster, reports
generated, filled (pipeline.filling) and processed by the real pass; then the workbooks rebuilt
with catalogues of several kinds (each in an outbox of its own, the journal shared) and opened
with openpyxl and pandas.
"""

from __future__ import annotations

import logging
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from pipeline import catalogue as cat
from pipeline.config import Config, load_config
from pipeline.filling import fill_report
from pipeline.generate import generate
from pipeline.process import process_inbox
from pipeline.workbooks import rebuild_workbooks
from pipeline.workbooks.costs import (MATCH_SIMILARITY, CostCatalogueError, Training, load_training_catalogue,
                                      match_titles, parse_number)
from pipeline.workbooks.titles import title_key
from tests.conftest import RECEIVED, TEMPLATES, settle
from tests.test_workbooks import (CATALOGUE, GENERATED, INES, KIND, LEA, PAUL, SERVICE, T1, T2, T3, TODAY,
                                  need, write_workspace)

REQUESTS = {  # agent number -> training needs; all three reports are accepted
    "100001": [need("Excel perfectionnement"), need("Gestion du stress", "T2"),
               need("Anglais niveau 2", "T3")],
    "100002": [need("excel - PERFECTIONNEMENT"), need("Gestion du stréss", "T2", opinion="défavorable",
                    reason="Formation déjà suivie en 2025"),
               need("Hygiène des mains")],
    "100005": [need("Perfectionnement Excel", "T2"), need("Gestes et postures"),
               need("Hygiene des mains", "T3")],
}
ROWS = sum(len(v) for v in REQUESTS.values())
HEADER = ["Intitulé", "Organisme de formation", "Durée", "Coût unitaire"]
TRAININGS = [  # as the catalogue writes them: another word order, case, a typo
    ("Perfectionnement Excel", "CNFPT", "2,5", "1 200,50 €"),
    ("Gestion du STRESS", "ANFH", "1", "350"),
    ("Gestes et posture", "Prévention Santé", "0,5", "90,00"),
    ("Anglais niveau 1", "Lingua", "5", "800"),
    ("Management d'équipe", "ANFH", "3", "900"),
]
# What the plan should say: grouped title -> (requests, cost per person, days).
PRICED = {"Excel": (3, 1200.5, 2.5), "Gestion du stress": (2, 350.0, 1.0), "Gestes et postures": (1, 90.0, 0.5)}
UNPRICED = {"Hygiène des mains": 2, "Anglais niveau 2": 1}
COST_SHEETS = ["Coûts par intitulé", "Coûts par service", "Coûts par type", "Intitulés sans tarif"]

PER_TITLE = ["Intitulé regroupé", "Intitulé du catalogue", "Organisme", "Durée (jours)",
             "Coût par personne (€)", "Demandes (besoins validés)", "Coût estimé (€)",
             "Jours de formation estimés"]


def write_catalogue_csv(path: Path, rows, *, header=HEADER, encoding="cp1252", sep=";") -> Path:
    lines = ["Catalogue des formations 2027", "", sep.join(header), *(sep.join(r) for r in rows)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding=encoding)
    return path


def write_catalogue_xlsx(path: Path, rows) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Formation", "Prestataire", "Nombre de jours", "Prix"])
    for title, provider, days, cost in rows:
        sheet.append([title, provider, parse_number(days), parse_number(cost)])
    book.save(path)
    return path


def variant(base: Path, name: str, catalogue: str | None) -> Config:
    """The module's workspace (same journal, same roster) with its own outbox and catalogue."""
    data = {"liste_agents": "agents.csv", "dossiers": {"modeles": str(TEMPLATES), "sortie": f"outbox_{name}"}}
    if catalogue is not None:
        data["catalogue_formations"] = catalogue
    path = base / f"config_{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(path)


def rebuild(config: Config) -> Path:
    plan, *_ = rebuild_workbooks(config, today=TODAY)
    return plan


def sheet(plan: Path, name: str) -> pd.DataFrame:
    return pd.read_excel(plan, sheet_name=name)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("costs")
    config = write_workspace(base, [LEA, PAUL, INES])
    blanks = {p.name.split("_")[1]: p for p in generate(config, today=GENERATED).reports}
    config.inbox.mkdir(parents=True, exist_ok=True)
    for number, needs in REQUESTS.items():
        fill_report(blanks[number], config.inbox / f"CR {number}.docx", CATALOGUE, stage=1,
                    overrides={cat.TRAINING_NEEDS: needs})
    settle(config.inbox)
    assert {o.outcome for o in process_inbox(config, outputs=False, received_on=RECEIVED).handled} == {"accepted"}
    write_catalogue_csv(base / "catalogue.csv", TRAININGS)
    write_catalogue_xlsx(base / "catalogue.xlsx", TRAININGS)
    return base


@pytest.fixture(scope="module")
def plan(workspace) -> Path:
    return rebuild(variant(workspace, "csv", "catalogue.csv"))


def grouped(plan: Path) -> dict[str, str]:
    """Short name (a key of PRICED / UNPRICED) -> the grouped title the plan shows."""
    titles = set(sheet(plan, "Besoins")["Intitulé regroupé"])
    names = {}
    for short in [*PRICED, *UNPRICED]:
        (names[short],) = [t for t in titles if set(title_key(short).split()) <= set(title_key(t).split())]
    return names


# -- reading --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("1 200,50 €", 1200.5), ("2,5", 2.5), ("1.200,50", 1200.5), ("1\u202f200\u00a0€", 1200.0),
    ("350", 350.0), ("3 jours", 3.0), (" ", None), (None, None), (90, 90.0), (2.5, 2.5)])
def test_french_numbers_are_read(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["gratuit", "-5", "12,5,3", "1 200 € HT TTC"])
def test_a_text_that_is_no_amount_is_refused(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_csv_and_xlsx_catalogues_give_the_same_trainings(workspace):
    for name in ("catalogue.csv", "catalogue.xlsx"):
        read = load_training_catalogue(workspace / name)
        assert read.problems == []
        assert [(t.title, t.provider, t.days, t.cost) for t in read.trainings] == [
            (title, provider, parse_number(days), parse_number(cost)) for title, provider, days, cost in TRAININGS]
    assert load_training_catalogue(workspace / "catalogue.csv").trainings[0].line == 4  # below a title line


def test_a_utf8_comma_separated_catalogue_is_read_too(tmp_path):
    path = write_catalogue_csv(tmp_path / "c.csv", [("Hygiène des mains", "CHU", "0.5", "45.5")],
                               header=["libellé", "prestataire", "jours", "tarif"], encoding="utf-8-sig", sep=",")
    (training,) = load_training_catalogue(path).trainings
    assert (training.title, training.provider, training.days, training.cost) == (
        "Hygiène des mains", "CHU", 0.5, 45.5)


# -- matching -------------------------------------------------------------------------------------


CATALOGUE_TRAININGS = [Training("Excel perfectionnement", "", 2, 300, 2), Training("Gestion du stress", "", 1, 250, 3),
                       Training("Anglais niveau 1", "", 5, 800, 4), Training("Gestes et postures", "", 1, 90, 5)]


@pytest.mark.parametrize("title, expected", [
    ("EXCEL PERFECTIONNEMENT", "Excel perfectionnement"),  # case
    ("Perfectionnement Excel", "Excel perfectionnement"),  # word order
    ("excel - perfectionnement", "Excel perfectionnement"),  # punctuation
    ("Excel perfectionement", "Excel perfectionnement"),  # a typo
    ("Excell perfectionnement", "Excel perfectionnement"),
    ("Gestion du stréss", "Gestion du stress"),  # an accent
    ("gestion du strees", "Gestion du stress"),
    ("Formation gestes et posture", "Gestes et postures"),  # a filler word, a letter missing
])
def test_similar_titles_match_the_catalogue(title, expected):
    assert match_titles([title], CATALOGUE_TRAININGS)[title].title == expected


@pytest.mark.parametrize("title", ["Anglais niveau 2", "Word avancé", "Gestion de projet", ""])
def test_other_trainings_and_levels_do_not_match(title):
    assert match_titles([title], CATALOGUE_TRAININGS) == {}
    assert 0 < MATCH_SIMILARITY <= 100


# -- the plan's cost sheets -----------------------------------------------------------------------


def test_the_cost_sheets_follow_the_plan_summaries_before_the_chart(plan):
    names = openpyxl.load_workbook(plan).sheetnames
    assert names[-5:] == [*COST_SHEETS, "Graphique"]
    assert names[:2] == ["Besoins", "Par type et intitulé"]


def test_cost_per_title_is_requests_times_the_catalogue_price(plan):
    frame = sheet(plan, "Coûts par intitulé")
    assert frame.columns.tolist() == PER_TITLE
    names = grouped(plan)
    rows = frame[frame["Intitulé regroupé"] != "Total"].set_index("Intitulé regroupé")
    assert set(rows.index) == {names[short] for short in PRICED}
    for short, (requests, cost, days) in PRICED.items():
        row = rows.loc[names[short]]
        assert row["Demandes (besoins validés)"] == requests
        assert row["Coût par personne (€)"] == cost and row["Durée (jours)"] == days
        assert row["Coût estimé (€)"] == pytest.approx(requests * cost)
        assert row["Jours de formation estimés"] == pytest.approx(requests * days)
    assert rows.loc[names["Excel"], "Intitulé du catalogue"] == "Perfectionnement Excel"
    assert rows.loc[names["Excel"], "Organisme"] == "CNFPT"
    assert rows.loc[names["Gestes et postures"], "Intitulé du catalogue"] == "Gestes et posture"
    assert rows["Coût estimé (€)"].tolist() == sorted(rows["Coût estimé (€)"], reverse=True)


def test_money_and_days_are_numbers_and_the_total_row_sums_only_what_adds_up(plan):
    ws = openpyxl.load_workbook(plan)["Coûts par intitulé"]
    values = openpyxl.load_workbook(plan, data_only=True)["Coûts par intitulé"]
    last = ws.max_row
    assert ws.cell(last, 1).value == "Total"
    assert [ws.cell(last, c).value for c in (4, 5)] == [None, None]  # a price per person is not summed
    for column in (6, 7, 8):
        assert ws.cell(last, column).value.startswith("=SUBTOTAL(109,")
    cached = [values.cell(last, c).value for c in (6, 7, 8)]
    assert cached == pytest.approx([sum(r for r, _, _ in PRICED.values()),
                                    sum(r * c for r, c, _ in PRICED.values()),
                                    sum(r * d for r, _, d in PRICED.values())])
    for row in ws.iter_rows(min_row=2, max_row=last - 1):
        assert all(isinstance(cell.value, (int, float)) for cell in row[3:])
    formulas = [c.coordinate for s in openpyxl.load_workbook(plan) if s.title in COST_SHEETS
                for row in s.iter_rows(max_row=s.max_row - 1) for c in row if str(c.value).startswith("=")]
    assert formulas == []


def test_unmatched_titles_are_listed_with_their_requests(plan):
    frame = sheet(plan, "Intitulés sans tarif")
    names = grouped(plan)
    rows = frame[frame["Intitulé regroupé"] != "Total"]
    assert dict(zip(rows["Intitulé regroupé"], rows["Demandes (besoins validés)"])) == {
        names[short]: n for short, n in UNPRICED.items()}
    assert frame["Demandes (besoins validés)"].iloc[-1] == sum(UNPRICED.values())


def expected_by(plan: Path, key: str) -> pd.DataFrame:
    """Requests, priced requests, cost and days per value of ``key``, from the «\u202fBesoins\u202f» rows."""
    needs = sheet(plan, "Besoins")
    names = grouped(plan)
    price = {names[short]: (cost, days) for short, (_, cost, days) in PRICED.items()}
    needs["priced"] = needs["Intitulé regroupé"].isin(price).astype(int)
    needs["cost"] = needs["Intitulé regroupé"].map(lambda t: price.get(t, (0, 0))[0])
    needs["days"] = needs["Intitulé regroupé"].map(lambda t: price.get(t, (0, 0))[1])
    return needs.groupby(key).agg(requests=("priced", "size"), priced=("priced", "sum"), cost=("cost", "sum"),
                                  days=("days", "sum"))


@pytest.mark.parametrize("name, key", [("Coûts par service", SERVICE), ("Coûts par type", KIND.label)])
def test_costs_per_service_and_per_type_add_up_to_the_needs(plan, name, key):
    frame = sheet(plan, name)
    assert frame.columns.tolist() == [key, "Demandes (besoins validés)", "Demandes chiffrées", "Coût estimé (€)",
                                      "Jours de formation estimés"]
    rows = frame[frame[key] != "Total"].set_index(key)
    expected = expected_by(plan, KIND.label if key == KIND.label else SERVICE)
    if key == KIND.label:
        expected.index = expected.index.map({"T1": T1, "T2": T2, "T3": T3})
        assert rows.index.tolist() == [T1, T2, T3]  # the choice list's order
    assert sorted(rows.index) == sorted(expected.index)
    for value, row in rows.iterrows():
        assert row.tolist() == pytest.approx(expected.loc[value].tolist()), value
    total = frame.iloc[-1]
    assert total[key] == "Total" and total["Demandes (besoins validés)"] == ROWS
    assert total["Coût estimé (€)"] == pytest.approx(sum(r * c for r, c, _ in PRICED.values()))


def test_a_defavourable_opinion_is_still_counted(plan):
    needs = sheet(plan, "Besoins")
    assert (needs["Avis de l'évaluateur"] == "défavorable").sum() == 1
    rows = sheet(plan, "Coûts par intitulé").set_index("Intitulé regroupé")
    assert rows.loc[grouped(plan)["Gestion du stress"], "Demandes (besoins validés)"] == 2


def test_an_xlsx_catalogue_gives_the_same_costs(workspace, plan):
    other = rebuild(variant(workspace, "xlsx", "catalogue.xlsx"))
    for name in COST_SHEETS:
        pd.testing.assert_frame_equal(sheet(other, name), sheet(plan, name))


def test_without_a_catalogue_the_plan_has_no_cost_sheet(workspace, caplog):
    with caplog.at_level(logging.WARNING, logger="entretiens"):
        plain = rebuild(variant(workspace, "none", None))
    assert not set(COST_SHEETS) & set(openpyxl.load_workbook(plain).sheetnames)
    assert "catalogue des formations" not in caplog.text.lower()


def test_an_empty_journal_with_a_catalogue_gives_empty_cost_sheets(workspace, tmp_path):
    config = write_workspace(tmp_path / "ws", [LEA], catalogue_formations=str(workspace / "catalogue.csv"))
    plan = rebuild(config)
    assert openpyxl.load_workbook(plan).sheetnames[-5:] == [*COST_SHEETS, "Graphique"]
    for name in COST_SHEETS:
        assert sheet(plan, name).iloc[:, 0].dropna().tolist() == ["Total"], name  # a blank row, the total


# -- a catalogue that cannot be used --------------------------------------------------------------


def broken(workspace: Path, name: str, caplog, catalogue: str) -> tuple[list[str], str]:
    with caplog.at_level(logging.WARNING, logger="entretiens"):
        path = rebuild(variant(workspace, name, catalogue))
    warnings = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    return openpyxl.load_workbook(path).sheetnames, warnings


def test_a_missing_catalogue_file_leaves_the_plan_written_without_costs_and_says_so(workspace, caplog):
    names, warning = broken(workspace, "missing", caplog, "introuvable.xlsx")
    assert "Besoins" in names and not set(COST_SHEETS) & set(names)
    assert "Catalogue des formations introuvable" in warning and "introuvable.xlsx" in warning
    assert "catalogue_formations" in warning and "sans les feuilles de coûts" in warning


def test_a_catalogue_without_a_cost_column_is_named_in_the_warning(workspace, caplog):
    write_catalogue_csv(workspace / "sans_cout.csv", [r[:3] for r in TRAININGS], header=HEADER[:3])
    names, warning = broken(workspace, "nocost", caplog, "sans_cout.csv")
    assert "Besoins" in names and not set(COST_SHEETS) & set(names)
    assert "n'a pas de colonne «\u202fcoût par personne\u202f»" in warning
    assert "Intitulé, Organisme de formation, Durée" in warning  # the columns found


def test_a_damaged_catalogue_file_is_reported_not_raised(workspace, caplog):
    (workspace / "abime.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    names, warning = broken(workspace, "damaged", caplog, "abime.xlsx")
    assert "Besoins" in names and not set(COST_SHEETS) & set(names)
    assert "ne peut pas être lu" in warning


def test_lines_with_an_unreadable_cost_are_reported_and_left_out(workspace, caplog):
    rows = [TRAININGS[0], ("Gestion du stress", "ANFH", "1", "sur devis"), ("Gestes et posture", "X", "1/2", "90"),
            ("Hygiène des mains", "CHU", "1", "")]
    write_catalogue_csv(workspace / "illisible.csv", rows)
    names, warning = broken(workspace, "unreadable", caplog, "illisible.csv")
    assert names[-5:] == [*COST_SHEETS, "Graphique"]
    assert ("ligne 5 («\u202fGestion du stress\u202f») : coût par personne illisible "
            "(«\u202fsur devis\u202f»)") in warning
    assert "ligne 6 («\u202fGestes et posture\u202f») : durée illisible" in warning
    assert "ligne 7 («\u202fHygiène des mains\u202f») : coût par personne manquant" in warning
    plan = workspace / "outbox_unreadable" / "plan_de_formation.xlsx"
    priced = sheet(plan, "Coûts par intitulé")
    assert grouped(plan)["Gestion du stress"] not in set(priced["Intitulé regroupé"])
    gestures = priced.set_index("Intitulé regroupé").loc[grouped(plan)["Gestes et postures"]]
    assert gestures["Coût estimé (€)"] == 90 and pd.isna(gestures["Jours de formation estimés"])
    unpriced = set(sheet(plan, "Intitulés sans tarif")["Intitulé regroupé"])
    assert grouped(plan)["Gestion du stress"] in unpriced


def test_a_catalogue_without_any_price_raises_a_french_error(tmp_path):
    path = write_catalogue_csv(tmp_path / "c.csv", [("Excel", "X", "1", "gratuit")])
    with pytest.raises(CostCatalogueError, match="aucune formation avec un coût lisible"):
        load_training_catalogue(path)


def test_the_config_key_is_resolved_against_the_config_folder(tmp_path):
    (tmp_path / "config.yaml").write_text("catalogue_formations: listes/formations.xlsx\n", encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    assert config.training_catalogue_path == tmp_path.resolve() / "listes" / "formations.xlsx"
    assert load_config_none(tmp_path).training_catalogue_path is None


def load_config_none(base: Path) -> Config:
    (base / "vide.yaml").write_text("objectifs_max: 5\n", encoding="utf-8")
    return load_config(base / "vide.yaml")


def test_the_readme_lists_the_catalogue_columns_the_reader_accepts():
    from pipeline.workbooks.costs import COLUMN_NAMES, REQUIRED
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for key, (name, *others) in COLUMN_NAMES.items():
        line = f"| {name} | {', '.join(others)} | {'yes' if key in REQUIRED else 'no'} |"
        assert line in readme, line
    assert f"ratio of at least {MATCH_SIMILARITY}" in readme


def test_an_unexpected_failure_reading_the_catalogue_still_leaves_the_plan_written(workspace, caplog, monkeypatch):
    import pipeline.workbooks as workbooks

    def fails(path):
        raise MemoryError

    monkeypatch.setattr(workbooks, "load_training_catalogue", fails)
    names, warning = broken(workspace, "unexpected", caplog, "catalogue.csv")
    assert "Besoins" in names and not set(COST_SHEETS) & set(names)
    assert "«\u202fcatalogue.csv\u202f» ne peut pas être lu (MemoryError)" in warning


@pytest.mark.libreoffice
def test_the_cost_sheets_compute_in_libreoffice_calc_and_their_totals_add_up(plan, convert):
    """GIVEN the plan with its cost sheets WHEN LibreOffice Calc recalculates it THEN no cell holds
    an error value and every total (requests, estimated cost and days) is the sum of its rows."""
    from tests.test_workbooks import computed_in_calc, totals_checked

    sheets = computed_in_calc([plan], convert)
    costs = {name: rows for name, rows in sheets.items() if "Co" in name and "ts par" in name}
    assert len(costs) == 3, sorted(sheets)  # per title, per service, per type
    assert totals_checked(costs) >= 6
