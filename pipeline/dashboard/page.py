"""The dashboard page, ``outbox/tableau_de_bord.html``, and the summary's HTML, from the figures.

One self-contained HTML file: its styles are in it, its charts are inline SVG (``charts``), it has
no script, loads no font and fetches nothing (its Content-Security-Policy forbids it), so it
opens from a network share in any browser, offline. Its layout is a Jinja2 template
(``templates/tableau_de_bord.html``), the tables are written here (one function, fast enough for
the late list of a campaign of 10,000 agents).

Accessibility (RGAA 4.1, as the French public service requires): the language declared, a title,
a skip link and a table of contents, one ``h1`` then ``h2`` and ``h3`` in order, each table with
its caption and header cells (``scope``), each chart named by its caption and followed by its data
as a table (its text alternative), contrasts of at least 4.5:1, a visible focus, every wide
table a focusable region that scrolls with the keyboard. Printable: A4, the table of contents
left out, headers of long tables repeated on each page, a chart never cut.

Each count ``etat --json`` gives is marked with its key (``data-etat="par_etape.1"``), and each
list with the key of ``etat``'s list (``data-liste="retards"``): tests/test_dashboard.py reads them
in Chromium and compares.
"""

from __future__ import annotations

import functools

import datetime as dt
import html
from pathlib import Path

import jinja2
from markupsafe import Markup

from ..text import format_date, long_date
from .figures import DATE, DECIMAL, EUROS, NUMBER, PERCENT, CampaignFigures, Table, distribution_table

TEMPLATES = Path(__file__).with_name("templates")


def french_number(value: float | int | None, decimals: int = 0) -> str:
    """«\u202f12\u202f345\u202f», «\u202f2,5\u202f»: thousands parted by a narrow no-break space, a
    decimal comma."""
    if value is None or value != value:
        return ""
    text = f"{value:,.{decimals}f}" if decimals else f"{round(value):,}"
    return text.replace(",", "\u202f").replace(".", ",")


def shown(value: object, kind: str) -> str:
    """A value of a column of ``kind`` as the page writes it (not escaped)."""
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return ""
    if kind == DATE:
        return format_date(value) if isinstance(value, dt.date) else str(value)
    if kind == NUMBER:
        return french_number(value)
    if kind == PERCENT:
        return f"{french_number(value, 1)}\u00a0%"
    if kind == EUROS:
        return f"{french_number(value)}\u00a0€"
    if kind == DECIMAL:
        return french_number(value, 2 if abs(float(value)) >= 0.01 or value == 0 else 4)
    return str(value)


def table_html(table: Table, id: str, *, scroll: bool = True) -> Markup:
    """The table, with its caption and header cells; inside a focusable region that scrolls
    (``scroll``), so that a keyboard reaches the columns a narrow screen hides."""
    escape = html.escape
    kinds = [c.kind for c in table.columns]
    heads = "".join(f'<th scope="col" class="{k}">{escape(c.label)}</th>' for c, k in zip(table.columns, kinds))
    body = []
    for row in table.rows:
        cells = []
        for column, kind, value in zip(table.columns, kinds, row):
            text = escape(shown(value, kind))
            cells.append(f'<th scope="row">{text}</th>' if column.names_row else f'<td class="{kind}">{text}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    listed = f' data-liste="{table.etat}"' if table.etat else ""
    markup = (f'<table id="{id}"{listed}><caption id="{id}-legende">{escape(table.caption)}</caption>'
              f"<thead><tr>{heads}</tr></thead><tbody>\n{chr(10).join(body)}\n</tbody></table>")
    if scroll:
        markup = f'<div class="defile" tabindex="0" role="region" aria-labelledby="{id}-legende">{markup}</div>'
    return Markup(markup)


@functools.cache
def environment() -> jinja2.Environment:
    """One per process: its templates compiled once (0.1 s each time, for each employer of a workspace
    that serves hundreds; the loader still sees a template edited since)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters.update(nombre=french_number, date=format_date, longue=long_date, valeur=shown)
    env.globals.update(tableau=table_html, distribution_table=distribution_table)
    return env


def render(template: str, figures: CampaignFigures, charts: dict, *, made_at: dt.datetime, **extra) -> str:
    """``template`` (``tableau_de_bord.html``, ``synthese.html``) rendered with the figures and charts."""
    env = environment()
    return env.get_template(template).render(
        f=figures, p=figures.progress, t=figures.training, e=figures.equality, charts=charts,
        made_at=made_at, css=Markup((TEMPLATES / template.replace(".html", ".css")).read_text(encoding="utf-8")),
        **extra)
