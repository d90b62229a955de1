"""Examining one file without moving anything (pipeline/examine.py): what ``check`` prints and
``process`` places by. An unreadable file is an outcome, never an exception."""

from __future__ import annotations

import pytest

from pipeline.examine import examine, known_agents, package_limits, roster_agents
from pipeline.outcomes import RosterError
from tests.conftest import agent, make_config, write_csv


def test_an_unreadable_file_is_an_outcome_with_its_reason(tmp_path):
    (tmp_path / "vide.docx").write_bytes(b"")
    exam = examine(tmp_path / "vide.docx", make_config(tmp_path))
    assert exam.error.code == "fichier_vide" and exam.report is None and exam.validation is None
    assert not exam.accepted and exam.stage is None
    data = exam.as_json()
    assert data["illisible"]["code"] == "fichier_vide" and data["contenu"] is None and data["constats"] == []


def test_a_missing_file_is_an_outcome_too(tmp_path):
    exam = examine(tmp_path / "absent.docx", make_config(tmp_path))
    assert exam.error.code == "fichier_inaccessible"


def test_the_roster_named_in_config_gives_the_known_agents(tmp_path):
    write_csv(tmp_path / "agents.csv", [agent("100001", "Martin", "Léa"), agent("100 002", "Roux", "Luc")])
    config = make_config(tmp_path, liste_agents="agents.csv")
    assert known_agents(config) == {"100001", "100002"}
    assert roster_agents(config)["100001"].values["nom"] == "Martin"
    assert known_agents(make_config(tmp_path)) is None  # no roster: no agent check


def test_a_roster_named_in_config_but_missing_stops_with_its_path(tmp_path):
    with pytest.raises(RosterError, match="liste_agents.*absente.csv"):
        known_agents(make_config(tmp_path, liste_agents="absente.csv"))


def test_file_caps_come_from_config_in_megabytes(tmp_path):
    limits = package_limits(make_config(tmp_path, limites_fichiers={"taille_max_mo": 1.5, "xml_max_mo": 2}))
    assert limits.max_file_bytes == int(1.5 * 1024 * 1024) and limits.max_xml_bytes == 2 * 1024 * 1024
