"""``status``: where the campaign stands, from the journal alone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .config import Config
from .deadlines import deadlines
from .journal import DONE, CurrentReport, FileRow, Journal
from .outcomes import Outcome, is_error
from .roster import load_roster


@dataclass
class Status:
    campaign: str
    per_stage: dict[int, int]
    stage_labels: dict[int, str]
    rejected: list[dict] = field(default_factory=list)  # agent or file, reason codes, messages
    late: list[dict] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # roster agents with no accepted report
    files_received: int = 0
    duplicates: int = 0
    # Claimed but not yet in their place (a folder not writable, a share gone): finished by the next pass.
    waiting: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "campagne": self.campaign,
            "par_etape": {str(k): v for k, v in self.per_stage.items()},
            "fichiers_recus": self.files_received,
            "doublons": self.duplicates,
            "rejets": self.rejected,
            "retards": self.late,
            "sans_compte_rendu": self.missing,
            "en_attente": self.waiting,
        }


def campaign_status(config: Config, *, today: dt.date | None = None) -> Status:
    today = today or dt.date.today()
    catalogue = config.catalogue
    campaign = config.campaign.key
    status = Status(
        campaign=campaign,
        per_stage={s.number: 0 for s in catalogue.stages},
        stage_labels={s.number: s.label for s in catalogue.stages},
    )
    # One journal row in memory at a time: a campaign's contents can be large.
    with Journal(config.state_dir) as journal:
        per_agent: dict[str, tuple[int, list[dict]]] = {}  # the newest report of each agent
        for report in journal.iter_current_reports(campaign):
            per_agent[report.agent_number] = (report.stage, _late(report, config, today))
        unmatched = []
        for row in journal.iter_files():
            status.files_received += 1
            status.duplicates += row.outcome == Outcome.DUPLICATE
            if row.status == DONE and row.outcome is not None and row.outcome.turned_away \
                    and row.agent_number is None:
                unmatched.append(_rejection(row))
        status.waiting = [{"fichier": row.original_name, "recu_le": row.received_at,
                           "destination_prevue": row.destination} for row in journal.unfinished()]
        status.rejected = [_rejection(row) for row in journal.iter_latest_by_agent(campaign)
                           if row.outcome.turned_away] + unmatched
    for stage, late in per_agent.values():
        status.per_stage[stage] = status.per_stage.get(stage, 0) + 1
        status.late.extend(late)
    if config.roster_path and config.roster_path.exists():
        roster = load_roster(config.roster_path, catalogue)
        status.missing = sorted(set(roster.by_agent()) - set(per_agent))
    return status


def _late(report: CurrentReport, config: Config, today: dt.date) -> list[dict]:
    """The report's deadlines missed (done late, or overdue while it is not finished)."""
    dates = {k: dt.date.fromisoformat(v) if v else None
             for k, v in ((report.file.content or {}).get("dates") or {}).items()}
    received = dt.datetime.fromisoformat(report.file.received_at).date()
    late = []
    for deadline in deadlines(dates, config, received):
        if deadline.late() or (report.stage < config.catalogue.final_stage and deadline.overdue(today)):
            late.append({"identifiant": report.report_id, "echeance": deadline.label,
                         "date_limite": deadline.due.isoformat() if deadline.due else None,
                         "fait_le": deadline.done.isoformat() if deadline.done else None})
    return late


def _rejection(row: FileRow) -> dict:
    return {
        "fichier": row.original_name,
        "matricule": row.agent_number,
        "motif": row.reason_code,
        "messages": [f["message"] for f in row.findings if is_error(f)],
        "note": row.note,
    }
