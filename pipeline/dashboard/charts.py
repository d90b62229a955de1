"""The dashboard's charts: inline SVG drawn by pygal, each with its data as a table beside it.

pygal (Kozea, the makers of WeasyPrint) draws charts as SVG and nothing else: no raster backend,
no text measuring, about 30 ms a chart where matplotlib took 200 ms here, and 0.1 s to import
instead of 0.5 to 1.5 s. Its text stays text (the reader's browser draws it, it can be selected,
searched, enlarged). This module imports it when the first chart is drawn, never before: a pass
that only reads reports never pays for it.

What goes into the page is made fit for one HTML file holding many charts and no script: pygal's
script (its tooltips) removed, no XML prolog, no fixed size (the page's CSS sizes it, its viewBox
keeps its proportions), every ``id`` the chart's own (``{id}-…``: two charts never collide),
``role="img"`` and the ``aria-labelledby`` of its caption.

Colours: each one has a contrast of at least 4.5:1 on white (RGAA 3.2 and 3.3: the bars, and the
white figures written inside them), adjacent segments are parted by a white line, and no
information is given by colour alone: the legend names each series and the table after the
chart gives every value.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .figures import Column, Table

# Colours with a contrast of at least 4.5:1 on white (tests/test_dashboard.py checks it).
BLUE, GREEN, BROWN, PURPLE = "#000091", "#18753c", "#8d533e", "#6e445a"
RED, GREY, TEAL, OCHRE = "#ce0500", "#53575a", "#006a6f", "#716043"
SERIES = (BLUE, GREEN, BROWN, PURPLE, TEAL, OCHRE, GREY, RED)
# The situations of an agent: the stages from the first to the final one, then rejected, no report.
STAGES = ("#3a55b4", "#000091", "#006a6f", "#18753c")
REJECTED, NO_REPORT = RED, GREY
INK, GUIDE = "#161616", "#d0d0d0"
FONT = "DejaVu Sans, Segoe UI, Arial, Helvetica, sans-serif"

WIDTH = 760  # px: the page's text column
BAR = 30  # px per bar
LABEL_CHARS = 48  # longer category labels are cut (the table gives them whole)


@dataclass(frozen=True)
class Chart:
    """A chart ready for the page: its id, its caption (its accessible name) and its SVG."""

    id: str
    caption: str
    svg: str


def _short(label: str) -> str:
    label = " ".join(str(label).split())
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1].rstrip() + "…"


def _number(value: float | None, percent: bool = False) -> str:
    if value is None:
        return ""
    text = f"{value:,.0f}".replace(",", "\u202f") if float(value).is_integer() or not percent else \
        f"{value:.1f}".replace(".", ",")
    return f"{text}\u00a0%" if percent else text


def bars(id: str, caption: str, categories: Sequence[str], values: Sequence[float], *,
         color: str | Sequence[str] = BLUE, percent: bool = False, width: int = WIDTH, bar: int = BAR) -> Chart:
    """Horizontal bars, the first category on top, each value written at the bar's end; ``color``,
    one for all or one per bar."""
    return _draw(id, caption, categories, [("", list(values))], colors=[color] if isinstance(color, str) else None,
                 bar_colors=None if isinstance(color, str) else list(color), percent=percent, width=width, bar=bar)


def stacked(id: str, caption: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *,
            colors: Sequence[str] | None = None, percent: bool = False, width: int = WIDTH, bar: int = BAR) -> Chart:
    """Horizontal bars stacked by series (shares of 100 % with ``percent``), the legend below,
    each segment's value written in it."""
    return _draw(id, caption, categories, series, colors=colors, percent=percent, width=width, bar=bar)


def _draw(id: str, caption: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *,
          colors: Sequence[str] | None, percent: bool, width: int, bar: int,
          bar_colors: Sequence[str] | None = None) -> Chart:
    import pygal
    from pygal.style import Style

    colors = list(colors or SERIES)
    one = len(series) == 1
    values = [[float(v or 0) for v in values] for _, values in series]
    totals = [sum(column) for column in zip(*values)] or [0.0]
    top = 100.0 if percent and not one else max(max(totals), 1.0) * 1.12
    rows = max(len(categories), 1)
    columns = min(len(series), 4)
    legend_rows = 0 if one else -(-len(series) // columns)
    legend = 22 * legend_rows + 22 * max(legend_rows - 1, 0)
    style = Style(
        background="white", plot_background="white", foreground=INK, foreground_strong=INK,
        foreground_subtle=GUIDE, colors=tuple(colors[i % len(colors)] for i in range(len(series))),
        value_colors=("#161616",) if one else ("white",) * len(series), font_family=FONT,
        label_font_size=12, major_label_font_size=12, value_font_size=11, value_label_font_size=11,
        legend_font_size=12, opacity="1", opacity_hover="1", transition="0s", guide_stroke_dasharray="0",
        major_guide_stroke_dasharray="0", guide_stroke_color=GUIDE, major_guide_stroke_color=GUIDE)
    chart = (pygal.HorizontalBar if one else pygal.HorizontalStackedBar)(
        width=width, height=44 + legend + bar * rows, style=style, js=[], disable_xml_declaration=True,
        show_legend=not one, legend_at_bottom=True, legend_at_bottom_columns=columns,
        truncate_legend=-1, truncate_label=-1, print_values=True, print_zeroes=False,
        print_values_position="top" if one else "center", margin=6, spacing=6, range=(0, top),
        margin_bottom=6 + 22 * max(legend_rows - 1, 0),  # pygal lays out one row of legend: room for the others
        value_formatter=lambda v: _number(v, percent), show_y_guides=False, tooltip_border_radius=0)
    chart.x_labels = [_short(c) for c in reversed(categories)]  # pygal draws the first one at the bottom
    for index, (name, _) in enumerate(series):
        shown = [v if v or one else None for v in values[index][::-1]]  # an empty segment says nothing
        if bar_colors is not None:
            shown = [{"value": v, "color": c} for v, c in zip(shown, list(bar_colors)[::-1])]
        chart.add(name or caption, shown)
    return Chart(id, caption, _for_the_page(chart.render(is_unicode=True), id))


_SCRIPT = re.compile(r"<script\b.*?</script>\s*", re.S)
_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE = re.compile(r'(url\(#|xlink:href="#|href="#)([^")]+)')


def _for_the_page(svg: str, prefix: str) -> str:
    """pygal's SVG made fit for a page holding many, without script: ids the chart's own (its
    random one replaced by ``chart-{prefix}``), no fixed size, named by its caption (``{prefix}-titre``)."""
    svg = _SCRIPT.sub("", svg[svg.index("<svg"):])
    uuid = re.search(r'id="chart-([0-9a-f-]+)"', svg)
    svg = svg.replace(uuid[1], prefix) if uuid else svg
    svg = _ID.sub(lambda m: f'id="{m[1] if m[1] == "chart-" + prefix else prefix + "-" + m[1]}"', svg)
    svg = _REFERENCE.sub(lambda m: f"{m[1]}{prefix}-{m[2]}", svg)
    head, rest = svg.split(">", 1)
    size = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', head)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    head = re.sub(r'\sclass="[^"]*"', "", head)
    head += (f' role="img" aria-labelledby="{prefix}-titre" focusable="false" class="pygal-chart graphique"'
             f' style="max-width:{float(size[1]) if size else WIDTH:.0f}px"')
    return f"{head}>{rest}"


# -- the dashboard's charts, from its tables ----------------------------------------------------

def table_bars(id: str, caption: str, table: Table, value: str, *, color: str = BLUE,
               percent: bool = False) -> Chart | None:
    """Bars of one column of ``table`` against its row names; ``None`` for an empty table."""
    if not table.rows:
        return None
    names = table.column(_row_name(table).label)
    values = [v or 0 for v in table.column(value)]
    return bars(id, caption, names, values, color=color, percent=percent)


def table_stacked(id: str, caption: str, table: Table, series: Sequence[str], *,
                  colors: Sequence[str] | None = None, percent: bool = False) -> Chart | None:
    """Bars of ``table``'s rows stacked by the columns ``series``; ``None`` for an empty table."""
    if not table.rows:
        return None
    names = table.column(_row_name(table).label)
    return stacked(id, caption, names, [(s, [v or 0 for v in table.column(s)]) for s in series],
                   colors=colors, percent=percent)


def _row_name(table: Table) -> Column:
    return next(c for c in table.columns if c.names_row)


def situation_colors(stages: int) -> list[str]:
    """The colours of the situations: each stage (the final one green), then rejected, no report."""
    return [*(STAGES[-stages:] if stages <= len(STAGES) else SERIES[:stages]), REJECTED, NO_REPORT]


MAX_BARS = 40  # a grouping with more rows is shown by its table alone (a chart of 200 bars says nothing)


def campaign_charts(figures) -> dict[str, Chart]:
    """Every chart of the dashboard (the summary takes some of them), by id; each one's data is a
    table of ``figures``, shown right after it. A chart that would be empty, or too long to read,
    is left out (its table is there)."""
    from .figures import DONE_LATE_COLUMN, OVERDUE_COLUMN, distribution_table

    progress, training, equality = figures.progress, figures.training, figures.equality
    colors = situation_colors(len(progress.situations) - 2)
    charts: dict[str, Chart | None] = {}
    names = [s.short for s in progress.situations]
    charts["situations"] = bars("situations", "Agents par situation", names,
                                [s.count for s in progress.situations], color=colors)
    for index, table in enumerate(progress.per_group):
        if len(table.rows) <= MAX_BARS:
            charts[f"groupe-{index}"] = table_stacked(f"groupe-{index}", f"{table.caption} (agents par situation)",
                                                      table, names, colors=colors)
    charts["echeances"] = table_stacked("echeances", "Échéances manquées par échéance", progress.late_by_deadline,
                                        [OVERDUE_COLUMN, DONE_LATE_COLUMN], colors=[RED, OCHRE])
    charts["motifs"] = table_bars("motifs", "Rejets en attente par motif", progress.by_reason, "Rejets", color=RED)
    if training.by_type is not None:
        charts["types"] = table_bars("types", training.by_type.caption, training.by_type, "Demandes")
    for index, table in enumerate(training.by_choice):
        charts[f"choix-{index}"] = table_bars(f"choix-{index}", table.caption, table, "Demandes",
                                              color=SERIES[(index + 1) % len(SERIES)])
    series = [c.label for c in training.titles.columns[1:-1]]
    charts["intitules"] = table_stacked("intitules", f"{training.titles.caption}, demandes par type",
                                        training.titles, series)
    if training.costs is not None and training.costs.by_type is not None:
        charts["couts"] = table_bars("couts", training.costs.by_type.caption, training.costs.by_type,
                                     "Coût estimé", color=GREEN)
    for index, distribution in enumerate(equality.distributions):
        table = distribution_table(distribution)
        shown = [r for r in table.rows if r[0] == "Campagne" or r[0] == "Évaluateur"]
        if len(shown) > MAX_BARS:
            flagged = {(row[1], row[2]) for row in equality.flagged.rows if row[0] == distribution.title}
            shown = [r for r in shown if r[0] == "Campagne" or ("Évaluateur", r[1]) in flagged]
        chart_table = Table(table.caption, table.columns, shown)
        charts[f"niveaux-{index}"] = table_stacked(
            f"niveaux-{index}",
            f"{distribution.title} : part de chaque niveau (%), la campagne puis chaque évaluateur",
            chart_table, distribution.levels, colors=SERIES, percent=True)
    access = Table(equality.access.caption, equality.access.columns,
                   [r for r in equality.access.rows if r[0] != "Campagne" or len(equality.access.rows) == 1])
    charts["acces"] = table_bars("acces", "Part des agents avec au moins un besoin de formation (%)", access,
                                 "Part des agents avec un besoin", color=TEAL, percent=True)
    return {key: chart for key, chart in charts.items() if chart is not None}


SUMMARY_WIDTH, SUMMARY_BAR = 420, 22  # drawn for half of the summary's page


def summary_charts(figures) -> dict[str, Chart]:
    """The summary's charts, drawn for half an A4 page's width: agents per situation."""
    progress = figures.progress
    return {"situations": bars("synthese-situations", "Agents par situation", [s.short for s in progress.situations],
                               [s.count for s in progress.situations],
                               color=situation_colors(len(progress.situations) - 2), width=SUMMARY_WIDTH,
                               bar=SUMMARY_BAR)}


def as_image(chart: Chart) -> str:
    """A chart as a ``data:`` URI, for an ``<img>`` (WeasyPrint draws it with its SVG renderer)."""
    return "data:image/svg+xml;base64," + base64.b64encode(chart.svg.encode("utf-8")).decode("ascii")
