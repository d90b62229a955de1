"""Messages to agents (issue 29, items 1, 2 and their share of 6): the campaign's announcement and the
invitations to the review with their calendar invitation, against a real SMTP server on 127.0.0.1
(aiosmtpd, the Recorder of tests/test_mail.py), and a command killed with SIGKILL at every step.

One workspace for the module: a roster whose agents have addresses (one has none, one is below the
minimum time in post), the campaign's documents, a folder of job descriptions, the documents
generated once; each test copies it and turns mail on as it needs.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from icalendar import Calendar

from pipeline import catalogue as cat
from pipeline.campaign import FROM_MAIL, campaign_view
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.deadlines import ON_TIME
from pipeline.generate import generate
from pipeline.journal import (ANNOUNCEMENT, CANCEL, FAILED, INVITATION, INVITATION_CANCEL, INVITATION_UPDATE, REQUEST,
                              SENT, UNCERTAIN, Journal)
from pipeline.mail.announcement import announce_campaign
from pipeline.mail.attachments import job_descriptions
from pipeline.mail.calendar import read_time
from pipeline.mail.invitations import send_invitations
from pipeline.outcomes import ConfigError
from pipeline.roster import load_roster
from tests.conftest import REPO, ROSTER_HEADER, TEMPLATES, agent, write_csv
from tests.mailkit import Recorder, Server, kill_once_kept, messages, parsed, workspace

PARIS = ZoneInfo("Europe/Paris")
TODAY = dt.date(2027, 3, 1)  # the library's day: every interview below is more than 8 days ahead
AT = dt.datetime(2027, 3, 1, 9, 0, tzinfo=PARIS)
COLUMNS = ["civilité", "courriel agent", "courriel évaluateur", "date d'arrivée"]
SOPHIE, ALBERT = "sophie.durand@chu.example", "albert.noir@chu.example"
LEA, PAUL, INES, ZOE = "lea.martin@chu.example", "paul.bernard@chu.example", "ines.roux@chu.example", "zoe.petit@chu.example"
# (agent number, review day, «\u202fheure\u202f», the UTC offset Paris has that day)
SLOTS = {
    "400001": (dt.date(2027, 3, 26), "09:30", dt.timedelta(hours=1)),  # a Friday, before the change of time
    "400002": (dt.date(2027, 3, 29), "14h-15h30", dt.timedelta(hours=2)),  # the Monday after (28 March)
    "400003": (dt.date(2027, 10, 29), "10h", dt.timedelta(hours=2)),  # before the change back (31 October)
    "400006": (dt.date(2027, 11, 2), "9:15", dt.timedelta(hours=1)),  # after it
}


def roster_rows(days: dict[str, dt.date] | None = None) -> list[dict]:
    day = {number: slot[0] for number, slot in SLOTS.items()} | (days or {})
    when = lambda number: day[number].strftime("%d/%m/%Y")  # noqa: E731
    return [
        agent("400001", "Martin", "Léa", poste="Agent d'accueil", heure=SLOTS["400001"][1], lieu="Bureau 12",
              **{"civilité": "Mme", "courriel agent": LEA, "courriel évaluateur": SOPHIE, "date d'entretien": when("400001"),
                 "évaluateur": "Mme Sophie Durand", "date d'arrivée": "01/09/2015", "date de convocation": ""}),
        agent("400002", "Bernard", "Paul", poste="Secrétaire médical", heure=SLOTS["400002"][1], lieu="Salle « Orion »",
              **{"civilité": "M.", "courriel agent": PAUL, "courriel évaluateur": ALBERT, "date d'entretien": when("400002"),
                 "évaluateur": "Albert Noir", "date de convocation": ""}),
        agent("400003", "Roux", "Inès", poste="Agent d'accueil", heure=SLOTS["400003"][1], lieu="Bureau 3",
              **{"courriel agent": INES, "courriel évaluateur": SOPHIE, "date d'entretien": when("400003"),
                 "date de convocation": ""}),
        agent("400004", "Petit", "Zoé", poste="Agent d'accueil", heure="11:00",  # 3 months in post: not reviewed
              **{"courriel agent": ZOE, "courriel évaluateur": SOPHIE, "date d'entretien": "02/11/2027",
                 "date d'arrivée": "01/10/2026", "date de convocation": ""}),
        agent("400005", "Durand", "Marc", poste="Agent d'accueil", heure="10:00",  # no address
              **{"courriel évaluateur": SOPHIE, "date d'entretien": "30/03/2027", "date de convocation": ""}),
        agent("400006", "Noir", "Théo", poste="Agent d'accueil", heure=SLOTS["400006"][1], lieu="Bureau 6",
              **{"courriel agent": "theo.noir@chu.example", "courriel évaluateur": SOPHIE,
                 "date d'entretien": when("400006"), "date de convocation": ""}),
    ]


def write_roster(base: Path, rows: list[dict]) -> None:
    write_csv(base / "agents.csv", rows, header=[*ROSTER_HEADER, *COLUMNS])


DOCUMENTS = {"Note de service 2026.pdf": b"%PDF-1.4 note de service", "Guide de l'entretien.pdf": b"%PDF-1.4 guide"}
JOBS = {"Agent d'accueil.pdf": b"%PDF-1.4 accueil", "400002 - fiche de poste.docx": b"PK fiche 400002",
        "Infirmier.pdf": b"%PDF-1.4 infirmier"}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """The workspace, its documents generated once (the commands make only what changed)."""
    base = tmp_path_factory.mktemp("agents")
    write_roster(base, roster_rows())
    for folder, files in (("documents_campagne", DOCUMENTS), ("fiches", JOBS)):
        (base / folder).mkdir()
        for name, data in files.items():
            (base / folder / name).write_bytes(data)
    (base / "config.yaml").write_text(yaml.safe_dump({
        "liste_agents": "agents.csv", "dossiers": {"modeles": str(TEMPLATES)}, "courriel": {"mode": "aucun"},
        "campagne": {"date_limite_entretiens": "30/11/2027", "date_retour_rh": "31/12/2027",
                     "presence_minimale_mois": 6},
        "convocation": {"fiches_de_poste": "fiches"}}, allow_unicode=True), encoding="utf-8")
    generate(load_config(base / "config.yaml"), today=TODAY)
    return base


def smtp(port: int) -> dict:
    return {"mode": "envoi", "expediteur": "Service RH <rh@chu.example>",
            "smtp": {"hote": "127.0.0.1", "port": port, "securite": "aucune", "delai_s": 5}}


def event(message):
    """The calendar part of a received message, parsed by icalendar: (VCALENDAR, its VEVENT)."""
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_content())
    (found,) = calendar.walk("VEVENT")
    return calendar, found, part


def body_of(message) -> str:
    """A message's text, its lines ended as Python's (SMTP ends them with CRLF)."""
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def invite(config_path: Path, today: dt.date = TODAY):
    return send_invitations(load_config(config_path), today=today, at=AT)


# -- the announcement ------------------------------------------------------------------------------


def test_the_announcement_reaches_each_agent_once_with_the_campaign_documents(prepared, tmp_path):
    """GIVEN a roster of six agents (one without an address, one below the minimum time in post)
    WHEN annoncer runs three times, the roster gaining an agent before the third THEN each agent
    with an address gets one message, the documents attached, and the third run writes to the new
    agent alone."""
    with Server(Recorder()) as server:
        config_path = workspace(prepared, tmp_path, smtp(server.port))
        config = load_config(config_path)
        first = announce_campaign(config, today=TODAY)
        again = announce_campaign(config, today=TODAY)
        write_roster(config.base_dir, [*roster_rows(), agent("400007", "Blanc", "Yves", **{"courriel agent": "yves@chu.example"})])
        later = announce_campaign(config, today=TODAY)
    received = server.handler.received
    assert sorted(r.recipients[0] for r in received) == sorted([LEA, PAUL, INES, "theo.noir@chu.example", "yves@chu.example"])
    assert len({r.message["Message-ID"] for r in received}) == len(received) == 5
    assert len(first.queued) == 4 and again.queued == [] and len(later.queued) == 1
    assert [a.number for a in first.plan.to_send] == ["400001", "400002", "400003", "400006"]
    assert [a.state for a in first.plan.to_send] == ["envoyé"] * 4
    assert [p.line for p in first.plan.no_address] == [6] and "«\u202fcourriel agent\u202f»" in str(first.plan.no_address[0])
    assert [p.line for p in first.plan.not_reviewed] == [5]  # Zoé: never announced
    lea = next(r.message for r in received if r.recipients == [LEA])
    assert lea["To"].addresses[0].display_name == "Léa MARTIN" and lea["Subject"] == "Campagne d'entretiens professionnels 2026"
    body = body_of(lea)
    assert body.startswith("Bonjour Madame,\n") and "Mme Sophie Durand" in body and "mardi 30 novembre 2027" in body
    assert {a.get_filename(): a.get_content() for a in lea.iter_attachments()} == DOCUMENTS
    assert {m.kind for m in messages(config_path)} == {ANNOUNCEMENT}


def test_the_announcement_s_subject_and_text_are_settings(prepared, tmp_path):
    config_path = workspace(prepared, tmp_path, {"mode": "brouillon"})
    settings = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    settings["annonce"] = {"objet": "Entretiens {campagne} : c'est parti", "texte": "Rendez-vous avec {evaluateur}."}
    config_path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    config = load_config(config_path)
    announce_campaign(config, today=TODAY)
    drafts = {parsed(p.read_bytes())["To"].addresses[0].addr_spec: parsed(p.read_bytes())
              for p in (config.outbox / "courriels").glob("*.eml")}
    assert drafts[PAUL]["Subject"] == "Entretiens 2026 : c'est parti"
    assert body_of(drafts[PAUL]).startswith("Bonjour Monsieur,\n\nRendez-vous avec Albert Noir.")
    settings["annonce"] = {"texte": "Rendez-vous avec {nom}."}
    config_path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"annonce\.texte.*\{nom\}.*\{campagne\}"):
        load_config(config_path)


def test_a_missing_documents_folder_stops_annoncer_in_french(prepared, tmp_path, capsys):
    config_path = workspace(prepared, tmp_path, {"mode": "brouillon"})
    shutil.rmtree(config_path.parent / "documents_campagne")
    assert main(["annoncer", "--config", str(config_path)]) == 1
    err = capsys.readouterr().err
    assert "documents_campagne" in err and "n'existe pas" in err and "Traceback" not in err
    assert messages(config_path) == []


def test_annoncer_and_convoquer_simulations_list_who_is_not_reviewed_and_write_nothing(prepared, tmp_path, capsys):
    config_path = workspace(prepared, tmp_path, {"mode": "envoi", "smtp": {"hote": "127.0.0.1", "port": 9}})
    letters = sorted(p.stat().st_mtime_ns for p in (config_path.parent / "outbox" / "a_envoyer").iterdir())
    assert main(["annoncer", "--simulation", "--config", str(config_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Simulation : rien n'est écrit ni envoyé.\nAgents non évalués cette campagne (moins de 6 mois "
                          "dans le poste au 31/12/2026) : 1, sans annonce :\n  Ligne 5 : Zoé PETIT (matricule 400004)")
    assert f"Léa MARTIN (matricule 400001) <{LEA}> : serait envoyée" in out
    assert "Marc DURAND (matricule 400005)" in out.split("Sans adresse")[1]
    assert main(["convoquer", "--simulation", "--config", str(config_path)]) == 0
    out = capsys.readouterr().out
    assert "Ligne 5 : Zoé PETIT (matricule 400004)" in out.split("Convocations de la campagne")[0]
    assert f"Léa MARTIN (matricule 400001) <{LEA}>, copie à <{SOPHIE}> : convocation : entretien le vendredi 26 mars" in out
    assert messages(config_path) == [] and not (config_path.parent / "outbox" / "courriels").exists()
    assert sorted(p.stat().st_mtime_ns for p in (config_path.parent / "outbox" / "a_envoyer").iterdir()) == letters


@pytest.mark.parametrize("command", ["annoncer", "convoquer"])
def test_with_mail_off_annoncer_and_convoquer_say_so_in_french(prepared, tmp_path, capsys, command):
    config_path = workspace(prepared, tmp_path, {"mode": "aucun"})
    assert main([command, "--config", str(config_path)]) == 1
    assert "courriel.mode: aucun" in capsys.readouterr().err


# -- invitations -----------------------------------------------------------------------------------


def test_invitations_carry_the_three_documents_and_a_calendar_invitation_at_the_paris_time(prepared, tmp_path):
    """GIVEN interviews on either side of both changes of time WHEN convoquer sends THEN each agent
    gets one message, the evaluator in copy, with the letter, the pre-filled report and the job
    description attached and an ICS whose start icalendar reads at the roster's hour in Europe/Paris."""
    with Server(Recorder()) as server:
        config_path = workspace(prepared, tmp_path, smtp(server.port))
        run = invite(config_path)
    received = {r.recipients[0]: r for r in server.handler.received}
    assert set(received) == {LEA, PAUL, INES, "theo.noir@chu.example"} and len(server.handler.received) == 4
    assert [i.state for i in run.plan.to_send] == ["envoyé"] * 4
    to_send = {i.number: i for i in run.plan.to_send}
    outbox = config_path.parent / "outbox" / "a_envoyer"
    for number, address, evaluator, job in (("400001", LEA, SOPHIE, "Agent d'accueil.pdf"),
                                            ("400002", PAUL, ALBERT, "400002 - fiche de poste.docx"),
                                            ("400003", INES, SOPHIE, "Agent d'accueil.pdf"),
                                            ("400006", "theo.noir@chu.example", SOPHIE, "Agent d'accueil.pdf")):
        got = received[address]
        assert got.recipients == [address, evaluator]  # the evaluator in copy
        message = got.message
        assert message["Cc"].addresses[0].addr_spec == evaluator
        attached = {a.get_filename(): a.get_content() for a in message.iter_attachments()}
        (letter,) = outbox.glob(f"2026_{number}_*convocation.docx")
        (report,) = outbox.glob(f"2026_{number}_*compte rendu.docx")
        assert attached[letter.name] == letter.read_bytes() and attached[report.name] == report.read_bytes()
        assert attached[job] == JOBS[job] and "invitation.ics" in attached and len(attached) == 4
        calendar, found, part = event(message)
        day, typed, offset = SLOTS[number]
        start = found.decoded("dtstart")
        assert calendar["method"] == REQUEST and part.get_param("method") == REQUEST
        assert start.tzinfo.key == "Europe/Paris" and start.utcoffset() == offset
        assert (start.date(), start.time()) == (day, read_time(typed)[0])
        assert found["sequence"] == 0 and to_send[number].why == "convocation"
        assert calendar.walk("VTIMEZONE")[0]["tzid"] == "Europe/Paris"
        attendees = [str(a).removeprefix("mailto:") for a in found.get("attendee")]
        assert attendees == [address, evaluator]
    paul = received[PAUL].message
    start, end = event(paul)[1].decoded("dtstart"), event(paul)[1].decoded("dtend")
    assert (start.hour, start.minute, end.hour, end.minute) == (14, 0, 15, 30)  # «\u202f14h-15h30\u202f»
    assert str(event(paul)[1]["location"]) == "Salle « Orion »"
    assert paul["Subject"] == "Convocation à votre entretien professionnel 2026 : lundi 29 mars 2027 à 14:00"
    body = body_of(paul)
    assert body.startswith("Bonjour Monsieur,\n\nVotre entretien professionnel 2026 avec Albert Noir, votre responsable "
                           "hiérarchique, aura lieu le lundi 29 mars 2027 de 14:00 à 15:30, lieu : Salle « Orion ».")
    assert "ZOE" not in str(received) and not list(outbox.glob("*400004*"))  # not reviewed: no documents, no mail
    with Journal(load_config(config_path).state_dir) as journal:
        records = {r.agent_number: r for r in journal.invitations("2026")}
    assert set(records) == {"400001", "400002", "400003", "400006"}
    assert all(r.sequence == 0 and r.method == REQUEST for r in records.values())
    assert {str(event(received[a].message)[1]["uid"]) for a in received} == {r.uid for r in records.values()}


def test_a_date_changed_sends_one_update_with_the_same_uid_and_a_removed_row_one_cancellation(prepared, tmp_path):
    """GIVEN invitations sent WHEN the roster moves one interview and drops another row, and
    convoquer runs again, then again THEN one update (same UID, SEQUENCE 1, METHOD:REQUEST, the
    new time) and one cancellation (same UID, SEQUENCE 1, METHOD:CANCEL) go, and nothing more."""
    with Server(Recorder()) as server:
        config_path = workspace(prepared, tmp_path, smtp(server.port))
        invite(config_path)
        first = {r.recipients[0]: event(r.message)[1] for r in server.handler.received}
        moved = dt.date(2027, 3, 31)
        write_roster(config_path.parent, [r for r in roster_rows({"400001": moved}) if r["matricule"] != "400003"])
        run = invite(config_path)
        again = invite(config_path)
        third = invite(config_path)
    assert [(i.number, i.why) for i in run.plan.to_send] == [("400001", "modification"), ("400003", "annulation")]
    assert again.plan.to_send == [] and again.queued == [] and third.queued == []
    later = server.handler.received[4:]
    assert len(later) == 2
    update = next(r.message for r in later if r.recipients[0] == LEA)
    calendar, found, _ = event(update)
    assert calendar["method"] == REQUEST and found["uid"] == first[LEA]["uid"] and found["sequence"] == 1
    assert found.decoded("dtstart") == dt.datetime(2027, 3, 31, 9, 30, tzinfo=PARIS)
    assert update["Subject"] == "Modification de votre convocation à l'entretien professionnel 2026 : mercredi 31 mars 2027 à 09:30"
    assert "au lieu du vendredi 26 mars 2027 à 09:30" in body_of(update)
    (letter,) = [a for a in update.iter_attachments() if a.get_filename().endswith("convocation.docx")]
    assert letter.get_content() == next((config_path.parent / "outbox" / "a_envoyer").glob("2026_400001_*convocation.docx")).read_bytes()
    cancel = next(r for r in later if r.recipients[0] == INES)
    assert cancel.recipients == [INES, SOPHIE]
    calendar, found, _ = event(cancel.message)
    assert calendar["method"] == CANCEL and found["status"] == "CANCELLED"
    assert found["uid"] == first[INES]["uid"] and found["sequence"] == 1
    assert cancel.message["Subject"].startswith("Annulation de votre convocation")
    kinds = [m.kind for m in messages(config_path)]
    assert kinds.count(INVITATION) == 4 and kinds.count(INVITATION_UPDATE) == 1 and kinds.count(INVITATION_CANCEL) == 1


def test_a_place_or_an_address_changed_sends_again_and_a_cleared_date_sends_nothing(prepared, tmp_path):
    config_path = workspace(prepared, tmp_path, {"mode": "brouillon"})
    invite(config_path)
    rows = roster_rows()
    rows[0]["lieu"] = "Salle du conseil"  # Léa: the place
    rows[1]["courriel agent"] = "p.bernard@chu.example"  # Paul: corrected address
    rows[2]["date d'entretien"] = ""  # Inès: date cleared
    write_roster(config_path.parent, rows)
    run = invite(config_path)
    assert [(i.number, i.why, i.address) for i in run.plan.to_send] == [
        ("400001", "modification", LEA), ("400002", "nouvel envoi", "p.bernard@chu.example")]
    assert any("400003" in str(n) and "reste valable" in str(n) for n in run.plan.notices)
    assert invite(config_path).queued == []


def test_fewer_than_the_profile_s_days_ahead_is_refused_with_the_reason_and_the_others_go(prepared, tmp_path):
    config_path = workspace(prepared, tmp_path, {"mode": "brouillon"})
    run = invite(config_path, today=dt.date(2027, 3, 19))  # Léa on 26/03: 7 days ahead; Paul on 29/03: 10
    assert [i.number for i in run.plan.to_send] == ["400002", "400003", "400006"]
    (held,) = run.plan.held
    assert held.line == 2 and str(held) == (
        "Ligne 2 : Léa MARTIN (matricule 400001) : l'entretien du 26/03/2027 est dans moins de 8 jours : la "
        "convocation devait partir au plus tard le 18/03/2027 (delais.convocation_jours_avant). Elle n'est pas "
        "envoyée : fixez dans la liste des agents une date d'entretien plus tardive, puis relancez "
        "«\u202fentretiens convoquer\u202f».")
    # Counted as the campaign counts: in working days, 8 before Friday 26 March is Wednesday 16 March.
    settings = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    settings["delais"] = {"decompte": "ouvres"}
    config_path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    run = invite(config_path, today=dt.date(2027, 3, 17))
    assert "au plus tard le 16/03/2027" in str(run.plan.held[0]) and "8 jours ouvrés" in str(run.plan.held[0])


def test_what_holds_an_invitation_is_said_with_what_to_do(prepared, tmp_path):
    config_path = workspace(prepared, tmp_path, {"mode": "brouillon"})
    rows = roster_rows()
    rows[0]["heure"] = "matin"  # Léa: no time a calendar can take
    rows[1]["poste"] = "Infirmière"  # Paul: found by his number all the same
    rows[2]["poste"] = "Jardinier"  # Inès: no job description
    rows[5]["courriel agent"] = "theo.noir@chu, theo@chu.example"  # Théo: a cell to correct
    write_roster(config_path.parent, rows)
    run = invite(config_path)
    assert [i.number for i in run.plan.to_send] == ["400002"]
    said = {p.line: str(p) for p in run.plan.held}
    assert "«\u202fmatin\u202f» ne peut pas être lue" in said[2]
    assert "aucune fiche de poste" in said[4] and "«\u202fJardinier\u202f»" in said[4]
    assert "colonne «\u202fcourriel agent\u202f»" in said[7] and "n'a pas de point" in said[7]


def test_a_refused_recipient_never_stops_another_message(prepared, tmp_path):
    """GIVEN a server that refuses one agent's address for good and one evaluator's WHEN the
    announcement and the invitations go THEN that agent's messages fail with the server's reason
    and the column to check, the evaluator's refusal leaves the agent served, and every other
    message goes in the same run."""
    refused = "550 5.1.1 <paul.bernard@chu.example>: Recipient address rejected: User unknown"
    handler = Recorder(rcpt_replies={PAUL: refused, SOPHIE: "550 5.1.1 Utilisateur inconnu"})
    with Server(handler) as server:
        config_path = workspace(prepared, tmp_path, smtp(server.port))
        config = load_config(config_path)
        announced = announce_campaign(config, today=TODAY)
        invited = invite(config_path)
    by = {(m.kind, m.recipient): m for m in messages(config_path)}
    assert by[(ANNOUNCEMENT, PAUL)].status == FAILED and "550 5.1.1" in by[(ANNOUNCEMENT, PAUL)].error
    assert by[(INVITATION, PAUL)].status == FAILED
    assert {m.status for (kind, address), m in by.items() if address != PAUL} == {SENT}
    assert SOPHIE in by[(INVITATION, LEA)].error  # her evaluator's copy refused: Léa served all the same
    assert len(announced.mail.delivery.sent) == 3 and len(invited.mail.delivery.sent) == 3
    assert any(PAUL in p and "colonne «\u202fcourriel agent\u202f»" in p for p in announced.mail.problems)
    assert any(SOPHIE in p and "courriel évaluateur" in p for p in invited.mail.problems)
    assert sorted(r.recipients for r in handler.received) == sorted([[LEA], [INES], ["theo.noir@chu.example"]] * 2)


def test_the_campaign_view_takes_the_invitation_s_date_from_the_mail_and_shows_the_last_message(prepared, tmp_path,
                                                                                                  capsys):
    config_path = workspace(prepared, tmp_path, {"mode": "brouillon"})
    config = load_config(config_path)
    announce_campaign(config, today=TODAY)
    invite(config_path)
    with Journal(config.state_dir) as journal:
        view = campaign_view(config, journal, load_roster(config.roster_path, config.catalogue).rows, TODAY)
    agents = {a.number: a for a in view.agents}
    lea = agents["400001"]
    drafted = dt.date.today()  # the day the draft was written
    assert lea.dates[cat.INVITATION_DATE] == drafted
    (deadline,) = [d for d in lea.deadlines if d.key == "convocation"]
    assert (deadline.done, deadline.done_from, deadline.state) == (drafted, FROM_MAIL, ON_TIME)
    assert lea.message.text == f"Convocation : brouillon écrit le {drafted:%d/%m/%Y} à {LEA}"
    assert agents["400005"].message is None  # no address: nothing sent
    assert agents["400004"].message is None and not agents["400004"].reviewed
    assert main(["etat", "--config", str(config_path)]) == 0
    out = capsys.readouterr().out
    assert f"  Léa MARTIN (400001) : Convocation : brouillon écrit le {drafted:%d/%m/%Y} à {LEA}" in out
    assert "Agents non évalués cette campagne : 1" in out


# -- never twice, whatever dies when ---------------------------------------------------------------

KILLER = textwrap.dedent("""
    import os, signal, sys
    from pipeline.journal import Journal, SENT
    from pipeline.mail import delivery

    point, seen = sys.argv[1], []

    def die():
        sys.stdout.flush(); sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    if point == "queued":  # the first invitation queued with its record, the next not yet composed
        queue = Journal.queue_invitation
        def queue_then_die(self, **kwargs):
            done = queue(self, **kwargs)
            die()
        Journal.queue_invitation = queue_then_die
    elif point == "before_delivery":  # every invitation queued, none delivered
        def deliver_dies(*args, **kwargs):
            die()
        delivery.deliver = deliver_dies
    elif point == "sent":  # the first message sent and marked so, the next not yet started
        mark = Journal.set_message
        def mark_then_die(self, message_id, status, **kwargs):
            mark(self, message_id, status, **kwargs)
            if status == SENT:
                die()
        Journal.set_message = mark_then_die

    from pipeline.cli import main
    sys.exit(main(sys.argv[2:]))
""")


def relative_roster(config_path: Path, moved: bool = False) -> None:
    """The roster with its interviews a few weeks after the machine's day (the command run as a
    user runs it judges the delay on the real day)."""
    today = dt.date.today()
    days = {"400001": today + dt.timedelta(days=20 + 7 * moved), "400002": today + dt.timedelta(days=21),
            "400003": today + dt.timedelta(days=22), "400006": today + dt.timedelta(days=23)}
    write_roster(config_path.parent, roster_rows(days))


def run_command(config_path: Path, *, point: str | None = None, wait: bool = True) -> subprocess.Popen:
    arguments = ["convoquer", "--config", str(config_path)]
    command = ([sys.executable, "-c", KILLER, point, *arguments] if point
               else [sys.executable, "-m", "pipeline", *arguments])
    child = subprocess.Popen(command, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if wait:
        child.wait(180)
    return child


def received_per_uid(handler: Recorder) -> dict[tuple[str, int], int]:
    counts: dict[tuple[str, int], int] = {}
    for got in handler.received:
        found = event(got.message)[1]
        key = (str(found["uid"]), int(found["sequence"]))
        counts[key] = counts.get(key, 0) + 1
    return counts


@pytest.mark.parametrize("flow, point", [
    *(("invitations", point) for point in ("queued", "before_delivery", "sent", "during_data")),
    ("update", "queued"), ("update", "during_data"),  # the same steps: an update's own record, then DATA
])
def test_convoquer_killed_at_any_step_sends_nothing_twice_and_loses_nothing(prepared, tmp_path, point, flow):
    """GIVEN convoquer killed with SIGKILL after queueing one invitation, before delivering, after
    one message was sent, or while the server holds a message's DATA (the first invitations, or an
    update after the roster moved an interview) WHEN convoquer runs again, twice THEN every agent
    has exactly one message per change: none twice, none lost; the one cut off mid-DATA is
    «\u202fenvoi incertain\u202f», kept as a draft, never sent again by itself."""
    handler = Recorder()
    with Server(handler) as server:
        config_path = workspace(prepared, tmp_path, smtp(server.port) | {"smtp": {
            **smtp(server.port)["smtp"], "delai_s": 120}})
        relative_roster(config_path)
        if flow == "update":
            assert run_command(config_path).returncode == 0
            assert len(handler.received) == 4
            relative_roster(config_path, moved=True)
        before = len(handler.received)
        if point == "during_data":
            handler.hold_data, handler.kept = 60, type(handler.kept)()
            child = run_command(config_path, wait=False)
            kill_once_kept(handler, child, timeout=120)
        else:
            assert run_command(config_path, point=point).returncode == -signal.SIGKILL
        for _ in range(2):
            again = run_command(config_path)
            assert again.returncode == 0, again.stderr.read().decode()
    counts = received_per_uid(handler)
    assert set(counts.values()) == {1}, counts  # nothing twice
    expected = 4 if flow == "invitations" else 1  # every agent invited once; or Léa's one update
    assert len(handler.received) - before == expected
    stored = messages(config_path, INVITATION, INVITATION_UPDATE, INVITATION_CANCEL)
    assert len(stored) == 4 + (flow == "update")  # one message per change, whatever died when
    assert {m.status for m in stored} <= {SENT, UNCERTAIN}
    assert [m.status for m in stored].count(UNCERTAIN) == (point == "during_data")
    with Journal(load_config(config_path).state_dir) as journal:
        records = journal.invitations("2026")
    assert len(records) == 4 and {r.sequence for r in records} == ({0} if flow == "invitations" else {0, 1})


# -- pieces ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, expected", [
    ("09:30", ((9, 30), None)), ("9h30", ((9, 30), None)), ("9 h", ((9, 0), None)), ("14H00", ((14, 0), None)),
    ("09:30:00", ((9, 30), None)), ("9h30-10h30", ((9, 30), (10, 30))), ("9h30 à 11h", ((9, 30), (11, 0))),
    ("matin", None), ("25h", None), ("11h-10h", None), ("", None),
])
def test_a_time_is_read_as_hr_types_it(typed, expected):
    found = read_time(typed)
    as_tuples = None if found is None else ((found[0].hour, found[0].minute),
                                            None if found[1] is None else (found[1].hour, found[1].minute))
    assert as_tuples == expected


def test_a_job_description_is_found_by_agent_number_else_by_post(tmp_path):
    for name in ("100231 - fiche de poste.pdf", "fiche_100232.docx", "Agent d'accueil.pdf",
                 "Fiche de poste - Secrétaire médicale.odt", "1002311.pdf", ".~lock.x.docx#", "Infirmier.pdf",
                 "Infirmier (2).pdf"):
        (tmp_path / name).write_bytes(b"x")
    names = lambda number, post: [p.name for p in job_descriptions(tmp_path, number, post)]  # noqa: E731
    assert names("100231", "Infirmier") == ["100231 - fiche de poste.pdf"]
    assert names("100232", "") == ["fiche_100232.docx"]
    assert names("100233", "Agent d’accueil") == ["Agent d'accueil.pdf"]
    assert names("100234", "secrétaire  médicale") == ["Fiche de poste - Secrétaire médicale.odt"]
    assert names("100235", "Jardinier") == [] and names("100236", "") == []


def test_the_invitation_s_copy_goes_to_the_evaluator_s_delegate_when_the_roster_gives_the_delegate_s_address(
        prepared, tmp_path):
    """The delegate holds the review (the letter and the report name them) and gets the evaluator's other
    messages: the invitation's copy goes to them too; without the delegate's address, to the evaluator."""
    config_path = workspace(prepared, tmp_path, {"mode": "brouillon"})
    rows = roster_rows()
    rows[0] |= {"évaluateur délégué": "Céline Roux", "courriel évaluateur délégué": "celine.roux@chu.example"}
    rows[1] |= {"évaluateur délégué": "Marc Lemoine"}  # no address: the copy stays with the evaluator
    write_csv(config_path.parent / "agents.csv", rows,
              header=[*ROSTER_HEADER, *COLUMNS, "évaluateur délégué", "courriel évaluateur délégué"])
    copies = {i.number: i.copy for i in invite(config_path).plan.to_send}
    assert copies["400001"] == "celine.roux@chu.example"
    assert copies["400002"] == ALBERT and copies["400003"] == SOPHIE
