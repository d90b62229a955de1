"""File-system helpers: never overwrite, write atomically, private modes.

Files the product writes are readable by their owner and group only (0640),
folders 0750 (SPEC 7).
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import filecmp
import hashlib
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

log = logging.getLogger("entretiens")

from .command_names import WORKBOOKS, command_line
from .naming import TEMP_PREFIX

FILE_MODE = 0o640
DIR_MODE = 0o750


def describe_failure(exc: BaseException) -> str:
    """Why a file could not be read or written, in French, for logs and messages; looks
    through wrappers (XlsxWriter's ``FileCreateError``) for the system error under them."""
    cause = exc
    while not isinstance(cause, OSError):
        inner = next((a for a in getattr(cause, "args", ()) if isinstance(a, BaseException)), None)
        cause = inner or cause.__cause__ or cause.__context__
        if cause is None:
            return f"erreur inattendue ({type(exc).__name__})"
    if isinstance(cause, PermissionError):
        return "accès refusé (fichier ouvert ailleurs ou droits insuffisants)"
    if isinstance(cause, FileNotFoundError):
        return "fichier ou dossier introuvable (partage déconnecté ?)"
    if cause.errno in (errno.ENOSPC, errno.EDQUOT):
        return "disque plein"
    if cause.errno in (errno.EBUSY, errno.ETXTBSY):
        return "fichier en cours d'utilisation"
    if cause.errno in (errno.EIO, errno.ESTALE, errno.EHOSTDOWN, errno.EHOSTUNREACH, errno.ENOTCONN):
        return f"partage réseau indisponible ({cause.strerror or cause})"
    return f"erreur d'accès ({cause.strerror or cause})"


def disk_full(exc: BaseException | None) -> OSError | None:
    """The «\u202fdisk full\u202f» (or quota exceeded) system error behind ``exc``, looking through
    wrappers and causes as :func:`describe_failure` does; ``None`` for any other failure."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return exc
        inner = next((a for a in getattr(exc, "args", ()) if isinstance(a, BaseException)), None)
        exc = inner or exc.__cause__ or exc.__context__
    return None


def full_folder(exc: OSError, folders: list[Path]) -> Path:
    """Which of ``folders`` (a command's outputs, first the likeliest) sits on the disk that is full:
    the one holding the file that could not be written when the error names it, else the one
    with the least room left now."""
    if exc.filename:
        failed = Path(os.path.abspath(exc.filename))
        for folder in folders:
            if failed.is_relative_to(os.path.abspath(folder)):
                return Path(folder)
        return failed.parent
    room = {}
    for folder in folders:
        try:
            room[folder] = shutil.disk_usage(folder).free
        except OSError:
            continue
    return min(room, key=room.get) if room else Path(folders[0])


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


def unique_path(path: Path, *, reserved: Callable[[Path], bool] | None = None) -> Path:
    """``path`` if free, else ``name (2).ext``, ``name (3).ext``... Never an existing file,
    nor one ``reserved`` says is promised to another file (planned, not yet placed)."""
    path = Path(path)

    def taken(candidate: Path) -> bool:
        return os.path.lexists(candidate) or (reserved is not None and reserved(candidate))

    if not taken(path):
        return path
    stem, suffix = path.stem, path.suffix
    for n in range(2, 100_000):
        candidate = path.with_name(f"{stem} ({n}){suffix}")
        if not taken(candidate):
            return candidate
    raise FileExistsError(path)


def replace_atomically(target: Path, write: Callable[[Path], None], *, keep_beside: bool = False) -> Path:
    """Call ``write(tmp)`` then move the finished file to ``target`` atomically.

    The temporary file sits in the target's folder (same file system), so a
    crash leaves either nothing or a complete file, never half of one. With
    ``keep_beside``, a target that cannot be replaced (open in Excel on a
    share, read-only, a folder in the way) is left alone and the new file is
    kept beside it, which is returned: under one name of ours, «\u202f… (nouvelle
    version)\u202f», replaced at each call (never a new copy per pass); under a
    dated name if that one cannot be replaced either. Nothing is lost.
    """
    target = Path(target)
    with _finished_temporary(target, write) as tmp:
        try:
            os.replace(tmp, target)
        except OSError as exc:
            if not keep_beside:
                raise
            beside = _keep_beside(tmp, target)
            log.warning(
                "Impossible de remplacer %s (%s : le fichier est peut-être ouvert dans Excel ou "
                "en lecture seule). La nouvelle version est enregistrée sous «\u202f%s\u202f». Fermez le "
                "fichier puis relancez «\u202f%s\u202f» pour mettre à jour %s.",
                target, describe_failure(exc), beside.name, command_line(WORKBOOKS), target.name)
            return beside
    return target


@contextlib.contextmanager
def _finished_temporary(target: Path, write: Callable[[Path], None]) -> Iterator[Path]:
    """``write(tmp)`` into a temporary of ours (``.tmp-*``) in ``target``'s folder (the same file
    system, so a rename is atomic), mode 0640, synced; removed on leaving unless renamed."""
    make_dirs(target.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, FILE_MODE)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        yield tmp
    finally:
        if tmp.exists():
            tmp.unlink()


def _keep_beside(tmp: Path, target: Path) -> Path:
    beside = target.with_name(f"{target.stem} (nouvelle version){target.suffix}")
    try:
        if not os.path.lexists(beside) or is_regular_file(beside):
            os.replace(tmp, beside)
            return beside
    except OSError:
        pass
    stamp = dt.datetime.now().strftime("%Y-%m-%d %Hh%M")
    beside = unique_path(target.with_name(f"{target.stem} {stamp}{target.suffix}"))
    move_no_clobber(tmp, beside)
    return beside


def is_regular_file(path: Path) -> bool:
    """A plain file, not a link, a pipe or a device (reading those can hang)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def are_same_file(path: Path, other: str | Path | None) -> bool:
    """Whether ``other`` names the very file ``path`` names (hard links; links not followed)."""
    if not other:
        return False
    try:
        first, second = os.lstat(path), os.lstat(other)
    except OSError:
        return False
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def remove_leftover_temporaries(folder: Path) -> list[Path]:
    """Half-written files of ours (``.tmp-*``) a crash left in a folder we write."""
    removed = []
    if folder.is_dir():
        for leftover in folder.glob(TEMP_PREFIX + "*"):
            if is_regular_file(leftover):
                leftover.unlink()
                removed.append(leftover)
    return removed


def sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def move_no_clobber(source: Path, target: Path) -> None:
    """Move a file without ever replacing an existing one.

    :func:`link_no_clobber`, then the target's folder synced (the new name is on
    disk before the old one goes), then the source removed. That removal is not
    synced: lost in a power cut, it leaves two names of one file, which recovery
    resolves; never none.
    """
    link_no_clobber(source, target)
    sync_folder(Path(target).parent)
    Path(source).unlink()


def link_no_clobber(source: Path, target: Path) -> None:
    """Give a file a second name ``target``, never replacing an existing file; the
    source stays. Nothing is synced: see :func:`sync_folder`.

    Same file system: a hard link (``os.link`` refuses an existing target, which
    ``os.replace`` would overwrite). Across file systems, or where links are not
    supported (some shares): :func:`copy_no_clobber`.
    """
    source, target = Path(source), Path(target)
    make_dirs(target.parent)
    link = source.is_symlink()
    try:
        # follow_symlinks=False: a link dropped by someone is moved as a link,
        # never turned into the file it points to.
        os.link(source, target, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError:
        if link:
            raise
        copy_no_clobber(source, target)
    else:
        if not link:  # chmod would follow the link to someone else's file
            os.chmod(target, FILE_MODE)


def copy_no_clobber(source: Path, target: Path) -> None:
    """Copy a file to ``target`` so that a crash, a full disk or a kill never leaves a
    partial file under ``target``: :func:`private_copy` in the target's folder, then
    renamed to ``target`` without replacing anything. Raises ``FileExistsError`` if
    ``target`` exists, ``OSError`` when the copy fails (nothing is left behind)."""
    target = Path(target)
    tmp = private_copy(source, target.parent)
    try:
        rename_no_clobber(tmp, target)
    finally:
        if os.path.lexists(tmp):
            tmp.unlink()


def private_copy(source: Path, folder: Path) -> Path:
    """A complete copy of ``source`` under a temporary name of ours (``.tmp-*``) in
    ``folder``: mode 0640, synced, its checksum compared with the source's; holes of a
    sparse file stay holes. ``OSError`` when it fails (the temporary file is then gone)."""
    expected = sha256(source)
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=folder)
    tmp = Path(tmp_name)
    try:
        with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
            _copy_data(src.fileno(), dst.fileno())
            os.fchmod(dst.fileno(), FILE_MODE)
            os.fsync(dst.fileno())
        if sha256(tmp) != expected:
            raise OSError(errno.EIO, f"copie altérée de {Path(source).name}", str(folder))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _copy_data(src: int, dst: int) -> None:
    """Copy every byte, skipping the holes of a sparse file (SEEK_DATA/SEEK_HOLE)."""
    size = os.fstat(src).st_size
    position = 0
    while position < size:
        try:
            start = os.lseek(src, position, os.SEEK_DATA)
            end = os.lseek(src, start, os.SEEK_HOLE)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # only a hole is left
                break
            start, end = position, size  # no hole support here: copy it all
        os.lseek(src, start, os.SEEK_SET)
        os.lseek(dst, start, os.SEEK_SET)
        remaining = end - start
        while remaining:
            chunk = os.read(src, min(remaining, 1 << 20))
            if not chunk:
                raise OSError(errno.EIO, "fichier raccourci pendant la copie")
            written = 0
            while written < len(chunk):
                written += os.write(dst, chunk[written:])
            remaining -= len(chunk)
        position = end
    os.ftruncate(dst, size)


_RENAME_NOREPLACE = 1
_libc = None


def rename_no_clobber(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target``, raising ``FileExistsError`` rather than replacing a
    file: ``renameat2(RENAME_NOREPLACE)`` where the kernel and file system offer it, else a
    hard link then unlink, else (a share without either) a rename after checking."""
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL(None, use_errno=True)
            _libc.renameat2  # noqa: B018 - present since glibc 2.28
        except (OSError, AttributeError):
            _libc = False
    if _libc:
        if _libc.renameat2(-100, os.fsencode(source), -100, os.fsencode(target), _RENAME_NOREPLACE) == 0:
            return
        err = ctypes.get_errno()
        if err == errno.EEXIST:
            raise FileExistsError(errno.EEXIST, os.strerror(err), str(target))
        if err not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), str(target))
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "le fichier existe déjà", str(target)) from None
        os.rename(source, target)
    else:
        os.unlink(source)


def holds_same_bytes(path: Path, checksum: str | None) -> bool:
    """Whether ``path`` is a regular file whose sha256 is ``checksum`` (a copy of ours)."""
    return bool(checksum) and is_regular_file(path) and sha256(path) == checksum


def sync_folder(folder: Path) -> None:
    """Put a folder's entries (names added or removed) on disk."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder
    finally:
        os.close(fd)


def replace_if_changed(target: Path, write: Callable[[Path], None]) -> bool:
    """:func:`replace_atomically` when what ``write`` makes differs from ``target``'s bytes;
    otherwise ``target`` is left as it is (its time too) and ``False`` is returned."""
    target = Path(target)
    with _finished_temporary(target, write) as tmp:
        if is_regular_file(target) and filecmp.cmp(tmp, target, shallow=False):
            return False
        os.replace(tmp, target)
    return True


def create_atomically(target: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` then give the finished file its name ``target``, never replacing a
    file (``FileExistsError``): a crash leaves nothing or a complete file under ``target``, and
    a temporary of ours (``.tmp-*``) that recovery removes. Mode 0640, synced."""
    target = Path(target)
    with _finished_temporary(target, write) as tmp:
        rename_no_clobber(tmp, target)
    return target
