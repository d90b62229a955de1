"""Reading a report from its :class:`~pipeline.layout.Layout`: an employer's own form, or our own
template saved as an .odt.

:func:`read_layout` follows a :class:`~pipeline.form.Form` on the lines and tables of a document,
whichever format they came from, and fills the same :class:`~pipeline.read.Report` as the reader
of our .docx (:func:`pipeline.read.read_report` dispatches here). Each kind of place
(:data:`pipeline.form.PlaceKind`) is looked up as a person reads the page:

``after_label``   the rest of the line after the label (« Nom : MARTIN ...... »), up to ``until`` or
                  the next label of the form on that line; leader dots, underscores, tabs and the
                  colon stripped; in paragraphs and inside cells (a label alone in its cell takes
                  the cell's next lines)
``below_label``   the lines after the label's line, up to the next line that starts with a label of
                  the form, a title, a table (for a label outside tables) or ``until``; one per line;
                  a framed box after them (a table of one cell), its lines instead
``cell``          the cell to the right of (or below) the cell reading the label, merged cells and
                  nested tables included; with ``column``, the cell of the label's row under the
                  header reading it (« AGENT ÉVALUÉ » / « SUPÉRIEUR HIÉRARCHIQUE DIRECT »)
``boxes``         the option whose box is ticked, near the label (☒ ✗ ✓ ■, « X » typed over the
                  box, « [X] », a Wingdings symbol, a check box field): several ticked, or a mark
                  no one can be sure of, is an unrecognised mark; none ticked, empty
``grid``          in the criterion's row (its sub-row ``row`` when it spans several), the column
                  holding a mark (« X », ✓, ●, ☒), ``options`` naming each choice's column header
``form_field``    the form field of that name (legacy Word, ODF)
``tag``, ``label``, ``alias``   our own template's places (a control's tag, the value cell of a
                  label cell, a control's title)

Tables are found by their header row wherever it is in the table; rows after it are read by
column (a ticked column as the option ticked), repeated header rows and empty rows left out.
``section`` scopes a place to the lines under that title (a heading line or a table's title
cell) up to the next title of the same rank; ``occurrence`` picks the n-th match.

A copy is recognised as one of an employer's form by the share of the form's labels found in
it (:data:`MIN_SHARE`); another employer's form, an older layout of the same, or our template's
report is turned away with a reason naming both. Its agent is identified by the identifier
``entretiens modeles`` adds (document property, footer, the page code's payload in a custom
property), else by the agent number field; :func:`identify_agent` then tries the roster by name
and first name (a copy of the blank form).

Texts are compared as labels are (case, accents, spacing, typographic quotes do not matter) on a
folded copy of each line of the same length, so that a label found there is cut from the line
as written; the whole document is folded once.

The package, each module read in one sitting:

- :mod:`.folding`   text as compared: folding, labels as keys and patterns, what starts and ends a label;
- :mod:`.document`  a layout indexed once: lines, their folded text, labels, sections, titles, fields;
- :mod:`.finding`   where each kind of place is on it (:class:`~.finding.Finder`): the reader reads
                    there, the template writer (:mod:`pipeline.employer_template`) writes there;
- :mod:`.places`    each kind of place read where it is found (:class:`~.places.Reader`), boxes' states;
- :mod:`.tables`    a table field's rows;
- :mod:`.report`    the whole report: recognition, version, every field, identity (:func:`read_layout`);
- :mod:`.roster`    a copy of the blank form matched to its agent by name (:func:`identify_agent`).
"""

from .document import Document, Hit
from .finding import Below, Boxes, FieldAt, Finder, GridRow, Stretch, TableRows
from .report import MIN_SHARE, REPORT_WORDS, is_employer_form, read_layout
from .roster import identify_agent, person_key, roster_names

__all__ = [
    "MIN_SHARE", "REPORT_WORDS", "is_employer_form", "read_layout",  # report
    "identify_agent", "person_key", "roster_names",  # roster
    # where each place is, for the template writer to write there
    "Document", "Hit", "Finder", "Stretch", "Below", "Boxes", "GridRow", "TableRows", "FieldAt",
]
