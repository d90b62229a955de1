"""Validation of a read report against the catalogue, for the stage it shows.

Every rule reads the catalogue (required_from, required_if, choices, table
columns, min_rows, unless_checked); nothing here names a field. Each finding
has a stable code, a severity, the field's label and a French sentence that
tells the manager what to do, and findings come in the order of the form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from .catalogue import NEXT_OBJECTIVES, Answer, Catalogue, Column, Condition, Field
from .config import Config
from .deadlines import deadlines
from .outcomes import (ANSWER_FIX, ANSWER_GIVEN, CONTRADICTORY_ANSWERS, DATE_AFTER_RECEIPT, DATES_OUT_OF_ORDER, EMPTY_REPORT, EMPTY_TABLE, ERROR, PICTURE_ONLY, UNRECOGNISED_MARK, FIELD_GONE, INCOMPLETE_ROW, INVALID_CHOICE,
                       INVALID_NUMBER, LATE, MISSING_FIELD, NO_IDENTIFIER, TOO_MANY_OBJECTIVES, UNKNOWN_AGENT,
                       UNREADABLE_DATE, WARNING, WRONG_CAMPAIGN, BECAUSE, ROW_NAMED, ROW_NUMBERED, Finding,
                       Reason, Severity)
from .read import Report
from .text import canonical_choice, counted, format_date, listed, same_choice, shown_value


@dataclass
class ValidationContext:
    """What validation needs besides the report and the catalogue: the campaign, the
    roster's agent numbers (``None``: no roster configured), the config for deadlines
    (``None``: no deadline warnings) and ``received``, the day the file was received (a pass:
    the day it claimed the file, as the journal records it; ``None``: no deadline on the
    return to HR, and no date checked against it)."""

    campaign: str
    max_objectives: int = 5
    known_agents: set[str] | None = None
    config: Config | None = None
    received: dt.date | None = None

    @classmethod
    def from_config(cls, config: Config, *, known_agents: set[str] | None = None,
                    received: dt.date | None = None) -> "ValidationContext":
        return cls(campaign=config.campaign.key, max_objectives=config.max_objectives,
                   known_agents=known_agents, config=config, received=received)


@dataclass
class Validation:
    stage: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def accepted(self) -> bool:
        return not self.errors


def shown_stage(report: Report, catalogue: Catalogue) -> int:
    """The highest stage any of whose own fields is filled (at least the first)."""
    stages = [f.marks_stage for f in catalogue.fields
              if f.marks_stage is not None and report.is_filled(f.key)]
    return max(stages, default=min(s.number for s in catalogue.stages))


def _condition_holds(condition: Condition, value: object) -> bool:
    for expected in condition.one_of:
        if isinstance(expected, bool):
            if bool(value is True) == expected:
                return True
        elif same_choice(value, expected):
            return True
    return False


def _because(condition: Condition, label: str, value: object) -> str:
    """``, puisque la réponse à «\u202fAvis\u202f» est «\u202fdéfavorable\u202f»``: the answer that requires a field."""
    if any(isinstance(expected, bool) for expected in condition.one_of):
        return BECAUSE["ticked" if value is True else "not_ticked"].format(label=label)
    return BECAUSE["choice"].format(label=label, value=shown_value(value).strip())


def _row_name(f: Field, number: int, row: dict[str, str]) -> str:
    """A row named by what it holds (its first column, shortened), else by its number."""
    first = (f.columns or [None])[0]
    text = " ".join(str(row.get(first.key, "")).split()) if first else ""
    if not text:
        return ROW_NUMBERED.format(number=number)
    return ROW_NAMED.format(text=text if len(text) <= 60 else text[:59].rstrip() + "…")


class _Checker:
    def __init__(self, report: Report, catalogue: Catalogue, stage: int, context: ValidationContext):
        self.report, self.catalogue, self.stage, self.context = report, catalogue, stage, context
        self.findings: list[Finding] = []

    def add(self, reason: Reason, f: Field | None, variant: str = "", /, *, severity: Severity | None = None,
            **params: object) -> None:
        """``severity``: the reason's own unless given (a declared contradiction says its own)."""
        finding = reason.finding(variant, label=f.label if f else "", field=f.key if f else None,
                                 order=self.catalogue.position(f.key) if f else -1, **params)
        self.findings.append(finding if severity is None else dataclasses.replace(finding, severity=severity))

    def stage_marker(self) -> Field:
        """The field whose answer placed the document at its stage (the first filled one)."""
        return next((f for f in self.catalogue.fields if f.marks_stage == self.stage and self.report.is_filled(f.key)),
                    next(f for f in self.catalogue.fields if f.marks_stage == self.stage))

    def _required(self, f: Field) -> tuple[bool, str]:
        if f.required_from is None or f.required_from > self.stage:
            return False, ""
        if f.required_if is None:
            return True, ""
        other = self.catalogue.field(f.required_if.field)
        if not _condition_holds(f.required_if, self.report.value(other.key)):
            return False, ""
        return True, _because(f.required_if, other.label, self.report.value(other.key))

    def check_single(self, f: Field) -> None:
        report = self.report
        required, because = self._required(f)
        if f.key in report.unreadable_dates:
            self.add(UNREADABLE_DATE, f, message=report.unreadable_dates[f.key])
            return
        if f.key in report.several_ticked:
            self.add(UNRECOGNISED_MARK, f, "several", ticked=listed(report.several_ticked[f.key]))
            return
        if f.key in report.unrecognised_marks:
            self.add(UNRECOGNISED_MARK, f, text=" ".join(report.unrecognised_marks[f.key].split()))
            return
        if f.key in report.pictures:
            self.add(PICTURE_ONLY, f)
            return
        if not report.is_filled(f.key):
            if required:
                later = ""
                if f.required_from and f.required_from < self.stage:
                    later = MISSING_FIELD.say("later", stage=self.catalogue.stage(self.stage).label,
                                              marker=self.stage_marker().label)
                self.add(MISSING_FIELD, f, "because" if because else "", because=because,
                         later=later)
            return
        value = report.values.get(f.key)
        if f.kind == "choice" and isinstance(value, str) and canonical_choice(value, f.choices or []) is None:
            self.add(INVALID_CHOICE, f, value=value, choices=", ".join(f.choices or []))
        elif f.kind == "number" and isinstance(value, str) and not value.strip().isdigit():
            self.add(INVALID_NUMBER, f, value=value)

    def check_table(self, f: Field) -> None:
        rows = self.report.tables.get(f.key, [])
        required, because = self._required(f)
        waived = f.unless_checked and self.report.value(f.unless_checked) is True
        complete = 0
        for number, row in enumerate(rows, 1):
            if self._check_row(f, number, row):
                complete += 1
        # Rows with a problem already have their own findings: say "empty" only when
        # nothing was written at all, or too few rows were written.
        if required and not waived and complete < max(f.min_rows, 1) and complete == len(rows):
            if f.unless_checked and f.unless_checked not in self.report.not_in_form:  # a box the form prints
                self.add(EMPTY_TABLE, f, "unless_checked", table=f.label, columns=self._required_columns(f),
                         box=self.catalogue.field(f.unless_checked).label)
            else:
                needed = max(f.min_rows, 1)
                lines = "une ligne complète" if needed == 1 else f"{needed} lignes complètes"
                self.add(EMPTY_TABLE, f, table=f.label, lines=lines, columns=self._required_columns(f),
                         because=because)
        if f.key == NEXT_OBJECTIVES and len(rows) > self.context.max_objectives:
            self.add(TOO_MANY_OBJECTIVES, f, count=len(rows), maximum=self.context.max_objectives)

    @staticmethod
    def _required_columns(f: Field) -> str:
        names = [f"«\u202f{c.label}\u202f»" for c in f.columns or [] if c.required]
        if not names:
            return "au moins une colonne"
        return ("colonne " if len(names) == 1 else "colonnes ") + " et ".join(names)

    def _check_row(self, f: Field, number: int, row: dict[str, str]) -> bool:
        complete = True
        for column in f.columns or []:
            value = row.get(column.key, "")
            if not value:
                if self._column_required(column, row):
                    complete = False
                    because = ""
                    if column.required_if:
                        other = next(c for c in f.columns or [] if c.key == column.required_if.field)
                        because = _because(column.required_if, other.label, row.get(other.key, ""))
                    self.add(INCOMPLETE_ROW, f, "because" if because else "", table=f.label,
                             row=_row_name(f, number, row), column=column.label, because=because)
                continue
            if column.kind == "choice" and canonical_choice(value, column.choices or []) is None:
                complete = False
                self.add(INVALID_CHOICE, f, "row", table=f.label, row=_row_name(f, number, row), value=value,
                         column=column.label, choices=", ".join(column.choices or []))
        return complete

    @staticmethod
    def _column_required(column: Column, row: dict[str, str]) -> bool:
        if column.required_if is not None:
            return _condition_holds(column.required_if, row.get(column.required_if.field, ""))
        return column.required

    def check_contradictions(self) -> None:
        """Each pair of answers the catalogue declares contradictory (``Catalogue.contradictions``) that
        the report gives, with the rule's severity, on the later of its two fields in the form."""
        report = self.report
        unsure = {*report.not_in_form, *report.unreadable_dates, *report.unrecognised_marks}
        for rule in self.catalogue.contradictions:
            if any(a.field in unsure for a in rule.answers) or not all(self._gives(a) for a in rule.answers):
                continue  # a field gone, or read unsure, has a finding of its own
            first, second = (self._answer_said(a) for a in rule.answers)
            where = max((self.catalogue.field(a.field) for a in rule.answers), key=lambda f: self.catalogue.position(f.key))
            params = {"first": first[0][:1].upper() + first[0][1:], "second": second[0]}
            if rule.advice:
                self.add(CONTRADICTORY_ANSWERS, where, "advice", advice=rule.advice, severity=rule.severity, **params)
            else:
                self.add(CONTRADICTORY_ANSWERS, where, first_fix=first[1], second_fix=second[1],
                         severity=rule.severity, **params)

    def _gives(self, answer: Answer) -> bool:
        f = self.catalogue.field(answer.field)
        return answer_given(answer, f, self.report.values.get(f.key, ""), filled=self.report.is_filled(f.key))

    def _answer_said(self, answer: Answer) -> tuple[str, str]:
        """The answer as the form prints it, and what to do to take it back."""
        f = self.catalogue.field(answer.field)
        if f.kind == "bool":
            way = "not_ticked" if answer.empty else "ticked"
        elif answer.empty:
            way = "empty_table" if f.kind == "table" else "empty"
        elif f.kind == "table":
            way = "rows"
        elif f.kind in ("choice", "number", "date") and f.key not in self.report.pictures:
            way = "value"
        else:
            way = "written"
        value = self.report.values.get(f.key, "")
        if f.kind == "choice":
            value = canonical_choice(value, f.choices or []) or value
        elif f.kind == "date" and self.report.dates.get(f.key):
            value = format_date(self.report.dates[f.key])
        rows = len(self.report.tables.get(f.key, []))
        said = {"label": f.label, "value": " ".join(str(value).split()), "lines": counted(rows, "ligne", "lignes")}
        return ANSWER_GIVEN[way].format(**said), ANSWER_FIX[way].format(**said)

    def check_date_order(self) -> None:
        """The workflow's dates in order (``Catalogue.date_order``): each one filled is on or
        after the last one filled before it."""
        previous: tuple[Field, dt.date] | None = None
        for key in self.catalogue.date_order:
            day = self.report.dates.get(key)
            if day is None:
                continue
            f = self.catalogue.field(key)
            if previous is not None and day < previous[1]:
                self.add(DATES_OUT_OF_ORDER, f, later=format_date(day), before_label=previous[0].label,
                         earlier=format_date(previous[1]))
            else:
                previous = (f, day)

    def check_not_after_receipt(self) -> None:
        """Each date of a field marked ``past_when_received`` is on or before the day the file
        was received (``ValidationContext.received``): a later one is a typo, often the year."""
        received = self.context.received
        if received is None:
            return
        for f in self.catalogue.fields:
            day = self.report.dates.get(f.key) if f.past_when_received else None
            if day is not None and day > received:
                self.add(DATE_AFTER_RECEIPT, f, day=format_date(day), received=format_date(received))

    def check_identity(self) -> None:
        report, context = self.report, self.context
        if not report.agent_number:
            self.add(NO_IDENTIFIER, None)
            return
        if report.campaign and report.campaign != context.campaign:
            self.add(WRONG_CAMPAIGN, None, found=report.campaign, current=context.campaign)
        if context.known_agents is not None and report.agent_number not in context.known_agents:
            self.add(UNKNOWN_AGENT, None, number=report.agent_number)


def answer_given(answer: Answer, f: Field, value: object, *, filled: bool) -> bool:
    """Whether the field ``f``, answered or not (``filled``) with ``value``, gives ``answer``."""
    if answer.empty or not filled:
        return answer.empty and not filled
    if answer.one_of is not None and not any(_same_answer(f, value, v) for v in answer.one_of):
        return False
    return not any(_same_answer(f, value, v) for v in answer.none_of or [])


def _same_answer(f: Field, value: object, expected: str) -> bool:
    """``value``, as read, is the answer ``expected`` names: a choice as the form lists it (« Oui, 3
    agents » is « oui », as validation reads it), a number by its value (« 00 » is « 0 »)."""
    text = str(value).strip()
    if f.kind == "choice":
        text = canonical_choice(text, f.choices or []) or text
    elif f.kind == "number" and text.isdigit() and expected.isdigit():
        return int(text) == int(expected)
    return same_choice(text, expected)


def is_blank(report: Report, catalogue: Catalogue) -> bool:
    """Nothing the manager writes is written: every field ``generate`` does not fill is
    empty, and no table row holds more than a pre-filled first column."""
    for f in catalogue.fields:
        if f.kind == "table":
            first = (f.columns or [None])[0]
            if any(v for row in report.tables.get(f.key, []) for k, v in row.items() if not first or k != first.key):
                return False
        elif not f.filled_by_generate and report.is_filled(f.key):
            return False
    return True


def validate(report: Report, catalogue: Catalogue, context: ValidationContext) -> Validation:
    """Check a report for the stage it shows; findings in the order of the form. A report
    nobody filled gets one finding that says so, not one per empty field."""
    stage = shown_stage(report, catalogue)
    checker = _Checker(report, catalogue, stage, context)
    checker.check_identity()
    if is_blank(report, catalogue):
        checker.add(EMPTY_REPORT, None)
        return Validation(stage=stage, findings=checker.findings)
    for f in catalogue.fields:
        if f.key in report.not_in_form and f.kind != "table":
            required, _ = checker._required(f)
            if required:
                checker.add(FIELD_GONE, f)
            continue
        if f.kind == "table":
            checker.check_table(f)
        else:
            checker.check_single(f)
    checker.check_contradictions()
    checker.check_date_order()
    checker.check_not_after_receipt()
    if context.config is not None:
        for deadline in deadlines(report.dates, context.config, context.received):
            if deadline.late():
                checker.add(LATE, None, **deadline.late_params())
    findings = sorted(checker.findings, key=lambda x: x.order)
    return Validation(stage=stage, findings=findings)
