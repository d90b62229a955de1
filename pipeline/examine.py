"""Examine one received file without moving anything: preflight, read, validate.

``entretiens verifier`` prints this; ``traiter`` places files by it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config
from .outcomes import NO_IDENTIFIER, RosterError, UnreadableReport
from .preflight import PackageLimits
from .files import is_regular_file
from .read import Report, read_report
from .signed_copies import Identification, identify, is_signed_copy_candidate
from .text import is_yes
from .validate import Validation, ValidationContext, validate

if TYPE_CHECKING:
    from .roster import RosterRow

MB = 1024 * 1024


def package_limits(config: Config) -> PackageLimits:
    caps = config.file_caps
    return PackageLimits(
        max_file_bytes=int(caps.max_file_mb * MB),
        max_uncompressed_bytes=int(caps.max_uncompressed_mb * MB),
        max_ratio=caps.max_ratio,
        max_parts=caps.max_parts,
        max_xml_bytes=int(caps.max_xml_mb * MB),
    )


def roster_agents(config: Config) -> dict[str, RosterRow] | None:
    """The configured roster's rows by agent number; ``None`` when there is no roster.
    Raises :class:`RosterError` when the roster named in config is missing or unusable."""
    from .roster import load_roster  # pandas: not for a process that only reads reports

    path = config.roster_path
    if path is None:
        return None
    if not path.exists():
        raise RosterError(
            f"La liste des agents indiquée dans la configuration (liste_agents) est introuvable : {path}."
        )
    return load_roster(path, config.catalogue).by_agent()


def known_agents(config: Config) -> set[str] | None:
    """Agent numbers of the configured roster; ``None`` when there is no roster."""
    rows = roster_agents(config)
    return None if rows is None else set(rows)


@dataclass
class Examination:
    path: Path
    report: Report | None = None
    validation: Validation | None = None
    error: UnreadableReport | None = None
    signed: Identification | None = None  # a PDF: the reports its pages name (a signed copy)

    @property
    def accepted(self) -> bool:
        if self.signed is not None:
            return self.error is None
        return self.error is None and self.validation is not None and self.validation.accepted

    @property
    def stage(self) -> int | None:
        return self.validation.stage if self.validation else None

    def as_json(self) -> dict:
        data = {
            "fichier": str(self.path),
            "accepte": self.accepted,
            "etape": self.stage,
            "illisible": (
                {"code": self.error.code, "message": self.error.message} if self.error else None
            ),
            "constats": [f.as_json() for f in self.validation.findings] if self.validation else [],
            "contenu": self.report.as_json() if self.report else None,
        }
        if self.signed:  # a PDF: one more key, the reports its pages name
            data["exemplaire_signe"] = {"pages": self.signed.page_count,
                                        "exemplaires": [c.as_json() for c in self.signed.copies]}
        return data


def examine(path: Path, config: Config, *, agents: set[str] | None = None,
            received: dt.date | None = None, name: str | None = None) -> Examination:
    """Read and validate one file. An unreadable file is an outcome, not an exception; its
    reason names the file as ``name`` (the name it was received under, not a work name)."""
    result = Examination(path=Path(path))
    if is_signed_copy_candidate(Path(path), name or Path(path).name) and is_regular_file(Path(path)):
        return examine_pdf(result, config)
    try:
        result.report = read_report(path, config.form, limits=package_limits(config), name=name)
    except UnreadableReport as exc:
        result.error = exc
        return result
    unmatched = None
    if config.employer_mapping is not None:  # a copy of the employer's blank form names no identifier
        from .employer_read import identify_agent

        unmatched = identify_agent(result.report, config.campaign.key, lambda: roster_names(config))
        from_roster(result.report, config)
    rules = ValidationContext.from_config(config, known_agents=agents, received=received)
    result.validation = validate(result.report, config.catalogue, rules)
    if unmatched is not None:  # why its name did not give its agent, rather than « no identifier »
        reason, params = unmatched
        result.validation.findings = [reason.finding(**params) if f.code == NO_IDENTIFIER.code else f
                                      for f in result.validation.findings]
    return result


_ROSTER_ROWS: dict[tuple, dict] = {}


def from_roster(report: Report, config: Config) -> None:
    """A field the employer's form does not print but the roster gives for the report's agent (its
    « premier entretien » column: a first review, whose last year's results stay empty) is the
    roster's: without it, a first review on a form without that box could never be accepted.
    A check box is ticked by « oui »; what the report itself says always wins."""
    wanted = [f for f in config.catalogue.fields
              if f.key in report.not_in_form and f.roster_columns and f.kind != "table"]
    path = config.roster_path
    if not wanted or not report.agent_number or path is None or not path.exists():
        return
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, config.catalogue.version())
    if key not in _ROSTER_ROWS:
        _ROSTER_ROWS.clear()
        _ROSTER_ROWS[key] = roster_agents(config) or {}
    row = _ROSTER_ROWS[key].get(report.agent_number)
    if row is None:
        return
    for f in wanted:
        text = (row.values.get(f.key) or "").strip()
        if text and not report.is_filled(f.key):
            report.values[f.key] = is_yes(text) if f.kind == "bool" else text


_ROSTER_NAMES: dict[tuple, dict] = {}


def roster_names(config: Config) -> dict[tuple[str, str], list[str]] | None:
    """The roster's agent numbers by name and first name (:func:`pipeline.employer_read.person_key`),
    read once per roster file and state; ``None`` without a roster."""
    from .employer_read import roster_names as by_name

    path = config.roster_path
    if path is None or not path.exists():
        return None
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, config.catalogue.version())
    if key not in _ROSTER_NAMES:
        _ROSTER_NAMES.clear()
        _ROSTER_NAMES[key] = by_name((roster_agents(config) or {}).items())
    return _ROSTER_NAMES[key]


def examine_pdf(result: Examination, config: Config) -> Examination:
    """A PDF or an image (a signed copy): the reports its pages name, or why it cannot be filed
    (``entretiens verifier``; a pass files it, see ``Processor.plan_signed_copy``). An image is
    held to a PDF's caps (``limites_fichiers.pdf_taille_max_mo``, ``pdf_pages_max``)."""
    caps = config.file_caps
    try:
        result.signed = identify(result.path, campaign=config.campaign.key, max_mb=caps.max_pdf_mb,
                                 max_pages=caps.max_pdf_pages)
    except UnreadableReport as exc:
        result.error = exc
    return result
