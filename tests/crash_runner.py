"""One ``traiter`` pass that kills itself with SIGKILL at a chosen point.

    python tests/crash_runner.py CONFIG POINT [VICTIM]

With ``CRASH_DURABLE_JOURNAL=DIR`` in the environment, the journal's files are copied to DIR
each time a commit is synced to disk: what a power cut would leave of the journal.

POINT names a step of processing (see ``KILL_POINTS``); VICTIM is a fragment of
an inbox file name: the process dies while that file is being handled (the first
file that reaches POINT when it is omitted). Product code is not changed: the
step is wrapped here, from outside, in this process only; the kill itself is a
real ``kill -9``, so nothing gets a chance to clean up.

Exit status: killed by SIGKILL when the point was reached (-9 for the parent);
3 when the pass ended without reaching it (a broken scenario, not a pass).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

KILL_POINTS = {
    "claim": "after the atomic rename into the work area, before the journal knows the file",
    "journal_claim": "after the journal recorded the claim, before examining the file",
    "examine": "reading the file (preflight, read, validate): the run dies as an exhausted memory kills it",
    "journal_plan": "after the journal recorded outcome, destination and note",
    "history_link": "moving the previous version to the history: linked, source not yet removed",
    "link": "placing the file: linked (or copied) to its destination, its batch not yet synced nor done",
    "copy_partial": "copying across file systems: half of the bytes written under a temporary name",
    "copy_unrenamed": "copying across file systems: the copy complete and synced, not yet renamed to its name",
    "note_unrenamed": "writing a note: its temporary file complete, not yet renamed to its name",
    "note": "after the rejection or duplicate note was written, before the file is moved",
    "part_unrenamed": "splitting a batch scan: a report's PDF complete under its temporary name, not yet renamed",
    "part": "splitting a batch scan: the first report's PDF written, the others not yet",
    "finish": "at the sync point of the file's batch: linked, before the journal marks it done",
    "done": "at the sync point of the file's batch: marked done, its work name not yet removed",
}


def die() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str, victim: str) -> None:
    """Wrap the product function behind ``point`` so that it kills the process."""
    from pipeline import files, process
    from pipeline.journal import Journal
    from pipeline.naming import HISTORY

    def hit(name: str | None) -> bool:
        return victim in (name or "")

    if point == "claim":
        claim = process.Processor.claim

        def claim_then_die(self, inbox_path):
            target = claim(self, inbox_path)
            if target is not None and hit(inbox_path.name):
                die()
            return target

        process.Processor.claim = claim_then_die

    elif point == "journal_claim":
        journal_claim = Journal.claim

        def journal_claim_then_die(self, work_name, original_name, *args, **kwargs):
            row = journal_claim(self, work_name, original_name, *args, **kwargs)
            if hit(original_name):
                die()
            return row

        Journal.claim = journal_claim_then_die

    elif point == "examine":
        examine = process.examine

        def die_examining(path, *args, **kwargs):
            if hit(Path(path).name):
                die()
            return examine(path, *args, **kwargs)

        process.examine = die_examining

    elif point == "journal_plan":
        plan = Journal.plan

        def plan_then_die(self, file_id, **kwargs):
            plan(self, file_id, **kwargs)
            if hit(self.file(file_id).original_name):
                die()

        Journal.plan = plan_then_die

    elif point == "history_link":
        # The product's own move runs: it links, then syncs the target's folder, then
        # unlinks the source. Dying at that folder sync leaves both names on disk.
        move = process.move_no_clobber
        sync_folder = files.sync_folder
        armed = []

        def move_watched(source, target):
            # VICTIM names the replaced version (its clean name holds the matricule).
            if f"{os.sep}{HISTORY}{os.sep}" in str(target) and hit(Path(source).name):
                armed.append(Path(target).parent)
            return move(source, target)

        def sync_folder_then_die(folder):
            sync_folder(folder)
            if armed and Path(folder) == armed[0]:
                die()

        process.move_no_clobber = move_watched
        files.sync_folder = sync_folder_then_die

    elif point == "link":
        # The arriving file is linked to its destination; its folder is synced and its
        # work name removed later, at the batch's sync point.
        link = process.link_no_clobber

        def link_then_die(source, target):
            link(source, target)
            if hit(Path(source).name):  # the work name holds the original name
                die()

        process.link_no_clobber = link_then_die

    elif point in ("copy_partial", "copy_unrenamed"):
        # Moves across file systems are copies: files.private_copy (a temporary file of ours,
        # synced), then files.rename_no_clobber to the final name. VICTIM names the work file.
        copy_data, private_copy, rename = files._copy_data, files.private_copy, files.rename_no_clobber
        victim_copy = []

        def private_copy_watched(source, folder):
            victim_copy.append(hit(Path(source).name))
            try:
                return private_copy(source, folder)
            finally:
                victim_copy.pop()

        def copy_half_then_die(src, dst):
            if victim_copy and victim_copy[-1]:
                os.write(dst, os.pread(src, os.fstat(src).st_size // 2, 0))
                die()
            return copy_data(src, dst)

        def die_before_rename(source, target):
            if armed:
                die()
            return rename(source, target)

        armed = []

        def private_copy_then_arm(source, folder):
            tmp = private_copy_watched(source, folder)
            if hit(Path(source).name):
                armed.append(tmp)
            return tmp

        if point == "copy_partial":
            files.private_copy, files._copy_data = private_copy_watched, copy_half_then_die
        else:
            files.private_copy, files.rename_no_clobber = private_copy_then_arm, die_before_rename

    elif point == "note_unrenamed":
        # Notes are written through files.replace_atomically (temporary file, then rename):
        # die once the temporary file is complete.
        from pipeline import notes, render

        for module in (render, notes):
            replace_atomically = module.replace_atomically

            def replace_atomically_then_die(target, write, _replace_atomically=replace_atomically):
                def write_then_die(tmp):
                    write(tmp)
                    if hit(Path(target).name):
                        die()
                return _replace_atomically(target, write_then_die)

            module.replace_atomically = replace_atomically_then_die

    elif point == "note":
        for name in ("write_rejection_note", "write_duplicate_note"):
            write = getattr(process, name)

            def write_then_die(row, *args, _write=write, **kwargs):
                written = _write(row, *args, **kwargs)
                if hit(row.original_name):
                    die()
                return written

            setattr(process, name, write_then_die)

    elif point in ("part", "part_unrenamed"):
        # A batch scan is placed, then each report's pages are written to a PDF of their own.
        write_pages = process.write_pages

        def write_pages_then_die(source, pages, write):
            if not hit(Path(source).name):
                return write_pages(source, pages, write)
            if point == "part_unrenamed":
                return write_pages(source, pages, lambda save: write(lambda tmp: (save(tmp), die())))
            write_pages(source, pages, write)
            die()

        process.write_pages = write_pages_then_die

    elif point == "finish":
        finish_all = Journal.finish_all

        def die_then_finish(self, placed, *args, **kwargs):
            if any(hit(row.original_name) for row, _ in placed):
                die()
            finish_all(self, placed, *args, **kwargs)

        Journal.finish_all = die_then_finish

    elif point == "done":
        finish_all = Journal.finish_all

        def finish_then_die(self, placed, *args, **kwargs):
            finish_all(self, placed, *args, **kwargs)
            if any(hit(row.original_name) for row, _ in placed):
                die()

        Journal.finish_all = finish_then_die

    else:
        raise SystemExit(f"unknown kill point {point!r}; known: {', '.join(KILL_POINTS)}")


def keep_durable_journal(folder: Path) -> None:
    """Copy the journal's files to ``folder`` after each commit synced to disk."""
    import shutil

    from pipeline.journal import Journal

    def snapshot(journal) -> None:
        for part in journal.path.parent.glob(journal.path.name + "*"):
            shutil.copyfile(part, folder / part.name)

    finish_all, plan = Journal.finish_all, Journal.plan

    def finish_all_kept(self, *args, **kwargs):
        finish_all(self, *args, **kwargs)
        snapshot(self)

    def plan_kept(self, *args, **kwargs):
        plan(self, *args, **kwargs)
        if kwargs.get("durable"):
            snapshot(self)

    Journal.finish_all, Journal.plan = finish_all_kept, plan_kept


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    config_path, point = Path(argv[1]), argv[2]
    victim = argv[3] if len(argv) == 4 else ""
    from pipeline.config import load_config
    from pipeline.process import process_inbox

    if os.environ.get("CRASH_DURABLE_JOURNAL"):
        keep_durable_journal(Path(os.environ["CRASH_DURABLE_JOURNAL"]))
    arm(point, victim)
    process_inbox(load_config(config_path))
    print(f"kill point {point!r} for {victim!r} was never reached", file=sys.stderr)
    return 3


# -- many runs from one process (the crash matrix) --------------------------------------------------------


def serve() -> int:
    """``python tests/crash_runner.py --serve``: import the product once, then answer each request line
    (JSON) of standard input with one JSON line, ``{"returncode": N, "stdout": ..., "stderr": ...}``
    (N < 0: killed by signal -N). Each request runs in a process of its own, forked from this one: what a
    run patches, and how it dies, never reaches the next, and none pays Python's start and the imports.

        {"argv": [CONFIG, POINT, VICTIM], "env": {...}}   this script's main(): a pass killed at POINT
        {"command": [ARG, ...], "cwd": DIR}               the command, as ``python -m pipeline ARG...``
    """
    import importlib
    import json
    import pkgutil

    import pipeline

    for module in pkgutil.walk_packages(pipeline.__path__, "pipeline."):
        if module.name.rpartition(".")[2] not in ("__main__", "uno_worker"):  # uno_worker: LibreOffice's Python
            importlib.import_module(module.name)
    from pipeline.dashboard.summary import SummaryUnavailable, _weasyprint

    try:  # imported when a pass first writes the summary: every forked pass would pay it (0.6 s)
        _weasyprint()
    except SummaryUnavailable:
        pass
    for line in sys.stdin:
        sys.stdout.write(json.dumps(_forked(json.loads(line))) + "\n")
        sys.stdout.flush()
    return 0


def _forked(request: dict) -> dict:
    import atexit
    import tempfile
    import traceback

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the run: its own output files, nothing to read, exits as python does
            code = 1
            try:
                os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                os.environ.update(request.get("env", {}))
                os.chdir(request.get("cwd", "."))
                if "argv" in request:
                    code = main([__file__, *request["argv"]])
                else:
                    from pipeline.cli import main as command

                    sys.argv = ["python -m pipeline", *request["command"]]
                    code = command(request["command"])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
                if not isinstance(exc.code, int) and exc.code is not None:
                    print(exc.code, file=sys.stderr)
            except BaseException:
                traceback.print_exc()
            finally:
                try:
                    atexit._run_exitfuncs()
                    sys.stdout.flush()
                    sys.stderr.flush()
                finally:
                    os._exit(code)
        _, status = os.waitpid(pid, 0)
        output = {}
        for name, handle in (("stdout", out), ("stderr", err)):
            handle.seek(0)
            output[name] = handle.read().decode("utf-8", errors="replace")
    return {"returncode": os.waitstatus_to_exitcode(status), **output}


class Runner:
    """Client of :func:`serve` (a context manager): ``crash(config, point, victim)`` is
    ``python tests/crash_runner.py CONFIG POINT VICTIM`` and ``command(*args, cwd=)`` is
    ``python -m pipeline ARGS`` run in ``cwd``; each returns a ``subprocess.CompletedProcess``."""

    def __init__(self, env: dict[str, str], timeout: float = 120.0):
        import subprocess
        import tempfile

        self.timeout = timeout
        self.errors = tempfile.TemporaryFile()
        self.server = subprocess.Popen([sys.executable, __file__, "--serve"], env=env, stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=self.errors, text=True, encoding="utf-8",
                                       start_new_session=True)

    def crash(self, config: Path, point: str, victim: str = "", *, durable: Path | None = None):
        env = {"CRASH_DURABLE_JOURNAL": str(durable)} if durable else {}
        return self._ask({"argv": [str(config), point, victim], "env": env, "cwd": str(Path(config).parent)},
                         ["crash_runner.py", str(config), point, victim])

    def command(self, *args: str, cwd: Path):
        return self._ask({"command": list(args), "cwd": str(cwd)}, ["python", "-m", "pipeline", *args])

    def _ask(self, request: dict, args: list[str]):
        import json
        import select
        import subprocess

        self.server.stdin.write(json.dumps(request) + "\n")
        self.server.stdin.flush()
        if not select.select([self.server.stdout], [], [], self.timeout)[0]:
            self.close()
            raise subprocess.TimeoutExpired(args, self.timeout)
        line = self.server.stdout.readline()
        if not line:
            self.errors.seek(0)
            raise RuntimeError(f"crash_runner --serve ended: {self.errors.read().decode(errors='replace')}")
        answer = json.loads(line)
        return subprocess.CompletedProcess(args, answer["returncode"], answer["stdout"], answer["stderr"])

    def close(self) -> None:
        if self.server.poll() is None:
            self.server.stdin.close()
            try:
                self.server.wait(10)
            except Exception:
                os.killpg(self.server.pid, signal.SIGKILL)  # the server and a run it forked
                self.server.wait()
        self.server.stdout.close()
        self.errors.close()

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


if __name__ == "__main__":
    sys.exit(serve() if sys.argv[1:] == ["--serve"] else main(sys.argv))
