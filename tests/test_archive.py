"""``entretiens archiver`` (pipeline/archive.py) and the PDF/A renderings (pipeline/pdfa.py).

Reports are made by the project's template, filled as people fill them (pipeline.filling),
taken through the workflow by real passes (``process_inbox``) to the final stage; signed
copies are real PDFs (the report printed by LibreOffice) filed where the signed-copy step files
them. One persistent LibreOffice serves the whole session (``office``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest

from pipeline import archive_campaign
from pipeline import catalogue as cat
from pipeline.archive import HISTORY_HEADER, INDEX_HEADER, read_checksums
from pipeline.catalogue import DEFAULT as CATALOGUE
from pipeline.config import Config
from pipeline.filling import fill_report
from pipeline.generate import generate
from pipeline.journal import Journal
from pipeline.naming import (ARCHIVE_HISTORY_NAME, ARCHIVE_INDEX_NAME, ARCHIVE_WORKBOOKS, CHECKSUMS_NAME,
                             SIGNED_COPIES_DIR, TEMP_PREFIX, signed_copies_folder)
from pipeline.outcomes import ARCHIVE_WITHOUT_PDFA, MISSING_SIGNED_COPY, PDFA_NOT_MADE_NO_OFFICE, Outcome
from pipeline.pdfa import BatchConverter, OfficeServer, RenderError, check_pdfa, open_renderer
from pipeline.process import process_inbox
from tests.conftest import RECEIVED, TODAY, agent, settle, write_workspace
from tests.lo import run_cli, soffice

CAMPAIGN = "2026"
APPRAISAL = CATALOGUE.field("appreciation_generale").key
LEA = agent("100001", "Martin", "Léa")  # final stage, signed copy
PAUL = agent("100002", "N'Diaye", "Paul")  # final stage, no signed copy
ZOE = agent("100003", "L’Hôte", "Zoé")  # stage 2, and a rejected version
MAX = agent("100004", "Durand", "Max")  # nothing received
AGENTS = [LEA, PAUL, ZOE, MAX]
FINAL = CATALOGUE.final_stage


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_state(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``folder``: its checksum and modification time (ns)."""
    return {p.relative_to(folder).as_posix(): (sha(p), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def read_csv(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


# -- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def office():
    """One persistent LibreOffice for the session's renderings."""
    soffice()  # skips without LibreOffice, except in CI
    renderer = open_renderer()
    if not isinstance(renderer, OfficeServer):
        if os.environ.get("CI"):
            pytest.fail("Le module uno est introuvable alors que CI est défini : python3-uno doit être installé.")
        pytest.skip("python3-uno n'est pas installé")
    with renderer:
        yield renderer


@pytest.fixture(scope="module")
def blanks(tmp_path_factory) -> dict[str, Path]:
    config = write_workspace(tmp_path_factory.mktemp("sent"), AGENTS)
    result = generate(config, today=TODAY)
    assert result.problems == []
    return {a["matricule"]: next(p for p in result.reports if f"_{a['matricule']}_" in p.name) for a in AGENTS}


@dataclass
class Campaign:
    config: Config
    scratch: Path
    blanks: dict[str, Path]  # agent number -> the pre-filled report HR sent
    versions: dict[str, Path]  # agent number -> newest version dropped

    def drop_and_run(self, *files: Path, received_on: dt.date = RECEIVED) -> None:
        self.config.inbox.mkdir(parents=True, exist_ok=True)
        for path in files:
            shutil.copyfile(path, self.config.inbox / path.name)
        settle(self.config.inbox)
        process_inbox(self.config, received_on=received_on)

    def fill(self, name: str, number: str, *, start: Path | None = None, **fill) -> Path:
        made = fill_report(start or self.blanks[number], self.scratch / name, CATALOGUE, **fill)
        self.versions[number] = made
        return made

    @property
    def archive(self) -> Path:
        return self.config.archives / CAMPAIGN

    def folder_of(self, number: str) -> Path:
        (folder,) = [p for p in self.archive.iterdir() if p.is_dir() and p.name.startswith(number + " ")]
        return folder


def make_campaign(base: Path, blanks: dict[str, Path], office: OfficeServer) -> Campaign:
    """Léa: two versions, the second at the final stage, and her signed copy; Paul: one version at
    the final stage; Zoé: a rejected version then one at stage 2; Max: nothing."""
    (base / "desk").mkdir(parents=True)
    campaign = Campaign(write_workspace(base / "ws", AGENTS), base / "desk", blanks, {})
    lea1 = campaign.fill("lea1.docx", "100001", stage=1)
    campaign.drop_and_run(lea1, campaign.fill("paul4.docx", "100002", stage=FINAL),
                          fill_report(blanks["100003"], base / "desk" / "zoe0.docx", CATALOGUE, stage=1,
                                      omit=(APPRAISAL,)))
    campaign.drop_and_run(campaign.fill("lea4.docx", "100001", start=lea1, stage=FINAL),
                          campaign.fill("zoe2.docx", "100003", stage=2))
    signed = signed_copies_folder(campaign.config.outbox, CAMPAIGN, "100001")
    signed.mkdir(parents=True)
    office.render(campaign.versions["100001"], signed / "2026_100001_MARTIN_Léa - exemplaire signé.pdf")
    return campaign


@pytest.fixture(scope="module")
def archived(tmp_path_factory, blanks, office):
    """A campaign archived once; the outbox's files before the run."""
    campaign = make_campaign(tmp_path_factory.mktemp("archived"), blanks, office)
    outbox_before = tree_state(campaign.config.outbox)
    result = archive_campaign(campaign.config, renderer=office)
    return campaign, result, outbox_before


@pytest.fixture
def fresh(tmp_path, blanks, office) -> Campaign:
    return make_campaign(tmp_path, blanks, office)


# -- what the archive holds ------------------------------------------------------------------------------


def test_each_agent_folder_holds_the_final_report_its_pdfa_the_signed_copies_the_history_and_checksums(archived):
    campaign, result, _ = archived
    lea = campaign.folder_of("100001")
    assert lea.name == "100001 MARTIN Léa"
    assert sorted(p.relative_to(lea).as_posix() for p in lea.rglob("*") if p.is_file()) == [
        "100001 - compte rendu 2026.docx", "100001 - compte rendu 2026.pdf", CHECKSUMS_NAME,
        f"{SIGNED_COPIES_DIR}/2026_100001_MARTIN_Léa - exemplaire signé.pdf", ARCHIVE_HISTORY_NAME]
    with Journal(campaign.config.state_dir) as journal:
        current = journal.current(f"{CAMPAIGN}-100001")
    assert current.stage == FINAL
    assert sha(lea / "100001 - compte rendu 2026.docx") == sha(Path(current.location)) == current.file.checksum
    signed = signed_copies_folder(campaign.config.outbox, CAMPAIGN, "100001")
    assert {sha(p) for p in (lea / SIGNED_COPIES_DIR).iterdir()} == {sha(p) for p in signed.iterdir()}

    paul = campaign.folder_of("100002")  # final, without a signed copy: archived all the same
    assert sorted(p.name for p in paul.iterdir()) == [
        "100002 - compte rendu 2026.docx", "100002 - compte rendu 2026.pdf", CHECKSUMS_NAME, ARCHIVE_HISTORY_NAME]
    zoe = campaign.folder_of("100003")  # not final: its history only, no report to file
    assert sorted(p.name for p in zoe.iterdir()) == [CHECKSUMS_NAME, ARCHIVE_HISTORY_NAME]
    assert not [p for p in campaign.archive.iterdir() if p.name.startswith("100004")]  # nothing received
    workbooks = sorted(p.name for p in (campaign.archive / ARCHIVE_WORKBOOKS).iterdir())
    assert workbooks == ["plan_de_formation.csv", "plan_de_formation.xlsx", "suivi_campagne.xlsx"]
    assert result.rendered == 2 and result.pdfa_available


def test_history_lists_every_version_received_as_the_journal_recorded_it(archived):
    campaign, _, _ = archived
    with Journal(campaign.config.state_dir) as journal:
        for number, outcomes in (("100001", ["accepté", "accepté"]), ("100003", ["rejeté", "accepté"])):
            rows = read_csv(campaign.folder_of(number) / ARCHIVE_HISTORY_NAME)
            files = [f for f in journal.files() if f.agent_number == number]
            assert list(rows[0]) == HISTORY_HEADER
            assert [r["Résultat"] for r in rows] == outcomes == [Outcome(f.outcome).word for f in files]
            assert [r["Empreinte SHA-256"] for r in rows] == [f.checksum for f in files]
            assert [r["Étape"] for r in rows] == [str(f.stage) for f in files]
            assert [r["Fichier reçu"] for r in rows] == [f.original_name for f in files]
            for row, file in zip(rows, files):
                where = campaign.config.outbox.parent / row["Emplacement"]
                assert str(where) == journal.where_now(file) and sha(where) == file.checksum
                assert row["Reçu le"] == dt.datetime.fromisoformat(file.received_at).strftime("%d/%m/%Y %H:%M")
    lea = read_csv(campaign.folder_of("100001") / ARCHIVE_HISTORY_NAME)
    assert lea[0]["Emplacement"].startswith("outbox/historique/2026/100001/")  # the version replaced
    assert lea[1]["Emplacement"].startswith("outbox/4_dossier_agent/")
    assert read_csv(campaign.folder_of("100003") / ARCHIVE_HISTORY_NAME)[0]["Motif"] == "champ_manquant"


def test_sha256sum_checks_every_folder_of_the_archive_and_sees_a_changed_file(archived, tmp_path):
    campaign, _, _ = archived
    folders = [campaign.archive] + [p for p in campaign.archive.iterdir() if p.is_dir() and p.name[0].isdigit()]
    for folder in folders:
        done = subprocess.run(["sha256sum", "--strict", "-c", CHECKSUMS_NAME], cwd=folder, capture_output=True,
                              text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        listed = set(read_checksums(folder / CHECKSUMS_NAME))
        assert listed == {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
                          and p.name != CHECKSUMS_NAME and (folder != campaign.archive or p.parent in (
                              folder, folder / ARCHIVE_WORKBOOKS))}
    copy = shutil.copytree(campaign.folder_of("100001"), tmp_path / "copie")
    with open(copy / "100001 - compte rendu 2026.pdf", "ab") as handle:
        handle.write(b"%")
    assert subprocess.run(["sha256sum", "-c", CHECKSUMS_NAME], cwd=copy, capture_output=True).returncode == 1


def test_index_has_one_line_per_agent_with_stage_signed_copies_pdfa_and_what_is_missing(archived):
    campaign, result, _ = archived
    rows = read_csv(campaign.archive / ARCHIVE_INDEX_NAME)
    assert list(rows[0]) == INDEX_HEADER
    by_number = {r["Matricule"]: r for r in rows}
    assert list(by_number) == ["100001", "100002", "100003", "100004"]
    lea, paul, zoe, max_ = (by_number[n] for n in ("100001", "100002", "100003", "100004"))
    assert (lea["Étape atteinte"], lea["Compte rendu final"], lea["Exemplaires signés"], lea["Manque"]) == (
        "4", "oui", "1", "")
    assert lea["PDF/A"].startswith("conforme") and lea["Dossier d'archive"] == "100001 MARTIN Léa"
    assert (paul["Compte rendu final"], paul["Manque"]) == ("oui", MISSING_SIGNED_COPY)
    assert zoe["Étape atteinte"] == "2" and "étape finale" in zoe["Manque"] and zoe["PDF/A"].startswith("sans objet")
    assert max_["Étape atteinte"] == "" and max_["Dossier d'archive"] == "" and "aucun reçu" in max_["Manque"]
    assert [a.agent_number for a in result.missing()] == ["100002", "100003", "100004"]


def test_the_pdfa_says_pdfa_2b_in_its_metadata_and_embeds_every_font(archived, tmp_path):
    campaign, _, _ = archived
    for number in ("100001", "100002"):
        pdf = campaign.folder_of(number) / f"{number} - compte rendu 2026.pdf"
        with pikepdf.open(pdf) as document:
            meta = document.open_metadata()
            assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("2", "B")
            fonts = [f for page in document.pages for f in page.Resources.Font.values()]
            assert fonts
            for font in fonts:
                described = font.DescendantFonts[0] if font.Subtype == "/Type0" else font
                assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(described.FontDescriptor.keys())
        assert check_pdfa(pdf).ok
    # A plain PDF with a font it does not carry is not taken for a PDF/A
    plain = pikepdf.new()
    plain.add_blank_page()
    plain.pages[0].Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)))
    plain.save(tmp_path / "simple.pdf")
    check = check_pdfa(tmp_path / "simple.pdf")
    assert not check.ok and check.fonts_not_embedded == ("Helvetica",) and check.part is None
    assert "non conforme" in check.describe() and "Helvetica" in check.describe()


def test_the_outbox_is_only_read(archived):
    campaign, _, outbox_before = archived
    assert tree_state(campaign.config.outbox) == outbox_before


# -- run again --------------------------------------------------------------------------------------------


def test_a_second_run_redoes_nothing(archived, office):
    campaign, _, _ = archived
    before, starts = tree_state(campaign.archive), office.starts
    again = archive_campaign(campaign.config, renderer=office)
    assert (again.written, again.rendered, office.starts) == ([], 0, starts)
    assert tree_state(campaign.archive) == before  # same bytes, same times


def test_a_report_revised_after_an_appeal_is_archived_and_rendered_again(fresh, office):
    first = archive_campaign(fresh.config, renderer=office)
    paul = fresh.folder_of("100002")
    lea_before = tree_state(fresh.folder_of("100001"))
    old_pdf = sha(paul / "100002 - compte rendu 2026.pdf")
    fresh.drop_and_run(fresh.fill("paul5.docx", "100002", start=fresh.versions["100002"], stage=FINAL, overrides={
        APPRAISAL: "Appréciation révisée après recours.", cat.REVISION_REQUEST_DATE: dt.date(2027, 2, 1),
        cat.REVISION_DECISION: cat.REVISED, cat.REVISION_DECISION_DATE: dt.date(2027, 2, 10)}),
        received_on=dt.date(2027, 3, 1))  # HR sends the revised version after the decision
    with Journal(fresh.config.state_dir) as journal:
        current = journal.current(f"{CAMPAIGN}-100002")
    assert current.file.original_name == "paul5.docx"  # accepted as the new version

    again = archive_campaign(fresh.config, renderer=office)
    assert again.rendered == 1 and first.rendered == 2
    assert sha(paul / "100002 - compte rendu 2026.docx") == current.file.checksum
    assert sha(paul / "100002 - compte rendu 2026.pdf") != old_pdf and check_pdfa(paul / "100002 - compte rendu 2026.pdf").ok
    assert [r["Fichier reçu"] for r in read_csv(paul / ARCHIVE_HISTORY_NAME)] == ["paul4.docx", "paul5.docx"]
    assert subprocess.run(["sha256sum", "-c", CHECKSUMS_NAME], cwd=paul, capture_output=True).returncode == 0
    assert tree_state(fresh.folder_of("100001")) == lea_before  # the others are left as they were


def test_a_persistent_libreoffice_killed_mid_run_is_restarted_and_the_archive_completes(fresh, office):
    """GIVEN the session's LibreOffice WHEN it is killed (SIGKILL, with its whole process group)
    after the first agent's rendering THEN the next rendering starts a new one and every PDF/A is made."""
    starts = office.starts

    def kill_after_first(done: int, total: int) -> None:
        if done == 1:
            os.killpg(office.office_pid, signal.SIGKILL)

    result = archive_campaign(fresh.config, renderer=office, progress=kill_after_first)
    assert office.starts == starts + 1 and result.rendered == 2
    for number in ("100001", "100002"):
        assert check_pdfa(fresh.folder_of(number) / f"{number} - compte rendu 2026.pdf").ok


def test_a_rendering_killed_in_the_middle_of_a_document_is_done_again(office, archived, tmp_path):
    campaign, _, _ = archived
    source = campaign.versions["100001"]
    starts = office.starts
    office.render(source, tmp_path / "avant.pdf")  # running
    killer = threading.Timer(0.05, lambda: os.killpg(office.office_pid, signal.SIGKILL))
    killer.start()
    office.render(source, tmp_path / "pendant.pdf")
    killer.join()
    assert office.starts == starts + 1 and check_pdfa(tmp_path / "pendant.pdf").ok


def test_what_a_killed_run_left_under_a_temporary_name_is_removed_and_the_job_finished(fresh, office):
    archive_campaign(fresh.config, renderer=office)
    lea = fresh.folder_of("100001")
    pdf = lea / "100001 - compte rendu 2026.pdf"
    (lea / f"{TEMP_PREFIX}moitie.pdf").write_bytes(pdf.read_bytes()[:1000])  # a run killed mid-write
    pdf.unlink()  # ... before the rename
    result = archive_campaign(fresh.config, renderer=office)
    assert result.rendered == 1 and check_pdfa(pdf).ok
    assert not list(fresh.archive.rglob(TEMP_PREFIX + "*"))
    assert subprocess.run(["sha256sum", "-c", CHECKSUMS_NAME], cwd=lea, capture_output=True).returncode == 0


# -- without LibreOffice ------------------------------------------------------------------------------------


def test_without_libreoffice_the_archive_is_made_without_pdfa_and_says_so(fresh, office, monkeypatch, tmp_path):
    empty = tmp_path / "sans-libreoffice"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # a machine where soffice is not installed
    result = archive_campaign(fresh.config)
    assert not result.pdfa_available and result.notices == [ARCHIVE_WITHOUT_PDFA]
    lea = fresh.folder_of("100001")
    assert (lea / "100001 - compte rendu 2026.docx").exists() and not (lea / "100001 - compte rendu 2026.pdf").exists()
    rows = {r["Matricule"]: r for r in read_csv(fresh.archive / ARCHIVE_INDEX_NAME)}
    assert rows["100001"]["PDF/A"] == PDFA_NOT_MADE_NO_OFFICE and "PDF/A" in rows["100001"]["Manque"]
    monkeypatch.undo()
    later = archive_campaign(fresh.config, renderer=office)  # LibreOffice installed since: only the PDF/A made
    assert later.rendered == 2 and check_pdfa(lea / "100001 - compte rendu 2026.pdf").ok
    assert not any(p.suffix == ".docx" for p in later.written)


def test_the_command_archives_and_says_what_is_missing(tmp_path, blanks):
    """No report at the final stage here: the command runs without starting LibreOffice."""
    (tmp_path / "desk").mkdir()
    config = write_workspace(tmp_path / "ws", AGENTS)
    config.inbox.mkdir(parents=True)
    fill_report(blanks["100003"], config.inbox / "zoe.docx", CATALOGUE, stage=2)
    settle(config.inbox)
    process_inbox(config, received_on=RECEIVED)
    done = run_cli("archiver", cwd=tmp_path / "ws")
    assert done.returncode == 0, done.stderr
    assert "Archive de la campagne" in done.stdout and "4 agents, 0 dossier complet" in done.stdout
    assert "100003 L’HÔTE Zoé – il manque : compte rendu à l'étape finale (étape atteinte : 2)" in done.stdout
    assert (tmp_path / "ws" / "archives" / CAMPAIGN / ARCHIVE_INDEX_NAME).exists()
    assert "Traceback" not in done.stderr


def test_libreoffice_shuts_down_when_the_process_driving_it_is_gone(office, archived, tmp_path):
    """The worker's input closes when the archiver dies (even killed): LibreOffice then exits
    by itself, never left running alone; the next rendering starts a new one."""
    campaign, _, _ = archived
    office.render(campaign.versions["100002"], tmp_path / "avant.pdf")
    soffice_process, starts = office.office, office.starts
    office.worker.stdin.close()  # what the kernel does when the archiver is killed
    soffice_process.wait(timeout=60)  # exits on its own: no signal sent to it
    office.render(campaign.versions["100002"], tmp_path / "apres.pdf")
    assert office.starts == starts + 1 and check_pdfa(tmp_path / "apres.pdf").ok


def _our_offices(exclude: Path) -> set[int]:
    """Pids of the LibreOffice processes the product started (private profiles entretiens-lo-*),
    except the session's."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if "soffice" in command and "entretiens-lo-" in command and str(exclude) not in command:
                pids.add(int(entry.name))
    return pids


def _descendants(pid: int) -> set[int]:
    """Pids of the processes ``pid`` started, and of those they started: this test's own, whatever
    else runs on the machine (another test worker's LibreOffice, another run of the suite)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _profiles(pids: set[int]) -> set[Path]:
    """The private profiles (``entretiens-lo-*``) the LibreOffice processes ``pids`` were started
    with: those of this test's archiver only, whatever else runs on the machine."""
    found = set()
    for pid in pids:
        try:
            arguments = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        for argument in arguments:
            if argument.startswith("-env:UserInstallation=file://") and "entretiens-lo-" in argument:
                profile = Path(argument.removeprefix("-env:UserInstallation=file://"))
                found.add(next((p for p in profile.parents if p.name.startswith("entretiens-lo-")), profile))
    return found


def test_an_archiver_killed_mid_run_leaves_no_half_file_nor_libreoffice_and_a_rerun_finishes(fresh, office):
    """GIVEN `entretiens archiver` running WHEN it is killed (SIGKILL) once its first PDF/A is
    written THEN no file of the archive is half written under its final name, its LibreOffice
    shuts down, and the next run completes the archive."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    run = subprocess.Popen([sys.executable, "-m", "pipeline", "archiver"], cwd=fresh.config.base_dir, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first_pdf = fresh.archive / "100001 MARTIN Léa" / "100001 - compte rendu 2026.pdf"
    deadline = time.monotonic() + 120
    while not first_pdf.exists() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    started = _our_offices(office._profile_dir) & _descendants(run.pid)
    profiles = _profiles(started)
    run.kill()
    run.wait()
    assert first_pdf.exists() and started  # killed in the middle, with its LibreOffice running
    deadline = time.monotonic() + 60
    while _our_offices(office._profile_dir) & started and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _our_offices(office._profile_dir) & started  # gone with the archiver
    deadline = time.monotonic() + 30
    while any(p.exists() for p in profiles) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert profiles and not any(p.exists() for p in profiles)  # its private profile too
    for path in fresh.archive.rglob("*"):
        if path.is_file() and not path.name.startswith(TEMP_PREFIX) and path.suffix == ".pdf":
            assert check_pdfa(path).ok, path  # complete, or not there at all

    result = archive_campaign(fresh.config, renderer=office)
    assert not list(fresh.archive.rglob(TEMP_PREFIX + "*"))
    # Léa's folder was killed before its empreintes.sha256 (written last) recorded the PDF/A: a folder
    # counts as done only then, so it is made again, as Paul's, which the killed run never reached.
    assert result.rendered == 2
    for number in ("100001", "100002"):
        assert check_pdfa(fresh.folder_of(number) / f"{number} - compte rendu 2026.pdf").ok
    for folder in [fresh.archive] + [p for p in fresh.archive.iterdir() if p.is_dir() and p.name[0].isdigit()]:
        assert subprocess.run(["sha256sum", "-c", CHECKSUMS_NAME], cwd=folder, capture_output=True).returncode == 0


def test_without_uno_each_document_gets_its_own_libreoffice_and_is_a_pdfa_all_the_same(archived, tmp_path):
    """The fallback where python3-uno is missing: ``soffice --convert-to`` with the PDF/A-2b filter."""
    campaign, _, _ = archived
    with BatchConverter(soffice()) as converter:
        converter.render(campaign.versions["100002"], tmp_path / "seul.pdf")
        with pytest.raises(RenderError):
            converter.render(tmp_path / "absent.docx", tmp_path / "absent.pdf")
    assert check_pdfa(tmp_path / "seul.pdf").ok and not (tmp_path / "absent.pdf").exists()


def test_a_signed_copy_received_as_an_image_is_archived_with_its_pdf_as_one_copy(fresh, office):
    """GIVEN Paul's signed copy photographed (a JPEG), filed as the signed-copy step files it: the
    image as received and the lossless PDF made of it, under one name WHEN the campaign is archived
    THEN both are in his folder, and the index counts one signed copy, nothing missing."""
    from PIL import Image

    signed = signed_copies_folder(fresh.config.outbox, CAMPAIGN, "100002")
    signed.mkdir(parents=True)
    stem = "2026_100002_NDIAYE_Paul - exemplaire signé"
    Image.new("L", (400, 560), 255).save(signed / f"{stem}.jpg", "JPEG")
    office.render(fresh.versions["100002"], signed / f"{stem}.pdf")
    archive_campaign(fresh.config, renderer=office)
    paul = fresh.folder_of("100002")
    assert sorted(p.name for p in (paul / SIGNED_COPIES_DIR).iterdir()) == [f"{stem}.jpg", f"{stem}.pdf"]
    row = next(r for r in read_csv(fresh.archive / ARCHIVE_INDEX_NAME) if r["Matricule"] == "100002")
    assert (row["Exemplaires signés"], row["Manque"]) == ("1", "")


def test_a_final_report_is_archived_under_the_extension_of_its_own_format(tmp_path):
    """GIVEN final reports as an OpenDocument text (received under a .docx name) and as a .docx
    (under an .odt name) WHEN the archive names them THEN each keeps its own format's extension."""
    import zipfile

    from pipeline.archive import report_extension

    odt, docx = tmp_path / "copie.docx", tmp_path / "rapport.odt"
    with zipfile.ZipFile(odt, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        package.writestr("content.xml", "<office:document-content/>")
    with zipfile.ZipFile(docx, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    assert (report_extension(odt), report_extension(docx)) == (".odt", ".docx")
    assert report_extension(tmp_path / "absent.docx") == ".docx"
