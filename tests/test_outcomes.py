"""The outcome vocabulary (pipeline/outcomes.py): one code per reason, French words and
sentences in one place, every reason of an unreadable file documented."""

from __future__ import annotations

import re
import string

import pytest

from pipeline import outcomes
from pipeline.outcomes import (ERROR, PASS_OUTCOMES, UNREADABLE_REASONS, WARNING, Finding, Outcome, Reason,
                               UnreadableReport, is_error)
from tests.conftest import REPO

REASONS = [value for value in vars(outcomes).values() if isinstance(value, Reason)]


def test_every_code_names_one_reason_only():
    codes = [r.code for r in REASONS] + [cls.code for cls in UNREADABLE_REASONS]
    assert len(codes) == len(set(codes)), sorted(c for c in codes if codes.count(c) > 1)
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", code) for code in codes)


def test_every_reason_has_a_severity_and_a_french_sentence_per_variant():
    for reason in REASONS:
        assert reason.severity in (ERROR, WARNING), reason.code
        assert "" in reason.sentences, reason.code


@pytest.mark.parametrize("reason", UNREADABLE_REASONS, ids=lambda r: r.code)
def test_every_unreadable_reason_says_what_to_do_in_french(reason):
    for variant, sentence in reason.sentences.items():
        params = {name: "X" for _, name, _, _ in string.Formatter().parse(sentence) if name}
        error = reason.because(variant, **params)
        assert isinstance(error, UnreadableReport) and error.code == reason.code
        assert error.message.endswith((".", ")")) or variant in ("doctype", "malformed"), (reason.code, variant)


def test_every_reason_is_listed_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert [r.code for r in [*REASONS, *UNREADABLE_REASONS] if f"`{r.code}`" not in readme] == []


def test_a_reason_gives_its_finding_with_the_fields_label_in_the_sentence():
    finding = outcomes.MISSING_FIELD.finding(label="Appréciation générale", field="appreciation_generale",
                                             later="")
    assert finding == Finding(code="champ_manquant", severity=ERROR, label="Appréciation générale",
                              message="La rubrique «\u202fAppréciation générale\u202f» n'est pas remplie. Complétez-la.",
                              field="appreciation_generale")
    assert is_error(finding.as_json()) and "order" not in finding.as_json()


def test_outcomes_are_stored_as_plain_strings_and_said_in_french():
    assert Outcome("rejected") is Outcome.REJECTED and Outcome.REJECTED == "rejected"
    assert [o.word for o in PASS_OUTCOMES] == ["accepté", "rejeté", "illisible", "doublon", "exemplaire signé"]
    assert [o for o in Outcome if o.turned_away] == [Outcome.REJECTED, Outcome.UNREADABLE]
    assert len({o.counter for o in Outcome}) == len(Outcome)


def test_guillemets_hold_narrow_no_break_spaces_in_every_sentence():
    """French typography: « and » keep their word (U+202F), so that a » never wraps alone onto
    a line of a note, a terminal or a cell."""
    sentences = [s for r in REASONS for s in r.sentences.values()]
    sentences += [s for cls in UNREADABLE_REASONS for s in cls.sentences.values()]
    assert sentences and not [s for s in sentences if "« " in s or " »" in s]
    assert all("«\u202f" in s for s in sentences if "«" in s)


def test_every_finding_code_is_listed_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert [r.code for r in REASONS if f"`{r.code}`" not in readme] == []


def test_every_reason_has_a_short_french_name_for_the_counts_by_reason():
    """The dashboard and the summary count rejections by reason under its name, never its code."""
    codes = {r.code for r in REASONS} | {cls.code for cls in UNREADABLE_REASONS}
    assert sorted(codes - set(outcomes.REASON_NAMES)) == [], "nommez ces motifs dans outcomes.REASON_NAMES"
    assert outcomes.reason_name("champ_manquant") == "rubrique obligatoire non remplie"
    assert outcomes.reason_name("code_inconnu") == "code_inconnu" and outcomes.reason_name(None)
    assert len(set(outcomes.REASON_NAMES.values())) == len(outcomes.REASON_NAMES)
