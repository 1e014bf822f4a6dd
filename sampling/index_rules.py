"""Index rules other than the top-box share: mean score 0–100, total score, weighted mean of elements.

Every rule starts from the same criterion estimates: the ratio m̂_j = Σ w·v_j / Σ w·1[valid_j] of the
answers' values v_j (scale point, or an option's score) over the criterion's valid answers, "don't know"
and unanswered excluded (R: ``svyratio(~v_j, ~valid_j)``, i.e. ``svymean`` on the rows that answered).
A group index (element, part, overall) is then a fixed linear combination of the criterion estimates,

    θ̂_g = Σ_j c_gj m̂_j,

so its linearised variable is Σ_j c_gj z_j from the joint linearisation of all criteria in one pass
(R: ``svycontrast`` of the ``svyratio`` estimates), never a sum of separate variances. The rules differ
only in the reported scale of a criterion and in the coefficients c_gj (:class:`ScoringRule`):

* ``mean_score`` — values rescaled to 0–1 per criterion ((v − lowest)/(highest − lowest)), reported ×100;
  a group is the mean of its criteria (c = 1/m_g).
* ``score_sum`` — values are scores (Decree 61: 0–2); a group's score is the *sum* of its criteria's mean
  scores (c = 1), which equals the mean of the respondents' totals when every criterion is answered.
* ``weighted_mean`` — values are scale points or scores; an element is the mean of its criteria and the
  overall index Σ_e w_e · (element mean) · multiplier (IKM: w_e = 1/9, points 1–4, multiplier 25).

Intervals. Every estimate of these rules is bounded: a criterion mean lies in [lowest, highest] of its
values and a group in [Σ c·lowest, Σ c·highest] (c ≥ 0). The default ``index_ci="logit"`` interval maps
the estimate to u = (θ − lo)/(hi − lo) in [0, 1], takes the logit interval of u by the delta method
(SE(u) = SE(θ)/(hi − lo)) and maps back, so it never leaves the range; ``"wald"`` gives θ ± q·SE. q is t
on the df (the smallest among a group's criteria) or the normal, as for the top-box indices
(:mod:`sampling.indices`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from sampling.cells import CellSums, cell_pass
from sampling.design import Design, LonelyPSU
from sampling.errors import EstimationError
from sampling.estimators import DfOption, Domains, RatioPass, as_domains, estimate_set, ratio_pass, resolve_df
from sampling.indices import INDEX_INTERVALS, IndexInterval
from sampling.intervals import logit_interval, wald_interval
from sampling.pooled import StackedCells, SurveyTotals, pooled_pass, with_summary
from sampling.publication import apply_rule
from sampling.results import DontKnowCount, Estimate, EstimateSet, IndexResult
from sampling.variance import domain_coefficients, variances

__all__ = [
    "SCORING_RULES",
    "ScoringRule",
    "bounded_interval",
    "estimate_rule",
    "estimate_rule_from_cells",
    "rescale_cells",
]

FloatArray = npt.NDArray[np.float64]
SCORING_RULES = ("mean_score", "score_sum", "weighted_mean")


@dataclass(frozen=True)
class ScoringRule:
    """How criterion means become reported criteria and group indices.

    Attributes
    ----------
    name
        ``mean_score``, ``score_sum`` or ``weighted_mean`` (module docstring).
    measure
        Label of the result (``IndexResult.measure``), e.g. ``"total score 0-18"``.
    criterion_factor
        Reported criterion = factor × criterion mean (100 for ``mean_score`` on 0–1 values).
    criterion_bounds
        ``{criterion: (lowest, highest)}`` on the reported scale.
    coefficients
        ``{group: {criterion: c}}``: a group = Σ c × reported criterion (groups in output order).
    group_statistic
        ``Estimate.statistic`` of the groups (criteria are ``"mean"``).
    """

    name: str
    measure: str
    criterion_factor: float
    criterion_bounds: Mapping[str, tuple[float, float]]
    coefficients: Mapping[str, Mapping[str, float]]
    group_statistic: str = "score"
    group_bounds: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def bounds_of(self, group: str) -> tuple[float, float]:
        """The range of a group: given, or Σ c·lowest to Σ c·highest of its criteria."""
        if group in self.group_bounds:
            return self.group_bounds[group]
        coef = self.coefficients[group]
        low = sum(c * self.criterion_bounds[j][0 if c >= 0 else 1] for j, c in coef.items())
        high = sum(c * self.criterion_bounds[j][1 if c >= 0 else 0] for j, c in coef.items())
        return low, high


def bounded_interval(
    estimate: npt.ArrayLike,
    se: npt.ArrayLike,
    df: npt.ArrayLike | None,
    level: float,
    low: npt.ArrayLike,
    high: npt.ArrayLike,
    method: IndexInterval,
) -> tuple[FloatArray, FloatArray]:
    """The interval of an estimate bounded in [low, high]: logit of (θ − low)/(high − low) back-transformed
    (inside the range), or Wald."""
    theta = np.asarray(estimate, dtype=np.float64)
    s = np.asarray(se, dtype=np.float64)
    if method == "wald":
        return wald_interval(theta, s, df, level)
    lo = np.asarray(low, dtype=np.float64)
    span = np.asarray(high, dtype=np.float64) - lo
    u_low, u_high = logit_interval((theta - lo) / span, s / span, df, level)
    return lo + span * u_low, lo + span * u_high


def rescale_cells(cells: CellSums, low: Sequence[float], high: Sequence[float]) -> CellSums:
    """Cell sums of (v − low_j)/(high_j − low_j) instead of v, per criterion j (``mean_score``): linear in the
    weights, so it commutes with any calibration of the cells."""
    lo = np.asarray(low, dtype=np.float64)
    span = np.asarray(high, dtype=np.float64) - lo
    if np.any(span <= 0):
        raise EstimationError("each criterion needs a highest value above its lowest")
    valid = np.asarray(cells.valid, dtype=np.float64)
    return replace(cells, top=(np.asarray(cells.top, dtype=np.float64) - lo * valid) / span)


def rescale_stacked(stack: StackedCells, low: Sequence[float], high: Sequence[float]) -> StackedCells:
    """:func:`rescale_cells` for every survey of a stack, cells or their totals (:mod:`sampling.pooled`)."""
    lo = np.asarray(low, dtype=np.float64)
    span = np.asarray(high, dtype=np.float64) - lo
    if np.any(span <= 0):
        raise EstimationError("each criterion needs a highest value above its lowest")
    return replace(
        stack,
        parts=tuple(
            p.rescaled(lo, span) if isinstance(p, SurveyTotals) else rescale_cells(p, low, high)
            for p in stack.parts
        ),
    )


def _check(rule: ScoringRule, names: Sequence[str]) -> None:
    if rule.name not in SCORING_RULES:
        raise EstimationError(f"unknown index rule {rule.name!r}; use one of {', '.join(SCORING_RULES)}")
    known = set(names)
    for j in names:
        lo, hi = rule.criterion_bounds.get(j, (math.nan, math.nan))
        if not hi > lo:
            raise EstimationError(f"criterion {j!r} needs bounds (lowest < highest)")
    for g, coef in rule.coefficients.items():
        if not coef:
            raise EstimationError(f"group {g!r} has no criteria")
        unknown = set(coef) - known
        if unknown:
            raise EstimationError(f"group {g!r} refers to unknown criterion {sorted(unknown)[0]!r}")


def rule_from_pass(
    design: Design,
    names: Sequence[str],
    rule: ScoringRule,
    res: RatioPass,
    doms: Domains,
    dk_counts: tuple[DontKnowCount, ...],
    group_n: npt.NDArray[np.int64],
    *,
    index_ci: IndexInterval,
    df: DfOption,
    level: float,
    publication: str,
) -> IndexResult:
    """Criteria and group indices of ``rule`` from one ratio pass of the criteria's values."""
    if index_ci not in INDEX_INTERVALS:
        raise EstimationError(f"unknown index interval {index_ci!r}; use one of {', '.join(INDEX_INTERVALS)}")
    _check(rule, names)
    n_dom = doms.count
    factor = rule.criterion_factor
    crit_set = estimate_set(
        design, names, res, doms, statistic="mean", ci="wald", df=df, level=level, rule=publication
    )
    crit_estimates = []
    for e in crit_set.estimates:
        lo, hi = rule.criterion_bounds[e.variable]
        scaled = e.with_values(
            estimate=e.estimate * factor, se=e.se * factor, cv=e.cv, ci_low=0.0, ci_high=0.0
        )
        low, high = bounded_interval(
            [scaled.estimate], [scaled.se], None if e.df is None else [e.df], level, [lo], [hi], index_ci
        )
        crit_estimates.append(
            scaled.with_values(
                ci_low=float(low[0]),
                ci_high=float(high[0]),
                ci_method=f"{index_ci}-normal" if e.df is None else f"{index_ci}-t",
            )
        )
    crit_set = dataclasses.replace(
        crit_set, estimates=tuple(crit_estimates), linearisation=res.linearisation.scaled(factor)
    )

    index_of = {nm: i for i, nm in enumerate(names)}
    group_names = list(rule.coefficients)
    c = domain_coefficients(
        [{index_of[j]: coef * factor for j, coef in rule.coefficients[g].items()} for g in group_names],
        len(names),
        n_dom,
    )
    theta = c.T @ res.estimate.reshape(-1)
    lin = res.linearisation.combine(c)
    se = np.sqrt(np.maximum(variances(design, lin), 0.0))
    crit_df = resolve_df(df, res.df)
    group_df = np.empty(len(group_names) * n_dom)
    bounds = np.empty((len(group_names) * n_dom, 2))
    for gi, g in enumerate(group_names):
        idx = [index_of[j] for j in rule.coefficients[g]]
        group_df[gi * n_dom : (gi + 1) * n_dom] = crit_df[idx].min(axis=0)
        bounds[gi * n_dom : (gi + 1) * n_dom] = rule.bounds_of(g)
    low, high = bounded_interval(theta, se, group_df, level, bounds[:, 0], bounds[:, 1], index_ci)
    group_n = group_n.reshape(-1)
    estimates: list[Estimate] = []
    for gi, g in enumerate(group_names):
        for d, lab in enumerate(doms.labels):
            i = gi * n_dom + d
            dfv = float(group_df[i])
            value = float(theta[i])
            estimates.append(
                Estimate(
                    variable=g,
                    domain=dict(lab),
                    statistic=rule.group_statistic,
                    estimate=value,
                    se=float(se[i]),
                    ci_low=float(low[i]),
                    ci_high=float(high[i]),
                    level=level,
                    ci_method=f"{index_ci}-normal" if math.isinf(dfv) else f"{index_ci}-t",
                    df=None if math.isinf(dfv) else dfv,
                    n=int(group_n[i]),
                    cv=float(se[i]) / abs(value) if value != 0 else None,
                )
            )
    group_set = EstimateSet(
        design=design.summary(),
        estimates=apply_rule(estimates, publication),
        linearisation=lin,
        source_design=design,
    )
    return IndexResult(measure=rule.measure, criteria=crit_set, groups=group_set, dont_know=dk_counts)


def estimate_rule(
    design: Design,
    values: Mapping[str, npt.ArrayLike],
    rule: ScoringRule,
    *,
    by: Domains | Mapping[str, npt.ArrayLike] | None = None,
    index_ci: IndexInterval = "logit",
    level: float = 0.95,
    df: DfOption = "design",
    publication: str = "auto",
) -> IndexResult:
    """Criteria and group indices of ``rule`` from rows: ``values`` ``{criterion: value per row}`` (NaN =
    not valid: don't know or unanswered), already on the criterion's scale (rescaled to 0–1 for
    ``mean_score``)."""
    if not values:
        raise EstimationError("no criteria given")
    names = list(values)
    doms = as_domains(design, by)
    cols = [np.asarray(values[nm], dtype=np.float64) for nm in names]
    res = ratio_pass(design, cols, None, doms, kind="ratio")
    dom_safe = np.where(doms.codes >= 0, doms.codes, 0)
    in_dom = doms.codes >= 0
    dk_counts = tuple(
        DontKnowCount(
            criterion=nm,
            domain=dict(lab),
            count=0,
            valid=int(np.bincount(dom_safe, weights=~np.isnan(col) & in_dom, minlength=doms.count)[d]),
        )
        for nm, col in zip(names, cols, strict=True)
        for d, lab in enumerate(doms.labels)
    )
    group_n = np.zeros((len(rule.coefficients), doms.count), dtype=np.int64)
    for gi, coef in enumerate(rule.coefficients.values()):
        any_valid = np.zeros(design.n_rows, dtype=bool)
        for j in coef:
            any_valid |= ~np.isnan(cols[names.index(j)])
        group_n[gi] = np.bincount(dom_safe, weights=any_valid & in_dom, minlength=doms.count)
    return rule_from_pass(
        design,
        names,
        rule,
        res,
        doms,
        dk_counts,
        group_n,
        index_ci=index_ci,
        df=df,
        level=level,
        publication=publication,
    )


def estimate_rule_from_cells(
    cells: CellSums | StackedCells,
    criteria: Sequence[str],
    rule: ScoringRule,
    *,
    index_ci: IndexInterval = "logit",
    level: float = 0.95,
    df: DfOption = "design",
    publication: str = "auto",
    lonely_psu: LonelyPSU = "adjust",
) -> IndexResult:
    """Criteria and group indices of ``rule`` from cell sums (:mod:`sampling.cells`): ``cells.top`` holds
    Σ w·v per criterion (rescaled with :func:`rescale_cells` for ``mean_score``), ``cells.group_rows`` one
    column per group of ``rule.coefficients``, in order."""
    names = list(criteria)
    if not math.isfinite(level) or not 0 < level < 1:
        raise EstimationError("level must be between 0 and 1")
    n_groups = len(rule.coefficients)
    summary = None
    if isinstance(cells, StackedCells):
        pooled = pooled_pass(cells, lonely_psu)
        if pooled.ratios.estimate.shape[0] != len(names) or pooled.group_rows.shape[0] != n_groups:
            raise EstimationError(f"stacked cells must hold {len(names)} criteria and {n_groups} groups")
        design, doms, res, summary = pooled.design, pooled.domains, pooled.ratios, pooled.summary
        counts, dk, group_n = res.n, pooled.dont_know, pooled.group_rows
    else:
        design, doms, res, counts, dk, group_n = cell_pass(cells, len(names), n_groups, lonely_psu)
    dk_counts = tuple(
        DontKnowCount(criterion=nm, domain=dict(lab), count=int(dk[j, d]), valid=int(counts[j, d]))
        for j, nm in enumerate(names)
        for d, lab in enumerate(doms.labels)
    )
    result = rule_from_pass(
        design,
        names,
        rule,
        res,
        doms,
        dk_counts,
        group_n,
        index_ci=index_ci,
        df=df,
        level=level,
        publication=publication,
    )
    return result if summary is None else with_summary(result, summary)
