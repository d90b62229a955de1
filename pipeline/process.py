"""``process``: take every file of the inbox once and leave it in exactly one place.

For each file, in order (:meth:`Processor.process_file`; each step one method)::

    claim      atomic rename into the work area; the journal records it with
    checksum   the sha256 of the bytes received                      (claim)
    duplicate  byte-identical to a file already handled -> doublons/  (find_original)
    examine    preflight, read, validate (pipeline.examine)           (decide)
               a PDF: the reports its pages name (pipeline.signed_copies) (plan_signed_copy)
    compare    against the report's current version: older stage, changes to
               what the evaluator signed, stages skipped, refusal to sign (compare)
    plan       outcome, destination and note written to the journal  (plan_acceptance,
               plan_rejection, plan_duplicate)
    place      previous version -> history, note, file linked to its destination,
               a batch scan's PDF per report (the only step that writes in the outbox) (place)

then, every ``SYNC_BATCH`` files, at the end of the pass, or before a file that
shares its bytes or its report with one placed since::

    sync       the destination folders synced, the placed files marked done in
               one synced journal transaction, their work names removed (sync)

A crash at any point is finished by :meth:`Processor.recover` at the next
start: a claimed file is examined again, a planned one is placed as planned.
Until its batch's sync point a file is still in the work area, so a power cut
loses no file, only work that recovery redoes.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import errno
import io
import logging
import os
import stat
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from . import catalogue as cat
from .catalogue import Catalogue
from .civility import EVALUATOR_CIVILITY, Addressee
from .command_names import PROCESS, WORKBOOKS, command_line
from .config import Config
from .examine import Examination, examine, roster_agents
from .files import (are_same_file, create_atomically, describe_failure, disk_full, full_folder, holds_same_bytes,
                    is_regular_file, link_no_clobber, make_dirs, move_no_clobber, private_copy,
                    remove_leftover_temporaries, sha256, sync_folder, unique_path)
from .inbox import SPECIAL_ENTRY, InboxListing, check_outside_inbox, list_inbox, not_ready
from .journal import CLAIMED, DONE, CurrentReport, FileRow, Journal, warn_if_network_fs
from .logs import TOLD_BY_THE_COMMAND
from .naming import (DUPLICATE_SUFFIX, DUPLICATES, HISTORY, REJECTION_SUFFIX, REJECTS, SHARE_WORK_FOLDER,
                     SIGNED_COPIES_DIR, WORK_FOLDER, agent_file_stem, history_folder, is_work_name, note_path_for,
                     outbox_name, received_name_of, reexamination_of, shown_name, signed_batches_folder,
                     signed_copies_folder, signed_copy_name, stage_folder, work_name)
from .notes import write_duplicate_note, write_rejection_note
from .outcomes import (CHANGED_AFTER_SIGNATURE, DUPLICATE, ERROR, OLDER_VERSION, REFUSED_TO_SIGN,
                       REVISED_AFTER_APPEAL, STAGE_SKIPPED, UNKNOWN_AGENT, WRONG_CAMPAIGN, DiskFull, Finding,
                       InterruptedTwice, NotReexaminable, Outcome, UnreadableReport, is_error)
from .parallel import ExaminationPool, start_pool, worker_count
from .records import ReportContent, SignedCopyContent
from .render import check_templates, templates_command
from .signed_copies import identify, image_extension, is_signed_copy_candidate, pdf_signatures, write_pages
from .text import canonical_choice, counted, format_date

log = logging.getLogger("entretiens")

# ``examined(read_here)``: a file's examination, read elsewhere, or by ``read_here()`` when it could
# not be (Processor.decide).
Examiner = Callable[[Callable[[], Examination]], Examination]

# Files placed between two sync points of a pass (see Processor.sync).
SYNC_BATCH = 64
# Files claimed ahead of the one being decided, per reading process (pipeline/parallel.py).
READ_AHEAD_PER_WORKER = 8
# A file whose reading was under way when the run died this many times is set aside unread.
INTERRUPTIONS_BEFORE_SET_ASIDE = 2


@dataclass(slots=True)  # one per file of a pass: 100,000 at a time
class HandledFile:
    """What a pass did with one received file."""

    received_name: str
    outcome: Outcome
    destination: str
    reason_code: str | None = None
    stage: int | None = None
    report_id: str | None = None
    # Why, in French: the sentences of a turned-away file's errors (of a duplicate's finding), in order.
    reasons: tuple[str, ...] = ()


@dataclass
class PassResult:
    handled: list[HandledFile] = field(default_factory=list)
    # Left in the inbox for now: (received name, why in French).
    left_alone: list[tuple[str, str]] = field(default_factory=list)
    # Named to ``reexaminer`` but not examined again (a rejection note...): (name, why in French).
    skipped: list[tuple[str, str]] = field(default_factory=list)
    workbooks: list[Path] = field(default_factory=list)
    workbooks_problem: str | None = None  # French: why the workbooks could not be rebuilt
    outputs_disk_full: bool = False  # the mail or the workbooks failed on a full disk: a problem with the run
    mail: "MailRun | None" = None  # the rejection notes queued and the messages delivered (pipeline.mail)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for h in self.handled if h.outcome == outcome)


def _normalized(value: object) -> object:
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalized(v) for k, v in value.items()}
    return value


def changed_signed_fields(catalogue: Catalogue, before: ReportContent, after: ReportContent) -> list[str]:
    """Labels of the fields the evaluator signed whose content differs (spacing and case aside)."""
    changed = []
    for f in catalogue.evaluator_fields():
        source = "tables" if f.kind == "table" else "fields"
        old, new = getattr(before, source).get(f.key), getattr(after, source).get(f.key)
        if _normalized(old) != _normalized(new):
            changed.append(f.label)
    return changed


class Processor:
    """One workspace's processing. Use as a context manager (it holds the journal).

    Raises :class:`~pipeline.outcomes.TemplateError` at start when the rejection
    note's template is missing or stale: a pass never writes in ``templates/``.

    A file's received day (its dates may not be later; the return to HR's deadline) is the
    day the journal records its claim, or ``received_on`` for every file when given (a
    campaign replayed, or tests whose reports are dated after the machine's clock)."""

    def __init__(self, config: Config, *, received_on: dt.date | None = None):
        self.config = config
        self.received_on = received_on
        self.catalogue = config.catalogue
        check_outside_inbox(config)
        check_templates(config.templates, self.catalogue, rebuild_hint=templates_command(config))
        make_dirs(config.state_dir)
        warn_if_network_fs(config.state_dir)
        self.journal = Journal(config.state_dir)
        self.work_dir = make_dirs(config.state_dir / WORK_FOLDER)
        make_dirs(config.outbox)
        roster = roster_agents(config)
        self.agents = None if roster is None else set(roster)
        # Each agent's evaluator: the addressee of a rejection note when the report names none («\u202fMme Céline
        # Roux\u202f» when the roster's «\u202fcivilité de l'évaluateur\u202f» says so; pipeline.civility).
        self.evaluators = {
            number: Addressee.of(row.values.get(cat.EVALUATOR, ""), row.extra.get(EVALUATOR_CIVILITY)).titled
            for number, row in (roster or {}).items()}
        # Each agent's names as the roster spells them: an accepted report's file is named with them
        # when its form has no place for the names (an employer's form that prints none).
        self.names = {number: (row.values.get(cat.LAST_NAME, ""), row.values.get(cat.FIRST_NAME, ""))
                      for number, row in (roster or {}).items()}
        # Placed (linked to their destination), not yet synced nor marked done: row, moves, work path.
        self._unsynced: list[tuple[FileRow, list[tuple[str, str, str]], Path]] = []
        # Paths promised to a file planned but not yet done (destination, note, history place):
        # no other file may be planned there, even while the first cannot be placed yet.
        self._reserved: set[str] = set()
        for row in self.journal.unfinished():
            self._reserve(row)
        self.full: OSError | None = None  # a file failed on a full disk: a pass stops (run_pass)

    def close(self) -> None:
        try:
            self.sync()
        finally:
            self.journal.close()

    def __enter__(self) -> "Processor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _reserve(self, row: FileRow) -> None:
        self._reserve_paths(row.destination, row.note, row.previous_move)
        self._reserved.update(_split_parts(row))  # a batch scan's parts, one per report

    def _reserve_paths(self, destination: str | None, note: str | None, previous_move) -> None:
        """What a plan promises (as just written to the journal: not read back from it)."""
        self._reserved.update(p for p in (destination, note, (previous_move or [None, None])[1]) if p)

    def _release(self, row: FileRow) -> None:
        self._reserved.difference_update((row.destination, row.note, (row.previous_move or [None, None])[1],
                                          *_split_parts(row)))

    def _is_reserved(self, path: Path) -> bool:
        return str(path) in self._reserved

    # -- the pass ------------------------------------------------------------------

    def inbox_files(self) -> list[Path]:
        """Every file to take, at the top of the inbox and in its subfolders (HR drags whole
        service folders), in name order; ignored names and folders left alone."""
        return self.list_inbox().files

    def list_inbox(self) -> InboxListing:
        inbox = self.config.inbox
        if not inbox.is_dir():
            raise FileNotFoundError(2, "dossier d'entrée introuvable", str(inbox))
        return list_inbox(inbox, tuple(self.config.watch.ignore_patterns))

    def run_pass(self, progress: Callable[[int, int], None] | None = None, *,
                 readers: ExaminationPool | None = None) -> PassResult:
        """Recover what a crash left, then take every file of the inbox that is ready, by the
        watcher's rules (unchanged for ``surveillance.stabilite_s``, readable by the service, a
        complete zip or no zip at all: :func:`pipeline.inbox.not_ready`); the others stay in the
        inbox for a later pass, listed with why, as is what is not a file (a pipe, a socket).

        A full disk stops the pass at once (:class:`~pipeline.outcomes.DiskFull`, what was done
        in its ``partial``) rather than failing again file after file: the files not taken wait
        in the inbox, the one under way in the work area, and the next pass takes them up.

        ``readers``: a pool already started for several passes (one per employer of a workspace,
        :func:`pipeline.employers.process_employers`), which reads this pass's files and is left
        running; else the pass starts its own when it has enough files (``lecture_parallele``)."""
        result = PassResult(handled=self.recover())
        self._stop_if_full(result)
        listing = self.list_inbox()
        for path in listing.special:
            result.left_alone.append((self.received_name(path), SPECIAL_ENTRY))
            log.warning("«\u202f%s\u202f» %s.", self.received_name(path), SPECIAL_ENTRY)
        watch = self.config.watch
        files = []
        for path in listing.files:
            why = not_ready(path, window=watch.stability_window, incomplete_after=watch.incomplete_after)
            if why is None:
                files.append(path)
            else:
                result.left_alone.append((self.received_name(path), why))
                log.info("«\u202f%s\u202f» laissé dans le dossier d'entrée pour un prochain passage : %s.",
                         self.received_name(path), why)
        reading = self.config.parallel_reading
        workers = worker_count(reading.workers, len(files), reading.from_files)
        if readers is not None and files:
            readers.serve(self.config, self.agents)
            self._run_ahead(files, readers, readers.workers, result, progress)
        elif (pool := start_pool(self.config, self.agents, workers) if workers else None) is not None:
            with pool:
                self._run_ahead(files, pool, workers, result, progress)
        else:
            for done, path in enumerate(files, 1):
                self._handled(self._guarded(self.process_file, path), result, done, len(files), progress)
                if self.full:
                    break
        self._sync_or_finish_later()
        self._stop_if_full(result)
        return result

    def _stop_if_full(self, result: PassResult) -> None:
        """Raise :class:`~pipeline.outcomes.DiskFull` when a file failed on a full disk (``self.full``)."""
        if self.full:
            self._sync_or_finish_later()  # what was placed before is marked done, if the journal can be written
            folder = full_folder(self.full, [self.config.outbox, self.config.state_dir, self.config.inbox])
            raise DiskFull.stopped(PROCESS, folder, partial=result) from self.full

    def _run_ahead(self, files: list[Path], pool: ExaminationPool, workers: int, result: PassResult,
                   progress: Callable[[int, int], None] | None) -> None:
        """The files claimed a few ahead of the one being decided, each handed to the pool to be
        read as soon as it is claimed; decided and placed in the inbox's order, as one by one.
        A crash leaves the files claimed ahead in the work area, claimed: :meth:`recover` takes
        them at the next pass, as any file claimed and not yet decided."""
        ahead: collections.deque[tuple[Path, tuple[Path, FileRow], Future | None]] = collections.deque()
        done = 0

        def decide_oldest() -> None:
            nonlocal done
            path, (work_path, row), future = ahead.popleft()
            examined = None if future is None else (lambda read_here: pool.result(future, read_here))
            done += 1
            self._handled(self._guarded(lambda _: self.resume(work_path, row, examined=examined), path),
                          result, done, len(files), progress)

        for path in files:
            claimed = self._guarded(self.claim, path)
            if claimed is None:  # vanished meanwhile, or left for the next pass
                done += 1
                self._handled(None, result, done, len(files), progress)
            else:
                work_path, row = claimed
                readable = not (is_signed_copy_candidate(work_path, row.original_name) and is_regular_file(work_path))
                future = pool.submit(work_path, self._received_day(row), row.original_name) if readable else None
                ahead.append((path, claimed, future))
            while len(ahead) > READ_AHEAD_PER_WORKER * workers and not self.full:
                decide_oldest()
            if self.full:  # the files claimed ahead wait in the work area for the next pass
                return
        while ahead and not self.full:
            decide_oldest()

    def _handled(self, handled: HandledFile | None, result: PassResult, done: int, total: int,
                 progress: Callable[[int, int], None] | None) -> None:
        if handled:
            result.handled.append(handled)
        if len(self._unsynced) >= SYNC_BATCH:
            self._sync_or_finish_later()
        if progress:
            progress(done, total)

    def process_file(self, inbox_path: Path) -> HandledFile | None:
        """Claim one inbox file and take it through every step up to ``place``; its sync
        point comes with its batch's. ``None`` if it vanished meanwhile."""
        claimed = self.claim(inbox_path)
        if claimed is None:
            return None
        return self.resume(*claimed)

    def process_file_synced(self, inbox_path: Path) -> HandledFile | None:
        """:meth:`process_file`, on disk when this returns (the watcher's way: one file at a time)."""
        try:
            return self.process_file(inbox_path)
        finally:
            self.sync()

    def resume(self, work_path: Path, row: FileRow | None = None, *, examined: Examiner | None = None) -> HandledFile:
        """Take a claimed file (in the work area) from where it is to ``place``. ``examined``:
        where its examination comes from when it was read elsewhere (see :meth:`decide`)."""
        row = row or self.journal.file_by_work_name(work_path.name)
        if row is None:  # claimed, then a crash before the journal knew it
            row = self._record_claim(work_path, received_name_of(work_path.name),
                                     reexamination_of=reexamination_of(work_path.name))
        if row.status == CLAIMED:
            self.decide(row, work_path, examined)
            row = self.journal.file(row.id)
        return self.place(row, work_path)

    def _guarded(self, step, path: Path) -> HandledFile | None:
        """One file's trouble never stops the pass: it stays where it is (inbox or
        work area) and is tried again at the next pass."""
        try:
            return step(path)
        except OSError as exc:
            if disk_full(exc):  # a pass stops at once (run_pass), and says so once, not per file
                self.full = self.full or exc
            log.error("fichier «\u202f%s\u202f» laissé en attente, nouvel essai au prochain passage : %s",
                      shown_name(path.name), describe_failure(exc), exc_info=log.isEnabledFor(logging.DEBUG),
                      extra=TOLD_BY_THE_COMMAND if disk_full(exc) else None)
            return None

    def _sync_or_finish_later(self) -> None:
        """A sync point that fails (disk full, share gone) does not stop the pass: the
        batch's files wait in the work area, planned, and the next pass finishes them."""
        try:
            self.sync()
        except OSError as exc:
            if disk_full(exc):
                self.full = self.full or exc
            log.error("lot de fichiers placés non confirmé (%s) : ils restent dans la zone de travail "
                      "et seront terminés au prochain passage", describe_failure(exc),
                      exc_info=log.isEnabledFor(logging.DEBUG), extra=TOLD_BY_THE_COMMAND if disk_full(exc) else None)

    # -- claim, checksum -----------------------------------------------------------

    def received_name(self, inbox_path: Path) -> str:
        """The name HR and managers know the file by: relative to the inbox, readable."""
        try:
            relative = inbox_path.relative_to(self.config.inbox)
        except ValueError:
            relative = Path(inbox_path.name)
        return shown_name(str(relative))

    def claim(self, inbox_path: Path) -> tuple[Path, FileRow] | None:
        """Atomic rename into the work area: from now on no one else takes it."""
        received = self.received_name(inbox_path)
        target = self.work_dir / work_name(received)
        try:
            os.rename(inbox_path, target)
        except FileNotFoundError:
            return None  # taken by someone else, or removed by its owner
        except OSError as exc:
            if exc.errno != errno.EXDEV:  # the inbox is on another disk (a share)
                raise
            target = make_dirs(self.config.inbox / SHARE_WORK_FOLDER) / target.name
            os.rename(inbox_path, target)
        _detach_other_names(target)
        log.info("reçu %s -> %s", received, target)
        return target, self._record_claim(target, received)

    def _record_claim(self, work_path: Path, received_name: str, *, reexamination_of: int | None = None) -> FileRow:
        if is_regular_file(work_path):
            checksum, size = sha256(work_path), work_path.stat().st_size
        else:  # a link, a pipe: never read (it could be endless); preflight turns it away
            checksum, size = f"non-regular:{work_path.name}", 0
        if reexamination_of is not None:  # the first examination's file left its place in rejets
            first = self.journal.file(reexamination_of)
            now_at = self.journal.where_now(first) if first else None
            if first is not None and now_at and now_at != str(work_path):
                self.journal.record_move(first.id, now_at, str(work_path), "réexamen")
        return self.journal.claim(work_path.name, received_name, checksum, size, reexamination_of=reexamination_of)

    # -- examining again ----------------------------------------------------------

    def turned_away_at(self, path: Path) -> FileRow:
        """The journal's turned-away file that sits at ``path``; raises
        :class:`~pipeline.outcomes.NotReexaminable` (French) when there is none."""
        row = self.journal.placed_file(Path(os.path.abspath(path)))
        if row is None or row.outcome is None or not row.outcome.turned_away or not os.path.lexists(path):
            raise NotReexaminable(self._why_not_reexaminable(Path(path)))
        return row

    def _why_not_reexaminable(self, path: Path) -> str:
        """Why ``path`` cannot be examined again, in French: missing, a note the product wrote
        beside a file (which goes to the history with its file), or no turned-away file."""
        shown = shown_name(path.name)
        if not os.path.lexists(path):
            return f"«\u202f{shown}\u202f» est introuvable : vérifiez son nom et son dossier."
        noted = self.journal.file_with_note(Path(os.path.abspath(path)))
        if noted is not None or path.name.endswith((REJECTION_SUFFIX, DUPLICATE_SUFFIX)):
            of_file = f" de «\u202f{shown_name(noted.original_name)}\u202f»" if noted is not None else ""
            return (f"«\u202f{shown}\u202f» est la note{of_file} écrite par le service, pas un fichier reçu : elle "
                    "n'est pas examinée (quand son fichier l'est, elle va dans l'historique).")
        return (f"«\u202f{shown_name(str(path))}\u202f» n'est pas un fichier rejeté connu du journal : seuls les "
                f"fichiers du dossier «\u202f{REJECTS}\u202f» peuvent être examinés de nouveau.")

    def reexamine(self, path: Path) -> HandledFile:
        """Examine again, with the current configuration, a file turned away that sits in
        ``rejets`` (an agent added to the roster since, a campaign year corrected): its old note
        goes to the history, the file is claimed again and goes where its new outcome sends it.
        The journal records a new examination of the same received file. Raises
        :class:`~pipeline.outcomes.NotReexaminable` for any other file."""
        path = Path(os.path.abspath(path))
        row = self.turned_away_at(path)
        if row.note and os.path.lexists(row.note):
            history = history_folder(self.config.outbox, row.campaign or self.config.campaign.key,
                                     row.agent_number or "non_identifies")
            move_no_clobber(Path(row.note), unique_path(history / Path(row.note).name))
        target = self.work_dir / work_name(row.original_name, reexamination_of=row.id)
        try:
            os.rename(path, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            move_no_clobber(path, target)
        log.info("réexamen de %s -> %s", row.original_name, target)
        claimed = self._record_claim(target, row.original_name, reexamination_of=row.id)
        try:
            return self.resume(target, claimed)
        finally:
            self.sync()

    # -- duplicate, examine, compare, plan ------------------------------------------

    def _received_day(self, row: FileRow) -> dt.date:
        return self.received_on or row.received_day

    @contextlib.contextmanager
    def _reading_here(self, row: FileRow):
        """Around this process's reading of a claimed file: a run that dies inside leaves the
        file counted in the journal, and recovery sets aside a file that killed the run
        :data:`INTERRUPTIONS_BEFORE_SET_ASIDE` times. Only the file being read here is counted,
        not the files claimed ahead for the reading processes, nor a file whose claim or plan
        was under way."""
        self.journal.count_interruption(row.id, +1)
        try:
            yield
        finally:  # an exception (an error handled, Ctrl-C) is not the file killing the run
            self.journal.count_interruption(row.id, -1)

    def decide(self, row: FileRow, work_path: Path, examined: Examiner | None = None) -> None:
        """What becomes of a claimed file, recorded in the journal (nothing moves yet).
        ``examined(read_here)`` gives the file's examination when it was read elsewhere (a
        reading process: :mod:`pipeline.parallel`), calling ``read_here()`` when it could not be;
        by default it is read here."""
        original = self.find_original(row)
        if original is not None:
            self.plan_duplicate(row, original, work_path)
            return
        if is_signed_copy_candidate(work_path, row.original_name) and is_regular_file(work_path):
            with self._reading_here(row):  # its pages rendered and decoded here
                self.plan_signed_copy(row, work_path)
            return
        received = self._received_day(row)

        def read_here() -> Examination:
            with self._reading_here(row):
                return examine(work_path, self.config, agents=self.agents, received=received, name=row.original_name)

        exam = read_here() if examined is None else examined(read_here)
        if exam.error is not None:
            self.plan_rejection(row, Outcome.UNREADABLE, exam.error.code, exam, [Finding(
                code=exam.error.code, severity=ERROR, label="Fichier", message=exam.error.message).as_json()])
            return
        content = ReportContent.of_report(exam.report)
        current = self.current_version(exam.report.report_id)
        compared, blocking = self.compare(exam, content, current)
        findings = [f.as_json() for f in exam.validation.findings] + [f.as_json() for f in compared]
        if not exam.validation.accepted or blocking:
            code = blocking or next(f.code for f in exam.validation.errors)
            self.plan_rejection(row, Outcome.REJECTED, code, exam, findings, content)
            return
        self.plan_acceptance(row, exam, content, current, findings, work_path)

    def find_original(self, row: FileRow) -> FileRow | None:
        """The first file handled with the same bytes, if any (an empty file has none; a file
        examined again is not a copy of itself)."""
        if row.reexamination_of is not None:
            return None
        if self._waits_for_sync(row.checksum, None):
            self.sync()
        return self.journal.done_with_checksum(row.checksum) if row.size else None

    def current_version(self, report_id: str | None) -> CurrentReport | None:
        """The report's newest accepted version, once every file placed before is in the journal."""
        if not report_id:
            return None
        if self._waits_for_sync(None, report_id):
            self.sync()
        return self.journal.current(report_id)

    def compare(self, exam: Examination, content: ReportContent,
                current: CurrentReport | None) -> tuple[list[Finding], str | None]:
        """Findings from the report's history; the code of a blocking one, if any."""
        stage = exam.validation.stage
        findings: list[Finding] = []
        if exam.report.value(cat.REFUSED_TO_SIGN) is True and stage == self.catalogue.final_stage:
            findings.append(REFUSED_TO_SIGN.finding(label=self.catalogue.field(cat.REFUSED_TO_SIGN).label))
        if current is None:
            if stage > 1:
                findings.append(STAGE_SKIPPED.finding("first", stage=stage))
            return findings, None
        if stage < current.stage:
            findings.append(OLDER_VERSION.finding(current=current.stage, stage=stage))
            return findings, OLDER_VERSION.code
        changed = changed_signed_fields(self.catalogue, current.file.report or ReportContent(), content)
        if changed:
            labels = ", ".join(f"«\u202f{c}\u202f»" for c in changed)
            signed_on = format_date(current.file.received_day)
            decided = exam.report.dates.get(cat.REVISION_DECISION_DATE)
            decision = canonical_choice(str(exam.report.value(cat.REVISION_DECISION) or ""),
                                        self.catalogue.field(cat.REVISION_DECISION).choices or [])
            if decided and decision == cat.REVISED:
                # A revision granted on appeal: the new version replaces what the evaluator signed.
                findings.append(REVISED_AFTER_APPEAL.finding(
                    decided=format_date(decided), labels=labels, received=signed_on))
            else:
                findings.append(CHANGED_AFTER_SIGNATURE.finding(received=signed_on, labels=labels))
                return findings, CHANGED_AFTER_SIGNATURE.code
        if stage > current.stage + 1:
            findings.append(STAGE_SKIPPED.finding(before=current.stage, stage=stage))
        return findings, None

    def plan_acceptance(self, row: FileRow, exam: Examination, content: ReportContent, current: CurrentReport | None,
                        findings: list[dict], work_path: Path) -> None:
        report, stage = exam.report, exam.validation.stage
        campaign = report.campaign or self.config.campaign.key
        number = report.values.get(cat.AGENT_NUMBER, "") or report.agent_number or ""
        listed = self.names.get(report.agent_number or number, ("", ""))  # the roster's numbers are normalized
        last, first = (str(report.values.get(key) or "").strip() or known
                       for key, known in zip((cat.LAST_NAME, cat.FIRST_NAME), listed))
        stem = agent_file_stem(campaign, number, last, first)
        destination = stage_folder(self.config.outbox, self.catalogue, stage) / f"{stem}.{report.format}"
        previous = None
        if (current is None or Path(current.location) != destination) and not self._placed_before(
                row, work_path, destination):
            # The version being replaced frees its own name: it moves to history first.
            destination = unique_path(destination, reserved=self._is_reserved)
        if current is not None:
            old = Path(current.location)
            history = history_folder(self.config.outbox, report.campaign or "", report.agent_number or "")
            previous = (str(old), str(unique_path(history / old.name, reserved=self._is_reserved)))
        self.journal.plan(
            row.id, outcome=Outcome.ACCEPTED, reason_code=None, destination=str(destination), note=None,
            previous_move=previous, report_id=report.report_id, campaign=report.campaign,
            agent_number=report.agent_number, stage=stage, content=content, findings=findings,
            durable=previous is not None)  # the previous version's move cannot be redone from scratch
        self._reserve_paths(str(destination), None, previous)

    def plan_rejection(self, row: FileRow, outcome: Outcome, code: str, exam: Examination,
                       findings: list[dict], content: ReportContent | None = None) -> None:
        destination = self._free_with_note(row, self.config.outbox / REJECTS / outbox_name(row.original_name),
                                           REJECTION_SUFFIX, exam.path)
        report = exam.report
        self.journal.plan(
            row.id, outcome=outcome, reason_code=code, destination=str(destination),
            note=str(note_path_for(destination, REJECTION_SUFFIX)), previous_move=None,
            report_id=report.report_id if report else None, campaign=report.campaign if report else None,
            agent_number=report.agent_number if report else None,
            stage=exam.stage, content=content, findings=findings)
        self._reserve_paths(str(destination), str(note_path_for(destination, REJECTION_SUFFIX)), None)

    def plan_signed_copy(self, row: FileRow, work_path: Path) -> None:
        """A PDF or an image: filed, bytes unchanged, as the signed copy of the report its pages
        name (:mod:`pipeline.signed_copies`), an image with the PDF made of it without loss beside
        it (its copy's PDF, written after it as a batch's parts are); a batch scan of several
        reports kept whole in ``exemplaires_signes/lots`` and split into one PDF per report;
        unreadable or unidentified, to ``rejets`` with its note."""
        caps = self.config.file_caps
        try:
            found = identify(work_path, campaign=self.config.campaign.key, max_mb=caps.max_pdf_mb,
                             max_pages=caps.max_pdf_pages)
        except UnreadableReport as error:
            self.plan_rejection(row, Outcome.UNREADABLE, error.code, Examination(path=work_path, error=error), [
                Finding(code=error.code, severity=ERROR, label="Fichier", message=error.message).as_json()])
            return
        # The same rules as a report's: another campaign's, or an agent the roster does not list.
        campaign = self.config.campaign.key
        wrong = [WRONG_CAMPAIGN.finding(found=copy.campaign, current=campaign) if copy.campaign != campaign
                 else UNKNOWN_AGENT.finding(number=copy.agent_number) for copy in found.copies
                 if copy.campaign != campaign or (self.agents is not None and copy.agent_number not in self.agents)]
        if wrong:
            self.plan_rejection(row, Outcome.REJECTED, wrong[0].code, Examination(path=work_path),
                                [f.as_json() for f in wrong])
            return
        outbox = self.config.outbox
        image = None  # an image of one report: where it is filed, beside its copy's PDF
        for copy in found.copies:
            wanted = signed_copies_folder(outbox, copy.campaign, copy.agent_number) / signed_copy_name(
                copy.campaign, copy.agent_number, *self._agent_names(copy.report_id))
            if found.image_format and not found.is_batch:
                image, pdf = self._image_and_pdf(row, work_path, copy.pages, wanted.with_suffix(
                    image_extension(found.image_format, row.original_name)))
                copy.path = str(pdf)
            elif found.is_batch and self._part_written_before(work_path, copy.pages, wanted):
                copy.path = str(wanted)
            elif not found.is_batch and self._placed_before(row, work_path, wanted):
                copy.path = str(wanted)
            else:
                copy.path = str(unique_path(wanted, reserved=self._is_reserved))
            self._reserved.add(copy.path)  # the next copy of the same report takes another name
        if found.is_batch:
            wanted = signed_batches_folder(outbox) / outbox_name(row.original_name)
            placed = self._placed_before(row, work_path, wanted)
            destination = wanted if placed else unique_path(wanted, reserved=self._is_reserved)
        else:
            destination = image or Path(found.copies[0].path)
        # The reports are named in the content only: the report, campaign and agent columns are a
        # report's versions' (its current version, the tracking's last outcome), which a copy is not.
        self.journal.plan(
            row.id, outcome=Outcome.SIGNED_COPY, reason_code=None, destination=str(destination), note=None,
            previous_move=None, report_id=None, campaign=None, agent_number=None, stage=None,
            content=SignedCopyContent(found.page_count, tuple(found.copies),
                                      () if found.image_format else tuple(pdf_signatures(work_path))),
            findings=[])
        self._reserve(self.journal.file(row.id))
        log.info("«\u202f%s\u202f» : exemplaire signé de %s (%s)", row.original_name,
                 ", ".join(f"{c.report_id} ({c.found_by} page {c.page})" for c in found.copies),
                 counted(found.page_count, "page", "pages"))

    def _image_and_pdf(self, row: FileRow, work_path: Path, pages: list[int], wanted: Path) -> tuple[Path, Path]:
        """Where an image of one report is filed and where the PDF made of it goes: the same name
        but for the extension, both free and promised to no other file (« … (2).jpg » beside
        « … (2).pdf »); or the image's name a power cut left this very file under, its plan lost."""
        def taken(path: Path) -> bool:
            return os.path.lexists(path) or self._is_reserved(path)

        if self._placed_before(row, work_path, wanted):
            pdf = wanted.with_suffix(".pdf")
            if taken(pdf) and not self._part_written_before(work_path, pages, pdf):
                pdf = unique_path(pdf, reserved=self._is_reserved)
            return wanted, pdf
        candidate, n = wanted, 2
        while taken(candidate) or taken(candidate.with_suffix(".pdf")):
            candidate, n = wanted.with_name(f"{wanted.stem} ({n}){wanted.suffix}"), n + 1
        return candidate, candidate.with_suffix(".pdf")

    def _part_written_before(self, batch: Path, pages: list[int], wanted: Path) -> bool:
        """Whether ``wanted`` already holds these pages of this batch: written before a power cut
        lost the plan that chose its name (the split is deterministic: the same bytes again)."""
        if not is_regular_file(wanted) or self._is_reserved(wanted):
            return False
        made = io.BytesIO()
        write_pages(batch, pages, lambda save: save(made))
        return wanted.stat().st_size == made.getbuffer().nbytes and wanted.read_bytes() == made.getvalue()

    def _agent_names(self, report: str) -> tuple[str, str]:
        """The agent's last and first names as their report's current version gives them, if known."""
        current = self.current_version(report)
        content = current.file.report if current else None
        return (content.text(cat.LAST_NAME), content.text(cat.FIRST_NAME)) if content else ("", "")

    def plan_duplicate(self, row: FileRow, original: FileRow, work_path: Path) -> None:
        destination = self._free_with_note(row, self.config.outbox / DUPLICATES / outbox_name(row.original_name),
                                           DUPLICATE_SUFFIX, work_path)
        self.journal.plan(
            row.id, outcome=Outcome.DUPLICATE, reason_code=DUPLICATE.code, destination=str(destination),
            note=str(note_path_for(destination, DUPLICATE_SUFFIX)), previous_move=None,
            report_id=original.report_id, campaign=original.campaign,
            agent_number=original.agent_number, stage=original.stage, content=None,
            findings=[DUPLICATE.finding(original=original.original_name).as_json()],
            duplicate_of=original.id)
        self._reserve_paths(str(destination), str(note_path_for(destination, DUPLICATE_SUFFIX)), None)

    def _free_with_note(self, row: FileRow, wanted: Path, suffix: str, work_path: Path) -> Path:
        """A free name whose note's name is free too (someone may have dropped a
        file named like one of our notes), neither promised to another file; or the
        name a power cut left this very file under, its plan lost."""
        if self._placed_before(row, work_path, wanted):
            return wanted
        candidate = unique_path(wanted, reserved=self._is_reserved)
        n = 2
        while os.path.lexists(note := note_path_for(candidate, suffix)) or self._is_reserved(note):
            candidate = unique_path(wanted.with_name(f"{wanted.stem} ({n}){wanted.suffix}"),
                                    reserved=self._is_reserved)
            n += 1
        return candidate

    def _placed_before(self, row: FileRow, work_path: Path, destination: Path) -> bool:
        """Whether ``destination`` already holds this file: linked, or copied (another file
        system), before a power cut lost the plan that chose it."""
        if are_same_file(work_path, destination):
            return True
        try:
            size = os.lstat(destination).st_size
        except OSError:
            return False
        # A copy is recognised by its bytes, and only if no file of the journal was put there.
        return (size == row.size and not self._is_reserved(destination)
                and not self.journal.placed_at(destination) and holds_same_bytes(destination, row.checksum))

    # -- place -------------------------------------------------------------------

    def place(self, row: FileRow, work_path: Path) -> HandledFile:
        """Carry out a planned outcome: the previous version to the history, the note,
        the file linked to its destination; the rest at the next sync point (:meth:`sync`).
        Safe to run again after a crash at any point: each step is done unless already done."""
        self._check_outbox()
        moves = []
        if row.previous_move:
            source, target = map(Path, row.previous_move)
            if not target.exists() and source.exists():
                move_no_clobber(source, target)
            elif target.exists() and source.exists() and os.path.samefile(source, target):
                source.unlink()  # a crash between link and unlink left both names
            elif not target.exists():  # neither: the outbox changed under us; never record a move not made
                raise FileNotFoundError(errno.ENOENT, "version précédente introuvable", str(source))
            # (else done before the crash; the source name may now hold the new version)
            moves.append((str(source), str(target), "version remplacée"))
            log.info("historique %s -> %s", source, target)
        destination = Path(row.destination)
        if os.path.lexists(work_path):
            if os.path.lexists(destination):
                # Linked or copied before a crash: the work name goes at the sync point.
                same = os.path.samefile(work_path, destination) or holds_same_bytes(destination, row.checksum)
                if not same:  # someone put another file there meanwhile: ours takes a free name
                    row = self._move_plan(row, unique_path(destination, reserved=self._is_reserved))
                    destination = Path(row.destination)
                    link_no_clobber(work_path, destination)
            else:
                link_no_clobber(work_path, destination)
        for part, pages in _split_parts(row).items():  # a batch scan: each report's pages, after the batch
            if not os.path.lexists(part):
                write_pages(destination, pages, lambda save, part=part: create_atomically(Path(part), save))
                log.info("exemplaire signé extrait de %s (pages %s) -> %s", row.original_name,
                         ", ".join(map(str, pages)), part)
        # The note after the file: a note on disk always has its file beside it, so a plan
        # lost in a power cut is found again from the file, and no second note is written.
        if row.note and not Path(row.note).exists():
            if row.outcome == Outcome.DUPLICATE:
                original = self.journal.file(row.duplicate_of)
                write_duplicate_note(row, original, Path(row.note),
                                     original_now=self.journal.where_now(original) or "")
            else:
                write_rejection_note(row, self.config, Path(row.note),
                                     evaluator=self.evaluators.get(row.agent_number or "", ""))
        moves.append((str(work_path), str(destination), row.reason_code or row.outcome))
        self._unsynced.append((row, moves, work_path))
        log.info("%s sha256=%s -> %s : %s%s", row.original_name, (row.checksum or "")[:12], destination,
                 row.outcome.word,  # the reason's code, for IT; a duplicate's is its outcome's word
                 f" ({row.reason_code})" if row.reason_code and row.reason_code != row.outcome.word else "")
        reasons = () if row.outcome == Outcome.ACCEPTED else tuple(
            f["message"] for f in row.findings if is_error(f) or row.outcome == Outcome.DUPLICATE)
        return HandledFile(row.original_name, row.outcome, str(destination), row.reason_code, row.stage,
                           row.report_id, reasons)

    def _check_outbox(self) -> None:
        """The outbox is still there: one moved away (or a share gone) while the service runs must
        not be silently made again, which would split the stage folders in two; the file waits."""
        if not self.config.outbox.is_dir():
            raise FileNotFoundError(errno.ENOENT, "dossier de sortie introuvable", str(self.config.outbox))

    def _move_plan(self, row: FileRow, destination: Path) -> FileRow:
        """Give a planned file another destination (its note follows it, written or not)."""
        note = None
        if row.note:
            note = note_path_for(destination, REJECTION_SUFFIX if row.outcome.turned_away else DUPLICATE_SUFFIX)
            if os.path.lexists(row.note) and not os.path.lexists(note):
                move_no_clobber(Path(row.note), note)
        log.warning("«\u202f%s\u202f» : %s est déjà occupé par un autre fichier ; il est placé sous %s.",
                    row.original_name, row.destination, destination.name)
        self._release(row)
        self.journal.move_plan(row.id, str(destination), str(note) if note else None)
        row = self.journal.file(row.id)
        self._reserve(row)
        return row

    # -- sync --------------------------------------------------------------------

    def sync(self) -> None:
        """The sync point of the files placed since the last one: the folders they were
        linked into, then their "done" (one synced journal transaction, which carries
        their claims and plans), then their work names removed. A removal lost in a power
        cut leaves a second name, which recovery removes; before the sync point, a file
        is in the work area and recovery places it again. Two fsyncs per batch, not per file."""
        placed, self._unsynced = self._unsynced, []
        if not placed:
            return
        for folder in sorted({Path(p).parent for row, _, _ in placed for p in (row.destination, *_split_parts(row))}):
            sync_folder(folder)
        self.journal.finish_all([(row, moves) for row, moves, _ in placed])
        for row, _, _ in placed:
            self._release(row)
        for _, _, work_path in placed:
            if os.path.lexists(work_path):
                work_path.unlink()

    def _waits_for_sync(self, checksum: str | None, report_id: str | None) -> bool:
        """Whether a placed file not yet marked done has these bytes or this report: the
        journal must know it before the next file is planned against it."""
        return any((checksum and row.checksum == checksum) or (report_id and row.report_id == report_id)
                   for row, _, _ in self._unsynced)

    # -- recovery ------------------------------------------------------------------

    def work_areas(self) -> list[Path]:
        areas = [self.work_dir]
        share = self.config.inbox / SHARE_WORK_FOLDER
        if share.is_dir():
            areas.append(share)
        return areas

    def recover(self) -> list[HandledFile]:
        """Finish whatever a crash left in the work area or half done in the journal."""
        handled = []
        tried: set[str] = set()  # tried once in this pass (a failure is logged once, not twice)
        for row in self.journal.unfinished():
            tried.add(row.work_name)
            work_path = next((a / row.work_name for a in self.work_areas() if (a / row.work_name).exists()),
                             self.work_dir / row.work_name)
            if row.status == CLAIMED and not work_path.exists():
                log.warning("fichier réclamé introuvable dans la zone de travail : %s", row.work_name)
                continue
            # Found claimed, counted: runs died while reading it (see _reading_here).
            if row.status == CLAIMED and row.interrupted >= INTERRUPTIONS_BEFORE_SET_ASIDE:
                self._set_aside(row, work_path)
                row = self.journal.file(row.id)
            step = self.resume if row.status == CLAIMED else (lambda path, row=row: self.place(row, path))
            handled.append(self._guarded(step, work_path))
        self.sync()  # their work names go: what is left below was never placed
        for area in self.work_areas():
            # In the order they were claimed (a claim's rename stamps the file's ctime), so that
            # what recovery decides again is what the pass would have decided.
            for leftover in sorted(area.iterdir(), key=_claim_order):
                if leftover.name in tried:
                    continue
                if is_work_name(leftover.name) and (leftover.is_file() or leftover.is_symlink()):
                    row = self.journal.file_by_work_name(leftover.name)
                    if row is None or row.status != DONE:
                        handled.append(self._guarded(self.resume, leftover))
                    elif self._still_placed(row, leftover):
                        # A power cut lost the unlink that ended the move, or a kill came after
                        # the journal marked it done: the file is in its place, this is a spare name.
                        leftover.unlink()
                        log.info("second exemplaire d'un fichier déjà placé retiré : %s", leftover)
        self.sync()
        for folder in [*self.work_areas(), *self._outbox_folders()]:
            for leftover in remove_leftover_temporaries(folder):
                log.info("fichier temporaire inachevé supprimé : %s", leftover)
        return [h for h in handled if h is not None]

    def _set_aside(self, row: FileRow, work_path: Path) -> None:
        """A file whose reading killed the run twice goes to rejets unread, with its note."""
        error = InterruptedTwice.because()
        log.warning("«\u202f%s\u202f» a interrompu le traitement %d fois : mis de côté sans être lu.",
                    row.original_name, INTERRUPTIONS_BEFORE_SET_ASIDE)
        self.plan_rejection(row, Outcome.UNREADABLE, error.code, Examination(path=work_path, error=error), [
            Finding(code=error.code, severity=ERROR, label="Fichier", message=error.message).as_json()])

    def _still_placed(self, row: FileRow, leftover: Path) -> bool:
        """Whether the file of a done row is in its place (the same file, or a copy of it)."""
        now = self.journal.where_now(row)
        return bool(now) and (are_same_file(leftover, now) or (
            holds_same_bytes(Path(now), row.checksum) and holds_same_bytes(leftover, row.checksum)))

    def _outbox_folders(self) -> list[Path]:
        """Every folder of the outbox a pass writes in (for the temporaries a crash left, a killed
        workbook rebuild's among them)."""
        outbox = self.config.outbox
        folders = [outbox, *(outbox / s.folder for s in self.catalogue.stages), outbox / REJECTS, outbox / DUPLICATES,
                   signed_batches_folder(outbox)]
        for kept in (outbox / HISTORY, outbox / SIGNED_COPIES_DIR):
            if kept.is_dir():
                folders += [agent for campaign in kept.iterdir() if campaign.is_dir()
                            for agent in campaign.iterdir() if agent.is_dir()]
        return folders


def _split_parts(row: FileRow) -> dict[str, list[int]]:
    """The PDFs a batch scan's plan makes of it: each report's copy and its pages (none for
    any other file, nor for a PDF of one report, filed whole)."""
    return row.signed.split_parts(row.destination) if row.signed else {}


def _claim_order(path: Path) -> tuple[int, str]:
    try:
        return os.lstat(path).st_ctime_ns, path.name
    except OSError:
        return 0, path.name


def _detach_other_names(work_path: Path) -> None:
    """A file dropped as a hard link to a file outside the inbox gets bytes of its own: the
    product never changes the mode of someone else's file, and no one can edit the report
    it places through another name."""
    try:
        st = os.lstat(work_path)
    except OSError:
        return
    if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
        # Replacing our own name: the other names keep the original, untouched.
        os.replace(private_copy(work_path, work_path.parent), work_path)


def reexamine_files(config: Config, paths: list[Path], *, outputs: bool = True,
                    received_on: dt.date | None = None) -> PassResult:
    """:meth:`Processor.reexamine` for each path (files of ``rejets``), then the workbooks
    rebuilt. A path that is not a turned-away file of the journal (a rejection note that
    ``outbox/rejets/*`` names too, a file not found) is skipped, with its French reason in
    ``PassResult.skipped``; the others are examined again. Raises
    :class:`~pipeline.outcomes.NotReexaminable` before anything moves when no path is a
    turned-away file. ``received_on``: see :class:`Processor`."""
    with Processor(config, received_on=received_on) as processor:
        chosen, skipped, seen = [], [], set()
        for path in map(Path, paths):  # all checked first
            if os.path.abspath(path) in seen:
                continue  # named twice: examined once
            seen.add(os.path.abspath(path))
            try:
                processor.turned_away_at(path)
            except NotReexaminable as exc:
                skipped.append((shown_name(path.name), exc.message))
                continue
            chosen.append(path)
        if not chosen:
            raise NotReexaminable(" ".join(reason for _, reason in skipped))
        for name, reason in skipped:
            log.info("réexamen refusé pour %s : %s", name, reason)
        result = PassResult(handled=[processor.reexamine(path) for path in chosen], skipped=skipped)
    if outputs:
        _outputs(config, result)
    return result


def process_inbox(config: Config, *, progress: Callable[[int, int], None] | None = None,
                  outputs: bool = True, received_on: dt.date | None = None,
                  readers: ExaminationPool | None = None) -> PassResult:
    """One pass over the inbox, then rebuild the workbooks once (never per file).
    ``progress(done, total)`` is called after each file; ``received_on``: see :class:`Processor`;
    ``readers``: see :meth:`Processor.run_pass`."""
    with Processor(config, received_on=received_on) as processor:
        result = processor.run_pass(progress, readers=readers)
    if outputs:
        _outputs(config, result)
    return result


def _outputs(config: Config, result: PassResult, *, today: dt.date | None = None,
             on_view: Callable[[object], None] | None = None) -> None:
    """After a pass: the rejection notes to evaluators (queued, then drafted or sent), then the
    workbooks, which show the messages (``today``, ``on_view``: see :func:`rebuild_workbooks`).
    Neither undoes the pass: a problem is a French warning."""
    from .mail import MailRun, dispatch
    from .workbooks import rebuild_workbooks  # the outputs step reads the journal

    try:
        result.mail = dispatch(config)
    except Exception as exc:  # noqa: BLE001 - the files are placed: mail never undoes the pass
        result.mail = MailRun(problems=[f"Courriels non traités ({describe_failure(exc)}) : ils le seront au "
                                        "prochain passage."])
        result.outputs_disk_full |= disk_full(exc) is not None
        log.warning("%s", result.mail.problems[0])
    try:
        result.workbooks = rebuild_workbooks(config, today=today, on_view=on_view)
    except Exception as exc:  # noqa: BLE001 - the files are placed: a workbook never undoes the pass
        result.workbooks_problem = (
            f"Classeurs non mis à jour ({describe_failure(exc)}) : les fichiers ont bien été traités. "
            f"Libérez de la place (ou fermez le classeur ouvert), puis lancez «\u202f{command_line(WORKBOOKS)}\u202f».")
        result.outputs_disk_full |= disk_full(exc) is not None
        log.warning("%s", result.workbooks_problem)
