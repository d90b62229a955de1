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
    take      Processor.process_file_synced, one file at a time, in the main thread; a file
              that cannot be taken yet is retried with backoff, then reported
              stuck, never dropped
    outputs   workbooks rebuilt after a quiet period (debounced), and at stop
    health    sante.json in the state dir: pid, times, counters, stuck files

Only the main thread touches the tracker, the processor and the journal. The
library entry point is :func:`run_service` (``pipeline.run_service``), which
``entretiens surveiller`` calls. Its settings object is config.yaml's «\u202fsurveillance\u202f»
section, :class:`pipeline.config.Watch` (``config.watch``).

Modules::

    service     run_service: guard, lock, log file, signals, observer, main loop
    lock        the workspace lock (also taken by ``traiter``) and what ``etat`` shows
    inbox       which paths count, the event handler, the observer (watchdog)
    stability   StabilityTracker (settle), stuck files, the outputs' Debouncer
    watcher     Watcher: the main loop's work, one step at a time; the health file
"""

# Besides __all__, the names the tests reach as ``watch.NAME``: LOCK_NAME, HEALTH_NAME, LOG_NAME,
# probe_file, InboxObserver, _WatchdogInFrench.
from .inbox import InboxEventHandler, InboxFilter, InboxObserver  # noqa: F401 (used by the tests)
from ..naming import HEALTH_NAME, LOCK_NAME, LOG_NAME  # noqa: F401
from ..outcomes import AlreadyRunning, OutboxInsideInbox
from .lock import WatcherState, acquire_lock, watcher_state
from .service import _WatchdogInFrench, run_service  # noqa: F401
from ..preflight import probe_file  # noqa: F401
from .stability import Debouncer, StabilityTracker, StuckFile
from .watcher import Watcher, rebuild_outputs

__all__ = [
    "InboxFilter", "InboxEventHandler", "StabilityTracker", "StuckFile", "Debouncer", "Watcher",
    "run_service", "watcher_state", "WatcherState", "AlreadyRunning", "OutboxInsideInbox", "acquire_lock",
    "rebuild_outputs",
]
