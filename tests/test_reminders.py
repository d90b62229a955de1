"""Clocks after the review (issue 29, items 3, 4 and 6): the evaluator, the agent, the authority and
the evaluator's N+2 each reminded at the right moment, from the campaign view, over a real SMTP
server (aiosmtpd on 127.0.0.1); the delegate getting the evaluator's messages and named on the form.

One real workspace for the module, a hospital campaign whose dates are all in the past: a roster
with the agents', evaluators', N+2's and delegate's addresses, reports generated from it, filled
as managers fill them and processed by the real pass (received on 5 October 2026), mail off. Each
test copies it, turns mail on and runs ``relancer`` on the days it needs («\u202ftoday\u202f»):

    400001 Léa MARTIN    stage 1, communicated on 01/10: her observations are due on 16/10
                         (15 days), so she is reminded from 11/10 (5 days before), Sophie in copy
    400002 Paul BERNARD  no report; interview on 15/09: Albert is reminded from that day (the
                         communication is due on 15/10); his N+2, Claire Petit, 14 days after
                         the first reminder if nothing came
    400003 Zoé PETIT     stage 2, acknowledged on 05/10: the visa is due on 15/10 (10 days)
    400004 Marc DURAND   stage 2, acknowledged on 01/10: the visa is due on 11/10
    400005 Inès ROUX     stage 3, visa on 01/10: the notification is due on 16/10 (15 days), by
                         the evaluator, Benoît Girard, whose delegate Céline Roux gets his messages
    400006 Hugo BLANC    rejected (incomplete), Benoît Girard's too: the note goes to Céline Roux
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import json
import os
import subprocess
import sys
from email import policy
from pathlib import Path

import openpyxl
import pytest
import yaml

from pipeline import catalogue as cat
from pipeline.campaign import CHASE_NO_REPORT, CHASE_REJECTION, chase_overdue, chase_soon, load_campaign_view
from pipeline.catalogue import AGENT_PARTY, AUTHORITY_PARTY, EVALUATOR_PARTY, MANAGER_PARTY
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.filling import ReportForm, fill_report
from pipeline.generate import generate
from pipeline.journal import (AGENT_REMINDER, AUTHORITY_REMINDER, CANCELLED, DRAFTED, FAILED, MANAGER_REMINDER,
                              REJECTION_NOTE, REMINDER, SENT, UNCERTAIN)
from pipeline.mail import dispatch
from pipeline.mail.reminders import send_reminders
from pipeline.mail.worker import MailWorker
from pipeline.outcomes import ConfigError
from pipeline.process import process_inbox
from pipeline.status import campaign_status
from pipeline.workbooks import rebuild_workbooks
from tests.conftest import REPO, ROSTER_HEADER, TEMPLATES, agent, settle, write_csv
from tests import mailkit
from tests.mailkit import Received, Recorder, Server, free_port, kill_once_kept, messages, parsed, run_rounds

SOPHIE, SOPHIE_MAIL = "Sophie Durand", "sophie.durand@chu.example"
ALBERT, ALBERT_MAIL = "Albert Noir", "albert.noir@chu.example"
CLAIRE, CLAIRE_MAIL = "Mme Claire Petit", "claire.petit@chu.example"  # Albert's N+2
BENOIT, BENOIT_MAIL = "Benoît Girard", "benoit.girard@chu.example"
CELINE, CELINE_MAIL = "Céline Roux", "celine.roux@chu.example"  # Benoît's delegate
LEA_MAIL = "lea.martin@chu.example"
AUTHORITY_MAIL = "direction@chu.example"
AUTHORITY = {"nom": "M. Jean Dupont", "titre": "directeur général", "courriel": f"Direction <{AUTHORITY_MAIL}>"}
COLUMNS = ["courriel évaluateur", "courriel agent", "civilité", "N+2", "courriel N+2", "évaluateur délégué",
           "courriel évaluateur délégué"]
RECEIVED = dt.date(2026, 10, 5)


def day(text: str) -> dt.date:
    """«\u202f16/10\u202f»: a day of October (or September) 2026."""
    d, m = text.split("/")
    return dt.date(2026, int(m), int(d))


def invited(interview: str) -> dict[str, str]:
    review = day(interview)
    return {"date d'entretien": review.strftime("%d/%m/%Y"),
            "date de convocation": (review - dt.timedelta(days=14)).strftime("%d/%m/%Y")}


SOPHIE_S = {"évaluateur": SOPHIE, "courriel évaluateur": SOPHIE_MAIL}
BENOIT_S = {"évaluateur": BENOIT, "courriel évaluateur": BENOIT_MAIL, "évaluateur délégué": CELINE,
            "courriel évaluateur délégué": CELINE_MAIL}
ROSTER = [
    agent("400001", "Martin", "Léa", **invited("15/09"), **SOPHIE_S, **{"courriel agent": LEA_MAIL,
                                                                     "civilité": "Madame"}),
    agent("400002", "Bernard", "Paul", **invited("15/09"), **{"évaluateur": ALBERT, "courriel évaluateur": ALBERT_MAIL,
                                                              "N+2": CLAIRE, "courriel N+2": CLAIRE_MAIL}),
    agent("400003", "Petit", "Zoé", **invited("10/09"), **SOPHIE_S),
    agent("400004", "Durand", "Marc", **invited("05/09"), **SOPHIE_S),
    agent("400005", "Roux", "Inès", **invited("01/09"), **BENOIT_S),
    agent("400006", "Blanc", "Hugo", **invited("15/09"), **BENOIT_S),
]
MAIL = {"mode": "brouillon", "expediteur": "Service RH <rh@chu.example>", "relances_jours": 7,
        "relances_agent_jours_avant": 5, "relances_n2_apres_jours": 14}


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    """The workspace after one pass with mail off (see the module's docstring)."""
    base = tmp_path_factory.mktemp("relances")
    write_csv(base / "agents.csv", ROSTER, header=[*ROSTER_HEADER, *COLUMNS])
    settings = {"liste_agents": "agents.csv", "dossiers": {"modeles": str(TEMPLATES)}, "courriel": {"mode": "aucun"},
                "delais": {"visa_jours": 10, "notification_jours": 15}, "autorite": AUTHORITY}
    (base / "config.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    config = load_config(base / "config.yaml")
    blanks = {p.name.split("_")[1]: p for p in generate(config, today=day("01/08")).reports}
    inbox = config.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    catalogue = config.catalogue
    dates = {
        "400001": (1, "15/09", {cat.COMMUNICATION_DATE: "01/10"}),
        "400003": (2, "10/09", {cat.COMMUNICATION_DATE: "20/09", cat.AGENT_ACK_DATE: "05/10"}),
        "400004": (2, "05/09", {cat.COMMUNICATION_DATE: "15/09", cat.AGENT_ACK_DATE: "01/10"}),
        "400005": (3, "01/09", {cat.COMMUNICATION_DATE: "10/09", cat.AGENT_ACK_DATE: "20/09", cat.VISA_DATE: "01/10"}),
    }
    for number, (stage, review, overrides) in dates.items():
        fill_report(blanks[number], inbox / f"CR {number}.docx", catalogue, stage=stage, review=day(review),
                    overrides={key: day(value) for key, value in overrides.items()})
    fill_report(blanks["400006"], inbox / "CR 400006.docx", catalogue, stage=1, review=day("15/09"),
                omit=("appreciation_generale",))
    settle(inbox)
    outcomes = {h.received_name: h.outcome for h in process_inbox(config, outputs=False, received_on=RECEIVED).handled}
    assert outcomes == {"CR 400001.docx": "accepted", "CR 400003.docx": "accepted", "CR 400004.docx": "accepted",
                        "CR 400005.docx": "accepted", "CR 400006.docx": "rejected"}
    return base


def workspace(processed: Path, tmp_path: Path, **mail) -> Path:
    """A copy of the processed workspace with ``courriel`` set to :data:`MAIL` and ``mail``; config.yaml."""
    return mailkit.workspace(processed, tmp_path, {**MAIL, **mail})


def smtp(port: int, wait: float = 5) -> dict:
    return {"mode": "envoi", "smtp": {"hote": "127.0.0.1", "port": port, "securite": "aucune", "delai_s": wait}}


def blank(config, number: str) -> Path:
    """The pre-filled report ``generer`` made for an agent."""
    (found,) = (config.outbox / "a_envoyer").glob(f"*_{number}_*compte rendu.docx")
    return found


def correction_due(config_path: Path, number: str) -> dt.date:
    """The day an agent's pending rejection is to be corrected by (the journal's day of receipt,
    the machine's, plus service_rh.delai_reponse_jours)."""
    (found,) = [a for a in load_campaign_view(load_config(config_path)).agents if a.number == number]
    return found.rejection.due


def relancer(config_path: Path, on: str, **options):
    return send_reminders(load_config(config_path), today=day(on), **options)


def planned(config_path: Path, on: str) -> dict[tuple[str, str], dict[str, object]]:
    """What ``relancer --simulation`` would send on a day: (party, address) -> agent number -> chase line."""
    plan = relancer(config_path, on, simulation=True).plan
    return {(r.party, r.address): {a.number: a for a in r.agents} for r in (*plan.to_send, *plan.too_soon)}


def by_kind(received: list, kind_subject: str) -> list:
    return [r for r in received if kind_subject in subject(r)]


def subject(received) -> str:
    """The subject as a mail client shows it (the library's folding unfolded)."""
    return " ".join(str(received.message["Subject"]).split())


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def to(received) -> list[str]:
    return [a.addr_spec for a in received.message["To"].addresses]


def copies(received) -> list[str]:
    return [a.addr_spec for a in received.message["Cc"].addresses] if received.message["Cc"] else []


# -- the right moment, party by party --------------------------------------------------------------


@pytest.mark.parametrize("party, address, number, before, first", [
    pytest.param(AGENT_PARTY, LEA_MAIL, "400001", "10/10", "11/10", id="agent-5-days-before-her-limit"),
    pytest.param(AUTHORITY_PARTY, AUTHORITY_MAIL, "400004", "11/10", "12/10", id="authority-the-day-after-the-visa-limit"),
    pytest.param(AUTHORITY_PARTY, AUTHORITY_MAIL, "400003", "15/10", "16/10", id="authority-another-visa"),
    pytest.param(EVALUATOR_PARTY, CELINE_MAIL, "400005", "16/10", "17/10", id="notification-by-the-evaluator-s-delegate"),
    pytest.param(EVALUATOR_PARTY, ALBERT_MAIL, "400002", "14/09", "15/09", id="evaluator-from-the-interview-on"),
])
def test_each_one_a_step_waits_for_is_reminded_from_its_day_and_not_the_day_before(
        processed, tmp_path, party, address, number, before, first):
    config_path = workspace(processed, tmp_path)
    assert number not in planned(config_path, before).get((party, address), {})
    assert number in planned(config_path, first)[(party, address)]


def test_the_agent_s_chase_says_her_limit_before_it_and_the_delay_passed_after_it(processed, tmp_path):
    config_path = workspace(processed, tmp_path)
    label = "Prise de connaissance par l'agent dans les 15 jours après la communication"
    for on, reason, late in (("11/10", chase_soon(label), None), ("16/10", chase_soon(label), None),
                             ("17/10", chase_overdue(label), 1)):
        lea = planned(config_path, on)[(AGENT_PARTY, LEA_MAIL)]["400001"]
        assert (lea.reason, lea.due, lea.days_late) == (reason, day("16/10"), late), on
    assert chase_soon(label).endswith(" : échéance proche")


def test_the_evaluator_s_chase_around_the_communication_limit(processed, tmp_path):
    """No report: Albert is chased from the interview on, due by the communication's limit, late after it."""
    config_path = workspace(processed, tmp_path)
    for on, late in (("14/10", None), ("15/10", None), ("16/10", 1)):
        paul = planned(config_path, on)[(EVALUATOR_PARTY, ALBERT_MAIL)]["400002"]
        assert (paul.reason, paul.due, paul.days_late) == (CHASE_NO_REPORT, day("15/10"), late), on


def test_with_the_evaluator_s_own_signature_delay_the_chase_is_due_by_it(processed, tmp_path):
    config_path = workspace(processed, tmp_path)
    settings = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    settings["delais"]["signature_evaluateur_jours"] = 5
    config_path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    for on, late in (("20/09", None), ("21/09", 1)):
        paul = planned(config_path, on)[(EVALUATOR_PARTY, ALBERT_MAIL)]["400002"]
        assert (paul.reason, paul.due, paul.days_late) == (CHASE_NO_REPORT, day("20/09"), late), on


def test_nobody_is_reminded_twice_within_the_interval_and_each_again_after_it(processed, tmp_path):
    handler = Recorder()
    with Server(handler) as server:
        config_path = workspace(processed, tmp_path, **smtp(server.port))
        first = relancer(config_path, "17/10")
        reached = sorted(address for r in handler.received for address in to(r))
        kinds = sorted(m.kind for m in messages(config_path) if m.kind != REJECTION_NOTE)
        assert kinds == sorted([REMINDER, REMINDER, AGENT_REMINDER, AUTHORITY_REMINDER])  # Albert, Céline, Léa, the authority
        assert len(first.queued) == 4
        count = len(handler.received)
        for on in ("17/10", "18/10", "23/10"):
            again = relancer(config_path, on)
            assert again.queued == [] and len(handler.received) == count, on
            assert {r.party for r in again.plan.too_soon} == {EVALUATOR_PARTY, AGENT_PARTY, AUTHORITY_PARTY}
        later = relancer(config_path, "24/10")
        assert len(later.queued) == 4 and len(handler.received) == count + 4
    assert set(reached) >= {ALBERT_MAIL, CELINE_MAIL, LEA_MAIL, AUTHORITY_MAIL}


def test_the_agent_gets_her_own_reminder_with_her_evaluator_in_copy(processed, tmp_path):
    handler = Recorder()
    with Server(handler) as server:
        config_path = workspace(processed, tmp_path, **smtp(server.port))
        relancer(config_path, "10/10")
        assert by_kind(handler.received, "vos observations") == []
        relancer(config_path, "11/10")
        (lea,) = by_kind(handler.received, "vos observations")
        assert lea.recipients == [LEA_MAIL, SOPHIE_MAIL]
        assert to(lea) == [LEA_MAIL] and copies(lea) == [SOPHIE_MAIL]
        assert subject(lea) == ("Entretien professionnel 2026 : vos observations sur le compte rendu, "
                                               "d'ici le 16/10/2026")
        said = " ".join(body(lea.message).split())
        assert said.startswith("Bonjour Madame,")
        assert "communiqué le jeudi 1er octobre 2026" in said and "jusqu'au vendredi 16 octobre 2026" in said
        assert f"le remettre à {SOPHIE}" in said
        assert "Appréciation" not in said  # nothing of the evaluation
        assert not any(SOPHIE_MAIL in to(r) for r in handler.received)  # Sophie owes nothing herself
        relancer(config_path, "18/10")  # 7 days later, her delay passed
        late = by_kind(handler.received, "votre compte rendu à signer")
        assert len(late) == 1 and "a pris fin le vendredi 16 octobre 2026" in " ".join(body(late[0].message).split())


def test_the_authority_gets_one_message_listing_every_visa_waiting_beyond_its_delay(processed, tmp_path):
    handler = Recorder()
    with Server(handler) as server:
        config_path = workspace(processed, tmp_path, **smtp(server.port))
        relancer(config_path, "16/10")
        (authority,) = [r for r in handler.received if AUTHORITY_MAIL in to(r)]
        assert authority.recipients == [AUTHORITY_MAIL]
        (addressed,) = authority.message["To"].addresses  # a name with an accent and a comma stays one address
        assert (addressed.display_name, addressed.addr_spec) == ("M. Jean Dupont, directeur général", AUTHORITY_MAIL)
        assert subject(authority) == ("Entretiens professionnels 2026 : 2 comptes rendus en attente "
                                                     "de votre visa")
        said = body(authority.message)
        assert said.startswith("Bonjour Monsieur,")
        visa = "Visa dans les 10 jours après la prise de connaissance par l'agent : dépassée"
        assert f"Zoé PETIT (matricule 400003) : {visa} – échéance : 15/10/2026" in said
        assert f"Marc DURAND (matricule 400004) : {visa} – échéance : 11/10/2026" in said
        for on in ("17/10", "22/10"):
            relancer(config_path, on)
        assert len([r for r in handler.received if AUTHORITY_MAIL in to(r)]) == 1
        relancer(config_path, "23/10")
        assert len([r for r in handler.received if AUTHORITY_MAIL in to(r)]) == 2


def test_the_n2_is_reminded_once_the_first_reminder_is_old_enough_and_the_step_still_undone(processed, tmp_path):
    handler = Recorder()
    with Server(handler) as server:
        config_path = workspace(processed, tmp_path, **smtp(server.port))
        relancer(config_path, "01/10")
        relancer(config_path, "08/10")
        assert len([r for r in handler.received if ALBERT_MAIL in to(r)]) == 2
        relancer(config_path, "14/10")  # 13 days after the first reminder
        assert not [r for r in handler.received if CLAIRE_MAIL in r.recipients]
        paul = next(a for a in load_campaign_view(load_config(config_path), today=day("14/10")).agents
                    if a.number == "400002")
        assert (paul.chase.first_reminder, paul.chase.escalated) == (day("01/10"), False)
        relancer(config_path, "15/10")  # 14 days: Albert again (7 days after 08/10), and Claire, on her own
        (claire,) = [r for r in handler.received if CLAIRE_MAIL in r.recipients]
        assert claire.recipients == [CLAIRE_MAIL] and to(claire) == [CLAIRE_MAIL]
        assert subject(claire) == ("Entretiens professionnels 2026 : 1 compte rendu en attente malgré "
                                                  "une relance")
        said = body(claire.message)
        assert said.startswith("Bonjour Madame,") and f"Évaluateur : {ALBERT}" in said
        assert ("Paul BERNARD (matricule 400002) : aucun compte rendu reçu – échéance : 15/10/2026 – relancé depuis "
                "le 01/10/2026") in said
        assert len([r for r in handler.received if ALBERT_MAIL in to(r)]) == 3
        paul = next(a for a in load_campaign_view(load_config(config_path), today=day("15/10")).agents
                    if a.number == "400002")
        assert paul.chase.escalated and paul.chase.parties == (EVALUATOR_PARTY, MANAGER_PARTY)
        assert (paul.last_reminder.party, paul.last_reminder.day) == (MANAGER_PARTY, day("15/10"))
        # Paul's report comes in: neither Albert nor Claire hears of him again.
        config = load_config(config_path)
        fill_report(blank(config, "400002"), config.inbox / "CR 400002.docx", config.catalogue, stage=1,
                    review=day("15/09"), overrides={cat.COMMUNICATION_DATE: day("16/10")})
        settle(config.inbox)
        process_inbox(config, outputs=False, received_on=day("16/10"))
        relancer(config_path, "29/10")  # Paul's 15 days end on 31/10; he has no address: Albert passes it on
    assert len([r for r in handler.received if CLAIRE_MAIL in r.recipients]) == 1
    latest = body([r for r in handler.received if ALBERT_MAIL in to(r)][-1].message)
    assert "aucun compte rendu reçu" not in latest
    assert "Paul BERNARD (matricule 400002) : Prise de connaissance par l'agent dans les 15 jours après la " \
           "communication : échéance proche – échéance : 31/10/2026" in latest


def test_a_reminder_queued_when_the_stage_moves_is_never_sent(processed, tmp_path):
    """GIVEN reminders queued on 11/10 while the server is down, Léa's among them
    WHEN her acknowledged report comes in THEN hers is cancelled, never sent; the others go."""
    config_path = workspace(processed, tmp_path, **smtp(free_port()))
    run = relancer(config_path, "11/10")
    queued = {m.recipient: m for m in messages(config_path) if m.kind != REJECTION_NOTE}
    assert set(queued) == {ALBERT_MAIL, LEA_MAIL} and len(run.queued) == 2  # Hugo's correction is not due yet
    config = load_config(config_path)
    fill_report(blank(config, "400001"), config.inbox / "CR 400001 v2.docx", config.catalogue, stage=2, review=day("15/09"),
                overrides={cat.COMMUNICATION_DATE: day("01/10"), cat.AGENT_ACK_DATE: day("12/10")})
    settle(config.inbox)
    process_inbox(config, outputs=False, received_on=day("12/10"))
    handler = Recorder()
    with Server(handler) as server:
        settings = yaml.safe_load(config_path.read_text(encoding="utf-8"))
        settings["courriel"]["smtp"]["port"] = server.port
        config_path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
        mail = dispatch(load_config(config_path), today=day("13/10"),
                        at=dt.datetime.now().astimezone() + dt.timedelta(hours=7))
    assert not any(LEA_MAIL in r.recipients for r in handler.received)
    assert {address for r in handler.received for address in to(r)} == {ALBERT_MAIL, CELINE_MAIL}  # and Hugo's note
    assert [to(r) for r in handler.received if "à suivre" in subject(r)] == [[ALBERT_MAIL]]
    stored = {m.recipient: m for m in messages(config_path) if m.kind != REJECTION_NOTE}
    assert stored[LEA_MAIL].status == CANCELLED and mail.delivery.cancelled == [stored[LEA_MAIL].message_id]
    assert "Courriels : " in mail.summary(load_config(config_path)) and "1 relance annulée" in mail.summary(
        load_config(config_path))
    # Her chase is over: nothing planned for her; the cancelled one throttles nothing.
    assert (AGENT_PARTY, LEA_MAIL) not in planned(config_path, "13/10")


def test_a_reminder_planned_again_after_its_stale_predecessor_goes_the_same_day(processed, tmp_path):
    """A reminder queued for two of Céline's agents, one of whose stage moves: the next ``relancer``
    cancels it and sends a new one for the other, the same day (once Hugo's correction is due)."""
    config_path = workspace(processed, tmp_path, **smtp(free_port()))
    on = correction_due(config_path, "400006") + dt.timedelta(days=1)
    send_reminders(load_config(config_path), today=on)
    (celine,) = [m for m in messages(config_path) if m.recipient == CELINE_MAIL and m.kind == REMINDER]
    config = load_config(config_path)
    fill_report(blank(config, "400005"), config.inbox / "CR 400005 v2.docx", config.catalogue, stage=4, review=day("01/09"),
                overrides={cat.COMMUNICATION_DATE: day("10/09"), cat.AGENT_ACK_DATE: day("20/09"),
                           cat.VISA_DATE: day("01/10"), cat.NOTIFICATION_DATE: day("16/10")})
    settle(config.inbox)
    process_inbox(config, outputs=False, received_on=on)
    handler = Recorder()
    with Server(handler) as server:
        settings = yaml.safe_load(config_path.read_text(encoding="utf-8"))
        settings["courriel"]["smtp"]["port"] = server.port
        config_path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
        run = send_reminders(load_config(config_path), today=on)
    assert run.cancelled == [celine.message_id]
    (again,) = [r for r in handler.received if CELINE_MAIL in to(r) and "à suivre" in subject(r)]
    assert "Hugo BLANC" in body(again.message) and "Inès ROUX" not in body(again.message)


# -- delegation --------------------------------------------------------------------------------------


def test_the_form_names_the_delegate_and_the_delegate_gets_the_evaluator_s_messages(processed, tmp_path):
    config_path = workspace(processed, tmp_path, mode="brouillon")
    config = load_config(config_path)
    form = ReportForm(blank(config, "400006"), config.catalogue)
    assert form.value_text(cat.EVALUATOR) == f"{CELINE}, par délégation de {BENOIT}"
    assert ReportForm(blank(config, "400001"), config.catalogue).value_text(cat.EVALUATOR) == SOPHIE
    dispatch(config)  # Hugo's rejection note
    # Hugo's correction, once its due date has passed, and Inès's notification
    send_reminders(config, today=correction_due(config_path, "400006") + dt.timedelta(days=1))
    stored = messages(config_path)
    assert not any(BENOIT_MAIL in m.recipient or BENOIT_MAIL in m.copies for m in stored)
    note = next(m for m in stored if m.kind == REJECTION_NOTE)
    reminder = next(m for m in stored if m.kind == REMINDER and m.recipient == CELINE_MAIL)
    assert note.recipient == CELINE_MAIL and note.status == DRAFTED
    drafted = email.message_from_bytes(Path(reminder.draft).read_bytes(), policy=policy.default)
    said = body(drafted)
    assert said.startswith("Bonjour,")
    assert "Hugo BLANC (matricule 400006) : rejet en attente d'une version corrigée" in said
    assert "Inès ROUX (matricule 400005) : Notification à l'agent dans les 15 jours après le visa : dépassée" in said
    assert f"par délégation de {BENOIT}" in said
    assert [a.addr_spec for a in drafted["To"].addresses] == [CELINE_MAIL]


# -- safe: never twice, one refusal stops nothing else ------------------------------------------------


class HoldingRecorder(Recorder):
    """Keeps every message; holds its answer (the message kept) only for a message to ``held``,
    the moment the deliverer is killed."""

    held: str = ""

    async def handle_DATA(self, server, session, envelope):
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed(envelope.content)))
        if envelope.rcpt_tos[0] == self.held and self.hold_data:
            self.kept.set()
            await asyncio.sleep(self.hold_data)
        return "250 Message accepted for delivery"


REMINDER_SCRIPT = """
import datetime as dt, sys
from pipeline.config import load_config
from pipeline.mail.reminders import send_reminders
send_reminders(load_config(sys.argv[1]), today=dt.date.fromisoformat(sys.argv[2]))
"""


@pytest.mark.parametrize("held", [LEA_MAIL, AUTHORITY_MAIL, CLAIRE_MAIL], ids=["agent", "authority", "n2"])
def test_a_kill_during_the_sending_of_any_reminder_duplicates_nothing(processed, tmp_path, held):
    handler = HoldingRecorder(hold_data=60)
    handler.held = held
    with Server(handler) as server:
        config_path = workspace(processed, tmp_path, **smtp(server.port, wait=120))
        if held == CLAIRE_MAIL:  # Albert's first reminder, 14 days before
            relancer(config_path, "02/10")
        on = "16/10"
        child = subprocess.Popen([sys.executable, "-c", REMINDER_SCRIPT, str(config_path), day(on).isoformat()],
                                 cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
        kill_once_kept(handler, child)
        run = dispatch(load_config(config_path), today=day(on))
        for _ in range(2):
            relancer(config_path, on)
            relancer(config_path, "17/10")
    ids = [r.message["Message-ID"] for r in handler.received]
    assert len(ids) == len(set(ids))  # nothing twice
    assert len([r for r in handler.received if held in r.recipients]) == 1
    stored = messages(config_path)
    (uncertain,) = [m for m in stored if m.status == UNCERTAIN]
    assert held in uncertain.recipient and Path(uncertain.draft).name.startswith("INCERTAIN ")
    assert any("peut-être été reçu" in p for p in run.problems)
    assert all(m.status in (SENT, UNCERTAIN) for m in stored)


def test_a_refused_address_fails_that_reminder_alone_and_a_refused_copy_only_itself(processed, tmp_path):
    refused = "550 5.1.1 <{}>: Recipient address rejected: User unknown"
    handler = Recorder(rcpt_replies={LEA_MAIL: refused.format(LEA_MAIL), CLAIRE_MAIL: refused.format(CLAIRE_MAIL)})
    with Server(handler) as server:
        config_path = workspace(processed, tmp_path, **smtp(server.port))
        relancer(config_path, "01/10")
        run = relancer(config_path, "17/10")  # Inès's notification overdue: Céline
    stored = {(m.kind, m.recipient): m for m in messages(config_path)}
    assert stored[(AGENT_REMINDER, LEA_MAIL)].status == FAILED
    assert stored[(MANAGER_REMINDER, CLAIRE_MAIL)].status == FAILED
    assert stored[(AUTHORITY_REMINDER, AUTHORITY_MAIL)].status == SENT
    assert stored[(REMINDER, ALBERT_MAIL)].status == SENT and stored[(REMINDER, CELINE_MAIL)].status == SENT
    said = " ".join(run.mail.problems)
    assert "colonne «\u202fcourriel agent\u202f»" in said and "colonne «\u202fcourriel N+2\u202f»" in said
    # A refused copy: the agent still gets hers.
    handler = Recorder(rcpt_replies={SOPHIE_MAIL: refused.format(SOPHIE_MAIL)})
    with Server(handler) as server:
        config_path = workspace(processed, tmp_path / "copie", **smtp(server.port))
        run = relancer(config_path, "11/10")
    (lea,) = [r for r in handler.received if LEA_MAIL in r.recipients]
    assert lea.recipients == [LEA_MAIL]
    assert any(SOPHIE_MAIL in p and "sauf à une adresse refusée" in p for p in run.mail.problems)
    assert next(m for m in messages(config_path) if m.recipient == LEA_MAIL).status == SENT


# -- visible: etat, « Relances » and relancer agree -----------------------------------------------------


def _sheet(path, name: str) -> list[dict[str, object]]:
    values = list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))
    return [dict(zip(values[0], row)) for row in values[1:]]


def _day(value) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


def test_etat_the_relances_sheet_and_relancer_say_the_same_whom_and_last_reminder(processed, tmp_path):
    config_path = workspace(processed, tmp_path, mode="brouillon")
    for on in ("01/10", "11/10", "16/10"):
        relancer(config_path, on)
    config, on = load_config(config_path), day("17/10")
    status = campaign_status(config, today=on)
    (tracking,) = [p for p in rebuild_workbooks(config, today=on) if p.name == "suivi_campagne.xlsx"]
    plan = send_reminders(config, simulation=True, today=on).plan
    number = config.catalogue.field(cat.AGENT_NUMBER).label

    by_status = {c["matricule"]: (c["qui"], c["n2"], c["premiere_relance"],
                                  c["derniere_relance"] and (c["derniere_relance"]["qui"], c["derniere_relance"]["le"]))
                 for c in status.chased}
    by_sheet = {r[number]: (r["À relancer"], r["N+2 relancé aussi"], r["Première relance de l'étape"] and
                            _day(r["Première relance de l'étape"]).isoformat(),
                            r["Dernière relance à"] and (r["Dernière relance à"].split(" (")[0],
                                                         _day(r["Dernière relance le"]).isoformat()))
                for r in _sheet(tracking, "Relances")}
    assert by_status == by_sheet
    assert by_status["400002"] == (EVALUATOR_PARTY, CLAIRE, "2026-10-01", (MANAGER_PARTY, "2026-10-16"))
    assert by_status["400001"] == (AGENT_PARTY, None, "2026-10-11", (AGENT_PARTY, "2026-10-11"))
    assert by_status["400004"][:2] == (AUTHORITY_PARTY, None)
    # relancer: each agent goes to the party etat says, and to the N+2 when etat names one.
    parties: dict[str, set[str]] = {}
    for reminder in plan.all:
        for chased in reminder.agents:
            parties.setdefault(chased.number, set()).add(reminder.party)
    assert parties == {n: {qui} | ({MANAGER_PARTY} if n2 else set()) for n, (qui, n2, _, _) in by_status.items()}
    reasons = {a.number: (a.reason, a.due) for r in plan.all for a in r.agents}
    assert reasons == {c["matricule"]: (c["motif"], dt.date.fromisoformat(c["echeance"])) for c in status.chased}


def test_relancer_prints_per_recipient_what_it_did(processed, tmp_path, capsys):
    """The command itself, on the machine's day (after every limit of this campaign)."""
    handler = Recorder()
    with Server(handler) as server:
        config_path = workspace(processed, tmp_path, **smtp(server.port))
        assert main(["relancer", "--simulation", "--config", str(config_path)]) == 0
        simulated = capsys.readouterr().out
        assert main(["relancer", "--config", str(config_path)]) == 0
        printed = capsys.readouterr().out
    assert f"Relance à l'agent Léa MARTIN <{LEA_MAIL}>, copie à <{SOPHIE_MAIL}> serait envoyée : 1 agent" in simulated
    assert f"Relance à l'agent Léa MARTIN <{LEA_MAIL}>, copie à <{SOPHIE_MAIL}> (envoyé) : 1 agent" in printed
    assert f"Relance à l'autorité M. Jean Dupont, directeur général <{AUTHORITY_MAIL}> (envoyé) : 2 agents" in printed
    # Inès's notification; not Hugo's rejection: its note goes today, its correction is not due
    assert f"Relance à {CELINE} <{CELINE_MAIL}> (envoyé) : 1 agent" in printed
    assert f"Relance à {ALBERT} <{ALBERT_MAIL}> (envoyé) : 1 agent" in printed
    assert main(["etat", "--json", "--config", str(config_path)]) == 0
    chased = {c["matricule"]: c for c in json.loads(capsys.readouterr().out)["a_relancer"]}
    assert chased["400001"]["derniere_relance"]["qui"] == AGENT_PARTY
    assert chased["400001"]["derniere_relance"]["a"] == LEA_MAIL


def test_relancer_says_whom_it_could_not_reach(processed, tmp_path, capsys):
    config_path = workspace(processed, tmp_path, mode="brouillon")
    settings = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    del settings["autorite"]["courriel"]
    config_path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    assert main(["relancer", "--simulation", "--config", str(config_path)]) == 0
    out = capsys.readouterr().out
    assert ("Pas de relance pour l'autorité M. Jean Dupont, directeur général : adresse inconnue (autorite.courriel "
            "dans config.yaml) ; 2 agents à relancer par un autre moyen :") in out


# -- the watcher, the configuration ----------------------------------------------------------------------


def test_the_watcher_s_mail_thread_reminds_every_party_once_a_day(processed, tmp_path):
    config = load_config(workspace(processed, tmp_path, mode="brouillon", relances_automatiques=True))
    worker = MailWorker(config, every=3600).start()
    run_rounds(worker, 2)
    worker.stop()
    kinds = sorted(m.kind for m in messages(config.base_dir / "config.yaml") if m.kind != REJECTION_NOTE)
    assert kinds == sorted([REMINDER, REMINDER, AGENT_REMINDER, AUTHORITY_REMINDER])


@pytest.mark.parametrize("settings, expected", [
    ({"autorite": {"courriel": "direction@chu"}}, "autorite.courriel"),
    ({"courriel": {"relances_agent_jours_avant": -1}}, "relances_agent_jours_avant"),
    ({"delais": {"notification_jours": "quinze"}}, "notification_jours"),
])
def test_reminder_settings_mistakes_are_said_at_start(tmp_path, settings, expected):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert expected in caught.value.message


def test_the_authority_section_config_yaml_shows_commented_loads_once_uncommented(tmp_path):
    lines = (REPO / "config.yaml").read_text(encoding="utf-8").splitlines()
    start = lines.index("# autorite:")
    block = [line[2:] for line in lines[start:start + 4]]
    (tmp_path / "config.yaml").write_text("\n".join(block) + "\n", encoding="utf-8")
    authority = load_config(tmp_path / "config.yaml").authority
    assert (authority.name, authority.title, authority.email) == ("M. Jean Dupont", "directeur général",
                                                                  "direction@exemple.fr")


# -- when a chase starts: an interview never dated, a rejection just noted ------------------------------

# A second workspace (a hospital campaign whose interviews are due by 15/01/2027, the reports back
# to HR by 15/02/2027), mail in drafts from the start, so each rejection note goes out the day its
# file comes (the journal's day, the machine's: the pass's ``received_on`` only dates the checks):
#
#     700001 Léa MARTIN    no interview date, no invitation date (Sophie)
#     700002 Paul BERNARD  invited on 01/12/2026, no interview date (Albert)
#     700003 Zoé PETIT     no interview date (Albert)
#     700004 Marc DURAND   interview on 20/12/2026, nothing sent (Sophie)
#     700005 Inès ROUX     rejected (incomplete), nothing accepted (Sophie)
#     700006 Hugo BLANC    accepted at stage 1, then a stage-2 version rejected (Albert)
CAMPAIGN_LIMIT, RETURN_LIMIT = dt.date(2027, 1, 15), dt.date(2027, 2, 15)
UNDATED = ("700001", "700002", "700003")
NOTED = ("700005", "700006")
NO_DATES = {"date de convocation": "", "date d'entretien": ""}
ALBERT_S = {"évaluateur": ALBERT, "courriel évaluateur": ALBERT_MAIL}
UNPLANNED_ROSTER = [
    agent("700001", "Martin", "Léa", **NO_DATES, **SOPHIE_S),
    agent("700002", "Bernard", "Paul", **{**NO_DATES, "date de convocation": "01/12/2026"}, **ALBERT_S),
    agent("700003", "Petit", "Zoé", **NO_DATES, **ALBERT_S),
    agent("700004", "Durand", "Marc", **{"date de convocation": "01/12/2026", "date d'entretien": "20/12/2026"},
          **SOPHIE_S),
    agent("700005", "Roux", "Inès", **invited("10/11"), **SOPHIE_S),
    agent("700006", "Blanc", "Hugo", **invited("02/11"), **ALBERT_S),
]


@pytest.fixture(scope="module")
def unplanned(tmp_path_factory) -> Path:
    """The second workspace, processed (see above)."""
    base = tmp_path_factory.mktemp("relances_dates")
    write_csv(base / "agents.csv", UNPLANNED_ROSTER, header=[*ROSTER_HEADER, "courriel évaluateur"])
    settings = {"liste_agents": "agents.csv", "dossiers": {"modeles": str(TEMPLATES)},
                "campagne": {"date_limite_entretiens": "15/01/2027", "date_retour_rh": "15/02/2027"},
                "courriel": {**MAIL, "mode": "brouillon"}}
    (base / "config.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    config = load_config(base / "config.yaml")
    blanks = {p.name.split("_")[1]: p for p in generate(config, today=day("01/10")).reports}
    inbox, catalogue = config.inbox, config.catalogue
    inbox.mkdir(parents=True, exist_ok=True)
    after_them = dt.date(2027, 2, 1)  # after every date the reports carry

    def process(*files: tuple[str, int, str, dict, tuple]) -> dict[str, str]:
        for number, stage, review, overrides, omit in files:
            fill_report(blanks[number], inbox / f"CR {number} étape {stage}.docx", catalogue, stage=stage,
                        review=day(review), overrides={k: day(v) for k, v in overrides.items()}, omit=omit)
        settle(inbox)
        return {h.received_name: h.outcome for h in process_inbox(load_config(base / "config.yaml"),
                                                                   received_on=after_them).handled}

    incomplete = ("appreciation_generale",)
    assert process(("700005", 1, "10/11", {}, incomplete),
                   ("700006", 1, "02/11", {cat.COMMUNICATION_DATE: "10/11"}, ())) == {
        "CR 700005 étape 1.docx": "rejected", "CR 700006 étape 1.docx": "accepted"}
    assert process(("700006", 2, "02/11", {cat.COMMUNICATION_DATE: "10/11", cat.AGENT_ACK_DATE: "20/11"},
                    incomplete)) == {"CR 700006 étape 2.docx": "rejected"}
    return base


def chased_on(config_path: Path, on: dt.date) -> dict[str, tuple]:
    """Agent number -> (reason, whom, due, days late) of the view's chase on a day, for each agent
    chased; checked against what ``etat`` and ``relancer --simulation`` say that day."""
    config = load_config(config_path)
    view = load_campaign_view(config, today=on)
    chased = {a.number: (a.chase.reason, a.chase.whom, a.chase.due, a.chase.days_late)
              for a in view.agents if a.chase is not None}
    said = {c["matricule"]: (c["motif"], c["qui"], c["echeance"] and dt.date.fromisoformat(c["echeance"]),
                             c["jours_de_retard"] or None) for c in campaign_status(config, today=on).chased}
    assert said == chased, on
    plan = send_reminders(config, simulation=True, today=on).plan
    listed = {a.number: (a.reason, r.party, a.due, a.days_late) for r in plan.all for a in r.agents}
    assert listed == chased, on
    return chased


def test_without_an_interview_date_no_report_is_chased_only_once_the_campaign_s_limit_has_passed(unplanned, tmp_path):
    """No interview date anywhere (the invitation's alone says nothing of it): nothing says the
    report is due before the campaign's limit for the interviews; after it, the evaluator is chased,
    due by that limit. An interview dated in the roster is chased from that day, as ever."""
    config_path = workspace(unplanned, tmp_path, mode="brouillon")
    for on in (day("01/10"), day("07/12"), dt.date(2027, 1, 14), CAMPAIGN_LIMIT):
        chased = chased_on(config_path, on)
        assert not set(UNDATED) & set(chased), on
    assert "700004" not in chased_on(config_path, day("19/12"))
    assert chased_on(config_path, day("20/12"))["700004"][:3] == (CHASE_NO_REPORT, EVALUATOR_PARTY,
                                                                 dt.date(2027, 1, 19))  # communication
    for on, late in ((CAMPAIGN_LIMIT + dt.timedelta(days=1), 1), (RETURN_LIMIT + dt.timedelta(days=1), 32)):
        chased = chased_on(config_path, on)
        for number in UNDATED:
            assert chased[number] == (CHASE_NO_REPORT, EVALUATOR_PARTY, CAMPAIGN_LIMIT, late), (number, on)
    reminded = {(r.party, r.address): sorted(a.number for a in r.agents if a.number in UNDATED)
                for r in send_reminders(load_config(config_path), simulation=True,
                                        today=CAMPAIGN_LIMIT + dt.timedelta(days=1)).plan.to_send}
    assert reminded[(EVALUATOR_PARTY, SOPHIE_MAIL)] == ["700001"]
    assert reminded[(EVALUATOR_PARTY, ALBERT_MAIL)] == ["700002", "700003"]


def note_day(config_path: Path, number: str) -> dt.date:
    """The day the rejection note of the agent's last file went out (drafted)."""
    view = load_campaign_view(load_config(config_path))
    (agent,) = [a for a in view.agents if a.number == number]
    (note,) = [m for m in messages(config_path, REJECTION_NOTE) if m.file_id == agent.last_file.file_id]
    assert note.status == DRAFTED
    return dt.datetime.fromisoformat(note.created_at).date()


@pytest.mark.parametrize("answer_days", [15, 3, 1])
def test_a_rejection_is_chased_once_its_correction_is_due_never_the_day_its_note_goes_out(
        unplanned, tmp_path, answer_days):
    """The note gives the evaluator service_rh.delai_reponse_jours to send a corrected report: no
    reminder about it the day it goes out, nor before that delay has passed; then one, due that day."""
    config_path = workspace(unplanned, tmp_path, mode="brouillon")
    settings = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    settings["service_rh"] = {"delai_reponse_jours": answer_days}
    config_path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    for number in NOTED:
        noted = note_day(config_path, number)
        due = noted + dt.timedelta(days=answer_days)
        for on in sorted({noted, noted + dt.timedelta(days=1), due - dt.timedelta(days=1), due}):
            assert number not in chased_on(config_path, on), (number, on)
        for late in (1, 10):
            assert chased_on(config_path, due + dt.timedelta(days=late))[number] == (
                CHASE_REJECTION, EVALUATOR_PARTY, due, late), number
