"""Form controls and shapes the layout reads in files as Word and LibreOffice save them.

- ActiveX controls of a .docx (``w:object``/``w:pict`` holding a ``w:control``): an .odt's form
  controls saved as .docx by LibreOffice (their state in an OLE compound file), Word's own (their
  state as properties, or after their class id): each a ``field`` piece as the .odt's are;
- drawing shapes holding text (a .docx's text box saved as .odt by LibreOffice is a
  ``draw:custom-shape``; rectangles, groups, frames in links; Word's text boxes in their several
  spellings): their paragraphs follow the paragraph they are anchored in.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

from pipeline.layout import Layout, layout_of
from pipeline.preflight import open_document
from tests import lo

ODF_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "form": "urn:oasis:names:tc:opendocument:xmlns:form:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "ooo": "http://openoffice.org/2004/office",
}
W_NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "wpg": "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup",
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
}
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
AX = "http://schemas.microsoft.com/office/2006/activeX"


def declarations(ns: dict[str, str]) -> str:
    return " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in ns.items())


def write_odt(path: Path, body: str, *, forms: str = "") -> Path:
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {declarations(ODF_NS)} '
               'office:version="1.3"><office:automatic-styles><style:style style:name="gr1" style:family="graphic">'
               '<style:graphic-properties style:vertical-pos="from-top" style:vertical-rel="baseline" draw:fill="none"/>'
               f'</style:style></office:automatic-styles><office:body><office:text>{forms}{body}</office:text>'
               '</office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def write_docx(path: Path, body: str, *, rels: dict[str, str] = {}, parts: dict[str, bytes] = {}) -> Path:
    """A .docx whose body is ``body``; ``rels``: the main part's relationships to controls (id ->
    target); ``parts``: more parts (an activeX part's own relationships among them)."""
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {declarations(W_NS)}>'
                f'<w:body>{body}</w:body></w:document>')
    relationships = "".join(
        f'<Relationship Id="{rel_id}" Type="{REL}/control" Target="{target}"/>' for rel_id, target in rels.items())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="bin" ContentType="application/vnd.ms-office.activeX"/>'
            '<Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/></Relationships>'))
        archive.writestr("word/document.xml", document)
        archive.writestr("word/_rels/document.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships '
            f'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{relationships}</Relationships>'))
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def file_layout(path: Path) -> Layout:
    with open_document(path) as package:
        return layout_of(package)


def summary(layout: Layout) -> list[tuple]:
    return [(piece.name, piece.field_kind, piece.checked, piece.text) for piece, _, _ in layout.fields()]


def texts(layout: Layout) -> list[str]:
    return [line.text for line, _ in layout.lines()]


# --- ActiveX controls ------------------------------------------------------------------------

def _form_control(kind: str, implementation: str, control_id: str, attributes: str, inner: str = "") -> str:
    return (f'<form:{kind} form:control-implementation="ooo:com.sun.star.form.component.{implementation}" '
            f'xml:id="{control_id}" form:id="{control_id}" {attributes}><form:properties><form:property '
            'form:property-name="DefaultControl" office:value-type="string" '
            f'office:string-value="com.sun.star.form.control.{implementation}"/></form:properties>{inner}</form:{kind}>')


def _anchor(control_id: str) -> str:
    return (f'<draw:control text:anchor-type="as-char" draw:z-index="0" draw:name="{control_id}" draw:style-name="gr1" '
            f'svg:width="1.6cm" svg:height="0.5cm" draw:control="{control_id}"/>')


CONTROLS_FORMS = (
    '<office:forms form:automatic-focus="false" form:apply-design-mode="false"><form:form form:name="F" '
    'form:control-implementation="ooo:com.sun.star.form.component.Form">'
    + _form_control("checkbox", "CheckBox", "c1", 'form:name="encadre_oui" form:label="" form:current-state="checked"')
    + _form_control("checkbox", "CheckBox", "c2", 'form:name="encadre_non" form:label=""')
    + _form_control("checkbox", "CheckBox", "c3", 'form:name="premier" form:label="Premier entretien" '
                    'form:current-state="checked"')
    + _form_control("checkbox", "CheckBox", "c4", 'form:name="refus" form:label="L\'agent a refusé de signer"')
    + _form_control("text", "TextField", "c5", 'form:name="commentaire" form:current-value="Texte saisi, accentué"')
    + _form_control("radio", "RadioButton", "c6", 'form:name="avis" form:label="Favorable" form:current-selected="true"')
    + _form_control("listbox", "ListBox", "c7", 'form:name="mobilite" form:dropdown="true"',
                    '<form:option form:label="Aucune"/><form:option form:label="Interne" form:current-selected="true"/>')
    + "</form:form></office:forms>")
CONTROLS_BODY = (f'<text:p>Encadre : {_anchor("c1")} Oui {_anchor("c2")} Non</text:p><text:p>{_anchor("c3")}</text:p>'
                 f'<text:p>{_anchor("c4")}</text:p><text:p>Commentaire : {_anchor("c5")}</text:p>'
                 f'<text:p>Avis : {_anchor("c6")}</text:p><text:p>Mobilité : {_anchor("c7")}</text:p>')
CONTROLS_FIELDS = [("encadre_oui", "checkbox", True, ""), ("encadre_non", "checkbox", False, ""),
                   ("premier", "checkbox", True, "Premier entretien"),
                   ("refus", "checkbox", False, "L'agent a refusé de signer"),
                   ("commentaire", "text", None, "Texte saisi, accentué"), ("avis", "checkbox", True, "Favorable")]


@pytest.mark.libreoffice
def test_form_controls_of_an_odt_saved_as_docx_by_libreoffice_are_fields_as_in_the_odt(tmp_path):
    source = write_odt(tmp_path / "controles.odt", CONTROLS_BODY, forms=CONTROLS_FORMS)
    (saved,) = lo.convert([source], "docx", tmp_path / "docx", tmp_path / "profile")
    odt, docx = file_layout(source), file_layout(saved)
    assert summary(odt)[:6] == CONTROLS_FIELDS  # the .odt's own reading, the reference
    # Each check box, option button, text box is the field it was, its state read from the
    # control's binary part; the list box is a drop-down (LibreOffice 7.4 saves no selection).
    assert summary(docx)[:6] == CONTROLS_FIELDS
    assert [(p.name, p.field_kind) for p in [f for f, _, _ in docx.fields()][6:]] == [("mobilite", "dropdown")]
    assert texts(docx)[:5] == ["Encadre : ☒ Oui ☐ Non", "☒ Premier entretien", "☐ L'agent a refusé de signer",
                               "Commentaire : Texte saisi, accentué", "Avis : ☒ Favorable"]


CLASS = {"checkbox": "{8BD21D40-EC42-11CE-9E0D-00AA006002F3}", "option": "{8BD21D50-EC42-11CE-9E0D-00AA006002F3}",
         "combo": "{8BD21D30-EC42-11CE-9E0D-00AA006002F3}", "text": "{8BD21D10-EC42-11CE-9E0D-00AA006002F3}",
         "button": "{D7053240-CE69-11CD-A777-00DD01143C57}"}


def _guid(text: str) -> bytes:
    import uuid
    return uuid.UUID(text).bytes_le


def _morph(value: str, caption: str | None = None, *, compressed: bool = True) -> bytes:
    """An MS-Forms control's binary model ([MS-OFORMS] MorphDataControl): flags for
    VariousPropertyBits (4 bytes), DisplayStyle (1), Size (extra block), PasswordChar (2: aligned
    on 2), Value and Caption (their sizes in the data block, their text in the extra block)."""
    def string(text: str) -> tuple[int, bytes]:
        raw = text.encode("latin-1") if compressed else text.encode("utf-16-le")
        return len(raw) | (0x80000000 if compressed else 0), raw + b"\0" * (-len(raw) % 4)

    flags = 1 << 0 | 1 << 6 | 1 << 8 | 1 << 9 | 1 << 22 | (1 << 23 if caption is not None else 0)
    value_size, value_raw = string(value)
    data = struct.pack("<IB", 0x2C00081B, 4) + b"\0" + struct.pack("<H", 0) + struct.pack("<I", value_size)
    extra = struct.pack("<ii", 1199, 450) + value_raw
    if caption is not None:
        caption_size, caption_raw = string(caption)
        data += struct.pack("<I", caption_size)
        extra += caption_raw
    block = struct.pack("<Q", flags) + data + extra
    return struct.pack("<BBH", 0, 2, len(block)) + block


def _ocx(kind: str, persistence: str, properties: dict[str, str] = {}, rel: str | None = None) -> bytes:
    inner = "".join(f'<ax:ocxPr ax:name="{name}" ax:value="{value}"/>' for name, value in properties.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?><ax:ocx xmlns:ax="{AX}" xmlns:r="{REL}" ax:classid="{CLASS[kind]}" '
            f'ax:persistence="{persistence}"{f" r:id={chr(34)}{rel}{chr(34)}" if rel else ""}>{inner}</ax:ocx>').encode()


def _binary_rels(target: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            'Type="http://schemas.microsoft.com/office/2006/relationships/activeXControlBinary" '
            f'Target="{target}"/></Relationships>').encode()


def _compound_loop() -> bytes:
    """An OLE compound file whose directory's chain of sectors loops on itself."""
    header = bytearray(b"\xff" * 512)
    header[:0x4C] = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHH", 0x3E, 3, 0xFFFE, 9)
                     + struct.pack("<H", 6) + b"\0" * 10 + struct.pack("<IIIIIIII", 1, 0, 0, 4096, 0xFFFFFFFE, 0,
                                                                         0xFFFFFFFE, 0))
    header[0x4C:0x50] = struct.pack("<I", 1)
    directory = bytearray(512)
    directory[:16] = "contents".encode("utf-16-le")
    directory[64:67] = struct.pack("<HB", 18, 2)
    directory[116:124] = struct.pack("<II", 0, 100)
    fat = struct.pack("<128I", 0, 0xFFFFFFFD, *([0xFFFFFFFF] * 126))  # sector 0 follows itself
    return bytes(header) + bytes(directory) + fat


def _control(rel_id: str, name: str, container: str = "w:object") -> str:
    return (f'<w:r><{container}><v:shape id="s_{rel_id}" style="width:30pt;height:12pt"/>'
            f'<w:control r:id="{rel_id}" w:name="{name}" w:shapeid="s_{rel_id}"/></{container}></w:r>')


def test_word_activex_controls_are_fields_whatever_keeps_their_state_and_odd_ones_never_break(tmp_path):
    parts = {
        # Word's own: the state as properties (persistPropertyBag).
        "word/activeX/activeX1.xml": _ocx("checkbox", "persistPropertyBag", {"Caption": "Oui", "Value": "1"}),
        "word/activeX/activeX2.xml": _ocx("option", "persistPropertyBag", {"Caption": "Non", "Value": "0"}),
        "word/activeX/activeX3.xml": _ocx("combo", "persistPropertyBag", {"Value": "Favorable"}),
        # The state after the class id (persistStreamInit): UTF-16 and one-byte strings.
        "word/activeX/activeX4.xml": _ocx("text", "persistStreamInit", rel="rId1"),
        "word/activeX/_rels/activeX4.xml.rels": _binary_rels("activeX4.bin"),
        "word/activeX/activeX4.bin": _guid(CLASS["text"]) + _morph("Texte libre, accentué", compressed=False),
        "word/activeX/activeX5.xml": _ocx("checkbox", "persistStreamInit", rel="rId1"),
        "word/activeX/_rels/activeX5.xml.rels": _binary_rels("activeX5.bin"),
        "word/activeX/activeX5.bin": _guid(CLASS["checkbox"]) + _morph("1", "Très favorable"),
        # A button is no field; odd binaries: garbage, a compound file looping, a truncated model.
        "word/activeX/activeX6.xml": _ocx("button", "persistPropertyBag", {"Caption": "Envoyer"}),
        "word/activeX/activeX7.xml": _ocx("checkbox", "persistStorage", rel="rId1"),
        "word/activeX/_rels/activeX7.xml.rels": _binary_rels("activeX7.bin"),
        "word/activeX/activeX7.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 40,
        "word/activeX/activeX8.xml": _ocx("checkbox", "persistStorage", rel="rId1"),
        "word/activeX/_rels/activeX8.xml.rels": _binary_rels("activeX8.bin"),
        "word/activeX/activeX8.bin": _compound_loop(),
        "word/activeX/activeX9.xml": _ocx("checkbox", "persistStreamInit", rel="rId1"),
        "word/activeX/_rels/activeX9.xml.rels": _binary_rels("activeX9.bin"),
        "word/activeX/activeX9.bin": _guid(CLASS["checkbox"]) + _morph("1", "Oui")[:20],
        "word/activeX/activeX10.xml": b"<ax:ocx xmlns:ax='" + AX.encode() + b"'",  # not XML
    }
    rels = {f"rId{n}": f"activeX/activeX{n}.xml" for n in range(1, 11)}
    rels["rId11"] = "activeX/absent.xml"
    body = ("<w:p>" + _control("rId1", "oui") + _control("rId2", "non", "w:pict") + "</w:p>"
            "<w:p><w:r><w:t>Avis : </w:t></w:r>" + _control("rId3", "avis") + "</w:p>"
            "<w:p>" + _control("rId4", "commentaire") + _control("rId5", "favorable") + "</w:p>"
            "<w:p>" + "".join(_control(f"rId{n}", f"c{n}") for n in (6, 7, 8, 9, 10, 11, 12)) + "</w:p>")
    layout = file_layout(write_docx(tmp_path / "activex.docx", body, rels=rels, parts=parts))
    assert summary(layout) == [
        ("oui", "checkbox", True, "Oui"), ("non", "checkbox", False, "Non"), ("avis", "dropdown", None, "Favorable"),
        ("commentaire", "text", None, "Texte libre, accentué"), ("favorable", "checkbox", True, "Très favorable"),
        ("c7", "checkbox", False, ""), ("c8", "checkbox", False, ""), ("c9", "checkbox", False, "")]
    assert texts(layout) == ["☒ Oui☐ Non", "Avis : Favorable", "Texte libre, accentué☒ Très favorable", "☐☐☐"]


# --- shapes holding text ---------------------------------------------------------------------

def _shape(tag: str, text: str, extra: str = "") -> str:
    return (f'<draw:{tag} text:anchor-type="char" draw:z-index="1" svg:width="5cm" svg:height="2cm" svg:x="0cm" '
            f'svg:y="0cm">{text}{extra}</draw:{tag}>')


def _frame(text: str) -> str:
    return (f'<draw:frame text:anchor-type="char" svg:width="5cm" svg:height="2cm"><draw:text-box>{text}'
            '</draw:text-box></draw:frame>')


GEOMETRY = '<draw:enhanced-geometry svg:viewBox="0 0 21600 21600" draw:type="rectangle"/>'
ODT_SHAPES = (
    '<text:p>Appréciation :' + _shape("custom-shape", "<text:p>Agent rigoureux.</text:p><text:p>Autonome.</text:p>",
                                      GEOMETRY) + '</text:p>'
    '<text:p>Rectangle :' + _shape("rect", "<text:p>Dans un rectangle</text:p>") + '</text:p>'
    '<text:p>Groupe :<draw:g>' + _shape("custom-shape", "<text:p>Forme du groupe</text:p>", GEOMETRY)
    + _frame("<text:p>Cadre du groupe</text:p>") + '<draw:g>' + _shape("ellipse", "<text:list><text:list-item>"
                                                                        "<text:p>Ellipse imbriquée</text:p>"
                                                                        "</text:list-item></text:list>")
    + '</draw:g></draw:g></text:p>'
    '<text:p>Lien :<draw:a xlink:type="simple" xlink:href="https://exemple.fr">'
    + _frame("<text:p>Cadre d'un lien</text:p>") + '</draw:a></text:p>'
    + _shape("custom-shape", "<text:p>Ancrée à la page</text:p>", GEOMETRY)
    + '<draw:g>' + _shape("rect", "<text:p>Groupe ancré à la page</text:p>") + '</draw:g>'
    '<text:p>Fin</text:p>')
ODT_SHAPE_LINES = ["Appréciation :", "Agent rigoureux.", "Autonome.", "Rectangle :", "Dans un rectangle", "Groupe :",
                   "Forme du groupe", "Cadre du groupe", "Ellipse imbriquée", "Lien :", "Cadre d'un lien",
                   "Ancrée à la page", "Groupe ancré à la page", "Fin"]


def _w_paragraphs(*lines: str) -> str:
    return "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in lines)


def _wps(text: str) -> str:
    return (f'<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr/><wps:txbx><w:txbxContent>{text}</w:txbxContent></wps:txbx>'
            '<wps:bodyPr/></wps:wsp>')


def _anchored(graphic: str, uri: str = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape") -> str:
    return ('<w:drawing><wp:anchor simplePos="0" relativeHeight="1" behindDoc="0" locked="0" layoutInCell="1" '
            'allowOverlap="1"><wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>0'
            '</wp:posOffset></wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset>'
            '</wp:positionV><wp:extent cx="3000000" cy="900000"/><wp:wrapTopAndBottom/><wp:docPr id="1" name="Zone"/>'
            f'<a:graphic><a:graphicData uri="{uri}">{graphic}</a:graphicData></a:graphic></wp:anchor></w:drawing>')


def _vml_box(text: str) -> str:
    return f'<v:shape style="width:200pt;height:60pt"><v:textbox><w:txbxContent>{text}</w:txbxContent></v:textbox></v:shape>'


DOCX_SHAPES = (
    '<w:p><w:r><w:t>Appréciation :</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps">'
    + _anchored(_wps(_w_paragraphs("Agent rigoureux.", "Autonome."))) + '</mc:Choice><mc:Fallback><w:pict>'
    + _vml_box(_w_paragraphs("Agent rigoureux.", "Autonome.")) + '</w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>'
    '<w:p><w:r><w:t>Rectangle :</w:t></w:r><w:r><w:pict>' + _vml_box(_w_paragraphs("Dans un rectangle"))
    + '</w:pict></w:r></w:p>'
    '<w:p><w:r><w:t>Groupe :</w:t></w:r><w:r>' + _anchored(
        '<wpg:wgp><wpg:cNvGrpSpPr/><wpg:grpSpPr/>' + _wps(_w_paragraphs("Forme du groupe"))
        + _wps(_w_paragraphs("Cadre du groupe")) + '<wpg:grpSp><wpg:grpSpPr/>' + _wps(_w_paragraphs("Ellipse imbriquée"))
        + '</wpg:grpSp></wpg:wgp>', "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup") + '</w:r></w:p>'
    '<w:p><w:r><w:t>Objet :</w:t></w:r><w:r><w:object>' + _vml_box(_w_paragraphs("Zone d'un objet"))
    + '</w:object></w:r></w:p>' + _w_paragraphs("Fin"))
DOCX_SHAPE_LINES = ["Appréciation :", "Agent rigoureux.", "Autonome.", "Rectangle :", "Dans un rectangle", "Groupe :",
                    "Forme du groupe", "Cadre du groupe", "Ellipse imbriquée", "Objet :", "Zone d'un objet", "Fin"]


def test_shapes_holding_text_have_their_paragraphs_after_the_one_they_are_anchored_in(tmp_path):
    """Every kind of drawing shape holding paragraphs, in both formats: an .odt's custom shape,
    rectangle, ellipse, groups (nested), frames in groups and links, shapes anchored to the page;
    a .docx's text box in alternate content (its VML fallback not read again), in VML alone, in
    groups (nested), in an object."""
    assert texts(file_layout(write_odt(tmp_path / "formes.odt", ODT_SHAPES))) == ODT_SHAPE_LINES
    assert texts(file_layout(write_docx(tmp_path / "formes.docx", DOCX_SHAPES))) == DOCX_SHAPE_LINES


@pytest.mark.libreoffice
def test_word_text_boxes_saved_as_odt_by_libreoffice_are_read_as_in_the_docx(tmp_path):
    """LibreOffice saves a Word text box as a draw:custom-shape holding its paragraphs."""
    source = write_docx(tmp_path / "zones.docx", DOCX_SHAPES)
    (saved,) = lo.convert([source], "odt", tmp_path / "odt", tmp_path / "profile")
    lines = [line for line in texts(file_layout(saved)) if line]
    for label, inside in (("Appréciation :", ["Agent rigoureux.", "Autonome."]), ("Rectangle :", ["Dans un rectangle"]),
                          ("Groupe :", ["Forme du groupe", "Cadre du groupe", "Ellipse imbriquée"])):
        assert lines[lines.index(label) + 1:lines.index(label) + 1 + len(inside)] == inside
