"""The journal (pipeline/journal.py): one SQLite file in the state folder recording
every file received, what was read, the findings, the outcome, the destination and
every move; the reports' current versions are derived from it."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import stat
from pathlib import Path

import pytest
import yaml

from pipeline import catalogue as cat
from pipeline import journal as journal_module
from pipeline.catalogue import DEFAULT
from pipeline.config import Config, load_config
from pipeline.filling import fill_report
from pipeline.generate import generate
from pipeline.journal import Journal, filesystem_type, warn_if_network_fs
from pipeline.naming import JOURNAL_NAME
from pipeline import records
from pipeline.outcomes import JournalUnavailable
from pipeline.records import ReportContent
from pipeline.process import process_inbox
from pipeline.read import read_report
from tests.conftest import RECEIVED, TEMPLATES, TODAY, agent, settle, write_csv

CHECKSUM = "ab" * 32


def plan(journal: Journal, file_id: int, **changes) -> None:
    values = dict(outcome="accepted", reason_code=None, destination=f"/out/{file_id}.docx", note=None,
                  previous_move=None, report_id="2026-100001", campaign="2026", agent_number="100001",
                  stage=1, content=ReportContent(), findings=[])
    values.update(changes)
    journal.plan(file_id, **values)


def handled(journal: Journal, work_name: str, checksum: str = CHECKSUM, **changes):
    """A file claimed, planned and finished; returns its finished row."""
    row = journal.claim(work_name, work_name.split("__")[-1], checksum, 10)
    plan(journal, row.id, **changes)
    journal.finish(journal.file(row.id))
    return journal.file(row.id)


@pytest.fixture
def journal(tmp_path):
    with Journal(tmp_path / "etat") as opened:
        yield opened


# -- claiming, planning, finishing --------------------------------------------------------------------


def test_claim_records_original_name_checksum_size_and_time(journal):
    row = journal.claim("0a1b2c__CR Martin.docx", "CR Martin.docx", CHECKSUM, 4096)
    assert (row.work_name, row.original_name, row.checksum, row.status) == (
        "0a1b2c__CR Martin.docx", "CR Martin.docx", CHECKSUM, "claimed")
    received = dt.datetime.fromisoformat(row.received_at)
    assert received.tzinfo is not None
    assert abs(received - dt.datetime.now().astimezone()) < dt.timedelta(minutes=1)
    assert journal.db.execute("SELECT size FROM files WHERE id=?", (row.id,)).fetchone()[0] == 4096


def test_claiming_the_same_work_name_again_returns_the_same_row(journal):
    first = journal.claim("w1__a.docx", "a.docx", CHECKSUM, 1)
    again = journal.claim("w1__a.docx", "a.docx", "cd" * 32, 2)
    assert again == first
    assert len(journal.files()) == 1


def test_plan_keeps_outcome_destination_note_content_and_findings(journal):
    row = journal.claim("w1__a.docx", "a.docx", CHECKSUM, 1)
    title = DEFAULT.field(cat.TRAINING_NEEDS).columns[0].key
    content = ReportContent(fields={cat.LAST_NAME: "L’Hôte", cat.SERVICE: "=SOMME(A1:A3) & <b>"},
                            tables={cat.TRAINING_NEEDS: [{title: "Excel"}]},
                            dates={cat.REVIEW_DATE: dt.date(2026, 12, 14), cat.VISA_DATE: None})
    findings = [{"code": "champ_manquant", "severity": "erreur", "label": DEFAULT.field(cat.GRADE).label,
                 "message": "Complétez-la."}]
    plan(journal, row.id, outcome="rejected", reason_code="champ_manquant", destination="/out/rejets/a.docx",
         note="/out/rejets/a - note de rejet.docx", previous_move=("/old.docx", "/hist/old.docx"),
         content=content, findings=findings)
    planned = journal.file(row.id)
    assert (planned.status, planned.outcome, planned.reason_code) == ("planned", "rejected", "champ_manquant")
    assert planned.destination == "/out/rejets/a.docx"
    assert planned.note == "/out/rejets/a - note de rejet.docx"
    assert planned.previous_move == ["/old.docx", "/hist/old.docx"]
    assert planned.report == content and planned.findings == findings
    raw = journal.db.execute("SELECT content FROM files WHERE id=?", (row.id,)).fetchone()[0]
    assert "L’Hôte" in raw  # stored as written, not as \\u escapes


def test_finishing_an_accepted_file_makes_it_its_reports_current_version(journal):
    assert journal.current("2026-100001") is None
    first = handled(journal, "w1__v1.docx", stage=1, destination="/out/1/cr.docx")
    current = journal.current("2026-100001")
    assert (current.file.id, current.stage, current.location) == (first.id, 1, "/out/1/cr.docx")
    second = handled(journal, "w2__v2.docx", "cd" * 32, stage=2, destination="/out/2/cr.docx")
    current = journal.current("2026-100001")
    assert (current.file.id, current.stage, current.location) == (second.id, 2, "/out/2/cr.docx")
    assert [c.report_id for c in journal.current_reports()] == ["2026-100001"]


def test_a_rejected_file_never_becomes_the_current_version(journal):
    accepted = handled(journal, "w1__v1.docx")
    rejected = handled(journal, "w2__v2.docx", "cd" * 32, outcome="rejected", stage=2,
                       destination="/out/rejets/v2.docx")
    assert rejected.status == "done"
    assert journal.current("2026-100001").file.id == accepted.id


def test_unfinished_lists_claimed_and_planned_files_in_arrival_order(journal):
    handled(journal, "w1__done.docx")
    claimed = journal.claim("w2__claimed.docx", "claimed.docx", "cd" * 32, 1)
    planned = journal.claim("w3__planned.docx", "planned.docx", "ef" * 32, 1)
    plan(journal, planned.id)
    assert [(r.id, r.status) for r in journal.unfinished()] == [(claimed.id, "claimed"), (planned.id, "planned")]


def test_done_with_checksum_finds_the_first_finished_file_that_is_not_a_duplicate(journal):
    assert journal.done_with_checksum(CHECKSUM) is None
    pending = journal.claim("w0__pending.docx", "pending.docx", CHECKSUM, 1)
    assert journal.done_with_checksum(CHECKSUM) is None  # not finished yet
    first = handled(journal, "w1__first.docx")
    handled(journal, "w2__copy.docx", outcome="duplicate", duplicate_of=first.id)
    assert journal.done_with_checksum(CHECKSUM).id == first.id
    assert pending.id < first.id


def test_latest_by_agent_gives_each_agents_last_finished_file_of_the_campaign(journal):
    handled(journal, "w1__a.docx", "01" * 32)
    last = handled(journal, "w2__b.docx", "02" * 32, outcome="rejected", stage=2)
    other = handled(journal, "w3__c.docx", "03" * 32, agent_number="100002", report_id="2026-100002")
    handled(journal, "w4__d.docx", "04" * 32, campaign="2025", report_id="2025-100001")
    handled(journal, "w5__e.docx", "05" * 32, outcome="unreadable", agent_number=None, report_id=None,
            campaign=None)
    latest = journal.latest_by_agent("2026")
    assert {k: v.id for k, v in latest.items()} == {"100001": last.id, "100002": other.id}


def test_campaign_files_give_what_the_full_rows_give_with_the_reports_facts_only(journal):
    """etat's read (Journal.campaign_files): the current versions and each agent's last file, as
    iter_current_reports and iter_latest_by_agent give them, the report's content cut to its facts;
    a file recorded before the facts were kept has them taken from its content."""
    content = ReportContent(fields={cat.AGENT_NUMBER: "100001", cat.LAST_NAME: "Martin", "poste": "Long texte",
                                    cat.REFUSED_TO_SIGN: True},
                            tables={cat.TRAINING_NEEDS: [{"intitule": "Excel"}]},
                            dates={cat.REVIEW_DATE: dt.date(2026, 12, 14), cat.VISA_DATE: None}, form_version="CR-1")
    first = handled(journal, "w1__a.docx", "01" * 32, content=content)
    handled(journal, "w2__b.docx", "02" * 32, outcome="rejected", stage=2, content=content,
            findings=[{"code": "champ_manquant", "severity": "erreur", "field": cat.REVIEW_DATE, "message": "M."}])
    handled(journal, "w3__c.docx", "03" * 32, agent_number="100002", report_id="2026-100002", content=None)
    handled(journal, "w4__d.docx", "04" * 32, outcome="duplicate", content=None)
    handled(journal, "w5__e.docx", "05" * 32, campaign="2025", report_id="2025-100001")
    journal.db.execute("DELETE FROM file_facts WHERE file_id=?", (first.id,))  # as an older journal's
    current, latest = journal.campaign_files("2026")
    full_current = list(journal.iter_current_reports("2026"))
    assert [(a, s, loc, f.id) for a, s, loc, f in current] == [
        (c.agent_number, c.stage, c.location, c.file.id) for c in full_current]
    full_latest = journal.latest_by_agent("2026")
    assert {a: f.id for a, f in latest.items()} == {a: f.id for a, f in full_latest.items()}
    for summary, row in [*((f, c.file) for (*_, f), c in zip(current, full_current)),
                         *((latest[a], full_latest[a]) for a in latest)]:
        for name in ("id", "agent_number", "outcome", "received_at", "received_moment", "original_name",
                     "reason_code", "note", "findings"):
            assert getattr(summary, name) == getattr(row, name), name
        assert summary.report == (row.report.facts() if row.report else None)
    facts = current[0][3].report
    assert facts.fields == {cat.AGENT_NUMBER: "100001", cat.LAST_NAME: "Martin", cat.REFUSED_TO_SIGN: True}
    assert facts.tables == {} and facts.dates == content.dates and facts.form_version == "CR-1"


def test_current_reports_can_be_limited_to_one_campaign(journal):
    handled(journal, "w1__a.docx", "01" * 32)
    handled(journal, "w2__b.docx", "02" * 32, campaign="2025", report_id="2025-100001")
    assert [c.report_id for c in journal.current_reports("2026")] == ["2026-100001"]
    assert [c.report_id for c in journal.current_reports()] == ["2025-100001", "2026-100001"]


def test_moves_are_recorded_in_order_with_their_reason(journal):
    row = journal.claim("w1__a.docx", "a.docx", CHECKSUM, 1)
    journal.finish(row, [("/etat/travail/w1__a.docx", "/out/1/cr.docx", "accepted"),
                         ("/out/1/cr.docx", "/out/historique/cr.docx", "version remplacée")])
    moves = journal.moves()
    assert [(m["source"], m["target"], m["reason"]) for m in moves] == [
        ("/etat/travail/w1__a.docx", "/out/1/cr.docx", "accepted"),
        ("/out/1/cr.docx", "/out/historique/cr.docx", "version remplacée")]
    assert all(m["file_id"] == row.id and m["at"] for m in moves)


def test_what_is_recorded_survives_closing_and_reopening(tmp_path):
    with Journal(tmp_path) as first:
        done = handled(first, "w1__a.docx")
    with Journal(tmp_path) as again:
        assert again.file(done.id) == done
        assert again.current("2026-100001").file == done


def test_work_names_are_unique_in_the_journal(journal):
    journal.claim("w1__a.docx", "a.docx", CHECKSUM, 1)
    with pytest.raises(sqlite3.IntegrityError):
        journal.db.execute("INSERT INTO files (work_name, original_name, received_at, status)"
                           " VALUES ('w1__a.docx', 'a.docx', 'now', 'claimed')")


# -- where it lives ------------------------------------------------------------------------------------------


def test_journal_file_is_readable_by_owner_and_group_only(tmp_path):
    old = os.umask(0o022)
    try:
        Journal(tmp_path / "etat").close()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "etat" / JOURNAL_NAME).stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "etat").stat().st_mode) == 0o750


def test_journal_side_files_are_private_from_the_first_open(tmp_path):
    old = os.umask(0o022)
    try:
        with Journal(tmp_path / "etat") as journal:
            journal.claim("w1__a.docx", "a.docx", CHECKSUM, 1)
            side = sorted((tmp_path / "etat").glob(JOURNAL_NAME + "-*"))
            modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in side}
    finally:
        os.umask(old)
    assert side
    assert modes == {p.name: "0o640" for p in side}


def test_filesystem_type_of_a_local_folder_is_known(tmp_path):
    assert filesystem_type(tmp_path) not in (None, "nfs", "nfs4", "cifs")
    assert filesystem_type(Path("/proc/self")) == "proc"


def test_a_local_state_folder_raises_no_warning(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="entretiens")
    assert warn_if_network_fs(tmp_path) is False
    assert caplog.records == []


def test_a_state_folder_on_a_network_share_is_warned_about_loudly(tmp_path, caplog, monkeypatch):
    # The mount table is the machine's: say this folder is on an SMB share.
    monkeypatch.setattr(journal_module, "filesystem_type", lambda path: "cifs")
    caplog.set_level(logging.WARNING, logger="entretiens")
    assert warn_if_network_fs(tmp_path) is True
    (record,) = caplog.records
    message = record.getMessage()
    assert record.levelno == logging.WARNING
    assert "ATTENTION" in message and str(tmp_path) in message and "cifs" in message
    assert "dossiers.etat" in message  # says which setting to change


# -- what process records --------------------------------------------------------------------------------------


LEA = agent("100001", "Martin", "Léa")


def write_workspace(base: Path, **settings) -> Config:
    base.mkdir(parents=True, exist_ok=True)
    write_csv(base / "agents.csv", [LEA])
    data = {"liste_agents": "agents.csv", "dossiers": {"modeles": str(TEMPLATES)}, **settings}
    (base / "config.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(base / "config.yaml")


def test_process_records_what_it_read_from_the_report(tmp_path):
    config = write_workspace(tmp_path / "ws")
    (blank,) = generate(config, today=TODAY).reports
    config.inbox.mkdir()
    needs = DEFAULT.field(cat.TRAINING_NEEDS)
    row = {c.key: c.choices[0] if c.kind == "choice" else "" for c in needs.columns if c.required_if is None}
    row[next(c.key for c in needs.columns if c.kind == "text" and c.required)] = "Excel perfectionnement"
    fill_report(blank, config.inbox / "cr.docx", DEFAULT, overrides={cat.TRAINING_NEEDS: [row]})
    settle(config.inbox)
    process_inbox(config, received_on=RECEIVED)
    with Journal(config.state_dir) as journal:
        (recorded,) = journal.files()
    content = recorded.report
    assert content.fields[cat.AGENT_NUMBER] == "100001"
    assert content.fields[cat.LAST_NAME] == "Martin"
    read_needs = content.rows(cat.TRAINING_NEEDS)
    assert len(read_needs) == 1 and "Excel perfectionnement" in read_needs[0].values()
    assert content.dates[cat.REVIEW_DATE] == dt.date(2026, 12, 14)
    assert content.form_version == DEFAULT.version()
    # As the journal stores it: the keys pipeline.records writes, dates as ISO text.
    assert recorded.content[records.FIELDS][cat.LAST_NAME] == "Martin"
    assert recorded.content[records.DATES][cat.REVIEW_DATE] == "2026-12-14"
    assert (recorded.report_id, recorded.campaign, recorded.agent_number, recorded.stage) == (
        "2026-100001", "2026", "100001", 1)


def test_next_campaign_carries_the_accepted_objectives_from_the_journal(tmp_path):
    """GIVEN a report accepted in campaign 2026 with two objectives for next year
    WHEN HR generates the 2027 reports with the same state folder
    THEN last year's objectives table of the 2027 report lists those two objectives."""
    config = write_workspace(tmp_path / "ws")
    (blank,) = generate(config, today=TODAY).reports
    config.inbox.mkdir()
    first_column = DEFAULT.field(cat.NEXT_OBJECTIVES).columns[0].key
    objectives = ["Réduire le délai de traitement des dossiers", "Former deux nouveaux collègues"]
    fill_report(blank, config.inbox / "cr.docx", DEFAULT,
                overrides={cat.NEXT_OBJECTIVES: [{first_column: text} for text in objectives]})
    settle(config.inbox)
    assert process_inbox(config, received_on=RECEIVED).handled[0].outcome == "accepted"

    next_year = write_workspace(tmp_path / "ws", campagne={
        "annee": 2027, "date_limite_entretiens": "2028-01-31", "date_retour_rh": "2028-02-28"})
    (report,) = generate(next_year, today=TODAY + dt.timedelta(days=365)).reports
    carried = read_report(report, DEFAULT).tables[cat.PREVIOUS_RESULTS]
    result_column = DEFAULT.field(cat.PREVIOUS_RESULTS).columns[0].key
    assert [row[result_column] for row in carried] == objectives


def test_where_now_follows_a_file_to_the_history_but_not_the_file_that_left_before_it(journal):
    """Three versions of one report, each under the same name in the same stage folder: each
    arrival moves the one before to the history. Where is each now?"""
    rows = []
    for n in (1, 2, 3):
        row = journal.claim(f"w{n}__v{n}.docx", f"v{n}.docx", f"{n:064x}", 10)
        previous = ("/out/1/CR.docx", f"/out/historique/CR ({n - 1}).docx") if n > 1 else None
        plan(journal, row.id, destination="/out/1/CR.docx", previous_move=previous)
        moves = ([(*previous, "version remplacée")] if previous else []) + [
            (f"/travail/w{n}__v{n}.docx", "/out/1/CR.docx", "accepted")]
        journal.finish(journal.file(row.id), moves)
        rows.append(journal.file(row.id))
    assert [journal.where_now(r) for r in rows] == [
        "/out/historique/CR (1).docx", "/out/historique/CR (2).docx", "/out/1/CR.docx"]


# -- when the journal cannot be used: a French reason, never a traceback ------------------------------


def test_a_damaged_journal_stops_the_command_with_what_to_do(tmp_path):
    import subprocess
    import sys

    config = write_workspace_with_inbox(tmp_path)
    config.state_dir.mkdir()
    (config.state_dir / JOURNAL_NAME).write_bytes(b"ceci n'est pas une base SQLite" * 100)
    for command in (["traiter"], ["etat"], ["classeurs"]):
        done = subprocess.run([sys.executable, "-m", "pipeline", *command, "--config", str(tmp_path / "config.yaml")],
                              capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert done.returncode == 1, (command, done.stderr)
        assert "Traceback" not in done.stderr
        assert "endommagé" in done.stderr and "restaurez la dernière sauvegarde" in done.stderr, done.stderr
    assert (config.inbox / "CR.docx").exists()  # nothing was taken


def test_a_journal_locked_by_another_program_stops_the_pass_and_loses_nothing(tmp_path, monkeypatch):
    config = write_workspace_with_inbox(tmp_path)
    Journal(config.state_dir).close()
    holder = sqlite3.connect(config.state_dir / JOURNAL_NAME)
    holder.execute("BEGIN EXCLUSIVE")  # a backup tool, say, holds the journal
    monkeypatch.setattr(journal_module, "LOCK_WAIT_S", 0.2)
    try:
        with pytest.raises(JournalUnavailable, match="verrouillé par un autre programme"):
            settle(config.inbox)
            process_inbox(config, received_on=RECEIVED)
    finally:
        holder.rollback()
        holder.close()
    assert sorted(p.name for p in config.inbox.iterdir()) in (["CR.docx"], [])
    settle(config.inbox)
    process_inbox(config, received_on=RECEIVED)  # the lock gone, the next pass finishes everything
    assert not (config.inbox / "CR.docx").exists()
    with Journal(config.state_dir) as journal:
        assert [r.status for r in journal.files()] == ["done"]


def test_a_full_state_folder_stops_the_pass_with_what_to_do(tmp_path):
    from tests.mounts import tmpfs

    with tmpfs(tmp_path / "etat", size="200k"):
        config = write_workspace_with_inbox(tmp_path, etat=str(tmp_path / "etat"))
        (tmp_path / "etat" / "remplissage").write_bytes(b"\0" * 200 * 1024)
        with pytest.raises(JournalUnavailable, match="est plein"):
            settle(config.inbox)
            process_inbox(config, received_on=RECEIVED)
        assert (config.inbox / "CR.docx").exists() or list((tmp_path / "etat" / "travail").iterdir())


def write_workspace_with_inbox(base: Path, **folders) -> Config:
    write_csv(base / "agents.csv", [agent("100001", "Martin", "Léa")])
    data = {"liste_agents": "agents.csv", "dossiers": {"modeles": str(TEMPLATES), **folders}}
    (base / "config.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    config = load_config(base / "config.yaml")
    config.inbox.mkdir(parents=True, exist_ok=True)
    (config.inbox / "CR.docx").write_bytes(b"")
    return config
