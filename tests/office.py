"""One persistent LibreOffice per test process, for the tests' conversions (``tests.lo.convert``,
the ``convert`` fixture): started at the first conversion, shut down at the end of the session.

A fresh ``soffice --convert-to`` costs about 3 s to start; this LibreOffice starts once, with a
private profile in a temporary folder, listens on a UNO pipe of its own and is driven by
tests/uno_convert.py run by a Python that has ``uno`` (Debian: ``/usr/bin/python3`` with
``python3-uno``), as the product's :class:`pipeline.pdfa.OfficeServer` does for PDF/A. It is
never left running: closed at the end of the session (tests/conftest.py) or when the process
exits; when the test process is killed, the worker's input closes and it shuts LibreOffice
down and removes the profile.

Without a Python that has ``uno``, :func:`office` is ``None`` and conversions fall back to one
``soffice --convert-to`` per call (tests/lo.py).
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from pipeline.pdfa import _end, _office_command, uno_python

WORKER = Path(__file__).with_name("uno_convert.py")
START_TIMEOUT_S = 90.0
CONVERT_TIMEOUT_S = 300.0  # one document (the old one-shot calls allowed 600 to 900 s for a batch)
# Not "entretiens-lo-": tests/test_archive.py looks for the product's LibreOffice by that prefix.
PROFILE_PREFIX = "entretiens-tests-office-"


class OfficeError(Exception):
    """LibreOffice could not start, or stopped answering."""


class TestOffice:
    """A persistent LibreOffice and its UNO worker. ``convert(source, outdir, target)`` does what
    ``soffice --convert-to TARGET --outdir OUTDIR SOURCE`` does; ``starts`` counts the LibreOffice
    processes started."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, soffice: str, python: str):
        self.soffice, self.python = soffice, python
        self._profile_dir = Path(tempfile.mkdtemp(prefix=PROFILE_PREFIX))
        self.office: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.stop()
        pipe = f"entretiens-tests-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.office = subprocess.Popen(
            _office_command(self.soffice, self._profile_dir / "profile",
                            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.starts += 1
        self.worker = subprocess.Popen(
            [self.python, str(WORKER), pipe, str(START_TIMEOUT_S), str(self._profile_dir)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, encoding="utf-8", bufsize=1)
        answer = self._answer(START_TIMEOUT_S)
        if not answer or not answer.get("ready"):
            self.stop()
            raise OfficeError(f"LibreOffice did not start: {(answer or {}).get('error', 'no answer')}")

    def alive(self) -> bool:
        return (self.office is not None and self.office.poll() is None
                and self.worker is not None and self.worker.poll() is None)

    def stop(self) -> None:
        worker, office = self.worker, self.office
        self.worker = self.office = None
        if worker is not None:
            try:
                worker.stdin.close()
            except OSError:
                pass
            _end(worker, grace=10.0)  # it shuts LibreOffice down when its input closes
            worker.stdout.close()
        if office is not None:
            _end(office, group=True, grace=10.0)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._profile_dir, ignore_errors=True)

    def convert(self, source: Path, outdir: Path, target: str) -> str | None:
        """``None`` when converted, else the reason (the document could not be loaded or
        stored). LibreOffice dead or hung is started again and the document tried once more."""
        request = json.dumps({"source": str(Path(source).resolve()), "outdir": str(Path(outdir).resolve()),
                              "target": target}) + "\n"
        for attempt in range(2):
            if not self.alive():
                self.start()
            try:
                self.worker.stdin.write(request)
                self.worker.stdin.flush()
            except OSError:
                answer = None
            else:
                answer = self._answer(CONVERT_TIMEOUT_S)
            if answer is not None and self.alive():
                return None if answer.get("ok") else answer.get("error", "failed")
            self.stop()  # dead or hung: started again for the next attempt
        raise OfficeError(f"LibreOffice stopped answering while converting {Path(source).name} to {target}")

    def _answer(self, timeout: float) -> dict | None:
        """The worker's next JSON line, or ``None`` after ``timeout`` or when it ended."""
        stream = self.worker.stdout
        ready, _, _ = select.select([stream], [], [], timeout)
        if not ready:
            return None
        line = stream.readline()
        if not line:
            return None
        try:
            return json.loads(line)
        except ValueError:
            return None


_OFFICE: TestOffice | None = None
_NO_UNO = object()


def office(soffice: str) -> TestOffice | None:
    """This process's LibreOffice (not started yet: it starts at its first document), or ``None``
    where no Python has ``uno``."""
    global _OFFICE
    if _OFFICE is None:
        python = uno_python()
        _OFFICE = _NO_UNO if python is None else TestOffice(soffice, python)
        if python is not None:
            atexit.register(close)
    return None if _OFFICE is _NO_UNO else _OFFICE


def close() -> None:
    """Shut this process's LibreOffice down (the end of the session); a later conversion starts
    another."""
    global _OFFICE
    if isinstance(_OFFICE, TestOffice):
        _OFFICE.close()
        _OFFICE = None
