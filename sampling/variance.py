"""Variance of estimated totals of linearised variables, from unit totals kept as sparse matrices.

Every estimator in :mod:`sampling.estimators` reduces to a total of a linearised variable z (Binder 1983;
Lumley 2010, §2.6 and appendix). For K estimates at once we keep, per sampling stage, the sparse matrix
T (units × K) of unit totals t_hi = Σ_{k ∈ unit i} z_k. The covariance is then (R's ``survey:::onestrat``
summed over strata, plus ``survey:::multistage`` for a second stage)::

    V = Σ_stages Σ_h m_h s_h Σ_i (t_hi − c_h t̄_h)(t_hi − c_h t̄_h)ᵀ
      = Tᵀ diag(m s)[h(i)] T − S_hᵀ diag(c m s / n_h) S_h,    S_h = Σ_{i ∈ h} t_hi,

with s_h = (1 − f_h) n_h/(n_h − 1) (1 − f_h for a lonely unit), m_h the stage multiplier (1, or n_h/N_h of
the parent stage) and c_h = 0 only for a lonely PSU under ``"adjust"`` (R leaves it uncentred). The second
form needs only sparse products, so domains (mostly-zero columns) cost what their non-zero cells cost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from sampling.design import Design, StageInfo

__all__ = [
    "Linearisation",
    "average_factor",
    "covariance",
    "cross_covariance",
    "dense_covariance",
    "domain_coefficients",
    "variances",
]

FloatArray = npt.NDArray[np.float64]
# Above this many dense cells (units × estimates) the covariance uses the sparse identity instead.
_DENSE_LIMIT = 20_000_000


def average_factor(
    design: Design, cell_domain: npt.NDArray[np.int64], cell_unit: npt.NDArray[np.int64], n_dom: int
) -> FloatArray:
    """The ``"average"`` lonely-PSU factor per domain: strata over strata with more than one PSU.

    Counted as R counts them: in a domain of an uncalibrated design the strata with rows in it (R's subset
    drops the other rows; ``cell_domain``/``cell_unit`` are the domain × first-stage-unit cells with rows);
    in a calibrated design every stratum of the design, since R keeps all rows of a calibrated design in a
    domain (weight 0 outside).
    """
    stage1 = design.stages[0]
    n_strata = stage1.n_strata
    if design.calibration is not None:
        n_ok = int(np.count_nonzero(~stage1.lonely))
        return np.full(n_dom, n_strata / n_ok if n_ok > 0 else 1.0)
    skey = np.unique(cell_domain * n_strata + stage1.stratum_of_unit[cell_unit])
    h_all = np.bincount(skey // n_strata, minlength=n_dom)
    h_ok = np.bincount(skey[~stage1.lonely[skey % n_strata]] // n_strata, minlength=n_dom)
    return np.asarray(np.where(h_ok > 0, h_all / np.maximum(h_ok, 1), 1.0), dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Linearisation:
    """Unit totals of z for K estimates, one sparse (units × K) matrix per stage.

    ``average_factor`` holds, per estimate, H_present / H_ok for the ``"average"`` lonely-PSU policy
    (strata present in the estimate's domain over those with more than one PSU; R's ``onestage``), and 1
    otherwise; covariances are scaled by √(a_k a_l).
    """

    totals: tuple[sp.csc_array, ...]
    average_factor: FloatArray

    @property
    def n_estimates(self) -> int:
        return int(self.average_factor.shape[0])

    def combine(self, coefficients: npt.ArrayLike | sp.sparray) -> Linearisation:
        """Linear combinations Σ_k c_k z_k for the columns of ``coefficients`` (K × m, dense or sparse).

        A sparse ``coefficients`` (e.g. group indices per domain: each column uses the criteria of one
        domain) keeps the product sparse: its cost is that of the non-zero unit totals, not units × m.
        """
        if sp.issparse(coefficients):
            c_sparse = sp.csc_array(coefficients, dtype=np.float64)
            totals = tuple(sp.csc_array(t @ c_sparse) for t in self.totals)
            coo = sp.coo_array(c_sparse)
            used = np.abs(coo.data) > 0
            # The 'average' factor of a combination: the largest factor among the estimates it uses.
            factor = np.ones(c_sparse.shape[1])
            np.maximum.at(factor, coo.col[used].astype(np.int64), self.average_factor[coo.row[used]])
            return Linearisation(totals=totals, average_factor=factor)
        c = np.asarray(coefficients, dtype=np.float64)
        if c.ndim == 1:
            c = c[:, None]
        if np.count_nonzero(c) * 4 < c.size:
            # Indices of many domains combine each domain's own estimates only: the sparse product visits
            # the non-zero coefficients (K·G) instead of every (K·D) × (G·D) pair (34 provinces × 22
            # criteria made the dense product the slowest step of the national roll-up). Same sums.
            return self.combine(sp.csc_array(c))
        totals = tuple(sp.csc_array(t @ c) for t in self.totals)
        used_dense = np.abs(c) > 0
        factor = np.array(
            [float(np.max(self.average_factor[used_dense[:, j]], initial=1.0)) for j in range(c.shape[1])]
        )
        return Linearisation(totals=totals, average_factor=factor)

    def scaled(self, factor: float) -> Linearisation:
        """The linearisation of factor × every estimate (e.g. shares reported as percentages)."""
        return Linearisation(
            totals=tuple(sp.csc_array(t * factor) for t in self.totals), average_factor=self.average_factor
        )

    def select(self, columns: npt.ArrayLike) -> Linearisation:
        idx = np.asarray(columns, dtype=np.int64)
        return Linearisation(
            totals=tuple(sp.csc_array(t[:, idx]) for t in self.totals),
            average_factor=self.average_factor[idx],
        )


def domain_coefficients(
    groups: Sequence[Mapping[int, float]], n_variables: int, n_domains: int
) -> sp.csc_array:
    """Coefficients of group combinations in every domain, as a sparse (J·D × G·D) matrix: column g·D + d
    holds ``groups[g][j]`` on row j·D + d (estimate column j·D + d of :class:`RatioPass` layout)."""
    rows: list[npt.NDArray[np.int64]] = []
    cols: list[npt.NDArray[np.int64]] = []
    data: list[FloatArray] = []
    d = np.arange(n_domains, dtype=np.int64)
    for g, members in enumerate(groups):
        for j, coefficient in members.items():
            rows.append(j * n_domains + d)
            cols.append(g * n_domains + d)
            data.append(np.full(n_domains, float(coefficient)))
    shape = (n_variables * n_domains, len(groups) * n_domains)
    if not rows:
        return sp.csc_array(shape, dtype=np.float64)
    return sp.csc_array((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=shape)


def _stage_weights(stage: StageInfo) -> tuple[FloatArray, FloatArray]:
    ms = stage.scale * stage.multiplier
    per_unit = ms[stage.stratum_of_unit]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_stratum = np.where(stage.centre & (stage.n_units > 0), ms / stage.n_units, 0.0)
    return np.asarray(per_unit, dtype=np.float64), np.asarray(per_stratum, dtype=np.float64)


def _stratum_indicator(stage: StageInfo) -> sp.csr_array:
    n_units = stage.n_units_total
    return sp.csr_array(
        (np.ones(n_units), (stage.stratum_of_unit, np.arange(n_units))), shape=(stage.n_strata, n_units)
    )


def _stratum_sums(stage: StageInfo, t: sp.csc_array) -> sp.csr_array:
    return sp.csr_array(_stratum_indicator(stage) @ t)


def _centred_dense(stage: StageInfo, t: sp.csc_array | FloatArray) -> FloatArray:
    """Dense unit totals minus their stratum mean (where the stratum is centred), scaled by √(m s)."""
    dense = np.asarray(t if isinstance(t, np.ndarray) else t.toarray(), dtype=np.float64)
    # Stratum sums as one sparse product (np.add.at over units × estimates was the slow step).
    sums = np.asarray(_stratum_indicator(stage) @ dense, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where((stage.centre & (stage.n_units > 0))[:, None], sums / stage.n_units[:, None], 0.0)
    ms = stage.scale * stage.multiplier
    return np.asarray((dense - means[stage.stratum_of_unit]) * np.sqrt(ms[stage.stratum_of_unit])[:, None])


def covariance(design: Design, lin: Linearisation) -> FloatArray:
    """Full K × K covariance matrix of the K estimated totals of z (see module docstring).

    Unit totals are centred on their stratum means before the cross-product (as R does) when the dense
    matrix is small enough; otherwise the sparse identity of the module docstring is used.
    """
    k = lin.n_estimates
    v = np.zeros((k, k))
    for stage, t in zip(design.stages, lin.totals, strict=True):
        if stage.n_units_total * max(k, 1) <= _DENSE_LIMIT:
            c = _centred_dense(stage, t)
            v += c.T @ c
            continue
        per_unit, per_stratum = _stage_weights(stage)
        weighted = sp.csc_array(sp.diags_array(per_unit) @ t)
        v += np.asarray((t.T @ weighted).toarray())
        s = _stratum_sums(stage, t)
        v -= np.asarray((s.T @ sp.csr_array(sp.diags_array(per_stratum) @ s)).toarray())
    a = np.sqrt(lin.average_factor)
    return np.asarray(v * np.outer(a, a), dtype=np.float64)


def cross_covariance(design: Design, lin: Linearisation, other: Linearisation) -> FloatArray:
    """Covariances (K × m) of the K estimates of ``lin`` with the m (few) of ``other``, from the same
    design: the off-diagonal block of :func:`covariance` of both together, without the K × K matrix, by
    the sparse identity of the module docstring (``other`` is made dense: m columns of units)."""
    v = np.zeros((lin.n_estimates, other.n_estimates))
    for stage, t, u in zip(design.stages, lin.totals, other.totals, strict=True):
        per_unit, per_stratum = _stage_weights(stage)
        dense = np.asarray(u.toarray(), dtype=np.float64)
        v += np.asarray(t.T @ (per_unit[:, None] * dense))
        s_t = _stratum_sums(stage, t)
        s_u = np.asarray(_stratum_sums(stage, sp.csc_array(u)).toarray())
        v -= np.asarray(s_t.T @ (per_stratum[:, None] * s_u))
    return np.asarray(v * np.sqrt(np.outer(lin.average_factor, other.average_factor)), dtype=np.float64)


def dense_covariance(design: Design, totals: Sequence[FloatArray]) -> FloatArray:
    """:func:`covariance` of dense unit totals (one units × K array per stage), every factor 1: for a few
    columns over many units (a survey's totals pooled with others', :mod:`sampling.pooled`)."""
    k = int(totals[0].shape[1]) if totals else 0
    v = np.zeros((k, k))
    for stage, t in zip(design.stages, totals, strict=True):
        c = _centred_dense(stage, t)
        v += c.T @ c
    return v


def variances(design: Design, lin: Linearisation) -> FloatArray:
    """Diagonal of :func:`covariance`, without forming the K × K matrix.

    Centred exactly: for column k and stratum h, Σ_i (t_hi − t̄_h)² = Σ_{i: t_hi ≠ 0} (t_hi − t̄_h)²
    + (n_h − nnz_hk) t̄_h², so only the non-zero unit totals are visited and no precision is lost to
    cancellation (a post-stratified total's SE is 0 to rounding, as in R).
    """
    v = np.zeros(lin.n_estimates)
    for stage, t in zip(design.stages, lin.totals, strict=True):
        if stage.n_strata == 1 and isinstance(t, sp.csc_array):
            v += _one_stratum_sums(stage, t)
            continue
        coo = sp.coo_array(t)
        rows, cols, data = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
        h = stage.stratum_of_unit[rows]
        n_h = stage.n_units.astype(np.float64)
        key = h * lin.n_estimates + cols
        size = stage.n_strata * lin.n_estimates
        sums = np.bincount(key, weights=data, minlength=size)
        nnz = np.bincount(key, minlength=size).astype(np.float64)
        centre = np.repeat(stage.centre & (stage.n_units > 0), lin.n_estimates)
        n_rep = np.repeat(n_h, lin.n_estimates)
        with np.errstate(divide="ignore", invalid="ignore"):
            means = np.where(centre, sums / n_rep, 0.0)
        dev = data - means[key]
        ss = np.bincount(key, weights=dev * dev, minlength=size) + (n_rep - nnz) * means * means
        ms = np.repeat(stage.scale * stage.multiplier, lin.n_estimates)
        v += (ms * ss).reshape(stage.n_strata, lin.n_estimates).sum(axis=0)
    return np.asarray(v * lin.average_factor, dtype=np.float64)


def _segment_sums(values: FloatArray, indptr: npt.NDArray[np.integer]) -> FloatArray:
    """Sums of ``values[indptr[c]:indptr[c + 1]]`` for every column c (0 for an empty column)."""
    out = np.zeros(indptr.shape[0] - 1)
    counts = np.diff(indptr)
    filled = np.flatnonzero(counts)
    if filled.shape[0]:
        out[filled] = np.add.reduceat(values, indptr[:-1][filled])
    return out


def _one_stratum_sums(stage: StageInfo, t: sp.csc_array) -> FloatArray:
    """:func:`variances`' centred sums of squares for a stage of one stratum, scaled, read off the
    compressed columns directly: no key per non-zero total and no conversion (a million responses by
    49 domains held 7 million non-zero totals, and the keyed sums took most of an estimate's time)."""
    counts = np.diff(t.indptr)
    n_h = float(stage.n_units[0])
    sums = _segment_sums(t.data, t.indptr)
    centre = bool(stage.centre[0]) and n_h > 0
    means = sums / n_h if centre else np.zeros_like(sums)
    dev = t.data - np.repeat(means, counts)
    ss = _segment_sums(dev * dev, t.indptr) + (n_h - counts) * means * means
    return np.asarray(float(stage.scale[0] * stage.multiplier[0]) * ss, dtype=np.float64)
