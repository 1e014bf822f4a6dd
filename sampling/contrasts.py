"""Covariances, linear combinations and differences of estimates from one joint linearisation.

The estimates of an :class:`~sampling.results.EstimateSet` share one linearisation (unit totals of z), so
their full covariance is that of the totals of z (Binder 1983) and a combination Σ c_k θ̂_k has the
linearised variable Σ c_k z_k (R's ``svycontrast``, and ``svyby(..., covmat=TRUE)`` for domains).
Domains of one design are correlated when they share PSUs; the covariance accounts for it.

A contrast's t statistic uses the whole design's degrees of freedom unless ``df`` is given (R's
``svycontrast`` gives no df; ``degf(design)`` is what ``confint``/``svyttest`` would use).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy import special

from sampling.design import Design
from sampling.errors import EstimationError
from sampling.expressions import evaluate, parse_expression
from sampling.intervals import wald_interval
from sampling.results import Estimate, EstimateSet
from sampling.variance import Linearisation, cross_covariance, variances
from sampling.variance import covariance as _covariance

__all__ = [
    "Contrast",
    "GapToMean",
    "combine_sets",
    "covariance",
    "difference",
    "gaps_to_mean",
    "linear_combination",
    "nonlinear_contrast",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Contrast:
    """A linear combination of estimates with its two-sided test of "= 0" (t on ``estimate.df``)."""

    estimate: Estimate
    coefficients: tuple[float, ...]
    t: float
    p_value: float


def _parts(result: EstimateSet) -> tuple[Linearisation, Design]:
    if result.linearisation is None or result.source_design is None:
        raise EstimationError("this result carries no linearisation; covariances are unavailable")
    return result.linearisation, result.source_design


def covariance(result: EstimateSet, indices: Sequence[int] | None = None) -> FloatArray:
    """Covariance matrix of the estimates (all, or those at ``indices``), from the joint linearisation."""
    lin, design = _parts(result)
    if indices is not None:
        lin = lin.select(list(indices))
    return _covariance(design, lin)


def combine_sets(*results: EstimateSet) -> EstimateSet:
    """One set holding the estimates of several sets from the same design (e.g. overall and by agency)."""
    if not results:
        raise EstimationError("nothing to combine")
    first_design = results[0].source_design
    lins = []
    for r in results:
        lin, design = _parts(r)
        if design is not first_design:
            raise EstimationError("estimates from different designs cannot be combined")
        lins.append(lin)
    totals = tuple(
        sp.csc_array(sp.hstack([lin.totals[s] for lin in lins], format="csc"))
        for s in range(len(lins[0].totals))
    )
    factor = np.concatenate([lin.average_factor for lin in lins])
    return EstimateSet(
        design=results[0].design,
        estimates=tuple(e for r in results for e in r.estimates),
        linearisation=Linearisation(totals=totals, average_factor=factor),
        source_design=first_design,
    )


def linear_combination(
    result: EstimateSet,
    coefficients: Mapping[int, float] | Sequence[float],
    *,
    label: str = "contrast",
    level: float = 0.95,
    df: float | None = None,
) -> Contrast:
    """Σ c_k θ̂_k with SE √(cᵀ V c) (R's ``svycontrast``); ``coefficients`` by position or as a vector.

    Parameters
    ----------
    result
        Estimates from one pass (or :func:`combine_sets`).
    coefficients
        ``{position: c}`` or a full vector of length K.
    label
        ``variable`` of the returned estimate.
    level
        Confidence level of the Wald interval.
    df
        Degrees of freedom (default: the design's df; ``math.inf`` for the normal).
    """
    _parts(result)  # no linearisation: a clear error before any arithmetic
    k = len(result.estimates)
    c = np.zeros(k)
    if isinstance(coefficients, Mapping):
        for i, v in coefficients.items():
            c[int(i)] = float(v)
    else:
        c = np.asarray(coefficients, dtype=np.float64)
        if c.shape != (k,):
            raise EstimationError(f"need {k} coefficients, got {c.shape[0]}")
    theta = np.array([e.estimate for e in result.estimates])
    return _contrast(result, c, float(c @ theta), label=label, level=level, df=df)


def nonlinear_contrast(
    result: EstimateSet,
    expression: str,
    names: Mapping[str, int],
    *,
    label: str | None = None,
    level: float = 0.95,
    df: float | None = None,
) -> Contrast:
    """f(θ̂) for an expression such as ``"log(a/b)"`` by the delta method (R's ``svycontrast`` with a
    ``quote()``d expression): the estimate is f at the estimates and the SE is √(gᵀ V g), g the gradient
    of f there, i.e. the linearised variable Σ g_k z_k. ``names`` maps each name of the expression to the
    position of its estimate in ``result``; the expression language is :mod:`sampling.expressions` (no
    Python is evaluated). ``coefficients`` of the result are the gradient."""
    parsed = parse_expression(expression)
    unknown = [n for n in parsed.names if n not in names]
    if unknown:
        raise EstimationError(
            f"unknown name(s) in the expression: {', '.join(unknown)}; known: {', '.join(names)}"
        )
    k = len(result.estimates)
    for n in parsed.names:
        if not 0 <= int(names[n]) < k:
            raise EstimationError(f"{n} points at estimate {names[n]}, outside 0..{k - 1}")
    values = {n: float(result.estimates[int(names[n])].estimate) for n in parsed.names}
    value, gradient = evaluate(parsed, values)
    c = np.zeros(k)
    for n, g in zip(parsed.names, gradient, strict=True):
        c[int(names[n])] += float(g)
    return _contrast(result, c, value, label=label or parsed.text, level=level, df=df)


def _contrast(
    result: EstimateSet, c: FloatArray, value: float, *, label: str, level: float, df: float | None
) -> Contrast:
    """A contrast of value ``value`` whose linearised variable is Σ c_k z_k."""
    lin, design = _parts(result)
    se = float(math.sqrt(max(variances(design, lin.combine(c))[0], 0.0)))
    dfv = float(result.design.df) if df is None else float(df)
    df_arg = None if math.isinf(dfv) else dfv
    low, high = wald_interval([value], [se], None if df_arg is None else [df_arg], level)
    t = value / se if se > 0 else math.nan
    if math.isnan(t):
        p = math.nan
    elif df_arg is None:
        p = float(2 * special.ndtr(-abs(t)))
    else:
        p = float(2 * special.stdtr(df_arg, -abs(t)))
    used = [result.estimates[i] for i in np.flatnonzero(c)]
    domain = (
        dict(used[0].domain) if used and all(dict(u.domain) == dict(used[0].domain) for u in used) else {}
    )
    est = Estimate(
        variable=label,
        domain=domain,
        statistic="contrast",
        estimate=value,
        se=se,
        ci_low=float(low[0]),
        ci_high=float(high[0]),
        level=level,
        ci_method="wald-normal" if df_arg is None else "wald-t",
        df=df_arg,
        n=max((u.n for u in used), default=0),
        cv=se / abs(value) if value != 0 else None,
    )
    return Contrast(estimate=est, coefficients=tuple(float(x) for x in c), t=t, p_value=p)


def difference(
    result: EstimateSet, first: int, second: int, *, level: float = 0.95, df: float | None = None
) -> Contrast:
    """θ̂_first − θ̂_second (e.g. agency vs agency, or this wave vs last) with its t test."""
    a, b = result.estimates[first], result.estimates[second]
    label = f"{a.variable}{_domain_text(a)} - {b.variable}{_domain_text(b)}"
    return linear_combination(result, {first: 1.0, second: -1.0}, label=label, level=level, df=df)


def _domain_text(e: Estimate) -> str:
    return "" if not e.domain else "[" + ",".join(f"{k}={v}" for k, v in e.domain.items()) + "]"


@dataclass(frozen=True)
class GapToMean:
    """One estimate against the unweighted mean of a set of estimates that includes it: the mean, and the
    difference estimate − mean (``estimate``, with its t test), as :func:`linear_combination` gives them."""

    mean: Estimate
    estimate: Estimate
    t: float
    p_value: float


def gaps_to_mean(
    result: EstimateSet,
    members: Sequence[int],
    targets: Sequence[int],
    *,
    label: str = "contrast",
    mean_label: str = "mean",
    level: float = 0.95,
    df: float | None = None,
) -> list[GapToMean]:
    """For each of ``targets``: the unweighted mean of ``members`` (with the target added when it is not
    one) and the target's difference to it, in one pass for all targets.

    The same figures as :func:`linear_combination` of the mean's and the gap's coefficients, target by
    target, but without a pass over every unit per target: with s = Σ_members z and the set's size m,
    Var(z_t − s/m) = V_tt − 2 Cov(z_t, s)/m + Var(s)/m², so the variances of the targets, their
    covariances with s (:func:`~sampling.variance.cross_covariance`) and Var(s) give all of them. The
    lonely-PSU ``"average"`` factor of a combination is the largest among the estimates it uses, as in
    :meth:`~sampling.variance.Linearisation.combine`.
    """
    lin, design = _parts(result)
    members = list(dict.fromkeys(int(i) for i in members))
    if not members or not targets:
        return []
    k = len(result.estimates)
    targets = [int(t) for t in targets]
    plain = Linearisation(totals=lin.totals, average_factor=np.ones(k))
    indicator = np.zeros(k)
    indicator[members] = 1.0
    total = plain.combine(indicator)
    total = Linearisation(totals=total.totals, average_factor=np.ones(1))
    v_s = float(variances(design, total)[0])
    chosen = plain.select(targets)
    v_t = variances(design, chosen)
    c_t = cross_covariance(design, chosen, total)[:, 0]
    theta = np.array([e.estimate for e in result.estimates])
    factor = lin.average_factor
    member_set = set(members)
    s_theta = float(theta[members].sum())
    s_factor = float(np.max(factor[members], initial=1.0))
    s_n = max(result.estimates[i].n for i in members)
    dfv = float(result.design.df) if df is None else float(df)
    df_arg = None if math.isinf(dfv) else dfv
    rows = []
    for j, t in enumerate(targets):
        inside = t in member_set
        m = len(members) + (0 if inside else 1)
        # The set's total with the target in it: s, or s + z_t.
        set_theta = s_theta if inside else s_theta + float(theta[t])
        var_set = v_s if inside else v_s + 2.0 * c_t[j] + v_t[j]
        cov_t_set = c_t[j] if inside else c_t[j] + v_t[j]
        a = max(s_factor, float(factor[t]))
        mean_var = a * var_set / m**2
        gap_var = a * (v_t[j] - 2.0 * cov_t_set / m + var_set / m**2)
        n = max(s_n, result.estimates[t].n)
        rows.append((set_theta / m, mean_var, float(theta[t]) - set_theta / m, gap_var, n))
    values = np.array([[r[0], r[2]] for r in rows])
    ses = np.sqrt(np.maximum(np.array([[r[1], r[3]] for r in rows]), 0.0))
    low, high = wald_interval(values.ravel(), ses.ravel(), None if df_arg is None else [df_arg], level)
    low, high = low.reshape(-1, 2), high.reshape(-1, 2)
    out = []
    for j, row in enumerate(rows):
        pair = []
        for c, name in ((0, mean_label), (1, label)):
            value, se = float(values[j, c]), float(ses[j, c])
            pair.append(
                Estimate(
                    variable=name,
                    domain={},
                    statistic="contrast",
                    estimate=value,
                    se=se,
                    ci_low=float(low[j, c]),
                    ci_high=float(high[j, c]),
                    level=level,
                    ci_method="wald-normal" if df_arg is None else "wald-t",
                    df=df_arg,
                    n=row[4],
                    cv=se / abs(value) if value != 0 else None,
                )
            )
        gap = pair[1]
        t_stat = gap.estimate / gap.se if gap.se > 0 else math.nan
        if math.isnan(t_stat):
            p = math.nan
        elif df_arg is None:
            p = float(2 * special.ndtr(-abs(t_stat)))
        else:
            p = float(2 * special.stdtr(df_arg, -abs(t_stat)))
        out.append(GapToMean(mean=pair[0], estimate=gap, t=t_stat, p_value=p))
    return out
