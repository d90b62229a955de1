"""A copy of an employer's blank form names its agent only by name and first name: the agent found
in the roster that way (:func:`identify_agent`), names compared as :func:`person_key` folds them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from ..catalogue import AGENT_NUMBER, CAMPAIGN, FIRST_NAME, LAST_NAME, REPORT_ID
from ..outcomes import AMBIGUOUS_NAME, NO_IDENTIFIER, UNKNOWN_NAME, Reason
from ..read import BY_NAME, Report
from ..text import fold
from .folding import drop


def person_key(last_name: str, first_name: str) -> tuple[str, str]:
    """A name as the roster and a report are compared: case, accents, hyphens, apostrophes and
    spacing do not matter (« D'Arcy-Lefèvre » is « d arcy lefevre »)."""
    def key(text: str) -> str:
        return " ".join(re.sub(r"[\W_]+", " ", fold(drop(text))).split())
    return key(last_name), key(first_name)


def identify_agent(report: Report, campaign: str, names: Callable[[], dict[tuple[str, str], list[str]] | None],
                   ) -> tuple[Reason, dict[str, str]] | None:
    """Complete the identity of a report read on an employer's form: the current ``campaign`` when
    the copy says none, else its agent found by name (or another name it prints: « Nom d'usage »)
    and first name in the roster (``names()``:
    :func:`person_key` -> agent numbers; ``None`` without a roster). The fields the form does not
    hold (identifier, campaign, agent number) take the identity found, for the workbooks and file
    names. Returns the reason (and its parameters) the report cannot be matched to one agent, if so."""
    problem = None
    if not report.agent_number:
        last, first = str(report.values.get(LAST_NAME) or ""), str(report.values.get(FIRST_NAME) or "")
        # The other names a form may print beside it (« Nom d'usage », « Nom de naissance »): the
        # roster knows the agent by one of them.
        others = [str(value) for key, value in report.values.items()
                  if _OTHER_NAME.match(key) and str(value or "").strip()]
        last = last if last.strip() else (others.pop(0) if others else "")
        person = " ".join(v for v in (first.strip(), last.strip().upper()) if v)
        found = names() if person else None
        numbers = list(dict.fromkeys(number for name in (last, *others)
                                     for number in (found or {}).get(person_key(name, first), [])))
        if len(numbers) == 1:
            report.agent_number, report.identified_by = numbers[0], BY_NAME
        elif numbers:
            problem = (AMBIGUOUS_NAME, {"person": person, "numbers": ", ".join(sorted(numbers))})
        elif found is not None:
            problem = (UNKNOWN_NAME, {"person": person})
        else:
            problem = (NO_IDENTIFIER, {})
    if report.agent_number:
        report.campaign = report.campaign or campaign
        report.report_id = report.report_id or f"{report.campaign}-{report.agent_number}"
        for key, value in ((REPORT_ID, report.report_id), (CAMPAIGN, report.campaign),
                           (AGENT_NUMBER, report.agent_number)):
            if key in report.not_in_form and not report.values.get(key):
                report.values[key] = value
    return problem if problem and problem[0] is not NO_IDENTIFIER else None


# The keys the importer gives the other names of an agent a form prints (« Nom d'usage »: nom_usage).
_OTHER_NAME = re.compile(r"nom_(?:usage|naissance|famille|patronymique|marital|jeune_fille|epouse)")


def roster_names(rows: Iterable) -> dict[tuple[str, str], list[str]]:
    """The roster's agent numbers by :func:`person_key` of their name and first name (a name
    as written in the roster's « nom » column)."""
    names: dict[tuple[str, str], list[str]] = {}
    for number, row in rows:
        key = person_key(row.values.get(LAST_NAME, ""), row.values.get(FIRST_NAME, ""))
        if any(key):
            names.setdefault(key, []).append(number)
    return names
