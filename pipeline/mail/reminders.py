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
from ..config import Config
from ..journal import REMINDER, Journal
from .messages import ChasedAgent, address_of, reminder_message


@dataclass
class Reminder:
    evaluator: str
    address: str  # "" when the roster has none
    agents: list[ChasedAgent]
    last_sent: dt.date | None = None  # the previous reminder to this address
    next_allowed: dt.date | None = None  # too soon: not before this day
    last_state: str = ""  # what became of the previous reminder, in French («\u202fenvoyé\u202f», «\u202fen attente d'envoi\u202f»…)
    message_id: str = ""  # this run's reminder, once queued


@dataclass
class ReminderPlan:
    """Who gets a reminder now, who had one too recently, who has no address."""

    to_send: list[Reminder] = field(default_factory=list)
    too_soon: list[Reminder] = field(default_factory=list)
    no_address: list[Reminder] = field(default_factory=list)


@dataclass
class ReminderRun:
    plan: ReminderPlan
    queued: list[str] = field(default_factory=list)  # Message-IDs
    mail: "object | None" = None  # pipeline.mail.MailRun of the delivery (None in simulation)


def chased_by_evaluator(view: CampaignView) -> list[Reminder]:
    """The agents the view says to chase, grouped by evaluator (by address when known, else by
    name), each with the view's reason and due date."""
    groups: dict[str, Reminder] = {}
    for agent in view.chased():
        address = address_of(agent.evaluator_email)
        key = address.lower() or f"nom:{agent.evaluator}"
        group = groups.setdefault(key, Reminder(evaluator=agent.evaluator, address=address, agents=[]))
        group.agents.append(ChasedAgent(agent.number, agent.name, agent.chase.reason, agent.chase.due))
    return list(groups.values())


def plan_reminders(config: Config, journal: Journal, view: CampaignView) -> ReminderPlan:
    plan = ReminderPlan()
    for reminder in chased_by_evaluator(view):
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
                   at: dt.datetime | None = None) -> ReminderRun:
    """Plan the reminders of ``today``; unless ``simulation``, queue them (one Message-ID per
    evaluator and day) and deliver as ``courriel.mode`` says (:func:`pipeline.mail.dispatch`)."""
    from . import dispatch

    at = at or dt.datetime.now().astimezone()
    today = today or at.date()
    stamp = dt.datetime.combine(today, at.timetz())
    view = load_campaign_view(config, today=today)
    with Journal(config.state_dir) as journal:
        plan = plan_reminders(config, journal, view)
        run = ReminderRun(plan=plan)
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
    run.mail = dispatch(config, at=at)
    with Journal(config.state_dir) as journal:  # what became of each: sent, drafted, waiting for a retry
        for reminder in plan.to_send:
            sent = journal.message(reminder.message_id) if reminder.message_id else None
            reminder.last_state = MESSAGE_STATUS_WORDS.get(sent.status, sent.status) if sent else ""
    return run
