"""Messages to evaluators (issue 17): rejection notes and reminders, as drafts or over a real SMTP
server (aiosmtpd on 127.0.0.1, in this process): plain, STARTTLS with a self-signed certificate and
authentication, implicit TLS; a server that refuses, one that is down, one that never answers; a
deliverer killed with SIGKILL while the server holds its message.

One real workspace for the module: a roster with the evaluators' addresses (one evaluator has
none), reports generated from it and filled as managers fill them, processed by the real pass with
mail off; each test copies it and turns mail on as it needs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
import yaml
from aiosmtpd.smtp import AuthResult

from pipeline import catalogue as cat
from pipeline.catalogue import DEFAULT
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.filling import fill_report
from pipeline.generate import generate
from pipeline.journal import DRAFTED, FAILED, QUEUED, SENT, UNCERTAIN, Journal
from pipeline.mail import dispatch
from pipeline.campaign import NOTE_NOT_SENT, NOTE_NOT_SENT_BAD_ADDRESS, NOTE_NOT_SENT_NO_AGENT
from pipeline.journal import REJECTION_NOTE, REMINDER
from pipeline.mail.reminders import send_reminders
from pipeline.mail.worker import MailWorker
from pipeline.outcomes import ConfigError
from pipeline.process import process_inbox
from pipeline.status import campaign_status
from pipeline.workbooks import rebuild_workbooks
from tests.conftest import RECEIVED, REPO, ROSTER_HEADER, TEMPLATES, agent, settle, write_csv
from tests.mailkit import DROP, Recorder, Server, free_port, kill_once_kept, messages, parsed, run_rounds, workspace

EMAIL = "courriel évaluateur"
SOPHIE, ALBERT, ISABELLE = "Sophie Durand", "Albert Noir", "Isabelle Roux"
SOPHIE_MAIL, ALBERT_MAIL = "sophie.durand@chu.example", "albert.noir@chu.example"
HR_COPY = "rh-copie@chu.example"
APPRAISAL = DEFAULT.field("appreciation_generale")  # a report without it is rejected
ROSTER = [
    agent("300001", "Martin", "Léa", **{EMAIL: SOPHIE_MAIL}),  # rejected
    agent("300002", "Bernard", "Paul", **{"évaluateur": ALBERT, EMAIL: ALBERT_MAIL}),  # rejected
    agent("300003", "Roux", "Inès", **{"évaluateur": ISABELLE}),  # rejected, no address
    agent("300004", "Petit", "Zoé", **{EMAIL: SOPHIE_MAIL}),  # accepted
    agent("300005", "Durand", "Marc", **{EMAIL: SOPHIE_MAIL}),  # nothing sent
]
AFTER_REVIEW = dt.date(2027, 1, 5)  # the roster's interviews (14/12/2026) are past


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    """The workspace after one pass with mail off: three reports rejected, one accepted."""
    base = tmp_path_factory.mktemp("courriels")
    write_csv(base / "agents.csv", ROSTER, header=[*ROSTER_HEADER, EMAIL])
    (base / "config.yaml").write_text(yaml.safe_dump(
        {"liste_agents": "agents.csv", "dossiers": {"modeles": str(TEMPLATES)}, "courriel": {"mode": "aucun"}},
        allow_unicode=True), encoding="utf-8")
    config = load_config(base / "config.yaml")
    blanks = {p.name.split("_")[1]: p for p in generate(config, today=dt.date(2026, 11, 2)).reports}
    config.inbox.mkdir(parents=True, exist_ok=True)
    for number, name in (("300001", "CR Martin"), ("300002", "CR Bernard"), ("300003", "CR Roux")):
        fill_report(blanks[number], config.inbox / f"{name}.docx", DEFAULT, stage=1, omit=(APPRAISAL.key,))
    fill_report(blanks["300004"], config.inbox / "CR Petit.docx", DEFAULT, stage=1)
    settle(config.inbox)
    handled = process_inbox(config, outputs=False, received_on=RECEIVED).handled
    outcomes = {h.received_name: h.outcome for h in handled}
    assert outcomes == {"CR Martin.docx": "rejected", "CR Bernard.docx": "rejected", "CR Roux.docx": "rejected",
                        "CR Petit.docx": "accepted"}
    received_days_ago(config, 30)
    return base


def received_days_ago(config, days: int) -> None:
    """The journal's files received ``days`` before the pass took them: a pending rejection's
    correction (due service_rh.delai_reponse_jours after its receipt) is due by now, whatever the
    machine's day, and chased (its note, mail being off, never went out)."""
    with Journal(config.state_dir) as journal:
        for file_id, received in journal.db.execute("SELECT id, received_at FROM files").fetchall():
            moved = dt.datetime.fromisoformat(received) - dt.timedelta(days=days)
            journal.db.execute("UPDATE files SET received_at=? WHERE id=?", (moved.isoformat(timespec="seconds"), file_id))


# -- a real SMTP server ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert.pem, key.pem), made here."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


def smtp_settings(port: int, **extra: object) -> dict:
    return {"mode": "envoi", "expediteur": "Service RH <rh@chu.example>", "copie_rh": HR_COPY,
            "smtp": {"hote": "127.0.0.1", "port": port, "securite": "aucune", "delai_s": 5, **extra}}


def tls_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


# -- drafts (brouillon) ----------------------------------------------------------------------------


def test_each_rejection_note_becomes_one_draft_for_its_evaluator_with_the_note_attached(processed, tmp_path):
    config_path = workspace(processed, tmp_path, {"mode": "brouillon", "copie_rh": HR_COPY})
    config = load_config(config_path)
    run = dispatch(config)
    assert len(run.queued) == 2 and len(run.delivery.drafted) == 2 and not run.problems
    drafts = sorted((config.outbox / "courriels").glob("*.eml"))
    assert len(drafts) == 2
    by_recipient = {parsed(p.read_bytes())["To"].addresses[0].addr_spec: parsed(p.read_bytes()) for p in drafts}
    assert set(by_recipient) == {SOPHIE_MAIL, ALBERT_MAIL}
    for address, who in ((SOPHIE_MAIL, "Léa MARTIN"), (ALBERT_MAIL, "Paul BERNARD")):
        message = by_recipient[address]
        assert message["X-Unsent"] == "1" and message["Cc"] == HR_COPY
        assert who in message["Subject"]
        body = message.get_body(("plain",)).get_content()
        assert who in body and "avant le" in body and "le dossier partagé des comptes rendus" in body
        assert "à déposer de nouveau" in body and "si la note le demande" not in body  # no hedge: always again
        assert APPRAISAL.label not in body  # what the evaluation says stays in the attachment
        (attachment,) = message.iter_attachments()
        note = next((config.outbox / "rejets").glob(f"CR {who.split()[1].title()} - note de rejet.docx"))
        assert attachment.get_filename() == note.name
        assert attachment.get_content() == note.read_bytes()
    assert {m.status for m in messages(config_path)} == {DRAFTED}


def test_notes_are_queued_once_whatever_the_number_of_passes(processed, tmp_path):
    config = load_config(workspace(processed, tmp_path, {"mode": "brouillon"}))
    first = dispatch(config)
    for _ in range(3):
        again = dispatch(config)
        assert again.queued == [] and again.delivery.drafted == []
    assert len(first.queued) == 2 and len(messages(config.base_dir / "config.yaml")) == 2
    assert len(list((config.outbox / "courriels").glob("*.eml"))) == 2


@pytest.mark.libreoffice
def test_a_rejection_without_an_address_is_said_not_sent_in_status_and_tracking(processed, tmp_path, convert):
    config = load_config(workspace(processed, tmp_path, {"mode": "brouillon"}))
    (config.inbox / "vide.docx").write_bytes(b"")  # unreadable: no agent to write to
    settle(config.inbox)
    process_inbox(config, received_on=RECEIVED)
    status = campaign_status(config, today=AFTER_REVIEW)
    said = {item["matricule"] or item["fichier"]: item["courriel"] for item in status.rejected}
    assert said["300003"] == NOTE_NOT_SENT == "note non envoyée : adresse inconnue"
    assert said["vide.docx"] == NOTE_NOT_SENT_NO_AGENT == "note non envoyée : agent non identifié"
    assert said["300001"].startswith("Note de rejet : brouillon écrit le ")
    rebuild_workbooks(config, today=AFTER_REVIEW)
    from tests.test_workbooks import computed_in_calc

    calc = computed_in_calc([config.outbox / "suivi_campagne.xlsx"], convert)["suivi_campagne-Suivi"]
    header = calc[0]
    by_agent = {row[0]: row for row in calc[1:]}
    assert by_agent["300001"][header.index("Dernier courriel")].startswith("Note de rejet : brouillon écrit le ")
    assert by_agent["300001"][header.index("Courriel du")]  # a real date, shown by Calc
    assert by_agent["300003"][header.index("Dernier courriel")] == NOTE_NOT_SENT
    sheet = openpyxl.load_workbook(config.outbox / "suivi_campagne.xlsx")["Suivi"]
    rows = list(sheet.iter_rows(values_only=True))
    table = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert table["300003"]["Dernier courriel"] == NOTE_NOT_SENT
    assert table["300001"]["Dernier courriel"].startswith("Note de rejet : brouillon écrit")
    assert table["300001"]["Courriel du"] is not None
    assert table["300004"]["Dernier courriel"] is None  # accepted: nothing was sent


def test_the_roster_gaining_an_address_sends_the_note_at_the_next_pass(processed, tmp_path):
    config = load_config(workspace(processed, tmp_path, {"mode": "brouillon"}))
    assert len(dispatch(config).queued) == 2
    roster = [dict(row, **({EMAIL: "isabelle.roux@chu.example"} if row["matricule"] == "300003" else {}))
              for row in ROSTER]
    write_csv(config.base_dir / "agents.csv", roster, header=[*ROSTER_HEADER, EMAIL])
    later = dispatch(config)
    assert len(later.queued) == 1
    assert [m.recipient for m in messages(config.base_dir / "config.yaml")][-1] == "isabelle.roux@chu.example"


@pytest.mark.parametrize("settings", [{"mode": "aucun"}, {"mode": "brouillon", "notes_de_rejet": False}])
def test_no_note_is_written_when_mail_or_notes_are_off(processed, tmp_path, settings):
    config = load_config(workspace(processed, tmp_path, settings))
    run = dispatch(config)
    assert run.queued == [] and not (config.outbox / "courriels").exists()
    assert messages(config.base_dir / "config.yaml") == []


def test_a_process_pass_drafts_the_notes_and_says_so(processed, tmp_path, capsys):
    config_path = workspace(processed, tmp_path, {"mode": "brouillon"})
    assert main(["traiter", "--config", str(config_path)]) == 0
    out = capsys.readouterr().out
    assert f"Courriels : 2 brouillons écrits dans {load_config(config_path).outbox / 'courriels'}" in out


# -- SMTP ------------------------------------------------------------------------------------------


def test_notes_are_sent_over_plain_smtp_with_hr_in_copy(processed, tmp_path):
    with Server(Recorder()) as server:
        config = load_config(workspace(processed, tmp_path, smtp_settings(server.port)))
        run = dispatch(config)
        again = dispatch(config)
    assert len(run.delivery.sent) == 2 and not run.problems and again.delivery.sent == []
    received = server.handler.received
    assert sorted(r.recipients[0] for r in received) == [ALBERT_MAIL, SOPHIE_MAIL]
    assert all(r.recipients[1:] == [HR_COPY] and r.sender == "rh@chu.example" for r in received)
    assert all("X-Unsent" not in r.message for r in received)
    stored = messages(config.base_dir / "config.yaml")
    assert {m.status for m in stored} == {SENT} and all(m.sent_at for m in stored)
    assert {r.message["Message-ID"] for r in received} == {m.message_id for m in stored}
    assert not (config.outbox / "courriels").exists()  # sent: no draft


def test_starttls_with_a_self_signed_certificate_and_a_login(processed, tmp_path, certificate, monkeypatch):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.login == b"rh-entretiens" and auth_data.password == b"s3cret",
                          handled=False)

    monkeypatch.setenv("ENTRETIENS_TEST_MDP", "s3cret")
    with Server(Recorder(), tls_context=tls_context(certificate), require_starttls=True,
                authenticator=authenticator, auth_required=True) as server:
        config = load_config(workspace(processed, tmp_path, smtp_settings(
            server.port, securite="starttls", identifiant="rh-entretiens", mot_de_passe_variable="ENTRETIENS_TEST_MDP",
            certificat_ac=str(certificate[0]))))
        run = dispatch(config)
    assert len(run.delivery.sent) == 2, run.problems
    assert logins == [(b"rh-entretiens", b"s3cret")]
    assert "s3cret" not in (config.base_dir / "config.yaml").read_text(encoding="utf-8")


def test_implicit_tls(processed, tmp_path, certificate):
    with Server(Recorder(), ssl_context=tls_context(certificate)) as server:
        config = load_config(workspace(processed, tmp_path, smtp_settings(
            server.port, securite="ssl", certificat_ac=str(certificate[0]))))
        run = dispatch(config)
    assert len(run.delivery.sent) == 2, run.problems


def test_an_untrusted_certificate_is_never_accepted(processed, tmp_path, certificate):
    with Server(Recorder(), tls_context=tls_context(certificate), require_starttls=True) as server:
        config = load_config(workspace(processed, tmp_path, smtp_settings(server.port, securite="starttls")))
        run = dispatch(config)
    assert run.delivery.sent == [] and server.handler.received == []
    assert all(m.status == QUEUED and "certificat_ac" in m.error for m in messages(config.base_dir / "config.yaml"))


@pytest.mark.parametrize("settings, expected", [
    ({"securite": "starttls"}, "ne propose pas STARTTLS"),  # a server without TLS
    ({"securite": "ssl"}, "vérifiez courriel.smtp.securite et le port"),  # TLS spoken to a plain server
    ({"securite": "starttls", "certificat_ac": "absent.pem"}, "courriel.smtp.certificat_ac ne peut pas être lu"),
    ({"identifiant": "rh", "mot_de_passe_variable": "ENTRETIENS_TEST_MDP"}, "ne propose pas l'authentification"),
])
def test_settings_the_server_does_not_accept_are_said_in_french_and_the_messages_wait(processed, tmp_path,
                                                                                      monkeypatch, settings,
                                                                                      expected):
    monkeypatch.setenv("ENTRETIENS_TEST_MDP", "x")
    with Server(Recorder()) as server:  # plain SMTP, no STARTTLS, no AUTH
        config = load_config(workspace(processed, tmp_path, smtp_settings(server.port, **settings)))
        run = dispatch(config)
    problem = next(p for p in run.problems if expected in p)
    assert "Corrigez la section courriel.smtp" in problem and problem.isascii() is False
    assert "extension" not in problem and "WRONG_VERSION" not in problem.split("(")[0]
    assert {m.status for m in messages(config.base_dir / "config.yaml")} == {QUEUED}


@pytest.mark.parametrize("password", ["mauvais", None])
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_refused_or_missing_password_stops_the_sending_with_a_french_reason(processed, tmp_path, monkeypatch,
                                                                                password):
    if password is None:
        monkeypatch.delenv("ENTRETIENS_TEST_MDP", raising=False)
    else:
        monkeypatch.setenv("ENTRETIENS_TEST_MDP", password)
    with Server(Recorder(), authenticator=lambda *a: AuthResult(success=False, handled=False), auth_required=True,
                auth_require_tls=False) as server:
        config = load_config(workspace(processed, tmp_path, smtp_settings(
            server.port, identifiant="rh", mot_de_passe_variable="ENTRETIENS_TEST_MDP")))
        run = dispatch(config)
    assert run.delivery.sent == [] and server.handler.received == []
    expected = "identifiant ou mot de passe refusé" if password else "variable d'environnement ENTRETIENS_TEST_MDP"
    assert any(expected in p and "courriel.smtp" in p for p in run.problems)


def test_a_refused_recipient_fails_for_good_with_the_server_s_reason(processed, tmp_path):
    with Server(Recorder(refuse_rcpt="550 5.1.1 Destinataire inconnu")) as server:
        config = load_config(workspace(processed, tmp_path, smtp_settings(server.port)))
        run = dispatch(config)
        later = dispatch(config, at=dt.datetime.now().astimezone() + dt.timedelta(days=2))
    stored = messages(config.base_dir / "config.yaml")
    assert {m.status for m in stored} == {FAILED} and all("550 5.1.1 Destinataire inconnu" in m.error for m in stored)
    assert len(run.delivery.failed) == 2 and later.delivery.failed == [] and server.handler.received == []
    status = campaign_status(config, today=AFTER_REVIEW)
    assert len(status.message_problems) == 2 and status.messages == {FAILED: 2}


def test_a_temporary_refusal_is_tried_again_later_with_a_longer_wait_each_time(processed, tmp_path):
    handler = Recorder(refuse_data="451 4.3.0 Réessayez plus tard")
    start = dt.datetime.now().astimezone()
    with Server(handler) as server:
        config = load_config(workspace(processed, tmp_path, smtp_settings(server.port)))
        dispatch(config, at=start)
        first = messages(config.base_dir / "config.yaml")
        assert {m.status for m in first} == {QUEUED} and all("451" in m.error for m in first)
        assert dispatch(config, at=start + dt.timedelta(seconds=30)).delivery.retried == []  # not due yet
        dispatch(config, at=start + dt.timedelta(minutes=2))
        second = messages(config.base_dir / "config.yaml")
        waits = [dt.datetime.fromisoformat(m.next_attempt) - start for m in first + second]
        assert all(m.attempts == 2 for m in second) and max(waits[:2]) < min(waits[2:])
        handler.refuse_data = None
        sent = dispatch(config, at=start + dt.timedelta(hours=1))
    assert len(sent.delivery.sent) == 2 and len(handler.received) == 2


def test_a_server_that_is_down_never_stops_the_pass_and_is_tried_again(processed, tmp_path):
    port = free_port()  # nothing listens there
    config_path = workspace(processed, tmp_path, smtp_settings(port))
    config = load_config(config_path)
    settle(config.inbox)
    result = process_inbox(config, received_on=RECEIVED)
    assert result.workbooks and any("connexion refusée" in p for p in result.mail.problems)
    assert {m.status for m in messages(config_path)} == {QUEUED}
    with Server(Recorder()) as server:
        config = load_config(workspace_port(config_path, server.port))
        run = dispatch(config, at=dt.datetime.now().astimezone() + dt.timedelta(minutes=5))
    assert len(run.delivery.sent) == 2


def workspace_port(config_path: Path, port: int) -> Path:
    settings = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    settings["courriel"]["smtp"]["port"] = port
    config_path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return config_path


def test_a_server_that_never_answers_times_out_and_is_tried_again(processed, tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts connections (the kernel does), never says a word
    try:
        config = load_config(workspace(processed, tmp_path, smtp_settings(silent.getsockname()[1], delai_s=1)))
        run = dispatch(config)
    finally:
        silent.close()
    assert run.delivery.sent == [] and len(run.delivery.retried) == 2
    assert any("pas de réponse du serveur dans le délai" in p for p in run.problems)


def test_giving_up_after_the_last_try(processed, tmp_path):
    config = load_config(workspace(processed, tmp_path, {**smtp_settings(free_port()), "essais_max": 2}))
    start = dt.datetime.now().astimezone()
    dispatch(config, at=start)
    run = dispatch(config, at=start + dt.timedelta(hours=7))
    assert len(run.delivery.failed) == 2 and any("abandonné après 2 essais" in p for p in run.problems)
    assert {m.status for m in messages(config.base_dir / "config.yaml")} == {FAILED}


SENDER_SCRIPT = """
import sys
from pipeline.config import load_config
from pipeline.mail import dispatch
dispatch(load_config(sys.argv[1]))
"""


def test_a_deliverer_killed_after_the_server_kept_the_message_never_sends_it_again(processed, tmp_path):
    handler = Recorder(hold_data=60)
    with Server(handler) as server:
        config_path = workspace(processed, tmp_path, smtp_settings(server.port, delai_s=120))
        child = subprocess.Popen([sys.executable, "-c", SENDER_SCRIPT, str(config_path)], cwd=REPO,
                                 env={**os.environ, "PYTHONPATH": str(REPO)})
        kill_once_kept(handler, child)
        config = load_config(config_path)
        run = dispatch(config)
        dispatch(config)
    assert len(handler.received) == 2  # the one kept before the kill, and the other note, once
    assert sorted(r.message["Message-ID"] for r in handler.received) == sorted(
        {r.message["Message-ID"] for r in handler.received})
    stored = {m.message_id: m for m in messages(config_path)}
    (uncertain,) = [m for m in stored.values() if m.status == UNCERTAIN]
    assert uncertain.message_id == handler.received[0].message["Message-ID"]
    assert Path(uncertain.draft).name.startswith("INCERTAIN ") and Path(uncertain.draft).is_file()
    assert any("peut-être été reçu" in p for p in run.problems)
    assert [m.status for m in stored.values()].count(SENT) == 1


# -- one message's trouble is that message's alone (issue 25) ----------------------------------------

SECOND_ALBERT = "a.noir@autre.example"
GREYLISTED = (f"450 4.2.0 <{SOPHIE_MAIL}>: Recipient address rejected: Greylisted, see "
              "http://postgrey.schweikert.ch/help/chu.example.html")


def with_roster(config_path: Path, **cells: dict) -> Path:
    """The workspace's roster with some agents' cells changed: ``with_roster(p, **{"300002": {...}})``."""
    rows = [dict(row, **cells.get(row["matricule"], {})) for row in ROSTER]
    write_csv(config_path.parent / "agents.csv", rows, header=[*ROSTER_HEADER, EMAIL])
    return config_path


def by_recipient(config_path: Path) -> dict:
    return {m.recipient: m for m in messages(config_path)}


@pytest.mark.parametrize("rules, albert_cell, deferred_to, expected", [
    pytest.param({"rcpt_replies": {SOPHIE_MAIL: GREYLISTED}}, None, SOPHIE_MAIL, "450 4.2.0", id="greylisted-at-rcpt"),
    pytest.param({"rcpt_replies": {SOPHIE_MAIL: "451 4.7.1 <sophie.durand@chu.example>: Recipient address rejected: "
                                                "Please try again later"}},
                 None, SOPHIE_MAIL, "451 4.7.1", id="4.7.1-at-rcpt"),
    pytest.param({"rcpt_replies": {SECOND_ALBERT: f"450 4.2.0 <{SECOND_ALBERT}>: Recipient address rejected: Greylisted"}},
                 f"{ALBERT_MAIL}; {SECOND_ALBERT}", f"{ALBERT_MAIL}, {SECOND_ALBERT}", "450 4.2.0",
                 id="one-of-two-addresses"),
    pytest.param({"rcpt_replies": {HR_COPY: "452 4.2.2 <rh-copie@chu.example>: Mailbox full"}, "once": HR_COPY},
                 None, None, "452 4.2.2", id="4xx-for-the-hr-copy-of-the-first"),
    pytest.param({"refuse_mail": ["451 4.3.0 Temporary lookup failure"]}, None, None, "451 4.3.0",
                 id="4xx-at-mail-from"),
    pytest.param({"data_replies": {SOPHIE_MAIL: "452 4.3.1 Insufficient system storage"}}, None, SOPHIE_MAIL,
                 "452 4.3.1", id="4xx-after-data"),
    pytest.param({"rcpt_replies": {SOPHIE_MAIL: "421 4.7.0 Too many errors, closing connection"}}, None, SOPHIE_MAIL,
                 "421 4.7.0", id="421-server-closing"),
    pytest.param({"rcpt_replies": {SOPHIE_MAIL: DROP}}, None, SOPHIE_MAIL, "connexion interrompue",
                 id="connection-cut-at-rcpt"),
])
def test_a_temporary_refusal_defers_that_message_alone_and_the_others_go_in_the_same_run(
        processed, tmp_path, rules, albert_cell, deferred_to, expected):
    """GIVEN two notes to send and a server that puts off one of them (a greylisted recipient,
    one of an evaluator's two addresses, a 4xx at MAIL FROM or after DATA, a 421, a cut
    connection) WHEN mail is delivered THEN that note waits with its own reason and wait, the
    other is sent in the same run, and the next try sends the first."""
    rules = dict(rules)
    once = rules.pop("once", None)
    handler = Recorder(**rules)
    start = dt.datetime.now().astimezone()
    with Server(handler) as server:
        config_path = workspace(processed, tmp_path, smtp_settings(server.port))
        if albert_cell:
            with_roster(config_path, **{"300002": {EMAIL: albert_cell}})
        config = load_config(config_path)
        if once:  # only the first message's copy is put off: the second is asked after it
            original = handler.handle_RCPT

            async def first_copy_only(server_, session, envelope, address, options):
                reply = await original(server_, session, envelope, address, options)
                if address == once:
                    handler.rcpt_replies.pop(once, None)
                return reply
            handler.handle_RCPT = first_copy_only
        run = dispatch(config, at=start)
        stored = by_recipient(config_path)
        (waiting,) = [m for m in stored.values() if m.status == QUEUED]
        (sent,) = [m for m in stored.values() if m.status == SENT]
        if deferred_to:
            assert waiting.recipient == deferred_to
        assert expected in waiting.error and waiting.attempts == 1 and waiting.next_attempt
        assert sent.error is None and expected not in (sent.error or "")
        assert run.delivery.sent == [sent.message_id] and run.delivery.retried == [waiting.message_id]
        assert run.delivery.failed == [] and run.delivery.held == []
        assert [r.message["Message-ID"] for r in handler.received] == [sent.message_id]
        said = [p for p in run.problems if expected in p]
        assert len(said) == 1 and waiting.recipient in said[0] and "nouvel essai" in said[0]
        assert not any(f"à {sent.recipient} " in p for p in run.problems)  # the other note is not blamed
        handler.rcpt_replies.clear(), handler.data_replies.clear(), handler.refuse_mail.clear()
        later = dispatch(config, at=start + dt.timedelta(minutes=2))
    assert later.delivery.sent == [waiting.message_id]
    assert sorted(r.message["Message-ID"] for r in handler.received) == sorted({sent.message_id, waiting.message_id})
    if albert_cell:
        albert = next(r for r in handler.received if ALBERT_MAIL in r.recipients)
        assert albert.recipients == [ALBERT_MAIL, SECOND_ALBERT, HR_COPY]


def test_a_connection_cut_while_one_message_is_sent_makes_that_one_uncertain_and_the_others_go(processed, tmp_path):
    handler = Recorder(data_replies={SOPHIE_MAIL: DROP})
    with Server(handler) as server:
        config_path = workspace(processed, tmp_path, smtp_settings(server.port))
        run = dispatch(load_config(config_path))
    stored = by_recipient(config_path)
    assert stored[SOPHIE_MAIL].status == UNCERTAIN and stored[ALBERT_MAIL].status == SENT
    assert run.delivery.uncertain == [stored[SOPHIE_MAIL].message_id]
    assert run.delivery.sent == [stored[ALBERT_MAIL].message_id]
    assert any("peut-être été reçu" in p and SOPHIE_MAIL in p for p in run.problems)


def test_an_address_refused_for_good_among_an_evaluator_s_addresses_leaves_the_others_served(processed, tmp_path):
    handler = Recorder(rcpt_replies={SECOND_ALBERT: f"550 5.1.1 <{SECOND_ALBERT}>: Recipient address rejected: "
                                                    "User unknown in virtual mailbox table"})
    with Server(handler) as server:
        config_path = with_roster(workspace(processed, tmp_path, smtp_settings(server.port)),
                                  **{"300002": {EMAIL: f"{ALBERT_MAIL}, {SECOND_ALBERT}"}})
        run = dispatch(load_config(config_path))
    albert = by_recipient(config_path)[f"{ALBERT_MAIL}, {SECOND_ALBERT}"]
    assert albert.status == SENT and "550 5.1.1" in albert.error and SECOND_ALBERT in albert.error
    assert [r.recipients for r in handler.received if ALBERT_MAIL in r.recipients] == [[ALBERT_MAIL, HR_COPY]]
    assert any(SECOND_ALBERT in p and "courriel évaluateur" in p for p in run.problems)
    assert len(run.delivery.sent) == 2


# -- a refusal of the sender or of the account is a setting to fix (issue 25) ---------------------

SEND_AS = "550 5.7.60 SMTP; Client does not have permissions to send as this sender"
LOGIN = {"identifiant": "rh-entretiens", "mot_de_passe_variable": "ENTRETIENS_TEST_MDP"}


@dataclass
class Account:
    """The test server's one account; ``accepted`` false: every login is refused (535 5.7.8)."""

    accepted: bool = True

    def __call__(self, server, session, envelope, mechanism, auth_data):
        return AuthResult(success=self.accepted and auth_data.login == b"rh-entretiens", handled=False)


@pytest.mark.parametrize("rules, login, expected", [
    pytest.param({"refuse_data": SEND_AS}, True, ["courriel.expediteur", "Envoyer en tant que", "«\u202frh-entretiens\u202f»"],
                 id="5.7.60-after-data"),
    pytest.param({"refuse_data": "550 5.7.1 Client does not have permissions to send as this sender"}, True,
                 ["courriel.expediteur", "Envoyer en tant que"], id="5.7.1-send-as-after-data"),
    pytest.param({"refuse_mail": ["550 5.7.1 <rh@chu.example>: Sender address rejected: not owned by user rh"] * 20},
                 False, ["courriel.expediteur"], id="550-5.7.1-at-mail-from"),
    pytest.param({"refuse_mail": ["553 5.1.8 <rh@chu.example>: Sender address rejected: Domain not found"] * 20},
                 False, ["courriel.expediteur"], id="553-5.1.8-at-mail-from"),
    pytest.param({"refuse_mail": ["530 5.7.0 Authentication required"] * 20}, False,
                 ["courriel.smtp.identifiant", "ENTRETIENS_SMTP_MOT_DE_PASSE"], id="530-at-mail-from"),
    pytest.param({"rcpt_replies": {SOPHIE_MAIL: f"554 5.7.1 <{SOPHIE_MAIL}>: Relay access denied",
                                   ALBERT_MAIL: f"554 5.7.1 <{ALBERT_MAIL}>: Relay access denied"}}, False,
                 ["relais", "courriel.smtp.identifiant"], id="554-5.7.1-relay-denied-at-rcpt"),
    pytest.param({"account": False}, True, ["identifiant ou mot de passe refusé", "535", "courriel.smtp.identifiant"],
                 id="535-authentication"),
])
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_refusal_of_the_sender_or_the_account_keeps_the_notes_and_says_the_setting_once(
        processed, tmp_path, monkeypatch, rules, login, expected):
    """GIVEN a server that refuses the sender or the account (Exchange's 5.7.60 after DATA, a
    sender rejected at MAIL FROM, authentication required or refused, relaying denied) WHEN mail
    is delivered, again and again past ``essais_max`` THEN one French sentence names the setting,
    never an evaluator's address; the notes stay queued, no try counted; once the server accepts,
    the next run sends each once."""
    monkeypatch.setenv("ENTRETIENS_TEST_MDP", "s3cret")
    rules = dict(rules)
    account = Account(rules.pop("account", True))
    handler = Recorder(**rules)
    start = dt.datetime.now().astimezone()
    with Server(handler, authenticator=account, auth_require_tls=False) as server:
        config_path = workspace(processed, tmp_path, {**smtp_settings(server.port, **(LOGIN if login else {})),
                                                      "essais_max": 2})
        config = load_config(config_path)
        for hours in (0, 1, 7):
            run = dispatch(config, at=start + dt.timedelta(hours=hours))
            said = [p for p in run.problems if p.startswith("Courriels non envoyés")]
            assert len(said) == 1 and len(run.problems) == 1, run.problems
            assert all(words in said[0] for words in expected), said[0]
            assert "Vérifiez l'adresse" not in said[0] and "courriel évaluateur" not in said[0]
            assert "sans que cela compte comme un essai" in said[0]
            assert len(run.delivery.held) == 2 and run.delivery.failed == run.delivery.sent == []
            assert run.delivery.settings_problem
            stored = messages(config_path)
            assert {m.status for m in stored} == {QUEUED} and {m.attempts for m in stored} == {0}
            assert all("correction de la configuration" in m.error for m in stored)
        assert handler.received == []
        status = campaign_status(config, today=AFTER_REVIEW)
        assert len(status.message_problems) == 2 and status.messages == {QUEUED: 2}
        handler.refuse_data, account.accepted = None, True  # the setting fixed
        handler.refuse_mail.clear(), handler.rcpt_replies.clear()
        fixed = dispatch(config, at=start + dt.timedelta(hours=8))
        dispatch(config, at=start + dt.timedelta(hours=9))
    assert len(fixed.delivery.sent) == 2 and fixed.problems == []
    assert len(handler.received) == 2 and len({r.message["Message-ID"] for r in handler.received}) == 2
    assert {m.status for m in messages(config_path)} == {SENT}


def test_a_refused_hr_copy_is_a_setting_to_fix_not_the_evaluator_s_address(processed, tmp_path):
    handler = Recorder(rcpt_replies={HR_COPY: f"550 5.1.1 <{HR_COPY}>: Recipient address rejected: User unknown"})
    with Server(handler) as server:
        config_path = workspace(processed, tmp_path, smtp_settings(server.port))
        run = dispatch(load_config(config_path))
    (said,) = run.problems
    assert "courriel.copie_rh" in said and HR_COPY in said and "courriel évaluateur" not in said
    assert {m.status for m in messages(config_path)} == {QUEUED} and handler.received == []


def test_traiter_prints_a_refused_sender_once_whatever_the_number_of_notes(processed, tmp_path, capsys):
    with Server(Recorder(refuse_data=SEND_AS)) as server:
        config_path = workspace(processed, tmp_path, smtp_settings(server.port))
        assert main(["traiter", "--config", str(config_path)]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("Courriels non envoyés") == 1 and "courriel.expediteur" in captured.err
    assert "2 en attente d'un réglage à corriger" in captured.out
    assert "Vérifiez l'adresse" not in captured.err


def test_the_watcher_s_mail_thread_waits_after_a_refused_sender_instead_of_trying_every_round(processed, tmp_path):
    handler = Recorder(refuse_mail=["550 5.7.1 Sender address rejected: not owned by user rh"] * 20)
    with Server(handler) as server:
        config = load_config(workspace(processed, tmp_path, smtp_settings(server.port)))
        worker = MailWorker(config, every=3600).start()
        run_rounds(worker, 3)
        worker.stop()
    assert worker.rounds >= 3 and handler.mail_from_seen == 1 and worker.held_until > time.monotonic()
    assert {m.status for m in messages(config.base_dir / "config.yaml")} == {QUEUED}


# -- no value ever injects a header nor stops another message (issue 25) --------------------------

HOSTILE = {
    "LF": "MARTIN\nBcc: intrus@pirate.example",
    "CRLF": "MARTIN\r\nBcc: intrus@pirate.example",
    "U+2028": "MARTIN\u2028Bcc: intrus@pirate.example",
    "NUL": "MAR\x00TIN\x00Bcc: intrus@pirate.example",
    "bidi-and-long": "MARTIN\u202e" + "x" * 5000,
}


def set_file_row(config_path: Path, agent_number: str, **changes) -> None:
    """Change what the journal says of an agent's file: ``nom`` (the report's agent name) or
    ``original_name`` (the file name as received)."""
    import sqlite3

    db = sqlite3.connect(load_config(config_path).state_dir / "journal.sqlite3")
    with db:
        for row_id, content in db.execute("SELECT id, content FROM files WHERE agent_number=?", (agent_number,)):
            if "nom" in changes:
                data = json.loads(content)
                data["champs"]["nom"] = changes["nom"]
                db.execute("UPDATE files SET content=? WHERE id=?", (json.dumps(data), row_id))
            if "original_name" in changes:
                db.execute("UPDATE files SET original_name=? WHERE id=?", (changes["original_name"], row_id))
    db.close()


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("place", ["agent name", "evaluator name", "file name"])
def test_no_character_in_a_name_or_a_file_name_injects_a_header_or_stops_a_note(processed, tmp_path, place, value):
    handler = Recorder()
    with Server(handler) as server:
        config_path = workspace(processed, tmp_path, smtp_settings(server.port))
        if place == "agent name":
            set_file_row(config_path, "300001", nom=value)
        elif place == "file name":
            set_file_row(config_path, "300001", original_name=value + ".docx")
        else:
            with_roster(config_path, **{"300001": {"évaluateur": value}})
        run = dispatch(load_config(config_path))
    assert len(run.queued) == 2 and len(run.delivery.sent) == 2 and run.problems == []
    assert sorted(r.recipients[0] for r in handler.received) == [ALBERT_MAIL, SOPHIE_MAIL]
    for received in handler.received:
        message = received.message
        assert "Bcc" not in message and "pirate.example" not in " ".join(received.recipients)
        for name, header in message.items():
            assert not any(c in str(header) for c in "\r\n\x00\u2028\u2029\u202e"), (name, header)
            assert "pirate.example" not in str(header) or name in ("Subject", "To"), (name, header)
        assert len(message["Subject"]) <= 250
        (attachment,) = message.iter_attachments()
        assert not any(c in attachment.get_filename() for c in "\r\n\x00\u2028")
    with Journal(load_config(config_path).state_dir) as journal:
        for stored in journal.messages():
            assert not any(c in stored.subject for c in "\r\n\x00\u2028")
            raw = journal.message_bytes(stored.message_id)
            assert b"\x00" not in raw and all(len(line) <= 998 for line in raw.split(b"\r\n"))
            assert not any(line.lower().startswith(b"bcc") for line in raw.split(b"\r\n"))


@pytest.mark.parametrize("failing", ["rejection_message", "_note"])
def test_a_note_that_cannot_be_composed_is_said_with_its_file_and_never_stops_the_others(processed, tmp_path,
                                                                                           monkeypatch, failing):
    import pipeline.mail as mail_module

    original = getattr(mail_module, failing)

    def failing_for_martin(*args, **kwargs):
        row = args[1] if failing == "_note" else None
        if (row is not None and row.agent_number == "300001") or kwargs.get("address") == SOPHIE_MAIL:
            raise OSError(5, "Input/output error")
        return original(*args, **kwargs)

    monkeypatch.setattr(mail_module, failing, failing_for_martin)
    config = load_config(workspace(processed, tmp_path, {"mode": "brouillon"}))
    run = dispatch(config)
    assert [m.recipient for m in messages(config.base_dir / "config.yaml")] == [ALBERT_MAIL]
    (said,) = [p for p in run.problems if "CR Martin.docx" in p]
    assert said.startswith("Note de rejet de «\u202fCR Martin.docx\u202f» non mise en file d'envoi")
    monkeypatch.setattr(mail_module, failing, original)
    assert len(dispatch(config).queued) == 1  # at the next pass


# -- address cells as HR types them (issue 25) -----------------------------------------------------


@pytest.mark.parametrize("cell", [
    f"{ALBERT_MAIL}, {SECOND_ALBERT}",
    f"{ALBERT_MAIL} ; {SECOND_ALBERT};",
    f'Albert Noir <{ALBERT_MAIL}>; "Noir, Albert" <{SECOND_ALBERT}>',
    f"{ALBERT_MAIL}\n{SECOND_ALBERT}",  # Alt+Entrée in the cell
    f"{ALBERT_MAIL} {SECOND_ALBERT}",
    f"mailto:{ALBERT_MAIL}\u00a0;\u00a0{SECOND_ALBERT.upper()}",
], ids=["comma", "semicolon", "display-names", "line-break", "space", "mailto-nbsp-upper-case"])
def test_every_address_of_a_cell_is_a_recipient(processed, tmp_path, cell):
    handler = Recorder()
    with Server(handler) as server:
        config_path = with_roster(workspace(processed, tmp_path, smtp_settings(server.port)),
                                  **{"300002": {EMAIL: cell}})
        run = dispatch(load_config(config_path))
    assert len(run.delivery.sent) == 2 and run.problems == []
    albert = next(r for r in handler.received if ALBERT_MAIL in r.recipients)
    assert [a.lower() for a in albert.recipients] == [ALBERT_MAIL, SECOND_ALBERT, HR_COPY]
    assert [a.addr_spec.lower() for a in albert.message["To"].addresses] == [ALBERT_MAIL, SECOND_ALBERT]
    assert by_recipient(config_path).keys() >= {SOPHIE_MAIL}
    assert [m.recipient.lower() for m in messages(config_path) if ALBERT_MAIL in m.recipient] == [
        f"{ALBERT_MAIL}, {SECOND_ALBERT}"]


@pytest.mark.parametrize("cell, why", [
    (f"{ALBERT_MAIL}\r\nBcc: intrus@pirate.example", "Bcc: intrus@pirate.example\u202f» n'est pas une adresse"),
    (f"{ALBERT_MAIL}, pas-une-adresse", "il manque «\u202f@\u202f»"),
    (f"{ALBERT_MAIL}; a.noir@autre", "n'a pas de point"),
    (f"{ALBERT_MAIL} (secrétariat)", "elle contient une espace"),
    (f"{ALBERT_MAIL}\x00", "caractère de contrôle"),
], ids=["crlf-injection", "one-invalid-among-valid", "domain-without-dot", "comment", "nul"])
def test_a_cell_that_is_not_a_list_of_addresses_is_a_warning_with_its_row_and_no_message(processed, tmp_path,
                                                                                         cell, why):
    config_path = with_roster(workspace(processed, tmp_path, {"mode": "brouillon"}), **{"300002": {EMAIL: cell}})
    config = load_config(config_path)
    run = dispatch(config)
    assert [m.recipient for m in messages(config_path)] == [SOPHIE_MAIL]  # Sophie's note goes all the same
    (said,) = run.problems
    assert said.startswith("Liste des agents, ligne 3, colonne «\u202fcourriel évaluateur\u202f» : ")
    assert why in said and "Paul BERNARD" in said and "séparées par «\u202f;\u202f»" in said
    assert "\r" not in said and "\n" not in said
    plan = send_reminders(config, today=AFTER_REVIEW).plan
    (bad,) = plan.bad_address
    assert bad.evaluator == ALBERT and "ligne 3" in bad.problem and why in bad.problem
    assert [r.address for r in plan.to_send] == [SOPHIE_MAIL]
    assert not any(ALBERT_MAIL in m.recipient for m in messages(config_path))
    said_by_status = {item["matricule"]: item["courriel"] for item in campaign_status(config, today=AFTER_REVIEW).rejected}
    assert said_by_status["300002"] == NOTE_NOT_SENT_BAD_ADDRESS
    assert said_by_status["300003"] == NOTE_NOT_SENT  # no address at all


def test_an_evaluator_with_two_addresses_is_reminded_once_per_period(processed, tmp_path):
    config_path = with_roster(workspace(processed, tmp_path, {"mode": "brouillon"}),
                              **{"300002": {EMAIL: f"{ALBERT_MAIL}; {SECOND_ALBERT}"}})
    config = load_config(config_path)
    first = send_reminders(config, today=AFTER_REVIEW)
    assert f"{ALBERT_MAIL}, {SECOND_ALBERT}" in [r.address for r in first.plan.to_send]
    again = send_reminders(config, today=AFTER_REVIEW + dt.timedelta(days=3))
    assert again.queued == [] and f"{ALBERT_MAIL}, {SECOND_ALBERT}" in [r.address for r in again.plan.too_soon]
    draft = next(Path(m.draft) for m in messages(config_path) if m.kind == REMINDER and SECOND_ALBERT in m.recipient)
    assert [a.addr_spec for a in parsed(draft.read_bytes())["To"].addresses] == [ALBERT_MAIL, SECOND_ALBERT]


def test_several_hr_copies_are_all_in_copy(processed, tmp_path):
    handler = Recorder()
    with Server(handler) as server:
        config_path = workspace(processed, tmp_path, {**smtp_settings(server.port),
                                                      "copie_rh": f"RH <{HR_COPY}>; direction@chu.example"})
        dispatch(load_config(config_path))
    assert all(r.recipients[1:] == [HR_COPY, "direction@chu.example"] for r in handler.received)
    assert all([a.addr_spec for a in r.message["Cc"].addresses] == [HR_COPY, "direction@chu.example"]
               for r in handler.received)


# -- reminders -------------------------------------------------------------------------------------


def test_reminders_one_message_per_evaluator_listing_their_agents_with_due_dates(processed, tmp_path):
    config = load_config(workspace(processed, tmp_path, {"mode": "brouillon"}))
    run = send_reminders(config, today=AFTER_REVIEW)
    plan = run.plan
    assert sorted(r.address for r in plan.to_send) == [ALBERT_MAIL, SOPHIE_MAIL]
    sophie = next(r for r in plan.to_send if r.address == SOPHIE_MAIL)
    assert {a.number: a.reason for a in sophie.agents} == {
        "300001": "rejet en attente d'une version corrigée", "300005": "aucun compte rendu reçu"}
    assert all(a.due for a in sophie.agents)
    assert [r.evaluator for r in plan.no_address] == [ISABELLE]
    reminders = [m for m in messages(config.base_dir / "config.yaml") if m.kind == REMINDER]
    assert len(reminders) == 2 and {m.status for m in reminders} == {DRAFTED}
    draft = parsed(Path(next(m.draft for m in reminders if m.recipient == SOPHIE_MAIL)).read_bytes())
    body = draft.get_body(("plain",)).get_content()
    assert "Léa MARTIN (matricule 300001) : rejet en attente d'une version corrigée – échéance : " in body
    assert "Marc DURAND (matricule 300005) : aucun compte rendu reçu – échéance : 13/01/2027" in body  # the communication, 30 days after the interview
    assert "Zoé PETIT" not in body  # accepted, nothing late yet


def test_an_evaluator_is_reminded_at_most_once_per_period(processed, tmp_path):
    config = load_config(workspace(processed, tmp_path, {"mode": "brouillon", "relances_jours": 7}))
    assert len(send_reminders(config, today=AFTER_REVIEW).queued) == 2
    for days in (0, 1, 6):
        again = send_reminders(config, today=AFTER_REVIEW + dt.timedelta(days=days))
        assert again.queued == [] and len(again.plan.too_soon) == 2
    assert len(send_reminders(config, today=AFTER_REVIEW + dt.timedelta(days=7)).queued) == 2


def test_no_reminder_before_the_interview_date(processed, tmp_path):
    config = load_config(workspace(processed, tmp_path, {"mode": "brouillon"}))
    plan = send_reminders(config, simulation=True, today=dt.date(2026, 12, 1)).plan
    chased = {a.number for r in plan.to_send + plan.no_address for a in r.agents}
    assert "300005" not in chased


def test_relancer_simulation_prints_and_records_nothing(processed, tmp_path, capsys):
    config_path = workspace(processed, tmp_path, {"mode": "envoi", "smtp": {"hote": "127.0.0.1",
                                                                            "port": free_port()}})
    assert main(["relancer", "--simulation", "--config", str(config_path)]) == 0
    out = capsys.readouterr().out
    assert "Simulation : rien n'est écrit ni envoyé." in out
    assert f"Relance à {SOPHIE} <{SOPHIE_MAIL}> serait envoyée : " in out
    assert f"Pas de relance pour {ISABELLE} : adresse inconnue" in out
    assert messages(config_path) == [] and not (config_path.parent / "outbox" / "courriels").exists()


def test_relancer_says_what_became_of_each_reminder_when_the_server_is_down(processed, tmp_path, capsys):
    config_path = workspace(processed, tmp_path, smtp_settings(free_port()))
    assert main(["relancer", "--config", str(config_path)]) == 0
    out = capsys.readouterr().out
    assert f"Relance à {SOPHIE} <{SOPHIE_MAIL}> (en attente d'envoi) : " in out
    assert "envoyée" not in out
    assert main(["relancer", "--config", str(config_path)]) == 0
    again = capsys.readouterr().out
    assert "existe déjà (en attente d'envoi)" in again


def test_relancer_with_mail_off_is_a_french_error(processed, tmp_path, capsys):
    config_path = workspace(processed, tmp_path, {"mode": "aucun"})
    assert main(["relancer", "--config", str(config_path)]) == 1
    err = capsys.readouterr().err
    assert "Erreur : Les courriels sont désactivés (courriel.mode: aucun" in err and "Traceback" not in err


# -- the watcher's mail thread ---------------------------------------------------------------------


def test_the_watcher_s_mail_thread_delivers_what_was_queued(processed, tmp_path):
    with Server(Recorder()) as server:
        config = load_config(workspace(processed, tmp_path, smtp_settings(server.port)))
        assert len(dispatch(config, deliver_now=False).queued) == 2  # what the watcher's rebuild does
        worker = MailWorker(config, every=3600).start()
        worker.poke()
        deadline = time.monotonic() + 30
        while len(server.handler.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        worker.stop()
    assert len(server.handler.received) == 2 and worker.rounds >= 1


def test_the_watcher_s_mail_thread_sends_the_reminders_once_a_day_when_asked(processed, tmp_path):
    config = load_config(workspace(processed, tmp_path, {"mode": "brouillon", "relances_automatiques": True}))
    worker = MailWorker(config, every=3600).start()
    run_rounds(worker, 3)
    worker.stop()
    kinds = [m.kind for m in messages(config.base_dir / "config.yaml")]
    assert kinds.count(REMINDER) == 2 and kinds.count(REJECTION_NOTE) == 2  # the pending rejections' evaluators


# -- configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mail, expected", [
    ({"mode": "envoi"}, "courriel.smtp.hote"),
    ({"mode": "courrier"}, "courriel.mode"),
    ({"expediteur": "Service RH"}, "n'est pas une adresse électronique"),
    ({"expediteur": "Service RH <rh@chu>"}, "courriel.expediteur : «\u202fService RH <rh@chu>\u202f» n'est pas"),
    ({"expediteur": "rh@chu.example, autre@chu.example"}, "un seul expéditeur est possible"),
    ({"expediteur": "rh@chu.example\r\nBcc: intrus@pirate.example"}, "courriel.expediteur : «\u202fBcc: intrus"),
    ({"copie_rh": "rh@chu.example\r\nBcc: intrus@pirate.example"}, "courriel.copie_rh : «\u202fBcc: intrus"),
    ({"copie_rh": "rh@chu.example, direction@chu"}, "courriel.copie_rh : «\u202fdirection@chu\u202f»"),
    ({"smtp": {"mot_de_passe": "en clair"}}, "mot_de_passe"),
])
def test_mail_settings_mistakes_are_said_at_start(tmp_path, mail, expected):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"courriel": mail}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert expected in caught.value.message


@pytest.mark.parametrize("smtp", [{"mot_de_passe": "S3cret!"}, {"password": "S3cret!"}, {"motdepasse": "S3cret!"}])
def test_a_password_written_in_the_config_is_refused_and_never_repeated(tmp_path, smtp):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"courriel": {"smtp": smtp}}), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "S3cret!" not in caught.value.message
    assert "ENTRETIENS_SMTP_MOT_DE_PASSE" in caught.value.message


def test_the_json_status_has_the_messages(processed, tmp_path, capsys):
    config_path = workspace(processed, tmp_path, {"mode": "brouillon"})
    dispatch(load_config(config_path))
    assert main(["etat", "--json", "--config", str(config_path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["courriels"] == {DRAFTED: 2}
    assert data["dernier_courriel_par_agent"]["300003"]["courriel"] == NOTE_NOT_SENT


def test_status_says_when_a_message_waiting_for_the_server_is_tried_again(processed, tmp_path, capsys):
    config_path = workspace(processed, tmp_path, smtp_settings(free_port()))
    dispatch(load_config(config_path))
    assert main(["etat", "--config", str(config_path)]) == 0
    out = capsys.readouterr().out
    assert "Courriels : en attente d'envoi : 2" in out
    assert out.count("nouvel essai à partir du ") == 2 and "connexion refusée" in out
