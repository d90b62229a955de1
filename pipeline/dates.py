"""Dates as people write them in a Word form, and how days are counted.

Reading is strict: day first (the French way), and anything that could mean
two dates, or none, raises :class:`~pipeline.outcomes.UnreadableDate` with a
French sentence. We never guess. Day counting is in calendar days by default,
in working days (Monday to Friday, French public holidays excluded) on request,
or in *jours francs*. The delays themselves are in :mod:`pipeline.deadlines`.
"""

from __future__ import annotations

import calendar as calendar_module
import functools
import re
from datetime import date, timedelta

import holidays

from .outcomes import UnreadableDate
from .text import MONTHS as MONTHS_SHOWN
from .text import WEEKDAYS, format_date, normalize_date_text

__all__ = [
    "add_days", "add_jours_francs", "add_months", "days_between", "french_holidays", "is_late", "is_working_day",
    "parse_date",
]


# --- Reading -----------------------------------------------------------------

MONTHS = {
    "janvier": 1, "janv": 1,
    "fevrier": 2, "fevr": 2, "fev": 2,
    "mars": 3,
    "avril": 4, "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7, "juil": 7, "juill": 7,
    "aout": 8,
    "septembre": 9, "sept": 9,
    "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}  # fmt: skip

# Patterns apply to the normalised text: lower case, no accents, single spaces.
PREFIX = re.compile(rf"(?:le )?(?:(?P<weekday>{'|'.join(WEEKDAYS)}),? )?(?:le )?")
NUMERIC = re.compile(  # 03/12/2026, 3-12-2026, 03.12.26: one separator, used twice
    r"(?P<day>\d{1,2}) ?(?P<sep>[/.-]) ?(?P<month>\d{1,2}) ?(?P=sep) ?(?P<year>\d{4}|\d{2})"
)
CLOCK_TIME = re.compile(r"(?:\s+|(?<=\d)t)(?:[àa]\s+)?\d{1,2}[:h]\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?$")
ISO = re.compile(  # 2026-12-03, or Word's w:fullDate 2026-12-03T00:00:00Z
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:t\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"
)
TEXTUAL = re.compile(r"(?P<day>\d{1,2})(?P<first>er)? (?P<month>[a-z]+)\.? (?P<year>\d{4})")

MIN_YEAR, MAX_YEAR = 1900, 2100  # outside: a typo, not a review date


# A date among other words (« Claire Fontaine, le 23/11/2026 »): numeric, or a day, a month's name, a year.
_DATE_AMONG_WORDS = re.compile(r"(?<!\d)\d{1,2} ?([/.-]) ?\d{1,2} ?\1 ?(?:\d{4}|\d{2})(?!\d)"
                               r"|(?<!\d)\d{1,2}(?:er)? [a-zéû]{3,}\.? \d{4}(?!\d)", re.IGNORECASE)


def date_among_words(text: str | None) -> str | None:
    """The one date written among other words in ``text`` (a signatory's box holding « name, date and
    signature »), as written; ``None`` when there is none, or more than one."""
    if not text:
        return None
    found = [m.group() for m in _DATE_AMONG_WORDS.finditer(text)]
    if len(found) != 1:
        return None
    try:
        return found[0] if parse_date(found[0]) else None
    except UnreadableDate:
        return None


def parse_date(text: str | None) -> date | None:
    """Read a date written in a form; ``None`` when the field is empty.

    >>> parse_date("1er déc. 2026")
    datetime.date(2026, 12, 1)
    """
    if text is None or not text.strip():
        return None
    unreadable = UnreadableDate(text)
    normal = normalize_date_text(text)
    prefix = PREFIX.match(normal)
    # A spreadsheet export writes a date cell with its time («\u202f2026-10-15 00:00:00\u202f», «\u202f15/10/2026 00:00\u202f»).
    body = CLOCK_TIME.sub("", normal[prefix.end() :])

    if m := ISO.fullmatch(body) or NUMERIC.fullmatch(body):
        day, month, year = int(m["day"]), int(m["month"]), m["year"]
        year = 2000 + int(year) if len(year) == 2 else int(year)
    elif (m := TEXTUAL.fullmatch(body)) and m["month"] in MONTHS:
        if m["first"] and m["day"] != "1":
            raise unreadable
        day, month, year = int(m["day"]), MONTHS[m["month"]], int(m["year"])
    else:
        raise unreadable

    try:
        result = date(year, month, day)
    except ValueError:  # 31/02, 32/13, or a day-first reading of 12/31
        result = None
    if result is None and 1 <= month <= 12 and 29 <= day <= 31 and MIN_YEAR <= year <= MAX_YEAR:
        days = (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days
        raise UnreadableDate(text, "no_such_day", month=MONTHS_SHOWN[month - 1], year=year, days=days)
    if result is None or not MIN_YEAR <= year <= MAX_YEAR:
        raise UnreadableDate(text, "invalid")

    weekday = prefix["weekday"]
    if weekday and WEEKDAYS.index(weekday) != result.weekday():
        actual = WEEKDAYS[result.weekday()]
        raise UnreadableDate(text, "weekday", date=format_date(result), actual=actual, written=weekday)
    return result


# Public-holiday calendars (config ``delais.jours_feries``): the national one, and that of
# Alsace-Moselle (Bas-Rhin, Haut-Rhin, Moselle: Vendredi saint and 26 décembre too; code du
# travail, art. L3134-13). Values: a subdivision of the ``holidays`` package, or None.
HOLIDAY_CALENDARS = {"national": None, "alsace_moselle": "57"}


@functools.cache
def french_holidays(year: int, calendar: str = "national") -> frozenset[date]:
    """French public holidays of ``year`` (lundi de Pentecôte included) in ``calendar``
    (a key of :data:`HOLIDAY_CALENDARS`)."""
    return frozenset(holidays.France(years=year, subdiv=HOLIDAY_CALENDARS[calendar]))


def is_working_day(d: date, calendar: str = "national") -> bool:
    """Monday to Friday, and not a French public holiday of ``calendar``."""
    return d.weekday() < 5 and d not in french_holidays(d.year, calendar)


def add_days(start: date, days: int, *, working_days: bool = False, calendar: str = "national") -> date:
    """``start`` moved by ``days`` (negative: backwards). With ``working_days``,
    only working days are counted: Friday + 1 working day is the next Monday."""
    if not working_days:
        return start + timedelta(days=days)
    step = timedelta(days=1 if days >= 0 else -1)
    current, remaining = start, abs(days)
    while remaining:
        current += step
        if is_working_day(current, calendar):
            remaining -= 1
    return current


def add_jours_francs(start: date, days: int, calendar: str = "national") -> date:
    """Last day of a delay of ``days`` jours francs starting with an event on ``start``.

    The day of the event does not count; the delay then runs ``days`` full
    days, midnight to midnight; a delay ending on a Saturday, a Sunday or a
    public holiday is extended to the next working day.

    Example: a report notified on Friday 5 June 2026 may be appealed within
    15 jours francs: the delay runs from Saturday 6 June 0:00 to Saturday
    20 June 24:00, a Saturday, so the last day is Monday 22 June 2026.

    Some authors also leave out the day the delay ends and give one day more.
    We keep the earlier date: a deadline shown to an agent is then never later
    than the one an authority could hold against them.
    """
    end = start + timedelta(days=days)
    while not is_working_day(end, calendar):
        end += timedelta(days=1)
    return end


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day
    (31 January + 1 month is 28 or 29 February): how a delay « d'un mois » ends."""
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, min(start.day, calendar_module.monthrange(year, month)[1]))


def days_between(a: date, b: date, *, working_days: bool = False) -> int:
    """Days from ``a`` to ``b`` (negative when ``b`` is before ``a``). With
    ``working_days``, the working days after ``a`` up to ``b`` included, so
    that ``add_days(a, days_between(a, b, working_days=True), working_days=True)``
    is ``b`` whenever ``b`` is a working day."""
    if not working_days:
        return (b - a).days
    if b < a:
        return -days_between(b, a, working_days=True)
    return sum(is_working_day(a + timedelta(days=n)) for n in range(1, (b - a).days + 1))


def is_late(due: date, done: date | None, *, today: date) -> bool:
    """Done after ``due``, or still not done and ``today`` is after ``due``."""
    return (done if done is not None else today) > due
