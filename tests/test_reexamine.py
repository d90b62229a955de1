"""After ``entretiens reexaminer`` (and a corrected version): what the campaign says of the files
and messages that are no longer current. Rejection notes drafted for files accepted or turned away
again since are moved out of ``outbox/courriels`` and no longer anyone's «\u202fDernier courriel\u202f»; a
file examined again is one file received; a rejection note named among the files to examine again
is skipped, not a reason to refuse the others; an agent is named the same way in every workbook.

One set of filled reports for the module (generated once); each test processes them in a
workspace of its own (the journal records absolute paths: a processed workspace is not copied).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml

from pipeline.catalogue import DEFAULT
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.filling import fill_report
from pipeline.generate import generate
from pipeline.journal import DRAFTED, OBSOLETE, QUEUED, REJECTION_NOTE, Journal
from pipeline.mail import dispatch
from pipeline.process import process_inbox, reexamine_files
from pipeline.status import campaign_status
from pipeline.workbooks import rebuild_workbooks
from tests.conftest import RECEIVED, ROSTER_HEADER, TEMPLATES, agent, settle, write_csv

EMAIL = "courriel évaluateur"
APPRAISAL = DEFAULT.field("appreciation_generale")  # a report without it is rejected
ROSTER = [
    agent("400001", "Martin", "Léa", **{EMAIL: "sophie.durand@chu.example"}),
    agent("400002", "Bernard", "Paul", **{EMAIL: "albert.noir@chu.example"}),
    agent("400003", "Öztürk", "Moussa", **{EMAIL: "sophie.durand@chu.example"}),
    agent("400004", "N'Diaye", "Hélène", **{EMAIL: "albert.noir@chu.example"}),
]
TRAINING = {"besoins_formation": [{"intitule": "Éclairage public LED", "type": "T1", "dispositif": "plan de formation",
                                   "priorite": "haute", "periode": "2027"}]}


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    """A workspace not processed yet (mail as drafts), and the reports managers sent back in
    ``depot/``: Martin's and Bernard's incomplete (and Martin's complete version), Moussa's complete
    but his name typed «\u202fÖZTÜRK\u202f», «\u202fMOUSSA\u202f» (the roster: «\u202fÖztürk\u202f», «\u202fMoussa\u202f»),
    Hélène's incomplete with her name typed «\u202fN'DIAYE\u202f»; both with a training need."""
    base = tmp_path_factory.mktemp("reexamen") / "modele"
    base.mkdir()
    write_csv(base / "agents.csv", ROSTER, header=[*ROSTER_HEADER, EMAIL])
    (base / "config.yaml").write_text(yaml.safe_dump(
        {"liste_agents": "agents.csv", "dossiers": {"modeles": str(TEMPLATES)}, "courriel": {"mode": "brouillon"}},
        allow_unicode=True), encoding="utf-8")
    config = load_config(base / "config.yaml")
    blanks = {p.name.split("_")[1]: p for p in generate(config, today=dt.date(2026, 11, 2)).reports}
    depot = base.parent / "depot"
    depot.mkdir()
    fill_report(blanks["400001"], depot / "CR Martin.docx", DEFAULT, stage=1, omit=(APPRAISAL.key,))
    fill_report(blanks["400001"], depot / "CR Martin corrigé.docx", DEFAULT, stage=1)
    fill_report(blanks["400002"], depot / "CR Bernard.docx", DEFAULT, stage=1, omit=(APPRAISAL.key,))
    fill_report(blanks["400003"], depot / "CR Ozturk.docx", DEFAULT, stage=1,
                overrides={"nom": "ÖZTÜRK", "prenom": "MOUSSA", **TRAINING})
    fill_report(blanks["400004"], depot / "CR Ndiaye.docx", DEFAULT, stage=1, omit=(APPRAISAL.key,),
                overrides={"nom": "N'DIAYE", **TRAINING})
    shutil.rmtree(base / "outbox", ignore_errors=True)
    return base


def fresh(reports: Path, tmp_path: Path, *names: str):
    """A workspace of this test's own, after a pass over ``names`` from the depot."""
    base = tmp_path / "espace"
    shutil.copytree(reports, base)
    config = load_config(base / "config.yaml")
    config.inbox.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(reports.parent / "depot" / name, config.inbox / name)
    settle(config.inbox)
    process_inbox(config, received_on=RECEIVED)
    return config


def relaxed(config):
    """The same workspace, the general appraisal no longer required at stage 1 (the form's version
    unchanged): a file turned away for it is accepted when examined again."""
    path = config.base_dir / "config.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings["catalogue"] = {"modifier": {APPRAISAL.key: {"required_from": 2}}}
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return load_config(path)


def drafts(config) -> list[str]:
    return sorted(p.name for p in (config.outbox / "courriels").glob("*.eml"))


def rejected(config, name: str) -> Path:
    return config.outbox / "rejets" / name


def last_mail(config) -> tuple[dict, dict]:
    """Each agent's «\u202fDernier courriel\u202f», as ``etat`` and the tracking workbook's Suivi say it."""
    status = campaign_status(config, today=RECEIVED)
    said = {number: item["courriel"] for number, item in status.as_json()["dernier_courriel_par_agent"].items()}
    rebuild_workbooks(config, today=RECEIVED)
    rows = list(openpyxl.load_workbook(config.outbox / "suivi_campagne.xlsx")["Suivi"].iter_rows(values_only=True))
    column = rows[0].index("Dernier courriel")
    return said, {row[0]: row[column] for row in rows[1:]}


def test_notes_of_files_accepted_or_turned_away_again_since_are_no_longer_pending_nor_last_mail(reports, tmp_path):
    """The ways a rejection note becomes obsolete: its file examined again and accepted (Martin),
    examined again and turned away with a new note (Bernard's first note), a note still queued
    whose file is accepted (Hélène's, never drafted). Each obsolete draft leaves outbox/courriels
    for the agent's history (never deleted), its message is marked obsolete (a queued one is never
    sent), and neither ``etat`` nor Suivi gives it as the agent's last message, even before the
    next delivery."""
    config = fresh(reports, tmp_path, "CR Martin.docx", "CR Bernard.docx")
    assert len(drafts(config)) == 2
    martin_first, bernard_first = drafts(config)[1], drafts(config)[0]  # albert.noir < sophie.durand
    # Bernard's file examined again with the same rules: turned away again, a new note, a new draft.
    (again,) = reexamine_files(config, [rejected(config, "CR Bernard.docx")], received_on=RECEIVED).handled
    assert again.outcome == "rejected"
    assert bernard_first not in drafts(config) and len(drafts(config)) == 2  # Martin's and Bernard's new one
    kept = config.outbox / "historique" / "2026" / "400002" / bernard_first
    assert kept.is_file()  # moved aside, not deleted
    # Hélène's rejected file: its note queued, not delivered yet (the watcher queues, its mail thread delivers).
    (config.inbox / "CR Ndiaye.docx").write_bytes((reports.parent / "depot" / "CR Ndiaye.docx").read_bytes())
    settle(config.inbox)
    process_inbox(config, received_on=RECEIVED, outputs=False)
    dispatch(config, deliver_now=False)
    config_relaxed = relaxed(config)
    # ... then the rules relaxed: Martin's, Bernard's and Hélène's files examined again, all accepted.
    handled = reexamine_files(config_relaxed, [rejected(config, n) for n in
                                               ("CR Martin.docx", "CR Bernard.docx", "CR Ndiaye.docx")],
                              received_on=RECEIVED, outputs=False).handled
    assert [h.outcome for h in handled] == ["accepted"] * 3
    said, suivi = last_mail(config_relaxed)  # before any delivery: etat and Suivi are right already
    for number in ("400001", "400002", "400004"):
        assert not (said.get(number) or "").startswith("Note de rejet"), (number, said)
        assert not (suivi[number] or "").startswith("Note de rejet"), (number, suivi)
    dispatch(config_relaxed)  # the next delivery moves the drafts aside
    assert drafts(config) == []
    history = sorted(p.name for p in (config.outbox / "historique").rglob("*.eml"))
    assert len(history) == 3 and martin_first in history and bernard_first in history
    with Journal(config.state_dir) as journal:
        notes = journal.messages_of_kind("2026", REJECTION_NOTE)
    assert [m.status for m in notes] == [OBSOLETE] * 4  # Martin's, Bernard's two, Hélène's (never drafted)
    assert all(m.draft is None or Path(m.draft).is_file() for m in notes)
    assert not any(m.status in (QUEUED, DRAFTED) for m in notes)
    status = campaign_status(config_relaxed, today=RECEIVED)
    assert status.as_json()["courriels"] == {OBSOLETE: 4}


def test_a_file_examined_again_is_one_file_received(reports, tmp_path):
    """Examined again once, twice, accepted at last: each received file counts once in ``etat``,
    its JSON and the tracking workbook's Synthèse, and a duplicate still counts as one."""
    config = fresh(reports, tmp_path, "CR Martin.docx", "CR Bernard.docx", "CR Ozturk.docx")
    reexamine_files(config, [rejected(config, "CR Bernard.docx")], received_on=RECEIVED)
    reexamine_files(config, [rejected(config, "CR Bernard.docx")], received_on=RECEIVED)
    reexamine_files(relaxed(config), [rejected(config, "CR Martin.docx"), rejected(config, "CR Bernard.docx")],
                    received_on=RECEIVED)
    status = campaign_status(config, today=RECEIVED)
    assert (status.files_received, status.duplicates) == (3, 0)
    assert status.as_json()["fichiers_recus"] == 3
    with Journal(config.state_dir) as journal:
        assert journal.count_files("2026") == (3, 0)


def test_reexaminer_on_every_file_of_rejets_skips_the_notes_and_examines_the_rest(reports, tmp_path, capsys):
    """``entretiens reexaminer outbox/rejets/*``: the rejection notes beside the files (and a file
    named that is not there) are skipped, each with a French reason; the rejected files are examined
    again; exit code 0."""
    config = fresh(reports, tmp_path, "CR Martin.docx", "CR Bernard.docx")
    capsys.readouterr()
    everything = sorted(str(p) for p in (config.outbox / "rejets").iterdir())
    assert len(everything) == 4  # two files, two notes
    code = main(["--config", str(config.base_dir / "config.yaml"), "reexaminer", *everything,
                 str(config.outbox / "rejets" / "absent.docx")])
    out = capsys.readouterr().out
    assert code == 0
    assert "2 fichiers traités" in out
    assert "3 fichiers laissés de côté :" in out
    assert "«\u202fCR Martin - note de rejet.docx\u202f» est la note de «\u202fCR Martin.docx\u202f» écrite par le service" in out
    assert "«\u202fCR Bernard - note de rejet.docx\u202f» est la note de «\u202fCR Bernard.docx\u202f»" in out
    assert "«\u202fabsent.docx\u202f» est introuvable" in out
    with Journal(config.state_dir) as journal:
        assert sum(1 for f in journal.files() if f.reexamination_of) == 2
    # Only notes named: nothing to examine, said as before, nothing moves.
    notes = sorted(str(p) for p in (config.outbox / "rejets").glob("* - note de rejet.docx"))
    assert main(["--config", str(config.base_dir / "config.yaml"), "reexaminer", *notes]) == 1
    assert "est la note de" in capsys.readouterr().err
    assert all(Path(p).exists() for p in notes)


def test_an_agent_is_named_as_the_roster_names_them_in_every_workbook(reports, tmp_path):
    """Moussa's report types «\u202fÖZTÜRK\u202f» «\u202fMOUSSA\u202f», Hélène's rejected one «\u202fN'DIAYE\u202f»; the
    roster says «\u202fÖztürk\u202f», «\u202fMoussa\u202f», «\u202fN'Diaye\u202f»: the training plan (its needs, accepted
    and not validated) writes them as the tracking workbook and ``etat`` do."""
    config = fresh(reports, tmp_path, "CR Ozturk.docx", "CR Ndiaye.docx")
    plan = openpyxl.load_workbook(config.outbox / "plan_de_formation.xlsx")
    suivi = openpyxl.load_workbook(config.outbox / "suivi_campagne.xlsx")["Suivi"]

    def names(sheet) -> dict:
        rows = list(sheet.iter_rows(values_only=True))
        last, first, number = (rows[0].index(DEFAULT.field(key).label) for key in ("nom", "prenom", "matricule"))
        return {row[number]: (row[last], row[first]) for row in rows[1:] if row[number]}

    assert names(suivi)["400003"] == ("Öztürk", "Moussa")
    assert names(plan["Besoins"])["400003"] == ("Öztürk", "Moussa")
    assert names(plan["Besoins non validés"])["400004"] == ("N'Diaye", "Hélène") == names(suivi)["400004"]
    status = campaign_status(config, today=RECEIVED)
    assert any(item["nom"] == "Hélène N'DIAYE" for item in status.as_json()["rejets"])
