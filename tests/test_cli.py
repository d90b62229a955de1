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


FRENCH_NAMES = ["annoncer", "archiver", "champs", "classeurs", "consolider", "convoquer", "demo", "etat", "formulaire", "generer",
                "modeles", "reexaminer", "relancer", "surveiller", "traiter", "verifier"]
# The actions of a command group: group -> its actions.
FRENCH_ACTIONS = {"formulaire": ["importer"]}


def test_the_commands_have_their_french_names():
    assert subcommands() == FRENCH_NAMES
    constants = {value for key, value in vars(names).items() if key.isupper() and isinstance(value, str)}
    actions = {action for group in FRENCH_ACTIONS.values() for action in group}
    assert constants - {names.PROGRAM} == set(FRENCH_NAMES) | actions
    for group, expected in FRENCH_ACTIONS.items():
        (commands,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
        (action,) = [a for a in commands.choices[group]._actions if isinstance(a, argparse._SubParsersAction)]
        assert sorted(action.choices) == expected
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
    assert f"Exemple : {command_line(names.GENERATE)} --liste" in capsys.readouterr().out


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
    assert "entretiens surveiller : erreur : option --intervalle/--interval : «\u202fabc\u202f» n'est pas un nombre de secondes" in err
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
    assert exit_code(["--config", str(config), "generer", "--liste",
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
    assert f"{good} comptes rendus pré-remplis et {good} convocations" in done.stdout
    assert "1 ligne de la liste des agents à corriger" in done.stdout
    assert f"Ligne {good + 2} : Évaluateur SANS : valeur manquante dans «\u202févaluateur\u202f»" in done.stderr
    produced = sorted(p.name for p in (tmp_path / "outbox" / "a_envoyer").iterdir())
    assert len(produced) == 2 * good
    assert "2026_100231_N'DIAYE_Moussa - compte rendu.docx" in produced


def test_fields_says_the_kinds_in_french(capsys):
    assert main(["champs"]) == 0
    out = capsys.readouterr().out
    assert "[texte, obligatoire dès l'étape 1]" in out and "[tableau, " in out and "[case à cocher, " in out
    assert not any(f"[{kind}," in out for kind in ("text", "choice", "bool", "table", "number"))


# -- traiter's account: one French account on the terminal, the log lines in the log ---------------


@pytest.fixture(scope="module")
def returned(tmp_path_factory) -> Path:
    """What managers sent back, made once: a complete report, an incomplete one, one nobody filled,
    an empty file and a byte-identical copy of the first."""
    from pipeline.filling import fill_report
    from pipeline.generate import generate
    from tests.conftest import TODAY, before_the_clock

    base = tmp_path_factory.mktemp("renvois")
    config = write_workspace(base / "ws", PASS_AGENTS)
    blanks = {p.name.split("_")[1]: p for p in generate(config, today=TODAY).reports}
    out = base / "renvois"
    out.mkdir()
    fill_report(blanks["100231"], out / "CR Martin.docx", DEFAULT, stage=1, **before_the_clock())
    fill_report(blanks["100232"], out / "CR Leroy.docx", DEFAULT, stage=1, omit=(APPRAISAL,), **before_the_clock())
    shutil.copyfile(blanks["100233"], out / "CR Petit.docx")  # sent back as it was generated
    (out / "vide.docx").write_bytes(b"")
    shutil.copyfile(out / "CR Martin.docx", out / "renvoi CR Martin.docx")
    return out


PASS_AGENTS = [agent("100231", "Martin", "Élodie"), agent("100232", "Leroy", "Marc"), agent("100233", "Petit", "Zoé")]
APPRAISAL = DEFAULT.field("appreciation_generale").key


def pass_workspace(base: Path, returned: Path) -> Path:
    """A workspace whose inbox holds the files sent back, dropped an hour ago; its config.yaml."""
    from tests.conftest import settle

    config = write_workspace(base / "ws", PASS_AGENTS)
    shutil.copytree(returned, config.inbox)
    settle(config.inbox)
    return config.base_dir / "config.yaml"


def test_traiter_tells_each_file_s_outcome_and_why_in_french(tmp_path, returned, capfd):
    """GIVEN five files sent back WHEN `traiter` runs THEN its account says, for each, where it went,
    its outcome and why in French (the first problem, short; how many others), counts agreeing in
    number, and no reason code."""
    config_path = pass_workspace(tmp_path, returned)
    assert main(["traiter", "--config", str(config_path)]) == 0
    out = capfd.readouterr().out
    outbox = config_path.parent / "outbox"
    assert f"5 fichiers traités (dossier de sortie : {outbox}) : 1 accepté, 2 rejetés, 1 illisible, 1 doublon." in out
    lines = out.splitlines()
    expected = [
        "  CR Leroy.docx -> rejets/CR Leroy.docx : rejeté – La rubrique «\u202fAppréciation générale\u202f» n'est "
        "pas remplie",
        "  CR Martin.docx -> 1_attente_observations_agent/2026_100231_MARTIN_Élodie.docx : accepté",
        "  CR Petit.docx -> rejets/CR Petit.docx : rejeté – Le compte rendu n'a pas été rempli : aucune rubrique de "
        "l'évaluation n'est complétée",
        "  renvoi CR Martin.docx -> doublons/renvoi CR Martin.docx : doublon – Copie identique de «\u202fCR "
        "Martin.docx\u202f», déjà traité",
        "  vide.docx -> rejets/vide.docx : illisible – Le fichier est vide : la copie ou l'enregistrement n'a sans "
        "doute pas abouti",
    ]
    assert [line for line in lines if line.startswith("  ")] == expected
    for code in ("champ_manquant", "compte_rendu_vide", "fichier_vide", "(doublon)"):
        assert code not in out


@pytest.mark.parametrize("shown", [0, 1, 2])
def test_beyond_a_number_of_files_of_one_outcome_traiter_counts_them_and_names_the_log(
        tmp_path, returned, capfd, monkeypatch, shown):
    """GIVEN five files (1 accepted, 2 rejected, 1 unreadable, 1 duplicate) and an account that lists
    ``shown`` files of each outcome (100 in use: a backlog of 100,000 files is not told line by line)
    WHEN `traiter` runs THEN each outcome lists its first ``shown`` files, then one line counts the
    others (agreed in number) and names the log, which has every file."""
    import pipeline.cli

    monkeypatch.setattr(pipeline.cli, "SHOWN_PER_OUTCOME", shown)
    config_path = pass_workspace(tmp_path, returned)
    assert main(["traiter", "--config", str(config_path)]) == 0
    out = capfd.readouterr().out
    log_file = config_path.parent / ".entretiens" / "commandes.log"
    listed = [line for line in out.splitlines() if line.startswith("  ") and "de plus" not in line]
    more = [line for line in out.splitlines() if "de plus" in line]
    counts = {"accepté": 1, "rejeté": 2, "illisible": 1, "doublon": 1}
    assert sorted(line.split(" : ")[1].split(" – ")[0] for line in listed) == sorted(
        word for word, n in counts.items() for _ in range(min(n, shown)))
    plural = {"accepté": "acceptés", "rejeté": "rejetés", "illisible": "illisibles", "doublon": "doublons"}
    assert sorted(more) == sorted(
        f"  … et {n - shown} {word if n - shown == 1 else plural[word]} de plus : chacun est dans {log_file}."
        for word, n in counts.items() if n > shown)
    logged = log_file.read_text(encoding="utf-8")
    assert all(f"reçu {name}" in logged for name in ("CR Leroy.docx", "CR Martin.docx", "CR Petit.docx",
                                                     "renvoi CR Martin.docx", "vide.docx"))


def test_traiter_s_log_lines_go_to_the_log_file_not_between_the_account_s_lines(tmp_path, returned, capfd):
    """GIVEN files to take WHEN `traiter` runs without -v THEN standard error holds nothing (no
    «\u202fINFO\u202f» line per file, no warning: nothing went wrong), and the per-file lines, reason codes
    included, are in the state folder's log file."""
    config_path = pass_workspace(tmp_path, returned)
    assert main(["traiter", "--config", str(config_path)]) == 0
    captured = capfd.readouterr()
    assert captured.err == ""
    assert "INFO" not in captured.out and "sha256" not in captured.out
    log_file = config_path.parent / ".entretiens" / "commandes.log"
    logged = log_file.read_text(encoding="utf-8")
    assert "INFO [traiter] reçu CR Leroy.docx" in logged
    assert "rejeté (champ_manquant)" in logged and "illisible (fichier_vide)" in logged
    assert ": doublon\n" in logged and "doublon (doublon)" not in logged  # its code is its outcome's word
    assert oct(log_file.stat().st_mode & 0o777) == "0o640"


def test_with_v_the_log_lines_are_on_the_console_too(tmp_path, returned, capfd):
    config_path = pass_workspace(tmp_path, returned)
    assert main(["-v", "traiter", "--config", str(config_path)]) == 0
    captured = capfd.readouterr()
    assert " INFO reçu CR Leroy.docx" in captured.err and "(champ_manquant)" in captured.err
    assert "INFO" not in captured.out and "5 fichiers traités" in captured.out


def test_a_problem_with_the_run_is_said_once_in_french(tmp_path, returned, capfd, monkeypatch):
    """GIVEN workbooks that cannot be written WHEN `traiter` runs THEN the warning is on standard
    error once, as «\u202fAttention : …\u202f», not also as a log line; the pass itself succeeded."""
    import pipeline.workbooks

    def refused(config, **options):
        raise PermissionError(13, "Permission denied", str(config.outbox / "suivi_campagne.xlsx"))

    monkeypatch.setattr(pipeline.workbooks, "rebuild_workbooks", refused)
    config_path = pass_workspace(tmp_path, returned)
    assert main(["traiter", "--config", str(config_path)]) == 0
    captured = capfd.readouterr()
    assert captured.err.count("Classeurs non mis à jour") == 1
    assert captured.err.startswith("Attention : Classeurs non mis à jour (accès refusé")
    assert "WARNING" not in captured.err and "Classeurs non mis à jour" not in captured.out
    assert "Classeurs non mis à jour" in (config_path.parent / ".entretiens" / "commandes.log").read_text("utf-8")


@pytest.mark.parametrize("command", [["classeurs"], ["reexaminer", "outbox/rejets/vide.docx"], ["generer"],
                                     ["archiver"]])
def test_other_commands_that_write_keep_their_log_lines_in_the_log_file(tmp_path, returned, capfd, monkeypatch,
                                                                      command):
    config_path = pass_workspace(tmp_path, returned)
    assert main(["traiter", "--config", str(config_path)]) == 0
    capfd.readouterr()
    monkeypatch.chdir(config_path.parent)
    log_file = config_path.parent / ".entretiens" / "commandes.log"
    before = log_file.read_text("utf-8")
    assert main([*command, "--config", str(config_path)]) == 0
    captured = capfd.readouterr()
    assert captured.err == "" and "INFO" not in captured.out
    logged = log_file.read_text("utf-8")[len(before):]
    assert all(f" [{command[0]}] " in line for line in logged.splitlines())  # generer logs nothing per file


def test_the_command_as_cron_runs_it_prints_the_account_and_nothing_on_standard_error(tmp_path, returned):
    """The real command in a child process: standard output holds the French account, standard
    error nothing (no log line, no traceback)."""
    config_path = pass_workspace(tmp_path, returned)
    done = run_cli("traiter", "--config", str(config_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "5 fichiers traités" in done.stdout and "rejets/CR Leroy.docx : rejeté – La rubrique" in done.stdout
    assert "Classeur mis à jour" in done.stdout
    # The dashboard and the summary said as what they are, not as workbooks.
    assert not re.search(r"Classeur mis à jour : \S+\.(html|pdf)", done.stdout)
    assert "Tableau de bord mis à jour" in done.stdout or ".html" not in done.stdout


@pytest.mark.parametrize(("line", "expected"), [
    ("La rubrique «\u202fX\u202f» n'est pas remplie. Complétez-la.", "La rubrique «\u202fX\u202f» n'est pas remplie"),
    ("La rubrique «\u202fX\u202f» contient «\u202fM. Roux\u202f», qui n'est pas une valeur prévue. Choisissez.",
     "La rubrique «\u202fX\u202f» contient «\u202fM. Roux\u202f», qui n'est pas une valeur prévue"),
    ("Ce fichier est au format Word 97-2003 (.doc). Enregistrez-le.", "Ce fichier est au format Word 97-2003 (.doc)"),
    ("Une seule phrase sans point", "Une seule phrase sans point"),
    ("Une phrase.", "Une phrase"),
])
def test_the_account_gives_a_reason_s_first_sentence(line, expected):
    from pipeline.cli import first_sentence

    assert first_sentence(line) == expected


# -- a defect of the program: a French error, never a traceback --------------------------------------


def _defect(*_args, **_kwargs):
    return 1 / 0  # ZeroDivisionError: a failure no rule of the product foresaw


@pytest.mark.parametrize("command, broken, kept_in", [
    (["champs", "--json"], "json.dumps", "temp"),  # a command without a log file: a file in the temp folder
    (["etat"], "pipeline.status.campaign_view", "temp"),
    (["classeurs"], "pandas.DataFrame.from_records", "log"),  # a command that writes: its log file
])
def test_a_defect_of_the_program_is_a_french_error_with_its_traceback_kept_exit_1(
        tmp_path, monkeypatch, capsys, command, broken, kept_in):
    """A library function that fails as no rule foresaw (monkeypatched to divide by zero) stops the
    command with one French error naming the exception and the file that keeps its traceback, exit
    code 1; no traceback on the console."""
    import tempfile

    config = write_workspace(tmp_path / "espace", [agent("100001", "Martin", "Léa")])
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setattr(broken, _defect)
    code = main(["--config", str(config.base_dir / "config.yaml"), *command])
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.err + captured.out
    said = captured.err.strip().splitlines()[-1]
    assert said.startswith("Erreur : la commande s'est arrêtée sur un défaut du logiciel (ZeroDivisionError) ; "
                           "aucun fichier n'a été perdu"), said
    assert said.endswith(" : transmettez-le à votre service informatique."), said
    kept = Path(re.search(r"Le détail technique est dans (.+?) : transmettez", said).group(1))
    if kept_in == "log":
        assert kept == config.state_dir / "commandes.log"
    else:
        assert kept.parent == temp and kept.name.startswith(f"entretiens_{command[0]}_")
        assert oct(kept.stat().st_mode & 0o777) == oct(0o600)
    text = kept.read_text(encoding="utf-8")
    assert "Traceback" in text and "ZeroDivisionError" in text and "_defect" in text
