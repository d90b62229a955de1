"""When an inbox file is ready to be taken (settle): the :class:`StabilityTracker` with its retries and
:class:`StuckFile` reports (what a file looks like now is :func:`pipeline.preflight.probe_file`, why it
could not be taken :func:`pipeline.files.describe_failure`), and the :class:`Debouncer` of the workbook
rebuilds. No threads here."""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..files import describe_failure
from ..naming import shown_name
from ..preflight import INCOMPLETE_WHY, NOT_ZIP, ZIP_COMPLETE, probe_file

log = logging.getLogger("entretiens")


# -- stability ---------------------------------------------------------------------------


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
        return {"fichier": shown_name(os.path.basename(self.path)), "chemin": shown_name(self.path),
                "essais": self.attempts,
                "motif": self.problem, "depuis": self.since}


def _wall() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class StabilityTracker:
    """Paths noted by events and scans -> (size, mtime, first_seen, last_change).

    :meth:`ready` yields (and stops tracking) the paths whose size and mtime have not changed, and
    that no event touched, for ``window`` seconds, and that open as a complete zip; a file that is
    not a zip at all (a renamed PDF, a .doc) only needs the window, since it must still be handed
    over to get its rejection note. A zip without its directory, a .pdf without its end mark or a
    file with no content yet is waited for, then handed over after ``incomplete_after`` seconds without change. Symbolic links
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
        name = shown_name(os.path.basename(path))
        if failure.attempts == self.max_retries:
            log.warning("Fichier bloqué : «\u202f%s\u202f» ne peut pas être pris en charge (%s) après %d essais "
                        "depuis le %s. Il reste dans le dossier d'entrée et sera réessayé toutes les %d s : "
                        "vérifiez qu'il n'est pas ouvert sur un autre poste et que le service a le droit "
                        "de le lire et de le déplacer.", name, problem, failure.attempts, failure.since[:19],
                        int(self.backoff_cap))
        elif failure.attempts < self.max_retries:
            log.info("«\u202f%s\u202f» n'a pas pu être pris en charge (%s) : nouvel essai dans %.0f s.", name, problem, delay)
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
            log.info("«\u202f%s\u202f» semble incomplet (%s) et n'a pas changé depuis %.0f s : il est transmis au "
                     "contrôle.", shown_name(os.path.basename(path)),
                     INCOMPLETE_WHY[kind], quiet)
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
