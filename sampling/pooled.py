"""Ratios over a stack of independent designs (provinces) from each design's own totals and covariance.

Stacked as strata of one design (:mod:`sampling.national`), independent surveys give a whole-sample
linearised variance that is a sum over strata, hence over surveys. A ratio of totals θ_j = Y_j / X_j
(Y_j = Σ top, X_j = Σ valid over every cell with a valid answer to criterion j, :mod:`sampling.cells`) has
the linearised variable z_j = (y_j − θ_j x_j) / X_j, so its covariance is Aᵀ M A with A the gradient of
θ in (Y, X) and M = Σ_p M_p the covariance of the 2K totals (Y, X), each M_p computed on survey p's own
cells with its own strata, PSUs, finite-population corrections and calibration (R: ``svyby(~y+x,
~province, design, svytotal, covmat=TRUE)`` is block-diagonal, and ``svyratio`` of the summed totals
gives the stacked design's ratio exactly). So the national figure never visits the cells of all
provinces together: each province costs one dense cross-product of its PSU totals.

The pass keeps the estimators' shape (:class:`sampling.estimators.RatioPass`): its linearisation is
a square root of Aᵀ M A carried by 2K pseudo-units (M = L Lᵀ, unit totals Lᵀ A, each unit its own
uncentred stratum), so every linear combination the index rule takes later (element, part and overall
indices) gets the variance cᵀ Aᵀ M A c — the stacked design's. Degrees of freedom are additive too:
PSUs with a valid answer minus their strata, summed over surveys (R's ``degf`` of the stacked design).
Every lonely-PSU policy but ``"average"`` acts stratum by stratum and pools; ``"average"`` scales by a
design-wide ratio and needs the stacked cells.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from sampling.design import Design, DesignSummary, LonelyPSU
from sampling.errors import EstimationError
from sampling.estimators import Domains, RatioPass
from sampling.results import IndexResult
from sampling.variance import Linearisation, dense_covariance

if TYPE_CHECKING:  # sampling.cells imports this module
    from sampling.cells import CellSums

__all__ = ["PooledPass", "StackedCells", "SurveyTotals", "pooled_pass", "survey_totals", "with_summary"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class StackedCells:
    """Cell sums of independent surveys (:class:`sampling.cells.CellSums`, same criteria and groups),
    estimated as one stratified design whose single domain is ``label`` (e.g. ``{"national":
    "national"}``); ``description`` names their calibrations when some are calibrated (one survey alone:
    its own calibration's, as its own estimate reports it)."""

    parts: tuple[CellSums | SurveyTotals, ...]
    label: Mapping[str, str] = field(default_factory=dict)
    description: str = "per province"


@dataclass(frozen=True)
class PooledPass:
    """The whole-sample ratio pass of stacked surveys and what the estimators count from cells."""

    design: Design  # the pseudo-units that carry the linearisation (module docstring)
    domains: Domains
    ratios: RatioPass  # n: row counts with a valid answer
    dont_know: IntArray  # (K, 1)
    group_rows: IntArray  # (G, 1)
    summary: DesignSummary  # the stacked design's


def _survey_totals(design: Design, values: FloatArray) -> list[FloatArray]:
    """Per stage, unit totals of the (cells × 2K) values, residualised by the survey's calibration."""
    z = values if design.calibration is None else np.asarray(design.calibration.residualise(values))
    rows = z.shape[0]
    totals = []
    for stage in design.stages:
        membership = sp.csr_array(
            (np.ones(rows), (stage.unit_of_row, np.arange(rows))), shape=(stage.n_units_total, rows)
        )
        totals.append(np.asarray(membership @ z, dtype=np.float64))
    return totals


def _df(design: Design, has: npt.NDArray[np.bool_]) -> IntArray:
    """Per criterion, PSUs with a valid answer minus the strata they lie in (R's ``degf`` of the domain)."""
    stage = design.stages[0]
    out = np.zeros(has.shape[1], dtype=np.int64)
    for j in range(has.shape[1]):
        seen = np.bincount(stage.unit_of_row[has[:, j]], minlength=stage.n_units_total) > 0
        strata = np.bincount(stage.stratum_of_unit[seen], minlength=stage.n_strata) > 0
        out[j] = int(seen.sum() - strata.sum())
    return out


@dataclass(frozen=True)
class SurveyTotals:
    """One survey's whole-sample totals of (top, valid) per criterion, their 2K × 2K covariance on its own
    design, and what the estimators count (module docstring); ``lonely_psu`` is the policy it was
    computed under. Computed once, it serves the survey's own estimate and every stack it is part of."""

    top: FloatArray  # (K,) Y
    valid: FloatArray  # (K,) X
    covariance: FloatArray  # (2K, 2K) of (Y, X)
    valid_rows: IntArray  # (K,)
    dont_know: IntArray  # (K,)
    group_rows: IntArray  # (G,)
    df: IntArray  # (K,) PSUs with a valid answer minus their strata
    rows: int
    psus: int
    strata: int
    calibration: str | None
    weight: str | None
    lonely_psu: LonelyPSU

    def rescaled(self, low: FloatArray, span: FloatArray) -> SurveyTotals:
        """The totals of (v − low)/span instead of v (:func:`sampling.index_rules.rescale_cells`): a linear
        map B of (Y, X), so the covariance becomes B M Bᵀ."""
        k = self.top.shape[0]
        b = np.eye(2 * k)
        b[np.arange(k), np.arange(k)] = 1.0 / span
        b[np.arange(k), k + np.arange(k)] = -low / span
        return replace(self, top=(self.top - low * self.valid) / span, covariance=b @ self.covariance @ b.T)


def survey_totals(cells: CellSums, lonely_psu: LonelyPSU = "adjust") -> SurveyTotals:
    """One survey's :class:`SurveyTotals` from its cells (its strata, PSUs, fpc and calibration)."""
    if lonely_psu == "average":
        raise EstimationError("the 'average' lonely-PSU policy does not pool: estimate the stacked cells")
    top = np.asarray(cells.top, dtype=np.float64)
    valid = np.asarray(cells.valid, dtype=np.float64)
    valid_rows = np.asarray(cells.valid_rows)
    k = top.shape[1]
    design = Design(
        weights=np.ones(top.shape[0]),
        strata=cells.strata,
        psu=cells.psu,
        fpc=cells.fpc,
        nest=True,  # as stacked: a PSU label reused in two strata is two PSUs
        lonely_psu=lonely_psu,
        calibration=cells.calibration,
    )
    has = valid_rows > 0
    # A cell without a valid answer to a criterion is missing for it (sampling.cells), so it adds 0.
    values = np.hstack([np.where(has, top, 0.0), np.where(has, valid, 0.0)])
    sums = values.sum(axis=0)
    return SurveyTotals(
        top=sums[:k],
        valid=sums[k:],
        covariance=dense_covariance(design, _survey_totals(design, values)),
        valid_rows=valid_rows.sum(axis=0).astype(np.int64),
        dont_know=np.asarray(cells.dont_know).sum(axis=0).astype(np.int64),
        group_rows=np.asarray(cells.group_rows).sum(axis=0).astype(np.int64),
        df=_df(design, has),
        rows=design.n_rows,
        psus=design.n_psus,
        strata=design.n_strata,
        calibration=None if design.calibration is None else design.summary().calibration,
        weight=design.weight_name,
        lonely_psu=lonely_psu,
    )


def pooled_pass(stack: StackedCells, lonely_psu: LonelyPSU = "adjust") -> PooledPass:
    """The ratio pass of the stacked surveys' whole sample, from each survey's totals (module docstring).

    Raises
    ------
    EstimationError
        No survey, criteria or groups that differ between surveys, totals computed under another
        lonely-PSU policy, or the ``"average"`` policy.
    """
    if lonely_psu == "average":
        raise EstimationError("the 'average' lonely-PSU policy does not pool: estimate the stacked cells")
    parts = [p if isinstance(p, SurveyTotals) else survey_totals(p, lonely_psu) for p in stack.parts]
    if not parts:
        raise EstimationError("no survey to pool")
    k, g = parts[0].top.shape[0], parts[0].group_rows.shape[0]
    for part in parts:
        if part.top.shape[0] != k or part.group_rows.shape[0] != g:
            raise EstimationError("the stacked surveys have different criteria or groups")
        if part.lonely_psu != lonely_psu:
            raise EstimationError(
                f"survey totals computed under lonely_psu={part.lonely_psu!r}, not {lonely_psu!r}"
            )
    y = np.sum([p.top for p in parts], axis=0)
    x = np.sum([p.valid for p in parts], axis=0)
    m = np.sum([p.covariance for p in parts], axis=0)
    n = np.sum([p.valid_rows for p in parts], axis=0)
    dk = np.sum([p.dont_know for p in parts], axis=0)
    group_rows = np.sum([p.group_rows for p in parts], axis=0)
    df = np.sum([p.df for p in parts], axis=0)
    rows, psus, strata = (sum(getattr(p, f) for p in parts) for f in ("rows", "psus", "strata"))
    calibrations = [p.calibration for p in parts if p.calibration is not None]
    weight = parts[-1].weight
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = y / x
        # Gradient of θ_j = Y_j / X_j in (Y, X): 1/X_j and −θ_j/X_j; a criterion without answers gets none.
        a = np.zeros((2 * k, k))
        a[np.arange(k), np.arange(k)] = np.where(x != 0, 1.0 / x, 0.0)
        a[k + np.arange(k), np.arange(k)] = np.where(x != 0, -theta / x, 0.0)
    # M = L Lᵀ (symmetric, positive semi-definite: rounding below zero is clipped).
    eigenvalues, vectors = np.linalg.eigh((m + m.T) / 2.0)
    root = vectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
    units = 2 * k
    carrier = Design(
        weights=np.ones(units),
        strata=np.arange(units, dtype=np.int64),
        psu=np.arange(units, dtype=np.int64),
        lonely_psu="adjust",
    )
    unit_totals = np.zeros((units, k))
    unit_totals[carrier.stages[0].unit_of_row] = root.T @ a
    lin = Linearisation(totals=(sp.csc_array(unit_totals),), average_factor=np.ones(k))
    variance = np.clip(np.diag(a.T @ m @ a), 0.0, None)
    ratios = RatioPass(
        estimate=theta[:, None],
        se=np.sqrt(variance)[:, None],
        denominator=x[:, None],
        n=n[:, None],
        n_nonzero=n[:, None],
        df=df[:, None],
        linearisation=lin,
        deff=None,
    )
    summary = DesignSummary(
        rows=rows,
        strata=strata,
        psus=psus,
        df=psus - strata,
        weight=weight,
        calibration=None if not calibrations else calibrations[0] if len(parts) == 1 else stack.description,
        lonely_psu=lonely_psu,
        stages=1,
    )
    return PooledPass(
        design=carrier,
        domains=Domains(codes=np.zeros(units, dtype=np.int64), labels=(dict(stack.label),)),
        ratios=ratios,
        dont_know=dk[:, None],
        group_rows=group_rows[:, None],
        summary=summary,
    )


def with_summary(result: IndexResult, summary: DesignSummary) -> IndexResult:
    """The result of a pooled pass described by the stacked design it stands for."""
    return replace(
        result,
        criteria=replace(result.criteria, design=summary),
        groups=replace(result.groups, design=summary),
    )
