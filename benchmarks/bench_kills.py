"""Random ``kill -9`` of ``entretiens traiter`` over mixed batches, on one file system and with
the outbox or the inbox on another one (a tmpfs, as a network share would be).

Run by hand, as root (it mounts tmpfs file systems), not a test (several minutes):

    python benchmarks/bench_kills.py                 # 40 kills per set-up, 3 set-ups
    python benchmarks/bench_kills.py --kills 60 --batch 80 --setups one_file_system,outbox_elsewhere

Each round drops a fresh mixed batch into the inbox (new reports, later versions of reports
already sent, byte-identical copies, an incomplete report, empty files, a renamed PDF, a
truncated file), starts ``python -m pipeline traiter`` and kills it with SIGKILL after a random
delay; rounds go on until the requested number of kills hit a running pass. Then one pass runs
to its end, and every file dropped is looked for, by its bytes, in the outbox:

    files       every file dropped
    kills       passes killed while running
    accounted   files found in the outbox (a stage folder, rejets, doublons, historique)
    duplicates  extra copies of a file's bytes beyond the number of times it was dropped
    stuck       files left in the inbox or a work area after the final pass

Target (issue 12): all accounted, 0 duplicates, 0 stuck, over at least 40 kills per set-up.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import bench_e2e  # noqa: E402
from pipeline.filling import fill_report  # noqa: E402
from pipeline.naming import DUPLICATE_SUFFIX, REJECTION_SUFFIX, SHARE_WORK_FOLDER, WORK_FOLDER  # noqa: E402

SETUPS = ("one_file_system", "outbox_elsewhere", "inbox_elsewhere")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mount_tmpfs(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512m", "tmpfs", str(folder)], check=True)


def workspace(base: Path, setup: str, agents: int, distinct: int) -> Path:
    base.mkdir(parents=True)
    if setup == "outbox_elsewhere":
        mount_tmpfs(base / "outbox")
    elif setup == "inbox_elsewhere":
        mount_tmpfs(base / "inbox")
    (base / "inbox").mkdir(exist_ok=True)
    bench_e2e.write_roster(base / "agents.csv", agents, distinct)
    config = {"liste_agents": "agents.csv",
              "dossiers": {"modeles": str(REPO / "templates"), "etat": ".etat"}}
    (base / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return base / "config.yaml"


class Batches:
    """Mixed batches: new reports, later versions, copies, bad files."""

    def __init__(self, pool: list[Path], scratch: Path, catalogue, rng: random.Random):
        self.pool, self.scratch, self.catalogue, self.rng = pool, scratch, catalogue, rng
        self.next_agent = 0
        self.sent: list[Path] = []
        self.count = 0

    def batch(self, size: int) -> list[tuple[Path, str]]:
        """(source file, name to drop it under)."""
        out = []
        for _ in range(size):
            self.count += 1
            kind = self.rng.random()
            if kind < 0.6 or not self.sent:
                source = self.pool[self.next_agent % len(self.pool)]
                self.next_agent += 1
                self.sent.append(source)
            elif kind < 0.7:  # a later version: one more stage filled on a report already sent
                previous = self.rng.choice(self.sent)
                source = self.scratch / f"later_{self.count}.docx"
                fill_report(previous, source, self.catalogue, stage=4)
            elif kind < 0.8:  # sent again, byte for byte
                source = self.rng.choice(self.sent)
            elif kind < 0.85:
                source = self.scratch / f"empty_{self.count}.docx"
                source.write_bytes(b"")
            elif kind < 0.9:
                source = self.scratch / f"scan_{self.count}.docx"
                source.write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
            elif kind < 0.95:
                full = self.rng.choice(self.pool).read_bytes()
                source = self.scratch / f"cut_{self.count}.docx"
                source.write_bytes(full[: len(full) // 2])
            else:
                source = self.scratch / f"incomplete_{self.count}.docx"
                fill_report(self.rng.choice(self.pool), source, self.catalogue, stage=1,
                            omit=("appreciation_generale",))
            out.append((source, f"CR {self.count:05d}.docx"))
        return out


def run_setup(setup: str, args, pool: list[Path], catalogue, root: Path) -> dict:
    rng = random.Random(args.seed)
    config = workspace(root / setup, setup, agents=len(pool), distinct=args.distinct)
    base = config.parent
    batches = Batches(pool, root / f"scratch-{setup}", catalogue, rng)
    batches.scratch.mkdir()
    dropped: Counter[str] = Counter()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "pipeline", "traiter", "--config", str(config)]
    kills = rounds = 0
    while kills < args.kills:
        rounds += 1
        settled = time.time() - 3600  # dropped earlier: a pass leaves files copied within stabilite_s
        for source, name in batches.batch(args.batch):
            shutil.copyfile(source, base / "inbox" / name)
            os.utime(base / "inbox" / name, (settled, settled))
            dropped[sha(source)] += 1
        child = subprocess.Popen(command, cwd=base, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(args.min_delay, args.max_delay))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            kills += 1
        _, errors = child.communicate()
        if child.returncode not in (0, -signal.SIGKILL):
            raise SystemExit(f"{setup}: process failed ({child.returncode}): {errors.decode()[-2000:]}")
    final = subprocess.run(command, cwd=base, env=env, capture_output=True, text=True)
    if final.returncode != 0:
        raise SystemExit(f"{setup}: final pass failed: {final.stderr[-2000:]}")
    outbox = base / "outbox"
    placed = Counter(sha(p) for p in outbox.rglob("*") if p.is_file() and p.parent != outbox
                     and not p.name.endswith((REJECTION_SUFFIX, DUPLICATE_SUFFIX)))
    accounted = sum(min(n, placed[h]) for h, n in dropped.items())
    duplicates = sum(max(0, placed[h] - dropped.get(h, 0)) for h in placed)
    stuck = [p for area in (base / "inbox", base / ".etat" / WORK_FOLDER, base / "inbox" / SHARE_WORK_FOLDER)
             if area.is_dir() for p in area.iterdir() if p.is_file()]
    result = {"setup": setup, "files": sum(dropped.values()), "kills": kills, "rounds": rounds,
              "accounted": accounted, "duplicates": duplicates, "stuck": len(stuck)}
    if setup != "one_file_system":
        subprocess.run(["umount", "-l", str(base / ("outbox" if setup == "outbox_elsewhere" else "inbox"))])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=40, help="kills per set-up (default 40)")
    parser.add_argument("--batch", type=int, default=40, help="files dropped per round (default 40)")
    parser.add_argument("--distinct", type=int, default=24, help="distinct filled reports made (default 24)")
    parser.add_argument("--agents", type=int, default=3000, help="agents (reports) in the pool (default 3000)")
    parser.add_argument("--min-delay", type=float, default=0.3)
    parser.add_argument("--max-delay", type=float, default=2.5)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--setups", default=",".join(SETUPS))
    parser.add_argument("--dir", type=Path, default=None, help="where to work (default: a temporary folder)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("Run as root: the set-ups with another file system mount a tmpfs.", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="bench_kills_", dir=args.dir))
    started = time.monotonic()
    distinct = bench_e2e.make_distinct(root / "distinct", args.distinct)
    catalogue = bench_e2e.workspace_config(root / "distinct").catalogue
    pool = bench_e2e.derive(distinct, root / "pool", args.agents, catalogue)
    print(f"{len(pool)} reports made in {time.monotonic() - started:.0f} s in {root}")
    results = [run_setup(setup, args, pool, catalogue, root) for setup in args.setups.split(",")]
    print(f"{'set-up':<18} {'files':>6} {'kills':>6} {'rounds':>6} {'accounted':>9} {'duplicates':>10} {'stuck':>6}")
    ok = True
    for r in results:
        print(f"{r['setup']:<18} {r['files']:>6} {r['kills']:>6} {r['rounds']:>6} {r['accounted']:>9} "
              f"{r['duplicates']:>10} {r['stuck']:>6}")
        ok &= r["accounted"] == r["files"] and r["duplicates"] == 0 and r["stuck"] == 0 and r["kills"] >= 40
    print("target (all accounted, 0 duplicates, 0 stuck, >= 40 kills per set-up):", "met" if ok else "NOT met")
    shutil.rmtree(root, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
