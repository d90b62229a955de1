"""Shared fixtures: rosters written as HR writes them, generated workspaces,
Word files read back through ``pipeline.ooxml``, and LibreOffice runs.

Expensive things (a 50-agent campaign, LibreOffice conversions) are built
once per session and shared; LibreOffice conversions go through one persistent
LibreOffice per test process (tests/office.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from pipeline import ooxml
from pipeline.config import Config
from pipeline.generate import generate

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "templates"
TODAY = dt.date(2026, 11, 2)
# The day the tests' passes receive their files (``received_on``): after every date their reports
# carry (December 2026 to mid-January 2027), whatever the machine's clock says; a report's date
# after the day it is received is a typo (``date_posterieure_reception``).
RECEIVED = dt.date(2027, 2, 1)


def before_the_clock() -> dict[str, object]:
    """``fill_report`` keywords for a report whose workflow ended before the machine's clock (the
    roster's invitation and interview dates replaced too): for a pass in a child process (the
    ``entretiens`` command, the watcher), which receives its files on the real day."""
    from pipeline import catalogue as cat

    review = dt.date(2026, 10, 14)
    return {"review": review, "overrides": {cat.INVITATION_DATE: review - dt.timedelta(days=12),
                                            cat.REVIEW_DATE: review}}

ROSTER_HEADER = [
    "matricule", "nom", "prénom", "grade", "service", "poste", "évaluateur",
    "fonction de l'évaluateur", "date de convocation", "date d'entretien", "heure", "lieu",
    "encadrant",
]


def agent(matricule: object, nom: str, prenom: str, **other: object) -> dict[str, object]:
    """One roster row, keyed by the roster's French column names."""
    row = {
        "matricule": matricule, "nom": nom, "prénom": prenom,
        "grade": "Adjoint administratif", "service": "Accueil", "poste": "Agent d'accueil",
        "évaluateur": "Sophie Durand", "fonction de l'évaluateur": "Cadre de santé",
        "date de convocation": "02/12/2026", "date d'entretien": "14/12/2026",
        "heure": "09:30", "lieu": "Bureau 12", "encadrant": "non",
    }
    row.update(other)
    return row


# Names that break naive code: apostrophes (straight and typographic), accents,
# Turkish letters, and XML specials in a service name.
TRICKY_AGENTS = [
    agent("100231", "N'Diaye", "Moussa", service="Cardiologie", grade="Aide-soignant"),
    agent("100232", "D'Arcy-Lefèvre", "Anne-Sophie", service="Ressources humaines",
          poste="Gestionnaire paie & carrière", lieu="Salle « Orion »"),
    agent("100233", "Öztürk", "Çağla", service="R&D <labo>", poste="Technicienne <bâtiment>",
          encadrant="oui", **{"date d'entretien": "16/12/2026"}),
    agent("100234", "L’Hôte", "Zoé", poste="Chargée d’accueil", **{"évaluateur": "Marc L’Écuyer"}),
]


def write_csv(path: Path, rows: list[dict[str, str]], *, sep: str = ";",
              encoding: str = "utf-8-sig", header: list[str] = ROSTER_HEADER) -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        out = csv.writer(handle, delimiter=sep, lineterminator="\r\n")
        out.writerow(header)
        for row in rows:
            out.writerow([row.get(column, "") for column in header])
    return path


def write_xlsx(path: Path, rows: list[dict[str, object]],
               header: list[str] = ROSTER_HEADER) -> Path:
    """An Excel roster: pass real ``datetime`` values and numeric matricules to get
    the cell types Excel users produce."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Agents"
    sheet.append([column.capitalize() for column in header])
    for row in rows:
        sheet.append([row.get(column) for column in header])
    book.save(path)
    return path


def make_config(base: Path, **raw) -> Config:
    """A configuration rooted in ``base``; templates are the committed ones unless
    ``dossiers`` says otherwise."""
    folders = {"entree": "inbox", "sortie": "outbox", "modeles": str(TEMPLATES),
               "etat": ".entretiens"}
    folders.update(raw.pop("dossiers", {}))
    return Config.model_validate({"dossiers": folders, "base_dir": base, **raw})


def restamp_version(path: Path, version: str) -> None:
    """Rewrite a document's ``cp:version`` (docProps/core.xml) in place, or remove it when
    ``version`` is empty: what a template of an older build, or a report made on another form
    version, looks like."""
    with zipfile.ZipFile(path) as archive:
        parts = {info: archive.read(info) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts.items():
            if info.filename == "docProps/core.xml":
                text = data.decode()
                start, end = text.index("<cp:version>"), text.index("</cp:version>") + len("</cp:version>")
                data = (text[:start] + (f"<cp:version>{version}</cp:version>" if version else "")
                        + text[end:]).encode()
            archive.writestr(info, data)


# -- reading Word files back ----------------------------------------------------------


@dataclass
class Docx:
    """A .docx read with the product's own hardened parser."""

    path: Path

    def __post_init__(self):
        with zipfile.ZipFile(self.path) as archive:
            self.parts = {name: archive.read(name) for name in archive.namelist()}
        self.document = ooxml.parse_xml(self.parts["word/document.xml"])
        self.core = ooxml.parse_xml(self.parts["docProps/core.xml"])

    def core_property(self, name: str) -> str | None:
        return ooxml.core_property(self.core, name)

    def controls(self, tag: str) -> list:
        return [sdt for sdt in ooxml.iter_controls(self.document) if ooxml.control_tag(sdt) == tag]

    def tags(self) -> list[str]:
        return [t for t in map(ooxml.control_tag, ooxml.iter_controls(self.document)) if t]

    def value(self, tag: str) -> str:
        """Text of the value cell holding the one control tagged ``tag``."""
        (sdt,) = self.controls(tag)
        return ooxml.cell_text(ooxml.enclosing(sdt, "w:tc"))

    def paragraphs(self, part: str = "word/document.xml") -> list[str]:
        root = self.document if part == "word/document.xml" else ooxml.parse_xml(self.parts[part])
        return [ooxml.paragraph_text(p) for p in root.iter(ooxml.qn("w:p"))]

    def text(self) -> str:
        return "\n".join(self.paragraphs())

    def header_text(self) -> str:
        names = sorted(n for n in self.parts if n.startswith("word/header") and n.endswith(".xml"))
        return "\n".join(line for name in names for line in self.paragraphs(name))

    def footer_text(self) -> str:
        names = sorted(n for n in self.parts if n.startswith("word/footer") and n.endswith(".xml"))
        return "\n".join(line for name in names for line in self.paragraphs(name))

    def label_rows(self) -> dict[str, list[list]]:
        """Two-cell rows by the text of their label cell's first paragraph."""
        rows: dict[str, list[list]] = {}
        for table in ooxml.iter_tables(self.document):
            for cells in ooxml.table_rows(table):
                if len(cells) != 2:
                    continue
                first = next(cells[0].iter(ooxml.qn("w:p")), None)
                label = ooxml.paragraph_text(first) if first is not None else ""
                rows.setdefault(label, []).append(cells)
        return rows

    def tables_with_header(self, labels: list[str]) -> list[list[list]]:
        """Tables (as rows of cells) whose first row reads exactly ``labels``."""
        found = []
        for table in ooxml.iter_tables(self.document):
            rows = ooxml.table_rows(table)
            if rows and [ooxml.cell_text(c) for c in rows[0]] == labels:
                found.append(rows)
        return found


@pytest.fixture(scope="session")
def committed_report() -> Docx:
    return Docx(TEMPLATES / "compte_rendu.docx")


# -- generated workspaces (one per session) ---------------------------------------------


@dataclass
class Campaign:
    config: Config
    roster: Path
    result: object  # GenerateResult
    progress: list[tuple[int, int]]

    def report_of(self, matricule: str) -> Docx:
        (path,) = [p for p in self.result.reports if f"_{matricule}_" in p.name]
        return Docx(path)

    def invitation_of(self, matricule: str) -> Docx:
        (path,) = [p for p in self.result.invitations if f"_{matricule}_" in p.name]
        return Docx(path)


@pytest.fixture(scope="session")
def tricky_campaign(tmp_path_factory) -> Campaign:
    """GIVEN a csv roster of agents with apostrophes, accents and XML specials
    WHEN generate runs THEN (see the tests) everything comes out intact."""
    base = tmp_path_factory.mktemp("tricky")
    roster = write_csv(base / "agents.csv", TRICKY_AGENTS)
    config = make_config(base)
    return Campaign(config, roster, generate(config, roster, today=TODAY), [])


FIFTY = 50


@pytest.fixture(scope="session")
def fifty_campaign(tmp_path_factory) -> Campaign:
    """A 50-agent Excel roster (real Excel dates, numeric matricules) generated once."""
    base = tmp_path_factory.mktemp("fifty")
    rows = []
    for n in range(FIFTY):
        rows.append(agent(
            200000 + n, f"Nom{n:02d}", f"Prénom{n:02d}",
            **{"date de convocation": dt.datetime(2026, 12, 1),
               "date d'entretien": dt.datetime(2026, 12, 10) + dt.timedelta(days=n % 20)}))
    roster = write_xlsx(base / "agents.xlsx", rows)
    config = make_config(base)
    calls: list[tuple[int, int]] = []
    result = generate(config, roster, today=TODAY, progress=lambda d, t: calls.append((d, t)))
    return Campaign(config, roster, result, calls)


# -- running in parallel (pytest-xdist: ``-n auto --dist loadgroup`` in pyproject's addopts) -----------

# Every worker has its own temporary folders (tmp_path_factory), LibreOffice profiles, UNO pipes and
# ports. These modules run whole on one worker: the first two hold something of the machine's, or time
# a service; the others have a costly module- or session-wide set-up (a campaign generated, filled and
# processed, LibreOffice conversions, the demo) used by many of their tests, which one worker then
# builds once instead of each worker for the few tests it would be given.
ONE_WORKER_MODULES = {
    "test_smb_share",  # smbd listens on 127.0.0.1:445, the machine's only SMB port
    "test_watch_service",  # the watcher's timing windows are its subject; its reports are made once
    "test_archive", "test_campaign", "test_check", "test_dashboard", "test_demo", "test_generate", "test_mail",
    "test_parallel",
    "test_read", "test_signed_copies", "test_status", "test_workbooks", "test_workbooks_costs",
    "test_workbooks_tracking", "test_employers",
}
# Not grouped, though their module-wide set-ups are shared by many tests: test_employer_import,
# test_employer_read, test_employer_template, test_layout, test_civility. Their set-ups cost a
# few seconds; spread over both workers, their hundreds of short tests even out the end of the run.


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` with each module of ONE_WORKER_MODULES as one group, every other test on
    its own. The groups are named here, not by ``xdist_group`` marks: xdist 3.8 passes a mark to the
    scheduler by rewriting the test's node id, which pytest 9.2 no longer lets it do (the marks are
    then silently ignored: pytest-xdist issue 1386)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ModuleGroups(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::")[0]
            return module if Path(module).stem in ONE_WORKER_MODULES else super()._split_scope(nodeid)

    return ModuleGroups(config, log)


# -- LibreOffice ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def soffice() -> str:
    from tests.lo import soffice as find_soffice

    return find_soffice()


@pytest.fixture(scope="session")
def convert(soffice, tmp_path_factory):
    """``convert(files, "pdf")`` -> output folder: what ``soffice --convert-to`` makes of every
    file, done by the test process's one persistent LibreOffice (tests/office.py; one soffice call
    with a private profile where no Python has ``uno``)."""
    from tests import lo

    profile = tmp_path_factory.mktemp("lo-profile")

    def run(files: list[Path], target: str) -> Path:
        out = tmp_path_factory.mktemp(f"lo-{target.split(':')[0]}")
        lo.convert_all(files, target, out, profile, timeout=900)
        return out

    return run


def pytest_sessionfinish(session):
    """The test process's LibreOffice (tests/office.py) is shut down with the session."""
    from tests.office import close

    close()


def write_workspace(base: Path, agents: list[dict], **settings) -> "Config":
    """A workspace as HR sets it up: config.yaml beside a csv roster."""
    import yaml

    from pipeline.config import load_config

    base.mkdir(parents=True, exist_ok=True)
    write_csv(base / "agents.csv", agents)
    data = {"liste_agents": "agents.csv", "dossiers": {"modeles": str(TEMPLATES)}, **settings}
    (base / "config.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(base / "config.yaml")


def settle(folder: Path, seconds: float = 3600.0) -> None:
    """Every file under ``folder`` last changed ``seconds`` ago: dropped earlier, its copy long
    finished, as a pass run from cron finds it (a pass leaves alone what changed within
    ``surveillance.stabilite_s``, see pipeline.inbox.not_ready)."""
    import os
    import time

    then = time.time() - seconds
    for path in Path(folder).rglob("*"):
        if path.is_file() and not path.is_symlink():
            os.utime(path, (then, then))
