"""Costs of the training plan: a training catalogue (config ``catalogue_formations``) prices the needs.

The catalogue is an .xlsx or .csv file, one line per training: «\u202fintitulé\u202f»,
«\u202forganisme\u202f», «\u202fdurée (jours)\u202f», «\u202fcoût par personne\u202f» (names matched
whatever their case, accents and punctuation; the synonyms are :data:`COLUMN_NAMES`).
Each grouped title of the plan is matched to a catalogue title: the same words
(case, accents, punctuation, filler words and word order ignored, as ``titles``
groups them) first, else the most similar one from :data:`MATCH_SIMILARITY`.

Sheets added to ``plan_de_formation.xlsx`` (columns: :func:`cost_columns`, just below):
«\u202fCoûts par intitulé\u202f», «\u202fCoûts par service\u202f», «\u202fCoûts par type\u202f» and
«\u202fIntitulés sans tarif\u202f». Every request of the «\u202fBesoins\u202f» sheet (the validated
needs, whatever the evaluator's opinion) is counted: estimated cost = requests x cost
per person, estimated days = requests x duration.

A catalogue that cannot be used never stops the pass: :func:`load_training_catalogue`
raises :class:`CostCatalogueError` (French), the plan is written without the cost
sheets and a warning says what to fix; a line with an unreadable cost is reported
(``TrainingCatalogue.problems``) and left out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from .. import catalogue as cat
from ..catalogue import Catalogue
from ..outcomes import EntretiensError
from ..spreadsheets import (SPREADSHEET_SUFFIXES, UnreadableSpreadsheet, find_header, lost_character, read_cells,
                            spreadsheet_text)
from ..text import fold
from .sheets import NOT_FILLED, NUMBER, SheetColumn
from .titles import title_words, title_key
from .training_plan import (GROUPED, GROUPED_TITLE, REQUESTS, Summary, need_id, need_table, need_columns,
                            shown_choice)

# rapidfuzz ratio (0-100) from which a grouped title is a catalogue title: a little below the
# grouping's own (titles.SIMILARITY), a catalogue's wording being more formal than a manager's.
MATCH_SIMILARITY = 85

# Catalogue columns: key -> accepted names, the first one shown in messages.
TITLE, PROVIDER, DAYS, COST = "intitule", "organisme", "jours", "cout"
COLUMN_NAMES = {
    TITLE: ["intitulé", "intitulé de la formation", "formation", "libellé", "titre"],
    PROVIDER: ["organisme", "prestataire", "organisme de formation"],
    DAYS: ["durée (jours)", "durée", "jours", "nombre de jours", "durée en jours"],
    COST: ["coût par personne", "coût", "prix", "tarif", "coût unitaire", "coût par agent",
           "prix par personne"],
}
REQUIRED = (TITLE, COST)

# ---------------------------------------------------------------------------
# Columns: add a column of a cost sheet here.
# ---------------------------------------------------------------------------

CATALOGUE_TITLE, COSTED = "catalogue_title", "costed"
ESTIMATED_COST, ESTIMATED_DAYS = "estimated_cost", "estimated_days"
PER_TITLE_SHEET, PER_SERVICE_SHEET = "Coûts par intitulé", "Coûts par service"
PER_TYPE_SHEET, UNMATCHED_SHEET = "Coûts par type", "Intitulés sans tarif"
REQUESTED = SheetColumn(REQUESTS, "Demandes (besoins validés)", NUMBER)
TOTALS = [SheetColumn(COSTED, "Demandes chiffrées", NUMBER),
          SheetColumn(ESTIMATED_COST, "Coût estimé (€)", NUMBER),
          SheetColumn(ESTIMATED_DAYS, "Jours de formation estimés", NUMBER)]


def cost_columns() -> dict[str, list[SheetColumn]]:
    """Columns of each cost sheet but its key («\u202fCoûts par service\u202f» and «\u202fCoûts par
    type\u202f» start with the service, the type): sheet -> columns."""
    return {
        PER_TITLE_SHEET: [GROUPED, SheetColumn(CATALOGUE_TITLE, "Intitulé du catalogue"),
                          SheetColumn(PROVIDER, "Organisme"), SheetColumn(DAYS, "Durée (jours)", NUMBER),
                          SheetColumn(COST, "Coût par personne (€)", NUMBER), REQUESTED,
                          TOTALS[1], TOTALS[2]],
        PER_SERVICE_SHEET: [REQUESTED, *TOTALS],
        PER_TYPE_SHEET: [REQUESTED, *TOTALS],
        UNMATCHED_SHEET: [GROUPED, REQUESTED],
    }


# ---------------------------------------------------------------------------
# Reading the catalogue.
# ---------------------------------------------------------------------------

class CostCatalogueError(EntretiensError):
    """The training catalogue as a whole cannot be used: the plan is written without costs."""

    code = "catalogue_formations_illisible"


@dataclass(frozen=True)
class Training:
    title: str
    provider: str
    days: float | None  # None: not given
    cost: float  # per person, in euros
    line: int  # as the spreadsheet shows it


@dataclass
class TrainingCatalogue:
    trainings: list[Training] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # French, one per line left out or incomplete
    name: str = ""


def parse_number(value: object) -> float | None:
    """``"1 200,50 €"`` -> 1200.5, ``"2,5 j"`` -> 2.5, ``"1.200,5"`` -> 1200.5; None for a blank
    cell. Raises ValueError for a text that is not a positive number."""
    if value is None:
        return None
    if isinstance(value, bool):  # a ticked box is no amount
        raise ValueError(value)
    if isinstance(value, (int, float)):
        number = float(value)
        if math.isnan(number):
            return None
    else:
        text = re.sub(r"[\s'\u2019]", "", fold(str(value)))  # spaces of every kind, 1'200
        text = re.sub(r"^€|(€|euros?|eur|jours?|j)\.?$", "", text)
        if not text:
            if str(value).strip():
                raise ValueError(value)
            return None
        if "," in text and "." in text:  # the last one is the decimal separator
            text = (text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".")
                    else text.replace(",", ""))
        elif "," in text:
            text = text.replace(",", ".")
        elif text.count(".") > 1:
            text = text.replace(".", "")
        if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", text):
            raise ValueError(value)
        number = float(text)
    if not math.isfinite(number) or number < 0:
        raise ValueError(value)
    return number


def load_training_catalogue(path: Path | str) -> TrainingCatalogue:
    """Read the training catalogue; raise :class:`CostCatalogueError` when it cannot be used as
    a whole (missing, unreadable, without a title or a cost column, without a priced line)."""
    path = Path(path)
    what = f"Le catalogue des formations «\u202f{path.name}\u202f»"
    if not path.is_file():
        raise CostCatalogueError(f"Catalogue des formations introuvable : {path}. Corrigez "
                                 "«\u202fcatalogue_formations\u202f» dans config.yaml.")
    if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
        raise CostCatalogueError(f"{what} doit être un fichier .xlsx ou .csv.")
    try:
        cells = read_cells(path, COLUMN_NAMES)  # in the encoding its column names read right in, as the roster
    except (OSError, UnreadableSpreadsheet):
        raise CostCatalogueError(f"{what} ne peut pas être lu : enregistrez-le au format .xlsx ou .csv "
                                 "et réessayez.") from None
    header, found = find_header(cells, COLUMN_NAMES)
    missing = [key for key in REQUIRED if key not in found]
    if missing:
        names = " et ".join(f"«\u202f{COLUMN_NAMES[key][0]}\u202f»" for key in missing)
        shown = [spreadsheet_text(c) for c in (cells[header] if cells else []) if spreadsheet_text(c)]
        raise CostCatalogueError(
            f"{what} n'a pas de colonne {names}. Colonnes trouvées : {', '.join(shown) or 'aucune'}. "
            "Noms acceptés : " + " ; ".join(", ".join(COLUMN_NAMES[k]) for k in missing) + ".")
    result = TrainingCatalogue(name=path.name)
    seen: dict[str, Training] = {}
    for index, record in enumerate(cells[header + 1:]):
        line = header + 2 + index
        raw = {key: (record[column] if column < len(record) else None) for key, column in found.items()}
        title = spreadsheet_text(raw[TITLE])
        if not title:
            if any(spreadsheet_text(v) for v in raw.values()):
                result.problems.append(f"ligne {line} : intitulé manquant ; la ligne est ignorée")
            continue
        try:
            cost = parse_number(raw[COST])
        except ValueError:
            cost = -1.0
        if cost is None or cost < 0:
            shown = spreadsheet_text(raw[COST])
            result.problems.append(
                f"ligne {line} («\u202f{title}\u202f») : coût par personne "
                + (f"illisible («\u202f{shown}\u202f»)" if shown else "manquant") + " ; la ligne est ignorée")
            continue
        try:
            days = parse_number(raw.get(DAYS))
        except ValueError:
            days = None
            result.problems.append(f"ligne {line} («\u202f{title}\u202f») : durée illisible "
                                   f"(«\u202f{spreadsheet_text(raw.get(DAYS))}\u202f») ; jours non estimés")
        key = title_key(title)
        if key in seen:
            result.problems.append(f"ligne {line} : «\u202f{title}\u202f» figure déjà ligne {seen[key].line} ; "
                                   "la ligne est ignorée")
            continue
        if lost_character(title):
            result.problems.append(f"ligne {line} : «\u202f{title}\u202f» a perdu un caractère avant la lecture du "
                                   "fichier («\u202f?\u202f» ou «\u202f\ufffd\u202f» à la place d'une lettre) ; corrigez "
                                   "l'intitulé et enregistrez le catalogue au format .xlsx ou «\u202fCSV UTF-8\u202f»")
        seen[key] = Training(title, spreadsheet_text(raw.get(PROVIDER)), days, cost, line)
        result.trainings.append(seen[key])
    if not result.trainings:
        raise CostCatalogueError(f"{what} n'a aucune formation avec un coût lisible"
                                 + (f" ({'; '.join(result.problems[:5])})" if result.problems else "") + ".")
    return result


# ---------------------------------------------------------------------------
# Matching.
# ---------------------------------------------------------------------------

def match_titles(titles: Iterable[str], trainings: list[Training]) -> dict[str, Training]:
    """Each title -> its catalogue training; a title with none is left out.

    The same :func:`~pipeline.workbooks.titles.title_key` first; else the catalogue title at
    least :data:`MATCH_SIMILARITY` alike (rapidfuzz ratio), compared word-sorted or as written
    without spaces. Titles whose numbers differ («\u202fniveau 1\u202f», «\u202fniveau 2\u202f») never match."""
    by_key = {title_key(t.title): t for t in trainings}
    by_numbers: dict[tuple[str, ...], tuple[list[str], list[str], list[Training]]] = {}
    for key, training in by_key.items():
        keys, joins, found = by_numbers.setdefault(tuple(re.findall(r"\d+", key)), ([], [], []))
        keys.append(key)
        joins.append("".join(title_words(training.title)) or key)
        found.append(training)
    matched = {}
    for title in dict.fromkeys(t for t in titles if t):
        key = title_key(title)
        if key in by_key:
            matched[title] = by_key[key]
            continue
        keys, joins, found = by_numbers.get(tuple(re.findall(r"\d+", key)), ([], [], []))
        best = None
        for query, choices in ((key, keys), ("".join(title_words(title)) or key, joins)):
            match = process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=MATCH_SIMILARITY)
            if match and (best is None or match[1] > best[1]):
                best = match
        if best is not None:
            matched[title] = found[best[2]]
    return matched


# ---------------------------------------------------------------------------
# Summaries.
# ---------------------------------------------------------------------------

def costed_rows(frame: pd.DataFrame, trainings: TrainingCatalogue) -> pd.DataFrame:
    """The need rows with their catalogue training: title, provider, days, cost per person, and
    per request (``costed`` 1 or 0) the estimated cost and days (blank when unmatched)."""
    matched = match_titles(frame[GROUPED_TITLE].tolist(), trainings.trainings)
    found = [matched.get(t) for t in frame[GROUPED_TITLE].tolist()]
    return frame.assign(**{
        CATALOGUE_TITLE: [t.title if t else "" for t in found],
        PROVIDER: [t.provider if t else "" for t in found],
        DAYS: [t.days if t and t.days is not None else float("nan") for t in found],
        COST: [t.cost if t else float("nan") for t in found],
        COSTED: [1.0 if t else 0.0 for t in found],
        REQUESTS: 1.0,
    }).assign(**{ESTIMATED_COST: lambda f: f[COST], ESTIMATED_DAYS: lambda f: f[DAYS]})


def _sums(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    keyed = rows.assign(**{key: rows[key].replace("", NOT_FILLED)})
    out = keyed.groupby(key, sort=False)[[REQUESTS, COSTED, ESTIMATED_COST, ESTIMATED_DAYS]].sum().reset_index()
    return out.sort_values([ESTIMATED_COST, REQUESTS, key], ascending=[False, False, True], ignore_index=True)


def cost_summaries(frame: pd.DataFrame, catalogue: Catalogue, trainings: TrainingCatalogue) -> list[Summary]:
    """«\u202fCoûts par intitulé\u202f», «\u202fCoûts par service\u202f», «\u202fCoûts par type\u202f»
    (when the catalogue has those columns) and «\u202fIntitulés sans tarif\u202f», from the
    «\u202fBesoins\u202f» rows."""
    rows = costed_rows(frame, trainings)
    columns = cost_columns()
    priced = rows[rows[COSTED] > 0]
    per_title = (priced.groupby(GROUPED_TITLE, sort=False)
                 .agg(**{CATALOGUE_TITLE: (CATALOGUE_TITLE, "first"), PROVIDER: (PROVIDER, "first"),
                         DAYS: (DAYS, "first"), COST: (COST, "first"), REQUESTS: (REQUESTS, "sum"),
                         ESTIMATED_COST: (ESTIMATED_COST, "sum"),
                         ESTIMATED_DAYS: (ESTIMATED_DAYS, lambda s: s.sum(min_count=1))})
                 .reset_index()
                 .sort_values([ESTIMATED_COST, GROUPED_TITLE], ascending=[False, True], ignore_index=True))
    summaries = [Summary(PER_TITLE_SHEET, per_title, columns[PER_TITLE_SHEET], {DAYS: None, COST: None})]
    headers = {c.id: c for c in need_columns(catalogue)}
    if cat.SERVICE in headers:
        summaries.append(Summary(PER_SERVICE_SHEET, _sums(rows, cat.SERVICE),
                                 [headers[cat.SERVICE], *columns[PER_SERVICE_SHEET]], {}))
    _, kind, _ = need_table(catalogue)
    if kind is not None:
        per_type = _sums(rows, need_id(kind))
        rank = {v: i for i, v in enumerate(kind.choices or [])}
        per_type = per_type.sort_values(need_id(kind), key=lambda s: s.map(lambda v: rank.get(v, len(rank))),
                                        kind="stable", ignore_index=True)
        per_type[need_id(kind)] = per_type[need_id(kind)].map(lambda v: shown_choice(kind, v))
        summaries.append(Summary(PER_TYPE_SHEET, per_type, [headers[need_id(kind)], *columns[PER_TYPE_SHEET]], {}))
    unmatched = (rows[rows[COSTED] == 0].assign(**{GROUPED_TITLE: lambda f: f[GROUPED_TITLE].replace("", NOT_FILLED)})
                 .groupby(GROUPED_TITLE, sort=False)[REQUESTS].sum().reset_index()
                 .sort_values([REQUESTS, GROUPED_TITLE], ascending=[False, True], ignore_index=True))
    summaries.append(Summary(UNMATCHED_SHEET, unmatched, columns[UNMATCHED_SHEET], {}))
    return summaries
