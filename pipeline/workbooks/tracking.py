"""The campaign tracking, ``suivi_campagne.xlsx``: one row per agent.

Sheets: «\u202fSuivi\u202f» (one row per roster agent, then one per other agent the
journal knows: stage, dates, deadlines and their state, days late, last file received),
«\u202fSynthèse\u202f» (agents per stage, agents per service, a chart per stage) and
«\u202fRelances\u202f» (per evaluator, the agents to chase: no report, a pending
rejection, a step not done by its due date).

Where to add a column: the «\u202fSuivi\u202f» sheet's columns are
:func:`tracking_columns`, the «\u202fSynthèse\u202f» tables' :data:`STAGE_COLUMNS` and
:func:`service_columns`, the «\u202fRelances\u202f» sheet's :func:`relance_columns`, all
just below. A date field of the catalogue and a deadline are there already; another
column needs a value in :func:`tracking_rows` too (and, if it comes from the report,
:class:`TrackingFacts`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import catalogue as cat
from ..catalogue import Catalogue
from ..config import Config
from ..deadlines import MISSED, OVERDUE, agent_deadlines, deadlines
from ..journal import FileRow, SignedCopyRecord
from ..outcomes import Outcome, is_error
from ..roster import EVALUATOR_EMAIL as ROSTER_EVALUATOR_EMAIL, RosterRow
from ..text import canonical_choice, format_date, yes_no
from .harmonisation import AppraisalFacts, write_equality_sheets
from .sheets import (AGENTS, DATE, NOT_FILLED, NUMBER, TOTAL, Book, SheetColumn, cell_text, content_date,
                     field_columns)

TRACKING_IDENTITY = (cat.AGENT_NUMBER, cat.LAST_NAME, cat.FIRST_NAME, cat.SERVICE, cat.GRADE,
                     cat.EVALUATOR)
IN_ROSTER, STAGE, SITUATION, ALERTS = "in_roster", "stage", "situation", "alerts"
LAST_FILE, LAST_RECEIVED, LAST_OUTCOME, REASONS = "last_file", "last_received", "last_outcome", "reasons"
SHORT_SITUATION = "short_situation"
NOTIFIED = "notified"
SIGNED_RECEIVED = "signed_copy_received"  # the last signed copy (a scanned PDF) received, pipeline.signed_copies
SIGNATURES = "signatures"  # the electronic (PAdES) signatures of that PDF: who, and whether intact
SIGNATURE_INTACT, SIGNATURE_BROKEN = "intacte", "document modifié après signature"
SIGNATURE_PARTIAL = "intacte, document complété après signature"
NOTIFIED_SIGNED = "signée par l'agent"
NOTIFIED_REFUSED = "refus de signer, valant notification : {mode}"
EVALUATOR_EMAIL, DAYS_LATE = "evaluator_email", "days_late"
LAST_MESSAGE, LAST_MESSAGE_ON = "last_message", "last_message_on"  # pipeline.mail.last_messages
# «\u202fRelances\u202f»: why and by when (kept in the agents' DataFrame, not shown in «\u202fSuivi\u202f»).
CHASE, CHASE_DUE, CHASE_DAYS = "chase", "chase_due", "chase_days"

NO_REPORT = "aucun compte rendu reçu"
REJECTED_ONLY = "compte rendu reçu mais rejeté : en attente d'une version corrigée"
SHORT_NO_REPORT, SHORT_REJECTED = "Aucun compte rendu", "Rejeté"
# A rejected last file whose report has a newer accepted version: nothing to correct any more.
REJECTION_RESOLVED = "rejet résolu par une version acceptée"
# Why an agent is chased («\u202fRelances\u202f»): no report, a pending rejection, a step overdue.
CHASE_NO_REPORT = NO_REPORT
CHASE_REJECTION = "rejet en attente d'une version corrigée"


def chase_overdue(label: str) -> str:
    """«\u202fRelances\u202f»: a deadline passed with its step not done."""
    return f"{label} : {OVERDUE}"


# ---------------------------------------------------------------------------
# Columns: add a column of the campaign tracking here.
# ---------------------------------------------------------------------------


def tracking_columns(config: Config) -> list[SheetColumn]:
    """Columns of the «\u202fSuivi\u202f» sheet, in order."""
    catalogue = config.catalogue
    due = []
    for deadline in deadlines({}, config):
        due.append(SheetColumn(f"due.{deadline.key}", f"{deadline.label} : échéance", DATE))
        due.append(SheetColumn(f"state.{deadline.key}", f"{deadline.label} : état"))
    return [
        *field_columns(catalogue, TRACKING_IDENTITY),
        SheetColumn(EVALUATOR_EMAIL, "Courriel de l'évaluateur"),
        SheetColumn(IN_ROSTER, "Dans la liste des agents"),
        SheetColumn(STAGE, "Étape", NUMBER),
        SheetColumn(SITUATION, "Situation"),
        *_date_fields(catalogue),
        SheetColumn(NOTIFIED, "Notification"),
        SheetColumn(SIGNED_RECEIVED, "Exemplaire signé reçu le", DATE),
        SheetColumn(SIGNATURES, "Signatures électroniques de l'exemplaire"),
        *due,
        SheetColumn(ALERTS, "Alertes de délai", NUMBER),
        SheetColumn(DAYS_LATE, "Jours de retard", NUMBER),
        SheetColumn(LAST_FILE, "Dernier fichier reçu"),
        SheetColumn(LAST_RECEIVED, "Reçu le", DATE),
        SheetColumn(LAST_OUTCOME, "Résultat du dernier fichier"),
        SheetColumn(REASONS, "Motifs du rejet"),
        SheetColumn(LAST_MESSAGE, "Dernier courriel"),
        SheetColumn(LAST_MESSAGE_ON, "Courriel du", DATE),
    ]


def relance_columns(config: Config) -> list[SheetColumn]:
    """Columns of the «\u202fRelances\u202f» sheet, in order: one row per agent to chase."""
    catalogue = config.catalogue
    return [
        *field_columns(catalogue, (cat.EVALUATOR,)),
        SheetColumn(EVALUATOR_EMAIL, "Courriel de l'évaluateur"),
        *field_columns(catalogue, (cat.AGENT_NUMBER, cat.LAST_NAME, cat.FIRST_NAME, cat.SERVICE)),
        SheetColumn(CHASE, "Motif de relance"),
        SheetColumn(CHASE_DUE, "Échéance", DATE),
        SheetColumn(CHASE_DAYS, "Jours de retard", NUMBER),
    ]


# « Synthèse », « Par étape »: what :func:`situation_counts` gives.
STAGE_COLUMNS = [SheetColumn(SHORT_SITUATION, "Étape"), SheetColumn(AGENTS, "Agents", NUMBER),
                 SheetColumn(SITUATION, "Situation")]


def service_columns(service_label: str, situations: list[str]) -> list[SheetColumn]:
    """«\u202fSynthèse\u202f», «\u202fPar service\u202f»: the service, one column per situation (short
    names), the total and the agents with a deadline alert."""
    return [SheetColumn(cat.SERVICE, service_label), *[SheetColumn(n, n, NUMBER) for n in situations],
            SheetColumn(TOTAL, "Total", NUMBER),
            SheetColumn(ALERTS, "Agents avec une alerte de délai", NUMBER)]


def _date_fields(catalogue: Catalogue) -> list[SheetColumn]:
    return [SheetColumn(f.key, f.label, DATE) for f in catalogue.single_fields if f.kind == "date"]


# ---------------------------------------------------------------------------
# Rows.
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TrackingFacts:
    """What the tracking sheet shows of one file of the journal: kept instead of
    the file's whole content, so that one campaign's contents are in memory once."""

    name: str
    received: dt.date
    received_at: dt.datetime  # when, to the second: which of two files came first
    outcome: Outcome | None
    stage: int | None
    identity: dict[str, str]
    dates: dict[str, dt.date]  # filled dates only
    reasons: str  # the errors of a rejected file, one per line
    notification: str = ""  # how the final stage was reached: NOTIFIED_SIGNED or a refusal and its mode

    @classmethod
    def of(cls, row: FileRow, catalogue: Catalogue) -> "TrackingFacts":
        content = row.content or {}
        fields = content.get("champs") or {}
        dates = {c.id: day for c in _date_fields(catalogue) if (day := content_date(content, c.id))}
        reasons = ""
        if row.outcome is not None and row.outcome.turned_away:
            reasons = "\n".join(
                cell_text(f"{f['label']} : {f['message']}" if f.get("label") else f.get("message", ""))
                for f in row.findings if is_error(f))
        received_at = dt.datetime.fromisoformat(row.received_at)
        notification = ""
        if row.stage is not None and row.stage >= catalogue.final_stage:
            refused = fields.get(cat.REFUSED_TO_SIGN) is True
            typed = cell_text(fields.get(cat.NOTIFICATION_MODE)).strip()
            mode = canonical_choice(typed, catalogue.field(cat.NOTIFICATION_MODE).choices or []) or typed
            notification = NOTIFIED_REFUSED.format(mode=mode or "mode non indiqué") if refused else NOTIFIED_SIGNED
        return cls(
            name=cell_text(row.original_name),
            received=received_at.date(), received_at=received_at,
            outcome=row.outcome, stage=row.stage,
            identity={c.id: cell_text(fields.get(c.id)) for c in field_columns(catalogue, TRACKING_IDENTITY)},
            dates=dates, reasons=reasons, notification=notification)


def signature_text(signatures: list[dict]) -> str:
    """«\u202fSophie Durand (intacte) ; Marc Lemoine (document modifié après signature)\u202f»."""
    def state(s: dict) -> str:
        if not s.get("intacte"):
            return SIGNATURE_BROKEN
        return SIGNATURE_INTACT if s.get("couvre_tout_le_fichier") else SIGNATURE_PARTIAL
    return " ; ".join(f"{cell_text(s.get('signataire'))} ({state(s)})" for s in signatures)


def tracking_rows(config: Config, current: dict[str, TrackingFacts], latest: dict[str, TrackingFacts],
                  roster: list[RosterRow], today: dt.date, *,
                  messages: dict[str, tuple[str, dt.date | None]] | None = None,
                  signed: dict[str, SignedCopyRecord] | None = None) -> pd.DataFrame:
    """One row per roster agent, then one per other agent the journal knows.

    ``current``: agent number -> newest accepted version of the report;
    ``latest``: agent number -> last file received, whatever its outcome;
    ``signed``: agent number -> the last signed copy of the report received (when, its signatures).
    A report finished (final stage) has no overdue deadline any more. Days late: the most of
    the agent's missed deadlines (:meth:`Deadline.days_late`). A rejected last file is pending
    unless an accepted version was received after it. The frame also has the columns of the
    «\u202fRelances\u202f» sheet (:data:`CHASE`, :data:`CHASE_DUE`, :data:`CHASE_DAYS`): see
    :func:`relance_rows`. ``messages``: agent number -> the last message about them and its
    date (:func:`pipeline.mail.last_messages`). An agent without a report is chased once their
    interview date has passed (or when it is unknown), not before.
    """
    catalogue = config.catalogue
    columns = tracking_columns(config)
    identity = [c.id for c in field_columns(catalogue, TRACKING_IDENTITY)]
    date_keys = [c.id for c in _date_fields(catalogue)]
    in_roster = {r.values.get(cat.AGENT_NUMBER, ""): r for r in roster}
    others = sorted((set(current) | set(latest) | set(signed or {})) - set(in_roster))
    records = []
    for number in [*in_roster, *others]:
        listed, report, last = in_roster.get(number), current.get(number), latest.get(number)
        known = (report or last).identity if (report or last) else {}
        record = {key: (cell_text(listed.values.get(key)) if listed else "") or known.get(key, "")
                  for key in identity}
        record[cat.AGENT_NUMBER] = cell_text(number)
        record[EVALUATOR_EMAIL] = cell_text(listed.extra.get(ROSTER_EVALUATOR_EMAIL)) if listed else ""
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
        record[NOTIFIED] = report.notification if report else ""
        copy = (signed or {}).get(number)
        record[SIGNED_RECEIVED] = dt.datetime.fromisoformat(copy.received_at).date() if copy else None
        record[SIGNATURES] = signature_text(copy.signatures) if copy else ""
        finished = report is not None and report.stage >= catalogue.final_stage
        alerts, missed, overdue = 0, [], []
        for deadline, state in agent_deadlines(config, dates, report.received if report else None,
                                               finished=finished, today=today):
            alerts += state in MISSED
            record[f"due.{deadline.key}"], record[f"state.{deadline.key}"] = deadline.due, state
            if state in MISSED:
                missed.append(deadline.days_late(today) or 0)
            if state == OVERDUE:
                overdue.append((deadline.days_late(today) or 0, deadline))
        record[ALERTS] = alerts
        record[DAYS_LATE] = max(missed, default=0) or None
        rejected = bool(last and last.outcome and last.outcome.turned_away)
        pending = rejected and not (report and report.received_at > last.received_at)
        record[LAST_FILE] = last.name if last else ""
        record[LAST_RECEIVED] = last.received if last else None
        record[LAST_OUTCOME] = last.outcome.word if last and last.outcome else ""
        record[REASONS] = last.reasons if pending else REJECTION_RESOLVED if rejected else ""
        # «\u202fRelances\u202f»: the first reason to chase (a pending rejection, no report, the step the
        # longest overdue).
        worst = max(overdue, key=lambda item: item[0], default=None)
        interview = dates.get(cat.REVIEW_DATE)
        not_yet = not last and not report and interview is not None and interview > today
        record[CHASE] = (CHASE_REJECTION if pending else "" if not_yet else CHASE_NO_REPORT if not last
                         else chase_overdue(worst[1].label) if worst else "")
        # Each reason its own due date: a rejection's correction is due service_rh.delai_reponse_jours
        # after its receipt (as its note says); otherwise the step the longest overdue's.
        if pending:
            due = last.received + dt.timedelta(days=config.hr.answer_days)
            record[CHASE_DUE], record[CHASE_DAYS] = due, ((today - due).days if due < today else None)
        else:
            record[CHASE_DUE], record[CHASE_DAYS] = (worst[1].due, worst[0] or None) if worst else (None, None)
        record[LAST_MESSAGE], record[LAST_MESSAGE_ON] = (messages or {}).get(number, ("", None))
        records.append(record)
    return pd.DataFrame.from_records(records, columns=[*(c.id for c in columns), CHASE, CHASE_DUE, CHASE_DAYS])


def relance_rows(agents: pd.DataFrame) -> pd.DataFrame:
    """«\u202fRelances\u202f»: the agents to chase (:func:`tracking_rows`' :data:`CHASE`), by
    evaluator name (an agent without one last, shown as «\u202f(non renseigné)\u202f»), then
    in the order of «\u202fSuivi\u202f». Due date and days late: the step the longest overdue."""
    chased = agents[agents[CHASE] != ""]
    if cat.EVALUATOR not in chased:
        return chased.reset_index(drop=True)
    names = chased[cat.EVALUATOR].fillna("").tolist()
    order = sorted(range(len(names)), key=lambda i: (names[i] == "", names[i].casefold(), i))
    chased = chased.iloc[order].reset_index(drop=True)
    chased[cat.EVALUATOR] = chased[cat.EVALUATOR].replace("", NOT_FILLED)
    return chased


# ---------------------------------------------------------------------------
# Summaries (pandas).
# ---------------------------------------------------------------------------

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
    return table.reset_index(drop=True), service_columns(label, names)


# ---------------------------------------------------------------------------
# Writing.
# ---------------------------------------------------------------------------

def write_tracking(path: Path, agents: pd.DataFrame, config: Config, today: dt.date,
                   appraisals: list[AppraisalFacts] | None = None) -> None:
    """Write the campaign tracking; with ``appraisals`` (one per accepted report), the
    equal-treatment sheets too (``harmonisation``)."""
    catalogue = config.catalogue
    campaign = config.campaign.key
    book = Book(path, f"Suivi de la campagne {campaign}")
    follow = book.sheet("Suivi")
    book.table(follow, agents, tracking_columns(config), name="Suivi")
    follow.freeze_panes(1, 1)
    summary = book.sheet("Synthèse")
    summary.write_string(0, 0, f"Campagne {campaign} : situation au {format_date(today)}", book.bold)
    stages = situation_counts(agents, catalogue)
    end = book.table(summary, stages, STAGE_COLUMNS, name="Par étape", top=2, totals={})
    services, columns = service_counts(agents, catalogue)
    book.table(summary, services, columns, name="Par service", top=2,
               left=len(STAGE_COLUMNS) + 1, totals={})
    chart = book.book.add_chart({"type": "column"})
    chart.add_series({"name": "Agents", "categories": [summary.name, 3, 0, 2 + len(stages), 0],
                      "values": [summary.name, 3, 1, 2 + len(stages), 1],
                      "data_labels": {"value": True}})
    chart.set_title({"name": "Agents par étape du compte rendu", "name_font": {"size": 12}})
    chart.set_legend({"none": True})
    summary.set_h_pagebreaks([end + 1])  # the chart on a page of its own, never cut
    summary.insert_chart(end + 1, 0, chart)
    chase = book.sheet("Relances")
    book.table(chase, relance_rows(agents), relance_columns(config), name="Relances")
    chase.freeze_panes(1, 0)
    if appraisals is not None:
        write_equality_sheets(book, appraisals, catalogue)
    book.close()
