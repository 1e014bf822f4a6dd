"""Confidence intervals, vectorised over many estimates, with R's ``survey::svyciprop`` formulas.

All functions take arrays (one entry per estimate) and return ``(low, high)`` arrays. ``df=None`` or an
infinite df means the normal quantile; otherwise the t quantile on ``df`` degrees of freedom (R's
``svyciprop`` uses ``df = degf(design)``, the domain's df for ``svyby``).

Proportion methods (p̂ and V̂ from the Hájek mean; Lumley, ``survey:::svyciprop``, survey 4.1):

* ``"logit"``: expit(logit p̂ ± t·SE/(p̂(1 − p̂))). R fits ``svyglm(y ~ 1, family=quasibinomial)``; for an
  intercept-only model the sandwich SE of the intercept is exactly SE(p̂)/(p̂(1 − p̂)), so ``"xlogit"`` (delta
  method via ``svycontrast``) is the same interval.
* ``"korn-graubard"`` (R's ``"beta"``; Korn & Graubard 1998): n* = p̂(1 − p̂)/V̂ · (t_{n−1}/t_df)²,
  [Beta⁻¹(α/2; n*p̂, n*(1 − p̂) + 1), Beta⁻¹(1 − α/2; n*p̂ + 1, n*(1 − p̂))], n = rows in the domain.
* ``"asin"``: sin²(asin √p̂ ± t·SE/(2√(p̂(1 − p̂)))) — R folds at 0 (no truncation), so do we.
* ``"mean"``: p̂ ± t·SE (Wald). ``"wilson"``: Wilson's score interval on n* = p̂(1 − p̂)/V̂ with the t
  quantile (not in R's svyciprop; Kott & Carr 1997 style).

Deliberate difference from R: when V̂ = 0 (p̂ = 0 or 1, or a degenerate design) R's ``beta`` returns NaN;
we take n* = n (NCHS 2017 practice), which gives the Clopper–Pearson interval on the domain's rows.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

# scipy.special, not scipy.stats: the same functions (stats.t.ppf is special.stdtrit, stats.beta.ppf is
# special.betaincinv) without the ~1 s import of scipy.stats, which the CLI would pay on every run.
from scipy import special

from sampling.errors import EstimationError

__all__ = [
    "PROPORTION_METHODS",
    "CIMethod",
    "korn_graubard_effective_n",
    "logit_interval",
    "proportion_interval",
    "quantile",
    "wald_interval",
]

FloatArray = npt.NDArray[np.float64]
CIMethod = Literal["wald", "logit", "xlogit", "korn-graubard", "beta", "wilson", "asin", "mean"]
PROPORTION_METHODS: tuple[str, ...] = (
    "logit",
    "xlogit",
    "korn-graubard",
    "beta",
    "wilson",
    "asin",
    "mean",
    "wald",
)


def _arr(x: npt.ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def quantile(level: float, df: npt.ArrayLike | None) -> FloatArray:
    """Two-sided critical value: t_{df, 1−α/2}, or z_{1−α/2} where df is None/inf."""
    if not 0.0 < level < 1.0:
        raise EstimationError(f"level must be between 0 and 1, got {level}")
    p = 1.0 - (1.0 - level) / 2.0
    if df is None:
        return np.asarray(special.ndtri(p), dtype=np.float64)
    d = _arr(df)
    with np.errstate(invalid="ignore"):
        q = np.where(
            np.isinf(d), special.ndtri(p), special.stdtrit(np.where(np.isinf(d) | (d <= 0), 1.0, d), p)
        )
    # df ≤ 0 (a domain in one PSU): no interval can be given.
    return np.asarray(np.where(d <= 0, np.nan, q), dtype=np.float64)


def wald_interval(
    estimate: npt.ArrayLike, se: npt.ArrayLike, df: npt.ArrayLike | None, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """θ̂ ± q·SE with q from t(df) or the normal (R's ``confint(..., df=)``)."""
    est, s = _arr(estimate), _arr(se)
    q = quantile(level, df)
    return est - q * s, est + q * s


def logit_interval(
    p: npt.ArrayLike, se: npt.ArrayLike, df: npt.ArrayLike | None, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """expit(logit p̂ ± q·SE/(p̂(1 − p̂))) for p̂ on the 0–1 scale, q from t(df) or the normal.

    The delta method on the logit scale: SE(logit p̂) = SE(p̂)/(p̂(1 − p̂)). Both bounds lie in [0, 1]
    whatever the SE. Where the logit is undefined (p̂ = 0 or 1) or the SE is 0 the interval is [p̂, p̂]:
    with every valid answer in (or out of) the top set the linearised values are all zero, so the design
    shows no variation, as the Wald interval says too (the publication rules judge such an estimate).
    """
    pp, s = _arr(p), _arr(se)
    q = quantile(level, df)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        degenerate = (pp <= 0) | (pp >= 1) | (s == 0)
        centre = np.log(pp / (1.0 - pp))
        half = q * s / (pp * (1.0 - pp))
        low = 1.0 / (1.0 + np.exp(-(centre - half)))
        high = 1.0 / (1.0 + np.exp(-(centre + half)))
    low = np.where(degenerate, pp, low)
    high = np.where(degenerate, pp, high)
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)


def korn_graubard_effective_n(
    p: npt.ArrayLike, se: npt.ArrayLike, df: npt.ArrayLike | None, n: npt.ArrayLike, level: float = 0.95
) -> FloatArray:
    """n* = p̂(1 − p̂)/V̂ · (t_{n−1,α/2}/t_{df,α/2})² (R's ``svyciprop(method="beta")``); n when V̂ = 0."""
    pp, s, nn = _arr(p), _arr(se), _arr(n)
    var = s * s
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(var > 0, pp * (1.0 - pp) / var, nn)
        ratio = quantile(level, nn - 1.0) / quantile(level, df)
    return np.asarray(n_eff * ratio * ratio, dtype=np.float64)


def _beta_ppf(q: float, a: FloatArray, b: FloatArray) -> FloatArray:
    # Beta with a zero shape is a point mass (R's qbeta gives 0 or 1); scipy returns NaN there.
    with np.errstate(invalid="ignore", divide="ignore"):
        safe_a = np.where(a > 0, a, 1.0)
        safe_b = np.where(b > 0, b, 1.0)
        out = special.betaincinv(safe_a, safe_b, q)
    out = np.where(a <= 0, 0.0, out)
    out = np.where((b <= 0) & (a > 0), 1.0, out)
    return np.asarray(out, dtype=np.float64)


def proportion_interval(
    p: npt.ArrayLike,
    se: npt.ArrayLike,
    df: npt.ArrayLike | None,
    n: npt.ArrayLike,
    method: str = "logit",
    level: float = 0.95,
) -> tuple[FloatArray, FloatArray]:
    """Interval for proportions p̂ with standard errors ``se`` (see module docstring for formulas).

    Parameters
    ----------
    p, se
        Estimated proportions and their standard errors.
    df
        Degrees of freedom (None: normal quantile).
    n
        Rows in each domain (used by Korn–Graubard and as n* when V̂ = 0).
    method
        ``"logit"``, ``"xlogit"``, ``"korn-graubard"`` (alias ``"beta"``), ``"wilson"``, ``"asin"``,
        ``"mean"`` (alias ``"wald"``).
    level
        Confidence level.
    """
    pp, s, nn = _arr(p), _arr(se), _arr(n)
    alpha = 1.0 - level
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if method in ("logit", "xlogit"):
            # p̂ = 0 or 1: the logit scale is degenerate; the interval collapses onto p̂ as in R.
            low, high = logit_interval(pp, s, df, level)
        elif method in ("korn-graubard", "beta"):
            n_star = korn_graubard_effective_n(pp, s, df, nn, level)
            low = _beta_ppf(alpha / 2.0, n_star * pp, n_star * (1.0 - pp) + 1.0)
            high = _beta_ppf(1.0 - alpha / 2.0, n_star * pp + 1.0, n_star * (1.0 - pp))
            # Beyond n* ~ 1e12 (SE ~ 1e-6 of p̂) the beta inverse loses accuracy while the interval equals
            # the Wald one to far below display precision: use Wald there.
            huge = n_star > 1e12
            if np.any(huge):
                w_low, w_high = wald_interval(pp, s, df, level)
                low = np.where(huge, w_low, low)
                high = np.where(huge, w_high, high)
            # With n*·p̂ subnormal (p̂ ~ 1e-323) the beta inverse returns ~1e-12, just past p̂; an interval
            # contains its estimate, so clamp (elsewhere the bounds are far from p̂ and this changes nothing).
            low = np.minimum(low, pp)
            high = np.maximum(high, pp)
        elif method == "asin":
            q = quantile(level, df)
            centre = np.arcsin(np.sqrt(pp))
            # p̂ = 0 or 1: the delta method is undefined (R gives NaN); collapse onto p̂ as for logit.
            half = np.where((s > 0) & (pp > 0) & (pp < 1), q * s / (2.0 * np.sqrt(pp * (1.0 - pp))), 0.0)
            low = np.sin(centre - half) ** 2
            high = np.sin(centre + half) ** 2
        elif method in ("mean", "wald"):
            low, high = wald_interval(pp, s, df, level)
        elif method == "wilson":
            q = quantile(level, df)
            var = s * s
            # n* = 0 (p̂ = 0 or 1 with a positive SE) carries no information: fall back to n.
            n_star = np.where((var > 0) & (pp * (1.0 - pp) > 0), pp * (1.0 - pp) / var, nn)
            q2n = q * q / n_star
            centre = (pp + q2n / 2.0) / (1.0 + q2n)
            half = q / (1.0 + q2n) * np.sqrt(pp * (1.0 - pp) / n_star + q * q / (4.0 * n_star * n_star))
            low, high = centre - half, centre + half
        else:
            raise EstimationError(
                f"unknown interval method {method!r}; use one of {', '.join(PROPORTION_METHODS)}"
            )
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
