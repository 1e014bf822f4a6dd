"""Survey designs: strata, clusters, weights and finite-population corrections as integer codes.

A :class:`Design` validates its inputs once and precomputes the integer codes every estimator needs
(stratum of each row, PSU of each row, stratum of each PSU, PSU counts, sampling fractions), so that an
estimate is a handful of ``np.bincount`` calls and one sparse product (see :mod:`sampling.variance`).

Conventions follow R's ``survey::svydesign`` (Lumley 2004, 2010):

* ``fpc`` holds, per row, the population number of PSUs in the row's stratum, or the sampling fraction
  when every value is ≤ 1 (``as.fpc`` in R).
* Without ``psu`` every row is its own PSU; without ``strata`` the design has one stratum.
* With ``nest=False`` a PSU code may not appear in two strata (R: "Clusters not nested in strata");
  ``nest=True`` makes PSU codes relative to their stratum.
* A second stage (``ssu`` with ``fpc2``) adds R's recursive multistage term
  Σ_PSU (n_h / N_h) · V̂_stage2 (``survey:::multistage``); second-stage units are always nested in PSUs.
* Without weights or probabilities the weights follow from the FPC (N_h / n_h per stage), as R does.

Deliberate difference from R: a lonely PSU under the ``"fail"`` policy raises :class:`LonelyPSUError` when
the design is built, not at the first variance computation (a design that cannot give a variance is
reported where it is described).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Literal, Protocol, get_args

import numpy as np
import numpy.typing as npt

from sampling.errors import DesignError, LonelyPSUError

__all__ = ["Calibration", "Design", "DesignSummary", "LonelyPSU", "StageInfo"]

LonelyPSU = Literal["fail", "remove", "certainty", "adjust", "average"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# R treats a stage whose every "1 - f" is below this as exhaustively sampled (survey:::onestrat).
_EXHAUSTIVE_TOL = 1e-7


class Calibration(Protocol):
    """What a calibrated design carries so variances account for the calibration.

    ``residualise(z)`` takes an (n_rows × k) matrix of linearised values and returns the matrix R uses in
    the variance after calibration or post-stratification (``survey:::svyrecvar``): residuals of z from
    the calibration model, multiplied back by the weights as R does.
    """

    def residualise(self, z: FloatArray) -> FloatArray: ...


@dataclass(frozen=True)
class StageInfo:
    """One sampling stage, in the shape the variance engine uses.

    Attributes
    ----------
    unit_of_row
        Code 0..U-1 of the sampled unit (PSU at stage 1, SSU at stage 2) of every row.
    stratum_of_unit
        Code of the stratum the unit was drawn in (at stage 2: the PSU).
    n_units
        Number of sampled units per stratum (n_h).
    scale
        Per stratum: (1 − f_h) n_h / (n_h − 1), or (1 − f_h) for a lonely unit (R's ``onestrat``);
        0 when the stratum was sampled exhaustively or is dropped by the lonely-PSU policy.
    multiplier
        Per stratum: 1 at stage 1; n_h / N_h of the parent stage at stage 2 (R's ``multistage``).
    centre
        Per stratum: whether unit totals are centred on the stratum mean (False only for a lonely PSU under
        ``"adjust"``, which R leaves uncentred).
    lonely
        Per stratum: a single sampled unit that is not a certainty.
    """

    unit_of_row: IntArray
    stratum_of_unit: IntArray
    n_units: IntArray
    scale: FloatArray
    multiplier: FloatArray
    centre: npt.NDArray[np.bool_]
    lonely: npt.NDArray[np.bool_]

    @property
    def n_strata(self) -> int:
        return int(self.n_units.shape[0])

    @property
    def n_units_total(self) -> int:
        return int(self.stratum_of_unit.shape[0])


@dataclass(frozen=True)
class DesignSummary:
    """Facts about a design that every result reports (JSON ``design`` object of ``sipas estimate``)."""

    rows: int
    strata: int
    psus: int
    df: int
    weight: str | None
    calibration: str | None
    lonely_psu: str
    stages: int


def _codes(values: npt.ArrayLike, what: str, n: int) -> tuple[IntArray, np.ndarray]:
    """Integer codes 0..L-1 (sorted labels) for a label column; missing values are an error."""
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise DesignError(
            f"{what} must be a 1-d array with one value per row ({n} rows), got shape {arr.shape}"
        )
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise DesignError(f"{what} has a missing value at row {int(np.flatnonzero(np.isnan(arr))[0]) + 1}")
    if arr.dtype.kind == "O":
        missing = np.array([v is None or (isinstance(v, float) and v != v) for v in arr], dtype=bool)
        if missing.any():
            raise DesignError(f"{what} has a missing value at row {int(np.flatnonzero(missing)[0]) + 1}")
        arr = arr.astype(str)
    if arr.dtype.kind in "iu" and n > 0 and arr.min() >= 0 and arr.max() < 4 * n + 1024:
        # Non-negative integer codes (the CLI's case): O(n) relabelling instead of a sort.
        present = np.bincount(arr, minlength=1) > 0
        labels_int = np.flatnonzero(present)
        remap = np.cumsum(present) - 1
        return remap[arr].astype(np.int64), labels_int
    labels, inverse = np.unique(arr, return_inverse=True)
    return inverse.astype(np.int64).reshape(-1), labels


def _float_column(values: npt.ArrayLike, what: str, n: int) -> FloatArray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DesignError(f"{what} must be numeric") from None
    if arr.ndim != 1 or arr.shape[0] != n:
        raise DesignError(
            f"{what} must be a 1-d array with one value per row ({n} rows), got shape {arr.shape}"
        )
    return arr


def _first_bad(mask: npt.NDArray[np.bool_]) -> int:
    return int(np.flatnonzero(mask)[0]) + 1


def _per_group_constant(
    values: FloatArray, group: IntArray, n_groups: int, what: str, group_name: str, labels: np.ndarray | None
) -> FloatArray:
    """The value each group holds, checking it is the same on every row of the group."""
    first_row = np.full(n_groups, -1, dtype=np.int64)
    # Reverse assignment leaves the first row of each group in place.
    order = np.arange(group.shape[0] - 1, -1, -1)
    first_row[group[order]] = order
    per_group = values[first_row]
    differs = (values != per_group[group]) & ~(np.isnan(values) & np.isnan(per_group[group]))
    if differs.any():
        row = _first_bad(differs)
        g = int(group[row - 1])
        name = labels[g] if labels is not None else g
        raise DesignError(f"{what} differs within {group_name} {name!s} (row {row})")
    return per_group


class Design:
    """A probability sample design over ``n`` rows, with precomputed integer codes.

    Parameters
    ----------
    weights, probabilities
        Final weights w_k, or inclusion probabilities π_k (w = 1/π). At most one. Without either the
        weights follow from the FPC (N_h/n_h, times N_hi/n_hi at stage 2), else they are 1.
    strata
        Stratum label per row (optional).
    psu
        First-stage cluster label per row (optional; without it each row is its own PSU).
    ssu
        Second-stage cluster label per row (optional; needs ``fpc`` and ``fpc2``).
    fpc, fpc2
        Per row: population number of PSUs in the stratum (SSUs in the PSU for ``fpc2``), or the sampling
        fraction when all values are ≤ 1.
    nest
        PSU labels are relative to their stratum (R's ``nest=TRUE``).
    lonely_psu
        What a stratum with a single PSU contributes (R's ``options(survey.lonely.psu)``): ``"fail"``,
        ``"remove"`` / ``"certainty"`` (0), ``"adjust"`` ((1 − f_h) t_h1², uncentred as R does),
        ``"average"`` (skip it and scale the variance by H / H_ok).
    calibration
        Optional :class:`Calibration` set by the weighting module; variances residualise z with it.
    weight_name
        Name reported in summaries (the weight column).

    Raises
    ------
    DesignError
        Missing, NaN or negative weights; PSUs reused across strata without ``nest``; FPC inconsistent
        within a stratum or smaller than the number of sampled PSUs.
    LonelyPSUError
        A stratum with one PSU under ``lonely_psu="fail"``.

    Notes
    -----
    Source: Lumley T. (2004) "Analysis of complex survey samples", J. Stat. Softw. 9(8); R ``survey``
    functions ``svydesign``, ``as.fpc``, ``onestrat`` and ``multistage``.
    """

    n_rows: int
    weights: FloatArray
    stratum_of_row: IntArray
    psu_of_row: IntArray
    stratum_labels: np.ndarray
    stages: tuple[StageInfo, ...]
    lonely_psu: LonelyPSU
    calibration: Calibration | None
    weight_name: str | None
    has_fpc: bool

    def __init__(
        self,
        *,
        weights: npt.ArrayLike | None = None,
        probabilities: npt.ArrayLike | None = None,
        strata: npt.ArrayLike | None = None,
        psu: npt.ArrayLike | None = None,
        ssu: npt.ArrayLike | None = None,
        fpc: npt.ArrayLike | None = None,
        fpc2: npt.ArrayLike | None = None,
        nest: bool = False,
        lonely_psu: LonelyPSU = "fail",
        calibration: Calibration | None = None,
        weight_name: str | None = None,
        n_rows: int | None = None,
    ) -> None:
        if lonely_psu not in get_args(LonelyPSU):
            raise DesignError(
                f"lonely_psu must be one of {', '.join(get_args(LonelyPSU))}, got {lonely_psu!r}"
            )
        if weights is not None and probabilities is not None:
            raise DesignError("give weights or probabilities, not both")
        n = self._row_count(n_rows, weights, probabilities, strata, psu, fpc)
        if n == 0:
            raise DesignError("the design has no rows")

        stratum, stratum_labels = self._strata(strata, n)
        n_strata = int(stratum_labels.shape[0])
        psu_code, psu_stratum = self._psus(psu, nest, stratum, n)
        n_h = np.bincount(psu_stratum, minlength=n_strata).astype(np.int64)

        # --- finite population corrections -----------------------------------------------------------
        pop_h = np.full(n_strata, np.inf)
        if fpc is not None:
            fpc_row = _float_column(fpc, "fpc", n)
            pop_h = self._population_sizes(fpc_row, stratum, n_strata, n_h, stratum_labels, "fpc", "stratum")
        stage1 = self._stage(
            psu_code, psu_stratum, n_h, pop_h, np.ones(n_strata), lonely_psu, stratum_labels, "stratum"
        )
        stages = [stage1]

        ssu_weight = np.ones(n)
        if ssu is not None:
            if fpc is None or fpc2 is None:
                raise DesignError(
                    "a second stage (ssu) needs fpc and fpc2: without a first-stage FPC R's variance uses "
                    "the first stage only (with-replacement approximation)"
                )
            stage2, ssu_weight = self._second_stage(ssu, fpc2, psu_code, psu_stratum, n_h, pop_h, lonely_psu)
            stages.append(stage2)
        elif fpc2 is not None:
            raise DesignError("fpc2 given without ssu")

        # --- weights --------------------------------------------------------------------------------
        if weights is not None:
            w = _float_column(weights, "weights", n)
        elif probabilities is not None:
            w = self._weights_from_probabilities(probabilities, n)
        elif fpc is not None:
            w = (pop_h / n_h)[stratum] * ssu_weight
        else:
            w = np.ones(n)
        if np.isnan(w).any():
            raise DesignError(f"weight is missing at row {_first_bad(np.isnan(w))}")
        if np.isinf(w).any():
            raise DesignError(f"weight is infinite at row {_first_bad(np.isinf(w))}")
        if (w < 0).any():
            raise DesignError(f"weight is negative at row {_first_bad(w < 0)}")

        self.n_rows = n
        self.weights = w
        self.stratum_of_row = stratum
        self.psu_of_row = psu_code
        self.stratum_labels = stratum_labels
        self.stages = tuple(stages)
        self.lonely_psu = lonely_psu
        self.calibration = calibration
        self.weight_name = weight_name
        self.has_fpc = fpc is not None

    # ------------------------------------------------------------------------------------------------
    @staticmethod
    def _row_count(n_rows: int | None, *arrays: Any) -> int:
        for a in arrays:
            if a is not None:
                return int(np.shape(a)[0])
        if n_rows is None:
            raise DesignError("give weights, probabilities, strata, psu or fpc, or n_rows")
        return int(n_rows)

    @staticmethod
    def _strata(strata: npt.ArrayLike | None, n: int) -> tuple[IntArray, np.ndarray]:
        """Stratum code of every row and the stratum labels (one stratum "(all)" without strata)."""
        if strata is None:
            return np.zeros(n, dtype=np.int64), np.array(["(all)"], dtype=object)
        return _codes(strata, "strata", n)

    @staticmethod
    def _psus(psu: npt.ArrayLike | None, nest: bool, stratum: IntArray, n: int) -> tuple[IntArray, IntArray]:
        """PSU code of every row and stratum of every PSU (each row its own PSU without ``psu``)."""
        if psu is None:
            psu_code = np.arange(n, dtype=np.int64)
        else:
            raw_psu, psu_labels = _codes(psu, "psu", n)
            if nest:
                psu_code = np.unique(stratum * psu_labels.shape[0] + raw_psu, return_inverse=True)[1]
                psu_code = psu_code.astype(np.int64).reshape(-1)
            else:
                psu_code = raw_psu
        n_psu = int(psu_code.max()) + 1
        psu_stratum = np.empty(n_psu, dtype=np.int64)
        psu_stratum[psu_code] = stratum
        if psu is not None and not nest and np.any(psu_stratum[psu_code] != stratum):
            row = _first_bad(psu_stratum[psu_code] != stratum)
            raise DesignError(
                f"PSU {np.asarray(psu)[row - 1]!s} appears in more than one stratum (row {row}); "
                "use nest=True if PSU codes are only unique within strata"
            )
        return psu_code, psu_stratum

    @staticmethod
    def _second_stage(
        ssu: npt.ArrayLike,
        fpc2: npt.ArrayLike,
        psu_code: IntArray,
        psu_stratum: IntArray,
        n_h: IntArray,
        pop_h: FloatArray,
        lonely_psu: LonelyPSU,
    ) -> tuple[StageInfo, FloatArray]:
        """The second stage (SSUs nested in PSUs) and the per-row stage-2 weight factor N_hi / n_hi."""
        n = psu_code.shape[0]
        n_psu = psu_stratum.shape[0]
        raw_ssu, ssu_labels = _codes(ssu, "ssu", n)
        ssu_code = np.unique(psu_code * ssu_labels.shape[0] + raw_ssu, return_inverse=True)[1]
        ssu_code = ssu_code.astype(np.int64).reshape(-1)
        n_ssu = int(ssu_code.max()) + 1
        ssu_psu = np.empty(n_ssu, dtype=np.int64)
        ssu_psu[ssu_code] = psu_code
        n2 = np.bincount(ssu_psu, minlength=n_psu).astype(np.int64)
        fpc2_row = _float_column(fpc2, "fpc2", n)
        pop2 = Design._population_sizes(fpc2_row, psu_code, n_psu, n2, None, "fpc2", "PSU")
        # R: multistage(...) * nPSUs[,1] / fpcs[,1] -- the stage-1 sampling fraction of the PSU's stratum.
        mult = (n_h / pop_h)[psu_stratum]
        psu_labels_txt = np.arange(n_psu).astype(str)
        stage = Design._stage(ssu_code, ssu_psu, n2, pop2, mult, lonely_psu, psu_labels_txt, "PSU")
        return stage, (pop2 / n2)[psu_code]

    @staticmethod
    def _weights_from_probabilities(probabilities: npt.ArrayLike, n: int) -> FloatArray:
        p = _float_column(probabilities, "probabilities", n)
        bad = np.isnan(p) | (p <= 0) | (p > 1)
        if bad.any():
            raise DesignError(f"inclusion probability must be in (0, 1], row {_first_bad(bad)}")
        return 1.0 / p

    @staticmethod
    def _population_sizes(
        fpc_row: FloatArray,
        group: IntArray,
        n_groups: int,
        n_units: IntArray,
        labels: np.ndarray | None,
        what: str,
        group_name: str,
    ) -> FloatArray:
        """N per group from a per-row FPC (counts, or fractions when all ≤ 1, as ``survey::as.fpc``)."""
        if np.isnan(fpc_row).any():
            raise DesignError(f"{what} is missing at row {_first_bad(np.isnan(fpc_row))}")
        if (fpc_row <= 0).any():
            raise DesignError(f"{what} must be positive, row {_first_bad(fpc_row <= 0)}")
        per_group = _per_group_constant(fpc_row, group, n_groups, what, group_name, labels)
        if np.all(fpc_row <= 1):
            pop = n_units / per_group  # sampling fraction f = n/N
        else:
            if np.any(fpc_row < 1):
                raise DesignError(f"{what} mixes sampling fractions (< 1) and population counts (> 1)")
            pop = per_group
        too_small = pop < n_units - 1e-9
        if too_small.any():
            g = int(np.flatnonzero(too_small)[0])
            name = labels[g] if labels is not None else g
            raise DesignError(
                f"{what} in {group_name} {name!s} ({pop[g]:g}) is smaller than the number of sampled "
                f"units ({int(n_units[g])})"
            )
        return np.asarray(pop, dtype=np.float64)

    @staticmethod
    def _stage(
        unit_of_row: IntArray,
        stratum_of_unit: IntArray,
        n_units: IntArray,
        pop: FloatArray,
        multiplier: FloatArray,
        lonely_psu: LonelyPSU,
        labels: np.ndarray,
        group_name: str,
    ) -> StageInfo:
        """Per-stratum scale factors exactly as ``survey:::onestrat`` computes them."""
        one_minus_f = np.where(np.isinf(pop), 1.0, (pop - n_units) / np.where(np.isinf(pop), 1.0, pop))
        exhaustive = one_minus_f < _EXHAUSTIVE_TOL
        lonely = (n_units == 1) & ~exhaustive
        if lonely.any() and lonely_psu == "fail":
            g = int(np.flatnonzero(lonely)[0])
            raise LonelyPSUError(
                f"{group_name} {labels[g]!s} has only one "
                f"{'PSU' if group_name == 'stratum' else 'second-stage unit'}; choose a lonely-PSU policy "
                "(remove, certainty, adjust, average)"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(n_units > 1, one_minus_f * n_units / (n_units - 1), one_minus_f)
        scale = np.where(exhaustive, 0.0, scale)
        if lonely_psu == "average":
            scale = np.where(lonely, 0.0, scale)
        centre = ~(lonely & (lonely_psu == "adjust"))
        return StageInfo(
            unit_of_row=unit_of_row,
            stratum_of_unit=stratum_of_unit,
            n_units=n_units,
            scale=np.asarray(scale, dtype=np.float64),
            multiplier=np.asarray(multiplier, dtype=np.float64),
            centre=np.asarray(centre, dtype=np.bool_),
            lonely=np.asarray(lonely, dtype=np.bool_),
        )

    # ------------------------------------------------------------------------------------------------
    @property
    def n_strata(self) -> int:
        return int(self.stratum_labels.shape[0])

    @property
    def n_psus(self) -> int:
        return self.stages[0].n_units_total

    @property
    def population_size(self) -> float:
        """N̂ = Σ w_k."""
        return float(self.weights.sum())

    def degrees_of_freedom(self, rows: npt.NDArray[np.bool_] | None = None) -> int:
        """R's ``degf``: #PSUs − #strata among rows with w ≠ 0 (optionally within ``rows``)."""
        keep = self.weights != 0
        if rows is not None:
            keep = keep & rows
        psu_seen = np.bincount(self.psu_of_row, weights=keep, minlength=self.n_psus) > 0
        strata_seen = np.bincount(self.stages[0].stratum_of_unit[psu_seen], minlength=self.n_strata) > 0
        return int(psu_seen.sum() - strata_seen.sum())

    def summary(self) -> DesignSummary:
        cal = None if self.calibration is None else type(self.calibration).__name__
        cal = getattr(self.calibration, "description", cal) if self.calibration is not None else None
        return DesignSummary(
            rows=self.n_rows,
            strata=self.n_strata,
            psus=self.n_psus,
            df=self.degrees_of_freedom(),
            weight=self.weight_name,
            calibration=None if cal is None else str(cal),
            lonely_psu=self.lonely_psu,
            stages=len(self.stages),
        )

    def with_weights(
        self,
        weights: npt.ArrayLike,
        *,
        calibration: Calibration | None = None,
        weight_name: str | None = None,
    ) -> Design:
        """A new design with the same strata, PSUs and FPC but other weights (and calibration).

        Used by the weighting module: calibrated weights plus the object whose ``residualise`` the
        variance must apply (R keeps the calibration in ``design$postStrata``).
        """
        w = _float_column(weights, "weights", self.n_rows)
        if np.isnan(w).any():
            raise DesignError(f"weight is missing at row {_first_bad(np.isnan(w))}")
        if (w < 0).any():
            raise DesignError(f"weight is negative at row {_first_bad(w < 0)}")
        new = copy.copy(self)
        new.weights = w
        new.calibration = calibration
        if weight_name is not None:
            new.weight_name = weight_name
        return new

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"Design(rows={s.rows}, strata={s.strata}, psus={s.psus}, stages={s.stages}, df={s.df}, "
            f"lonely_psu={s.lonely_psu!r}, calibrated={self.calibration is not None})"
        )
