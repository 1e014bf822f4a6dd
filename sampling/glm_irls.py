"""Iteratively reweighted least squares exactly as R's ``glm.fit`` runs it, for :mod:`sampling.glm`.

Same starting values (``family$initialize``), same working weights and responses, same convergence rule
|dev − dev_old| / (|dev| + 0.1) < 1e-8 within 25 iterations, same step halving, so that a model R fits in
k iterations is fitted here in k iterations and the two agree to rounding. The working weights kept for the
variance are those of the last iteration (R's ``glm.object$weights``), as R's ``svy.varcoef`` uses them.

Bad fits are errors naming the problem, never NaN: a column that is constant or a linear combination of
earlier ones (R would return an NA coefficient), separation in a logistic model (fitted probabilities
numerically 0 or 1; R warns only for the binomial family), rates numerically 0 in a log model, and no
convergence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.linalg as la
from scipy.linalg import lapack

from sampling.errors import EstimationError

__all__ = ["Family", "FitResult", "irls"]

FloatArray = npt.NDArray[np.float64]
Family = Literal["gaussian", "quasibinomial", "quasipoisson"]

EPSILON = 1e-8
MAX_ITERATIONS = 25
# R's Cdqrls tolerance in glm.fit: min(1e-7, epsilon / 1000).
_RANK_TOL = 1e-11
# R's check for fitted values on the boundary (glm.fit): 10 × machine epsilon.
_BOUNDARY = 10 * np.finfo(np.float64).eps
_LOGIT_THRESH = 30.0  # R's C_logit_mu_eta / C_logit_linkinv use the same cut-offs
_MTHRESH = -30.0


class SingularModelError(EstimationError):
    """A model column is constant or a linear combination of earlier columns."""


class SeparationError(EstimationError):
    """Fitted probabilities (or rates) reach 0 or 1: the predictors separate the outcome."""


class ConvergenceError(EstimationError):
    """IRLS did not converge in 25 iterations (R's default)."""


@dataclass(frozen=True)
class FitResult:
    """One fitted model on its rows."""

    coefficients: FloatArray
    eta: FloatArray
    mu: FloatArray
    working_weights: FloatArray
    working_residuals: FloatArray
    inverse_information: FloatArray
    iterations: int
    deviance: float


def _linkinv(family: Family, eta: FloatArray) -> FloatArray:
    if family == "gaussian":
        return eta
    if family == "quasibinomial":
        # R's C_logit_linkinv: exp(η) replaced by DBL_EPSILON below −30 and by 1/DBL_EPSILON above 30.
        eps = np.finfo(np.float64).eps
        with np.errstate(over="ignore"):
            x = np.where(eta < _MTHRESH, eps, np.where(eta > _LOGIT_THRESH, 1.0 / eps, np.exp(eta)))
        return np.asarray(x / (1.0 + x), dtype=np.float64)
    with np.errstate(over="ignore"):  # R: Inf, then step halving (a non-finite deviance)
        return np.asarray(np.maximum(np.exp(eta), np.finfo(np.float64).eps), dtype=np.float64)


def _mu_eta(family: Family, eta: FloatArray) -> FloatArray:
    if family == "gaussian":
        return np.ones_like(eta)
    if family == "quasibinomial":
        # exp of the clamped η: the large-|η| branch is replaced by R's DBL_EPSILON anyway.
        e = np.exp(np.clip(eta, -_LOGIT_THRESH, _LOGIT_THRESH))
        opexp = 1.0 + e
        out = np.where(np.abs(eta) > _LOGIT_THRESH, np.finfo(np.float64).eps, e / (opexp * opexp))
        return np.asarray(out, dtype=np.float64)
    with np.errstate(over="ignore"):  # R: Inf, then step halving (a non-finite deviance)
        return np.asarray(np.maximum(np.exp(eta), np.finfo(np.float64).eps), dtype=np.float64)


def _variance(family: Family, mu: FloatArray) -> FloatArray:
    if family == "gaussian":
        return np.ones_like(mu)
    if family == "quasibinomial":
        return mu * (1.0 - mu)
    return mu


def _linkfun(family: Family, mu: FloatArray) -> FloatArray:
    if family == "gaussian":
        return mu
    if family == "quasibinomial":
        return np.asarray(np.log(mu / (1.0 - mu)), dtype=np.float64)
    return np.asarray(np.log(mu), dtype=np.float64)


def _ylogy(y: FloatArray, mu: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y != 0, y * np.log(y / mu), 0.0)


def _deviance(family: Family, y: FloatArray, mu: FloatArray, wt: FloatArray) -> float:
    if family == "gaussian":
        return float(np.sum(wt * (y - mu) ** 2))
    if family == "quasibinomial":
        return float(np.sum(2.0 * wt * (_ylogy(y, mu) + _ylogy(1.0 - y, 1.0 - mu))))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(y > 0, wt * (y * np.log(y / mu) - (y - mu)), mu * wt)
    return float(np.sum(2.0 * r))


def _valid(family: Family, mu: FloatArray) -> bool:
    if family == "gaussian":
        return True
    if family == "quasibinomial":
        return bool(np.all(np.isfinite(mu)) and np.all((mu > 0) & (mu < 1)))
    return bool(np.all(np.isfinite(mu)) and np.all(mu > 0))


def check_response(family: Family, y: FloatArray, response: str) -> None:
    """R's ``family$initialize`` checks, as errors naming the response."""
    if family == "quasibinomial" and np.any((y < 0) | (y > 1)):
        bad = float(y[(y < 0) | (y > 1)][0])
        raise EstimationError(
            f"quasibinomial needs {response} between 0 and 1 (a 0/1 outcome or a proportion); found {bad:g}"
        )
    if family == "quasipoisson" and np.any(y < 0):
        raise EstimationError(f"quasipoisson needs {response} ≥ 0 (counts or rates); found a negative value")


def _qr_solve(xw: FloatArray, zw: FloatArray, names: tuple[str, ...]) -> tuple[FloatArray, FloatArray]:
    """Least squares by Householder QR; a column whose residual on earlier columns vanishes is an error.

    R's Cdqrls (LINPACK dqrdc2) moves such a column to the end and reports it aliased (NA coefficient);
    the test |r_jj| < tol · ‖x_j‖ is the one dqrdc2 applies.
    """
    # LAPACK dgeqrf + dormqr: Householder QR without forming Q (Q is n × p; forming it costs 3× the QR).
    norms = np.linalg.norm(xw, axis=0)
    p = xw.shape[1]
    factor, tau, _, info = lapack.dgeqrf(np.asfortranarray(xw), overwrite_a=True)
    if info != 0:
        raise SingularModelError(names[0])
    r = np.triu(factor[:p, :p])
    diag = np.abs(np.diag(r))
    bad = np.flatnonzero((diag <= _RANK_TOL * np.maximum(norms, np.finfo(np.float64).tiny)) | (norms == 0))
    if bad.size:
        raise SingularModelError(names[int(bad[0])])
    qtz, _, _ = lapack.dormqr("L", "T", factor, tau, zw[:, None].copy(order="F"), max(1, p * 64))
    coef = la.solve_triangular(r, qtz[:p, 0])
    return np.asarray(coef, dtype=np.float64), np.asarray(r, dtype=np.float64)


def irls(
    x: FloatArray,
    y: FloatArray,
    prior_weights: FloatArray,
    family: Family,
    names: tuple[str, ...],
    start: FloatArray | None = None,
) -> FitResult:
    """R's ``glm.fit(x, y, weights = prior_weights, family = …, start = start)``.

    Raises :class:`SingularModelError` (with the aliased column's name as message), SeparationError or
    ConvergenceError; the caller words them for the user.
    """
    wt = prior_weights
    y = y.copy()
    coef_old: FloatArray | None = None
    if start is not None:
        coef_old = start
        eta = x @ start
    else:
        if family == "gaussian":
            mustart = y
        elif family == "quasibinomial":
            y[wt == 0] = 0.0
            mustart = (wt * y + 0.5) / (wt + 1.0)
        else:
            mustart = y + 0.1
        eta = _linkfun(family, mustart)
    mu = _linkinv(family, eta)
    dev_old = _deviance(family, y, mu, wt)
    coef = start
    converged = False
    iteration = 0
    w = np.zeros_like(wt)
    r_mat = np.eye(x.shape[1])
    good = wt > 0
    for _step in range(MAX_ITERATIONS):
        iteration += 1
        mu_eta = _mu_eta(family, eta)
        good = (wt > 0) & (mu_eta != 0)
        if not good.any():
            raise ConvergenceError("no row carries information (all weights are zero)")
        w = np.sqrt(wt[good] * mu_eta[good] ** 2 / _variance(family, mu[good]))
        z = eta[good] + (y[good] - mu[good]) / mu_eta[good]
        new, r_mat = _qr_solve(x[good] * w[:, None], z * w, names)
        eta = x @ new
        mu = _linkinv(family, eta)
        dev = _deviance(family, y, mu, wt)
        if not np.isfinite(dev) or not _valid(family, mu):
            if coef_old is None:
                raise ConvergenceError("no valid set of coefficients found from R's starting values")
            for _ in range(MAX_ITERATIONS):
                new = (new + coef_old) / 2.0
                eta = x @ new
                mu = _linkinv(family, eta)
                dev = _deviance(family, y, mu, wt)
                if np.isfinite(dev) and _valid(family, mu):
                    break
            else:
                raise ConvergenceError("the step size could not be corrected (step halving failed)")
        coef = new
        if abs(dev - dev_old) / (abs(dev) + 0.1) < EPSILON:
            converged = True
            break
        dev_old = dev
        coef_old = new
    # Separation first: it is also the usual reason for no convergence in a logistic or log model.
    if family == "quasibinomial" and np.any((mu[good] > 1 - _BOUNDARY) | (mu[good] < _BOUNDARY)):
        raise SeparationError("fitted probabilities numerically 0 or 1")
    if family == "quasipoisson" and np.any(mu[good] < _BOUNDARY):
        raise SeparationError("fitted rates numerically 0")
    if not converged:
        raise ConvergenceError(f"the model did not converge in {MAX_ITERATIONS} iterations")
    assert coef is not None  # noqa: S101 - the loop ran at least once
    working_weights = np.zeros_like(wt)
    working_weights[good] = w * w
    r_inv = la.solve_triangular(r_mat, np.eye(r_mat.shape[0]))
    return FitResult(
        coefficients=coef,
        eta=eta,
        mu=mu,
        working_weights=working_weights,
        working_residuals=(y - mu) / _mu_eta(family, eta),
        inverse_information=np.asarray(r_inv @ r_inv.T, dtype=np.float64),
        iterations=iteration,
        deviance=_deviance(family, y, mu, wt),
    )


def response_of(family: Family, eta: FloatArray) -> tuple[FloatArray, FloatArray]:
    """μ = g⁻¹(η) and dμ/dη, for predictions on the response scale (R's ``predict.svyglm``)."""
    return _linkinv(family, eta), _mu_eta(family, eta)
