"""The ratio pass of :func:`sampling.estimators.ratio_pass` for all variables at once, in the common case:
one sampling stage, no calibration, every row in a domain, no design effect, no lonely-PSU averaging.

The general pass loops over the variables and, for each, over every cell domain × PSU (a dozen array
operations per variable). With many domains and PSUs (the estimates by field × age band of a million
responses: 49 domains × 7,000 PSUs, 39 criteria) that loop alone took 0.7 s. Here the per-cell sums of
a block of variables are one sparse product (rows → occupied cells), the per-domain sums another
(cells → domains), and the unit totals of the linearised variable are laid out directly in the
compressed-column order the variance needs (columns j·D + d, units ascending), so no sparse matrix is
sorted. Every sum of a ratio visits its terms in the same order as the loop's ``np.bincount``, so its
figures are the loop's to the last bit (a mean's denominator sums the valid rows' weights directly, where
the loop subtracts the missing ones: equal to rounding); ``tests/sampling/test_ratio_columns.py``
compares the two on random designs.

The calibrated path's unit totals (:func:`calibrated_totals`, residualised row by row) live here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from sampling.design import Design
from sampling.errors import EstimationError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Rows × columns of row-level z held at once on the calibration path (:func:`calibrated_totals`).
CALIBRATION_BLOCK = 8_000_000
# Rows × variables of one block held at once (each block's matrices: a few times 8 bytes per element).
BLOCK_ELEMENTS = 4_000_000


class Columns(Sequence[FloatArray]):
    """An (n × J) matrix seen as its J columns (the variables of a pass), with ``missing`` (n × J, True
    where a value is missing): the matrix holds 0 at those places and a column, as the loop reads it,
    NaN. Numerators and denominators that share one ``missing`` array are taken by the all-variables
    pass as they are, without stacking the columns again or looking for NaNs."""

    def __init__(self, matrix: FloatArray, missing: npt.NDArray[np.bool_]) -> None:
        self.matrix = matrix
        self.missing = missing

    def __len__(self) -> int:
        return int(self.matrix.shape[1])

    @overload
    def __getitem__(self, j: int) -> FloatArray: ...

    @overload
    def __getitem__(self, j: slice) -> Sequence[FloatArray]: ...

    def __getitem__(self, j: int | slice) -> FloatArray | Sequence[FloatArray]:
        if isinstance(j, slice):
            return Columns(self.matrix[:, j], self.missing[:, j])
        return np.where(self.missing[:, j], np.nan, self.matrix[:, j])


def _weighted(
    w: FloatArray,
    numerators: Sequence[npt.ArrayLike],
    denominators: Sequence[npt.ArrayLike | None] | None,
    start: int,
    stop: int,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """w·a and w·b of variables start..stop-1 (b = 1 without denominators), 0 where a value is missing,
    and where both are valid. Views of the caller's matrices when the weights are all 1 and the
    missing values are known (:class:`Columns`): they are only read."""
    if (
        isinstance(numerators, Columns)
        and isinstance(denominators, Columns)
        and denominators.missing is numerators.missing
    ):
        valid = ~numerators.missing[:, start:stop]
        a, b = numerators.matrix[:, start:stop], denominators.matrix[:, start:stop]
        if bool(np.all(w == 1.0)):
            return a, b, valid
        return w[:, None] * a, w[:, None] * b, valid
    y = _block(numerators, start, stop)
    missing = np.isnan(y)
    if denominators is not None:
        x = _block(denominators, start, stop)  # type: ignore[arg-type]  # no None: checked by the caller
        missing |= np.isnan(x)
        wb = w[:, None] * x
        del x
    else:
        wb = np.repeat(w[:, None], stop - start, axis=1)
    wa = w[:, None] * y
    del y
    wa[missing] = 0.0
    wb[missing] = 0.0
    return wa, wb, ~missing


def _block(values: Sequence[npt.ArrayLike], start: int, stop: int) -> FloatArray:
    """Variables start..stop-1 as an (n × block) matrix."""
    return np.column_stack([np.asarray(v, dtype=np.float64) for v in values[start:stop]])


@dataclass(frozen=True)
class ColumnsPass:
    """Per variable j and domain d (arrays J × D): θ̂, Σwδb, n, rows with w ≠ 0, degrees of freedom;
    and the (units × J·D) unit totals of the linearised variables."""

    estimate: FloatArray
    denominator: FloatArray
    n: IntArray
    n_nonzero: IntArray
    df: IntArray
    totals: sp.csc_array


def _indicator(index: npt.NDArray[np.int64], size: int) -> sp.csr_array:
    """The (size × len(index)) 0/1 matrix with a one at (index[i], i), each row's columns ascending."""
    order = np.argsort(index, kind="stable")
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(index, minlength=size), out=indptr[1:])
    return sp.csr_array((np.ones(index.shape[0]), order, indptr), shape=(size, index.shape[0]))


def columns_pass(
    design: Design,
    numerators: Sequence[npt.ArrayLike],
    denominators: Sequence[npt.ArrayLike | None] | None,
    cell_of_row: IntArray,
    cell_domain: IntArray,
    cell_unit: IntArray,
    n_domains: int,
) -> ColumnsPass | None:
    """Ratios Σwa/Σwb (b = 1 when ``denominators`` is None) of every variable in every domain, with the
    unit totals of their linearised variables, for rows that all lie in a domain (cells domain × PSU:
    ``cell_of_row``, ``cell_domain``, ``cell_unit``). None outside the common case (calibration, more
    than one stage, lonely-PSU averaging, a variable without a denominator of its own among
    ``denominators``) or when the cells are not ordered by domain then unit (the compressed columns below
    rely on that order): the caller's loop then applies."""
    if design.calibration is not None or len(design.stages) != 1 or design.lonely_psu == "average":
        return None
    # A Columns holds a matrix, never a None column; reading it column by column would copy each.
    if (
        denominators is not None
        and not isinstance(denominators, Columns)
        and any(d is None for d in denominators)
    ):
        return None
    stratum_of_unit, n_strata = design.stages[0].stratum_of_unit, design.stages[0].n_strata
    w = np.asarray(design.weights, dtype=np.float64)
    n_rows, n_var, n_units = w.shape[0], len(numerators), int(stratum_of_unit.shape[0])
    rows_per_cell = np.bincount(cell_of_row, minlength=cell_domain.shape[0])
    occupied = np.flatnonzero(rows_per_cell)
    dom = cell_domain[occupied]
    unit = cell_unit[occupied]
    if dom.shape[0] > 1 and np.any(np.diff(dom * n_units + unit) <= 0):
        return None
    position = np.zeros(cell_domain.shape[0], dtype=np.int64)
    position[occupied] = np.arange(occupied.shape[0])
    cell_index = position[cell_of_row]
    # Cells read from a database's groups hold one row each (the rows are already cell sums): then the
    # rows are the cells, in their own order, and are put in domain-then-unit order only once, for the
    # unit totals. Otherwise the rows are summed into the occupied cells, which are in that order.
    to_cell: sp.csr_array | None = None
    order: IntArray | None = None
    if n_rows == occupied.shape[0]:
        order = np.empty(n_rows, dtype=np.int64)
        order[cell_index] = np.arange(n_rows)
        work_dom = dom[cell_index]
    else:
        to_cell = _indicator(cell_index, occupied.shape[0])  # cells × rows
        work_dom = dom
    to_domain = _indicator(work_dom, n_domains)  # domains × cells
    # A (stratum, domain) pair of each cell, for the strata a domain's counted rows lie in.
    to_stratum = _indicator(
        work_dom * n_strata + stratum_of_unit[unit[cell_index] if order is not None else unit],
        n_domains * n_strata,
    )
    domain_starts = np.searchsorted(dom, np.arange(n_domains))
    filled = np.flatnonzero(np.bincount(dom, minlength=n_domains))

    def cells(values: FloatArray) -> FloatArray:
        return values if to_cell is None else np.asarray(to_cell @ values, dtype=np.float64)

    nonzero_w = w != 0
    all_nonzero = bool(nonzero_w.all())

    estimate = np.zeros((n_var, n_domains))
    denominator = np.zeros((n_var, n_domains))
    n_valid = np.zeros((n_var, n_domains), dtype=np.int64)
    n_nonzero = np.zeros((n_var, n_domains), dtype=np.int64)
    dfs = np.zeros((n_var, n_domains), dtype=np.int64)
    data: list[FloatArray] = []
    rows: list[npt.NDArray[np.int32]] = []
    per_column: list[IntArray] = []
    block = max(1, BLOCK_ELEMENTS // max(n_rows, 1))
    for start in range(0, n_var, block):
        stop = min(start + block, n_var)
        wa, wb, valid = _weighted(w, numerators, denominators, start, stop)
        a_cell = cells(wa)
        b_cell = cells(wb)
        del wa, wb
        count_cell = cells(valid.astype(np.float64))
        count_nz_cell = count_cell if all_nonzero else cells((valid & nonzero_w[:, None]).astype(np.float64))
        del valid
        a_hat = to_domain @ a_cell
        b_hat = to_domain @ b_cell
        with np.errstate(divide="ignore", invalid="ignore"):
            theta = a_hat / b_hat
            z = (a_cell - theta[work_dom] * b_cell) / b_hat[work_dom]
        estimate[start:stop] = theta.T
        denominator[start:stop] = b_hat.T
        n_valid[start:stop] = np.rint(to_domain @ count_cell).astype(np.int64).T
        n_nonzero[start:stop] = np.rint(to_domain @ count_nz_cell).astype(np.int64).T
        present = (count_nz_cell > 0).astype(np.float64)
        psus = np.rint(to_domain @ present).astype(np.int64)
        strata = ((to_stratum @ present) > 0).reshape(n_domains, n_strata, stop - start).sum(axis=1)
        dfs[start:stop] = (psus - strata).T
        # Unit totals in compressed-column order: variable by variable, cells in domain then unit order.
        zt = np.ascontiguousarray(z.T) if order is None else z.T[:, order]
        keep = (zt != 0) & np.isfinite(zt)
        data.append(zt[keep])
        rows.append(np.broadcast_to(unit.astype(np.int32), zt.shape)[keep])
        kept = np.zeros((stop - start, n_domains), dtype=np.int64)
        if filled.shape[0]:
            kept[:, filled] = np.add.reduceat(keep, domain_starts[filled], axis=1, dtype=np.int64)
        per_column.append(kept.reshape(-1))
    indptr = np.zeros(n_var * n_domains + 1, dtype=np.int64)
    if per_column:
        np.cumsum(np.concatenate(per_column), out=indptr[1:])
    totals = sp.csc_array(
        (
            np.concatenate(data) if data else np.zeros(0),
            np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32),
            indptr,
        ),
        shape=(n_units, n_var * n_domains),
    )
    totals.has_sorted_indices = True  # units ascend within every column (checked above)
    return ColumnsPass(estimate, denominator, n_valid, n_nonzero, dfs, totals)


def calibrated_totals(
    design: Design, zrows: list[FloatArray], dom: IntArray, n_dom: int
) -> list[sp.csc_array]:
    """Unit totals of residualised z, column (j, d) = residualise(z_j · 1[domain d]), in row blocks."""
    assert design.calibration is not None  # noqa: S101 - invariant, not input
    n = design.n_rows
    block = max(1, min(n_dom, CALIBRATION_BLOCK // max(n, 1)))
    per_stage: list[list[sp.csc_array]] = [[] for _ in design.stages]
    for z in zrows:
        for start in range(0, n_dom, block):
            ds = np.arange(start, min(start + block, n_dom))
            zmat = np.where(dom[:, None] == ds[None, :], z[:, None], 0.0)
            res = np.asarray(design.calibration.residualise(zmat), dtype=np.float64)
            if res.shape != zmat.shape:
                raise EstimationError(
                    f"calibration.residualise returned shape {res.shape}, expected {zmat.shape}"
                )
            for s, st in enumerate(design.stages):
                cols = [
                    np.bincount(st.unit_of_row, weights=res[:, c], minlength=st.n_units_total)
                    for c in range(res.shape[1])
                ]
                per_stage[s].append(sp.csc_array(np.column_stack(cols)))
    return [sp.csc_array(sp.hstack(blocks, format="csc")) for blocks in per_stage]
