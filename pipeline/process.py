"""``process``: take every file of the inbox once and leave it in exactly one place.

For each file, in order::

    claim      atomic rename into the work area (the journal records it)
    checksum   sha256 of the bytes received
    duplicate  byte-identical to a file already handled -> doublons/
    examine    preflight, read, validate (pipeline.examine)
    compare    against the report's current version: older stage, changes to
               what the evaluator signed, stages skipped, refusal to sign
    plan       outcome, destination and note written to the journal
    place      previous version -> history, note, file linked to its destination
               (the only step that writes in the outbox)

then, every ``SYNC_BATCH`` files, at the end of the pass, or before a file that
shares its bytes or its report with one placed since::

    sync       the destination folders synced, the placed files marked done in
               one synced journal transaction, their work names removed

A crash at any point is finished by :meth:`Processor.recover` at the next
start: a claimed file is examined again, a planned one is placed as planned.
Until its batch's sync point a file is still in the work area, so a power cut
loses no file, only work that recovery redoes.
"""

from __future__ import annotations

import datetime as dt
import errno
import fnmatch
import gc
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import catalogue as cat
from .catalogue import Catalogue
from .config import Config
from .examine import Examination, examine, known_agents
from .files import (is_regular_file, link_no_clobber, make_dirs, move_no_clobber, remove_leftover_temporaries,
                    sha256, shorten_name, sync_folder, unique_path)
from .generate import agent_file_stem, safe_filename
from .journal import FileRow, Journal, warn_if_network_fs
from .notes import (DUPLICATE_SUFFIX, REJECTION_SUFFIX, note_path_for, write_duplicate_note,
                    write_rejection_note)
from .validate import ERROR, WARNING, Finding

log = logging.getLogger("entretiens")

# Left alone, never moved, never noted: office suites and copy tools leave these.
IGNORED_PATTERNS = ("~$*", ".~lock.*#", ".*", "thumbs.db", "desktop.ini", "*.tmp", "*.part")
WORK_FOLDER = "travail"
# Files placed between two sync points of a pass (see Processor.sync).
SYNC_BATCH = 64
SHARE_WORK_FOLDER = ".entretiens_en_cours"  # in the inbox, when the state dir is on another disk
SEPARATOR = "__"
# Room left in a 255-byte name for our prefixes (work area) and suffixes (notes, " (2)").
NAME_BUDGET = 200
REJECTS, DUPLICATES, HISTORY = "rejets", "doublons", "historique"

ACCEPTED, REJECTED, UNREADABLE, DUPLICATE = "accepted", "rejected", "unreadable", "duplicate"
# How logs and messages name an outcome.
OUTCOME_WORDS = {ACCEPTED: "accepté", REJECTED: "rejeté", UNREADABLE: "illisible", DUPLICATE: "doublon"}


def is_ignored(name: str, extra_patterns: tuple[str, ...] = ()) -> bool:
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in (*IGNORED_PATTERNS, *extra_patterns))


@dataclass
class Outcome:
    original_name: str
    outcome: str
    destination: str
    reason_code: str | None = None
    stage: int | None = None
    report_id: str | None = None


@dataclass
class PassResult:
    outcomes: list[Outcome] = field(default_factory=list)
    workbooks: list[Path] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)


def _finding(code: str, severity: str, message: str, label: str = "") -> dict:
    return Finding(code=code, severity=severity, label=label, message=message).as_json()


def _normalized(value: object) -> object:
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalized(v) for k, v in value.items()}
    return value


def changed_signed_fields(catalogue: Catalogue, before: dict, after: dict) -> list[str]:
    """Labels of the fields the evaluator signed whose content differs (spacing and case aside)."""
    changed = []
    for f in catalogue.evaluator_fields():
        source = "tableaux" if f.kind == "table" else "champs"
        old, new = before.get(source, {}).get(f.key), after.get(source, {}).get(f.key)
        if _normalized(old) != _normalized(new):
            changed.append(f.label)
    return changed


class Processor:
    """One workspace's processing. Use as a context manager (it holds the journal)."""

    def __init__(self, config: Config):
        self.config = config
        self.catalogue = config.catalogue
        make_dirs(config.state_dir)
        warn_if_network_fs(config.state_dir)
        self.journal = Journal(config.state_dir)
        self.work_dir = make_dirs(config.state_dir / WORK_FOLDER)
        self.agents = known_agents(config)
        # Placed (linked to their destination), not yet synced nor marked done: row, moves, work path.
        self._unsynced: list[tuple[FileRow, list[tuple[str, str, str]], Path]] = []

    def close(self) -> None:
        try:
            self.sync()
        finally:
            self.journal.close()

    def __enter__(self) -> "Processor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the pass ------------------------------------------------------------------

    def inbox_files(self) -> list[Path]:
        inbox = self.config.inbox
        if not inbox.is_dir():
            raise FileNotFoundError(2, "dossier d'entrée introuvable", str(inbox))
        extra = tuple(self.config.watch.ignore_patterns)
        return sorted(
            (p for p in inbox.iterdir() if not is_ignored(p.name, extra) and (p.is_file() or p.is_symlink())),
            key=lambda p: p.name,
        )

    def run_pass(self, progress: Callable[[int, int], None] | None = None) -> PassResult:
        """Recover what a crash left, then take every file of the inbox once."""
        result = PassResult(outcomes=self.recover())
        files = self.inbox_files()
        for done, path in enumerate(files, 1):
            outcome = self._guarded(self._take, path)
            if outcome:
                result.outcomes.append(outcome)
            if len(self._unsynced) >= SYNC_BATCH:
                self._sync_or_finish_later()
            if progress:
                progress(done, len(files))
        self._sync_or_finish_later()
        return result

    def _guarded(self, step, path: Path) -> Outcome | None:
        """One file's trouble never stops the pass: it stays where it is (inbox or
        work area) and is tried again at the next pass."""
        try:
            return step(path)
        except OSError as exc:
            log.error("fichier %s laissé en attente, nouvel essai au prochain passage : %s",
                      path.name, exc.strerror or exc, exc_info=log.isEnabledFor(logging.DEBUG))
            return None

    def _sync_or_finish_later(self) -> None:
        """A sync point that fails (disk full, share gone) does not stop the pass: the
        batch's files wait in the work area, planned, and the next pass finishes them."""
        try:
            self.sync()
        except OSError as exc:
            log.error("lot de fichiers placés non confirmé (%s) : ils restent dans la zone de travail "
                      "et seront terminés au prochain passage", exc.strerror or exc,
                      exc_info=log.isEnabledFor(logging.DEBUG))

    def take(self, inbox_path: Path) -> Outcome | None:
        """Claim one inbox file and handle it, on disk when this returns. ``None`` if it
        vanished meanwhile."""
        try:
            return self._take(inbox_path)
        finally:
            self.sync()

    def _take(self, inbox_path: Path) -> Outcome | None:
        claimed = self.claim(inbox_path)
        if claimed is None:
            return None
        return self.handle(*claimed)

    def sync(self) -> None:
        """The sync point of the files placed since the last one: the folders they were
        linked into, then their "done" (one synced journal transaction, which carries
        their claims and plans), then their work names removed. A removal lost in a power
        cut leaves a second name, which recovery removes; before the sync point, a file
        is in the work area and recovery places it again. Two fsyncs per batch, not per file."""
        placed, self._unsynced = self._unsynced, []
        if not placed:
            return
        for folder in sorted({Path(row.destination).parent for row, _, _ in placed}):
            sync_folder(folder)
        self.journal.finish_all([(row, moves) for row, moves, _ in placed])
        for _, _, work_path in placed:
            if os.path.lexists(work_path):
                work_path.unlink()

    def _waits_for_sync(self, checksum: str | None, report_id: str | None) -> bool:
        """Whether a placed file not yet marked done has these bytes or this report: the
        journal must know it before the next file is planned against it."""
        return any((checksum and row.checksum == checksum) or (report_id and row.report_id == report_id)
                   for row, _, _ in self._unsynced)

    # -- steps ---------------------------------------------------------------------

    def claim(self, inbox_path: Path) -> tuple[Path, FileRow] | None:
        """Atomic rename into the work area: from now on no one else takes it."""
        work_name = f"{uuid.uuid4().hex[:12]}{SEPARATOR}{shorten_name(inbox_path.name, NAME_BUDGET)}"
        target = self.work_dir / work_name
        try:
            os.rename(inbox_path, target)
        except FileNotFoundError:
            return None  # taken by someone else, or removed by its owner
        except OSError as exc:
            if exc.errno != errno.EXDEV:  # the inbox is on another disk (a share)
                raise
            share_work = make_dirs(inbox_path.parent / SHARE_WORK_FOLDER)
            target = share_work / work_name
            os.rename(inbox_path, target)
        log.info("reçu %s -> %s", inbox_path, target)
        return target, self._record_claim(target, inbox_path.name)

    def _record_claim(self, work_path: Path, original: str) -> FileRow:
        if is_regular_file(work_path):
            checksum, size = sha256(work_path), work_path.stat().st_size
        else:  # a link, a pipe: never read (it could be endless); preflight turns it away
            checksum, size = f"non-regular:{work_path.name}", 0
        return self.journal.claim(work_path.name, original, checksum, size)

    def handle(self, work_path: Path, row: FileRow | None = None) -> Outcome:
        row = row or self.journal.file_by_work_name(work_path.name)
        if row is None:  # claimed, then a crash before the journal knew it
            row = self._record_claim(work_path, work_path.name.split(SEPARATOR, 1)[-1])
        if row.status == "claimed":
            self.plan(row, work_path)
            row = self.journal.file(row.id)
        return self.place(row, work_path)

    def plan(self, row: FileRow, work_path: Path) -> None:
        if self._waits_for_sync(row.checksum, None):
            self.sync()
        original = self.journal.done_with_checksum(row.checksum) if row.size else None
        if original is not None:
            self._plan_duplicate(row, original, work_path)
            return
        received = dt.datetime.fromisoformat(row.received_at).date()
        exam = examine(work_path, self.config, agents=self.agents, received=received)
        if exam.error is not None:
            self._plan_rejection(row, UNREADABLE, exam.error.code, exam, [
                _finding(exam.error.code, ERROR, exam.error.message, "Fichier")])
            return
        findings = [f.as_json() for f in exam.validation.findings]
        content = self._content(exam)
        if self._waits_for_sync(None, exam.report.report_id):
            self.sync()
        current = self.journal.current(exam.report.report_id) if exam.report.report_id else None
        stage = exam.validation.stage
        extra, blocking = self._compare(exam, content, current)
        findings.extend(extra)
        if not exam.validation.accepted or blocking:
            code = blocking or next(f.code for f in exam.validation.errors)
            self._plan_rejection(row, REJECTED, code, exam, findings, content)
            return
        stem = agent_file_stem(exam.report.campaign or self.config.campaign.key, exam.report.values)
        folder = self.config.outbox / self.catalogue.stage(stage).folder
        destination = folder / f"{stem}.docx"
        previous = None
        if (current is None or Path(current.location) != destination) and not _second_name_of(
                work_path, destination):  # (a power cut lost the plan of a link already made)
            # The version being replaced frees its own name: it moves to history first.
            destination = unique_path(destination)
        if current is not None:
            old = Path(current.location)
            history = self.config.outbox / HISTORY / (exam.report.campaign or "") / safe_filename(
                exam.report.agent_number or "")
            previous = (str(old), str(unique_path(history / old.name)))
        self.journal.plan(
            row.id, outcome=ACCEPTED, reason_code=None, destination=str(destination), note=None,
            previous_move=previous, report_id=exam.report.report_id, campaign=exam.report.campaign,
            agent_number=exam.report.agent_number, stage=stage, content=content, findings=findings)

    def _compare(self, exam: Examination, content: dict, current) -> tuple[list[dict], str | None]:
        """Findings from the report's history; the code of a blocking one, if any."""
        stage = exam.validation.stage
        findings: list[dict] = []
        refused = exam.report.value(cat.REFUSED_TO_SIGN) is True
        if refused and stage == self.catalogue.final_stage:
            findings.append(_finding(
                "refus_de_signer", WARNING,
                "L'agent a refusé de signer le compte rendu : ce refus, porté sur le document, vaut "
                "notification. Le compte rendu est versé au dossier de l'agent.",
                self.catalogue.field(cat.REFUSED_TO_SIGN).label))
        if current is None:
            if stage > 1:
                findings.append(_finding(
                    "etape_hors_ordre", WARNING,
                    f"Première version reçue pour ce compte rendu, déjà à l'étape {stage} : les étapes "
                    "précédentes n'ont pas été transmises au service RH."))
            return findings, None
        if stage < current.stage:
            findings.append(_finding(
                "version_anterieure", ERROR,
                f"Une version plus avancée de ce compte rendu (étape {current.stage}) a déjà été "
                f"enregistrée. Ce fichier, à l'étape {stage}, est plus ancien : il n'est pas pris "
                "en compte. Vérifiez que vous transmettez bien la dernière version."))
            return findings, "version_anterieure"
        changed = changed_signed_fields(self.catalogue, current.file.content or {}, content)
        if changed:
            findings.append(_finding(
                "modification_apres_signature", ERROR,
                "Des rubriques signées par l'évaluateur ont été modifiées depuis la version "
                f"enregistrée le {current.file.received_at[:10]} : {', '.join(f'« {c} »' for c in changed)}. "
                "Ces rubriques ne peuvent plus changer ; repartez de la version signée."))
            return findings, "modification_apres_signature"
        if stage > current.stage + 1:
            findings.append(_finding(
                "etape_hors_ordre", WARNING,
                f"Le compte rendu passe de l'étape {current.stage} à l'étape {stage} : la version "
                "intermédiaire n'a pas été transmise au service RH."))
        return findings, None

    @staticmethod
    def _content(exam: Examination) -> dict:
        report = exam.report
        return {
            "champs": report.values,
            "tableaux": report.tables,
            "dates": {k: v.isoformat() if v else None for k, v in report.dates.items()},
            "version_formulaire": report.template_version,
        }

    def _plan_rejection(self, row: FileRow, outcome: str, code: str, exam: Examination,
                        findings: list[dict], content: dict | None = None) -> None:
        destination = self._free_with_note(self.config.outbox / REJECTS / self._outbox_name(row),
                                           REJECTION_SUFFIX, exam.path)
        note = note_path_for(destination, REJECTION_SUFFIX)
        report = exam.report
        self.journal.plan(
            row.id, outcome=outcome, reason_code=code, destination=str(destination), note=str(note),
            previous_move=None, report_id=report.report_id if report else None,
            campaign=report.campaign if report else None,
            agent_number=report.agent_number if report else None,
            stage=exam.stage, content=content, findings=findings)

    @staticmethod
    def _free_with_note(wanted: Path, suffix: str, work_path: Path) -> Path:
        """A free name whose note's name is free too (someone may have dropped a
        file named like one of our notes); or the name a power cut left linked to
        this very file, its plan lost."""
        if _second_name_of(work_path, wanted):
            return wanted
        candidate = unique_path(wanted)
        n = 2
        while os.path.lexists(note_path_for(candidate, suffix)):
            candidate = unique_path(wanted.with_name(f"{wanted.stem} ({n}){wanted.suffix}"))
            n += 1
        return candidate

    @staticmethod
    def _outbox_name(row: FileRow) -> str:
        return shorten_name(safe_filename(row.original_name), NAME_BUDGET)

    def _plan_duplicate(self, row: FileRow, original: FileRow, work_path: Path) -> None:
        destination = self._free_with_note(self.config.outbox / DUPLICATES / self._outbox_name(row),
                                           DUPLICATE_SUFFIX, work_path)
        self.journal.plan(
            row.id, outcome=DUPLICATE, reason_code="doublon", destination=str(destination),
            note=str(note_path_for(destination, DUPLICATE_SUFFIX)), previous_move=None,
            report_id=original.report_id, campaign=original.campaign,
            agent_number=original.agent_number, stage=original.stage, content=None,
            findings=[_finding("doublon", WARNING,
                               f"Copie identique de « {original.original_name} », déjà traité.")],
            duplicate_of=original.id)

    def place(self, row: FileRow, work_path: Path) -> Outcome:
        """Carry out a planned outcome: the previous version to the history, the note,
        the file linked to its destination; the rest at the next sync point (:meth:`sync`).
        Safe to run again after a crash at any point: each step is done unless already done."""
        moves = []
        if row.previous_move:
            source, target = map(Path, row.previous_move)
            if not target.exists() and source.exists():
                move_no_clobber(source, target)
            elif target.exists() and source.exists() and os.path.samefile(source, target):
                source.unlink()  # a crash between link and unlink left both names
            # (else done before the crash; the source name may now hold the new version)
            moves.append((str(source), str(target), "version remplacée"))
            log.info("historique %s -> %s", source, target)
        if row.note and not Path(row.note).exists():
            if row.outcome == DUPLICATE:
                original = self.journal.file(row.duplicate_of)
                write_duplicate_note(row, original, Path(row.note),
                                     original_now=self.journal.where_now(original) or "")
            else:
                write_rejection_note(row, self.config, Path(row.note))
        destination = Path(row.destination)
        if os.path.lexists(work_path):
            if os.path.lexists(destination):
                # Linked before a crash: both names of the same file (the work one goes at the sync point).
                same = os.path.samefile(work_path, destination) or (
                    is_regular_file(destination) and sha256(destination) == row.checksum)
                if not same:
                    raise FileExistsError(f"{destination} existe déjà avec un autre contenu")
            else:
                link_no_clobber(work_path, destination)
        moves.append((str(work_path), str(destination), row.reason_code or row.outcome))
        self._unsynced.append((row, moves, work_path))
        log.info("%s sha256=%s -> %s : %s%s", row.original_name, (row.checksum or "")[:12], destination,
                 OUTCOME_WORDS.get(row.outcome, row.outcome),
                 f" ({row.reason_code})" if row.reason_code else "")
        return Outcome(row.original_name, row.outcome, str(destination), row.reason_code, row.stage,
                       row.report_id)

    # -- recovery ------------------------------------------------------------------

    def work_areas(self) -> list[Path]:
        areas = [self.work_dir]
        share = self.config.inbox / SHARE_WORK_FOLDER
        if share.is_dir():
            areas.append(share)
        return areas

    def recover(self) -> list[Outcome]:
        """Finish whatever a crash left in the work area or half done in the journal."""
        outcomes = []
        for row in self.journal.unfinished():
            work_path = next((a / row.work_name for a in self.work_areas() if (a / row.work_name).exists()),
                             self.work_dir / row.work_name)
            if row.status == "claimed" and not work_path.exists():
                log.warning("fichier réclamé introuvable dans la zone de travail : %s", row.work_name)
                continue
            step = self.handle if row.status == "claimed" else (lambda path, row=row: self.place(row, path))
            outcomes.append(self._guarded(step, work_path))
        self.sync()  # their work names go: what is left below was never placed
        for area in self.work_areas():
            for leftover in sorted(area.iterdir()):
                if SEPARATOR in leftover.name and (leftover.is_file() or leftover.is_symlink()):
                    row = self.journal.file_by_work_name(leftover.name)
                    if row is None or row.status != "done":
                        outcomes.append(self._guarded(self.handle, leftover))
                    elif _second_name_of(leftover, self.journal.where_now(row)):
                        # A power cut lost the unlink that ended the move (it is not synced).
                        leftover.unlink()
                        log.info("second nom d'un fichier déjà placé retiré : %s", leftover)
        self.sync()
        for folder in (REJECTS, DUPLICATES):
            for leftover in remove_leftover_temporaries(self.config.outbox / folder):
                log.info("fichier temporaire d'une note inachevée supprimé : %s", leftover)
        return [o for o in outcomes if o is not None]


def _second_name_of(path: Path, other: str | Path | None) -> bool:
    """Whether ``other`` names the very file ``path`` names (a hard link; links not followed)."""
    if not other:
        return False
    try:
        first, second = os.lstat(path), os.lstat(other)
    except OSError:
        return False
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def settle_startup_objects() -> None:
    """Take what imports and the configuration made (modules, catalogue, parsers) out of
    the cyclic garbage collector's rounds: they live as long as the process, and a long
    pass would otherwise walk them again at each full collection. For entry points (the
    ``process`` and ``watch`` commands), once, before the first pass."""
    gc.collect()
    gc.freeze()


def process_inbox(config: Config, *, progress: Callable[[int, int], None] | None = None,
                  outputs: bool = True) -> PassResult:
    """One pass over the inbox, then rebuild the workbooks once (never per file)."""
    with Processor(config) as processor:
        result = processor.run_pass(progress)
    if outputs:
        from .workbooks import rebuild_workbooks  # the outputs step reads the journal

        result.workbooks = rebuild_workbooks(config)
    return result
