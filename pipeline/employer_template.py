"""The campaign's report template made from the employer's own form, and each agent's report
made from it.

With ``formulaire: formulaire.yaml`` in config.yaml (pipeline/employer_form.py), the reports
sent to the managers are the employer's own form, not ours:

``entretiens modeles`` (:func:`build_employer_template`) copies the employer's blank form
(``Config.employer_model_path``) into ``templates/compte_rendu.docx`` (or ``.odt``: its own
format), its layout, styles, header, footer and logo untouched, and adds what every report
needs: a paragraph at the end of every footer (a footer added where a page shows none) with
the report's identifier in clear text and the page code's QR code
(:func:`pipeline.signed_copies.page_code`, the form's fingerprint as its version), the form's
fingerprint as the document's version (``cp:version``), the template's own stamp
(:data:`STAMP_PROPERTY`: the way it is made, the mapping, the catalogue) and the employer's
file's fingerprint (:data:`MODEL_PROPERTY`), so that
:func:`check_employer_template` refuses a template made from another mapping or another file.
Every place ``generer`` writes to is looked up then: a place the form does not show stops
the command with the field and its place named.

``entretiens generer`` (:class:`EmployerTemplate`, loaded once per run) writes each agent's
report: the roster's values and last year's objectives AT THEIR MAPPED PLACES, found on the
template's :class:`~pipeline.layout.Layout` by the reader's own place-finding
(:class:`pipeline.employer_read.Finder`), so that what is written is where it is read:

``after_label``  the blank after the label (its leader dots or underscores) replaced by the
                 value; a blank that is a tab to a stop keeps its tab (and the stop its leader's
                 dots) after the value; the line's other label stays where it was (its tab kept,
                 the tab stop's dots removed); a form field in the blank (an input field, a
                 legacy FORMTEXT, a content control, a placeholder) gets the value inside it
``below_label``  the first blank line under the label (its tabs kept, a field in it filled),
                 else a new line after it
``cell``         the value cell (to the right, below, in the column of a header), in its
                 paragraph's style; a text field in it filled
``boxes``        the right box ticked: ☐ -> ☒, « [ ] » -> « [X] », a check box field's state;
                 a symbol font's box (a ``w:sym``, a Wingdings character) stays in its font,
                 showing that font's ticked box
``grid``         « X » in the option's column of the criterion's row
``form_field``, ``tag``   the form field or content control of that name
tables           the rows under the header filled in order; more values than rows: rows added,
                 copies of the last blank one (its formatting)

and the identifier, the page code (the footer's picture), the document properties
(``dc:identifier``, ``cp:version``, the page code's text as :data:`CODE_PROPERTY`, the
fingerprint of what was written, as ``cp:contentStatus``, so that an unchanged report is not
written again).

Why lxml rather than a docxtpl template with placeholders at the mapped places: docxtpl knows
no .odt, and a Jinja template would be re-parsed and rendered whole for every agent (a
hundred milliseconds for a three-page form), the employer's own text read as template syntax;
here the template is parsed and every place looked up once, and each report is a copy of the
main part with a few elements changed (a few milliseconds), the other parts copied as they are.
The XML itself is written by :mod:`pipeline.ooxml.filling` and :mod:`pipeline.odf.editing`.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import io
import json
import logging
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from . import catalogue as cat
from .form import FieldPlace, Form, TablePlace
from .layout import Layout, Line, Piece
from .outcomes import EntretiensError, TemplateError
from .text import INVISIBLE, is_yes, normalize_label

if TYPE_CHECKING:
    from .employer_read import Stretch

log = logging.getLogger(__name__)

TEMPLATE_STEM = "compte_rendu"  # templates/compte_rendu.docx or .odt, as the employer's file
#: How the template is made: raise it when what build_employer_template writes changes.
BUILDER_VERSION = "modele-employeur-1"
#: The template's own stamp (a custom document property): see :func:`template_stamp`.
STAMP_PROPERTY = "entretiens_modele"
#: A fingerprint of the employer's file the template was made from (a custom document property).
MODEL_PROPERTY = "entretiens_modele_employeur"
#: The page code's text (``ENTRETIENS|<form>|<campaign>|<agent>``), a custom document property.
CODE_PROPERTY = "entretiens_code_page"
#: What the template's footer reads where each report reads its identifier.
IDENTIFIER_TOKEN = "[identifiant]"
_TOKEN = IDENTIFIER_TOKEN.encode()
# The agent's name where the form's header leaves a blank for it: « Agent : ______ », « Nom de
# l'agent : ……… » (a header repeated on every page, printed before anyone fills the report).
AGENT_TOKEN = "[agent]"
_AGENT = AGENT_TOKEN.encode()
AGENT_IN_HEADER = re.compile(
    r"(?:^|\t|\s{2,})(?:(?:l['’]\s*)?agent(?:\s+(?:évalué|concerné)e?)?|nom\s+(?:et\s+prénom\s+)?de\s+l['’]\s*agent"
    r"|prénom\s+et\s+nom\s+de\s+l['’]\s*agent)\s*:[ \u00a0\u202f]?(?P<blank>[ \u00a0\u202f_.…]*)$", re.IGNORECASE)
_SPACES = " \u00a0\u202f"
_LEADER_CHARS = ".…·_\t" + _SPACES
# A label's colon and the space after it; more spaces are the blank (underlined spaces draw a line).
_COLON = re.compile(rf"[{_SPACES}]*:?[{_SPACES}]?")


def _date_separator(text: str, i: int, stop: int) -> bool:
    """Whether ``text[i]`` is the « / » between two runs of a date's blank (« ____/____/______ »):
    part of the blank the date replaces."""
    return text[i] == "/" and 0 < i < stop - 1 and text[i - 1] in "._…" and text[i + 1] in "._…"


# A box shown ticked: its glyph's ticked twin.
_TICKED = {"☐": "☒", "□": "■", "❑": "■", "◻": "◼", "⬜": "⬛", "▢": "▣",
           "○": "●", "◯": "●", "O": "X", "o": "X"}  # the letter « O » drawing a box: an « X » typed over it
# A symbol font's box (its character in the private-use area, as Word and LibreOffice keep it)
# ticked in the same font: the twin of each empty box, else the font's usual ticked box; a font
# not known here, Wingdings' (what the reader takes for ticked in any font).
_SYMBOL_TICKED = {
    "wingdings": ({"\uf0a8": "\uf0fe", "\uf06f": "\uf078", "\uf071": "\uf0fd", "\uf072": "\uf0fd"}, "\uf0fe"),
    "wingdings 2": ({"\uf0a3": "\uf054", "\uf02a": "\uf054"}, "\uf054"),
}
_FORM_TEXT = ("text", "date")  # the kinds of field a value is typed into


def _symbol_ticked(shown: str, font: str | None) -> str:
    """The ticked twin of the symbol font's box ``shown``, drawn in ``font``."""
    twins, default = _SYMBOL_TICKED.get(" ".join((font or "").casefold().split()), _SYMBOL_TICKED["wingdings"])
    return twins.get(shown, default)


def _formats(fmt: str):
    if fmt == "odt":
        from .odf import editing

        return editing
    from .ooxml import filling

    return filling


# -- names, stamps, checks ----------------------------------------------------------------------


def template_name(config) -> str:
    """``compte_rendu.docx`` or ``compte_rendu.odt``: the employer's file's format."""
    model = config.employer_model_path
    suffix = model.suffix.lower()
    if suffix not in (".docx", ".odt"):
        raise TemplateError(
            f"Le formulaire de l'employeur {model} n'est ni un document Word (.docx) ni un document "
            "OpenDocument (.odt) : enregistrez-le dans l'un de ces formats, indiquez-le sous «\u202fmodele\u202f» "
            f"dans {Path(config.employer_form).name}, puis reconstruisez les modèles.")
    return TEMPLATE_STEM + suffix


def template_path(config) -> Path:
    return config.templates / template_name(config)


def report_suffix(config, suffix: str) -> str:
    """A report's file name suffix (`` - compte rendu.docx``) in the employer's file's format."""
    return suffix[: -len(".docx")] + Path(template_name(config)).suffix if suffix.endswith(".docx") else suffix


def _model_bytes(config) -> bytes:
    model = config.employer_model_path
    try:
        return model.read_bytes()
    except FileNotFoundError:
        raise TemplateError(
            f"Le formulaire de l'employeur {model} est introuvable. Vérifiez la clé «\u202fmodele\u202f» de "
            f"{Path(config.employer_form).name} (chemin relatif à ce fichier).") from None
    except OSError as exc:
        raise TemplateError(f"Le formulaire de l'employeur {model} ne peut pas être lu ({exc.strerror}).") from None


def template_stamp(config) -> str:
    """What a template made from the employer's file must carry: a fingerprint of the way it is
    made, the mapping and the catalogue (a change to one of them means the template must be made
    again); the employer's file has its own (:func:`model_stamp`)."""
    mapping = config.employer_mapping
    # The form's earlier fingerprints are not part of it: they change no template.
    data = json.dumps([BUILDER_VERSION, mapping.model_dump(mode="json", by_alias=True, warnings=False,
                                                            exclude={"earlier"}),
                       config.catalogue.version()], sort_keys=True, ensure_ascii=False, default=str)
    return "M-" + hashlib.sha256(data.encode()).hexdigest()[:12]


def model_stamp(model: bytes) -> str:
    """A fingerprint of the employer's file's bytes (:data:`MODEL_PROPERTY`)."""
    return "sha256:" + hashlib.sha256(model).hexdigest()[:16]


def check_employer_template(config, rebuild_hint: str) -> None:
    """Raise :class:`TemplateError` (French, with the command that mends it) when the report
    template made from the employer's file is missing or was made from another mapping, catalogue
    or file. The employer's file moved away since is not an error: the template is its copy."""
    path = template_path(config)
    if not path.exists():
        raise TemplateError(f"Le modèle {path} est introuvable. Construisez les modèles avec : {rebuild_hint}")
    properties = _properties(path)
    found, wanted = properties.get(STAMP_PROPERTY), template_stamp(config)
    if found != wanted:
        raise TemplateError(
            f"Le modèle {path} a été construit pour une autre version du formulaire de l'employeur "
            f"({found or 'inconnue'}) que celle attendue ({wanted}) : {Path(config.employer_form).name} ou le "
            f"catalogue ont changé depuis. Reconstruisez les modèles avec : {rebuild_hint}")
    model = config.employer_model_path
    try:
        data = model.read_bytes()
    except OSError:
        log.warning("Le formulaire de l'employeur %s est introuvable : le modèle %s, qui en est une copie, est "
                    "utilisé tel quel.", model, path)
        return
    if properties.get(MODEL_PROPERTY) != model_stamp(data):
        raise TemplateError(
            f"Le fichier du formulaire de l'employeur {model.name} a changé depuis la construction du modèle "
            f"{path}. Reconstruisez les modèles avec : {rebuild_hint}")


def stamped(path: Path) -> str | None:
    """The stamp a template made here carries (:data:`STAMP_PROPERTY`), ``None`` if none."""
    return _properties(path).get(STAMP_PROPERTY)


def rendered_fingerprint(path: Path) -> str | None:
    """The fingerprint a report made here carries (``cp:contentStatus``), ``None`` if none."""
    return _properties(path).get("cp:contentStatus")


def _properties(path: Path) -> dict[str, str]:
    """Core (``cp:...``) and custom properties of a .docx or an .odt made here; ``{}`` if unreadable."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "meta.xml" in names:
                from .odf.editing import user_defined

                return user_defined(archive.read("meta.xml"))
            from .ooxml import CORE_PART, parse_xml
            from .ooxml.filling import CUSTOM_PART, custom_properties

            found = custom_properties(archive.read(CUSTOM_PART)) if CUSTOM_PART in names else {}
            if CORE_PART in names:
                core = parse_xml(archive.read(CORE_PART))
                for el in core:
                    if isinstance(el.tag, str) and el.text and el.tag.endswith("}contentStatus"):
                        found["cp:contentStatus"] = el.text.strip()
            return found
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, SyntaxError):
        return {}


# -- the package in memory ----------------------------------------------------------------------


class _Package:
    """Parts in memory, as :func:`pipeline.layout.layout_of` reads a package: part names ignore
    case; each XML part parsed once, by the format's hardened parser."""

    def __init__(self, parts: dict[str, bytes], fmt: str):
        from . import odf, ooxml

        self.parts, self.format = parts, fmt
        self._names = {name.lower(): name for name in parts}
        self._parsed: dict[str, object] = {}
        self._parse = odf.parse_xml if fmt == "odt" else ooxml.parse_xml
        self.main_part = _formats(fmt).main_part(parts)

    def has_part(self, name: str) -> bool:
        return name.lstrip("/").lower() in self._names

    def read_part(self, name: str) -> bytes:
        return self.parts[self._names[name.lstrip("/").lower()]]

    def xml_part(self, name: str):
        key = name.lstrip("/").lower()
        if key not in self._parsed:
            self._parsed[key] = self._parse(self.read_part(name))
        return self._parsed[key]


def _zip(parts: dict[str, bytes]) -> bytes:
    """A zip of ``parts`` in their order, an .odt's ``mimetype`` first and stored (as ODF
    requires), folders as folders, every other part deflated; entries dated 1 January 1980.

    Every part is compressed again for each report, the template's shared parts included (a
    .docx's styles.xml and stylesWithEffects.xml: 790 KB of the hospital's 861 KB). Measured
    against the zip writer of our own this replaced, which compressed them once
    (benchmarks/bench_generate.py, 200 agents, medians of 4 to 6 runs): generer 16.9 -> 19.1 ms
    a document for the .docx (+13 %; a report alone 8.6 -> 14.0 ms), 17.5 -> 18.2 ms for the
    .odt (+4 %); about a second for 200 agents, not worth a zip format written by hand."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in sorted(parts, key=lambda name: name != "mimetype"):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            if name.endswith("/"):
                info.external_attr = 0x10  # MS-DOS directory flag
            elif name != "mimetype":
                info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, parts[name])
    return out.getvalue()


def _read_parts(path: Path) -> tuple[dict[str, bytes], str]:
    """A .docx or an .odt's parts in their order, read under the same caps as a received file."""
    from .preflight import open_document

    with open_document(path) as package:
        found = {name: package.read_part(name) for name in package.names()}
        fmt = package.format
    with zipfile.ZipFile(path) as archive:  # the order of its entries, folders included (an .odt's)
        return {info.filename: b"" if info.is_dir() else found[info.filename] for info in archive.infolist()
                if info.is_dir() or info.filename in found}, fmt


# -- building the template -------------------------------------------------------------------


def build_employer_template(config, folder: Path) -> Path:
    """Make the campaign's report template from the employer's blank form (see the module's
    docstring) in ``folder``; return its path. Raises :class:`TemplateError` (French) when the file
    cannot be read, or when a place ``generer`` writes to is not in it."""
    from .files import make_dirs, replace_atomically
    from .signed_copies import CODE_WIDTH_MM, code_png, page_code

    model = config.employer_model_path
    name = template_name(config)
    data = _model_bytes(config)
    try:
        parts, fmt = _read_parts(model)
    except EntretiensError as exc:
        raise TemplateError(f"Le formulaire de l'employeur {model} ne peut pas être lu : {exc.message}") from None
    if "." + fmt != Path(name).suffix:
        raise TemplateError(
            f"Le formulaire de l'employeur {model} est un document {fmt.upper()} nommé "
            f"«\u202f{model.suffix}\u202f» : renommez-le en «\u202f{model.stem}.{fmt}\u202f» et indiquez ce nom "
            f"sous «\u202fmodele\u202f» dans {Path(config.employer_form).name}.")
    fingerprint = config.employer_mapping.fingerprint
    writer = _formats(fmt)
    # The template's own code names no agent: read on a page, it identifies nothing.
    picture = code_png(page_code(fingerprint, "", "")).getvalue()
    parts = writer.add_page_code(parts, token=IDENTIFIER_TOKEN, picture=picture, width_mm=CODE_WIDTH_MM)
    parts = writer.fill_header_blanks(parts, AGENT_IN_HEADER, AGENT_TOKEN)
    if fmt == "odt":
        from .odf import parse_xml
        from .odf.editing import expand_repeats, serialize

        content = parse_xml(parts[writer.CONTENT_PART])
        expand_repeats(content)
        parts[writer.CONTENT_PART] = serialize(content)
    now = _now()
    parts = writer.set_properties(parts, core={"cp:version": fingerprint, "dcterms:modified": now},
                                  custom={STAMP_PROPERTY: template_stamp(config), MODEL_PROPERTY: model_stamp(data)})
    template = EmployerTemplate(config, parts, fmt)  # every place generer writes to is in the form, or TemplateError
    make_dirs(folder)
    target = Path(folder) / name
    package = _zip(template.parts)
    replace_atomically(target, lambda tmp: tmp.write_bytes(package))
    return target


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- where each value goes ----------------------------------------------------------------------


@dataclass
class _Span:
    """Characters ``start`` to ``end`` of a line's text to replace by a value (``tab``: a tab
    kept after the value, its stop's leader removed)."""

    line: Line
    start: int
    end: int
    tab: Piece | None = None
    before: str = ""  # what goes before the value (a space after a colon)
    after: str = ""  # what goes after it (a space before the next label)


@dataclass
class _Target:
    """Where one field's value goes: one of ``span`` (a line), ``cell`` (a cell's element),
    ``piece`` (a form field), ``new_line_after`` (a line's element, the value on a new line after
    it), ``options`` (choice -> one of those, for boxes and grids). A form field typed into
    (``piece``, a text or date field) in a blank or a cell is written there, the ``span`` or
    ``cell`` only when the field cannot be."""

    span: _Span | None = None
    cell: object = None
    piece: Piece | None = None
    new_line_after: object = None
    options: dict[str, "_Target"] = field(default_factory=dict)
    mark: str = ""  # what ticks a box or a grid's cell
    clear: list[_Span] = field(default_factory=list)  # the rest of the blank, emptied with the span


@dataclass
class _TableTarget:
    """A table's blank rows (each: column key -> its cell's element) and the row to copy when
    there are more values than rows."""

    columns: dict[str, int]
    rows: list[dict[str, object]]
    row_elements: list[object]
    prototype: object  # a blank row's element (the last one), copied for more rows
    prototype_cells: dict[str, object]  # its cells' elements, by column key


@dataclass
class _ListTarget:
    """A table written as a list: its blank lines (each: column key -> the span its value replaces,
    "" for the columns read by their place, written together), the last line's element (more rows
    go on new lines after it) and, when its lines are numbered by hand, the next number and its
    sign (« 4. »)."""

    place: TablePlace
    items: list[dict[str, _Span]]
    last: object
    number: tuple[int, str] | None = None
    boxes: str = ""  # the boxes a blank line prints after its blank (« ☐ atteint ☐ non atteint »), for new lines
    bullet: str = ""  # the dash or bullet its lines start with, when not numbered


_TYPED_NUMBER = re.compile(r"\s*(\d{1,2})(\s*[.)°])")


class _Places:
    """The template's places, found on its layout by the reader's :class:`~pipeline.employer_read.Finder`:
    each kind of place turned into where its value is written."""

    def __init__(self, layout: Layout, form: Form, writer):
        from .employer_read import Document, Finder

        self.doc = Document(layout, form)
        self.finder = Finder(self.doc)
        self.writer = writer  # the format's writer: the font a box is drawn in

    # -- offsets: the reader's text of a line drops invisible characters

    def _offset(self, index: int, k: int) -> int:
        """Offset ``k`` of the reader's text of line ``index`` in the line's own text."""
        line = self.doc.lines[index]
        text = line.text
        if text == self.doc.texts[index]:
            return k
        count = 0
        for position, char in enumerate(text):
            if char in INVISIBLE:
                continue
            if count == k:
                return position
            count += 1
        return len(text)

    def _piece_at(self, line: Line, offset: int) -> Piece | None:
        pos = 0
        for piece in line.pieces:
            size = len(piece.shown)
            if pos <= offset < pos + size:
                return piece
            pos += size
        return None

    @staticmethod
    def _text_field(line: Line, start: int, end: int) -> Piece | None:
        """The first field a value is typed into (text, date: an input field, a legacy FORMTEXT,
        a content control, a placeholder) from offset ``start`` to ``end`` of ``line``, an empty
        one at either end included."""
        pos = 0
        for piece in line.pieces:
            size = len(piece.shown)
            if piece.kind == "field" and piece.field_kind in _FORM_TEXT and start <= pos and (
                    pos < end or pos == end and not size):
                return piece
            pos += size
        return None

    def _around_tabs(self, index: int, start: int, stop: int, tabs: list[int], before: str) -> _Target:
        """A blank from ``start`` to ``stop`` of line ``index`` (the reader's offsets) holding tabs:
        the value written at its start, each tab kept (its stop's leader draws its dots on after
        the value, a next column stays where it is), what else the blank holds (typed dots,
        spaces) emptied."""
        line = self.doc.lines[index]
        at = lambda k: self._offset(index, k)  # noqa: E731
        bounds = [start, *tabs, stop]
        clear = [_Span(line, at(a + 1), at(b)) for a, b in zip(bounds[1:], bounds[2:]) if b > a + 1]
        return _Target(span=_Span(line, at(start), at(tabs[0]), before=before), clear=clear)

    # -- each kind of place

    def find(self, place: FieldPlace) -> _Target | None:
        return getattr(self, f"_{place.kind}", self._unknown)(place)

    def shows(self, place: FieldPlace) -> bool:
        """Whether the form holds ``place``, as the reader finds it."""
        finding = getattr(self.finder, place.kind, None)
        return finding is None or finding(place) is not None

    def _unknown(self, place: FieldPlace) -> None:
        return None

    def _after_label(self, place: FieldPlace) -> _Target | None:
        rest = self.finder.after_label(place)
        if rest is None:
            return None
        index, end, stop = rest.line, rest.start, rest.end
        text = self.doc.texts[index]
        slot = _COLON.match(text, end, stop).end()
        leaders = slot
        while leaders < stop and (text[leaders] in _LEADER_CHARS or _date_separator(text, leaders, stop)):
            leaders += 1
        line = self.doc.lines[index]
        before = "" if slot > 0 and text[slot - 1] in _SPACES + "\t" else " "
        more = text[leaders:].strip(_SPACES) != ""  # another label (or a hint) after the blank
        tabs = [i for i in range(slot, leaders) if text[i] == "\t"]
        if tabs and ":" not in text[end:slot] and not text[slot:tabs[0]].strip(_SPACES):
            # No colon: the tab ends the label (« Date de l'entretien<tab> »), the value goes after it,
            # where the reader finds it (a value before the tab would make the label a sentence).
            slot, tabs, before = tabs[0] + 1, tabs[1:], ""
        if more and tabs:  # keep the last tab: the next label stays at its stop
            tab = self._piece_at(line, self._offset(index, tabs[-1]))
            target = _Target(span=_Span(line, self._offset(index, slot), self._offset(index, tabs[-1]), tab=tab,
                                        before=before))
        elif tabs:  # a tab stop's blank (« Nom :<tab> », its leader's dots): the tabs kept after the value
            target = self._around_tabs(index, slot, leaders, tabs, before)
        else:
            target = _Target(span=_Span(line, self._offset(index, slot), self._offset(index, leaders),
                                        before=before, after=" " if more else ""))
        # An input field in the blank (« Date : <field> »): the value typed into it.
        target.piece = self._text_field(line, self._offset(index, end), self._offset(index, stop))
        return target

    def _below_label(self, place: FieldPlace) -> _Target | None:
        doc = self.doc
        below = self.finder.below_label(place)
        if below is None:
            return None
        if below.lines:
            first = below.lines[0]
            text = doc.texts[first]
            if not text.strip(_LEADER_CHARS):
                line = doc.lines[first]
                tabs = [i for i, char in enumerate(text) if char == "\t"]
                target = (self._around_tabs(first, 0, len(text), tabs, "") if tabs
                          else _Target(span=_Span(line, 0, len(line.text))))
                target.piece = self._text_field(line, 0, len(line.text))  # a placeholder, an input field
                return target
        elif below.under is not None:
            return _Target(cell=below.under.source, piece=self._cell_field(below.under))
        return _Target(new_line_after=doc.lines[below.rest.line].source)

    @staticmethod
    def _cell_field(cell) -> Piece | None:
        """The first field of a cell a value is typed into (a text or date field)."""
        return next((p for line in cell.lines for p in line.pieces
                     if p.kind == "field" and p.field_kind in _FORM_TEXT), None)

    def _cell(self, place: FieldPlace) -> _Target | None:
        value = self.finder.cell(place)
        if value is None:
            return None
        box = next((p for line in value.lines for p in line.pieces
                    if p.kind == "field" and p.field_kind == "checkbox"), None)
        return _Target(cell=value.source, piece=box or self._cell_field(value))

    _label = _cell

    def _boxes(self, place: FieldPlace) -> _Target | None:
        found = self.finder.boxes(place)
        if found is None or not found.boxes:
            return None
        return _Target(options={choice: self._box(box) for choice, box in found.boxes.items()})

    def _box(self, box: Stretch) -> _Target:
        index = box.line
        line = self.doc.lines[index]
        start_at, end_at = self._offset(index, box.start), self._offset(index, box.end)
        piece = self._piece_at(line, start_at)
        if piece is not None and piece.kind == "field":
            return _Target(piece=piece)
        shown = box.text(self.doc)
        if shown.startswith("["):
            mark = "[X]"
        elif shown.startswith("("):
            mark = "(X)"
        elif "\ue000" <= shown[:1] <= "\uf8ff":  # a symbol font's box: ticked in its font
            mark = _symbol_ticked(shown, self.writer.symbol_font(piece) if piece is not None else None)
        else:
            mark = _TICKED.get(shown, "☒")
        return _Target(span=_Span(line, start_at, end_at), mark=mark)

    def _grid(self, place: FieldPlace) -> _Target | None:
        found = self.finder.grid(place)
        if found is None:
            return None
        return _Target(options={choice: _Target(cell=cell.source, mark="X") for choice, cell in found.cells.items()
                                if cell is not None})

    def _form_field(self, place: FieldPlace) -> _Target | None:
        found = self.finder.form_field(place)
        return _Target(piece=found[1]) if found is not None else None

    def _tag(self, place: FieldPlace) -> _Target | None:
        found = self.finder.tag(place)
        return _Target(piece=found[1]) if found is not None else None

    # -- tables

    def table(self, place: TablePlace) -> _TableTarget | _ListTarget | None:
        """The table's blank rows (every written column's cell blank, leader dots aside); a list's
        blank lines."""
        if place.list_label is not None:
            return self._list(place)
        doc = self.doc
        found = self.finder.table(place)
        if found is None:
            return None
        written = [key for key in place.headers if key not in place.options]  # box columns are the evaluator's
        rows, elements = [], []
        for r in found.rows:
            cells = {key: found.cell(r, key) for key in written}
            if any(c is None or doc.cell_key(c).strip(_LEADER_CHARS) for c in cells.values()):
                continue  # not a blank row
            rows.append({key: c.source for key, c in cells.items()})
            elements.append(cells[written[0]].source.getparent() if written else None)
        if not rows or any(e is None for e in elements):
            return _TableTarget(found.columns, [], [], None, {})
        return _TableTarget(found.columns, rows, elements, elements[-1], rows[-1])

    def _list(self, place: TablePlace) -> _ListTarget | None:
        """A list's blank lines: on each, the blank after its mark (up to the first column's label)
        for the columns read by their place, and the blank after each column's label."""
        from .employer_read.finding import box_spans
        from .employer_read.folding import ITEM_MARK
        from .employer_read.tables import column_label_at, list_row

        doc = self.doc
        found = self.finder.list_rows(place)
        if found is None:
            return None
        items: list[dict[str, _Span]] = []
        printed_boxes = ""
        for index in found.lines:
            text, key = doc.texts[index], doc.keys[index]
            if any(list_row(text, key, place, {}).values()):
                continue  # not a blank line
            line = doc.lines[index]
            mark = ITEM_MARK.match(text)
            labels = column_label_at(key, place)  # (start, end of « Label : », column)
            boxes = [a for options in place.options.values() for a, _ in box_spans(key, options).values()]
            bounds = [(mark.end() if mark else 0, "")] + [(end, column) for _, end, column in labels]
            stops = [start for start, _, _ in labels] + [len(text)]
            if boxes:  # the boxes after the blank stay: the evaluator ticks them
                stops = [min(stop, min(boxes)) if n == 0 else stop for n, stop in enumerate(stops)]
            spans: dict[str, _Span] = {}
            for (start, column), stop in zip(bounds, stops):
                blank = text[start:stop]
                end = start + len(blank.rstrip(_SPACES + "\t")) if column == "" and (labels or boxes) else stop
                before = " " if column and start and text[start - 1] not in _SPACES else ""
                spans[column] = _Span(line, self._offset(index, start), self._offset(index, end), before=before,
                                      after=" " if end == start and (labels or boxes) and column == "" else "")
            items.append(spans)
            if boxes:
                printed_boxes = text[min(boxes):].strip()
        if not found.lines:
            return _ListTarget(place, items, doc.lines[found.rest.line].source)
        last = found.lines[-1]
        typed = _TYPED_NUMBER.match(doc.texts[last])
        bullet = ITEM_MARK.match(doc.texts[last]) if typed is None else None
        return _ListTarget(place, items, doc.lines[last].source,
                           (int(typed.group(1)) + 1, typed.group(2).strip()) if typed else None, printed_boxes,
                           bullet.group().strip() if bullet else "")


# -- the template, loaded once; each report ---------------------------------------------------------


@dataclass
class _Missing:
    key: str
    label: str
    where: str


def _describe(place: FieldPlace | TablePlace) -> str:
    if isinstance(place, TablePlace) and place.list_label is not None:
        return f"la liste sous «\u202f{place.list_label}\u202f»"
    if isinstance(place, TablePlace):
        return "le tableau aux en-têtes " + ", ".join(f"«\u202f{h}\u202f»" for h in place.headers.values())
    what = {"after_label": "après le libellé", "below_label": "sous le libellé", "cell": "dans la case du libellé",
            "boxes": "les cases de", "grid": "la ligne de la grille", "form_field": "le champ de formulaire",
            "tag": "le contrôle"}.get(place.kind, place.kind)
    text = place.text or " / ".join(printed for _, printed in place.options)
    return f"{what} «\u202f{text}\u202f»" + (f" (section «\u202f{place.section}\u202f»)" if place.section else "")


class EmployerTemplate:
    """The report template made from the employer's file, parsed and its places looked up once;
    :meth:`report` makes one agent's report. Raises :class:`TemplateError` when a place is not in
    the form."""

    def __init__(self, config, parts: dict[str, bytes], fmt: str):
        from .layout import layout_of

        self.config, self.format, self.parts = config, fmt, parts
        self.writer = _formats(fmt)
        self.version = config.employer_mapping.fingerprint
        package = _Package(parts, fmt)
        self.main = package.main_part
        layout = layout_of(package)
        self.root = package.xml_part(self.main)  # the parsed main part: the layout's elements
        self.stamp = layout.properties.get(STAMP_PROPERTY)
        self.token_parts = [name for name, data in parts.items() if _TOKEN in data or _AGENT in data]
        places = _Places(layout, config.form, self.writer)
        self.targets: dict[str, _Target] = {}
        self.tables: dict[str, _TableTarget | _ListTarget] = {}
        missing: list[_Missing] = []
        catalogue = config.catalogue
        # Every place of the mapping is on the blank form (a label mistyped in formulaire.yaml would have
        # every report turned away for a field its manager filled); the values generer writes, at theirs.
        for f in catalogue.single_fields:
            found = config.form.places.get(f.key, ())
            if not found:
                continue
            if not f.filled_by_generate:
                if not any(places.shows(place) for place in found):
                    missing.append(_Missing(f.key, f.label, _describe(found[0])))
                continue
            target = next((t for t in map(places.find, found) if t is not None), None)
            if target is None:
                missing.append(_Missing(f.key, f.label, _describe(found[0])))
            else:
                self.targets[f.key] = target
        for f in catalogue.table_fields:
            place = config.form.tables.get(f.key)
            if place is None:
                continue
            target = places.table(place)
            if target is None:
                missing.append(_Missing(f.key, f.label, _describe(place)))
            elif f.key == cat.PREVIOUS_RESULTS:  # only last year's objectives are written into a table
                self.tables[f.key] = target
        if missing:
            first = missing[0]
            more = f" (et {len(missing) - 1} autre{'s' * (len(missing) > 2)} : " + ", ".join(
                m.key for m in missing[1:]) + ")" if len(missing) > 1 else ""
            raise TemplateError(
                f"Le formulaire de l'employeur {config.employer_model_path.name} ne montre pas l'emplacement de «\u202f"
                f"{first.label}\u202f» ({first.key}) : {first.where} est introuvable{more}. Corrigez cet "
                f"emplacement dans {Path(config.employer_form).name}, puis reconstruisez les modèles.")
        self._referenced = self._elements()

    @classmethod
    def load(cls, config, *, rebuild_hint: str) -> "EmployerTemplate":
        """The template of ``config``'s templates folder, checked (:func:`check_employer_template`)."""
        check_employer_template(config, rebuild_hint)
        path = template_path(config)
        try:
            parts, fmt = _read_parts(path)
        except EntretiensError as exc:
            raise TemplateError(f"Le modèle {path} ne peut pas être lu ({exc.message}). Reconstruisez les modèles "
                                f"avec : {rebuild_hint}") from None
        return cls(config, parts, fmt)

    # -- what is written

    def _elements(self) -> set[int]:
        """The template's elements the targets name (copied elements are found by them)."""
        found: set[int] = set()

        def add_line(line: Line) -> None:
            found.add(id(line.source))
            found.update(id(p.source) for p in line.pieces)

        def add(target: _Target) -> None:
            for span in (target.span, *target.clear):
                if span is not None:
                    add_line(span.line)
            for el in (target.cell, target.new_line_after, target.piece.source if target.piece else None):
                if el is not None:
                    found.add(id(el))
            for option in target.options.values():
                add(option)

        for target in self.targets.values():
            add(target)
        for table in self.tables.values():
            if isinstance(table, _ListTarget):
                found.add(id(table.last))
                for spans in table.items:
                    for span in spans.values():
                        add_line(span.line)
                continue
            found.update(id(el) for el in table.row_elements)
            found.update(id(el) for row in table.rows for el in row.values())
        return found

    def fingerprint(self, context: dict) -> str:
        """What a report of ``context`` is made of: two reports with one fingerprint are the same."""
        data = json.dumps([self.stamp, context], sort_keys=True, ensure_ascii=False, default=str)
        return "empreinte " + hashlib.sha256(data.encode()).hexdigest()[:16]

    def rendered(self, path: Path) -> str | None:
        """The fingerprint of the report already at ``path`` (:func:`rendered_fingerprint`)."""
        return rendered_fingerprint(path)

    def write(self, context: dict, destination: Path, *, overwrite: bool = False) -> Path:
        """Write one agent's report (:meth:`report`) to a new file, never over an existing one (a
        free name is taken) unless ``overwrite``; return its path."""
        from .files import replace_atomically, unique_path

        data = self.report(context)
        target = destination if overwrite else unique_path(destination)
        replace_atomically(target, lambda tmp: tmp.write_bytes(data))
        return target

    def report(self, context: dict) -> bytes:
        """One agent's report (the bytes of its file) from the context :func:`pipeline.generate.report_context`
        gives: ``f`` values, ``t`` tables, ``b`` check boxes (``"1"``/``"0"``)."""
        from .signed_copies import code_png, page_code

        values = context["f"]
        identifier = values[cat.REPORT_ID]
        code = page_code(self.version, values[cat.CAMPAIGN], values[cat.AGENT_NUMBER])
        root = copy.deepcopy(self.root)
        twin = {id(old): new for old, new in zip(self.root.iter(), root.iter()) if id(old) in self._referenced}
        spans: list[tuple[_Span, str]] = []
        for key, target in self.targets.items():
            value = context.get("b", {}).get(key) == "1" if key in context.get("b", {}) else values.get(key, "")
            self._write(target, key, value, spans, twin)
        for key, target in self.tables.items():
            if isinstance(target, _ListTarget):
                self._fill_list(target, [row for row in context.get("t", {}).get(key, []) if any(row.values())],
                                spans, twin)
        # Spans of one line from its end: the offsets of those before stay true.
        for span, text in sorted(spans, key=lambda s: -s[0].start):
            line = _rebound(span.line, twin)
            self.writer.replace_text(line, span.start, span.end, text)
            if span.tab is not None:
                self.writer.clear_tab_leader(line, line.pieces[span.line.pieces.index(span.tab)])
        for key, target in self.tables.items():
            if isinstance(target, _TableTarget):
                self._fill_table(target, [row for row in context.get("t", {}).get(key, []) if any(row.values())],
                                 twin)
        changed = {self.main: self.writer.serialize(root), self.writer.CODE_PICTURE: code_png(code).getvalue()}
        shown = escape(identifier).encode()
        agent = escape(" ".join(str(values.get(key) or "").strip() for key in (cat.FIRST_NAME, cat.LAST_NAME)
                                if str(values.get(key) or "").strip())).encode()
        for name in self.token_parts:
            changed[name] = self.parts[name].replace(_TOKEN, shown).replace(_AGENT, agent)
        now = _now()
        core = {"dc:identifier": identifier, "cp:version": self.version, "cp:contentStatus": self.fingerprint(context)}
        if self.format == "docx":
            core.update({"dcterms:created": now, "dcterms:modified": now})
        properties = self.writer.set_properties(self.parts, core=core, custom={CODE_PROPERTY: code})
        changed.update({name: data for name, data in properties.items() if data is not self.parts.get(name)})
        return _zip({name: changed.get(name, data) for name, data in self.parts.items()})

    def _write(self, target: _Target, key: str, value, spans: list, twin: dict) -> None:
        f = self.config.catalogue.field(key)
        if target.options:
            choice = _choice(value, f, target.options)
            option = target.options.get(choice) if choice is not None else None
            if option is None:
                return
            if option.piece is not None:
                self.writer.set_field(_rebound_piece(option.piece, twin), True)
            elif option.span is not None:
                spans.append((option.span, option.mark))
            elif option.cell is not None:
                self.writer.write_cell(twin[id(option.cell)], option.mark)
            return
        box = target.piece is not None and target.piece.field_kind == "checkbox"
        if f.kind == "bool" or isinstance(value, bool):
            ticked = value if isinstance(value, bool) else is_yes(str(value))
            if box:
                self.writer.set_field(_rebound_piece(target.piece, twin), ticked)
                return
            value = "oui" if ticked else ""
        text = str(value or "").strip()
        if not text:
            return
        piece = target.piece
        if piece is not None and (target.cell is None or box or piece.field_kind in _FORM_TEXT):
            written = self.writer.set_field(_rebound_piece(piece, twin), is_yes(text) if box else text)
            if written or (target.span is None and target.cell is None):
                return  # else written in the blank or the cell around the field, as it would be without it
        if target.span is not None:
            span = target.span
            spans.append((span, span.before + text + span.after))
            spans.extend((blank, "") for blank in target.clear)
        elif target.cell is not None:
            self.writer.write_cell(twin[id(target.cell)], text)
        elif target.new_line_after is not None:
            self.writer.insert_line_after(twin[id(target.new_line_after)], text)

    def _fill_table(self, target: _TableTarget, rows: list[dict[str, str]], twin: dict) -> None:
        if not rows:
            return
        if not target.rows:
            log.warning("Le tableau de %s n'a pas de ligne vide : les objectifs de l'an dernier n'y sont pas "
                        "recopiés.", self.config.employer_model_path.name)
            return
        prototype = copy.deepcopy(twin[id(target.prototype)]) if len(rows) > len(target.rows) else None
        cells = [{key: twin[id(el)] for key, el in row.items()} for row in target.rows]
        last = twin[id(target.row_elements[-1])]
        for _ in range(len(rows) - len(target.rows)):
            last = self.writer.clone_row(prototype, last)
            mapping = {id(old): new for old, new in zip(target.prototype.iter(), last.iter())}
            cells.append({key: mapping[id(el)] for key, el in target.prototype_cells.items()})
            self.writer.strip_bookmarks(last)  # their names are unique
        for values, row in zip(rows, cells):
            for key, el in row.items():
                text = str(values.get(key) or "").strip()
                if text:
                    self.writer.write_cell(el, text)

    def _fill_list(self, target: _ListTarget, rows: list[dict[str, str]], spans: list, twin: dict) -> None:
        """Each row on a blank line of the list (its columns read by their place together, cut by the
        list's separator; the others after their labels), the rows left over on new lines after it."""
        from .employer_read.tables import joiner

        place = target.place
        between = joiner(place.separator)
        unlabelled = [key for key, label in place.headers.items() if not label and key not in place.options]

        def head(values: dict[str, str]) -> str:
            return between.join(text for text in (str(values.get(key) or "").strip() for key in unlabelled) if text)

        for values, line_spans in zip(rows, target.items):
            for column, span in line_spans.items():
                text = head(values) if column == "" else str(values.get(column) or "").strip()
                if text:
                    spans.append((span, span.before + text + span.after))
        after = twin[id(target.last)]
        number = target.number
        for values in rows[len(target.items):]:
            labelled = "".join(f"   {label}\u00a0: {str(values.get(key) or '').strip()}"
                               for key, label in place.headers.items() if label)
            mark = f"{number[0]}{number[1]} " if number else f"{target.bullet} " if target.bullet else ""
            boxes = f"   {target.boxes}" if target.boxes else ""
            after = self.writer.insert_line_after(after, f"{mark}{head(values)}{labelled}{boxes}".rstrip())
            if number:
                number = (number[0] + 1, number[1])


def _choice(value, f, options: dict[str, _Target]) -> str | None:
    """The option a value ticks: a check box field's « oui » (the only option, or the one meaning
    yes; « non » when it is not ticked and the form has such a box); a choice by its name."""
    if isinstance(value, bool) or f.kind == "bool":
        ticked = value if isinstance(value, bool) else is_yes(str(value))
        names = {normalize_label(choice): choice for choice in options}
        if ticked:
            return names.get("oui") or (next(iter(options)) if len(options) == 1 else None)
        return names.get("non")
    wanted = normalize_label(str(value or ""))
    if not wanted:
        return None
    return next((choice for choice in options if normalize_label(choice) == wanted), None)


def _rebound(line: Line, twin: dict) -> Line:
    """``line`` on the report's copy: its elements and its pieces' replaced by their copies."""
    return Line(pieces=[_rebound_piece(p, twin) for p in line.pieces], style=line.style, heading=line.heading,
                source=twin[id(line.source)])


def _rebound_piece(piece: Piece, twin: dict) -> Piece:
    return dataclasses.replace(piece, source=twin[id(piece.source)])
