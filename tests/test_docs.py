"""The README stays true: every command and every option of the ``entretiens`` parser is in it, its
command table is the one docs/commands.py makes from the --help texts, and the library's functions
are named in it."""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import re
import subprocess
import sys

import pytest

import pipeline
from pipeline.cli import build_parser
from pipeline.command_names import FORMER_NAMES
from tests.conftest import REPO

README = REPO / "README.md"


def load_commands_script():
    spec = importlib.util.spec_from_file_location("docs_commands", REPO / "docs" / "commands.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


commands = load_commands_script()


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text(encoding="utf-8")


def parsers() -> dict[str, argparse.ArgumentParser]:
    """``entretiens`` itself (name ``""``) and each of its commands."""
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {"": parser, **action.choices}


def test_every_command_is_documented_in_the_readme(readme):
    undocumented = [name for name in parsers() if name
                    and not re.search(rf"entretiens(\s+--config\s+\S+)?\s+{name}\b", readme)]
    assert undocumented == []


@pytest.mark.parametrize("name", list(parsers()), ids=lambda name: name or "entretiens")
def test_every_option_of_every_command_is_in_the_readme(readme, name):
    options = [option for action in parsers()[name]._actions for option in action.option_strings
               if option not in ("-h", "--help")]
    missing = [option for option in options if not re.search(rf"`{re.escape(option)}[` ]", readme)]
    assert missing == [], f"entretiens {name}: options absentes du README"


def test_the_readme_command_table_is_made_from_the_help_texts(readme):
    """README.md holds, between the markers, exactly what ``python docs/commands.py`` prints: run
    ``python docs/commands.py --update`` after changing a command, an option or a help text."""
    assert commands.readme_section(readme) is not None, "marqueurs absents du README"
    assert commands.readme_section(readme) == commands.section()


def test_the_readme_command_table_has_no_english_command_name(readme):
    """The commands' former English names still run (hidden aliases) but the table shows the French ones."""
    table = commands.readme_section(readme)
    assert [old for old in FORMER_NAMES.values() if re.search(rf"\b{old}\b", table)] == []
    for new in FORMER_NAMES:
        assert f"| `entretiens {new}" in table


def test_the_readme_says_the_former_names_still_work(readme):
    prose = readme.replace(commands.readme_section(readme), "")
    sentence = re.search(r"The English names the commands had before \((.*?)\) still run the same commands",
                         " ".join(prose.split()))
    assert sentence, "the README says the former names still work"
    assert sorted(re.findall(r"`(\w+)`", sentence[1])) == sorted(FORMER_NAMES.values())


def test_the_readme_runs_no_command_by_its_english_name(readme):
    """Every ``entretiens COMMAND`` written in the README uses the French name."""
    runs = re.findall(r"entretiens(?:\s+--config\s+\S+)?\s+(\w+)", readme)
    assert runs and [name for name in runs if name in FORMER_NAMES.values()] == []


def test_the_table_names_every_command_and_option_with_its_help():
    table = commands.table()
    for name, parser in parsers().items():
        for action in parser._actions:
            if action.help and action.dest not in ("help", "command") and (not name or action.dest != "config"):
                assert " ".join(action.help.split()) in table, (name, action.dest)


def test_commands_script_prints_the_table():
    done = subprocess.run([sys.executable, str(REPO / "docs" / "commands.py")], capture_output=True, text=True,
                          encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == commands.table()


def test_commands_script_update_rewrites_a_stale_table(tmp_path):
    stale = tmp_path / "README.md"
    stale.write_text(f"# x\n\n{commands.BEGIN}\n| old |\n{commands.END}\n\nafter\n", encoding="utf-8")
    assert commands.update(stale) is True
    assert stale.read_text(encoding="utf-8") == f"# x\n\n{commands.section()}\n\nafter\n"
    assert commands.update(stale) is False


def test_the_library_functions_are_named_in_the_readme(readme):
    functions = [name for name in pipeline.__all__ if inspect.isfunction(getattr(pipeline, name))]
    assert functions and [name for name in functions if f"`{name}`" not in readme] == []


def test_the_readme_lists_the_roster_columns_the_catalogue_accepts(readme):
    spec = importlib.util.spec_from_file_location("docs_roster_columns", REPO / "docs" / "roster_columns.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.block() in readme, "run: python docs/roster_columns.py --update"
    assert "| courriel évaluateur |" in module.table() and "| catégorie |" in module.table()
