"""The training plan and the campaign tracking workbooks, rebuilt from the journal (SPEC 5).

:func:`rebuild_workbooks` runs once per pass (and for ``entretiens report``)::

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
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..config import Config
from ..files import replace_atomically
from .. import catalogue as cat
from ..journal import CurrentReport, FileRow, Journal
from ..mail import last_messages
from ..naming import PLAN_NAME, TRACKING_NAME
from ..roster import load_roster
from .costs import CostCatalogueError, TrainingCatalogue, cost_summaries, load_training_catalogue
from .csv_export import write_plan_csv
from .harmonisation import AppraisalFacts
from .titles import group_titles
from .tracking import TrackingFacts, tracking_rows, write_tracking
from .training_plan import need_rows, training_rows, with_grouped_titles, write_plan

__all__ = ["campaign_agents", "group_titles", "rebuild_workbooks", "tracking_rows", "training_rows"]

log = logging.getLogger("entretiens")


def rebuild_workbooks(config: Config, *, today: dt.date | None = None) -> list[Path]:
    """Rebuild outbox/plan_de_formation.xlsx, outbox/plan_de_formation.csv and
    outbox/suivi_campagne.xlsx from the journal (Journal(config.state_dir)); return
    the paths written. Called once per pass, never per file. The plan's rows are
    gone before the tracking's are built: both are never in memory together."""
    today = today or dt.date.today()
    catalogue, campaign = config.catalogue, config.campaign.key
    roster = load_roster(config.roster_path, catalogue).rows if config.roster_path else []
    listed = {r.values.get(cat.AGENT_NUMBER, ""): r for r in roster}
    categories = {number: r.extra.get("categorie", "") for number, r in listed.items()}
    current: dict[str, TrackingFacts] = {}
    appraisals: list[AppraisalFacts] = []
    latest: dict[str, TrackingFacts] = {}
    facts_of_file: dict[int, TrackingFacts] = {}  # an agent's last file is most often its current version

    def keeping_tracking_facts(reports: Iterable[CurrentReport]) -> Iterable[CurrentReport]:
        for report in reports:
            current[report.agent_number] = facts_of_file[report.file.id] = TrackingFacts.of(report.file, catalogue)
            appraisals.append(AppraisalFacts.of(report.file, catalogue, listed.get(report.agent_number)))
            yield report

    def still_rejected(files: Iterable[FileRow]) -> Iterable[tuple[str | None, str | None, FileRow]]:
        """The last file of each agent with no accepted version, when it was turned away."""
        for file in files:
            latest[file.agent_number] = facts_of_file.get(file.id) or TrackingFacts.of(file, catalogue)
            if file.agent_number not in current and file.outcome is not None and file.outcome.turned_away:
                yield file.campaign, file.agent_number, file

    # One report's content in memory at a time: its needs and its tracking facts.
    with Journal(config.state_dir) as journal:
        needs = need_rows(((r.campaign, r.agent_number, r.file)
                           for r in keeping_tracking_facts(journal.iter_current_reports(campaign))),
                          catalogue, categories)
        pending = need_rows(still_rejected(journal.iter_latest_by_agent(campaign)), catalogue, categories)
        messages = last_messages(config, journal)
        signed = {copy.agent_number: copy for copy in journal.signed_copies()
                  if copy.campaign == campaign}  # each agent's last one received
    del facts_of_file
    needs, pending = with_grouped_titles(needs, catalogue, pending)
    trainings = _training_catalogue(config)
    costs = cost_summaries(needs, catalogue, trainings) if trainings is not None else []
    written = [
        replace_atomically(config.outbox / f"{PLAN_NAME}.xlsx",
                           lambda p: write_plan(p, needs, catalogue, campaign, pending, costs), keep_beside=True),
        replace_atomically(config.outbox / f"{PLAN_NAME}.csv", lambda p: write_plan_csv(p, needs, catalogue),
                           keep_beside=True),
    ]
    need_count = len(needs)
    del needs, pending, costs
    agents = tracking_rows(config, current, latest, roster, today, messages=messages, signed=signed)
    del current, latest, roster, listed, messages, signed
    written.append(replace_atomically(config.outbox / f"{TRACKING_NAME}.xlsx",
                                      lambda p: write_tracking(p, agents, config, today, appraisals),
                                      keep_beside=True))
    log.info("classeurs reconstruits : %d besoins de formation, %d agents suivis (%s)",
             need_count, len(agents), ", ".join(p.name for p in written))
    return written


def campaign_agents(config: Config, *, today: dt.date | None = None) -> pd.DataFrame:
    """The «\u202fSuivi\u202f» sheet's rows (:func:`tracking.tracking_rows`), without writing anything:
    one per roster agent, then one per other agent of the campaign the journal knows."""
    today = today or dt.date.today()
    catalogue, campaign = config.catalogue, config.campaign.key
    roster = load_roster(config.roster_path, catalogue).rows if config.roster_path else []
    with Journal(config.state_dir) as journal:
        current = {r.agent_number: TrackingFacts.of(r.file, catalogue) for r in journal.iter_current_reports(campaign)}
        latest = {f.agent_number: TrackingFacts.of(f, catalogue) for f in journal.iter_latest_by_agent(campaign)}
        messages = last_messages(config, journal)
    return tracking_rows(config, current, latest, roster, today, messages=messages)


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
