import sys
from docx import Document
from docx.shared import Pt, Cm
from docx.enum.text import WD_ALIGN_PARAGRAPH
def B(cell_or_p, t):
    p = cell_or_p.paragraphs[0] if hasattr(cell_or_p, 'paragraphs') else cell_or_p
    r = p.add_run(t); r.bold = True; return p
def H(doc, t):
    p = doc.add_paragraph(); r = p.add_run(t); r.bold = True; r.font.size = Pt(12); p.paragraph_format.space_before = Pt(12)
doc = Document(); doc.styles['Normal'].font.name = 'Liberation Sans'; doc.styles['Normal'].font.size = Pt(10)
sec = doc.sections[0]
sec.header.paragraphs[0].text = 'Centre hospitalier de Val-de-Loire – Direction des ressources humaines'
sec.footer.paragraphs[0].text = 'DRH – Formulaire EP-2026 – page de l\'agent'
p = doc.add_paragraph(); p.alignment = WD_ALIGN_PARAGRAPH.CENTER
r = p.add_run('ENTRETIEN PROFESSIONNEL ANNUEL – COMPTE RENDU'); r.bold = True; r.font.size = Pt(15)
doc.add_paragraph('Fonction publique hospitalière – décret n° 2020-719 du 12 juin 2020').alignment = WD_ALIGN_PARAGRAPH.CENTER
H(doc, 'I – IDENTIFICATION')
t = doc.add_table(rows=9, cols=3); t.style = 'Table Grid'
rows = [('Agent', 'Nom'), ('Agent', 'Prénom'), ('Agent', 'Grade'), ('Affectation', 'Pôle / service'), ('Affectation', 'Fonctions exercées'),
        ('Évaluateur', 'Nom, prénom'), ('Évaluateur', 'Fonction'), ('Entretien', 'Lieu'), ('Entretien', 'Heure')]
for i, (a, b) in enumerate(rows):
    if i == 0 or rows[i - 1][0] != a: B(t.rows[i].cells[0], a)
    t.rows[i].cells[1].paragraphs[0].add_run(b)
for s, e in ((0, 2), (3, 4), (5, 6), (7, 8)): t.cell(s, 0).merge(t.cell(e, 0))
for row in t.rows:
    row.cells[0].width = Cm(3.5); row.cells[1].width = Cm(4); row.cells[2].width = Cm(9.5)
p = doc.add_paragraph(); p.add_run("Date de l'entretien : ").bold = True; p.add_run('____/____/______')
p = doc.add_paragraph(); p.add_run('Date de la convocation : ').bold = True; p.add_run('____/____/______')
H(doc, 'II – BILAN DE L\'ANNÉE ÉCOULÉE')
doc.add_paragraph('Objectifs de l\'année écoulée et résultats obtenus :')
for _ in range(3): doc.add_paragraph('.' * 110)
H(doc, 'III – VALEUR PROFESSIONNELLE')
doc.add_paragraph('Cocher une seule appréciation par critère.')
for c in ['Compétences professionnelles et technicité', 'Contribution à l\'activité du service',
          'Capacités professionnelles et relationnelles', 'Aptitude à l\'encadrement et/ou à la conduite de projets']:
    B(doc.add_paragraph(), c)
    doc.add_paragraph('○ Excellent    ○ Très bon    ○ Bon    ○ Insuffisant')
p = doc.add_paragraph(); p.add_run('Appréciation générale de l\'évaluateur :').bold = True
for _ in range(3): doc.add_paragraph('.' * 110)
H(doc, 'IV – OBJECTIFS POUR L\'ANNÉE À VENIR')
t = doc.add_table(rows=4, cols=2); t.style = 'Table Grid'
B(t.rows[0].cells[0], 'Objectif'); B(t.rows[0].cells[1], 'Indicateur')
H(doc, 'V – BESOINS DE FORMATION')
t = doc.add_table(rows=3, cols=2); t.style = 'Table Grid'
B(t.rows[0].cells[0], 'Formation souhaitée'); B(t.rows[0].cells[1], 'Type')
H(doc, 'VI – PERSPECTIVES')
doc.add_paragraph('Perspectives d\'évolution professionnelle (mobilité, concours, promotion) :')
for _ in range(4): doc.add_paragraph('.' * 110)
H(doc, 'VII – SIGNATURES')
p = doc.add_paragraph(); p.add_run("Signature de l'évaluateur : ").bold = True; p.add_run('__________________   le ____/____/______')
p = doc.add_paragraph(); p.add_run("Observations de l'agent : ").bold = True
for _ in range(2): doc.add_paragraph('.' * 110)
p = doc.add_paragraph(); p.add_run("Signature de l'agent : ").bold = True; p.add_run('__________________   le ____/____/______')
p = doc.add_paragraph(); p.add_run("Visa du directeur : ").bold = True; p.add_run('__________________   le ____/____/______')
doc.save(sys.argv[1])
