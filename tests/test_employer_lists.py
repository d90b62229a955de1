"""Tables written as lists on an employer's form: last year's objectives as « 1. ……… Atteinte : ……… »,
next year's as numbered paragraphs of dots, the training asked for as « 1. ______ » under « Formations
demandées (intitulé – type : …) ». A secretary's form of paragraphs (form I) has no table for them:
before lists were read, its objectives and training needs were lost (made optional, never in the
training plan).

Read (``liste`` in formulaire.yaml), imported from the blank form, written by ``generer`` (last year's
objectives on the blank lines, more on new lines), and end to end on form I: imported, generated,
filled as a manager, accepted at stage 1 with every row, the training plan holding the needs; the
same copy saved as .odt by LibreOffice read alike.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document as WordDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from pipeline import catalogue as cat
from pipeline.catalogue import BASE, for_public_service
from pipeline.config import load_config
from pipeline.employer_import import candidates, import_form, map_layout, match
from pipeline.generate import generate
from pipeline.layout import Layout, Line, Piece, layout_of
from pipeline.preflight import open_document
from pipeline.read import read_report
from tests.conftest import settle
from tests.test_employer_import import small_form
from tests.test_employer_read import employer_form, layout, line, read

FORM_I = Path(__file__).resolve().parent / "field_cases" / "employer_forms" / "I_commune_paragraphes.docx"


def styled(text: str, style: str) -> Line:
    """A paragraph in a list's style (numbered by Word, the number not in its text)."""
    made = line(text)
    made.style = style
    return made


# -- reading a list ----------------------------------------------------------------------------------

RESULTS = """\
    resultats:
      liste: Rappel des objectifs fixés l’an dernier
      colonnes: {objectif: "", atteinte: Atteinte}
    """
TRAINING = """\
    besoins_formation:
      liste: Formations demandées
      colonnes: {intitule: "", type: "", avis: ""}
    """
PARTS = "    parties: [8. Besoins de formation, 9. Perspectives d’évolution professionnelle]\n"
TRAINING_CATALOGUE = """\
    catalogue:
      modifier:
        besoins_formation:
          columns:
          - {key: intitule, label: Intitulé, required: true}
          - {key: type, label: Type, kind: choice, required: true,
             choices: [intégration, professionnalisation, perfectionnement, préparation aux concours]}
          - {key: avis, label: Avis du N+1, kind: choice, choices: [favorable, défavorable]}
    """


@pytest.mark.parametrize("marks", [("1. ", "2. ", "3. "), ("1) ", "2) ", "3) "), ("a) ", "b) ", "c) "),
                                   ("– ", "– ", "– "), ("• ", "• ", "• "), ("", "", "")])
def test_a_list_s_lines_are_its_rows_whatever_their_mark_up_to_the_next_label(tmp_path, marks):
    """Numbered by hand, lettered, dashed, bulleted, or numbered by Word (no mark in the text): each
    line a row, a blank line (dots, underlined spaces) none, the list ending at the next label."""
    first, second, third = marks
    report = read(layout(
        "3. Résultats professionnels obtenus",
        "Rappel des objectifs fixés l’an dernier (atteint, non atteint) :",
        styled(f"{first}Mettre à jour le registre  Atteinte : atteint", "List Number"),
        styled(f"{second}……………………………  Atteinte : ………………", "List Number"),
        styled(f"{third}Former l’agente d’accueil  Atteinte : partiellement atteint", "List Number"),
        "Événements survenus au cours de la période écoulée :",
        "1. Réorganisation de l’accueil  Atteinte : sans objet"),
        employer_form(tmp_path, RESULTS.rstrip(" ") + "    evenements: {sous_libelle: Événements survenus au cours de la période écoulée}\n"))
    assert report.tables[cat.PREVIOUS_RESULTS] == [
        {"objectif": "Mettre à jour le registre", "atteinte": "atteint"},
        {"objectif": "Former l’agente d’accueil", "atteinte": "partiellement atteint"}]


@pytest.mark.parametrize("typed, row", [
    ("1. Excel avancé – perfectionnement", {"intitule": "Excel avancé", "type": "perfectionnement", "avis": ""}),
    ("1. perfectionnement – Excel avancé", {"intitule": "Excel avancé", "type": "perfectionnement", "avis": ""}),
    ("1. Perfectionnement en état civil – perfectionnement – avis favorable",
     {"intitule": "Perfectionnement en état civil", "type": "perfectionnement", "avis": "favorable"}),
    ("1. Excel - intégration - défavorable", {"intitule": "Excel", "type": "intégration", "avis": "défavorable"}),
    ("1. Excel avancé", {"intitule": "Excel avancé", "type": "", "avis": ""}),
    ("1. Excel – formation longue", {"intitule": "Excel", "type": "formation longue", "avis": ""}),
    ("1. Excel – perfectionnement – favorable – CNFPT – à Lyon",
     {"intitule": "Excel – CNFPT – à Lyon", "type": "perfectionnement", "avis": "favorable"}),
    ("1. Excel – perfectionnement – CNFPT", {"intitule": "Excel", "type": "perfectionnement", "avis": "CNFPT"}),
])
def test_a_list_s_line_is_cut_at_its_dashes_each_choice_column_taking_the_part_that_is_one_of_its_choices(
        tmp_path, typed, row):
    """The form asks « (intitulé – type – avis) »: a type anywhere on the line is the type (not the
    title that starts with its word), « avis favorable » the opinion, an unknown type or opinion left
    where it is typed (the note then names it), the parts left over kept with the title."""
    form = employer_form(tmp_path, TRAINING, PARTS + TRAINING_CATALOGUE)
    report = read(layout("8. Besoins de formation", "Formations demandées (intitulé – type – avis du N+1) :",
                         typed, "2. ______________", "9. Perspectives d’évolution professionnelle"), form)
    assert report.tables[cat.TRAINING_NEEDS] == [row]


@pytest.mark.parametrize("typed", ["2. HABILITATION ÉLECTRIQUE – INTÉGRATION", "2. RGPD : METTRE À JOUR LE REGISTRE",
                                   "II. CACES NACELLE – PROFESSIONNALISATION"])
def test_a_line_typed_in_capitals_is_a_row_not_a_part_of_a_form_that_names_its_parts(tmp_path, typed):
    """Form I asks for capitals (a footnote): a numbered line in capitals is a title only on a form whose
    parts are not named; here the rows after it, and the places after it in its part, are still read."""
    form = employer_form(tmp_path, TRAINING.rstrip(" ") + "    missions: {sous_libelle: Missions, section: 8. Besoins de formation}\n"
                         "    perspectives_carriere: {apres_libelle: Projet, section: 8. Besoins de formation}\n",
                         PARTS + TRAINING_CATALOGUE)
    report = read(layout("8. Besoins de formation", "Missions :", "1. ACCUEIL DU PUBLIC", "2. ÉTAT CIVIL",
                         "Formations demandées (intitulé – type – avis du N+1) :", "1. Taille des arbres – perfectionnement",
                         typed, "3. CACES – intégration", "Projet : rédacteur",
                         "9. Perspectives d’évolution professionnelle"), form)
    assert [r["intitule"] for r in report.tables[cat.TRAINING_NEEDS]][::2] == ["Taille des arbres", "CACES"]
    assert len(report.tables[cat.TRAINING_NEEDS]) == 3
    assert report.values["missions"] == "1. ACCUEIL DU PUBLIC\n2. ÉTAT CIVIL"
    assert report.values["perspectives_carriere"] == "rédacteur"


def test_a_row_typed_after_the_list_s_label_is_its_first_row(tmp_path):
    form = employer_form(tmp_path, TRAINING, TRAINING_CATALOGUE)
    report = read(layout("Formations demandées : Excel – perfectionnement", "1. Word – intégration",
                         "2. ______________"), form)
    assert [r["intitule"] for r in report.tables[cat.TRAINING_NEEDS]] == ["Excel", "Word"]


def test_boxes_on_a_list_s_lines_give_each_row_its_option(tmp_path):
    form = employer_form(tmp_path, """\
        resultats:
          liste: Objectifs de l’an dernier
          colonnes:
            objectif: ""
            atteinte: {cases: {atteint: atteint, non atteint: non atteint}}
        """)
    report = read(layout("Objectifs de l’an dernier :",
                         "1. Registre dématérialisé   ☒ atteint   ☐ non atteint",
                         "2. ………………………   ☐ atteint   ☐ non atteint",
                         "3. Accueil   ☐ atteint   [X] non atteint",
                         "4. Archives   ☒ atteint   ☒ non atteint"), form)
    assert report.tables[cat.PREVIOUS_RESULTS] == [
        {"objectif": "Registre dématérialisé", "atteinte": "atteint"},
        {"objectif": "Accueil", "atteinte": "non atteint"},
        {"objectif": "Archives", "atteinte": "☒ atteint ☒ non atteint"}]  # both ticked: an invalid choice


# -- importing a list from the blank form --------------------------------------------------------------


def form_with(*blocks) -> Layout:
    """The small form of labelled lines, its objectives' part (title and table) replaced by ``blocks``."""
    made = small_form("Nom : \t", "Prénom : \t", "Date de l'entretien : \t")
    at = next(n for n, b in enumerate(made.blocks) if not isinstance(b, Line))
    made.blocks[at - 1:at + 1] = list(blocks)
    return made


def words(text: str) -> Line:
    return Line([Piece("text", text)])


@pytest.mark.parametrize("items", [
    [words("1. ……………………………………………"), words("2. ……………………………………………"), words("3. ……………………………………………")],
    [words("1.                                        "), words("2.                                        ")],
    [styled("…………………………………………………", "List Number"), styled("…………………………………………………", "List Number")],
    [styled("\t", "Liste à puces"), styled("\t", "Liste à puces"), styled("\t", "Liste à puces")],
    [words("– …………………………"), words("– …………………………")],
], ids=["numbered dots", "numbered underlined spaces", "Word's numbering", "bullets", "dashes"])
def test_a_label_over_numbered_or_bulleted_blank_lines_is_its_table_written_as_a_list(items):
    layout = form_with(line("II. OBJECTIFS FIXÉS POUR L'ANNÉE À VENIR"),
                       line("Objectifs (indiquer l’indicateur et l’échéance) :"), *items)
    mapping, checked = map_layout(layout, cat.DEFAULT)
    placed = mapping.places[cat.NEXT_OBJECTIVES]
    assert placed.spec["liste"] == "Objectifs" and placed.spec["colonnes"] == {"objectif": ""}
    assert checked and placed.checked  # a row written on its first line is read back


def test_a_list_s_labels_boxes_and_the_columns_its_instruction_names_are_its_columns():
    layout = form_with(
        line("II. RÉSULTATS PROFESSIONNELS OBTENUS"), line("Rappel des objectifs fixés l’an dernier :"),
        words("1. ……………………………………  Atteinte : ………………"), words("2. ……………………………………  Atteinte : ………………"),
        line("IV. BESOINS EN FORMATION"),
        line("Formations demandées (intitulé – type : intégration, perfectionnement – avis du N+1) :"),
        words("1. ______________________"), words("2. ______________________"))
    mapping, checked = map_layout(layout, cat.DEFAULT)
    results, training = mapping.places[cat.PREVIOUS_RESULTS], mapping.places[cat.TRAINING_NEEDS]
    assert results.spec == {"liste": "Rappel des objectifs fixés l’an dernier",
                            "colonnes": {"objectif": "", "atteinte": "Atteinte"}}
    assert training.spec == {"liste": "Formations demandées", "colonnes": {"intitule": "", "type": "", "avis": ""}}
    columns = {c["key"]: c for c in mapping.modified[cat.TRAINING_NEEDS]["columns"]}
    assert columns["type"]["choices"] == ["intégration", "perfectionnement"] and "meanings" not in columns["type"]
    assert columns["intitule"]["label"] == "Intitulé" and columns["avis"]["label"] == "Avis du N+1"
    assert checked and results.checked and training.checked


@pytest.mark.parametrize("bullets", [[words("• ……………………………"), words("• ……………………………")],
                                     [styled("……………………………", "List Bullet")] * 2])
def test_lines_of_a_list_under_a_text_s_label_are_that_text(bullets):
    """The missions as a bulleted list of dots: a text (read under its label), not a table."""
    layout = form_with(line("II. POSTE OCCUPÉ"), line("Missions principales du poste :"), *bullets,
                       line("III. OBJECTIFS FIXÉS POUR L'ANNÉE À VENIR"), line("Objectifs :"),
                       words("1. ……………………………"), words("2. ……………………………"))
    found = {m.field.key: m.candidate for m in match(cat.DEFAULT, candidates(layout))}
    assert found["missions"].kind == "below_label" and found[cat.NEXT_OBJECTIVES].list_columns == [""]


# -- form I, end to end --------------------------------------------------------------------------------

ROSTER = ("matricule;nom;prénom;grade;service;poste;évaluateur;fonction de l'évaluateur;date de convocation;"
          "date d'entretien;encadrant\n"
          "300101;Lemaire;Josiane;Adjoint administratif;Accueil;Agente d'accueil;Nathalie Perrin;"
          "Secrétaire générale;02/11/2026;16/11/2026;non\n"
          "300102;Da Costa;Joël;Adjoint technique;Services techniques;Agent des espaces verts;Bruno Caillaud;"
          "Responsable technique;02/11/2026;17/11/2026;non\n")
PREVIOUS = {"300101": ["Mettre à jour le registre d’état civil", "Former l’agente d’accueil",
                       "Classer les archives de 2019", "Numériser les actes anciens"]}
XS = "{http://www.w3.org/XML/1998/namespace}space"


@pytest.fixture(scope="module")
def form_i(tmp_path_factory):
    """Form I imported (its mapping as the importer writes it, untouched), then its reports generated."""
    base = tmp_path_factory.mktemp("form_i")
    model = base / FORM_I.name
    model.write_bytes(FORM_I.read_bytes())
    result = import_form(model, catalogue=for_public_service(BASE, "territoriale"), output=base / "formulaire.yaml")
    (base / "agents.csv").write_text(ROSTER, encoding="utf-8")
    (base / "config.yaml").write_text("liste_agents: agents.csv\nformulaire: formulaire.yaml\n"
                                      "fonction_publique: territoriale\n", encoding="utf-8")
    config = load_config(base / "config.yaml")
    reports = generate(config, today=dt.date(2026, 11, 2), previous_objectives=lambda n: PREVIOUS.get(n, [])).reports
    return result, config, {n: next(p for p in reports if f"_{n}_" in p.name) for n in ("300101", "300102")}


def texts(path: Path) -> list[str]:
    with open_document(path) as package:
        return [line.text for line, _ in layout_of(package).lines()]


def test_form_i_s_three_lists_are_imported_and_checked(form_i):
    result, config, _ = form_i
    places = {key: placed for key, placed in result.mapping.places.items()}
    assert places[cat.PREVIOUS_RESULTS].spec["colonnes"] == {"objectif": "", "atteinte": "Atteinte"}
    assert places[cat.NEXT_OBJECTIVES].spec == {"liste": "Objectifs", "colonnes": {"objectif": ""}}
    assert places[cat.TRAINING_NEEDS].spec == {"liste": "Formations demandées",
                                               "colonnes": {"intitule": "", "type": "", "avis": ""}}
    assert all(places[key].checked for key in (cat.PREVIOUS_RESULTS, cat.NEXT_OBJECTIVES, cat.TRAINING_NEEDS))
    # no more « Atteinte », « Atteinte (2) »… proposed as fields of their own
    assert not [f for f in result.mapping.added if "atteinte" in f["key"] or f["key"].startswith("objectifs")]


def test_generer_writes_last_year_s_objectives_on_the_list_s_blank_lines_and_more_on_new_ones(form_i):
    _, _, reports = form_i
    lines = texts(reports["300101"])
    at = next(n for n, t in enumerate(lines) if t.startswith("Rappel des objectifs"))
    assert [re.sub(r"\s+", " ", t) for t in lines[at + 1:at + 5]] == [
        "1. Mettre à jour le registre d’état civil Atteinte : ………………………………",
        "2. Former l’agente d’accueil Atteinte : ………………………………",
        "3. Classer les archives de 2019 Atteinte : ………………………………",
        "4. Numériser les actes anciens Atteinte :"]
    other = texts(reports["300102"])  # no objectives: the list as printed
    at = next(n for n, t in enumerate(other) if t.startswith("Rappel des objectifs"))
    assert all(t.startswith(f"{n}. ……") for n, t in enumerate(other[at + 1:at + 4], 1))


def _paragraphs(doc):
    return list(doc.element.body.iter(qn("w:p")))


def _text(p) -> str:
    return "".join(t.text or "" for t in p.iter(qn("w:t"))).replace("\u00a0", " ")


def _type(p, value: str, *, after: str | None = None) -> None:
    """Type ``value`` as Word does: over the first run of dots or underlined spaces (after the text
    ``after`` when given), else at the paragraph's end."""
    seen = after is None
    for t in p.iter(qn("w:t")):
        if not seen:
            seen = after in (t.text or "").replace("\u00a0", " ")
            continue
        if t.text and not t.text.strip(" .…_\u00a0"):
            t.text = value
            t.set(XS, "preserve")
            return
    run, t = OxmlElement("w:r"), OxmlElement("w:t")
    t.text, _ = " " + value, t.set(XS, "preserve")
    run.append(t)
    p.append(run)


def fill_form_i(report: Path, destination: Path) -> Path:
    """Agent 300101's report filled at stage 1 as the secretary's manager fills it in Word."""
    doc = WordDocument(report)
    paragraphs = _paragraphs(doc)

    def first(start: str, after_index: int = 0):
        return next(n for n, p in enumerate(paragraphs) if n >= after_index and _text(p).startswith(start))

    def lines_under(label: str, values: list[str]) -> None:
        at = first(label)
        for p, value in zip(paragraphs[at + 1:], values):
            _type(p, value)

    lines_under("Missions principales du poste", ["Accueil du public et état civil."])
    at = first("Rappel des objectifs")
    for p, level in zip(paragraphs[at + 1:at + 5], ["atteint", "partiellement atteint", "non atteint", "atteint"]):
        _type(p, level, after="Atteinte")
    lines_under("Objectifs (indiquer", ["Délivrer les actes sous 48 h – indicateur : délai moyen",
                                        "Ouvrir la prise de rendez-vous en ligne"])
    for table in doc.tables:
        for row in table.rows[2:]:
            label = row.cells[0].text
            level = {"Compétences": 3, "Contribution": 3, "Qualités": 4}.get(label.split()[0])
            if level:
                row.cells[level].paragraphs[0].add_run("X")
    lines_under("Appréciation littérale", ["Agente fiable, appréciée du public."])
    for label, box, ticked in [("L’agent a été informé", "O Oui", "X Oui"), ("Agent au dernier échelon", "❑ Non",
                                                                                  "☒ Non")]:
        for t in paragraphs[first(label)].iter(qn("w:t")):
            if t.text and box in t.text:
                t.text = t.text.replace(box, ticked)
    lines_under("Perspectives d’évolution de carrière", ["Préparer le concours de rédacteur."])
    at = first("Formations demandées")
    for p, value in zip(paragraphs[at + 1:at + 3], ["Perfectionnement état civil – perfectionnement – avis favorable",
                                                     "Accueil des publics difficiles – professionnalisation"]):
        runs = [r for r in p.iter(qn("w:r")) if r.find(qn("w:rPr")) is not None
                and r.find(qn("w:rPr")).find(qn("w:u")) is not None]
        runs[0].find(qn("w:t")).text = value
    _type(paragraphs[first("Nom et signature de l’évaluateur")], "Nathalie Perrin")
    _type(paragraphs[first("Date de signature de l’évaluateur")], "20/11/2026")
    doc.save(destination)
    return destination


def test_a_copy_of_form_i_filled_as_a_manager_is_accepted_with_its_lists_and_the_plan_holds_its_needs(
        form_i, tmp_path, convert):
    import pipeline

    _, config, reports = form_i
    filled = fill_form_i(reports["300101"], tmp_path / "CR Lemaire.docx")
    report = read_report(filled, config.form)
    assert report.tables[cat.PREVIOUS_RESULTS] == [
        {"objectif": text, "atteinte": level} for text, level in
        zip(PREVIOUS["300101"], ["atteint", "partiellement atteint", "non atteint", "atteint"])]
    assert [r["objectif"] for r in report.tables[cat.NEXT_OBJECTIVES]] == [
        "Délivrer les actes sous 48 h – indicateur : délai moyen", "Ouvrir la prise de rendez-vous en ligne"]
    needs = [{"intitule": "Perfectionnement état civil", "type": "perfectionnement", "avis": "avis favorable"},
             {"intitule": "Accueil des publics difficiles", "type": "professionnalisation", "avis": ""}]
    assert [{k: r[k] for k in ("intitule", "type", "avis")} for r in report.tables[cat.TRAINING_NEEDS]] == needs
    odt = convert([filled], "odt") / filled.with_suffix(".odt").name
    assert read_report(odt, config.form).tables == report.tables  # the same copy saved by LibreOffice
    config.inbox.mkdir(parents=True, exist_ok=True)
    (config.inbox / filled.name).write_bytes(filled.read_bytes())
    settle(config.inbox)
    passed = pipeline.process_inbox(config, received_on=dt.date(2026, 11, 21))
    (handled,) = passed.handled
    assert (handled.outcome, handled.stage) == ("accepted", 1), handled.reasons
    plan = (config.outbox / "plan_de_formation.csv").read_text(encoding="utf-8-sig")
    assert "Perfectionnement état civil" in plan and "Accueil des publics difficiles" in plan


def test_form_i_saved_as_odt_is_imported_and_generated_with_its_lists_alike(tmp_path, convert):
    """The same form kept as an .odt (LibreOffice's lists, its own numbering): the same three lists,
    last year's objectives written on its lines."""
    odt = convert([FORM_I], "odt") / FORM_I.with_suffix(".odt").name
    model = tmp_path / odt.name
    model.write_bytes(odt.read_bytes())
    result = import_form(model, catalogue=for_public_service(BASE, "territoriale"), output=tmp_path / "formulaire.yaml")
    specs = {key: result.mapping.places[key].spec for key in (cat.PREVIOUS_RESULTS, cat.NEXT_OBJECTIVES,
                                                                  cat.TRAINING_NEEDS)}
    assert specs[cat.PREVIOUS_RESULTS]["colonnes"] == {"objectif": "", "atteinte": "Atteinte"}
    assert specs[cat.NEXT_OBJECTIVES]["colonnes"] == {"objectif": ""}
    assert specs[cat.TRAINING_NEEDS]["colonnes"] == {"intitule": "", "type": "", "avis": ""}
    (tmp_path / "agents.csv").write_text(ROSTER, encoding="utf-8")
    (tmp_path / "config.yaml").write_text("liste_agents: agents.csv\nformulaire: formulaire.yaml\n"
                                          "fonction_publique: territoriale\n", encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    reports = generate(config, today=dt.date(2026, 11, 2), previous_objectives=lambda n: PREVIOUS.get(n, [])).reports
    report = next(p for p in reports if "_300101_" in p.name)
    assert report.suffix == ".odt"
    assert [r["objectif"] for r in read_report(report, config.form).tables[cat.PREVIOUS_RESULTS]] == PREVIOUS["300101"]


def test_two_lists_of_one_label_in_two_parts_are_each_looked_up_in_its_part(tmp_path):
    """« Objectifs : » under last year's part and again under next year's: each list is read in its own
    part (before, next year's objectives were read from last year's lines)."""
    layout = form_with(line("II. BILAN DE L'ANNÉE ÉCOULÉE"), line("Objectifs :"),
                       words("1. ……………………………  Réalisation : ………"), words("2. ……………………………  Réalisation : ………"),
                       line("III. OBJECTIFS FIXÉS POUR L'ANNÉE À VENIR"), line("Objectifs :"),
                       words("1. ……………………………"), words("2. ……………………………"))
    mapping, checked = map_layout(layout, cat.DEFAULT)
    results, objectives = mapping.places[cat.PREVIOUS_RESULTS], mapping.places[cat.NEXT_OBJECTIVES]
    assert results.spec["section"] == "II. BILAN DE L'ANNÉE ÉCOULÉE"
    assert objectives.spec["section"] == "III. OBJECTIFS FIXÉS POUR L'ANNÉE À VENIR"
    assert checked and results.checked and objectives.checked


# -- boxes on a list's lines: imported, kept by generer --------------------------------------------------

LEVELS = "☐ atteint   ☐ partiellement atteint   ☐ non atteint"


def word_form(path: Path, results: list[str]) -> Path:
    """A form of paragraphs made in Word, its last year's objectives as ``results``."""
    document = WordDocument()
    for text in ["COMPTE RENDU D'ENTRETIEN PROFESSIONNEL", "1. IDENTIFICATION DE L'AGENT", "Nom : ………………………",
                 "Prénom : ………………………", "Date de l'entretien : ………………………", *results,
                 "3. OBJECTIFS POUR L'ANNÉE À VENIR", "Objectifs :", "1. ……………………………………", "2. ……………………………………",
                 "4. MANIÈRE DE SERVIR", "Appréciation générale :", "………………………………………………",
                 "5. BESOINS DE FORMATION", "☐ Aucun besoin de formation exprimé",
                 "6. SIGNATURES", "Nom et prénom de l'évaluateur : ………………………", "Date : ………………………"]:
        document.add_paragraph(text)
    document.save(path)
    return path


@pytest.mark.parametrize("results", [
    ["2. RÉSULTATS PROFESSIONNELS", "Objectifs de l’an dernier :", *[f"{n}. ……………………………   {LEVELS}" for n in (1, 2, 3)]],
    ["2. RÉSULTATS PROFESSIONNELS OBTENUS", *[f"{n}. ……………………………   {LEVELS}" for n in (1, 2, 3)]],
    ["2. RÉSULTATS PROFESSIONNELS", "Objectifs de l’an dernier :", *[f"– ……………………………   {LEVELS}"] * 3],
], ids=["under a label", "under the part's title", "dashes"])
def test_boxes_on_a_list_s_lines_are_its_level_column_and_generer_keeps_them(tmp_path, results):
    """« 1. ……… ☐ atteint ☐ partiellement atteint ☐ non atteint »: the boxes are the level column (its
    choices are the catalogue's), required as it is; generer writes last year's objectives before the
    boxes, which stay for the evaluator, and prints them on the lines it adds."""
    model = word_form(tmp_path / "modele.docx", results)
    result = import_form(model, output=tmp_path / "formulaire.yaml")
    spec = result.mapping.places[cat.PREVIOUS_RESULTS].spec
    assert spec["colonnes"] == {"objectif": "", "atteinte": {"cases": {
        "atteint": "atteint", "partiellement atteint": "partiellement atteint", "non atteint": "non atteint"}}}
    assert result.mapping.places[cat.PREVIOUS_RESULTS].checked
    (tmp_path / "agents.csv").write_text(ROSTER, encoding="utf-8")
    (tmp_path / "config.yaml").write_text("liste_agents: agents.csv\nformulaire: formulaire.yaml\n", encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    assert next(c for c in config.catalogue.field(cat.PREVIOUS_RESULTS).columns if c.key == "atteinte").required
    reports = generate(config, today=dt.date(2026, 11, 2), previous_objectives=lambda n: PREVIOUS.get(n, [])).reports
    report = next(p for p in reports if "_300101_" in p.name)
    lines = [re.sub(r"\s+", " ", t) for t in texts(report) if "atteint" in t]
    assert [t.split(" ☐")[0].lstrip("1234. –") for t in lines] == PREVIOUS["300101"]
    marks = [t.split()[0] for t in lines]  # the line added numbered, or dashed, as the others
    assert marks == ["1.", "2.", "3.", "4."] or marks == ["–"] * 4
    assert all(t.endswith(re.sub(r"\s+", " ", LEVELS)) for t in lines)
    rows = read_report(report, config.form).tables[cat.PREVIOUS_RESULTS]
    assert [r["objectif"] for r in rows] == PREVIOUS["300101"] and {r["atteinte"] for r in rows} == {""}


# -- lists numbered by the word processor: Word's numbering on any paragraph, LibreOffice's lists -------


def numbered_form(path: Path, *, empty: bool) -> Path:
    """A form made in Word whose lists are numbered by Word's numbering button on Normal paragraphs
    (w:numPr, no list style): last year's objectives over dots and « Atteinte : », next year's and the
    training asked for over dots, or, ``empty``, over empty numbered paragraphs (the number drawn alone)."""
    document = WordDocument()
    numbered_style = document.styles["List Number"].element
    num_id = numbered_style.pPr.find(qn("w:numPr")).find(qn("w:numId")).get(qn("w:val"))

    def add(text: str, numbered: bool = False) -> None:
        paragraph = document.add_paragraph(text)
        if numbered:
            num_pr = OxmlElement("w:numPr")
            for tag, value in (("w:ilvl", "0"), ("w:numId", num_id)):
                child = OxmlElement(tag)
                child.set(qn("w:val"), value)
                num_pr.append(child)
            paragraph._p.get_or_add_pPr().append(num_pr)

    blank = "" if empty else "……………………………………"
    for text in ["COMPTE RENDU D'ENTRETIEN PROFESSIONNEL", "1. IDENTIFICATION DE L'AGENT", "Nom : ………………………",
                 "Prénom : ………………………", "Date de l'entretien : ………………………", "2. RÉSULTATS PROFESSIONNELS",
                 "Rappel des objectifs fixés l’an dernier :"]:
        add(text)
    for _ in range(3):
        add("……………………………………  Atteinte : ………………", numbered=True)
    add("3. OBJECTIFS POUR L'ANNÉE À VENIR")
    add("Objectifs de l’année à venir :")
    for _ in range(3):
        add(blank, numbered=True)
    add("4. BESOINS DE FORMATION")
    add("Formations demandées (intitulé – type : intégration, perfectionnement) :")
    for _ in range(2):
        add(blank, numbered=True)
    for text in ["5. MANIÈRE DE SERVIR", "Appréciation générale :", "………………………………", "6. SIGNATURES",
                 "Nom et prénom de l'évaluateur : ………………………", "Date : ………………………"]:
        add(text)
    document.save(path)
    return path


@pytest.mark.parametrize("empty", [False, True], ids=["over dots", "empty numbered paragraphs"])
@pytest.mark.parametrize("suffix", [".docx", ".odt"])
def test_paragraphs_numbered_by_word_or_in_a_libreoffice_list_are_a_list(tmp_path, convert, empty, suffix):
    """Word's numbering on Normal paragraphs (the number drawn, not typed), the same form saved by
    LibreOffice (its lists): each list is placed, generer writes last year's objectives on its lines and
    adds a numbered one, the copy reads them back (before, none was placed: « Atteinte », « Atteinte
    (2) »… proposed as fields, the training needs lost)."""
    model = numbered_form(tmp_path / "modele.docx", empty=empty)
    if suffix == ".odt":
        model = convert([model], "odt") / "modele.odt"
    result = import_form(model, output=tmp_path / "formulaire.yaml")
    specs = {key: result.mapping.places[key].spec for key in (cat.PREVIOUS_RESULTS, cat.NEXT_OBJECTIVES,
                                                                  cat.TRAINING_NEEDS)}
    assert specs[cat.PREVIOUS_RESULTS]["colonnes"] == {"objectif": "", "atteinte": "Atteinte"}
    assert specs[cat.NEXT_OBJECTIVES] == {"liste": "Objectifs de l’année à venir", "colonnes": {"objectif": ""}}
    assert specs[cat.TRAINING_NEEDS]["colonnes"] == {"intitule": "", "type": ""}
    (tmp_path / "agents.csv").write_text(ROSTER, encoding="utf-8")
    (tmp_path / "config.yaml").write_text("liste_agents: agents.csv\nformulaire: formulaire.yaml\n", encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    reports = generate(config, today=dt.date(2026, 11, 2), previous_objectives=lambda n: PREVIOUS.get(n, [])).reports
    report = next(p for p in reports if "_300101_" in p.name)
    rows = read_report(report, config.form).tables[cat.PREVIOUS_RESULTS]
    assert [r["objectif"] for r in rows] == PREVIOUS["300101"]
    with open_document(report) as package:
        written = [line for line, _ in layout_of(package).lines() if "Atteinte" in line.text]
    assert len(written) == 4 and all(line.numbered for line in written)


@pytest.mark.parametrize("instruction, separator, typed", [
    ("(intitulé – type : intégration, perfectionnement – avis du N+1)", "–", "Excel – perfectionnement – favorable"),
    ("(intitulé / type : intégration, perfectionnement / avis du N+1)", "/", "Excel / perfectionnement / favorable"),
    ("(intitulé ; type : intégration, perfectionnement ; avis du N+1)", ";", "Excel ; perfectionnement ; favorable"),
    ("(intitulé, type, avis du N+1)", ",", "Excel, perfectionnement, favorable"),
])
def test_the_columns_an_instruction_names_between_any_separator_are_the_list_s(tmp_path, instruction, separator, typed):
    """« (intitulé / type : … / avis du N+1) », with « ; » or commas: the columns, their choices, and
    the separator a line is cut at (before, only dashes: the training plan had no type)."""
    blank = form_with(line("II. OBJECTIFS FIXÉS POUR L'ANNÉE À VENIR"), line("Objectifs :"),
                      words("1. ……………………………"), words("2. ……………………………"),
                      line("III. BESOINS DE FORMATION"), line(f"Formations demandées {instruction} :"),
                      words("1. ______________________"), words("2. ______________________"))
    mapping, checked = map_layout(blank, cat.DEFAULT)
    placed = mapping.places[cat.TRAINING_NEEDS]
    assert placed.spec["colonnes"] == {"intitule": "", "type": "", "avis": ""}
    assert placed.spec.get("separateur", "–") == separator and checked and placed.checked
    places = f"besoins_formation: {{liste: Formations demandées, colonnes: {{intitule: '', type: '', avis: ''}}, " \
             f"separateur: '{separator}'}}\n"
    row = read(layout(f"Formations demandées {instruction} :", f"1. {typed}"),
               employer_form(tmp_path, places, TRAINING_CATALOGUE)).tables[cat.TRAINING_NEEDS]
    assert row == [{"intitule": "Excel", "type": "perfectionnement", "avis": "favorable"}]


@pytest.mark.parametrize("typed, row", [
    ("1. intégration : formation d’intégration catégorie C",
     {"intitule": "formation d’intégration catégorie C", "type": "intégration", "avis": ""}),
    ("1. Word, intégration", {"intitule": "Word", "type": "intégration", "avis": ""}),
    ("1. Excel (perfectionnement), avis favorable", {"intitule": "Excel", "type": "perfectionnement", "avis": "favorable"}),
    ("1. Excel : niveau avancé – perfectionnement", {"intitule": "Excel : niveau avancé", "type": "perfectionnement",
                                                     "avis": ""}),
])
def test_a_choice_written_another_way_than_the_form_says_is_still_its_column_s(tmp_path, typed, row):
    """The type after a colon, a comma, in brackets: before, « la colonne Type n'est pas remplie » while
    it was written on the line."""
    form = employer_form(tmp_path, TRAINING, PARTS + TRAINING_CATALOGUE)
    report = read(layout("8. Besoins de formation", "Formations demandées (intitulé – type – avis du N+1) :", typed,
                         "9. Perspectives d’évolution professionnelle"), form)
    assert report.tables[cat.TRAINING_NEEDS] == [row]


@pytest.mark.parametrize("typed", ["1. Mettre à jour le registre – atteint", "1. Mettre à jour le registre : atteint",
                                   "1. Mettre à jour le registre (atteint)", "1. Mettre à jour le registre  Atteinte : atteint",
                                   "1. Mettre à jour le registre  atteinte: atteint"])
def test_a_level_typed_without_its_label_is_still_the_level(tmp_path, typed):
    """« Atteinte : » written over (the manager retyped the whole line): the level is still read."""
    form = employer_form(tmp_path, RESULTS.rstrip(" ") + "    evenements: {sous_libelle: Événements}\n", """\
        catalogue:
          modifier:
            resultats:
              columns:
              - {key: objectif, label: Objectif, required: true}
              - {key: atteinte, label: Atteinte, kind: choice, required: true,
                 choices: [atteint, partiellement atteint, non atteint, devenu sans objet]}
        """)
    report = read(layout("Rappel des objectifs fixés l’an dernier :", typed, "2. …………………  Atteinte : ………",
                         "Événements :"), form)
    assert report.tables[cat.PREVIOUS_RESULTS] == [{"objectif": "Mettre à jour le registre", "atteinte": "atteint"}]


def test_an_item_typed_on_after_enter_is_one_row_and_neant_is_no_row(tmp_path):
    """Enter pressed inside an item of a list numbered by hand, its text going on in lower case: one
    row (a line starting in capitals is a row of its own); « Néant », « Aucun » on a line: no row, the
    table then asks for a row or its « none » box."""
    form = employer_form(tmp_path, TRAINING, PARTS + TRAINING_CATALOGUE)
    report = read(layout("8. Besoins de formation", "Formations demandées (intitulé – type – avis du N+1) :",
                         "1. Accueil des publics – professionnalisation", "en lien avec le service population",
                         "Word – intégration", "2. Néant", "Aucun.", "9. Perspectives d’évolution professionnelle"),
                  form)
    assert [(r["intitule"], r["type"]) for r in report.tables[cat.TRAINING_NEEDS]] == [
        ("Accueil des publics – en lien avec le service population", "professionnalisation"),
        ("Word", "intégration")]
    empty = read(layout("8. Besoins de formation", "Formations demandées (intitulé – type – avis du N+1) :",
                        "1. Néant", "2. ______", "9. Perspectives d’évolution professionnelle"), form)
    assert empty.tables[cat.TRAINING_NEEDS] == []
