"""``generate``: one pre-filled report and one invitation per agent of the roster,
rendered by :mod:`pipeline.render` from the templates :mod:`pipeline.template_build`
makes (built here when a new workspace has none yet)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import catalogue as cat
from .catalogue import Catalogue
from .command_names import GENERATE, command_line
from .config import Config
from .dates import add_days, is_working_day
from .deadlines import WORKING_DAYS, DelayRules
from .files import make_dirs, move_no_clobber, unique_path
from .naming import (INVITATION_SUFFIX, INVITATION_TEMPLATE, PREVIOUS_VERSIONS, REPORT_SUFFIX, REPORT_TEMPLATE,
                     TEMPLATE_NAMES, TO_SEND, agent_file_stem, report_id)
from .dates import parse_date
from .outcomes import EntretiensError, RosterError
from .render import check_templates, fingerprint, render, rendered_fingerprint, templates_command
from .roster import Roster, RosterProblem, RosterRow, load_roster
from .signed_copies import page_code
from .template_build import build_all
from .ooxml import CHECKED_BOX, UNCHECKED_BOX
from .text import format_date, is_yes, long_date

# Hook for carrying last year's "objectives for next year" into this year's
# "last year's objectives": agent number -> list of objective texts.
PreviousObjectives = Callable[[str], list[str]]


def no_previous_objectives(agent_number: str) -> list[str]:
    return []


def objectives_from_journal(config: Config) -> PreviousObjectives:
    """Last campaign's accepted "objectives for next year", per agent, from the journal."""
    from .journal import Journal
    from .naming import JOURNAL_NAME

    if not (config.state_dir / JOURNAL_NAME).exists() or not config.campaign.key.isdigit():
        return no_previous_objectives
    previous_campaign = str(int(config.campaign.key) - 1)
    first_column = (config.catalogue.field(cat.NEXT_OBJECTIVES).columns or [])[0].key
    found: dict[str, list[str]] = {}
    with Journal(config.state_dir) as journal:
        for report in journal.current_reports(previous_campaign):
            rows = report.file.report.rows(cat.NEXT_OBJECTIVES) if report.file.report else []
            found[report.agent_number] = [row[first_column] for row in rows if row.get(first_column)]
    return lambda agent_number: found.get(agent_number, [])


@dataclass
class GenerateResult:
    reports: list[Path] = field(default_factory=list)  # every report of the roster, written or not
    invitations: list[Path] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)  # rows left out, to correct
    notices: list[RosterProblem] = field(default_factory=list)  # rows made, with something to know
    written: list[Path] = field(default_factory=list)  # new files
    updated: list[Path] = field(default_factory=list)  # rewritten: their line of the roster changed
    unchanged: list[Path] = field(default_factory=list)  # already there, the same: left as they are
    replaced: list[Path] = field(default_factory=list)  # where the previous versions were kept


def report_context(catalogue: Catalogue, campaign: str, row: RosterRow,
                   previous: list[str]) -> dict:
    """The docxtpl context of one report: ``f`` field values, ``t`` table rows."""
    values = {f.key: row.values.get(f.key, "") for f in catalogue.single_fields}
    values[cat.CAMPAIGN] = campaign
    values[cat.REPORT_ID] = report_id(campaign, row.values[cat.AGENT_NUMBER])
    tables = {}
    for table in catalogue.table_fields:
        blank = {c.key: "" for c in table.columns or []}
        rows = [dict(blank) for _ in range(table.blank_rows)]
        if table.key == cat.PREVIOUS_RESULTS and is_yes(str(row.values.get(cat.FIRST_REVIEW, ""))):
            rows = []  # a first review: no objective was set last year
        elif table.key == cat.PREVIOUS_RESULTS and previous:
            first = table.columns[0].key
            rows = [{**blank, first: text} for text in previous]
        tables[table.key] = rows
    boxes = {f.key: is_yes(str(row.values.get(f.key, ""))) for f in catalogue.single_fields
             if f.kind == "bool" and f.filled_by_generate}
    return {"f": values, "t": tables, "b": {k: "1" if v else "0" for k, v in boxes.items()},
            "x": {k: CHECKED_BOX if v else UNCHECKED_BOX for k, v in boxes.items()}}


def invitation_context(config: Config, row: RosterRow, invitation_date: dt.date) -> dict:
    values = {f.key: row.values.get(f.key, "") for f in config.catalogue.single_fields}
    return {
        "f": {**values, cat.CAMPAIGN: config.campaign.key},
        "c": {
            "employeur": config.hr.name,
            "date_convocation": long_date(invitation_date),
            "date_entretien": long_date(row.review_date) or row.values.get(cat.REVIEW_DATE, ""),
            "heure": row.invitation.get("heure", "") or "à convenir",
            "lieu": row.invitation.get("lieu", "") or "à préciser par votre évaluateur",
            "civilite": row.invitation.get("civilite", "") or "Madame, Monsieur",
        },
    }


def ensure_templates(config: Config) -> None:
    """Build the templates when a new workspace has none; refuse a stale one
    (every report made from a template of another form version would be rejected)."""
    folder = config.templates
    if not any((folder / name).exists() for name in TEMPLATE_NAMES):
        build_all(config.catalogue, folder)
        return
    check_templates(folder, config.catalogue, TEMPLATE_NAMES, rebuild_hint=templates_command(config))


def _review_date_notes(row: RosterRow, config: Config, invitation_date: dt.date,
                       rules: DelayRules) -> tuple[str | None, str | None]:
    """(why the row is left out, what to know about it) for the review date of a roster row."""
    review = row.review_date
    if review is None:
        return None, ("pas encore de date d'entretien : le compte rendu est produit, la convocation le "
                      f"sera quand la date sera dans la liste (relancez alors «\u202f{command_line(GENERATE)}\u202f»).")
    if review < invitation_date:
        return (f"l'entretien du {format_date(review)} a lieu avant la convocation du "
                f"{format_date(invitation_date)} ; corrigez l'une des deux dates. La ligne est ignorée."), None
    calendar, minimum = config.delays.holiday_calendar, rules.invitation_min_days
    if review < add_days(invitation_date, minimum, working_days=rules.counting == WORKING_DAYS, calendar=calendar):
        return (f"l'entretien du {format_date(review)} a lieu moins de {minimum} jours après la convocation "
                f"du {format_date(invitation_date)} ; choisissez une date plus tardive. La ligne est ignorée."), None
    notes = []
    if review > config.campaign.review_deadline:
        notes.append(f"après la date limite des entretiens ({format_date(config.campaign.review_deadline)})")
    if review.weekday() >= 5:
        notes.append(f"un {long_date(review).split()[0]}")
    elif not is_working_day(review, calendar):
        notes.append("un jour férié")
    if notes:
        return None, (f"l'entretien du {format_date(review)} est prévu " + " et ".join(notes)
                      + " : vérifiez la date. Les documents sont produits.")
    return None, None


def _invited_on(report: Path, config: Config) -> dt.date | None:
    """The invitation date an earlier generation gave a row without one (the day it ran): kept, so
    that running ``generate`` again another day leaves that row's documents unchanged."""
    if not os.path.lexists(report):
        return None
    from .read import read_report

    try:
        value = read_report(report, config.form).values.get(cat.INVITATION_DATE)
        return parse_date(value) if isinstance(value, str) and value else None
    except (EntretiensError, OSError):
        return None


def _write(template: Path, context: dict, target: Path, result: GenerateResult, *, rewrite: bool,
           identifier: str | None = None, page_code: str | None = None) -> Path:
    """Write one document unless the same one is already there (its fingerprint); a changed
    one replaces it, the previous version kept in «\u202fversions précédentes\u202f»."""
    if os.path.lexists(target):
        if not rewrite and rendered_fingerprint(target) == fingerprint(template, context):
            result.unchanged.append(target)
            return target
        kept = unique_path(target.parent / PREVIOUS_VERSIONS / target.name)
        move_no_clobber(target, kept)
        result.replaced.append(kept)
        result.updated.append(render(template, context, target, identifier=identifier, page_code=page_code))
        return target
    result.written.append(render(template, context, target, identifier=identifier, page_code=page_code))
    return target


def generate(config: Config, roster_path: Path | None = None, *,
             today: dt.date | None = None,
             previous_objectives: PreviousObjectives | None = None,
             progress: Callable[[int, int], None] | None = None,
             rewrite_all: bool = False) -> GenerateResult:
    """Write one pre-filled report and one invitation per valid roster row: only what is new
    or changed (a document already there with the same content is left as it is; a changed
    one is rewritten, its previous version kept in ``a_envoyer/versions précédentes/``);
    ``rewrite_all`` rewrites every one. A row without a review date gets its report and no
    invitation yet; a review after the campaign deadline, on a weekend or a public holiday
    is made and noted."""
    roster_path = roster_path or config.roster_path
    if roster_path is None:
        raise RosterError("Aucune liste des agents : indiquez --roster ou liste_agents dans config.yaml.")
    roster: Roster = load_roster(Path(roster_path), config.catalogue)
    ensure_templates(config)
    today = today or dt.date.today()
    if previous_objectives is None:
        previous_objectives = objectives_from_journal(config)
    rules = config.delay_rules()  # once, not per roster row
    out = config.outbox / TO_SEND
    make_dirs(out)
    result = GenerateResult(problems=list(roster.problems))
    campaign = config.campaign.key
    for done, row in enumerate(roster.rows, 1):
        stem = agent_file_stem(campaign, row.values[cat.AGENT_NUMBER], row.values.get(cat.LAST_NAME, ""),
                               row.values.get(cat.FIRST_NAME, ""))
        invitation_date = row.invitation_date or _invited_on(out / f"{stem}{REPORT_SUFFIX}", config) or today
        left_out, notice = _review_date_notes(row, config, invitation_date, rules)
        if left_out:
            result.problems.append(RosterProblem(row.line, f"{row.person} : {left_out}"))
            continue
        if notice:
            result.notices.append(RosterProblem(row.line, f"{row.person} : {notice}"))
        if row.review_date is not None and not row.values.get(cat.INVITATION_DATE):
            row.values[cat.INVITATION_DATE] = format_date(invitation_date)
        context = report_context(config.catalogue, campaign, row,
                                 previous_objectives(row.values[cat.AGENT_NUMBER]))
        code = page_code(config.catalogue.version(), campaign, row.values[cat.AGENT_NUMBER])
        result.reports.append(_write(config.templates / REPORT_TEMPLATE, context, out / f"{stem}{REPORT_SUFFIX}",
                                     result, rewrite=rewrite_all, identifier=context["f"][cat.REPORT_ID],
                                     page_code=code))
        if row.review_date is not None:
            result.invitations.append(_write(
                config.templates / INVITATION_TEMPLATE, invitation_context(config, row, invitation_date),
                out / f"{stem}{INVITATION_SUFFIX}", result, rewrite=rewrite_all))
        if progress:
            progress(done, len(roster.rows))
    result.problems.sort(key=lambda p: p.line)
    return result
