"""pipeline.layout's model built from WordprocessingML (pipeline.ooxml.layout) and from
OpenDocument (pipeline.odf), on short fragments, then on the shared employer forms and on
files LibreOffice saved.

Every fragment goes through one helper per format (:func:`docx`, :func:`odt`), which wraps it
in a document and parses it with the product's own parser.
"""

from __future__ import annotations

import json
from pathlib import Path

import docx as python_docx
import pytest

from pipeline import odf, ooxml
from pipeline.filling import fill_report
from pipeline.layout import Layout, Line, Piece, Table, layout_of
from pipeline.odf.layout import REPEAT_CAP
from pipeline.preflight import open_document
from tests import lo

FORMS = Path(__file__).resolve().parents[2] / "shared" / "forms"
needs_forms = pytest.mark.skipif(not FORMS.is_dir(), reason=f"{FORMS} is missing (shared/ is expected beside "
                                 "the repository clone)")

W_DECLARATIONS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in ooxml.NSMAP.items())
ODF_DECLARATIONS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in odf.NSMAP.items())


# --- helpers ------------------------------------------------------------------------------


def docx(body: str, *, styles: str | None = None, headers: tuple[str, ...] = (), footers: tuple[str, ...] = (),
         core: str | None = None, custom: str | None = None) -> Layout:
    """The layout of a document whose body is ``body``; ``styles``: the w:style elements of
    styles.xml; headers and footers: their paragraphs; core and custom: property elements."""
    def parsed(outer: str, inner: str, declarations: str = W_DECLARATIONS):
        return ooxml.parse_xml(f"<{outer} {declarations}>{inner}</{outer.split()[0]}>".encode())

    return ooxml.docx_layout(
        parsed("w:document", f"<w:body>{body}</w:body>"),
        styles=parsed("w:styles", styles) if styles is not None else None,
        headers=[parsed("w:hdr", h) for h in headers], footers=[parsed("w:ftr", f) for f in footers],
        core=parsed("cp:coreProperties", core) if core is not None else None,
        custom=ooxml.parse_xml(
            b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
            b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            + custom.encode() + b"</Properties>") if custom is not None else None)


def odt(text: str, *, automatic: str = "", styles: str | None = None, masters: str = "",
        meta: str | None = None, forms: str = "") -> Layout:
    """The layout of an .odt whose office:text holds ``text``; ``automatic``: content.xml's
    automatic styles; ``styles``: styles.xml's common styles; ``masters``: its master pages."""
    content = (f"<office:document-content {ODF_DECLARATIONS}><office:automatic-styles>{automatic}"
               f"</office:automatic-styles><office:body><office:text>{forms}{text}</office:text></office:body>"
               f"</office:document-content>")
    styles_part = None
    if styles is not None or masters:
        styles_part = odf.parse_xml(
            f"<office:document-styles {ODF_DECLARATIONS}><office:styles>{styles or ''}</office:styles>"
            f"<office:master-styles>{masters}</office:master-styles></office:document-styles>".encode())
    meta_part = None
    if meta is not None:
        meta_part = odf.parse_xml(f"<office:document-meta {ODF_DECLARATIONS}><office:meta>{meta}</office:meta>"
                                  f"</office:document-meta>".encode())
    return odf.odt_layout(odf.parse_xml(content.encode()), styles=styles_part, meta=meta_part)


def run(text: str, props: str = "") -> str:
    return f"<w:r>{props and f'<w:rPr>{props}</w:rPr>'}<w:t xml:space='preserve'>{text}</w:t></w:r>"


def texts(layout: Layout) -> list[str]:
    return [line.text for line, _ in layout.lines()]


def only_line(layout: Layout) -> Line:
    (line,) = [line for line, _ in layout.lines()]
    return line


def fields(layout: Layout) -> list[Piece]:
    return [piece for piece, _, _ in layout.fields()]


def only_table(layout: Layout) -> Table:
    (table,) = [b for b in layout.blocks if isinstance(b, Table)]
    return table


def grid(table: Table) -> list[list[tuple[int, int, int, int, str]]]:
    """Each row's cells as (row, column, row span, column span, text)."""
    return [[(c.row, c.column, c.row_span, c.column_span, c.text) for c in row] for row in table.rows]


# =====================================================================================
# WordprocessingML
# =====================================================================================

# --- text ------------------------------------------------------------------------------


def test_docx_line_holds_text_tabs_breaks_and_symbols_in_order():
    line = only_line(docx("<w:p><w:r><w:t>Nom :</w:t><w:tab/><w:t>MARTIN</w:t><w:br/><w:t>suite</w:t>"
                          "<w:sym w:font='Wingdings' w:char='F0FE'/><w:noBreakHyphen/></w:r></w:p>"))
    assert [p.kind for p in line.pieces] == ["text", "tab", "text", "break", "text", "text", "text"]
    assert line.text == "Nom :\tMARTIN\nsuite\uf0fe-"
    assert line.pieces[1].source.tag == ooxml.qn("w:tab")


def test_docx_page_break_is_not_a_line_break():
    assert only_line(docx(f"<w:p>{run('a')}<w:r><w:br w:type='page'/></w:r>{run('b')}</w:p>")).text == "ab"


def test_docx_tab_takes_the_leader_of_the_stop_it_goes_to():
    tabs = ("<w:pPr><w:tabs><w:tab w:val='left' w:leader='dot' w:pos='5386'/>"
            "<w:tab w:val='right' w:leader='underscore' w:pos='9865'/></w:tabs></w:pPr>")
    line = only_line(docx(f"<w:p>{tabs}{run('Nom : ')}<w:r><w:tab/></w:r>{run('Nom d’usage : ')}"
                          "<w:r><w:tab/><w:tab/></w:r></w:p>"))
    assert [p.leader for p in line.pieces if p.kind == "tab"] == [".", "_", None]


def test_docx_tab_stops_come_from_the_style_and_the_paragraph_clears_or_adds_some():
    styles = ("<w:style w:type='paragraph' w:styleId='Ligne'><w:name w:val='Ligne'/><w:pPr><w:tabs>"
              "<w:tab w:val='left' w:leader='hyphen' w:pos='2000'/><w:tab w:val='left' w:leader='dot' w:pos='4000'/>"
              "</w:tabs></w:pPr></w:style>")
    paragraph = ("<w:p><w:pPr><w:pStyle w:val='Ligne'/><w:tabs><w:tab w:val='clear' w:pos='2000'/>"
                 "<w:tab w:val='right' w:leader='middleDot' w:pos='9000'/></w:tabs></w:pPr>"
                 "<w:r><w:tab/><w:tab/></w:r></w:p>")
    line = only_line(docx(paragraph, styles=styles))
    assert [p.leader for p in line.pieces] == [".", "·"]
    assert [p.leader for p in only_line(docx("<w:p><w:pPr><w:pStyle w:val='Ligne'/></w:pPr><w:r><w:tab/></w:r>"
                                             "</w:p>", styles=styles)).pieces] == ["-"]


def test_docx_keeps_tracked_insertions_and_moves_and_drops_deletions():
    body = (f"<w:p>{run('Accueil')}<w:ins w:id='1' w:author='A'>{run(' des familles')}</w:ins>"
            "<w:del w:id='2' w:author='A'><w:r><w:delText>ancien</w:delText><w:tab/></w:r></w:del>"
            f"<w:moveFrom w:id='3' w:author='A'>{run(' parti')}</w:moveFrom>"
            f"<w:moveTo w:id='4' w:author='A'>{run(' arrivé')}</w:moveTo></w:p>")
    assert texts(docx(body)) == ["Accueil des familles arrivé"]


def test_docx_leaves_out_a_paragraph_deleted_in_tracked_changes():
    gone = ("<w:p><w:pPr><w:rPr><w:del w:id='1' w:author='A'/></w:rPr></w:pPr>"
            "<w:del w:id='2' w:author='A'><w:r><w:delText>effacé</w:delText></w:r></w:del></w:p>")
    assert texts(docx(f"<w:p>{run('avant')}</w:p>{gone}<w:p>{run('après')}</w:p>")) == ["avant", "après"]


def test_docx_drops_hidden_text_of_the_run_and_of_its_styles():
    styles = ("<w:style w:type='character' w:styleId='Cache'><w:name w:val='Caché'/><w:rPr><w:vanish/></w:rPr>"
              "</w:style><w:style w:type='paragraph' w:styleId='Masque'><w:name w:val='Masqué'/>"
              "<w:rPr><w:vanish/></w:rPr></w:style>")
    shown, styled, unhidden = '<w:vanish w:val="0"/>', '<w:rStyle w:val="Cache"/>', '<w:vanish w:val="false"/>'
    body = (f"<w:p>{run('vu')}{run(' caché', '<w:vanish/>')}{run(' montré', shown)}{run(' stylé', styled)}</w:p>"
            f"<w:p><w:pPr><w:pStyle w:val='Masque'/></w:pPr>{run('masqué')}{run('visible', unhidden)}</w:p>")
    assert texts(docx(body, styles=styles)) == ["vu montré", "visible"]


def test_docx_reads_the_choice_of_alternate_content_not_its_fallback():
    alternate = (f"<mc:AlternateContent><mc:Choice Requires='w14'>{run('choix')}</mc:Choice>"
                 f"<mc:Fallback>{run('copie')}</mc:Fallback></mc:AlternateContent>")
    assert texts(docx(f"<w:p>{alternate}</w:p>")) == ["choix"]


def test_docx_hyperlinks_and_smart_tags_are_read_through():
    body = f"<w:p><w:hyperlink r:id='rId9'>{run('lien')}</w:hyperlink><w:smartTag>{run(' date')}</w:smartTag></w:p>"
    assert texts(docx(body)) == ["lien date"]


def test_docx_text_box_paragraphs_follow_the_paragraph_holding_it():
    box = ("<w:r><w:drawing><wp:anchor xmlns:wp='http://schemas.openxmlformats.org/drawingml/2006/"
           "wordprocessingDrawing'><w:txbxContent><w:p>" + run("dans la zone") + "</w:p></w:txbxContent>"
           "</wp:anchor></w:drawing></w:r>")
    assert texts(docx(f"<w:p>{run('avant')}{box}{run(' après')}</w:p><w:p>{run('suite')}</w:p>")) == \
        ["avant après", "dans la zone", "suite"]


# --- styles and headings ---------------------------------------------------------------------

HEADING_STYLES = (
    "<w:style w:type='paragraph' w:default='1' w:styleId='Normal'><w:name w:val='Normal'/></w:style>"
    "<w:style w:type='paragraph' w:styleId='Heading1'><w:name w:val='heading 1'/><w:basedOn w:val='Normal'/>"
    "<w:pPr><w:outlineLvl w:val='0'/></w:pPr></w:style>"
    "<w:style w:type='paragraph' w:styleId='Rubrique'><w:name w:val='Rubrique'/><w:basedOn w:val='Heading1'/>"
    "</w:style>"
    "<w:style w:type='paragraph' w:styleId='Titre3'><w:name w:val='Titre 3'/></w:style>"
    "<w:style w:type='paragraph' w:styleId='Corps'><w:name w:val='Corps'/><w:pPr><w:outlineLvl w:val='9'/>"
    "</w:pPr></w:style>")


@pytest.mark.parametrize("style, name, level", [
    ("Heading1", "Heading 1", 1),  # Word stores its built-in names in lower case
    ("Rubrique", "Rubrique", 1),  # its level from the style it is based on
    ("Titre3", "Titre 3", 3),  # no outline level: the name says it
    ("Corps", "Corps", None),  # level 9 is body text
    ("Inconnu", "Inconnu", None),
])
def test_docx_line_has_its_style_name_and_heading_level(style, name, level):
    line = only_line(docx(f"<w:p><w:pPr><w:pStyle w:val='{style}'/></w:pPr>{run('x')}</w:p>", styles=HEADING_STYLES))
    assert (line.style, line.heading) == (name, level)


def test_docx_heading_level_from_the_style_id_without_styles_part_and_from_the_paragraph():
    assert only_line(docx(f"<w:p><w:pPr><w:pStyle w:val='Titre2'/></w:pPr>{run('x')}</w:p>")).heading == 2
    direct = f"<w:p><w:pPr><w:outlineLvl w:val='1'/></w:pPr>{run('x')}</w:p>"
    line = only_line(docx(direct, styles=HEADING_STYLES))
    assert (line.style, line.heading) == (None, 2)  # no w:pStyle: no style name


# --- legacy form fields ----------------------------------------------------------------------

def form_field(data: str, instruction: str, result: str | None = None) -> str:
    begin = f"<w:r><w:fldChar w:fldCharType='begin'><w:ffData>{data}</w:ffData></w:fldChar></w:r>"
    middle = f"<w:r><w:instrText xml:space='preserve'> {instruction} </w:instrText></w:r>"
    if result is not None:
        middle += f"<w:r><w:fldChar w:fldCharType='separate'/></w:r>{result}"
    return begin + middle + "<w:r><w:fldChar w:fldCharType='end'/></w:r>"


def test_docx_formtext_is_a_named_field_holding_its_result():
    field = form_field("<w:name w:val='Nom'/><w:enabled/><w:textInput/>", "FORMTEXT", run("MAR") + run("TIN"))
    line = only_line(docx(f"<w:p>{run('Nom : ')}{field}{run(' fin')}</w:p>"))
    assert line.text == "Nom : MARTIN fin"  # the instruction is not shown
    (piece,) = fields(docx(f"<w:p>{field}</w:p>"))
    assert (piece.kind, piece.field_kind, piece.name, piece.text, piece.placeholder) == \
        ("field", "text", "Nom", "MARTIN", False)
    assert piece.source.tag == ooxml.qn("w:fldChar") and piece.source.find(ooxml.qn("w:ffData")) is not None


def test_docx_empty_formtext_shows_word_s_five_en_spaces_and_holds_no_answer():
    field = form_field("<w:name w:val='Usage'/><w:textInput/>", "FORMTEXT", run("\u2002" * 5))
    (piece,) = fields(docx(f"<w:p>{field}</w:p>"))
    assert piece.placeholder and piece.shown == ""


def test_docx_formtext_of_date_type_is_a_date_field():
    field = form_field("<w:name w:val='Date'/><w:textInput><w:type w:val='date'/><w:format w:val='dd/MM/yyyy'/>"
                       "</w:textInput>", "FORMTEXT", run("13/10/2026"))
    (piece,) = fields(docx(f"<w:p>{field}</w:p>"))
    assert (piece.field_kind, piece.text) == ("date", "13/10/2026")


@pytest.mark.parametrize("box, checked", [
    ("<w:checkBox><w:sizeAuto/><w:default w:val='0'/><w:checked/></w:checkBox>", True),
    ("<w:checkBox><w:sizeAuto/><w:default w:val='0'/><w:checked w:val='0'/></w:checkBox>", False),
    ("<w:checkBox><w:sizeAuto/><w:default w:val='1'/></w:checkBox>", True),
    ("<w:checkBox><w:sizeAuto/><w:default w:val='0'/></w:checkBox>", False),
])
def test_docx_formcheckbox_is_ticked_by_its_checked_else_its_default(box, checked):
    field = form_field(f"<w:name w:val='Case1'/>{box}", "FORMCHECKBOX")
    line = only_line(docx(f"<w:p>{field}{run(' Oui')}</w:p>"))
    piece = line.pieces[0]
    assert (piece.field_kind, piece.name, piece.checked) == ("checkbox", "Case1", checked)
    assert line.text == ("☒" if checked else "☐") + " Oui"


@pytest.mark.parametrize("selection, shown", [("<w:result w:val='2'/>", "Non atteint"),
                                               ("<w:default w:val='1'/>", "Partiellement atteint"),
                                               ("", "Atteint")])
def test_docx_formdropdown_shows_its_selected_entry(selection, shown):
    entries = "".join(f"<w:listEntry w:val='{v}'/>" for v in ("Atteint", "Partiellement atteint", "Non atteint"))
    field = form_field(f"<w:name w:val='Resultat'/><w:ddList>{selection}{entries}</w:ddList>", "FORMDROPDOWN",
                       result="")
    (piece,) = fields(docx(f"<w:p>{field}</w:p>"))
    assert (piece.field_kind, piece.text, piece.name) == ("dropdown", shown, "Resultat")
    assert piece.choices == ("Atteint", "Partiellement atteint", "Non atteint")


def test_docx_other_fields_show_their_result_never_their_instruction():
    page = ("<w:r><w:fldChar w:fldCharType='begin'/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>"
            "<w:r><w:fldChar w:fldCharType='separate'/></w:r>" + run("3")
            + "<w:r><w:fldChar w:fldCharType='end'/></w:r>")
    nested = ("<w:r><w:fldChar w:fldCharType='begin'/></w:r><w:r><w:instrText> IF </w:instrText></w:r>" + page
              + "<w:r><w:instrText> = 3 \"oui\" </w:instrText></w:r><w:r><w:fldChar w:fldCharType='separate'/></w:r>"
              + run("oui") + "<w:r><w:fldChar w:fldCharType='end'/></w:r>")
    simple = f"<w:fldSimple w:instr=' NUMPAGES '>{run('7')}</w:fldSimple>"
    layout = docx(f"<w:p>{run('page ')}{page}{run(' / ')}{simple}{run(' ')}{nested}</w:p>")
    assert texts(layout) == ["page 3 / 7 oui"] and fields(layout) == []


def test_docx_simple_form_field_is_a_field_too():
    (piece,) = fields(docx(f"<w:p><w:fldSimple w:instr=' FORMTEXT '>{run('valeur')}</w:fldSimple></w:p>"))
    assert (piece.field_kind, piece.text, piece.name) == ("text", "valeur", None)


def test_docx_form_field_result_spanning_paragraphs_stays_in_its_field():
    begin = form_field("<w:name w:val='Long'/><w:textInput/>", "FORMTEXT", run("première"))
    begin = begin.removesuffix("<w:r><w:fldChar w:fldCharType='end'/></w:r>")
    layout = docx(f"<w:p>{begin}</w:p><w:p>{run('seconde')}<w:r><w:fldChar w:fldCharType='end'/></w:r>"
                  f"{run(' après')}</w:p>")
    assert [p.text for p in fields(layout)] == ["première\nseconde"]
    assert texts(layout) == ["première\nseconde", " après"]


# --- content controls ----------------------------------------------------------------------

def control(properties: str, content: str) -> str:
    return f"<w:sdt><w:sdtPr>{properties}</w:sdtPr><w:sdtContent>{content}</w:sdtContent></w:sdt>"


def test_docx_inline_text_control_is_a_field_with_its_tag_and_alias():
    sdt = control("<w:alias w:val='Nom de l’agent'/><w:tag w:val='nom'/><w:text/>", run("MAR") + run("TIN"))
    line = only_line(docx(f"<w:p>{run('Nom : ')}{sdt}</w:p>"))
    assert line.text == "Nom : MARTIN"
    piece = line.pieces[1]
    assert (piece.field_kind, piece.name, piece.alias, piece.text) == ("text", "nom", "Nom de l’agent", "MARTIN")
    assert piece.source.tag == ooxml.qn("w:sdt")


def test_docx_control_showing_its_placeholder_holds_no_answer():
    sdt = control("<w:tag w:val='missions'/><w:showingPlcHdr/>", run("Cliquez ou appuyez ici pour entrer du texte."))
    (piece,) = fields(docx(f"<w:p>{sdt}</w:p>"))
    assert piece.placeholder and piece.text.startswith("Cliquez") and piece.shown == ""


def test_docx_check_box_control_is_ticked_or_not():
    def box(value: str) -> str:
        return control(f"<w:tag w:val='case'/><w14:checkbox><w14:checked w14:val='{value}'/></w14:checkbox>",
                       run("☒" if value == "1" else "☐"))
    ticked, empty = fields(docx(f"<w:p>{box('1')}{box('0')}</w:p>"))
    assert (ticked.field_kind, ticked.checked, empty.checked) == ("checkbox", True, False)


def test_docx_date_control_gives_its_iso_date():
    sdt = control("<w:tag w:val='date_entretien'/><w:date w:fullDate='2026-10-13T00:00:00Z'>"
                  "<w:dateFormat w:val='dd/MM/yyyy'/></w:date>", run("13/10/2026"))
    (piece,) = fields(docx(f"<w:p>{sdt}</w:p>"))
    assert (piece.field_kind, piece.text, piece.value) == ("date", "13/10/2026", "2026-10-13")


@pytest.mark.parametrize("first", ["", "<w:listItem w:displayText='Choisissez un élément.' w:value=''/>"])
@pytest.mark.parametrize("list_element", ["w:dropDownList", "w:comboBox"])
def test_docx_drop_down_control_gives_its_entries(list_element, first):
    """Its entries, Word's « Choisissez un élément. » (an entry of no value) not among them."""
    items = first + "".join(f"<w:listItem w:displayText='{v}' w:value='{v}'/>" for v in ("oui", "non"))
    sdt = control(f"<w:tag w:val='encadre'/><{list_element}>{items}</{list_element}>", run("non"))
    (piece,) = fields(docx(f"<w:p>{sdt}</w:p>"))
    assert (piece.field_kind, piece.text, piece.choices) == ("dropdown", "non", ("oui", "non"))


def test_docx_block_row_and_cell_controls_are_read_through():
    paragraph = control("<w:tag w:val='bloc'/>", f"<w:p>{run('dans le bloc')}</w:p><w:p>{run('encore')}</w:p>")
    cell = control("<w:tag w:val='cellule'/>", f"<w:tc><w:p>{run('cellule')}</w:p></w:tc>")
    row = control("<w:tag w:val='ligne'/>", f"<w:tr><w:tc><w:p>{run('ligne')}</w:p></w:tc>{cell}</w:tr>")
    layout = docx(f"{paragraph}<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>{row}</w:tbl>")
    assert texts(layout) == ["dans le bloc", "encore", "ligne", "cellule"]
    assert grid(only_table(layout)) == [[(0, 0, 1, 1, "ligne"), (0, 1, 1, 1, "cellule")]]


def test_docx_lines_of_a_block_control_name_it():
    tagged = control("<w:alias w:val='Appréciation générale'/><w:tag w:val='AppreciationGenerale'/>",
                     f"<w:p>{run('Agent fiable.')}</w:p><w:p>{run('À encourager.')}</w:p>")
    titled = control("<w:alias w:val='Perspectives'/>", f"<w:p>{run('Concours en 2027.')}</w:p>")
    bare = control("", f"<w:p>{run('sans nom')}</w:p>")
    layout = docx(f"<w:p>{run('Appréciation générale')}</w:p>{tagged}{titled}{bare}<w:p>{run('hors')}</w:p>")
    assert [(line.text, line.control) for line, _ in layout.lines()] == [
        ("Appréciation générale", None), ("Agent fiable.", "AppreciationGenerale"),
        ("À encourager.", "AppreciationGenerale"), ("Concours en 2027.", "Perspectives"), ("sans nom", ""),
        ("hors", None)]


def test_docx_block_control_showing_its_placeholder_shows_nothing():
    block = control("<w:showingPlcHdr/>", f"<w:p>{run('Cliquez ici pour taper du texte.')}</w:p>")
    assert texts(docx(block)) == [""]


# --- tables -----------------------------------------------------------------------------------

def tc(text: str, properties: str = "") -> str:
    return f"<w:tc>{properties and f'<w:tcPr>{properties}</w:tcPr>'}<w:p>{run(text) if text else ''}</w:p></w:tc>"


def tbl(rows: str, columns: int) -> str:
    return f"<w:tbl><w:tblGrid>{'<w:gridCol/>' * columns}</w:tblGrid>{rows}</w:tbl>"


# A paragraph of plain runs (text, tabs, breaks) is read by a quicker path than the full walk
# (pipeline.ooxml.layout._plain_paragraphs); beside every kind of paragraph that the full walk
# must read, or that changes how the next one reads, it gives the same pieces.
_PLAIN = (f"<w:p><w:pPr><w:tabs><w:tab w:val='left' w:leader='dot' w:pos='5386'/></w:tabs></w:pPr>"
          f"{run('Nom :')}<w:r><w:tab/><w:t>MARTIN</w:t><w:br/><w:br w:type='page'/></w:r>"
          f"<w:hyperlink r:id='rId9'>{run(' lien')}</w:hyperlink><w:ins w:id='1' w:author='A'>{run(' ajout')}</w:ins>"
          f"<w:smartTag>{run(' étiquette')}</w:smartTag><w:bookmarkStart w:id='0' w:name='x'/>"
          f"<w:proofErr w:type='spellStart'/>{run('fin')}<w:bookmarkEnd w:id='0'/></w:p>")
_NEIGHBOURS = {  # blocks before and after a plain paragraph
    "field spanning paragraphs": (
        "<w:p>" + form_field("<w:name w:val='Long'/><w:textInput/>", "FORMTEXT", run("début"))
        .removesuffix("<w:r><w:fldChar w:fldCharType='end'/></w:r>") + "</w:p>",
        "<w:p><w:r><w:fldChar w:fldCharType='end'/></w:r></w:p>"),
    "block control showing its placeholder": (control("<w:showingPlcHdr/>", _PLAIN), ""),
    "style hiding its text": ("<w:p><w:pPr><w:pStyle w:val='Masque'/></w:pPr>" + _PLAIN[5:], ""),
    "hidden run": (f"<w:p>{run('caché', '<w:vanish/>')}</w:p>", ""),
    "text box": ("<w:p><w:r><w:drawing><w:txbxContent>" + _PLAIN + "</w:txbxContent></w:drawing></w:r>"
                 + run(" après") + "</w:p>", ""),
    "deleted paragraph": ("<w:p><w:pPr><w:rPr><w:del w:id='1' w:author='A'/></w:rPr></w:pPr></w:p>", ""),
    "symbol and deletion": ("<w:p><w:r><w:sym w:font='Wingdings' w:char='F0FE'/></w:r>"
                            "<w:del w:id='2' w:author='A'><w:r><w:t>effacé</w:t></w:r></w:del></w:p>", ""),
}


def _pieces(layout: Layout) -> list[tuple]:
    return [(line.style, line.heading, line.source.sourceline, [
        (p.kind, p.text, p.checked, p.name, p.field_kind, p.placeholder, p.leader, p.source.tag) for p in line.pieces])
        for line, _ in layout.lines()]


@pytest.mark.parametrize("neighbour", _NEIGHBOURS)
def test_docx_plain_paragraph_reads_as_the_full_walk_reads_it_beside_any_other(neighbour, monkeypatch):
    before, after = _NEIGHBOURS[neighbour]
    body = "\n".join([_PLAIN, before, _PLAIN, after, _PLAIN,
                      f"<w:tbl><w:tblGrid><w:gridCol/></w:tblGrid><w:tr>{tc('')}</w:tr></w:tbl>".replace(
                          "<w:p></w:p>", _PLAIN)])
    styles = "<w:style w:type='paragraph' w:styleId='Masque'><w:name w:val='Masqué'/><w:rPr><w:vanish/></w:rPr></w:style>"
    quick = docx(body, styles=styles)
    monkeypatch.setattr("pipeline.ooxml.layout._plain_paragraphs", lambda part: {})
    full = docx(body, styles=styles)
    assert _pieces(quick) == _pieces(full)
    assert "Nom :\tMARTIN\n lien ajout étiquettefin" in texts(quick)
    assert [p.leader for p in only_tabs(quick)] == [p.leader for p in only_tabs(full)] and "." in [
        p.leader for p in only_tabs(quick)]


def only_tabs(layout: Layout) -> list[Piece]:
    return [p for line, _ in layout.lines() for p in line.pieces if p.kind == "tab"]


def test_docx_merged_cells_span_grid_columns():
    three, two = '<w:gridSpan w:val="3"/>', '<w:gridSpan w:val="2"/>'
    table = only_table(docx(tbl(f"<w:tr>{tc('Identification', three)}</w:tr>"
                                f"<w:tr>{tc('Nom')}{tc('MARTIN', two)}</w:tr>", 3)))
    assert table.grid_columns == 3
    assert grid(table) == [[(0, 0, 1, 3, "Identification")], [(1, 0, 1, 1, "Nom"), (1, 1, 1, 2, "MARTIN")]]
    assert table.cell_at(1, 2).text == "MARTIN" and table.cell_at(0, 1).text == "Identification"


def test_docx_vertically_merged_cells_are_one_cell_spanning_rows():
    restart, go_on, go_on_said = "<w:vMerge w:val='restart'/>", "<w:vMerge/>", "<w:vMerge w:val='continue'/>"
    rows = (f"<w:tr>{tc('Fiabilité', restart)}{tc('par l’agent')}{tc('X')}</w:tr>"
            f"<w:tr>{tc('', go_on)}{tc('par l’évaluateur')}{tc('')}</w:tr>"
            f"<w:tr>{tc('', go_on_said)}{tc('par le N+2')}{tc('X')}</w:tr>"
            f"<w:tr>{tc('Délais')}{tc('par l’agent')}{tc('')}</w:tr>")
    table = only_table(docx(tbl(rows, 3)))
    assert [[c.column for c in row] for row in table.rows] == [[0, 1, 2], [1, 2], [1, 2], [0, 1, 2]]
    first = table.rows[0][0]
    assert (first.row_span, first.text) == (3, "Fiabilité")
    assert table.cell_at(2, 0) is first and table.cell_at(3, 0).text == "Délais"


def test_docx_grid_before_and_after_place_the_cells():
    rows = (f"<w:tr><w:trPr><w:gridBefore w:val='1'/><w:gridAfter w:val='1'/></w:trPr>{tc('B')}</w:tr>"
            f"<w:tr>{tc('A')}{tc('B')}{tc('C')}</w:tr>")
    table = only_table(docx(f"<w:tbl>{rows}</w:tbl>"))  # no w:tblGrid: the rows say the grid
    assert grid(table) == [[(0, 1, 1, 1, "B")], [(1, 0, 1, 1, "A"), (1, 1, 1, 1, "B"), (1, 2, 1, 1, "C")]]
    assert table.grid_columns == 3 and table.cell_at(0, 0) is None


def test_docx_old_horizontal_merge_is_one_cell():
    restart = "<w:hMerge w:val='restart'/>"
    rows = f"<w:tr>{tc('Titre', restart)}{tc('', '<w:hMerge/>')}{tc('C')}</w:tr>"
    assert grid(only_table(docx(tbl(rows, 3)))) == [[(0, 0, 1, 2, "Titre"), (0, 2, 1, 1, "C")]]


def test_docx_row_deleted_in_tracked_changes_is_left_out():
    rows = (f"<w:tr>{tc('gardée')}</w:tr><w:tr><w:trPr><w:del w:id='1' w:author='A'/></w:trPr>{tc('supprimée')}"
            f"</w:tr><w:tr><w:trPr><w:ins w:id='2' w:author='A'/></w:trPr>{tc('ajoutée')}</w:tr>")
    assert [row[0].text for row in only_table(docx(tbl(rows, 1))).rows] == ["gardée", "ajoutée"]


def test_docx_nested_table_is_a_block_of_its_cell():
    inner = tbl(f"<w:tr>{tc('A')}{tc('B')}</w:tr>", 2)
    outer = tbl(f"<w:tr><w:tc><w:p>{run('avant')}</w:p>{inner}<w:p>{run('après')}</w:p></w:tc></w:tr>", 1)
    layout = docx(outer)
    cell = only_table(layout).rows[0][0]
    assert [type(b).__name__ for b in cell.blocks] == ["Line", "Table", "Line"]
    assert cell.text == "avant\naprès"  # its own lines
    assert len(list(layout.tables())) == 2
    assert [(line.text, c.text) for line, c in layout.lines()] == \
        [("avant", "avant\naprès"), ("A", "A"), ("B", "B"), ("après", "avant\naprès")]


# --- the whole document -----------------------------------------------------------------------

def test_docx_headers_footers_and_properties():
    layout = docx(f"<w:p>{run('corps')}</w:p>",
                  headers=(f"<w:p>{run('CENTRE HOSPITALIER')}</w:p><w:p>{run('DRH')}</w:p>",),
                  footers=(f"<w:p>{run('page ')}<w:fldSimple w:instr=' PAGE '>{run('1')}</w:fldSimple></w:p>",),
                  core="<dc:title>Compte rendu</dc:title><dc:identifier>2026-100231</dc:identifier>"
                       "<cp:version>CR-0a1b2c3d4e</cp:version><cp:keywords/>",
                  custom="<property fmtid='{D5CDD505-2E9C-101B-9397-08002B2CF9AE}' pid='2' name='Matricule'>"
                         "<vt:lpwstr>100231</vt:lpwstr></property>")
    assert layout.format == "docx"
    assert (layout.headers, layout.footers) == (["CENTRE HOSPITALIER\nDRH"], ["page 1"])
    assert layout.properties == {"dc:title": "Compte rendu", "dc:identifier": "2026-100231",
                                 "cp:version": "CR-0a1b2c3d4e", "Matricule": "100231"}


def test_docx_styles_are_read_once_per_styles_part_and_never_mixed_up(tmp_path):
    """GIVEN two documents whose styles parts differ (a heading style renamed in one) WHEN both
    are read, twice THEN each line has its own document's style name."""
    def document(path: Path, heading_name: str) -> Path:
        made = python_docx.Document()
        made.add_heading("Identification", level=1)
        made.save(path)
        parts = lo.parts_of(path)
        parts["word/styles.xml"] = parts["word/styles.xml"].replace(b'w:val="heading 1"',
                                                                   f'w:val="{heading_name}"'.encode())
        return lo.write_zip(path, parts)

    first, second = document(tmp_path / "a.docx", "heading 1"), document(tmp_path / "b.docx", "Rubrique 1")
    for _ in range(2):
        for path, name in ((first, "Heading 1"), (second, "Rubrique 1")):
            line = next(line for line, _ in file_layout(path).lines() if line.text == "Identification")
            assert (line.style, line.heading) == (name, 1)


# =====================================================================================
# OpenDocument
# =====================================================================================

# --- text ------------------------------------------------------------------------------

def test_odt_spaces_collapse_as_odf_says_and_text_s_counts():
    line = only_line(odt("<text:p>  Nom  :\n   <text:span>MARTIN</text:span><text:s text:c='3'/>fin <text:s/>"
                         "</text:p>"))
    assert line.text == "Nom : MARTIN   fin  "


def test_odt_line_holds_tabs_breaks_and_spans_and_ignores_soft_page_breaks():
    line = only_line(odt("<text:p>Nom :<text:tab/><text:span text:style-name='T1'>MARTIN</text:span>"
                         "<text:soft-page-break/><text:line-break/> suite<text:bookmark text:name='b'/></text:p>"))
    assert [p.kind for p in line.pieces] == ["text", "tab", "text", "break", "text"]
    assert line.text == "Nom :\tMARTIN\nsuite"


def test_odt_tab_takes_the_leader_of_its_paragraph_style_s_stop():
    common = ("<style:style style:name='Ligne_20_pointillee' style:display-name='Ligne pointillée' "
              "style:family='paragraph'><style:paragraph-properties><style:tab-stops>"
              "<style:tab-stop style:position='9cm' style:leader-style='dotted' style:leader-text='.'/>"
              "<style:tab-stop style:position='17cm' style:type='right' style:leader-style='solid'/>"
              "</style:tab-stops></style:paragraph-properties></style:style>")
    automatic = ("<style:style style:name='P1' style:family='paragraph' style:parent-style-name='Ligne_20_pointillee'>"
                 "<style:text-properties fo:font-weight='bold'/></style:style>")
    line = only_line(odt("<text:p text:style-name='P1'>Nom :<text:tab/>Usage :<text:tab/><text:tab/></text:p>",
                         automatic=automatic, styles=common))
    assert [p.leader for p in line.pieces if p.kind == "tab"] == [".", "_", None]
    assert line.style == "Ligne pointillée"  # the automatic style stands for the one it derives from


def test_odt_heading_has_its_level_and_style_name():
    common = "<style:style style:name='Heading_20_2' style:display-name='Heading 2' style:family='paragraph'/>"
    layout = odt("<text:h text:style-name='Heading_20_2' text:outline-level='2'>2. Entretien</text:h>"
                 "<text:p text:style-name='Texte_20_courant'>corps</text:p>", styles=common)
    heading, body = [line for line, _ in layout.lines()]
    assert (heading.text, heading.style, heading.heading) == ("2. Entretien", "Heading 2", 2)
    assert (body.style, body.heading) == ("Texte courant", None)


def test_odt_lists_sections_and_indexes_are_read_through():
    layout = odt("<text:section text:name='S1'><text:list><text:list-item><text:p>un</text:p><text:list>"
                 "<text:list-item><text:p>un.un</text:p></text:list-item></text:list></text:list-item>"
                 "<text:list-header><text:p>en-tête</text:p></text:list-header></text:list></text:section>"
                 "<text:table-of-content><text:table-of-content-source/><text:index-body>"
                 "<text:p>1. Identification</text:p></text:index-body></text:table-of-content>")
    assert texts(layout) == ["un", "un.un", "en-tête", "1. Identification"]


def test_odt_deletions_in_tracked_changes_are_not_read_and_insertions_are():
    changes = ("<text:tracked-changes><text:changed-region text:id='ct1'><text:deletion><office:change-info>"
               "<dc:creator>A</dc:creator></office:change-info><text:p>ancien</text:p></text:deletion>"
               "</text:changed-region><text:changed-region text:id='ct2'><text:insertion><office:change-info>"
               "<dc:creator>A</dc:creator></office:change-info></text:insertion></text:changed-region>"
               "</text:tracked-changes>")
    layout = odt(changes + "<text:p>Accueil<text:change text:change-id='ct1'/><text:change-start "
                 "text:change-id='ct2'/> des familles<text:change-end text:change-id='ct2'/></text:p>")
    assert texts(layout) == ["Accueil des familles"]


def test_odt_notes_and_comments_are_not_text_and_other_fields_show_theirs():
    layout = odt("<text:p>Date<text:note text:note-class='footnote'><text:note-citation>1</text:note-citation>"
                 "<text:note-body><text:p>note</text:p></text:note-body></text:note> : <text:date "
                 "text:date-value='2026-10-13'>13/10/2026</text:date>, page <text:page-number>2</text:page-number>"
                 "<office:annotation><text:p>commentaire</text:p></office:annotation></text:p>")
    assert texts(layout) == ["Date : 13/10/2026, page 2"]


def test_odt_frame_text_box_follows_its_paragraph():
    layout = odt("<text:p>avant<draw:frame draw:name='Cadre'><draw:text-box><text:p>dans le cadre</text:p>"
                 "</draw:text-box></draw:frame> après</text:p>")
    assert texts(layout) == ["avant après", "dans le cadre"]


# --- fields -----------------------------------------------------------------------------------

def test_odt_input_field_and_placeholder():
    pieces = fields(odt("<text:p>Nom : <text:text-input text:description='Nom de l’agent'>MARTIN</text:text-input>"
                         " <text:placeholder text:placeholder-type='text' text:description='Prénom'>&lt;Prénom&gt;"
                         "</text:placeholder></text:p>"))
    name, first_name = pieces
    assert (name.field_kind, name.text, name.alias, name.placeholder) == ("text", "MARTIN", "Nom de l’agent", False)
    assert (first_name.placeholder, first_name.shown) == (True, "")


def test_odt_drop_down_field_shows_its_selected_label():
    (piece,) = fields(odt("<text:p><text:drop-down text:name='Résultat'><text:label text:value='Atteint'/>"
                          "<text:label text:value='Non atteint' text:current-selected='true'/>Non atteint"
                          "</text:drop-down></text:p>"))
    assert (piece.field_kind, piece.name, piece.text, piece.choices) == \
        ("dropdown", "Résultat", "Non atteint", ("Atteint", "Non atteint"))


FORMS_XML = (
    "<office:forms><form:form form:name='Standard'>"
    "<form:checkbox form:name='Titulaire' form:label='Titulaire' form:id='c1' xml:id='c1' "
    "form:current-state='checked'/>"
    "<form:checkbox form:name='Stagiaire' form:label='Stagiaire' form:id='c2' xml:id='c2' form:state='unchecked'/>"
    "<form:text form:name='Grade' form:id='c3' xml:id='c3' form:current-value='Adjoint technique'/>"
    "<form:combobox form:name='Avis' form:id='c4' xml:id='c4' form:current-value='favorable'>"
    "<form:item form:label='favorable'/><form:item form:label='défavorable'/></form:combobox>"
    "<form:listbox form:name='Priorite' form:id='c5' xml:id='c5'><form:option form:label='haute'/>"
    "<form:option form:label='basse' form:current-selected='true'/></form:listbox>"
    "<form:button form:name='Envoyer' form:id='c6' xml:id='c6'/>"
    "</form:form></office:forms>")


def test_odt_form_controls_are_fields_with_their_state_and_value():
    controls = "".join(f"<draw:control draw:control='c{i}'/>" for i in range(1, 8))
    pieces = fields(odt(f"<text:p>{controls}</text:p>", forms=FORMS_XML))
    assert [(p.name, p.field_kind, p.checked, p.text) for p in pieces] == [
        ("Titulaire", "checkbox", True, "Titulaire"), ("Stagiaire", "checkbox", False, "Stagiaire"),
        ("Grade", "text", None, "Adjoint technique"), ("Avis", "dropdown", None, "favorable"),
        ("Priorite", "dropdown", None, "basse")]  # a button, a control not there: no field
    assert pieces[3].choices == ("favorable", "défavorable")


@pytest.mark.parametrize("prefix", ["loext", "text"])
def test_odt_content_controls_are_fields_with_tag_alias_and_kind(prefix):
    def cc(attributes: str, content: str) -> str:
        return f"<{prefix}:content-control {attributes}>{content}</{prefix}:content-control>"
    paragraph = (
        cc(f"{prefix}:tag='nom' {prefix}:alias='Nom de l’agent' {prefix}:plain-text='true'", "MARTIN")
        + cc(f"{prefix}:checkbox='true' {prefix}:checked='true' {prefix}:checked-state='☒' "
             f"{prefix}:unchecked-state='☐' {prefix}:tag='case'", "☒")
        + cc(f"{prefix}:date='true' {prefix}:date-format='dd/MM/yyyy' {prefix}:current-date='2026-10-13T00:00:00Z'",
             "13/10/2026")
        + cc(f"{prefix}:dropdown='true'", f"<{prefix}:list-item {prefix}:display-text='oui' {prefix}:value='o'/>"
                                          f"<{prefix}:list-item {prefix}:display-text='non' {prefix}:value='n'/>non")
        + cc(f"{prefix}:showing-place-holder='true'",
             "<text:span>Cliquez ou appuyez ici pour entrer du texte.</text:span>"))
    text, box, date, choice, empty = fields(odt(f"<text:p>{paragraph}</text:p>"))
    assert (text.field_kind, text.name, text.alias, text.text) == ("text", "nom", "Nom de l’agent", "MARTIN")
    assert (box.field_kind, box.checked, box.name) == ("checkbox", True, "case")
    assert (date.field_kind, date.text, date.value) == ("date", "13/10/2026", "2026-10-13")
    assert (choice.field_kind, choice.text, choice.choices) == ("dropdown", "non", ("oui", "non"))
    assert empty.placeholder and empty.shown == ""


def test_odt_libreoffice_7_4_drop_down_without_its_attribute_is_known_by_its_items():
    (piece,) = fields(odt("<text:p><loext:content-control><loext:list-item loext:display-text='oui' "
                          "loext:value='oui'/>oui</loext:content-control></text:p>"))
    assert (piece.field_kind, piece.text) == ("dropdown", "oui")


def mark(kind: str, name: str, *params: tuple[str, str], start: bool = False) -> str:
    """A legacy Word form field as LibreOffice keeps it: ``field:fieldmark`` (or its start)
    with its parameters."""
    element = "field:fieldmark-start" if start else "field:fieldmark"
    inner = "".join(f"<field:param field:name='{key}' field:value='{value}'/>" for key, value in params)
    return f"<{element} text:name='{name}' field:type='vnd.oasis.opendocument.field.{kind}'>{inner}</{element}>"


def test_odt_legacy_word_form_fields_kept_as_field_marks():
    end = "<field:fieldmark-end/>"
    separator = "<field:fieldmark-separator/>"
    text = (f"<text:p>Nom : {mark('FORMTEXT', 'Nom', start=True)}{separator}MARTIN{end}</text:p>"
            f"<text:p>Usage : {mark('FORMTEXT', 'Usage', start=True)}{separator}{chr(0x2002) * 5}{end}</text:p>"
            f"<text:p>{mark('FORMTEXT', 'Date', ('Type', 'date'), start=True)}{separator}13/10/2026{end}</text:p>"
            f"<text:p>{mark('FORMCHECKBOX', '__Fieldmark__25_1', ('Checkbox_Checked', 'true'))} Madame "
            f"{mark('FORMCHECKBOX', 'Monsieur')} Monsieur</text:p>"
            "<text:p>" + mark("FORMDROPDOWN", "R", ("Dropdown_ListEntry", "Atteint"),
                              ("Dropdown_ListEntry", "Non atteint"), ("Dropdown_Selected", "1")) + "</text:p>")
    layout = odt(text)
    assert texts(layout) == ["Nom : MARTIN", "Usage : ", "13/10/2026", "☒ Madame ☐ Monsieur", "Non atteint"]
    assert [(p.name, p.field_kind, p.text, p.checked, p.placeholder) for p in fields(layout)] == [
        ("Nom", "text", "MARTIN", None, False), ("Usage", "text", "\u2002" * 5, None, True),
        ("Date", "date", "13/10/2026", None, False),
        (None, "checkbox", "", True, False),  # a name LibreOffice made up is no name
        ("Monsieur", "checkbox", "", False, False), ("R", "dropdown", "Non atteint", None, False)]


@pytest.mark.parametrize("shown", [
    "<field:fieldmark-separator/>\u2002\u2002\u2002\u2002\u2002",  # LibreOffice's: a separator, five en spaces
    "\u2002\u2002\u2002\u2002\u2002",  # no separator
    "<field:fieldmark-separator/><text:span text:style-name='T1'>\u2002\u2002</text:span> ",  # in a span
    "<field:fieldmark-separator/>13/10/2025",  # last year's date, replaced
])
@pytest.mark.parametrize("kind", [(), (("Type", "date"),)])
def test_odt_legacy_text_field_written_then_read(shown, kind):
    """A legacy Word text field an .odt keeps (the ministry's « Date de l'entretien ») written by
    the template's writer, then read: the value and nothing else between its start and its end."""
    from pipeline.odf import editing

    layout = odt(f"<text:p>Date de l'entretien : {mark('FORMTEXT', 'DateEntretien', *kind, start=True)}{shown}"
                 "<field:fieldmark-end/> (jour de l'entretien)</text:p>")
    (piece,) = fields(layout)
    assert editing.set_field(piece, "16/10/2026")
    root = piece.source.getroottree().getroot()
    again = odf.odt_layout(odf.parse_xml(editing.serialize(root)))
    (read,) = fields(again)
    assert (read.name, read.text, read.placeholder) == ("DateEntretien", "16/10/2026", False)
    assert texts(again) == ["Date de l'entretien : 16/10/2026 (jour de l'entretien)"]


def test_odt_field_mark_code_before_its_separator_is_not_shown():
    layout = odt(f"<text:p>voir {mark('UNHANDLED', 'x', start=True)} REF _Ref1 \\h <field:fieldmark-separator/>"
                 "section 2<field:fieldmark-end/></text:p>")
    assert texts(layout) == ["voir section 2"] and fields(layout) == []


# --- tables -----------------------------------------------------------------------------------

def cell(text: str, *, columns: int = 1, rows: int = 1, repeated: int = 1) -> str:
    """A table cell spanning ``columns`` and ``rows``, written ``repeated`` times."""
    attributes = (f"table:number-columns-spanned='{columns}' table:number-rows-spanned='{rows}' "
                  f"table:number-columns-repeated='{repeated}'")
    return f"<table:table-cell {attributes}><text:p>{text}</text:p></table:table-cell>"


COVERED = "<table:covered-table-cell/>"


def test_odt_spanned_cells_and_covered_cells():
    table = only_table(odt(
        "<table:table table:name='Table1'><table:table-column table:number-columns-repeated='5'/>"
        f"<table:table-row>{cell('1. IDENTIFICATION', columns=5)}{COVERED * 4}</table:table-row>"
        f"<table:table-row>{cell('Nom')}{cell('ROCHER', columns=2)}{COVERED}"
        f"{cell('PELLETIER', columns=2)}{COVERED}</table:table-row>"
        "</table:table>"))
    assert table.grid_columns == 5
    assert grid(table) == [[(0, 0, 1, 5, "1. IDENTIFICATION")],
                           [(1, 0, 1, 1, "Nom"), (1, 1, 1, 2, "ROCHER"), (1, 3, 1, 2, "PELLETIER")]]
    assert table.cell_at(1, 4).text == "PELLETIER"


def test_odt_cells_spanning_rows_are_absent_from_the_rows_below():
    table = only_table(odt(
        "<table:table><table:table-column table:number-columns-repeated='3'/>"
        f"<table:table-header-rows><table:table-row>{cell('Critère')}{cell('Par')}{cell('A')}</table:table-row>"
        f"</table:table-header-rows><table:table-row>{cell('Fiabilité', rows=2)}"
        f"{cell('par l’agent')}{cell('X')}</table:table-row>"
        f"<table:table-row>{COVERED}{cell('par l’évaluateur')}{cell('')}</table:table-row></table:table>"))
    assert [[c.column for c in row] for row in table.rows] == [[0, 1, 2], [0, 1, 2], [1, 2]]
    assert table.rows[1][0].row_span == 2 and table.cell_at(2, 0).text == "Fiabilité"


def test_odt_spanned_cell_without_its_covered_cells_still_spans():
    table = only_table(odt(f"<table:table><table:table-row>{cell('AB', columns=2)}"
                           f"{cell('C')}</table:table-row></table:table>"))
    assert grid(table) == [[(0, 0, 1, 2, "AB"), (0, 2, 1, 1, "C")]] and table.grid_columns == 3


def test_odt_repeated_rows_and_cells_are_expanded_within_a_cap():
    table = only_table(odt(
        "<table:table><table:table-column table:number-columns-repeated='3'/>"
        "<table:table-rows><table:table-row table:number-rows-repeated='2'>"
        f"{cell('', repeated=2)}{cell('x')}</table:table-row></table:table-rows>"
        f"<table:table-row table:number-rows-repeated='100000'>{cell('')}</table:table-row></table:table>"))
    assert grid(table)[:2] == [[(0, 0, 1, 1, ""), (0, 1, 1, 1, ""), (0, 2, 1, 1, "x")],
                               [(1, 0, 1, 1, ""), (1, 1, 1, 1, ""), (1, 2, 1, 1, "x")]]
    assert len(table.rows) == 2 + REPEAT_CAP


def test_odt_nested_table_is_a_block_of_its_cell():
    inner = f"<table:table><table:table-row>{cell('A')}{cell('B')}</table:table-row></table:table>"
    layout = odt(f"<table:table><table:table-row><table:table-cell><text:p>avant</text:p>{inner}</table:table-cell>"
                 "</table:table-row></table:table>")
    outer_cell = only_table(layout).rows[0][0]
    assert [type(b).__name__ for b in outer_cell.blocks] == ["Line", "Table"]
    assert [t.grid_columns for t in layout.tables()] == [1, 2]


# --- the whole document, the parser -----------------------------------------------------------

def test_odt_headers_footers_and_properties():
    masters = ("<style:master-page style:name='Standard'><style:header><text:p>MAIRIE</text:p></style:header>"
               "<style:header-left style:display='false'><text:p>gauche</text:p></style:header-left>"
               "<style:footer><text:p>page <text:page-number>1</text:page-number></text:p></style:footer>"
               "</style:master-page>")
    meta = ("<dc:title>Compte rendu</dc:title><meta:keyword>RH</meta:keyword><meta:keyword>2026</meta:keyword>"
            "<meta:user-defined meta:name='Matricule'>100231</meta:user-defined>"
            "<meta:user-defined meta:name='OOXMLCorePropertyIdentifier'>2026-100231</meta:user-defined>"
            "<meta:user-defined meta:name='OOXMLCorePropertyVersion'>CR-0a1b2c3d4e</meta:user-defined>"
            "<meta:document-statistic meta:page-count='4'/>")
    layout = odt("<text:p>corps</text:p>", masters=masters, meta=meta)
    assert layout.format == "odt"
    assert (layout.headers, layout.footers) == (["MAIRIE"], ["page 1"])
    assert layout.properties == {"dc:title": "Compte rendu", "meta:keyword": "RH, 2026", "Matricule": "100231",
                                 "dc:identifier": "2026-100231", "cp:version": "CR-0a1b2c3d4e"}


def test_odf_parser_refuses_declared_entities_and_allows_a_bare_external_doctype():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
              b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0">'
              b'&b;</office:document-content>')
    with pytest.raises(ValueError):
        odf.parse_xml(laughs)
    old_manifest = (b'<?xml version="1.0"?><!DOCTYPE manifest:manifest PUBLIC "-//OpenOffice.org//DTD Manifest 1.0//EN"'
                    b' "http://127.0.0.1:9/Manifest.dtd"><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                    b'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:media-type="application/vnd.'
                    b'oasis.opendocument.text" manifest:full-path="/"/></manifest:manifest>')
    assert odf.manifest_media_type(odf.parse_xml(old_manifest)) == odf.TEXT


# =====================================================================================
# The shared employer forms, end to end
# =====================================================================================

def form_layout(name: str) -> Layout:
    with open_document(FORMS / name) as package:
        return layout_of(package)


def expected_values(node) -> list[str]:
    """Every value the expected-values file lists (not its keys, nor its « coché » notes)."""
    if isinstance(node, dict):
        return [v for key, value in node.items() if not key.startswith("_") for v in expected_values(value)]
    if isinstance(node, list):
        return [v for item in node for v in expected_values(item)]
    return [] if "coché" in node or node.startswith("[") else [node]


def all_text(layout: Layout) -> str:
    return "\n".join(line.text for line, _ in layout.lines())


@needs_forms
@pytest.mark.parametrize("name", ["B_hopital_lignes_rempli.docx", "C_commune_grille_rempli.odt"])
def test_every_value_a_correct_reader_finds_is_in_the_layout_s_text(name):
    expected = json.loads((FORMS / (name.split("_rempli")[0] + "_attendu.json")).read_text(encoding="utf-8"))
    text = all_text(form_layout(name))
    missing = [value for value in expected_values(expected) if value not in text]
    assert not missing


@needs_forms
def test_b_hospital_form_labelled_lines_with_dotted_tab_leaders():
    filled, blank = form_layout("B_hopital_lignes_rempli.docx"), form_layout("B_hopital_lignes.docx")
    assert filled.format == blank.format == "docx"
    line = next(line for line in texts(filled) if line.startswith("Nom de famille"))
    assert line == "Nom de famille : MARCHAND\tNom d'usage : \t"
    found = next(l for l, _ in filled.lines() if l.text == line)
    assert [p.leader for p in found.pieces if p.kind == "tab"] == [".", "."]
    assert "Nom de famille : \tNom d'usage : \t" in texts(blank)
    assert "☒ Madame    ☐ Monsieur" in texts(filled) and "☐ Madame    ☐ Monsieur" in texts(blank)
    objectives = next(t for t in filled.tables() if t.rows[0][0].text == "Objectif")
    assert [c.text for c in objectives.rows[0]] == ["Objectif", "Indicateur(s)", "Échéance"]
    assert [c.text for c in objectives.rows[1]][2] == "31/12/2027"
    assert filled.headers[0].strip().startswith("CENTRE HOSPITALIER DE VAL-SAINTE-MARIE")
    assert "Compte rendu d'entretien professionnel 2026" in filled.footers[0]


@needs_forms
@pytest.mark.parametrize("name, nom", [("C_commune_grille_rempli.odt", ("ROCHER", "PELLETIER")),
                                       ("C_commune_grille.odt", ("", ""))])
def test_c_commune_form_identification_table_on_its_grid(name, nom):
    layout = form_layout(name)
    assert layout.format == "odt"
    table1 = next(layout.tables())
    assert table1.grid_columns == 5
    header = next(row for row in table1.rows if any(c.text == "AGENT ÉVALUÉ" for c in row))
    columns = {c.text: c.column for c in header}
    assert (columns["AGENT ÉVALUÉ"], columns["SUPÉRIEUR HIÉRARCHIQUE DIRECT"]) == (1, 3)
    (row,) = [row for row in table1.rows if row[0].text == "Nom"]
    assert [(c.column, c.column_span, c.text) for c in row] == [(0, 1, "Nom"), (1, 2, nom[0]), (3, 2, nom[1])]


@needs_forms
def test_c_commune_form_criteria_grid_has_vertically_merged_criteria():
    layout = form_layout("C_commune_grille_rempli.odt")
    grid_table = next(t for t in layout.tables() if t.rows and t.rows[0][0].text.startswith("Grille d'appréciation"))
    assert grid_table.grid_columns == 6
    columns = {c.text: c.column for c in grid_table.rows[1]}
    (criterion,) = [c for c in grid_table.cells() if c.text == "Fiabilité et qualité du travail effectué"]
    assert (criterion.column, criterion.row_span) == (0, 2)
    by_agent, by_evaluator = grid_table.rows[criterion.row], grid_table.rows[criterion.row + 1]
    assert by_evaluator[0].text == "par l'évaluateur" and grid_table.cell_at(criterion.row + 1, 0) is criterion
    assert [c.column for c in by_agent if c.text == "X"] == [columns["B"]]
    assert [c.column for c in by_evaluator if c.text == "X"] == [columns["A"]]


@needs_forms
def test_c_commune_form_boxes_and_headers():
    layout = form_layout("C_commune_grille_rempli.odt")
    assert "[X] Évolution des missions sur le poste" in texts(layout)
    assert "MAIRIE DE SAINT-EXEMPLE-SUR-LOIRE" in layout.headers[0]


# =====================================================================================
# Files LibreOffice saved
# =====================================================================================

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def legacy_form_docx(path: Path) -> Path:
    """A Word document protected for forms, holding the three legacy form fields, built with
    python-docx (the fields' XML written here: python-docx has no API for them)."""
    from docx.oxml import parse_xml

    document = python_docx.Document()
    body = document.element.body

    def paragraph(xml: str) -> None:
        body.insert(len(body) - 1, parse_xml(f"<w:p {W}>{xml}</w:p>"))

    paragraph(run("Nom : ") + form_field("<w:name w:val='Nom'/><w:enabled/><w:textInput/>", "FORMTEXT",
                                         run("MARCHAND")))
    paragraph(run("Nom d'usage : ") + form_field("<w:name w:val='NomUsage'/><w:enabled/><w:textInput/>", "FORMTEXT",
                                                 run("\u2002" * 5)))
    paragraph(run("Date : ") + form_field("<w:name w:val='DateEntretien'/><w:enabled/><w:textInput><w:type "
                                          "w:val='date'/><w:format w:val='dd/MM/yyyy'/></w:textInput>", "FORMTEXT",
                                          run("13/10/2026")))
    paragraph(form_field("<w:name w:val='Madame'/><w:enabled/><w:checkBox><w:sizeAuto/><w:default w:val='0'/>"
                         "<w:checked/></w:checkBox>", "FORMCHECKBOX") + run(" Madame ")
              + form_field("<w:name w:val='Monsieur'/><w:enabled/><w:checkBox><w:sizeAuto/><w:default w:val='0'/>"
                           "</w:checkBox>", "FORMCHECKBOX") + run(" Monsieur"))
    entries = "".join(f"<w:listEntry w:val='{v}'/>" for v in ("Atteint", "Partiellement atteint", "Non atteint"))
    paragraph(run("Résultat : ") + form_field(f"<w:name w:val='Resultat'/><w:enabled/><w:ddList><w:result w:val='1'/>"
                                             f"{entries}</w:ddList>", "FORMDROPDOWN", result=""))
    document.settings.element.append(parse_xml(f"<w:documentProtection {W} w:edit='forms' w:enforcement='1'/>"))
    document.save(path)
    return path


def field_summary(layout: Layout, *, names: bool = True) -> list[tuple]:
    return [(p.name if names else None, p.field_kind, p.shown, p.checked, p.choices) for p in fields(layout)]


def file_layout(path: Path) -> Layout:
    with open_document(path) as package:
        return layout_of(package)


@pytest.fixture(scope="module")
def saved_by_libreoffice(tmp_path_factory):
    """The legacy form-field document and a filled report of our own template, each with the
    .odt LibreOffice saves of it (one soffice call)."""
    lo.soffice()
    folder = tmp_path_factory.mktemp("layout_libreoffice")
    legacy = legacy_form_docx(folder / "champs_formulaire.docx")
    ws = lo.workspace(tmp_path_factory)
    report = fill_report(ws.reports["100231"], folder / "rapport.docx", ws.catalogue, stage=4)
    legacy_odt, report_odt = lo.convert([legacy, report], "odt", folder / "odt", folder / "profile")
    return {"legacy": (legacy, legacy_odt), "report": (report, report_odt)}


LEGACY_FIELDS = [("Nom", "text", "MARCHAND", None, ()), ("NomUsage", "text", "", None, ()),
                 ("DateEntretien", "date", "13/10/2026", None, ()), ("Madame", "checkbox", "☒", True, ()),
                 ("Monsieur", "checkbox", "☐", False, ()),
                 ("Resultat", "dropdown", "Partiellement atteint", None,
                  ("Atteint", "Partiellement atteint", "Non atteint"))]
LEGACY_LINES = ["Nom : MARCHAND", "Nom d'usage : ", "Date : 13/10/2026", "☒ Madame ☐ Monsieur",
                "Résultat : Partiellement atteint"]


def test_legacy_form_fields_of_a_word_document_protected_for_forms(tmp_path):
    layout = file_layout(legacy_form_docx(tmp_path / "champs.docx"))
    assert field_summary(layout) == LEGACY_FIELDS and texts(layout) == LEGACY_LINES


@pytest.mark.libreoffice
def test_libreoffice_keeps_the_legacy_form_fields_of_a_word_form(saved_by_libreoffice):
    source, converted = saved_by_libreoffice["legacy"]
    word, libre = file_layout(source), file_layout(converted)
    assert (word.format, libre.format) == ("docx", "odt")
    expected = LEGACY_FIELDS
    assert field_summary(word) == expected
    # LibreOffice 7.4 keeps a text field's name, and gives check boxes and drop-downs names of its own.
    assert field_summary(libre, names=False) == [(None, *rest) for _, *rest in expected]
    assert [p.name for p in fields(libre) if p.field_kind in ("text", "date")] == ["Nom", "NomUsage", "DateEntretien"]
    assert texts(libre) == texts(word) == LEGACY_LINES


def label_rows(layout: Layout) -> dict[str, str]:
    """Value cells by the text of their label cell, for every two-cell row."""
    rows: dict[str, str] = {}
    for table in layout.tables():
        for row in table.rows:
            if len(row) == 2:
                rows.setdefault(row[0].text, row[1].text)
    return rows


def controls_shown(layout: Layout) -> list[tuple[str, str]]:
    """Each control's kind and what it shows (Word's prompt, which LibreOffice 7.4 keeps as
    text, as nothing)."""
    return [(p.field_kind, "" if p.text.startswith("Cliquez") else p.shown.strip()) for p in fields(layout)]


@pytest.mark.libreoffice
def test_our_report_saved_as_odt_gives_its_label_rows_controls_and_properties(saved_by_libreoffice):
    source, converted = saved_by_libreoffice["report"]
    word, libre = file_layout(source), file_layout(converted)
    word_rows, libre_rows = label_rows(word), label_rows(libre)
    assert word_rows.keys() == libre_rows.keys() and len(word_rows) > 30
    differing = {k: (v, libre_rows[k]) for k, v in word_rows.items() if v.strip() != libre_rows[k].strip()}
    # LibreOffice 7.4 keeps a plain text control's prompt as the text of an input field, without its flag.
    assert all(w == "" and o.startswith("Cliquez") for w, o in differing.values()), differing
    assert libre_rows["Matricule"] == "100231"
    assert libre_rows["Date de la convocation"] == word_rows["Date de la convocation"]
    assert controls_shown(libre) == controls_shown(word)
    assert [p.name for p in fields(word)][:3] == ["identifiant", "campagne", "matricule"]
    dates = [(p.text, p.value) for p in fields(libre) if p.field_kind == "date" and p.value]
    assert dates and all(value == "-".join(reversed(text.split("/"))) for text, value in dates)
    for key in ("dc:identifier", "cp:version", "dc:title"):
        assert libre.properties[key] == word.properties[key]
    assert libre.footers == word.footers
