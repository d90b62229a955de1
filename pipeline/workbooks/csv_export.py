"""CSV files for HR and other tools, one way (:func:`write_csv`): the training plan,
``plan_de_formation.csv`` (the «\u202fBesoins\u202f» rows and columns, ``training_plan.need_columns``:
add a column there), and the archive's ``index.csv`` and ``historique.csv``."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
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
            cells.append([v if v.__class__ is str else "" for v in values])
    write_csv(path, [c.header for c in columns], zip(*cells))


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """``;``-separated, UTF-8 with BOM (Excel reads the accents right), CRLF; a cell Excel or
    Calc would run as a formula gets a leading apostrophe (see :func:`write_plan_csv`)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        out.writerow(header)
        out.writerows([("'" + v if v.startswith(_CSV_FORMULA_START) else v) for v in row] for row in rows)
