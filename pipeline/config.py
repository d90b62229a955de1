"""config.yaml: loaded and validated once, at start.

Keys are French (HR officers edit this file); attributes are English. Every
path is relative to the folder holding config.yaml. A mistake raises
:class:`ConfigError` naming the key, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError, field_validator,
                      model_validator)

from .catalogue import BASE as BASE_CATALOGUE, Catalogue, apply_overrides, for_public_service
from .deadlines import PRESETS, WORKING_DAYS, DelayRules
from .employer_form import EmployerFormFile, employer_form, read_mapping
from .form import Form, template_form
from .naming import ARCHIVES
from .files import describe_failure
from .dates import parse_date
from .outcomes import ConfigError, UnreadableDate, describe_validation_error
from .text import format_date, of

DEFAULT_CONFIG_NAME = "config.yaml"


def _french_yes_no(value: object) -> object:
    """«\u202foui\u202f», «\u202fnon\u202f», «\u202fvrai\u202f», «\u202ffaux\u202f», as HR writes them, besides true and false."""
    if isinstance(value, str):
        return {"oui": True, "vrai": True, "non": False, "faux": False}.get(value.strip().lower(), value)
    return value


YesNo = Annotated[bool, BeforeValidator(_french_yes_no)]


def _french_date(value: object) -> object:
    """A date as HR writes it («\u202f28/02/2027\u202f», «\u202f28/02/27\u202f», «\u202f28 février 2027\u202f»,
    «\u202f2027-02-28\u202f»), read by the product's own parser (:func:`pipeline.dates.parse_date`) so
    that config.yaml and the roster agree. YAML would make a date of ``2027-02-28`` alone, and
    refuse ``2027-02-31`` without naming its key: the loader leaves dates as text (see
    :class:`_UniqueKeyLoader`)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError("une date est attendue, sous la forme JJ/MM/AAAA (par exemple 28/02/2027)"
                         + ("" if value is None or isinstance(value, str) else f", et non «\u202f{value}\u202f»"))
    try:
        return parse_date(value)
    except UnreadableDate as exc:
        raise ValueError(exc.message[0].lower() + exc.message[1:].rstrip(".")) from None


FrenchDate = Annotated[dt.date, BeforeValidator(_french_date)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _matricules(value: object) -> object:
    """A list of agent numbers as HR writes them in YAML: ``["100231", 100232]`` (a number YAML
    read as such is its digits), each normalized as the roster's (spaces, dashes)."""
    from .text import normalize_identifier

    if value is None:
        return ()
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ValueError("une liste de matricules est attendue (ex. [\"100231\", \"100232\"])")
    numbers = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int)) or not str(item).strip():
            raise ValueError(f"«\u202f{item}\u202f» n'est pas un matricule (ex. [\"100231\", \"100232\"])")
        numbers.append(normalize_identifier(str(item)))
    return tuple(numbers)


Matricules = Annotated[tuple[str, ...], BeforeValidator(_matricules)]


class Campaign(_Section):
    year: int = Field(2026, alias="annee", ge=2000, le=2100)
    review_deadline: FrenchDate = Field(dt.date(2027, 1, 31), alias="date_limite_entretiens")
    return_to_hr: FrenchDate = Field(dt.date(2027, 2, 28), alias="date_retour_rh")
    # Who is reviewed (pipeline/reviewed.py): an agent in post («\u202fdate d'arrivée\u202f» of the roster)
    # for less than this many months on the reference day is not (0: every agent is); the exceptions,
    # by agent number, are.
    min_months_in_post: int = Field(0, alias="presence_minimale_mois", ge=0, le=120)
    presence_reference: FrenchDate | None = Field(None, alias="date_reference_presence")  # None: 31/12 of annee
    presence_exceptions: Matricules = Field((), alias="exceptions_presence")

    # Set on one employer's view of a workspace that serves several (Config.employer_view): the
    # employer's code joins the year in the campaign's key, hence in every identifier.
    _employer_code: str | None = PrivateAttr(None)

    @property
    def key(self) -> str:
        """«\u202f2026\u202f»; «\u202f2026_C044\u202f» for employer C044 of a workspace that serves several:
        the same agent number in two employers makes two reports (``2026_C044-100231``)."""
        return str(self.year) if self._employer_code is None else f"{self.year}{EMPLOYER_KEY_SEPARATOR}{self._employer_code}"

    @property
    def presence_day(self) -> dt.date:
        """The day the time in post is counted to: ``date_reference_presence``, else the last day of
        the year the campaign reviews (31 December of ``annee``)."""
        return self.presence_reference or dt.date(self.year, 12, 31)


class Folders(_Section):
    inbox: Path = Field(Path("inbox"), alias="entree")
    outbox: Path = Field(Path("outbox"), alias="sortie")
    templates: Path = Field(Path("templates"), alias="modeles")
    # Journal and work area: on a local disk, never on a share.
    state: Path = Field(Path(".entretiens"), alias="etat")
    # `entretiens archiver`: one folder per campaign; by default « archives » beside the outbox.
    archives: Path | None = Field(None, alias="archives")


class Delays(_Section):
    """Overrides of the public-service preset; ``None`` keeps the preset's value."""

    invitation_min_days: int | None = Field(None, alias="convocation_jours_avant", ge=0)
    communication_days: int | None = Field(None, alias="communication_jours_apres", ge=0)
    agent_days: int | None = Field(None, alias="observations_agent_jours", ge=0)
    # An employer's own delays, on top of the decree's (none by default).
    evaluator_days: int | None = Field(None, alias="signature_evaluateur_jours", ge=0)
    visa_days: int | None = Field(None, alias="visa_jours", ge=0)
    notification_days: int | None = Field(None, alias="notification_jours", ge=0)  # after the visa
    # How delays after an event are counted: calendaires, ouvres or francs (jours francs).
    counting: Literal["calendaires", "ouvres", "francs"] | None = Field(None, alias="decompte")
    working_days: YesNo = Field(False, alias="jours_ouvres")  # decompte: ouvres, as older configs say it
    # Public holidays that are not working days: « national » or « alsace_moselle ».
    holiday_calendar: Literal["national", "alsace_moselle"] = Field("national", alias="jours_feries")


class FileCaps(_Section):
    max_file_mb: float = Field(20, alias="taille_max_mo", gt=0)
    max_uncompressed_mb: float = Field(200, alias="decompresse_max_mo", gt=0)
    max_ratio: float = Field(200, alias="ratio_max", gt=1)
    max_parts: int = Field(2000, alias="parties_max", gt=0)
    # Parsing XML takes about twenty times its size in memory: a cap per XML part keeps a
    # file within every other cap from exhausting the service's memory.
    max_xml_mb: float = Field(16, alias="xml_max_mo", gt=0)
    # A PDF dropped in the inbox (a signed copy, often a batch scan): its size and pages; each page
    # is rendered once to look for its code, so the pages bound the time a PDF takes.
    max_pdf_mb: float = Field(200, alias="pdf_taille_max_mo", gt=0)
    max_pdf_pages: int = Field(500, alias="pdf_pages_max", gt=0)


MAX_READING_PROCESSES = 32


def _reading_processes(value: object) -> object:
    """« auto » (any case) or a whole number of processes from 0 to 32; anything else
    (a word, a decimal, oui/non) is refused with what is allowed."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_READING_PROCESSES:
        return value
    shown = "vide" if value is None else str(value).lower() if isinstance(value, bool) else value
    raise ValueError(f"valeur « {shown} » : « auto » ou un nombre de processus de 0 à "
                     f"{MAX_READING_PROCESSES} (0 : aucun)")


class ParallelReading(_Section):
    """Section « lecture_parallele »: reading a backlog's reports in worker processes
    (pipeline/parallel.py). ``processus``: ``auto`` (one per processor, at most 4) or a
    number (0: none); only for a pass of at least ``a_partir_de`` files."""

    workers: Annotated[Literal["auto"] | int, BeforeValidator(_reading_processes)] = Field("auto", alias="processus")
    from_files: int = Field(200, alias="a_partir_de", ge=1)


class Watch(_Section):
    """How ``entretiens surveiller`` watches (section «\u202fsurveillance\u202f»): the watcher's settings object.

    The command line may replace some of them (:meth:`updated`), checked by the same rules."""

    mode: Literal["inotify", "polling"] = Field("inotify", alias="mode")  # polling: network shares
    poll_interval: float = Field(1.0, alias="intervalle_polling_s", ge=0.1)  # between two polling snapshots
    stability_window: float = Field(2.0, alias="stabilite_s", ge=0)  # size and mtime unchanged this long
    rescan_interval: float = Field(60.0, alias="rescan_s", ge=1)  # full listing, in case events were lost
    ignore_patterns: tuple[str, ...] = Field((), alias="motifs_ignores")  # on top of naming.IGNORED_PATTERNS
    max_retries: int = Field(8, alias="reessais_max", ge=1)  # failures before a file is reported stuck
    quiet_before_outputs: float = Field(5.0, alias="calme_avant_classeurs_s", ge=0)  # then workbooks rebuilt

    @property
    def polling(self) -> bool:
        """True: watchdog's PollingObserver (network shares); False: inotify."""
        return self.mode == "polling"

    @property
    def incomplete_after(self) -> float:
        """A file that looks half-written (a zip without its directory, or no content yet) and has not
        changed for this long is handed over anyway, to get its rejection note."""
        return max(30.0, 15 * self.stability_window)

    def updated(self, **changes: Any) -> "Watch":
        """A copy with the given settings replaced, by attribute name (``polling=True`` sets ``mode``);
        ``None`` values (options not given) are skipped. Checked as config.yaml is: a value out of
        bounds raises :class:`ConfigError` naming the key («\u202fsurveillance.intervalle_polling_s\u202f»)."""
        if (polling := changes.pop("polling", None)) is not None:
            changes.setdefault("mode", "polling" if polling else "inotify")
        fields = type(self).model_fields
        unknown = sorted(set(changes) - set(fields))
        if unknown:
            raise TypeError(f"Watch.updated: unknown settings {unknown}")
        raw = self.model_dump(by_alias=True)
        raw.update({fields[name].alias: value for name, value in changes.items() if value is not None})
        try:
            return type(self).model_validate(raw)
        except ValidationError as exc:
            key = ".".join(str(part) for part in exc.errors()[0]["loc"])
            raise ConfigError("Réglage refusé : "
                              + describe_validation_error(exc, location=f"surveillance.{key}")) from None


class HRContact(_Section):
    """Who signs the notes and whom managers call (section «\u202fservice_rh\u202f»)."""

    name: str = Field("Service des ressources humaines", alias="nom")
    return_to: str = Field("le dossier partagé des comptes rendus", alias="retour")
    contact: str | None = Field(None, alias="contact")  # the person managers may call
    phone: str | None = Field(None, alias="telephone")
    email: str | None = Field(None, alias="courriel")
    # A rejected report is to be sent back within this many days of its receipt.
    answer_days: int = Field(15, alias="delai_reponse_jours", ge=1)

    @property
    def returned_by_mail(self) -> bool:
        """Whether reports come back to an e-mail address (« retour: rh@… »), not a place to drop them."""
        where = self.return_to.strip()
        return "@" in where and not any(c.isspace() for c in where)

    @property
    def return_place(self) -> str:
        """Where a report goes back, as a sentence says it: « dans le dossier partagé… », « à rh@… »."""
        return f"à {self.return_to.strip()}" if self.returned_by_mail else f"dans {self.return_to}"

    def return_verb(self, *, imperative: bool = True) -> str:
        """« déposez » (« déposer »), or « envoyez » (« envoyer ») to an e-mail address."""
        if self.returned_by_mail:
            return "envoyez" if imperative else "envoyer"
        return "déposez" if imperative else "déposer"

    @property
    def reachable_at(self) -> str:
        """«\u202fMme Claire Martin – 01 23 45 67 89 – rh@exemple.fr\u202f», from what is given ("" if nothing)."""
        return " – ".join(part for part in (self.contact, self.phone, self.email) if part)


class Smtp(_Section):
    """The SMTP server of «\u202fcourriel.smtp\u202f» (``courriel.mode: envoi``)."""

    host: str | None = Field(None, alias="hote")
    port: int | None = Field(None, alias="port", ge=1, le=65535)  # None: 25, 587 (starttls) or 465 (ssl)
    security: Literal["aucune", "starttls", "ssl"] = Field("starttls", alias="securite")
    username: str | None = Field(None, alias="identifiant")
    # The password is read from this environment variable, never written in config.yaml.
    password_variable: str = Field("ENTRETIENS_SMTP_MOT_DE_PASSE", alias="mot_de_passe_variable")
    timeout: float = Field(20.0, alias="delai_s", gt=0)  # per SMTP exchange, in seconds
    # A private certificate authority to trust (a server with an internal or self-signed certificate).
    ca_file: Path | None = Field(None, alias="certificat_ac")

    @model_validator(mode="after")
    def _host_alone(self) -> "Smtp":
        if self.host is not None and (not self.host.strip() or any(c in self.host for c in " :/@")):
            raise ValueError(f"courriel.smtp.hote : «\u202f{self.host}\u202f» n'est pas un nom de serveur "
                             "(ex. smtp.exemple.fr ; le port va dans courriel.smtp.port)")
        return self

    @property
    def effective_port(self) -> int:
        return self.port or {"aucune": 25, "starttls": 587, "ssl": 465}[self.security]


class Mail(_Section):
    """Messages to evaluators (section «\u202fcourriel\u202f»): rejection notes and reminders.

    ``brouillon`` (the default) writes each message as an ``.eml`` file in ``outbox/courriels/`` for HR
    to check and send from their own mail client; ``envoi`` sends it over SMTP; ``aucun`` writes nothing."""

    mode: Literal["aucun", "brouillon", "envoi"] = Field("brouillon", alias="mode")
    sender: str = Field("Service des ressources humaines <rh@exemple.fr>", alias="expediteur")
    hr_copy: str | None = Field(None, alias="copie_rh")  # in copy of every message
    rejection_notes: YesNo = Field(True, alias="notes_de_rejet")  # each rejection note to the evaluator
    reminder_days: int = Field(7, alias="relances_jours", ge=1)  # at most one reminder per evaluator per N days
    automatic_reminders: YesNo = Field(False, alias="relances_automatiques")  # `watch` sends them itself
    # The agent is reminded this many days before the end of their delay for observations (0: on its last day).
    agent_lead_days: int = Field(5, alias="relances_agent_jours_avant", ge=0)
    # The evaluator's N+2 is reminded too when the first reminder about a step is this many days old
    # and the step is still not done (0: never).
    manager_after_days: int = Field(14, alias="relances_n2_apres_jours", ge=0)
    max_attempts: int = Field(8, alias="essais_max", ge=1)  # SMTP tries (with backoff) before giving up
    smtp: Smtp = Field(default_factory=Smtp, alias="smtp")

    @model_validator(mode="after")
    def _usable(self) -> "Mail":
        from .mail.addresses import AddressError, header_text, mailboxes

        for key, value, single in (("expediteur", self.sender, True), ("copie_rh", self.hr_copy, False)):
            if value is None:
                continue
            try:
                count = len(mailboxes(value))
                if single and count > 1:
                    raise AddressError(f"«\u202f{header_text(value)}\u202f» contient plusieurs adresses : un seul "
                                       "expéditeur est possible")
            except AddressError as exc:
                raise ValueError(f"courriel.{key} : {exc} (ex. «\u202fService RH <rh@exemple.fr>\u202f»"
                                 + (")" if single else ", ou plusieurs adresses séparées par «\u202f;\u202f»)")) from None
            if not count and single:
                raise ValueError("courriel.expediteur : l'adresse de l'expéditeur est vide "
                                 "(ex. «\u202fService RH <rh@exemple.fr>\u202f»)")
        if self.mode == "envoi" and not self.smtp.host:
            raise ValueError("courriel.mode: envoi demande le serveur d'envoi courriel.smtp.hote "
                             "(ou mode: brouillon pour écrire les messages sans les envoyer)")
        return self


# The announcement's default words (section «\u202fannonce\u202f»); {names} are filled in for each agent.
ANNOUNCEMENT_SUBJECT = "Campagne d'entretiens professionnels {campagne}"
ANNOUNCEMENT_TEXT = (
    "La campagne d'entretiens professionnels {campagne} commence. Votre entretien annuel avec {evaluateur} "
    "aura lieu d'ici le {date_limite} : vous recevrez une convocation au moins {jours_convocation} jours "
    "avant, avec le compte rendu pré-rempli qui servira de support à l'échange et votre fiche de poste.\n\n"
    "Vous trouverez ci-joints les documents de la campagne. Nous vous invitons à les lire pour préparer "
    "cet échange : le bilan de l'année écoulée, vos objectifs, vos besoins de formation et vos perspectives "
    "d'évolution professionnelle."
)
# What the announcement's subject and text may name, and what each becomes.
ANNOUNCEMENT_NAMES = {
    "campagne": "l'année de la campagne",
    "date_limite": "la date limite des entretiens, en toutes lettres",
    "evaluateur": "l'évaluateur de l'agent, avec sa civilité",
    "jours_convocation": "le délai minimal de la convocation, en jours",
    "service_rh": "le nom du service RH (service_rh.nom)",
}


def _known_names(text: str, key: str) -> str:
    """A text whose «\u202f{nom}\u202f» are all known (:data:`ANNOUNCEMENT_NAMES`), braces balanced."""
    import string

    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        raise ValueError(f"annonce.{key} : une accolade «\u202f{{\u202f» ou «\u202f}}\u202f» est seule ; pour l'écrire "
                         "telle quelle, doublez-la («\u202f{{\u202f», «\u202f}}\u202f»)") from None
    unknown = [name for name in names if name not in ANNOUNCEMENT_NAMES]
    if unknown:
        known = ", ".join(f"{{{name}}}" for name in ANNOUNCEMENT_NAMES)
        raise ValueError(f"annonce.{key} : «\u202f{{{unknown[0]}}}\u202f» n'est pas connu ; possibles : {known}")
    return text


class Announcement(_Section):
    """The campaign's announcement to every agent reviewed (section «\u202fannonce\u202f», ``entretiens
    annoncer``): the documents of a folder attached (the internal note, the guide), a subject and a
    text that may name :data:`ANNOUNCEMENT_NAMES` (French defaults)."""

    documents: Path | None = Field(Path("documents_campagne"), alias="documents")
    subject: str = Field(ANNOUNCEMENT_SUBJECT, alias="objet", min_length=1)
    text: str = Field(ANNOUNCEMENT_TEXT, alias="texte", min_length=1)

    @model_validator(mode="after")
    def _names(self) -> "Announcement":
        _known_names(self.subject, "objet")
        _known_names(self.text, "texte")
        return self


class Invitations(_Section):
    """Invitations by mail (section «\u202fconvocation\u202f», ``entretiens convoquer``): the folder of the
    job descriptions (a file named with the agent number, else with the post's title), and the
    interview's length in the calendar when the roster's «\u202fheure\u202f» gives only its start."""

    job_descriptions: Path | None = Field(None, alias="fiches_de_poste")
    duration_minutes: int = Field(60, alias="duree_minutes", ge=5, le=480)


class Authority(_Section):
    """The authority that gives the visa (section «\u202fautorite\u202f»): whom its reminders go to.

    ``courriel``: one address or several separated by «\u202f;\u202f» (a secretariat's too); without it,
    the visas waiting are listed by ``relancer`` for HR to pass on."""

    name: str | None = Field(None, alias="nom")  # «\u202fM. Jean Dupont\u202f»: how its reminder greets it
    title: str | None = Field(None, alias="titre")  # «\u202fdirecteur général\u202f»
    email: str | None = Field(None, alias="courriel")

    @model_validator(mode="after")
    def _addresses(self) -> "Authority":
        from .mail.addresses import AddressError, mailboxes

        try:
            mailboxes(self.email)
        except AddressError as exc:
            raise ValueError(f"autorite.courriel : {exc} (ex. «\u202fDirection générale <direction@exemple.fr>\u202f», "
                             "ou plusieurs adresses séparées par «\u202f;\u202f»)") from None
        return self

    @property
    def described(self) -> str:
        """«\u202fM. Jean Dupont, directeur général\u202f», "" when neither is given."""
        return ", ".join(part for part in (self.name, self.title) if part)


EMPLOYER_CODE = r"^[A-Za-z0-9][A-Za-z0-9_]{0,29}$"  # a folder's name and part of every identifier
EMPLOYER_KEY_SEPARATOR = "_"
RESERVED_CODES = {"non_attribues", "pour_la_cap"}  # the outbox's own folders beside the employers' (employers.py, cap.py)
PublicService = Literal["hospitaliere", "etat", "territoriale"]


class Employer(_Section):
    """One employer of a workspace that serves several (section «\u202femployeurs\u202f»: a centre de
    gestion, a group of hospitals, a ministry's platform): its code (its folders, and its reports'
    identifiers), name, public service, appointing authority (who gives the visa), roster, form,
    HR contact (who signs its notes), training catalogue and delays. What is not given is the
    workspace's, except the roster: each employer has its own or none.

    ``autorite``, ``service_rh`` and ``delais`` give only the keys that differ from the workspace's."""

    code: str
    name: str = Field(alias="nom", min_length=1)
    public_service: PublicService | None = Field(None, alias="fonction_publique")
    authority: dict[str, Any] = Field(default_factory=dict, alias="autorite")
    roster: Path = Field(alias="liste_agents")  # each employer its own (a workspace's would mix them)
    employer_form: Path | None = Field(None, alias="formulaire")
    training_catalogue: Path | None = Field(None, alias="catalogue_formations")
    hr: dict[str, Any] = Field(default_factory=dict, alias="service_rh")
    delays: dict[str, Any] = Field(default_factory=dict, alias="delais")
    # Where its relative paths start: config.yaml's folder, or its own file's (employeurs: a folder).
    base_dir: Path | None = Field(None, alias="dossier_de_base")
    source: str | None = Field(None, alias="fichier_source")  # its file, named in messages

    @field_validator("code", mode="before")
    @classmethod
    def _usable_code(cls, value: object) -> object:
        code = str(value).strip() if isinstance(value, (str, int)) else value
        if not isinstance(code, str) or not re.fullmatch(EMPLOYER_CODE, code):
            raise ValueError(f"le code «\u202f{value}\u202f» n'est pas utilisable : lettres sans accent, chiffres et _, "
                             "30 au plus, sans espace (il nomme les dossiers de l'employeur), par exemple C044")
        if code.casefold() in RESERVED_CODES:
            raise ValueError(f"le code «\u202f{code}\u202f» est le nom d'un dossier du programme "
                             f"({', '.join(sorted(RESERVED_CODES))}) : choisissez-en un autre")
        return code


def _employer_files(folder: Path) -> list[dict]:
    """``employeurs: employeurs/``: one YAML file per employer, in name order, each remembering its
    folder (its relative paths start there) and its name (said in messages)."""
    if not folder.is_dir():
        raise ValueError(f"employeurs : le dossier {folder} est introuvable (un fichier .yaml par employeur)")
    found = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".yaml", ".yml") or path.name.startswith((".", "~")):
            continue
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            what = f"la clé «\u202f{exc.key}\u202f» est écrite deux fois" if isinstance(exc, _DuplicateKey) else (
                "pas enregistré en UTF-8" if isinstance(exc, UnicodeDecodeError) else
                "illisible" if isinstance(exc, OSError) else "pas un YAML valide")
            raise ValueError(f"employeurs : {path.name} : {what}") from None
        if not isinstance(raw, dict):
            raise ValueError(f"employeurs : {path.name} : une liste de clés «\u202fclé: valeur\u202f» est attendue")
        entry = {**raw, "dossier_de_base": path.parent, "fichier_source": path.name}
        try:
            Employer.model_validate(entry)
        except ValidationError as exc:
            raise ValueError(f"employeurs : {path.name} : {_explain(exc).removesuffix('.')}") from None
        found.append(entry)
    if not found:
        raise ValueError(f"employeurs : le dossier {folder} ne contient aucun fichier .yaml")
    return found


class Config(_Section):
    campaign: Campaign = Field(default_factory=Campaign, alias="campagne")
    public_service: Literal["hospitaliere", "etat", "territoriale"] = Field(
        "hospitaliere", alias="fonction_publique"
    )
    delays: Delays = Field(default_factory=Delays, alias="delais")
    max_objectives: int = Field(5, alias="objectifs_max", ge=1)
    roster: Path | None = Field(None, alias="liste_agents")
    # Optional training catalogue (.xlsx or .csv: title, provider, days, cost per person): the
    # training plan then gets its cost sheets (pipeline/workbooks/costs.py).
    training_catalogue: Path | None = Field(None, alias="catalogue_formations")
    folders: Folders = Field(default_factory=Folders, alias="dossiers")
    file_caps: FileCaps = Field(default_factory=FileCaps, alias="limites_fichiers")
    hr: HRContact = Field(default_factory=HRContact, alias="service_rh")
    watch: Watch = Field(default_factory=Watch, alias="surveillance")
    parallel_reading: ParallelReading = Field(default_factory=ParallelReading, alias="lecture_parallele")
    mail: Mail = Field(default_factory=Mail, alias="courriel")
    authority: Authority = Field(default_factory=Authority, alias="autorite")  # whom visa reminders go to
    announcement: Announcement = Field(default_factory=Announcement, alias="annonce")
    invitations: Invitations = Field(default_factory=Invitations, alias="convocation")
    catalogue_overrides: dict[str, Any] | None = Field(None, alias="catalogue")
    # The employer's own form (pipeline/employer_form.py): the mapping file « entretiens formulaire
    # importer » writes; without it, the product's own template.
    employer_form: Path | None = Field(None, alias="formulaire")
    # A workspace that serves several employers (pipeline/employers.py): the list, or a folder of
    # one file per employer. Empty: one employer, the workspace itself, as always.
    employers: tuple[Employer, ...] = Field((), alias="employeurs")

    # Set by load_config: where relative paths start.
    base_dir: Path = Field(Path("."), exclude=True)
    # Set on one employer's view of the workspace (employer_view): which employer it is.
    employer: Employer | None = Field(None, exclude=True)
    _employer_views: dict[str, "Config"] | None = PrivateAttr(None)
    _catalogue: Catalogue = PrivateAttr()
    _form: Form | None = PrivateAttr(None)
    _employer: EmployerFormFile | None = PrivateAttr(None)
    _read_forms: bool = PrivateAttr(True)  # False: the employers' form mappings left unread (load_config)

    @model_validator(mode="before")
    @classmethod
    def _sender_from_hr(cls, data: Any) -> Any:
        """Mail goes out as the HR service, from its address (``service_rh.courriel``), when
        ``courriel.expediteur`` is not set: not from the example address."""
        if not isinstance(data, dict):
            return data
        hr, mail = data.get("service_rh"), data.get("courriel")
        address = hr.get("courriel") if isinstance(hr, dict) else None
        if address and (mail is None or isinstance(mail, dict) and "expediteur" not in mail and "sender" not in mail):
            name = str(hr.get("nom") or HRContact.model_fields["name"].default)
            quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'  # RFC 5322 quoted display name
            data = {**data, "courriel": {**(mail or {}), "expediteur": f"{quoted} <{str(address).strip()}>"}}
        return data

    @model_validator(mode="before")
    @classmethod
    def _employer_folder(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(folder := data.get("employeurs"), str):
            base = Path(data.get("base_dir") or ".")
            data = {**data, "employeurs": _employer_files(folder if Path(folder).is_absolute() else base / folder)}
        return data

    @model_validator(mode="after")
    def _employers_consistent(self) -> "Config":
        seen: dict[str, str] = {}
        for employer in self.employers:
            where = f"employeurs ({employer.source or employer.code})"
            if (other := seen.get(employer.code.casefold())) is not None:
                raise ValueError(f"{where} : le code «\u202f{employer.code}\u202f» est déjà celui {of(other)} ; "
                                 "chaque employeur a son propre code")
            seen[employer.code.casefold()] = employer.source or employer.name
            for section, model, current in (("autorite", Authority, self.authority), ("service_rh", HRContact, self.hr),
                                            ("delais", Delays, self.delays)):
                try:
                    model.model_validate({**current.model_dump(by_alias=True), **getattr(employer, _OWN[section])})
                except ValidationError as exc:
                    raise ValueError(f"{where} : {section} : {_explain(exc).removesuffix('.')}") from None
        return self

    @model_validator(mode="after")
    def _dates_in_order(self) -> "Config":
        if self.campaign.return_to_hr < self.campaign.review_deadline:
            raise ValueError(
                f"campagne.date_retour_rh ({format_date(self.campaign.return_to_hr)}) doit être "
                "postérieure ou égale à campagne.date_limite_entretiens "
                f"({format_date(self.campaign.review_deadline)})"
            )
        return self

    def path(self, relative: Path) -> Path:
        return relative if relative.is_absolute() else (self.base_dir / relative)

    @property
    def inbox(self) -> Path:
        return self.path(self.folders.inbox)

    @property
    def outbox(self) -> Path:
        return self.path(self.folders.outbox)

    @property
    def templates(self) -> Path:
        return self.path(self.folders.templates)

    @property
    def archives(self) -> Path:
        """Where ``entretiens archiver`` writes: ``dossiers.archives``, else ``archives`` beside the outbox."""
        if self.folders.archives is not None:
            return self.path(self.folders.archives)
        return self.outbox.parent / ARCHIVES

    @property
    def state_dir(self) -> Path:
        return self.path(self.folders.state)

    @property
    def roster_path(self) -> Path | None:
        return self.path(self.roster) if self.roster else None

    @property
    def training_catalogue_path(self) -> Path | None:
        return self.path(self.training_catalogue) if self.training_catalogue else None

    def delay_rules(self) -> DelayRules:
        """The public service's preset with this config's overrides."""
        overrides = {
            name: value
            for name in ("invitation_min_days", "communication_days", "agent_days", "evaluator_days",
                         "visa_days", "notification_days", "counting")
            if (value := getattr(self.delays, name)) is not None
        }
        if self.delays.working_days and self.delays.counting is None:
            overrides["counting"] = WORKING_DAYS
        return dataclasses.replace(PRESETS[self.public_service], **overrides)

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue

    @property
    def form(self) -> Form:
        """The form returned reports are read by (pipeline/form.py): the employer's own
        (``formulaire``), else our own template's; made from the catalogue once, when first asked."""
        if self._form is None:
            self._form = (employer_form(self._catalogue, self._employer) if self._employer is not None
                          else template_form(self._catalogue))
        return self._form

    @property
    def employer_mapping(self) -> EmployerFormFile | None:
        """The employer's form mapping (``formulaire``), ``None`` with the product's own form."""
        return self._employer

    @property
    def employer_model_path(self) -> Path | None:
        """The employer's blank form the mapping was made from (its ``modele``, relative to the
        mapping file)."""
        if self._employer is None or self.employer_form is None:
            return None
        return self.path(self.employer_form).parent / self._employer.model

    def employer_views(self) -> list["Config"]:
        """Each employer's view of a workspace that serves several (``employeurs``), in the
        config's order; ``[self]`` for a workspace of one employer."""
        return [self.employer_view(employer) for employer in self.employers] or [self]

    def employer_view(self, employer: Employer | str) -> "Config":
        """The workspace as one employer sees it: the config every command uses for that employer.
        Its folders are the workspace's with the code under each (``inbox/C044``,
        ``outbox/C044``, ``templates/C044``, the state folder's ``C044``, ``archives/C044``), its
        campaign key carries the code (``2026_C044``), its public service, authority, roster,
        form, HR contact, training catalogue and delays are the employer's where given.
        Raises ``KeyError`` for a code the workspace does not know."""
        if isinstance(employer, str):
            wanted = employer.casefold()
            employer = next((e for e in self.employers if e.code.casefold() == wanted), None) or _unknown(employer)
        if self._employer_views is None:
            self._employer_views = {}
        if (view := self._employer_views.get(employer.code)) is not None:
            return view
        base = employer.base_dir or self.base_dir

        def own(path: Path | None) -> Path | None:
            return None if path is None else path if path.is_absolute() else base / path

        code = employer.code
        campaign = self.campaign.model_copy()
        campaign._employer_code = code
        merged = {name: model.model_validate({**current.model_dump(by_alias=True), **getattr(employer, _OWN[name])})
                  for name, model, current in (("autorite", Authority, self.authority), ("service_rh", HRContact, self.hr),
                                               ("delais", Delays, self.delays))}
        view = self.model_copy(update={
            "campaign": campaign,
            "public_service": employer.public_service or self.public_service,
            "authority": merged["autorite"], "hr": merged["service_rh"], "delays": merged["delais"],
            "roster": own(employer.roster),
            "employer_form": own(employer.employer_form) or (self.path(self.employer_form) if self.employer_form else None),
            "training_catalogue": own(employer.training_catalogue) or self.training_catalogue_path,
            "folders": self.folders.model_copy(update={
                "inbox": self.inbox / code, "outbox": self.outbox / code, "templates": self.templates / code,
                "state": self.state_dir / code, "archives": self.archives / code}),
            "employers": (), "employer": employer})
        view._form, view._employer, view._employer_views = None, None, None
        # Employers of one public service on one form share its catalogue, mapping and form: made
        # once (300 communes made 300 copies: 60 MB, and half a second of every command's start).
        same = next((other for other in self._employer_views.values()
                     if (other.public_service, other.employer_form) == (view.public_service, view.employer_form)), None)
        if same is None:
            view.model_post_init({"read_forms": self._read_forms})
        else:
            view._catalogue, view._employer, view._form = same._catalogue, same._employer, same.form
        self._employer_views[employer.code] = view
        return view

    def model_post_init(self, __context: Any) -> None:
        # Built once: the catalogue overrides are validated with the rest. The employer's form
        # adapts the catalogue first (its labels, choices, own fields); config.yaml's own
        # « catalogue » section comes last. Not read when the context says so (load_config).
        self._read_forms = (__context or {}).get("read_forms", True)
        catalogue = for_public_service(BASE_CATALOGUE, self.public_service)
        if self.employer_form is not None and self._read_forms:
            self._employer = read_mapping(self.path(self.employer_form))
            catalogue = apply_overrides(catalogue, self._employer.catalogue)
        self._catalogue = apply_overrides(catalogue, self.catalogue_overrides)


_OWN = {"autorite": "authority", "service_rh": "hr", "delais": "delays"}  # an employer's own keys, by section


def _unknown(code: str):
    raise KeyError(code)


def load_config(path: Path | str | None = None, *, read_forms: bool = True) -> Config:
    """Load and validate config.yaml. Raises :class:`ConfigError` (French) when it cannot.

    With no path, ``./config.yaml`` is used when it exists, otherwise the
    embedded defaults rooted in the current folder. ``read_forms=False``: the employer's form
    mapping (``formulaire``) is not read, the product's own form stands in (for the command that
    writes that mapping, which config.yaml may already name)."""
    context = {"read_forms": read_forms}
    if path is None:
        path = Path(DEFAULT_CONFIG_NAME)
        if not path.exists():
            return Config.model_validate({"base_dir": Path.cwd()}, context=context)
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader) or {}
    except FileNotFoundError:
        raise ConfigError(f"Fichier de configuration introuvable : {path}.") from None
    except IsADirectoryError:
        raise ConfigError(f"{path} est un dossier : indiquez le fichier de configuration lui-même "
                          f"(par exemple {path / DEFAULT_CONFIG_NAME}).") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} n'est pas enregistré en UTF-8 (caractère illisible à l'octet {exc.start}) : "
                          "enregistrez-le de nouveau en choisissant le codage UTF-8 (Bloc-notes : «\u202fEnregistrer "
                          "sous\u202f», Codage : UTF-8).") from None
    except OSError as exc:
        raise ConfigError(f"Impossible de lire le fichier de configuration {path} : "
                          f"{describe_failure(exc)}.") from None
    except _DuplicateKey as exc:
        raise ConfigError(f"{path} (ligne {exc.line}) : la clé «\u202f{exc.key}\u202f» est écrite deux fois au même "
                          "niveau ; seule la dernière serait lue. Gardez-en une seule.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (ligne {mark.line + 1})" if mark else ""
        raise ConfigError(f"{path}{where} : le fichier n'est pas un YAML valide.") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} : une liste de clés «\u202fclé: valeur\u202f» est attendue.")
    try:
        config = Config.model_validate({**raw, "base_dir": path.resolve().parent}, context=context)
    except ValidationError as exc:
        raise ConfigError(f"{path} : {_explain(exc)}") from None
    return config


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: object, line: int):
        super().__init__(key)
        self.key, self.line = key, line


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key written twice in one mapping (it keeps the last, silently:
    a second «\u202fannee:\u202f» pasted lower down would win without a word), and leaving dates as text."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# A date is left as the text written (``2027-02-28`` as ``28/02/2027`` is): :func:`_french_date`
# reads it with the key it belongs to, where PyYAML would raise for ``2027-02-31`` naming none.
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)


def _explain(exc: ValidationError) -> str:
    """The first error in French; for an unknown key, the known key it is closest to, if any
    («\u202femployeur\u202f» for «\u202femployeurs\u202f»)."""
    said = describe_validation_error(exc)
    error = exc.errors()[0]
    if error["type"] == "extra_forbidden" and error["loc"]:
        import difflib

        known = {field.alias or name for model in _MODELS for name, field in model.model_fields.items()}
        close = difflib.get_close_matches(str(error["loc"][-1]), sorted(known), n=1, cutoff=0.75)
        if close:
            said = said.removesuffix(".") + f" ; vouliez-vous écrire «\u202f{close[0]}\u202f» ?"
    return said


# The sections whose keys an unknown key is compared with (_explain).
_MODELS = (Config, Campaign, Folders, Delays, FileCaps, HRContact, Watch, ParallelReading, Mail, Smtp, Announcement,
           Invitations, Authority, Employer)
