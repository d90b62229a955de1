"""Signed copies: the printed report, signed on paper and scanned, dropped back as a PDF or an image.

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

An image is a signed copy too (:func:`is_signed_copy_candidate`, told by its bytes): a copier's
« scan to folder » (a multi-page TIFF, CCITT G4), a photo of the signed page (JPEG, PNG, HEIC from
an iPhone, read with pillow-heif). Each of its frames is a page: decoded by Pillow (turned upright
by its EXIF orientation, in grey, at most :data:`MAX_PAGE_PIXELS`), its QR codes decoded as a PDF
page's are, pages grouped the same way. The image is kept as received; the PDF filed beside it
is made by :func:`lossless_pdf` (img2pdf: a JPEG's, a PNG's and a G4 TIFF's compressed data are
embedded as they are, nothing is decoded again nor recompressed; any other image, a HEIC among
them, is stored as its decoded pixels, losslessly compressed).

Rendering is capped (pages, pixels per page) so that a hostile PDF cannot take the service's
memory; the file's size and page count are checked before any page is rendered. An image's
size, frame count and declared pixels are checked the same way before any pixel is decoded.

A PDF signed electronically (PAdES) has its signatures listed by :func:`pdf_signatures` (pyHanko):
each signer, and whether the signed bytes are intact. :func:`specimen_scan` draws a scanned copy
without printer nor scanner, for the demo.
"""

from __future__ import annotations

import functools
import io
import os
import re
import stat
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from .naming import report_id
from .outcomes import (DamagedPdf, EmptyFile, EncryptedPdf, ImageTooLarge, PdfTooLarge, UnidentifiedImage,
                       UnidentifiedPdf, UnreadableImage, UnreadableReport)
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
#: this (an A3 sheet scanned at 600 dpi has 70 million) is refused before any rendering; so is an
#: image dropped as a signed copy any page (frame) of which declares more.
MAX_IMAGE_PIXELS = 100_000_000
#: How a copy was matched (the journal and the tracking say it).
BY_CODE, BY_TEXT = "code", "texte"

#: Images, told by their first bytes (:func:`image_format`): what each is, in French, and the names it
#: usually has (the first is the one a copy filed by the product gets). A photo or a scan of the signed
#: pages is a signed copy; under a Word document's name it is turned away (pipeline.preflight).
IMAGE_FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    "jpeg": ("une image JPEG (photo ou numérisation)", (".jpg", ".jpeg", ".jpe", ".jfif")),
    "png": ("une image PNG", (".png",)),
    "tiff": ("une image TIFF (numérisation)", (".tif", ".tiff")),
    "heif": ("une photo HEIC (iPhone)", (".heic", ".heif", ".hif")),
    "webp": ("une image WebP", (".webp",)),
    "gif": ("une image GIF", (".gif",)),
    "bmp": ("une image BMP", (".bmp",)),
}
# The ISO base media file's brands that say HEIF holding HEVC (the iPhone's photos), not AVIF.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}


def image_format(head: bytes) -> str | None:
    """The image format (a key of :data:`IMAGE_FORMATS`) the first bytes of a file say, or ``None``."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):  # BigTIFF too
        return "tiff"
    if head[4:8] == b"ftyp":  # an ISO base media file: its major brand, then its compatible ones
        size = int.from_bytes(head[:4], "big")
        brands = {head[8:12], *(head[i:i + 4] for i in range(16, min(size, len(head)) - 3, 4))}
        if brands & _HEIF_BRANDS or (head[8:12] in (b"mif1", b"msf1") and b"avif" not in brands):
            return "heif"
        return None
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"BM") and head[6:10] == b"\x00\x00\x00\x00" and len(head) >= 26:
        return "bmp"
    return None


#: A photo's pages are also tried at half size: a phone's picture of a sheet is often sharper so.
HALVED_ABOVE_PIXELS = 6_000_000

#: The content of a signed copy that is a PDF (else an image: a key of IMAGE_FORMATS).
PDF = "pdf"
#: Names a signed copy comes under: a PDF's, or an image's (``.jpg``, ``.png``, ``.tif``, ``.heic``...).
IMAGE_EXTENSIONS = frozenset(ext for _, extensions in IMAGE_FORMATS.values() for ext in extensions)
SIGNED_COPY_EXTENSIONS = IMAGE_EXTENSIONS | {".pdf"}
#: Names that say a Word document: a file under one is read as a report, whatever its bytes (a photo
#: renamed .docx is turned away as no report, with a note that says how to send it).
WORD_EXTENSIONS = frozenset({".docx", ".docm", ".doc", ".dotx", ".dotm", ".dot", ".odt", ".rtf"})
#: Image formats each frame of which is a page (a copier's multi-page TIFF, a HEIF holding several
#: pictures); of the others, only the first frame is (an iPhone JPEG's second, MPF, picture is a preview).
MULTI_PAGE_FORMATS = frozenset({"tiff", "heif"})
# Pillow's names of each format (Image.open is told which, never left to guess; its JPEG opener
# gives an MPO, a JPEG holding more pictures, an iPhone's among them, as such).
_PIL_FORMATS = {"jpeg": ("JPEG",), "png": ("PNG",), "tiff": ("TIFF",), "heif": ("HEIF",),
                "webp": ("WEBP",), "gif": ("GIF",), "bmp": ("BMP",)}
_HEAD_BYTES = 4096

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
    """What :func:`identify` found in a PDF or an image."""

    page_count: int
    copies: list[SignedCopy] = field(default_factory=list)
    image_format: str | None = None  # an image's (a key of IMAGE_FORMATS); None for a PDF

    @property
    def is_batch(self) -> bool:
        return len(self.copies) > 1


def content_format(head: bytes) -> str | None:
    """What a file's first bytes say it is: :data:`PDF`, an image format, or ``None``."""
    return PDF if b"%PDF-" in head[:1024] else image_format(head)


def _head(path: Path) -> bytes | None:
    """The first bytes of a regular file (a link is not followed, a pipe not waited for); ``None``
    for anything else, or a file that cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        return os.read(fd, _HEAD_BYTES) if stat.S_ISREG(os.fstat(fd).st_mode) else None
    except OSError:
        return None
    finally:
        os.close(fd)


def is_signed_copy_candidate(path: Path, name: str) -> bool:
    """Whether a received file goes the signed copies' way rather than the reports': a file named
    as a PDF or an image (``.pdf``, ``.jpg``, ``.png``, ``.tif``, ``.heic``...), or whose bytes are
    a PDF's or an image's under any name that does not say a Word document (a copier's ``SCAN0001``,
    a ``.jpg`` that is a PNG). Never a zip: a report saved under another name is still read as a
    report; nor a file named ``.docx`` (or ``.doc``, ``.odt``...): a PDF or a photo renamed so is
    turned away as no report, as a report would be."""
    head = _head(Path(path))
    if head is None or head.startswith(b"PK\x03\x04"):
        return False
    suffix = PurePath(name).suffix.lower()
    if suffix in SIGNED_COPY_EXTENSIONS:
        return True
    return suffix not in WORD_EXTENSIONS and content_format(head) is not None


is_pdf_candidate = is_signed_copy_candidate  # its name before images were signed copies too


def image_extension(image: str, name: str) -> str:
    """The extension an image of format ``image`` is filed under: the one it was received with when
    it is one of that format's (``.jpeg`` stays ``.jpeg``, ``.JPG`` becomes ``.jpg``), else the
    format's own (a ``.jpg`` that is a PNG is filed as ``.png``)."""
    suffix = PurePath(name).suffix.lower()
    extensions = IMAGE_FORMATS[image][1]
    return suffix if suffix in extensions else extensions[0]


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
    width, height = page.get_size()
    scale = RENDER_DPI / 72
    if width * height * scale * scale > MAX_PAGE_PIXELS:
        scale = (MAX_PAGE_PIXELS / (width * height)) ** 0.5
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        return _codes_in(bitmap.to_pil())
    finally:
        bitmap.close()


def _codes_in(image) -> list[Identity]:
    """The reports the QR codes of a page's picture (grey) name: as it is, then after a median
    filter (a scanner's specks break a code's finder patterns), then, for a big picture (a phone's
    photo), at half size."""
    import zxingcpp
    from PIL import ImageFilter

    def read(picture) -> list[Identity]:
        return _decoded(zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode))

    codes = read(image) or read(image.filter(ImageFilter.MedianFilter(3)))
    if not codes and image.width * image.height > HALVED_ABOVE_PIXELS:
        codes = read(image.reduce(2))
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
    """The reports a PDF or an image holds, page by page (see the module's docstring); what it is
    comes from its bytes (a ``.pdf`` that is a JPEG is read as an image). Raises an
    :class:`~pipeline.outcomes.UnreadableReport` subclass when the file cannot be read, or
    :class:`~pipeline.outcomes.UnidentifiedPdf` (:class:`~pipeline.outcomes.UnidentifiedImage`)
    when no page names a report."""
    path = Path(path)
    found = content_format(_head(path) or b"")
    if found is not None and found != PDF:
        return identify_image(path, found, max_mb=max_mb, max_pages=max_pages)
    if found is None and path.suffix.lower() in IMAGE_EXTENSIONS:  # named as an image, and none
        if _size(path) == 0:
            raise EmptyFile.because("image")
        raise UnreadableImage.because()
    document = open_pdf(path, max_mb=max_mb, max_pages=max_pages)
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


def group_pages(found: list[tuple[Identity | None, str | None]], *,
                unidentified: type[UnreadableReport] = UnidentifiedPdf) -> Identification:
    """Pages (what each one names, in order) grouped into one copy per report; ``unidentified``
    is raised when no page names one."""
    result = Identification(page_count=len(found))
    first = next(((i, identity, how) for i, (identity, how) in enumerate(found) if identity), None)
    if first is None:
        raise unidentified.because()
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


def _size(path: Path) -> int:
    return os.lstat(path).st_size


# -- images --------------------------------------------------------------------------------


@functools.cache
def heif_readable() -> bool:
    """Whether HEIC/HEIF pictures (an iPhone's photos) can be decoded here: pillow-heif installed,
    and registered with Pillow once."""
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


def _open_image(path: Path, image: str):
    """The image opened by Pillow (only its header read), as the format its bytes say."""
    from PIL import Image

    if image == "heif" and not heif_readable():
        raise UnreadableImage.because("heif")
    try:
        with warnings.catch_warnings():  # between Pillow's warning and our cap: ours decides
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(path, formats=_PIL_FORMATS[image])
    except Image.DecompressionBombError as exc:  # over twice Pillow's own cap: refused before decoding
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        raise ImageTooLarge.because("image", page=1, pixels=f"{int(pixels.group(1)) / 1e6:.0f}" if pixels
                                    else "plusieurs centaines de") from exc
    except Exception as exc:  # noqa: BLE001 - Pillow's parsers on untrusted bytes: any failure means damaged
        raise UnreadableImage.because() from exc


def _image_pages(picture, image: str, max_pages: int) -> int:
    """How many pages an image holds (each frame of a multi-page one), once each is checked against
    the caps, from the headers alone: at most ``max_pages``, each under :data:`MAX_IMAGE_PIXELS`."""
    pages = 0
    while True:
        try:
            picture.seek(pages)
        except EOFError:
            break
        except Exception as exc:  # noqa: BLE001 - a damaged frame directory
            raise UnreadableImage.because() from exc
        pixels = picture.width * picture.height
        if pixels > MAX_IMAGE_PIXELS:
            raise ImageTooLarge.because("image", page=pages + 1, pixels=f"{pixels / 1e6:.0f}")
        pages += 1
        if image not in MULTI_PAGE_FORMATS:
            break
        if pages > max_pages:
            raise ImageTooLarge.because("pages", pages=f"plus de {max_pages}", limit=max_pages)
    return pages


def _page_picture(picture, image: str):
    """The current frame decoded as a page to read: upright (EXIF orientation), grey, at most
    :data:`MAX_PAGE_PIXELS` (a JPEG decoded at a half or a quarter of its size when that is enough)."""
    from PIL import Image, ImageOps

    width, height = picture.size
    shrink = min(1.0, (MAX_PAGE_PIXELS / (width * height)) ** 0.5)
    if image == "jpeg":
        picture.draft("L", (round(width * shrink), round(height * shrink)))
    upright = ImageOps.exif_transpose(picture)
    if upright.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16 bits a sample: 8 kept, not clipped
        upright = upright.convert("I").point(lambda v: v * (1 / 256))
    if "A" in upright.getbands() or "transparency" in upright.info:  # on white paper, not black
        upright = Image.alpha_composite(Image.new("RGBA", upright.size, "white"), upright.convert("RGBA"))
    grey = upright.convert("L")
    if grey.width * grey.height > MAX_PAGE_PIXELS:
        scale = (MAX_PAGE_PIXELS / (grey.width * grey.height)) ** 0.5
        grey = grey.resize((max(1, int(grey.width * scale)), max(1, int(grey.height * scale))), Image.BOX)
    return grey


def identify_image(path: Path, image: str, *, max_mb: float, max_pages: int) -> Identification:
    """The reports an image of format ``image`` holds, page by page (each frame of a multi-page
    TIFF), under the caps of a PDF: its size, its pages, each page's declared pixels, checked before
    any pixel is decoded. Raises an :class:`~pipeline.outcomes.UnreadableReport` subclass when it
    cannot be read or made into a PDF without loss, or :class:`~pipeline.outcomes.UnidentifiedImage`
    when no page's code can be read."""
    size = _size(path)
    if size == 0:
        raise EmptyFile.because("image")
    if size > max_mb * 1024 * 1024:
        raise ImageTooLarge.because("file_size", size=f"{size / 1024 / 1024:.0f} Mo", limit=f"{max_mb:g} Mo")
    found: list[tuple[Identity | None, str | None]] = []
    with _open_image(path, image) as picture:
        pages = _image_pages(picture, image, max_pages)
        for index in range(pages):
            try:
                picture.seek(index)
                codes = _codes_in(_page_picture(picture, image))
            except UnreadableReport:
                raise
            except Exception as exc:  # noqa: BLE001 - a truncated or damaged picture
                raise UnreadableImage.because() from exc
            found.append((codes[0], BY_CODE) if codes else (None, None))
    result = group_pages(found, unidentified=UnidentifiedImage)
    result.image_format = image
    made = _checked_lossless_pdf(path, image)  # filed beside the image: it must be made, now
    if made != pages:
        raise UnreadableImage.because("conversion")
    return result


def _checked_lossless_pdf(path: Path, image: str) -> int:
    """The page count of :func:`lossless_pdf` of the image, or UnreadableImage when it cannot be made."""
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(lossless_pdf(path, image))) as made:
            return len(made.pages)
    except Exception as exc:  # noqa: BLE001 - img2pdf refuses a variant of a format it cannot embed
        raise UnreadableImage.because("conversion") from exc


# The last image made into a PDF, by the file's identity (device, inode, size, modification time):
# identify_image makes it to know it can be made, the pass then writes it (the received file linked
# to its place is the same file): a HEIC is not decoded and compressed twice.
_last_made: dict[tuple[int, int, int, int], bytes] = {}


def lossless_pdf(path: Path, image: str | None = None) -> bytes:
    """A PDF of the image at ``path``, one page per page of it, without loss (img2pdf): a JPEG's, a
    PNG's or a CCITT G4 TIFF's data embedded as they are, any other image's decoded pixels stored
    losslessly compressed; a page turned by the image's EXIF orientation; no date in it, so that the
    same image always gives the same bytes. ``image``: its format, when already known."""
    import img2pdf
    from PIL import Image

    st = os.stat(path)
    identity = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    if identity in _last_made:
        return _last_made[identity]
    data = Path(path).read_bytes()
    image = image or image_format(data[:_HEAD_BYTES])
    if image == "heif" and not heif_readable():
        raise UnreadableImage.because("heif")
    with warnings.catch_warnings():  # the caps were checked (identify_image)
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        made = img2pdf.convert(data, nodate=True, rotation=img2pdf.Rotation.ifvalid, layout_fun=_page_layout,
                               first_frame_only=image not in MULTI_PAGE_FORMATS)
    _last_made.clear()
    _last_made[identity] = made
    return made


# A4 and A3's long sides, in points (1/72 inch).
_A4 = (595.28, 841.89)
_A3_LONG = 1190.55


def _page_layout(width_px: int, height_px: int, dpi: tuple[float, float]) -> tuple[float, float, float, float]:
    """img2pdf's page for an image: its size at its resolution (a scan's page is a sheet), unless that
    is more than an A3 sheet (a photo, whose resolution says nothing of the paper: 4032 pixels at
    72 dpi are 1.4 m), then an A4 sheet the image fits in. Only the page's size: the image's pixels
    are the same. Returns page width, page height, image width, image height, in points."""
    width, height = width_px * 72 / (dpi[0] or 96), height_px * 72 / (dpi[1] or 96)
    if max(width, height) <= _A3_LONG:
        return width, height, width, height
    page = _A4 if height >= width else _A4[::-1]
    scale = min(page[0] / width, page[1] / height)
    return page[0], page[1], width * scale, height * scale


def write_pages(source: Path, pages: list[int], write: Callable[[Callable[[Path], None]], None]) -> None:
    """The ``pages`` (1-based) of ``source`` as a PDF of their own, handed to ``write`` as the
    function that saves it to a path or a binary stream (``write`` gives the temporary path: see
    :func:`pipeline.files.create_atomically`). The same pages always give the same bytes. An image's
    pages are taken from its :func:`lossless_pdf` (every page of it: the PDF filed beside it)."""
    import pikepdf

    found = content_format(_head(Path(source)) or b"")
    opened = source if found in (PDF, None) else io.BytesIO(lossless_pdf(source, found))
    with pikepdf.open(opened) as original:
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
