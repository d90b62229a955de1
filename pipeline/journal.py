"""The journal: one SQLite file in the state directory.

Every file received (checksum, original name, times), what was read, the
findings, the outcome, the destination and every move. The workbooks and
``etat`` are rebuilt from it. It lives on a local disk: SQLite locking is
unreliable on network file systems (see :func:`warn_if_network_fs`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import json
import logging
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .files import make_dirs
from .naming import JOURNAL_NAME
from .outcomes import JournalUnavailable, Outcome
from .records import COPIES, COPY_PATH, PdfSignature, ReportContent, SignedCopyContent, is_signed_copy_content

log = logging.getLogger("entretiens")

# A file's progress through a pass (files.status): claimed, then planned (outcome and
# destination recorded), then done (placed and synced). Only this module writes them.
CLAIMED, PLANNED, DONE = "claimed", "planned", "done"
# A message's progress (messages.status): queued, then, over SMTP, sending (recorded before the
# DATA command) and sent; or drafted (an .eml file for HR); failed for good (a refusal, or every
# try spent); uncertain: a run died while it was being sent, so it is never sent again by itself;
# cancelled: a reminder not sent yet whose step moved meanwhile (pipeline.mail.reminders), never sent;
# obsolete: a rejection note queued or written as a draft whose file is no longer the agent's pending
# rejection (accepted since, or superseded by a later file and its note): never sent, its draft moved
# to the agent's history (pipeline.mail.delivery).
QUEUED, SENDING, SENT, DRAFTED, FAILED, UNCERTAIN = "queued", "sending", "sent", "drafted", "failed", "uncertain"
CANCELLED, OBSOLETE = "cancelled", "obsolete"
# A message's kind (messages.kind): a rejected file's note to its evaluator, or a reminder.
REJECTION_NOTE, REMINDER = "note_de_rejet", "relance"
# Messages to agents (pipeline.mail.announcement, pipeline.mail.invitations): the campaign's
# announcement; an invitation to the review, its update (a new date, time or place, or an address
# corrected) and its cancellation (the agent's row removed from the roster).
ANNOUNCEMENT = "annonce"
INVITATION, INVITATION_UPDATE, INVITATION_CANCEL = "convocation", "convocation_modifiee", "convocation_annulee"
# What an invitation's last message asked of the calendars (invitations.method, iCalendar's METHOD).
REQUEST, CANCEL = "REQUEST", "CANCEL"
# Reminders to the others a step waits for (pipeline.mail.reminders): the agent (their observations),
# the authority (its visas), the evaluator's own manager (N+2: a step still not done after a reminder).
AGENT_REMINDER, AUTHORITY_REMINDER, MANAGER_REMINDER = "relance_agent", "relance_autorite", "relance_n2"
REMINDER_KINDS = (REMINDER, AGENT_REMINDER, AUTHORITY_REMINDER, MANAGER_REMINDER)

NETWORK_FS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "9p", "afs", "ncpfs", "davfs"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    id            INTEGER PRIMARY KEY,
    work_name     TEXT NOT NULL UNIQUE,   -- name in the work area: the claim
    original_name TEXT NOT NULL,
    checksum      TEXT,
    size          INTEGER,
    received_at   TEXT NOT NULL,
    status        TEXT NOT NULL,          -- CLAIMED | PLANNED | DONE
    outcome       TEXT,                   -- pipeline.outcomes.Outcome
    reason_code   TEXT,
    destination   TEXT,                   -- planned, then final place of the file
    note          TEXT,                   -- the note written beside it, if any
    previous_move TEXT,                   -- JSON [from, to] of the version it replaces
    report_id     TEXT,
    campaign      TEXT,
    agent_number  TEXT,
    stage         INTEGER,
    content       TEXT,                   -- JSON: what was read
    findings      TEXT,                   -- JSON list
    duplicate_of  INTEGER,
    finished_at   TEXT,
    interrupted   INTEGER NOT NULL DEFAULT 0, -- runs that died while this file was being read
    reexamination_of INTEGER                  -- the same received file, turned away before, examined again
);
CREATE INDEX IF NOT EXISTS files_checksum ON files(checksum);
CREATE INDEX IF NOT EXISTS files_report ON files(report_id);
CREATE INDEX IF NOT EXISTS files_destination ON files(destination);
CREATE TABLE IF NOT EXISTS reports (
    report_id     TEXT PRIMARY KEY,
    campaign      TEXT NOT NULL,
    agent_number  TEXT NOT NULL,
    file_id       INTEGER NOT NULL REFERENCES files(id),   -- newest accepted version
    stage         INTEGER NOT NULL,
    location      TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id            INTEGER PRIMARY KEY,
    message_id    TEXT NOT NULL UNIQUE,   -- the Message-ID header: stable, so never sent twice
    kind          TEXT NOT NULL,          -- REJECTION_NOTE | REMINDER
    file_id       INTEGER REFERENCES files(id),  -- the rejected file a note is about
    campaign      TEXT,
    agents        TEXT NOT NULL,          -- JSON list of the agent numbers it is about
    recipient     TEXT NOT NULL,          -- the evaluator's addresses, joined by ", "
    subject       TEXT NOT NULL,
    raw           BLOB NOT NULL,          -- the message as sent, bytes
    status        TEXT NOT NULL,          -- QUEUED | SENDING | SENT | DRAFTED | FAILED | UNCERTAIN | CANCELLED | OBSOLETE
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  TEXT,                   -- not before (after a failure: the backoff)
    error         TEXT,                   -- the server's reason of the last failure
    draft         TEXT,                   -- the .eml file written (brouillon, or an uncertain sending)
    created_at    TEXT NOT NULL,
    sent_at       TEXT,                   -- sent, or written as a draft
    copies        TEXT                    -- addresses in copy, joined by ", " (a refusal never fails the message)
);
CREATE INDEX IF NOT EXISTS messages_file ON messages(file_id);
CREATE INDEX IF NOT EXISTS messages_recipient ON messages(recipient, kind);
CREATE TABLE IF NOT EXISTS reminder_items (
    message_id    TEXT NOT NULL,          -- messages.message_id of the reminder
    agent_number  TEXT NOT NULL,          -- an agent it is about
    party         TEXT NOT NULL,          -- whom it reminds: évaluateur, agent, autorité, N+2
    step          TEXT NOT NULL,          -- what it waits for (pipeline.campaign.Chase.step)
    PRIMARY KEY (message_id, agent_number)
);
CREATE INDEX IF NOT EXISTS reminder_items_agent ON reminder_items(agent_number);
CREATE TABLE IF NOT EXISTS invitations (
    campaign      TEXT NOT NULL,
    agent_number  TEXT NOT NULL,
    uid           TEXT NOT NULL,          -- the calendar event's UID: its updates and cancellation keep it
    sequence      INTEGER NOT NULL,       -- the SEQUENCE of the last message: 0, then one more per change
    method        TEXT NOT NULL,          -- REQUEST | CANCEL: what the last message asked of the calendars
    said          TEXT NOT NULL,          -- JSON: what the last message said (date, times, place, recipients)
    message_id    TEXT NOT NULL,          -- the last message (messages.message_id), queued with this row
    dated_by      TEXT NOT NULL,          -- the message that gave the interview its current date
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (campaign, agent_number)
);
CREATE TABLE IF NOT EXISTS moves (
    id        INTEGER PRIMARY KEY,
    file_id   INTEGER REFERENCES files(id),
    source    TEXT NOT NULL,
    target    TEXT NOT NULL,
    reason    TEXT NOT NULL,
    at        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS file_facts (
    file_id   INTEGER PRIMARY KEY REFERENCES files(id),
    facts     TEXT NOT NULL           -- JSON: records.ReportContent.facts() of files.content
);
CREATE TABLE IF NOT EXISTS changes (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    n         INTEGER NOT NULL        -- one more for each row any program writes in the other tables
);
"""
# The tables whose every change counts (Journal.fingerprint): what anything shown is made of.
COUNTED_TABLES = ("files", "reports", "messages", "reminder_items", "invitations", "moves", "file_facts")
# Made after the columns a journal from before them lacks are added (Journal._open). A campaign's
# overview (Journal.campaign_files, etat) reads the files of 100,000 agents from files_view alone,
# never the rows themselves (each holds the report read, several KB); the others find the few
# files a status needs (signed copies, rejections examined again) without reading every row.
INDEXES = """
CREATE INDEX IF NOT EXISTS files_view ON files(campaign, status, agent_number, id, outcome, received_at,
                                                original_name, reason_code, note, findings);
CREATE INDEX IF NOT EXISTS files_outcome ON files(outcome, status);
CREATE INDEX IF NOT EXISTS files_reexamination ON files(reexamination_of) WHERE reexamination_of IS NOT NULL;
""" + "".join(f"CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_counted AFTER {event} ON {table}"
              " BEGIN UPDATE changes SET n = n + 1; END;\n"
              for table in COUNTED_TABLES for event in ("INSERT", "UPDATE", "DELETE"))


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def filesystem_type(path: Path) -> str | None:
    """The mount's file system type (Linux /proc/mounts), or None when unknown."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    target = os.path.realpath(path)
    best, kind = "", None
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3:
            mount_point = parts[1].replace("\\040", " ")
            if (target == mount_point or target.startswith(mount_point.rstrip("/") + "/")) and len(mount_point) > len(best):
                best, kind = mount_point, parts[2]
    return kind


def warn_if_network_fs(folder: Path) -> bool:
    kind = filesystem_type(folder)
    if kind in NETWORK_FS:
        log.warning(
            "ATTENTION : le dossier d'état %s est sur un partage réseau (%s). Le journal SQLite doit "
            "être sur un disque local (clé dossiers.etat de config.yaml), sinon il peut être corrompu.",
            folder, kind,
        )
        return True
    return False


@dataclass
class FileRow:
    id: int
    work_name: str
    original_name: str
    checksum: str | None
    status: str
    outcome: Outcome | None
    destination: str | None
    note: str | None
    previous_move: list[str] | None
    report_id: str | None
    stage: int | None
    content: dict | None
    findings: list[dict]
    received_at: str
    reason_code: str | None
    campaign: str | None
    agent_number: str | None
    duplicate_of: int | None
    size: int | None = None
    reexamination_of: int | None = None
    interrupted: int = 0  # runs that died while this process read it (Processor._reading_here)

    @functools.cached_property
    def received_moment(self) -> dt.datetime:
        """When the pass took the file (the journal's claim), with its time zone."""
        return dt.datetime.fromisoformat(self.received_at)

    @property
    def received_day(self) -> dt.date:
        """The day the file was received: its dates may not be later, the rejection note's answer
        is due from it."""
        return self.received_moment.date()

    @functools.cached_property
    def report(self) -> ReportContent | None:
        """What was read of the report this file is, typed; ``None`` when nothing was read (an
        unreadable file, a duplicate) or the file is a signed copy."""
        if not self.content or is_signed_copy_content(self.content):
            return None
        return ReportContent.from_json(self.content)

    @functools.cached_property
    def signed(self) -> SignedCopyContent | None:
        """What was found in the signed copy (a PDF) this file is; ``None`` for any other file."""
        if self.outcome != Outcome.SIGNED_COPY or not self.content:
            return None
        return SignedCopyContent.from_json(self.content)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "FileRow":
        return cls(
            id=row["id"], work_name=row["work_name"], original_name=row["original_name"],
            checksum=row["checksum"], size=row["size"], status=row["status"], outcome=Outcome.of(row["outcome"]),
            destination=row["destination"], note=row["note"],
            previous_move=json.loads(row["previous_move"]) if row["previous_move"] else None,
            report_id=row["report_id"], stage=row["stage"],
            content=json.loads(row["content"]) if row["content"] else None,
            findings=json.loads(row["findings"]) if row["findings"] else [],
            received_at=row["received_at"], reason_code=row["reason_code"],
            campaign=row["campaign"], agent_number=row["agent_number"],
            duplicate_of=row["duplicate_of"], reexamination_of=row["reexamination_of"],
            interrupted=row["interrupted"],
        )


_CHUNK = 500  # ids per statement (SQLite's limit on parameters is 999 in older versions)


@dataclass(slots=True)
class FileSummary:
    """A finished file as a campaign's overview reads it (:meth:`Journal.campaign_files`): what
    :class:`FileRow` gives of it, its content aside: ``report`` holds only the report's facts
    (:meth:`~pipeline.records.ReportContent.facts`), ``None`` when nothing was read."""

    id: int
    agent_number: str
    outcome: Outcome | None
    received_at: str
    original_name: str
    reason_code: str | None
    note: str | None
    findings: list[dict]
    report: ReportContent | None

    @property
    def received_moment(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.received_at)

    @classmethod
    def of(cls, row: tuple, report: ReportContent | None) -> "FileSummary":
        file_id, agent, outcome, received_at, name, reason, note, findings = row
        return cls(file_id, agent, _OUTCOMES[outcome] if outcome is not None else None, received_at, name, reason,
                   note, json.loads(findings) if findings and findings != "[]" else [], report)


_OUTCOMES = {o.value: o for o in Outcome}  # Outcome(value), without the enum's lookup


@dataclass
class MessageRow:
    id: int
    message_id: str
    kind: str
    file_id: int | None
    campaign: str | None
    agents: list[str]
    recipient: str
    subject: str
    status: str
    attempts: int
    next_attempt: str | None
    error: str | None
    draft: str | None
    created_at: str
    sent_at: str | None
    copies: str = ""  # addresses in copy, joined by ", " (courtesy: a refusal never fails the message)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "MessageRow":
        return cls(id=row["id"], message_id=row["message_id"], kind=row["kind"], file_id=row["file_id"],
                   campaign=row["campaign"], agents=json.loads(row["agents"]), recipient=row["recipient"],
                   subject=row["subject"], status=row["status"], attempts=row["attempts"],
                   next_attempt=row["next_attempt"], error=row["error"], draft=row["draft"],
                   created_at=row["created_at"], sent_at=row["sent_at"], copies=row["copies"] or "")


_MESSAGE_COLUMNS = ("id, message_id, kind, file_id, campaign, agents, recipient, subject, status, attempts,"
                    " next_attempt, error, draft, created_at, sent_at, copies")


@dataclass(frozen=True)
class ReminderItem:
    """One agent of a reminder (table ``reminder_items``) with its message's recipient and state:
    whom it reminded (``party``), about what (``step``), when."""

    message_id: str
    kind: str
    agent_number: str
    party: str
    step: str
    recipient: str
    status: str
    created_at: str
    sent_at: str | None


@dataclass
class InvitationRow:
    """An agent's invitation by mail, as its last message left it (table ``invitations``):
    ``said`` is what that message said (pipeline.mail.invitations reads it)."""

    campaign: str
    agent_number: str
    uid: str
    sequence: int
    method: str  # REQUEST | CANCEL
    said: dict
    message_id: str
    dated_by: str
    updated_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "InvitationRow":
        return cls(campaign=row["campaign"], agent_number=row["agent_number"], uid=row["uid"],
                   sequence=row["sequence"], method=row["method"], said=json.loads(row["said"]),
                   message_id=row["message_id"], dated_by=row["dated_by"], updated_at=row["updated_at"])


@dataclass
class CurrentReport:
    report_id: str
    campaign: str
    agent_number: str
    stage: int
    location: str
    file: FileRow


@dataclass
class SignedCopyRecord:
    """One report's signed copy, as the journal recorded it (see :meth:`Journal.signed_copies`)."""

    report_id: str
    campaign: str
    agent_number: str
    path: str  # where the copy is now: the received PDF itself, or the PDF made of a batch's pages
    received_at: str  # ISO date and time the PDF was received
    received_day: dt.date  # the day it was received (FileRow.received_day)
    received_name: str  # the name it was dropped under
    checksum: str | None  # sha256 of the PDF as received (a batch's, for a copy split from one)
    pages: list[int]  # the received PDF's pages (1-based) this copy holds
    page_count: int  # pages of the received PDF
    found_by: str  # « code » (the QR code) or « texte » (the identifier in the page's text)
    page: int  # the page of the received PDF it was matched on
    form_version: str | None
    batch: str | None  # for a copy split from a batch scan: where the whole batch is kept
    file_id: int
    # The received PDF's electronic signatures (PAdES): who signed, intact, covering the whole file.
    signatures: list[PdfSignature] = field(default_factory=list)


# How long a statement waits for a lock another program holds on the journal, in seconds.
LOCK_WAIT_S = 30.0


def unavailable(exc: sqlite3.Error | OSError, path: Path) -> JournalUnavailable:
    """The French reason a journal error stops the run (locked, damaged, disk full...)."""
    detail = str(exc) if isinstance(exc, sqlite3.Error) else (exc.strerror or str(exc))
    text = detail.lower()
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "full" in text:
        variant = "full"
    elif "locked" in text or "busy" in text:
        variant = "locked"
    elif isinstance(exc, sqlite3.DatabaseError) and ("malformed" in text or "not a database" in text
                                                     or "corrupt" in text):
        variant = "damaged"
    else:
        variant = ""
    return JournalUnavailable.because(variant, path=path, folder=path.parent, detail=detail,
                                      seconds=f"{LOCK_WAIT_S:g}")


class _Connection(sqlite3.Connection):
    """Errors of the journal's file (locked, damaged, disk full) become a
    :class:`JournalUnavailable` in French; errors of our own statements stay what they are."""

    journal_path: Path

    def _translated(self, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
            raise
        except sqlite3.DatabaseError as exc:  # OperationalError among them
            raise unavailable(exc, self.journal_path) from exc

    def execute(self, *args, **kwargs):
        return self._translated(super().execute, *args, **kwargs)

    def executemany(self, *args, **kwargs):
        return self._translated(super().executemany, *args, **kwargs)

    def executescript(self, *args, **kwargs):
        return self._translated(super().executescript, *args, **kwargs)

    def __exit__(self, *exc_info):
        return self._translated(super().__exit__, *exc_info)


class Journal:
    """The journal of a state dir. Raises :class:`~pipeline.outcomes.JournalUnavailable`
    (French, says what to do) when SQLite cannot open, read or write it."""

    def __init__(self, state_dir: Path):
        self.path = Path(state_dir) / JOURNAL_NAME
        try:
            make_dirs(state_dir)
            # Created 0640 before SQLite opens it: its -wal and -shm files copy this mode.
            os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o640))
            self.db = sqlite3.connect(self.path, timeout=LOCK_WAIT_S, isolation_level=None, factory=_Connection)
        except (OSError, sqlite3.Error) as exc:
            raise unavailable(exc, self.path) from exc
        self.db.journal_path = self.path
        self.db.row_factory = sqlite3.Row
        try:
            self._open()
        except BaseException:
            self.db.close()
            raise

    def _open(self) -> None:
        self.db.execute("PRAGMA journal_mode=WAL")
        # Committed transactions are never reordered in the WAL, and a synced commit carries the
        # earlier ones: only finish_all syncs (once per batch of files, see Processor.sync).
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        columns = {row["name"] for row in self.db.execute("PRAGMA table_info(files)")}
        if "interrupted" not in columns:  # a journal from before this column
            self.db.execute("ALTER TABLE files ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0")
        if "reexamination_of" not in columns:
            self.db.execute("ALTER TABLE files ADD COLUMN reexamination_of INTEGER")
        if "copies" not in {row["name"] for row in self.db.execute("PRAGMA table_info(messages)")}:
            self.db.execute("ALTER TABLE messages ADD COLUMN copies TEXT")  # a journal from before copies
        self.db.executescript(INDEXES)
        if self.db.execute("SELECT 1 FROM changes").fetchone() is None:
            self.db.execute("INSERT OR IGNORE INTO changes (id, n) VALUES (1, 0)")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------

    def claim(self, work_name: str, original_name: str, checksum: str, size: int, *,
              reexamination_of: int | None = None) -> FileRow:
        """Record a claimed file; claiming the same work name again returns the existing row.
        ``reexamination_of``: the row of the same received file, turned away, examined again."""
        self.db.execute(
            "INSERT OR IGNORE INTO files (work_name, original_name, checksum, size, received_at, status,"
            " reexamination_of) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (work_name, original_name, checksum, size, now(), CLAIMED, reexamination_of),
        )
        return self.file_by_work_name(work_name)

    def record_move(self, file_id: int, source: str, target: str, reason: str) -> None:
        """A move of a finished file (it left its place: examined again)."""
        with self._synchronous(True):
            self.db.execute("INSERT INTO moves (file_id, source, target, reason, at) VALUES (?, ?, ?, ?, ?)",
                            (file_id, source, target, reason, now()))

    def placed_file(self, path: str | Path) -> FileRow | None:
        """The finished file that is at ``path`` now (following its moves), if any."""
        path = str(path)
        for row in self.db.execute("SELECT * FROM files WHERE status=? AND destination=? ORDER BY id DESC",
                                   (DONE, path)).fetchall():
            found = FileRow.from_row(row)
            if self.where_now(found) == path:
                return found
        return None

    def file_with_note(self, path: str | Path) -> FileRow | None:
        """The finished file whose note was written at ``path``, the newest if several were."""
        row = self.db.execute("SELECT * FROM files WHERE status=? AND note=? ORDER BY id DESC LIMIT 1",
                              (DONE, str(path))).fetchone()
        return FileRow.from_row(row) if row else None

    def plan(self, file_id: int, *, outcome: str, reason_code: str | None, destination: str,
             note: str | None, previous_move: tuple[str, str] | None, report_id: str | None,
             campaign: str | None, agent_number: str | None, stage: int | None,
             content: ReportContent | SignedCopyContent | None, findings: list[dict], duplicate_of: int | None = None,
             durable: bool = False) -> None:
        """Record what will be done with a file: not synced (see :meth:`finish_all`), unless
        ``durable`` (the plan moves a file recovery could not put back: it must survive a
        power cut, and with it every commit before it)."""
        facts = content.facts() if isinstance(content, ReportContent) else None
        with self._synchronous(durable), self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "UPDATE files SET status=?, outcome=?, reason_code=?, destination=?, note=?,"
                " previous_move=?, report_id=?, campaign=?, agent_number=?, stage=?, content=?, findings=?,"
                " duplicate_of=? WHERE id=?",
                (PLANNED, outcome, reason_code, destination, note,
                 json.dumps(previous_move) if previous_move else None, report_id, campaign, agent_number,
                 stage, json.dumps(content.as_json(), ensure_ascii=False) if content is not None else None,
                 json.dumps(findings, ensure_ascii=False), duplicate_of, file_id),
            )
            if facts is None:
                self.db.execute("DELETE FROM file_facts WHERE file_id=?", (file_id,))
            else:
                self.db.execute("INSERT OR REPLACE INTO file_facts (file_id, facts) VALUES (?, ?)",
                                (file_id, json.dumps(facts.as_json(), ensure_ascii=False, separators=(",", ":"))))

    def count_interruption(self, file_id: int, change: int) -> None:
        """``+1`` just before this process reads a claimed file, ``-1`` once the reading ended
        (with a result, or an error that was handled): a count left above zero is a run that
        died reading it (memory exhausted, a crash). Committed at once (not synced: a process
        death keeps it)."""
        self.db.execute("UPDATE files SET interrupted = interrupted + ? WHERE id=?", (change, file_id))

    def move_plan(self, file_id: int, destination: str, note: str | None) -> None:
        """A planned file's destination (and note) changed before it was placed."""
        self.db.execute("UPDATE files SET destination=?, note=? WHERE id=? AND status=?",
                        (destination, note, file_id, PLANNED))

    def finish(self, row: FileRow, moves: list[tuple[str, str, str]] = ()) -> None:
        """:meth:`finish_all` for one file."""
        self.finish_all([(row, moves)])

    def finish_all(self, placed: list[tuple[FileRow, list[tuple[str, str, str]]]]) -> None:
        """Mark planned files done with their moves (source, target, reason) and make each
        accepted one its report's current version: one transaction, synced to disk before
        this returns. The WAL keeps commits in order, so the claims and plans committed
        before it (not synced) are on disk with it."""
        with self._synchronous(True), self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for row, moves in placed:
                self._finish(row, moves)

    @contextlib.contextmanager
    def _synchronous(self, durable: bool):
        """Commits in the block are synced to disk before they return when ``durable``."""
        if not durable:
            yield
            return
        self.db.execute("PRAGMA synchronous=FULL")
        try:
            yield
        finally:
            self.db.execute("PRAGMA synchronous=NORMAL")

    def _finish(self, row: FileRow, moves: list[tuple[str, str, str]]) -> None:
        self.db.executemany(
            "INSERT INTO moves (file_id, source, target, reason, at) VALUES (?, ?, ?, ?, ?)",
            [(row.id, source, target, reason, now()) for source, target, reason in moves])
        if row.outcome == Outcome.ACCEPTED:
            self.db.execute(
                "INSERT INTO reports (report_id, campaign, agent_number, file_id, stage, location, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(report_id) DO UPDATE SET"
                " file_id=excluded.file_id, stage=excluded.stage, location=excluded.location,"
                " updated_at=excluded.updated_at",
                (row.report_id, row.campaign, row.agent_number, row.id, row.stage,
                 row.destination, now()),
            )
        self.db.execute("UPDATE files SET status=?, finished_at=? WHERE id=?", (DONE, now(), row.id))

    # -- reading -----------------------------------------------------------------

    def file_by_work_name(self, work_name: str) -> FileRow | None:
        row = self.db.execute("SELECT * FROM files WHERE work_name=?", (work_name,)).fetchone()
        return FileRow.from_row(row) if row else None

    def file(self, file_id: int) -> FileRow | None:
        row = self.db.execute("SELECT * FROM files WHERE id=?", (file_id,)).fetchone()
        return FileRow.from_row(row) if row else None

    def unfinished(self) -> list[FileRow]:
        ids = [i for (i,) in self.db.execute("SELECT id FROM files INDEXED BY files_outcome WHERE status != ?",
                                             (DONE,))]
        return [self.file(i) for i in sorted(ids)]

    def done_with_checksum(self, checksum: str) -> FileRow | None:
        """The first finished file with these bytes (not itself a duplicate)."""
        row = self.db.execute(
            "SELECT * FROM files WHERE checksum=? AND status=? AND outcome != ?"
            " ORDER BY id LIMIT 1", (checksum, DONE, Outcome.DUPLICATE)).fetchone()
        return FileRow.from_row(row) if row else None

    def current(self, report_id: str) -> CurrentReport | None:
        row = self.db.execute("SELECT * FROM reports WHERE report_id=?", (report_id,)).fetchone()
        if not row:
            return None
        return CurrentReport(row["report_id"], row["campaign"], row["agent_number"], row["stage"],
                             row["location"], self.file(row["file_id"]))

    def current_reports(self, campaign: str | None = None) -> list[CurrentReport]:
        return list(self.iter_current_reports(campaign))

    def iter_current_reports(self, campaign: str | None = None):
        """Each report's newest accepted version, one at a time (a campaign's
        contents never all in memory at once)."""
        query = ("SELECT r.report_id AS r_id, r.campaign AS r_campaign, r.agent_number AS r_agent,"
                 " r.stage AS r_stage, r.location AS r_location, f.* FROM reports r"
                 " JOIN files f ON f.id = r.file_id"
                 + (" WHERE r.campaign=?" if campaign else "") + " ORDER BY r.report_id")
        for row in self.db.execute(query, (campaign,) if campaign else ()):
            yield CurrentReport(row["r_id"], row["r_campaign"], row["r_agent"], row["r_stage"],
                                row["r_location"], FileRow.from_row(row))

    def files(self) -> list[FileRow]:
        return list(self.iter_files())

    def iter_files(self):
        """Every file received, in order, one at a time."""
        for row in self.db.execute("SELECT * FROM files ORDER BY id"):
            yield FileRow.from_row(row)

    def latest_by_agent(self, campaign: str) -> dict[str, FileRow]:
        """The last finished file of each agent of a campaign, whatever its outcome."""
        return {row.agent_number: row for row in self.iter_latest_by_agent(campaign)}

    def iter_latest_by_agent(self, campaign: str, *, turned_away_only: bool = False):
        """:meth:`latest_by_agent`, one file at a time (ordered by agent number); ``turned_away_only``:
        only those that were turned away (rejections waiting for a corrected report)."""
        away = [o.value for o in Outcome if o.turned_away] if turned_away_only else []
        rows = self.db.execute(
            "SELECT * FROM files WHERE id IN (SELECT MAX(id) FROM files WHERE status=?"
            " AND campaign=? AND agent_number IS NOT NULL AND outcome != ?"
            " GROUP BY agent_number)" + (f" AND outcome IN ({', '.join('?' * len(away))})" if away else "")
            + " ORDER BY agent_number", (DONE, campaign, Outcome.DUPLICATE, *away))
        for row in rows:
            yield FileRow.from_row(row)

    def iter_unidentified_rejections(self, campaign: str):
        """The files turned away that no agent could be read from (unreadable ones), of this
        campaign or of none, not examined again since, in the order received."""
        away = [o.value for o in Outcome if o.turned_away]
        rows = self.db.execute(
            f"SELECT * FROM files WHERE status=? AND agent_number IS NULL AND outcome IN ({', '.join('?' * len(away))})"
            " AND (campaign=? OR campaign IS NULL) AND id NOT IN"
            " (SELECT reexamination_of FROM files WHERE reexamination_of IS NOT NULL) ORDER BY id",
            (DONE, *away, campaign))
        for row in rows:
            yield FileRow.from_row(row)

    def campaign_files(self, campaign: str) -> tuple[list[tuple[str, int, str, "FileSummary"]],
                                                      dict[str, "FileSummary"]]:
        """What :func:`pipeline.campaign.campaign_view` reads of a campaign's files, without their
        contents: each report's newest accepted version, as (agent number, stage, location, file),
        in the order of :meth:`iter_current_reports`; and the last finished file of each agent, as
        :meth:`iter_latest_by_agent` gives it. Each :class:`FileSummary` holds the report's facts
        (:meth:`~pipeline.records.ReportContent.facts`) in place of its content: read from the
        index ``files_view`` and the table ``file_facts``, a few bytes a file."""
        last: dict[str, int] = {}
        rows: dict[int, tuple] = {}
        plain = self.db.cursor()
        plain.row_factory = None  # tuples: 100,000 rows
        for row in plain.execute(
                "SELECT id, agent_number, outcome, received_at, original_name, reason_code, note, findings"
                " FROM files INDEXED BY files_view WHERE campaign=? AND status=? AND agent_number IS NOT NULL"
                " ORDER BY agent_number, id", (campaign, DONE)):
            rows[row[0]] = row
            if row[2] is not None and row[2] != Outcome.DUPLICATE:
                last[row[1]] = row[0]
        current = plain.execute(
            "SELECT agent_number, stage, location, file_id FROM reports WHERE campaign=? ORDER BY report_id",
            (campaign,)).fetchall()
        missing = [file_id for *_, file_id in current if file_id not in rows]
        for file_id in missing:  # not expected: a report's version is a finished file of its campaign
            row = self.db.execute("SELECT id, agent_number, outcome, received_at, original_name, reason_code,"
                                  " note, findings FROM files WHERE id=?", (file_id,)).fetchone()
            rows[file_id] = tuple(row)
        wanted = list(dict.fromkeys([*(file_id for *_, file_id in current), *last.values()]))
        facts = self._facts(wanted)
        summaries = {i: FileSummary.of(rows[i], facts.get(i)) for i in wanted}
        return ([(agent, stage, location, summaries[file_id]) for agent, stage, location, file_id in current],
                {agent: summaries[file_id] for agent, file_id in last.items()})

    def _facts(self, file_ids: list[int]) -> dict[int, ReportContent]:
        """The facts of these files (:meth:`~pipeline.records.ReportContent.facts`); for a file the
        journal recorded before it kept them, taken from its content. No entry: nothing read, or
        a signed copy."""
        found: dict[int, ReportContent] = {}
        plain = self.db.cursor()
        plain.row_factory = None
        loads, from_json = json.loads, ReportContent.from_json
        for start in range(0, len(file_ids), _CHUNK):
            chunk = file_ids[start:start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            for file_id, facts in plain.execute(
                    f"SELECT file_id, facts FROM file_facts WHERE file_id IN ({marks})", chunk):
                found[file_id] = from_json(loads(facts))
            older = [i for i in chunk if i not in found]
            if not older:
                continue
            for file_id, content in self.db.execute(
                    f"SELECT id, content FROM files WHERE id IN ({', '.join('?' * len(older))})"
                    " AND content IS NOT NULL", older):
                data = json.loads(content)
                if not is_signed_copy_content(data):
                    found[file_id] = ReportContent.from_json(data).facts()
        return found

    def fingerprint(self) -> list[int | None]:
        """What the journal holds, in a few numbers: they change whenever any program commits
        anything to it (the count of rows written, kept by triggers, and the newest ids), so a
        result computed from the journal is still true while they are the same (etat's, kept in
        the state folder: pipeline.status)."""
        return list(self.db.execute(
            "SELECT (SELECT n FROM changes WHERE id = 1), (SELECT MAX(id) FROM files),"
            " (SELECT MAX(id) FROM messages), (SELECT MAX(id) FROM moves)").fetchone())

    def count_files(self, campaign: str) -> tuple[int, int]:
        """Files received for this campaign or for none (unreadable ones), and how many of them
        were byte-identical copies of another. A file examined again (``entretiens reexaminer``) is
        one file received: counted once, as its last examination found it."""
        total, duplicates = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(outcome = ?), 0) FROM files WHERE (campaign=? OR campaign IS NULL)"
            " AND id NOT IN (SELECT reexamination_of FROM files WHERE reexamination_of IS NOT NULL)",
            (Outcome.DUPLICATE, campaign)).fetchone()
        return total, duplicates

    def signed_copies(self, report_id: str | None = None) -> list[SignedCopyRecord]:
        """The signed copies filed (PDFs dropped in the inbox, printed, signed and scanned), in the
        order they were received: every report's, or only ``report_id``'s (``2026-100231``). A PDF
        of one report is its copy; a batch scan of several gives each report the PDF made of its
        pages (``exemplaires_signes/<campagne>/<matricule>/``), the batch kept in ``…/lots/``.
        Only copies whose pass finished (synced) are listed."""
        records = []
        for row in self.db.execute("SELECT * FROM files WHERE status=? AND outcome=? ORDER BY id",
                                   (DONE, Outcome.SIGNED_COPY)):
            file = FileRow.from_row(row)
            found = file.signed
            if found is None:
                continue
            where = self.where_now(file) or file.destination
            for copy in found.copies:
                if report_id is not None and copy.report_id != report_id:
                    continue
                records.append(SignedCopyRecord(
                    report_id=copy.report_id, campaign=copy.campaign, agent_number=copy.agent_number,
                    path=copy.path if found.is_batch else where,
                    received_at=file.received_at, received_day=file.received_day,
                    received_name=file.original_name, checksum=file.checksum,
                    pages=copy.pages, page_count=found.page_count, found_by=copy.found_by, page=copy.page,
                    form_version=copy.version, batch=where if found.is_batch else None, file_id=file.id,
                    signatures=list(found.signatures)))
        return records

    def placed_at(self, path: str | Path) -> bool:
        """Whether a file of the journal was planned or placed at ``path``: a destination, or a
        report's part split out of a batch scan (in the batch's content)."""
        if self.db.execute("SELECT 1 FROM files WHERE destination=? LIMIT 1", (str(path),)).fetchone():
            return True
        quoted = f'"{COPY_PATH}": ' + json.dumps(str(path), ensure_ascii=False)
        for (content,) in self.db.execute("SELECT content FROM files WHERE outcome=? AND instr(content, ?) > 0",
                                          (Outcome.SIGNED_COPY, quoted)):
            if any(copy.get(COPY_PATH) == str(path) for copy in json.loads(content).get(COPIES) or []):
                return True
        return False

    def where_now(self, row: FileRow) -> str | None:
        """Where a finished file is now: its destination, then each move out of the place it
        was in, made after it got there (a later version sends it to the history). Moves out
        of that place made before it arrived were another file's."""
        if not row.destination:
            return None
        arrival = self.db.execute(
            "SELECT MAX(id) FROM moves WHERE file_id=? AND target=?", (row.id, row.destination)).fetchone()[0]
        path, since = row.destination, arrival or 0
        while True:
            step = self.db.execute("SELECT id, target FROM moves WHERE source=? AND id>? ORDER BY id LIMIT 1",
                                   (path, since)).fetchone()
            if step is None:
                return path
            since, path = step

    # -- messages (pipeline.mail) -------------------------------------------------------

    def queue_message(self, *, message_id: str, kind: str, file_id: int | None, campaign: str | None,
                      agents: list[str], recipient: str, subject: str, raw: bytes,
                      created_at: dt.datetime | None = None, copies: str = "",
                      items: Iterable[tuple[str, str, str]] = ()) -> bool:
        """Record a message to send, synced; False when this Message-ID is known already (it is
        queued once, whatever happens to it next). ``created_at``: when it was composed (now);
        ``copies``: addresses in copy (joined by ", "); ``items``: a reminder's (agent number,
        party, step), recorded in the same transaction."""
        with self._synchronous(True), self.db:
            self.db.execute("BEGIN IMMEDIATE")
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO messages (message_id, kind, file_id, campaign, agents, recipient, subject,"
                " raw, status, created_at, copies) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (message_id, kind, file_id, campaign, json.dumps(agents), recipient, subject, raw, QUEUED,
                 created_at.isoformat(timespec="seconds") if created_at else now(), copies or None))
            if cursor.rowcount == 1:
                self.db.executemany("INSERT OR IGNORE INTO reminder_items (message_id, agent_number, party, step)"
                                    " VALUES (?, ?, ?, ?)", [(message_id, *item) for item in items])
        return cursor.rowcount == 1

    def reminder_items(self, *, campaign: str | None = None, message_id: str | None = None) -> list[ReminderItem]:
        """The agents of every reminder (of a campaign's; of one message), oldest message first."""
        where, args = (" WHERE m.campaign=?", (campaign,)) if campaign else ("", ())
        if message_id:
            where, args = where + (" AND" if where else " WHERE") + " i.message_id=?", (*args, message_id)
        return [ReminderItem(message_id=r["message_id"], kind=r["kind"], agent_number=r["agent_number"],
                             party=r["party"], step=r["step"], recipient=r["recipient"], status=r["status"],
                             created_at=r["created_at"], sent_at=r["sent_at"])
                for r in self.db.execute(
                    "SELECT i.message_id, m.kind, i.agent_number, i.party, i.step, m.recipient, m.status,"
                    " m.created_at, m.sent_at FROM reminder_items i JOIN messages m ON m.message_id = i.message_id"
                    f"{where} ORDER BY m.id, i.rowid", args)]

    def cancel_message(self, message_id: str, reason: str) -> bool:
        """Mark a message not sent yet (queued) cancelled, synced; False when it is not queued any
        more (another deliverer took it)."""
        with self._synchronous(True):
            cursor = self.db.execute("UPDATE messages SET status=?, error=? WHERE message_id=? AND status=?",
                                     (CANCELLED, reason, message_id, QUEUED))
        return cursor.rowcount == 1

    def message(self, message_id: str) -> MessageRow | None:
        row = self.db.execute(f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE message_id=?",
                              (message_id,)).fetchone()
        return MessageRow.from_row(row) if row else None

    def message_bytes(self, message_id: str) -> bytes:
        return bytes(self.db.execute("SELECT raw FROM messages WHERE message_id=?", (message_id,)).fetchone()[0])

    def messages(self, *statuses: str) -> list[MessageRow]:
        """Every message (with ``statuses``: those in one of them), oldest first."""
        where = f" WHERE status IN ({', '.join('?' * len(statuses))})" if statuses else ""
        return [MessageRow.from_row(r) for r in
                self.db.execute(f"SELECT {_MESSAGE_COLUMNS} FROM messages{where} ORDER BY id", statuses)]

    def messages_of_file(self, file_id: int) -> list[MessageRow]:
        return [MessageRow.from_row(r) for r in self.db.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE file_id=? ORDER BY id", (file_id,))]

    def last_message_to(self, recipient: str, kind: str) -> MessageRow | None:
        """The newest message of this kind to this address that was not given up (nor cancelled)."""
        row = self.db.execute(f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE recipient=? COLLATE NOCASE"
                              " AND kind=? AND status NOT IN (?, ?) ORDER BY id DESC LIMIT 1",
                              (recipient, kind, FAILED, CANCELLED)).fetchone()
        return MessageRow.from_row(row) if row else None

    def set_message(self, message_id: str, status: str, *, durable: bool = False, **changes: object) -> None:
        """A message's new status, with ``attempts``, ``next_attempt``, ``error``, ``draft`` or
        ``sent_at`` when given. ``durable``: synced before this returns (before a send, after one)."""
        allowed = {"attempts", "next_attempt", "error", "draft", "sent_at"}
        if set(changes) - allowed:
            raise TypeError(f"set_message: unknown columns {sorted(set(changes) - allowed)}")
        assignments = "".join(f", {name}=?" for name in changes)
        with self._synchronous(durable):
            self.db.execute(f"UPDATE messages SET status=?{assignments} WHERE message_id=?",
                            (status, *changes.values(), message_id))

    def obsolete_notes(self, campaign: str) -> list[MessageRow]:
        """The campaign's rejection notes not sent (queued, or written as a draft) whose file is
        no longer its agent's pending rejection: the agent's report was accepted since, or a later
        file of theirs was turned away with its own note. Oldest first."""
        pending = {row.id for row in self.iter_latest_by_agent(campaign, turned_away_only=True)}
        return [m for m in self.messages_of_kind(campaign, REJECTION_NOTE)
                if m.status in (QUEUED, DRAFTED) and m.file_id not in pending]

    def messages_of_kind(self, campaign: str, *kinds: str) -> list[MessageRow]:
        """The campaign's messages of these kinds, oldest first."""
        return [MessageRow.from_row(r) for r in self.db.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE campaign=? AND kind IN ({', '.join('?' * len(kinds))})"
            " ORDER BY id", (campaign, *kinds))]

    # -- invitations by mail (pipeline.mail.invitations) ---------------------------------------

    def invitation(self, campaign: str, agent_number: str) -> InvitationRow | None:
        row = self.db.execute("SELECT * FROM invitations WHERE campaign=? AND agent_number=?",
                              (campaign, agent_number)).fetchone()
        return InvitationRow.from_row(row) if row else None

    def invitations(self, campaign: str) -> list[InvitationRow]:
        """Every agent's invitation of the campaign, by agent number."""
        return [InvitationRow.from_row(r) for r in self.db.execute(
            "SELECT * FROM invitations WHERE campaign=? ORDER BY agent_number", (campaign,))]

    def queue_invitation(self, *, campaign: str, agent_number: str, uid: str, sequence: int, method: str,
                         said: dict, dates_it: bool, previous_sequence: int | None, message_id: str, kind: str,
                         recipient: str, subject: str, raw: bytes, created_at: dt.datetime,
                         copies: str = "") -> bool:
        """Queue an invitation's message and record what it says, in one transaction synced to disk:
        both or neither, whenever the run dies. ``previous_sequence``: the SEQUENCE the caller saw
        (``None``: no invitation yet); when the row changed since (another run queued a message for
        this agent meanwhile), nothing is written and False is returned, as when this Message-ID is
        queued already. ``dates_it``: this message gives the interview its date (a first invitation,
        a new date), the one whose day the campaign view takes as the invitation's. ``copies``: the
        addresses in copy (the evaluator's), joined by ", "."""
        stamp = created_at.isoformat(timespec="seconds")
        with self._synchronous(True), self.db:
            self.db.execute("BEGIN IMMEDIATE")
            if self.db.execute("SELECT 1 FROM messages WHERE message_id=?", (message_id,)).fetchone():
                self.db.execute("ROLLBACK")
                return False
            if previous_sequence is None:
                written = self.db.execute(
                    "INSERT OR IGNORE INTO invitations (campaign, agent_number, uid, sequence, method, said,"
                    " message_id, dated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (campaign, agent_number, uid, sequence, method, json.dumps(said, ensure_ascii=False),
                     message_id, message_id, stamp)).rowcount
            else:
                written = self.db.execute(
                    "UPDATE invitations SET uid=?, sequence=?, method=?, said=?, message_id=?,"
                    " dated_by=CASE WHEN ? THEN ? ELSE dated_by END, updated_at=?"
                    " WHERE campaign=? AND agent_number=? AND sequence=?",
                    (uid, sequence, method, json.dumps(said, ensure_ascii=False), message_id, dates_it,
                     message_id, stamp, campaign, agent_number, previous_sequence)).rowcount
            if written != 1:
                self.db.execute("ROLLBACK")
                return False
            self.db.execute(
                "INSERT INTO messages (message_id, kind, file_id, campaign, agents, recipient, subject, raw,"
                " status, created_at, copies) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
                (message_id, kind, campaign, json.dumps([agent_number]), recipient, subject, raw, QUEUED, stamp,
                 copies or None))
        return True

    def invitation_days(self, campaign: str) -> dict[str, dt.date]:
        """Agent number -> the day the invitation to their interview's current date went (sent, or
        written as a draft for HR to send): what the campaign view takes as the invitation's date
        when the roster gives none. A cancelled invitation, or one not gone yet, gives none."""
        rows = self.db.execute(
            "SELECT i.agent_number, m.sent_at FROM invitations i JOIN messages m ON m.message_id = i.dated_by"
            " WHERE i.campaign=? AND i.method=? AND m.status IN (?, ?) AND m.sent_at IS NOT NULL",
            (campaign, REQUEST, SENT, DRAFTED))
        return {number: dt.datetime.fromisoformat(sent_at).date() for number, sent_at in rows}

    def moves(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM moves ORDER BY id").fetchall()

    def iter_agent_files(self, campaign: str):
        """Every finished file of a campaign that names an agent (any outcome), by agent then
        in the order received: what ``entretiens archiver`` writes to each ``historique.csv``."""
        rows = self.db.execute("SELECT * FROM files WHERE status=? AND campaign=? AND agent_number IS NOT NULL"
                               " ORDER BY agent_number, id", (DONE, campaign))
        for row in rows:
            yield FileRow.from_row(row)
