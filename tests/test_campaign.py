"""The campaign view (pipeline/campaign.py): one truth for ``etat``, the tracking workbook and
``relancer``.

One real workspace for the module, as a territorial HR officer has it on 6 December 2026: a csv
roster from the HR system with « date de convocation » and « date d'entretien » columns (the
invitations sent on time, one late, one undated), the evaluators' e-mails; reports generated
from it, filled as managers fill them and processed by the real pass: none returned yet for some
agents, one accepted at stage 1 on time, one whose communication is overdue, one waiting for the
agent's observations, one waiting for the authority's visa, one rejected.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import openpyxl
import pytest
import yaml

from pipeline import catalogue as cat
from pipeline.campaign import (CHASE_NO_REPORT, CHASE_REJECTION, FROM_REPORT, FROM_ROSTER, CampaignView,
                               chase_overdue, load_campaign_view)
from pipeline.catalogue import AGENT_PARTY, AUTHORITY_PARTY, EVALUATOR_PARTY
from pipeline.config import Config, load_config
from pipeline.deadlines import LATE, NOT_APPLICABLE, NOT_DATED, ON_TIME, OVERDUE, PENDING
from pipeline.filling import fill_report
from pipeline.generate import generate
from pipeline.mail.reminders import send_reminders
from pipeline.process import process_inbox
from pipeline.status import campaign_status
from pipeline.workbooks import rebuild_workbooks
from pipeline.template_build import build_all
from tests.conftest import ROSTER_HEADER, agent, settle, write_csv

TODAY = dt.date(2026, 12, 6)
RECEIVED = dt.date(2026, 11, 25)
GENERATED = dt.date(2026, 10, 1)
EMAIL = "courriel évaluateur"
SOPHIE, ALBERT = "sophie.durand@mairie.example", "albert.noir@mairie.example"
APPRAISAL = "appreciation_generale"  # the report is rejected without it


def on(day: str) -> dict[str, str]:
    return {"date d'entretien": day}


ROSTER = [
    # Nothing returned yet; invited 14 days ahead, as the roster says.
    agent("100001", "Martin", "Léa", **{"date de convocation": "02/11/2026", **on("16/11/2026"), EMAIL: SOPHIE}),
    # Accepted at stage 1, within every delay.
    agent("100002", "Bernard", "Paul", **{"date de convocation": "02/11/2026", **on("16/11/2026"), EMAIL: SOPHIE}),
    # Accepted at stage 1, never communicated to the agent: the 30 days passed on 19/11.
    agent("100003", "Petit", "Zoé", **{"date de convocation": "05/10/2026", **on("20/10/2026"), EMAIL: SOPHIE}),
    # Rejected (incomplete), correction due 15 days after receipt.
    agent("100004", "Durand", "Marc", **{"date de convocation": "02/11/2026", **on("16/11/2026"),
                                          "évaluateur": "Albert Noir", EMAIL: ALBERT}),
    # Interview still to come.
    agent("100005", "Roux", "Inès", **{"date de convocation": "01/12/2026", **on("15/12/2026"),
                                        "évaluateur": "Albert Noir", EMAIL: ALBERT}),
    # Invited 4 days before the interview: late; nothing returned.
    agent("100006", "Blanc", "Hugo", **{"date de convocation": "10/11/2026", **on("14/11/2026"),
                                         "évaluateur": "Albert Noir", EMAIL: ALBERT}),
    # No invitation date anywhere; the interview was held: nothing to say of the invitation.
    agent("100007", "Morel", "Jade", **{"date de convocation": "", **on("16/11/2026"), EMAIL: SOPHIE}),
    # Stage 1, communicated on 10/11: the agent's 15 days ended on 25/11.
    agent("100008", "Faure", "Noé", **{"date de convocation": "20/10/2026", **on("02/11/2026"), EMAIL: SOPHIE}),
    # Stage 2, acknowledged on 20/11: the authority's 10-day visa ended on 30/11. No e-mail.
    agent("100009", "Garnier", "Lou", **{"date de convocation": "15/10/2026", **on("26/10/2026")}),
]


@dataclass
class Workspace:
    config: Config
    view: CampaignView

    def agent(self, number: str):
        (found,) = [a for a in self.view.agents if a.number == number]
        return found

    def deadline(self, number: str, key: str):
        (found,) = [d for d in self.agent(number).deadlines if d.key == key]
        return found


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Workspace:
    base = tmp_path_factory.mktemp("campagne")
    write_csv(base / "agents.csv", ROSTER, header=[*ROSTER_HEADER, EMAIL])
    settings = {"liste_agents": "agents.csv", "fonction_publique": "territoriale", "delais": {"visa_jours": 10}}
    (base / "config.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    config = load_config(base / "config.yaml")
    build_all(config.catalogue, config.templates)  # the territorial form's own templates
    blanks = {p.name.split("_")[1]: p for p in generate(config, today=GENERATED).reports}
    inbox = config.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    catalogue = config.catalogue
    fill_report(blanks["100002"], inbox / "CR Bernard.docx", catalogue, stage=1, review=dt.date(2026, 11, 16))
    fill_report(blanks["100003"], inbox / "CR Petit.docx", catalogue, stage=1, review=dt.date(2026, 10, 20))
    fill_report(blanks["100004"], inbox / "CR Durand.docx", catalogue, stage=1, review=dt.date(2026, 11, 16),
                omit=(APPRAISAL,))
    fill_report(blanks["100008"], inbox / "CR Faure.docx", catalogue, stage=1, review=dt.date(2026, 11, 2),
                overrides={cat.COMMUNICATION_DATE: dt.date(2026, 11, 10)})
    fill_report(blanks["100009"], inbox / "CR Garnier.docx", catalogue, stage=2, review=dt.date(2026, 10, 26),
                overrides={cat.COMMUNICATION_DATE: dt.date(2026, 11, 5), cat.AGENT_ACK_DATE: dt.date(2026, 11, 20)})
    settle(inbox)
    outcomes = {h.received_name: h.outcome for h in process_inbox(config, received_on=RECEIVED).handled}
    assert outcomes == {"CR Bernard.docx": "accepted", "CR Petit.docx": "accepted", "CR Durand.docx": "rejected",
                        "CR Faure.docx": "accepted", "CR Garnier.docx": "accepted"}
    return Workspace(config, load_campaign_view(config, today=TODAY))


# -- the dates a step was done: the report's, else the roster's ------------------------------------


def test_an_invitation_dated_in_the_roster_was_sent_that_day(workspace):
    invitation = workspace.deadline("100001", "convocation")
    assert (invitation.due, invitation.done, invitation.done_from) == (
        dt.date(2026, 11, 8), dt.date(2026, 11, 2), FROM_ROSTER)
    assert invitation.state == ON_TIME == "respectée"
    interview = workspace.deadline("100001", "entretien")
    assert (interview.done, interview.state) == (dt.date(2026, 11, 16), ON_TIME)


def test_no_deadline_is_overdue_when_the_roster_or_the_report_shows_it_was_met(workspace):
    """The new user's campaign: invitations on time in the roster, interviews held."""
    for number in ("100001", "100002", "100003", "100004", "100007", "100008", "100009"):
        for key in ("convocation", "entretien"):
            assert workspace.deadline(number, key).state in (ON_TIME, NOT_DATED), (number, key)


def test_a_report_s_own_dates_come_first(workspace):
    invitation = workspace.deadline("100002", "convocation")
    assert (invitation.done, invitation.done_from, invitation.state) == (dt.date(2026, 11, 2), FROM_REPORT, ON_TIME)


def test_a_rejected_report_still_says_when_its_steps_were_done(workspace):
    """Marc's report was turned away; the interview it records still happened."""
    marc = workspace.agent("100004")
    assert marc.current is None and marc.rejection is not None
    interview = workspace.deadline("100004", "entretien")
    assert (interview.done, interview.done_from, interview.state) == (dt.date(2026, 11, 16), FROM_REPORT, ON_TIME)


def test_an_invitation_sent_too_late_is_late_by_its_days(workspace):
    invitation = workspace.deadline("100006", "convocation")
    assert (invitation.due, invitation.done, invitation.state, invitation.days_late) == (
        dt.date(2026, 11, 6), dt.date(2026, 11, 10), LATE, 4)
    assert workspace.agent("100006").days_late == 4


def test_an_undated_step_that_a_later_step_shows_done_is_never_overdue(workspace):
    invitation = workspace.deadline("100007", "convocation")
    assert (invitation.done, invitation.state, invitation.days_late) == (None, NOT_DATED, None)
    assert NOT_DATED == "effectuée, date non indiquée"


def test_a_planned_date_still_to_come_is_not_a_step_done(workspace):
    ines = workspace.agent("100005")
    interview = workspace.deadline("100005", "entretien")
    assert (interview.done, interview.state) == (None, PENDING)
    invitation = workspace.deadline("100005", "convocation")  # sent on 01/12, before today
    assert (invitation.done, invitation.state) == (dt.date(2026, 12, 1), ON_TIME)
    assert ines.chase is None and not ines.missed


def test_a_deadline_nothing_asks_for_does_not_apply(workspace):
    assert workspace.deadline("100002", "reponse_revision").state == NOT_APPLICABLE == "sans objet"
    assert workspace.deadline("100002", "revision").state == NOT_APPLICABLE


# -- whom to chase, why, by when -------------------------------------------------------------------


@pytest.mark.parametrize("number, reason, whom, due, days", [
    ("100001", CHASE_NO_REPORT, EVALUATOR_PARTY, dt.date(2026, 12, 16), None),  # communication due
    ("100006", CHASE_NO_REPORT, EVALUATOR_PARTY, dt.date(2026, 12, 14), None),
    ("100007", CHASE_NO_REPORT, EVALUATOR_PARTY, dt.date(2026, 12, 16), None),
])
def test_the_chase_of_a_report_not_accepted(workspace, number, reason, whom, due, days):
    chase = workspace.agent(number).chase
    assert (chase.reason, chase.whom, chase.due, chase.days_late) == (reason, whom, due, days)


def test_a_pending_rejection_is_chased_by_the_date_its_note_gives(workspace):
    """service_rh.delai_reponse_jours (15) after the day the journal received it; not before."""
    marc = workspace.agent("100004")
    due = marc.last_file.received + dt.timedelta(days=15)
    assert marc.rejection.due == due and marc.chase is None  # its note gives him until then
    for on, late in ((due, None), (due + dt.timedelta(days=1), 1)):
        (marc,) = [a for a in load_campaign_view(workspace.config, today=on).agents if a.number == "100004"]
        chase = marc.chase and (marc.chase.reason, marc.chase.whom, marc.chase.due, marc.chase.days_late)
        assert chase == (None if late is None else (CHASE_REJECTION, EVALUATOR_PARTY, due, late)), on


def test_a_step_overdue_is_chased_with_the_one_it_waits_for(workspace):
    zoe = workspace.agent("100003").chase  # communication: the evaluator's
    communication = workspace.deadline("100003", "communication")
    assert (zoe.reason, zoe.whom, zoe.due, zoe.days_late) == (
        chase_overdue(communication.label), EVALUATOR_PARTY, dt.date(2026, 11, 19), 17)
    noe = workspace.agent("100008").chase  # the agent's observations
    assert (noe.whom, noe.due, noe.days_late) == (AGENT_PARTY, dt.date(2026, 11, 25), 11)
    assert noe.reason == chase_overdue(workspace.deadline("100008", "observations").label)
    lou = workspace.agent("100009").chase  # the authority's visa
    assert (lou.whom, lou.due, lou.days_late) == (AUTHORITY_PARTY, dt.date(2026, 11, 30), 6)


def test_nobody_is_chased_when_nothing_is_due(workspace):
    assert workspace.agent("100002").chase is None
    # By evaluator, then in the roster's order.
    assert [a.number for a in workspace.view.chased()] == [
        "100006", "100001", "100003", "100007", "100008", "100009"]


# -- the three displays agree, agent by agent ------------------------------------------------------


def _sheet(path, name: str) -> list[dict[str, object]]:
    values = list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))
    return [dict(zip(values[0], row)) for row in values[1:]]


def _day(value) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


def test_etat_the_tracking_workbook_and_relancer_agree_on_every_agent(workspace):
    config = workspace.config
    status = campaign_status(config, today=TODAY)
    (tracking,) = [p for p in rebuild_workbooks(config, today=TODAY) if p.name == "suivi_campagne.xlsx"]
    plan = send_reminders(config, simulation=True, today=TODAY).plan
    number = config.catalogue.field(cat.AGENT_NUMBER).label

    said_by_status = {c["matricule"]: (c["motif"], c["qui"], c["echeance"], c["jours_de_retard"])
                      for c in status.chased}
    said_by_workbook = {r[number]: (r["Motif de relance"], r["À relancer"], _day(r["Échéance"]).isoformat(),
                                    r["Jours de retard"]) for r in _sheet(tracking, "Relances")}
    said_by_reminders = {a.number: (a.reason, a.due.isoformat()) for reminder in
                         (*plan.to_send, *plan.too_soon, *plan.no_address) for a in reminder.agents}
    assert said_by_status == said_by_workbook
    assert {n: (reason, due) for n, (reason, _, due, _) in said_by_status.items()} == said_by_reminders
    assert set(said_by_status) == {"100001", "100003", "100006", "100007", "100008", "100009"}

    # « Échéances » and ``etat`` list the same deadlines missed, with the same limits and states.
    detail = {r[number]: r for r in _sheet(tracking, "Échéances")}
    missed_in_workbook = set()
    for agent_number, row in detail.items():
        for header, value in row.items():
            if header.endswith(" : état") and value in ("en retard", "dépassée"):
                label = header.removesuffix(" : état")
                missed_in_workbook.add((agent_number, label, value, _day(row[f"{label} : échéance"]).isoformat()))
    missed_in_status = {(i["matricule"], i["echeance"], i["etat"], i["date_limite"]) for i in status.late}
    assert missed_in_workbook == missed_in_status
    assert {(n, state) for n, _, state, _ in missed_in_status} == {
        ("100003", OVERDUE), ("100006", LATE), ("100008", OVERDUE), ("100009", OVERDUE)}
    # « Suivi »'s next deadline of an agent, when overdue, is one ``etat`` says is missed, same limit.
    overdue_next = {(r[number], _day(r["Date limite"]).isoformat()) for r in _sheet(tracking, "Suivi")
                    if r["État de l'échéance"] == OVERDUE}
    assert overdue_next and overdue_next <= {(n, due) for n, _, state, due in missed_in_status if state == OVERDUE}


def test_etat_relances_and_relancer_agree_on_whom_else_and_the_last_reminder(workspace, tmp_path):
    """Once reminders were written (drafts, in a copy of the workspace): the N+2 reminded too, the
    first reminder about each step and the last reminder about each agent, the same in ``etat`` and
    «\u202fRelances\u202f»; ``relancer`` writes to the party ``etat`` names."""
    import shutil

    base = shutil.copytree(workspace.config.base_dir, tmp_path / "copie")
    config = load_config(base / "config.yaml")
    run = send_reminders(config, today=TODAY)
    assert run.queued
    status = campaign_status(config, today=TODAY)
    (tracking,) = [p for p in rebuild_workbooks(config, today=TODAY) if p.name == "suivi_campagne.xlsx"]
    number = config.catalogue.field(cat.AGENT_NUMBER).label
    said_by_status = {c["matricule"]: (c["n2"], c["premiere_relance"], c["derniere_relance"] and (
        f"{c['derniere_relance']['qui']} ({c['derniere_relance']['a']}) : {c['derniere_relance']['etat']}",
        c["derniere_relance"]["le"])) for c in status.chased}
    said_by_workbook = {r[number]: (r["N+2 relancé aussi"], r["Première relance de l'étape"] and _day(
        r["Première relance de l'étape"]).isoformat(), r["Dernière relance à"] and (
        r["Dernière relance à"], _day(r["Dernière relance le"]).isoformat())) for r in _sheet(tracking, "Relances")}
    assert said_by_status == said_by_workbook
    # Written to the evaluators (the agent and the authority have no address here: their evaluator, HR).
    reminded = {c["matricule"] for c in status.chased if c["derniere_relance"]}
    assert reminded == {"100001", "100003", "100006", "100007", "100008"}  # Marc's correction is not due
    assert {c["derniere_relance"]["qui"] for c in status.chased if c["derniere_relance"]} == {EVALUATOR_PARTY}
    assert all(c["premiere_relance"] == TODAY.isoformat() for c in status.chased if c["matricule"] in reminded)
    plan = send_reminders(config, simulation=True, today=TODAY).plan
    assert {a.number: r.party for r in plan.all for a in r.agents} == {
        **{n: EVALUATOR_PARTY for n in reminded}, "100009": AUTHORITY_PARTY}


def test_relancer_names_each_agent_s_due_date_as_etat_says_it(workspace, capsys):
    """The commands themselves, on the machine's day: whatever it is, they say the same."""
    from pipeline.cli import main

    config_path = str(workspace.config.base_dir / "config.yaml")
    assert main(["etat", "--json", "--config", config_path]) == 0
    chased = json.loads(capsys.readouterr().out)["a_relancer"]
    assert main(["relancer", "--simulation", "--config", config_path]) == 0
    printed = capsys.readouterr().out
    for item in chased:
        due = dt.date.fromisoformat(item["echeance"]).strftime("%d/%m/%Y") if item["echeance"] else None
        (line,) = [line for line in printed.splitlines() if f"(matricule {item['matricule']})" in line]
        assert item["motif"] in line
        assert (f"échéance : {due}" in line) if due else ("échéance" not in line)


def test_etat_counts_the_agents_to_chase_by_whom_and_says_where_the_detail_is(workspace, capsys):
    from pipeline.cli import main

    assert main(["etat", "--config", str(workspace.config.base_dir / "config.yaml")]) == 0
    printed = capsys.readouterr().out
    chased = campaign_status(workspace.config).chased
    whom = {item["qui"] for item in chased}
    (line,) = [line for line in printed.splitlines() if line.startswith("Agents à relancer")]
    assert line.startswith(f"Agents à relancer : {len(chased)} (")
    assert all(f"{who} : " in line for who in whom)
    assert "«\u202fentretiens relancer --simulation\u202f»" in line and "«\u202fRelances\u202f»" in line
