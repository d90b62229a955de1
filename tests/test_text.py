"""Text as people type it (pipeline/text.py): folding, choices, French dates, ticked boxes."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.text import (canonical_choice, fold, format_date, long_date, normalize_date_text, normalize_header,
                           normalize_identifier,
                           normalize_label, shown_value, words)


def test_fold_drops_case_and_accents_but_keeps_spacing():
    assert fold("Évaluée  ÇA") == "evaluee  ca"


@pytest.mark.parametrize("typed", ["Date de l’entretien :", "date de l'entretien", "DATE  DE L'ENTRETIEN *",
                                   "Date\u00a0de l'entretien"])
def test_labels_compare_as_people_retype_them(typed):
    assert normalize_label(typed) == normalize_label("Date de l'entretien")


def test_roster_headers_ignore_punctuation():
    assert normalize_header("Date d'entretien ") == normalize_header("date-d-entretien") == "date d entretien"


def test_date_text_loses_invisible_characters_and_odd_spaces():
    assert normalize_date_text("1\u200b4\u00a0Déc.\u202f2026") == "14 dec. 2026"


def test_words_are_folded_without_punctuation():
    assert words("Excel - Perfectionnement !") == ["excel", "perfectionnement"]


@pytest.mark.parametrize(("typed", "meant"), [
    ("T1 - adaptation", "T1"), ("Maîtrise", "maîtrise"), ("MAITRISE", "maîtrise"),
    ("non atteint", "non atteint"), ("Non atteint.", "non atteint"), ("atteint", "atteint"),
    ("presque", None), ("", None)])
def test_a_typed_choice_means_the_allowed_one(typed, meant):
    choices = ["T1", "T2", "maîtrise", "atteint", "non atteint"]
    assert canonical_choice(typed, choices) == meant


def test_dates_are_written_the_french_way():
    assert format_date(dt.date(2026, 3, 5)) == "05/03/2026" and format_date(None) == ""
    assert long_date(dt.date(2026, 12, 3)) == "jeudi 3 décembre 2026" and long_date(None) == ""


def test_a_check_box_is_shown_ticked_or_not():
    assert (shown_value(True), shown_value(False), shown_value("oui")) == ("coché", "non coché", "oui")


@pytest.mark.parametrize("typed", ["2026 - 500001", "2026-\u00a0500001", "2026\u2013500001", "2026\u2014500001",
                                   "2026\u2011500 001", "2026\u2212500001", " 2026-500001\u200e", "\u200f2026-500001",
                                   "２０２６－５００００１", "2026-\u202f500001"])
def test_an_identifier_reads_the_same_however_it_was_retyped(typed):
    assert normalize_identifier(typed) == "2026-500001"
