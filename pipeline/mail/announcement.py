"""The campaign's announcement (``entretiens annoncer``): one message to each agent reviewed whose
roster line has an address (roster «\u202fcourriel agent\u202f»), the documents of the campaign's folder
attached (``annonce.documents``: the internal note, the guide), its subject and text from
``annonce`` (French defaults).

Once per agent: an agent whose announcement was queued (whatever became of it since, unless it
failed for good) is not written to again, so that a run after the roster gained agents writes to
those alone. Each message is queued on its own (its Message-ID stable: campaign, agent, address),
then delivered as ``courriel.mode`` says (:func:`pipeline.mail.dispatch`); an agent without an
address, or whose cell is not a list of valid addresses, is listed for HR.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from .. import catalogue as cat
from ..civility import EVALUATOR_CIVILITY, Addressee, civility_of
from ..command_names import ANNOUNCE, command_line
from ..config import Config
from ..files import describe_failure
from ..journal import ANNOUNCEMENT, FAILED, Journal
from ..outcomes import BAD_AGENT_ADDRESS, NO_AGENT_ADDRESS, ConfigError, JournalUnavailable, RosterError
from ..roster import AGENT_EMAIL, RosterProblem, column_name, load_roster
from .addresses import NAME_LIMIT, AddressError, cell_problem, header_text, joined, mailboxes
from .agent_messages import announcement_message
from .attachments import Attachment, folder_documents

log = logging.getLogger("entretiens")


@dataclass
class Announced:
    """An agent the announcement goes to (``to_send``) or went to (``already``): ``state`` says
    what became of its message, in French."""

    number: str
    who: str
    address: str
    message_id: str = ""
    state: str = ""
    day: dt.date | None = None  # when it was queued (``already``)


@dataclass
class AnnouncementPlan:
    to_send: list[Announced] = field(default_factory=list)
    already: list[Announced] = field(default_factory=list)
    no_address: list[RosterProblem] = field(default_factory=list)
    bad_address: list[RosterProblem] = field(default_factory=list)
    not_reviewed: list[RosterProblem] = field(default_factory=list)
    notices: list[RosterProblem] = field(default_factory=list)  # reviewed by exception, arrival unreadable
    roster_problems: list[RosterProblem] = field(default_factory=list)  # lines left out of the roster
    documents: list[Path] = field(default_factory=list)


@dataclass
class AnnouncementRun:
    plan: AnnouncementPlan
    queued: list[str] = field(default_factory=list)  # Message-IDs
    problems: list[str] = field(default_factory=list)  # French: a message that could not be composed
    mail: "object | None" = None  # pipeline.mail.MailRun of the delivery (None in simulation)


def campaign_documents(config: Config) -> list[Path]:
    """The documents the announcement carries (``annonce.documents``); [] when the setting is empty.
    Raises :class:`ConfigError` when the folder is missing or holds no document."""
    setting = config.announcement.documents
    if setting is None or not str(setting).strip():
        return []
    folder = config.path(setting)
    hint = ("Déposez-y les documents de la campagne (la note de service, le guide de l'entretien), ou indiquez "
            "«\u202fdocuments:\u202f» sans valeur dans la section annonce de config.yaml pour annoncer la campagne "
            "sans pièce jointe.")
    try:
        documents = folder_documents(folder)
    except FileNotFoundError:
        raise ConfigError(f"Le dossier des documents de la campagne {folder} (annonce.documents de config.yaml) "
                          f"n'existe pas. {hint}") from None
    except OSError as exc:
        raise ConfigError(f"Le dossier des documents de la campagne {folder} ne peut pas être lu "
                          f"({describe_failure(exc)}).") from None
    if not documents:
        raise ConfigError(f"Le dossier des documents de la campagne {folder} (annonce.documents de config.yaml) "
                          f"est vide. {hint}")
    return documents


def announce_campaign(config: Config, *, simulation: bool = False, today: dt.date | None = None,
                      at: dt.datetime | None = None, deliver_now: bool = True) -> AnnouncementRun:
    """Plan the announcement and, unless ``simulation``, queue one message per agent not announced
    yet and deliver. Raises :class:`RosterError` (no roster, unusable) and :class:`ConfigError`
    (the documents' folder missing or empty)."""
    from ..campaign import MESSAGE_STATUS_WORDS
    from ..reviewed import who, who_is_reviewed

    at = at or dt.datetime.now().astimezone()
    today = today or at.date()
    stamp = dt.datetime.combine(today, at.timetz())
    if config.roster_path is None:
        raise RosterError("Aucune liste des agents : indiquez liste_agents dans config.yaml.")
    roster = load_roster(config.roster_path, config.catalogue)
    documents = campaign_documents(config)
    selection = who_is_reviewed(config, roster.rows)
    plan = AnnouncementPlan(not_reviewed=selection.not_reviewed, notices=selection.notices,
                            roster_problems=roster.problems, documents=documents)
    run = AnnouncementRun(plan=plan)
    campaign, command = config.campaign.key, command_line(ANNOUNCE)
    with Journal(config.state_dir) as journal:
        sent = {}
        for message in journal.messages_of_kind(campaign, ANNOUNCEMENT):
            if message.status != FAILED:
                sent.update(dict.fromkeys(message.agents, message))
        rows = {}
        for row in selection.reviewed:
            number = row.values[cat.AGENT_NUMBER]
            if (message := sent.get(number)) is not None:
                plan.already.append(Announced(number, who(row), message.recipient, message.message_id,
                                              MESSAGE_STATUS_WORDS.get(message.status, message.status),
                                              dt.datetime.fromisoformat(message.created_at).date()))
                continue
            cell = row.extra.get(AGENT_EMAIL)
            try:
                address = joined(mailboxes(cell))
            except AddressError:
                plan.bad_address.append(RosterProblem(row.line, BAD_AGENT_ADDRESS.say(problem=cell_problem(
                    cell, line=None, column=column_name(AGENT_EMAIL), consequence=f"l'annonce n'est pas envoyée à {who(row)}"))))
                continue
            if not address:
                plan.no_address.append(RosterProblem(row.line, NO_AGENT_ADDRESS.say(
                    who=who(row), what="l'annonce de la campagne", command=command)))
                continue
            plan.to_send.append(Announced(number, who(row), address))
            rows[number] = row
        if simulation:
            return run
        attachments = [Attachment.read(path) for path in documents]
        for announced in plan.to_send:
            row = rows[announced.number]
            try:
                composed = announcement_message(
                    config, key=f"{campaign}|{announced.number}|{announced.address.lower()}",
                    agent=Addressee(header_text(row.person, NAME_LIMIT), civility_of(row.invitation.get("civilite"))),
                    address=announced.address,
                    evaluator=Addressee.of(row.values.get(cat.EVALUATOR), row.extra.get(EVALUATOR_CIVILITY)),
                    documents=attachments, when=stamp)
                if journal.queue_message(message_id=composed.message_id, kind=ANNOUNCEMENT, file_id=None,
                                         campaign=campaign, agents=[announced.number], recipient=announced.address,
                                         subject=composed.subject, raw=composed.raw, created_at=stamp):
                    run.queued.append(composed.message_id)
                announced.message_id = composed.message_id
            except JournalUnavailable:
                raise  # the journal locked, damaged or its disk full: the command stops, in French
            except Exception as exc:  # noqa: BLE001 - one agent's message never stops the others
                run.problems.append(f"Annonce à {announced.who} non mise en file d'envoi ({describe_failure(exc)}) : "
                                    f"nouvel essai à la prochaine exécution de «\u202f{command}\u202f» ; les autres "
                                    "partent normalement.")
                log.warning("%s", run.problems[-1], exc_info=log.isEnabledFor(logging.DEBUG))
    from . import dispatch

    run.mail = dispatch(config, at=at, deliver_now=deliver_now)
    with Journal(config.state_dir) as journal:  # what became of each: sent, drafted, waiting for a retry
        for announced in plan.to_send:
            message = journal.message(announced.message_id) if announced.message_id else None
            announced.state = MESSAGE_STATUS_WORDS.get(message.status, message.status) if message else ""
    return run
