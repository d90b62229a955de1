"""Helpers shared by the reading tests (test_read, test_check, test_filling).

- a generated workspace: reports made by the project's own template, through
  ``pipeline.generate.generate``, from a roster CSV written here;
- LibreOffice conversions, through the test process's one persistent LibreOffice
  (tests/office.py), or one ``soffice`` call for every file given to it, with a private
  profile, where no Python has ``uno``;
- files that people send instead of a report, each built for real.

Builders are plain functions; the test modules wrap them in session fixtures.
``workspace`` is cached per process so that modules share one generation.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
import openpyxl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from pipeline.catalogue import Catalogue
from pipeline.config import Config
from pipeline.generate import generate

REPO = Path(__file__).resolve().parents[1]
# The repository's parent holds shared/ (in CI, a copy sits beside the clone).
REAL_WORLD = REPO.parent / "shared" / "testdata" / "real-world"
TODAY = dt.date(2026, 11, 2)
REVIEW = dt.date(2026, 12, 14)


# -- a generated workspace -------------------------------------------------------------

ROSTER_HEADER = ["matricule", "nom", "prénom", "grade", "service", "poste", "évaluateur",
                 "date de convocation", "date d'entretien", "encadrant"]
AGENTS = [
    ["100231", "N'Diaye", "Moussa", "Aide-soignant", "Cardiologie", "Aide-soignant de nuit",
     "Sophie Durand", "02/12/2026", "14/12/2026", "non"],
    ["100232", "L’Hôte", "Zoé", "Adjoint administratif", "R&D <labo>", "Chargée d’accueil",
     "Marc L’Écuyer", "02/12/2026", "15/12/2026", "oui"],
    ["100233", "Öztürk", "Çağla", "Technicienne", "Ressources humaines", "Gestionnaire paie",
     "Sophie Durand", "02/12/2026", "16/12/2026", "non"],
]


@dataclass
class Workspace:
    base: Path
    config: Config
    reports: dict[str, Path]  # agent number -> generated (pre-filled, not yet filled) report

    @property
    def catalogue(self) -> Catalogue:
        return self.config.catalogue


def write_roster(path: Path, rows: list[list[str]] = AGENTS) -> Path:
    """A roster as HR exports it from Excel: ';'-separated UTF-8 with BOM."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        out.writerow(ROSTER_HEADER)
        out.writerows(rows)
    return path


_WORKSPACES: dict[str, Workspace] = {}


def workspace(tmp_path_factory) -> Workspace:
    """Generated once per test process: templates built from the catalogue, one
    pre-filled report per agent of ``AGENTS``."""
    if "default" not in _WORKSPACES:
        base = tmp_path_factory.mktemp("workspace")
        roster = write_roster(base / "agents.csv")
        config = Config.model_validate({
            "dossiers": {"entree": "inbox", "sortie": "outbox", "modeles": "templates",
                         "etat": ".entretiens"},
            "base_dir": base,
        })
        result = generate(config, roster, today=TODAY)
        assert not result.problems, result.problems
        reports = {}
        for path in result.reports:
            (number,) = [row[0] for row in AGENTS if f"_{row[0]}_" in path.name]
            reports[number] = path
        _WORKSPACES["default"] = Workspace(base, config, reports)
    return _WORKSPACES["default"]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m pipeline ARGS`` run in ``cwd``, as a user runs it (``./config.yaml``
    when ``cwd`` holds one, else the embedded defaults)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


# -- LibreOffice -----------------------------------------------------------------------

def soffice() -> str:
    """The soffice executable; skips the test when LibreOffice is missing, except in CI."""
    path = shutil.which("soffice")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) est introuvable alors que CI est défini : "
                        "libreoffice-writer-nogui doit être installé.")
        pytest.skip("LibreOffice (soffice) n'est pas installé")
    return path


def convert_all(files: list[Path], target: str, outdir: Path, profile: Path, *, timeout: float = 600) -> None:
    """``soffice --convert-to TARGET --outdir OUTDIR FILES``: through this process's persistent
    LibreOffice (tests/office.py), else one soffice call with the private ``profile``. Fails when
    a file cannot be converted (not loaded, or not stored)."""
    from tests.office import office

    outdir.mkdir(parents=True, exist_ok=True)
    server = office(soffice())
    if server is not None:
        errors = {f.name: error for f in files if (error := server.convert(f, outdir, target))}
        assert not errors, (target, errors)
        return
    command = [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
               "--norestore", "--convert-to", target, "--outdir", str(outdir), *map(str, files)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (done.returncode, done.stderr)


def convert(files: list[Path], target: str, outdir: Path, profile: Path) -> list[Path]:
    """Convert every file (one LibreOffice for the whole test process, or one soffice call for
    all of them); returns the converted files in the order of ``files``."""
    convert_all(files, target, outdir, profile)
    ext = target.split(":")[0]
    converted = [outdir / f"{f.stem}.{ext}" for f in files]
    missing = [p.name for p in converted if not p.exists()]
    assert not missing, (target, missing)
    return converted


def round_trips(files: list[Path], workdir: Path) -> dict[str, dict[Path, Path]]:
    """Each file saved again by LibreOffice, two ways: ``"docx"`` (.docx -> .docx) and
    ``"odt"`` (.docx -> .odt -> .docx); ``"opendocument"`` holds the .odt files between.
    Three conversions of every file in all."""
    profile = workdir / "profile"
    direct = convert(files, "docx", workdir / "docx", profile)
    odt = convert(files, "odt", workdir / "odt", profile)
    back = convert(odt, "docx", workdir / "odt-docx", profile)
    return {"docx": dict(zip(files, direct)), "odt": dict(zip(files, back)),
            "opendocument": dict(zip(files, odt))}


# -- files that are not readable reports ---------------------------------------------

def parts_of(path_or_bytes: Path | bytes) -> dict[str, bytes]:
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def write_zip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


def rewrite_parts(source: Path, destination: Path, *, parts: dict[str, bytes | None]) -> Path:
    """A copy of a .docx with some parts replaced (``{name: bytes}``) or removed
    (``{name: None}``)."""
    changed = parts
    parts = parts_of(source)
    for name, content in changed.items():
        if content is None:
            parts.pop(name, None)
        else:
            parts[name] = content
    return write_zip(destination, parts)


def patch_declared_size(data: bytes, name: str, size: int) -> bytes:
    """Make the central directory lie about one member's uncompressed size."""
    data = bytearray(data)
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46:pos + 46 + name_len] == name.encode():
            struct.pack_into("<I", data, pos + 24, size)
            return bytes(data)
        pos = data.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(f"{name} not in the central directory")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:tbl><w:tr><w:tc><w:p><w:r><w:t>Matricule</w:t></w:r></w:p></w:tc>
<w:tc><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>"""

WORD_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_MACRO = b"application/vnd.ms-word.document.macroEnabled.main+xml"


def zip_bomb(path: Path, megabytes: int = 30) -> Path:
    """A .docx-looking zip with one part of ``megabytes`` MB of zeros, written in
    1 MB chunks (memory stays low); it compresses about 1000 to 1."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/content-types"><Default Extension="xml" ContentType="' + WORD_MAIN
            + b'"/></Types>'))
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b"0" * (1024 * 1024)
            for _ in range(megabytes):
                part.write(chunk)
    return path


def bad_inputs(folder: Path, ws: Workspace) -> dict[str, tuple[Path | None, str]]:
    """Every kind of file that is not a readable report: name -> (file, expected
    error code). The file is ``None`` when the real-world test data is missing."""
    folder.mkdir(parents=True, exist_ok=True)
    report = ws.reports["100231"]
    out: dict[str, tuple[Path | None, str]] = {}

    def put(name: str, data: bytes) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    out["vide"] = (put("vide.docx", b""), "fichier_vide")
    out["pdf_renomme"] = (put("scan.docx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n"
                                          b"endobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"), "pas_un_docx")
    real = {
        "doc_ancien": ("Specification_web_services_gestion_EAE.doc", "format_doc"),
        "docx_nomme_doc": ("EAE_Agent.doc", "pas_un_compte_rendu"),
        "cahier_des_charges": ("CDC_Processus_de_traitement_EAE_0.1.docx", "pas_un_compte_rendu"),
    }
    for key, (name, code) in real.items():
        source = REAL_WORLD / name
        copy = Path(shutil.copy(source, folder / name)) if source.exists() else None
        out[key] = (copy, code)

    book = openpyxl.Workbook()
    book.active.append(["Matricule", "Nom"])
    book.save(folder / "classeur.docx")
    out["xlsx_renomme"] = (folder / "classeur.docx", "pas_un_document_word")

    types = parts_of(report)["[Content_Types].xml"]
    assert WORD_MAIN in types
    out["docm"] = (rewrite_parts(report, folder / "macros.docx",
                                 parts={"[Content_Types].xml": types.replace(WORD_MAIN, WORD_MACRO)}),
                   "format_docm")
    data = report.read_bytes()
    out["zip_tronque"] = (put("tronque.docx", data[: len(data) // 2]), "fichier_tronque")
    out["sans_document"] = (rewrite_parts(report, folder / "sans_document.docx",
                                          parts={"word/document.xml": None}), "pas_un_document_word")
    out["zip_ordinaire"] = (write_zip(folder / "archive.docx", {"lisezmoi.txt": b"bonjour"}), "pas_un_docx")
    out["bombe"] = (zip_bomb(folder / "bombe.docx"), "fichier_trop_volumineux")
    out["taille_annoncee"] = (put("annonce_300_mo.docx", patch_declared_size(
        data, "word/document.xml", 300 * 1024 * 1024)), "fichier_trop_volumineux")
    out["billion_laughs"] = (rewrite_parts(report, folder / "entites.docx",
                                           parts={"word/document.xml": BILLION_LAUGHS}), "xml_invalide")
    out["entite_externe"] = (rewrite_parts(report, folder / "externe.docx",
                                           parts={"word/document.xml": EXTERNAL_ENTITY}), "xml_invalide")
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("secret", encrypted)
    out["mot_de_passe"] = (put("protege.docx", encrypted.getvalue()), "protege_par_mot_de_passe")

    letter = docx.Document()
    letter.add_heading("Note de service", level=1)
    letter.add_paragraph("Les comptes rendus sont à rendre avant le 28 février.")
    letter.add_paragraph("Merci de votre attention.")
    letter.save(folder / "note.docx")
    out["pas_un_compte_rendu"] = (folder / "note.docx", "pas_un_compte_rendu")

    out["autre_version"] = (other_version(report, folder / "ancien_formulaire.docx"), "version_formulaire")
    return out


OTHER_VERSION = "CR-0000000000"


def other_version(report: Path, destination: Path, version: str = OTHER_VERSION) -> Path:
    """A report from another template version: core property and footer both say so."""
    parts = parts_of(report)
    core = parts["docProps/core.xml"].decode("utf-8")
    current = re.search(r"<cp:version>(CR-[0-9a-f]+)</cp:version>", core).group(1)
    changes = {"docProps/core.xml": core.replace(current, version).encode("utf-8")}
    for name, content in parts.items():
        if name.startswith("word/footer") and current.encode() in content:
            changes[name] = content.replace(current.encode(), version.encode())
    assert len(changes) >= 2, "the footer should name the template version"
    return rewrite_parts(report, destination, parts=changes)
