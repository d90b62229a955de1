"""Deadlines (pipeline/deadlines.py): presets per public service, config overrides,
calendar or working days; a late date is a warning, never a rejection (SPEC 4)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from pipeline import catalogue as cat
from pipeline.catalogue import DEFAULT
from pipeline.config import Config, load_config
from pipeline.deadlines import PRESETS
from pipeline.text import format_date
from pipeline.deadlines import Deadline, deadlines
from pipeline.examine import examine, known_agents
from pipeline.filling import fill_report
from pipeline.generate import generate
from pipeline.journal import Journal
from pipeline.process import process_inbox
from pipeline.outcomes import WARNING
from tests.conftest import RECEIVED, TEMPLATES, TODAY, agent, settle, write_csv

REVIEW = dt.date(2026, 12, 14)  # a Monday
LEA = agent("100001", "Martin", "Léa")


def config_with(**raw) -> Config:
    return Config.model_validate({"base_dir": Path("."), **raw})


def by_key(items) -> dict:
    return {d.key: d for d in items}


def report_dates(**changes) -> dict[str, dt.date | None]:
    dates = {
        cat.INVITATION_DATE: REVIEW - dt.timedelta(days=12),
        cat.REVIEW_DATE: REVIEW,
        cat.COMMUNICATION_DATE: REVIEW + dt.timedelta(days=10),
        cat.AGENT_ACK_DATE: REVIEW + dt.timedelta(days=20),
    }
    dates.update(changes)
    return dates


# -- presets and overrides ---------------------------------------------------------------------------


def test_default_public_service_is_the_hospital_one_with_its_delays():
    rules = config_with().delay_rules()
    assert config_with().public_service == "hospitaliere"
    assert rules == PRESETS["hospitaliere"]
    assert (rules.invitation_min_days, rules.communication_days, rules.agent_days) == (8, 30, 15)


@pytest.mark.parametrize("service", sorted(PRESETS))
def test_each_public_service_takes_its_own_preset(service):
    assert config_with(fonction_publique=service).delay_rules() == PRESETS[service]


def test_config_override_replaces_one_delay_and_keeps_the_others():
    rules = config_with(fonction_publique="etat", delais={"communication_jours_apres": 10}).delay_rules()
    assert rules.communication_days == 10
    assert rules.invitation_min_days == PRESETS["etat"].invitation_min_days
    assert rules.agent_days == PRESETS["etat"].agent_days


def test_every_delay_can_be_overridden_from_config_yaml(tmp_path):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({
        "fonction_publique": "territoriale",
        "delais": {"convocation_jours_avant": 10, "communication_jours_apres": 20,
                   "observations_agent_jours": 7},
    }), encoding="utf-8")
    rules = load_config(tmp_path / "config.yaml").delay_rules()
    assert (rules.invitation_min_days, rules.communication_days, rules.agent_days) == (10, 20, 7)


# -- the deadlines of one report ---------------------------------------------------------------------------


def test_deadlines_of_a_report_come_from_its_dates_and_the_campaign():
    config = config_with()
    received = dt.date(2027, 1, 20)
    items = by_key(deadlines(report_dates(), config, received))
    assert list(items) == ["convocation", "entretien", "communication", "observations", "retour_rh",
                           "revision", "reponse_revision", "saisine_cap", "recours_contentieux"]
    assert all(items[k].due is None for k in ("revision", "reponse_revision", "saisine_cap",
                                               "recours_contentieux"))  # not notified, no appeal
    assert items["convocation"].due == REVIEW - dt.timedelta(days=8)
    assert items["convocation"].done == REVIEW - dt.timedelta(days=12)
    assert items["entretien"].due == config.campaign.review_deadline
    assert items["entretien"].done == REVIEW
    assert items["communication"].due == REVIEW + dt.timedelta(days=30)
    assert items["observations"].due == REVIEW + dt.timedelta(days=10 + 15)
    assert items["retour_rh"].due == config.campaign.return_to_hr
    assert items["retour_rh"].done == received
    assert not any(d.late() for d in items.values())
    assert all(d.label for d in items.values())


def test_the_appeal_window_runs_fifteen_jours_francs_from_notification_and_is_never_late():
    notified = dt.date(2027, 3, 5)  # a Friday: day 15 is Saturday 20 March, moved to Monday
    items = by_key(deadlines({**report_dates(), cat.NOTIFICATION_DATE: notified}, config_with()))
    appeal = items["revision"]
    assert appeal.due == dt.date(2027, 3, 22)
    assert appeal.informative and not appeal.late() and not appeal.overdue(dt.date(2027, 12, 31))


def test_configured_delay_moves_the_due_date():
    items = by_key(deadlines(report_dates(), config_with(delais={"communication_jours_apres": 5})))
    assert items["communication"].due == REVIEW + dt.timedelta(days=5)
    assert items["communication"].late()


def test_a_report_without_dates_has_no_due_date_and_nothing_late():
    items = by_key(deadlines({}, config_with()))
    for key in ("convocation", "communication", "observations"):
        assert items[key].due is None and not items[key].late()
        assert not items[key].overdue(dt.date(2030, 1, 1))
    assert items["retour_rh"].done is None


def test_done_on_the_due_date_is_in_time_and_the_day_after_is_late():
    due = REVIEW + dt.timedelta(days=30)
    on_time = by_key(deadlines(report_dates(**{cat.COMMUNICATION_DATE: due}), config_with()))
    late = by_key(deadlines(report_dates(**{cat.COMMUNICATION_DATE: due + dt.timedelta(days=1)}),
                            config_with()))
    assert not on_time["communication"].late() and on_time["communication"].warning() is None
    assert late["communication"].late()
    message = late["communication"].warning()
    assert format_date(due) in message and format_date(due + dt.timedelta(days=1)) in message


def test_invitation_sent_less_than_eight_days_before_is_late():
    items = by_key(deadlines(report_dates(**{cat.INVITATION_DATE: REVIEW - dt.timedelta(days=7)}),
                             config_with()))
    assert items["convocation"].late()
    assert "8 jours" in items["convocation"].label


def test_a_step_not_done_by_its_due_date_is_overdue_not_late():
    items = by_key(deadlines(report_dates(**{cat.COMMUNICATION_DATE: None, cat.AGENT_ACK_DATE: None}),
                             config_with()))
    communication = items["communication"]
    assert not communication.late()
    assert not communication.overdue(communication.due)
    assert communication.overdue(communication.due + dt.timedelta(days=1))


def test_working_days_option_skips_weekends_and_french_holidays():
    communicated = dt.date(2026, 12, 21)  # a Monday; 25 December and 1 January are Fridays
    dates = report_dates(**{cat.COMMUNICATION_DATE: communicated, cat.AGENT_ACK_DATE: dt.date(2027, 1, 10)})
    calendar = by_key(deadlines(dates, config_with()))["observations"]
    working = by_key(deadlines(dates, config_with(delais={"jours_ouvres": True})))["observations"]
    assert calendar.due == dt.date(2027, 1, 5)
    assert working.due == dt.date(2027, 1, 13)
    assert calendar.late() and not working.late()


def test_working_days_count_backwards_for_the_invitation():
    # review on Monday 14 December: 8 working days before is Wednesday 2 December
    dates = report_dates(**{cat.INVITATION_DATE: dt.date(2026, 12, 3)})
    calendar = by_key(deadlines(dates, config_with()))["convocation"]
    working = by_key(deadlines(dates, config_with(delais={"jours_ouvres": True})))["convocation"]
    assert calendar.due == dt.date(2026, 12, 6) and not calendar.late()
    assert working.due == dt.date(2026, 12, 2) and working.late()


# -- late dates on real reports: warnings, never rejections ---------------------------------------------------


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("deadlines")
    config = workspace(base)
    (report,) = generate(config, today=TODAY).reports
    return report


def workspace(base: Path, **settings) -> Config:
    base.mkdir(parents=True, exist_ok=True)
    write_csv(base / "agents.csv", [LEA])
    data = {"liste_agents": "agents.csv", "dossiers": {"modeles": str(TEMPLATES)}, **settings}
    (base / "config.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(base / "config.yaml")


def late_communication(blank: Path, target: Path) -> Path:
    communicated = REVIEW + dt.timedelta(days=31)
    return fill_report(blank, target, DEFAULT, stage=2, review=REVIEW, overrides={
        cat.COMMUNICATION_DATE: communicated, cat.AGENT_ACK_DATE: communicated + dt.timedelta(days=3)})


def test_late_communication_is_a_warning_and_the_report_is_accepted(blank, tmp_path):
    config = workspace(tmp_path / "ws")
    exam = examine(late_communication(blank, tmp_path / "cr.docx"), config,
                   agents=known_agents(config), received=RECEIVED)
    assert [(f.code, f.severity) for f in exam.validation.findings] == [("delai_depasse", WARNING)]
    assert exam.accepted
    message = exam.validation.findings[0].message
    assert format_date(REVIEW + dt.timedelta(days=31)) in message
    assert format_date(REVIEW + dt.timedelta(days=30)) in message


def test_late_return_to_hr_is_a_warning(blank, tmp_path):
    config = workspace(tmp_path / "ws")
    path = fill_report(blank, tmp_path / "cr.docx", DEFAULT, stage=1, review=REVIEW)
    received = config.campaign.return_to_hr + dt.timedelta(days=1)
    exam = examine(path, config, agents=known_agents(config), received=received)
    assert [(f.code, f.severity) for f in exam.validation.findings] == [("delai_depasse", WARNING)]
    assert exam.accepted


def test_a_longer_configured_delay_makes_the_same_report_in_time(blank, tmp_path):
    config = workspace(tmp_path / "ws", delais={"communication_jours_apres": 45})
    exam = examine(late_communication(blank, tmp_path / "cr.docx"), config,
                   agents=known_agents(config), received=RECEIVED)
    assert exam.validation.findings == []


def test_process_files_a_late_report_in_its_stage_folder_with_the_warning(blank, tmp_path):
    """GIVEN a stage-2 report communicated 31 days after the review
    WHEN process runs
    THEN it is accepted into the stage-2 folder, and the journal keeps the late-date warning."""
    config = workspace(tmp_path / "ws")
    config.inbox.mkdir(parents=True)
    late_communication(blank, config.inbox / "cr.docx")
    settle(config.inbox)
    result = process_inbox(config, received_on=RECEIVED)
    (outcome,) = result.handled
    assert outcome.outcome == "accepted" and outcome.stage == 2
    assert Path(outcome.destination).parent == config.outbox / DEFAULT.stage(2).folder
    assert not (config.outbox / "rejets").exists()
    with Journal(config.state_dir) as journal:
        (row,) = journal.files()
    late = [f for f in row.findings if f["code"] == "delai_depasse"]
    assert len(late) == 1 and late[0]["severity"] == WARNING
    assert all(f["severity"] == WARNING for f in row.findings)  # also: first version seen at stage 2


@pytest.mark.parametrize("notified, national, alsace_moselle", [
    # 15 jours francs end on Good Friday 2027: a working day except in Alsace-Moselle, where the
    # weekend and Easter Monday follow.
    (dt.date(2027, 3, 11), dt.date(2027, 3, 26), dt.date(2027, 3, 30)),
    # ... end on 26 December 2026 (a Saturday): the Monday 28th in both calendars.
    (dt.date(2026, 12, 11), dt.date(2026, 12, 28), dt.date(2026, 12, 28)),
    # ... end on Friday 26 December 2025: Saint-Étienne is a holiday in Alsace-Moselle only.
    (dt.date(2025, 12, 11), dt.date(2025, 12, 26), dt.date(2025, 12, 29)),
])
def test_the_alsace_moselle_calendar_moves_a_delay_past_its_own_holidays(tmp_path, notified, national, alsace_moselle):
    from pipeline.deadlines import deadlines
    from tests.conftest import make_config

    for calendar, expected in (("national", national), ("alsace_moselle", alsace_moselle)):
        config = make_config(tmp_path, delais={"jours_feries": calendar})
        (appeal,) = [d for d in deadlines({cat.NOTIFICATION_DATE: notified}, config) if d.key == "revision"]
        assert appeal.due == expected, calendar


def test_working_days_skip_good_friday_only_in_alsace_moselle():
    from pipeline.dates import add_days, is_working_day

    good_friday = dt.date(2027, 3, 26)
    assert is_working_day(good_friday) and not is_working_day(good_friday, "alsace_moselle")
    thursday = dt.date(2027, 3, 25)
    assert add_days(thursday, 1, working_days=True) == good_friday
    assert add_days(thursday, 1, working_days=True, calendar="alsace_moselle") == dt.date(2027, 3, 30)


# -- counting (calendar, working days, jours francs) and an employer's own delays ------------------


@pytest.mark.parametrize("counting, communication_due, label", [
    # Review on Monday 14 December 2026, 30 days to communicate the report:
    ("calendaires", dt.date(2027, 1, 13), "dans les 30 jours après"),
    # 30 working days: weekends, 25 December and 1 January skipped.
    ("ouvres", dt.date(2027, 1, 27), "dans les 30 jours ouvrés après"),
    # 30 jours francs end on Wednesday 13 January, a working day.
    ("francs", dt.date(2027, 1, 13), "dans les 30 jours francs après"),
])
def test_each_way_of_counting_gives_its_due_date_and_says_so(counting, communication_due, label):
    found = by_key(deadlines(report_dates(), config_with(delais={"decompte": counting})))
    assert found["communication"].due == communication_due
    assert label in found["communication"].label


def test_jours_francs_run_past_a_weekend_where_calendar_days_stop():
    """15 days after a communication on Thursday 17 December 2026 end on Friday 1 January 2027 (a
    holiday): calendar days stop there, jours francs run to Monday 4 January."""
    dates = report_dates(**{cat.COMMUNICATION_DATE: dt.date(2026, 12, 17)})
    calendar = by_key(deadlines(dates, config_with(delais={"decompte": "calendaires"})))["observations"]
    francs = by_key(deadlines(dates, config_with(delais={"decompte": "francs"})))["observations"]
    assert (calendar.due, francs.due) == (dt.date(2027, 1, 1), dt.date(2027, 1, 4))


def test_older_configs_saying_jours_ouvres_count_in_working_days():
    assert config_with(delais={"jours_ouvres": True}).delay_rules().counting == "ouvres"
    assert config_with(delais={"jours_ouvres": True, "decompte": "francs"}).delay_rules().counting == "francs"


def test_an_employers_own_delays_add_the_evaluator_and_visa_deadlines():
    """The arrêté of 14 December 2016 style: the evaluator signs within 5 jours francs of the
    review, the authority gives its visa within 10 jours francs of the agent's acknowledgement."""
    config = config_with(delais={"decompte": "francs", "signature_evaluateur_jours": 5, "visa_jours": 10,
                                 "observations_agent_jours": 5})
    dates = report_dates(**{cat.EVALUATOR_SIGNATURE_DATE: dt.date(2026, 12, 21),
                            cat.VISA_DATE: dt.date(2027, 1, 20)})
    found = by_key(deadlines(dates, config))
    signature, visa = found["signature_evaluateur"], found["visa"]
    assert signature.due == dt.date(2026, 12, 21) and not signature.late()  # 14 + 5 = Saturday 19 -> Monday 21
    acknowledged = dates[cat.AGENT_ACK_DATE]  # 3 January 2027, a Sunday
    assert visa.due == dt.date(2027, 1, 13) and acknowledged == dt.date(2027, 1, 3)
    assert visa.late() and "Visa dans les 10 jours francs" in visa.label
    assert found["observations"].due == dt.date(2026, 12, 29)  # 24 December + 5 jours francs


def test_without_an_employers_own_delays_there_are_no_evaluator_or_visa_deadlines():
    assert not {"signature_evaluateur", "visa"} & set(by_key(deadlines(report_dates(), config_with())))


def test_an_appeal_opens_its_windows_from_the_request_and_the_decision():
    """Revision asked on Monday 1 February 2027: the authority answers within 15 jours francs
    (Tuesday 16 February); decided on 26 February: the CAP may be referred to until 26 March, the
    court until 26 April (two months from the decision, not from the notification)."""
    dates = report_dates(**{cat.NOTIFICATION_DATE: dt.date(2027, 1, 20),
                            cat.REVISION_REQUEST_DATE: dt.date(2027, 2, 1),
                            cat.REVISION_DECISION_DATE: dt.date(2027, 2, 26)})
    items = by_key(deadlines(dates, config_with()))
    answer = items["reponse_revision"]
    assert (answer.due, answer.done, answer.late()) == (dt.date(2027, 2, 16), dt.date(2027, 2, 26), True)
    assert items["saisine_cap"].due == dt.date(2027, 3, 26) and items["saisine_cap"].informative
    assert items["recours_contentieux"].due == dt.date(2027, 4, 26)
    without_appeal = by_key(deadlines(report_dates(**{cat.NOTIFICATION_DATE: dt.date(2027, 1, 20)}), config_with()))
    assert without_appeal["recours_contentieux"].due == dt.date(2027, 3, 20)
    assert without_appeal["reponse_revision"].due is None and without_appeal["saisine_cap"].due is None


@pytest.mark.parametrize("start, months, end", [
    (dt.date(2027, 1, 31), 1, dt.date(2027, 2, 28)), (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
    (dt.date(2026, 12, 15), 2, dt.date(2027, 2, 15)), (dt.date(2027, 3, 31), 2, dt.date(2027, 5, 31)),
])
def test_a_delay_of_months_ends_on_the_same_day_or_the_months_last(start, months, end):
    from pipeline.dates import add_months

    assert add_months(start, months) == end


# -- the state of a deadline (the campaign view's words) ----------------------------------------------


def states(dates: dict, *, today: dt.date, received: dt.date | None = None, finished: bool = False,
           planned: tuple[str, ...] = (), config: Config | None = None) -> dict[str, str]:
    from pipeline.deadlines import agent_deadlines

    return {d.key: s for d, s in agent_deadlines(config or config_with(), dates, received, finished=finished,
                                                  today=today, planned=planned)}


LATER = dt.date(2027, 6, 1)  # after every due date


@pytest.mark.parametrize("key, dates", [
    ("convocation", report_dates()),
    ("communication", report_dates()),
    ("observations", report_dates()),
])
def test_a_step_done_by_its_limit_is_met_and_after_it_late(key, dates):
    from pipeline.deadlines import LATE, ON_TIME

    assert states(dates, today=LATER)[key] == ON_TIME == "respectée"
    due = by_key(deadlines(dates, config_with()))[key].due
    done_key = {"convocation": cat.INVITATION_DATE, "communication": cat.COMMUNICATION_DATE,
                "observations": cat.AGENT_ACK_DATE}[key]
    assert states({**dates, done_key: due + dt.timedelta(days=1)}, today=LATER)[key] == LATE == "en retard"


@pytest.mark.parametrize("missing, key", [
    (cat.INVITATION_DATE, "convocation"),  # the interview was held: the invitation was sent
    (cat.COMMUNICATION_DATE, "communication"),  # the agent acknowledged it: it was communicated
    (cat.REVIEW_DATE, "entretien"),  # the report was communicated: the interview took place
])
def test_an_undated_step_a_later_one_shows_done_is_done_never_overdue(missing, key):
    from pipeline.deadlines import NOT_DATED

    dates = {**report_dates(), missing: None}
    assert states(dates, today=LATER)[key] == NOT_DATED == "effectuée, date non indiquée"


@pytest.mark.parametrize("key", ["communication", "observations", "retour_rh"])
def test_a_step_not_done_is_overdue_once_its_limit_passed_and_until_then_to_come(key):
    from pipeline.deadlines import OVERDUE, PENDING

    dates = {cat.INVITATION_DATE: REVIEW - dt.timedelta(days=12), cat.REVIEW_DATE: REVIEW,
             cat.COMMUNICATION_DATE: REVIEW + dt.timedelta(days=3) if key != "communication" else None}
    assert states(dates, today=REVIEW + dt.timedelta(days=4))[key] == PENDING == "à venir"
    assert states(dates, today=LATER)[key] == OVERDUE == "dépassée"


def test_nothing_is_overdue_once_the_report_is_filed():
    from pipeline.deadlines import MISSED, NOT_DATED

    dates = {cat.REVIEW_DATE: REVIEW}
    found = states(dates, today=LATER, received=REVIEW + dt.timedelta(days=20), finished=True)
    assert not {k for k, s in found.items() if s in MISSED}
    assert found["communication"] == found["observations"] == NOT_DATED


@pytest.mark.parametrize("key", ["reponse_revision", "revision", "saisine_cap", "recours_contentieux"])
def test_an_appeal_nobody_made_does_not_apply(key):
    from pipeline.deadlines import NOT_APPLICABLE

    assert states(report_dates(), today=LATER)[key] == NOT_APPLICABLE == "sans objet"


def test_the_agent_s_appeal_window_runs_then_expires():
    from pipeline.deadlines import EXPIRED, RUNNING

    notified = REVIEW + dt.timedelta(days=40)
    dates = {**report_dates(), cat.NOTIFICATION_DATE: notified}
    assert states(dates, today=notified + dt.timedelta(days=3))["revision"] == RUNNING
    assert states(dates, today=LATER)["revision"] == EXPIRED


@pytest.mark.parametrize("key, roster_key", [("convocation", cat.INVITATION_DATE), ("entretien", cat.REVIEW_DATE)])
def test_a_roster_date_is_a_plan_until_its_day_then_the_step_done(key, roster_key):
    from pipeline.deadlines import ON_TIME, PENDING

    planned = {cat.INVITATION_DATE: REVIEW - dt.timedelta(days=12), cat.REVIEW_DATE: REVIEW}
    before = planned[roster_key] - dt.timedelta(days=1)
    assert states(planned, today=before, planned=tuple(planned))[key] == PENDING
    assert states(planned, today=planned[roster_key], planned=tuple(planned))[key] == ON_TIME
    # A report's own date is what happened, whatever the day it is judged on.
    assert states(planned, today=before)[key] == ON_TIME


# -- the schedule: what agent_deadlines computes for each agent, written out for speed ---------------


@pytest.mark.parametrize("delays", [
    {},
    {"jours_ouvres": True, "jours_feries": "alsace_moselle"},
    {"decompte": "francs", "signature_evaluateur_jours": 5, "visa_jours": 10, "notification_jours": 3},
    {"decompte": "ouvres", "visa_jours": 4},
])
def test_each_agent_s_deadlines_are_those_of_its_dates_judged_one_by_one(delays):
    """Schedule.evaluate (each limit counted once per start day, the states written out) says
    what deadlines() and deadline_state() say of each deadline, on random dates, plans and days."""
    import random

    from pipeline.deadlines import Schedule, agent_deadlines, deadline_state

    config = config_with(delais=delays)
    order = config.catalogue.date_order
    rng = random.Random(2027)
    start = dt.date(2026, 11, 1)
    for _ in range(1000):  # days close together: a plan on the very day, a step done on its limit
        dates = {key: start + dt.timedelta(days=rng.randrange(0, 40)) if rng.random() < 0.6 else None
                 for key in order}
        planned = [key for key in (cat.REVIEW_DATE, cat.INVITATION_DATE) if rng.random() < 0.3]
        received = start + dt.timedelta(days=rng.randrange(0, 60)) if rng.random() < 0.5 else None
        finished, today = rng.random() < 0.2, start + dt.timedelta(days=rng.randrange(0, 90))
        known = {k for k, day in dates.items() if day is not None and (k not in planned or day <= today)}
        expected = []
        for d in deadlines(dates, config, received):  # the computation agent_deadlines made before Schedule
            if d.done_key in planned and d.done_key not in known:
                d = Deadline(d.key, d.label, d.due, None, d.informative, d.owner, d.done_key, d.optional)
            position = order.index(d.done_key) if d.done_key in order else None
            later = position is not None and any(key in known for key in order[position + 1:])
            expected.append((d, deadline_state(d, today, finished=finished, done_later=later)))
        assert agent_deadlines(config, dates, received, finished=finished, today=today, planned=planned) == expected
    assert Schedule.of(config) is Schedule.of(config_with(delais=delays))  # made once for the same rules
