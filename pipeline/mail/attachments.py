"""The files messages to agents carry: the documents of the campaign's folder (``annonce.documents``:
the internal note, the guide) and each agent's job description (``convocation.fiches_de_poste``).

A folder's documents are its regular files, by name, less what the product ignores everywhere
(office suites' lock files, dot files, temporaries: :func:`pipeline.naming.is_ignored`). A job
description is the file whose name holds the agent number as a word of its own
(«\u202f100231 - fiche de poste.pdf\u202f», «\u202ffiche_100231.docx\u202f»), else the one whose name is the post's
title as the roster gives it («\u202fAgent d'accueil.pdf\u202f», «\u202fFiche de poste - Agent d'accueil.odt\u202f»),
case, accents and punctuation aside.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..files import is_regular_file
from ..naming import is_ignored
from ..text import fold, normalize_identifier

# Words a job description's file name may hold around the post's title.
_JOB_WORDS = re.compile(r"\b(fiche|fiches|de|du|poste|fdp)\b")


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes

    @property
    def mime(self) -> tuple[str, str]:
        kind = mimetypes.guess_type(self.name)[0] or "application/octet-stream"
        main, _, sub = kind.partition("/")
        return main, sub

    @classmethod
    def read(cls, path: Path) -> "Attachment":
        return cls(path.name, path.read_bytes())


def folder_documents(folder: Path) -> list[Path]:
    """The documents of ``folder``, by name (see the module's docstring). Raises ``OSError`` when
    the folder cannot be listed (missing: ``FileNotFoundError``)."""
    return sorted((path for path in folder.iterdir() if not is_ignored(path.name) and is_regular_file(path)),
                  key=lambda path: fold(path.name))


def _title(text: str) -> str:
    """A post's title or a file name's stem as they are compared: folded, punctuation and the words
    «\u202ffiche de poste\u202f» aside."""
    words = re.sub(r"[^a-z0-9]+", " ", fold(text.replace("’", "'")))
    return " ".join(_JOB_WORDS.sub(" ", words).split())


def job_descriptions(folder: Path, number: str, post: str) -> list[Path]:
    """The job descriptions of ``folder`` for an agent: those named with the agent number, else
    those named with the post's title; several when the folder is ambiguous, none when it has none."""
    documents = folder_documents(folder)
    alone = re.compile(rf"(?<![0-9a-z]){re.escape(normalize_identifier(number).casefold())}(?![0-9a-z])")
    by_number = [path for path in documents if alone.search(unicodedata.normalize("NFKC", path.stem).casefold())]
    if by_number or not _title(post):
        return by_number
    return [path for path in documents if _title(path.stem) == _title(post)]
