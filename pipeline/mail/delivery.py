"""Delivering queued messages: ``.eml`` drafts in ``outbox/courriels/`` (``brouillon``) or SMTP
(``envoi``), one deliverer at a time per workspace (a lock file in the state dir).

Never twice: a message is marked SENDING (synced) once the server has accepted its sender, its
recipients and the DATA command, just before the message itself, and SENT (synced) after the
server's 250. A run that dies in between leaves it SENDING: the next deliverer cannot know
whether the server kept it, so it marks it UNCERTAIN, writes it as a draft for HR to check, and
never sends it by itself.

Each message is decided on its own, by where a refusal comes and its enhanced status code
(:func:`classify`): a temporary refusal (4xx) or a connection lost before the server kept it puts
that message off, with a doubling wait, at most ``courriel.essais_max`` times, the others going on
(over a new connection if need be); an evaluator's address or the message refused for good (5xx)
fails it with the server's reason; a refusal of the sender, of relaying or of the account (and the
connection settings) is a setting to fix: said once, every message kept queued, no try counted.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..text import counted
from ..files import (FILE_MODE, create_atomically, describe_failure, disk_full, make_dirs, move_no_clobber,
                     remove_leftover_temporaries, unique_path)
from ..journal import (AGENT_REMINDER, AUTHORITY_REMINDER, DRAFTED, FAILED, MANAGER_REMINDER, OBSOLETE, QUEUED,
                       REMINDER_KINDS, SENDING, SENT, UNCERTAIN, Journal, MessageRow, now)
from ..journal import ANNOUNCEMENT, INVITATION, INVITATION_CANCEL, INVITATION_UPDATE
from ..naming import MAIL_FOLDER, MAIL_LOCK_NAME, NAME_BUDGET, history_folder, safe_filename, shorten_name
from ..campaign import MESSAGE_KIND_WORDS
from .addresses import header_text, mailboxes, split_joined
from .messages import address_of, draft_bytes

log = logging.getLogger("entretiens")

FIRST_RETRY_S, LONGEST_WAIT_S = 60, 6 * 3600  # 1 min, 2, 4... at most 6 h between two tries
REPLY_LIMIT = 300  # characters of a server's reply kept in the journal and said


@dataclass
class Delivery:
    """What one delivery did: message ids per result, and the French problems met."""

    sent: list[str] = field(default_factory=list)
    drafted: list[str] = field(default_factory=list)
    retried: list[str] = field(default_factory=list)  # failed for now, tried again later
    failed: list[str] = field(default_factory=list)  # failed for good
    uncertain: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # kept queued, untried: a setting to fix (settings_problem)
    cancelled: list[str] = field(default_factory=list)  # reminders whose step moved before they were sent
    # Rejection notes not sent whose report was accepted or corrected since: never sent, their drafts
    # moved to the agent's history (:func:`retire_obsolete_notes`).
    retired: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    settings_problem: str | None = None  # the sender, the account, the login refused: said once
    busy: bool = False  # another deliverer holds the lock: it delivers


class MailLock:
    """The deliverers' lock (``courriels.lock`` in the state dir), not blocking: ``acquire`` says
    False while another process or thread delivers."""

    def __init__(self, state_dir: Path):
        self.path = Path(state_dir) / MAIL_LOCK_NAME
        self.fd = -1

    def acquire(self) -> bool:
        make_dirs(self.path.parent)
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def deliver(config: Config, journal: Journal, *, at: dt.datetime | None = None,
            today: dt.date | None = None) -> Delivery:
    """Deliver every queued message that is due at ``at`` (now by default), after marking as
    UNCERTAIN those a dead run left SENDING, and as CANCELLED the reminders whose step moved
    since they were queued (the campaign view on ``today``, by default ``at``'s day). Never
    raises for a mail problem: it is recorded on the message and said in ``Delivery.problems``."""
    at = at or dt.datetime.now().astimezone()
    result = Delivery()
    lock = MailLock(config.state_dir)
    if not lock.acquire():
        result.busy = True
        return result
    try:
        remove_leftover_temporaries(config.outbox / MAIL_FOLDER)  # a draft a dead run was writing
        retire_obsolete_notes(config, journal, result)
        for message in journal.messages(SENDING):
            _uncertain(config, journal, message, result)
        due = [m for m in journal.messages(QUEUED)
               if not m.next_attempt or dt.datetime.fromisoformat(m.next_attempt) <= at]
        if any(m.kind in REMINDER_KINDS for m in due):  # a reminder whose step moved meanwhile is not sent
            from .reminders import cancel_stale_reminders

            cancelled = cancel_stale_reminders(config, journal, [m for m in due if m.kind in REMINDER_KINDS],
                                               today=today or at.date())
            result.cancelled.extend(cancelled)
            due = [m for m in due if m.message_id not in cancelled]
        if not due:
            return result
        if config.mail.mode == "envoi":
            _send_all(config, journal, due, at, result)
        else:  # brouillon; aucun queues nothing, but what was queued before is not lost
            for message in due:
                _draft(config, journal, message, result)
    finally:
        lock.release()
    return result


# -- drafts --------------------------------------------------------------------------------


def draft_name(message: MessageRow) -> str:
    """``2026-11-29 Note de rejet - s.durand@exemple.fr - 3f9a1c.eml``: dated, readable, and the
    same for the same message (a draft written before a crash is found again)."""
    day = dt.datetime.fromisoformat(message.created_at).date().isoformat()
    tag = message.message_id.split(".")[2][:6] if message.message_id.count(".") >= 2 else message.id
    stem = safe_filename(f"{day} {MESSAGE_KIND_WORDS.get(message.kind, message.kind)} - {message.recipient} - {tag}")
    return shorten_name(stem + ".eml", NAME_BUDGET)


def _write_draft(config: Config, journal: Journal, message: MessageRow, *, prefix: str = "") -> Path:
    """The message as an ``.eml`` in ``outbox/courriels/``; a draft of ours with the same bytes
    is kept as it is, another file of that name is never replaced."""
    folder = make_dirs(config.outbox / MAIL_FOLDER)
    data = draft_bytes(journal.message_bytes(message.message_id))
    target = folder / (prefix + draft_name(message))
    if target.is_file() and target.read_bytes() == data:
        return target
    return create_atomically(unique_path(target), lambda tmp: tmp.write_bytes(data))


def _draft(config: Config, journal: Journal, message: MessageRow, result: Delivery) -> None:
    try:
        path = _write_draft(config, journal, message)
    except OSError as exc:
        if disk_full(exc):
            raise  # the command stops (outcomes.DiskFull); the message stays queued for the next run
        _failed_for_now(config, journal, message, f"brouillon impossible à écrire : {describe_failure(exc)}",
                        dt.datetime.now().astimezone(), result)
        return
    journal.set_message(message.message_id, DRAFTED, durable=True, draft=str(path), sent_at=now())
    result.drafted.append(message.message_id)


OBSOLETE_NOTE = "périmée : le compte rendu a été accepté ou corrigé depuis"


def retire_obsolete_notes(config: Config, journal: Journal, result: Delivery) -> None:
    """The rejection notes whose report was accepted or turned away again since
    (:meth:`~pipeline.journal.Journal.obsolete_notes`) are marked OBSOLETE: one still queued is
    never sent; one written as a draft has its ``.eml`` moved out of ``outbox/courriels/`` into
    the agent's history (``outbox/historique/<campagne>/<matricule>/``, beside the old note),
    never deleted nor replacing a file. A draft HR moved or deleted meanwhile is left alone; one
    that cannot be moved stays (said in the log) and the message is marked all the same."""
    folder = config.outbox / MAIL_FOLDER
    for message in journal.obsolete_notes(config.campaign.key):
        draft = message.draft
        if message.status == DRAFTED and draft and Path(draft).parent == folder and os.path.isfile(draft):
            history = history_folder(config.outbox, message.campaign or config.campaign.key,
                                     (message.agents or ["non_identifies"])[0])
            try:
                target = unique_path(make_dirs(history) / Path(draft).name)
                move_no_clobber(Path(draft), target)
                draft = str(target)
            except OSError as exc:
                if disk_full(exc):
                    raise
                log.warning("Brouillon périmé %s non déplacé : %s", draft, describe_failure(exc))
        journal.set_message(message.message_id, OBSOLETE, durable=True, draft=draft, error=OBSOLETE_NOTE)
        result.retired.append(message.message_id)


def _uncertain(config: Config, journal: Journal, message: MessageRow, result: Delivery) -> None:
    """A message a dead run was sending: kept as a draft, never sent again by itself."""
    draft = None
    try:
        draft = str(_write_draft(config, journal, message, prefix="INCERTAIN "))
    except OSError as exc:
        log.warning("Brouillon du message incertain %s impossible à écrire : %s", message.message_id,
                    exc.strerror or exc)
    journal.set_message(message.message_id, UNCERTAIN, durable=True, draft=draft,
                        error="l'envoi a été interrompu : le serveur l'a peut-être reçu")
    result.uncertain.append(message.message_id)
    result.problems.append(
        f"Envoi interrompu du message «\u202f{message.subject}\u202f» à {message.recipient} : il a peut-être été "
        f"reçu. Il n'est pas renvoyé automatiquement ; vérifiez auprès du destinataire et, au besoin, envoyez "
        f"le brouillon {draft or '(non écrit)'} depuis votre messagerie.")


# -- SMTP ----------------------------------------------------------------------------------

# Where a reply of the server comes in a message's transaction.
AT_MAIL, AT_RCPT, AT_DATA = "MAIL FROM", "RCPT TO", "DATA"
# What a refusal blames: a setting (the sender, relaying, the account: every message would meet
# it), one recipient, this message; or the server closes the connection (421).
SENDER, RELAY, LOGIN, RECIPIENT, MESSAGE, CLOSING = "sender", "relay", "login", "recipient", "message", "closing"
SETTINGS_KINDS = frozenset({SENDER, RELAY, LOGIN})
# Enhanced status codes (RFC 3463, and Exchange's own), as subject.detail, that blame the sender
# or the account, never a recipient nor a message.
SENDER_STATUS = frozenset({"1.7", "1.8", "7.60"})  # bad sender's mailbox, sender's system; Exchange's SendAsDenied
LOGIN_STATUS = frozenset({"7.8", "7.9", "7.11", "7.12", "7.13", "7.14", "7.57", "7.139"})
RELAY_STATUS = frozenset({"7.54", "7.64"})  # Exchange: relaying to a domain it does not accept; tenant relay denied
LOGIN_CODES = frozenset({530, 534, 535, 538})  # authentication required, too weak, refused; encryption required
# Words that tell who a reply without a telling status blames (5.7.1 «\u202fnot authorized\u202f», 5.7.0, none).
SENDER_HINTS = ("sender", "send as", "send-as", "sendas", "on behalf", "expéditeur", "expediteur")
RELAY_HINTS = ("relay", "relais")
LOGIN_HINTS = ("authenticat", "authentif")
CONNECTIONS_PER_DELIVERY = 4  # a connection lost mid-delivery is opened again, this many in all at most
_STATUS = re.compile(r"^\s*[245]\.(\d{1,3}\.\d{1,3})\b")


def enhanced_status(text: str) -> str | None:
    """``"7.60"`` of «\u202f5.7.60 SMTP; Client does not have permissions…\u202f» (the subject and detail
    of the enhanced status code, RFC 3463); ``None`` when the reply has none."""
    found = _STATUS.match(text)
    return found.group(1) if found else None


def classify(stage: str, code: int, text: str) -> str:
    """What a refusal blames, from where it comes (``stage``: MAIL FROM, RCPT TO, DATA) and its
    codes: :data:`SENDER`, :data:`RELAY` or :data:`LOGIN` (a setting to fix), :data:`RECIPIENT`,
    :data:`MESSAGE`, or :data:`CLOSING` (421). ``text`` is the reply after the basic code. The
    enhanced status decides when it tells (5.1.1 a recipient, 5.7.60 the sender, 5.7.8 the
    login); a reply whose status does not tell (5.7.1 «\u202fdelivery not authorized\u202f», 5.7.0, none)
    is read for the sender, relaying or authentication; otherwise the stage decides: a
    permanent refusal at MAIL FROM blames the sender, at RCPT TO the recipient, at DATA the
    message (its size, its content)."""
    if code == 421:
        return CLOSING
    status = enhanced_status(text)
    if code in LOGIN_CODES or status in LOGIN_STATUS:
        return LOGIN
    if status in SENDER_STATUS:
        return SENDER
    if status in RELAY_STATUS:
        return RELAY
    if status is None or status.startswith("7."):
        lowered = text.lower()
        for kind, hints in ((SENDER, SENDER_HINTS), (RELAY, RELAY_HINTS), (LOGIN, LOGIN_HINTS)):
            if any(hint in lowered for hint in hints):
                return kind
    if stage == AT_MAIL:
        return SENDER if code >= 500 and not (status or "").startswith("3.") else MESSAGE
    return RECIPIENT if stage == AT_RCPT else MESSAGE


class _Settings(Exception):
    """A setting to fix (the SMTP section, the sender, the account, the copy address): every
    message would meet it, so none is tried further in this delivery, none is failed and no try
    is counted. ``reason``: what happened; ``fix``: what to do (French)."""

    def __init__(self, reason: str, fix: str = "Corrigez la section courriel.smtp de config.yaml."):
        super().__init__(reason)
        self.reason, self.fix = reason, fix


class _Deferred(Exception):
    """A temporary refusal of this message (4xx): tried again later, the others go on."""


class _Refused(Exception):
    """This message refused for good (5xx): ``reason`` is the server's, ``problem`` says it."""

    def __init__(self, reason: str, problem: str):
        super().__init__(reason)
        self.reason, self.problem = reason, problem


class _Dropped(Exception):
    """The connection was lost (or closed by the server) before the server could keep this
    message: tried again later; the others go on over a new connection."""


class _Interrupted(Exception):
    """The connection failed while the message itself was being sent (left SENDING)."""


def _connect(config: Config) -> smtplib.SMTP:
    """A logged-in SMTP connection. Raises ``OSError`` / ``smtplib.SMTPException`` (tried again
    later) or :class:`_Settings` (a setting to fix: no password, authentication refused)."""
    smtp_settings = config.mail.smtp
    ca_file = config.path(smtp_settings.ca_file) if smtp_settings.ca_file else None
    try:
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise _Settings(f"le certificat de courriel.smtp.certificat_ac ne peut pas être lu ({ca_file} : "
                        f"{getattr(exc, 'strerror', None) or exc})") from None
    host, port, timeout = smtp_settings.host, smtp_settings.effective_port, smtp_settings.timeout
    try:
        if smtp_settings.security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
    except ssl.SSLError as exc:
        raise _Settings(_tls_failure(exc)) from None
    try:
        if smtp_settings.security == "starttls":
            try:
                server.starttls(context=context)
            except smtplib.SMTPNotSupportedError:
                raise _Settings("le serveur ne propose pas STARTTLS : choisissez courriel.smtp.securite: ssl "
                                "(port 465) ou, sur un réseau interne seulement, aucune") from None
            except ssl.SSLError as exc:
                raise _Settings(_tls_failure(exc)) from None
        if smtp_settings.username:
            password = os.environ.get(smtp_settings.password_variable)
            if password is None:
                raise _Settings(f"mot de passe absent : la variable d'environnement "
                                f"{smtp_settings.password_variable} n'est pas définie pour ce service",
                                "Définissez-la pour le service (ou nommez la bonne variable dans "
                                "courriel.smtp.mot_de_passe_variable).")
            try:
                server.login(smtp_settings.username, password)
            except smtplib.SMTPAuthenticationError as exc:
                raise _Settings(f"identifiant ou mot de passe refusé par le serveur ({_reply(exc)})",
                                f"Vérifiez courriel.smtp.identifiant («\u202f{smtp_settings.username}\u202f») et le mot "
                                f"de passe de la variable d'environnement {smtp_settings.password_variable}.") from None
            except smtplib.SMTPNotSupportedError:
                raise _Settings("le serveur ne propose pas l'authentification"
                                + (" sans chiffrement : choisissez courriel.smtp.securite: starttls ou ssl"
                                   if smtp_settings.security == "aucune" else
                                   " : retirez courriel.smtp.identifiant")) from None
    except BaseException:
        _close(server)
        raise
    return server


def _tls_failure(exc: ssl.SSLError) -> str:
    """A failed TLS handshake, said in French with what to check."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"le certificat du serveur n'est pas reconnu ({exc.verify_message or exc.reason}) : pour un "
                "certificat interne, indiquez son autorité dans courriel.smtp.certificat_ac")
    return (f"échec du chiffrement TLS ({exc.reason or exc}) : vérifiez courriel.smtp.securite et le port "
            "(ssl : 465 ; starttls : 587 ; aucune : 25)")


def _close(server: smtplib.SMTP) -> None:
    try:
        server.quit()
    except (OSError, smtplib.SMTPException):
        server.close()


def _reply(exc: BaseException) -> str:
    """The server's reply in an exception, as text: «\u202f550 5.1.1 Utilisateur inconnu\u202f»."""
    code = getattr(exc, "smtp_code", None)
    text = getattr(exc, "smtp_error", b"")
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    if code is not None:
        return header_text(f"{code} {text}", REPLY_LIMIT)
    if isinstance(exc, (socket.timeout, TimeoutError)) or "timed out" in str(exc):
        return "pas de réponse du serveur dans le délai (courriel.smtp.delai_s)"
    if isinstance(exc, ConnectionRefusedError):
        return "connexion refusée : le serveur n'écoute pas à cette adresse"
    if isinstance(exc, ssl.SSLError):
        return f"échec du chiffrement TLS ({exc.reason or exc})"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "connexion interrompue par le serveur"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc) or exc.__class__.__name__


def _send_all(config: Config, journal: Journal, due: list[MessageRow], at: dt.datetime, result: Delivery) -> None:
    """Each due message decided on its own: sent; deferred (its own reason and wait); refused for
    good; uncertain (cut off while it was sent). A connection lost mid-way is opened again for
    the next message (at most :data:`CONNECTIONS_PER_DELIVERY` connections). A setting to fix
    (the sender, the account, the login: :class:`_Settings`) keeps every message not sent yet
    queued, untried, and is said once."""
    server: smtplib.SMTP | None = None
    connections = 0
    try:
        for index, message in enumerate(due):
            if server is not None and server.sock is None:  # lost after the last message's answer
                server = None
            if server is None:
                rest = due[index:]
                if connections >= CONNECTIONS_PER_DELIVERY:
                    _all_wait(config, journal, rest, "connexion interrompue à plusieurs reprises", at, result)
                    return
                connections += 1
                try:
                    server = _connect(config)
                except _Settings as exc:
                    _hold(journal, rest, exc, result)
                    return
                except (OSError, smtplib.SMTPException) as exc:
                    _all_wait(config, journal, rest, _reply(exc), at, result)
                    return
            try:
                _send_one(config, journal, server, message, result)
            except _Settings as exc:
                _hold(journal, due[index:], exc, result)
                return
            except _Deferred as exc:
                _failed_for_now(config, journal, message, str(exc), at, result)
            except _Refused as exc:
                journal.set_message(message.message_id, FAILED, durable=True, attempts=message.attempts + 1,
                                    error=exc.reason)
                result.failed.append(message.message_id)
                result.problems.append(exc.problem)
            except _Dropped as exc:
                _failed_for_now(config, journal, message, str(exc), at, result)
                _close(server)
                server = None
            except _Interrupted:
                _uncertain(config, journal, journal.message(message.message_id), result)
                _close(server)
                server = None
            else:
                result.sent.append(message.message_id)
    finally:
        if server is not None:
            _close(server)


def _all_wait(config: Config, journal: Journal, rest: list[MessageRow], reason: str, at: dt.datetime,
              result: Delivery) -> None:
    """The server cannot be reached: the messages left wait for the next delivery, said once."""
    result.problems.append(f"Serveur d'envoi {config.mail.smtp.host} : {reason} ; {counted(len(rest), 'message', 'messages')} en attente, "
                           "nouvel essai plus tard.")
    for message in rest:
        _failed_for_now(config, journal, message, reason, at, result, log_it=False)


def _hold(journal: Journal, rest: list[MessageRow], exc: _Settings, result: Delivery) -> None:
    """A setting to fix: the messages not sent yet stay queued, their tries not counted (a
    message refused after DATA gets its count back), said once; sent by the first delivery
    after the correction."""
    for message in rest:
        journal.set_message(message.message_id, QUEUED, durable=True, attempts=message.attempts,
                            error=f"en attente d'une correction de la configuration : {exc.reason}")
        result.held.append(message.message_id)
    result.settings_problem = exc.reason
    result.problems.append(f"Courriels non envoyés : {exc.reason}. {exc.fix} {counted(len(rest), 'message', 'messages')} en attente : "
                           "ils y restent, sans que cela compte comme un essai, et partiront au premier envoi "
                           "qui suivra la correction.")


def _send_one(config: Config, journal: Journal, server: smtplib.SMTP, message: MessageRow,
              result: Delivery) -> None:
    """One message's transaction. Raises :class:`_Settings`, :class:`_Deferred`,
    :class:`_Refused`, :class:`_Dropped` or :class:`_Interrupted`; returns once the server kept
    it (marked SENT). A recipient refused for good while another of the evaluator's addresses
    was accepted is said in ``result.problems`` and kept in the message's error."""
    sender = address_of(config.mail.sender)
    evaluators = split_joined(message.recipient)
    # In copy (the evaluator of an agent's reminder...): each one refused for good is said, the
    # message goes on to the others.
    courtesy = [a for a in dict.fromkeys(split_joined(message.copies)) if a.lower() not in {e.lower() for e in evaluators}]
    copies = [a for a in (box.address for box in mailboxes(config.mail.hr_copy))
              if a.lower() not in {e.lower() for e in [*evaluators, *courtesy]}]
    refused: list[tuple[str, str]] = []
    try:
        server.ehlo_or_helo_if_needed()
        code, reply = server.mail(sender)
        if code != 250:
            _refusal(config, server, message, AT_MAIL, code, reply)
        for address in evaluators:
            if (text := _recipient(config, server, message, address)) is not None:
                refused.append((address, text))
        if len(refused) == len(evaluators):  # the copies are not asked for: nobody to send to
            _rset(server)
            said = " ; ".join(_naming(address, text) for address, text in refused)
            raise _Refused(said, f"Message «\u202f{message.subject}\u202f» refusé pour {message.recipient} : {said}. "
                                 f"Vérifiez l'adresse ({address_source(message.kind)}) ; "
                                 "le message n'est pas renvoyé.")
        for address in courtesy:
            if (text := _recipient(config, server, message, address)) is not None:
                refused.append((address, text))
        for address in copies:
            if (text := _recipient(config, server, message, address)) is not None:
                _rset(server)
                raise _Settings(f"l'adresse en copie {address} est refusée par le serveur ({text})",
                                "Corrigez courriel.copie_rh dans config.yaml (ou retirez-la).")
        code, reply = server.docmd("DATA")
    except (OSError, smtplib.SMTPException) as exc:  # lost before the server could keep it
        raise _Dropped(_reply(exc)) from None
    if code != 354:
        _refusal(config, server, message, AT_DATA, code, reply)
    # From here on the server may keep the message: recorded first, so a death is never a resend.
    journal.set_message(message.message_id, SENDING, durable=True, attempts=message.attempts + 1)
    try:
        server.send(_dot_stuffed(journal.message_bytes(message.message_id)))
        code, reply = server.getreply()
    except (OSError, smtplib.SMTPException):
        raise _Interrupted from None  # cut off mid-message: the server may have kept it
    if code != 250:  # not kept: back in the queue, its try counted (or not) by the caller
        journal.set_message(message.message_id, QUEUED, durable=True, attempts=message.attempts)
        _refusal(config, server, message, AT_DATA, code, reply, ended=True)
    said = " ; ".join(_naming(address, text) for address, text in refused)
    journal.set_message(message.message_id, SENT, durable=True, sent_at=now(),
                        error=f"refusé pour {said}" if refused else None)
    if refused:
        source = address_source(message.kind if refused[0][0] in evaluators else None)
        result.problems.append(f"Message «\u202f{message.subject}\u202f» envoyé à {message.recipient} sauf à une adresse "
                               f"refusée par le serveur : {said}. Vérifiez-la ({source}).")


# Where the main recipients' addresses of each kind of message come from (said when the server
# refuses one); an evaluator's (and the copies of an agent's or an N+2's reminder) by default.
ADDRESS_SOURCES = {
    AGENT_REMINDER: "colonne «\u202fcourriel agent\u202f» de la liste des agents",
    AUTHORITY_REMINDER: "autorite.courriel dans config.yaml",
    MANAGER_REMINDER: "colonne «\u202fcourriel N+2\u202f» de la liste des agents",
}
EVALUATOR_SOURCE = ("colonne «\u202fcourriel évaluateur\u202f» de la liste des agents, ou «\u202fcourriel évaluateur "
                    "délégué\u202f» quand un délégué est indiqué")


# Messages to agents (pipeline.mail.announcement, pipeline.mail.invitations): to the agent, an
# invitation's evaluator in copy.
ADDRESS_SOURCES.update(dict.fromkeys((ANNOUNCEMENT, INVITATION, INVITATION_UPDATE, INVITATION_CANCEL),
                                     "colonne «\u202fcourriel agent\u202f» de la liste des agents"))


def address_source(kind: str | None) -> str:
    """Where the addresses of a message of ``kind`` come from (``None``: its copies, evaluators)."""
    return ADDRESS_SOURCES.get(kind or "", EVALUATOR_SOURCE)


def _recipient(config: Config, server: smtplib.SMTP, message: MessageRow, address: str) -> str | None:
    """RCPT TO one address: ``None`` when accepted, the reply when this address is refused for
    good; raises what any other refusal means (:func:`_refusal`)."""
    code, reply = server.rcpt(address)
    if code in (250, 251):
        return None
    text = _text(code, reply)
    if code >= 500 and classify(AT_RCPT, code, text) == RECIPIENT:
        return text
    _refusal(config, server, message, AT_RCPT, code, reply, address=address)
    return None  # not reached: _refusal raises


def _refusal(config: Config, server: smtplib.SMTP, message: MessageRow, stage: str, code: int, reply: bytes, *,
             address: str = "", ended: bool = False) -> None:
    """Raise what a refusal at ``stage`` means for this message (see :func:`classify`); the
    transaction is reset first, unless it ``ended`` (the answer to the message itself)."""
    text = _text(code, reply)
    kind = classify(stage, code, text)
    if kind == CLOSING:
        raise _Dropped(_naming(address, text) if address else text)
    if not ended:
        _rset(server)
    if kind in SETTINGS_KINDS:
        raise _Settings(*_settings_said(config, kind, text))
    if code < 500:
        raise _Deferred(_naming(address, text) if address else text)
    raise _Refused(text, f"Message «\u202f{message.subject}\u202f» à {message.recipient} refusé par le serveur "
                         f"({text}) : c'est le message lui-même qui n'est pas accepté (sa taille, son contenu) ; il "
                         "n'est pas renvoyé.")


def _settings_said(config: Config, kind: str, text: str) -> tuple[str, str]:
    """What a refusal of the sender, of relaying or of the account means, and what to fix."""
    smtp_settings, sender = config.mail.smtp, address_of(config.mail.sender)
    account, variable = smtp_settings.username, smtp_settings.password_variable
    if kind == SENDER:
        return (f"le serveur refuse l'expéditeur {sender} de courriel.expediteur ({text})",
                f"Donnez au compte «\u202f{account}\u202f» (courriel.smtp.identifiant) le droit d'envoyer en tant que "
                f"{sender} (droit «\u202fEnvoyer en tant que\u202f» de cette boîte aux lettres), ou indiquez dans "
                "courriel.expediteur une adresse que ce compte a le droit d'utiliser." if account else
                "Indiquez dans courriel.expediteur une adresse que ce serveur accepte comme expéditeur (ou, s'il "
                "demande un compte, son identifiant dans courriel.smtp.identifiant).")
    if kind == RELAY:
        return (f"le serveur refuse de transmettre les messages ({text})",
                f"Faites autoriser le compte «\u202f{account}\u202f» (courriel.smtp.identifiant) à envoyer par ce "
                "serveur, ou vérifiez courriel.smtp.hote et courriel.expediteur." if account else
                "Ce serveur demande sans doute un compte : indiquez-le dans courriel.smtp.identifiant (son mot de "
                f"passe dans la variable d'environnement {variable}), ou faites autoriser ce poste à l'utiliser "
                "comme relais.")
    return (f"le serveur refuse le compte d'envoi ({text})",
            f"Vérifiez courriel.smtp.identifiant («\u202f{account}\u202f»), le mot de passe de la variable "
            f"d'environnement {variable} et le droit de ce compte à envoyer des messages." if account else
            "Le serveur demande une authentification : indiquez le compte d'envoi dans courriel.smtp.identifiant "
            f"et son mot de passe dans la variable d'environnement {variable}.")


def _text(code: int, reply: bytes | str) -> str:
    """A reply on one line: «\u202f450 4.2.0 <durand@x.fr>: Recipient address rejected: Greylisted\u202f»."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return header_text(f"{code} {text}", REPLY_LIMIT)


def _naming(address: str, text: str) -> str:
    """A recipient's refusal, naming the address when the server's reply does not."""
    return text if address.lower() in text.lower() else f"{address} : {text}"


def _rset(server: smtplib.SMTP) -> None:
    """End a refused transaction; a connection lost meanwhile is noticed at the next message."""
    try:
        server.rset()
    except (OSError, smtplib.SMTPException):
        server.close()


def _dot_stuffed(raw: bytes) -> bytes:
    """The message as DATA sends it (RFC 5321 4.5.2): a line starting with a dot gets another,
    CRLF at the end, then the lone dot."""
    data = re.sub(rb"(?m)^\.", b"..", raw)
    return data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n"


def _failed_for_now(config: Config, journal: Journal, message: MessageRow, reason: str, at: dt.datetime,
                    result: Delivery, *, log_it: bool = True) -> None:
    """Tried again later, waiting twice as long each time; failed for good after the last try."""
    attempts = message.attempts + 1
    if attempts >= config.mail.max_attempts:
        journal.set_message(message.message_id, FAILED, durable=True, attempts=attempts,
                            error=f"{reason} ({attempts} essais)")
        result.failed.append(message.message_id)
        result.problems.append(f"Message «\u202f{message.subject}\u202f» à {message.recipient} abandonné après "
                               f"{attempts} essais : {reason}.")
        return
    wait = min(FIRST_RETRY_S * 2 ** (attempts - 1), LONGEST_WAIT_S)
    journal.set_message(message.message_id, QUEUED, durable=True, attempts=attempts, error=reason,
                        next_attempt=(at + dt.timedelta(seconds=wait)).isoformat(timespec="seconds"))
    result.retried.append(message.message_id)
    if log_it:
        result.problems.append(f"Message «\u202f{message.subject}\u202f» à {message.recipient} non envoyé "
                               f"({reason}) : nouvel essai dans {wait // 60} min.")
