"""Equal treatment: the «\u202fHarmonisation\u202f» and «\u202fAccès à la formation\u202f» sheets
of ``suivi_campagne.xlsx``.

The campaign guide asks evaluators to apply identical and objective criteria, with
equal treatment and without discrimination (décret n° 2010-888 du 28 juillet 2010,
art. 4, and its equivalents in the territorial and hospital services). HR checks it
with figures, never with the reports' free text:

- «\u202fHarmonisation\u202f»: for each appraisal criterion (``Catalogue.criteria_fields``)
  and for the attainment of last year's objectives, the distribution of levels of
  the campaign, then of each evaluator and each service. A group is compared with
  the rest of the campaign by a chi-square test of homogeneity
  (``scipy.stats.chi2_contingency`` on the 2 x levels table); it is flagged when
  p < :data:`SIGNIFICANCE` and only when it has at least :data:`MIN_REPORTS`
  reports, so that a small team is never flagged by chance.
- «\u202fAccès à la formation\u202f»: per category and, when the roster gives it, per sex:
  agents with an accepted report, those with at least one training need, their
  share, needs and needs per agent (indicators of the *rapport social unique*).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from .. import catalogue as cat
from ..catalogue import Catalogue
from ..journal import FileRow
from ..records import ReportContent
from ..roster import MAN, WOMAN, RosterRow
from ..text import canonical_choice
from .sheets import NOT_FILLED, NUMBER, TEXT, Book, SheetColumn, cell_text

MIN_REPORTS = 10  # a group with fewer reports is described, never flagged
SIGNIFICANCE = 0.01  # threshold of the chi-square test's p-value

GROUP, NAME, REPORTS, P_VALUE, VERDICT = "group", "name", "reports", "p_value", "verdict"
CAMPAIGN_GROUP, EVALUATOR_GROUP, SERVICE_GROUP = "Campagne", "Évaluateur", "Service"
MARKED = "écart marqué avec le reste de la campagne"
NOT_MARKED = "pas d'écart significatif"
TOO_FEW = f"non testé : moins de {MIN_REPORTS} comptes rendus"
NOT_COMPUTABLE = "non testé : un seul niveau utilisé dans la campagne"
SEXES = {WOMAN: "Femmes", MAN: "Hommes"}


@dataclass(frozen=True)
class AppraisalFacts:
    """What the equal-treatment sheets take from one accepted report: no free text."""

    evaluator: str
    service: str
    category: str
    sex: str  # roster.WOMAN, roster.MAN or ""
    levels: dict[str, str]  # criterion key -> level (a choice of the catalogue), filled ones only
    results: tuple[str, ...]  # attainment level of each of last year's objectives
    needs: int  # training needs written

    @classmethod
    def of(cls, file: FileRow, catalogue: Catalogue, listed: RosterRow | None) -> "AppraisalFacts":
        content = file.report or ReportContent()
        fields = content.fields
        levels = {}
        for criterion in catalogue.criteria_fields:
            level = canonical_choice(str(fields.get(criterion.key) or ""), criterion.choices or [])
            if level:
                levels[criterion.key] = level
        results: list[str] = []
        attainment = _attainment_column(catalogue)
        if attainment is not None:
            for row in content.rows(cat.PREVIOUS_RESULTS):
                level = canonical_choice(str(row.get(attainment.key) or ""), attainment.choices or [])
                if level:
                    results.append(level)
        needs = sum(1 for row in content.rows(cat.TRAINING_NEEDS) if any(str(v).strip() for v in row.values()))
        return cls(
            evaluator=cell_text(fields.get(cat.EVALUATOR) or (listed.values.get(cat.EVALUATOR) if listed else "")),
            service=cell_text(fields.get(cat.SERVICE) or (listed.values.get(cat.SERVICE) if listed else "")),
            category=cell_text(listed.extra.get("categorie", "") if listed else "").upper(),
            sex=listed.sex if listed else "", levels=levels, results=tuple(results), needs=needs)


def results_title(catalogue: Catalogue) -> str:
    """The objectives' table as «\u202fHarmonisation\u202f» titles it: the catalogue's labels."""
    return f"{catalogue.field(cat.PREVIOUS_RESULTS).label} : {_attainment_column(catalogue).label}"


def _attainment_column(catalogue: Catalogue) -> cat.Column | None:
    """The first choice column of last year's results table, if the catalogue has it."""
    try:
        columns = catalogue.field(cat.PREVIOUS_RESULTS).columns or []
    except KeyError:
        return None
    return next((c for c in columns if c.kind == "choice"), None)


# ---------------------------------------------------------------------------
# «\u202fHarmonisation\u202f»: distributions and the chi-square test.
# ---------------------------------------------------------------------------

@dataclass
class Distribution:
    """One criterion's table: the campaign, each evaluator, each service."""

    title: str
    unit: str  # what is counted: «\u202fComptes rendus\u202f» or «\u202fObjectifs\u202f»
    levels: list[str]
    frame: pd.DataFrame  # GROUP, NAME, REPORTS, one share (%) per level, P_VALUE, VERDICT

    @property
    def columns(self) -> list[SheetColumn]:
        """The group, its reports, whether it differs (the test), then the share of each level: the
        verdict and the test at the same place in every table, whatever its number of levels (the
        sheet prints no wider than its widest table)."""
        return [SheetColumn(GROUP, "Regroupement"), SheetColumn(NAME, "Nom"),
                SheetColumn(REPORTS, self.unit, NUMBER),
                SheetColumn(VERDICT, "Écart", TEXT), SheetColumn(P_VALUE, "p (khi-deux)", NUMBER),
                *[SheetColumn(f"level.{level}", f"{level} (%)", NUMBER) for level in self.levels]]


def distributions(facts: list[AppraisalFacts], catalogue: Catalogue) -> list[Distribution]:
    """One :class:`Distribution` per criterion, then the objectives' attainment."""
    out = []
    for criterion in catalogue.criteria_fields:
        observations = [(f, [f.levels[criterion.key]]) for f in facts if criterion.key in f.levels]
        out.append(_distribution(criterion.label, "Comptes rendus", criterion.choices or [], observations))
    attainment = _attainment_column(catalogue)
    if attainment is not None:
        observations = [(f, list(f.results)) for f in facts if f.results]
        out.append(_distribution(results_title(catalogue), "Objectifs", attainment.choices or [], observations))
    return out


def _distribution(title: str, unit: str, levels: list[str],
                  observations: list[tuple[AppraisalFacts, list[str]]]) -> Distribution:
    campaign = Counter(level for _, seen in observations for level in seen)
    rows = [_row(CAMPAIGN_GROUP, "Toute la campagne", len(observations), campaign, levels, None, "")]
    for group, key in ((EVALUATOR_GROUP, "evaluator"), (SERVICE_GROUP, "service")):
        members: dict[str, list[list[str]]] = {}
        for fact, seen in observations:
            members.setdefault(getattr(fact, key) or NOT_FILLED, []).append(seen)
        for name in sorted(members):
            counts = Counter(level for seen in members[name] for level in seen)
            p_value, verdict = _compare(counts, campaign, len(members[name]), levels)
            rows.append(_row(group, name, len(members[name]), counts, levels, p_value, verdict))
    return Distribution(title, unit, levels, pd.DataFrame(rows))


def _row(group: str, name: str, reports: int, counts: Counter, levels: list[str], p_value: float | None,
         verdict: str) -> dict:
    total = sum(counts[level] for level in levels)
    row = {GROUP: group, NAME: cell_text(name), REPORTS: float(reports), P_VALUE: p_value, VERDICT: verdict}
    for level in levels:
        row[f"level.{level}"] = round(100 * counts[level] / total, 1) if total else None
    return row


def _compare(counts: Counter, campaign: Counter, reports: int, levels: list[str]) -> tuple[float | None, str]:
    """The chi-square test of the group against the rest of the campaign: (p, verdict)."""
    if reports < MIN_REPORTS:
        return None, TOO_FEW
    used = [level for level in levels if campaign[level]]
    rest = [campaign[level] - counts[level] for level in used]
    if len(used) < 2 or not sum(rest):
        return None, NOT_COMPUTABLE
    from scipy.stats import chi2_contingency  # only when there is something to test: scipy is slow to import

    p_value = float(chi2_contingency([[counts[level] for level in used], rest]).pvalue)
    return round(p_value, 4), MARKED if p_value < SIGNIFICANCE else NOT_MARKED


# ---------------------------------------------------------------------------
# «\u202fAccès à la formation\u202f».
# ---------------------------------------------------------------------------

ACCESS_COLUMNS = [
    SheetColumn(GROUP, "Regroupement"), SheetColumn(NAME, "Nom"),
    SheetColumn("agents", "Agents avec un compte rendu accepté", NUMBER),
    SheetColumn("with_need", "Agents avec au moins un besoin", NUMBER),
    SheetColumn("share", "Part des agents avec un besoin (%)", NUMBER),
    SheetColumn("needs", "Besoins exprimés", NUMBER),
    SheetColumn("per_agent", "Besoins par agent", NUMBER),
]


def training_access(facts: list[AppraisalFacts]) -> pd.DataFrame:
    """Rows of «\u202fAccès à la formation\u202f»: the campaign, each category, each sex (when known)."""
    rows = [_access(CAMPAIGN_GROUP, "Toute la campagne", facts)]
    by_category: dict[str, list[AppraisalFacts]] = {}
    for fact in facts:
        by_category.setdefault(fact.category or NOT_FILLED, []).append(fact)
    rows += [_access("Catégorie", name, by_category[name]) for name in sorted(by_category)]
    if any(f.sex for f in facts):
        for sex, word in SEXES.items():
            rows.append(_access("Sexe", word, [f for f in facts if f.sex == sex]))
        unknown = [f for f in facts if not f.sex]
        if unknown:
            rows.append(_access("Sexe", NOT_FILLED, unknown))
    return pd.DataFrame(rows, columns=[c.id for c in ACCESS_COLUMNS])


def _access(group: str, name: str, facts: list[AppraisalFacts]) -> dict:
    agents, with_need = len(facts), sum(1 for f in facts if f.needs)
    needs = sum(f.needs for f in facts)
    return {GROUP: group, NAME: name, "agents": float(agents), "with_need": float(with_need),
            "share": round(100 * with_need / agents, 1) if agents else None, "needs": float(needs),
            "per_agent": round(needs / agents, 2) if agents else None}


# ---------------------------------------------------------------------------
# Writing.
# ---------------------------------------------------------------------------

def write_equality_sheets(book: Book, facts: Iterable[AppraisalFacts], catalogue: Catalogue) -> None:
    """Add «\u202fHarmonisation\u202f» and «\u202fAccès à la formation\u202f» to ``book``."""
    facts = list(facts)
    sheet = book.sheet("Harmonisation")
    threshold = f"{SIGNIFICANCE:g}".replace(".", ",")
    top = 2
    tables = distributions(facts, catalogue)
    for index, distribution in enumerate(tables, 1):
        sheet.write_string(top, 0, distribution.title, book.bold)
        top = book.table(sheet, distribution.frame, distribution.columns, name=f"Harmonisation {index}",
                         top=top + 1) + 1
    # Over the tables' width, wrapped on two lines: a longer line would widen the printed page.
    sheet.merge_range(0, 0, 0, max((len(d.columns) for d in tables), default=1) - 1,
                      f"Répartition des niveaux par évaluateur et par service, comparée au reste de la "
                      f"campagne (test du khi-deux, écart marqué si p < {threshold} ; groupes de moins "
                      f"de {MIN_REPORTS} comptes rendus non testés)", book.bold_wrap)
    sheet.set_row(0, 33)
    book.print_on_one_page(sheet)
    access = book.sheet("Accès à la formation")
    book.table(access, training_access(facts), ACCESS_COLUMNS, name="Acces formation")
    access.freeze_panes(1, 0)
    book.print_on_one_page(access)

