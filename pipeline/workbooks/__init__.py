"""The training plan and the campaign tracking workbooks, rebuilt from the journal (SPEC 5).

:func:`rebuild_workbooks` runs once per pass (and for ``entretiens classeurs``)::

    read       the journal: newest accepted version of each report, last file of
               each agent; the roster
    rows       one row per training need, one row per agent (pandas DataFrames)
    summarise  pandas group-bys: by type x grouped title, by service, by each
               other choice column of the training table; counts per stage
    write      XlsxWriter: user text always written as text (never a formula or
               a link), control characters removed, dates as real Excel dates
    publish    temporary file in the outbox, renamed into place; if the target
               cannot be replaced (open in Excel on a share), the new file stays
               beside it under a dated name and a warning says so
    pages      the dashboard page and the one-page summary (pipeline.dashboard), from
               the same view, needs and appraisals: tableau_de_bord.html, synthese_campagne.pdf

One module per output, and what they share:

    training_plan  plan_de_formation.xlsx: need rows, summaries, chart, write_plan
    csv_export     plan_de_formation.csv: the need rows, formula-injection guard
    tracking       suivi_campagne.xlsx: agent rows, deadline states, counts, relances, write_tracking
    harmonisation  suivi_campagne.xlsx: equal treatment (levels per evaluator and service,
                   chi-square test; access to training per category and sex)
    costs          plan_de_formation.xlsx: the training catalogue (config catalogue_formations)
                   read, grouped titles matched to it, cost sheets
    titles         grouping similar training titles
    sheets         SheetColumn and column kinds, cell_text, the XlsxWriter Book

Where to add a column: ``training_plan.need_columns`` («\u202fBesoins\u202f» and the CSV),
``tracking.tracking_columns`` («\u202fSuivi\u202f»), each at the top of its module.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path


from .. import catalogue as cat
from ..beside import run_beside
from ..campaign import CampaignView, campaign_view
from ..catalogue import PUBLIC_SERVICES
from ..config import Config
from ..files import replace_atomically
from ..journal import CurrentReport, FileRow, Journal
from ..naming import PLAN_NAME, TRACKING_NAME
from ..roster import load_roster
from ..status import keep_status
from .costs import CostCatalogueError, TrainingCatalogue, cost_summaries, load_training_catalogue
from .csv_export import write_plan_csv
from .harmonisation import AppraisalFacts
from .titles import group_titles
from .tracking import relance_rows, tracking_rows, write_tracking
from .training_plan import need_frame, need_records, training_rows, with_grouped_titles, write_plan

__all__ = ["group_titles", "rebuild_workbooks", "tracking_rows", "training_rows"]

log = logging.getLogger("entretiens")


def rebuild_workbooks(config: Config, *, today: dt.date | None = None,
                      on_view: Callable[[CampaignView], None] | None = None) -> list[Path]:
    """Rebuild outbox/plan_de_formation.xlsx, outbox/plan_de_formation.csv and
    outbox/suivi_campagne.xlsx from the journal (Journal(config.state_dir)), then the dashboard
    and the summary (outbox/tableau_de_bord.html, outbox/synthese_campagne.pdf: pipeline.dashboard);
    return the paths written. Called once per pass, never per file. The campaign view
    (:func:`pipeline.campaign.campaign_view`) and the training needs are read in one pass over
    the journal, one report's content in memory at a time. A large plan
    (:data:`pipeline.beside.BESIDE_FROM` needs) is written by a child process forked for it while
    this one writes the tracking (:func:`pipeline.beside.run_beside`); a small one first, then the
    tracking. A plan that cannot be written does not keep the tracking from being written (its
    error is raised after). The dashboard's figures are taken from each as it goes (a few small
    tables). ``on_view``: given the campaign view once made (an employer's outputs keep it for the
    workspace's export, rather than making it again)."""
    from .. import dashboard

    today = today or dt.date.today()
    catalogue, campaign = config.catalogue, config.campaign.key
    loaded = load_roster(config.roster_path, catalogue, cache_dir=config.state_dir) if config.roster_path else None
    roster = loaded.rows if loaded is not None else None
    listed = {r.values.get(cat.AGENT_NUMBER, ""): r for r in roster or ()}
    categories = {number: r.extra.get("categorie", "") for number, r in listed.items()}
    identities = {number: r.values for number, r in listed.items()}  # the plan names agents as the roster does
    appraisals: list[AppraisalFacts] = []
    accepted: list[dict] = []  # the needs of each report's accepted version
    waiting: list[dict] = []  # the needs of a turned-away report with no accepted version
    reported: set[str] = set()

    def each_report(report: CurrentReport) -> None:
        reported.add(report.agent_number)
        appraisals.append(AppraisalFacts.of(report.file, catalogue, listed.get(report.agent_number)))
        accepted.extend(need_records(report.campaign, report.agent_number, report.file, catalogue, categories,
                                     identities))

    def each_turned_away(file: FileRow) -> None:
        if file.agent_number not in reported:
            waiting.extend(need_records(file.campaign, file.agent_number, file, catalogue, categories, identities))

    with Journal(config.state_dir) as journal:
        view = campaign_view(config, journal, roster, today, each_report=each_report,
                             each_turned_away=each_turned_away)
        files_received, duplicates = journal.count_files(campaign)
        keep_status(config, journal, view, today,  # the next etat reads it
                    roster_problems=len(loaded.problems) if loaded is not None else 0)
    if on_view is not None:
        on_view(view)
    needs, pending = need_frame(accepted, catalogue), need_frame(waiting, catalogue)
    del accepted, waiting
    needs, pending = with_grouped_titles(needs, catalogue, pending)
    trainings = _training_catalogue(config)
    costs = cost_summaries(needs, catalogue, trainings) if trainings is not None else []
    training = dashboard.training_figures(needs, pending, catalogue, costs)

    def plan() -> tuple[list[Path], object]:
        """The plan written; and, made on the same processor, the equal-treatment figures."""
        written = [
            replace_atomically(config.outbox / f"{PLAN_NAME}.xlsx",
                               lambda p: write_plan(p, needs, catalogue, campaign, pending, costs), keep_beside=True),
            replace_atomically(config.outbox / f"{PLAN_NAME}.csv", lambda p: write_plan_csv(p, needs, catalogue),
                               keep_beside=True),
        ]
        return written, dashboard.equality_figures(appraisals, catalogue)

    # A large plan is written on the other processor while this one writes the tracking.
    planned = run_beside(plan, size=len(needs) + len(pending), what="Plan de formation")
    need_count = len(needs)  # the rows stay until the plan is written: a child's failure writes it here
    try:
        agents, chased = tracking_rows(config, view), relance_rows(config, view)
        progress = dashboard.progress_figures(catalogue, view, files_received=files_received,
                                              duplicates=duplicates)
        del view, roster, listed, loaded
        tracked = replace_atomically(config.outbox / f"{TRACKING_NAME}.xlsx",
                                     lambda p: write_tracking(p, agents, chased, config, today, appraisals),
                                     keep_beside=True)
        del agents, chased
    finally:
        written, equality = planned()
    del needs, pending, costs
    written.append(tracked)
    figures = dashboard.CampaignFigures(
        progress=progress, training=training, equality=equality,
        hr_name=config.hr.name, public_service=PUBLIC_SERVICES[config.public_service].name,
        workbooks=[p.name for p in written])
    written += dashboard.write_campaign_pages(config, figures)
    log.info("classeurs reconstruits : %d besoins de formation, %d agents suivis (%s)",
             need_count, progress.agents, ", ".join(p.name for p in written))
    return written


def _training_catalogue(config: Config) -> TrainingCatalogue | None:
    """The training catalogue of config ``catalogue_formations``, or None (not configured, or
    unusable: then a French warning says what to fix, and the plan is written without costs)."""
    path = config.training_catalogue_path
    if path is None:
        return None
    try:
        trainings = load_training_catalogue(path)
    except CostCatalogueError as exc:
        log.warning("%s Le plan de formation est écrit sans les feuilles de coûts.", exc.message)
        return None
    except Exception as exc:  # noqa: BLE001 - an optional input never keeps the plan from being written
        log.warning("Le catalogue des formations «\u202f%s\u202f» ne peut pas être lu (%s) : le plan de "
                    "formation est écrit sans les feuilles de coûts. Enregistrez-le au format .xlsx ou .csv "
                    "et réessayez.", path.name, exc.__class__.__name__)
        return None
    if trainings.problems:
        log.warning("Catalogue des formations «\u202f%s\u202f» : %s. Corrigez ces lignes pour que "
                    "les coûts du plan de formation soient complets.", trainings.name, " ; ".join(trainings.problems))
    return trainings
