"""Form H: a commune's blank compte rendu d'entretien professionnel (FPT), written as LibreOffice
Writer writes ODF: outline-numbered headings, form controls (check boxes, a list box), input
fields, placeholders, dotted tab leaders, a section, a frame, tables with header rows, merged
cells, repeated rows and a soft page break.

Writes H_commune_controles_brut.odt (hand-written XML); LibreOffice re-saves it as
H_commune_controles.odt (the blank form used in the tryout).
"""
import os
import subprocess
import shutil
import zipfile
from xml.sax.saxutils import escape
from lxml import etree

HERE = os.path.dirname(os.path.abspath(__file__))
RAW = os.path.join(HERE, "H_commune_controles_brut.odt")

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
      'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
      'xmlns:xlink="http://www.w3.org/1999/xlink" '
      'xmlns:dc="http://purl.org/dc/elements/1.1/" '
      'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
      'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
      'xmlns:form="urn:oasis:names:tc:opendocument:xmlns:form:1.0" '
      'xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" '
      'xmlns:ooo="http://openoffice.org/2004/office" '
      'xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0" '
      'office:version="1.3"')

e = escape


def outline_style():
    levels = []
    for lvl in range(1, 11):
        if lvl == 1:
            fmt = 'style:num-format="1" style:num-suffix="."'
        else:
            fmt = 'style:num-format=""'
        levels.append(
            f'<text:outline-level-style text:level="{lvl}" {fmt}>'
            '<style:list-level-properties text:list-level-position-and-space-mode="label-alignment">'
            '<style:list-level-label-alignment text:label-followed-by="listtab" text:list-tab-stop-position="0.8cm" '
            'fo:text-indent="-0.8cm" fo:margin-left="0.8cm"/></style:list-level-properties>'
            '</text:outline-level-style>')
    return '<text:outline-style style:name="Outline">' + "".join(levels) + '</text:outline-style>'


STYLES = f'''<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles {NS}>
<office:font-face-decls>
 <style:font-face style:name="Liberation Sans" svg:font-family="&apos;Liberation Sans&apos;" style:font-family-generic="swiss" style:font-pitch="variable"/>
 <style:font-face style:name="Liberation Serif" svg:font-family="&apos;Liberation Serif&apos;" style:font-family-generic="roman" style:font-pitch="variable"/>
</office:font-face-decls>
<office:styles>
 <style:default-style style:family="paragraph">
  <style:paragraph-properties style:tab-stop-distance="1.251cm"/>
  <style:text-properties style:font-name="Liberation Sans" fo:font-size="10pt" fo:language="fr" fo:country="FR"/>
 </style:default-style>
 <style:style style:name="Standard" style:family="paragraph" style:class="text"/>
 <style:style style:name="Text_20_body" style:display-name="Text body" style:family="paragraph" style:parent-style-name="Standard" style:class="text">
  <style:paragraph-properties fo:margin-top="0cm" fo:margin-bottom="0.15cm"/>
 </style:style>
 <style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard" style:next-style-name="Text_20_body" style:class="text">
  <style:paragraph-properties fo:margin-top="0.42cm" fo:margin-bottom="0.21cm" fo:keep-with-next="always"/>
  <style:text-properties style:font-name="Liberation Sans" fo:font-size="12pt"/>
 </style:style>
 <style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="1" style:class="text">
  <style:paragraph-properties fo:background-color="#dee6ef" fo:padding="0.05cm" fo:border="0.5pt solid #000000"/>
  <style:text-properties fo:font-size="11pt" fo:font-weight="bold" fo:text-transform="uppercase"/>
 </style:style>
 <style:style style:name="Title" style:family="paragraph" style:parent-style-name="Heading" style:class="chapter">
  <style:paragraph-properties fo:text-align="center"/>
  <style:text-properties fo:font-size="14pt" fo:font-weight="bold"/>
 </style:style>
 <style:style style:name="Champ_20_pointilles" style:display-name="Champ pointilles" style:family="paragraph" style:parent-style-name="Text_20_body">
  <style:paragraph-properties>
   <style:tab-stops><style:tab-stop style:position="17cm" style:type="right" style:leader-style="dotted" style:leader-text="."/></style:tab-stops>
  </style:paragraph-properties>
 </style:style>
 <style:style style:name="Libelle_20_dessus" style:display-name="Libelle dessus" style:family="paragraph" style:parent-style-name="Text_20_body">
  <style:paragraph-properties fo:margin-bottom="0.05cm"/>
  <style:text-properties fo:font-weight="bold"/>
 </style:style>
 <style:style style:name="Zone_20_reponse" style:display-name="Zone reponse" style:family="paragraph" style:parent-style-name="Text_20_body">
  <style:paragraph-properties fo:margin-left="0.5cm" fo:margin-bottom="0.4cm"/>
 </style:style>
 <style:style style:name="Table_20_Contents" style:display-name="Table Contents" style:family="paragraph" style:parent-style-name="Standard" style:class="extra"/>
 <style:style style:name="Table_20_Heading" style:display-name="Table Heading" style:family="paragraph" style:parent-style-name="Table_20_Contents" style:class="extra">
  <style:paragraph-properties fo:text-align="center"/>
  <style:text-properties fo:font-weight="bold"/>
 </style:style>
 <style:style style:name="Frame_20_contents" style:display-name="Frame contents" style:family="paragraph" style:parent-style-name="Standard" style:class="extra"/>
 <style:style style:name="Header" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
  <style:text-properties fo:font-size="8pt"/>
 </style:style>
 <style:style style:name="Footer" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
  <style:paragraph-properties fo:text-align="center"/>
  <style:text-properties fo:font-size="8pt"/>
 </style:style>
 <style:style style:name="Frame" style:family="graphic">
  <style:graphic-properties text:anchor-type="paragraph" svg:x="0cm" svg:y="0cm" fo:padding="0.15cm" fo:border="0.5pt solid #000000" style:wrap="parallel" style:vertical-pos="top" style:vertical-rel="paragraph-content" style:horizontal-pos="center" style:horizontal-rel="paragraph-content"/>
 </style:style>
 {outline_style()}
 <text:notes-configuration text:note-class="footnote" style:num-format="1" text:start-value="0" text:footnotes-position="page" text:start-numbering-at="document"/>
</office:styles>
<office:automatic-styles>
 <style:page-layout style:name="pm1">
  <style:page-layout-properties fo:page-width="21.001cm" fo:page-height="29.7cm" style:print-orientation="portrait" fo:margin-top="1.5cm" fo:margin-bottom="1.5cm" fo:margin-left="2cm" fo:margin-right="2cm" style:writing-mode="lr-tb"/>
  <style:header-style><style:header-footer-properties fo:min-height="0cm" fo:margin-bottom="0.3cm"/></style:header-style>
  <style:footer-style><style:header-footer-properties fo:min-height="0cm" fo:margin-top="0.3cm"/></style:footer-style>
 </style:page-layout>
</office:automatic-styles>
<office:master-styles>
 <style:master-page style:name="Standard" style:page-layout-name="pm1">
  <style:header><text:p text:style-name="Header">Commune de Val-d&apos;Exemple – Direction des ressources humaines<text:tab/>Entretien professionnel 2026</text:p></style:header>
  <style:footer><text:p text:style-name="Footer">Compte rendu d&apos;entretien professionnel – page <text:page-number text:select-page="current">1</text:page-number> sur <text:page-count>4</text:page-count></text:p></style:footer>
 </style:master-page>
</office:master-styles>
</office:document-styles>
'''

META = f'''<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta {NS}>
<office:meta>
 <meta:initial-creator>Service RH – Commune de Val-d&apos;Exemple</meta:initial-creator>
 <meta:creation-date>2026-01-12T09:14:00</meta:creation-date>
 <dc:title>Compte rendu d&apos;entretien professionnel 2026</dc:title>
 <meta:generator>LibreOffice/7.4.7.2$Linux_X86_64 LibreOffice_project/40$Build-2</meta:generator>
</office:meta>
</office:document-meta>
'''

MANIFEST = '''<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
'''

# ---------------------------------------------------------------------------
# form controls
controls = []  # (id, xml)


def checkbox(name, label):
    cid = f"control{len(controls) + 1}"
    controls.append((cid, (
        f'<form:checkbox form:name="{e(name)}" form:control-implementation="ooo:com.sun.star.form.component.CheckBox" '
        f'xml:id="{cid}" form:id="{cid}" form:label="{e(label)}" form:image-position="center">'
        '<form:properties><form:property form:property-name="DefaultControl" office:value-type="string" '
        'office:string-value="com.sun.star.form.control.CheckBox"/>'
        '<form:property form:property-name="SecondaryRefValue" office:value-type="string" office:string-value=""/>'
        '</form:properties></form:checkbox>')))
    width = 0.6 + 0.2 * len(label)
    return (f'<draw:control text:anchor-type="as-char" svg:y="-0.35cm" draw:z-index="{len(controls)}" '
            f'draw:name="{e(name)}" draw:style-name="gr1" draw:text-style-name="P_ctl" svg:width="{width:.2f}cm" '
            f'svg:height="0.45cm" draw:control="{cid}"/>')


def listbox(name, options):
    cid = f"control{len(controls) + 1}"
    opts = "".join(f'<form:option form:label="{e(o)}"/>' for o in options)
    controls.append((cid, (
        f'<form:listbox form:name="{e(name)}" form:control-implementation="ooo:com.sun.star.form.component.ListBox" '
        f'xml:id="{cid}" form:id="{cid}" form:dropdown="true" form:bound-column="1" form:size="5">'
        '<form:properties><form:property form:property-name="DefaultControl" office:value-type="string" '
        'office:string-value="com.sun.star.form.control.ListBox"/></form:properties>'
        f'{opts}</form:listbox>')))
    return (f'<draw:control text:anchor-type="as-char" svg:y="-0.4cm" draw:z-index="{len(controls)}" '
            f'draw:name="{e(name)}" draw:style-name="gr1" draw:text-style-name="P_ctl" svg:width="6cm" '
            f'svg:height="0.5cm" draw:control="{cid}"/>')


def text_input(description, content=""):
    return f'<text:text-input text:description="{e(description)}">{e(content)}</text:text-input>'


def placeholder(description):
    return (f'<text:placeholder text:placeholder-type="text" text:description="{e(description)}">'
            '&lt;Saisir ici&gt;</text:placeholder>')


body = []
add = body.append


def h(title):
    add(f'<text:h text:style-name="Heading_20_1" text:outline-level="1">{e(title)}</text:h>')


def dotted(label):
    add(f'<text:p text:style-name="Champ_20_pointilles">{e(label)} :<text:tab/></text:p>')


def below(label, help_text=None):
    add(f'<text:p text:style-name="Libelle_20_dessus">{e(label)} :</text:p>')
    if help_text:
        add(f'<text:p text:style-name="Zone_20_reponse">{placeholder(help_text)}</text:p>')
    else:
        add('<text:p text:style-name="Zone_20_reponse"/>')


def p(inner, style="Text_20_body"):
    add(f'<text:p text:style-name="{style}">{inner}</text:p>')


def cell(text="", style="Table_20_Contents", attrs=""):
    inner = f'<text:p text:style-name="{style}">{e(text)}</text:p>' if text else f'<text:p text:style-name="{style}"/>'
    return f'<table:table-cell table:style-name="Tc" office:value-type="string"{attrs}>{inner}</table:table-cell>'


def simple_table(name, headers, widths, empty_rows, soft_break_after=None):
    cols = "".join(f'<table:table-column table:style-name="{name}.{chr(65 + i)}"/>' for i in range(len(headers)))
    head = "<table:table-header-rows><table:table-row>" + "".join(
        cell(x, "Table_20_Heading") for x in headers) + "</table:table-row></table:table-header-rows>"
    empty = "".join(cell() for _ in headers)
    if soft_break_after:
        rows = (f'<table:table-row table:number-rows-repeated="{soft_break_after}">{empty}</table:table-row>'
                '<text:soft-page-break/>'
                f'<table:table-row table:number-rows-repeated="{empty_rows - soft_break_after}">{empty}</table:table-row>')
    else:
        rows = f'<table:table-row table:number-rows-repeated="{empty_rows}">{empty}</table:table-row>'
    add(f'<table:table table:name="{name}" table:style-name="{name}">{cols}{head}{rows}</table:table>')


# --- the document -------------------------------------------------------------
p("COMPTE RENDU DE L&apos;ENTRETIEN PROFESSIONNEL", "Title")
p("Année 2026 – Décret n° 2014-1526 du 16 décembre 2014 relatif à l&apos;appréciation de la valeur "
  "professionnelle des fonctionnaires territoriaux", "P_centre")

h("Identification de l'agent")
for lab in ("Nom d'usage", "Nom de famille", "Prénom(s)", "Matricule", "Grade", "Emploi occupé",
            "Service / direction"):
    dotted(lab)

h("Le supérieur hiérarchique direct")
dotted("Nom et prénom")
dotted("Fonction")

h("L'entretien")
p("Date de l&apos;entretien professionnel : " + text_input("Date de l'entretien (jj/mm/aaaa)"))
p("Date de la convocation : " + text_input("Date de la convocation (jj/mm/aaaa)"))

h("Missions et encadrement")
below("Missions principales du poste", "Décrire les missions principales")
add('<text:list xml:id="list1" text:style-name="L1">'
    '<text:list-item><text:p text:style-name="P_liste">L&apos;agent encadre-t-il des agents ? '
    + checkbox("encadre_oui", "Oui") + " " + checkbox("encadre_non", "Non") + '</text:p></text:list-item>'
    '<text:list-item><text:p text:style-name="P_liste_pointilles">Nombre d&apos;agents encadrés :<text:tab/></text:p></text:list-item>'
    '</text:list>')

h("Bilan de l'année écoulée")
p(checkbox("premier_entretien", "Premier entretien : aucun objectif n'avait été fixé"))
simple_table("Bilan", ["Objectifs fixés l'an dernier", "Résultat obtenu", "Commentaires"],
             None, 3)
below("Faits marquants de l'année", "Événements ayant eu un impact sur l'activité")

h("Appréciation de la valeur professionnelle")
levels = ["À acquérir", "À développer", "Maîtrisé", "Expert"]
crit = ["Compétences professionnelles et technicité", "Contribution à l'activité du service",
        "Qualités personnelles et relationnelles",
        "Capacité d'encadrement ou d'expertise ou à exercer des fonctions d'un niveau supérieur"]
cols = '<table:table-column table:style-name="Grille.A"/><table:table-column table:style-name="Grille.B" table:number-columns-repeated="4"/>'
hr1 = ('<table:table-row>' + cell("Critères d'appréciation", "Table_20_Heading",
                                   ' table:number-rows-spanned="2"')
       + cell("Niveau (porter une croix « X »)", "Table_20_Heading", ' table:number-columns-spanned="4"')
       + '<table:covered-table-cell table:number-columns-repeated="3"/></table:table-row>')
hr2 = ('<table:table-row><table:covered-table-cell/>' + "".join(cell(x, "Table_20_Heading") for x in levels)
       + '</table:table-row>')
rows = "".join('<table:table-row>' + cell(c) + "".join(cell() for _ in levels) + '</table:table-row>' for c in crit)
add(f'<table:table table:name="Grille" table:style-name="Grille">{cols}'
    f'<table:table-header-rows>{hr1}{hr2}</table:table-header-rows>{rows}</table:table>')
below("Appréciation générale sur la valeur professionnelle", "Appréciation littérale")

h("Objectifs assignés pour l'année à venir")
simple_table("Objectifs", ["Objectif", "Indicateur / résultat attendu", "Échéance"], None, 6, soft_break_after=2)

h("Souhaits de formation")
p(checkbox("aucun_besoin", "Aucun besoin de formation exprimé"))
p("L&apos;agent a été informé de son compte personnel de formation (CPF) : "
  + checkbox("cpf_oui", "Oui") + " " + checkbox("cpf_non", "Non"))
simple_table("Formations", ["Intitulé de la formation", "Type (intégration, professionnalisation, perfectionnement, "
                            "préparation aux concours)", "Échéance souhaitée", "Avis du supérieur"], None, 3)

h("Souhaits d'évolution")
below("Perspectives d'évolution de carrière", "Perspectives d'évolution")
p("Souhait de mobilité : " + listbox("mobilite", ["Aucun souhait de mobilité", "Mobilité interne",
                                                   "Mobilité externe", "Détachement"]))
p("Agent au dernier échelon de son grade depuis au moins trois ans : "
  + checkbox("sommital_oui", "Oui") + " " + checkbox("sommital_non", "Non"))
below("Appréciation des perspectives d'accès au grade supérieur")

h("Observations de l'agent sur l'entretien et ses perspectives")
add('<text:section text:style-name="Sect1" text:name="ObservationsAgent">'
    f'<text:p text:style-name="Zone_20_reponse">{placeholder("Observations de l’agent")}</text:p>'
    '<text:p text:style-name="Text_20_body">Date de prise de connaissance par l&apos;agent : '
    + text_input("Date de prise de connaissance (jj/mm/aaaa)") + '</text:p>'
    '<text:p text:style-name="Champ_20_pointilles">Signature de l&apos;agent :<text:tab/></text:p>'
    '</text:section>')

h("Signatures")
dotted("Signature du supérieur hiérarchique direct")
p("Date : " + text_input("Date de signature du supérieur (jj/mm/aaaa)"))
add('<text:p text:style-name="Text_20_body">'
    '<draw:frame draw:style-name="fr1" draw:name="Cadre_Visa" text:anchor-type="paragraph" svg:width="9cm" draw:z-index="50">'
    '<draw:text-box fo:min-height="2.5cm">'
    '<text:p text:style-name="P_cadre_titre">Visa de l&apos;autorité territoriale</text:p>'
    '<text:p text:style-name="P_cadre_pointilles">Nom et qualité :<text:tab/></text:p>'
    '<text:p text:style-name="Frame_20_contents">Date du visa : ' + text_input("Date du visa (jj/mm/aaaa)") + '</text:p>'
    '</draw:text-box></draw:frame></text:p>')
add('<text:p text:style-name="P_saut"/>')
p("<text:span text:style-name=\"T_gras\">Notification à l&apos;agent</text:span>")
p("Date de notification : " + text_input("Date de notification (jj/mm/aaaa)"))
dotted("Signature de l'agent à la notification")
p(checkbox("refus", "L'agent a refusé de signer"))

forms = ('<office:forms form:automatic-focus="false" form:apply-design-mode="false">'
         '<form:form form:name="Formulaire" form:apply-filter="true" form:command-type="table" '
         'form:control-implementation="ooo:com.sun.star.form.component.Form" office:target-frame="">'
         '<form:properties><form:property form:property-name="PropertyChangeNotificationEnabled" '
         'office:value-type="boolean" office:boolean-value="true"/></form:properties>'
         + "".join(x for _, x in controls) + '</form:form></office:forms>')

col_widths = {"Bilan": ["7cm", "3cm", "7cm"], "Objectifs": ["8cm", "6cm", "3cm"],
              "Formations": ["6cm", "5cm", "3cm", "3cm"]}
table_styles = ""
for name, ws in col_widths.items():
    table_styles += (f'<style:style style:name="{name}" style:family="table"><style:table-properties '
                     'style:width="17cm" table:align="margins"/></style:style>')
    for i, w in enumerate(ws):
        table_styles += (f'<style:style style:name="{name}.{chr(65 + i)}" style:family="table-column">'
                         f'<style:table-column-properties style:column-width="{w}"/></style:style>')
table_styles += ('<style:style style:name="Grille" style:family="table"><style:table-properties style:width="17cm" '
                 'table:align="margins"/></style:style>'
                 '<style:style style:name="Grille.A" style:family="table-column"><style:table-column-properties '
                 'style:column-width="9cm"/></style:style>'
                 '<style:style style:name="Grille.B" style:family="table-column"><style:table-column-properties '
                 'style:column-width="2cm"/></style:style>'
                 '<style:style style:name="Tc" style:family="table-cell"><style:table-cell-properties '
                 'fo:padding="0.1cm" fo:border="0.5pt solid #000000"/></style:style>')

CONTENT = f'''<?xml version="1.0" encoding="UTF-8"?>
<office:document-content {NS}>
<office:scripts/>
<office:font-face-decls>
 <style:font-face style:name="Liberation Sans" svg:font-family="&apos;Liberation Sans&apos;" style:font-family-generic="swiss" style:font-pitch="variable"/>
</office:font-face-decls>
<office:automatic-styles>
 {table_styles}
 <style:style style:name="P_centre" style:family="paragraph" style:parent-style-name="Text_20_body"><style:paragraph-properties fo:text-align="center"/><style:text-properties fo:font-style="italic" fo:font-size="9pt"/></style:style>
 <style:style style:name="P_liste" style:family="paragraph" style:parent-style-name="Text_20_body" style:list-style-name="L1"/>
 <style:style style:name="P_liste_pointilles" style:family="paragraph" style:parent-style-name="Champ_20_pointilles" style:list-style-name="L1"/>
 <style:style style:name="P_cadre_titre" style:family="paragraph" style:parent-style-name="Frame_20_contents"><style:paragraph-properties fo:text-align="center"/><style:text-properties fo:font-weight="bold"/></style:style>
 <style:style style:name="P_cadre_pointilles" style:family="paragraph" style:parent-style-name="Frame_20_contents"><style:paragraph-properties><style:tab-stops><style:tab-stop style:position="8.5cm" style:type="right" style:leader-style="dotted" style:leader-text="."/></style:tab-stops></style:paragraph-properties></style:style>
 <style:style style:name="P_saut" style:family="paragraph" style:parent-style-name="Text_20_body"><style:paragraph-properties fo:margin-top="2.6cm"/></style:style>
 <style:style style:name="P_ctl" style:family="paragraph" style:parent-style-name="Standard"/>
 <style:style style:name="T_gras" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
 <style:style style:name="Sect1" style:family="section"><style:section-properties fo:background-color="#f2f2f2" style:editable="false"><style:columns fo:column-count="1" fo:column-gap="0cm"/></style:section-properties></style:style>
 <style:style style:name="fr1" style:family="graphic" style:parent-style-name="Frame"><style:graphic-properties style:vertical-pos="top" style:vertical-rel="paragraph" style:horizontal-pos="right" style:horizontal-rel="paragraph" fo:border="1pt solid #000000" fo:padding="0.2cm"/></style:style>
 <style:style style:name="gr1" style:family="graphic"><style:graphic-properties draw:textarea-vertical-align="middle" style:vertical-pos="from-top" style:vertical-rel="baseline" fo:padding="0.02cm" draw:fill="none" draw:stroke="none"/></style:style>
 <text:list-style style:name="L1">
  <text:list-level-style-number text:level="1" style:num-suffix=")" style:num-format="a">
   <style:list-level-properties text:list-level-position-and-space-mode="label-alignment"><style:list-level-label-alignment text:label-followed-by="listtab" text:list-tab-stop-position="1.27cm" fo:text-indent="-0.635cm" fo:margin-left="1.27cm"/></style:list-level-properties>
  </text:list-level-style-number>
 </text:list-style>
</office:automatic-styles>
<office:body>
<office:text>
{forms}
<text:sequence-decls>
 <text:sequence-decl text:display-outline-level="0" text:name="Table"/>
 <text:sequence-decl text:display-outline-level="0" text:name="Text"/>
</text:sequence-decls>
{"".join(body)}
</office:text>
</office:body>
</office:document-content>
'''

for name, xml in (("content.xml", CONTENT), ("styles.xml", STYLES), ("meta.xml", META),
                  ("META-INF/manifest.xml", MANIFEST)):
    etree.fromstring(xml.encode("utf-8"))  # well-formed

with zipfile.ZipFile(RAW, "w") as z:
    z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text",
               compress_type=zipfile.ZIP_STORED)
    for name, xml in (("content.xml", CONTENT), ("styles.xml", STYLES), ("meta.xml", META),
                      ("META-INF/manifest.xml", MANIFEST)):
        z.writestr(name, xml.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
print("écrit", RAW)

# LibreOffice re-saves it, as a user who opens the form and saves it would
out = os.path.join(HERE, "lo_resave")
os.makedirs(out, exist_ok=True)
subprocess.run(["soffice", "--headless", "-env:UserInstallation=file:///tmp/make_h_profile",
                "--convert-to", "odt:writer8", "--outdir", out, RAW], check=True)
shutil.copy(os.path.join(out, "H_commune_controles_brut.odt"), os.path.join(HERE, "H_commune_controles.odt"))
print("écrit", os.path.join(HERE, "H_commune_controles.odt"))
