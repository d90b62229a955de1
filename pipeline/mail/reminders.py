"""Reminders (``entretiens relancer``): to each one a step waits for, the agents to chase.

Who is chased, why, by when, and whether the evaluator's N+2 is reminded too is the campaign
view's (:class:`pipeline.campaign.Chase`), the same as ``etat`` and the tracking workbook's
«\u202fRelances\u202f» sheet show. The view's party decides whom a message goes to:

    évaluateur  one message per evaluator (to their delegate when the roster gives the delegate's
                address), listing their agents: no report, a pending rejection, a step overdue
                (signature, communication, notification), and the agent's own step when the agent
                has no address (the evaluator passes it on);
    agent       one message per agent (roster «\u202fcourriel agent\u202f»), their evaluator in copy:
                their observations, from ``courriel.relances_agent_jours_avant`` days before the
                limit, then once it has passed;
    autorité    one message (``autorite.courriel``) listing every report waiting for its visa (or
                its answer to a revision request) beyond its delay;
    N+2         one message per N+2 (roster «\u202fcourriel N+2\u202f»), its own, listing the agents whose
                evaluator's first reminder about the step is ``courriel.relances_n2_apres_jours``
                old and the step still undone.

Each recipient gets each kind at most once every ``courriel.relances_jours`` days. A message
records its agents with their steps (journal table ``reminder_items``): one queued but not sent
yet whose step has moved is cancelled, never sent (:func:`cancel_stale_reminders`, called before
planning and before each delivery).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field

from ..campaign import MESSAGE_STATUS_WORDS, AgentState, CampaignView, campaign_view, load_campaign_view
from ..catalogue import AGENT_PARTY, AUTHORITY_PARTY, EVALUATOR_PARTY, MANAGER_PARTY
from ..civility import Addressee
from ..config import Config
from ..journal import (AGENT_REMINDER, AUTHORITY_REMINDER, MANAGER_REMINDER, QUEUED, REMINDER, REMINDER_KINDS,
                       Journal, MessageRow)
from ..roster import AGENT_EMAIL, DELEGATE_EMAIL, EVALUATOR_EMAIL, MANAGER_EMAIL, column_name
from ..text import counted, of
from .addresses import NAME_LIMIT, AddressError, cell_problem, header_text, joined, mailboxes
from .messages import (ChasedAgent, Composed, agent_reminder_message, authority_reminder_message,
                       manager_reminder_message, reminder_message)

log = logging.getLogger("entretiens")

# Where each party's addresses come from, as the warnings and ``relancer`` name it.
EVALUATOR_COLUMN, DELEGATE_COLUMN = column_name(EVALUATOR_EMAIL), column_name(DELEGATE_EMAIL)
AGENT_COLUMN, MANAGER_COLUMN = column_name(AGENT_EMAIL), column_name(MANAGER_EMAIL)
AUTHORITY_SETTING = "autorite.courriel"
KINDS = {EVALUATOR_PARTY: REMINDER, AGENT_PARTY: AGENT_REMINDER, AUTHORITY_PARTY: AUTHORITY_REMINDER,
         MANAGER_PARTY: MANAGER_REMINDER}
# Why a reminder queued but not sent is cancelled (the journal's «\u202ferror\u202f» of the message).
STEP_MOVED = "l'étape a avancé avant l'envoi : la relance n'a plus lieu d'être"


@dataclass
class Reminder:
    """One message to one recipient: ``name`` (whom it greets), ``party`` (évaluateur, agent,
    autorité, N+2), the agents it lists."""

    name: str
    address: str  # "" when none is known; several: joined by ", " (as the journal's «\u202frecipient\u202f»)
    agents: list[ChasedAgent]
    party: str = EVALUATOR_PARTY
    copy: str = ""  # addresses in copy (an agent's reminder: their evaluator's), joined by ", "
    column: str = EVALUATOR_COLUMN  # where the address comes from (a roster column, or autorite.courriel)
    on_behalf_of: list[str] = field(default_factory=list)  # a delegate's: the evaluators they stand in for
    last_sent: dt.date | None = None  # the previous reminder of this kind to this address
    next_allowed: dt.date | None = None  # too soon: not before this day
    last_state: str = ""  # what became of the previous reminder, in French («\u202fenvoyé\u202f», «\u202fen attente d'envoi\u202f»…)
    message_id: str = ""  # this run's reminder, once queued
    cell: str = ""  # the roster's cell, when it is not a list of valid addresses (bad_address)
    problem: str = ""  # then the French warning: its roster line, its column, what to write
    falls_back: bool = False  # a bad agent's cell: their reminder goes to their evaluator instead
    civility: str = ""  # an agent's: the roster's «\u202fcivilité\u202f» (pipeline.civility)

    @property
    def kind(self) -> str:
        return KINDS[self.party]

    @property
    def evaluator(self) -> str:
        """The name the message greets (an evaluator's, for the evaluators' reminders)."""
        return self.name

    @property
    def whom(self) -> str:
        """«\u202fSophie Durand\u202f», «\u202fl'agent Léa MARTIN\u202f», «\u202fl'autorité\u202f», «\u202fle N+2 Claire Petit\u202f»."""
        named = f" {self.name}" if self.name else ""
        if self.party == AGENT_PARTY:
            return f"l'agent{named}"
        if self.party == AUTHORITY_PARTY:
            return f"l'autorité{named}"
        if self.party == MANAGER_PARTY:
            return f"le N+2{named}"
        return self.name or "(évaluateur non indiqué)"

    @property
    def to_whom(self) -> str:
        """«\u202fà Sophie Durand\u202f», «\u202fau N+2 Claire Petit\u202f»."""
        return "au" + self.whom[2:] if self.whom.startswith("le ") else f"à {self.whom}"

    @property
    def where(self) -> str:
        """Where its address is written: «\u202fcolonne «\u202fcourriel agent\u202f» de la liste des agents\u202f»."""
        if self.column == AUTHORITY_SETTING:
            return f"{AUTHORITY_SETTING} dans config.yaml"
        return f"colonne «\u202f{self.column}\u202f» de la liste des agents"


@dataclass
class ReminderPlan:
    """Who gets a reminder now, who had one too recently, who has no address, whose address cell
    is not a list of valid addresses (``Reminder.problem`` says its roster line)."""

    to_send: list[Reminder] = field(default_factory=list)
    too_soon: list[Reminder] = field(default_factory=list)
    no_address: list[Reminder] = field(default_factory=list)
    bad_address: list[Reminder] = field(default_factory=list)

    @property
    def all(self) -> list[Reminder]:
        return [*self.to_send, *self.too_soon, *self.no_address, *self.bad_address]


@dataclass
class ReminderRun:
    plan: ReminderPlan
    queued: list[str] = field(default_factory=list)  # Message-IDs
    cancelled: list[str] = field(default_factory=list)  # reminders queued earlier whose step moved: not sent
    mail: "object | None" = None  # pipeline.mail.MailRun of the delivery (None in simulation)


def _addresses(cell: str) -> tuple[str, str]:
    """(the addresses joined, "") of a valid cell, ("", the cell) of one that is not a list of addresses."""
    try:
        return joined(mailboxes(cell)), ""
    except AddressError:
        return "", cell


def _chased(agent: AgentState) -> ChasedAgent:
    from .. import catalogue as cat

    chase = agent.chase
    return ChasedAgent(agent.number, header_text(agent.name, NAME_LIMIT), chase.reason, chase.due, step=chase.step,
                       evaluator=header_text(Addressee.of(agent.evaluator, agent.evaluator_civility).titled, NAME_LIMIT),
                       first_reminder=chase.first_reminder, communicated=agent.dates.get(cat.COMMUNICATION_DATE),
                       days_late=chase.days_late)


def chased_by_recipient(config: Config, view: CampaignView) -> list[Reminder]:
    """The agents the view says to chase, grouped by whom their reminder goes to (see the module's
    docstring), each with the view's reason and due date: by addresses when known, else by the
    cell that is not a list of valid addresses, else by name. Names are made one line
    (:func:`~.addresses.header_text`)."""
    groups: dict[tuple, Reminder] = {}

    def add(party: str, name: str, cell: str, column: str, line: ChasedAgent, **more) -> Reminder:
        address, bad = _addresses(cell)
        key = (party, f"adresse:{address.lower()}" if address else f"cellule:{bad}" if bad else f"nom:{name}")
        group = groups.setdefault(key, Reminder(name=name, address=address, agents=[], party=party, cell=bad,
                                                column=column, **more))
        if all(a.number != line.number for a in group.agents):
            group.agents.append(line)
        return group

    for agent in view.chased():
        chase, line = agent.chase, _chased(agent)
        # The evaluator's messages go to the delegate when the roster gives the delegate's address.
        evaluator = Addressee.of(agent.delegate, "") if agent.delegated and agent.delegate else \
            Addressee.of(agent.evaluator, agent.evaluator_civility)
        evaluator_name = header_text(evaluator.titled, NAME_LIMIT)
        evaluator_column = DELEGATE_COLUMN if agent.delegated else EVALUATOR_COLUMN
        to_evaluator = chase.whom not in (AGENT_PARTY, AUTHORITY_PARTY)
        if chase.whom == AGENT_PARTY:
            address, bad = _addresses(agent.agent_email)
            if address:
                add(AGENT_PARTY, header_text(agent.name, NAME_LIMIT), agent.agent_email, AGENT_COLUMN, line,
                    copy=_addresses(agent.evaluator_cell)[0], civility=agent.agent_civility)
            else:  # no address (or one to correct): their evaluator passes the reminder on
                to_evaluator = True
                if bad:
                    add(AGENT_PARTY, header_text(agent.name, NAME_LIMIT), bad, AGENT_COLUMN, line, falls_back=True)
        elif chase.whom == AUTHORITY_PARTY:
            add(AUTHORITY_PARTY, header_text(config.authority.described, NAME_LIMIT), config.authority.email or "",
                AUTHORITY_SETTING, line)
        if to_evaluator:
            group = add(EVALUATOR_PARTY, evaluator_name, agent.evaluator_cell, evaluator_column, line)
            if agent.delegated and line.evaluator and line.evaluator not in group.on_behalf_of:
                group.on_behalf_of.append(line.evaluator)
        if chase.escalated:
            add(MANAGER_PARTY, header_text(Addressee.of(agent.n2).titled, NAME_LIMIT), agent.n2_email, MANAGER_COLUMN,
                line)
    return list(groups.values())


def stale_reminders(journal: Journal, view: CampaignView, messages: list[MessageRow] | None = None) -> list[str]:
    """The reminders queued and not sent yet (of ``messages``, by default every one) whose step has
    moved: an agent they list is not chased any more, or for another step (the view's
    :attr:`~pipeline.campaign.Chase.step`). A message without recorded agents is never stale."""
    if messages is None:
        messages = [m for m in journal.messages(QUEUED) if m.kind in REMINDER_KINDS]
    chases = {agent.number: agent.chase for agent in view.agents}
    stale = []
    for message in messages:
        items = journal.reminder_items(message_id=message.message_id)
        if items and any(chases.get(i.agent_number) is None or chases[i.agent_number].step != i.step
                         for i in items):
            stale.append(message.message_id)
    return stale


def cancel_stale_reminders(config: Config, journal: Journal, messages: list[MessageRow], *,
                           today: dt.date) -> list[str]:
    """Cancel the reminders of ``messages`` whose step has moved (:func:`stale_reminders`, the
    campaign view of ``today``): they are never sent. Returns their Message-IDs. A roster that
    cannot be read cancels nothing (the reminders go as they were planned)."""
    from ..examine import roster_agents

    try:
        roster = roster_agents(config)
        view = campaign_view(config, journal, None if roster is None else roster.values(), today)
    except Exception as exc:  # noqa: BLE001 - the delivery goes on; the roster's problem is said elsewhere
        log.warning("Relances en attente non vérifiées (la liste des agents ne peut pas être lue : %s).", exc)
        return []
    cancelled = [mid for mid in stale_reminders(journal, view, messages) if journal.cancel_message(mid, STEP_MOVED)]
    for mid in cancelled:
        log.info("Relance %s annulée : %s.", mid, STEP_MOVED)
    return cancelled


def plan_reminders(config: Config, journal: Journal, view: CampaignView, *,
                   ignored: frozenset[str] | set[str] = frozenset()) -> ReminderPlan:
    """Whom to remind on the view's day: each reminder of :func:`chased_by_recipient` to send, or
    too soon after the last one of its kind to its address (``ignored``: Message-IDs that do not
    count, the stale ones a simulation leaves in the journal), or without a usable address."""
    plan = ReminderPlan()
    for reminder in chased_by_recipient(config, view):
        if reminder.cell:
            plan.bad_address.append(reminder)
            continue
        if not reminder.address:
            plan.no_address.append(reminder)
            continue
        last = journal.last_message_to(reminder.address, reminder.kind)
        if last is not None and last.message_id not in ignored:
            reminder.last_sent = dt.datetime.fromisoformat(last.created_at).date()
            reminder.last_state = MESSAGE_STATUS_WORDS.get(last.status, last.status)
            reminder.next_allowed = reminder.last_sent + dt.timedelta(days=config.mail.reminder_days)
            if view.today < reminder.next_allowed:
                plan.too_soon.append(reminder)
                continue
        plan.to_send.append(reminder)
    return plan


def compose(config: Config, reminder: Reminder, *, today: dt.date, when: dt.datetime) -> Composed:
    """The message of one reminder, its Message-ID stable for the same recipient, day and agents."""
    steps = ";".join(f"{a.number}={a.step}" for a in reminder.agents)
    key = (f"{config.campaign.key}|{reminder.kind}|{reminder.address.lower()}|{today}|"
           + hashlib.sha256(steps.encode()).hexdigest()[:12])
    if reminder.party == AGENT_PARTY:
        (chased, *_) = reminder.agents
        return agent_reminder_message(config, key=key, agent=Addressee.of(chased.name, reminder.civility),
                                      address=reminder.address, copy=reminder.copy, chased=chased, when=when)
    if reminder.party == AUTHORITY_PARTY:
        return authority_reminder_message(config, key=key, address=reminder.address, agents=reminder.agents,
                                          when=when)
    if reminder.party == MANAGER_PARTY:
        return manager_reminder_message(config, key=key, manager=reminder.name, address=reminder.address,
                                        agents=reminder.agents, when=when)
    return reminder_message(config, key=key, evaluator=reminder.name, address=reminder.address,
                            agents=reminder.agents, when=when, on_behalf_of=reminder.on_behalf_of)


def send_reminders(config: Config, *, simulation: bool = False, today: dt.date | None = None,
                   at: dt.datetime | None = None, deliver_now: bool = True) -> ReminderRun:
    """Plan the reminders of ``today``; unless ``simulation``, cancel those queued earlier whose
    step has moved, queue the new ones (one Message-ID per recipient, kind, day and agents, with
    their agents and steps) and deliver as ``courriel.mode`` says (:func:`pipeline.mail.dispatch`;
    ``deliver_now=False``: queue only, as the watcher's mail thread does while it waits after a
    setting the server refused)."""
    from . import dispatch

    at = at or dt.datetime.now().astimezone()
    today = today or at.date()
    stamp = dt.datetime.combine(today, at.timetz())
    view = load_campaign_view(config, today=today)
    with Journal(config.state_dir) as journal:
        stale = stale_reminders(journal, view)
        cancelled = [] if simulation else [mid for mid in stale if journal.cancel_message(mid, STEP_MOVED)]
        plan = plan_reminders(config, journal, view, ignored=set(stale))
        run = ReminderRun(plan=plan, cancelled=cancelled)
        _say_bad_cells(config, plan.bad_address)
        if simulation:
            return run
        for reminder in plan.to_send:
            composed = compose(config, reminder, today=today, when=stamp)
            if journal.queue_message(message_id=composed.message_id, kind=reminder.kind, file_id=None,
                                     campaign=config.campaign.key, agents=[a.number for a in reminder.agents],
                                     recipient=reminder.address, subject=composed.subject, raw=composed.raw,
                                     created_at=stamp, copies=reminder.copy,
                                     items=[(a.number, reminder.party, a.step) for a in reminder.agents]):
                run.queued.append(composed.message_id)
            reminder.message_id = composed.message_id
    run.mail = dispatch(config, at=at, deliver_now=deliver_now, today=today)
    with Journal(config.state_dir) as journal:  # what became of each: sent, drafted, waiting for a retry
        for reminder in plan.to_send:
            sent = journal.message(reminder.message_id) if reminder.message_id else None
            reminder.last_state = MESSAGE_STATUS_WORDS.get(sent.status, sent.status) if sent else ""
    return run


def _say_bad_cells(config: Config, reminders: list[Reminder]) -> None:
    """Each address cell that is not a list of valid addresses: a warning naming its roster
    lines (the rows of the agents concerned) and column (``Reminder.problem``, logged)."""
    if not reminders:
        return
    from ..examine import roster_agents

    rows = roster_agents(config) or {}
    for reminder in reminders:
        lines = [rows[a.number].line for a in reminder.agents if a.number in rows]
        if reminder.falls_back:
            consequence = f"la relance {of(reminder.name or 'cet agent')} est adressée à son évaluateur"
        else:
            consequence = (f"pas de relance pour {reminder.whom} "
                           f"({counted(len(reminder.agents), 'agent', 'agents')})")
        reminder.problem = cell_problem(reminder.cell, line=lines, column=reminder.column, consequence=consequence)
        log.warning("%s", reminder.problem)
