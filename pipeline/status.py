"""``status``: where the campaign stands, from the journal and the roster.

Lateness comes from :func:`pipeline.deadlines.agent_deadlines`, the computation the tracking
workbook uses too: both always say the same (one truth). Only the current campaign's files
are counted, and files no campaign could be read from (unreadable ones).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import catalogue as cat
from .config import Config
from .deadlines import MISSED, agent_deadlines
from .inbox import SPECIAL_ENTRY, list_inbox, not_ready
from .journal import DONE, FAILED, QUEUED, UNCERTAIN, FileRow, Journal
from .naming import shown_name
from .outcomes import Outcome, is_error
from .roster import RosterRow, load_roster
from .text import format_date


@dataclass
class Status:
    campaign: str
    per_stage: dict[int, int]
    stage_labels: dict[int, str]
    rejected: list[dict] = field(default_factory=list)  # agent or file, reason, French messages
    late: list[dict] = field(default_factory=list)  # deadlines missed: done late, or overdue
    missing: list[dict] = field(default_factory=list)  # roster agents with no accepted report
    files_received: int = 0
    duplicates: int = 0
    signed_copies: int = 0  # reports of the campaign with a signed copy (a scanned PDF) filed
    # Claimed but not yet in their place (a folder not writable, a share gone): finished by the next pass.
    waiting: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what keeps the status from being complete
    # In the inbox, not taken yet (still being copied, unreadable by the service, not a file).
    not_taken: list[dict] = field(default_factory=list)
    # Messages (pipeline.mail): how many in each state (journal.QUEUED, SENT...: mail.messages.STATUS_WORDS
    # says them), those to look at (failed, uncertain, waiting for another try), and per agent the last
    # message about them and its date.
    messages: dict[str, int] = field(default_factory=dict)
    message_problems: list[dict] = field(default_factory=list)
    last_messages: dict[str, dict] = field(default_factory=dict)

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
            "en_attente": self.waiting,
            "problemes": self.problems,
            "pas_encore_pris": self.not_taken,
            "courriels": self.messages,
            "courriels_a_verifier": self.message_problems,
            "dernier_courriel_par_agent": self.last_messages,
        }

    def missing_by_evaluator(self) -> dict[str, list[dict]]:
        """The agents without a report, grouped by their evaluator: the list HR chases with."""
        groups: dict[str, list[dict]] = {}
        for agent in self.missing:
            groups.setdefault(agent["evaluateur"] or "(évaluateur non indiqué)", []).append(agent)
        return dict(sorted(groups.items()))


def campaign_status(config: Config, *, today: dt.date | None = None) -> Status:
    """Counts per stage, rejections waiting for a correction, deadlines missed, roster agents
    without an accepted report, files waiting to be placed; for the config's campaign."""
    today = today or dt.date.today()
    catalogue = config.catalogue
    campaign = config.campaign.key
    status = Status(
        campaign=campaign,
        per_stage={s.number: 0 for s in catalogue.stages},
        stage_labels={s.number: s.label for s in catalogue.stages},
    )
    roster = _roster(config, status)
    _training_catalogue(config, status)
    if not config.inbox.is_dir():
        status.problems.append(f"Le dossier d'entrée {config.inbox} n'existe pas : aucun fichier ne peut être "
                               "reçu. Créez-le, ou corrigez dossiers.entree dans config.yaml.")
    else:
        status.not_taken = _not_taken(config)
    # One journal row in memory at a time: a campaign's contents can be large.
    with Journal(config.state_dir) as journal:
        reported: set[str] = set()
        for report in journal.iter_current_reports(campaign):
            reported.add(report.agent_number)
            status.per_stage[report.stage] = status.per_stage.get(report.stage, 0) + 1
            content = report.file.content or {}
            dates = {k: dt.date.fromisoformat(v) if v else None for k, v in (content.get("dates") or {}).items()}
            received = dt.datetime.fromisoformat(report.file.received_at).date()
            _add_late(status, config, _who(report.agent_number, roster, content.get("champs") or {}), dates,
                      received, finished=report.stage >= catalogue.final_stage, today=today)
        for number, row in (roster or {}).items():
            if number not in reported:
                status.missing.append(_who(number, roster, {}))
                _add_late(status, config, _who(number, roster, {}), _roster_dates(row), None,
                          finished=False, today=today)
        unmatched = []
        for row in journal.iter_files():
            if row.campaign not in (campaign, None):
                continue  # another campaign's file
            status.files_received += 1
            status.duplicates += row.outcome == Outcome.DUPLICATE
            if row.status == DONE and row.outcome is not None and row.outcome.turned_away \
                    and row.agent_number is None:
                unmatched.append(_rejection(row, roster))
        status.signed_copies = len({c.report_id for c in journal.signed_copies() if c.campaign == campaign})
        status.waiting = [{"fichier": row.original_name, "recu_le": row.received_at,
                           "destination_prevue": row.destination} for row in journal.unfinished()]
        status.rejected = [_rejection(row, roster) for row in
                           journal.iter_latest_by_agent(campaign, turned_away_only=True)] + unmatched
        _messages(config, journal, status)
    return status


def _messages(config: Config, journal: Journal, status: Status) -> None:
    from .mail import last_messages
    from .mail.messages import NOTE_NOT_SENT, NOTE_NOT_SENT_NO_AGENT, STATUS_WORDS

    last = last_messages(config, journal)
    status.last_messages = {agent: {"courriel": text, "date": day.isoformat() if day else None}
                            for agent, (text, day) in sorted(last.items())}
    for item in status.rejected:
        shown = last.get(item["matricule"] or "")
        item["courriel"] = shown[0] if shown else (
            "" if config.mail.mode == "aucun" or not config.mail.rejection_notes
            else NOTE_NOT_SENT if item["matricule"] else NOTE_NOT_SENT_NO_AGENT)
    for message in journal.messages():
        if message.campaign not in (status.campaign, None):
            continue
        status.messages[message.status] = status.messages.get(message.status, 0) + 1
        if message.status in (FAILED, UNCERTAIN) or (message.status == QUEUED and message.error):
            status.message_problems.append({
                "objet": message.subject, "destinataire": message.recipient,
                "etat": STATUS_WORDS.get(message.status, message.status), "motif": message.error,
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


def _roster(config: Config, status: Status) -> dict[str, RosterRow] | None:
    path = config.roster_path
    if path is None:
        return None
    if not path.exists():
        status.problems.append(f"La liste des agents indiquée dans config.yaml (liste_agents) est introuvable : "
                               f"{path}. Les agents sans compte rendu ne peuvent pas être listés.")
        return None
    roster = load_roster(path, config.catalogue)
    if roster.problems:
        status.problems.append(f"La liste des agents a {len(roster.problems)} ligne(s) à corriger : ces agents "
                               "n'apparaissent nulle part («\u202fentretiens generate\u202f» les détaille).")
    return roster.by_agent()


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


def _roster_dates(row: RosterRow) -> dict[str, dt.date | None]:
    return {cat.REVIEW_DATE: row.review_date, cat.INVITATION_DATE: row.invitation_date}


def _who(number: str, roster: dict[str, RosterRow] | None, fields: dict) -> dict:
    """An agent as status names them: number, name, evaluator (roster first, else the report)."""
    row = (roster or {}).get(number)
    values = row.values if row else fields
    name = " ".join(v for v in (str(values.get(cat.FIRST_NAME) or ""), str(values.get(cat.LAST_NAME) or "").upper())
                    if v)
    return {"matricule": number, "nom": name, "evaluateur": str(values.get(cat.EVALUATOR) or "")}


def _add_late(status: Status, config: Config, who: dict, dates: dict, received: dt.date | None, *,
              finished: bool, today: dt.date) -> None:
    for deadline, state in agent_deadlines(config, dates, received, finished=finished, today=today):
        if state in MISSED:
            status.late.append({**who, "echeance": deadline.label, "etat": state,
                                "date_limite": deadline.due.isoformat() if deadline.due else None,
                                "fait_le": deadline.done.isoformat() if deadline.done else None})


def _rejection(row: FileRow, roster: dict[str, RosterRow] | None) -> dict:
    return {
        "fichier": row.original_name,
        **(_who(row.agent_number, roster, (row.content or {}).get("champs") or {}) if row.agent_number
           else {"matricule": None, "nom": "", "evaluateur": ""}),
        "motif": row.reason_code,
        "messages": [f["message"] for f in row.findings if is_error(f)],
        "note": row.note,
        "recu_le": row.received_at,
    }


def late_line(item: dict) -> str:
    """One missed deadline as ``status`` prints it."""
    due = format_date(dt.date.fromisoformat(item["date_limite"])) if item["date_limite"] else "?"
    who = f"{item['nom']} ({item['matricule']})" if item["nom"] else item["matricule"]
    return f"{who} : {item['echeance']} – {item['etat']} (limite {due})"
