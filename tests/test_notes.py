"""Notes written beside files the product turns away (pipeline/notes.py): the
rejection note (docxtpl, templates/note_de_rejet.docx) and the duplicate note.
Both are made from the journal's row alone."""

from __future__ import annotations

import datetime as dt
import os
import stat
from dataclasses import replace
from pathlib import Path

import docx
import pytest

from pipeline import catalogue as cat
from pipeline.catalogue import DEFAULT
from pipeline.text import long_date
from pipeline.journal import FileRow
from pipeline.naming import DUPLICATE_SUFFIX, REJECTION_SUFFIX, note_path_for
from pipeline.notes import rejection_context, write_duplicate_note, write_rejection_note
from tests.conftest import make_config

RECEIVED = "2026-12-21T09:15:00+01:00"
HR = {"nom": "Direction des ressources humaines – CHU de Nulle-Part",
      "retour": "la boîte drh-entretiens@example.org"}
APPRAISAL = DEFAULT.field("appreciation_generale")  # no constant in the catalogue
CAREER = DEFAULT.field("perspectives_carriere")


def finding(code: str, field, message: str, severity: str = "erreur") -> dict:
    return {"code": code, "severity": severity, "label": field.label if field else "",
            "message": message, "field": field.key if field else None}


PROBLEMS = [
    finding("champ_manquant", APPRAISAL, f"La rubrique «\u202f{APPRAISAL.label}\u202f» n'est pas remplie. Complétez-la."),
    finding("tableau_vide", DEFAULT.field(cat.TRAINING_NEEDS),
            "Le tableau n'a aucune ligne complète. Renseignez une ligne & cochez la case <si besoin>."),
    finding("delai_depasse", None, "Convocation au moins 8 jours avant l'entretien : le 10/12/2026.",
            severity="avertissement"),
    finding("champ_manquant", CAREER, f"La rubrique «\u202f{CAREER.label}\u202f» n'est pas remplie. Complétez-la."),
]


def file_row(**changes) -> FileRow:
    row = FileRow(
        id=7, work_name="0a1b2c3d4e5f__CR Öztürk.docx", original_name="CR Öztürk.docx",
        checksum="ab" * 32, status="planned", outcome="rejected",
        destination="/srv/outbox/rejets/CR Öztürk.docx",
        note="/srv/outbox/rejets/CR Öztürk - note de rejet.docx", previous_move=None,
        report_id="2026-100233", stage=1,
        content={"champs": {cat.FIRST_NAME: "Çağla", cat.LAST_NAME: "Öztürk", cat.AGENT_NUMBER: "100233"}},
        findings=PROBLEMS, received_at=RECEIVED, reason_code="champ_manquant", campaign="2026",
        agent_number="100233", duplicate_of=None)
    return replace(row, **changes)


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path, service_rh=HR)


def read(path: Path) -> tuple[dict[str, str], list[str]]:
    document = docx.Document(str(path))
    cells = {r.cells[0].text.strip(): r.cells[1].text.strip() for t in document.tables for r in t.rows}
    return cells, [p.text for p in document.paragraphs if p.text.strip()]


def test_note_path_is_the_file_name_followed_by_the_suffix():
    assert note_path_for(Path("/o/rejets/CR Martin (2).docx"), REJECTION_SUFFIX) == Path(
        "/o/rejets/CR Martin (2) - note de rejet.docx")
    assert note_path_for(Path("/o/doublons/a.docx"), DUPLICATE_SUFFIX) == Path("/o/doublons/a - doublon.txt")


def test_rejection_note_names_agent_campaign_file_and_date_of_receipt(config, tmp_path):
    note = write_rejection_note(file_row(), config, tmp_path / "note.docx")
    cells, _ = read(note)
    assert cells["Agent"] == "Çağla ÖZTÜRK (matricule 100233)"
    assert cells["Campagne"] == "2026"
    assert cells["Fichier reçu"] == "CR Öztürk.docx"
    assert cells["Date de réception"] == long_date(dt.date(2026, 12, 21)) == "lundi 21 décembre 2026"
    assert cells["Motif"] == "Le compte rendu est incomplet ou incohérent : 3 points à corriger."


def test_rejection_note_lists_every_error_in_the_order_given_then_the_warnings_apart(config, tmp_path):
    _, paragraphs = read(write_rejection_note(file_row(), config, tmp_path / "note.docx"))
    errors = [f"{f['label']} – {f['message']}" for f in PROBLEMS if f["severity"] == "erreur"]
    positions = [paragraphs.index(line) for line in errors]
    assert positions == sorted(positions)
    heading = paragraphs.index("Points d'attention (sans effet sur l'acceptation)")
    warning = paragraphs.index(f"Document – {PROBLEMS[2]['message']}")
    assert max(positions) < heading < warning
    assert any("& cochez la case <si besoin>" in p for p in paragraphs)  # text, not markup


def test_rejection_note_says_what_to_do_and_where_to_send_it_back(config, tmp_path):
    _, paragraphs = read(write_rejection_note(file_row(), config, tmp_path / "note.docx"))
    text = "\n".join(paragraphs)
    assert "Que faire" in paragraphs
    assert HR["retour"] in text and HR["nom"] in paragraphs
    assert "{{" not in text and "{%" not in text


def test_rejection_note_is_addressed_to_the_evaluator_with_a_date_and_a_contact(tmp_path):
    """GIVEN an HR contact in config and a report naming its evaluator WHEN a note is written
    THEN it is addressed to the evaluator, says by when to send the correction back (receipt +
    service_rh.delai_reponse_jours) and whom to call."""
    config = make_config(tmp_path, service_rh={**HR, "contact": "Mme Claire Martin", "telephone": "01 23 45 67 89",
                                               "courriel": "rh@exemple.fr", "delai_reponse_jours": 10})
    row = file_row(content={"champs": {cat.FIRST_NAME: "Çağla", cat.LAST_NAME: "Öztürk",
                                       cat.EVALUATOR: "Sophie Durand"}})
    cells, paragraphs = read(write_rejection_note(row, config, tmp_path / "note.docx"))
    assert "À l'attention de Sophie Durand, évaluateur" in paragraphs
    assert cells["À renvoyer avant le"] == "jeudi 31 décembre 2026"  # 21 December + 10 days
    assert "Une question ? Contact : Mme Claire Martin – 01 23 45 67 89 – rh@exemple.fr" in paragraphs
    assert any("avant le jeudi 31 décembre 2026" in p for p in paragraphs)


def test_rejection_note_takes_the_evaluator_from_the_roster_when_the_report_names_none(config, tmp_path):
    _, paragraphs = read(write_rejection_note(file_row(), config, tmp_path / "note.docx", evaluator="Marc Lemoine"))
    assert "À l'attention de Marc Lemoine, évaluateur" in paragraphs


def test_rejection_note_says_where_to_send_it_back_once(config, tmp_path):
    """The default return place is said once, not «\u202fdéposez-le… (déposez le fichier…\u202f»)\u202f»."""
    config = make_config(tmp_path)
    _, paragraphs = read(write_rejection_note(file_row(), config, tmp_path / "note.docx"))
    (to_do,) = [p for p in paragraphs if "déposez" in p.lower()]
    assert to_do.lower().count("déposez") == 1 and "dossier partagé des comptes rendus" in to_do


def test_rejection_note_without_warnings_has_no_warning_section(config, tmp_path):
    errors_only = [f for f in PROBLEMS if f["severity"] == "erreur"]
    _, paragraphs = read(write_rejection_note(file_row(findings=errors_only), config, tmp_path / "n.docx"))
    assert "Points d'attention (sans effet sur l'acceptation)" not in paragraphs


def test_rejection_note_of_an_unreadable_file_gives_the_reason(config, tmp_path):
    reason = finding("format_doc", None, "Ce fichier est au format Word 97-2003 (.doc). Enregistrez-le "
                                         "au format .docx et déposez-le de nouveau.")
    reason["label"] = "Fichier"
    row = file_row(outcome="unreadable", content=None, agent_number=None, report_id=None, campaign=None,
                   findings=[reason], reason_code="format_doc", original_name="vieux.doc")
    cells, paragraphs = read(write_rejection_note(row, config, tmp_path / "note.docx"))
    assert paragraphs[0] == "Fichier à renvoyer"  # not « Compte rendu à compléter »
    assert not any("faites signer" in p for p in paragraphs)
    assert not any("À l'attention de" in p for p in paragraphs)
    assert cells["Agent"] == "non identifié (fichier illisible)"
    assert cells["Campagne"] == config.campaign.key
    assert "ne peut pas être lu comme un compte rendu" in cells["Motif"]
    assert f"Fichier – {reason['message']}" in paragraphs


def test_rejection_context_comes_from_the_row_alone(config):
    context = rejection_context(file_row(), config)["n"]
    assert [p["rubrique"] for p in context["problemes"]] == [APPRAISAL.label,
                                                             DEFAULT.field(cat.TRAINING_NEEDS).label,
                                                             CAREER.label]
    assert [p["rubrique"] for p in context["avertissements"]] == ["Document"]
    assert HR["retour"] in context["que_faire"] and context["service"] == HR["nom"]


def test_writing_the_same_note_again_replaces_it_with_the_same_text(config, tmp_path):
    """A run that crashed after planning a note writes the very same note when it resumes."""
    target = tmp_path / "rejets" / f"CR Öztürk{REJECTION_SUFFIX}"
    first = read(write_rejection_note(file_row(), config, target))
    second = read(write_rejection_note(file_row(), config, target))
    assert first == second
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]


def test_note_files_are_readable_by_owner_and_group_only(config, tmp_path):
    old = os.umask(0o022)
    try:
        rejection = write_rejection_note(file_row(), config, tmp_path / "rejets" / "n.docx")
        duplicate = write_duplicate_note(file_row(outcome="duplicate"), file_row(id=3, outcome="accepted"),
                                         tmp_path / "doublons" / "d - doublon.txt")
    finally:
        os.umask(old)
    assert stat.S_IMODE(rejection.stat().st_mode) == 0o640
    assert stat.S_IMODE(duplicate.stat().st_mode) == 0o640


# -- duplicate notes ------------------------------------------------------------------------------------------


def original_row(**changes) -> FileRow:
    defaults = dict(id=3, outcome="accepted", original_name="CR Öztürk 1er envoi.docx",
                    destination="/srv/outbox/1_attente_observations_agent/2026_100233_ÖZTÜRK_Çağla.docx",
                    received_at="2026-12-18T16:40:00+01:00", note=None, findings=[])
    return file_row(**{**defaults, **changes})


def test_duplicate_note_names_the_original_when_it_came_and_where_it_is(tmp_path):
    copy = file_row(outcome="duplicate", original_name="CR Öztürk renvoi.docx", duplicate_of=3)
    note = write_duplicate_note(copy, original_row(), tmp_path / f"CR Öztürk renvoi{DUPLICATE_SUFFIX}")
    raw = note.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Notepad shows the accents
    text = raw.decode("utf-8-sig")
    assert "«\u202fCR Öztürk renvoi.docx\u202f»" in text and "«\u202fCR Öztürk 1er envoi.docx\u202f»" in text
    assert "vendredi 18 décembre 2026" in text and "lundi 21 décembre 2026" in text
    assert original_row().destination in text
    assert "\r\n" in text  # Windows line ends


def test_duplicate_of_a_rejected_file_says_the_original_was_rejected(tmp_path):
    rejected = original_row(outcome="rejected", destination="/srv/outbox/rejets/CR Öztürk 1er envoi.docx",
                            note="/srv/outbox/rejets/CR Öztürk 1er envoi - note de rejet.docx")
    copy = file_row(outcome="duplicate", original_name="CR Öztürk renvoi.docx", duplicate_of=3)
    text = write_duplicate_note(copy, rejected, tmp_path / "n.txt").read_text(encoding="utf-8-sig")
    assert "Aucune action n'est nécessaire" not in text
    assert "rejet" in text.replace(rejected.destination, "").replace(rejected.note, "")


def test_a_rendered_note_never_lets_a_guillemet_wrap_alone(config, tmp_path):
    """Every « » of the note as read keeps its word with a narrow no-break space."""
    row = file_row(findings=[finding("champ_manquant", APPRAISAL,
                                     f"La rubrique «\u202f{APPRAISAL.label}\u202f» n'est pas remplie. Complétez-la.")])
    cells, paragraphs = read(write_rejection_note(row, config, tmp_path / "note.docx"))
    text = "\n".join([*paragraphs, *cells.values()])
    assert "«" in text and "« " not in text and " »" not in text
