"""SIPAS satisfaction indices: criterion, element/part and overall indices with joint-linearisation SEs.

Rules (docs/sipas.md §5, labelled in every output):

* Criterion index p_j = weighted share of answers in the ``top`` set (4 or 5 on the 5-point scale) among
  valid answers; "don't know / not applicable" codes (``dont_know``, and NaN) are excluded from that
  criterion's denominator and counted (UN SDG 16.6.2 rule).
* A group index (element, part) is the unweighted mean of its criteria, (1/m) Σ_j p_j; the overall index is
  the mean of all criteria. Each p_j is a ratio estimator with its own denominator, so the group index is a
  linear combination of ratio estimators: its linearised variable is (1/m) Σ_j z_jk with
  z_jk = w_k δ_jk (y_jk − p̂_j)/Σ_k w_k δ_jk (Binder 1983), and its SE comes from the joint linearisation —
  never from treating criteria as independent.
* Alternative ``measure="mean-score"``: each answer mapped to 0–100 (lowest point → 0, highest → 100, as
  GOV.UK-style reporting), criterion = mean score, group = mean of its criteria.

Indices are reported as percentages (top-two-box) or 0–100 scores. Publication rules are applied on the
0–1 scale (NCHS 2017 for top-two-box shares and indices). The df of a group is the smallest df among its
criteria in the domain (conservative).

Intervals (``index_ci``): an index is a share or a mean of shares (or a mean of 0–100 scores), so it lies in
[0, 100]. The default ``"logit"`` interval is computed on the logit scale of p = index/100 by the delta
method through the index's own linearisation, expit(logit p ± q·SE(p)/(p(1 − p))), and stays inside
[0, 100]; ``"wald"`` gives p ± q·SE. q is the same in both: t on the group's df, or the normal. Labels:
``"logit-t"``/``"logit-normal"`` and ``"wald-t"``/``"wald-normal"``. Criterion shares keep their own
``ci`` (R's ``svyciprop`` methods); criterion mean scores follow ``index_ci``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from sampling.design import Design
from sampling.errors import EstimationError
from sampling.estimators import DfOption, Domains, RatioPass, as_domains, estimate_set, ratio_pass, resolve_df
from sampling.intervals import logit_interval, wald_interval
from sampling.publication import apply_rule
from sampling.results import DontKnowCount, Estimate, EstimateSet, IndexResult
from sampling.variance import domain_coefficients, variances

__all__ = ["INDEX_INTERVALS", "IndexInterval", "IndexMeasure", "criterion_indicators", "estimate_indices"]

FloatArray = npt.NDArray[np.float64]
IndexMeasure = Literal["top-two-box", "mean-score"]
MEASURE_LABELS = {"top-two-box": "top-two-box share, %", "mean-score": "mean score 0-100"}
IndexInterval = Literal["logit", "wald"]
INDEX_INTERVALS: tuple[IndexInterval, ...] = ("logit", "wald")


def criterion_indicators(
    answers: npt.ArrayLike,
    *,
    name: str = "criterion",
    top: Sequence[float] = (4, 5),
    dont_know: Sequence[float] = (0, 9),
    scale: Sequence[float] = (1, 2, 3, 4, 5),
    measure: IndexMeasure = "top-two-box",
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Per-row value (1/0 top-box indicator, or 0–100 score) with NaN for DK/missing, and the DK mask.

    Raises
    ------
    EstimationError
        An answer that is neither on the scale nor a don't-know code (names the row).
    """
    a = np.asarray(answers, dtype=np.float64)
    points = np.asarray(scale, dtype=np.float64)
    dk = np.isin(a, np.asarray(dont_know, dtype=np.float64))
    on_scale = np.isin(a, points)
    bad = ~(on_scale | dk | np.isnan(a))
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise EstimationError(f"criterion {name!r}: answer {a[row - 1]:g} at row {row} is not on the scale")
    if measure == "top-two-box":
        value = np.isin(a, np.asarray(top, dtype=np.float64)).astype(np.float64)
    elif measure == "mean-score":
        lo, hi = float(points.min()), float(points.max())
        value = (a - lo) / (hi - lo) * 100.0
    else:
        raise EstimationError(f"unknown index measure {measure!r}")
    return np.where(on_scale, value, np.nan), dk


def estimate_indices(
    design: Design,
    criteria: Mapping[str, npt.ArrayLike],
    groups: Mapping[str, Sequence[str]],
    *,
    by: Domains | Mapping[str, npt.ArrayLike] | None = None,
    measure: IndexMeasure = "top-two-box",
    top: Sequence[float] = (4, 5),
    dont_know: Sequence[float] = (0, 9),
    scale: Sequence[float] = (1, 2, 3, 4, 5),
    overall: str | None = "SIPAS",
    ci: str = "logit",
    index_ci: IndexInterval = "logit",
    level: float = 0.95,
    df: DfOption = "design",
    rule: str = "auto",
) -> IndexResult:
    """Criterion, group (element/part) and overall indices in every domain, in one pass.

    Parameters
    ----------
    design
        The survey design.
    criteria
        ``{criterion: answers}`` (codes on ``scale``, DK codes, or NaN).
    groups
        ``{element: [criterion, …]}``; parts can be given as further groups.
    by
        Domain columns (e.g. agency).
    measure
        ``"top-two-box"`` (default, %) or ``"mean-score"`` (0–100).
    top, dont_know, scale
        Answer codes counted as satisfied, excluded as don't know, and the scale's points.
    overall
        Name of the all-criteria index (None: not computed).
    ci
        Interval of the criterion shares (R's ``svyciprop`` methods).
    index_ci
        Interval of the element, part and overall indices and of criterion mean scores: ``"logit"``
        (default, inside [0, 100]) or ``"wald"`` (module docstring).
    level, df, rule
        Confidence level, degrees of freedom option, publication rule (see :mod:`sampling.publication`).
    """
    if not criteria:
        raise EstimationError("no criteria given")
    names = list(criteria)
    index_of = {nm: i for i, nm in enumerate(names)}
    group_items = dict(groups)
    if overall is not None:
        group_items[overall] = names
    for g, members in group_items.items():
        if not members:
            raise EstimationError(f"group {g!r} has no criteria")
        for m in members:
            if m not in index_of:
                raise EstimationError(f"group {g!r} refers to unknown criterion {m!r}")
    doms = as_domains(design, by)
    n_dom = doms.count
    dom_safe = np.where(doms.codes >= 0, doms.codes, 0)
    in_dom = doms.codes >= 0

    cols: list[FloatArray] = []
    dk_counts: list[DontKnowCount] = []
    for nm in names:
        values, dk = criterion_indicators(
            criteria[nm], name=nm, top=top, dont_know=dont_know, scale=scale, measure=measure
        )
        cols.append(values)
        dk_by = np.bincount(dom_safe, weights=dk & in_dom, minlength=n_dom)
        valid_by = np.bincount(dom_safe, weights=~np.isnan(values) & in_dom, minlength=n_dom)
        dk_counts.extend(
            DontKnowCount(criterion=nm, domain=dict(lab), count=int(dk_by[d]), valid=int(valid_by[d]))
            for d, lab in enumerate(doms.labels)
        )

    res = ratio_pass(design, cols, None, doms, kind="ratio")
    group_n = np.zeros((len(group_items), n_dom), dtype=np.int64)
    for gi, members in enumerate(group_items.values()):
        any_valid = np.zeros(design.n_rows, dtype=bool)
        for m in members:
            any_valid |= ~np.isnan(cols[index_of[m]])
        group_n[gi] = np.bincount(dom_safe, weights=any_valid & in_dom, minlength=n_dom)
    return indices_from_pass(
        design,
        names,
        group_items,
        res,
        doms,
        tuple(dk_counts),
        group_n,
        measure=measure,
        ci=ci,
        index_ci=index_ci,
        df=df,
        level=level,
        rule=rule,
    )


def indices_from_pass(
    design: Design,
    names: Sequence[str],
    group_items: Mapping[str, Sequence[str]],
    res: RatioPass,
    doms: Domains,
    dk_counts: tuple[DontKnowCount, ...],
    group_n: npt.NDArray[np.int64],
    *,
    measure: IndexMeasure,
    ci: str,
    index_ci: IndexInterval,
    df: DfOption,
    level: float,
    rule: str,
) -> IndexResult:
    """Criterion sets and group indices from one ratio pass (shared by rows and cell sums)."""
    if index_ci not in INDEX_INTERVALS:
        raise EstimationError(f"unknown index interval {index_ci!r}; use one of {', '.join(INDEX_INTERVALS)}")
    n_dom = doms.count
    index_of = {nm: i for i, nm in enumerate(names)}
    factor = 100.0 if measure == "top-two-box" else 1.0
    statistic = "proportion" if measure == "top-two-box" else "mean"
    crit_set = estimate_set(
        design,
        names,
        res,
        doms,
        statistic=statistic,
        ci=ci if statistic == "proportion" else "wald",
        df=df,
        level=level,
        rule=rule,
    )
    if factor != 1.0:
        crit_set = dataclasses.replace(
            crit_set,
            estimates=tuple(_scaled(e, factor) for e in crit_set.estimates),
            linearisation=res.linearisation.scaled(factor),
        )
    elif index_ci == "logit":
        # Mean scores 0–100: the same bounded interval as the group indices, on score/100.
        crit_set = dataclasses.replace(
            crit_set, estimates=tuple(_with_logit_interval(e, 100.0) for e in crit_set.estimates)
        )

    # Group indices: columns (g, d) of C hold 1/m_g on criterion j's column j·D + d.
    group_names = list(group_items)
    # Sparse: a column uses only its domain's criteria, so the product with the unit totals stays as
    # sparse as they are (a dense C made it units × groups · domains, seconds for thousands of domains).
    c = domain_coefficients(
        [{index_of[m]: 1.0 / len(group_items[g]) for m in group_items[g]} for g in group_names],
        len(names),
        n_dom,
    )
    theta = c.T @ res.estimate.reshape(-1)
    lin = res.linearisation.combine(c)
    se = np.sqrt(variances(design, lin))
    crit_df = resolve_df(df, res.df)
    group_df = np.empty(len(group_names) * n_dom)
    for gi, g in enumerate(group_names):
        idx = [index_of[m] for m in group_items[g]]
        group_df[gi * n_dom : (gi + 1) * n_dom] = crit_df[idx].min(axis=0)
    group_n = group_n.reshape(-1)
    scale = 100.0 if measure == "mean-score" else 1.0  # the group's value as a share in [0, 1]
    if index_ci == "logit":
        low, high = logit_interval(theta / scale, se / scale, group_df, level)
        low, high = low * scale, high * scale
    else:
        low, high = wald_interval(theta, se, group_df, level)
    group_stat = "index" if measure == "top-two-box" else "mean-score"
    estimates: list[Estimate] = []
    for gi, g in enumerate(group_names):
        for d, lab in enumerate(doms.labels):
            i = gi * n_dom + d
            dfv = float(group_df[i])
            e = float(theta[i])
            estimates.append(
                Estimate(
                    variable=g,
                    domain=dict(lab),
                    statistic=group_stat,
                    estimate=e,
                    se=float(se[i]),
                    ci_low=float(low[i]),
                    ci_high=float(high[i]),
                    level=level,
                    ci_method=f"{index_ci}-normal" if math.isinf(dfv) else f"{index_ci}-t",
                    df=None if math.isinf(dfv) else dfv,
                    n=int(group_n[i]),
                    cv=float(se[i]) / abs(e) if e != 0 else None,
                )
            )
    flagged = apply_rule(estimates, rule)
    if factor != 1.0:
        flagged = tuple(_scaled(e, factor) for e in flagged)
    group_set = EstimateSet(
        design=design.summary(), estimates=flagged, linearisation=lin.scaled(factor), source_design=design
    )
    return IndexResult(
        measure=MEASURE_LABELS[measure], criteria=crit_set, groups=group_set, dont_know=dk_counts
    )


def _with_logit_interval(e: Estimate, scale: float) -> Estimate:
    """A Wald-t estimate on a 0–``scale`` range given the logit interval of e/scale instead."""
    low, high = logit_interval(e.estimate / scale, e.se / scale, math.inf if e.df is None else e.df, e.level)
    return dataclasses.replace(
        e,
        ci_low=float(low) * scale,
        ci_high=float(high) * scale,
        ci_method="logit-normal" if e.df is None else "logit-t",
    )


def _scaled(e: Estimate, factor: float) -> Estimate:
    """The same estimate on a percentage scale (flags were decided on the 0–1 scale)."""
    return dataclasses.replace(
        e,
        estimate=e.estimate * factor,
        se=e.se * factor,
        ci_low=e.ci_low * factor,
        ci_high=e.ci_high * factor,
    )
