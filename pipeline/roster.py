"""The roster (liste des agents): an .xlsx or .csv file with French column names.

Columns are matched without regard to case, accents or punctuation, against
the ``roster_columns`` of the catalogue's fields plus the invitation's own
details (time, place, civility). A row with a problem is reported with its
number as the spreadsheet shows it; the other rows are kept. A ``.csv`` is read in
the encoding it was saved in (:func:`pipeline.spreadsheets.decode_csv`, helped by
the column names it must hold); a character lost before it was read («\u202fÇa?la\u202f»)
is noted with its row and column, the row kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path


from .civility import EVALUATOR_CIVILITY
from .catalogue import AGENT_NUMBER, EVALUATOR, FIRST_NAME, INVITATION_DATE, LAST_NAME, REVIEW_DATE, Catalogue
from .outcomes import RosterError, UnreadableDate
from .command_names import GENERATE, command_line
from .text import fold, format_date, normalize_identifier, of

# pipeline.spreadsheets (pandas, openpyxl) and pipeline.dates (holidays) are imported when a roster
# is read from its file, not when it comes from the state folder's cache (see load_roster).

log = logging.getLogger("entretiens")

# Invitation details that are not fields of the report.
INVITATION_COLUMNS = {
    "heure": ["heure", "heure de l'entretien", "heure entretien"],
    "lieu": ["lieu", "lieu de l'entretien", "salle"],
    "civilite": ["civilité"],
}
# Optional columns that are not fields of the report either: who to write to, and the
# figures of the workbooks.
EVALUATOR_EMAIL, AGENT_EMAIL = "courriel_evaluateur", "courriel_agent"  # RosterRow.extra keys
# The evaluator's own manager, reminded too when a step stays undone (pipeline.mail.reminders), and
# the evaluator's delegate, who then gets the evaluator's messages and is named on the form.
MANAGER, MANAGER_EMAIL = "n2", "courriel_n2"
DELEGATE, DELEGATE_EMAIL = "evaluateur_delegue", "courriel_evaluateur_delegue"
# The day the agent took up the post: who is reviewed (pipeline.reviewed, campagne.presence_minimale_mois).
ARRIVAL_DATE = "date_arrivee"
# Each optional column's names as HR writes them, the first one as messages name the column.
EXTRA_COLUMNS = {
    EVALUATOR_EMAIL: ["courriel évaluateur", "courriel de l'évaluateur", "mail évaluateur",
                      "e-mail évaluateur", "adresse électronique de l'évaluateur"],
    AGENT_EMAIL: ["courriel agent", "courriel de l'agent", "courriel", "mail agent", "e-mail agent"],
    "categorie": ["catégorie", "categorie statutaire", "catégorie hiérarchique"],
    "sexe": ["sexe", "genre"],
    EVALUATOR_CIVILITY: ["civilité de l'évaluateur", "civilité évaluateur"],  # pipeline.civility
    MANAGER: ["N+2", "N+2 de l'évaluateur", "supérieur de l'évaluateur", "responsable de l'évaluateur"],
    MANAGER_EMAIL: ["courriel N+2", "courriel du N+2", "mail N+2", "e-mail N+2"],
    DELEGATE: ["évaluateur délégué", "évaluateur par délégation", "délégué"],
    DELEGATE_EMAIL: ["courriel évaluateur délégué", "courriel du délégué", "courriel délégué", "mail délégué",
                     "e-mail délégué"],
    ARRIVAL_DATE: ["date d'arrivée", "date d'affectation", "date d'arrivée dans le poste", "date de prise de poste",
                   "date arrivée"],
}


def column_name(key: str) -> str:
    """How messages name an optional column of the roster (a key of :data:`EXTRA_COLUMNS`):
    «\u202fcourriel évaluateur\u202f»."""
    return EXTRA_COLUMNS[key][0]


# How the form names an evaluator's delegate (the report's «\u202fNom et prénom de l'évaluateur\u202f»).
DELEGATION = "{delegate}, par délégation {of_evaluator}"
# The agent's sex, for the access-to-training figures (rapport social unique).
WOMAN, MAN = "femme", "homme"
_WOMEN = {"f", "femme", "feminin", "madame", "mme", "mlle", "mademoiselle"}
_MEN = {"h", "m", "homme", "masculin", "monsieur"}
EXCEL_EPOCH = dt.date(1899, 12, 30)  # day 0 of Excel's 1900 date system


@dataclass
class RosterRow:
    line: int  # as the spreadsheet shows it (the first line is 1)
    values: dict[str, str]  # field key -> text
    invitation: dict[str, str]  # heure, lieu, civilite
    review_date: dt.date | None = None
    invitation_date: dt.date | None = None
    extra: dict[str, str] = field(default_factory=dict)  # courriel_evaluateur, courriel_agent, categorie, sexe

    @property
    def sex(self) -> str:
        """:data:`WOMAN`, :data:`MAN` or "" (unknown): the «\u202fsexe\u202f» column, else the
        «\u202fcivilité\u202f» of the invitation («\u202fMadame\u202f», «\u202fMme\u202f», «\u202fM.\u202f»)."""
        for text in (self.extra.get("sexe", ""), self.invitation.get("civilite", "")):
            word = fold(text).strip(" .")
            if word in _WOMEN:
                return WOMAN
            if word in _MEN:
                return MAN
        return ""

    @property
    def evaluator_on_form(self) -> str:
        """The evaluator as the form names them: «\u202fCéline Roux, par délégation de Benoît Girard\u202f»
        when the roster names a delegate (column «\u202févaluateur délégué\u202f»), else the evaluator."""
        evaluator, delegate = self.values.get(EVALUATOR, ""), self.extra.get(DELEGATE, "").strip()
        return DELEGATION.format(delegate=delegate, of_evaluator=of(evaluator)) if delegate and evaluator else evaluator

    @property
    def person(self) -> str:
        """``Élodie MARTIN``: how messages name the agent of this row."""
        return " ".join(v for v in (self.values.get(FIRST_NAME, ""), self.values.get(LAST_NAME, "").upper()) if v)


@dataclass
class RosterProblem:
    line: int | None  # None: the roster as a whole
    message: str

    def __str__(self) -> str:
        return self.message if self.line is None else f"Ligne {self.line} : {self.message}"


@dataclass
class Roster:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)  # rows left out, to correct
    notices: list[RosterProblem] = field(default_factory=list)  # rows kept, with something to correct
    header_line: int = 1  # the spreadsheet line holding the column names

    def by_agent(self) -> dict[str, RosterRow]:
        return {row.values[AGENT_NUMBER]: row for row in self.rows}


def _read_cells(path: Path, wanted: dict[str, list[str]]) -> list[list[object]]:
    """The roster's lines as cells; raises :class:`RosterError` for a file that is not a roster."""
    from .spreadsheets import UnreadableSpreadsheet, read_cells

    try:
        return read_cells(path, wanted)
    except FileNotFoundError:
        raise RosterError(f"Liste des agents introuvable : {path}.") from None
    except UnreadableSpreadsheet as exc:
        if exc.kind == "type":
            raise RosterError(f"La liste des agents {path.name} doit être un fichier .xlsx ou .csv.") from None
        raise RosterError(
            f"La liste des agents {path.name} ne peut pas être lue ({exc.detail}). "
            "Enregistrez-la au format .xlsx ou .csv et réessayez."
        ) from None


def _date_text(text: str) -> str:
    """A date cell as a date: Excel's day number (``46367``, a date column formatted as a
    number, or exported so) becomes ``12/12/2026``."""
    if text.isdigit() and 20_000 <= int(text) <= 80_000:
        return format_date(EXCEL_EPOCH + dt.timedelta(days=int(text)))
    return text


def _column_names(catalogue: Catalogue) -> dict[str, list[str]]:
    wanted = {f.key: f.roster_columns for f in catalogue.fields if f.roster_columns}
    wanted.update(INVITATION_COLUMNS)
    wanted.update(EXTRA_COLUMNS)
    return wanted


# Columns that hold a person's name: any «\u202f?\u202f» in them is a lost letter.
NAME_COLUMNS = (LAST_NAME, FIRST_NAME, EVALUATOR)


def _lost_characters(line: int, who: str, texts: dict[str, str], found: dict[str, int],
                     header: list[object]) -> list[RosterProblem]:
    """A notice for each cell of a row holding a character lost before the file was read
    (:func:`~pipeline.spreadsheets.lost_character`), naming the column as the file does."""
    from .spreadsheets import lost_character, spreadsheet_text

    notices = []
    for key, text in texts.items():
        if lost_character(text, name=key in NAME_COLUMNS):
            column = spreadsheet_text(header[found[key]]) if found[key] < len(header) else key
            why = ("«\u202f\ufffd\u202f» : des octets illisibles dans le codage du reste du fichier, collés d'un fichier "
                   "d'un autre codage" if "\ufffd" in text else "«\u202f?\u202f» à la place d'une lettre : le fichier a été "
                   "enregistré dans un codage qui n'a pas cette lettre")
            notices.append(RosterProblem(line, (
                f"{who} : la colonne «\u202f{column}\u202f» contient «\u202f{text}\u202f», où un caractère a été perdu "
                f"avant la lecture du fichier ({why}). Les documents sont produits avec ce texte : corrigez-le dans "
                "la liste, enregistrez-la au format .xlsx ou «\u202fCSV UTF-8\u202f», puis relancez "
                f"«\u202f{command_line(GENERATE)}\u202f».")))
    return notices


def load_roster(path: Path, catalogue: Catalogue, *, cache_dir: Path | None = None) -> Roster:
    """Read the roster; raise :class:`RosterError` only when the file as a whole is unusable.

    The header is the line, among the first :data:`HEADER_SEARCH_LINES`, that names the most
    known columns (an HR system may export title lines above it): ``Roster.header_line``.
    ``Roster.problems``: rows left out; ``Roster.notices``: rows kept that hold a character
    lost before the file was read.

    ``cache_dir`` (the state folder): what was read is kept there (:data:`CACHE_NAME`) and given
    back while the file is the same one, unchanged (see :func:`_cache_key`): a campaign's roster
    of 100,000 agents takes seconds to read from an .xlsx, a fraction of one from the cache."""
    path = Path(path)
    if cache_dir is None:
        return _read_roster(path, catalogue)
    try:
        before = file_key(path)
    except OSError:
        return _read_roster(path, catalogue)  # missing: the reading says so in French
    key = _cache_key(path, before, catalogue)
    cache = Path(cache_dir) / CACHE_NAME
    if (cached := _cached(cache, key)) is not None:
        return cached
    roster = _read_roster(path, catalogue)
    try:
        after = file_key(path)
    except OSError:
        return roster
    # Kept only when the file did not change while it was read, and was last written long enough
    # ago that a change within the same time stamp (a coarse clock, a network share) cannot follow.
    if after == before and time.time() - before["mtime_ns"] / 1e9 > SETTLED_S:
        _keep(cache, key, roster)
    return roster


# The roster read, kept in the state folder (load_roster's ``cache_dir``); its key says which file,
# in which state, read by which code, for which catalogue.
CACHE_NAME = "liste_agents.cache.json"
_CACHE_FORMAT = 1
SETTLED_S = 2.0  # a roster written less than this ago is read again next time
# The modules whose code reads a roster: a new version of one of them reads it again.
_READING_MODULES = ("pipeline.roster", "pipeline.spreadsheets", "pipeline.dates", "pipeline.text",
                    "pipeline.outcomes", "pipeline.command_names", "pipeline.civility")


def file_key(path: Path) -> dict:
    """The roster file as it is now: which file (device, inode, path), its size and its times
    (a change of its content changes ``ctime``, whatever a program does to ``mtime``)."""
    info = os.stat(path)
    return {"path": str(path.resolve()), "dev": info.st_dev, "ino": info.st_ino, "size": info.st_size,
            "mtime_ns": info.st_mtime_ns, "ctime_ns": info.st_ctime_ns}


def _cache_key(path: Path, file: dict, catalogue: Catalogue) -> dict:
    code = []
    for name in _READING_MODULES:
        try:
            info = os.stat(Path(__file__).with_name(name.rsplit(".", 1)[1] + ".py"))
            code.append([name, info.st_size, info.st_mtime_ns])
        except OSError:
            code.append([name, None, None])
    columns = json.dumps([_column_names(catalogue), [f.key for f in catalogue.fields if f.roster_required],
                          [f.roster_columns for f in catalogue.fields if f.roster_required]],
                         ensure_ascii=False, sort_keys=True)
    return {"format": _CACHE_FORMAT, "file": file, "code": code,
            "columns": hashlib.sha256(columns.encode()).hexdigest()}


def _cached(cache: Path, key: dict) -> Roster | None:
    """The roster kept in ``cache`` under ``key``; ``None`` when there is none, another, or
    anything wrong with it (it is then read from its file again)."""
    try:
        with open(cache, encoding="utf-8") as handle:
            data = json.load(handle)
        if data.get("key") != key:
            return None
        return _from_json(data)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def _keep(cache: Path, key: dict, roster: Roster) -> None:
    """Write the cache beside the journal: a temporary file renamed over the previous one. Never
    fails the command: a state folder that cannot take it is read from the file next time."""
    data = _as_json(roster)
    if data is None:
        return
    data["key"] = key
    temporary = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    try:
        if not cache.parent.is_dir():
            return
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        with open(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))  # dump: Python's slow writer
        os.replace(temporary, cache)
    except OSError as exc:
        log.debug("liste des agents : cache non écrit (%s)", exc)
        try:
            temporary.unlink()
        except OSError:
            pass


def _as_json(roster: Roster) -> dict | None:
    """The roster as columns: the keys of each part of a row once, each row as a flat list of
    its texts. ``None`` (not kept) when rows do not all have the same keys."""
    if not roster.rows:
        shapes = [[], [], []]
    else:
        first = roster.rows[0]
        shapes = [list(first.values), list(first.invitation), list(first.extra)]
    rows = []
    for row in roster.rows:
        if [list(row.values), list(row.invitation), list(row.extra)] != shapes:
            return None
        rows.append([row.line, row.review_date.isoformat() if row.review_date else None,
                     row.invitation_date.isoformat() if row.invitation_date else None,
                     *row.values.values(), *row.invitation.values(), *row.extra.values()])
    return {"header_line": roster.header_line, "keys": shapes, "rows": rows,
            "problems": [[p.line, p.message] for p in roster.problems],
            "notices": [[p.line, p.message] for p in roster.notices]}


def _from_json(data: dict) -> Roster:
    values_keys, invitation_keys, extra_keys = data["keys"]
    a, b = 3 + len(values_keys), 3 + len(values_keys) + len(invitation_keys)
    day = dt.date.fromisoformat
    rows = [RosterRow(line=r[0], values=dict(zip(values_keys, r[3:a])), invitation=dict(zip(invitation_keys, r[a:b])),
                      review_date=day(r[1]) if r[1] else None, invitation_date=day(r[2]) if r[2] else None,
                      extra=dict(zip(extra_keys, r[b:]))) for r in data["rows"]]
    return Roster(rows=rows, problems=[RosterProblem(line, message) for line, message in data["problems"]],
                  notices=[RosterProblem(line, message) for line, message in data["notices"]],
                  header_line=data["header_line"])


def _read_roster(path: Path, catalogue: Catalogue) -> Roster:
    """:func:`load_roster` from the file itself."""
    from .dates import parse_date
    from .spreadsheets import find_header, spreadsheet_text

    wanted = _column_names(catalogue)
    cells = _read_cells(path, wanted)
    required = [f for f in catalogue.fields if f.roster_required]
    header_index, found = find_header(cells, wanted)
    missing = [f for f in required if f.key not in found]
    if missing:
        names = ", ".join(f"«\u202f{f.roster_columns[0]}\u202f»" for f in missing)
        shown = [spreadsheet_text(c) for c in (cells[header_index] if cells else []) if spreadsheet_text(c)]
        raise RosterError(
            f"La liste des agents {path.name} n'a pas les colonnes obligatoires {names}"
            + (f" (ligne d'en-tête lue : ligne {header_index + 1})" if header_index else "")
            + f". Colonnes trouvées : {', '.join(shown) or 'aucune'}. Les noms de colonnes acceptés sont "
            "décrits dans le README (section «\u202fLa liste des agents\u202f»)."
        )
    roster = Roster(header_line=header_index + 1)
    seen: dict[str, RosterRow] = {}
    for index, record in enumerate(cells[header_index + 1:]):
        line = header_index + 2 + index
        texts = {key: spreadsheet_text(record[column] if column < len(record) else None) for key, column in found.items()}
        if not any(texts.values()):
            continue  # blank line left in the spreadsheet
        who = " ".join(v for v in (texts.get(FIRST_NAME, ""), texts.get(LAST_NAME, "").upper()) if v)
        empty = [f for f in required if not texts.get(f.key)]
        if empty:
            roster.problems.append(RosterProblem(
                line, (f"{who} : " if who else "") + "valeur manquante dans "
                + ", ".join(f"«\u202f{f.roster_columns[0]}\u202f»" for f in empty) + " ; la ligne est ignorée."))
            continue
        number = texts[AGENT_NUMBER] = normalize_identifier(texts[AGENT_NUMBER])
        if number in seen:
            first = seen[number]
            roster.problems.append(RosterProblem(
                line, f"le matricule {number} {of(who)} est déjà celui {of(first.person)} (ligne {first.line}) : "
                      f"cette ligne est ignorée, le compte rendu {of(who)} n'est pas produit. Corrigez le "
                      "matricule de l'un des deux."))
            continue
        for key in (REVIEW_DATE, INVITATION_DATE):
            if key in texts:
                texts[key] = _date_text(texts[key])
        try:
            review = parse_date(texts.get(REVIEW_DATE))
            invitation = parse_date(texts.get(INVITATION_DATE))
        except UnreadableDate as exc:
            roster.problems.append(RosterProblem(line, f"{who} : {exc.message} La ligne est ignorée."))
            continue
        roster.notices += _lost_characters(line, who, texts, found, cells[header_index])
        invitation_texts = {key: texts.pop(key, "") for key in INVITATION_COLUMNS}
        extra = {key: texts.pop(key, "") for key in EXTRA_COLUMNS}
        row = RosterRow(line=line, values=texts, invitation=invitation_texts, review_date=review,
                        invitation_date=invitation, extra=extra)
        seen[number] = row
        roster.rows.append(row)
    return roster
