"""Work run on the other processor by a forked child (pipeline/beside.py): what it returns or
raises comes back as if run here; it runs here when small, in a process with other threads,
or when the child dies (a real SIGKILL)."""

from __future__ import annotations

import errno
import logging
import os
import signal
import threading

import pytest

from pipeline.beside import BESIDE_FROM, run_beside

LARGE = BESIDE_FROM


def where() -> int:
    return os.getpid()


@pytest.fixture(autouse=True)
def no_other_thread():
    """These tests fork, which run_beside does only in a process without other threads: a thread
    another test left running in this process is named, rather than a test failing obscurely."""
    assert [t.name for t in threading.enumerate() if t is not threading.main_thread()] == []


def test_large_work_runs_in_a_child_and_its_result_comes_back():
    result = run_beside(lambda: (os.getpid(), os.getppid(), ["é", 3.5, {"clé": None}]), size=LARGE,
                        what="Plan de formation")
    pid, parent, value = result()
    assert pid != os.getpid() and parent == os.getpid()
    assert value == ["é", 3.5, {"clé": None}]


@pytest.mark.parametrize("size", [0, 1, LARGE - 1])
def test_small_work_runs_here(size):
    assert run_beside(where, size=size, what="Plan de formation")() == os.getpid()


def test_work_runs_here_when_the_process_has_another_thread():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, name="observateur")
    other.start()
    try:
        assert run_beside(where, size=LARGE, what="Plan de formation")() == os.getpid()
    finally:
        stop.set()
        other.join()


@pytest.mark.parametrize("size", [1, LARGE])
@pytest.mark.parametrize("failure", [
    OSError(errno.ENOSPC, "No space left on device"),
    PermissionError(errno.EACCES, "Permission denied", "plan_de_formation.xlsx"),
    ValueError("une valeur refusée"),
])
def test_what_the_work_raises_is_raised_when_its_result_is_asked_for(size, failure):
    def work():
        raise failure

    result = run_beside(work, size=size, what="Plan de formation")  # raises nothing yet
    with pytest.raises(type(failure)) as raised:
        result()
    assert raised.value.args == failure.args  # an OSError's errno (a full disk) and text included


def test_a_failure_that_does_not_pickle_comes_back_as_its_text():
    class Unpicklable(Exception):
        def __reduce__(self):
            raise TypeError("non")

    def work():
        raise Unpicklable("fichier verrouillé")

    with pytest.raises(RuntimeError, match="Unpicklable: fichier verrouillé"):
        run_beside(work, size=LARGE, what="Plan de formation")()


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM, "exit"])
def test_a_child_that_dies_without_answering_has_its_work_done_here(how, caplog):
    parent = os.getpid()

    def work():
        if os.getpid() != parent:  # in the child: die before answering
            if how == "exit":
                os._exit(3)
            os.kill(os.getpid(), how)
        return "écrit ici"

    with caplog.at_level(logging.WARNING, logger="entretiens"):
        assert run_beside(work, size=LARGE, what="Plan de formation")() == "écrit ici"
    assert "Plan de formation : le processus qui l'écrivait s'est arrêté sans répondre" in caplog.text


def test_no_child_is_left_behind():
    results = [run_beside(lambda: os.getpid(), size=LARGE, what="Plan de formation") for _ in range(3)]
    children = [result() for result in results]
    assert len(set(children)) == 3 and os.getpid() not in children
    for pid in children:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped already


FROZEN_CHECK = """
import gc, weakref
from pipeline.beside import frozen

class Node:
    pass

if SETTLED:
    gc.collect(); gc.freeze()  # as pipeline.parallel.settle_startup_objects does
before = gc.get_freeze_count()
with frozen():
    inside = gc.get_freeze_count()
    garbage = Node(); garbage.cycle = garbage  # cyclic garbage made meanwhile
    dead = weakref.ref(garbage)
    del garbage
gc.collect()
print(before > 0, inside > before, gc.get_freeze_count() > 0, dead() is None)
"""


@pytest.mark.parametrize("settled", [False, True], ids=["a command", "a process that settled its start-up objects"])
def test_frozen_objects_are_collected_again_after_and_settled_again_where_they_were(settled):
    """pipeline.beside.frozen (around a fork, around many employers' outputs): inside, what was alive
    is frozen; after, a process that froze nothing has nothing frozen, and one that had settled its
    start-up objects (the watcher) has what is alive settled again; cyclic garbage made meanwhile
    is collected either way (in a fresh interpreter: the freeze is the whole process's)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", f"SETTLED = {settled}\n" + FROZEN_CHECK], capture_output=True,
                          text=True, check=True)
    before, froze, settled_after, collected = done.stdout.split()
    assert (before, froze, settled_after, collected) == (str(settled), "True", str(settled), "True")
