"""PDF/A-2b renderings of reports, through LibreOffice, and their check.

- :class:`OfficeServer`: one LibreOffice for a whole run, started by the product with a
  private profile, listening on a UNO pipe of its own and driven by ``uno_worker.py`` run by
  a Python that has LibreOffice's ``uno`` module (Debian: ``/usr/bin/python3`` with
  ``python3-uno``; the product's virtual environment cannot import ``uno``). Restarted when
  it dies (killed, crashed, hung past a timeout), the document then tried again.
- :class:`BatchConverter`: the fallback without ``uno``: ``soffice --convert-to`` for a list
  of files at once.
- :func:`open_renderer`: the best one this machine has, or ``None`` without LibreOffice.
- :func:`check_pdfa`: what a PDF says it is (XMP ``pdfaid:part`` 2, ``conformance`` B) and
  whether every font is embedded, with pikepdf.
"""

from __future__ import annotations

import json
import logging
import os
import select
import shutil
import signal
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("entretiens")

WORKER = Path(__file__).with_name("uno_worker.py")
# writer_pdf_Export's options for PDF/A-2b, as ``soffice --convert-to`` takes them (LibreOffice >= 7.4).
PDFA_FILTER = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
# Pythons that may have LibreOffice's uno module: Debian's (python3-uno), LibreOffice's own build's.
UNO_PYTHONS = ("/usr/bin/python3", "/usr/lib/libreoffice/program/python", "/opt/libreoffice/program/python")
START_TIMEOUT_S = 90.0
CONVERT_TIMEOUT_S = 120.0
ATTEMPTS = 3  # a document is tried again after a restart, at most this many times in all


class RenderError(Exception):
    """A document could not be rendered (French message)."""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def uno_python() -> str | None:
    """The first Python of :data:`UNO_PYTHONS` (or ``$ENTRETIENS_UNO_PYTHON``) that imports ``uno``."""
    candidates = [os.environ.get("ENTRETIENS_UNO_PYTHON"), *UNO_PYTHONS]
    for candidate in filter(None, candidates):
        if os.access(candidate, os.X_OK):
            try:
                done = subprocess.run([candidate, "-c", "import uno"], capture_output=True, timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                continue
            if done.returncode == 0:
                return candidate
    return None


def _office_command(soffice: str, profile: Path, *extra: str) -> list[str]:
    return [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible", "--nologo",
            "--norestore", "--nodefault", "--nolockcheck", *extra]


class OfficeServer:
    """One persistent LibreOffice and its UNO worker; a context manager.

    ``render(source, target)`` writes ``target`` (the caller's temporary name). ``starts``
    counts the LibreOffice processes started (1 in a run where none died)."""

    kind = "persistant"
    worker_script = WORKER  # the UNO worker it drives (one JSON request a line)
    profile_prefix = "entretiens-lo-"  # its private profile's folder in the temporary folder
    pipe_prefix = "entretiens"

    def __init__(self, soffice: str, python: str):
        self.soffice, self.python = soffice, python
        self._profile_dir = Path(tempfile.mkdtemp(prefix=self.profile_prefix))
        self.office: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.starts = 0

    # -- life ------------------------------------------------------------------------

    def start(self) -> None:
        self.stop()
        pipe = f"{self.pipe_prefix}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.office = subprocess.Popen(
            _office_command(self.soffice, self._profile_dir / "profil",
                            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.starts += 1
        self.worker = subprocess.Popen(
            [self.python, str(self.worker_script), pipe, str(START_TIMEOUT_S), str(self._profile_dir)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8",
            bufsize=1)
        answer = self._answer(START_TIMEOUT_S)
        if not answer or not answer.get("ready"):
            detail = (answer or {}).get("error", "pas de réponse")
            self.stop()
            raise RenderError(f"LibreOffice n'a pas démarré ({detail}).")
        log.debug("LibreOffice démarré (pid %s, %s)", self.office.pid, pipe)

    def alive(self) -> bool:
        return (self.office is not None and self.office.poll() is None
                and self.worker is not None and self.worker.poll() is None)

    @property
    def office_pid(self) -> int | None:
        return self.office.pid if self.office else None

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

    def __enter__(self) -> "OfficeServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- work ------------------------------------------------------------------------

    def render(self, source: Path, target: Path) -> None:
        error = "LibreOffice ne répond pas"
        for attempt in range(ATTEMPTS):
            if not self.alive():
                if attempt or self.office is not None:
                    log.warning("LibreOffice s'est arrêté : il est relancé (%s).", Path(source).name)
                self.start()
            request = {"source": str(Path(source).resolve()), "target": str(Path(target).resolve())}
            try:
                self.worker.stdin.write(json.dumps(request) + "\n")
                self.worker.stdin.flush()
            except OSError:
                answer = None
            else:
                answer = self._answer(CONVERT_TIMEOUT_S)
            if answer and answer.get("ok") and Path(target).exists() and Path(target).stat().st_size:
                return
            error = (answer or {}).get("error", "LibreOffice ne répond plus")
            if answer and not answer.get("lost") and self.alive():
                break  # LibreOffice is fine, the document is not: trying again would not help
            self.stop()  # dead or hung: started again for the next attempt
        raise RenderError(f"conversion en PDF/A impossible ({error}).")

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


def _end(process: subprocess.Popen, *, group: bool = False, grace: float = 0.0) -> None:
    """End a process we started (and, with ``group``, the processes it started: oosplash starts
    soffice.bin), after ``grace`` seconds to exit by itself; SIGTERM, then SIGKILL."""
    for sig, wait in ((None, grace), (signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
        if sig is not None and process.poll() is None:
            try:
                os.killpg(process.pid, sig) if group else process.send_signal(sig)
            except OSError:
                pass
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    if group:  # a soffice.bin left in the group after oosplash exited
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            pass


class BatchConverter:
    """Without ``uno``: one ``soffice --convert-to`` per document (slow, about 2 s each)."""

    kind = "par fichier"

    def __init__(self, soffice: str):
        self.soffice = soffice
        self._profile_dir = Path(tempfile.mkdtemp(prefix="entretiens-lo-"))
        self.starts = 0

    def render(self, source: Path, target: Path) -> None:
        out = Path(tempfile.mkdtemp(dir=self._profile_dir))
        self.starts += 1
        try:
            done = subprocess.run(
                _office_command(self.soffice, self._profile_dir / "profil", "--convert-to", PDFA_FILTER,
                                "--outdir", str(out), str(source)),
                capture_output=True, text=True, timeout=CONVERT_TIMEOUT_S)
            made = out / (Path(source).stem + ".pdf")
            if done.returncode != 0 or not made.exists():
                raise RenderError(f"conversion en PDF/A impossible (code {done.returncode}).")
            shutil.move(made, target)
        except subprocess.TimeoutExpired:
            raise RenderError("conversion en PDF/A impossible (LibreOffice ne répond pas).") from None
        finally:
            shutil.rmtree(out, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self._profile_dir, ignore_errors=True)

    def __enter__(self) -> "BatchConverter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_renderer() -> OfficeServer | BatchConverter | None:
    """A persistent LibreOffice when a Python with ``uno`` is there, else one process per file,
    else ``None`` (no LibreOffice: no PDF/A). Not started yet: it starts at its first document."""
    soffice = soffice_path()
    if soffice is None:
        return None
    python = uno_python()
    if python is None:
        log.warning("Le module Python «\u202funo\u202f» de LibreOffice est introuvable (paquet python3-uno) : "
                    "chaque PDF/A est produit par un LibreOffice lancé pour lui, plus lentement.")
        return BatchConverter(soffice)
    return OfficeServer(soffice, python)


# -- the check ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PdfaCheck:
    part: str | None  # pdfaid:part of the XMP metadata
    conformance: str | None
    fonts_not_embedded: tuple[str, ...]
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.part == "2" and (self.conformance or "").upper() == "B" \
            and not self.fonts_not_embedded

    def describe(self) -> str:
        """French, for index.csv: « conforme (PDF/A-2b, polices incorporées) » or what is wrong."""
        if self.ok:
            return "conforme (PDF/A-2b, polices incorporées)"
        if self.error:
            return f"illisible ({self.error})"
        problems = []
        if self.part != "2" or (self.conformance or "").upper() != "B":
            problems.append(f"identifié PDF/A-{self.part or '?'}{(self.conformance or '?').lower()} au lieu de PDF/A-2b")
        if self.fonts_not_embedded:
            problems.append("polices non incorporées : " + ", ".join(self.fonts_not_embedded))
        return "non conforme (" + " ; ".join(problems) + ")"


def check_pdfa(path: Path) -> PdfaCheck:
    """PDF/A identification in the XMP metadata and embedded fonts, read with pikepdf."""
    import pikepdf

    logging.getLogger("pikepdf").setLevel(logging.WARNING)  # its bridge announces itself at INFO
    try:
        with pikepdf.open(path) as pdf:
            meta = pdf.open_metadata()
            part = meta.get("pdfaid:part")
            conformance = meta.get("pdfaid:conformance")
            missing = sorted({name for page in pdf.pages for name in _fonts_not_embedded(page)})
    except (pikepdf.PdfError, OSError) as exc:
        return PdfaCheck(None, None, (), error=type(exc).__name__)
    return PdfaCheck(str(part) if part is not None else None, str(conformance) if conformance else None,
                     tuple(missing))


def _fonts_not_embedded(page) -> list[str]:
    import pikepdf

    missing = []
    fonts = page.obj.get("/Resources", {}).get("/Font", {})
    for font in fonts.values() if isinstance(fonts, pikepdf.Dictionary) else ():
        if font.get("/Subtype") == "/Type3":
            continue  # drawn by the PDF itself
        described = font
        if font.get("/Subtype") == "/Type0":
            described = font["/DescendantFonts"][0]
        descriptor = described.get("/FontDescriptor")
        if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            missing.append(str(font.get("/BaseFont", "?")).lstrip("/"))
    return missing
