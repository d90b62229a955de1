"""Text as people type it (pipeline/text.py): folding, choices, French dates, ticked boxes."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.text import (agreed, canonical_choice, counted, fold, format_date, long_date, normalize_date_text,
                           normalize_header, normalize_identifier, normalize_label, of, shown_value, words)


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
    assert long_date(dt.date(2026, 10, 1)) == "jeudi 1er octobre 2026"  # the first of the month, an ordinal
    assert long_date(dt.date(2027, 2, 11)) == "jeudi 11 février 2027"


def test_a_check_box_is_shown_ticked_or_not():
    assert (shown_value(True), shown_value(False), shown_value("oui")) == ("coché", "non coché", "oui")


@pytest.mark.parametrize("typed", ["2026 - 500001", "2026-\u00a0500001", "2026\u2013500001", "2026\u2014500001",
                                   "2026\u2011500 001", "2026\u2212500001", " 2026-500001\u200e", "\u200f2026-500001",
                                   "２０２６－５００００１", "2026-\u202f500001"])
def test_an_identifier_reads_the_same_however_it_was_retyped(typed):
    assert normalize_identifier(typed) == "2026-500001"


# -- counts, and the words that agree with them ----------------------------------------------------


@pytest.mark.parametrize(("count", "singular", "plural", "expected"), [
    (0, "fichier traité", "fichiers traités", "0 fichier traité"),
    (1, "fichier traité", "fichiers traités", "1 fichier traité"),
    (2, "fichier traité", "fichiers traités", "2 fichiers traités"),
    (12, "compte rendu pré-rempli", "comptes rendus pré-remplis", "12 comptes rendus pré-remplis"),
    (3, "nouveau", "nouveaux", "3 nouveaux"),
    (1, "inchangé, laissé tel quel", "inchangés, laissés tels quels", "1 inchangé, laissé tel quel"),
    (5, "inchangé, laissé tel quel", "inchangés, laissés tels quels", "5 inchangés, laissés tels quels"),
    (2, "exemplaire signé", "exemplaires signés", "2 exemplaires signés"),
])
def test_a_count_agrees_its_words_in_french(count, singular, plural, expected):
    assert counted(count, singular, plural) == expected
    assert agreed(count, singular, plural) == expected.split(" ", 1)[1]


@pytest.mark.parametrize(("count", "expected"), [(0, "0 accepté"), (1, "1 accepté"), (2, "2 acceptés")])
def test_an_outcome_counted_agrees(count, expected):
    from pipeline.outcomes import Outcome

    assert Outcome.ACCEPTED.counted(count) == expected
    assert Outcome.SIGNED_COPY.counted(count).endswith("exemplaire signé" if count < 2 else "exemplaires signés")


def test_no_message_writes_a_plural_as_an_s_in_brackets():
    """«\u202f3 fichier(s) traité(s)\u202f» is how forms hedge, not how a message that knows its count writes:
    every string of the product (docstrings and comments aside) agrees its words (text.counted)."""
    import io
    import re
    import tokenize
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "pipeline"
    found = []
    for path in sorted(package.rglob("*.py")):
        tokens = list(tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline))
        for before, token in zip([None, *tokens], tokens):
            docstring = before is None or before.type in (tokenize.INDENT, tokenize.NEWLINE, tokenize.NL,
                                                          tokenize.DEDENT)
            if token.type == tokenize.STRING and not docstring and re.search(r"\w\(s\)(?!\})", token.string):
                found.append(f"{path.name}:{token.start[0]}: {token.string[:60]}")
    assert found == []


@pytest.mark.parametrize("name, said", [
    ("Marc Petit", "de Marc Petit"), ("Isabelle Moreau", "d'Isabelle Moreau"), ("Hélène Blanc", "d'Hélène Blanc"),
    ("Élodie MARTIN", "d'Élodie MARTIN"), ("Yves Roux", "d'Yves Roux"), ("Mme Céline Roux", "de Mme Céline Roux"),
    ("Le Goff", "de Le Goff"), ("Agglomération du Pays", "d'Agglomération du Pays"), ("cet agent", "de cet agent"),
])
def test_of_elides_de_before_a_vowel_or_a_mute_h(name, said):
    assert of(name) == said
