"""``status``: where the campaign stands, from the journal alone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .config import Config
from .deadlines import deadlines
from .journal import Journal
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

    def as_json(self) -> dict:
        return {
            "campagne": self.campaign,
            "par_etape": {str(k): v for k, v in self.per_stage.items()},
            "fichiers_recus": self.files_received,
            "doublons": self.duplicates,
            "rejets": self.rejected,
            "retards": self.late,
            "sans_compte_rendu": self.missing,
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
    with Journal(config.state_dir) as journal:
        current = {c.agent_number: c for c in journal.current_reports(campaign)}
        for report in current.values():
            status.per_stage[report.stage] = status.per_stage.get(report.stage, 0) + 1
            dates = {k: dt.date.fromisoformat(v) if v else None
                     for k, v in ((report.file.content or {}).get("dates") or {}).items()}
            received = dt.datetime.fromisoformat(report.file.received_at).date()
            for deadline in deadlines(dates, config, received):
                late = deadline.late() or (report.stage < catalogue.final_stage and deadline.overdue(today))
                if late:
                    status.late.append({"identifiant": report.report_id, "echeance": deadline.label,
                                        "date_limite": deadline.due.isoformat() if deadline.due else None,
                                        "fait_le": deadline.done.isoformat() if deadline.done else None})
        files = journal.files()
        status.files_received = len(files)
        status.duplicates = sum(1 for f in files if f.outcome == "duplicate")
        latest = journal.latest_by_agent(campaign)
        unmatched = [f for f in files if f.status == "done" and f.outcome in ("rejected", "unreadable")
                     and f.agent_number is None]
        for row in [*latest.values(), *unmatched]:
            if row.outcome in ("rejected", "unreadable"):
                status.rejected.append({
                    "fichier": row.original_name,
                    "matricule": row.agent_number,
                    "motif": row.reason_code,
                    "messages": [f["message"] for f in row.findings if f.get("severity") == "erreur"],
                    "note": row.note,
                })
    if config.roster_path and config.roster_path.exists():
        roster = load_roster(config.roster_path, catalogue)
        status.missing = sorted(set(roster.by_agent()) - set(current))
    return status
