"""``generate``: one pre-filled report and one invitation per agent of the roster,
rendered by :mod:`pipeline.render` from the templates :mod:`pipeline.template_build`
makes (built here when a new workspace has none yet); with an employer's own form
(``formulaire``), each report is the employer's file with the values at their mapped places
(:mod:`pipeline.employer_template`), in its format.

A row is judged only by dates the user wrote: its review date against its invitation date
from the roster. Without one, nothing is checked against the day ``generer`` runs: the
invitation letter is dated that day (the date of a letter; an earlier letter keeps its own),
the report's « Date de la convocation » is left for the evaluator, and one notice for the
whole roster says that the minimum delay could not be checked."""

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
from . import ooxml
from .dates import add_days, is_working_day
from .deadlines import WORKING_DAYS, DelayRules
from .files import make_dirs, move_no_clobber, unique_path
from .naming import (INVITATION_SUFFIX, INVITATION_TEMPLATE, PREVIOUS_VERSIONS, REPORT_SUFFIX, REPORT_TEMPLATE,
                     TEMPLATE_NAMES, TO_SEND, agent_file_stem, report_id)
from .dates import parse_date
from .outcomes import EntretiensError, RosterError, UnreadableDate
from .generate_pool import EMPLOYER_FORM, OUR_TEMPLATE, DocumentWriter, Job, Makers, worker_count
from .render import check_templates, rendered_fingerprint, templates_command
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
    # Rows made, with something to know; first, those about the whole roster (``line`` None).
    notices: list[RosterProblem] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)  # new files
    updated: list[Path] = field(default_factory=list)  # rewritten: their line of the roster changed
    unchanged: list[Path] = field(default_factory=list)  # already there, the same: left as they are
    replaced: list[Path] = field(default_factory=list)  # where the previous versions were kept
    # Agents below the minimum time in post (pipeline.reviewed): no documents, each with its reason.
    not_reviewed: list[RosterProblem] = field(default_factory=list)
    # Agent number -> (report, invitation letter or None without a review date): what ``convoquer`` attaches.
    documents: dict[str, tuple[Path, Path | None]] = field(default_factory=dict)


def report_context(catalogue: Catalogue, campaign: str, row: RosterRow,
                   previous: list[str]) -> dict:
    """The docxtpl context of one report: ``f`` field values, ``t`` table rows."""
    values = {f.key: row.values.get(f.key, "") for f in catalogue.single_fields}
    for f in catalogue.single_fields:  # a date as the form prints one (« 16/12/2026 »), however the roster wrote it
        if f.kind == "date" and values[f.key]:
            try:
                day = parse_date(str(values[f.key]))
            except UnreadableDate:
                continue
            values[f.key] = format_date(day) if day else values[f.key]
    if cat.EVALUATOR in values:  # «\u202fCéline Roux, par délégation de Benoît Girard\u202f» with a delegate
        values[cat.EVALUATOR] = row.evaluator_on_form
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
    from .civility import EVALUATOR_CIVILITY, Addressee, civility_of

    values = {f.key: row.values.get(f.key, "") for f in config.catalogue.single_fields}
    # Addressed as the roster's «\u202fcivilité\u202f» columns (or a title before the evaluator's name) say,
    # in neutral words when they do not.
    agent = Addressee(" ".join(filter(None, (values.get(cat.FIRST_NAME), values.get(cat.LAST_NAME)))),
                      civility_of(row.invitation.get("civilite")))
    evaluator = Addressee.of(values.get(cat.EVALUATOR), row.extra.get(EVALUATOR_CIVILITY))
    superior = evaluator.word("votre supérieur hiérarchique direct", "votre supérieure hiérarchique directe",
                              "votre responsable hiérarchique")
    return {
        "f": {**values, cat.CAMPAIGN: config.campaign.key},
        "c": {
            "employeur": config.hr.name,
            "destinataire": agent.formally,  # «\u202fMadame Élodie Martin\u202f»
            "date_convocation": long_date(invitation_date),
            "date_entretien": long_date(row.review_date) or row.values.get(cat.REVIEW_DATE, ""),
            "heure": row.invitation.get("heure", "") or "à convenir",
            "lieu": row.invitation.get("lieu", "") or f"à préciser par {superior}",
            "civilite": agent.salutation,  # «\u202fMadame\u202f», «\u202fMonsieur\u202f», «\u202fMadame, Monsieur\u202f»
            # «\u202fvotre supérieure hiérarchique directe, Mme Céline Roux\u202f», «\u202fCéline Roux, votre responsable
            # hiérarchique\u202f»
            "evaluateur": (f"{superior}, {evaluator.titled}" if evaluator.civility
                           else ", ".join(filter(None, (evaluator.name, superior)))),
            "signature": config.hr.name,  # service_rh.nom: who signs the letter
        },
    }


def ensure_templates(config: Config) -> None:
    """Build the templates when a new workspace has none; refuse a stale one
    (every report made from a template of another form version would be rejected). With an
    employer's form (``formulaire``), the report's template is the one made from its file."""
    folder = config.templates
    names = TEMPLATE_NAMES
    if config.employer_mapping is not None:
        from .employer_template import template_name

        names = (template_name(config), *(name for name in TEMPLATE_NAMES if name != REPORT_TEMPLATE))
    if not any((folder / name).exists() for name in names):
        build_all(config.catalogue, folder, config=config)
        return
    check_templates(folder, config.catalogue, TEMPLATE_NAMES, rebuild_hint=templates_command(config), config=config)


def _review_date_notes(row: RosterRow, config: Config, rules: DelayRules) -> tuple[str | None, str | None]:
    """(why the row is left out, what to know about it) for the review date of a roster row,
    judged against the roster's own invitation date only, never against a date the user did
    not write (the day ``generer`` runs)."""
    review, invitation = row.review_date, row.invitation_date
    if review is None:
        return None, ("pas encore de date d'entretien : le compte rendu est produit, la convocation le "
                      f"sera quand la date sera dans la liste (relancez alors «\u202f{command_line(GENERATE)}\u202f»).")
    calendar, minimum = config.delays.holiday_calendar, rules.invitation_min_days
    if invitation is not None and review < invitation:
        return (f"l'entretien du {format_date(review)} a lieu avant la convocation du "
                f"{format_date(invitation)} ; corrigez l'une des deux dates. La ligne est ignorée."), None
    if invitation is not None and review < add_days(invitation, minimum, working_days=rules.counting == WORKING_DAYS,
                                                    calendar=calendar):
        return (f"l'entretien du {format_date(review)} a lieu moins de {minimum} jours après la convocation "
                f"du {format_date(invitation)} ; choisissez une date plus tardive. La ligne est ignorée."), None
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


def row_left_out(row: RosterRow, config: Config) -> str | None:
    """Why ``generate`` leaves this row out for its own dates (an interview before its invitation,
    or too soon after it), ``None`` when it makes its documents."""
    return _review_date_notes(row, config, config.delay_rules())[0]


def _letter_date(letter: Path) -> dt.date | None:
    """The date an invitation letter made by an earlier run carries («\u202fLe mercredi 2 décembre
    2026\u202f»): kept, so that running ``generer`` again another day leaves the letter unchanged."""
    if not os.path.lexists(letter):
        return None
    from .preflight import open_package

    try:
        with open_package(letter) as package:
            root = ooxml.parse_xml(package.read_part(package.main_part))
    except (EntretiensError, OSError, KeyError, ValueError, SyntaxError):
        return None
    for paragraph in ooxml.iter_paragraphs(ooxml.body(root)):
        text = ooxml.paragraph_text(paragraph).strip()
        if text.startswith("Le "):
            try:
                return parse_date(text)
            except UnreadableDate:
                continue
    return None


def _undated_notice(undated: list[tuple[RosterRow, dt.date]], config: Config, rules: DelayRules,
                    today: dt.date) -> RosterProblem:
    """The one notice, for the whole roster, about the invitations the roster gives no date for:
    the minimum delay could not be checked; what their letters and reports carry instead."""
    minimum, count = rules.invitation_min_days, len(undated)
    many = count > 1
    agents = f"{count} agent{'s' * many}"
    if any(cat.INVITATION_DATE in row.values for row, _ in undated):
        missing = f"ne donne pas de date de convocation pour {agents} dont l'entretien est daté"
    else:
        missing = f"n'a pas de colonne «\u202fdate de convocation\u202f» ({agents} dont l'entretien est daté)"
    days = {dated for _, dated in undated}
    if len(days) == 1:
        produced = "elles ont été produites" if many else "elle a été produite"
        dated = f"la date du {format_date(days.pop())}, jour où {produced}"
    else:
        dated = "chacune la date du jour où elle a été produite"
    soon = add_days(today, minimum, working_days=rules.counting == WORKING_DAYS,
                    calendar=config.delays.holiday_calendar)
    close = sum(row.review_date < soon for row, _ in undated)
    within = f"l'entretien a lieu dans moins de {minimum} jours, ou a déjà eu lieu : vérifiez que"
    if not close:
        hurry = ""
    elif not many:
        hurry = f"{within[0].upper()}{within[1:]} la convocation parvient à temps. "
    elif close == 1:
        hurry = f"Pour l'un d'eux, {within} sa convocation lui parvient à temps. "
    else:
        hurry = f"Pour {close} d'entre eux, {within} leur convocation leur parvient à temps. "
    return RosterProblem(None, (
        f"la liste des agents {missing} : le délai d'au moins {minimum} jours entre la convocation et l'entretien "
        "n'a donc pas été vérifié, et les documents sont produits. "
        + (f"Leurs convocations portent {dated} ; la «\u202fDate de la convocation\u202f» de leurs comptes rendus"
           if many else f"Sa convocation porte {dated} ; la «\u202fDate de la convocation\u202f» de son compte rendu")
        + " est laissée à remplir par l'évaluateur. " + hurry
        + f"Envoyez chaque convocation au moins {minimum} jours avant l'entretien, ou indiquez sa date dans la "
        f"colonne «\u202fdate de convocation\u202f» de la liste et relancez «\u202f{command_line(GENERATE)}\u202f»."))


@dataclass
class _Rendered:
    """Documents made from one of our templates, as docxtpl renders them (:mod:`pipeline.render`,
    made faster by :mod:`pipeline.shape_fill`)."""

    makers: Makers
    template: Path
    identifier: str | None = None
    page_code: str | None = None

    def fingerprint(self, context: dict) -> str:
        return self.makers.fill(self.template).fingerprint(context)

    def rendered(self, path: Path) -> str | None:
        return rendered_fingerprint(path)

    def job(self, context: dict, target: Path) -> Job:
        return Job(OUR_TEMPLATE, context, target, self.template, self.identifier, self.page_code)


@dataclass
class _EmployerForm:
    """The report made from an employer's form (:class:`pipeline.employer_template.EmployerTemplate`)."""

    employer: object

    def fingerprint(self, context: dict) -> str:
        return self.employer.fingerprint(context)

    def rendered(self, path: Path) -> str | None:
        return self.employer.rendered(path)

    def job(self, context: dict, target: Path) -> Job:
        return Job(EMPLOYER_FORM, context, target)


def _write(maker, context: dict, target: Path, result: GenerateResult, writer: DocumentWriter, *,
           rewrite: bool) -> Path:
    """Write one document unless the same one is already there (its fingerprint); a changed
    one replaces it, the previous version kept in «\u202fversions précédentes\u202f»."""
    if os.path.lexists(target):
        if not rewrite and maker.rendered(target) == maker.fingerprint(context):
            result.unchanged.append(target)
            return target
        kept = unique_path(target.parent / PREVIOUS_VERSIONS / target.name)
        move_no_clobber(target, kept)
        result.replaced.append(kept)
        writer.write(maker.job(context, target), result.updated)
        return target
    writer.write(maker.job(context, target), result.written)
    return target


def generate(config: Config, roster_path: Path | None = None, *,
             today: dt.date | None = None,
             previous_objectives: PreviousObjectives | None = None,
             progress: Callable[[int, int], None] | None = None,
             rewrite_all: bool = False, workers: int | None = None) -> GenerateResult:
    """Write one pre-filled report and one invitation per valid roster row: only what is new
    or changed (a document already there with the same content is left as it is; a changed
    one is rewritten, its previous version kept in ``a_envoyer/versions précédentes/``);
    ``rewrite_all`` rewrites every one. A row without a review date gets its report and no
    invitation yet; a review after the campaign deadline, on a weekend or a public holiday
    is made and noted. A row is left out only for its own dates (a review before its
    invitation, or too soon after it): without an invitation date in the roster, the letter
    is dated ``today`` (or keeps the date an earlier run gave it), nothing is judged by that
    date, and one notice about the whole roster (``line`` None, first) says so.

    A long roster's documents are made and written by worker processes
    (:mod:`pipeline.generate_pool`): ``workers`` of them (0: none; by default one per processor,
    at most 4, from :data:`~pipeline.generate_pool.FROM_ROWS` rows); the result is the same."""
    roster_path = roster_path or config.roster_path
    if roster_path is None:
        raise RosterError("Aucune liste des agents : indiquez --liste ou liste_agents dans config.yaml.")
    roster: Roster = load_roster(Path(roster_path), config.catalogue)
    ensure_templates(config)
    employer = None
    if config.employer_mapping is not None:  # the employer's own form, loaded once (pipeline/employer_template.py)
        from .employer_template import EmployerTemplate, report_suffix

        employer = EmployerTemplate.load(config, rebuild_hint=templates_command(config))
    suffix = report_suffix(config, REPORT_SUFFIX) if employer is not None else REPORT_SUFFIX
    today = today or dt.date.today()
    if previous_objectives is None:
        previous_objectives = objectives_from_journal(config)
    rules = config.delay_rules()  # once, not per roster row
    out = config.outbox / TO_SEND
    make_dirs(out)
    from .reviewed import who_is_reviewed

    selection = who_is_reviewed(config, roster.rows)  # below the minimum time in post: no documents
    result = GenerateResult(problems=list(roster.problems), notices=[*roster.notices, *selection.notices],
                            not_reviewed=selection.not_reviewed)
    campaign = config.campaign.key
    undated: list[tuple[RosterRow, dt.date]] = []  # invitations the roster gives no date for
    makers = Makers(config, employer)
    employer_form = _EmployerForm(employer) if employer is not None else None
    total = len(selection.reviewed)
    with DocumentWriter(makers, worker_count(total, workers)) as writer:
        for done, row in enumerate(selection.reviewed, 1):
            stem = agent_file_stem(campaign, row.values[cat.AGENT_NUMBER], row.values.get(cat.LAST_NAME, ""),
                                   row.values.get(cat.FIRST_NAME, ""))
            left_out, notice = _review_date_notes(row, config, rules)
            if left_out:
                result.problems.append(RosterProblem(row.line, f"{row.person} : {left_out}"))
                continue
            if notice:
                result.notices.append(RosterProblem(row.line, f"{row.person} : {notice}"))
            context = report_context(config.catalogue, campaign, row,
                                     previous_objectives(row.values[cat.AGENT_NUMBER]))
            maker = employer_form or _Rendered(makers, config.templates / REPORT_TEMPLATE, context["f"][cat.REPORT_ID],
                                               page_code(config.catalogue.version(), campaign,
                                                         row.values[cat.AGENT_NUMBER]))
            result.reports.append(_write(maker, context, out / f"{stem}{suffix}", result, writer,
                                         rewrite=rewrite_all))
            letter = None
            if row.review_date is not None:
                letter = out / f"{stem}{INVITATION_SUFFIX}"
                dated = row.invitation_date or _letter_date(letter) or today
                if row.invitation_date is None:
                    undated.append((row, dated))
                result.invitations.append(_write(_Rendered(makers, config.templates / INVITATION_TEMPLATE),
                                                 invitation_context(config, row, dated), letter, result, writer,
                                                 rewrite=rewrite_all))
            result.documents[row.values[cat.AGENT_NUMBER]] = (result.reports[-1], letter)
            if progress:
                writer.then(lambda done=done: progress(done, total))
        writer.finish()
    if undated:
        result.notices.append(_undated_notice(undated, config, rules, today))
    result.problems.sort(key=lambda p: p.line)
    result.notices.sort(key=lambda p: (p.line is not None, p.line or 0))
    return result
