"""``entretiens verifier FILE... [--json]``: what was read and the findings, for each file,
without moving or changing anything. Run for real: ``python -m pipeline`` in a subprocess,
in a folder without config.yaml (the embedded defaults) or with a config written here.

The JSON output is a list, one object per file, in the order given:

    {"fichier": str, "accepte": bool, "etape": int | null,
     "illisible": {"code": str, "message": str} | null,
     "constats": [{"code", "severity", "label", "message", "field"}...],
     "contenu": {"fichier", "identifiant", "campagne", "matricule", "version_formulaire",
                 "champs", "tableaux", "dates", "dates_illisibles", "cases_non_reconnues",
                 "plusieurs_cases_cochees", "lu_par",
                 "absents_du_formulaire", "identifie_par"} | null}
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import lo
from pipeline.filling import ReportForm, fill_report

ENTRY_KEYS = {"fichier", "accepte", "etape", "illisible", "constats", "contenu"}
FINDING_KEYS = {"code", "severity", "label", "message", "field"}
CONTENT_KEYS = {"fichier", "identifiant", "campagne", "matricule", "version_formulaire", "champs",
                "tableaux", "dates", "dates_illisibles", "cases_non_reconnues", "plusieurs_cases_cochees",
                "images_seules", "lu_par",
                "absents_du_formulaire", "identifie_par"}


@pytest.fixture(scope="session")
def ws(tmp_path_factory) -> lo.Workspace:
    return lo.workspace(tmp_path_factory)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder``: its bytes and modification time."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def received(ws, tmp_path_factory):
    """A folder of received files, as HR drops them: a complete report, the untouched
    pre-filled one, one with an unreadable date, and every kind of bad file."""
    folder = tmp_path_factory.mktemp("recus")
    complete = fill_report(ws.reports["100231"], folder / "complet.docx", ws.catalogue, stage=4,
                           review=lo.REVIEW)
    untouched = Path(folder / "non rempli - N'Diaye.docx")
    untouched.write_bytes(ws.reports["100231"].read_bytes())
    incomplete = fill_report(ws.reports["100231"], folder / "incomplet.docx", ws.catalogue, stage=1,
                             review=lo.REVIEW, omit=("missions", "appreciation_generale", "signature_evaluateur",
                                                     "resultats", "objectifs"))
    bad_date = ReportForm(complete, ws.catalogue).fill("date_visa", "bientôt", how="cell") \
        .save(folder / "date illisible.docx")
    made = {kind: made for kind, made in lo.bad_inputs(folder / "mauvais", ws).items() if made[0]}
    bad = {kind: path for kind, (path, _) in made.items()}
    codes = {kind: code for kind, (_, code) in made.items()}
    return {"folder": folder, "complete": complete, "untouched": untouched, "incomplete": incomplete,
            "bad_date": bad_date,
            "bad": bad, "codes": codes}


@pytest.fixture(scope="session")
def cwd(tmp_path_factory) -> Path:
    """A folder without config.yaml: check runs on the embedded defaults."""
    return tmp_path_factory.mktemp("sans_config")


@pytest.fixture(scope="session")
def checked(received, cwd):
    """``verifier --json`` and ``verifier`` run once each over every received file, with a
    snapshot of the folder before and after."""
    files = [received["complete"], received["untouched"], received["incomplete"], received["bad_date"],
             *received["bad"].values()]
    before = snapshot(received["folder"])
    as_json = lo.run_cli("verifier", "--json", *map(str, files), cwd=cwd)
    human = lo.run_cli("verifier", *map(str, files), cwd=cwd)
    after = snapshot(received["folder"])
    entries = json.loads(as_json.stdout) if as_json.returncode == 0 else None
    return {"files": files, "json": as_json, "human": human, "entries": entries,
            "before": before, "after": after}


def entry_of(checked, path: Path) -> dict:
    (entry,) = [e for e in checked["entries"] if e["fichier"] == str(path)]
    return entry


# -- --json --------------------------------------------------------------------------------

def test_check_json_prints_one_entry_per_file_in_the_order_given(checked):
    assert checked["json"].returncode == 0, checked["json"].stderr
    assert [e["fichier"] for e in checked["entries"]] == [str(p) for p in checked["files"]]
    assert all(set(e) == ENTRY_KEYS for e in checked["entries"])


def test_check_json_shows_an_accepted_report_with_everything_read(checked, received, ws):
    entry = entry_of(checked, received["complete"])
    assert (entry["accepte"], entry["etape"], entry["illisible"]) == (True, 4, None)
    assert all(f["severity"] == "avertissement" for f in entry["constats"])
    content = entry["contenu"]
    assert set(content) == CONTENT_KEYS
    assert (content["identifiant"], content["campagne"], content["matricule"]) == ("2026-100231", "2026", "100231")
    assert content["version_formulaire"] == ws.catalogue.version()
    assert set(content["champs"]) == {f.key for f in ws.catalogue.single_fields}
    assert content["champs"]["nom"] == "N'Diaye" and content["champs"]["refus_signature"] is False
    assert set(content["tableaux"]) == {f.key for f in ws.catalogue.table_fields}
    assert content["tableaux"]["objectifs"][0] == {"objectif": "Objectif 1",
                                                    "indicateur": "Indicateur de résultat 1",
                                                    "echeance": "Échéance 1"}
    assert content["dates"]["date_entretien"] == "2026-12-14"
    assert content["dates_illisibles"] == {} and content["absents_du_formulaire"] == []
    assert set(content["lu_par"].values()) == {"tag"}


def test_check_json_says_once_that_the_untouched_report_was_not_filled(checked, received):
    entry = entry_of(checked, received["untouched"])
    assert (entry["accepte"], entry["etape"], entry["illisible"]) == (False, 1, None)
    assert [f["code"] for f in entry["constats"]] == ["compte_rendu_vide"]


def test_check_json_lists_the_findings_of_an_incomplete_report_in_the_order_of_the_form(checked, received, ws):
    entry = entry_of(checked, received["incomplete"])
    assert (entry["accepte"], entry["etape"], entry["illisible"]) == (False, 1, None)
    findings = entry["constats"]
    assert findings and all(set(f) == FINDING_KEYS for f in findings)
    order = [f.key for f in ws.catalogue.fields]
    positions = [order.index(f["field"]) for f in findings if f["field"]]
    assert positions == sorted(positions)
    missing = {f["field"]: f for f in findings if f["code"] == "champ_manquant"}
    assert {"missions", "appreciation_generale", "signature_evaluateur"} <= set(missing)
    assert missing["missions"]["label"] == "Missions principales du poste"
    assert missing["missions"]["severity"] == "erreur"
    assert "Missions principales du poste" in missing["missions"]["message"]
    assert {f["field"] for f in findings if f["code"] == "tableau_vide"} >= {"resultats", "objectifs"}


def test_check_json_reports_an_unreadable_date(checked, received):
    entry = entry_of(checked, received["bad_date"])
    assert entry["accepte"] is False
    assert entry["contenu"]["dates"]["date_visa"] is None
    assert "bientôt" in entry["contenu"]["dates_illisibles"]["date_visa"]
    (finding,) = [f for f in entry["constats"] if f["field"] == "date_visa"]
    assert finding["code"] == "date_illisible"


def test_check_json_gives_each_unreadable_file_its_own_reason(checked, received):
    for kind, path in received["bad"].items():
        entry = entry_of(checked, path)
        assert entry["illisible"]["code"] == received["codes"][kind], (kind, entry["illisible"])
        assert entry["illisible"]["message"]
        assert (entry["accepte"], entry["etape"], entry["constats"], entry["contenu"]) == (False, None, [], None)


def test_check_never_prints_what_an_external_entity_points_to(checked):
    secret = Path("/etc/passwd").read_text(encoding="utf-8", errors="replace").splitlines()[0]
    for run in (checked["json"], checked["human"]):
        assert secret not in run.stdout + run.stderr


@pytest.mark.parametrize("as_json", [True, False])
def test_check_says_a_file_that_does_not_exist_and_goes_on_then_exits_1(received, cwd, tmp_path, as_json):
    done = lo.run_cli("verifier", *(["--json"] if as_json else []), str(tmp_path / "absent.docx"),
                      str(received["complete"]), cwd=cwd)
    assert done.returncode == 1, done.stderr
    assert f"le fichier «\u202f{tmp_path / 'absent.docx'}\u202f» n'existe pas" in done.stderr
    assert "Traceback" not in done.stderr and "a disparu" not in done.stdout + done.stderr
    if as_json:
        (complete,) = json.loads(done.stdout)
        assert complete["accepte"] is True
    else:
        assert "ACCEPTÉ" in done.stdout


# -- human output ----------------------------------------------------------------------

def test_check_prints_for_each_file_what_was_read_and_the_verdict(checked, received):
    done = checked["human"]
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for path in checked["files"]:
        assert f"== {path}" in out
    assert "ACCEPTÉ – identifiant 2026-100231 – étape 4" in out
    assert "À REJETER – identifiant 2026-100231 – présenté pour l'étape 1" in out  # not at it: turned away
    assert "Nom de l'agent : N'Diaye" in out
    assert "Missions principales du poste : (vide)" in out
    assert "[erreur] compte_rendu_vide : Le compte rendu n'a pas été rempli" in out
    assert "[erreur] champ_manquant : La rubrique «\u202fMissions principales du poste\u202f»" in out
    assert "Objectifs pour l'année à venir : 2 lignes" in out
    assert "Aucun constat." in out
    assert f"Illisible ({received['codes']['pdf_renomme']}) : Ce fichier est un PDF" in out
    assert "Illisible (format_docm) : " in out


# -- a configured roster -------------------------------------------------------------------

def test_check_with_a_roster_flags_an_agent_who_is_not_in_it(ws, tmp_path):
    lo.write_roster(tmp_path / "un_agent.csv", [lo.AGENTS[0]])
    config = tmp_path / "config.yaml"
    config.write_text("liste_agents: un_agent.csv\n", encoding="utf-8")
    other = fill_report(ws.reports["100232"], tmp_path / "autre.docx", ws.catalogue, stage=1)
    done = lo.run_cli("verifier", "--json", "--config", str(config), str(other), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (entry,) = json.loads(done.stdout)
    assert entry["accepte"] is False
    assert "agent_inconnu" in [f["code"] for f in entry["constats"]]


# -- exit codes ------------------------------------------------------------------------

def test_check_exits_1_with_a_french_message_when_the_config_is_missing(received, cwd, tmp_path):
    done = lo.run_cli("verifier", "--config", str(tmp_path / "absente.yaml"), str(received["complete"]), cwd=cwd)
    assert done.returncode == 1
    assert "Erreur : Fichier de configuration introuvable" in done.stderr and "absente.yaml" in done.stderr
    assert done.stdout == ""


def test_check_exits_1_when_the_config_is_invalid(received, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("limites_fichiers:\n  ratio_max: beaucoup\n", encoding="utf-8")
    done = lo.run_cli("verifier", "--json", str(received["complete"]), cwd=tmp_path)  # ./config.yaml
    assert done.returncode == 1
    assert "limites_fichiers.ratio_max" in done.stderr and "«\u202fbeaucoup\u202f»" in done.stderr


def test_check_without_a_file_is_a_usage_error(cwd):
    done = lo.run_cli("verifier", "--json", cwd=cwd)
    assert done.returncode == 2
    assert "entretiens verifier" in done.stderr and "FICHIER" in done.stderr
    assert done.stdout == ""


# -- nothing moves ---------------------------------------------------------------------

def test_check_never_moves_renames_nor_changes_a_file(checked):
    """GIVEN a folder of received files, good and bad
    WHEN check and check --json read them all
    THEN every file is still there, byte for byte, with the same modification time."""
    assert checked["after"].keys() == checked["before"].keys()
    for name, (data, mtime) in checked["before"].items():
        assert checked["after"][name] == (data, mtime), name


def test_check_writes_nothing_in_its_working_folder(checked, cwd):
    assert sorted(os.listdir(cwd)) == []


@pytest.mark.parametrize("typed, shown", [
    ("Claire Fontaine, le 23/11/2026", "23/11/2026 (lu dans «\u202fClaire Fontaine, le 23/11/2026\u202f»)"),
    ("1er déc. 2026", "01/12/2026 (lu dans «\u202f1er déc. 2026\u202f»)"),
    ("14/12/2026", "14/12/2026")])
def test_check_shows_a_date_as_it_was_read_and_where_when_the_text_says_more(typed, shown):
    """A signatory's box gives its date among other words: verifier says the date read, not the box's
    text as if it were the date."""
    import datetime as dt

    from pipeline.catalogue import DEFAULT
    from pipeline.cli import format_examination
    from pipeline.dates import date_among_words, parse_date
    from pipeline.examine import Examination
    from pipeline.read import Report
    from pipeline.validate import ValidationContext, validate

    report = Report(path=Path("cr.docx"), values={"date_signature_evaluateur": typed}, tables={})
    report.dates["date_signature_evaluateur"] = parse_date(date_among_words(typed) or typed)
    validation = validate(report, DEFAULT, ValidationContext(campaign="2026", received=dt.date(2026, 12, 20)))
    printed = format_examination(Examination(Path("cr.docx"), report, validation), DEFAULT)
    label = DEFAULT.field("date_signature_evaluateur").label
    assert f"   {label} : {shown}\n" in printed
