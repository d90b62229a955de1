"""``entretiens archiver``: the campaign's archive, for the agents' administrative records.

::

    archives/<campagne>/
        index.csv                      one line per agent: stage reached, signed copy, PDF/A, what is missing
        empreintes.sha256              checksums of index.csv and the workbooks (sha256sum -c)
        classeurs/                     the campaign's workbooks, copied from the outbox
        <matricule> <NOM Prénom>/
            <matricule> - compte rendu <campagne>.docx   the final report, as accepted (.odt when it is one)
            <matricule> - compte rendu <campagne>.pdf    its PDF/A-2b rendering
            exemplaires_signes/*.pdf, *.jpg…             the signed copies filed in the outbox (an image with its PDF)
            historique.csv                               every version received, from the journal
            empreintes.sha256                            checksums of the folder's files (sha256sum -c)

The steps, per agent: read what the journal and the outbox hold; copy what changed (checksums
compared with those the folder's ``empreintes.sha256`` recorded); render the PDF/A only when
the report changed or its rendering is missing; write ``historique.csv``, then
``empreintes.sha256`` last. Every file is written under a temporary name then renamed, and
rewritten only when its bytes change: a killed run leaves no half file under a final name, and
the next run finishes the job. The outbox is only read. A report not at the final stage, or
without a signed copy, is listed in ``index.csv`` with what is missing; it never stops the run.
"""

from __future__ import annotations

import logging
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .catalogue import FIRST_NAME, LAST_NAME
from .config import Config
from .files import (FILE_MODE, describe_failure, disk_full, is_regular_file, make_dirs, private_copy,
                    remove_leftover_temporaries, replace_if_changed, sha256)
from .journal import FileRow, Journal
from .naming import (ARCHIVE_HISTORY_NAME, ARCHIVE_INDEX_NAME, ARCHIVE_WORKBOOKS, CHECKSUMS_NAME, PLAN_NAME,
                     SIGNED_COPIES_DIR, TEMP_PREFIX, TRACKING_NAME, archive_agent_folder_name, archived_report_name,
                     shown_name, signed_copies_folder)
from .outcomes import (ARCHIVE_AGENT_FAILED, ARCHIVE_WITHOUT_PDFA, MISSING_ACCEPTED_REPORT, MISSING_ANY_REPORT, MISSING_FINAL_REPORT, MISSING_PDFA,
                       MISSING_SIGNED_COPY, PDFA_FAILED, PDFA_NOT_MADE_NO_OFFICE, PDFA_NOT_MADE_NOT_FINAL, Outcome)
from .preflight import holds_opendocument
from .signed_copies import SIGNED_COPY_EXTENSIONS
from .text import yes_no

log = logging.getLogger("entretiens")

HISTORY_HEADER = ["Reçu le", "Fichier reçu", "Résultat", "Motif", "Étape", "Empreinte SHA-256", "Emplacement"]
INDEX_HEADER = ["Matricule", "Nom", "Prénom", "Étape atteinte", "Compte rendu final", "Exemplaires signés",
                "PDF/A", "Dossier d'archive", "Manque"]
WORKBOOK_NAMES = (f"{PLAN_NAME}.xlsx", f"{PLAN_NAME}.csv", f"{TRACKING_NAME}.xlsx")


#: The extensions of an archived final report: its own format's.
REPORT_EXTENSIONS = frozenset((".docx", ".odt"))


def report_extension(path: Path) -> str:
    """The extension a final report is archived under: ``.odt`` for an OpenDocument text, else
    ``.docx``, told by its content (a report may have been received under another name)."""
    try:
        with zipfile.ZipFile(path) as package:
            return ".odt" if holds_opendocument(package) else ".docx"
    except (OSError, zipfile.BadZipFile, ValueError):
        return ".docx"


@dataclass
class AgentArchive:
    """One agent's line of ``index.csv``."""

    agent_number: str
    last_name: str
    first_name: str
    stage: int | None  # the stage of the newest accepted version; None: no accepted version
    final: bool
    signed_copies: int
    pdfa: str  # French: conforme..., non produit..., sans objet...
    folder: Path | None
    missing: list[str] = field(default_factory=list)


@dataclass
class ArchiveResult:
    folder: Path  # archives/<campagne>
    agents: list[AgentArchive]
    written: list[Path]  # files written by this run (copied, rendered, or rewritten because they changed)
    rendered: int  # PDF/A renderings made by this run
    pdfa_available: bool  # False: no LibreOffice on this machine, the archive is made without PDF/A
    notices: list[str]  # French: what HR should know (no LibreOffice, a rendering that failed...)
    office_starts: int = 0  # LibreOffice processes started (more than one: it died and was restarted)

    @property
    def index(self) -> Path:
        return self.folder / ARCHIVE_INDEX_NAME

    def missing(self) -> list[AgentArchive]:
        return [a for a in self.agents if a.missing]


# -- checksums (sha256sum's format) ------------------------------------------------------------


def read_checksums(path: Path) -> dict[str, str]:
    """``empreintes.sha256`` as {relative path: sha256}; empty when missing or unreadable."""
    recorded = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return recorded
    for line in lines:
        escaped = line.startswith("\\")
        digest, sep, name = line[1 if escaped else 0:].partition("  ")
        if not sep or len(digest) != 64:
            continue
        if escaped:
            name = name.replace("\\n", "\n").replace("\\\\", "\\")
        recorded[name] = digest
    return recorded


def checksum_lines(checksums: dict[str, str]) -> str:
    """As ``sha256sum`` writes them (a name holding ``\\`` or a newline is escaped, the line
    starting with ``\\``), so that ``sha256sum -c`` checks the folder."""
    lines = []
    for name in sorted(checksums):
        if "\\" in name or "\n" in name:
            lines.append("\\" + checksums[name] + "  " + name.replace("\\", "\\\\").replace("\n", "\\n"))
        else:
            lines.append(checksums[name] + "  " + name)
    return "".join(line + "\n" for line in lines)


# -- the run -----------------------------------------------------------------------------------


class _Run:
    def __init__(self, config: Config, renderer):
        self.config = config
        self.campaign = config.campaign.key
        self.folder = config.archives / self.campaign
        self.final_stage = config.catalogue.final_stage
        self.renderer = renderer
        self.written: list[Path] = []
        self.rendered = 0
        self.notices: list[str] = []
        self.previous_pdfa: dict[str, str] = {}  # the last index.csv's check of each unchanged PDF/A

    # -- one file -------------------------------------------------------------------------

    def copy_in(self, source: Path, target: Path, recorded: str | None) -> str:
        """``target`` holding ``source``'s bytes; copied only when its recorded checksum differs
        (or it is missing). Returns the checksum."""
        digest = sha256(source)
        if digest == recorded and is_regular_file(target):
            return digest
        make_dirs(target.parent)
        tmp = private_copy(source, target.parent)  # synced, checksum compared
        try:
            os.replace(tmp, target)
        finally:
            if os.path.lexists(tmp):
                tmp.unlink()
        self.written.append(target)
        log.info("Archivé : %s -> %s (sha256 %s)", shown_name(str(source)), shown_name(str(target)), digest)
        return digest

    def write_text(self, target: Path, write: Callable[[Path], None]) -> None:
        if replace_if_changed(target, write):
            self.written.append(target)

    def render(self, source: Path, target: Path) -> str | None:
        """The PDF/A of ``source`` at ``target`` (a temporary name, then renamed); the error, in
        French, when it cannot be made."""
        from .pdfa import RenderError

        tmp = target.with_name(f"{TEMP_PREFIX}{target.name}")
        try:
            self.renderer.render(source, tmp)
            os.chmod(tmp, FILE_MODE)
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except RenderError as exc:
            return str(exc).rstrip(".")
        finally:
            if os.path.lexists(tmp):
                tmp.unlink()
        self.rendered += 1
        self.written.append(target)
        log.info("PDF/A : %s -> %s", shown_name(str(source)), shown_name(str(target)))
        return None

    # -- one agent ------------------------------------------------------------------------

    def agent(self, journal: Journal, number: str, roster_row, files: list[FileRow]) -> AgentArchive:
        from .pdfa import check_pdfa

        current = journal.current(f"{self.campaign}-{number}")
        content = current.file.report if current else None
        roster_values = roster_row.values if roster_row else {}
        last = (content.text(LAST_NAME) if content else "") or roster_values.get(LAST_NAME, "")
        first = (content.text(FIRST_NAME) if content else "") or roster_values.get(FIRST_NAME, "")
        stage = current.stage if current else None
        final = stage == self.final_stage
        signed_source = signed_copies_folder(self.config.outbox, self.campaign, number)
        # A copy received as an image is filed with the lossless PDF made of it: both go in.
        signed = sorted(p for p in signed_source.glob("*") if p.suffix.lower() in SIGNED_COPY_EXTENSIONS
                        and not p.name.startswith(".") and is_regular_file(p)) if signed_source.is_dir() else []
        entry = AgentArchive(number, last, first, stage, final, 0, PDFA_NOT_MADE_NOT_FINAL, None)
        if not (current or files or signed):  # nothing received: a line of the index, no folder
            entry.missing = [MISSING_ANY_REPORT, MISSING_SIGNED_COPY]
            return entry

        folder = self._agent_folder(number, last, first)
        entry.folder = folder
        make_dirs(folder)
        remove_leftover_temporaries(folder)
        remove_leftover_temporaries(folder / SIGNED_COPIES_DIR)
        recorded = read_checksums(folder / CHECKSUMS_NAME)
        checksums: dict[str, str] = {}

        if final:
            extension = report_extension(Path(current.location))
            report_name = archived_report_name(self.campaign, number, extension)
            pdf_name = archived_report_name(self.campaign, number, ".pdf")
            before = len(self.written)
            checksums[report_name] = self.copy_in(Path(current.location), folder / report_name,
                                                  recorded.get(report_name))
            report_changed = len(self.written) > before or recorded.get(report_name) != checksums[report_name]
            for other in REPORT_EXTENSIONS - {extension}:  # the previous version, in the other format: ours
                stale = folder / archived_report_name(self.campaign, number, other)
                if is_regular_file(stale):
                    stale.unlink()
            pdf = folder / pdf_name
            if report_changed and is_regular_file(pdf):
                pdf.unlink()  # the rendering of the report's previous version: ours, and wrong now
            if not report_changed and pdf_name in recorded and is_regular_file(pdf):
                checksums[pdf_name] = recorded[pdf_name]
            elif self.renderer is None:
                entry.pdfa = PDFA_NOT_MADE_NO_OFFICE
            elif (error := self.render(folder / report_name, pdf)) is not None:
                entry.pdfa = PDFA_FAILED.format(error=error)
                self.notices.append(f"{shown_name(folder.name)} : {error}.")
            else:
                checksums[pdf_name] = sha256(pdf)
            if pdf_name in checksums:
                unchanged = recorded.get(pdf_name) == checksums[pdf_name] and number in self.previous_pdfa
                entry.pdfa = self.previous_pdfa[number] if unchanged else check_pdfa(pdf).describe()

        for source in signed:
            name = f"{SIGNED_COPIES_DIR}/{source.name}"
            checksums[name] = self.copy_in(source, folder / SIGNED_COPIES_DIR / source.name, recorded.get(name))
        kept = folder / SIGNED_COPIES_DIR  # signed copies archived before and gone from the outbox are kept
        for path in sorted(kept.glob("*")) if kept.is_dir() else ():
            name = f"{SIGNED_COPIES_DIR}/{path.name}"
            if name not in checksums and is_regular_file(path) and not path.name.startswith(TEMP_PREFIX):
                checksums[name] = recorded.get(name) or sha256(path)
        # A copy received as an image is its image and the PDF made of it: one copy.
        entry.signed_copies = len({Path(name).stem for name in checksums if name.startswith(SIGNED_COPIES_DIR + "/")})

        self.write_text(folder / ARCHIVE_HISTORY_NAME, lambda tmp: _write_history(tmp, journal, files, self.config))
        checksums[ARCHIVE_HISTORY_NAME] = sha256(folder / ARCHIVE_HISTORY_NAME)
        # Last: the folder is complete once its checksums say so.
        text = checksum_lines(checksums)
        self.write_text(folder / CHECKSUMS_NAME, lambda tmp: tmp.write_text(text, encoding="utf-8"))

        if stage is None:
            entry.missing.append(MISSING_ACCEPTED_REPORT)
        elif not final:
            entry.missing.append(MISSING_FINAL_REPORT.format(stage=stage))
        if not entry.signed_copies:
            entry.missing.append(MISSING_SIGNED_COPY)
        if final and not entry.pdfa.startswith("conforme"):
            entry.missing.append(MISSING_PDFA)
        return entry

    def _agent_folder(self, number: str, last: str, first: str) -> Path:
        """The agent's folder; one made before under another spelling of the name is kept."""
        name = archive_agent_folder_name(number, last, first)
        if not (self.folder / name).is_dir() and self.folder.is_dir():
            for existing in sorted(self.folder.iterdir()):
                if existing.is_dir() and existing.name.split(" ", 1)[0] == number:
                    return existing
        return self.folder / name

    # -- the campaign ---------------------------------------------------------------------

    def workbooks(self, recorded: dict[str, str]) -> dict[str, str]:
        checksums = {}
        for name in WORKBOOK_NAMES:
            source = self.config.outbox / name
            if is_regular_file(source):
                relative = f"{ARCHIVE_WORKBOOKS}/{name}"
                checksums[relative] = self.copy_in(source, self.folder / ARCHIVE_WORKBOOKS / name,
                                                   recorded.get(relative))
        return checksums


def archive_campaign(config: Config, *, renderer=None,
                     progress: Callable[[int, int], None] | None = None) -> ArchiveResult:
    """See :func:`pipeline.archive_campaign`."""
    from .examine import roster_agents
    from .pdfa import open_renderer

    roster = roster_agents(config) or {}
    own_renderer = renderer is None
    if own_renderer:
        renderer = open_renderer()
    run = _Run(config, renderer)
    if renderer is None:
        run.notices.append(ARCHIVE_WITHOUT_PDFA)  # the command prints the notices
    try:
        make_dirs(run.folder)
        remove_leftover_temporaries(run.folder)
        remove_leftover_temporaries(run.folder / ARCHIVE_WORKBOOKS)
        with Journal(config.state_dir) as journal:
            by_agent: dict[str, list[FileRow]] = {}
            for row in journal.iter_agent_files(run.campaign):
                by_agent.setdefault(row.agent_number, []).append(row)
            current = {r.agent_number for r in journal.iter_current_reports(run.campaign)}
            signed_root = config.outbox / SIGNED_COPIES_DIR / run.campaign
            signed = {p.name for p in signed_root.iterdir() if p.is_dir()} if signed_root.is_dir() else set()
            numbers = sorted(set(roster) | set(by_agent) | current | signed)
            run.previous_pdfa = _previous_pdfa(run.folder / ARCHIVE_INDEX_NAME)
            agents = []
            for done, number in enumerate(numbers, 1):
                try:
                    agents.append(run.agent(journal, number, roster.get(number), by_agent.get(number, [])))
                except OSError as exc:  # a file moved by a pass meanwhile, a share gone: the others go on
                    if disk_full(exc):  # but not on a full disk: the command stops, and says so once
                        raise
                    problem = ARCHIVE_AGENT_FAILED.format(agent=number, reason=describe_failure(exc))
                    run.notices.append(problem)
                    agents.append(AgentArchive(number, "", "", None, False, 0, "", None, [problem]))
                if progress:
                    progress(done, len(numbers))
        recorded = read_checksums(run.folder / CHECKSUMS_NAME)
        checksums = run.workbooks(recorded)
        run.write_text(run.folder / ARCHIVE_INDEX_NAME, lambda tmp: _write_index(tmp, agents, run.folder))
        checksums[ARCHIVE_INDEX_NAME] = sha256(run.folder / ARCHIVE_INDEX_NAME)
        text = checksum_lines(checksums)
        run.write_text(run.folder / CHECKSUMS_NAME, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    finally:
        starts = getattr(renderer, "starts", 0)
        if own_renderer and renderer is not None:
            renderer.close()
    return ArchiveResult(run.folder, agents, run.written, run.rendered, renderer is not None, run.notices,
                         office_starts=starts)


def _write_history(path: Path, journal: Journal, files: list[FileRow], config: Config) -> None:
    from .workbooks.csv_export import write_csv

    rows = []
    for row in files:
        where = journal.where_now(row) or ""
        rows.append([
            row.received_moment.strftime("%d/%m/%Y %H:%M"), shown_name(row.original_name), Outcome(row.outcome).word if row.outcome else "",
            row.reason_code or "", str(row.stage) if row.stage is not None else "", row.checksum or "",
            _relative(where, config.outbox.parent),
        ])
    write_csv(path, HISTORY_HEADER, rows)


def _write_index(path: Path, agents: list[AgentArchive], folder: Path) -> None:
    from .workbooks.csv_export import write_csv

    write_csv(path, INDEX_HEADER, [
        [a.agent_number, a.last_name, a.first_name, str(a.stage) if a.stage is not None else "", yes_no(a.final),
         str(a.signed_copies), a.pdfa, a.folder.name if a.folder else "", " ; ".join(a.missing)]
        for a in agents])


def _previous_pdfa(index: Path) -> dict[str, str]:
    """Agent number -> the «\u202fPDF/A\u202f» column of the previous run's index.csv (a PDF/A whose
    checksum did not change is not checked again)."""
    import csv

    try:
        with open(index, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle, delimiter=";"))
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}
    if not rows or rows[0] != INDEX_HEADER:
        return {}
    number, pdfa = INDEX_HEADER.index("Matricule"), INDEX_HEADER.index("PDF/A")
    return {row[number]: row[pdfa] for row in rows[1:] if len(row) == len(INDEX_HEADER)}




def _relative(path: str, base: Path) -> str:
    if not path:
        return ""
    try:
        return Path(path).relative_to(base).as_posix()
    except ValueError:
        return path
