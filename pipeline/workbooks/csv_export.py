"""The training plan as CSV, ``plan_de_formation.csv``, for other tools: the
«\u202fBesoins\u202f» rows and columns (``training_plan.need_columns``: add a column there)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd

from ..catalogue import Catalogue
from ..text import format_date
from .sheets import DATE
from .training_plan import need_columns

# A CSV cell starting with one of these is run as a formula by Excel and Calc.
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
