"""Writing ``generer``'s documents, in this process or in worker processes.

:func:`pipeline.generate.generate` decides everything itself, in the roster's order: which rows
get documents, which documents are already there and the same, where the previous version of a
changed one is kept. What is left, making each document's bytes (:mod:`pipeline.shape_fill`,
or the employer's form, :class:`pipeline.employer_template.EmployerTemplate`; the page code's
QR picture) and writing its file, depends on nothing else: a :class:`DocumentWriter` does it in
this process, or, for a long roster, hands it to a few worker processes and gives each document's
path back in the order it was asked for. Everything ``generate`` returns is what it returns when
it writes every document itself.

Workers are started with ``spawn`` (nothing of this process inherited), ignore Ctrl-C (the
terminal sends it to the whole group: this process stops them) and end with this process
(:func:`pipeline.parallel._end_with`). A document a worker could not make is made again here,
so that its error is raised here as it would be without workers (a French message for the
user); workers that cannot start, or that die, leave the rest of the documents to this process.
On an exception in this process (Ctrl-C among them), the documents already handed to the workers
(a few dozen at most) are finished before it goes on; a second Ctrl-C stops the workers at once.
"""

from __future__ import annotations

import errno
import logging
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("entretiens")

#: Documents sent to a worker at once (one message each way for several documents).
CHUNK = 8
#: Documents handed to the workers and not yet written, at most, per worker: enough to keep them
#: busy, few enough to be finished in a fraction of a second when the run stops.
IN_FLIGHT_PER_WORKER = 24
#: Rows of the roster from which ``generate`` starts workers (starting one costs about half a
#: second; a document about 6 ms).
FROM_ROWS = 150
OUR_TEMPLATE, EMPLOYER_FORM = "modele", "formulaire"


@dataclass(frozen=True)
class Job:
    """One document to write: from our ``template`` (:mod:`pipeline.shape_fill`), or from the
    employer's form (``kind`` :data:`EMPLOYER_FORM`), to ``target`` or a free name beside it."""

    kind: str
    context: dict
    target: Path
    template: Path | None = None
    identifier: str | None = None
    page_code: str | None = None


class Makers:
    """What makes the documents in one process: one :class:`~pipeline.shape_fill.ShapeFill` per
    template, kept for the run; the employer's form, loaded once (given, or loaded here from
    ``config`` in a worker)."""

    def __init__(self, config, employer=None):
        self.config, self._employer, self._fills = config, employer, {}

    def fill(self, template: Path):
        from .shape_fill import ShapeFill

        template = Path(template)
        if template not in self._fills:
            self._fills[template] = ShapeFill(template)
        return self._fills[template]

    def employer(self):
        if self._employer is None:
            from .employer_template import EmployerTemplate
            from .render import templates_command

            self._employer = EmployerTemplate.load(self.config, rebuild_hint=templates_command(self.config))
        return self._employer

    def write(self, job: Job) -> Path:
        """Write ``job``'s document; return its path."""
        return self.store(job, self.document(job))

    def document(self, job: Job) -> bytes:
        """The bytes of ``job``'s document."""
        from .signed_copies import code_png

        if job.kind == EMPLOYER_FORM:
            return self.employer().report(job.context)
        picture = code_png(job.page_code).getvalue() if job.page_code is not None else None
        return self.fill(job.template).document(job.context, identifier=job.identifier, picture=picture)

    @staticmethod
    def store(job: Job, data: bytes) -> Path:
        """Write a document's bytes to ``job``'s target, or a free name beside it; return its path.
        Made in memory, then written: a full disk fails the write alone."""
        from .files import replace_atomically, unique_path

        target = unique_path(job.target)
        replace_atomically(target, lambda tmp: tmp.write_bytes(data))
        return target


def worker_count(rows: int, requested: int | None = None) -> int:
    """Workers for a roster of ``rows`` rows: ``requested`` if given (0: none), else one per
    processor, at most 4, from :data:`FROM_ROWS` rows, and none on a single processor."""
    if requested is not None:
        return max(requested, 0)
    from .parallel import worker_count as per_processor

    return per_processor("auto", rows, FROM_ROWS)


class DocumentWriter:
    """Writes jobs in this process, or in ``workers`` worker processes started at the first job;
    each job's path is put at its place in the list given with it, in order. Use as a context
    manager: leaving it (:meth:`close`) finishes or stops the workers."""

    def __init__(self, makers: Makers, workers: int = 0):
        self.makers, self.workers = makers, workers
        self._executor: ProcessPoolExecutor | None = None
        self._started = False
        self._unsent: list[tuple[Job, Future]] = []
        self._waiting: deque = deque()  # (future, job, into, index), or a callback, in order
        self._in_flight = 0
        self._targets: set[Path] = set()  # of the jobs handed to workers and not yet written

    # -- asking ---------------------------------------------------------------------------------

    def write(self, job: Job, into: list[Path]) -> None:
        """Write ``job``'s document and put its path at the end of ``into`` (now, or when it is written)."""
        if self.workers and not self._started:
            self._start()
        if self._executor is None:
            into.append(self.makers.write(job))
            return
        if job.target in self._targets:  # the same name twice: the first written first, as one by one
            self.finish()
        into.append(job.target)  # replaced by the path written, in order (see _settle_first)
        future: Future = Future()
        self._unsent.append((job, future))
        self._waiting.append((future, job, into, len(into) - 1))
        self._in_flight += 1
        self._targets.add(job.target)
        if len(self._unsent) >= CHUNK:
            self._send()
        while self._in_flight > IN_FLIGHT_PER_WORKER * self.workers:
            self._settle_first()
        self._settle_done()

    def then(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once every job asked for so far is written (at once without workers)."""
        if not self._waiting:
            callback()
        else:
            self._waiting.append(callback)

    def finish(self) -> None:
        """Wait for every job; raise the error of the first that failed, as this process raises it."""
        self._send()
        while self._waiting:
            self._settle_first()

    # -- workers --------------------------------------------------------------------------------

    def _start(self) -> None:
        """Start the workers, every one now, Ctrl-C ignored from their birth (see
        :meth:`pipeline.parallel.ExaminationPool._start`); on a machine that cannot start them,
        this process writes every document."""
        self._started = True
        in_main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main_thread else None
        try:
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(self.makers.config, os.getpid()))
            for _ in range(self.workers):
                self._executor.submit(_ready)
        except (ImportError, NotImplementedError, OSError, BrokenProcessPool) as exc:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
            why = ("le système refuse de nouveaux processus" if getattr(exc, "errno", None) in (errno.EAGAIN, errno.ENOMEM)
                   else "pas de mémoire partagée utilisable sur ce système")
            log.warning("processus d'écriture non démarrés (%s) : les documents sont écrits un à un", why)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    def _send(self) -> None:
        batch, self._unsent = self._unsent, []
        if not batch:
            return
        try:
            if self._executor is None:
                raise BrokenProcessPool()
            sent = self._executor.submit(_write_all, [job for job, _ in batch])
        except (BrokenProcessPool, RuntimeError):  # workers gone
            sent = Future()
            sent.set_exception(BrokenProcessPool())
        sent.add_done_callback(lambda done: _hand_out(done, [future for _, future in batch]))

    def _settle_done(self) -> None:
        while self._waiting and (callable(self._waiting[0]) or self._waiting[0][0].done()):
            self._settle_first()

    def _settle_first(self) -> None:
        """The first job waited for, written (by a worker, or here when it could not), or the
        first callback, called."""
        first = self._waiting[0]
        if callable(first):
            self._waiting.popleft()
            first()
            return
        future, job, into, index = first
        if any(waiting is future for _, waiting in self._unsent):
            self._send()
        try:
            into[index] = future.result()
        except BrokenProcessPool:
            self._broken()
            into[index] = self.makers.write(job)
        except _MakeHere:
            into[index] = self.makers.write(job)  # its error, raised here
        finally:
            self._waiting.popleft()
            self._in_flight -= 1
            self._targets.discard(job.target)

    def _broken(self) -> None:
        if self._executor is not None:
            log.warning("processus d'écriture arrêté : les documents suivants sont écrits un à un")
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def close(self, *, abandon: bool = False) -> None:
        """Stop the workers once the jobs handed to them are written (a few dozen documents);
        a second Ctrl-C while waiting stops them at once."""
        if self._executor is None:
            return
        executor, self._executor = self._executor, None
        workers = list((getattr(executor, "_processes", None) or {}).values())
        if abandon:
            self._send_to(executor)
        try:
            executor.shutdown(wait=True, cancel_futures=not abandon)
        except BaseException:
            for worker in workers:
                worker.kill()
            for worker in workers:
                worker.join(timeout=5)
            raise

    def _send_to(self, executor: ProcessPoolExecutor) -> None:
        batch, self._unsent = self._unsent, []
        if batch:
            try:
                executor.submit(_write_all, [job for job, _ in batch])
            except (BrokenProcessPool, RuntimeError):
                pass

    def __enter__(self) -> DocumentWriter:
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        self.close(abandon=exc_type is not None)


class _MakeHere(Exception):
    """A worker could not write this document: it is made again here."""


def _hand_out(done: Future, futures: list[Future]) -> None:
    """A chunk's results to each job's future (in the pool's thread that receives them)."""
    if done.cancelled():
        for future in futures:
            future.cancel()
        return
    error = done.exception()
    if error is not None:
        for future in futures:
            future.set_exception(error if isinstance(error, BrokenProcessPool) else _MakeHere())
        return
    for future, (path, failed) in zip(futures, done.result()):
        if failed:
            future.set_exception(_MakeHere())
        else:
            future.set_result(path)


# -- in each worker ---------------------------------------------------------------------------

_makers: Makers | None = None
_storing: ThreadPoolExecutor | None = None


def _start_worker(config, parent: int) -> None:
    from .parallel import _end_with

    global _makers
    _makers = Makers(config)
    _end_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _ready() -> None:
    """A first task for each worker: makes the pool start them all at once."""


def _write_all(jobs: list[Job]) -> list[tuple[Path | None, bool]]:
    """Each job's path, or ``(None, True)`` when it failed (made again, and its error raised, in
    the run's own process). The files are written by two threads of the worker: writing one
    (waiting for the disk to have it, ``fsync``) takes as long as making it, and the next one is
    made meanwhile."""
    assert _makers is not None, "worker not started by DocumentWriter"
    global _storing
    if _storing is None:
        _storing = ThreadPoolExecutor(2, thread_name_prefix="ecriture")
    stored: list[Future | None] = []
    for job in jobs:
        try:
            stored.append(_storing.submit(_makers.store, job, _makers.document(job)))
        except Exception:  # noqa: BLE001 - made again in the run's process, which raises it
            stored.append(None)
    done: list[tuple[Path | None, bool]] = []
    for future in stored:
        try:
            if future is None:
                raise _MakeHere()
            done.append((future.result(), False))
        except Exception:  # noqa: BLE001 - made again in the run's process, which raises it
            done.append((None, True))
    return done
