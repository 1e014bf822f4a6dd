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

The indicator columns of every domain are estimated in one :func:`sampling.estimators.ratio_pass`; the
sorting is per domain (quantiles are not on the benchmark path).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from sampling.design import Design
from sampling.errors import EstimationError
from sampling.estimators import DfOption, Domains, as_domains, ratio_pass, resolve_df
from sampling.intervals import quantile as critical_value
from sampling.publication import apply_rule
from sampling.results import Estimate, EstimateSet

__all__ = ["QUANTILE_RULES", "QuantileRule", "estimate_quantiles", "weighted_quantile"]

FloatArray = npt.NDArray[np.float64]
QuantileRule = Literal["math", "hf7"]
QUANTILE_RULES: tuple[QuantileRule, ...] = ("math", "hf7")


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
) -> EstimateSet:
    """Quantiles of every variable in every domain with Woodruff intervals (see module docstring).

    The estimate's ``variable`` is ``"NAME@p"`` (e.g. ``"api00@0.5"``), ``statistic`` ``"quantile"``,
    ``ci_method`` ``"woodruff"``. Missing values are excluded per variable (R's ``na.rm=TRUE``). ``qrule``
    is R's quantile rule, ``"math"`` (default) or ``"hf7"``, used for q̂ and for the interval's bounds.
    """
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
            low_p, high_p = p_hat - crit * se_p, p_hat + crit * se_p
            for d, label in enumerate(doms.labels):
                xs, cw, tot = per_domain[d]
                lo = math.nan if not low_p[d] >= 0 else weighted_quantile(xs, cw, tot, float(low_p[d]), qrule)
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
                        ci_method="woodruff",
                        df=None if math.isinf(dfv) else dfv,
                        n=int(res.n[0, d]),
                        cv=se / abs(float(qhat[d])) if qhat[d] != 0 else None,
                    )
                )
    return EstimateSet(design=design.summary(), estimates=apply_rule(estimates, rule), source_design=design)
