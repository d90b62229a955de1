"""The report template made from the employer's own form (pipeline/employer_template.py), and
the reports ``generer`` makes from it.

GIVEN the two shared forms (../shared/forms: the hospital's .docx of labelled lines, the
commune's .odt of tables) and their hand-written mappings (tests/forms/*.yaml), a workspace
whose config.yaml names the mapping (``formulaire``) and a roster of three agents;
WHEN ``entretiens modeles`` then ``entretiens generer`` run;
THEN each report is the employer's file, in its format, with the roster's values and last
year's objectives at their mapped places (read back by the reader), its identifier and the
page code on every page (decoded from LibreOffice's PDF), and a copy a manager fills and returns
is accepted.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from pipeline import ooxml
from pipeline.config import Config, load_config
from pipeline.employer_template import IDENTIFIER_TOKEN, STAMP_PROPERTY, build_employer_template, template_stamp
from pipeline.generate import generate
from pipeline.layout import layout_of
from pipeline.naming import TO_SEND
from pipeline.outcomes import TemplateError
from pipeline.preflight import open_document
from pipeline.read import read_report
from tests.conftest import settle
from tests.lo import AGENTS, REPO, TODAY, write_roster

MAPPINGS = Path(__file__).resolve().parent / "forms"
SHARED = REPO.parent / "shared" / "forms"
FORMS = {"B_hopital_lignes": ".docx", "C_commune_grille": ".odt"}
# Last year's objectives: more than the results table's blank rows (3 in both forms), fewer, none.
PREVIOUS = {
    "100231": ["Réduire les délais de traitement des dossiers", "Former deux nouveaux collègues",
               "Mettre à jour les procédures du service", "Participer au groupe qualité"],
    "100232": ["Assurer l'accueil téléphonique du pôle"],
}
PREFILLED = {"nom": 1, "prenom": 2, "grade": 3, "service": 4, "poste": 5, "evaluateur": 6,
             "date_convocation": 7, "date_entretien": 8}  # field -> its column in AGENTS
RECEIVED = dt.date(2026, 12, 20)


def _missing_forms():
    if not all((SHARED / f"{name}{ext}").exists() for name, ext in FORMS.items()):
        pytest.skip("les formulaires partagés (../shared/forms) sont absents")


def write_workspace(base: Path, form: str, **settings) -> Config:
    """config.yaml beside the roster and a copy of the form's mapping whose « modele » names the
    shared file."""
    _missing_forms()
    base.mkdir(parents=True, exist_ok=True)
    write_roster(base / "agents.csv")
    mapping = yaml.safe_load((MAPPINGS / f"{form}.yaml").read_text(encoding="utf-8"))
    mapping["modele"] = str(SHARED / f"{form}{FORMS[form]}")
    (base / "formulaire.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False),
                                          encoding="utf-8")
    data = {"liste_agents": "agents.csv", "formulaire": "formulaire.yaml", **settings}
    (base / "config.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(base / "config.yaml")


@dataclass
class Campaign:
    form: str
    config: Config
    reports: dict[str, Path]  # agent number -> its report

    @property
    def template(self) -> Path:
        return self.config.templates / f"compte_rendu{FORMS[self.form]}"


@pytest.fixture(scope="module")
def campaigns(tmp_path_factory) -> dict[str, Campaign]:
    found = {}
    for form in FORMS:
        config = write_workspace(tmp_path_factory.mktemp(form), form)
        result = generate(config, today=TODAY, previous_objectives=lambda number: PREVIOUS.get(number, []))
        assert not result.problems, result.problems
        reports = {row[0]: next(p for p in result.reports if f"_{row[0]}_" in p.name) for row in AGENTS}
        found[form] = Campaign(form, config, reports)
    return found


@pytest.fixture(params=list(FORMS))
def campaign(request, campaigns) -> Campaign:
    return campaigns[request.param]


def layout(path: Path):
    with open_document(path) as package:
        return layout_of(package)


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def line_texts(path: Path) -> list[str]:
    return [line.text for line, _ in layout(path).lines()]


MINISTRY = REPO / "tests" / "field_cases" / "employer_forms"


@pytest.mark.parametrize("suffix", [".docx", ".odt"])
def test_the_form_s_own_identity_fields_are_written_from_the_roster_s_columns_of_their_name(tmp_path, suffix):
    """GIVEN the ministry's form imported (its own « Nom d'usage », « Date de naissance »,
    « Échelon ») and a roster with columns of those names, one agent's cells left empty WHEN
    generer makes the reports THEN each is written under its label, read back; none is asked of a
    roster without them."""
    from pipeline.catalogue import BASE, for_public_service
    from pipeline.employer_import import import_form
    from tests.conftest import write_csv

    import_form(MINISTRY / f"D_ministere_crep{suffix}", catalogue=for_public_service(BASE, "etat"),
                output=tmp_path / "formulaire.yaml")
    rows = [{"matricule": "300001", "nom": "Lefèvre-Dubois", "prénom": "Anaïs", "grade": "Attachée",
             "affectation": "Bureau des marchés", "évaluateur": "Thomas Garnier", "date d'entretien": "15/10/2026",
             "Nom d'usage": "Lefèvre-Dubois", "Date de naissance": "12/03/1985", "Échelon": "6"},
            {"matricule": "300002", "nom": "O'Connor", "prénom": "Jean-Baptiste", "grade": "Secrétaire",
             "affectation": "Bureau du budget", "évaluateur": "Thomas Garnier", "date d'entretien": "16/10/2026",
             "Nom d'usage": "", "Date de naissance": "", "Échelon": ""}]
    write_csv(tmp_path / "agents.csv", rows, header=list(rows[0]))
    (tmp_path / "config.yaml").write_text("fonction_publique: etat\nformulaire: formulaire.yaml\n"
                                          "liste_agents: agents.csv\n", encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    result = generate(config, today=TODAY)
    assert not result.problems, result.problems
    read = {p.name.split("_")[1]: read_report(p, config.form).values for p in result.reports}
    assert (read["300001"]["nom_usage"], read["300001"]["date_naissance"], read["300001"]["echelon"]) == (
        "Lefèvre-Dubois", "12/03/1985", "6")
    assert (read["300001"]["nom"], read["300001"]["service"]) == ("Lefèvre-Dubois", "Bureau des marchés")
    assert (read["300002"]["nom_usage"], read["300002"]["date_naissance"], read["300002"]["echelon"]) == ("", "", "")


def test_a_date_s_blank_of_several_runs_is_replaced_whole_by_the_date(tmp_path):
    """GIVEN a hospital's .odt form printing dates as « ____/____/______ » (the convocation, the
    interview) WHEN generer writes the roster's dates THEN each blank is replaced whole: the line
    reads the date and nothing of the blank, and the reader gives it back."""
    from pipeline.catalogue import BASE, for_public_service
    from pipeline.employer_import import import_form
    from tests.conftest import write_csv

    import_form(MINISTRY / "E_hopital_lignes_soulignees.odt", catalogue=for_public_service(BASE, "hospitaliere"),
                output=tmp_path / "formulaire.yaml")
    rows = [{"matricule": "400001", "nom": "Bernard", "prénom": "Claire", "évaluateur": "Nadia Girard",
             "date de convocation": "01/10/2026", "date d'entretien": "15/10/2026"}]
    write_csv(tmp_path / "agents.csv", rows, header=list(rows[0]))
    (tmp_path / "config.yaml").write_text("formulaire: formulaire.yaml\nliste_agents: agents.csv\n", encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    result = generate(config, today=TODAY)
    assert not result.problems, result.problems
    (report,) = result.reports
    lines = line_texts(report)
    assert "Date de l'entretien : 15/10/2026" in lines and "Date de la convocation : 01/10/2026" in lines
    assert not any("2026/" in line for line in lines)  # nothing of the blank left after the date
    values = read_report(report, config.form).values
    assert (values["date_entretien"], values["date_convocation"]) == ("15/10/2026", "01/10/2026")


# -- the template -----------------------------------------------------------------------------


def test_the_template_is_the_employers_file_in_its_format_with_the_page_code(campaign):
    model = campaign.config.employer_model_path
    assert campaign.template.exists()
    built, original = parts(campaign.template), parts(model)
    assert set(original) <= set(built)  # nothing of the employer's left out
    # The logo, the header, the styles: the employer's own bytes.
    kept = [name for name in original if name.startswith(("word/media/", "Pictures/")) or "header" in name
            or name in ("word/styles.xml", "word/numbering.xml", "word/theme/theme1.xml")]
    assert kept and all(built[name] == original[name] for name in kept)
    shown, blank = layout(campaign.template), layout(model)
    assert shown.headers == blank.headers
    assert [line.text for line, _ in shown.lines()] == [line.text for line, _ in blank.lines()]
    # Every footer keeps its text and ends with the identifier (the template's token) beside the code.
    assert len(shown.footers) == len(blank.footers) >= 1
    for footer, before in zip(shown.footers, blank.footers):
        assert footer.startswith(before) and footer.rstrip().endswith(f"identifiant {IDENTIFIER_TOKEN}")
    assert shown.properties["cp:version"] == campaign.config.employer_mapping.fingerprint
    assert shown.properties[STAMP_PROPERTY] == template_stamp(campaign.config)


def test_modeles_names_the_field_whose_place_the_form_does_not_show(tmp_path):
    config = write_workspace(tmp_path, "B_hopital_lignes")
    mapping = yaml.safe_load((tmp_path / "formulaire.yaml").read_text(encoding="utf-8"))
    mapping["emplacements"]["grade"] = {"apres_libelle": "Grade détenu"}
    (tmp_path / "formulaire.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    with pytest.raises(TemplateError) as raised:
        build_employer_template(load_config(tmp_path / "config.yaml"), config.templates)
    assert "«\u202fGrade\u202f» (grade)" in raised.value.message
    assert "après le libellé «\u202fGrade détenu\u202f» est introuvable" in raised.value.message
    assert not (config.templates / "compte_rendu.docx").exists()


def test_generer_refuses_a_template_made_from_another_mapping(tmp_path):
    config = write_workspace(tmp_path, "C_commune_grille")
    generate(config, today=TODAY)
    text = (tmp_path / "formulaire.yaml").read_text(encoding="utf-8")
    (tmp_path / "formulaire.yaml").write_text(text.replace("prenom: {cellule: Prénom", "prenom: {cellule: 'Prénom'"),
                                              encoding="utf-8")  # the same mapping: still fine
    generate(load_config(tmp_path / "config.yaml"), today=TODAY)
    mapping = yaml.safe_load(text)
    mapping["catalogue"]["modifier"]["nom"] = {"label": "Nom de naissance"}
    (tmp_path / "formulaire.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    with pytest.raises(TemplateError) as raised:
        generate(load_config(tmp_path / "config.yaml"), today=TODAY)
    assert "a été construit pour une autre version du formulaire de l'employeur" in raised.value.message
    assert "Reconstruisez les modèles avec : entretiens modeles" in raised.value.message


def test_generer_refuses_a_template_made_from_another_file_of_the_employer(tmp_path, caplog):
    config = write_workspace(tmp_path, "B_hopital_lignes")
    model = Path(shutil.copy(config.employer_model_path, tmp_path / "modele.docx"))
    mapping = yaml.safe_load((tmp_path / "formulaire.yaml").read_text(encoding="utf-8"))
    mapping["modele"] = "modele.docx"
    (tmp_path / "formulaire.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    generate(config, today=TODAY)
    changed = parts(model)
    changed["docProps/app.xml"] = changed["docProps/app.xml"].replace(b"</Properties>",
                                                                      b"<Company>CH</Company></Properties>")
    with zipfile.ZipFile(model, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in changed.items():
            archive.writestr(name, data)
    with pytest.raises(TemplateError) as raised:
        generate(config, today=TODAY)
    assert "Le fichier du formulaire de l'employeur modele.docx a changé" in raised.value.message
    # The employer's file moved away: the template, its copy, is used as it is.
    model.unlink()
    assert len(generate(config, today=TODAY, rewrite_all=True).updated) == 6
    assert "est introuvable : le modèle" in caplog.text


# -- the reports ------------------------------------------------------------------------------


def test_each_report_is_in_the_employers_format_beside_its_invitation(campaign):
    folder = campaign.config.outbox / TO_SEND
    for number, report in campaign.reports.items():
        assert report.parent == folder and report.name.endswith(f" - compte rendu{FORMS[campaign.form]}")
        assert (folder / report.name.replace(f"compte rendu{FORMS[campaign.form]}", "convocation.docx")).exists()
        with zipfile.ZipFile(report) as archive:
            assert archive.testzip() is None
            if campaign.form.endswith("grille"):
                assert archive.infolist()[0].filename == "mimetype"
                assert archive.infolist()[0].compress_type == zipfile.ZIP_STORED


def test_the_reader_finds_the_rosters_values_where_generer_wrote_them(campaign):
    for row in AGENTS:
        report = read_report(campaign.reports[row[0]], campaign.config.form)
        assert report.report_id == f"2026-{row[0]}" and report.agent_number == row[0]
        assert report.template_version == campaign.config.employer_mapping.fingerprint
        assert {key: report.values[key] for key in PREFILLED} == {key: row[col] for key, col in PREFILLED.items()}
        assert report.values["encadre_agents"] == row[9]  # its box ticked
        assert [r["objectif"] for r in report.tables["resultats"]] == PREVIOUS.get(row[0], [])
        assert report.tables["objectifs"] == [] and not report.values["appreciation_generale"]


def test_the_document_properties_say_the_report_and_the_form(campaign):
    fingerprint = campaign.config.employer_mapping.fingerprint
    for number, path in campaign.reports.items():
        properties = layout(path).properties
        assert properties["dc:identifier"] == f"2026-{number}"
        assert properties["cp:version"] == fingerprint
        assert properties["entretiens_code_page"] == f"ENTRETIENS|{fingerprint}|2026|{number}"
        assert all(footer.rstrip().endswith(f"identifiant 2026-{number}") for footer in layout(path).footers)


def test_a_value_after_a_label_replaces_its_blank_and_keeps_the_other_label(campaigns):
    texts = line_texts(campaigns["B_hopital_lignes"].reports["100232"])
    # A tab leader: the value before the tab, the tab kept so that the next label stays at its stop.
    assert "Nom de famille : L’Hôte\tNom d'usage : \t" in texts
    assert "Grade : Adjoint administratif\tÉchelon : \t" in texts
    # Both fields of a line filled; the last tab replaced.
    assert "Date de l'entretien professionnel : 15/12/2026\tDate de la convocation : 02/12/2026" in texts
    # Typed dots replaced.
    assert "Prénom : Zoé" in texts and "Service / unité : R&D <labo>" in " ".join(texts)
    # Not pre-filled: left as the employer made it.
    assert "Date de naissance : .............................." in texts


def test_the_leader_of_a_filled_blank_is_removed(campaigns):
    document = ooxml.parse_xml(parts(campaigns["B_hopital_lignes"].reports["100231"])["word/document.xml"])
    line = next(p for p in ooxml.iter_paragraphs(document) if ooxml.paragraph_text(p).startswith("Nom de famille"))
    stops = line.find(ooxml.qn("w:pPr")).find(ooxml.qn("w:tabs"))
    assert [s.get(ooxml.qn("w:leader")) for s in stops] == ["none", "dot"]  # Nom d'usage keeps its dots


def test_the_right_box_is_ticked(campaigns):
    hospital = line_texts(campaigns["B_hopital_lignes"].reports["100232"])
    assert any("Fonctions d'encadrement :" in t and "☒ Oui" in t and "☐ Non" in t for t in hospital)
    commune = line_texts(campaigns["C_commune_grille"].reports["100231"])
    assert "[ ] oui [X] non" in [" ".join(t.split()) for t in commune]


def test_more_objectives_than_rows_adds_rows_formatted_as_the_blank_ones(campaign):
    report = layout(campaign.reports["100231"])
    blank = layout(campaign.template)

    def results(found):  # the results table, from its header row on
        return next(t.rows[i:] for t in found.tables() for i, row in enumerate(t.rows)
                    if any(c.text == "Objectif fixé" for c in row))

    table, empty = results(report), results(blank)
    assert len(table) == 1 + len(PREVIOUS["100231"]) and len(empty) == 1 + 3
    assert [r[0].text for r in table[1:]] == PREVIOUS["100231"]
    # The added row is a copy of the last blank row: its properties, its other cells' boxes.
    prototype, added = empty[-1], table[-1]
    assert [c.column_span for c in added] == [c.column_span for c in prototype]
    assert [c.text for c in added[1:]] == [c.text for c in prototype[1:]]
    attributes = (lambda el: dict(el.attrib)) if campaign.form.endswith("grille") else (
        lambda el: ooxml.serialize(el.find(ooxml.qn("w:tcPr"))))
    assert [attributes(c.source) for c in added] == [attributes(c.source) for c in prototype]


def test_an_unchanged_report_is_left_as_it_is_and_a_changed_one_rewritten(tmp_path):
    config = write_workspace(tmp_path, "C_commune_grille")
    first = generate(config, today=TODAY)
    again = generate(config, today=TODAY)
    assert len(first.written) == 6 and len(again.unchanged) == 6 and not again.written
    rows = [list(row) for row in AGENTS]
    rows[0][3] = "Aide-soignant principal"
    write_roster(tmp_path / "agents.csv", rows)
    changed = generate(config, today=TODAY)
    assert first.reports[0] in changed.updated and len(changed.updated) == 2  # its invitation names the grade too
    assert read_report(first.reports[0], config.form).values["grade"] == "Aide-soignant principal"
    assert len(changed.replaced) == 2 and all(p.exists() for p in changed.replaced)
    assert len(changed.unchanged) == 4


# -- what LibreOffice makes of them -----------------------------------------------------------


def _decode_pages(pdf: Path) -> list[list[str]]:
    """The QR codes of each page, rendered at 200 dpi as a scanner would."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        pages = []
        for index in range(len(document)):
            image = document[index].render(scale=200 / 72, grayscale=True).to_pil()
            pages.append([code.text for code in zxingcpp.read_barcodes(image)])
        return pages
    finally:
        document.close()


def copies(campaigns, folder: Path, numbers=tuple(row[0] for row in AGENTS)) -> dict[tuple[str, str], Path]:
    """The reports of both forms under names of their own (LibreOffice names what it writes after
    what it reads: one agent's two reports would be written to one file)."""
    folder.mkdir(parents=True, exist_ok=True)
    return {(form, number): Path(shutil.copy(c.reports[number], folder / f"{form} {c.reports[number].name}"))
            for form, c in campaigns.items() for number in numbers}


def test_libreoffice_prints_the_code_and_the_identifier_on_every_page(campaigns, convert, tmp_path):
    reports = copies(campaigns, tmp_path)
    out = convert(list(reports.values()), "pdf")
    for form, campaign in campaigns.items():
        fingerprint = campaign.config.employer_mapping.fingerprint
        for number in campaign.reports:
            pdf = out / f"{reports[form, number].stem}.pdf"
            pages = _decode_pages(pdf)
            assert len(pages) >= 2
            assert pages == [[f"ENTRETIENS|{fingerprint}|2026|{number}"]] * len(pages), (form, number, pages)
            text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
            assert text.count(f"identifiant 2026-{number}") == len(pages)
            assert "CENTRE HOSPITALIER" in text if form.startswith("B") else "MAIRIE DE SAINT-EXEMPLE" in text


def test_a_copy_saved_again_by_libreoffice_is_read_as_generated(campaigns, convert, tmp_path):
    reports = copies(campaigns, tmp_path, ("100232",))
    for target in ("docx", "odt"):
        out = convert(list(reports.values()), target)
        for form, campaign in campaigns.items():
            saved = out / f"{reports[form, '100232'].stem}.{target}"
            report = read_report(saved, campaign.config.form)
            assert report.report_id == "2026-100232"
            assert report.template_version == campaign.config.employer_mapping.fingerprint
            assert report.values["nom"] == "L’Hôte" and report.values["date_entretien"] == "15/12/2026"
            assert [r["objectif"] for r in report.tables["resultats"]] == PREVIOUS["100232"]


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
LEGACY_CHECKBOX = [
    f'<w:r {W}><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val=""/><w:enabled/><w:calcOnExit w:val="0"/>'
    '<w:checkBox><w:sizeAuto/><w:default w:val="0"/></w:checkBox></w:ffData></w:fldChar></w:r>',
    f'<w:r {W}><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>',
    f'<w:r {W}><w:fldChar w:fldCharType="end"/></w:r>',
]


# -- a footer where the employer made none ------------------------------------------------------


def test_a_form_without_footer_gets_the_code_on_every_page(tmp_path, convert):
    """GIVEN a form made in Word with no footer, a distinct first page and two sections, lines of
    underscores and legacy check boxes;
    THEN the values are written, the right box checked, and the code added to every kind of page
    and printed on each."""
    import docx
    from docx.enum.section import WD_SECTION

    _missing_forms()
    model = tmp_path / "modele.docx"
    document = docx.Document()
    document.sections[0].different_first_page_header_footer = True
    document.add_heading("COMPTE RENDU D'ENTRETIEN PROFESSIONNEL", level=1)
    for label in ("Nom", "Prénom", "Grade"):
        document.add_paragraph(f"{label} : ______________________")
    for index in range(60):
        document.add_paragraph(f"Ligne de texte {index} du formulaire de l'employeur.")
    boxes = document.add_paragraph("Encadrement : ")
    for option in ("Oui", "Non"):  # legacy check boxes (Word's « Case à cocher (contrôle hérité) »)
        for run in LEGACY_CHECKBOX:
            boxes._p.append(ooxml.parse_xml(run.encode()))
        boxes.add_run(f" {option}   ")
    document.add_section(WD_SECTION.NEW_PAGE)
    document.add_paragraph("Date de l'entretien : ____________")
    for index in range(60):
        document.add_paragraph(f"Suite {index}.")
    document.save(model)
    (tmp_path / "formulaire.yaml").write_text(yaml.safe_dump({
        "modele": "modele.docx", "empreinte": "F-0123456789", "nom": "Formulaire sans pied de page",
        "emplacements": {"nom": {"apres_libelle": "Nom"}, "prenom": {"apres_libelle": "Prénom"},
                         "grade": {"apres_libelle": "Grade"},
                         "date_entretien": {"apres_libelle": "Date de l'entretien"},
                         "encadre_agents": {"cases": {"oui": "Oui", "non": "Non"}, "libelle": "Encadrement"}},
    }, allow_unicode=True), encoding="utf-8")
    write_roster(tmp_path / "agents.csv")
    (tmp_path / "config.yaml").write_text("liste_agents: agents.csv\nformulaire: formulaire.yaml\n", encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    result = generate(config, today=TODAY)
    report = result.reports[0]
    assert "Nom : N'Diaye" in line_texts(report) and "Date de l'entretien : 14/12/2026" in line_texts(report)
    def boxes(path):
        return [" ".join(t.split()) for t in line_texts(path) if t.startswith("Encadrement")]

    assert boxes(report) == ["Encadrement : ☐ Oui ☒ Non"]  # agent 100231: « non »
    assert boxes(result.reports[1]) == ["Encadrement : ☒ Oui ☐ Non"]  # agent 100232: « oui »
    pages = _decode_pages(convert([report], "pdf") / f"{report.stem}.pdf")
    assert len(pages) >= 3
    assert pages == [["ENTRETIENS|F-0123456789|2026|100231"]] * len(pages)


# -- end to end: returned, read, accepted ------------------------------------------------------------


def _tick(paragraph, option: str) -> None:
    """Tick the ☐ in front of ``option`` as a manager does: the glyph replaced by ☒."""
    texts = list(paragraph.iter(ooxml.qn("w:t")))
    for box, after in zip(texts, texts[1:]):
        if box.text and box.text.rstrip().endswith("☐") and (after.text or "").strip().startswith(option):
            box.text = box.text.rstrip()[:-1] + "☒"
            return
    raise AssertionError(f"pas de case devant {option!r} dans {ooxml.paragraph_text(paragraph)!r}")


def _type_over_dots(paragraph, value: str) -> None:
    """Type over a line of dots."""
    for t in paragraph.iter(ooxml.qn("w:t")):
        if t.text and set(t.text.strip()) <= set(".…_") and t.text.strip():
            t.text = value
            return
    ooxml.append_run(paragraph, value)


def _type_after(paragraph, label: str, value: str) -> None:
    """Type after a label, before the tab that follows it."""
    for t in paragraph.iter(ooxml.qn("w:t")):
        if (t.text or "").strip().startswith(label):
            ooxml.append_run(None, value, after=t.getparent())
            return
    raise AssertionError(label)


def fill_as_a_manager(report: Path, destination: Path) -> Path:
    """The hospital's report of agent 100231 filled at stage 1 (the evaluator signed), each value
    typed into the employer's form as a manager would in Word."""
    package = parts(report)
    root = ooxml.parse_xml(package["word/document.xml"])
    paragraphs = list(ooxml.iter_paragraphs(ooxml.body(root)))
    texts = [ooxml.paragraph_text(p) for p in paragraphs]

    def after(label: str, n: int = 1):
        index = next(i for i, t in enumerate(texts) if t.startswith(label))
        return paragraphs[index + n]

    def line(label: str, occurrence: int = 1):
        return [p for p, t in zip(paragraphs, texts) if t.startswith(label)][occurrence - 1]

    _type_over_dots(after("Missions principales du poste"), "Accueil et soins de nuit en cardiologie.")
    criteria = {"Qualité et fiabilité": "Très bon", "Respect des protocoles": "Excellent",
                "Connaissances prof": "Bon",
                "Capacité d'adaptation": "Très bon", "Organisation du travail": "Bon",
                "Relations avec les patients": "Excellent", "Travail en équipe": "Très bon",
                "Respect du secret": "Excellent"}
    for label, level in criteria.items():
        _tick(line(label), level)
    # Last year's objectives, pre-filled: their result ticked, a comment typed.
    results = next(t for t in ooxml.iter_tables(root) if "Objectif fixé" in ooxml.cell_text(ooxml.table_rows(t)[0][0]))
    levels = ["Atteint", "Partiellement atteint", "Atteint", "Non atteint"]
    for row, level in zip(ooxml.table_rows(results)[1:], levels):
        _tick(next(p for p in ooxml.iter_paragraphs(row[1]) if level in ooxml.paragraph_text(p)
                   and ooxml.paragraph_text(p).strip(" ☐") == level), level)
    _type_over_dots(after("3.2 Appréciation générale"), "Agent fiable et apprécié de l'équipe.")
    objectives = next(t for t in ooxml.iter_tables(root)
                      if ooxml.cell_text(ooxml.table_rows(t)[0][0]).strip() == "Objectif")
    for tc, text in zip(ooxml.table_rows(objectives)[1], ["Tutorat des nouveaux arrivants", "2 agents formés",
                                                          "31/12/2027"]):
        ooxml.set_cell_text(tc, text)
    _tick(line("☐ Aucun besoin de formation exprimé"), "Aucun besoin")
    _type_over_dots(after("Carrière (projet professionnel"), "Préparer le concours d'aide-soignant principal.")
    signature = after("Évaluateur (supérieur hiérarchique direct)")
    _type_after(signature, "Nom et prénom", "DURAND Sophie")
    _type_after(signature, "Date", "15/12/2026")
    package["word/document.xml"] = ooxml.serialize(root)
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in package.items():
            archive.writestr(name, data)
    return destination


def test_a_report_filled_on_the_employers_form_and_returned_is_accepted_at_stage_1(tmp_path):
    """GIVEN the hospital's report generated for agent 100231 (four objectives of last year);
    WHEN the manager types the evaluation into it, signs, and it is dropped in the inbox;
    THEN one pass accepts it at stage 1, identified by its identifier, with the pre-filled values."""
    import pipeline

    config = write_workspace(tmp_path, "B_hopital_lignes")
    result = generate(config, today=TODAY, previous_objectives=lambda n: PREVIOUS.get(n, []))
    generated = next(p for p in result.reports if "_100231_" in p.name)
    config.inbox.mkdir(parents=True, exist_ok=True)
    fill_as_a_manager(generated, config.inbox / "CR Moussa N'Diaye rempli.docx")
    settle(config.inbox)
    passed = pipeline.process_inbox(config, outputs=False, received_on=RECEIVED)
    (handled,) = passed.handled
    assert (handled.outcome, handled.stage, handled.report_id) == ("accepted", 1, "2026-100231"), handled.reasons
    placed = config.outbox / handled.destination if not Path(handled.destination).is_absolute() else Path(
        handled.destination)
    report = read_report(placed, config.form)
    assert report.identified_by == "propriete"  # by the identifier generer wrote, not by the agent's name
    assert {key: report.values[key] for key in PREFILLED} == {key: AGENTS[0][col] for key, col in PREFILLED.items()}
    assert [r["objectif"] for r in report.tables["resultats"]] == PREVIOUS["100231"]
    assert [r["atteinte"] for r in report.tables["resultats"]] == ["atteint", "partiellement atteint", "atteint",
                                                                   "non atteint"]
    assert report.values["qualite_travail"] == "Très bon" and report.values["signature_evaluateur"] == "DURAND Sophie"
