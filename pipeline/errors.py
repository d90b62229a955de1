"""Named outcomes: every failure has a stable snake_case code for machines and
a French sentence for people (what is wrong, what to do).

Raise these where the problem is found; callers turn them into a rejection
note (reading problems) or an exit code (configuration problems).
"""

from __future__ import annotations


class EntretiensError(Exception):
    """Base class: ``code`` for machines, ``message`` (French) for people."""

    code = "erreur"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class ConfigError(EntretiensError):
    """config.yaml (or a catalogue override in it) is wrong: the run stops, exit 1."""

    code = "config_invalide"


class RosterError(EntretiensError):
    """The roster file as a whole cannot be used (missing, unreadable, no agent)."""

    code = "liste_agents_illisible"


class UnreadableReport(EntretiensError):
    """A received file cannot be read as a report. Each subclass is one reason."""

    code = "fichier_illisible"


class EmptyFile(UnreadableReport):
    code = "fichier_vide"


class NotAZip(UnreadableReport):
    code = "pas_un_docx"


class LegacyDoc(UnreadableReport):
    code = "format_doc"


class EncryptedDocument(UnreadableReport):
    code = "protege_par_mot_de_passe"


class MacroDocument(UnreadableReport):
    code = "format_docm"


class WrongOfficeType(UnreadableReport):
    code = "pas_un_document_word"


class TruncatedZip(UnreadableReport):
    code = "fichier_tronque"


class ZipBomb(UnreadableReport):
    code = "fichier_trop_volumineux"


class HostileXml(UnreadableReport):
    code = "xml_invalide"


class NotAReport(UnreadableReport):
    code = "pas_un_compte_rendu"


class WrongTemplateVersion(UnreadableReport):
    code = "version_formulaire"


class NotARegularFile(UnreadableReport):
    """A symbolic link, a folder or a device was dropped instead of a file."""

    code = "pas_un_fichier_ordinaire"


class FileUnavailable(UnreadableReport):
    """The file vanished or cannot be read (permissions, I/O error)."""

    code = "fichier_inaccessible"
