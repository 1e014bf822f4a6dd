"""What the variance applies after a calibration: one residualisation per calibration step.

Each object's ``residualise(z)`` takes linearised values already multiplied by the final weights and
removes what the calibration fixed, as R's ``survey:::svyrecvar`` does (the formulas are in the docstring
of :mod:`sampling.calibration`). Successive calibrations stack in order (R's ``design$postStrata`` list).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sampling.design import Calibration, Design
from sampling.errors import CalibrationError, DesignError

__all__ = [
    "CalibrationSteps",
    "GregCalibration",
    "PostStratification",
    "Raking",
    "stack_calibrations",
    "with_calibration",
]

FloatArray = NDArray[np.float64]


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


def with_calibration(design: Design, weights: FloatArray, cal: Calibration) -> Design:
    """The calibrated design; negative weights (possible with unbounded GREG) are reported clearly."""
    if np.any(weights < 0):
        k = int(np.flatnonzero(weights < 0)[0]) + 1
        raise CalibrationError(
            f"calibration gives a negative weight (row {k}, {weights[k - 1]:.4g}); "
            "use bounds (e.g. [0.5, 3]) or raking instead of unbounded linear calibration"
        )
    try:
        return design.with_weights(weights, calibration=stack_calibrations(design.calibration, cal))
    except DesignError as exc:  # pragma: no cover - weights are finite and non-negative here
        raise CalibrationError(str(exc)) from None


def stack_calibrations(previous: Calibration | None, new: Calibration) -> Calibration:
    """``new`` applied after ``previous`` (R appends to ``design$postStrata``)."""
    if previous is None:
        return new
    if isinstance(previous, CalibrationSteps):
        return CalibrationSteps((*previous.steps, new))
    return CalibrationSteps((previous, new))
