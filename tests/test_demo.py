"""``entretiens demo`` (pipeline/demo.py): the first thing a newcomer runs; what it says happened
is what happened."""

from __future__ import annotations

from collections import Counter

import pytest

from pipeline.config import load_config
from pipeline.demo import run_demo, summary
from pipeline.naming import SIGNED_COPIES_DIR
from pipeline.outcomes import Outcome


def test_the_demo_campaign_runs_end_to_end_and_says_what_happened(demo):
    result = demo
    handled = Counter(h.outcome for p in result.passes for h in p.handled)
    assert sum(handled.values()) == 50
    assert handled[Outcome.ACCEPTED] >= 30 and handled[Outcome.REJECTED] >= 10
    assert handled[Outcome.UNREADABLE] == 2 and handled[Outcome.DUPLICATE] == 1
    assert handled[Outcome.SIGNED_COPY] == 1
    outbox = load_config(result.folder / "config.yaml").outbox
    assert sorted(p.parent.name for p in (outbox / SIGNED_COPIES_DIR).glob("*/*/*.pdf")) == ["200108", "200116"]
    assert all(not p.left_alone for p in result.passes)
    text = summary(result)
    assert "1 numérisation d'exemplaires signés (PDF) reconnue par le code imprimé sur chaque page et classée" in text
    assert f"50 fichiers reçus en deux passages : {handled[Outcome.ACCEPTED]} acceptés" in text
    assert f"Ensuite : entretiens etat --config {result.folder / 'config.yaml'}" in text  # the French name
    assert [w.name for w in result.workbooks] == ["plan_de_formation.xlsx", "plan_de_formation.csv",
                                                  "suivi_campagne.xlsx", "tableau_de_bord.html",
                                                  "synthese_campagne.pdf"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(tmp_path_factory.mktemp("demo") / "demo")


@pytest.mark.libreoffice
def test_the_workbooks_print_in_landscape_on_a_few_pages(demo, convert):
    """GIVEN the demo's workbooks (53 training needs, 40 agents) WHEN LibreOffice prints them
    THEN every page is landscape, with page numbers, and the whole thing takes a few pages
    (it took 26 and 22 portrait pages, charts cut across)."""
    import subprocess

    folder = convert([w for w in demo.workbooks if w.suffix == ".xlsx"], "pdf")
    pages = {}
    for pdf in sorted(folder.glob("*.pdf")):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages[pdf.stem] = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
        width, height = (float(v) for v in next(line for line in info.splitlines()
                                                 if line.startswith("Page size:")).split()[2:5:2])
        assert width > height, pdf.name
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert f"Page 1 sur {pages[pdf.stem]}" in text
    # Nine sheets in the plan (needs, needs not yet validated, six summaries, the chart); five in
    # the tracking (agents with every date and deadline, appeal windows included, summary and
    # chart, chases, six distributions, access to training).
    assert pages["plan_de_formation"] <= 17 and pages["suivi_campagne"] <= 18, pages


def test_the_tracking_says_how_each_final_report_was_notified(demo):
    """GIVEN the demo (one agent refuses to sign; the report goes by registered letter) WHEN the
    tracking is read THEN each report at the final stage says how it was notified, the others nothing."""
    import openpyxl

    (tracking,) = [w for w in demo.workbooks if w.name == "suivi_campagne.xlsx"]
    rows = list(openpyxl.load_workbook(tracking, read_only=True)["Suivi"].iter_rows(values_only=True))
    header = rows[0]
    stage, notified = header.index("Étape"), header.index("Notification")
    final = [r[notified] for r in rows[1:] if r[stage] == 4]
    assert sorted(final) == ["refus de signer, valant notification : lettre recommandée avec accusé de réception",
                             "signée par l'agent", "signée par l'agent"]
    assert {r[notified] for r in rows[1:] if r[stage] != 4} == {None}


OTHER_SERVICES = ("etat", "territoriale")


@pytest.mark.parametrize("service", ["hospitaliere", *OTHER_SERVICES])
def test_the_demo_runs_under_each_public_service_with_that_services_form(demo, tmp_path_factory, service):
    """GIVEN ``entretiens demo --fonction-publique <service>`` WHEN it runs THEN its config.yaml names the
    service, its templates are built for that service's form (its reports are read and accepted, and
    cite its decree), and the summary names the service and the authority that gives the visa. The
    other services run on a roster of 20 agents (every case of the demo is in its first 17), to keep the
    suite short."""
    import zipfile

    from pipeline import catalogue as cat
    from pipeline.naming import REPORT_SUFFIX, TO_SEND

    result = demo if service == "hospitaliere" else run_demo(
        tmp_path_factory.mktemp(f"demo-{service}") / "demo", agents=20, public_service=service)
    config = load_config(result.folder / "config.yaml")
    expected = cat.PUBLIC_SERVICES[service]
    assert result.public_service == config.public_service == service
    assert config.catalogue.version() == cat.for_public_service(cat.BASE, service).version()
    handled = Counter(h.outcome for p in result.passes for h in p.handled)
    assert handled[Outcome.ACCEPTED] >= result.agents // 2 and handled[Outcome.REJECTED] >= 5
    assert (handled[Outcome.UNREADABLE], handled[Outcome.DUPLICATE], handled[Outcome.SIGNED_COPY]) == (2, 1, 1)
    report = next((config.outbox / TO_SEND).glob(f"*{REPORT_SUFFIX}"))
    with zipfile.ZipFile(report) as archive:
        assert expected.legal_basis[:40] in archive.read("word/document.xml").decode()
    text = summary(result)
    assert f"(fonction_publique : {service}) : formulaire {config.catalogue.version()}, visé par " \
           f"{expected.visa_authority}." in text
    assert f"Visa de {expected.visa_authority}, en attente de notification" in text


def test_the_demo_refuses_an_unknown_public_service(tmp_path):
    from pipeline.outcomes import ConfigError

    with pytest.raises(ConfigError, match="«\u202fcommunale\u202f» inconnue"):
        run_demo(tmp_path / "demo", public_service="communale")
    assert not (tmp_path / "demo").exists()
