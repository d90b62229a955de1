"""``watch``: the service HR runs all campaign long.

Read as a list::

    guard     refuse an outbox or state dir inside the inbox (a watch loop)
    lock      one instance per workspace: flock on a file holding the pid
    recover   finish what a crash left (Processor.recover)
    observe   watchdog on the inbox (inotify, or polling for network shares);
              the handler only queues paths, and never raises
    scan      list the inbox at start and every rescan interval (lost events,
              queue overflows, shares): noted like events
    settle    StabilityTracker: size and mtime unchanged for the window and the
              file opens as a zip; never a file still being written
    take      Processor.take, one file at a time, in the main thread; a file
              that cannot be taken yet is retried with backoff, then reported
              stuck, never dropped
    outputs   workbooks rebuilt after a quiet period (debounced), and at stop
    health    sante.json in the state dir: pid, times, counters, stuck files

Only the main thread touches the tracker, the processor and the journal. The
library entry point is :func:`run_service`; ``python -m pipeline.watch`` is a
small runner of its own (tests, benchmarks) until ``entretiens watch`` calls it.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import errno
import fcntl
import json
import logging
import logging.handlers
import os
import queue
import signal
import socket
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import (FileClosedEvent, FileCreatedEvent, FileModifiedEvent, FileMovedEvent,
                             FileSystemEvent, FileSystemEventHandler)
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from .config import Config, load_config
from .errors import ConfigError, EntretiensError
from .files import FILE_MODE, make_dirs, write_private
from .preflight import looks_complete
from .process import Outcome, Processor, is_ignored

__all__ = [
    "WatchSettings", "watch_settings", "InboxFilter", "InboxEventHandler", "StabilityTracker",
    "StuckFile", "Debouncer", "Watcher", "run_service", "watcher_state", "WatcherState",
    "AlreadyRunning", "WatchLoop", "acquire_lock", "check_no_watch_loop", "rebuild_outputs", "main",
]

log = logging.getLogger("entretiens")

LOCK_NAME = "surveillance.lock"
HEALTH_NAME = "sante.json"
LOG_NAME = "surveillance.log"
LOG_BYTES, LOG_BACKUPS = 5 * 1024 * 1024, 5
TICK = 0.1  # seconds between two steps of the main loop
HEALTH_EVERY = 1.0  # at most one health write per second while busy
EVENT_TYPES = [FileCreatedEvent, FileModifiedEvent, FileMovedEvent, FileClosedEvent]

# Outcome codes (pipeline.process) -> counter labels of the health file.
COUNTER_LABELS = {"accepted": "acceptes", "rejected": "rejetes", "unreadable": "illisibles",
                  "duplicate": "doublons"}


class AlreadyRunning(EntretiensError):
    """Another watcher holds this workspace's lock."""

    code = "surveillance_deja_lancee"


class WatchLoop(ConfigError):
    """The outbox or the state dir sits inside the inbox: the service would eat its own files."""

    code = "boucle_de_surveillance"


# -- settings ------------------------------------------------------------------------


@dataclass(frozen=True)
class WatchSettings:
    """How the service watches. Built from config.yaml's ``surveillance`` section by
    :func:`watch_settings`; the command line may replace any of them (:meth:`updated`)."""

    polling: bool = False  # True: PollingObserver (network shares), else inotify
    poll_interval: float = 1.0  # seconds between two snapshots in polling mode
    stability_window: float = 2.0  # size and mtime unchanged this long before a file is taken
    rescan_interval: float = 60.0  # full listing of the inbox, in case events were lost
    ignore_patterns: tuple[str, ...] = ()  # on top of pipeline.process.IGNORED_PATTERNS
    max_retries: int = 8  # failed attempts before a file is reported stuck (it is still retried)
    quiet_before_outputs: float = 5.0  # seconds without a new outcome before the workbooks are rebuilt

    def __post_init__(self) -> None:
        for name, option, minimum in (("poll_interval", "intervalle_polling_s", 0.1),
                                      ("stability_window", "stabilite_s", 0.0),
                                      ("rescan_interval", "rescan_s", 1.0),
                                      ("quiet_before_outputs", "calme_avant_classeurs_s", 0.0),
                                      ("max_retries", "reessais_max", 1)):
            if getattr(self, name) < minimum:
                raise ConfigError(f"surveillance.{option} : valeur « {getattr(self, name)} » trop petite "
                                  f"(minimum : {minimum}).")
        object.__setattr__(self, "ignore_patterns", tuple(self.ignore_patterns))

    @property
    def incomplete_after(self) -> float:
        """A file that looks half-written (a zip without its directory, or no content yet) and has not
        changed for this long is handed over anyway, to get its rejection note."""
        return max(30.0, 15 * self.stability_window)

    @property
    def mode(self) -> str:
        return "polling" if self.polling else "inotify"

    def updated(self, **changes) -> "WatchSettings":
        """A copy with the given settings replaced; ``None`` values (options not given) are skipped."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def watch_settings(config: Config) -> WatchSettings:
    """The settings of config.yaml's ``surveillance`` section (``config.watch``), or the defaults."""
    section = getattr(config, "watch", None)
    if section is None:
        return WatchSettings()
    return WatchSettings(
        polling=section.mode == "polling",
        poll_interval=section.poll_interval,
        stability_window=section.stability_window,
        rescan_interval=section.rescan_interval,
        ignore_patterns=tuple(section.ignore_patterns),
        max_retries=section.max_retries,
        quiet_before_outputs=section.quiet_before_outputs,
    )


# -- which paths count ----------------------------------------------------------------


class InboxFilter:
    """Whether a path is an inbox entry the watcher should note: directly in the inbox, and not a
    name office suites and copy tools leave behind (``pipeline.process.IGNORED_PATTERNS``, which also
    covers the share work folder, a dot folder) nor one of ``ignore_patterns`` (config.yaml)."""

    def __init__(self, inbox: Path, ignore_patterns: tuple[str, ...] = ()):
        self.inbox = os.path.abspath(inbox)
        self.ignore_patterns = tuple(ignore_patterns)

    def accepts_name(self, name: str) -> bool:
        return bool(name) and not is_ignored(name, self.ignore_patterns)

    def __call__(self, path: str | os.PathLike) -> bool:
        path = os.path.abspath(os.fsdecode(path))
        return os.path.dirname(path) == self.inbox and self.accepts_name(os.path.basename(path))


class InboxEventHandler(FileSystemEventHandler):
    """Runs in the observer thread: notes created, modified, closed and moved-in paths through
    ``notify`` and does nothing else. Never raises (an exception here kills the observer)."""

    def __init__(self, notify: Callable[[str], None]):
        super().__init__()
        self.notify = notify

    def on_any_event(self, event: FileSystemEvent) -> None:
        try:
            if event.is_directory:
                return
            if event.event_type == "moved":
                if event.dest_path:
                    self.notify(os.fsdecode(event.dest_path))
            elif event.event_type in ("created", "modified", "closed"):
                self.notify(os.fsdecode(event.src_path))
        except Exception:  # noqa: BLE001 - the observer thread must survive anything
            try:
                log.exception("événement de fichier ignoré après une erreur : %r", event)
            except Exception:  # noqa: BLE001
                pass


# -- stability ---------------------------------------------------------------------------

ZIP_COMPLETE, ZIP_PARTIAL, NOT_ZIP, NO_CONTENT = "zip", "zip_incomplet", "autre", "vide"


def probe_file(path: str) -> str:
    """What a regular file looks like now: a complete zip, a zip still being written, no content yet
    (empty or zero-filled start), or something else (PDF, .doc...). Raises OSError when it cannot be
    opened (locked, permission denied, share gone)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        head = os.read(fd, 512)
    finally:
        os.close(fd)
    if not head.strip(b"\x00"):
        return NO_CONTENT
    if head.startswith(b"PK"):
        return ZIP_COMPLETE if looks_complete(Path(path)) else ZIP_PARTIAL
    return NOT_ZIP


def describe_failure(exc: BaseException) -> str:
    """Why a file could not be taken, in French, for the log and the health file."""
    if isinstance(exc, PermissionError):
        return "accès refusé (fichier ouvert ailleurs ou droits insuffisants)"
    if isinstance(exc, FileNotFoundError):
        return "fichier ou dossier introuvable (partage déconnecté ?)"
    if isinstance(exc, OSError):
        if exc.errno in (errno.EBUSY, errno.ETXTBSY):
            return "fichier en cours d'utilisation"
        if exc.errno in (errno.EIO, errno.ESTALE, errno.EHOSTDOWN, errno.EHOSTUNREACH, errno.ENOTCONN):
            return f"partage réseau indisponible ({exc.strerror or exc})"
        return f"erreur d'accès ({exc.strerror or exc})"
    return f"erreur inattendue ({type(exc).__name__})"


@dataclass
class _Tracked:
    size: int
    mtime_ns: int
    first_seen: float
    last_change: float  # last time the size, the mtime or an event said it changed
    retry_at: float = 0.0
    probed: tuple[int, int, str] | None = None  # size, mtime, kind at the last probe


@dataclass
class StuckFile:
    path: str
    attempts: int
    problem: str
    since: str  # wall clock, ISO

    def as_json(self) -> dict:
        return {"fichier": os.path.basename(self.path), "chemin": self.path, "essais": self.attempts,
                "motif": self.problem, "depuis": self.since}


def _wall() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class StabilityTracker:
    """Paths noted by events and scans -> (size, mtime, first_seen, last_change).

    :meth:`ready` yields (and stops tracking) the paths whose size and mtime have not changed, and
    that no event touched, for ``window`` seconds, and that open as a complete zip; a file that is
    not a zip at all (a renamed PDF, a .doc) only needs the window, since it must still be handed
    over to get its rejection note. A zip without its directory or a file with no content yet is
    waited for, then handed over after ``incomplete_after`` seconds without change. Symbolic links
    are never followed (handed over as they are: the processor rejects them).

    A path that cannot be opened, or that the caller failed to take (:meth:`defer`), is retried with
    exponential backoff and listed by :meth:`stuck` after ``max_retries`` failures; it stays tracked
    until it succeeds or leaves the inbox. Times are the caller's monotonic clock: no threads here.
    """

    def __init__(self, window: float, *, incomplete_after: float = 30.0, max_retries: int = 8,
                 backoff_base: float = 1.0, backoff_cap: float = 300.0,
                 probe: Callable[[str], str] = probe_file):
        self.window, self.incomplete_after, self.max_retries = window, incomplete_after, max_retries
        self.backoff_base, self.backoff_cap, self.probe = backoff_base, backoff_cap, probe
        self._tracked: dict[str, _Tracked] = {}
        self._failures: dict[str, StuckFile] = {}

    def __len__(self) -> int:
        return len(self._tracked)

    def __contains__(self, path: str) -> bool:
        return os.fspath(path) in self._tracked

    def note(self, path: str | os.PathLike, now: float, *, event: bool = True) -> None:
        """A path was seen: by an event (``event=True``: its quiet period starts again) or by a scan
        (``event=False``: tracked if new, left as it is otherwise)."""
        path = os.fspath(path)
        entry = self._tracked.get(path)
        if entry is not None:
            if event:
                entry.last_change = now
            return
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        except OSError:
            self._tracked[path] = _Tracked(-1, -1, now, now)  # stated again by ready()
            return
        if stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
            self._tracked[path] = _Tracked(st.st_size, st.st_mtime_ns, now, now)

    def forget(self, path: str | os.PathLike) -> None:
        """The path was taken, or left the inbox: stop tracking it, failures included."""
        path = os.fspath(path)
        self._tracked.pop(path, None)
        self._failures.pop(path, None)

    def ready(self, now: float) -> Iterator[str]:
        """Paths ready to be taken, oldest first; each is no longer tracked once yielded."""
        for path, entry in sorted(self._tracked.items(), key=lambda item: (item[1].first_seen, item[0])):
            if self._tracked.get(path) is entry and entry.retry_at <= now and self._settled(path, entry, now):
                del self._tracked[path]
                yield path

    def defer(self, path: str | os.PathLike, now: float, problem: str) -> int:
        """A failed attempt: try again after a backoff. Returns the number of failures so far."""
        path = os.fspath(path)
        failure = self._failures.setdefault(path, StuckFile(path, 0, problem, _wall()))
        failure.attempts += 1
        failure.problem = problem
        delay = min(self.backoff_cap, self.backoff_base * 2 ** (failure.attempts - 1))
        entry = self._tracked.get(path)
        if entry is None:  # handed over, then failed: no new quiet period needed
            entry = self._tracked[path] = _Tracked(-1, -1, now, now - self.window)
            try:
                st = os.lstat(path)
                entry.size, entry.mtime_ns = st.st_size, st.st_mtime_ns
            except OSError:
                pass
        entry.retry_at = now + delay
        name = os.path.basename(path)
        if failure.attempts == self.max_retries:
            log.warning("Fichier bloqué : « %s » ne peut pas être pris en charge (%s) après %d essais "
                        "depuis le %s. Il reste dans le dossier d'entrée et sera réessayé toutes les %d s : "
                        "vérifiez qu'il n'est pas ouvert sur un autre poste et que le service a le droit "
                        "de le lire et de le déplacer.", name, problem, failure.attempts, failure.since[:19],
                        int(self.backoff_cap))
        elif failure.attempts < self.max_retries:
            log.info("« %s » n'a pas pu être pris en charge (%s) : nouvel essai dans %.0f s.", name, problem, delay)
        return failure.attempts

    def stuck(self) -> list[StuckFile]:
        return [f for f in self._failures.values() if f.attempts >= self.max_retries]

    def _settled(self, path: str, entry: _Tracked, now: float) -> bool:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            self.forget(path)
            return False
        except OSError as exc:
            self.defer(path, now, describe_failure(exc))
            return False
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
            self.forget(path)
            return False
        if (st.st_size, st.st_mtime_ns) != (entry.size, entry.mtime_ns):
            entry.size, entry.mtime_ns, entry.last_change = st.st_size, st.st_mtime_ns, now
            return False
        quiet = now - entry.last_change
        if quiet < self.window:
            return False
        if stat.S_ISLNK(st.st_mode):
            return True  # never followed: the processor rejects links with a note
        if entry.probed and entry.probed[:2] == (entry.size, entry.mtime_ns):
            kind = entry.probed[2]
        else:
            try:
                kind = self.probe(path)
            except OSError as exc:
                self.defer(path, now, describe_failure(exc))
                return False
            entry.probed = (entry.size, entry.mtime_ns, kind)
        if kind in (ZIP_COMPLETE, NOT_ZIP):
            return True
        if quiet >= self.incomplete_after:
            log.info("« %s » semble incomplet (%s) et n'a pas changé depuis %.0f s : il est transmis au "
                     "contrôle.", os.path.basename(path),
                     "archive sans répertoire" if kind == ZIP_PARTIAL else "aucun contenu", quiet)
            return True
        return False


class Debouncer:
    """Something changed (:meth:`touch`); :meth:`due` once nothing else did for ``quiet`` seconds,
    or ``max_delay`` seconds after the first change, so that a steady trickle still gets outputs."""

    def __init__(self, quiet: float, *, max_delay: float):
        self.quiet, self.max_delay = quiet, max_delay
        self.first: float | None = None
        self.last: float | None = None
        self.not_before = 0.0

    @property
    def pending(self) -> bool:
        return self.first is not None

    def touch(self, now: float) -> None:
        self.first = now if self.first is None else self.first
        self.last = now

    def due(self, now: float) -> bool:
        if self.first is None or now < self.not_before:
            return False
        return now - self.last >= self.quiet or now - self.first >= self.max_delay

    def done(self) -> None:
        self.first = self.last = None

    def postpone(self, now: float, delay: float) -> None:
        """After a failure: still pending, not due before ``now + delay``."""
        self.not_before = now + delay


def rebuild_outputs(config: Config) -> bool:
    """Rebuild the workbooks from the journal (``pipeline.workbooks``). False when that module is not
    there yet (logged at DEBUG); its own errors propagate."""
    try:
        from . import workbooks
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.workbooks":
            raise
        log.debug("module pipeline.workbooks absent : classeurs non reconstruits")
        return False
    workbooks.rebuild_workbooks(config)
    return True


# -- the main loop's work -------------------------------------------------------------------


class Watcher:
    """What the main loop does, one :meth:`step` at a time. No threads: the observer thread only
    calls :meth:`note_event`, which queues the path. ``processor`` is a :class:`Processor` (or any
    object with ``take(path)`` and ``recover()``)."""

    def __init__(self, config: Config, settings: WatchSettings, processor, *,
                 on_outcome: Callable[[Outcome], None] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 rebuild: Callable[[Config], bool] = rebuild_outputs):
        self.config, self.settings, self.processor = config, settings, processor
        self.on_outcome, self.clock, self.rebuild = on_outcome, clock, rebuild
        self.inbox = os.path.abspath(config.inbox)
        self.accepts = InboxFilter(Path(self.inbox), settings.ignore_patterns)
        self.tracker = StabilityTracker(settings.stability_window, incomplete_after=settings.incomplete_after,
                                        max_retries=settings.max_retries)
        self.outputs = Debouncer(settings.quiet_before_outputs,
                                 max_delay=max(60.0, 12 * settings.quiet_before_outputs))
        self.events: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.counters = {label: 0 for label in COUNTER_LABELS.values()}
        self.temporary_failures = 0
        self.next_scan = 0.0
        self.inbox_available: bool | None = None
        self.started = _wall()
        self.last_scan: str | None = None
        self.last_outputs: str | None = None
        self.recovery_at: float | None = None  # a claimed file failed: recover() again at this time
        self.recovery_failure: StuckFile | None = None
        self.stopped: str | None = None
        self.health_path = Path(config.state_dir) / HEALTH_NAME
        self._health_next = 0.0
        self._health_dirty = True
        self._roster_stamp = self._roster_mtime()

    # -- fed by the observer thread ------------------------------------------------------

    def note_event(self, path: str) -> None:
        """Called by the observer thread: queue the path if it counts. Never raises."""
        try:
            if self.accepts(path):
                self.events.put(os.path.abspath(path))
        except Exception:  # noqa: BLE001 - see InboxEventHandler
            pass

    # -- steps ------------------------------------------------------------------------------

    def start(self) -> None:
        """Finish what a crash left, then write the health file."""
        self._recover(self.clock())
        self.write_health()

    def step(self, stop: threading.Event | None = None) -> int:
        """Note queued events, rescan when due, take every ready file (until ``stop`` is set),
        retry recovery and rebuild the outputs when due. Returns the number of files taken."""
        now = self.clock()
        self._drain(now)
        if now >= self.next_scan:
            self.scan(now)
        if self.recovery_at is not None and now >= self.recovery_at:
            self._recover(now)
        taken = 0
        for path in self.tracker.ready(now):
            if stop is not None and stop.is_set():
                self.tracker.note(path, now, event=False)  # left for the next start
                break
            self._take(path)
            taken += 1
            self._drain(self.clock())
            self._maybe_write_health()
        now = self.clock()
        if self.outputs.due(now):
            self.rebuild_now(now)
        self._maybe_write_health()
        return taken

    def scan(self, now: float) -> bool:
        """List the inbox and note what is there; False when the inbox cannot be listed."""
        self.next_scan = now + self.settings.rescan_interval
        try:
            with os.scandir(self.inbox) as entries:
                names = [e.name for e in entries]
        except OSError as exc:
            if self.inbox_available is not False:
                log.warning("Le dossier d'entrée %s est inaccessible (%s) : le service attend qu'il revienne.",
                            self.inbox, describe_failure(exc))
            self.inbox_available = False
            self._health_dirty = True
            return False
        if self.inbox_available is False:
            log.info("Le dossier d'entrée %s est de nouveau accessible.", self.inbox)
        self.inbox_available = True
        for name in sorted(names):
            if self.accepts.accepts_name(name):
                self.tracker.note(os.path.join(self.inbox, name), now, event=False)
        if self.recovery_at is None and self.last_scan is not None:
            self._recover(now)  # whatever a failed step left in the work area
        first = self.last_scan is None
        self.last_scan = _wall()
        self._health_dirty = True
        if first:
            self.write_health()  # says, among other things, that the service is watching
        self._reload_roster()
        return True

    def rebuild_now(self, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        try:
            if self.rebuild(self.config):
                self.last_outputs = _wall()
                log.debug("classeurs reconstruits")
            self.outputs.done()
        except Exception as exc:  # noqa: BLE001 - the service goes on; tried again later
            log.error("Reconstruction des classeurs impossible (%s) : nouvel essai dans 60 s. Un classeur "
                      "ouvert dans Excel sur un autre poste peut l'empêcher ; détail avec --verbose.",
                      describe_failure(exc))
            log.debug("détail de l'erreur", exc_info=True)
            self.outputs.postpone(now, 60.0)
        self._health_dirty = True

    def finish(self) -> None:
        """At stop: rebuild the outputs if anything changed since the last rebuild; final health."""
        if self.outputs.pending:
            self.outputs.not_before = 0.0
            self.rebuild_now()
        self.stopped = _wall()
        self.write_health()

    # -- health ---------------------------------------------------------------------------------

    def stuck(self) -> list[StuckFile]:
        stuck = self.tracker.stuck()
        if self.recovery_failure and self.recovery_failure.attempts >= self.settings.max_retries:
            stuck.append(self.recovery_failure)
        return stuck

    def health(self) -> dict:
        return {
            "pid": os.getpid(),
            "hote": socket.gethostname(),
            "etat": "arrêté" if self.stopped else "en cours",
            "demarre_le": self.started,
            "arrete_le": self.stopped,
            "mis_a_jour_le": _wall(),
            "dernier_balayage": self.last_scan,
            "derniers_classeurs": self.last_outputs,
            "dossier_entree": self.inbox,
            "dossier_entree_accessible": self.inbox_available is not False,
            "mode": self.settings.mode,
            "stabilite_s": self.settings.stability_window,
            "en_attente": len(self.tracker),
            "compteurs": dict(self.counters),
            "echecs_temporaires": self.temporary_failures,
            "fichiers_bloques": [s.as_json() for s in self.stuck()],
        }

    def write_health(self) -> None:
        """Written atomically; a failure is logged, never raised."""
        data = json.dumps(self.health(), ensure_ascii=False, indent=2) + "\n"
        try:
            write_private(self.health_path, lambda tmp: tmp.write_text(data, encoding="utf-8"))
        except OSError as exc:
            log.warning("Fichier de santé %s non écrit : %s", self.health_path, describe_failure(exc))
        self._health_dirty = False
        self._health_next = self.clock() + HEALTH_EVERY

    def _maybe_write_health(self) -> None:
        if self._health_dirty and self.clock() >= self._health_next:
            self.write_health()

    # -- internals ------------------------------------------------------------------------------

    def _drain(self, now: float) -> None:
        while True:
            try:
                path = self.events.get_nowait()
            except queue.Empty:
                return
            self.tracker.note(path, now)

    def _take(self, path: str) -> None:
        try:
            outcome = self.processor.take(Path(path))
        except Exception as exc:  # noqa: BLE001 - one file never stops the service
            now = self.clock()
            self.temporary_failures += 1
            self._health_dirty = True
            log.debug("échec de prise en charge de %s", path, exc_info=True)
            if os.path.lexists(path):  # not claimed: it stays in the inbox, retried later
                self.tracker.defer(path, now, describe_failure(exc))
            else:  # claimed, then failed: it waits in the work area for recover()
                self._recovery_failed(now, exc, os.path.basename(path))
            return
        self.tracker.forget(path)
        if outcome is not None:
            self._outcome(outcome)

    def _outcome(self, outcome: Outcome) -> None:
        label = COUNTER_LABELS.get(outcome.outcome, outcome.outcome)
        self.counters[label] = self.counters.get(label, 0) + 1
        self.outputs.touch(self.clock())
        self._health_dirty = True
        if self.on_outcome is not None:
            try:
                self.on_outcome(outcome)
            except Exception:  # noqa: BLE001 - a caller's callback never stops the service
                log.exception("erreur dans le rappel on_outcome")

    def _recover(self, now: float) -> None:
        try:
            outcomes = self.processor.recover()
        except Exception as exc:  # noqa: BLE001
            self._recovery_failed(now, exc, "zone de travail")
            return
        if self.recovery_failure is not None:
            log.info("Reprise de la zone de travail réussie.")
        self.recovery_at, self.recovery_failure = None, None
        if outcomes:
            log.info("Reprise après interruption : %d fichier(s) terminé(s).", len(outcomes))
        for outcome in outcomes:
            self._outcome(outcome)

    def _recovery_failed(self, now: float, exc: Exception, name: str) -> None:
        problem = describe_failure(exc)  # never the exception's text: it could quote the report
        log.debug("détail de l'erreur", exc_info=exc)
        failure = self.recovery_failure or StuckFile(str(self.processor_work_dir()), 0, problem, _wall())
        failure.attempts += 1
        failure.problem = problem
        self.recovery_failure = failure
        delay = min(300.0, 2.0 ** (failure.attempts - 1))
        self.recovery_at = now + delay
        self._health_dirty = True
        if failure.attempts == self.settings.max_retries:
            log.warning("Fichier bloqué dans la zone de travail (%s) : %s, %d essais. Il n'est pas perdu ; "
                        "le service réessaie toutes les 5 minutes. Consultez %s.", name, problem,
                        failure.attempts, Path(self.config.state_dir) / LOG_NAME)
        else:
            log.warning("Traitement de « %s » interrompu (%s) : reprise dans %.0f s.", name, problem, delay)

    def processor_work_dir(self) -> Path:
        return Path(getattr(self.processor, "work_dir", Path(self.config.state_dir)))

    def _roster_mtime(self) -> int | None:
        path = getattr(self.config, "roster_path", None)
        try:
            return os.stat(path).st_mtime_ns if path else None
        except OSError:
            return None

    def _reload_roster(self) -> None:
        """A roster edited during the campaign is read again (new agents are no longer unknown)."""
        stamp = self._roster_mtime()
        if stamp == self._roster_stamp or stamp is None or not hasattr(self.processor, "agents"):
            return
        from .examine import known_agents
        try:
            self.processor.agents = known_agents(self.config)
        except Exception as exc:  # noqa: BLE001 - keep the previous list
            log.warning("Liste des agents modifiée mais illisible (%s) : l'ancienne liste reste utilisée.", exc)
            return
        self._roster_stamp = stamp
        log.info("Liste des agents modifiée : relue (%d agents).", len(self.processor.agents or ()))


# -- the observer, restarted when needed -------------------------------------------------------


class InboxObserver:
    """watchdog on the inbox. :meth:`ensure` (re)starts it when the inbox appeared again, was
    replaced (another inode) or when the observer or its emitter died. Returns whether it watches."""

    def __init__(self, inbox: str, handler: InboxEventHandler, settings: WatchSettings):
        self.inbox, self.handler, self.settings = inbox, handler, settings
        self.observer = None
        self.identity: tuple[int, int] | None = None
        self._failed_start = False
        self._retry_at = 0.0

    def ensure(self) -> bool:
        if self._failed_start and time.monotonic() < self._retry_at:
            return False
        try:
            st = os.stat(self.inbox)
            # inotify follows the folder's inode (a folder moved away keeps its watch); polling follows
            # the path. Network shares may not keep inode numbers stable: not compared in polling mode.
            identity = None
            if stat.S_ISDIR(st.st_mode):
                identity = (0, 0) if self.settings.polling else (st.st_dev, st.st_ino)
        except OSError:
            identity = None
        if identity is None:
            self.stop()
            return False
        if self.observer is not None and identity == self.identity and self._alive():
            return True
        restarting = self.observer is not None
        self.stop()
        observer = (PollingObserver(timeout=self.settings.poll_interval) if self.settings.polling
                    else Observer())
        try:
            observer.schedule(self.handler, self.inbox, recursive=False, event_filter=EVENT_TYPES)
            observer.start()
        except OSError as exc:
            if not self._failed_start:
                log.error("Surveillance du dossier %s impossible (%s) : seuls les balayages périodiques "
                          "trouveront les fichiers. Essayez le mode polling (surveillance.mode: polling).",
                          self.inbox, describe_failure(exc))
            self._failed_start, self._retry_at = True, time.monotonic() + 30.0
            return False
        self._failed_start = False
        self.observer, self.identity = observer, identity
        if restarting:
            log.info("Surveillance du dossier d'entrée %s relancée.", self.inbox)
        return True

    def _alive(self) -> bool:
        return self.observer.is_alive() and all(e.is_alive() for e in self.observer.emitters)

    def stop(self) -> None:
        if self.observer is None:
            return
        try:
            self.observer.stop()
            self.observer.join(timeout=5)
        except Exception:  # noqa: BLE001 - a dead observer cannot be stopped twice
            pass
        self.observer = None


# -- lock ------------------------------------------------------------------------------------


@dataclass
class ServiceLock:
    path: Path
    fd: int

    def release(self) -> None:
        if self.fd >= 0:
            try:
                os.ftruncate(self.fd, 0)
            except OSError:
                pass
            os.close(self.fd)  # closing releases the flock
            self.fd = -1


def _read_holder(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return {}
    try:
        data = json.loads(text) if text else {}
        return data if isinstance(data, dict) else {"pid": int(data)}
    except (ValueError, TypeError):
        return {}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holder_text(holder: dict) -> str:
    pid = holder.get("pid", "inconnu")
    where = f" sur {holder['hote']}" if holder.get("hote") else ""
    since = f", démarré le {str(holder['demarre_le'])[:19].replace('T', ' à ')}" if holder.get("demarre_le") else ""
    return f"processus {pid}{where}{since}"


def _refusal(holder: dict, command: str, path: Path) -> AlreadyRunning:
    who, pid = _holder_text(holder), holder.get("pid", "<pid>")
    if holder.get("commande") == "process":
        return AlreadyRunning(f"Un traitement du dossier d'entrée (entretiens process, {who}) est en cours pour cet "
                              f"espace de travail. Attendez qu'il se termine, puis relancez. Verrou : {path}.")
    what = ("Inutile de lancer « process » : déposez simplement les fichiers dans le dossier d'entrée."
            if command == "process" else
            f"Un seul service à la fois : arrêtez-le d'abord (systemctl stop entretiens, ou kill {pid}).")
    return AlreadyRunning(f"La surveillance est déjà lancée pour cet espace de travail ({who}) : elle traite "
                          f"elle-même le dossier d'entrée. {what} Verrou : {path}.")


def acquire_lock(state_dir: Path, *, command: str = "watch") -> ServiceLock:
    """Take the workspace's lock (``state_dir/surveillance.lock``, holding our pid and ``command``) or raise
    :class:`AlreadyRunning` naming the holder. A lock left by a dead process is taken over. ``watch`` holds
    it while it runs; ``process`` may take it for its pass so that the two never work at once."""
    path = Path(make_dirs(state_dir)) / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, FILE_MODE)
    try:
        for attempt in range(4):  # `status` probes with a shared lock for an instant
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt == 3:
                    raise _refusal(_read_holder(path), command, path) from None
                time.sleep(0.05)
            except OSError as exc:  # no flock on this file system: fall back to the pid
                if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
                    raise
                holder = _read_holder(path)
                pid = holder.get("pid")
                if isinstance(pid, int) and pid != os.getpid() and _pid_alive(pid):
                    raise _refusal(holder, command, path) from None
                break
        previous = _read_holder(path)
        if previous.get("pid") not in (None, os.getpid()):
            log.info("Verrou laissé par le processus %s (arrêté) : repris.", previous.get("pid"))
        text = json.dumps({"pid": os.getpid(), "hote": socket.gethostname(), "demarre_le": _wall(),
                           "commande": command})
        os.ftruncate(fd, 0)
        os.pwrite(fd, text.encode("utf-8"), 0)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        raise
    return ServiceLock(path, fd)


def check_no_watch_loop(config: Config) -> None:
    """Refuse an outbox or state dir inside the inbox (the service would take its own output)."""
    inbox = Path(config.inbox).resolve()
    for what, key, folder in (("dossier de sortie", "dossiers.sortie", config.outbox),
                              ("dossier d'état", "dossiers.etat", config.state_dir)):
        resolved = Path(folder).resolve()
        if resolved == inbox or resolved.is_relative_to(inbox):
            raise WatchLoop(f"Le {what} ({resolved}) est à l'intérieur du dossier d'entrée ({inbox}) : le "
                            f"service traiterait ses propres fichiers. Choisissez dans config.yaml (clé {key}) "
                            f"un dossier situé hors du dossier d'entrée.")


# -- status ------------------------------------------------------------------------------------


@dataclass
class WatcherState:
    """What ``entretiens status`` shows about the service: from the lock and the health file."""

    running: bool  # a watcher holds the lock now
    pid: int | None = None
    health: dict = field(default_factory=dict)  # its last health file (maybe from a previous run)
    processing: int | None = None  # pid of an `entretiens process` pass holding the lock instead

    def as_json(self) -> dict:
        return {"en_cours": self.running, "pid": self.pid, "traitement_process_en_cours": self.processing,
                **{k: v for k, v in self.health.items() if k != "pid"}}

    def lines(self) -> list[str]:
        """French lines for ``status``."""
        h = self.health
        if not self.running:
            if h.get("arrete_le"):
                last = f" (dernier arrêt le {_shown_time(h['arrete_le'])})"
            elif h.get("mis_a_jour_le"):
                last = f" (interrompue sans arrêt propre ; dernier signe de vie le {_shown_time(h['mis_a_jour_le'])})"
            else:
                last = ""
            lines = [f"Surveillance du dossier d'entrée : arrêtée{last}."]
            if self.processing:
                lines.append(f"  Traitement en cours : entretiens process (processus {self.processing}).")
            return lines
        lines = [f"Surveillance du dossier d'entrée : en cours (processus {self.pid}, mode {h.get('mode', '?')}, "
                 f"démarrée le {_shown_time(h.get('demarre_le'))})."]
        if h.get("dernier_balayage"):
            lines.append(f"  Dernier balayage : {_shown_time(h['dernier_balayage'])}"
                         + ("" if h.get("dossier_entree_accessible", True) else " – dossier d'entrée INACCESSIBLE"))
        counters = h.get("compteurs") or {}
        if counters:
            shown = {"acceptes": "accepté(s)", "rejetes": "rejeté(s)", "illisibles": "illisible(s)",
                     "doublons": "doublon(s)"}
            lines.append("  Depuis le démarrage : " + ", ".join(f"{v} {shown.get(k, k)}" for k, v in counters.items()))
        for stuck in h.get("fichiers_bloques") or []:
            lines.append(f"  Fichier bloqué : {stuck.get('fichier')} ({stuck.get('motif')}, "
                         f"{stuck.get('essais')} essais)")
        return lines


def _shown_time(iso: str | None) -> str:
    return str(iso or "?")[:19].replace("T", " à ")


def watcher_state(config: Config) -> WatcherState:
    """Whether a watcher holds this workspace's lock, and its last health report."""
    state_dir = Path(config.state_dir)
    try:
        health = json.loads((state_dir / HEALTH_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        health = {}
    health = health if isinstance(health, dict) else {}
    lock = state_dir / LOCK_NAME
    try:
        fd = os.open(lock, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return WatcherState(False, None, health)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_holder(lock)
        if holder.get("commande") == "process":
            return WatcherState(False, None, health, processing=holder.get("pid"))
        return WatcherState(True, holder.get("pid"), health)
    except OSError:  # no flock here: trust the pid
        holder = _read_holder(lock)
        pid = holder.get("pid")
        alive = isinstance(pid, int) and _pid_alive(pid)
        if holder.get("commande") == "process":
            return WatcherState(False, None, health, processing=pid if alive else None)
        return WatcherState(alive, pid, health)
    finally:
        os.close(fd)  # also releases the probe's shared lock
    return WatcherState(False, None, health)


# -- the service ---------------------------------------------------------------------------------


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files readable by their owner and group only (SPEC 7)."""

    def _open(self):
        stream = super()._open()
        try:
            os.chmod(self.baseFilename, FILE_MODE)
        except OSError:
            pass
        return stream


def _add_file_log(state_dir: Path) -> tuple[logging.Handler, int]:
    handler = _PrivateRotatingFileHandler(Path(state_dir) / LOG_NAME, maxBytes=LOG_BYTES,
                                          backupCount=LOG_BACKUPS, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    previous_level = log.level
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)
    log.addHandler(handler)
    return handler, previous_level


class _WatchdogInFrench(logging.Handler):
    """watchdog's own log records, said in French on the ``entretiens`` logger (HR reads the log). A queue
    overflow asks for a rescan at once; the harmless shutdown message is dropped."""

    def __init__(self, on_overflow: Callable[[], None]):
        super().__init__(logging.DEBUG)
        self.on_overflow = on_overflow

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            if "thread is inactive" in text:
                return
            if "overflow" in text:
                self.on_overflow()
                log.warning("Trop d'événements à la fois dans le dossier d'entrée : certains ont été perdus. "
                            "Le dossier est balayé de nouveau pour retrouver tous les fichiers.")
            elif text.startswith("Cannot take a snapshot"):
                log.warning("Dossier d'entrée momentanément illisible (partage réseau ?) : nouvel essai au "
                            "prochain relevé.")
            elif text.startswith("Snapshot of"):
                log.info("Dossier d'entrée de nouveau lisible.")
            elif record.levelno >= logging.WARNING:
                log.warning("Bibliothèque de surveillance (watchdog) : %s", text)
            else:
                log.debug("watchdog : %s", text)
        except Exception:  # noqa: BLE001 - logging never raises
            pass


def _route_watchdog_logs(watcher: "Watcher") -> Callable[[], None]:
    logger = logging.getLogger("watchdog")
    handler = _WatchdogInFrench(lambda: setattr(watcher, "next_scan", 0.0))
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False

    def restore() -> None:
        logger.removeHandler(handler)
        logger.propagate = propagate

    return restore


def _install_signals(stop: threading.Event, received: list[int]) -> Callable[[], None]:
    """SIGTERM and SIGINT set ``stop`` (main thread only); returns what restores the previous handlers."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def on_signal(signum, frame):  # no logging here: not safe in a signal handler
        received.append(signum)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def run_service(config: Config, *, settings: WatchSettings | None = None, stop: threading.Event | None = None,
                on_outcome: Callable[[Outcome], None] | None = None) -> int:
    """The watcher service: blocks until ``stop`` is set or SIGTERM/SIGINT arrives, then finishes the
    current file, rebuilds the workbooks and returns 0. Returns 1 (after logging the French reason)
    when it cannot start: another instance runs, a watch loop, an unusable roster or state dir.
    Logs go to the ``entretiens`` logger (the caller sets up the console) and to a rotating file in
    the state dir."""
    settings = settings or watch_settings(config)
    stop = stop or threading.Event()
    try:
        check_no_watch_loop(config)
        lock = acquire_lock(config.state_dir)
    except EntretiensError as exc:
        log.error("%s", exc.message)
        return 1
    except OSError as exc:
        log.error("Dossier d'état %s inutilisable : %s.", config.state_dir, describe_failure(exc))
        return 1
    try:
        handler, previous_level = _add_file_log(config.state_dir)
    except OSError as exc:
        lock.release()
        log.error("Journal de la surveillance impossible à ouvrir dans %s : %s.", config.state_dir,
                  describe_failure(exc))
        return 1
    received: list[int] = []
    restore_signals = _install_signals(stop, received)
    try:
        with Processor(config) as processor:
            watcher = Watcher(config, settings, processor, on_outcome=on_outcome)
            _serve(watcher, settings, stop, received)
        return 0
    except EntretiensError as exc:
        log.error("%s", exc.message)
        return 1
    finally:
        restore_signals()
        log.removeHandler(handler)
        handler.close()
        log.setLevel(previous_level)
        lock.release()


def _serve(watcher: Watcher, settings: WatchSettings, stop: threading.Event, received: list[int]) -> None:
    log.info("Surveillance démarrée (processus %d) : dossier d'entrée %s, mode %s, stabilité %s s, "
             "nouveau balayage toutes les %s s.", os.getpid(), watcher.inbox, settings.mode,
             f"{settings.stability_window:g}", f"{settings.rescan_interval:g}")
    watcher.start()
    observer = InboxObserver(watcher.inbox, InboxEventHandler(watcher.note_event), settings)
    watching = False
    restore_logs = _route_watchdog_logs(watcher)
    try:
        while not stop.is_set():
            try:
                now_watching = observer.ensure()
                if now_watching and not watching:
                    watcher.next_scan = 0.0  # (re)started: list what arrived meanwhile
                watching = now_watching
                watcher.step(stop)
            except Exception:  # noqa: BLE001 - the service never stops on an error
                log.exception("Erreur inattendue dans la boucle de surveillance ; le service continue.")
                stop.wait(1.0)
            stop.wait(TICK)
    finally:
        observer.stop()
        names = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "SIGINT"}
        why = f" ({names.get(received[0], received[0])})" if received else ""
        log.info("Arrêt demandé%s : reconstruction des classeurs puis arrêt.", why)
        restore_logs()
        watcher.finish()
        log.info("Surveillance arrêtée.")


# -- a small runner until `entretiens watch` is wired ------------------------------------------------


def _positive(text: str) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(f"« {text} » n'est pas un nombre") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"« {text} » : un nombre positif est attendu")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.watch",
        description="Surveille le dossier d'entrée et traite chaque fichier déposé, une fois complet.",
        epilog="Exemple : python -m pipeline.watch --config /srv/entretiens/config.yaml --polling")
    parser.add_argument("--config", type=Path, default=None, metavar="CHEMIN", help="fichier de configuration")
    parser.add_argument("--polling", action="store_true", default=None,
                        help="mode polling (partage réseau) au lieu d'inotify")
    parser.add_argument("--interval", type=_positive, default=None, metavar="S",
                        help="intervalle du mode polling, en secondes")
    parser.add_argument("--stability", type=_positive, default=None, metavar="S",
                        help="délai de stabilité d'un fichier avant traitement, en secondes")
    parser.add_argument("--rescan", type=_positive, default=None, metavar="S",
                        help="intervalle des balayages complets du dossier d'entrée, en secondes")
    parser.add_argument("--quiet", type=_positive, default=None, metavar="S",
                        help="calme avant la reconstruction des classeurs, en secondes")
    parser.add_argument("--retries", type=int, default=None, metavar="N",
                        help="essais avant de signaler un fichier bloqué")
    parser.add_argument("-v", "--verbose", action="store_true", help="journal détaillé")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    try:
        config = load_config(args.config)
        settings = watch_settings(config).updated(
            polling=args.polling, poll_interval=args.interval, stability_window=args.stability,
            rescan_interval=args.rescan, quiet_before_outputs=args.quiet, max_retries=args.retries)
    except EntretiensError as exc:
        print(f"Erreur : {exc.message}", file=sys.stderr)
        return 1
    return run_service(config, settings=settings)


if __name__ == "__main__":
    sys.exit(main())
