from datetime import date

import pytest

from pipeline.dates import (
    add_days,
    add_jours_francs,
    days_between,
    french_holidays,
    is_late,
    is_working_day,
    parse_date,
)
from pipeline.deadlines import PRESETS, DelayRules as DeadlineRules
from pipeline.outcomes import UnreadableDate
from pipeline.text import format_date

DEC_3 = date(2026, 12, 3)  # a Thursday

# --- parse_date: accepted ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "03/12/2026",
        "3/12/2026",
        "03-12-2026",
        "03.12.2026",
        "03/12/26",
        "03 / 12 / 2026",
        "2026-12-03",
        "2026-12-03T00:00:00Z",
        "3 décembre 2026",
        "3 Décembre 2026",
        "3 DECEMBRE 2026",
        "jeudi 3 décembre 2026",
        "Jeudi, 3 décembre 2026",
        "le 3 décembre 2026",
        "le jeudi 3 décembre 2026",
        "3 déc. 2026",
        "3 dec 2026",
        "3\u00a0décembre\u00a0 2026",
        "3\u202fdécembre\t2026",
        "  3 décembre\n2026  ",
        "\u200b3 décembre 2026",
        "le 03/12/2026",
    ],
)
def test_parse_date_reads_the_ways_people_write_a_date(text):
    assert parse_date(text) == DEC_3


def test_parse_date_reads_premier_as_the_first_of_the_month():
    assert parse_date("1er décembre 2026") == date(2026, 12, 1)
    assert parse_date("1ᵉʳ décembre 2026") == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("5 janvier 2026", 1), ("5 janv. 2026", 1),
        ("5 février 2026", 2), ("5 févr. 2026", 2), ("5 fév. 2026", 2), ("5 fevrier 2026", 2),
        ("5 mars 2026", 3),
        ("5 avril 2026", 4), ("5 avr. 2026", 4),
        ("5 mai 2026", 5),
        ("5 juin 2026", 6),
        ("5 juillet 2026", 7), ("5 juil. 2026", 7),
        ("5 août 2026", 8), ("5 aout 2026", 8),
        ("5 septembre 2026", 9), ("5 sept. 2026", 9),
        ("5 octobre 2026", 10), ("5 oct. 2026", 10),
        ("5 novembre 2026", 11), ("5 nov. 2026", 11),
        ("5 décembre 2026", 12), ("5 déc. 2026", 12),
    ],
)  # fmt: skip
def test_parse_date_knows_every_french_month_and_its_abbreviations(text, month):
    assert parse_date(text) == date(2026, month, 5)


def test_parse_date_reads_a_two_digit_year_in_this_century():
    assert parse_date("03/12/99") == date(2099, 12, 3)


def test_parse_date_accepts_a_leap_day_in_a_leap_year():
    assert parse_date("29/02/2028") == date(2028, 2, 29)
    assert parse_date("29 février 2028") == date(2028, 2, 29)


@pytest.mark.parametrize("text", [None, "", "   ", "\u00a0\t\n"])
def test_parse_date_returns_none_for_an_empty_field(text):
    assert parse_date(text) is None


# --- parse_date: refused -------------------------------------------------------


def _refusal(text):
    with pytest.raises(UnreadableDate) as caught:
        parse_date(text)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.text == text
    assert error.code == "date_illisible"
    assert f"«\u202f{text}\u202f»" in error.message
    assert str(error) == error.message
    return error.message


@pytest.mark.parametrize("text", ["32/13/2026", "00/12/2026", "15/00/2026"])
def test_parse_date_refuses_an_impossible_date(text):
    message = _refusal(text)
    assert "n'est pas une date valide" in message
    assert "JJ/MM/AAAA" in message


@pytest.mark.parametrize(("text", "said"), [("31/02/2026", "février 2026 n'a que 28 jours"),
                                            ("29/02/2026", "février 2026 n'a que 28 jours"),
                                            ("30/02/2028", "février 2028 n'a que 29 jours"),
                                            ("31 avril 2026", "avril 2026 n'a que 30 jours"),
                                            ("31.06.26", "juin 2026 n'a que 30 jours")])
def test_a_day_the_month_does_not_have_is_said_not_to_exist(text, said):
    """«\u202f31/02/2027\u202f» is written JJ/MM/AAAA: the message says the day does not exist."""
    message = _refusal(text)
    assert "n'existe pas" in message and said in message and "JJ/MM/AAAA" not in message


def test_parse_date_refuses_month_first_guess():
    assert "n'est pas une date valide" in _refusal("12/31/2026")


def test_parse_date_reads_an_ambiguous_looking_date_day_first():
    assert parse_date("05/04/2026") == date(2026, 4, 5)


@pytest.mark.parametrize(
    "text",
    [
        "décembre",  # no day, no year
        "décembre 2026",
        "03/12",  # no year
        "12/2026",  # no day
        "demain",
        "3 décembre",
        "3 déc 26",  # a written month wants a four-digit year
        "3 mar 2026",  # mars or mardi?
        "3er décembre 2026",
        "03/12-2026",  # two different separators
        "03/12/026",
        "2026/12/03",  # year first is read only in the ISO form
        "2026-12-03 10h",
        "03122026",
    ],
)
def test_parse_date_refuses_what_it_cannot_read_without_guessing(text):
    message = _refusal(text)
    assert "n'est pas lisible" in message
    assert "JJ/MM/AAAA" in message


@pytest.mark.parametrize("text", ["03/12/1026", "03/12/2926"])
def test_parse_date_refuses_an_implausible_year(text):
    assert "n'est pas une date valide" in _refusal(text)


def test_parse_date_refuses_a_weekday_that_contradicts_the_date():
    message = _refusal("mardi 3 décembre 2026")
    assert "jeudi" in message
    assert "Corrigez" in message


def test_parse_date_quotes_the_input_with_its_odd_whitespace_flattened():
    with pytest.raises(UnreadableDate) as caught:
        parse_date("31\u00a0février\n2026")
    assert caught.value.text == "31\u00a0février\n2026"
    assert "«\u202f31 février 2026\u202f»" in caught.value.message


# --- format_date -----------------------------------------------------------------


def test_format_date_writes_day_month_year_with_leading_zeros():
    assert format_date(date(2026, 3, 5)) == "05/03/2026"


def test_format_date_writes_nothing_for_no_date():
    assert format_date(None) == ""


def test_format_date_output_reads_back_to_the_same_date():
    assert parse_date(format_date(DEC_3)) == DEC_3


# --- Working days ------------------------------------------------------------------


def test_french_holidays_lists_the_national_days_and_is_cached():
    days = french_holidays(2026)
    assert {date(2026, 7, 14), date(2026, 11, 11), date(2026, 12, 25), date(2026, 4, 6)} <= days
    assert french_holidays(2026) is days


def test_is_working_day_excludes_weekends_and_holidays():
    assert is_working_day(date(2026, 7, 13))  # Monday
    assert not is_working_day(date(2026, 7, 14))  # Tuesday, fête nationale
    assert not is_working_day(date(2026, 7, 18))  # Saturday
    assert not is_working_day(date(2026, 7, 19))  # Sunday


def test_add_days_counts_calendar_days_by_default():
    assert add_days(date(2026, 12, 3), 30) == date(2027, 1, 2)
    assert add_days(date(2026, 12, 3), -8) == date(2026, 11, 25)


def test_add_days_counts_calendar_days_across_a_leap_day():
    assert add_days(date(2028, 2, 28), 1) == date(2028, 2, 29)
    assert add_days(date(2028, 2, 28), 2) == date(2028, 3, 1)


def test_add_days_in_working_days_skips_the_weekend():
    assert add_days(date(2026, 6, 5), 1, working_days=True) == date(2026, 6, 8)  # Friday -> Monday


def test_add_days_in_working_days_skips_the_14_juillet():
    # Monday 13 July + 1 working day: Tuesday 14 is a holiday -> Wednesday 15.
    assert add_days(date(2026, 7, 13), 1, working_days=True) == date(2026, 7, 15)


def test_add_days_in_working_days_skips_the_11_novembre():
    # Tuesday 10 November 2026 + 2 working days: Wednesday 11 is a holiday.
    assert add_days(date(2026, 11, 10), 2, working_days=True) == date(2026, 11, 13)


def test_add_days_in_working_days_skips_christmas_and_new_year():
    # Thursday 24 December 2026; 25 (Fri), 26-27 (weekend), 1 January and 2-3 (weekend) do not count.
    assert add_days(date(2026, 12, 24), 5, working_days=True) == date(2027, 1, 4)


def test_add_days_in_working_days_counts_backwards():
    assert add_days(date(2026, 7, 15), -1, working_days=True) == date(2026, 7, 13)


def test_add_days_of_zero_returns_the_start():
    assert add_days(date(2026, 7, 14), 0, working_days=True) == date(2026, 7, 14)


def test_days_between_counts_calendar_days_both_ways():
    assert days_between(date(2026, 12, 3), date(2027, 1, 2)) == 30
    assert days_between(date(2027, 1, 2), date(2026, 12, 3)) == -30
    assert days_between(date(2028, 2, 1), date(2028, 3, 1)) == 29  # leap year


def test_days_between_in_working_days_leaves_out_weekends_and_holidays():
    # Thursday 24 December 2026 to Monday 4 January 2027: 28, 29, 30, 31 Dec and 4 Jan.
    assert days_between(date(2026, 12, 24), date(2027, 1, 4), working_days=True) == 5
    assert days_between(date(2027, 1, 4), date(2026, 12, 24), working_days=True) == -5
    assert days_between(date(2026, 7, 13), date(2026, 7, 15), working_days=True) == 1


def test_days_between_in_working_days_is_the_inverse_of_add_days():
    start = date(2026, 4, 30)
    for days in range(0, 40):
        end = add_days(start, days, working_days=True)
        assert days_between(start, end, working_days=True) == days


# --- Jours francs -------------------------------------------------------------------


def test_jours_francs_do_not_count_the_day_of_the_event():
    # Notified Monday 1 June 2026: 15 full days from 2 June, ending Tuesday 16 June.
    assert add_jours_francs(date(2026, 6, 1), 15) == date(2026, 6, 16)


def test_jours_francs_ending_on_a_saturday_move_to_monday():
    assert add_jours_francs(date(2026, 6, 5), 15) == date(2026, 6, 22)  # Sat 20 June -> Mon 22


def test_jours_francs_ending_on_a_sunday_move_to_monday():
    assert add_jours_francs(date(2026, 6, 6), 15) == date(2026, 6, 22)  # Sun 21 June -> Mon 22


def test_jours_francs_ending_on_a_friday_stay_on_that_friday():
    assert add_jours_francs(date(2026, 3, 19), 15) == date(2026, 4, 3)  # Friday before Easter


def test_jours_francs_ending_the_weekend_before_lundi_de_paques_move_to_tuesday():
    assert add_jours_francs(date(2026, 3, 20), 15) == date(2026, 4, 7)  # Sat 4 April 2026


def test_jours_francs_ending_the_weekend_before_lundi_de_pentecote_move_to_tuesday():
    assert add_jours_francs(date(2026, 5, 9), 15) == date(2026, 5, 26)  # Sun 24 May 2026


def test_jours_francs_ending_on_a_holiday_move_to_the_next_working_day():
    assert add_jours_francs(date(2026, 10, 27), 15) == date(2026, 11, 12)  # Wed 11 November


# --- is_late ---------------------------------------------------------------------------


def test_is_late_when_done_after_the_due_date():
    assert is_late(DEC_3, date(2026, 12, 4), today=date(2026, 12, 1))


def test_is_not_late_when_done_on_the_due_date_even_if_checked_later():
    assert not is_late(DEC_3, DEC_3, today=date(2027, 1, 1))


def test_is_late_when_not_done_and_the_due_date_has_passed():
    assert is_late(DEC_3, None, today=date(2026, 12, 4))


def test_is_not_late_when_not_done_yet_and_still_in_time():
    assert not is_late(DEC_3, None, today=DEC_3)


# --- Presets -----------------------------------------------------------------------------


def test_presets_cover_the_three_public_services():
    assert set(PRESETS) == {"hospitaliere", "etat", "territoriale"}
    assert all(isinstance(rules, DeadlineRules) for rules in PRESETS.values())
    assert all(rules.invitation_min_days == 8 and rules.appeal_days == 15 for rules in PRESETS.values())


def test_hospital_preset_follows_decret_2020_719():
    assert PRESETS["hospitaliere"] == DeadlineRules(invitation_min_days=8, communication_days=30, agent_days=15)


def test_deadline_rules_are_frozen():
    with pytest.raises(AttributeError):
        PRESETS["etat"].agent_days = 99  # type: ignore[misc]


@pytest.mark.parametrize("text, found", [
    ("Claire Fontaine, le 23/11/2026", "23/11/2026"), ("Fait à Lyon le 2 décembre 2026, C. Fontaine", "2 décembre 2026"),
    ("T. Vasseur 25.11.26", "25.11.26"), ("Du 23/11/2026 au 24/11/2026", None), ("Claire Fontaine", None),
    ("le 31/02/2026", None), ("", None)])
def test_a_date_among_other_words_is_found_when_there_is_one(text, found):
    """A signatory's box holds name, date and signature: its date read among the words."""
    from pipeline.dates import date_among_words

    assert date_among_words(text) == found
