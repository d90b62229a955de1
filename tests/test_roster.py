"""The roster, liste des agents (pipeline/roster.py): read as HR writes it (csv in any
separator and encoding Excel saves, xlsx with real Excel dates and numbers); a bad row is
reported with its line number as the spreadsheet shows it, the file as a whole refused only
when it cannot be used."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
from pathlib import Path

import pytest

from pipeline import catalogue as cat
from pipeline.catalogue import DEFAULT
from pipeline.outcomes import RosterError
from pipeline.roster import EXTRA_COLUMNS, load_roster
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
    header = [*ROSTER_HEADER, "Courriel évaluateur", "Catégorie", "Civilité de l'évaluateur"]
    rows = [{**agent("100905", "Roux", "Luc"), "Courriel évaluateur": "s.durand@exemple.fr", "Catégorie": "B",
             "Civilité de l'évaluateur": "Mme"}]
    (row,) = read(write_csv(tmp_path / "agents.csv", rows, header=header)).rows
    expected = {"courriel_evaluateur": "s.durand@exemple.fr", "courriel_agent": "", "categorie": "B",
                "sexe": "", "civilite_evaluateur": "Mme"}
    assert {key: row.extra[key] for key in expected} == expected
    assert set(row.extra) == set(EXTRA_COLUMNS) and not any(row.extra[key] for key in set(row.extra) - set(expected))
    assert row.invitation["civilite"] == ""  # the agent's own civility is another column


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


# -- encodings, as spreadsheet programs save a CSV ---------------------------------------------------

FIELD_CASES = Path(__file__).resolve().parent / "field_cases"  # copied from shared/cases/round3
LINE_ENDS = {"CR": "\r", "LF": "\n", "CRLF": "\r\n"}
# Names every encoding below can hold (Latin-1's letters), then what each one adds.
FRENCH = [
    agent("100231", "Martin", "Élodie", grade="Infirmière en soins généraux", lieu="Bureau du cadre, bâtiment B"),
    agent("100232", "D'Arcy-Lefèvre", "Anne-Sophie", poste="Gestionnaire paie & carrière", lieu="Salle « Orion »"),
    agent("100233", "Noël", "Anaïs", service="Pôle mère-enfant", **{"évaluateur": "Hélène Caron"}),
    agent("100234", "Lefèbvre", "Jean-François", poste="Cadre de l'unité; site Nord"),
    agent("100235", "Dupont", "Ève", grade="Aide-soignante", **{"évaluateur": "Jérôme Bâty"}),
]
OEUVRE = agent("100236", "Cœur", "Bénédicte", poste="Régisseuse d’avances (€)", service="Œuvres sociales")
CAGLA = agent("100237", "Öztürk", "Çağla", poste="Technicienne", **{"évaluateur": "Łukasz Wróbel"})
# (encoding, byte order mark, separator, rows): each as a program saves it.
SAVED_AS = {
    "excel_mac_csv_macintosh": ("mac_roman", b"", ";", [*FRENCH, agent("100236", "Cœur", "Bénédicte")]),
    "excel_windows_csv": ("cp1252", b"", ";", [*FRENCH, OEUVRE]),
    "excel_texte_unicode": ("utf_16_le", codecs.BOM_UTF16_LE, "\t", [*FRENCH, OEUVRE, CAGLA]),
    "utf16_big_endian": ("utf_16_be", codecs.BOM_UTF16_BE, "\t", [*FRENCH, OEUVRE, CAGLA]),
    "utf16_without_bom": ("utf_16_le", b"", "\t", [*FRENCH, OEUVRE, CAGLA]),
    "excel_csv_utf8": ("utf_8", codecs.BOM_UTF8, ";", [*FRENCH, OEUVRE, CAGLA]),
    "libreoffice_utf8_without_bom": ("utf_8", b"", ",", [*FRENCH, OEUVRE, CAGLA]),
    "latin1": ("latin_1", b"", ";", FRENCH),
    "latin9_lookalike": ("iso8859_15", b"", ";", [*FRENCH, agent("100236", "Cœur", "Bénédicte", poste="Régie (€)")]),
    "excel_csv_ms_dos": ("cp850", b"", ";", FRENCH),
}


def saved(path, rows, *, encoding, mark=b"", sep=";", line_end="\r\n", header=ROSTER_HEADER):
    """A roster as a spreadsheet program saves it: ``encoding`` (after its byte order ``mark``),
    ``sep``, ``line_end``."""
    text = io.StringIO()
    out = csv.writer(text, delimiter=sep, lineterminator=line_end)
    out.writerow(header)
    for row in rows:
        out.writerow([row.get(column, "") for column in header])
    path.write_bytes(mark + text.getvalue().encode(encoding))
    return path


def as_read(row) -> dict[str, str]:
    return {cat.AGENT_NUMBER: row.values[cat.AGENT_NUMBER], "nom": row.values[cat.LAST_NAME],
            "prénom": row.values[cat.FIRST_NAME], "grade": row.values[cat.GRADE], "service": row.values[cat.SERVICE],
            "poste": row.values["poste"], "évaluateur": row.values[cat.EVALUATOR], "lieu": row.invitation["lieu"]}


def as_written(row) -> dict[str, str]:
    return {cat.AGENT_NUMBER: row["matricule"], **{c: row[c] for c in ("nom", "prénom", "grade", "service", "poste",
                                                                       "évaluateur", "lieu")}}


@pytest.mark.parametrize("line_end", LINE_ENDS.values(), ids=LINE_ENDS.keys())
@pytest.mark.parametrize("program", SAVED_AS)
def test_a_csv_roster_is_read_in_the_encoding_and_line_ends_it_was_saved_with(tmp_path, program, line_end):
    """GIVEN a roster saved by a spreadsheet program in its encoding, separator and line ends
    WHEN it is read THEN every accent, «\u202fœ\u202f», «\u202f€\u202f», «\u202fğ\u202f» is right and no line is lost."""
    encoding, mark, sep, rows = SAVED_AS[program]
    roster = read(saved(tmp_path / "agents.csv", rows, encoding=encoding, mark=mark, sep=sep, line_end=line_end))
    assert roster.problems == [] and roster.notices == []
    assert [as_read(row) for row in roster.rows] == [as_written(row) for row in rows]
    assert [row.line for row in roster.rows] == list(range(2, len(rows) + 2))


@pytest.mark.parametrize("encoding", ["cp1252", "mac_roman", "cp850", "iso8859_15"])
def test_a_roster_whose_column_names_have_no_accent_is_read_by_its_names(tmp_path, encoding):
    """GIVEN column names typed without accents (nothing to tell the encoding by) WHEN the roster
    is read THEN its names still read right: the most plausible French text is kept."""
    header = ["matricule", "nom", "prenom", "evaluateur", "date d'entretien", "lieu"]
    rows = [{**row, "prenom": row["prénom"], "evaluateur": row["évaluateur"]} for row in FRENCH[:4]]
    roster = read(saved(tmp_path / "agents.csv", rows, encoding=encoding, header=header))
    assert [row.person for row in roster.rows] == ["Élodie MARTIN", "Anne-Sophie D'ARCY-LEFÈVRE", "Anaïs NOËL",
                                                   "Jean-François LEFÈBVRE"]
    assert roster.rows[2].values[cat.EVALUATOR] == "Hélène Caron"


def test_the_example_roster_saved_by_excel_for_mac_reads_with_every_accent_right():
    """GIVEN examples/agents.csv saved by Excel for Mac as «\u202fCSV Macintosh\u202f» (Mac Roman, CR line
    ends; shared/cases/round3) WHEN it is read THEN every value is the example's, but for the «\u202fğ\u202f»
    Mac Roman has not: lost before we read it, flagged on its row and column."""
    roster = read(FIELD_CASES / "roster_excel_mac_macroman.csv")
    example = read(Path(__file__).resolve().parents[1] / "examples" / "agents.csv")
    assert roster.problems == []
    assert [(r.line, r.values, r.invitation) for r in roster.rows if r.line != 5] == \
           [(r.line, r.values, r.invitation) for r in example.rows if r.line != 5]
    (cagla,) = [r for r in roster.rows if r.line == 5]
    assert (cagla.values[cat.FIRST_NAME], cagla.values[cat.LAST_NAME]) == ("Ça?la", "Öztürk")
    (notice,) = roster.notices
    assert str(notice).startswith("Ligne 5 : ")
    assert "«\u202fprénom\u202f»" in str(notice) and "«\u202fÇa?la\u202f»" in str(notice)


# -- characters lost before the roster was read ----------------------------------------------------------


def pasted_from_another_encoding(path):
    """A UTF-8 roster with one line pasted from a Windows-1252 file: its «\u202fé\u202f» is no UTF-8."""
    good = saved(path, [FRENCH[0]], encoding="utf_8").read_bytes()
    bad = saved(path, [agent("100238", "Ménard", "Léa")], encoding="cp1252").read_bytes().split(b"\r\n", 1)[1]
    path.write_bytes(good + bad)
    return path


LOST = {  # how a letter gets lost -> (file, line, column as the file names it, value read)
    "excel_windows_csv_without_g_breve": (
        lambda p: saved(p, [FRENCH[0], agent("100237", "Öztürk", "Ça?la")], encoding="cp1252"),
        3, "prénom", "Ça?la"),
    "excel_mac_without_l_stroke": (
        lambda p: saved(p, [agent("100239", "Wróbel", "?ukasz")], encoding="mac_roman", line_end="\r"),
        2, "prénom", "?ukasz"),
    "evaluator_name_ending_in_a_lost_letter": (
        lambda p: saved(p, [agent("100240", "Roux", "Luc", **{"évaluateur": "René Gu?"})], encoding="cp1252"),
        2, "évaluateur", "René Gu?"),
    "utf8_with_a_line_from_windows_1252": (pasted_from_another_encoding, 3, "nom", "M\ufffdnard"),
    "xlsx_made_from_a_damaged_csv": (
        lambda p: write_xlsx(p.with_suffix(".xlsx"), [agent("100241", "Ren?", "Luc")]), 2, "Nom", "Ren?"),
}


@pytest.mark.parametrize("case", LOST)
def test_a_character_lost_before_reading_is_flagged_with_its_row_and_column_and_the_row_kept(tmp_path, case):
    make, line, column, value = LOST[case]
    roster = read(make(tmp_path / "agents.csv"))
    assert roster.problems == []
    assert any(row.line == line and value in row.values.values() for row in roster.rows)
    assert {notice.line for notice in roster.notices} == {line}
    (notice,) = [str(n) for n in roster.notices if f"«\u202f{column}\u202f»" in str(n)]
    assert notice.startswith(f"Ligne {line} : ") and f"«\u202f{value}\u202f»" in notice
    assert "perdu" in notice and "entretiens generer" in notice


def test_a_question_mark_that_is_punctuation_is_not_a_lost_letter(tmp_path):
    rows = [agent("100242", "Roux", "Luc", lieu="Salle à confirmer ?", poste="Référent qualité?"),
            agent("100243", "Petit", "Noé", lieu="Bureau 12 (?)")]
    roster = read(saved(tmp_path / "agents.csv", rows, encoding="cp1252"))
    assert roster.notices == [] and len(roster.rows) == 2


def test_a_csv_that_is_in_fact_a_workbook_is_read_as_one(tmp_path):
    workbook = write_xlsx(tmp_path / "agents.xlsx", [agent("100244", "Roux", "Luc")])
    (row,) = read(workbook.rename(tmp_path / "agents.csv")).rows
    assert row.person == "Luc ROUX"


@pytest.mark.parametrize(("content", "said"), [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00\x01" * 256, "classeur Excel 97-2003"),  # an .xls renamed
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "pas un fichier texte"),
])
def test_a_csv_that_is_not_text_is_refused_in_french(tmp_path, content, said):
    (tmp_path / "agents.csv").write_bytes(content)
    with pytest.raises(RosterError) as caught:
        read(tmp_path / "agents.csv")
    assert said in caught.value.message and ".xlsx" in caught.value.message


# -- the roster kept in the state folder (load_roster's cache_dir) -------------------------------

def _aged(path: Path, seconds: float = 60) -> Path:
    """The file as if written ``seconds`` ago: a roster written just now is read again next time."""
    when = path.stat().st_mtime - seconds
    os.utime(path, (when, when))
    return path


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_a_roster_read_once_comes_from_the_state_folder_the_same(tmp_path, monkeypatch, writer):
    from pipeline import roster as module

    path = _aged(writer(tmp_path / ("agents.csv" if writer is write_csv else "agents.xlsx"), [
        agent("100901", "Martin", "Léa", **{"date d'entretien": dt.datetime(2026, 12, 14)}),
        agent("100902", "", "Paul"), agent("100903", "Ça?la", "Zoé")]))
    state = tmp_path / "etat"
    state.mkdir()
    first = load_roster(path, DEFAULT, cache_dir=state)
    assert [p.name for p in state.iterdir()] == [module.CACHE_NAME]  # nothing else, nowhere else
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, "etat"])
    from_file = read(path)
    monkeypatch.setattr(module, "_read_roster", lambda *a: pytest.fail("read again from the file"))
    again = load_roster(path, DEFAULT, cache_dir=state)
    assert again == first == from_file
    assert again.problems and again.notices  # kept too


def test_a_changed_roster_is_read_again_even_at_the_same_size_and_time(tmp_path):
    path = _aged(write_csv(tmp_path / "agents.csv", [agent("100911", "Martin", "Léa")]))
    state = tmp_path / "etat"
    state.mkdir()
    assert load_roster(path, DEFAULT, cache_dir=state).rows[0].values[cat.LAST_NAME] == "Martin"
    before = path.stat()
    path.write_bytes(path.read_bytes().replace(b"Martin", b"Mertin"))  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # same modification time
    assert load_roster(path, DEFAULT, cache_dir=state).rows[0].values[cat.LAST_NAME] == "Mertin"
    another = _aged(write_csv(tmp_path / "autre.csv", [agent("100912", "Petit", "Marc")]))
    assert [r.values[cat.AGENT_NUMBER] for r in load_roster(another, DEFAULT, cache_dir=state).rows] == ["100912"]


def test_a_roster_written_just_now_or_a_damaged_cache_is_read_from_the_file(tmp_path):
    from pipeline.roster import CACHE_NAME

    state = tmp_path / "etat"
    state.mkdir()
    path = write_csv(tmp_path / "agents.csv", [agent("100921", "Martin", "Léa")])
    load_roster(path, DEFAULT, cache_dir=state)
    assert not (state / CACHE_NAME).exists()  # a change within the same time stamp could follow
    _aged(path)
    load_roster(path, DEFAULT, cache_dir=state)
    (state / CACHE_NAME).write_text('{"key": ', encoding="utf-8")
    assert load_roster(path, DEFAULT, cache_dir=state) == read(path)
    missing = tmp_path / "absent.csv"
    with pytest.raises(RosterError):
        load_roster(missing, DEFAULT, cache_dir=state)


def test_etat_shows_the_roster_as_it_is_now(tmp_path):
    """The cached roster never hides an edit: an agent added, a name corrected, shown at once."""
    from pipeline.config import Config
    from pipeline.status import campaign_status

    path = _aged(write_csv(tmp_path / "agents.csv", [agent("100931", "Martin", "Léa")]))
    config = Config.model_validate({"liste_agents": "agents.csv", "base_dir": tmp_path,
                                    "dossiers": {"entree": "inbox", "sortie": "outbox", "etat": "etat"}})
    (tmp_path / "inbox").mkdir()
    today = dt.date(2027, 2, 15)
    assert [(a["matricule"], a["nom"]) for a in campaign_status(config, today=today).missing] == [
        ("100931", "Léa MARTIN")]
    campaign_status(config, today=today)
    write_csv(path, [agent("100931", "Martín", "Léa"), agent("100932", "Petit", "Marc")])
    assert [(a["matricule"], a["nom"]) for a in campaign_status(config, today=today).missing] == [
        ("100931", "Léa MARTÍN"), ("100932", "Marc PETIT")]
