"""Reading speed of a report read on its layout: an employer's form (.docx, .odt) and our own
template saved as an .odt, beside our .docx read on its XML, each against its parse floor.

Run by hand, not a test:

    python benchmarks/bench_employer_read.py                 # the shared forms, our template
    python benchmarks/bench_employer_read.py --rounds 500 --wall

Documents: the two filled employer forms of ../shared/forms, read by the mappings of tests/forms/;
one report of our template, filled (pipeline.filling), as a .docx and, when LibreOffice is
installed, saved as an .odt by it. For each, in the same run, each figure the best of several
passes after a warm-up:

  (a) floor: ``zipfile.ZipFile`` open + ``lxml`` parse of the main part (word/document.xml,
      content.xml);
  (b) ``read_report``: preflight, layout (or our .docx's XML index), every field, tables, identity;
  (c) of which the layout: ``preflight.open_document`` + ``layout.layout_of`` (pipeline.ooxml.layout,
      pipeline.odf: the parts it reads and the walk; headers, footers and an .odt's styles.xml are
      read when first asked for, which the reading in (b) does for a copy that names no agent
      otherwise, and (c) does not);
  (d) of which the reading: ``employer_read.read_layout`` on the layout built.

Printed in milliseconds of this process's CPU time per document (steadier than wall time on a
shared machine; ``--wall`` for wall time), with (b) / (a) and (d) / (a). Target (issue 26):
(b) <= 3 x (a).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.config import Config, load_config  # noqa: E402
from pipeline.employer_read import read_layout  # noqa: E402
from pipeline.filling import fill_report  # noqa: E402
from pipeline.generate import generate  # noqa: E402
from pipeline.layout import layout_of  # noqa: E402
from pipeline.preflight import open_document  # noqa: E402
from pipeline.read import read_report  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FORMS = REPO.parent / "shared" / "forms"
MAPPINGS = REPO / "tests" / "forms"
EMPLOYERS = {"B_hopital_lignes": "B_hopital_lignes_rempli.docx", "C_commune_grille": "C_commune_grille_rempli.odt"}
TARGET_RATIO = 3.0
_PLAIN = etree.XMLParser(resolve_entities=False, no_network=True)


def employer_forms(folder: Path) -> list[tuple[str, Path, object]]:
    """Each shared filled copy and the form of its mapping (its ``modele`` pointed at ../shared)."""
    found = []
    for name, copy in EMPLOYERS.items():
        base = folder / name
        base.mkdir()
        text = (MAPPINGS / f"{name}.yaml").read_text(encoding="utf-8")
        model = re.search(r"^modele: .*/([^/\n]+)$", text, re.M).group(1)
        (base / "formulaire.yaml").write_text(re.sub(r"^modele: .*$", f"modele: {FORMS / model}", text, flags=re.M),
                                              encoding="utf-8")
        (base / "config.yaml").write_text("formulaire: formulaire.yaml\n", encoding="utf-8")
        found.append((f"{name} (employeur)", FORMS / copy, load_config(base / "config.yaml").form))
    return found


def our_template(folder: Path) -> list[tuple[str, Path, object]]:
    """One filled report of our template, as a .docx and as LibreOffice saves it in .odt."""
    roster = folder / "agents.csv"
    with open(roster, "w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(["matricule", "nom", "prénom", "évaluateur", "date d'entretien", "encadrant"])
        out.writerow(["300001", "Martin", "Élodie", "Sophie Durand", "14/12/2026", "oui"])
    config = Config.model_validate({"dossiers": {"entree": "inbox", "sortie": "outbox", "modeles": "templates",
                                                 "etat": ".etat"}, "base_dir": folder})
    (report,) = generate(config, roster, today=dt.date(2026, 11, 2)).reports
    docx = fill_report(report, folder / "cr_modele_rh.docx", config.catalogue, stage=4,
                       review=dt.date(2026, 12, 14))
    found = [("modèle du service RH (.docx)", docx, config.form)]
    soffice = shutil.which("soffice")
    if soffice:
        subprocess.run([soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                        "--convert-to", "odt", "--outdir", str(folder), str(docx)],
                       capture_output=True, timeout=300, check=True)
        found.append(("modèle du service RH (.odt, LibreOffice)", docx.with_suffix(".odt"), config.form))
    else:
        print("LibreOffice absent : pas de .odt du modèle du service RH")
    return found


def main_part(path: Path) -> str:
    with open_document(path) as package:
        return package.main_part


def floor(path: Path, part: str) -> None:
    with zipfile.ZipFile(path) as archive:
        etree.fromstring(archive.read(part), _PLAIN)


def layout(path: Path):
    with open_document(path) as package:
        return layout_of(package)


def best_ms(function, rounds: int, passes: int, clock) -> float:
    function()  # warm-up
    best = float("inf")
    for _ in range(passes):
        start = clock()
        for _ in range(rounds):
            function()
        best = min(best, clock() - start)
    return best / rounds * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--wall", action="store_true", help="wall time instead of this process's CPU time")
    args = parser.parse_args()
    if not FORMS.is_dir():
        sys.exit(f"formulaires partagés absents : {FORMS}")
    clock = time.perf_counter if args.wall else time.process_time
    with tempfile.TemporaryDirectory() as tmp:
        documents = employer_forms(Path(tmp)) + our_template(Path(tmp))
        print(f"{'document':42} {'KB':>4} {'(a) floor':>10} {'(b) read':>9} {'(c) layout':>11} {'(d) reading':>12} "
              f"{'b/a':>5} {'d/a':>5}")
        for title, path, form in documents:
            part = main_part(path)
            a = best_ms(lambda: floor(path, part), args.rounds, args.passes, clock)
            b = best_ms(lambda: read_report(path, form), args.rounds, args.passes, clock)
            if path.suffix == ".docx" and not form.version.startswith("F-"):
                c = d = float("nan")  # our .docx: its own index on the XML, no layout
            else:
                c = best_ms(lambda: layout(path), args.rounds, args.passes, clock)
                built = layout(path)
                d = best_ms(lambda: read_layout(built, form, path=path, name=path.name), args.rounds, args.passes,
                            clock)
            print(f"{title:42} {path.stat().st_size // 1024:>4} {a:>10.2f} {b:>9.2f} {c:>11.2f} {d:>12.2f} "
                  f"{b / a:>5.1f} {d / a:>5.1f}")
    print(f"ms ({'wall' if args.wall else 'CPU'} time) per document, best of {args.passes} passes of "
          f"{args.rounds} rounds; target (b) <= {TARGET_RATIO:g} x (a)")


if __name__ == "__main__":
    main()
