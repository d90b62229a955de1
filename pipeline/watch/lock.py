"""One instance per workspace (lock): the lock file in the state dir, holding the pid (``traiter`` takes
it too, so that the two never work at once), and what ``entretiens etat`` shows about the service,
from the lock and the health file (:func:`watcher_state`)."""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..command_names import PROCESS, command_line
from ..config import Config
from ..files import FILE_MODE, make_dirs
from ..naming import HEALTH_NAME, LOCK_NAME
from ..outcomes import AlreadyRunning, Outcome
from .stability import _wall

log = logging.getLogger("entretiens")

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
        return AlreadyRunning(f"Un traitement du dossier d'entrée ({command_line(PROCESS)}, {who}) est en cours "
                              f"pour cet espace de travail. Attendez qu'il se termine, puis relancez. Verrou : {path}.")
    what = (f"Inutile de lancer «\u202f{command_line(PROCESS)}\u202f» : déposez simplement les fichiers dans le "
            "dossier d'entrée."
            if command == "process" else
            f"Un seul service à la fois : arrêtez-le d'abord (systemctl stop entretiens, ou kill {pid}).")
    return AlreadyRunning(f"La surveillance est déjà lancée pour cet espace de travail ({who}) : elle traite "
                          f"elle-même le dossier d'entrée. {what} Verrou : {path}.")


def acquire_lock(state_dir: Path, *, command: str = "watch") -> ServiceLock:
    """Take the workspace's lock (``state_dir/surveillance.lock``, holding our pid and ``command``) or raise
    :class:`AlreadyRunning` naming the holder. A lock left by a dead process is taken over. The watcher
    (``command="watch"``) holds it while it runs; a pass (``"process"``: ``entretiens traiter``) may take it
    so that the two never work at once. These two values are the lock file's, not the commands' names:
    they stay as they are, so that a lock written by an earlier version still reads the same."""
    path = Path(make_dirs(state_dir)) / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, FILE_MODE)
    try:
        for attempt in range(4):  # `etat` probes with a shared lock for an instant
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


# -- status ------------------------------------------------------------------------------------


@dataclass
class WatcherState:
    """What ``entretiens etat`` shows about the service: from the lock and the health file."""

    running: bool  # a watcher holds the lock now
    pid: int | None = None
    health: dict = field(default_factory=dict)  # its last health file (maybe from a previous run)
    processing: int | None = None  # pid of an `entretiens traiter` pass holding the lock instead

    def as_json(self) -> dict:
        return {"en_cours": self.running, "pid": self.pid, "traitement_en_cours": self.processing,
                **{k: v for k, v in self.health.items() if k != "pid"}}

    def lines(self) -> list[str]:
        """French lines for ``etat``."""
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
                lines.append(f"  Traitement en cours : {command_line(PROCESS)} (processus {self.processing}).")
            return lines
        lines = [f"Surveillance du dossier d'entrée : en cours (processus {self.pid}, mode {h.get('mode', '?')}, "
                 f"démarrée le {_shown_time(h.get('demarre_le'))})."]
        if h.get("dernier_balayage"):
            lines.append(f"  Dernier balayage : {_shown_time(h['dernier_balayage'])}"
                         + ("" if h.get("dossier_entree_accessible", True) else " – dossier d'entrée INACCESSIBLE"))
        counters = h.get("compteurs") or {}
        if counters:
            shown = {o.counter: o for o in Outcome}
            lines.append("  Depuis le démarrage : " + ", ".join(shown[k].counted(v) if k in shown else f"{v} {k}"
                                                                for k, v in counters.items()))
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
