"""Generation speed: ``generate`` (``entretiens generer``) on a roster of N agents, with our own
template and with each employer's form of ../shared/forms (pipeline/employer_template.py).

Run by hand, not a test:

    python benchmarks/bench_generate.py            # 200 agents, every form
    python benchmarks/bench_generate.py --n 50 --forms B_hopital_lignes

For each form: a fresh workspace (config.yaml, roster, the form's mapping from tests/forms/),
the templates built first (``entretiens modeles``, timed apart), then one ``generate`` run
writing every report and invitation (previous objectives for one agent in two, more than the
results table's blank rows for one in four), timed whole; printed: documents (reports and
invitations) per second, and the reports' own share, measured apart as the time to make N
reports alone (our template: docxtpl's ``render``; an employer's: ``EmployerTemplate.write``).
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


def reports_alone(config, folder: Path) -> float:
    """Seconds to make every report of the roster alone, without the invitations."""
    from pipeline import catalogue as cat
    from pipeline.naming import REPORT_TEMPLATE
    from pipeline.render import render, templates_command
    from pipeline.signed_copies import page_code

    roster = load_roster(config.roster_path, config.catalogue)
    out = folder / "seuls"
    out.mkdir()
    employer = None
    if config.employer_mapping is not None:
        from pipeline.employer_template import EmployerTemplate

        employer = EmployerTemplate.load(config, rebuild_hint=templates_command(config))
    start = time.perf_counter()
    for i, row in enumerate(roster.rows):
        context = report_context(config.catalogue, config.campaign.key, row, previous(row.values[cat.AGENT_NUMBER]))
        if employer is not None:
            employer.write(context, out / f"{i}.{employer.format}")
        else:
            render(config.templates / REPORT_TEMPLATE, context, out / f"{i}.docx",
                   identifier=context["f"][cat.REPORT_ID],
                   page_code=page_code(config.catalogue.version(), config.campaign.key, row.values[cat.AGENT_NUMBER]))
    return time.perf_counter() - start


def measure(n: int, form: str | None, root: Path) -> dict:
    import pipeline

    folder = root / (form or "notre_modele")
    config = load_config(workspace(folder, n, form))
    start = time.perf_counter()
    pipeline.build_templates(config)
    built = time.perf_counter() - start
    start = time.perf_counter()
    result = generate(config, today=TODAY, previous_objectives=previous)
    seconds = time.perf_counter() - start
    documents = len(result.written)
    assert len(result.reports) == n and not result.problems, result.problems
    alone = reports_alone(config, folder)
    size = sum(p.stat().st_size for p in result.reports) / n / 1024
    return {"form": form or "notre modèle (docxtpl)", "built": built, "seconds": seconds, "documents": documents,
            "alone": alone, "n": n, "size": size, "suffix": result.reports[0].suffix}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="agents in the roster (default 200)")
    parser.add_argument("--forms", nargs="*", default=list(FORMS), help="employer's forms (default: every one)")
    args = parser.parse_args(argv)
    missing = [f for f in args.forms if not (SHARED / f"{f}{FORMS[f]}").exists()]
    if missing:
        print(f"formulaires absents de {SHARED} : {', '.join(missing)}")
        return 1
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_generate_") as tmp:
        for form in [None, *args.forms]:
            rows.append(measure(args.n, form, Path(tmp)))
    print(f"generate, {args.n} agents (one report and one invitation each):")
    print(f"{'form':<28} {'modeles':>8} {'generer':>8} {'documents/s':>12} {'reports alone':>14} {'report':>9}")
    for r in rows:
        print(f"{r['form']:<28} {r['built']:>7.2f}s {r['seconds']:>7.1f}s {r['documents'] / r['seconds']:>12.1f} "
              f"{r['n'] / r['alone']:>10.1f}/s {r['alone'] / r['n'] * 1000:>6.1f} ms  ({r['suffix']}, "
              f"{r['size']:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
