"""How letters, notes and messages address a person: with their civility when it is known,
in neutral words when it is not.

The civility comes from a title written before the name, as HR and managers type it in a
name cell («\u202fMme Céline Roux\u202f», «\u202fM. Benoît Girard\u202f», «\u202fMadame Roux\u202f»,
«\u202fMonsieur\u202f», «\u202fMlle\u202f»), else from a roster column («\u202fcivilité\u202f» for the agent,
«\u202fcivilité de l'évaluateur\u202f»: «\u202fMadame\u202f», «\u202fMme\u202f», «\u202fM.\u202f», «\u202fF\u202f», «\u202fH\u202f»...).
French administrations no longer write «\u202fMademoiselle\u202f» (circulaire du Premier ministre
du 21 février 2012): «\u202fMlle\u202f» is addressed «\u202fMadame\u202f». Unknown, the words are neutral
(«\u202fBonjour,\u202f», «\u202fMadame, Monsieur,\u202f», an epicene title), never the point médian,
which official texts avoid (circulaire du 21 novembre 2017).

    person = Addressee.of("Mme Céline Roux")
    person.titled                                          # «\u202fMme Céline Roux\u202f»
    person.greeting                                        # «\u202fBonjour Madame,\u202f»
    person.word("évaluateur", "évaluatrice", "responsable de l'évaluation")   # «\u202févaluatrice\u202f»
"""

from __future__ import annotations

from dataclasses import dataclass

from .text import fold

WOMAN, MAN = "F", "M"
#: The roster's column of the evaluators' civility (a key of ``pipeline.roster.EXTRA_COLUMNS``).
EVALUATOR_CIVILITY = "civilite_evaluateur"

# A title written before a name, folded, without its full stop.
_TITLES = {"mme": WOMAN, "madame": WOMAN, "mlle": WOMAN, "melle": WOMAN, "mademoiselle": WOMAN,
           "m": MAN, "mr": MAN, "monsieur": MAN}
# What a civility column may hold besides a title.
_COLUMN_WORDS = {**_TITLES, "f": WOMAN, "femme": WOMAN, "feminin": WOMAN, "h": MAN, "homme": MAN,
                 "masculin": MAN}
_SHORT = {WOMAN: "Mme", MAN: "M."}
_LONG = {WOMAN: "Madame", MAN: "Monsieur"}


def civility_of(text: str | None) -> str:
    """:data:`WOMAN`, :data:`MAN` or "" for what a civility column holds («\u202fMme\u202f», «\u202fMonsieur\u202f»,
    «\u202fF\u202f», «\u202fhomme\u202f»...)."""
    return _COLUMN_WORDS.get(fold(text or "").strip().rstrip(".").strip(), "")


def _title(word: str) -> str:
    return _TITLES.get(fold(word).rstrip("."), "")


@dataclass(frozen=True)
class Addressee:
    """A person as a letter addresses them: ``name`` without its title, ``civility`` :data:`WOMAN`,
    :data:`MAN` or "" (unknown)."""

    name: str
    civility: str = ""

    @classmethod
    def of(cls, text: str | None, civility: str | None = "") -> "Addressee":
        """The person a name cell names: a title written before the name gives the civility (and is
        not part of the name), else the ``civility`` column's value."""
        words = " ".join((text or "").split()).split(" ")
        found = _title(words[0]) if words[0] else ""
        # «\u202fM\u202f» without its full stop is a title only before a name (not an initial alone).
        if found and not (fold(words[0]) == "m" and len(words) == 1):
            return cls(" ".join(words[1:]), found)
        return cls(" ".join(w for w in words if w), civility_of(civility))

    def same_person(self, other: "Addressee") -> bool:
        return bool(self.name) and fold(self.name) == fold(other.name)

    def word(self, masculine: str, feminine: str, neutral: str) -> str:
        """The word that agrees with the person: ``neutral`` (epicene) when the civility is unknown."""
        return {MAN: masculine, WOMAN: feminine}.get(self.civility, neutral)

    @property
    def titled(self) -> str:
        """«\u202fMme Céline Roux\u202f», «\u202fM. Benoît Girard\u202f», «\u202fCéline Roux\u202f» (unknown); «\u202fMadame\u202f» when
        only the civility is known; "" when nothing is."""
        if not self.name:
            return _LONG.get(self.civility, "")
        return " ".join(part for part in (_SHORT.get(self.civility, ""), self.name) if part)

    @property
    def formally(self) -> str:
        """An address block's line: «\u202fMadame Élodie Martin\u202f», «\u202fÉlodie Martin\u202f» (unknown)."""
        return " ".join(part for part in (_LONG.get(self.civility, ""), self.name) if part)

    @property
    def greeting(self) -> str:
        """A message's first line: «\u202fBonjour Madame,\u202f», «\u202fBonjour Monsieur,\u202f», «\u202fBonjour,\u202f» (unknown)."""
        return f"Bonjour {_LONG[self.civility]}," if self.civility else "Bonjour,"

    @property
    def salutation(self) -> str:
        """A letter's salutation, without its comma: «\u202fMadame\u202f», «\u202fMonsieur\u202f», «\u202fMadame, Monsieur\u202f»
        (unknown)."""
        return _LONG.get(self.civility, "Madame, Monsieur")
