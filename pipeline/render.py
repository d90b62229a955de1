"""Rendering the Word templates with docxtpl, and checking them before a run.

Used by ``generer`` (reports, invitations) and by the rejection notes. Rendering
goes through docxtpl with autoescape and ``StrictUndefined`` (see NOTES.md): ``<``
and ``&`` in names survive, and a template variable the context does not provide
is an error instead of silent empty text.

Templates are only read here. They are built by :mod:`pipeline.template_build`
(``entretiens modeles``), each stamped with the version it was built for
(:func:`template_version`); :func:`check_templates` refuses a missing or stale one
at the start of a run, so that no pass ever rebuilds them in mid-campaign.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

from . import ooxml
from .command_names import TEMPLATES, command_line
from .files import replace_atomically, unique_path
from .naming import REJECTION_TEMPLATE, REPORT_TEMPLATE
from .outcomes import TemplateError

#: Version of the letters' templates (invitation, rejection note): raise it when the
#: context they are rendered with changes, so that older templates are refused.
LETTERS_VERSION = "lettres-4"  # 3: the civility of the person addressed, the kind of rejection; 4: « d'Isabelle »
CORE_PART = "docProps/core.xml"


def template_version(name: str, catalogue) -> str:
    """The version a template must carry: the form's for the report, the letters' otherwise."""
    return catalogue.version() if name == REPORT_TEMPLATE else LETTERS_VERSION


def stamped_version(template: Path) -> str | None:
    """The version a built template carries (``cp:version`` of its document properties)."""
    return _core_property(template, "cp:version")


def _core_property(document: Path, name: str) -> str | None:
    try:
        with zipfile.ZipFile(document) as archive:
            core = ooxml.parse_xml(archive.read(CORE_PART))
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return None
    return ooxml.core_property(core, name)


def check_templates(folder: Path, catalogue, names: tuple[str, ...] = (REJECTION_TEMPLATE,),
                    *, rebuild_hint: str = command_line(TEMPLATES), config=None) -> None:
    """Raise :class:`TemplateError` (French, with the command that mends it) when one of
    ``names`` is missing from ``folder`` or was built for another version. With ``config`` whose
    ``formulaire`` names an employer's form, the report's template is the one made from the
    employer's file (:func:`pipeline.employer_template.check_employer_template`)."""
    if config is not None and config.employer_mapping is not None and REPORT_TEMPLATE in names:
        from .employer_template import check_employer_template

        check_employer_template(config, rebuild_hint)
        names = tuple(name for name in names if name != REPORT_TEMPLATE)
    for name in names:
        template = Path(folder) / name
        if not template.exists():
            raise TemplateError(
                f"Le modèle {template} est introuvable. Construisez les modèles avec : {rebuild_hint}")
        found, wanted = stamped_version(template), template_version(name, catalogue)
        if found != wanted:
            raise TemplateError(
                f"Le modèle {template} a été construit pour une autre version ({found or 'inconnue'}) "
                f"que celle attendue ({wanted}). Reconstruisez les modèles avec : {rebuild_hint}")


def templates_command(config) -> str:
    """The command that rebuilds a workspace's templates, as the user types it."""
    path = config.base_dir / "config.yaml"
    return command_line(TEMPLATES, *(["--config", path] if path.exists() else []))


def _environment() -> jinja2.Environment:  # noqa: F821 - imported when a note is rendered
    import jinja2

    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


def fingerprint(template: Path, context: dict) -> str:
    """What a rendered document is made of (the template's version and the context): two
    renderings with one fingerprint hold the same text."""
    return versioned_fingerprint(stamped_version(template), context)


def versioned_fingerprint(version: str | None, context: dict) -> str:
    """:func:`fingerprint` from the template's :func:`stamped_version`, read once by a caller
    that renders many documents from one template."""
    data = json.dumps([version, context], sort_keys=True, ensure_ascii=False, default=str)
    return "empreinte " + hashlib.sha256(data.encode()).hexdigest()[:16]


def rendered_fingerprint(document: Path) -> str | None:
    """The fingerprint a document rendered here carries (``cp:contentStatus``), if any."""
    return _core_property(document, "cp:contentStatus")


def render(template: Path, context: dict, destination: Path, *,
           identifier: str | None = None, overwrite: bool = False, page_code: str | None = None) -> Path:
    """Render a docxtpl template to a new file and return its path: never over an
    existing file (a free name is taken), unless ``overwrite`` (a file of ours, planned
    by the journal). The document carries its :func:`fingerprint`. Raises
    ``jinja2.UndefinedError`` for a variable ``context`` lacks. ``page_code``: the text of
    the QR code the report template prints on every page (``code_page``, in its header)."""
    picture = None
    if page_code is not None:
        from .signed_copies import code_png

        picture = code_png(page_code).getvalue()
    # Made in memory, then written: a full disk fails the write alone, and leaves no half-written
    # zip open to fail again when it is collected (a traceback on the console).
    data = rendered_document(template, context, identifier=identifier, code_picture=picture)
    target = destination if overwrite else unique_path(destination)
    replace_atomically(target, lambda tmp: tmp.write_bytes(data))
    return target


def rendered_document(template: Path, context: dict, *, identifier: str | None = None,
                      code_picture: bytes | None = None, now: dt.datetime | None = None,
                      status: str | None = None) -> bytes:
    """The bytes of the document docxtpl renders from ``template`` and ``context``: the reference
    every faster way of making the same document is held to (:mod:`pipeline.shape_fill`).
    ``code_picture``: the PNG of the page code (``code_page``); ``now``: its creation and
    modification date (the moment, to the second, by default); ``status``: its
    ``cp:contentStatus`` (its :func:`fingerprint` by default)."""
    from docxtpl import DocxTemplate  # here: a pass that writes no note never loads it (start-up time)

    doc = DocxTemplate(str(template))
    if code_picture is not None:
        from docx.shared import Mm
        from docxtpl import InlineImage

        from .signed_copies import CODE_WIDTH_MM

        rendered = {**context, "code_page": InlineImage(doc, io.BytesIO(code_picture), width=Mm(CODE_WIDTH_MM))}
    else:
        rendered = context
    doc.render(rendered, _environment(), autoescape=True)
    props = doc.docx.core_properties
    props.created = props.modified = now or dt.datetime.now().replace(microsecond=0)
    props.comments = ""  # python-docx's default template says "generated by python-docx"
    props.content_status = fingerprint(template, context) if status is None else status
    if identifier:
        props.identifier = identifier
    saved = io.BytesIO()
    doc.save(saved)
    return saved.getvalue()
