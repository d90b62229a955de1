"""Names the product gives and recognises (pipeline/naming.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.catalogue import DEFAULT
from pipeline.naming import (MAX_NAME_BYTES, NAME_BUDGET, REJECTION_SUFFIX, agent_file_stem, history_folder,
                             is_ignored, is_work_name, note_path_for, outbox_name, received_name_of, report_id,
                             safe_filename, shorten_name, stage_folder, work_name)


@pytest.mark.parametrize("name", ["~$CR Martin.docx", ".~lock.CR.docx#", ".DS_Store", "Thumbs.db",
                                  "desktop.ini", "copie.tmp", "envoi.part", "DESKTOP.INI"])
def test_what_office_suites_and_copy_tools_leave_is_ignored(name):
    assert is_ignored(name)


def test_reports_and_extra_patterns_from_config():
    assert not is_ignored("CR Martin.docx")
    assert is_ignored("CR Martin.bak", ("*.bak",))


def test_a_work_name_keeps_the_received_name():
    name = work_name("CR Martin.docx")
    assert is_work_name(name) and received_name_of(name) == "CR Martin.docx"
    assert work_name("CR Martin.docx") != name


def test_long_names_are_cut_to_the_budget_keeping_the_extension():
    long = "é" * 300 + ".docx"
    short = shorten_name(long, NAME_BUDGET)
    assert len(short.encode()) <= NAME_BUDGET and short.endswith("….docx")
    assert len(work_name(long).encode()) <= MAX_NAME_BYTES


def test_names_lose_what_windows_shares_refuse():
    assert safe_filename('CR: Martin/Élodie?*"<>|.') == "CR Martin Élodie"
    assert safe_filename(" . ") == "sans_nom"
    assert safe_filename("   .docx") == "sans_nom.docx" and safe_filename("..docx") == "sans_nom.docx"
    assert safe_filename("CR. final .docx") == "CR. final.docx"
    assert outbox_name("a/b.docx") == "a b.docx"


def test_report_names():
    assert report_id("2026", "100231") == "2026-100231"
    assert agent_file_stem("2026", "100231", "N'Diaye", "Moussa") == "2026_100231_N'DIAYE_Moussa"
    assert note_path_for(Path("/o/rejets/CR.docx"), REJECTION_SUFFIX) == Path("/o/rejets/CR - note de rejet.docx")
    assert stage_folder(Path("/o"), DEFAULT, 1) == Path("/o") / DEFAULT.stage(1).folder
    assert history_folder(Path("/o"), "2026", "100231") == Path("/o/historique/2026/100231")
