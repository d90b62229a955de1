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


# pydantic's error types, said in French (config.yaml and catalogue overrides).
_VALIDATION_MESSAGES = {
    "extra_forbidden": "clé inconnue",
    "missing": "valeur obligatoire manquante",
    "int_parsing": "un nombre entier est attendu",
    "int_from_float": "un nombre entier est attendu",
    "int_type": "un nombre entier est attendu",
    "float_parsing": "un nombre est attendu",
    "bool_parsing": "oui/non (true/false) est attendu",
    "bool_type": "oui/non (true/false) est attendu",
    "string_type": "un texte est attendu",
    "list_type": "une liste est attendue",
    "date_from_datetime_parsing": "une date AAAA-MM-JJ est attendue",
    "date_parsing": "une date AAAA-MM-JJ est attendue",
    "date_type": "une date AAAA-MM-JJ est attendue",
    "literal_error": "valeur non autorisée",
    "greater_than": "valeur trop petite",
    "greater_than_equal": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
    "dict_type": "une liste de clés « clé: valeur » est attendue",
    "model_type": "une liste de clés « clé: valeur » est attendue",
    "path_type": "un chemin de fichier est attendu",
}


def describe_validation_error(exc, *, location: str | None = None) -> str:
    """The first error of a pydantic ValidationError as a French sentence naming
    the key (``location`` replaces pydantic's own), the value and what is allowed."""
    err = exc.errors()[0]
    key = location if location is not None else ".".join(str(p) for p in err["loc"])
    kind = err["type"]
    text = _VALIDATION_MESSAGES.get(kind, err["msg"].removeprefix("Value error, "))
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        allowed = [part.strip().strip("'") for part in
                   str(ctx.get("expected", "")).replace(" or ", ", ").split(",")]
        text += " (valeurs possibles : " + " ou ".join(
            [", ".join(allowed[:-1]), allowed[-1]] if len(allowed) > 1 else allowed) + ")"
    elif kind in ("greater_than", "greater_than_equal", "less_than_equal"):
        text += f" (limite : {ctx.get('gt', ctx.get('ge', ctx.get('le')))})"
    value = err.get("input")
    shown = "" if kind in ("missing", "value_error") or isinstance(value, dict) else f", valeur « {value} »"
    if not key:
        return f"{text}."
    return f"clé « {key} »{shown} : {text}."
