"""A ``traiter`` pass killed (SIGKILL) at each step, then run again: every file in
exactly one place, once, byte for byte; nothing doubled in the journal (SPEC 7).

Each scenario runs tests/crash_runner.py in a child process that kills itself at one
point while handling one file, then the command ``python -m pipeline traiter`` (its
main(), in a process of its own), then checks the workspace and the journal, and that
one more pass changes nothing. Both processes are forked from one that imported the
product once (``crash_runner.py --serve``, one per test worker): a case pays no Python
start-up nor imports, and nothing of a killed run reaches the next.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
import yaml

from pipeline.catalogue import DEFAULT
from pipeline.config import Config, load_config
from pipeline.filling import fill_report
from pipeline.generate import generate
from pipeline.journal import Journal
from pipeline.naming import DUPLICATE_SUFFIX, REJECTION_SUFFIX
from pipeline.naming import DUPLICATES, HISTORY, JOURNAL_NAME, REJECTS, SHARE_WORK_FOLDER, WORK_FOLDER
from pipeline.naming import SIGNED_COPIES_DIR, SIGNED_COPY_SUFFIX
from pipeline.signed_copies import page_code, specimen_scan
from pipeline.process import process_inbox
from tests.conftest import REPO, TEMPLATES, TODAY, agent, before_the_clock, settle, write_csv
from tests.crash_runner import Runner
from tests.mounts import other_device, tmpfs

RUNNER = Path(__file__).resolve().parent / "crash_runner.py"
CAREER = DEFAULT.field("perspectives_carriere").key  # no constant in the catalogue
EXPECTATIONS = next(f.key for f in DEFAULT.fields  # the agent's expectations: not signed
                    if f not in DEFAULT.evaluator_fields() and f.kind == "text"
                    and f.required_from is None and f.marks_stage is None and not f.filled_by_generate)
AGENTS = [agent("100001", "Martin", "Léa"), agent("100002", "N'Diaye", "Paul"),
          agent("100003", "L’Hôte", "Zoé")]

FIRST = "CR Martin v1.docx"  # accepted before the crash, then replaced by its stage-2 version
IGNORED = "~$CR Martin v2.docx"  # Word's lock file: never moved
# file dropped before the run that crashes -> where it must end (inbox order: by name)
EXPECTED = {
    "CR Hote incomplet.docx": REJECTS,
    "CR Martin v2.docx": DEFAULT.stage(2).folder,
    "CR NDiaye.docx": HISTORY,  # replaced in the same pass by CR NDiaye2.docx
    "CR NDiaye2.docx": DEFAULT.stage(1).folder,  # same stage, the agent's expectations added
    "renvoi CR NDiaye.docx": DUPLICATES,  # byte-identical to CR NDiaye.docx
    "scan.docx": REJECTS,  # a PDF renamed .docx
    "vide.docx": REJECTS,  # empty
    "lot signé.pdf": SIGNED_COPIES_DIR,  # a batch scan of two reports: kept whole, split in two
}
BATCH = "lot signé.pdf"
# The PDFs made of the batch, one per report (made by the pass, not dropped).
PARTS = [f"{SIGNED_COPIES_DIR}/2026/100001/2026_100001_MARTIN_Léa{SIGNED_COPY_SUFFIX}",
         f"{SIGNED_COPIES_DIR}/2026/100002/2026_100002_N'DIAYE_Paul{SIGNED_COPY_SUFFIX}"]
WITH_NOTE = {"CR Hote incomplet.docx": REJECTION_SUFFIX, "scan.docx": REJECTION_SUFFIX,
             "vide.docx": REJECTION_SUFFIX, "renvoi CR NDiaye.docx": DUPLICATE_SUFFIX}

HISTORY_BUG = ("Processor.place skips the previous-version move when both its source and its "
               "target exist, so a crash between link and unlink leaves the old version in its "
               "stage folder as well as in the history")
SAME_NAME_BUG = (HISTORY_BUG + "; when the new version takes the same clean name, place() then "
                 "finds that old version at its destination and raises FileExistsError at every "
                 "restart: the pipeline is stuck")
TMP_BUG = ("files.replace_atomically leaves its '.tmp-*' file beside the note when the process dies "
           "before the rename, and nothing removes it at restart: a second copy of the note stays "
           "in outbox/rejets")

SCENARIOS = [
    ("claim", "CR Martin v2"),
    ("claim", "scan"),
    ("journal_claim", "CR Hote"),
    ("journal_claim", "renvoi"),
    ("journal_plan", "CR Martin v2"),
    ("journal_plan", "renvoi"),
    ("journal_plan", "CR NDiaye2"),
    ("history_link", "_100001_"),
    ("history_link", "_100002_"),
    ("link", "CR Martin v2"),
    ("link", "vide"),
    ("note_unrenamed", "CR Hote"),
    ("note", "CR Hote"),
    ("note", "renvoi"),
    ("finish", "CR Martin v2"),
    ("finish", "scan"),
    ("finish", "CR NDiaye2"),
    ("done", "CR Martin v2"),
    ("done", "CR NDiaye2"),
]
# The batch scan: claimed, planned, placed, split (killed between the two reports' PDFs and with
# one complete under its temporary name), synced.
PDF_SCENARIOS = [("claim", "lot"), ("journal_plan", "lot"), ("link", "lot"), ("part_unrenamed", "lot"),
                 ("part", "lot"), ("finish", "lot"), ("done", "lot")]
# Where the moves are copies: the outbox, or the inbox, on another file system (a share).
COPY_SCENARIOS = [
    ("copy_partial", "CR Martin v2"),
    ("copy_partial", "scan"),
    ("copy_partial", "CR NDiaye2"),
    ("copy_unrenamed", "CR Martin v2"),
    ("copy_unrenamed", "vide"),
    ("copy_unrenamed", "renvoi"),
]
SETUPS = ["one_file_system", "outbox_elsewhere", "inbox_elsewhere"]
# The inbox on a share: claims stay on it, every placement is a copy; the steps that differ.
SHARE_INBOX_SCENARIOS = [s for s in SCENARIOS if s[0] in ("claim", "journal_plan", "link", "finish", "done")]
MATRIX = ([pytest.param("one_file_system", *s, id=f"one_file_system-{s[0]}-{s[1]}") for s in SCENARIOS + PDF_SCENARIOS]
          + [pytest.param(setup, "part", "lot", id=f"{setup}-part-lot") for setup in SETUPS[1:]]
          + [pytest.param("outbox_elsewhere", *s, id=f"outbox_elsewhere-{s[0]}-{s[1]}")
             for s in [*SCENARIOS, *COPY_SCENARIOS]]
          + [pytest.param("inbox_elsewhere", *s, id=f"inbox_elsewhere-{s[0]}-{s[1]}")
             for s in [*SHARE_INBOX_SCENARIOS, *COPY_SCENARIOS]])
# A power cut: the journal loses what was committed since its last sync point (its file is put
# back as it was before the pass), while the file system keeps the claims, links and copies.
POWER_CUTS = [pytest.param(setup, point, victim, id=f"{setup}-{point}-{victim}")
              for setup in SETUPS for point, victim in (("link", "CR Martin v2"), ("link", "vide"),
                                                        ("note", "renvoi"), ("finish", "scan"))]
POWER_CUTS += [pytest.param("one_file_system", "part", "lot", id="one_file_system-part-lot")]
POWER_CUTS += [pytest.param(setup, "copy_unrenamed", "CR NDiaye2", id=f"{setup}-copy_unrenamed-CR NDiaye2")
               for setup in SETUPS[1:]]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_workspace(base: Path) -> Config:
    base.mkdir(parents=True, exist_ok=True)
    write_csv(base / "agents.csv", AGENTS)
    data = {"liste_agents": "agents.csv", "dossiers": {"modeles": str(TEMPLATES)}}
    (base / "config.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(base / "config.yaml")


@pytest.fixture(scope="module")
def drops(tmp_path_factory) -> Path:
    """The files managers send back, made once: copied into each fresh workspace."""
    base = tmp_path_factory.mktemp("crash-sent")
    config = write_workspace(base / "ws")
    blanks = {a["matricule"]: next(p for p in generate(config, today=TODAY).reports
                                   if f"_{a['matricule']}_" in p.name) for a in AGENTS}
    out = base / "drops"
    out.mkdir()
    # Dated before the machine's clock: the passes here (killed ones included) run as the command
    # does, receiving files on the real day.
    past = before_the_clock()
    review, dates = past["review"], past["overrides"]
    fill_report(blanks["100001"], out / FIRST, DEFAULT, stage=1, review=review, overrides=dates)
    fill_report(out / FIRST, out / "CR Martin v2.docx", DEFAULT, stage=2, review=review)
    fill_report(blanks["100002"], out / "CR NDiaye.docx", DEFAULT, stage=1, review=review, overrides=dates)
    fill_report(out / "CR NDiaye.docx", out / "CR NDiaye2.docx", DEFAULT, stage=1, review=review,
                overrides={EXPECTATIONS: "Un poste en télétravail partiel."})
    shutil.copyfile(out / "CR NDiaye.docx", out / "renvoi CR NDiaye.docx")
    fill_report(blanks["100003"], out / "CR Hote incomplet.docx", DEFAULT, stage=1, review=review, overrides=dates,
                omit=(CAREER,))
    (out / "scan.docx").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    (out / "vide.docx").write_bytes(b"")
    codes = [page_code(DEFAULT.version(), "2026", number) for number in ("100001", "100001", "100002", "100002")]
    (out / BATCH).write_bytes(specimen_scan(codes))
    shutil.copyfile(out / "CR Martin v2.docx", out / IGNORED)
    return out


@dataclass
class Scene:
    config: Config
    config_path: Path
    shas: dict[str, str]  # every file dropped -> sha256


@pytest.fixture
def setup(request) -> str:
    return getattr(request, "param", "one_file_system")


@pytest.fixture
def scene(tmp_path, drops, setup) -> Scene:
    """A workspace where the stage-1 report was accepted, and seven more files waiting; with
    ``setup``, its outbox or its inbox on a file system of its own (a tmpfs)."""
    with contextlib.ExitStack() as mounts:
        if setup != "one_file_system":
            mounts.enter_context(tmpfs(tmp_path / "ws" / ("outbox" if setup == "outbox_elsewhere" else "inbox")))
        yield _scene(tmp_path, drops, setup)


def _scene(tmp_path, drops, setup) -> Scene:
    config = write_workspace(tmp_path / "ws")
    config.inbox.mkdir(exist_ok=True)
    config.outbox.mkdir(exist_ok=True)
    config.state_dir.mkdir(exist_ok=True)
    if setup != "one_file_system":
        assert other_device(config.outbox, config.state_dir) == (setup == "outbox_elsewhere")
        assert other_device(config.inbox, config.state_dir) == (setup == "inbox_elsewhere")
    shutil.copyfile(drops / FIRST, config.inbox / FIRST)
    settle(config.inbox)
    (outcome,) = process_inbox(config, outputs=False).handled  # the workbooks: rebuilt by every pass below
    assert outcome.outcome == "accepted"
    for name in [*EXPECTED, IGNORED]:
        shutil.copyfile(drops / name, config.inbox / name)
    settle(config.inbox)  # dropped earlier: the passes below find them settled
    shas = {name: sha(drops / name) for name in [FIRST, *EXPECTED]}
    return Scene(config, tmp_path / "ws" / "config.yaml", shas)


def run(*command: str, cwd: Path, **environment: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), **environment}
    return subprocess.run([sys.executable, *command], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def runner() -> Runner:
    """Killed passes and the command after them, each forked from one process (see crash_runner.serve)."""
    with Runner({**os.environ, "PYTHONPATH": str(REPO)}) as server:
        yield server


def area_of(path: Path, outbox: Path) -> str:
    """The outbox folder a file sits in: a stage folder, rejets, doublons or historique."""
    return path.relative_to(outbox).parts[0]


def snapshot(config: Config) -> dict:
    """Files and journal; the workbooks at the outbox's top are rebuilt by every pass."""
    files = {p.relative_to(config.base_dir).as_posix(): (sha(p), oct(p.stat().st_mode))
             for root in (config.outbox, config.inbox) for p in root.rglob("*")
             if p.is_file() and p.parent != config.outbox}
    with Journal(config.state_dir) as journal:
        rows = [(r.id, r.work_name, r.status, r.outcome, r.destination, r.note) for r in journal.files()]
        moves = [tuple(m) for m in journal.moves()]
        reports = [(c.report_id, c.file.id, c.stage, c.location) for c in journal.current_reports()]
    return {"files": files, "rows": rows, "moves": moves, "reports": reports}


@pytest.mark.parametrize("setup, point, victim", MATRIX, indirect=["setup"])
def test_a_pass_killed_at_any_step_loses_nothing_and_doubles_nothing(scene, runner, point, victim):
    """GIVEN a stage-1 report already accepted, and seven files in the inbox: its stage-2
    version, another agent's report, a byte-identical copy of it and a new version of it at
    the same stage, an incomplete report, a renamed PDF and an empty file
    WHEN a pass is killed (SIGKILL) at one step while handling one of them, and
    `python -m pipeline traiter` then runs normally
    THEN every file is in exactly one place, byte for byte, with one note where one is
    due; the work area and the journal are clean; one more pass changes nothing."""
    killed = runner.crash(scene.config_path, point, victim)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert_everything_placed_once_after_a_pass(scene, runner)


@pytest.mark.parametrize("setup, point, victim", POWER_CUTS, indirect=["setup"])
def test_after_a_power_cut_the_journal_lost_nothing_is_placed_twice(scene, runner, point, victim):
    """GIVEN a pass that died at a step whose journal commits were not synced yet
    WHEN the journal comes back as it was at its last sync point (a power cut) while the
    links and copies made meanwhile are on disk THEN the next pass recognises them: no
    «\u202f(2)\u202f» copy, no second note, every file once."""
    state = scene.config.state_dir
    durable = scene.config.base_dir / "durable-journal"
    durable.mkdir()
    for part in state.glob(JOURNAL_NAME + "*"):  # synced at the end of the previous pass
        shutil.copyfile(part, durable / part.name)
    killed = runner.crash(scene.config_path, point, victim, durable=durable)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    for part in state.glob(JOURNAL_NAME + "*"):
        part.unlink()
    for part in durable.iterdir():
        shutil.copyfile(part, state / part.name)
    assert_everything_placed_once_after_a_pass(scene, runner)


def assert_everything_placed_once_after_a_pass(scene: Scene, runner: Runner) -> None:
    config = scene.config
    done = runner.command("-v", "traiter", "--config", str(scene.config_path), cwd=config.base_dir)
    print(done.stdout, done.stderr)
    assert done.returncode == 0, done.stderr

    # The inbox keeps only what must be left alone; the work areas are empty.
    assert [p.name for p in config.inbox.iterdir() if p.name != SHARE_WORK_FOLDER] == [IGNORED]
    assert [p for p in (config.state_dir / WORK_FOLDER).iterdir()] == []
    assert not (config.inbox / SHARE_WORK_FOLDER).exists() or not any(
        (config.inbox / SHARE_WORK_FOLDER).iterdir())

    # No stray temporary file, no name with a clash suffix. Every dropped file in exactly
    # one place, byte for byte: the replaced versions in the history, each other file where
    # its outcome sends it; each report alone in its stage folder under its clean name.
    outbox = config.outbox
    everything = [p.name for p in outbox.rglob("*")]
    assert not [n for n in everything if " (2)" in n or n.startswith(".tmp")], everything
    made = sorted(p for p in outbox.rglob("*") if p.is_file()  # the batch's PDFs, one per report
                  and p.relative_to(outbox).parts[:2] == (SIGNED_COPIES_DIR, "2026"))
    assert [p.relative_to(outbox).as_posix() for p in made] == PARTS
    assert [len(pikepdf.open(p).pages) for p in made] == [2, 2]
    placed = [p for p in outbox.rglob("*") if p.is_file() and p.parent != outbox  # workbooks
              and not p.name.endswith((REJECTION_SUFFIX, DUPLICATE_SUFFIX)) and p not in made]
    assert Counter(sha(p) for p in placed) == Counter(scene.shas.values())
    where = {}
    for p in placed:
        where.setdefault(area_of(p, outbox), []).append(sha(p))
    expected = {}
    for name, folder in {FIRST: HISTORY, **EXPECTED}.items():
        expected.setdefault(folder, []).append(scene.shas[name])
    assert {k: sorted(v) for k, v in where.items()} == {k: sorted(v) for k, v in expected.items()}
    stage_files = sorted(p.name for p in placed
                         if area_of(p, outbox) not in (HISTORY, REJECTS, DUPLICATES, SIGNED_COPIES_DIR))
    assert stage_files == ["2026_100001_MARTIN_Léa.docx", "2026_100002_N'DIAYE_Paul.docx"]

    # One note beside each file turned away, none doubled.
    notes = sorted(p.relative_to(outbox).as_posix() for p in outbox.rglob("*") if p.is_file()
                   and p.name.endswith((REJECTION_SUFFIX, DUPLICATE_SUFFIX)))
    assert notes == sorted(f"{EXPECTED[name]}/{Path(name).stem}{suffix}" for name, suffix in WITH_NOTE.items())

    # The journal: one finished row per file received, one arrival move per file.
    with Journal(config.state_dir) as journal:
        rows = journal.files()
        moves = journal.moves()
        current = {c.agent_number: c for c in journal.current_reports()}
    assert Counter(r.original_name for r in rows) == Counter([FIRST, *EXPECTED])
    assert len({r.work_name for r in rows}) == len(rows)
    assert {r.status for r in rows} == {"done"}
    for row in rows:
        assert row.checksum == scene.shas[row.original_name]
        arrivals = [m for m in moves if m["file_id"] == row.id and m["target"] == row.destination]
        assert len(arrivals) == 1, (row.original_name, [tuple(m) for m in moves])
        assert Path(row.destination).exists() or row.original_name in (FIRST, "CR NDiaye.docx")
    assert len(moves) == len(rows) + 2  # one arrival each, and two replaced versions to the history
    assert current["100001"].stage == 2 and Path(current["100001"].location).exists()
    assert current["100002"].stage == 1 and "100003" not in current

    # One more pass finds nothing to do and changes nothing.
    before = snapshot(config)
    assert process_inbox(config).handled == []
    assert snapshot(config) == before


def test_the_runner_refuses_an_unknown_kill_point(scene):
    done = run(str(RUNNER), str(scene.config_path), "nowhere", cwd=scene.config.base_dir)
    assert done.returncode != 0 and "unknown kill point" in done.stderr
    assert sorted(p.name for p in scene.config.inbox.iterdir()) == sorted([*EXPECTED, IGNORED])


def test_without_a_crash_the_scene_ends_as_expected(scene):
    """The reference run: the same scene, processed without any crash."""
    outcomes = process_inbox(scene.config).handled
    assert sorted((o.received_name, o.outcome) for o in outcomes) == [
        ("CR Hote incomplet.docx", "rejected"), ("CR Martin v2.docx", "accepted"),
        ("CR NDiaye.docx", "accepted"), ("CR NDiaye2.docx", "accepted"),
        ("lot signé.pdf", "signed_copy"), ("renvoi CR NDiaye.docx", "duplicate"),
        ("scan.docx", "unreadable"), ("vide.docx", "unreadable")]
    for outcome in outcomes:
        if outcome.received_name != "CR NDiaye.docx":  # moved on to the history by CR NDiaye2
            assert area_of(Path(outcome.destination), scene.config.outbox) == EXPECTED[outcome.received_name]


def test_a_file_whose_reading_killed_the_run_twice_is_set_aside(scene, runner):
    """GIVEN a file the run dies on while reading it (memory exhausted, a crash), twice
    WHEN the next pass starts THEN that file goes to rejets unread, with a note that says
    why, and every other file is processed: it never blocks the files behind it again."""
    for _ in range(2):
        killed = runner.crash(scene.config_path, "examine", "scan")
        assert killed.returncode == -signal.SIGKILL, killed.stderr
    done = runner.command("traiter", "--config", str(scene.config_path), cwd=scene.config.base_dir)
    assert done.returncode == 0, done.stderr
    rejets = scene.config.outbox / REJECTS
    assert (rejets / "scan.docx").exists() and (rejets / f"scan{REJECTION_SUFFIX}").exists()
    with Journal(scene.config.state_dir) as journal:
        rows = {r.original_name: r for r in journal.files()}
    assert rows["scan.docx"].reason_code == "traitement_interrompu"
    assert {r.status for r in rows.values()} == {"done"} and len(rows) == len(EXPECTED) + 1


def test_a_run_that_died_once_reading_a_file_reads_it_again(scene, runner):
    killed = runner.crash(scene.config_path, "examine", "scan")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    process_inbox(scene.config)
    with Journal(scene.config.state_dir) as journal:
        (scan,) = [r for r in journal.files() if r.original_name == "scan.docx"]
    assert scan.reason_code == "pas_un_docx"
