"""``entretiens demo`` (pipeline/demo.py): the first thing a newcomer runs; what it says happened
is what happened."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

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


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """The demo, built once for the session (the print tests below use it too)."""
    return run_demo(tmp_path_factory.mktemp("demo") / "demo")


# -- printed by LibreOffice Calc -------------------------------------------------------------------

CROWD = 120  # agents: the campaign a new user tried (the tracking printed on 35 pages, 29 of « Suivi »)
PER_PAGE = 30  # « Suivi » prints at most one page per PER_PAGE agents
SUMMARIES = {"suivi_campagne": ["Synthèse", "Accès à la formation"],
             "plan_de_formation": ["Par type et intitulé", "Par service", "Par catégorie", "Par dispositif",
                                   "Par priorité", "Par avis de l'évaluateur", "Graphique"]}


@dataclass
class PrintedBook:
    """A workbook as LibreOffice Calc prints it to PDF: each page's sheet (named at the right of the
    page's header) and text (pdftotext, columns kept in place); and the workbook itself (openpyxl)."""

    book: object  # openpyxl.Workbook
    pages: list[tuple[str, str]]  # (sheet, text) in print order
    upright: list[bool]  # each page's orientation: portrait (True) or landscape

    def of(self, sheet: str) -> list[str]:
        return [text for name, text in self.pages if name == sheet]

    def rows(self, sheet: str) -> list[dict[str, object]]:
        values = list(self.book[sheet].iter_rows(values_only=True))
        return [dict(zip(values[0], row)) for row in values[1:]]


def shows(page: str, header: str) -> bool:
    """Whether the printed ``page`` shows ``header``: each of its words (a header wraps on a few lines)."""
    return all(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", page) for word in header.split())


def printed_book(xlsx: Path, pdf: Path) -> PrintedBook:
    import subprocess

    import openpyxl
    import pypdfium2

    book = openpyxl.load_workbook(xlsx)
    document = pypdfium2.PdfDocument(pdf)
    upright = [page.get_size()[0] < page.get_size()[1] for page in document]
    count = len(document)
    document.close()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")[:count]
    assert len(pages) == count, pdf.name
    named = []
    for page in pages:
        head = next(line for line in page.splitlines() if line.strip()).rstrip()
        (sheet,) = [n for n in book.sheetnames if head.endswith(n) and not any(
            head.endswith(o) and len(o) > len(n) for o in book.sheetnames)]
        named.append((sheet, page))
    return PrintedBook(book, named, upright)


@pytest.fixture(scope="module")
def crowd(tmp_path_factory):
    """The demo campaign with CROWD agents."""
    return run_demo(tmp_path_factory.mktemp("crowd") / "demo", agents=CROWD)


@pytest.fixture(scope="module")
def printed(demo, crowd, convert, tmp_path_factory):
    """The workbooks of the demo and of the CROWD-agent campaign, printed to PDF by LibreOffice Calc
    (one soffice call), and as Calc computes every sheet (one more): {(agents, workbook): ...}."""
    import shutil

    from tests.test_workbooks import computed_in_calc

    folder = tmp_path_factory.mktemp("printed")
    books = {}
    for agents, result in ((demo.agents, demo), (crowd.agents, crowd)):
        for workbook in (w for w in result.workbooks if w.suffix == ".xlsx"):
            books[agents, workbook.stem] = Path(shutil.copy(workbook, folder / f"{agents}_{workbook.name}"))
    pdfs = convert(list(books.values()), "pdf")
    calc = computed_in_calc(list(books.values()), convert)
    return {key: printed_book(xlsx, pdfs / f"{xlsx.stem}.pdf") for key, xlsx in books.items()}, calc


@pytest.mark.libreoffice
def test_suivi_prints_the_stage_and_the_next_deadline_on_one_page_per_30_agents(printed):
    """GIVEN the demo (40 agents) and a campaign of 120 WHEN Calc prints the tracking THEN « Suivi »
    comes first, on at most one page per 30 agents, every page as wide as the paper: the name,
    first name, service, « Étape », « Situation », the next deadline, its limit, state and whom it
    waits for, each agent on one line of one page; the matricule and the other columns stay on
    screen. (With 120 agents it printed on 29 pages: three of identity columns only, « Étape » on
    the fourth, each agent's row on 8 strips of pages.)"""
    books, _ = printed
    for agents in (40, CROWD):
        tracking = books[agents, "suivi_campagne"]
        suivi, rows = tracking.of("Suivi"), tracking.rows("Suivi")
        assert len(rows) >= agents and tracking.pages[0][0] == "Suivi"
        assert 1 <= len(suivi) <= math.ceil(len(rows) / PER_PAGE), (agents, len(suivi))
        for page in suivi:  # one page width: every page has every printed column, the stage first of all
            for header in ("Nom de l'agent", "Service d'affectation", "Étape", "Situation", "Prochaine échéance",
                           "Date limite", "En attente de"):
                assert shows(page, header), (agents, header)
            assert not shows(page, "Matricule") and not shows(page, "Courriel")
        assert shows(suivi[0], "Étape") and shows(suivi[0], "Situation")
        lines = [line for page in suivi for line in page.splitlines()]
        for (last, first, service), count in Counter(
                (r["Nom de l'agent"], r["Prénom de l'agent"], r["Service d'affectation"]) for r in rows).items():
            one_line = re.compile(rf"^\s*{re.escape(last)}\s+{re.escape(first)}\s+{re.escape(service)}\s")
            assert sum(1 for line in lines if one_line.match(line)) == count, (agents, last, first)
        upcoming = [r for r in rows if r["État de l'échéance"] == "dépassée"]
        assert upcoming and all(r["Prochaine échéance"] in "\n".join(suivi) for r in upcoming)


@pytest.mark.libreoffice
def test_the_tracking_prints_its_detail_and_lists_on_the_page_width_each_summary_on_one_page(printed):
    """GIVEN the same workbooks WHEN printed THEN « Échéances » prints on strips of pages as wide
    as the paper, the agent (name, first name, service) on every page, each strip on at most one
    page per 30 agents; « Relances » as wide as the paper, on at most one page per 30 agents to
    chase; « Synthèse » (table and chart) and « Accès à la formation » on one page each;
    « Harmonisation » on the paper's width. In all, against 17 pages for the demo and 35 for 120
    agents before."""
    books, _ = printed
    for agents in (40, CROWD):
        tracking = books[agents, "suivi_campagne"]
        assert [name for name, _ in tracking.pages] == sorted(
            (name for name, _ in tracking.pages), key=tracking.book.sheetnames.index)  # each sheet in one run
        per_page = math.ceil(len(tracking.rows("Suivi")) / PER_PAGE)
        detail = tracking.of("Échéances")
        strips = tracking.book["Échéances"].print_area.count("!")  # its print ranges
        assert strips == 2 and 1 <= len(detail) <= strips * per_page, (agents, len(detail))
        for page in detail:
            assert all(shows(page, h) for h in ("Nom de l'agent", "Prénom de l'agent", "Service d'affectation"))
            assert shows(page, "Convocation") != shows(page, "Recours")  # the workflow, or the appeal
        chased = tracking.of("Relances")
        assert 1 <= len(chased) <= math.ceil(len(tracking.rows("Relances")) / PER_PAGE)
        assert all(shows(page, "Motif de relance") and shows(page, "Jours de retard") for page in chased)
        for sheet in SUMMARIES["suivi_campagne"]:
            assert len(tracking.of(sheet)) == 1, (agents, sheet)
        assert "Agents par étape du compte rendu" in tracking.of("Synthèse")[0]  # the chart, with its table
        equality = tracking.of("Harmonisation")
        assert 1 <= len(equality) <= 3 and shows(equality[0], "Regroupement")
        assert "(%)" in "".join(equality)  # the levels' shares: the rightmost columns, printed
        budget = per_page * (1 + strips) + math.ceil(len(tracking.rows("Relances")) / PER_PAGE) + 2 + 1
        assert len(tracking.pages) <= budget, (agents, len(tracking.pages), budget)
    # The budget for the demo: one page per 30 agents, plus one per other sheet (7 pages,
    # against 17 before): « Suivi » on one, « Échéances » on its two strips, each summary on one.
    demo = books[40, "suivi_campagne"]
    assert len(demo.of("Harmonisation")) == 1
    budget = math.ceil(len(demo.rows("Suivi")) / PER_PAGE) + len(demo.book.sheetnames) - 1
    assert len(demo.pages) <= budget == 7, (len(demo.pages), budget)
    assert len(books[CROWD, "suivi_campagne"].pages) <= 13


@pytest.mark.libreoffice
def test_the_plan_prints_the_needs_on_the_page_width_and_each_summary_on_one_page(printed):
    """GIVEN the same training plans WHEN printed THEN every page of « Besoins » has who and the
    whole request, title, type, scheme and priority side by side (one page width: it printed on
    3 pages across, Type, Dispositif and Priorité away from the titles), at most one page per 30
    needs; each summary (and the chart with its table) on one page."""
    books, _ = printed
    for agents in (40, CROWD):
        plan = books[agents, "plan_de_formation"]
        needs = plan.of("Besoins")
        assert 1 <= len(needs) <= math.ceil(len(plan.rows("Besoins")) / PER_PAGE), (agents, len(needs))
        for page in needs:
            for header in ("Nom de l'agent", "Service d'affectation", "Intitulé de la formation", "Type",
                           "Dispositif", "Priorité", "Période souhaitée", "Avis de l'évaluateur"):
                assert shows(page, header), (agents, header)
            assert not shows(page, "Fichier source") and not shows(page, "regroupé")
            header = next(line for line in page.splitlines() if "Intitulé" in line)  # the headers' first line
            columns = [header.index(h) for h in ("Intitulé", "Type", "Dispositif", "Priorité")]
            assert columns == sorted(columns)  # side by side, in that order
        for sheet in SUMMARIES["plan_de_formation"]:
            assert len(plan.of(sheet)) == 1, (agents, sheet)
        assert len(plan.of("Besoins non validés")) <= math.ceil(len(plan.rows("Besoins non validés")) / PER_PAGE)


@pytest.mark.libreoffice
def test_every_printed_page_is_landscape_and_numbered_and_every_total_adds_up_in_calc(printed):
    """Every page of the four workbooks is A4 landscape with « Page N sur M » below, but a summary
    that fits one page only upright (« Harmonisation » of the demo: a table per criterion, one
    below the other); recalculated by Calc, no cell holds an error and every total row adds up."""
    from tests.test_workbooks import totals_checked

    books, calc = printed
    for key, book in books.items():
        upright = {name for (name, _), portrait in zip(book.pages, book.upright) if portrait}
        assert all(len(book.of(name)) == 1 for name in upright), (key, upright)
        assert upright <= {"Harmonisation"}, (key, upright)
        assert f"Page 1 sur {len(book.pages)}" in book.pages[0][1], key
    assert totals_checked(calc) >= 40
    assert books[40, "suivi_campagne"].upright.count(True) == 1  # the demo's « Harmonisation »


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
