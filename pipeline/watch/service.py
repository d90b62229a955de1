"""The service (:func:`run_service`): refuse a watch loop, take the lock, open the log file, install the
signals, then run the observer and the :class:`~pipeline.watch.watcher.Watcher` until asked to stop."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from ..config import Config, Watch
from ..inbox import check_outside_inbox
from ..outcomes import EntretiensError
from ..process import HandledFile, Processor
from .inbox import InboxEventHandler, InboxObserver
from ..logs import file_handler
from ..naming import LOG_NAME
from .lock import acquire_lock
from ..files import describe_failure
from .stability import _wall
from .watcher import Watcher, rebuild_outputs
from ..mail.worker import MailWorker

log = logging.getLogger("entretiens")

TICK = 0.1  # seconds between two steps of the main loop


# -- the service ---------------------------------------------------------------------------------


def _add_file_log(state_dir: Path) -> tuple[logging.Handler, int]:
    handler = file_handler(Path(state_dir) / LOG_NAME)  # readable by owner and group only (SPEC 7)
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


class _CannotStart(Exception):
    """The service cannot start; the French reason is logged already."""


@contextlib.contextmanager
def _service_running(config: Config, stop: threading.Event):
    """What every watcher holds while it runs: the workspace's lock, its log file, SIGTERM/SIGINT
    setting ``stop``; yields the signals received. Raises :class:`_CannotStart` (the reason
    logged) when another instance runs, the outbox lies in the inbox, or the state dir is unusable."""
    try:
        check_outside_inbox(config)
        lock = acquire_lock(config.state_dir)
    except EntretiensError as exc:
        log.error("%s", exc.message)
        raise _CannotStart from None
    except OSError as exc:
        log.error("Dossier d'état %s inutilisable : %s.", config.state_dir, describe_failure(exc))
        raise _CannotStart from None
    try:
        handler, previous_level = _add_file_log(config.state_dir)
    except OSError as exc:
        lock.release()
        log.error("Journal de la surveillance impossible à ouvrir dans %s : %s.", config.state_dir,
                  describe_failure(exc))
        raise _CannotStart from None
    received: list[int] = []
    restore_signals = _install_signals(stop, received)
    try:
        yield received
    finally:
        restore_signals()
        log.removeHandler(handler)
        handler.close()
        log.setLevel(previous_level)
        lock.release()


def run_service(config: Config, *, settings: Watch | None = None, stop: threading.Event | None = None,
                on_outcome: Callable[[HandledFile], None] | None = None) -> int:
    """The watcher service: blocks until ``stop`` is set or SIGTERM/SIGINT arrives, then finishes the
    current file, rebuilds the workbooks and returns 0. Returns 1 (after logging the French reason)
    when it cannot start: another instance runs, a watch loop, an unusable roster or state dir.
    Logs go to the ``entretiens`` logger (the caller sets up the console) and to a rotating file in
    the state dir."""
    settings = config.watch if settings is None else settings
    stop = stop or threading.Event()
    try:
        with _service_running(config, stop) as received:
            mail = MailWorker(config).start() if config.mail.mode != "aucun" else None
            try:
                with Processor(config) as processor:
                    watcher = Watcher(config, settings, processor, on_outcome=on_outcome,
                                      rebuild=_rebuild_then_deliver(mail))
                    _serve(watcher, settings, stop, received)
            finally:
                if mail is not None:
                    mail.stop()
            return 0
    except _CannotStart:
        return 1
    except EntretiensError as exc:
        log.error("%s", exc.message)
        return 1


def _rebuild_then_deliver(mail: MailWorker | None) -> Callable[[Config], object]:
    """The watcher's outputs step: notes queued and workbooks rebuilt, then the mail thread poked."""

    def rebuild(config: Config) -> object:
        written = rebuild_outputs(config)
        if mail is not None:
            mail.poke()
        return written

    return rebuild


def _serve(watcher: Watcher, settings: Watch, stop: threading.Event, received: list[int]) -> None:
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


def run_employers_service(config: Config, *, settings: Watch | None = None,
                          stop: threading.Event | None = None) -> int:
    """The watcher of a workspace that serves several employers (``employeurs``): a routed pass
    (:func:`pipeline.employers.process_employers`: files of the shared inbox to their employer,
    one pass per employer with work, the employers' and the consolidated workbooks) after each
    quiet time following a change in the inbox (``surveillance.stabilite_s``), and at least every
    ``surveillance.rescan_s``; its mail thread delivers each employer's messages and, with
    ``courriel.relances_automatiques``, sends each employer's reminders once a day. Same lock,
    logs, signals and return codes as :func:`run_service`."""
    from ..employers import process_employers

    settings = config.watch if settings is None else settings
    stop = stop or threading.Event()
    try:
        with _service_running(config, stop):
            # One mail thread for every employer: retries, and the reminders with relances_automatiques.
            mail = MailWorker(config).start() if config.mail.mode != "aucun" else None
            try:
                _serve_employers(config, settings, stop, process_employers, mail)
            finally:
                if mail is not None:
                    mail.stop()
        return 0
    except _CannotStart:
        return 1


def _serve_employers(config: Config, settings: Watch, stop: threading.Event, process_employers,
                     mail: MailWorker | None = None) -> None:
    """The loop of :func:`run_employers_service`, until ``stop``."""
    import time

    last_change = [time.monotonic()]
    changed = threading.Event()
    changed.set()  # a first pass at start: what arrived while the service was stopped

    def note_event(path: str) -> None:
        last_change[0] = time.monotonic()
        changed.set()

    observer = InboxObserver(config.inbox, InboxEventHandler(note_event), settings)
    log.info("Surveillance démarrée (processus %d) : dossier d'entrée %s partagé par %d employeurs, mode %s.",
             os.getpid(), config.inbox, len(config.employers), settings.mode)
    next_rescan = time.monotonic() + settings.rescan_interval
    health = {"pid": os.getpid(), "hote": socket.gethostname(), "etat": "en cours", "demarre_le": _wall(),
              "arrete_le": None, "dernier_balayage": None, "derniers_classeurs": None,
              "dossier_entree": str(config.inbox), "dossier_entree_accessible": True, "mode": settings.mode,
              "stabilite_s": settings.stability_window, "en_attente": 0, "compteurs": {},
              "echecs_temporaires": 0, "fichiers_bloques": []}
    _write_health(config, health)  # what etat shows of the service: the same file as one employer's watcher
    try:
        while not stop.is_set():
            try:
                observer.ensure()
                now = time.monotonic()
                if now >= next_rescan:
                    changed.set()
                    next_rescan = now + settings.rescan_interval
                if changed.is_set() and now - last_change[0] >= settings.stability_window:
                    changed.clear()
                    done = process_employers(config)
                    for view, result in done.passes:
                        for handled in result.handled:
                            log.info("[%s] «\u202f%s\u202f» -> %s : %s", view.employer.code, handled.received_name,
                                     handled.destination, handled.outcome.word)
                            counters = health["compteurs"]
                            counters[handled.outcome.counter] = counters.get(handled.outcome.counter, 0) + 1
                    health.update(dernier_balayage=_wall(), en_attente=len(done.routing.left_alone),
                                  mis_a_jour_le=_wall(), derniers_classeurs=_wall() if done.workbooks
                                  else health["derniers_classeurs"])
                    _write_health(config, health)
                    if mail is not None and done.passes:
                        mail.poke()
                    if done.routing.left_alone:
                        changed.set()  # still being copied: looked at again after the next quiet time
            except EntretiensError as exc:
                log.error("%s", exc.message)
            except Exception:  # noqa: BLE001 - the service never stops on an error
                log.exception("Erreur inattendue dans la boucle de surveillance ; le service continue.")
                stop.wait(1.0)
            stop.wait(TICK)
    finally:
        observer.stop()
        health.update(etat="arrêté", arrete_le=_wall(), mis_a_jour_le=_wall())
        _write_health(config, health)
        log.info("Surveillance arrêtée.")


def _write_health(config: Config, health: dict) -> None:
    """The service's health file (what ``etat`` shows of it), written atomically; a failure is
    logged, never raised."""
    import json

    from ..files import replace_atomically
    from ..naming import HEALTH_NAME

    data = json.dumps(health, ensure_ascii=False, indent=2) + "\n"
    try:
        replace_atomically(Path(config.state_dir) / HEALTH_NAME, lambda tmp: tmp.write_text(data, encoding="utf-8"))
    except OSError as exc:
        log.warning("Fichier de santé non écrit : %s", describe_failure(exc))
