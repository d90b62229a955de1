"""``process`` (pipeline/process.py): every file dropped in the inbox ends in exactly
one place, byte for byte, with a note when it is turned away (SPEC 2-7).

Reports are made by the project's template (generated once for the module), filled
the way people fill them (pipeline.filling), each version made from the previous
one, dropped in a real inbox and processed against a real SQLite journal.
"""

from __future__ import annotations

import datetime as dt
import re
import hashlib
import logging
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import docx
import pytest

from pipeline import catalogue as cat
from pipeline import ooxml
from pipeline.catalogue import DEFAULT
from pipeline.config import Config
from pipeline.outcomes import ERROR, EmptyFile, LegacyDoc, NotAReport, NotAZip
from pipeline.filling import ReportForm, fill_report
from pipeline.generate import generate
from pipeline.journal import Journal
from pipeline.naming import DUPLICATE_SUFFIX, REJECTION_SUFFIX
from pipeline.naming import DUPLICATES, HISTORY, REJECTS, SHARE_WORK_FOLDER, WORK_FOLDER
from pipeline.process import PassResult, process_inbox
from pipeline.text import format_date
from tests.conftest import RECEIVED, TEMPLATES, TODAY, agent, before_the_clock, settle, write_workspace

CATALOGUE = DEFAULT
CAMPAIGN = "2026"
STAGES = [s.number for s in CATALOGUE.stages]
REAL_WORLD = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "real-world"

# Fields the code has no constant for: named once; DEFAULT.field() fails loudly if one goes.
APPRAISAL = CATALOGUE.field("appreciation_generale").key
CAREER = CATALOGUE.field("perspectives_carriere").key
AGENT_SIGNATURE = next(f.key for f in CATALOGUE.fields
                       if f.required_if is not None and f.required_if.field == cat.REFUSED_TO_SIGN)
NEEDS = CATALOGUE.field(cat.TRAINING_NEEDS)

LEA = agent("100001", "Martin", "Léa")
PAUL = agent("100002", "N'Diaye", "Paul")
ZOE = agent("100003", "L’Hôte", "Zoé")
AGENTS = [LEA, PAUL, ZOE]

SECRET = "Appréciation confidentielle : travail remarquable, zèle exemplaire (XQ-7731)."


def sha(data: bytes | Path) -> str:
    return hashlib.sha256(data.read_bytes() if isinstance(data, Path) else data).hexdigest()


def clean_name(row: dict) -> str:
    return f"{CAMPAIGN}_{row['matricule']}_{row['nom'].upper()}_{row['prénom']}.docx"


@pytest.fixture(scope="module")
def blanks(tmp_path_factory) -> dict[str, Path]:
    """The pre-filled reports HR sent out, generated once for the module."""
    config = write_workspace(tmp_path_factory.mktemp("sent"), AGENTS)
    result = generate(config, today=TODAY)
    assert result.problems == []
    return {a["matricule"]: next(p for p in result.reports if f"_{a['matricule']}_" in p.name)
            for a in AGENTS}


@dataclass
class Desk:
    """One workspace, and the managers' desk where versions are filled before being dropped."""

    config: Config
    blanks: dict[str, Path]
    scratch: Path
    dropped: dict[str, str] = field(default_factory=dict)  # inbox name -> sha256

    def fill(self, name: str, matricule: str = "100001", *, start: Path | None = None,
             **fill) -> Path:
        """A version filled from ``start`` (the previous version), else from the blank."""
        source = start or self.blanks[matricule]
        return fill_report(source, self.scratch / name, CATALOGUE, **fill)

    def drop(self, source: Path | bytes, name: str | None = None) -> str:
        """Copy a file into the inbox, as HR does; returns its sha256."""
        self.config.inbox.mkdir(parents=True, exist_ok=True)
        target = self.config.inbox / (name or source.name)
        if isinstance(source, bytes):
            target.write_bytes(source)
        else:
            shutil.copyfile(source, target)
        self.dropped[target.name] = sha(target)
        return self.dropped[target.name]

    def run(self, received_on: dt.date = RECEIVED) -> PassResult:
        """A pass run later, from cron: what was dropped has settled."""
        if self.config.inbox.exists():
            settle(self.config.inbox)
        return process_inbox(self.config, received_on=received_on)

    def folder(self, stage: int) -> Path:
        return self.config.outbox / CATALOGUE.stage(stage).folder

    def stage_files(self) -> dict[int, list[str]]:
        return {n: sorted(p.name for p in self.folder(n).glob("*")) if self.folder(n).exists() else []
                for n in STAGES}

    def placed(self) -> list[Path]:
        """Every file in the outbox's folders except notes (received files and their
        history; the workbooks at the outbox's top are not received files)."""
        return sorted(p for p in self.config.outbox.rglob("*") if p.is_file()
                      and p.parent != self.config.outbox
                      and not p.name.endswith((REJECTION_SUFFIX, DUPLICATE_SUFFIX)))

    def notes(self) -> list[Path]:
        return sorted(p for p in self.config.outbox.rglob("*") if p.is_file()
                      and p.name.endswith((REJECTION_SUFFIX, DUPLICATE_SUFFIX)))

    def journal(self) -> Journal:
        return Journal(self.config.state_dir)


@pytest.fixture
def desk(tmp_path, blanks) -> Desk:
    (tmp_path / "desk").mkdir()
    return Desk(write_workspace(tmp_path / "ws", AGENTS), blanks, tmp_path / "desk")


def note_of(path: Path) -> Path:
    return path.with_name(path.stem + REJECTION_SUFFIX)


@dataclass
class Note:
    cells: dict[str, str]  # label -> value of the header table
    paragraphs: list[str]


def read_note(path: Path) -> Note:
    document = docx.Document(str(path))
    cells = {row.cells[0].text.strip(): row.cells[1].text.strip()
             for table in document.tables for row in table.rows}
    return Note(cells, [p.text for p in document.paragraphs if p.text.strip()])


def problems_in_note(note: Note, findings: list[dict]) -> list[int]:
    """Positions in the note of each error finding's «\u202flabel – message\u202f» line."""
    positions = []
    for finding in findings:
        if finding["severity"] != "erreur":
            continue
        line = f"{finding['label'] or 'Document'} – {finding['message']}"
        assert line in note.paragraphs, (line, note.paragraphs)
        positions.append(note.paragraphs.index(line))
    return positions


# -- the four stages ----------------------------------------------------------------------------------


def test_a_report_moves_through_the_four_stages_one_version_after_another(desk):
    """GIVEN the evaluator, then the agent, then the authority, then the notification
    each fill the version they received
    WHEN each version is dropped and process runs after each drop
    THEN the newest version sits alone in its stage folder under a clean name, byte for
    byte as dropped, and every earlier version is kept in the history, none deleted."""
    previous, shas = None, []
    history = desk.config.outbox / HISTORY / CAMPAIGN / "100001"
    for stage in STAGES:
        version = desk.fill(f"v{stage}.docx", start=previous, stage=stage)
        shas.append(desk.drop(version, f"CR Martin étape {stage}.docx"))
        (outcome,) = desk.run().handled
        assert (outcome.outcome, outcome.stage, outcome.reason_code) == ("accepted", stage, None)

        in_stages = desk.stage_files()
        assert in_stages == {n: [clean_name(LEA)] if n == stage else [] for n in STAGES}
        assert sha(desk.folder(stage) / clean_name(LEA)) == shas[-1]
        assert Counter(sha(p) for p in history.glob("*")) == Counter(shas[:-1])
        assert Counter(sha(p) for p in desk.placed()) == Counter(shas)  # nothing deleted
        assert list(desk.config.inbox.iterdir()) == []
        previous = version
    assert desk.notes() == []


def test_accepted_file_is_named_after_campaign_matricule_name_and_first_name(desk):
    for row in AGENTS:
        desk.drop(desk.fill(f"{row['matricule']}.docx", row["matricule"]), f"scan {row['matricule']}.docx")
    outcomes = desk.run().handled
    assert [o.outcome for o in outcomes] == ["accepted"] * 3
    assert desk.stage_files()[1] == sorted(clean_name(row) for row in AGENTS)
    assert "2026_100002_N'DIAYE_Paul.docx" in desk.stage_files()[1]  # apostrophes and accents kept
    for name, checksum in desk.dropped.items():
        matches = [p for p in desk.placed() if sha(p) == checksum]
        assert len(matches) == 1, name


def test_the_report_is_recognised_whatever_its_file_name(desk):
    desk.drop(desk.fill("x.docx", "100003"), "Document1 (copie) final.DOCX")
    (outcome,) = desk.run().handled
    assert outcome.report_id == f"{CAMPAIGN}-100003"
    assert Path(outcome.destination).name == clean_name(ZOE)


def test_a_stage_skipped_is_accepted_and_noted_as_out_of_order(desk):
    v1 = desk.fill("v1.docx", stage=1)
    desk.drop(v1)
    desk.run()
    desk.drop(desk.fill("v3.docx", start=v1, stage=3))
    (outcome,) = desk.run().handled
    assert (outcome.outcome, outcome.stage) == ("accepted", 3)
    with desk.journal() as journal:
        row = journal.files()[-1]
    assert [f["code"] for f in row.findings] == ["etape_hors_ordre"]
    assert desk.stage_files()[3] == [clean_name(LEA)] and desk.stage_files()[1] == []


def test_a_first_version_already_at_stage_three_is_accepted_and_noted(desk):
    desk.drop(desk.fill("v3.docx", stage=3))
    (outcome,) = desk.run().handled
    assert (outcome.outcome, outcome.stage) == ("accepted", 3)
    with desk.journal() as journal:
        (row,) = journal.files()
    (finding,) = row.findings
    assert finding["code"] == "etape_hors_ordre" and finding["severity"] == "avertissement"
    assert not desk.notes()


def test_refusal_to_sign_at_notification_is_the_final_accepted_stage(desk):
    """GIVEN a report at stage 3
    WHEN the agent refuses to sign the notification and the box saying so is checked
    THEN the report is accepted into the agent's record, the refusal noted in the journal."""
    v3 = desk.fill("v3.docx", stage=3)
    desk.drop(v3)
    desk.run()
    refused = desk.fill("v4.docx", start=v3, stage=4, overrides={cat.REFUSED_TO_SIGN: True},
                        omit=(AGENT_SIGNATURE,))
    checksum = desk.drop(refused)
    (outcome,) = desk.run().handled
    assert (outcome.outcome, outcome.stage) == ("accepted", CATALOGUE.final_stage)
    assert sha(desk.folder(4) / clean_name(LEA)) == checksum
    with desk.journal() as journal:
        row = journal.files()[-1]
        assert journal.current(f"{CAMPAIGN}-100001").stage == CATALOGUE.final_stage
    (finding,) = row.findings
    assert finding["code"] == "refus_de_signer"
    assert finding["label"] == CATALOGUE.field(cat.REFUSED_TO_SIGN).label


# -- rejections --------------------------------------------------------------------------------------------


def test_incomplete_report_goes_to_rejets_with_a_note_listing_each_problem_in_form_order(desk):
    """GIVEN a stage-1 report without general appraisal nor career outlook, with a
    training need lacking its type
    WHEN process runs
    THEN the file goes unchanged to outbox/rejets/ and its note, beside it, names the agent
    and the campaign and lists every problem, label and message, in the order of the form."""
    bad_need = {c.key: (c.choices[0] if c.kind == "choice" else "Excel") for c in NEEDS.columns
                if c.required_if is None}
    bad_need[next(c.key for c in NEEDS.columns if c.required and c.kind == "choice")] = ""
    checksum = desk.drop(desk.fill("cr.docx", overrides={cat.TRAINING_NEEDS: [bad_need]},
                                   omit=(CAREER, APPRAISAL)), "CR Martin.docx")
    (outcome,) = desk.run().handled
    assert outcome.outcome == "rejected"
    rejected = desk.config.outbox / REJECTS / "CR Martin.docx"
    assert Path(outcome.destination) == rejected
    assert sha(rejected) == checksum
    assert all(files == [] for files in desk.stage_files().values())

    note_path = desk.config.outbox / REJECTS / f"CR Martin{REJECTION_SUFFIX}"
    assert note_path.exists()
    note = read_note(note_path)
    assert "MARTIN" in note.cells["Agent"] and "Léa" in note.cells["Agent"]
    assert "100001" in note.cells["Agent"]
    assert note.cells["Campagne"] == CAMPAIGN
    assert note.cells["Fichier reçu"] == "CR Martin.docx"
    with desk.journal() as journal:
        (row,) = journal.files()
    labels = [f["label"] for f in row.findings if f["severity"] == "erreur"]
    order = {f.label: n for n, f in enumerate(CATALOGUE.fields)}
    assert labels == sorted(labels, key=order.__getitem__)
    assert {CATALOGUE.field(APPRAISAL).label, CATALOGUE.field(CAREER).label, NEEDS.label} <= set(labels)
    positions = problems_in_note(note, row.findings)
    assert positions == sorted(positions) and len(positions) == len(labels)
    assert f"{len(labels)} points à corriger" in note.cells["Motif"]


def test_a_rejected_version_leaves_the_accepted_one_in_place(desk):
    v1 = desk.fill("v1.docx")
    first = desk.drop(v1)
    desk.run()
    desk.drop(desk.fill("v2.docx", start=v1, stage=2, omit=(cat.COMMUNICATION_DATE,)))
    (outcome,) = desk.run().handled
    assert (outcome.outcome, outcome.reason_code) == ("rejected", "champ_manquant")
    assert desk.stage_files()[1] == [clean_name(LEA)]
    assert sha(desk.folder(1) / clean_name(LEA)) == first
    assert not (desk.config.outbox / HISTORY).exists()


def test_a_corrected_version_after_a_rejection_is_accepted(desk):
    desk.drop(desk.fill("incomplete.docx", omit=(CAREER,)), "cr.docx")
    desk.run()
    desk.drop(desk.fill("complete.docx"), "cr.docx")
    (outcome,) = desk.run().handled
    assert outcome.outcome == "accepted"
    assert sorted(p.name for p in (desk.config.outbox / REJECTS).iterdir()) == [
        "cr - note de rejet.docx", "cr.docx"]


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
REAL_FILES = {  # SOURCES.md of that folder says what each one is
    "Specification_web_services_gestion_EAE.doc": LegacyDoc.code,  # a genuine Word 97-2003 file
    "EAE_Agent.doc": NotAReport.code,  # a .docx under a .doc name: read by content
    "CDC_Processus_de_traitement_EAE_0.1.docx": NotAReport.code,
}


@pytest.mark.parametrize("name", ["vide.docx", "scan.docx", *REAL_FILES])
def test_unreadable_file_goes_to_rejets_with_a_note_giving_the_reason(desk, name):
    if name == "vide.docx":
        data, code = b"", EmptyFile.code
    elif name == "scan.docx":
        data, code = PDF, NotAZip.code
    else:
        if not (REAL_WORLD / name).exists():
            pytest.skip(f"{REAL_WORLD / name} is missing")
        data, code = (REAL_WORLD / name).read_bytes(), REAL_FILES[name]
    checksum = desk.drop(data, name)
    (outcome,) = desk.run().handled
    assert (outcome.outcome, outcome.reason_code) == ("unreadable", code)
    assert sha(desk.config.outbox / REJECTS / name) == checksum
    note = read_note(note_of(desk.config.outbox / REJECTS / name))
    with desk.journal() as journal:
        (row,) = journal.files()
    (finding,) = row.findings
    assert finding["code"] == code and finding["message"]
    assert problems_in_note(note, row.findings) == [note.paragraphs.index(
        f"{finding['label']} – {finding['message']}")]
    assert "ne peut pas être lu" in note.cells["Motif"]
    assert "non identifié" in note.cells["Agent"]


def test_a_word_document_that_is_not_a_report_is_rejected_as_such(desk, tmp_path):
    letter = docx.Document()
    letter.add_paragraph("Bonjour, voici mon compte rendu en pièce jointe. Cordialement.")
    letter.save(str(tmp_path / "lettre.docx"))
    desk.drop(tmp_path / "lettre.docx")
    (outcome,) = desk.run().handled
    assert (outcome.outcome, outcome.reason_code) == ("unreadable", NotAReport.code)
    assert note_of(desk.config.outbox / REJECTS / "lettre.docx").exists()


# -- duplicates ------------------------------------------------------------------------------------------------


def test_byte_identical_resubmission_goes_to_doublons_with_a_note_naming_the_original(desk):
    v1 = desk.fill("v1.docx")
    checksum = desk.drop(v1, "CR Martin.docx")
    desk.run()
    desk.drop(v1, "CR Martin (renvoi).docx")
    (outcome,) = desk.run().handled
    assert (outcome.outcome, outcome.reason_code) == ("duplicate", "doublon")
    copy = desk.config.outbox / DUPLICATES / "CR Martin (renvoi).docx"
    assert sha(copy) == checksum
    assert desk.stage_files()[1] == [clean_name(LEA)]
    note = copy.with_name(copy.stem + DUPLICATE_SUFFIX)
    text = note.read_text(encoding="utf-8-sig")
    assert "«\u202fCR Martin.docx\u202f»" in text
    assert str(desk.folder(1) / clean_name(LEA)) in text
    assert Counter(sha(p) for p in desk.placed()) == Counter([checksum, checksum])


def test_two_identical_files_in_one_pass_give_one_report_and_one_duplicate(desk):
    v1 = desk.fill("v1.docx")
    desk.drop(v1, "a.docx")
    desk.drop(v1, "b.docx")
    outcomes = desk.run().handled
    assert [(o.received_name, o.outcome) for o in outcomes] == [("a.docx", "accepted"), ("b.docx", "duplicate")]
    assert (desk.config.outbox / DUPLICATES / "b.docx").exists()


def test_duplicate_note_says_where_the_original_is_now(desk):
    v1 = desk.fill("v1.docx")
    desk.drop(v1, "CR Martin.docx")
    desk.run()
    desk.drop(desk.fill("v2.docx", start=v1, stage=2))
    desk.run()
    desk.drop(v1, "CR Martin renvoi.docx")
    (outcome,) = desk.run().handled
    assert outcome.outcome == "duplicate"
    note = Path(outcome.destination).with_name(f"CR Martin renvoi{DUPLICATE_SUFFIX}")
    text = note.read_text(encoding="utf-8-sig")
    assert str(desk.config.outbox / HISTORY / CAMPAIGN / "100001" / clean_name(LEA)) in text


# -- a later version may not change what the evaluator signed -------------------------------------------------------


def test_later_version_changing_the_general_appraisal_is_rejected_naming_it(desk):
    """GIVEN an accepted stage-1 report
    WHEN the stage-2 version comes back with the general appraisal rewritten
    THEN it is rejected, its note names the changed field, and stage 1 stays in place."""
    v1 = desk.fill("v1.docx", overrides={APPRAISAL: "Bon travail."})
    first = desk.drop(v1)
    desk.run()
    desk.drop(desk.fill("v2.docx", start=v1, stage=2, overrides={APPRAISAL: "Travail excellent."}))
    (outcome,) = desk.run().handled
    assert (outcome.outcome, outcome.reason_code) == ("rejected", "modification_apres_signature")
    assert sha(desk.folder(1) / clean_name(LEA)) == first
    assert desk.stage_files()[2] == []
    with desk.journal() as journal:
        row = journal.files()[-1]
    (finding,) = [f for f in row.findings if f["code"] == "modification_apres_signature"]
    assert f"«\u202f{CATALOGUE.field(APPRAISAL).label}\u202f»" in finding["message"]
    assert re.search(r"enregistrée le \d{2}/\d{2}/\d{4}", finding["message"])  # a French date, never ISO
    note = read_note(note_of(Path(outcome.destination)))
    assert problems_in_note(note, [finding])


def test_later_version_changing_a_training_need_row_is_rejected_naming_the_table(desk):
    v1 = desk.fill("v1.docx")
    desk.drop(v1)
    desk.run()
    title = next(c.key for c in NEEDS.columns if c.required and c.kind == "text")
    other_needs = [{c.key: (c.choices[0] if c.kind == "choice" else "Excel") for c in NEEDS.columns
                    if c.required_if is None} | {title: "Management d'équipe"}]
    desk.drop(desk.fill("v2.docx", start=v1, stage=2, overrides={cat.TRAINING_NEEDS: other_needs}))
    (outcome,) = desk.run().handled
    assert (outcome.outcome, outcome.reason_code) == ("rejected", "modification_apres_signature")
    with desk.journal() as journal:
        row = journal.files()[-1]
    (finding,) = [f for f in row.findings if f["code"] == "modification_apres_signature"]
    assert f"«\u202f{NEEDS.label}\u202f»" in finding["message"]
    assert f"«\u202f{CATALOGUE.field(APPRAISAL).label}\u202f»" not in finding["message"]


AFTER_APPEAL = dt.date(2027, 3, 1)  # HR sends the version revised after the decision of 10 February


@pytest.mark.parametrize("decision", [cat.REVISED, "Compte rendu REVISE", "  compte   rendu révisé "])
def test_a_version_revised_after_an_appeal_is_accepted_as_the_new_version(desk, decision):
    """GIVEN a notified report (stage 4) WHEN HR sends the version revised after the agent's
    appeal, its « Recours » part saying « compte rendu révisé » with the decision's date THEN it is
    accepted as the new version, the old one kept in the history, and the journal says why."""
    v4 = desk.fill("v4.docx", stage=4, overrides={APPRAISAL: "Travail satisfaisant."})
    first = desk.drop(v4)
    desk.run()
    revised = desk.fill("v5.docx", start=v4, stage=4, overrides={
        APPRAISAL: "Travail très satisfaisant, conformément à la décision de révision.",
        cat.REVISION_REQUEST_DATE: dt.date(2027, 2, 1), cat.REVISION_DECISION: decision,
        cat.REVISION_DECISION_DATE: dt.date(2027, 2, 10)})
    checksum = desk.drop(revised)
    (outcome,) = desk.run(received_on=AFTER_APPEAL).handled
    assert (outcome.outcome, outcome.stage) == ("accepted", CATALOGUE.final_stage)
    assert sha(desk.folder(4) / clean_name(LEA)) == checksum
    assert first in {sha(p) for p in (desk.config.outbox / HISTORY).rglob("*.docx")}
    with desk.journal() as journal:
        row = journal.files()[-1]
    (finding,) = [f for f in row.findings if f["code"] == "revision_apres_recours"]
    assert "10/02/2027" in finding["message"] and CATALOGUE.field(APPRAISAL).label in finding["message"]


@pytest.mark.parametrize("appeal", [
    {cat.REVISION_REQUEST_DATE: dt.date(2027, 2, 1)},  # an appeal asked, not decided
    {cat.REVISION_DECISION: cat.REVISED},  # a decision without its date
    {cat.REVISION_DECISION: "compte rendu maintenu", cat.REVISION_DECISION_DATE: dt.date(2027, 2, 10)},
])
def test_a_change_after_signature_without_a_dated_revision_decision_is_still_rejected(desk, appeal):
    v4 = desk.fill("v4.docx", stage=4, overrides={APPRAISAL: "Travail satisfaisant."})
    desk.drop(v4)
    desk.run()
    desk.drop(desk.fill("v5.docx", start=v4, stage=4, overrides={APPRAISAL: "Autre appréciation.", **appeal}))
    (outcome,) = desk.run(received_on=AFTER_APPEAL).handled
    assert (outcome.outcome, outcome.reason_code) == ("rejected", "modification_apres_signature")
    with desk.journal() as journal:
        (finding,) = [f for f in journal.files()[-1].findings if f["code"] == "modification_apres_signature"]
    assert "compte rendu révisé" in finding["message"]  # the note says how a granted revision is sent


def test_a_pass_receives_files_on_the_day_it_claims_them_and_rejects_a_date_after_it(desk):
    """GIVEN two reports dropped today, on the machine's clock: one whose interview was three weeks
    ago, one whose evaluator typed next year in the signature's date WHEN a pass runs (no day given)
    THEN the journal says both were received today, the first is accepted, the second rejected
    with a note naming the date and the day received; a late communication stays a warning."""
    today = dt.date.today()
    review = today - dt.timedelta(days=21)
    dated = {cat.INVITATION_DATE: review - dt.timedelta(days=12), cat.REVIEW_DATE: review}
    good = desk.fill("CR Martin.docx", stage=2, review=review, overrides=dated | {
        cat.EVALUATOR_SIGNATURE_DATE: review + dt.timedelta(days=1),
        cat.COMMUNICATION_DATE: review + dt.timedelta(days=2), cat.AGENT_ACK_DATE: today})
    signed = review + dt.timedelta(days=2)
    typo = desk.fill("CR NDiaye.docx", "100002", review=review, overrides=dated | {
        cat.EVALUATOR_SIGNATURE_DATE: signed.replace(year=signed.year + 1)})
    desk.drop(good)
    desk.drop(typo)
    settle(desk.config.inbox)
    outcomes = {o.received_name: o for o in process_inbox(desk.config).handled}
    assert (outcomes["CR Martin.docx"].outcome, outcomes["CR NDiaye.docx"].outcome) == ("accepted", "rejected")
    assert outcomes["CR NDiaye.docx"].reason_code == "date_posterieure_reception"
    with desk.journal() as journal:
        rows = {row.original_name: row for row in journal.files()}
    assert {row.received_at[:10] for row in rows.values()} == {today.isoformat()}
    (finding,) = [f for f in rows["CR NDiaye.docx"].findings if f["severity"] == ERROR]
    note = read_note(note_of(Path(outcomes["CR NDiaye.docx"].destination)))
    assert f"{finding['label']} – {finding['message']}" in note.paragraphs
    assert format_date(signed.replace(year=signed.year + 1)) in finding["message"]
    assert format_date(today) in finding["message"]
    # The agent acknowledged 19 days after the communication, not 15: late, accepted all the same.
    assert "delai_depasse" in [f["code"] for f in rows["CR Martin.docx"].findings]


def test_older_stage_arriving_after_a_newer_one_is_rejected_as_an_earlier_version(desk):
    v1 = desk.fill("v1.docx")
    v2 = desk.fill("v2.docx", start=v1, stage=2)
    second = desk.drop(v2)
    desk.run()
    desk.drop(v1)  # the mail with stage 1 arrives late
    (outcome,) = desk.run().handled
    assert (outcome.outcome, outcome.reason_code) == ("rejected", "version_anterieure")
    assert sha(desk.folder(2) / clean_name(LEA)) == second
    assert desk.stage_files()[1] == []
    assert note_of(Path(outcome.destination)).exists()


# -- the inbox -------------------------------------------------------------------------------------------------------


IGNORED = ["~$CR Martin.docx", ".~lock.CR Martin.docx#", ".cache", "Thumbs.db", "desktop.ini",
           "copie.tmp", "envoi.part", "THUMBS.DB"]


def test_office_and_copy_tool_leftovers_are_never_moved_nor_noted(desk):
    v1 = desk.fill("v1.docx")
    for name in IGNORED:
        desk.drop(v1 if name.startswith("~$") else b"temp", name)
    desk.drop(v1, "CR Martin.docx")
    outcomes = desk.run().handled
    assert [o.received_name for o in outcomes] == ["CR Martin.docx"]
    left = {p.name: sha(p) for p in desk.config.inbox.iterdir()}
    assert left == {name: desk.dropped[name] for name in IGNORED}
    assert desk.notes() == []
    with desk.journal() as journal:
        assert [f.original_name for f in journal.files()] == ["CR Martin.docx"]


def test_a_file_processed_once_is_not_processed_again(desk):
    desk.drop(desk.fill("v1.docx"))
    assert len(desk.run().handled) == 1
    before = {p: sha(p) for p in desk.placed()}
    assert desk.run().handled == []
    assert {p: sha(p) for p in desk.placed()} == before
    with desk.journal() as journal:
        assert len(journal.files()) == 1


def test_empty_inbox_gives_no_outcome(desk):
    desk.config.inbox.mkdir()
    assert desk.run().handled == []


def test_missing_inbox_is_an_error_naming_it(desk):
    with pytest.raises(FileNotFoundError) as error:
        desk.run()
    assert str(desk.config.inbox) in str(error.value)


LONG_NAME_BUG = (
    "a legal file name of 240-255 bytes makes the pass raise OSError ENAMETOOLONG: "
    "Processor.claim prefixes it with 14 characters for the work area (242 bytes and more), "
    "and the rejection note adds ' - note de rejet.docx' to its stem (240 bytes and more); the "
    "exception stops the whole pass, and when the note fails the planned row is retried, and "
    "fails, at the start of every later pass (Processor.recover): no file is processed again")


@pytest.mark.parametrize("length", [240, 250])
def test_a_file_with_a_very_long_name_neither_stops_the_pass_nor_blocks_the_next(desk, length):
    name = "CR " + "é" * ((length - 8) // 2) + ".docx"  # a legal name: at most 255 bytes
    assert len(name.encode()) == length
    long_one = desk.drop(desk.fill("bad.docx", omit=(CAREER,)), name)
    other = desk.drop(desk.fill("ok.docx", "100002"), "zz.docx")
    outcomes = {o.received_name: o.outcome for o in desk.run().handled}
    assert outcomes == {name: "rejected", "zz.docx": "accepted"}
    assert list(desk.config.inbox.iterdir()) == []
    assert Counter(sha(p) for p in desk.placed()) == Counter([long_one, other])
    assert len(desk.notes()) == 1
    assert desk.run().handled == []


def test_a_symlink_dropped_in_the_inbox_is_turned_away(desk, tmp_path):
    target = tmp_path / "ailleurs.docx"
    shutil.copyfile(desk.fill("v1.docx"), target)
    (desk.config.inbox).mkdir()
    (desk.config.inbox / "raccourci.docx").symlink_to(target)
    (outcome,) = desk.run().handled
    assert (outcome.outcome, outcome.reason_code) == ("unreadable", "pas_un_fichier_ordinaire")
    assert desk.stage_files() == {n: [] for n in STAGES}
    assert note_of(Path(outcome.destination)).exists()


def test_a_symlink_dropped_in_the_inbox_leaves_the_file_it_points_to_untouched(desk, tmp_path):
    secret = tmp_path / "cle_privee.pem"
    secret.write_bytes(b"-----BEGIN PRIVATE KEY-----\n")
    secret.chmod(0o600)
    desk.config.inbox.mkdir()
    (desk.config.inbox / "cle.docx").symlink_to(secret)
    (outcome,) = desk.run().handled
    assert outcome.outcome == "unreadable"
    assert secret.read_bytes() == b"-----BEGIN PRIVATE KEY-----\n"
    assert secret.stat().st_nlink == 1
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_a_symlink_to_an_endless_device_does_not_hang_the_pass(desk):
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    desk.config.inbox.mkdir()
    (desk.config.inbox / "zero.docx").symlink_to("/dev/zero")
    desk.drop(desk.fill("v1.docx", **before_the_clock()), "zz.docx")  # the command runs on the real day
    settle(desk.config.inbox)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    try:
        done = subprocess.run([sys.executable, "-m", "pipeline", "traiter", "--config",
                               str(desk.config.base_dir / "config.yaml")], env=env,
                              capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("process was still reading after 10 s")
    assert done.returncode == 0, done.stderr
    assert (desk.folder(1) / clean_name(LEA)).exists()


def test_a_state_folder_on_another_disk_claims_through_a_work_folder_in_the_inbox(tmp_path, blanks):
    """GIVEN the journal on a local disk and the inbox on another one (a share)
    WHEN process runs
    THEN files are claimed into a hidden work folder of the inbox (a rename cannot cross
    disks), placed as usual, and that folder is left empty and never taken for a file."""
    if not Path("/dev/shm").is_dir() or os.stat("/dev/shm").st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs /dev/shm on another file system than the temporary folder")
    state = Path(tempfile.mkdtemp(prefix="entretiens-etat-", dir="/dev/shm"))
    try:
        desk = Desk(write_workspace(tmp_path / "ws", AGENTS, dossiers={
            "modeles": str(TEMPLATES), "etat": str(state)}), blanks, tmp_path)
        accepted = desk.drop(desk.fill("v1.docx"))
        rejected = desk.drop(b"", "vide.docx")
        outcomes = {o.received_name: o.outcome for o in desk.run().handled}
        assert outcomes == {"v1.docx": "accepted", "vide.docx": "unreadable"}
        assert sha(desk.folder(1) / clean_name(LEA)) == accepted
        assert sha(desk.config.outbox / REJECTS / "vide.docx") == rejected
        assert [p.name for p in desk.config.inbox.iterdir()] == [SHARE_WORK_FOLDER]
        assert list((desk.config.inbox / SHARE_WORK_FOLDER).iterdir()) == []
        assert desk.run().handled == []
        assert (state / "journal.sqlite3").exists()
    finally:
        shutil.rmtree(state)


def test_a_new_version_at_the_same_stage_replaces_the_previous_one(desk):
    v1 = desk.fill("v1.docx")
    first = desk.drop(v1)
    desk.run()
    signed = CATALOGUE.evaluator_fields()
    expectations = next(f.key for f in CATALOGUE.fields  # the agent's expectations: not signed
                        if f not in signed and f.kind == "text" and f.required_from is None
                        and f.marks_stage is None and not f.filled_by_generate)
    second = desk.drop(desk.fill("v1bis.docx", start=v1, overrides={expectations: "Télétravail le lundi."}))
    (outcome,) = desk.run().handled
    assert (outcome.outcome, outcome.stage) == ("accepted", 1)
    history = desk.config.outbox / HISTORY / CAMPAIGN / "100001"
    assert [sha(p) for p in history.iterdir()] == [first]
    assert desk.stage_files()[1] == [clean_name(LEA)]
    assert sha(desk.folder(1) / clean_name(LEA)) == second


# -- never overwrite -------------------------------------------------------------------------------------------------


def test_a_rejected_file_never_overwrites_an_earlier_rejection_of_the_same_name(desk):
    first = desk.drop(desk.fill("a.docx", omit=(CAREER,)), "cr.docx")
    desk.run()
    second = desk.drop(desk.fill("b.docx", "100002", omit=(APPRAISAL,)), "cr.docx")
    (outcome,) = desk.run().handled
    rejets = desk.config.outbox / REJECTS
    assert sha(rejets / "cr.docx") == first
    assert Path(outcome.destination) == rejets / "cr (2).docx"
    assert sha(rejets / "cr (2).docx") == second
    assert read_note(rejets / f"cr{REJECTION_SUFFIX}").cells["Agent"].endswith("(matricule 100001)")
    assert read_note(rejets / f"cr (2){REJECTION_SUFFIX}").cells["Agent"].endswith("(matricule 100002)")


def test_a_foreign_file_under_the_clean_name_is_kept_and_the_report_gets_a_suffix(desk):
    desk.folder(1).mkdir(parents=True)
    foreign = desk.folder(1) / clean_name(LEA)
    foreign.write_bytes(b"copie faite a la main par le service RH")
    checksum = desk.drop(desk.fill("v1.docx"))
    (outcome,) = desk.run().handled
    assert foreign.read_bytes() == b"copie faite a la main par le service RH"
    assert Path(outcome.destination) == desk.folder(1) / clean_name(LEA).replace(".docx", " (2).docx")
    assert sha(Path(outcome.destination)) == checksum


def test_history_never_overwrites_an_earlier_version(desk):
    v1 = desk.fill("v1.docx")
    v2 = desk.fill("v2.docx", start=v1, stage=2)
    v3 = desk.fill("v3.docx", start=v2, stage=3)
    checksums = [desk.drop(v) for v in (v1, v2, v3)]
    outcomes = desk.run().handled
    assert [o.stage for o in outcomes] == [1, 2, 3]
    history = desk.config.outbox / HISTORY / CAMPAIGN / "100001"
    assert sorted(p.name for p in history.iterdir()) == [
        clean_name(LEA).replace(".docx", " (2).docx"), clean_name(LEA)]
    assert Counter(sha(p) for p in history.iterdir()) == Counter(checksums[:2])


# -- file modes ---------------------------------------------------------------------------------------------------------


def test_what_process_writes_is_readable_by_owner_and_group_only(desk):
    old_umask = os.umask(0o022)
    try:
        v1 = desk.fill("v1.docx")
        desk.drop(v1)
        desk.drop(desk.fill("incomplete.docx", "100002", omit=(CAREER,)))
        desk.drop(b"", "vide.docx")
        desk.run()
        desk.drop(v1, "renvoi.docx")
        desk.drop(desk.fill("v2.docx", start=v1, stage=2))
        desk.run()
    finally:
        os.umask(old_umask)
    written = [desk.config.outbox, desk.config.state_dir]
    files = [p for root in written for p in root.rglob("*") if p.is_file()]
    folders = written + [p for root in written for p in root.rglob("*") if p.is_dir()]
    assert len(files) >= 9 and len(folders) >= 8
    assert {p.relative_to(desk.config.base_dir).as_posix(): oct(stat.S_IMODE(p.stat().st_mode))
            for p in files} == {p.relative_to(desk.config.base_dir).as_posix(): "0o640" for p in files}
    assert {p.as_posix(): oct(stat.S_IMODE(p.stat().st_mode)) for p in folders} == {
        p.as_posix(): "0o750" for p in folders}


# -- the journal ----------------------------------------------------------------------------------------------------------


def test_journal_records_checksum_name_outcome_destination_and_moves(desk):
    v1 = desk.fill("v1.docx")
    first = desk.drop(v1, "premier envoi.docx")
    desk.run()
    second = desk.drop(desk.fill("v2.docx", start=v1, stage=2), "second envoi.docx")
    rejected = desk.drop(b"", "vide.docx")
    desk.run()
    with desk.journal() as journal:
        rows = {r.original_name: r for r in journal.files()}
        moves = journal.moves()
        current = journal.current(f"{CAMPAIGN}-100001")
    assert {n: (r.checksum, r.status, r.outcome) for n, r in rows.items()} == {
        "premier envoi.docx": (first, "done", "accepted"),
        "second envoi.docx": (second, "done", "accepted"),
        "vide.docx": (rejected, "done", "unreadable"),
    }
    assert rows["second envoi.docx"].destination == str(desk.folder(2) / clean_name(LEA))
    assert rows["vide.docx"].destination == str(desk.config.outbox / REJECTS / "vide.docx")
    assert rows["vide.docx"].note == str(desk.config.outbox / REJECTS / f"vide{REJECTION_SUFFIX}")
    assert current.stage == 2 and current.file.id == rows["second envoi.docx"].id
    assert current.location == rows["second envoi.docx"].destination
    assert rows["premier envoi.docx"].content["champs"][cat.AGENT_NUMBER] == "100001"
    by_target = {m["target"]: m for m in moves}
    assert len(moves) == 4  # three arrivals, one version sent to the history
    history = str(desk.config.outbox / HISTORY / CAMPAIGN / "100001" / clean_name(LEA))
    assert by_target[history]["source"] == rows["premier envoi.docx"].destination
    assert by_target[history]["file_id"] == rows["second envoi.docx"].id
    for row in rows.values():
        (arrival,) = [m for m in moves if m["file_id"] == row.id and m["target"] == row.destination]
        assert arrival["source"].endswith(row.original_name)
        assert arrival["at"]


# -- logs ------------------------------------------------------------------------------------------------------------------


def test_logs_name_file_checksum_and_destination_but_never_the_evaluation(desk, caplog):
    caplog.set_level(logging.DEBUG, logger="entretiens")
    v1 = desk.fill("v1.docx", overrides={APPRAISAL: SECRET})
    accepted = desk.drop(v1, "CR Martin.docx")
    rejected = desk.drop(desk.fill("bad.docx", "100002", overrides={APPRAISAL: SECRET}, omit=(CAREER,)),
                         "CR NDiaye.docx")
    desk.run()
    desk.drop(desk.fill("v2.docx", start=v1, stage=2, overrides={APPRAISAL: SECRET + " Modifié."}),
              "CR Martin v2.docx")
    desk.run()
    text = "\n".join(r.getMessage() for r in caplog.records)
    for fragment in ("confidentielle", "remarquable", "XQ-7731", "Modifié", "réponse rédigée"):
        assert fragment not in text
    for name, checksum, destination in (
            ("CR Martin.docx", accepted, desk.folder(1) / clean_name(LEA)),
            ("CR NDiaye.docx", rejected, desk.config.outbox / REJECTS / "CR NDiaye.docx")):
        lines = [r.getMessage() for r in caplog.records if name in r.getMessage()
                 and checksum[:12] in r.getMessage()]
        assert lines and str(destination) in lines[-1], text


def test_a_second_name_left_by_a_lost_unlink_is_removed_and_the_report_kept(desk):
    """GIVEN a report placed at its stage, whose move's unlink (not synced) a power cut lost:
    the work area still holds a second name of the placed file, the journal says "done"
    WHEN process runs again
    THEN the second name is removed, the placed report stays byte for byte, nothing is
    processed twice."""
    dropped = desk.drop(desk.fill("cr.docx", stage=1))
    desk.run()
    with desk.journal() as journal:
        (row,) = journal.files()
    placed = Path(row.destination)
    second = desk.config.state_dir / WORK_FOLDER / row.work_name
    os.link(placed, second)

    result = desk.run()

    assert result.handled == []
    assert not second.exists()
    assert sha(placed) == dropped
    with desk.journal() as journal:
        assert [r.id for r in journal.files()] == [row.id]


def test_a_link_whose_plan_a_power_cut_lost_is_taken_as_the_files_destination(desk):
    """GIVEN a report in the work area already linked under its clean name in its stage
    folder, the journal knowing nothing of it (a power cut lost its claim and its plan,
    which are synced only at the batch's sync point)
    WHEN process runs
    THEN it is placed under that same name: one copy, no «\u202f(2)\u202f», nothing left behind."""
    dropped = desk.fill("cr.docx", stage=1)
    desk.config.inbox.mkdir(parents=True, exist_ok=True)
    work = desk.config.state_dir / WORK_FOLDER
    work.mkdir(parents=True, exist_ok=True)
    left = work / "0123456789ab__cr.docx"
    shutil.copyfile(dropped, left)
    linked = desk.folder(1) / clean_name(LEA)
    linked.parent.mkdir(parents=True, exist_ok=True)
    os.link(left, linked)

    result = desk.run()

    assert [(o.outcome, o.destination) for o in result.handled] == [("accepted", str(linked))]
    assert desk.stage_files()[1] == [linked.name]
    assert sha(linked) == sha(dropped)
    assert list(work.iterdir()) == []
    with desk.journal() as journal:
        assert [(r.status, r.destination) for r in journal.files()] == [("done", str(linked))]


def test_a_second_name_of_a_version_that_replaced_another_under_the_same_name_is_removed(desk):
    """GIVEN a report re-sent at the same stage (it takes its clean name, the first version
    goes to the history), and a power cut that lost the unlink ending its move
    WHEN process runs again
    THEN the second name is removed and both versions stay where they are."""
    v1 = desk.fill("v1.docx", stage=1)
    desk.drop(v1)
    desk.run()
    form = ReportForm(v1, CATALOGUE)
    ooxml.append_paragraph(ooxml.body(form.root), "Relu par le service.")
    second_version = desk.drop(form.save(desk.scratch / "v1 relu.docx"))
    desk.run()
    with desk.journal() as journal:
        row = next(r for r in journal.files() if r.original_name == "v1 relu.docx")
    placed = Path(row.destination)
    assert placed.name == clean_name(LEA) and sha(placed) == second_version
    left = desk.config.state_dir / WORK_FOLDER / row.work_name
    os.link(placed, left)

    assert desk.run().handled == []

    assert not left.exists()
    assert sha(placed) == second_version
    assert len(list((desk.config.outbox / HISTORY).rglob("*.docx"))) == 1
