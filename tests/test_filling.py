"""pipeline.filling: the form filler does to a generated report what a person does in Word.

Checked on the saved file's XML (through ``pipeline.ooxml``), not through the reader,
so that the reading tests built on the filler rest on something verified.
"""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest

import lo
from pipeline import ooxml
from pipeline.filling import ReportForm, answers, fill_report


@pytest.fixture(scope="session")
def ws(tmp_path_factory) -> lo.Workspace:
    return lo.workspace(tmp_path_factory)


@pytest.fixture
def form(ws) -> ReportForm:
    return ReportForm(ws.reports["100231"], ws.catalogue)


def reopened(form: ReportForm, tmp_path) -> ReportForm:
    return ReportForm(form.save(tmp_path / "rempli.docx"), form.catalogue)


def test_typing_into_a_control_removes_its_placeholder_flag_and_text(form, tmp_path):
    assert ooxml.control_showing_placeholder(form.control("missions"))
    form.fill("missions", "Accueil des patients")
    saved = reopened(form, tmp_path)
    sdt = saved.control("missions")
    assert not ooxml.control_showing_placeholder(sdt)
    assert ooxml.cell_text(ooxml.enclosing(sdt, "w:tc")) == "Accueil des patients"


def test_typing_several_lines_into_a_control_makes_line_breaks_in_one_paragraph(form, tmp_path):
    form.fill("missions", "Ligne 1\nLigne 2")
    cell = ooxml.enclosing(reopened(form, tmp_path).control("missions"), "w:tc")
    assert [ooxml.paragraph_text(p) for p in cell.iter(ooxml.qn("w:p"))] == ["Ligne 1\nLigne 2"]


def test_filling_a_cell_deletes_the_control_and_writes_one_paragraph_per_line(form, tmp_path):
    form.fill("missions", "Ligne 1\nLigne 2", how="cell")
    saved = reopened(form, tmp_path)
    assert saved.control("missions") is None
    cell = saved.value_cell("missions")
    assert [ooxml.paragraph_text(p) for p in cell.iter(ooxml.qn("w:p"))] == ["Ligne 1", "Ligne 2"]


def test_typing_beside_a_control_leaves_the_placeholder_in_place(form, tmp_path):
    form.fill("missions", "à côté", how="beside")
    sdt = reopened(form, tmp_path).control("missions")
    assert ooxml.control_showing_placeholder(sdt)
    paragraph = ooxml.enclosing(sdt, "w:p")
    assert ooxml.paragraph_text(paragraph) == " à côté"  # the placeholder text is not shown as an answer


def test_fill_table_adds_rows_beyond_the_blank_ones(form, tmp_path):
    blank_rows = form.catalogue.field("objectifs").blank_rows
    texts = [[f"Objectif {i}", f"Indicateur {i}", "30/06/2027"] for i in range(blank_rows + 2)]
    form.fill_table("objectifs", texts)
    rows = ooxml.table_rows(reopened(form, tmp_path).table("objectifs"))
    assert [[ooxml.cell_text(tc) for tc in row] for row in rows[1:]] == texts


def test_fill_table_deletes_the_blank_rows_left_unless_asked_to_keep_them(ws, tmp_path):
    blank_rows = ws.catalogue.field("objectifs").blank_rows
    one = [["Objectif", "Indicateur", "Échéance"]]
    kept = ReportForm(ws.reports["100231"], ws.catalogue).fill_table("objectifs", one, keep_blank_rows=True)
    assert len(ooxml.table_rows(kept.table("objectifs"))) == 1 + blank_rows
    dropped = ReportForm(ws.reports["100231"], ws.catalogue).fill_table("objectifs", one)
    assert len(ooxml.table_rows(dropped.table("objectifs"))) == 1 + 1


def test_pick_date_stores_the_date_and_shows_it(form, tmp_path):
    form.pick_date("date_visa", dt.date(2026, 12, 3))
    sdt = reopened(form, tmp_path).control("date_visa")
    assert ooxml.control_date_value(sdt) == "2026-12-03T00:00:00Z"
    assert ooxml.cell_text(ooxml.enclosing(sdt, "w:tc")) == "03/12/2026"
    assert not ooxml.control_showing_placeholder(sdt)


def test_check_ticks_the_box_and_its_symbol(form, tmp_path):
    form.check("aucun_besoin_formation")
    sdt = reopened(form, tmp_path).control("aucun_besoin_formation")
    assert ooxml.control_checkbox_state(sdt) is True
    assert ooxml.cell_text(ooxml.enclosing(sdt, "w:tc")) == ooxml.CHECKED_BOX


def test_drop_all_tags_leaves_no_tag_but_keeps_the_controls(form, tmp_path):
    count = sum(1 for _ in ooxml.iter_controls(form.root))
    form.drop_all_tags()
    with zipfile.ZipFile(form.save(tmp_path / "sans_tags.docx")) as archive:
        root = ooxml.parse_xml(archive.read("word/document.xml"))
    controls = list(ooxml.iter_controls(root))
    assert len(controls) == count and all(ooxml.control_tag(sdt) is None for sdt in controls)
    assert b"w:tag" not in ooxml.serialize(root)


def test_save_writes_a_new_file_and_leaves_the_source_untouched(ws, tmp_path):
    source = ws.reports["100231"]
    before = source.read_bytes()
    out = fill_report(source, tmp_path / "rempli.docx", ws.catalogue, stage=4)
    assert source.read_bytes() == before
    with zipfile.ZipFile(out) as new, zipfile.ZipFile(source) as old:
        assert new.namelist() == old.namelist()
        assert new.read("docProps/core.xml") == old.read("docProps/core.xml")


def test_answers_leave_later_stages_empty(ws):
    stage1 = answers(ws.catalogue, stage=1, review=lo.REVIEW)
    assert "signature_evaluateur" in stage1 and "date_signature_evaluateur" in stage1
    assert not {"observations_agent", "visa_autorite", "date_notification"} & set(stage1)
    assert answers(ws.catalogue, stage=1, review=lo.REVIEW, overrides={"missions": "x"})["missions"] == "x"
