"""The calendar invitation of a review (iCalendar, RFC 5545 and its scheduling part iTIP, RFC 5546),
made with the icalendar library; the only module that knows the format.

An event is an interview in Europe/Paris (its VTIMEZONE included, over the years around it, so
that a calendar places 9:30 at 9:30 whichever side of a change of time the day is), organised by
the HR sender, the agent and the evaluator attending. ``METHOD:REQUEST`` invites, and updates
when sent again with the same UID and a higher SEQUENCE; ``METHOD:CANCEL`` with the same UID
removes it from the calendars.

Times are read as HR types them in the roster's «\u202fheure\u202f» column: «\u202f09:30\u202f», «\u202f9h30\u202f»,
«\u202f9 h\u202f», «\u202f14H00\u202f», and a range «\u202f9h30-10h30\u202f» or «\u202f9h30 à 10h30\u202f» that gives the end.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..journal import CANCEL, REQUEST

TIME_ZONE = "Europe/Paris"
PRODUCT = "-//entretiens//Convocation à l'entretien professionnel//FR"
_CLOCK = r"(\d{1,2})\s*(?:[h:.]\s*(\d{2})?)?(?::\d{2})?"
_TIME = re.compile(rf"^\s*{_CLOCK}\s*(?:(?:-|–|—|à|a)\s*{_CLOCK}\s*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Slot:
    """When an interview starts and ends, local time (Europe/Paris)."""

    start: dt.datetime
    end: dt.datetime

    @property
    def start_text(self) -> str:
        return self.start.strftime("%H:%M")

    @property
    def end_text(self) -> str:
        return self.end.strftime("%H:%M")


def read_time(text: str) -> tuple[dt.time, dt.time | None] | None:
    """The start (and end, for a range) of «\u202f9h30\u202f», «\u202f09:30\u202f», «\u202f9h30-10h30\u202f»;
    ``None`` when ``text`` is not a time of day."""
    found = _TIME.match(text or "")
    if not found:
        return None
    try:
        start = dt.time(int(found[1]), int(found[2] or 0))
        end = dt.time(int(found[3]), int(found[4] or 0)) if found[3] else None
    except ValueError:  # 25h, 9h75
        return None
    if end is not None and end <= start:
        return None
    return start, end


def slot(day: dt.date, start: dt.time, end: dt.time | None, minutes: int) -> Slot:
    """The interview on ``day`` from ``start`` to ``end`` (else ``minutes`` later), in Europe/Paris."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(TIME_ZONE)
    begins = dt.datetime.combine(day, start, tzinfo=zone)
    ends = dt.datetime.combine(day, end, tzinfo=zone) if end else begins + dt.timedelta(minutes=minutes)
    return Slot(begins, ends)


@dataclass(frozen=True)
class Attendee:
    name: str
    address: str


def invitation_ics(*, method: str, uid: str, sequence: int, slot: Slot, summary: str, description: str,
                   place: str, organizer: Attendee, attendees: list[Attendee], stamp: dt.datetime) -> bytes:
    """The ``VCALENDAR`` of one interview: ``method`` :data:`~pipeline.journal.REQUEST` (an invitation,
    or its update with a higher ``sequence``) or :data:`~pipeline.journal.CANCEL` (the event
    cancelled). CRLF line ends, UTF-8."""
    from icalendar import Calendar, Event, Timezone, vText

    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(Timezone.from_tzid(TIME_ZONE, first_date=dt.date(slot.start.year - 1, 1, 1),
                                              last_date=dt.date(slot.start.year + 1, 12, 31)))
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp.astimezone(dt.timezone.utc))
    event.add("dtstart", slot.start)
    event.add("dtend", slot.end)
    event.add("summary", summary)
    event.add("description", description)
    if place:
        event.add("location", vText(place))
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(organizer, role=None))
    for attendee in attendees:
        event.add("attendee", _address(attendee, role="REQ-PARTICIPANT"))
    calendar.add_component(event)
    return calendar.to_ical()


def _address(person: Attendee, *, role: str | None):
    from icalendar import vCalAddress

    address = vCalAddress(f"mailto:{person.address}")
    if person.name:
        address.params["cn"] = person.name
    if role:
        address.params["role"] = role
        address.params["partstat"] = "NEEDS-ACTION"
        address.params["rsvp"] = "FALSE"
    return address


__all__ = ["CANCEL", "REQUEST", "Attendee", "Slot", "invitation_ics", "read_time", "slot"]
