"""Area-level small-area estimation: the Fay–Herriot model with REML and Prasad–Rao/Datta–Lahiri MSE.

Model (Fay & Herriot 1979; Rao & Molina 2015, *Small Area Estimation*, 2nd ed., ch. 6)::

    y_i = x_i'β + u_i + e_i,   u_i ~ N(0, σ²_u),   e_i ~ N(0, ψ_i),   i = 1..m

``y_i`` is the direct (design-based) estimate of area i, ``ψ_i`` its design variance, taken as known, and
``x_i`` the area's auxiliaries with an intercept. Reference implementations: R's ``metafor::rma(yi, vi,
mods, method = "REML")`` with ``blup()`` (σ̂²_u, β̂, EBLUPs) and ``sae::mseFH`` (the MSE); the fixtures in
tests/sampling/r_small_area were made by R and are checked to 1e-6 relative.

* σ²_u by REML, Fisher scoring from σ² = median(ψ) (``sae::eblupFH``'s start)::

      s(σ²) = −½ tr(P) + ½ y'P²y,   I(σ²) = ½ tr(P²),   σ² ← σ² + s/I,
      P = V⁻¹ − V⁻¹X(X'V⁻¹X)⁻¹X'V⁻¹,   V = diag(σ² + ψ_i).

  The estimate is kept at or above 0: a step that would go below 0 stops at 0, and the iteration ends
  there when the score at 0 is not positive (the REML likelihood is then largest at the boundary). This is
  the constrained maximum that metafor reaches by step halving and that sae reaches by truncating its last
  iterate with max(σ̂², 0); when σ̂²_u = 0 every area gets the synthetic estimate x_i'β̂.
* β̂ = (X'V̂⁻¹X)⁻¹X'V̂⁻¹y (GLS), standard errors from (X'V̂⁻¹X)⁻¹, z tests (metafor's default).
* EBLUP θ̂_i = γ_i y_i + (1 − γ_i) x_i'β̂ with shrinkage weight γ_i = σ̂²/(σ̂² + ψ_i).
* MSE (Prasad & Rao 1990 in the REML form of Datta & Lahiri 2000; Rao & Molina 2015 eq. 6.2.19)::

      mse_i = g1_i + g2_i + 2 g3_i
      g1_i = γ_i ψ_i
      g2_i = (1 − γ_i)² x_i'(X'V̂⁻¹X)⁻¹x_i
      g3_i = ψ_i² / (σ̂² + ψ_i)³ · V̄(σ̂²),   V̄(σ̂²) = 2 / Σ_j (σ̂² + ψ_j)⁻²

  evaluated at σ̂² even when it is 0 (as ``sae::mseFH`` does).

Bad input raises :class:`SmallAreaError` naming the problem: fewer than p + 2 areas (p = coefficients, so
the REML residual has at least 2 degrees of freedom), zero, negative or non-finite design variances,
non-finite estimates or auxiliaries, repeated area labels, collinear auxiliaries (named), no convergence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sampling.errors import EstimationError

__all__ = [
    "AreaEstimate",
    "Coefficient",
    "FayHerriotFit",
    "SmallAreaError",
    "fay_herriot",
    "treatment_dummies",
]

INTERCEPT = "(Intercept)"
_MAX_ITERATIONS = 200
_TOLERANCE = 1e-12


class SmallAreaError(EstimationError):
    """The Fay–Herriot model cannot be fitted to the areas given (the message names the problem)."""


@dataclass(frozen=True)
class Coefficient:
    """One regression coefficient of the linking model, with its z test (normal reference, as metafor)."""

    term: str
    estimate: float
    se: float
    z: float
    p: float

    def to_dict(self) -> dict[str, float | str]:
        return {"term": self.term, "estimate": self.estimate, "se": self.se, "z": self.z, "p": self.p}


@dataclass(frozen=True)
class AreaEstimate:
    """Direct and model-based (EBLUP) estimate of one area.

    ``direct_se`` is √ψ_i; ``gamma`` the weight of the direct estimate in the EBLUP; ``synthetic`` the
    regression prediction x_i'β̂; ``mse`` the Datta–Lahiri MSE (``g1 + g2 + 2 g3``), ``rmse`` its root and
    ``cv`` = rmse/|EBLUP| (None when the EBLUP is 0).
    """

    area: str
    direct: float
    direct_variance: float
    direct_se: float
    direct_cv: float | None
    gamma: float
    synthetic: float
    eblup: float
    g1: float
    g2: float
    g3: float
    mse: float
    rmse: float
    cv: float | None

    def to_dict(self) -> dict[str, float | str | None]:
        return {
            "area": self.area,
            "direct": self.direct,
            "direct_variance": self.direct_variance,
            "direct_se": self.direct_se,
            "direct_cv": self.direct_cv,
            "gamma": self.gamma,
            "synthetic": self.synthetic,
            "eblup": self.eblup,
            "mse": self.mse,
            "rmse": self.rmse,
            "cv": self.cv,
            "g1": self.g1,
            "g2": self.g2,
            "g3": self.g3,
        }


@dataclass(frozen=True)
class FayHerriotFit:
    """A fitted Fay–Herriot model: variance component, coefficients and one :class:`AreaEstimate` per area.

    ``sigma2_u_se`` is √V̄(σ̂²) (the asymptotic REML standard error used in g3); ``truncated`` says that
    σ̂²_u sits at the boundary 0; ``log_likelihood`` is the restricted log-likelihood with metafor's
    constants (comparable to ``logLik(rma(..., method = "REML"))``).
    """

    sigma2_u: float
    sigma2_u_se: float
    truncated: bool
    iterations: int
    log_likelihood: float
    coefficients: tuple[Coefficient, ...]
    areas: tuple[AreaEstimate, ...]

    @property
    def method(self) -> str:
        return "Fay-Herriot, REML (Fisher scoring); MSE Prasad-Rao/Datta-Lahiri g1+g2+2g3"

    def area(self, label: str) -> AreaEstimate:
        for a in self.areas:
            if a.area == label:
                return a
        raise KeyError(label)

    def to_dict(self) -> dict[str, object]:
        return {
            "model": {
                "method": self.method,
                "areas": len(self.areas),
                "sigma2_u": self.sigma2_u,
                "sigma2_u_se": self.sigma2_u_se,
                "truncated_at_zero": self.truncated,
                "iterations": self.iterations,
                "reml_log_likelihood": self.log_likelihood,
                "coefficients": [c.to_dict() for c in self.coefficients],
            },
            "areas": [a.to_dict() for a in self.areas],
        }


def treatment_dummies(name: str, labels: Sequence[str]) -> dict[str, np.ndarray]:
    """0/1 columns for a categorical auxiliary, first sorted level as reference (R's treatment contrasts).

    Column names follow R's ``mods = ~ name``: ``name`` + level (``levelDistrict``). A single level gives
    no column (it would be collinear with the intercept; the caller's collinearity check names it).
    """
    values = [str(v) for v in labels]
    levels = sorted(set(values))
    if len(levels) < 2:
        raise SmallAreaError(f"auxiliary {name!r} has a single level {levels[0]!r} in every area")
    as_array = np.asarray(values, dtype=object)
    return {f"{name}{lv}": (as_array == lv).astype(np.float64) for lv in levels[1:]}


# --------------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------------


def _checked_inputs(
    areas: Sequence[str],
    estimates: Sequence[float] | np.ndarray,
    variances: Sequence[float] | np.ndarray,
    auxiliaries: Mapping[str, Sequence[float] | np.ndarray],
    intercept: bool,
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, list[str]]:
    labels = [str(a) for a in areas]
    m = len(labels)
    y = np.asarray(estimates, dtype=np.float64).reshape(-1)
    psi = np.asarray(variances, dtype=np.float64).reshape(-1)
    if y.shape[0] != m or psi.shape[0] != m:
        raise SmallAreaError(f"{m} areas but {y.shape[0]} estimates and {psi.shape[0]} variances")
    seen: set[str] = set()
    for label in labels:
        if label in seen:
            raise SmallAreaError(f"area {label!r} appears more than once")
        seen.add(label)
    for what, given in (("direct estimate", y), ("design variance", psi)):
        bad = ~np.isfinite(given)
        if bad.any():
            raise SmallAreaError(
                f"{what} of area {labels[int(np.flatnonzero(bad)[0])]!r} is missing or not finite"
            )
    not_positive = psi <= 0
    if not_positive.any():
        i = int(np.flatnonzero(not_positive)[0])
        raise SmallAreaError(
            f"design variance of area {labels[i]!r} is {psi[i]:g}: the model needs a positive variance "
            "for every area (a direct estimate with no sampling error cannot be smoothed)"
        )
    names = [INTERCEPT] if intercept else []
    columns = [np.ones(m)] if intercept else []
    for name, column_values in auxiliaries.items():
        col = np.asarray(column_values, dtype=np.float64).reshape(-1)
        if col.shape[0] != m:
            raise SmallAreaError(f"auxiliary {name!r} has {col.shape[0]} values for {m} areas")
        bad = ~np.isfinite(col)
        if bad.any():
            raise SmallAreaError(
                f"auxiliary {name!r} of area {labels[int(np.flatnonzero(bad)[0])]!r} is missing or not finite"
            )
        names.append(str(name))
        columns.append(col)
    if not columns:
        raise SmallAreaError("the model needs an intercept or at least one auxiliary")
    x = np.column_stack(columns)
    p = x.shape[1]
    if m < p + 2:
        raise SmallAreaError(
            f"{m} areas are too few for REML with {p} coefficients: at least {p + 2} are needed "
            "(coefficients + variance component + 1)"
        )
    _check_rank(x, names)
    return labels, y, psi, x, names


def _check_rank(x: np.ndarray, names: list[str]) -> None:
    """Name the first auxiliary that is a linear combination of the ones before it (R would drop it)."""
    scale = np.maximum(np.abs(x).max(axis=0), 1e-300)
    xs = x / scale
    tol = max(xs.shape) * np.finfo(np.float64).eps * 1e3
    for k in range(1, xs.shape[1] + 1):
        sv = np.linalg.svd(xs[:, :k], compute_uv=False)
        if sv[-1] <= tol * sv[0]:
            if k == 1:
                raise SmallAreaError(f"auxiliary {names[0]!r} is 0 in every area")
            before = ", ".join(repr(n) for n in names[: k - 1])
            raise SmallAreaError(
                f"auxiliaries are collinear: {names[k - 1]!r} is a linear combination of {before} "
                "across these areas (drop it or merge levels)"
            )


# --------------------------------------------------------------------------------------------------
# REML
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Gls:
    w: np.ndarray  # 1/(σ² + ψ)
    q: np.ndarray  # (X'WX)⁻¹
    beta: np.ndarray
    resid: np.ndarray


def _gls(y: np.ndarray, psi: np.ndarray, x: np.ndarray, sigma2: float) -> _Gls:
    w = 1.0 / (sigma2 + psi)
    xtwx = x.T @ (w[:, None] * x)
    q = np.linalg.inv(xtwx)
    beta = q @ (x.T @ (w * y))
    return _Gls(w=w, q=q, beta=beta, resid=y - x @ beta)


def _score_information(x: np.ndarray, g: _Gls) -> tuple[float, float]:
    """REML score and Fisher information in σ² without forming the m×m matrix P (O(m p²))."""
    w = g.w
    a2 = g.q @ (x.T @ ((w * w)[:, None] * x))  # Q X'W²X
    a3 = g.q @ (x.T @ ((w * w * w)[:, None] * x))  # Q X'W³X
    trace_p = float(w.sum() - np.trace(a2))
    py = w * g.resid  # P y = W(y − Xβ̂)
    trace_pp = float((w * w).sum() - 2.0 * np.trace(a3) + np.trace(a2 @ a2))
    score = -0.5 * trace_p + 0.5 * float(py @ py)
    return score, 0.5 * trace_pp


def _reml_sigma2(y: np.ndarray, psi: np.ndarray, x: np.ndarray) -> tuple[float, int]:
    sigma2 = scale = float(np.median(psi))
    for iteration in range(1, _MAX_ITERATIONS + 1):
        score, information = _score_information(x, _gls(y, psi, x, sigma2))
        if sigma2 == 0.0 and score <= 0.0:
            return 0.0, iteration  # maximum on the boundary
        step = score / information
        new = max(sigma2 + step, 0.0)
        # Relative to the data's own scale, so indices on 0-100 and shares on 0-1 converge alike.
        if abs(new - sigma2) <= _TOLERANCE * max(sigma2, scale):
            return new, iteration
        sigma2 = new
    raise SmallAreaError(
        f"REML did not converge in {_MAX_ITERATIONS} Fisher-scoring iterations (last σ²_u = {sigma2:g})"
    )


def _reml_log_likelihood(x: np.ndarray, psi: np.ndarray, sigma2: float, g: _Gls) -> float:
    m, p = x.shape
    _, logdet_xtx = np.linalg.slogdet(x.T @ x)
    _, logdet_xtwx = np.linalg.slogdet(np.linalg.inv(g.q))
    rss = float(g.resid @ (g.w * g.resid))
    return float(
        -0.5 * (m - p) * math.log(2.0 * math.pi)
        + 0.5 * logdet_xtx
        - 0.5 * float(np.log(sigma2 + psi).sum())
        - 0.5 * logdet_xtwx
        - 0.5 * rss
    )


def fay_herriot(
    areas: Sequence[str],
    estimates: Sequence[float] | np.ndarray,
    variances: Sequence[float] | np.ndarray,
    auxiliaries: Mapping[str, Sequence[float] | np.ndarray] | None = None,
    *,
    intercept: bool = True,
) -> FayHerriotFit:
    """Fit the Fay–Herriot model by REML and return EBLUPs with their Datta–Lahiri MSE.

    ``auxiliaries`` maps a coefficient name to one numeric value per area (use :func:`treatment_dummies`
    for a categorical one); an intercept ``(Intercept)`` is added unless ``intercept=False``.
    """
    labels, y, psi, x, names = _checked_inputs(areas, estimates, variances, auxiliaries or {}, intercept)
    sigma2, iterations = _reml_sigma2(y, psi, x)
    g = _gls(y, psi, x, sigma2)
    coef_se = np.sqrt(np.diag(g.q))
    z = g.beta / coef_se
    p_values = 2.0 * stats.norm.sf(np.abs(z))
    coefficients = tuple(
        Coefficient(term=n, estimate=float(b), se=float(s), z=float(t), p=float(pv))
        for n, b, s, t, pv in zip(names, g.beta, coef_se, z, p_values, strict=True)
    )
    total = sigma2 + psi
    gamma = sigma2 / total
    synthetic = x @ g.beta
    eblup = gamma * y + (1.0 - gamma) * synthetic
    var_sigma2 = 2.0 / float((1.0 / total**2).sum())
    g1 = gamma * psi
    g2 = (1.0 - gamma) ** 2 * np.einsum("ij,jk,ik->i", x, g.q, x)
    g3 = psi**2 / total**3 * var_sigma2
    mse = g1 + g2 + 2.0 * g3
    rmse = np.sqrt(mse)
    direct_se = np.sqrt(psi)
    rows = tuple(
        AreaEstimate(
            area=labels[i],
            direct=float(y[i]),
            direct_variance=float(psi[i]),
            direct_se=float(direct_se[i]),
            direct_cv=None if y[i] == 0 else float(direct_se[i] / abs(y[i])),
            gamma=float(gamma[i]),
            synthetic=float(synthetic[i]),
            eblup=float(eblup[i]),
            g1=float(g1[i]),
            g2=float(g2[i]),
            g3=float(g3[i]),
            mse=float(mse[i]),
            rmse=float(rmse[i]),
            cv=None if eblup[i] == 0 else float(rmse[i] / abs(eblup[i])),
        )
        for i in range(len(labels))
    )
    return FayHerriotFit(
        sigma2_u=sigma2,
        sigma2_u_se=math.sqrt(var_sigma2),
        truncated=sigma2 == 0.0,
        iterations=iterations,
        log_likelihood=_reml_log_likelihood(x, psi, sigma2, g),
        coefficients=coefficients,
        areas=rows,
    )
