"""Form G: a prefecture's CREP (FPE) as made in Microsoft Word.

Features: headings numbered by Word automatic list numbering (numPr, upperRoman "%1." and
"%1.%2"), identity in a 3-column table with vertically merged group labels (vMerge), check boxes
as Wingdings w:sym (F0A8 empty / F0FE ticked), a FORMDROPDOWN and FORMTEXT legacy fields (NOT
protected), a free-text area in a text box (wps:txbx in mc:AlternateContent + v:textbox fallback),
a second landscape section for the criteria grid with a repeated header row (w:tblHeader),
labels worded differently from the catalogue, first-page header (titlePg) and per-section footers.
"""
import sys, copy
from docx import Document
from docx.shared import Pt, Cm
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.enum.section import WD_SECTION, WD_ORIENT
from docx.oxml.ns import qn
from docx.oxml import OxmlElement, parse_xml
from lxml import etree

W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main'
XMLSPACE = '{http://www.w3.org/XML/1998/namespace}space'
NSDECL = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
          'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
          'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
          'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
          'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
          'xmlns:w10="urn:schemas-microsoft-com:office:word" '
          'xmlns:wp14="http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing"')

NUM_ID = '20'


def el(tag, **attrs):
    e = OxmlElement(tag)
    for k, v in attrs.items():
        e.set(qn(k), v)
    return e


def sym_run(p, checked=False):
    r = el('w:r'); rp = el('w:rPr')
    rp.append(el('w:rFonts', **{'w:ascii': 'Wingdings', 'w:hAnsi': 'Wingdings'}))
    rp.append(el('w:sz', **{'w:val': '22'})); r.append(rp)
    r.append(el('w:sym', **{'w:font': 'Wingdings', 'w:char': 'F0FE' if checked else 'F0A8'}))
    p._p.append(r)
    return r


def boxes(p, options, gap='    '):
    for i, o in enumerate(options):
        if i:
            p.add_run(gap)
        sym_run(p)
        p.add_run(' ' + o)


def formtext(p, name, date=True):
    r1 = el('w:r'); fc = el('w:fldChar', **{'w:fldCharType': 'begin'}); ff = el('w:ffData')
    ff.append(el('w:name', **{'w:val': name})); ff.append(el('w:enabled'))
    ff.append(el('w:calcOnExit', **{'w:val': '0'}))
    ti = el('w:textInput')
    if date:
        ti.append(el('w:type', **{'w:val': 'date'})); ti.append(el('w:format', **{'w:val': 'dd/MM/yyyy'}))
    ff.append(ti); fc.append(ff); r1.append(fc); p._p.append(r1)
    r2 = el('w:r'); it = el('w:instrText'); it.set(XMLSPACE, 'preserve'); it.text = ' FORMTEXT '
    r2.append(it); p._p.append(r2)
    r3 = el('w:r'); r3.append(el('w:fldChar', **{'w:fldCharType': 'separate'})); p._p.append(r3)
    r4 = el('w:r'); rp = el('w:rPr'); rp.append(el('w:noProof')); r4.append(rp)
    t = el('w:t'); t.set(XMLSPACE, 'preserve'); t.text = '\u2002' * 5; r4.append(t); p._p.append(r4)
    r5 = el('w:r'); r5.append(el('w:fldChar', **{'w:fldCharType': 'end'})); p._p.append(r5)


def formdropdown(p, name, entries):
    r1 = el('w:r'); fc = el('w:fldChar', **{'w:fldCharType': 'begin'}); ff = el('w:ffData')
    ff.append(el('w:name', **{'w:val': name})); ff.append(el('w:enabled'))
    ff.append(el('w:calcOnExit', **{'w:val': '0'}))
    dd = el('w:ddList')
    for e in entries:
        dd.append(el('w:listEntry', **{'w:val': e}))
    ff.append(dd); fc.append(ff); r1.append(fc); p._p.append(r1)
    r2 = el('w:r'); it = el('w:instrText'); it.set(XMLSPACE, 'preserve'); it.text = ' FORMDROPDOWN '
    r2.append(it); p._p.append(r2)
    r3 = el('w:r'); p._p.append(r3)
    r5 = el('w:r'); r5.append(el('w:fldChar', **{'w:fldCharType': 'end'})); p._p.append(r5)


def shade(cell, color='D9E2F3'):
    tcPr = cell._tc.get_or_add_tcPr()
    tcPr.append(el('w:shd', **{'w:val': 'clear', 'w:color': 'auto', 'w:fill': color}))


def bold(cell, text, center=False, size=9):
    p = cell.paragraphs[0]; r = p.add_run(text); r.bold = True; r.font.size = Pt(size)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def heading(doc, text, level=0):
    style = 'Heading 1' if level == 0 else 'Heading 2'
    p = doc.add_paragraph(text, style=style)
    pPr = p._p.get_or_add_pPr()
    numPr = el('w:numPr'); numPr.append(el('w:ilvl', **{'w:val': str(level)}))
    numPr.append(el('w:numId', **{'w:val': NUM_ID}))
    # numPr goes right after pStyle
    pPr.insert(1, numPr)
    return p


def frame(doc, lines=4):
    t = doc.add_table(rows=1, cols=1); t.style = 'Table Grid'
    c = t.rows[0].cells[0]
    for _ in range(lines - 1):
        c.add_paragraph()
    return t


def header_table(doc, headers, nrows, widths=None, repeat=False):
    t = doc.add_table(rows=1 + nrows, cols=len(headers)); t.style = 'Table Grid'
    for i, h in enumerate(headers):
        bold(t.rows[0].cells[i], h, center=True); shade(t.rows[0].cells[i])
    if widths:
        for row in t.rows:
            for i, w in enumerate(widths):
                row.cells[i].width = Cm(w)
    if repeat:
        trPr = t.rows[0]._tr.get_or_add_trPr(); trPr.append(el('w:tblHeader'))
    return t


def textbox(doc, box_id, name, width_cm=17, height_cm=4):
    """A paragraph holding an anchored text box, as Word 2016 writes it."""
    cx = int(width_cm * 360000); cy = int(height_cm * 360000)
    w_pt = width_cm * 28.3465; h_pt = height_cm * 28.3465
    inner = ('<w:txbxContent><w:p><w:pPr><w:spacing w:after="0"/></w:pPr></w:p>'
             '<w:p><w:pPr><w:spacing w:after="0"/></w:pPr></w:p>'
             '<w:p><w:pPr><w:spacing w:after="0"/></w:pPr></w:p></w:txbxContent>')
    xml = f'''<w:p {NSDECL}><w:pPr><w:spacing w:after="0"/></w:pPr><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="251659264" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>45720</wp:posOffset></wp:positionV><wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="19050" b="19050"/><wp:wrapTopAndBottom/><wp:docPr id="{box_id}" name="{name}"/><wp:cNvGraphicFramePr/><a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:solidFill><a:schemeClr val="lt1"/></a:solidFill><a:ln w="6350"><a:solidFill><a:prstClr val="black"/></a:solidFill></a:ln></wps:spPr><wps:txbx>{inner}</wps:txbx><wps:bodyPr rot="0" vert="horz" wrap="square" lIns="91440" tIns="45720" rIns="91440" bIns="45720" anchor="t" anchorCtr="0"><a:noAutofit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype><v:shape id="{name}" o:spid="_x0000_s10{box_id}" type="#_x0000_t202" style="position:absolute;margin-left:0;margin-top:3.6pt;width:{w_pt:.1f}pt;height:{h_pt:.1f}pt;z-index:251659264;visibility:visible;mso-wrap-style:square;mso-position-horizontal:absolute;mso-position-vertical:absolute;mso-position-vertical-relative:text" fillcolor="white [3201]" strokeweight=".5pt"><v:textbox>{inner}</v:textbox><w10:wrap type="topAndBottom"/></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>'''
    p_el = parse_xml(xml)
    doc.element.body.append(p_el)
    # keep sectPr last
    sp = doc.element.body.find(qn('w:sectPr'))
    if sp is not None:
        doc.element.body.remove(sp); doc.element.body.append(sp)
    return p_el


def add_numbering(doc):
    numbering = doc.part.numbering_part.element
    abs_xml = f'''<w:abstractNum {NSDECL} w:abstractNumId="42"><w:nsid w:val="5A1B2C3D"/><w:multiLevelType w:val="multilevel"/><w:tmpl w:val="040C001F"/>
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:pStyle w:val="Heading1"/><w:lvlText w:val="%1."/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="567" w:hanging="567"/></w:pPr></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:pStyle w:val="Heading2"/><w:lvlText w:val="%1.%2"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="709" w:hanging="709"/></w:pPr></w:lvl>
</w:abstractNum>'''
    num_xml = f'<w:num {NSDECL} w:numId="{NUM_ID}"><w:abstractNumId w:val="42"/></w:num>'
    a = parse_xml(abs_xml)
    first_num = numbering.find(qn('w:num'))
    if first_num is not None:
        first_num.addprevious(a)
    else:
        numbering.append(a)
    numbering.append(parse_xml(num_xml))


def label_value(doc, label, dots=True):
    p = doc.add_paragraph(); r = p.add_run(label + ' : '); r.bold = True
    if dots:
        p.add_run('.' * 60)
    return p


def build(path):
    doc = Document()
    st = doc.styles['Normal']; st.font.name = 'Arial'; st.font.size = Pt(10)
    for sname, size in (('Heading 1', 12), ('Heading 2', 11)):
        s = doc.styles[sname]; s.font.name = 'Arial'; s.font.size = Pt(size)
    add_numbering(doc)

    sec = doc.sections[0]
    sec.page_width = Cm(21); sec.page_height = Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2); sec.top_margin = sec.bottom_margin = Cm(2)
    sec.different_first_page_header_footer = True
    fh = sec.first_page_header.paragraphs[0]
    fh.text = "PRÉFET DE LA RÉGION OCCITANIE\nSecrétariat général commun départemental – Bureau des ressources humaines"
    sec.header.paragraphs[0].text = "CREP 2026 – Préfecture de l'Aude"
    sec.first_page_footer.paragraphs[0].text = "Document confidentiel – à verser au dossier de l'agent"
    sec.footer.paragraphs[0].text = "CREP 2026 – Préfecture de l'Aude – confidentiel"

    p = doc.add_paragraph(); p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = p.add_run("COMPTE RENDU DE L'ENTRETIEN PROFESSIONNEL ANNUEL"); r.bold = True; r.font.size = Pt(15)
    p = doc.add_paragraph(); p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = p.add_run('Campagne 2026 – période de référence : 1er janvier – 31 décembre 2026'); r.bold = True
    p = doc.add_paragraph('(décret n° 2010-888 du 28 juillet 2010 modifié relatif aux conditions générales '
                          "de l'appréciation de la valeur professionnelle des fonctionnaires de l'État)")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    # I. Identification: 3 columns, group label vertically merged
    heading(doc, "Identification de l'agent et de son supérieur hiérarchique")
    groups = [("Agent", ["Nom patronymique", "Nom d'usage", "Prénom", "Grade", "Échelon"]),
              ("Affectation", ["Direction / service", "Intitulé du poste occupé"]),
              ("Supérieur hiérarchique direct", ["Nom et prénom", "Fonction"])]
    nrows = sum(len(g[1]) for g in groups)
    t = doc.add_table(rows=nrows, cols=3); t.style = 'Table Grid'
    i = 0
    for g, labels in groups:
        top = t.cell(i, 0)
        bold(top, g, size=10); shade(top)
        for j, lab in enumerate(labels):
            bold(t.cell(i + j, 1), lab); shade(t.cell(i + j, 1), 'F2F2F2')
        if len(labels) > 1:
            top.merge(t.cell(i + len(labels) - 1, 0))
        i += len(labels)
    for row in t.rows:
        for k, w in enumerate((3.5, 5, 8.5)):
            row.cells[k].width = Cm(w)
    doc.add_paragraph()
    p = doc.add_paragraph(); p.add_run("Date de l'entretien annuel : ").bold = True; formtext(p, 'DateEntretien')
    p = doc.add_paragraph(); p.add_run("Date de la convocation : ").bold = True; formtext(p, 'DateConvocation')

    # II. Poste
    heading(doc, "Description du poste")
    p = doc.add_paragraph(); p.add_run("Missions principales exercées").bold = True
    frame(doc, 3)
    p = doc.add_paragraph(); p.add_run("Encadrement d'agents : ").bold = True; boxes(p, ['Oui', 'Non'])
    label_value(doc, "Si oui, nombre d'agents encadrés", dots=False).add_run('........')

    # III. Bilan
    heading(doc, "Bilan de l'année écoulée")
    heading(doc, "Rappel des objectifs et résultats obtenus", level=1)
    p = doc.add_paragraph(); boxes(p, ["Premier entretien : pas d'objectif fixé l'an dernier"])
    header_table(doc, ["Objectifs fixés pour l'année écoulée", "Résultats obtenus", "Commentaires"], 3, [7, 4, 6])
    heading(doc, "Faits marquants de l'année", level=1)
    frame(doc, 2)

    # IV. Objectifs
    heading(doc, "Objectifs assignés pour l'année à venir")
    header_table(doc, ["Objectifs", "Indicateurs / moyens", "Échéance"], 3, [8, 6, 3])

    # --- landscape section for the criteria grid
    new = doc.add_section(WD_SECTION.NEW_PAGE)
    new.orientation = WD_ORIENT.LANDSCAPE
    new.page_width = Cm(29.7); new.page_height = Cm(21)
    new.different_first_page_header_footer = False
    new.footer.is_linked_to_previous = False
    new.footer.paragraphs[0].text = "CREP 2026 – grille d'appréciation (format paysage)"
    heading(doc, "Valeur professionnelle et manière de servir")
    doc.add_paragraph("Cocher une case par critère.")
    levels = ['Insuffisant', 'À développer', 'Maîtrisé', 'Expert', 'Sans objet']
    crits = ["Compétences professionnelles et technicité",
             "Contribution à l'activité du service",
             "Capacités professionnelles et relationnelles",
             "Aptitude à l'encadrement ou à exercer des fonctions d'un niveau supérieur"]
    g = header_table(doc, ['Critères'] + levels, len(crits), [10.5] + [3.1] * 5, repeat=True)
    for j, c in enumerate(crits):
        g.rows[1 + j].cells[0].paragraphs[0].add_run(c)
        for k in range(5):
            cp = g.rows[1 + j].cells[1 + k].paragraphs[0]; cp.alignment = WD_ALIGN_PARAGRAPH.CENTER
            sym_run(cp)

    # --- back to portrait
    sec3 = doc.add_section(WD_SECTION.NEW_PAGE)
    sec3.orientation = WD_ORIENT.PORTRAIT
    sec3.page_width = Cm(21); sec3.page_height = Cm(29.7)
    sec3.different_first_page_header_footer = False
    sec3.footer.is_linked_to_previous = False
    sec3.footer.paragraphs[0].text = "CREP 2026 – Préfecture de l'Aude – confidentiel"

    heading(doc, "Appréciation littérale de la valeur professionnelle")
    doc.add_paragraph("(manière de servir, réalisation des objectifs, points forts et axes de progrès)")
    textbox(doc, 11, 'Zone de texte 11')
    doc.add_paragraph()

    heading(doc, "Besoins de formation")
    header_table(doc, ["Action de formation", "Type (T1, T2, T3)", "Priorité"], 3, [10, 3.5, 3.5])
    p = doc.add_paragraph(); p.add_run("L'agent a été informé de ses droits au compte personnel de formation : ").bold = True
    boxes(p, ['Oui', 'Non'])

    heading(doc, "Perspectives d'évolution professionnelle")
    doc.add_paragraph("(mobilité, promotion, préparation aux concours)")
    frame(doc, 3)
    p = doc.add_paragraph(); p.add_run("Agent au dernier échelon de son grade depuis au moins trois ans : ").bold = True
    boxes(p, ['Oui', 'Non'])
    p = doc.add_paragraph(); p.add_run("Avis sur la promotion : ").bold = True
    formdropdown(p, 'AvisPromotion', ['(choisir)', 'Très favorable', 'Favorable', 'Réservé', 'Défavorable'])

    heading(doc, "Signature du supérieur hiérarchique direct")
    label_value(doc, "Nom et signature de l'évaluateur")
    p = doc.add_paragraph(); p.add_run("Date de signature : ").bold = True; formtext(p, 'DateSignEval')
    p = doc.add_paragraph(); p.add_run("Date de communication du compte rendu à l'agent : ").bold = True
    formtext(p, 'DateCommunication')

    heading(doc, "Observations éventuelles de l'agent")
    doc.add_paragraph("(sur la conduite de l'entretien, les appréciations portées, les perspectives)")
    frame(doc, 3)
    p = doc.add_paragraph(); p.add_run("Pris connaissance le : ").bold = True; formtext(p, 'DatePriseConnaissance')
    label_value(doc, "Signature de l'agent")

    heading(doc, "Visa de l'autorité hiérarchique")
    label_value(doc, "Nom et qualité")
    p = doc.add_paragraph(); p.add_run("Date du visa : ").bold = True; formtext(p, 'DateVisa')

    heading(doc, "Notification à l'agent")
    p = doc.add_paragraph(); p.add_run("Date de notification : ").bold = True; formtext(p, 'DateNotification')
    label_value(doc, "Signature de l'agent")
    p = doc.add_paragraph(); boxes(p, ["L'agent a refusé de signer"])
    doc.add_paragraph("Le compte rendu peut faire l'objet d'une demande de révision auprès de l'autorité "
                      "hiérarchique dans un délai de quinze jours francs suivant sa notification.")
    doc.save(path)


if __name__ == '__main__':
    build(sys.argv[1] if len(sys.argv) > 1 else 'G_prefecture_crep.docx')
