"""R's ``svyciprop(method="likelihood")``: a profile-likelihood interval for a proportion, design-scaled.

R (survey 4.1, ``svyciprop`` → ``confint.svyglm(method="likelihood")`` → ``MASSprofile_glm`` and
``confint_profile``) fits ``svyglm(y ~ 1, family=quasibinomial)`` with the weights rescaled to mean 1 and
profiles the intercept b. For an intercept-only model everything has a closed form except the fit itself,
so sipas follows R's algorithm step by step (p̂ and V̂ are the Hájek mean and its linearisation variance):

* the fit: R's IRLS (``glm.fit``: start μ_k = (W_k y_k + ½)/(W_k + 1), stop when the deviance changes by
  less than 1e-8 relative), on W = w / mean w over the N fitted rows; it gives μ̂ = expit b̂ (p̂ to ~1e-10)
  and S = Σ W μ(1 − μ) at the last iteration's start, from which R takes the model-based variance 1/S;
* SE_b = √V̂ / (μ̂(1 − μ̂)), the design-based SE of b̂; λ = SE_b² · S, the design effect of the intercept
  (``cov.unscaled / naive.cov``); φ = R's ``svyvar`` of the Pearson residuals (y − μ̂)/√(μ̂(1 − μ̂)), which
  for a 0/1 variable is n′/(n′ − 1) · p̂(1 − p̂)/(μ̂(1 − μ̂)), n′ the rows with a non-zero weight;
* α* = Φ(t_{df, α/2} √λ) / 2 (the normal quantile when df = ∞); z_max = √F⁻¹(1 − α*; 1, N − 1);
  steps b = b̂ ± s · (z_max/5) · SE_b for s = 1, 2, … while s < 10 and |z| < z_max, with the signed root of
  the scaled deviance z = ±√(ΔD/φ), ΔD = 2N (p̂ log(μ̂/μ) + (1 − p̂) log((1 − μ̂)/(1 − μ))), μ = expit b;
* R's ``spline`` (Forsythe–Malcolm–Moler, 3 × points on an even grid) of z against b over the profile, then
  linear interpolation of b at z = Φ⁻¹(2α*) and Φ⁻¹(1 − 2α*) (``approx``); the interval is expit of those.

So the interval is R's to rounding, including the interpolation error of its 10-step profile grid (up to
~1e-3 of the bound; the root of the profile itself does not depend on N). N is what R fits: the rows with a
value in the domain, or in the whole design when it is calibrated (R keeps every row of a calibrated
design, weight 0 outside the domain). p̂ = 0 or 1 or V̂ = 0 give [p̂, p̂] (as the logit interval; R's
``svyglm`` does not converge there); df ≤ 0 gives NaN (R stops).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from scipy import special

from sampling.intervals import quantile

if TYPE_CHECKING:
    from sampling.design import Design
    from sampling.estimators import Domains
    from sampling.results import EstimateSet

__all__ = ["model_terms", "with_likelihood_intervals"]

FloatArray = npt.NDArray[np.float64]
_MAX_STEPS = 10  # MASSprofile_glm's maxsteps


def _glm_fit(y: FloatArray, weights: FloatArray) -> tuple[float, float]:
    """R's ``glm.fit`` of ``y ~ 1`` (quasibinomial, prior weights W): μ̂ and S = Σ W μ(1 − μ), last step."""

    def deviance(mu: FloatArray | float) -> float:
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(y > 0, y * np.log(y / mu), 0.0) + np.where(
                y < 1, (1.0 - y) * np.log((1.0 - y) / (1.0 - mu)), 0.0
            )
        return float(2.0 * np.sum(weights * terms))

    mu: FloatArray | float = (weights * y + 0.5) / (weights + 1.0)
    eta: FloatArray | float = np.log(mu / (1.0 - mu))
    dev_old = deviance(mu)
    s_last, mu_hat = math.nan, math.nan
    for _ in range(25):  # glm.control(maxit = 25)
        var_mu = np.asarray(mu * (1.0 - mu)) * np.ones_like(y)
        work = weights * var_mu  # working weights W·μ.eta²/V(μ) for the logit link
        z = eta + (y - mu) / var_mu
        s_last = float(np.sum(work))
        b = float(np.sum(work * z) / s_last)
        eta = b
        mu = mu_hat = float(special.expit(b))
        dev = deviance(mu)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < 1e-8:  # glm.control(epsilon = 1e-8)
            break
        dev_old = dev
    return mu_hat, s_last


def model_terms(
    y: FloatArray, w: FloatArray, domains: Domains, calibrated: bool
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per domain what R's ``svyglm`` fit brings: μ̂, S, N (fitted rows) and n′ (rows with a non-zero weight).

    ``y`` is one 0/1 column (NaN = missing). A calibrated design keeps all its rows in every domain (N).
    """
    n_dom = domains.count
    has = ~np.isnan(y)
    n_design = float(np.count_nonzero(has))
    mu = np.full(n_dom, np.nan)
    s = np.full(n_dom, np.nan)
    n = np.zeros(n_dom)
    n_nonzero = np.zeros(n_dom)
    for d in range(n_dom):
        rows = np.flatnonzero((domains.codes == d) & has)
        n_nonzero[d] = np.count_nonzero(w[rows])
        n[d] = n_design if calibrated else float(rows.shape[0])
        w_sum = float(np.sum(w[rows]))
        if rows.shape[0] == 0 or not w_sum > 0:
            continue
        mu[d], s[d] = _glm_fit(y[rows], w[rows] * n[d] / w_sum)
    return mu, s, n, n_nonzero


def _fmm_spline(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Cubic spline coefficients (b, c, d) with Forsythe–Malcolm–Moler end conditions (R's ``fmm``)."""
    n = x.shape[0]
    b, c, d = np.zeros(n), np.zeros(n), np.zeros(n)
    if n < 3:
        slope = (y[1] - y[0]) / (x[1] - x[0]) if n == 2 else 0.0
        b[:] = slope
        return b, c, d
    nm1 = n - 1
    d[0] = x[1] - x[0]
    c[1] = (y[1] - y[0]) / d[0]
    for i in range(1, nm1):
        d[i] = x[i + 1] - x[i]
        b[i] = 2.0 * (d[i - 1] + d[i])
        c[i + 1] = (y[i + 1] - y[i]) / d[i]
        c[i] = c[i + 1] - c[i]
    # End conditions: third derivatives at the ends matched to those of cubics through the end points.
    b[0] = -d[0]
    b[nm1] = -d[n - 2]
    c[0] = c[nm1] = 0.0
    if n > 3:
        c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
        c[nm1] = c[n - 2] / (x[nm1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4])
        c[0] = c[0] * d[0] * d[0] / (x[3] - x[0])
        c[nm1] = -c[nm1] * d[n - 2] * d[n - 2] / (x[nm1] - x[n - 4])
    for i in range(1, n):  # Gaussian elimination of the tridiagonal system
        t = d[i - 1] / b[i - 1]
        b[i] = b[i] - t * d[i - 1]
        c[i] = c[i] - t * c[i - 1]
    c[nm1] = c[nm1] / b[nm1]
    for i in range(n - 2, -1, -1):
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[nm1] = (y[nm1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[nm1])
    for i in range(nm1):
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
        d[i] = (c[i + 1] - c[i]) / d[i]
        c[i] = 3.0 * c[i]
    c[nm1] = 3.0 * c[nm1]
    d[nm1] = d[n - 2]
    return b, c, d


def _r_spline(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """R's ``spline(x, y)`` (x increasing, no ties): values at 3·n evenly spaced points."""
    n_out = 3 * x.shape[0]
    i = np.arange(n_out, dtype=np.float64)
    by = (x[-1] - x[0]) / (n_out - 1)
    # seq.int(from, to, length.out=): from the start in the first half, from the end in the second.
    grid = np.where(i < n_out // 2, x[0] + i * by, x[-1] - (n_out - 1 - i) * by)
    grid[0], grid[-1] = x[0], x[-1]
    b, c, d = _fmm_spline(x, y)
    k = np.clip(np.searchsorted(x, grid, side="right") - 1, 0, x.shape[0] - 1)
    dx = grid - x[k]
    return grid, y[k] + dx * (b[k] + dx * (c[k] + dx * d[k]))


def _r_approx(x: FloatArray, y: FloatArray, at: FloatArray) -> FloatArray:
    """R's ``approx(x, y, xout=at)``: sorted by x, tied x averaged, NaN outside the range."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    ux, start = np.unique(xs, return_index=True)
    counts = np.diff(np.append(start, xs.shape[0]))
    uy = np.add.reduceat(ys, start) / counts
    out = np.interp(at, ux, uy)
    return np.asarray(np.where((at < ux[0]) | (at > ux[-1]), np.nan, out), dtype=np.float64)


def _one(
    p: float, var: float, df: float, mu_hat: float, s: float, n: float, n_nonzero: float, level: float
) -> tuple[float, float]:
    if not (0.0 < p < 1.0) or not var > 0:
        return p, p
    if not df > 0 or not n > 1 or not n_nonzero > 1 or not 0.0 < mu_hat < 1.0:
        return math.nan, math.nan
    pq = mu_hat * (1.0 - mu_hat)
    b_hat = math.log(mu_hat / (1.0 - mu_hat))
    se_b = math.sqrt(var) / pq
    lam = se_b * se_b * s
    phi = n_nonzero / (n_nonzero - 1.0) * p * (1.0 - p) / pq
    q = float(quantile(level, df))  # |t_{df, α/2}|, or z where df is infinite
    alpha = float(special.ndtr(-q * math.sqrt(lam))) / 2.0
    # √F⁻¹(1 − α*; 1, N − 1) = |t_{N−1}(α*/2)|, accurate where α* is tiny (1 − α* would round).
    z_max = -float(special.stdtrit(n - 1.0, alpha / 2.0))
    step_size = z_max / 5.0
    zs, bs = [0.0], [b_hat]
    for sign in (-1.0, 1.0):
        z, step = 0.0, 0
        while (step := step + 1) < _MAX_STEPS and abs(z) < z_max:
            b = b_hat + sign * step * step_size * se_b
            mu = 1.0 / (1.0 + math.exp(-b))
            dev = 2.0 * n * (p * math.log(mu_hat / mu) + (1.0 - p) * math.log((1.0 - mu_hat) / (1.0 - mu)))
            z = sign * math.sqrt(max(dev / phi, 0.0))
            zs.append(z)
            bs.append(b)
    order = np.argsort(np.array(bs), kind="stable")
    grid, z_fit = _r_spline(np.array(bs)[order], np.array(zs)[order])
    cut = float(special.ndtri(2.0 * alpha))
    low_b, high_b = _r_approx(z_fit, grid, np.array([cut, -cut]))
    return float(special.expit(low_b)), float(special.expit(high_b))


def with_likelihood_intervals(
    design: Design, columns: Sequence[FloatArray], domains: Domains, built: EstimateSet
) -> EstimateSet:
    """``built`` (variables × domains, in that order) with R's likelihood intervals (``"likelihood"``)."""
    estimates = list(built.estimates)
    n_dom = domains.count
    for j, y in enumerate(columns):
        block = estimates[j * n_dom : (j + 1) * n_dom]
        mu, s, n, n_nonzero = model_terms(y, design.weights, domains, design.calibration is not None)
        for d, e in enumerate(block):
            low, high = _one(
                e.estimate,
                e.se * e.se,
                math.inf if e.df is None else e.df,
                float(mu[d]),
                float(s[d]),
                float(n[d]),
                float(n_nonzero[d]),
                e.level,
            )
            estimates[j * n_dom + d] = replace(e, ci_low=low, ci_high=high, ci_method="likelihood")
    return replace(built, estimates=tuple(estimates))
