"""Many employers in one workspace (issue 27, item 4): the whole ``entretiens traiter`` over a
backlog of N reports spread over E employers, against the parse floor on the same files.

Run by hand, not a test (about 80 minutes with the defaults on a busy 2-core machine: the set-up
6 minutes, each run at N = 100,000 about 20, floor included; disk: about 45 KB per report under
``--dir``, twice during a run, its files being copies of them):

    python benchmarks/bench_employers.py                          # N = 50,000 and 100,000, E = 300
    python benchmarks/bench_employers.py --sizes 3000 --employers 30 --modes shared
    python benchmarks/bench_employers.py --quick                  # N = 600 and 1,200, E = 12

Set-up. Each employer gets one filled report made with the product's own tools, on its own
view of the workspace (``build_templates``, ``generate`` on a roster of one seed agent, then
``pipeline.filling.fill_report``; the employers take the three public services in turn, hence
three forms' wordings, and stages 1 to 4 in turn). Its N/E agents' reports are clones of it:
the seed agent's number and last name are rewritten wherever they sit (the identifier and
agent-number controls and the agent's name in word/document.xml, the header and footer, and
``dc:identifier`` in docProps/core.xml), the other entries' compressed bytes copied as they
are. Before anything is measured, a few clones of every employer are read back
(``read_report``: their identifier, agent number and name are the clone's) and one clone per
form is run through a real routed pass, which must accept it. Every measured run is then
checked: N reports accepted (the employers' journals), N distinct identifiers, nothing left in
the inbox nor set aside as unassigned. Each employer's roster (one CSV per employer) holds its
agents; every report is checked against it.

Each run uses a fresh workspace (its config.yaml lists the E employers; the templates, built
once, are shared through ``dossiers.modeles``) whose inbox holds the N files, copies of the
clones made once, dated an hour back (a pass leaves files copied within ``stabilite_s``),
either at the shared inbox's root (``shared``: every file routed to its employer first) or
already in ``inbox/<code>/`` (``routed``). Copies, one name each, as HR drops files: a hard link
to a file outside the inbox (what this benchmark made before 2026-12-07) is given bytes of its
own by the pass (``_detach_other_names``: a copy, synced and checked), which no real backlog
asks for.

In that order, for each size and mode:

  (a) the floor, in a fresh process: ``read_report`` of every file with its employer's form
      (``Config.form``) in P processes (P: the readers the command starts for the N files,
      ``worker_count``: 2 here), the files split between them by employer, timed from the
      first file to the last once the processes are up. Why this is the fair floor: each
      report has to be read whole once at least (nothing else tells what it says), by the
      product's reader, and the command reads with P processes; what the floor leaves out is
      what the command adds: start-up, routing, claiming, validating, the journal, placing,
      the workbooks. For the record, the zip open + lxml parse of the main part alone, the
      same way (the floor bench_e2e.py divides by).
  (b) ``python -m pipeline traiter --config ...`` as a subprocess, as a user runs it, timed
      from start to exit; its output goes to a file, as a cron log. Peak memory: the summed
      PSS (proportional set size: shared pages counted once) of the command and all its
      descendants (the readers of each employer's pass), sampled every 50 ms; and
      ``ru_maxrss`` of the command as ``os.wait4`` reports it (its largest single process,
      readers included).

Targets (issue 27): traiter <= 4x the floor (a); peak memory <= 500 MB; growth of the
command's time from N = 50,000 to 100,000 <= 2.1x. The command reads every employer's files
with one pool of readers (since e598e98), started when all the files together reach ``lecture_parallele.a_partir_de`` (200): the floor uses as many
processes, whatever N/E (before, each employer's pass started its own from 200 files: at N = 50,000
and E = 300, 167 files each, none). At 100,000 one run per mode is what an
hour affords: the figures are single runs, said so in the output.
"""

from __future__ import annotations

import argparse
import compileall
import csv
import datetime as dt
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from collections import Counter
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGET_FLOOR_RATIO = 4.0
TARGET_MEMORY_MB = 500.0
TARGET_GROWTH = 2.1
SERVICES = ("territoriale", "hospitaliere", "etat")
SEED_NUMBER, SEED_NAME = "987654", "ZZSEEDNAME"
FIRST_NAME = "Élodie"
FIRST_NUMBER = 100000
INVITED, REVIEW = dt.date(2026, 10, 1), dt.date(2026, 10, 12)  # before the machine's clock (see bench_e2e.py)
HEADER = ["matricule", "nom", "prénom", "grade", "service", "poste", "évaluateur", "date de convocation",
          "date d'entretien"]
ROW = ["Adjoint administratif", "Accueil", "Agent d'accueil", "Sophie Durand", f"{INVITED:%d/%m/%Y}",
       f"{REVIEW:%d/%m/%Y}"]


def code_of(e: int) -> str:
    return f"E{e:03d}"


def number_of(j: int) -> str:
    return str(FIRST_NUMBER + j)


def name_of(j: int) -> str:
    return f"NOM{j:06d}"


def employer_index(j: int, employers: int) -> int:
    return j % employers


def write_config(base: Path, employers: int, templates: Path) -> Path:
    data = {
        "campagne": {"annee": 2026, "date_limite_entretiens": "31/01/2027", "date_retour_rh": "28/02/2027"},
        "fonction_publique": "territoriale",
        "courriel": {"mode": "aucun"},
        "dossiers": {"entree": "inbox", "sortie": "outbox", "modeles": str(templates), "etat": ".etat"},
        "employeurs": [{"code": code_of(e), "nom": f"Employeur {e}", "fonction_publique": SERVICES[e % 3],
                        "liste_agents": f"listes/{code_of(e)}.csv"} for e in range(employers)],
    }
    (base / "listes").mkdir(parents=True, exist_ok=True)
    path = base / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_rosters(base: Path, employers: int, agents: dict[int, list[int]]) -> None:
    for e in range(employers):
        with open(base / "listes" / f"{code_of(e)}.csv", "w", encoding="utf-8-sig", newline="") as handle:
            out = csv.writer(handle, delimiter=";")
            out.writerow(HEADER)
            for j in agents.get(e, []):
                out.writerow([number_of(j), name_of(j), FIRST_NAME, *ROW])


# -- seeds and clones ------------------------------------------------------------------------


def make_seeds(base: Path, employers: int) -> tuple[Path, list[Path]]:
    """One filled report per employer, made with the product's tools on its view; returns the
    workspace's config path (its templates are the runs') and the seeds."""
    import pipeline
    from pipeline.config import load_config
    from pipeline.filling import fill_report
    from pipeline.generate import generate

    base.mkdir(parents=True)
    config_path = write_config(base, employers, base / "templates")
    write_rosters(base, employers, {e: [] for e in range(employers)})
    for e in range(employers):  # the seed agent alone
        with open(base / "listes" / f"{code_of(e)}.csv", "a", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle, delimiter=";").writerow([SEED_NUMBER, SEED_NAME, FIRST_NAME, *ROW])
    config = load_config(config_path)
    seeds = []
    for e in range(employers):
        view = config.employer_view(code_of(e))
        pipeline.build_templates(view)
        result = generate(view, today=INVITED - dt.timedelta(days=1))
        if len(result.reports) != 1:
            raise SystemExit(f"{view.employer.code}: generate made {result.reports}: {result.problems}")
        seed = base / "seeds" / f"{view.employer.code}.docx"
        seed.parent.mkdir(exist_ok=True)
        fill_report(result.reports[0], seed, view.catalogue, stage=1 + e % 4, how=("control", "cell")[e % 2],
                    review=REVIEW)
        seeds.append(seed)
    return config_path, seeds


class Cloner:
    """A seed's entries, its agent's number and name rewritten in those that hold them, the
    others' compressed bytes copied as they are (a zip written by hand: zipfile cannot copy an
    entry without inflating it)."""

    def __init__(self, seed: Path, code: str):
        self.identifier = f"2026_{code}-{SEED_NUMBER}".encode()
        self.entries = []  # (name, method, crc, raw compressed, size, data to rewrite or None)
        with zipfile.ZipFile(seed) as archive, open(seed, "rb") as raw:
            for info in archive.infolist():
                data = archive.read(info)
                if SEED_NUMBER.encode() in data or SEED_NAME.encode() in data:
                    self.entries.append((info.filename, None, None, None, None, data))
                    continue
                raw.seek(info.header_offset)
                header = raw.read(30)
                skip = struct.unpack("<HH", header[26:30])
                raw.seek(info.header_offset + 30 + sum(skip))
                self.entries.append((info.filename, info.compress_type, info.CRC, raw.read(info.compress_size),
                                     info.file_size, None))
        self.rewritten = sorted(name for name, *_, data in self.entries if data is not None)

    def write(self, target: Path, number: str, name: str) -> None:
        out, central = bytearray(), bytearray()
        stamp = (0, (2026 - 1980) << 9 | 10 << 5 | 20)  # dos time, date: 20/10/2026
        for filename, method, crc, packed, size, data in self.entries:
            if data is not None:
                data = data.replace(SEED_NUMBER.encode(), number.encode()).replace(SEED_NAME.encode(), name.encode())
                crc, size, method = zlib.crc32(data), len(data), zipfile.ZIP_DEFLATED
                packer = zlib.compressobj(6, zlib.DEFLATED, -15)
                packed = packer.compress(data) + packer.flush()
            encoded = filename.encode()
            flags = 0x800 if not encoded.isascii() else 0
            offset = len(out)
            out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, *stamp, crc, len(packed), size,
                               len(encoded), 0) + encoded + packed
            central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, method, *stamp, crc,
                                   len(packed), size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
        end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(self.entries), len(self.entries), len(central),
                          len(out), 0)
        target.write_bytes(bytes(out + central + end))


def clone_all(seeds: list[Path], pool: Path, n: int, employers: int) -> dict[int, list[int]]:
    """N clones, agent j's in pool/<code>/; returns each employer's agents."""
    agents: dict[int, list[int]] = {e: [] for e in range(employers)}
    for j in range(n):
        agents[employer_index(j, employers)].append(j)
    for e, seed in enumerate(seeds):
        cloner = Cloner(seed, code_of(e))
        folder = pool / code_of(e)
        folder.mkdir(parents=True)
        for j in agents[e]:
            cloner.write(folder / f"CR {name_of(j)}.docx", number_of(j), name_of(j))
    return agents


def check_clones(config_path: Path, pool: Path, agents: dict[int, list[int]], employers: int) -> None:
    """A few clones of each employer read back as their agent."""
    from pipeline.config import load_config
    from pipeline.examine import package_limits
    from pipeline.read import read_report

    config = load_config(config_path)
    for e in range(employers):
        view = config.employer_view(code_of(e))
        for j in agents[e][:2] + agents[e][-1:]:
            report = read_report(pool / code_of(e) / f"CR {name_of(j)}.docx", view.form, limits=package_limits(view))
            got = (report.report_id, report.agent_number, report.values.get("nom"))
            wanted = (f"2026_{code_of(e)}-{number_of(j)}", number_of(j), name_of(j))
            if got != wanted:
                raise SystemExit(f"clone of agent {j} reads back as {got}, not {wanted}")


def check_accepted(root: Path, seeds_config: Path, pool: Path, agents: dict[int, list[int]]) -> None:
    """One clone per public service dropped in the shared inbox of a fresh workspace: a real
    routed pass must accept each."""
    import pipeline
    from pipeline.config import load_config

    base = root / "validation"
    base.mkdir()
    employers = min(3, len(agents))
    write_config(base, employers, seeds_config.parent / "templates")
    picked = {e: agents[e][:1] for e in range(employers)}
    write_rosters(base, employers, picked)
    (base / "inbox").mkdir()
    for e, [j] in picked.items():
        shutil.copyfile(pool / code_of(e) / f"CR {name_of(j)}.docx", base / "inbox" / f"CR {name_of(j)}.docx")
        os.utime(base / "inbox" / f"CR {name_of(j)}.docx", (time.time() - 3600,) * 2)
    done = pipeline.process_inbox(load_config(base / "config.yaml"))
    outcomes = [(h.outcome, h.reason_code) for h in done.handled]
    if len(done.routing.routed) != employers or outcomes != [("accepted", None)] * employers:
        raise SystemExit(f"clones not accepted by a routed pass: routed {len(done.routing.routed)}, {outcomes}")
    shutil.rmtree(base)


# -- a run ---------------------------------------------------------------------------------------


def prepare_run(base: Path, pool: Path, templates: Path, n: int, employers: int, mode: str) -> Path:
    base.mkdir(parents=True)
    config_path = write_config(base, employers, templates)
    agents: dict[int, list[int]] = {e: [] for e in range(employers)}
    for j in range(n):
        agents[employer_index(j, employers)].append(j)
    write_rosters(base, employers, agents)
    settled = time.time() - 3600
    for e, numbers in agents.items():
        folder = base / "inbox" / (code_of(e) if mode == "routed" else "")
        folder.mkdir(parents=True, exist_ok=True)
        for j in numbers:
            target = folder / f"CR {name_of(j)}.docx"
            shutil.copyfile(pool / code_of(e) / target.name, target)
            os.utime(target, (settled, settled))
    return config_path


def _floor_worker(jobs: list[tuple[str, list[str]]], config_path: str, parse_only: bool) -> tuple[float, float, int]:
    """In a floor process: read every file of its employers; (wall s, CPU s, files)."""
    from lxml import etree

    from pipeline.config import load_config
    from pipeline.examine import package_limits
    from pipeline.read import read_report

    config = load_config(Path(config_path))
    views = {code: config.employer_view(code) for code, _ in jobs}
    forms = {code: (views[code].form, package_limits(views[code])) for code in views}
    start, cpu, count = time.perf_counter(), time.process_time(), 0
    for code, paths in jobs:
        form, limits = forms[code]
        for path in paths:
            if parse_only:
                with zipfile.ZipFile(path) as archive:
                    etree.fromstring(archive.read("word/document.xml"))
            else:
                read_report(Path(path), form, limits=limits)
            count += 1
    return time.perf_counter() - start, time.process_time() - cpu, count


def floor_child(config_path: Path, processes: int) -> None:
    """The floor (a) in this fresh process: P processes, started and warmed before the clock."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    base = config_path.parent
    jobs: list[tuple[str, list[str]]] = []
    for folder in sorted(p for p in (base / "inbox").iterdir() if p.is_dir()):
        jobs.append((folder.name, [str(p) for p in sorted(folder.iterdir())]))
    top = [p for p in (base / "inbox").iterdir() if p.is_file()]
    if top:  # shared mode: each file's employer from its name (CR NOMjjjjjj.docx)
        by_code: dict[str, list[str]] = {}
        employers = len(yaml.safe_load(config_path.read_text(encoding="utf-8"))["employeurs"])
        for path in sorted(top):
            j = int(path.stem.split("NOM")[1])
            by_code.setdefault(code_of(employer_index(j, employers)), []).append(str(path))
        jobs += sorted(by_code.items())
    shares: list[list] = [[] for _ in range(processes)]
    for i, job in enumerate(jobs):
        shares[i % processes].append(job)
    figures = {}
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_floor_worker, [[]] * processes, [str(config_path)] * processes, [True] * processes))
        for parse_only, key in ((True, "parse"), (False, "read")):
            start = time.perf_counter()
            done = list(pool.map(_floor_worker, shares, [str(config_path)] * processes, [parse_only] * processes))
            figures[f"{key}_s"] = time.perf_counter() - start
            figures[f"{key}_cpu_s"] = sum(cpu for _, cpu, _ in done)
            figures["n"] = sum(count for *_, count in done)
    print(json.dumps(figures))


def _pss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _tree(pid: int) -> list[int]:
    """The process and its descendants (Linux's /proc), as bench_e2e.py finds them."""
    from bench_e2e import _descendants

    return [pid, *_descendants(pid)]


class TreePeak:
    """The peak of the summed PSS of a process and its descendants, sampled every 50 ms."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.processes = pid, 0.0, 0
        self.at, self.shares = 0.0, []  # when the peak came (s from the start), each process's PSS then
        self._start = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            pids = _tree(self.pid)
            shares = [_pss_mb(pid) for pid in pids]
            if sum(shares) > self.peak:
                self.peak, self.processes, self.shares = sum(shares), len(pids), shares
                self.at = time.perf_counter() - self._start

    def __enter__(self) -> "TreePeak":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run_command(config_path: Path, log_path: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    with open(log_path, "wb") as output:
        start = time.perf_counter()
        command = subprocess.Popen([sys.executable, "-m", "pipeline", "traiter", "--config", str(config_path)],
                                   cwd=config_path.parent, env=env, stdout=output, stderr=subprocess.STDOUT)
        with TreePeak(command.pid) as peak:
            _, status, usage = os.wait4(command.pid, 0)
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0,):
        raise SystemExit(f"entretiens traiter ended with {code}:\n{log_path.read_text(errors='replace')[-3000:]}")
    return {"command_s": wall, "command_cpu_s": usage.ru_utime + usage.ru_stime, "pss_peak_mb": peak.peak,
            "pss_processes": peak.processes, "pss_shares": [round(mb) for mb in peak.shares],
            "pss_peak_at_s": peak.at, "maxrss_mb": usage.ru_maxrss / 1024}


def check_run(base: Path, n: int) -> None:
    outcomes: Counter = Counter()
    reports: set[str] = set()
    for journal in (base / ".etat").glob("*/journal.sqlite3"):
        with sqlite3.connect(journal) as db:
            outcomes.update(dict(db.execute("SELECT outcome, COUNT(*) FROM files GROUP BY outcome").fetchall()))
            reports.update(r for (r,) in db.execute("SELECT report_id FROM files WHERE outcome='accepted'"))
    left = [p for p in (base / "inbox").rglob("*") if p.is_file()]
    unassigned = base / "outbox" / "non_attribues"
    if dict(outcomes) != {"accepted": n} or len(reports) != n or left or unassigned.exists() \
            or not (base / "outbox" / "suivi_employeurs.xlsx").is_file():
        raise SystemExit(f"the command did not accept every report once: {dict(outcomes)}, {len(reports)} "
                         f"reports, {len(left)} files left in the inbox, unassigned: {unassigned.exists()}")


def measure(root: Path, pool: Path, templates: Path, n: int, employers: int, mode: str, tag: str) -> dict:
    from pipeline.parallel import worker_count

    base = root / f"ws_{tag}"
    config_path = prepare_run(base, pool, templates, n, employers, mode)
    # As many as the command reads with: one pool for all the employers' files (since e598e98).
    processes = max(worker_count("auto", n, 200), 1)
    done = subprocess.run([sys.executable, __file__, "--floor-child", str(config_path), "--processes", str(processes)],
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"floor process failed:\n{done.stderr[-4000:]}")
    figures = {"n": n, "employers": employers, "mode": mode, "processes": processes,
               **json.loads(done.stdout.strip().splitlines()[-1])}
    load = os.getloadavg()[0]
    figures.update(run_command(config_path, root / f"traiter_{tag}.log"))
    figures["load"] = (load, os.getloadavg()[0])
    check_run(base, n)
    shutil.rmtree(base)
    return figures


def describe(f: dict) -> str:
    return (f"N={f['n']:>6} E={f['employers']} {f['mode']:>6}: traiter {f['command_s']:7.1f} s "
            f"(CPU {f['command_cpu_s']:6.1f} s, readers' included); floor read_report x{f['processes']} "
            f"{f['read_s']:6.1f} s ({f['read_s'] / f['n'] * 1000 * f['processes']:.2f} ms each per process), "
            f"parse alone {f['parse_s']:5.1f} s: ratio {f['command_s'] / f['read_s']:4.2f}x "
            f"(to the parse {f['command_s'] / f['parse_s']:4.1f}x); peak PSS of the tree {f['pss_peak_mb']:.0f} MB "
            f"({f['pss_processes']} processes: {' + '.join(map(str, f['pss_shares']))} MB, the command's first; "
            f"at {f['pss_peak_at_s']:.0f} s), ru_maxrss {f['maxrss_mb']:.0f} MB; "
            f"load {f['load'][0]:.1f} -> {f['load'][1]:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="50000,100000", help="N, comma-separated (default 50000,100000)")
    parser.add_argument("--employers", type=int, default=300, help="E (default 300)")
    parser.add_argument("--modes", default="shared,routed", help="shared, routed or both (default both)")
    parser.add_argument("--runs", type=int, default=1, help="runs per size and mode, median kept (default 1)")
    parser.add_argument("--dir", type=Path, default=Path("/tmp"), help="where the backlog goes (default /tmp)")
    parser.add_argument("--quick", action="store_true", help="N = 600 and 1,200, E = 12")
    parser.add_argument("--keep", type=Path, help=argparse.SUPPRESS)  # reuse seeds and clones made under this folder
    parser.add_argument("--floor-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--processes", type=int, default=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor_child:
        floor_child(args.floor_child, args.processes)
        return 0
    if args.quick:
        args.sizes, args.employers = "600,1200", 12
    sizes = sorted(int(s) for s in args.sizes.split(","))
    modes = [m.strip() for m in args.modes.split(",")]
    employers = args.employers
    compileall.compile_dir(REPO / "pipeline", quiet=1)  # as an installed package has them

    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "? (not a git checkout)"
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no", "pipeline"],
                           capture_output=True, text=True).stdout.strip()
    print(f"commit {commit}{' (+ uncommitted changes in pipeline/)' if dirty else ''}; {os.cpu_count()} cores; "
          f"load {os.getloadavg()[0]:.1f}; sizes {sizes}; E = {employers}; modes {modes}", flush=True)
    holder = tempfile.TemporaryDirectory(prefix="bench_employers_", dir=args.dir) if not args.keep else None
    root = args.keep or Path(holder.name)
    try:
        start = time.perf_counter()
        seeds_config = root / "seed" / "config.yaml"
        pool = root / "pool"
        if not pool.is_dir():
            seeds_config, seeds = make_seeds(root / "seed", employers)
            made = time.perf_counter() - start
            agents = clone_all(seeds, pool, max(sizes), employers)
            size = sum(p.stat().st_size for p in pool.rglob("*.docx")) / max(sizes) / 1024
            print(f"{employers} seeds in {made:.0f} s, {max(sizes)} clones ({size:.0f} KB each; rewritten: "
                  f"{', '.join(Cloner(seeds[0], code_of(0)).rewritten)}) in {time.perf_counter() - start - made:.0f} s; "
                  f"disk: {root}", flush=True)
        else:
            agents = {e: list(range(e, max(sizes), employers)) for e in range(employers)}
        check_clones(seeds_config, pool, agents, employers)
        shutil.rmtree(root / "validation", ignore_errors=True)
        check_accepted(root, seeds_config, pool, agents)
        print("clones read back as their agents; one per public service accepted by a routed pass", flush=True)
        templates = seeds_config.parent / "templates"
        results: dict[tuple[int, str], list[dict]] = {}
        for run in range(args.runs):
            for n in sizes:
                for mode in modes:
                    figures = measure(root, pool, templates, n, employers, mode, f"{n}_{mode}_{run}")
                    results.setdefault((n, mode), []).append(figures)
                    print(f"  run {run + 1}/{args.runs} {describe(figures)}", flush=True)
    finally:
        if holder is not None:
            holder.cleanup()

    print()
    for (n, mode), runs in sorted(results.items()):
        runs.sort(key=lambda f: f["command_s"] / f["read_s"])
        f = runs[len(runs) // 2]
        ratio = f["command_s"] / f["read_s"]
        peak = max(r["pss_peak_mb"] for r in runs)
        print(f"N={n} E={employers} {mode}: `entretiens traiter` {f['command_s']:.1f} s = {n / f['command_s']:.0f} "
              f"reports/s; floor (read_report in {f['processes']} processes) {f['read_s']:.1f} s: ratio {ratio:.2f}x "
              f"(target <= {TARGET_FLOOR_RATIO:g}: {'OK' if ratio <= TARGET_FLOOR_RATIO else 'ABOVE TARGET'}); "
              f"to the zip + parse floor {f['command_s'] / f['parse_s']:.1f}x; peak memory (summed PSS of the "
              f"command and its readers) {peak:.0f} MB (target <= {TARGET_MEMORY_MB:g}: "
              f"{'OK' if peak <= TARGET_MEMORY_MB else 'ABOVE TARGET'}); ru_maxrss {f['maxrss_mb']:.0f} MB; "
              f"{'median of %d runs' % len(runs) if len(runs) > 1 else 'a single run'}")
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        for mode in modes:
            a, b = (sorted(r["command_s"] for r in results[(s, mode)]) for s in (small, large))
            growth = b[len(b) // 2] / a[len(a) // 2]
            print(f"growth {mode}: traiter N={large} / N={small} = {growth:.2f}x for {large / small:g}x the files "
                  f"(target <= {TARGET_GROWTH:g}x for 2x: "
                  f"{'OK' if growth <= TARGET_GROWTH * large / small / 2 else 'ABOVE TARGET'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
