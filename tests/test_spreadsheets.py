"""Spreadsheets HR gives the product (pipeline/spreadsheets.py): a CSV read in the encoding and
line ends it was saved with, so that the roster and the training catalogue (both read here) agree;
a character lost before the file was read told from punctuation."""

from __future__ import annotations

import codecs

import pytest

from pipeline.spreadsheets import decode_csv, lost_character
from pipeline.workbooks.costs import COLUMN_NAMES, load_training_catalogue

CATALOGUE_HEADER = "intitulé;organisme;durée (jours);coût par personne"
TRAININGS = [  # (title, provider, days, cost): what every encoding below holds
    ("Sécurité incendie : équipier de première intervention", "Pôle prévention", 1.0, 180.0),
    ("Bientraitance en gériatrie", "ANFH Île-de-France", 2.0, 450.5),
    ("Gestes et postures « manutention »", "Santé & Travail", 0.5, 90.0),
]
# (encoding, byte order mark, separator, line end, what the encoding adds)
SAVED_AS = {
    "excel_mac_csv_macintosh": ("mac_roman", b"", ";", "\r", [("Cœur de métier : l’accueil", "Œuvres", 1.0, 99.0)]),
    "excel_windows_csv": ("cp1252", b"", ";", "\r\n", [("Œuvres sociales et CGOS", "Prestataire € agréé", 1.0, 75.0)]),
    "excel_texte_unicode": ("utf_16_le", codecs.BOM_UTF16_LE, "\t", "\r\n",
                            [("Langue turque : « ğ » et « ş »", "Łódź Formation", 3.0, 600.0)]),
    "excel_csv_utf8": ("utf_8", codecs.BOM_UTF8, ";", "\r\n", [("Cœur et poumons", "Œuvres", 1.0, 80.0)]),
    "utf8_without_bom": ("utf_8", b"", ";", "\n", [("Cœur et poumons", "Œuvres", 1.0, 80.0)]),
    "latin1": ("latin_1", b"", ";", "\r\n", []),
    "latin9_lookalike": ("iso8859_15", b"", ";", "\n", [("Cœur de métier", "Œuvres", 1.0, 80.0)]),
    "excel_csv_ms_dos": ("cp850", b"", ";", "\r\n", []),
}


def catalogue_file(path, encoding, mark, sep, line_end, trainings):
    lines = [CATALOGUE_HEADER.replace(";", sep)]
    for title, provider, days, cost in trainings:
        lines.append(sep.join([title, provider, f"{days:g}".replace(".", ","), f"{cost:g}".replace(".", ",")]))
    path.write_bytes(mark + (line_end.join(lines) + line_end).encode(encoding))
    return path


@pytest.mark.parametrize("program", SAVED_AS)
def test_the_training_catalogue_is_read_in_the_encoding_it_was_saved_with(tmp_path, program):
    """GIVEN a training catalogue saved as CSV by a spreadsheet program WHEN it is read THEN every title
    and provider reads as typed: the same reading as the roster's."""
    encoding, mark, sep, line_end, added = SAVED_AS[program]
    trainings = [*TRAININGS, *added]
    catalogue = load_training_catalogue(catalogue_file(tmp_path / "catalogue.csv", encoding, mark, sep, line_end,
                                                       trainings))
    assert catalogue.problems == []
    assert [(t.title, t.provider, t.days, t.cost) for t in catalogue.trainings] == trainings


def test_a_catalogue_title_that_lost_a_letter_is_named_and_kept(tmp_path):
    trainings = [*TRAININGS, ("Sensibilisation ? la laïcité", "CNFPT", 1.0, 0.0),
                 ("Anglais ?crit professionnel", "Lingua", 2.0, 300.0)]
    catalogue = load_training_catalogue(catalogue_file(tmp_path / "catalogue.csv", "cp1252", b"", ";", "\r\n",
                                                       trainings))
    assert len(catalogue.trainings) == 5
    (problem,) = catalogue.problems
    assert problem.startswith("ligne 6 : «\u202fAnglais ?crit professionnel\u202f» a perdu un caractère")


@pytest.mark.parametrize(("encoding", "mark", "found"), [
    ("mac_roman", b"", "mac_roman"), ("cp1252", b"", "cp1252"), ("cp850", b"", "cp850"),
    ("iso8859_15", b"", "iso8859_15"), ("utf_8", b"", "utf_8"), ("utf_8", codecs.BOM_UTF8, "utf_8_sig"),
    ("utf_16_le", codecs.BOM_UTF16_LE, "utf_16"), ("utf_16_be", codecs.BOM_UTF16_BE, "utf_16"),
    ("utf_16_le", b"", "utf_16_le"), ("utf_16_be", b"", "utf_16_be"),
])
def test_decode_csv_says_which_encoding_it_read(encoding, mark, found):
    text = f"{CATALOGUE_HEADER}\r\nCœur de métier;Œuvres;1;80\r\n"
    data = mark + text.encode(encoding, errors="replace" if encoding == "cp850" else "strict")
    assert decode_csv(data, COLUMN_NAMES) == (text if encoding != "cp850" else text.replace("Œ", "?")
                                              .replace("œ", "?"), found)


@pytest.mark.parametrize(("text", "name", "lost"), [
    ("Ça?la", False, True), ("?lodie", False, True), ("M\ufffdnard", False, True), ("René Gu?", True, True),
    ("René Gu?", False, False), ("Salle à confirmer ?", False, False), ("Qui ? Quoi ?", False, False),
    ("Bureau 12 (?)", False, False), ("Élodie", True, False), ("Ça?la", True, True),
])
def test_a_lost_character_is_told_from_a_question_mark(text, name, lost):
    assert lost_character(text, name=name) is lost
