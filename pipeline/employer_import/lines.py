"""What a printed line (or cell) of a blank form offers: a title, leaders to write on, labels followed
by a colon and a place to write, boxes and the text of each."""

from __future__ import annotations

import re

from ..layout import Cell, Line
from ..read import is_prompt
from .wording import BOX_RE, LEADER_RE, LEADERS, bare, clean, core, in_capitals, printed, tokens


_DRAWN_LINE = 8  # spaces in an otherwise empty paragraph: a line to write on (underlined)
_PART_NUMBER = re.compile(r"(?:\d{1,2}|[IVX]{1,5})\s*[.)–-]\s+")


def cell_text(cell: Cell | None) -> str:
    return clean(cell.text).strip() if cell is not None else ""


def is_title_text(text: str, line: Line | None = None) -> bool:
    """A heading, a numbered line in capitals (« 3. VALEUR PROFESSIONNELLE »), or a short line in
    capitals (« IDENTIFICATION DE L'AGENT »); never a label (« … : ») or a line with boxes or leaders,
    unless it is a heading."""
    text = clean(text).strip()
    if not text or text.endswith(":"):
        return False
    if line is not None and line.heading:
        return True
    if BOX_RE.search(text) or LEADER_RE.search(text):
        return False
    if in_capitals(text) and len(text) <= 160:
        return True
    # « 10. Attentes et propositions de l'agent »: a part numbered, in a sentence's case (small capitals,
    # a bold face the page shows and the text does not): short, no colon, no final full stop.
    numbered = _PART_NUMBER.match(text)
    rest = text[numbered.end():] if numbered else ""
    return bool(numbered) and rest[:1].isupper() and ":" not in rest and not rest.endswith(".") and \
        len(rest.split()) <= 12


def is_value_line(line: Line) -> bool:
    """A line where a value is written on the blank form: leaders, tabs, underscores, nothing else;
    or a run of spaces no one types for nothing (a line drawn by underlined spaces, as a word
    processor's user draws one)."""
    text = clean(line.text)
    if len(text) >= _DRAWN_LINE and not text.strip() and not any(p.kind == "field" for p in line.pieces):
        return True
    if not any(p.kind == "tab" for p in line.pieces) and not LEADER_RE.search(text):
        return False
    return not LEADER_RE.sub("", text).replace("\t", "").strip()


def is_field_area(line: Line) -> bool:
    """A line holding only a text field without a name (an ODF input field or placeholder,
    « <Saisir ici> »): the place to write what the label above it asks."""
    fields = [p for p in line.pieces if p.kind == "field"]
    return len(fields) == 1 and fields[0].field_kind == "text" and fields[0].name is None and \
        not "".join(p.shown for p in line.pieces if p.kind != "field").strip()


def offered(entries) -> list[str]:
    """A drop-down list's choices: its entries but those that ask for one (« (choisir) »)."""
    return [entry for entry in entries if entry.strip() and not is_prompt(entry)]


def is_signature(label: str) -> bool:
    return tokens(core(label))[:1] == ("signature",)


def starts_with_box(line: Line) -> bool:
    match = BOX_RE.search(clean(line.text))
    return bool(match) and not clean(line.text)[:match.start()].strip()


def boxes_of(line: Line) -> tuple[str, list[tuple[str, int]], int | None]:
    """The text before the first box, each box's text and position, and where the text after the
    last box's own words begins (``None`` when nothing follows)."""
    text = clean(line.text)
    matches = list(BOX_RE.finditer(text))
    if not matches:
        return text, [], None
    options, post = [], None
    for n, match in enumerate(matches):
        end = matches[n + 1].start() if n + 1 < len(matches) else len(text)
        rest = text[match.end():end]
        stop = re.search(r"\t| {3,}|\s[—–]\s|:|" + LEADERS, rest)
        option = rest[:stop.start()] if stop else rest
        options.append((" ".join(option.split()).strip(" ,;"), match.start()))
        if n + 1 == len(matches) and stop and rest[stop.start():].strip(" \t—–-:.…_"):
            post = match.end() + stop.start()
    return text[:matches[0].start()], [o for o in options if o[0]], post


def inline_labels(line: Line, start: int = 0) -> list[tuple[str, int, str]]:
    """The labels of a line followed by a colon and a place to write (leaders, a tab, the line's end):
    each label (as printed), the position just after its colon, and what follows up to the next label."""
    text = clean(line.text)
    found = []
    for match in re.finditer(r"(?:^|\t|" + LEADERS + r"| {2,}|\s[—–]\s)\s*(?P<label>[^\t:…]{1,150}?)"
                             r"\s*(?::(?!\S)|(?=\t|" + LEADERS + r"))", text[start:]):
        label = match.group("label")
        if LEADER_RE.search(label) or BOX_RE.search(label):
            continue
        end = start + match.end()
        after = text[end:]
        zone = re.match(r"\s*(?:\t|" + LEADERS + r"|…|-{3,}|$)", after)
        if after.strip() and not zone:
            continue  # « T1 : adaptation immédiate au poste » : a legend, not a label
        if not match.group().rstrip().endswith(":"):  # no colon: the value goes after the leaders
            end += zone.end()
        found.append((printed(label), end, after))
    return [f for f in found if re.search(r"[^\W\d_]", bare(f[0])) and len(f[0].split()) <= 16
            and (bare(f[0])[0].isupper() or bare(f[0])[0].isdigit() or start > 0)]
