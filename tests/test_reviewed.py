"""Who is reviewed (pipeline/reviewed.py, issue 29 item 5): agents below the minimum time in post
(roster «\u202fdate d'arrivée\u202f», ``campagne.presence_minimale_mois``) are listed with the reason and
get no documents; the exceptions by agent number do; the campaign view neither chases nor counts
them missing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import yaml

from pipeline.campaign import campaign_view
from pipeline.cli import main
from pipeline.config import Config, load_config
from pipeline.generate import generate
from pipeline.journal import Journal
from pipeline.reviewed import who_is_reviewed
from pipeline.roster import load_roster
from pipeline.status import campaign_status
from tests.conftest import ROSTER_HEADER, TEMPLATES, agent, write_csv

ARRIVAL = "date d'arrivée"
HEADER = [*ROSTER_HEADER, ARRIVAL]
ROWS = [
    agent("500001", "Martin", "Léa", **{ARRIVAL: "01/09/2015"}),
    agent("500002", "Bernard", "Paul", **{ARRIVAL: "01/10/2026"}),  # 3 months on 31/12/2026: left out
    agent("500003", "Roux", "Inès", **{ARRIVAL: ""}),  # not given: reviewed
    agent("500004", "Petit", "Zoé", **{ARRIVAL: "15/07/2026"}),  # 5 months and a half: left out, unless excepted
    agent("500005", "Durand", "Marc", **{ARRIVAL: "46204"}),  # an Excel day number: 1 July 2026, 6 months: reviewed
    agent("500006", "Noir", "Albert", **{ARRIVAL: "31/02/2026"}),  # unreadable: reviewed, said
]


def workspace(base: Path, **campaign: object) -> Config:
    write_csv(base / "agents.csv", ROWS, header=HEADER)
    (base / "config.yaml").write_text(yaml.safe_dump({
        "liste_agents": "agents.csv", "dossiers": {"modeles": str(TEMPLATES)}, "courriel": {"mode": "aucun"},
        "campagne": {"presence_minimale_mois": 6, **campaign}}, allow_unicode=True), encoding="utf-8")
    return load_config(base / "config.yaml")


def test_agents_below_the_minimum_time_in_post_are_listed_with_their_arrival_and_the_threshold(tmp_path):
    config = workspace(tmp_path)
    selection = who_is_reviewed(config, load_roster(config.roster_path, config.catalogue).rows)
    assert [row.values["matricule"] for row in selection.reviewed] == ["500001", "500003", "500005", "500006"]
    assert set(selection.numbers_not_reviewed) == {"500002", "500004"}
    (paul, zoe) = selection.not_reviewed
    assert paul.line == 3 and zoe.line == 5
    assert str(paul).startswith("Ligne 3 : Paul BERNARD (matricule 500002) : arrivée dans le poste le 01/10/2026, "
                                "moins de 6 mois de présence au 31/12/2026")
    assert "campagne.exceptions_presence" in str(paul) and "«\u202f500002\u202f»" in str(paul)
    (unreadable,) = selection.notices
    assert unreadable.line == 7 and "«\u202f31/02/2026\u202f»" in str(unreadable) and "évalués" in str(unreadable)


def test_without_a_minimum_every_agent_is_reviewed(tmp_path):
    config = workspace(tmp_path, presence_minimale_mois=0)
    selection = who_is_reviewed(config, load_roster(config.roster_path, config.catalogue).rows)
    assert len(selection.reviewed) == len(ROWS) and not selection.not_reviewed


def test_the_reference_day_and_the_exceptions_are_settings(tmp_path):
    config = workspace(tmp_path, date_reference_presence="31/03/2027")
    selection = who_is_reviewed(config, load_roster(config.roster_path, config.catalogue).rows)
    assert list(selection.numbers_not_reviewed) == []  # Paul: 6 months on 31/03/2027
    config = workspace(tmp_path, exceptions_presence=[500004])  # a number as YAML reads it
    selection = who_is_reviewed(config, load_roster(config.roster_path, config.catalogue).rows)
    assert config.campaign.presence_exceptions == ("500004",)
    assert list(selection.numbers_not_reviewed) == ["500002"]
    assert any("500004" in str(n) and "par exception" in str(n) for n in selection.notices)


def test_agents_below_the_minimum_are_not_generated_and_the_exceptions_are(tmp_path, capsys):
    """GIVEN a roster with two agents in post for less than six months, one of them an exception
    WHEN generer runs THEN the other gets no report and no invitation, and is listed with the reason
    before the counts; the exception is generated."""
    config = workspace(tmp_path, exceptions_presence=["500004"])
    result = generate(config, today=dt.date(2026, 11, 2))
    made = {path.name.split("_")[1] for path in result.reports}
    assert made == {"500001", "500003", "500004", "500005", "500006"}
    assert not list((config.outbox / "a_envoyer").glob("*500002*"))
    assert [problem.line for problem in result.not_reviewed] == [3]
    assert main(["generer", "--config", str(tmp_path / "config.yaml")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Agents non évalués cette campagne (moins de 6 mois dans le poste au 31/12/2026) : 1, "
                          "sans compte rendu ni convocation :\n  Ligne 3 : Paul BERNARD (matricule 500002)")


def test_the_campaign_view_neither_chases_nor_counts_missing_an_agent_not_reviewed(tmp_path, capsys):
    config = workspace(tmp_path)
    roster = load_roster(config.roster_path, config.catalogue).rows
    with Journal(config.state_dir) as journal:
        view = campaign_view(config, journal, roster, dt.date(2027, 2, 10))  # every interview is past
    agents = {a.number: a for a in view.agents}
    paul = agents["500002"]
    assert not paul.reviewed and paul.chase is None and paul.deadlines == ()
    assert paul.situation == "pas d'entretien cette campagne : moins de 6 mois dans le poste au 31/12/2026"
    assert agents["500001"].reviewed and agents["500001"].chase is not None  # no report after the interview
    status = campaign_status(config, today=dt.date(2027, 2, 10))
    assert {a["matricule"] for a in status.missing} == {"500001", "500003", "500005", "500006"}
    assert [a["matricule"] for a in status.not_reviewed] == ["500002", "500004"]
    assert main(["etat", "--json", "--config", str(tmp_path / "config.yaml")]) == 0
    assert [a["matricule"] for a in json.loads(capsys.readouterr().out)["non_evalues"]] == ["500002", "500004"]
