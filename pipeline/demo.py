"""``entretiens demo``: a complete synthetic campaign, end to end, in a new folder.

A roster of about forty agents (French names, accents, apostrophes, several
services and grades), the reports and invitations generated from it, filled
as managers would (most complete, some incomplete, one with a formula-looking
training title, one saved by LibreOffice when it is installed, bad files,
later stages), dropped in the inbox and processed in two passes, as the
campaign would go.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from . import catalogue as cat
from .command_names import STATUS, command_line
from .config import load_config
from .outcomes import ConfigError, FolderNotEmpty, Outcome
from .files import make_dirs
from .naming import (DASHBOARD_NAME, DUPLICATES, HISTORY, MAIL_FOLDER, REJECTS, REPORT_SUFFIX, SIGNED_COPIES_DIR,
                     SUMMARY_NAME, TO_SEND)
from .filling import fill_report
from .generate import generate
from .process import PassResult, process_inbox
from .signed_copies import page_code, specimen_scan
from .text import agreed, counted, of

# Agents whose notified report comes back printed, signed and scanned (one batch scan).
SCANNED = (8, 16)
FIRST_NAMES = ["Élodie", "Moussa", "Anne-Sophie", "Çağla", "Jean-François", "Noémie", "Loïc",
               "Hélène", "Stéphane", "Aïcha", "François", "Maëlle", "Grégoire", "Inès", "Jérôme",
               "Zoé", "Benoît", "Léa", "Thérèse", "Yann"]
LAST_NAMES = ["Martin", "N'Diaye", "D'Arcy-Lefèvre", "Öztürk", "Lefèbvre", "Le Goff", "Dubois",
              "Ben Saïd", "Fontaine", "O'Neill", "Garçon", "Müller", "Da Silva", "L'Hôte",
              "Bernard", "Nguyễn", "Perrin", "De La Tour", "Morel", "Faure"]


@dataclass(frozen=True)
class Employer:
    """The demo's employer in one public service (``fonction_publique``): its services with their
    evaluator and the evaluator's function, its grades with their category, the grade whose agents
    manage a team, and the domain of its addresses."""

    services: tuple[tuple[str, str, str], ...]
    categories: dict[str, str]
    manager_grade: str
    domain: str

    @property
    def grades(self) -> list[str]:
        return list(self.categories)

    def email(self, evaluator: str) -> str:
        """The evaluator's address (roster column « courriel évaluateur »); the last service's is
        missing, as happens: its rejection notes show « note non envoyée : adresse inconnue »."""
        if evaluator == self.services[-1][1]:
            return ""
        first, last = evaluator.lower().split()
        return f"{first}.{last}@{self.domain}"


EVALUATORS = ("Sophie Durand", "Claire Fontaine", "Marc Lemoine", "Paul Girard", "Isabelle Roux")
EMPLOYERS = {
    # A hospital; aides-soignants in category B since 2022.
    "hospitaliere": Employer(
        services=tuple(zip(("Cardiologie", "Urgences", "Ressources humaines", "Services techniques", "Pharmacie"),
                           EVALUATORS, ("Cadre de santé", "Cadre supérieure de santé", "Responsable RH",
                                        "Ingénieur principal", "Pharmacienne cheffe"))),
        categories={"Infirmier en soins généraux": "A", "Aide-soignant": "B", "Adjoint administratif": "C",
                    "Technicien supérieur hospitalier": "B", "Préparateur en pharmacie": "B", "Cadre de santé": "A"},
        manager_grade="Cadre de santé", domain="chu-exemple.fr"),
    # A town; auxiliaires de puériculture in category B since 2022.
    "territoriale": Employer(
        services=tuple(zip(("Finances", "Petite enfance", "Ressources humaines", "Services techniques", "État civil"),
                           EVALUATORS, ("Directrice des finances", "Coordinatrice petite enfance", "Responsable RH",
                                        "Ingénieur principal", "Responsable de l'état civil"))),
        categories={"Rédacteur territorial": "B", "Auxiliaire de puériculture": "B",
                    "Adjoint administratif territorial": "C", "Technicien territorial": "B",
                    "Adjoint technique territorial": "C", "Attaché territorial": "A"},
        manager_grade="Attaché territorial", domain="ville-exemple.fr"),
    # A State service in a département.
    "etat": Employer(
        services=tuple(zip(("Budget", "Accueil des usagers", "Ressources humaines", "Logistique", "Contrôle de légalité"),
                           EVALUATORS, ("Cheffe du bureau du budget", "Cheffe de section", "Responsable RH",
                                        "Chef du service logistique", "Cheffe du pôle"))),
        categories={"Secrétaire administratif": "B", "Adjoint administratif": "C", "Technicien de l'intérieur": "B",
                    "Adjoint technique": "C", "Ingénieur des services techniques": "A",
                    "Attaché d'administration de l'État": "A"},
        manager_grade="Attaché d'administration de l'État", domain="service-etat-exemple.fr"),
}
DEFAULT_PUBLIC_SERVICE = "hospitaliere"  # the embedded defaults' ``fonction_publique``
# Training needs as managers write them: similar titles on purpose (the plan groups them).
TRAININGS = [
    ["Excel perfectionnement", "T1", "plan de formation", "haute", "1er semestre 2027", "favorable", ""],
    ["excel - perfectionnement", "T1", "plan de formation", "moyenne", "mars 2027", "favorable", ""],
    ["Perfectionnement Excel", "T2", "plan de formation", "basse", "2027", "favorable", ""],
    ["Gestes et postures", "T1", "plan de formation", "haute", "avril 2027", "favorable", ""],
    ["Gestion du stress", "T2", "plan de formation", "moyenne", "2nd semestre 2027", "favorable", ""],
    ["Préparation au concours de cadre de santé", "T3", "préparation aux concours", "haute",
     "septembre 2027", "favorable", ""],
    ["Bilan de compétences", "T3", "bilan de compétences", "moyenne", "2027", "défavorable",
     "Départ en formation longue déjà accordé cette année ; à revoir en 2028."],
    ["Hygiène hospitalière", "T1", "plan de formation", "haute", "février 2027", "favorable", ""],
    ["Management d'équipe", "T2", "CPF", "moyenne", "2027", "favorable", ""],
    ["VAE diplôme d'État d'aide-soignant", "T3", "VAE", "haute", "2027", "favorable", ""],
]
FORMULA_TITLE = '=HYPERLINK("http://exemple.invalid","Formation urgente")'


@dataclass
class DemoResult:
    folder: Path
    agents: int
    public_service: str = DEFAULT_PUBLIC_SERVICE  # ``fonction_publique`` of its config.yaml
    passes: list[PassResult] = field(default_factory=list)
    libreoffice_used: bool = False
    workbooks: list[Path] = field(default_factory=list)


def _review_date(review_start: dt.date, n: int) -> dt.date:
    """Agent ``n``'s interview: four a day from ``review_start``."""
    return review_start + dt.timedelta(days=n // 4)


def _write_roster(path: Path, count: int, review_start: dt.date, employer: Employer) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Agents"
    sheet.append(["matricule", "nom", "prénom", "grade", "service", "poste", "évaluateur",
                  "fonction de l'évaluateur", "date de convocation", "date d'entretien", "heure",
                  "lieu", "encadrant", "catégorie", "courriel évaluateur"])
    for n in range(count):
        service, evaluator, function = employer.services[n % len(employer.services)]
        review = _review_date(review_start, n)
        grade = employer.grades[n % len(employer.grades)]
        sheet.append([
            _agent_number(n), LAST_NAMES[n % len(LAST_NAMES)], FIRST_NAMES[(n * 7) % len(FIRST_NAMES)],
            grade, service, f"{grade} – {service}", evaluator, function,
            review - dt.timedelta(days=12), review, f"{9 + n % 8}:00", f"Bureau {of(evaluator)}",
            "oui" if grade == employer.manager_grade else "non", employer.categories[grade],
            employer.email(evaluator),
        ])
    book.save(path)


def _write_config(folder: Path, review_start: dt.date, public_service: str) -> None:
    """The embedded defaults, the campaign set around its interviews (from ``review_start``, a
    month before its deadline, as HR plans it), under ``public_service`` (``fonction_publique``)."""
    text = (Path(__file__).parent / "defaults" / "config.yaml").read_text(encoding="utf-8")
    deadline = review_start + dt.timedelta(days=30)
    for key, value in (("annee", review_start.year), ("date_limite_entretiens", deadline),
                       ("date_retour_rh", deadline + dt.timedelta(days=28)), ("fonction_publique", public_service)):
        text, found = re.subn(rf"^(\s*{key}:\s*)\S+", rf"\g<1>{value}", text, count=1, flags=re.M)
        assert found == 1, key  # the defaults name each once
    (folder / "config.yaml").write_text(text, encoding="utf-8")


def _saved_by_libreoffice(source: Path, target: Path) -> bool:
    soffice = shutil.which("soffice")
    if not soffice:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        try:
            subprocess.run(
                [soffice, f"-env:UserInstallation=file://{tmp}/profil", "--headless",
                 "--convert-to", "docx", "--outdir", str(out), str(source)],
                check=True, capture_output=True, timeout=120,
            )
        except (subprocess.SubprocessError, OSError):
            return False
        converted = out / source.name
        if not converted.exists():
            return False
        shutil.copyfile(converted, target)
    return True


def run_demo(folder: Path, *, agents: int = 40, public_service: str = DEFAULT_PUBLIC_SERVICE) -> DemoResult:
    """Build and run a whole synthetic campaign in ``folder`` (new or empty), under ``public_service``
    (``fonction_publique``: ``hospitaliere``, ``etat`` or ``territoriale``): its config.yaml says it,
    the templates are built for that service's form, and the roster is that of such an employer."""
    if public_service not in EMPLOYERS:
        raise ConfigError(f"fonction publique «\u202f{public_service}\u202f» inconnue (valeurs possibles : "
                          f"{', '.join(EMPLOYERS)}).")
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise FolderNotEmpty(
            f"Le dossier {folder} existe déjà et n'est pas vide : choisissez un autre dossier "
            "(rien n'est jamais écrasé).")
    make_dirs(folder)
    # The interviews took place over the past weeks: a pass receives files on the machine's day,
    # and a date after it in a report is a typo (``date_posterieure_reception``).
    review_start = dt.date.today() - dt.timedelta(days=45)
    _write_config(folder, review_start, public_service)
    config = load_config(folder / "config.yaml")
    _write_roster(config.roster_path, agents, review_start=review_start, employer=EMPLOYERS[public_service])
    result = DemoResult(folder=folder, agents=agents, public_service=config.public_service)
    generated = generate(config, today=config.campaign.review_deadline - dt.timedelta(days=50))
    catalogue = config.catalogue
    inbox = config.inbox
    make_dirs(inbox)
    later: list[tuple[Path, int, dict]] = []
    forgotten = next(f.key for f in catalogue.fields
                     if f.required_from == 1 and f.multiline and f.required_if is None)
    agent_signature = tuple(f.key for f in catalogue.fields
                            if f.required_if and f.required_if.field == cat.REFUSED_TO_SIGN
                            and f.required_if.one_of == [False])
    for n, source in enumerate(generated.reports):
        name = source.name.replace(REPORT_SUFFIX, ".docx")
        answers: dict[str, object] = {
            cat.TRAINING_NEEDS: [TRAININGS[n % len(TRAININGS)], TRAININGS[(n * 3 + 1) % len(TRAININGS)]],
        }
        omit: tuple[str, ...] = ()
        if n % 9 == 4:   # forgot a required appraisal
            omit = (forgotten,)
        if n % 9 == 5:   # no training row and the "no need" box left unchecked
            answers[cat.TRAINING_NEEDS] = []
        if n % 9 == 6:   # a need without a type, and an unfavourable opinion without its reason
            answers[cat.TRAINING_NEEDS] = [["Word initiation", "", "plan de formation", "basse", "2027", "", ""],
                                           [*TRAININGS[6][:6], ""]]
        if n == 7:
            answers[cat.TRAINING_NEEDS] = [[FORMULA_TITLE, "T1", "plan de formation", "haute", "2027",
                                            "favorable", ""]]
        if n % 11 == 10:
            answers[cat.TRAINING_NEEDS] = []
            answers[cat.NO_TRAINING_NEED] = True
        target = inbox / name
        review = _review_date(review_start, n)  # the evaluator signs after the interview, as on paper
        fill_report(source, target, catalogue, stage=1, review=review, overrides=answers, omit=omit,
                    how=("cell" if n % 5 == 3 else "control"))
        if n == 2:
            result.libreoffice_used = _saved_by_libreoffice(target, target)
        if n in (0, 1, 8, 12, 13, 16):
            later.append((source, {0: 2, 1: 3, 8: 4, 12: 4, 13: 2, 16: 4}[n], answers, review))
    # Office and copy tools leave these behind; they are left alone.
    (inbox / f"~${generated.reports[0].name[:20]}.docx").write_bytes(b"\0" * 162)
    # Bad files HR receives every year.
    (inbox / "CR scanné.docx").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
    (inbox / "envoi vide.docx").write_bytes(b"")
    shutil.copyfile(inbox / generated.reports[3].name.replace(REPORT_SUFFIX, ".docx"), inbox / "copie renvoyée.docx")
    _returned_earlier(inbox)
    result.passes.append(process_inbox(config, outputs=False))
    # Weeks later: the agent's observations, the visa, the notification come back.
    for source, stage, answers, review in later:
        overrides = dict(answers)
        if stage == 4 and source == generated.reports[12]:
            overrides[cat.REFUSED_TO_SIGN] = True
            overrides[cat.NOTIFICATION_MODE] = cat.NOTIFICATION_MODES[1]
        target = inbox / source.name.replace(REPORT_SUFFIX, f" - étape {stage}.docx")
        fill_report(source, target, catalogue, stage=stage, review=review, overrides=overrides,
                    omit=(agent_signature if cat.REFUSED_TO_SIGN in overrides else ()))
    # The secretary scans two notified reports, signed on paper, in one go: a batch scan, split.
    codes = [page_code(catalogue.version(), config.campaign.key, _agent_number(n)) for n in SCANNED for _ in range(3)]
    (inbox / "numérisation secrétariat.pdf").write_bytes(specimen_scan(codes))
    _returned_earlier(inbox)
    second = process_inbox(config)
    result.passes.append(second)
    result.workbooks = second.workbooks
    return result


def _agent_number(n: int) -> str:
    return f"{200100 + n}"


def _returned_earlier(inbox: Path) -> None:
    """The demo's files came back over the past days, not a second ago: a pass leaves alone
    what changed within ``surveillance.stabilite_s`` (a copy may still be under way)."""
    then = time.time() - 3600
    for path in inbox.rglob("*"):
        if path.is_file():
            os.utime(path, (then, then))


def summary(result: DemoResult) -> str:
    """The French summary printed at the end of the demo."""
    config = load_config(result.folder / "config.yaml")
    handled = [h for p in result.passes for h in p.handled]
    count = lambda kind: sum(1 for h in handled if h.outcome == kind)  # noqa: E731
    service = cat.PUBLIC_SERVICES[config.public_service]
    lines = [
        f"Campagne de démonstration prête dans {result.folder}",
        f"  {service.name[:1].upper() + service.name[1:]} (fonction_publique : {service.key}) : formulaire "
        f"{config.catalogue.version()}, visé par {service.visa_authority}.",
        f"  {result.agents} agents ; comptes rendus et convocations générés dans "
        f"{config.outbox / TO_SEND}",
        f"  {len(handled)} fichiers reçus en deux passages : {count(Outcome.ACCEPTED)} acceptés, "
        f"{count(Outcome.REJECTED)} rejetés (incomplets), {count(Outcome.UNREADABLE)} illisibles, "
        f"{Outcome.DUPLICATE.counted(count(Outcome.DUPLICATE))}"
        + (f", {Outcome.SIGNED_COPY.counted(count(Outcome.SIGNED_COPY))}." if count(Outcome.SIGNED_COPY) else "."),
    ]
    signed = count(Outcome.SIGNED_COPY)
    if signed:
        lines.append(f"  {counted(signed, 'numérisation', 'numérisations')} d'exemplaires signés (PDF) "
                     f"{agreed(signed, 'reconnue', 'reconnues')} par le code imprimé sur chaque page et "
                     f"{agreed(signed, 'classée', 'classées')} dans {config.outbox / SIGNED_COPIES_DIR}.")
    if result.libreoffice_used:
        lines.append("  Un compte rendu a été enregistré par LibreOffice : il est lu comme les autres.")
    lines.append("Où regarder :")
    for stage in config.catalogue.stages:
        folder = config.outbox / stage.folder
        n = len(list(folder.glob("*.docx"))) if folder.exists() else 0
        lines.append(f"  {folder}  ({n}) – {stage.label}")
    lines.append(f"  {config.outbox / REJECTS}  – fichiers rejetés et leur «\u202fnote de rejet\u202f»")
    lines.append(f"  {config.outbox / DUPLICATES}  – copies identiques")
    drafts = config.outbox / MAIL_FOLDER
    count = len(list(drafts.glob("*.eml"))) if drafts.exists() else 0
    lines.append(f"  {drafts}  ({count}) – notes de rejet pour les évaluateurs, en brouillons à envoyer "
                 "(courriel.mode : brouillon)")
    lines.append(f"  {config.outbox / HISTORY}  – versions précédentes, conservées")
    said = {DASHBOARD_NAME: "  – le tableau de bord, à ouvrir dans un navigateur",
            SUMMARY_NAME: "  – la synthèse d'une page pour la direction"}
    for workbook in result.workbooks:
        lines.append(f"  {workbook}{said.get(workbook.name, '')}")
    lines.append(f"Ensuite : {command_line(STATUS, '--config', result.folder / 'config.yaml')}")
    return "\n".join(lines)
