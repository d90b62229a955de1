"""pipeline.ooxml's reading layer, on short WordprocessingML fragments.

Every fragment goes through :func:`part`, which wraps it in a document and parses
it with the product's own parser. Visible text is checked through each of its
readers (a paragraph, a cell, the one-walk index), which must never disagree.
"""

from __future__ import annotations

import pytest
from lxml import etree

from pipeline import ooxml

DECLARATIONS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in ooxml.NSMAP.items())


def part(fragment: str, within: tuple[str, ...] = ("w:document", "w:body")) -> etree._Element:
    """``fragment`` inside ``within`` (outermost first, namespaces declared on it), parsed."""
    outer, *inner = within
    text = fragment
    for name in reversed(inner):
        text = f"<{name}>{text}</{name}>"
    return ooxml.parse_xml(f"<{outer} {DECLARATIONS}>{text}</{outer}>".encode())


def in_cell(paragraphs: str) -> str:
    return f"<w:tbl><w:tr><w:tc>{paragraphs}</w:tc></w:tr></w:tbl>"


def run(text: str) -> str:
    return f"<w:r><w:t xml:space='preserve'>{text}</w:t></w:r>"


def first_cell(root: etree._Element) -> etree._Element:
    return ooxml.table_rows(next(ooxml.iter_tables(root)))[0][0]


# The readers of visible text: each gives the text of the first cell's paragraphs.
READERS = {
    "paragraph_text": lambda root: "\n".join(
        ooxml.paragraph_text(p) for p in ooxml.iter_paragraphs(first_cell(root))),
    "cell_text": lambda root: ooxml.cell_text(first_cell(root)),
    "PartIndex": lambda root: ooxml.PartIndex(root).cell(first_cell(root)),
}


@pytest.fixture(params=READERS)
def visible(request):
    """``visible(paragraphs)``: the text a reader sees in a cell holding ``paragraphs``."""
    return lambda paragraphs: READERS[request.param](part(in_cell(paragraphs)))


# -- visible text ----------------------------------------------------------------------------

def test_visible_text_keeps_tracked_insertions(visible):
    assert visible(f"<w:p>{run('Accueil')}<w:ins w:id='1' w:author='A'>{run(' des familles')}</w:ins></w:p>") \
        == "Accueil des familles"


def test_visible_text_drops_tracked_deletions_of_text_tabs_and_breaks(visible):
    deleted = "<w:del w:id='1' w:author='A'><w:r><w:delText>ancien</w:delText><w:tab/><w:br/></w:r>" \
              "<w:r><w:t>mot</w:t></w:r></w:del>"
    assert visible(f"<w:p>{run('Accueil')}{deleted}</w:p>") == "Accueil"


def test_visible_text_drops_the_source_of_a_tracked_move(visible):
    moved = f"<w:moveFrom w:id='1' w:author='A'>{run('déplacé ')}</w:moveFrom>"
    assert visible(f"<w:p>{moved}{run('reste')}</w:p>") == "reste"


def test_visible_text_drops_the_mc_fallback_copy(visible):
    alternate = (f"<mc:AlternateContent><mc:Choice Requires='w14'>{run('choix')}</mc:Choice>"
                 f"<mc:Fallback>{run('copie')}</mc:Fallback></mc:AlternateContent>")
    assert visible(f"<w:p>{alternate}</w:p>") == "choix"


def test_visible_text_keeps_tabs_breaks_and_non_breaking_hyphens(visible):
    runs = "<w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/><w:t>c</w:t><w:cr/><w:t>d</w:t>" \
           "<w:noBreakHyphen/><w:t>e</w:t></w:r>"
    assert visible(f"<w:p>{runs}</w:p>") == "a\tb\nc\nd-e"


def test_visible_text_ignores_tab_stops_in_paragraph_properties(visible):
    properties = "<w:pPr><w:tabs><w:tab w:val='left' w:pos='720'/></w:tabs></w:pPr>"
    assert visible(f"<w:p>{properties}{run('Objectif')}</w:p>") == "Objectif"


def test_visible_text_keeps_every_paragraph_of_a_cell_on_its_own_line(visible):
    assert visible(f"<w:p>{run('un')}</w:p><w:p>{run('deux')}</w:p>") == "un\ndeux"


def control(flag: str, content: str = run("Cliquez ou appuyez ici pour entrer du texte.")) -> str:
    return f"<w:sdt><w:sdtPr><w:tag w:val='missions'/>{flag}</w:sdtPr><w:sdtContent>{content}</w:sdtContent></w:sdt>"


@pytest.mark.parametrize("flag", ["<w:showingPlcHdr/>", "<w:showingPlcHdr w:val='1'/>",
                                  "<w:showingPlcHdr w:val='true'/>", "<w:showingPlcHdr w:val='on'/>"])
def test_visible_text_hides_a_control_showing_its_placeholder(visible, flag):
    assert visible(f"<w:p>{control(flag)}{run(' à côté')}</w:p>") == " à côté"


@pytest.mark.parametrize("value", ["0", "false", "off"])
def test_visible_text_shows_a_control_whose_placeholder_flag_is_off(visible, value):
    flag = f"<w:showingPlcHdr w:val='{value}'/>"
    assert visible(f"<w:p>{control(flag, run('Accueil'))}</w:p>") == "Accueil"


def test_visible_text_hides_a_paragraph_inside_a_block_control_showing_its_placeholder(visible):
    block = control("<w:showingPlcHdr/>", f"<w:p>{run('Cliquez ici.')}</w:p>")
    assert visible(f"<w:p>{run('avant')}</w:p>{block}") == "avant\n"


def test_paragraph_text_of_a_paragraph_in_a_control_showing_its_placeholder_is_empty():
    root = part(control("<w:showingPlcHdr/>", f"<w:p>{run('Cliquez ici.')}</w:p>"))
    assert ooxml.paragraph_text(next(ooxml.iter_paragraphs(root))) == ""


def test_cell_text_leaves_out_a_paragraph_deleted_in_tracked_changes():
    deleted = "<w:p><w:pPr><w:rPr><w:del w:id='1' w:author='A'/></w:rPr></w:pPr>" \
              "<w:del w:id='2' w:author='A'><w:r><w:delText>retiré</w:delText></w:r></w:del></w:p>"
    root = part(in_cell(f"<w:p>{run('un')}</w:p>{deleted}<w:p>{run('deux')}</w:p>"))
    assert ooxml.cell_text(first_cell(root)) == ooxml.PartIndex(root).cell(first_cell(root)) == "un\ndeux"


def test_first_paragraph_text_skips_blank_paragraphs():
    root = part(in_cell(f"<w:p/><w:p>{run('  ')}</w:p><w:p>{run('Nom')}</w:p><w:p>{run('aide')}</w:p>"))
    cell = first_cell(root)
    assert ooxml.first_paragraph_text(cell) == ooxml.PartIndex(root).first_paragraph(cell) == "Nom"


# -- controls --------------------------------------------------------------------------------

def only_control(fragment: str) -> etree._Element:
    (sdt,) = ooxml.iter_controls(part(f"<w:p>{fragment}</w:p>"))
    return sdt


def test_control_tag_and_alias_read_their_values():
    sdt = only_control("<w:sdt><w:sdtPr><w:alias w:val='Missions'/><w:tag w:val='missions'/></w:sdtPr></w:sdt>")
    assert (ooxml.control_tag(sdt), ooxml.control_alias(sdt)) == ("missions", "Missions")


@pytest.mark.parametrize("properties", ["<w:sdtPr><w:id w:val='1'/></w:sdtPr>", ""])
def test_control_tag_and_alias_return_none_when_missing(properties):
    sdt = only_control(f"<w:sdt>{properties}<w:sdtContent/></w:sdt>")
    assert (ooxml.control_tag(sdt), ooxml.control_alias(sdt)) == (None, None)


@pytest.mark.parametrize(("flag", "showing"), [
    ("<w:showingPlcHdr/>", True), ("<w:showingPlcHdr w:val='true'/>", True),
    ("<w:showingPlcHdr w:val='0'/>", False), ("<w:showingPlcHdr w:val='false'/>", False),
    ("<w:showingPlcHdr w:val='off'/>", False), ("", False),
])
def test_control_showing_placeholder_reads_the_flag(flag, showing):
    assert ooxml.control_showing_placeholder(only_control(control(flag))) is showing


@pytest.mark.parametrize(("box", "state"), [
    ("<w14:checkbox><w14:checked w14:val='1'/></w14:checkbox>", True),
    ("<w14:checkbox><w14:checked w14:val='true'/></w14:checkbox>", True),
    ("<w14:checkbox><w14:checked w14:val='on'/></w14:checkbox>", True),
    ("<w14:checkbox><w14:checked w14:val='True'/></w14:checkbox>", True),
    ("<w14:checkbox><w14:checked/></w14:checkbox>", True),  # ST_OnOff: no value means on
    ("<w14:checkbox><w14:checked w14:val='0'/></w14:checkbox>", False),
    ("<w14:checkbox><w14:checked w14:val='false'/></w14:checkbox>", False),
    ("<w14:checkbox><w14:checked w14:val='off'/></w14:checkbox>", False),
    ("<w14:checkbox><w14:checked w14:val='FALSE'/></w14:checkbox>", False),
    ("<w14:checkbox/>", False),
    ("<w:text/>", None),
])
def test_control_checkbox_state_is_true_false_or_none_for_another_control(box, state):
    assert ooxml.control_checkbox_state(only_control(f"<w:sdt><w:sdtPr>{box}</w:sdtPr></w:sdt>")) is state


def test_control_date_value_reads_the_stored_date():
    sdt = only_control("<w:sdt><w:sdtPr><w:date w:fullDate='2026-12-03T00:00:00Z'>"
                       "<w:dateFormat w:val='dd/MM/yyyy'/></w:date></w:sdtPr></w:sdt>")
    assert ooxml.control_date_value(sdt) == "2026-12-03T00:00:00Z"


@pytest.mark.parametrize("date", ["<w:date><w:dateFormat w:val='dd/MM/yyyy'/></w:date>", ""])
def test_control_date_value_returns_none_without_a_stored_date(date):
    assert ooxml.control_date_value(only_control(f"<w:sdt><w:sdtPr>{date}</w:sdtPr></w:sdt>")) is None


def test_part_index_finds_controls_by_tag_and_by_alias():
    root = part(f"<w:p>{control('')}</w:p>"
                "<w:p><w:sdt><w:sdtPr><w:alias w:val='Visa'/></w:sdtPr><w:sdtContent/></w:sdt></w:p>")
    first, second = ooxml.iter_controls(root)
    index = ooxml.PartIndex(root)
    assert index.by_tag == {"missions": [first]}
    assert index.by_alias == {"Visa": [second]}


def test_enclosing_returns_none_without_such_an_ancestor():
    sdt = only_control(control(""))
    assert ooxml.enclosing(sdt, "w:p") is not None and ooxml.enclosing(sdt, "w:tc") is None


# -- tables ------------------------------------------------------------------------------------

def row(*texts: str) -> str:
    return "<w:tr>" + "".join(f"<w:tc><w:p>{run(t)}</w:p></w:tc>" for t in texts) + "</w:tr>"


def texts_of(rows: list[list[etree._Element]]) -> list[list[str]]:
    return [[ooxml.cell_text(tc) for tc in cells] for cells in rows]


def test_table_rows_include_rows_wrapped_in_a_repeating_section_control():
    repeating = f"<w:sdt><w:sdtPr/><w:sdtContent>{row('a', '1')}{row('b', '2')}</w:sdtContent></w:sdt>"
    root = part(f"<w:tbl>{row('Objectif', 'Échéance')}{repeating}</w:tbl>")
    tbl = next(ooxml.iter_tables(root))
    expected = [["Objectif", "Échéance"], ["a", "1"], ["b", "2"]]
    assert texts_of(ooxml.table_rows(tbl)) == texts_of(ooxml.PartIndex(root).rows(tbl)) == expected


def test_table_rows_include_cells_wrapped_in_a_control():
    cells = f"<w:tr><w:tc><w:p>{run('a')}</w:p></w:tc><w:sdt><w:sdtContent><w:tc><w:p>{run('b')}</w:p></w:tc>" \
            "</w:sdtContent></w:sdt></w:tr>"
    root = part(f"<w:tbl>{cells}</w:tbl>")
    tbl = next(ooxml.iter_tables(root))
    assert texts_of(ooxml.table_rows(tbl)) == texts_of(ooxml.PartIndex(root).rows(tbl)) == [["a", "b"]]


def test_nested_tables_keep_their_own_rows_and_the_outer_cell_reads_them():
    inner = f"<w:tbl>{row('x', 'y')}{row('z', 't')}</w:tbl>"
    outer = f"<w:tbl><w:tr><w:tc><w:p>{run('avant')}</w:p>{inner}<w:p>{run('après')}</w:p></w:tc>" \
            f"<w:tc><w:p>{run('b')}</w:p></w:tc></w:tr>{row('c', 'd')}</w:tbl>"
    root = part(outer)
    outer_tbl, inner_tbl = ooxml.iter_tables(root)
    index = ooxml.PartIndex(root)
    assert index.tables == [outer_tbl, inner_tbl]
    for rows in (ooxml.table_rows, index.rows):
        assert texts_of(rows(inner_tbl)) == [["x", "y"], ["z", "t"]]
        assert [len(cells) for cells in rows(outer_tbl)] == [2, 2]
    first = ooxml.table_rows(outer_tbl)[0][0]
    assert ooxml.cell_text(first) == index.cell(first) == "avant\nx\ny\nz\nt\naprès"


def test_grid_positions_count_the_columns_a_merged_cell_spans():
    merged = f"<w:tr><w:tc><w:tcPr><w:gridSpan w:val='2'/></w:tcPr><w:p>{run('ab')}</w:p></w:tc>" \
             f"<w:tc><w:p>{run('c')}</w:p></w:tc></w:tr>"
    root = part(f"<w:tbl>{row('a', 'b', 'c')}{merged}</w:tbl>")
    tbl = next(ooxml.iter_tables(root))
    header, cells = ooxml.table_rows(tbl)
    assert ooxml.has_merged_cells(tbl)
    assert (ooxml.grid_positions(header), ooxml.grid_positions(cells)) == ([0, 1, 2], [0, 2])


@pytest.mark.parametrize("span", ["x", "0", "-3"])
def test_a_cell_with_an_unreadable_span_spans_one_column(span):
    root = part(f"<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val='{span}'/></w:tcPr><w:p/></w:tc></w:tr></w:tbl>")
    assert ooxml.cell_grid_span(first_cell(root)) == 1


def test_a_table_without_merged_cells_says_so():
    assert not ooxml.has_merged_cells(next(ooxml.iter_tables(part(f"<w:tbl>{row('a', 'b')}</w:tbl>"))))


def test_label_value_cells_are_the_first_two_cells_of_rows_of_two_cells_or_more():
    repeating = f"<w:sdt><w:sdtContent>{row('Service', 'Accueil')}</w:sdtContent></w:sdt>"
    wrapped_cell = f"<w:tr><w:tc><w:p>{run('Lieu')}</w:p></w:tc><w:sdt><w:sdtContent><w:tc><w:p>{run('Bureau')}" \
                   "</w:p></w:tc></w:sdtContent></w:sdt></w:tr>"
    root = part(f"<w:tbl>{row('Nom', 'Durand')}{row('seul')}{row('Grade', 'Adjoint', 'x')}{repeating}"
                f"{wrapped_cell}</w:tbl>")
    index = ooxml.PartIndex(root)
    pairs = [(index.first_paragraph(label), index.cell(value)) for label, value in index.label_value_cells()]
    assert pairs == [("Nom", "Durand"), ("Grade", "Adjoint"), ("Service", "Accueil")]


# -- package parts -----------------------------------------------------------------------------

CORE = ("cp:coreProperties",)


@pytest.mark.parametrize(("fragment", "value"), [
    ("<dc:identifier> 2026-100231 </dc:identifier>", "2026-100231"),
    ("<dc:identifier>  </dc:identifier>", None),
    ("<dc:title>Compte rendu</dc:title>", None),
])
def test_core_property_is_the_stripped_text_or_none(fragment, value):
    assert ooxml.core_property(part(fragment, within=CORE), "dc:identifier") == value


TYPES = ("ct:Types",)
WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
MACRO = "application/vnd.ms-word.document.macroenabled.main+xml"


def test_main_content_type_prefers_the_override_to_the_default():
    types = part(f"<ct:Default Extension='XML' ContentType='{WORD}'/>"
                 f"<ct:Override PartName='/WORD/document.xml' ContentType='{MACRO}'/>", within=TYPES)
    assert ooxml.main_content_type(types, "word/document.xml") == MACRO


def test_main_content_type_falls_back_on_the_default_for_the_extension():
    types = part(f"<ct:Default Extension='XML' ContentType='{WORD}'/>"
                 f"<ct:Override PartName='/word/styles.xml' ContentType='{MACRO}'/>", within=TYPES)
    assert ooxml.main_content_type(types, "/word/document.xml") == WORD
    assert ooxml.main_content_type(types, "word/document.bin") is None


RELS = "<Relationships xmlns='http://schemas.openxmlformats.org/package/2006/relationships'>{}</Relationships>"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"


def test_office_document_target_is_the_first_internal_main_part():
    rels = ooxml.parse_xml(RELS.format(
        f"<Relationship Id='rId1' Type='{OFFICE_DOCUMENT}' Target='http://example.org/x' TargetMode='External'/>"
        f"<Relationship Id='rId2' Type='{OFFICE_DOCUMENT}' Target='word/main.xml'/>").encode())
    assert ooxml.office_document_target(rels) == "word/main.xml"


def test_office_document_target_returns_none_without_one():
    rels = ooxml.parse_xml(RELS.format("<Relationship Id='rId1' Type='x/core-properties' Target='c.xml'/>").encode())
    assert ooxml.office_document_target(rels) is None


# -- the parser --------------------------------------------------------------------------------

def test_parse_xml_refuses_a_doctype():
    with pytest.raises(ValueError):
        ooxml.parse_xml(b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]><d>&e;</d>')


def test_parse_xml_refuses_malformed_xml():
    with pytest.raises(etree.XMLSyntaxError):
        ooxml.parse_xml(b"<w:document")
