"""File-system helpers (pipeline/files.py): never overwrite, write atomically, private modes,
moves that survive a crash on one file system and across two (a tmpfs is a real other one)."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

from pipeline.files import (DIR_MODE, FILE_MODE, are_same_file, link_no_clobber, make_dirs, move_no_clobber,
                            remove_leftover_temporaries, replace_atomically, sha256, unique_path)
from pipeline.naming import TEMP_PREFIX

OTHER_FS = Path("/dev/shm")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def other_fs():
    """A folder on another file system than tmp_path (tmpfs), when the machine has one."""
    if not OTHER_FS.is_dir() or os.stat(OTHER_FS).st_dev == os.stat(tempfile.gettempdir()).st_dev:
        pytest.skip("no second file system here")
    with tempfile.TemporaryDirectory(dir=OTHER_FS) as folder:
        yield Path(folder)


def test_make_dirs_creates_missing_folders_private(tmp_path):
    made = make_dirs(tmp_path / "a" / "b" / "c")
    assert made.is_dir()
    assert [mode(tmp_path / p) for p in ("a", "a/b", "a/b/c")] == [DIR_MODE] * 3


def test_unique_path_never_names_an_existing_file(tmp_path):
    taken = tmp_path / "CR.docx"
    assert unique_path(taken) == taken
    taken.write_bytes(b"1")
    (tmp_path / "CR (2).docx").write_bytes(b"2")
    assert unique_path(taken) == tmp_path / "CR (3).docx"


def test_replace_atomically_writes_a_private_file_and_leaves_no_temporary(tmp_path):
    target = replace_atomically(tmp_path / "out.txt", lambda tmp: tmp.write_text("bonjour"))
    assert target.read_text() == "bonjour" and mode(target) == FILE_MODE
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_replace_atomically_leaves_nothing_when_the_writer_fails(tmp_path):
    def fail(tmp: Path) -> None:
        tmp.write_text("à moitié")
        raise OSError("disque plein")

    with pytest.raises(OSError):
        replace_atomically(tmp_path / "out.txt", fail)
    assert list(tmp_path.iterdir()) == []


def test_replace_atomically_keeps_the_new_file_beside_a_target_it_cannot_replace(tmp_path, caplog):
    """A workbook open in Excel on a share cannot be replaced: the new one goes beside it,
    under one name replaced at each pass, never a new copy per pass; the log says how to update it."""
    (tmp_path / "classeur.xlsx").mkdir()  # a folder in the way: the rename fails
    for text in ("neuf", "plus neuf"):
        written = replace_atomically(tmp_path / "classeur.xlsx", lambda tmp: tmp.write_text(text),
                                     keep_beside=True)
    assert written == tmp_path / "classeur (nouvelle version).xlsx"
    assert written.read_text() == "plus neuf"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["classeur (nouvelle version).xlsx", "classeur.xlsx"]
    assert (tmp_path / "classeur.xlsx").is_dir()
    assert "relancez «\u202fentretiens classeurs\u202f» pour mettre à jour classeur.xlsx" in caplog.text


def test_link_no_clobber_never_replaces_an_existing_file(tmp_path):
    source, target = tmp_path / "a", tmp_path / "b"
    source.write_bytes(b"new")
    target.write_bytes(b"someone's file")
    with pytest.raises(FileExistsError):
        link_no_clobber(source, target)
    assert target.read_bytes() == b"someone's file"


def test_link_no_clobber_on_one_file_system_gives_a_second_name(tmp_path):
    source = tmp_path / "a"
    source.write_bytes(b"report")
    link_no_clobber(source, tmp_path / "out" / "b")
    assert are_same_file(source, tmp_path / "out" / "b")
    assert mode(tmp_path / "out" / "b") == FILE_MODE


def test_link_no_clobber_across_file_systems_is_a_checked_private_copy(tmp_path, other_fs):
    source = tmp_path / "a"
    source.write_bytes(os.urandom(300_000))
    target = other_fs / "b"
    link_no_clobber(source, target)
    assert sha256(target) == sha256(source) and not are_same_file(source, target)
    assert mode(target) == FILE_MODE
    assert source.exists()  # the source stays: the caller removes it at its sync point


def test_move_no_clobber_across_file_systems_leaves_one_name(tmp_path, other_fs):
    source = tmp_path / "a"
    source.write_bytes(b"report")
    move_no_clobber(source, other_fs / "b")
    assert not source.exists() and (other_fs / "b").read_bytes() == b"report"


def test_are_same_file_is_false_for_a_missing_or_different_file(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"x")
    b.write_bytes(b"x")
    assert not are_same_file(a, b)
    assert not are_same_file(a, tmp_path / "absent")
    assert not are_same_file(a, None)
    assert are_same_file(a, a)


def test_only_our_own_temporaries_are_removed(tmp_path):
    ours = tmp_path / f"{TEMP_PREFIX}abc.docx"
    ours.write_bytes(b"half")
    theirs = tmp_path / "tmp-notes.docx"
    theirs.write_bytes(b"a user's")
    link = tmp_path / f"{TEMP_PREFIX}link"
    link.symlink_to(theirs)
    assert remove_leftover_temporaries(tmp_path) == [ours]
    assert theirs.exists() and link.is_symlink()
