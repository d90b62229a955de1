"""What the messages say, and how they are built: every French sentence of the e-mails and the
stable Message-ID (the words of a message's state are the campaign view's, pipeline.campaign).

A message is composed once, when it is queued, and its bytes are kept in the journal: what is
drafted or sent later is exactly what was recorded (RFC 5322, UTF-8, CRLF line ends).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

from ..civility import Addressee
from ..config import Config
from ..journal import REJECTION_NOTE, REMINDER
from ..text import format_date, long_date
from .addresses import FILE_NAME_LIMIT, SUBJECT_LIMIT, AddressError, Mailbox, header_text, mailboxes, split_joined

DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
# Opened by Outlook as a message ready to send, not as one received.
DRAFT_HEADER = b"X-Unsent: 1\r\n"


def address_of(text: str | None) -> str:
    """The first address of ``"Name <a@b.fr>"`` or ``"a@b.fr"`` (a setting checked at start);
    "" when there is none or it is not a valid list of addresses."""
    try:
        boxes = mailboxes(text)
    except AddressError:
        return ""
    return boxes[0].address if boxes else ""


def _listed(text: str | None) -> list[Mailbox]:
    """The addresses of a setting (``courriel.copie_rh``, ``service_rh.courriel``); [] when it is
    not a list of addresses (``service_rh.courriel`` may be a sentence: then no Reply-To)."""
    try:
        return mailboxes(text)
    except AddressError:
        return []


def message_id(kind: str, key: str, sender: str) -> str:
    """``<entretiens.note_de_rejet.2026.9f86d081884c7d65@exemple.fr>``: the same for the same
    message, whenever it is composed (the domain is the sender's)."""
    domain = address_of(sender).rpartition("@")[2] or "entretiens.invalid"
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return f"<entretiens.{kind}.{digest}@{domain}>"


@dataclass(frozen=True)
class Composed:
    message_id: str
    kind: str
    recipient: str  # the evaluator's bare addresses, joined by ", " (the journal's «\u202frecipient\u202f»)
    subject: str
    raw: bytes


def _message(config: Config, *, mid: str, to_name: str, to_address: str, subject: str, body: str,
             when: dt.datetime) -> EmailMessage:
    """Every header from text made safe for it (:func:`~.addresses.header_text`: no line break nor
    control character, a bounded length): a name, a subject, a file name never adds a header
    nor stops a message. ``to_address``: one address or several, joined by ", "; the evaluator's
    name is shown for one address alone."""
    mail = config.mail
    message = EmailMessage(policy=SMTP)
    message["From"] = ", ".join(box.formatted() for box in _listed(mail.sender)[:1])
    recipients = [Mailbox(address) for address in split_joined(to_address)]
    message["To"] = ", ".join(box.formatted(to_name if len(recipients) == 1 else "") for box in recipients)
    if copies := _listed(mail.hr_copy):
        message["Cc"] = ", ".join(box.formatted() for box in copies)
    if reply_to := _listed(config.hr.email):
        message["Reply-To"] = ", ".join(box.formatted() for box in reply_to)
    message["Subject"] = header_text(subject, SUBJECT_LIMIT)
    message["Date"] = formatdate(when.timestamp(), localtime=True)
    message["Message-ID"] = mid
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no automatic replies to it
    message.set_content(body)
    return message


def _signature(config: Config) -> list[str]:
    contact = config.hr.reachable_at
    return ["", *([f"Pour toute question : {contact}."] if contact else []), "", config.hr.name]


def rejection_message(config: Config, *, key: str, evaluator: str, address: str, agent: str, file_name: str,
                      received: dt.date, answer_by: dt.date, note_name: str, note: bytes,
                      when: dt.datetime) -> Composed:
    """The rejection note sent to the evaluator: which agent, what to do, by when; the note
    attached. Nothing of the evaluation's content is in the body."""
    campaign = config.campaign.key
    subject = f"Compte rendu d'entretien professionnel {campaign} à reprendre – {agent}"
    body = "\n".join([
        Addressee.of(evaluator).greeting,  # «\u202fBonjour Madame,\u202f», «\u202fBonjour,\u202f» when the civility is unknown
        "",
        f"Le compte rendu d'entretien professionnel {campaign} concernant {agent}, reçu le "
        f"{long_date(received)} sous le nom «\u202f{file_name}\u202f», ne peut pas être accepté en l'état.",
        "",
        # What to do depends on why (not filled, incomplete, changed after signature...): the note says it.
        "La note jointe indique pourquoi et ce qu'il faut faire. Le compte rendu est à déposer dans "
        f"{config.hr.return_to} avant le {long_date(answer_by)}, si la note le demande.",
        *_signature(config),
    ])
    mid = message_id(REJECTION_NOTE, key, config.mail.sender)
    message = _message(config, mid=mid, to_name=evaluator, to_address=address, subject=subject, body=body,
                       when=when)
    message.add_attachment(note, maintype=DOCX_TYPE[0], subtype=DOCX_TYPE[1],
                           filename=header_text(note_name, FILE_NAME_LIMIT))
    return Composed(mid, REJECTION_NOTE, address, str(message["Subject"]), message.as_bytes())


@dataclass(frozen=True)
class ChasedAgent:
    """One line of a reminder: the agent, why they are chased, by when (None: no date)."""

    number: str
    name: str
    reason: str
    due: dt.date | None

    def line(self) -> str:
        who = f"{self.name} (matricule {self.number})" if self.name else f"matricule {self.number}"
        due = f" – échéance : {format_date(self.due)}" if self.due else ""
        return f"  – {who} : {self.reason}{due}"


def reminder_message(config: Config, *, key: str, evaluator: str, address: str, agents: list[ChasedAgent],
                     when: dt.datetime) -> Composed:
    """One reminder to one evaluator: their agents with a missing report, a pending rejection or
    a step late, each with its due date."""
    campaign = config.campaign.key
    count = len(agents)
    subject = (f"Entretiens professionnels {campaign} : "
               + ("1 compte rendu à suivre" if count == 1 else f"{count} comptes rendus à suivre"))
    body = "\n".join([
        Addressee.of(evaluator).greeting,
        "",
        f"Pour la campagne d'entretiens professionnels {campaign}, "
        + ("le compte rendu suivant attend" if count == 1 else "les comptes rendus suivants attendent")
        + " une action de votre part :",
        "",
        *(agent.line() for agent in agents),
        "",
        f"Les comptes rendus sont à déposer dans {config.hr.return_to}. Si un point est déjà réglé, "
        "ne tenez pas compte de ce message.",
        *_signature(config),
    ])
    mid = message_id(REMINDER, key, config.mail.sender)
    message = _message(config, mid=mid, to_name=evaluator, to_address=address, subject=subject, body=body,
                       when=when)
    return Composed(mid, REMINDER, address, str(message["Subject"]), message.as_bytes())


def draft_bytes(raw: bytes) -> bytes:
    """The ``.eml`` HR opens in their mail client: the message, marked as not sent yet."""
    return DRAFT_HEADER + raw
