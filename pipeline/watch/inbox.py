"""The inbox as watchdog sees it (observe): which paths count (:class:`InboxFilter`), the handler that
only queues paths from the observer thread (:class:`InboxEventHandler`), and the observer itself,
restarted when needed (:class:`InboxObserver`)."""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import (FileClosedEvent, FileCreatedEvent, FileModifiedEvent, FileMovedEvent,
                             FileSystemEvent, FileSystemEventHandler)
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from ..config import Watch
from ..inbox import is_inbox_entry
from ..naming import is_ignored
from ..files import describe_failure

log = logging.getLogger("entretiens")

EVENT_TYPES = [FileCreatedEvent, FileModifiedEvent, FileMovedEvent, FileClosedEvent]


# -- which paths count ----------------------------------------------------------------


class InboxFilter:
    """Whether a path is an inbox entry the watcher should note: in the inbox or one of its
    subfolders, with no name on the way that office suites and copy tools leave behind
    (``pipeline.naming.IGNORED_PATTERNS``, which also covers the share work folder, a dot folder)
    nor one of ``ignore_patterns`` (config.yaml)."""

    def __init__(self, inbox: Path, ignore_patterns: tuple[str, ...] = ()):
        self.inbox = os.path.abspath(inbox)
        self.ignore_patterns = tuple(ignore_patterns)

    def accepts_name(self, name: str) -> bool:
        return bool(name) and not is_ignored(name, self.ignore_patterns)

    def __call__(self, path: str | os.PathLike) -> bool:
        return is_inbox_entry(Path(self.inbox), path, self.ignore_patterns)


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


# -- the observer, restarted when needed -------------------------------------------------------


class InboxObserver:
    """watchdog on the inbox. :meth:`ensure` (re)starts it when the inbox appeared again, was
    replaced (another inode) or when the observer or its emitter died. Returns whether it watches."""

    def __init__(self, inbox: str, handler: InboxEventHandler, settings: Watch):
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
            observer.schedule(self.handler, self.inbox, recursive=True, event_filter=EVENT_TYPES)
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
