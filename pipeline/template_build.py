"""Build the Word templates from the field catalogue.

    entretiens modeles [--config config.yaml]

rewrites ``templates/compte_rendu.docx``, ``templates/convocation.docx`` and
``templates/note_de_rejet.docx``. Run it again after changing the catalogue.

The report follows the layout contract of SPEC section 3: every single-value
field is a tagged inline content control in the value cell of a label/value
row; every table field is a table whose first row holds the column labels,
followed by a docxtpl ``{%tr for %}`` loop that ``generate`` fills with
pre-filled or blank rows. Jinja names: ``f`` (field values), ``t`` (table
rows), ``c`` (invitation details), ``n`` (rejection note).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from . import ooxml
from .catalogue import Catalogue, Field
from .files import make_dirs, replace_atomically
from .naming import INVITATION_TEMPLATE, REJECTION_TEMPLATE, REPORT_TEMPLATE
from .render import LETTERS_VERSION

LABEL_FILL = "E8EEF4"
HEADER_FILL = "D5E0EC"
ACCENT = RGBColor(0x1F, 0x3A, 0x5F)


def _new_document(title: str, *, version: str | None = None):
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2))
    section.top_margin, section.bottom_margin = Cm(1.8), Cm(1.8)
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)
    for name, size in (("Title", 18), ("Heading 1", 13), ("Heading 2", 11)):
        style = doc.styles[name]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        style.font.color.rgb = ACCENT
    props = doc.core_properties
    props.title = title
    props.author = "Service des ressources humaines"
    props.language = "fr-FR"
    props.comments = ""
    if version:
        props.version = version
    return doc


def _small(paragraph, text: str, *, italic: bool = True) -> None:
    run = paragraph.add_run(text)
    run.italic = italic
    run.font.size = Pt(8.5)
    run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)


class _ReportBuilder:
    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.next_id = 1000

    def build(self, path: Path) -> None:
        cat = self.catalogue
        doc = _new_document("Compte rendu d'entretien professionnel", version=cat.version())
        self._header_footer(doc)
        doc.add_paragraph("Compte rendu d'entretien professionnel", style="Title")
        intro = doc.add_paragraph()
        intro.add_run("Campagne {{ f.campagne }}").bold = True
        _small(doc.add_paragraph(),
               f"{cat.legal_basis} Complétez chaque case ; les champs grisés indiquent ce qui reste à saisir.")
        for section in cat.sections:
            doc.add_paragraph(section.title, style="Heading 1")
            if section.intro:
                _small(doc.add_paragraph(), section.intro)
            pending: list[Field] = []
            for field in cat.fields_in(section.key):
                if field.kind == "table":
                    self._label_value_table(doc, pending)
                    pending = []
                    self._data_table(doc, field)
                else:
                    pending.append(field)
            self._label_value_table(doc, pending)
            if section.key == "signatures":
                doc.add_paragraph("Voies et délais de recours", style="Heading 2")
                _small(doc.add_paragraph(), self.catalogue.appeal_routes, italic=False)
        replace_atomically(path, lambda tmp: doc.save(str(tmp)))

    def _header_footer(self, doc) -> None:
        section = doc.sections[0]
        header = section.header.paragraphs[0]
        # The page code (a QR code, pipeline.signed_copies) in a run of its own: docxtpl puts a picture there.
        header.add_run("{{ code_page }}")
        title = header.add_run(" Compte rendu d'entretien professionnel – campagne {{ f.campagne }} – "
                               "{{ f.prenom }} {{ f.nom }} (matricule {{ f.matricule }})")
        title.font.size = Pt(8)
        footer = section.footer.paragraphs[0]
        footer.text = (f"Formulaire {self.catalogue.version()} – "
                       "identifiant {{ f.identifiant }} – document confidentiel")
        footer.runs[0].font.size = Pt(8)
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def _label_value_table(self, doc, fields: list[Field]) -> None:
        if not fields:
            return
        table = doc.add_table(rows=len(fields), cols=2)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for row, field in zip(table.rows, fields):
            label_cell, value_cell = row.cells
            label_cell.width, value_cell.width = Cm(6.2), Cm(10.8)
            ooxml.shade_cell(label_cell._tc, LABEL_FILL)
            label_cell.paragraphs[0].add_run(field.label).bold = True
            if field.help:
                _small(label_cell.add_paragraph(), field.help)
            value = value_cell.paragraphs[0]
            if field.multiline:
                value.paragraph_format.space_after = Pt(24)  # room to write
            value._p.append(self._control(field))
        doc.add_paragraph()

    def _control(self, field: Field):
        self.next_id += 1
        prefilled_box = field.kind == "bool" and field.filled_by_generate
        return ooxml.make_inline_control(
            tag=field.key,
            alias=field.label,
            control_id=self.next_id,
            kind=field.kind,
            # A check box pre-filled by `generate`: its mark (x) and its state (b), from the roster.
            text=("{{ x.%s }}" if prefilled_box else "{{ f.%s }}") % field.key if field.filled_by_generate else None,
            checked="{{ b.%s }}" % field.key if prefilled_box else "0",
            choices=field.choices,
            multiline=field.multiline,
        )

    def _data_table(self, doc, field: Field) -> None:
        doc.add_paragraph(field.label, style="Heading 2")
        columns = field.columns or []
        table = doc.add_table(rows=4, cols=len(columns))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        header, loop_start, values, loop_end = table.rows
        ooxml.repeat_as_header_row(header._tr)
        for index, column in enumerate(columns):
            for row in table.rows:
                row.cells[index].width = Cm(column.width_cm)
            ooxml.shade_cell(header.cells[index]._tc, HEADER_FILL)
            header.cells[index].paragraphs[0].add_run(column.label).bold = True
            values.cells[index].paragraphs[0].text = "{{ r.%s }}" % column.key
        loop_start.cells[0].paragraphs[0].text = "{%%tr for r in t.%s %%}" % field.key
        loop_end.cells[0].paragraphs[0].text = "{%tr endfor %}"
        legends = [
            f"{column.label} : {', '.join(column.choices)}."
            for column in columns if column.choices
        ]
        hint = "Ajoutez ou supprimez des lignes si besoin. " + " ".join(legends)
        _small(doc.add_paragraph(), hint)


def build_report_template(catalogue: Catalogue, path: Path) -> None:
    _ReportBuilder(catalogue).build(path)


def _details_table(doc, rows: list[tuple[str, str]]) -> None:
    """A small label/value table of a letter (not a report field: no control)."""
    table = doc.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    for row, (label, value) in zip(table.rows, rows):
        ooxml.shade_cell(row.cells[0]._tc, LABEL_FILL)
        row.cells[0].paragraphs[0].add_run(label).bold = True
        row.cells[1].paragraphs[0].text = value
    doc.add_paragraph()


def build_invitation_template(path: Path) -> None:
    doc = _new_document("Convocation à l'entretien professionnel", version=LETTERS_VERSION)
    top = doc.add_paragraph()
    top.add_run("{{ c.employeur }}").bold = True
    right = doc.add_paragraph("{{ c.destinataire }}\n{{ f.grade }}\n{{ f.service }}")
    right.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_paragraph("Le {{ c.date_convocation }}").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    subject = doc.add_paragraph()
    subject.add_run("Objet : convocation à l'entretien professionnel – campagne {{ f.campagne }}").bold = True
    doc.add_paragraph("{{ c.civilite }},")
    # Words that agree with the agent's and the evaluator's civility come from the context (pipeline.civility).
    doc.add_paragraph(
        "Dans le cadre de la campagne d'évaluation {{ f.campagne }}, nous vous convoquons à votre "
        "entretien professionnel annuel, conduit par {{ c.evaluateur }}."
    )
    _details_table(doc, [
        ("Date", "{{ c.date_entretien }}"),
        ("Heure", "{{ c.heure }}"),
        ("Lieu", "{{ c.lieu }}"),
    ])
    doc.add_paragraph("Vous trouverez joints à la présente convocation :")
    for item in (
        "le compte rendu d'entretien professionnel pré-rempli ;",
        "votre fiche de poste ;",
        "le compte rendu de votre précédent entretien professionnel, s'il existe.",
    ):
        doc.add_paragraph(item, style="List Bullet")
    doc.add_paragraph(
        "Cette convocation vous est adressée au moins huit jours avant la date de l'entretien, "
        "afin que vous puissiez le préparer. L'entretien porte notamment sur vos résultats, vos "
        "objectifs pour l'année à venir, votre manière de servir, vos besoins de formation et vos "
        "perspectives d'évolution professionnelle."
    )
    doc.add_paragraph("{{ c.signature }}")  # service_rh.nom
    replace_atomically(path, lambda tmp: doc.save(str(tmp)))


def build_rejection_template(path: Path) -> None:
    doc = _new_document("Note de rejet d'un compte rendu d'entretien professionnel", version=LETTERS_VERSION)
    doc.add_paragraph("{{ n.titre }}", style="Title")
    doc.add_paragraph("{%p if n.destinataire %}")
    doc.add_paragraph("À l'attention {{ n.a_l_attention }}")  # «\u202fde Mme Céline Roux\u202f», «\u202fd'Isabelle…\u202f»
    doc.add_paragraph("{%p endif %}")
    _details_table(doc, [
        ("Agent", "{{ n.agent }}"),
        ("Campagne", "{{ n.campagne }}"),
        ("Fichier reçu", "{{ n.fichier }}"),
        ("Date de réception", "{{ n.date }}"),
        ("Motif", "{{ n.motif }}"),
        ("À renvoyer avant le", "{{ n.avant_le }}"),
    ])
    doc.add_paragraph("Ce qu'il faut corriger", style="Heading 1")
    doc.add_paragraph("{%p for p in n.problemes %}")
    doc.add_paragraph("{{ p.rubrique }} – {{ p.message }}", style="List Number")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p if n.avertissements %}")
    doc.add_paragraph("Points d'attention (sans effet sur l'acceptation)", style="Heading 1")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p for p in n.avertissements %}")
    doc.add_paragraph("{{ p.rubrique }} – {{ p.message }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("Que faire", style="Heading 1")
    doc.add_paragraph("{{ n.que_faire }}")
    doc.add_paragraph("{%p if n.contact %}")
    doc.add_paragraph("Une question ? Contact : {{ n.contact }}")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{{ n.service }}")
    replace_atomically(path, lambda tmp: doc.save(str(tmp)))


def build_all(catalogue: Catalogue, folder: Path, *, config=None) -> list[Path]:
    """Build the three templates in ``folder``. With ``config`` whose ``formulaire`` names an
    employer's form, the report's template is made from the employer's own file, in its format
    (:func:`pipeline.employer_template.build_employer_template`)."""
    make_dirs(folder)
    built = []
    if config is not None and config.employer_mapping is not None:
        from .employer_template import build_employer_template

        built.append(build_employer_template(config, folder))
    else:
        build_report_template(catalogue, folder / REPORT_TEMPLATE)
        built.append(folder / REPORT_TEMPLATE)
    for name, builder in (
        (INVITATION_TEMPLATE, build_invitation_template),
        (REJECTION_TEMPLATE, build_rejection_template),
    ):
        builder(folder / name)
        built.append(folder / name)
    return built
