"""The one package that knows WordprocessingML, and nothing else.

- :mod:`.ns`: the namespace map, ``qn``, the single hardened parser, serialization;
- :mod:`.reading`: controls, tables and cells, visible text, the one-walk
  :class:`~.reading.PartIndex` of a part, core properties, content types, relationships;
- :mod:`.building`: what the templates are built with (inline controls, shading, header rows);
- :mod:`.editing`: what a person does in Word, or LibreOffice on save;
- :mod:`.layout`: a document read into :mod:`pipeline.layout`'s model (lines, tables, fields).

No module outside this package writes a ``{http://...}`` name, an XPath or raw XML.
Callers use the names re-exported here: ``ooxml.iter_controls(root)``.
"""

from .building import (CHECKED_BOX, PLACEHOLDER_TEXT, UNCHECKED_BOX, make_inline_control, make_run,
                       repeat_as_header_row, shade_cell)
from .editing import (add_table_row, append_paragraph, append_run, remove_control_tags, remove_table_row,
                      set_cell_text, set_checkbox, set_control_date, set_control_text, tracked_deletion,
                      tracked_insertion, unwrap_control)
from .layout import CUSTOM_PART, docx_layout, package_layout
from .ns import NSMAP, element, parse_xml, qn, serialize
from .reading import (CORE_PART, PartIndex, body, cell_grid_span, cell_text, control_alias,
                      control_checkbox_state, control_date_value, control_property, control_showing_placeholder,
                      control_tag, core_property, enclosing, enclosing_cell, first_paragraph_text, footer_parts,
                      grid_positions, has_merged_cells, holds_picture, iter_controls,
                      iter_paragraphs, iter_tables, main_content_type, office_document_target, paragraph_text,
                      table_rows)

__all__ = [
    # ns
    "NSMAP", "element", "parse_xml", "qn", "serialize",
    # reading
    "CORE_PART", "PartIndex", "body", "cell_grid_span", "cell_text", "control_alias", "control_checkbox_state",
    "control_date_value", "control_property", "control_showing_placeholder", "control_tag", "core_property",
    "enclosing", "enclosing_cell", "first_paragraph_text", "footer_parts", "grid_positions", "has_merged_cells",
    "iter_controls",
    "iter_paragraphs", "iter_tables", "main_content_type", "office_document_target", "paragraph_text",
    "table_rows",
    # layout
    "CUSTOM_PART", "docx_layout", "package_layout",
    # building
    "CHECKED_BOX", "PLACEHOLDER_TEXT", "UNCHECKED_BOX", "make_inline_control", "make_run",
    "repeat_as_header_row", "shade_cell",
    # editing
    "add_table_row", "append_paragraph", "append_run", "remove_control_tags", "remove_table_row",
    "set_cell_text", "set_checkbox", "set_control_date", "set_control_text", "tracked_deletion",
    "tracked_insertion", "unwrap_control",
]
