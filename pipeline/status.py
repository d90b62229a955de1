"""``etat``: where the campaign stands, from the journal and the roster.

Everything about an agent (stage, deadlines and their state, pending rejection, whom to chase
and by when, the last message) is the campaign view's (:func:`pipeline.campaign.campaign_view`),
which the tracking workbook and ``relancer`` display too: the three always say the same. This
module adds what is not an agent's: files received and waiting, the inbox, messages to look at.
Only the current campaign's files are counted, and files no campaign could be read from
(unreadable ones).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .campaign import (MESSAGE_STATUS_WORDS, NOTE_NOT_SENT, NOTE_NOT_SENT_NO_AGENT, AgentState, CampaignView,
                       FileSeen, campaign_view, collector_paused, n2_reminded)
from .command_names import GENERATE, command_line
from .config import Config
from .inbox import SPECIAL_ENTRY, list_inbox, not_ready
from .journal import FAILED, QUEUED, UNCERTAIN, Journal
from .naming import shown_name
from .roster import RosterRow, load_roster
from .text import counted, format_date

log = logging.getLogger("entretiens")


@dataclass
class Status:
    campaign: str
    per_stage: dict[int, int]
    stage_labels: dict[int, str]
    rejected: list[dict] = field(default_factory=list)  # agent or file, reason, French messages
    late: list[dict] = field(default_factory=list)  # deadlines missed: done late, or overdue
    missing: list[dict] = field(default_factory=list)  # roster agents with no accepted report
    chased: list[dict] = field(default_factory=list)  # agents to chase: why, whom, by when (as «\u202fRelances\u202f»)
    files_received: int = 0
    duplicates: int = 0
    signed_copies: int = 0  # reports of the campaign with a signed copy (a scanned PDF) filed
    # Claimed but not yet in their place (a folder not writable, a share gone): finished by the next pass.
    waiting: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what keeps the status from being complete
    # In the inbox, not taken yet (still being copied, unreadable by the service, not a file).
    not_taken: list[dict] = field(default_factory=list)
    # Messages (pipeline.mail): how many in each state (journal.QUEUED, SENT...: campaign.MESSAGE_STATUS_WORDS
    # says them), those to look at (failed, uncertain, waiting for another try), and per agent the last
    # message about them and its date.
    messages: dict[str, int] = field(default_factory=dict)
    message_problems: list[dict] = field(default_factory=list)
    last_messages: dict[str, dict] = field(default_factory=dict)
    not_reviewed: list[dict] = field(default_factory=list)  # roster agents below the minimum time in post

    def as_json(self) -> dict:
        return {
            "campagne": self.campaign,
            "par_etape": {str(k): v for k, v in self.per_stage.items()},
            "fichiers_recus": self.files_received,
            "doublons": self.duplicates,
            "exemplaires_signes": self.signed_copies,
            "rejets": self.rejected,
            "retards": self.late,
            "sans_compte_rendu": self.missing,
            "a_relancer": self.chased,
            "en_attente": self.waiting,
            "problemes": self.problems,
            "pas_encore_pris": self.not_taken,
            "courriels": self.messages,
            "courriels_a_verifier": self.message_problems,
            "dernier_courriel_par_agent": self.last_messages,
            "non_evalues": self.not_reviewed,
        }

    def missing_by_evaluator(self) -> dict[str, list[dict]]:
        """The agents without a report, grouped by their evaluator: the list HR chases with."""
        groups: dict[str, list[dict]] = {}
        for agent in self.missing:
            groups.setdefault(agent["evaluateur"] or "(évaluateur non indiqué)", []).append(agent)
        return dict(sorted(groups.items()))


def campaign_status(config: Config, *, today: dt.date | None = None) -> Status:
    """Counts per stage, rejections waiting for a correction, deadlines missed, agents to chase,
    roster agents without an accepted report, files waiting to be placed; for the config's
    campaign on ``today`` (default: the machine's day)."""
    today = today or dt.date.today()
    status = _empty_status(config)
    with Journal(config.state_dir) as journal:
        key = _saved_key(config, journal, today)
        if not _restored(config.state_dir, key, status):
            roster = _roster(config, status)
            view = campaign_view(config, journal, roster, today)
            _from_view(config, journal, view, status)
            del view
            _save(config.state_dir, key, status)
    _training_catalogue(config, status)
    if not config.inbox.is_dir():
        status.problems.append(f"Le dossier d'entrée {config.inbox} n'existe pas : aucun fichier ne peut être "
                               "reçu. Créez-le, ou corrigez dossiers.entree dans config.yaml.")
    else:
        status.not_taken = _not_taken(config)
    return status


def _empty_status(config: Config) -> Status:
    catalogue = config.catalogue
    return Status(campaign=config.campaign.key, per_stage={s.number: 0 for s in catalogue.stages},
                  stage_labels={s.number: s.label for s in catalogue.stages})


def _from_view(config: Config, journal: Journal, view: CampaignView, status: Status) -> None:
    """What ``status`` says, from the journal and the campaign ``view`` made from it."""
    status.files_received, status.duplicates = journal.count_files(status.campaign)
    status.waiting = [{"fichier": row.original_name, "recu_le": row.received_at,
                       "destination_prevue": row.destination} for row in journal.unfinished()]
    _messages(journal, status)
    _agents(config, view, status)


def keep_status(config: Config, journal: Journal, view: CampaignView, today: dt.date, *,
                roster_problems: int) -> None:
    """Keep the status :func:`campaign_status` gives on ``today``, made from a campaign ``view``
    already made from ``journal`` and the configured roster (``roster_problems``: its lines to
    correct), as the workbooks' rebuild after a pass makes them: the first ``etat`` after a pass
    then reads it (100,000 agents: under 2 s) rather than making the view again. Never fails: a
    status not kept is computed by the next ``etat``."""
    key = _saved_key(config, journal, today)
    if key is None:
        return
    status = _empty_status(config)
    try:
        _say_roster_problems(status, roster_problems)
        _from_view(config, journal, view, status)
    except Exception as exc:  # noqa: BLE001 - etat computes it
        log.debug("etat : état non conservé (%s)", exc)
        return
    _save(config.state_dir, key, status)


# -- the status kept in the state folder -------------------------------------------------------
#
# What ``etat`` computes from the journal and the roster (100,000 agents: seconds) is kept in the
# state folder, keyed by everything it is made of: the journal's fingerprint (it changes with any
# row any program writes: pipeline.journal.Journal.fingerprint), the roster file (which file, its
# size and times), the configuration and the catalogue, the day, the code. The inbox and the
# training catalogue are looked at each time.
SAVED_NAME = "etat.cache.json"
_SAVED_FORMAT = 1
_SAVED_FIELDS = ("per_stage", "rejected", "late", "missing", "chased", "files_received", "duplicates",
                 "signed_copies", "waiting", "problems", "messages", "message_problems", "last_messages",
                 "not_reviewed")


def _saved_key(config: Config, journal: Journal, today: dt.date) -> dict | None:
    """The key of the status on ``today``; ``None`` when it cannot be known for sure (a journal
    not counting its changes, a roster written within the last seconds)."""
    import hashlib

    import holidays

    from .roster import SETTLED_S, file_key

    fingerprint = journal.fingerprint()
    if fingerprint[0] is None:
        return None
    roster = None
    if config.roster_path is not None:
        try:
            roster = file_key(config.roster_path)
        except OSError:
            roster = "absent"
        else:
            if time.time() - roster["mtime_ns"] / 1e9 <= SETTLED_S:
                return None
    try:
        settings = "\n".join([config.model_dump_json(), config.catalogue.model_dump_json(), str(config.state_dir),
                              str(config.roster_path), str(config.inbox), str(config.outbox), holidays.__version__])
    except Exception as exc:  # noqa: BLE001 - a setting that cannot be written down: computed each time
        log.debug("etat : réglages non résumables (%s)", exc)
        return None
    return {"format": _SAVED_FORMAT, "today": today.isoformat(), "journal": fingerprint, "roster": roster,
            "settings": hashlib.sha256(settings.encode()).hexdigest(), "code": _code_stamp()}


# The modules whose code makes the status kept (what campaign_status and the campaign view run).
_COMPUTING = ("status", "campaign", "deadlines", "dates", "journal", "records", "roster", "reviewed", "spreadsheets",
              "catalogue", "config", "civility", "text", "outcomes", "naming", "command_names", "mail/addresses")


def _code_stamp() -> str:
    """The code that computes the status, as installed (each module's size and time): another
    version computes another status."""
    import hashlib

    root = Path(__file__).parent
    stamp = hashlib.sha256()
    for path in (root / f"{name}.py" for name in _COMPUTING):
        try:
            info = path.stat()
        except OSError:
            continue
        stamp.update(f"{path.relative_to(root)} {info.st_size} {info.st_mtime_ns}\n".encode())
    return stamp.hexdigest()


def _restored(folder: Path, key: dict | None, status: Status) -> bool:
    """Fill ``status`` from the one kept under ``key``; False when there is none (or another)."""
    if key is None:
        return False
    try:
        with open(folder / SAVED_NAME, encoding="utf-8") as handle:
            data = json.load(handle)
        if data.get("key") != key:
            return False
        saved = data["status"]
        values = {name: saved[name] for name in _SAVED_FIELDS}
        values["per_stage"] = {int(number): count for number, count in values["per_stage"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    for name, value in values.items():
        setattr(status, name, value)
    return True


def _save(folder: Path, key: dict | None, status: Status) -> None:
    """Keep the status beside the journal (a temporary file renamed); never fails the command."""
    if key is None:
        return
    temporary = folder / f"{SAVED_NAME}.{os.getpid()}.tmp"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        with open(fd, "w", encoding="utf-8") as handle:
            # json.dumps, not json.dump: dump to a file takes json's pure-Python writer (0.8 s at 100,000 agents).
            handle.write(json.dumps({"key": key, "status": {name: getattr(status, name) for name in _SAVED_FIELDS}},
                                    ensure_ascii=False, separators=(",", ":")))
        os.replace(temporary, folder / SAVED_NAME)
    except (OSError, TypeError, ValueError) as exc:
        log.debug("etat : état non conservé (%s)", exc)
        try:
            temporary.unlink()
        except OSError:
            pass


def _agents(config: Config, view: CampaignView, status: Status) -> None:
    """What the campaign view says of each agent, as ``etat`` shows it."""
    with collector_paused():  # the view is dropped right after: the collector never walks it
        _listed(config, view, status)


def _listed(config: Config, view: CampaignView, status: Status) -> None:
    status.per_stage = view.per_stage(config.catalogue)
    mail_off = config.mail.mode == "aucun" or not config.mail.rejection_notes
    said: dict[int, dict] = {}  # id of a deadline state (one object, shared by the agents it is true of) -> its words
    for agent in view.agents:
        missed = agent.missed
        if not (missed or agent.rejection is not None or not agent.reviewed
                or (agent.in_roster and agent.current is None)):
            who = None  # nothing below names the agent
        else:
            who = _who(agent)
        if agent.in_roster and agent.current is None and agent.reviewed:
            status.missing.append(who)
        if not agent.reviewed:  # below the minimum time in post (pipeline.reviewed)
            status.not_reviewed.append({**who, "motif": agent.situation})
        if agent.signed_copy is not None:
            status.signed_copies += 1
        if agent.message is not None:
            status.last_messages[agent.number] = {
                "courriel": agent.message.text, "date": agent.message.day.isoformat() if agent.message.day else None,
                "nom": agent.name}
        if agent.rejection is not None:
            status.rejected.append({**_rejection(agent.rejection.file, who), "courriel": (
                agent.message.text if agent.message else "" if mail_off else NOTE_NOT_SENT)})
        for d in missed:
            if (deadline := said.get(id(d))) is None:
                deadline = said[id(d)] = {"echeance": d.label, "etat": d.state, "qui": d.owner,
                                      "date_limite": d.due.isoformat() if d.due else None,
                                      "fait_le": d.done.isoformat() if d.done else None}
            status.late.append({**who, **deadline})
    for agent in view.chased():
        chase, last = agent.chase, agent.last_reminder
        status.chased.append({**_who(agent), "motif": chase.reason, "qui": chase.whom,
                              "echeance": chase.due.isoformat() if chase.due else None,
                              "jours_de_retard": chase.days_late,
                              # The N+2 reminded too (their name), the first reminder about the step, the
                              # last reminder about the agent: to whom, when, what became of it.
                              "n2": n2_reminded(agent) or None,
                              "premiere_relance": chase.first_reminder.isoformat() if chase.first_reminder else None,
                              "derniere_relance": {"qui": last.party, "a": last.recipient, "le": last.day.isoformat(),
                                                   "etat": last.state} if last else None})
    status.rejected += [{**_rejection(seen, {"matricule": None, "nom": "", "evaluateur": ""}),
                         "courriel": "" if mail_off else NOTE_NOT_SENT_NO_AGENT} for seen in view.unidentified]


def _messages(journal: Journal, status: Status) -> None:
    for message in journal.messages():
        if message.campaign not in (status.campaign, None):
            continue
        status.messages[message.status] = status.messages.get(message.status, 0) + 1
        if message.status in (FAILED, UNCERTAIN) or (message.status == QUEUED and message.error):
            status.message_problems.append({
                "objet": message.subject, "destinataire": message.recipient,
                "etat": MESSAGE_STATUS_WORDS.get(message.status, message.status), "motif": message.error,
                "brouillon": message.draft, "message_id": message.message_id,
                "prochain_essai": message.next_attempt if message.status == QUEUED else None})


def _not_taken(config: Config) -> list[dict]:
    """What sits in the inbox that a pass would leave there now, and why (the watcher's rules)."""
    watch = config.watch
    try:
        listing = list_inbox(config.inbox, tuple(watch.ignore_patterns))
    except OSError:
        return []
    waiting = [{"fichier": shown_name(str(p.relative_to(config.inbox))), "motif": SPECIAL_ENTRY}
               for p in listing.special]
    for path in listing.files:
        try:
            why = not_ready(path, window=watch.stability_window, incomplete_after=watch.incomplete_after)
        except OSError:
            continue  # taken meanwhile
        if why:
            waiting.append({"fichier": shown_name(str(path.relative_to(config.inbox))), "motif": why})
    return waiting


def _roster(config: Config, status: Status) -> list[RosterRow] | None:
    path = config.roster_path
    if path is None:
        return None
    if not path.exists():
        status.problems.append(f"La liste des agents indiquée dans config.yaml (liste_agents) est introuvable : "
                               f"{path}. Les agents sans compte rendu ne peuvent pas être listés.")
        return None
    roster = load_roster(path, config.catalogue, cache_dir=config.state_dir)
    _say_roster_problems(status, len(roster.problems))
    return roster.rows


def _say_roster_problems(status: Status, count: int) -> None:
    if count:
        status.problems.append(f"La liste des agents a {counted(count, 'ligne', 'lignes')} à corriger : ces agents "
                               f"n'apparaissent nulle part («\u202f{command_line(GENERATE)}\u202f» les détaille).")


def _training_catalogue(config: Config, status: Status) -> None:
    """Say now, not at the next rebuild, when the training catalogue cannot give the costs."""
    path = config.training_catalogue_path
    if path is None:
        return
    from .workbooks.costs import CostCatalogueError, load_training_catalogue

    try:
        load_training_catalogue(path)
    except CostCatalogueError as exc:
        status.problems.append(f"{exc.message} Le plan de formation est écrit sans les feuilles de coûts.")


def _who(agent: AgentState) -> dict:
    """An agent as ``etat`` names them: number, name, evaluator (roster first, else the report)."""
    return {"matricule": agent.number, "nom": agent.name, "evaluateur": agent.evaluator}


def _rejection(seen: FileSeen, who: dict) -> dict:
    return {"fichier": seen.name, **who, "motif": seen.reason_code, "messages": list(seen.messages),
            "note": seen.note, "recu_le": seen.received_at.isoformat()}


def late_line(item: dict) -> str:
    """One missed deadline as ``etat`` prints it."""
    due = format_date(dt.date.fromisoformat(item["date_limite"])) if item["date_limite"] else "?"
    who = f"{item['nom']} ({item['matricule']})" if item["nom"] else item["matricule"]
    return f"{who} : {item['echeance']} – {item['etat']} (limite {due})"
