"""The campaign's deadlines for one report (SPEC 4): warnings, never rejections.

The delays of each public service (:data:`PRESETS`), and the deadlines of one
report computed from its dates (:func:`deadlines`), each with its state on a given
day (:func:`agent_deadlines`). Used by validation (a late date becomes a warning) and
the campaign view (:mod:`pipeline.campaign`), which ``etat``, the tracking workbook
and ``relancer`` display.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, replace

from . import catalogue as cat
from .catalogue import AGENT_PARTY, AUTHORITY_PARTY, EVALUATOR_PARTY
from .dates import add_days, add_jours_francs, add_months
from .outcomes import LATE as LATE_REASON
from .text import format_date


# How a delay after an event is counted (config ``delais.decompte``): calendar days, working
# days (Monday to Friday, holidays excluded), or *jours francs* (the event's day does not count,
# a delay ending on a Saturday, Sunday or holiday runs to the next working day).
CALENDAR_DAYS, WORKING_DAYS, JOURS_FRANCS = "calendaires", "ouvres", "francs"
COUNTING_WORDS = {CALENDAR_DAYS: "jours", WORKING_DAYS: "jours ouvrés", JOURS_FRANCS: "jours francs"}


@dataclass(frozen=True)
class DelayRules:
    """Delays of one public service, in days, and how they are counted."""

    invitation_min_days: int  # invitation sent at least N days before the review
    communication_days: int  # report communicated to the agent at most N days after the review
    agent_days: int  # agent completes and returns it at most N days after communication
    appeal_days: int = 15  # révision request: 15 jours francs after notification
    # An employer's own delays on top of the decree's (e.g. the arrêté of 14 December 2016:
    # the evaluator signs within 5 jours francs, the authority gives its visa within 10):
    evaluator_days: int | None = None  # evaluator's signature at most N days after the review
    visa_days: int | None = None  # visa at most N days after the agent's acknowledgement
    notification_days: int | None = None  # notification to the agent at most N days after the visa
    counting: str = CALENDAR_DAYS  # CALENDAR_DAYS | WORKING_DAYS | JOURS_FRANCS


PRESETS: dict[str, DelayRules] = {
    # The articles behind these delays: see catalogue.PUBLIC_SERVICES (some still to check).
    # Hospital service, décret 2020-719: 30 days to communicate, 15 days for the agent.
    "hospitaliere": DelayRules(invitation_min_days=8, communication_days=30, agent_days=15),
    # State (décret 2010-888) and territorial (décret 2014-1526) services: the
    # communication and completion delays are set by each employer's own rules.
    # These are only sensible defaults (the hospital values); override them in config.
    "etat": DelayRules(invitation_min_days=8, communication_days=30, agent_days=15),
    "territoriale": DelayRules(invitation_min_days=8, communication_days=30, agent_days=15),
}


@dataclass(frozen=True)
class Deadline:
    key: str
    label: str  # French, shown in the tracking workbook
    due: dt.date | None
    done: dt.date | None
    # The agent's own time limit (appeal): shown, never anyone's lateness.
    informative: bool = False
    # Who the step waits for (catalogue.EVALUATOR_PARTY...): whom to chase when it is overdue;
    # None: whoever holds the report at its stage (catalogue.Stage.waits_for).
    owner: str | None = EVALUATOR_PARTY
    # The catalogue date that marks the step done (None: done when the report reached HR): a later
    # date of the workflow (catalogue.date_order) shows the step was done, even undated.
    done_key: str | None = None
    # A step that only exists when something asks for it (an appeal): without its starting
    # event it does not apply.
    optional: bool = False

    @property
    def name(self) -> str:
        """The step in a few words (:data:`SHORT_NAMES`), its rule aside: «\u202fCommunication du compte
        rendu\u202f» for «\u202fCommunication du compte rendu dans les 30 jours après l'entretien\u202f»."""
        return short_name(self.key, self.label)

    def late(self) -> bool:
        """Done after its due date."""
        return bool(not self.informative and self.due and self.done and self.done > self.due)

    def overdue(self, today: dt.date) -> bool:
        """Not done and its due date has passed."""
        return bool(not self.informative and self.due and self.done is None and today > self.due)

    def days_late(self, today: dt.date) -> int | None:
        """Days past the due date: until it was done, else until ``today``; ``None`` when not past."""
        if self.informative or self.due is None:
            return None
        days = ((self.done or today) - self.due).days
        return days if days > 0 else None

    def late_params(self) -> dict[str, str]:
        """What :data:`pipeline.outcomes.LATE` (``LATE_REASON`` here) says of this deadline."""
        return {"deadline": self.label, "done": format_date(self.done), "due": format_date(self.due)}

    def warning(self) -> str | None:
        """The French sentence of a late deadline, ``None`` when it is not late."""
        return LATE_REASON.say(**self.late_params()) if self.late() else None


# Each deadline's short name: the tracking's «\u202fProchaine échéance\u202f», printed beside its limit
# (the full label, with its rule, heads its columns in «\u202fÉchéances\u202f»).
SHORT_NAMES = {
    "convocation": "Convocation",
    "entretien": "Entretien",
    "signature_evaluateur": "Signature de l'évaluateur",
    "communication": "Communication du compte rendu",
    "observations": "Prise de connaissance par l'agent",
    "visa": "Visa",
    "notification": "Notification à l'agent",
    "retour_rh": "Retour au service RH",
    "revision": "Demande de révision",
    "reponse_revision": "Réponse à la demande de révision",
    "saisine_cap": "Saisine de la CAP",
    "recours_contentieux": "Recours contentieux",
}


def short_name(key: str, label: str) -> str:
    """The short name of the deadline ``key`` (:data:`SHORT_NAMES`), else its ``label``."""
    return SHORT_NAMES.get(key, label)


# The state of a deadline, as the campaign view says it (``etat``, the tracking workbook, the
# reminders): the only place these words are spelt.
LATE, OVERDUE, ON_TIME, PENDING = "en retard", "dépassée", "respectée", "à venir"
# Done, as a later step shows, but on a date nobody gave (a report without its invitation date).
NOT_DATED = "effectuée, date non indiquée"
NOT_APPLICABLE = "sans objet"  # no limit applies (no appeal; nothing to count the delay from)
RUNNING, EXPIRED = "en cours", "expiré"  # the agent's appeal window
MISSED = (LATE, OVERDUE)
OPEN = (PENDING, OVERDUE)  # not done yet: the step is still awaited


def deadline_state(deadline: Deadline, today: dt.date, *, finished: bool = False,
                   done_later: bool = False) -> str:
    """The state of one deadline on ``today``:

    - ``respectée`` / ``en retard``: done by / after its due date;
    - ``effectuée, date non indiquée``: not dated, but a later step is (``done_later``) or the
      report is ``finished`` (final stage);
    - ``dépassée``: not done and its due date passed; ``à venir``: not done, its due date ahead
      or not known yet;
    - ``sans objet``: no limit applies (an appeal nobody made, a step dated with nothing to
      count its delay from);
    - the agent's appeal window (``informative``): ``en cours`` or ``expiré``, ``sans objet``
      before the notification."""
    if deadline.informative:
        return NOT_APPLICABLE if deadline.due is None else (EXPIRED if today > deadline.due else RUNNING)
    done = deadline.done
    if deadline.due is None:  # nothing to count its delay from
        if deadline.optional or done is not None:
            return NOT_APPLICABLE
        return NOT_DATED if done_later or finished else PENDING
    if done is not None:
        return LATE if done > deadline.due else ON_TIME
    if done_later or finished:
        return NOT_DATED
    return OVERDUE if today > deadline.due else PENDING


def agent_deadlines(config, dates: dict[str, dt.date | None], received: dt.date | None, *,
                    finished: bool, today: dt.date, planned: Collection[str] = ()) -> list[tuple[Deadline, str]]:
    """Every deadline of one agent with its state (:func:`deadline_state`): the one computation
    behind the campaign view (:mod:`pipeline.campaign`). ``dates``: what is known of the
    workflow's dates, the report's first, else the roster's (an invitation dated in the roster
    was sent that day, an interview dated there held that day); ``planned``: the keys of
    ``dates`` that are a plan (the roster's), a step done only once their day has come (a
    report's dates are what happened: it was checked against the day it was received);
    ``received``: when the report's newest accepted version came (``None``: none yet);
    ``finished``: at the final stage."""
    order = config.catalogue.date_order
    known = {key for key, day in dates.items() if day is not None and (key not in planned or day <= today)}
    states = []
    for d in deadlines(dates, config, received):
        if d.done_key in planned and d.done_key not in known:
            d = replace(d, done=None)
        position = order.index(d.done_key) if d.done_key in order else None
        done_later = position is not None and any(key in known for key in order[position + 1:])
        states.append((d, deadline_state(d, today, finished=finished, done_later=done_later)))
    return states


def correction_due(config, received: dt.date) -> dt.date:
    """The day a rejected file's correction is due, as its note says: the day it was received
    plus ``service_rh.delai_reponse_jours`` (calendar days)."""
    return received + dt.timedelta(days=config.hr.answer_days)


def deadlines(dates: dict[str, dt.date | None], config,
              received: dt.date | None = None) -> list[Deadline]:
    """Every deadline of one report from its dates (catalogue keys -> date)."""
    rules = config.delay_rules()
    calendar = config.delays.holiday_calendar
    review = dates.get(cat.REVIEW_DATE)
    communicated = dates.get(cat.COMMUNICATION_DATE)
    acknowledged = dates.get(cat.AGENT_ACK_DATE)
    notified = dates.get(cat.NOTIFICATION_DATE)
    requested = dates.get(cat.REVISION_REQUEST_DATE)
    decided = dates.get(cat.REVISION_DECISION_DATE)
    unit = COUNTING_WORDS[rules.counting]

    def after(start: dt.date | None, days: int) -> dt.date | None:
        if start is None:
            return None
        if rules.counting == JOURS_FRANCS:
            return add_jours_francs(start, days, calendar)
        return add_days(start, days, working_days=rules.counting == WORKING_DAYS, calendar=calendar)

    # The invitation's minimum is counted back from the review: in working days when the others
    # are, else in calendar days (jours francs only run forward from an event).
    invitation_due = (add_days(review, -rules.invitation_min_days, working_days=rules.counting == WORKING_DAYS,
                               calendar=calendar) if review else None)
    found = [
        Deadline("convocation", f"Convocation au moins {rules.invitation_min_days} jours avant l'entretien",
                 invitation_due, dates.get(cat.INVITATION_DATE), done_key=cat.INVITATION_DATE),
        Deadline("entretien", "Entretien avant la date limite de la campagne",
                 config.campaign.review_deadline, review, done_key=cat.REVIEW_DATE),
    ]
    if rules.evaluator_days is not None:
        found.append(Deadline(
            "signature_evaluateur",
            f"Signature de l'évaluateur dans les {rules.evaluator_days} {unit} après l'entretien",
            after(review, rules.evaluator_days), dates.get(cat.EVALUATOR_SIGNATURE_DATE),
            done_key=cat.EVALUATOR_SIGNATURE_DATE))
    found += [
        Deadline("communication",
                 f"Communication du compte rendu dans les {rules.communication_days} {unit} après l'entretien",
                 after(review, rules.communication_days), communicated, done_key=cat.COMMUNICATION_DATE),
        Deadline("observations",
                 f"Prise de connaissance par l'agent dans les {rules.agent_days} {unit} après la communication",
                 after(communicated, rules.agent_days), acknowledged, owner=AGENT_PARTY,
                 done_key=cat.AGENT_ACK_DATE),
    ]
    if rules.visa_days is not None:
        found.append(Deadline(
            "visa", f"Visa dans les {rules.visa_days} {unit} après la prise de connaissance par l'agent",
            after(acknowledged, rules.visa_days), dates.get(cat.VISA_DATE), owner=AUTHORITY_PARTY,
            done_key=cat.VISA_DATE))
    if rules.notification_days is not None:  # whoever notifies: the stage's (catalogue.Stage.waits_for)
        found.append(Deadline(
            "notification", f"Notification à l'agent dans les {rules.notification_days} {unit} après le visa",
            after(dates.get(cat.VISA_DATE), rules.notification_days), notified, owner=None,
            done_key=cat.NOTIFICATION_DATE))
    return found + [
        Deadline("retour_rh", "Retour du compte rendu au service RH",
                 config.campaign.return_to_hr, received, owner=None),
        Deadline("revision",
                 f"Demande de révision possible ({rules.appeal_days} jours francs après la notification)",
                 add_jours_francs(notified, rules.appeal_days, calendar) if notified else None, None,
                 informative=True, owner=AGENT_PARTY),
        # The appeal, when there is one (the « Recours » part): the authority answers within
        # 15 jours francs; the agent may then refer to the CAP within a month, and go to court
        # within two months of the notification or of the answer.
        Deadline("reponse_revision",
                 f"Réponse à la demande de révision ({rules.appeal_days} jours francs après la demande)",
                 add_jours_francs(requested, rules.appeal_days, calendar) if requested else None, decided,
                 owner=AUTHORITY_PARTY, done_key=cat.REVISION_DECISION_DATE, optional=True),
        Deadline("saisine_cap", "Saisine de la CAP possible (un mois après la réponse)",
                 add_months(decided, 1) if decided else None, None, informative=True, owner=AGENT_PARTY),
        Deadline("recours_contentieux",
                 "Recours devant le tribunal administratif possible (deux mois après la notification ou la réponse)",
                 add_months(decided or notified, 2) if (decided or notified) else None, None, informative=True,
                 owner=AGENT_PARTY),
    ]
