"""``generate`` (pipeline/generate.py): pre-filled reports and invitations from the
roster, as HR writes it (csv or xlsx); reading the roster itself is tests/test_roster.py."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from pipeline import catalogue as cat
from pipeline import ooxml
from pipeline.catalogue import DEFAULT
from pipeline.outcomes import RosterError
from pipeline.generate import generate
from pipeline.naming import TO_SEND
from pipeline.signed_copies import code_png, page_code
from tests.conftest import (
    FIFTY,
    ROSTER_HEADER,
    TODAY,
    TRICKY_AGENTS,
    Docx,
    agent,
    make_config,
    write_csv,
    write_xlsx,
)

PREFILLED = {  # roster column -> field key
    "matricule": cat.AGENT_NUMBER, "nom": cat.LAST_NAME, "prénom": cat.FIRST_NAME,
    "grade": cat.GRADE, "service": cat.SERVICE, "poste": "poste", "évaluateur": cat.EVALUATOR,
    "fonction de l'évaluateur": "fonction_evaluateur",
    "date de convocation": cat.INVITATION_DATE, "date d'entretien": cat.REVIEW_DATE,
    "encadrant": "encadre_agents",
}
TRICKY_IDS = [a["matricule"] for a in TRICKY_AGENTS]


def run(tmp_path, rows, *, name="agents.csv", **config):
    writer = write_xlsx if name.endswith(".xlsx") else write_csv
    roster = writer(tmp_path / name, rows)
    return generate(make_config(tmp_path, **config), roster, today=TODAY)


# -- tricky names come out intact ---------------------------------------------------------


def test_generate_writes_one_report_and_one_invitation_per_agent(tricky_campaign):
    result = tricky_campaign.result
    assert result.problems == []
    assert len(result.reports) == len(result.invitations) == len(TRICKY_AGENTS)
    folder = tricky_campaign.config.outbox / TO_SEND
    assert {p.parent for p in result.reports + result.invitations} == {folder}
    assert all(p.exists() for p in result.reports + result.invitations)


@pytest.mark.parametrize("row", TRICKY_AGENTS, ids=TRICKY_IDS)
def test_generated_report_holds_roster_values_exactly(tricky_campaign, row):
    report = tricky_campaign.report_of(row["matricule"])
    for column, key in PREFILLED.items():
        assert report.value(key) == row[column], key
        (sdt,) = report.controls(key)
        assert not ooxml.control_showing_placeholder(sdt), key


@pytest.mark.parametrize("row", TRICKY_AGENTS, ids=TRICKY_IDS)
def test_generated_report_carries_its_identifier_in_a_field_and_the_properties(
        tricky_campaign, row):
    report = tricky_campaign.report_of(row["matricule"])
    identifier = f"2026-{row['matricule']}"
    assert report.value(cat.REPORT_ID) == identifier
    assert report.value(cat.CAMPAIGN) == "2026"
    assert report.core_property("dc:identifier") == identifier
    assert report.core_property("cp:version") == DEFAULT.version()
    assert identifier in report.footer_text()


@pytest.mark.parametrize("row", TRICKY_AGENTS, ids=TRICKY_IDS)
def test_generated_report_header_names_agent_and_campaign(tricky_campaign, row):
    header = tricky_campaign.report_of(row["matricule"]).header_text()
    assert f"{row['prénom']} {row['nom']}" in header
    assert "campagne 2026" in header
    assert row["matricule"] in header


@pytest.mark.parametrize("row", TRICKY_AGENTS, ids=TRICKY_IDS)
def test_generated_files_keep_no_template_syntax(tricky_campaign, row):
    for doc in (tricky_campaign.report_of(row["matricule"]),
                tricky_campaign.invitation_of(row["matricule"])):
        text = "\n".join([doc.text(), doc.header_text(), doc.footer_text()])
        assert "{{" not in text and "{%" not in text


def test_generated_report_leaves_the_evaluation_to_fill(tricky_campaign):
    report = tricky_campaign.report_of("100231")
    for key in ("missions", "competences", "appreciation_generale", "signature_evaluateur"):
        (sdt,) = report.controls(key)
        assert ooxml.control_showing_placeholder(sdt), key
    for table in DEFAULT.table_fields:
        (rows,) = report.tables_with_header([c.label for c in table.columns])
        assert len(rows) == 1 + table.blank_rows
        assert all(ooxml.cell_text(c) == "" for r in rows[1:] for c in r)


def test_generated_file_names_keep_accents_and_apostrophes(tricky_campaign):
    names = sorted(p.name for p in tricky_campaign.result.reports)
    assert "2026_100231_N'DIAYE_Moussa - compte rendu.docx" in names
    assert "2026_100233_ÖZTÜRK_Çağla - compte rendu.docx" in names
    assert "2026_100234_L’HÔTE_Zoé - compte rendu.docx" in names


@pytest.mark.parametrize("row", TRICKY_AGENTS, ids=TRICKY_IDS)
def test_generated_invitation_names_agent_date_time_place_and_evaluator(tricky_campaign, row):
    text = tricky_campaign.invitation_of(row["matricule"]).text()
    for column in ("prénom", "nom", "grade", "service", "évaluateur", "heure", "lieu"):
        assert row[column] in text, column
    day = dt.datetime.strptime(row["date d'entretien"], "%d/%m/%Y").date()
    assert f"{day.day} décembre 2026" in text
    assert "mercredi 2 décembre 2026" in text  # the invitation's date, written out
    assert "campagne 2026" in text
    assert "au moins huit jours avant" in text


def test_generated_invitation_letterhead_does_not_repeat_itself(tricky_campaign):
    first = tricky_campaign.invitation_of("100231").paragraphs()[0]
    lines = [line for line in first.split("\n") if line.strip()]
    assert len(lines) == len(set(lines))


def test_generated_files_are_readable_by_owner_and_group_only(tricky_campaign):
    for path in tricky_campaign.result.reports + tricky_campaign.result.invitations:
        assert stat.S_IMODE(path.stat().st_mode) == 0o640, path.name


# -- roster formats --------------------------------------------------------------------------


@pytest.mark.parametrize(("sep", "encoding"), [
    (";", "utf-8-sig"), (",", "utf-8-sig"), (";", "cp1252"), (",", "cp1252")])
def test_generate_reads_csv_rosters_as_excel_saves_them(tmp_path, sep, encoding):
    rows = [agent("100301", "Lefèbvre", "Jean-François", service="Urgences, site Nord",
                  poste="Cadre de l’unité")]
    roster = write_csv(tmp_path / "agents.csv", rows, sep=sep, encoding=encoding)
    result = generate(make_config(tmp_path), roster, today=TODAY)
    assert result.problems == []
    report = Docx(result.reports[0])
    assert report.value(cat.LAST_NAME) == "Lefèbvre"
    assert report.value(cat.FIRST_NAME) == "Jean-François"
    assert report.value(cat.SERVICE) == "Urgences, site Nord"
    assert report.value("poste") == "Cadre de l’unité"


def test_the_example_roster_saved_by_excel_for_mac_gives_every_document_with_every_accent_right(tmp_path):
    """GIVEN examples/agents.csv saved by Excel for Mac as «\u202fCSV Macintosh\u202f» (Mac Roman, CR line ends;
    shared/cases/round3), where «\u202fÇağla\u202f» became «\u202fÇa?la\u202f» WHEN generate runs THEN every agent's
    report and invitation are made with every accent right, and one notice names her line and column."""
    roster = Path(__file__).resolve().parent / "field_cases" / "roster_excel_mac_macroman.csv"
    result = generate(make_config(tmp_path), roster, today=TODAY)
    assert result.problems == [] and len(result.reports) == len(result.invitations) == 5
    reports = {Docx(p).value(cat.AGENT_NUMBER): Docx(p) for p in result.reports}
    assert [reports[n].value(cat.FIRST_NAME) + " " + reports[n].value(cat.LAST_NAME) for n in sorted(reports)] == [
        "Élodie Martin", "Moussa N'Diaye", "Anne-Sophie D'Arcy-Lefèvre", "Ça?la Öztürk", "Jean-François Lefèbvre"]
    assert reports["100231"].value(cat.GRADE) == "Infirmière en soins généraux"
    letter = Docx(next(p for p in result.invitations if "100233" in p.name)).text()
    assert "Salle « Orion »" in letter
    (notice,) = result.notices
    assert str(notice).startswith("Ligne 5 : Ça?la ÖZTÜRK : la colonne «\u202fprénom\u202f» contient «\u202fÇa?la\u202f»")


def test_generate_writes_an_excel_time_as_hours_and_minutes(tmp_path):
    rows = [agent(100701, "Martin", "Élodie", heure=dt.time(9, 30))]
    result = run(tmp_path, rows, name="agents.xlsx")
    text = Docx(result.invitations[0]).text()
    assert "09:30:00" not in text
    assert "09:30" in text or "9 h 30" in text


@pytest.mark.parametrize("written", ["2026-12-14", "14/12/2026 00:00:00", "14-12-2026", dt.date(2026, 12, 14)])
def test_a_date_of_the_roster_is_written_in_the_report_as_the_form_prints_dates(tmp_path, written):
    """A roster exported with ISO dates (or an Excel date, a time left on it): the report says
    « 14/12/2026 », not « 2026-12-14 » (a hospital's HR exported its roster so)."""
    from pipeline.read import read_report

    result = run(tmp_path, [agent(100711, "Martin", "Élodie", **{"date d'entretien": written})],
                 name="agents.xlsx" if isinstance(written, dt.date) else "agents.csv")
    (report,) = result.reports
    assert read_report(report, DEFAULT).values[cat.REVIEW_DATE] == "14/12/2026"


# -- bad rosters: reported by line, the other rows still generated --------------------------


@pytest.fixture(scope="module")
def bad_roster_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("bad-roster")
    rows = [
        agent("100801", "Martin", "Élodie"),                                          # line 2
        agent("100802", "Durand", "Paul", **{"évaluateur": ""}),                      # line 3
        agent("100801", "Martin", "Élise"),                                           # line 4
        agent("100804", "Roux", "Luc", **{"date d'entretien": "09/12/2026"}),         # line 5
        agent("100805", "Blanc", "Léa", **{"date d'entretien": "31/02/2026"}),        # line 6
        agent("100806", "Petit", "Noé", **{"date d'entretien": "10/12/2026"}),        # line 7
    ]
    roster = write_csv(base / "agents.csv", rows)
    return generate(make_config(base), roster, today=TODAY)


def problem_on(result, line: int) -> str:
    (problem,) = [p for p in result.problems if p.line == line]
    return str(problem)


def test_bad_rows_are_reported_and_the_good_ones_generated(bad_roster_run):
    assert [p.line for p in bad_roster_run.problems] == [3, 4, 5, 6]
    generated = sorted(Docx(p).value(cat.AGENT_NUMBER) for p in bad_roster_run.reports)
    assert generated == ["100801", "100806"]  # 10/12 is exactly 8 days after 02/12
    assert len(bad_roster_run.invitations) == 2


def test_review_less_than_eight_days_after_invitation_is_reported(bad_roster_run):
    message = problem_on(bad_roster_run, 5)
    assert message.startswith("Ligne 5 : ")
    assert "09/12/2026" in message and "02/12/2026" in message
    assert "moins de 8 jours" in message


def test_invitation_delay_follows_the_config_override(tmp_path):
    rows = [agent("100901", "Roux", "Luc", **{"date d'entretien": "10/12/2026"})]
    result = run(tmp_path, rows, delais={"convocation_jours_avant": 15})
    assert result.reports == []
    assert "moins de 15 jours" in str(result.problems[0])


def test_generate_without_any_roster_says_where_to_give_one(tmp_path):
    with pytest.raises(RosterError) as caught:
        generate(make_config(tmp_path), None, today=TODAY)
    assert "--liste" in caught.value.message and "liste_agents" in caught.value.message


def test_generate_uses_the_roster_named_in_config(tmp_path):
    write_csv(tmp_path / "liste.csv", [agent("101401", "Roux", "Luc")])
    result = generate(make_config(tmp_path, liste_agents="liste.csv"), today=TODAY)
    assert len(result.reports) == 1


# -- never overwrite ---------------------------------------------------------------------------


def test_generate_again_writes_only_what_is_new_or_changed_and_keeps_the_replaced_versions(tmp_path):
    """GIVEN reports sent out for a roster WHEN HR fixes one line, adds an agent and runs generate
    again THEN only the changed agent's documents are rewritten (their previous versions kept in
    «\u202fversions précédentes\u202f», nothing overwritten), the new agent's written, the others left as
    they are, and the result says which."""
    rows = [agent("101501", "N'Diaye", "Moussa"), agent("101502", "Roux", "Luc")]
    roster = write_csv(tmp_path / "agents.csv", rows)
    config = make_config(tmp_path)
    first = generate(config, roster, today=TODAY)
    assert len(first.written) == 4 and first.updated == first.unchanged == []
    before = {p: p.read_bytes() for p in first.written}
    write_csv(roster, [rows[0], agent("101502", "Roux", "Luc", service="Urgences"), agent("101503", "Petit", "Noé")])
    second = generate(config, roster, today=TODAY)
    folder = tmp_path / "outbox" / TO_SEND
    assert sorted(p.name for p in second.unchanged) == [
        "2026_101501_N'DIAYE_Moussa - compte rendu.docx", "2026_101501_N'DIAYE_Moussa - convocation.docx"]
    assert sorted(p.name for p in second.updated) == [
        "2026_101502_ROUX_Luc - compte rendu.docx", "2026_101502_ROUX_Luc - convocation.docx"]
    assert sorted(p.name for p in second.written) == [
        "2026_101503_PETIT_Noé - compte rendu.docx", "2026_101503_PETIT_Noé - convocation.docx"]
    assert not [p for p in folder.iterdir() if "(2)" in p.name]
    kept = {p.name: p.read_bytes() for p in (folder / "versions précédentes").iterdir()}
    assert kept == {p.name: data for p, data in before.items() if "ROUX" in p.name}
    assert Docx(folder / "2026_101502_ROUX_Luc - compte rendu.docx").value(cat.SERVICE) == "Urgences"
    third = generate(config, roster, today=TODAY, rewrite_all=True)
    assert len(third.updated) == 6 and third.unchanged == []


def test_a_letter_without_an_invitation_date_in_the_roster_keeps_the_day_it_was_first_made(tmp_path):
    """GIVEN rows without an invitation date (their letters dated the day generate runs) WHEN generate
    runs again on later days, even after the interviews THEN their documents are unchanged and no row
    is judged by those days; a new row's letter is dated its own day; a date given since in the
    roster wins, in the letter and in the report."""
    rows = [agent(f"10170{n}", name, "Luc", **{"date de convocation": ""}) for n, name in
            enumerate(("Roux", "Petit", "Noir"))]
    roster = write_csv(tmp_path / "agents.csv", rows[:2])
    config = make_config(tmp_path)
    first = generate(config, roster, today=TODAY)
    assert len(first.written) == 4
    for days in (1, 7, 60):  # 60: after the interviews of 14/12/2026
        again = generate(config, roster, today=TODAY + dt.timedelta(days=days))
        assert len(again.unchanged) == 4 and again.updated == again.written == again.problems == []
    later = TODAY + dt.timedelta(days=3)
    write_csv(roster, [rows[0], agent("101701", "Petit", "Luc", **{"date de convocation": "03/11/2026"}), rows[2]])
    third = generate(config, roster, today=later)
    folder = tmp_path / "outbox" / TO_SEND
    assert [p.name for p in third.unchanged] == ["2026_101700_ROUX_Luc - compte rendu.docx",
                                                 "2026_101700_ROUX_Luc - convocation.docx"]
    for stem, letter, report in (("2026_101700_ROUX_Luc", "Le lundi 2 novembre 2026", ""),
                                 ("2026_101701_PETIT_Luc", "Le mardi 3 novembre 2026", "03/11/2026"),
                                 ("2026_101702_NOIR_Luc", "Le jeudi 5 novembre 2026", "")):
        assert letter in Docx(folder / f"{stem} - convocation.docx").paragraphs()
        assert Docx(folder / f"{stem} - compte rendu.docx").value(cat.INVITATION_DATE) == report


# -- a roster without invitation dates: never judged by a date the user did not write ------------------

WITHOUT_INVITATION_COLUMN = [c for c in ROSTER_HEADER if c != "date de convocation"]
# Interviews before the day generate runs (TODAY, Monday 2 November 2026), that day, less than 8 days
# after it, and later: none is dropped.
UNDATED_REVIEWS = ["16/10/2026", "02/11/2026", "05/11/2026", "09/11/2026", "10/11/2026", "14/12/2026"]
UNDATED = [agent(f"1019{n:02d}", f"Nom{n}", "Luc", **{"date de convocation": "", "date d'entretien": day})
           for n, day in enumerate(UNDATED_REVIEWS)]
ROSTERS_WITHOUT_INVITATION_DATES = {  # what the roster is -> (rows, header, what the notice says)
    "no_column": (UNDATED, WITHOUT_INVITATION_COLUMN, "n'a pas de colonne «\u202fdate de convocation\u202f»"),
    "empty_column": (UNDATED, ROSTER_HEADER, "ne donne pas de date de convocation pour 6 agents"),
    "some_rows_dated": ([*UNDATED, agent("101990", "Daté", "Léa"),
                         agent("101991", "Avant", "Noé", **{"date de convocation": "20/12/2026"})],
                        ROSTER_HEADER, "ne donne pas de date de convocation pour 6 agents"),
    "working_days_and_a_longer_delay": (UNDATED, WITHOUT_INVITATION_COLUMN, "au moins 15 jours"),
}


@pytest.mark.parametrize("kind", ROSTERS_WITHOUT_INVITATION_DATES)
def test_a_roster_without_invitation_dates_gets_every_document_and_one_notice(tmp_path, kind):
    """GIVEN a roster whose interviews have no invitation date (interviews already held, today, within
    the minimum delay, later) WHEN generate runs THEN every agent's report and invitation are made, no
    row is dropped for the day generate runs, and ONE notice about the whole roster says what could
    not be checked, what the letters and reports carry, and what to do."""
    rows, header, said = ROSTERS_WITHOUT_INVITATION_DATES[kind]
    settings = ({"delais": {"convocation_jours_avant": 15, "decompte": "ouvres"}}
                if kind == "working_days_and_a_longer_delay" else {})
    roster = write_csv(tmp_path / "agents.csv", rows, header=header)
    result = generate(make_config(tmp_path, **settings), roster, today=TODAY)
    dated = [r for r in rows if r.get("date de convocation")]
    assert [str(p) for p in result.problems] == (
        ["Ligne 9 : Noé AVANT : l'entretien du 14/12/2026 a lieu avant la convocation du 20/12/2026 ; corrigez "
         "l'une des deux dates. La ligne est ignorée."] if dated else [])  # the user's own dates still checked
    assert len(result.reports) == len(result.invitations) == len(rows) - len(result.problems)
    (notice,) = result.notices
    assert notice.line is None and str(notice).startswith("la liste des agents ")
    assert said in str(notice) and "n'a donc pas été vérifié" in str(notice)
    assert "la date du 02/11/2026, jour où elles ont été produites" in str(notice)
    assert "«\u202fDate de la convocation\u202f» de leurs comptes rendus est laissée à remplir" in str(notice)
    close = "Pour 4 d'entre eux" if not settings else "Pour 5 d'entre eux"  # 15 working days: until 24/11
    assert close in str(notice) and "relancez «\u202fentretiens generer\u202f»" in str(notice)
    for row in UNDATED:
        stem = f"2026_{row['matricule']}_{row['nom'].upper()}_Luc"
        folder = tmp_path / "outbox" / TO_SEND
        assert "Le lundi 2 novembre 2026" in Docx(folder / f"{stem} - convocation.docx").paragraphs()
        assert Docx(folder / f"{stem} - compte rendu.docx").value(cat.INVITATION_DATE) == ""


def test_one_agent_without_an_invitation_date_is_told_in_the_singular(tmp_path):
    rows = [agent("101992", "Roux", "Luc", **{"date de convocation": "", "date d'entretien": "14/12/2026"})]
    result = run(tmp_path, rows)
    (notice,) = result.notices
    assert "pour 1 agent dont" in str(notice) and "Sa convocation porte la date du 02/11/2026" in str(notice)
    assert "Pour" not in str(notice)  # its interview is well after the 8 days


def test_a_row_without_an_interview_date_gets_its_report_and_waits_for_its_invitation(tmp_path):
    rows = [agent("101601", "Roux", "Luc", **{"date d'entretien": ""})]
    result = generate(make_config(tmp_path), write_csv(tmp_path / "agents.csv", rows), today=TODAY)
    assert len(result.reports) == 1 and result.invitations == [] and result.problems == []
    (notice,) = result.notices
    assert "pas encore de date d'entretien" in str(notice) and "Luc ROUX" in str(notice)
    assert "relancez alors «\u202fentretiens generer\u202f»" in str(notice)


@pytest.mark.parametrize(("review", "said"), [
    ("01/02/2027", "après la date limite des entretiens (31/01/2027)"),  # a Monday, after the deadline
    ("12/12/2026", "un samedi"),
    ("13/12/2026", "un dimanche"),
    ("25/12/2026", "un jour férié"),
])
def test_an_interview_date_worth_checking_is_noted_and_the_documents_made(tmp_path, review, said):
    rows = [agent("101701", "Roux", "Luc", **{"date de convocation": "01/12/2026", "date d'entretien": review})]
    result = generate(make_config(tmp_path), write_csv(tmp_path / "agents.csv", rows), today=TODAY)
    assert len(result.reports) == len(result.invitations) == 1
    (notice,) = result.notices
    assert said in str(notice) and "vérifiez la date" in str(notice)


def test_an_interview_before_its_invitation_says_so(tmp_path):
    rows = [agent("101801", "Roux", "Luc", **{"date de convocation": "10/12/2026", "date d'entretien": "07/12/2026"})]
    result = generate(make_config(tmp_path), write_csv(tmp_path / "agents.csv", rows), today=TODAY)
    (problem,) = result.problems
    assert "a lieu avant la convocation du 10/12/2026" in str(problem) and "moins de" not in str(problem)


# -- hooks and adapted forms ---------------------------------------------------------------


def test_previous_objectives_fill_the_first_column_of_the_results_table(tmp_path):
    roster = write_csv(tmp_path / "agents.csv", [agent("101601", "Roux", "Luc")])
    asked = []

    def previous(number: str) -> list[str]:
        asked.append(number)
        return ["Objectif A", "Objectif B"]

    result = generate(make_config(tmp_path), roster, today=TODAY, previous_objectives=previous)
    assert asked == ["101601"]
    columns = DEFAULT.field(cat.PREVIOUS_RESULTS).columns
    (rows,) = Docx(result.reports[0]).tables_with_header([c.label for c in columns])
    assert [ooxml.cell_text(r[0]) for r in rows[1:]] == ["Objectif A", "Objectif B"]
    assert all(ooxml.cell_text(c) == "" for r in rows[1:] for c in r[1:])


def test_generate_with_an_adapted_catalogue_builds_and_fills_the_adapted_form(tmp_path):
    config = make_config(tmp_path, dossiers={"modeles": "modeles"}, catalogue={
        "ajouter": [{"key": "teletravail", "label": "Modalités de télétravail",
                     "section": "poste"}]})
    roster = write_csv(tmp_path / "agents.csv", [agent("101701", "Roux", "Luc")])
    result = generate(config, roster, today=TODAY)
    assert (tmp_path / "modeles" / "compte_rendu.docx").exists()
    report = Docx(result.reports[0])
    (sdt,) = report.controls("teletravail")
    assert ooxml.control_alias(sdt) == "Modalités de télétravail"
    assert report.core_property("cp:version") == config.catalogue.version()


# -- a 50-agent campaign ------------------------------------------------------------------------


def test_fifty_agent_roster_gives_fifty_reports_and_fifty_invitations(fifty_campaign):
    result = fifty_campaign.result
    assert result.problems == []
    assert len(result.reports) == len(result.invitations) == FIFTY
    assert len({p.name for p in result.reports}) == FIFTY
    assert fifty_campaign.progress[-1] == (FIFTY, FIFTY)


def test_every_field_of_every_generated_report_is_found_by_tag(fifty_campaign):
    keys = [f.key for f in DEFAULT.single_fields]
    for path in fifty_campaign.result.reports:
        report = Docx(path)
        tags = report.tags()
        assert sorted(tags) == sorted(keys), path.name
        number = report.value(cat.AGENT_NUMBER)
        assert report.core_property("dc:identifier") == f"2026-{number}"
        assert report.value(cat.LAST_NAME) == f"Nom{int(number) - 200000:02d}"


# -- LibreOffice, a real client --------------------------------------------------------------


@pytest.fixture(scope="session")
def tricky_pdfs(tricky_campaign, convert):
    files = tricky_campaign.result.reports + tricky_campaign.result.invitations
    return convert(files, "pdf")


def pdf_text(path) -> str:
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext est introuvable alors que CI est défini : "
                        ".ci/run doit installer poppler-utils.")
        pytest.skip("pdftotext (poppler-utils) n'est pas installé")
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                          capture_output=True, check=True)
    return done.stdout.decode("utf-8")


@pytest.mark.libreoffice
def test_libreoffice_converts_reports_and_invitations_to_pdf(tricky_campaign, tricky_pdfs):
    for source in tricky_campaign.result.reports + tricky_campaign.result.invitations:
        pdf = tricky_pdfs / (source.stem + ".pdf")
        assert pdf.exists(), pdf.name
        assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.libreoffice
@pytest.mark.parametrize("row", TRICKY_AGENTS, ids=TRICKY_IDS)
def test_pdf_of_the_report_and_invitation_shows_the_agents_name(
        tricky_campaign, tricky_pdfs, row):
    report = tricky_campaign.report_of(row["matricule"]).path
    invitation = tricky_campaign.invitation_of(row["matricule"]).path
    report_text = pdf_text(tricky_pdfs / (report.stem + ".pdf"))
    assert f"{row['prénom']} {row['nom']}" in report_text  # the header
    assert row["service"] in report_text
    assert f"2026-{row['matricule']}" in report_text
    invitation_text = pdf_text(tricky_pdfs / (invitation.stem + ".pdf"))
    assert row["nom"] in invitation_text and row["lieu"] in invitation_text


@pytest.fixture(scope="session")
def fifty_round_trip(fifty_campaign, convert):
    """All 50 reports opened and saved again as .docx by LibreOffice, in one call."""
    return convert(fifty_campaign.result.reports, "docx:MS Word 2007 XML")


@pytest.mark.libreoffice
def test_libreoffice_opens_and_saves_all_fifty_reports_with_every_field(
        fifty_campaign, fifty_round_trip):
    """LibreOffice 7.4 drops content-control tags (NOTES.md): find each field by its
    label cell, and check its value cell still holds a control."""
    for source in fifty_campaign.result.reports:
        saved = fifty_round_trip / source.name
        assert saved.exists(), source.name
        doc = Docx(saved)
        rows = doc.label_rows()
        for field in DEFAULT.single_fields:
            assert len(rows.get(field.label, [])) == 1, (source.name, field.label)
            (_, value_cell), = rows[field.label]
            assert list(ooxml.iter_controls(value_cell)), (source.name, field.label)
        for table in DEFAULT.table_fields:
            assert len(doc.tables_with_header([c.label for c in table.columns])) == 1
        number = ooxml.cell_text(rows["Matricule"][0][1])
        assert ooxml.cell_text(rows["Nom de l'agent"][0][1]) == f"Nom{int(number) - 200000:02d}"
        assert doc.core_property("dc:identifier") == f"2026-{number}"
        assert doc.core_property("cp:version") == DEFAULT.version()


# -- documents made without docxtpl for each: docxtpl's own, part by part ------------------------------
#
# pipeline/shape_fill.py renders our templates with docxtpl once per shape of context, and writes each
# agent's values into that rendering's bytes. Held here to docxtpl's rendering of the same context
# (pipeline.render.rendered_document, what generate wrote until then): the same parts, and every
# part the same bytes, the page code's picture among them. Both are made with one date (``NOW``).

NOW = dt.datetime(2026, 11, 2, 9, 30, 15)
LONG = "Wolfeschlegelsteinhausenbergerdorff-Ærøskøbing " * 30
HOSTILE = {  # case -> (a value, whether shape_fill writes it itself rather than let docxtpl render the document)
    "xml_specials": ("Tom & Jerry <R&D> \"guillemets\" 'apostrophe' l’Hôte >>", True),
    "line_breaks": ("première ligne\ndeuxième ligne\n  troisième, en retrait", True),
    "tabs": ("avant\taprès\tfin ; & <b>\tx", True),
    "very_long": (LONG, True),
    "accents_and_beyond_the_bmp": ("Zoë Çağla Ñúñez Łódź 𝔄𝔫𝔫𝔢 😀 ☒ ☐ \u202f« »", True),
    "spaces_around": ("  Lefèvre  ", True),
    "percent_and_underscore": ("taux_% 100 % _x_", True),
    "unusual_characters": ("DEL\x7f NEL\x85 LS\u2028 PS\u2029 ZWJ\u200d BOM\ufeff NBSP\xa0 \U0010fffd", True),
    # docxtpl's own rendering: a brace (docxtpl turns « {_{ » into « {{ »), a carriage return (the XML
    # parser makes it a line break), an empty line or one of spaces (a parser may drop it)
    "template_syntax": ("{{ f.nom }} {% if x %}{_{", False),
    "carriage_return": ("ligne\r\nsuivante", False),
    "empty_line": ("avant\n\naprès", False),
    "only_spaces": ("   ", False),
}
OPTIONAL = ("fonction_evaluateur", cat.INVITATION_DATE, "poste")


def _hostile_row(tmp_path, value: str, previous: int):
    """A roster row whose every written value is ``value`` (or a variant), optional columns empty."""
    from pipeline.roster import load_roster

    config = make_config(tmp_path)
    roster = load_roster(write_csv(tmp_path / "agents.csv", [agent("100990", "Roux", "Luc")]), config.catalogue)
    (row,) = roster.rows
    for n, key in enumerate((cat.LAST_NAME, cat.FIRST_NAME, cat.GRADE, cat.SERVICE, cat.EVALUATOR)):
        row.values[key] = value if n % 2 == 0 else f"{value[::-1]} {n}"
    for key in OPTIONAL:
        row.values[key] = ""
    row.invitation["lieu"], row.invitation["heure"] = value, ""
    objectives = [f"{value} – objectif {k + 1}" for k in range(previous)]
    return config, row, objectives


def _same_shape_other_values(context):
    """A context of the same shape (the same keys, rows, empty values) with other values."""
    if isinstance(context, dict):
        return {key: _same_shape_other_values(value) for key, value in context.items()}
    if isinstance(context, list):
        return [_same_shape_other_values(value) for value in context]
    return context and f"autre {len(context)}"


def assert_same_parts(made: bytes, reference: bytes) -> None:
    from pipeline.shape_fill import parts

    made_parts, reference_parts = parts(made), parts(reference)
    assert sorted(made_parts) == sorted(reference_parts)
    for name, data in reference_parts.items():
        assert made_parts[name] == data, name


@pytest.mark.parametrize("previous", [0, 2, 5], ids=["no_objective", "two_objectives", "five_objectives"])
@pytest.mark.parametrize("case", HOSTILE)
def test_a_report_made_from_its_shape_is_docxtpls_part_by_part(tmp_path, case, previous):
    """GIVEN a report's context with hostile values (XML specials, line breaks, tabs, very long,
    beyond the BMP, empty optional columns; no, some or more last-year objectives than the results
    table's 3 blank rows) WHEN shape_fill makes it from a shape built with other values THEN its
    parts are docxtpl's, byte for byte, its page code's picture included; and it was made without
    docxtpl unless the value is one docxtpl alone renders."""
    from pipeline.generate import report_context
    from pipeline.render import rendered_document
    from pipeline.shape_fill import ShapeFill

    value, fast = HOSTILE[case]
    config, row, objectives = _hostile_row(tmp_path, value, previous)
    context = report_context(config.catalogue, "2026", row, objectives)
    identifier = context["f"][cat.REPORT_ID]
    version = config.catalogue.version()
    picture = code_png(page_code(version, "2026", "100990")).getvalue()
    template = config.templates / "compte_rendu.docx"
    filler = ShapeFill(template)
    # The shape is built from another agent: other values, another page code of the same size.
    filler.document(_same_shape_other_values(context), identifier="2026-100991",
                    picture=code_png(page_code(version, "2026", "100991")).getvalue(), now=NOW)
    made = filler.document(context, identifier=identifier, picture=picture, now=NOW)
    assert filler.fast == int(fast)
    assert_same_parts(made, rendered_document(template, context, identifier=identifier, code_picture=picture,
                                              now=NOW))


def test_a_first_review_and_a_long_identifier_are_docxtpls_too(tmp_path):
    from pipeline.generate import report_context
    from pipeline.render import rendered_document
    from pipeline.shape_fill import ShapeFill

    config, row, _ = _hostile_row(tmp_path, HOSTILE["xml_specials"][0], 0)
    row.values[cat.FIRST_REVIEW] = "oui"  # no row at all in last year's results
    context = report_context(config.catalogue, "2026", row, ["ignoré"])
    assert context["t"][cat.PREVIOUS_RESULTS] == []
    identifier = "2026-R&D<1>'\"-" + "9" * 40
    picture = code_png(page_code(config.catalogue.version(), "2026", "R&D<1>'\"-" + "9" * 40)).getvalue()
    template = config.templates / "compte_rendu.docx"
    filler = ShapeFill(template)
    filler.document(_same_shape_other_values(context), identifier="x" * len(identifier), picture=picture, now=NOW)
    made = filler.document(context, identifier=identifier, picture=picture, now=NOW)
    assert filler.fast == 1
    assert_same_parts(made, rendered_document(template, context, identifier=identifier, code_picture=picture,
                                              now=NOW))


@pytest.mark.parametrize("case", HOSTILE)
def test_an_invitation_made_from_its_shape_is_docxtpls_part_by_part(tmp_path, case):
    from pipeline.generate import invitation_context
    from pipeline.render import rendered_document
    from pipeline.shape_fill import ShapeFill

    value, fast = HOSTILE[case]
    config, row, _ = _hostile_row(tmp_path, value, 0)
    context = invitation_context(config, row, TODAY)
    template = config.templates / "convocation.docx"
    filler = ShapeFill(template)
    filler.document(_same_shape_other_values(context), now=NOW)
    made = filler.document(context, now=NOW)
    assert filler.fast == int(fast)
    assert_same_parts(made, rendered_document(template, context, now=NOW))


# -- generate with worker processes: the documents, files and result of generate without them ------------

_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*")


def _documents(folder: Path) -> dict[str, dict[str, bytes]]:
    """Every document of a folder: its parts, the creation and modification dates left out (the
    moment each was written)."""
    from pipeline.shape_fill import parts

    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            found[str(path.relative_to(folder))] = {
                name: _DATES.sub(rb"\1", data) if name == "docProps/core.xml" else data
                for name, data in parts(path.read_bytes()).items()}
    return found


HOSTILE_ROSTER = [
    *TRICKY_AGENTS,
    *(agent(f"1005{n:02d}", f"Nom & <{n}> “{n}”", f"Prénom{n} 𝔄", service=f"Service\t{n}",
            poste="" if n % 3 else f"Poste {'très ' * n}long",
            **{"fonction de l'évaluateur": "" if n % 2 else "Cadre",
               "date de convocation": "" if n % 5 == 0 else "02/12/2026",
               "date d'entretien": "" if n % 7 == 0 else "14/12/2026"})
      for n in range(40)),
]


def _previous(number: str) -> list[str]:
    return [f"Objectif {k} de « {number} » & <suite>" for k in range((0, 2, 5, 3)[int(number) % 4])]


def _run_generate(base: Path, *, workers: int, progress: list | None = None, rewrite_all: bool = False):
    base.mkdir(exist_ok=True)
    roster = write_csv(base / "agents.csv", HOSTILE_ROSTER)
    return generate(make_config(base), roster, today=TODAY, previous_objectives=_previous, rewrite_all=rewrite_all,
                    workers=workers, progress=(lambda *step: progress.append(step)) if progress is not None else None)


def _named(result) -> dict[str, list]:
    return {key: [getattr(p, "name", p) for p in value] if isinstance(value, list) else value
            for key, value in vars(result).items() if key != "documents"}


def test_generate_with_workers_writes_the_documents_docxtpl_writes(tmp_path, monkeypatch):
    """GIVEN a roster with hostile values, empty optional columns, 0 to 5 last-year objectives WHEN
    generate runs with two worker processes THEN it returns what generate returns rendering every
    document with docxtpl in its own process, in the same order, and writes the same files, each
    with the same parts (their dates of creation aside); run again, it leaves them all as they are;
    asked to rewrite them, it keeps the previous versions as before."""
    from pipeline.shape_fill import ShapeFill

    steps: list = []
    fast = _run_generate(tmp_path / "fast", workers=2, progress=steps)
    with monkeypatch.context() as patched:
        patched.setattr(ShapeFill, "docxtpl_only", True)
        reference_steps: list = []
        reference = _run_generate(tmp_path / "docxtpl", workers=0, progress=reference_steps)
    assert len(fast.written) == 2 * len(HOSTILE_ROSTER) - 6  # 6 rows without an interview date
    assert _named(fast) == _named(reference) and steps == reference_steps
    assert [str(p).replace("fast", "docxtpl") for p in fast.written] == [str(p) for p in reference.written]
    written = _documents(tmp_path / "fast" / "outbox")
    assert written == _documents(tmp_path / "docxtpl" / "outbox")
    again = _run_generate(tmp_path / "fast", workers=2)
    assert len(again.unchanged) == len(fast.written) and again.written == again.updated == []
    rewritten = _run_generate(tmp_path / "fast", workers=2, rewrite_all=True)
    assert [p.name for p in rewritten.updated] == [p.name for p in fast.written]
    assert len(list((tmp_path / "fast" / "outbox" / TO_SEND / "versions précédentes").iterdir())) == len(
        fast.written)


def test_generate_with_workers_on_an_employers_form_writes_what_it_writes_alone(tmp_path):
    from tests.test_employer_template import write_workspace

    results = {}
    for workers in (0, 2):
        config = write_workspace(tmp_path / str(workers), "B_hopital_lignes")
        results[workers] = generate(config, today=TODAY, previous_objectives=_previous, workers=workers)
    assert _named(results[2]) == _named(results[0]) and results[2].written
    assert _documents(tmp_path / "2" / "outbox") == _documents(tmp_path / "0" / "outbox")


CTRL_C_RUN = """
import sys
from pathlib import Path
from pipeline.generate import generate
from tests.conftest import TODAY, agent, make_config, write_csv

if __name__ == "__main__":
    base = Path(sys.argv[1])
    roster = write_csv(base / "agents.csv", [agent(f"1{n:05d}", f"Nom{n}", "Luc") for n in range(3000)])

    def progress(done, total):
        if done == 40:
            print("workers busy", flush=True)

    generate(make_config(base), roster, today=TODAY, progress=progress, workers=2)
"""


def test_ctrl_c_during_generate_leaves_no_worker_and_no_half_written_file(tmp_path):
    """GIVEN generate writing a long roster's documents with two workers WHEN Ctrl-C reaches the
    terminal's process group THEN the run stops, no process of the group is left, and no temporary
    file is left in the outbox."""
    import signal
    import sys

    REPO = Path(__file__).resolve().parents[1]
    child = subprocess.Popen([sys.executable, "-c", CTRL_C_RUN, str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True, text=True)
    try:
        assert child.stdout.readline() == "workers busy\n", child.stderr.read()
        os.killpg(child.pid, signal.SIGINT)
        _, errors = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    assert child.returncode != 0 and "KeyboardInterrupt" in errors
    deadline = dt.datetime.now() + dt.timedelta(seconds=10)
    while _group(child.pid) and dt.datetime.now() < deadline:
        import time

        time.sleep(0.1)
    assert _group(child.pid) == []
    folder = tmp_path / "outbox" / TO_SEND
    left = [p.name for p in folder.iterdir() if p.name.startswith(".")]
    assert left == [] and 40 < len(list(folder.iterdir())) < 6000


def _group(group: int) -> list[int]:
    """The processes of a process group (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == group and fields[0] != "Z":
                found.append(int(entry.name))
    return found
