"""The views of a workspace that serves several employers (pipeline/employers.py), for all of
them: ``etat`` without ``--employeur`` (:func:`consolidated_status`) and the consolidated workbook
``outbox/suivi_employeurs.xlsx`` (:func:`write_consolidated_workbook`). Every figure is one
employer's own (its :func:`~pipeline.status.campaign_status`, its campaign view), the totals their
sums: the consolidated view never says something the employer's own does not."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import catalogue as cat
from .config import Config
from .employers import UNASSIGNED_FOLDER, UNASSIGNED_NOTE_SUFFIX
from .files import make_dirs, replace_atomically

CONSOLIDATED_NAME = "suivi_employeurs.xlsx"


@dataclass
class EmployerFigures:
    """One employer's line of the consolidated views."""

    code: str
    name: str
    public_service: str
    agents: int = 0  # reviewed agents of its roster, and agents with a report outside it
    per_stage: dict[int, int] = field(default_factory=dict)
    without_report: int = 0
    rejected: int = 0  # rejections waiting for a correction
    late: int = 0  # agents with a deadline missed
    chased: int = 0
    files_received: int = 0
    problems: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"code": self.code, "nom": self.name, "fonction_publique": self.public_service,
                "agents": self.agents, "par_etape": {str(k): v for k, v in self.per_stage.items()},
                "sans_compte_rendu": self.without_report, "rejets": self.rejected, "en_retard": self.late,
                "a_relancer": self.chased, "fichiers_recus": self.files_received, "problemes": self.problems}


@dataclass
class ConsolidatedStatus:
    """``etat`` for every employer: each one's :class:`~pipeline.status.Status`, its figures, and
    the totals (sums of the employers' figures)."""

    campaign: str
    employers: list[tuple[EmployerFigures, object]]
    stage_labels: dict[int, str]
    unassigned: int = 0  # files in outbox/non_attribues
    # In the shared inbox, outside the employers' folders: not routed yet, and why (still being
    # copied...; else routed by the next pass).
    not_routed: list[dict] = field(default_factory=list)

    @property
    def total(self) -> EmployerFigures:
        total = EmployerFigures(code="", name="Tous les employeurs", public_service="",
                                per_stage={n: 0 for n in self.stage_labels})
        for figures, _ in self.employers:
            total.agents += figures.agents
            total.without_report += figures.without_report
            total.rejected += figures.rejected
            total.late += figures.late
            total.chased += figures.chased
            total.files_received += figures.files_received
            for number, count in figures.per_stage.items():
                total.per_stage[number] = total.per_stage.get(number, 0) + count
        return total

    def as_json(self) -> dict:
        return {"campagne": self.campaign, "employeurs": [f.as_json() for f, _ in self.employers],
                "total": self.total.as_json(), "non_attribues": self.unassigned, "pas_encore_aiguilles": self.not_routed}


def figures_of(view: Config, status) -> EmployerFigures:
    late = {item["matricule"] for item in status.late}
    return EmployerFigures(
        code=view.employer.code, name=view.employer.name, public_service=view.public_service,
        agents=sum(status.per_stage.values()) + len(status.missing), per_stage=dict(status.per_stage),
        without_report=len(status.missing), rejected=len(status.rejected), late=len(late),
        chased=len(status.chased), files_received=status.files_received, problems=list(status.problems))


def consolidated_status(config: Config, *, today: dt.date | None = None) -> ConsolidatedStatus:
    """Each employer's status (:func:`pipeline.status.campaign_status` on its view) and the totals."""
    from .status import campaign_status

    views = config.employer_views()
    employers = []
    for view in views:
        status = campaign_status(view, today=today)
        employers.append((figures_of(view, status), status))
    unassigned = config.outbox / UNASSIGNED_FOLDER
    count = sum(1 for p in unassigned.iterdir() if not p.name.endswith(UNASSIGNED_NOTE_SUFFIX)) \
        if unassigned.is_dir() else 0
    return ConsolidatedStatus(campaign=config.campaign.key, employers=employers, unassigned=count,
                              stage_labels={int(n): label for n, label in stage_labels(views).items()},
                              not_routed=_not_routed(config))


NEXT_PASS = "aiguillé vers son employeur au prochain passage"


def _not_routed(config: Config) -> list[dict]:
    """The files of the shared inbox outside the employers' folders, each with why it waits."""
    from .inbox import list_inbox, not_ready
    from .naming import shown_name

    codes = {e.code for e in config.employers}
    watch = config.watch
    try:
        files = list_inbox(config.inbox, tuple(watch.ignore_patterns)).files
    except OSError:
        return []
    waiting = []
    for path in files:
        relative = path.relative_to(config.inbox)
        if len(relative.parts) > 1 and relative.parts[0] in codes:
            continue
        try:
            why = not_ready(path, window=watch.stability_window, incomplete_after=watch.incomplete_after)
        except OSError:
            continue  # taken meanwhile
        waiting.append({"fichier": shown_name(str(relative)), "motif": why or NEXT_PASS})
    return waiting


SUMMARY_SHEET, AGENTS_SHEET = "Employeurs", "Suivi"


EXPORT_NAME = "export_employeurs.json"  # outbox/: what a workspace publishes for a consolidation
EXPORT_FORMAT = 1


def consolidated_outputs(config: Config, *, today: dt.date | None = None,
                         entries: dict[str, dict] | None = None) -> list[Path]:
    """What is rebuilt for all employers after their own outputs: the workspace's export
    (``outbox/export_employeurs.json``: :func:`workspace_export`, with the ``entries`` already
    made), the consolidated workbook made from it, and for a centre de gestion the final reports
    gathered for the CAP (pipeline/cap.py); the paths written."""
    from .cap import gather_for_cap

    export = workspace_export(config, today=today, entries=entries)
    make_dirs(config.outbox)
    published = replace_atomically(config.outbox / EXPORT_NAME, lambda p: p.write_text(
        export_json(export), encoding="utf-8"))
    workbook = write_consolidated_workbook(config.outbox / CONSOLIDATED_NAME, [export])
    return [workbook, published, *gather_for_cap(config)]


def workspace_export(config: Config, *, today: dt.date | None = None,
                     entries: dict[str, dict] | None = None) -> dict:
    """What a workspace of several employers publishes for a consolidation (its own, or one over
    several workspaces: ``entretiens consolider``), as JSON: the campaign's year, the stages, the
    day, and per employer its :func:`employer_entry` (``entries``: those already made, by code,
    for that day)."""
    today = today or dt.date.today()
    entries = entries or {}
    employers = [entries.get(view.employer.code) or employer_entry(view, today=today)
                 for view in config.employer_views()]
    return {"format": EXPORT_FORMAT, "campagne": config.campaign.year, "jour": today.isoformat(),
            "etapes": stage_labels(config.employer_views()), "employeurs": employers}


def employer_entry(view: Config, *, today: dt.date, campaign=None) -> dict:
    """One employer's part of the export: its figures (:class:`EmployerFigures`, as its ``etat``),
    its training demand (:func:`training_demand`) and, under ``suivi``, its agents (employer,
    number, name, first name, service, evaluator, situation, next deadline, its limit and state,
    as its tracking workbook). ``campaign``: its campaign view on ``today`` when already made (the
    workbooks' rebuild makes one), else made here."""
    from .campaign import load_campaign_view
    from .status import campaign_status

    figures = figures_of(view, campaign_status(view, today=today))
    needs, cost = training_demand(view)

    def rows():
        for agent in (campaign or load_campaign_view(view, today=today)).agents:
            if not agent.reviewed:
                continue
            upcoming = agent.next_deadline
            yield [figures.code, agent.number, agent.identity.get(cat.LAST_NAME, ""),
                   agent.identity.get(cat.FIRST_NAME, ""), agent.identity.get(cat.SERVICE, ""),
                   agent.evaluator, agent.situation, upcoming.label if upcoming else "",
                   upcoming.due.isoformat() if upcoming and upcoming.due else "", upcoming.state if upcoming else ""]

    return {**figures.as_json(), "besoins_de_formation": needs, "cout_estime": cost, "suivi": AgentRows(rows())}


_SEPARATOR = "\x1f"  # ASCII's unit separator: in no name, service or label


class AgentRows:
    """An employer's agents in the export (``suivi``): each row (strings) kept joined in one
    string, given back row by row as a list: 100,000 rows weigh about 15 MB so, 85 MB as lists,
    and the command holds every employer's until the export is written."""

    __slots__ = ("_joined",)

    def __init__(self, rows: Iterable[list[str]]):
        self._joined = [_SEPARATOR.join(str(value).replace(_SEPARATOR, " ") for value in row) for row in rows]

    def __iter__(self) -> Iterator[list[str]]:
        return (joined.split(_SEPARATOR) for joined in self._joined)

    def __len__(self) -> int:
        return len(self._joined)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (AgentRows, list)) and list(self) == [list(row) for row in other]


def export_json(export: dict) -> str:
    """The export (:func:`workspace_export`) as the JSON ``export_employeurs.json`` holds: one line
    (json's indented writer is pure Python: seconds at 100,000 agents), each employer's rows as
    lists, made one employer at a time."""
    return json.dumps(export, ensure_ascii=False, default=_rows_as_lists)


def _rows_as_lists(value: object) -> list:
    if isinstance(value, AgentRows):
        return list(value)
    raise TypeError(f"{type(value).__name__} n'est pas exportable en JSON")


def stage_labels(views: list[Config]) -> dict[str, str]:
    """The stages' labels the employers share; where they differ (the visa of «\u202fl'autorité
    territoriale\u202f» in a commune, of the AIPN in a hospital), the words every employer's fits."""
    said = {tuple(s.label for s in view.catalogue.stages) for view in views}
    if len(said) == 1:
        return {str(s.number): s.label for s in views[0].catalogue.stages}
    return {str(s.number): s.label.replace("{autorite}", "l'autorité") for s in cat.BASE.stages}


def read_export(path: Path) -> dict:
    """A workspace's export, checked; raises :class:`~pipeline.outcomes.ConfigError` in French
    when the file cannot be read or is not an export of this program."""
    import json

    from .files import describe_failure
    from .outcomes import ConfigError

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"Export illisible : {path} ({describe_failure(exc)}).") from None
    except ValueError:
        data = None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT or not isinstance(data.get("employeurs"), list):
        raise ConfigError(f"{path} n'est pas un export de campagne d'entretiens (le fichier {EXPORT_NAME} que "
                          "chaque dossier de travail écrit dans son dossier de sortie).")
    return data


def consolidate(paths: list[Path], target: Path) -> Path:
    """One workbook (``target``) for the employers of several workspaces, from their exports
    (``outbox/export_employeurs.json`` of each, copied from their machines): the campaign of one
    year, each employer once. Raises :class:`~pipeline.outcomes.ConfigError` in French otherwise."""
    from .outcomes import ConfigError

    exports = [(Path(path), read_export(Path(path))) for path in paths]
    years = {data["campagne"] for _, data in exports}
    if len(years) > 1:
        raise ConfigError("Ces exports sont de campagnes différentes (" + ", ".join(map(str, sorted(years)))
                          + ") : consolidez les exports d'une même campagne.")
    seen: dict[str, Path] = {}
    for path, data in exports:
        for employer in data["employeurs"]:
            if (other := seen.get(employer["code"])) is not None:
                raise ConfigError(f"L'employeur «\u202f{employer['code']}\u202f» est dans deux exports ({other} et {path}) : "
                                  "chaque employeur doit être suivi par un seul dossier de travail.")
            seen[employer["code"]] = path
    make_dirs(Path(target).parent)
    return write_consolidated_workbook(Path(target), [data for _, data in exports])


def training_demand(view: Config) -> tuple[int, float | None]:
    """An employer's training needs and their estimated cost (``None`` without a training
    catalogue, or when none of its titles has a price), from its exported plan
    (``outbox/<code>/plan_de_formation.csv``, as its last rebuild wrote it): the consolidation
    reads what each employer publishes, as it would another workspace's."""
    import pandas as pd

    from .naming import PLAN_NAME
    from .workbooks import _training_catalogue
    from .workbooks.costs import ESTIMATED_COST, costed_rows
    from .workbooks.training_plan import GROUPED, GROUPED_TITLE

    path = view.outbox / f"{PLAN_NAME}.csv"
    if not path.exists():
        return 0, None
    frame = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    trainings = _training_catalogue(view) if len(frame) else None
    if trainings is None or GROUPED.header not in frame.columns:
        return len(frame), None
    costed = costed_rows(frame.rename(columns={GROUPED.header: GROUPED_TITLE}), trainings)
    cost = costed[ESTIMATED_COST].sum(min_count=1)
    return len(frame), None if pd.isna(cost) else float(cost)


def write_consolidated_workbook(target: Path, exports: list[dict]) -> Path:
    """The consolidated workbook of one or several workspaces' exports (:func:`workspace_export`):
    «\u202fEmployeurs\u202f», one line per employer (agents, per stage, without a report, rejections
    waiting, late, to chase, training needs and their estimated cost) and the totals; «\u202fSuivi\u202f»,
    every agent of every employer with their employer, stage, situation and next deadline, as each
    employer's own tracking workbook says them (the same campaign view)."""
    import xlsxwriter

    stages = list(exports[0]["etapes"].items())
    rows = [[e["code"], e["nom"], e["fonction_publique"], e["agents"], *(e["par_etape"].get(n, 0) for n, _ in stages),
             e["sans_compte_rendu"], e["rejets"], e["en_retard"], e["a_relancer"], e["besoins_de_formation"],
             e["cout_estime"]] for export in exports for e in export["employeurs"]]

    def write(path: Path) -> None:
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                               "strings_to_urls": False})
        bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        headers = ["Code", "Employeur", "Fonction publique", "Agents", *(label for _, label in stages),
                   "Sans compte rendu", "Rejets à corriger", "Agents en retard", "À relancer",
                   "Besoins de formation", "Coût estimé des formations (€)"]
        sheet = book.add_worksheet(SUMMARY_SHEET)
        sheet.write_row(0, 0, headers, bold)
        euros = book.add_format({"num_format": "#,##0 €"})
        euros_total = book.add_format({"num_format": "#,##0 €", "bold": True})
        for i, row in enumerate(rows, 1):
            sheet.write_row(i, 0, row[:-1])
            if row[-1] is not None:  # no catalogue, or no title priced: left blank, not 0 €
                sheet.write_number(i, len(headers) - 1, row[-1], euros)
        last = len(rows)
        sheet.write(last + 1, 1, "Total", bold)
        for column in range(3, len(headers)):
            letter = xlsxwriter.utility.xl_col_to_name(column)
            total = sum(r[column] or 0 for r in rows)
            sheet.write_formula(last + 1, column, f"=SUM({letter}2:{letter}{last + 1})",
                                euros_total if column == len(headers) - 1 else bold, total)
        sheet.set_column(0, 0, 10)
        sheet.set_column(1, 1, 34)
        sheet.set_column(2, len(headers) - 1, 14)
        sheet.freeze_panes(1, 2)
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)
        agents = book.add_worksheet(AGENTS_SHEET)
        agents.write_row(0, 0, ["Code employeur", "Matricule", "Nom de l'agent", "Prénom de l'agent",
                                "Service d'affectation", "Évaluateur", "Étape / Situation", "Prochaine échéance",
                                "Date limite", "État"], bold)
        day = book.add_format({"num_format": "dd/mm/yyyy"})
        count = 0
        for export in exports:
            for employer in export["employeurs"]:
                for row in employer["suivi"]:
                    count += 1
                    agents.write_row(count, 0, row[:8])
                    if row[8]:  # a date Calc and Excel sort and filter as one
                        agents.write_datetime(count, 8, dt.datetime.fromisoformat(row[8]), day)
                    agents.write(count, 9, row[9])
        agents.set_column(0, 1, 12)
        agents.set_column(2, 5, 20)
        agents.set_column(6, 7, 36)
        agents.set_column(8, 9, 12)
        agents.freeze_panes(1, 2)
        agents.autofilter(0, 0, max(count, 1), 9)
        agents.set_landscape()
        agents.set_paper(9)
        agents.fit_to_pages(1, 0)
        agents.repeat_rows(0)
        book.close()

    return replace_atomically(target, write, keep_beside=True)
