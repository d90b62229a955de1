"""Layout speed: a document's :class:`pipeline.layout.Layout` against the raw parse floor.

Run by hand, not a test:

    python benchmarks/bench_layout.py              # the shared employer forms, 200 rounds each
    python benchmarks/bench_layout.py --rounds 500 FILE.docx FILE.odt ...

For each document, in the same run, each figure the best of several passes after a warm-up:

  (a) floor: ``zipfile.ZipFile`` open + ``lxml`` parse of the main part alone
      (word/document.xml, content.xml);
  (b) floor of every part the layout reads (main part, styles, headers and footers, properties);
  (c) the layout: ``preflight.open_document`` (caps, checks) + ``layout.layout_of``, as for every
      report after the first of a template (a .docx's styles part, the same bytes in all of
      them, parsed once);
  (c1) the same for the first report of its template (a .docx's styles parsed: for python-docx's
      350 KB styles.xml, most of the time); headers, footers and an .odt's styles.xml are read
      only when asked for (the reader asks for footers when a copy names no agent otherwise), so
      neither (c) nor (c1) reads them;
  (d) the walk alone: ``docx_layout`` / ``odt_layout`` on parts already parsed.

Printed in milliseconds of this process's CPU time per document (the same as wall time on an
idle machine, and much steadier on a shared one; ``--wall`` for wall time), with (c) / (a) and
(c) / (b).
"""

from __future__ import annotations

import argparse
import sys
import time
import zipfile
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import odf, ooxml  # noqa: E402
from pipeline.layout import layout_of  # noqa: E402
from pipeline.preflight import open_document  # noqa: E402

FORMS = Path(__file__).resolve().parents[2] / "shared" / "forms"
DEFAULT = ["B_hopital_lignes.docx", "B_hopital_lignes_rempli.docx", "C_commune_grille.odt",
           "C_commune_grille_rempli.odt"]
_PLAIN = etree.XMLParser(resolve_entities=False, no_network=True)


def layout_parts(path: Path) -> tuple[str, list[str]]:
    """The main part and every XML part the layout reads, as the package names them."""
    with open_document(path) as package:
        if package.format == "odt":
            names = [odf.CONTENT_PART] + [n for n in (odf.STYLES_PART, odf.META_PART) if package.has_part(n)]
            return odf.CONTENT_PART, names
        parts = package.names()
        names = [package.main_part, *(n for n in parts if n == "word/styles.xml"),
                 *(n for n in parts if n.startswith(("word/header", "word/footer")) and n.endswith(".xml")),
                 *(n for n in (ooxml.CORE_PART, ooxml.CUSTOM_PART) if package.has_part(n))]
        return package.main_part, names


def floor(path: Path, names: list[str]) -> None:
    with zipfile.ZipFile(path) as archive:
        for name in names:
            etree.fromstring(archive.read(name), _PLAIN)


def layout(path: Path) -> None:
    with open_document(path) as package:
        layout_of(package)


def first_of_its_template(path: Path) -> None:
    ooxml.layout._STYLES_CACHE.clear()  # as if no report of this template had been read
    ooxml.layout._PAGES_CACHE.clear()
    odf.layout._PAGES_CACHE.clear()
    layout(path)


def walk_alone(path: Path, names: list[str]):
    """A function building the layout from parts parsed beforehand (the walk's own cost)."""
    with zipfile.ZipFile(path) as archive:
        parsed = {name: etree.fromstring(archive.read(name), _PLAIN) for name in names}
    if path.suffix.lower() == ".odt":
        return lambda: odf.odt_layout(parsed[odf.CONTENT_PART], styles=parsed.get(odf.STYLES_PART),
                                      meta=parsed.get(odf.META_PART))
    main, *others = names
    styles = [n for n in others if n.endswith("styles.xml")]
    return lambda: ooxml.docx_layout(parsed[main], styles=parsed[styles[0]] if styles else None,
                                     headers=[parsed[n] for n in others if "/header" in n],
                                     footers=[parsed[n] for n in others if "/footer" in n],
                                     core=parsed.get(ooxml.CORE_PART), custom=parsed.get(ooxml.CUSTOM_PART))


def best_ms(function, rounds: int, passes: int, clock=time.process_time) -> float:
    function()  # warm-up
    best = float("inf")
    for _ in range(passes):
        start = clock()
        for _ in range(rounds):
            function()
        best = min(best, clock() - start)
    return best / rounds * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="documents (.docx, .odt); default: the shared forms")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--wall", action="store_true", help="wall time instead of this process's CPU time")
    args = parser.parse_args()
    clock = time.perf_counter if args.wall else time.process_time
    files = args.files or [FORMS / name for name in DEFAULT]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        sys.exit(f"missing: {', '.join(missing)}")
    print(f"{'document':34} {'KB':>5} {'(a) main':>9} {'(b) parts':>10} {'(c) layout':>11} {'(c1) first':>11} "
          f"{'(d) walk':>9} {'c/a':>5} {'c/b':>5} {'c1/b':>5}")
    for path in files:
        main, names = layout_parts(path)
        a = best_ms(lambda: floor(path, [main]), args.rounds, args.passes, clock)
        b = best_ms(lambda: floor(path, names), args.rounds, args.passes, clock)
        c = best_ms(lambda: layout(path), args.rounds, args.passes, clock)
        c1 = best_ms(lambda: first_of_its_template(path), args.rounds, args.passes, clock)
        d = best_ms(walk_alone(path, names), args.rounds, args.passes, clock)
        print(f"{path.name:34} {path.stat().st_size // 1024:>5} {a:>9.2f} {b:>10.2f} {c:>11.2f} {c1:>11.2f} "
              f"{d:>9.2f} {c / a:>5.1f} {c / b:>5.1f} {c1 / b:>5.1f}")
    print(f"ms ({'wall' if args.wall else 'CPU'} time) per document, best of {args.passes} passes of "
          f"{args.rounds} rounds")


if __name__ == "__main__":
    main()
