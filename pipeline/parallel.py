"""Reading reports in worker processes while a pass goes on (``entretiens traiter`` on a backlog).

Reading and validating a report (:func:`pipeline.examine.examine`) is the larger part of a pass's
work and depends on nothing but the file and the configuration; everything else (claim, journal,
duplicates, versions, placing) stays in the pass's own process, in the inbox's order. So a pass over
many files hands the reading of the next files to a few worker processes and decides each file,
in order, with the examination they return: the outcomes, the journal and the files are those of a
pass that reads everything itself.

Workers are started with ``spawn``: a fresh interpreter inherits none of the pass's open files
(the journal, the workspace lock) nor its threads (the watcher's). It ends when the pass ends,
however the pass ends (:func:`_end_with`), and ignores Ctrl-C (the pass stops it). A worker that
dies (killed, out of memory) costs nothing but time: the files it was given are read again in the
pass's own process; a machine that cannot start workers gets a pass that reads everything itself
(:func:`start_pool`).

A workspace of several employers starts one pool for all their passes (:func:`start_pool` on the
workspace's configuration, then :meth:`ExaminationPool.serve` for each employer's view): starting
two interpreters costs about half a second of processor, paid once rather than once per employer.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import gc
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from .config import Config
from .examine import Examination, examine
from .files import describe_failure

log = logging.getLogger("entretiens")

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
# Allocations between two collections of the young generation (see settle_startup_objects).
GC_YOUNG_THRESHOLD = 10_000

# Set in each worker by _start_worker: what every examination of the pass reads.
_config: Config | None = None
_agents: set[str] | None = None
# In each worker of a pool serving several employers: the roster's agents of the employer served
# (ExaminationPool.serve), by the serving's number; sent to each worker once, not with every chunk.
_served: dict[int, set[str] | None] = {}


def worker_count(setting: int | str, files: int, from_files: int) -> int:
    """How many reading processes a pass of ``files`` files starts: none below ``from_files``
    files (starting one costs about a third of a second), else ``setting``, where ``"auto"`` is
    one per processor, at most 4, and none on a single processor: the pass's own process waits
    for them part of the time, and decides and places files the rest."""
    if files < max(from_files, 1):
        return 0
    if setting == "auto":
        try:
            processors = len(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            processors = os.cpu_count() or 1
        return 0 if processors < 2 else min(processors, 4)
    return int(setting)


class ExaminationPool:
    """Worker processes that run :func:`~pipeline.examine.examine` for a pass.

    ``submit`` returns a future; ``result`` gives its :class:`Examination`, or has the file read in
    this process when the workers are gone (:class:`BrokenProcessPool`) or its chunk came back as
    a whole failure. Any other exception is the examination's own, raised as it would be here.

    Files go to the workers ``chunk`` at a time (one message each way for several files: the
    sending, pickling and waking up cost about as much as a small report's reading); a file
    whose result is asked for before its chunk is full is sent at once with those before it.
    Use as a context manager: leaving it stops the workers (pending reads cancelled)."""

    def __init__(self, config: Config, agents: set[str] | None, workers: int, *, chunk: int = 4):
        self.chunk = max(chunk, 1)
        self._executor = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker, initargs=(config, agents, os.getpid()))
        self._unsent: list[tuple[tuple[Path, dt.date | None, str], Future]] = []
        # The employer the files sent belong to (ExaminationPool.serve): its code, the serving's
        # number, its roster's agents, and the workers known to have them.
        self._view: tuple[str, int] | None = None
        self._view_agents: set[str] | None = None
        self._served_by: set[int] = set()
        self._servings = 0
        self.workers = workers
        self.broken = False
        try:
            self._start(workers)
        except BaseException:
            self._executor.shutdown(wait=False, cancel_futures=True)
            raise

    def _start(self, workers: int) -> None:
        """Start every worker now (the pool would start them one by one as work comes), with
        Ctrl-C ignored from their birth (an ignored signal stays ignored through exec): it
        reaches the terminal's whole process group, and the pass stops its workers itself,
        while a worker still importing would print a traceback, and one still receiving its
        start-up data would fail reading it. This process ignores Ctrl-C for those few
        milliseconds too (a signal caught by any of its threads would interrupt it)."""
        in_main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main_thread else None
        try:
            for _ in range(workers):
                self._executor.submit(_ready)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    def serve(self, view: Config, agents: set[str] | None) -> None:
        """Read the files submitted from now on with ``view`` (an employer's view of the
        configuration the pool started with: :meth:`Config.employer_view`) and its roster's
        ``agents``; a workspace without employers is served as started."""
        self._send()  # what was submitted before is read as it was submitted for
        employer = getattr(view, "employer", None)
        self._servings += 1
        self._view = None if employer is None else (employer.code, self._servings)
        self._view_agents, self._served_by = agents, set()

    def submit(self, path: Path, received: dt.date | None, name: str) -> Future:
        future: Future = Future()
        self._unsent.append(((path, received, name), future))
        if len(self._unsent) >= self.chunk:
            self._send()
        return future

    def _send(self) -> None:
        batch, self._unsent = self._unsent, []
        if not batch:
            return
        try:
            view = self._view
            if view is not None:  # the roster's agents go with the chunks until every worker has them
                view = (*view, len(self._served_by) < self.workers, self._view_agents)
            sent = self._executor.submit(_examine_all, [request for request, _ in batch], view)
        except (BrokenProcessPool, RuntimeError):  # workers gone, or shutting down
            self._note_broken()
            for _, future in batch:
                future.set_exception(BrokenProcessPool())
            return
        sent.add_done_callback(lambda done: _hand_out(done, [future for _, future in batch], self._acknowledge))

    def _acknowledge(self, worker: int, serving: int | None) -> None:
        """A worker read a chunk of ``serving``: it has that employer's agents from now on."""
        if self._view is not None and serving == self._view[1]:
            self._served_by.add(worker)

    def result(self, future: Future, read_here: Callable[[], Examination]) -> Examination:
        """The examination ``future`` stands for; ``read_here()`` when no worker could give it."""
        if any(waiting is future for _, waiting in self._unsent):
            self._send()
        try:
            return future.result()
        except BrokenProcessPool:
            self._note_broken()
        except ReadHere:
            pass
        return read_here()

    def _note_broken(self) -> None:
        if not self.broken:
            self.broken = True
            log.warning("processus de lecture arrêté : les fichiers suivants sont lus par le passage lui-même")

    def close(self, *, abandon: bool = False) -> None:
        """Stop the workers: once their work is done, or at once (``abandon``: the pass is
        stopping on an exception, Ctrl-C among them, and a worker stuck in a read must not hold
        it). Killing a worker loses nothing: it only reads."""
        self._unsent = []
        # ProcessPoolExecutor has no public way to stop its processes before Python 3.14.
        workers = list((getattr(self._executor, "_processes", None) or {}).values())
        if not abandon:
            try:
                self._executor.shutdown(wait=True, cancel_futures=True)
            except BaseException:  # Ctrl-C while waiting for a stuck worker: stop it too
                self._kill(workers)
                raise
            return
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._kill(workers)

    @staticmethod
    def _kill(workers: list) -> None:
        """Kill and reap them: left alive, a stuck worker would also hold the interpreter's exit,
        which joins every child process."""
        for worker in workers:
            worker.kill()
        for worker in workers:
            worker.join(timeout=5)

    def __enter__(self) -> ExaminationPool:
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        self.close(abandon=exc_type is not None)


def start_pool(config: Config, agents: set[str] | None, workers: int) -> ExaminationPool | None:
    """An :class:`ExaminationPool` of ``workers`` processes, or ``None`` (the pass reads its files
    itself, with a warning) when this machine cannot start them: no shared memory for the pool's
    locks (``/dev/shm`` missing or read-only in some containers), no more processes allowed."""
    try:
        return ExaminationPool(config, agents, workers)
    except (ImportError, NotImplementedError):  # no sem_open on this system
        why = "pas de mémoire partagée sur ce système"
    except (OSError, BrokenProcessPool) as exc:
        why = ("le système refuse de nouveaux processus" if getattr(exc, "errno", None) in (errno.EAGAIN, errno.ENOMEM)
               else f"mémoire partagée du système (/dev/shm) inutilisable : {describe_failure(exc)}")
    log.warning("processus de lecture non démarrés (%s) : le passage lit les fichiers lui-même", why)
    return None


class ReadHere(Exception):
    """A file's chunk came back from a worker as a whole failure: the file is read in the pass."""


def _hand_out(done: Future, futures: list[Future], acknowledge: Callable[[int, int | None], None]) -> None:
    """A chunk's results to each file's future (in the pool's thread that receives them); the
    worker that read it, and for which serving, to ``acknowledge``."""
    if done.cancelled():
        for future in futures:
            future.cancel()
        return
    if done.exception() is not None:  # the chunk came back as a whole failure (a result not picklable)
        for future in futures:
            future.set_exception(ReadHere())
        return
    worker, serving, results = done.result()
    acknowledge(worker, serving)
    for future, (examination, error) in zip(futures, results):
        if error is None:
            future.set_result(examination)
        else:
            future.set_exception(error)


def _start_worker(config: Config, agents: set[str] | None, parent: int) -> None:
    global _config, _agents
    _config, _agents = config, agents
    _end_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as from its birth, when started from the main thread
    settle_startup_objects()  # a worker, too, lives for the pass and reads report after report


def _end_with(parent: int) -> None:
    """End this worker when the pass's process ends, however it ends: a pass killed (SIGKILL, out
    of memory) cannot stop its workers, and each worker holds the writing end of the pool's queue
    too, so it would wait for work forever (with the state dir's files open). On Linux the
    kernel kills it at once (PR_SET_PDEATHSIG); elsewhere, a thread looks every second."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux
        pass
    if os.getppid() != parent:  # the pass ended before the line above
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="fin-avec-le-passage", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _ready() -> None:
    """A first task for each worker: makes the pool start them all at once."""


def _examine_all(requests: list[tuple[Path, dt.date | None, str]],
                 view: tuple[str, int, bool, set[str] | None] | None = None
                 ) -> tuple[int, int | None, list[tuple[Examination | None, BaseException | None]]]:
    """This worker's process id, the serving, and each file's examination or the exception it
    raised (one file's trouble is its own). ``view``: the employer (code) whose files they are,
    the serving's number, whether its roster's agents come with this chunk, and those agents
    (kept for the serving's next chunks). A chunk of a serving whose agents this worker never got
    raises KeyError: the whole chunk is read in the pass."""
    assert _config is not None, "worker not started by ExaminationPool"
    config, agents, serving = _config, _agents, None
    if view is not None:
        code, serving, sent, agents = view
        if sent:
            for older in [n for n in _served if n < serving - 1]:  # this employer's, and the one before
                del _served[older]
            _served[serving] = agents
        agents = _served[serving]
        config = _config.employer_view(code)  # made once, kept by the configuration
    results: list[tuple[Examination | None, BaseException | None]] = []
    for path, received, name in requests:
        try:
            results.append((examine(path, config, agents=agents, received=received, name=name), None))
        except Exception as exc:  # noqa: BLE001 - raised again in the pass, as if read there
            results.append((None, exc))
    return os.getpid(), serving, results


def release_free_memory() -> None:
    """Collect what is left to collect and hand the heap's free memory back to the system: glibc's
    malloc keeps what Python freed for later, so a process that works in bursts (one employer's
    outputs after another's, the passes before the outputs) would keep its largest burst's size.
    Nothing where malloc_trim does not exist (not glibc)."""
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def settle_startup_objects() -> None:
    """Take what imports and the configuration made (modules, catalogue, parsers) out of
    the cyclic garbage collector's rounds: they live as long as the process, and a long
    pass would otherwise walk them again at each full collection. For entry points (the
    ``process`` and ``watch`` commands), once, before the first pass.

    The young generation is collected every :data:`GC_YOUNG_THRESHOLD` allocations rather than
    Python's 700: reading one report makes thousands of short-lived objects (the document's
    texts, dicts and lists), which then mostly die before a collection looks at them, instead
    of being walked and promoted several times per file (about a tenth of a pass's CPU time)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
