"""pipeline/watch/, fed by hand: events and change sets go to the filter, the handler and the
stability tracker with explicit times; the main loop's work (Watcher) runs on a fake clock with a
fake processor. One test runs run_service itself, in a thread, on real folders."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import types
import zipfile
from pathlib import Path

import pytest
from watchdog.events import (DirCreatedEvent, DirModifiedEvent, FileClosedEvent, FileClosedNoWriteEvent,
                             FileCreatedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent,
                             FileOpenedEvent)

import pipeline
from conftest import make_config
from pipeline import watch
from pipeline.outcomes import ConfigError
from pipeline.inbox import SPECIAL_ENTRY
from pipeline.outcomes import Outcome
from pipeline.process import HandledFile
from pipeline.config import Watch, load_config
from pipeline.watch import (AlreadyRunning, Debouncer, InboxEventHandler, InboxFilter, StabilityTracker,
                            Watcher, acquire_lock, rebuild_outputs,
                            run_service, watcher_state)

W = 2.0  # the tracker's window in these tests


def make_zip(path: Path, size: int = 40_000) -> Path:
    """A complete zip whose bytes do not compress: its halves are really half-written files."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/document.xml", os.urandom(size))
    return path


def ready(tracker: StabilityTracker, now: float) -> list[str]:
    return [os.path.basename(p) for p in tracker.ready(now)]


class Clock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# -- settings ------------------------------------------------------------------------------


def test_settings_default_to_the_issue_values():
    s = Watch()
    assert (s.polling, s.poll_interval, s.stability_window, s.rescan_interval, s.ignore_patterns,
            s.max_retries, s.quiet_before_outputs) == (False, 1.0, 2.0, 60.0, (), 8, 5.0)
    assert s.mode == "inotify"
    assert s.incomplete_after == 30.0


def test_the_watcher_settings_are_the_surveillance_section_of_config_yaml(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("surveillance:\n  mode: polling\n  intervalle_polling_s: 5\n  stabilite_s: 4\n  rescan_s: 30\n"
                    "  motifs_ignores: ['*.bak']\n  reessais_max: 3\n  calme_avant_classeurs_s: 10\n",
                    encoding="utf-8")
    s = load_config(path).watch
    assert s == Watch(mode="polling", poll_interval=5.0, stability_window=4.0, rescan_interval=30.0,
                      ignore_patterns=("*.bak",), max_retries=3, quiet_before_outputs=10.0)
    assert s.polling is True and s.incomplete_after == 60.0


def test_the_watcher_settings_default_without_a_surveillance_section(tmp_path):
    assert make_config(tmp_path).watch == Watch()


def test_updated_replaces_only_the_options_given():
    s = Watch().updated(polling=True, poll_interval=None, stability_window=0.5)
    assert (s.polling, s.mode, s.poll_interval, s.stability_window) == (True, "polling", 1.0, 0.5)
    assert Watch(mode="polling").updated(polling=None).polling is True


@pytest.mark.parametrize(("change", "key"), [({"rescan_interval": 0}, "surveillance.rescan_s"),
                                             ({"poll_interval": 0.05}, "surveillance.intervalle_polling_s"),
                                             ({"max_retries": 0}, "surveillance.reessais_max")])
def test_updated_refuses_a_value_too_small_in_french_naming_the_key(change, key):
    with pytest.raises(ConfigError, match=f"clé «\u202f{key}\u202f», valeur «\u202f.*\u202f» : valeur trop petite"):
        Watch().updated(**change)


def test_config_yaml_refuses_a_value_too_small_naming_the_key(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("surveillance: {rescan_s: 0}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="clé «\u202fsurveillance.rescan_s\u202f», valeur «\u202f0\u202f» : valeur trop petite"):
        load_config(path)


# -- filter and handler ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["~$mpte rendu.docx", ".~lock.cr.docx#", ".cache", "Thumbs.db", "desktop.ini",
                                  "copie.tmp", "cr.docx.part", ".entretiens_en_cours", "THUMBS.DB"])
def test_filter_leaves_office_and_copy_tool_files_alone(tmp_path, name):
    assert not InboxFilter(tmp_path)(tmp_path / name)


def test_filter_applies_the_config_patterns(tmp_path):
    accepts = InboxFilter(tmp_path, ("*.bak", "brouillon*"))
    assert not accepts(tmp_path / "cr.BAK")
    assert not accepts(tmp_path / "Brouillon CR.docx")
    assert accepts(tmp_path / "cr.docx")


def test_filter_accepts_ordinary_names_in_the_inbox_and_its_subfolders_and_nothing_outside(tmp_path):
    accepts = InboxFilter(tmp_path)
    assert accepts(tmp_path / "CR Hélène N'Diaye 2026.docx")
    assert accepts(str(tmp_path / "scan.pdf"))
    assert accepts(tmp_path / "Service cardiologie" / "2e étage" / "cr.docx")  # HR drags whole folders
    assert not accepts(tmp_path / ".entretiens_en_cours" / "cr.docx")  # our work area on a share
    assert not accepts(tmp_path / "$RECYCLE.BIN" / "cr.docx")
    assert not accepts(tmp_path / "Service" / "rapport.docx.crdownload")
    assert not accepts(tmp_path.parent / "cr.docx")
    assert not accepts(tmp_path)


def test_handler_notes_created_modified_closed_and_moved_in_paths():
    seen: list[str] = []
    handler = InboxEventHandler(seen.append)
    for event in (FileCreatedEvent("/in/a.docx"), FileModifiedEvent("/in/b.docx"), FileClosedEvent("/in/c.docx"),
                  FileMovedEvent("/in/.~tmp123", "/in/d.docx")):
        handler.dispatch(event)
    assert seen == ["/in/a.docx", "/in/b.docx", "/in/c.docx", "/in/d.docx"]


def test_handler_skips_folders_deletions_and_reads():
    seen: list[str] = []
    handler = InboxEventHandler(seen.append)
    for event in (DirCreatedEvent("/in/dossier"), DirModifiedEvent("/in"), FileDeletedEvent("/in/a.docx"),
                  FileOpenedEvent("/in/a.docx"), FileClosedNoWriteEvent("/in/a.docx")):
        handler.dispatch(event)
    assert seen == []


def test_handler_never_raises():
    def broken(path):
        raise RuntimeError("boom")

    InboxEventHandler(broken).dispatch(FileCreatedEvent("/in/a.docx"))  # no exception


def test_watcher_queues_only_the_paths_its_filter_accepts(tmp_path):
    watcher = Watcher(make_config(tmp_path), Watch(), FakeProcessor())
    for name in ("a.docx", "~$a.docx", "b.part"):
        watcher.note_event(str(tmp_path / "inbox" / name))
    watcher.note_event(None)  # nonsense from a broken emitter: ignored, no exception
    assert watcher.events.qsize() == 1


# -- stability ---------------------------------------------------------------------------------


def test_complete_docx_is_ready_after_the_window_and_not_before(tmp_path):
    tracker = StabilityTracker(W)
    tracker.note(make_zip(tmp_path / "cr.docx"), 0.0)
    assert ready(tracker, 1.9) == []
    assert ready(tracker, 2.0) == ["cr.docx"]
    assert len(tracker) == 0  # handed over once
    assert ready(tracker, 10.0) == []


def test_a_growing_file_is_never_ready(tmp_path):
    data = make_zip(tmp_path / "src.zip").read_bytes()
    path = tmp_path / "cr.docx"
    tracker = StabilityTracker(W)
    now = 0.0
    for end in range(4096, len(data), 4096):
        path.write_bytes(data[:end])
        tracker.note(path, now)
        assert ready(tracker, now) == []
        now += 5 * W  # the copy stalls for much longer than the window: only the zip check holds it
        assert ready(tracker, now) == []
    path.write_bytes(data)
    assert ready(tracker, now) == []
    assert ready(tracker, now + W) == ["cr.docx"]


def test_a_half_written_zip_is_handed_over_only_after_it_stopped_changing_for_long(tmp_path):
    data = make_zip(tmp_path / "src.zip").read_bytes()
    path = tmp_path / "tronque.docx"
    path.write_bytes(data[: len(data) // 2])
    tracker = StabilityTracker(W, incomplete_after=30.0)
    tracker.note(path, 0.0)
    assert ready(tracker, 29.0) == []
    assert ready(tracker, 30.0) == ["tronque.docx"]  # to get its "truncated" rejection note


@pytest.mark.parametrize("content", [b"%PDF-1.7\n...", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
                                     b"Bonjour, voici mon compte rendu"])
def test_a_file_that_is_not_a_zip_only_needs_the_window(tmp_path, content):
    path = tmp_path / "cr.docx"
    path.write_bytes(content)
    tracker = StabilityTracker(W)
    tracker.note(path, 0.0)
    assert ready(tracker, W) == ["cr.docx"]


@pytest.mark.parametrize("content", [b"", b"\0" * 8192])
def test_a_file_with_no_content_yet_waits_like_a_half_written_one(tmp_path, content):
    path = tmp_path / "cr.docx"
    path.write_bytes(content)
    tracker = StabilityTracker(W, incomplete_after=30.0)
    tracker.note(path, 0.0)
    assert ready(tracker, 10.0) == []
    assert ready(tracker, 30.0) == ["cr.docx"]


def test_an_event_starts_the_quiet_period_again(tmp_path):
    path = make_zip(tmp_path / "cr.docx")
    tracker = StabilityTracker(W)
    tracker.note(path, 0.0)
    tracker.note(path, 1.5)  # modified, closed...: someone is still at it
    assert ready(tracker, 2.5) == []
    assert ready(tracker, 3.5) == ["cr.docx"]


def test_a_scan_does_not_start_the_quiet_period_again(tmp_path):
    path = make_zip(tmp_path / "cr.docx")
    tracker = StabilityTracker(W)
    tracker.note(path, 0.0)
    tracker.note(path, 1.5, event=False)
    assert ready(tracker, 2.0) == ["cr.docx"]


def test_a_file_that_left_is_forgotten_and_a_folder_never_tracked(tmp_path):
    tracker = StabilityTracker(W)
    path = make_zip(tmp_path / "cr.docx")
    tracker.note(path, 0.0)
    path.unlink()
    (tmp_path / "dossier").mkdir()
    tracker.note(tmp_path / "dossier", 0.0)
    tracker.note(tmp_path / "jamais-vu.docx", 0.0)
    assert ready(tracker, 10.0) == []
    assert len(tracker) == 0


def test_a_symlink_is_handed_over_without_being_followed(tmp_path):
    target = make_zip(tmp_path / "ailleurs.docx")
    (tmp_path / "inbox").mkdir()
    link = tmp_path / "inbox" / "lien.docx"
    link.symlink_to(target)

    def probe(path):
        raise AssertionError("a link must not be opened")

    tracker = StabilityTracker(W, probe=probe)
    tracker.note(link, 0.0)
    assert ready(tracker, W) == ["lien.docx"]  # the processor rejects it with a note


def test_ready_yields_the_oldest_first(tmp_path):
    tracker = StabilityTracker(W)
    for n, name in enumerate(["c.docx", "a.docx", "b.docx"]):
        tracker.note(make_zip(tmp_path / name, 100), float(n))
    assert ready(tracker, 10.0) == ["c.docx", "a.docx", "b.docx"]


def test_the_zip_check_runs_once_per_size_and_mtime(tmp_path):
    data = make_zip(tmp_path / "src.zip").read_bytes()
    path = tmp_path / "cr.docx"
    path.write_bytes(data[:1000])
    calls = []

    def probe(p):
        calls.append(p)
        return watch.probe_file(p)

    tracker = StabilityTracker(W, probe=probe, incomplete_after=1000)
    tracker.note(path, 0.0)
    for t in range(2, 20):
        assert ready(tracker, float(t)) == []
    assert len(calls) == 1


def test_a_file_that_cannot_be_opened_is_retried_with_backoff_then_stuck_never_dropped(tmp_path, caplog):
    path = make_zip(tmp_path / "verrouille.docx")
    locked = True

    def probe(p):
        if locked:
            raise PermissionError(13, "Permission denied", p)
        return watch.probe_file(p)

    tracker = StabilityTracker(W, probe=probe, max_retries=3, backoff_base=1.0, backoff_cap=4.0)
    tracker.note(path, 0.0)
    caplog.set_level(logging.INFO, logger="entretiens")
    assert ready(tracker, 2.0) == []  # failure 1: next try at 3.0
    assert ready(tracker, 2.9) == []
    assert ready(tracker, 3.0) == []  # failure 2: next at 5.0
    assert tracker.stuck() == []
    assert ready(tracker, 5.0) == []  # failure 3: stuck, next at 9.0
    (stuck,) = tracker.stuck()
    assert (stuck.attempts, stuck.problem) == (3, "accès refusé (fichier ouvert ailleurs ou droits insuffisants)")
    assert stuck.as_json()["fichier"] == "verrouille.docx"
    assert "Fichier bloqué : «\u202fverrouille.docx\u202f»" in caplog.text
    assert ready(tracker, 100.0) == []  # failure 4: still tracked, retried at the cap
    assert path.name in {os.path.basename(p) for p in tracker._tracked}
    locked = False
    assert ready(tracker, 104.0) == ["verrouille.docx"]
    tracker.forget(path)  # taken
    assert tracker.stuck() == []


def test_a_failed_take_is_retried_without_a_new_quiet_period(tmp_path):
    path = make_zip(tmp_path / "cr.docx")
    tracker = StabilityTracker(W, backoff_base=1.0)
    tracker.note(path, 0.0)
    assert ready(tracker, 2.0) == ["cr.docx"]
    assert tracker.defer(path, 2.0, "accès refusé") == 1
    assert ready(tracker, 2.5) == []
    assert ready(tracker, 3.0) == ["cr.docx"]


# -- debouncing ---------------------------------------------------------------------------------


def test_outputs_wait_for_a_quiet_period():
    d = Debouncer(5.0, max_delay=60.0)
    assert not d.due(0.0)
    for t in (0.0, 1.0, 2.0, 3.0):
        d.touch(t)
    assert not d.due(7.9)
    assert d.due(8.0)
    d.done()
    assert not d.pending and not d.due(100.0)


def test_a_steady_trickle_still_gets_outputs_after_the_maximum_delay():
    d = Debouncer(5.0, max_delay=60.0)
    t = 0.0
    while t < 60.0:
        d.touch(t)
        assert not d.due(t)
        t += 4.0
    d.touch(t)
    assert d.due(t)


def test_outputs_that_failed_are_tried_again_later():
    d = Debouncer(5.0, max_delay=60.0)
    d.touch(0.0)
    d.postpone(5.0, 60.0)
    assert d.pending and not d.due(30.0)
    assert d.due(65.0)


def test_rebuild_outputs_calls_rebuild_workbooks(tmp_path, monkeypatch):
    calls = []
    module = types.ModuleType("pipeline.workbooks")
    module.rebuild_workbooks = lambda config: calls.append(config) or [Path("classeur.xlsx")]
    monkeypatch.setitem(sys.modules, "pipeline.workbooks", module)
    monkeypatch.setattr(pipeline, "workbooks", module, raising=False)
    config = make_config(tmp_path)
    assert rebuild_outputs(config) == [Path("classeur.xlsx")]
    assert calls == [config]


# -- the main loop's work, on a fake clock --------------------------------------------------------


class FakeProcessor:
    """take(): the file leaves the inbox (as a claim does) and is accepted; ``failures`` maps a name
    to the exceptions to raise first, before (``claimed=False``) or after the claim."""

    def __init__(self, failures: dict[str, list[Exception]] | None = None, claimed: bool = False):
        self.failures, self.claimed = failures or {}, claimed
        self.taken: list[str] = []
        self.recoveries = 0
        self.pending_recovery: list[HandledFile] = []

    def process_file_synced(self, path: Path) -> HandledFile | None:
        if not path.exists():
            return None
        queue = self.failures.get(path.name)
        if queue:
            if self.claimed:
                path.unlink()
                self.pending_recovery.append(HandledFile(path.name, Outcome.ACCEPTED, "ailleurs"))
            raise queue.pop(0)
        path.unlink()
        self.taken.append(path.name)
        return HandledFile(path.name, Outcome.REJECTED if "rejet" in path.name else Outcome.ACCEPTED,
                           "ailleurs")

    def recover(self) -> list[HandledFile]:
        self.recoveries += 1
        done, self.pending_recovery = self.pending_recovery, []
        return done


def make_watcher(tmp_path, processor=None, rebuilds=None, **settings):
    config = make_config(tmp_path)
    config.inbox.mkdir(parents=True, exist_ok=True)
    clock = Clock()
    rebuilds = rebuilds if rebuilds is not None else []
    watcher = Watcher(config, Watch(**{"stability_window": W, "rescan_interval": 60.0, **settings}),
                      processor or FakeProcessor(), clock=clock,
                      rebuild=lambda c: rebuilds.append(clock.now) or True)
    return watcher, clock


def run_for(watcher: Watcher, clock: Clock, seconds: float, tick: float = 0.5) -> None:
    end = clock.now + seconds
    while clock.now < end:
        watcher.step()
        clock.advance(tick)


def test_reports_in_subfolders_are_taken_and_a_pipe_is_reported_once(tmp_path, caplog):
    """GIVEN HR dragged a service folder into the inbox, next to a pipe WHEN the watcher scans
    several times THEN the reports inside are taken; the pipe is left alone and said once."""
    watcher, clock = make_watcher(tmp_path, rescan_interval=1.0)
    inbox = watcher.config.inbox
    (inbox / "Service cardiologie" / "2e étage").mkdir(parents=True)
    make_zip(inbox / "Service cardiologie" / "cr martin.docx", 100)
    make_zip(inbox / "Service cardiologie" / "2e étage" / "cr ndiaye.docx", 100)
    make_zip(inbox / "Service cardiologie" / "~$cr martin.docx", 100)
    os.mkfifo(inbox / "tube")
    watcher.start()
    with caplog.at_level(logging.WARNING, logger="entretiens"):
        run_for(watcher, clock, 6.0)
    assert sorted(watcher.processor.taken) == ["cr martin.docx", "cr ndiaye.docx"]
    assert [r.getMessage() for r in caplog.records].count(f"«\u202ftube\u202f» {SPECIAL_ENTRY}.") == 1


def test_files_present_at_start_are_taken_once_stable_and_ignored_ones_left_alone(tmp_path):
    watcher, clock = make_watcher(tmp_path)
    inbox = watcher.config.inbox
    for name in ("a.docx", "b.docx", "~$a.docx", "c.docx.part"):
        make_zip(inbox / name, 100)
    watcher.start()
    watcher.step()
    assert watcher.processor.taken == []  # not stable yet
    run_for(watcher, clock, 3.0)
    assert sorted(watcher.processor.taken) == ["a.docx", "b.docx"]
    assert sorted(os.listdir(inbox)) == ["c.docx.part", "~$a.docx"]
    assert watcher.processor.recoveries == 1


def test_a_file_noted_by_an_event_is_taken_after_the_window(tmp_path):
    watcher, clock = make_watcher(tmp_path)
    watcher.start()
    watcher.step()  # first scan: empty inbox
    path = make_zip(watcher.config.inbox / "nouveau.docx", 100)
    watcher.note_event(str(path))
    run_for(watcher, clock, 1.5)
    assert watcher.processor.taken == []
    run_for(watcher, clock, 1.5)
    assert watcher.processor.taken == ["nouveau.docx"]
    assert watcher.counters["acceptes"] == 1


def test_a_file_that_cannot_be_claimed_is_retried_and_reported_stuck_in_the_health_file(tmp_path):
    failures = {"verrou.docx": [PermissionError(13, "Permission denied")] * 3}
    watcher, clock = make_watcher(tmp_path, FakeProcessor(failures), max_retries=3)
    make_zip(watcher.config.inbox / "verrou.docx", 100)
    watcher.start()
    run_for(watcher, clock, 2.5)  # taken once: failure 1, retried 1 s later, then 2 s...
    run_for(watcher, clock, 4.0)
    health = json.loads(watcher.health_path.read_text(encoding="utf-8"))
    (stuck,) = health["fichiers_bloques"]
    assert stuck["fichier"] == "verrou.docx" and stuck["essais"] == 3
    assert stuck["motif"].startswith("accès refusé")
    assert (watcher.config.inbox / "verrou.docx").exists()  # never dropped
    run_for(watcher, clock, 10.0)
    assert watcher.processor.taken == ["verrou.docx"]
    watcher.write_health()
    assert json.loads(watcher.health_path.read_text(encoding="utf-8"))["fichiers_bloques"] == []


def test_a_file_that_failed_after_its_claim_is_finished_by_recovery(tmp_path):
    failures = {"cr.docx": [OSError(28, "No space left on device")]}
    watcher, clock = make_watcher(tmp_path, FakeProcessor(failures, claimed=True))
    make_zip(watcher.config.inbox / "cr.docx", 100)
    watcher.start()
    run_for(watcher, clock, 2.5)
    assert watcher.recovery_at is not None and watcher.counters["acceptes"] == 0
    run_for(watcher, clock, 2.0)
    assert watcher.recovery_at is None and watcher.counters["acceptes"] == 1
    assert watcher.processor.recoveries == 2


def test_the_workbooks_are_rebuilt_once_after_a_burst_then_at_stop_only_if_needed(tmp_path):
    rebuilds: list[float] = []
    watcher, clock = make_watcher(tmp_path, rebuilds=rebuilds, quiet_before_outputs=5.0)
    watcher.start()
    for n in range(30):
        make_zip(watcher.config.inbox / f"{n:02d}.docx", 100)
    run_for(watcher, clock, 5.0)
    assert len(watcher.processor.taken) == 30 and rebuilds == []
    run_for(watcher, clock, 5.0)
    assert len(rebuilds) == 1
    watcher.finish()
    assert len(rebuilds) == 1  # nothing new since
    make_zip(watcher.config.inbox / "dernier.docx", 100)
    watcher.next_scan = 0.0
    run_for(watcher, clock, 3.0)
    watcher.finish()  # SIGTERM within the quiet period: rebuilt before exiting
    assert len(rebuilds) == 2
    assert json.loads(watcher.health_path.read_text(encoding="utf-8"))["etat"] == "arrêté"


def test_a_failing_rebuild_never_stops_the_loop(tmp_path):
    watcher, clock = make_watcher(tmp_path, quiet_before_outputs=1.0)

    def broken(config):
        raise RuntimeError("classeur ouvert dans Excel")

    watcher.rebuild = broken
    make_zip(watcher.config.inbox / "a.docx", 100)
    watcher.start()
    run_for(watcher, clock, 5.0)
    assert watcher.outputs.pending and watcher.processor.taken == ["a.docx"]


def test_the_inbox_disappearing_and_coming_back_does_not_stop_the_watcher(tmp_path):
    watcher, clock = make_watcher(tmp_path, rescan_interval=1.0)
    inbox = watcher.config.inbox
    make_zip(inbox / "premier.docx", 100)
    watcher.start()
    run_for(watcher, clock, 3.0)
    inbox.rmdir()
    run_for(watcher, clock, 2.0)
    assert watcher.health()["dossier_entree_accessible"] is False
    inbox.mkdir()
    make_zip(inbox / "second.docx", 100)
    run_for(watcher, clock, 4.0)
    assert watcher.processor.taken == ["premier.docx", "second.docx"]
    assert watcher.health()["dossier_entree_accessible"] is True


def test_a_stop_during_a_burst_leaves_the_rest_in_the_inbox(tmp_path):
    watcher, clock = make_watcher(tmp_path)
    for n in range(10):
        make_zip(watcher.config.inbox / f"{n}.docx", 100)
    watcher.start()
    watcher.step()
    clock.advance(W)
    stop = threading.Event()
    watcher.on_outcome = lambda outcome: stop.set() if len(watcher.processor.taken) == 3 else None
    watcher.step(stop)
    assert len(watcher.processor.taken) == 3
    assert len(os.listdir(watcher.config.inbox)) == 7


def test_a_broken_outcome_callback_is_logged_not_raised(tmp_path):
    watcher, clock = make_watcher(tmp_path)
    watcher.on_outcome = lambda outcome: 1 / 0
    make_zip(watcher.config.inbox / "a.docx", 100)
    watcher.start()
    run_for(watcher, clock, 3.0)
    assert watcher.counters["acceptes"] == 1


def wait_seen(seen: list[str], path: Path) -> bool:
    for _ in range(60):
        if str(path) in seen:
            return True
        threading.Event().wait(0.05)
    return False


@pytest.mark.parametrize("polling", [False, True])
def test_the_observer_follows_an_inbox_that_went_away_and_came_back(tmp_path, polling):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    seen: list[str] = []
    observer = watch.InboxObserver(str(inbox), InboxEventHandler(seen.append),
                                   Watch().updated(polling=polling, poll_interval=0.1))
    try:
        assert observer.ensure() is True
        inbox.rename(tmp_path / "parti")  # share unmounted, folder moved away
        assert observer.ensure() is False
        inbox.mkdir()
        assert observer.ensure() is True
        assert wait_seen(seen, make_zip(inbox / "nouveau.docx", 100))
    finally:
        observer.stop()


def test_the_inotify_observer_is_restarted_when_the_inbox_is_replaced(tmp_path, caplog):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    seen: list[str] = []
    observer = watch.InboxObserver(str(inbox), InboxEventHandler(seen.append), Watch())
    caplog.set_level(logging.INFO, logger="entretiens")
    try:
        assert observer.ensure() is True
        inbox.rename(tmp_path / "ancien")  # the old watch follows the old folder...
        inbox.mkdir()
        assert observer.ensure() is True  # ...so a new one is set on the new folder
        assert f"Surveillance du dossier d'entrée {inbox} relancée." in caplog.text
        assert wait_seen(seen, make_zip(inbox / "nouveau.docx", 100))
    finally:
        observer.stop()


# -- lock, watch loop, status --------------------------------------------------------------------


def test_a_second_lock_is_refused_naming_the_holder_in_french(tmp_path):
    lock = acquire_lock(tmp_path)
    try:
        with pytest.raises(AlreadyRunning) as caught:
            acquire_lock(tmp_path)
        assert f"processus {os.getpid()}" in caught.value.message
        assert caught.value.message.startswith("La surveillance est déjà lancée pour cet espace de travail")
        assert "Un seul service à la fois : arrêtez-le d'abord" in caught.value.message
    finally:
        lock.release()
    acquire_lock(tmp_path).release()  # free again


def test_process_and_watch_never_hold_the_workspace_at_once(tmp_path):
    lock = acquire_lock(tmp_path, command="process")
    try:
        with pytest.raises(AlreadyRunning, match=r"Un traitement du dossier d'entrée \(entretiens traiter, processus"):
            acquire_lock(tmp_path)
        state = watcher_state(make_config(tmp_path, dossiers={"etat": str(tmp_path)}))
        assert (state.running, state.processing) == (False, os.getpid())
        assert state.lines()[1] == f"  Traitement en cours : entretiens traiter (processus {os.getpid()})."
    finally:
        lock.release()
    lock = acquire_lock(tmp_path)
    try:
        with pytest.raises(AlreadyRunning, match="Inutile de lancer «\u202fentretiens traiter\u202f»"):
            acquire_lock(tmp_path, command="process")
    finally:
        lock.release()


def test_status_tells_a_watcher_that_died_without_stopping(tmp_path):
    config = make_config(tmp_path)
    watcher = Watcher(config, Watch(), FakeProcessor())
    watcher.write_health()  # then SIGKILL: no "arrete_le"
    (line,) = watcher_state(config).lines()
    assert line.startswith("Surveillance du dossier d'entrée : arrêtée (interrompue sans arrêt propre ; "
                           "dernier signe de vie le ")


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path, caplog):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / watch.LOCK_NAME).write_text(json.dumps({"pid": dead.pid}), encoding="utf-8")
    caplog.set_level(logging.INFO, logger="entretiens")
    lock = acquire_lock(tmp_path)
    try:
        assert json.loads((tmp_path / watch.LOCK_NAME).read_text())["pid"] == os.getpid()
        assert f"processus {dead.pid} (arrêté) : repris" in caplog.text
    finally:
        lock.release()


def test_watcher_state_tells_whether_a_watcher_holds_the_lock(tmp_path):
    config = make_config(tmp_path)
    assert watcher_state(config).running is False
    lock = acquire_lock(config.state_dir)
    try:
        state = watcher_state(config)
        assert (state.running, state.pid) == (True, os.getpid())
        assert state.lines()[0].startswith(f"Surveillance du dossier d'entrée : en cours (processus {os.getpid()}")
        acquire_lock(tmp_path / "autre").release()  # the probe does not keep the lock
    finally:
        lock.release()
    state = watcher_state(config)
    assert state.running is False
    assert state.lines()[0].startswith("Surveillance du dossier d'entrée : arrêtée")


# -- run_service itself, in a thread --------------------------------------------------------------


def test_run_service_handles_a_dropped_file_refuses_a_second_instance_and_stops(tmp_path, caplog):
    """GIVEN the service running on a workspace WHEN a renamed PDF is dropped THEN it is rejected with
    its note; a second run_service on the same workspace returns 1; setting stop returns 0."""
    config = make_config(tmp_path)
    config.inbox.mkdir()
    settings = Watch(stability_window=0.2, rescan_interval=1.0, quiet_before_outputs=0.2)
    outcomes: list[Outcome] = []
    stop = threading.Event()
    caplog.set_level(logging.INFO, logger="entretiens")
    codes = []
    thread = threading.Thread(target=lambda: codes.append(
        run_service(config, settings=settings, stop=stop, on_outcome=outcomes.append)))
    thread.start()
    try:
        deadline = 200
        while not (config.state_dir / watch.HEALTH_NAME).exists() and deadline:
            threading.Event().wait(0.05)
            deadline -= 1
        (config.inbox / "scan.docx").write_bytes(b"%PDF-1.4 un scan\n")
        while not outcomes and deadline:
            threading.Event().wait(0.05)
            deadline -= 1
        assert [(o.received_name, o.outcome) for o in outcomes] == [("scan.docx", "unreadable")]
        assert run_service(config, settings=settings, stop=threading.Event()) == 1
        assert "La surveillance est déjà lancée" in caplog.text
    finally:
        stop.set()
        thread.join(30)
    assert codes == [0]
    assert (config.outbox / "rejets" / "scan - note de rejet.docx").exists()
    log_file = config.state_dir / watch.LOG_NAME
    assert "Surveillance démarrée" in log_file.read_text(encoding="utf-8")
    assert oct(log_file.stat().st_mode & 0o777) == "0o640"


def test_run_service_refuses_a_watch_loop(tmp_path, caplog):
    config = make_config(tmp_path, dossiers={"sortie": "inbox/sortie"})
    assert run_service(config, stop=threading.Event()) == 1
    assert "à l'intérieur du dossier d'entrée" in caplog.text


def test_watchdog_messages_are_said_in_french_and_an_overflow_asks_for_a_rescan(caplog):
    overflows = []
    handler = watch._WatchdogInFrench(lambda: overflows.append(1))
    caplog.set_level(logging.DEBUG, logger="entretiens")

    def record(level, message):
        return logging.LogRecord("watchdog.observers.inotify_c", level, __file__, 1, message, None, None)

    handler.handle(record(logging.WARNING, "Inotify queue overflowed; filesystem events were lost"))
    handler.handle(record(logging.ERROR, "InotifyEmitter.queue_events() called when the thread is inactive"))
    handler.handle(record(logging.WARNING, "Cannot take a snapshot of '/mnt/rh', will retry: [Errno 5]"))
    assert overflows == [1]
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith("Trop d'événements à la fois dans le dossier d'entrée")
    assert messages[1].startswith("Dossier d'entrée momentanément illisible")
    assert len(messages) == 2  # the shutdown message is dropped
