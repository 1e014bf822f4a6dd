"""SIPAS indices from group sums per cell (domain × stratum × PSU) instead of rows.

With the ultimate-cluster variance estimator, everything about a ratio p = Σ w·y / Σ w·v (y: answer in
the top set, v: a valid answer) depends on the rows only through PSU totals of w·y and w·v. So sums per
cell — computed where the data live, e.g. ``GROUP BY domain, stratum, psu`` in PostgreSQL — give the
same estimates, standard errors, degrees of freedom and intervals as the rows themselves: each cell
becomes one pseudo-row of weight 1 with numerator Σ w·y and denominator Σ w·v, the design keeps the
strata and PSUs, and the row counts (for n, Korn–Graubard and the publication rules) are carried
separately. ``tests/sampling/test_cells.py`` checks the agreement with :func:`estimate_indices` on rows.

A cell in which a criterion has no valid answer is missing for that criterion (NaN), exactly as its
rows would be, so the domain degrees of freedom count the same PSUs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from sampling.calibration import PostStratifyReport, poststratify
from sampling.design import Calibration, Design, LonelyPSU
from sampling.errors import EstimationError
from sampling.estimators import DfOption, Domains, RatioPass, as_domains, ratio_pass
from sampling.indices import IndexInterval, indices_from_pass
from sampling.pooled import StackedCells, pooled_pass, with_summary
from sampling.ratio_columns import Columns
from sampling.results import DontKnowCount, IndexResult

__all__ = ["CellSums", "cell_pass", "estimate_indices_from_cells", "poststratify_cells"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class CellSums:
    """Group sums of one survey, one row per cell (domain × stratum × PSU), K criteria, G groups.

    Attributes
    ----------
    domains
        ``{column: labels per cell}``; every cell lies in one domain.
    strata, psu
        Stratum (None: one stratum) and PSU label of each cell; PSUs are nested in strata.
    top, valid
        (cells, K) weighted sums Σ w·v and Σ w·1[valid answer], v the answer's value under the index
        rule: 1[answer in top set] for top-box shares, else the answer's score (0 when not valid).
    valid_rows, dont_know
        (cells, K) row counts of valid and of "don't know" answers.
    group_rows
        (cells, G) rows with at least one valid answer among the group's criteria, in ``groups`` order.
    fpc
        Per cell, the stratum's population count of PSUs (or sampling fraction ≤ 1), or None.
    calibration
        Calibration of the cell-level design (pseudo-rows of weight 1), set by :func:`poststratify_cells`;
        the variance residualises the cells' linearised values with it.
    """

    domains: Mapping[str, npt.ArrayLike]
    strata: npt.ArrayLike | None
    psu: npt.ArrayLike
    top: FloatArray
    valid: FloatArray
    valid_rows: IntArray
    dont_know: IntArray
    group_rows: IntArray
    fpc: npt.ArrayLike | None = None
    calibration: Calibration | None = None


def estimate_indices_from_cells(
    cells: CellSums | StackedCells,
    criteria: Sequence[str],
    groups: Mapping[str, Sequence[str]],
    *,
    overall: str | None = "SIPAS",
    ci: str = "logit",
    index_ci: IndexInterval = "logit",
    level: float = 0.95,
    df: DfOption = "design",
    rule: str = "auto",
    lonely_psu: LonelyPSU = "adjust",
) -> IndexResult:
    """Top-two-box criterion, group and overall indices per domain from cell sums (see module docstring).

    ``groups`` must list, in order, the groups whose any-valid row counts are in ``cells.group_rows``;
    with ``overall`` set, the last column of ``group_rows`` is the overall group (all criteria).
    ``ci`` is the interval of the criterion shares, ``index_ci`` that of the group indices (``"logit"``,
    inside [0, 100], or ``"wald"``; see :mod:`sampling.indices`).
    """
    names = list(criteria)
    group_items = dict(groups)
    if overall is not None:
        group_items[overall] = names
    summary = None
    if isinstance(cells, StackedCells):
        pooled = pooled_pass(cells, lonely_psu)
        if pooled.ratios.estimate.shape[0] != len(names) or pooled.group_rows.shape[0] != len(group_items):
            raise EstimationError(
                f"stacked cells must hold {len(names)} criteria and {len(group_items)} groups"
            )
        design, doms, res, summary = pooled.design, pooled.domains, pooled.ratios, pooled.summary
        counts, dk, group_n = res.n, pooled.dont_know, pooled.group_rows
    else:
        design, doms, res, counts, dk, group_n = cell_pass(cells, len(names), len(group_items), lonely_psu)
    dk_counts = tuple(
        DontKnowCount(criterion=nm, domain=dict(lab), count=int(dk[j, d]), valid=int(counts[j, d]))
        for j, nm in enumerate(names)
        for d, lab in enumerate(doms.labels)
    )
    if not math.isfinite(level) or not 0 < level < 1:
        raise EstimationError("level must be between 0 and 1")
    result = indices_from_pass(
        design,
        names,
        group_items,
        res,
        doms,
        dk_counts,
        group_n,
        measure="top-two-box",
        ci=ci,
        index_ci=index_ci,
        df=df,
        level=level,
        rule=rule,
    )
    return result if summary is None else with_summary(result, summary)


def cell_pass(
    cells: CellSums, k: int, n_groups: int, lonely_psu: LonelyPSU
) -> tuple[Design, Domains, RatioPass, IntArray, IntArray, IntArray]:
    """The ratio pass of cell sums (criterion j: Σ top / Σ valid over cells with a valid answer) and the
    row counts per criterion and domain: valid answers, "don't know" answers, rows per group."""
    top = np.asarray(cells.top, dtype=np.float64)
    valid = np.asarray(cells.valid, dtype=np.float64)
    n_cells = top.shape[0]
    if top.shape != (n_cells, k) or valid.shape != (n_cells, k):
        raise EstimationError(f"cell sums must be (cells, {k}) arrays")
    if cells.group_rows.shape != (n_cells, n_groups):
        raise EstimationError(f"group_rows must be (cells, {n_groups}) in the order of the groups")
    design = Design(
        weights=np.ones(n_cells),
        strata=cells.strata,
        psu=cells.psu,
        fpc=cells.fpc,
        lonely_psu=lonely_psu,
        calibration=cells.calibration,
    )
    doms = as_domains(design, cells.domains)
    n_dom = doms.count
    dom = doms.codes
    has = cells.valid_rows > 0
    # A cell without a valid answer is missing for that criterion, as its rows would be.
    missing = ~has
    numerators = Columns(np.where(has, top, 0.0), missing)
    denominators = Columns(np.where(has, valid, 0.0), missing)
    res = ratio_pass(design, numerators, denominators, doms, kind="ratio")
    # Row counts per domain: one product of the (domains × cells) 0/1 matrix with each integer matrix,
    # exact in integers, instead of a weighted bincount per criterion and group.
    to_domain = sp.csr_array(
        (np.ones(n_cells, dtype=np.int64), (np.asarray(dom, dtype=np.int64), np.arange(n_cells))),
        shape=(n_dom, n_cells),
    )

    def per_domain(matrix: npt.ArrayLike) -> IntArray:
        return np.asarray(to_domain @ np.asarray(matrix, dtype=np.int64), dtype=np.int64).T.copy()

    counts = per_domain(cells.valid_rows)
    dk = per_domain(cells.dont_know)
    res = replace(res, n=counts)  # rows, not cells: n, Korn–Graubard and the publication rules need them
    group_n = per_domain(cells.group_rows)
    return design, doms, res, counts, dk, group_n


def poststratify_cells(
    cells: CellSums,
    weight_sums: npt.ArrayLike,
    strata: Mapping[str, npt.ArrayLike],
    totals: Mapping[str, Any],
    *,
    partial: bool = False,
) -> tuple[CellSums, PostStratifyReport]:
    """Post-stratify the rows behind cell sums (R ``postStratify``), cells nested in post-strata.

    Parameters
    ----------
    cells
        Cell sums with the weights before post-stratification (no calibration yet).
    weight_sums
        Per cell, Σ w of *all* its rows (also those without a valid answer): for unweighted rows, the
        row count.
    strata, totals
        Post-stratum label(s) per cell and population counts, as :func:`sampling.calibration.poststratify`.
    partial
        Ignore population cells without rows (R ``partial=TRUE``), reported in ``ignored_cells``.

    Returns
    -------
    (CellSums, PostStratifyReport)
        Sums scaled by g = N_g / N̂_g of their post-stratum, and a :class:`PostStratification` acting on
        cells. Row level, R's variance uses r_k = z_k − w_k Z_g / W_g (Z_g = Σ_g z, W_g = Σ_g w, the old
        weights; ``survey:::svyrecvar``); summed over a cell c this is z_c − W_c Z_g / W_g, which is what the
        post-stratification of pseudo-rows with old weights W_c and new weights g W_c computes. So the
        estimates, standard errors and intervals equal those of ``poststratify`` on the rows. The report's
        ``rows`` count cells; ``weighted_before`` is Σ w of the post-stratum's rows.
    """
    if cells.calibration is not None:
        raise EstimationError("the cell sums are calibrated already")
    w = np.asarray(weight_sums, dtype=np.float64)
    n_cells = np.asarray(cells.top).shape[0]
    if w.shape != (n_cells,):
        raise EstimationError(f"weight_sums must have one value per cell ({n_cells})")
    if np.any(~np.isfinite(w)) or np.any(w <= 0):
        raise EstimationError("weight_sums must be positive and finite")
    calibrated, report = poststratify(Design(weights=w), strata, totals, partial=partial)
    factor = calibrated.weights / w
    return (
        replace(
            cells,
            top=np.asarray(cells.top, dtype=np.float64) * factor[:, None],
            valid=np.asarray(cells.valid, dtype=np.float64) * factor[:, None],
            calibration=calibrated.calibration,
        ),
        report,
    )


def aggregate_cells(
    answers: npt.NDArray[np.integer],
    groups_of_criteria: Sequence[Sequence[int]],
    *,
    domains: Mapping[str, npt.ArrayLike],
    psu: npt.ArrayLike,
    strata: npt.ArrayLike | None = None,
    weights: npt.ArrayLike | None = None,
    top: Sequence[int] = (4, 5),
    valid: Sequence[int] = (1, 2, 3, 4, 5),
    dont_know: Sequence[int] = (0,),
    fpc: npt.ArrayLike | None = None,
    values: npt.ArrayLike | None = None,
) -> CellSums:
    """Cell sums from rows: ``answers`` is (rows, K) of answer codes (anything outside ``valid`` and
    ``dont_know`` is missing); ``groups_of_criteria`` lists, per group, the column indices of its criteria.
    ``values`` (rows, K), when given, are the answers' scores summed into ``top`` (valid answers only)
    instead of the top-set indicator."""
    a = np.asarray(answers)
    n = a.shape[0]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    # One integer key per row (mixed radix over domain columns, stratum, PSU): a 1-D unique is fast.
    columns: list[tuple[str, npt.ArrayLike]] = [*domains.items()]
    columns.append(("__stratum__", np.zeros(n, dtype=np.int64) if strata is None else strata))
    columns.append(("__psu__", psu))
    uniques: list[npt.NDArray[Any]] = []
    combined = np.zeros(n, dtype=np.int64)
    for _, col in columns:
        uniq, inv = np.unique(np.asarray(col), return_inverse=True)
        uniques.append(uniq)
        combined = combined * len(uniq) + inv.reshape(-1).astype(np.int64)
    cell_ids, cell = np.unique(combined, return_inverse=True)
    cell = cell.reshape(-1)
    m = cell_ids.shape[0]
    # Decode each cell's key back into its column codes.
    parts: list[npt.NDArray[np.int64]] = []
    rest = cell_ids.copy()
    for uniq in reversed(uniques):
        parts.append(rest % len(uniq))
        rest //= len(uniq)
    parts.reverse()
    cell_keys = np.stack(parts, axis=1)
    labels = {name: uniques[i].astype(object) for i, (name, _) in enumerate(domains.items())}
    s_uniq = uniques[-2]
    p_uniq = uniques[-1]
    strata_arr = None if strata is None else np.asarray(strata)
    is_valid = np.isin(a, np.asarray(valid))
    is_top = np.isin(a, np.asarray(top)) if values is None else np.where(is_valid, np.asarray(values), 0)
    is_dk = np.isin(a, np.asarray(dont_know))
    # Rows → cells as a sparse 0/1 matrix: every sum below is one sparse product.
    membership = sp.csr_array((np.ones(n), (cell, np.arange(n))), shape=(m, n))

    def per_cell(matrix: npt.NDArray[Any]) -> FloatArray:
        return np.asarray(membership @ np.asarray(matrix, dtype=np.float64), dtype=np.float64)

    wt = w[:, None]
    group_valid = np.stack([is_valid[:, list(g)].any(axis=1) for g in groups_of_criteria], axis=1)
    fpc_cells = None
    if fpc is not None:
        fpc_rows = np.asarray(fpc, dtype=np.float64)
        fpc_cells = np.zeros(m)
        fpc_cells[cell] = fpc_rows
    return CellSums(
        domains={name: labels[name][cell_keys[:, i]] for i, name in enumerate(labels)},
        strata=None if strata_arr is None else s_uniq[cell_keys[:, -2]],
        psu=p_uniq[cell_keys[:, -1]],
        top=per_cell(is_top * wt),
        valid=per_cell(is_valid * wt),
        valid_rows=per_cell(is_valid.astype(np.float64)).astype(np.int64),
        dont_know=per_cell(is_dk.astype(np.float64)).astype(np.int64),
        group_rows=per_cell(group_valid.astype(np.float64)).astype(np.int64),
        fpc=fpc_cells,
    )
