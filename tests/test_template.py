"""The report template (pipeline/template_build.py) and its layout contract (SPEC 3).

Checked on the committed templates/compte_rendu.docx and on a fresh build.
"""

from __future__ import annotations

import zipfile

import pytest

from pipeline import ooxml
from pipeline.catalogue import BASE, DEFAULT, PUBLIC_SERVICES, apply_overrides, for_public_service
from pipeline.naming import INVITATION_TEMPLATE, REJECTION_TEMPLATE, REPORT_TEMPLATE
from pipeline.template_build import build_all, build_report_template
from tests.conftest import TEMPLATES, Docx


@pytest.fixture(scope="session")
def rebuilt_report(tmp_path_factory) -> Docx:
    path = tmp_path_factory.mktemp("template") / REPORT_TEMPLATE
    build_report_template(DEFAULT, path)
    return Docx(path)


@pytest.fixture(scope="session", params=["committed", "rebuilt"])
def report(request, committed_report, rebuilt_report) -> Docx:
    return committed_report if request.param == "committed" else rebuilt_report


def form_shape(doc: Docx) -> dict:
    """What a user sees of the form: controls (tag, alias, list items), label cells,
    table headers, the version."""
    controls = []
    for sdt in ooxml.iter_controls(doc.document):
        items = [item.get(ooxml.qn("w:displayText"))
                 for item in sdt.iter(ooxml.qn("w:listItem"))]
        controls.append((ooxml.control_tag(sdt), ooxml.control_alias(sdt), items))
    headers = [[ooxml.cell_text(c) for c in ooxml.table_rows(t)[0]]
               for t in ooxml.iter_tables(doc.document)]
    return {"controls": controls, "labels": sorted(doc.label_rows()), "headers": headers,
            "version": doc.core_property("cp:version")}


# -- the committed template is up to date ---------------------------------------------------


def test_committed_template_carries_the_catalogue_version(committed_report):
    assert committed_report.core_property("cp:version") == DEFAULT.version()


def test_committed_template_matches_a_fresh_build(committed_report, rebuilt_report):
    """Run `entretiens modeles` after changing the catalogue."""
    assert form_shape(committed_report) == form_shape(rebuilt_report)


def test_every_template_is_committed():
    for name in (REPORT_TEMPLATE, INVITATION_TEMPLATE, REJECTION_TEMPLATE):
        assert zipfile.is_zipfile(TEMPLATES / name), name


# -- layout contract: single-value fields -------------------------------------------------


@pytest.mark.parametrize("key", [f.key for f in DEFAULT.single_fields])
def test_single_value_field_is_one_tagged_control_in_its_label_value_row(report, key):
    field = DEFAULT.field(key)
    (sdt,) = report.controls(key)
    assert ooxml.control_alias(sdt) == field.label
    # inline: inside a paragraph, inside the second cell of a two-cell row
    assert ooxml.enclosing(sdt, "w:p") is not None
    cell = ooxml.enclosing(sdt, "w:tc")
    row = next(r for r in ooxml.table_rows(ooxml.enclosing(cell, "w:tbl"))
               if any(c is cell for c in r))
    assert len(row) == 2
    assert row[1] is cell
    first_paragraph = next(row[0].iter(ooxml.qn("w:p")))
    assert ooxml.paragraph_text(first_paragraph) == field.label


def test_every_label_row_belongs_to_exactly_one_field(report):
    rows = report.label_rows()
    for field in DEFAULT.single_fields:
        assert len(rows[field.label]) == 1, field.label


def test_only_catalogue_fields_are_tagged(report):
    tags = report.tags()
    assert sorted(tags) == sorted(f.key for f in DEFAULT.single_fields)
    for part in report.parts:
        if part.startswith(("word/header", "word/footer")) and part.endswith(".xml"):
            root = ooxml.parse_xml(report.parts[part])
            assert not [ooxml.control_tag(s) for s in ooxml.iter_controls(root)], part


@pytest.mark.parametrize("key", [f.key for f in DEFAULT.single_fields if f.kind == "choice"])
def test_choice_field_offers_exactly_its_scale(report, key):
    (sdt,) = report.controls(key)
    items = [i.get(ooxml.qn("w:displayText")) for i in sdt.iter(ooxml.qn("w:listItem"))]
    assert items == DEFAULT.field(key).choices


def test_fields_the_user_fills_show_the_word_placeholder(report):
    for field in DEFAULT.single_fields:
        (sdt,) = report.controls(field.key)
        prefilled = bool(field.roster_columns) or field.key in ("identifiant", "campagne")
        if field.kind == "bool":
            assert ooxml.control_checkbox_state(sdt) is False, field.key
        else:
            assert ooxml.control_showing_placeholder(sdt) is not prefilled, field.key


# -- layout contract: table fields --------------------------------------------------------


@pytest.mark.parametrize("key", [f.key for f in DEFAULT.table_fields])
def test_table_field_is_one_word_table_headed_by_its_column_labels(report, key):
    labels = [c.label for c in DEFAULT.field(key).columns]
    assert len(report.tables_with_header(labels)) == 1


def test_template_has_no_table_outside_the_contract(report):
    table_headers = [[c.label for c in f.columns] for f in DEFAULT.table_fields]
    for table in ooxml.iter_tables(report.document):
        rows = ooxml.table_rows(table)
        header = [ooxml.cell_text(c) for c in rows[0]]
        assert header in table_headers or all(len(r) == 2 for r in rows), header


# -- the rest of the form ----------------------------------------------------------------------


def test_template_carries_the_appeal_routes(report):
    assert DEFAULT.appeal_routes in report.paragraphs()


@pytest.fixture(scope="session")
def profile_reports(tmp_path_factory) -> dict[str, Docx]:
    """The report template as each public service's catalogue builds it."""
    built = {}
    for key in PUBLIC_SERVICES:
        path = tmp_path_factory.mktemp(f"modeles-{key}") / REPORT_TEMPLATE
        build_report_template(for_public_service(BASE, key), path)
        built[key] = Docx(path)
    return built


@pytest.mark.parametrize("key, decree, visa", [
    ("hospitaliere", "Décret n° 2020-719 du 12 juin 2020", "Visa de l'autorité investie du pouvoir de nomination"),
    ("etat", "Décret n° 2010-888 du 28 juillet 2010", "Visa de l'autorité hiérarchique"),
    ("territoriale", "Décret n° 2014-1526 du 16 décembre 2014", "Visa de l'autorité territoriale"),
])
def test_each_public_service_form_cites_its_own_decree_and_names_its_authority(profile_reports, key, decree, visa):
    text = "\n".join(profile_reports[key].paragraphs())
    assert decree in text and f"{visa} (nom et qualité)" in text
    others = [d for d in ("2020-719", "2010-888", "2014-1526") if d not in decree]
    assert not [d for d in others if d in text], key  # never another service's texts
    catalogue = for_public_service(BASE, key)
    assert catalogue.stage(3).label.startswith(visa)
    assert catalogue.appeal_routes in profile_reports[key].paragraphs()
    assert "{autorite" not in text and "{autorite" not in catalogue.stage(3).label


def test_each_public_service_has_its_own_form_version():
    versions = {key: for_public_service(BASE, key).version() for key in PUBLIC_SERVICES}
    assert len(set(versions.values())) == 3 and versions["hospitaliere"] == DEFAULT.version()


def test_template_header_names_campaign_and_agent(report):
    header = report.header_text()
    for variable in ("{{ f.campagne }}", "{{ f.prenom }}", "{{ f.nom }}", "{{ f.matricule }}"):
        assert variable in header


def test_template_footer_carries_the_form_version_and_report_identifier(report):
    footer = report.footer_text()
    assert DEFAULT.version() in footer
    assert "{{ f.identifiant }}" in footer


def test_template_numbers_its_sections_as_the_catalogue_does(report):
    paragraphs = report.paragraphs()
    for section in DEFAULT.sections:
        assert section.title in paragraphs


def test_template_is_in_french_and_titled(report):
    assert report.core_property("dc:title") == "Compte rendu d'entretien professionnel"
    assert report.core_property("dc:language") == "fr-FR"


# -- an administration's own form --------------------------------------------------------------


def test_template_built_from_an_adapted_catalogue_holds_the_new_field(tmp_path):
    catalogue = apply_overrides(DEFAULT, {
        "ajouter": [{"key": "teletravail", "label": "Modalités de télétravail",
                     "section": "poste"}],
        "retirer": ["evolution_poste"],
    })
    build_all(catalogue, tmp_path)
    doc = Docx(tmp_path / REPORT_TEMPLATE)
    (sdt,) = doc.controls("teletravail")
    assert ooxml.control_alias(sdt) == "Modalités de télétravail"
    assert "Modalités de télétravail" in doc.label_rows()
    assert doc.controls("evolution_poste") == []
    assert doc.core_property("cp:version") == catalogue.version() != DEFAULT.version()
    for name in (INVITATION_TEMPLATE, REJECTION_TEMPLATE):
        assert zipfile.is_zipfile(tmp_path / name)
