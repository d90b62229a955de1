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
    assert "À l'attention de Sophie Durand, responsable de l'évaluation" in paragraphs  # civility unknown
    assert cells["À renvoyer avant le"] == "jeudi 31 décembre 2026"  # 21 December + 10 days
    assert "Une question ? Contact : Mme Claire Martin – 01 23 45 67 89 – rh@exemple.fr" in paragraphs
    assert any("avant le jeudi 31 décembre 2026" in p for p in paragraphs)


def test_rejection_note_takes_the_evaluator_from_the_roster_when_the_report_names_none(config, tmp_path):
    _, paragraphs = read(write_rejection_note(file_row(), config, tmp_path / "note.docx", evaluator="Marc Lemoine"))
    assert "À l'attention de Marc Lemoine, responsable de l'évaluation" in paragraphs


def test_rejection_note_says_where_to_send_it_back_once(config, tmp_path):
    """The default return place is said once, not «\u202fdéposez-le… (déposez le fichier…\u202f»)\u202f»."""
    config = make_config(tmp_path)
    _, paragraphs = read(write_rejection_note(file_row(), config, tmp_path / "note.docx"))
    (to_do,) = [p for p in paragraphs if "déposez" in p.lower()]
    assert to_do.lower().count("déposez") == 1 and "dossier partagé des comptes rendus" in to_do


@pytest.mark.parametrize("code", ["compte_rendu_vide", "champ_manquant", "agent_inconnu", "modification_apres_signature"])
def test_a_report_returned_to_an_e_mail_address_is_to_be_sent_to_it_not_dropped_in_it(tmp_path, code):
    """« service_rh.retour: drh@… » (the guide's « adresse de retour »): « envoyez-le à drh@… », never
    « déposez-le dans drh@… »."""
    config = make_config(tmp_path, service_rh={**HR, "retour": "drh-entretiens@example.org"})
    _, paragraphs = read(write_rejection_note(rejected_for(code), config, tmp_path / "note.docx"))
    asked = paragraphs[paragraphs.index("Que faire") + 1]
    assert "à drh-entretiens@example.org" in asked and "envoyez" in asked and "déposez" not in asked.lower()


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
    assert not any("À l'attention" in p for p in paragraphs)
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


# -- whom the note addresses, and how (pipeline/civility.py) ----------------------------------------


def attention_line(row: FileRow, config, tmp_path: Path, **evaluator) -> str:
    _, paragraphs = read(write_rejection_note(row, config, tmp_path / "note.docx", **evaluator))
    (line,) = [p for p in paragraphs if p.startswith(("À l'attention de", "À l'attention d'"))]
    return line


@pytest.mark.parametrize(("written", "expected"), [
    ("Mme Céline Roux", "À l'attention de Mme Céline Roux, évaluatrice"),
    ("Madame Céline Roux", "À l'attention de Mme Céline Roux, évaluatrice"),
    ("MME  Céline Roux", "À l'attention de Mme Céline Roux, évaluatrice"),
    ("Mlle Zoé L’Hôte", "À l'attention de Mme Zoé L’Hôte, évaluatrice"),  # « Mademoiselle » is no longer written
    ("M. Benoît Girard", "À l'attention de M. Benoît Girard, évaluateur"),
    ("Monsieur Benoît Girard", "À l'attention de M. Benoît Girard, évaluateur"),
    ("M Benoît Girard", "À l'attention de M. Benoît Girard, évaluateur"),
    ("Sophie Durand", "À l'attention de Sophie Durand, responsable de l'évaluation"),  # unknown: epicene
    # Elided before a vowel or a mute h, as French writes it.
    ("Isabelle Moreau", "À l'attention d'Isabelle Moreau, responsable de l'évaluation"),
    ("Hélène Blanc", "À l'attention d'Hélène Blanc, responsable de l'évaluation"),
    ("Élodie Martin", "À l'attention d'Élodie Martin, responsable de l'évaluation"),
    ("Yves Olivier", "À l'attention d'Yves Olivier, responsable de l'évaluation"),
])
def test_the_note_addresses_the_evaluator_by_the_civility_written_before_the_name(config, tmp_path, written,
                                                                                 expected):
    row = file_row(content={"champs": {cat.FIRST_NAME: "Çağla", cat.LAST_NAME: "Öztürk", cat.EVALUATOR: written}})
    line = attention_line(row, config, tmp_path)
    assert line == expected
    assert "·" not in line and "(e)" not in line  # no point médian, no bracketed ending


@pytest.mark.parametrize(("roster", "named", "expected"), [
    # the roster's « civilité de l'évaluateur », put before the roster's name by the pass
    ("Mme Céline Roux", "", "À l'attention de Mme Céline Roux, évaluatrice"),
    ("M. Benoît Girard", "", "À l'attention de M. Benoît Girard, évaluateur"),
    # the report names the same evaluator without a title: the roster's civility applies
    ("Mme Céline Roux", "céline  roux", "À l'attention de Mme céline roux, évaluatrice"),
    # the report names someone else: nothing is assumed of them
    ("Mme Céline Roux", "Paul Morel", "À l'attention de Paul Morel, responsable de l'évaluation"),
    # a title in the report's own cell wins
    ("Mme Céline Roux", "M. Céline Roux", "À l'attention de M. Céline Roux, évaluateur"),
])
def test_the_roster_s_civility_of_the_evaluator_addresses_the_note(config, tmp_path, roster, named, expected):
    champs = {cat.FIRST_NAME: "Çağla", cat.LAST_NAME: "Öztürk", **({cat.EVALUATOR: named} if named else {})}
    assert attention_line(file_row(content={"champs": champs}), config, tmp_path, evaluator=roster) == expected


def test_the_pass_gives_the_note_the_roster_s_civility_of_the_evaluator(tmp_path):
    """GIVEN a roster with the column « civilité de l'évaluateur » and a report that names no evaluator
    WHEN a pass rejects it THEN its note addresses « Mme …, évaluatrice »."""
    from pipeline.civility import EVALUATOR_CIVILITY
    from pipeline.process import Processor
    from pipeline.roster import EXTRA_COLUMNS
    from tests.conftest import ROSTER_HEADER, agent, write_csv

    column = EXTRA_COLUMNS[EVALUATOR_CIVILITY][0]
    write_csv(tmp_path / "agents.csv", [agent("100233", "Öztürk", "Çağla", **{"évaluateur": "Céline Roux", column: "Madame"})],
              header=[*ROSTER_HEADER, column])
    config = make_config(tmp_path, liste_agents="agents.csv", service_rh=HR)
    config.inbox.mkdir()
    with Processor(config) as processor:
        assert processor.evaluators["100233"] == "Mme Céline Roux"
    row = file_row(content={"champs": {cat.FIRST_NAME: "Çağla", cat.LAST_NAME: "Öztürk"}})
    assert attention_line(row, config, tmp_path, evaluator=processor.evaluators["100233"]) == (
        "À l'attention de Mme Céline Roux, évaluatrice")


# -- what the note asks, by kind of rejection --------------------------------------------------------


def rejected_for(*codes: str, outcome: str = "rejected") -> FileRow:
    return file_row(outcome=outcome, reason_code=codes[0],
                    findings=[finding(code, APPRAISAL, f"Constat {code}. Ce qu'il faut faire.") for code in codes])


RESEND = "faites signer de nouveau"
# kind -> (codes of that kind: each alone, and mixed with an incomplete report's), title, words of what to do
KINDS = {
    "unfilled": (["compte_rendu_vide"], "Compte rendu à remplir", "Menez l'entretien"),
    "other_campaign": (["campagne_erronee"], "Compte rendu d'une autre campagne",
                       "Reportez les réponses dans le compte rendu pré-rempli de la campagne 2026"),
    "agent_to_check": (["agent_inconnu", "identifiant_absent"], "Agent à vérifier", "Vérifiez le matricule"),
    "older_version": (["version_anterieure"], "Version déjà dépassée", "il n'y a rien à faire"),
    "changed_after_signature": (["modification_apres_signature"], "Compte rendu modifié après signature",
                                "Repartez de la version signée"),
    "incomplete": (["champ_manquant", "tableau_vide", "ligne_incomplete", "dates_incoherentes", "choix_invalide",
                    "date_posterieure_reception", "reponses_contradictoires"], "Compte rendu à compléter",
                   "Corrigez le compte rendu dans le fichier d'origine"),
}


@pytest.mark.parametrize(("kind", "code"), [(kind, code) for kind, (codes, *_) in KINDS.items() for code in codes])
def test_what_the_note_asks_follows_the_kind_of_rejection(config, tmp_path, kind, code):
    codes, title, to_do = KINDS[kind]
    _, paragraphs = read(write_rejection_note(rejected_for(code), config, tmp_path / "note.docx"))
    asked = paragraphs[paragraphs.index("Que faire") + 1]
    assert paragraphs[0] == title
    assert to_do in asked and HR["retour"] in asked
    # Signing again is asked only where a signed part may have changed: never of a report nobody filled.
    assert (RESEND in asked) == (kind == "incomplete")


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "incomplete"])
def test_a_rejection_of_a_kind_and_incomplete_is_told_by_its_kind(config, tmp_path, kind):
    """The incomplete points are listed with the others; what to do is the kind's."""
    codes, title, to_do = KINDS[kind]
    note = write_rejection_note(rejected_for("champ_manquant", codes[0]), config, tmp_path / "note.docx")
    _, paragraphs = read(note)
    assert paragraphs[0] == title
    assert to_do in paragraphs[paragraphs.index("Que faire") + 1]


@pytest.mark.parametrize("code", ["format_doc", "fichier_vide", "pdf_non_identifie", "protege_par_mot_de_passe"])
def test_an_unreadable_file_s_note_asks_to_send_it_again(config, tmp_path, code):
    row = rejected_for(code, outcome="unreadable")
    _, paragraphs = read(write_rejection_note(row, config, tmp_path / "note.docx"))
    asked = paragraphs[paragraphs.index("Que faire") + 1]
    assert paragraphs[0] == "Fichier à renvoyer" and asked.startswith("Faites ce qui est indiqué ci-dessus")
    assert RESEND not in asked


def test_the_note_of_a_report_nobody_filled_says_so_and_asks_no_new_signature(tmp_path):
    """GIVEN the pre-filled report sent back as it was generated WHEN a pass rejects it THEN its note
    says it was not filled and asks to hold the review and fill it in, not to sign it again."""
    import shutil

    from pipeline.generate import generate
    from pipeline.process import process_inbox
    from tests.conftest import RECEIVED, TODAY, agent, settle, write_csv

    write_csv(tmp_path / "agents.csv", [agent("100233", "Öztürk", "Çağla")])
    config = make_config(tmp_path, liste_agents="agents.csv")
    (blank,) = generate(config, today=TODAY).reports
    config.inbox.mkdir()
    shutil.copy(blank, config.inbox / "CR Öztürk.docx")
    settle(config.inbox)
    (handled,) = process_inbox(config, outputs=False, received_on=RECEIVED).handled
    assert handled.reason_code == "compte_rendu_vide"
    cells, paragraphs = read(config.outbox / "rejets" / f"CR Öztürk{REJECTION_SUFFIX}")
    assert paragraphs[0] == "Compte rendu à remplir"
    assert cells["Motif"] == "Le compte rendu reçu n'a pas été rempli."
    assert not any("signer de nouveau" in p for p in paragraphs)


@pytest.mark.parametrize("outcome, reason", [("rejected", "champ_manquant"), ("rejected", "campagne_differente"),
                                             ("rejected", "agent_inconnu"), ("unreadable", "pas_un_docx"),
                                             ("rejected", "compte_rendu_vide")])
def test_each_kind_of_note_ends_its_sentences_with_one_full_stop(tmp_path, outcome, reason):
    """GIVEN each kind of rejection WHEN its note's reason and « Que faire » are written THEN no
    sentence ends with two full stops (« avant le lundi 21 décembre 2026.. » was in every note)."""
    config = make_config(tmp_path, service_rh=HR)
    row = file_row(outcome=outcome, reason_code=reason,
                   findings=[finding(reason, None, "Le fichier ne convient pas. Corrigez-le.")])
    said = rejection_context(row, config)["n"]
    for text in (said["motif"], said["que_faire"]):
        assert ".." not in text and text.endswith("."), text
