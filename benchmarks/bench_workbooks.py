"""Benchmark of ``rebuild_workbooks`` (pipeline/workbooks/): 50,000 training needs, 20,000 agents.

The data goes into a real journal through its own API (``claim``, ``plan``,
``finish``: what ``traiter`` does), with plausible report contents made from
the catalogue, and a 20,000-row roster CSV. What is timed is
``rebuild_workbooks`` itself: reading the journal and the roster, building the
rows, grouping the titles, the summaries, writing both workbooks and the CSV.

The floor is a plain XlsxWriter write of the same rows (the «\u202fBesoins\u202f», «\u202fSuivi\u202f» and
«\u202fÉchéances\u202f» sheets, ``write_row``, no table, no format) in the same run. Target:
rebuild <= 2 x floor; best of ``--runs`` each, interleaved (a shared machine is
noisy). Peak memory: peak RSS (VmHWM) of a fresh process doing one rebuild.

The campaign at a glance (pipeline/dashboard/: tableau_de_bord.html and synthese_campagne.pdf,
rebuilt with the workbooks) is timed apart, side by side with the workbooks: its figures
(``*_figures``) and its pages (``write_campaign_pages``: charts, HTML, PDF), against the rest of
the same rebuild, run by run. Target: the pages add at most 20 % to the workbook rebuild after a
pass of 10,000 reports (``--agents 11112``: 90 % of the agents have an accepted report). The
import of pygal and WeasyPrint, paid once per process at the first rebuild, is measured in a
fresh process and said apart.

    python benchmarks/bench_workbooks.py [--needs 50000] [--agents 20000]
    python benchmarks/bench_workbooks.py --agents 11112 --needs 25000 --runs 3
    python benchmarks/bench_workbooks.py --no-floor --runs 1 --workspace /var/tmp/etat-100k  # bench_status's

At 100,000 agents the floor (which reads everything again) is left out: ``--no-floor`` times the
rebuild and its pages only, on a workspace built here or by bench_status.py (``--workspace``).
From 20,000 needs the plan is written by a child process beside the tracking (pipeline/beside.py):
the CPU time printed includes it; the equal-treatment figures are then made in that child, and
the pages' time printed leaves them out.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import xlsxwriter  # noqa: E402

from pipeline import dashboard  # noqa: E402

from pipeline import catalogue as cat  # noqa: E402
from pipeline.campaign import campaign_view  # noqa: E402
from pipeline.config import Config  # noqa: E402
from pipeline.journal import Journal  # noqa: E402
from pipeline.records import ReportContent  # noqa: E402
from pipeline.roster import load_roster  # noqa: E402
from pipeline.workbooks import rebuild_workbooks  # noqa: E402
from pipeline.workbooks.tracking import deadline_columns, tracking_columns, tracking_rows  # noqa: E402
from pipeline.workbooks.training_plan import need_columns, need_id, need_table, training_rows  # noqa: E402

TODAY = dt.date(2027, 2, 15)
SERVICES = ["Cardiologie", "Urgences", "Pédiatrie", "Ressources humaines", "Finances", "Accueil",
            "Radiologie", "Pharmacie", "Bloc opératoire", "Services techniques", "Cuisine", "Logistique"]
TRAININGS = [
    "Excel perfectionnement", "Excel initiation", "Word perfectionnement", "Gestion du stress",
    "Gestion des conflits", "Management d'équipe", "Accueil du public", "Anglais niveau 1",
    "Anglais niveau 2", "Préparation au concours d'attaché", "Bilan de compétences",
    "Sécurité incendie", "Gestes et postures", "Hygiène hospitalière", "Bientraitance",
    "Conduite de réunion", "Prise de parole en public", "Droit de la fonction publique",
    "Paie et carrière", "Marchés publics", "Rédaction administrative", "Outlook et agenda",
    "Sauveteur secouriste du travail", "Prévention des risques psychosociaux",
    "Entretien professionnel : conduite", "Tutorat des nouveaux arrivants", "Laïcité",
    "Protection des données (RGPD)", "Gestion du temps", "Qualité de vie au travail",
]


def variants(title: str, rng: random.Random) -> str:
    """How people type the same title: case, punctuation, word order, a typo."""
    words = title.split()
    pick = rng.random()
    if pick < 0.55:
        return title
    if pick < 0.7:
        return title.lower()
    if pick < 0.8:
        return " - ".join(words[:1] + [" ".join(words[1:])]) if len(words) > 1 else title.upper()
    if pick < 0.9 and len(words) > 1:
        return " ".join(words[1:] + words[:1])
    i = rng.randrange(1, max(2, len(title) - 1))
    return title[:i] + title[i + 1:]  # a letter dropped


def content_for(catalogue, number: str, person: dict, needs: list[dict], stage: int,
                review: dt.date, rng: random.Random) -> ReportContent:
    champs, dates = {}, {}
    for f in catalogue.single_fields:
        if f.kind == "date":
            owner = f.marks_stage or f.required_from or 1
            day = review + dt.timedelta(days=4 * owner + rng.randrange(0, 30)) if owner <= stage else None
            champs[f.key] = day.strftime("%d/%m/%Y") if day else ""
            dates[f.key] = day
        elif f.kind == "bool":
            champs[f.key] = False
        elif f.kind == "choice":
            champs[f.key] = (f.choices or [""])[0]
        else:
            champs[f.key] = f"{f.label} : réponse rédigée lors de l'entretien, assez longue pour être plausible."
    champs.update(person)
    champs.update({cat.AGENT_NUMBER: number, cat.CAMPAIGN: "2026", cat.REPORT_ID: f"2026-{number}"})
    dates[cat.REVIEW_DATE] = review
    tables = {}
    for f in catalogue.table_fields:
        tables[f.key] = [{c.key: (c.choices or [""])[0] if c.kind == "choice" else f"{c.label} {n}"
                          for c in f.columns or []} for n in (1, 2)]
    tables[cat.TRAINING_NEEDS] = needs
    return ReportContent(fields=champs, tables=tables, dates=dates, form_version=catalogue.version())


def build_workspace(base: Path, n_needs: int, n_agents: int, *, earlier_rejections: int = 0) -> Config:
    """A workspace in ``base``: the roster (agents.csv), the journal of a pass. 90 % of the agents
    have an accepted report, 5 % a rejected one only, 5 % nothing; ``earlier_rejections`` of the
    agents with an accepted report had a first version turned away before it (a file more each)."""
    rng = random.Random(2026)
    config = Config.model_validate({"liste_agents": "agents.csv", "base_dir": base,
                                    "dossiers": {"entree": "inbox", "sortie": "outbox", "etat": "etat"}})
    catalogue = config.catalogue
    columns = catalogue.field(cat.TRAINING_NEEDS).columns
    people = []
    with open(base / "agents.csv", "w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(["matricule", "nom", "prénom", "grade", "service", "évaluateur",
                      "date de convocation", "date d'entretien"])
        for n in range(n_agents):
            review = dt.date(2026, 12, 1) + dt.timedelta(days=n % 50)
            person = {cat.LAST_NAME: f"Nom{n:05d}", cat.FIRST_NAME: "Prénom", cat.GRADE: "Infirmier",
                      cat.SERVICE: SERVICES[n % len(SERVICES)], cat.EVALUATOR: "Sophie Durand"}
            people.append((f"{300000 + n}", person, review))
            out.writerow([300000 + n, person[cat.LAST_NAME], "Prénom", "Infirmier", person[cat.SERVICE],
                          "Sophie Durand", (review - dt.timedelta(days=10)).strftime("%d/%m/%Y"),
                          review.strftime("%d/%m/%Y")])
    with_report = int(n_agents * 0.9)  # 10 %: rejected only, or nothing received
    per_report = [n_needs // with_report] * with_report
    for i in range(n_needs - sum(per_report)):
        per_report[i] += 1
    journal = Journal(config.state_dir)
    journal.db.execute("PRAGMA synchronous=OFF")  # setup speed only; reading is unchanged
    planned = []  # finished in batches, as a pass does (one synced transaction per batch)
    corrected = set(range(0, with_report, max(1, with_report // earlier_rejections))[:earlier_rejections]) \
        if earlier_rejections else set()
    for index, (number, person, review) in enumerate(people):
        if index >= with_report and index % 2:
            continue  # nothing received
        if index in corrected:
            row = journal.claim(f"w{index}v1__{number}.docx", f"CR {person[cat.LAST_NAME]} v1.docx",
                                f"{index:063x}f", 40_000)
            content = content_for(catalogue, number, person, [], 1, review, rng)
            journal.plan(row.id, outcome="rejected", reason_code="champ_manquant",
                         destination=str(config.outbox / "rejets" / f"{number}.docx"), note=None,
                         previous_move=None, report_id=f"2026-{number}", campaign="2026", agent_number=number,
                         stage=1, content=content, findings=[{
                             "code": "champ_manquant", "severity": "erreur", "label": "Objectifs",
                             "message": "Remplissez les objectifs."}])
            planned.append(row.id)
        accepted = index < with_report
        needs = [dict(zip([c.key for c in columns], [
            variants(rng.choice(TRAININGS), rng), rng.choice(["T1", "T2", "T3"]),
            rng.choice(columns[2].choices), rng.choice(columns[3].choices), "2027",
            "favorable", ""])) for _ in range(per_report[index] if accepted else 1)]
        stage = 1 + index % 4
        row = journal.claim(f"w{index}__{number}.docx", f"CR {person[cat.LAST_NAME]}.docx", f"{index:064x}", 40_000)
        content = content_for(catalogue, number, person, needs, stage, review, rng)
        findings = [] if accepted else [{"code": "champ_manquant", "severity": "erreur",
                                         "label": "Objectifs", "message": "Remplissez les objectifs."}]
        journal.plan(row.id, outcome="accepted" if accepted else "rejected",
                     reason_code=None if accepted else "champ_manquant",
                     destination=str(config.outbox / f"{number}.docx"), note=None, previous_move=None,
                     report_id=f"2026-{number}", campaign="2026", agent_number=number, stage=stage,
                     content=content, findings=findings)
        planned.append(row.id)
        if len(planned) >= 500:
            journal.finish_all([(journal.file(i), []) for i in planned])
            planned.clear()
    journal.finish_all([(journal.file(i), []) for i in planned])
    journal.close()
    return config


def floor_write(folder: Path, sheets: list[list[list]]) -> float:
    """A plain XlsxWriter write of the same rows: one workbook per sheet, write_row only."""
    start = time.perf_counter()
    for index, rows in enumerate(sheets):
        book = xlsxwriter.Workbook(str(folder / f"floor{index}.xlsx"))
        sheet = book.add_worksheet()
        for r, values in enumerate(rows):
            sheet.write_row(r, 0, values)
        book.close()
    return time.perf_counter() - start


def as_rows(frame, columns) -> list[list]:
    rows = [[c.header for c in columns]]
    for values in zip(*(frame[c.id].tolist() for c in columns)):
        rows.append([None if v is None or v != v or v == "" else v for v in values])
    return rows


def _status_mb(field: str) -> float:
    """VmRSS or VmHWM (peak RSS) of this process, in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def peak_memory(base: Path) -> None:
    """Child mode: one rebuild in a fresh process; print its RSS before and its peak RSS.
    (ru_maxrss would also count the parent's memory copied at fork time.)"""
    config = workspace_config(base)
    before = _status_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    rebuild_workbooks(config, today=TODAY)
    print(f"{before:.0f} {_status_mb('VmHWM'):.0f}")


class PageTimer:
    """Time spent in the dashboard's steps during a rebuild: its figures, then its pages."""

    STEPS = ("training_figures", "progress_figures", "equality_figures", "write_campaign_pages")

    def __init__(self):
        self.seconds = 0.0
        self.originals = {name: getattr(dashboard, name) for name in self.STEPS}
        for name, original in self.originals.items():
            setattr(dashboard, name, self._timed(original))

    def _timed(self, function):
        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
        return run

    def rebuild(self, config: Config) -> tuple[float, float, list[Path]]:
        """One rebuild: (seconds for the workbooks, seconds for the dashboard and summary, paths)."""
        self.seconds = 0.0
        start = time.perf_counter()
        written = rebuild_workbooks(config, today=TODAY)
        total = time.perf_counter() - start
        return total - self.seconds, self.seconds, written


def processor_seconds() -> float:
    """CPU seconds of this process and of its children it has waited for (a large plan is written
    by a child forked for it: pipeline/beside.py)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def import_cost() -> float:
    """Seconds a fresh Python takes to import the pages' libraries (pygal, WeasyPrint), the
    product's own modules imported before."""
    code = ("import time, pipeline.workbooks, pipeline.dashboard; t = time.perf_counter(); "
            "import pygal, weasyprint; print(time.perf_counter() - t)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[1])
    return float(done.stdout.split()[-1])


def workspace_config(base: Path) -> Config:
    """The workspace's own config.yaml when it has one (bench_status.py's), else this benchmark's."""
    if (base / "config.yaml").exists():
        from pipeline.config import load_config

        return load_config(base / "config.yaml")
    return Config.model_validate({"liste_agents": "agents.csv", "base_dir": base,
                                  "dossiers": {"entree": "inbox", "sortie": "outbox", "etat": "etat"}})


def rebuild_only(args) -> None:
    """``--no-floor``: ``--runs`` rebuilds in this process (the workbooks and the pages timed
    apart), then one in a fresh process for its peak memory; no floor."""
    with tempfile.TemporaryDirectory() as tmp:
        base = args.workspace or Path(tmp)
        if args.workspace is None:
            start = time.perf_counter()
            build_workspace(base, args.needs, args.agents)
            print(f"journal synthétisé ({args.agents} agents, {args.needs} besoins) en "
                  f"{time.perf_counter() - start:.1f} s", flush=True)
        config = workspace_config(base)
        timer = PageTimer()
        for index in range(1, args.runs + 1):
            cpu = processor_seconds()
            workbooks, glance, written = timer.rebuild(config)
            cpu = processor_seconds() - cpu
            first = " (imports de pygal et WeasyPrint compris)" if index == 1 else ""
            print(f"passage {index} : classeurs {workbooks:.1f} s, tableau de bord et synthèse {glance:.1f} s "
                  f"(+{100 * glance / workbooks:.1f} %){first}, en tout {workbooks + glance:.1f} s, "
                  f"{cpu:.1f} s de processeur", flush=True)
        for path in written:
            print(f"  {path.name} : {path.stat().st_size / 1e6:.1f} Mo")
        child = subprocess.run([sys.executable, __file__, "--peak-memory", str(base)],
                               capture_output=True, text=True, check=True)
        before, after = map(float, child.stdout.split()[-2:])
        print(f"mémoire (processus neuf, RSS) : {before:.0f} Mo après les imports, "
              f"pic {after:.0f} Mo pendant rebuild_workbooks (+{after - before:.0f} Mo)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, default=50_000)
    parser.add_argument("--agents", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=2, help="best of N, rebuild and floor interleaved")
    parser.add_argument("--workspace", type=Path,
                        help="a workspace built by bench_status.py (its config.yaml, its .xlsx roster): "
                             "used as it is, nothing synthesised")
    parser.add_argument("--no-floor", action="store_true",
                        help="the rebuild and its pages only (large sizes: the floor reads everything again)")
    parser.add_argument("--peak-memory", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak_memory:
        peak_memory(args.peak_memory)
        return
    if args.no_floor:
        rebuild_only(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        start = time.perf_counter()
        config = build_workspace(base, args.needs, args.agents)
        print(f"journal synthétisé ({args.agents} agents, {args.needs} besoins) en "
              f"{time.perf_counter() - start:.1f} s")
        roster = load_roster(config.roster_path, config.catalogue).rows
        with Journal(config.state_dir) as journal:
            reports = journal.current_reports("2026")
            needs = training_rows(reports, config.catalogue)
            agents = tracking_rows(config, campaign_view(config, journal, roster, TODAY))
        sheets = [as_rows(needs, need_columns(config.catalogue)), as_rows(agents, tracking_columns(config)),
                  as_rows(agents, deadline_columns(config))]
        del reports, roster

        rebuilds, floors, pages = [], [], []
        timer = PageTimer()
        for _ in range(args.runs):
            workbooks, glance, written = timer.rebuild(config)
            rebuilds.append(workbooks)  # the workbooks alone, against their floor, as before
            pages.append((workbooks, glance))
            floors.append(floor_write(base, sheets))
        rebuild, floor = min(rebuilds), min(floors)
        imports = import_cost()

        child = subprocess.run([sys.executable, __file__, "--peak-memory", str(base)],
                               capture_output=True, text=True, check=True)
        before, after = map(float, child.stdout.split()[-2:])

        print(f"lignes : {len(needs)} besoins, {needs['grouped_title'].nunique()} intitulés regroupés "
              f"(sur {needs[need_id(need_table(config.catalogue)[0])].nunique()} libellés distincts), "
              f"{len(agents)} agents suivis")
        for path in written:
            print(f"  {path.name} : {path.stat().st_size / 1e6:.1f} Mo")
        print(f"rebuild_workbooks, les classeurs : {rebuild:.2f} s (meilleur de {args.runs} : "
              f"{', '.join(f'{t:.2f}' for t in rebuilds)})")
        print(f"plancher XlsxWriter, write_row des mêmes lignes : {floor:.2f} s "
              f"({', '.join(f'{t:.2f}' for t in floors)})")
        print(f"rapport : {rebuild / floor:.2f} x le plancher (cible <= 2)")
        print("tableau de bord et synthèse, à côté des classeurs, passage par passage :")
        for index, (workbooks, glance) in enumerate(pages, 1):
            first = " (le premier : imports de pygal et WeasyPrint compris)" if index == 1 else ""
            print(f"  passage {index} : classeurs {workbooks:.2f} s, tableau de bord et synthèse {glance:.2f} s, "
                  f"soit +{100 * glance / workbooks:.1f} %{first}")
        best = min(pages, key=lambda p: p[1] / p[0])
        later = pages[1:] or pages
        print(f"  sans les imports (passages 2 et suivants) : +{100 * min(g / w for w, g in later):.1f} % au mieux, "
              f"+{100 * max(g / w for w, g in later):.1f} % au pire (cible <= 20 %) ; meilleur passage "
              f"{best[1]:.2f} s pour {best[0]:.2f} s de classeurs")
        print(f"  imports de pygal et WeasyPrint (processus neuf, une fois par processus) : {imports:.2f} s")
        print(f"mémoire (processus neuf, RSS) : {before:.0f} Mo après les imports, "
              f"pic {after:.0f} Mo pendant rebuild_workbooks (+{after - before:.0f} Mo)")


if __name__ == "__main__":
    main()
