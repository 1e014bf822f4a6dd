"""Linear, raking and logit calibration to known totals (R ``calibrate``; Deville & Särndal 1992).

``linear_calibrate`` is described with the other calibrations in :mod:`sampling.calibration`, which
re-exports it; it lives here because the model matrix, the calibration functions F and the Newton steps
are a subject of their own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sampling.calibration_margins import MarginReport, column_labels, population_table
from sampling.calibration_steps import GregCalibration, with_calibration
from sampling.design import Design
from sampling.errors import CalibrationError

__all__ = ["CalFun", "CalibrationReport", "linear_calibrate"]

FloatArray = NDArray[np.float64]
CalFun = Literal["linear", "raking", "logit"]


@dataclass(frozen=True)
class CalibrationReport:
    """Result of calibration: method, Newton iterations, largest misfit, range of the g-weights."""

    method: str
    iterations: int
    converged: bool
    max_misfit: float
    g_min: float
    g_max: float
    bounds: tuple[float, float] | None
    margins: tuple[MarginReport, ...] = field(default=())


def _model_matrix(
    X: Mapping[str, ArrayLike] | ArrayLike, totals: Any, n: int
) -> tuple[FloatArray, FloatArray, list[tuple[str, tuple[str, ...], list[int]]]]:
    """Model matrix, population totals and, for dict input, which columns belong to which margin."""
    if isinstance(X, Mapping):
        if not isinstance(totals, Mapping):
            raise CalibrationError("with named margins, totals must be a dict keyed by the same names")
        cols: list[FloatArray] = []
        pop: list[float] = []
        groups: list[tuple[str, tuple[str, ...], list[int]]] = []
        for name, values in X.items():
            if name not in totals:
                raise CalibrationError(f"no population total for {name!r}")
            arr = np.asarray(values)
            target = totals[name]
            if isinstance(target, Mapping):
                lab = column_labels(arr, name, n)
                table = population_table(totals, name)
                levels = sorted(set(lab.tolist()) | {k for k, v in table.items() if v > 0})
                missing = [lv for lv in levels if lv not in table]
                if missing:
                    raise CalibrationError(f"{name}: level {missing[0]!r} has no population total")
                empty = [lv for lv in levels if not np.any(lab == lv)]
                if empty:
                    raise CalibrationError(
                        f"{name}: level {empty[0]!r} has a population total but no sample rows"
                    )
                idx = []
                for lv in levels:
                    idx.append(len(cols))
                    cols.append((lab == lv).astype(np.float64))
                    pop.append(table[lv])
                groups.append((name, tuple(levels), idx))
            else:
                try:
                    num = np.asarray(arr, dtype=np.float64)
                    t_val = float(target)
                except (TypeError, ValueError):
                    raise CalibrationError(
                        f"{name}: a numeric total needs a numeric column and a number"
                    ) from None
                if num.shape != (n,) or not np.all(np.isfinite(num)):
                    raise CalibrationError(f"column {name!r} must be numeric without missing values")
                groups.append((name, ("total",), [len(cols)]))
                cols.append(num)
                pop.append(t_val)
        return np.column_stack(cols), np.asarray(pop), groups
    mm = np.asarray(X, dtype=np.float64)
    if mm.ndim == 1:
        mm = mm[:, None]
    t = np.asarray(totals, dtype=np.float64).reshape(-1)
    if mm.shape[0] != n or mm.shape[1] != t.size:
        raise CalibrationError("X must be (n_rows × p) with p population totals")
    if not np.all(np.isfinite(mm)):
        raise CalibrationError("X must be finite")
    return mm, t, []


def _calfun(name: CalFun, lower: float, upper: float) -> tuple[Any, Any]:
    """F(u) − 1 and dF/du for R's cal.linear, cal.raking, cal.logit (Deville & Särndal 1992)."""
    if name == "linear":

        def fm1(u: FloatArray) -> FloatArray:
            return np.asarray(np.clip(u + 1.0, lower, upper) - 1.0, dtype=np.float64)

        def df(u: FloatArray) -> FloatArray:
            return ((u < upper - 1.0) & (u > lower - 1.0)).astype(np.float64)

    elif name == "raking":

        def fm1(u: FloatArray) -> FloatArray:
            return np.asarray(np.clip(np.exp(u), lower, upper) - 1.0, dtype=np.float64)

        def df(u: FloatArray) -> FloatArray:
            e = np.exp(u)
            return np.where((e < upper) & (e > lower), e, 0.0)

    elif name == "logit":
        if not (math.isfinite(lower) and math.isfinite(upper)):
            raise CalibrationError("logit calibration needs finite bounds")
        if not lower < 1.0 < upper:
            raise CalibrationError("logit calibration needs bounds L < 1 < U")
        A = (upper - lower) / ((upper - 1.0) * (1.0 - lower))

        def fm1(u: FloatArray) -> FloatArray:
            with np.errstate(over="ignore", invalid="ignore"):
                e = np.exp(A * u)
                g = (lower * (upper - 1.0) + upper * (1.0 - lower) * e) / (upper - 1.0 + (1.0 - lower) * e)
            g = np.where(np.isinf(e), upper, g)
            return np.asarray(g - 1.0, dtype=np.float64)

        def df(u: FloatArray) -> FloatArray:
            # Simplified R's dF to A (U − L)(U − 1)(1 − L) e / (U − 1 + (1 − L) e)², finite for large |u|.
            with np.errstate(over="ignore", invalid="ignore"):
                e = np.exp(A * u)
                d = (
                    A
                    * (upper - lower)
                    * (upper - 1.0)
                    * (1.0 - lower)
                    * e
                    / (upper - 1.0 + (1.0 - lower) * e) ** 2
                )
            return np.where(np.isfinite(d), d, 0.0)

    else:
        raise CalibrationError(f"unknown calibration function {name!r}")
    return fm1, df


def _orthonormal_basis(a: FloatArray) -> FloatArray:
    """Orthonormal basis of the column space of ``a`` (rank-revealing SVD, like R's pivoted QR)."""
    u, s, _ = np.linalg.svd(a, full_matrices=False)
    tol = s.max() * max(a.shape) * np.finfo(np.float64).eps if s.size else 0.0
    basis: FloatArray = u[:, s > tol]
    return basis


def linear_calibrate(
    design: Design,
    X: Mapping[str, ArrayLike] | ArrayLike,
    totals: Any,
    bounds: tuple[float, float] | None = None,
    calfun: CalFun = "linear",
    max_iter: int = 50,
    epsilon: float = 1e-7,
) -> tuple[Design, CalibrationReport]:
    """Calibrate the weights to known totals (R ``calibrate``; Deville & Särndal 1992).

    Without bounds and with ``calfun="linear"`` this is GREG in closed form (R ``regcalibrate``):
    g = 1 + X T⁺ (t_x − t̂_x), T = Xᵀ W X. Otherwise Newton steps on λ with
    g = 1 + F(Xλ) as R's ``grake`` (step halving when g is not finite, convergence when every
    |misfit| / (1 + |t_x|) < ``epsilon``). As in ``grake``, when every t_x / t̂_x exceeds 20 the weights
    are first rescaled by the mean ratio and the bounds apply to g after that rescaling.

    Parameters
    ----------
    design : Design
    X : dict or array_like
        Named margins (label array: categorical; numeric array with a scalar total: numeric) or an
        (n × p) model matrix.
    totals : dict or array_like
        Population totals matching ``X``.
    bounds : (float, float), optional
        Lower and upper bounds on g.
    calfun : {"linear", "raking", "logit"}
    max_iter, epsilon : Newton controls (R's ``maxit``, ``epsilon``).

    Returns
    -------
    (Design, CalibrationReport)

    Raises
    ------
    CalibrationError
        Unknown levels, empty cells, or no convergence (R stops with "Calibration failed").
    """
    n = design.n_rows
    mm, pop, groups = _model_matrix(X, totals, n)
    ww = design.weights.astype(np.float64)
    whalf = np.sqrt(ww)
    basis = _orthonormal_basis(mm * whalf[:, None])
    sample_total = mm.T @ ww
    lo, up = (-math.inf, math.inf) if bounds is None else (float(bounds[0]), float(bounds[1]))
    if lo > up:
        raise CalibrationError("lower bound exceeds upper bound")
    iterations = 0
    converged = True
    if calfun == "linear" and bounds is None:
        # R regcalibrate: g = 1 + X T⁻¹ (t − t̂). pinv gives the same g when T is singular but consistent.
        T = mm.T @ (mm * ww[:, None])
        lam = np.linalg.pinv(T) @ (pop - sample_total)
        g = 1.0 + mm @ lam
        misfit = pop - mm.T @ (ww * g)
    else:
        fm1, df = _calfun(calfun, lo, up)
        scales = np.divide(pop, sample_total, out=np.full_like(pop, np.inf), where=sample_total != 0)
        scale = float(np.mean(scales)) if np.min(scales) > 20 else 1.0
        wr = ww * scale
        st = sample_total * scale
        eta = np.zeros(mm.shape[1])
        xeta = mm @ eta
        while True:
            iterations += 1
            T = mm.T @ (mm * (wr * df(xeta))[:, None])
            misfit = pop - st - mm.T @ (wr * fm1(xeta))
            deta = np.linalg.pinv(T, rcond=256 * np.finfo(np.float64).eps) @ misfit
            eta = eta + deta
            xeta = mm @ eta
            g = 1.0 + fm1(xeta)
            halvings = 0
            while not np.all(np.isfinite(g)) and halvings < 50:
                deta = deta / 2.0
                eta = eta - deta
                xeta = mm @ eta
                g = 1.0 + fm1(xeta)
                halvings += 1
            misfit = pop - st - mm.T @ (wr * fm1(xeta))
            if np.all(np.abs(misfit) / (1.0 + np.abs(pop)) < epsilon):
                break
            if iterations >= max_iter:
                converged = False
                break
        g = g * scale
        misfit = pop - mm.T @ (ww * g)
    if not converged:
        achieved = float(np.max(np.abs(misfit) / (1.0 + np.abs(pop))))
        raise CalibrationError(
            f"calibration failed to converge in {iterations} iterations (relative misfit {achieved:.3g}); "
            "loosen the bounds or check the totals"
        )
    new_w = ww * g
    cal = GregCalibration(basis, g * whalf, description=calfun if bounds is None else f"{calfun}[{lo},{up}]")
    out = with_calibration(design, new_w, cal)
    achieved_totals = mm.T @ new_w
    margins = tuple(
        MarginReport(
            name, levels, tuple(float(pop[i]) for i in idx), tuple(float(achieved_totals[i]) for i in idx)
        )
        for name, levels, idx in groups
    )
    report = CalibrationReport(
        method=calfun,
        iterations=iterations,
        converged=converged,
        max_misfit=float(np.max(np.abs(misfit))) if misfit.size else 0.0,
        g_min=float(g.min()),
        g_max=float(g.max()),
        bounds=None if bounds is None else (lo, up),
        margins=margins,
    )
    return out, report
