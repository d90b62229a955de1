"""The training plan and campaign tracking workbooks (pipeline/workbooks/, SPEC 5).

One real workspace for the module: a csv roster, reports generated from it,
filled the way people fill them (pipeline.filling), processed by the real
``process`` pass into a real journal; then ``rebuild_workbooks`` and the
outputs opened with openpyxl and pandas, as HR's tools open them.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from pipeline import catalogue as cat
from pipeline.catalogue import DEFAULT
from pipeline.config import Config, load_config
from pipeline.filling import fill_report
from pipeline.generate import generate
from pipeline.journal import Journal
from pipeline.process import process_inbox
from pipeline.records import ReportContent
from pipeline.workbooks import group_titles, rebuild_workbooks
from tests.conftest import RECEIVED, ROSTER_HEADER, TEMPLATES, agent, settle, write_csv

TODAY = dt.date(2027, 3, 1)  # after the campaign's deadlines: overdue flags show
GENERATED = dt.date(2026, 11, 2)
CATALOGUE = DEFAULT
NEEDS = CATALOGUE.field(cat.TRAINING_NEEDS)
TITLE, KIND, SCHEME, PRIORITY, PERIOD, OPINION, REASON = NEEDS.columns
APPRAISAL = CATALOGUE.field("appreciation_generale")  # the report is rejected without it
# Headers the workbooks take from the catalogue.
CAMPAIGN, NUMBER, LAST_NAME, FIRST_NAME, SERVICE, GRADE, REVIEW, INVITATION = (
    CATALOGUE.field(key).label for key in (cat.CAMPAIGN, cat.AGENT_NUMBER, cat.LAST_NAME,
                                           cat.FIRST_NAME, cat.SERVICE, cat.GRADE,
                                           cat.REVIEW_DATE, cat.INVITATION_DATE))

LEA = agent("100001", "Martin", "Léa", service="Cardiologie", catégorie="B")
PAUL = agent("100002", "Bernard", "Paul", service="Urgences", catégorie="C")
ZOE = agent("100003", "Petit", "Zoé", service="Accueil", catégorie="C")
MARC = agent("100004", "Durand", "Marc", service="Urgences", catégorie="B")
INES = agent("100005", "Roux", "Inès", service="Cardiologie", catégorie="A")
JEAN = agent("100006", "Faure", "Jean", service="Pharmacie", catégorie="")
OUTSIDER = agent("100099", "Horsliste", "Max", service="Cuisine")
ROSTER = [LEA, PAUL, ZOE, MARC, INES, JEAN]

T1, T2, T3 = (f"{code} ({meaning})" for code, meaning in cat.TRAINING_TYPES.items())
INJECTIONS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "@SUM(1+1)", "+1", "-1"]


def need(title: str, kind: str = "T1", scheme: str = "plan de formation", priority: str = "haute",
         opinion: str = "favorable", reason: str = "") -> dict[str, str]:
    """One training request as the manager types it, keyed by the catalogue's columns."""
    return {TITLE.key: title, KIND.key: kind, SCHEME.key: scheme, PRIORITY.key: priority,
            PERIOD.key: "premier semestre 2027", OPINION.key: opinion, REASON.key: reason}


REQUESTS = {  # agent number -> training needs of the accepted report
    "100001": [need("Excel perfectionnement"), need(INJECTIONS[0], "t2 - évolution des métiers"),
               need(INJECTIONS[2], "T3", "CPF", "moyenne")],
    "100002": [need("excel - perfectionnement", "t1 - adaptation au poste"),
               need("Perfectionnement Excel", "T3", "VAE", "basse"),
               need("Excel perfectionement", "T2"), need(INJECTIONS[1]), need(INJECTIONS[3]),
               need(INJECTIONS[4])],
    "100005": [need("Excel perfectionnement", scheme="préparation aux concours"),
               need("Gestion du stress", "T2", opinion="défavorable",
                    reason="Formation déjà suivie en 2025")],
}
INJECTED = need("Word\x07 avancé\x00", "T2")  # control characters, straight into the journal
ROWS = sum(len(v) for v in REQUESTS.values()) + 1


def write_workspace(base: Path, roster: list[dict], **settings) -> Config:
    base.mkdir(parents=True, exist_ok=True)
    header = [*ROSTER_HEADER, *[k for k in roster[0] if k not in ROSTER_HEADER]]  # optional columns too
    write_csv(base / "agents.csv", roster, header=header)
    data = {"liste_agents": "agents.csv", "dossiers": {"modeles": str(TEMPLATES)}, **settings}
    (base / "config.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(base / "config.yaml")


def inject_report(config: Config, number: str, *, name: str, last_name: str, title_row: dict) -> None:
    """An accepted report written with the journal's own API (control characters
    cannot travel through a .docx: XML refuses them)."""
    with Journal(config.state_dir) as journal:
        row = journal.claim(f"injecte__{number}.docx", name, "0" * 64, 1)
        content = ReportContent(fields={cat.AGENT_NUMBER: number, cat.LAST_NAME: last_name, cat.FIRST_NAME: "Jean",
                                        cat.SERVICE: "Pharmacie", cat.CAMPAIGN: "2026"},
                                tables={cat.TRAINING_NEEDS: [title_row]}, dates={cat.REVIEW_DATE: dt.date(2026, 12, 14)})
        journal.plan(row.id, outcome="accepted", reason_code=None,
                     destination=str(config.outbox / "x.docx"), note=None, previous_move=None,
                     report_id=f"2026-{number}", campaign="2026", agent_number=number, stage=1,
                     content=content, findings=[])
        journal.finish(journal.file(row.id))


@dataclass
class Built:
    config: Config
    written: list[Path]
    plan: openpyxl.Workbook
    tracking: openpyxl.Workbook

    def rows(self, book: str, sheet: str) -> list[dict[str, object]]:
        """Data rows of a sheet's table, by header."""
        ws = getattr(self, book)[sheet]
        values = list(ws.iter_rows(values_only=True))
        return [dict(zip(values[0], row)) for row in values[1:]]

    def cells(self, book: str, sheet: str, header: str) -> list:
        ws = getattr(self, book)[sheet]
        col = [c.value for c in ws[1]].index(header)
        return [row[col] for row in ws.iter_rows(min_row=2)]

    def agent(self, number: str) -> dict[str, object]:
        (row,) = [r for r in self.rows("tracking", "Suivi") if r[NUMBER] == number]
        return row

    def deadlines(self, number: str) -> dict[str, object]:
        """The agent's row of « Échéances »: each deadline's limit and state."""
        (row,) = [r for r in self.rows("tracking", "Échéances") if r[NUMBER] == number]
        return row


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    """GIVEN a roster of six agents and an agent outside it
    WHEN three reports are accepted (stages 2, 1, 4), one is rejected, one comes from
    an agent not in the roster, one agent sends nothing, and one accepted report with
    control characters sits in the journal
    THEN (see the tests) both workbooks and the CSV say so."""
    base = tmp_path_factory.mktemp("workbooks")
    config = write_workspace(base, ROSTER)
    blanks = {p.name.split("_")[1]: p for p in generate(config, today=GENERATED).reports}
    outsider_roster = write_csv(base / "autre_liste.csv", [OUTSIDER])
    (outsider,) = generate(config, outsider_roster, today=GENERATED).reports
    inbox = config.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    fill_report(blanks["100001"], inbox / "CR Martin.docx", CATALOGUE, stage=2,
                overrides={cat.TRAINING_NEEDS: REQUESTS["100001"],
                           cat.INVITATION_DATE: dt.date(2026, 12, 10)})  # < 8 days before the review
    fill_report(blanks["100002"], inbox / "CR Bernard.docx", CATALOGUE, stage=1,
                overrides={cat.TRAINING_NEEDS: REQUESTS["100002"]})
    fill_report(blanks["100004"], inbox / "CR Durand.docx", CATALOGUE, stage=1, omit=(APPRAISAL.key,))
    fill_report(blanks["100005"], inbox / "CR Roux.docx", CATALOGUE, stage=4,
                overrides={cat.TRAINING_NEEDS: REQUESTS["100005"]})
    fill_report(outsider, inbox / "CR inconnu.docx", CATALOGUE, stage=1)
    settle(config.inbox)
    outcomes = {o.received_name: o.outcome for o in process_inbox(config, received_on=RECEIVED).handled}
    assert outcomes == {"CR Martin.docx": "accepted", "CR Bernard.docx": "accepted",
                        "CR Durand.docx": "rejected", "CR Roux.docx": "accepted",
                        "CR inconnu.docx": "rejected"}
    inject_report(config, "100006", name="Compte\x0b rendu.docx", last_name="Fau\x1bre",
                  title_row=INJECTED)
    written = rebuild_workbooks(config, today=TODAY)
    return Built(config, written, openpyxl.load_workbook(written[0]), openpyxl.load_workbook(written[2]))



def _package_parts(path: Path) -> dict[str, bytes]:
    """A workbook's parts but its properties (they carry the time it was written)."""
    import zipfile

    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist() if not name.startswith("docProps/")}


@pytest.fixture(scope="module")
def forked(built, tmp_path_factory) -> list[Path]:
    """The same workspace's workbooks rebuilt with the plan written by a forked child, as a
    large campaign's is (pipeline.beside), in a copy of the workspace."""
    import shutil

    import pipeline.beside

    copy = tmp_path_factory.mktemp("fork") / "espace"
    shutil.copytree(built.config.base_dir, copy)
    config = load_config(copy / "config.yaml")
    before, pipeline.beside.BESIDE_FROM = pipeline.beside.BESIDE_FROM, 0
    try:
        return rebuild_workbooks(config, today=TODAY)
    finally:
        pipeline.beside.BESIDE_FROM = before


def test_a_plan_written_by_a_forked_child_is_the_plan_written_here(built, forked):
    assert [p.name for p in forked] == [p.name for p in built.written]
    for ours, theirs in zip(built.written, forked):
        if ours.suffix == ".xlsx":
            assert _package_parts(ours) == _package_parts(theirs), ours.name
        elif ours.suffix in (".csv", ".html"):  # the page: its equal-treatment figures made by the child
            assert ours.read_bytes() == theirs.read_bytes(), ours.name


@pytest.mark.parametrize("beside_from", [0, 10**9], ids=["forked", "here"])
def test_a_plan_that_cannot_be_written_does_not_keep_the_tracking_from_being_written(
        built, tmp_path, monkeypatch, beside_from):
    import errno
    import shutil

    import pipeline.beside
    import pipeline.workbooks

    copy = tmp_path / "espace"
    shutil.copytree(built.config.base_dir, copy)
    config = load_config(copy / "config.yaml")
    tracking = config.outbox / "suivi_campagne.xlsx"
    tracking.unlink()

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pipeline.workbooks, "write_plan", full_disk)  # in the child too: it is forked
    monkeypatch.setattr(pipeline.beside, "BESIDE_FROM", beside_from)
    with pytest.raises(OSError) as raised:
        rebuild_workbooks(config, today=TODAY)
    assert raised.value.errno == errno.ENOSPC  # as the pass's outputs step tells a full disk
    assert _package_parts(tracking) == _package_parts(next(p for p in built.written if p.name == tracking.name))


# -- what is written, where ------------------------------------------------------------------


def test_rebuild_writes_the_workbooks_then_the_pages_in_the_outbox_readable_by_owner_and_group(built):
    outbox = built.config.outbox
    assert built.written == [outbox / "plan_de_formation.xlsx", outbox / "plan_de_formation.csv",
                             outbox / "suivi_campagne.xlsx", outbox / "tableau_de_bord.html",
                             outbox / "synthese_campagne.pdf"]
    for path in built.written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o640, path
    assert not [p.name for p in outbox.iterdir() if p.name.startswith(".tmp-")]


# -- training plan ------------------------------------------------------------------------------


def test_plan_has_one_row_per_need_of_each_accepted_report_only(built):
    rows = built.rows("plan", "Besoins")
    assert len(rows) == ROWS
    numbers = [r[NUMBER] for r in rows]
    assert sorted(set(numbers)) == ["100001", "100002", "100005", "100006"]  # rejected ones left out
    assert numbers.count("100002") == len(REQUESTS["100002"])


def test_plan_sheets_and_headers_are_french_and_named_by_the_catalogue(built):
    assert built.plan.sheetnames == ["Besoins", "Besoins non validés", "Par type et intitulé",
                                     "Par service", "Par catégorie", "Par dispositif", "Par priorité",
                                     "Par avis de l'évaluateur", "Graphique"]
    headers = [c.value for c in built.plan["Besoins"][1]]
    assert headers == [
        CAMPAIGN, NUMBER, LAST_NAME, FIRST_NAME, SERVICE,
        TITLE.label, KIND.label, SCHEME.label, PRIORITY.label, PERIOD.label, OPINION.label, REASON.label,
        "Intitulé regroupé", "Type : signification", GRADE, "Catégorie", REVIEW, "Fichier source"]


def fitted(ws) -> tuple[int, int] | None:
    """How many pages wide and tall a sheet is shrunk to (0: as many as it takes), ``None`` when
    it is not (an absent fitToWidth or fitToHeight is 1, the file format's default)."""
    if not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage:
        return None
    setup = ws.page_setup
    return (1 if setup.fitToWidth is None else setup.fitToWidth, 1 if setup.fitToHeight is None else setup.fitToHeight)


def test_the_needs_print_side_by_side_on_the_page_width(built):
    """« Besoins » prints who (name, first name, service) and the request (title, type, scheme,
    priority, period, opinion and its reason) side by side, shrunk to the page's width, its header
    on every page; the other columns stay on screen. « Besoins non validés » prints the same way."""
    for name in ("Besoins", "Besoins non validés"):
        ws = built.plan[name]
        headers = [c.value for c in ws[1]]
        (area,) = ws.print_area if isinstance(ws.print_area, list) else [ws.print_area]
        first, last = re.fullmatch(r"'?[^!]+'?!\$([A-Z]+)\$1:\$([A-Z]+)\$\d+", area).groups()
        printed = headers[openpyxl.utils.column_index_from_string(first) - 1:
                          openpyxl.utils.column_index_from_string(last)]
        assert printed == [LAST_NAME, FIRST_NAME, SERVICE, TITLE.label, KIND.label, SCHEME.label,
                           PRIORITY.label, PERIOD.label, OPINION.label, REASON.label], name
        assert fitted(ws) == (1, 0), name  # one page wide, as many down as it takes
        assert ws.print_title_rows == "$1:$1", name
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9, name


@pytest.mark.parametrize(("tables", "rows", "columns", "printed"), [
    (1, 12, 6, ("landscape", (1, 1))),  # a short summary: one page, landscape
    (2, 8, 14, ("landscape", (1, 1))),  # wide: landscape prints it larger
    (5, 11, 9, ("portrait", (1, 1))),  # a table per criterion, one below the other (the demo's)
    (6, 14, 8, ("portrait", (1, 1))),
    (12, 30, 9, ("landscape", (1, 0))),  # under half its size on either page: as wide as the page
    (3, 90, 5, ("landscape", (1, 0))),
])
def test_a_summary_prints_on_one_page_turned_the_way_that_prints_it_larger(tmp_path, tables, rows, columns,
                                                                           printed):
    """GIVEN a summary sheet of ``tables`` tables of ``rows`` rows and ``columns`` columns, one below
    the other WHEN it is set to print THEN it prints on one page, landscape or upright whichever
    shows it larger, while that keeps it at half its size or more; else as wide as the landscape
    page, on the pages it needs."""
    from pipeline.workbooks.sheets import Book, SheetColumn

    frame = pd.DataFrame({f"c{i}": [f"valeur {r} {i}" for r in range(rows)] for i in range(columns)})
    book = Book(tmp_path / "synthese.xlsx", "Synthèse")
    sheet = book.sheet("Synthèse")
    top = 0
    for index in range(tables):
        top = book.table(sheet, frame, [SheetColumn(f"c{i}", f"Colonne {i}") for i in range(columns)],
                         name=f"Tableau {index}", top=top + 1) + 1
    book.print_on_one_page(sheet)
    book.close()
    ws = openpyxl.load_workbook(tmp_path / "synthese.xlsx")["Synthèse"]
    assert (ws.page_setup.orientation, fitted(ws)) == printed


def test_a_need_row_carries_the_agent_the_request_and_its_source_file(built):
    (row,) = [r for r in built.rows("plan", "Besoins") if r[TITLE.label] == "Gestion du stress"]
    assert row[LAST_NAME] == "Roux" and row[FIRST_NAME] == "Inès"
    assert row[SERVICE] == "Cardiologie" and row[CAMPAIGN] == "2026"
    assert row[KIND.label] == "T2" and row[OPINION.label] == "défavorable"
    assert row[REASON.label] == "Formation déjà suivie en 2025"
    assert row["Fichier source"] == "CR Roux.docx"


def test_types_are_written_as_their_canonical_choice(built):
    kinds = {r[TITLE.label]: r[KIND.label] for r in built.rows("plan", "Besoins")}
    assert kinds["excel - perfectionnement"] == "T1"  # typed "t1 - adaptation au poste"
    assert kinds[INJECTIONS[0]] == "T2"  # typed "t2 - évolution des métiers"


def test_similar_titles_share_the_most_frequent_wording_and_keep_their_own(built):
    rows = built.rows("plan", "Besoins")
    excel = {r[TITLE.label]: r["Intitulé regroupé"] for r in rows if "xcel" in r[TITLE.label]}
    assert excel == {"Excel perfectionnement": "Excel perfectionnement",
                     "excel - perfectionnement": "Excel perfectionnement",
                     "Perfectionnement Excel": "Excel perfectionnement",
                     "Excel perfectionement": "Excel perfectionnement"}
    (stress,) = [r for r in rows if r[TITLE.label] == "Gestion du stress"]
    assert stress["Intitulé regroupé"] == "Gestion du stress"


def test_summary_by_type_and_title_counts_requests_and_distinct_agents(built):
    rows = built.rows("plan", "Par type et intitulé")
    *data, total = rows
    by_key = {(r[KIND.label], r["Intitulé regroupé"]): (r["Demandes"], r["Agents distincts"]) for r in data}
    # T1 Excel: Léa, Paul ("t1 - adaptation au poste"), Inès.
    assert by_key[(T1, "Excel perfectionnement")] == (3, 3)
    assert by_key[(T2, "Excel perfectionnement")] == (1, 1)
    assert by_key[(T3, "Excel perfectionnement")] == (1, 1)
    assert [r[KIND.label] for r in data] == sorted(r[KIND.label] for r in data)
    assert total[KIND.label] == "Total"
    assert sum(r["Demandes"] for r in data) == ROWS


def test_a_coded_type_is_given_its_meaning_beside_it_and_in_the_summaries(built):
    meanings = {(r[KIND.label], r["Type : signification"]) for r in built.rows("plan", "Besoins")}
    assert meanings == {(code, meaning) for code, meaning in cat.TRAINING_TYPES.items()}
    kinds = {r[KIND.label] for r in built.rows("plan", "Par type et intitulé")}
    assert kinds == {T1, T2, T3, "Total"}
    headers = [c.value for c in built.plan["Par service"][1]]
    assert headers[-3:] == [T1, T2, T3]


def test_the_agent_category_comes_from_the_roster_and_has_its_summary(built):
    categories = {r[NUMBER]: r["Catégorie"] for r in built.rows("plan", "Besoins")}
    assert categories == {"100001": "B", "100002": "C", "100005": "A", "100006": None}
    rows = {r["Catégorie"]: r for r in built.rows("plan", "Par catégorie")}
    assert {k: (r["Demandes"], r["Agents distincts"]) for k, r in rows.items() if k != "Total"} == {
        "C": (6, 1), "B": (3, 1), "A": (2, 1), "(non renseigné)": (1, 1)}
    assert (rows["A"][T1], rows["A"][T2], rows["A"][T3]) == (1, 1, 0)


def test_needs_of_reports_still_rejected_are_on_their_own_sheet_marked_not_validated(built):
    pending = built.rows("plan", "Besoins non validés")
    numbers = {r[NUMBER] for r in pending}
    # Durand (in the roster) and the agent outside it were rejected and sent nothing since.
    assert numbers == {"100004", "100099"}
    assert {r["État du compte rendu"] for r in pending} == {
        "rejeté : besoins non validés, en attente d'une version corrigée"}
    assert all(r[TITLE.label] and r["Intitulé regroupé"] for r in pending)
    assert not numbers & {r[NUMBER] for r in built.rows("plan", "Besoins")}
    assert {r[NUMBER]: r["Catégorie"] for r in pending}["100004"] == "B"
    csv_numbers = set(pd.read_csv(built.written[1], sep=";", dtype=str)[NUMBER])
    assert not numbers & csv_numbers  # the CSV feeds other tools: validated needs only


def test_summary_totals_are_excel_subtotals_whose_cached_values_are_right(built, tmp_path):
    """The total row follows the filters (SUBTOTAL) and reads right before any recalculation."""
    ws = built.plan["Par service"]
    last = ws.max_row
    headers = [c.value for c in ws[1]]
    assert ws.cell(last, headers.index("Demandes") + 1).value.startswith("=SUBTOTAL(109,")
    values = openpyxl.load_workbook(built.written[0], data_only=True)["Par service"]
    assert values.cell(last, headers.index("Demandes") + 1).value == ROWS
    assert values.cell(last, headers.index("Agents distincts") + 1).value == 4
    frame = pd.read_excel(built.written[0], sheet_name="Par service")
    services = frame[frame[SERVICE] != "Total"].set_index(SERVICE)
    assert services.loc["Urgences", "Demandes"] == len(REQUESTS["100002"])
    assert services.loc["Cardiologie", [T1, T2, T3]].tolist() == [2, 2, 1]
    assert services["Demandes"].sum() == ROWS


def test_summaries_by_priority_and_scheme_follow_the_choice_order(built):
    priorities = pd.read_excel(built.written[0], sheet_name="Par priorité")
    assert priorities[PRIORITY.label].tolist() == ["haute", "moyenne", "basse", "Total"]
    assert priorities["Demandes"].tolist()[:-1] == [ROWS - 2, 1, 1]
    schemes = pd.read_excel(built.written[0], sheet_name="Par dispositif")
    assert schemes.set_index(SCHEME.label).loc["préparation aux concours", "Demandes"] == 1


def test_every_sheet_is_an_excel_table_with_filters_and_the_data_sheet_header_is_frozen(built):
    for name in ["Besoins", "Par type et intitulé", "Par service", "Par priorité", "Graphique"]:
        ws = built.plan[name]
        (table,) = ws.tables.values()
        assert table.ref.startswith("A1:") and table.autoFilter is not None, name
    assert built.plan["Besoins"].freeze_panes == "A2"
    assert built.tracking["Suivi"].freeze_panes == "D2"  # the header; the matricule, name and first name
    assert built.tracking["Échéances"].freeze_panes == "D2"
    widths = built.plan["Besoins"].column_dimensions
    assert 8 <= widths["G"].width <= 62 and widths["A"].width >= 8


def test_the_plan_has_a_chart_of_requests_per_type_and_title(built):
    ws = built.plan["Graphique"]
    (chart,) = ws._charts
    assert len(chart.series) == 3  # T1, T2, T3
    rows = built.rows("plan", "Graphique")
    assert rows[0]["Intitulé regroupé"] == "Excel perfectionnement"
    assert (rows[0][T1], rows[0][T2], rows[0][T3], rows[0]["Total"]) == (3, 1, 1, 5)


def test_review_dates_are_real_excel_dates(built):
    ws = built.plan["Besoins"]
    col = [c.value for c in ws[1]].index(REVIEW) + 1
    cell = ws.cell(2, col)
    assert cell.is_date and cell.value == dt.datetime(2026, 12, 14)
    assert cell.number_format == "dd/mm/yyyy"


@pytest.mark.parametrize("text", INJECTIONS)
def test_formula_like_titles_stay_literal_text(built, text):
    ws = built.plan["Besoins"]
    headers = [c.value for c in ws[1]]
    cells = [row[headers.index(TITLE.label)] for row in ws.iter_rows(min_row=2)]
    (cell,) = [c for c in cells if c.value == text]
    assert cell.data_type == "s"
    grouped = ws.cell(cell.row, headers.index("Intitulé regroupé") + 1)
    assert grouped.data_type == "s" and grouped.value[0] in "=+-@"


def test_no_cell_of_either_workbook_is_a_formula_except_the_total_rows(built):
    for book in (built.plan, built.tracking):
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        assert cell.value.startswith("=SUBTOTAL(109,"), (ws.title, cell.coordinate)
                        assert cell.row == ws.max_row or ws.title == "Synthèse"


def test_control_characters_are_removed(built):
    (row,) = [r for r in built.rows("plan", "Besoins") if r[NUMBER] == "100006"]
    assert row[TITLE.label] == "Word avancé"
    assert row[LAST_NAME] == "Faure"
    assert row["Fichier source"] == "Compte rendu.docx"


# -- the CSV ------------------------------------------------------------------------------------


def test_csv_is_utf8_with_bom_semicolon_separated_with_the_same_rows(built):
    path = built.written[1]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].split(b"\r\n", 1)[0].decode("utf-8")
    assert header.split(";")[:4] == [CAMPAIGN, NUMBER, LAST_NAME, FIRST_NAME]
    frame = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(frame) == ROWS
    assert list(frame.columns) == [c.value for c in built.plan["Besoins"][1]]
    (ines,) = frame[frame[TITLE.label] == "Gestion du stress"].to_dict("records")
    assert ines[FIRST_NAME] == "Inès" and ines[REVIEW] == "14/12/2026"


def test_csv_cells_that_excel_would_run_as_formulas_get_an_apostrophe(built):
    frame = pd.read_csv(built.written[1], sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    titles = set(frame[TITLE.label])
    for text in INJECTIONS:
        assert "'" + text in titles and text not in titles
    assert "Excel perfectionnement" in titles


# -- campaign tracking --------------------------------------------------------------------------


def test_tracking_has_one_row_per_roster_agent_then_agents_outside_it(built):
    rows = built.rows("tracking", "Suivi")
    assert [r[NUMBER] for r in rows] == [a["matricule"] for a in ROSTER] + ["100099"]
    assert [r["Dans la liste des agents"] for r in rows] == ["oui"] * len(ROSTER) + ["non"]
    assert built.tracking.sheetnames == ["Suivi", "Échéances", "Synthèse", "Relances", "Harmonisation",
                                         "Accès à la formation"]
    assert [r[NUMBER] for r in built.rows("tracking", "Échéances")] == [r[NUMBER] for r in rows]


def test_tracking_shows_the_stage_and_its_label(built):
    lea = built.agent("100001")
    assert lea["Étape"] == 2 and lea["Situation"] == CATALOGUE.stage(2).label
    assert built.agent("100005")["Étape"] == 4


def test_an_agent_without_a_report_is_marked_clearly(built):
    zoe = built.agent("100003")
    assert zoe["Situation"] == "aucun compte rendu reçu"
    assert zoe["Étape"] is None and zoe["Dernier fichier reçu"] is None
    assert zoe[LAST_NAME] == "Petit"
    assert zoe[REVIEW] == dt.datetime(2026, 12, 14)  # from the roster


def test_a_rejected_report_shows_its_outcome_and_reasons(built):
    marc = built.agent("100004")
    assert marc["Étape"] is None and marc["Situation"].startswith("compte rendu reçu mais rejeté")
    assert marc["Résultat du dernier fichier"] == "rejeté"
    assert marc["Dernier fichier reçu"] == "CR Durand.docx"
    assert APPRAISAL.label in marc["Motifs du rejet"]
    outsider = built.agent("100099")
    assert outsider[LAST_NAME] == "Horsliste" and outsider["Résultat du dernier fichier"] == "rejeté"


def test_dates_of_the_report_are_real_dates(built):
    lea = built.agent("100001")
    assert lea[INVITATION] == dt.datetime(2026, 12, 10)
    assert lea[REVIEW] == dt.datetime(2026, 12, 14)
    assert isinstance(lea[CATALOGUE.field(cat.AGENT_ACK_DATE).label], dt.datetime)
    assert lea[CATALOGUE.field(cat.VISA_DATE).label] is None
    assert isinstance(lea["Reçu le"], dt.datetime)


def test_a_late_invitation_is_flagged_with_its_due_date(built):
    lea = built.deadlines("100001")
    (state,) = [h for h in lea if h.startswith("Convocation") and h.endswith(": état")]
    (due,) = [h for h in lea if h.startswith("Convocation") and h.endswith(": échéance")]
    assert lea[state] == "en retard"
    assert lea[due] == dt.datetime(2026, 12, 6)  # 8 days before the review of 14/12/2026
    assert (lea[LAST_NAME], lea[FIRST_NAME], lea[SERVICE]) == ("Martin", "Léa", "Cardiologie")  # who, again
    assert built.agent("100001")["Alertes de délai"] >= 1


def test_a_deadline_passed_without_the_step_done_is_overdue_but_not_once_filed(built):
    paul = built.deadlines("100002")
    communication = next(h for h in paul if h.startswith("Communication") and h.endswith(": état"))
    assert paul[communication] == "dépassée"  # stage 1 on 1 March 2027
    ines = built.deadlines("100005")
    assert "dépassée" not in ines.values()  # filed in the agent's record: nothing is overdue
    assert "dépassée" not in built.agent("100005").values()
    returned = next(h for h in ines if h.startswith("Retour") and h.endswith(": état"))
    assert built.deadlines("100003")[returned] == "dépassée"


def test_suivi_shows_the_next_deadline_its_limit_its_state_and_whom_it_waits_for(built):
    """« Suivi » gives each agent's next deadline: the first step still open (« à venir » or
    « dépassée »), by its short name, with its limit (the one « Échéances » gives it) and whom it
    waits for; nothing once every step is done."""
    paul = built.agent("100002")  # stage 1 on 1 March 2027: his report was never communicated
    assert (paul["Prochaine échéance"], paul["État de l'échéance"], paul["En attente de"]) == (
        "Communication du compte rendu", "dépassée", "évaluateur")
    due = next(h for h in built.deadlines("100002") if h.startswith("Communication") and h.endswith(": échéance"))
    assert paul["Date limite"] == built.deadlines("100002")[due]
    zoe = built.agent("100003")  # nothing received: the communication waits, overdue
    assert (zoe["Prochaine échéance"], zoe["État de l'échéance"]) == (
        "Communication du compte rendu", "dépassée")
    ines = built.agent("100005")  # filed: no step left
    assert (ines["Prochaine échéance"], ines["Date limite"], ines["État de l'échéance"],
            ines["En attente de"]) == (None, None, None, None)
    headers = [c.value for c in built.tracking["Suivi"][1]]
    assert headers[:10] == [NUMBER, LAST_NAME, FIRST_NAME, SERVICE, "Étape", "Situation", "Prochaine échéance",
                            "Date limite", "État de l'échéance", "En attente de"]


def test_suivi_prints_who_the_stage_and_the_next_deadline_on_the_page_width(built):
    """« Suivi » prints from the name to whom the next deadline waits for, shrunk to the page's
    width, one line per agent (no cell of it wraps); the matricule and the other columns stay on
    screen. « Échéances » prints on strips as wide as the page, who on each."""
    ws = built.tracking["Suivi"]
    assert ws.print_area == "'Suivi'!$B$1:$J$8"  # the header and the seven agents
    assert fitted(ws) == (1, 0)
    assert ws.print_title_rows == "$1:$1" and ws.page_setup.orientation == "landscape"
    assert not any(c.alignment.wrap_text for row in ws["B2:J8"] for c in row)
    detail = built.tracking["Échéances"]
    assert detail.print_title_cols == "$B:$D" and detail.print_title_rows == "$1:$1"
    assert fitted(detail) == (1, 0)


def test_synthesis_counts_agents_per_stage_and_per_service(built):
    ws = built.tracking["Synthèse"]
    assert ws["A1"].value == "Campagne 2026 : situation au 01/03/2027"
    tables = {t.name: t for t in ws.tables.values()}
    assert set(tables) == {"Tableau_Par_etape", "Tableau_Par_service"}
    values = openpyxl.load_workbook(built.written[2], data_only=True)["Synthèse"]
    by_stage = {values.cell(r, 1).value: values.cell(r, 2).value for r in range(4, 11)}
    assert by_stage == {"Étape 1": 2, "Étape 2": 1, "Étape 3": 0, "Étape 4": 1, "Rejeté": 2,
                        "Aucun compte rendu": 1, "Total": len(ROSTER) + 1}
    ref = tables["Tableau_Par_service"].ref
    first, last = ref.split(":")
    grid = [[c.value for c in row] for row in values[first:last]]
    header, *services, total = grid
    per_service = {row[0]: dict(zip(header[1:], row[1:])) for row in services}
    assert per_service["Urgences"]["Étape 1"] == 1 and per_service["Urgences"]["Rejeté"] == 1
    assert per_service["Accueil"]["Aucun compte rendu"] == 1
    assert total[header.index("Total")] == len(ROSTER) + 1
    assert len(ws._charts) == 1


# -- publishing ---------------------------------------------------------------------------------


def test_a_target_that_cannot_be_replaced_leaves_the_new_file_beside_it(built, tmp_path, caplog):
    """GIVEN the training plan cannot be replaced (here a folder stands at its name; on a
    share, the file is open in Excel) WHEN the workbooks are rebuilt, twice THEN the new plan
    is kept beside it under one name (never a new copy per pass), a French warning says
    where, and nothing is lost."""
    config = built.config.model_copy(update={"folders": built.config.folders.model_copy(
        update={"outbox": tmp_path / "sortie"})})
    blocked = tmp_path / "sortie" / "plan_de_formation.xlsx"
    blocked.mkdir(parents=True)
    (blocked / "garde.txt").write_text("rien ne se perd")
    rebuild_workbooks(config, today=TODAY)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="entretiens"):
        written = rebuild_workbooks(config, today=TODAY)
    beside = written[0]
    assert beside.name == "plan_de_formation (nouvelle version).xlsx"
    assert sorted(p.name for p in blocked.parent.glob("plan_de_formation*.xlsx")) == [
        "plan_de_formation (nouvelle version).xlsx", "plan_de_formation.xlsx"]
    assert beside.parent == blocked.parent and (blocked / "garde.txt").read_text() == "rien ne se perd"
    assert len(openpyxl.load_workbook(beside)["Besoins"]["A"]) == ROWS + 1
    assert stat.S_IMODE(beside.stat().st_mode) == 0o640
    assert written[1:3] == [tmp_path / "sortie" / "plan_de_formation.csv",
                            tmp_path / "sortie" / "suivi_campagne.xlsx"]
    (message,) = [r.getMessage() for r in caplog.records
                  if r.levelno == logging.WARNING and "plan_de_formation.xlsx" in r.getMessage()]
    assert "Impossible de remplacer" in message and beside.name in message
    assert not [p for p in beside.parent.iterdir() if p.name.startswith(".tmp-")]
    again = rebuild_workbooks(config, today=TODAY)[0]  # the same name, replaced
    assert again == beside and len(list(blocked.parent.glob("plan_de_formation*.xlsx"))) == 2


def test_rebuilding_replaces_the_previous_workbooks(built, tmp_path):
    config = built.config.model_copy(update={"folders": built.config.folders.model_copy(
        update={"outbox": tmp_path / "sortie"})})
    old = tmp_path / "sortie" / "suivi_campagne.xlsx"
    old.parent.mkdir()
    old.write_bytes(b"ancienne version")
    written = rebuild_workbooks(config, today=TODAY)
    assert written[2] == old and old.read_bytes().startswith(b"PK")
    assert sorted(p.name for p in old.parent.iterdir()) == [
        "plan_de_formation.csv", "plan_de_formation.xlsx", "suivi_campagne.xlsx", "synthese_campagne.pdf",
        "tableau_de_bord.html"]


def test_an_empty_journal_still_gives_workbooks_listing_every_agent_as_missing(tmp_path):
    config = write_workspace(tmp_path / "ws", [LEA, ZOE])
    plan, csv_path, tracking, *pages = rebuild_workbooks(config, today=TODAY)
    assert openpyxl.load_workbook(plan)["Besoins"].max_row <= 2
    assert len(pd.read_csv(csv_path, sep=";", encoding="utf-8-sig")) == 0
    frame = pd.read_excel(tracking, sheet_name="Suivi", dtype={NUMBER: str})
    assert frame[NUMBER].tolist() == ["100001", "100003"]
    assert set(frame["Situation"]) == {"aucun compte rendu reçu"}


# -- grouping titles ------------------------------------------------------------------------------


def test_group_titles_labels_a_group_with_its_most_frequent_wording():
    titles = ["excel - perfectionnement", "Excel perfectionnement", "Excel perfectionnement",
              "Perfectionnement Excel", "Excel perfectionement", "Exel perfectionnement"]
    assert set(group_titles(titles).values()) == {"Excel perfectionnement"}


def test_group_titles_keeps_different_trainings_and_levels_apart():
    groups = group_titles(["Anglais niveau 1", "Anglais niveau 2", "anglais niveau1", "Excel initiation",
                           "Excel perfectionnement", "Excel", "Gestion du temps", "Gestion du stress",
                           "Préparation au concours d'attaché",
                           "Préparation au concours d'attaché principal"])
    assert groups["anglais niveau1"] == "Anglais niveau 1"
    assert len(set(groups.values())) == 9


def test_group_titles_joins_a_forgotten_space_or_a_typo_in_a_first_letter():
    groups = group_titles(["Gestion des conflits"] * 3 + ["Gestion des onflits", "Gestiondes conflits"])
    assert set(groups.values()) == {"Gestion des conflits"}


@pytest.mark.parametrize("length", [32_767, 32_768, 100_000])
def test_a_text_over_excels_cell_limit_is_cut_and_says_so(length):
    from pipeline.workbooks.sheets import MAX_CELL, cell_text

    text = cell_text("x" * length)
    assert len(text) <= MAX_CELL
    if length > MAX_CELL:
        assert text.endswith(f"(texte coupé : {length} caractères, la limite d'une cellule est {MAX_CELL})")
    else:
        assert text == "x" * length


# -- computed by a real LibreOffice Calc ---------------------------------------------------------------

CSV_EVERY_SHEET = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
ERROR_VALUES = ("Err:", "#NAME?", "#REF!", "#VALUE!", "#DIV/0!", "#N/A")


@pytest.mark.libreoffice
def test_every_formula_computes_in_libreoffice_calc_and_every_total_adds_up(built, convert):
    """GIVEN both workbooks WHEN LibreOffice Calc opens them, recalculates and writes every sheet
    with its computed values THEN no cell holds an error value, and each total row equals the
    sum of the rows above it, column by column (but « Agents distincts », counted over the
    campaign: an agent with two needs counts once)."""
    sheets = computed_in_calc([built.written[0], built.written[2]], convert)
    assert any(name.startswith("suivi_campagne-Synth") for name in sheets), sorted(sheets)
    assert totals_checked(sheets) >= 10


def computed_in_calc(workbooks: list[Path], convert) -> dict[str, list[list[str]]]:
    """Every sheet of ``workbooks`` as LibreOffice Calc computes it (one CSV per sheet, named
    « <workbook>-<sheet> »); fails on any error value."""
    import csv

    folder = convert(workbooks, CSV_EVERY_SHEET)
    sheets = {p.stem: list(csv.reader(p.open(encoding="utf-8"))) for p in sorted(folder.glob("*.csv"))}
    errors = [(name, cell) for name, rows in sheets.items() for row in rows for cell in row
              if cell.startswith(ERROR_VALUES)]
    assert errors == []
    return sheets


def totals_checked(sheets: dict[str, list[list[str]]]) -> int:
    """Check that each « Total » row equals the sum of the numbers above it, column by
    column (a blank total is not a sum); return how many totals were checked."""
    checked = 0
    for name, rows in sheets.items():
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                if cell != "Total" or r == 0:
                    continue
                for col in range(c + 1, len(row)):
                    total, above, i = _number(row[col]), [], r - 1
                    while i >= 0 and col < len(rows[i]) and _number(rows[i][col]) is not None:
                        above.append(_number(rows[i][col]))
                        i -= 1
                    header = rows[i][col] if i >= 0 and col < len(rows[i]) else ""
                    if total is None or not above or header.startswith("Agents distincts"):
                        continue  # (distinct agents are counted over the campaign, not added up)
                    assert total == pytest.approx(sum(above)), (name, r, header)
                    checked += 1
    return checked


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


# -- equal treatment ----------------------------------------------------------------------------


def test_the_equal_treatment_sheets_count_the_accepted_reports_without_any_free_text(built):
    ws = built.tracking["Harmonisation"]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "khi-deux" in cells[0]
    criterion = CATALOGUE.criteria_fields[0]
    start = cells.index(criterion.label)
    campaign = cells[cells.index("Toute la campagne", start) + 1]
    assert campaign == 3  # the three accepted reports filled it (the injected one has no levels)
    access = {(r["Regroupement"], r["Nom"]): r for r in built.rows("tracking", "Accès à la formation")}
    whole = access[("Campagne", "Toute la campagne")]
    assert whole["Agents avec un compte rendu accepté"] == 4 and whole["Besoins exprimés"] == ROWS
    assert {name for group, name in access if group == "Catégorie"} == {"A", "B", "C", "(non renseigné)"}
    free_text = {r[TITLE.label] for r in built.rows("plan", "Besoins")} | {"Formation déjà suivie en 2025"}
    for sheet in ("Harmonisation", "Accès à la formation"):
        texts = {c for row in built.tracking[sheet].iter_rows(values_only=True) for c in row if isinstance(c, str)}
        assert not texts & free_text, sheet


def test_a_table_over_another_is_refused_as_xlsxwriter_would(tmp_path):
    """The Book checks its tables' ranges itself (XlsxWriter's per-cell record is not kept)."""
    from xlsxwriter.exceptions import OverlappingRange

    from pipeline.workbooks.sheets import Book, SheetColumn

    book = Book(tmp_path / "classeur.xlsx", "Essai")
    sheet = book.sheet("Feuille")
    frame, columns = pd.DataFrame({"a": ["x", "y"]}), [SheetColumn("a", "A")]
    assert book.table(sheet, frame, columns, name="Un") == 3  # header, two rows: rows 0 to 2
    with pytest.raises(OverlappingRange):
        book.table(sheet, frame, columns, name="Deux", top=2)
    book.table(sheet, frame, columns, name="Trois", top=2, left=1)  # beside it
    book.table(book.sheet("Autre"), frame, columns, name="Quatre")  # same cells, another sheet
    book.close()
    assert openpyxl.load_workbook(tmp_path / "classeur.xlsx")["Feuille"]["B5"].value == "y"  # header at row 3


def test_the_fast_cell_writer_writes_the_bytes_xlsxwriter_writes(tmp_path):
    """sheets.FastCells writes a text or number cell in one string: the same bytes as XlsxWriter's
    own writer, for every kind of cell the workbooks hold (text, numbers, dates, formulas, blanks,
    cells with and without a format, a cell without one taking its row's or its column's)."""
    import zipfile

    import xlsxwriter

    from pipeline.workbooks.sheets import FastCells

    def write(path: Path, worksheet_class) -> bytes:
        book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                               "strings_to_numbers": False})
        sheet = book.add_worksheet("Suivi", worksheet_class=worksheet_class)
        wrap, date = book.add_format({"text_wrap": True}), book.add_format({"num_format": "dd/mm/yyyy"})
        for row in range(1, 40):
            sheet.write_string(row, 0, f"Agent <{row}> & « {row % 7} »", wrap)
            sheet.write_string(row, 1, " espace ", None)
            sheet.write_number(row, 2, row / 3, wrap)
            sheet.write_number(row, 3, 10 ** row, None)
            sheet.write_datetime(row, 4, dt.datetime(2026, 12, 1) + dt.timedelta(days=row), date)
            sheet.write_number(row, 5, 46000 + row, date)
        sheet.write_formula(41, 2, "=SUBTOTAL(109,C2:C40)", wrap, 260)
        sheet.write_blank(42, 0, None, wrap)
        sheet.set_row(3, 30, wrap)  # its cells without a format take the row's
        sheet.set_column(3, 3, 20, date)  # and then the column's
        sheet.set_column(6, 6, 20)  # a width, no format
        sheet.write_string(5, 6, "sans format", None)
        book.close()
        return zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")

    assert write(tmp_path / "fast.xlsx", FastCells) == write(tmp_path / "plain.xlsx", None)


@pytest.mark.parametrize("shape", ["list", "gaps", "long texts", "spans", "one cell"])
def test_a_column_written_at_once_is_the_file_of_its_cells_written_one_by_one(tmp_path, shape):
    """FastCells.text_column and number_column store a whole column (one record per repeated
    text): the package is the one XlsxWriter makes from the same cells written one by one, shared
    strings and their counts, the rows' spans (16-row blocks of different widths), rows with a
    height and no cell, blanks (None, NaN, "") and a text beyond Excel's limit included."""
    import zipfile

    import xlsxwriter

    from pipeline.workbooks.sheets import FastCells

    n = {"list": 300, "gaps": 120, "long texts": 20, "spans": 70, "one cell": 1}[shape]
    texts = [f"Service « {row % 5} » & <{row % 3}>" if row % 4 else "" for row in range(n)]
    numbers = [row / 7 if row % 6 else (None if row % 12 else float("nan")) for row in range(n)]
    if shape == "gaps":
        texts = [t if row % 10 < 5 else None for row, t in enumerate(texts)]
    if shape == "long texts":
        texts = ["é" * 40_000 if row % 3 == 0 else t for row, t in enumerate(texts)]
    start = {"spans": lambda row: row // 16 % 4}.get(shape, lambda row: 0)

    def write(path: Path, at_once: bool) -> dict[str, bytes]:
        book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                               "strings_to_numbers": False})
        sheet = book.add_worksheet("Suivi", worksheet_class=FastCells if at_once else None)
        top, plain = book.add_format({"valign": "top"}), book.add_format({"num_format": "0.00"})
        sheet.write_string(0, 0, "En-tête", top)
        sheet.set_row(n + 3, 30)  # a height, no cell
        for col, style in ((1, top), (3, None)):
            if shape == "spans":  # each block of rows starts further right: spans of different widths
                for row, value in enumerate(texts, 1):
                    if value:
                        sheet.write_string(row, col + start(row), value, style)
            elif at_once:
                sheet.text_column(1, col, texts, style)
            else:
                for row, value in enumerate(texts, 1):
                    if value.__class__ is str and value:
                        sheet.write_string(row, col, value, style)
        if at_once:
            sheet.number_column(1, 2, numbers, plain)
        else:
            for row, value in enumerate(numbers, 1):
                if value is not None and value == value:
                    sheet.write_number(row, 2, value, plain)
        book.close()
        with zipfile.ZipFile(path) as package:
            return {name: package.read(name) for name in ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml")}

    assert write(tmp_path / "fast.xlsx", True) == write(tmp_path / "plain.xlsx", False)
