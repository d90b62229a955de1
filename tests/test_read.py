"""pipeline.read: reports filled the way people fill them in Word, saved again by
LibreOffice, dates as people write them, the report's identity, and every kind
of file that is not a readable report.

Every report here is made by the project's own template (``generate``) and
filled with ``pipeline.filling``; every bad file is built for real.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

import lo
from pipeline import catalogue as cat
from pipeline import ooxml
from pipeline.text import format_date, normalize_identifier
from pipeline.outcomes import NotAReport, UnreadableReport, WrongTemplateVersion, ZipBomb
from pipeline.filling import ReportForm, fill_report, typed_answers
from pipeline.form import FieldPlace, Recognition, TablePlace
from pipeline.preflight import PackageLimits
from pipeline.read import Report, read_report
from pipeline.validate import ValidationContext, validate

AGENT = "100231"
REPORT_ID = f"2026-{AGENT}"


# -- fixtures and helpers ----------------------------------------------------------------

@pytest.fixture(scope="session")
def ws(tmp_path_factory) -> lo.Workspace:
    return lo.workspace(tmp_path_factory)


@pytest.fixture(scope="session")
def catalogue(ws):
    return ws.catalogue


@pytest.fixture(scope="session")
def blank(ws) -> Path:
    """A pre-filled report as `generate` sends it: identity filled, the rest empty."""
    return ws.reports[AGENT]


@pytest.fixture(scope="session")
def stage4(ws, blank) -> Path:
    """Every field answered, typed into the controls, up to the notification."""
    return fill_report(blank, ws.base / "stage4.docx", ws.catalogue, stage=4, review=lo.REVIEW)


def read(path: Path, catalogue) -> Report:
    return read_report(path, catalogue)


def saved(form: ReportForm, tmp_path: Path, name: str = "cr.docx") -> Report:
    """Save the edited form like Word does, then read it back."""
    return read_report(form.save(tmp_path / name), form.catalogue)


def squeeze(value):
    """Whitespace normalised: what a round trip through another word processor may change."""
    return " ".join(value.split()) if isinstance(value, str) else value


FRENCH_WORDS = {"le", "la", "les", "de", "du", "des", "est", "pas", "ce", "un", "une", "et",
                "fichier", "document", "déposez-le", "enregistrez-le"}


def assert_french(message: str) -> None:
    words = set(re.findall(r"[\w'-]+", message.lower()))
    assert len(words & FRENCH_WORDS) >= 3, message
    assert not re.search(r"\b(the|is not|cannot|error|file)\b", message.lower()), message


# -- a report filled in Word --------------------------------------------------------------

def test_reads_every_field_of_a_report_typed_into_its_controls(stage4, blank, catalogue):
    prefilled = read(blank, catalogue).values
    report = read(stage4, catalogue)
    for key, answer in typed_answers(catalogue, stage=4, review=lo.REVIEW,
                                     prefilled={k: str(v) for k, v in prefilled.items() if v}).items():
        f = catalogue.field(key)
        if f.kind == "table":
            assert report.tables[key] == answer, key
        elif prefilled.get(key):
            assert report.values[key] == prefilled[key], key  # left as `generate` wrote it
        elif f.kind == "date":
            assert (report.values[key], report.dates[key]) == (format_date(answer), answer), key
        else:
            assert report.values[key] == answer, key
    assert set(report.found_by.values()) == {"tag"}
    assert report.not_in_form == [] and report.unreadable_dates == {}
    assert report.template_version == catalogue.version()


def test_reads_the_answer_typed_in_the_cell_after_the_control_was_deleted(stage4, catalogue, tmp_path):
    form = ReportForm(stage4, catalogue)
    form.fill("missions", "Accueil et orientation des patients.", how="cell")
    form.fill("competences", "expert", how="cell")
    form.fill("date_visa", "05/01/2027", how="cell")
    assert form.control("missions") is None
    report = saved(form, tmp_path)
    assert report.values["missions"] == "Accueil et orientation des patients."
    assert report.values["competences"] == "expert"
    assert report.dates["date_visa"] == dt.date(2027, 1, 5)
    assert {report.found_by[k] for k in ("missions", "competences", "date_visa")} == {"label"}


def test_reads_text_typed_beside_a_placeholder_control_without_the_placeholder(blank, catalogue, tmp_path):
    form = ReportForm(blank, catalogue)
    form.fill("missions", "Gestion des plannings", how="beside")
    assert ooxml.control_showing_placeholder(form.control("missions"))
    assert read(form.save(tmp_path / "beside.docx"), catalogue).values["missions"] == "Gestion des plannings"


def test_reads_text_typed_beside_a_filled_control_with_it(stage4, catalogue, tmp_path):
    form = ReportForm(stage4, catalogue)
    form.fill("visa_autorite", "M. Bernard, directeur", how="control")
    form.fill("visa_autorite", "(par délégation)", how="beside")
    assert saved(form, tmp_path).values["visa_autorite"] == "M. Bernard, directeur (par délégation)"


def test_keeps_line_breaks_typed_in_a_control(stage4, catalogue, tmp_path):
    form = ReportForm(stage4, catalogue)
    form.fill("missions", "Accueil des patients\nTenue du registre\nPermanences du samedi")
    assert saved(form, tmp_path).values["missions"] == "Accueil des patients\nTenue du registre\nPermanences du samedi"


def test_keeps_every_paragraph_of_a_value_cell(stage4, catalogue, tmp_path):
    form = ReportForm(stage4, catalogue)
    form.fill("evenements", "Réorganisation du service.")
    ooxml.append_paragraph(form.value_cell("evenements"), "Déménagement au 2e étage.")
    ooxml.append_paragraph(form.value_cell("evenements"), "Arrivée de deux collègues.")
    form.fill("acquis_experience", "Premier paragraphe\nSecond paragraphe", how="cell")
    report = saved(form, tmp_path)
    assert report.values["evenements"] == ("Réorganisation du service.\nDéménagement au 2e étage.\n"
                                           "Arrivée de deux collègues.")
    assert report.values["acquis_experience"] == "Premier paragraphe\nSecond paragraphe"


def objectives(n: int) -> list[dict[str, str]]:
    return [{"objectif": f"Objectif {i}", "indicateur": f"Indicateur {i}", "echeance": f"{i:02d}/06/2027"}
            for i in range(1, n + 1)]


def test_reads_rows_added_beyond_the_blank_ones_in_order(stage4, catalogue, tmp_path):
    blank_rows = catalogue.field("objectifs").blank_rows
    form = ReportForm(stage4, catalogue).fill_table("objectifs", objectives(blank_rows + 3))
    assert saved(form, tmp_path).tables["objectifs"] == objectives(blank_rows + 3)


def test_rows_deleted_from_a_table_are_gone(stage4, catalogue, tmp_path):
    form = ReportForm(stage4, catalogue).fill_table("objectifs", objectives(3))
    second = ooxml.table_rows(form.table("objectifs"))[2]
    ooxml.remove_table_row(second[0].getparent())
    assert saved(form, tmp_path).tables["objectifs"] == [objectives(3)[0], objectives(3)[2]]


def test_blank_rows_left_in_a_table_are_not_rows(blank, catalogue, tmp_path):
    form = ReportForm(blank, catalogue).fill_table("objectifs", objectives(1), keep_blank_rows=True)
    assert len(ooxml.table_rows(form.table("objectifs"))) == 1 + catalogue.field("objectifs").blank_rows
    report = saved(form, tmp_path)
    assert report.tables["objectifs"] == objectives(1)
    assert report.tables["besoins_formation"] == [] and report.tables["resultats"] == []


@pytest.mark.parametrize("nothing", ["Néant", "Aucun.", "RAS", "sans objet"])
def test_a_row_saying_there_is_nothing_to_list_is_no_row(blank, catalogue, tmp_path, nothing):
    """« Néant » written in a training table's first row: no row (the note then asks for a row or for
    the « none » box), not a training whose type is missing."""
    form = ReportForm(blank, catalogue).fill_table("besoins_formation", [[nothing]])
    assert saved(form, tmp_path).tables["besoins_formation"] == []


def test_a_row_with_merged_cells_keeps_each_value_in_its_column(stage4, catalogue, tmp_path):
    form = ReportForm(stage4, catalogue).fill_table("objectifs", [
        ["Objectif A", "Indicateur A", "30/06/2027"], ["Objectif B, indicateur compris", "", "31/12/2027"]])
    first, second, _ = ooxml.table_rows(form.table("objectifs"))[2]
    second.getparent().remove(second)  # Word: Merge Cells on the first two cells of the row
    span = etree.SubElement(first.find(ooxml.qn("w:tcPr")), ooxml.qn("w:gridSpan"))
    span.set(ooxml.qn("w:val"), "2")
    assert saved(form, tmp_path).tables["objectifs"][1] == {
        "objectif": "Objectif B, indicateur compris", "indicateur": "", "echeance": "31/12/2027"}


def _paragraph(text: str):
    p = etree.Element(ooxml.qn("w:p"))
    p.append(ooxml.make_run(text))
    return p


def _small_table(rows: list[list[str]]):
    tbl = etree.Element(ooxml.qn("w:tbl"))
    for texts in rows:
        tr = etree.SubElement(tbl, ooxml.qn("w:tr"))
        for text in texts:
            etree.SubElement(tr, ooxml.qn("w:tc")).append(_paragraph(text))
    return tbl


@pytest.mark.parametrize("tags", ["kept", "dropped"])
def test_a_table_pasted_into_an_answer_is_read_with_it_and_the_rows_after_it_still_read(
        stage4, catalogue, tmp_path, tags):
    """A small table pasted inside a value cell (a nested table): its text is part of the
    answer, and every field after it, read by tag or by label, is read as before."""
    before = read(stage4, catalogue)
    form = ReportForm(stage4, catalogue)
    cell = form.value_cell("appreciation_generale")
    cell.append(_small_table([["Points forts", "Rigueur"], ["À développer", "Délégation"]]))
    cell.append(_paragraph("Fin de l'appréciation."))
    if tags == "dropped":
        form.drop_all_tags()
    report = saved(form, tmp_path)
    assert report.values["appreciation_generale"] == (
        before.values["appreciation_generale"]
        + "\nPoints forts\nRigueur\nÀ développer\nDélégation\nFin de l'appréciation.")
    assert {k: v for k, v in report.values.items() if k != "appreciation_generale"} == {
        k: v for k, v in before.values.items() if k != "appreciation_generale"}
    assert report.tables == before.tables


def test_a_table_pasted_into_a_cell_of_a_table_keeps_every_row_and_column(stage4, catalogue, tmp_path):
    before = read(stage4, catalogue).tables["objectifs"]
    form = ReportForm(stage4, catalogue)
    first_row = ooxml.table_rows(form.table("objectifs"))[1]
    first_row[0].append(_small_table([["Étape 1", "Étape 2"]]))
    first_row[0].append(_paragraph(""))  # Word ends a cell with a paragraph
    after = saved(form, tmp_path).tables["objectifs"]
    assert after[0] == {**before[0], "objectif": before[0]["objectif"] + "\nÉtape 1\nÉtape 2"}
    assert after[1:] == before[1:]


def test_rows_wrapped_in_a_repeating_section_control_are_read(stage4, catalogue, tmp_path):
    """Word's repeating section: the table's rows sit inside a content control."""
    before = read(stage4, catalogue)
    form = ReportForm(stage4, catalogue)
    tbl = form.table("objectifs")
    rows = [cells[0].getparent() for cells in ooxml.table_rows(tbl)[1:]]
    sdt = etree.Element(ooxml.qn("w:sdt"))
    etree.SubElement(sdt, ooxml.qn("w:sdtPr"))
    content = etree.SubElement(sdt, ooxml.qn("w:sdtContent"))
    rows[0].addprevious(sdt)
    for tr in rows:
        content.append(tr)
    assert saved(form, tmp_path).tables == before.tables


def test_a_row_of_blanks_and_non_breaking_spaces_is_not_a_row(blank, catalogue, tmp_path):
    form = ReportForm(blank, catalogue).fill_table(
        "objectifs", [*objectives(1), {"objectif": " \u00a0", "indicateur": "\u202f", "echeance": ""}])
    assert saved(form, tmp_path).tables["objectifs"] == objectives(1)


def test_reads_names_with_apostrophes_accents_and_xml_specials_as_generated(ws, catalogue):
    report = read(ws.reports["100232"], catalogue)
    assert (report.values["nom"], report.values["prenom"], report.values["service"]) == ("L’Hôte", "Zoé", "R&D <labo>")
    assert report.values["evaluateur"] == "Marc L’Écuyer" and report.values["poste"] == "Chargée d’accueil"


def test_an_untouched_report_reads_empty_except_what_generate_wrote(blank, catalogue):
    report = read(blank, catalogue)
    prefilled = {"identifiant", "campagne", "matricule", "nom", "prenom", "grade", "service",
                 "evaluateur", "date_convocation", "date_entretien", "poste", "encadre_agents"}
    for f in catalogue.single_fields:
        value = report.values[f.key]
        if f.key in prefilled:
            assert value and "Cliquez" not in value, f.key
        else:
            assert value in ("", False), (f.key, value)  # Word's placeholder text is no answer
    assert all(rows == [] for rows in report.tables.values())
    assert set(report.found_by.values()) == {"tag"}


def test_a_control_flagged_showing_placeholder_reads_empty_whatever_its_text(blank, catalogue, tmp_path):
    form = ReportForm(blank, catalogue)
    sdt = form.control("missions")
    content = sdt.find(ooxml.qn("w:sdtContent"))
    for run in list(content):
        content.remove(run)
    content.append(ooxml.make_run("Décrivez ici les missions du poste.", color="808080"))
    assert ooxml.control_showing_placeholder(sdt)
    assert saved(form, tmp_path).values["missions"] == ""


@pytest.mark.parametrize("placeholder", [
    "Cliquez ou appuyez ici pour entrer du texte.",
    "Cliquez ici pour taper du texte.",
    "Click or tap here to enter text.",
])
def test_word_placeholder_text_reads_empty_even_without_the_flag(blank, catalogue, tmp_path, placeholder):
    form = ReportForm(blank, catalogue)
    form.fill("missions", placeholder)  # typing removes w:showingPlcHdr; the text is Word's own
    assert not ooxml.control_showing_placeholder(form.control("missions"))
    assert saved(form, tmp_path).values["missions"] == ""


def test_reads_the_item_chosen_in_a_drop_down(stage4, catalogue, tmp_path):
    form = ReportForm(stage4, catalogue)
    form.fill("competences", "maîtrise").fill("capacite_encadrement", "sans objet")
    report = saved(form, tmp_path)
    assert (report.values["competences"], report.values["capacite_encadrement"]) == ("maîtrise", "sans objet")


def test_date_control_stored_value_wins_over_its_shown_text(stage4, catalogue, tmp_path):
    form = ReportForm(stage4, catalogue)
    form.pick_date("date_visa", dt.date(2026, 12, 3))
    ooxml.set_control_text(form.control("date_visa"), "05/12/2026")  # shown text edited by hand
    assert ooxml.control_date_value(form.control("date_visa")).startswith("2026-12-03")
    assert saved(form, tmp_path).dates["date_visa"] == dt.date(2026, 12, 3)


def test_date_control_whose_shown_text_agrees_with_its_stored_value(stage4, catalogue, tmp_path):
    form = ReportForm(stage4, catalogue).pick_date("date_visa", dt.date(2026, 12, 3))
    report = saved(form, tmp_path)
    assert (report.values["date_visa"], report.dates["date_visa"]) == ("03/12/2026", dt.date(2026, 12, 3))


def test_date_control_stored_value_wins_even_when_tags_are_dropped(stage4, catalogue, tmp_path):
    form = ReportForm(stage4, catalogue).pick_date("date_visa", dt.date(2026, 12, 3))
    ooxml.set_control_text(form.control("date_visa"), "12/03/2026")  # a month-first display
    form.drop_all_tags()
    assert saved(form, tmp_path).dates["date_visa"] == dt.date(2026, 12, 3)


def test_reads_check_boxes(stage4, catalogue, tmp_path):
    assert read(stage4, catalogue).values["aucun_besoin_formation"] is False
    form = ReportForm(stage4, catalogue).check("aucun_besoin_formation")
    report = saved(form, tmp_path, "checked.docx")
    assert report.values["aucun_besoin_formation"] is True
    form.check("aucun_besoin_formation", False)
    assert saved(form, tmp_path, "unchecked.docx").values["aucun_besoin_formation"] is False


def test_reads_a_check_box_answered_with_a_cross_typed_in_its_cell(stage4, catalogue, tmp_path):
    form = ReportForm(stage4, catalogue).fill("refus_signature", "X", how="cell")
    report = saved(form, tmp_path)
    assert report.values["refus_signature"] is True and report.found_by["refus_signature"] == "label"


def test_keeps_smart_quotes_and_accents_and_reads_non_breaking_spaces_as_spaces(stage4, catalogue, tmp_path):
    form = ReportForm(stage4, catalogue)
    form.fill("attentes_agent", "L’agent souhaite «\u00a0évoluer\u00a0» vers l’encadrement\u202f; "
                                "Çà et là : œuvre, Noël, naïf.")
    assert saved(form, tmp_path).values["attentes_agent"] == (
        "L’agent souhaite « évoluer » vers l’encadrement ; Çà et là : œuvre, Noël, naïf.")


def test_finds_a_field_whose_label_was_retyped_with_smart_quotes(stage4, catalogue, tmp_path):
    form = ReportForm(stage4, catalogue)
    form.fill("encadre_agents", "oui", how="cell")
    label_cell = ooxml.enclosing(form.value_cell("encadre_agents"), "w:tr")[0]
    ooxml.set_cell_text(label_cell, "L’agent encadre-t-il des agents\u00a0?")
    report = saved(form, tmp_path)
    assert (report.values["encadre_agents"], report.found_by["encadre_agents"]) == ("oui", "label")


def test_reads_tracked_changes_as_accepted(stage4, catalogue, tmp_path):
    form = ReportForm(stage4, catalogue)
    form.fill("missions", "Accueil des patients")
    paragraph = ooxml.enclosing(form.control("missions"), "w:p")
    paragraph.append(ooxml.tracked_insertion(" et des familles"))
    paragraph.append(ooxml.tracked_deletion(" et des visiteurs"))
    content = form.control("perspectives_carriere").find(ooxml.qn("w:sdtContent"))
    content.append(ooxml.tracked_deletion(" Préparer le concours interne."))
    content.append(ooxml.tracked_insertion(" Préparer l’examen professionnel."))
    report = saved(form, tmp_path)
    assert report.values["missions"] == "Accueil des patients et des familles"
    assert report.values["perspectives_carriere"].endswith(" Préparer l’examen professionnel.")
    assert "concours interne" not in report.values["perspectives_carriere"]


def test_reads_every_field_by_its_label_when_the_tags_are_dropped(stage4, catalogue, tmp_path):
    form = ReportForm(stage4, catalogue).check("refus_signature")
    tagged = saved(form, tmp_path, "tagged.docx")
    form.drop_all_tags()
    untagged = saved(form, tmp_path, "untagged.docx")
    assert untagged.values == tagged.values and untagged.values["refus_signature"] is True
    assert untagged.tables == tagged.tables and untagged.dates == tagged.dates
    assert untagged.found_by == {f.key: "label" for f in catalogue.single_fields}
    assert untagged.not_in_form == []
    assert (untagged.report_id, untagged.template_version) == (REPORT_ID, catalogue.version())


def test_finds_a_field_by_its_control_alias_when_tag_and_label_are_gone(stage4, catalogue, tmp_path):
    form = ReportForm(stage4, catalogue).fill("missions", "Accueil")
    form.drop_all_tags()
    label_cell = ooxml.enclosing(form.value_cell("missions"), "w:tr")[0]
    ooxml.set_cell_text(label_cell, "Vos missions")  # label rewritten: only the alias is left
    report = saved(form, tmp_path)
    assert (report.values["missions"], report.found_by["missions"]) == ("Accueil", "alias")


# -- the form it follows ----------------------------------------------------------------

@pytest.fixture(scope="session")
def form(ws):
    return ws.config.form


def relabelled(report: Path, catalogue, key: str, label: str, destination: Path) -> Path:
    """``report`` with ``key``'s answer typed in its cell (no control left) and its label cell
    rewritten as ``label``: what another form prints for the same field."""
    edited = ReportForm(report, catalogue).fill(key, "Accueil des patients", how="cell")
    ooxml.set_cell_text(ooxml.enclosing(edited.value_cell(key), "w:tr")[0], label)
    return edited.save(destination)


def test_a_field_is_found_by_the_label_its_form_gives_not_the_catalogues(stage4, catalogue, form, tmp_path):
    path = relabelled(stage4, catalogue, "missions", "Missions confiées à l'agent", tmp_path / "autre.docx")
    assert "missions" in read_report(path, form).not_in_form  # the catalogue's label is not printed
    places = {**form.places, "missions": (FieldPlace("label", "Missions confiées à l’agent :"),)}
    report = read_report(path, dataclasses.replace(form, places=places))
    assert (report.values["missions"], report.found_by["missions"]) == ("Accueil des patients", "label")
    assert report.not_in_form == [] and report.report_id == REPORT_ID


def test_a_table_is_found_by_the_header_labels_its_form_gives(stage4, catalogue, form, tmp_path):
    edited = ReportForm(stage4, catalogue)
    first = ooxml.table_rows(edited.table("objectifs"))[0][0]
    ooxml.set_cell_text(first, "Objectif fixé")
    path = edited.save(tmp_path / "entete.docx")
    assert read_report(path, form).tables["objectifs"] == []
    headers = {**form.tables["objectifs"].headers, "objectif": "Objectif fixé"}
    report = read_report(path, dataclasses.replace(form, tables={**form.tables, "objectifs": TablePlace(headers)}))
    assert report.tables["objectifs"] == read(stage4, catalogue).tables["objectifs"] != []


def test_a_field_its_form_does_not_place_is_absent_from_the_form(stage4, form):
    places = {key: found for key, found in form.places.items() if key != "missions"}
    report = read_report(stage4, dataclasses.replace(form, places=places))
    assert report.not_in_form == ["missions"] and report.values["missions"] == ""
    assert "missions" not in report.found_by


def test_the_forms_own_reading_gives_what_the_catalogue_reading_gives(stage4, catalogue, form):
    assert read_report(stage4, form) == read_report(stage4, catalogue)


def test_a_report_of_another_form_version_is_refused_by_the_form(bad, catalogue, form, stage4):
    path, _ = bad["autre_version"]
    with pytest.raises(WrongTemplateVersion) as caught:
        read_report(path, form)
    assert lo.OTHER_VERSION in caught.value.message and form.version in caught.value.message
    with pytest.raises(WrongTemplateVersion) as caught:  # a form of another version refuses ours
        read_report(stage4, dataclasses.replace(form, version=lo.OTHER_VERSION))
    assert catalogue.version() in caught.value.message and lo.OTHER_VERSION in caught.value.message


def test_a_word_document_that_is_not_a_report_is_refused_by_the_form(bad, form, stage4, tmp_path):
    path, _ = bad["pas_un_compte_rendu"]
    with pytest.raises(NotAReport) as caught:
        read_report(path, form)
    assert path.name in caught.value.message
    tagless = ReportForm(stage4, form.catalogue).drop_all_tags().save(tmp_path / "sans balises.docx")
    assert read_report(tagless, form).report_id == REPORT_ID
    demanding = Recognition(tags=form.recognition.tags, labels=form.recognition.labels, min_labels=10_000)
    with pytest.raises(NotAReport):  # the rule is the form's: no tag, and too few of its labels
        read_report(tagless, dataclasses.replace(form, recognition=demanding))


def test_the_identifier_is_looked_for_where_the_form_says(stage4, catalogue, form, tmp_path):
    emptied = saved(ReportForm(stage4, catalogue).fill("identifiant", ""), tmp_path)
    assert emptied.report_id == REPORT_ID  # from the document properties

    def identified_by(prop):
        identity = dataclasses.replace(form.identity, identifier_property=prop)
        report = read_report(emptied.path, dataclasses.replace(form, identity=identity))
        return report.report_id, report.campaign, report.agent_number

    assert identified_by(None) == (REPORT_ID, "2026", AGENT)  # rebuilt from campaign and agent number
    title = ooxml.core_property(ooxml.parse_xml(lo.parts_of(emptied.path)["docProps/core.xml"]), "dc:title")
    assert identified_by("dc:title") == (normalize_identifier(title), "2026", AGENT)


# -- LibreOffice round trips ------------------------------------------------------------

@pytest.fixture(scope="session")
def round_trip(ws, stage4, tmp_path_factory):
    """The reports LibreOffice saves again: .docx -> .docx and .docx -> .odt -> .docx,
    three soffice calls for all of them. name -> (file before, {"docx"|"odt"|"opendocument": file})."""
    lo.soffice()
    catalogue, folder = ws.catalogue, tmp_path_factory.mktemp("libreoffice")
    signed = ReportForm(stage4, catalogue).check("refus_signature").save(folder / "etape4.docx")

    form = ReportForm(ws.reports["100232"], catalogue)
    form.fill("missions", "Accueil du public.")
    ooxml.append_paragraph(form.value_cell("missions"), "Gestion du courrier « arrivée ».")
    ooxml.append_paragraph(form.value_cell("missions"), "Tenue de l’agenda du directeur.")
    form.fill("evenements", "Réorganisation du service.\nDéménagement au 2e étage.", how="cell")
    form.fill("appreciation_generale", "Très bon agent\u00a0: fiable, ponctuel.")
    ooxml.append_paragraph(form.value_cell("appreciation_generale"), "À encourager.")
    form.fill_table("objectifs", [{"objectif": "Réduire les délais\nd’accueil", "indicateur": "Délai moyen",
                                   "echeance": "30/06/2027"}])
    form.check("aucun_besoin_formation")
    form.pick_date("date_signature_evaluateur", dt.date(2026, 12, 18))
    paragraphs = form.save(folder / "paragraphes.docx")

    breaks = ReportForm(stage4, catalogue).fill(
        "missions", "Première ligne\nDeuxième ligne\nTroisième ligne").save(folder / "retours.docx")
    files = {"etape4": signed, "paragraphes": paragraphs, "retours": breaks}
    converted = lo.round_trips(list(files.values()), folder / "out")
    return {name: (path, {how: converted[how][path] for how in converted}) for name, path in files.items()}


@pytest.mark.libreoffice
@pytest.mark.parametrize("how", ["docx", "odt"])
@pytest.mark.parametrize("name", ["etape4", "paragraphes"])
def test_libreoffice_round_trip_keeps_every_value(round_trip, catalogue, name, how):
    before_path, after = round_trip[name]
    before, again = read(before_path, catalogue), read(after[how], catalogue)
    assert {k: squeeze(v) for k, v in again.values.items()} == {k: squeeze(v) for k, v in before.values.items()}
    assert {k: [{c: squeeze(v) for c, v in row.items()} for row in rows] for k, rows in again.tables.items()} \
        == {k: [{c: squeeze(v) for c, v in row.items()} for row in rows] for k, rows in before.tables.items()}
    assert again.dates == before.dates and again.unreadable_dates == {}
    assert again.not_in_form == []
    assert (again.report_id, again.campaign, again.agent_number, again.template_version) == \
        (before.report_id, before.campaign, before.agent_number, before.template_version)


@pytest.mark.libreoffice
@pytest.mark.parametrize("how", ["docx", "odt"])
def test_libreoffice_keeps_the_report_identifier_in_field_and_properties(round_trip, catalogue, how):
    _, after = round_trip["etape4"]
    report = read(after[how], catalogue)
    assert report.values["identifiant"] == REPORT_ID and report.report_id == REPORT_ID
    core = ooxml.parse_xml(lo.parts_of(after[how])["docProps/core.xml"])
    assert ooxml.core_property(core, "dc:identifier") == REPORT_ID


@pytest.mark.libreoffice
def test_a_report_saved_as_opendocument_is_read_on_its_layout_like_its_docx(round_trip, catalogue):
    _, after = round_trip["etape4"]
    docx, odt = read(after["docx"], catalogue), read(after["opendocument"], catalogue)
    assert (odt.values, odt.tables, odt.dates) == (docx.values, docx.tables, docx.dates)
    assert (odt.report_id, odt.template_version, odt.format) == (docx.report_id, docx.template_version, "odt")
    assert set(odt.found_by.values()) <= {"tag", "label", "alias"} and odt.not_in_form == []


@pytest.mark.libreoffice
def test_libreoffice_74_drops_the_tags_and_fields_are_read_by_label(round_trip, catalogue):
    _, after = round_trip["etape4"]
    report = read(after["docx"], catalogue)
    if any(how == "tag" for how in report.found_by.values()):
        pytest.skip("this LibreOffice keeps content-control tags (25.x)")
    assert set(report.found_by.values()) == {"label"}
    assert report.values["refus_signature"] is True


@pytest.mark.libreoffice
@pytest.mark.parametrize("how", ["docx", "odt"])
def test_words_of_an_answer_with_line_breaks_in_a_control_survive_libreoffice(round_trip, catalogue, how):
    """LibreOffice 7.4 moves a line break typed in an inline control out of it (before the
    control): the words survive, in order, but not where the lines broke."""
    before_path, after = round_trip["retours"]
    before, again = read(before_path, catalogue), read(after[how], catalogue)
    assert before.values["missions"] == "Première ligne\nDeuxième ligne\nTroisième ligne"
    assert "".join(again.values["missions"].split()) == "".join(before.values["missions"].split())


# -- dates as people write them -------------------------------------------------------

@pytest.mark.parametrize("text", [
    "03/12/2026", "3/12/2026", "3 décembre 2026", "3 déc. 2026", "2026-12-03", "jeudi 3 décembre 2026",
    "3\u00a0décembre\u00a02026", "03.12.2026",
])
@pytest.mark.parametrize("how", ["control", "cell", "beside"])
def test_reads_dates_as_people_write_them(blank, catalogue, tmp_path, text, how):
    form = ReportForm(blank, catalogue).fill("date_visa", text, how=how)
    report = saved(form, tmp_path)
    assert report.dates["date_visa"] == dt.date(2026, 12, 3)
    assert "date_visa" not in report.unreadable_dates


def test_reads_a_date_picked_in_a_date_control(stage4, catalogue, tmp_path):
    form = ReportForm(stage4, catalogue).pick_date("date_notification", dt.date(2027, 1, 4))
    assert saved(form, tmp_path).dates["date_notification"] == dt.date(2027, 1, 4)


def test_an_empty_date_reads_as_none_not_as_unreadable(blank, catalogue):
    report = read(blank, catalogue)
    assert report.dates["date_visa"] is None and report.unreadable_dates == {}


@pytest.mark.parametrize("text", ["32/13/2026", "bientôt", "31/02/2027", "12/2026"])
def test_an_unreadable_date_is_reported_in_french_never_guessed(blank, catalogue, tmp_path, text):
    report = saved(ReportForm(blank, catalogue).fill("date_visa", text), tmp_path)
    assert report.dates["date_visa"] is None
    message = report.unreadable_dates["date_visa"]
    assert text in message and "date" in message
    assert_french(message)
    findings = validate(report, catalogue, ValidationContext(campaign="2026")).findings
    (finding,) = [f for f in findings if f.field == "date_visa"]
    assert (finding.code, finding.severity, finding.message) == ("date_illisible", "erreur", message)


# -- identity ----------------------------------------------------------------------------

def test_identifier_comes_from_its_field(stage4, catalogue):
    report = read(stage4, catalogue)
    assert (report.report_id, report.campaign, report.agent_number) == (REPORT_ID, "2026", AGENT)


def test_identifier_comes_from_the_document_properties_when_its_field_was_emptied(stage4, catalogue, tmp_path):
    report = saved(ReportForm(stage4, catalogue).fill("identifiant", ""), tmp_path)
    assert report.values["identifiant"] == ""
    assert (report.report_id, report.campaign, report.agent_number) == (REPORT_ID, "2026", AGENT)


def without_core_identifier(path: Path, destination: Path) -> Path:
    core = lo.parts_of(path)["docProps/core.xml"].decode("utf-8")
    core = re.sub(r"<dc:identifier>[^<]*</dc:identifier>", "", core)
    return lo.rewrite_parts(path, destination, parts={"docProps/core.xml": core.encode("utf-8")})


def test_identifier_is_rebuilt_from_agent_number_and_campaign_when_both_are_gone(stage4, catalogue, tmp_path):
    emptied = ReportForm(stage4, catalogue).fill("identifiant", "").save(tmp_path / "vide.docx")
    report = read(without_core_identifier(emptied, tmp_path / "sans_identifiant.docx"), catalogue)
    assert (report.report_id, report.campaign, report.agent_number) == (REPORT_ID, "2026", AGENT)


def test_without_identifier_nor_agent_number_the_agent_is_unknown(stage4, catalogue, tmp_path):
    emptied = ReportForm(stage4, catalogue).fill("identifiant", "").fill("matricule", "")
    report = read(without_core_identifier(emptied.save(tmp_path / "a.docx"), tmp_path / "b.docx"), catalogue)
    assert (report.report_id, report.agent_number) == (None, None)
    codes = [f.code for f in validate(report, catalogue, ValidationContext(campaign="2026")).findings]
    assert "identifiant_absent" in codes


# -- files that are not readable reports -----------------------------------------------

@pytest.fixture(scope="session")
def bad(ws, tmp_path_factory):
    return lo.bad_inputs(tmp_path_factory.mktemp("mauvais"), ws)


BAD_KINDS = ["vide", "pdf_renomme", "doc_ancien", "docx_nomme_doc", "cahier_des_charges", "xlsx_renomme",
             "docm", "zip_tronque", "sans_document", "zip_ordinaire", "bombe", "taille_annoncee",
             "billion_laughs", "entite_externe", "mot_de_passe", "pas_un_compte_rendu", "autre_version"]


def test_every_bad_kind_is_covered(bad):
    assert sorted(bad) == sorted(BAD_KINDS)


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_a_file_that_is_not_a_readable_report_gets_its_own_french_reason(bad, catalogue, kind):
    path, code = bad[kind]
    if path is None:
        pytest.skip(f"{lo.REAL_WORLD} is missing (shared/ is expected beside the repository)")
    before = path.read_bytes()
    with pytest.raises(UnreadableReport) as caught:
        read_report(path, catalogue)
    assert caught.value.code == code, caught.value.message
    assert_french(caught.value.message)
    assert path.read_bytes() == before


def test_a_zip_bomb_is_refused_under_the_configured_caps(bad, catalogue):
    path, _ = bad["bombe"]
    limits = PackageLimits(max_uncompressed_bytes=10 * 1024 * 1024, max_ratio=10_000)
    with pytest.raises(ZipBomb) as caught:
        read_report(path, catalogue, limits=limits)
    assert "10,0 Mo" in caught.value.message
    assert_french(caught.value.message)


def test_an_external_entity_is_never_resolved(bad, catalogue):
    path, _ = bad["entite_externe"]
    with pytest.raises(UnreadableReport) as caught:
        read_report(path, catalogue)
    secret = Path("/etc/passwd").read_text(encoding="utf-8", errors="replace").splitlines()[0]
    exc, seen = caught.value, []
    while exc is not None:
        seen += [str(exc), repr(exc), *map(str, exc.args)]
        exc = exc.__cause__ or exc.__context__
    assert secret and not any(secret in text or "root:" in text for text in seen)


def test_a_report_from_another_template_version_names_both_versions(bad, catalogue):
    path, _ = bad["autre_version"]
    with pytest.raises(WrongTemplateVersion) as caught:
        read_report(path, catalogue)
    assert lo.OTHER_VERSION in caught.value.message and catalogue.version() in caught.value.message


def test_the_template_version_is_read_from_the_footer_when_the_property_is_gone(stage4, catalogue, tmp_path):
    core = lo.parts_of(stage4)["docProps/core.xml"].decode("utf-8")
    core = re.sub(r"<cp:version>[^<]*</cp:version>", "", core)
    path = lo.rewrite_parts(stage4, tmp_path / "sans_version.docx", parts={"docProps/core.xml": core.encode()})
    assert read(path, catalogue).template_version == catalogue.version()
    old = lo.other_version(stage4, tmp_path / "ancien.docx")
    core = re.sub(r"<cp:version>[^<]*</cp:version>", "", lo.parts_of(old)["docProps/core.xml"].decode())
    old = lo.rewrite_parts(old, tmp_path / "ancien_sans_version.docx", parts={"docProps/core.xml": core.encode()})
    with pytest.raises(WrongTemplateVersion):
        read(old, catalogue)


def test_a_word_document_that_is_not_a_report_names_the_file(bad, catalogue):
    path, _ = bad["pas_un_compte_rendu"]
    with pytest.raises(NotAReport) as caught:
        read_report(path, catalogue)
    assert path.name in caught.value.message


def test_a_report_saved_under_a_doc_name_is_read_by_content(stage4, catalogue, tmp_path):
    renamed = Path(shutil.copy(stage4, tmp_path / "compte rendu.doc"))
    assert read(renamed, catalogue).report_id == REPORT_ID


# -- invisible characters: every value read is cleaned of them, in one place ---------------------------

INVISIBLES = {"LRM": "\u200e", "RLM": "\u200f", "ZWSP": "\u200b", "soft hyphen": "\u00ad", "BOM": "\ufeff",
              "word joiner": "\u2060", "LRE/PDF": "\u202a"}


@pytest.mark.parametrize("name", INVISIBLES)
def test_invisible_characters_are_read_as_nothing_in_dates_choices_numbers_and_cells(stage4, catalogue, tmp_path, name):
    """GIVEN values copied from a web page or a mail client, holding an invisible character
    (a left-to-right mark before each part of a date, a soft hyphen in a word...) WHEN read
    THEN each reads as what it shows: the date a date, the choice a choice, the number a number."""
    mark = INVISIBLES[name]
    form = ReportForm(stage4, catalogue)
    form.fill(cat.REVIEW_DATE, f"{mark}14/{mark}12/{mark}2026", how="cell")
    form.fill("encadre_agents", f"{mark}oui{mark}", how="cell")
    form.fill("nombre_agents_encadres", f"1{mark}2", how="cell")
    form.fill_table(cat.TRAINING_NEEDS, [[f"Ex{mark}cel", f"T1{mark}", "", "", "", "", ""]])
    report = saved(form, tmp_path)
    assert report.dates[cat.REVIEW_DATE] == dt.date(2026, 12, 14) and not report.unreadable_dates
    assert report.values["encadre_agents"] == "oui" and report.values["nombre_agents_encadres"] == "12"
    assert report.tables[cat.TRAINING_NEEDS][0]["intitule"] == "Excel"
    assert report.tables[cat.TRAINING_NEEDS][0]["type"] == "T1"


@pytest.mark.parametrize("received", ["Note de service.docx", "CR Martin élodie.docx"])
def test_a_message_names_the_file_as_it_was_received(ws, catalogue, tmp_path, received):
    """Whatever name the file has on disk (the work area prefixes it), the reason quotes the
    name it was received under."""
    work = tmp_path / f"a011580e2472__{received}"
    docx.Document().save(str(work))
    with pytest.raises(NotAReport) as caught:
        read_report(work, catalogue, name=received)
    assert f"«\u202f{received}\u202f»" in caught.value.message and "a011580e2472" not in caught.value.message


# -- Word's « Strict Open XML » ---------------------------------------------------------------------------

TO_STRICT = {
    b"http://schemas.openxmlformats.org/wordprocessingml/2006/main": b"http://purl.oclc.org/ooxml/wordprocessingml/main",
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships": b"http://purl.oclc.org/ooxml/officeDocument/relationships",
    b"http://schemas.openxmlformats.org/drawingml/2006/main": b"http://purl.oclc.org/ooxml/drawingml/main",
}


def strict_copy(source: Path, target: Path) -> Path:
    """What Word's « Document Word Strict Open XML » save makes of a report: every part under
    the Strict namespaces, the relationships' types too, ``w:conformance="strict"``."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item)
            for usual, strict in TO_STRICT.items():
                data = data.replace(usual, strict)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:document ", b'<w:document w:conformance="strict" ', 1)
            out.writestr(item, data)
    return target


@pytest.mark.parametrize("how", ["control", "cell", "tagless"])
def test_a_report_saved_as_strict_open_xml_reads_as_the_same_report(ws, catalogue, tmp_path, how):
    filled = fill_report(ws.reports["100231"], tmp_path / "cr.docx", catalogue, stage=2,
                         how="cell" if how == "cell" else "control")
    if how == "tagless":
        filled = ReportForm(filled, catalogue).drop_all_tags().save(tmp_path / "sans balises.docx")
    strict = strict_copy(filled, tmp_path / "strict.docx")
    assert b"purl.oclc.org/ooxml/wordprocessingml" in zipfile.ZipFile(strict).read("word/document.xml")
    usual, read_strict = read(filled, catalogue), read(strict, catalogue)
    assert (read_strict.values, read_strict.tables, read_strict.dates) == (usual.values, usual.tables, usual.dates)
    assert (read_strict.report_id, read_strict.template_version) == (usual.report_id, usual.template_version)
    assert validate(read_strict, catalogue, ValidationContext(campaign="2026")).accepted


# -- tick marks as people make them -----------------------------------------------------------------------

BOXES = ["aucun_besoin_formation", "refus_signature"]  # every check-box answer of the form


def with_mark(stage4, catalogue, tmp_path, key: str, *, symbol: tuple[str, str] | None = None,
              typed: str | None = None, name: str = "coche.docx") -> Path:
    """The box's control deleted (its content kept) and the cell holding a mark: inserted with
    Insert > Symbol (``symbol``: font, character code) or typed (``typed``)."""
    form = ReportForm(stage4, catalogue).remove_control_keep_text(key)
    cell = form.value_cell(key)
    ooxml.set_cell_text(cell, typed or "")
    if symbol is not None:
        run = ooxml.element("w:r")
        run.append(ooxml.element("w:sym", w_font=symbol[0], w_char=symbol[1]))
        next(cell.iter(ooxml.qn("w:p"))).append(run)
    return form.save(tmp_path / name)


@pytest.mark.parametrize("key", BOXES)
@pytest.mark.parametrize("symbol", [("Wingdings", "F0FE"), ("Wingdings", "F0FC"), ("Wingdings", "F078"),
                                    ("Wingdings", "FE"), ("Wingdings 2", "F052"), ("Wingdings 2", "F050"),
                                    ("Wingdings 2", "F054")])
def test_a_box_ticked_with_insert_symbol_reads_as_ticked(stage4, catalogue, tmp_path, key, symbol):
    report = read(with_mark(stage4, catalogue, tmp_path, key, symbol=symbol), catalogue)
    assert report.values[key] is True and report.unrecognised_marks == {}


@pytest.mark.parametrize("key", BOXES)
@pytest.mark.parametrize("typed", ["☒", "☑", "✓", "✔", "✗", "X", "x", "Oui", "\uf0fe", "\uf0fc", "⊠ coché"])
def test_a_box_ticked_with_a_typed_mark_reads_as_ticked(stage4, catalogue, tmp_path, key, typed):
    """Typed characters, and the private-use character LibreOffice 7.4 writes for a Wingdings symbol."""
    report = read(with_mark(stage4, catalogue, tmp_path, key, typed=typed), catalogue)
    assert report.values[key] is True and report.unrecognised_marks == {}


@pytest.mark.parametrize("typed", ["", "☐", "□", "\uf0a8", "non"])
def test_an_empty_box_reads_as_not_ticked(stage4, catalogue, tmp_path, typed):
    report = read(with_mark(stage4, catalogue, tmp_path, "refus_signature", typed=typed), catalogue)
    assert report.values["refus_signature"] is False and report.unrecognised_marks == {}


@pytest.mark.parametrize("typed", ["★", "voir au verso", "?", "\uf0b6"])
def test_a_mark_no_one_can_be_sure_of_asks_for_the_box_to_be_ticked(stage4, catalogue, tmp_path, typed):
    """Never a silent « not ticked »: a finding names the box and what it holds, and asks."""
    report = read(with_mark(stage4, catalogue, tmp_path, "aucun_besoin_formation", typed=typed), catalogue)
    assert report.unrecognised_marks == {"aucun_besoin_formation": typed}
    findings = validate(report, catalogue, ValidationContext(campaign="2026")).findings
    (finding,) = [f for f in findings if f.code == "case_non_reconnue"]
    assert finding.field == "aucun_besoin_formation" and "Cochez la case" in finding.message
    assert finding.severity == "erreur"


@pytest.mark.libreoffice
@pytest.mark.parametrize("how", ["docx", "odt"])
def test_a_symbol_tick_survives_a_libreoffice_round_trip(stage4, catalogue, tmp_path, how):
    """LibreOffice 7.4 rewrites an inserted Wingdings symbol as a private-use character in a
    Wingdings run (25.2 keeps w:sym): read as ticked either way."""
    ticked = with_mark(stage4, catalogue, tmp_path, "aucun_besoin_formation", symbol=("Wingdings", "F0FE"))
    converted = lo.round_trips([ticked], tmp_path / "lo")[how][ticked]
    report = read(converted, catalogue)
    assert report.values["aucun_besoin_formation"] is True and report.unrecognised_marks == {}


# -- a signature pasted as a picture ------------------------------------------------------------------


def png_bytes(width: int = 60, height: int = 20) -> bytes:
    """A small real PNG (a grey stroke), made without an imaging library."""
    import struct
    import zlib

    rows = b"".join(b"\x00" + bytes(255 if abs(y - height // 2) > 1 else 60 for _ in range(width))
                    for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def with_picture(source: Path, target: Path, label: str) -> Path:
    """The value cell of ``label`` emptied and a scanned signature pasted in it, with Word's
    own picture (python-docx writes the drawing, its relationship and the image part)."""
    document = docx.Document(str(source))
    (cell,) = [row.cells[1] for table in document.tables for row in table.rows
               if len(row.cells) == 2 and row.cells[0].text.strip().startswith(label)]
    for paragraph in cell.paragraphs:
        for child in list(paragraph._p):
            if child.tag != ooxml.qn("w:pPr"):
                paragraph._p.remove(child)
    image = target.with_suffix(".png")
    image.write_bytes(png_bytes())
    cell.paragraphs[0].add_run().add_picture(str(image))
    document.save(str(target))
    return target


@pytest.mark.parametrize("key", ["signature_evaluateur", "visa_autorite", "signature_agent"])
def test_a_signature_pasted_as_a_picture_counts_as_given_and_asks_for_the_name(stage4, catalogue, tmp_path, key):
    """GIVEN a signature cell holding only a scanned signature (no name typed) WHEN read and
    checked THEN the signature is given (never « n'est pas remplie »), and a warning asks for
    the name under the picture, for the tracking workbooks."""
    label = catalogue.field(key).label
    report = read(with_picture(stage4, tmp_path / "signe.docx", label), catalogue)
    assert report.pictures == [key] and report.values[key] == "" and report.is_filled(key)
    findings = validate(report, catalogue, ValidationContext(campaign="2026")).findings
    assert [f.code for f in findings if f.field == key] == ["image_sans_texte"]
    assert not [f for f in findings if f.severity == "erreur"], findings


def test_a_picture_next_to_a_typed_name_is_just_a_name(stage4, catalogue, tmp_path):
    path = with_picture(stage4, tmp_path / "signe.docx", catalogue.field("signature_evaluateur").label)
    form = ReportForm(path, catalogue)
    ooxml.append_paragraph(form.value_cell("signature_evaluateur"), "Sophie Durand")
    report = read(form.save(tmp_path / "signe et nomme.docx"), catalogue)
    assert report.values["signature_evaluateur"] == "Sophie Durand" and report.pictures == []
