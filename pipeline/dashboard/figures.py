"""The figures of the campaign at a glance, computed once for the dashboard and the summary.

Each comes from what the workbook rebuild holds already, read in its one pass over the journal
(:func:`pipeline.workbooks.rebuild_workbooks`); nothing here reads a file or the journal:

    progress   the campaign view (:mod:`pipeline.campaign`): the situation of each agent overall and
               per service, per evaluator (per employer, when there are several), the deadlines
               missed, the agents to chase (whom, by when), the rejections waiting for a correction
               by reason. These are the records ``etat`` counts: :attr:`Progress.etat` holds the
               counts ``etat --json`` gives, and the dashboard marks each with its key.
    training   the training plan's need rows and summaries (:mod:`pipeline.workbooks.training_plan`),
               the cost summaries when a training catalogue prices them (:mod:`pipeline.workbooks.costs`)
    equality   the distributions of levels and the access to training of
               :mod:`pipeline.workbooks.harmonisation`, as the tracking workbook has them

No free text of a report: counts, and the names HR already sees in the workbooks (agents,
evaluators, services, training titles, file names).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from .. import catalogue as cat
from ..campaign import NO_REPORT, REJECTED_ONLY, AgentState, CampaignView
from ..catalogue import Catalogue
from ..outcomes import reason_name
from ..workbooks.costs import COST, COSTED, ESTIMATED_COST, PER_TITLE_SHEET, PER_TYPE_SHEET, UNMATCHED_SHEET
from ..workbooks.harmonisation import (MARKED, P_VALUE, REPORTS, VERDICT, AppraisalFacts, Distribution,
                                       distributions, training_access)
from ..workbooks.sheets import AGENTS, NOT_FILLED, cell_text
from ..workbooks.training_plan import (GROUPED_TITLE, REQUESTS, Summary, chart_data, need_id, need_table,
                                       plan_summaries)

# -- the kinds of a column: how a value is written -----------------------------------------------

TEXT, NUMBER, DATE, PERCENT, EUROS, DECIMAL = "text", "number", "date", "percent", "euros", "decimal"


@dataclass(frozen=True)
class Column:
    """A column of a :class:`Table`: its French header, the kind of its values, and whether its
    cells name their row (``th scope="row"``)."""

    label: str
    kind: str = TEXT
    names_row: bool = False


@dataclass
class Table:
    """Rows as the dashboard shows them; a chart's data is its table (its text alternative)."""

    caption: str
    columns: list[Column]
    rows: list[list]
    etat: str = ""  # the etat --json list whose records the rows are, one each ("" when none)

    def column(self, label: str) -> list:
        index = [c.label for c in self.columns].index(label)
        return [row[index] for row in self.rows]

    def select(self, *labels: str, by: str | None = None, headers: dict[str, str] | None = None) -> "Table":
        """The columns ``labels`` only (``headers``: some renamed), the rows by decreasing ``by`` when
        given: the summary's shorter tables."""
        names = [c.label for c in self.columns]
        indexes = [names.index(label) for label in labels]
        rows = self.rows
        if by is not None:
            key = names.index(by)
            rows = sorted(rows, key=lambda row: -(row[key] or 0))
        columns = [Column((headers or {}).get(self.columns[i].label, self.columns[i].label), self.columns[i].kind,
                          self.columns[i].names_row) for i in indexes]
        return Table(self.caption, columns, [[row[i] for i in indexes] for row in rows], self.etat)


# -- progress: the campaign view -----------------------------------------------------------------

SHORT_REJECTED, SHORT_NO_REPORT = "Rejeté", "Aucun compte rendu"
ALERTS, CHASED = "Avec une échéance manquée", "À relancer"


@dataclass(frozen=True)
class Situation:
    """One situation an agent can be in: a stage, rejected only, no report. ``key``: the
    ``etat --json`` count it equals (``par_etape.2``), "" when etat has none."""

    short: str  # «\u202fÉtape 2\u202f»
    label: str  # the stage's label
    count: int
    key: str = ""


@dataclass(frozen=True)
class Grouping:
    """A way to group agents for the progress tables: its title («\u202fpar service\u202f»), the
    header of its first column, what names an agent's group, and whether it is shown with a
    single group (an employer's grouping is shown only when the campaign has several)."""

    title: str
    header: str
    of: Callable[[AgentState], str]
    alone: bool = True


def groupings(catalogue: Catalogue) -> list[Grouping]:
    """Per service and per evaluator. A campaign run for several employers (a shared HR centre)
    adds its employer here, ``alone=False``, once the roster names it."""
    return [
        Grouping("par service", catalogue.field(cat.SERVICE).label, lambda a: a.identity.get(cat.SERVICE, "")),
        Grouping("par évaluateur", catalogue.field(cat.EVALUATOR).label, lambda a: a.evaluator),
    ]


@dataclass
class Progress:
    campaign: str
    today: dt.date
    agents: int
    situations: list[Situation]
    per_group: list[Table]  # one per shown grouping
    late: Table  # one row per deadline missed (etat «\u202fretards\u202f»)
    late_by_deadline: Table  # per deadline: overdue (not done yet), done late
    chased: Table  # one row per agent to chase, by evaluator (etat «\u202fa_relancer\u202f»)
    chased_by_evaluator: Table  # per evaluator: agents to chase, the oldest due date, the most days late
    chased_whom: dict[str, int]  # évaluateur, agent, autorité -> agents to chase
    rejections: Table  # one row per rejection waiting for a correction (etat «\u202frejets\u202f»)
    by_reason: Table  # rejections waiting, per reason
    etat: dict[str, int] = field(default_factory=dict)  # etat --json key -> count

    @property
    def finished(self) -> int:
        """Agents whose report reached the final stage."""
        stages = [s for s in self.situations if s.key.startswith("par_etape.")]
        return stages[-1].count if stages else 0


def progress_figures(catalogue: Catalogue, view: CampaignView, *, files_received: int, duplicates: int) -> Progress:
    """Everything about where the campaign stands, from the campaign view alone (and the journal's
    two file counts, as ``etat`` has them)."""
    per_stage = view.per_stage(catalogue)
    situations = [Situation(f"Étape {s.number}", s.label, per_stage.get(s.number, 0), f"par_etape.{s.number}")
                  for s in catalogue.stages]
    situations.append(Situation(SHORT_REJECTED, REJECTED_ONLY, sum(a.situation == REJECTED_ONLY for a in view.agents)))
    situations.append(Situation(SHORT_NO_REPORT, NO_REPORT, sum(a.situation == NO_REPORT for a in view.agents)))
    rejections = _rejections(view)
    to_chase = view.chased()
    late, chased = _late(view), _chased(to_chase)
    progress = Progress(
        campaign=view.campaign, today=view.today, agents=len(view.agents), situations=situations,
        per_group=[t for g in groupings(catalogue) if (t := _per_group(g, view, situations)) is not None],
        late=late, late_by_deadline=_late_by_deadline(late), chased=chased,
        chased_by_evaluator=_chased_by_evaluator(to_chase),
        chased_whom=dict(Counter(a.chase.whom for a in to_chase).most_common()),
        rejections=rejections, by_reason=_by_reason(rejections))
    progress.etat = {
        **{s.key: s.count for s in situations if s.key},
        "fichiers_recus": files_received, "doublons": duplicates,
        "exemplaires_signes": sum(a.signed_copy is not None for a in view.agents),
        "rejets": len(rejections.rows), "retards": len(late.rows),
        "sans_compte_rendu": sum(a.in_roster and a.current is None for a in view.agents),
        "a_relancer": len(chased.rows),
    }
    return progress


def _per_group(grouping: Grouping, view: CampaignView, situations: list[Situation]) -> Table | None:
    """Agents per group and situation, the total, those with a deadline missed and those to chase."""
    index = {s.key: i for i, s in enumerate(situations)}
    index.update({REJECTED_ONLY: len(situations) - 2, NO_REPORT: len(situations) - 1})
    counts: dict[str, list[int]] = {}
    for agent in view.agents:
        name = cell_text(grouping.of(agent)) or NOT_FILLED
        row = counts.setdefault(name, [0] * (len(situations) + 3))
        row[index[f"par_etape.{agent.stage}" if agent.stage is not None else agent.situation]] += 1
        row[-3] += 1
        row[-2] += any(d.missed for d in agent.deadlines)
        row[-1] += agent.chase is not None
    if not counts or (len(counts) < 2 and not grouping.alone):
        return None
    columns = [Column(grouping.header, names_row=True), *[Column(s.short, NUMBER) for s in situations],
               Column("Total", NUMBER), Column(ALERTS, NUMBER), Column(CHASED, NUMBER)]
    rows = [[name, *values] for name, values in sorted(counts.items(), key=lambda item: item[0].casefold())]
    return Table(f"Avancement {grouping.title}", columns, rows)


def _who(agent: AgentState) -> list[str]:
    return [cell_text(agent.name) or cell_text(agent.number), cell_text(agent.number),
            cell_text(agent.evaluator) or NOT_FILLED]


WHO = [Column("Agent", names_row=True), Column("Matricule"), Column("Évaluateur")]


def _late(view: CampaignView) -> Table:
    """Every deadline missed (done late, or overdue), the oldest first."""
    items = [(d.due or dt.date.max, index, agent, d) for index, agent in enumerate(view.agents) for d in agent.missed]
    items.sort(key=lambda item: item[:2])
    return Table("Échéances manquées, la plus ancienne d'abord",
                 [*WHO, Column("Échéance"), Column("État"), Column("Date limite", DATE), Column("Faite le", DATE),
                  Column("Attendu de"), Column("Jours de retard", NUMBER)],
                 [[*_who(a), d.label, d.state, d.due, d.done, d.owner, d.days_late] for _, _, a, d in items],
                 etat="retards")


OVERDUE_COLUMN, DONE_LATE_COLUMN = "Dépassées, pas encore faites", "Faites en retard"


def _late_by_deadline(late: Table) -> Table:
    """The deadlines missed per deadline (in the workflow's order): overdue, done late, in all."""
    counts: dict[str, list[int]] = {}
    for label, done in zip(late.column("Échéance"), late.column("Faite le")):
        row = counts.setdefault(label, [0, 0])
        row[done is not None] += 1
    return Table("Échéances manquées par échéance",
                 [Column("Échéance", names_row=True), Column(OVERDUE_COLUMN, NUMBER),
                  Column(DONE_LATE_COLUMN, NUMBER), Column("Total", NUMBER)],
                 [[label, overdue, done, overdue + done] for label, (overdue, done) in counts.items()])


def _chased(agents: list[AgentState]) -> Table:
    """The agents to chase (:meth:`CampaignView.chased`: by evaluator): why, whom, by when."""
    return Table("Agents à relancer, par évaluateur",
                 [Column("Évaluateur"), Column("Agent", names_row=True), Column("Matricule"), Column("Service"),
                  Column("Motif"), Column("À relancer"), Column("Échéance", DATE),
                  Column("Jours de retard", NUMBER)],
                 [[cell_text(a.evaluator) or NOT_FILLED, cell_text(a.name) or a.number, cell_text(a.number),
                   cell_text(a.identity.get(cat.SERVICE, "")), a.chase.reason, a.chase.whom, a.chase.due,
                   a.chase.days_late] for a in agents],
                 etat="a_relancer")


def _chased_by_evaluator(agents: list[AgentState]) -> Table:
    """Per evaluator: the agents to chase, the earliest due date, the most days late."""
    groups: dict[str, list[AgentState]] = {}
    for agent in agents:
        groups.setdefault(cell_text(agent.evaluator) or NOT_FILLED, []).append(agent)
    rows = []
    for name, agents in groups.items():
        dues = [a.chase.due for a in agents if a.chase.due is not None]
        late = [a.chase.days_late for a in agents if a.chase.days_late]
        rows.append([name, len(agents), min(dues) if dues else None, max(late) if late else None])
    rows.sort(key=lambda r: (-(r[3] or 0), -r[1], r[0].casefold()))
    return Table("Agents à relancer par évaluateur, le plus en retard d'abord",
                 [Column("Évaluateur", names_row=True), Column("Agents à relancer", NUMBER),
                  Column("Première échéance", DATE), Column("Jours de retard (au plus)", NUMBER)], rows)


def _rejections(view: CampaignView) -> Table:
    """The files turned away that wait for a corrected version: the agents', then those no agent
    could be read from (as ``etat`` lists them)."""
    rows = [[*_who(a), reason_name(a.rejection.file.reason_code), a.rejection.file.received, a.rejection.due]
            for a in view.agents if a.rejection is not None]
    rows += [[cell_text(seen.name), "", NOT_FILLED, reason_name(seen.reason_code), seen.received, None]
             for seen in view.unidentified]
    return Table("Fichiers rejetés, un par ligne, avec le motif principal de leur note",
                 [*WHO, Column("Motif"), Column("Reçu le", DATE), Column("Correction attendue le", DATE)],
                 rows, etat="rejets")


def _by_reason(rejections: Table) -> Table:
    counts = Counter(rejections.column("Motif"))
    return Table("Rejets en attente par motif",
                 [Column("Motif", names_row=True), Column("Rejets", NUMBER)],
                 [[name, count] for name, count in sorted(counts.items(), key=lambda i: (-i[1], i[0]))])


# -- training needs: the training plan's summaries -----------------------------------------------

@dataclass
class Training:
    needs: int  # validated needs (accepted reports)
    agents: int  # agents with at least one
    pending: int  # needs of reports still rejected (not validated)
    by_type: Table | None  # requests per type (T1...), the catalogue's order
    by_choice: list[Table]  # per other choice column of the training table: scheme, priority, opinion
    titles: Table  # the most requested grouped titles, requests per type and in all
    costs: "Costs | None" = None


@dataclass
class Costs:
    """When the training catalogue prices the grouped titles (:mod:`pipeline.workbooks.costs`)."""

    estimated: float  # euros, every priced request
    priced: int  # requests priced
    unpriced: int  # requests whose grouped title the catalogue does not price
    by_type: Table | None
    titles: Table  # the costliest grouped titles


TOP_TITLES = 15  # the plan's «\u202fGraphique\u202f» shows as many (training_plan.CHART_TITLES)


def training_figures(needs: pd.DataFrame, pending: pd.DataFrame, catalogue: Catalogue,
                     costs: Iterable[Summary] = ()) -> Training:
    """The training demand, from the plan's need rows (``needs``: the «\u202fBesoins\u202f» sheet's
    frame; ``pending``: «\u202fBesoins non validés\u202f») and its summaries."""
    _, kind, others = need_table(catalogue)
    summaries = plan_summaries(needs, catalogue)
    by_type = None
    if kind is not None:  # «\u202fPar type et intitulé\u202f», summed per type
        per_title = summaries[0].frame
        type_id = need_id(kind)
        counts = per_title.groupby(type_id, sort=False)[REQUESTS].sum()
        by_type = Table(f"Demandes par {kind.label.lower()}",
                        [Column(kind.label, names_row=True), Column("Demandes", NUMBER)],
                        [[value, int(count)] for value, count in counts.items()])
    by_choice = []
    for column in others:
        summary = next((s for s in summaries if s.columns[0].id == need_id(column)), None)
        if summary is None:
            continue
        by_choice.append(Table(f"Demandes par {column.label[0].lower()}{column.label[1:]}",
                               [Column(column.label, names_row=True), Column("Demandes", NUMBER),
                                Column("Agents distincts", NUMBER)],
                               [[cell_text(v), int(r), int(a)] for v, r, a in
                                zip(summary.frame[need_id(column)], summary.frame[REQUESTS], summary.frame[AGENTS])]))
    data, columns = chart_data(needs, catalogue)
    titles = Table(f"Les {TOP_TITLES} intitulés regroupés les plus demandés" if len(data) >= TOP_TITLES
                   else "Intitulés regroupés demandés",
                   [Column(columns[0].header, names_row=True), *[Column(c.header, NUMBER) for c in columns[1:]]],
                   [[cell_text(row[0]), *[int(v) for v in row[1:]]]
                    for row in data[[c.id for c in columns]].itertuples(index=False)])
    return Training(needs=len(needs), agents=int(needs[cat.AGENT_NUMBER].nunique()) if len(needs) else 0,
                    pending=len(pending), by_type=by_type, by_choice=by_choice, titles=titles,
                    costs=_costs({s.sheet: s for s in costs}, kind))


def _costs(sheets: dict[str, Summary], kind) -> Costs | None:
    if PER_TITLE_SHEET not in sheets:
        return None
    per_title, unmatched = sheets[PER_TITLE_SHEET].frame, sheets.get(UNMATCHED_SHEET)
    by_type = None
    if PER_TYPE_SHEET in sheets and kind is not None:
        frame = sheets[PER_TYPE_SHEET].frame
        by_type = Table(f"Coût estimé par {kind.label.lower()}",
                        [Column(kind.label, names_row=True), Column("Demandes", NUMBER),
                         Column("Demandes chiffrées", NUMBER), Column("Coût estimé", EUROS)],
                        [[cell_text(v), int(r), int(c), float(e)] for v, r, c, e in
                         zip(frame[need_id(kind)], frame[REQUESTS], frame[COSTED], frame[ESTIMATED_COST])])
    top = per_title.head(TOP_TITLES)
    return Costs(
        estimated=float(per_title[ESTIMATED_COST].sum()), priced=int(per_title[REQUESTS].sum()),
        unpriced=int(unmatched.frame[REQUESTS].sum()) if unmatched is not None else 0, by_type=by_type,
        titles=Table("Intitulés regroupés les plus coûteux",
                     [Column("Intitulé regroupé", names_row=True), Column("Demandes", NUMBER),
                      Column("Coût par personne", EUROS), Column("Coût estimé", EUROS)],
                     [[cell_text(t), int(r), float(c), float(e)] for t, r, c, e in
                      zip(top[GROUPED_TITLE], top[REQUESTS], top[COST], top[ESTIMATED_COST])]))


# -- equal treatment: harmonisation's figures ----------------------------------------------------

@dataclass
class Equality:
    distributions: list[Distribution]  # harmonisation.distributions: one per criterion, then the objectives
    flagged: Table  # every group with «\u202fécart marqué\u202f», criterion by criterion
    access: Table  # harmonisation.training_access: campaign, categories, sexes
    reports: int  # accepted reports behind the figures


def equality_figures(appraisals: list[AppraisalFacts], catalogue: Catalogue) -> Equality:
    found = distributions(appraisals, catalogue)
    flagged = [[d.title, row["group"], row["name"], int(row[REPORTS]), row[P_VALUE]]
               for d in found for _, row in d.frame.iterrows() if row[VERDICT] == MARKED]
    access = training_access(appraisals)
    return Equality(
        distributions=found,
        flagged=Table("Groupes dont la répartition des niveaux s'écarte du reste de la campagne",
                      [Column("Critère"), Column("Regroupement"), Column("Nom", names_row=True),
                       Column("Comptes rendus", NUMBER), Column("p (khi-deux)", DECIMAL)], flagged),
        access=Table("Accès à la formation par catégorie et par sexe",
                     [Column("Regroupement"), Column("Nom", names_row=True),
                      Column("Agents avec un compte rendu accepté", NUMBER),
                      Column("Agents avec au moins un besoin", NUMBER),
                      Column("Part des agents avec un besoin", PERCENT), Column("Besoins exprimés", NUMBER),
                      Column("Besoins par agent", DECIMAL)],
                     [[r["group"], cell_text(r["name"]), int(r["agents"]), int(r["with_need"]), r["share"],
                       int(r["needs"]), r["per_agent"]] for _, r in access.iterrows()]),
        reports=len(appraisals))


def distribution_table(distribution: Distribution) -> Table:
    """One criterion's distribution as the dashboard shows it: the campaign, each evaluator, each
    service, the share of each level and the test's verdict (the «\u202fHarmonisation\u202f» sheet's)."""
    frame = distribution.frame
    return Table(distribution.title,
                 [Column("Regroupement"), Column("Nom", names_row=True), Column(distribution.unit, NUMBER),
                  *[Column(level, PERCENT) for level in distribution.levels],
                  Column("p (khi-deux)", DECIMAL), Column("Écart")],
                 [[r["group"], cell_text(r["name"]), int(r[REPORTS]),
                   *[_number(r.get(f"level.{level}")) for level in distribution.levels],
                   _number(r[P_VALUE]), r[VERDICT]] for _, r in frame.iterrows()])


def _number(value) -> float | None:
    return None if value is None or value != value else float(value)


# -- all of it ----------------------------------------------------------------------------------

@dataclass
class CampaignFigures:
    """What the dashboard and the summary show: ``progress``, ``training``, ``equality``, and who
    runs the campaign (the HR service, the public service)."""

    progress: Progress
    training: Training
    equality: Equality
    hr_name: str
    public_service: str
    workbooks: list[str] = field(default_factory=list)  # the workbooks' file names, beside the page
