"""The inbox on a real SMB share: Samba serving a guest share on 127.0.0.1, mounted with
``smbnetfs`` (FUSE), files dropped from the server's side (written into the exported folder
directly) as another computer would. inotify on such a mount sees nothing; polling does. On it,
hard links fail (EPERM) and renames work (see ../shared/NOTES.md).

Needs root (smbd on port 445, a FUSE mount), ``samba`` and ``smbnetfs``: skipped without them,
except in CI (``CI`` set), where their absence is a failure. Select with ``-m smb_share``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

import watchkit as wk
from pipeline.naming import DUPLICATE_SUFFIX, REJECTION_SUFFIX, SHARE_WORK_FOLDER
from tests.conftest import REPO, settle

pytestmark = pytest.mark.smb_share

SHARE = "partage"
POLLING = {"mode": "polling", "intervalle_polling_s": 0.3, "stabilite_s": 0.5, "rescan_s": 2}


@dataclass
class Share:
    exported: Path  # the folder Samba serves: writing here is another computer dropping a file
    mounted: Path  # the same folder, as this machine sees it through the SMB mount


def _missing() -> str | None:
    """Why this machine cannot run the share (French), or ``None``."""
    if os.geteuid() != 0:
        return "il faut être root (smbd écoute sur le port 445, montage FUSE)"
    absent = [tool for tool in ("smbd", "smbnetfs", "fusermount") if shutil.which(tool) is None]
    if absent:
        return f"absents : {', '.join(absent)} (apt-get install samba smbnetfs fuse3)"
    if not Path("/dev/fuse").exists():
        return "/dev/fuse absent"
    return None


def _cannot(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"Partage SMB impossible alors que CI est défini : {why}")
    pytest.skip(f"partage SMB impossible ici : {why}")


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _wait(predicate, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError(f"{what} not reached within {timeout} s")
        time.sleep(0.1)


def _server_config(base: Path, exported: Path) -> Path:
    """smbd's own configuration: loopback only, its own run-time folders, one writable guest share."""
    folders = {key: base / key for key in ("run", "lock", "state", "cache", "private", "ncalrpc")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    path = base / "smb.conf"
    path.write_text(
        "[global]\n"
        "  server role = standalone server\n"
        "  interfaces = lo\n  bind interfaces only = yes\n  smb ports = 445\n  disable netbios = yes\n"
        f"  pid directory = {folders['run']}\n  lock directory = {folders['lock']}\n"
        f"  state directory = {folders['state']}\n  cache directory = {folders['cache']}\n"
        f"  private dir = {folders['private']}\n  ncalrpc dir = {folders['ncalrpc']}\n"
        f"  log file = {base / 'smbd.log'}\n"
        "  map to guest = Bad User\n"
        "  load printers = no\n  printcap name = /dev/null\n  disable spoolss = yes\n"
        f"[{SHARE}]\n  path = {exported}\n  guest ok = yes\n  guest only = yes\n  read only = no\n"
        "  force user = root\n", encoding="utf-8")
    return path


def _client_home(base: Path) -> Path:
    """A home for smbnetfs: ``.smb/`` with its configuration, mode 0600 as it demands."""
    home = base / "home"
    dot = home / ".smb"
    dot.mkdir(parents=True, mode=0o700)
    files = {"smb.conf": "[global]\n  client min protocol = SMB2\n",
             "smbnetfs.conf": 'auth "guest" ""\nshow_hidden_hosts "true"\n',
             "smbnetfs.auth": "", "smbnetfs.host": ""}
    for name, text in files.items():
        (dot / name).write_text(text, encoding="utf-8")
        (dot / name).chmod(0o600)
    return home


def _unmount(mount_point: Path) -> None:
    for command in (["fusermount", "-u"], ["fusermount3", "-u"], ["umount", "-l"]):
        if shutil.which(command[0]) and subprocess.run([*command, str(mount_point)],
                                                       capture_output=True).returncode == 0:
            return


@pytest.fixture(scope="module")
def share(tmp_path_factory) -> Share:
    """smbd started with its own configuration, the share mounted with smbnetfs; at the end (even
    after a failure) the mount is released and smbd stopped."""
    why = _missing()
    if why:
        _cannot(why)
    if _port_open(445):
        _cannot("le port 445 de 127.0.0.1 est déjà pris (un autre Samba ?)")
    base = tmp_path_factory.mktemp("smb")
    exported, mount_point = base / "export", base / "montage"
    exported.mkdir()
    mount_point.mkdir()
    with contextlib.ExitStack() as cleanup:
        log = cleanup.enter_context(open(base / "smbd.out", "wb"))
        server = subprocess.Popen(["smbd", "--foreground", "--no-process-group", "--debug-stdout",
                                   "-s", str(_server_config(base, exported))],
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

        def stop_server() -> None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)  # smbd and the children it forked
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(10)

        cleanup.callback(stop_server)
        _wait(lambda: _port_open(445) or server.poll() is not None, 15, "smbd listening")
        if server.poll() is not None:
            _cannot(f"smbd s'est arrêté ({server.returncode}) : {(base / 'smbd.out').read_text(errors='replace')[-500:]}")
        mounted = subprocess.run(["smbnetfs", str(mount_point)], capture_output=True, text=True, timeout=30,
                                 env={**os.environ, "HOME": str(_client_home(base))})
        cleanup.callback(_unmount, mount_point)
        if mounted.returncode != 0:
            _cannot(f"smbnetfs a échoué : {mounted.stderr.strip()}")
        seen = mount_point / "127.0.0.1" / SHARE
        _wait(seen.is_dir, 15, "the share seen through the mount")
        yield Share(exported, seen)


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> wk.Sources:
    return wk.make_sources(tmp_path_factory.mktemp("sources"), 6)


@pytest.fixture
def ws(share, sources, tmp_path, request) -> wk.Workspace:
    """A local workspace whose inbox is a folder of the share (one per test)."""
    folder = request.node.name[:40]
    (share.exported / folder).mkdir()
    return wk.make_workspace(tmp_path / "espace", sources, inbox=share.mounted / folder)


def server_side(share: Share, ws: wk.Workspace) -> Path:
    """The inbox as the server holds it: where another computer's files land."""
    return share.exported / ws.inbox.name


def drop_from_the_server(files: list[Path], folder: Path) -> Counter:
    """Each file written into the exported folder, as a copy from another computer does."""
    for path in files:
        shutil.copyfile(path, folder / path.name)
    return Counter(map(wk.sha256, files))


def assert_each_file_once_and_the_inbox_emptied(ws: wk.Workspace, exported: Path, dropped: Counter) -> Counter:
    """Every dropped file's bytes in the outbox exactly as often as dropped; the inbox (seen from the
    server) and the work areas empty; one finished journal row per file; a note beside each file
    turned away or found a duplicate. Returns the outcomes counted."""
    assert wk.placed_checksums(ws) == dropped
    assert sorted(p.name for p in exported.iterdir() if p.name != SHARE_WORK_FOLDER) == []
    assert not (exported / SHARE_WORK_FOLDER).exists() or list((exported / SHARE_WORK_FOLDER).iterdir()) == []
    assert os.listdir(ws.state / "travail") == []
    rows = wk.journal_rows(ws)
    assert len(rows) == sum(dropped.values()) and {status for _name, status, _outcome in rows} == {"done"}
    outcomes = Counter(outcome for _name, _status, outcome in rows)
    turned_away = outcomes["rejected"] + outcomes["unreadable"]
    assert len(list((ws.outbox / "rejets").glob(f"*{REJECTION_SUFFIX}"))) == turned_away
    assert len(list((ws.outbox / "doublons").glob(f"*{DUPLICATE_SUFFIX}"))) == outcomes["duplicate"]
    return outcomes


def test_the_watcher_polling_the_share_takes_every_file_dropped_from_the_server_once(share, ws, sources, tmp_path):
    """GIVEN the watcher in polling mode, its inbox a folder of the SMB share, its outbox local WHEN
    another computer drops reports, incomplete ones, a copy, a renamed PDF, and one report written
    in two halves with a pause longer than the stability window THEN the half-written file is not
    taken while incomplete, and every file is accounted for exactly once, byte for byte, the inbox
    emptied and a note beside each file turned away."""
    service = wk.Service(ws, surveillance=POLLING).start()
    try:
        service.wait_ready()
        assert ws.health["mode"] == "polling"
        exported = server_side(share, ws)
        dropped = drop_from_the_server(wk.make_batch(sources, tmp_path / "lot", 10), exported)
        data = sources.filled[2].read_bytes()
        half = exported / "envoi en deux temps.docx"
        with open(half, "wb") as handle:
            handle.write(data[: len(data) // 2])
            handle.flush()
            time.sleep(1.5)  # the copy stalls: longer than the window, several polls
            assert half.stat().st_size == len(data) // 2  # still in the inbox, not claimed
            handle.write(data[len(data) // 2:])
        dropped[wk.sha256(half)] += 1
        wk.wait_for(lambda: wk.placed_count(ws) == sum(dropped.values()), 30, interval=0.1,
                    what="every dropped file processed")
        assert service.stop() == 0
    finally:
        service.kill()
    outcomes = assert_each_file_once_and_the_inbox_emptied(ws, exported, dropped)
    assert outcomes["accepted"] >= 6 and outcomes["rejected"] == 1 and outcomes["unreadable"] == 1
    assert outcomes["duplicate"] == 1
    assert any(p.read_bytes() == data for p in (ws.outbox / "1_attente_observations_agent").glob("*.docx"))


def test_process_takes_the_files_of_an_inbox_on_the_share(share, ws, sources, tmp_path):
    """GIVEN the inbox on the share, files dropped from the server's side a while ago WHEN
    ``entretiens traiter`` runs THEN every file is placed once, byte for byte, the inbox emptied."""
    exported = server_side(share, ws)
    dropped = drop_from_the_server(wk.make_batch(sources, tmp_path / "lot", 10), exported)
    settle(exported)  # dropped earlier: a pass leaves alone what changed within stabilite_s
    done = subprocess.run([sys.executable, "-m", "pipeline", "traiter", "--config", str(ws.config_path)],
                          cwd=ws.root, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert "10 fichiers traités" in done.stdout
    outcomes = assert_each_file_once_and_the_inbox_emptied(ws, exported, dropped)
    assert outcomes["accepted"] >= 6 and outcomes["duplicate"] == 1
