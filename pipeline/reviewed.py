"""Who is reviewed this campaign: every agent of the roster, less those in post for less than
``campagne.presence_minimale_mois`` months on the reference day (``campagne.date_reference_presence``,
by default 31 December of the year the campaign reviews), counted from the roster's «\u202fdate
d'arrivée\u202f» («\u202fdate d'affectation\u202f»); the agent numbers of ``campagne.exceptions_presence``
are reviewed whatever their arrival.

An agent left out gets neither report nor invitation (``generer``, ``convoquer``) nor the
announcement (``annoncer``), and the campaign view neither counts their report as missing nor
chases it. Each command lists them with the reason, before anything is sent (``--simulation``
shows the same list). An arrival the roster does not give, or gives unreadably, leaves the agent
reviewed: an agent is never left out on a guess.

    selection = who_is_reviewed(config, roster.rows)
    selection.reviewed          # the rows to make documents for and write to
    selection.not_reviewed      # RosterProblem per agent left out, its French reason
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from .config import Config
from .dates import add_months, parse_date
from .outcomes import NOT_LONG_ENOUGH_IN_POST, UNREADABLE_ARRIVAL, UnreadableDate
from .roster import ARRIVAL_DATE, EXCEL_EPOCH, RosterProblem, RosterRow
from .text import format_date


def who(row: RosterRow) -> str:
    """«\u202fLéa MARTIN (matricule 300001)\u202f»: an agent as the lists of this campaign name them."""
    from .catalogue import AGENT_NUMBER

    number = row.values.get(AGENT_NUMBER, "")
    return f"{row.person} (matricule {number})" if row.person else f"matricule {number}"


def arrival_date(row: RosterRow) -> dt.date | None:
    """The roster's «\u202fdate d'arrivée\u202f» of the row (an Excel day number read as the date it is);
    ``None`` when empty. Raises :class:`~pipeline.outcomes.UnreadableDate`."""
    text = row.extra.get(ARRIVAL_DATE, "").strip()
    if text.isdigit() and 20_000 <= int(text) <= 80_000:  # a date cell exported as its number
        return EXCEL_EPOCH + dt.timedelta(days=int(text))
    return parse_date(text)


@dataclass
class Selection:
    """The roster split: ``reviewed`` rows (in the roster's order), ``not_reviewed`` (one French
    reason each, with its line), ``numbers_not_reviewed``, and ``notices`` (rows reviewed with
    something to know: an exception, an unreadable arrival)."""

    reviewed: list[RosterRow] = field(default_factory=list)
    not_reviewed: list[RosterProblem] = field(default_factory=list)
    numbers_not_reviewed: dict[str, str] = field(default_factory=dict)  # agent number -> the reason
    notices: list[RosterProblem] = field(default_factory=list)

    def is_reviewed(self, number: str) -> bool:
        return number not in self.numbers_not_reviewed


def who_is_reviewed(config: Config, rows: Iterable[RosterRow]) -> Selection:
    """Split the roster's rows by the minimum time in post (see the module's docstring)."""
    from .catalogue import AGENT_NUMBER

    campaign = config.campaign
    months, reference = campaign.min_months_in_post, campaign.presence_day
    exceptions = set(campaign.presence_exceptions)
    selection = Selection()
    for row in rows:
        number = row.values.get(AGENT_NUMBER, "")
        try:
            arrival = arrival_date(row)
        except UnreadableDate as exc:
            selection.notices.append(RosterProblem(row.line, UNREADABLE_ARRIVAL.say(
                who=who(row), text=row.extra.get(ARRIVAL_DATE, ""), why=exc.message.rstrip("."))))
            arrival = None
        # In post on the reference day included: arrived 1 July, six months on 31 December.
        if months and arrival is not None and add_months(arrival, months) > reference + dt.timedelta(days=1):
            said = dict(who=who(row), arrival=format_date(arrival), months=months,
                        reference=format_date(reference), number=number)
            if number in exceptions:
                selection.notices.append(RosterProblem(row.line, NOT_LONG_ENOUGH_IN_POST.say("exception", **said)))
            else:
                reason = NOT_LONG_ENOUGH_IN_POST.say(**said)
                selection.not_reviewed.append(RosterProblem(row.line, reason))
                selection.numbers_not_reviewed[number] = reason
                continue
        selection.reviewed.append(row)
    return selection


def not_reviewed_situation(config: Config) -> str:
    """How the campaign view says an agent left out: «\u202fpas d'entretien cette campagne : moins de 6 mois
    dans le poste au 31/12/2026\u202f»."""
    campaign = config.campaign
    return (f"pas d'entretien cette campagne : moins de {campaign.min_months_in_post} mois dans le poste au "
            f"{format_date(campaign.presence_day)}")
