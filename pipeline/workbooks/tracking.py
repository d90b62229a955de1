"""The campaign tracking, ``suivi_campagne.xlsx``: one row per agent, as the campaign view says.

Sheets: «\u202fSuivi\u202f» (one row per roster agent, then one per other agent the
journal knows: who, stage and situation, the next deadline, its limit and state and whom it
waits for, the columns that print on one page width, then on screen the dates, days late, last
file received...), «\u202fÉchéances\u202f» (the same agents: each deadline's limit and state),
«\u202fSynthèse\u202f» (agents per stage, agents per service, a chart per stage) and
«\u202fRelances\u202f» (per evaluator, the agents to chase: no report, a pending
rejection, a step not done by its due date; whom and by when).

Printed (A4 landscape): «\u202fSuivi\u202f» from the name to whom the next deadline waits for, one
line per agent, on the page's width; «\u202fÉchéances\u202f» on strips of pages across, the agent on
each; «\u202fRelances\u202f» on the page's width, up to the days late; each summary on one page.

Every value comes from :class:`pipeline.campaign.CampaignView` (:func:`tracking_rows` only lays
it out): lateness and chasing are computed there, once, for ``etat`` and ``relancer`` too.

Where to add a column: the «\u202fSuivi\u202f» sheet's columns are
:func:`tracking_columns` (:func:`printed_columns` says which print), the «\u202fÉchéances\u202f»
sheet's :func:`deadline_columns`, the «\u202fSynthèse\u202f» tables' :data:`STAGE_COLUMNS` and
:func:`service_columns`, the «\u202fRelances\u202f» sheet's :func:`relance_columns`, all
just below; a value for it in :func:`tracking_rows` (or :func:`relance_rows`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from .. import catalogue as cat
from ..campaign import IDENTITY, NO_REPORT, REJECTED_ONLY, REJECTION_RESOLVED, CampaignView, n2_reminded
from ..catalogue import Catalogue
from ..config import Config
from ..deadlines import deadlines
from ..records import PdfSignature
from ..text import format_date, yes_no
from .harmonisation import AppraisalFacts, write_equality_sheets
from .sheets import AGENTS, DATE, NOT_FILLED, NUMBER, TOTAL, WHO_WIDTH, Book, SheetColumn, cell_text, field_columns

IN_ROSTER, STAGE, SITUATION, ALERTS = "in_roster", "stage", "situation", "alerts"
LAST_FILE, LAST_RECEIVED, LAST_OUTCOME, REASONS = "last_file", "last_received", "last_outcome", "reasons"
SHORT_SITUATION = "short_situation"
NOTIFIED = "notified"
SIGNED_RECEIVED = "signed_copy_received"  # the last signed copy (a scanned PDF) received, pipeline.signed_copies
SIGNATURES = "signatures"  # the electronic (PAdES) signatures of that PDF: who, and whether intact
SIGNATURE_INTACT, SIGNATURE_BROKEN = "intacte", "document modifié après signature"
SIGNATURE_PARTIAL = "intacte, document complété après signature"
EVALUATOR_EMAIL, DAYS_LATE = "evaluator_email", "days_late"
LAST_MESSAGE, LAST_MESSAGE_ON = "last_message", "last_message_on"  # the campaign view's last message
# «\u202fRelances\u202f»: why, whom and by when.
CHASE, CHASE_WHOM, CHASE_DUE, CHASE_DAYS = "chase", "chase_whom", "chase_due", "chase_days"
# … the N+2 reminded too, the first reminder about the step, the last reminder about the agent.
CHASE_N2, FIRST_REMINDER, LAST_REMINDER_TO, LAST_REMINDER_ON = "chase_n2", "first_reminder", "last_to", "last_on"
SHORT_NO_REPORT, SHORT_REJECTED = "Aucun compte rendu", "Rejeté"
# The next deadline (AgentState.next_deadline): what, by when, its state, whom it waits for.
NEXT, NEXT_DUE, NEXT_STATE, NEXT_WHOM = "next", "next_due", "next_state", "next_whom"
# Who an agent is, in «\u202fSuivi\u202f» and «\u202fÉchéances\u202f»: the first columns, frozen on screen
# up to the first name; printed from the name.
WHO = (cat.AGENT_NUMBER, cat.LAST_NAME, cat.FIRST_NAME, cat.SERVICE)
PRINTED_WHO = (cat.LAST_NAME, cat.FIRST_NAME, cat.SERVICE)
SITUATION_WIDTH = 90  # printed, a situation (a stage's label) stays on one line up to this many characters
STATE_WIDTH = 14  # printed, a deadline's state wraps beyond it («\u202feffectuée, date non indiquée\u202f»)


# ---------------------------------------------------------------------------
# Columns: add a column of the campaign tracking here.
# ---------------------------------------------------------------------------


def tracking_columns(config: Config) -> list[SheetColumn]:
    """Columns of the «\u202fSuivi\u202f» sheet, in order: who, where the report stands and its next
    deadline (what prints, :func:`printed_columns`), then on screen the rest."""
    catalogue = config.catalogue
    return [
        *field_columns(catalogue, WHO, wrap_at=WHO_WIDTH),
        SheetColumn(STAGE, "Étape", NUMBER),
        SheetColumn(SITUATION, "Situation", wrap_at=SITUATION_WIDTH),
        SheetColumn(NEXT, "Prochaine échéance"),
        SheetColumn(NEXT_DUE, "Date limite", DATE),
        SheetColumn(NEXT_STATE, "État de l'échéance"),
        SheetColumn(NEXT_WHOM, "En attente de"),
        *field_columns(catalogue, (cat.GRADE, cat.EVALUATOR)),
        SheetColumn(EVALUATOR_EMAIL, "Courriel de l'évaluateur"),
        SheetColumn(IN_ROSTER, "Dans la liste des agents"),
        *_date_fields(catalogue),
        SheetColumn(NOTIFIED, "Notification"),
        SheetColumn(SIGNED_RECEIVED, "Exemplaire signé reçu le", DATE),
        SheetColumn(SIGNATURES, "Signatures électroniques de l'exemplaire"),
        SheetColumn(ALERTS, "Alertes de délai", NUMBER),
        SheetColumn(DAYS_LATE, "Jours de retard", NUMBER),
        SheetColumn(LAST_FILE, "Dernier fichier reçu"),
        SheetColumn(LAST_RECEIVED, "Reçu le", DATE),
        SheetColumn(LAST_OUTCOME, "Résultat du dernier fichier"),
        SheetColumn(REASONS, "Motifs du rejet"),
        SheetColumn(LAST_MESSAGE, "Dernier courriel"),
        SheetColumn(LAST_MESSAGE_ON, "Courriel du", DATE),
    ]


def printed_columns(columns: list[SheetColumn]) -> tuple[int, int]:
    """The first and last of ``columns`` (:func:`tracking_columns`) that print: from the agent's name
    to whom the next deadline waits for (the matricule and the rest stay on screen)."""
    ids = [c.id for c in columns]
    return next(i for i, key in enumerate(ids) if key in (*PRINTED_WHO, STAGE)), ids.index(NEXT_WHOM)


def deadline_columns(config: Config) -> list[SheetColumn]:
    """Columns of the «\u202fÉchéances\u202f» sheet: who (as in «\u202fSuivi\u202f»), then each deadline of
    the workflow, its limit («\u202f… : échéance\u202f») and its state («\u202f… : état\u202f»)."""
    due = []
    for deadline in deadlines({}, config):
        due.append(SheetColumn(f"due.{deadline.key}", f"{deadline.label} : échéance", DATE))
        due.append(SheetColumn(f"state.{deadline.key}", f"{deadline.label} : état", wrap_at=STATE_WIDTH))
    return [*field_columns(config.catalogue, WHO, wrap_at=WHO_WIDTH), *due]


def relance_columns(config: Config) -> list[SheetColumn]:
    """Columns of the «\u202fRelances\u202f» sheet, in order: one row per agent to chase."""
    catalogue = config.catalogue
    return [
        *field_columns(catalogue, (cat.EVALUATOR,)),
        SheetColumn(EVALUATOR_EMAIL, "Courriel de l'évaluateur"),
        *field_columns(catalogue, (cat.AGENT_NUMBER, cat.LAST_NAME, cat.FIRST_NAME, cat.SERVICE)),
        SheetColumn(CHASE, "Motif de relance"),
        SheetColumn(CHASE_WHOM, "À relancer"),
        SheetColumn(CHASE_DUE, "Échéance", DATE),
        SheetColumn(CHASE_DAYS, "Jours de retard", NUMBER),
        SheetColumn(CHASE_N2, "N+2 relancé aussi"),
        SheetColumn(FIRST_REMINDER, "Première relance de l'étape", DATE),
        SheetColumn(LAST_REMINDER_TO, "Dernière relance à"),
        SheetColumn(LAST_REMINDER_ON, "Dernière relance le", DATE),
    ]


# « Synthèse », « Par étape »: what :func:`situation_counts` gives.
STAGE_COLUMNS = [SheetColumn(SHORT_SITUATION, "Étape"), SheetColumn(AGENTS, "Agents", NUMBER),
                 SheetColumn(SITUATION, "Situation", wrap_at=SITUATION_WIDTH)]


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

def signature_text(signatures: tuple[PdfSignature, ...] | list[PdfSignature]) -> str:
    """«\u202fSophie Durand (intacte) ; Marc Lemoine (document modifié après signature)\u202f»."""
    def state(s: PdfSignature) -> str:
        if not s.intact:
            return SIGNATURE_BROKEN
        return SIGNATURE_INTACT if s.whole_file else SIGNATURE_PARTIAL
    return " ; ".join(f"{cell_text(s.signer)} ({state(s)})" for s in signatures)


def tracking_rows(config: Config, view: CampaignView) -> pd.DataFrame:
    """«\u202fSuivi\u202f» and «\u202fÉchéances\u202f»: one row per agent of the campaign view, in its order
    (the roster's agents, then the others the journal knows)."""
    catalogue = config.catalogue
    columns = [*tracking_columns(config), *deadline_columns(config)[len(field_columns(catalogue, WHO)):]]
    identity = [c.id for c in field_columns(catalogue, IDENTITY)]
    date_keys = [c.id for c in _date_fields(catalogue)]
    records = []
    for agent in view.agents:
        record = {key: cell_text(agent.identity.get(key, "")) for key in identity}
        record[EVALUATOR_EMAIL] = cell_text(agent.evaluator_email)
        record[IN_ROSTER] = yes_no(agent.in_roster) if view.with_roster else ""
        record[STAGE], record[SITUATION] = agent.stage, agent.situation
        upcoming = agent.next_deadline
        if upcoming is not None:
            record[NEXT], record[NEXT_DUE] = upcoming.name, upcoming.due
            record[NEXT_STATE], record[NEXT_WHOM] = upcoming.state, upcoming.owner
        else:
            record[NEXT], record[NEXT_DUE], record[NEXT_STATE], record[NEXT_WHOM] = "", None, "", ""
        record.update({key: agent.dates.get(key) for key in date_keys})
        record[NOTIFIED] = agent.current.notification if agent.current else ""
        copy = agent.signed_copy
        record[SIGNED_RECEIVED] = copy.received if copy else None
        record[SIGNATURES] = signature_text(copy.signatures) if copy else ""
        for deadline in agent.deadlines:
            record[f"due.{deadline.key}"], record[f"state.{deadline.key}"] = deadline.due, deadline.state
        record[ALERTS] = len(agent.missed)
        record[DAYS_LATE] = agent.days_late
        last = agent.last_file
        record[LAST_FILE] = cell_text(last.name) if last else ""
        record[LAST_RECEIVED] = last.received if last else None
        record[LAST_OUTCOME] = last.outcome.word if last and last.outcome else ""
        record[REASONS] = ("\n".join(cell_text(e) for e in last.errors) if agent.rejection
                           else REJECTION_RESOLVED if agent.rejection_resolved else "")
        message = agent.message
        record[LAST_MESSAGE], record[LAST_MESSAGE_ON] = (message.text, message.day) if message else ("", None)
        records.append(record)
    return pd.DataFrame.from_records(records, columns=[c.id for c in columns])


def relance_rows(config: Config, view: CampaignView) -> pd.DataFrame:
    """«\u202fRelances\u202f»: the agents the view says to chase (:meth:`CampaignView.chased`), by
    evaluator name (an agent without one last, shown as «\u202f(non renseigné)\u202f»): why, whom and
    by when, as ``etat`` and ``relancer`` say it."""
    catalogue = config.catalogue
    records = []
    for agent in view.chased():
        record = {c.id: cell_text(agent.identity.get(c.id, "")) for c in field_columns(catalogue, IDENTITY)}
        record[cat.EVALUATOR] = cell_text(agent.evaluator) or NOT_FILLED
        record[EVALUATOR_EMAIL] = cell_text(agent.evaluator_email)
        record[CHASE], record[CHASE_WHOM] = agent.chase.reason, agent.chase.whom
        record[CHASE_DUE], record[CHASE_DAYS] = agent.chase.due, agent.chase.days_late
        record[CHASE_N2] = cell_text(n2_reminded(agent))
        record[FIRST_REMINDER] = agent.chase.first_reminder
        last = agent.last_reminder
        record[LAST_REMINDER_TO] = cell_text(f"{last.party} ({last.recipient}) : {last.state}") if last else ""
        record[LAST_REMINDER_ON] = last.day if last else None
        records.append(record)
    return pd.DataFrame.from_records(records, columns=[c.id for c in relance_columns(config)])


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

def write_tracking(path: Path, agents: pd.DataFrame, chased: pd.DataFrame, config: Config, today: dt.date,
                   appraisals: list[AppraisalFacts] | None = None) -> None:
    """Write the campaign tracking: ``agents`` (:func:`tracking_rows`), ``chased``
    (:func:`relance_rows`); with ``appraisals`` (one per accepted report), the equal-treatment
    sheets too (``harmonisation``)."""
    catalogue = config.catalogue
    campaign = config.campaign.key
    book = Book(path, f"Suivi de la campagne {campaign}")
    follow = book.sheet("Suivi")
    columns = tracking_columns(config)
    book.table(follow, agents, columns, name="Suivi", printed=printed_columns(columns))
    who = field_columns(catalogue, WHO)
    frozen = next((i + 1 for i, c in enumerate(who) if c.id == cat.FIRST_NAME), 1)
    follow.freeze_panes(1, frozen)  # the header, and who: the matricule, the name and first name
    detail = book.sheet("Échéances")
    columns = deadline_columns(config)
    end = book.table(detail, agents, columns, name="Échéances")
    detail.freeze_panes(1, frozen)
    printed_who = [i for i, c in enumerate(who) if c.id in PRINTED_WHO] or [0]
    book.print_strips(detail, rows=(0, end - 1), repeat=(printed_who[0], len(who) - 1),
                      groups=[(i, i + 1) for i in range(len(who), len(columns), 2)])
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
    summary.insert_chart(end + 1, 0, chart)
    book.print_on_one_page(summary, chart=(480, 288))  # the tables and, below them, the chart (its size)
    chase = book.sheet("Relances")
    columns = relance_columns(config)
    # Printed: whom to chase, why and by when; the reminders already made stay on screen.
    book.table(chase, chased, columns, name="Relances", printed=(0, [c.id for c in columns].index(CHASE_DAYS)))
    chase.freeze_panes(1, 0)
    if appraisals is not None:
        write_equality_sheets(book, appraisals, catalogue)
    book.close()
