"""config.yaml (pipeline/config.py): loaded and validated once; mistakes named in French."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from pipeline.catalogue import DEFAULT
from pipeline.config import load_config
from pipeline.outcomes import ConfigError

from tests.conftest import REPO


def write(folder: Path, text: str, name: str = "config.yaml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value.message


# -- loading ---------------------------------------------------------------------------------


def test_defaults_load_when_there_is_no_config_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.campaign.year == 2026
    assert config.public_service == "hospitaliere"
    assert config.max_objectives == 5
    assert config.roster is None
    assert config.inbox == tmp_path / "inbox"
    assert config.outbox == tmp_path / "outbox"
    assert config.catalogue.version() == DEFAULT.version()


def test_config_yaml_in_the_current_folder_is_used_by_default(tmp_path, monkeypatch):
    write(tmp_path, "objectifs_max: 7\n")
    monkeypatch.chdir(tmp_path)
    assert load_config().max_objectives == 7


def test_an_empty_config_file_gives_the_defaults(tmp_path):
    config = load_config(write(tmp_path, "# rien pour l'instant\n"))
    assert config.max_objectives == 5
    assert config.inbox == tmp_path / "inbox"


def test_repository_config_yaml_loads_with_its_example_roster():
    config = load_config(REPO / "config.yaml")
    assert config.public_service == "hospitaliere"
    assert config.campaign.key == "2026"
    assert config.campaign.review_deadline <= config.campaign.return_to_hr
    assert config.roster_path == REPO / "examples" / "agents.csv"
    assert config.roster_path.exists()
    assert config.templates == REPO / "templates"
    assert config.catalogue.version() == DEFAULT.version()


def test_repository_config_yaml_commented_catalogue_example_is_valid(tmp_path):
    lines = (REPO / "config.yaml").read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("# catalogue:")), None)
    if start is None:
        pytest.skip("config.yaml n'a plus d'exemple commenté de la section catalogue")
    block = []
    for line in lines[start:]:
        if not line.startswith("#"):
            break
        block.append(line[2:] if line.startswith("# ") else line[1:])
    config = load_config(write(tmp_path, "\n".join(block) + "\n"))
    assert config.catalogue.version() != DEFAULT.version()


def test_relative_paths_resolve_against_the_config_files_folder(tmp_path, monkeypatch):
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    absolute = tmp_path / "modeles_communs"
    path = write(tmp_path / "campagne", (
        "liste_agents: listes/agents.xlsx\n"
        "dossiers:\n"
        "  entree: depot\n"
        "  sortie: ../partage/sortie\n"
        f"  modeles: {absolute}\n"
        "  etat: etat\n"))
    config = load_config(path)
    base = (tmp_path / "campagne").resolve()
    assert config.base_dir == base
    assert config.roster_path == base / "listes" / "agents.xlsx"
    assert config.inbox == base / "depot"
    assert config.outbox == base / ".." / "partage" / "sortie"
    assert config.templates == absolute
    assert config.state_dir == base / "etat"
    assert config.archives == base / ".." / "partage" / "archives"  # beside the outbox by default


def test_the_archives_folder_is_read_from_dossiers_archives(tmp_path):
    path = write(tmp_path / "campagne", "dossiers:\n  archives: /srv/archives-rh\n")
    assert load_config(path).archives == Path("/srv/archives-rh")
    assert load_config(write(tmp_path / "autre", "")).archives == (tmp_path / "autre").resolve() / "archives"


def test_delay_overrides_and_catalogue_changes_are_read(tmp_path):
    config = load_config(write(tmp_path, (
        "fonction_publique: etat\n"
        "delais:\n"
        "  convocation_jours_avant: 10\n"
        "  jours_ouvres: true\n"
        "campagne:\n"
        "  annee: 2027\n"
        "  date_limite_entretiens: 2028-01-31\n"
        "  date_retour_rh: 2028-03-01\n"
        "catalogue:\n"
        "  modifier:\n"
        "    perspectives_mobilite: {required_from: 1}\n")))
    assert config.public_service == "etat"
    assert config.delays.invitation_min_days == 10
    assert config.delays.working_days is True
    assert config.campaign.return_to_hr == dt.date(2028, 3, 1)
    assert config.catalogue.field("perspectives_mobilite").required_from == 1


# -- mistakes: the key, the value, what is allowed ------------------------------------------

MISTAKES = [
    # (config text, key, value, what is said)
    ("campagne:\n  anne: 2026\n", "campagne.anne", "2026", "clé inconnue"),
    ("campagne_annee: 2026\n", "campagne_annee", "2026", "clé inconnue"),
    ("campagne:\n  date_limite_entretiens: demain\n", "campagne.date_limite_entretiens",
     "demain", "JJ/MM/AAAA"),
    ("campagne:\n  date_retour_rh: 31/02/2027\n", "campagne.date_retour_rh", "31/02/2027",
     "février 2027 n'a que 28 jours"),
    ("campagne:\n  annee: deux mille\n", "campagne.annee", "deux mille", "nombre entier"),
    ("objectifs_max: -1\n", "objectifs_max", "-1", "trop petite"),
    ("objectifs_max: 2.5\n", "objectifs_max", "2.5", "nombre entier"),
    ("delais:\n  convocation_jours_avant: -3\n", "delais.convocation_jours_avant", "-3",
     "trop petite"),
    ("delais:\n  jours_ouvres: peut-etre\n", "delais.jours_ouvres", "peut-etre", "oui ou non est attendu"),
    ("limites_fichiers:\n  taille_max_mo: -5\n", "limites_fichiers.taille_max_mo", "-5",
     "trop petite"),
    ("dossiers:\n  entree: [a, b]\n", "dossiers.entree", "['a', 'b']", "chemin"),
]


@pytest.mark.parametrize(("text", "key", "value", "said"), MISTAKES,
                         ids=[m[1] + "=" + m[2] for m in MISTAKES])
def test_config_mistake_names_file_key_and_value_in_french(tmp_path, text, key, value, said):
    message = error_of(write(tmp_path, text))
    assert "config.yaml" in message
    assert f"«\u202f{key}\u202f»" in message
    assert f"«\u202f{value}\u202f»" in message
    assert said in message


def test_unknown_public_service_preset_lists_the_allowed_values(tmp_path):
    message = error_of(write(tmp_path, "fonction_publique: privee\n"))
    assert "«\u202ffonction_publique\u202f»" in message
    assert "«\u202fprivee\u202f»" in message
    assert "valeurs possibles" in message
    for preset in ("hospitaliere", "etat", "territoriale"):
        assert preset in message


def test_unknown_public_service_preset_message_is_all_french(tmp_path):
    message = error_of(write(tmp_path, "fonction_publique: privee\n"))
    assert " or " not in message


def test_return_date_before_review_deadline_names_both_keys(tmp_path):
    message = error_of(write(tmp_path, (
        "campagne:\n  date_limite_entretiens: 2027-01-31\n  date_retour_rh: 2027-01-01\n")))
    assert "campagne.date_retour_rh" in message
    assert "campagne.date_limite_entretiens" in message


def test_return_date_before_review_deadline_shows_the_dates(tmp_path):
    message = error_of(write(tmp_path, (
        "campagne:\n  date_limite_entretiens: 2027-01-31\n  date_retour_rh: 2027-01-01\n")))
    assert "(racine)" not in message
    assert "2027-01-01" in message or "01/01/2027" in message


def test_invalid_yaml_is_reported_with_its_line(tmp_path):
    message = error_of(write(tmp_path, "objectifs_max: 5\ncampagne: [2026\n"))
    assert "config.yaml" in message
    assert "YAML valide" in message
    assert "ligne" in message


def test_yaml_that_is_not_a_mapping_is_refused(tmp_path):
    message = error_of(write(tmp_path, "- campagne\n- 2026\n"))
    assert "clé: valeur" in message


def test_missing_config_file_is_named(tmp_path):
    message = error_of(tmp_path / "absente.yaml")
    assert "introuvable" in message
    assert "absente.yaml" in message


def test_catalogue_mistake_in_config_names_the_field(tmp_path):
    message = error_of(write(tmp_path, "catalogue:\n  modifier:\n    teletravial: {}\n"))
    assert "«\u202fteletravial\u202f»" in message


def test_catalogue_section_that_is_not_a_mapping_is_refused(tmp_path):
    message = error_of(write(tmp_path, "catalogue: 5\n"))
    assert "«\u202fcatalogue\u202f»" in message


def test_config_error_exits_the_run_as_a_config_problem(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "fonction_publique: privee\n"))
    assert caught.value.code == "config_invalide"


def test_commented_repository_config_is_valid_yaml():
    assert isinstance(yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8")), dict)


# -- dates as a French HR officer writes them ------------------------------------------------------

DATE_KEYS = ["date_limite_entretiens", "date_retour_rh"]


@pytest.mark.parametrize("key", DATE_KEYS)
@pytest.mark.parametrize("written", [
    "2027-02-28",  # YAML itself makes a date of it
    "28/02/2027",  # and a string of these
    "28/02/27",
    "28 février 2027",
    "28 fevrier 2027",
    "'28/02/2027'",
    "dimanche 28 février 2027",
    "2027-02-28 00:00:00",
])
def test_every_date_setting_reads_dates_as_hr_writes_them(tmp_path, key, written):
    """GIVEN a date setting written the French way, the ISO way or with its weekday WHEN config.yaml
    is loaded THEN it is that date, read by the parser that reads the roster's dates."""
    from pipeline.dates import parse_date

    other = {"date_limite_entretiens": "2027-01-31", "date_retour_rh": "2027-03-31"}
    other[key] = written
    config = load_config(write(tmp_path, "campagne:\n" + "".join(f"  {k}: {v}\n" for k, v in other.items())))
    assert getattr(config.campaign, {"date_limite_entretiens": "review_deadline",
                                     "date_retour_rh": "return_to_hr"}[key]) == dt.date(2027, 2, 28)
    assert parse_date(written.strip("'")) == dt.date(2027, 2, 28)  # the roster reads it alike


@pytest.mark.parametrize("key", DATE_KEYS)
@pytest.mark.parametrize(("written", "said"), [
    ("2027-02-31", "février 2027 n'a que 28 jours"),  # YAML's own date, impossible
    ("31/02/2027", "février 2027 n'a que 28 jours"),
    ("30 février 2027", "février 2027 n'a que 28 jours"),
    ("2027-13-01", "n'est pas une date valide"),
    ("31/04/27", "avril 2027 n'a que 30 jours"),
    ("lundi 28 février 2027", "le 28/02/2027 est un dimanche, pas un lundi"),
    ("fin février", "JJ/MM/AAAA"),
    ("20270228", "JJ/MM/AAAA"),
])
def test_an_impossible_date_setting_names_its_key_in_french(tmp_path, key, written, said):
    message = error_of(write(tmp_path, f"campagne:\n  {key}: {written}\n"))
    assert "config.yaml" in message and f"«\u202fcampagne.{key}\u202f»" in message
    assert said in message
    assert "Traceback" not in message and "Value error" not in message and "Input should" not in message


def test_the_order_of_the_campaign_dates_is_said_with_french_dates(tmp_path):
    message = error_of(write(tmp_path, (
        "campagne:\n  date_limite_entretiens: 31 janvier 2027\n  date_retour_rh: 01/01/2027\n")))
    assert "01/01/2027" in message and "31/01/2027" in message


@pytest.mark.parametrize("service, authority", [("hospitaliere", "l'autorité investie du pouvoir de nomination"),
                                                ("etat", "l'autorité hiérarchique"),
                                                ("territoriale", "l'autorité territoriale")])
def test_the_public_service_words_the_catalogue_the_stages_and_the_templates_it_needs(tmp_path, service, authority):
    """The public service chosen in config.yaml names the visa's authority in the stages and the
    form, cites its decree, and its form has its own version: the templates made for another
    service are refused until « entretiens modeles » rebuilds them."""
    from pipeline.catalogue import PUBLIC_SERVICES
    from pipeline.outcomes import TemplateError
    from pipeline.render import check_templates
    from pipeline.template_build import build_all
    from pipeline.naming import REPORT_TEMPLATE
    from tests.conftest import TEMPLATES, make_config

    config = make_config(tmp_path, fonction_publique=service)
    catalogue = config.catalogue
    assert catalogue.stage(3).label == f"Visa de {authority}, en attente de notification"
    assert catalogue.field("visa_autorite").label == f"Visa de {authority} (nom et qualité)"
    assert catalogue.legal_basis == PUBLIC_SERVICES[service].legal_basis
    if service == "hospitaliere":
        check_templates(TEMPLATES, catalogue, (REPORT_TEMPLATE,))  # the committed ones are the hospital's
    else:
        with pytest.raises(TemplateError, match="autre version"):
            check_templates(TEMPLATES, catalogue, (REPORT_TEMPLATE,))
        build_all(catalogue, tmp_path / "modeles")
        check_templates(tmp_path / "modeles", catalogue, (REPORT_TEMPLATE,))


@pytest.mark.parametrize(("written", "read"), [("oui", True), ("Non", False), ("vrai", True), ("FAUX", False),
                                                ("true", True), ("no", False)])
def test_yes_no_settings_are_read_as_hr_writes_them(tmp_path, written, read):
    path = tmp_path / "config.yaml"
    path.write_text(f"courriel:\n  notes_de_rejet: {written}\ndelais:\n  jours_ouvres: {written}\n", encoding="utf-8")
    config = load_config(path)
    assert config.mail.rejection_notes is read and config.delays.working_days is read


def test_a_config_saved_in_another_encoding_says_to_save_it_in_utf8(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_bytes("service_rh:\n  nom: Direction des ressources humaines de l'établissement\n".encode("cp1252"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "n'est pas enregistré en UTF-8" in caught.value.message and "codec" not in caught.value.message


def test_a_folder_given_as_the_config_says_to_name_the_file(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert "est un dossier" in caught.value.message and "Errno" not in caught.value.message


def test_repository_config_yaml_is_the_embedded_defaults_with_the_example_roster():
    """One text of the defaults for HR to read: the repository's config.yaml differs from the one the
    package embeds (and `demo` copies) by its roster only."""
    embedded = (REPO / "pipeline" / "defaults" / "config.yaml").read_text(encoding="utf-8")
    assert (REPO / "config.yaml").read_text(encoding="utf-8") == embedded.replace(
        "liste_agents: agents.xlsx\n", "liste_agents: examples/agents.csv\n")


@pytest.mark.parametrize("text, key", [
    ("campagne:\n  annee: 2026\n  annee: 2027\n", "annee"),
    ("fonction_publique: etat\nobjectifs_max: 4\nfonction_publique: territoriale\n", "fonction_publique"),
    ("courriel:\n  mode: brouillon\ncourriel:\n  mode: aucun\n", "courriel"),
])
def test_a_key_written_twice_is_refused_with_its_line(tmp_path, text, key):
    message = error_of(write(tmp_path, text))
    assert f"la clé «\u202f{key}\u202f» est écrite deux fois" in message and "(ligne " in message


@pytest.mark.parametrize("host", ["smtp.exemple.fr:587", "smtp exemple fr", "rh@exemple.fr", "smtp://exemple.fr"])
def test_an_smtp_host_that_is_not_a_server_name_is_refused(tmp_path, host):
    message = error_of(write(tmp_path, yaml.safe_dump({"courriel": {"smtp": {"hote": host}}})))
    assert "n'est pas un nom de serveur" in message
