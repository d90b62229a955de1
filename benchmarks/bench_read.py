"""Reading speed: ``read_report`` against the raw floor (zip open + lxml parse).

Run by hand, not a test:

    python benchmarks/bench_read.py                  # 1,000 reports, the mix
    python benchmarks/bench_read.py --kind tagless   # all saved by LibreOffice 7.4 (no tags)
    python benchmarks/bench_read.py --n 300

Makes a few distinct filled reports with the project's own template (generate,
then pipeline.filling: stages 1 to 4, answers typed in controls or in cells; by
default one in three has its tags dropped as LibreOffice 7.4 does), copies them to reach N files, then measures in
the same run, each as the best of several passes after a warm-up pass:

  (a) floor: ``zipfile.ZipFile`` open + ``lxml`` parse of word/document.xml;
  (b) ``read_report`` (preflight, parse, every field, tables, dates, identity).

Target (issue 3): (b) <= 3 x (a).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.config import Config  # noqa: E402
from pipeline.filling import ReportForm, fill_report  # noqa: E402
from pipeline.generate import generate  # noqa: E402
from pipeline.read import read_report  # noqa: E402

TARGET_RATIO = 3.0
HEADER = ["matricule", "nom", "prénom", "grade", "service", "poste", "évaluateur",
          "date de convocation", "date d'entretien", "encadrant"]


KINDS = ("mix", "word", "tagless")


def make_reports(folder: Path, n: int, distinct: int, kind: str = "mix") -> tuple[Config, list[Path]]:
    """``distinct`` filled reports, then copies of them up to ``n`` files. ``kind``: ``mix``
    (one in three without tags), ``word`` (all tagged), ``tagless`` (none tagged)."""
    roster = folder / "agents.csv"
    with open(roster, "w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(HEADER)
        for i in range(distinct):
            out.writerow([f"{300000 + i}", f"Nom{i:02d}", f"Prénom{i:02d}", "Adjoint administratif",
                          "Accueil", "Agent d'accueil", "Sophie Durand", "01/12/2026",
                          f"{10 + i % 15}/12/2026", "oui" if i % 3 == 0 else "non"])
    config = Config.model_validate({
        "dossiers": {"entree": "inbox", "sortie": "outbox", "modeles": "templates", "etat": ".etat"},
        "base_dir": folder,
    })
    result = generate(config, roster, today=dt.date(2026, 11, 2))
    filled_dir = folder / "filled"
    filled_dir.mkdir()
    filled = []
    for i, source in enumerate(result.reports):
        target = filled_dir / f"distinct_{i:03d}.docx"
        # Dated from the roster's own interview date: the workflow's dates then come in order.
        fill_report(source, target, config.catalogue, stage=1 + i % 4, how=("control", "cell")[i % 2],
                    review=dt.date(2026, 12, 10 + i % 15))
        if kind == "tagless" or (kind == "mix" and i % 3 == 2):  # saved by LibreOffice 7.4: no tags
            ReportForm(target, config.catalogue).drop_all_tags().save(target)
        filled.append(target)
    files = []
    for k in range(n):
        copy = filled_dir / f"cr_{k:05d}.docx"
        shutil.copyfile(filled[k % len(filled)], copy)
        files.append(copy)
    return config, files


def floor(files: list[Path]) -> None:
    for path in files:
        with zipfile.ZipFile(path) as archive:
            etree.fromstring(archive.read("word/document.xml"))


def reading(files: list[Path], form) -> None:
    for path in files:
        read_report(path, form)


def best_of(passes: int, *runs) -> list[float]:
    """Best time of each run over ``passes`` rounds. Runs alternate within a round,
    so that a busy machine slows both alike."""
    for run in runs:
        run()  # warm-up: imports, caches, files in the OS page cache
    best = [float("inf")] * len(runs)
    for _ in range(passes):
        for index, run in enumerate(runs):
            start = time.perf_counter()
            run()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="number of reports (default 1000)")
    parser.add_argument("--distinct", type=int, default=12, help="distinct filled reports (default 12)")
    parser.add_argument("--passes", type=int, default=3, help="timed passes, best kept (default 3)")
    parser.add_argument("--kind", choices=KINDS, default="mix",
                        help="mix: one in three without tags (default); word: all tagged; tagless: none")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench_read_") as tmp:
        start = time.perf_counter()
        config, files = make_reports(Path(tmp), args.n, min(args.distinct, args.n), args.kind)
        size = sum(p.stat().st_size for p in files) / len(files) / 1024
        print(f"{len(files)} reports ({args.distinct} distinct, kind {args.kind}, {size:.0f} KB each) made in "
              f"{time.perf_counter() - start:.1f} s")
        form = config.form
        raw, full = best_of(args.passes, lambda: floor(files), lambda: reading(files, form))

    per_raw, per_full = raw / len(files) * 1000, full / len(files) * 1000
    ratio = full / raw
    print(f"(a) floor, zip open + lxml parse : {per_raw:6.2f} ms per report")
    print(f"(b) read_report                  : {per_full:6.2f} ms per report")
    verdict = "OK" if ratio <= TARGET_RATIO else "ABOVE TARGET"
    print(f"ratio (b)/(a)                    : {ratio:6.2f}  (target <= {TARGET_RATIO:g}: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
