"""A workspace that serves several employers (config.yaml ``employeurs``): a centre de gestion,
a group of hospitals, a ministry's HR platform.

Each employer is a workspace of its own inside the shared one (:meth:`Config.employer_view`):
its inbox, outbox, templates, journal and archives under its code, its roster, form, authority,
HR contact and delays, its campaign key carrying its code (``2026_C044``), hence its reports'
identifiers (``2026_C044-100231``: the same agent number in two communes is two agents).
Everything that works on one workspace works on one employer unchanged. This module adds what
spans them:

- :func:`route_inbox`: a file dropped in the shared inbox (at its top, or in any subfolder that
  is not an employer's code) goes to its employer's inbox folder (``inbox/<code>/``), found by
  its identifier (or a signed copy's page codes), else by its agent in the employers' rosters
  (agent number, then name); a file no employer can be found for goes to
  ``outbox/non_attribues/`` with a French note saying why and what to do. A report made here is
  routed by its document properties, without being read before its employer's pass reads it; a
  file already in ``inbox/<code>/`` is only checked that way (one of another employer is taken
  to its own folder).
- :func:`process_employers`: routing, then one pass per employer with something to do, then
  the consolidated workbook.
- the views for all employers are pipeline/consolidated.py's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import logging
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from . import catalogue as cat
from . import odf
from .beside import frozen
from .config import Config
from .employer_form import FINGERPRINT_PREFIX
from .files import copy_no_clobber, make_dirs, rename_no_clobber, replace_atomically, unique_path
from .inbox import list_inbox, not_ready
from .logs import TOLD_BY_THE_COMMAND
from .naming import is_ignored, shown_name
from .outcomes import ConfigError, DiskFull, EntretiensError, UnreadableReport
from .parallel import ExaminationPool, release_free_memory, start_pool, worker_count

log = logging.getLogger("entretiens")

UNASSIGNED_FOLDER = "non_attribues"  # outbox/: files no employer could be found for, each with its note
UNASSIGNED_NOTE_SUFFIX = " - motif.txt"

NO_EMPLOYER = ("Ce fichier ne dit pas de quel employeur il est : ni son identifiant, ni son matricule, ni le nom "
               "de l'agent ne se retrouvent chez un des employeurs de config.yaml.")
SEVERAL_EMPLOYERS = ("L'agent {agent} se trouve dans les listes de plusieurs employeurs ({codes}) : le fichier ne "
                     "permet pas de savoir lequel.")
BATCH_OF_SEVERAL = ("Ce lot numérisé contient des comptes rendus de plusieurs employeurs ({codes}) : numérisez "
                    "séparément les comptes rendus de chaque employeur.")
WHAT_TO_DO = ("Déposez-le dans le sous-dossier de son employeur, dans le dossier d'entrée (par exemple "
              "{example}) : il sera traité au prochain passage.")
WHAT_TO_DO_UNREADABLE = ("Une fois corrigé comme indiqué ci-dessus, déposez-le de nouveau dans le dossier d'entrée (ou "
                         "dans le sous-dossier de son employeur, par exemple {example}).")


NOT_PROCESSED = ("Employeur {employer} non traité : {why} Ses fichiers restent dans son dossier d'entrée ({inbox}) "
                 "pour le prochain passage.")


class _Unreadable(str):
    """A reason that is the file's (it cannot be read), not the employers': its note says to drop
    it again once corrected, rather than in its employer's folder."""


def unknown_employer(config: Config, code: str) -> ConfigError:
    known = ", ".join(e.code for e in config.employers) or "aucun"
    return ConfigError(f"L'employeur «\u202f{code}\u202f» n'est pas dans config.yaml (employeurs : {known}).")


def views_of(config: Config, code: str | None = None) -> list[Config]:
    """The employers' views a command works on: the one ``code`` names, else every one
    (``[config]`` for a workspace of one employer). Raises :class:`ConfigError` for an unknown
    code, or a code given to a workspace without ``employeurs``."""
    if code is None:
        return config.employer_views()
    if not config.employers:
        raise ConfigError("L'option --employeur ne sert que si config.yaml liste des employeurs (clé employeurs).")
    try:
        return [config.employer_view(code)]
    except KeyError:
        raise unknown_employer(config, code) from None


def employer_label(view: Config) -> str:
    """«\u202fC044 – Commune de Saint-Aignan\u202f»; "" for a workspace of one employer."""
    return f"{view.employer.code} – {view.employer.name}" if view.employer is not None else ""


# -- routing ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Routed:
    received_name: str  # as dropped, relative to the shared inbox
    employer: str  # its code
    where: str  # where it is now (in the employer's inbox folder): a Path weighs 650 bytes, 65 MB at 100,000

    @property
    def path(self) -> Path:
        return Path(self.where)


@dataclass
class Unassigned:
    received_name: str
    path: Path  # in outbox/non_attribues
    reason: str  # French


@dataclass
class Routing:
    routed: list[Routed] = field(default_factory=list)
    unassigned: list[Unassigned] = field(default_factory=list)
    left_alone: list[tuple[str, str]] = field(default_factory=list)  # not ready yet: (name, why)


class _Rosters:
    """The employers' rosters, each read when first needed (a file with no identifier only); and
    what routing looks up for every file, made once: the employers by campaign key, and by form."""

    def __init__(self, views: list[Config]):
        self.views = views
        self._numbers: dict[str, dict] = {}
        self.by_key = {v.campaign.key.casefold(): v for v in views}
        self.form_groups = _form_groups(views)

    def numbers(self, view: Config) -> dict:
        from .examine import roster_agents

        code = view.employer.code
        if code not in self._numbers:
            try:
                self._numbers[code] = roster_agents(view) or {}
            except Exception as exc:  # noqa: BLE001 - a roster that cannot be read routes nothing, said in the log
                log.warning("Liste des agents de l'employeur %s illisible pour l'aiguillage : %s",
                            code, getattr(exc, "message", exc))
                self._numbers[code] = {}
        return self._numbers[code]

    def holding(self, number: str, last_name: str, first_name: str) -> list[Config]:
        """The employers whose roster has this agent number; when several, those whose row has
        this name too."""
        from .employer_read import person_key

        found = [v for v in self.views if number in self.numbers(v)]
        if len(found) > 1 and last_name:
            wanted = person_key(last_name, first_name)
            same = [v for v in found if person_key(self.numbers(v)[number].values.get(cat.LAST_NAME, ""),
                                                   self.numbers(v)[number].values.get(cat.FIRST_NAME, ""))[0] == wanted[0]]
            found = same or found
        return found

    def named(self, last_name: str, first_name: str, views: list[Config]) -> list[tuple[Config, str]]:
        from .employer_read import person_key

        wanted = person_key(last_name, first_name)
        return [(v, number) for v in views for number, row in self.numbers(v).items()
                if person_key(row.values.get(cat.LAST_NAME, ""), row.values.get(cat.FIRST_NAME, "")) == wanted]


def _form_groups(views: list[Config]) -> list[list[Config]]:
    """The employers grouped by the form their reports are read with (the product's own form of a
    public service, or an employer's mapping): a file is read once per group at most."""
    groups: dict[tuple, list[Config]] = {}
    for view in views:
        key = (str(view.employer_form) if view.employer_form else None, view.public_service)
        groups.setdefault(key, []).append(view)
    return list(groups.values())


PROPERTIES_PART, MAIN_PART = "docProps/core.xml", "word/document.xml"
PROPERTIES_MAX_BYTES = 64 * 1024  # a document's core properties (an .odt's meta.xml) take about 1 KB
MAIN_PART_MAX_BYTES = 8 * 1024 * 1024  # larger: read whole, under the package's own limits
_IDENTIFIER_PROPERTY = re.compile(rb"<dc:identifier>([^<]{1,200})</dc:identifier>")
_VERSION_PROPERTY = re.compile(rb"<cp:version>([^<]{1,200})</cp:version>")
_FOOTER_PARTS = "word/footer"  # where modeles writes the identifier on an employer's .docx form


def _owner_by_properties(path: Path, by_key: dict[str, Config]) -> Config | None:
    """The employer a report made here names in its document properties, read alone (a .docx's,
    an .odt's: an employer's .odt form, our report saved by LibreOffice): a file in an employer's
    inbox folder is checked with it, at a small part of a reading's cost. ``None`` when the
    properties name none (not ours, unreadable)."""
    try:
        with zipfile.ZipFile(path) as archive:
            identifier, _ = _identifier_property(archive)
    except _UNREADABLE:
        return None
    key, dash, _ = (identifier or "").strip().partition("-")
    return by_key.get(key.casefold()) if dash else None


def _identifier_property(archive: zipfile.ZipFile) -> tuple[str | None, tuple[str, ...]]:
    """The ``dc:identifier`` of a package's properties (docProps/core.xml, an .odt's meta.xml:
    LibreOffice keeps a .docx's there, ``entretiens modeles`` writes an employer's .odt form's
    there), and the parts whose text shows a report's identifier as its reader takes it: the body
    (our template's identifier field, which wins when retyped), and, on an employer's form (its
    version a fingerprint), the footers where ``modeles`` prints it."""
    names = set(archive.namelist())
    if PROPERTIES_PART in names:
        properties = archive.getinfo(PROPERTIES_PART)
        if properties.file_size > PROPERTIES_MAX_BYTES:
            return None, ()
        data = archive.read(properties)
        found, version = _IDENTIFIER_PROPERTY.search(data), _VERSION_PROPERTY.search(data)
        footers = sorted(name for name in names if name.startswith(_FOOTER_PARTS) and name.endswith(".xml"))
        employer_form = version is not None and version.group(1).startswith(FINGERPRINT_PREFIX.encode())
        return (found.group(1).decode("utf-8", "replace") if found else None), (
            (MAIN_PART, *footers) if employer_form else (MAIN_PART,))
    if odf.META_PART in names:
        meta = archive.getinfo(odf.META_PART)
        if meta.file_size > PROPERTIES_MAX_BYTES:
            return None, ()
        properties = odf.meta_properties(archive.read(meta))
        employer_form = (properties.get("cp:version") or "").startswith(FINGERPRINT_PREFIX)
        return properties.get("dc:identifier"), (
            (odf.CONTENT_PART, odf.STYLES_PART) if employer_form else (odf.CONTENT_PART,))
    return None, ()


def _identifier_in_properties(path: Path) -> str | None:
    """The identifier ``generate`` wrote in a report's document properties (a .docx's, an .odt's),
    when the document's text holds it too (its identifier's field, unless retyped: the field wins,
    as when the report is read; an employer's form's footer), found without parsing the document:
    about a tenth of a reading's time. ``None`` otherwise (a copy of an employer's form filled by
    hand, an identifier retyped, a broken file: those are read whole)."""
    try:
        with zipfile.ZipFile(path) as archive:
            identifier, shown_in = _identifier_property(archive)
            identifier = (identifier or "").strip()
            if not identifier:
                return None
            wanted = identifier.encode("utf-8")
            for name in shown_in:
                info = archive.getinfo(name)
                if info.file_size > MAIN_PART_MAX_BYTES:
                    return None
                if wanted in archive.read(info):
                    break
            else:
                return None
    except _UNREADABLE:
        return None
    from .text import normalize_identifier

    return normalize_identifier(identifier) or None


_UNREADABLE = (OSError, KeyError, ValueError, EOFError, RuntimeError, NotImplementedError, zipfile.BadZipFile,
               etree.LxmlError)


def _employer_of(path: Path, name: str, config: Config, views: list[Config], rosters: _Rosters
                 ) -> tuple[Config | None, str]:
    """The employer a received file belongs to, or ``None`` and why (French).

    A report made here says it in its document properties: its identifier's campaign key
    (``2026_C044-100231``) names the employer, and the file is not read here (its employer's
    pass reads it). Otherwise it is read by each employer's form in turn."""
    from .examine import package_limits
    from .read import read_report
    from .signed_copies import identify, is_signed_copy_candidate

    by_key = rosters.by_key
    if is_signed_copy_candidate(path, name):
        caps = config.file_caps
        try:
            found = identify(path, campaign=config.campaign.key, max_mb=caps.max_pdf_mb, max_pages=caps.max_pdf_pages)
        except UnreadableReport as exc:
            return None, _Unreadable(exc.message)
        owners = []
        for copy in found.copies:
            view = by_key.get(copy.campaign.casefold())
            if view is None:
                holders = rosters.holding(copy.agent_number, "", "")
                view = holders[0] if len(holders) == 1 else None
            owners.append(view)
        codes = {v.employer.code for v in owners if v is not None}
        if len(codes) > 1:
            return None, BATCH_OF_SEVERAL.format(codes=", ".join(sorted(codes)))
        if codes and None not in owners:
            return next(v for v in owners if v is not None), ""
        return None, NO_EMPLOYER
    identifier = _identifier_in_properties(path)
    if identifier and "-" in identifier and (view := by_key.get(identifier.partition("-")[0].casefold())) is not None:
        return view, ""
    error: UnreadableReport | None = None
    read = False  # by one form at least: then why it went nowhere is the employers', not the file's
    reason = NO_EMPLOYER
    for group in rosters.form_groups:
        try:
            report = read_report(path, group[0].form, limits=package_limits(group[0]), name=name)
        except UnreadableReport as exc:
            error = error or exc
            continue
        read = True
        if report.campaign and (view := by_key.get(report.campaign.casefold())) is not None:
            return view, ""
        last, first = (str(report.values.get(k) or "") for k in (cat.LAST_NAME, cat.FIRST_NAME))
        if report.agent_number:
            holders = rosters.holding(report.agent_number, last, first)
            if len(holders) == 1:
                return holders[0], ""
            if holders:
                reason = SEVERAL_EMPLOYERS.format(agent=report.agent_number,
                                                  codes=", ".join(v.employer.code for v in holders))
                continue
        if last.strip():
            named = rosters.named(last, first, group)
            if len({v.employer.code for v, _ in named}) == 1:
                return named[0][0], ""
            if named:
                reason = SEVERAL_EMPLOYERS.format(agent=f"{first} {last.upper()}".strip(),
                                                  codes=", ".join(sorted({v.employer.code for v, _ in named})))
    return None, _Unreadable(error.message) if error is not None and not read else reason


def make_inbox_folders(config: Config) -> None:
    """Each employer's inbox folder (``inbox/<code>/``), for HR to drop its files straight into."""
    for view in config.employer_views():
        if view.employer is not None:
            make_dirs(view.inbox)


def route_inbox(config: Config) -> Routing:
    """Take each ready file of the shared inbox that is not yet in an employer's folder to its
    employer's (``inbox/<code>/``, keeping its subfolders), or to ``outbox/non_attribues/`` with
    a note. A file still being copied stays for a later pass. Never overwrites: a name already
    taken gets a number («\u202fCR (2).docx\u202f»)."""
    routing = Routing()
    inbox = config.inbox
    if not config.employers or not inbox.is_dir():
        return routing
    views = config.employer_views()
    codes = {v.employer.code for v in views}  # as written: inbox/<code> is the employer's inbox folder
    watch = config.watch
    ignored = tuple(watch.ignore_patterns)
    rosters = _Rosters(views)
    for path in list_inbox(inbox, ignored).files:
        relative = path.relative_to(inbox)
        name = str(relative)
        if len(relative.parts) > 1 and relative.parts[0] in codes:
            # Already in an employer's folder: left to its pass, unless its document properties name
            # another employer of the workspace (dropped in the wrong folder: taken to its own).
            owner = _owner_by_properties(path, rosters.by_key)
            if owner is None or owner.employer.code == relative.parts[0]:
                continue
            relative = Path(*relative.parts[1:])
        why = not_ready(path, window=watch.stability_window, incomplete_after=watch.incomplete_after)
        if why is not None:
            routing.left_alone.append((shown_name(name), why))
            continue
        view, reason = _employer_of(path, path.name, config, views, rosters)
        if view is not None:
            target = _move(path, view.inbox / relative)
            routing.routed.append(Routed(shown_name(name), view.employer.code, str(target)))
            log.info("«\u202f%s\u202f» aiguillé vers l'employeur %s.", shown_name(name), view.employer.code)
        else:
            target = _move(path, config.outbox / UNASSIGNED_FOLDER / relative.name)
            _write_note(target, name, reason, _what_to_do(config, views, read=not isinstance(reason, _Unreadable)))
            reason = str(reason)
            routing.unassigned.append(Unassigned(shown_name(name), target, reason))
            log.warning("«\u202f%s\u202f» n'a pu être attribué à aucun employeur : %s Il est dans %s.",
                        shown_name(name), reason, target.parent)
    return routing


def _remove_if_empty(folder: Path, top: Path) -> None:
    """A subfolder below ``top`` (an employer's inbox folder) that routing made for a file, once its
    pass has taken the file, goes, and its parents emptied with it; ``top`` itself and a folder still
    holding anything stay. HR's own folders of the shared inbox are never removed."""
    while folder != top and folder.is_relative_to(top):
        try:
            folder.rmdir()  # only ever removes an empty folder
        except OSError:
            return
        folder = folder.parent


def _what_to_do(config: Config, views: list[Config], *, read: bool) -> str:
    example = views[0].inbox
    example = example.relative_to(config.base_dir) if example.is_relative_to(config.base_dir) else example
    return (WHAT_TO_DO if read else WHAT_TO_DO_UNREADABLE).format(example=f"{example}{os.sep}")


def _move(path: Path, target: Path) -> Path:
    """``path`` moved to ``target``, or beside it under a free name; never over a file. Across
    file systems (the inbox on a share, the outbox on the local disk) a complete copy first, the
    original removed only then: a crash leaves the file in the inbox, at worst copied twice."""
    make_dirs(target.parent)
    for _ in range(5):  # another process may take the name between the check and the rename
        free = unique_path(target)
        try:
            rename_no_clobber(path, free)
            return free
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            try:
                copy_no_clobber(path, free)
            except FileExistsError:
                continue
            os.unlink(path)
            return free
    raise FileExistsError(target)


def _write_note(target: Path, received: str, reason: str, what_to_do: str) -> None:
    note = target.with_name(target.name + UNASSIGNED_NOTE_SUFFIX)
    kept = f" (rangé ici sous le nom {target.name})" if received != target.name else ""
    text = (f"Fichier reçu : {shown_name(received)}{kept}\n\n{reason}\n\n"
            f"{what_to_do}\n")
    replace_atomically(unique_path(note), lambda p: p.write_text(text, encoding="utf-8"))


# -- the pass over every employer -------------------------------------------------------------------


@dataclass
class EmployersPass:
    """What :func:`process_employers` did: the routing, then each employer's pass (its view and
    its :class:`~pipeline.process.PassResult`), then the consolidated workbook."""

    routing: Routing
    passes: list[tuple[Config, object]] = field(default_factory=list)
    workbooks: list[Path] = field(default_factory=list)
    workbooks_problem: str | None = None
    # Employers whose pass could not run (their roster or templates unusable): (code, the French
    # sentence that says so: NOT_PROCESSED).
    # The others' passes ran: one employer's mistake never holds up the rest.
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def handled(self) -> list:
        return [handled for _, result in self.passes for handled in result.handled]

    @property
    def outputs_disk_full(self) -> bool:
        return any(result.outputs_disk_full for _, result in self.passes)


def has_work(view: Config) -> bool:
    """Whether an employer's pass has anything to do: a file in its inbox folder, or one an
    interrupted pass left in its work area."""
    return pending_files(view, stop_at=1) > 0


def pending_files(view: Config, *, stop_at: int | None = None) -> int:
    """How many files an employer's pass would take (its inbox folder's, and those an interrupted
    pass left in its work area), counted up to ``stop_at`` when given."""
    from .naming import WORK_FOLDER

    count = 0
    for folder in (view.inbox, view.state_dir / WORK_FOLDER):
        for _, subfolders, names in os.walk(folder):  # nothing for a folder that does not exist
            subfolders[:] = [d for d in subfolders if not is_ignored(d)]
            count += sum(1 for name in names if not is_ignored(name))  # an empty folder is no work
            if stop_at is not None and count >= stop_at:
                return count
    return count


OUTPUTS_IN_WORKERS_FROM = 8  # employers with a pass: below, their outputs are made here, one after the other


def _employers_outputs(config: Config, passes: list[tuple[Config, object]], today: dt.date) -> dict[str, dict]:
    """Each employer's outputs after its pass (:func:`pipeline.process._outputs`: its rejection
    notes' mail, then its workbooks, dashboard and summary), once every pass is done, and its part
    of the workspace's export (:func:`pipeline.consolidated.employer_entry`, made from the
    campaign view its workbooks were made from); those parts by employer code, in the passes'
    order. For many employers, on every processor (as many as ``lecture_parallele`` gives a
    pass): an employer's outputs take about a second whatever its size, mostly the workbooks and
    the summary's PDF, and each employer's are its own files, so they are made side by side, by
    this process and worker processes (one fewer than the processors: this process would
    otherwise only wait, and a worker's imports alone weigh about 130 MB). A worker that fails
    makes that employer's here."""
    reading = config.parallel_reading
    workers = min(worker_count(reading.workers, len(passes), OUTPUTS_IN_WORKERS_FROM), len(passes))
    entries: dict[str, dict] = {}
    if workers < 2:
        for view, result in passes:
            entries[view.employer.code] = _outputs_and_entry(view, result, today)
        return entries
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    try:
        executor = ProcessPoolExecutor(workers - 1, mp_context=multiprocessing.get_context("spawn"))
    except (ImportError, NotImplementedError, OSError):  # no shared memory, no more processes
        for view, result in passes:
            entries[view.employer.code] = _outputs_and_entry(view, result, today)
        return entries

    def here(view: Config, result) -> None:
        entries[view.employer.code] = _outputs_and_entry(view, result, today)
        release_free_memory()  # cheap: what the passes left is frozen out of the collector's rounds

    def received(future, view: Config, result) -> None:
        try:
            made, entries[view.employer.code] = future.result()
        except BrokenProcessPool:  # a worker killed (out of memory): its employer's outputs made here
            here(view, result)
            return
        for name, value in made.items():
            setattr(result, name, value)

    waiting = list(reversed(passes))  # the workers take from the front, this process from the back
    running: dict = {}
    with frozen():  # the passes' results (100,000 handled files) never walked by this process's collections
        with executor:
            while waiting or running:
                # Each worker with one employer more in hand than it is making (never idle), while
                # there are more employers left than processors.
                while waiting and len(running) < (workers - 1) * (2 if len(waiting) > workers else 1):
                    view, result = waiting.pop()
                    try:
                        running[executor.submit(_outputs_in_worker, view, today)] = (view, result)
                    except (BrokenProcessPool, OSError, RuntimeError):  # the workers could not start
                        here(view, result)
                for future in [f for f in running if f.done()]:
                    received(future, *running.pop(future))
                if waiting:
                    here(*waiting.pop(0))
                elif running:
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        received(future, *running.pop(future))
    return {view.employer.code: entries[view.employer.code] for view, _ in passes}


def _outputs_and_entry(view: Config, result, today: dt.date) -> dict | None:
    """One employer's outputs (:func:`pipeline.process._outputs`), then its part of the export
    from the campaign view its workbooks were made from (``None`` when they could not be made:
    the export makes it again)."""
    from .consolidated import employer_entry
    from .process import _outputs

    made = []
    _outputs(view, result, today=today, on_view=made.append)
    if not made or result.workbooks_problem:
        return None
    try:
        return employer_entry(view, today=today, campaign=made[0])
    except Exception as exc:  # noqa: BLE001 - the export makes it again, and says what fails
        log.debug("partie de l'export non faite pour %s : %s", view.employer.code, exc)
        return None


def _outputs_in_worker(view: Config, today: dt.date) -> tuple[dict, dict | None]:
    """In a worker of :func:`_employers_outputs`: one employer's outputs and its part of the
    export; what the pass's result records of them."""
    from .process import PassResult

    result = PassResult()
    entry = _outputs_and_entry(view, result, today)
    release_free_memory()  # the worker's next employer starts from its imports, not from this one's peak
    return ({"mail": result.mail, "workbooks": result.workbooks, "workbooks_problem": result.workbooks_problem,
             "outputs_disk_full": result.outputs_disk_full}, entry)


def process_employers(config: Config, *, progress: Callable[[int, int], None] | None = None,
                      outputs: bool = True, received_on: dt.date | None = None,
                      employer: str | None = None) -> EmployersPass:
    """Route the shared inbox (:func:`route_inbox`), then one pass for each employer with work
    (:func:`pipeline.process.process_inbox` on its view: its stage folders, notes, mail and
    workbooks), then the consolidated workbook. ``employer``: that one only (routing still
    takes every file of the shared inbox to its employer's folder)."""
    from .consolidated import CONSOLIDATED_NAME, consolidated_outputs
    from .process import process_inbox

    done = EmployersPass(routing=route_inbox(config))
    make_inbox_folders(config)
    pending = [(view, pending_files(view)) for view in views_of(config, employer)]
    pending = [(view, count) for view, count in pending if count or employer is not None]
    with _shared_readers(config, sum(count for _, count in pending)) as readers:
        for view, _ in pending:
            try:
                done.passes.append((view, process_inbox(view, progress=progress, outputs=False,
                                                        received_on=received_on, readers=readers)))
            except DiskFull:
                raise  # the disk is everyone's: the run stops
            except EntretiensError as exc:
                said = NOT_PROCESSED.format(employer=employer_label(view), why=exc.message, inbox=view.inbox)
                done.failed.append((view.employer.code, said))
                log.error("%s", said, extra=TOLD_BY_THE_COMMAND)  # the command prints it once
    for routed in done.routing.routed:  # the subfolders routing made, emptied by their pass
        _remove_if_empty(routed.path.parent, config.inbox / routed.employer)
    release_free_memory()  # what the passes left in the heap, before the outputs' workers start
    today = dt.date.today()  # one day for every employer's outputs and the export made of them
    entries = _employers_outputs(config, done.passes, today) if outputs else {}
    moved = done.passes or done.routing.routed or done.routing.unassigned
    if outputs and (moved or not (config.outbox / CONSOLIDATED_NAME).exists()):
        try:
            done.workbooks = consolidated_outputs(config, today=today,
                                                  entries={k: v for k, v in entries.items() if v is not None})
        except Exception as exc:  # noqa: BLE001 - the files are placed: a workbook never undoes the pass
            from .command_names import WORKBOOKS, command_line
            from .files import describe_failure

            done.workbooks_problem = (f"Classeur de tous les employeurs non mis à jour ({describe_failure(exc)}) : "
                                      f"lancez «\u202f{command_line(WORKBOOKS)}\u202f».")
            log.warning("%s", done.workbooks_problem)
    return done


@contextlib.contextmanager
def _shared_readers(config: Config, files: int) -> Iterator[ExaminationPool | None]:
    """One pool of reader processes for every employer's pass, when all their files together are
    enough for a pass to read in parallel (``lecture_parallele``): started once, not once per
    employer (two interpreters, about half a second of processor each time: a minute and a half
    for 300 employers). ``None``: each pass reads as it would alone."""
    reading = config.parallel_reading
    workers = worker_count(reading.workers, files, reading.from_files) if config.employers else 0
    pool = start_pool(config, None, workers) if workers else None
    if pool is None:
        yield None
        return
    with pool:
        yield pool


def check_employers_files(config: Config, paths: list[Path], *, employer: str | None = None) -> list:
    """``verifier`` in a workspace of several employers: each file examined as its employer's (the
    one ``employer`` names, else the one a pass would route it to); a file no employer can be
    found for is an :class:`~pipeline.examine.Examination` with its reason as error."""
    from .examine import Examination, examine, known_agents

    views = views_of(config, employer)
    rosters = _Rosters(views)
    results = []
    for path in map(Path, paths):
        view, reason = (views[0], "") if employer is not None else _employer_of(path, path.name, config, views, rosters)
        if view is None:
            error = UnreadableReport(reason)
            error.code = "employeur_introuvable"
            results.append(Examination(path=path, error=error))
        else:
            results.append(examine(path, view, agents=known_agents(view)))
    return results
