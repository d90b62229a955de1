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
from pathlib import Path

from pipeline.pdfa import OfficeServer, uno_python

WORKER = Path(__file__).with_name("uno_convert.py")
CONVERT_TIMEOUT_S = 300.0  # one document (the old one-shot calls allowed 600 to 900 s for a batch)
# Not "entretiens-lo-": tests/test_archive.py looks for the product's LibreOffice by that prefix.
PROFILE_PREFIX = "entretiens-tests-office-"


class OfficeError(Exception):
    """LibreOffice stopped answering."""


class TestOffice(OfficeServer):
    """The product's persistent LibreOffice (:class:`pipeline.pdfa.OfficeServer`: its start, restart
    and shutdown) driving tests/uno_convert.py. ``convert(source, outdir, target)`` does what
    ``soffice --convert-to TARGET --outdir OUTDIR SOURCE`` does; ``starts`` counts the LibreOffice
    processes started."""

    __test__ = False  # not a test class, whatever its name
    worker_script = WORKER
    profile_prefix = PROFILE_PREFIX
    pipe_prefix = "entretiens-tests"

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
