"""Make this folder's files again: reports saved by LibreOffice 25.2, which CI (Debian 12, LibreOffice
7.4) cannot run. Needs a Debian 13 (trixie) root with LibreOffice, e.g.:

    apt-get install debootstrap
    debootstrap --variant=minbase --include=libreoffice-writer-nogui trixie /opt/trixie http://deb.debian.org/debian
    mount --bind /proc /opt/trixie/proc && mount --bind /dev /opt/trixie/dev
    python tests/field_cases/libreoffice_25/make.py /opt/trixie

- ``cr_100231.odt``: agent 100231's report of the reading tests' workspace (``tests/lo.py``), filled
  at stage 1 as ``test_our_own_report_saved_as_odt_by_libreoffice_is_accepted_like_its_docx`` fills
  it, saved as .odt. Made again whenever our template changes (its version is in the file).
- ``B_hopital_lignes_rempli.odt``, ``C_commune_grille_rempli.odt`` and ``.docx``: the filled copies
  of ``../shared/forms``, saved as .odt (and the commune's as .docx).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests")]


class _Folders:
    def mktemp(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=name))


def main(root: Path) -> None:
    import lo
    from pipeline.filling import fill_report

    work = root / "work" / "libreoffice_25"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    ws = lo.workspace(_Folders())
    fill_report(ws.reports["100231"], work / "cr_100231.docx", ws.catalogue, stage=1, review=lo.REVIEW)
    forms = REPO.parent / "shared" / "forms"
    for name in ("B_hopital_lignes_rempli.docx", "C_commune_grille_rempli.odt"):
        shutil.copy(forms / name, work / name)
    inside = Path("/work/libreoffice_25")

    def save_as(target: str, *names: str) -> None:
        subprocess.run(["chroot", str(root), "soffice", "--headless", "-env:UserInstallation=file:///tmp/lo25",
                        "--convert-to", target, "--outdir", str(inside / "out"), *(str(inside / n) for n in names)],
                       check=True, capture_output=True, timeout=600)

    save_as("odt", "cr_100231.docx", "B_hopital_lignes_rempli.docx", "C_commune_grille_rempli.odt")
    save_as("docx", "C_commune_grille_rempli.odt")
    for made in sorted((work / "out").iterdir()):
        shutil.copy(made, HERE / made.name)
        print("écrit :", HERE / made.name)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/opt/trixie"))
