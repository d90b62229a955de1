"""The one-page summary for management, ``outbox/synthese_campagne.pdf``: A4, one page.

Where the campaign stands, what is late and whom to chase, the training demand in figures: the
same figures as the dashboard (``figures``), laid out by ``templates/synthese.html`` and its CSS,
made into a PDF by WeasyPrint (an HTML/CSS-to-PDF library in Python, kept by CourtBouillon: CSS
paged media, the page's own SVG charts, fonts embedded, a tagged PDF). WeasyPrint needs Pango
(Debian: ``libpango-1.0-0``, ``libpangoft2-1.0-0``): on a machine without it the summary is left
out with a French warning, the dashboard and the workbooks are written all the same.

One page, whatever the campaign's size: the lists (services, evaluators to chase, training titles)
are cut to their first rows, «\u202fet N autres\u202f» said below them, and cut further while the
rendering takes more than one page.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from ..command_names import WORKBOOKS, command_line
from .figures import CampaignFigures, Table
from .page import render

log = logging.getLogger("entretiens")

# Rows of each list on the page, then fewer while it does not fit on one.
ROWS = (6, 4, 3, 2)


class SummaryUnavailable(Exception):
    """WeasyPrint cannot be loaded here (Pango missing): French message."""


def _weasyprint():
    from PIL import ImageFile

    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: a system library (Pango) is missing
        raise SummaryUnavailable(
            f"La synthèse PDF n'est pas produite : la bibliothèque WeasyPrint ne peut pas être chargée "
            f"({exc.__class__.__name__}). Installez les paquets libpango-1.0-0 et libpangoft2-1.0-0, "
            f"puis relancez «\u202f{command_line(WORKBOOKS)}\u202f».") from None
    finally:
        # WeasyPrint makes Pillow accept cut-short images for the whole process (weasyprint/images.py):
        # a signed copy photographed and cut short must still be refused by the next pass (the watcher).
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return weasyprint


def first_rows(table: Table, rows: int) -> tuple[Table, int]:
    """``table`` cut to its first ``rows`` rows, and how many are left out."""
    return Table(table.caption, table.columns, table.rows[:rows], table.etat), max(0, len(table.rows) - rows)


def write_summary(path: Path, figures: CampaignFigures, *, made_at: dt.datetime) -> int:
    """Write the summary PDF at ``path``; return the rows each list was cut to. Raises
    :class:`SummaryUnavailable` when WeasyPrint cannot be loaded."""
    from .charts import as_image, summary_charts

    weasyprint = _weasyprint()
    charts = summary_charts(figures)
    for rows in ROWS:
        page = render("synthese.html", figures, charts, made_at=made_at, rows=rows, first_rows=first_rows,
                      as_image=as_image)
        document = weasyprint.HTML(string=page, base_url=str(path.parent)).render(pdf_tags=True)
        if len(document.pages) == 1:
            break
    document.write_pdf(path, pdf_tags=True)
    return rows
