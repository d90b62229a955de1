"""A disk full under a command that writes: a French message that says what happened and what to do,
exit code 1, never a traceback; nothing lost, and once room is made the next run accounts for every
file once. Each test puts the folder the command writes in on a real small tmpfs (tests/mounts.py:
CI runs as root; skipped elsewhere) and runs the real command in a child process."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from pipeline.catalogue import DEFAULT
from pipeline.config import Config, load_config
from pipeline.filling import fill_report
from pipeline.generate import generate
from pipeline.journal import Journal
from pipeline.naming import REJECTION_SUFFIX, REJECTS, TEMP_PREFIX, TO_SEND
from tests.conftest import REPO, TEMPLATES, TODAY, agent, before_the_clock, settle, write_csv
from tests.mounts import resize, tmpfs

AGENTS = [agent(str(500000 + n), f"Nom{n:02d}", f"Prénom{n:02d}") for n in range(24)]
APPRAISAL = DEFAULT.field("appreciation_generale").key
FULL = "Le disque où se trouve {folder} est plein : la commande s'est arrêtée. Rien n'est perdu"
# Each test mounts a tmpfs (tests/mounts.py): as root, as CI runs; elsewhere skipped before anything is made.
pytestmark = pytest.mark.skipif(os.geteuid() != 0 and not os.environ.get("CI"), reason="tmpfs mounts need root")


def run(*command: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "pipeline", *command], cwd=cwd, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=300)


def assert_stopped_in_french(done: subprocess.CompletedProcess, folder: Path, then: str) -> None:
    """Exit 1; one French error naming the full disk's folder and what to do; no traceback."""
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert "No space left" not in done.stderr + done.stdout
    (line,) = [line for line in done.stderr.strip().splitlines() if not line.startswith("Préparation")]  # demo
    assert line.startswith("Erreur : " + FULL.format(folder=folder)), line
    assert "Libérez de la place sur ce disque" in line and then in line


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_workspace(base: Path, agents: list[dict], **folders: str) -> Config:
    base.mkdir(parents=True, exist_ok=True)
    write_csv(base / "agents.csv", agents)
    data = {"liste_agents": "agents.csv", "dossiers": {"modeles": str(TEMPLATES), **folders}}
    (base / "config.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(base / "config.yaml")


@pytest.fixture(scope="module")
def returned(tmp_path_factory) -> Path:
    """24 reports sent back, made once: every other one without its general appraisal (rejected,
    with a note: more to write)."""
    base = tmp_path_factory.mktemp("disque-plein")
    config = write_workspace(base / "ws", AGENTS)
    out = base / "renvois"
    out.mkdir()
    for n, blank in enumerate(sorted(generate(config, today=TODAY).reports)):
        fill_report(blank, out / f"CR {n:02d}.docx", DEFAULT, stage=1, omit=(APPRAISAL,) if n % 2 else (),
                    **before_the_clock())
    return out


def drop(returned: Path, config: Config) -> dict[str, str]:
    config.inbox.mkdir(parents=True, exist_ok=True)
    for path in returned.iterdir():
        shutil.copyfile(path, config.inbox / path.name)
    settle(config.inbox)
    return {path.name: sha(path) for path in returned.iterdir()}


def assert_every_file_placed_once(config: Config, shas: dict[str, str]) -> None:
    """Each file dropped is in the outbox once, byte for byte; the journal has it done once; nothing
    waits in the inbox or the work area."""
    placed = [sha(p) for p in config.outbox.rglob("*.docx")
              if not p.name.endswith(REJECTION_SUFFIX) and p.parent != config.outbox]
    assert sorted(placed) == sorted(shas.values())
    with Journal(config.state_dir) as journal:
        rows = journal.files()
    # (a file examined again has a second row, its new examination)
    assert sorted(r.original_name for r in rows if r.reexamination_of is None) == sorted(shas)
    assert {r.status for r in rows} == {"done"}
    assert not [p for p in config.inbox.rglob("*") if p.is_file()]
    assert not list((config.state_dir / "travail").iterdir())
    assert not [p for p in config.outbox.rglob(TEMP_PREFIX + "*")]


def test_traiter_stops_on_a_full_outbox_then_the_next_pass_accounts_for_every_file_once(tmp_path, returned):
    """GIVEN 24 reports in the inbox and an outbox on a disk with room for a few WHEN `traiter` runs
    THEN it stops when the disk is full: what it placed is listed, one French error says the disk is
    full and what to do, exit 1, the other files still in the inbox (not tried one after another);
    AND once room is made, the next `traiter` places every file once."""
    config = write_workspace(tmp_path / "ws", AGENTS)
    with tmpfs(config.outbox, size="400k"):
        shas = drop(returned, config)
        done = run("traiter", "--config", str(config.base_dir / "config.yaml"), cwd=tmp_path)
        assert_stopped_in_french(done, config.outbox, "relancez «\u202fentretiens traiter\u202f»")
        placed = int(done.stdout.split(" fichier")[0])
        assert 0 < placed < len(shas) and "rejets/CR 01.docx : rejeté – La rubrique" in done.stdout
        waiting = [p for p in config.inbox.iterdir()]
        assert len(waiting) >= len(shas) - placed - 1  # the one under way waits in the work area

        resize(config.outbox, "64m")  # room made
        again = run("traiter", "--config", str(config.base_dir / "config.yaml"), cwd=tmp_path)
        assert again.returncode == 0 and again.stderr == "", again.stderr
        assert f"{len(shas) - placed} fichiers traités" in again.stdout
        assert_every_file_placed_once(config, shas)


def test_generer_stops_on_a_full_disk_and_a_second_run_makes_what_is_missing(tmp_path):
    config = write_workspace(tmp_path / "ws", AGENTS[:12])
    with tmpfs(config.outbox, size="200k"):
        done = run("generer", "--config", str(config.base_dir / "config.yaml"), cwd=tmp_path)
        assert_stopped_in_french(done, config.outbox / TO_SEND, "seuls les documents manquants")
        resize(config.outbox, "64m")
        again = run("generer", "--config", str(config.base_dir / "config.yaml"), cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert "12 comptes rendus pré-remplis et 12 convocations" in again.stdout
        made = sorted((config.outbox / TO_SEND).iterdir())
        assert len(made) == 24 and all(zipfile.is_zipfile(p) for p in made)  # none half written


def filler(folder: Path, room: int) -> Path:
    """A file that leaves about ``room`` bytes free on ``folder``'s disk; remove it to make room."""
    path = folder / "remplissage"
    free = shutil.disk_usage(folder).free
    path.write_bytes(b"\0" * max(free - room, 0))
    return path


def test_classeurs_stops_on_a_full_disk_and_leaves_the_previous_workbooks(tmp_path, returned):
    config = write_workspace(tmp_path / "ws", AGENTS)
    with tmpfs(config.outbox, size="8m"):
        drop(returned, config)
        assert run("traiter", "--config", str(config.base_dir / "config.yaml"), cwd=tmp_path).returncode == 0
        before = sha(config.outbox / "suivi_campagne.xlsx")
        space = filler(config.outbox, 8 * 1024)
        done = run("classeurs", "--config", str(config.base_dir / "config.yaml"), cwd=tmp_path)
        assert_stopped_in_french(done, config.outbox, "relancez «\u202fentretiens classeurs\u202f»")
        assert sha(config.outbox / "suivi_campagne.xlsx") == before
        space.unlink()
        again = run("classeurs", "--config", str(config.base_dir / "config.yaml"), cwd=tmp_path)
        assert again.returncode == 0 and "suivi_campagne.xlsx" in again.stdout, again.stderr


def test_reexaminer_stops_on_a_full_disk_and_traiter_finishes_the_file(tmp_path, returned):
    """GIVEN a report rejected, examined again while its outbox is full WHEN its new note cannot be
    written THEN a French error says to run `traiter`, which, once room is made, finishes it: the file
    in rejets once, with its note."""
    config = write_workspace(tmp_path / "ws", AGENTS)
    with tmpfs(config.outbox, size="8m"):
        shas = drop(returned, config)
        assert run("traiter", "--config", str(config.base_dir / "config.yaml"), cwd=tmp_path).returncode == 0
        rejected = config.outbox / REJECTS / "CR 01.docx"  # its general appraisal still missing
        space = filler(config.outbox, 8 * 1024)
        done = run("reexaminer", "--config", str(config.base_dir / "config.yaml"), str(rejected), cwd=tmp_path)
        assert_stopped_in_french(done, config.outbox, "lancez «\u202fentretiens traiter\u202f», qui termine le fichier")
        space.unlink()
        again = run("traiter", "--config", str(config.base_dir / "config.yaml"), cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert "CR 01.docx -> rejets/CR 01.docx : rejeté – La rubrique" in again.stdout
        assert (config.outbox / REJECTS / f"CR 01{REJECTION_SUFFIX}").exists()
        assert_every_file_placed_once(config, shas)


def test_a_pass_whose_workbooks_find_the_disk_full_says_so_once_and_exits_1(tmp_path, returned):
    """GIVEN a report rejected for an agent the roster lacked, the agent added since, and an outbox with
    room for the file but not for the workbooks WHEN it is examined again THEN it is placed, and the
    workbooks' French warning, once, ends the command with exit code 1 (a problem with the run)."""
    config = write_workspace(tmp_path / "ws", AGENTS[1:])
    with tmpfs(config.outbox, size="8m"):
        drop(returned, config)
        assert run("traiter", "--config", str(config.base_dir / "config.yaml"), cwd=tmp_path).returncode == 0
        rejected = config.outbox / REJECTS / "CR 00.docx"
        write_csv(config.base_dir / "agents.csv", AGENTS)
        space = filler(config.outbox, 8 * 1024)  # the file frees its own room in rejets
        done = run("reexaminer", "--config", str(config.base_dir / "config.yaml"), str(rejected), cwd=tmp_path)
        assert done.returncode == 1, done.stderr
        assert "CR 00.docx -> 1_attente_observations_agent/2026_500000_NOM00_Prénom00.docx : accepté" in done.stdout
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith("Attention : Classeurs non mis à jour (disque plein) : les fichiers ont bien été "
                               "traités. Libérez de la place")
        space.unlink()


def test_archiver_stops_on_a_full_disk_and_a_second_run_finishes_the_archive(tmp_path, returned):
    config = write_workspace(tmp_path / "ws", AGENTS, archives=str(tmp_path / "archives"))
    drop(returned, config)
    assert run("traiter", "--config", str(config.base_dir / "config.yaml"), cwd=tmp_path).returncode == 0
    with tmpfs(config.archives, size="100k"):
        done = run("archiver", "--config", str(config.base_dir / "config.yaml"), cwd=tmp_path)
        assert_stopped_in_french(done, config.archives, "relancez «\u202fentretiens archiver\u202f»")
        resize(config.archives, "64m")
        again = run("archiver", "--config", str(config.base_dir / "config.yaml"), cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert "24 agents" in again.stdout


def test_the_demo_stops_on_a_full_disk_and_says_to_start_again_elsewhere(tmp_path):
    with tmpfs(tmp_path / "demo", size="300k"):
        done = run("demo", str(tmp_path / "demo"), cwd=tmp_path)
        assert_stopped_in_french(done, tmp_path / "demo", "supprimez le dossier de la démonstration")


def test_relancer_stops_on_a_full_disk_and_a_second_run_writes_each_reminder_once(tmp_path, returned):
    """GIVEN evaluators to remind (reports missing after the interview, rejections pending) and an
    outbox with no room for the drafts WHEN `relancer` writes them THEN one French error says the disk
    is full, exit 1, no English system text; once room is made, the next run writes each reminder
    once (nothing was recorded as drafted that was not)."""
    agents = [{**a, "courriel évaluateur": f"evaluateur{n % 3}@exemple.fr"} for n, a in enumerate(AGENTS)]
    config = write_workspace(tmp_path / "ws", agents)
    write_csv(config.base_dir / "agents.csv", agents, header=[*agents[0]])
    with tmpfs(config.outbox, size="8m"):
        drop(returned, config)
        assert run("traiter", "--config", str(config.base_dir / "config.yaml"), cwd=tmp_path).returncode == 0
        drafts = config.outbox / "courriels"
        before = set(drafts.iterdir())
        space = filler(config.outbox, 4 * 1024)
        done = run("relancer", "--config", str(config.base_dir / "config.yaml"), cwd=tmp_path)
        assert_stopped_in_french(done, config.outbox, "relancez «\u202fentretiens relancer\u202f»")
        space.unlink()
        again = run("relancer", "--config", str(config.base_dir / "config.yaml"), cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        reminders = sorted(p.name for p in set(drafts.iterdir()) - before if "Relance" in p.name)
        assert len(reminders) == 3, reminders  # one per evaluator, once


def test_formulaire_importer_stops_on_a_full_disk_and_writes_no_half_mapping(tmp_path):
    model = REPO.parent / "shared" / "forms" / "B_hopital_lignes.docx"
    if not model.exists():
        pytest.skip("../shared/forms is not here")
    out = tmp_path / "sortie"
    with tmpfs(out, size="64k"):
        space = filler(out, 512)
        done = run("formulaire", "importer", str(model), "--sortie", str(out / "formulaire.yaml"), cwd=tmp_path)
        assert_stopped_in_french(done, out, "relancez «\u202fentretiens formulaire importer MODELE\u202f»")
        assert sorted(p.name for p in out.iterdir()) == ["remplissage"]  # no half-written mapping
        space.unlink()
        again = run("formulaire", "importer", str(model), "--sortie", str(out / "formulaire.yaml"), cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert (out / "formulaire.yaml").read_text(encoding="utf-8").startswith("#")
