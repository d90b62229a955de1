"""What the main loop does (recover, scan, take, outputs, health): :class:`Watcher`, one :meth:`~Watcher.step`
at a time, in the main thread, and :func:`rebuild_outputs`, which rebuilds the workbooks."""

from __future__ import annotations

import json
import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..config import Config, Watch
from ..files import describe_failure, replace_atomically
from ..inbox import SPECIAL_ENTRY, list_inbox
from ..naming import HEALTH_NAME, LOG_NAME, shown_name
from ..outcomes import PASS_OUTCOMES
from ..process import HandledFile
from ..text import counted
from .inbox import InboxFilter
from .stability import Debouncer, StabilityTracker, StuckFile, _wall

log = logging.getLogger("entretiens")

HEALTH_EVERY = 1.0  # at most one health write per second while busy


def rebuild_outputs(config: Config) -> list[Path]:
    """Queue the rejection notes for the evaluators (the service's mail thread delivers them), then
    rebuild the workbooks from the journal (:func:`pipeline.workbooks.rebuild_workbooks`, imported
    at the first rebuild: pandas and XlsxWriter are not needed to start watching). Errors propagate."""
    from ..mail import dispatch
    from ..workbooks import rebuild_workbooks

    dispatch(config, deliver_now=False)
    return rebuild_workbooks(config)


# -- the main loop's work -------------------------------------------------------------------


class Watcher:
    """What the main loop does, one :meth:`step` at a time. No threads: the observer thread only
    calls :meth:`note_event`, which queues the path. ``processor`` is a :class:`Processor` (or any
    object with ``process_file_synced(path)`` and ``recover()``). ``rebuild(config)`` rebuilds
    the workbooks (:func:`rebuild_outputs`)."""

    def __init__(self, config: Config, settings: Watch, processor, *,
                 on_outcome: Callable[[HandledFile], None] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 rebuild: Callable[[Config], object] = rebuild_outputs):
        self.config, self.settings, self.processor = config, settings, processor
        self.on_outcome, self.clock, self.rebuild = on_outcome, clock, rebuild
        self.inbox = os.path.abspath(config.inbox)
        self.accepts = InboxFilter(Path(self.inbox), settings.ignore_patterns)
        self.tracker = StabilityTracker(settings.stability_window, incomplete_after=settings.incomplete_after,
                                        max_retries=settings.max_retries)
        self.outputs = Debouncer(settings.quiet_before_outputs,
                                 max_delay=max(60.0, 12 * settings.quiet_before_outputs))
        self.events: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.special_seen: set[Path] = set()
        self.counters = {outcome.counter: 0 for outcome in PASS_OUTCOMES}
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
            listing = list_inbox(Path(self.inbox), self.accepts.ignore_patterns)
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
        for path in listing.files:
            self.tracker.note(str(path), now, event=False)
        for path in listing.special:
            if path not in self.special_seen:  # said once, not at every scan
                self.special_seen.add(path)
                log.warning("«\u202f%s\u202f» %s.", shown_name(os.path.relpath(path, self.inbox)), SPECIAL_ENTRY)
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
            self.rebuild(self.config)
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
            replace_atomically(self.health_path, lambda tmp: tmp.write_text(data, encoding="utf-8"))
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
            handled = self.processor.process_file_synced(Path(path))
        except Exception as exc:  # noqa: BLE001 - one file never stops the service
            now = self.clock()
            self.temporary_failures += 1
            self._health_dirty = True
            log.debug("échec de prise en charge de %s", path, exc_info=True)
            if os.path.lexists(path):  # not claimed: it stays in the inbox, retried later
                self.tracker.defer(path, now, describe_failure(exc))
            else:  # claimed, then failed: it waits in the work area for recover()
                self._recovery_failed(now, exc, shown_name(os.path.basename(path)))
            return
        self.tracker.forget(path)
        if handled is not None:
            self._outcome(handled)

    def _outcome(self, handled: HandledFile) -> None:
        self.counters[handled.outcome.counter] = self.counters.get(handled.outcome.counter, 0) + 1
        self.outputs.touch(self.clock())
        self._health_dirty = True
        if self.on_outcome is not None:
            try:
                self.on_outcome(handled)
            except Exception:  # noqa: BLE001 - a caller's callback never stops the service
                log.exception("erreur dans le rappel on_outcome")

    def _recover(self, now: float) -> None:
        try:
            recovered = self.processor.recover()
        except Exception as exc:  # noqa: BLE001
            self._recovery_failed(now, exc, "zone de travail")
            return
        if self.recovery_failure is not None:
            log.info("Reprise de la zone de travail réussie.")
        self.recovery_at, self.recovery_failure = None, None
        if recovered:
            log.info("Reprise après interruption : %s.", counted(len(recovered), "fichier terminé", "fichiers terminés"))
        for handled in recovered:
            self._outcome(handled)

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
            log.warning("Traitement de «\u202f%s\u202f» interrompu (%s) : reprise dans %.0f s.", name, problem, delay)

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
        from ..examine import known_agents
        try:
            self.processor.agents = known_agents(self.config)
        except Exception as exc:  # noqa: BLE001 - keep the previous list
            log.warning("Liste des agents modifiée mais illisible (%s) : l'ancienne liste reste utilisée.", exc)
            return
        self._roster_stamp = stamp
        log.info("Liste des agents modifiée : relue (%d agents).", len(self.processor.agents or ()))
