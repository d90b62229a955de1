r"""The ``entretiens`` commands' names, written once. The parser (pipeline/cli.py) registers each
command under its name here, and a message that tells the user to run a command names it from here::

    from .command_names import WORKBOOKS, command_line
    f"puis lancez «\u202f{command_line(WORKBOOKS)}\u202f»."   # « entretiens classeurs »

The users are French HR officers: the commands have French names. The English names they had
before (``FORMER_NAMES``) still run the same commands, with the same options, so that crontabs and
systemd units written before keep working; they are shown nowhere (help, README, messages).
This module imports nothing: any module of the package can use it. A module with a name of its own
that one of these would hide (catalogue.py's list ``FIELDS``) imports the module instead:
``from . import command_names`` and ``command_names.FIELDS``.
"""

from __future__ import annotations

PROGRAM = "entretiens"

DEMO = "demo"
FIELDS = "champs"
GENERATE = "generer"
REEXAMINE = "reexaminer"
TEMPLATES = "modeles"
CHECK = "verifier"
PROCESS = "traiter"
WORKBOOKS = "classeurs"  # rebuilds the training plan and tracking workbooks (formerly `report`)
WATCH = "surveiller"
STATUS = "etat"
REMIND = "relancer"
ARCHIVE = "archiver"
FORM = "formulaire"  # a group: the employer's own form (pipeline/employer_form.py)
FORM_IMPORT = "importer"  # « entretiens formulaire importer MODELE »: its mapping from the blank model
ANNOUNCE = "annoncer"  # the campaign's announcement to every agent reviewed (pipeline/mail/announcement.py)
CONSOLIDATE = "consolider"  # one workbook from several workspaces' exports (pipeline/consolidated.py)
INVITE = "convoquer"  # invitations to the review by mail, with a calendar invitation (pipeline/mail/invitations.py)

# Each command's former English name, still accepted (hidden alias): command -> former name.
FORMER_NAMES = {
    FIELDS: "fields",
    GENERATE: "generate",
    TEMPLATES: "templates",
    CHECK: "check",
    PROCESS: "process",
    WORKBOOKS: "report",
    WATCH: "watch",
    STATUS: "status",
}


def command_line(command: str, *arguments: object) -> str:
    """What the user types: ``command_line(PROCESS, "--config", path)`` -> ``entretiens traiter --config …``."""
    return " ".join([PROGRAM, command, *map(str, arguments)])
