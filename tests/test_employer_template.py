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
import docx
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


@pytest.mark.parametrize("key, place, said", [
    ("grade", {"apres_libelle": "Grade détenu"}, "«\u202fGrade\u202f» (grade) : après le libellé «\u202fGrade détenu"
                                                 "\u202f» est introuvable"),
    ("resultats", {"liste": "Rappel des objectifs", "colonnes": {"objectif": ""}},
     "(resultats) : la liste sous «\u202fRappel des objectifs\u202f» est introuvable"),
    # places generer writes nothing into: a report's value there would be read nowhere
    ("besoins_formation", {"liste": "Formations souhaitées", "colonnes": {"intitule": "", "type": ""}},
     "(besoins_formation) : la liste sous «\u202fFormations souhaitées\u202f» est introuvable"),
    ("missions", {"sous_libelle": "Missions du poste (détail)"},
     "(missions) : sous le libellé «\u202fMissions du poste (détail)\u202f» est introuvable")])
def test_modeles_names_the_field_whose_place_the_form_does_not_show(tmp_path, key, place, said):
    config = write_workspace(tmp_path, "B_hopital_lignes")
    mapping = yaml.safe_load((tmp_path / "formulaire.yaml").read_text(encoding="utf-8"))
    mapping["emplacements"][key] = place
    (tmp_path / "formulaire.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    with pytest.raises(TemplateError) as raised:
        build_employer_template(load_config(tmp_path / "config.yaml"), config.templates)
    assert said in raised.value.message
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
    # Both fields of a line filled; the last tab (its dotted leader) kept after the value.
    assert "Date de l'entretien professionnel : 15/12/2026\tDate de la convocation : 02/12/2026\t" in texts
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


# -- where the form says how a value is written: its boxes' font, its fields, its tab stops ----------

ODF_NS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in __import__("pipeline.odf", fromlist=["NSMAP"]).NSMAP.items())
SYMBOLS_ROW = {"matricule": "500001", "nom": "Martin", "prénom": "Élodie", "grade": "Rédacteur",
               "service": "Finances", "poste": "Comptable", "évaluateur": "Sophie Durand",
               "date d'entretien": "23/10/2026", "encadrant": "oui", "premier entretien": "oui",
               "échelon sommital": "oui"}
SYMBOLS_PLACES = {
    "nom": {"apres_libelle": "Nom"}, "prenom": {"apres_libelle": "Prénom"}, "grade": {"apres_libelle": "Grade"},
    "service": {"apres_libelle": "Service"}, "date_entretien": {"apres_libelle": "Date de l'entretien"},
    "poste": {"sous_libelle": "Emploi occupé"}, "evaluateur": {"cellule": "Évaluateur"},
    "encadre_agents": {"cases": {"oui": "Oui", "non": "Non"}, "libelle": "Encadrement"},
    "echelon_sommital": {"cases": {"oui": "Oui", "non": "Non"}, "libelle": "Échelon sommital"},
    "premier_entretien": {"cases": {"oui": "Premier entretien"}},
}


def _w(xml: str):
    return ooxml.parse_xml(f'<w:root {W}>{xml}</w:root>'.encode())[0]


def _sym(font: str, char: str) -> str:
    return (f'<w:r><w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}"/></w:rPr>'
            f'<w:sym w:font="{font}" w:char="{char}"/></w:r>')


def _text(text: str, font: str | None = None) -> str:
    props = f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}"/></w:rPr>' if font else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{text}</w:t></w:r>'


def _formtext(name: str, date: bool = False) -> str:
    kind = '<w:type w:val="date"/><w:format w:val="dd/MM/yyyy"/>' if date else ""
    return (f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="{name}"/><w:enabled/>'
            f'<w:calcOnExit w:val="0"/><w:textInput>{kind}</w:textInput></w:ffData></w:fldChar></w:r>'
            '<w:r><w:instrText xml:space="preserve"> FORMTEXT </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            '<w:r><w:t xml:space="preserve">\u2002\u2002\u2002\u2002\u2002</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def symbols_docx(path: Path) -> Path:
    """A form made in Word: blanks that are tab stops with a leader (« Nom :<tab> » to a dotted
    stop, « Prénom :<tab> » to an underscored one, a dotted answer line under « Emploi occupé »),
    form fields (FORMTEXT after « Grade » and « Date de l'entretien », a content control showing
    its placeholder after « Service », a FORMTEXT in the cell beside « Évaluateur »), boxes drawn in
    symbol fonts (Wingdings' F0A8 inserted as symbols, Wingdings 2's « A3 » written short, a
    Wingdings 2 character typed in the text)."""
    import docx
    from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
    from docx.shared import Cm

    document = docx.Document()
    document.add_heading("COMPTE RENDU D'ENTRETIEN PROFESSIONNEL", level=1)
    for label, leader in (("Nom :", WD_TAB_LEADER.DOTS), ("Prénom :", WD_TAB_LEADER.LINES)):
        p = document.add_paragraph(label + "\t")
        p.paragraph_format.tab_stops.add_tab_stop(Cm(16), WD_TAB_ALIGNMENT.RIGHT, leader)
    body = document.element.body
    sect = body[-1]
    paragraphs = [
        "<w:p>" + _text("Grade : ") + _formtext("Grade") + "</w:p>",
        "<w:p>" + _text("Service : ") + '<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>'
        + _text("Cliquez ici pour entrer du texte.") + "</w:sdtContent></w:sdt></w:p>",
        "<w:p>" + _text("Date de l'entretien : ") + _formtext("DateEntretien", date=True) + "</w:p>",
        "<w:p>" + _text("Encadrement : ") + _sym("Wingdings", "F0A8") + _text(" Oui    ")
        + _sym("Wingdings", "F0A8") + _text(" Non") + "</w:p>",
        "<w:p>" + _text("Échelon sommital : ") + _sym("Wingdings 2", "A3") + _text(" Oui    ")
        + _sym("Wingdings 2", "A3") + _text(" Non") + "</w:p>",
        "<w:p>" + _text("\uf0a3", "Wingdings 2") + _text(" Premier entretien") + "</w:p>",
        "<w:p>" + _text("Emploi occupé :") + "</w:p>",
        '<w:p><w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9072"/></w:tabs></w:pPr>'
        "<w:r><w:tab/></w:r></w:p>",
        '<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid><w:gridCol w:w="3000"/>'
        '<w:gridCol w:w="6000"/></w:tblGrid><w:tr><w:tc><w:p>' + _text("Évaluateur") + "</w:p></w:tc><w:tc><w:p>"
        + _formtext("Evaluateur") + "</w:p></w:tc></w:tr></w:tbl>",
        "<w:p>" + _text("Fin du formulaire.") + "</w:p>",
    ]
    for xml in paragraphs:
        sect.addprevious(_w(xml))
    document.save(path)
    return path


def symbols_odt(path: Path) -> Path:
    """The same form made in LibreOffice Writer: « Nom :<tab> » and « Prénom : <tab> » to a
    style's dotted stop, an input field after « Date de l'entretien » and in the cell beside
    « Évaluateur », a placeholder after « Grade » and on the line under « Emploi occupé », boxes in
    spans of Wingdings and Wingdings 2 (their characters in the private-use area)."""
    base = MINISTRY / "E_hopital_lignes_soulignees.odt"
    with zipfile.ZipFile(base) as archive:
        package = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    boxes = lambda style, char: f'<text:span text:style-name="{style}">{char}</text:span>'  # noqa: E731
    text = (
        '<text:h text:outline-level="1">COMPTE RENDU D\'ENTRETIEN PROFESSIONNEL</text:h>'
        '<text:p text:style-name="PTab">Nom :<text:tab/></text:p>'
        '<text:p text:style-name="PTab">Prénom : <text:tab/></text:p>'
        '<text:p>Grade : <text:placeholder text:placeholder-type="text">&lt;grade&gt;</text:placeholder></text:p>'
        '<text:p>Service : <text:text-input text:description="Service"/></text:p>'
        '<text:p>Date de l\'entretien : <text:text-input text:description="jj/mm/aaaa"/></text:p>'
        f'<text:p>Encadrement : {boxes("TW", "&#xf0a8;")} Oui    {boxes("TW", "&#xf0a8;")} Non</text:p>'
        f'<text:p>Échelon sommital : {boxes("TW2", "&#xf0a3;")} Oui    {boxes("TW2", "&#xf0a3;")} Non</text:p>'
        f'<text:p>{boxes("TW2", "&#xf0a3;")} Premier entretien</text:p>'
        '<text:p>Emploi occupé :</text:p>'
        '<text:p><text:placeholder text:placeholder-type="text">&lt;Saisir ici&gt;</text:placeholder></text:p>'
        '<table:table table:name="T"><table:table-column table:number-columns-repeated="2"/><table:table-row>'
        '<table:table-cell office:value-type="string"><text:p>Évaluateur</text:p></table:table-cell>'
        '<table:table-cell office:value-type="string"><text:p><text:text-input text:description="Nom"/></text:p>'
        '</table:table-cell></table:table-row></table:table>'
        '<text:p>Fin du formulaire.</text:p>')
    automatic = (
        '<style:style style:name="PTab" style:family="paragraph"><style:paragraph-properties><style:tab-stops>'
        '<style:tab-stop style:position="16cm" style:type="right" style:leader-style="dotted" '
        'style:leader-text="."/></style:tab-stops></style:paragraph-properties></style:style>'
        '<style:style style:name="TW" style:family="text"><style:text-properties style:font-name="Wingdings"/>'
        '</style:style><style:style style:name="TW2" style:family="text"><style:text-properties '
        'style:font-name="Wingdings 2"/></style:style>')
    faces = ('<style:font-face style:name="Wingdings" svg:font-family="Wingdings" style:font-pitch="variable" '
             'style:font-charset="x-symbol"/><style:font-face style:name="Wingdings 2" '
             'svg:font-family="\'Wingdings 2\'" style:font-pitch="variable" style:font-charset="x-symbol"/>')
    package["content.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS} office:version="1.3">'
        f'<office:font-face-decls>{faces}</office:font-face-decls><office:automatic-styles>{automatic}'
        f'</office:automatic-styles><office:body><office:text>{text}</office:text></office:body>'
        '</office:document-content>').encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in package.items():
            archive.writestr(name, data, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
    return path


@pytest.fixture(scope="module")
def symbol_forms(tmp_path_factory) -> dict[str, tuple[Config, Path]]:
    """Each format's form of symbols, fields and tab stops, and the report generer made from it."""
    from tests.conftest import write_csv

    found = {}
    for suffix, make in ((".docx", symbols_docx), (".odt", symbols_odt)):
        base = tmp_path_factory.mktemp("symboles" + suffix.replace(".", "_"))
        make(base / f"modele{suffix}")
        (base / "formulaire.yaml").write_text(yaml.safe_dump({
            "modele": f"modele{suffix}", "empreinte": "F-0123456789", "nom": "Formulaire aux symboles",
            "emplacements": SYMBOLS_PLACES}, allow_unicode=True), encoding="utf-8")
        write_csv(base / "agents.csv", [SYMBOLS_ROW], header=list(SYMBOLS_ROW))
        (base / "config.yaml").write_text("liste_agents: agents.csv\nformulaire: formulaire.yaml\n", encoding="utf-8")
        config = load_config(base / "config.yaml")
        result = generate(config, today=TODAY)
        assert not result.problems, result.problems
        (report,) = result.reports
        found[suffix] = (config, report)
    return found


def _main_part(report: Path):
    package = parts(report)
    from pipeline import odf

    return (ooxml.parse_xml(package["word/document.xml"]) if report.suffix == ".docx"
            else odf.parse_xml(package["content.xml"]))


def test_a_box_drawn_in_a_symbol_font_is_ticked_in_that_font(symbol_forms):
    """GIVEN forms whose boxes are drawn in symbol fonts: Wingdings' empty box inserted as a
    symbol (w:sym F0A8), Wingdings 2's written short (w:sym A3), a Wingdings 2 box typed in a run
    of that font, .odt spans of Wingdings and Wingdings 2 WHEN generer ticks « oui » THEN each box
    stays what it was, in its font (a w:sym stays a w:sym, its run's fonts kept), showing that
    font's ticked box (Wingdings F0FE, Wingdings 2 54); the other box is left empty; the reader
    reads each ticked."""
    config, report = symbol_forms[".docx"]
    root = _main_part(report)
    q = ooxml.qn
    syms = [(s.get(q("w:font")), s.get(q("w:char"))) for s in root.iter(q("w:sym"))]
    assert syms == [("Wingdings", "F0FE"), ("Wingdings", "F0A8"), ("Wingdings 2", "54"), ("Wingdings 2", "A3")]
    for sym in root.iter(q("w:sym")):  # each symbol's run: its fonts, and nothing typed beside the symbol
        run = sym.getparent()
        assert run.find(q("w:rPr")).find(q("w:rFonts")).get(q("w:ascii")) == sym.get(q("w:font"))
        assert [child.tag for child in run] == [q("w:rPr"), q("w:sym")]
    typed = [t for t in root.iter(q("w:t")) if t.text and "\uf000" <= t.text[0] <= "\uf0ff"]
    assert [t.text for t in typed] == ["\uf054"]  # Wingdings 2's ticked box, in its run of Wingdings 2
    assert typed[0].getparent().find(q("w:rPr")).find(q("w:rFonts")).get(q("w:ascii")) == "Wingdings 2"
    values = read_report(report, config.form).values
    assert (values["encadre_agents"], values["echelon_sommital"], values["premier_entretien"]) == ("oui", "oui", True)

    config, report = symbol_forms[".odt"]
    root = _main_part(report)
    from pipeline import odf

    spans = [(s.get(odf.qn("text:style-name")), s.text) for s in root.iter(odf.qn("text:span"))]
    assert spans == [("TW", "\uf0fe"), ("TW", "\uf0a8"), ("TW2", "\uf054"), ("TW2", "\uf0a3"), ("TW2", "\uf054")]
    values = read_report(report, config.form).values
    assert (values["encadre_agents"], values["echelon_sommital"], values["premier_entretien"]) == ("oui", "oui", True)


def test_a_value_whose_place_is_a_form_field_is_typed_into_the_field(symbol_forms):
    """GIVEN forms whose blanks are form fields: a legacy FORMTEXT after « Grade » and « Date de
    l'entretien », a content control showing its placeholder after « Service », a FORMTEXT in the
    cell beside « Évaluateur » (.docx); input fields after « Service » and « Date de l'entretien »
    and in the cell beside « Évaluateur », placeholders after « Grade » and under « Emploi occupé »
    (.odt) WHEN generer writes the roster's values THEN each is inside its field (a placeholder
    replaced by it), nothing written beside the field, and the reader reads it back."""
    q = ooxml.qn
    config, report = symbol_forms[".docx"]
    root = _main_part(report)
    results = {}
    for begin in root.iter(q("w:fldChar")):
        if begin.get(q("w:fldCharType")) != "begin":
            continue
        name = begin.find(q("w:ffData")).find(q("w:name")).get(q("w:val"))
        shown, inside = [], False
        for run in begin.getparent().itersiblings():
            mark = run.find(q("w:fldChar"))
            if mark is not None and mark.get(q("w:fldCharType")) == "end":
                break
            if mark is not None:
                inside = True
            elif inside:
                shown += [t.text for t in run.iter(q("w:t"))]
        results[name] = "".join(shown)
        # Nothing after the field's end in its paragraph.
        assert not "".join(t.text or "" for t in run.itersiblings() for t in t.iter(q("w:t"))), name
    assert results == {"Grade": "Rédacteur", "DateEntretien": "23/10/2026", "Evaluateur": "Sophie Durand"}
    (sdt,) = root.iter(q("w:sdt"))
    assert sdt.find(q("w:sdtPr")).find(q("w:showingPlcHdr")) is None
    assert "".join(t.text for t in sdt.iter(q("w:t"))) == "Finances"
    assert sdt.getnext() is None  # the value not typed after the control
    values = read_report(report, config.form).values
    assert {k: values[k] for k in ("grade", "service", "date_entretien", "evaluateur")} == {
        "grade": "Rédacteur", "service": "Finances", "date_entretien": "23/10/2026", "evaluateur": "Sophie Durand"}

    from pipeline import odf

    config, report = symbol_forms[".odt"]
    root = _main_part(report)
    inputs = [(el.get(odf.qn("text:description")), el.text, el.tail) for el in root.iter(odf.qn("text:text-input"))]
    assert inputs == [("Service", "Finances", None), ("jj/mm/aaaa", "23/10/2026", None), ("Nom", "Sophie Durand", None)]
    assert not list(root.iter(odf.qn("text:placeholder")))  # typed over: the values in their place
    lines = line_texts(report)
    assert "Grade : Rédacteur" in lines and lines[lines.index("Emploi occupé :") + 1] == "Comptable"
    values = read_report(report, config.form).values
    assert {k: values[k] for k in ("grade", "service", "date_entretien", "evaluateur", "poste")} == {
        "grade": "Rédacteur", "service": "Finances", "date_entretien": "23/10/2026", "evaluateur": "Sophie Durand",
        "poste": "Comptable"}


def test_a_blank_that_is_a_tab_to_a_leader_s_stop_keeps_its_tab_and_leader(symbol_forms, convert, tmp_path):
    """GIVEN forms whose blanks are a tab to a stop drawing dots or a line (« Nom :<tab> »,
    « Prénom :<tab> », a dotted answer line under « Emploi occupé » in the .docx) WHEN generer
    writes the values THEN each is written at the blank's start, after « : » and a space, its tab
    kept after it and its stop's leader left as the form has it: LibreOffice prints the value and
    the leader's dots after it; the reader reads the value."""
    config, report = symbol_forms[".docx"]
    lines = line_texts(report)
    assert "Nom : Martin\t" in lines and "Prénom : Élodie\t" in lines
    assert lines[lines.index("Emploi occupé :") + 1] == "Comptable\t"
    root = _main_part(report)
    q = ooxml.qn
    leaders = [stop.get(q("w:leader")) for stop in root.iter(q("w:tab")) if stop.getparent().tag == q("w:tabs")]
    assert leaders == ["dot", "underscore", "dot"]
    values = read_report(report, config.form).values
    assert (values["nom"], values["prenom"], values["poste"]) == ("Martin", "Élodie", "Comptable")
    odt_config, odt_report = symbol_forms[".odt"]
    odt_lines = line_texts(odt_report)
    assert "Nom : Martin\t" in odt_lines and "Prénom : Élodie\t" in odt_lines
    values = read_report(odt_report, odt_config.form).values
    assert (values["nom"], values["prenom"]) == ("Martin", "Élodie")
    # As printed: the value, then the leader's dots up to the stop.
    copies = [Path(shutil.copy(path, tmp_path / f"rapport{path.suffix.replace('.', '_')}{path.suffix}"))
              for path in (report, odt_report)]
    out = convert(copies, "pdf")
    for copy in copies:
        text = subprocess.run(["pdftotext", "-layout", str(out / f"{copy.stem}.pdf"), "-"], capture_output=True,
                              text=True).stdout
        assert any(line.strip().startswith("Nom : Martin....") for line in text.splitlines()), (copy, text)
        if copy.suffix == ".docx":
            assert any(line.strip().startswith("Comptable....") for line in text.splitlines()), text


def tab_labels_docx(path: Path) -> Path:
    """Labels without a colon, each followed by a tab to a stop (right-aligned without leader, or
    drawing dots), as a secretary types a form in Word; and one with its colon."""
    from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
    from docx.shared import Cm

    document = docx.Document()
    document.add_paragraph("COMPTE RENDU D'ENTRETIEN PROFESSIONNEL")
    for text, leader in (("Nom", WD_TAB_LEADER.DOTS), ("Prénom :", WD_TAB_LEADER.DOTS),
                         ("Date de l'entretien professionnel", WD_TAB_LEADER.SPACES),
                         ("Grade", WD_TAB_LEADER.SPACES)):
        paragraph = document.add_paragraph(f"{text}\t")
        paragraph.paragraph_format.tab_stops.add_tab_stop(Cm(15), WD_TAB_ALIGNMENT.RIGHT, leader)
    document.save(path)
    return path


@pytest.mark.parametrize("suffix", [".docx", ".odt"])
def test_a_label_without_a_colon_keeps_its_tab_before_the_value_and_reads_back(tmp_path, convert, suffix):
    """GIVEN labels ended by a tab alone (« Date de l'entretien professionnel<tab> », a right tab
    stop with no leader, or dots) WHEN generer writes the values THEN each goes after the tab (written
    before it, the label ran into the value and the copy's own date was « a disparu du formulaire »);
    a label with its colon keeps the value before its tab; the copy reads back every value."""
    from tests.conftest import write_csv

    model = tab_labels_docx(tmp_path / "modele.docx")
    if suffix == ".odt":
        model = Path(shutil.copy(convert([model], "odt") / "modele.odt", tmp_path / "modele.odt"))
    (tmp_path / "formulaire.yaml").write_text(yaml.safe_dump({
        "modele": model.name, "empreinte": "F-0123456789", "nom": "Formulaire aux tabulations",
        "emplacements": {"nom": {"apres_libelle": "Nom"}, "prenom": {"apres_libelle": "Prénom"},
                         "date_entretien": {"apres_libelle": "Date de l'entretien professionnel"},
                         "grade": {"apres_libelle": "Grade"}}}, allow_unicode=True), encoding="utf-8")
    write_csv(tmp_path / "agents.csv", [SYMBOLS_ROW], header=list(SYMBOLS_ROW))
    (tmp_path / "config.yaml").write_text("liste_agents: agents.csv\nformulaire: formulaire.yaml\n", encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    (report,) = generate(config, today=TODAY).reports
    lines = line_texts(report)
    assert {"Nom\tMartin", "Prénom : Élodie\t", "Date de l'entretien professionnel\t23/10/2026",
            "Grade\tRédacteur"} <= set(lines), lines
    values = read_report(report, config.form).values
    assert {k: values[k] for k in ("nom", "prenom", "date_entretien", "grade")} == {
        "nom": "Martin", "prenom": "Élodie", "date_entretien": "23/10/2026", "grade": "Rédacteur"}


def underlined_docx(path: Path) -> Path:
    """Blanks drawn by underlined spaces after « Label : », as a secretary draws them in Word."""
    document = docx.Document()
    document.add_paragraph("COMPTE RENDU D'ENTRETIEN PROFESSIONNEL")
    for parts in ((("Grade : ", False), (" " * 33, True)), (("Service\u00a0: ", False), ("\u00a0" * 20, True)),
                  (("Nom : ", False), (" " * 20, True), ("  Prénom : ", False), (" " * 20, True))):
        paragraph = document.add_paragraph()
        for text, underline in parts:
            paragraph.add_run(text).underline = underline
    document.save(path)
    return path


def test_a_value_replaces_the_underlined_spaces_drawing_its_blank(tmp_path):
    """GIVEN labels followed by underlined spaces (the line to write on) WHEN generer writes the values
    THEN each replaces the spaces (appended after them, a long value wrapped to the next line on the
    page), a next label on the line kept; the copy reads back every value."""
    from tests.conftest import write_csv

    model = underlined_docx(tmp_path / "modele.docx")
    (tmp_path / "formulaire.yaml").write_text(yaml.safe_dump({
        "modele": model.name, "empreinte": "F-0123456789", "nom": "Formulaire souligné",
        "emplacements": {"grade": {"apres_libelle": "Grade"}, "service": {"apres_libelle": "Service"},
                         "nom": {"apres_libelle": "Nom"}, "prenom": {"apres_libelle": "Prénom"}}},
        allow_unicode=True), encoding="utf-8")
    write_csv(tmp_path / "agents.csv", [SYMBOLS_ROW], header=list(SYMBOLS_ROW))
    (tmp_path / "config.yaml").write_text("liste_agents: agents.csv\nformulaire: formulaire.yaml\n", encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    (report,) = generate(config, today=TODAY).reports
    lines = line_texts(report)
    assert "Grade : Rédacteur" in lines and "Service\u00a0: Finances" in lines, lines
    assert next(text for text in lines if text.startswith("Nom")).split() == ["Nom", ":", "Martin", "Prénom", ":",
                                                                              "Élodie"]
    values = read_report(report, config.form).values
    assert {k: values[k] for k in ("grade", "service", "nom", "prenom")} == {
        "grade": "Rédacteur", "service": "Finances", "nom": "Martin", "prenom": "Élodie"}


@pytest.mark.parametrize("blank, ticked", [("O Oui    O Non", "X Oui    O Non"), ("o oui    o non", "X oui    o non")])
def test_a_box_drawn_by_the_letter_o_is_ticked_by_an_x_typed_over_it(tmp_path, blank, ticked):
    """Form I draws its round boxes with the letter « O »: generer ticks one as a person does, an « X »
    typed over it (not a glyph from another font)."""
    from tests.conftest import write_csv

    document = docx.Document()
    document.add_heading("COMPTE RENDU D'ENTRETIEN PROFESSIONNEL", level=1)
    for text in ("Nom : ", "Prénom : ", f"Encadrement :    {blank}", "Fin du formulaire."):
        document.add_paragraph(text)
    document.save(tmp_path / "modele.docx")
    places = {"nom": {"apres_libelle": "Nom"}, "prenom": {"apres_libelle": "Prénom"},
              "encadre_agents": {"cases": {"oui": blank.split()[1], "non": blank.split()[3]},
                                 "libelle": "Encadrement"}}
    (tmp_path / "formulaire.yaml").write_text(yaml.safe_dump({
        "modele": "modele.docx", "empreinte": "F-0123456789", "nom": "Formulaire tapé", "emplacements": places},
        allow_unicode=True), encoding="utf-8")
    row = {"matricule": "500001", "nom": "Martin", "prénom": "Élodie", "évaluateur": "Sophie Durand",
           "encadrant": "oui"}
    write_csv(tmp_path / "agents.csv", [row], header=list(row))
    (tmp_path / "config.yaml").write_text("liste_agents: agents.csv\nformulaire: formulaire.yaml\n", encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    (report,) = generate(config, today=TODAY).reports
    assert f"Encadrement :    {ticked}" in line_texts(report)
    assert read_report(report, config.form).values["encadre_agents"] == "oui"


def _form_with_header(path: Path, header: list[str], underlined: bool = False) -> Path:
    """A small form of labelled lines whose page header prints ``header`` (its last line's blank made of
    underlined spaces when ``underlined``)."""
    document = docx.Document()
    paragraphs = document.sections[0].header.paragraphs
    paragraphs[0].text = header[0]
    for text in header[1:]:
        paragraph = document.sections[0].header.add_paragraph(text)
    if underlined:
        paragraph.add_run(" " * 30).underline = True
    document.add_heading("COMPTE RENDU D'ENTRETIEN PROFESSIONNEL", level=1)
    for text in ("Nom : ", "Prénom : ", "Fin du formulaire."):
        document.add_paragraph(text)
    document.save(path)
    return path


@pytest.mark.parametrize("header, underlined, shown", [
    (["Mairie de Lavaur", "Agent : ____________________"], False, "Agent : Élodie Martin"),
    (["Mairie de Lavaur", "Nom de l’agent : ……………………"], False, "Nom de l’agent : Élodie Martin"),
    (["Mairie de Lavaur", "Agent\u00a0:"], True, "Agent\u00a0: Élodie Martin"),
    (["Mairie de Lavaur\tAgent évalué : ________"], False, "Mairie de Lavaur\tAgent évalué : Élodie Martin"),
    (["Agent comptable : M. Dupont"], False, "Agent comptable : M. Dupont"),  # no blank: left as printed
])
@pytest.mark.parametrize("suffix", [".docx", ".odt"])
def test_the_agent_s_name_fills_the_blank_a_page_header_leaves_for_it(tmp_path, convert, header, underlined, shown,
                                                                       suffix):
    """Form I's header repeats « Agent : ____ » on every page: generer writes the agent's name there
    (before, every page of every report left it blank), in the .docx and in the .odt LibreOffice saves."""
    from tests.conftest import write_csv

    model = _form_with_header(tmp_path / "modele.docx", header, underlined)
    if suffix == ".odt":
        model = convert([model], "odt") / "modele.odt"
        (tmp_path / "modele.odt").write_bytes(model.read_bytes())
    (tmp_path / "formulaire.yaml").write_text(yaml.safe_dump({
        "modele": f"modele{suffix}", "empreinte": "F-0123456789", "nom": "Formulaire à en-tête",
        "emplacements": {"nom": {"apres_libelle": "Nom"}, "prenom": {"apres_libelle": "Prénom"}}},
        allow_unicode=True), encoding="utf-8")
    row = {"matricule": "500001", "nom": "Martin", "prénom": "Élodie", "évaluateur": "Sophie Durand"}
    write_csv(tmp_path / "agents.csv", [row], header=list(row))
    (tmp_path / "config.yaml").write_text("liste_agents: agents.csv\nformulaire: formulaire.yaml\n", encoding="utf-8")
    (report,) = generate(load_config(tmp_path / "config.yaml"), today=TODAY).reports
    printed = [line.rstrip() for text in layout(report).headers for line in text.split("\n")]
    assert shown in printed, printed
