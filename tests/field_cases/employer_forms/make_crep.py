"""Build a State ministry CREP blank form (.docx): nested tables, label-above-value identity,
legacy FORMTEXT / FORMCHECKBOX fields, X criteria grid with merged header, objective tables,
training table, free-text boxes, signature table, document protection (forms)."""
import sys
from docx import Document
from docx.shared import Pt, Cm
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.oxml import OxmlElement
from lxml import etree

W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main'
def el(tag, **attrs):
    e = OxmlElement(tag)
    for k, v in attrs.items():
        e.set(qn(k), v)
    return e

def fld_run(p, kind, name, checked=False, text=None):
    """Append a legacy form field to paragraph p."""
    r1 = el('w:r'); fc = el('w:fldChar', **{'w:fldCharType': 'begin'}); ff = el('w:ffData')
    ff.append(el('w:name', **{'w:val': name})); ff.append(el('w:enabled'))
    ff.append(el('w:calcOnExit', **{'w:val': '0'}))
    if kind == 'text':
        ti = el('w:textInput'); ti.append(el('w:type', **{'w:val': 'date'}))
        ti.append(el('w:format', **{'w:val': 'dd/MM/yyyy'})); ff.append(ti)
    else:
        cb = el('w:checkBox'); cb.append(el('w:sizeAuto')); cb.append(el('w:default', **{'w:val': '0'}))
        if checked: cb.append(el('w:checked'))
        ff.append(cb)
    fc.append(ff); r1.append(fc); p._p.append(r1)
    r2 = el('w:r'); it = el('w:instrText'); it.set('{http://www.w3.org/XML/1998/namespace}space', 'preserve')
    it.text = ' FORMTEXT ' if kind == 'text' else ' FORMCHECKBOX '; r2.append(it); p._p.append(r2)
    if kind == 'text':
        r3 = el('w:r'); r3.append(el('w:fldChar', **{'w:fldCharType': 'separate'})); p._p.append(r3)
        r4 = el('w:r'); rp = el('w:rPr'); rp.append(el('w:noProof')); r4.append(rp)
        t = el('w:t'); t.set('{http://www.w3.org/XML/1998/namespace}space', 'preserve')
        t.text = text if text is not None else '\u2002' * 5; r4.append(t); p._p.append(r4)
    r5 = el('w:r'); r5.append(el('w:fldChar', **{'w:fldCharType': 'end'})); p._p.append(r5)

def shade(cell, color='D9D9D9'):
    tcPr = cell._tc.get_or_add_tcPr(); tcPr.append(el('w:shd', **{'w:val': 'clear', 'w:color': 'auto', 'w:fill': color}))

def bold(cell, text, center=False):
    p = cell.paragraphs[0]; r = p.add_run(text); r.bold = True; r.font.size = Pt(9)
    if center: p.alignment = WD_ALIGN_PARAGRAPH.CENTER

def heading(doc, text):
    p = doc.add_paragraph(); r = p.add_run(text); r.bold = True; r.font.size = Pt(11)
    p.paragraph_format.space_before = Pt(10)
    pPr = p._p.get_or_add_pPr(); bdr = el('w:pBdr'); b = el('w:bottom', **{'w:val': 'single', 'w:sz': '6', 'w:space': '1', 'w:color': '000080'})
    bdr.append(b); pPr.append(bdr)
    return p

def header_table(doc_or_cell, headers, nrows, widths=None):
    t = doc_or_cell.add_table(rows=1 + nrows, cols=len(headers)); t.style = 'Table Grid'
    for i, h in enumerate(headers):
        bold(t.rows[0].cells[i], h, center=True); shade(t.rows[0].cells[i])
    if widths:
        for row in t.rows:
            for i, w in enumerate(widths): row.cells[i].width = Cm(w)
    return t

def free_box(doc, lines=4):
    t = doc.add_table(rows=1, cols=1); t.style = 'Table Grid'
    c = t.rows[0].cells[0]
    for _ in range(lines - 1): c.add_paragraph()
    return t

def build(path):
    doc = Document()
    st = doc.styles['Normal']; st.font.name = 'Marianne'; st.font.size = Pt(10)
    sec = doc.sections[0]; sec.left_margin = sec.right_margin = Cm(1.8)
    hp = sec.header.paragraphs[0]; hp.text = 'MINISTÈRE DE LA TRANSITION ÉCOLOGIQUE\nSecrétariat général – Direction des ressources humaines'
    fp = sec.footer.paragraphs[0]; fp.text = 'CREP 2026 – modèle ministériel – document confidentiel'

    p = doc.add_paragraph(); p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = p.add_run("COMPTE RENDU D'ENTRETIEN PROFESSIONNEL"); r.bold = True; r.font.size = Pt(16)
    p = doc.add_paragraph(); p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = p.add_run('Année 2026'); r.bold = True; r.font.size = Pt(13)
    p = doc.add_paragraph('(décret n° 2010-888 du 28 juillet 2010 modifié – arrêté du 18 mars 2013)'); p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    # 1. Identity: outer 1-cell frame with a nested table, labels above values
    heading(doc, '1. IDENTIFICATION DE L\'AGENT')
    outer = doc.add_table(rows=1, cols=1); outer.style = 'Table Grid'
    oc = outer.rows[0].cells[0]
    oc.paragraphs[0].add_run('Agent évalué').bold = True
    inner = oc.add_table(rows=2, cols=4); inner.style = 'Table Grid'
    for i, h in enumerate(["Nom d'usage", 'Prénom', 'Corps-grade', 'Affectation']):
        bold(inner.rows[0].cells[i], h); shade(inner.rows[0].cells[i], 'F2F2F2')
    oc.add_paragraph()
    inner2 = oc.add_table(rows=2, cols=3); inner2.style = 'Table Grid'
    for i, h in enumerate(['Nom de famille', 'Date de naissance', 'Échelon']):
        bold(inner2.rows[0].cells[i], h); shade(inner2.rows[0].cells[i], 'F2F2F2')
    oc.add_paragraph()

    # 2. Evaluator: label cell | value cell, in a nested table too
    heading(doc, '2. SUPÉRIEUR HIÉRARCHIQUE DIRECT (N+1)')
    ev = doc.add_table(rows=2, cols=2); ev.style = 'Table Grid'
    bold(ev.rows[0].cells[0], 'Nom, prénom'); bold(ev.rows[1].cells[0], 'Fonction')
    for row in ev.rows: row.cells[0].width = Cm(5); row.cells[1].width = Cm(12)
    p = doc.add_paragraph(); p.add_run("Date de l'entretien professionnel : ").bold = True
    fld_run(p, 'text', 'DateEntretien')

    # 3. Manière de servir grid with a merged « Niveau » header
    heading(doc, '3. MANIÈRE DE SERVIR')
    doc.add_paragraph("Appréciation des critères (cocher d'une croix « X » la case correspondante)")
    crit = ['Compétences professionnelles et technicité', "Contribution à l'activité du service",
            'Capacités professionnelles et relationnelles', "Aptitude à l'encadrement et/ou à la conduite de projets",
            'Sens du service public et respect des obligations déontologiques']
    levels = ['Excellent', 'Très bon', 'Bon', 'À améliorer', 'Insuffisant']
    g = doc.add_table(rows=2 + len(crit), cols=6); g.style = 'Table Grid'
    bold(g.rows[0].cells[0], 'Critères'); shade(g.rows[0].cells[0])
    m = g.rows[0].cells[1].merge(g.rows[0].cells[5]); bold(m, 'Niveau', center=True); shade(m)
    g.rows[1].cells[0].merge(g.rows[0].cells[0])  # vertical merge of « Critères »
    for i, l in enumerate(levels):
        bold(g.rows[1].cells[1 + i], l, center=True); shade(g.rows[1].cells[1 + i])
    for j, c in enumerate(crit):
        g.rows[2 + j].cells[0].paragraphs[0].add_run(c).font.size = Pt(9)
        for i in range(5): g.rows[2 + j].cells[1 + i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER

    # 4. Past-year objectives
    heading(doc, "4. RÉSULTATS PROFESSIONNELS OBTENUS PAR L'AGENT")
    doc.add_paragraph("Objectifs de l'année écoulée et résultats obtenus").runs[0].bold = True
    header_table(doc, ['Objectif', 'Résultat / Indicateur'], 3, [9, 8])
    # 5. Coming-year objectives
    heading(doc, "5. OBJECTIFS FIXÉS POUR L'ANNÉE À VENIR")
    doc.add_paragraph("Objectifs de l'année à venir").runs[0].bold = True
    header_table(doc, ['Objectif', 'Résultat / Indicateur'], 3, [9, 8])
    # 6. Training
    heading(doc, '6. BESOINS DE FORMATION')
    header_table(doc, ['Intitulé', 'Durée', 'Priorité'], 3, [11, 3, 3])
    # 7. Perspectives
    heading(doc, "7. PERSPECTIVES D'ÉVOLUTION PROFESSIONNELLE")
    doc.add_paragraph('(évolution des activités, mobilité, promotion, préparation aux concours)')
    free_box(doc)
    # 8. Appréciation
    heading(doc, '8. APPRÉCIATION GÉNÉRALE LITTÉRALE')
    doc.add_paragraph("(valeur professionnelle, manière de servir, réalisation des objectifs)")
    free_box(doc)
    # 9. Observations
    heading(doc, "9. OBSERVATIONS DE L'AGENT")
    doc.add_paragraph("(sur l'entretien, les appréciations portées et les perspectives)")
    free_box(doc)
    # 10. Signatures
    heading(doc, '10. SIGNATURES')
    s = header_table(doc, ["Signature de l'évaluateur", 'Date', "Signature de l'agent"], 1, [6.5, 4, 6.5])
    s.rows[1].height = Cm(2)
    p = doc.add_paragraph(); fld_run(p, 'check', 'CaseConnaissance')
    p.add_run(" L'agent a pris connaissance du compte rendu")
    p = doc.add_paragraph("Date de prise de connaissance : "); fld_run(p, 'text', 'DateConnaissance')

    # document protection: forms only
    settings = doc.settings.element
    dp = el('w:documentProtection', **{'w:edit': 'forms', 'w:enforcement': '1'})
    anchor = settings.find(qn('w:defaultTabStop'))
    if anchor is not None: anchor.addprevious(dp)
    else: settings.append(dp)
    doc.save(path)

if __name__ == '__main__':
    build(sys.argv[1])
