"""The library's front door (pipeline/__init__.py): a small API, cheap to import, that the
``entretiens`` command calls."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

import pytest

import pipeline
from conftest import make_config
from pipeline.watch import acquire_lock
from tests.conftest import REPO

FUNCTIONS = ["load_config", "process_inbox", "check_files", "generate_documents", "rebuild_workbooks",
             "campaign_view", "campaign_status", "watcher_state", "build_templates", "run_service", "archive_campaign"]
HEAVY = ("pandas", "xlsxwriter", "pydantic", "yaml", "holidays", "docx", "docxtpl", "lxml", "watchdog",
         "rapidfuzz", "openpyxl")


def imported_after(code: str) -> list[str]:
    """The heavy modules a fresh interpreter holds after running ``code``."""
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_import_pipeline_loads_nothing_heavy():
    assert imported_after("import pipeline") == []


def test_entretiens_help_loads_neither_pydantic_nor_pandas():
    code = ("import contextlib, io\nfrom pipeline.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        main(['--help'])\n    except SystemExit:\n        pass")
    assert imported_after(code) == []


def test_every_name_in_all_is_there_and_documented():
    for name in pipeline.__all__:
        value = getattr(pipeline, name)
        assert inspect.getdoc(value), name
    assert set(FUNCTIONS) <= set(pipeline.__all__)
    assert set(pipeline.__all__) <= set(dir(pipeline))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_options_are_keyword_only(name):
    """The configuration (and, for check_files, the paths) first; every option by name."""
    positional = {"load_config": ["path"], "check_files": ["config", "paths"]}.get(name, ["config"])
    parameters = inspect.signature(getattr(pipeline, name)).parameters.values()
    assert [p.name for p in parameters if p.kind is not p.KEYWORD_ONLY] == positional


def test_the_types_and_exceptions_are_the_modules_own():
    from pipeline.config import Config, Watch
    from pipeline.outcomes import ConfigError, EntretiensError

    assert (pipeline.Config, pipeline.Watch) == (Config, Watch)
    assert issubclass(pipeline.ConfigError, pipeline.EntretiensError)
    assert (pipeline.ConfigError, pipeline.EntretiensError) == (ConfigError, EntretiensError)
    with pytest.raises(AttributeError):
        pipeline.nothing_of_the_kind


def test_load_config_raises_a_french_config_error(tmp_path):
    with pytest.raises(pipeline.ConfigError, match="Fichier de configuration introuvable"):
        pipeline.load_config(tmp_path / "absent.yaml")


def test_process_inbox_is_refused_while_the_watcher_holds_the_workspace(tmp_path):
    config = make_config(tmp_path)
    lock = acquire_lock(config.state_dir)  # as the watcher does
    try:
        with pytest.raises(pipeline.AlreadyRunning, match="La surveillance est déjà lancée"):
            pipeline.process_inbox(config)
    finally:
        lock.release()


def test_process_inbox_releases_the_lock_after_the_pass(tmp_path):
    config = make_config(tmp_path)
    config.inbox.mkdir()
    assert pipeline.process_inbox(config, outputs=False).handled == []
    assert pipeline.watcher_state(config).processing is None
    acquire_lock(config.state_dir).release()  # free again


def test_check_files_examines_each_path_in_order_without_moving_it(tmp_path):
    config = make_config(tmp_path)
    files = [tmp_path / "vide.docx", tmp_path / "scan.docx"]
    files[0].write_bytes(b"")
    files[1].write_bytes(b"%PDF-1.4 un scan\n")
    results = pipeline.check_files(config, [str(files[0]), files[1]])
    assert [(r.path, r.error.code) for r in results] == [(files[0], "fichier_vide"), (files[1], "pas_un_docx")]
    assert all(path.exists() for path in files)


def test_build_templates_writes_the_three_templates_in_the_templates_folder(tmp_path):
    config = make_config(tmp_path, dossiers={"modeles": "modeles"})
    written = pipeline.build_templates(config)
    assert sorted(p.name for p in written) == sorted(p.name for p in (tmp_path / "modeles").iterdir())
    assert len(written) == 3
