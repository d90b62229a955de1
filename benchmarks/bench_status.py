"""Benchmark of ``entretiens etat`` on a large campaign: 100,000 agents, 100,000 files in the journal.

The workspace is bench_workbooks.py's (``build_workspace``: a real journal written through its
own API, plausible report contents), with a file per agent on average: 90 % of the agents have
an accepted report (5 % of them after a first version turned away), 5 % a rejected one only, 5 %
nothing. Its roster is an .xlsx as HR keeps it (dates as Excel dates), ``liste_agents`` in its
config.yaml. What is timed:

  - ``campaign_status(config)`` in this process (the library: the roster, the campaign view,
    the counts): with nothing kept in the state folder (the roster read from its .xlsx); the
    status computed again, the roster kept (what the first ``etat`` after a pass does: the
    journal changed); the status kept (the next ones, until the journal, the roster, the
    configuration or the day change);
  - the whole command, ``python -m pipeline etat`` and ``etat --json``, each a fresh process
    (start-up, imports, configuration, the output included), in the same three cases, median
    of ``--runs``; its peak RSS.

Each figure comes with its CPU time (this process's, or the command's own), and the machine's load
average is printed before and after: on a shared machine the wall time says as much of the others.

The workspace is kept with ``--workspace DIR`` (built once, reused by the next runs: building
100,000 reports takes a few minutes)::

    python benchmarks/bench_status.py --agents 100000 --workspace /var/tmp/etat-100k
    python benchmarks/bench_status.py --agents 50000 --runs 5
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import xlsxwriter  # noqa: E402

from bench_workbooks import build_workspace  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from pipeline.roster import CACHE_NAME  # noqa: E402
from pipeline.status import SAVED_NAME, campaign_status  # noqa: E402

READY = "bench_status.ready"
DATE_COLUMNS = ("date de convocation", "date d'entretien")


def roster_as_xlsx(base: Path) -> Path:
    """agents.csv written again as agents.xlsx, its dates as real dates (as HR's are)."""
    with open(base / "agents.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    path = base / "agents.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Agents")
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    header = rows[0]
    sheet.write_row(0, 0, header)
    dates = [i for i, name in enumerate(header) if name in DATE_COLUMNS]
    for r, values in enumerate(rows[1:], 1):
        for c, value in enumerate(values):
            if c in dates:
                sheet.write_datetime(r, c, dt.datetime.strptime(value, "%d/%m/%Y"), date_format)
            else:
                sheet.write_string(r, c, value)
    book.close()
    return path


def workspace(base: Path, agents: int, needs: int) -> Path:
    """The workspace in ``base`` (built unless a previous run left it complete); its config.yaml."""
    config_path = base / "config.yaml"
    ready = base / READY
    if ready.exists() and ready.read_text() == f"{agents} {needs}\n":
        return config_path
    if any(base.iterdir()):
        raise SystemExit(f"{base} n'est pas vide et n'est pas un espace de ce banc : choisissez un autre dossier.")
    start = time.perf_counter()
    build_workspace(base, needs, agents, earlier_rejections=agents // 20)
    roster_as_xlsx(base)
    config_path.write_text("liste_agents: agents.xlsx\n"
                           "dossiers:\n  entree: inbox\n  sortie: outbox\n  etat: etat\n", encoding="utf-8")
    (base / "inbox").mkdir(exist_ok=True)
    settled = time.time() - 60  # a roster written just now is read again each time (pipeline.roster)
    os.utime(base / "agents.xlsx", (settled, settled))
    ready.write_text(f"{agents} {needs}\n")
    print(f"espace synthétisé ({agents} agents, {needs} besoins) en {time.perf_counter() - start:.0f} s")
    return config_path


def command(base: Path, *args: str, forget: bool = False) -> tuple[float, float, float]:
    """One ``python -m pipeline etat ...`` in a fresh process: (seconds, its CPU seconds, its peak RSS in MB).
    ``forget``: the status kept in the state folder removed first (computed again, as after a pass)."""
    if forget:
        forget_status(base / "etat")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "pipeline", "etat", *args], cwd=base, env=env,
                             stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest child's so far
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"entretiens etat a échoué (code {child.returncode})")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def forget_status(state: Path) -> None:
    """The status kept in the state folder removed: the next ``etat`` computes it (the journal
    changed, as after a pass)."""
    (state / SAVED_NAME).unlink(missing_ok=True)


def forget_all(state: Path) -> None:
    """The status and the roster kept in the state folder removed: the next ``etat`` reads the .xlsx."""
    forget_status(state)
    (state / CACHE_NAME).unlink(missing_ok=True)


def timed(function) -> tuple[float, float]:
    """(seconds, CPU seconds of this process) that ``function()`` took."""
    start, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - start, time.process_time() - cpu


def said(times: list[tuple[float, ...]]) -> str:
    """«\u202fmédiane 1.23 s (CPU 1.01 s) (1.20, 1.23, 1.30)\u202f»: the median wall and CPU times, each run's wall time."""
    walls, cpus = [t[0] for t in times], [t[1] for t in times]
    return (f"médiane {statistics.median(walls):.2f} s (CPU {statistics.median(cpus):.2f} s) "
            f"({', '.join(f'{t:.2f}' for t in walls)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=100_000)
    parser.add_argument("--needs", type=int, help="training needs (default: 2.5 per agent)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (median)")
    parser.add_argument("--workspace", type=Path, help="build the workspace there and keep it")
    args = parser.parse_args()
    needs = args.needs or int(args.agents * 2.5)
    with tempfile.TemporaryDirectory() as tmp:
        base = args.workspace or Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        config = load_config(workspace(base, args.agents, needs))
        state = config.state_dir

        forget_all(state)
        first = timed(lambda: campaign_status(config))
        computed = [timed(lambda: (forget_status(state), campaign_status(config))) for _ in range(args.runs)]
        kept = [timed(lambda: campaign_status(config)) for _ in range(args.runs)]
        status = campaign_status(config)
        print(f"campagne : {sum(status.per_stage.values())} comptes rendus acceptés, {status.files_received} "
              f"fichiers reçus, {len(status.missing)} agents sans compte rendu, {len(status.chased)} à relancer, "
              f"{len(status.late)} échéances manquées")
        print(f"charge de la machine (moyenne sur 1, 5, 15 min) : {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"campaign_status, rien de conservé (liste des agents lue dans le .xlsx) : {first[0]:.2f} s "
              f"(CPU {first[1]:.2f} s)")
        print(f"campaign_status, état recalculé (après un passage ; liste des agents conservée) : {said(computed)}")
        print(f"campaign_status, état conservé : {said(kept)}")

        forget_all(state)
        cold, cold_cpu, cold_peak = command(base)
        print(f"entretiens etat, rien de conservé : {cold:.2f} s (CPU {cold_cpu:.2f} s), pic {cold_peak:.0f} Mo")
        for extra in ((), ("--json",)):
            for forget, what in ((True, "état recalculé"), (False, "état conservé")):
                runs = [command(base, *extra, forget=forget) for _ in range(args.runs)]
                print(f"entretiens etat{''.join(' ' + e for e in extra)}, {what} : {said(runs)}, "
                      f"pic {max(p for *_, p in runs):.0f} Mo (cible <= 2 s)")
        print(f"charge de la machine (moyenne sur 1, 5, 15 min) : {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
