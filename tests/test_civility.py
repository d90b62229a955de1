"""How people are addressed (pipeline/civility.py): the civility read from a title before a name or
from a roster column, and the words that follow it in the invitation (the agent, the evaluator, who
signs), the e-mails' greeting; neutral words when it is unknown, never a point médian nor «\u202f(e)\u202f».
The rejection note's addressee: tests/test_notes.py."""

from __future__ import annotations

import datetime as dt
import email
from email import policy

import pytest

from pipeline.civility import EVALUATOR_CIVILITY, MAN, WOMAN, Addressee, civility_of
from pipeline.generate import generate
from pipeline.mail.messages import ChasedAgent, rejection_message, reminder_message
from pipeline.roster import EXTRA_COLUMNS
from tests.conftest import ROSTER_HEADER, TODAY, Docx, agent, make_config, write_csv

HR_NAME = "Direction des ressources humaines – CHU de Nulle-Part"

# -- reading the civility --------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "name", "civility"), [
    ("Mme Céline Roux", "Céline Roux", WOMAN),
    ("Mme. Céline Roux", "Céline Roux", WOMAN),
    ("Madame Céline Roux", "Céline Roux", WOMAN),
    ("MADAME  Céline   Roux", "Céline Roux", WOMAN),
    ("Mlle Zoé Hote", "Zoé Hote", WOMAN),
    ("Mademoiselle Zoé Hote", "Zoé Hote", WOMAN),
    ("M. Benoît Girard", "Benoît Girard", MAN),
    ("M Benoît Girard", "Benoît Girard", MAN),
    ("Monsieur Benoît Girard", "Benoît Girard", MAN),
    ("Mr Benoît Girard", "Benoît Girard", MAN),
    ("Madame", "", WOMAN),
    ("Monsieur", "", MAN),
    ("Sophie Durand", "Sophie Durand", ""),
    ("Martin Mme", "Martin Mme", ""),  # a title only counts before the name
    ("M", "M", ""),  # an initial alone is not «\u202fMonsieur\u202f»
    ("Madeleine Roux", "Madeleine Roux", ""),
    ("", "", ""),
])
def test_a_title_before_the_name_gives_the_civility(written, name, civility):
    assert Addressee.of(written) == Addressee(name, civility)


@pytest.mark.parametrize(("column", "civility"), [
    ("Madame", WOMAN), ("Mme", WOMAN), ("mme.", WOMAN), ("Mlle", WOMAN), ("F", WOMAN), ("femme", WOMAN),
    ("Monsieur", MAN), ("M.", MAN), ("M", MAN), ("H", MAN), ("Homme", MAN),
    ("", ""), ("Dr", ""), ("?", ""),
])
def test_a_civility_column_is_read_as_hr_writes_it(column, civility):
    assert civility_of(column) == civility
    assert Addressee.of("Céline Roux", column).civility == civility


def test_a_title_in_the_name_wins_over_the_column():
    assert Addressee.of("M. Claude Roux", "Madame").civility == MAN


@pytest.mark.parametrize(("person", "titled", "formally", "greeting", "salutation"), [
    (Addressee("Céline Roux", WOMAN), "Mme Céline Roux", "Madame Céline Roux", "Bonjour Madame,", "Madame"),
    (Addressee("Benoît Girard", MAN), "M. Benoît Girard", "Monsieur Benoît Girard", "Bonjour Monsieur,", "Monsieur"),
    (Addressee("Sophie Durand"), "Sophie Durand", "Sophie Durand", "Bonjour,", "Madame, Monsieur"),
    (Addressee("", WOMAN), "Madame", "Madame", "Bonjour Madame,", "Madame"),
])
def test_the_words_that_address_a_person(person, titled, formally, greeting, salutation):
    assert (person.titled, person.formally, person.greeting, person.salutation) == (
        titled, formally, greeting, salutation)


def test_an_unknown_civility_takes_the_neutral_word():
    words = ("évaluateur", "évaluatrice", "responsable de l'évaluation")
    assert [Addressee("X", c).word(*words) for c in (MAN, WOMAN, "")] == list(words)


# -- the invitation ---------------------------------------------------------------------------------

CIVILITY, EVALUATOR_COLUMN = "civilité", EXTRA_COLUMNS[EVALUATOR_CIVILITY][0]


@pytest.fixture(scope="module")
def invitations(tmp_path_factory) -> dict[str, Docx]:
    """Invitations generated from a roster with both civility columns, for agents and evaluators
    of each civility, one of each unknown; the HR service's name configured."""
    base = tmp_path_factory.mktemp("civilites")
    rows = [
        agent("400001", "Martin", "Élodie", **{CIVILITY: "Mme", "évaluateur": "Céline Roux", EVALUATOR_COLUMN: "Madame"}),
        agent("400002", "Girard", "Paul", **{CIVILITY: "Monsieur", "évaluateur": "M. Benoît Girard"}),
        agent("400003", "Petit", "Camille", **{CIVILITY: "", "évaluateur": "Sophie Durand"}),
        agent("400004", "Noir", "Inès", **{CIVILITY: "Mlle", "évaluateur": "Mme Claire Blanc", "lieu": ""}),
    ]
    write_csv(base / "agents.csv", rows, header=[*ROSTER_HEADER, CIVILITY, EVALUATOR_COLUMN])
    config = make_config(base, liste_agents="agents.csv", service_rh={"nom": HR_NAME})
    result = generate(config, today=TODAY)
    return {path.name.split("_")[1]: Docx(path) for path in result.invitations}


@pytest.mark.parametrize(("number", "salutation", "addressed", "conducted_by"), [
    ("400001", "Madame,", "Madame Élodie Martin", "votre supérieure hiérarchique directe, Mme Céline Roux"),
    ("400002", "Monsieur,", "Monsieur Paul Girard", "votre supérieur hiérarchique direct, M. Benoît Girard"),
    ("400003", "Madame, Monsieur,", "Camille Petit", "Sophie Durand, votre responsable hiérarchique"),
    ("400004", "Madame,", "Madame Inès Noir", "votre supérieure hiérarchique directe, Mme Claire Blanc"),
])
def test_the_invitation_addresses_agent_and_evaluator_by_their_civility(invitations, number, salutation, addressed,
                                                                        conducted_by):
    paragraphs = invitations[number].paragraphs()
    assert salutation in paragraphs
    assert addressed in [p.split("\n")[0] for p in paragraphs]  # the address block's first line
    assert any(f"conduit par {conducted_by}." in p for p in paragraphs)
    text = invitations[number].text()
    assert "(e)" not in text and "·" not in text and "convoqué" not in text  # «\u202fnous vous convoquons\u202f»


def test_the_invitation_closes_with_the_configured_hr_service(invitations):
    for invitation in invitations.values():
        paragraphs = [p for p in invitation.paragraphs() if p.strip()]
        assert paragraphs[-1] == HR_NAME
        assert "Le service des ressources humaines" not in invitation.text()


def test_a_place_to_be_set_is_set_by_the_evaluator_in_their_words(invitations):
    assert "à préciser par votre supérieure hiérarchique directe" in invitations["400004"].text()


# -- the e-mails' greeting ------------------------------------------------------------------------


def body(raw: bytes) -> str:
    return email.message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()


@pytest.mark.parametrize(("evaluator", "greeting"), [
    ("Mme Céline Roux", "Bonjour Madame,"),
    ("Madame Céline Roux", "Bonjour Madame,"),
    ("Mlle Céline Roux", "Bonjour Madame,"),
    ("M. Benoît Girard", "Bonjour Monsieur,"),
    ("Monsieur Benoît Girard", "Bonjour Monsieur,"),
    ("Sophie Durand", "Bonjour,"),
    ("", "Bonjour,"),
])
def test_messages_greet_the_evaluator_as_french_correspondence_does(tmp_path, evaluator, greeting):
    config = make_config(tmp_path)
    when = dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.timezone.utc)
    note = rejection_message(config, key="k", evaluator=evaluator, address="eval@exemple.fr", agent="Léa MARTIN",
                             file_name="CR.docx", received=dt.date(2027, 1, 4), answer_by=dt.date(2027, 1, 19),
                             note_name="CR - note de rejet.docx", note=b"PK", when=when)
    reminder = reminder_message(config, key="k", evaluator=evaluator, address="eval@exemple.fr", when=when,
                                agents=[ChasedAgent("300001", "Léa MARTIN", "compte rendu non reçu", None)])
    for raw in (note.raw, reminder.raw):
        first = body(raw).splitlines()[0]
        assert first == greeting
    # What to do depends on why the report was turned away: the note says it, the message does not
    # ask a report nobody filled to be signed again.
    assert "signer de nouveau" not in body(note.raw)


@pytest.mark.parametrize("retour, resend, said", [
    (None, True, "à déposer de nouveau dans le dossier partagé des comptes rendus avant le mardi 19 janvier 2027"),
    ("drh@exemple.fr", True, "à envoyer de nouveau à drh@exemple.fr avant le mardi 19 janvier 2027"),
    (None, False, "La note jointe indique pourquoi et ce qu'il faut faire."),
])
def test_the_rejection_mail_says_how_and_where_to_send_the_report_again_when_its_note_asks(tmp_path, retour, resend,
                                                                                          said):
    """Sent again by mail to an e-mail address, dropped in a place otherwise; not at all when the note
    asks nothing (a version older than the one recorded)."""
    config = make_config(tmp_path, **({"service_rh": {"retour": retour}} if retour else {}))
    note = rejection_message(config, key="k", evaluator="Sophie Durand", address="eval@exemple.fr", agent="Léa MARTIN",
                             file_name="CR.docx", received=dt.date(2027, 1, 4), answer_by=dt.date(2027, 1, 19),
                             note_name="CR - note de rejet.docx", note=b"PK", resend=resend,
                             when=dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.timezone.utc))
    text = " ".join(body(note.raw).split())
    assert said in text and ("de nouveau" in text) == resend


@pytest.mark.parametrize("name", ["DRH – CHI des Deux-Rives", "Ressources humaines, site \"Nord\"", None])
def test_mail_goes_out_from_the_hr_service_s_address_when_no_sender_is_set(tmp_path, name):
    """service_rh.courriel given, courriel.expediteur not: the messages come from the HR service's
    address, not from the example one (form J's drafts were « From: … <rh@exemple.fr> »)."""
    from email import policy
    from email.parser import BytesParser

    hr = {"courriel": "rh.entretiens@chi-deux-rives.fr", **({"nom": name} if name else {})}
    config = make_config(tmp_path, service_rh=hr)
    note = rejection_message(config, key="k", evaluator="Sophie Durand", address="eval@exemple.fr", agent="Léa MARTIN",
                             file_name="CR.docx", received=dt.date(2027, 1, 4), answer_by=dt.date(2027, 1, 19),
                             note_name="CR - note de rejet.docx", note=b"PK",
                             when=dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.timezone.utc))
    message = BytesParser(policy=policy.default).parsebytes(note.raw)
    (sender,) = message["From"].addresses
    assert sender.addr_spec == "rh.entretiens@chi-deux-rives.fr"
    assert sender.display_name == (name or "Service des ressources humaines")
    assert message["Message-ID"].rstrip(">").endswith("@chi-deux-rives.fr")
