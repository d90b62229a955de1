"""Reminders (``entretiens relancer``): one message per evaluator, listing their agents to chase.

Who is chased, why and by when is the campaign view's (:class:`pipeline.campaign.Chase`: no
report once the interview date has passed, a rejection waiting for its correction, a step
overdue), the same as ``etat`` and the tracking workbook's «\u202fRelances\u202f» sheet show. An
evaluator is reminded at most once every ``courriel.relances_jours`` days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..campaign import MESSAGE_STATUS_WORDS, CampaignView, load_campaign_view
from ..civility import Addressee
from ..config import Config
from ..text import counted
from ..journal import REMINDER, Journal
from .addresses import NAME_LIMIT, AddressError, cell_problem, header_text, joined, mailboxes
from .messages import ChasedAgent, reminder_message


@dataclass
class Reminder:
    evaluator: str
    address: str  # "" when the roster has none; several: joined by ", " (as the journal's «\u202frecipient\u202f»)
    agents: list[ChasedAgent]
    last_sent: dt.date | None = None  # the previous reminder to this address
    next_allowed: dt.date | None = None  # too soon: not before this day
    last_state: str = ""  # what became of the previous reminder, in French («\u202fenvoyé\u202f», «\u202fen attente d'envoi\u202f»…)
    message_id: str = ""  # this run's reminder, once queued
    cell: str = ""  # the roster's cell, when it is not a list of valid addresses (bad_address)
    problem: str = ""  # then the French warning: its roster line, its column, what to write


@dataclass
class ReminderPlan:
    """Who gets a reminder now, who had one too recently, who has no address, whose address cell
    is not a list of valid addresses (``Reminder.problem`` says its roster line)."""

    to_send: list[Reminder] = field(default_factory=list)
    too_soon: list[Reminder] = field(default_factory=list)
    no_address: list[Reminder] = field(default_factory=list)
    bad_address: list[Reminder] = field(default_factory=list)


@dataclass
class ReminderRun:
    plan: ReminderPlan
    queued: list[str] = field(default_factory=list)  # Message-IDs
    mail: "object | None" = None  # pipeline.mail.MailRun of the delivery (None in simulation)


def chased_by_evaluator(view: CampaignView) -> list[Reminder]:
    """The agents the view says to chase, grouped by evaluator (by their addresses when known,
    else by the cell that is not a list of valid addresses, else by name), each with the view's
    reason and due date. Names are made one line (:func:`~.addresses.header_text`)."""
    groups: dict[str, Reminder] = {}
    for agent in view.chased():
        # «\u202fMme Céline Roux\u202f» when the roster gives her civility: the message greets her so.
        evaluator = header_text(Addressee.of(agent.evaluator, agent.evaluator_civility).titled, NAME_LIMIT)
        cell = agent.evaluator_email
        try:
            address, bad = joined(mailboxes(cell)), ""
        except AddressError:
            address, bad = "", cell
        key = f"adresse:{address.lower()}" if address else f"cellule:{bad}" if bad else f"nom:{evaluator}"
        group = groups.setdefault(key, Reminder(evaluator=evaluator, address=address, agents=[], cell=bad))
        group.agents.append(ChasedAgent(agent.number, header_text(agent.name, NAME_LIMIT), agent.chase.reason,
                                        agent.chase.due))
    return list(groups.values())


def plan_reminders(config: Config, journal: Journal, view: CampaignView) -> ReminderPlan:
    plan = ReminderPlan()
    for reminder in chased_by_evaluator(view):
        if reminder.cell:
            plan.bad_address.append(reminder)
            continue
        if not reminder.address:
            plan.no_address.append(reminder)
            continue
        last = journal.last_message_to(reminder.address, REMINDER)
        if last is not None:
            reminder.last_sent = dt.datetime.fromisoformat(last.created_at).date()
            reminder.last_state = MESSAGE_STATUS_WORDS.get(last.status, last.status)
            reminder.next_allowed = reminder.last_sent + dt.timedelta(days=config.mail.reminder_days)
            if view.today < reminder.next_allowed:
                plan.too_soon.append(reminder)
                continue
        plan.to_send.append(reminder)
    return plan


def send_reminders(config: Config, *, simulation: bool = False, today: dt.date | None = None,
                   at: dt.datetime | None = None, deliver_now: bool = True) -> ReminderRun:
    """Plan the reminders of ``today``; unless ``simulation``, queue them (one Message-ID per
    evaluator and day) and deliver as ``courriel.mode`` says (:func:`pipeline.mail.dispatch`;
    ``deliver_now=False``: queue only, as the watcher's mail thread does while it waits after a
    setting the server refused)."""
    from . import dispatch

    at = at or dt.datetime.now().astimezone()
    today = today or at.date()
    stamp = dt.datetime.combine(today, at.timetz())
    view = load_campaign_view(config, today=today)
    with Journal(config.state_dir) as journal:
        plan = plan_reminders(config, journal, view)
        run = ReminderRun(plan=plan)
        _say_bad_cells(config, plan.bad_address)
        if simulation:
            return run
        for reminder in plan.to_send:
            composed = reminder_message(config, key=f"{config.campaign.key}|{reminder.address.lower()}|{today}",
                                        evaluator=reminder.evaluator, address=reminder.address,
                                        agents=reminder.agents, when=stamp)
            if journal.queue_message(message_id=composed.message_id, kind=REMINDER, file_id=None,
                                     campaign=config.campaign.key, agents=[a.number for a in reminder.agents],
                                     recipient=reminder.address, subject=composed.subject, raw=composed.raw,
                                     created_at=stamp):
                run.queued.append(composed.message_id)
            reminder.message_id = composed.message_id
    run.mail = dispatch(config, at=at, deliver_now=deliver_now)
    with Journal(config.state_dir) as journal:  # what became of each: sent, drafted, waiting for a retry
        for reminder in plan.to_send:
            sent = journal.message(reminder.message_id) if reminder.message_id else None
            reminder.last_state = MESSAGE_STATUS_WORDS.get(sent.status, sent.status) if sent else ""
    return run


def _say_bad_cells(config: Config, reminders: list[Reminder]) -> None:
    """Each address cell that is not a list of valid addresses: a warning naming its roster
    lines (the rows of the evaluator's agents) and column (``Reminder.problem``, logged)."""
    if not reminders:
        return
    from ..examine import roster_agents
    from . import EVALUATOR_EMAIL_COLUMN, log

    rows = roster_agents(config) or {}
    for reminder in reminders:
        lines = [rows[a.number].line for a in reminder.agents if a.number in rows]
        who = reminder.evaluator or "l'évaluateur"
        reminder.problem = cell_problem(reminder.cell, line=lines,
                                        column=EVALUATOR_EMAIL_COLUMN,
                                        consequence=f"pas de relance pour {who} ({counted(len(reminder.agents), 'agent', 'agents')})")
        log.warning("%s", reminder.problem)
