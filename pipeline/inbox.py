"""What the inbox holds: the files to take (at its top and in the folders HR drags into it), the
names left alone (:data:`pipeline.naming.IGNORED_PATTERNS`), the special entries to report (pipes,
sockets, devices)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .naming import is_ignored


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
