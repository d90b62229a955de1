"""Every name the product gives or recognises: files it writes, folders of the
outbox and of the state dir, names it leaves alone in the inbox, the work area's
names, and how a name is made safe for a share and short enough for a file system.

Stage folders are named by the catalogue (``Stage.folder``); :func:`stage_folder`
is how the rest of the product finds them.
"""

from __future__ import annotations

import fnmatch
import os
import re
import unicodedata
import uuid
from pathlib import Path

# -- the inbox -----------------------------------------------------------------------

# Left alone, never moved, never noted (case does not matter): what office suites, browsers,
# copy tools and operating systems leave beside the files people drop.
IGNORED_PATTERNS = (
    "~$*", ".~lock.*#", "*.tmp", "*.part",      # Word's owner files, LibreOffice's locks, copies under way
    "*.crdownload", "*.partial", "*.download", "*.opdownload",  # Chrome/Edge, Firefox, Safari, Opera downloads
    ".*",                                        # dot files: macOS ._* and .DS_Store, editors' swap files
    "thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini",  # Windows Explorer
    "*:zone.identifier", "icon\r",                # Windows' mark of the web, macOS folder icons
    "$recycle.bin", "system volume information",  # Windows folders copied onto shares
)


def is_ignored(name: str, extra_patterns: tuple[str, ...] = ()) -> bool:
    """Whether an inbox entry is one of :data:`IGNORED_PATTERNS` or ``extra_patterns``
    (config's ``surveillance.motifs_ignores``); case does not matter."""
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in (*IGNORED_PATTERNS, *extra_patterns))


# -- the work area -------------------------------------------------------------------

WORK_FOLDER = "travail"  # in the state dir
SHARE_WORK_FOLDER = ".entretiens_en_cours"  # in the inbox, when it is on another file system
SEPARATOR = "__"
REEXAMINED = "-r"  # in a work name: examined again (``entretiens reexaminer``)
MAX_NAME_BYTES = 255
# Room left in a 255-byte name for our prefixes (work area) and suffixes (notes, " (2)").
NAME_BUDGET = 200


def work_name(received_name: str, *, reexamination_of: int | None = None) -> str:
    """``a011580e2472__CR Martin.docx``: unique in the work area, the received name kept
    (made safe: a name from a subfolder, or that is not UTF-8, becomes a plain file name).
    A file examined again carries the journal id of its first examination: ``…-r17__…``."""
    marker = f"{REEXAMINED}{reexamination_of}" if reexamination_of is not None else ""
    return f"{uuid.uuid4().hex[:12]}{marker}{SEPARATOR}{outbox_name(received_name)}"


def reexamination_of(name: str) -> int | None:
    """The journal id a work name says its file is examined again for, if any."""
    head = name.split(SEPARATOR, 1)[0]
    _, marker, number = head.partition(REEXAMINED)
    return int(number) if marker and number.isdigit() else None


# Controls, format characters (bidirectional overrides), line and paragraph separators.
_UNSHOWN = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))


def shown_name(name: str | bytes) -> str:
    """A file name as people read it, safe in a log line, a note or a cell.

    Any name the file system holds arrives here; one that is not UTF-8 (a Windows zip
    unzipped on Linux leaves CP850 bytes: ``CR Martin \\x82lodie.docx``) is decoded as
    Windows would have shown it; control and format characters (a newline forging a log
    line, a bidirectional override) become ``?``."""
    raw = os.fsencode(name)
    for encoding in ("utf-8", "cp850"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp850 decodes every byte
        text = raw.decode("utf-8", "replace")
    if text.isprintable():  # no C* nor Z* but the space: none of _UNSHOWN (most names, at C speed)
        return text
    return "".join("?" if unicodedata.category(c) in _UNSHOWN else c for c in text)


def is_work_name(name: str) -> bool:
    return SEPARATOR in name


def received_name_of(name: str) -> str:
    """The received name a work name keeps (shortened if it was long)."""
    return name.split(SEPARATOR, 1)[-1]


def shorten_name(name: str, max_bytes: int) -> str:
    """Cut a file name to ``max_bytes`` (UTF-8), keeping its extension: file
    systems refuse names over 255 bytes, and we add prefixes and suffixes."""
    if len(name.encode()) <= max_bytes:
        return name
    stem, suffix = os.path.splitext(name)
    if len(suffix.encode()) > 16:
        stem, suffix = name, ""
    room = max_bytes - len(suffix.encode()) - len("…".encode())
    return stem.encode()[:room].decode(errors="ignore").rstrip() + "…" + suffix


# -- the outbox ----------------------------------------------------------------------

TO_SEND = "a_envoyer"  # pre-filled reports and invitations made by `generate`
PREVIOUS_VERSIONS = "versions précédentes"  # in TO_SEND: documents a new generation replaced
REJECTS, DUPLICATES, HISTORY = "rejets", "doublons", "historique"
PLAN_NAME, TRACKING_NAME = "plan_de_formation", "suivi_campagne"
# The campaign at a glance, rebuilt with the workbooks (pipeline/dashboard/): a page for HR, one A4 page for management.
DASHBOARD_NAME, SUMMARY_NAME = "tableau_de_bord.html", "synthese_campagne.pdf"
REJECTION_SUFFIX = " - note de rejet.docx"
DUPLICATE_SUFFIX = " - doublon.txt"
MAIL_FOLDER = "courriels"  # messages written as .eml drafts (courriel.mode: brouillon)
REPORT_SUFFIX, INVITATION_SUFFIX = " - compte rendu.docx", " - convocation.docx"


def safe_filename(text: str) -> str:
    """Keep accents and apostrophes; drop what Windows shares refuse in a name (reserved
    characters, leading and trailing spaces and dots); a name left without a stem is
    ``sans_nom`` with its extension: ``"   .docx"`` -> ``"sans_nom.docx"``."""
    cleaned = " ".join(re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]+', " ", shown_name(text)).split())
    stem, dot, extension = cleaned.rpartition(".")
    if dot and extension and " " not in extension and len(extension) <= 16:
        return (stem.strip(" .") or "sans_nom") + "." + extension
    return cleaned.strip(" .") or "sans_nom"


def outbox_name(received_name: str) -> str:
    """The name a turned-away file keeps in ``rejets`` or ``doublons``."""
    return shorten_name(safe_filename(received_name), NAME_BUDGET)


def report_id(campaign: str, agent_number: str) -> str:
    """``2026-100231``: a report's identifier, campaign and agent number."""
    return f"{campaign}-{agent_number}"


def agent_file_stem(campaign: str, agent_number: str, last_name: str, first_name: str) -> str:
    """``2026_100231_MARTIN_Élodie``: the stem of every file made for one agent's report,
    short enough for our suffixes (a name field may hold a whole paragraph)."""
    return shorten_name(safe_filename(f"{campaign}_{agent_number}_{last_name.upper()}_{first_name}"),
                        NAME_BUDGET - len(".docx"))


def note_path_for(file_path: Path, suffix: str) -> Path:
    """The note written beside a file: ``CR.docx`` -> ``CR - note de rejet.docx``."""
    return file_path.with_name(file_path.stem + suffix)


# -- signed copies and the archive -----------------------------------------------------------

# Signed copies (printed, signed, scanned: PDFs dropped in the inbox, pipeline.signed_copies):
# each report's under SIGNED_COPIES_DIR/<campagne>/<matricule>/, a batch scan that held
# several reports kept whole under SIGNED_COPIES_DIR/SIGNED_BATCHES_DIR/.
SIGNED_COPIES_DIR = "exemplaires_signes"
SIGNED_BATCHES_DIR = "lots"
SIGNED_COPY_SUFFIX = " - exemplaire signé.pdf"
ARCHIVES = "archives"  # `entretiens archiver`: beside the outbox unless dossiers.archives says otherwise
ARCHIVE_HISTORY_NAME = "historique.csv"  # in each agent's archive folder: every version received
CHECKSUMS_NAME = "empreintes.sha256"  # sha256sum -c reads it
ARCHIVE_INDEX_NAME = "index.csv"  # one line per agent of the campaign
ARCHIVE_WORKBOOKS = "classeurs"  # the campaign's workbooks, copied


def signed_copies_folder(outbox: Path, campaign: str, agent_number: str) -> Path:
    """``outbox/exemplaires_signes/2026/100231``: where one report's signed copies are filed."""
    return Path(outbox) / SIGNED_COPIES_DIR / safe_filename(campaign) / safe_filename(agent_number)


def archive_agent_folder_name(agent_number: str, last_name: str, first_name: str) -> str:
    """``100231 MARTIN Élodie``: an agent's folder in the archive."""
    name = " ".join(part for part in (last_name.upper(), first_name) if part)
    return shorten_name(safe_filename(f"{agent_number} {name}".strip()), NAME_BUDGET)


def archived_report_name(campaign: str, agent_number: str, extension: str) -> str:
    """``100231 - compte rendu 2026.pdf``: the final report in its archive folder."""
    return safe_filename(f"{agent_number} - compte rendu {campaign}{extension}")


def signed_batches_folder(outbox: Path) -> Path:
    """Where a batch scan holding several reports is kept whole, as received."""
    return Path(outbox) / SIGNED_COPIES_DIR / SIGNED_BATCHES_DIR


def signed_copy_name(campaign: str, agent_number: str, last_name: str = "", first_name: str = "") -> str:
    """``2026_100231_MARTIN_Élodie - exemplaire signé.pdf`` (without the names when unknown)."""
    stem = (agent_file_stem(campaign, agent_number, last_name, first_name) if last_name or first_name
            else shorten_name(safe_filename(f"{campaign}_{agent_number}"), NAME_BUDGET))
    return stem + SIGNED_COPY_SUFFIX


def stage_folder(outbox: Path, catalogue, stage: int) -> Path:
    return Path(outbox) / catalogue.stage(stage).folder


def history_folder(outbox: Path, campaign: str, agent_number: str) -> Path:
    """Where the versions a newer one replaced are kept."""
    return Path(outbox) / HISTORY / campaign / safe_filename(agent_number)


# -- templates and the state dir -----------------------------------------------------------

REPORT_TEMPLATE = "compte_rendu.docx"
INVITATION_TEMPLATE = "convocation.docx"
REJECTION_TEMPLATE = "note_de_rejet.docx"
TEMPLATE_NAMES = (REPORT_TEMPLATE, INVITATION_TEMPLATE, REJECTION_TEMPLATE)

JOURNAL_NAME = "journal.sqlite3"
LOCK_NAME = "surveillance.lock"
MAIL_LOCK_NAME = "courriels.lock"  # one deliverer of messages at a time
HEALTH_NAME = "sante.json"
LOG_NAME = "surveillance.log"
COMMANDS_LOG_NAME = "commandes.log"  # the other commands' log lines (pipeline/logs.py)
TEMP_PREFIX = ".tmp-"  # files being written, renamed into place when complete
