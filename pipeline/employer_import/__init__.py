"""``entretiens formulaire importer``: an employer's blank form read into formulaire.yaml.

An HR department uses its own model of the compte rendu (.docx or .odt, tables and labelled lines,
boxes, grids). :func:`import_form` reads the blank model and writes the mapping HR corrects and
config.yaml's ``formulaire`` names (pipeline/employer_form.py's schema): for each catalogue field,
where the form holds it; the catalogue adapted to the form (labels as printed, the employer's own
scales, the form's own fields proposed as additions, the fields it does not hold relaxed); the
form's fingerprint. The steps, on the format-neutral :class:`~pipeline.layout.Layout`:

1. the model read (:func:`~.model_file.read_model`), or refused in French: a letter, a spreadsheet,
   an encrypted file, a .doc (:class:`FormNotImportable`);
2. the places the page offers (:func:`candidates`: :mod:`.places`, :mod:`.tables`, :mod:`.lines`);
3. which place holds which catalogue field (:func:`match`: :mod:`.matching`, labels compared as
   administrations word them by :mod:`.wording`);
4. the mapping, the catalogue adapted to the form (:func:`build_mapping`: :mod:`.adaptation`,
   :mod:`.mapping`);
5. a compte rendu at all: three of its regulatory parts found at least (:mod:`.regulatory_parts`);
6. each place checked by reading a copy of the form with a value written there
   (:func:`check_with_reader`: :mod:`.read_back`);
7. formulaire.yaml, commented in French, written last, beside an existing one rather than over it
   (:mod:`.formulaire_yaml`); the French summary the command prints (:class:`ImportResult`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..catalogue import DEFAULT, Catalogue
from ..layout import Layout
from .adaptation import build_mapping
from .candidate import Candidate
from .formulaire_yaml import OUTPUT_NAME, earlier_fingerprints, model_path, output_path, render, write
from .mapping import Mapping, Placed
from .matching import MIN_SCORE, SURE, Match, match
from .model_file import FormNotImportable, read_model
from .places import candidates, fingerprint, form_labels
from .read_back import check_with_reader
from .regulatory_parts import REGULATORY_PARTS, is_a_form, not_a_form
from .summary import ImportResult

__all__ = [
    "import_form", "map_layout", "ImportResult", "FormNotImportable", "OUTPUT_NAME",
    # the steps, and what they pass along
    "read_model", "candidates", "Candidate", "fingerprint", "form_labels", "match", "Match", "MIN_SCORE", "SURE",
    "build_mapping", "Mapping", "Placed", "REGULATORY_PARTS", "is_a_form", "check_with_reader", "render",
]


def import_form(path: str | Path, *, catalogue: Catalogue | None = None, output: str | Path | None = None,
                today: dt.date | None = None) -> ImportResult:
    """Read an employer's blank form (.docx or .odt) and write its mapping, formulaire.yaml, to
    ``output`` (``entretiens formulaire importer``): see the module. ``catalogue``: the one to map
    (default: the hospital service's). An existing ``output`` is never replaced: the mapping is
    written beside it under a dated name (``ImportResult.kept``). Without ``output`` nothing is
    written (``ImportResult.text`` holds the file). Raises :class:`FormNotImportable` when the file
    is not a form that can be mapped (French, saying what is missing)."""
    path, today = Path(path), today or dt.date.today()
    layout = read_model(path)
    mapping, checked = map_layout(layout, catalogue or DEFAULT)
    if not is_a_form(mapping):
        raise not_a_form(path, mapping)
    target, kept = output_path(output) if output is not None else (None, None)
    mapping.model = model_path(path, target)
    mapping.earlier = earlier_fingerprints(kept, path, mapping.fingerprint)
    text = render(mapping, model_name=path.name, today=today)
    if target is not None:
        write(target, text)
    return ImportResult(model=path, mapping=mapping, text=text, written=target, kept=kept, checked=checked)


def map_layout(layout: Layout, catalogue: Catalogue) -> tuple[Mapping, bool]:
    """The mapping of a blank form's layout, its places checked with the reader (the second value
    says whether they could be). Writes nothing; the layout is left as it was."""
    parts: list[str] = []
    found = candidates(layout, parts)
    mapping = build_mapping(catalogue, layout, found, match(catalogue, found))
    mapping.parts = parts
    if not is_a_form(mapping):
        return mapping, False
    return mapping, check_with_reader(mapping, layout, found)
