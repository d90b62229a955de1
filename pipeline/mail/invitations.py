"""Invitations to the review by mail (``entretiens convoquer``): to each agent reviewed, the evaluator
in copy, the invitation letter, the pre-filled report and the job description attached, with a
calendar invitation at the interview's date, time and place (roster «\u202fdate d'entretien\u202f»,
«\u202fheure\u202f», «\u202flieu\u202f»; ``convocation.duree_minutes`` when «\u202fheure\u202f» gives only the start).

Sent once. The journal's ``invitations`` table keeps, per agent, the calendar event's UID, the
SEQUENCE and what the last message said; it is written in the same transaction as the message it
queues (:meth:`~pipeline.journal.Journal.queue_invitation`), so that a run killed at any point
leaves both or neither, and the next run sends only what changed since:

    no invitation yet                     the invitation (METHOD:REQUEST, SEQUENCE 0)
    a new date, time or place             an update: same UID, SEQUENCE + 1, METHOD:REQUEST
    the agent's or evaluator's address    the invitation again to the new address, SEQUENCE + 1
    the agent's row gone from the roster  a cancellation: same UID, SEQUENCE + 1, METHOD:CANCEL
    nothing changed, or a day gone by     nothing

Never fewer than ``delais.convocation_jours_avant`` days ahead, counted as the campaign counts
them (:func:`invitation_due`): a later invitation, or an update to a new day, is not sent and is
listed with the reason. A cancellation waits while the roster has lines to correct (the agent may
be on one of them). Delivery is :func:`pipeline.mail.dispatch`'s: drafts or SMTP, never twice,
each message decided on its own.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .. import catalogue as cat
from ..civility import EVALUATOR_CIVILITY, Addressee, civility_of
from ..command_names import INVITE, command_line
from ..config import Config
from ..deadlines import WORKING_DAYS, deadlines
from ..files import describe_failure
from ..journal import CANCEL, INVITATION, INVITATION_CANCEL, INVITATION_UPDATE, REQUEST, InvitationRow, Journal
from ..outcomes import (BAD_AGENT_ADDRESS, CANCELLATION_HELD, DOCUMENTS_NOT_MADE, INVITATION_TOO_LATE,
                        INVITATION_UNDATED, NO_AGENT_ADDRESS, NO_EVALUATOR_COPY, NO_JOB_DESCRIPTION, UNREADABLE_TIME,
                        ConfigError, JournalUnavailable)
from ..roster import AGENT_EMAIL, DELEGATE_EMAIL, EVALUATOR_EMAIL, RosterProblem, RosterRow, column_name, load_roster
from ..text import counted, format_date, of
from .addresses import AddressError, NAME_LIMIT, cell_problem, header_text, joined, mailboxes
from .agent_messages import Interview, invitation_message
from .attachments import Attachment, job_descriptions
from .calendar import read_time, slot

log = logging.getLogger("entretiens")

AGENT_EMAIL_COLUMN, EVALUATOR_EMAIL_COLUMN = column_name(AGENT_EMAIL), column_name(EVALUATOR_EMAIL)
DELEGATE_EMAIL_COLUMN = column_name(DELEGATE_EMAIL)
POST = "poste"  # the catalogue's «\u202fIntitulé du poste\u202f» (roster «\u202fposte\u202f»): a job description's other name
# Why an invitation goes, as the command says it.
FIRST, MOVED, READDRESSED, CANCELLED = "convocation", "modification", "nouvel envoi", "annulation"


def invitation_due(config: Config, day: dt.date) -> dt.date:
    """The last day an invitation to an interview on ``day`` may go: the campaign's own deadline
    «\u202fConvocation au moins N jours avant l'entretien\u202f» (pipeline.deadlines), counted as it counts."""
    found = next(d for d in deadlines({cat.REVIEW_DATE: day}, config) if d.done_key == cat.INVITATION_DATE)
    return found.due


@dataclass
class Invitation:
    """One message of the plan: ``why`` (:data:`FIRST`, :data:`MOVED`, :data:`READDRESSED`,
    :data:`CANCELLED`), to whom, what it says (``interview``; ``previous``: what the last one said),
    what it carries; then ``message_id`` once queued and ``state`` (French) once delivered."""

    number: str
    who: str
    why: str
    interview: Interview
    previous: Interview | None
    agent: Addressee
    address: str  # the agent's addresses, joined by ", "
    evaluator: Addressee
    copy: str  # the evaluator's addresses in copy ("" when none)
    record: InvitationRow | None
    documents: list[Path] = field(default_factory=list)
    job_description: Path | None = None
    message_id: str = ""
    state: str = ""

    @property
    def kind(self) -> str:
        return {MOVED: INVITATION_UPDATE, CANCELLED: INVITATION_CANCEL}.get(self.why, INVITATION)

    def said(self) -> dict:
        """What its message says, as the journal keeps it (``invitations.said``)."""
        return {"jour": self.interview.day.isoformat(), "debut": self.interview.slot.start_text,
                "fin": self.interview.slot.end_text, "lieu": self.interview.place,
                "agent": self.agent.name, "civilite": self.agent.civility, "adresse": self.address,
                "evaluateur": self.evaluator.name, "civilite_evaluateur": self.evaluator.civility,
                "copie": self.copy}


def _recorded(config: Config, said: dict) -> Interview:
    """The interview a recorded message said."""
    day = dt.date.fromisoformat(said["jour"])
    return Interview(day, slot(day, dt.time.fromisoformat(said["debut"]), dt.time.fromisoformat(said["fin"]),
                               config.invitations.duration_minutes), said.get("lieu", ""))


@dataclass
class InvitationPlan:
    """What ``convoquer`` sends now (``to_send``), what it holds until HR corrects something
    (``held``: errors), what HR should know (``notices``), who is not reviewed, which invitations
    are up to date (agent numbers), and the roster's own lines left out (``roster_problems``: the
    agents on them are nowhere else)."""

    to_send: list[Invitation] = field(default_factory=list)
    held: list[RosterProblem] = field(default_factory=list)
    notices: list[RosterProblem] = field(default_factory=list)
    not_reviewed: list[RosterProblem] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    roster_problems: list[RosterProblem] = field(default_factory=list)


@dataclass
class InvitationRun:
    plan: InvitationPlan
    queued: list[str] = field(default_factory=list)  # Message-IDs
    problems: list[str] = field(default_factory=list)  # French: a message that could not be composed
    mail: "object | None" = None  # pipeline.mail.MailRun of the delivery (None in simulation)
    generated: "object | None" = None  # pipeline.generate.GenerateResult (None in simulation)


def send_invitations(config: Config, *, simulation: bool = False, today: dt.date | None = None,
                     at: dt.datetime | None = None, deliver_now: bool = True) -> InvitationRun:
    """Plan the invitations of ``today`` and, unless ``simulation``, make the documents
    (``generer``'s own, only what changed), queue each message with its record and deliver as
    ``courriel.mode`` says. Raises :class:`~pipeline.outcomes.RosterError` (no roster, unusable)
    and :class:`~pipeline.outcomes.ConfigError` (the job descriptions' folder missing)."""
    from ..generate import generate

    at = at or dt.datetime.now().astimezone()
    today = today or at.date()
    stamp = dt.datetime.combine(today, at.timetz())
    roster_path = config.roster_path
    if roster_path is None:
        from ..outcomes import RosterError

        raise RosterError("Aucune liste des agents : indiquez liste_agents dans config.yaml.")
    generated = None if simulation else generate(config, today=today)
    roster = load_roster(roster_path, config.catalogue)
    with Journal(config.state_dir) as journal:
        plan = plan_invitations(config, journal, roster.rows, roster.problems, today=today,
                                documents=None if generated is None else generated.documents,
                                made=None if generated is None else generated.problems)
        run = InvitationRun(plan=plan, generated=generated)
        if simulation:
            return run
        for invitation in plan.to_send:
            try:
                _queue(config, journal, invitation, stamp, run)
            except JournalUnavailable:
                raise  # the journal locked, damaged or its disk full: the command stops, in French
            except Exception as exc:  # noqa: BLE001 - one invitation never stops the others
                run.problems.append(f"Convocation {of(invitation.who)} non mise en file d'envoi "
                                    f"({describe_failure(exc)}) : nouvel essai à la prochaine exécution de "
                                    f"«\u202f{command_line(INVITE)}\u202f» ; les autres partent normalement.")
                log.warning("%s", run.problems[-1], exc_info=log.isEnabledFor(logging.DEBUG))
    from . import dispatch

    run.mail = dispatch(config, at=at, deliver_now=deliver_now)
    _states(config, run, [i for i in plan.to_send if i.message_id])
    return run


def plan_invitations(config: Config, journal: Journal, rows: list[RosterRow], roster_problems: list[RosterProblem],
                     *, today: dt.date, documents: dict[str, tuple[Path, Path | None]] | None = None,
                     made: list[RosterProblem] | None = None) -> InvitationPlan:
    """Each agent's invitation compared with what the journal says was sent (see the module's
    docstring). ``documents``: the documents ``generer`` made, by agent number (``None``: not made,
    a simulation); ``made``: its lines left out, which say why an agent has none."""
    from ..reviewed import who_is_reviewed

    campaign = config.campaign.key
    selection = who_is_reviewed(config, rows)
    plan = InvitationPlan(not_reviewed=selection.not_reviewed, notices=list(selection.notices),
                          roster_problems=list(roster_problems))
    folder = _job_folder(config)
    records = {record.agent_number: record for record in journal.invitations(campaign)}
    for row in selection.reviewed:
        try:
            invitation = _planned(config, row, records.get(row.values[cat.AGENT_NUMBER]), plan, today=today)
            if invitation is None:
                continue
            if not _documents(config, invitation, row, folder, documents, made, plan):
                continue
        except OSError as exc:  # a job description unreadable: this agent held, the others go on
            plan.held.append(RosterProblem(row.line, f"{_who(row)} : {describe_failure(exc)}"))
            continue
        plan.to_send.append(invitation)
    listed = {row.values[cat.AGENT_NUMBER] for row in rows}
    for number, record in records.items():
        if number in listed or record.method != REQUEST:
            continue
        interview = _recorded(config, record.said)
        if interview.day < today:  # the interview's day has gone by: nothing to cancel
            continue
        agent = Addressee(record.said.get("agent", ""), record.said.get("civilite", ""))
        who = f"{agent.name} (matricule {number})" if agent.name else f"matricule {number}"
        if roster_problems or not rows:
            plan.notices.append(RosterProblem(None, CANCELLATION_HELD.say(
                "" if rows else "empty", who=who, previous=format_date(interview.day),
                lines=counted(len(roster_problems), "ligne", "lignes"))))
            continue
        plan.to_send.append(Invitation(
            number=number, who=who, why=CANCELLED, interview=interview, previous=None, agent=agent,
            address=record.said.get("adresse", ""),
            evaluator=Addressee(record.said.get("evaluateur", ""), record.said.get("civilite_evaluateur", "")),
            copy=record.said.get("copie", ""), record=record))
    return plan


def _who(row: RosterRow) -> str:
    from ..reviewed import who

    return who(row)


def _planned(config: Config, row: RosterRow, record: InvitationRow | None, plan: InvitationPlan, *,
             today: dt.date) -> Invitation | None:
    """The invitation this row calls for, ``None`` when none (up to date, held or said in ``plan``)."""
    number, who = row.values[cat.AGENT_NUMBER], _who(row)
    command = command_line(INVITE)
    active = record is not None and record.method == REQUEST
    previous = _recorded(config, record.said) if active else None
    if row.review_date is None:
        plan.notices.append(RosterProblem(row.line, INVITATION_UNDATED.say(
            "cleared" if previous else "", who=who, command=command,
            previous=format_date(previous.day) if previous else "")))
        return None
    typed = row.invitation.get("heure", "").strip()
    times = read_time(typed)
    if times is None:
        plan.held.append(RosterProblem(row.line, UNREADABLE_TIME.say("unreadable" if typed else "", who=who,
                                                                     text=typed, command=command)))
        return None
    interview = Interview(row.review_date, slot(row.review_date, *times, config.invitations.duration_minutes),
                          " ".join(row.invitation.get("lieu", "").split()))
    try:
        address = joined(mailboxes(row.extra.get(AGENT_EMAIL)))
    except AddressError:
        plan.held.append(RosterProblem(row.line, BAD_AGENT_ADDRESS.say(problem=cell_problem(
            row.extra.get(AGENT_EMAIL), line=None, column=AGENT_EMAIL_COLUMN,
            consequence=f"la convocation {of(who)} n'est pas envoyée"))))
        return None
    if not address:
        plan.notices.append(RosterProblem(row.line, NO_AGENT_ADDRESS.say(who=who, what="la convocation",
                                                                          command=command)))
        return None
    evaluator = Addressee.of(row.values.get(cat.EVALUATOR), row.extra.get(EVALUATOR_CIVILITY))
    # The evaluator's delegate holds the review when the roster gives the delegate's address: the copy
    # goes to them, as the evaluator's other messages do (and the letter names them).
    delegated = bool(row.extra.get(DELEGATE_EMAIL, "").strip())
    cell, column = ((row.extra.get(DELEGATE_EMAIL), DELEGATE_EMAIL_COLUMN) if delegated
                    else (row.extra.get(EVALUATOR_EMAIL), EVALUATOR_EMAIL_COLUMN))
    try:
        copy = joined(mailboxes(cell))
    except AddressError:
        copy = ""
        plan.notices.append(RosterProblem(row.line, NO_EVALUATOR_COPY.say("invalid", problem=cell_problem(
            cell, line=None, column=column,
            consequence=f"la convocation {of(who)} part sans copie à son évaluateur"))))
    else:
        if not copy:
            plan.notices.append(RosterProblem(row.line, NO_EVALUATOR_COPY.say(
                who=who, evaluator=evaluator.titled or "non indiqué")))
    agent = Addressee(header_text(row.person, NAME_LIMIT), civility_of(row.invitation.get("civilite")))
    evaluator = Addressee(header_text(evaluator.name, NAME_LIMIT), evaluator.civility)
    if previous is None:
        why = FIRST
    else:
        # The end counts when the roster gives it («\u202f9h30-10h30\u202f»): a new convocation.duree_minutes
        # alone moves nobody's interview.
        moved = ((interview.day, interview.slot.start, interview.place) != (previous.day, previous.slot.start,
                                                                            previous.place)
                 or (times[1] is not None and interview.slot.end != previous.slot.end))
        readdressed = (address.lower(), copy.lower()) != (record.said.get("adresse", "").lower(),
                                                          record.said.get("copie", "").lower())
        if not (moved or readdressed) or interview.day < today:
            plan.up_to_date.append(number)
            return None
        why = MOVED if moved else READDRESSED
    if (previous is None or interview.day != previous.day) and today > (due := invitation_due(config, interview.day)):
        rules = config.delay_rules()
        plan.held.append(RosterProblem(row.line, INVITATION_TOO_LATE.say(
            "update" if previous else "", who=who, review=format_date(interview.day), due=format_date(due),
            days=rules.invitation_min_days, unit="jours ouvrés" if rules.counting == WORKING_DAYS else "jours",
            previous=format_date(previous.day) if previous else "", command=command)))
        return None
    return Invitation(number=number, who=who, why=why, interview=interview, previous=previous, agent=agent,
                      address=address, evaluator=evaluator, copy=copy, record=record)


def _job_folder(config: Config) -> Path | None:
    """The job descriptions' folder (``convocation.fiches_de_poste``), ``None`` when not configured.
    Raises :class:`ConfigError` when it is configured and missing."""
    if config.invitations.job_descriptions is None:
        return None
    folder = config.path(config.invitations.job_descriptions)
    if not folder.is_dir():
        raise ConfigError(f"Le dossier des fiches de poste {folder} (convocation.fiches_de_poste de config.yaml) "
                          "n'existe pas. Créez-le et déposez-y une fiche par agent (nommée avec son matricule, ou "
                          "avec l'intitulé du poste), ou retirez la clé pour convoquer sans fiche de poste.")
    return folder


def _documents(config: Config, invitation: Invitation, row: RosterRow, folder: Path | None,
               documents: dict[str, tuple[Path, Path | None]] | None, made: list[RosterProblem] | None,
               plan: InvitationPlan) -> bool:
    """Find what the invitation carries; False (said in ``plan``) when something is missing."""
    number, command = invitation.number, command_line(INVITE)
    if documents is not None:
        report, letter = documents.get(number, (None, None))
        if report is None or letter is None:
            why = next((problem.message for problem in made or () if problem.line == row.line),
                       "voir les messages de «\u202fentretiens generer\u202f»")
            plan.held.append(RosterProblem(row.line, DOCUMENTS_NOT_MADE.say(
                who=invitation.who, why=why.split(" : ", 1)[-1].rstrip("."), command=command)))
            return False
        invitation.documents = [letter, report]
    if folder is not None:
        found = job_descriptions(folder, number, row.values.get(POST, ""))
        if len(found) != 1:
            post = row.values.get(POST, "")
            plan.held.append(RosterProblem(row.line, NO_JOB_DESCRIPTION.say(
                "several" if found else "", who=invitation.who, folder=folder, number=number, command=command,
                post=f" «\u202f{post}\u202f»" if post else "", names=", ".join(f"«\u202f{p.name}\u202f»" for p in found))))
            return False
        invitation.job_description = found[0]
    return True


def _queue(config: Config, journal: Journal, invitation: Invitation, stamp: dt.datetime, run: InvitationRun) -> None:
    """Compose one invitation's message and queue it with its record (one transaction)."""
    record = invitation.record
    fresh = record is None or record.method == CANCEL
    uid = _new_uid(config) if fresh else record.uid
    sequence = 0 if record is None else record.sequence + 1
    attached = [*invitation.documents, *([invitation.job_description] if invitation.job_description else [])]
    composed = invitation_message(
        config, kind=invitation.kind, method=CANCEL if invitation.why == CANCELLED else REQUEST, uid=uid,
        sequence=sequence, agent=invitation.agent, address=invitation.address, evaluator=invitation.evaluator,
        copy=invitation.copy, interview=invitation.interview, previous=invitation.previous,
        documents=[Attachment.read(path) for path in attached], job_description=invitation.job_description is not None,
        when=stamp)
    if journal.queue_invitation(
            campaign=config.campaign.key, agent_number=invitation.number, uid=uid, sequence=sequence,
            method=CANCEL if invitation.why == CANCELLED else REQUEST, said=invitation.said(),
            dates_it=invitation.why in (FIRST, MOVED), previous_sequence=None if record is None else record.sequence,
            message_id=composed.message_id, kind=composed.kind, recipient=invitation.address,
            subject=composed.subject, raw=composed.raw, created_at=stamp, copies=invitation.copy):
        invitation.message_id = composed.message_id
        run.queued.append(composed.message_id)
    else:
        invitation.state = "déjà mise en file par une autre exécution"


def _new_uid(config: Config) -> str:
    """A calendar event's UID, unique (RFC 5545: a random part, then the sender's domain)."""
    from .messages import address_of

    domain = address_of(config.mail.sender).rpartition("@")[2] or "entretiens.invalid"
    return f"entretien-{config.campaign.key}-{uuid.uuid4().hex}@{domain}"


def _states(config: Config, run: InvitationRun, invitations: list[Invitation]) -> None:
    """What became of each message queued: sent, drafted, waiting for another try (French)."""
    from ..campaign import MESSAGE_STATUS_WORDS

    with Journal(config.state_dir) as journal:
        for invitation in invitations:
            message = journal.message(invitation.message_id)
            invitation.state = MESSAGE_STATUS_WORDS.get(message.status, message.status) if message else ""
