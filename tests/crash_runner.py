"""One ``process`` pass that kills itself with SIGKILL at a chosen point.

    python tests/crash_runner.py CONFIG POINT [VICTIM]

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
    "journal_plan": "after the journal recorded outcome, destination and note",
    "history_link": "moving the previous version to the history: linked, source not yet removed",
    "link": "placing the file: linked to its destination, its batch not yet synced nor done",
    "note_unrenamed": "writing a note: its temporary file complete, not yet renamed to its name",
    "note": "after the rejection or duplicate note was written, before the file is moved",
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


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    config_path, point = Path(argv[1]), argv[2]
    victim = argv[3] if len(argv) == 4 else ""
    from pipeline.config import load_config
    from pipeline.process import process_inbox

    arm(point, victim)
    process_inbox(load_config(config_path))
    print(f"kill point {point!r} for {victim!r} was never reached", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv))
