"""What the inbox holds: the files to take (at its top and in the folders HR drags into it), the
names left alone (:data:`pipeline.naming.IGNORED_PATTERNS`), the special entries to report (pipes,
sockets, devices), and whether a file is ready to be taken (:func:`not_ready`)."""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .files import describe_failure
from .naming import is_ignored
from .outcomes import OutboxInsideInbox
from .preflight import INCOMPLETE_WHY, NOT_ZIP, ZIP_COMPLETE, check_readable, probe_file


SPECIAL_ENTRY = "n'est pas un fichier (tube, socket ou périphérique) : déposez le fichier lui-même"


def check_outside_inbox(config: Config) -> None:
    """Refuse an outbox or state dir inside the inbox: a pass would take its own output (the
    inbox's subfolders are processed). Raises :class:`~pipeline.outcomes.OutboxInsideInbox`."""
    inbox = Path(config.inbox).resolve()
    for what, key, folder in (("dossier de sortie", "dossiers.sortie", config.outbox),
                              ("dossier d'état", "dossiers.etat", config.state_dir)):
        resolved = Path(folder).resolve()
        if resolved == inbox or resolved.is_relative_to(inbox):
            raise OutboxInsideInbox(
                f"Le {what} ({resolved}) est à l'intérieur du dossier d'entrée ({inbox}) : le traitement "
                f"prendrait ses propres fichiers. Choisissez dans config.yaml (clé {key}) un dossier situé "
                "hors du dossier d'entrée.")


@dataclass
class InboxListing:
    files: list[Path] = field(default_factory=list)  # regular files and links, in name order
    special: list[Path] = field(default_factory=list)  # pipes, sockets, devices: never taken


def list_inbox(inbox: Path, extra_patterns: tuple[str, ...] = ()) -> InboxListing:
    """Walk the inbox and its subfolders, leaving ignored names and folders alone. Raises
    ``OSError`` when the inbox itself cannot be listed."""
    inbox = Path(inbox)
    listing = InboxListing()
    os.scandir(inbox).close()  # the inbox itself must be readable: say so rather than find nothing
    for folder, subfolders, names in os.walk(inbox):
        subfolders[:] = sorted(d for d in subfolders if not is_ignored(d, extra_patterns))
        for name in names:
            if is_ignored(name, extra_patterns):
                continue
            path = Path(folder) / name
            try:
                mode = os.lstat(path).st_mode
            except OSError:
                continue  # gone meanwhile
            if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
                listing.files.append(path)
            else:
                listing.special.append(path)
    listing.files.sort(key=lambda p: os.fsencode(p.relative_to(inbox)))
    return listing


def is_inbox_entry(inbox: Path, path: str | os.PathLike, extra_patterns: tuple[str, ...] = ()) -> bool:
    """Whether ``path`` lies in the inbox (at any depth) with no ignored name on the way."""
    relative = os.path.relpath(os.path.abspath(os.fsdecode(path)), os.path.abspath(inbox))
    if relative == "." or relative.startswith(".." + os.sep) or relative == "..":
        return False
    return not any(not part or is_ignored(part, extra_patterns) for part in relative.split(os.sep))


def not_ready(path: Path, *, window: float, incomplete_after: float, now: float | None = None) -> str | None:
    """Why an inbox file cannot be taken yet (French), or ``None`` when it can: the rules the
    watcher applies, for a single pass (``process`` from cron) that cannot watch a file settle.

    Taken: a link (never followed: turned away with a note); a file unchanged for ``window``
    seconds that the service can read and that opens as a complete zip, or is no zip at all (it
    gets its rejection note). Left for a later pass: a file changed within ``window`` seconds
    (still being copied); a zip without its directory yet, a .pdf without its end, or a file with no content yet,
    unless unchanged for ``incomplete_after`` seconds; a file the service cannot read."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        return None
    age = (time.time() if now is None else now) - st.st_mtime
    if age < window:
        return f"en cours de copie (modifié il y a moins de {window:g} s)"
    try:
        if age >= incomplete_after:  # taken whatever it holds (its note says what): only readable?
            check_readable(path)
            return None
        kind = probe_file(path)
    except OSError as exc:
        return f"illisible par le service : {describe_failure(exc)}"
    if kind in (ZIP_COMPLETE, NOT_ZIP):
        return None
    return f"incomplet pour l'instant ({INCOMPLETE_WHY[kind]})"
