"""pipeline.preflight: every bad kind of received file is built for real (zipfile,
bytes, python-docx, openpyxl, msoffcrypto) or taken from shared/testdata; no mocks."""

from __future__ import annotations

import io
import os
import random
import socket
import struct
import warnings
import zipfile
from pathlib import Path

import docx
from msoffcrypto.format.ooxml import OOXMLFile
import openpyxl
import pytest

from tests.lo import patch_declared_size

from pipeline import outcomes as errors
from pipeline.preflight import DocxPackage, OdtPackage, PackageLimits, looks_complete, open_document, open_package

# In CI the repository is cloned elsewhere with a copy of shared/ beside the clone.
REAL_WORLD = Path(__file__).resolve().parent.parent.parent / "shared" / "testdata" / "real-world"
needs_real_world = pytest.mark.skipif(not REAL_WORLD.is_dir(), reason=f"{REAL_WORLD} is missing (shared/ "
                                      "is expected beside the repository clone)")

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
TYPES = "[Content_Types].xml"


# --- builders --------------------------------------------------------------------


REAL_CASES = Path(__file__).resolve().parents[2] / "shared" / "cases" / "content"


def docx_bytes() -> bytes:
    out = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Compte rendu d'entretien professionnel")
    document.save(out)
    return out.getvalue()


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zip_bytes(parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def docx_with(*, replace: dict[str, bytes] | None = None, drop: tuple[str, ...] = (),
              compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    parts = {name: content for name, content in parts_of(docx_bytes()).items() if name not in drop}
    parts.update(replace or {})
    return zip_bytes(parts, compression)


def with_main_content_type(content_type: str) -> bytes:
    types = parts_of(docx_bytes())[TYPES].replace(WORD_MAIN.encode(), content_type.encode())
    return docx_with(replace={TYPES: types})


def ole_bytes(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE compound file (version 3) holding the given top-level streams.

    olefile cannot write, so this writes the format directly: header, one FAT
    sector, one directory sector, then each stream padded to >= 4096 bytes
    (the mini stream cutoff), so that no mini stream is needed.
    """
    end, free = 0xFFFFFFFE, 0xFFFFFFFF
    fat, entries, body = [0xFFFFFFFD, end], [("Root Entry", 5, end, 0)], b""
    for name, content in streams.items():
        content = content.ljust(4096, b"\0")
        content += b"\0" * (-len(content) % 512)
        first, count = len(fat), len(content) // 512
        fat += [first + i + 1 for i in range(count - 1)] + [end]
        entries.append((name, 2, first, len(content)))
        body += content
    assert len(fat) <= 128 and len(entries) <= 4
    directory = b""
    for index, (name, kind, start, size) in enumerate(entries):
        encoded = (name + "\0").encode("utf-16-le")
        child = 1 if kind == 5 and len(entries) > 1 else free
        right = index + 1 if kind == 2 and index + 1 < len(entries) else free
        directory += struct.pack("<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, free, right, child,
                                 b"\0" * 16, 0, 0, 0, start, size)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\0" * 16, 0x3E, 3,
                         0xFFFE, 9, 6, b"\0" * 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<109I", 0, *[free] * 108)
    return header + struct.pack("<128I", *fat, *[free] * (128 - len(fat))) + directory.ljust(512, b"\0") + body


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rejected(path: Path, kind: type[errors.UnreadableReport], **kwargs) -> errors.UnreadableReport:
    """open_package refuses ``path`` with exactly ``kind`` and a French message saying what to do."""
    with pytest.raises(errors.UnreadableReport) as caught:
        open_package(path, **kwargs)
    exc = caught.value
    assert type(exc) is kind, f"{type(exc).__name__}: {exc.message}"
    assert exc.message.strip() and exc.code
    assert "déposez" in exc.message.lower(), exc.message  # every refusal tells what to do
    return exc


# --- files that open ---------------------------------------------------------------


def test_open_package_opens_a_minimal_docx_and_reads_its_parts(tmp_path):
    path = write(tmp_path, "cr.docx", docx_bytes())
    with open_package(path) as package:
        assert isinstance(package, DocxPackage)
        assert package.path == path
        assert package.main_part == "word/document.xml"
        assert TYPES in package.names() and package.has_part("/WORD/Document.xml")
        assert b"Compte rendu" in package.read_part("word/document.xml")
        root = package.xml_part(package.main_part)
        assert root.tag.endswith("}document")
        with pytest.raises(KeyError):
            package.read_part("word/absent.xml")


def test_open_package_finds_the_main_part_through_the_package_relationships(tmp_path):
    parts = parts_of(docx_bytes())
    parts["word/compte-rendu.xml"] = parts.pop("word/document.xml")
    parts["word/_rels/compte-rendu.xml.rels"] = parts.pop("word/_rels/document.xml.rels")
    parts[TYPES] = parts[TYPES].replace(b"/word/document.xml", b"/word/compte-rendu.xml")
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(b"word/document.xml", b"/word/compte-rendu.xml")
    with open_package(write(tmp_path, "cr.docx", zip_bytes(parts))) as package:
        assert package.main_part == "word/compte-rendu.xml"


@needs_real_world
def test_open_package_reads_a_docx_saved_under_a_doc_name_by_content():
    with open_package(REAL_WORLD / "EAE_Agent.doc") as package:
        assert package.main_part == "word/document.xml"
        assert len(package.xml_part(package.main_part))


@needs_real_world
def test_open_package_opens_a_real_word_docx():
    with open_package(REAL_WORLD / "CDC_Processus_de_traitement_EAE_0.1.docx") as package:
        assert package.has_part(package.main_part)


# --- not a regular file, empty, too large ---------------------------------------------


def test_open_package_refuses_a_symlink_even_to_a_valid_docx(tmp_path):
    target = write(tmp_path, "cr.docx", docx_bytes())
    link = tmp_path / "lien.docx"
    link.symlink_to(target)
    assert "lien symbolique" in rejected(link, errors.NotARegularFile).message
    assert not looks_complete(link)


def test_open_package_refuses_a_directory_and_a_named_pipe(tmp_path):
    (tmp_path / "dossier.docx").mkdir()
    assert "dossier" in rejected(tmp_path / "dossier.docx", errors.NotARegularFile).message
    os.mkfifo(tmp_path / "tube.docx")
    rejected(tmp_path / "tube.docx", errors.NotARegularFile)  # and does not hang


def test_open_package_reports_a_missing_file(tmp_path):
    rejected(tmp_path / "disparu.docx", errors.FileUnavailable)


def test_open_package_rejects_an_empty_file_and_a_file_of_zeros(tmp_path):
    rejected(write(tmp_path, "vide.docx", b""), errors.EmptyFile)
    rejected(write(tmp_path, "zeros.docx", b"\0" * 4096), errors.EmptyFile)


def test_open_package_rejects_a_file_larger_than_the_limit(tmp_path):
    path = write(tmp_path, "gros.docx", docx_bytes())
    exc = rejected(path, errors.ZipBomb, limits=PackageLimits(max_file_bytes=1000))
    assert "Mo" in exc.message


# --- not a zip: identified by magic bytes ----------------------------------------------


@pytest.mark.parametrize("content, expected", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
    (b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} Compte rendu}", "RTF"),
    (b"\xef\xbb\xbf<!DOCTYPE html>\n<html><body><p>Compte rendu</p></body></html>", "page web"),
    (b"<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><body>CR</body></html>", "page web"),
    ("Compte rendu d'entretien\r\nAgent : Dupont\r\nRésultats : atteints\r\n".encode("cp1252"), "texte"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(32), "image"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32), "image"),
    (bytes(range(256)) * 4, "pas reconnu"),
])
def test_open_package_names_what_a_non_zip_file_looks_like(tmp_path, content, expected):
    exc = rejected(write(tmp_path, "cr.docx", content), errors.NotAZip)
    assert expected in exc.message


def test_open_package_does_not_trust_a_pdf_named_docx_nor_a_docx_named_pdf(tmp_path):
    rejected(write(tmp_path, "cr.docx", b"%PDF-1.4\n" + bytes(100)), errors.NotAZip)
    with open_package(write(tmp_path, "cr.pdf", docx_bytes())) as package:
        assert package.main_part == "word/document.xml"


# --- OLE containers: legacy Office files and encrypted OOXML ----------------------------


@needs_real_world
def test_open_package_rejects_legacy_doc_by_content():
    exc = rejected(REAL_WORLD / "Specification_web_services_gestion_EAE.doc", errors.LegacyDoc)
    assert "97-2003" in exc.message and ".docx" in exc.message


def test_open_package_rejects_a_password_protected_docx(tmp_path):
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(docx_bytes())).encrypt("secret", encrypted)
    exc = rejected(write(tmp_path, "cr.docx", encrypted.getvalue()), errors.EncryptedDocument)
    assert "mot de passe" in exc.message


@pytest.mark.parametrize("stream, kind, expected", [
    ("WordDocument", errors.LegacyDoc, "Word 97-2003"),
    ("Workbook", errors.WrongOfficeType, "classeur Excel"),
    ("PowerPoint Document", errors.WrongOfficeType, "PowerPoint"),
    ("Contents", errors.WrongOfficeType, "ancien fichier Office"),
])
def test_open_package_tells_legacy_office_files_apart_by_their_streams(tmp_path, stream, kind, expected):
    path = write(tmp_path, "cr.docx", ole_bytes({stream: b"x" * 100}))
    assert expected in rejected(path, kind).message


@pytest.mark.parametrize("streams, kind, said", [
    ({"EncryptionInfo": b"x", "EncryptedPackage": b"x"}, errors.EncryptedDocument, "mot de passe"),
    ({"\x06DataSpaces": b"x", "EncryptedPackage": b"x"}, errors.RightsProtected, "étiquette de confidentialité"),
    ({"__substg1.0_0037001F": b"x", "__properties_version1.0": b"x"}, errors.EmailMessage, "message Outlook"),
    ({"__recip_version1.0_#00000000": b"x"}, errors.EmailMessage, "pièce jointe"),
])
def test_open_package_tells_each_kind_of_ole_container_apart(tmp_path, streams, kind, said):
    """Each kind of OLE container gets its own reason and its own advice: a password, a label or
    IRM protection, an Outlook message dragged instead of its attachment."""
    exc = rejected(write(tmp_path, "cr.docx", ole_bytes(streams)), kind)
    assert said in exc.message and "ancien fichier Office" not in exc.message


def test_open_package_names_a_real_file_protected_by_a_sensitivity_label():
    path = REAL_CASES / "protected_by_sensitivity_label.docx"
    if not path.exists():
        pytest.skip("shared/cases is not beside the repository")
    assert rejected(path, errors.RightsProtected).code == "protege_par_etiquette"


def test_open_package_rejects_a_damaged_ole_file_as_truncated(tmp_path):
    data = ole_bytes({"WordDocument": b"x" * 100})
    rejected(write(tmp_path, "cr.doc", data[:600]), errors.TruncatedZip)
    rejected(write(tmp_path, "bruit.doc", data[:8] + bytes(range(256)) * 8), errors.TruncatedZip)


# --- damaged zips ---------------------------------------------------------------------


def test_open_package_rejects_a_docx_cut_in_half_as_truncated(tmp_path):
    data = docx_bytes()
    rejected(write(tmp_path, "cr.docx", data[: len(data) // 2]), errors.TruncatedZip)
    assert not looks_complete(tmp_path / "cr.docx")


def test_open_package_rejects_a_part_with_a_wrong_checksum_as_truncated(tmp_path):
    data = bytearray(docx_with(compression=zipfile.ZIP_STORED))
    data[data.find(b"Compte rendu")] ^= 0x01  # same size, other content: CRC mismatch
    rejected(write(tmp_path, "cr.docx", bytes(data)), errors.TruncatedZip)


# --- zips that are not Word documents ----------------------------------------------------


def test_open_package_rejects_a_plain_zip_without_content_types(tmp_path):
    path = write(tmp_path, "cr.docx", zip_bytes({"notes.txt": b"bonjour", "word/document.xml": b"<a/>"}))
    assert "pas un document Word" in rejected(path, errors.NotAZip).message


def test_open_package_rejects_a_package_without_main_document(tmp_path):
    path = write(tmp_path, "cr.docx", docx_with(drop=("word/document.xml",)))
    assert "document principal" in rejected(path, errors.WrongOfficeType).message


def test_open_package_rejects_an_opendocument_text(tmp_path):
    odt = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<a/>"},
                    zipfile.ZIP_STORED)
    assert "OpenDocument" in rejected(write(tmp_path, "cr.docx", odt), errors.WrongOfficeType).message


def test_open_package_rejects_macro_enabled_document(tmp_path):
    path = write(tmp_path, "cr.docx", with_main_content_type("application/vnd.ms-word.document.macroEnabled.main+xml"))
    assert "sans macros" in rejected(path, errors.MacroDocument).message


@pytest.mark.parametrize("content_type", [
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
])
def test_open_package_rejects_word_templates(tmp_path, content_type):
    assert "modèle" in rejected(write(tmp_path, "cr.docx", with_main_content_type(content_type)),
                                errors.WrongOfficeType).message


def test_open_package_rejects_a_real_excel_workbook_renamed_docx(tmp_path):
    openpyxl.Workbook().save(tmp_path / "classeur.docx")
    assert "classeur Excel" in rejected(tmp_path / "classeur.docx", errors.WrongOfficeType).message


@pytest.mark.parametrize("content_type, expected", [
    ("application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", "PowerPoint"),
    ("application/vnd.ms-visio.drawing.main+xml", "fichier Office"),
])
def test_open_package_rejects_other_office_main_content_types(tmp_path, content_type, expected):
    path = write(tmp_path, "cr.docx", with_main_content_type(content_type))
    assert expected in rejected(path, errors.WrongOfficeType).message


# --- zip bombs ---------------------------------------------------------------------------


def test_open_package_rejects_a_highly_compressed_archive_before_decompressing(tmp_path):
    path = write(tmp_path, "cr.docx", docx_with(replace={"word/media/vide.bin": bytes(20 * 1024 * 1024)}))
    assert path.stat().st_size < 200 * 1024
    assert "taux de compression" in rejected(path, errors.ZipBomb).message


def test_open_package_rejects_one_highly_compressed_part_in_a_normal_archive(tmp_path):
    padding = {f"word/media/photo{i}.bin": random.randbytes(100_000) for i in range(3)}
    path = write(tmp_path, "cr.docx", docx_with(replace={**padding, "word/vide.xml": bytes(1024 * 1024)}))
    assert "une partie" in rejected(path, errors.ZipBomb).message


def test_open_package_ignores_the_ratio_of_small_parts(tmp_path):
    with open_package(write(tmp_path, "cr.docx", docx_with(replace={"word/vide.xml": bytes(60_000)}))) as package:
        assert package.read_part("word/vide.xml") == bytes(60_000)


def test_open_package_rejects_too_much_declared_content(tmp_path):
    path = write(tmp_path, "cr.docx", docx_with(replace={"word/media/image.bin": random.randbytes(300_000)}))
    rejected(path, errors.ZipBomb, limits=PackageLimits(max_uncompressed_bytes=200_000))


def test_open_package_rejects_too_many_parts(tmp_path):
    many = {f"word/media/p{i}.xml": b"" for i in range(2100)}
    rejected(write(tmp_path, "cr.docx", docx_with(replace=many)), errors.ZipBomb)
    rejected(write(tmp_path, "cr.docx", docx_bytes()), errors.ZipBomb, limits=PackageLimits(max_parts=5))


def test_read_part_refuses_a_part_larger_than_declared(tmp_path):
    data = docx_with(replace={"word/notes.xml": b"<notes>" + b"x" * 50_000 + b"</notes>"})
    path = write(tmp_path, "cr.docx", patch_declared_size(data, "word/notes.xml", 100))
    with open_package(path) as package:
        with pytest.raises(errors.ZipBomb):
            package.read_part("word/notes.xml")


def test_read_part_refuses_a_part_smaller_than_declared(tmp_path):
    data = docx_with(replace={"word/notes.xml": b"<notes/>"})
    path = write(tmp_path, "cr.docx", patch_declared_size(data, "word/notes.xml", 5000))
    with open_package(path) as package:
        with pytest.raises(errors.TruncatedZip):
            package.read_part("word/notes.xml")


def test_open_package_refuses_a_main_part_that_lies_about_its_size(tmp_path):
    data = docx_bytes()
    rejected(write(tmp_path, "cr.docx", patch_declared_size(data, "word/document.xml", 10)), errors.ZipBomb)


# --- hostile and malformed XML ---------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>
<w:t>&lol4;</w:t></w:r></w:p></w:body></w:document>"""


def test_open_package_rejects_billion_laughs_in_the_main_part(tmp_path):
    path = write(tmp_path, "cr.docx", docx_with(replace={"word/document.xml": BILLION_LAUGHS}))
    exc = rejected(path, errors.HostileXml)
    assert "DOCTYPE" in exc.message and "lollol" not in exc.message


def test_open_package_rejects_an_external_file_entity_in_content_types(tmp_path):
    types = parts_of(docx_bytes())[TYPES].decode()
    hostile = types.replace("<Types ", '<!DOCTYPE Types [<!ENTITY x SYSTEM "file:///etc/passwd">]><Types ', 1)
    hostile = hostile.replace('Extension="xml"', 'Extension="&x;"', 1)
    exc = rejected(write(tmp_path, "cr.docx", docx_with(replace={TYPES: hostile.encode()})), errors.HostileXml)
    assert "root:" not in exc.message


def test_open_package_never_fetches_an_external_dtd_or_entity(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as server:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/evil"
        rels = (f'<?xml version="1.0"?><!DOCTYPE r SYSTEM "{url}.dtd" [<!ENTITY e SYSTEM "{url}.xml">]>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">&e;'
                '</Relationships>').encode()
        rejected(write(tmp_path, "cr.docx", docx_with(replace={"_rels/.rels": rels})), errors.HostileXml)
        server.setblocking(False)
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody connected


def test_open_package_rejects_a_malformed_main_part(tmp_path):
    path = write(tmp_path, "cr.docx", docx_with(replace={"word/document.xml": b"<w:document><w:body>"}))
    assert "mal formé" in rejected(path, errors.HostileXml).message


def test_xml_part_rejects_a_malformed_secondary_part(tmp_path):
    path = write(tmp_path, "cr.docx", docx_with(replace={"word/notes.xml": b"<notes><a></notes>"}))
    with open_package(path) as package:
        with pytest.raises(errors.HostileXml) as caught:
            package.xml_part("word/notes.xml")
    assert "word/notes.xml" in caught.value.message


# --- looks_complete -----------------------------------------------------------------------


def test_looks_complete_is_true_only_for_a_readable_zip(tmp_path):
    data = docx_bytes()
    assert looks_complete(write(tmp_path, "cr.docx", data))
    assert not looks_complete(write(tmp_path, "moitie.docx", data[: len(data) - 10]))
    assert not looks_complete(write(tmp_path, "vide.docx", b""))
    assert not looks_complete(write(tmp_path, "cr.pdf", b"%PDF-1.4\n"))
    assert not looks_complete(tmp_path / "absent.docx")
    assert not looks_complete(tmp_path)


# --- robustness: nothing but UnreadableReport ever escapes -------------------------------------


def test_open_package_raises_only_unreadable_report_on_damaged_input(tmp_path):
    rng = random.Random(20250101)
    stored, deflated = docx_with(compression=zipfile.ZIP_STORED), docx_bytes()
    ole = ole_bytes({"WordDocument": b"x" * 5000})
    blobs = [rng.randbytes(rng.randrange(1, 5000)) for _ in range(30)]
    blobs += [prefix + rng.randbytes(3000) for prefix in (b"PK\x03\x04", b"PK\x05\x06", ole[:8]) for _ in range(10)]
    for data in (stored, deflated, ole):
        blobs += [data[:cut] for cut in range(1, len(data), max(1, len(data) // 150))]
    for data in (stored, deflated):
        for _ in range(150):  # one byte changed anywhere, including the zip directories
            damaged = bytearray(data)
            damaged[rng.randrange(len(damaged))] ^= rng.randrange(1, 256)
            blobs.append(bytes(damaged))
    path = tmp_path / "cr.docx"
    for data in blobs:
        path.write_bytes(data)
        try:
            with open_package(path) as package:
                for name in package.names():
                    package.read_part(name)
        except errors.UnreadableReport as exc:
            assert exc.message.strip() and exc.code


# --- a part twice: programs would read different copies ----------------------------------------


def with_part_twice(first_name: str, second_name: str) -> bytes:
    """A real docx whose zip holds ``second_name`` after the genuine ``first_name``: two
    ``word/document.xml``, case twins, or a backslash twin (zip tools read each differently)."""
    parts = parts_of(docx_bytes())
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about a duplicate name, as it should
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in parts.items():
                archive.writestr(name, content)
            archive.writestr(second_name, parts[first_name].replace(b"Compte rendu", b"Autre texte!"))
    return out.getvalue()


@pytest.mark.parametrize("twin", ["word/document.xml", "WORD/Document.xml", "Word/document.XML",
                                  "[content_types].xml"])
def test_open_package_refuses_a_part_held_twice(tmp_path, twin):
    first = "[Content_Types].xml" if twin.lower() == "[content_types].xml" else "word/document.xml"
    exc = rejected(write(tmp_path, "double.docx", with_part_twice(first, twin)), errors.DuplicatePart)
    assert exc.code == "partie_en_double"
    assert twin in exc.message


def test_open_package_refuses_an_xml_part_too_large_to_parse_safely(tmp_path):
    """A file within every other cap whose text part holds millions of tiny elements would
    take twenty times its size in memory to parse: refused before parsing, with its reason."""
    parts = parts_of(docx_bytes())
    body = "".join(f'<w:p><w:r><w:t>{random.randrange(10**9):x}</w:t></w:r></w:p>' for _ in range(40_000))
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"<w:body>", b"<w:body>" + body.encode())
    path = write(tmp_path, "lourd.docx", zip_bytes(parts))
    exc = rejected(path, errors.ZipBomb, limits=PackageLimits(max_xml_bytes=1024 * 1024))
    assert "word/document.xml" in exc.message and "1,0 Mo" in exc.message
    with open_package(path) as package:  # the default cap lets it through
        assert package.xml_part("word/document.xml") is not None


# --- OpenDocument text (.odt), opened by open_document -------------------------------------

ODT = "application/vnd.oasis.opendocument.text"
ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
ODF_CONTENT = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="{ODF_OFFICE}" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
               "<text:p>Compte rendu d'entretien professionnel</text:p></office:text></office:body>"
               "</office:document-content>").encode()
FORMS = Path(__file__).resolve().parents[2] / "shared" / "forms"


def manifest(media_type: str = ODT, extra: str = "") -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
            f'opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
            f'manifest:media-type="{media_type}"/><manifest:file-entry manifest:full-path="content.xml" '
            f'manifest:media-type="text/xml">{extra}</manifest:file-entry></manifest:manifest>').encode()


def odf_bytes(media_type: str | None = ODT, *, replace: dict[str, bytes] | None = None,
              drop: tuple[str, ...] = ()) -> bytes:
    """An OpenDocument package as LibreOffice writes it: ``mimetype`` first and stored."""
    parts = {"mimetype": (media_type or "").encode(), "content.xml": ODF_CONTENT,
             "META-INF/manifest.xml": manifest(media_type or ODT)}
    parts.update(replace or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            if name not in drop and not (name == "mimetype" and media_type is None):
                archive.writestr(name, content, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
    return out.getvalue()


def refused_odf(path: Path, kind: type[errors.UnreadableReport], **kwargs) -> errors.UnreadableReport:
    """open_document refuses ``path`` with exactly ``kind`` and a French message saying what to do."""
    with pytest.raises(errors.UnreadableReport) as caught:
        open_document(path, **kwargs)
    exc = caught.value
    assert type(exc) is kind, f"{type(exc).__name__}: {exc.message}"
    assert "déposez" in exc.message.lower(), exc.message
    return exc


def test_open_document_opens_an_odt_and_reads_its_parts(tmp_path):
    path = write(tmp_path, "cr.odt", odf_bytes())
    with open_document(path) as package:
        assert isinstance(package, OdtPackage) and package.format == "odt"
        assert package.main_part == "content.xml" and package.has_part("META-INF/manifest.xml")
        assert package.xml_part("content.xml").tag == f"{{{ODF_OFFICE}}}document-content"


def test_open_document_opens_a_docx_as_open_package_does(tmp_path):
    with open_document(write(tmp_path, "cr.docx", docx_bytes())) as package:
        assert type(package) is DocxPackage and package.format == "docx"
        assert package.main_part == "word/document.xml"


def test_open_document_knows_an_odt_by_its_manifest_when_mimetype_is_missing(tmp_path):
    with open_document(write(tmp_path, "cr.odt", odf_bytes(None))) as package:
        assert package.format == "odt"


def test_open_package_still_refuses_an_odt_that_open_document_opens(tmp_path):
    path = write(tmp_path, "cr.odt", odf_bytes())
    assert "OpenDocument" in rejected(path, errors.WrongOfficeType).message


@pytest.mark.parametrize("media_type, said", [
    ("application/vnd.oasis.opendocument.spreadsheet", "classeur"),
    ("application/vnd.oasis.opendocument.presentation", "présentation"),
    ("application/vnd.oasis.opendocument.graphics", "dessin"),
    ("application/vnd.oasis.opendocument.spreadsheet-template", "classeur"),
    ("application/vnd.oasis.opendocument.unknown", "OpenDocument"),
])
def test_open_document_names_the_other_opendocument_files(tmp_path, media_type, said):
    exc = refused_odf(write(tmp_path, "cr.odt", odf_bytes(media_type)), errors.WrongOfficeType)
    assert said in exc.message and ".odt ou .docx" in exc.message
    assert exc.code == "pas_un_document_word"


def test_open_document_refuses_an_opendocument_template(tmp_path):
    exc = refused_odf(write(tmp_path, "modele.ott", odf_bytes("application/vnd.oasis.opendocument.text-template")),
                      errors.WrongOfficeType)
    assert "modèle LibreOffice (.ott)" in exc.message


def test_open_document_refuses_an_odt_saved_with_a_password(tmp_path):
    encrypted = manifest(extra='<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x">'
                               '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" '
                               'manifest:initialisation-vector="x"/></manifest:encryption-data>')
    data = odf_bytes(replace={"META-INF/manifest.xml": encrypted, "content.xml": random.randbytes(2000)})
    exc = refused_odf(write(tmp_path, "cr.odt", data), errors.EncryptedDocument)
    assert "LibreOffice" in exc.message and "mot de passe" in exc.message


def test_open_document_refuses_an_odt_holding_macros(tmp_path):
    data = odf_bytes(replace={"Basic/script-lc.xml": b"<library/>", "Basic/Standard/Module1.xml": b"<module/>"})
    assert "macros" in refused_odf(write(tmp_path, "cr.odt", data), errors.MacroDocument).message
    with open_document(write(tmp_path, "vide.odt", odf_bytes(replace={"Basic/script-lc.xml": b"<library/>"}))):
        pass  # the list of libraries alone holds no macro


def test_open_document_refuses_an_odt_without_content(tmp_path):
    refused_odf(write(tmp_path, "cr.odt", odf_bytes(drop=("content.xml",))), errors.WrongOfficeType)


def test_open_document_refuses_billion_laughs_in_the_content_of_an_odt(tmp_path):
    exc = refused_odf(write(tmp_path, "cr.odt", odf_bytes(replace={"content.xml": BILLION_LAUGHS})),
                      errors.HostileXml)
    assert "content.xml" in exc.message and "lollol" not in exc.message


def test_open_document_refuses_malformed_content(tmp_path):
    data = odf_bytes(replace={"content.xml": ODF_CONTENT[:-30]})
    assert "mal formé" in refused_odf(write(tmp_path, "cr.odt", data), errors.HostileXml).message


def test_open_document_applies_the_same_caps_to_an_odt(tmp_path):
    bomb = odf_bytes(replace={"Pictures/vide.png": bytes(20 * 1024 * 1024)})
    assert "taux de compression" in refused_odf(write(tmp_path, "bombe.odt", bomb), errors.ZipBomb).message
    big = ODF_CONTENT.replace(b"</office:text>", b"<text:p>" + random.randbytes(600_000).hex().encode()
                              + b"</text:p></office:text>")
    path = write(tmp_path, "lourd.odt", odf_bytes(replace={"content.xml": big}))
    exc = refused_odf(path, errors.ZipBomb, limits=PackageLimits(max_xml_bytes=1024 * 1024))
    assert "content.xml" in exc.message
    refused_odf(write(tmp_path, "parties.odt", odf_bytes()), errors.ZipBomb, limits=PackageLimits(max_parts=2))


def test_open_document_refuses_an_odt_part_held_twice(tmp_path):
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("mimetype", ODT)
            archive.writestr("content.xml", ODF_CONTENT)
            archive.writestr("content.xml", b"<autre/>")
    refused_odf(write(tmp_path, "double.odt", out.getvalue()), errors.DuplicatePart)


@pytest.mark.skipif(not FORMS.is_dir(), reason=f"{FORMS} is missing (shared/ is expected beside the repository clone)")
def test_open_document_opens_an_employer_s_form_saved_by_libreoffice():
    with open_document(FORMS / "C_commune_grille_rempli.odt") as package:
        assert package.format == "odt" and package.has_part("styles.xml") and package.has_part("meta.xml")
