"""The ``entretiens`` command (pipeline/cli.py): a thin shell; exit codes 0 / 1 / 2. Its documentation:
tests/test_docs.py."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.catalogue import DEFAULT
from pipeline.cli import _french, _seconds, build_parser, main
from tests.conftest import REPO, TRICKY_AGENTS, agent, write_csv


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m pipeline ARGS`` in a child process, as a user or cron runs it."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def subcommands() -> list[str]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(action.choices)


def exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as done:  # argparse's --help and usage errors
        return done.code


# -- fields --------------------------------------------------------------------------------------


def test_fields_json_prints_the_catalogue_in_the_spec_shape(tmp_path):
    done = run_cli("fields", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data == DEFAULT.as_json()
    assert set(data) == {"stages", "fields"}
    assert set(data["stages"][0]) == {"key", "label", "folder"}
    assert set(data["fields"][0]) == {"key", "label", "section", "kind", "choices",
                                      "required_from", "columns"}
    table = next(f for f in data["fields"] if f["kind"] == "table")
    assert set(table["columns"][0]) == {"key", "label", "kind", "choices"}
    assert "Prénom de l'agent" in done.stdout  # accents written as such, not \u00e9


def test_fields_lists_stages_sections_and_fields_in_french(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["fields"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Étapes :")
    for stage in DEFAULT.stages:
        assert stage.folder in out
    for section in DEFAULT.sections:
        assert section.title in out
    for field in DEFAULT.fields:
        assert field.label in out
    assert "atteint, partiellement atteint, non atteint, devenu sans objet" in out


def test_fields_shows_the_catalogue_as_adapted_in_config(tmp_path, capsys):
    config = tmp_path / "config.yaml"
    config.write_text("catalogue:\n  ajouter:\n    - {key: teletravail, label: Télétravail, "
                      "section: poste}\n", encoding="utf-8")
    assert main(["fields", "--json", "--config", str(config)]) == 0
    keys = [f["key"] for f in json.loads(capsys.readouterr().out)["fields"]]
    assert "teletravail" in keys


# -- help and usage --------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], *[[c] for c in subcommands()]],
                         ids=["entretiens", *subcommands()])
def test_help_exits_0_and_shows_an_example(command, capsys):
    assert exit_code([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Exemple" in out
    assert "--config" in out


def test_main_help_lists_every_command(capsys):
    exit_code(["--help"])
    out = capsys.readouterr().out
    for name in subcommands():
        assert name in out


def test_console_script_entretiens_runs(tmp_path):
    script = Path(sys.executable).parent / "entretiens"
    if not script.exists():
        if os.environ.get("CI"):
            pytest.fail("le script «\u202fentretiens\u202f» n'est pas installé (pip install -e .)")
        pytest.skip("paquet non installé dans cet environnement (pip install -e .)")
    done = subprocess.run([str(script), "--help"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0
    assert "Exemple" in done.stdout


def test_unknown_command_is_a_usage_error(capsys):
    assert exit_code(["envoyer"]) == 2
    err = capsys.readouterr().err
    assert "erreur" in err
    assert "envoyer" in err


def test_unknown_command_is_explained_in_french(capsys):
    exit_code(["envoyer"])
    err = capsys.readouterr().err
    assert "invalid choice" not in err and "choose from" not in err


def test_unknown_option_is_a_usage_error(capsys):
    assert exit_code(["fields", "--jsn"]) == 2


def test_a_number_that_cannot_be_read_is_a_usage_error_in_french(capsys):
    assert exit_code(["watch", "--interval", "abc"]) == 2
    err = capsys.readouterr().err
    assert "entretiens watch : erreur : option --interval : «\u202fabc\u202f» n'est pas un nombre de secondes" in err
    assert "invalid" not in err and "argument --interval:" not in err


def test_seconds_take_a_decimal_comma():
    assert (_seconds("2,5"), _seconds("0.3"), _seconds(" 5 ")) == (2.5, 0.3, 5.0)


@pytest.mark.parametrize(("english", "french"), [
    ("argument --n: invalid int value: 'x'", "option --n : «\u202fx\u202f» n'est pas un nombre entier"),
    ("argument --interval: invalid float value: 'abc'", "option --interval : «\u202fabc\u202f» n'est pas un nombre"),
    ("argument -v/--verbose: ignored explicit argument '3'", "option -v/--verbose : valeur «\u202f3\u202f» inattendue"),
    ("argument FICHIER: expected at least one argument", "argument FICHIER : au moins une valeur est attendue"),
    ("the following arguments are required: FICHIER", "arguments obligatoires manquants : FICHIER"),
])
def test_argparse_messages_are_said_in_french(english, french):
    assert _french(english) == french


def test_an_interval_below_the_minimum_is_refused_naming_the_config_key(tmp_path, capsys):
    config = tmp_path / "config.yaml"
    config.write_text("dossiers: {etat: etat}\n", encoding="utf-8")
    assert exit_code(["watch", "--config", str(config), "--interval", "0,05"]) == 1
    err = capsys.readouterr().err
    assert ("Erreur : Réglage refusé : clé «\u202fsurveillance.intervalle_polling_s\u202f», valeur «\u202f0.05\u202f» : "
            "valeur trop petite (limite : 0.1).") in err
    assert not (tmp_path / "etat").exists()  # refused before the service starts


def test_no_command_prints_help_and_is_a_usage_error(capsys):
    assert exit_code([]) == 2
    assert "generate" in capsys.readouterr().out


# -- run problems: exit 1 with a French message ---------------------------------------------


@pytest.mark.parametrize("position", ["before", "after"])
def test_missing_config_file_exits_1_with_a_french_message(tmp_path, capsys, position):
    missing = str(tmp_path / "missing.yaml")
    argv = (["--config", missing, "fields"] if position == "before"
            else ["fields", "--config", missing])
    assert exit_code(argv) == 1
    err = capsys.readouterr().err
    assert "Erreur : Fichier de configuration introuvable" in err
    assert "missing.yaml" in err


def test_invalid_config_exits_1_naming_key_and_value(tmp_path, capsys):
    config = tmp_path / "config.yaml"
    config.write_text("fonction_publique: privee\n", encoding="utf-8")
    assert exit_code(["--config", str(config), "fields"]) == 1
    err = capsys.readouterr().err
    assert "«\u202ffonction_publique\u202f»" in err and "«\u202fprivee\u202f»" in err


def test_generate_with_a_missing_roster_exits_1_naming_it(tmp_path, capsys):
    config = tmp_path / "config.yaml"
    config.write_text("dossiers: {sortie: sortie}\n", encoding="utf-8")
    assert exit_code(["--config", str(config), "generate", "--roster",
                      str(tmp_path / "absente.xlsx")]) == 1
    err = capsys.readouterr().err
    assert "introuvable" in err and "absente.xlsx" in err


# -- generate, end to end in a workspace ---------------------------------------------------


def test_generate_end_to_end_in_a_fresh_workspace(tmp_path):
    """GIVEN a workspace with the repository's config.yaml and templates, and a roster
    with one bad row WHEN `generate --roster` runs THEN the good rows are generated,
    the bad one is reported with its line, and the run succeeds."""
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    rows = [*TRICKY_AGENTS, agent("100299", "Sans", "Évaluateur", **{"évaluateur": ""})]
    write_csv(tmp_path / "liste agents.csv", rows)
    done = run_cli("generate", "--roster", "liste agents.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    good = len(TRICKY_AGENTS)
    assert f"{good} compte(s) rendu(s) pré-rempli(s) et {good} convocation(s)" in done.stdout
    assert "1 ligne(s) de la liste des agents à corriger" in done.stdout
    assert f"Ligne {good + 2} : Évaluateur SANS : valeur manquante dans «\u202févaluateur\u202f»" in done.stderr
    produced = sorted(p.name for p in (tmp_path / "outbox" / "a_envoyer").iterdir())
    assert len(produced) == 2 * good
    assert "2026_100231_N'DIAYE_Moussa - compte rendu.docx" in produced


def test_fields_says_the_kinds_in_french(capsys):
    assert main(["fields"]) == 0
    out = capsys.readouterr().out
    assert "[texte, obligatoire dès l'étape 1]" in out and "[tableau, " in out and "[case à cocher, " in out
    assert not any(f"[{kind}," in out for kind in ("text", "choice", "bool", "table", "number"))
