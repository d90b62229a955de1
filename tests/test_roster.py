"""The roster, liste des agents (pipeline/roster.py): read as HR writes it (csv in any
separator and encoding Excel saves, xlsx with real Excel dates and numbers); a bad row is
reported with its line number as the spreadsheet shows it, the file as a whole refused only
when it cannot be used."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline import catalogue as cat
from pipeline.catalogue import DEFAULT
from pipeline.outcomes import RosterError
from pipeline.roster import load_roster
from tests.conftest import ROSTER_HEADER, agent, write_csv, write_xlsx


def read(path):
    return load_roster(path, DEFAULT)


@pytest.mark.parametrize(("sep", "encoding"), [
    (";", "utf-8-sig"), (",", "utf-8-sig"), (";", "cp1252"), (",", "cp1252")])
def test_csv_rosters_are_read_as_excel_saves_them(tmp_path, sep, encoding):
    rows = [agent("100301", "Lefèbvre", "Jean-François", service="Urgences, site Nord",
                  poste="Cadre de l’unité")]
    roster = read(write_csv(tmp_path / "agents.csv", rows, sep=sep, encoding=encoding))
    assert roster.problems == []
    (row,) = roster.rows
    assert (row.values[cat.LAST_NAME], row.values[cat.FIRST_NAME]) == ("Lefèbvre", "Jean-François")
    assert (row.values[cat.SERVICE], row.values["poste"]) == ("Urgences, site Nord", "Cadre de l’unité")


def test_xlsx_excel_dates_and_numeric_agent_numbers_read_as_typed(tmp_path):
    rows = [agent(100401, "Öztürk", "Çağla", heure=dt.time(9, 30),
                  **{"date de convocation": dt.datetime(2026, 12, 3),
                     "date d'entretien": dt.datetime(2026, 12, 15, 0, 0)})]
    (row,) = read(write_xlsx(tmp_path / "agents.xlsx", rows)).rows
    assert row.values[cat.AGENT_NUMBER] == "100401"
    assert (row.review_date, row.invitation_date) == (dt.date(2026, 12, 15), dt.date(2026, 12, 3))
    assert row.values[cat.REVIEW_DATE] == "15/12/2026"
    assert row.invitation["heure"] == "09:30"


@pytest.mark.parametrize(("invitation", "review"), [
    ("2026-12-02 00:00:00", "2026-12-14 00:00:00"),  # a date column exported with its time
    ("02/12/2026 00:00", "14/12/2026 00:00"),
    ("2026-12-02T00:00:00", "2026-12-14T09:30:00"),
    ("02/12/2026 08:15:00", "14/12/2026 14h30"),
])
def test_dates_exported_with_their_time_are_read_as_dates(tmp_path, invitation, review):
    rows = [agent("100701", "Martin", "Léa", **{"date de convocation": invitation, "date d'entretien": review})]
    roster = read(write_csv(tmp_path / "agents.csv", rows))
    assert roster.problems == []
    (row,) = roster.rows
    assert (row.invitation_date, row.review_date) == (dt.date(2026, 12, 2), dt.date(2026, 12, 14))


def test_column_names_match_whatever_their_case_accents_and_apostrophes(tmp_path):
    header = ["Matricule", "NOM", "Prenom", "Grade", "Service", "Evaluateur",
              "Date de l’entretien", "Date convocation"]
    rows = [{"Matricule": "100501", "NOM": "Martin", "Prenom": "Élodie", "Grade": "IDE",
             "Service": "Cardiologie", "Evaluateur": "Sophie Durand",
             "Date de l’entretien": "14/12/2026", "Date convocation": "02/12/2026"}]
    (row,) = read(write_csv(tmp_path / "agents.csv", rows, header=header)).rows
    assert row.values[cat.FIRST_NAME] == "Élodie"
    assert row.review_date == dt.date(2026, 12, 14)


def test_only_the_required_columns_are_enough(tmp_path):
    header = ["matricule", "nom", "prénom", "évaluateur", "date d'entretien"]
    roster = read(write_csv(tmp_path / "agents.csv", [agent("100601", "Martin", "Élodie")], header=header))
    assert [r.values[cat.AGENT_NUMBER] for r in roster.rows] == ["100601"]


@pytest.fixture(scope="module")
def bad_roster(tmp_path_factory):
    base = tmp_path_factory.mktemp("bad-roster")
    rows = [
        agent("100801", "Martin", "Élodie"),                                          # line 2
        agent("100802", "Durand", "Paul", **{"évaluateur": ""}),                      # line 3
        agent("100801", "Martin", "Élise"),                                           # line 4
        agent("100805", "Blanc", "Léa", **{"date d'entretien": "31/02/2026"}),        # line 5
    ]
    return read(write_csv(base / "agents.csv", rows))


def problem_on(roster, line: int) -> str:
    (problem,) = [p for p in roster.problems if p.line == line]
    return str(problem)


def test_a_bad_row_is_reported_and_the_others_kept(bad_roster):
    assert [p.line for p in bad_roster.problems] == [3, 4, 5]
    assert [r.values[cat.AGENT_NUMBER] for r in bad_roster.rows] == ["100801"]


def test_a_missing_required_value_is_reported_with_its_line_and_column(bad_roster):
    message = problem_on(bad_roster, 3)
    assert message.startswith("Ligne 3 : ") and "valeur manquante" in message
    assert "«\u202févaluateur\u202f»" in message and "ignorée" in message


def test_a_duplicate_agent_number_names_both_lines(bad_roster):
    message = problem_on(bad_roster, 4)
    assert message.startswith("Ligne 4 : ") and "100801" in message and "ligne 2" in message


def test_an_unreadable_date_is_reported_with_the_value(bad_roster):
    message = problem_on(bad_roster, 5)
    assert message.startswith("Ligne 5 : ") and "«\u202f31/02/2026\u202f»" in message


def test_blank_spreadsheet_lines_are_skipped_silently(tmp_path):
    rows = [agent("101101", "Roux", "Luc"), {}, agent("101103", "Petit", "Noé")]
    roster = read(write_xlsx(tmp_path / "agents.xlsx", rows))
    assert roster.problems == [] and len(roster.rows) == 2


def test_a_csv_problem_line_counts_empty_lines(tmp_path):
    path = write_csv(tmp_path / "agents.csv", [agent("101201", "Roux", "Luc")])
    with open(path, "a", encoding="utf-8", newline="") as handle:
        bad = agent("101203", "Petit", "Noé", **{"évaluateur": ""})
        handle.write("\r\n" + ";".join(str(bad[c]) for c in ROSTER_HEADER) + "\r\n")
    assert str(read(path).problems[0]).startswith("Ligne 4 : ")  # header, Roux, empty, Petit


def test_a_missing_required_column_stops_with_the_column_named(tmp_path):
    header = [c for c in ROSTER_HEADER if c != "évaluateur"]
    with pytest.raises(RosterError) as caught:
        read(write_csv(tmp_path / "agents.csv", [agent("101301", "Roux", "Luc")], header=header))
    assert "«\u202févaluateur\u202f»" in caught.value.message and "colonnes obligatoires" in caught.value.message


@pytest.mark.parametrize(("name", "content"), [
    ("agents.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
    ("agents.xlsx", b"ceci n'est pas un classeur"),
    ("agents.docx", b"PK\x03\x04"),
])
def test_a_file_that_is_not_a_roster_is_refused_in_french(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(RosterError) as caught:
        read(tmp_path / name)
    assert name in caught.value.message
    assert ".xlsx" in caught.value.message and ".csv" in caught.value.message


def test_a_missing_roster_file_is_named(tmp_path):
    with pytest.raises(RosterError) as caught:
        read(tmp_path / "absente.csv")
    assert "introuvable" in caught.value.message and "absente.csv" in caught.value.message


# -- rosters exported from HR systems ---------------------------------------------------------------


def exported(path, rows, *, titles, header=ROSTER_HEADER, sep=";"):
    """A csv as HR systems export it: title lines (and an empty one) above the header."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        for title in titles:
            handle.write(title + "\r\n")
        handle.write(sep.join(header) + "\r\n")
        for row in rows:
            handle.write(sep.join(str(row.get(c, "")) for c in header) + "\r\n")
    return path


@pytest.mark.parametrize("titles", [
    ["Liste des agents - campagne 2026", "Direction des soins", ""],
    ["Extraction SIRH du 02/11/2026;;;;", ""],
    ["", "", "", "Agents évalués"],
])
def test_title_lines_above_the_header_are_skipped_and_the_lines_still_counted(tmp_path, titles):
    rows = [agent("100901", "Roux", "Luc"), agent("100902", "Petit", "Noé", **{"évaluateur": ""})]
    roster = read(exported(tmp_path / "agents.csv", rows, titles=titles))
    assert roster.header_line == len(titles) + 1
    assert [r.values[cat.AGENT_NUMBER] for r in roster.rows] == ["100901"]
    assert [p.line for p in roster.problems] == [len(titles) + 3]  # as the spreadsheet numbers it


def test_title_lines_above_the_header_of_an_xlsx_are_skipped(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Liste des agents - campagne 2026"])
    sheet.append([])
    sheet.append(ROSTER_HEADER)
    sheet.append([agent(100903, "Roux", "Luc")[c] for c in ROSTER_HEADER])
    book.save(tmp_path / "agents.xlsx")
    roster = read(tmp_path / "agents.xlsx")
    assert roster.header_line == 3 and [r.line for r in roster.rows] == [4]


def test_a_roster_without_the_required_columns_never_shows_a_librarys_placeholder(tmp_path):
    path = exported(tmp_path / "agents.csv", [], titles=["Liste des agents"], header=["nom", "", "grade", ""])
    with pytest.raises(RosterError) as caught:
        read(path)
    message = caught.value.message
    assert "Unnamed" not in message and "Colonnes trouvées : nom, grade." in message
    assert "«\u202fmatricule\u202f»" in message and "README" in message


@pytest.mark.parametrize("serial, day", [(46367, dt.date(2026, 12, 11)), ("46367", dt.date(2026, 12, 11)),
                                         (46023.0, dt.date(2026, 1, 1))])
def test_an_excel_day_number_is_read_as_the_date_it_is(tmp_path, serial, day):
    rows = [agent(100904, "Roux", "Luc", **{"date d'entretien": serial, "date de convocation": ""})]
    (row,) = read(write_xlsx(tmp_path / "agents.xlsx", rows)).rows
    assert row.review_date == day


def test_a_duplicated_agent_number_names_both_people(tmp_path):
    rows = [agent("300104", "Martin", "Élodie"), agent("300 104", "Durand", "Paul")]
    roster = read(write_csv(tmp_path / "agents.csv", rows))
    (problem,) = roster.problems
    assert "300104" in str(problem) and "Paul DURAND" in str(problem) and "Élodie MARTIN (ligne 2)" in str(problem)


def test_optional_columns_for_emails_and_category_are_read(tmp_path):
    header = [*ROSTER_HEADER, "Courriel évaluateur", "Catégorie"]
    rows = [{**agent("100905", "Roux", "Luc"), "Courriel évaluateur": "s.durand@exemple.fr", "Catégorie": "B"}]
    (row,) = read(write_csv(tmp_path / "agents.csv", rows, header=header)).rows
    assert row.extra == {"courriel_evaluateur": "s.durand@exemple.fr", "courriel_agent": "", "categorie": "B",
                         "sexe": ""}


def test_a_row_without_an_interview_date_is_kept(tmp_path):
    (row,) = read(write_csv(tmp_path / "agents.csv", [agent("100906", "Roux", "Luc", **{"date d'entretien": ""})])).rows
    assert row.review_date is None


@pytest.mark.parametrize("sexe, civilite, expected", [
    ("F", "", "femme"), ("Féminin", "", "femme"), ("h", "", "homme"), ("Masculin", "Madame", "homme"),
    ("", "Madame", "femme"), ("", "Mme", "femme"), ("", "M.", "homme"), ("", "Monsieur", "homme"),
    ("", "Madame, Monsieur", ""), ("X", "", ""), ("", "", ""),
])
def test_the_agent_sex_comes_from_the_sexe_column_else_the_civility(tmp_path, sexe, civilite, expected):
    header = [*ROSTER_HEADER, "Sexe", "civilité"]
    rows = [{**agent("100907", "Roux", "Camille"), "Sexe": sexe, "civilité": civilite}]
    (row,) = read(write_csv(tmp_path / "agents.csv", rows, header=header)).rows
    assert row.sex == expected
