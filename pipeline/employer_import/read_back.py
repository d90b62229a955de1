"""The mapping checked with the reader (:func:`check_with_reader`): a value is written in each place
of a copy of the layout, the copy is read by :func:`pipeline.employer_read.read_layout` following
the mapping, and a place that does not give back its own value is tried under its group's heading,
its part, then by occurrence."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from ..employer_form import EmployerFormFile, employer_form
from ..employer_read import read_layout
from ..employer_read.tables import joiner
from ..form import LIST_SEPARATOR
from ..layout import Cell, Layout, Line, Piece, Table
from .candidate import Candidate
from .mapping import Mapping, Placed
from .wording import BOX_RE, clean

#: How many other ways of saying a place the check tries, for one place and in all (a read each).
MAX_TRIALS_A_PLACE, MAX_TRIALS = 12, 60


def check_with_reader(mapping: Mapping, layout: Layout, found: list[Candidate]) -> bool:
    """Write a value in each place of a copy of ``layout``, read the copy with the reader following
    the mapping, and for each place that does not give its value back, try it under its group's
    heading, its part, then by occurrence; each place's ``checked`` says how it went. Returns False
    when the reader refuses the copy (the places are then as guessed)."""
    copied_layout, copied = _copy(layout, {key: p.candidate for key, p in mapping.places.items()})
    expected = _write_values(mapping, copied)
    catalogue = mapping.adapted()

    def read(places: dict[str, dict[str, Any]]):
        data = mapping.as_data() | {"emplacements": places}
        form = employer_form(catalogue, EmployerFormFile.model_validate(data))
        return read_layout(copied_layout, form, path=Path("modele"), name="modele")

    places = {key: dict(p.spec) for key, p in mapping.places.items()}
    try:
        report = read(places)
    except Exception:  # the reader refuses the copy: the places stay as guessed
        return False
    titles = list(dict.fromkeys(c.title for c in found if c.title))
    budget = MAX_TRIALS
    for key, placed in mapping.places.items():
        if key not in expected:
            continue
        if _reads(report, key, expected[key]):
            placed.checked = True
            continue
        placed.checked = False
        if placed.candidate.kind == "table":
            continue
        for attempt in _alternatives(placed, titles)[:min(budget, MAX_TRIALS_A_PLACE)]:
            budget -= 1
            try:
                other = read({**places, key: attempt})
            except Exception:
                continue
            if _reads(other, key, expected[key]) and \
                    all(_reads(other, k, expected[k]) for k, p in mapping.places.items()
                        if p.checked and k in expected):
                places[key] = attempt
                placed.spec, placed.checked = attempt, True
                break
    return True


def _copy(layout: Layout, candidates: dict[str, Candidate]) -> tuple[Layout, dict[str, Candidate]]:
    """A deep copy of ``layout`` and of the candidates pointing into it; the documents' own nodes
    (each part's ``source``) are shared, not copied."""
    memo: dict[int, Any] = {}
    for line, _ in layout.lines():
        memo[id(line.source)] = None
        for piece in line.pieces:
            memo[id(piece.source)] = None
    for table in layout.tables():
        memo[id(table.source)] = None
        for cell in table.cells():
            memo[id(cell.source)] = None
    memo.pop(id(None), None)
    return copy.deepcopy((layout, candidates), memo)


def _marker(n: int) -> str:
    """The value written in the ``n``-th place: « Zqba », « Zqbb »…, found in no form."""
    letters = ""
    n += 26
    while n:
        n, rest = divmod(n, 26)
        letters = chr(97 + rest) + letters
    return f"Zq{letters}"


def _write_values(mapping: Mapping, candidates: dict[str, Candidate]) -> dict[str, Any]:
    """Write a value in each place (``candidates``: the places' candidates on the copy); returns what
    each field must read: its marker, the choice ticked, a yes/no, a table's first row."""
    expected: dict[str, Any] = {}
    inserts: dict[int, tuple[Line, list[tuple[int, str]]]] = {}
    ticks: list[tuple[Line, int]] = []
    rooms: dict[tuple[int, int], tuple[Line, str, str]] = {}  # the line written under a label, its field, its value
    for n, (key, placed) in enumerate(mapping.places.items()):
        c, spec = candidates[key], placed.spec
        mark = c.mark
        marker = _marker(n)
        if c.kind == "after_label" and c.field_kind == "date":  # « … le » is a label only before a date
            marker = f"{n % 28 + 1:02d}/{n % 12 + 1:02d}/2026"
        if "after" in mark:
            line, offset = mark["after"]
            if len(clean(line.text)) != len(line.text):
                continue
            inserts.setdefault(id(line), (line, []))[1].append((offset, f" {marker} "))
            expected[key] = marker
        elif "below" in mark:
            blocks, line = mark["below"]
            shared = rooms.get((id(blocks), id(line)))
            if shared is not None:  # a signatory's box: the name and the date written together
                written, other, name = shared
                written.pieces[0].text = text = f"{name} le {n % 28 + 1:02d}/03/2026"
                for each, kind in ((other, candidates[other].field_kind), (key, c.field_kind)):
                    expected[each] = text if kind == "date" else name  # the name read apart from its date
                continue
            written = Line([Piece("text", marker)])
            blocks.insert(blocks.index(line) + 1, written)
            rooms[(id(blocks), id(line))] = (written, key, marker)
            expected[key] = marker
        elif "cell" in mark:
            _write_cell(mark["cell"], marker)
            expected[key] = marker
        elif "piece" in mark:
            piece = mark["piece"]
            piece.placeholder = False
            if c.field_kind == "dropdown" and c.choices:
                piece.text = expected[key] = c.choices[0]
            else:
                piece.text, piece.value = marker, None
                expected[key] = marker
        elif "grid" in mark and spec["colonnes"]:
            choices = list(spec["colonnes"])
            pick = n % len(choices)
            _write_cell(list(mark["grid"].values())[pick], "X")
            expected[key] = choices[pick]
        elif c.kind == "table" and "list" in mark:
            line = mark["list"]
            if len(clean(line.text)) != len(line.text):
                continue
            row = {}
            unlabelled = []
            for i, (column, place) in enumerate(spec["colonnes"].items()):
                if isinstance(place, dict):
                    ticks.append(mark["list_ticks"][i][0])
                    row[column] = list(place["cases"])[0]
                elif place:
                    inserts.setdefault(id(line), (line, []))[1].append((mark["list_after"][i], f" {marker}{i} "))
                    row[column] = f"{marker}{i}"
                else:
                    unlabelled.append(f"{marker}{i}")
                    row[column] = f"{marker}{i}"
            if unlabelled:
                joined = joiner(spec.get("separateur", LIST_SEPARATOR)).join(unlabelled)
                inserts.setdefault(id(line), (line, []))[1].append((mark["list_start"], joined + " "))
            expected[key] = row
        elif c.kind == "table":
            row: dict[str, Any] = {}
            columns = list(spec["tableau"])
            for i, (column, cell) in enumerate(mark["cells"].items()):
                place = spec["tableau"][columns[i]]
                if isinstance(place, dict):
                    ticks.append(mark["ticks"][column][0])
                    row[columns[i]] = list(place["cases"])[0]
                else:
                    _write_cell(cell, f"{marker}{i}")
                    row[columns[i]] = f"{marker}{i}"
            expected[key] = row
        elif "ticks" in mark:
            if c.kind == "box":
                ticked = n % 2 == 0
                if ticked:
                    ticks.append(mark["ticks"][0])
                expected[key] = ticked
            elif spec["cases"]:
                choices = list(spec["cases"])
                pick = n % len(choices)
                ticks.append(mark["ticks"][pick])
                expected[key] = choices[pick]
    for line, offset in ticks:
        _tick(line, offset)
    for line, found in inserts.values():
        for offset, text in sorted(found, reverse=True):
            _insert(line, offset, text)
    return expected


def _insert(line: Line, offset: int, text: str) -> None:
    """``text`` written into ``line`` at character ``offset`` of its shown text."""
    position = 0
    for n, piece in enumerate(line.pieces):
        size = len(piece.shown)
        if position + size >= offset and piece.kind == "text" and position <= offset:
            cut = offset - position
            piece.text = piece.text[:cut] + text + piece.text[cut:]
            return
        if position >= offset:
            line.pieces.insert(n, Piece("text", text))
            return
        position += size
    line.pieces.append(Piece("text", text))


def _tick(line: Line, offset: int) -> None:
    """The box at character ``offset`` of ``line`` ticked."""
    position = 0
    for piece in line.pieces:
        size = len(piece.shown)
        if position <= offset < position + size:
            if piece.kind == "field":
                piece.checked = True
                return
            cut = offset - position
            box = BOX_RE.match(piece.text, cut)
            if box:
                ticked = "[X]" if box.group().startswith("[") else "(X)" if box.group().startswith("(") else "☒"
                piece.text = piece.text[:cut] + ticked + piece.text[box.end():]
            return
        position += size


def _write_cell(cell: Cell | None, text: str) -> None:
    if cell is not None:
        cell.blocks[:] = [b for b in cell.blocks if isinstance(b, Table)] + [Line([Piece("text", text)])]


def _reads(report, key: str, wanted: Any) -> bool:
    if isinstance(wanted, dict):
        rows = report.tables.get(key) or []
        return bool(rows) and all(str(rows[0].get(k, "")).strip() == str(v) for k, v in wanted.items())
    value = report.values.get(key)
    if isinstance(wanted, bool):
        return value is wanted
    return isinstance(value, str) and value.strip() == wanted


def _alternatives(placed: Placed, titles: list[str]) -> list[dict[str, Any]]:
    """Other ways to say the place than its own: under its group's heading, its part, by occurrence."""
    base = {k: v for k, v in placed.spec.items() if k not in ("section", "occurrence")}
    c = placed.candidate
    sections = [s for s in dict.fromkeys([c.context if c.context_kind == "heading" else None, c.title, *titles])
                if s]
    tries = [base] + [{**base, "section": s} for s in sections]
    tries += [{**base, "section": s, "occurrence": n} for s in sections for n in range(2, 6)]
    tries += [{**base, "occurrence": n} for n in range(2, 8)]
    return tries
