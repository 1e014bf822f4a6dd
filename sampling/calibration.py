"""Post-stratification, raking and calibration (GREG, raking and logit by Newton steps).

Public functions (each returns a new :class:`~sampling.design.Design` carrying calibrated weights and a
calibration object whose ``residualise`` makes the variance account for the calibration exactly as R's
``survey:::svyrecvar`` does, plus a report):

``poststratify(design, strata, totals, partial=False) -> (Design, PostStratifyReport)``
    R ``postStratify``: w_k × N_g / N̂_g in each post-stratum g.
    ``strata`` maps column names to label arrays, e.g. ``{"stype": stype}``; ``totals`` is
    ``{"stype": {"E": 4421, "H": 755, "M": 1018}}``. With several columns the cells are their
    cross-classification: ``totals = {"A|B": {"a1|b1": N, …}}`` (names and labels joined with ``|``).
``rake(design, margins, totals, max_iter=10, epsilon=1.0) -> (Design, RakeReport)``
    R ``rake``: iterative post-stratification on each margin in turn until the weighted cross-table of
    all margin variables changes by less than ``epsilon`` (an absolute count; a value < 1 is a fraction
    of Σw, as R). ``margins = {"stype": stype, "sch.wide": sw}``,
    ``totals = {"stype": {…}, "sch.wide": {…}}``.
``linear_calibrate(design, X, totals, bounds=None, calfun="linear", max_iter=50, epsilon=1e-7)
-> (Design, CalibrationReport)``
    R ``calibrate``: g-weights g_k = 1 + F(x_kᵀ λ) with Σ w g x = t_x. ``X`` is either a dict of columns
    — a label array is a categorical margin (one indicator per level, totals ``{"COL": {"LEVEL": N}}``),
    a numeric array is a numeric total (``{"COL": total}``) — or an (n × p) model matrix with a
    length-p ``totals`` array (include a column of ones for the population size). ``calfun`` is
    ``"linear"`` (GREG; closed form without bounds, Särndal, Swensson & Wretman 1992, §6.5),
    ``"raking"`` (exponential) or ``"logit"`` (needs finite bounds), solved by Newton steps as R's
    ``grake`` (Deville & Särndal 1992). ``bounds = (L, U)`` bounds the g-weights.
``calibrate(design, targets) -> (Design, report)``
    Dispatch on a targets document ``{"method": "poststratify"|"rake"|"linear", "margins": {...}}`` given
    the margin columns (used by ``sipas estimate --calibrate`` and ``sipas weights --calibrate``).

Variance (what ``residualise`` does; z are linearised values already multiplied by the final weights):

* post-stratification (R ``svyrecvar``): z − w_new · m_g with m_g = Σ_g z w_old / w_new ÷ Σ_g w_old;
* raking: ten sweeps of z ← z − w_j · ave_j(z / w_j) over the margins j, w_j the weights after margin j
  in the last IPF sweep and ave the *unweighted* mean within the margin's levels (R's code);
* calibration: z ← w̃ · resid(z / w̃ on X √w), w̃ = g √w, with w the weights *before* calibration
  (R ``qr.resid(qr(mm * whalf), x / (g * whalf)) * g * whalf``).

Successive calibrations stack (R's ``design$postStrata`` list) and are applied in order.

Deliberate differences from R: with several categorical margins R drops a reference level of all but the
first (model matrix); here every level gets an indicator and the normal equations are solved with a
pseudo-inverse — the same column space, so the same g-weights and variance. For ``calfun="raking"`` with
bounds, R's derivative compares u (not e^u) with the bounds; we use the correct derivative. The solution is
the same when both converge.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sampling.design import Calibration, Design
from sampling.errors import DesignError, SamplingError

__all__ = [
    "CalibrationError",
    "CalibrationReport",
    "CalibrationSteps",
    "GregCalibration",
    "MarginReport",
    "PostStratification",
    "PostStratifyReport",
    "RakeReport",
    "Raking",
    "calibrate",
    "label_of",
    "linear_calibrate",
    "poststratify",
    "rake",
]

FloatArray = NDArray[np.float64]
CalFun = Literal["linear", "raking", "logit"]


class CalibrationError(SamplingError):
    """Calibration cannot be done as asked (unknown level, empty cell, no convergence, …)."""


def label_of(value: object) -> str:
    """The string key of a level: integers stored as floats print without ``.0`` (JSON keys are strings)."""
    if isinstance(value, float | np.floating):
        f = float(value)
        if math.isfinite(f) and f == int(f):
            return str(int(f))
        return repr(f)
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


def _labels(values: ArrayLike, name: str, n: int) -> NDArray[np.object_]:
    arr = np.asarray(values)
    if arr.shape != (n,):
        raise CalibrationError(f"column {name!r} must have one value per row ({n})")
    out = np.array([label_of(v) for v in arr.tolist()], dtype=object)
    bad = [i for i, v in enumerate(arr.tolist()) if v is None or (isinstance(v, float) and v != v)]
    if bad:
        raise CalibrationError(f"column {name!r} has a missing value at row {bad[0] + 1}")
    return out


# --------------------------------------------------------------------------------------------------
# Calibration objects (what the variance applies)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PostStratification:
    """Residualisation for one post-stratification (R: an index with ``weights``/``oldweights``)."""

    cell: NDArray[np.int64]
    weights: FloatArray
    old_weights: FloatArray
    description: str = "poststratify"

    def residualise(self, z: FloatArray) -> FloatArray:
        x = np.asarray(z, dtype=np.float64)
        one_d = x.ndim == 1
        x2 = x[:, None] if one_d else x
        psw = self.weights.copy()
        oldw = self.old_weights
        psw[(psw == 0) & (oldw == 0)] = 1.0  # R: rows with both weights 0 stay 0 without 0/0
        n_cells = int(self.cell.max()) + 1
        num = np.zeros((n_cells, x2.shape[1]))
        np.add.at(num, self.cell, x2 * (oldw / psw)[:, None])
        den = np.bincount(self.cell, weights=oldw, minlength=n_cells)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(den[:, None] != 0, num / den[:, None], 0.0)
        out = x2 - means[self.cell] * psw[:, None]
        return out[:, 0] if one_d else out


@dataclass(frozen=True, eq=False)
class Raking:
    """Residualisation for raking (R ``svyrecvar``, class ``raking``): ten sweeps over the margins."""

    cells: tuple[NDArray[np.int64], ...]
    weights: tuple[FloatArray, ...]
    sweeps: int = 10
    description: str = "rake"

    def residualise(self, z: FloatArray) -> FloatArray:
        x = np.array(z, dtype=np.float64)
        one_d = x.ndim == 1
        if one_d:
            x = x[:, None]
        for _ in range(self.sweeps):
            for cell, psw in zip(self.cells, self.weights, strict=True):
                k = int(cell.max()) + 1
                counts = np.bincount(cell, minlength=k).astype(np.float64)
                ratio = x / psw[:, None]
                sums = np.zeros((k, x.shape[1]))
                np.add.at(sums, cell, ratio)
                x = x - psw[:, None] * (sums / counts[:, None])[cell]
        return x[:, 0] if one_d else x


@dataclass(frozen=True, eq=False)
class GregCalibration:
    """Residualisation for linear/raking/logit calibration (R class ``greg_calibration``, stage 0).

    ``basis`` is an orthonormal basis of the column space of X·√w (w the weights before calibration);
    ``w`` is g·√w.
    """

    basis: FloatArray
    w: FloatArray
    description: str = "linear"

    def residualise(self, z: FloatArray) -> FloatArray:
        x = np.asarray(z, dtype=np.float64)
        one_d = x.ndim == 1
        x2 = x[:, None] if one_d else x
        with np.errstate(invalid="ignore", divide="ignore"):
            scaled = np.where(self.w[:, None] != 0, x2 / self.w[:, None], 0.0)
        resid = scaled - self.basis @ (self.basis.T @ scaled)
        out = resid * self.w[:, None]
        return out[:, 0] if one_d else out


@dataclass(frozen=True, eq=False)
class CalibrationSteps:
    """Several calibrations applied in order (R's ``design$postStrata`` list)."""

    steps: tuple[Calibration, ...]

    @property
    def description(self) -> str:
        return "+".join(str(getattr(s, "description", type(s).__name__)) for s in self.steps)

    def residualise(self, z: FloatArray) -> FloatArray:
        x = np.asarray(z, dtype=np.float64)
        for step in self.steps:
            x = step.residualise(x)
        return x


def _with_weights(design: Design, weights: FloatArray, cal: Calibration) -> Design:
    """The calibrated design; negative weights (possible with unbounded GREG) are reported clearly."""
    if np.any(weights < 0):
        k = int(np.flatnonzero(weights < 0)[0]) + 1
        raise CalibrationError(
            f"calibration gives a negative weight (row {k}, {weights[k - 1]:.4g}); "
            "use bounds (e.g. [0.5, 3]) or raking instead of unbounded linear calibration"
        )
    try:
        return design.with_weights(weights, calibration=_stack(design.calibration, cal))
    except DesignError as exc:  # pragma: no cover - weights are finite and non-negative here
        raise CalibrationError(str(exc)) from None


def _stack(previous: Calibration | None, new: Calibration) -> Calibration:
    if previous is None:
        return new
    if isinstance(previous, CalibrationSteps):
        return CalibrationSteps((*previous.steps, new))
    return CalibrationSteps((previous, new))


# --------------------------------------------------------------------------------------------------
# Post-stratification
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellReport:
    """One post-stratum: label, rows, weighted count before, population count, adjustment factor."""

    label: str
    rows: int
    weighted_before: float
    population: float
    factor: float


@dataclass(frozen=True)
class PostStratifyReport:
    """What post-stratification did, cell by cell."""

    variables: tuple[str, ...]
    cells: tuple[CellReport, ...]
    ignored_cells: tuple[str, ...] = ()

    @property
    def max_factor(self) -> float:
        return max(c.factor for c in self.cells)

    @property
    def min_factor(self) -> float:
        return min(c.factor for c in self.cells)


def _cell_labels(strata: Mapping[str, ArrayLike], n: int) -> tuple[str, NDArray[np.object_]]:
    if not strata:
        raise CalibrationError("no post-stratification variable given")
    names = list(strata)
    cols = [_labels(strata[c], c, n) for c in names]
    if len(cols) == 1:
        return names[0], cols[0]
    joined = np.array(["|".join(parts) for parts in zip(*cols, strict=True)], dtype=object)
    return "|".join(names), joined


def _population_table(totals: Mapping[str, Any], key: str) -> dict[str, float]:
    if key not in totals:
        raise CalibrationError(f"no population totals for {key!r}")
    table = totals[key]
    if not isinstance(table, Mapping):
        raise CalibrationError(f"totals for {key!r} must map level labels to population counts")
    out: dict[str, float] = {}
    for level, count in table.items():
        try:
            value = float(count)
        except (TypeError, ValueError):
            raise CalibrationError(f"population count for {key}={level} is not a number: {count!r}") from None
        if not math.isfinite(value) or value < 0:
            raise CalibrationError(f"population count for {key}={level} must be a non-negative number")
        out[label_of(level)] = value
    return out


def _poststratify_weights(
    w: FloatArray, labels: NDArray[np.object_], pop: Mapping[str, float], key: str, partial: bool
) -> tuple[FloatArray, NDArray[np.int64], list[CellReport], list[str]]:
    levels = sorted(set(labels.tolist()))
    missing = [lv for lv in levels if lv not in pop]
    if missing:
        raise CalibrationError(f"{key}: level {missing[0]!r} is in the sample but has no population total")
    index = {lv: i for i, lv in enumerate(levels)}
    cell = np.array([index[v] for v in labels.tolist()], dtype=np.int64)
    sample = np.bincount(cell, weights=w, minlength=len(levels))
    rows = np.bincount(cell, minlength=len(levels))
    ignored = [lv for lv, v in pop.items() if lv not in index and v > 0]
    if ignored and not partial:
        raise CalibrationError(
            f"{key}: level {ignored[0]!r} has a population total but no sample rows (use partial to ignore)"
        )
    reports: list[CellReport] = []
    factors = np.empty(len(levels))
    for lv, i in index.items():
        if sample[i] == 0:
            if pop[lv] == 0:
                factors[i] = 1.0
            else:
                raise CalibrationError(f"{key}: level {lv!r} has zero total weight in the sample")
        else:
            factors[i] = pop[lv] / sample[i]
        reports.append(CellReport(lv, int(rows[i]), float(sample[i]), pop[lv], float(factors[i])))
    return w * factors[cell], cell, reports, ignored


def poststratify(
    design: Design, strata: Mapping[str, ArrayLike], totals: Mapping[str, Any], *, partial: bool = False
) -> tuple[Design, PostStratifyReport]:
    """Post-stratify: w_k N_g / N̂_g within each post-stratum g (R ``postStratify``; Lohr 2022, §4.4).

    Parameters
    ----------
    design : Design
    strata : dict of str to array_like
        Post-stratification variables (one label per row).
    totals : dict
        ``{"COL": {"LEVEL": N_g}}``; for several variables ``{"A|B": {"a|b": N_g}}``.
    partial : bool
        Ignore population cells with no sample rows (R ``partial=TRUE``); otherwise an error.

    Returns
    -------
    (Design, PostStratifyReport)
        Post-stratified totals of the post-stratifier then have SE 0.
    """
    n = design.n_rows
    key, labels = _cell_labels(strata, n)
    pop = _population_table(totals, key)
    old = design.weights.astype(np.float64)
    new, cell, reports, ignored = _poststratify_weights(old, labels, pop, key, partial)
    cal = PostStratification(cell, new, old, description=f"poststratify({key})")
    out = _with_weights(design, new, cal)
    return out, PostStratifyReport(tuple(key.split("|")), tuple(reports), tuple(ignored))


# --------------------------------------------------------------------------------------------------
# Raking
# --------------------------------------------------------------------------------------------------


MARGIN_TOLERANCE = 1e-3  # relative miss of a margin total that still counts as met after raking


@dataclass(frozen=True)
class MarginReport:
    """Achieved versus target totals on one margin after raking or calibration."""

    variable: str
    levels: tuple[str, ...]
    targets: tuple[float, ...]
    achieved: tuple[float, ...]

    @property
    def max_error(self) -> float:
        return max(abs(a - t) for a, t in zip(self.achieved, self.targets, strict=True))


@dataclass(frozen=True)
class RakeReport:
    """Convergence of raking: IPF sweeps, the last change in the cross-table, the largest margin error."""

    iterations: int
    converged: bool
    max_change: float
    max_margin_error: float
    epsilon: float
    margins: tuple[MarginReport, ...] = field(default=())


def rake(
    design: Design,
    margins: Mapping[str, ArrayLike],
    totals: Mapping[str, Mapping[str, float]],
    max_iter: int = 10,
    epsilon: float = 1.0,
    *,
    require_convergence: bool = False,
) -> tuple[Design, RakeReport]:
    """Rake (iterative proportional fitting) to several margins, as R's ``rake``.

    Each sweep post-stratifies on every margin in turn; it stops when the weighted cross-classification of
    all margin variables changes by less than ``epsilon`` between sweeps (R's rule; ``epsilon < 1`` means
    ``epsilon · Σw``), or after ``max_iter`` sweeps (R warns; we report ``converged=False``, or raise with
    ``require_convergence``). Defaults are R's (``maxit = 10``, ``epsilon = 1``). Variance by R's
    projection on each margin in turn (Deville, Särndal & Sautory 1993; Lumley 2010, §7.3).

    Returns
    -------
    (Design, RakeReport)
    """
    if not margins:
        raise CalibrationError("no raking margin given")
    n = design.n_rows
    names = list(margins)
    labels = [_labels(margins[m], m, n) for m in names]
    pops = [_population_table(totals, m) for m in names]
    w0 = design.weights.astype(np.float64)
    eps = epsilon * float(w0.sum()) if epsilon < 1 else epsilon
    # Cross-classification of all margin variables, for R's convergence check (svytable(ff, design)).
    joint = np.array(["\x1f".join(p) for p in zip(*labels, strict=True)], dtype=object)
    _, joint_code = np.unique(joint, return_inverse=True)
    joint_code = joint_code.reshape(-1)
    n_joint = int(joint_code.max()) + 1
    old_table = np.bincount(joint_code, weights=w0, minlength=n_joint)
    w = w0
    iterations = 0
    converged = False
    change = math.inf
    cells: list[NDArray[np.int64]] = []
    stage_weights: list[FloatArray] = []
    while iterations < max_iter:
        cells, stage_weights = [], []
        for name, lab, pop in zip(names, labels, pops, strict=True):
            w, cell, _, _ = _poststratify_weights(w, lab, pop, name, partial=False)
            cells.append(cell)
            stage_weights.append(w)
        iterations += 1
        new_table = np.bincount(joint_code, weights=w, minlength=n_joint)
        change = float(np.max(np.abs(old_table - new_table)))
        if change < eps:
            converged = True
            break
        old_table = new_table
    reports = []
    for name, lab, pop in zip(names, labels, pops, strict=True):
        lv = tuple(sorted(set(lab.tolist())))
        achieved = tuple(float(w[lab == v].sum()) for v in lv)
        reports.append(MarginReport(name, lv, tuple(pop[v] for v in lv), achieved))
    # R's rule only asks that the sweeps stopped moving. With a structural zero (a margin cell whose
    # sample rows all lie in cells that another margin fixes) they can settle far from the totals, and R
    # still calls it converged. We also ask that every margin total be met within epsilon or 0.1 % of its
    # target (the joint-table rule allows a wide margin cell to miss by several counts of rounding-sized
    # changes, which R accepts and so do we). A deliberate difference from R, listed in docs/statistics.md.
    if converged and any(
        abs(a - t) > max(eps, MARGIN_TOLERANCE * abs(t))
        for r in reports
        for a, t in zip(r.achieved, r.targets, strict=True)
    ):
        converged = False
    if not converged and require_convergence:
        raise CalibrationError(f"raking did not converge after {iterations} iterations (change {change:.3g})")
    cal = Raking(tuple(cells), tuple(stage_weights), description=f"rake({', '.join(names)})")
    out = _with_weights(design, w, cal)
    report = RakeReport(
        iterations=iterations,
        converged=converged,
        max_change=change,
        max_margin_error=max(r.max_error for r in reports),
        epsilon=eps,
        margins=tuple(reports),
    )
    return out, report


# --------------------------------------------------------------------------------------------------
# Linear / raking / logit calibration
# --------------------------------------------------------------------------------------------------


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
                lab = _labels(arr, name, n)
                table = _population_table(totals, name)
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
    out = _with_weights(design, new_w, cal)
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


CalibrationResultReport = PostStratifyReport | RakeReport | CalibrationReport


def calibrate(
    design: Design,
    targets: Mapping[str, Any],
    columns: Mapping[str, ArrayLike],
    *,
    bounds: Sequence[float] | None = None,
) -> tuple[Design, CalibrationResultReport]:
    """Apply a targets document ``{"method": …, "margins": {"COL": {"LEVEL": N}}}``.

    ``method`` is ``"poststratify"`` (exactly one margin, or several for their cross-classification
    given as ``{"A|B": {"a|b": N}}``), ``"rake"`` or ``"linear"`` (optionally with ``"bounds": [L, U]``
    and ``"calfun"``). ``columns`` supplies the margin columns by name.
    """
    method = targets.get("method")
    margins = targets.get("margins")
    if not isinstance(margins, Mapping) or not margins:
        raise CalibrationError('targets need a non-empty "margins" object: {"COL": {"LEVEL": count}}')
    names = [p for key in margins for p in str(key).split("|")]
    missing = [c for c in names if c not in columns]
    if missing:
        raise CalibrationError(f"calibration column {missing[0]!r} is not in the data")
    if method == "poststratify":
        if len(margins) != 1:
            raise CalibrationError("poststratify takes one margin (join several variables as 'A|B')")
        key = next(iter(margins))
        return poststratify(design, {c: columns[c] for c in str(key).split("|")}, margins)
    if method == "rake":
        for key in margins:
            if "|" in str(key):
                raise CalibrationError("rake margins are single columns")
        max_iter = int(targets.get("max_iter", 10))
        eps = float(targets.get("epsilon", 1.0))
        return rake(design, {c: columns[c] for c in margins}, margins, max_iter=max_iter, epsilon=eps)
    if method == "linear":
        b = targets.get("bounds", bounds)
        bnd = None if b is None else (float(b[0]), float(b[1]))
        calfun = targets.get("calfun", "linear")
        if calfun not in ("linear", "raking", "logit"):
            raise CalibrationError(f"calfun must be linear, raking or logit, got {calfun!r}")
        return linear_calibrate(design, {c: columns[c] for c in margins}, margins, bounds=bnd, calfun=calfun)
    raise CalibrationError(f'"method" must be poststratify, rake or linear, got {method!r}')
