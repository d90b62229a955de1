"""Grouping similar training titles: «\u202fExcel perfectionnement\u202f», «\u202fexcel -
perfectionnement\u202f» and «\u202fPerfectionnement Excel\u202f» are one training, labelled
with its most frequent wording (the training plan's «\u202fIntitulé regroupé\u202f»)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from rapidfuzz import fuzz, process

from ..text import words

# Words that do not tell two trainings apart.
_FILLER = frozenset("a au aux d de des du en et l la le les pour sur un une formation".split())
SIMILARITY = 88  # rapidfuzz ratio (0-100) from which two normalised titles are one training


def title_words(title: str) -> list[str]:
    """Lower case, no accents, no punctuation, no filler words, in the order written."""
    found = words(title)
    return [w for w in found if w not in _FILLER] or found


def title_key(title: str) -> str:
    """``"Perfectionnement  Excel !"`` -> ``"excel perfectionnement"``: case, accents,
    punctuation, filler words and word order ignored. Titles with one key are one group."""
    words = title_words(title)
    return " ".join(sorted(words)) if words else " ".join(title.casefold().split())


def group_titles(titles: Iterable[str]) -> dict[str, str]:
    """Each distinct title -> its group's label, the group's most frequent wording.

    Titles with the same :func:`title_key` are one group. A key joins the group
    of a more frequent one when they are at least :data:`SIMILARITY` alike
    (rapidfuzz ratio), compared word-sorted (a typo) or as written without spaces
    (a typo in a first letter, a space forgotten). Titles whose numbers differ
    ("Anglais niveau 1", "niveau 2") never merge. Only distinct keys are
    compared: the cost follows the variety of titles, not the number of requests.
    """
    counts = Counter(t for t in titles if t)
    key_of = {title: title_key(title) for title in counts}
    per_key: Counter[str] = Counter()
    joined: dict[str, str] = {}  # key -> its most frequent wording's words, without spaces
    for title, n in counts.most_common():
        per_key[key_of[title]] += n
        joined.setdefault(key_of[title], "".join(title_words(title)) or key_of[title])
    leaders: dict[tuple[str, ...], tuple[list[str], list[str]]] = {}  # numbers -> keys, joined
    group_of: dict[str, str] = {}
    for key, _ in sorted(per_key.items(), key=lambda item: (-item[1], item[0])):
        keys, joins = leaders.setdefault(tuple(re.findall(r"\d+", key)), ([], []))
        best = None
        for query, choices in ((key, keys), (joined[key], joins)):
            match = process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=SIMILARITY)
            if match and (best is None or match[1] > best[1]):
                best = match
        if best is None:
            keys.append(key)
            joins.append(joined[key])
            group_of[key] = key
        else:
            group_of[key] = keys[best[2]]
    wordings: dict[str, Counter[str]] = {}
    for title, n in counts.items():  # first seen first: ties go to the earlier wording
        wordings.setdefault(group_of[key_of[title]], Counter())[title] += n
    label = {group: words.most_common(1)[0][0] for group, words in wordings.items()}
    return {title: label[group_of[key_of[title]]] for title in counts}
