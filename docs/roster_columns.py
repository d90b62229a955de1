"""The README's table of the roster's columns, made from the catalogue and pipeline.roster, so
that the two never disagree.

    python docs/roster_columns.py            # print the Markdown table
    python docs/roster_columns.py --update   # write it into README.md, between the two markers

tests/test_docs.py fails when README.md holds anything else between the markers.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from docs.readme_blocks import update_block  # noqa: E402
from pipeline.catalogue import DEFAULT  # noqa: E402
from pipeline.roster import EXTRA_COLUMNS, INVITATION_COLUMNS  # noqa: E402

README = REPO / "README.md"
BEGIN = "<!-- roster: made by `python docs/roster_columns.py --update` from the catalogue; do not edit by hand -->"
END = "<!-- end of roster -->"
# Roster-only columns: what they are for.
PURPOSES = {
    "heure": "time of the review, in the invitation (« 09:30 »; an Excel time works)",
    "lieu": "place of the review, in the invitation",
    "civilite": "the agent's civility (« Madame », « Mme », « Monsieur », « M. »): how the invitation greets and "
                "addresses them; unknown, « Madame, Monsieur » and words that agree with no one",
    "courriel_evaluateur": "the evaluator's e-mail address",
    "courriel_agent": "the agent's e-mail address",
    "categorie": "the agent's category (A, B, C): the training plan's and the access-to-training figures",
    "sexe": "« F » or « H » (femme, homme): the access-to-training figures; else read from « civilité »",
    "date_arrivee": "the day the agent took up the post: who is reviewed (`campagne.presence_minimale_mois`, see « Who "
                    "is reviewed »); empty, the agent is reviewed",
    "civilite_evaluateur": "the evaluator's civility, when their name does not start with it (« Mme Céline Roux »): "
                           "the rejection note's « évaluatrice » or « évaluateur », the invitation's « votre "
                           "supérieure hiérarchique directe »; unknown, neutral words",
    "n2": "the evaluator's own manager (N+2), reminded too when a step the evaluator owes stays undone "
          "(`courriel.relances_n2_apres_jours` after the first reminder)",
    "courriel_n2": "the N+2's e-mail address",
    "evaluateur_delegue": "who evaluates by delegation of the evaluator: the form names them « Céline Roux, par "
                          "délégation de Benoît Girard »",
    "courriel_evaluateur_delegue": "the delegate's e-mail address: the evaluator's messages (rejection notes, "
                                   "reminders) go to it instead of « courriel évaluateur »",
}

# Roster-only columns that are not text.
FORMATS = {"date_arrivee": "JJ/MM/AAAA, or an Excel date"}


def table() -> str:
    lines = ["| column | also accepted | required | filled in | format |", "|---|---|---|---|---|"]
    for f in DEFAULT.fields:
        if not f.roster_columns:
            continue
        kind = ("JJ/MM/AAAA, or an Excel date" if f.kind == "date"
                else "oui (or x, vrai, 1) ticks the box" if f.kind == "bool"
                else ", ".join(f.choices) if f.choices else "text")
        lines.append(f"| {f.roster_columns[0]} | {', '.join(f.roster_columns[1:]) or '—'} | "
                     f"{'yes' if f.roster_required else 'no'} | « {f.label} » of the report | {kind} |")
    for key, names in {**INVITATION_COLUMNS, **EXTRA_COLUMNS}.items():
        lines.append(f"| {names[0]} | {', '.join(names[1:]) or '—'} | no | {PURPOSES[key]} | {FORMATS.get(key, 'text')} |")
    return "\n".join(lines)


def block() -> str:
    return f"{BEGIN}\n{table()}\n{END}"


def update(readme: Path = README) -> bool:
    """Write the table into ``readme`` between the markers; True when something changed."""
    return update_block(readme, BEGIN, END, block())


def main(argv: list[str]) -> int:
    if argv[1:] == ["--update"]:
        print(f"README.md {'updated' if update() else 'already up to date'}.")
    else:
        print(table())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
