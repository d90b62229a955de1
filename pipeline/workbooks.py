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

Columns come from the catalogue: a field's header is its label, the training
table's columns are its columns in catalogue order. The table's first column is
the training title (grouped when similar) and its first choice column the
type (T1/T2/T3 by default), crossed with the grouped title.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import xlsxwriter
from rapidfuzz import fuzz, process

from . import catalogue as cat
from .catalogue import Catalogue, Column
from .config import Config
from .deadlines import Deadline, deadlines
from .files import replace_atomically
from .journal import CurrentReport, FileRow, Journal
from .naming import PLAN_NAME, TRACKING_NAME
from .outcomes import is_error
from .roster import RosterRow, load_roster
from .text import canonical_choice, format_date, words, yes_no

__all__ = ["group_titles", "rebuild_workbooks", "tracking_rows", "training_rows"]

log = logging.getLogger("entretiens")

TEXT, DATE, NUMBER = "text", "date", "number"

# Not in the catalogue: columns and words of the workbooks themselves.
GROUPED_TITLE, SOURCE_FILE = "grouped_title", "source_file"
REQUESTS, AGENTS = "requests", "agents"
IN_ROSTER, STAGE, SITUATION, ALERTS = "in_roster", "stage", "situation", "alerts"
LAST_FILE, LAST_RECEIVED, LAST_OUTCOME, REASONS = "last_file", "last_received", "last_outcome", "reasons"
SHORT_SITUATION, TOTAL = "short_situation", "total"

NOT_FILLED = "(non renseigné)"
NO_REPORT = "aucun compte rendu reçu"
REJECTED_ONLY = "compte rendu reçu mais rejeté : en attente d'une version corrigée"
SHORT_NO_REPORT, SHORT_REJECTED = "Aucun compte rendu", "Rejeté"
LATE, OVERDUE, ON_TIME, PENDING = "en retard", "dépassée", "respectée", "à venir"
RUNNING, EXPIRED = "en cours", "expiré"  # the agent's appeal window

CHART_TITLES = 15  # grouped titles shown in the training chart
MAX_CELL = 32_767  # Excel's limit on the text of one cell
MAX_WIDTH, MIN_WIDTH = 60, 8
EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()  # day 0 of Excel's 1900 date system
EXCEL_LEAP_BUG = dt.date(1900, 3, 1)  # before it, Excel counts a 29 February 1900

# Characters XML 1.0 (hence Excel, openpyxl) refuses, and DEL.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# A CSV cell starting with one of these is run as a formula by Excel and Calc.
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean(value: object) -> str:
    """User text made safe for a cell: control characters removed, Excel's length cap."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    text = str(value)
    if not text.isprintable():  # fast path: most text has no control character at all
        text = _CONTROL.sub("", text)
    return text[:MAX_CELL]


@dataclass(frozen=True)
class SheetColumn:
    id: str  # column of the DataFrame
    header: str  # French, as the sheet shows it
    kind: str = TEXT  # TEXT | DATE | NUMBER


def _field_columns(catalogue: Catalogue, keys: Iterable[str], kind: str = TEXT) -> list[SheetColumn]:
    """The columns of catalogue fields, headed by their labels; a field the
    catalogue has removed (config ``catalogue.retirer``) has none."""
    present = {f.key: f for f in catalogue.fields}
    return [SheetColumn(key, present[key].label, kind) for key in keys if key in present]


PLAN_IDENTITY = (cat.CAMPAIGN, cat.AGENT_NUMBER, cat.LAST_NAME, cat.FIRST_NAME, cat.SERVICE, cat.GRADE)
TRACKING_IDENTITY = (cat.AGENT_NUMBER, cat.LAST_NAME, cat.FIRST_NAME, cat.SERVICE, cat.GRADE,
                     cat.EVALUATOR)


# ---------------------------------------------------------------------------
# Grouping similar training titles.
# ---------------------------------------------------------------------------

# Words that do not tell two trainings apart.
_FILLER = frozenset("a au aux d de des du en et l la le les pour sur un une formation".split())
SIMILARITY = 88  # rapidfuzz ratio (0-100) from which two normalised titles are one training


def _words(title: str) -> list[str]:
    """Lower case, no accents, no punctuation, no filler words, in the order written."""
    found = words(title)
    return [w for w in found if w not in _FILLER] or found


def title_key(title: str) -> str:
    """``"Perfectionnement  Excel !"`` -> ``"excel perfectionnement"``: case, accents,
    punctuation, filler words and word order ignored. Titles with one key are one group."""
    words = _words(title)
    return " ".join(sorted(words)) if words else " ".join(title.casefold().split())


def group_titles(titles: Iterable[str]) -> dict[str, str]:
    """Each distinct title -> its group's label, the group's most frequent wording.

    Titles with the same :func:`title_key` are one group. A key joins the group
    of a more frequent one when they are at least :data:`SIMILARITY` alike
    (rapidfuzz ratio), compared word-sorted (a typo) or as written without spaces
    (a typo in a first letter, a space forgotten). Titles whose numbers differ
    ("Anglais niveau 1", "niveau 2") never merge. Only distinct keys are
    compared: the cost follows the variety of titles, not the number of requests.
    """
    counts = Counter(t for t in titles if t)
    key_of = {title: title_key(title) for title in counts}
    per_key: Counter[str] = Counter()
    joined: dict[str, str] = {}  # key -> its most frequent wording's words, without spaces
    for title, n in counts.most_common():
        per_key[key_of[title]] += n
        joined.setdefault(key_of[title], "".join(_words(title)) or key_of[title])
    leaders: dict[tuple[str, ...], tuple[list[str], list[str]]] = {}  # numbers -> keys, joined
    group_of: dict[str, str] = {}
    for key, _ in sorted(per_key.items(), key=lambda item: (-item[1], item[0])):
        keys, joins = leaders.setdefault(tuple(re.findall(r"\d+", key)), ([], []))
        best = None
        for query, choices in ((key, keys), (joined[key], joins)):
            match = process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=SIMILARITY)
            if match and (best is None or match[1] > best[1]):
                best = match
        if best is None:
            keys.append(key)
            joins.append(joined[key])
            group_of[key] = key
        else:
            group_of[key] = keys[best[2]]
    wordings: dict[str, Counter[str]] = {}
    for title, n in counts.items():  # first seen first: ties go to the earlier wording
        wordings.setdefault(group_of[key_of[title]], Counter())[title] += n
    label = {group: words.most_common(1)[0][0] for group, words in wordings.items()}
    return {title: label[group_of[key_of[title]]] for title in counts}


# ---------------------------------------------------------------------------
# Rows.
# ---------------------------------------------------------------------------

def _need_table(catalogue: Catalogue) -> tuple[Column, Column | None, list[Column]]:
    """The training table's title column (its first), type column (its first
    choice column) and its other choice columns."""
    columns = catalogue.field(cat.TRAINING_NEEDS).columns or []
    choices = [c for c in columns if c.kind == "choice"]
    return columns[0], (choices[0] if choices else None), choices[1:]


def _need_id(column: Column) -> str:
    return f"{cat.TRAINING_NEEDS}.{column.key}"


def need_columns(catalogue: Catalogue) -> list[SheetColumn]:
    """Columns of the « Besoins » sheet and of the CSV, in order."""
    title, _, _ = _need_table(catalogue)
    need = []
    for column in catalogue.field(cat.TRAINING_NEEDS).columns or []:
        need.append(SheetColumn(_need_id(column), column.label))
        if column is title:
            need.append(SheetColumn(GROUPED_TITLE, "Intitulé regroupé"))
    return [*_field_columns(catalogue, PLAN_IDENTITY), *need,
            *_field_columns(catalogue, [cat.REVIEW_DATE], DATE),
            SheetColumn(SOURCE_FILE, "Fichier source")]


def _content_date(content: dict, key: str) -> dt.date | None:
    text = (content.get("dates") or {}).get(key)
    return dt.date.fromisoformat(text) if text else None


def training_rows(reports: Iterable[CurrentReport], catalogue: Catalogue) -> pd.DataFrame:
    """One row per training need of each report's newest accepted version."""
    columns = catalogue.field(cat.TRAINING_NEEDS).columns or []
    title, _, _ = _need_table(catalogue)
    identity = [c.id for c in _field_columns(catalogue, PLAN_IDENTITY)]
    records = []
    for report in reports:
        content = report.file.content or {}
        fields = content.get("champs") or {}
        base = {key: clean(fields.get(key)) for key in identity}
        base[cat.CAMPAIGN] = base.get(cat.CAMPAIGN) or clean(report.campaign)
        base[cat.AGENT_NUMBER] = base.get(cat.AGENT_NUMBER) or clean(report.agent_number)
        base[cat.REVIEW_DATE] = _content_date(content, cat.REVIEW_DATE)
        base[SOURCE_FILE] = clean(report.file.original_name)
        for row in (content.get("tableaux") or {}).get(cat.TRAINING_NEEDS) or []:
            if not any(str(v).strip() for v in row.values()):
                continue
            record = dict(base)
            for column in columns:
                text = clean(row.get(column.key)).strip()
                if column.choices and text:
                    text = canonical_choice(text, column.choices) or text
                record[_need_id(column)] = text
            records.append(record)
    frame = pd.DataFrame.from_records(
        records, columns=[c.id for c in need_columns(catalogue) if c.id != GROUPED_TITLE])
    groups = group_titles(frame[_need_id(title)].tolist())
    frame.insert(frame.columns.get_loc(_need_id(title)) + 1, GROUPED_TITLE,
                 [groups.get(t, "") for t in frame[_need_id(title)].tolist()])
    return frame


def _date_fields(catalogue: Catalogue) -> list[SheetColumn]:
    return [SheetColumn(f.key, f.label, DATE) for f in catalogue.single_fields if f.kind == "date"]


def tracking_columns(config: Config) -> list[SheetColumn]:
    """Columns of the « Suivi » sheet, in order."""
    catalogue = config.catalogue
    due = []
    for deadline in deadlines({}, config):
        due.append(SheetColumn(f"due.{deadline.key}", f"{deadline.label} : échéance", DATE))
        due.append(SheetColumn(f"state.{deadline.key}", f"{deadline.label} : état"))
    return [
        *_field_columns(catalogue, TRACKING_IDENTITY),
        SheetColumn(IN_ROSTER, "Dans la liste des agents"),
        SheetColumn(STAGE, "Étape", NUMBER),
        SheetColumn(SITUATION, "Situation"),
        *_date_fields(catalogue),
        *due,
        SheetColumn(ALERTS, "Alertes de délai", NUMBER),
        SheetColumn(LAST_FILE, "Dernier fichier reçu"),
        SheetColumn(LAST_RECEIVED, "Reçu le", DATE),
        SheetColumn(LAST_OUTCOME, "Résultat du dernier fichier"),
        SheetColumn(REASONS, "Motifs du rejet"),
    ]


@dataclass(frozen=True)
class AgentFile:
    """What the tracking sheet shows of one file of the journal: kept instead of
    the file's whole content, so that one campaign's contents are in memory once."""

    name: str
    received: dt.date
    outcome: str | None
    stage: int | None
    identity: dict[str, str]
    dates: dict[str, dt.date]  # filled dates only
    reasons: str  # the errors of a rejected file, one per line

    @classmethod
    def of(cls, row: FileRow, catalogue: Catalogue) -> "AgentFile":
        content = row.content or {}
        fields = content.get("champs") or {}
        dates = {c.id: day for c in _date_fields(catalogue) if (day := _content_date(content, c.id))}
        reasons = ""
        if row.outcome is not None and row.outcome.turned_away:
            reasons = "\n".join(
                clean(f"{f['label']} : {f['message']}" if f.get("label") else f.get("message", ""))
                for f in row.findings if is_error(f))
        return cls(
            name=clean(row.original_name),
            received=dt.datetime.fromisoformat(row.received_at).date(),
            outcome=row.outcome, stage=row.stage,
            identity={c.id: clean(fields.get(c.id)) for c in _field_columns(catalogue, TRACKING_IDENTITY)},
            dates=dates, reasons=reasons)


def _deadline_state(deadline: Deadline, today: dt.date, finished: bool) -> str:
    if deadline.informative:
        return "" if deadline.due is None else (EXPIRED if today > deadline.due else RUNNING)
    if deadline.late():
        return LATE
    if deadline.overdue(today) and not finished:
        return OVERDUE
    if deadline.due is None:
        return ""
    return ON_TIME if deadline.done is not None else PENDING


def tracking_rows(config: Config, current: dict[str, AgentFile], latest: dict[str, AgentFile],
                  roster: list[RosterRow], today: dt.date) -> pd.DataFrame:
    """One row per roster agent, then one per other agent the journal knows.

    ``current``: agent number -> newest accepted version of the report;
    ``latest``: agent number -> last file received, whatever its outcome.
    A report finished (final stage) has no overdue deadline any more.
    """
    catalogue = config.catalogue
    columns = tracking_columns(config)
    identity = [c.id for c in _field_columns(catalogue, TRACKING_IDENTITY)]
    date_keys = [c.id for c in _date_fields(catalogue)]
    in_roster = {r.values.get(cat.AGENT_NUMBER, ""): r for r in roster}
    others = sorted((set(current) | set(latest)) - set(in_roster))
    records = []
    for number in [*in_roster, *others]:
        listed, report, last = in_roster.get(number), current.get(number), latest.get(number)
        known = (report or last).identity if (report or last) else {}
        record = {key: (clean(listed.values.get(key)) if listed else "") or known.get(key, "")
                  for key in identity}
        record[cat.AGENT_NUMBER] = clean(number)
        record[IN_ROSTER] = yes_no(listed) if roster else ""
        dates: dict[str, dt.date | None] = dict.fromkeys(date_keys)
        if listed:
            dates[cat.REVIEW_DATE] = listed.review_date
            dates[cat.INVITATION_DATE] = listed.invitation_date
        if report:
            dates.update(report.dates)
            stage = catalogue.stage(report.stage)
            record[STAGE], record[SITUATION] = stage.number, stage.label
        else:
            record[STAGE], record[SITUATION] = None, (REJECTED_ONLY if last else NO_REPORT)
        record.update({key: dates[key] for key in date_keys})
        finished = report is not None and report.stage >= catalogue.final_stage
        alerts = 0
        for deadline in deadlines(dates, config, report.received if report else None):
            state = _deadline_state(deadline, today, finished)
            alerts += state in (LATE, OVERDUE)
            record[f"due.{deadline.key}"], record[f"state.{deadline.key}"] = deadline.due, state
        record[ALERTS] = alerts
        record[LAST_FILE] = last.name if last else ""
        record[LAST_RECEIVED] = last.received if last else None
        record[LAST_OUTCOME] = last.outcome.word if last and last.outcome else ""
        record[REASONS] = last.reasons if last else ""
        records.append(record)
    return pd.DataFrame.from_records(records, columns=[c.id for c in columns])


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
    """Requests and distinct agents per value of ``by``; a blank value reads « (non renseigné) ».
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


def _count_columns(keys: list[SheetColumn]) -> list[SheetColumn]:
    return [*keys, SheetColumn(REQUESTS, "Demandes", NUMBER),
            SheetColumn(AGENTS, "Agents distincts", NUMBER)]


def plan_summaries(frame: pd.DataFrame, catalogue: Catalogue) -> list[Summary]:
    """« Par type et intitulé », « Par service », then « Par <choice column> »."""
    _, kind, others = _need_table(catalogue)
    headers = {c.id: c for c in need_columns(catalogue)}
    # Distinct agents do not add up across rows: the total row gives the campaign's own count.
    totals = {AGENTS: float(frame[cat.AGENT_NUMBER].nunique())}
    summaries = []
    grouped = headers[GROUPED_TITLE]
    if kind is not None:
        by = [_need_id(kind), GROUPED_TITLE]
        summaries.append(Summary(
            f"Par {kind.label.lower()} et intitulé",
            _counts(frame, by, {_need_id(kind): kind.choices or []}),
            _count_columns([headers[_need_id(kind)], grouped]), totals))
    else:
        summaries.append(Summary("Par intitulé", _counts(frame, [GROUPED_TITLE]),
                                 _count_columns([grouped]), totals))
    if cat.SERVICE in headers:
        by_service = _counts(frame, [cat.SERVICE])
        extra = []
        if kind is not None and len(frame):
            per_type = pd.crosstab(frame[cat.SERVICE].replace("", NOT_FILLED),
                                   frame[_need_id(kind)].replace("", NOT_FILLED))
            values = [v for v in kind.choices or [] if v in per_type.columns]
            values += sorted(set(per_type.columns) - set(values))
            for value in values:
                by_service[f"type.{value}"] = by_service[cat.SERVICE].map(per_type[value]).astype(float)
                extra.append(SheetColumn(f"type.{value}", value, NUMBER))
        summaries.append(Summary("Par service", by_service,
                                 [*_count_columns([headers[cat.SERVICE]]), *extra], totals))
    for column in others:
        summaries.append(Summary(
            f"Par {column.label.lower()}",
            _counts(frame, [_need_id(column)], {_need_id(column): column.choices or []}),
            _count_columns([headers[_need_id(column)]]), totals))
    return summaries


def chart_data(frame: pd.DataFrame, catalogue: Catalogue) -> tuple[pd.DataFrame, list[SheetColumn]]:
    """The most requested grouped titles, one column of requests per type, and a total."""
    _, kind, _ = _need_table(catalogue)
    grouped = frame[GROUPED_TITLE].replace("", NOT_FILLED)
    if kind is not None:
        table = pd.crosstab(grouped, frame[_need_id(kind)].replace("", NOT_FILLED))
        values = [v for v in kind.choices or [] if v in table.columns]
        values += sorted(set(table.columns) - set(values))
        table = table[values]
    else:
        table = grouped.value_counts().to_frame("Demandes")
    series = [SheetColumn(f"type.{c}", str(c), NUMBER) for c in table.columns]
    table.columns = [c.id for c in series]
    table[TOTAL] = table.sum(axis=1)
    table = table.astype(float).rename_axis(GROUPED_TITLE).reset_index()
    table = table.sort_values([TOTAL, GROUPED_TITLE], ascending=[False, True]).head(CHART_TITLES)
    columns = [SheetColumn(GROUPED_TITLE, "Intitulé regroupé"), *series, SheetColumn(TOTAL, "Total", NUMBER)]
    return table.reset_index(drop=True), columns


def situation_counts(agents: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Agents per stage, rejected-only and without report: short name, label, count."""
    rows = [(f"Étape {s.number}", s.label, int((agents[STAGE] == s.number).sum()))
            for s in catalogue.stages]
    rows.append((SHORT_REJECTED, REJECTED_ONLY, int((agents[SITUATION] == REJECTED_ONLY).sum())))
    rows.append((SHORT_NO_REPORT, NO_REPORT, int((agents[SITUATION] == NO_REPORT).sum())))
    return pd.DataFrame(rows, columns=[SHORT_SITUATION, SITUATION, AGENTS])


def service_counts(agents: pd.DataFrame, catalogue: Catalogue) -> tuple[pd.DataFrame, list[SheetColumn]]:
    """Agents per service and situation, the total and how many have a deadline alert."""
    short = {s.label: f"Étape {s.number}" for s in catalogue.stages}
    short.update({REJECTED_ONLY: SHORT_REJECTED, NO_REPORT: SHORT_NO_REPORT})
    names = list(short.values())
    service = (agents[cat.SERVICE] if cat.SERVICE in agents else pd.Series("", index=agents.index))
    keyed = pd.DataFrame({cat.SERVICE: service.replace("", NOT_FILLED).fillna(NOT_FILLED),
                          SHORT_SITUATION: agents[SITUATION].map(short),
                          ALERTS: agents[ALERTS] > 0})
    table = pd.crosstab(keyed[cat.SERVICE], keyed[SHORT_SITUATION]).reindex(columns=names, fill_value=0)
    table[TOTAL] = table.sum(axis=1)
    table[ALERTS] = keyed.groupby(cat.SERVICE)[ALERTS].sum()
    table = table.astype(float).rename_axis(cat.SERVICE).reset_index().sort_values(cat.SERVICE)
    label = catalogue.field(cat.SERVICE).label if cat.SERVICE in agents else "Service"
    columns = [SheetColumn(cat.SERVICE, label), *[SheetColumn(n, n, NUMBER) for n in names],
               SheetColumn(TOTAL, "Total", NUMBER),
               SheetColumn(ALERTS, "Agents avec une alerte de délai", NUMBER)]
    return table.reset_index(drop=True), columns


# ---------------------------------------------------------------------------
# Writing.
# ---------------------------------------------------------------------------

class _Book:
    """An XlsxWriter workbook that writes user text as text, never as a formula or a link."""

    def __init__(self, path: Path, title: str):
        self.book = xlsxwriter.Workbook(str(path), {
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
        self.book.set_properties({"title": title, "comments": "Produit par entretiens"})
        self.date = self.book.add_format({"num_format": "dd/mm/yyyy"})
        self.header = self.book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.bold = self.book.add_format({"bold": True, "font_size": 12})
        self.sheet_names: set[str] = set()

    def sheet(self, name: str):
        name = re.sub(r"[\[\]:*?/\\]", " ", name)[:31].strip(" '")
        while name.casefold() in self.sheet_names:
            name = f"{name[:28]} {len(self.sheet_names)}"
        self.sheet_names.add(name.casefold())
        sheet = self.book.add_worksheet(name)
        sheet.ignore_errors({"number_stored_as_text": "A1:XFD1048576"})
        return sheet

    def table(self, sheet, frame: pd.DataFrame, columns: list[SheetColumn], *, name: str,
              top: int = 0, left: int = 0, totals: dict[str, float] | None = None) -> int:
        """Write ``frame`` as an Excel table (filters, styled header) with its header
        at (``top``, ``left``); with ``totals``, a total row (sums, and the
        campaign's count of distinct agents). Return the first row after it."""
        last = top + max(len(frame), 1) + (1 if totals is not None else 0)
        specs = []
        for index, column in enumerate(columns):
            spec = {"header": column.header, "header_format": self.header}
            if totals is not None and index == 0:
                spec["total_string"] = "Total"
            elif totals is not None and column.kind == NUMBER and column.id not in totals:
                spec.update(total_function="sum", total_value=float(frame[column.id].sum()))
            specs.append(spec)
        plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        sheet.add_table(top, left, last, left + len(columns) - 1, {
            "name": "Tableau_" + re.sub(r"[^A-Za-z0-9]+", "_", plain).strip("_"),
            "style": "Table Style Medium 2", "columns": specs})
        header_lines = 1
        for index, column in enumerate(columns, left):
            values = frame[column.id].tolist()
            self._column(sheet, top + 1, index, values, column.kind)
            width = _width(column, values)
            sheet.set_column(index, index, width)
            header_lines = max(header_lines, -(-len(column.header) // int(width - 1)))
            if totals is not None and column.id in totals:
                sheet.write_number(last, index, totals[column.id])
        sheet.set_row(top, 15 * header_lines + 3)
        return last + 1

    def _column(self, sheet, first: int, col: int, values: list, kind: str) -> None:
        if kind == DATE:
            # A date is Excel's day number with a date format: what write_datetime
            # stores, computed here in one subtraction instead of a conversion per cell.
            write, style = sheet.write_number, self.date
            for row, value in enumerate(values, first):
                if isinstance(value, dt.date) and value >= EXCEL_LEAP_BUG:
                    write(row, col, value.toordinal() - EXCEL_EPOCH, style)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(row, col, value, style)
        elif kind == NUMBER:
            write = sheet.write_number
            for row, value in enumerate(values, first):
                if value is not None and value == value:  # None and NaN stay blank
                    write(row, col, value)
        else:
            write = sheet.write_string
            for row, value in enumerate(values, first):
                if value.__class__ is str and value:
                    write(row, col, value)

    def close(self) -> None:
        self.book.close()


def _width(column: SheetColumn, values: list) -> float:
    if column.kind == DATE:  # a long header (a deadline's label) wraps on a few lines
        return max(12, min(len(column.header), 24) + 2)
    if column.kind == NUMBER:
        return max(MIN_WIDTH + 2, min(len(column.header), 18))
    longest = max((len(v) for v in values if v.__class__ is str), default=0)
    return max(MIN_WIDTH, min(MAX_WIDTH, max(longest, min(len(column.header), 24)) + 2))


def _stacked_bar(book: _Book, sheet, name: str, data: pd.DataFrame, columns: list[SheetColumn],
                 title: str, *, at: tuple[int, int]) -> None:
    if data.empty:
        return
    chart = book.book.add_chart({"type": "bar", "subtype": "stacked"})
    for index, column in enumerate(columns[1:-1], 1):
        chart.add_series({"name": [name, 0, index], "categories": [name, 1, 0, len(data), 0],
                          "values": [name, 1, index, len(data), index], "gap": 60})
    chart.set_title({"name": title, "name_font": {"size": 12}})
    chart.set_x_axis({"name": "Demandes", "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True, "interval_unit": 1})  # every title, the first on top
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 820, "height": 160 + 32 * len(data)})  # every title shown in Calc too
    sheet.insert_chart(*at, chart)


def write_plan(path: Path, frame: pd.DataFrame, catalogue: Catalogue, campaign: str) -> None:
    book = _Book(path, f"Plan de formation, campagne {campaign}")
    needs = book.sheet("Besoins")
    book.table(needs, frame, need_columns(catalogue), name="Besoins")
    needs.freeze_panes(1, 0)
    for summary in plan_summaries(frame, catalogue):
        sheet = book.sheet(summary.sheet)
        book.table(sheet, summary.frame, summary.columns, name=sheet.name, totals=summary.totals)
        sheet.freeze_panes(1, 0)
    data, columns = chart_data(frame, catalogue)
    sheet = book.sheet("Graphique")
    end = book.table(sheet, data, columns, name="Graphique")
    _stacked_bar(book, sheet, sheet.name, data, columns,
                 f"Demandes de formation par intitulé et par type ({CHART_TITLES} intitulés les plus demandés)",
                 at=(end + 1, 0))
    book.close()


def write_plan_csv(path: Path, frame: pd.DataFrame, catalogue: Catalogue) -> None:
    """The need rows, ``;``-separated, UTF-8 with BOM (Excel reads the accents right).

    Excel and Calc run a CSV cell starting with ``=``, ``+``, ``-`` or ``@`` as a
    formula: such a cell gets a leading apostrophe, the usual guard; every other
    cell is as written. Dates read JJ/MM/AAAA.
    """
    columns = need_columns(catalogue)
    cells = []
    for column in columns:
        values = frame[column.id].tolist()
        if column.kind == DATE:
            cells.append([format_date(v) if isinstance(v, dt.date) else "" for v in values])
        else:
            cells.append([("'" + v if v.startswith(_CSV_FORMULA_START) else v)
                          if v.__class__ is str else "" for v in values])
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        out.writerow([c.header for c in columns])
        out.writerows(zip(*cells))


def write_tracking(path: Path, agents: pd.DataFrame, config: Config, today: dt.date) -> None:
    catalogue = config.catalogue
    campaign = config.campaign.key
    book = _Book(path, f"Suivi de la campagne {campaign}")
    follow = book.sheet("Suivi")
    book.table(follow, agents, tracking_columns(config), name="Suivi")
    follow.freeze_panes(1, 1)
    summary = book.sheet("Synthèse")
    summary.write_string(0, 0, f"Campagne {campaign} : situation au {format_date(today)}", book.bold)
    stages = situation_counts(agents, catalogue)
    stage_columns = [SheetColumn(SHORT_SITUATION, "Étape"), SheetColumn(AGENTS, "Agents", NUMBER),
                     SheetColumn(SITUATION, "Situation")]
    end = book.table(summary, stages, stage_columns, name="Par étape", top=2, totals={})
    services, service_columns = service_counts(agents, catalogue)
    book.table(summary, services, service_columns, name="Par service", top=2,
               left=len(stage_columns) + 1, totals={})
    chart = book.book.add_chart({"type": "column"})
    chart.add_series({"name": "Agents", "categories": [summary.name, 3, 0, 2 + len(stages), 0],
                      "values": [summary.name, 3, 1, 2 + len(stages), 1],
                      "data_labels": {"value": True}})
    chart.set_title({"name": "Agents par étape du compte rendu", "name_font": {"size": 12}})
    chart.set_legend({"none": True})
    summary.insert_chart(end + 1, 0, chart)
    book.close()


# ---------------------------------------------------------------------------
# Publishing.
# ---------------------------------------------------------------------------

def rebuild_workbooks(config: Config, *, today: dt.date | None = None) -> list[Path]:
    """Rebuild outbox/plan_de_formation.xlsx, outbox/plan_de_formation.csv and
    outbox/suivi_campagne.xlsx from the journal (Journal(config.state_dir)); return
    the paths written. Called once per pass, never per file. The plan's rows are
    gone before the tracking's are built: both are never in memory together."""
    today = today or dt.date.today()
    catalogue = config.catalogue
    current: dict[str, AgentFile] = {}
    with Journal(config.state_dir) as journal:
        written, need_count = _rebuild_plan(config, journal, current)
        latest = {row.agent_number: AgentFile.of(row, catalogue)
                  for row in journal.iter_latest_by_agent(config.campaign.key)}
    roster = load_roster(config.roster_path, catalogue).rows if config.roster_path else []
    agents = tracking_rows(config, current, latest, roster, today)
    del current, latest, roster
    written.append(replace_atomically(config.outbox / f"{TRACKING_NAME}.xlsx",
                                 lambda p: write_tracking(p, agents, config, today), keep_beside=True))
    log.info("classeurs reconstruits : %d besoins de formation, %d agents suivis (%s)",
             need_count, len(agents), ", ".join(p.name for p in written))
    return written


def _rebuild_plan(config: Config, journal: Journal, current: dict[str, AgentFile]) -> tuple[list[Path], int]:
    """The training plan (.xlsx and .csv); fills ``current`` (agent number -> tracking facts
    of the newest accepted version) on the way. Returns the paths written and the number of needs."""
    catalogue, campaign = config.catalogue, config.campaign.key

    def keeping_tracking_facts(reports: Iterable[CurrentReport]) -> Iterable[CurrentReport]:
        for report in reports:
            current[report.agent_number] = AgentFile.of(report.file, catalogue)
            yield report

    # One report's content in memory at a time: its needs and its tracking facts.
    needs = training_rows(keeping_tracking_facts(journal.iter_current_reports(campaign)), catalogue)
    written = [
        replace_atomically(config.outbox / f"{PLAN_NAME}.xlsx", lambda p: write_plan(p, needs, catalogue, campaign),
                      keep_beside=True),
        replace_atomically(config.outbox / f"{PLAN_NAME}.csv", lambda p: write_plan_csv(p, needs, catalogue),
                      keep_beside=True),
    ]
    return written, len(needs)
