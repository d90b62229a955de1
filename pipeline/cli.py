"""The ``entretiens`` command: a thin shell over the library (``pipeline``'s functions).

Each command parses its options, calls one library function, and turns a
library exception into a French message and an exit code: 0 done
(rejections are normal outcomes), 1 a problem with the run itself, 2 usage, 130
interrupted (Ctrl-C).
Nothing heavy is imported before a command runs: ``entretiens --help`` loads
neither pydantic nor pandas.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import re
import sys
from collections import Counter
from pathlib import Path

from . import command_names as names
from . import (archive_campaign, build_templates, campaign_status, check_files, generate_documents, import_form,
               load_config, process_inbox, rebuild_workbooks, reexamine_files, run_service, send_reminders,
               watcher_state)
from .command_names import FORMER_NAMES, PROGRAM, command_line
from .files import describe_failure, disk_full, full_folder
from .logs import LINE, TOLD_BY_THE_COMMAND, CommandLog, quiet_disk_full_tracebacks
from .naming import COMMANDS_LOG_NAME, PREVIOUS_VERSIONS, TO_SEND, shown_name
from .outcomes import PASS_OUTCOMES, DiskFull, EntretiensError
from .signed_copies import BY_CODE
from .text import KIND_WORDS, agreed, counted, format_date, shown_value

EXIT_OK, EXIT_RUN_PROBLEM, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

log = logging.getLogger("entretiens")
_QUIET_RESOURCE_TRACKER = "ignore::UserWarning:multiprocessing.resource_tracker"


# argparse's own messages (Python 3.11), as users read them: (pattern, French), in this order.
_ARGPARSE_FRENCH = (
    (r"\bargument (-[^\s:]+(?:/-[^\s:]+)?): ", r"option \1 : "),
    (r"\bargument ([^\s:]+): ", r"argument \1 : "),
    (r"invalid float value: '(.*?)'", r"« \1 » n'est pas un nombre"),
    (r"invalid int value: '(.*?)'", r"« \1 » n'est pas un nombre entier"),
    (r"invalid \w+ value: '(.*?)'", r"valeur « \1 » non valable"),
    (r"invalid choice: '(.*?)' \(choose from (.*)\)",
     lambda m: f"choix «\u202f{m[1]}\u202f» invalide (choix possibles : {m[2].replace(chr(39), '')})"),
    (r"ambiguous option: (\S+) could match (.*)", r"option \1 ambiguë (\2)"),
    (r"ignored explicit argument '(.*?)'", r"valeur « \1 » inattendue"),
    (r"not allowed with argument", "incompatible avec"),
    (r"expected at least one argument", "au moins une valeur est attendue"),
    (r"expected at most one argument", "une valeur au plus est attendue"),
    (r"expected one argument", "une valeur est attendue"),
    (r"the following arguments are required:", "arguments obligatoires manquants :"),
    (r"unrecognized arguments:", "arguments non reconnus :"),
    (r"\busage: ", "utilisation : "),
    (r"^positional arguments:", "arguments :"),
    (r"^options:", "options :"),
    (r"show this help message and exit", "affiche cette aide et quitte"),
)


def _french(message: str) -> str:
    for english, french in _ARGPARSE_FRENCH:
        message = re.sub(english, french, message, flags=re.MULTILINE)
    return message


def _seconds(text: str) -> float:
    """A number of seconds, with a decimal point or a French decimal comma (``2,5``). Its bounds
    are config.yaml's (:meth:`pipeline.config.Watch.updated`)."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(f"«\u202f{text}\u202f» n'est pas un nombre de secondes") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"«\u202f{text}\u202f» n'est pas un nombre de secondes")
    return value


class _Commands(dict):
    """The commands by name, as argparse's subparsers action holds them (its ``choices``). The help's
    command list, the usage line and « choix possibles » show the French names only: argparse lists
    ``aliases=`` beside each name and prints « ==SUPPRESS== » for ``help=argparse.SUPPRESS``. A former
    English name (``former``: name -> parser) still finds its command: ``in`` and ``[]`` look there too."""

    def __init__(self):
        super().__init__()
        self.former: dict[str, argparse.ArgumentParser] = {}

    def __contains__(self, name) -> bool:
        return super().__contains__(name) or name in self.former

    def __missing__(self, name):
        return self.former[name]


class _SubCommands(argparse._SubParsersAction):
    """argparse's subparsers, each command also reachable under its former English name, hidden."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._name_parser_map = self.choices = _Commands()

    def add_parser(self, name, **kwargs):
        parser = super().add_parser(name, **kwargs)
        if name in FORMER_NAMES:
            self.choices.former[FORMER_NAMES[name]] = parser
        return parser

    def __call__(self, parser, namespace, values, option_string=None):
        name = next((new for new, old in FORMER_NAMES.items() if old == values[0]), values[0])
        super().__call__(parser, namespace, [name, *values[1:]], option_string)  # args.command: the French name


class _Parser(argparse.ArgumentParser):
    """argparse in French for the parts users read."""

    def format_usage(self) -> str:
        return _french(super().format_usage())

    def format_help(self) -> str:
        return _french(super().format_help())

    def error(self, message: str):  # exit 2, as argparse does
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog} : erreur : {_french(message)}\n")


def _progress(done: int, total: int) -> None:
    """A progress bar on the terminal for long passes; nothing in logs or pipes."""
    if not sys.stderr.isatty() or total < 20:
        return
    width = 30
    filled = width * done // total
    end = "\n" if done == total else "\r"
    print(f"  [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end,
          file=sys.stderr, flush=True)


# -- what every command that writes does ---------------------------------------


def _config(args):
    """The configuration a command works on: config.yaml's, or the employer's view of it when the
    command runs once per employer (:func:`_per_employer`)."""
    return args.view if getattr(args, "view", None) is not None else load_config(args.config)


def _loaded(args):
    """The configuration of a command that writes, its log lines going to the state folder's log file
    from now on (pipeline/logs.py), the console keeping the French account."""
    config = _config(args)
    if not getattr(args, "logging_to_file", False):
        args.log.to_file(config.state_dir, COMMANDS_LOG_NAME)
    return config


# Commands that work on one employer at a time: with several employers (config.yaml «\u202femployeurs\u202f»),
# run once per employer (or for the one --employeur names), each under a heading.
PER_EMPLOYER = (names.GENERATE, names.REEXAMINE, names.TEMPLATES, names.WORKBOOKS, names.REMIND, names.ANNOUNCE,
                names.INVITE, names.ARCHIVE)


def _per_employer(args) -> int | None:
    """Run the command once per employer of a workspace that serves several; ``None`` when the
    workspace serves one (the command runs as always)."""
    from .consolidated import consolidated_outputs
    from .employers import employer_label, views_of

    if args.command not in PER_EMPLOYER:
        return None
    config = args.view = load_config(args.config)  # loaded once: the handler takes it (_config)
    if not config.employers:
        if args.employer is not None:
            views_of(config, args.employer)  # says why --employeur does not apply
        return None
    views = views_of(config, args.employer)
    args.log.to_file(config.state_dir, COMMANDS_LOG_NAME)
    args.logging_to_file = True
    code = EXIT_OK
    for view in views:
        print(f"== Employeur {employer_label(view)} ==", flush=True)
        args.view = view
        try:
            code = max(code, args.handler(args))
        except DiskFull:
            raise  # the disk is everyone's: the command stops
        except EntretiensError as exc:  # this employer's mistake (its roster, its form): the others go on
            log.error("%s", exc.message, extra=TOLD_BY_THE_COMMAND)
            print(f"Erreur pour l'employeur {employer_label(view)} : {exc.message}", file=sys.stderr, flush=True)
            code = EXIT_RUN_PROBLEM
    if args.command == names.GENERATE:
        from .employers import make_inbox_folders

        make_inbox_folders(config)  # where HR may drop each employer's reports (etat says none is missing)
    if args.command == names.WORKBOOKS and args.employer is None:
        with _writing(names.WORKBOOKS, config.outbox):
            for line in written_for_all(consolidated_outputs(config), config):
                print(line)
    return code


@contextlib.contextmanager
def _writing(command: str, *folders: Path):
    """Around what a command writes: a full disk, under whatever error it comes, stops the command
    with :class:`~pipeline.outcomes.DiskFull` (French: which disk, what stays as it is, what to do;
    exit 1), never a traceback. ``folders``: where the command writes, the likeliest first."""
    try:
        yield
    except DiskFull as exc:  # the library's own (a pass): said as this command says it (the demo's passes)
        if exc.command == command:
            raise
        raise DiskFull.stopped(command, exc.folder) from exc
    except Exception as exc:
        if (full := disk_full(exc)) is None:
            raise
        raise DiskFull.stopped(command, full_folder(full, list(folders))) from exc


# -- commands ----------------------------------------------------------------

def cmd_demo(args) -> int:
    from .demo import run_demo, summary

    print(f"Préparation de la campagne de démonstration dans {args.dir}...", file=sys.stderr)
    with _writing(names.DEMO, args.dir):  # the summary says what happened; per-file lines only with -v
        done = run_demo(args.dir, **({"public_service": args.public_service} if args.public_service else {}))
    print(summary(done))
    return EXIT_OK


def cmd_fields(args) -> int:
    config = load_config(args.config)
    if args.employer is not None:
        from .employers import views_of

        config = views_of(config, args.employer)[0]
    catalogue = config.catalogue
    if args.json:
        print(json.dumps(catalogue.as_json(), ensure_ascii=False, indent=2))
        return EXIT_OK
    titles = {s.key: s.title for s in catalogue.sections}
    print("Étapes :")
    for stage in catalogue.stages:
        print(f"  {stage.number}. {stage.label}  [dossier {stage.folder}]")
    current = None
    for f in catalogue.fields:
        if f.section != current:
            current = f.section
            print(f"\n{titles[f.section]}")
        required = f"obligatoire dès l'étape {f.required_from}" if f.required_from else "facultatif"
        if f.required_if:
            required += f" (si {f.required_if.field} = {', '.join(map(shown_value, f.required_if.one_of))})"
        print(f"  {f.key:<28} {f.label}  [{KIND_WORDS[f.kind]}, {required}]")
        if f.choices:
            print(f"  {'':<28}   valeurs : {', '.join(f.choices)}")
        for c in f.columns or []:
            extra = f" : {', '.join(c.choices)}" if c.choices else ""
            print(f"  {'':<28}   colonne {c.key} «\u202f{c.label}\u202f» ({KIND_WORDS[c.kind]}){extra}")
    if catalogue.contradictions:
        print("\nRéponses contradictoires (section «\u202fcatalogue: contradictions\u202f» de config.yaml) :")
    for rule in catalogue.contradictions:
        said = []
        for answer in rule.answers:
            if answer.empty:
                said.append(f"{answer.field} vide")
            elif answer.one_of or answer.none_of:
                said.append(answer.field + (f" = {', '.join(answer.one_of)}" if answer.one_of else "")
                            + (f" ≠ {', '.join(answer.none_of)}" if answer.none_of else ""))
            else:
                said.append(f"{answer.field} rempli")
        print(f"  {rule.key}  [{rule.severity}]\n  {'':<28} {' et '.join(said)}")
    return EXIT_OK


def cmd_generate(args) -> int:
    config = _loaded(args)
    with _writing(names.GENERATE, config.outbox / TO_SEND, config.state_dir):
        result = generate_documents(config, roster=args.roster, progress=_progress, rewrite_all=args.tout)
    for problem in result.problems:
        print(f"Attention, {problem}", file=sys.stderr)
    for notice in result.notices:
        print(f"Remarque\u00a0: {notice}", file=sys.stderr)
    print_not_reviewed(result.not_reviewed, config, consequence="sans compte rendu ni convocation")
    folder = config.outbox / TO_SEND
    print(f"{counted(len(result.reports), 'compte rendu pré-rempli', 'comptes rendus pré-remplis')} et "
          f"{counted(len(result.invitations), 'convocation', 'convocations')} dans {folder} : "
          f"{counted(len(result.written), 'nouveau', 'nouveaux')}, {len(result.updated)} mis à jour, "
          f"{counted(len(result.unchanged), 'inchangé, laissé tel quel', 'inchangés, laissés tels quels')}.")
    if result.replaced:
        print(f"Les versions remplacées sont gardées dans {folder / PREVIOUS_VERSIONS}.")
    if result.problems:
        print(f"{counted(len(result.problems), 'ligne', 'lignes')} de la liste des agents à corriger (voir ci-dessus).")
    return EXIT_OK


def cmd_reexamine(args) -> int:
    config = _loaded(args)
    with _writing(names.REEXAMINE, config.outbox, config.state_dir):
        result = reexamine_files(config, args.files)
    print(format_pass(result, config))
    print_outputs(result, config)
    return EXIT_RUN_PROBLEM if result.outputs_disk_full else EXIT_OK


def cmd_templates(args) -> int:
    config = _config(args)
    with _writing(names.TEMPLATES, config.templates):
        built = build_templates(config)
    for path in built:
        print(f"Modèle écrit : {path}")
    return EXIT_OK


def cmd_form_import(args) -> int:
    from .catalogue import BASE, for_public_service
    from .employer_import import OUTPUT_NAME

    # Its public service (the employer's): the catalogue the form is mapped to. The mapping this
    # command writes may be named by config.yaml already, and not exist yet: not read.
    config = load_config(args.config, read_forms=False)
    if args.employer is not None:
        from .employers import views_of

        config = views_of(config, args.employer)[0]
    output = args.sortie if args.sortie is not None else config.base_dir / OUTPUT_NAME
    with _writing(names.FORM, Path(output).parent):
        result = import_form(args.model, catalogue=for_public_service(BASE, config.public_service), output=output)
    print(result.summary())
    return EXIT_OK


def cmd_check(args) -> int:
    config = load_config(args.config)
    absent = [path for path in args.files if not os.path.lexists(path)]
    for path in absent:  # a typo in the command, not a file that vanished: said so, exit 1
        print(f"Erreur : le fichier «\u202f{shown_name(str(path))}\u202f» n'existe pas. Vérifiez son nom et son dossier.",
              file=sys.stderr)
    present = [path for path in args.files if path not in absent]
    if config.employers:  # each file examined as its employer's (found as a pass would route it)
        from .employers import check_employers_files

        results = check_employers_files(config, present, employer=args.employer)
    else:
        results = check_files(config, present)
    if args.json:
        print(json.dumps([r.as_json() for r in results], ensure_ascii=False, indent=2))
    else:
        for result in results:
            print(format_examination(result, config.catalogue))
    return EXIT_RUN_PROBLEM if absent else EXIT_OK


def cmd_process(args) -> int:
    from .parallel import settle_startup_objects

    config = _loaded(args)
    settle_startup_objects()  # an entry point's business: the process lives for the pass
    try:
        with _writing(names.PROCESS, config.outbox, config.state_dir, config.inbox):
            # takes the lock: never while `surveiller` runs
            result = process_inbox(config, progress=_progress, employer=args.employer)
    except DiskFull as stopped:  # what was done before, then (main) why it stopped and what to do
        if sys.stderr.isatty():
            print(file=sys.stderr)  # after the progress bar's line
        if stopped.partial is not None:
            print(format_pass(stopped.partial, config))
        raise
    if config.employers:
        print(format_employers_pass(result, config))
        return EXIT_RUN_PROBLEM if result.outputs_disk_full or result.failed else EXIT_OK
    print(format_pass(result, config))
    print_outputs(result, config)
    return EXIT_RUN_PROBLEM if result.outputs_disk_full else EXIT_OK  # the files placed, not the workbooks


def format_employers_pass(done, config) -> str:
    """A pass over several employers: the files routed from the shared inbox, those no employer
    could be found for (with why), then each employer's pass as ``traiter`` tells one, then the
    consolidated workbook."""
    from .employers import UNASSIGNED_FOLDER, employer_label

    lines = []
    routing = done.routing
    if routing.routed:
        lines.append(f"{counted(len(routing.routed), 'fichier aiguillé vers son employeur', 'fichiers aiguillés vers leur employeur')} : "
                     + ", ".join(f"{code} : {n}" for code, n in Counter(r.employer for r in routing.routed).items()) + ".")
    if routing.unassigned:
        lines.append(f"{counted(len(routing.unassigned), 'fichier', 'fichiers')} sans employeur, mis dans "
                     f"{config.outbox / UNASSIGNED_FOLDER} avec une note :")
        lines.extend(f"  {item.received_name} : {first_sentence(item.reason)}" for item in routing.unassigned)
    if routing.left_alone:
        lines.append(f"{counted(len(routing.left_alone), 'fichier laissé', 'fichiers laissés')} dans le dossier "
                     "d'entrée pour l'instant :")
        lines.extend(f"  {name} : {why}" for name, why in routing.left_alone)
    if not done.passes and not routing.routed and not routing.unassigned:
        lines.append(f"Aucun fichier à traiter dans {config.inbox}.")
    shown: Counter = Counter()  # files listed one by one, for all the employers together
    for view, result in done.passes:
        lines.append(f"== Employeur {employer_label(view)} ==")
        lines.append(format_pass(result, view, shown, log_file=config.state_dir / COMMANDS_LOG_NAME))
        if result.mail is not None and (summary := result.mail.summary(view)):
            lines.append(summary)
        if result.workbooks:  # one line per employer: a centre de gestion has hundreds
            lines.append(f"Classeurs mis à jour dans {view.outbox} : " + ", ".join(p.name for p in result.workbooks))
    lines.extend(written_for_all(done.workbooks, config))
    lines.extend(said for _, said in done.failed)
    return "\n".join(lines)


def written_for_all(paths: list[Path], config) -> list[str]:
    """What was written for all employers, in a few lines: the consolidated files by name, the CAP's
    folders counted (one per commune)."""
    from .cap import CAP_FOLDER

    cap = config.outbox / CAP_FOLDER
    gathered = [p for p in paths if p.is_relative_to(cap)]
    lines = [f"Tous les employeurs : écrit {p}" for p in paths if p not in gathered]
    if gathered:
        folders = counted(len(gathered), "dossier d'employeur mis à jour", "dossiers d'employeurs mis à jour")
        lines.append(f"Pour la CAP : {folders} dans {cap}")
    return lines


# What a pass rewrote, as people call each (the dashboard and the summary are no workbooks).
_UPDATED = {".xlsx": "Classeur mis à jour", ".csv": "Classeur mis à jour", ".html": "Tableau de bord mis à jour",
            ".pdf": "Synthèse mise à jour"}


def print_outputs(result, config) -> None:
    """The messages and workbooks a pass ended with. Their problems are warnings of the log, which the
    console shows once (pipeline/logs.py): not printed again here."""
    if result.mail is not None and (summary := result.mail.summary(config)):
        print(summary)
    for path in result.workbooks:
        print(f"{_UPDATED.get(Path(path).suffix.lower(), _UPDATED['.xlsx'])} : {path}")


# Files of one outcome a pass's account lists one by one; the others are counted, and are in the log.
SHOWN_PER_OUTCOME = 100


def format_pass(result, config, shown: Counter | None = None, *, log_file: Path | None = None) -> str:
    """What a pass did, as ``traiter`` and ``reexaminer`` tell it: the counts, then one line per file
    with where it went (in the outbox), its outcome and, for a file turned away, why, shortly (the
    note says everything; the codes are in the log); beyond :data:`SHOWN_PER_OUTCOME` files of one
    outcome, one line counts the others and names the log that has them (``log_file``: the
    command's, by default ``config``'s). ``shown``: the files already listed by outcome, shared by
    the passes of one account (several employers', whose log is the workspace's)."""
    lines = []
    if not result.handled:
        lines.append(f"Aucun fichier à traiter dans {config.inbox}.")
    else:
        parts = [o.counted(result.count(o)) for o in PASS_OUTCOMES if result.count(o)]
        lines.append(f"{counted(len(result.handled), 'fichier traité', 'fichiers traités')} (dossier de sortie : "
                     f"{config.outbox}) : " + ", ".join(parts) + ".")
        shown = Counter() if shown is None else shown
        left_out: Counter = Counter()
        for handled in result.handled:  # a backlog of 100,000 files is not told line by line
            if shown[handled.outcome] < SHOWN_PER_OUTCOME:
                shown[handled.outcome] += 1
                lines.append(f"  {handled_line(handled, config.outbox)}")
            else:
                left_out[handled.outcome] += 1
        log_file = log_file or config.state_dir / COMMANDS_LOG_NAME
        lines.extend(f"  … et {outcome.counted(left_out[outcome])} de plus : chacun est dans {log_file}."
                     for outcome in PASS_OUTCOMES if left_out[outcome])
    if result.left_alone:
        lines.append(f"{counted(len(result.left_alone), 'fichier laissé', 'fichiers laissés')} dans le dossier "
                     "d'entrée pour l'instant :")
        lines.extend(f"  {name} : {why}" for name, why in result.left_alone)
    if getattr(result, "skipped", None):  # reexaminer: what it was named but did not examine again
        lines.append(f"{counted(len(result.skipped), 'fichier laissé', 'fichiers laissés')} de côté :")
        lines.extend(f"  {why}" for _, why in result.skipped)
    return "\n".join(lines)


def handled_line(handled, outbox: Path) -> str:
    """«\u202fCR LEROY.docx -> rejets/CR LEROY.docx : rejeté – La rubrique «\u202fAppréciation générale\u202f» n'est
    pas remplie (et 2 autres points : voir la note)\u202f»."""
    try:
        where = Path(handled.destination).relative_to(outbox)
    except ValueError:
        where = handled.destination
    line = f"{handled.received_name} -> {where} : {handled.outcome.word}"
    if handled.reasons:
        line += f" – {first_sentence(handled.reasons[0])}"
        if others := len(handled.reasons) - 1:
            line += f" (et {counted(others, 'autre point', 'autres points')} : voir la note)"
    return line


def first_sentence(message: str) -> str:
    """The first sentence of a French message, without its full stop: what is wrong, before what to
    do («\u202fLa rubrique «\u202fX\u202f» n'est pas remplie. Complétez-la.\u202f» -> «\u202fLa rubrique «\u202fX\u202f» n'est
    pas remplie\u202f»). A full stop inside «\u202f\u202f» (a quoted value, «\u202fM. Roux\u202f») ends nothing."""
    depth = 0
    for index, char in enumerate(message):
        depth += (char == "«") - (char == "»")
        if char == "." and depth <= 0 and (index + 1 == len(message) or message[index + 1] in " \n"):
            return message[:index].rstrip()
    return message.rstrip().rstrip(".")


def cmd_watch(args) -> int:
    from .parallel import settle_startup_objects

    config = load_config(args.config)
    settings = config.watch.updated(polling=args.polling, poll_interval=args.interval)
    settle_startup_objects()
    if config.employers:  # several employers: a routed pass after each quiet time (pipeline/watch/service.py)
        from .watch.service import run_employers_service

        return run_employers_service(config, settings=settings)
    return run_service(config, settings=settings)


def cmd_workbooks(args) -> int:
    config = _loaded(args)
    with _writing(names.WORKBOOKS, config.outbox, config.state_dir):
        written = rebuild_workbooks(config)
    if config.employer is not None:  # one line per employer: a centre de gestion has hundreds
        print(f"Écrit dans {config.outbox} : " + ", ".join(path.name for path in written))
        return EXIT_OK
    for path in written:
        print(f"Écrit : {path}")
    return EXIT_OK


def cmd_remind(args) -> int:
    from .text import format_date

    config = _loaded(args)
    with _writing(names.REMIND, config.outbox, config.state_dir):
        run = send_reminders(config, simulation=args.simulation)
    plan = run.plan
    mode = config.mail.mode
    if args.simulation:
        print("Simulation : rien n'est écrit ni envoyé.")
    if not (plan.to_send or plan.too_soon or plan.no_address or plan.bad_address):
        print("Aucun agent à relancer : pas de compte rendu manquant, de rejet en attente ni d'étape en retard.")
    if run.cancelled:
        print(f"{counted(len(run.cancelled), 'relance en attente annulée', 'relances en attente annulées')} : "
              "l'étape a avancé avant l'envoi.")
    # Per recipient (evaluator or delegate, agent, authority, N+2): what became of their reminder.
    for reminder in plan.to_send:
        # What became of it (sent, draft written, waiting for another try), not what was meant.
        state = (("serait envoyée" if mode == "envoi" else "serait écrite en brouillon") if args.simulation
                 else f"({reminder.last_state})")
        copy = f", copie à <{reminder.copy}>" if reminder.copy else ""
        print(f"Relance {reminder.to_whom} <{reminder.address}>{copy} {state} : "
              f"{counted(len(reminder.agents), 'agent', 'agents')}")
        for agent in reminder.agents:
            print(f"  {agent.line().strip()}")
    for reminder in plan.too_soon:
        print(f"Pas de relance pour {reminder.whom if reminder.name else reminder.address} : une relance du "
              f"{format_date(reminder.last_sent)} existe déjà ({reminder.last_state}) ; prochaine relance possible le "
              f"{format_date(reminder.next_allowed)} (courriel.relances_jours : {config.mail.reminder_days}).")
    for reminder in plan.no_address:
        print(f"Pas de relance pour {reminder.whom} : adresse inconnue ({reminder.where}) ; "
              f"{counted(len(reminder.agents), 'agent', 'agents')} à relancer par un autre moyen :")
        for agent in reminder.agents:
            print(f"  {agent.line().strip()}")
    for reminder in plan.bad_address:
        print(f"Attention : {reminder.problem}", file=sys.stderr)
    if run.mail is not None and (summary := run.mail.summary(config)):
        print(summary)  # its problems are the log's warnings: on the console once (pipeline/logs.py)
    return EXIT_OK


def print_not_reviewed(lines, config, *, consequence: str) -> None:
    """The agents below the minimum time in post (pipeline.reviewed), with their reasons: what
    ``generer``, ``annoncer`` and ``convoquer`` show before anything else."""
    if not lines:
        return
    from .text import format_date

    campaign = config.campaign
    print(f"Agents non évalués cette campagne (moins de {campaign.min_months_in_post} mois dans le poste au "
          f"{format_date(campaign.presence_day)}) : {len(lines)}, {consequence} :")
    for line in lines:
        print(f"  {line}")


def cmd_announce(args) -> int:
    from . import announce_campaign

    config = _loaded(args)
    with _writing(names.ANNOUNCE, config.outbox, config.state_dir):
        run = announce_campaign(config, simulation=args.simulation)
    plan = run.plan
    if args.simulation:
        print("Simulation : rien n'est écrit ni envoyé.")
    for problem in plan.roster_problems:
        print(f"Attention, {problem}", file=sys.stderr)
    print_not_reviewed(plan.not_reviewed, config, consequence="sans annonce")
    for notice in plan.notices:
        print(f"Remarque\u00a0: {notice}")
    documents = ", ".join(path.name for path in plan.documents) or "aucun"
    print(f"Annonce de la campagne {config.campaign.key} : "
          f"{counted(len(plan.to_send), 'agent à informer', 'agents à informer')}, "
          f"{counted(len(plan.already), 'déjà informé', 'déjà informés')} ; documents joints : {documents}.")
    mode = config.mail.mode
    for announced in plan.to_send:
        state = (("serait envoyée" if mode == "envoi" else "serait écrite en brouillon") if args.simulation
                 else announced.state or "non mise en file d'envoi")
        print(f"  {announced.who} <{announced.address}> : {state}")
    if plan.no_address:
        print(f"Sans adresse : {counted(len(plan.no_address), 'agent', 'agents')}, à informer par un autre moyen :")
        for line in plan.no_address:
            print(f"  {line}")
    for line in plan.bad_address:
        print(f"Attention, {line}", file=sys.stderr)
    if run.mail is not None and (summary := run.mail.summary(config)):
        print(summary)  # its problems are the log's warnings: on the console once (pipeline/logs.py)
    return EXIT_OK


def cmd_invite(args) -> int:
    from . import send_invitations
    from .mail.invitations import CANCELLED, MOVED

    config = _loaded(args)
    with _writing(names.INVITE, config.outbox, config.state_dir):
        run = send_invitations(config, simulation=args.simulation)
    plan = run.plan
    if args.simulation:
        print("Simulation : rien n'est écrit ni envoyé ; les documents seront produits (ou mis à jour) avant l'envoi.")
    for problem in plan.roster_problems:
        print(f"Attention, {problem}", file=sys.stderr)
    print_not_reviewed(plan.not_reviewed, config, consequence="sans convocation")
    print(f"Convocations de la campagne {config.campaign.key} : "
          f"{counted(len(plan.to_send), 'message à envoyer', 'messages à envoyer')}, "
          f"{counted(len(plan.up_to_date), 'convocation à jour', 'convocations à jour')} (rien à renvoyer).")
    mode = config.mail.mode
    for invitation in plan.to_send:
        if invitation.why == CANCELLED:
            what = f"annulation de l'entretien {invitation.interview.said()}"
        elif invitation.why == MOVED:
            what = f"modification : entretien {invitation.interview.said()}"
        else:
            what = f"{invitation.why} : entretien {invitation.interview.said()}"
        state = (("serait envoyée" if mode == "envoi" else "serait écrite en brouillon") if args.simulation
                 else invitation.state or "non mise en file d'envoi")
        copy = f", copie à <{invitation.copy}>" if invitation.copy else ""
        print(f"  {invitation.who} <{invitation.address}>{copy} : {what} – {state}")
    if plan.held:
        print(f"Convocations non envoyées, à corriger : {len(plan.held)}")
        for line in plan.held:
            print(f"  {line}")
    for notice in plan.notices:
        print(f"Remarque\u00a0: {notice}")
    if run.mail is not None and (summary := run.mail.summary(config)):
        print(summary)
    return EXIT_OK


def cmd_archive(args) -> int:
    config = _loaded(args)
    with _writing(names.ARCHIVE, config.archives, config.state_dir):
        result = archive_campaign(config, progress=_progress)
    complete = len(result.agents) - len(result.missing())
    print(f"Archive de la campagne dans {result.folder} : {counted(len(result.agents), 'agent', 'agents')}, "
          f"{counted(complete, 'dossier complet', 'dossiers complets')}, "
          f"{counted(len(result.written), 'fichier écrit', 'fichiers écrits')} (dont {result.rendered} PDF/A), "
          "le reste inchangé.")
    for notice in result.notices:
        print(f"Attention : {notice}", file=sys.stderr)
    if result.missing():
        print(f"{counted(len(result.missing()), 'agent', 'agents')} à compléter, détail dans {result.index} :")
        shown = result.missing()[:MESSAGES_SHOWN * 4]
        for agent in shown:
            print(f"  {agent.agent_number} {agent.last_name.upper()} {agent.first_name} – il manque : "
                  + " ; ".join(agent.missing))
        if len(result.missing()) > len(shown):
            print(f"  … et {counted(len(result.missing()) - len(shown), 'autre', 'autres')} : voir {result.index}")
    return EXIT_OK


def cmd_consolidate(args) -> int:
    from .consolidated import consolidate

    with _writing(names.CONSOLIDATE, args.sortie.parent):
        written = consolidate(args.exports, args.sortie)
    print(f"Écrit : {written} ({counted(len(args.exports), 'export', 'exports')}).")
    return EXIT_OK


MESSAGES_SHOWN = 5  # rejection reasons printed per file by `etat`; the note has them all


def cmd_status(args) -> int:
    from .status import late_line

    config = load_config(args.config)
    if config.employers and args.employer is None:
        return print_consolidated_status(config, as_json=args.json)
    if args.employer is not None:
        from .employers import employer_label, views_of

        config = views_of(config, args.employer)[0]
        if not args.json:
            print(f"Employeur {employer_label(config)}")
    status = campaign_status(config)
    watcher = watcher_state(config)
    if args.json:
        # One line: json's indented writer is Python's own, ~1.5 s of the 2 s budget at 100,000 agents.
        print(json.dumps({**status.as_json(), "surveillance": watcher.as_json()}, ensure_ascii=False))
        return EXIT_OK
    for line in watcher.lines():
        print(line)
    for problem in status.problems:
        print(f"Attention : {problem}")
    print(f"Campagne {status.campaign} : {counted(status.files_received, 'fichier reçu', 'fichiers reçus')}, "
          f"{counted(status.duplicates, 'doublon', 'doublons')}.")
    for number, count in status.per_stage.items():
        print(f"  Étape {number} – {status.stage_labels[number]} : {count}")
    if status.signed_copies:
        print(f"  Exemplaire signé reçu (PDF ou image numérisés) : "
              f"{counted(status.signed_copies, 'compte rendu', 'comptes rendus')}")
    if status.rejected:
        print(f"Rejets en attente de correction : {len(status.rejected)}")
        for item in status.rejected:
            if item["matricule"]:
                who = f"{item['nom']} ({item['matricule']})" if item["nom"] else f"matricule {item['matricule']}"
                print(f"  {who}, fichier «\u202f{item['fichier']}\u202f» :")
            else:
                print(f"  fichier «\u202f{item['fichier']}\u202f» (agent non identifié) :")
            shown = item["messages"][:MESSAGES_SHOWN]
            for message in shown:
                print(f"    - {message}")
            if len(item["messages"]) > len(shown):
                others = counted(len(item["messages"]) - len(shown), "autre point", "autres points")
                print(f"    - et {others} : voir la note {item['note']}")
            if item.get("courriel"):
                print(f"    Courriel : {item['courriel']}")
    if status.late:
        print(f"Échéances manquées : {len(status.late)}")
        for item in status.late:
            print(f"  {late_line(item)}")
    if status.waiting:
        print(f"Fichiers reçus en attente de classement (terminés au prochain passage) : {len(status.waiting)}")
        for item in status.waiting:
            where = f" -> {item['destination_prevue']}" if item["destination_prevue"] else ""
            print(f"  {item['fichier']} (reçu le {item['recu_le'][:10]}){where}")
    if status.not_taken:
        print(f"Dans le dossier d'entrée, pas encore pris : {len(status.not_taken)}")
        for item in status.not_taken:
            print(f"  {item['fichier']} : {item['motif']}")
    if status.messages:
        from .campaign import MESSAGE_STATUS_WORDS

        print("Courriels : " + " ; ".join(f"{MESSAGE_STATUS_WORDS.get(state, state)} : {count}"
                                          for state, count in status.messages.items()))
        for item in status.message_problems:
            retry = item["prochain_essai"]
            print(f"  {item['etat']} : «\u202f{item['objet']}\u202f» à {item['destinataire']}"
                  + (f" – {item['motif']}" if item["motif"] else "")
                  + (f" ; nouvel essai à partir du {retry[8:10]}/{retry[5:7]}/{retry[:4]} à {retry[11:16]}"
                     if retry else "")
                  + (f" (brouillon : {item['brouillon']})" if item["brouillon"] else ""))
    if status.not_reviewed:  # below the minimum time in post (pipeline.reviewed): no report expected
        print(f"Agents non évalués cette campagne : {len(status.not_reviewed)} ({status.not_reviewed[0]['motif']}) : "
              + ", ".join(f"{a['nom']} ({a['matricule']})" for a in status.not_reviewed))
    if status.last_messages:  # each agent's last message: what, to whom, when
        print(f"Dernier courriel par agent : {len(status.last_messages)}")
        for number, last in status.last_messages.items():
            print(f"  {last.get('nom') or 'matricule'} ({number}) : {last['courriel']}")
    if status.missing:
        print(f"Agents sans compte rendu accepté : {len(status.missing)}, par évaluateur :")
        for evaluator, agents in status.missing_by_evaluator().items():
            print(f"  {evaluator} : " + ", ".join(f"{a['nom']} ({a['matricule']})" for a in agents))
    if status.chased:
        whom = Counter(item["qui"] for item in status.chased)
        escalated = sum(1 for item in status.chased if item["n2"])  # their evaluator's N+2 reminded too
        print(f"Agents à relancer : {len(status.chased)} (" + ", ".join(f"{who} : {n}" for who, n in whom.items())
              + (f" ; N+2 relancé aussi : {escalated}" if escalated else "") + f") ; le détail : «\u202f{command_line(names.REMIND, '--simulation')}\u202f» ou la feuille «\u202fRelances\u202f» "
              "du suivi de campagne.")
    return EXIT_OK


def print_consolidated_status(config, *, as_json: bool) -> int:
    """``etat`` for every employer: one block per employer (its figures), then the totals."""
    from . import consolidated_status

    consolidated = consolidated_status(config)
    watcher = watcher_state(config)
    if as_json:
        print(json.dumps({**consolidated.as_json(), "surveillance": watcher.as_json()}, ensure_ascii=False, indent=2))
        return EXIT_OK
    for line in watcher.lines():
        print(line)
    print(f"Campagne {consolidated.campaign}, {counted(len(consolidated.employers), 'employeur', 'employeurs')} "
          f"(le détail d'un employeur : «\u202f{command_line(names.STATUS, '--employeur CODE')}\u202f»).")
    for figures in [f for f, _ in consolidated.employers] + [consolidated.total]:
        title = f"{figures.code} – {figures.name}" if figures.code else figures.name
        print(f"{title} : {counted(figures.agents, 'agent', 'agents')}, "
              f"{counted(figures.files_received, 'fichier reçu', 'fichiers reçus')}, "
              f"{figures.without_report} sans compte rendu, "
              f"{counted(figures.rejected, 'rejet à corriger', 'rejets à corriger')}, "
              f"{counted(figures.late, 'agent', 'agents')} en retard, {figures.chased} à relancer.")
        print("  " + " ; ".join(f"étape {n} : {count}" for n, count in figures.per_stage.items()))
        for problem in figures.problems:
            print(f"  Attention : {problem}")
    if consolidated.not_routed:
        print(f"Dans le dossier d'entrée partagé, pas encore aiguillés : {len(consolidated.not_routed)}")
        for item in consolidated.not_routed:
            print(f"  {item['fichier']} : {item['motif']}")
    if consolidated.unassigned:
        from .employers import UNASSIGNED_FOLDER

        print(f"Fichiers sans employeur : {consolidated.unassigned}, dans {config.outbox / UNASSIGNED_FOLDER} "
              "(chacun avec sa note).")
    return EXIT_OK


def format_examination(result, catalogue) -> str:
    """What ``verifier`` prints for one file, in French."""
    lines = [f"== {result.path}"]
    if result.error:
        lines.append(f"   Illisible ({result.error.code}) : {result.error.message}")
        return "\n".join(lines)
    if result.signed:
        kind = f"image {result.signed.image_format.upper()}" if result.signed.image_format else "PDF"
        lines.append(f"   EXEMPLAIRE SIGNÉ ({kind}) – {counted(result.signed.page_count, 'page', 'pages')}")
        for copy in result.signed.copies:
            how = "le code imprimé" if copy.found_by == BY_CODE else "l'identifiant écrit dans le texte"
            lines.append(f"   identifiant {copy.report_id} : {agreed(len(copy.pages), 'page', 'pages')} "
                         f"{', '.join(map(str, copy.pages))} "
                         f"(reconnu par {how}, page {copy.page})")
        return "\n".join(lines)
    report, validation = result.report, result.validation
    stage = catalogue.stage(validation.stage)
    # A copy turned away is not at its stage: it was sent for it (« Évaluation signée… » of an empty copy).
    verdict, at = ("ACCEPTÉ", "étape") if validation.accepted else ("À REJETER", "présenté pour l'étape")
    lines.append(f"   {verdict} – identifiant {report.report_id or '?'} – {at} {stage.number} : {stage.label}")
    for f in catalogue.fields:
        if f.kind == "table":
            rows = report.tables.get(f.key, [])
            lines.append(f"   {f.label} : {counted(len(rows), 'ligne', 'lignes')}")
            for row in rows:
                lines.append("      - " + " | ".join(v for v in row.values() if v))
            continue
        shown = shown_value(report.values.get(f.key, "")).replace("\n", " / ") or "(vide)"
        day = report.dates.get(f.key) if f.kind == "date" else None
        if day is not None and format_date(day) != shown:  # the date as read, and where (a signatory's box)
            shown = f"{format_date(day)} (lu dans «\u202f{shown}\u202f»)"
        missing = " [absent du formulaire]" if f.key in report.not_in_form else ""
        lines.append(f"   {f.label} : {shown}{missing}")
    if validation.findings:
        lines.append("   Constats :")
        for finding in validation.findings:
            lines.append(f"    [{finding.severity}] {finding.code} : {finding.message}")
    else:
        lines.append("   Aucun constat.")
    return "\n".join(lines)


# -- parser ------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a --config given before or after the command name both count.
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS, metavar="CHEMIN",
                        help="fichier de configuration (par défaut ./config.yaml, "
                             "sinon les valeurs par défaut intégrées)")
    common.add_argument("--employeur", dest="employer", default=argparse.SUPPRESS, metavar="CODE",
                        help="un seul des employeurs de config.yaml (clé employeurs), par son code")
    parser = _Parser(
        prog=PROGRAM,
        description="Comptes rendus d'entretien professionnel : génération, contrôle, "
                    "circuit de signature, plan de formation.",
        epilog=f"Exemple : {command_line(names.GENERATE, '--liste agents.xlsx')}",
        parents=[common],
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="journal détaillé")
    commands = parser.add_subparsers(dest="command", metavar="COMMANDE", parser_class=_Parser, action=_SubCommands)

    demo = commands.add_parser(
        names.DEMO, parents=[common],
        help="campagne de démonstration complète, de bout en bout",
        description="Crée dans DOSSIER (par défaut ./demo) un espace de travail complet : liste de "
                    "40 agents fictifs, comptes rendus et convocations, comptes rendus remplis "
                    "comme le feraient les évaluateurs (complets, incomplets, fichiers abîmés, "
                    "étapes suivantes), puis les traite et résume ce qui s'est passé.",
        epilog=f"Exemple : {command_line(names.DEMO, '/tmp/campagne-test --fonction-publique territoriale')}")
    demo.add_argument("dir", nargs="?", type=Path, default=Path("demo"), metavar="DOSSIER",
                      help="dossier à créer, nouveau ou vide (par défaut ./demo)")
    demo.add_argument("--fonction-publique", dest="public_service", default=None, metavar="PROFIL",
                      choices=["hospitaliere", "etat", "territoriale"],
                      help="fonction publique de la démonstration : hospitaliere (par défaut), etat ou "
                           "territoriale ; le formulaire, l'autorité qui vise et les délais sont les siens")
    demo.set_defaults(handler=cmd_demo)

    fields = commands.add_parser(
        names.FIELDS, parents=[common], help="affiche le catalogue des champs du compte rendu",
        description="Affiche le catalogue des champs : étapes, sections, champs, colonnes.",
        epilog=f"Exemple : {command_line(names.FIELDS, '--json > champs.json')}")
    fields.add_argument("--json", action="store_true", help="sortie JSON (pour d'autres outils)")
    fields.set_defaults(handler=cmd_fields)

    generate = commands.add_parser(
        names.GENERATE, parents=[common],
        help="produit les comptes rendus pré-remplis et les convocations",
        description="Produit, pour chaque agent de la liste, un compte rendu pré-rempli et sa "
                    "convocation dans outbox/a_envoyer/. Relancée après une correction de la liste, "
                    "elle ne produit que ce qui est nouveau ou a changé (l'ancienne version d'un "
                    "document changé est gardée dans «\u202fversions précédentes\u202f»). Les lignes incorrectes "
                    "de la liste sont signalées avec leur numéro ; les autres sont produites. Sans date "
                    "d'entretien, le compte rendu est produit et la convocation attend la date.",
        epilog=f"Exemple : {command_line(names.GENERATE, '--liste agents.xlsx')}")
    # « --roster »: the option's first, English name, still understood (scripts written with it).
    generate.add_argument("--liste", "--roster", dest="roster", type=Path, default=None, metavar="FICHIER",
                          help="liste des agents (.xlsx ou .csv) ; par défaut liste_agents "
                               "de config.yaml")
    generate.add_argument("--tout", action="store_true",
                          help="réécrit tous les documents, même inchangés (les précédents sont gardés)")
    generate.set_defaults(handler=cmd_generate)

    reexamine = commands.add_parser(
        names.REEXAMINE, parents=[common],
        help="examine de nouveau des fichiers rejetés, avec la configuration actuelle",
        description="Examine de nouveau, avec la configuration actuelle, des fichiers du dossier "
                    "«\u202frejets\u202f» : après l'ajout d'un agent à la liste des agents ou la correction de "
                    "l'année de campagne, par exemple. L'ancienne note va dans l'historique, le fichier "
                    "va où son nouveau résultat l'envoie (avec une nouvelle note s'il est encore rejeté) "
                    "et le journal garde les deux examens. Rien n'est supprimé.",
        epilog="Exemple : " + command_line(names.REEXAMINE, '"outbox/rejets/CR Martin.docx"'))
    reexamine.add_argument("files", nargs="+", type=Path, metavar="FICHIER",
                           help="un ou plusieurs fichiers du dossier «\u202frejets\u202f» à examiner de nouveau")
    reexamine.set_defaults(handler=cmd_reexamine)

    templates = commands.add_parser(
        names.TEMPLATES, parents=[common],
        help="reconstruit les modèles (compte rendu, convocation, note de rejet) à partir du catalogue des champs "
             "ou du formulaire de l'employeur",
        description="Reconstruit les modèles du dossier des modèles : le compte rendu à partir du catalogue des "
                    "champs, ou, quand config.yaml indique «\u202fformulaire\u202f», à partir du modèle de "
                    "l'employeur (sa mise en page gardée, l'identifiant et le code carré ajoutés en bas de chaque "
                    "page) ; la convocation et la note de rejet. À lancer après un changement du catalogue (section "
                    "«\u202fcatalogue\u202f» de config.yaml) ou du formulaire. Les traitements ne les modifient jamais.",
        epilog=f"Exemple : {command_line(names.TEMPLATES, '--config /srv/entretiens/config.yaml')}")
    templates.set_defaults(handler=cmd_templates)

    check = commands.add_parser(
        names.CHECK, parents=[common],
        help="lit et contrôle des fichiers sans rien déplacer",
        description="Lit chaque fichier comme le ferait le traitement, affiche ce qui a été lu et "
                    "les constats (erreurs, avertissements), sans rien déplacer ni écrire.",
        epilog=f"Exemple : {command_line(names.CHECK, 'inbox/*.docx --json')}")
    check.add_argument("files", nargs="+", type=Path, metavar="FICHIER",
                       help="un ou plusieurs comptes rendus à lire (.docx, .odt), ou exemplaires signés numérisés "
                            "(PDF, image)")
    check.add_argument("--json", action="store_true", help="sortie JSON (voir le README)")
    check.set_defaults(handler=cmd_check)

    process = commands.add_parser(
        names.PROCESS, parents=[common],
        help="traite une fois les fichiers du dossier d'entrée, puis s'arrête (tâche planifiée) ; "
             f"refusé pendant que «\u202f{command_line(names.WATCH)}\u202f» tourne",
        description="Traite chaque fichier déposé dans le dossier d'entrée : contrôle, classement "
                    "dans le dossier de son étape, ou rejet avec une note, ou doublon. Reprend "
                    "d'abord ce qu'une exécution interrompue a laissé.",
        epilog=f"Exemple (tâche planifiée) : {command_line(names.PROCESS, '--config /srv/entretiens/config.yaml')}")
    process.set_defaults(handler=cmd_process)

    workbooks = commands.add_parser(
        names.WORKBOOKS, parents=[common],
        help="reconstruit le plan de formation et le suivi de campagne",
        description="Reconstruit outbox/plan_de_formation.xlsx (et .csv) et "
                    "outbox/suivi_campagne.xlsx à partir du journal. Si un classeur est ouvert "
                    "ailleurs, le nouveau est écrit à côté sous un nom daté.",
        epilog=f"Exemple : {command_line(names.WORKBOOKS, '--config /srv/entretiens/config.yaml')}")
    workbooks.set_defaults(handler=cmd_workbooks)

    watch = commands.add_parser(
        names.WATCH, parents=[common],
        help="le service : traite ce qui est déjà là, puis surveille le dossier d'entrée",
        description="Reprend ce qu'une exécution interrompue a laissé, traite les fichiers déjà "
                    "présents, puis surveille le dossier d'entrée : chaque fichier est traité une fois "
                    "complètement écrit (taille et date stables, archive lisible). Un seul service par "
                    "espace de travail. Arrêt par SIGTERM ou Ctrl+C : le fichier en cours est terminé, "
                    "les classeurs sont reconstruits. Journal : surveillance.log et état : sante.json, "
                    "dans le dossier d'état. Réglages : section «\u202fsurveillance\u202f» de config.yaml.",
        epilog="Exemple (partage réseau Windows monté) : "
               + command_line(names.WATCH, "--config /srv/entretiens/config.yaml --polling --intervalle 5"))
    watch.add_argument("--polling", action="store_true", default=None,
                       help="relève le dossier à intervalles réguliers au lieu d'inotify (indispensable "
                            "sur un partage réseau : inotify n'y voit pas les dépôts des autres postes)")
    watch.add_argument("--intervalle", "--interval", dest="interval", type=_seconds, default=None, metavar="SECONDES",
                       help="intervalle du mode polling (par défaut : surveillance.intervalle_polling_s, 1 s)")
    watch.set_defaults(handler=cmd_watch)

    status = commands.add_parser(
        names.STATUS, parents=[common],
        help="où en est la campagne : surveillance, étapes, rejets, retards, comptes rendus manquants",
        description="Dit si la surveillance tourne, compte les comptes rendus par étape, liste les rejets en attente, les "
                    "échéances dépassées et les agents sans compte rendu.",
        epilog=f"Exemple : {command_line(names.STATUS, '--json')}")
    status.add_argument("--json", action="store_true", help="sortie JSON")
    status.set_defaults(handler=cmd_status)

    remind = commands.add_parser(
        names.REMIND, parents=[common],
        help="relance par courriel ceux qu'une étape attend : évaluateurs, agents, autorité, N+2",
        description="Écrit à chacun de ceux qu'une étape attend un message qui liste ses agents à relancer, avec "
                    "les échéances : à l'évaluateur (ou à son délégué) pour un compte rendu non reçu après la date "
                    "d'entretien (ou, sans date d'entretien, après la date limite des entretiens), un rejet dont "
                    "le délai de correction est écoulé, une étape en retard ; à l'agent, son "
                    "évaluateur en copie, quelques jours avant la fin de son délai d'observations "
                    "(courriel.relances_agent_jours_avant) ; à l'autorité (autorite.courriel), en un seul "
                    "message, pour les visas en attente au-delà de delais.visa_jours ; au N+2 quand la première "
                    "relance de l'évaluateur date de courriel.relances_n2_apres_jours jours sans effet. Un "
                    "brouillon .eml dans outbox/courriels (courriel.mode: brouillon) ou un envoi par le serveur "
                    "de messagerie (mode: envoi). Personne n'est relancé plus d'une fois par période de "
                    "courriel.relances_jours jours ; une relance pas encore partie quand l'étape avance est "
                    "annulée. Les adresses viennent de la liste des agents (colonnes «\u202fcourriel "
                    "évaluateur\u202f», «\u202fcourriel évaluateur délégué\u202f», «\u202fcourriel agent\u202f», "
                    "«\u202fcourriel N+2\u202f»).",
        epilog=f"Exemple : {command_line(names.REMIND, '--simulation')}")
    remind.add_argument("--simulation", action="store_true",
                        help="affiche ce qui serait envoyé, sans rien écrire ni envoyer")
    remind.set_defaults(handler=cmd_remind)

    announce = commands.add_parser(
        names.ANNOUNCE, parents=[common],
        help="annonce la campagne à chaque agent évalué, par courriel, avec les documents de la campagne",
        description="Écrit à chaque agent évalué qui a une adresse (colonne «\u202fcourriel agent\u202f» de la liste "
                    "des agents) l'annonce de la campagne, avec en pièces jointes les documents du dossier "
                    "annonce.documents (la note de service, le guide de l'entretien) ; son objet et son texte sont "
                    "ceux de la section annonce de config.yaml. Un brouillon .eml dans outbox/courriels "
                    "(courriel.mode: brouillon) ou un envoi par le serveur de messagerie (mode: envoi). Une fois par "
                    "agent : relancée, elle n'écrit qu'aux agents ajoutés depuis à la liste. Les agents sans adresse, "
                    "et ceux qui ne sont pas évalués cette campagne (campagne.presence_minimale_mois), sont listés.",
        epilog=f"Exemple : {command_line(names.ANNOUNCE, '--simulation')}")
    announce.add_argument("--simulation", action="store_true",
                          help="affiche ce qui serait envoyé et à qui, sans rien écrire ni envoyer")
    announce.set_defaults(handler=cmd_announce)

    invite = commands.add_parser(
        names.INVITE, parents=[common],
        help="envoie à chaque agent sa convocation à l'entretien par courriel, avec l'invitation d'agenda",
        description="Envoie à chaque agent évalué, son évaluateur en copie, la convocation, le compte rendu "
                    "pré-rempli et la fiche de poste (dossier convocation.fiches_de_poste), avec une invitation "
                    "d'agenda à la date, l'heure et le lieu de l'entretien (colonnes «\u202fdate d'entretien\u202f», "
                    "«\u202fheure\u202f», «\u202flieu\u202f» de la liste des agents). Jamais moins de "
                    "delais.convocation_jours_avant jours avant l'entretien. Relancée, elle n'envoie que ce qui a "
                    "changé : une date, une heure ou un lieu modifiés (une mise à jour de l'invitation), une ligne "
                    "retirée de la liste (une annulation). Les documents sont d'abord produits comme par "
                    f"«\u202f{command_line(names.GENERATE)}\u202f».",
        epilog=f"Exemple : {command_line(names.INVITE, '--simulation')}")
    invite.add_argument("--simulation", action="store_true",
                        help="affiche ce qui serait envoyé et à qui, sans rien écrire ni envoyer")
    invite.set_defaults(handler=cmd_invite)

    archive = commands.add_parser(
        names.ARCHIVE, parents=[common],
        help="archive de la campagne pour les dossiers des agents : compte rendu final, PDF/A, "
             "exemplaires signés, historique, empreintes",
        description="Prépare dans le dossier des archives (clé dossiers.archives, par défaut «\u202farchives\u202f» "
                    "à côté du dossier de sortie) un dossier par agent : le compte rendu final (.docx) et sa "
                    "version PDF/A-2b, les exemplaires signés, historique.csv (chaque version reçue) et "
                    "empreintes.sha256 ; plus index.csv (ce qui manque pour chaque agent) et les classeurs. "
                    "Relancée, elle ne refait que ce qui a changé. Le dossier de sortie n'est que lu. Sans "
                    "LibreOffice, l'archive est faite sans PDF/A et le dit.",
        epilog=f"Exemple : {command_line(names.ARCHIVE, '--config /srv/entretiens/config.yaml')}")
    archive.set_defaults(handler=cmd_archive)

    consolidate = commands.add_parser(
        names.CONSOLIDATE, parents=[common],
        help="un classeur pour les employeurs de plusieurs dossiers de travail, à partir de leurs exports",
        description="Écrit un classeur (feuilles «\u202fEmployeurs\u202f» et «\u202fSuivi\u202f», comme "
                    "suivi_employeurs.xlsx) pour les employeurs de plusieurs dossiers de travail, chacun sur sa "
                    "machine : donnez le fichier export_employeurs.json du dossier de sortie de chacun.",
        epilog=f"Exemple : {command_line(names.CONSOLIDATE, 'cdg_nord/export_employeurs.json cdg_sud/export_employeurs.json')}")
    consolidate.add_argument("exports", nargs="+", type=Path, metavar="EXPORT",
                             help="le fichier export_employeurs.json de chaque dossier de travail")
    consolidate.add_argument("--sortie", type=Path, default=Path("suivi_employeurs_consolide.xlsx"), metavar="FICHIER",
                             help="le classeur écrit (par défaut suivi_employeurs_consolide.xlsx dans le dossier courant)")
    consolidate.set_defaults(handler=cmd_consolidate)

    form = commands.add_parser(
        names.FORM, parents=[common],
        help="le formulaire propre à l'employeur : importer son modèle",
        description="Le compte rendu sur le modèle de l'employeur (un .docx ou un .odt fait dans Word ou "
                    "LibreOffice, avec ses tableaux, ses lignes « Nom : ...... », ses cases et ses grilles) "
                    "au lieu du modèle du programme. Action : importer (écrit la correspondance du modèle, "
                    "formulaire.yaml, à relire par le service RH).",
        epilog=f"Exemple : {command_line(names.FORM, names.FORM_IMPORT, 'modele_CR_2026.docx')}")
    form.set_defaults(handler=lambda args: _usage(form))
    actions = form.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    form_import = actions.add_parser(
        names.FORM_IMPORT, parents=[common],
        help="lit le modèle vierge de l'employeur et écrit sa correspondance avec le catalogue des champs",
        description="Lit le modèle vierge du compte rendu de l'employeur (.docx ou .odt) et écrit "
                    "formulaire.yaml : pour chaque champ du catalogue, où le modèle le tient (libellé tel "
                    "qu'imprimé, place de la valeur, cases, grille, tableau), avec une confiance de 0 à 1 ; les "
                    "libellés et les échelles de l'employeur ; ses propres champs, proposés en ajout ; les "
                    "champs obligatoires qu'il n'a pas, rendus facultatifs ; l'empreinte de sa mise en page. "
                    "Chaque emplacement est essayé sur une copie du modèle. Affiche un résumé : champs placés, "
                    "ce qui est à vérifier, où le fichier est écrit. Relisez le fichier, puis indiquez "
                    "« formulaire: formulaire.yaml » dans config.yaml.",
        epilog="Exemple : " + command_line(names.FORM, names.FORM_IMPORT,
                                            '"Modèle CR CH Val-Sainte-Marie.docx" --sortie formulaire.yaml'))
    form_import.add_argument("model", type=Path, metavar="MODELE",
                             help="le modèle vierge du compte rendu de l'employeur (.docx ou .odt)")
    form_import.add_argument("--sortie", type=Path, default=None, metavar="FICHIER",
                             help="le fichier de correspondance à écrire (par défaut formulaire.yaml à côté de "
                                  "config.yaml) ; un fichier qui existe déjà n'est jamais remplacé : la "
                                  "correspondance est alors écrite à côté, sous un nom daté")
    form_import.set_defaults(handler=cmd_form_import)
    return parser


def _usage(parser: argparse.ArgumentParser) -> int:
    """A command group given without its action: its help, exit 2."""
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.config = getattr(args, "config", None)
    args.employer = getattr(args, "employer", None)
    # The libraries' own lines (English: pikepdf, pyHanko...) only when something goes wrong.
    logging.basicConfig(level=logging.WARNING, format=LINE, stream=sys.stderr)
    # Passed on to the processes multiprocessing starts: its resource tracker would warn in English
    # about the reading pool's semaphores after a `kill -9` of the pass (it removes them anyway).
    if _QUIET_RESOURCE_TRACKER not in sys.warnoptions:
        sys.warnoptions.append(_QUIET_RESOURCE_TRACKER)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    # Ours (French): one account on the terminal, the per-file lines in the log file (commands that
    # write) or, with -v, on the console; the watcher logs everything to the console and its file.
    args.log = CommandLog(args.command, verbose=args.verbose, service=args.command == names.WATCH)
    quiet_disk_full_tracebacks()
    try:
        if (code := _per_employer(args)) is not None:
            return code
        return args.handler(args)
    except EntretiensError as exc:
        return _failed(exc.message)
    except BrokenPipeError:  # output piped into `head`
        return EXIT_OK
    except KeyboardInterrupt:  # Ctrl-C: every step is journaled, the next run takes up what was under way
        log.info("interrompu (Ctrl-C)")
        print("\nInterrompu : ce qui était fait est à sa place ; les fichiers en cours seront repris par "
              "la prochaine commande.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if full := disk_full(exc):  # a command that writes says which disk (_writing); any other, this
            return _failed(DiskFull.stopped(args.command, full_folder(full, [Path.cwd()])).message)
        if not isinstance(exc, OSError):  # a defect of the program: said in French, its traceback kept
            return _defect(args, exc)
        # Ours say it in French («\u202fdossier d'entrée introuvable\u202f»); the system's, in English: said in French.
        said = exc.strerror if exc.strerror and exc.errno and exc.strerror != os.strerror(exc.errno) else None
        return _failed(f"{said or describe_failure(exc)}" + (f" ({exc.filename})" if exc.filename else "") + ".")
    finally:
        args.log.close()


def _defect(args, exc: Exception) -> int:
    """A failure no rule of the product foresaw (a defect of the program): one French error that
    says what to do, exit code 1, never a traceback on the console; the traceback is kept in the
    command's log file (or a file of the system's temporary folder: :meth:`CommandLog.keep_failure`)."""
    kept = args.log.keep_failure(exc)
    where = (f"Le détail technique est dans {kept} : transmettez-le à votre service informatique." if kept else
             "Le détail technique n'a pu être écrit nulle part : relancez la commande avec -v et transmettez ce "
             "qu'elle affiche à votre service informatique.")
    print(f"Erreur : la commande s'est arrêtée sur un défaut du logiciel ({type(exc).__name__}) ; aucun fichier "
          f"n'a été perdu : ce qui a été fait est à sa place, le reste sera repris par la prochaine commande. {where}",
          file=sys.stderr)
    return EXIT_RUN_PROBLEM


def _failed(message: str) -> int:
    """A problem with the run: said once on the console, in French, and kept in the log file."""
    log.error("%s", message, extra=TOLD_BY_THE_COMMAND)
    print(f"Erreur : {message}", file=sys.stderr)
    return EXIT_RUN_PROBLEM


if __name__ == "__main__":
    sys.exit(main())
