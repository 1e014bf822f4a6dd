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
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sampling.calibration_linear import CalibrationReport, linear_calibrate
from sampling.calibration_margins import MarginReport, column_labels, label_of, population_table
from sampling.calibration_steps import (
    CalibrationSteps,
    GregCalibration,
    PostStratification,
    Raking,
    with_calibration,
)
from sampling.design import Design
from sampling.errors import CalibrationError

# The calibration objects, the margin helpers and linear calibration live in their own modules
# (calibration_steps, calibration_margins, calibration_linear); they are re-exported here so that
# ``sampling.calibration`` stays the one place to import every calibration from.
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
    cols = [column_labels(strata[c], c, n) for c in names]
    if len(cols) == 1:
        return names[0], cols[0]
    joined = np.array(["|".join(parts) for parts in zip(*cols, strict=True)], dtype=object)
    return "|".join(names), joined


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
    pop = population_table(totals, key)
    old = design.weights.astype(np.float64)
    new, cell, reports, ignored = _poststratify_weights(old, labels, pop, key, partial)
    cal = PostStratification(cell, new, old, description=f"poststratify({key})")
    out = with_calibration(design, new, cal)
    return out, PostStratifyReport(tuple(key.split("|")), tuple(reports), tuple(ignored))


# --------------------------------------------------------------------------------------------------
# Raking
# --------------------------------------------------------------------------------------------------


MARGIN_TOLERANCE = 1e-3  # relative miss of a margin total that still counts as met after raking


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
    labels = [column_labels(margins[m], m, n) for m in names]
    pops = [population_table(totals, m) for m in names]
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
    out = with_calibration(design, w, cal)
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
# A targets document: dispatch to poststratify, rake or linear_calibrate (calibration_linear)
# --------------------------------------------------------------------------------------------------


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
