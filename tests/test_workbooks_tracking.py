"""The campaign tracking's lateness and chasing (suivi_campagne.xlsx), as the campaign view
(pipeline/campaign.py) gives them.

One real workspace for the module: a csv roster with the evaluators' e-mails, reports
generated from it, filled as people fill them, processed by the real ``process`` pass (a
report rejected then corrected, another accepted then sent again incomplete); the workbook
rebuilt before the campaign's due dates and after them, and opened with openpyxl.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import openpyxl
import pytest
import yaml

from pipeline import catalogue as cat
from pipeline.catalogue import DEFAULT
from pipeline.config import Config, load_config
from pipeline.filling import fill_report
from pipeline.generate import generate
from pipeline.campaign import CHASE_NO_REPORT, CHASE_REJECTION, REJECTION_RESOLVED, campaign_view, chase_overdue
from pipeline.journal import Journal
from pipeline.outcomes import Outcome
from pipeline.process import process_inbox
from pipeline.records import ReportContent
from pipeline.workbooks import rebuild_workbooks
from pipeline.workbooks.tracking import relance_rows, tracking_rows
from tests.conftest import RECEIVED, ROSTER_HEADER, TEMPLATES, agent, settle, write_csv

BEFORE = dt.date(2026, 12, 1)  # before every due date of the campaign
AFTER = dt.date(2027, 3, 1)  # after them all
GENERATED = dt.date(2026, 11, 2)
REVIEW = dt.date(2026, 12, 14)  # the roster's review date (conftest.agent)
NUMBER, LAST_NAME, FIRST_NAME, SERVICE, EVALUATOR = (
    DEFAULT.field(k).label for k in (cat.AGENT_NUMBER, cat.LAST_NAME, cat.FIRST_NAME, cat.SERVICE, cat.EVALUATOR))
APPRAISAL = DEFAULT.field("appreciation_generale")  # the report is rejected without it
SOPHIE, ALBERT = "Sophie Durand", "Albert Noir"
SOPHIE_MAIL, ALBERT_MAIL = "sophie.durand@chu.example", "albert.noir@chu.example"
EMAIL = "courriel évaluateur"  # the roster's column

STAGE_ONE = agent("200001", "Martin", "Léa", service="Urgences", **{EMAIL: SOPHIE_MAIL})  # communication overdue
NOTHING = agent("200002", "Bernard", "Paul", service="Accueil", **{"évaluateur": ALBERT, EMAIL: ALBERT_MAIL})
FILED = agent("200003", "Petit", "Zoé", service="Pharmacie", **{EMAIL: SOPHIE_MAIL})  # final stage
CORRECTED = agent("200004", "Durand", "Marc", service="Urgences", **{EMAIL: SOPHIE_MAIL})  # rejected, then accepted
RESENT = agent("200005", "Roux", "Inès", service="Cardiologie")  # accepted, then a rejected version; no e-mail
ROSTER = [STAGE_ONE, NOTHING, FILED, CORRECTED, RESENT]


@dataclass
class Tracking:
    config: Config
    before: openpyxl.Workbook  # rebuilt on BEFORE
    after: openpyxl.Workbook  # rebuilt on AFTER

    def rows(self, when: str, sheet: str = "Suivi") -> list[dict[str, object]]:
        values = list(getattr(self, when)[sheet].iter_rows(values_only=True))
        return [dict(zip(values[0], row)) for row in values[1:]]

    def agent(self, when: str, number: str) -> dict[str, object]:
        (row,) = [r for r in self.rows(when) if r[NUMBER] == number]
        return row

    def deadlines(self, when: str, number: str) -> dict[str, object]:
        """The agent's row of « Échéances »: each deadline's limit and state."""
        (row,) = [r for r in self.rows(when, "Échéances") if r[NUMBER] == number]
        return row


def state(row: dict[str, object], key: str) -> object:
    """The state of the deadline whose label starts with ``key`` (a row of « Échéances »)."""
    (header,) = [h for h in row if h.startswith(key) and h.endswith(" : état")]
    return row[header]


def process(config: Config) -> dict[str, str]:
    """One pass taking its files as received on RECEIVED; the journal's receipt times moved to that day
    too (it records the machine's), so that every date counted from a receipt (a correction's due
    date) is the same whatever day the suite runs."""
    settle(config.inbox)
    done = {o.received_name: o.outcome for o in process_inbox(config, received_on=RECEIVED).handled}
    with Journal(config.state_dir) as journal:
        for file_id, received_at in journal.db.execute("SELECT id, received_at FROM files").fetchall():
            moved = dt.datetime.combine(RECEIVED, dt.datetime.fromisoformat(received_at).timetz())
            journal.db.execute("UPDATE files SET received_at=? WHERE id=?", (moved.isoformat(), file_id))
    return done


@pytest.fixture(scope="module")
def tracking(tmp_path_factory) -> Tracking:
    """GIVEN five roster agents: one at stage 1 (its report never communicated), one who sent
    nothing, one filed at the final stage, one rejected then corrected, one accepted then sent
    again incomplete WHEN the tracking is rebuilt before the due dates and after them THEN
    (see the tests)."""
    base = tmp_path_factory.mktemp("tracking")
    write_csv(base / "agents.csv", ROSTER, header=[*ROSTER_HEADER, EMAIL])
    settings = {"liste_agents": "agents.csv", "dossiers": {"modeles": str(TEMPLATES)}}
    (base / "config.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    config = load_config(base / "config.yaml")
    blanks = {p.name.split("_")[1]: p for p in generate(config, today=GENERATED).reports}
    inbox = config.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    fill_report(blanks["200001"], inbox / "CR Martin.docx", DEFAULT, stage=1)
    fill_report(blanks["200003"], inbox / "CR Petit.docx", DEFAULT, stage=4)
    fill_report(blanks["200004"], inbox / "CR Durand.docx", DEFAULT, stage=2, omit=(APPRAISAL.key,))
    fill_report(blanks["200005"], inbox / "CR Roux.docx", DEFAULT, stage=4)
    assert process(config) == {"CR Martin.docx": "accepted", "CR Petit.docx": "accepted",
                               "CR Durand.docx": "rejected", "CR Roux.docx": "accepted"}
    fill_report(blanks["200004"], inbox / "CR Durand corrigé.docx", DEFAULT, stage=4)
    fill_report(blanks["200005"], inbox / "CR Roux v2.docx", DEFAULT, stage=4, omit=(APPRAISAL.key,))
    assert process(config) == {"CR Durand corrigé.docx": "accepted", "CR Roux v2.docx": "rejected"}
    path = config.outbox / "suivi_campagne.xlsx"
    rebuild_workbooks(config, today=BEFORE)
    before = openpyxl.load_workbook(path)
    rebuild_workbooks(config, today=AFTER)
    return Tracking(config, before, openpyxl.load_workbook(path))


# -- days late ------------------------------------------------------------------------------------


def test_days_late_of_an_agent_without_report_count_from_the_oldest_step_still_open(tracking):
    paul = tracking.deadlines("after", "200002")
    assert state(paul, "Convocation") == "respectée"  # the roster's invitation date, passed: sent that day
    communication_due = REVIEW + dt.timedelta(days=30)
    assert state(paul, "Communication") == "dépassée"
    assert tracking.agent("after", "200002")["Jours de retard"] == (AFTER - communication_due).days == 47


def test_days_late_of_a_stage_not_done_count_from_its_due_date(tracking):
    assert state(tracking.deadlines("after", "200001"), "Communication") == "dépassée"
    communication_due = REVIEW + dt.timedelta(days=30)
    lea = tracking.agent("after", "200001")
    assert lea["Jours de retard"] == (AFTER - communication_due).days == 47
    # « Suivi » names it as her next deadline, with that limit and whom it waits for.
    assert (lea["Prochaine échéance"], lea["Date limite"], lea["État de l'échéance"], lea["En attente de"]) == (
        "Communication du compte rendu", dt.datetime.combine(communication_due, dt.time()), "dépassée", "évaluateur")


def test_days_late_are_blank_when_nothing_is_late(tracking):
    zoe = tracking.agent("after", "200003")
    assert zoe["Alertes de délai"] == 0 and zoe["Jours de retard"] is None
    assert all(r["Jours de retard"] is None for r in tracking.rows("before"))


def test_days_late_agree_with_the_alerts(tracking):
    for row in tracking.rows("after"):
        assert (row["Jours de retard"] is None) == (row["Alertes de délai"] == 0), row[NUMBER]


# -- a deadline that cannot be judged yet ---------------------------------------------------------


def test_an_agent_without_report_has_nothing_met_before_the_due_dates(tracking):
    paul = tracking.deadlines("before", "200002")
    assert state(paul, "Entretien avant la date limite") == "à venir"
    assert state(paul, "Convocation") == "à venir"
    assert "respectée" not in paul.values()
    # His next deadline: the invitation, 8 days before the roster's interview, still to come.
    suivi = tracking.agent("before", "200002")
    assert (suivi["Prochaine échéance"], suivi["Date limite"], suivi["État de l'échéance"],
            suivi["En attente de"]) == ("Convocation", dt.datetime(2026, 12, 6), "à venir", "évaluateur")


def test_an_agent_without_report_has_the_roster_s_dates_done_once_past_and_the_rest_overdue(tracking):
    paul = tracking.deadlines("after", "200002")
    assert state(paul, "Entretien avant la date limite") == "respectée"  # held on the roster's day
    assert state(paul, "Communication") == state(paul, "Retour du compte rendu") == "dépassée"


def test_a_report_s_own_dates_are_judged_once_they_are_past(tracking):
    zoe = tracking.deadlines("after", "200003")
    assert state(zoe, "Convocation") == "respectée"
    assert state(zoe, "Entretien avant la date limite") == "respectée"
    # A report's dates are what happened, whatever day the tracking is rebuilt on (they were checked
    # against the day it was received); the roster's are a plan until their day comes.
    early = tracking.deadlines("before", "200003")
    assert state(early, "Entretien avant la date limite") == "respectée"


# -- rejections -----------------------------------------------------------------------------------


def test_a_rejection_followed_by_an_accepted_version_is_not_pending(tracking):
    marc = tracking.agent("after", "200004")
    assert marc["Dernier fichier reçu"] == "CR Durand corrigé.docx"
    assert marc["Résultat du dernier fichier"] == "accepté" and marc["Motifs du rejet"] is None
    assert "200004" not in [r[NUMBER] for r in tracking.rows("after", "Relances")]


def test_a_rejection_after_an_accepted_version_is_pending(tracking):
    ines = tracking.agent("after", "200005")
    assert ines["Étape"] == 4  # the accepted version stays the report
    assert ines["Dernier fichier reçu"] == "CR Roux v2.docx"
    assert ines["Résultat du dernier fichier"] == "rejeté"
    assert APPRAISAL.label in ines["Motifs du rejet"]
    (chase,) = [r for r in tracking.rows("after", "Relances") if r[NUMBER] == "200005"]
    assert chase["Motif de relance"] == CHASE_REJECTION == "rejet en attente d'une version corrigée"


def journal_with(tmp_path, *files: tuple[str, str, Outcome, dt.datetime]):
    """A journal holding ``files`` (agent number, name, outcome, received at), in that order, each
    read as a report of that agent, with ``evaluator`` as its evaluator when given."""
    journal = Journal(tmp_path)
    for number, name, outcome, received, *evaluator in files:
        row = journal.claim(f"w{name}", name, name.ljust(64, "0"), 1)
        content = ReportContent(fields={cat.AGENT_NUMBER: number, cat.LAST_NAME: "Hors",
                                        cat.EVALUATOR: evaluator[0] if evaluator else ""},
                                dates={cat.REVIEW_DATE: REVIEW})
        findings = [] if outcome == Outcome.ACCEPTED else [
            {"code": "champ_manquant", "severity": "erreur", "label": "", "message": "Champ manquant"}]
        journal.plan(row.id, outcome=outcome, reason_code=None, destination=f"/out/{name}", note=None,
                     previous_move=None, report_id=f"2026-{number}", campaign="2026", agent_number=number,
                     stage=4 if outcome == Outcome.ACCEPTED else None, content=content, findings=findings)
        journal.finish(journal.file(row.id))
        journal.db.execute("UPDATE files SET received_at=? WHERE id=?", (received.isoformat(), row.id))
    return journal


def test_a_rejected_last_file_older_than_the_accepted_version_is_shown_resolved(tracking, tmp_path):
    """The journal's last file is the newest one; should a rejected file still come before the
    accepted version in time (a clock set back), the received times decide."""
    with journal_with(tmp_path / "a", ("300001", "v2.docx", Outcome.ACCEPTED, dt.datetime(2027, 1, 10, 9)),
                      ("300001", "v1.docx", Outcome.REJECTED, dt.datetime(2027, 1, 9, 9))) as journal:
        view = campaign_view(tracking.config, journal, [], AFTER)
    assert tracking_rows(tracking.config, view).loc[0, "reasons"] == REJECTION_RESOLVED == (
        "rejet résolu par une version acceptée")
    assert relance_rows(tracking.config, view).empty
    with journal_with(tmp_path / "b", ("300001", "v2.docx", Outcome.ACCEPTED, dt.datetime(2027, 1, 10, 9)),
                      ("300001", "v3.docx", Outcome.REJECTED, dt.datetime(2027, 1, 11, 9))) as journal:
        view = campaign_view(tracking.config, journal, [], AFTER)
    assert tracking_rows(tracking.config, view).loc[0, "reasons"] == "Champ manquant"
    assert relance_rows(tracking.config, view)["chase"].tolist() == [CHASE_REJECTION]


# -- the evaluator's e-mail -----------------------------------------------------------------------


def test_the_evaluator_s_e_mail_comes_from_the_roster_when_it_has_it(tracking):
    assert tracking.agent("after", "200001")["Courriel de l'évaluateur"] == SOPHIE_MAIL
    assert tracking.agent("after", "200002")["Courriel de l'évaluateur"] == ALBERT_MAIL
    assert tracking.agent("after", "200005")["Courriel de l'évaluateur"] is None
    headers = [c.value for c in tracking.after["Suivi"][1]]
    assert headers.index("Courriel de l'évaluateur") == headers.index(EVALUATOR) + 1


# -- « Relances » ---------------------------------------------------------------------------------


def test_relances_lists_the_agents_to_chase_by_evaluator(tracking):
    rows = tracking.rows("after", "Relances")
    assert list(rows[0]) == [EVALUATOR, "Courriel de l'évaluateur", NUMBER, LAST_NAME, FIRST_NAME, SERVICE,
                             "Motif de relance", "À relancer", "Échéance", "Jours de retard",
                             # whom else and when (issue 29): empty until a reminder was written
                             "N+2 relancé aussi", "Première relance de l'étape", "Dernière relance à",
                             "Dernière relance le"]
    assert [(r[EVALUATOR], r[NUMBER]) for r in rows] == [(ALBERT, "200002"), (SOPHIE, "200001"),
                                                         (SOPHIE, "200005")]
    paul, lea, ines = rows
    assert (paul["Courriel de l'évaluateur"], paul[LAST_NAME], paul[FIRST_NAME], paul[SERVICE]) == (
        ALBERT_MAIL, "Bernard", "Paul", "Accueil")
    assert paul["Motif de relance"] == CHASE_NO_REPORT == "aucun compte rendu reçu"
    # The first step still open: the report's communication, 30 days after the interview.
    assert paul["Échéance"] == dt.datetime(2027, 1, 13) and paul["Jours de retard"] == 47
    assert paul["À relancer"] == "évaluateur"
    communication = next(h for h in tracking.deadlines("after", "200001") if h.startswith("Communication"))
    label = communication.removesuffix(" : échéance").removesuffix(" : état")
    assert lea["Motif de relance"] == chase_overdue(label) == f"{label} : dépassée"
    assert lea["Échéance"] == dt.datetime(2027, 1, 13) and lea["Jours de retard"] == 47
    assert ines["Motif de relance"] == CHASE_REJECTION and ines["Courriel de l'évaluateur"] is None


def test_relances_before_the_interview_leaves_out_the_missing_report(tracking):
    """Paul's interview (14/12/2026) is still to come: his report cannot be missing yet; Inès's
    rejection waits for the correction its note asks for by its due date."""
    assert tracking.rows("before", "Relances") == []


def test_a_pending_rejection_is_due_as_its_note_says_never_by_another_step(tracking):
    """The correction of a rejected report is due service_rh.delai_reponse_jours (15) after its
    receipt, the date its note gives: not the date of a step planned earlier."""
    ines = tracking.agent("after", "200005")
    due = ines["Reçu le"] + dt.timedelta(days=15)
    (late,) = [r for r in tracking.rows("after", "Relances") if r[NUMBER] == "200005"]
    assert late["Échéance"] == due
    assert late["Jours de retard"] == (dt.datetime.combine(AFTER, dt.time()) - due).days


def test_relances_lists_the_missing_report_once_the_interview_date_has_passed(tracking):
    agents = {r[NUMBER]: r["Motif de relance"] for r in tracking.rows("after", "Relances")}
    assert agents["200002"] == CHASE_NO_REPORT


def test_relances_shows_an_agent_without_evaluator_last_as_not_filled(tracking, tmp_path):
    with journal_with(tmp_path, ("300001", "x.docx", Outcome.REJECTED, dt.datetime(2027, 1, 9, 9)),
                      ("300002", "y.docx", Outcome.REJECTED, dt.datetime(2027, 1, 9, 9), "Zélie Abel")) as journal:
        view = campaign_view(tracking.config, journal, [], AFTER)
    assert relance_rows(tracking.config, view)[cat.EVALUATOR].tolist() == ["Zélie Abel", "(non renseigné)"]


def test_relances_is_a_table_with_its_header_frozen_and_printed_like_the_others(tracking):
    sheet = tracking.after["Relances"]
    assert [t.name for t in sheet.tables.values()] == ["Tableau_Relances"]
    assert sheet.freeze_panes == "A2"
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape"
    # Printed as wide as the page: whom to chase, why and by when (the reminders made stay on screen).
    assert sheet.print_area == f"'Relances'!$A$1:$J${sheet.max_row}"
    assert [c.value for c in sheet[1]][9] == "Jours de retard"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0
    assert tracking.after.sheetnames == ["Suivi", "Échéances", "Synthèse", "Relances", "Harmonisation",
                                         "Accès à la formation"]


# -- the one lateness computation (pipeline.deadlines, behind the campaign view) -------------------


def test_agent_deadlines_judge_the_roster_s_dates_once_they_are_past(tracking):
    from pipeline.deadlines import LATE, MISSED, ON_TIME, OVERDUE, PENDING, agent_deadlines

    planned = {cat.REVIEW_DATE: REVIEW, cat.INVITATION_DATE: REVIEW - dt.timedelta(days=12)}
    early = dict((d.key, s) for d, s in agent_deadlines(tracking.config, planned, None, finished=False, today=BEFORE,
                                                          planned=set(planned)))
    assert early["entretien"] == early["convocation"] == PENDING == "à venir"  # both still to come
    late = dict((d.key, s) for d, s in agent_deadlines(tracking.config, planned, None, finished=False, today=AFTER,
                                                         planned=set(planned)))
    assert late["entretien"] == late["convocation"] == ON_TIME
    assert {k for k, s in late.items() if s in MISSED} == {"communication", "retour_rh"}
    assert late["communication"] == late["retour_rh"] == OVERDUE
    sent_late = {**planned, cat.INVITATION_DATE: REVIEW - dt.timedelta(days=3)}
    assert dict((d.key, s) for d, s in agent_deadlines(tracking.config, sent_late, None, finished=False,
                                                       today=AFTER, planned=set(planned)))["convocation"] == LATE
