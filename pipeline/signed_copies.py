"""Signed copies: the printed report, signed on paper and scanned, dropped back as a PDF.

Every generated report carries on each page a QR code (in the page header, made here by
:func:`code_png`) and its identifier in clear text (in the footer). The code holds
:func:`page_code` ``ENTRETIENS|<form version>|<campaign>|<agent number>``, e.g.
``ENTRETIENS|CR-0a1b2c3d4e|2026|100231``.

A PDF dropped in the inbox is identified page by page (:func:`identify`):

1. each page is rendered (pypdfium2, 200 dpi, grey, at most :data:`MAX_PAGE_PIXELS`) and
   its QR codes decoded (zxing-cpp): a scan or an exported PDF alike;
2. a page without a readable code is searched for the footer's « identifiant … » in its
   text (a PDF exported by Word or LibreOffice has it; a scan with an OCR layer may).

The code comes first because it is exact: an OCR layer can misread an identifier, a code's
error correction does not let a misread through. A page with neither belongs to the report
of the page before it (the back of a sheet, a page whose code a fold hid), or, at the start,
to the first report found. A PDF holding several reports (a batch scan) is split into one PDF
per report (:func:`write_pages`, pikepdf), pages in their order.

Rendering is capped (pages, pixels per page) so that a hostile PDF cannot take the service's
memory; the file's size and page count are checked before any page is rendered.

A PDF signed electronically (PAdES) has its signatures listed by :func:`pdf_signatures` (pyHanko):
each signer, and whether the signed bytes are intact. :func:`specimen_scan` draws a scanned copy
without printer nor scanner, for the demo.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .naming import report_id
from .outcomes import DamagedPdf, EmptyFile, EncryptedPdf, PdfTooLarge, UnidentifiedPdf
from .records import PdfSignature, SignedCopy  # what the journal keeps of a copy (re-exported)

CODE_PREFIX = "ENTRETIENS"
CODE_SEPARATOR = "|"
#: The QR code's printed width (the template's header), in millimetres.
CODE_WIDTH_MM = 14
#: How pages are rendered to look for codes: 200 dpi reads a 14 mm code scanned at 150 dpi
#: (100 dpi does not; NOTES.md).
RENDER_DPI = 200
#: A page bigger than this at RENDER_DPI (a poster, a hostile page size) is rendered smaller.
MAX_PAGE_PIXELS = 12_000_000
#: An image a page holds is decoded whole when the page is rendered: one declaring more pixels than
#: this (an A3 sheet scanned at 600 dpi has 70 million) is refused before any rendering.
MAX_IMAGE_PIXELS = 100_000_000
#: How a copy was matched (the journal and the tracking say it).
BY_CODE, BY_TEXT = "code", "texte"

IDENTIFIER_IN_TEXT = re.compile(r"identifiant\s*:?\s+([^\s–]+-[^\s–]+)", re.IGNORECASE)
VERSION_IN_TEXT = re.compile(r"Formulaire\s+(CR-[0-9a-f]{6,})")
EOF_MARK = b"%%EOF"


def page_code(version: str, campaign: str, agent_number: str) -> str:
    """What the QR code of every page of a report holds."""
    return CODE_SEPARATOR.join((CODE_PREFIX, version, campaign, agent_number))


def code_png(text: str) -> io.BytesIO:
    """The QR code (error level M) as a PNG, for the template's header."""
    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
    buffer.seek(0)
    return buffer


@dataclass(frozen=True)
class Identity:
    """The report a page belongs to."""

    campaign: str
    agent_number: str
    version: str | None

    @property
    def report_id(self) -> str:
        return report_id(self.campaign, self.agent_number)


def parse_code(text: str) -> Identity | None:
    """The report a decoded QR code names, or ``None`` for any other code."""
    parts = text.split(CODE_SEPARATOR, 3)
    if len(parts) != 4 or parts[0] != CODE_PREFIX or not parts[2] or not parts[3]:
        return None
    return Identity(campaign=parts[2], agent_number=parts[3], version=parts[1] or None)


def parse_text(text: str, campaign: str) -> Identity | None:
    """The report a page's text names in its footer (« identifiant 2026-100231 »), if any;
    ``campaign`` (the configured one) tells where the campaign ends in the identifier."""
    match = IDENTIFIER_IN_TEXT.search(text)
    if not match:
        return None
    identifier = match.group(1).rstrip(".,;")
    if identifier.startswith(f"{campaign}-") and len(identifier) > len(campaign) + 1:
        found_campaign, number = campaign, identifier[len(campaign) + 1:]
    else:
        found_campaign, _, number = identifier.partition("-")
    version = VERSION_IN_TEXT.search(text)
    return Identity(found_campaign, number, version.group(1) if version else None)


@dataclass
class Identification:
    """What :func:`identify` found in a PDF."""

    page_count: int
    copies: list[SignedCopy] = field(default_factory=list)

    @property
    def is_batch(self) -> bool:
        return len(self.copies) > 1


def is_pdf_candidate(path: Path, name: str) -> bool:
    """Whether a received file goes the signed copies' way: named ``.pdf`` and not a zip (a
    report saved under a .pdf name is still read as a report)."""
    if not name.lower().endswith(".pdf"):
        return False
    try:
        with open(path, "rb") as handle:
            return handle.read(4) != b"PK\x03\x04"
    except OSError:
        return False


def _check_file(path: Path, *, max_mb: float) -> None:
    size = path.stat().st_size
    if size == 0:
        raise EmptyFile.because("pdf")
    if size > max_mb * 1024 * 1024:
        raise PdfTooLarge.because("file_size", size=f"{size / 1024 / 1024:.0f} Mo", limit=f"{max_mb:g} Mo")
    with open(path, "rb") as handle:
        head = handle.read(1024)
        handle.seek(max(0, size - 2048))
        tail = handle.read()
    if b"%PDF-" not in head:
        raise DamagedPdf.because()
    if EOF_MARK not in tail:
        raise DamagedPdf.because("truncated")


def open_pdf(path: Path, *, max_mb: float, max_pages: int):
    """The PDF opened by pypdfium2, once its size, its ending and its page count are checked.
    Raises an :class:`~pipeline.outcomes.UnreadableReport` subclass (French) when it cannot be used."""
    import pypdfium2 as pdfium

    _check_file(path, max_mb=max_mb)
    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium.raw.FPDF_ERR_PASSWORD and _needs_password(path):
            raise EncryptedPdf.because() from exc
        raise DamagedPdf.because() from exc
    pages = len(document)
    if pages == 0:
        document.close()
        raise DamagedPdf.because()
    if pages > max_pages:
        document.close()
        raise PdfTooLarge.because("pages", pages=pages, limit=max_pages)
    try:
        _check_images(path)
    except PdfTooLarge:
        document.close()
        raise
    return document


def _check_images(path: Path) -> None:
    """Refuse a page whose images declare more than :data:`MAX_IMAGE_PIXELS` (an image bomb: a few
    compressed bytes that decode to gigabytes), before pdfium decodes any of them."""
    import pikepdf

    try:
        pdf = pikepdf.open(path)
    except Exception:  # noqa: BLE001 - pdfium opened it: what qpdf refuses is left to pdfium's own checks
        return
    with pdf:
        for number, page in enumerate(pdf.pages, 1):
            try:  # images nested in form XObjects too, where pikepdf can list them (get_images, 10.x)
                images = list((page.get_images() if hasattr(page, "get_images") else page.images).values())
            except Exception:  # noqa: BLE001 - a page whose resources qpdf cannot list
                continue
            for image in images:
                try:
                    pixels = int(image.get("/Width", 0)) * int(image.get("/Height", 0))
                except (TypeError, ValueError):
                    continue
                if pixels > MAX_IMAGE_PIXELS:
                    raise PdfTooLarge.because("image", page=number, pixels=f"{pixels / 1e6:.0f}")


def _needs_password(path: Path) -> bool:
    """Whether a PDF pdfium would not open really asks for a password (pdfium says so of some
    broken files too, such as one without a page tree)."""
    import pikepdf

    try:
        with pikepdf.open(path):
            return False
    except pikepdf.PasswordError:
        return True
    except Exception:  # noqa: BLE001 - a yes/no probe: broken in any other way
        return False


def _page_codes(page) -> list[Identity]:
    import zxingcpp

    width, height = page.get_size()
    scale = RENDER_DPI / 72
    if width * height * scale * scale > MAX_PAGE_PIXELS:
        scale = (MAX_PAGE_PIXELS / (width * height)) ** 0.5
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        image = bitmap.to_pil()
        codes = _decoded(zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode))
        if not codes:  # a scanner's specks break a code's finder patterns: a median filter removes them
            from PIL import ImageFilter

            cleaned = image.filter(ImageFilter.MedianFilter(3))
            codes = _decoded(zxingcpp.read_barcodes(cleaned, formats=zxingcpp.BarcodeFormat.QRCode))
    finally:
        bitmap.close()
    return codes


def _decoded(found) -> list[Identity]:
    return [identity for code in found if (identity := parse_code(code.text)) is not None]


def _page_text(page) -> str:
    textpage = page.get_textpage()
    try:
        return textpage.get_text_bounded()
    finally:
        textpage.close()


def identify(path: Path, *, campaign: str, max_mb: float, max_pages: int) -> Identification:
    """The reports a PDF holds, page by page (see the module's docstring). Raises an
    :class:`~pipeline.outcomes.UnreadableReport` subclass when the PDF cannot be read, or
    :class:`~pipeline.outcomes.UnidentifiedPdf` when no page names a report."""
    document = open_pdf(Path(path), max_mb=max_mb, max_pages=max_pages)
    try:
        found: list[tuple[Identity | None, str | None]] = []
        for index in range(len(document)):
            page = document[index]
            try:
                codes = _page_codes(page)
                if codes:
                    found.append((codes[0], BY_CODE))
                    continue
                by_text = parse_text(_page_text(page), campaign)
                found.append((by_text, BY_TEXT if by_text else None))
            finally:
                page.close()
    finally:
        document.close()
    return group_pages(found)


def group_pages(found: list[tuple[Identity | None, str | None]]) -> Identification:
    """Pages (what each one names, in order) grouped into one copy per report."""
    result = Identification(page_count=len(found))
    first = next(((i, identity, how) for i, (identity, how) in enumerate(found) if identity), None)
    if first is None:
        raise UnidentifiedPdf.because()
    copies: dict[str, SignedCopy] = {}
    current = first[1]
    for number, (identity, how) in enumerate(found, 1):
        if identity is not None:
            current = identity
        copy = copies.get(current.report_id)
        if copy is None:  # a page naming it, or the pages before the first one that names a report
            index, _, matched_by = (number - 1, identity, how) if identity else first
            copy = copies[current.report_id] = SignedCopy(
                campaign=current.campaign, agent_number=current.agent_number, version=current.version,
                pages=[], found_by=matched_by, page=index + 1)
        copy.pages.append(number)
    result.copies = list(copies.values())
    return result


def write_pages(source: Path, pages: list[int], write: Callable[[Callable[[Path], None]], None]) -> None:
    """The ``pages`` (1-based) of ``source`` as a PDF of their own, handed to ``write`` as the
    function that saves it to a path or a binary stream (``write`` gives the temporary path: see
    :func:`pipeline.files.create_atomically`). The same pages always give the same bytes."""
    import pikepdf

    with pikepdf.open(source) as original:
        part = pikepdf.new()
        for number in pages:
            part.pages.append(original.pages[number - 1])
        write(lambda tmp: part.save(tmp, deterministic_id=True))


def specimen_scan(pages: list[str | None], *, dpi: int = 150, angle: float = 1.0) -> bytes:
    """A scanned signed copy drawn without printer nor scanner (the demo's, and tests' that
    cannot run LibreOffice): an image-only PDF, one A4 sheet per item of ``pages`` at ``dpi``,
    each with the QR code of that text (a :func:`page_code`) at the top, 14 mm wide or a
    little less, a few lines and a signature; ``None``, a sheet without code. Slightly rotated."""
    import segno
    from PIL import Image, ImageDraw

    width, height = round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)
    sheets = []
    for number, text in enumerate(pages, 1):
        sheet = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(sheet)
        margin = round(20 / 25.4 * dpi)
        if text is not None:
            modules = 29 + 8  # version 3 and its quiet zone: a report's code
            scale = max(2, round(CODE_WIDTH_MM / 25.4 * dpi / modules))
            buffer = io.BytesIO()
            segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
            buffer.seek(0)
            sheet.paste(Image.open(buffer).convert("L"), (margin, margin // 2))
            identity = parse_code(text)
            footer = f"identifiant {identity.report_id}" if identity else ""
            draw.text((margin, height - margin), footer, fill=0)
        for line in range(12):
            y = margin * 3 + line * dpi // 4
            draw.line((margin, y, width - margin - (line * 37) % (width // 3), y), fill=90, width=max(1, dpi // 75))
        base = height - margin * 3
        draw.line([(margin + i * dpi // 10, base + (dpi // 8 if i % 2 else 0)) for i in range(12)], fill=0,
                  width=max(2, dpi // 60))  # a signature
        draw.text((margin, base - dpi // 4), f"Signature – page {number}", fill=0)
        sheets.append(sheet.rotate(angle, fillcolor=255, resample=Image.BILINEAR))
    buffer = io.BytesIO()
    sheets[0].save(buffer, "PDF", resolution=dpi, save_all=True, append_images=sheets[1:])
    return buffer.getvalue()


def _has_signature_dictionary(path: Path) -> bool:
    """Whether the file holds a ``/ByteRange`` (every signature dictionary has one, and is never in
    a compressed object stream: the bytes it covers are counted in the file itself)."""
    tail = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            if b"/ByteRange" in tail + chunk:
                return True
            tail = chunk[-16:]
    return False


def pdf_signatures(path: Path) -> list[PdfSignature]:
    """The electronic signatures of a PDF (pyHanko), in the order they were applied: who signed
    and whether the signed bytes are intact. The signer's certificate is not checked against
    trusted authorities (nothing is fetched from the network): the name is the one the certificate
    gives. A PDF pyHanko cannot parse has none (a scan never has any)."""
    if not _has_signature_dictionary(path):
        return []  # most PDFs: pyHanko (a heavy import) is not even loaded
    import logging

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    for noisy in ("pyhanko", "pyhanko_certvalidator"):  # an untrusted certificate is no error of ours
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    found = []
    try:
        with open(path, "rb") as handle:
            reader = PdfFileReader(handle, strict=False)
            for signature in reader.embedded_signatures:
                subject = signature.signer_cert.subject
                signer = str(subject.native.get("common_name") or subject.human_friendly)
                try:
                    context = ValidationContext(trust_roots=[], allow_fetching=False)
                    status = validate_pdf_signature(signature, context)
                    intact = bool(status.intact and status.valid)
                    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
                except Exception:  # noqa: BLE001 - a malformed signature is not an intact one
                    intact, whole = False, False
                found.append(PdfSignature(signer=signer, intact=intact, whole_file=whole))
    except Exception:  # noqa: BLE001 - pdfium read the pages: a structure pyHanko refuses has no signature to check
        return found
    return found
