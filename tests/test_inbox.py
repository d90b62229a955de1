"""What shared folders really hold, through ``process`` (pipeline/process.py, pipeline/naming.py):
names that are not UTF-8 or hold control characters, subfolders dragged into the inbox, the files
browsers and operating systems leave there, hard links, names too long for a file system, a
destination promised to a file that could not be placed yet, identifiers typed again."""

from __future__ import annotations

import logging
import os
import shutil
import stat
from pathlib import Path

import pytest

from pipeline import catalogue as cat
from pipeline.naming import MAX_NAME_BYTES, REJECTION_SUFFIX, REJECTS
from pipeline.outcomes import Outcome
from tests.test_process import Desk, blanks, desk, sha  # noqa: F401, F811 (fixtures)
from tests.conftest import RECEIVED, restamp_version

# Files from the field (copied from shared/cases so that the suite runs from the repository alone).
CASES = Path(__file__).resolve().parent / "field_cases"


def drop_bytes_name(desk: Desk, source: Path, raw_name: bytes | str) -> str:
    desk.config.inbox.mkdir(parents=True, exist_ok=True)
    target = os.path.join(os.fsencode(desk.config.inbox), os.fsencode(raw_name))
    shutil.copyfile(source, target)
    return sha(Path(os.fsdecode(target)))


# -- any name the file system can hold ------------------------------------------------------------


@pytest.mark.parametrize(("raw", "shown"), [
    (b"CR Martin \x82lodie.docx", "CR Martin élodie.docx"),      # CP850 from a Windows zip
    (b"CR L\xe9a Martin.docx", "CR LÚa Martin.docx"),             # Latin-1: shown, never a crash
    (b"CR\nINFO faux message.docx", "CR?INFO faux message.docx"),  # a newline would forge a log line
    (b"CR\tMartin\x1b[31m.docx", "CR?Martin?[31m.docx"),          # tab and terminal escape
    (b"\xff\xfe\xfd.docx", "\u00a0■².docx"),                    # bytes no encoding agrees on
    ("CR \u202eFDP.docx", "CR ?FDP.docx"),                        # a right-to-left override
])
def test_any_file_name_is_processed_and_shown_readably(desk, caplog, raw, shown):
    """GIVEN a report under a name that is not UTF-8 or holds control characters, next to an
    ordinary one WHEN a pass runs THEN both are processed; the odd name is shown readably in
    the journal, the logs and the pass summary, and no log line is forged."""
    report = desk.fill("CR.docx", "100001")
    odd_sha = drop_bytes_name(desk, report, raw)
    desk.drop(desk.fill("autre.docx", "100002"))
    with caplog.at_level(logging.INFO, logger="entretiens"):
        result = desk.run()
    assert sorted(h.received_name for h in result.handled) == sorted([shown, "autre.docx"])
    assert all(h.outcome == Outcome.ACCEPTED for h in result.handled)
    assert list(desk.config.inbox.iterdir()) == []
    assert any(sha(p) == odd_sha for p in desk.placed())
    with desk.journal() as journal:
        assert sorted(r.original_name for r in journal.files()) == sorted([shown, "autre.docx"])
    assert not any("\n" in r.getMessage() or "\x1b" in r.getMessage() for r in caplog.records)


def test_a_turned_away_file_with_an_odd_name_keeps_it_readably_in_rejets(desk):
    drop_bytes_name(desk, CASES / "not_a_report_note_quotes_received_name.docx",
                    b"Note de service \x82t\x82.docx")
    (handled,) = desk.run().handled
    assert handled.outcome == Outcome.UNREADABLE
    assert Path(handled.destination) == desk.config.outbox / REJECTS / "Note de service été.docx"
    assert (desk.config.outbox / REJECTS / f"Note de service été{REJECTION_SUFFIX}").exists()


# -- subfolders, and what is left alone ------------------------------------------------------------


def test_reports_in_subfolders_are_processed_and_the_folders_left_in_place(desk):
    """GIVEN HR dragged whole service folders into the inbox (two levels deep)
    WHEN a pass runs THEN every report inside is processed like one at the top, named by
    its path in the inbox; the folders stay, empty."""
    (desk.config.inbox / "Service cardiologie" / "2e étage").mkdir(parents=True)
    desk.drop(desk.fill("cr martin.docx", "100001"), "Service cardiologie/cr martin.docx")
    desk.drop(desk.fill("cr ndiaye.docx", "100002"), "Service cardiologie/2e étage/cr ndiaye.docx")
    desk.drop(b"", "Service cardiologie/vide.docx")
    handled = {h.received_name: h.outcome for h in desk.run().handled}
    assert handled == {"Service cardiologie/cr martin.docx": Outcome.ACCEPTED,
                       "Service cardiologie/2e étage/cr ndiaye.docx": Outcome.ACCEPTED,
                       "Service cardiologie/vide.docx": Outcome.UNREADABLE}
    assert (desk.config.outbox / REJECTS / "Service cardiologie vide.docx").exists()
    assert sorted(p.relative_to(desk.config.inbox).as_posix() for p in desk.config.inbox.rglob("*")) == [
        "Service cardiologie", "Service cardiologie/2e étage"]


@pytest.mark.parametrize("name", [
    "Non confirmé 812345.crdownload", "rapport.docx.crdownload", "CR.docx.partial", "CR.docx.download",
    "CR.docx.opdownload", "CR.docx:Zone.Identifier", "Icon\r", ".DS_Store", "._CR Martin.docx",
    "Thumbs.db", "ehthumbs.db", "desktop.ini", "~$CR Martin.docx", ".~lock.CR Martin.docx#", "CR.tmp",
])
def test_downloads_in_progress_and_system_side_files_are_left_alone(desk, name):
    """Browsers download into the share under a temporary name; operating systems copy their
    side files: left where they are, never moved, never noted, until renamed."""
    data = (CASES / "Non confirmé 812345.crdownload").read_bytes()
    desk.drop(data, name)
    (desk.config.inbox / "$RECYCLE.BIN").mkdir()
    (desk.config.inbox / "$RECYCLE.BIN" / "CR.docx").write_bytes(b"")
    assert desk.run().handled == []
    assert (desk.config.inbox / name).read_bytes() == data
    with desk.journal() as journal:
        assert journal.files() == []


# -- hard links, long names ---------------------------------------------------------------------


def test_a_hard_link_to_a_file_outside_the_inbox_is_never_changed_through_it(desk, tmp_path):
    """GIVEN a file dropped as a hard link to a file outside the workspace (the service runs
    with rights on both) WHEN it is processed THEN the outside file keeps its mode and bytes,
    and the placed report is a file of its own (editing the outside one changes nothing)."""
    outside = tmp_path / "ailleurs" / "CR.docx"
    outside.parent.mkdir()
    shutil.copyfile(desk.fill("CR.docx", "100001"), outside)
    os.chmod(outside, 0o666)
    before = sha(outside)
    desk.config.inbox.mkdir(parents=True, exist_ok=True)
    os.link(outside, desk.config.inbox / "CR.docx")
    (handled,) = desk.run().handled
    placed = Path(handled.destination)
    assert handled.outcome == Outcome.ACCEPTED
    assert stat.S_IMODE(outside.stat().st_mode) == 0o666 and sha(outside) == before
    assert not os.path.samefile(outside, placed) and sha(placed) == before
    assert outside.stat().st_nlink == 1


@pytest.mark.parametrize("field", [cat.LAST_NAME, cat.FIRST_NAME])
def test_a_very_long_agent_name_still_gives_a_name_the_file_system_takes(desk, field):
    report = desk.fill("CR long.docx", "100001", overrides={field: "Martin-" + "é" * 244})
    desk.drop(report)
    (handled,) = desk.run().handled
    assert handled.outcome == Outcome.ACCEPTED, handled
    assert len(Path(handled.destination).name.encode()) <= MAX_NAME_BYTES
    assert Path(handled.destination).exists()


# -- a destination is promised to one file only ------------------------------------------------------


@pytest.mark.parametrize("blocked", [REJECTS, "doublons"])
def test_a_file_waiting_for_its_folder_keeps_its_name_when_another_of_that_name_arrives(desk, blocked):
    """GIVEN «\u202fCR.docx\u202f» (A) planned for a folder that cannot be written for a while
    WHEN that folder comes back and another «\u202fCR.docx\u202f» (B) is dropped
    THEN A gets the name it was promised, with its note; B takes a free name; nothing is stuck."""
    first = desk.fill("CR.docx", "100001")
    if blocked == "doublons":
        desk.drop(first, "original.docx")
        desk.run()
    desk.drop(first if blocked == "doublons" else b"", "CR.docx")
    desk.config.outbox.mkdir(parents=True, exist_ok=True)
    (desk.config.outbox / blocked).write_bytes(b"a file where the folder should be")
    assert desk.run().handled == []  # A waits, planned
    (desk.config.outbox / blocked).unlink()
    desk.drop(b"B" if blocked == REJECTS else first, "CR.docx")
    handled = desk.run().handled
    assert sorted(Path(h.destination).name for h in handled) == ["CR (2).docx", "CR.docx"]
    folder = desk.config.outbox / blocked
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["CR.docx", "CR (2).docx", f"CR{_suffix(blocked)}", f"CR (2){_suffix(blocked)}"])
    with desk.journal() as journal:
        assert journal.unfinished() == []


def _suffix(folder: str) -> str:
    from pipeline.naming import DUPLICATE_SUFFIX

    return REJECTION_SUFFIX if folder == REJECTS else DUPLICATE_SUFFIX


# -- identifiers typed again ----------------------------------------------------------------------


@pytest.mark.parametrize("retyped", ["2026 - 100001", "2026-\u00a0100001", "2026\u2013100001", " 2026-100 001"])
def test_a_retyped_identifier_is_the_same_report(desk, retyped):
    """The next version of a report whose identifier was retyped with spaces or another dash is
    the same report: it replaces the first (history), never a second report of the agent."""
    first = desk.fill("v1.docx", "100001")
    desk.drop(first)
    desk.run()
    second = desk.fill("v2.docx", start=first, stage=2, overrides={cat.REPORT_ID: retyped})
    desk.drop(second)
    (handled,) = desk.run().handled
    assert (handled.outcome, handled.report_id, handled.stage) == (Outcome.ACCEPTED, "2026-100001", 2)
    with desk.journal() as journal:
        assert [c.report_id for c in journal.current_reports()] == ["2026-100001"]


def test_a_file_waiting_for_its_folder_shows_in_status(desk):
    from pipeline.status import campaign_status

    desk.drop(b"", "CR.docx")
    desk.config.outbox.mkdir(parents=True, exist_ok=True)
    (desk.config.outbox / REJECTS).write_bytes(b"a file where the folder should be")
    desk.run()
    (waiting,) = campaign_status(desk.config).waiting
    assert waiting["fichier"] == "CR.docx"
    assert waiting["destination_prevue"] == str(desk.config.outbox / REJECTS / "CR.docx")


def test_a_workbook_that_cannot_be_written_is_a_warning_and_the_pass_still_ends(desk, tmp_path):
    """GIVEN an outbox on a file system that has no room left (the report placed, then the
    share filled up) WHEN a pass runs THEN it ends normally, with a French warning that says
    the files are placed and how to rebuild the workbooks later."""
    from tests.mounts import tmpfs

    report = desk.fill("CR.docx", "100001")
    with tmpfs(desk.config.outbox, size="400k"):
        desk.drop(report)
        (placed,) = desk.run().handled
        filler = desk.config.outbox / "remplissage"
        with open(filler, "wb", buffering=0) as handle:
            try:
                while handle.write(b"\0" * 4096):
                    pass
            except OSError:  # no space left: what the test wants
                pass
        result = desk.run()
        assert result.workbooks == [] and "«\u202fentretiens classeurs\u202f»" in result.workbooks_problem
        assert Path(placed.destination).exists()
        assert not [p for p in desk.config.outbox.iterdir() if p.name.startswith(".tmp-")]


def test_a_pipe_in_the_inbox_is_left_alone_and_said(desk):
    desk.config.inbox.mkdir(parents=True, exist_ok=True)
    os.mkfifo(desk.config.inbox / "tube")
    desk.drop(desk.fill("CR.docx", "100001"))
    result = desk.run()
    assert [h.outcome for h in result.handled] == [Outcome.ACCEPTED]
    assert [name for name, _ in result.left_alone] == ["tube"]
    assert (desk.config.inbox / "tube").exists()


def test_an_outbox_moved_away_while_the_service_runs_is_never_made_again(desk, tmp_path):
    """GIVEN a processor started (as the watcher keeps one) WHEN the outbox is moved away and a
    new version of a report arrives THEN it waits in the work area, nothing is recorded as
    moved, no second outbox appears; once the outbox is back, it is placed."""
    from pipeline.process import Processor

    first = desk.fill("v1.docx", "100001")
    desk.drop(first)
    desk.run()
    with Processor(desk.config, received_on=RECEIVED) as processor:
        desk.config.outbox.rename(tmp_path / "sortie déplacée")
        desk.drop(desk.fill("v2.docx", start=first, stage=2))
        with pytest.raises(FileNotFoundError):
            processor.process_file_synced(desk.config.inbox / "v2.docx")
        assert not desk.config.outbox.exists()
        with desk.journal() as journal:
            assert len(journal.moves()) == 1  # the first version's arrival only
        (tmp_path / "sortie déplacée").rename(desk.config.outbox)
        (handled,) = processor.recover()
    assert handled.stage == 2 and Path(handled.destination).exists()
    assert len(list((desk.config.outbox / "historique").rglob("*.docx"))) == 1


@pytest.mark.parametrize("kind", ["not_a_report", "other_version"])
def test_the_note_and_status_quote_the_file_as_it_was_received(desk, kind):
    """The reason of a file that is not a report, or is of another form version, names the file
    as the manager sent it, never its work name in the state folder."""
    from pipeline.status import campaign_status

    received = "Note de service été.docx" if kind == "not_a_report" else "CR ancien modèle.docx"
    if kind == "not_a_report":
        source = CASES / "not_a_report_note_quotes_received_name.docx"
    else:
        source = desk.fill("ancien.docx", "100001")
        restamp_version(source, "CR-0000000000")  # made on another form
    desk.drop(source, received)
    (handled,) = desk.run().handled
    with desk.journal() as journal:
        (row,) = journal.files()
    (finding,) = row.findings
    assert f"«\u202f{received}\u202f»" in finding["message"] and "__" not in finding["message"]
    (rejection,) = campaign_status(desk.config).rejected
    assert rejection["fichier"] == received and any(received in m for m in rejection["messages"])


# -- a pass from cron takes only what is ready, by the watcher's rules ------------------------------------


def test_a_file_still_being_copied_stays_in_the_inbox_until_a_later_pass(desk):
    """GIVEN a report whose copy is still under way (changed a moment ago) WHEN process runs from
    cron THEN it stays in the inbox, said in the pass summary with why; the next pass, once it
    has settled, takes it whole."""
    from tests.conftest import settle

    report = desk.fill("CR.docx", "100001")
    desk.config.inbox.mkdir(parents=True, exist_ok=True)
    partial = desk.config.inbox / "CR.docx"
    partial.write_bytes(report.read_bytes()[:20_000])  # the first bytes only, as a copy in progress
    result = process_inbox_now(desk)
    assert result.handled == [] and [name for name, _ in result.left_alone] == ["CR.docx"]
    assert "en cours de copie" in result.left_alone[0][1]
    partial.write_bytes(report.read_bytes())  # the copy ends
    settle(desk.config.inbox)
    (handled,) = desk.run().handled
    assert handled.outcome == Outcome.ACCEPTED and sha(Path(handled.destination)) == sha(report)


@pytest.mark.parametrize(("content", "age", "waits"), [
    ("partial_zip", 10, True), ("partial_zip", 120, False),  # a zip without its directory yet
    ("empty", 10, True), ("empty", 120, False),              # nothing written yet
    ("pdf", 10, False),                                       # no zip at all: its note at once
])
def test_an_incomplete_looking_file_waits_then_gets_its_note(desk, content, age, waits):
    import time

    from pipeline.inbox import not_ready

    desk.config.inbox.mkdir(parents=True, exist_ok=True)
    path = desk.config.inbox / "CR.docx"
    path.write_bytes({"partial_zip": desk.fill("x.docx", "100001").read_bytes()[:5000], "empty": b"",
                      "pdf": b"%PDF-1.7\n"}[content])
    then = time.time() - age
    os.utime(path, (then, then))
    why = not_ready(path, window=2.0, incomplete_after=30.0)
    assert (why is not None) == waits, why
    if waits:
        assert "incomplet pour l'instant" in why


@pytest.mark.parametrize(("content", "age", "waits"), [
    (b"%PDF-1.7\n1 0 obj", 10, True), (b"%PDF-1.7\n1 0 obj", 120, False),  # a PDF without its end yet
    (b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n", 10, False),                 # a complete one: taken
])
def test_a_pdf_still_being_copied_waits_for_its_end(desk, content, age, waits):
    import time

    from pipeline.inbox import not_ready

    desk.config.inbox.mkdir(parents=True, exist_ok=True)
    path = desk.config.inbox / "scan signé.pdf"
    path.write_bytes(content)
    then = time.time() - age
    os.utime(path, (then, then))
    why = not_ready(path, window=2.0, incomplete_after=30.0)
    assert (why is not None) == waits, why
    if waits:
        assert why == "incomplet pour l'instant (PDF sans sa fin)"


def test_a_file_the_service_cannot_read_is_left_in_the_inbox_with_why():
    """Dropped by another account, mode 0600: the service (here the user nobody) cannot read it;
    it stays where it is, with the reason, rather than being claimed and stuck."""
    import shutil
    import subprocess
    import sys
    import tempfile
    import time

    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to act as another account")
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    if subprocess.run([*as_nobody, "import pipeline.inbox"], env=env, cwd="/", capture_output=True).returncode:
        pytest.skip("the account nobody cannot read this checkout (its folder is private)")
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        os.chmod(folder, 0o755)
        private = Path(folder) / "CR.docx"
        private.write_bytes(b"PK\x03\x04 private")
        os.chmod(private, 0o600)
        then = time.time() - 3600
        os.utime(private, (then, then))
        code = ("import sys; from pathlib import Path; from pipeline.inbox import not_ready; "
                "print(not_ready(Path(sys.argv[1]), window=2, incomplete_after=30))")
        done = subprocess.run([*as_nobody, code, str(private)], capture_output=True, text=True, env=env, cwd="/")
    assert done.returncode == 0, done.stderr
    assert "illisible par le service" in done.stdout and "accès refusé" in done.stdout


def process_inbox_now(desk):
    """A pass run right away (not settled: as cron may find the inbox)."""
    from pipeline.process import process_inbox

    return process_inbox(desk.config, received_on=RECEIVED)


def test_status_shows_what_sits_in_the_inbox_not_taken_yet_and_why(desk):
    from pipeline.status import campaign_status

    desk.config.inbox.mkdir(parents=True, exist_ok=True)
    (desk.config.inbox / "en cours.docx").write_bytes(b"PK\x03\x04")  # just written
    os.mkfifo(desk.config.inbox / "tube")
    waiting = {item["fichier"]: item["motif"] for item in campaign_status(desk.config).not_taken}
    assert set(waiting) == {"en cours.docx", "tube"}
    assert "en cours de copie" in waiting["en cours.docx"] and "n'est pas un fichier" in waiting["tube"]


# -- a second chance: examining again a file that sits in rejets ---------------------------------------


def test_a_report_of_an_agent_added_to_the_roster_since_is_examined_again_and_accepted(desk):
    """GIVEN a report rejected because its agent was missing from the roster WHEN HR adds the
    agent and examines the file again THEN it is accepted, moves to its stage folder, its old
    note goes to the history, the journal keeps both examinations, nothing is deleted; dropping
    the same bytes again would only have made a duplicate."""
    from pipeline import reexamine_files
    from tests.conftest import write_csv
    from tests.test_process import AGENTS

    report = desk.fill("CR Petit.docx", "100003")
    write_csv(desk.config.base_dir / "agents.csv", AGENTS[:2])  # Zoé is not in the roster yet
    desk.drop(report)
    (first,) = desk.run().handled
    assert first.reason_code == "agent_inconnu"
    rejected = Path(first.destination)
    note = rejected.with_name(rejected.stem + REJECTION_SUFFIX)
    assert note.exists()
    write_csv(desk.config.base_dir / "agents.csv", AGENTS)  # HR adds her
    (again,) = reexamine_files(desk.config, [rejected], received_on=RECEIVED).handled
    assert again.outcome == Outcome.ACCEPTED and Path(again.destination).exists()
    assert sha(Path(again.destination)) == sha(report) and not rejected.exists() and not note.exists()
    kept = list((desk.config.outbox / "historique").rglob(f"*{REJECTION_SUFFIX}"))
    assert [p.name for p in kept] == [note.name]
    with desk.journal() as journal:
        rows = journal.files()
        assert [r.reexamination_of for r in rows] == [None, rows[0].id]
        assert journal.where_now(rows[0]) == again.destination  # the first examination's file, followed
        assert [c.report_id for c in journal.current_reports()] == ["2026-100003"]


def test_only_a_file_of_rejets_can_be_examined_again(desk, tmp_path):
    from pipeline import reexamine_files
    from pipeline.outcomes import NotReexaminable

    report = desk.fill("CR.docx", "100001")
    desk.drop(report)
    (accepted,) = desk.run().handled
    other = tmp_path / "ailleurs.docx"
    other.write_bytes(b"x")
    for path in (Path(accepted.destination), other):
        with pytest.raises(NotReexaminable, match="n'est pas un fichier rejeté connu du journal"):
            reexamine_files(desk.config, [path])
    assert Path(accepted.destination).exists() and other.exists()


def test_a_run_killed_while_examining_again_is_finished_by_the_next_pass(desk):
    """The work name says the file is examined again: recovery never takes it for a copy of itself."""
    from pipeline.naming import WORK_FOLDER, reexamination_of, work_name

    desk.drop(b"", "vide.docx")
    (first,) = desk.run().handled
    rejected = Path(first.destination)
    with desk.journal() as journal:
        (row,) = journal.files()
    work = desk.config.state_dir / WORK_FOLDER / work_name("vide.docx", reexamination_of=row.id)
    assert reexamination_of(work.name) == row.id
    os.rename(rejected, work)  # killed right after the claim's rename: the journal never heard of it
    (recovered,) = desk.run().handled
    assert recovered.outcome == Outcome.UNREADABLE and recovered.reason_code == "fichier_vide"
    assert Path(recovered.destination).exists()


# -- an output folder inside the inbox ----------------------------------------------------------


@pytest.mark.parametrize("folders", [{"sortie": "inbox/sortie"}, {"etat": "inbox/.etat"}, {"sortie": "inbox"},
                                     {"entree": "partage", "sortie": "partage/traites/2026"}])
def test_an_outbox_or_state_dir_inside_the_inbox_is_refused_before_anything_is_taken(tmp_path, folders):
    """GIVEN an outbox or a state dir inside the inbox (whose subfolders are processed) WHEN a
    pass or the watcher starts THEN it is refused with a French message naming the key, and the
    file waiting in the inbox is left as it was."""
    from pipeline.inbox import check_outside_inbox
    from pipeline.outcomes import OutboxInsideInbox
    from pipeline.process import process_inbox
    from tests.conftest import make_config

    config = make_config(tmp_path, dossiers=folders)
    config.inbox.mkdir(parents=True)
    waiting = config.inbox / "CR.docx"
    waiting.write_bytes(b"PK\x03\x04 not really")
    for start in (check_outside_inbox, process_inbox):
        with pytest.raises(OutboxInsideInbox, match="est à l'intérieur du dossier d'entrée") as refused:
            start(config)
        assert "hors du dossier d'entrée" in str(refused.value)
    assert waiting.read_bytes() == b"PK\x03\x04 not really"
    assert sorted(p.name for p in config.inbox.iterdir()) == ["CR.docx"]


def test_folders_beside_the_inbox_are_fine(tmp_path):
    from pipeline.inbox import check_outside_inbox
    from tests.conftest import make_config

    check_outside_inbox(make_config(tmp_path, dossiers={"sortie": "inbox-sortie", "etat": "/var/tmp/etat"}))
    check_outside_inbox(make_config(tmp_path, dossiers={"entree": "partage/depot", "sortie": "partage"}))
