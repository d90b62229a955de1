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
from dataclasses import dataclass

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
    return _state(deadline.informative, deadline.optional, deadline.due, deadline.done, today,
                  finished or done_later)


def _state(informative: bool, optional: bool, due: dt.date | None, done: dt.date | None, today: dt.date,
           shown_done: bool) -> str:
    """:func:`deadline_state` of a deadline given by its parts; ``shown_done``: a later step is
    dated, or the report is finished."""
    if informative:
        return NOT_APPLICABLE if due is None else (EXPIRED if today > due else RUNNING)
    if due is None:  # nothing to count its delay from
        if optional or done is not None:
            return NOT_APPLICABLE
        return NOT_DATED if shown_done else PENDING
    if done is not None:
        return LATE if done > due else ON_TIME
    if shown_done:
        return NOT_DATED
    return OVERDUE if today > due else PENDING


class Step:
    """One deadline of a set of rules, what it is for every report (its key, label, owner, the
    date that marks it done, its place in the workflow's dates); its limit is counted from the
    first of ``starts`` given (none: the campaign's fixed ``due``), each start's limit counted
    once (:meth:`due_of`)."""

    __slots__ = ("key", "label", "informative", "owner", "done_key", "optional", "position", "starts", "due",
                 "_count", "_dues", "received")

    def __init__(self, key: str, label: str, *, starts: tuple[str, ...] = (), count=None,
                 due: dt.date | None = None, informative: bool = False, owner: str | None = EVALUATOR_PARTY,
                 done_key: str | None = None, optional: bool = False, received: bool = False,
                 order: tuple[str, ...] = ()):
        self.key, self.label, self.informative, self.owner = key, label, informative, owner
        self.done_key, self.optional, self.starts, self.due = done_key, optional, starts, due
        self.position = order.index(done_key) if done_key in order else None
        self.received = received  # done when the report reached HR (retour_rh)
        self._count, self._dues = count, {}

    def due_of(self, dates: dict[str, dt.date | None]) -> dt.date | None:
        """The limit of this step for a report of these ``dates``."""
        if not self.starts:
            return self.due
        for key in self.starts:
            start = dates.get(key)
            if start:
                break
        else:
            return None
        try:
            return self._dues[start]
        except KeyError:
            due = self._dues[start] = self._count(start)
            return due

    def done_of(self, dates: dict[str, dt.date | None], received: dt.date | None) -> dt.date | None:
        """The day it was done, as the report's ``dates`` say (``received``: when it reached HR)."""
        if self.done_key is not None:
            return dates.get(self.done_key)
        return received if self.received else None

    def deadline(self, dates: dict[str, dt.date | None], received: dt.date | None) -> Deadline:
        return Deadline(self.key, self.label, self.due_of(dates), self.done_of(dates, received),
                        informative=self.informative, owner=self.owner, done_key=self.done_key,
                        optional=self.optional)


class Schedule:
    """The deadlines of one set of rules (the delays, how they are counted, the holidays, the
    campaign's dates, the workflow's order of dates): their labels and rules made once, each
    limit counted once per day it counts from, then shared by every report (:meth:`of`)."""

    def __init__(self, rules: DelayRules, calendar: str, review_deadline: dt.date | None,
                 return_to_hr: dt.date | None, order: tuple[str, ...], untracked: frozenset[str] = frozenset()):
        self.order = order
        unit = COUNTING_WORDS[rules.counting]
        working = rules.counting == WORKING_DAYS

        def after(days: int):
            if rules.counting == JOURS_FRANCS:
                return lambda start: add_jours_francs(start, days, calendar)
            return lambda start: add_days(start, days, working_days=working, calendar=calendar)

        def francs(days: int):
            return lambda start: add_jours_francs(start, days, calendar)

        def months(count: int):
            return lambda start: add_months(start, count)

        def step(*args, **kwargs) -> Step:
            return Step(*args, order=order, **kwargs)

        # The invitation's minimum is counted back from the review: in working days when the others
        # are, else in calendar days (jours francs only run forward from an event).
        found = [
            step("convocation", f"Convocation au moins {rules.invitation_min_days} jours avant l'entretien",
                 starts=(cat.REVIEW_DATE,), done_key=cat.INVITATION_DATE,
                 count=lambda start: add_days(start, -rules.invitation_min_days, working_days=working,
                                              calendar=calendar)),
            step("entretien", "Entretien avant la date limite de la campagne", due=review_deadline,
                 done_key=cat.REVIEW_DATE),
        ]
        if rules.evaluator_days is not None:
            found.append(step(
                "signature_evaluateur",
                f"Signature de l'évaluateur dans les {rules.evaluator_days} {unit} après l'entretien",
                starts=(cat.REVIEW_DATE,), count=after(rules.evaluator_days), done_key=cat.EVALUATOR_SIGNATURE_DATE))
        found += [
            step("communication",
                 f"Communication du compte rendu dans les {rules.communication_days} {unit} après l'entretien",
                 starts=(cat.REVIEW_DATE,), count=after(rules.communication_days), done_key=cat.COMMUNICATION_DATE),
            step("observations",
                 f"Prise de connaissance par l'agent dans les {rules.agent_days} {unit} après la communication",
                 starts=(cat.COMMUNICATION_DATE,), count=after(rules.agent_days), owner=AGENT_PARTY,
                 done_key=cat.AGENT_ACK_DATE),
        ]
        if rules.visa_days is not None:
            found.append(step(
                "visa", f"Visa dans les {rules.visa_days} {unit} après la prise de connaissance par l'agent",
                starts=(cat.AGENT_ACK_DATE,), count=after(rules.visa_days), owner=AUTHORITY_PARTY,
                done_key=cat.VISA_DATE))
        if rules.notification_days is not None:  # whoever notifies: the stage's (catalogue.Stage.waits_for)
            found.append(step(
                "notification", f"Notification à l'agent dans les {rules.notification_days} {unit} après le visa",
                starts=(cat.VISA_DATE,), count=after(rules.notification_days), owner=None,
                done_key=cat.NOTIFICATION_DATE))
        found += [
            step("retour_rh", "Retour du compte rendu au service RH", due=return_to_hr, owner=None, received=True),
            step("revision",
                 f"Demande de révision possible ({rules.appeal_days} jours francs après la notification)",
                 starts=(cat.NOTIFICATION_DATE,), count=francs(rules.appeal_days), informative=True,
                 owner=AGENT_PARTY),
            # The appeal, when there is one (the « Recours » part): the authority answers within
            # 15 jours francs; the agent may then refer to the CAP within a month, and go to court
            # within two months of the notification or of the answer.
            step("reponse_revision",
                 f"Réponse à la demande de révision ({rules.appeal_days} jours francs après la demande)",
                 starts=(cat.REVISION_REQUEST_DATE,), count=francs(rules.appeal_days), owner=AUTHORITY_PARTY,
                 done_key=cat.REVISION_DECISION_DATE, optional=True),
            step("saisine_cap", "Saisine de la CAP possible (un mois après la réponse)",
                 starts=(cat.REVISION_DECISION_DATE,), count=months(1), informative=True, owner=AGENT_PARTY),
            step("recours_contentieux",
                 "Recours devant le tribunal administratif possible (deux mois après la notification ou la réponse)",
                 starts=(cat.REVISION_DECISION_DATE, cat.NOTIFICATION_DATE), count=months(2), informative=True,
                 owner=AGENT_PARTY),
        ]
        # A step done by a date the form has no place for (an employer's form without the date of
        # communication) is never known done: not followed, rather than always said missed. One
        # counted from such dates alone has no limit: followed when its own date is on the form (the
        # agent's observations: awaited from the agent, never late), else (an appeal's windows) not.
        self.steps: tuple[Step, ...] = tuple(
            step for step in found if step.done_key not in untracked
            and not (step.starts and set(step.starts) <= untracked and step.done_key is None))
        # What :meth:`evaluate` reads of each step, unpacked at once; ``rank``: its place in the
        # workflow's order of dates (none: after every date, never shown done by a later one).
        self._plan = tuple((step, step.starts, step._dues, step._count, step.due, step.done_key, step.received,
                            step.informative, step.optional, len(order) if step.position is None else step.position)
                           for step in self.steps)
        self._backwards = tuple(reversed(list(enumerate(order))))

    @classmethod
    def of(cls, config) -> "Schedule":
        """The schedule of ``config``'s rules: made once for each set of rules a process meets."""
        places = config.form.places
        untracked = frozenset(k for k in config.catalogue.date_order if k not in places and k not in _ROSTER_DATES)
        key = (config.delay_rules(), config.delays.holiday_calendar, config.campaign.review_deadline,
               config.campaign.return_to_hr, tuple(config.catalogue.date_order), untracked)
        schedule = _SCHEDULES.get(key)
        if schedule is None:
            if len(_SCHEDULES) >= 32:  # a long-lived process meeting many configurations
                _SCHEDULES.clear()
            schedule = _SCHEDULES[key] = cls(*key)
        return schedule

    def evaluate(self, dates: dict[str, dt.date | None], received: dt.date | None, *, finished: bool,
                 today: dt.date, planned: Collection[str] = ()) -> list[tuple[Step, dt.date | None,
                                                                             dt.date | None, str]]:
        """Each step of one agent as (step, its limit, the day it was done, its state): what
        :func:`agent_deadlines` says, without making a :class:`Deadline` of each. Run for each
        agent of a campaign (100,000 in a large one): :meth:`Step.due_of`, :meth:`Step.done_of`
        and :func:`_state` written out in place."""
        get = dates.get
        last_known = -1  # the last date of the workflow known (a plan counts once its day has come)
        for position, key in self._backwards:
            day = get(key)
            if day is not None and (not planned or key not in planned or day <= today):
                last_known = position
                break
        found = []
        for step, starts, dues, count, fixed, done_key, by_receipt, informative, optional, rank in self._plan:
            if starts:
                for key in starts:
                    start = get(key)
                    if start:
                        due = dues.get(start)
                        if due is None:
                            due = dues[start] = count(start)
                        break
                else:
                    due = None
            else:
                due = fixed
            if done_key is not None:
                done = get(done_key)
                if done is not None and planned and done > today and done_key in planned:  # a plan, still ahead
                    done = None
            else:
                done = received if by_receipt else None
            if informative:
                state = NOT_APPLICABLE if due is None else (EXPIRED if today > due else RUNNING)
            elif due is None:  # nothing to count its delay from
                if optional or done is not None:
                    state = NOT_APPLICABLE
                else:
                    state = NOT_DATED if finished or last_known > rank else PENDING
            elif done is not None:
                state = LATE if done > due else ON_TIME
            elif finished or last_known > rank:
                state = NOT_DATED
            else:
                state = OVERDUE if today > due else PENDING
            found.append((step, due, done, state))
        return found


_SCHEDULES: dict[tuple, Schedule] = {}
# The dates the roster may give when a report does not (an invitation sent, an interview held).
_ROSTER_DATES = frozenset((cat.INVITATION_DATE, cat.REVIEW_DATE))


def agent_deadlines(config, dates: dict[str, dt.date | None], received: dt.date | None, *,
                    finished: bool, today: dt.date, planned: Collection[str] = ()) -> list[tuple[Deadline, str]]:
    """Every deadline of one agent with its state (:func:`deadline_state`): the one computation
    behind the campaign view (:mod:`pipeline.campaign`, through :meth:`Schedule.evaluate`).
    ``dates``: what is known of the workflow's dates, the report's first, else the roster's (an
    invitation dated in the roster was sent that day, an interview dated there held that day);
    ``planned``: the keys of ``dates`` that are a plan (the roster's), a step done only once their
    day has come (a report's dates are what happened: it was checked against the day it was
    received); ``received``: when the report's newest accepted version came (``None``: none yet);
    ``finished``: at the final stage."""
    return [(Deadline(step.key, step.label, due, done, informative=step.informative, owner=step.owner,
                      done_key=step.done_key, optional=step.optional), state)
            for step, due, done, state in Schedule.of(config).evaluate(dates, received, finished=finished,
                                                                        today=today, planned=planned)]


def correction_due(config, received: dt.date) -> dt.date:
    """The day a rejected file's correction is due, as its note says: the day it was received
    plus ``service_rh.delai_reponse_jours`` (calendar days)."""
    return received + dt.timedelta(days=config.hr.answer_days)


def deadlines(dates: dict[str, dt.date | None], config,
              received: dt.date | None = None) -> list[Deadline]:
    """Every deadline of one report from its dates (catalogue keys -> date)."""
    return [step.deadline(dates, received) for step in Schedule.of(config).steps]
