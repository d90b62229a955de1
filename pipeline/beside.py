"""Work run on the machine's other processor by a child process forked for it
(:func:`run_beside`): a large training plan written while the tracking is (``entretiens
classeurs``, the workbooks after a pass)."""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import pickle
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar


log = logging.getLogger("entretiens")
T = TypeVar("T")


# Work run beside: at least this many rows to write make it worth a second process (below, a
# workbook takes well under a second to write).
BESIDE_FROM = 20_000


def run_beside(work: Callable[[], T], *, size: int, what: str) -> Callable[[], T]:
    """Start ``work`` (a function of no argument) in a child process forked from this one, to
    run on the machine's other processor while this process goes on; return a function that
    waits for it and returns what ``work`` returned (it must pickle), or raises what it raised.
    A fork, not a fresh interpreter: the child shares the data ``work`` reads (a workbook's
    rows, hundreds of megabytes) without a copy to send.

    ``work`` runs here, at once, when it is small (``size`` rows, below :data:`BESIDE_FROM`),
    when this machine has one processor or cannot fork, when this process is itself a worker
    (its siblings use the other processors) and when it has other threads (the watcher's:
    a fork copies only the calling thread, and a lock another one held would stay locked in
    the child). A child that dies without an answer (killed, out of memory) has its work done
    here, after it, and a French line in the log says so about ``what`` (« Plan de formation »)."""
    if (size < BESIDE_FROM or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork")
            or multiprocessing.parent_process() is not None or threading.active_count() > 1):
        return _done(work)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # else the child would write again what is still in their buffers
    read_end, write_end = os.pipe()
    try:
        with frozen():  # the child's collections leave this process's objects (shared pages) alone
            pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return _done(work)
    if pid == 0:  # the child: work, answer, and leave without running this process's exit handlers
        os.close(read_end)
        code = 0
        try:
            try:
                answer = pickle.dumps((True, work()))
            except BaseException as exc:  # noqa: BLE001 - raised again in the parent
                answer = _pickled_failure(exc)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(answer)
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
        except BaseException:  # noqa: BLE001 - nothing may escape a forked child
            code = 1
        os._exit(code)
    os.close(write_end)

    def result() -> T:
        with os.fdopen(read_end, "rb") as pipe:
            answer = pipe.read()
        os.waitpid(pid, 0)
        if not answer:
            log.warning("%s : le processus qui l'écrivait s'est arrêté sans répondre, il est écrit à nouveau.", what)
            return work()
        done, value = pickle.loads(answer)
        if done:
            return value
        raise value

    return result


@contextlib.contextmanager
def frozen() -> Iterator[None]:
    """Every object alive on entering kept out of the cyclic collector's rounds until leaving
    (``gc.freeze``: 100,000 handled files, a fork's shared pages). On leaving they are collected
    again as usual; in a process that had settled its start-up objects so
    (:func:`pipeline.parallel.settle_startup_objects`), what is alive then is settled again,
    rather than those start-up objects walked at every full collection from then on."""
    settled = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()  # all of them: gc cannot thaw only what this call froze
        if settled:
            gc.collect()
            gc.freeze()


def _done(work: Callable[[], T]) -> Callable[[], T]:
    """``work`` run now; its result (or what it raised) given when asked for, as run_beside's."""
    try:
        value = work()
    except Exception as exc:  # noqa: BLE001 - raised when the result is asked for, as from a child
        error = exc  # ``exc`` is unbound when the except clause ends

        def failed() -> T:
            raise error

        return failed
    return lambda: value


def _pickled_failure(exc: BaseException) -> bytes:
    """What ``exc`` pickles to, or a RuntimeError of its class and text when it does not pickle."""
    try:
        return pickle.dumps((False, exc))
    except Exception:  # noqa: BLE001 - a failure that cannot travel is told by its text
        return pickle.dumps((False, RuntimeError(f"{exc.__class__.__name__}: {exc}")))
