"""Quantiles with Woodruff intervals, as R's ``svyquantile`` (survey ≥ 4.1, ``qrule="math"`` or ``"hf7"``,
``interval.type="mean"``).

For each domain d and probability p (Woodruff 1952; Lumley, ``survey:::svyquantile.survey.design``,
``woodruffCI``, ``qrule_math``, ``qrule_hf7``):

1. q̂ by the quantile rule. ``"math"`` (default): the smallest sorted value x_(i) whose cumulative weight
   share reaches p (x_(pos) when the cumulative share at ``pos`` equals p exactly, else x_(pos+1), with pos
   the last index whose cumulative weight is ≤ p·Σw). ``"hf7"`` (Hyndman & Fan type 7, weighted as R): the
   sorted values placed at p_k = W_{k−1}/W_{n−1} (W_k the cumulative weight, W_0 = 0), so p_1 = 0 and
   p_n = 1, and q̂ the linear interpolation at p (with equal weights, R's ``quantile(type=7)``).
2. p̂ = design-based mean of 1[x ≤ q̂] in the domain, with its linearisation SE (zeroing convention).
3. [L, U] = p̂ ± t_df·SE (``interval.type="mean"``); the interval of q is [Q(L), Q(U)] with the same rule
   (NaN when L < 0 or U > 1), and SE(q̂) = (Q(U) − Q(L)) / (2 t_df).

``interval="beta"`` (R's ``interval.type="beta"``) takes [L, U] from the Korn–Graubard interval of p̂
(n* = p̂(1 − p̂)/V̂ · (t_{n−1}/t_df)², n the domain's rows), then [Q(L), Q(U)] as above.
``interval="score"`` (R's ``"score"``, Francisco & Fuller 1991, ``survey:::ffullerCI``) inverts the test of
the estimating function U(θ) = 1[x > θ] − (1 − p): θ_L and θ_U solve mean(U)/SE(mean U) = ±t_df
(Brent's method, as R's ``uniroot``, between min(x) + IQR/100 and max(x) − IQR/100 with tolerance
1/(100√n)), and the bounds are Q(share of the domain's rows with x ≤ θ) — R takes that share
unweighted, and so does sipas, to agree with it (docs/statistics.md).

The indicator columns of every domain are estimated in one :func:`sampling.estimators.ratio_pass`; the
sorting is per domain (quantiles are not on the benchmark path).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize

from sampling.design import Design
from sampling.errors import EstimationError
from sampling.estimators import DfOption, Domains, as_domains, ratio_pass, resolve_df
from sampling.intervals import proportion_interval
from sampling.intervals import quantile as critical_value
from sampling.publication import apply_rule
from sampling.results import Estimate, EstimateSet

__all__ = [
    "QUANTILE_INTERVALS",
    "QUANTILE_RULES",
    "QuantileInterval",
    "QuantileRule",
    "estimate_quantiles",
    "weighted_quantile",
    "woodruff_p_interval",
]

FloatArray = npt.NDArray[np.float64]
QuantileRule = Literal["math", "hf7"]
QUANTILE_RULES: tuple[QuantileRule, ...] = ("math", "hf7")
QuantileInterval = Literal["mean", "beta", "score"]
CI_METHODS = {"mean": "woodruff", "beta": "woodruff-beta", "score": "score"}
QUANTILE_INTERVALS: tuple[QuantileInterval, ...] = ("mean", "beta", "score")


def woodruff_p_interval(
    p_hat: FloatArray,
    se: FloatArray,
    df: FloatArray,
    n: FloatArray,
    crit: FloatArray,
    interval: str,
    level: float,
) -> tuple[FloatArray, FloatArray]:
    """[L, U] of the share p̂ = mean(1[x ≤ q̂]): p̂ ± t·SE (``mean``) or Korn–Graubard (``beta``)."""
    if interval == "beta":
        return proportion_interval(p_hat, se, df, n, "korn-graubard", level)
    return p_hat - crit * se, p_hat + crit * se


def _score_bounds(
    design: Design,
    x: FloatArray,
    doms: Any,
    d: int,
    p: float,
    crit: float,
    data: tuple[FloatArray, FloatArray, float],
    qrule: QuantileRule,
) -> tuple[float, float]:
    """The Francisco–Fuller bounds of quantile ``p`` in domain ``d`` (module docstring)."""
    rows = (doms.codes == d) & ~np.isnan(x) & (design.weights != 0)
    xd = x[rows]
    if xd.size < 2:
        return math.nan, math.nan
    q75, q25 = np.percentile(xd, [75.0, 25.0])  # R's IQR: type-7 quantiles of the rows
    lower_t, upper_t = float(xd.min() + (q75 - q25) / 100.0), float(xd.max() - (q75 - q25) / 100.0)
    tol = 1.0 / (100.0 * math.sqrt(xd.size))

    def z(theta: float) -> float:
        u = np.where(np.isnan(x), np.nan, (x > theta).astype(np.float64) - (1.0 - p))
        res = ratio_pass(design, [u], None, doms, kind="ratio")
        return float(res.estimate[0][d] / res.se[0][d])

    xs, cw, tot = data
    bounds = []
    for limit in (crit, -crit):
        try:
            theta = optimize.brentq(lambda t, c=limit: z(t) - c, lower_t, upper_t, xtol=tol, maxiter=1000)
        except (ValueError, RuntimeError):  # no sign change (R's uniroot stops): no interval
            return math.nan, math.nan
        share = float(np.mean(xd <= theta))  # unweighted, as R's ffullerCI
        bounds.append(weighted_quantile(xs, cw, tot, share, qrule))
    return bounds[0], bounds[1]


def weighted_quantile(
    sorted_x: FloatArray, cum_w: FloatArray, total: float, p: float, qrule: QuantileRule = "math"
) -> float:
    """R's ``qrule_math`` (or ``qrule_hf7``) on ascending values with cumulative weights ``cum_w`` (zero
    weights removed)."""
    if sorted_x.shape[0] == 0:
        return math.nan
    if qrule == "hf7":
        if sorted_x.shape[0] == 1:
            return float(sorted_x[0])
        # R: pk <- c(0, cumw[-n]) / cumw[n - 1]; approx(pk, x, p, rule = 2).
        pk = np.concatenate(([0.0], cum_w[:-1])) / cum_w[-2]
        return float(np.interp(p, pk, sorted_x))
    target = p * total
    below = np.flatnonzero(cum_w <= target)
    pos = int(below[-1]) if below.size else 0  # R's last(): 1 (here 0) when nothing qualifies
    nxt = pos if pos == sorted_x.shape[0] - 1 else pos + 1
    w_low = p - cum_w[pos] / total
    return float(sorted_x[pos] if w_low == 0 else sorted_x[nxt])


def estimate_quantiles(
    design: Design,
    variables: Mapping[str, npt.ArrayLike],
    quantiles: Sequence[float] = (0.5,),
    *,
    by: Domains | Mapping[str, npt.ArrayLike] | None = None,
    level: float = 0.95,
    df: DfOption = "design",
    rule: str = "none",
    qrule: QuantileRule = "math",
    interval: QuantileInterval = "mean",
) -> EstimateSet:
    """Quantiles of every variable in every domain with Woodruff intervals (see module docstring).

    The estimate's ``variable`` is ``"NAME@p"`` (e.g. ``"api00@0.5"``), ``statistic`` ``"quantile"``,
    ``ci_method`` ``"woodruff"``. Missing values are excluded per variable (R's ``na.rm=TRUE``). ``qrule``
    is R's quantile rule, ``"math"`` (default) or ``"hf7"``, used for q̂ and for the interval's bounds;
    ``interval`` R's ``interval.type``: ``"mean"`` (Woodruff, default), ``"beta"`` or ``"score"``
    (``ci_method`` ``woodruff``, ``woodruff-beta``, ``score``).
    """
    if interval not in QUANTILE_INTERVALS:
        raise EstimationError(
            f"unknown quantile interval {interval!r}; use one of {', '.join(QUANTILE_INTERVALS)}"
        )
    if qrule not in QUANTILE_RULES:
        raise EstimationError(f"unknown quantile rule {qrule!r}; use one of {', '.join(QUANTILE_RULES)}")
    for p in quantiles:
        if not 0.0 <= p <= 1.0:
            raise EstimationError(f"quantile probabilities must be in [0, 1], got {p}")
    doms = as_domains(design, by)
    w = design.weights
    codes = doms.codes
    estimates: list[Estimate] = []
    for name, values in variables.items():
        x = np.asarray(values, dtype=np.float64)
        if x.shape != (design.n_rows,):
            raise EstimationError(f"variable {name!r} has shape {x.shape}, expected ({design.n_rows},)")
        use = (codes >= 0) & ~np.isnan(x) & (w != 0)
        order = np.lexsort((x, codes))
        order = order[use[order]]
        dom_sorted = codes[order]
        starts = np.searchsorted(dom_sorted, np.arange(doms.count), side="left")
        ends = np.searchsorted(dom_sorted, np.arange(doms.count), side="right")
        per_domain = []
        for d in range(doms.count):
            idx = order[starts[d] : ends[d]]
            xs = x[idx]
            # R's cumsum and sum accumulate in long double; ties such as "cumulative share exactly p"
            # (equal weights) are decided the same way only if we do too.
            cw_long = np.cumsum(w[idx].astype(np.longdouble))
            total = float(cw_long[-1]) if cw_long.size else 0.0
            per_domain.append((xs, cw_long.astype(np.float64), total))
        for p in quantiles:
            qhat = np.array([weighted_quantile(xs, cw, tot, p, qrule) for xs, cw, tot in per_domain])
            # Indicator 1[x ≤ q̂_d] for rows of domain d (NaN where x is missing): one pass for all domains.
            q_row = qhat[np.where(codes >= 0, codes, 0)]
            indicator = np.where(np.isnan(x), np.nan, (x <= q_row).astype(np.float64))
            res = ratio_pass(design, [indicator], None, doms, kind="ratio")
            dfs = resolve_df(df, res.df)[0]
            crit = critical_value(level, dfs)
            p_hat, se_p = res.estimate[0], res.se[0]
            low_p, high_p = woodruff_p_interval(
                p_hat, se_p, dfs, res.n[0].astype(np.float64), crit, interval, level
            )
            for d, label in enumerate(doms.labels):
                xs, cw, tot = per_domain[d]
                if interval == "score":
                    lo, hi = _score_bounds(design, x, doms, d, p, float(crit[d]), per_domain[d], qrule)
                else:
                    lo = (
                        math.nan
                        if not low_p[d] >= 0
                        else weighted_quantile(xs, cw, tot, float(low_p[d]), qrule)
                    )
                    hi = (
                        math.nan
                        if not high_p[d] <= 1
                        else weighted_quantile(xs, cw, tot, float(high_p[d]), qrule)
                    )
                se = (hi - lo) / (2.0 * float(crit[d]))
                dfv = float(dfs[d])
                estimates.append(
                    Estimate(
                        variable=f"{name}@{p:g}",
                        domain=dict(label),
                        statistic="quantile",
                        estimate=float(qhat[d]),
                        se=se,
                        ci_low=lo,
                        ci_high=hi,
                        level=level,
                        ci_method=CI_METHODS[interval],
                        df=None if math.isinf(dfv) else dfv,
                        n=int(res.n[0, d]),
                        cv=se / abs(float(qhat[d])) if qhat[d] != 0 else None,
                    )
                )
    return EstimateSet(design=design.summary(), estimates=apply_rule(estimates, rule), source_design=design)
