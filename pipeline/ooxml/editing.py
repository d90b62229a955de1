"""Editing WordprocessingML as a person does in Word, or as LibreOffice does on
save: used to fill reports for the demo, the tests and the benchmarks."""

from __future__ import annotations

import copy

from lxml import etree

from .building import CHECKED_BOX, UNCHECKED_BOX, make_run
from .ns import element, qn
from .reading import control_property, iter_controls

_P, _TR, _TC = qn("w:p"), qn("w:tr"), qn("w:tc")
# Tracked changes made by the evaluator, on the day reviews are filled.
_REVIEWER, _CHANGED_ON = "Évaluateur", "2026-12-01T10:00:00Z"


def _text_runs(text: str) -> list[etree._Element]:
    """Runs for a text; newlines become line breaks inside the same paragraph."""
    runs = []
    for index, line in enumerate(text.split("\n")):
        run = make_run(line)
        if index:
            run.insert(0, element("w:br"))
        runs.append(run)
    return runs


def set_control_text(sdt: etree._Element, text: str) -> None:
    """Type into a control: the placeholder goes, the text replaces the content."""
    pr = sdt.find(qn("w:sdtPr"))
    placeholder = pr.find(qn("w:showingPlcHdr"))
    if placeholder is not None:
        pr.remove(placeholder)
    content = sdt.find(qn("w:sdtContent"))
    for child in list(content):
        content.remove(child)
    for run in _text_runs(text):
        content.append(run)


def set_control_date(sdt: etree._Element, day_iso: str, shown: str) -> None:
    """Pick a date in a date control: Word stores it in ``w:fullDate`` and shows it."""
    date = control_property(sdt, "w:date")
    if date is not None:
        date.set(qn("w:fullDate"), f"{day_iso}T00:00:00Z")
    set_control_text(sdt, shown)


def set_checkbox(sdt: etree._Element, checked: bool) -> None:
    """Tick or untick a check-box control, and its symbol."""
    box = control_property(sdt, "w14:checkbox")
    box.find(qn("w14:checked")).set(qn("w14:val"), "1" if checked else "0")
    set_control_text(sdt, CHECKED_BOX if checked else UNCHECKED_BOX)


def unwrap_control(sdt: etree._Element) -> None:
    """Delete a control but keep what it holds (Word: "Remove content control")."""
    content = sdt.find(qn("w:sdtContent"))
    parent = sdt.getparent()
    position = parent.index(sdt)
    for child in reversed(list(content)):
        parent.insert(position, child)
    parent.remove(sdt)


def remove_control_tags(root: etree._Element) -> None:
    """What LibreOffice 7.4 does on save: every control loses its ``w:tag``."""
    for sdt in list(iter_controls(root)):
        tag = control_property(sdt, "w:tag")
        if tag is not None:
            tag.getparent().remove(tag)


def set_cell_text(tc: etree._Element, text: str) -> None:
    """Replace everything in a cell by typed text, one paragraph per line."""
    for p in list(tc.iter(_P)):
        p.getparent().remove(p)
    for line in text.split("\n"):
        p = etree.SubElement(tc, _P)
        p.append(make_run(line))


def append_paragraph(tc: etree._Element, text: str) -> None:
    """Type a new last paragraph in a cell (or in any container of paragraphs)."""
    p = etree.SubElement(tc, _P)
    p.append(make_run(text))


def append_run(container: etree._Element, text: str, *, after: etree._Element | None = None) -> None:
    """Type text next to an element (for instance after a control, in its paragraph)."""
    run = make_run(text)
    if after is not None:
        after.addnext(run)
    else:
        container.append(run)


def add_table_row(tbl: etree._Element, texts: list[str]) -> etree._Element:
    """A new last row, copied from the last one (keeps widths), holding ``texts``."""
    rows = list(tbl.iterchildren(_TR))
    new = copy.deepcopy(rows[-1])
    tbl.append(new)
    for tc, text in zip(new.iterchildren(_TC), texts):
        set_cell_text(tc, text)
    return new


def remove_table_row(tr: etree._Element) -> None:
    tr.getparent().remove(tr)


def tracked_insertion(text: str, *, author: str = _REVIEWER, change_id: int = 9001) -> etree._Element:
    """A run inserted with change tracking on (``w:ins``), to put in a paragraph."""
    ins = element("w:ins", w_id=str(change_id), w_author=author, w_date=_CHANGED_ON)
    ins.append(make_run(text))
    return ins


def tracked_deletion(text: str, *, author: str = _REVIEWER, change_id: int = 9002) -> etree._Element:
    """A run deleted with change tracking on (``w:del``, its text in ``w:delText``)."""
    deleted = element("w:del", w_id=str(change_id), w_author=author, w_date=_CHANGED_ON)
    run = etree.SubElement(deleted, qn("w:r"))
    dtext = etree.SubElement(run, qn("w:delText"))
    dtext.text = text
    dtext.set(qn("xml:space"), "preserve")
    return deleted
