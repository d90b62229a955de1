"""Messages (config section «\u202fcourriel\u202f»): each rejection note, and reminders.

    queue     rejection notes: the last file of each agent of the campaign that was turned
              away, whose evaluator has an address (roster column «\u202fcourriel évaluateur\u202f»,
              or «\u202fcourriel évaluateur délégué\u202f»: the delegate gets the evaluator's messages),
              once per file; reminders (``entretiens relancer``, :mod:`.reminders`): to the
              evaluators, the agents, the authority and the evaluators' N+2, each at most once
              per ``courriel.relances_jours``. Each message is composed once, with a stable
              Message-ID, and recorded in the journal (table ``messages``) before anything else.
    deliver   ``brouillon``: an ``.eml`` file in ``outbox/courriels/`` for HR to send from their
              own mail client; ``envoi``: SMTP, tried again with backoff (:mod:`.delivery`).

Modules: :mod:`.messages` (what messages say), :mod:`.delivery` (drafts, SMTP, never twice),
:mod:`.reminders` (a message to each one a step waits for: evaluator, agent, authority, N+2).
What became of each message is shown by the campaign view (pipeline.campaign).
Mail never stops a pass nor undoes it: its problems are French sentences in the result.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import catalogue as cat
from ..civility import EVALUATOR_CIVILITY, Addressee
from ..config import Config
from ..text import counted, of
from ..deadlines import correction_due
from ..examine import roster_agents
from ..files import describe_failure, is_regular_file
from ..journal import REJECTION_NOTE, FileRow, Journal
from ..naming import HISTORY, MAIL_FOLDER, shown_name
from ..roster import DELEGATE, DELEGATE_EMAIL, EVALUATOR_EMAIL, RosterRow, column_name
from .addresses import FILE_NAME_LIMIT, NAME_LIMIT, AddressError, cell_problem, header_text, joined, mailboxes
from .messages import rejection_message

# The roster's column of the evaluators' addresses (and of their delegates'), as warnings name it.
EVALUATOR_EMAIL_COLUMN, DELEGATE_EMAIL_COLUMN = column_name(EVALUATOR_EMAIL), column_name(DELEGATE_EMAIL)

if TYPE_CHECKING:
    from .delivery import Delivery

log = logging.getLogger("entretiens")


@dataclass
class MailRun:
    """What :func:`dispatch` did: the messages queued (Message-IDs) and the delivery."""

    queued: list[str] = field(default_factory=list)
    delivery: "Delivery | None" = None  # .delivery.Delivery (smtplib and ssl imported on first use)
    problems: list[str] = field(default_factory=list)  # French, for the person running the command

    def summary(self, config: Config) -> str:
        """«\u202fCourriels : 2 brouillons écrits dans outbox/courriels…\u202f», or "" when nothing happened."""
        d = self.delivery
        if d is None:
            return ""
        parts = []
        if d.drafted:
            parts.append(f"{counted(len(d.drafted), 'brouillon écrit', 'brouillons écrits')} dans "
                         f"{config.outbox / MAIL_FOLDER}")
        if d.sent:
            parts.append(counted(len(d.sent), "envoyé", "envoyés"))
        if d.retried:
            parts.append(f"{len(d.retried)} en attente d'un nouvel essai")
        if d.failed:
            parts.append(f"{len(d.failed)} en échec")
        if d.uncertain:
            parts.append(f"{len(d.uncertain)} à l'envoi incertain")
        if d.held:
            parts.append(f"{len(d.held)} en attente d'un réglage à corriger")
        if d.retired:
            parts.append(f"{counted(len(d.retired), 'note de rejet périmée', 'notes de rejet périmées')} (compte rendu "
                         f"accepté ou corrigé depuis : à ne pas envoyer), {'rangée' if len(d.retired) == 1 else 'rangées'}"
                         f" dans {config.outbox / HISTORY}")
        if d.cancelled:
            parts.append(f"{counted(len(d.cancelled), 'relance annulée', 'relances annulées')} (l'étape a avancé "
                         "avant l'envoi)")
        return ("Courriels : " + ", ".join(parts) + ".") if parts else ""


def dispatch(config: Config, *, at: dt.datetime | None = None, deliver_now: bool = True,
             today: dt.date | None = None) -> MailRun:
    """Queue the rejection notes not sent yet, then deliver what is due (``courriel.mode``:
    nothing at all with ``aucun``; ``deliver_now=False``: queue only, as the watcher does before
    a rebuild, its mail thread delivering); a reminder whose step moved on ``today`` (by default
    ``at``'s day) is cancelled, not sent. Never raises for a mail problem (``MailRun.problems``);
    an unusable journal (:class:`~pipeline.outcomes.JournalUnavailable`) propagates."""
    from .delivery import deliver

    run = MailRun()
    if config.mail.mode == "aucun":
        return run
    at = at or dt.datetime.now().astimezone()
    with Journal(config.state_dir) as journal:
        if config.mail.rejection_notes:
            try:
                run.queued = queue_rejection_notes(config, journal, roster_agents(config) or {}, at=at,
                                                   problems=run.problems)
            except Exception as exc:  # noqa: BLE001 - mail never undoes a pass
                run.problems.append(f"Notes de rejet non mises en file d'envoi : {exc}.")
                log.warning("%s", run.problems[-1], exc_info=log.isEnabledFor(logging.DEBUG))
        if not deliver_now:
            return run
        run.delivery = deliver(config, journal, at=at, today=today)
    run.problems.extend(run.delivery.problems)
    for problem in run.delivery.problems:
        log.warning("%s", problem)
    return run


def pending_rejections(journal: Journal, campaign: str) -> list[FileRow]:
    """The last file of each agent of the campaign, when it was turned away (a rejection still
    waiting for a corrected report)."""
    return list(journal.iter_latest_by_agent(campaign, turned_away_only=True))


def queue_rejection_notes(config: Config, journal: Journal, roster: dict[str, RosterRow], *,
                          at: dt.datetime, problems: list[str] | None = None) -> list[str]:
    """Queue each pending rejection's note for its evaluator, once per rejected file; a file whose
    evaluator has no address is left (``etat`` says «\u202fnote non envoyée : adresse inconnue\u202f»)
    and queued later if the roster gains the address. A cell that is not a list of valid
    addresses is a warning naming its roster line, and no message. Each note is queued on its
    own: one that cannot be (its note unreadable...) is a warning naming its file and never
    stops the others. Warnings go to ``problems`` (and the log). Returns the Message-IDs queued."""
    problems = [] if problems is None else problems
    queued = []
    for row in pending_rejections(journal, config.campaign.key):
        if not row.note or journal.messages_of_file(row.id):
            continue
        try:
            message_id = _queue_note(config, journal, row, roster.get(row.agent_number or ""), at=at,
                                     problems=problems)
        except Exception as exc:  # noqa: BLE001 - one note never stops the others
            problems.append(f"Note de rejet de «\u202f{header_text(shown_name(row.original_name), FILE_NAME_LIMIT)}\u202f» "
                            f"non mise en file d'envoi ({describe_failure(exc)}) : nouvel essai au prochain passage ; "
                            "les autres notes partent normalement.")
            log.warning("%s", problems[-1], exc_info=log.isEnabledFor(logging.DEBUG))
            continue
        if message_id:
            queued.append(message_id)
    return queued


def _queue_note(config: Config, journal: Journal, row: FileRow, listed: RosterRow | None, *,
                at: dt.datetime, problems: list[str]) -> str | None:
    """Queue one rejected file's note; the Message-ID, or None when it is not queued (no address,
    an address cell to correct: said in ``problems``, or queued already)."""
    from ..notes import agent_described

    if listed is None:
        return None
    agent = header_text(agent_described(row), NAME_LIMIT + 30)
    # The evaluator's delegate gets the note when the roster gives the delegate's address.
    delegated = bool(listed.extra.get(DELEGATE_EMAIL, "").strip())
    cell = listed.extra.get(DELEGATE_EMAIL if delegated else EVALUATOR_EMAIL)
    try:
        recipients = mailboxes(cell)
    except AddressError:
        problems.append(cell_problem(cell, line=listed.line,
                                     column=DELEGATE_EMAIL_COLUMN if delegated else EVALUATOR_EMAIL_COLUMN,
                                     consequence=f"la note de rejet {of(agent)} n'est pas envoyée"))
        log.warning("%s", problems[-1])
        return None
    if not recipients:
        return None
    address = joined(recipients)
    named = listed.values.get(cat.EVALUATOR) or (row.report.text(cat.EVALUATOR) if row.report else "")
    # «\u202fMme Céline Roux\u202f» when the roster gives her civility: the note and the message address her so.
    person = (Addressee.of(listed.extra.get(DELEGATE, "")) if delegated and listed.extra.get(DELEGATE, "").strip()
              else Addressee.of(named, listed.extra.get(EVALUATOR_CIVILITY)))
    evaluator = header_text(person.titled, NAME_LIMIT)
    note_name, note = _note(config, row, evaluator)
    composed = rejection_message(
        config, key=f"{row.campaign}|{row.id}|{row.checksum}|{row.received_at}", evaluator=evaluator,
        address=address, agent=agent, file_name=header_text(shown_name(row.original_name), FILE_NAME_LIMIT),
        received=row.received_day, answer_by=correction_due(config, row.received_day),
        note_name=header_text(shown_name(note_name), FILE_NAME_LIMIT), note=note, when=at,
        resend=_asks_again(row))
    if journal.queue_message(message_id=composed.message_id, kind=REJECTION_NOTE, file_id=row.id,
                             campaign=row.campaign, agents=[row.agent_number], recipient=address,
                             subject=composed.subject, raw=composed.raw, created_at=at):
        return composed.message_id
    return None


def _asks_again(row: FileRow) -> bool:
    """Whether the rejection note asks for the report again (not when an older version came in)."""
    from ..notes import rejection_kind

    return rejection_kind(row).resend


def _note(config: Config, row: FileRow, evaluator: str) -> tuple[str, bytes]:
    """The rejection note written beside the file; rendered again from the journal's row (the
    same note) when it is not where it was written any more."""
    path = Path(row.note)
    if is_regular_file(path):
        return path.name, path.read_bytes()
    from ..notes import write_rejection_note

    with tempfile.TemporaryDirectory() as tmp:
        written = write_rejection_note(row, config, Path(tmp) / path.name, evaluator=evaluator)
        return path.name, written.read_bytes()
