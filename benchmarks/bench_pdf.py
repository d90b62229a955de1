"""PDF/A rendering: one LibreOffice process per file against one persistent LibreOffice.

Run by hand, not a test (needs LibreOffice and python3-uno):

    python benchmarks/bench_pdf.py            # 50 reports
    python benchmarks/bench_pdf.py --n 20

Makes N distinct reports with the project's own template (generate, then pipeline.filling to
the final stage), then renders the same N files to PDF/A-2b two ways, in the same run:

  (a) one ``soffice --convert-to`` process per file (``pipeline.pdfa.BatchConverter``; its
      profile made once, before the clock starts, so that only the per-file start is counted);
  (b) one persistent LibreOffice driven through uno (``pipeline.pdfa.OfficeServer``), its start
      included in the time.

The two are interleaved, file by file (a, b, a, b...), as farm-bench pairs its runs: on a shared
machine whose load drifts, both see the same load and the ratio stays meaningful.

Every PDF is checked (``check_pdfa``: PDF/A-2b in the XMP metadata, every font embedded).
Target (issue 18): (b) >= 4 x the throughput of (a).
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.config import Config  # noqa: E402
from pipeline.filling import fill_report  # noqa: E402
from pipeline.generate import generate  # noqa: E402
from pipeline.pdfa import BatchConverter, OfficeServer, check_pdfa, soffice_path, uno_python  # noqa: E402

TARGET_SPEEDUP = 4.0
HEADER = ["matricule", "nom", "prénom", "grade", "service", "poste", "évaluateur",
          "date de convocation", "date d'entretien", "encadrant"]


def make_reports(folder: Path, n: int) -> list[Path]:
    roster = folder / "agents.csv"
    with open(roster, "w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(HEADER)
        for i in range(n):
            out.writerow([f"{400000 + i}", f"Nom{i:02d}", f"Prénom{i:02d}", "Adjoint administratif", "Accueil",
                          "Agent d'accueil", "Sophie Durand", "01/12/2026", f"{10 + i % 15}/12/2026", "non"])
    config = Config.model_validate({"dossiers": {"entree": "inbox", "sortie": "outbox", "modeles": "templates",
                                                 "etat": ".entretiens"}, "base_dir": folder})
    result = generate(config, roster)
    filled = folder / "filled"
    filled.mkdir()
    return [fill_report(path, filled / path.name, config.catalogue, stage=config.catalogue.final_stage)
            for path in sorted(result.reports)]


def timed_render(renderer, report: Path, out: Path) -> float:
    start = time.perf_counter()
    renderer.render(report, out / (report.stem + ".pdf"))
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args()
    soffice, python = soffice_path(), uno_python()
    if soffice is None or python is None:
        print("LibreOffice and a Python with uno (python3-uno) are needed.", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    try:
        reports = make_reports(work, args.n)
        (work / "per-file").mkdir()
        (work / "persistent").mkdir()
        with BatchConverter(soffice) as per_file, OfficeServer(soffice, python) as persistent:
            per_file.render(reports[0], work / "warm-up.pdf")  # the profile is made here, not timed
            per_file_s = persistent_s = 0.0
            for report in reports:
                per_file_s += timed_render(per_file, report, work / "per-file")
                persistent_s += timed_render(persistent, report, work / "persistent")  # the first starts it
            starts = persistent.starts
        checks = [check_pdfa(p) for folder in ("per-file", "persistent") for p in (work / folder).glob("*.pdf")]
        bad = [c for c in checks if not c.ok]
        speedup = per_file_s / persistent_s
        print(f"{args.n} reports, {Path(soffice).name} {soffice}, uno python {python}")
        print(f"(a) one process per file : {per_file_s:7.1f} s  {args.n / per_file_s:6.2f} reports/s  "
              f"{1000 * per_file_s / args.n:6.0f} ms each")
        print(f"(b) persistent LibreOffice: {persistent_s:7.1f} s  {args.n / persistent_s:6.2f} reports/s  "
              f"{1000 * persistent_s / args.n:6.0f} ms each (start included; {starts} start)")
        print(f"throughput (b)/(a): {speedup:.1f}x (target >= {TARGET_SPEEDUP:g}x: "
              f"{'met' if speedup >= TARGET_SPEEDUP else 'NOT met'})")
        print(f"PDF/A-2b check: {len(checks) - len(bad)}/{len(checks)} conforming")
        return 0 if speedup >= TARGET_SPEEDUP and not bad else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
