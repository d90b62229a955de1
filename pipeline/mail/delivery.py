"""Delivering queued messages: ``.eml`` drafts in ``outbox/courriels/`` (``brouillon``) or SMTP
(``envoi``), one deliverer at a time per workspace (a lock file in the state dir).

Never twice: a message is marked SENDING (synced) once the server has accepted its sender and
recipients, just before the DATA command, and SENT (synced) after the server's 250. A run that
dies in between leaves it SENDING: the next deliverer cannot know whether the server kept it,
so it marks it UNCERTAIN, writes it as a draft for HR to check, and never sends it by itself.
A refusal (5xx) fails it for good with the server's reason; anything else (server down, a
timeout, 4xx) is tried again later, with a doubling wait, at most ``courriel.essais_max`` times.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..files import FILE_MODE, create_atomically, make_dirs, remove_leftover_temporaries, unique_path
from ..journal import DRAFTED, FAILED, QUEUED, SENDING, SENT, UNCERTAIN, Journal, MessageRow, now
from ..naming import MAIL_FOLDER, MAIL_LOCK_NAME, NAME_BUDGET, safe_filename, shorten_name
from ..campaign import MESSAGE_KIND_WORDS
from .messages import address_of, draft_bytes

log = logging.getLogger("entretiens")

FIRST_RETRY_S, LONGEST_WAIT_S = 60, 6 * 3600  # 1 min, 2, 4... at most 6 h between two tries


@dataclass
class Delivery:
    """What one delivery did: message ids per result, and the French problems met."""

    sent: list[str] = field(default_factory=list)
    drafted: list[str] = field(default_factory=list)
    retried: list[str] = field(default_factory=list)  # failed for now, tried again later
    failed: list[str] = field(default_factory=list)  # failed for good
    uncertain: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
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


def deliver(config: Config, journal: Journal, *, at: dt.datetime | None = None) -> Delivery:
    """Deliver every queued message that is due at ``at`` (now by default), after marking as
    UNCERTAIN those a dead run left SENDING. Never raises for a mail problem: it is recorded on
    the message and said in ``Delivery.problems``."""
    at = at or dt.datetime.now().astimezone()
    result = Delivery()
    lock = MailLock(config.state_dir)
    if not lock.acquire():
        result.busy = True
        return result
    try:
        remove_leftover_temporaries(config.outbox / MAIL_FOLDER)  # a draft a dead run was writing
        for message in journal.messages(SENDING):
            _uncertain(config, journal, message, result)
        due = [m for m in journal.messages(QUEUED)
               if not m.next_attempt or dt.datetime.fromisoformat(m.next_attempt) <= at]
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
        _failed_for_now(config, journal, message, f"brouillon impossible à écrire : {exc.strerror or exc}",
                        dt.datetime.now().astimezone(), result)
        return
    journal.set_message(message.message_id, DRAFTED, durable=True, draft=str(path), sent_at=now())
    result.drafted.append(message.message_id)


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


class _Refused(Exception):
    """The server refused this message for good (5xx): the reason is the server's."""


class _Interrupted(Exception):
    """The connection failed while the message itself was being sent (left SENDING)."""


def _connect(config: Config) -> smtplib.SMTP:
    """A logged-in SMTP connection. Raises ``OSError`` / ``smtplib.SMTPException`` (tried again
    later) or :class:`_Refused` (a setting to fix: no password, authentication refused)."""
    smtp_settings = config.mail.smtp
    ca_file = config.path(smtp_settings.ca_file) if smtp_settings.ca_file else None
    try:
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise _Refused(f"le certificat de courriel.smtp.certificat_ac ne peut pas être lu ({ca_file} : "
                       f"{getattr(exc, 'strerror', None) or exc})") from None
    host, port, timeout = smtp_settings.host, smtp_settings.effective_port, smtp_settings.timeout
    try:
        if smtp_settings.security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
    except ssl.SSLError as exc:
        raise _Refused(_tls_failure(exc)) from None
    try:
        if smtp_settings.security == "starttls":
            try:
                server.starttls(context=context)
            except smtplib.SMTPNotSupportedError:
                raise _Refused("le serveur ne propose pas STARTTLS : choisissez courriel.smtp.securite: ssl "
                               "(port 465) ou, sur un réseau interne seulement, aucune") from None
            except ssl.SSLError as exc:
                raise _Refused(_tls_failure(exc)) from None
        if smtp_settings.username:
            password = os.environ.get(smtp_settings.password_variable)
            if password is None:
                raise _Refused(f"mot de passe absent : la variable d'environnement "
                               f"{smtp_settings.password_variable} n'est pas définie pour ce service")
            try:
                server.login(smtp_settings.username, password)
            except smtplib.SMTPAuthenticationError as exc:
                raise _Refused(f"identifiant ou mot de passe refusé par le serveur ({_reply(exc)})") from None
            except smtplib.SMTPNotSupportedError:
                raise _Refused("le serveur ne propose pas l'authentification"
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
        return f"{code} {text}".strip()
    if isinstance(exc, (socket.timeout, TimeoutError)) or "timed out" in str(exc):
        return "pas de réponse du serveur dans le délai (courriel.smtp.delai_s)"
    if isinstance(exc, ConnectionRefusedError):
        return "connexion refusée : le serveur n'écoute pas à cette adresse"
    if isinstance(exc, ssl.SSLError):
        return f"échec du chiffrement TLS ({exc.reason or exc})"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc) or exc.__class__.__name__


def _send_all(config: Config, journal: Journal, due: list[MessageRow], at: dt.datetime, result: Delivery) -> None:
    try:
        server = _connect(config)
    except _Refused as exc:
        result.problems.append(f"Courriels non envoyés : {exc}. Corrigez la section courriel.smtp de config.yaml.")
        for message in due:
            _failed_for_now(config, journal, message, str(exc), at, result, log_it=False)
        return
    except (OSError, smtplib.SMTPException) as exc:
        reason = _reply(exc)
        result.problems.append(f"Serveur d'envoi {config.mail.smtp.host} : {reason} ; "
                               f"{len(due)} message(s) en attente, nouvel essai plus tard.")
        for message in due:
            _failed_for_now(config, journal, message, reason, at, result, log_it=False)
        return
    try:
        for message in due:
            try:
                _send_one(config, journal, server, message)
            except _Refused as exc:
                journal.set_message(message.message_id, FAILED, durable=True, attempts=message.attempts + 1,
                                    error=str(exc))
                result.failed.append(message.message_id)
                result.problems.append(f"Message «\u202f{message.subject}\u202f» refusé pour {message.recipient} : "
                                       f"{exc}. Vérifiez l'adresse (colonne «\u202fcourriel évaluateur\u202f»).")
                continue
            except _Interrupted:
                _uncertain(config, journal, journal.message(message.message_id), result)
                for rest in due[due.index(message) + 1:]:
                    _failed_for_now(config, journal, rest, "connexion interrompue", at, result, log_it=False)
                return
            except (OSError, smtplib.SMTPException) as exc:
                _failed_for_now(config, journal, message, _reply(exc), at, result)
                # The connection is gone with it: the others wait for the next delivery.
                for rest in due[due.index(message) + 1:]:
                    _failed_for_now(config, journal, rest, _reply(exc), at, result, log_it=False)
                return
            result.sent.append(message.message_id)
    finally:
        _close(server)


def _send_one(config: Config, journal: Journal, server: smtplib.SMTP, message: MessageRow) -> None:
    sender = address_of(config.mail.sender)
    recipients = [message.recipient] + ([a] if (a := address_of(config.mail.hr_copy)) else [])
    server.ehlo_or_helo_if_needed()
    code, reply = server.mail(sender)
    if code != 250:
        _refused_or_later(server, code, reply)
    for recipient in recipients:
        code, reply = server.rcpt(recipient)
        if code not in (250, 251):
            _refused_or_later(server, code, reply)
    # From here on the server may keep the message: recorded first, so a death is never a resend.
    journal.set_message(message.message_id, SENDING, durable=True, attempts=message.attempts + 1)
    try:
        code, reply = server.data(journal.message_bytes(message.message_id))
    except smtplib.SMTPResponseException as exc:  # DATA itself refused: nothing was sent
        code, reply = exc.smtp_code, exc.smtp_error
    except (OSError, smtplib.SMTPException):
        raise _Interrupted from None  # cut off mid-message: the server may have kept it
    if code != 250:
        journal.set_message(message.message_id, QUEUED, durable=True)
        _refused_or_later(server, code, reply)
    journal.set_message(message.message_id, SENT, durable=True, sent_at=now(), error=None)


def _refused_or_later(server: smtplib.SMTP, code: int, reply: bytes) -> None:
    server.rset()
    text = f"{code} {reply.decode('utf-8', 'replace')}".strip()
    if 500 <= code < 600:
        raise _Refused(text)
    raise smtplib.SMTPResponseException(code, reply)


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
