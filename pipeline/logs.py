"""Where the product's log lines go: the ``entretiens`` logger, set up for each command by
``pipeline/cli.py`` (:class:`CommandLog`) and by the watcher (its own file, ``surveillance.log``).

A command run in a terminal gives one French account, on its standard output. Its log lines
(each file received, placed, noted...) go to a log file in the state folder
(``commandes.log``, rotating, readable by owner and group only), never between the lines of that
account; the console (standard error) shows only what the person running the command must
see, a problem with the run, once, as «\u202fAttention : …\u202f». With ``-v`` (detailed log) every
line goes to the console too, dated. The watcher, a service, logs every line to the console
(journalctl) and to its file.

A line that the command tells the user itself (the French error it stops with) is logged with
``extra=TOLD_BY_THE_COMMAND``: in the file, not twice on the console.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

LOGGER = "entretiens"
LINE = "%(asctime)s %(levelname)s %(message)s"
LOG_BYTES, LOG_BACKUPS = 5 * 1024 * 1024, 5
#: ``log.error(..., extra=TOLD_BY_THE_COMMAND)``: the command says it in its own words; the console
#: of a command run without -v does not repeat it.
TOLD_BY_THE_COMMAND = {"told_by_the_command": True}
WARNING_PREFIX = "Attention : "


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A log file readable by its owner and group only (SPEC 7), its folder made when the first
    line comes; a file that cannot be written (a full or read-only disk) never disturbs the run."""

    def _open(self):
        from .files import FILE_MODE, make_dirs

        make_dirs(Path(self.baseFilename).parent)
        stream = super()._open()
        try:
            os.chmod(self.baseFilename, FILE_MODE)
        except OSError:
            pass
        return stream

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        pass  # logging would print a traceback on the console; the line is lost, the run goes on


def file_handler(path: Path, *, level: int = logging.INFO, line: str = LINE) -> logging.Handler:
    handler = PrivateRotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8",
                                         delay=True)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(line))
    return handler


class _NotTold(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "told_by_the_command", False)


class _Warning(logging.Formatter):
    """«\u202fAttention : le catalogue des formations …\u202f»: a warning as the person running the command reads it."""

    def format(self, record: logging.LogRecord) -> str:
        return WARNING_PREFIX + record.getMessage()


class CommandLog:
    """The ``entretiens`` logger's set-up for one command, undone by :meth:`close`.

    ``verbose`` (-v): every line on the console, dated, DEBUG included; ``service`` (the watcher):
    every line from INFO on the console, dated; otherwise the console shows warnings only, in
    French, and the lines go to the file :meth:`to_file` opens."""

    def __init__(self, command: str, *, verbose: bool = False, service: bool = False):
        self.command, self.verbose = command, verbose
        self.logger = logging.getLogger(LOGGER)
        self._saved = (self.logger.level, self.logger.propagate)
        self.logger.setLevel(logging.DEBUG if verbose else logging.INFO)
        self.logger.propagate = False  # the libraries' own lines go to the root logger; ours, here only
        console = logging.StreamHandler(sys.stderr)
        if verbose or service:
            console.setLevel(logging.DEBUG if verbose else logging.INFO)
            console.setFormatter(logging.Formatter(LINE))
        else:
            console.setLevel(logging.WARNING)
            console.setFormatter(_Warning())
        if not service:  # a service has no one to tell: its console is its log
            console.addFilter(_NotTold())
        self.handlers: list[logging.Handler] = [console]
        self.logger.addHandler(console)
        self.file: Path | None = None  # the log file :meth:`to_file` opened, if any

    def to_file(self, folder: Path, name: str) -> Path:
        """Also log to ``folder / name`` (made when the first line comes), each line naming the command."""
        path = Path(folder) / name
        handler = file_handler(path, level=logging.DEBUG if self.verbose else logging.INFO,
                               line=f"%(asctime)s %(levelname)s [{self.command}] %(message)s")
        self.handlers.append(handler)
        self.logger.addHandler(handler)
        self.file = path
        return path

    def keep_failure(self, exc: BaseException) -> Path | None:
        """Write the traceback of a failure of the program (``exc``) where the person running the
        command can find it and give it to their IT department: the command's log file, or, when
        the command has none or it cannot be written, a file of its own in the system's temporary
        folder named for the command and the time (readable by its owner only). Returns that
        file, or None when nothing could be written."""
        import datetime as dt
        import tempfile
        import traceback

        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        if self.file is not None:
            before = _size(self.file)
            self.logger.error("La commande s'est arrêtée sur un défaut du logiciel :\n%s", text.rstrip(),
                              extra=TOLD_BY_THE_COMMAND)
            for handler in self.handlers:
                handler.flush()
            if _size(self.file) > before:
                return self.file
        stamp = dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        for suffix in ("", f"_{os.getpid()}"):
            path = Path(tempfile.gettempdir()) / f"entretiens_{self.command}_{stamp}{suffix}.log"
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            except OSError:
                return None
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(f"entretiens {self.command}, {stamp}\n{text}")
            return path
        return None

    def close(self) -> None:
        for handler in self.handlers:
            self.logger.removeHandler(handler)
            handler.close()
        self.handlers = []
        self.logger.setLevel(self._saved[0])
        self.logger.propagate = self._saved[1]


def _size(path: Path) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return -1


def _disk_full_unraisable(previous):
    """A ``sys.unraisablehook`` that keeps the console free of the traceback Python prints when an
    object left open by a write that failed on a full disk (a zip of a workbook) fails again as it
    is collected: the command has said the disk is full; the log keeps a line."""

    def hook(unraisable) -> None:
        from .files import disk_full

        if disk_full(unraisable.exc_value) is not None:
            try:
                logging.getLogger(LOGGER).debug("disque plein, à la fermeture d'un fichier : %s", unraisable.object)
            except Exception:  # noqa: BLE001 - at interpreter exit, logging may be gone
                pass
            return
        previous(unraisable)

    hook.disk_full = True
    return hook


def quiet_disk_full_tracebacks() -> None:
    """Install :func:`_disk_full_unraisable` once in this process."""
    if not getattr(sys.unraisablehook, "disk_full", False):
        sys.unraisablehook = _disk_full_unraisable(sys.unraisablehook)
