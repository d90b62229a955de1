"""File-system helpers: never overwrite, write atomically, private modes.

Files the product writes are readable by their owner and group only (0640),
folders 0750 (SPEC 7).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

FILE_MODE = 0o640
DIR_MODE = 0o750


def make_dirs(path: Path) -> Path:
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
        os.chmod(folder, DIR_MODE)
    return path


def unique_path(path: Path) -> Path:
    """``path`` if free, else ``name (2).ext``, ``name (3).ext``... Never an existing file."""
    path = Path(path)
    if not path.exists():
        return path
    stem, suffix = path.stem, path.suffix
    for n in range(2, 100_000):
        candidate = path.with_name(f"{stem} ({n}){suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(path)


def write_private(target: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` then move the finished file to ``target`` atomically.

    The temporary file sits in the target's folder (same file system), so a
    crash leaves either nothing or a complete file, never half of one.
    """
    target = Path(target)
    make_dirs(target.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, FILE_MODE)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target
