"""The campaign at a glance: a dashboard page for HR, a one-page summary for management.

:func:`write_campaign_pages` runs at the end of :func:`pipeline.workbooks.rebuild_workbooks` (after a
pass, for ``entretiens classeurs``, for the watcher after its quiet time), from the figures that
rebuild computed in its own pass over the journal::

    figures    progress (the campaign view: situations, per service and evaluator, late, to chase,
               rejections by reason), training (the plan's summaries, the costs), equality
               (harmonisation's distributions, access to training): ``figures``
    charts     inline SVG drawn by matplotlib, each with its table: ``charts``
    dashboard  outbox/tableau_de_bord.html, one self-contained file: ``page``,
               ``templates/tableau_de_bord.html``
    summary    outbox/synthese_campagne.pdf, one A4 page, by WeasyPrint: ``summary``,
               ``templates/synthese.html``

Both are written as the workbooks are (a temporary file renamed into place, the outputs' private
mode; kept beside under another name when the target is open and cannot be replaced). matplotlib
and WeasyPrint are imported here, when the pages are built, never by a pass that only reads.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from ..config import Config
from ..files import replace_atomically
from ..naming import DASHBOARD_NAME, SUMMARY_NAME
from .figures import CampaignFigures, equality_figures, progress_figures, training_figures

__all__ = ["CampaignFigures", "equality_figures", "progress_figures", "training_figures", "write_campaign_pages"]

log = logging.getLogger("entretiens")


def write_campaign_pages(config: Config, figures: CampaignFigures, *,
                         made_at: dt.datetime | None = None) -> list[Path]:
    """Write the dashboard and the summary from ``figures``; return the paths written (the summary
    is left out, with a French warning, when WeasyPrint cannot be loaded on this machine)."""
    from .charts import campaign_charts
    from .page import render
    from .summary import SummaryUnavailable, write_summary

    made_at = made_at or dt.datetime.now().astimezone()
    charts = campaign_charts(figures)
    page = render("tableau_de_bord.html", figures, charts, made_at=made_at)
    written = [replace_atomically(config.outbox / DASHBOARD_NAME,
                                  lambda p: p.write_text(page, encoding="utf-8"), keep_beside=True)]
    try:
        written.append(replace_atomically(config.outbox / SUMMARY_NAME,
                                          lambda p: write_summary(p, figures, made_at=made_at),
                                          keep_beside=True))
    except SummaryUnavailable as exc:
        log.warning("%s", exc)
    return written
