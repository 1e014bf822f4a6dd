"""Quantiles on replicate-weight designs, as R's ``svyquantile.svyrep.design`` (survey ≥ 4.1).

For each domain (the design restricted to its rows, as R's ``subset`` of a replicate design, so its
degrees of freedom are the rank of its replicate weights − 1) and probability p:

1. q̂ = Q(p) with the quantile rule on the full-sample weights (:func:`sampling.quantiles.weighted_quantile`,
   ``qrule="math"`` or ``"hf7"``).
2. ``interval="mean"`` (R's default, Woodruff): p̂ = replicate mean of 1[x ≤ q̂], its replicate SE,
   [L, U] = p̂ ± t_df·SE (``"beta"``: the Korn–Graubard interval of p̂ instead), and [Q(L), Q(U)] (NaN
   when L < 0 or U > 1).
   ``interval="quantile"`` (R's ``"quantile"``, ``survey:::repCI``): the quantile of every replicate's
   weights, V̂ = scale Σ rscale_r (q̂_r − q̄)² (centred on q̂ when the design's ``mse``), and q̂ ± t_df·√V̂.
3. SE(q̂) = (U − L) / (2 t_df).

``na_rm`` drops the rows where the variable is missing first (R's ``na.rm=TRUE``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from sampling.errors import EstimationError
from sampling.intervals import quantile as critical_value
from sampling.quantiles import QuantileRule, weighted_quantile, woodruff_p_interval
from sampling.replicates import ReplicateDesign, replicate_variance
from sampling.results import Estimate

__all__ = ["REPLICATE_QUANTILE_INTERVALS", "estimate_replicate_quantiles"]

FloatArray = npt.NDArray[np.float64]
ReplicateQuantileInterval = Literal["mean", "beta", "quantile"]
REPLICATE_QUANTILE_INTERVALS: tuple[ReplicateQuantileInterval, ...] = ("mean", "beta", "quantile")
_METHODS = {"mean": "woodruff", "beta": "woodruff-beta", "quantile": "replicate"}


def _quantile(x: FloatArray, w: FloatArray, p: float, qrule: QuantileRule) -> float:
    keep = w != 0  # R's qrules drop zero weights
    xs, ws = x[keep], w[keep]
    order = np.argsort(xs, kind="stable")
    cum = np.cumsum(ws[order].astype(np.longdouble))
    # R's sum(w) adds in row order in long double; a share that ties exactly (bootstrap multiplicities
    # of equal weights) is decided as R decides it only with the same rounding.
    total = float(np.cumsum(ws.astype(np.longdouble))[-1]) if ws.size else 0.0
    return weighted_quantile(xs[order], cum.astype(np.float64), total, p, qrule)


def _one(
    design: ReplicateDesign,
    x: FloatArray,
    p: float,
    *,
    qrule: QuantileRule,
    interval: ReplicateQuantileInterval,
    level: float,
    df: float | None,
) -> tuple[float, float, float, float, float]:
    """(q̂, L, U, SE, df) of quantile ``p`` of ``x`` on ``design`` (its rows are the domain's)."""
    w = design.weights
    dfv = float(design.df) if df is None else float(df)
    crit = float(critical_value(level, None if math.isinf(dfv) else np.array([dfv]))[0])
    qhat = _quantile(x, w, p, qrule)
    if interval == "quantile":
        reps = np.array(
            [_quantile(x, design.replicate_weights[:, r], p, qrule) for r in range(design.n_replicates)]
        )
        var = float(replicate_variance(reps, np.array([qhat]), design.scale, design.rscales, design.mse)[0])
        lo, hi = qhat - crit * math.sqrt(var), qhat + crit * math.sqrt(var)
    else:
        share = design.mean((x <= qhat).astype(np.float64))
        low_p, high_p = woodruff_p_interval(
            share.estimate[0],
            share.se[0],
            np.array([dfv]),
            np.array([float(x.size)]),
            np.array([crit]),
            interval,
            level,
        )
        lo = math.nan if not low_p[0] >= 0 else _quantile(x, w, float(low_p[0]), qrule)
        hi = math.nan if not high_p[0] <= 1 else _quantile(x, w, float(high_p[0]), qrule)
    return qhat, lo, hi, (hi - lo) / (2.0 * crit), dfv


def estimate_replicate_quantiles(
    design: ReplicateDesign,
    variables: Mapping[str, npt.ArrayLike],
    quantiles: Sequence[float] = (0.5,),
    *,
    domain: npt.ArrayLike | None = None,
    qrule: QuantileRule = "math",
    interval: ReplicateQuantileInterval = "mean",
    level: float = 0.95,
    df: float | None = None,
    na_rm: bool = False,
) -> list[Estimate]:
    """Quantiles of every variable (per domain, in sorted order) with their intervals (module docstring).

    The estimate's ``variable`` is ``"NAME@p"``, ``domain`` ``{"domain": level}`` when ``domain`` is given,
    ``ci_method`` ``woodruff``, ``woodruff-beta`` or ``replicate``; ``df`` defaults to the domain's
    replicate degrees of freedom (``math.inf``: the normal quantile).
    """
    if interval not in REPLICATE_QUANTILE_INTERVALS:
        raise EstimationError(
            f"unknown quantile interval {interval!r}; use one of {', '.join(REPLICATE_QUANTILE_INTERVALS)}"
        )
    for p in quantiles:
        if not 0.0 <= p <= 1.0:
            raise EstimationError(f"quantile probabilities must be in [0, 1], got {p}")
    n = design.weights.size
    labels: list[object] = [None]
    dom = None
    if domain is not None:
        dom = np.asarray(domain)
        if dom.shape != (n,):
            raise EstimationError("domain must have one value per row")
        labels = [v.item() if isinstance(v, np.generic) else v for v in np.unique(dom).tolist()]
    out: list[Estimate] = []
    for name, values in variables.items():
        x = np.asarray(values, dtype=np.float64)
        if x.shape != (n,):
            raise EstimationError(f"variable {name!r} has shape {x.shape}, expected ({n},)")
        missing = np.isnan(x)
        if missing.any() and not na_rm:
            raise EstimationError(f"variable {name!r} has missing values (use na_rm)")
        for label in labels:
            rows = ~missing if dom is None else (~missing & (dom == label))
            if not rows.any():
                continue
            sub = design.subset(rows)
            for p in quantiles:
                qhat, lo, hi, se, dfv = _one(
                    sub, x[rows], p, qrule=qrule, interval=interval, level=level, df=df
                )
                out.append(
                    Estimate(
                        variable=f"{name}@{p:g}",
                        domain={} if label is None else {"domain": str(label)},
                        statistic="quantile",
                        estimate=qhat,
                        se=se,
                        ci_low=lo,
                        ci_high=hi,
                        level=level,
                        ci_method=_METHODS[interval],
                        df=None if math.isinf(dfv) else dfv,
                        n=int(rows.sum()),
                        cv=se / abs(qhat) if qhat != 0 else None,
                    )
                )
    return out
