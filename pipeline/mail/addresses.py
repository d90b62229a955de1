"""E-mail addresses as HR types them: the roster's «\u202fcourriel évaluateur\u202f» cell,
``courriel.expediteur`` and ``courriel.copie_rh``; and text made safe for a header.

A cell holds one address or several, separated by «\u202f;\u202f», «\u202f,\u202f» or line breaks (a
list typed by hand, Outlook's «\u202fDurand Sophie <s.durand@x.fr>; Noir Albert <a.noir@x.fr>\u202f»,
a cell written on several lines with Alt+Entrée), each with or without a display name (quoted
when it holds a comma: «\u202f"Durand, Sophie" <s.durand@x.fr>\u202f»). Every address is checked by
email-validator, for its syntax only (no DNS look-up). A cell that is not such a list is refused
whole with a French reason (:class:`AddressError`): no part of it is ever a recipient, no part of
it ever goes into a header.

The journal keeps a message's recipients in one column: the bare addresses, joined by «\u202f, \u202f»
(:func:`joined`, :func:`split_joined`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from email.utils import formataddr

# Between two addresses of a cell (outside quotes and angle brackets).
SEPARATORS = frozenset(",;\n\r\x0b\x0c\x85\u2028\u2029")
JOINER = ", "  # between the addresses of the journal's «\u202frecipient\u202f» column
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
NAME_LIMIT, FILE_NAME_LIMIT, SUBJECT_LIMIT = 100, 150, 250  # characters, in a header


class AddressError(ValueError):
    """A cell or a setting that is not a list of valid addresses; the message is French."""


@dataclass(frozen=True)
class Mailbox:
    """One recipient or sender: the address (the domain in its ASCII form, as SMTP takes it) and
    the display name the cell gave, "" when none."""

    address: str
    name: str = ""

    def formatted(self, name: str = "") -> str:
        """``Sophie Durand <s.durand@x.fr>`` (the cell's name, else ``name``), for a header."""
        shown = header_text(self.name or name, NAME_LIMIT)
        return formataddr((shown, self.address)) if shown else self.address


def header_text(text: object, limit: int = SUBJECT_LIMIT) -> str:
    """``text`` on one line, fit for a header (and for a line of a message or a log): line
    breaks (CR, LF, U+2028, U+2029...), tabs, NUL and every other control character become a
    space; invisible format characters (bidirectional overrides, zero-width ones), lone
    surrogates and unassigned code points are dropped; runs of spaces are one; past ``limit``
    characters it is cut, ending with «\u202f…\u202f». ``None`` is ""."""
    if text is None:
        return ""
    kept = []
    for char in str(text):
        category = unicodedata.category(char)
        if char in _LINE_BREAKS or category in ("Cc", "Zl", "Zp"):
            kept.append(" ")
        elif category not in ("Cf", "Cs", "Co", "Cn"):
            kept.append(char)
    line = re.sub(r" {2,}", " ", "".join(kept)).strip()
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


def _pieces(text: str) -> list[str]:
    """The cell cut at its separators, except inside a quoted name or angle brackets."""
    pieces, current, quoted, bracket, escaped = [], [], False, False, False
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"' and not bracket:
            quoted = not quoted
        elif char == "<" and not quoted:
            bracket = True
        elif char == ">" and not quoted:
            bracket = False
        elif char in SEPARATORS and not quoted and not bracket:
            pieces.append("".join(current))
            current = []
            continue
        current.append(char)
    pieces.append("".join(current))
    return pieces


def _shown(text: str) -> str:
    """A piece of a cell as a warning quotes it: control characters shown as «\u202f?\u202f»."""
    return "".join("?" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") else c for c in text)


def _why_not(piece: str) -> str:
    """What is wrong with a piece email-validator refused, said in French."""
    address = piece.rpartition("<")[2].rstrip(">") if "<" in piece else piece
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") for c in piece):
        return "elle contient un caractère de contrôle ou invisible"
    if "@" not in address:
        return "il manque «\u202f@\u202f»"
    if ":" in piece:
        return "elle contient «\u202f:\u202f»"
    if address.count("@") > 1:
        return "elle contient plusieurs «\u202f@\u202f» (séparez les adresses par «\u202f;\u202f»)"
    if any(c.isspace() for c in address.strip()):
        return "elle contient une espace (séparez les adresses par «\u202f;\u202f»)"
    local, _, domain = address.strip().rpartition("@")
    if not local.isascii():
        return "les caractères accentués avant «\u202f@\u202f» ne sont pas acceptés"
    if "." not in domain:
        return "le domaine après «\u202f@\u202f» n'a pas de point (ex. exemple.fr)"
    return "sa forme n'est pas celle d'une adresse électronique"


def mailboxes(text: str | None) -> list[Mailbox]:
    """Every address of a cell or a setting, in order, each once; [] when it is empty. Raises
    :class:`AddressError` (French) when any part of it is not a valid address."""
    from email_validator import EmailNotValidError, validate_email

    if text is None or not str(text).strip():
        return []
    boxes: dict[str, Mailbox] = {}
    for piece in _pieces(str(text)):
        piece = piece.strip()
        if not piece:
            continue  # «\u202fa@x.fr;\u202f», «\u202fa@x.fr ;; b@x.fr\u202f»
        if piece[:7].lower() == "mailto:":
            piece = piece[7:].strip()
        if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") for c in piece):
            raise AddressError(f"«\u202f{_shown(piece)}\u202f» n'est pas une adresse électronique valide : "
                               f"{_why_not(piece)}")
        try:
            found = [_validated(validate_email, piece)]
        except EmailNotValidError:
            # Addresses separated by spaces alone (a cell written on several lines, its line
            # breaks made spaces by the spreadsheet reader): each word must be an address.
            words = piece.split()
            try:
                if len(words) < 2 or not all("@" in word and "<" not in word for word in words):
                    raise
                found = [_validated(validate_email, word) for word in words]
            except EmailNotValidError:
                raise AddressError(f"«\u202f{_shown(piece)}\u202f» n'est pas une adresse électronique valide : "
                                   f"{_why_not(piece)}") from None
        for box in found:
            boxes.setdefault(box.address.lower(), box)
    if not boxes:
        raise AddressError(f"«\u202f{_shown(str(text).strip())}\u202f» ne contient aucune adresse électronique")
    return list(boxes.values())


def _validated(validate_email, text: str) -> Mailbox:
    """One address (with its display name, if any) checked by email-validator, syntax only."""
    valid = validate_email(text, check_deliverability=False, allow_display_name=True, allow_smtputf8=False,
                           allow_quoted_local=False, allow_domain_literal=False)
    return Mailbox(valid.ascii_email or valid.normalized, header_text(valid.display_name or "", NAME_LIMIT))


def joined(boxes: list[Mailbox]) -> str:
    """The journal's «\u202frecipient\u202f»: ``a@x.fr, b@x.fr``."""
    return JOINER.join(box.address for box in boxes)


def split_joined(recipient: str) -> list[str]:
    """The addresses of a journal's «\u202frecipient\u202f» (:func:`joined`)."""
    return [part.strip() for part in recipient.split(",") if part.strip()]


def cell_problem(text: str | None, *, line: int | list[int] | None, column: str, consequence: str) -> str | None:
    """The French warning for a roster cell that is not a list of valid addresses (``None``
    when it is one, or empty): its line and column, what is wrong, ``consequence`` (what is not
    sent), and what to write."""
    try:
        mailboxes(text)
    except AddressError as exc:
        lines = sorted(set(line if isinstance(line, list) else [] if line is None else [line]))
        where = (f"ligne {lines[0]}, " if len(lines) == 1 else
                 f"lignes {', '.join(map(str, lines[:-1]))} et {lines[-1]}, " if lines else "")
        return (f"Liste des agents, {where}colonne «\u202f{column}\u202f» : {exc} ; {consequence}. Écrivez une "
                "ou plusieurs adresses séparées par «\u202f;\u202f» (ex. «\u202fs.durand@exemple.fr ; "
                "a.noir@exemple.fr\u202f»).")
    return None
