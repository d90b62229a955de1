"""For a centre de gestion: each affiliated employer's final reports, gathered ready to send to the
commission administrative paritaire (CAP).

Décret n° 2014-1526, art. 6: the report, once notified, is filed in the agent's record and a copy
is sent to the centre de gestion of an affiliated employer, for the CAP. A workspace that serves
several employers (pipeline/employers.py) gathers, for each employer under the territorial
profile, the reports of its last stage (notified, filed) in ``outbox/pour_la_cap/<code>/`` with an
``index.csv`` (one line per report: agent, grade, service, date of notification, file), rebuilt
with the consolidated workbook. The reports are second names of the files of the employer's last
stage folder (hard links; copies where links are not possible): nothing is moved, nothing is
overwritten, and a report already gathered stays as it is.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from . import catalogue as cat
from .config import Config
from .files import holds_same_bytes, link_no_clobber, make_dirs, replace_atomically, sha256, unique_path
from .journal import Journal
from .naming import stage_folder
from .text import counted, format_date

log = logging.getLogger("entretiens")

CAP_FOLDER = "pour_la_cap"
CAP_INDEX = "index.csv"
CAP_PUBLIC_SERVICE = "territoriale"  # the CAP copy is the territorial decree's (art. 6)
REPORT_SUFFIXES = (".docx", ".odt")


def cap_folder(config: Config, code: str) -> Path:
    return config.outbox / CAP_FOLDER / code


def gather_for_cap(config: Config) -> list[Path]:
    """For each employer of the territorial profile, its final reports and their index in
    ``outbox/pour_la_cap/<code>/``; returns the index files written. A workspace of one employer,
    or employers of other profiles, gather nothing."""
    from .workbooks.csv_export import write_csv

    written = []
    for view in config.employer_views():
        if view.employer is None or view.public_service != CAP_PUBLIC_SERVICE:
            continue
        catalogue = view.catalogue
        final = stage_folder(view.outbox, catalogue, catalogue.stages[-1].number)
        target = cap_folder(config, view.employer.code)
        rows = []
        present = _present(target)
        last = catalogue.stages[-1].number
        with Journal(view.state_dir) as journal:
            finals = [(Path(r.location), r.file) for r in journal.iter_current_reports(view.campaign.key)
                      if r.stage == last and r.location]
        for source, file in sorted(finals, key=lambda item: item[0].name):
            if not source.is_file() or source.parent != final:
                continue  # moved by HR since: the index says what is gathered
            gathered = _gathered(source, target, present)
            report = file.report
            notified = report.dates.get(cat.NOTIFICATION_DATE)
            rows.append([file.agent_number or "", report.text(cat.LAST_NAME), report.text(cat.FIRST_NAME),
                         report.text(cat.GRADE), report.text(cat.SERVICE), format_date(notified) if notified else "",
                         gathered.name])
        make_dirs(target)
        index = target / CAP_INDEX
        replace_atomically(index, lambda p: write_csv(p, ["Matricule", "Nom", "Prénom", "Grade", "Service",
                                                          "Date de notification", "Fichier"], rows))
        written.append(index)
        log.info("Pour la CAP : %s de l'employeur %s dans %s.", counted(len(rows), "compte rendu", "comptes rendus"),
                 view.employer.code, target)
    return written


def _present(folder: Path) -> dict[tuple[int, int], Path]:
    """The files already gathered in ``folder``, by their identity on disk (a link's is its source's)."""
    found = {}
    if folder.is_dir():
        for path in folder.iterdir():
            if path.suffix.lower() in REPORT_SUFFIXES:
                stat = os.stat(path, follow_symlinks=False)
                found[stat.st_dev, stat.st_ino] = path
    return found


def _gathered(source: Path, folder: Path, present: dict[tuple[int, int], Path]) -> Path:
    """``source``'s name in ``folder``: the one it already has there (the same file, or a copy with
    the same bytes), else a new one, beside an earlier version under that name rather than over it."""
    stat = os.stat(source, follow_symlinks=False)
    if (found := present.get((stat.st_dev, stat.st_ino))) is not None:
        return found
    target = folder / source.name
    if target.exists():
        if holds_same_bytes(target, sha256(source)):
            return target  # a copy made where links are not possible
        target = unique_path(target)
    link_no_clobber(source, target)
    return target
