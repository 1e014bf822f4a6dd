"""A questionnaire's index rule as the statistics layer takes it, and the band of an index value.

The rule is data of the questionnaire (``IndexSpec``: rule, weights, multiplier, bands); this module turns
the criteria layout into :class:`sampling.index_rules.ScoringRule` (coefficients of each group on its
criteria, the criteria's ranges) so that a new national rule needs a questionnaire, not code. The top-box
share keeps its own estimator (:mod:`sampling.indices`, R's ``svyciprop`` intervals on criteria).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from sampling.index_rules import ScoringRule
from survey_engine.answer_codes import CriteriaLayout
from survey_engine.results.analysis_domains import OVERALL

#: Statistic of the group estimates, per rule (criteria are means).
_GROUP_STATISTIC = {"mean_score": "mean-score", "score_sum": "total-score", "weighted_mean": "weighted-score"}


class Band(msgspec.Struct, frozen=True):
    """A grade of the overall index, reached from ``min`` (on the index's scale)."""

    code: str
    label: dict[str, str]
    min: float


def bands_of(layout: CriteriaLayout) -> list[Band]:
    """The rule's published grading bands (empty when the rule has none), from the lowest."""
    return [Band(code=code, label=dict(labels), min=low) for code, labels, low in layout.bands]


def band_for(layout: CriteriaLayout, value: float | None) -> str | None:
    """The code of the band ``value`` falls in (None: no bands, no value, or below the lowest band)."""
    if value is None or not layout.bands:
        return None
    reached = [code for code, _, low in layout.bands if value >= low - 1e-12]
    return reached[-1] if reached else None


def scale_of(layout: CriteriaLayout) -> tuple[float, float]:
    """The range of the overall index under the rule (0–100 for shares and mean scores)."""
    if layout.rule in ("top_box_share", "mean_score"):
        return 0.0, 100.0
    low = [float(c.low) for c in layout.criteria]
    high = [float(c.high) for c in layout.criteria]
    if layout.rule == "score_sum":
        return sum(low), sum(high)
    low_w, high_w = scoring_rule(layout, {}).bounds_of(OVERALL)
    return round(low_w, 9), round(high_w, 9)  # weights such as 1/9 sum to 1 only up to rounding


def scoring_rule(layout: CriteriaLayout, groups: Mapping[str, Sequence[str]]) -> ScoringRule:
    """The layout's rule (not the top-box share) for the estimator: ``groups`` (elements, then parts, as
    :func:`survey_engine.results.analysis_cells.groups_of` gives them) and the overall index, in order."""
    rule = layout.rule
    codes = layout.codes
    if rule == "mean_score":
        factor = 100.0
        bounds = {c: (0.0, 100.0) for c in codes}
        coefficients = {g: {j: 1.0 / len(m) for j in m} for g, m in groups.items()}
        coefficients[OVERALL] = {j: 1.0 / len(codes) for j in codes}
        measure = "mean score 0-100"
    elif rule == "score_sum":
        factor = 1.0
        bounds = {c.code: (float(c.low), float(c.high)) for c in layout.criteria}
        coefficients = {g: dict.fromkeys(m, 1.0) for g, m in groups.items()}
        coefficients[OVERALL] = dict.fromkeys(codes, 1.0)
        top = sum(b[1] for b in bounds.values())
        measure = f"total score 0-{top:g}"
    elif rule == "weighted_mean":
        factor = 1.0
        bounds = {c.code: (float(c.low), float(c.high)) for c in layout.criteria}
        mult = layout.multiplier
        coefficients = {g: {j: mult / len(m) for j in m} for g, m in groups.items()}
        overall: dict[str, float] = {}
        for element, members in layout.elements:
            for j in members:
                overall[j] = overall.get(j, 0.0) + layout.weights.get(element, 0.0) * mult / len(members)
        coefficients[OVERALL] = overall
        measure = f"weighted mean of element means x {mult:g}"
    else:
        raise ValueError(f"rule {rule!r} has no scoring rule (the top-box share has its own estimator)")
    return ScoringRule(
        name=rule,
        measure=measure,
        criterion_factor=factor,
        criterion_bounds=bounds,
        coefficients=coefficients,
        group_statistic=_GROUP_STATISTIC[rule],
    )
