"""The training plan, ``plan_de_formation.xlsx``: one row per training need.

Sheets: «\u202fBesoins\u202f» (the need rows), the summaries («\u202fPar type et intitulé\u202f»,
«\u202fPar service\u202f», then «\u202fPar <choice column>\u202f» for each other choice column of
the training table) and «\u202fGraphique\u202f» (the most requested grouped titles per
type, and their chart). With a training catalogue (config ``catalogue_formations``), the
cost sheets of ``costs`` come before «\u202fGraphique\u202f». The CSV (``csv_export``) has the
«\u202fBesoins\u202f» columns.

Where to add a column: the «\u202fBesoins\u202f» sheet's and the CSV's columns are
:func:`need_columns`, the summaries' :func:`count_columns`, both just below. A
column of the training table in the catalogue is there already, in catalogue
order; another needs a value in :func:`training_rows` too.

Columns come from the catalogue: a field's header is its label. The training
table's first column is the training title (grouped when similar, see
``titles``) and its first choice column the type (T1/T2/T3 by default),
crossed with the grouped title.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import catalogue as cat
from ..catalogue import Catalogue, Column
from ..journal import CurrentReport, FileRow
from ..records import roster_first
from ..text import canonical_choice
from .sheets import (AGENTS, DATE, NOT_FILLED, NUMBER, TOTAL, WHO_WIDTH, Book, SheetColumn, bar_chart_size,
                     cell_text, field_columns)
from .titles import group_titles

PLAN_IDENTITY = (cat.CAMPAIGN, cat.AGENT_NUMBER, cat.LAST_NAME, cat.FIRST_NAME, cat.SERVICE, cat.GRADE)
# «\u202fBesoins\u202f» prints who (these), then the training table's columns side by side.
# The identity the roster gives when it lists the agent (campaign and agent number: the report's).
ROSTER_IDENTITY = frozenset({cat.LAST_NAME, cat.FIRST_NAME, cat.SERVICE, cat.GRADE})
PRINTED_IDENTITY = (cat.LAST_NAME, cat.FIRST_NAME, cat.SERVICE)
FREE_TEXT_WIDTH = 30  # printed, a free text of the training table (a title, a reason) wraps beyond it
GROUPED_TITLE, SOURCE_FILE, REQUESTS = "grouped_title", "source_file", "requests"
CHART_TITLES = 15  # grouped titles shown in the training chart

# ---------------------------------------------------------------------------
# Columns: add a column of the training plan here.
# ---------------------------------------------------------------------------

GROUPED = SheetColumn(GROUPED_TITLE, "Intitulé regroupé")
CATEGORY = SheetColumn("categorie", "Catégorie")  # from the roster («\u202fcatégorie\u202f» column)
PENDING = SheetColumn("pending", "État du compte rendu")
PENDING_STATE = "rejeté : besoins non validés, en attente d'une version corrigée"
PENDING_SHEET = "Besoins non validés"


def need_columns(catalogue: Catalogue) -> list[SheetColumn]:
    """Columns of the «\u202fBesoins\u202f» sheet and of the CSV, in order: the agent (campaign,
    number, name, first name, service), the training table's columns side by side (the title,
    its type, scheme, priority...: what prints, :func:`printed_need_columns`), then the grouped
    title and each coded choice's meaning, the agent's grade and category, the review date, the
    source file."""
    table = catalogue.field(cat.TRAINING_NEEDS).columns or []
    need = [SheetColumn(need_id(c), c.label, wrap_at=FREE_TEXT_WIDTH if c.kind == "text" else None) for c in table]
    beside = [GROUPED, *[SheetColumn(_meaning_id(c), f"{c.label} : signification") for c in table if c.meanings]]
    who = field_columns(catalogue, [key for key in PLAN_IDENTITY if key != cat.GRADE], wrap_at=WHO_WIDTH)
    return [*who, *need, *beside, *field_columns(catalogue, [cat.GRADE]), CATEGORY,
            *field_columns(catalogue, [cat.REVIEW_DATE], DATE),
            SheetColumn(SOURCE_FILE, "Fichier source")]


def printed_need_columns(columns: list[SheetColumn], catalogue: Catalogue) -> tuple[int, int]:
    """The first and last of ``columns`` (:func:`need_columns`, or :func:`pending_columns`) that
    print: who (name, first name, service), then the training table's columns, side by side on the
    page's width; the others stay on screen."""
    ids = [c.id for c in columns]
    table = [need_id(c) for c in catalogue.field(cat.TRAINING_NEEDS).columns or []]
    first = next((i for i, key in enumerate(ids) if key in (*PRINTED_IDENTITY, *table)), 0)
    return first, max((ids.index(key) for key in table if key in ids), default=len(ids) - 1)


def pending_columns(catalogue: Catalogue) -> list[SheetColumn]:
    """Columns of the «\u202fBesoins non validés\u202f» sheet: a need's, and the report's state."""
    return [*need_columns(catalogue), PENDING]


def count_columns(keys: list[SheetColumn]) -> list[SheetColumn]:
    """Columns of a summary sheet: its keys, then requests and distinct agents
    (and, «\u202fPar service\u202f», one column of requests per type)."""
    return [*keys, SheetColumn(REQUESTS, "Demandes", NUMBER),
            SheetColumn(AGENTS, "Agents distincts", NUMBER)]


def _type_column(value: object, kind: Column) -> SheetColumn:
    """A column of requests of one type («\u202fPar service\u202f», «\u202fGraphique\u202f»)."""
    return SheetColumn(f"type.{value}", shown_choice(kind, value), NUMBER)


def shown_choice(column: Column, value: object) -> str:
    """A choice as a summary shows it: «\u202fT1 (adaptation immédiate au poste)\u202f» for a coded one."""
    meaning = (column.meanings or {}).get(str(value))
    return f"{value} ({meaning})" if meaning else str(value)


def need_table(catalogue: Catalogue) -> tuple[Column, Column | None, list[Column]]:
    """The training table's title column (its first), type column (its first
    choice column) and its other choice columns."""
    columns = catalogue.field(cat.TRAINING_NEEDS).columns or []
    choices = [c for c in columns if c.kind == "choice"]
    return columns[0], (choices[0] if choices else None), choices[1:]


def need_id(column: Column) -> str:
    return f"{cat.TRAINING_NEEDS}.{column.key}"


def _meaning_id(column: Column) -> str:
    return f"{need_id(column)}.meaning"


# ---------------------------------------------------------------------------
# Rows.
# ---------------------------------------------------------------------------

def training_rows(reports: Iterable[CurrentReport], catalogue: Catalogue, *,
                  categories: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per training need of each report's newest accepted version, the
    titles grouped (``titles``). ``categories``: agent number -> category (roster)."""
    frame = need_rows(((r.campaign, r.agent_number, r.file) for r in reports), catalogue, categories)
    return with_grouped_titles(frame, catalogue)


def need_rows(files: Iterable[tuple[str | None, str | None, FileRow]], catalogue: Catalogue,
              categories: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per training need of each (campaign, agent number, file), titles not
    yet grouped: see :func:`with_grouped_titles`."""
    records = []
    for campaign, agent_number, file in files:
        records += need_records(campaign, agent_number, file, catalogue, categories)
    return need_frame(records, catalogue)


def need_records(campaign: str | None, agent_number: str | None, file: FileRow, catalogue: Catalogue,
                 categories: Mapping[str, str] | None = None,
                 listed: Mapping[str, Mapping[str, str]] | None = None) -> list[dict]:
    """The training needs of one report, one record each (:func:`need_frame` makes the table):
    what the plan keeps of a report, so that its whole content need not stay in memory.
    ``listed``: agent number -> the roster's values: the agent's identity is written as
    everywhere else (:func:`~pipeline.records.roster_first`)."""
    content = file.report
    if content is None:
        return []
    columns = catalogue.field(cat.TRAINING_NEEDS).columns or []
    keys = [c.id for c in field_columns(catalogue, PLAN_IDENTITY)]
    reported = {key: cell_text(content.fields.get(key)) for key in keys}
    roster_values = (listed or {}).get(cell_text(agent_number) or reported.get(cat.AGENT_NUMBER, ""))
    shown = roster_first(roster_values, reported, [k for k in keys if k in ROSTER_IDENTITY])
    base = {key: shown.get(key, "") if key in ROSTER_IDENTITY else reported[key] for key in keys}
    base[cat.CAMPAIGN] = base.get(cat.CAMPAIGN) or cell_text(campaign)
    base[cat.AGENT_NUMBER] = base.get(cat.AGENT_NUMBER) or cell_text(agent_number)
    base[CATEGORY.id] = cell_text((categories or {}).get(base[cat.AGENT_NUMBER], ""))
    base[cat.REVIEW_DATE] = content.dates.get(cat.REVIEW_DATE)
    base[SOURCE_FILE] = cell_text(file.original_name)
    records = []
    for row in content.rows(cat.TRAINING_NEEDS):
        if not any(str(v).strip() for v in row.values()):
            continue
        record = dict(base)
        for column in columns:
            text = cell_text(row.get(column.key)).strip()
            if column.choices and text:
                text = canonical_choice(text, column.choices) or text
            record[need_id(column)] = text
            if column.meanings:
                record[_meaning_id(column)] = column.meanings.get(text, "")
        records.append(record)
    return records


def need_frame(records: list[dict], catalogue: Catalogue) -> pd.DataFrame:
    """The «\u202fBesoins\u202f» table of :func:`need_records`' records."""
    return pd.DataFrame.from_records(
        records, columns=[c.id for c in need_columns(catalogue) if c.id != GROUPED_TITLE])


def with_grouped_titles(frame: pd.DataFrame, catalogue: Catalogue,
                        *others: pd.DataFrame) -> pd.DataFrame | tuple[pd.DataFrame, ...]:
    """``frame`` (and ``others``) with the grouped title after the title, similar
    titles grouped over all of them together (one grouping for every sheet)."""
    title = need_id(need_table(catalogue)[0])
    frames = [frame, *others]
    groups = group_titles([t for f in frames for t in f[title].tolist()])
    for each in frames:
        each.insert(each.columns.get_loc(title) + 1, GROUPED_TITLE,
                    [groups.get(t, "") for t in each[title].tolist()])
    return frame if not others else tuple(frames)


# ---------------------------------------------------------------------------
# Summaries (pandas).
# ---------------------------------------------------------------------------

@dataclass
class Summary:
    sheet: str
    frame: pd.DataFrame
    columns: list[SheetColumn]
    totals: dict[str, float]  # column id -> value of the total row; other numbers are summed


def _counts(frame: pd.DataFrame, by: list[str], order: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Requests and distinct agents per value of ``by``; a blank value reads «\u202f(non renseigné)\u202f».
    ``order``: for a column, the values that come first, in that order (a choice list)."""
    keyed = frame.assign(**{c: frame[c].replace("", NOT_FILLED) for c in by})
    out = (keyed.groupby(by, sort=False)
           .agg(**{REQUESTS: (cat.AGENT_NUMBER, "size"), AGENTS: (cat.AGENT_NUMBER, "nunique")})
           .reset_index())
    sort_by, ascending = [], []
    for column, values in (order or {}).items():
        rank = {v: i for i, v in enumerate(values)}
        out[f"rank.{column}"] = out[column].map(lambda v, rank=rank: rank.get(v, len(rank)))
        sort_by.append(f"rank.{column}")
        ascending.append(True)
    out = out.sort_values([*sort_by, REQUESTS, *by], ascending=[*ascending, False, *[True] * len(by)],
                          ignore_index=True)
    return out.drop(columns=sort_by)


def _per_type(by: pd.Series, frame: pd.DataFrame, kind: Column) -> pd.DataFrame:
    """Requests per value of ``by`` (rows) and per type (columns: the choice list's
    order, then other values typed); a blank reads «\u202f(non renseigné)\u202f»."""
    table = pd.crosstab(by.replace("", NOT_FILLED), frame[need_id(kind)].replace("", NOT_FILLED))
    values = [v for v in kind.choices or [] if v in table.columns]
    values += sorted(set(table.columns) - set(values))
    return table[values]


def plan_summaries(frame: pd.DataFrame, catalogue: Catalogue) -> list[Summary]:
    """«\u202fPar type et intitulé\u202f», «\u202fPar service\u202f», then «\u202fPar <choice column>\u202f»."""
    _, kind, others = need_table(catalogue)
    headers = {c.id: c for c in need_columns(catalogue)}
    # Distinct agents do not add up across rows: the total row gives the campaign's own count.
    totals = {AGENTS: float(frame[cat.AGENT_NUMBER].nunique())}
    summaries = []
    if kind is not None:
        by = [need_id(kind), GROUPED_TITLE]
        per_title = _counts(frame, by, {need_id(kind): kind.choices or []})
        per_title[need_id(kind)] = per_title[need_id(kind)].map(lambda v: shown_choice(kind, v))
        summaries.append(Summary(f"Par {kind.label.lower()} et intitulé", per_title,
                                 count_columns([headers[need_id(kind)], GROUPED]), totals))
    else:
        summaries.append(Summary("Par intitulé", _counts(frame, [GROUPED_TITLE]),
                                 count_columns([GROUPED]), totals))
    if cat.SERVICE in headers:
        summaries.append(_per_key("Par service", frame, headers[cat.SERVICE], kind, totals))
    if frame[CATEGORY.id].ne("").any():  # the roster gives the categories
        summaries.append(_per_key("Par catégorie", frame, CATEGORY, kind, totals))
    for column in others:
        summaries.append(Summary(
            f"Par {column.label.lower()}",
            _counts(frame, [need_id(column)], {need_id(column): column.choices or []}),
            count_columns([headers[need_id(column)]]), totals))
    return summaries


def _per_key(sheet: str, frame: pd.DataFrame, key: SheetColumn, kind: Column | None,
             totals: dict[str, float]) -> Summary:
    """Requests and distinct agents per value of ``key``, and one column of requests per type."""
    table = _counts(frame, [key.id])
    extra = []
    if kind is not None and len(frame):
        per_type = _per_type(frame[key.id], frame, kind)
        for value in per_type.columns:
            extra.append(_type_column(value, kind))
            table[extra[-1].id] = table[key.id].map(per_type[value]).astype(float)
    return Summary(sheet, table, [*count_columns([key]), *extra], totals)


def chart_data(frame: pd.DataFrame, catalogue: Catalogue) -> tuple[pd.DataFrame, list[SheetColumn]]:
    """The most requested grouped titles, one column of requests per type, and a total."""
    _, kind, _ = need_table(catalogue)
    if kind is not None:
        table = _per_type(frame[GROUPED_TITLE], frame, kind)
    else:
        table = frame[GROUPED_TITLE].replace("", NOT_FILLED).value_counts().to_frame("Demandes")
    series = [_type_column(c, kind) if kind is not None else SheetColumn(f"type.{c}", str(c), NUMBER)
              for c in table.columns]
    table.columns = [c.id for c in series]
    table[TOTAL] = table.sum(axis=1)
    table = table.astype(float).rename_axis(GROUPED_TITLE).reset_index()
    table = table.sort_values([TOTAL, GROUPED_TITLE], ascending=[False, True]).head(CHART_TITLES)
    return table.reset_index(drop=True), [GROUPED, *series, SheetColumn(TOTAL, "Total", NUMBER)]


# ---------------------------------------------------------------------------
# Writing.
# ---------------------------------------------------------------------------

def write_plan(path: Path, frame: pd.DataFrame, catalogue: Catalogue, campaign: str,
               pending: pd.DataFrame | None = None, costs: Iterable[Summary] = ()) -> None:
    """Write the training plan: the needs of accepted reports (``frame``, from
    :func:`training_rows`) and, on a sheet of their own marked as not validated,
    those of reports still rejected (``pending``, the same columns); ``costs``, the
    cost sheets (``costs.cost_summaries``) when a training catalogue is configured."""
    book = Book(path, f"Plan de formation, campagne {campaign}")
    needs = book.sheet("Besoins")
    columns = need_columns(catalogue)
    book.table(needs, frame, columns, name="Besoins", printed=printed_need_columns(columns, catalogue))
    needs.freeze_panes(1, 0)
    if pending is not None and len(pending):
        sheet = book.sheet(PENDING_SHEET)
        columns = pending_columns(catalogue)
        book.table(sheet, pending.assign(**{PENDING.id: PENDING_STATE}), columns, name=PENDING_SHEET,
                   printed=printed_need_columns(columns, catalogue))
        sheet.freeze_panes(1, 0)
    for summary in [*plan_summaries(frame, catalogue), *costs]:
        sheet = book.sheet(summary.sheet)
        book.table(sheet, summary.frame, summary.columns, name=sheet.name, totals=summary.totals)
        sheet.freeze_panes(1, 0)
        book.print_on_one_page(sheet)
    data, columns = chart_data(frame, catalogue)
    sheet = book.sheet("Graphique")
    end = book.table(sheet, data, columns, name="Graphique")
    book.print_on_one_page(sheet, chart=bar_chart_size(len(data)))  # the table and, below it, the chart
    shown = (f"les {len(data)} intitulés les plus demandés" if len(data) >= CHART_TITLES
             else f"{len(data)} intitulé{'s' if len(data) > 1 else ''}")
    book.stacked_bar(sheet, data, columns, f"Demandes de formation par intitulé et par type ({shown})",
                     at=(end + 1, 0))
    book.close()
