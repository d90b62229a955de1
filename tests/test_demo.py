"""``entretiens demo`` (pipeline/demo.py): the first thing a newcomer runs; what it says happened
is what happened."""

from __future__ import annotations

from collections import Counter

from pipeline.demo import run_demo, summary
from pipeline.outcomes import Outcome


def test_the_demo_campaign_runs_end_to_end_and_says_what_happened(tmp_path):
    result = run_demo(tmp_path / "demo")
    handled = Counter(h.outcome for p in result.passes for h in p.handled)
    assert sum(handled.values()) == 49
    assert handled[Outcome.ACCEPTED] >= 30 and handled[Outcome.REJECTED] >= 10
    assert handled[Outcome.UNREADABLE] == 2 and handled[Outcome.DUPLICATE] == 1
    assert all(not p.left_alone for p in result.passes)
    text = summary(result)
    assert f"49 fichiers reçus en deux passages : {handled[Outcome.ACCEPTED]} acceptés" in text
    assert [w.name for w in result.workbooks] == ["plan_de_formation.xlsx", "plan_de_formation.csv",
                                                  "suivi_campagne.xlsx"]
