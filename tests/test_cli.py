"""The ``entretiens`` command (pipeline/cli.py): a thin shell; exit codes 0 / 1 / 2. Its documentation:
tests/test_docs.py."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import command_names as names
from pipeline.catalogue import DEFAULT
from pipeline.cli import _french, _seconds, build_parser, main
from pipeline.command_names import FORMER_NAMES, command_line
from tests.conftest import REPO, TRICKY_AGENTS, agent, write_csv, write_workspace


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


def console_script() -> Path:
    """The installed ``entretiens`` script; skips the test where the package is not installed, except in CI."""
    script = Path(sys.executable).parent / "entretiens"
    if not script.exists():
        if os.environ.get("CI"):
            pytest.fail("le script «\u202fentretiens\u202f» n'est pas installé (pip install -e .)")
        pytest.skip("paquet non installé dans cet environnement (pip install -e .)")
    return script


# -- champs --------------------------------------------------------------------------------------


def test_fields_json_prints_the_catalogue_in_the_spec_shape(tmp_path):
    done = run_cli("champs", "--json", cwd=tmp_path)
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
    assert main(["champs"]) == 0
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
    assert main(["champs", "--json", "--config", str(config)]) == 0
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


# -- the commands' French names, and their former English names as hidden aliases ----------------


FRENCH_NAMES = ["archiver", "champs", "classeurs", "demo", "etat", "generer", "modeles", "reexaminer",
                "relancer", "surveiller", "traiter", "verifier"]


def test_the_commands_have_their_french_names():
    assert subcommands() == FRENCH_NAMES
    constants = {value for key, value in vars(names).items() if key.isupper() and isinstance(value, str)}
    assert constants - {names.PROGRAM} == set(FRENCH_NAMES)
    assert set(FORMER_NAMES) <= set(FRENCH_NAMES)
    assert sorted(FORMER_NAMES.values()) == ["check", "fields", "generate", "process", "report", "status",
                                             "templates", "watch"]


@pytest.mark.parametrize("name", FRENCH_NAMES)
def test_each_command_help_shows_an_example_with_its_french_name(name, capsys):
    assert exit_code([name, "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps long lines
    assert out.startswith(f"utilisation : {command_line(name)}")
    assert re.search(rf"Exemple[^:]*: {re.escape(command_line(name))}( |$)", out), out


def test_the_main_help_example_uses_a_french_name(capsys):
    assert exit_code(["--help"]) == 0
    assert f"Exemple : {command_line(names.GENERATE)} --roster" in capsys.readouterr().out


def test_no_english_name_in_the_main_help_nor_in_the_usage_error(capsys):
    """``aliases=`` would list « traiter (process) », ``help=SUPPRESS`` a « ==SUPPRESS== » line: neither."""
    assert exit_code(["--help"]) == 0
    shown = capsys.readouterr().out
    assert exit_code(["envoyer"]) == 2
    shown += capsys.readouterr().err
    assert "choix possibles : demo, champs, generer," in shown
    assert "SUPPRESS" not in shown
    assert [old for old in FORMER_NAMES.values() if re.search(rf"\b{old}\b", shown)] == []


@pytest.mark.parametrize(("new", "old"), FORMER_NAMES.items(), ids=FORMER_NAMES.values())
def test_a_former_name_is_the_same_command_with_the_same_options(new, old):
    extra = ["a.docx"] if new == names.CHECK else []
    for argv in ([old, *extra], ["--config", "x.yaml", old, *extra], [old, "--config", "x.yaml", *extra]):
        parsed = vars(build_parser().parse_args(argv))
        assert parsed == vars(build_parser().parse_args([new if a == old else a for a in argv]))
        assert parsed["command"] == new


@pytest.mark.parametrize("old", ["generate", "watch", "process", "report", "status", "check", "fields",
                                 "templates"])
def test_a_former_name_help_exits_0_and_shows_the_french_name(old, capsys):
    assert exit_code([old, "--help"]) == 0
    out = capsys.readouterr().out
    new = next(new for new, former in FORMER_NAMES.items() if former == old)
    assert out.startswith(f"utilisation : {command_line(new)}")
    assert "--config" in out


@pytest.fixture
def workspace(tmp_path) -> Path:
    """A workspace as HR sets it up (config.yaml, roster, the repository's templates), its inbox empty."""
    config = write_workspace(tmp_path / "ws", [agent("100231", "Martin", "Élodie")])
    config.inbox.mkdir()
    return config.base_dir / "config.yaml"


def test_former_name_process_still_runs_a_pass(workspace, capsys):
    assert main(["process", "--config", str(workspace)]) == 0
    assert "Aucun fichier à traiter dans" in capsys.readouterr().out


def test_former_name_report_still_rebuilds_the_workbooks(workspace, capsys):
    assert main(["--config", str(workspace), "report"]) == 0
    out = capsys.readouterr().out
    assert "Écrit : " in out and "suivi_campagne.xlsx" in out


def test_former_name_status_json_still_prints_the_status(workspace, capsys):
    assert main(["status", "--json", "--config", str(workspace)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["surveillance"]["en_cours"] is False and "par_etape" in data


def test_former_name_check_still_checks_a_file(workspace, capsys):
    broken = workspace.parent / "cassé.docx"
    broken.write_bytes(b"pas un document Word")
    assert main(["check", "--config", str(workspace), str(broken)]) == 0
    assert "Illisible" in capsys.readouterr().out


def test_former_name_fields_json_still_prints_the_catalogue(capsys):
    assert main(["fields", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == DEFAULT.as_json()


def test_former_name_templates_still_builds_the_templates(tmp_path, capsys):
    config = tmp_path / "config.yaml"
    config.write_text("dossiers: {modeles: modeles}\n", encoding="utf-8")
    assert main(["templates", "--config", str(config)]) == 0
    assert "Modèle écrit" in capsys.readouterr().out
    assert (tmp_path / "modeles" / "compte_rendu.docx").exists()


def test_a_crontab_written_before_still_runs_through_the_console_script(workspace):
    """``entretiens process --config …`` as a crontab written before the French names has it: the real
    installed script, in a child process."""
    done = subprocess.run([str(console_script()), "process", "--config", str(workspace)], cwd=workspace.parent,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Aucun fichier à traiter dans" in done.stdout


def test_console_script_entretiens_runs(tmp_path):
    script = console_script()
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
    assert exit_code(["champs", "--jsn"]) == 2


def test_a_number_that_cannot_be_read_is_a_usage_error_in_french(capsys):
    assert exit_code(["surveiller", "--interval", "abc"]) == 2
    err = capsys.readouterr().err
    assert "entretiens surveiller : erreur : option --interval : «\u202fabc\u202f» n'est pas un nombre de secondes" in err
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
    assert exit_code(["surveiller", "--config", str(config), "--interval", "0,05"]) == 1
    err = capsys.readouterr().err
    assert ("Erreur : Réglage refusé : clé «\u202fsurveillance.intervalle_polling_s\u202f», valeur «\u202f0.05\u202f» : "
            "valeur trop petite (limite : 0.1).") in err
    assert not (tmp_path / "etat").exists()  # refused before the service starts


def test_no_command_prints_help_and_is_a_usage_error(capsys):
    assert exit_code([]) == 2
    assert "generer" in capsys.readouterr().out


# -- run problems: exit 1 with a French message ---------------------------------------------


@pytest.mark.parametrize("position", ["before", "after"])
def test_missing_config_file_exits_1_with_a_french_message(tmp_path, capsys, position):
    missing = str(tmp_path / "missing.yaml")
    argv = (["--config", missing, "champs"] if position == "before"
            else ["champs", "--config", missing])
    assert exit_code(argv) == 1
    err = capsys.readouterr().err
    assert "Erreur : Fichier de configuration introuvable" in err
    assert "missing.yaml" in err


def test_invalid_config_exits_1_naming_key_and_value(tmp_path, capsys):
    config = tmp_path / "config.yaml"
    config.write_text("fonction_publique: privee\n", encoding="utf-8")
    assert exit_code(["--config", str(config), "champs"]) == 1
    err = capsys.readouterr().err
    assert "«\u202ffonction_publique\u202f»" in err and "«\u202fprivee\u202f»" in err


def test_generate_with_a_missing_roster_exits_1_naming_it(tmp_path, capsys):
    config = tmp_path / "config.yaml"
    config.write_text("dossiers: {sortie: sortie}\n", encoding="utf-8")
    assert exit_code(["--config", str(config), "generer", "--roster",
                      str(tmp_path / "absente.xlsx")]) == 1
    err = capsys.readouterr().err
    assert "introuvable" in err and "absente.xlsx" in err


# -- generer, end to end in a workspace ---------------------------------------------------


def test_generate_end_to_end_in_a_fresh_workspace(tmp_path):
    """GIVEN a workspace with the repository's config.yaml and templates, and a roster
    with one bad row WHEN `generer --roster` runs THEN the good rows are generated,
    the bad one is reported with its line, and the run succeeds."""
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    rows = [*TRICKY_AGENTS, agent("100299", "Sans", "Évaluateur", **{"évaluateur": ""})]
    write_csv(tmp_path / "liste agents.csv", rows)
    done = run_cli("generer", "--roster", "liste agents.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    good = len(TRICKY_AGENTS)
    assert f"{good} compte(s) rendu(s) pré-rempli(s) et {good} convocation(s)" in done.stdout
    assert "1 ligne(s) de la liste des agents à corriger" in done.stdout
    assert f"Ligne {good + 2} : Évaluateur SANS : valeur manquante dans «\u202févaluateur\u202f»" in done.stderr
    produced = sorted(p.name for p in (tmp_path / "outbox" / "a_envoyer").iterdir())
    assert len(produced) == 2 * good
    assert "2026_100231_N'DIAYE_Moussa - compte rendu.docx" in produced


def test_fields_says_the_kinds_in_french(capsys):
    assert main(["champs"]) == 0
    out = capsys.readouterr().out
    assert "[texte, obligatoire dès l'étape 1]" in out and "[tableau, " in out and "[case à cocher, " in out
    assert not any(f"[{kind}," in out for kind in ("text", "choice", "bool", "table", "number"))
