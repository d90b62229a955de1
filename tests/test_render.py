"""Rendering (pipeline/render.py): templates checked once at start, never written by a pass."""

from __future__ import annotations

import shutil

import pytest

from pipeline.catalogue import DEFAULT
from pipeline.naming import INVITATION_TEMPLATE, REJECTION_TEMPLATE, REPORT_TEMPLATE, TEMPLATE_NAMES
from pipeline.outcomes import TemplateError
from pipeline.process import process_inbox
from pipeline.render import LETTERS_VERSION, check_templates, render, stamped_version
from pipeline.notes import rejection_context
from tests.conftest import RECEIVED, TEMPLATES, make_config, restamp_version
from tests.test_notes import file_row


def test_committed_templates_carry_the_version_they_were_built_for():
    assert stamped_version(TEMPLATES / REPORT_TEMPLATE) == DEFAULT.version()
    assert stamped_version(TEMPLATES / INVITATION_TEMPLATE) == LETTERS_VERSION
    assert stamped_version(TEMPLATES / REJECTION_TEMPLATE) == LETTERS_VERSION
    check_templates(TEMPLATES, DEFAULT, TEMPLATE_NAMES)  # does not raise


def test_a_pass_without_templates_stops_with_the_command_that_builds_them(tmp_path):
    """GIVEN a workspace whose templates folder is empty WHEN process runs THEN it refuses
    to start (a clear French error) and writes nothing in the templates folder."""
    config = make_config(tmp_path, dossiers={"modeles": "modeles"})
    (tmp_path / "modeles").mkdir()
    config.inbox.mkdir()
    (config.inbox / "CR.docx").write_bytes(b"")
    with pytest.raises(TemplateError, match="introuvable.*entretiens modeles"):
        process_inbox(config, received_on=RECEIVED)
    assert list((tmp_path / "modeles").iterdir()) == []
    assert (config.inbox / "CR.docx").exists()  # nothing taken


@pytest.mark.parametrize("stale", ["unstamped", "other_version"])
def test_a_stale_note_template_is_refused_and_left_as_it_is(tmp_path, stale):
    folder = tmp_path / "modeles"
    folder.mkdir()
    for name in TEMPLATE_NAMES:
        shutil.copyfile(TEMPLATES / name, folder / name)
    note = folder / REJECTION_TEMPLATE
    restamp_version(note, "" if stale == "unstamped" else "lettres-0")
    before = note.read_bytes()
    config = make_config(tmp_path, dossiers={"modeles": "modeles"})
    with pytest.raises(TemplateError, match="autre version.*entretiens modeles"):
        process_inbox(config, received_on=RECEIVED)
    assert note.read_bytes() == before


def test_render_never_writes_over_an_existing_file(tmp_path):
    target = tmp_path / "note.docx"
    target.write_bytes(b"a user's file")
    context = rejection_context(file_row(), make_config(tmp_path))
    written = render(TEMPLATES / REJECTION_TEMPLATE, context, target)
    assert written == tmp_path / "note (2).docx"
    assert target.read_bytes() == b"a user's file"
