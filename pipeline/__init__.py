"""entretiens as a library: what the ``entretiens`` command does, as functions.

::

    import pipeline

    config = pipeline.load_config("/srv/entretiens/config.yaml")
    result = pipeline.process_inbox(config)
    for handled in result.handled:
        print(handled.received_name, handled.outcome, handled.destination)

Every function takes the loaded :class:`Config` first; its options are keyword-only.
A problem with the run itself raises an :class:`EntretiensError` (``message``: the French
sentence the command prints; ``code``: a stable snake_case code); a rejected or unreadable
report is an outcome, never an exception. File system errors propagate as ``OSError``.

``import pipeline`` is cheap, no third-party module: each function imports what it needs
when first called (pydantic and PyYAML for the configuration; lxml, python-docx, pandas for
the roster; XlsxWriter and rapidfuzz only for the workbooks), and the types and exceptions
below are loaded on first use (PEP 562).
"""

from __future__ import annotations

import importlib
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING, read by type checkers by its name: typing itself is not loaded
if TYPE_CHECKING:
    import datetime as dt
    import threading
    from collections.abc import Callable, Iterable

    from .config import Config, Watch
    from .examine import Examination
    from .generate import GenerateResult
    from .outcomes import (AlreadyRunning, ConfigError, EntretiensError, OutboxInsideInbox, Outcome, RosterError,
                           TemplateError, UnreadableReport)
    from .process import HandledFile, PassResult
    from .status import Status
    from .consolidated import ConsolidatedStatus
    from .employers import EmployersPass
    from .campaign import CampaignView
    from .watch.lock import WatcherState
    from .mail import MailRun
    from .mail.reminders import ReminderRun
    from .mail.announcement import AnnouncementRun
    from .mail.invitations import InvitationRun
    from .archive import ArchiveResult
    from .catalogue import Catalogue
    from .employer_import import FormNotImportable, ImportResult

__all__ = [
    # functions
    "load_config", "process_inbox", "reexamine_files", "check_files", "generate_documents", "rebuild_workbooks",
    "campaign_view", "campaign_status", "consolidated_status", "watcher_state", "build_templates", "run_service", "send_reminders",
    "deliver_messages", "archive_campaign", "import_form", "announce_campaign", "send_invitations",
    # what they return or take
    "Config", "Watch", "PassResult", "HandledFile", "Outcome", "Examination", "GenerateResult", "Status",
    "CampaignView", "WatcherState", "ReminderRun", "MailRun", "ArchiveResult", "ImportResult", "AnnouncementRun",
    "InvitationRun", "ConsolidatedStatus", "EmployersPass",
    # exceptions
    "EntretiensError", "ConfigError", "OutboxInsideInbox", "RosterError", "TemplateError", "AlreadyRunning",
    "UnreadableReport", "NotReexaminable", "FormNotImportable",
]


def load_config(path: str | Path | None = None, *, read_forms: bool = True) -> Config:
    """Load and validate config.yaml; relative paths in it start from its folder.

    With no ``path``, ``./config.yaml`` when it exists, otherwise the embedded defaults
    rooted in the current folder. Raises :class:`ConfigError` naming the key, the value
    and what is allowed (or the file that cannot be read). ``read_forms=False``: the employer's
    form mapping (``formulaire``) is left unread, as by the command that writes it."""
    from .config import load_config

    return load_config(path, read_forms=read_forms)


def process_inbox(config: Config, *, progress: Callable[[int, int], None] | None = None,
                  outputs: bool = True, received_on: dt.date | None = None,
                  employer: str | None = None) -> PassResult | EmployersPass:
    """One pass over the inbox, as ``entretiens traiter``: first finish what an interrupted run
    left, then take every file in the inbox to exactly one place (a stage folder, ``rejets``
    with its note, ``doublons``), then rebuild the workbooks once (unless ``outputs=False``).

    Returns a :class:`PassResult`: ``handled``, one :class:`HandledFile` per file
    (``received_name``, ``outcome``, ``destination``, ``reason_code``, ``stage``, ``report_id``),
    and ``workbooks``, the paths written. ``progress(done, total)`` is called after each file.
    A date in a report later than the day it was received (the pass's day, or ``received_on``
    when given) rejects it as a typo (``date_posterieure_reception``).
    Takes the workspace lock for the pass: raises :class:`AlreadyRunning` while the watcher
    or another pass works on this workspace; :class:`TemplateError` when the rejection note's
    template is missing or stale; :class:`RosterError` when the configured roster cannot be read.

    With several employers (``employeurs``): the files of the shared inbox routed to their
    employer, then one pass per employer with work (or the one ``employer`` names), then the
    consolidated workbook; returns an :class:`EmployersPass` (``routing``, ``passes``: each
    employer's view and :class:`PassResult`). ``employer`` for a workspace without employers
    raises :class:`ConfigError`."""
    from .process import process_inbox
    from .watch.lock import acquire_lock

    if employer is not None and not config.employers:
        from .employers import views_of

        views_of(config, employer)  # raises: the option needs employers
    lock = acquire_lock(config.state_dir, command="process")
    try:
        if config.employers:  # several employers: routed, then one pass each (pipeline/employers.py)
            from .employers import process_employers

            return process_employers(config, progress=progress, outputs=outputs, received_on=received_on,
                                     employer=employer)
        return process_inbox(config, progress=progress, outputs=outputs, received_on=received_on)
    finally:
        lock.release()


def reexamine_files(config: Config, paths: Iterable[str | Path], *, outputs: bool = True,
                    received_on: dt.date | None = None) -> PassResult:
    """Examine again, with the current configuration, files turned away that sit in ``rejets``
    (``entretiens reexaminer``): after the roster gained an agent, say, or the campaign year was
    corrected. Each file's old note goes to the history, the file goes where its new outcome
    sends it (a stage folder, or ``rejets`` with a new note), and the journal records a new
    examination of the same received file; nothing is deleted. Returns a :class:`PassResult`.
    A path that is not a turned-away file of the journal (a rejection note beside its file, a file
    not found) is skipped, its French reason in ``PassResult.skipped``; raises
    :class:`NotReexaminable` (nothing moves) when no path is one; takes the workspace lock like :func:`process_inbox` (``received_on`` as there)."""
    from .process import reexamine_files
    from .watch.lock import acquire_lock

    lock = acquire_lock(config.state_dir, command="process")
    try:
        return reexamine_files(config, [Path(p) for p in paths], outputs=outputs, received_on=received_on)
    finally:
        lock.release()


def check_files(config: Config, paths: Iterable[str | Path]) -> list[Examination]:
    """Read and validate files as a pass would, without moving or writing anything
    (``entretiens verifier``). One :class:`Examination` per path, in order: ``report`` (what was
    read), ``validation`` (``stage``, ``findings``, ``accepted``), or ``error`` (an
    :class:`UnreadableReport` with its ``code`` and French ``message``) when the file cannot be
    read as a report; ``as_json()`` gives the README's JSON shape. Raises :class:`RosterError`
    when the configured roster cannot be read (unknown agents are judged against it)."""
    from .examine import examine, known_agents

    agents = known_agents(config)
    return [examine(Path(path), config, agents=agents) for path in paths]


def generate_documents(config: Config, *, roster: str | Path | None = None, today: dt.date | None = None,
                       progress: Callable[[int, int], None] | None = None,
                       rewrite_all: bool = False) -> GenerateResult:
    """One pre-filled report and one invitation per agent of the roster (``roster``, else the
    config's ``liste_agents``), written to ``outbox/a_envoyer/`` (``entretiens generer``).

    Returns a :class:`GenerateResult`: ``reports`` and ``invitations`` (the documents of the
    roster), ``written``, ``updated`` and ``unchanged`` (only what is new or changed is written;
    ``rewrite_all`` rewrites everything), ``problems`` (roster rows left out, each with its
    ``line`` and French ``message``) and ``notices`` (rows made, with something to know).
    Builds the templates when they are missing. Raises :class:`RosterError` when there is no
    roster or it cannot be read as a whole, :class:`TemplateError` when a template is stale.
    (Not named ``generate``: that is the module ``pipeline.generate``.)"""
    from .generate import generate

    return generate(config, Path(roster) if roster is not None else None, today=today, progress=progress,
                    rewrite_all=rewrite_all)


def rebuild_workbooks(config: Config, *, today: dt.date | None = None) -> list[Path]:
    """Rebuild the training plan (``outbox/plan_de_formation.xlsx`` and ``.csv``) and the campaign
    tracking (``outbox/suivi_campagne.xlsx``) from the journal (``entretiens classeurs``); returns
    the paths written. A workbook open elsewhere is written beside it under a dated name.
    With several employers (``employeurs``): each one's, in its own outbox folder, then the
    consolidated ``outbox/suivi_employeurs.xlsx``. Imports pandas and XlsxWriter on first call."""
    from .workbooks import rebuild_workbooks

    if not config.employers:
        return rebuild_workbooks(config, today=today)
    from .consolidated import consolidated_outputs

    written = [path for view in config.employer_views() for path in rebuild_workbooks(view, today=today)]
    return written + consolidated_outputs(config, today=today)


def campaign_view(config: Config, *, today: dt.date | None = None) -> CampaignView:
    """Where each agent of the campaign stands on ``today`` (default: the machine's day), from the
    journal and the roster: what ``etat``, the tracking workbook and ``relancer`` display. A
    :class:`CampaignView` whose ``agents`` (the roster's in its order, then the others the journal
    knows) each have ``current`` (stage, file), ``dates``, ``deadlines`` (each with ``due``,
    ``done``, ``done_from``, ``state``, ``owner``, ``days_late``), ``rejection`` (a pending one,
    with the ``due`` date of its correction), ``chase`` (``reason``, ``whom``, ``due``,
    ``days_late``) and ``message`` (the last one sent). Raises :class:`RosterError` when the
    configured roster cannot be read."""
    from .campaign import load_campaign_view

    return load_campaign_view(config, today=today)


def campaign_status(config: Config, *, today: dt.date | None = None) -> Status:
    """Where the campaign stands, from the journal alone (``entretiens etat``): a :class:`Status`
    with ``per_stage`` (stage number -> reports), ``rejected``, ``late``, ``missing`` (roster agents
    without an accepted report), ``chased`` (whom to chase, why and by when, as the campaign view
    says), ``files_received``, ``duplicates``; ``as_json()`` for tools."""
    from .status import campaign_status

    return campaign_status(config, today=today)


def consolidated_status(config: Config, *, today: dt.date | None = None) -> ConsolidatedStatus:
    """``etat`` for a workspace that serves several employers (``employeurs``): each employer's
    :class:`Status` and figures (agents, per stage, without a report, rejections waiting, late, to
    chase), and their totals, which are the sums of the employers' own. For one employer, use
    :func:`campaign_status` on ``config.employer_view(code)``."""
    from .consolidated import consolidated_status

    return consolidated_status(config, today=today)


def watcher_state(config: Config) -> WatcherState:
    """Whether a watcher holds this workspace's lock now (``running``, ``pid``), or an ``entretiens traiter`` pass
    (``processing``), and the watcher's last health file (``health``); ``lines()`` in French."""
    from .watch.lock import watcher_state

    return watcher_state(config)


def build_templates(config: Config) -> list[Path]:
    """Rebuild the Word templates (report, invitation, rejection note) in the config's templates
    folder from its field catalogue (``entretiens modeles``); the report's from the employer's own
    file when ``formulaire`` names one (pipeline/employer_template.py); returns the paths written."""
    from .template_build import build_all

    return build_all(config.catalogue, config.templates, config=config)


def run_service(config: Config, *, settings: Watch | None = None, stop: threading.Event | None = None,
                on_outcome: Callable[[HandledFile], None] | None = None) -> int:
    """The watcher (``entretiens surveiller``): blocks until ``stop`` is set or SIGTERM/SIGINT arrives
    (signals only from the main thread), then finishes the current file, rebuilds the workbooks
    and returns 0. Returns 1, after logging the French reason on the ``entretiens`` logger, when
    it cannot start: another instance runs, an outbox or state dir inside the inbox, an unusable
    roster or state dir. ``settings`` replaces ``config.watch`` (section «\u202fsurveillance\u202f»; see
    :meth:`Watch.updated`); ``on_outcome(handled)`` is called after each file."""
    from .watch.service import run_service

    return run_service(config, settings=settings, stop=stop, on_outcome=on_outcome)


def send_reminders(config: Config, *, simulation: bool = False, today: dt.date | None = None) -> ReminderRun:
    """A reminder to each one a step waits for (``entretiens relancer``): the evaluator (or their
    delegate: no report once the interview date has passed, a rejection waiting for its correction,
    a step overdue), the agent (their observations, before the end of their delay), the authority
    (visas beyond their delay, one message), the evaluator's N+2 (a step still undone after a
    reminder), each agent with its due date; never twice to one address within
    ``courriel.relances_jours``; a reminder queued earlier whose step moved is cancelled. Returns a
    :class:`ReminderRun`: ``plan`` (``to_send``, ``too_soon``, ``no_address``, ``bad_address``: lists
    of reminders with ``party``, ``name``, ``address``, ``copy``, ``agents``), ``queued``
    (Message-IDs), ``cancelled`` and ``mail`` (the delivery, a :class:`MailRun`). ``simulation``:
    the plan only, nothing recorded nor sent. Raises
    :class:`ConfigError` when ``courriel.mode`` is ``aucun`` (unless ``simulation``), :class:`RosterError`
    when the roster cannot be read."""
    from .mail.reminders import send_reminders
    from .outcomes import ConfigError

    if config.mail.mode == "aucun" and not simulation:
        raise ConfigError("Les courriels sont désactivés (courriel.mode: aucun dans config.yaml) : aucune relance "
                          "n'est écrite. Choisissez mode: brouillon ou envoi, ou lancez avec --simulation.")
    return send_reminders(config, simulation=simulation, today=today)


def _mail_on(config: Config, simulation: bool, what: str) -> None:
    from .outcomes import ConfigError

    if config.mail.mode == "aucun" and not simulation:
        raise ConfigError(f"Les courriels sont désactivés (courriel.mode: aucun dans config.yaml) : {what}. Choisissez "
                          "mode: brouillon ou envoi, ou lancez avec --simulation.")


def announce_campaign(config: Config, *, simulation: bool = False, today: dt.date | None = None) -> AnnouncementRun:
    """The campaign's announcement (``entretiens annoncer``): one message to each agent reviewed with an
    address (roster «\u202fcourriel agent\u202f»), the documents of ``annonce.documents`` attached, its
    subject and text from ``annonce``; once per agent (a run after the roster gained agents writes to
    those alone). Returns an :class:`AnnouncementRun`: ``plan`` (``to_send`` and ``already``, each
    ``number``, ``who``, ``address``, ``state``; ``no_address``, ``bad_address``, ``not_reviewed``,
    ``notices``: lines with their French reasons), ``queued`` (Message-IDs), ``mail`` (the delivery).
    ``simulation``: the plan only, nothing recorded nor sent. Raises :class:`ConfigError` (mail off
    unless ``simulation``; the documents' folder missing or empty) and :class:`RosterError`."""
    from .mail.announcement import announce_campaign

    _mail_on(config, simulation, "aucune annonce n'est écrite")
    return announce_campaign(config, simulation=simulation, today=today)


def send_invitations(config: Config, *, simulation: bool = False, today: dt.date | None = None) -> InvitationRun:
    """Invitations to the review by mail (``entretiens convoquer``): to each agent reviewed, the evaluator in
    copy, the invitation letter, the pre-filled report and the job description (``convocation.fiches_de_poste``)
    attached, with a calendar invitation (Europe/Paris) at the roster's date, time and place; never fewer
    than ``delais.convocation_jours_avant`` days ahead; a changed date, time or place sends an update (same
    UID, higher SEQUENCE), a row gone from the roster a cancellation; a run sends only what changed. Makes
    the documents first (as ``generer``: only what changed). Returns an :class:`InvitationRun`: ``plan``
    (``to_send``: each ``who``, ``why``, ``interview``, ``state``; ``held``, ``notices``, ``not_reviewed``:
    lines with their French reasons; ``up_to_date``), ``queued``, ``mail``, ``generated``. ``simulation``:
    the plan only, nothing written nor sent. Raises :class:`ConfigError` (mail off unless ``simulation``;
    the job descriptions' folder missing), :class:`RosterError`, :class:`TemplateError`."""
    from .mail.invitations import send_invitations

    _mail_on(config, simulation, "aucune convocation n'est écrite")
    return send_invitations(config, simulation=simulation, today=today)


def deliver_messages(config: Config) -> MailRun:
    """Queue the rejection notes not sent yet and deliver every message due (``courriel.mode``:
    ``.eml`` drafts in ``outbox/courriels/`` or SMTP, failures tried again with backoff); what
    ``entretiens traiter`` does after its pass. Never raises for a mail problem (``MailRun.problems``)."""
    from .mail import dispatch

    return dispatch(config)


def archive_campaign(config: Config, *, renderer=None,
                     progress: Callable[[int, int], None] | None = None) -> ArchiveResult:
    """The campaign's archive, for the agents' administrative records (``entretiens archiver``):
    in ``dossiers.archives`` (default ``archives`` beside the outbox), ``<campagne>/`` holding
    one folder per agent, ``<matricule> <NOM Prénom>/``, with the final report (``.docx``), its
    PDF/A-2b rendering, the signed copies filed in ``outbox/exemplaires_signes/<campagne>/<matricule>/``,
    ``historique.csv`` (every version received, from the journal) and ``empreintes.sha256``; and
    ``index.csv`` (one line per agent of the roster and the journal: stage reached, signed copies,
    the PDF/A check, what is missing), the workbooks (``classeurs/``) and their checksums.

    Run again, it redoes only what changed (checksums compared with those the archive recorded;
    an unchanged report is never rendered again); it only reads the outbox. Returns an
    :class:`ArchiveResult`: ``agents`` (one line of the index each), ``written`` (files written
    by this run), ``rendered``, ``pdfa_available`` (False without LibreOffice: the archive is made
    without PDF/A, ``notices`` says so in French), ``office_starts``. ``renderer``: a
    :class:`pipeline.pdfa.OfficeServer` to use (and leave running); by default one is started
    for the run and stopped after it. ``progress(done, total)`` after each agent. Raises
    :class:`RosterError` when the configured roster cannot be read."""
    from .archive import archive_campaign

    return archive_campaign(config, renderer=renderer, progress=progress)


def import_form(path: str | Path, *, catalogue: Catalogue | None = None, output: str | Path | None = None,
                today: dt.date | None = None) -> ImportResult:
    """Map an employer's blank form (a .docx or an .odt) to the field catalogue and write the mapping,
    formulaire.yaml, to ``output`` (``entretiens formulaire importer``): where the form holds each field
    (after a label, under it, in a cell, in boxes, in a grid, a form field, a table), with a confidence;
    the catalogue adapted (labels as printed, the employer's own scales, its own fields as additions,
    the required fields it lacks made optional, the others listed to retire); its layout's fingerprint.
    Each place is checked by reading a copy of the form with a value written there. ``catalogue``:
    the one to map (default: the hospital service's; the command passes config.yaml's public service).
    An existing ``output`` is never replaced: the mapping goes beside it under a dated name. Without
    ``output`` nothing is written. Returns an :class:`ImportResult` (``mapping``, ``text``,
    ``written``, ``kept``, ``summary()`` in French). Raises :class:`FormNotImportable` when the file is
    not a form that can be mapped (a letter, a spreadsheet, an encrypted file, a .doc, no regulatory
    part found), in French."""
    from .employer_import import import_form

    return import_form(path, catalogue=catalogue, output=output, today=today)


# Types and exceptions, loaded on first use (PEP 562): name -> module under pipeline.
_LAZY = {
    "Config": "config", "Watch": "config", "PassResult": "process", "HandledFile": "process",
    "Outcome": "outcomes", "Examination": "examine", "GenerateResult": "generate", "Status": "status",
    "CampaignView": "campaign",
    "WatcherState": "watch.lock", "MailRun": "mail", "ReminderRun": "mail.reminders", "ArchiveResult": "archive",
    "AnnouncementRun": "mail.announcement", "InvitationRun": "mail.invitations",
    "ImportResult": "employer_import", "FormNotImportable": "employer_import",
    "ConsolidatedStatus": "consolidated", "EmployersPass": "employers",
    **dict.fromkeys(["EntretiensError", "ConfigError", "OutboxInsideInbox", "RosterError", "TemplateError",
                     "AlreadyRunning", "UnreadableReport", "NotReexaminable"], "outcomes"),
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
