"""The campaign view: where each agent of the campaign stands, computed once for every display.

:func:`campaign_view` is a pure function of (configuration, journal, roster, day). For each agent
of the roster, then each other agent the journal knows, it gives an :class:`AgentState`:

    current    the newest accepted version of the report: stage, file, when received
    dates      each date of the workflow, the report's first, else the roster's (an invitation
               dated in the roster was sent that day, an interview dated there held that day)
    deadlines  every deadline with its limit, the date it was done and where that date comes
               from, its state (pipeline.deadlines.deadline_state) and how many days late;
               ``next_deadline``, the first one still open, and whom it waits for
    rejection  the last file received, when it was turned away: its reasons and the date its
               correction is due (as its note says)
    chase      whether to chase, why, whom (évaluateur, agent, autorité) and by when (a step once
               its limit has passed, the agent's own a few days before; a report nobody sent
               from the interview date on, or, that date unknown, once the campaign's limit has
               passed; a rejection once its correction's due date has passed, never the day its
               note goes out); what the step is (it changes when the stage moves), the first
               reminder about it, and whether the evaluator's N+2 is reminded too (a step still
               undone ``courriel.relances_n2_apres_jours`` after that first reminder)
    message    the last message sent about the agent (pipeline.mail records them)
    last_reminder  the last reminder about the agent: to whom, when, what became of it

``etat`` (text and JSON), the tracking workbook («\u202fSuivi\u202f», «\u202fRelances\u202f») and
``relancer`` display it; nothing about lateness or chasing is computed anywhere else. The words
of these states (situations, reasons to chase, a message's state) are spelt here only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from . import catalogue as cat
from .catalogue import AGENT_PARTY, EVALUATOR_PARTY, MANAGER_PARTY
from .deadlines import LATE, MISSED, OPEN, OVERDUE, PENDING, Schedule, correction_due, short_name
from .journal import DRAFTED, FAILED, QUEUED, REJECTION_NOTE, REMINDER, SENDING, SENT, UNCERTAIN, CurrentReport, \
    FileRow, FileSummary, Journal, MessageRow
from .journal import AGENT_REMINDER, AUTHORITY_REMINDER, CANCELLED, MANAGER_REMINDER, OBSOLETE, ReminderItem
from .journal import ANNOUNCEMENT, INVITATION, INVITATION_CANCEL, INVITATION_UPDATE
from .outcomes import Outcome, is_error
from .civility import EVALUATOR_CIVILITY
from .records import PdfSignature, ReportContent, roster_first
from .roster import AGENT_EMAIL, DELEGATE, DELEGATE_EMAIL, EVALUATOR_EMAIL, MANAGER, MANAGER_EMAIL
from .text import canonical_choice, format_date

if TYPE_CHECKING:
    from .config import Config
    from .roster import RosterRow

# -- words: how the campaign's states are said, here only ----------------------------------------

# An agent's situation when no version of their report was accepted.
NO_REPORT = "aucun compte rendu reçu"
REJECTED_ONLY = "compte rendu reçu mais rejeté : en attente d'une version corrigée"
# A rejected last file whose report has a newer accepted version: nothing to correct any more.
REJECTION_RESOLVED = "rejet résolu par une version acceptée"
# Why an agent is chased: no report, a pending rejection, a step overdue (chase_overdue), the agent's
# step whose limit is near (chase_soon: courriel.relances_agent_jours_avant before it).
CHASE_NO_REPORT = NO_REPORT
CHASE_REJECTION = "rejet en attente d'une version corrigée"
DUE_SOON = "échéance proche"
# What a chase waits for (Chase.step): the same until the stage moves or another file comes.
STEP_NO_REPORT, STEP_REJECTION = "aucun_compte_rendu", "rejet"
# How the final stage was reached.
NOTIFIED_SIGNED = "signée par l'agent"
NOTIFIED_REFUSED = "refus de signer, valant notification : {mode}"
NO_MODE = "mode non indiqué"
# Where the date a step was done comes from.
FROM_REPORT, FROM_ROSTER, FROM_RECEIPT = "compte rendu", "liste des agents", "réception du compte rendu"
FROM_MAIL = "courriel de convocation"  # the invitation sent by `convoquer` (pipeline.mail.invitations)
# Messages (the journal's ``messages`` table): their kinds and states, as people read them.
MESSAGE_KIND_WORDS = {REJECTION_NOTE: "Note de rejet", REMINDER: "Relance",
                      AGENT_REMINDER: "Relance de l'agent", AUTHORITY_REMINDER: "Relance de l'autorité",
                      MANAGER_REMINDER: "Relance du N+2"}
MESSAGE_STATUS_WORDS = {
    QUEUED: "en attente d'envoi",
    SENDING: "envoi en cours",
    SENT: "envoyé",
    DRAFTED: "brouillon écrit",
    FAILED: "échec de l'envoi",
    UNCERTAIN: "envoi incertain",
    CANCELLED: "annulé (l'étape a avancé avant l'envoi)",
    OBSOLETE: "périmé (compte rendu accepté ou corrigé depuis)",
}
# Messages to agents (pipeline.mail.announcement, pipeline.mail.invitations).
MESSAGE_KIND_WORDS.update({ANNOUNCEMENT: "Annonce de la campagne", INVITATION: "Convocation",
                           INVITATION_UPDATE: "Modification de la convocation",
                           INVITATION_CANCEL: "Annulation de la convocation"})
# Whom each kind of reminder reminds (ReminderSeen.party).
REMINDER_PARTIES = {REMINDER: EVALUATOR_PARTY, AGENT_REMINDER: AGENT_PARTY, AUTHORITY_REMINDER: cat.AUTHORITY_PARTY,
                    MANAGER_REMINDER: MANAGER_PARTY}
# A rejected report whose evaluator has no address (roster column «\u202fcourriel évaluateur\u202f»).
NOTE_NOT_SENT = "note non envoyée : adresse inconnue"
# A file no agent could be read from (unreadable): nobody to write to.
NOTE_NOT_SENT_NO_AGENT = "note non envoyée : agent non identifié"
# A rejected report whose evaluator's cell is not a list of valid addresses (pipeline.mail says its line).
NOTE_NOT_SENT_BAD_ADDRESS = "note non envoyée : adresse à corriger dans la liste des agents"

# The identity an agent is shown with, roster first, else their report.
IDENTITY = (cat.AGENT_NUMBER, cat.LAST_NAME, cat.FIRST_NAME, cat.SERVICE, cat.GRADE, cat.EVALUATOR)


def chase_overdue(label: str) -> str:
    """Why an agent is chased when a step's deadline passed with the step not done."""
    return f"{label} : {OVERDUE}"


def chase_soon(label: str) -> str:
    """Why the agent is chased before the limit of their step («\u202féchéance proche\u202f»)."""
    return f"{label} : {DUE_SOON}"


def n2_reminded(agent: "AgentState") -> str:
    """Whom the N+2 reminder of an agent's chase goes to: the roster's N+2 (their name, else their
    address), "" when the chase is not escalated."""
    if agent.chase is None or not agent.chase.escalated:
        return ""
    return agent.n2 or agent.n2_email or MANAGER_PARTY


def described_message(message: MessageRow) -> str:
    """«\u202fNote de rejet : envoyé le 29/11/2026\u202f»: a message and its state, as people read it."""
    text = (f"{MESSAGE_KIND_WORDS.get(message.kind, message.kind)} : "
            f"{MESSAGE_STATUS_WORDS.get(message.status, message.status)}")
    when = message.sent_at if message.status in (SENT, DRAFTED) else None
    if when:
        text += f" le {format_date(dt.datetime.fromisoformat(when).date())}"
    return text


# -- the records of the view --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeadlineState:
    """One deadline of an agent: ``due`` (its limit), ``done`` (the day the step was done, when
    known) and ``done_from`` (:data:`FROM_REPORT`, :data:`FROM_ROSTER`, :data:`FROM_RECEIPT`),
    ``state`` (pipeline.deadlines: à venir, respectée, en retard, dépassée, sans objet...),
    ``owner`` (whom the step waits for), ``days_late`` (done late: the days past the limit;
    overdue: the days since it passed; else ``None``)."""

    key: str
    label: str
    due: dt.date | None
    done: dt.date | None
    done_from: str
    state: str
    owner: str
    days_late: int | None

    @property
    def missed(self) -> bool:
        return self.state in MISSED

    @property
    def open(self) -> bool:
        """Not done yet (à venir, dépassée): the step is still awaited."""
        return self.state in OPEN

    @property
    def name(self) -> str:
        """The step in a few words (pipeline.deadlines.SHORT_NAMES): «\u202fCommunication du compte rendu\u202f»."""
        return short_name(self.key, self.label)


@dataclass(frozen=True, slots=True)
class FileSeen:
    """A received file, as the view shows it: the last one of an agent, or one no agent could be
    read from. ``errors``: its errors, each «\u202flabel : message\u202f»; ``messages``: the same without
    the labels (what ``etat`` prints)."""

    file_id: int
    name: str
    received_at: dt.datetime
    outcome: Outcome | None
    reason_code: str | None
    note: str | None
    errors: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()

    @property
    def received(self) -> dt.date:
        return self.received_at.date()

    @property
    def turned_away(self) -> bool:
        return self.outcome is not None and self.outcome.turned_away

    @classmethod
    def of(cls, row: FileRow | FileSummary) -> "FileSeen":
        errors = [f for f in row.findings if is_error(f)] if row.findings else None
        if not errors:
            return cls(row.id, row.original_name, row.received_moment, row.outcome, row.reason_code, row.note)
        return cls(file_id=row.id, name=row.original_name, received_at=row.received_moment, outcome=row.outcome,
                   reason_code=row.reason_code, note=row.note,
                   errors=tuple(f"{f['label']} : {f['message']}" if f.get("label") else f.get("message", "")
                                for f in errors),
                   messages=tuple(f["message"] for f in errors))


@dataclass(frozen=True, slots=True)
class PendingRejection:
    """The agent's last file was turned away: it waits for a corrected report, due ``due``."""

    file: FileSeen
    due: dt.date


@dataclass(frozen=True, slots=True)
class Chase:
    """Why to chase an agent's report, whom (catalogue.EVALUATOR_PARTY, AGENT_PARTY,
    AUTHORITY_PARTY), by when, and how many days that is past (``None``: not yet).

    ``step``: what is awaited (:data:`STEP_NO_REPORT`, ``rejet:<file>``, ``<deadline key>:<stage>``),
    the same as long as the stage does not move: a reminder queued for another step is not sent
    (pipeline.mail.reminders). ``first_reminder``: the day of the first reminder about this step
    (sent, or written as a draft); ``escalated``: the evaluator's N+2 (catalogue.MANAGER_PARTY)
    is reminded too, the step still undone ``courriel.relances_n2_apres_jours`` after it."""

    reason: str
    whom: str
    due: dt.date | None
    days_late: int | None
    step: str = ""
    first_reminder: dt.date | None = None
    escalated: bool = False

    @property
    def parties(self) -> tuple[str, ...]:
        """Whom the reminders of this chase go to: its party, then the N+2 when escalated."""
        return (self.whom, MANAGER_PARTY) if self.escalated else (self.whom,)


@dataclass(frozen=True, slots=True)
class ReminderSeen:
    """A reminder about an agent: to whom (``party``: évaluateur, agent, autorité, N+2; its
    addresses), the day it was made for, what became of it (:data:`MESSAGE_STATUS_WORDS`)."""

    party: str
    recipient: str
    day: dt.date
    state: str

    @property
    def text(self) -> str:
        """«\u202fagent (lea.martin@exemple.fr), le 05/01/2027 : envoyé\u202f»."""
        return f"{self.party} ({self.recipient}), le {format_date(self.day)} : {self.state}"


@dataclass(frozen=True, slots=True)
class LastMessage:
    """The last message about an agent, as people read it (:func:`described_message` and to whom:
    «\u202fConvocation : envoyé le 02/12/2026 à lea.martin@exemple.fr\u202f»), and its day."""

    text: str
    day: dt.date | None


@dataclass(frozen=True, slots=True)
class CurrentVersion:
    """The newest accepted version of an agent's report."""

    stage: int
    name: str  # as received
    location: str  # where it is now (its stage folder)
    received_at: dt.datetime
    notification: str  # how the final stage was reached (NOTIFIED_SIGNED...), "" before it

    @property
    def received(self) -> dt.date:
        return self.received_at.date()


@dataclass(frozen=True, slots=True)
class SignedCopySeen:
    """The last signed copy (a scanned PDF) received for the agent's report."""

    received: dt.date
    signatures: tuple[PdfSignature, ...]


@dataclass(slots=True)
class AgentState:
    """Where one agent stands (see the module's docstring)."""

    number: str
    identity: dict[str, str]  # IDENTITY keys -> text, roster first, else the report
    evaluator_email: str  # the roster's «\u202fcourriel évaluateur\u202f», "" when none
    evaluator_civility: str  # the roster's «\u202fcivilité de l'évaluateur\u202f», "" when none (pipeline.civility)
    in_roster: bool
    situation: str  # the stage's label, or NO_REPORT / REJECTED_ONLY
    current: CurrentVersion | None
    dates: dict[str, dt.date | None]  # every date field of the catalogue
    deadlines: tuple[DeadlineState, ...]
    last_file: FileSeen | None
    rejection: PendingRejection | None
    chase: Chase | None
    message: LastMessage | None = None
    signed_copy: SignedCopySeen | None = None
    # Whom else messages go to (roster columns, "" when none): the agent («\u202fcourriel agent\u202f»),
    # the evaluator's delegate («\u202févaluateur délégué\u202f», its «\u202fcourriel évaluateur délégué\u202f»:
    # they get the evaluator's messages) and N+2 («\u202fN+2\u202f», «\u202fcourriel N+2\u202f»).
    agent_email: str = ""
    agent_civility: str = ""  # the roster's «\u202fcivilité\u202f» (pipeline.civility)
    delegate: str = ""
    delegate_email: str = ""
    n2: str = ""
    n2_email: str = ""
    last_reminder: ReminderSeen | None = None
    # False: below the minimum time in post (pipeline.reviewed), no report expected from them.
    reviewed: bool = True

    @property
    def evaluator_cell(self) -> str:
        """Where the evaluator's messages go: the delegate's address cell when the roster gives
        one, else the evaluator's."""
        return self.delegate_email or self.evaluator_email

    @property
    def delegated(self) -> bool:
        """The evaluator's messages go to their delegate."""
        return bool(self.delegate_email)

    @property
    def stage(self) -> int | None:
        return self.current.stage if self.current else None

    @property
    def name(self) -> str:
        """``Élodie MARTIN``."""
        first, last = self.identity.get(cat.FIRST_NAME, ""), self.identity.get(cat.LAST_NAME, "").upper()
        return f"{first} {last}" if first and last else first or last

    @property
    def evaluator(self) -> str:
        return self.identity.get(cat.EVALUATOR, "")

    @property
    def missed(self) -> list[DeadlineState]:
        """The deadlines missed: done late, or overdue."""
        return [d for d in self.deadlines if d.state in MISSED]

    @property
    def next_deadline(self) -> DeadlineState | None:
        """The next deadline: the first of the workflow still open (à venir or dépassée), with its
        limit, its state and whom it waits for (``owner``); ``None`` when every step is done (or no
        longer applies). The agent's appeal windows are never open: they are nobody's step."""
        return next((d for d in self.deadlines if d.open), None)

    @property
    def days_late(self) -> int | None:
        """The most days late of the missed deadlines, ``None`` when none is."""
        return max((d.days_late or 0 for d in self.missed), default=0) or None

    @property
    def rejection_resolved(self) -> bool:
        """The last file was turned away, but an accepted version came after it."""
        return bool(self.last_file and self.last_file.turned_away and self.rejection is None)


@dataclass
class CampaignView:
    """The campaign on ``today``: ``agents`` (the roster's, in its order, then the other agents
    the journal knows, by number) and the files turned away that no agent could be read from."""

    campaign: str
    today: dt.date
    agents: list[AgentState] = field(default_factory=list)
    unidentified: list[FileSeen] = field(default_factory=list)
    with_roster: bool = False

    def per_stage(self, catalogue: cat.Catalogue) -> dict[int, int]:
        counts = {s.number: 0 for s in catalogue.stages}
        for agent in self.agents:
            if agent.stage is not None:
                counts[agent.stage] = counts.get(agent.stage, 0) + 1
        return counts

    def chased(self) -> list[AgentState]:
        """The agents to chase, by evaluator name (agents without one last), then in the view's order."""
        chased = [(i, a) for i, a in enumerate(self.agents) if a.chase is not None]
        chased.sort(key=lambda item: (item[1].evaluator == "", item[1].evaluator.casefold(), item[0]))
        return [a for _, a in chased]


# -- building it --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ReportFacts:
    """What the view keeps of a report read (not its whole content): identity and dates."""

    identity: dict[str, str]
    dates: dict[str, dt.date]  # filled dates, of fields without an error

    @classmethod
    def of(cls, row: FileRow | FileSummary, date_keys: list[str]) -> "_ReportFacts | None":
        content = row.report
        if content is None:
            return None
        fields, read = content.fields, content.dates
        identity = {}
        for key in IDENTITY:  # ReportContent.text: a single field's text, stripped
            value = fields.get(key)
            if isinstance(value, str) and (value := value.strip()):
                identity[key] = value
        if row.findings:
            wrong = {f.get("field") for f in row.findings if is_error(f)}  # a date refused as a typo is not a date
            dates = {k: day for k in date_keys if (day := read.get(k)) and k not in wrong}
        else:
            dates = {k: day for k in date_keys if (day := read.get(k))}
        return cls(identity, dates)


def _notification(content: ReportContent | None, catalogue: cat.Catalogue) -> str:
    if content is None:
        return ""
    if content.fields.get(cat.REFUSED_TO_SIGN) is True:
        typed = content.text(cat.NOTIFICATION_MODE)
        mode = canonical_choice(typed, catalogue.field(cat.NOTIFICATION_MODE).choices or []) or typed
        return NOTIFIED_REFUSED.format(mode=mode or NO_MODE)
    return NOTIFIED_SIGNED


def campaign_view(config: Config, journal: Journal, roster: Iterable[RosterRow] | None, today: dt.date, *,
                  each_report: Callable[[CurrentReport], None] | None = None,
                  each_turned_away: Callable[[FileRow], None] | None = None) -> CampaignView:
    """Where each agent of ``config``'s campaign stands on ``today``, from the journal and the
    roster (``None``: no roster configured). Reads the journal, writes nothing.

    The view reads the files without their contents (:meth:`~pipeline.journal.Journal.campaign_files`:
    their facts only). ``each_report`` is called with each report's newest accepted version, and
    ``each_turned_away`` with each agent's last file when it was turned away (a rejection waiting
    for a corrected report), whole, as the journal streams them: what needs their whole content
    (the training plan) reads it that way, one report in memory at a time."""
    catalogue, campaign = config.catalogue, config.campaign.key
    date_keys = [f.key for f in catalogue.single_fields if f.kind == "date"]
    listed = {r.values.get(cat.AGENT_NUMBER, ""): r for r in roster or ()}
    if each_report is not None:
        for report in journal.iter_current_reports(campaign):
            each_report(report)
    if each_turned_away is not None:
        for row in journal.iter_latest_by_agent(campaign, turned_away_only=True):
            each_turned_away(row)
    with collector_paused():
        return _view(config, journal, roster, listed, date_keys, today)


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector paused while the view is made (and read: ``etat``'s lists): it
    makes millions of objects (100,000 agents), none of them in a cycle (freed as ever when no
    longer used), and the collector, run every few hundred of them, walked the growing view again
    and again (a third of the time). Resumed after (unless it was already paused)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _view(config: Config, journal: Journal, roster: Iterable[RosterRow] | None, listed: dict[str, RosterRow],
          date_keys: list[str], today: dt.date) -> CampaignView:
    """:func:`campaign_view` once its hooks are called."""
    catalogue, campaign = config.catalogue, config.campaign.key
    current_files, last_files = journal.campaign_files(campaign)  # a few bytes a file
    latest_files = last_files.values()
    current: dict[str, tuple[CurrentVersion, _ReportFacts | None]] = {}
    facts_of_file: dict[int, _ReportFacts | None] = {}  # an agent's last file is most often its current version
    final_stage = catalogue.final_stage
    for agent_number, stage, location, file in current_files:
        facts = facts_of_file[file.id] = _ReportFacts.of(file, date_keys)
        current[agent_number] = (CurrentVersion(
            stage=stage, name=file.original_name, location=location, received_at=file.received_moment,
            notification=_notification(file.report, catalogue) if stage >= final_stage else ""), facts)
    latest: dict[str, tuple[FileSeen, _ReportFacts | None]] = {}
    for row in latest_files:
        facts = facts_of_file[row.id] if row.id in facts_of_file else _ReportFacts.of(row, date_keys)
        latest[row.agent_number] = (FileSeen.of(row), facts)
    del facts_of_file
    signed = {copy.agent_number: SignedCopySeen(copy.received_day, tuple(copy.signatures))
              for copy in journal.signed_copies() if copy.campaign == campaign}  # each agent's last one
    messages = _last_messages(config, journal, {n: seen for n, (seen, _) in latest.items() if seen.turned_away})
    view = CampaignView(campaign=campaign, today=today, with_roster=roster is not None,
                        unidentified=[FileSeen.of(row) for row in journal.iter_unidentified_rejections(campaign)])
    others = sorted((set(current) | set(latest) | set(signed)) - set(listed))
    mailed = journal.invitation_days(campaign)  # the invitations `convoquer` sent: their day
    from .reviewed import not_reviewed_situation, who_is_reviewed

    left_out = who_is_reviewed(config, listed.values()).numbers_not_reviewed if roster is not None else {}
    reminded: dict[str, list[ReminderItem]] = {}
    for item in journal.reminder_items(campaign=campaign):
        reminded.setdefault(item.agent_number, []).append(item)
    settled = _Settled(config)
    for number in [*listed, *others]:
        agent = _agent_state(settled, number, listed.get(number), current.get(number), latest.get(number),
                             date_keys, today, mailed_invitation=mailed.get(number))
        if number in left_out and agent.current is None and agent.last_file is None:  # not reviewed
            agent.reviewed, agent.situation = False, not_reviewed_situation(config)
            agent.deadlines, agent.chase = (), None
        _with_reminders(config, agent, reminded.get(number, []), today)
        agent.message = messages.get(number)
        if agent.message and agent.message.text == NOTE_NOT_SENT and not _valid_addresses(agent.evaluator_cell):
            agent.message = LastMessage(NOTE_NOT_SENT_BAD_ADDRESS, None)
        agent.signed_copy = signed.get(number)
        view.agents.append(agent)
    return view


class _Settled:
    """The configuration as :func:`campaign_view` reads it for each agent: what it derives (the
    delay rules, each stage by its number) computed once, not once per agent; the rest read from
    the configuration itself. And the deadline states already made: the same state of the same
    deadline is one object, shared by the agents it is true of (a view of 100,000 agents holds a
    million of them otherwise)."""

    def __init__(self, config: Config):
        self._config = config
        self.catalogue = config.catalogue
        self._rules = config.delay_rules()
        self.stages = {s.number: s for s in self.catalogue.stages}
        self.schedule = Schedule.of(config)  # the deadlines' labels and rules, each limit counted once
        self.final_stage = self.catalogue.final_stage
        self.agent_lead_days = config.mail.agent_lead_days
        self.states: dict[tuple, DeadlineState] = {}

    def delay_rules(self):
        return self._rules

    def stage(self, number: int):
        return self.stages.get(number) or self.catalogue.stage(number)

    def __getattr__(self, name: str):
        return getattr(self._config, name)


def _agent_state(config: _Settled, number: str, listed: RosterRow | None,
                 current: tuple[CurrentVersion, _ReportFacts | None] | None,
                 latest: tuple[FileSeen, _ReportFacts | None] | None,
                 date_keys: list[str], today: dt.date, mailed_invitation: dt.date | None = None) -> AgentState:
    # Run once per agent (100,000 in a large campaign): written for speed, each step as plain as it goes.
    version, report_facts = current or (None, None)
    last, last_facts = latest or (None, None)
    # The report's facts: its accepted version's, else those of the last file read (a rejected
    # report still says when the interview was held).
    facts = report_facts or last_facts
    reported = facts.identity if facts is not None else _NOTHING
    identity = roster_first(listed.values if listed is not None else None, reported, IDENTITY)
    identity[cat.AGENT_NUMBER] = number
    dates: dict[str, dt.date | None] = dict.fromkeys(date_keys)
    sources: dict[str, str] = {}
    if listed is not None:
        if listed.review_date is not None:
            dates[cat.REVIEW_DATE] = listed.review_date
            sources[cat.REVIEW_DATE] = FROM_ROSTER
        if listed.invitation_date is not None:
            dates[cat.INVITATION_DATE] = listed.invitation_date
            sources[cat.INVITATION_DATE] = FROM_ROSTER
    if mailed_invitation is not None and dates.get(cat.INVITATION_DATE) is None:  # sent by `convoquer`
        dates[cat.INVITATION_DATE], sources[cat.INVITATION_DATE] = mailed_invitation, FROM_MAIL
    if facts is not None:
        for key, day in facts.dates.items():
            dates[key] = day
            sources[key] = FROM_REPORT
    # The roster's dates (only they are a plan), unless the report gave its own.
    planned = [key for key in _ROSTER_DATES if sources.get(key) is FROM_ROSTER] if listed is not None else ()
    if version is not None:
        stage = config.stage(version.stage)
        finished = version.stage >= config.final_stage
        received = version.received
        holder = stage.waits_for or ""
        situation = stage.label
    else:
        finished, received, holder = False, None, EVALUATOR_PARTY
        situation = REJECTED_ONLY if last else NO_REPORT
    deadlines = []
    states = config.states
    for step, due, done, state in config.schedule.evaluate(dates, received, finished=finished, today=today,
                                                           planned=planned):
        if state is PENDING or state is OVERDUE:
            done = None
        owner = step.owner or holder
        done_from = (sources.get(step.done_key, "") if step.done_key else FROM_RECEIPT) if done else ""
        shared = (step, due, done, done_from, state, owner)
        if (made := states.get(shared)) is None:
            days = ((done - due).days if state == LATE else (today - due).days if state == OVERDUE else None)
            made = states[shared] = DeadlineState(step.key, step.label, due, done, done_from, state, owner, days)
        deadlines.append(made)
    pending = last is not None and last.turned_away and not (version and version.received_at > last.received_at)
    rejection = PendingRejection(last, correction_due(config, last.received)) if pending else None
    if listed is not None:
        extra = listed.extra
        cells = [extra.get(key, "").strip() for key in _ROSTER_CELLS] if extra else _NO_CELLS
        agent_civility = listed.invitation.get("civilite", "").strip()
    else:
        cells, agent_civility = _NO_CELLS, ""
    evaluator_email, evaluator_civility, agent_email, delegate, delegate_email, n2, n2_email = cells
    agent = AgentState(
        number=number, identity=identity,
        evaluator_email=evaluator_email, evaluator_civility=evaluator_civility,
        in_roster=listed is not None, situation=situation,
        current=version, dates=dates, deadlines=tuple(deadlines), last_file=last, rejection=rejection,
        chase=None, agent_email=agent_email, agent_civility=agent_civility,
        delegate=delegate, delegate_email=delegate_email, n2=n2, n2_email=n2_email)
    agent.chase = _chase(agent, today, agent_lead=config.agent_lead_days)
    return agent


_NOTHING: dict = {}
_ROSTER_DATES = (cat.REVIEW_DATE, cat.INVITATION_DATE)  # the dates a roster gives (RosterRow)
# The roster's cells an agent's state keeps (RosterRow.extra), in AgentState's order.
_ROSTER_CELLS = (EVALUATOR_EMAIL, EVALUATOR_CIVILITY, AGENT_EMAIL, DELEGATE, DELEGATE_EMAIL, MANAGER, MANAGER_EMAIL)
_NO_CELLS = ("",) * len(_ROSTER_CELLS)


def _chase(agent: AgentState, today: dt.date, *, agent_lead: int = 0) -> Chase | None:
    """Why and whom to chase, by when: a pending rejection once its correction's due date has
    passed (before, nobody: its note, sent the day the file came, says what to do and by when);
    no report once the interview date has passed (by the first step still open), or, that date
    unknown, once a step with a limit of its own is overdue (the campaign's limit for the
    interviews, then the return to HR); else the step the longest overdue (its owner, or
    whoever holds the report at its stage), else the agent's own step when its limit is at most
    ``agent_lead`` days ahead (their observations)."""

    def chase(reason: str, whom: str, due: dt.date | None, step: str) -> Chase:
        return Chase(reason, whom, due, (today - due).days if due is not None and due < today else None, step)

    if agent.rejection is not None:
        if today <= agent.rejection.due:
            return None
        return chase(CHASE_REJECTION, EVALUATOR_PARTY, agent.rejection.due,
                     f"{STEP_REJECTION}:{agent.rejection.file.file_id}")
    if agent.current is None and agent.last_file is None:
        interview = agent.dates.get(cat.REVIEW_DATE)
        if interview is None:  # nothing says when the report is due but the campaign's own limits
            step = next((d for d in agent.deadlines if d.state == OVERDUE and d.due is not None), None)
            return chase(CHASE_NO_REPORT, EVALUATOR_PARTY, step.due, STEP_NO_REPORT) if step else None
        if interview > today:
            return None
        step = next((d for d in agent.deadlines if d.state in (PENDING, OVERDUE) and d.due is not None), None)
        return chase(CHASE_NO_REPORT, EVALUATOR_PARTY, step.due if step else None, STEP_NO_REPORT)
    stage = agent.stage or 0
    worst = first = None  # the step the longest overdue; the agent's own step the nearest, when near
    for d in agent.deadlines:
        if d.state == OVERDUE:
            if worst is None or d.due < worst.due:
                worst = d
        elif (worst is None and d.state == PENDING and d.owner == AGENT_PARTY and d.due is not None
              and (d.due - today).days <= agent_lead and (first is None or d.due < first.due)):
            first = d
    if worst is not None:
        return chase(chase_overdue(worst.label), worst.owner, worst.due, f"{worst.key}:{stage}")
    if first is not None:
        return chase(chase_soon(first.label), first.owner, first.due, f"{first.key}:{stage}")
    return None


# The reminders that count as made (for the first reminder of a step, and the N+2's delay): sent,
# written as a draft, or perhaps received (an uncertain sending).
_MADE = (SENT, DRAFTED, UNCERTAIN)


def _with_reminders(config: Config, agent: AgentState, items: list[ReminderItem], today: dt.date) -> None:
    """The agent's last reminder (to whom, when), the first reminder about their chase's step and
    whether the evaluator's N+2 is reminded too: the step the evaluator owes is still undone
    ``courriel.relances_n2_apres_jours`` after that first reminder, and the roster names an N+2."""
    if not items:  # no reminder about the agent: their chase is as _chase made it
        return
    shown = [i for i in items if i.status != CANCELLED]
    if shown:
        last = shown[-1]
        agent.last_reminder = ReminderSeen(REMINDER_PARTIES.get(last.kind, last.party), last.recipient,
                                           _day(last.created_at), MESSAGE_STATUS_WORDS.get(last.status, last.status))
    chase = agent.chase
    if chase is None:
        return
    first = min((_day(i.created_at) for i in items if i.step == chase.step and i.status in _MADE
                 and i.party != MANAGER_PARTY), default=None)
    after = config.mail.manager_after_days
    escalated = bool(chase.whom == EVALUATOR_PARTY and first is not None and after and (agent.n2 or agent.n2_email)
                     and (today - first).days >= after)
    agent.chase = replace(chase, first_reminder=first, escalated=escalated)


def _last_messages(config: Config, journal: Journal, turned_away: dict[str, FileSeen]) -> dict[str, LastMessage]:
    """Agent number -> the last message about them. A pending rejection whose note could not be
    sent (no address) says «\u202fnote non envoyée : adresse inconnue\u202f» unless a message came after it."""
    campaign = config.campaign.key
    latest: dict[str, MessageRow] = {}
    pending = {seen.file_id for seen in turned_away.values()}
    for message in journal.messages():
        if message.campaign == campaign and not _withdrawn(message, pending):
            for agent in message.agents:
                latest[agent] = message
    shown = {agent: LastMessage(f"{described_message(m)} à {m.recipient}", _day(m.sent_at or m.created_at))
             for agent, m in latest.items()}
    if config.mail.mode != "aucun" and config.mail.rejection_notes:
        for number, seen in turned_away.items():
            last = latest.get(number)
            if seen.note and not journal.messages_of_file(seen.file_id) and (
                    last is None or last.created_at < seen.received_at.isoformat()):
                shown[number] = LastMessage(NOTE_NOT_SENT, None)
    return shown


def _withdrawn(message: MessageRow, pending: set[int]) -> bool:
    """A message that is no one's last message: never sent (a reminder cancelled, a note found
    obsolete), or a rejection note not sent (queued, or a draft HR has not sent) whose file is
    no longer its agent's pending rejection (``pending``: those files' ids), even before a
    delivery marks it obsolete."""
    if message.status in (CANCELLED, OBSOLETE):
        return True
    return message.kind == REJECTION_NOTE and message.status in (QUEUED, DRAFTED) and message.file_id not in pending


def _valid_addresses(cell: str) -> bool:
    """True when a «\u202fcourriel évaluateur\u202f» cell is empty or a list of valid addresses."""
    from .mail.addresses import AddressError, mailboxes

    try:
        mailboxes(cell)
    except AddressError:
        return False
    return True


def _day(stamp: str | None) -> dt.date | None:
    return dt.datetime.fromisoformat(stamp).date() if stamp else None


def load_campaign_view(config: Config, *, today: dt.date | None = None, **hooks) -> CampaignView:
    """:func:`campaign_view` of the configured journal and roster (``liste_agents``), on ``today``
    (default: the machine's day). Raises :class:`~pipeline.outcomes.RosterError` when the
    configured roster is missing or unusable."""
    from .examine import roster_agents

    roster = roster_agents(config)
    with Journal(config.state_dir) as journal:
        return campaign_view(config, journal, None if roster is None else roster.values(),
                             today or dt.date.today(), **hooks)

