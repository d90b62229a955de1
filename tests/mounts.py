"""Real other file systems for tests: a tmpfs mounted for one test (CI runs as root).

A tmpfs is a file system of its own: hard links and renames cannot cross into it, so the
product's moves become copies, as on a network share mounted beside the local disk."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import pytest


@contextlib.contextmanager
def tmpfs(mount_point: Path, size: str = "64m"):
    """Mount a tmpfs of ``size`` on ``mount_point`` (created) for the block; skip the test
    when this machine does not let us mount (not root, or no mount in a container)."""
    mount_point.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        if os.environ.get("CI"):
            raise RuntimeError(f"tmpfs not mounted on {mount_point}: {done.stderr}")
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def other_device(a: Path, b: Path) -> bool:
    return os.stat(a).st_dev != os.stat(b).st_dev


def resize(mount_point: Path, size: str) -> None:
    """Give a tmpfs mounted by :func:`tmpfs` another size: room freed (or taken) on a disk, its
    files kept."""
    subprocess.run(["mount", "-o", f"remount,size={size}", str(mount_point)], check=True, capture_output=True)
