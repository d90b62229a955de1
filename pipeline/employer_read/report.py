"""The whole report read on a layout: the copy recognised as one of the form (or turned away with
a reason naming both), the version it states, every field at the first of its places found, its
tables, and the identity of its agent as the copy gives it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..dates import date_among_words, parse_date
from ..employer_form import FINGERPRINT_PREFIX
from ..form import FieldPlace, Form
from ..layout import Layout
from ..outcomes import NotAReport, OtherForm, UnreadableDate, WrongTemplateVersion
from ..read import BY_CODE, BY_FOOTER, Report, _identify, _read_date
from ..text import fold, normalize_identifier
from .document import Document
from .folding import label_key
from .places import Read, Reader
from .tables import read_table

#: Share of an employer's form's labels a copy must show to be read as one of it: a copy of
#: another employer's form shares some labels (« Nom », « Grade », « Date de l'entretien »),
#: rarely half of them.
MIN_SHARE = 0.6
#: Words of a document that is a review report of some form, when it is not one of ours.
REPORT_WORDS = ("entretien professionnel", "compte rendu", "compte-rendu")


def is_employer_form(form: Form) -> bool:
    """Whether ``form`` is an employer's own form (its version is a layout's fingerprint)."""
    return form.version.startswith(FINGERPRINT_PREFIX)


def read_layout(layout: Layout, form: Form, *, path: Path, name: str) -> Report:
    """Read the report ``layout`` holds by ``form``. Raises :class:`NotAReport`, :class:`OtherForm`
    or :class:`WrongTemplateVersion` (their messages name the file as ``name``)."""
    doc = Document(layout, form)
    employer = is_employer_form(form)
    version = _stated_version(layout, form)
    if employer:
        _check_employer_form(doc, form, version, name)
        version = form.version
    else:
        _check_template_form(doc, form, layout, name)
        if version and version != form.version:
            raise WrongTemplateVersion.because(name=name, found=version, current=form.version)
    report = Report(path=path, values={}, tables={}, template_version=version, format=layout.format)
    reader = Reader(doc)
    shared = _shared_places(form)  # places two fields share: a signatory's box, its name and its date
    found_at_shared: dict[str, FieldPlace] = {}
    for f in form.catalogue.fields:
        if f.kind == "table":
            place = form.tables.get(f.key)
            rows = read_table(doc, place, f.columns) if place is not None else None
            if rows is None:
                report.not_in_form.append(f.key)
            report.tables[f.key] = rows or []
            continue
        read, found_at = None, None
        for place in form.places.get(f.key, ()):
            read = reader.read(place, f)
            if read is not None:
                found_at = place
                break
        if found_at is None:
            report.not_in_form.append(f.key)
            read = Read(False if f.kind == "bool" else "")
        else:
            report.found_by[f.key] = found_at.kind
            if f.key in shared.keys:
                found_at_shared[f.key] = found_at
        if read.unsure is not None:  # a mark no one can be sure of: asked again, never read as an answer
            report.unrecognised_marks[f.key] = str(read.unsure)
            if read.several:
                report.several_ticked[f.key] = read.several
            read.value = False if f.kind == "bool" else ""
        if f.kind == "date":
            _read_date(report, f, read.iso or read.value)
            if f.key in report.unreadable_dates:  # a signatory's box: « Claire Fontaine, le 23/11/2026 »
                _date_among_words(report, f, str(read.value))
        report.values[f.key] = read.value
    for place, keys in shared.groups:
        read_there = [key for key in keys if found_at_shared.get(key) == place]
        if len(read_there) > 1:
            _name_and_date_apart(report, form, read_there)
    _identify_layout(report, form, layout, employer)
    return report


@dataclass(frozen=True)
class _Shared:
    groups: list[tuple[FieldPlace, list[str]]]  # a place, and the fields it is a place of
    keys: frozenset[str]


_LAST_SHARED: tuple[Form, _Shared] | None = None


def _shared_places(form: Form) -> _Shared:
    """The places of ``form`` that several fields share, worked out once for the last form read by."""
    global _LAST_SHARED
    if _LAST_SHARED is not None and _LAST_SHARED[0] is form:
        return _LAST_SHARED[1]
    by_place: dict[FieldPlace, list[str]] = {}
    for key, places in form.places.items():
        for place in places:
            by_place.setdefault(place, []).append(key)
    groups = [(place, keys) for place, keys in by_place.items() if len(keys) > 1]
    shared = _Shared(groups, frozenset(key for _, keys in groups for key in keys))
    _LAST_SHARED = (form, shared)
    return shared


def _name_and_date_apart(report: Report, form: Form, keys: list[str]) -> None:
    """A box holding a signatory's name and the date (« Claire Fontaine, le 23/11/2026 »), read by a
    text field and a date field: the name is what is written but the date (a date alone is no
    signature), the date missing when none is written (not « unreadable »: the name is no date)."""
    kinds = {key: form.catalogue.field(key).kind for key in keys}
    dates = [key for key in keys if kinds[key] == "date"]
    for key in dates:
        if key in report.unreadable_dates:  # no date among the words: the box's date is not written
            del report.unreadable_dates[key]
            report.values[key] = ""
    for key in (key for key in keys if kinds[key] == "text"):
        text = str(report.values.get(key) or "")
        found = date_among_words(text) or (text.strip() if _is_a_date(text) else None)
        if found:  # the date and the word before it (« , le », « fait le ») gone
            said = re.compile(r"[,;]?\s*(?:(?:fait|signé)\s+)?(?:\b(?:le|du)\s+)?" + re.escape(found), re.IGNORECASE)
            report.values[key] = " ".join(said.sub(" ", text, count=1).split()).strip(" ,;–-")


def _is_a_date(text: str) -> bool:
    try:
        return parse_date(text) is not None
    except UnreadableDate:
        return False


def _date_among_words(report: Report, f, text: str) -> None:
    """The one date written among other words of a date field's place, when its text is no date."""
    found = date_among_words(text)
    if found is not None:
        report.dates[f.key] = parse_date(found)
        del report.unreadable_dates[f.key]


def _stated_version(layout: Layout, form: Form) -> str | None:
    """The form version the file says it was made from: a document property, else its footer."""
    marks = form.version_marks
    version = layout.properties.get(marks.property) if marks.property else None
    if version or marks.in_footer is None:
        return (version or "").strip() or None
    for footer in layout.footers:
        match = marks.in_footer.search(footer)
        if match:
            return match.group(1)
    return None


def _check_template_form(doc: Document, form: Form, layout: Layout, name: str) -> None:
    rule = form.recognition
    if rule.tags and any(doc.fields_named(tag) for tag in rule.tags):
        return
    labels = {p.text for places in form.places.values() for p in places if p.kind == "label"}
    if sum(1 for label in labels if doc.cell_hits(label)) < rule.min_labels:
        raise NotAReport.because("odt" if layout.format == "odt" else "", name=name)


def _check_employer_form(doc: Document, form: Form, version: str | None, name: str) -> None:
    """Turn away a copy of another layout: stamped with another fingerprint or our template's version,
    or showing too few of the form's labels (:data:`MIN_SHARE`)."""
    shown = form.name or form.version
    if version and version != form.version and version not in form.earlier_versions \
            and version.startswith((FINGERPRINT_PREFIX, "CR-")):
        what = OtherForm.what("template" if version.startswith("CR-") else "version", found=version)
        raise OtherForm.because("stamped", name=name, form=shown, version=form.version, what=what)
    labels = doc.labels.shown
    found = sum(1 for text in labels if doc.exact.get(label_key(text)) or doc.hits(text))
    if labels and found >= MIN_SHARE * len(labels):
        return
    folded = fold(" ".join(doc.texts[:200]))
    if not any(word in folded for word in REPORT_WORDS):
        raise NotAReport.because("odt" if doc.layout.format == "odt" else "", name=name)
    title = next((" ".join(t.split()) for t in doc.texts if t.strip()), "")
    footer = next((" ".join(t.split()) for t in doc.layout.footers if t.strip()), "")
    what = OtherForm.what("title", title=_shorten(title), footer=OtherForm.what("footer", footer=_shorten(footer))
                          if footer else "")
    variant = "none" if not found else "one" if found == 1 else ""
    raise OtherForm.because(variant, name=name, form=shown, version=form.version, what=what, found=found,
                            total=len(labels))


def _shorten(text: str, size: int = 90) -> str:
    return text if len(text) <= size else text[:size - 1].rstrip() + "…"


def _identify_layout(report: Report, form: Form, layout: Layout, employer: bool) -> None:
    """The report's identifier, campaign and agent number: as our reader does (identifier field,
    document property, agent number field); then, for an employer's form, the footer's
    « identifiant … » and the page code's payload in a custom property."""
    _identify(report, form.identity, layout.properties.get(form.identity.identifier_property or ""))
    if report.report_id and "-" in report.report_id or not employer:
        return
    from ..signed_copies import IDENTIFIER_IN_TEXT, parse_code  # one truth for the code and the footer

    for text in layout.footers + layout.headers:
        match = IDENTIFIER_IN_TEXT.search(text)
        if match:
            _take(report, match.group(1).rstrip(".,;"), BY_FOOTER)
            return
    for value in layout.properties.values():
        code = parse_code(str(value).strip())
        if code is not None:
            _take(report, f"{code.campaign}-{code.agent_number}", BY_CODE)
            return


def _take(report: Report, identifier: str, how: str) -> None:
    identifier = normalize_identifier(identifier)
    campaign, _, number = identifier.partition("-")
    if campaign and number:
        report.report_id, report.campaign, report.agent_number, report.identified_by = identifier, campaign, number, how
