"""Reading a report on its layout (pipeline/employer_read.py): a copy of an employer's own form
(each kind of place, sections, recognition, identification), our own template saved as an .odt,
and the whole pipeline on such copies (process_inbox with ``formulaire: formulaire.yaml``).

The unit tests read layouts made here by hand (pipeline.layout's model); the others read the two
shared forms of ../shared/forms (``ENTRETIENS_FORMULAIRES`` elsewhere) through the real extractors,
with the mappings of tests/forms/ written as the importer should write them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from pipeline import catalogue as cat
from pipeline.config import load_config
from pipeline.dates import parse_date
from pipeline.employer_read import identify_agent, person_key, read_layout, roster_names
from pipeline.form import Form
from pipeline.layout import Cell, Layout, Line, Piece, Table
from pipeline.outcomes import AMBIGUOUS_NAME, UNKNOWN_NAME, NotAReport, OtherForm
from pipeline.read import Report, read_report
from pipeline.text import normalize_label

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "forms"
# Copies saved by LibreOffice 25.2 (Debian 13), which CI's LibreOffice 7.4 cannot make: made by make.py there.
LIBREOFFICE_25 = Path(__file__).parent / "field_cases" / "libreoffice_25"
FORMS = Path(os.environ.get("ENTRETIENS_FORMULAIRES", REPO.parent / "shared" / "forms"))
RECEIVED = dt.date(2026, 11, 2)


# -- layouts made by hand ---------------------------------------------------------------------------


def line(text: str = "", *, heading: int | None = None) -> Line:
    """A paragraph: ``\\t`` a tab, ``\\n`` a break inside it."""
    pieces = []
    for i, part in enumerate(text.split("\t")):
        if i:
            pieces.append(Piece("tab"))
        for j, bit in enumerate(part.split("\n")):
            if j:
                pieces.append(Piece("break"))
            if bit:
                pieces.append(Piece("text", bit))
    return Line(pieces=pieces, heading=heading)


@dataclass
class C:
    """A cell as a test writes it: its text (one line a line) or its blocks, and its spans."""

    content: str | list = ""
    rows: int = 1
    columns: int = 1


def table(*rows: list) -> Table:
    """A table from rows of cells (text or :class:`C`), placed on the grid as Word and
    LibreOffice do: a cell spanning rows covers the cells under it, which the rows below omit."""
    taken: set[tuple[int, int]] = set()
    result = Table()
    for r, specs in enumerate(rows):
        cells, c = [], 0
        for spec in specs:
            spec = spec if isinstance(spec, C) else C(spec)
            while (r, c) in taken:
                c += 1
            blocks = [line(t) for t in spec.content.split("\n")] if isinstance(spec.content, str) else spec.content
            cells.append(Cell(row=r, column=c, row_span=spec.rows, column_span=spec.columns, blocks=blocks))
            taken.update((rr, cc) for rr in range(r, r + spec.rows) for cc in range(c, c + spec.columns))
            c += spec.columns
        result.rows.append(cells)
    result.grid_columns = max(c for _, c in taken) + 1
    return result


def layout(*blocks, footers=(), properties=None, fmt="docx") -> Layout:
    return Layout(blocks=[line(b) if isinstance(b, str) else b for b in blocks], footers=list(footers),
                  properties=dict(properties or {}), format=fmt)


def employer_form(tmp_path: Path, places: str, catalogue: str = "") -> Form:
    """The form of a formulaire.yaml holding these places (and catalogue changes)."""
    text = ("modele: modele.docx\nempreinte: F-0123456789\nnom: Formulaire du CH d'essai\n"
            + textwrap.dedent(catalogue) + "emplacements:\n" + textwrap.indent(textwrap.dedent(places), "  "))
    (tmp_path / "formulaire.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "config.yaml").write_text("formulaire: formulaire.yaml\n", encoding="utf-8")
    return load_config(tmp_path / "config.yaml").form


def read(document: Layout, form: Form) -> Report:
    return read_layout(document, form, path=Path("copie.docx"), name="copie.docx")


# -- after_label --------------------------------------------------------------------------------------


def test_after_label_reads_the_rest_of_the_line_without_its_colon_leaders_and_tabs(tmp_path):
    form = employer_form(tmp_path, """\
        prenom: {apres_libelle: Prénom}
        date_convocation: {apres_libelle: Date de la convocation}
        grade: {apres_libelle: Grade}
        poste: {apres_libelle: Intitulé du poste}
        """)
    report = read(layout("Prénom : Élodie ..........................",
                         "Date de la convocation :\t29/09/2026\t____________",
                         "Grade:Infirmière … … … … …",
                         "Intitulé du poste : ....................."), form)
    assert (report.values[cat.FIRST_NAME], report.values[cat.GRADE], report.values["poste"]) == (
        "Élodie", "Infirmière", "")
    assert report.dates[cat.INVITATION_DATE] == dt.date(2026, 9, 29)
    assert report.found_by[cat.FIRST_NAME] == "after_label"


@pytest.mark.parametrize("written, read_as", [
    ("Date de l'entretien : ____/____/______", ""),  # the blank as printed: nothing typed
    ("Date de l'entretien : ../../....", ""),
    ("Date de l'entretien : 15/10/2026", "15/10/2026"),
    ("Date de l'entretien : _14_/_10_/_2026_", "14/10/2026"),  # typed into the blank
    ("Date de l'entretien : 15/10/2026/____/______", "15/10/2026"),  # typed over its first run only
    ("Date de l'entretien : le ____/____/______", ""),
])
def test_a_date_s_blank_is_no_answer_and_a_date_typed_into_it_is_the_date(tmp_path, written, read_as):
    form = employer_form(tmp_path, """\
        date_entretien: {apres_libelle: Date de l'entretien}
        signature_evaluateur: {apres_libelle: Signature de l'évaluateur}
        """)
    report = read(layout(written, "Signature de l'évaluateur : __________________   le ____/____/______"), form)
    assert report.values["date_entretien"] == read_as
    assert report.values["signature_evaluateur"] == ""  # its date's blank and the « le » the form's
    assert report.dates["date_entretien"] == (parse_date(read_as) if read_as else None)
    assert "date_entretien" not in report.unreadable_dates


@pytest.mark.parametrize("evaluator, agent, read_as", [
    ("N. Girard   le 20/10/2026", "__________________   le ____/____/______",
     ("N. Girard", "20/10/2026", "", "")),
    ("N. Girard ______   le 20/10/2026", "É. Martin   le 2 novembre 2026",
     ("N. Girard", "20/10/2026", "É. Martin", "2 novembre 2026")),
    ("__________________   le ____/____/______", "É. Martin   le 02-11-2026", ("", "", "É. Martin", "02-11-2026")),
    # typed with one space before « le »: before, the evaluator's date was not found and the agent's read as it
    ("N. Girard le 20/10/2026", "É. Martin le 2 novembre 2026",
     ("N. Girard", "20/10/2026", "É. Martin", "2 novembre 2026")),
    ("N. Girard le 20/10/2026", "__________________   le ____/____/______", ("N. Girard", "20/10/2026", "", "")),
])
def test_a_date_after_le_on_a_signature_line_is_its_own_place(tmp_path, evaluator, agent, read_as):
    """« Signature de l'évaluateur : ________ le ____/____/______ »: the signature up to « le », the
    date after it (each « le » by its rank under the part's title), blank or typed."""
    form = employer_form(tmp_path, """\
        signature_evaluateur: {apres_libelle: Signature de l'évaluateur, jusqu_a: le}
        date_signature_evaluateur: {apres_libelle: le, section: VII – SIGNATURES}
        signature_agent_observations: {apres_libelle: Signature de l'agent, jusqu_a: le}
        date_prise_connaissance: {apres_libelle: le, section: VII – SIGNATURES, occurrence: 2}
        """)
    report = read(layout("VII – SIGNATURES", f"Signature de l'évaluateur : {evaluator}", "Observations de l'agent :",
                         f"Signature de l'agent : {agent}"), form)
    assert (report.values["signature_evaluateur"], report.values["date_signature_evaluateur"],
            report.values["signature_agent_observations"], report.values["date_prise_connaissance"]) == read_as


def test_a_date_after_le_in_a_sentence_is_no_signature_s_date(tmp_path):
    """« le » and a date in the agent's observations (no label of the form starts that line) is not the
    date's place: the signatures' dates keep their rank."""
    form = employer_form(tmp_path, """\
        observations_agent: {sous_libelle: Observations de l'agent}
        signature_evaluateur: {apres_libelle: Signature de l'évaluateur, jusqu_a: le}
        date_signature_evaluateur: {apres_libelle: le, section: VII – SIGNATURES}
        signature_agent_observations: {apres_libelle: Signature de l'agent, jusqu_a: le}
        date_prise_connaissance: {apres_libelle: le, section: VII – SIGNATURES, occurrence: 2}
        """)
    report = read(layout("VII – SIGNATURES", "Signature de l'évaluateur : N. Girard le 20/10/2026",
                         "Observations de l'agent :", "Entretien reporté le 12/10/2026 à ma demande.",
                         "Signature de l'agent : É. Martin le 02/11/2026"), form)
    assert (report.values["date_signature_evaluateur"], report.values["date_prise_connaissance"]) == (
        "20/10/2026", "02/11/2026")
    assert report.values["observations_agent"] == "Entretien reporté le 12/10/2026 à ma demande."


def test_two_fields_on_a_line_end_at_the_next_label_with_or_without_until(tmp_path):
    form = employer_form(tmp_path, """\
        grade: {apres_libelle: Grade, jusqu_a: Échelon}
        service: {apres_libelle: Échelon}
        evaluateur: {apres_libelle: Nom et prénom}
        date_signature_evaluateur: {apres_libelle: Date}
        """)
    report = read(layout("Grade : Infirmière en soins généraux\tÉchelon : 5\t",
                         "Nom et prénom : Nathalie GUÉRIN      Date : 15/10/2026"), form)
    assert report.values[cat.GRADE] == "Infirmière en soins généraux" and report.values[cat.SERVICE] == "5"
    assert report.values[cat.EVALUATOR] == "Nathalie GUÉRIN"
    assert report.dates[cat.EVALUATOR_SIGNATURE_DATE] == dt.date(2026, 10, 15)


def test_a_label_is_not_read_inside_a_longer_word_or_in_the_middle_of_a_sentence(tmp_path):
    form = employer_form(tmp_path, """\
        fonction_evaluateur: {apres_libelle: Fonction}
        prenom: {apres_libelle: Prénom}
        nom: {apres_libelle: Nom et prénom}
        """)
    report = read(layout("Fonctions d'encadrement : ☐ Oui ☒ Non",
                         "Nom et prénom : Nathalie GUÉRIN",
                         "Fonction : Cadre de santé",
                         "Prénom : Élodie"), form)
    assert report.values["fonction_evaluateur"] == "Cadre de santé"
    assert report.values[cat.FIRST_NAME] == "Élodie"  # « Nom et prénom : » is not « Prénom : »


def test_after_label_inside_a_cell_or_with_the_value_under_it_in_the_cell(tmp_path):
    form = employer_form(tmp_path, """\
        signature_evaluateur: {apres_libelle: Nom et prénom}
        date_signature_evaluateur: {apres_libelle: Date}
        """)
    report = read(layout(table(["L'évaluateur"], ["Nom et prénom : Marc PELLETIER"], ["Date :\n22/10/2026"])), form)
    assert report.values["signature_evaluateur"] == "Marc PELLETIER"
    assert report.dates[cat.EVALUATOR_SIGNATURE_DATE] == dt.date(2026, 10, 22)


def test_invisible_characters_and_odd_spaces_neither_hide_a_label_nor_stay_in_a_value(tmp_path):
    form = employer_form(tmp_path, """\
        nom: {apres_libelle: Nom de famille}
        prenom: {apres_libelle: Prénom}
        """)
    report = read(layout("Nom\u00a0de\u200b famille\u202f: MAR\u200bCHAND", "Prénom :\u00a0Élodie\u2060"), form)
    assert (report.values[cat.LAST_NAME], report.values[cat.FIRST_NAME]) == ("MARCHAND", "Élodie")


def test_a_label_retyped_with_other_spacing_and_quotes_is_still_found(tmp_path):
    form = employer_form(tmp_path, """\
        date_entretien: {apres_libelle: Date de l'entretien professionnel}
        service: {apres_libelle: Service / unité}
        """)
    report = read(layout("Date  de l’entretien\u00a0professionnel : 13/10/2026", "SERVICE/UNITÉ : Médecine"), form)
    assert report.dates[cat.REVIEW_DATE] == dt.date(2026, 10, 13) and report.values[cat.SERVICE] == "Médecine"


# -- below_label ----------------------------------------------------------------------------------------


def test_below_label_reads_the_lines_up_to_the_next_label_title_or_table(tmp_path):
    form = employer_form(tmp_path, """\
        missions: {sous_libelle: Missions principales du poste}
        encadre_agents: {cases: {oui: Oui, non: Non}, libelle: Fonctions d'encadrement}
        evenements: {sous_libelle: Événements survenus au cours de la période écoulée}
        acquis_experience: {sous_libelle: 4. ACQUIS DE L'EXPÉRIENCE PROFESSIONNELLE}
        appreciation_generale: {sous_libelle: Appréciation générale, jusqu_a: Fin de l'appréciation}
        """)
    report = read(layout(
        "Missions principales du poste :", "Soins infirmiers ;", "\t", "tutorat des étudiants.",
        "Fonctions d'encadrement :   ☐ Oui    ☒ Non",
        "2.2 Événements survenus au cours de la période écoulée :", "Fermeture de 6 lits.",
        "3. VALEUR PROFESSIONNELLE", "Texte imprimé du formulaire",
        "4. ACQUIS DE L'EXPÉRIENCE PROFESSIONNELLE", "Expertise douleur.", table(["Objectif"], ["Former"]),
        "Appréciation générale : Très bon agent,", "rigoureux.", "Fin de l'appréciation", "Signé"), form)
    assert report.values["missions"] == "Soins infirmiers ;\ntutorat des étudiants."
    assert report.values["evenements"] == "Fermeture de 6 lits."  # up to the title in capitals
    assert report.values["acquis_experience"] == "Expertise douleur."  # up to the table
    assert report.values["appreciation_generale"] == "Très bon agent,\nrigoureux."
    assert report.found_by["missions"] == "below_label"


@pytest.mark.parametrize("title", ["VI. SIGNATURES", "IV – BESOINS DE FORMATION", "II) MANIÈRE DE SERVIR",
                                   "  XII. OBSERVATIONS", "3. VALEUR PROFESSIONNELLE"])
def test_below_label_ends_at_the_next_part_numbered_in_roman_or_arabic_numerals(tmp_path, title):
    form = employer_form(tmp_path, """\
        perspectives_carriere: {sous_libelle: Carrière}
        """)
    report = read(layout("Carrière :", "Préparer le concours,", "VI bis : rester dans le service.", title,
                         "Texte imprimé du formulaire"), form)
    assert report.values["perspectives_carriere"] == "Préparer le concours,\nVI bis : rester dans le service."


def test_below_label_reads_the_framed_box_under_a_title_its_instruction_or_a_label(tmp_path):
    """A box to write in (a table of one cell) under the label: under a title, under the title's
    instruction in brackets, under a label with its colon, under a label with lines printed between
    (the form's own text, never the answer); typed on several lines, or left empty."""
    form = employer_form(tmp_path, """\
        appreciation_generale: {sous_libelle: "(valeur professionnelle, manière de servir)"}
        perspectives_carriere: {sous_libelle: 7. PERSPECTIVES D'ÉVOLUTION PROFESSIONNELLE}
        observations_agent: {sous_libelle: Observations de l'agent}
        missions: {sous_libelle: Missions du poste}
        evenements: {sous_libelle: Événements de l'année}
        """)
    box = lambda text="": table([text])  # noqa: E731 - a framed box, as the forms draw it
    report = read(layout(
        "8. APPRÉCIATION GÉNÉRALE LITTÉRALE", "(valeur professionnelle, manière de servir)",
        box("Agent rigoureux,\nà l'écoute."),
        "7. PERSPECTIVES D'ÉVOLUTION PROFESSIONNELLE", box("Préparer le concours."),
        "Observations de l'agent :", box(),
        "Missions du poste", "(décrire les missions principales, sans abréviation)", box("Accueil du public"),
        "Événements de l'année", "Déménagement du service.", table(["Date", "Événement"], ["", ""]),
        "Signatures"), form)
    assert report.values["appreciation_generale"] == "Agent rigoureux,\nà l'écoute."
    assert report.values["perspectives_carriere"] == "Préparer le concours."
    assert report.values["observations_agent"] == ""  # the box left empty: no instruction read as the answer
    assert report.values["missions"] == "Accueil du public"
    assert report.values["evenements"] == "Déménagement du service."  # a table of several cells is no box
    assert report.found_by["appreciation_generale"] == "below_label"


# -- cell -----------------------------------------------------------------------------------------------


def test_cell_beside_below_and_under_a_merged_column_header(tmp_path):
    form = employer_form(tmp_path, """\
        nom: {cellule: Nom, colonne: AGENT ÉVALUÉ}
        evaluateur: {cellule: Nom, colonne: SUPÉRIEUR HIÉRARCHIQUE DIRECT}
        date_entretien: {cellule: Date de l'entretien}
        date_convocation: {cellule: Date de la convocation}
        missions: {cellule: Missions et activités principales, direction: dessous}
        """)
    report = read(layout(
        table([C("1. IDENTIFICATION", columns=5)],
              ["", C("AGENT ÉVALUÉ", columns=2), C("SUPÉRIEUR HIÉRARCHIQUE DIRECT", columns=2)],
              ["Nom", C("ROCHER", columns=2), C("PELLETIER", columns=2)],
              ["Date de l'entretien", "20/10/2026", C("Date de la convocation", columns=2), "08/10/2026"]),
        table([C("Missions et activités principales\n(voir la fiche de poste)", columns=2)],
              [C([line("Entretien des espaces verts ;"),
                  table(["Secteur", "Nord"], ["Équipe", "3 agents"])], columns=2)])), form)
    assert (report.values[cat.LAST_NAME], report.values[cat.EVALUATOR]) == ("ROCHER", "PELLETIER")
    assert report.dates[cat.REVIEW_DATE] == dt.date(2026, 10, 20)
    assert report.dates[cat.INVITATION_DATE] == dt.date(2026, 10, 8)  # beside a label cell spanning two columns
    # A help line under the label; a table nested in the value cell is part of the value.
    assert report.values["missions"] == "Entretien des espaces verts ;\nSecteur\nNord\nÉquipe\n3 agents"


# -- boxes ----------------------------------------------------------------------------------------------

MANAGES = "encadre_agents: {cases: {oui: Oui, non: Non}, libelle: Fonctions d'encadrement}\n"


@pytest.mark.parametrize("ticked", ["☒", "✗", "X", "x", "■", "\uf0fe", "☑", "✓", "\uf06e", "\uf06c"])
def test_a_box_ticked_with_a_glyph_a_symbol_or_a_typed_x_gives_its_option(tmp_path, ticked):
    report = read(layout(f"Fonctions d'encadrement :   ☐ Oui    {ticked} Non      Si oui, nombre : ....."),
                  employer_form(tmp_path, MANAGES))
    assert report.values["encadre_agents"] == "non" and not report.unrecognised_marks


@pytest.mark.parametrize("boxes", ["[X] Oui     [ ] Non", "[x] Oui [ ] Non", "(X) Oui ( ) Non"])
def test_bracketed_boxes_typed_over(tmp_path, boxes):
    report = read(layout("Fonctions d'encadrement", boxes), employer_form(tmp_path, MANAGES))
    assert report.values["encadre_agents"] == "oui"


def test_a_check_box_field_legacy_or_odf_gives_its_option(tmp_path):
    document = layout(Line(pieces=[Piece("text", "Fonctions d'encadrement : "),
                                   Piece("field", field_kind="checkbox", checked=True, name="Case1"),
                                   Piece("text", " Oui "), Piece("field", field_kind="checkbox", checked=False),
                                   Piece("text", " Non")]))
    assert read(document, employer_form(tmp_path, MANAGES)).values["encadre_agents"] == "oui"


@pytest.mark.parametrize("boxes, mark", [("☒ Oui ☒ Non", "☒ Oui ☒ Non"), ("[?] Oui [ ] Non", "[?] Oui [ ] Non"),
                                         ("☛ Oui ☐ Non", "☛ Oui ☐ Non")])
def test_several_boxes_ticked_or_an_odd_mark_is_an_unrecognised_mark(tmp_path, boxes, mark):
    report = read(layout(f"Fonctions d'encadrement : {boxes}"), employer_form(tmp_path, MANAGES))
    assert report.values["encadre_agents"] == "" and mark in report.unrecognised_marks["encadre_agents"]


@pytest.mark.parametrize("boxes, read_as", [("O Oui    O Non", ""), ("X Oui    O Non", "oui"), ("O Oui    X Non", "non"),
                                            ("● Oui    O Non", "oui"), ("O Oui    ☒ Non", "non"),
                                            ("o Oui   x Non", "non"), ("O\u00a0Oui\tO\u00a0Non", "")])
def test_the_letter_o_typed_as_a_box_is_an_empty_box_and_a_mark_over_it_ticks_it(tmp_path, boxes, read_as):
    """A form typed on a keyboard draws its round boxes with the letter « O » (form I: « O Oui O Non »);
    the manager types an « X » over one, or puts a glyph in its place."""
    report = read(layout(f"Fonctions d'encadrement :    {boxes}"), employer_form(tmp_path, MANAGES))
    assert report.values["encadre_agents"] == read_as and not report.unrecognised_marks
    assert report.found_by["encadre_agents"] == "boxes"


def test_two_letter_o_boxes_ticked_is_an_unrecognised_mark_and_an_o_in_a_grid_s_cell_is_unsure(tmp_path):
    report = read(layout("Fonctions d'encadrement :    X Oui    X Non"), employer_form(tmp_path, MANAGES))
    assert report.several_ticked["encadre_agents"] == ["Oui", "Non"]
    form = employer_form(tmp_path, "competences: {grille: Compétences, colonnes: {A: A, B: B}}\n")
    graded = read(layout(grid(["Critère", "A", "B"], ["Compétences", "O", ""])), form)
    assert graded.values["competences"] == "" and graded.unrecognised_marks["competences"] == "A : O"


def test_no_box_ticked_is_an_empty_answer(tmp_path):
    report = read(layout("Fonctions d'encadrement : ☐ Oui ☐ Non"), employer_form(tmp_path, MANAGES))
    assert report.values["encadre_agents"] == "" and report.found_by["encadre_agents"] == "boxes"


def captioned(caption: str, checked: bool) -> Piece:
    """A check box control that draws its caption itself (an ODF form control, an ActiveX box)."""
    return Piece("field", caption, field_kind="checkbox", checked=checked)


@pytest.mark.parametrize("oui, non, no_need, read_as", [(False, True, True, "non"), (True, False, False, "oui"),
                                                         (False, False, True, "")])
def test_check_box_controls_drawing_their_caption_give_their_option(tmp_path, oui, non, no_need, read_as):
    form = employer_form(tmp_path, MANAGES + "aucun_besoin_formation: {cases: {oui: Aucun besoin de formation exprimé}}\n")
    document = layout(Line(pieces=[Piece("text", "Fonctions d'encadrement : "), captioned("Oui", oui),
                                   Piece("text", " "), captioned("Non", non)]),
                      Line(pieces=[captioned("Aucun besoin de formation exprimé", no_need)]))
    report = read(document, form)
    assert report.values["encadre_agents"] == read_as and report.values[cat.NO_TRAINING_NEED] is no_need


@pytest.mark.parametrize("boxes, named", [("☒ Oui ☒ Non", ["Oui", "Non"]), ("\uf0fe Oui   \uf0fe Non", ["Oui", "Non"]),
                                          ("■ Oui ✓ Non", ["Oui", "Non"])])
def test_several_boxes_ticked_are_named_in_the_note_and_a_symbol_font_s_box_is_quoted_as_a_box(tmp_path, boxes,
                                                                                                   named):
    from pipeline.validate import ValidationContext, validate

    form = employer_form(tmp_path, MANAGES + "appreciation_generale: {apres_libelle: Appréciation}\n")
    report = read(layout("Appréciation : Très bon travail.", f"Fonctions d'encadrement : {boxes}"), form)
    assert report.several_ticked["encadre_agents"] == named
    assert not any("\ue000" <= c <= "\uf8ff" for c in report.unrecognised_marks["encadre_agents"])
    findings = validate(report, form.catalogue, ValidationContext(campaign="2026", received=RECEIVED)).findings
    said = next(f.message for f in findings if f.field == "encadre_agents")
    label = form.catalogue.field("encadre_agents").label
    assert said == f"Plusieurs cases de «\u202f{label}\u202f» sont cochées (« Oui » et « Non ») : n'en laissez qu'une." \
        .replace("« ", "«\u202f").replace(" »", "\u202f»")


@pytest.mark.parametrize("line, quoted", [("☛ Oui \uf0a8 Non", "☛ Oui ☐ Non"), ("\uf04a Oui \uf0a8 Non", "? Oui ☐ Non")])
def test_an_odd_mark_in_a_symbol_font_is_quoted_as_a_box(tmp_path, line, quoted):
    """Wingdings' boxes quoted as ☐ and ☒, any other of its signs (a smiley) as « ? »: a private-use
    character shows as nothing in a note."""
    report = read(layout(f"Fonctions d'encadrement : {line}"), employer_form(tmp_path, MANAGES))
    assert "encadre_agents" not in report.several_ticked
    assert report.unrecognised_marks["encadre_agents"].endswith(quoted)


def test_boxes_on_the_lines_under_their_question_each_a_field_of_its_own(tmp_path):
    form = employer_form(tmp_path, """\
        souhait_maintien: {cases: {oui: Maintien dans le poste actuel}, libelle: Souhaits de l'agent}
        souhait_mobilite: {cases: {oui: Mobilité externe}, libelle: Souhaits de l'agent}
        aucun_besoin_formation: {cases: {oui: Aucun besoin de formation exprimé}}
        perspectives_carriere: {sous_libelle: Carrière}
        """, """\
        catalogue:
          ajouter:
            - {key: souhait_maintien, label: Maintien dans le poste actuel, section: perspectives, kind: bool}
            - {key: souhait_mobilite, label: Mobilité externe, section: perspectives, kind: bool}
        """)
    report = read(layout("Souhaits de l'agent (cocher) :", "☐ Maintien dans le poste actuel", "✗ Mobilité externe",
                         "Carrière :", "IPA en 2028.", "☐ Aucun besoin de formation exprimé"), form)
    assert (report.values["souhait_maintien"], report.values["souhait_mobilite"]) == (False, True)
    assert report.values[cat.NO_TRAINING_NEED] is False and report.values["perspectives_carriere"] == "IPA en 2028."


# -- grid -----------------------------------------------------------------------------------------------

GRID = """\
    fiabilite: {grille: Fiabilité du travail, rangee: par l'évaluateur, colonnes: {A: A, B: B, C: C, D: D}}
    auto_fiabilite: {grille: Fiabilité du travail, rangee: par l'agent, colonnes: {A: A, B: B, C: C, D: D}}
    delais: {grille: Respect des délais, colonnes: {A: A, B: B, C: C, D: D}}
    """
GRID_FIELDS = """\
    catalogue:
      ajouter:
        - {key: fiabilite, label: Fiabilité du travail, section: maniere_de_servir, kind: choice,
           choices: [A, B, C, D]}
        - {key: auto_fiabilite, label: Fiabilité du travail (par l'agent), section: appreciation, kind: choice,
           choices: [A, B, C, D]}
        - {key: delais, label: Respect des délais, section: maniere_de_servir, kind: choice, choices: [A, B, C, D]}
    """


def grid(*rows: list) -> Table:
    return table([C("Grille d'appréciation", columns=6)], ["Critères", "Appréciation", "A", "B", "C", "D"],
                 [C("4.1 Résultats professionnels", columns=6)], *rows)


@pytest.mark.parametrize("mark", ["X", "x", "✓", "●", "☒"])
def test_grid_reads_the_marked_column_of_the_criterion_s_sub_row(tmp_path, mark):
    report = read(layout(grid([C("Fiabilité du travail", rows=2), "par l'agent", "", mark, "", ""],
                              ["par l'évaluateur", mark, "", "", ""],
                              ["Respect des délais", "", "", "", "", mark])),
                  employer_form(tmp_path, GRID, GRID_FIELDS))
    assert (report.values["fiabilite"], report.values["auto_fiabilite"], report.values["delais"]) == ("A", "B", "D")


def test_two_marks_in_a_grid_row_are_unrecognised_and_none_is_empty(tmp_path):
    report = read(layout(grid([C("Fiabilité du travail", rows=2), "par l'agent", "", "", "", ""],
                              ["par l'évaluateur", "X", "X", "", ""],
                              ["Respect des délais", "", "", "", "", ""])),
                  employer_form(tmp_path, GRID, GRID_FIELDS))
    assert report.values["fiabilite"] == "" and "A : X" in report.unrecognised_marks["fiabilite"]
    assert report.values["auto_fiabilite"] == report.values["delais"] == "" and report.found_by["delais"] == "grid"


# -- form fields ----------------------------------------------------------------------------------------


def test_form_fields_by_name(tmp_path):
    form = employer_form(tmp_path, """\
        nom: {champ_formulaire: Texte1}
        date_entretien: {champ_formulaire: Date1}
        aucun_besoin_formation: {champ_formulaire: Case1}
        grade: {apres_libelle: Grade}
        """)
    document = layout(Line(pieces=[Piece("text", "Nom : "), Piece("field", "MARCHAND", name="Texte1",
                                                                  field_kind="text")]),
                      Line(pieces=[Piece("field", "13 octobre", name="Date1", field_kind="date", value="2026-10-13")]),
                      Line(pieces=[Piece("field", name="Case1", field_kind="checkbox", checked=True)]),
                      "Grade : IDE")
    report = read(document, form)
    assert report.values[cat.LAST_NAME] == "MARCHAND" and report.values[cat.NO_TRAINING_NEED] is True
    assert report.dates[cat.REVIEW_DATE] == dt.date(2026, 10, 13)  # the date the field stores


def test_a_form_field_s_section_picks_the_field_of_that_name_under_its_title(tmp_path):
    """GIVEN two form fields of one name (« Date »), one under each signatory's title, and places
    saying under which WHEN the copy is read THEN each reads the field under its own title, and a
    place whose title is not in the copy is absent."""
    form = employer_form(tmp_path, """\
        date_signature_evaluateur: {champ_formulaire: Date, section: SIGNATURE DE L'ÉVALUATEUR}
        date_prise_connaissance: {champ_formulaire: Date, section: SIGNATURE DE L'AGENT}
        date_visa: {champ_formulaire: Date, section: VISA DE L'AUTORITÉ}
        grade: {apres_libelle: Grade}
        """)
    document = layout("Grade : IDE", line("SIGNATURE DE L'AGENT", heading=2),
                      Line(pieces=[Piece("text", "Date : "), Piece("field", "16/10/2026", name="Date")]),
                      line("SIGNATURE DE L'ÉVALUATEUR", heading=2),
                      Line(pieces=[Piece("text", "Date : "), Piece("field", "15/10/2026", name="Date")]))
    report = read(document, form)
    assert report.dates[cat.EVALUATOR_SIGNATURE_DATE] == dt.date(2026, 10, 15)
    assert report.dates["date_prise_connaissance"] == dt.date(2026, 10, 16)
    assert "date_visa" in report.not_in_form


SMALL = """\
    nom: {apres_libelle: Nom de famille}
    prenom: {apres_libelle: Prénom}
    grade: {apres_libelle: Grade}
    poste: {apres_libelle: Intitulé du poste}
    missions: {sous_libelle: Missions principales du poste}
    """


# -- tables ---------------------------------------------------------------------------------------------

TABLE = """\
    resultats:
      tableau:
        objectif: Objectif fixé
        atteinte: {en_tete: Résultat (cocher), cases: {atteint: Atteint, non atteint: Non atteint}}
        commentaire: Commentaires
    """


def test_a_table_under_its_title_row_with_a_ticked_column_added_repeated_and_empty_rows(tmp_path):
    report = read(layout(table(
        [C("2.1 Résultats professionnels", columns=3)],
        ["Objectif fixé", "Résultat\n(cocher)", "Commentaires"],
        ["Référente douleur", "☒ Atteint\n☐ Non atteint", "92 %"],
        ["Objectif fixé", "Résultat (cocher)", "Commentaires"],  # the header again, after a page break
        ["", "☐ Atteint\n☐ Non atteint", ""],  # a blank row: its printed boxes are no answer
        ["Dossier informatisé", "☐ Atteint\n☒ Non atteint", ""],
        ["Ajoutée", "Atteint", "typed, no box left"],
        ["Deux cases", "☒ Atteint\n☒ Non atteint", ""])), employer_form(tmp_path, TABLE))
    assert report.tables[cat.PREVIOUS_RESULTS] == [
        {"objectif": "Référente douleur", "atteinte": "atteint", "commentaire": "92 %"},
        {"objectif": "Dossier informatisé", "atteinte": "non atteint", "commentaire": ""},
        {"objectif": "Ajoutée", "atteinte": "Atteint", "commentaire": "typed, no box left"},
        {"objectif": "Deux cases", "atteinte": "☒ Atteint ☒ Non atteint", "commentaire": ""},  # an invalid choice
    ]


def test_a_row_of_an_employer_s_table_saying_there_is_nothing_to_list_is_no_row(tmp_path):
    report = read(layout(table(["Objectif fixé", "Résultat (cocher)", "Commentaires"], ["Néant", "", ""],
                               ["", "☐ Atteint\n☐ Non atteint", ""])), employer_form(tmp_path, TABLE))
    assert report.tables[cat.PREVIOUS_RESULTS] == []


def test_a_table_whose_headers_are_gone_is_absent(tmp_path):
    form = employer_form(tmp_path, TABLE.rstrip() + "\n" + SMALL)
    labels = ["Nom de famille : X", "Prénom : Y", "Grade : Z", "Intitulé du poste : T",
              "Missions principales du poste :"]
    report = read(layout(table(["Objectif fixé", "Résultat (cocher)", "Commentaires"], ["A", "☒ Atteint", ""]),
                         *labels), form)
    assert report.tables[cat.PREVIOUS_RESULTS] == [{"objectif": "A", "atteinte": "atteint", "commentaire": ""}]
    report = read(layout(table(["Objectif", "Résultat"], ["A", "☒ Atteint"]), *labels), form)
    assert cat.PREVIOUS_RESULTS in report.not_in_form and report.tables[cat.PREVIOUS_RESULTS] == []


# -- sections and occurrences ---------------------------------------------------------------------------

SIGNATURES = """\
    signature_evaluateur: {apres_libelle: Nom et prénom, section: Évaluateur (supérieur hiérarchique direct)}
    date_signature_evaluateur: {apres_libelle: Date, section: Évaluateur (supérieur hiérarchique direct)}
    date_prise_connaissance: {apres_libelle: Date, section: Agent (prise de connaissance)}
    date_visa: {apres_libelle: Date, section: 9. SIGNATURES, occurrence: 3}
    """


def test_a_section_scopes_a_label_printed_several_times_and_occurrence_picks_one(tmp_path):
    report = read(layout("9. SIGNATURES", "Agent (prise de connaissance)", "Date : 20/10/2026",
                         "Évaluateur (supérieur hiérarchique direct)",
                         "Nom et prénom : N. GUÉRIN\tDate : 15/10/2026",
                         "Visa", "Date : 25/10/2026"), employer_form(tmp_path, SIGNATURES))
    assert report.dates[cat.EVALUATOR_SIGNATURE_DATE] == dt.date(2026, 10, 15)
    assert report.dates[cat.AGENT_ACK_DATE] == dt.date(2026, 10, 20)
    assert report.dates[cat.VISA_DATE] == dt.date(2026, 10, 25)


def test_a_section_titled_by_a_table_s_title_cell_spans_the_lines_after_the_table(tmp_path):
    form = employer_form(tmp_path, """\
        date_signature_evaluateur: {apres_libelle: Date, section: 10. SIGNATURES ET NOTIFICATION}
        date_visa: {apres_libelle: Date, section: 10. SIGNATURES ET NOTIFICATION, occurrence: 2}
        date_convocation: {apres_libelle: Date, section: 2. ENTRETIEN}
        """)
    report = read(layout(table(["2. ENTRETIEN"]), "Date : 01/10/2026",
                         table([C("10. SIGNATURES ET NOTIFICATION", columns=2)], ["L'évaluateur", "Visa"],
                               ["Date : 22/10/2026", "Date :"]), "Date : 30/10/2026"), form)
    assert report.dates[cat.INVITATION_DATE] == dt.date(2026, 10, 1)
    assert report.dates[cat.EVALUATOR_SIGNATURE_DATE] == dt.date(2026, 10, 22)
    assert report.values[cat.VISA_DATE] == ""  # the second « Date » of the section, in the visa's cell


def test_a_place_whose_section_is_not_in_the_copy_is_absent(tmp_path):
    report = read(layout("Évaluateur (supérieur hiérarchique direct)", "Nom et prénom : X\tDate : 15/10/2026",
                         "Date : 20/10/2026"), employer_form(tmp_path, SIGNATURES))
    assert cat.AGENT_ACK_DATE in report.not_in_form and report.dates[cat.EVALUATOR_SIGNATURE_DATE]


def test_an_unreadable_date_is_said_as_the_template_reader_says_it(tmp_path):
    report = read(layout("Date de l'entretien : 31/02/2026"),
                  employer_form(tmp_path, "date_entretien: {apres_libelle: Date de l'entretien}\n"))
    assert report.dates[cat.REVIEW_DATE] is None and "31/02/2026" in report.unreadable_dates[cat.REVIEW_DATE]


# -- recognition ------------------------------------------------------------------------------------------

def test_a_copy_of_another_form_is_turned_away_naming_the_form_and_what_the_copy_is(tmp_path):
    other = layout("COMPTE RENDU D'ENTRETIEN PROFESSIONNEL ANNUEL", table(["Nom", "ROCHER"], ["Prénom", "Julien"]),
                   "Grade : Adjoint technique", footers=["Mairie de Saint-Exemple — Entretien professionnel annuel"])
    with pytest.raises(OtherForm) as raised:
        read(other, employer_form(tmp_path, SMALL))
    message = raised.value.message
    assert raised.value.code == "autre_formulaire"
    assert "«\u202fFormulaire du CH d'essai\u202f» (F-0123456789)" in message
    assert "«\u202fCOMPTE RENDU D'ENTRETIEN PROFESSIONNEL ANNUEL\u202f»" in message
    assert "Mairie de Saint-Exemple" in message
    assert "seules 2 des 5 rubriques" in message


@pytest.mark.parametrize("version, said", [("F-9999999999", "empreinte F-9999999999"),
                                           ("CR-0a1b2c3d4e", "modèle du service RH (version CR-0a1b2c3d4e)")])
def test_a_copy_stamped_with_another_fingerprint_or_our_template_s_version_is_turned_away(tmp_path, version, said):
    copy = layout("Nom de famille : X", "Prénom : Y", "Grade : Z", "Intitulé du poste : T",
                  "Missions principales du poste :", properties={"cp:version": version})
    with pytest.raises(OtherForm, match=re.escape(said)):
        read(copy, employer_form(tmp_path, SMALL))


def test_a_document_that_is_no_review_report_is_not_a_report(tmp_path):
    with pytest.raises(NotAReport):
        read(layout("Compte de résultat 2026", "Nom : X"), employer_form(tmp_path, SMALL))


def test_a_copy_showing_most_of_the_form_s_labels_is_read(tmp_path):
    report = read(layout("Nom de famille : MARCHAND", "Prénom : Élodie", "Grade : IDE"),
                  employer_form(tmp_path, SMALL))
    assert report.values[cat.LAST_NAME] == "MARCHAND" and {"poste", "missions"} <= set(report.not_in_form)
    assert report.template_version == "F-0123456789"


# -- identification -------------------------------------------------------------------------------------

NAMES = {person_key("Marchand", "Élodie"): ["500001"], person_key("Martin", "Anne"): ["500002", "500003"]}


@pytest.mark.parametrize("where, how", [
    ({"properties": {"dc:identifier": "2026-100231"}}, "propriete"),
    ({"footers": ["CH de Val-Sainte-Marie — identifiant 2026-100231 — page 1"]}, "pied_de_page"),
    ({"properties": {"code_page": "ENTRETIENS|F-0123456789|2026|100231"}}, "code"),
])
def test_the_identifier_modeles_adds_identifies_the_copy(tmp_path, where, how):
    copy = layout("Nom de famille : MARCHAND", "Prénom : Élodie", "Grade : IDE", **where)
    report = read(copy, employer_form(tmp_path, SMALL))
    assert (report.report_id, report.campaign, report.agent_number, report.identified_by) == (
        "2026-100231", "2026", "100231", how)


def test_the_agent_number_field_identifies_a_copy_in_the_current_campaign(tmp_path):
    report = read(layout("Nom de famille : MARCHAND", "Prénom : Élodie", "Grade : IDE", "Matricule : 100 231"),
                  employer_form(tmp_path, SMALL.rstrip() + "\n    matricule: {apres_libelle: Matricule}\n"))
    assert identify_agent(report, "2026", lambda: pytest.fail("no roster needed")) is None
    assert (report.report_id, report.identified_by) == ("2026-100231", "matricule")


def test_a_copy_of_the_blank_form_is_identified_by_name_in_the_roster_whatever_the_case_and_accents(tmp_path):
    report = read(layout("Nom de famille : MARCHAND", "Prénom : ELODIE", "Grade : IDE"),
                  employer_form(tmp_path, SMALL))
    assert report.agent_number is None
    assert identify_agent(report, "2026", lambda: NAMES) is None
    assert (report.report_id, report.agent_number, report.identified_by) == ("2026-500001", "500001", "nom_prenom")
    # The identity fields the form does not hold take it (file names, workbooks).
    assert (report.values[cat.AGENT_NUMBER], report.values[cat.CAMPAIGN]) == ("500001", "2026")


@pytest.mark.parametrize("lines", [
    ["Nom de famille : BERNARD", "Nom d'usage : Marchand", "Prénom : Élodie"],  # the roster's is the usage name
    ["Nom de famille : ", "Nom d'usage : MARCHAND", "Prénom : Élodie"],  # only the usage name given
    ["Nom de famille : Marchand", "Nom d'usage : Lefort", "Prénom : Élodie"],  # the roster's is the birth name
    ["Nom de famille : ", "Nom de naissance : marchand", "Prénom : ELODIE"],
])
def test_a_copy_printing_several_names_is_identified_by_the_one_the_roster_knows(tmp_path, lines):
    places = (SMALL.rstrip() + "\n    nom_usage: {apres_libelle: Nom d'usage}"
              "\n    nom_naissance: {apres_libelle: Nom de naissance}\n")
    form = employer_form(tmp_path, places, catalogue="""\
        catalogue:
          ajouter:
            - {key: nom_usage, label: Nom d'usage, section: identite}
            - {key: nom_naissance, label: Nom de naissance, section: identite}
        """)
    report = read(layout(*lines, "Grade : IDE", "Intitulé du poste : Infirmière", "Missions principales du poste"),
                  form)
    assert identify_agent(report, "2026", lambda: NAMES) is None
    assert (report.agent_number, report.identified_by) == ("500001", "nom_prenom")


@pytest.mark.parametrize("last, first, reason, said", [
    ("Martin", "Anne", AMBIGUOUS_NAME, "(matricules 500002, 500003)"),
    ("Dupont", "Jean", UNKNOWN_NAME, "«\u202fJean DUPONT\u202f»"),
])
def test_an_ambiguous_or_unknown_name_has_its_own_reason(tmp_path, last, first, reason, said):
    report = read(layout(f"Nom de famille : {last}", f"Prénom : {first}", "Grade : IDE"),
                  employer_form(tmp_path, SMALL))
    found, params = identify_agent(report, "2026", lambda: NAMES)
    assert found is reason and said in found.finding(**params).message and report.agent_number is None


def test_roster_names_fold_case_accents_hyphens_and_apostrophes():
    @dataclass
    class Row:
        values: dict

    names = roster_names([("1", Row({cat.LAST_NAME: "D'Arcy-Lefèvre", cat.FIRST_NAME: "Anne-Sophie"}))])
    assert names[person_key("D’ARCY LEFEVRE", "anne sophie")] == ["1"]


# -- the shared forms, read through the real extractors -------------------------------------------------

needs_forms = pytest.mark.skipif(not FORMS.is_dir(), reason=f"formulaires partagés absents : {FORMS}")

# What *_attendu.json lists, section by section, label as printed -> the field (or table) of the mapping.
B_KEYS = {
    "Civilité": "civilite", "Nom de famille": "nom", "Prénom": "prenom", "Date de naissance": "date_naissance",
    "Corps": "corps", "Grade": "grade", "Échelon": "echelon", "Date d'entrée dans le grade": "date_entree_grade",
    "Nom et prénom de l'évaluateur": "evaluateur", "Fonction": "fonction_evaluateur",
    "Date de l'entretien professionnel": "date_entretien", "Date de la convocation": "date_convocation",
    "Pôle / direction": "pole", "Service / unité": "service", "Intitulé du poste": "poste",
    "Date d'affectation sur le poste": "date_affectation", "Missions principales du poste": "missions",
    "Fonctions d'encadrement": "encadre_agents",
    "2.1 Résultats professionnels obtenus au regard des objectifs fixés l'année précédente": "resultats",
    "2.2 Événements survenus au cours de la période écoulée ayant entraîné un impact sur l'activité": "evenements",
    "Qualité et fiabilité du travail réalisé": "qualite_travail",
    "Respect des protocoles et de la traçabilité": "respect_protocoles",
    "Connaissances professionnelles et techniques": "connaissances",
    "Capacité d'adaptation et d'initiative": "adaptation",
    "Organisation du travail et gestion des priorités": "organisation",
    "Relations avec les patients et leur entourage": "relations_patients",
    "Travail en équipe pluriprofessionnelle": "travail_equipe",
    "Respect du secret professionnel et de la déontologie": "secret_professionnel",
    "Capacité d'encadrement ou d'expertise, ou à exercer des fonctions d'un niveau supérieur": "capacite_encadrement",
    "3.2 Appréciation générale sur la valeur professionnelle, la manière de servir et la réalisation des objectifs":
        "appreciation_generale",
    "Acquis de l'expérience professionnelle": "acquis_experience",
    "5. OBJECTIFS FIXÉS POUR LA NOUVELLE ANNÉE": "objectifs",
    "Maintien dans le poste actuel": "souhait_maintien_poste",
    "Projet de formation qualifiante (études promotionnelles)": "souhait_formation_qualifiante",
    "Entretien avec la direction des ressources humaines (conseil en évolution professionnelle)":
        "souhait_entretien_drh",
    "Carrière": "perspectives_carriere", "Mobilité": "perspectives_mobilite",
    "Besoins de formation": "besoins_formation", "Aucun besoin de formation exprimé": "aucun_besoin_formation",
    "Évaluateur/Nom et prénom": "signature_evaluateur", "Évaluateur/Date": "date_signature_evaluateur",
    # _vides_attendus
    "Nom d'usage": "nom_usage", "Si oui, nombre d'agents encadrés": "nombre_agents_encadres",
    "3.3 Pour les agents exerçant des fonctions d'encadrement : appréciation de la manière de les exercer":
        "appreciation_encadrement",
    "8. OBSERVATIONS DE L'AGENT": "observations_agent", "Agent (prise de connaissance)": "date_prise_connaissance",
    "Visa du directeur d'établissement": ("visa_autorite", "date_visa"),
    "Notification": ("date_notification", "signature_agent"),
}
C_KEYS = {
    "AGENT ÉVALUÉ/Nom": "nom", "AGENT ÉVALUÉ/Prénom": "prenom", "AGENT ÉVALUÉ/Grade": "grade",
    "AGENT ÉVALUÉ/Cadre d'emplois": "cadre_emplois", "AGENT ÉVALUÉ/Échelon": "echelon",
    "AGENT ÉVALUÉ/Service / direction": "service", "AGENT ÉVALUÉ/Intitulé du poste / fonction": "poste",
    "SUPÉRIEUR HIÉRARCHIQUE DIRECT/Nom": "evaluateur", "SUPÉRIEUR HIÉRARCHIQUE DIRECT/Prénom": "prenom_evaluateur",
    "SUPÉRIEUR HIÉRARCHIQUE DIRECT/Grade": "grade_evaluateur",
    "SUPÉRIEUR HIÉRARCHIQUE DIRECT/Cadre d'emplois": "cadre_emplois_evaluateur",
    "SUPÉRIEUR HIÉRARCHIQUE DIRECT/Service / direction": "service_evaluateur",
    "SUPÉRIEUR HIÉRARCHIQUE DIRECT/Intitulé du poste / fonction": "fonction_evaluateur",
    "Statut de l'agent": "statut", "Date de l'entretien": "date_entretien",
    "Date de la convocation": "date_convocation",
    "Missions et activités principales": "missions", "Encadrement": "encadre_agents",
    "Nombre d'agents encadrés": "nombre_agents_encadres", "Objectifs": "resultats",
    "Faits marquants de l'année (événements ayant eu un impact sur l'activité)": "evenements",
    "Fiabilité et qualité du travail effectué": "fiabilite",
    "Respect des délais et des consignes": "respect_delais",
    "Application des règles d'hygiène et de sécurité": "hygiene_securite",
    "Maîtrise technique du métier (matériels, végétaux, techniques)": "maitrise_technique",
    "Capacité d'initiative et d'adaptation": "initiative",
    "Relations avec la hiérarchie et les collègues": "relations_hierarchie",
    "Sens du service public et relations avec les usagers": "service_public",
    "Ponctualité et assiduité": "ponctualite", "Capacité à organiser et animer une équipe": "animation_equipe",
    "Capacité à transmettre ses savoirs": "transmission_savoirs",
    "Appréciation de la manière d'exercer les fonctions d'encadrement": "appreciation_encadrement",
    "Appréciation générale littérale de l'évaluateur": "appreciation_generale",
    "Acquis de l'expérience professionnelle": "acquis_experience", "6. OBJECTIFS POUR L'ANNÉE 2027": "objectifs",
    "Besoins": "besoins_formation", "Aucun besoin de formation exprimé": "aucun_besoin_formation",
    "Évolution des missions sur le poste": "souhait_evolution_missions",
    "Préparation d'un concours ou examen professionnel": "souhait_concours",
    "Préciser le concours ou l'examen": "concours_vise",
    "Avis de l'évaluateur sur un avancement de grade": "avis_avancement",
    "Commentaires (carrière, mobilité)": "perspectives_carriere",
    "L'évaluateur/Nom et prénom": "signature_evaluateur", "L'évaluateur/Date": "date_signature_evaluateur",
    # _vides_attendus (« Échelon (grisé) » of the superior: a box the form greys out, no field)
    "9. OBSERVATIONS DE L'AGENT": "observations_agent", "L'agent": "date_prise_connaissance",
    "Visa de l'autorité territoriale": ("visa_autorite", "date_visa"),
    "Notification": ("date_notification", "signature_agent"), "Échelon (grisé)": (),
}
SHARED = {"B_hopital_lignes": ("B_hopital_lignes_rempli.docx", B_KEYS),
          "C_commune_grille": ("C_commune_grille_rempli.odt", C_KEYS)}


def installed(base: Path, form: str, **settings) -> Path:
    """A workspace whose config.yaml says ``formulaire: formulaire.yaml``: the fixture's mapping,
    its ``modele`` pointed at the shared form."""
    text = (FIXTURES / f"{form}.yaml").read_text(encoding="utf-8")
    model = re.search(r"^modele: .*/([^/\n]+)$", text, re.M).group(1)
    (base / "formulaire.yaml").write_text(re.sub(r"^modele: .*$", f"modele: {FORMS / model}", text, flags=re.M),
                                          encoding="utf-8")
    import yaml

    (base / "config.yaml").write_text(yaml.safe_dump({"formulaire": "formulaire.yaml", **settings},
                                                     allow_unicode=True), encoding="utf-8")
    return base / "config.yaml"


def expected(attendu: dict, keys: dict) -> tuple[dict, list]:
    """(field or table key -> value expected, keys expected empty) from *_attendu.json."""
    found, empty = {}, []

    def walk(data: dict, path: str) -> None:
        for label, value in data.items():
            if label.startswith("_"):
                continue
            here = f"{path}/{label}" if path else label
            key = keys.get(here) or keys.get(label)
            if isinstance(value, dict) and key is None:
                for inner in value:
                    if isinstance(value[inner], dict) and "par l'agent" in value[inner]:  # C's grid
                        found[keys[inner]] = value[inner]["par l'évaluateur"]
                        found["auto_" + keys[inner]] = value[inner]["par l'agent"]
                walk({k: v for k, v in value.items() if not (isinstance(v, dict) and "par l'agent" in v)}, label)
            else:
                assert key is not None, f"pas de clé pour {here}"
                found[key] = value
    walk(attendu, "")
    for path in attendu["_vides_attendus"]:
        parts = path.split(" / ")
        key = keys.get("/".join(parts[1:])) or keys.get(parts[-1]) if len(parts) > 1 else keys.get(parts[0])
        empty += list(key) if isinstance(key, tuple) else [key]
    return found, empty


def same(got: object, wanted: object) -> bool:
    if isinstance(wanted, str) and (wanted.startswith("coché") or wanted == "[X]"):
        return got is True
    if wanted == "non coché":
        return got is False
    return normalize_label(str(got)) == normalize_label(str(wanted))


def shared_form(tmp_path: Path, form: str):
    config = load_config(installed(tmp_path, form))
    return config, FORMS / SHARED[form][0]


@needs_forms
@pytest.mark.parametrize("form, saved", [
    ("B_hopital_lignes", None), ("C_commune_grille", None),
    # The same copies saved again by LibreOffice 25.2: the hospital's .docx as an .odt, the
    # commune's .odt as an .odt of that version and as a .docx.
    ("B_hopital_lignes", "B_hopital_lignes_rempli.odt"), ("C_commune_grille", "C_commune_grille_rempli.odt"),
    ("C_commune_grille", "C_commune_grille_rempli.docx"),
])
def test_a_filled_copy_reads_every_value_its_form_expects(tmp_path, form, saved):
    config, copy = shared_form(tmp_path, form)
    if saved is not None:
        copy = LIBREOFFICE_25 / saved
        assert "LibreOffice/25.2" in saved_by(copy)
    report = read_report(copy, config.form)
    attendu = json.loads((FORMS / f"{form}_attendu.json").read_text(encoding="utf-8"))
    values, empty = expected(attendu, SHARED[form][1])
    catalogue = config.catalogue
    for key, wanted in values.items():
        if isinstance(wanted, list):  # a table: its rows by its columns' labels
            labels = {c.label: c.key for c in catalogue.field(key).columns}
            rows = report.tables[key]
            assert len(rows) == len(wanted), key
            for got, row in zip(rows, wanted):
                assert all(same(got[labels[label]], text) for label, text in row.items()), (key, got, row)
        else:
            assert same(report.values[key], wanted), (key, report.values[key], wanted)
            if catalogue.field(key).kind == "date":
                assert report.dates[key] == parse_date(wanted)
    for key in empty:
        assert report.values[key] in ("", False), key
    ticked = {key for key, wanted in values.items() if same(True, wanted)}
    assert {f.key for f in catalogue.fields if f.kind == "bool" and report.values[f.key] is True} == ticked
    assert not report.unrecognised_marks and not report.unreadable_dates
    assert report.template_version == config.form.version and report.format == copy.suffix[1:]


def saved_by(path: Path) -> str:
    """The application that last saved an .odt or a .docx, as its document properties name it."""
    with zipfile.ZipFile(path) as package:
        if path.suffix == ".odt":
            return etree.fromstring(package.read("meta.xml")).findtext(".//{*}generator") or ""
        return etree.fromstring(package.read("docProps/app.xml")).findtext("{*}Application") or ""


@needs_forms
@pytest.mark.libreoffice
def test_a_filled_copy_saved_in_the_other_format_by_libreoffice_reads_the_same(tmp_path, convert):
    """GIVEN the hospital's filled .docx saved as an .odt, and the commune's filled .odt saved as a
    .docx, by this machine's LibreOffice (7.4 in CI) WHEN read by their forms' mappings THEN every
    value, tick and table row is the one the original copy gives."""
    for form, target in (("B_hopital_lignes", "odt"), ("C_commune_grille", "docx")):
        (tmp_path / form).mkdir()
        config, copy = shared_form(tmp_path / form, form)
        (saved,) = convert([copy], target).glob(f"*.{target}")
        original, again = read_report(copy, config.form), read_report(saved, config.form)
        assert "LibreOffice" in saved_by(saved) and again.format == target
        assert again.values == original.values and again.tables == original.tables, form
        assert again.template_version == original.template_version and not again.unrecognised_marks


@needs_forms
@pytest.mark.parametrize("form", sorted(SHARED))
def test_the_blank_form_reads_empty(tmp_path, form):
    config, copy = shared_form(tmp_path, form)
    blank = FORMS / SHARED[form][0].replace("_rempli", "")
    report = read_report(blank, config.form)
    assert not [k for k, v in report.values.items() if v not in ("", False)]
    assert not any(report.tables.values()) and not report.unrecognised_marks


@needs_forms
@pytest.mark.parametrize("form", sorted(SHARED))
def test_reading_a_copy_leaves_nothing_for_the_cycle_collector(tmp_path, form):
    """GIVEN a filled copy WHEN it is read THEN everything its read made is freed by reference
    counting: read_report pauses the cycle collector while it reads, which only holds when a
    layout, its deferred parts and the reader's index make no reference cycle."""
    import gc

    config, copy = shared_form(tmp_path, form)
    read_report(copy, config.form)  # caches (styles, pages, patterns) filled: not garbage
    gc.collect()
    read_report(copy, config.form)
    assert gc.collect() == 0


# -- the whole pipeline on copies of an employer's form -----------------------------------------------


def roster(path: Path, *rows: tuple[str, str, str, str]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(["matricule", "nom", "prénom", "évaluateur", "courriel évaluateur"])
        out.writerows(rows)
    return path


AGENTS = [("500001", "Marchand", "Elodie", "Nathalie Guérin", "n.guerin@example.org"),
          ("500002", "ROCHER", "Julien", "Marc Pelletier", "m.pelletier@example.org")]


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, Path]:
    """The rejection note's template built once for each form's catalogue (``entretiens modeles``)."""
    from pipeline import build_templates

    built = {}
    for form in SHARED:
        base = tmp_path_factory.mktemp(form)
        roster(base / "agents.csv", *AGENTS)
        config = load_config(installed(base, form, dossiers={"modeles": "modeles"}))
        build_templates(config)
        built[form] = config.templates
    return built


def workspace(tmp_path: Path, form: str, templates: dict[str, Path], agents=AGENTS):
    roster(tmp_path / "agents.csv", *agents)
    return load_config(installed(tmp_path, form, liste_agents="agents.csv",
                                 dossiers={"modeles": str(templates[form])}))


def drop(config, *files: Path) -> None:
    """Files dropped in the inbox a while ago (a pass leaves alone what changed within seconds)."""
    config.inbox.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copyfile(path, config.inbox / path.name)
        os.utime(config.inbox / path.name, (0, 1_700_000_000))


def run(config):
    from pipeline import process_inbox

    return process_inbox(config, received_on=RECEIVED)


def note_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return " ".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", archive.read("word/document.xml").decode()))


def rewritten(copy: Path, destination: Path, edit) -> Path:
    """``copy`` with its main part edited through its layout (``edit(layout)`` changes the XML the
    lines come from), everything else kept."""
    from pipeline.layout import layout_of
    from pipeline.preflight import open_document

    with open_document(copy) as package:
        edit(layout_of(package))
        main = package.main_part
        data = etree.tostring(package.xml_part(main), xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(copy) as source, zipfile.ZipFile(destination, "w") as target:
        for info in source.infolist():
            target.writestr(info, data if info.filename == main else source.read(info))
    return destination


def set_text(document: Layout, line: Line, text: str) -> None:
    """Replace what a line says: a .docx paragraph's first run takes the text, its others are
    emptied; an .odt paragraph holds the text itself."""
    from pipeline import ooxml

    if document.format == "docx":
        runs = list(line.source.iter(ooxml.qn("w:t")))
        runs[0].text = text
        for run_ in runs[1:]:
            run_.text = ""
    else:
        for child in list(line.source):
            line.source.remove(child)
        line.source.text = text


def clear_training_needs(document: Layout) -> None:
    """Every row of the training table under its header emptied: the needs removed."""
    needs = next(t for t in document.tables()
                 if any(line.text.startswith("Intitulé de la formation") for c in t.cells() for line in c.lines))
    header = next(r for r, row in enumerate(needs.rows) if any(c.text.startswith("Intitulé") for c in row))
    for row in needs.rows[header + 1:]:
        for cell in row:
            for line_ in cell.lines:
                if line_.text.strip():
                    set_text(document, line_, "")


@needs_forms
@pytest.mark.parametrize("form", sorted(SHARED))
def test_a_filled_copy_is_accepted_at_stage_1_identified_by_name_with_its_needs_in_the_plan(tmp_path, form, templates):
    config = workspace(tmp_path, form, templates)
    copy = FORMS / SHARED[form][0]
    drop(config, copy)
    (handled,) = run(config).handled
    number = "500001" if form.startswith("B") else "500002"
    assert (handled.outcome, handled.stage, handled.report_id) == ("accepted", 1, f"2026-{number}")
    assert handled.destination.endswith(copy.suffix)  # placed under its own format's name
    from pipeline.journal import Journal

    journal = Journal(config.state_dir)
    try:
        content = journal.current(f"2026-{number}").file.report
    finally:
        journal.close()
    assert content.identified_by == "nom_prenom" and content.agent_number == number
    attendu = json.loads((FORMS / f"{form}_attendu.json").read_text(encoding="utf-8"))
    values, _ = expected(attendu, SHARED[form][1])
    assert all(same(content.fields[k], v) for k, v in values.items() if not isinstance(v, list))
    plan = (config.outbox / "plan_de_formation.csv").read_text(encoding="utf-8-sig")
    titles = [row["Intitulé de la formation"] for row in values["besoins_formation"]]
    assert titles and all(title in plan for title in titles)


@needs_forms
@pytest.mark.parametrize("form", [None, *sorted(SHARED)])
def test_a_deadline_whose_date_the_form_does_not_print_is_not_followed(tmp_path, form):
    """The hospital's and the commune's forms print no date of communication (nor the appeal's):
    the deadline done by that date is not followed (it would be said missed for every agent); the
    agent's observations, counted from it, are followed without a limit: awaited from the agent
    (« En attente de » said nobody at stage 1), never late; with our own form every deadline is."""
    from pipeline.deadlines import PENDING, agent_deadlines

    config = load_config(installed(tmp_path, form)) if form else load_config(None)
    states = {d.key: (d.due, d.owner, state) for d, state in agent_deadlines(
        config, {cat.REVIEW_DATE: dt.date(2026, 10, 1)}, None, finished=False, today=dt.date(2026, 12, 7))}
    untracked = {"communication", "reponse_revision"} if form else set()  # done by a date the form lacks
    assert not set(states) & untracked and "entretien" in states and "retour_rh" in states
    if form is None:
        assert {"communication", "reponse_revision", "observations"} <= set(states)
    else:
        assert states["observations"] == (None, "agent", PENDING)


@needs_forms
@pytest.mark.parametrize("names", [(), ("nom",), ("prenom",), ("nom", "prenom")])
def test_an_accepted_copy_is_named_with_the_roster_s_names_when_its_form_prints_none(tmp_path, templates, names):
    """GIVEN an employer's form whose mapping places no agent's name (or only one of them), and a
    copy identified by its document properties WHEN it is accepted THEN its file is named with the
    names it gives, else the roster's: never « 2026_500001__.docx »."""
    import yaml

    config = workspace(tmp_path, "B_hopital_lignes", templates)
    mapping = yaml.safe_load((tmp_path / "formulaire.yaml").read_text(encoding="utf-8"))
    for key in names:  # as the importer writes a field the form lacks: no place, not required
        del mapping["emplacements"][key]
        mapping["catalogue"].setdefault("modifier", {}).setdefault(key, {})["required_from"] = None
    (tmp_path / "formulaire.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    copy = FORMS / SHARED["B_hopital_lignes"][0]
    core = re.sub(rb"<dc:identifier>[^<]*</dc:identifier>|(?=</cp:coreProperties>)",
                  b"<dc:identifier>2026-500001</dc:identifier>", zipfile.ZipFile(copy).read("docProps/core.xml"),
                  count=1)
    identified = tmp_path / "copie identifiee.docx"
    with zipfile.ZipFile(copy) as source, zipfile.ZipFile(identified, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, core if info.filename == "docProps/core.xml" else source.read(info))
    drop(config, identified)
    (handled,) = run(config).handled
    assert handled.outcome == "accepted", handled
    first = "Elodie" if "prenom" in names else "Élodie"  # the roster's spelling, else the copy's
    assert Path(handled.destination).name == f"2026_500001_MARCHAND_{first}.docx", handled.destination


@needs_forms
@pytest.mark.parametrize("form, own_label", [("B_hopital_lignes", "Aucun besoin de formation exprimé"),
                                             ("C_commune_grille", "Type de formation")])
def test_a_copy_without_its_training_needs_is_rejected_naming_the_form_s_own_labels(tmp_path, form, own_label,
                                                                                   templates):
    config = workspace(tmp_path, form, templates)
    copy = FORMS / SHARED[form][0]
    edited = rewritten(copy, tmp_path / f"sans besoins{copy.suffix}", clear_training_needs)
    drop(config, edited)
    (handled,) = run(config).handled
    assert (handled.outcome, handled.reason_code) == ("rejected", "tableau_vide")
    note = note_text(next((config.outbox / "rejets").glob("* - note de rejet.docx")))
    assert "Besoins de formation" in note and f"«\u202f{own_label}\u202f»" in note
    assert list((config.outbox / "courriels").glob("*.eml"))  # the note to the evaluator, drafted


@needs_forms
def test_a_later_version_changing_what_the_evaluator_signed_is_refused_naming_the_form_s_label(tmp_path, templates):
    config = workspace(tmp_path, "B_hopital_lignes", templates)
    copy = FORMS / SHARED["B_hopital_lignes"][0]
    drop(config, copy)
    assert run(config).handled[0].outcome == "accepted"

    def acknowledged_and_changed(document: Layout) -> None:
        lines = [line_ for line_, _ in document.lines()]
        agent = next(i for i, l_ in enumerate(lines) if l_.text.startswith("Agent (prise de connaissance"))
        set_text(document, lines[agent + 1], "Date : 20/10/2026")  # stage 2: the agent has taken note
        appraisal = next(i for i, l_ in enumerate(lines) if l_.text.startswith("3.2 Appréciation générale"))
        set_text(document, lines[appraisal + 1], "Appréciation réécrite après la signature.")

    drop(config, rewritten(copy, tmp_path / "version 2.docx", acknowledged_and_changed))
    (handled,) = run(config).handled
    assert (handled.outcome, handled.reason_code) == ("rejected", "modification_apres_signature")
    note = note_text(next((config.outbox / "rejets").glob("* - note de rejet.docx")))
    assert "«\u202f3.2 Appréciation générale sur la valeur professionnelle" in note


@needs_forms
def test_a_copy_of_another_employer_s_form_is_turned_away_naming_both(tmp_path, templates):
    config = workspace(tmp_path, "C_commune_grille", templates)
    drop(config, FORMS / SHARED["B_hopital_lignes"][0])
    (handled,) = run(config).handled
    assert (handled.outcome, handled.reason_code) == ("unreadable", "autre_formulaire")
    note = note_text(next((config.outbox / "rejets").glob("* - note de rejet.docx")))
    assert "Mairie de Saint-Exemple-sur-Loire" in note and config.form.version in note
    assert "COMPTE RENDU DE L'ENTRETIEN PROFESSIONNEL" in note and "Centre hospitalier de Val-Sainte-Marie" in note


@needs_forms
def test_a_copy_whose_name_is_twice_in_the_roster_is_rejected_with_its_own_reason(tmp_path, templates):
    config = workspace(tmp_path, "C_commune_grille", templates,
                       agents=[*AGENTS, ("500009", "Rocher", "Julien", "Marc Pelletier", "")])
    from pipeline.examine import examine

    exam = examine(FORMS / SHARED["C_commune_grille"][0], config, received=RECEIVED)
    assert [f.code for f in exam.validation.errors] == ["homonymes"]
    assert "500002, 500009" in exam.validation.errors[0].message


# -- our own template saved as an .odt --------------------------------------------------------------------


def test_our_own_report_saved_as_odt_by_libreoffice_25_is_accepted_like_its_docx(tmp_path, tmp_path_factory):
    """GIVEN agent 100231's report filled at stage 1, and the same report saved as an .odt by
    LibreOffice 25.2 (made by tests/field_cases/libreoffice_25/make.py; again whenever our
    template changes) WHEN both are examined THEN the .odt is accepted at stage 1 with every value,
    table and date of the .docx, its identifier and our template's version."""
    import lo
    from pipeline.examine import examine
    from pipeline.filling import fill_report

    ws = lo.workspace(tmp_path_factory)
    odt = LIBREOFFICE_25 / "cr_100231.odt"
    assert "LibreOffice/25.2" in saved_by(odt)
    filled = fill_report(ws.reports["100231"], tmp_path / "cr.docx", ws.catalogue, stage=1, review=lo.REVIEW)
    docx_exam, odt_exam = (examine(path, ws.config, received=dt.date(2027, 2, 1)) for path in (filled, odt))
    assert odt_exam.report.template_version == ws.config.form.version, (
        "cr_100231.odt was made from another version of our template: make it again "
        "(tests/field_cases/libreoffice_25/make.py)")
    assert odt_exam.error is None and odt_exam.accepted and odt_exam.stage == docx_exam.stage == 1
    assert odt_exam.report.values == docx_exam.report.values and odt_exam.report.tables == docx_exam.report.tables
    assert odt_exam.report.dates == docx_exam.report.dates and odt_exam.report.report_id == docx_exam.report.report_id
    assert [f.code for f in odt_exam.validation.findings] == [f.code for f in docx_exam.validation.findings]


def test_our_own_report_saved_as_odt_by_libreoffice_is_accepted_like_its_docx(tmp_path, tmp_path_factory):
    import lo
    from pipeline import process_inbox
    from pipeline.config import Config
    from pipeline.examine import examine
    from pipeline.filling import fill_report

    ws = lo.workspace(tmp_path_factory)
    filled = fill_report(ws.reports["100231"], tmp_path / "cr.docx", ws.catalogue, stage=1,
                         review=lo.REVIEW)
    (odt,) = lo.convert([filled], "odt", tmp_path / "odt", tmp_path / "profile")
    docx_exam, odt_exam = (examine(path, ws.config, received=dt.date(2027, 2, 1)) for path in (filled, odt))
    assert odt_exam.error is None and odt_exam.accepted and odt_exam.stage == docx_exam.stage == 1
    assert odt_exam.report.values == docx_exam.report.values and odt_exam.report.tables == docx_exam.report.tables
    assert odt_exam.report.dates == docx_exam.report.dates
    assert (odt_exam.report.report_id, odt_exam.report.template_version) == (
        docx_exam.report.report_id, docx_exam.report.template_version)
    assert [f.code for f in odt_exam.validation.findings] == [f.code for f in docx_exam.validation.findings]
    config = Config.model_validate({"dossiers": {"entree": "inbox", "sortie": "outbox", "etat": ".etat",
                                                 "modeles": str(ws.config.templates)}, "base_dir": tmp_path})
    drop(config, odt)
    (handled,) = process_inbox(config, received_on=dt.date(2027, 2, 1)).handled
    assert (handled.outcome, handled.stage) == ("accepted", 1) and handled.destination.endswith(".odt")


@pytest.mark.parametrize("printed, mapped", [("Encadre\u2011t\u2011il des agents :", "Encadre-t-il des agents"),
                                             ("Encadre-t-il des agents :", "Encadre\u2011t\u2011il des agents"),
                                             ("Encadre\u2010t\u2010il des agents :", "Encadre-t-il des agents")])
def test_a_label_printed_with_a_non_breaking_hyphen_is_the_same_label(tmp_path, printed, mapped):
    """LibreOffice keeps Word's non-breaking hyphen as U+2011 in an .odt: the label is the same."""
    form = employer_form(tmp_path, f"nombre_agents_encadres: {{apres_libelle: {mapped}}}\n")
    assert read(layout(f"{printed} 4"), form).values["nombre_agents_encadres"] == "4"


@pytest.mark.parametrize("title", ["10. Attentes et propositions de l'agent", "IV – Besoins de formation",
                                   "7) Appréciation générale"])
def test_what_is_read_under_a_label_ends_at_a_part_the_mapping_names(tmp_path, title):
    """A part titled in a sentence's case (small capitals on the page, not in the text) is a title
    because formulaire.yaml's « parties » says so: form I's free texts ran into the next part's title."""
    form = employer_form(tmp_path, "perspectives_carriere: {sous_libelle: Perspectives de carrière}\n",
                         f"parties: [\"{title}\"]\n")
    report = read(layout("Perspectives de carrière :", "Préparer le concours de rédacteur.", title,
                         "Souhaite un entretien avec la DRH."), form)
    assert report.values["perspectives_carriere"] == "Préparer le concours de rédacteur."


@needs_forms
@pytest.mark.parametrize("first, waived", [("oui", True), ("Oui", True), ("non", False), ("", False)])
def test_a_first_review_on_a_form_without_its_box_is_the_roster_s(tmp_path, first, waived):
    """The hospital's form prints no « premier entretien » box: a first review (the roster says so)
    has no results of last year to give, and every such report was rejected for the empty table.
    The roster's column stands for the box the form lacks; what a report says always wins."""
    from pipeline.examine import from_roster
    from pipeline.validate import ValidationContext, validate

    with open(tmp_path / "agents.csv", "w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(["matricule", "nom", "prénom", "évaluateur", "premier entretien"])
        out.writerow(["500001", "Marchand", "Elodie", "Nathalie Guérin", first])
    config = load_config(installed(tmp_path, "B_hopital_lignes", liste_agents="agents.csv"))
    assert cat.FIRST_REVIEW not in config.form.places
    report = Report(path=tmp_path / "copie.docx", values={"nom": "Marchand", "appreciation_generale": "Bien."},
                    tables={cat.PREVIOUS_RESULTS: []}, agent_number="500001", not_in_form=[cat.FIRST_REVIEW])
    from_roster(report, config)
    assert (report.values.get(cat.FIRST_REVIEW) is True) is waived
    findings = validate(report, config.catalogue, ValidationContext(campaign="2026", received=RECEIVED)).findings
    assert any(f.field == cat.PREVIOUS_RESULTS for f in findings) is not waived
