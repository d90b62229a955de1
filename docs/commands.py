"""The README's command reference, made from the ``entretiens`` parser's own help texts (French,
as ``entretiens COMMAND --help`` shows them), so that the two never disagree.

    python docs/commands.py            # print the Markdown table
    python docs/commands.py --update   # write it into README.md, between the two markers

tests/test_docs.py fails when README.md holds anything else between the markers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from docs.readme_blocks import block_of, update_block  # noqa: E402
from pipeline.cli import build_parser  # noqa: E402

README = REPO / "README.md"
BEGIN = "<!-- commands: made by `python docs/commands.py --update` from the --help texts; do not edit by hand -->"
END = "<!-- end of commands -->"
COMMON = {"help", "config"}  # on every command: said once, on the first row


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _shown(action: argparse.Action) -> str:
    """How an option or argument is written in a synopsis: ``--roster FICHIER``, ``FICHIER...``."""
    if not action.option_strings:
        metavar = action.metavar or action.dest.upper()
        return {"?": f"[{metavar}]", "+": f"{metavar}...", "*": f"[{metavar}...]"}.get(action.nargs, metavar)
    option = action.option_strings[0]  # as argparse's usage line: -v, not --verbose
    if action.nargs == 0:
        return option
    return f"{option} {action.metavar or action.dest.upper()}"


def _synopsis(parser: argparse.ArgumentParser, actions: list[argparse.Action]) -> str:
    """As argparse's usage line: the options, then the arguments."""
    parts = [parser.prog]
    for action in sorted(actions, key=lambda a: not a.option_strings):
        if isinstance(action, argparse._SubParsersAction):
            parts.append(action.metavar)
        elif action.option_strings and not action.required:
            parts.append(f"[{_shown(action)}]")
        else:
            parts.append(_shown(action))
    return " ".join(parts)


def _options(parser: argparse.ArgumentParser, actions: list[argparse.Action]) -> str:
    formatter = parser._get_formatter()
    lines = []
    for action in actions:
        if action.help in (None, argparse.SUPPRESS) or isinstance(action, argparse._SubParsersAction):
            continue
        if action.option_strings and action.nargs != 0:
            names = ", ".join(f"`{o} {action.metavar or action.dest.upper()}`" for o in action.option_strings)
        elif action.option_strings:
            names = ", ".join(f"`{o}`" for o in action.option_strings)
        else:
            names = f"`{action.metavar or action.dest.upper()}`"
        lines.append(f"{names} : {_cell(formatter._expand_help(action))}")
    return "<br>".join(lines)


def _commands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return action


def table(parser: argparse.ArgumentParser | None = None) -> str:
    """The Markdown table: the command itself (its options valid everywhere), then one row per command
    with its synopsis, its help line and each of its own options with its help. The commands' former
    English names, hidden aliases, are not among ``choices``' names: the table has the French ones only."""
    parser = parser or build_parser()
    top = [a for a in parser._actions if a.dest != "help"]
    rows = ["| command | what it does | options |", "|---|---|---|",
            f"| `{_synopsis(parser, top)}` | {_cell(parser.description)} | {_options(parser, top)} |"]
    rows += _rows(_commands(parser))
    return "\n".join(rows) + "\n"


def _rows(commands: argparse._SubParsersAction) -> list[str]:
    """One row per command, then one per action of a command group (``entretiens formulaire importer``)."""
    rows = []
    helps = {choice.dest: choice.help for choice in commands._choices_actions}
    for name, sub in commands.choices.items():
        own = [a for a in sub._actions if a.dest not in COMMON]
        rows.append(f"| `{_synopsis(sub, own)}` | {_cell(helps[name])} | {_options(sub, own)} |")
        for group in (a for a in sub._actions if isinstance(a, argparse._SubParsersAction)):
            rows += _rows(group)
    return rows


def section(parser: argparse.ArgumentParser | None = None) -> str:
    """What README.md holds between the markers, markers included."""
    return f"{BEGIN}\n{table(parser)}{END}"


def readme_section(text: str) -> str | None:
    """The part of ``text`` between the markers (included), or None when they are missing."""
    return block_of(text, BEGIN, END)


def update(readme: Path = README) -> bool:
    """Write the table into ``readme`` between the markers; True when something changed."""
    return update_block(readme, BEGIN, END, section())


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--update", action="store_true", help="write the table into README.md")
    args = cli.parse_args(argv)
    if args.update:
        print(f"README.md {'updated' if update() else 'already up to date'}.")
    else:
        sys.stdout.write(table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
