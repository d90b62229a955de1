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


if __name__ == "__main__":
    sys.exit(main(sys.argv))
