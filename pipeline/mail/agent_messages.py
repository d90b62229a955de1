"""What the messages to agents say: the campaign's announcement (its subject and text from
``annonce``, French defaults in pipeline.config) and the invitation to the review, its update and
its cancellation, each with its calendar invitation (:mod:`.calendar`).

As every message of the product (:mod:`.messages`), each is composed once, when it is queued, with a
stable Message-ID, and its bytes are kept in the journal: what is drafted or sent later is exactly
what was recorded. Names and file names go into headers only through
:func:`~.addresses.header_text`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..civility import Addressee
from ..config import Config
from ..journal import ANNOUNCEMENT, CANCEL, INVITATION_CANCEL, INVITATION_UPDATE
from ..text import long_date, of
from .addresses import FILE_NAME_LIMIT, NAME_LIMIT, header_text, split_joined
from .attachments import Attachment
from .calendar import Attendee, Slot, invitation_ics
from .messages import Composed, _message, _signature, address_of, message_id

ICS_NAME = "invitation.ics"  # the calendar invitation, also as an attachment (a client that ignores the inline part)


def _attach(message, documents: list[Attachment]) -> None:
    for document in documents:
        main, sub = document.mime
        message.add_attachment(document.data, maintype=main, subtype=sub,
                               filename=header_text(document.name, FILE_NAME_LIMIT))


# -- the announcement ------------------------------------------------------------------------------


def announcement_words(config: Config, evaluator: Addressee) -> dict[str, str]:
    """What the announcement's «\u202f{names}\u202f» become for one agent (pipeline.config.ANNOUNCEMENT_NAMES)."""
    return {
        "campagne": config.campaign.key,
        "date_limite": long_date(config.campaign.review_deadline),
        "evaluateur": evaluator.titled or "votre responsable hiérarchique",
        "jours_convocation": str(config.delay_rules().invitation_min_days),
        "service_rh": config.hr.name,
    }


def announcement_message(config: Config, *, key: str, agent: Addressee, address: str, evaluator: Addressee,
                         documents: list[Attachment], when: dt.datetime) -> Composed:
    """The campaign's announcement to one agent: ``annonce.objet`` and ``annonce.texte`` with the
    agent's words filled in, greeted by their civility, the campaign's documents attached."""
    words = announcement_words(config, evaluator)
    subject = config.announcement.subject.format(**words)
    body = "\n".join([agent.greeting, "", config.announcement.text.format(**words).strip(), *_signature(config)])
    mid = message_id(ANNOUNCEMENT, key, config.mail.sender)
    message = _message(config, mid=mid, to_name=header_text(agent.name, NAME_LIMIT), to_address=address,
                       subject=subject, body=body, when=when)
    _attach(message, documents)
    return Composed(mid, ANNOUNCEMENT, address, str(message["Subject"]), message.as_bytes())


# -- invitations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interview:
    """An interview as an invitation says it: its day, slot and place (``""``: not given)."""

    day: dt.date
    slot: Slot
    place: str

    def said(self) -> str:
        """«\u202fle jeudi 14 décembre 2026 de 09:30 à 10:30, lieu : Bureau 12\u202f»."""
        where = f", lieu : {self.place}" if self.place else ""
        return f"le {long_date(self.day)} de {self.slot.start_text} à {self.slot.end_text}{where}"


def _superior(evaluator: Addressee) -> str:
    """«\u202fvotre supérieure hiérarchique directe, Mme Céline Roux\u202f», «\u202fCéline Roux, votre responsable
    hiérarchique\u202f» (the invitation letter's words, pipeline.generate)."""
    role = evaluator.word("votre supérieur hiérarchique direct", "votre supérieure hiérarchique directe",
                          "votre responsable hiérarchique")
    if evaluator.civility:
        return f"{role}, {evaluator.titled}"
    return ", ".join(filter(None, (evaluator.name, role)))


def invitation_message(config: Config, *, kind: str, method: str, uid: str, sequence: int, agent: Addressee,
                       address: str, evaluator: Addressee, copy: str, interview: Interview,
                       previous: Interview | None, documents: list[Attachment], job_description: bool = False,
                       when: dt.datetime) -> Composed:
    """An invitation to the review (``kind`` INVITATION), its update (INVITATION_UPDATE: ``previous``
    is what the last one said) or its cancellation (INVITATION_CANCEL, ``method`` CANCEL), to the
    agent (``address``), the evaluator in copy (``copy``), with the calendar invitation inline and
    attached, and ``documents`` (the letter, the pre-filled report, the job description when
    ``job_description``)."""
    campaign = config.campaign.key
    agent_name = header_text(agent.name, NAME_LIMIT)
    evaluator_name = header_text(evaluator.titled, NAME_LIMIT)
    with_whom = f" avec {_superior(evaluator)}," if evaluator.name else ""
    at = f"{long_date(interview.day)} à {interview.slot.start_text}"
    if kind == INVITATION_CANCEL:
        subject = f"Annulation de votre convocation à l'entretien professionnel {campaign} du {at}"
        lines = [f"Votre entretien professionnel {campaign}{with_whom or ','} prévu {interview.said()}, est annulé. "
                 "L'invitation jointe le retire de votre agenda"
                 + (f" et de celui {of(evaluator_name)}, en copie." if copy and evaluator_name else ".")]
    else:
        documents_said = ("Vous trouverez ci-joints votre convocation, le compte rendu d'entretien pré-rempli qui "
                          "servira de support à l'échange" + (" et votre fiche de poste" if job_description else "")
                          + ".")
        if kind == INVITATION_UPDATE and previous is not None:
            subject = f"Modification de votre convocation à l'entretien professionnel {campaign} : {at}"
            lines = [f"Votre entretien professionnel {campaign}{with_whom} est modifié : il aura lieu "
                     f"{interview.said()}, au lieu du {long_date(previous.day)} à {previous.slot.start_text}"
                     + (f" ({previous.place})" if previous.place and previous.place != interview.place else "")
                     + ".", "", documents_said.replace("votre convocation", "votre convocation mise à jour")
                     + " L'invitation jointe met l'entretien à jour dans votre agenda."]
        else:
            subject = f"Convocation à votre entretien professionnel {campaign} : {at}"
            lines = [f"Votre entretien professionnel {campaign}{with_whom} aura lieu {interview.said()}.", "",
                     documents_said + " L'invitation jointe inscrit l'entretien dans votre agenda."]
        if copy and evaluator_name:
            lines[-1] += f" {evaluator_name} la reçoit en copie."
        lines += ["", "Si cette date ne vous convient pas, prenez contact au plus vite avec "
                      + (evaluator_name or "votre responsable hiérarchique") + "."]
    body = "\n".join([agent.greeting, "", *lines, *_signature(config)])
    summary = f"Entretien professionnel {campaign} – {agent_name}" + (f" avec {evaluator_name}" if evaluator_name else "")
    description = (f"Entretien professionnel {campaign} {of(agent_name)}"
                   + (f" avec {evaluator_name}" if evaluator_name else "") + f". Convocation du service : {config.hr.name}.")
    organizer = Attendee(header_text(config.hr.name, NAME_LIMIT), address_of(config.mail.sender))
    attendees = [*(Attendee(agent_name, a) for a in split_joined(address)),
                 *(Attendee(evaluator_name, a) for a in split_joined(copy))]
    ics = invitation_ics(method=method, uid=uid, sequence=sequence, slot=interview.slot, summary=summary,
                         description=description, place=interview.place, organizer=organizer,
                         attendees=attendees, stamp=when)
    mid = message_id(kind, f"{uid}|{sequence}", config.mail.sender)
    message = _message(config, mid=mid, to_name=agent_name, to_address=address, subject=subject, body=body,
                       when=when, copy=copy)
    message.add_alternative(ics.decode("utf-8"), subtype="calendar", params={"method": method})
    _attach(message, documents)
    message.add_attachment(ics, maintype="application", subtype="ics", filename=ICS_NAME)
    return Composed(mid, kind, address, str(message["Subject"]), message.as_bytes())


__all__ = ["CANCEL", "Interview", "announcement_message", "invitation_message"]
