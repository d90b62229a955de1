"""Fill a generated report the way people do in Word.

The demo campaign, the tests and the benchmarks use this to make returned
reports: typed into the controls, typed into the cell after deleting a
control, typed beside a control, rows added or left blank, check boxes,
date pickers, tracked changes, tags dropped as LibreOffice 7.4 does. Only
the XML helpers of :mod:`pipeline.ooxml` touch the XML.

Answers are made from the catalogue alone (no field is named here), and
callers override any of them by key.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

from . import ooxml
from .catalogue import Catalogue, Field
from .read import clean_text
from .text import format_date, normalize_label

Row = dict[str, str] | list[str]


class ReportForm:
    """One generated report opened for editing."""

    def __init__(self, path: Path, catalogue: Catalogue):
        self.path = Path(path)
        self.catalogue = catalogue
        with zipfile.ZipFile(self.path) as archive:
            self.main_part = "word/document.xml"
            self.root = ooxml.parse_xml(archive.read(self.main_part))

    # -- finding things --------------------------------------------------------

    def control(self, key: str):
        for sdt in ooxml.iter_controls(self.root):
            if ooxml.control_tag(sdt) == key:
                return sdt
        alias = normalize_label(self.catalogue.field(key).label)
        for sdt in ooxml.iter_controls(self.root):
            if normalize_label(ooxml.control_alias(sdt) or "") == alias:
                return sdt
        return None

    def value_cell(self, key: str):
        label = normalize_label(self.catalogue.field(key).label)
        for tbl in ooxml.iter_tables(self.root):
            for cells in ooxml.table_rows(tbl):
                if len(cells) >= 2 and normalize_label(ooxml.first_paragraph_text(cells[0])) == label:
                    return cells[1]
        raise KeyError(f"no label cell for {key}")

    def table(self, key: str):
        wanted = [normalize_label(c.label) for c in self.catalogue.field(key).columns or []]
        for tbl in ooxml.iter_tables(self.root):
            rows = ooxml.table_rows(tbl)
            if rows and [normalize_label(ooxml.cell_text(tc)) for tc in rows[0]] == wanted:
                return tbl
        raise KeyError(f"no table for {key}")

    def holds_value(self, key: str) -> bool:
        return bool(self.value_text(key))

    def value_text(self, key: str) -> str:
        """What the value cell of the single field ``key`` reads ("" for a table, or none)."""
        if self.catalogue.field(key).kind == "table":
            return ""
        try:
            cell = self.value_cell(key)
        except KeyError:
            return ""
        return clean_text(ooxml.cell_text(cell))

    # -- what a person does ------------------------------------------------------

    def fill(self, key: str, text: str, *, how: str = "control") -> "ReportForm":
        """``control``: typed into the control; ``cell``: control deleted, answer
        typed in the cell; ``beside``: placeholder left, answer typed after it."""
        sdt = self.control(key)
        if how == "control" and sdt is not None:
            ooxml.set_control_text(sdt, text)
        elif how == "beside" and sdt is not None:
            ooxml.append_run(None, " " + text, after=sdt)
        else:
            ooxml.set_cell_text(self.value_cell(key), text)
        return self

    def pick_date(self, key: str, day: dt.date) -> "ReportForm":
        sdt = self.control(key)
        if sdt is None:
            return self.fill(key, format_date(day), how="cell")
        ooxml.set_control_date(sdt, day.isoformat(), format_date(day))
        return self

    def check(self, key: str, checked: bool = True) -> "ReportForm":
        sdt = self.control(key)
        if sdt is None:
            return self.fill(key, ooxml.CHECKED_BOX if checked else ooxml.UNCHECKED_BOX, how="cell")
        ooxml.set_checkbox(sdt, checked)
        return self

    def fill_table(self, key: str, rows: list[Row], *, keep_blank_rows: bool = False) -> "ReportForm":
        """Write ``rows`` over the blank rows, adding rows as needed; leftover
        blank rows are deleted unless ``keep_blank_rows``."""
        columns = self.catalogue.field(key).columns or []
        tbl = self.table(key)
        body_rows = ooxml.table_rows(tbl)[1:]
        for index, row in enumerate(rows):
            texts = list(row) if isinstance(row, list) else [row.get(c.key, "") for c in columns]
            if index < len(body_rows):
                for tc, text in zip(body_rows[index], texts):
                    ooxml.set_cell_text(tc, text)
            else:
                ooxml.add_table_row(tbl, texts)
        if not keep_blank_rows:
            for leftover in body_rows[len(rows):]:
                ooxml.remove_table_row(leftover[0].getparent())
        return self

    def remove_control_keep_text(self, key: str) -> "ReportForm":
        sdt = self.control(key)
        if sdt is not None:
            ooxml.unwrap_control(sdt)
        return self

    def drop_all_tags(self) -> "ReportForm":
        """What LibreOffice 7.4 does on save: every w:tag removed."""
        ooxml.remove_control_tags(self.root)
        return self

    def save(self, destination: Path) -> Path:
        destination = Path(destination)
        tmp = destination.with_name(destination.name + ".part")
        with zipfile.ZipFile(self.path) as source, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
            for item in source.infolist():
                data = ooxml.serialize(self.root) if item.filename == self.main_part else source.read(item)
                out.writestr(item, data)
        shutil.move(tmp, destination)
        return destination


# ---------------------------------------------------------------------------
# Plausible answers, made from the catalogue.
# ---------------------------------------------------------------------------

def _answer_for(f: Field, review: dt.date) -> str | bool | dt.date:
    if f.kind == "bool":
        return False
    if f.kind == "date":
        stage = f.marks_stage or f.required_from or 1
        return review + dt.timedelta(days=4 * stage)
    if f.kind == "choice":
        return (f.choices or [""])[0]
    if f.kind == "number":
        return "4"
    return f"{f.label} : réponse rédigée lors de l'entretien."


def _row_for(f: Field, number: int) -> dict[str, str]:
    row = {}
    for column in f.columns or []:
        if column.kind == "choice":
            row[column.key] = (column.choices or [""])[0]
        elif column.required_if is not None:
            row[column.key] = ""
        else:
            row[column.key] = f"{column.label} {number}"
    return row


def answers(catalogue: Catalogue, *, stage: int, review: dt.date,
            overrides: dict[str, object] | None = None) -> dict[str, object]:
    """Answers for every field required up to ``stage`` (and the optional ones
    of earlier stages), leaving later stages' own fields empty."""
    result: dict[str, object] = {}
    by_hr = {s.key for s in catalogue.sections if s.filled_by_hr}
    for f in catalogue.fields:
        owner = f.marks_stage or f.required_from or 1
        if owner > stage or f.section in by_hr:  # HR's part: only what ``overrides`` says
            continue
        if f.kind == "table":
            result[f.key] = [_row_for(f, n) for n in (1, 2)]
        else:
            result[f.key] = _answer_for(f, review)
    result.update(overrides or {})
    # A field that a box makes relevant (the notification mode when the agent refused to sign,
    # the agent's signature when they did not) is filled only when the box says so.
    for f in catalogue.fields:
        condition = f.required_if
        if (condition and f.key in result and f.key not in (overrides or {})
                and catalogue.field(condition.field).kind == "bool"
                and bool(result.get(condition.field)) not in condition.one_of):
            del result[f.key]
    return result


def typed_answers(catalogue: Catalogue, *, stage: int, review: dt.date, overrides: dict[str, object] | None = None,
                  omit: tuple[str, ...] = (), prefilled: dict[str, str] | None = None) -> dict[str, object]:
    """What :func:`fill_report` types: :func:`answers`, less each made-up answer that would
    contradict another (a person whose agent manages nobody leaves the number managed empty)
    given what ``generate`` wrote (``prefilled``: field key -> text)."""
    given = answers(catalogue, stage=stage, review=review, overrides=overrides)
    _without_contradictions(catalogue, given, prefilled=prefilled or {}, kept={*(overrides or {}), *omit})
    return given


def _without_contradictions(catalogue: Catalogue, given: dict[str, object], *, prefilled: dict[str, str],
                            kept: set[str]) -> None:
    """Drop from ``given`` each made-up answer that, with the others and what ``generate`` wrote
    (``prefilled``), gives a contradiction the catalogue declares: a person whose agent manages nobody
    leaves the number of agents managed empty. Answers in ``kept`` (the caller's) stay."""
    from .validate import answer_given  # validation's reading of an answer, not a copy of it

    for rule in catalogue.contradictions:
        values = {a.field: prefilled.get(a.field, given.get(a.field)) for a in rule.answers}
        values = {key: (value == ooxml.CHECKED_BOX if isinstance(value, str) and catalogue.field(key).kind == "bool"
                        else value) for key, value in values.items()}  # a box as generated: ☐ or ☒
        if all(answer_given(a, catalogue.field(a.field), values[a.field], filled=_is_answer(values[a.field]))
               for a in rule.answers):
            made_up = [a.field for a in rule.answers
                       if not a.empty and a.field in given and a.field not in kept and a.field not in prefilled]
            if made_up:
                del given[made_up[-1]]


def _is_answer(value: object) -> bool:
    return value is True or isinstance(value, dt.date) or (isinstance(value, (str, list)) and bool(value))


def fill_report(source: Path, destination: Path, catalogue: Catalogue, *, stage: int = 1,
                review: dt.date | None = None, overrides: dict[str, object] | None = None,
                omit: tuple[str, ...] = (), how: str = "control",
                keep_blank_rows: bool = False) -> Path:
    """Fill a generated report up to ``stage`` and save it to ``destination``."""
    form = ReportForm(source, catalogue)
    review = review or dt.date(2026, 12, 14)
    prefilled = {f.key: text for f in catalogue.single_fields
                 if f.key not in (overrides or {}) and (text := form.value_text(f.key))}
    given = typed_answers(catalogue, stage=stage, review=review, overrides=overrides, omit=omit, prefilled=prefilled)
    for key, value in given.items():
        if key in omit or key in prefilled:
            continue  # pre-filled by `generate`: a person leaves it as it is
        f = catalogue.field(key)
        if f.kind == "table":
            form.fill_table(key, list(value), keep_blank_rows=keep_blank_rows)
        elif f.kind == "bool":
            if value:
                form.check(key, True)
        elif isinstance(value, dt.date):
            form.pick_date(key, value)
        elif value not in ("", None):
            form.fill(key, str(value), how=how)
    return form.save(destination)
