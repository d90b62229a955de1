"""The French user guide (docs/guide/) stays complete: every command of the ``entretiens`` parser,
every reason a note can give (enumerated from pipeline/outcomes.py, so that a new one fails here until
it is described), every column of the workbooks and every state of a deadline is described in it, in
French typography, and the README links to it."""

from __future__ import annotations

import argparse
import re

import pytest

from pipeline import catalogue as cat
from pipeline import deadlines
from pipeline import outcomes
from pipeline.cli import build_parser
from tests.conftest import REPO

GUIDE = REPO / "docs" / "guide"
PAGES = ("README.md", "campagne.md", "commandes.md", "classeurs.md", "motifs.md", "questions.md", "employeurs.md")
NNBSP, NBSP = "\u202f", "\u00a0"


def page(name: str) -> str:
    return (GUIDE / name).read_text(encoding="utf-8")


def plain(text: str) -> str:
    """Spaces as a program writes them: the guide's no-break spaces and line breaks are plain spaces."""
    return " ".join(text.replace(NNBSP, " ").replace(NBSP, " ").split())


def sections(text: str, level: str) -> dict[str, str]:
    """Each heading of ``level`` (``##``) whose title is code (`` `entretiens etat` ``), with its text
    up to the next heading of that level or above."""
    found = {}
    for match in re.finditer(rf"^{level} `([^`]+)`[^\n]*\n(.*?)(?=^#{{1,{len(level)}}} |\Z)", text, re.M | re.S):
        found[match[1]] = match[2]
    return found


def reason_codes() -> list[str]:
    """Every reason a note can give: the code of each :class:`Reason` of pipeline/outcomes.py and of
    each :class:`UnreadableReport` subclass (the base class, never raised itself, aside)."""
    codes = {value.code for value in vars(outcomes).values() if isinstance(value, outcomes.Reason)}
    pending = list(outcomes.UnreadableReport.__subclasses__())
    while pending:
        reason = pending.pop()
        codes.add(reason.code)
        pending.extend(reason.__subclasses__())
    return sorted(codes)


def commands() -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)  # the French names; the former English ones are hidden


def test_reasons_are_enumerated_from_the_outcomes_module():
    codes = reason_codes()
    assert {"champ_manquant", "reponses_contradictoires", "doublon", "fichier_vide", "pdf_non_identifie"} <= set(codes)
    assert {reason.code for reason in outcomes.UNREADABLE_REASONS} <= set(codes)
    assert outcomes.UnreadableReport.code not in codes


@pytest.mark.parametrize("code", reason_codes())
def test_every_reason_is_described_with_what_the_manager_does(code):
    """A reason added to pipeline/outcomes.py needs its section in docs/guide/motifs.md: a heading
    « ### `code` », what it means, and « Que faire »."""
    described = sections(page("motifs.md"), "###")
    assert code in described, f"motif «\u202f{code}\u202f» absent de docs/guide/motifs.md"
    assert len(described[code].split()) >= 15 and "Que faire" in described[code], code


@pytest.mark.parametrize("name", list(commands()))
def test_every_command_is_described_with_its_options_and_an_example(name):
    """A command added to the parser needs its section in docs/guide/commandes.md: a heading
    « ## `entretiens name` », what it does, each of its options and arguments, and an example."""
    described = sections(page("commandes.md"), "##")
    assert f"entretiens {name}" in described, f"commande «\u202f{name}\u202f» absente de docs/guide/commandes.md"
    text = described[f"entretiens {name}"]
    assert len(text.split()) >= 25
    example = re.search(r"^```sh\n(.*?)^```", text, re.M | re.S)
    assert example and f"entretiens {name}" in example[1], f"{name} : pas d'exemple"
    for action in commands()[name]._actions:
        if set(action.option_strings) & {"-h", "--help", "--config", "--employeur"}:
            continue  # --config, --employeur: the options every command takes, said once at the top
        shown = action.option_strings[0] if action.option_strings else action.metavar
        assert f"`{shown}" in text, f"{name} : {shown} non décrit"


def test_the_options_every_command_takes_are_described_once():
    top = page("commandes.md").split("\n## ", 1)[0]
    for option in ("--config CHEMIN", "-v", "--verbose", "--employeur CODE"):
        assert f"`{option}`" in top


def test_every_column_of_the_workbooks_is_described(tmp_path):
    from pipeline.config import Config
    from pipeline.workbooks.costs import cost_columns
    from pipeline.workbooks.tracking import deadline_columns, relance_columns, tracking_columns
    from pipeline.workbooks.training_plan import need_columns, pending_columns

    config = Config(base_dir=tmp_path)  # the embedded defaults
    text = plain(page("classeurs.md"))
    headers = [c.header for c in [*need_columns(config.catalogue), *pending_columns(config.catalogue),
                                  *tracking_columns(config), *deadline_columns(config), *relance_columns(config),
                                  *(c for columns in cost_columns().values() for c in columns)]]
    # A deadline's two columns (« … : échéance », « … : état ») are described by its label.
    headers = {re.sub(r" : (échéance|état)$", "", header) for header in headers}
    assert sorted(header for header in headers if header not in text) == []


def test_every_state_of_a_deadline_and_whom_to_chase_is_explained():
    text = plain(page("classeurs.md"))
    states = [deadlines.ON_TIME, deadlines.LATE, deadlines.OVERDUE, deadlines.PENDING, deadlines.NOT_DATED,
              deadlines.NOT_APPLICABLE, deadlines.RUNNING, deadlines.EXPIRED]
    assert [state for state in states if f"« {state} »" not in text] == []
    assert [party for party in (cat.EVALUATOR_PARTY, cat.AGENT_PARTY, cat.AUTHORITY_PARTY)
            if f"« {party} »" not in text] == []


@pytest.mark.parametrize("name", PAGES)
def test_the_guide_is_written_in_french_typography(name):
    """Narrow no-break spaces inside « », no-break spaces before « : », outside code."""
    prose = re.sub(r"```.*?```|`[^`\n]*`", "", page(name), flags=re.S)
    assert "« " not in prose and " »" not in prose and " :" not in prose and " ;" not in prose


def test_the_guide_links_its_pages_and_the_readme_links_the_guide():
    index = page("README.md")
    assert [name for name in PAGES[1:] if f"]({name})" not in index] == []
    assert "docs/guide/" in (REPO / "README.md").read_text(encoding="utf-8")


def test_the_guide_describes_the_dashboard_and_the_summary():
    """Each part of the dashboard (its table of contents) and the summary are described in
    docs/guide/classeurs.md, and the guide's index names both files."""
    template = (REPO / "pipeline" / "dashboard" / "templates" / "tableau_de_bord.html").read_text(encoding="utf-8")
    parts = re.findall(r'<li><a href="#[^"]+">([^<]+)</a></li>', template)
    assert len(parts) >= 6
    text = plain(page("classeurs.md"))
    assert [part for part in parts if f"« {part} »" not in text] == []
    assert "`tableau_de_bord.html`" in text and "`synthese_campagne.pdf`" in text and "une page A4" in text
    assert "tableau_de_bord.html" in page("README.md") and "synthese_campagne.pdf" in page("README.md")
