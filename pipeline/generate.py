"""``generate``: one pre-filled report and one invitation per agent of the roster.

Rendering goes through docxtpl with autoescape and StrictUndefined (see
NOTES.md): ``<`` and ``&`` in names survive, and a template variable that the
context does not provide is an error instead of silent empty text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from docx import Document
from docxtpl import DocxTemplate

from . import catalogue as cat
from .catalogue import Catalogue
from .config import Config
from .dates import PRESETS, add_days, format_date
from .errors import EntretiensError, RosterError
from .files import make_dirs, unique_path, write_private
from .roster import Roster, RosterProblem, RosterRow, load_roster
from .template_build import INVITATION_TEMPLATE, REPORT_TEMPLATE, build_all

OUTPUT_FOLDER = "a_envoyer"
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]

# Hook for carrying last year's "objectives for next year" into this year's
# "last year's objectives": agent number -> list of objective texts.
PreviousObjectives = Callable[[str], list[str]]


def no_previous_objectives(agent_number: str) -> list[str]:
    return []


def objectives_from_journal(config: Config) -> PreviousObjectives:
    """Last campaign's accepted "objectives for next year", per agent, from the journal."""
    from .journal import JOURNAL_NAME, Journal

    if not (config.state_dir / JOURNAL_NAME).exists() or not config.campaign.key.isdigit():
        return no_previous_objectives
    previous_campaign = str(int(config.campaign.key) - 1)
    first_column = (config.catalogue.field(cat.NEXT_OBJECTIVES).columns or [])[0].key
    found: dict[str, list[str]] = {}
    with Journal(config.state_dir) as journal:
        for report in journal.current_reports(previous_campaign):
            rows = ((report.file.content or {}).get("tableaux") or {}).get(cat.NEXT_OBJECTIVES) or []
            found[report.agent_number] = [row[first_column] for row in rows if row.get(first_column)]
    return lambda agent_number: found.get(agent_number, [])


@dataclass
class GenerateResult:
    reports: list[Path] = field(default_factory=list)
    invitations: list[Path] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)


def long_date(day: dt.date | None) -> str:
    """``jeudi 3 décembre 2026``."""
    if day is None:
        return ""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def report_id(campaign: str, agent_number: str) -> str:
    return f"{campaign}-{agent_number}"


def safe_filename(text: str) -> str:
    """Keep accents and apostrophes; drop what Windows shares refuse in a name."""
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", text)
    return " ".join(cleaned.split()).strip(" .") or "sans_nom"


def agent_file_stem(campaign: str, values: dict[str, str]) -> str:
    return safe_filename(
        f"{campaign}_{values.get(cat.AGENT_NUMBER, '')}_{values.get(cat.LAST_NAME, '').upper()}"
        f"_{values.get(cat.FIRST_NAME, '')}"
    )


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
        if table.key == cat.PREVIOUS_RESULTS and previous:
            first = table.columns[0].key
            rows = [{**blank, first: text} for text in previous]
        tables[table.key] = rows
    return {"f": values, "t": tables}


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


def _jinja_env() -> jinja2.Environment:
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


def render(template: Path, context: dict, destination: Path, *,
           identifier: str | None = None, overwrite: bool = False) -> Path:
    """Render a docxtpl template to a new file: never over an existing one,
    unless ``overwrite`` (a file of ours, planned by the journal)."""
    doc = DocxTemplate(str(template))
    doc.render(context, _jinja_env(), autoescape=True)
    props = doc.docx.core_properties
    props.created = props.modified = dt.datetime.now().replace(microsecond=0)
    props.comments = ""  # python-docx's default template says "generated by python-docx"
    if identifier:
        props.identifier = identifier
    target = destination if overwrite else unique_path(destination)
    write_private(target, lambda tmp: doc.save(str(tmp)))
    return target


def ensure_templates(config: Config) -> None:
    """Build the templates when they are missing (a new workspace); refuse a report
    template made for another catalogue: every report made from it would be rejected."""
    folder = config.templates
    template = folder / REPORT_TEMPLATE
    if not template.exists():
        build_all(config.catalogue, folder)
        return
    made_for = Document(str(template)).core_properties.version
    if made_for != config.catalogue.version():
        raise EntretiensError(
            f"Le modèle {template} a été construit pour une autre version du formulaire "
            f"({made_for or 'inconnue'}) que celle du catalogue actuel ({config.catalogue.version()}). "
            "Reconstruisez les modèles avec : python -m pipeline.template_build"
            + (f" --config {config.base_dir / 'config.yaml'}" if (config.base_dir / "config.yaml").exists() else "")
            + " , puis relancez la génération.", code="modele_perime")


def generate(config: Config, roster_path: Path | None = None, *,
             today: dt.date | None = None,
             previous_objectives: PreviousObjectives | None = None,
             progress: Callable[[int, int], None] | None = None) -> GenerateResult:
    """Write one pre-filled report and one invitation per valid roster row."""
    roster_path = roster_path or config.roster_path
    if roster_path is None:
        raise RosterError("Aucune liste des agents : indiquez --roster ou liste_agents dans config.yaml.")
    roster: Roster = load_roster(Path(roster_path), config.catalogue)
    ensure_templates(config)
    today = today or dt.date.today()
    if previous_objectives is None:
        previous_objectives = objectives_from_journal(config)
    minimum = PRESETS[config.public_service].invitation_min_days
    if config.delays.invitation_min_days is not None:
        minimum = config.delays.invitation_min_days
    out = config.outbox / OUTPUT_FOLDER
    make_dirs(out)
    result = GenerateResult(problems=list(roster.problems))
    campaign = config.campaign.key
    for done, row in enumerate(roster.rows, 1):
        invitation_date = row.invitation_date or today
        if row.review_date and row.review_date < add_days(invitation_date, minimum,
                                                          working_days=config.delays.working_days):
            result.problems.append(RosterProblem(
                row.line,
                f"l'entretien du {format_date(row.review_date)} a lieu moins de {minimum} jours "
                f"après la convocation du {format_date(invitation_date)} ; choisissez une date "
                "plus tardive. La ligne est ignorée."))
            continue
        row.values.setdefault(cat.INVITATION_DATE, "")
        if not row.values[cat.INVITATION_DATE]:
            row.values[cat.INVITATION_DATE] = format_date(invitation_date)
        stem = agent_file_stem(campaign, row.values)
        context = report_context(config.catalogue, campaign, row,
                                 previous_objectives(row.values[cat.AGENT_NUMBER]))
        result.reports.append(render(
            config.templates / REPORT_TEMPLATE, context, out / f"{stem} - compte rendu.docx",
            identifier=context["f"][cat.REPORT_ID]))
        result.invitations.append(render(
            config.templates / INVITATION_TEMPLATE, invitation_context(config, row, invitation_date),
            out / f"{stem} - convocation.docx"))
        if progress:
            progress(done, len(roster.rows))
    result.problems.sort(key=lambda p: p.line)
    return result
