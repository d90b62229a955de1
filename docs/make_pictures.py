"""Make the README's pictures from the demo campaign (run by hand).

    python docs/make_pictures.py

Runs ``pipeline.demo.run_demo`` in a temporary folder, then writes into
``docs/img/``:

- ``note_de_rejet.png``: page 1 of the rejection note of the demo's incomplete
  report with the most problems, as LibreOffice Writer prints it;
- ``plan_de_formation.png``: the «\u202fGraphique\u202f» sheet of
  ``outbox/plan_de_formation.xlsx`` (the grouped titles by type and the chart),
  as LibreOffice Calc prints it;
- ``tableau_de_bord.png``: the top of ``outbox/tableau_de_bord.html`` as headless
  Chromium shows it;
- ``synthese_campagne.png``: ``outbox/synthese_campagne.pdf``, its one page.

Needs LibreOffice Writer and Calc, poppler's pdftoppm/pdftotext and Chromium. On Debian:
``apt-get install -y --no-install-recommends libreoffice-writer-nogui
libreoffice-calc-nogui poppler-utils chromium``. LibreOffice 7.4 or later (one PDF page
per sheet).
"""

from __future__ import annotations

import argparse
import math
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the pipeline package, installed or not

from pipeline.config import load_config  # noqa: E402
from pipeline.demo import run_demo  # noqa: E402
from pipeline.journal import Journal  # noqa: E402

IMG = ROOT / "docs" / "img"
MAX_BYTES = 150 * 1024
RESOLUTIONS = (70, 60, 50, 40)  # the first whose PNG is small enough
CHART_SHEET = "Graphique"
CHART_TITLE = "Demandes de formation par intitulé"  # start of the chart's title (pipeline/workbooks/training_plan.py)
# Calc: each sheet on one page as large as its content, so the chart is never cut in two.
CALC_PDF = 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'

INSTALL = {
    "soffice": "libreoffice-writer-nogui libreoffice-calc-nogui",
    "pdftoppm": "poppler-utils",
    "pdftotext": "poppler-utils",
    "pdfinfo": "poppler-utils",
    "chromium": "chromium",
}
DASHBOARD_WINDOW = (1240, 1900)  # px: the dashboard's top, its key figures and the progress chart
DASHBOARD_WIDTH = 820  # px of the picture
CALC_MISSING = (
    "LibreOffice could not convert the spreadsheet {name} to PDF. LibreOffice Calc is probably "
    "not installed (Writer alone converts only documents). On Debian/Ubuntu:\n"
    "    apt-get install -y --no-install-recommends libreoffice-calc-nogui\n"
    "then run this script again."
)


class PictureError(RuntimeError):
    pass


def check_tools() -> None:
    missing = [tool for tool in INSTALL if shutil.which(tool) is None]
    if missing:
        packages = " ".join(dict.fromkeys(INSTALL[t] for t in missing))
        raise PictureError(
            f"Missing: {', '.join(missing)}. On Debian/Ubuntu:\n"
            f"    apt-get install -y --no-install-recommends {packages}")


def to_pdf(source: Path, out: Path, profile: Path, *, target: str = "pdf") -> Path:
    """One LibreOffice conversion; the PDF path, or PictureError with soffice's own words."""
    out.mkdir(parents=True, exist_ok=True)
    command = [shutil.which("soffice"), f"-env:UserInstallation={profile.as_uri()}", "--headless",
               "--convert-to", target, "--outdir", str(out), str(source)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    pdf = out / f"{source.stem}.pdf"
    if not pdf.exists():
        said = (done.stdout + done.stderr).strip()
        if source.suffix.lower() == ".xlsx":
            raise PictureError(CALC_MISSING.format(name=source.name) + f"\n(soffice said: {said})")
        raise PictureError(f"LibreOffice could not convert {source.name} to PDF (soffice said: {said})")
    return pdf


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def page_text(pdf: Path, page: int) -> str:
    text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def content_bottom(pdf: Path, page: int) -> tuple[float, float, float] | None:
    """(lowest text edge, page width, page height) in points, from pdftotext's word boxes."""
    html = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    size = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', html)
    bottoms = [float(y) for y in re.findall(r'yMax="([\d.]+)"', html)]
    if not size or not bottoms:
        return None
    return max(bottoms), float(size.group(1)), float(size.group(2))


def render(pdf: Path, page: int, target: Path, *, crop_to_text: bool = False) -> Path:
    """``pdftoppm -png`` of one page at the first resolution giving a file under MAX_BYTES;
    with ``crop_to_text``, the blank bottom of the page is cut off."""
    bottom = content_bottom(pdf, page) if crop_to_text else None
    for dpi in RESOLUTIONS:
        stem = target.parent / f".{target.stem}-{dpi}"
        command = ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile"]
        if bottom:
            lowest, width, height = bottom
            command += ["-x", "0", "-y", "0", "-W", str(math.ceil(width * dpi / 72)),
                        "-H", str(math.ceil(min(height, lowest + 36) * dpi / 72))]
        subprocess.run([*command, str(pdf), str(stem)], check=True, capture_output=True)
        made = stem.with_suffix(".png")
        if made.stat().st_size <= MAX_BYTES or dpi == RESOLUTIONS[-1]:
            made.replace(target)
            return target
        made.unlink()
    return target


def worst_rejection(config) -> Path:
    """The rejection note of the incomplete report with the most problems (readable files only)."""
    with Journal(config.state_dir) as journal:
        rows = [r for r in journal.files() if r.outcome == "rejected" and r.note]
    if not rows:
        raise PictureError("the demo rejected no incomplete report: nothing to show")
    errors = lambda r: sum(1 for f in r.findings if f.get("severity") == "erreur")  # noqa: E731
    row = min(rows, key=lambda r: (-errors(r), r.original_name))
    print(f"  rejection note: {Path(row.note).name} ({errors(row)} problems)")
    return Path(row.note)


def chart_page(pdf: Path, sheet_names: list[str]) -> int:
    """The page of the chart sheet: its place among the sheets, checked by the chart's title."""
    pages = page_count(pdf)
    guess = sheet_names.index(CHART_SHEET) + 1 if CHART_SHEET in sheet_names else None
    candidates = ([guess] if guess and guess <= pages else []) + list(range(pages, 0, -1))
    for page in candidates:
        if CHART_TITLE in page_text(pdf, page):
            return page
    raise PictureError(
        f"no page of {pdf.name} holds the chart title «\u202f{CHART_TITLE} …\u202f» in one piece: LibreOffice "
        "7.4 or later is needed (one page per sheet, the SinglePageSheets PDF option)")


def dashboard_picture(page: Path, target: Path, tmp: Path) -> Path:
    """The top of the dashboard as headless Chromium shows it, scaled down to DASHBOARD_WIDTH,
    in 256 colours (its flat colours and text lose nothing)."""
    from PIL import Image

    shot = tmp / "tableau_de_bord.png"
    width, height = DASHBOARD_WINDOW
    done = subprocess.run([shutil.which("chromium"), "--headless", "--disable-gpu", "--no-sandbox",
                           "--hide-scrollbars", f"--window-size={width},{height}",
                           f"--user-data-dir={tmp / 'chromium'}", f"--screenshot={shot}", page.resolve().as_uri()],
                          capture_output=True, text=True, timeout=120)
    if not shot.exists():
        raise PictureError(f"Chromium did not take the screenshot of {page.name} ({done.stderr.strip()[-300:]})")
    picture = Image.open(shot).convert("RGB")
    picture = picture.resize((DASHBOARD_WIDTH, round(height * DASHBOARD_WIDTH / width)), Image.LANCZOS)
    picture.quantize(256).save(target, optimize=True)
    return target


def make_pictures(out: Path = IMG) -> list[Path]:
    check_tools()
    out.mkdir(parents=True, exist_ok=True)
    made = []
    with tempfile.TemporaryDirectory(prefix="entretiens-images-") as tmp:
        tmp = Path(tmp)
        print("Running the demo campaign...")
        result = run_demo(tmp / "demo")
        config = load_config(result.folder / "config.yaml")
        profile = tmp / "profile"

        note = worst_rejection(config)
        pdf = to_pdf(note, tmp / "pdf-note", profile)
        made.append(render(pdf, 1, out / "note_de_rejet.png", crop_to_text=True))

        plan = config.outbox / "plan_de_formation.xlsx"
        pdf = to_pdf(plan, tmp / "pdf-plan", profile, target=CALC_PDF)
        from openpyxl import load_workbook  # only the sheet names (read-only keeps it quick)
        book = load_workbook(plan, read_only=True)
        names = list(book.sheetnames)
        book.close()
        page = chart_page(pdf, names)
        print(f"  training-plan chart: page {page} of {page_count(pdf)}")
        made.append(render(pdf, page, out / "plan_de_formation.png"))

        made.append(dashboard_picture(config.outbox / "tableau_de_bord.html", out / "tableau_de_bord.png", tmp))
        made.append(render(config.outbox / "synthese_campagne.pdf", 1, out / "synthese_campagne.png"))
    for path in made:
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=IMG, help="folder for the PNG files (docs/img)")
    args = parser.parse_args(argv)
    try:
        make_pictures(args.out)
    except PictureError as exc:
        print(f"make_pictures: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
