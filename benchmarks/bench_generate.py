"""Generation speed: ``generate`` (``entretiens generer``) on a roster of N agents, with our own
template and with each employer's form of ../shared/forms (pipeline/employer_template.py).

Run by hand, not a test:

    python benchmarks/bench_generate.py            # 200 agents, every form
    python benchmarks/bench_generate.py --n 50 --forms B_hopital_lignes
    python benchmarks/bench_generate.py --n 10000 --forms            # our template alone
    python benchmarks/bench_generate.py --n 10000 --forms --docxtpl  # as before shape_fill: docxtpl, one process

For each form: a fresh workspace (config.yaml, roster, the form's mapping from tests/forms/),
the templates built first (``entretiens modeles``, timed apart), then one ``generate`` run
writing every report and invitation (previous objectives for one agent in two, more than the
results table's blank rows for one in four), timed whole; printed: documents (reports and
invitations) per second, how they were made (our template: pipeline/shape_fill.py, or docxtpl
for each document with ``--docxtpl``; in how many worker processes, pipeline/generate_pool.py:
generate's own choice unless ``--workers``), and the reports' own share, measured apart in this
process as the time to make and write up to 200 reports alone (``--no-alone``: not measured).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.config import load_config  # noqa: E402
from pipeline.generate import generate, report_context  # noqa: E402
from pipeline.roster import load_roster  # noqa: E402

SHARED = REPO.parent / "shared" / "forms"
FORMS = {"B_hopital_lignes": ".docx", "C_commune_grille": ".odt"}
HEADER = ["matricule", "nom", "prénom", "grade", "service", "poste", "évaluateur",
          "date de convocation", "date d'entretien", "encadrant"]
TODAY = dt.date(2026, 11, 2)


def previous(number: str) -> list[str]:
    i = int(number) % 4
    return [f"Objectif {k + 1} de l'an dernier pour l'agent {number}" for k in range((0, 2, 0, 5)[i])]


def workspace(folder: Path, n: int, form: str | None) -> Path:
    folder.mkdir(parents=True)
    with open(folder / "agents.csv", "w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(HEADER)
        for i in range(n):
            out.writerow([f"{300000 + i}", f"Nom{i:03d}", f"Prénom{i:03d}", "Adjoint administratif", "Accueil",
                          "Agent d'accueil", "Sophie Durand", "01/12/2026", f"{10 + i % 15}/12/2026",
                          "oui" if i % 3 == 0 else "non"])
    settings = {"liste_agents": "agents.csv"}
    if form is not None:
        mapping = yaml.safe_load((REPO / "tests" / "forms" / f"{form}.yaml").read_text(encoding="utf-8"))
        mapping["modele"] = str(SHARED / f"{form}{FORMS[form]}")
        (folder / "formulaire.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
        settings["formulaire"] = "formulaire.yaml"
    (folder / "config.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return folder / "config.yaml"


ALONE = 200  # reports made and written alone, at most


def reports_alone(config, folder: Path) -> tuple[float, int]:
    """Seconds to make and write up to :data:`ALONE` reports of the roster alone, without the
    invitations, in this process; and how many."""
    from pipeline import catalogue as cat
    from pipeline.generate_pool import EMPLOYER_FORM, OUR_TEMPLATE, Job, Makers
    from pipeline.naming import REPORT_TEMPLATE
    from pipeline.signed_copies import page_code

    roster = load_roster(config.roster_path, config.catalogue)
    out = folder / "seuls"
    out.mkdir()
    makers = Makers(config)
    suffix = ".docx"
    if config.employer_mapping is not None:
        suffix = f".{makers.employer().format}"
    rows = roster.rows[:ALONE]
    start = time.perf_counter()
    for i, row in enumerate(rows):
        number = row.values[cat.AGENT_NUMBER]
        context = report_context(config.catalogue, config.campaign.key, row, previous(number))
        if config.employer_mapping is not None:
            makers.write(Job(EMPLOYER_FORM, context, out / f"{i}{suffix}"))
        else:
            makers.write(Job(OUR_TEMPLATE, context, out / f"{i}{suffix}", config.templates / REPORT_TEMPLATE,
                             context["f"][cat.REPORT_ID], page_code(config.catalogue.version(), config.campaign.key,
                                                                    number)))
    return time.perf_counter() - start, len(rows)


def measure(n: int, form: str | None, root: Path, *, workers: int | None, alone: bool, docxtpl: bool) -> dict:
    import pipeline
    from pipeline.generate_pool import worker_count

    folder = root / (form or "notre_modele")
    config = load_config(workspace(folder, n, form))
    start = time.perf_counter()
    pipeline.build_templates(config)
    built = time.perf_counter() - start
    start = time.perf_counter()
    result = generate(config, today=TODAY, previous_objectives=previous, workers=workers)
    seconds = time.perf_counter() - start
    documents = len(result.written)
    assert len(result.reports) == n and not result.problems, result.problems
    alone_seconds, alone_n = reports_alone(config, folder) if alone else (0.0, 0)
    size = sum(p.stat().st_size for p in result.reports) / n / 1024
    how = "docxtpl" if docxtpl and form is None else "formulaire" if form else "shape_fill"
    return {"form": f"{form or 'notre modèle'} ({how}, {worker_count(n, workers)} proc.)", "built": built,
            "seconds": seconds, "documents": documents, "alone": alone_seconds, "alone_n": alone_n, "n": n,
            "size": size, "suffix": result.reports[0].suffix}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="agents in the roster (default 200)")
    parser.add_argument("--forms", nargs="*", default=list(FORMS), help="employer's forms (default: every one)")
    parser.add_argument("--docxtpl", action="store_true",
                        help="our template rendered by docxtpl for each document, in one process (before shape_fill)")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (default: generate's own choice; 0: none)")
    parser.add_argument("--no-alone", dest="alone", action="store_false", help="do not time reports alone")
    args = parser.parse_args(argv)
    if args.docxtpl:
        from pipeline.shape_fill import ShapeFill

        ShapeFill.docxtpl_only = True  # seen by this process only: no workers then
        args.workers = 0
    missing = [f for f in args.forms if not (SHARED / f"{f}{FORMS[f]}").exists()]
    if missing:
        print(f"formulaires absents de {SHARED} : {', '.join(missing)}")
        return 1
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_generate_") as tmp:
        for form in [None, *args.forms]:
            rows.append(measure(args.n, form, Path(tmp), workers=args.workers, alone=args.alone,
                                docxtpl=args.docxtpl))
    print(f"generate, {args.n} agents (one report and one invitation each):")
    print(f"{'form':<44} {'modeles':>8} {'generer':>8} {'documents/s':>12} {'reports alone':>14} {'report':>9}")
    for r in rows:
        alone = (f"{r['alone_n'] / r['alone']:>12.1f}/s {r['alone'] / r['alone_n'] * 1000:>6.1f} ms" if r["alone_n"]
                 else f"{'-':>14} {'-':>9}")
        print(f"{r['form']:<44} {r['built']:>7.2f}s {r['seconds']:>7.1f}s {r['documents'] / r['seconds']:>12.1f} "
              f"{alone}  ({r['suffix']}, {r['size']:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
