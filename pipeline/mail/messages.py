"""What the messages say, and how they are built: every French sentence of the e-mails and the
stable Message-ID (the words of a message's state are the campaign view's, pipeline.campaign).

A message is composed once, when it is queued, and its bytes are kept in the journal: what is
drafted or sent later is exactly what was recorded (RFC 5322, UTF-8, CRLF line ends).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

from ..civility import Addressee
from ..config import Config
from ..journal import AGENT_REMINDER, AUTHORITY_REMINDER, MANAGER_REMINDER, REJECTION_NOTE, REMINDER
from ..text import format_date, long_date, of
from .addresses import FILE_NAME_LIMIT, NAME_LIMIT, SUBJECT_LIMIT, AddressError, Mailbox, header_text, mailboxes, split_joined

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


def _header(boxes: list[Mailbox], name: str = "") -> tuple[Address, ...]:
    """An address header's value: each mailbox with its cell's name, else ``name`` (made one line,
    bounded). Given as ``Address`` objects, not as text: the library then encodes a name with an
    accent and a comma («\u202fM. Jean Dupont, directeur général\u202f») as one encoded word, where
    a quoted string would lose its quotes and read as two addresses."""
    return tuple(Address(display_name=header_text(box.name or name, NAME_LIMIT), addr_spec=box.address)
                 for box in boxes)


def _message(config: Config, *, mid: str, to_name: str, to_address: str, subject: str, body: str,
             when: dt.datetime, copy: str = "") -> EmailMessage:
    """Every header from text made safe for it (:func:`~.addresses.header_text`: no line break nor
    control character, a bounded length): a name, a subject, a file name never adds a header
    nor stops a message. ``to_address``: one address or several, joined by ", "; the evaluator's
    name is shown for one address alone. ``copy``: addresses in copy (joined by ", ", the
    journal's «\u202fcopies\u202f»), before ``courriel.copie_rh``."""
    mail = config.mail
    message = EmailMessage(policy=SMTP)
    message["From"] = _header(_listed(mail.sender)[:1])
    recipients = [Mailbox(address) for address in split_joined(to_address)]
    message["To"] = _header(recipients, to_name if len(recipients) == 1 else "")
    seen = {box.address.lower() for box in recipients}
    copies = [box for box in [*(Mailbox(a) for a in split_joined(copy)), *_listed(mail.hr_copy)]
              if box.address.lower() not in seen and not seen.add(box.address.lower())]
    if copies:
        message["Cc"] = _header(copies)
    if reply_to := _listed(config.hr.email):
        message["Reply-To"] = _header(reply_to)
    message["Subject"] = header_text(subject, SUBJECT_LIMIT)
    message["Date"] = formatdate(when.timestamp(), localtime=True)
    message["Message-ID"] = mid
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no automatic replies to it
    message.set_content(body)
    return message


def _signature(config: Config) -> list[str]:
    contact = config.hr.reachable_at
    return ["", *([f"Pour toute question\u00a0: {contact}."] if contact else []), "", config.hr.name]


def rejection_message(config: Config, *, key: str, evaluator: str, address: str, agent: str, file_name: str,
                      received: dt.date, answer_by: dt.date, note_name: str, note: bytes,
                      when: dt.datetime, resend: bool = True) -> Composed:
    """The rejection note sent to the evaluator: which agent, what to do, by when (``resend``: the note
    asks for the report again; a version older than the one recorded does not); the note attached.
    Nothing of the evaluation's content is in the body."""
    campaign = config.campaign.key
    subject = f"Compte rendu d'entretien professionnel {campaign} à reprendre – {agent}"
    body = "\n".join([
        Addressee.of(evaluator).greeting,  # «\u202fBonjour Madame,\u202f», «\u202fBonjour,\u202f» when the civility is unknown
        "",
        f"Le compte rendu d'entretien professionnel {campaign} concernant {agent}, reçu le "
        f"{long_date(received)} sous le nom «\u202f{file_name}\u202f», ne peut pas être accepté en l'état.",
        "",
        # What to do depends on why (not filled, incomplete, changed after signature...): the note says it.
        "La note jointe indique pourquoi et ce qu'il faut faire" + (
            f"\u00a0; le compte rendu est ensuite à {config.hr.return_verb(imperative=False)} de nouveau "
            f"{config.hr.return_place} avant le {long_date(answer_by)}." if resend else "."),
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
    """One line of a reminder: the agent, why they are chased, by when (None: no date); what the
    step is (pipeline.campaign.Chase.step), their evaluator, the first reminder about the step,
    the day the report was communicated to the agent (their reminder says it)."""

    number: str
    name: str
    reason: str
    due: dt.date | None
    step: str = ""
    evaluator: str = ""
    first_reminder: dt.date | None = None
    communicated: dt.date | None = None
    days_late: int | None = None

    def line(self) -> str:
        who = f"{self.name} (matricule {self.number})" if self.name else f"matricule {self.number}"
        due = f" – échéance : {format_date(self.due)}" if self.due else ""
        return f"  – {who} : {self.reason}{due}"

    def escalation_line(self) -> str:
        """The line of an N+2's reminder: the agent's, and since when their evaluator is reminded."""
        since = f" – relancé depuis le {format_date(self.first_reminder)}" if self.first_reminder else ""
        return f"{self.line()}{since}"


def _counted_reports(count: int) -> str:
    return "1 compte rendu" if count == 1 else f"{count} comptes rendus"


def reminder_message(config: Config, *, key: str, evaluator: str, address: str, agents: list[ChasedAgent],
                     when: dt.datetime, on_behalf_of: list[str] | None = None) -> Composed:
    """One reminder to one evaluator: their agents with a missing report, a pending rejection or
    a step late, each with its due date. ``on_behalf_of``: the evaluators a delegate stands in
    for (the message says so)."""
    campaign = config.campaign.key
    count = len(agents)
    subject = f"Entretiens professionnels {campaign} : {_counted_reports(count)} à suivre"
    delegation = ([f"Vous recevez ce message en tant qu'évaluateur par délégation {' et '.join(map(of, on_behalf_of))}.",
                   ""] if on_behalf_of else [])
    body = "\n".join([
        Addressee.of(evaluator).greeting,
        "",
        f"Pour la campagne d'entretiens professionnels {campaign}, "
        + ("le compte rendu suivant attend" if count == 1 else "les comptes rendus suivants attendent")
        + " une action de votre part :",
        "",
        *(agent.line() for agent in agents),
        "",
        *delegation,
        f"Les comptes rendus sont à {config.hr.return_verb(imperative=False)} {config.hr.return_place}. "
        "Si un point est déjà réglé, "
        "ne tenez pas compte de ce message.",
        *_signature(config),
    ])
    mid = message_id(REMINDER, key, config.mail.sender)
    message = _message(config, mid=mid, to_name=evaluator, to_address=address, subject=subject, body=body,
                       when=when)
    return Composed(mid, REMINDER, address, str(message["Subject"]), message.as_bytes())


def agent_reminder_message(config: Config, *, key: str, agent: Addressee, address: str, copy: str,
                           chased: ChasedAgent, when: dt.datetime) -> Composed:
    """The agent reminded of their observations on the report (their evaluator in copy): before
    the end of their delay, the day it ends; after it, to sign and hand it back. Nothing of the
    evaluation is in it."""
    campaign = config.campaign.key
    evaluator = chased.evaluator or "votre évaluateur"
    communicated = f", communiqué le {long_date(chased.communicated)}," if chased.communicated else ""
    if chased.due is not None and chased.days_late is None:
        subject = (f"Entretien professionnel {campaign} : vos observations sur le compte rendu, d'ici le "
                   f"{format_date(chased.due)}")
        said = [f"Le compte rendu de votre entretien professionnel {campaign}{communicated} attend vos "
                f"observations. Vous avez jusqu'au {long_date(chased.due)} pour y porter, si vous le souhaitez, "
                f"vos observations, puis le signer et le remettre à {evaluator}."]
    else:
        subject = f"Entretien professionnel {campaign} : votre compte rendu à signer et à remettre"
        ended = f" a pris fin le {long_date(chased.due)}" if chased.due else " est passé"
        said = [f"Le délai pour porter vos observations sur le compte rendu de votre entretien professionnel "
                f"{campaign}{communicated}{ended}. Signez-le, avec ou sans observations, et remettez-le dès que "
                f"possible à {evaluator}."]
    body = "\n".join([
        agent.greeting, "", *said, "",
        "Votre signature atteste que vous avez pris connaissance du compte rendu, non que vous en approuvez le "
        "contenu. Si c'est déjà fait, ne tenez pas compte de ce message.",
        *_signature(config),
    ])
    mid = message_id(AGENT_REMINDER, key, config.mail.sender)
    message = _message(config, mid=mid, to_name=agent.formally, to_address=address, subject=subject, body=body,
                       when=when, copy=copy)
    return Composed(mid, AGENT_REMINDER, address, str(message["Subject"]), message.as_bytes())


def authority_reminder_message(config: Config, *, key: str, address: str, agents: list[ChasedAgent],
                               when: dt.datetime) -> Composed:
    """One reminder to the authority (section «\u202fautorite\u202f»): every report waiting for its
    visa (or its answer to a revision request) beyond its delay."""
    campaign = config.campaign.key
    authority = config.authority
    count = len(agents)
    visas = all(a.step.startswith("visa:") for a in agents)
    subject = (f"Entretiens professionnels {campaign} : {_counted_reports(count)} en attente de votre "
               + ("visa" if visas else "visa ou de votre réponse"))
    body = "\n".join([
        Addressee.of(authority.name).greeting,
        "",
        f"Pour la campagne d'entretiens professionnels {campaign}, "
        + ("le compte rendu suivant attend" if count == 1 else "les comptes rendus suivants attendent")
        + (" votre visa" if visas else " votre visa ou votre réponse") + " au-delà du délai prévu :",
        "",
        *(agent.line() for agent in agents),
        "",
        "Une fois visés, ils sont à retourner au service des ressources humaines, qui les transmet pour "
        "notification aux agents. Si un point est déjà réglé, ne tenez pas compte de ce message.",
        *_signature(config),
    ])
    mid = message_id(AUTHORITY_REMINDER, key, config.mail.sender)
    message = _message(config, mid=mid, to_name=authority.described, to_address=address, subject=subject,
                       body=body, when=when)
    return Composed(mid, AUTHORITY_REMINDER, address, str(message["Subject"]), message.as_bytes())


def manager_reminder_message(config: Config, *, key: str, manager: str, address: str, agents: list[ChasedAgent],
                             when: dt.datetime) -> Composed:
    """One reminder to an evaluator's own manager (N+2): the agents whose evaluator was reminded
    and whose step is still undone, by evaluator, each with the day of the first reminder."""
    campaign = config.campaign.key
    count = len(agents)
    subject = f"Entretiens professionnels {campaign} : {_counted_reports(count)} en attente malgré une relance"
    lines: list[str] = []
    for evaluator in dict.fromkeys(a.evaluator for a in agents):
        lines += [f"Évaluateur : {evaluator or 'non indiqué'}",
                  *(a.escalation_line() for a in agents if a.evaluator == evaluator), ""]
    body = "\n".join([
        Addressee.of(manager).greeting,
        "",
        f"Pour la campagne d'entretiens professionnels {campaign}, "
        + ("le compte rendu suivant reste" if count == 1 else "les comptes rendus suivants restent")
        + " en attente malgré une relance de l'évaluateur :",
        "",
        *lines,
        "Nous vous remercions de veiller à leur retour au service des ressources humaines. Si un point est déjà "
        "réglé, ne tenez pas compte de ce message.",
        *_signature(config),
    ])
    mid = message_id(MANAGER_REMINDER, key, config.mail.sender)
    message = _message(config, mid=mid, to_name=manager, to_address=address, subject=subject, body=body,
                       when=when)
    return Composed(mid, MANAGER_REMINDER, address, str(message["Subject"]), message.as_bytes())


def draft_bytes(raw: bytes) -> bytes:
    """The ``.eml`` HR opens in their mail client: the message, marked as not sent yet."""
    return DRAFT_HEADER + raw
