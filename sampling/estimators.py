"""Design-based estimators, vectorised over all variables and all domains in one pass.

Every estimator here is a ratio of two estimated totals, θ̂ = Σ w δ a / Σ w δ b (a mean has b = 1, a
proportion a 0/1 column, a ratio b = x), or a total Σ w δ a. Its linearised variable is (Binder 1983;
Lumley 2010 appendix; docs/statistics.md)::

    z_k = w_k δ_k (a_k − θ̂ b_k) / Σ w δ b          (ratio, mean, proportion)
    z_k = w_k δ_k a_k                               (total)

with δ_k = 1 in the domain (and a valid value), 0 otherwise. Rows outside the domain keep their PSU with
z = 0 (R's ``svyby``/``subset``: n_h and the PSU mean come from the full design). So the unit totals of z
are (A_hi − θ̂ B_hi)/B̂ with A_hi = Σ_{k ∈ PSU hi, domain d} w a: one ``np.bincount`` per variable over the
cells domain × PSU gives them for every domain at once, and :mod:`sampling.variance` turns them into
variances. With a calibrated design the row-level z is residualised first (``design.calibration``), in
column blocks, as R's ``svyrecvar`` does.

Missing values (NaN) follow R's ``na.rm=TRUE`` one variable at a time: for each variable the rows where it
(or, for a ratio, its denominator) is NaN are treated like rows outside the domain. This equals
``svymean(~y, design, na.rm=TRUE)`` called separately per variable (R drops a row missing in *any*
variable of a multi-variable formula; we do not). Degrees of freedom of an estimate are R's
``degf(subset(design, domain & !is.na(y)))``: PSUs minus strata that hold at least one such row with w ≠ 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from sampling.design import Design
from sampling.errors import EstimationError
from sampling.intervals import proportion_interval, wald_interval
from sampling.likelihood import with_likelihood_intervals
from sampling.publication import apply_rule, nchs_effective_n
from sampling.ratio_columns import calibrated_totals, columns_pass
from sampling.results import Estimate, EstimateSet
from sampling.variance import Linearisation, average_factor, variances

__all__ = [
    "DeffMode",
    "DfOption",
    "Domains",
    "RatioPass",
    "estimate_level_shares",
    "estimate_means",
    "estimate_proportions",
    "estimate_ratios",
    "estimate_totals",
    "kish_weighting_effect",
    "ratio_pass",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
DeffMode = bool | Literal["replace"]
DfOption = Literal["design", "inf"] | float | None

# Cells domain × unit are counted with a dense bincount when there are at most this many per row
# (fast, no sort); beyond it the occupied cells are found with np.unique.
_DENSE_CELLS_PER_ROW = 4
# ... and always up to this many. Every later step of a pass loops over the cells once per variable, so
# a floor of 2^20 made 60,000 cell sums in 144 domains cost 39 passes over a million mostly empty cells.
_DENSE_CELLS_FLOOR = 1 << 16


def _label(value: object) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, bytes):
        return value.decode()
    return str(value)


@dataclass(frozen=True)
class Domains:
    """A partition of the rows into domains (``codes`` 0..D-1, −1 for rows in no domain).

    ``labels[d]`` is the domain's ``{"COL": "LEVEL", …}``; ``{}`` for the whole population.
    Only non-empty domains exist (as R's ``svyby``), in sorted level order.
    """

    codes: IntArray
    labels: tuple[dict[str, str], ...]

    @property
    def count(self) -> int:
        return len(self.labels)

    @classmethod
    def whole(cls, n_rows: int) -> Domains:
        return cls(codes=np.zeros(n_rows, dtype=np.int64), labels=({},))

    @classmethod
    def from_codes(cls, by: Mapping[str, tuple[npt.ArrayLike, Sequence[str]]]) -> Domains:
        """Cross several coded columns: ``{"COL": (codes with −1 for missing, level labels)}``."""
        if not by:
            raise EstimationError("no domain columns given")
        names = list(by)
        combined: IntArray | None = None
        radix: list[int] = []
        excluded: npt.NDArray[np.bool_] | None = None
        for name in names:
            codes = np.asarray(by[name][0], dtype=np.int64)
            size = max(len(by[name][1]), 1)
            radix.append(size)
            miss = codes < 0
            excluded = miss if excluded is None else (excluded | miss)
            combined = codes.copy() if combined is None else combined * size + codes
        assert combined is not None and excluded is not None  # noqa: S101 - invariant, not input
        combined = np.where(excluded, -1, combined)
        inside = combined >= 0
        cells = math.prod(radix)
        if cells <= 4 * combined.shape[0] + 1024:
            # Few possible combinations: relabel through a lookup table (no sort of the rows).
            seen = np.bincount(combined[inside], minlength=cells) > 0
            present = np.flatnonzero(seen)
            remap = np.cumsum(seen) - 1
            codes_out = np.where(inside, remap[np.maximum(combined, 0)], -1).astype(np.int64)
        else:
            present, inverse = np.unique(combined[inside], return_inverse=True)
            codes_out = np.full(combined.shape[0], -1, dtype=np.int64)
            codes_out[inside] = inverse.reshape(-1)
        labels: list[dict[str, str]] = []
        for key in present.tolist():
            parts: list[int] = []
            for size in reversed(radix):
                parts.append(key % size)
                key //= size
            parts.reverse()
            labels.append({name: str(by[name][1][code]) for name, code in zip(names, parts, strict=True)})
        return cls(codes=codes_out, labels=tuple(labels))

    @classmethod
    def from_columns(cls, by: Mapping[str, npt.ArrayLike]) -> Domains:
        """Cross label columns (strings or numbers; None/NaN/"" means no domain for that row)."""
        coded: dict[str, tuple[npt.ArrayLike, Sequence[str]]] = {}
        for name, values in by.items():
            arr = np.asarray(values)
            if arr.dtype.kind == "f":
                miss = np.isnan(arr)
                levels, inv = np.unique(arr[~miss], return_inverse=True)
                codes = np.full(arr.shape[0], -1, dtype=np.int64)
                codes[~miss] = inv.reshape(-1)
                coded[name] = (codes, [_label(v) for v in levels.tolist()])
            else:
                if arr.dtype.kind == "O":
                    miss = np.array([v is None or v == "" or (isinstance(v, float) and v != v) for v in arr])
                    arr = np.where(miss, "", arr).astype(str)
                else:
                    miss = arr == "" if arr.dtype.kind == "U" else np.zeros(arr.shape[0], dtype=bool)
                levels, inv = np.unique(arr[~miss], return_inverse=True)
                codes = np.full(arr.shape[0], -1, dtype=np.int64)
                codes[~miss] = inv.reshape(-1)
                coded[name] = (codes, [_label(v) for v in levels.tolist()])
        return cls.from_codes(coded)


def as_domains(design: Design, by: Domains | Mapping[str, npt.ArrayLike] | None) -> Domains:
    """``by`` as domains of the design's rows (the whole sample when ``None``); checks the row count."""
    if by is None:
        return Domains.whole(design.n_rows)
    doms = by if isinstance(by, Domains) else Domains.from_columns(by)
    if doms.codes.shape[0] != design.n_rows:
        raise EstimationError(f"domain columns have {doms.codes.shape[0]} rows, the design {design.n_rows}")
    return doms


def _column(values: npt.ArrayLike, name: str, n: int) -> FloatArray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise EstimationError(f"variable {name!r} is not numeric") from None
    if arr.shape != (n,):
        raise EstimationError(f"variable {name!r} has shape {arr.shape}, expected ({n},)")
    return arr


@dataclass(frozen=True)
class _Cells:
    """Occupied cells domain × unit of one stage, and each row's cell."""

    cell_of_row: IntArray
    cell_domain: IntArray
    cell_unit: IntArray

    @property
    def size(self) -> int:
        return int(self.cell_domain.shape[0])


def _cells(
    unit_of_row: IntArray, n_units: int, dom: IntArray, in_dom: npt.NDArray[np.bool_], n_domains: int
) -> _Cells:
    key = np.where(in_dom, dom * n_units + unit_of_row, 0)
    total = n_domains * n_units
    if total <= max(_DENSE_CELLS_PER_ROW * key.shape[0], _DENSE_CELLS_FLOOR):
        cells = np.arange(total, dtype=np.int64)
        return _Cells(cell_of_row=key, cell_domain=cells // n_units, cell_unit=cells % n_units)
    uniq, inv = np.unique(key, return_inverse=True)
    return _Cells(
        cell_of_row=inv.astype(np.int64).reshape(-1), cell_domain=uniq // n_units, cell_unit=uniq % n_units
    )


@dataclass(frozen=True)
class RatioPass:
    """Everything one pass computes, arrays shaped (variables J, domains D); estimate column j·D + d."""

    estimate: FloatArray
    se: FloatArray
    denominator: FloatArray
    n: IntArray
    n_nonzero: IntArray
    df: IntArray
    linearisation: Linearisation
    deff: FloatArray | None


def ratio_pass(
    design: Design,
    numerators: Sequence[npt.ArrayLike],
    denominators: Sequence[npt.ArrayLike | None] | None,
    domains: Domains,
    *,
    kind: Literal["ratio", "total"],
    deff: DeffMode = False,
) -> RatioPass:
    """Ratios (means when the denominator is None) or totals of J variables in D domains, one pass.

    Parameters
    ----------
    design
        The survey design.
    numerators
        J arrays a_j (NaN = missing, excluded per variable).
    denominators
        J arrays b_j or None (b = 1: a mean); ignored for totals.
    domains
        Partition of rows.
    kind
        ``"ratio"`` (θ = Σwδa/Σwδb) or ``"total"`` (θ = Σwδa).
    deff
        False, True (R's ``deff=TRUE``: SRS without replacement) or ``"replace"``.

    Notes
    -----
    Design effect (R's ``svymean``/``svytotal`` with ``deff``): V̂/V_srs with s² = Σwδ(y − ȳ)²/Σwδ · m/(m − 1),
    m = rows with w ≠ 0; mean: V_srs = s²(N̂ − m)/(N̂ m), or s²/m with ``"replace"``; total: N̂² times that.
    Ratios get no design effect (None).
    """
    w = design.weights
    dom = domains.codes
    n_dom = domains.count
    in_dom = dom >= 0
    dom_safe = np.where(in_dom, dom, 0)
    n_var = len(numerators)
    stage_cells = [_cells(st.unit_of_row, st.n_units_total, dom, in_dom, n_dom) for st in design.stages]
    stage1 = design.stages[0]
    n_strata = stage1.n_strata

    est = np.zeros((n_var, n_dom))
    den_tot = np.zeros((n_var, n_dom))
    n_valid = np.zeros((n_var, n_dom), dtype=np.int64)
    n_nonzero = np.zeros((n_var, n_dom), dtype=np.int64)
    dfs = np.zeros((n_var, n_dom), dtype=np.int64)
    avg = np.ones((n_var, n_dom))
    want_deff = deff is not False and (kind == "total" or denominators is None)
    deffs = np.full((n_var, n_dom), np.nan) if want_deff else None
    triplets: list[tuple[list[FloatArray], list[IntArray], list[IntArray]]] = [
        ([], [], []) for _ in design.stages
    ]
    zrows: list[FloatArray] = []
    nonzero_w = w != 0

    all_in_dom = bool(in_dom.all())
    all_nonzero_w = bool(nonzero_w.all())
    c1 = stage_cells[0]
    fast = _columns_pass(
        design, numerators, denominators, c1, n_dom, kind == "ratio" and not want_deff and all_in_dom
    )
    if fast is not None:
        return fast
    rows_per_cell = np.bincount(c1.cell_of_row, minlength=c1.size) if all_in_dom else None
    w_per_cell = np.bincount(c1.cell_of_row, weights=w, minlength=c1.size) if all_in_dom else None
    for j, y_in in enumerate(numerators):
        # Converted one variable at a time so that float32 or integer inputs never exist twice in full.
        y = np.asarray(y_in, dtype=np.float64)
        x_in = None if denominators is None or kind == "total" else denominators[j]
        x = None if x_in is None else np.asarray(x_in, dtype=np.float64)
        # Work on cells (domain × PSU) first: one pass over the rows per sum, the rest on ~D·P cells.
        missing = np.isnan(y)
        if x is not None:
            missing |= np.isnan(x)
        wb: FloatArray | None
        if all_in_dom:
            # Fast path (no domain exclusions): zero the few missing rows in place instead of np.where,
            # and get the denominator sums of a mean as (all weights) − (weights of missing rows).
            miss_idx = np.flatnonzero(missing)
            valid = ~missing
            wa = w * y
            wa[miss_idx] = 0.0
            assert rows_per_cell is not None and w_per_cell is not None  # noqa: S101 - invariant, not input
            cnt_c1 = rows_per_cell - np.bincount(c1.cell_of_row[miss_idx], minlength=c1.size)
            if x is None:
                wb = None  # built only if a later step needs the row-level denominator
                b_c1 = w_per_cell - np.bincount(
                    c1.cell_of_row[miss_idx], weights=w[miss_idx], minlength=c1.size
                )
                b_c1[cnt_c1 == 0] = 0.0  # exact zero, not rounding residue, for emptied cells
            else:
                wb = w * x
                wb[miss_idx] = 0.0
                b_c1 = np.bincount(c1.cell_of_row, weights=wb, minlength=c1.size)
        else:
            valid = in_dom & ~missing
            wv = np.where(valid, w, 0.0)
            wa = np.where(valid, w * y, 0.0)
            wb = wv if x is None else np.where(valid, w * x, 0.0)
            cnt_c1 = np.bincount(c1.cell_of_row, weights=valid, minlength=c1.size)
            b_c1 = np.bincount(c1.cell_of_row, weights=wb, minlength=c1.size)
        a_c1 = np.bincount(c1.cell_of_row, weights=wa, minlength=c1.size)

        cnt_nz_c1 = (
            cnt_c1
            if all_nonzero_w
            else np.bincount(c1.cell_of_row, weights=valid & nonzero_w, minlength=c1.size)
        )
        a_hat = np.bincount(c1.cell_domain, weights=a_c1, minlength=n_dom)
        b_hat = np.bincount(c1.cell_domain, weights=b_c1, minlength=n_dom)
        with np.errstate(divide="ignore", invalid="ignore"):
            theta = a_hat if kind == "total" else a_hat / b_hat
        est[j] = theta
        den_tot[j] = b_hat
        n_valid[j] = np.rint(np.bincount(c1.cell_domain, weights=cnt_c1, minlength=n_dom)).astype(np.int64)
        n_nonzero[j] = np.rint(np.bincount(c1.cell_domain, weights=cnt_nz_c1, minlength=n_dom)).astype(
            np.int64
        )

        # Degrees of freedom (R's degf of the domain) and the 'average' lonely-PSU factor.
        dfs[j] = _domain_df(c1, stage1.stratum_of_unit, cnt_nz_c1 > 0, n_dom, n_strata)
        if design.lonely_psu == "average":
            avg[j] = average_factor(design, c1.cell_domain[cnt_c1 > 0], c1.cell_unit[cnt_c1 > 0], n_dom)

        if design.calibration is None:
            for s, cells in enumerate(stage_cells):
                a_c = a_c1 if s == 0 else np.bincount(cells.cell_of_row, weights=wa, minlength=cells.size)
                t: FloatArray
                if kind == "total":
                    t = a_c.astype(np.float64)
                else:
                    b_c = (
                        b_c1
                        if s == 0
                        else np.bincount(
                            cells.cell_of_row, weights=_row_denominator(wb, w, valid), minlength=cells.size
                        )
                    )
                    with np.errstate(divide="ignore", invalid="ignore"):
                        t = (a_c - theta[cells.cell_domain] * b_c) / b_hat[cells.cell_domain]
                keep = np.flatnonzero((t != 0) & np.isfinite(t))
                triplets[s][0].append(t[keep])
                triplets[s][1].append(cells.cell_unit[keep])
                triplets[s][2].append(j * n_dom + cells.cell_domain[keep])
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                if kind == "total":
                    z = wa
                else:
                    z = np.where(
                        valid, (wa - theta[dom_safe] * _row_denominator(wb, w, valid)) / b_hat[dom_safe], 0.0
                    )
            zrows.append(np.nan_to_num(z))

        if deffs is not None:
            m = n_nonzero[j].astype(np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                ybar = a_hat / b_hat
                dev = np.where(valid, y - ybar[dom_safe], 0.0)
                ss = np.bincount(
                    dom_safe, weights=_row_denominator(wb, w, valid) * dev * dev, minlength=n_dom
                )
                s2 = ss / b_hat * m / (m - 1.0)
                n_pop = b_hat
                if deff == "replace":
                    vsrs = s2 / m
                else:
                    # R: NA (with a warning) when the weights sum to less than the sample size.
                    vsrs = np.where(n_pop >= m, s2 * (n_pop - m) / (n_pop * m), np.nan)
                if kind == "total":
                    vsrs = vsrs * n_pop * n_pop
            deffs[j] = vsrs  # divided by the design variance below

    k = n_var * n_dom
    totals = (
        _sparse_totals(design, triplets, k)
        if design.calibration is None
        else calibrated_totals(design, zrows, dom, n_dom)
    )
    lin = Linearisation(totals=tuple(totals), average_factor=avg.reshape(-1))
    var = variances(design, lin).reshape(n_var, n_dom)
    se = np.sqrt(var)
    deff_out = None
    if deffs is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            deff_out = var / deffs
    return RatioPass(
        estimate=est,
        se=se,
        denominator=den_tot,
        n=n_valid,
        n_nonzero=n_nonzero,
        df=dfs,
        linearisation=lin,
        deff=deff_out,
    )


def _columns_pass(
    design: Design,
    numerators: Sequence[npt.ArrayLike],
    denominators: Sequence[npt.ArrayLike | None] | None,
    c1: _Cells,
    n_dom: int,
    eligible: bool,
) -> RatioPass | None:
    """Every variable at once (:mod:`sampling.ratio_columns`) where it applies: ``eligible`` (a ratio or
    mean without design effect, every row in a domain) and the checks of :func:`columns_pass`."""
    if not eligible:
        return None
    fast = columns_pass(design, numerators, denominators, c1.cell_of_row, c1.cell_domain, c1.cell_unit, n_dom)
    if fast is None:
        return None
    n_var = len(numerators)
    lin = Linearisation(totals=(fast.totals,), average_factor=np.ones(n_var * n_dom))
    se = np.sqrt(variances(design, lin).reshape(n_var, n_dom))
    return RatioPass(fast.estimate, se, fast.denominator, fast.n, fast.n_nonzero, fast.df, lin, None)


def _domain_df(
    c1: _Cells, stratum_of_unit: IntArray, present: npt.NDArray[np.bool_], n_dom: int, n_strata: int
) -> IntArray:
    """Per domain: PSUs with a counted row minus the strata they lie in."""
    psus = np.bincount(c1.cell_domain[present], minlength=n_dom)
    strat_key = c1.cell_domain[present] * n_strata + stratum_of_unit[c1.cell_unit[present]]
    if n_dom * n_strata <= 4 * c1.size + 1024:
        seen = np.bincount(strat_key, minlength=n_dom * n_strata) > 0
        strata = seen.reshape(n_dom, n_strata).sum(axis=1)
    else:
        strata = np.bincount(np.unique(strat_key) // n_strata, minlength=n_dom)
    return np.asarray(psus - strata, dtype=np.int64)


def _sparse_totals(
    design: Design, triplets: list[tuple[list[FloatArray], list[IntArray], list[IntArray]]], k: int
) -> list[sp.csc_array]:
    """Each stage's (units × k) matrix of unit totals from the collected (value, unit, column) triplets."""
    totals = []
    for s, st in enumerate(design.stages):
        data = np.concatenate(triplets[s][0]) if triplets[s][0] else np.zeros(0)
        rows = np.concatenate(triplets[s][1]) if triplets[s][1] else np.zeros(0, dtype=np.int64)
        cols = np.concatenate(triplets[s][2]) if triplets[s][2] else np.zeros(0, dtype=np.int64)
        totals.append(sp.csc_array((data, (rows, cols)), shape=(st.n_units_total, k)))
    return totals


def _row_denominator(wb: FloatArray | None, w: FloatArray, valid: npt.NDArray[np.bool_]) -> FloatArray:
    """Row-level w·b (b = 1 for a mean), zero outside the domain or where missing."""
    if wb is not None:
        return wb
    out = w.copy()
    out[~valid] = 0.0
    return out


def resolve_df(df: DfOption, domain_df: IntArray) -> FloatArray:
    """The degrees of freedom per domain that ``df`` asks for ("design", "inf" or a number)."""
    if df is None or df == "inf":
        return np.full(domain_df.shape, np.inf)
    if df == "design":
        return domain_df.astype(np.float64)
    try:
        value = float(df)
    except (TypeError, ValueError):
        raise EstimationError(f"df must be 'design', 'inf' or a number, got {df!r}") from None
    if not value > 0:
        raise EstimationError(f"df must be positive, got {value}")
    return np.full(domain_df.shape, value)


def estimate_set(
    design: Design,
    names: Sequence[str],
    result: RatioPass,
    domains: Domains,
    *,
    statistic: str,
    ci: str,
    df: DfOption,
    level: float,
    rule: str,
) -> EstimateSet:
    """One ratio pass as an estimate set: estimates, standard errors and intervals per domain."""
    dfs = resolve_df(df, result.df)
    est, se = result.estimate, result.se
    if statistic == "proportion":
        method = {"wald": "mean"}.get(ci, ci)
        low, high = proportion_interval(est, se, dfs, result.n, method, level)
        ci_label = {"beta": "korn-graubard", "mean": "wald-t"}.get(ci, ci)
    else:
        if ci != "wald":
            raise EstimationError(
                f"interval {ci!r} applies to proportions only; use 'wald' for a {statistic}"
            )
        low, high = wald_interval(est, se, dfs, level)
        ci_label = "wald-t"
    estimates: list[Estimate] = []
    for j, name in enumerate(names):
        for d, label in enumerate(domains.labels):
            e = float(est[j, d])
            s = float(se[j, d])
            n_rows = int(result.n[j, d])
            dfv = float(dfs[j, d])
            deff = None if result.deff is None else float(result.deff[j, d])
            if statistic == "proportion":
                n_eff: float | None = nchs_effective_n(e, s, n_rows)
            else:
                n_eff = None if deff is None or not deff > 0 else n_rows / deff
            method_label = ci_label
            if statistic != "proportion" or ci in ("wald", "mean"):
                method_label = "wald-normal" if math.isinf(dfv) else "wald-t"
            estimates.append(
                Estimate(
                    variable=name,
                    domain=dict(label),
                    statistic=statistic,
                    estimate=e,
                    se=s,
                    ci_low=float(low[j, d]),
                    ci_high=float(high[j, d]),
                    level=level,
                    ci_method=method_label,
                    df=None if math.isinf(dfv) else dfv,
                    n=n_rows,
                    deff=deff,
                    n_eff=n_eff,
                    cv=(s / abs(e)) if e != 0 and math.isfinite(e) else None,
                )
            )
    flagged = apply_rule(estimates, rule)
    return EstimateSet(
        design=design.summary(), estimates=flagged, linearisation=result.linearisation, source_design=design
    )


def _variables(design: Design, variables: Mapping[str, npt.ArrayLike]) -> tuple[list[str], list[np.ndarray]]:
    """Validated columns, *not* converted: ratio_pass converts one at a time (float32 input stays small)."""
    if not variables:
        raise EstimationError("no variables to estimate")
    names = list(variables)
    cols: list[np.ndarray] = []
    for nm in names:
        arr = np.asarray(variables[nm])
        if arr.dtype.kind not in "biuf":
            arr = _column(arr, nm, design.n_rows)
        if arr.shape != (design.n_rows,):
            raise EstimationError(f"variable {nm!r} has shape {arr.shape}, expected ({design.n_rows},)")
        cols.append(arr)
    return names, cols


def estimate_means(
    design: Design,
    variables: Mapping[str, npt.ArrayLike],
    *,
    by: Domains | Mapping[str, npt.ArrayLike] | None = None,
    level: float = 0.95,
    df: DfOption = "design",
    deff: DeffMode = False,
    rule: str = "auto",
) -> EstimateSet:
    """Hájek means Σwy/Σw of every variable in every domain (R's ``svymean`` / ``svyby(..., svymean)``).

    Wald intervals θ̂ ± t_df·SE (``df="design"``: the domain's degrees of freedom; ``"inf"``: normal).
    """
    names, cols = _variables(design, variables)
    doms = as_domains(design, by)
    res = ratio_pass(design, cols, None, doms, kind="ratio", deff=deff)
    return estimate_set(design, names, res, doms, statistic="mean", ci="wald", df=df, level=level, rule=rule)


def estimate_totals(
    design: Design,
    variables: Mapping[str, npt.ArrayLike],
    *,
    by: Domains | Mapping[str, npt.ArrayLike] | None = None,
    level: float = 0.95,
    df: DfOption = "design",
    deff: DeffMode = False,
    rule: str = "auto",
) -> EstimateSet:
    """Horvitz–Thompson totals Σwy (R's ``svytotal``), per domain by zeroing."""
    names, cols = _variables(design, variables)
    doms = as_domains(design, by)
    res = ratio_pass(design, cols, None, doms, kind="total", deff=deff)
    return estimate_set(design, names, res, doms, statistic="total", ci="wald", df=df, level=level, rule=rule)


def _check_binary(name: str, y: np.ndarray) -> None:
    ok = np.isnan(y) | (y == 0) | (y == 1)
    if not ok.all():
        row = int(np.flatnonzero(~ok)[0]) + 1
        raise EstimationError(
            f"variable {name!r} must be 0/1 for a proportion (value {y[row - 1]:g} at row {row})"
        )


def estimate_proportions(
    design: Design,
    variables: Mapping[str, npt.ArrayLike],
    *,
    by: Domains | Mapping[str, npt.ArrayLike] | None = None,
    ci: str = "logit",
    level: float = 0.95,
    df: DfOption = "design",
    deff: DeffMode = False,
    rule: str = "auto",
) -> EstimateSet:
    """Proportions of 0/1 columns (NaN = missing) with R's ``svyciprop`` intervals (logit, t on df; also
    ``"likelihood"``, :mod:`sampling.likelihood`)."""
    names, cols = _variables(design, variables)
    for nm, y in zip(names, cols, strict=True):
        _check_binary(nm, y)
    doms = as_domains(design, by)
    res = ratio_pass(design, cols, None, doms, kind="ratio", deff=deff)
    method = "logit" if ci == "likelihood" else ci  # likelihood: R's profile needs the rows, added below
    out = estimate_set(
        design, names, res, doms, statistic="proportion", ci=method, df=df, level=level, rule=rule
    )
    return with_likelihood_intervals(design, cols, doms, out) if ci == "likelihood" else out


def estimate_level_shares(
    design: Design,
    categoricals: Mapping[str, npt.ArrayLike],
    *,
    by: Domains | Mapping[str, npt.ArrayLike] | None = None,
    ci: str = "logit",
    level: float = 0.95,
    df: DfOption = "design",
    deff: DeffMode = False,
    rule: str = "auto",
) -> EstimateSet:
    """Share of every level of categorical columns (R's ``svymean(~factor(x))``); variable ``"col=level"``."""
    indicators: dict[str, FloatArray] = {}
    for name, values in categoricals.items():
        doms = Domains.from_columns({name: values})
        present = doms.codes >= 0
        for d, label in enumerate(doms.labels):
            indicators[f"{name}={label[name]}"] = np.where(
                present, (doms.codes == d).astype(np.float64), np.nan
            )
    return estimate_proportions(design, indicators, by=by, ci=ci, level=level, df=df, deff=deff, rule=rule)


def estimate_ratios(
    design: Design,
    ratios: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike]],
    *,
    by: Domains | Mapping[str, npt.ArrayLike] | None = None,
    level: float = 0.95,
    df: DfOption = "design",
    rule: str = "auto",
) -> EstimateSet:
    """Ratios Σwy/Σwx (R's ``svyratio``): ``{"name": (numerator, denominator)}``."""
    if not ratios:
        raise EstimationError("no ratios to estimate")
    names = list(ratios)
    nums = [_column(ratios[nm][0], nm, design.n_rows) for nm in names]
    dens: list[FloatArray | None] = [_column(ratios[nm][1], nm, design.n_rows) for nm in names]
    doms = as_domains(design, by)
    res = ratio_pass(design, nums, dens, doms, kind="ratio")
    return estimate_set(design, names, res, doms, statistic="ratio", ci="wald", df=df, level=level, rule=rule)


def kish_weighting_effect(weights: npt.ArrayLike) -> float:
    """Kish's weighting effect 1 + CV²(w) = n Σw² / (Σw)² (Kish 1965); n/that is Kish's effective n."""
    w = np.asarray(weights, dtype=np.float64)
    w = w[w != 0]
    if w.size == 0:
        raise EstimationError("no non-zero weights")
    return float(w.size * np.sum(w * w) / np.sum(w) ** 2)
