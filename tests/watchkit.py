"""Helpers for the watcher's end-to-end tests and its benchmark (no pytest here).

- ``Sources``: reports made by the project's own template (``generate`` from a roster CSV written
  here, templates built from the current catalogue), filled to stage 1 with ``fill_report``; made
  once, shared by every workspace;
- ``make_workspace``: a folder with its own config.yaml, inbox, outbox and state dir, using the
  sources' roster and templates; the watcher's settings go in its «\u202fsurveillance\u202f» section;
- ``make_batch``: many distinct files cheaply (accepted versions, duplicates, rejected reports,
  renamed PDFs) from a handful of sources;
- ``Service``: the real ``python -m pipeline surveiller`` (``entretiens surveiller``) in a subprocess;
- ``placed``: where every dropped file ended, counted by sha256.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run by the benchmark too
    sys.path.insert(0, str(REPO))

from pipeline.command_names import WATCH  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from pipeline.filling import fill_report  # noqa: E402
from pipeline.generate import generate  # noqa: E402
from pipeline.naming import DUPLICATE_SUFFIX, REJECTION_SUFFIX  # noqa: E402

TODAY = dt.date(2026, 9, 21)
# The agents' interview: in the past, as the watcher (a service, on the machine's clock) receives
# files on the real day and rejects a report dated after it (``date_posterieure_reception``).
REVIEW = dt.date(2026, 10, 14)
INVITATION = REVIEW - dt.timedelta(days=12)
ROSTER_HEADER = ["matricule", "nom", "prénom", "grade", "service", "poste", "évaluateur",
                 "fonction de l'évaluateur", "date de convocation", "date d'entretien", "heure", "lieu",
                 "encadrant"]


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_roster(path: Path, count: int, first: int = 400000) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        out.writerow(ROSTER_HEADER)
        for n in range(count):
            out.writerow([first + n, f"Nom{n:03d}", f"Prénom{n:03d}", "Adjoint administratif", "Accueil",
                          "Agent d'accueil", "Sophie Durand", "Cadre de santé", f"{INVITATION:%d/%m/%Y}",
                          f"{REVIEW:%d/%m/%Y}", "09:30", "Bureau 12", "non"])
    return path


def write_config(folder: Path, *, roster: Path, templates: Path, surveillance: dict | None = None,
                 inbox: Path | None = None) -> Path:
    """config.yaml; ``surveillance``: the watcher's settings by their French keys (``stabilite_s``...);
    ``inbox``: elsewhere than ``folder/inbox`` (on a share)."""
    path = folder / "config.yaml"
    path.write_text(
        "dossiers:\n"
        f"  entree: '{inbox or 'inbox'}'\n"
        "  sortie: outbox\n"
        f"  modeles: '{templates}'\n"
        "  etat: etat\n"
        f"liste_agents: '{roster}'\n"
        + (f"surveillance: {json.dumps(surveillance)}\n" if surveillance else ""), encoding="utf-8")
    return path


@dataclass
class Sources:
    root: Path
    roster: Path
    templates: Path
    blank: list[Path]  # generated, not filled: rejected (required parts missing)
    filled: list[Path]  # filled to stage 1: accepted


def make_sources(root: Path, count: int) -> Sources:
    """``count`` agents: their generated reports, and the same filled to stage 1."""
    root.mkdir(parents=True, exist_ok=True)
    roster = write_roster(root / "agents.csv", count)
    config = load_config(write_config(root, roster=roster, templates=root / "modeles"))
    result = generate(config, roster, today=TODAY)
    filled_dir = root / "remplis"
    filled_dir.mkdir(exist_ok=True)
    filled = [fill_report(r, filled_dir / r.name, config.catalogue, stage=1, review=REVIEW) for r in result.reports]
    return Sources(root, roster, root / "modeles", list(result.reports), filled)


@dataclass
class Workspace:
    root: Path
    config_path: Path
    roster: Path
    templates: Path
    elsewhere: Path | None = None  # the inbox, when not ``root/inbox``

    def configure(self, surveillance: dict | None) -> None:
        """Rewrite config.yaml with these watcher settings (French keys), or none."""
        write_config(self.root, roster=self.roster, templates=self.templates, surveillance=surveillance,
                     inbox=self.elsewhere)

    @property
    def inbox(self) -> Path:
        return self.elsewhere or self.root / "inbox"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def state(self) -> Path:
        return self.root / "etat"

    @property
    def health(self) -> dict:
        try:
            return json.loads((self.state / "sante.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}


def make_workspace(root: Path, sources: Sources, *, inbox: Path | None = None) -> Workspace:
    """A workspace in ``root``; its inbox ``root/inbox``, or ``inbox`` (which must exist)."""
    root.mkdir(parents=True, exist_ok=True)
    if inbox is None:
        (root / "inbox").mkdir(exist_ok=True)
    return Workspace(root, write_config(root, roster=sources.roster, templates=sources.templates, inbox=inbox),
                     sources.roster, sources.templates, inbox)


def variant(source: Path, destination: Path, tag: str) -> Path:
    """Same document, other bytes (a zip comment): a new version of the same report."""
    shutil.copyfile(source, destination)
    with zipfile.ZipFile(destination, "a") as archive:
        archive.comment = tag.encode()
    return destination


def make_batch(sources: Sources, folder: Path, count: int, *, prefix: str = "") -> list[Path]:
    """``count`` files: 6 in 10 accepted versions, 1 byte-identical copy (a duplicate), 1 report with
    required parts missing (rejected), 1 renamed PDF (unreadable), 1 more version."""
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for i in range(count):
        kind = i % 10
        name = folder / f"{prefix}{i:04d} compte rendu.docx"
        if kind == 6 and files:
            shutil.copyfile(files[-1], name)
        elif kind == 7:
            variant(sources.blank[i % len(sources.blank)], name, f"{prefix}{i}")
        elif kind == 8:
            name = folder / f"{prefix}{i:04d} scan.docx"
            name.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + f"{prefix}{i}".encode() * 50 + b"\n%%EOF\n")
        else:
            variant(sources.filled[i % len(sources.filled)], name, f"{prefix}{i}")
        files.append(name)
    return files


def drop_all(files: list[Path], inbox: Path) -> list[Path]:
    """Rename prepared files into the inbox (same file system: each arrives complete, at once)."""
    dropped = []
    for path in files:
        target = inbox / path.name
        os.rename(path, target)
        dropped.append(target)
    return dropped


# -- where files ended -------------------------------------------------------------------------


def placed(ws: Workspace) -> list[Path]:
    """Every received file in the outbox (stage folders, rejets, doublons, historique): not the
    notes beside them, not the workbooks, not a temporary file."""
    found = []
    for folder, _dirs, names in os.walk(ws.outbox):
        if Path(folder) == ws.outbox:
            continue  # the workbooks
        for name in names:
            if name.startswith(".") or name.endswith((REJECTION_SUFFIX, DUPLICATE_SUFFIX)):
                continue
            found.append(Path(folder) / name)
    return found


def placed_count(ws: Workspace) -> int:
    try:
        return len(placed(ws))
    except OSError:
        return 0


def placed_checksums(ws: Workspace) -> Counter:
    return Counter(sha256(p) for p in placed(ws))


def journal_rows(ws: Workspace) -> list[tuple[str, str, str]]:
    """(original name, status, outcome) of every journal row, read-only."""
    db = sqlite3.connect(f"file:{ws.state / 'journal.sqlite3'}?mode=ro", uri=True, timeout=30)
    try:
        return db.execute("SELECT original_name, status, outcome FROM files ORDER BY id").fetchall()
    finally:
        db.close()


def inbox_left(ws: Workspace) -> list[str]:
    return sorted(p.name for p in ws.inbox.iterdir() if not p.name.startswith("."))


def wait_for(predicate, timeout: float, interval: float = 0.05, what: str = "condition"):
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise TimeoutError(f"{what} not reached within {timeout} s")
        time.sleep(interval)


# -- the service -------------------------------------------------------------------------------


class Service:
    """``python -m pipeline surveiller --config ... [args]`` in a subprocess; output in a file. The watcher's
    settings are the workspace's config.yaml: ``surveillance`` (French keys) is written there first.
    ``command``: what runs before ``--config`` instead (another program, or the command's former name)."""

    def __init__(self, ws: Workspace, *args: str, surveillance: dict | None = None, name: str = "service",
                 command: list[str] | None = None):
        self.ws, self.args, self.surveillance = ws, list(args), surveillance
        self.command = command or [sys.executable, "-m", "pipeline", WATCH]
        self.log_path = ws.root / f"{name}-{time.monotonic_ns()}.out"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Service":
        if self.surveillance is not None:
            self.ws.configure(self.surveillance)
        env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self._out = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [*self.command, "--config", str(self.ws.config_path), *self.args],
            cwd=REPO, stdout=self._out, stderr=subprocess.STDOUT, env=env)
        return self

    def wait_ready(self, timeout: float = 20.0) -> "Service":
        """Until its health file says it scanned the inbox once (the observer runs by then)."""
        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"service exited with {self.proc.returncode}:\n{self.output}")
            health = self.ws.health
            return health.get("pid") == self.proc.pid and health.get("dernier_balayage")
        wait_for(ready, timeout, what="service ready")
        return self

    @property
    def output(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then wait for the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def wait(self, timeout: float = 30.0) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is not None:
                self._out.close()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._out.close()
