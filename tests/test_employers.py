"""A workspace that serves several employers (config.yaml « employeurs », pipeline/employers.py):
a commune under the territorial profile on the product's own form, a hospital under the hospital
profile on its own form (../shared/forms/B_hopital_lignes.docx), each with its roster, the same
agent number in both. A whole campaign through the library: documents per employer, returned
reports dropped in the one shared inbox and routed, notes signed by each employer's HR, the
employers' and the consolidated views whose counts add up."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml

import pipeline
from pipeline import catalogue as cat
from pipeline.config import load_config
from pipeline.cap import CAP_FOLDER, CAP_INDEX
from pipeline.consolidated import CONSOLIDATED_NAME, EXPORT_NAME
from pipeline.employers import UNASSIGNED_FOLDER, UNASSIGNED_NOTE_SUFFIX, route_inbox
from pipeline.filling import fill_report
from pipeline.generate import generate
from pipeline.journal import REJECTION_NOTE, REMINDER, Journal
from pipeline.naming import REJECTS, TO_SEND, stage_folder
from pipeline.odf.editing import meta_xml
from pipeline.outcomes import WRONG_CAMPAIGN, ConfigError, OtherForm
from pipeline.signed_copies import page_code, specimen_scan
from tests.conftest import settle
from tests.lo import REPO, parts_of, rewrite_parts, run_cli

SHARED = REPO.parent / "shared" / "forms"
B_FORM, B_FILLED = SHARED / "B_hopital_lignes.docx", SHARED / "B_hopital_lignes_rempli.docx"
TODAY = dt.date(2026, 11, 2)  # documents generated
RECEIVED = dt.date(2026, 11, 30)  # reports returned
HEADER = "matricule;nom;prénom;grade;service;poste;évaluateur;date de convocation;date d'entretien\n"
COMMUNE_HR = "Service des ressources humaines de Saint-Aignan"
HOSPITAL_HR = "Direction des ressources humaines du CH de Blain"


def write_workspace(base: Path) -> Path:
    """config.yaml with two employers, their rosters (agent 100001 in both: two people) and the
    hospital's form mapping."""
    if not B_FORM.exists() or not B_FILLED.exists():
        pytest.skip("les formulaires partagés (../shared/forms) sont absents")
    (base / "sta").mkdir(parents=True)
    (base / "chb").mkdir()
    (base / "sta" / "agents.csv").write_text(
        HEADER + "100001;MARTIN;Élodie;Adjoint administratif;Accueil;Agent d'accueil;Sophie Durand;"
                 "02/11/2026;16/11/2026\n"
                 "100002;LEROY;Paul;Adjoint technique;Voirie;Agent de voirie;Marc Petit;02/11/2026;17/11/2026\n",
        encoding="utf-8")
    (base / "chb" / "agents.csv").write_text(
        HEADER + "100001;MARCHAND;Élodie;Infirmière en soins généraux;Médecine polyvalente;Infirmière;"
                 "Nathalie GUÉRIN;29/09/2026;13/10/2026\n"
                 "200002;THOMAS;Julie;Aide-soignante;Gériatrie;Aide-soignante;Nathalie GUÉRIN;02/11/2026;"
                 "18/11/2026\n", encoding="utf-8")
    (base / "sta" / "catalogue.csv").write_text("intitulé;organisme;durée (jours);coût par personne\n"
                                                "Intitulé de la formation 1;CNFPT;2;350\n", encoding="utf-8")
    mapping = yaml.safe_load((REPO / "tests" / "forms" / "B_hopital_lignes.yaml").read_text(encoding="utf-8"))
    mapping["modele"] = str(B_FORM)
    (base / "chb" / "formulaire.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False),
                                                  encoding="utf-8")
    config = {
        "campagne": {"annee": 2026, "date_limite_entretiens": "31/01/2027", "date_retour_rh": "28/02/2027"},
        "fonction_publique": "territoriale",
        "courriel": {"mode": "aucun"},
        "employeurs": [
            {"code": "STA", "nom": "Commune de Saint-Aignan", "liste_agents": "sta/agents.csv",
             "catalogue_formations": "sta/catalogue.csv",
             "autorite": {"nom": "M. Jean Dupont", "titre": "maire"},
             "service_rh": {"nom": COMMUNE_HR, "contact": "Mme Claire Martin"}},
            {"code": "CHB", "nom": "Centre hospitalier de Blain", "fonction_publique": "hospitaliere",
             "liste_agents": "chb/agents.csv", "formulaire": "chb/formulaire.yaml",
             "service_rh": {"nom": HOSPITAL_HR}},
        ],
    }
    (base / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return base / "config.yaml"


def text_of(path: Path) -> str:
    if path.suffix == ".docx":
        document = docx.Document(str(path))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    return zipfile.ZipFile(path).read("content.xml").decode()


class Campaign:
    def __init__(self, base: Path):
        self.base = base
        self.config = load_config(write_workspace(base))
        self.commune, self.hospital = (self.config.employer_view(code) for code in ("STA", "CHB"))
        self.documents: dict[str, dict[str, Path]] = {}
        for view in (self.commune, self.hospital):
            pipeline.build_templates(view)
            result = generate(view, today=TODAY)
            assert not result.problems, result.problems
            self.documents[view.employer.code] = {
                number: next(p for p in result.reports if f"_{number}_" in p.name)
                for number in ("100001", "100002", "200002") if any(f"_{number}_" in p.name for p in result.reports)}

    def drop(self, source: Path, name: str) -> Path:
        target = self.config.inbox / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> Campaign:
    """The campaign after one pass: every report returned to the shared inbox at once."""
    found = Campaign(tmp_path_factory.mktemp("employeurs"))
    sta = found.documents["STA"]
    made = found.base / "rendus"
    made.mkdir()
    fill_report(sta["100001"], made / "CR MARTIN.docx", found.commune.catalogue, stage=1, review=dt.date(2026, 11, 16))
    fill_report(sta["100002"], made / "CR LEROY.docx", found.commune.catalogue, stage=1, review=dt.date(2026, 11, 17),
                omit=("appreciation_generale",))
    found.drop(made / "CR MARTIN.docx", "CR MARTIN.docx")
    found.drop(made / "CR LEROY.docx", "Voirie/CR LEROY.docx")  # a service's folder, dragged whole
    found.drop(B_FILLED, "CR MARCHAND.docx")  # the hospital's form filled by hand: no identifier
    found.drop(found.documents["CHB"]["200002"], "CR THOMAS.docx")  # returned blank
    settle(found.config.inbox)
    found.result = pipeline.process_inbox(found.config, received_on=RECEIVED)
    return found


def test_each_employers_documents_cite_its_decree_and_its_authority(campaign):
    """GIVEN a commune (territorial) and a hospital (hospital, its own form) WHEN generer runs per
    employer THEN each employer's reports are in its own folder, the commune's on the product's
    form citing décret 2014-1526 and « l'autorité territoriale », the hospital's on its own form
    (.docx) citing décret 2020-719; each identifier carries the employer: agent 100001 of each is
    two reports."""
    commune = text_of(campaign.documents["STA"]["100001"])
    assert "2014-1526" in commune and "autorité territoriale" in commune and "2020-719" not in commune
    hospital = text_of(campaign.documents["CHB"]["100001"])
    assert "2020-719" in hospital and "2014-1526" not in hospital
    for code, view in (("STA", campaign.commune), ("CHB", campaign.hospital)):
        for path in campaign.documents[code].values():
            assert path.parent == campaign.config.outbox / code / TO_SEND
            assert path.name.startswith(f"2026_{code}_")
    assert {campaign.commune.campaign.key, campaign.hospital.campaign.key} == {"2026_STA", "2026_CHB"}


def test_every_returned_report_reaches_its_employers_folders(campaign):
    """GIVEN the four reports dropped in the shared inbox (one in a service's subfolder, one a
    copy of the hospital's form with no identifier, agent 100001 in both employers) WHEN traiter
    runs THEN each is in its employer's outbox, known to its employer's journal only, under its
    employer's identifier; the inbox is empty."""
    done = campaign.result
    assert sorted((r.received_name, r.employer) for r in done.routing.routed) == [
        ("CR MARCHAND.docx", "CHB"), ("CR MARTIN.docx", "STA"), ("CR THOMAS.docx", "CHB"),
        (str(Path("Voirie/CR LEROY.docx")), "STA")]
    assert not done.routing.unassigned
    assert not [p for p in campaign.config.inbox.rglob("*") if p.is_file()]
    seen = {}
    for view in (campaign.commune, campaign.hospital):
        with Journal(view.state_dir) as journal:
            seen[view.employer.code] = {row.report_id: row for row in journal.files()}
    assert set(seen["STA"]) == {"2026_STA-100001", "2026_STA-100002"}
    assert set(seen["CHB"]) == {"2026_CHB-100001", "2026_CHB-200002"}
    for view, person in ((campaign.commune, "MARTIN_Élodie"), (campaign.hospital, "MARCHAND_Élodie")):
        first_stage = stage_folder(view.outbox, view.catalogue, 1)
        assert (first_stage / f"{view.campaign.key}_100001_{person}.docx").exists()  # 100001 twice: two agents
    assert (campaign.commune.outbox / REJECTS / "Voirie CR LEROY.docx").exists()  # its folder in its name
    assert (campaign.hospital.outbox / REJECTS / "CR THOMAS.docx").exists()


def test_each_note_is_signed_by_its_employers_hr(campaign):
    """GIVEN one report rejected in each employer WHEN its note is written THEN it is signed by that
    employer's HR contact (service_rh of its entry), never the other's."""
    commune = text_of(next((campaign.commune.outbox / REJECTS).glob("*note de rejet.docx")))
    hospital = text_of(next((campaign.hospital.outbox / REJECTS).glob("CR THOMAS*note de rejet.docx")))
    assert COMMUNE_HR in commune and "Mme Claire Martin" in commune and HOSPITAL_HR not in commune
    assert HOSPITAL_HR in hospital and COMMUNE_HR not in hospital


def test_the_consolidated_views_add_up_to_the_employers_own(campaign):
    """GIVEN the campaign after the pass WHEN etat (consolidated and per employer) and the
    workbooks are asked THEN each employer's figures are its own etat's, the totals are their sums,
    the consolidated workbook says the same per employer and lists every agent with their employer;
    each employer has its own tracking workbook."""
    consolidated = pipeline.consolidated_status(campaign.config, today=RECEIVED)
    total = consolidated.total
    for figures, status in consolidated.employers:
        own = pipeline.campaign_status(campaign.config.employer_view(figures.code), today=RECEIVED)
        assert figures.per_stage == own.per_stage and figures.rejected == len(own.rejected)
        assert figures.without_report == len(own.missing) and figures.chased == len(own.chased)
        assert figures.files_received == own.files_received == 2
    assert total.agents == 4 and total.files_received == 4
    assert total.per_stage == {n: sum(f.per_stage[n] for f, _ in consolidated.employers) for n in total.per_stage}
    assert total.rejected == sum(f.rejected for f, _ in consolidated.employers) >= 2
    assert sum(total.per_stage.values()) + total.without_report == total.agents

    written = pipeline.rebuild_workbooks(campaign.config, today=RECEIVED)
    for code in ("STA", "CHB"):
        assert campaign.config.outbox / code / "suivi_campagne.xlsx" in written
    book = openpyxl.load_workbook(campaign.config.outbox / CONSOLIDATED_NAME, read_only=True)
    summary = list(book["Employeurs"].iter_rows(values_only=True))
    by_code = {row[0]: row for row in summary[1:] if row[0]}
    for figures, _ in consolidated.employers:
        row = by_code[figures.code]
        assert row[1] == figures.name and row[3] == figures.agents
        assert list(row[4:4 + len(figures.per_stage)]) == list(figures.per_stage.values())
    agents = list(book["Suivi"].iter_rows(values_only=True))[1:]
    assert sorted((row[0], row[1]) for row in agents) == [
        ("CHB", "100001"), ("CHB", "200002"), ("STA", "100001"), ("STA", "100002")]


def test_the_consolidated_training_demand_is_each_employers_plan(campaign):
    """GIVEN the commune with a training catalogue, the hospital without WHEN the workbooks are
    rebuilt THEN « Employeurs » gives each employer the needs of its own plan and, for the commune,
    the estimated cost its own plan's « Coûts par intitulé » adds up to; none for the hospital."""
    pipeline.rebuild_workbooks(campaign.config, today=RECEIVED)
    book = openpyxl.load_workbook(campaign.config.outbox / CONSOLIDATED_NAME, read_only=True)
    rows = list(book["Employeurs"].iter_rows(values_only=True))
    needs_at, cost_at = rows[0].index("Besoins de formation"), rows[0].index("Coût estimé des formations (€)")
    by_code = {row[0]: row for row in rows[1:] if row[0]}
    for view in (campaign.commune, campaign.hospital):
        plan = openpyxl.load_workbook(view.outbox / "plan_de_formation.xlsx", read_only=True)
        own_needs = sum(1 for row in list(plan["Besoins"].iter_rows(values_only=True))[1:] if any(row))
        assert by_code[view.employer.code][needs_at] == own_needs
    assert by_code["STA"][needs_at] >= 1 and by_code["CHB"][needs_at] >= 1
    plan = openpyxl.load_workbook(campaign.commune.outbox / "plan_de_formation.xlsx", read_only=True)
    costs = list(plan["Coûts par intitulé"].iter_rows(values_only=True))
    column = costs[0].index("Coût estimé (€)")
    own_cost = sum(row[column] for row in costs[1:] if isinstance(row[column], (int, float)) and row[0] != "Total")
    assert own_cost > 0 and by_code["STA"][cost_at] == pytest.approx(own_cost)
    assert by_code["CHB"][cost_at] is None


def test_etat_says_the_totals_and_one_employer_on_request(campaign):
    """GIVEN the campaign WHEN « entretiens etat » runs, consolidated, as JSON, for one employer,
    for an unknown one THEN the totals are the sums, --employeur gives that employer's etat, and
    an unknown code is a French error, exit 1."""
    shown = run_cli("etat", "--json", cwd=campaign.base)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert [e["code"] for e in data["employeurs"]] == ["STA", "CHB"]
    assert data["total"]["agents"] == sum(e["agents"] for e in data["employeurs"]) == 4
    one = run_cli("etat", "--employeur", "chb", cwd=campaign.base)
    assert one.returncode == 0 and "Centre hospitalier de Blain" in one.stdout and "2026_CHB" in one.stdout
    unknown = run_cli("etat", "--employeur", "XYZ", cwd=campaign.base)
    assert unknown.returncode == 1 and "«\u202fXYZ\u202f» n'est pas dans config.yaml" in unknown.stderr
    assert "Traceback" not in unknown.stderr


# -- routing, kind by kind ------------------------------------------------------------------------


@pytest.fixture
def fresh(campaign, tmp_path) -> Campaign:
    """A workspace like the campaign's, its documents generated, nothing received yet."""
    shutil.copytree(campaign.base, tmp_path / "ws", ignore=shutil.ignore_patterns(
        ".entretiens", "inbox", "rejets", "non_attribues", "[0-9]_*", "rendus", CAP_FOLDER))
    found = Campaign.__new__(Campaign)
    found.base = tmp_path / "ws"
    found.config = load_config(found.base / "config.yaml")
    found.commune, found.hospital = (found.config.employer_view(c) for c in ("STA", "CHB"))
    found.documents = {code: {n: found.base / p.relative_to(campaign.base) for n, p in docs.items()}
                       for code, docs in campaign.documents.items()}
    found.config.inbox.mkdir()
    return found


def test_a_file_goes_to_the_employer_its_identifier_or_its_agent_names(fresh, tmp_path):
    """GIVEN files dropped in the shared inbox, each naming its employer another way: the
    identifier (agent 100001 of each employer), a report of the year before the employers were
    set (identifier « 2026-100002 »: found by its agent number, in one roster only), the
    hospital's form filled by hand (by the agent's name), a scanned signed copy (its page codes),
    a report of an older layout of the hospital's form (its properties and its footer name the
    hospital: routed unread, its employer's pass says what is wrong) WHEN the inbox is routed
    THEN each is in its employer's inbox folder, in the same subfolder."""
    sta, chb = fresh.documents["STA"], fresh.documents["CHB"]
    fresh.drop(sta["100001"], "a/CR MARTIN.docx")
    fresh.drop(chb["100001"], "CR MARCHAND genere.docx")
    older = fill_report(sta["100002"], tmp_path / "older.docx", fresh.commune.catalogue, stage=1,
                        review=dt.date(2026, 11, 17),
                        overrides={cat.REPORT_ID: "2026-100002", cat.CAMPAIGN: "2026"})
    fresh.drop(older, "CR LEROY ancien.docx")
    fresh.drop(B_FILLED, "CR MARCHAND rempli.docx")
    made = fresh.documents["CHB"]["200002"]  # of an older layout of the hospital's form: its pass will say so
    core = re.sub(rb"<cp:version>[^<]*</cp:version>", b"<cp:version>F-0000000000</cp:version>",
                  parts_of(made)["docProps/core.xml"])
    older_layout = rewrite_parts(made, tmp_path / "ancien.docx", parts={"docProps/core.xml": core})
    fresh.drop(older_layout, "CR THOMAS ancien.docx")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(specimen_scan([page_code(fresh.hospital.catalogue.version(), "2026_CHB", "200002")] * 2))
    fresh.drop(scan, "scan THOMAS.pdf")
    settle(fresh.config.inbox)
    routing = route_inbox(fresh.config)
    assert not routing.unassigned, [(u.received_name, u.reason) for u in routing.unassigned]
    assert sorted((r.received_name, r.employer, r.path.relative_to(fresh.config.inbox)) for r in routing.routed) == [
        ("CR LEROY ancien.docx", "STA", Path("STA/CR LEROY ancien.docx")),
        ("CR MARCHAND genere.docx", "CHB", Path("CHB/CR MARCHAND genere.docx")),
        ("CR MARCHAND rempli.docx", "CHB", Path("CHB/CR MARCHAND rempli.docx")),
        ("CR THOMAS ancien.docx", "CHB", Path("CHB/CR THOMAS ancien.docx")),
        (str(Path("a/CR MARTIN.docx")), "STA", Path("STA/a/CR MARTIN.docx")),
        ("scan THOMAS.pdf", "CHB", Path("CHB/scan THOMAS.pdf")),
    ]


def test_a_file_no_employer_can_be_found_for_is_set_aside_with_why(fresh, tmp_path):
    """GIVEN files whose employer cannot be known: unreadable (a text file, an empty file), a
    report of an agent in no roster, a report whose agent number is in both rosters under
    another name WHEN the inbox is routed THEN each is in outbox/non_attribues with a note saying
    why and where to drop it; nothing stays in the inbox, nothing is lost."""
    sta = fresh.documents["STA"]
    fresh.drop(Path(__file__), "notes.txt")
    (fresh.config.inbox / "vide.docx").write_bytes(b"")
    stranger = fill_report(sta["100002"], tmp_path / "stranger.docx", fresh.commune.catalogue, stage=1,
                           review=dt.date(2026, 11, 17), overrides={
                               cat.REPORT_ID: "2026-999999", cat.CAMPAIGN: "2026", cat.AGENT_NUMBER: "999999",
                               cat.LAST_NAME: "INCONNU", cat.FIRST_NAME: "Jean"})
    fresh.drop(stranger, "CR INCONNU.docx")
    both = fill_report(sta["100001"], tmp_path / "both.docx", fresh.commune.catalogue, stage=1,
                       review=dt.date(2026, 11, 16), overrides={
                           cat.REPORT_ID: "2026-100001", cat.CAMPAIGN: "2026", cat.LAST_NAME: "DURAND"})
    fresh.drop(both, "CR DURAND.docx")
    settle(fresh.config.inbox)
    routing = route_inbox(fresh.config)
    assert not routing.routed
    reasons = {u.received_name: u.reason for u in routing.unassigned}
    assert set(reasons) == {"notes.txt", "vide.docx", "CR INCONNU.docx", "CR DURAND.docx"}
    assert "fichier texte" in reasons["notes.txt"] and "vide" in reasons["vide.docx"]
    assert "aucun employeur" not in reasons["CR INCONNU.docx"] and "ni son identifiant" in reasons["CR INCONNU.docx"]
    assert "plusieurs employeurs (STA, CHB)" in reasons["CR DURAND.docx"]
    folder = fresh.config.outbox / UNASSIGNED_FOLDER
    for unassigned in routing.unassigned:
        assert unassigned.path.parent == folder and unassigned.path.exists()
        note = unassigned.path.with_name(unassigned.path.name + UNASSIGNED_NOTE_SUFFIX).read_text(encoding="utf-8")
        assert unassigned.reason in note and str(Path("inbox") / "STA") in note
        assert f"Fichier reçu : {unassigned.received_name}" in note
    unreadable = (folder / ("notes.txt" + UNASSIGNED_NOTE_SUFFIX)).read_text(encoding="utf-8")
    assert "Une fois corrigé" in unreadable and "Déposez-le dans le sous-dossier" not in unreadable
    assert not [p for p in fresh.config.inbox.rglob("*") if p.is_file()]


def test_a_file_in_an_employers_folder_stays_unless_it_names_another_employer(fresh):
    """GIVEN a report dropped straight into inbox/CHB (the other way HR may work), and one of the
    commune's dropped there by mistake WHEN traiter runs THEN the hospital's report stays for the
    hospital's pass; the commune's, whose identifier names the commune, is taken to the commune's
    folder and accepted or turned away there, by the commune's HR, never by the hospital's."""
    fresh.drop(fresh.documents["CHB"]["200002"], "CHB/CR THOMAS.docx")
    fresh.drop(fresh.documents["STA"]["100002"], "CHB/sous-dossier/CR LEROY.docx")
    settle(fresh.config.inbox)
    done = pipeline.process_inbox(fresh.config, received_on=RECEIVED, outputs=False)
    assert [(r.received_name, r.employer) for r in done.routing.routed] == [
        (str(Path("CHB/sous-dossier/CR LEROY.docx")), "STA")]
    assert not done.routing.unassigned
    passes = {view.employer.code: result for view, result in done.passes}
    assert sorted(passes) == ["CHB", "STA"]
    assert [h.received_name for h in passes["CHB"].handled] == ["CR THOMAS.docx"]
    (leroy,) = passes["STA"].handled
    assert leroy.destination.startswith(str(fresh.commune.outbox))
    assert not (fresh.config.inbox / "STA" / "sous-dossier").exists()  # made by routing, gone once taken
    assert (fresh.config.inbox / "CHB").is_dir()


LIBREOFFICE_25 = REPO / "tests" / "field_cases" / "libreoffice_25"


def odt_named(source: Path, target: Path, identifier: str | None, meta: bytes | None = None) -> Path:
    """A copy of an .odt saved by LibreOffice whose properties name ``identifier`` as LibreOffice
    keeps a report's (meta.xml), its text too where it shows an identifier (our report's field);
    or whose meta.xml is ``meta``."""
    parts = parts_of(source)
    if meta is None and identifier is not None:
        meta = meta_xml(parts["meta.xml"], {"dc:identifier": identifier}, {})
        parts["content.xml"] = parts["content.xml"].replace(b"2026-100231", identifier.encode())
    return rewrite_parts(source, target, parts={"meta.xml": meta or parts["meta.xml"],
                                                "content.xml": parts["content.xml"]})


def test_an_odt_in_an_employers_folder_is_taken_to_the_employer_its_properties_name(fresh, tmp_path):
    """GIVEN .odt reports in the employers' inbox folders (saved by LibreOffice: our template's, the
    hospital's form): the commune's in the hospital's folder, the hospital's in a subfolder of the
    commune's, and, staying where they are, one naming its own employer, one naming none, one
    naming an employer the workspace does not have, one whose meta.xml declares an entity, one
    whose meta.xml is far larger than any; and in the shared inbox, a report of another version of
    the form naming the hospital WHEN the inbox is routed THEN the three are in their own
    employer's folder, in the same subfolder, and the others have not moved."""
    ours, hospital = LIBREOFFICE_25 / "cr_100231.odt", LIBREOFFICE_25 / "B_hopital_lignes_rempli.odt"
    inbox = fresh.config.inbox
    for folder in ("CHB", "STA/Soins"):
        (inbox / folder).mkdir(parents=True)
    odt_named(ours, inbox / "CHB" / "CR LEROY.odt", "2026_STA-100002")
    odt_named(hospital, inbox / "STA" / "Soins" / "CR THOMAS.odt", "2026_chb-200002")
    odt_named(ours, inbox / "CR MARCHAND ancien.odt", "2026_CHB-100001")  # an older version: its employer says so
    staying = [
        odt_named(ours, inbox / "STA" / "CR MARTIN.odt", "2026_STA-100001"),
        odt_named(hospital, inbox / "CHB" / "CR MARCHAND.odt", None),
        odt_named(ours, inbox / "CHB" / "CR AUTRE.odt", "2026_XYZ-100003"),
        odt_named(ours, inbox / "CHB" / "CR ENTITE.odt", None, meta=(
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "2026_STA-100002">]>'
            b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0">&e;'
            b'</office:document-meta>')),
        odt_named(ours, inbox / "CHB" / "CR ENORME.odt", None, meta=meta_xml(
            parts_of(ours)["meta.xml"], {"dc:identifier": "2026_STA-100002"}, {"Notes": "x" * 70_000})),
    ]
    settle(inbox)
    routing = route_inbox(fresh.config)
    assert not routing.unassigned
    assert sorted((r.received_name, r.employer, r.path.relative_to(inbox)) for r in routing.routed) == [
        (str(Path("CHB/CR LEROY.odt")), "STA", Path("STA/CR LEROY.odt")),
        ("CR MARCHAND ancien.odt", "CHB", Path("CHB/CR MARCHAND ancien.odt")),
        (str(Path("STA/Soins/CR THOMAS.odt")), "CHB", Path("CHB/Soins/CR THOMAS.odt")),
    ]
    assert all(path.is_file() for path in staying)


def test_empty_folders_are_no_work_and_an_idle_pass_rewrites_nothing(fresh):
    """GIVEN employers' inbox folders holding only empty subfolders (left by HR) WHEN traiter runs
    THEN no employer has a pass and no workbook is rewritten (it took 6 s and 15 files for 3
    employers, each pass)."""
    from pipeline.employers import has_work

    for code in ("STA", "CHB"):
        (fresh.config.inbox / code / "Voirie" / "vide").mkdir(parents=True)
    (fresh.config.inbox / "STA" / "~$verrou.docx").write_bytes(b"x")  # Word's lock file: ignored
    assert not any(has_work(view) for view in fresh.config.employer_views())
    pipeline.rebuild_workbooks(fresh.config, today=RECEIVED)
    before = {p: p.stat().st_mtime_ns for p in fresh.config.outbox.rglob("*.xlsx")}
    done = pipeline.process_inbox(fresh.config, received_on=RECEIVED)
    assert done.passes == [] and done.workbooks == []
    assert {p: p.stat().st_mtime_ns for p in fresh.config.outbox.rglob("*.xlsx")} == before


# -- configuration ------------------------------------------------------------------------------


def test_each_employer_is_the_workspace_with_its_own_settings(tmp_path):
    """GIVEN employers listed in a folder of one file each (relative paths from that file) WHEN
    the config is loaded THEN each view has its folders under its code, its key, its public service
    and delays, the workspace's HR settings where it gives none; a workspace without employers is
    one employer, as always."""
    folder = tmp_path / "employeurs"
    folder.mkdir()
    (folder / "c044.yaml").write_text("code: C044\nnom: Commune de Blain\nliste_agents: agents_c044.csv\n"
                                      "delais: {visa_jours: 12}\nservice_rh: {contact: M. Paul Roux}\n",
                                      encoding="utf-8")
    (folder / "h01.yml").write_text("code: H01\nnom: CH de Savenay\nfonction_publique: hospitaliere\n"
                                    "liste_agents: /srv/h01/agents.xlsx\n", encoding="utf-8")
    (folder / "lisez-moi.txt").write_text("pas un employeur", encoding="utf-8")
    (tmp_path / "config.yaml").write_text("fonction_publique: territoriale\nservice_rh: {nom: CDG 44, retour: "
                                          "le portail}\nemployeurs: employeurs\n", encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    c044, h01 = config.employer_views()
    assert (c044.employer.code, c044.campaign.key, c044.public_service) == ("C044", "2026_C044", "territoriale")
    assert c044.roster_path == folder / "agents_c044.csv" and h01.roster_path == Path("/srv/h01/agents.xlsx")
    assert (c044.inbox, c044.outbox, c044.state_dir) == (config.inbox / "C044", config.outbox / "C044",
                                                        config.state_dir / "C044")
    assert c044.delay_rules().visa_days == 12 and h01.delay_rules().visa_days is None
    assert (c044.hr.name, c044.hr.contact, c044.hr.return_to) == ("CDG 44", "M. Paul Roux", "le portail")
    assert h01.public_service == "hospitaliere" and h01.catalogue.version() != c044.catalogue.version()
    assert config.employer_view("c044") is c044
    (tmp_path / "seul.yaml").write_text("fonction_publique: etat\n", encoding="utf-8")
    alone = load_config(tmp_path / "seul.yaml")
    assert alone.employer_views() == [alone] and alone.campaign.key == "2026" and alone.employer is None


@pytest.mark.parametrize("employers, said", [
    ("[{code: A1, nom: Un, liste_agents: a.csv}, {code: a1, nom: Deux, liste_agents: b.csv}]",
     "«\u202fa1\u202f» est déjà celui d'Un"),
    ("[{code: 'C 44', nom: Un, liste_agents: a.csv}]", "le code «\u202fC 44\u202f» n'est pas utilisable"),
    ("[{code: BOUÉE, nom: Un, liste_agents: a.csv}]", "lettres sans accent"),
    ("[{code: non_attribues, nom: Un, liste_agents: a.csv}]", "est le nom d'un dossier du programme"),
    ("[{code: A1, nom: Un, liste_agents: a.csv, adresse: ici}]", "adresse"),
    ("[{code: A1, nom: Un, liste_agents: a.csv, service_rh: {telephon: 01}}]",
     "service_rh : clé «\u202ftelephon\u202f», valeur «\u202f1\u202f» : clé inconnue ; vouliez-vous écrire «\u202ftelephone\u202f» ?"),
    ("[{code: A1, nom: Un, liste_agents: a.csv, fonction_publique: militaire}]", "fonction_publique"),
    ("[{code: A1, liste_agents: a.csv}]", "nom"),
    ("[{code: A1, nom: Un}]", "«\u202femployeurs.0.liste_agents\u202f» : valeur obligatoire manquante"),
    ("dossier_absent", "introuvable"),
])
def test_a_wrong_employer_entry_is_said_in_french_at_load(tmp_path, employers, said):
    """GIVEN an employer entry with a mistake (a code twice whatever its case, a code with a space,
    an unknown key, a wrong HR key, an unknown public service, no name, a missing folder) WHEN the
    config is loaded THEN a ConfigError names it."""
    (tmp_path / "config.yaml").write_text(f"employeurs: {employers}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "config.yaml")
    assert said in raised.value.message and "employeurs" in raised.value.message, raised.value.message
    assert ".." not in raised.value.message and "?." not in raised.value.message
    assert "pattern" not in raised.value.message and "String" not in raised.value.message  # pydantic's English


def test_a_mistake_in_one_employers_file_names_that_file(tmp_path):
    """GIVEN employers in a folder of files, one with a misspelt key WHEN the config is loaded
    THEN the message names that file and the key, not « employeurs.2 »; « employeur » for
    « employeurs » is said with the key meant."""
    folder = tmp_path / "employeurs"
    folder.mkdir()
    (folder / "a1.yaml").write_text("code: A1\nnom: Un\nliste_agents: a.csv\n", encoding="utf-8")
    (folder / "c101.yaml").write_text("code: C101\nnom: Deux\nliste_agents: b.csv\nautorite: {nom: M. X}\n"
                                      "delai: {visa_jours: 3}\n", encoding="utf-8")
    (tmp_path / "config.yaml").write_text("employeurs: employeurs\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "config.yaml")
    assert "c101.yaml" in raised.value.message and "«\u202fdelai\u202f»" in raised.value.message
    assert "vouliez-vous écrire «\u202fdelais\u202f» ?" in raised.value.message
    (tmp_path / "config.yaml").write_text("employeur: employeurs\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "config.yaml")
    assert "vouliez-vous écrire «\u202femployeurs\u202f» ?" in raised.value.message


def test_a_communes_final_reports_are_gathered_for_the_cap_once(fresh, tmp_path):
    """GIVEN a centre de gestion: the commune (territorial) has a notified report, the hospital
    (hospital profile) one too WHEN traiter runs, twice THEN the commune's final report is in
    outbox/pour_la_cap/STA with an index naming the agent and the notification date, gathered once
    (the second pass adds nothing); the hospital, not under the territorial decree, has no folder."""
    last = fresh.commune.catalogue.stages[-1].number
    final = fill_report(fresh.documents["STA"]["100001"], tmp_path / "final.docx", fresh.commune.catalogue,
                        stage=last, review=dt.date(2026, 11, 16))
    fresh.drop(final, "CR MARTIN notifié.docx")
    settle(fresh.config.inbox)
    done = pipeline.process_inbox(fresh.config, received_on=dt.date(2026, 12, 20))  # after its last date
    (view, result), = done.passes
    assert [(h.outcome.word, h.stage) for h in result.handled] == [("accepté", last)], result.handled[0].reasons
    folder = fresh.config.outbox / CAP_FOLDER
    gathered = sorted(p.name for p in (folder / "STA").iterdir())
    assert gathered == ["2026_STA_100001_MARTIN_Élodie.docx", CAP_INDEX]
    index = (folder / "STA" / CAP_INDEX).read_text(encoding="utf-8-sig")
    assert "100001;MARTIN;Élodie" in index and "2026_STA_100001_MARTIN_Élodie.docx" in index
    assert not (folder / "CHB").exists()
    assert folder / "STA" / CAP_INDEX in done.workbooks
    pipeline.rebuild_workbooks(fresh.config, today=RECEIVED)
    assert sorted(p.name for p in (folder / "STA").iterdir()) == gathered


def test_the_watcher_routes_and_takes_each_file_to_its_employer(fresh, tmp_path):
    """GIVEN the watcher of a workspace of two employers running WHEN a report of each employer is
    dropped in the shared inbox THEN, after the quiet time, each is in its employer's first stage
    folder and the consolidated workbook exists, its mail thread runs; the service stops on request
    with 0, its mail thread with it."""
    import threading

    from pipeline.watch.service import run_employers_service

    path = fresh.base / "config.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["surveillance"] = {"stabilite_s": 0.3, "rescan_s": 2}
    raw["courriel"] = {"mode": "brouillon", "expediteur": "rh@cdg.fr"}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    config = load_config(path)
    stop, codes = threading.Event(), []
    service = threading.Thread(target=lambda: codes.append(run_employers_service(config, stop=stop)))
    service.start()
    try:
        made = fill_report(fresh.documents["STA"]["100001"], tmp_path / "m.docx", fresh.commune.catalogue, stage=1,
                           review=dt.date(2026, 11, 16))
        fresh.drop(made, "CR MARTIN.docx")
        fresh.drop(B_FILLED, "CR MARCHAND.docx")
        expected = [stage_folder(view.outbox, view.catalogue, 1) / f"{view.campaign.key}_100001_{person}.docx"
                    for view, person in ((config.employer_view("STA"), "MARTIN_Élodie"),
                                         (config.employer_view("CHB"), "MARCHAND_Élodie"))]
        deadline = dt.datetime.now() + dt.timedelta(seconds=60)
        while not all(p.exists() for p in expected) and dt.datetime.now() < deadline:
            stop.wait(0.2)
        assert all(p.exists() for p in expected), list(config.outbox.rglob("*.docx"))
        deadline = dt.datetime.now() + dt.timedelta(seconds=30)
        while not (config.outbox / CONSOLIDATED_NAME).exists() and dt.datetime.now() < deadline:
            stop.wait(0.2)
        assert (config.outbox / CONSOLIDATED_NAME).exists()
        deadline = dt.datetime.now() + dt.timedelta(seconds=30)  # its health is written once the pass is done
        while not any("2 acceptés" in line for line in pipeline.watcher_state(config).lines()) \
                and dt.datetime.now() < deadline:
            stop.wait(0.2)
        running = pipeline.watcher_state(config)
        assert running.running and "mode ?" not in running.lines()[0] and "démarrée le ?" not in running.lines()[0]
        assert any("2 acceptés" in line for line in running.lines()), running.lines()
        assert "entretiens-courriels" in [thread.name for thread in threading.enumerate()]  # every employer's mail
    finally:
        stop.set()
        service.join(60)
    assert codes == [0]
    assert "entretiens-courriels" not in [thread.name for thread in threading.enumerate()]
    assert "arrêtée (dernier arrêt le" in pipeline.watcher_state(config).lines()[0]


def test_the_watchers_mail_thread_delivers_and_reminds_for_every_employer(fresh):
    """GIVEN a workspace of two employers with mail as drafts and automatic reminders, each roster
    giving its evaluators' addresses, and a pass that turned away a report of each employer
    without its outputs (their notes not yet delivered) WHEN the watcher's mail thread runs a
    round THEN each employer's note is a draft in that employer's own folder, to its evaluator,
    and each employer's evaluators are reminded of what is overdue, in that employer's journal (the
    report to correct is not: its correction is not due yet, the note has just gone); a second round
    the same day sends nothing more."""
    from pipeline.mail.worker import MailWorker
    from pipeline.naming import MAIL_FOLDER
    from tests.mailkit import run_rounds

    addresses = {"Marc Petit": "marc.petit@saint-aignan.fr", "Sophie Durand": "sophie.durand@saint-aignan.fr",
                 "Nathalie GUÉRIN": "nathalie.guerin@ch-blain.fr"}
    for code in ("sta", "chb"):
        roster = fresh.base / code / "agents.csv"
        lines = roster.read_text(encoding="utf-8").splitlines()
        roster.write_text("\n".join([lines[0] + ";courriel évaluateur"] + [
            line + ";" + next(a for name, a in addresses.items() if f";{name};" in line) for line in lines[1:]])
            + "\n", encoding="utf-8")
    path = fresh.base / "config.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["courriel"] = {"mode": "brouillon", "expediteur": "rh@cdg.fr", "relances_automatiques": True}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    config = load_config(path)
    incomplete = fill_report(fresh.documents["STA"]["100002"], fresh.base / "leroy.docx", fresh.commune.catalogue,
                             stage=1, review=dt.date(2026, 11, 17), omit=("appreciation_generale",))
    fresh.drop(incomplete, "CR LEROY.docx")
    fresh.drop(fresh.documents["CHB"]["200002"], "CR THOMAS.docx")  # returned blank
    settle(config.inbox)
    done = pipeline.process_inbox(config, received_on=RECEIVED, outputs=False)
    assert sorted(h.outcome for _, result in done.passes for h in result.handled) == ["rejected", "rejected"]

    def sent() -> dict[str, list[tuple[str, str]]]:
        found = {}
        for code in ("STA", "CHB"):
            with Journal(config.employer_view(code).state_dir) as journal:
                found[code] = sorted((m.kind, m.recipient) for m in journal.messages())
        return found

    assert sent() == {"STA": [], "CHB": []}
    worker = MailWorker(config, every=3600).start()
    try:
        run_rounds(worker, 1)
        first = sent()
        run_rounds(worker, 1)
    finally:
        worker.stop()
    assert first == sent()
    marc, sophie, nathalie = (addresses[name] for name in ("Marc Petit", "Sophie Durand", "Nathalie GUÉRIN"))
    assert first == {"STA": [(REJECTION_NOTE, marc), (REMINDER, sophie)],
                     "CHB": [(REJECTION_NOTE, nathalie), (REMINDER, nathalie)]}
    for code, count in (("STA", 2), ("CHB", 2)):
        drafts = list((config.employer_view(code).outbox / MAIL_FOLDER).glob("*.eml"))
        assert len(drafts) == count, drafts
    assert not (config.outbox / MAIL_FOLDER).exists()


def test_several_workspaces_are_consolidated_by_their_exports(campaign, fresh, tmp_path):
    """GIVEN two workspaces, each serving two employers (on two machines), each having written its
    export WHEN « entretiens consolider » is given both exports THEN one workbook lists the four
    employers, their totals the sums of the two exports' figures, and every agent of both; the same
    export twice, or a file that is no export, is a French error, exit 1, nothing written."""
    pipeline.rebuild_workbooks(campaign.config, today=RECEIVED)
    path = fresh.base / "config.yaml"
    text = path.read_text(encoding="utf-8").replace("code: STA", "code: NAN").replace("code: CHB", "code: SAV")
    path.write_text(text, encoding="utf-8")
    second = load_config(path)
    pipeline.rebuild_workbooks(second, today=RECEIVED)
    exports = [campaign.config.outbox / EXPORT_NAME, second.outbox / EXPORT_NAME]
    shown = run_cli("consolider", *map(str, exports), "--sortie", str(tmp_path / "region.xlsx"), cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    book = openpyxl.load_workbook(tmp_path / "region.xlsx", read_only=True, data_only=True)
    rows = list(book["Employeurs"].iter_rows(values_only=True))
    codes = [row[0] for row in rows[1:] if row[0]]
    assert codes == ["STA", "CHB", "NAN", "SAV"]
    published = [json.loads(p.read_text(encoding="utf-8")) for p in exports]
    total = next(row for row in rows if row[1] == "Total")
    assert total[3] == sum(e["agents"] for data in published for e in data["employeurs"]) == 8
    assert len(list(book["Suivi"].iter_rows(values_only=True))) - 1 == 8
    twice = run_cli("consolider", str(exports[0]), str(exports[0]), "--sortie", str(tmp_path / "twice.xlsx"),
                    cwd=tmp_path)
    assert twice.returncode == 1 and "«\u202fSTA\u202f» est dans deux exports" in twice.stderr
    (tmp_path / "autre.json").write_text('{"a": 1}', encoding="utf-8")
    other = run_cli("consolider", str(tmp_path / "autre.json"), "--sortie", str(tmp_path / "x.xlsx"), cwd=tmp_path)
    assert other.returncode == 1 and "n'est pas un export" in other.stderr and "Traceback" not in other.stderr
    assert not (tmp_path / "twice.xlsx").exists() and not (tmp_path / "x.xlsx").exists()


def test_traiter_for_one_employer_with_nothing_received_yet(fresh):
    """GIVEN no file ever received for the hospital (no inbox/CHB yet) WHEN « traiter --employeur
    CHB » runs THEN it says there is nothing to take, makes inbox/CHB for HR to drop into, exit 0."""
    assert not (fresh.config.inbox / "CHB").exists()
    shown = run_cli("traiter", "--employeur", "CHB", cwd=fresh.base)
    assert shown.returncode == 0, shown.stderr
    assert "Aucun fichier à traiter" in shown.stdout and (fresh.config.inbox / "CHB").is_dir()


def test_one_employers_missing_roster_holds_up_no_other(fresh):
    """GIVEN the hospital's roster moved away (a typo in its path) WHEN traiter and generer run
    THEN the commune's files are taken and its documents made; the hospital is named with why,
    its files wait in its folder; exit 1 (a problem to fix), never a traceback."""
    (fresh.base / "chb" / "agents.csv").rename(fresh.base / "chb" / "agents_ancienne.csv")
    fresh.drop(fresh.documents["STA"]["100001"], "CR MARTIN.docx")
    fresh.drop(fresh.documents["CHB"]["200002"], "CR THOMAS.docx")
    settle(fresh.config.inbox)
    shown = run_cli("traiter", cwd=fresh.base)
    assert shown.returncode == 1 and "Traceback" not in shown.stderr
    assert "Employeur CHB – Centre hospitalier de Blain non traité" in shown.stdout
    assert "agents.csv" in shown.stdout and "== Employeur STA" in shown.stdout
    assert list((fresh.config.inbox / "CHB").glob("CR THOMAS.docx"))
    assert not list(fresh.config.inbox.glob("STA/*.docx"))
    # Each file's line is in the workspace's log, the one traiter's account names for files it only counts.
    assert "CR MARTIN.docx sha256=" in (fresh.config.state_dir / "commandes.log").read_text(encoding="utf-8")
    made = run_cli("generer", cwd=fresh.base)
    assert made.returncode == 1 and "Traceback" not in made.stderr
    assert "Erreur pour l'employeur CHB – Centre hospitalier de Blain" in made.stderr
    assert "== Employeur STA" in made.stdout and "comptes rendus pré-remplis" in made.stdout


def test_etat_of_a_new_workspace_warns_of_nothing_and_shows_what_waits_in_the_shared_inbox(fresh, tmp_path):
    """GIVEN a workspace whose documents were just made (generer), and a report HR has just put in
    the shared inbox WHEN etat runs THEN no employer is said to lack its inbox folder (it made them),
    and the report is listed as waiting to be routed; the consolidated workbook's stages fit both
    employers' words and its « Suivi » limits are dates."""
    assert run_cli("generer", cwd=fresh.base).returncode == 0
    assert all((fresh.config.inbox / code).is_dir() for code in ("STA", "CHB"))
    fresh.drop(fresh.documents["STA"]["100001"], "Voirie/CR MARTIN.docx")
    shown = run_cli("etat", "--json", cwd=fresh.base)
    data = json.loads(shown.stdout)
    assert not [p for e in data["employeurs"] for p in e["problemes"] if "n'existe pas" in p]
    assert [item["fichier"] for item in data["pas_encore_aiguilles"]] == [str(Path("Voirie/CR MARTIN.docx"))]
    text = run_cli("etat", cwd=fresh.base).stdout
    assert "pas encore aiguillés : 1" in text and "Voirie" in text
    pipeline.rebuild_workbooks(fresh.config, today=RECEIVED)
    book = openpyxl.load_workbook(fresh.config.outbox / CONSOLIDATED_NAME, read_only=True)
    headers = next(book["Employeurs"].iter_rows(values_only=True))
    assert "Visa de l'autorité, en attente de notification" in headers
    assert not [h for h in headers if h and "territoriale" in h]
    limits = [row[8] for row in list(book["Suivi"].iter_rows(values_only=True))[1:] if row[8]]
    assert limits and all(isinstance(limit, dt.datetime) for limit in limits)


@pytest.mark.libreoffice
def test_the_consolidated_workbook_computes_in_libreoffice_calc(campaign, convert):
    """GIVEN the consolidated workbook of the campaign WHEN LibreOffice Calc opens it, recalculates
    and writes each sheet THEN no cell is an error, the totals of « Employeurs » add up column by
    column, and « Suivi » holds its four agents with their limits as Calc dates (JJ/MM/AAAA)."""
    from tests.test_workbooks import computed_in_calc, totals_checked

    pipeline.rebuild_workbooks(campaign.config, today=RECEIVED)
    sheets = computed_in_calc([campaign.config.outbox / CONSOLIDATED_NAME], convert)
    assert totals_checked({k: v for k, v in sheets.items() if k.endswith("Employeurs")}) >= 8
    (agents,) = [rows for name, rows in sheets.items() if name.endswith("Suivi")]
    assert len(agents) == 5 and all(re.fullmatch(r"\d\d/\d\d/\d{4}", row[8]) for row in agents[1:] if row[8])


def test_a_file_set_aside_from_an_inbox_on_another_file_system_is_moved_whole(fresh, tmp_path):
    """GIVEN the shared inbox on another file system than the outbox (a share mounted beside the
    local disk: a real tmpfs) WHEN files no employer can be found for, and one that can, are routed
    THEN each unassigned file is in outbox/non_attribues, whole, with its note, and gone from the
    inbox (a rename cannot cross: it is copied, then removed); the routed one is in its employer's
    folder on the share."""
    from tests.mounts import other_device, tmpfs

    with tmpfs(tmp_path / "partage") as share:
        path = fresh.base / "config.yaml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        raw["dossiers"] = {"entree": str(share), "sortie": "outbox"}
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        config = load_config(path)
        assert other_device(share, config.outbox)
        (share / "notes.txt").write_text("pas un compte rendu", encoding="utf-8")
        (share / "Voirie").mkdir()
        (share / "Voirie" / "vide.docx").write_bytes(b"")
        shutil.copyfile(fresh.documents["STA"]["100001"], share / "CR MARTIN.docx")
        settle(share)
        routing = route_inbox(config)
        assert [(r.received_name, r.employer) for r in routing.routed] == [("CR MARTIN.docx", "STA")]
        assert (share / "STA" / "CR MARTIN.docx").exists()
        folder = config.outbox / UNASSIGNED_FOLDER
        assert sorted(u.received_name for u in routing.unassigned) == sorted(["notes.txt", str(Path("Voirie/vide.docx"))])
        assert (folder / "notes.txt").read_text(encoding="utf-8") == "pas un compte rendu"
        assert (folder / "vide.docx").exists() and (folder / ("vide.docx" + UNASSIGNED_NOTE_SUFFIX)).exists()
        assert not (share / "notes.txt").exists() and not (share / "Voirie" / "vide.docx").exists()


@pytest.mark.parametrize("per_employer", [1, 2])
def test_one_pool_of_readers_reads_every_employers_files_each_with_its_own_form(fresh, tmp_path, monkeypatch,
                                                                               per_employer):
    """GIVEN reports of both employers in the shared inbox, more in all than a pass reads in
    parallel from (« lecture_parallele.a_partir_de »), fewer for each employer (1 or 2 each) WHEN
    traiter runs THEN one pool of readers is started for the two passes (not one per employer,
    each costing two interpreters' start), every file is read by it, each with its employer's
    view: the hospital's form filled by hand is accepted by its mapping, the commune's report
    missing its appreciation rejected by our form's rules, agent 100001 twice as two agents."""
    from pipeline import parallel

    config_file = fresh.base / "config.yaml"
    with config_file.open("a", encoding="utf-8") as handle:
        handle.write(f"lecture_parallele:\n  processus: 2\n  a_partir_de: {2 * per_employer}\n")
    config = load_config(config_file)
    sta, chb = fresh.documents["STA"], fresh.documents["CHB"]
    commune = config.employer_view("STA")
    dropped = {"STA": [fill_report(sta["100001"], tmp_path / "CR MARTIN.docx", commune.catalogue, stage=1,
                                   review=dt.date(2026, 11, 16)),
                       fill_report(sta["100002"], tmp_path / "CR LEROY.docx", commune.catalogue, stage=1,
                                   review=dt.date(2026, 11, 17), omit=("appreciation_generale",))],
               "CHB": [B_FILLED, chb["200002"]]}
    for files in dropped.values():
        for source in files[:per_employer]:
            fresh.drop(source, source.name)
    settle(fresh.config.inbox)
    started, served, submitted = [], [], []
    original_init, original_serve, original_submit = (parallel.ExaminationPool.__init__, parallel.ExaminationPool.serve,
                                                      parallel.ExaminationPool.submit)
    monkeypatch.setattr(parallel.ExaminationPool, "__init__",
                        lambda pool, *a, **k: started.append(a[2]) or original_init(pool, *a, **k))
    monkeypatch.setattr(parallel.ExaminationPool, "serve",
                        lambda pool, view, agents: served.append(view.employer.code) or original_serve(pool, view, agents))
    monkeypatch.setattr(parallel.ExaminationPool, "submit",
                        lambda pool, path, *a: submitted.append(path.name) or original_submit(pool, path, *a))
    done = pipeline.process_inbox(config, received_on=RECEIVED)
    assert started == [2] and served == ["STA", "CHB"] and len(submitted) == 2 * per_employer
    outcomes = sorted((view.employer.code, h.received_name, h.outcome) for view, result in done.passes
                      for h in result.handled)
    expected = {"CR MARTIN.docx": "accepted", "CR LEROY.docx": "rejected",  # missing its appreciation
                B_FILLED.name: "accepted", chb["200002"].name: "rejected"}  # the hospital's, returned blank
    assert outcomes == sorted((code, p.name, expected[p.name]) for code, files in dropped.items()
                              for p in files[:per_employer])


@pytest.mark.parametrize("in_workers", [False, True])
def test_the_export_made_with_each_employers_outputs_is_the_one_made_afresh(fresh, tmp_path, monkeypatch, in_workers):
    """GIVEN reports of both employers WHEN traiter runs, each employer's outputs made here, or by a
    worker process and here (as from 8 employers: here from 2) THEN each employer's workbooks are written,
    and the workspace's export, whose employer parts come from the campaign view each employer's
    workbooks were made from, is the export computed afresh from the journals that day."""
    from pipeline import employers
    from pipeline.consolidated import export_json, workspace_export

    made_here = []
    if in_workers:  # 2 employers on 2 processors or more: a worker, and this process
        monkeypatch.setattr(employers, "OUTPUTS_IN_WORKERS_FROM", 2)
    original = employers._outputs_and_entry
    monkeypatch.setattr(employers, "_outputs_and_entry",  # here only: a spawned worker has the original
                        lambda view, *args: made_here.append(view.employer.code) or original(view, *args))
    commune = fresh.commune
    fresh.drop(fill_report(fresh.documents["STA"]["100001"], tmp_path / "CR MARTIN.docx", commune.catalogue,
                           stage=1, review=dt.date(2026, 11, 16)), "CR MARTIN.docx")
    fresh.drop(B_FILLED, "CR MARCHAND.docx")
    fresh.drop(fresh.documents["CHB"]["200002"], "CR THOMAS.docx")
    settle(fresh.config.inbox)
    done = pipeline.process_inbox(fresh.config, received_on=RECEIVED)
    assert not done.workbooks_problem and all(result.workbooks for _, result in done.passes)
    for view in (fresh.commune, fresh.hospital):
        assert (view.outbox / "suivi_campagne.xlsx").exists() and (view.outbox / "synthese_campagne.pdf").exists()
    written = json.loads((fresh.config.outbox / EXPORT_NAME).read_text(encoding="utf-8"))
    again = workspace_export(fresh.config, today=dt.date.fromisoformat(written["jour"]))
    assert written == json.loads(export_json(again))
    by_code = {e["code"]: e for e in written["employeurs"]}
    assert [len(by_code[code]["suivi"]) for code in ("STA", "CHB")] == [2, 2]  # every agent of each roster
    assert sorted(made_here) == (["CHB"] if in_workers else ["CHB", "STA"])  # the first employer to a worker
    # The account lists files one by one up to a number per outcome for all employers together.
    from pipeline import cli

    monkeypatch.setattr(cli, "SHOWN_PER_OUTCOME", 1)
    account = cli.format_employers_pass(done, fresh.config).splitlines()
    sta, chb = account.index(next(a for a in account if a.startswith("== Employeur") and "STA" in a)), \
        account.index(next(a for a in account if a.startswith("== Employeur") and "CHB" in a))
    assert [a.split(" -> ")[0] for a in account[sta:] if a.startswith("  CR ")] == ["  CR MARTIN.docx",
                                                                                    "  CR THOMAS.docx"]
    log_file = fresh.config.state_dir / "commandes.log"  # the workspace's: the command logs there
    assert [a for a in account[chb:] if "de plus" in a] == [f"  … et 1 accepté de plus : chacun est dans {log_file}."]


def test_the_exports_agent_rows_are_kept_compact_and_given_back_as_written():
    """An employer's rows in the export are kept joined (100,000 agents: 15 MB, not 85), and come
    back as lists of the same strings, through pickling (from an outputs worker) and as JSON."""
    import pickle

    from pipeline.consolidated import AgentRows, export_json

    rows = [["STA", "100001", "MARTIN", "Élodie", "Accueil", "Sophie Durand", "Étape 1", "", "", ""],
            ["STA", "100002", "L'HÔTE", "Zoé\u202f", "R&D <labo>", "", "Rejeté", "Communication", "2026-12-01",
             "dépassée"],
            ["STA", "100003", "Nom\x1fà séparateur", "Paul", "Voirie", "Marc Petit", "Aucun compte rendu", "", "", ""]]
    kept = AgentRows(rows)
    assert len(kept) == 3 and list(kept)[:2] == rows[:2] and kept == rows[:2] + [[*rows[2][:2], "Nom à séparateur",
                                                                                   *rows[2][3:]]]
    assert pickle.loads(pickle.dumps(kept)) == kept
    assert json.loads(export_json({"employeurs": [{"suivi": kept}]}))["employeurs"][0]["suivi"] == list(kept)


def test_the_shared_pool_reads_each_serving_with_that_employers_agents(fresh, tmp_path):
    """GIVEN one pool for the workspace, serving the commune with a roster holding agent 100001,
    then with one that does not, then the hospital WHEN twelve copies of Élodie Martin's report
    are read in each serving (three chunks of four, two workers) THEN each serving's copies are
    judged by its own roster: none unknown, then all unknown (no worker kept the first roster),
    the hospital's by its own form; the roster travels with the chunks only until every worker
    has it."""
    from pipeline.parallel import ExaminationPool
    from pipeline.validate import UNKNOWN_AGENT

    report = fill_report(fresh.documents["STA"]["100001"], tmp_path / "CR MARTIN.docx", fresh.commune.catalogue,
                         stage=1, review=dt.date(2026, 11, 16))
    copies = [shutil.copy(report, tmp_path / f"copie {i}.docx") for i in range(12)]
    carried = []
    with ExaminationPool(fresh.config, None, 2) as pool:
        original_submit = pool._executor.submit
        pool._executor.submit = lambda f, requests, view=None: carried.append(view and view[2]) or original_submit(
            f, requests, view)

        def read(view, agents, paths):
            pool.serve(view, agents)
            futures = [pool.submit(Path(p), RECEIVED, Path(p).name) for p in paths]
            return [pool.result(f, lambda: pytest.fail("lu dans le passage")) for f in futures]

        known = read(fresh.commune, {"100001", "100002"}, copies)
        unknown = read(fresh.commune, {"100002"}, copies)
        hospital = read(fresh.hospital, {"100001", "200002"}, [B_FILLED])
    assert not any(UNKNOWN_AGENT.code in [f.code for f in e.validation.errors] for e in known)
    assert all(UNKNOWN_AGENT.code in [f.code for f in e.validation.errors] for e in unknown)
    assert hospital[0].accepted and hospital[0].report.template_version == fresh.hospital.form.version
    assert carried.count(True) >= 3 and carried[3] is True  # each serving's first chunk carries its roster
