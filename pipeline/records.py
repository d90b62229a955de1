"""What the journal keeps of a received file, as types: the only module that knows its JSON keys.

    ReportContent      a report read: single fields, table rows, dates, the form's version
    SignedCopyContent  a PDF filed as a signed copy: its pages, the reports found in it (one
                       SignedCopy each), its electronic signatures (PdfSignature)

The journal's ``files.content`` column holds one of them as JSON (French keys, as ``entretiens
verifier --json`` shows a report); :meth:`pipeline.journal.FileRow.report` and
:meth:`~pipeline.journal.FileRow.signed` give them back typed. Everything that reads a stored
file goes through these types; the keys below are written nowhere else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .naming import report_id

if TYPE_CHECKING:
    from .read import Report

# A report's content.
FIELDS, TABLES, DATES, FORM_VERSION = "champs", "tableaux", "dates", "version_formulaire"
IDENTIFIED_BY = "identifie_par"  # how the report was matched to its agent (pipeline.read's BY_*)
# A signed copy's content: its page count, the reports found in it, its electronic signatures.
PAGES, COPIES, SIGNATURES = "pages", "exemplaires_signes", "signatures"
# One report found in a signed copy (SignedCopy).
COPY_ID, COPY_CAMPAIGN, COPY_AGENT, COPY_PAGES = "identifiant", "campagne", "matricule", "pages"
COPY_FOUND_BY, COPY_PAGE, COPY_PATH = "trouve_par", "page", "chemin"
# One electronic signature (PdfSignature).
SIGNER, INTACT, WHOLE_FILE = "signataire", "intacte", "couvre_tout_le_fichier"

Value = str | bool


@dataclass(frozen=True, slots=True)
class ReportContent:
    """What was read of a report: ``fields`` (key -> text, or bool for a check box; "" when
    empty), ``tables`` (key -> rows that hold something, column key -> text), ``dates`` (key ->
    the date read, ``None`` when empty or unreadable), ``form_version`` (« CR-0a1b2c3d4e »),
    ``identified_by`` (how it was matched to its agent: « identifiant », « nom_prenom »...)."""

    fields: dict[str, Value] = field(default_factory=dict)
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    dates: dict[str, dt.date | None] = field(default_factory=dict)
    form_version: str | None = None
    identified_by: str | None = None

    @classmethod
    def of_report(cls, report: Report) -> "ReportContent":
        return cls(fields=report.values, tables=report.tables, dates=dict(report.dates),
                   form_version=report.template_version, identified_by=report.identified_by)

    @classmethod
    def from_json(cls, data: dict) -> "ReportContent":
        known = _DAYS.get  # a campaign's reports share a few hundred days: each read once
        return cls(data.get(FIELDS) or {}, data.get(TABLES) or {},
                   {k: (known(v) or _day(v)) if v else None for k, v in (data.get(DATES) or {}).items()},
                   data.get(FORM_VERSION), data.get(IDENTIFIED_BY))

    def as_json(self) -> dict:
        return {FIELDS: self.fields, TABLES: self.tables,
                DATES: {k: v.isoformat() if v else None for k, v in self.dates.items()},
                FORM_VERSION: self.form_version, IDENTIFIED_BY: self.identified_by}

    def facts(self) -> "ReportContent":
        """What a campaign's overview reads of the report (pipeline.campaign): the fields of
        :func:`fact_fields` and every date, not its long texts nor its tables. The journal keeps it
        beside the content (table ``file_facts``), small: ``etat`` reads it for 100,000 reports."""
        return ReportContent(fields={k: self.fields[k] for k in fact_fields() if k in self.fields},
                             dates=dict(self.dates), form_version=self.form_version,
                             identified_by=self.identified_by)

    def text(self, key: str) -> str:
        """A single field's text, stripped; "" when empty, absent or a check box."""
        value = self.fields.get(key)
        return value.strip() if isinstance(value, str) else ""

    def rows(self, key: str) -> list[dict[str, str]]:
        return self.tables.get(key) or []

    @property
    def person(self) -> str:
        """``Élodie MARTIN``: the agent as the report names them ("" when it does not)."""
        from .catalogue import FIRST_NAME, LAST_NAME  # pydantic: not for a process that only reads the journal

        return " ".join(v for v in (self.text(FIRST_NAME), self.text(LAST_NAME).upper()) if v)

    @property
    def agent_number(self) -> str:
        from .catalogue import AGENT_NUMBER

        return self.text(AGENT_NUMBER)


def roster_first(listed: Mapping[str, str] | None, reported: Mapping[str, str], keys: Iterable[str]) -> dict[str, str]:
    """The one rule for an agent's identity (names, service, grade, evaluator) in every output that
    shows it (``etat``, the tracking workbook, the training plan): the roster's value when the
    roster lists the agent and gives it, else the report's; the same person is written the same
    way everywhere («\u202fÖztürk\u202f» from the roster, not «\u202fÖZTÜRK\u202f» as one manager typed
    it). Sentences and file names then write the last name in capitals («\u202fMoussa ÖZTÜRK\u202f»).
    Keys neither gives are left out."""
    values = listed or {}
    return {k: v for k in keys if (v := values.get(k, "") or reported.get(k, ""))}


_DAYS: dict[str, dt.date] = {}  # ISO text -> its date, as stored contents spell them


def _day(text: str) -> dt.date:
    """The date of a stored ISO day, read once (:data:`_DAYS`: a few thousand at most in a
    journal's life; emptied past 100,000 all the same)."""
    day = dt.date.fromisoformat(text)
    if len(_DAYS) >= 100_000:
        _DAYS.clear()
    _DAYS[text] = day
    return day


def fact_fields() -> tuple[str, ...]:
    """The fields of :meth:`ReportContent.facts`: the agent's identity (as the campaign view shows
    it when the roster does not), and how the final stage was reached."""
    from . import catalogue as cat  # pydantic: not for a process that only reads the journal

    return (cat.AGENT_NUMBER, cat.LAST_NAME, cat.FIRST_NAME, cat.SERVICE, cat.GRADE, cat.EVALUATOR,
            cat.REFUSED_TO_SIGN, cat.NOTIFICATION_MODE)


@dataclass(frozen=True, slots=True)
class PdfSignature:
    """An electronic (PAdES) signature found in a PDF."""

    signer: str  # the signing certificate's common name (else its whole subject)
    intact: bool  # the bytes it signed are unchanged and the signature matches them
    whole_file: bool  # it covers the whole file: nothing was added after it

    def as_json(self) -> dict:
        return {SIGNER: self.signer, INTACT: self.intact, WHOLE_FILE: self.whole_file}

    @classmethod
    def from_json(cls, data: dict) -> "PdfSignature":
        return cls(signer=data[SIGNER], intact=data[INTACT], whole_file=data[WHOLE_FILE])


@dataclass(slots=True)
class SignedCopy:
    """One report found in a PDF: its pages (1-based, in order), how and where it was matched."""

    campaign: str
    agent_number: str
    version: str | None
    pages: list[int]
    found_by: str  # signed_copies.BY_CODE or BY_TEXT
    page: int  # the first page it was matched on
    path: str | None = None  # where its copy is filed (planned by process.py)

    @property
    def report_id(self) -> str:
        return report_id(self.campaign, self.agent_number)

    def as_json(self) -> dict:
        return {COPY_ID: self.report_id, COPY_CAMPAIGN: self.campaign, COPY_AGENT: self.agent_number,
                FORM_VERSION: self.version, COPY_PAGES: self.pages, COPY_FOUND_BY: self.found_by,
                COPY_PAGE: self.page, COPY_PATH: self.path}

    @classmethod
    def from_json(cls, data: dict) -> "SignedCopy":
        return cls(campaign=data[COPY_CAMPAIGN], agent_number=data[COPY_AGENT], version=data.get(FORM_VERSION),
                   pages=list(data[COPY_PAGES]), found_by=data[COPY_FOUND_BY], page=data[COPY_PAGE],
                   path=data.get(COPY_PATH))


@dataclass(frozen=True, slots=True)
class SignedCopyContent:
    """What was found in a PDF filed as a signed copy: ``page_count``, the reports its pages name
    (one for a single report's scan, several for a batch scan), its electronic signatures."""

    page_count: int
    copies: tuple[SignedCopy, ...] = ()
    signatures: tuple[PdfSignature, ...] = ()

    @property
    def is_batch(self) -> bool:
        return len(self.copies) > 1

    @classmethod
    def from_json(cls, data: dict) -> "SignedCopyContent":
        copies = tuple(SignedCopy.from_json(c) for c in data.get(COPIES) or [])
        return cls(page_count=data.get(PAGES) or sum(len(c.pages) for c in copies), copies=copies,
                   signatures=tuple(PdfSignature.from_json(s) for s in data.get(SIGNATURES) or []))

    def as_json(self) -> dict:
        return {PAGES: self.page_count, COPIES: [c.as_json() for c in self.copies],
                SIGNATURES: [s.as_json() for s in self.signatures]}

    def split_parts(self, destination: str | None) -> dict[str, list[int]]:
        """A batch scan's PDFs made of it: each report's copy and its pages (none for a PDF of
        one report, filed whole at ``destination``)."""
        return {c.path: c.pages for c in self.copies if c.path and c.path != destination}


def is_signed_copy_content(data: dict) -> bool:
    """Whether stored content is a signed copy's (else a report's)."""
    return COPIES in data
