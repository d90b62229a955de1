"""Reading a backlog in worker processes (pipeline/parallel.py, ``lecture_parallele``).

The pool only changes where reports are read: every pass here is compared with the same pass
read one file at a time, on a mixed batch (accepted versions, a later stage of one report, a
byte-identical copy, reports with required parts missing, unreadable files, a PDF), by outcome,
reason, destination, journal and the bytes placed. Workers are real spawned processes; the
SIGKILLs are real.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.filling import fill_report
from pipeline.outcomes import ConfigError
from pipeline.parallel import ExaminationPool, worker_count
from pipeline.process import process_inbox
from tests import watchkit as wk
from tests.conftest import REPO, settle

POOLED = {"processus": 2, "a_partir_de": 1}
ONE_BY_ONE = {"processus": 0}


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> wk.Sources:
    return wk.make_sources(tmp_path_factory.mktemp("parallel-sources"), 6)


def mixed_batch(sources: wk.Sources, folder: Path) -> list[Path]:
    """30 files of make_batch (versions, a copy, rejected, a renamed PDF), and one of each kind
    that is read differently: a later stage of a report already in the batch, an empty file, a
    zip cut short, a Word file that is not a report, a damaged PDF (a signed copy, never pooled)."""
    files = wk.make_batch(sources, folder, 30)
    later = fill_report(sources.filled[1], folder / "0100 version signée.docx", load_config(
        sources.root / "config.yaml").catalogue, stage=2, review=wk.REVIEW)
    empty = folder / "0101 vide.docx"
    empty.write_bytes(b"")
    whole = sources.filled[2].read_bytes()
    cut = folder / "0102 coupé.docx"
    cut.write_bytes(whole[: len(whole) // 2])
    other = folder / "0103 autre document.docx"
    with zipfile.ZipFile(sources.filled[3]) as source, zipfile.ZipFile(other, "w") as out:
        for item in source.infolist():  # a Word document, but not the form: no field to read
            data = source.read(item)
            out.writestr(item, b"<w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'>"
                         b"<w:body><w:p/></w:body></w:document>" if item.filename == "word/document.xml" else data)
    pdf = folder / "0104 exemplaire signé.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 200 + b"\n%%EOF\n")
    return [*files, later, empty, cut, other, pdf]


def workspace(root: Path, sources: wk.Sources, reading: dict) -> Path:
    ws = wk.make_workspace(root, sources)
    with open(ws.config_path, "a", encoding="utf-8") as config:
        config.write(f"lecture_parallele: {json.dumps(reading)}\n")
    return ws.config_path


def fill_inbox(config_path: Path, batch: list[Path]) -> None:
    inbox = config_path.parent / "inbox"
    for path in batch:
        (inbox / path.name).write_bytes(path.read_bytes())
    settle(inbox)


def relative(path: str, base: Path) -> str:
    return os.path.relpath(path, base) if path else path


ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def start_command(config_path: Path, *, from_a_terminal: bool = False) -> subprocess.Popen:
    """``entretiens traiter`` on this workspace in a child process; ``from_a_terminal``: in a
    process group of its own, as a terminal starts it (Ctrl-C reaches the whole group), with its
    standard error kept as text."""
    return subprocess.Popen([sys.executable, "-m", "pipeline", "traiter", "--config", str(config_path)],
                            cwd=config_path.parent, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE if from_a_terminal else subprocess.DEVNULL, text=True,
                            start_new_session=from_a_terminal)


def started_workers(run: subprocess.Popen) -> list[int]:
    """The command's reading workers, once started: the command ignores Ctrl-C for the few
    milliseconds it starts them, and they ignore it from their birth."""
    workers = wk.wait_for(lambda: [pid for pid in children_of(run.pid) if "spawn_main" in cmdline(pid)], 60,
                          interval=0.005, what="reading workers")
    wk.wait_for(lambda: not ignores_ctrl_c(run.pid) and all(ignores_ctrl_c(pid) for pid in workers), 30,
                interval=0.001, what="workers started")
    return workers


def outcomes(result, base: Path) -> list[tuple]:
    return [(h.received_name, h.outcome, h.reason_code, relative(h.destination, base), h.stage, h.report_id)
            for h in result.handled]


def journal(base: Path) -> list[tuple]:
    with sqlite3.connect(base / "etat" / "journal.sqlite3") as db:
        rows = db.execute("SELECT original_name, status, outcome, reason_code, report_id, campaign, stage, "
                          "destination, note, content, findings FROM files ORDER BY id").fetchall()
    return [(*row[:7], relative(row[7], base), relative(row[8], base), row[9], row[10]) for row in rows]


def placed_bytes(base: Path) -> dict[str, str]:
    """Every file under the outbox's folders by relative path: sha256 of received files, and only
    the name of notes (their zip entries carry the time they were written)."""
    found = {}
    for path in sorted((base / "outbox").rglob("*")):
        if path.is_file() and path.parent != base / "outbox":
            name = str(path.relative_to(base))
            found[name] = "note" if " - " in path.name else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture(scope="module")
def reference(sources, tmp_path_factory):
    """The mixed batch, read one file at a time: what every pooled pass must give."""
    batch = mixed_batch(sources, tmp_path_factory.mktemp("batch"))
    config_path = workspace(tmp_path_factory.mktemp("one-by-one"), sources, ONE_BY_ONE)
    fill_inbox(config_path, batch)
    result = process_inbox(load_config(config_path), outputs=False)
    base = config_path.parent
    assert {h.outcome for h in result.handled} >= {"accepted", "rejected", "unreadable", "duplicate"}
    return batch, outcomes(result, base), journal(base), placed_bytes(base)


def test_a_pooled_pass_gives_what_one_file_at_a_time_gives(reference, sources, tmp_path):
    batch, handled, rows, placed = reference
    config_path = workspace(tmp_path / "pooled", sources, POOLED)
    fill_inbox(config_path, batch)
    workers_seen = []
    result = process_inbox(load_config(config_path), outputs=False,
                           progress=lambda done, total: workers_seen.append(len(multiprocessing.active_children())))
    base = config_path.parent
    assert max(workers_seen) == 2  # the files were read by the pool
    assert outcomes(result, base) == handled
    assert journal(base) == rows
    assert placed_bytes(base) == placed
    assert not multiprocessing.active_children()  # the workers stopped with the pass
    assert not any((base / "inbox").iterdir()) and not any((base / "etat" / "travail").iterdir())


def test_workers_killed_mid_pass_cost_only_time(reference, sources, tmp_path, caplog):
    batch, handled, rows, placed = reference
    config_path = workspace(tmp_path / "killed", sources, POOLED)
    fill_inbox(config_path, batch)
    killed = []

    def kill_the_workers(done, total):
        if done == 3:
            for worker in multiprocessing.active_children():
                os.kill(worker.pid, signal.SIGKILL)
                killed.append(worker.pid)

    with caplog.at_level(logging.WARNING):
        result = process_inbox(load_config(config_path), outputs=False, progress=kill_the_workers)
    base = config_path.parent
    assert killed
    assert "processus de lecture arrêté" in caplog.text
    assert outcomes(result, base) == handled
    assert journal(base) == rows
    assert placed_bytes(base) == placed


def test_a_pass_killed_with_files_claimed_ahead_loses_none(reference, sources, tmp_path):
    """SIGKILL of `entretiens traiter` while its workers read ahead: the workers end with it
    (none is left running), and the next pass finishes every file, each placed once."""
    batch, handled, _rows, placed = reference
    config_path = workspace(tmp_path / "crash", sources, {"processus": 2, "a_partir_de": 1})
    fill_inbox(config_path, batch)
    base = config_path.parent
    run = start_command(config_path)
    try:
        workers = wk.wait_for(lambda: children_of(run.pid), 60, interval=0.01, what="reading workers")
        wk.wait_for(lambda: any((base / "etat" / "travail").iterdir()) and not _reading_done(base), 60,
                    interval=0.005, what="files claimed")
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
        wk.wait_for(lambda: not any(alive(pid) for pid in workers), 30, what="workers ending with the pass")
    finally:
        if run.poll() is None:
            run.kill()
    assert any((base / "etat" / "travail").iterdir()) or any((base / "inbox").iterdir())

    result = process_inbox(load_config(config_path), outputs=False)
    assert not any((base / "inbox").iterdir()) and not any((base / "etat" / "travail").iterdir())
    assert placed_bytes(base) == placed
    with sqlite3.connect(base / "etat" / "journal.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM files WHERE status != 'done'").fetchone() == (0,)
        assert db.execute("SELECT COUNT(DISTINCT original_name) FROM files").fetchone() == (len(batch),)
    assert result.handled  # the second pass finished what the first left


def test_files_claimed_ahead_are_not_counted_as_killing_the_run(reference, sources, tmp_path):
    """A pooled pass killed with files claimed ahead; the next run dies reading one of them (as an
    exhausted memory kills it); the run after reads it and accepts it: one death, not two (the
    files claimed ahead were never read by the run that died first), and none of the others is
    counted at all."""
    batch, handled, _rows, _placed = reference
    accepted = {name for name, outcome, *_ in handled if outcome == "accepted"}
    config_path = workspace(tmp_path / "counted", sources, POOLED)
    fill_inbox(config_path, batch)
    base = config_path.parent
    run = start_command(config_path)
    try:
        wk.wait_for(lambda: len(claimed_reports(base, accepted)) >= 3, 60, interval=0.002,
                    what="files claimed ahead")
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
    victim = claimed_reports(base, accepted)[-1]
    died = subprocess.run([sys.executable, str(REPO / "tests" / "crash_runner.py"), str(config_path), "examine",
                           victim], cwd=base, env=ENV, capture_output=True, text=True, timeout=300)
    assert died.returncode == -signal.SIGKILL, died.stderr
    process_inbox(load_config(config_path), outputs=False)
    with sqlite3.connect(base / "etat" / "journal.sqlite3") as db:
        rows = {name: (outcome, reason, interrupted) for name, outcome, reason, interrupted in db.execute(
            "SELECT original_name, outcome, reason_code, interrupted FROM files")}
    assert rows[victim] == ("accepted", None, 1)
    assert all(interrupted == 0 for name, (_o, _r, interrupted) in rows.items() if name != victim)
    assert "traitement_interrompu" not in {reason for _o, reason, _i in rows.values()}


def test_ctrl_c_stops_a_pass_whose_worker_is_stuck(reference, sources, tmp_path):
    """A worker stuck in a read (here stopped with SIGSTOP, as a read from a share that no longer
    answers): Ctrl-C still ends the command at once, in French, with exit code 130; the stuck
    worker is killed, not waited for."""
    config_path = workspace(tmp_path / "stuck", sources, POOLED)
    fill_inbox(config_path, reference[0])
    run = start_command(config_path, from_a_terminal=True)
    try:
        workers = started_workers(run)
        os.kill(workers[0], signal.SIGSTOP)
        time.sleep(1.0)  # the pass now waits for what the stopped worker was given
        os.killpg(run.pid, signal.SIGINT)
        _, errors = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
        for pid in children_of(run.pid):
            os.kill(pid, signal.SIGKILL)
    assert run.returncode == 130, errors
    assert "Interrompu : " in errors and "Traceback" not in errors, errors
    wk.wait_for(lambda: not any(alive(pid) for pid in workers), 30, what="the stuck worker killed")


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def claimed_reports(base: Path, among: set[str]) -> list[str]:
    """Received names of the files the journal holds as claimed (not yet decided), ``among`` these."""
    try:
        with sqlite3.connect(f"file:{base / 'etat' / 'journal.sqlite3'}?mode=ro", uri=True, timeout=5) as db:
            names = [name for (name,) in db.execute("SELECT original_name FROM files WHERE status='claimed' "
                                                     "ORDER BY id")]
    except sqlite3.Error:
        return []
    return [name for name in names if name in among]


def test_ctrl_c_stops_the_pass_and_its_workers_in_french(reference, sources, tmp_path):
    """Ctrl-C in a terminal reaches the command and its workers (one process group): one French
    line, exit code 130, no traceback from any process; the next run finishes every file."""
    _batch, _handled, _rows, placed = reference
    config_path = workspace(tmp_path / "ctrl-c", sources, POOLED)
    fill_inbox(config_path, reference[0])
    base = config_path.parent
    run = start_command(config_path, from_a_terminal=True)
    try:
        workers = started_workers(run)
        os.killpg(run.pid, signal.SIGINT)
        _, errors = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 130, errors
    assert "Interrompu : " in errors and "Traceback" not in errors, errors
    wk.wait_for(lambda: not any(alive(pid) for pid in workers), 30, what="workers ending with the pass")
    process_inbox(load_config(config_path), outputs=False)
    assert placed_bytes(base) == placed


def test_without_shared_memory_the_pass_reads_its_files_itself(reference, sources, tmp_path):
    """/dev/shm read-only (some containers): the pool's locks cannot be made. The command says
    so in French and reads every file itself: same outcomes, exit code 0. Run in a private mount
    namespace (unshare, as root), so that nothing else on the machine loses its /dev/shm."""
    _batch, _handled, _rows, placed = reference
    config_path = workspace(tmp_path / "no-shm", sources, POOLED)
    fill_inbox(config_path, reference[0])
    base = config_path.parent
    command = (f"mount -t tmpfs -o ro,size=1m tmpfs /dev/shm && exec {sys.executable} -m pipeline traiter "
               f"--config '{config_path}'")
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", command], cwd=base,
                          env=ENV, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 and "mount" in done.stderr and "Traceback" not in done.stderr:
        if os.environ.get("CI"):
            raise AssertionError(done.stderr)
        pytest.skip(f"no private mount namespace here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    assert "processus de lecture non démarrés" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert placed_bytes(base) == placed


def ignores_ctrl_c(pid: int) -> bool:
    """Whether ``pid`` ignores SIGINT (one that has ended does: it cannot print anything)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    for line in status.splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    return False


def _reading_done(base: Path) -> bool:
    return not any((base / "inbox").iterdir())


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_file_read_by_a_worker_is_the_file_read_here(sources, tmp_path):
    """The pool's examination of each kind of file equals examine() in this process, exceptions
    and reasons included; a result asked for before its chunk is full is sent at once."""
    from pipeline.examine import examine

    config = load_config(workspace(tmp_path, sources, POOLED))
    batch = mixed_batch(sources, tmp_path / "batch")
    docx = [p for p in batch if p.suffix == ".docx"]
    agents = {"400000", "400001"}

    def never_here():
        raise AssertionError("read in this process: the workers should have read it")

    with ExaminationPool(config, agents, 2, chunk=4) as pool:
        futures = [pool.submit(p, wk.REVIEW, p.name) for p in docx]
        pooled = [pool.result(f, never_here) for f in futures]
        lone = pool.submit(docx[0], wk.REVIEW, docx[0].name)  # a chunk of one: sent when asked for
        pooled_again = pool.result(lone, never_here)
        assert not pool.broken
    here = [examine(p, config, agents=agents, received=wk.REVIEW, name=p.name) for p in docx]
    assert [e.as_json() for e in pooled] == [e.as_json() for e in here]
    assert pooled_again.as_json() == here[0].as_json()
    assert {e.error.code for e in pooled if e.error} >= {"fichier_vide", "fichier_tronque", "pas_un_docx"}
    assert any(e.validation and not e.validation.accepted for e in pooled)
    assert any(e.validation and any(f.code == "agent_inconnu" for f in e.validation.findings) for e in pooled)


# -- how many workers ---------------------------------------------------------------------------


def test_worker_count_follows_the_setting_and_the_pass_size():
    processors = len(os.sched_getaffinity(0))
    assert worker_count("auto", 199, 200) == 0  # a small pass reads its files itself
    assert worker_count("auto", 200, 200) == (0 if processors < 2 else min(processors, 4))
    assert worker_count(3, 1000, 200) == 3
    assert worker_count(0, 1000, 200) == 0
    assert worker_count(2, 1, 1) == 2


@pytest.mark.parametrize("value, shown", [
    ("tous", "tous"), ("deux", "deux"), ("-1", "-1"), ("64", "64"), ("2.5", "2.5"), ("true", "true"),
    ("oui", "oui"), ("''", ""), ("null", "vide"), ("[2]", "[2]"),
])
def test_a_wrong_number_of_reading_processes_is_named_in_french(tmp_path, value, shown):
    path = tmp_path / "config.yaml"
    path.write_text(f"lecture_parallele:\n  processus: {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert (f"clé «\u202flecture_parallele.processus\u202f» : valeur «\u202f{shown}\u202f» : «\u202fauto\u202f» "
            "ou un nombre de processus de 0 à 32 (0 : aucun)") in caught.value.message


@pytest.mark.parametrize("value, workers", [("auto", "auto"), ("AUTO", "auto"), ("' auto '", "auto"), ("0", 0),
                                            ("3", 3), ("'4'", 4), ("32", 32)])
def test_the_number_of_reading_processes_as_hr_writes_it(tmp_path, value, workers):
    path = tmp_path / "config.yaml"
    path.write_text(f"lecture_parallele:\n  processus: {value}\n", encoding="utf-8")
    assert load_config(path).parallel_reading.workers == workers


@pytest.mark.parametrize("text, expected", [
    ("lecture_parallele:\n  a_partir_de: 0\n", "a_partir_de"),
    ("lecture_parallele:\n  a_partir_de: deux\n", "a_partir_de"),
    ("lecture_parallele:\n  processes: 2\n", "processes"),
])
def test_a_wrong_parallel_reading_setting_is_named_in_french(tmp_path, text, expected):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "lecture_parallele" in caught.value.message and expected in caught.value.message


def test_defaults_read_a_backlog_with_the_pool_and_a_few_files_without_it():
    config = load_config(REPO / "pipeline" / "defaults" / "config.yaml")
    assert config.parallel_reading.workers == "auto" and config.parallel_reading.from_files == 200
