"""Check a received (untrusted) file and open it as a .docx package (or an .odt, :func:`open_document`).

Identified by content, never by name; zip directory checked (parts, sizes, ratios) before anything is
decompressed; reads capped at the declared size; XML parsed by ``pipeline.ooxml``'s hardened parser.
Each refusal is a :class:`pipeline.outcomes.UnreadableReport` subclass whose French message says what is wrong
and what to do.
"""

from __future__ import annotations

import io
import os
import posixpath
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import olefile  # installed with msoffcrypto-tool, which reads OLE containers with it
from lxml import etree

from . import odf
from .ooxml import main_content_type, office_document_target, parse_xml
from .outcomes import (DuplicatePart, EmailMessage, EmptyFile, EncryptedDocument, FileUnavailable, HostileXml,
                       LegacyDoc, MacroDocument, NotARegularFile, NotAZip, RightsProtected, TruncatedZip,
                       WrongOfficeType, ZipBomb)
from .signed_copies import IMAGE_FORMATS, image_format  # a photo or a scan under a .docx name

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_MACRO = "application/vnd.ms-word.document.macroenabled.main+xml"
WORD_TEMPLATES = ("application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
                  "application/vnd.ms-word.template.macroenabledtemplate.main+xml")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SMALL_PART = 64 * 1024  # below this size, a high compression ratio is harmless
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, struct.error,
               NotImplementedError, OverflowError, IndexError)  # what zipfile raises on damaged archives
# First bytes of what people send instead of a .docx: (magic, what it is, can Word re-save it as .docx?)
_MAGIC = [(b"{\\rtf", "un document RTF", True), (b"MIME-Version:", "une page web archivée (.mht)", True)]
# Images (a photo or a scan of the signed pages) are told by signed_copies.image_format.


@dataclass(frozen=True)
class PackageLimits:
    max_file_bytes: int = 20 * 1024 * 1024  # size of the received file
    max_uncompressed_bytes: int = 200 * 1024 * 1024  # sum of declared uncompressed sizes
    max_ratio: float = 200.0  # uncompressed/compressed, whole archive and per part (parts >= 64 KiB)
    max_parts: int = 2000  # number of zip members
    max_xml_bytes: int = 16 * 1024 * 1024  # uncompressed size of one XML part (parsing memory)


def _mo(n: float) -> str:
    return f"{n / 1024 / 1024:.1f}".replace(".", ",") + " Mo"


def _bomb(detail: str) -> ZipBomb:
    return ZipBomb.because(detail=detail)


def _shown(name: str) -> str:
    """A part name (chosen by whoever made the file) made safe to quote in a message."""
    return "".join(c for c in name if c.isprintable())[:80]


class DocxPackage:
    """An opened, checked .docx. Context manager (closes the zip). Built by ``open_package``."""

    format = "docx"
    _parse = staticmethod(parse_xml)  # the hardened parser of the package's XML

    def __init__(self, path: Path, data: bytes, archive: zipfile.ZipFile,
                 limits: PackageLimits = PackageLimits()):
        self.path, self.main_part, self.limits = path, "word/document.xml", limits
        self._data, self._zip = data, archive
        self._parts = {i.filename.lower(): i for i in archive.infolist() if not i.is_dir()}
        self._parsed: dict[str, etree._Element] = {}

    def names(self) -> list[str]:
        return [info.filename for info in self._zip.infolist() if not info.is_dir()]

    def has_part(self, name: str) -> bool:
        return name.lstrip("/").lower() in self._parts  # OPC part names ignore case

    def read_part(self, name: str) -> bytes:
        """The part's bytes, never more than its declared size (itself within the limits). KeyError for a
        missing part; ZipBomb if the stream is larger than declared; TruncatedZip if damaged (zlib, size, CRC)."""
        info, raw = self._entry(name)
        try:  # at most one byte more than declared is ever produced
            content = (raw[:info.file_size + 1] if info.compress_type == zipfile.ZIP_STORED
                       else zlib.decompressobj(-15).decompress(raw, info.file_size + 1))
        except zlib.error:
            raise TruncatedZip.because() from None
        if len(content) > info.file_size:
            raise _bomb(f"la partie «\u202f{_shown(name)}\u202f» est plus grande que ce qu'annonce l'archive")
        if len(content) < info.file_size or zlib.crc32(content) != info.CRC:
            raise TruncatedZip.because()
        return content

    def stored_part(self, name: str) -> tuple[int, int, int, bytes]:
        """The part as the zip stores it (method, size, checksum, compressed bytes): the same for
        two packages holding the same part, without decompressing it (a cache's key: the parts a
        template's reports share, its 350 KB styles.xml). KeyError for a missing part."""
        info, raw = self._entry(name)
        return info.compress_type, info.file_size, info.CRC, raw

    def _entry(self, name: str) -> tuple[zipfile.ZipInfo, bytes]:
        """The part's entry in the zip's directory and its bytes as stored, found through its local
        header. KeyError for a missing part; TruncatedZip when the header is not where the directory
        says."""
        info, data = self._parts[name.lstrip("/").lower()], self._data
        start = info.header_offset
        if not 0 <= start <= len(data) - 30 or data[start:start + 4] != b"PK\x03\x04":
            raise TruncatedZip.because()
        name_len, extra_len = struct.unpack_from("<HH", data, start + 26)
        begin = start + 30 + name_len + extra_len
        return info, data[begin:begin + info.compress_size]

    def xml_part(self, name: str) -> etree._Element:
        """The part parsed by the hardened parser; malformed XML or a DOCTYPE raises HostileXml.
        Parsed once: the main part, checked when the package is opened, is not parsed again."""
        key = name.lstrip("/").lower()
        if key in self._parsed:
            return self._parsed[key]
        info = self._parts.get(name.lstrip("/").lower())
        if info is not None and info.file_size > self.limits.max_xml_bytes:
            raise ZipBomb.because("xml", part=_shown(name), size=_mo(info.file_size),
                                  limit=_mo(self.limits.max_xml_bytes))
        data = self.read_part(name)
        try:
            self._parsed[key] = self._parse(data)
            return self._parsed[key]
        except (ValueError, etree.LxmlError) as exc:  # ValueError: a DOCTYPE (entity expansion, external entities)
            what = HostileXml.sentences["doctype" if isinstance(exc, ValueError) else "malformed"]
            raise HostileXml.because(part=_shown(name), what=what) from exc

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> DocxPackage:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _check(self) -> None:
        """Find the main part (``_rels/.rels``), check its content type, parse the package's XML."""
        if not self.has_part("[Content_Types].xml"):
            if self.has_part("mimetype") and self.read_part("mimetype").startswith(b"application/vnd.oasis"):
                raise WrongOfficeType.because("opendocument")
            raise NotAZip.because("plain_zip")
        types = self.xml_part("[Content_Types].xml")
        target = office_document_target(self.xml_part("_rels/.rels")) if self.has_part("_rels/.rels") else None
        if target is not None:
            self.main_part = posixpath.normpath("/" + target).lstrip("/")
        if not self.has_part(self.main_part):
            raise WrongOfficeType.because("no_main_part")
        _check_content_type((main_content_type(types, self.main_part) or "").lower())
        self.main_part = self._parts[self.main_part.lower()].filename
        self.xml_part(self.main_part)  # refuse hostile or broken XML now rather than later


class OdtPackage(DocxPackage):
    """An opened, checked .odt (OpenDocument text, LibreOffice's own format): parts read and
    parsed under the same caps as a .docx's, by ``pipeline.odf``'s parser. Built by
    ``open_document``."""

    format = "odt"
    _parse = staticmethod(odf.parse_xml)

    def __init__(self, path: Path, data: bytes, archive: zipfile.ZipFile,
                 limits: PackageLimits = PackageLimits()):
        super().__init__(path, data, archive, limits)
        self.main_part = odf.CONTENT_PART

    def _check(self) -> None:
        """Check the package's media type (its ``mimetype`` entry, else its manifest), refuse
        encryption and macros, parse its content."""
        manifest = self.xml_part(_ODF_MANIFEST) if self.has_part(_ODF_MANIFEST) else None
        media_type = None
        if self.has_part("mimetype") and self._parts["mimetype"].file_size <= 200:
            media_type = self.read_part("mimetype").decode("ascii", "replace").strip()
        elif manifest is not None:
            media_type = odf.manifest_media_type(manifest)
        if media_type == odf.TEXT_TEMPLATE:
            raise WrongOfficeType.because("opendocument_template")
        if media_type != odf.TEXT:
            kind = (media_type or "").removeprefix(odf.MEDIA_TYPE_PREFIX).removesuffix("-template")
            raise WrongOfficeType.because("opendocument_other", what=_ODF_KINDS.get(kind, "un fichier OpenDocument"))
        if manifest is not None and odf.manifest_encrypted(manifest):
            raise EncryptedDocument.because("opendocument")
        if any(name.startswith(_ODF_MACRO_FOLDERS) and name not in _ODF_LIBRARY_LISTS for name in self._parts):
            raise MacroDocument.because("opendocument")
        if not self.has_part(self.main_part):
            raise WrongOfficeType.because("no_main_part")
        self.xml_part(self.main_part)  # refuse hostile or broken XML now rather than later


_ODF_MANIFEST = "META-INF/manifest.xml"
# What the other OpenDocument media types are (application/vnd.oasis.opendocument.<kind>...).
_ODF_KINDS = {"spreadsheet": "un classeur (LibreOffice Calc, .ods)", "presentation": "une présentation (LibreOffice "
              "Impress, .odp)", "graphics": "un dessin (LibreOffice Draw, .odg)", "formula": "une formule (.odf)",
              "chart": "un graphique (.odc)", "database": "une base de données (LibreOffice Base, .odb)",
              "text-master": "un document maître (.odm)", "text-web": "une page web (.oth)"}
# Where an OpenDocument package keeps macros (lower case, as the package's part names are looked
# up); the library lists alone (empty libraries) are not macros.
_ODF_MACRO_FOLDERS = ("basic/", "scripts/")
_ODF_LIBRARY_LISTS = frozenset(("basic/script-lc.xml", "basic/dialog-lc.xml"))


def holds_opendocument(archive: zipfile.ZipFile) -> bool:
    """Whether a zip is an OpenDocument package: a ``mimetype`` entry or a manifest, and no OOXML
    content types."""
    names = {name.lower() for name in archive.namelist()}
    return "[content_types].xml" not in names and bool({"mimetype", _ODF_MANIFEST.lower()} & names)


def _check_content_type(content_type: str) -> None:
    if content_type == WORD_MAIN:
        return
    if content_type == WORD_MACRO:
        raise MacroDocument.because()
    if content_type in WORD_TEMPLATES:
        raise WrongOfficeType.because("template")
    what = ("un classeur Excel" if "spreadsheetml" in content_type or "ms-excel" in content_type
            else "une présentation PowerPoint" if "presentationml" in content_type or "ms-powerpoint" in content_type
            else "un fichier Office")
    raise WrongOfficeType.because(what=what)


def _ole_error(data: bytes) -> Exception:
    """Name what an OLE container holds: an OOXML file encrypted by a password or by a label
    (IRM), a legacy Office file, an Outlook message, or something else."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            # The top-level names, streams and storages alike (\x06DataSpaces is a storage).
            streams = {entry[0] for entry in ole.listdir(streams=True, storages=True)}
    except Exception:  # a third-party parser of untrusted bytes: any failure means damaged
        return TruncatedZip.because("ole")
    if {"EncryptionInfo", "EncryptedPackage"} <= streams:
        return EncryptedDocument.because()
    if "EncryptedPackage" in streams and "\x06DataSpaces" in streams:
        return RightsProtected.because()
    if any(name.startswith(("__substg1.0_", "__properties_version1.0", "__recip_version1.0_",
                            "__attach_version1.0_")) for name in streams):
        return EmailMessage.because()
    if "WordDocument" in streams:
        return LegacyDoc.because()
    what = ("un classeur Excel 97-2003 (.xls)" if streams & {"Workbook", "Book"}
            else "une présentation PowerPoint 97-2003 (.ppt)" if "PowerPoint Document" in streams
            else "un ancien fichier Office")
    return WrongOfficeType.because(what=what)


def _not_zip_error(head: bytes) -> NotAZip:
    """Say what a file that is not a zip looks like, from its first bytes."""
    what, convertible = None, True
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    found = [(name, conv) for magic, name, conv in _MAGIC if head.startswith(magic)]
    image = image_format(head)
    if b"%PDF-" in head[:1024]:
        what, convertible = "un PDF (peut-être renommé en .docx)", False
    elif image is not None:
        what, extensions = IMAGE_FORMATS[image]
        return NotAZip.because("image", what=what, extension=extensions[0])
    elif found:
        what, convertible = found[0]
    elif text.startswith((b"<!doctype html", b"<html")) or b"<html" in text[:1024]:
        what = "une page web (HTML)"
    elif text.startswith(b"<?xml"):
        what = "un document Word 2003 XML" if b"word.document" in text else "un fichier XML"
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")) or all(b >= 0x20 or b in b"\t\n\r\f" for b in head):
        what = "un fichier texte"
    if what is None:
        return NotAZip.because("unknown")
    return NotAZip.because("convertible" if convertible else "other", what=what)


def _open_no_follow(path: Path):
    """Open for reading without following a link, nor blocking on a named pipe."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    return os.fdopen(os.open(path, flags), "rb")


def _read_received(path: Path, limits: PackageLimits) -> bytes:
    """The bytes of a regular file (never reached through a link), at most max_file_bytes."""
    try:
        st = path.lstat()
        if not stat.S_ISREG(st.st_mode):
            what = ("un lien symbolique (par sécurité, les liens ne sont pas suivis)" if stat.S_ISLNK(st.st_mode)
                    else "un dossier" if stat.S_ISDIR(st.st_mode) else "un périphérique ou un tube")
            raise NotARegularFile.because(what=what)
        if st.st_size > limits.max_file_bytes:
            raise ZipBomb.because("file_size", size=_mo(st.st_size), limit=_mo(limits.max_file_bytes))
        with _open_no_follow(path) as f:
            opened = os.fstat(f.fileno())
            if not stat.S_ISREG(opened.st_mode):  # replaced since lstat
                raise NotARegularFile.because("replaced")
            # Asking for the cap itself would allocate 20 MB per file: ask for the size, then
            # for whatever was appended since (up to the cap).
            data = f.read(min(opened.st_size, limits.max_file_bytes) + 1)
            if len(data) > opened.st_size:
                data += f.read(limits.max_file_bytes + 1 - len(data))
    except FileNotFoundError:
        raise FileUnavailable.because("vanished") from None
    except OSError:
        raise FileUnavailable.because() from None
    if len(data) > limits.max_file_bytes:  # grew since lstat
        raise ZipBomb.because("grew", limit=_mo(limits.max_file_bytes))
    return data


def _check_directory(data: bytes, infos: list[zipfile.ZipInfo], limits: PackageLimits) -> None:
    """Part count, declared sizes, ratios, methods: checked before anything is decompressed."""
    total = sum(info.file_size for info in infos)
    if len(infos) > limits.max_parts:
        raise _bomb(f"{len(infos)} parties, la limite est {limits.max_parts}")
    if total > limits.max_uncompressed_bytes:
        raise _bomb(f"{_mo(total)}, la limite est {_mo(limits.max_uncompressed_bytes)}")
    if total >= _SMALL_PART and total / len(data) > limits.max_ratio:
        raise _bomb(f"taux de compression de {total // len(data)} pour 1")
    seen: set[str] = set()
    for info in infos:
        name = info.filename.replace("\\", "/").lstrip("/").lower()  # OPC part names ignore case
        if name in seen:
            raise DuplicatePart.because(part=_shown(info.filename))
        seen.add(name)
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= _SMALL_PART and ratio > limits.max_ratio:
            raise _bomb(f"une partie a un taux de compression de {int(ratio)} pour 1")
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise NotAZip.because("odd_zip")


def open_package(path: Path, *, limits: PackageLimits = PackageLimits()) -> DocxPackage:
    """Check a received file and open it; raise a pipeline.outcomes.UnreadableReport subclass with a precise French message otherwise.
    An .odt is refused with its reason: :func:`open_document` opens it."""
    return _open(Path(path), limits, opendocument=False)


def open_document(path: Path, *, limits: PackageLimits = PackageLimits()) -> DocxPackage | OdtPackage:
    """Check a received file and open it as a .docx or an .odt (OpenDocument text), under the same caps
    (``package.format`` says which); raise as :func:`open_package` does otherwise, an .ods, .odp or
    .ott with its own reason."""
    return _open(Path(path), limits, opendocument=True)


def _open(path: Path, limits: PackageLimits, *, opendocument: bool) -> DocxPackage:
    data = _read_received(path, limits)
    if not data.strip(b"\x00"):
        raise EmptyFile.because()
    if data.startswith(_OLE_MAGIC):
        raise _ole_error(data)
    if not data.startswith(b"PK"):
        raise _not_zip_error(data[:4096])
    # zipfile builds one object per central directory entry: bound that work first.
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if end >= 0 and end + 22 <= len(data):
        entries, directory_size = struct.unpack_from("<HI", data, end + 10)
        if (entries != 0xFFFF and entries > limits.max_parts) or directory_size > limits.max_parts * 1024:
            raise _bomb(f"plus de {limits.max_parts} parties")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS:
        raise TruncatedZip.because() from None
    kind = OdtPackage if opendocument and holds_opendocument(archive) else DocxPackage
    package = kind(path, data, archive, limits)
    try:
        _check_directory(data, archive.infolist(), limits)
        package._check()
    except BaseException:
        package.close()
        raise
    return package


ZIP_COMPLETE, ZIP_PARTIAL, NOT_ZIP, NO_CONTENT = "zip", "zip_incomplet", "autre", "vide"
PDF_PARTIAL = "pdf_incomplet"  # a .pdf without its end mark yet (a signed copy still being copied)
#: Why a file looks half-written, in French (the watcher's log, the pass's « left alone » list).
INCOMPLETE_WHY = {ZIP_PARTIAL: "archive sans répertoire", PDF_PARTIAL: "PDF sans sa fin", NO_CONTENT: "aucun contenu"}


def probe_file(path: str | Path) -> str:
    """What a regular file looks like now: a complete zip, a zip still being written, no content yet
    (empty or zero-filled start), or something else (PDF, .doc...). Raises OSError when it cannot be
    opened (locked, permission denied, share gone)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        head = os.read(fd, 512)
    finally:
        os.close(fd)
    if not head.strip(b"\x00"):
        return NO_CONTENT
    if head.startswith(b"PK"):
        return ZIP_COMPLETE if looks_complete(Path(path)) else ZIP_PARTIAL
    if b"%PDF-" in head and os.fspath(path).lower().endswith(".pdf") and not _pdf_ends(path):
        return PDF_PARTIAL
    return NOT_ZIP


def check_readable(path: str | Path) -> None:
    """Raise OSError when the service cannot open and read ``path`` (locked, permission denied,
    share gone); its first byte is read, never more, and a link is not followed."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        os.read(fd, 1)
    finally:
        os.close(fd)


def _pdf_ends(path: str | Path) -> bool:
    """Whether a PDF's last bytes hold its end mark (``%%EOF``): written to the end."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        size = os.fstat(fd).st_size
        os.lseek(fd, max(0, size - 2048), os.SEEK_SET)
        return b"%%EOF" in os.read(fd, 2048)
    finally:
        os.close(fd)


def looks_complete(path: Path) -> bool:
    """Cheap check used by a folder watcher: the file opens as a zip and its central directory is readable (does not raise)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        with _open_no_follow(Path(path)) as f, zipfile.ZipFile(f):
            return True
    except Exception:  # a yes/no probe: any failure means "not (yet) a readable zip"
        return False
