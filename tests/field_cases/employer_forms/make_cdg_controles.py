"""Form 1: CDG commune form made of Word content controls (w:sdt)."""
import sys, zipfile, shutil, re, itertools
from docx import Document
from docx.shared import Pt, Cm
from docx.enum.text import WD_ALIGN_PARAGRAPH
from lxml import etree
NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
      'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml"')
W = '{http://schemas.openxmlformats.org/wordprocessingml/2006/main}'
ids = itertools.count(1000)
PH_TXT = 'Cliquez ici pour entrer du texte.'
PH_DATE = 'Cliquez ici pour entrer une date.'
PH_LIST = 'Choisissez un élément.'
def frag(x): return etree.fromstring('<w:root %s>%s</w:root>' % (NS, x))[0]
def ph_run(t): return '<w:r><w:rPr><w:rStyle w:val="PlaceholderText"/></w:rPr><w:t xml:space="preserve">%s</w:t></w:r>' % t
def pr(alias, tag, kind):
    return ('<w:sdtPr><w:rPr><w:rStyle w:val="PlaceholderText"/></w:rPr><w:alias w:val="%s"/><w:tag w:val="%s"/><w:id w:val="%d"/>'
            '<w:placeholder><w:docPart w:val="DefaultPlaceholder_-18540134%02d"/></w:placeholder><w:showingPlcHdr/>%s</w:sdtPr>') % (alias, tag, next(ids), next(ids) % 100, kind)
def text_cc(alias, tag=None): return '<w:sdt>%s<w:sdtContent>%s</w:sdtContent></w:sdt>' % (pr(alias, tag or alias, '<w:text/>'), ph_run(PH_TXT))
def date_cc(alias, tag=None):
    return '<w:sdt>%s<w:sdtContent>%s</w:sdtContent></w:sdt>' % (pr(alias, tag or alias,
        '<w:date><w:dateFormat w:val="dd/MM/yyyy"/><w:lid w:val="fr-FR"/><w:storeMappedDataAs w:val="dateTime"/><w:calendar w:val="gregorian"/></w:date>'), ph_run(PH_DATE))
def list_cc(alias, items, tag=None):
    li = '<w:listItem w:displayText="%s" w:value=""/>' % PH_LIST + ''.join('<w:listItem w:displayText="%s" w:value="%s"/>' % (i, i) for i in items)
    return '<w:sdt>%s<w:sdtContent>%s</w:sdtContent></w:sdt>' % (pr(alias, tag or alias, '<w:dropDownList>%s</w:dropDownList>' % li), ph_run(PH_LIST))
def check_cc(alias, tag=None):
    return ('<w:sdt><w:sdtPr><w:alias w:val="%s"/><w:tag w:val="%s"/><w:id w:val="%d"/><w14:checkbox><w14:checked w14:val="0"/>'
            '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/><w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox></w:sdtPr>'
            '<w:sdtContent><w:r><w:rPr><w:rFonts w:ascii="MS Gothic" w:eastAsia="MS Gothic" w:hAnsi="MS Gothic" w:hint="eastAsia"/></w:rPr><w:t>\u2610</w:t></w:r></w:sdtContent></w:sdt>') % (alias, tag or alias, next(ids))
def rich_block(alias, tag=None):
    return '<w:sdt>%s<w:sdtContent><w:p>%s</w:p></w:sdtContent></w:sdt>' % (pr(alias, tag or alias, ''), ph_run(PH_TXT))
def put_inline(p, xml):  p._p.append(frag(xml))
def cell_cc(cell, xml):
    p = cell.paragraphs[0]; put_inline(p, xml)
def label(cell, t):
    r = cell.paragraphs[0].add_run(t); r.bold = True; r.font.size = Pt(9)
def heading(doc, t):
    p = doc.add_paragraph(); r = p.add_run(t); r.bold = True; r.font.size = Pt(11); p.paragraph_format.space_before = Pt(10)
def hdr_table(doc, heads):
    t = doc.add_table(rows=2, cols=len(heads)); t.style = 'Table Grid'
    for i, h in enumerate(heads): label(t.rows[0].cells[i], h)
    return t
def make_repeating(tbl, row_index, alias, tag):
    """wrap row row_index in a repeating section sdt with one item"""
    tr = tbl._tbl.findall(W + 'tr')[row_index]
    outer = frag('<w:sdt><w:sdtPr><w:alias w:val="%s"/><w:tag w:val="%s"/><w:id w:val="%d"/><w15:repeatingSection/></w:sdtPr><w:sdtContent>'
                 '<w:sdt><w:sdtPr><w:id w:val="%d"/><w15:repeatingSectionItem/></w:sdtPr><w:sdtContent/></w:sdt></w:sdtContent></w:sdt>' % (alias, tag, next(ids), next(ids)))
    tr.addprevious(outer)
    outer.find(W + 'sdtContent').find(W + 'sdt').find(W + 'sdtContent').append(tr)

def build(path):
    doc = Document()
    st = doc.styles['Normal']; st.font.name = 'Arial'; st.font.size = Pt(10)
    sec = doc.sections[0]
    sec.header.paragraphs[0].text = 'Centre de gestion de la fonction publique territoriale de la Gironde – pour la Commune de Saint-Exemple'
    sec.footer.paragraphs[0].text = 'Modèle CDG 33 – entretien professionnel – version 2026'
    p = doc.add_paragraph(); p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = p.add_run("COMPTE RENDU DE L'ENTRETIEN PROFESSIONNEL"); r.bold = True; r.font.size = Pt(15)
    p = doc.add_paragraph('Année 2026 – décret n° 2014-1526 du 16 décembre 2014'); p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading(doc, "1. IDENTIFICATION DE L'AGENT")
    t = doc.add_table(rows=5, cols=2); t.style = 'Table Grid'
    for i, (lab, al) in enumerate([('Nom', 'Nom'), ('Prénom', 'Prénom'), ('Grade', 'Grade'), ('Emploi occupé', 'Emploi'), ('Service', 'Service')]):
        label(t.rows[i].cells[0], lab); cell_cc(t.rows[i].cells[1], text_cc(al))
    heading(doc, "2. SUPÉRIEUR HIÉRARCHIQUE DIRECT")
    t = doc.add_table(rows=2, cols=2); t.style = 'Table Grid'
    label(t.rows[0].cells[0], 'Nom et prénom'); cell_cc(t.rows[0].cells[1], text_cc('Évaluateur', 'Evaluateur'))
    label(t.rows[1].cells[0], 'Fonction'); cell_cc(t.rows[1].cells[1], text_cc('Fonction évaluateur', 'FonctionEvaluateur'))
    p = doc.add_paragraph(); p.add_run("Date de l'entretien professionnel : ").bold = True; put_inline(p, date_cc("Date de l'entretien", 'DateEntretien'))
    p = doc.add_paragraph(); p.add_run("L'agent encadre-t-il des agents ?  ").bold = True
    put_inline(p, check_cc('Encadrant Oui', 'EncadreOui')); p.add_run(' Oui    ')
    put_inline(p, check_cc('Encadrant Non', 'EncadreNon')); p.add_run(' Non')
    heading(doc, "3. RÉSULTATS PROFESSIONNELS ET OBJECTIFS")
    doc.add_paragraph("Objectifs fixés pour l'année à venir")
    t = hdr_table(doc, ['Objectif', 'Indicateurs / résultats attendus', 'Échéance'])
    cell_cc(t.rows[1].cells[0], text_cc('Objectif')); cell_cc(t.rows[1].cells[1], text_cc('Indicateur')); cell_cc(t.rows[1].cells[2], date_cc('Échéance', 'Echeance'))
    make_repeating(t, 1, 'Objectifs', 'Objectifs')
    heading(doc, "4. VALEUR PROFESSIONNELLE DE L'AGENT")
    crit = ['Efficacité dans l\'emploi et réalisation des objectifs', 'Compétences professionnelles et techniques',
            'Qualités relationnelles', "Capacité d'encadrement ou d'expertise ou, le cas échéant, à exercer des fonctions d'un niveau supérieur"]
    lv = ['Très satisfaisant', 'Satisfaisant', 'À améliorer', 'Insuffisant']
    t = hdr_table(doc, ['Critère', 'Niveau'])
    for _ in crit[1:]: t.add_row()
    for i, c in enumerate(crit):
        t.rows[1 + i].cells[0].paragraphs[0].add_run(c); cell_cc(t.rows[1 + i].cells[1], list_cc('Niveau %d' % (i + 1), lv, 'Niveau%d' % (i + 1)))
    p = doc.add_paragraph(); p.add_run('Appréciation générale').bold = True
    doc.element.body.insert(doc.element.body.index(p._p) + 1, frag(rich_block('Appréciation générale', 'AppreciationGenerale')))
    heading(doc, "5. BESOINS DE FORMATION")
    t = hdr_table(doc, ['Intitulé de la formation', 'Type', 'Durée'])
    cell_cc(t.rows[1].cells[0], text_cc('Formation')); cell_cc(t.rows[1].cells[1], list_cc('Type', ['T1', 'T2', 'T3'])); cell_cc(t.rows[1].cells[2], text_cc('Durée', 'Duree'))
    make_repeating(t, 1, 'Formations', 'Formations')
    p = doc.add_paragraph(); p.add_run("Perspectives d'évolution professionnelle").bold = True
    doc.element.body.insert(doc.element.body.index(p._p) + 1, frag(rich_block('Perspectives', 'Perspectives')))
    p = doc.add_paragraph(); p.add_run("Observations de l'agent").bold = True
    doc.element.body.insert(doc.element.body.index(p._p) + 1, frag(rich_block("Observations de l'agent", 'ObservationsAgent')))
    heading(doc, "6. SIGNATURES")
    t = doc.add_table(rows=3, cols=3); t.style = 'Table Grid'
    for i, (a, b, c) in enumerate([("Signature de l'évaluateur", 'SignatureEvaluateur', 'DateSignatureEvaluateur'),
                                    ("Signature de l'agent", 'SignatureAgent', 'DateSignatureAgent'),
                                    ("Visa de l'autorité territoriale", 'VisaAutorite', 'DateVisa')]):
        label(t.rows[i].cells[0], a); cell_cc(t.rows[i].cells[1], text_cc(a, b)); cell_cc(t.rows[i].cells[2], date_cc('Date ' + a[13:] if a.startswith('Signature') else 'Date du visa', c))
    doc.save(path)
    # root namespaces + mc:Ignorable as Word writes them
    z = zipfile.ZipFile(path); items = {n: z.read(n) for n in z.namelist()}; z.close()
    x = items['word/document.xml'].decode()
    x = re.sub(r'<w:document ', '<w:document xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml" ', x, 1).replace('mc:Ignorable="w14 wp14"', 'mc:Ignorable="w14 w15 wp14"', 1)
    x = x.replace(' xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">', '>')
    items['word/document.xml'] = x.encode()
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        for n, b in items.items(): z.writestr(n, b)
if __name__ == '__main__': build(sys.argv[1])
