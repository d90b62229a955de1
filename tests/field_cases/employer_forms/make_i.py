"""Form I: a small commune's compte rendu typed by the town hall secretary in (English-language) Word.

No content controls, almost no tables. Quirks:
- every answer place is a run of SPACES underlined (w:u single), no leaders, no dots;
- French typography: NBSP before « : », typographic apostrophe (Nom d’usage), « N+1 » with NBSP;
- soft hyphens (w:softHyphen) and non-breaking hyphens (w:noBreakHyphen) inside labels;
- identity in a 2-column continuous section (w:cols num=2, column break);
- signature block: bold label, TAB to a right-aligned tab stop WITHOUT leader, value after it;
- boxes typed as « □ » (U+25A1), « ❑ » (U+2751) and capital letter « O »; one legacy FORMCHECKBOX
  in a document NOT protected for forms;
- objectives of last year as typed « 1. ……… » paragraphs, next year's as Word auto-numbered list;
- criteria grid: the only table; levels are columns 1 2 3 4 under a merged « Niveau » header split
  over two header rows, criteria as rows, legend of levels under the table;
- footnotes and an endnote carrying instructions;
- header repeating « Agent : ____ » (underlined spaces);
- section titles in small caps (w:smallCaps), typed in lowercase;
- document default language en-US (English Word) with French text untagged.
"""
import sys
from docx import Document
from docx.shared import Pt, Cm
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_BREAK
from docx.enum.section import WD_SECTION
from docx.oxml.ns import qn
from docx.oxml import OxmlElement, parse_xml
from docx.opc.part import Part
from docx.opc.packuri import PackURI

W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main'
XS = '{http://www.w3.org/XML/1998/namespace}space'
NB = '\u00a0'
AP = '\u2019'


def el(tag, **attrs):
    e = OxmlElement(tag)
    for k, v in attrs.items():
        e.set(qn(k), v)
    return e


def run(p, text, bold=False, underline=False, smallcaps=False, size=None):
    """Add a run; '\u00ad' in text becomes <w:softHyphen/>, '\u2011' becomes <w:noBreakHyphen/>."""
    r = el('w:r')
    rp = el('w:rPr')
    if bold:
        rp.append(el('w:b'))
    if smallcaps:
        rp.append(el('w:smallCaps'))
    if size:
        rp.append(el('w:sz', **{'w:val': str(size * 2)}))
    if underline:
        rp.append(el('w:u', **{'w:val': 'single'}))
    if len(rp):
        r.append(rp)
    buf = ''
    for ch in text:
        if ch in ('\u00ad', '\u2011', '\t'):
            if buf:
                t = el('w:t'); t.set(XS, 'preserve'); t.text = buf; r.append(t); buf = ''
            r.append(el({'\u00ad': 'w:softHyphen', '\u2011': 'w:noBreakHyphen', '\t': 'w:tab'}[ch]))
        else:
            buf += ch
    if buf:
        t = el('w:t'); t.set(XS, 'preserve'); t.text = buf; r.append(t)
    p._p.append(r)
    return r


def blank(p, n=40):
    return run(p, ' ' * n, underline=True)


def line_field(doc, label, n=40):
    p = doc.add_paragraph()
    run(p, label + NB + ': ')
    blank(p, n)
    return p


def underlined_lines(doc, k=3, n=95):
    for _ in range(k):
        p = doc.add_paragraph()
        blank(p, n)


def title(doc, text):
    p = doc.add_paragraph()
    p.paragraph_format.space_before = Pt(12)
    p.paragraph_format.keep_with_next = True
    run(p, text, bold=True, smallcaps=True, size=12)
    return p


def tab_field(doc, label):
    p = doc.add_paragraph()
    p.paragraph_format.tab_stops.add_tab_stop(Cm(16.5), WD_TAB_ALIGNMENT.RIGHT)  # no leader
    run(p, label, bold=True)
    run(p, '\t')
    return p


def formcheckbox(p, name):
    r1 = el('w:r'); fc = el('w:fldChar', **{'w:fldCharType': 'begin'}); ff = el('w:ffData')
    ff.append(el('w:name', **{'w:val': name})); ff.append(el('w:enabled'))
    ff.append(el('w:calcOnExit', **{'w:val': '0'}))
    cb = el('w:checkBox'); cb.append(el('w:sizeAuto')); cb.append(el('w:default', **{'w:val': '0'}))
    ff.append(cb); fc.append(ff); r1.append(fc); p._p.append(r1)
    r2 = el('w:r'); it = el('w:instrText'); it.set(XS, 'preserve'); it.text = ' FORMCHECKBOX '
    r2.append(it); p._p.append(r2)
    r5 = el('w:r'); r5.append(el('w:fldChar', **{'w:fldCharType': 'end'})); p._p.append(r5)


# ---------------------------------------------------------------- footnotes / endnotes parts
NOTES = {'footnotes': [], 'endnotes': []}


def note_ref(p, kind, text):
    NOTES[kind].append(text)
    nid = str(len(NOTES[kind]))
    r = el('w:r'); rp = el('w:rPr')
    rp.append(el('w:rStyle', **{'w:val': 'FootnoteReference' if kind == 'footnotes' else 'EndnoteReference'}))
    rp.append(el('w:vertAlign', **{'w:val': 'superscript'}))
    r.append(rp)
    r.append(el('w:footnoteReference' if kind == 'footnotes' else 'w:endnoteReference', **{'w:id': nid}))
    p._p.append(r)


def notes_xml(kind):
    root = 'footnotes' if kind == 'footnotes' else 'endnotes'
    item = 'footnote' if kind == 'footnotes' else 'endnote'
    ref = 'footnoteRef' if kind == 'footnotes' else 'endnoteRef'
    parts = [f'<w:{root} xmlns:w="{W}">',
             f'<w:{item} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{item}>',
             f'<w:{item} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:{item}>']
    for i, t in enumerate(NOTES[kind], 1):
        parts.append(f'<w:{item} w:id="{i}"><w:p><w:pPr><w:spacing w:after="0"/></w:pPr>'
                     f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:{ref}/></w:r>'
                     f'<w:r><w:rPr><w:sz w:val="16"/></w:rPr><w:t xml:space="preserve"> {t}</w:t></w:r></w:p></w:{item}>')
    parts.append(f'</w:{root}>')
    return ''.join(parts).encode('utf-8')


def build(path):
    doc = Document()
    st = doc.styles['Normal']
    st.font.name = 'Calibri'; st.font.size = Pt(10.5)
    # English-language Word: default language en-US, French text not tagged
    rpr_default = doc.styles.element.find(qn('w:docDefaults')).find(qn('w:rPrDefault')).find(qn('w:rPr'))
    for old in rpr_default.findall(qn('w:lang')):
        rpr_default.remove(old)
    rpr_default.append(el('w:lang', **{'w:val': 'en-US', 'w:eastAsia': 'en-US', 'w:bidi': 'ar-SA'}))
    sec = doc.sections[0]
    sec.left_margin = sec.right_margin = Cm(2.2)
    sec.top_margin = Cm(2); sec.bottom_margin = Cm(2)

    # header repeating the agent's name place
    hp = sec.header.paragraphs[0]
    run(hp, 'Commune de Saint-Hilaire-du-Bois – Entretien professionnel 2026', size=8)
    hp2 = sec.header.add_paragraph()
    run(hp2, 'Agent' + NB + ': ', size=8)
    blank(hp2, 35)
    fp = sec.footer.paragraphs[0]
    run(fp, 'CR entretien – modèle mairie – version 2026', size=8)

    p = doc.add_paragraph(); p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(p, 'Mairie de Saint-Hilaire-du-Bois', bold=True, size=12)
    p = doc.add_paragraph(); p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(p, 'COMPTE RENDU D' + AP + 'ENTRETIEN PROFESSIONNEL', bold=True, size=14)
    p = doc.add_paragraph(); p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(p, 'Année 2026 – décret n°' + NB + '2014‑1526 du 16' + NB + 'décembre 2014')
    note_ref(p, 'footnotes', 'Décret relatif à l' + AP + 'appréciation de la valeur professionnelle des fonctionnaires territoriaux. '
             'Remplir à l' + AP + 'écran ou à la main, en lettres capitales.')

    title(doc, '1. Identification de l' + AP + 'agent et de son supérieur hiérarchique direct')

    # two-column continuous section for identity
    doc.add_section(WD_SECTION.CONTINUOUS)
    prev = doc.sections[0]._sectPr  # the first section's sectPr is now inside the last paragraph
    s2 = doc.sections[-1]._sectPr
    cols = s2.find(qn('w:cols'))
    if cols is None:
        cols = el('w:cols'); s2.append(cols)
    # (set after content; keep reference)
    p = doc.add_paragraph(); run(p, 'L' + AP + 'agent', bold=True)
    line_field(doc, 'Nom d' + AP + 'usage', 28)
    line_field(doc, 'Nom de famille', 25)
    line_field(doc, 'Prénom', 32)
    line_field(doc, 'Matricule', 30)
    line_field(doc, 'Grade', 33)
    line_field(doc, 'Service d' + AP + 'affectation', 20)
    p = doc.add_paragraph(); p.add_run().add_break(WD_BREAK.COLUMN)
    run(p, 'Le supérieur hiérarchique direct (N' + NB + '+' + NB + '1)', bold=True)
    line_field(doc, 'Nom et prénom du N' + NB + '+' + NB + '1', 16)
    line_field(doc, 'Fonction', 30)
    line_field(doc, 'Date de la convocation', 14)
    doc.add_section(WD_SECTION.CONTINUOUS)
    # the section that just ended (2 columns) is stored in the last paragraph's pPr
    body = doc.element.body
    sect_in_par = [sp for sp in body.iter(qn('w:sectPr')) if sp.getparent().tag == qn('w:pPr')]
    two_col = sect_in_par[-1]
    c = two_col.find(qn('w:cols'))
    if c is None:
        c = el('w:cols'); two_col.append(c)
    c.set(qn('w:num'), '2'); c.set(qn('w:space'), '567')

    tab_field(doc, 'Date de l' + AP + 'entretien professionnel')

    title(doc, '2. Description du poste occupé par l' + AP + 'agent')
    line_field(doc, 'Intitulé du poste', 60)
    p = doc.add_paragraph(); run(p, 'Missions princi\u00adpales du poste' + NB + ':')
    underlined_lines(doc, 3)
    p = doc.add_paragraph(); run(p, 'Évolution du poste et mise à jour de la fiche de poste' + NB + ':')
    underlined_lines(doc, 2)
    p = doc.add_paragraph()
    run(p, 'L' + AP + 'agent encadre\u2011t\u2011il des agents' + NB + '?      \u25a1 Oui      \u25a1 Non')
    line_field(doc, 'Si oui, nombre d' + AP + 'agents encadrés', 10)

    title(doc, '3. Résultats professionnels obtenus')
    p = doc.add_paragraph()
    run(p, '\u2751 Premier entretien' + NB + ': aucun objectif n' + AP + 'avait été fixé l' + AP + 'an dernier')
    p = doc.add_paragraph()
    run(p, 'Rappel des objectifs fixés l' + AP + 'an dernier et niveau d' + AP + 'atteinte (atteint, partiellement atteint, '
        'non atteint, devenu sans objet)' + NB + ':')
    for i in range(1, 4):
        p = doc.add_paragraph()
        p.paragraph_format.left_indent = Cm(0.6)
        run(p, f'{i}. ' + '…' * 38 + '  Atteinte' + NB + ': ' + '…' * 12)
    p = doc.add_paragraph(); run(p, 'Événements survenus au cours de la période écoulée' + NB + ':')
    underlined_lines(doc, 2)

    title(doc, '4. Objectifs fixés pour l' + AP + 'année à venir')
    p = doc.add_paragraph()
    run(p, 'Objectifs (indiquer pour chacun l' + AP + 'indicateur de résultat et l' + AP + 'échéance)' + NB + ':')
    for i in range(3):
        p = doc.add_paragraph(style='List Number')
        run(p, '…' * 55)

    title(doc, '5. Manière de servir')
    p = doc.add_paragraph()
    run(p, 'Cocher d' + AP + 'une croix le niveau retenu pour chaque critère')
    note_ref(p, 'footnotes', '1' + NB + ': à acquérir – 2' + NB + ': à développer – 3' + NB + ': maîtrise – 4' + NB + ': expert. '
             'Une seule croix par ligne.')
    crit = ['Compétences professionnelles et technicité',
            'Contribution à l' + AP + 'activité du service',
            'Qualités personnelles et relationnelles',
            'Capacité d' + AP + 'encadrement ou à exercer des fonctions d' + AP + 'un niveau supérieur']
    t = doc.add_table(rows=2 + len(crit), cols=5)
    t.style = 'Table Grid'
    a = t.cell(0, 0); a.text = ''
    run(a.paragraphs[0], 'Critères', bold=True)
    a.merge(t.cell(1, 0))
    n = t.cell(0, 1).merge(t.cell(0, 4))
    run(n.paragraphs[0], 'Niveau', bold=True); n.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for j in range(4):
        c = t.cell(1, j + 1); run(c.paragraphs[0], str(j + 1), bold=True)
        c.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for i, k in enumerate(crit):
        run(t.cell(i + 2, 0).paragraphs[0], k)
    for row in t.rows:
        row.cells[0].width = Cm(9)
        for c in row.cells[1:]:
            c.width = Cm(1.6)
    for r_ in t.rows[:2]:
        trPr = r_._tr.get_or_add_trPr(); trPr.append(el('w:tblHeader'))
    p = doc.add_paragraph()
    run(p, 'Niveaux' + NB + ': 1 = à acquérir, 2 = à développer, 3 = maîtrise, 4 = expert', size=8)
    p = doc.add_paragraph(); run(p, 'Appré\u00adciation de l' + AP + 'encadrement exercé (le cas échéant)' + NB + ':')
    underlined_lines(doc, 2)

    title(doc, '6. Acquis de l' + AP + 'expérience professionnelle')
    underlined_lines(doc, 2)

    title(doc, '7. Appré\u00adciation générale sur la valeur professionnelle')
    p = doc.add_paragraph()
    run(p, 'Appré\u00adciation littérale du supérieur hiérarchique direct', size=9)
    note_ref(p, 'footnotes', 'L' + AP + 'appréciation tient compte des résultats, de la manière de servir et des perspectives ; '
             'elle ne doit pas être discriminatoire.')
    underlined_lines(doc, 4)

    title(doc, '8. Besoins de formation')
    p = doc.add_paragraph()
    formcheckbox(p, 'AucunBesoin')
    run(p, ' Aucun besoin de formation exprimé')
    p = doc.add_paragraph()
    run(p, 'L' + AP + 'agent a été informé de son compte personnel de formation (CPF)' + NB + ':    O Oui    O Non')
    p = doc.add_paragraph()
    run(p, 'Formations demandées (intitulé – type' + NB + ': intégration, professionnalisation, perfectionnement, '
        'préparation aux concours – avis du N' + NB + '+' + NB + '1)' + NB + ':')
    for i in range(1, 4):
        p = doc.add_paragraph(); p.paragraph_format.left_indent = Cm(0.6)
        run(p, f'{i}. ')
        blank(p, 80)

    title(doc, '9. Perspectives d' + AP + 'évolution professionnelle')
    p = doc.add_paragraph(); run(p, 'Perspectives d' + AP + 'évolution de carrière' + NB + ':')
    underlined_lines(doc, 2)
    line_field(doc, 'Projet de mobilité', 70)
    p = doc.add_paragraph()
    run(p, 'Agent au dernier échelon de son grade depuis au moins trois ans' + NB + ':    \u2751 Oui    \u2751 Non')
    p = doc.add_paragraph(); run(p, 'Si oui, appré\u00adciation des perspectives d' + AP + 'accès au grade supérieur' + NB + ':')
    underlined_lines(doc, 2)

    title(doc, '10. Attentes et propositions de l' + AP + 'agent')
    underlined_lines(doc, 2)

    title(doc, '11. Signatures')
    tab_field(doc, 'Nom et signature de l' + AP + 'évaluateur (N' + NB + '+' + NB + '1)')
    tab_field(doc, 'Date de signature de l' + AP + 'évaluateur')
    tab_field(doc, 'Date de communication du compte rendu à l' + AP + 'agent')
    p = doc.add_paragraph(); run(p, 'Observations de l' + AP + 'agent' + NB + ':')
    note_ref(p, 'endnotes', 'L' + AP + 'agent dispose de 15 jours pour formuler ses observations. Il peut demander la révision '
             'du compte rendu à l' + AP + 'autorité territoriale dans les 15 jours francs suivant sa notification, puis saisir '
             'la CAP dans le mois suivant la réponse.')
    underlined_lines(doc, 3)
    tab_field(doc, 'Date de prise de connaissance par l' + AP + 'agent')
    tab_field(doc, 'Signature de l' + AP + 'agent')
    tab_field(doc, 'Visa de l' + AP + 'autorité territoriale (le Maire)')
    tab_field(doc, 'Date du visa')
    tab_field(doc, 'Date de notification à l' + AP + 'agent')
    tab_field(doc, 'Signature de l' + AP + 'agent (notification)')
    p = doc.add_paragraph()
    run(p, '\u25a1 L' + AP + 'agent refuse de signer – mode de notification' + NB + ':  \u25a1 remise en main propre   '
        '\u25a1 lettre recommandée avec accusé de réception')

    # add notes parts
    dpart = doc.part
    for kind, ct, rt in (('footnotes', 'application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml',
                          'http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes'),
                         ('endnotes', 'application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml',
                          'http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes')):
        part = Part(PackURI(f'/word/{kind}.xml'), ct, notes_xml(kind), dpart.package)
        dpart.relate_to(part, rt)
    settings = doc.settings.element
    compat = settings.find(qn('w:compat'))
    fnp = parse_xml(f'<w:footnotePr xmlns:w="{W}"><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>')
    enp = parse_xml(f'<w:endnotePr xmlns:w="{W}"><w:endnote w:id="-1"/><w:endnote w:id="0"/></w:endnotePr>')
    if compat is not None:
        compat.addprevious(fnp); compat.addprevious(enp)
    else:
        settings.append(fnp); settings.append(enp)
    tfl = settings.find(qn('w:themeFontLang'))
    if tfl is None:
        settings.append(el('w:themeFontLang', **{'w:val': 'en-US'}))
    doc.core_properties.title = 'Compte rendu entretien professionnel'
    doc.core_properties.author = 'Secrétariat de mairie'
    doc.save(path)


if __name__ == '__main__':
    build(sys.argv[1] if len(sys.argv) > 1 else 'I_commune_paragraphes.docx')
