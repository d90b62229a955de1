"""The roster (liste des agents): an .xlsx or .csv file with French column names.

Columns are matched without regard to case, accents or punctuation, against
the ``roster_columns`` of the catalogue's fields plus the invitation's own
details (time, place, civility). A row with a problem is reported with its
number as the spreadsheet shows it; the other rows are kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .catalogue import AGENT_NUMBER, INVITATION_DATE, REVIEW_DATE, Catalogue
from .dates import parse_date
from .outcomes import RosterError, UnreadableDate
from .text import format_date, normalize_header, normalize_identifier

# Invitation details that are not fields of the report.
INVITATION_COLUMNS = {
    "heure": ["heure", "heure de l'entretien", "heure entretien"],
    "lieu": ["lieu", "lieu de l'entretien", "salle"],
    "civilite": ["civilité"],
}


@dataclass
class RosterRow:
    line: int  # as the spreadsheet shows it (header is line 1)
    values: dict[str, str]  # field key -> text
    invitation: dict[str, str]  # heure, lieu, civilite
    review_date: dt.date | None = None
    invitation_date: dt.date | None = None


@dataclass
class RosterProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"Ligne {self.line} : {self.message}"


@dataclass
class Roster:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)

    def by_agent(self) -> dict[str, RosterRow]:
        return {row.values[AGENT_NUMBER]: row for row in self.rows}


def _read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(path, dtype=object, engine="openpyxl")
        if suffix == ".csv":
            for encoding in ("utf-8-sig", "cp1252"):
                try:
                    # Blank lines kept: row numbers must match what the user sees.
                    return pd.read_csv(path, dtype=str, sep=None, engine="python",
                                       encoding=encoding, keep_default_na=False,
                                       skip_blank_lines=False)
                except UnicodeDecodeError:
                    continue
    except FileNotFoundError:
        raise RosterError(f"Liste des agents introuvable : {path}.") from None
    except Exception as exc:  # pandas raises many kinds for a damaged file
        raise RosterError(
            f"La liste des agents {path.name} ne peut pas être lue ({exc.__class__.__name__}). "
            "Enregistrez-la au format .xlsx ou .csv et réessayez."
        ) from None
    raise RosterError(
        f"La liste des agents {path.name} doit être un fichier .xlsx ou .csv."
    )


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return format_date(value.date())
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a matricule typed as a number in Excel
    return " ".join(str(value).split())


def load_roster(path: Path, catalogue: Catalogue) -> Roster:
    """Read the roster; raise :class:`RosterError` only when the file as a whole is unusable."""
    frame = _read_table(Path(path))
    headers = {normalize_header(h): h for h in frame.columns}
    wanted = {f.key: f.roster_columns for f in catalogue.fields if f.roster_columns}
    wanted.update(INVITATION_COLUMNS)
    found: dict[str, str] = {}
    for key, names in wanted.items():
        for name in names:
            if normalize_header(name) in headers:
                found[key] = headers[normalize_header(name)]
                break
    required = [f for f in catalogue.fields if f.roster_required]
    missing = [f for f in required if f.key not in found]
    if missing:
        names = ", ".join(f"« {f.roster_columns[0]} »" for f in missing)
        raise RosterError(
            f"La liste des agents {Path(path).name} n'a pas les colonnes obligatoires {names}. "
            f"Colonnes trouvées : {', '.join(str(c) for c in frame.columns) or 'aucune'}."
        )
    roster = Roster()
    seen: dict[str, int] = {}
    for index, record in enumerate(frame.to_dict("records")):
        line = index + 2
        texts = {key: _cell_text(record[column]) for key, column in found.items()}
        if not any(texts.values()):
            continue  # blank line left in the spreadsheet
        empty = [f for f in required if not texts.get(f.key)]
        if empty:
            roster.problems.append(RosterProblem(
                line, "valeur manquante dans " + ", ".join(f"« {f.roster_columns[0]} »" for f in empty)
                + " ; la ligne est ignorée."))
            continue
        number = texts[AGENT_NUMBER] = normalize_identifier(texts[AGENT_NUMBER])
        if number in seen:
            roster.problems.append(RosterProblem(
                line, f"le matricule {number} figure déjà ligne {seen[number]} ; la ligne est ignorée."))
            continue
        try:
            review = parse_date(texts.get(REVIEW_DATE))
            invitation = parse_date(texts.get(INVITATION_DATE))
        except UnreadableDate as exc:
            roster.problems.append(RosterProblem(line, f"{exc.message} La ligne est ignorée."))
            continue
        seen[number] = line
        invitation_texts = {key: texts.pop(key, "") for key in INVITATION_COLUMNS}
        roster.rows.append(RosterRow(line=line, values=texts, invitation=invitation_texts,
                                     review_date=review, invitation_date=invitation))
    return roster
