"""The campaign at a glance (pipeline/dashboard/): the dashboard page and the one-page summary, built
by ``entretiens demo`` with the workbooks, opened in a real headless Chromium (tests/chromium.py):
no console error, nothing fetched, the counts of ``etat --json``, a screenshot that shows
something, axe-core without a serious or critical violation, A4 print; the summary one A4 page
holding the figures. One demo for the module (conftest's ONE_WORKER_MODULES), one Chromium."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import logging
import re
import stat
import subprocess
import sys

import pikepdf
import pytest

from pipeline import catalogue as cat
from pipeline.config import load_config
from pipeline.dashboard import charts, summary
from pipeline.demo import run_demo
from pipeline.journal import Journal
from pipeline.naming import DASHBOARD_NAME, SUMMARY_NAME
from tests.chromium import Browser, digits
from tests.conftest import REPO

A4 = (595.3, 841.9)  # points
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``entretiens demo``: its passes rebuilt the workbooks, the dashboard and the summary."""
    result = run_demo(tmp_path_factory.mktemp("demo") / "demo")
    config = load_config(result.folder / "config.yaml")
    return result, config


@pytest.fixture(scope="module")
def etat(demo):
    """``entretiens etat --json`` on the demo, as a user runs it."""
    result, _ = demo
    done = subprocess.run([sys.executable, "-m", "pipeline", "etat", "--json", "--config",
                           str(result.folder / "config.yaml")], capture_output=True, text=True, cwd=REPO,
                          encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def browser(demo):
    """Chromium with the dashboard open."""
    _, config = demo
    with Browser() as chromium:
        chromium.open(config.outbox / DASHBOARD_NAME)
        yield chromium


def page_text(config) -> str:
    return (config.outbox / DASHBOARD_NAME).read_text(encoding="utf-8")


# -- written with the workbooks ---------------------------------------------------------------


def test_the_demo_writes_the_dashboard_and_the_summary_with_the_workbooks_in_private_modes(demo):
    result, config = demo
    assert [p.name for p in result.workbooks] == ["plan_de_formation.xlsx", "plan_de_formation.csv",
                                                  "suivi_campagne.xlsx", DASHBOARD_NAME, SUMMARY_NAME]
    for path in result.workbooks:
        assert stat.S_IMODE(path.stat().st_mode) == 0o640, path
    assert not [p.name for p in config.outbox.iterdir() if p.name.startswith(".tmp-")]


def test_the_dashboard_is_one_self_contained_file_that_fetches_nothing(demo):
    """No script, no stylesheet, font or picture from elsewhere; a security policy that forbids
    fetching anything; links only inside the page and to the workbooks beside it."""
    _, config = demo
    text = page_text(config)
    assert "<script" not in text and "<link" not in text and "@import" not in text
    assert not re.search(r"""(src|href)=["'](https?:|//|file:)""", text)
    assert not re.search(r"url\((?!#)", text)
    assert "default-src 'none'" in text
    links = set(re.findall(r'href="([^"#][^"]*)"', text))
    assert links == {"plan_de_formation.xlsx", "plan_de_formation.csv", "suivi_campagne.xlsx"}


def test_no_evaluation_text_reaches_the_dashboard_or_the_summary(demo):
    """Only counts and names: no answer written in a report (appraisals, objectives, comments)."""
    _, config = demo
    catalogue = config.catalogue
    free = {f.key for f in catalogue.single_fields if f.kind == "text"} - {
        cat.LAST_NAME, cat.FIRST_NAME, cat.SERVICE, cat.GRADE, cat.EVALUATOR, cat.AGENT_NUMBER, cat.CAMPAIGN}
    answers = set()
    with Journal(config.state_dir) as journal:
        for report in journal.iter_current_reports(config.campaign.key):
            content = report.file.report
            answers |= {content.text(k) for k in free if len(content.text(k)) > 25}
    assert len(answers) > 10
    html = page_text(config)
    pdf = summary_text(config)
    assert [a for a in answers if a in html or a.replace("'", "&#x27;") in html or a in pdf] == []


# -- in Chromium ------------------------------------------------------------------------------


def test_chromium_shows_the_dashboard_without_error_and_without_fetching_anything(demo, browser):
    _, config = demo
    assert browser.errors() == []
    assert [url for url in browser.requests() if url != (config.outbox / DASHBOARD_NAME).resolve().as_uri()] == []
    assert browser.evaluate("document.title").startswith("Tableau de bord de la campagne 2026")
    assert browser.evaluate("document.querySelectorAll('svg.graphique').length") >= 10


def test_the_counts_shown_equal_etat_json(browser, etat):
    """Every count marked with its etat key, and the rows of each list, equal ``etat --json``."""
    shown = browser.evaluate("[...document.querySelectorAll('[data-etat]')].map(e => [e.dataset.etat, e.textContent])")
    expected = {**{f"par_etape.{k}": v for k, v in etat["par_etape"].items()},
                **{key: len(etat[key]) for key in ("rejets", "retards", "sans_compte_rendu", "a_relancer")},
                **{key: etat[key] for key in ("fichiers_recus", "doublons", "exemplaires_signes")}}
    assert {key for key, _ in shown} == set(expected)
    assert [(key, digits(text)) for key, text in shown if digits(text) != expected[key]] == []
    rows = browser.evaluate("Object.fromEntries([...document.querySelectorAll('table[data-liste]')]"
                            ".map(t => [t.dataset.liste, t.tBodies[0].rows.length]))")
    assert rows == {key: len(etat[key]) for key in ("rejets", "retards", "a_relancer")}
    chased = browser.evaluate("[...document.querySelectorAll('table[data-liste=a_relancer] tbody tr')]"
                              ".map(r => r.cells[2].textContent)")
    assert chased == [item["matricule"] for item in etat["a_relancer"]]


def test_the_screenshot_shows_the_page_not_a_blank_one(browser, tmp_path):
    from PIL import Image

    picture = Image.open(io.BytesIO(browser.screenshot())).convert("RGB")
    assert picture.size[0] >= 1200
    colours = picture.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50
    white = max(count for count, rgb in colours if rgb == (255, 255, 255))
    assert white < 0.95 * picture.size[0] * picture.size[1]


def test_axe_core_finds_no_serious_or_critical_violation(browser):
    violations = browser.axe(AXE_TAGS)
    grave = [(v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]]) for v in violations
             if v["impact"] in ("serious", "critical")]
    assert grave == []


def test_the_keyboard_reaches_the_content_first_then_every_link_and_table(browser):
    """The first Tab gives the skip link; every table that scrolls takes the focus (RGAA 12.13)."""
    browser.evaluate("document.activeElement.blur(); window.scrollTo(0, 0)")
    browser.tab()
    assert browser.evaluate("document.activeElement.className") == "evitement"
    assert browser.evaluate("[...document.querySelectorAll('.defile')].every(e => e.tabIndex === 0)")
    assert browser.evaluate("[...document.querySelectorAll('svg.graphique')].every("
                            "s => s.getAttribute('role') === 'img' && document.getElementById("
                            "s.getAttribute('aria-labelledby')))")
    assert browser.evaluate("[...document.querySelectorAll('table')].every(t => t.caption && t.tHead)")


def test_the_dashboard_prints_on_a4_pages(browser):
    pdf = pikepdf.open(io.BytesIO(browser.print_pdf()))
    assert 3 <= len(pdf.pages) <= 40
    for page in pdf.pages:
        box = [float(v) for v in page.mediabox]
        assert abs(box[2] - A4[0]) < 2 and abs(box[3] - A4[1]) < 2


# -- the summary ------------------------------------------------------------------------------


def summary_text(config) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(config.outbox / SUMMARY_NAME)
    try:
        return " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def test_the_summary_is_one_a4_page_holding_the_figures(demo, etat):
    _, config = demo
    pdf = pikepdf.open(config.outbox / SUMMARY_NAME)
    assert len(pdf.pages) == 1
    box = [float(v) for v in pdf.pages[0].mediabox]
    assert abs(box[2] - A4[0]) < 2 and abs(box[3] - A4[1]) < 2
    assert pdf.Root.MarkInfo.Marked  # a tagged PDF: its structure read aloud in order
    text = " ".join(summary_text(config).split())
    for words, count in (("Rejets à corriger", len(etat["rejets"])),
                         ("Sans compte rendu accepté", len(etat["sans_compte_rendu"])),
                         ("Échéances manquées", len(etat["retards"])),
                         ("Agents à relancer", len(etat["a_relancer"]))):
        assert re.search(rf"{words}\s*{count}\b", text), (words, count)
    assert "Où en est la campagne" in text and "La demande de formation" in text
    assert all(item["evaluateur"] in text for item in etat["a_relancer"])


def test_the_summary_stays_on_one_page_for_a_large_campaign(demo, tmp_path):
    """GIVEN 300 services, 400 evaluators to chase and 90 training titles WHEN the summary is made
    THEN it keeps one page: its lists are cut, «\u202fet N autres\u202f» said."""
    _, config = demo
    figures = captured_figures(config)
    progress, training = figures.progress, figures.training
    many = dataclasses.replace(figures, progress=dataclasses.replace(
        progress,
        per_group=[dataclasses.replace(progress.per_group[0], rows=[[f"Service {n} des longues appellations", *row[1:]]
                                                                    for n in range(300)
                                                                    for row in progress.per_group[0].rows[:1]])],
        chased_by_evaluator=dataclasses.replace(progress.chased_by_evaluator, rows=[
            [f"Évaluatrice numéro {n}", 3, None, 12] for n in range(400)])),
        training=dataclasses.replace(training, titles=dataclasses.replace(training.titles, rows=[
            [f"Formation {n} aux outils de la bureautique", *training.titles.rows[0][1:]] for n in range(90)])))
    target = tmp_path / "synthese.pdf"
    summary.write_summary(target, many, made_at=dt.datetime(2026, 12, 1, 9, 0))
    assert len(pikepdf.open(target).pages) == 1


def test_without_weasyprint_the_dashboard_is_written_and_a_warning_says_why(demo, tmp_path, monkeypatch, caplog):
    from pipeline import dashboard

    _, config = demo
    figures = captured_figures(config)
    elsewhere = config.model_copy(update={"folders": config.folders.model_copy(update={"outbox": tmp_path})})

    def missing():
        raise summary.SummaryUnavailable("La synthèse PDF n'est pas produite : installez libpango-1.0-0.")

    monkeypatch.setattr(summary, "_weasyprint", missing)
    with caplog.at_level(logging.WARNING, logger="entretiens"):
        written = dashboard.write_campaign_pages(elsewhere, figures)
    assert [p.name for p in written] == [DASHBOARD_NAME]
    assert any("libpango" in r.getMessage() for r in caplog.records)


# -- the charts -------------------------------------------------------------------------------


def contrast(colour: str, background: str = "#ffffff") -> float:
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(colour), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_chart_colour_contrasts_4_5_to_1_with_white():
    colours = {*charts.SERIES, *charts.STAGES, charts.REJECTED, charts.NO_REPORT, charts.INK}
    assert [c for c in colours if contrast(c) < 4.5] == []


def test_a_chart_draws_labels_as_written_and_holds_no_script():
    chart = charts.stacked("essai", "Essai", ['=HYPERLINK("http://x","y")', "<b>gras</b> & $x^2$"],
                           [("T1", [1, 2]), ("T2", [3, 0])])
    assert "<script" not in chart.svg and "<b>" not in chart.svg
    assert "&lt;b&gt;gras&lt;/b&gt; &amp; $x^2$" in chart.svg and "HYPERLINK" in chart.svg
    ids = re.findall(r'\bid="([^"]+)"', chart.svg)
    assert ids and all(i == "chart-essai" or i.startswith("essai-") for i in ids)
    assert 'role="img"' in chart.svg and 'aria-labelledby="essai-titre"' in chart.svg


def test_the_page_has_no_duplicate_id(demo):
    _, config = demo
    ids = re.findall(r'\bid="([^"]+)"', page_text(config))
    assert len(ids) == len(set(ids))


# -- helpers ----------------------------------------------------------------------------------


def captured_figures(config):
    """The figures a rebuild gives the pages (the pages themselves not written)."""
    from pipeline import dashboard
    from pipeline.workbooks import rebuild_workbooks

    captured = []
    original = dashboard.write_campaign_pages
    dashboard.write_campaign_pages = lambda config, figures, **options: captured.append(figures) or []
    try:
        rebuild_workbooks(config)
    finally:
        dashboard.write_campaign_pages = original
    return captured[0]
