"""Building WordprocessingML for the templates: inline content controls, runs,
cell shading, a table's repeated header row."""

from __future__ import annotations

from lxml import etree

from .ns import element, qn

PLACEHOLDER_TEXT = {
    "text": "Cliquez ou appuyez ici pour entrer du texte.",
    "number": "Cliquez ou appuyez ici pour entrer du texte.",
    "date": "Cliquez ou appuyez ici pour entrer une date.",
    "choice": "Choisissez un élément.",
}
UNCHECKED_BOX, CHECKED_BOX = "\u2610", "\u2612"


def make_run(text: str, *, color: str | None = None) -> etree._Element:
    """A run holding ``text`` (spaces kept), in ``color`` (hex, e.g. ``"808080"``) if given."""
    run = element("w:r")
    if color:
        rpr = etree.SubElement(run, qn("w:rPr"))
        etree.SubElement(rpr, qn("w:color")).set(qn("w:val"), color)
    t = etree.SubElement(run, qn("w:t"))
    t.text = text
    t.set(qn("xml:space"), "preserve")
    return run


def make_inline_control(
    *,
    tag: str,
    alias: str,
    control_id: int,
    kind: str,
    text: str | None,
    choices: list[str] | None = None,
    multiline: bool = False,
    checked: str = "0",
) -> etree._Element:
    """An inline content control. ``text=None`` shows the placeholder
    (``w:showingPlcHdr``); a text (for instance a Jinja expression) is a value. A check box
    shows ``text`` (else an empty box) and its state is ``checked`` ("1"/"0", or a Jinja
    expression giving one)."""
    sdt = element("w:sdt")
    pr = etree.SubElement(sdt, qn("w:sdtPr"))
    pr.append(element("w:alias", w_val=alias))
    pr.append(element("w:tag", w_val=tag))
    pr.append(element("w:id", w_val=str(control_id)))
    if text is None and kind != "bool":
        pr.append(element("w:showingPlcHdr"))
    if kind == "date":
        date = etree.SubElement(pr, qn("w:date"))
        date.append(element("w:dateFormat", w_val="dd/MM/yyyy"))
        date.append(element("w:lid", w_val="fr-FR"))
        date.append(element("w:storeMappedDataAs", w_val="dateTime"))
        date.append(element("w:calendar", w_val="gregorian"))
    elif kind == "choice":
        drop = etree.SubElement(pr, qn("w:dropDownList"))
        for choice in choices or []:
            drop.append(element("w:listItem", w_displayText=choice, w_value=choice))
    elif kind == "bool":
        box = etree.SubElement(pr, qn("w14:checkbox"))
        etree.SubElement(box, qn("w14:checked")).set(qn("w14:val"), checked)
        for name, code in (("w14:checkedState", "2612"), ("w14:uncheckedState", "2610")):
            state = etree.SubElement(box, qn(name))
            state.set(qn("w14:val"), code)
            state.set(qn("w14:font"), "MS Gothic")
    else:
        text_el = etree.SubElement(pr, qn("w:text"))
        if multiline:
            text_el.set(qn("w:multiLine"), "1")
    content = etree.SubElement(sdt, qn("w:sdtContent"))
    if kind == "bool":
        content.append(make_run(text or UNCHECKED_BOX))
    elif text is None:
        content.append(make_run(PLACEHOLDER_TEXT.get(kind, PLACEHOLDER_TEXT["text"]), color="808080"))
    else:
        content.append(make_run(text))
    return sdt


def _properties(parent: etree._Element, name: str, *, after: tuple[str, ...] = ()) -> etree._Element:
    """``parent``'s properties element ``name``, added if missing: first child, or
    right after the children named in ``after`` (the schema's order)."""
    pr = parent.find(qn(name))
    if pr is None:
        before = {qn(n) for n in after}
        index = 0
        while index < len(parent) and parent[index].tag in before:
            index += 1
        pr = element(name)
        parent.insert(index, pr)
    return pr


def shade_cell(tc: etree._Element, fill: str) -> None:
    """Fill a table cell with a plain colour (hex, e.g. ``"E8EEF4"``)."""
    _properties(tc, "w:tcPr").append(element("w:shd", w_val="clear", w_color="auto", w_fill=fill))


def repeat_as_header_row(tr: etree._Element) -> None:
    """Repeat a table row at the top of each page the table runs onto."""
    _properties(tr, "w:trPr", after=("w:tblPrEx",)).append(element("w:tblHeader"))
