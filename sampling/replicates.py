"""Replicate weights and replicate-weight variance estimation.

Generators (return :class:`ReplicateFactors`: an n_rows × R matrix of *replication factors* that
multiply the full-sample weight, as R's ``as.svrepdesign(..., compress=FALSE)`` with
``combined.weights = FALSE``, plus ``scale`` and ``rscales``):

``jk1_factors(psu, fpc=None)``
    Delete-one-PSU jackknife for unstratified designs (R ``survey:::jk1weights``): replicate r drops
    PSU r and multiplies the others by n/(n − 1); scale = (1 − f)(n − 1)/n, rscales = 1.
``jkn_factors(strata, psu, fpc=None, lonely_psu="fail")``
    Stratified delete-one jackknife (R ``survey:::jknweights``): factors n_h/(n_h − 1) in the PSU's own
    stratum, 1 elsewhere; scale = 1, rscales_r = (1 − f_h)(n_h − 1)/n_h.
``bootstrap_factors(strata, psu, replicates=50, rng=…, fpc=None)``
    R's ``type="bootstrap"`` (Canty & Davison 1999, R ``survey:::bootweights``): factors are the PSU
    multiplicities of a with-replacement resample of n_h PSUs per stratum (without replacement from a
    pseudo-population of N_h when ``fpc`` is given); scale = n̄/((n̄ − 1)(R − 1)), n̄ the harmonic mean
    of n_h.
``replicate_design(design, kind="auto", replicates=50, rng=0, mse=False)``
    R ``as.svrepdesign``: replicate weights for a :class:`~sampling.design.Design` from its first-stage
    strata, PSUs and sampling fractions (``"auto"``: JK1 without strata, JKn with strata).
``rescaled_bootstrap_factors(strata, psu, replicates=50, rng=…)``
    Rao & Wu (1988) rescaled bootstrap with m_h = n_h − 1 (R ``survey:::subbootweights``, type
    ``"subbootstrap"``): factors n_h/(n_h − 1) × multiplicity of a resample of n_h − 1 PSUs;
    scale = 1/(R − 1).

Strata and PSUs are processed in order of first appearance, as R's ``unique`` does, so that the
replicate columns line up with R's. The random generators take an explicit seed or
:class:`numpy.random.Generator`; they cannot reproduce R's random numbers, so against R only the
variance formula is compared (given R's exported replicate weights).

Estimation: :class:`ReplicateDesign` holds the full-sample weights and the analysis replicate weights
(n × R) and computes totals, means and proportions for all domains and variables at once with matrix
products; the variance is (R ``survey:::svrVar``)

    V̂ = scale · Σ_r rscale_r (θ̂_r − θ̄)²,

with θ̄ the mean of the replicates with rscale_r > 0 (R's default, ``mse = FALSE``) or the full-sample
estimate θ̂ (``mse = True``, R's ``options(survey.replicates.mse = TRUE)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sampling.design import Design
from sampling.errors import SamplingError

__all__ = [
    "ReplicateDesign",
    "ReplicateError",
    "ReplicateEstimate",
    "ReplicateFactors",
    "bootstrap_factors",
    "jk1_factors",
    "jkn_factors",
    "replicate_design",
    "replicate_variance",
    "rescaled_bootstrap_factors",
]

LonelyPsu = Literal["fail", "remove", "certainty", "adjust", "average"]
FloatArray = NDArray[np.float64]


class ReplicateError(SamplingError):
    """Invalid replicate-weight input (a lonely PSU with ``fail``, population smaller than sample, …)."""


@dataclass(frozen=True, slots=True)
class ReplicateFactors:
    """Replication factors (n_rows × R), to be multiplied by the full-sample weights.

    Attributes
    ----------
    factors : ndarray, shape (n_rows, R)
    scale : float
    rscales : ndarray, shape (R,)
    kind : str
        ``"JK1"``, ``"JKn"``, ``"bootstrap"`` or ``"subbootstrap"`` (R's names).
    """

    factors: FloatArray
    scale: float
    rscales: FloatArray
    kind: str


def _first_appearance(values: NDArray[np.object_] | NDArray[np.generic]) -> tuple[NDArray[np.int64], int]:
    """Codes 0..k−1 in order of first appearance (R's ``match(x, unique(x))``)."""
    _, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[inverse.reshape(-1)].astype(np.int64), int(order.size)


def _fpc_per_unit(fpc: ArrayLike | None, n_rows: int) -> FloatArray | None:
    if fpc is None:
        return None
    arr = np.asarray(fpc, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n_rows, float(arr))
    if arr.shape != (n_rows,):
        raise ReplicateError("fpc must be a scalar or have one value per row")
    if np.any(~np.isfinite(arr)) or np.any(arr < 0):
        raise ReplicateError("fpc must be finite and non-negative")
    return arr


def _one_fpc(values: FloatArray, where: str) -> float:
    u = np.unique(values)
    if u.size > 1:
        raise ReplicateError(f"more than one fpc value in {where}")
    return float(u[0])


def _sampling_fraction_complement(fpc_value: float, n: int, where: str) -> float:
    """1 − f from an fpc given as a population count (> 1) or a sampling fraction (≤ 1), as R's svydesign."""
    if fpc_value <= 1.0:
        return 1.0 - fpc_value
    if fpc_value < n:
        raise ReplicateError(f"population size smaller than sample size in {where}")
    return (fpc_value - n) / fpc_value


def jk1_factors(psu: ArrayLike, fpc: ArrayLike | None = None) -> ReplicateFactors:
    """JK1 replication factors (R ``jk1weights``; Wolter 2007, §4.2).

    Parameters
    ----------
    psu : array_like
        PSU identifier of every row (rows are their own PSUs when all distinct).
    fpc : array_like, optional
        Number of PSUs in the population (or the sampling fraction when ≤ 1), constant.
    """
    ids = np.asarray(psu)
    code, n = _first_appearance(ids)
    if n < 2:
        raise ReplicateError("JK1 needs at least two PSUs")
    f = _fpc_per_unit(fpc, ids.size)
    one_minus_f = (
        1.0 if f is None else _sampling_fraction_complement(_one_fpc(f, "the design"), n, "the design")
    )
    factors = np.where(code[:, None] == np.arange(n)[None, :], 0.0, n / (n - 1.0))
    return ReplicateFactors(factors, one_minus_f * (n - 1.0) / n, np.ones(n), "JK1")


def jkn_factors(
    strata: ArrayLike, psu: ArrayLike, fpc: ArrayLike | None = None, lonely_psu: LonelyPsu = "fail"
) -> ReplicateFactors:
    """JKn replication factors (R ``jknweights``; Wolter 2007, §4.5).

    One replicate per PSU; rscale (1 − f_h)(n_h − 1)/n_h. A stratum with a single PSU is an error
    (``fail``), dropped (``remove``, ``certainty``, ``average`` — the last multiplies ``scale`` by
    #PSUs/#replicates) or, with ``adjust``, gets one replicate that zeroes it and multiplies every other
    row by H/(H − 1) with rscale (H − 1)/H, exactly as R does. Strata sampled exhaustively (f_h = 1)
    keep their replicates with rscale 0, as R.
    """
    s = np.asarray(strata)
    ids = np.asarray(psu)
    if s.shape != ids.shape:
        raise ReplicateError("strata and psu must have the same length")
    s_code, n_strata = _first_appearance(s)
    # PSU ids are nested in strata: a PSU label reused in two strata is two PSUs (R's nest=TRUE-like).
    pair = np.array([f"{a}\x1f{b}" for a, b in zip(s_code.tolist(), ids.tolist(), strict=True)], dtype=object)
    p_code, n_psu = _first_appearance(pair)
    f = _fpc_per_unit(fpc, ids.size)
    cols: list[FloatArray] = []
    rscales: list[float] = []
    for h in range(n_strata):
        in_h = s_code == h
        psus_h = np.unique(p_code[in_h])
        n_h = psus_h.size
        one_minus_f = (
            1.0
            if f is None
            else _sampling_fraction_complement(_one_fpc(f[in_h], f"stratum {h + 1}"), n_h, "a stratum")
        )
        if n_h == 1 and one_minus_f != 0.0:
            if lonely_psu == "fail":
                raise ReplicateError(f"stratum {s[in_h][0]!r} has only one PSU")
            if lonely_psu == "adjust":
                cols.append(np.where(in_h, 0.0, n_strata / (n_strata - 1.0)))
                rscales.append((n_strata - 1.0) / n_strata)
            continue
        for p in psus_h:
            col = np.ones(ids.size)
            col[in_h] = n_h / (n_h - 1.0)
            col[p_code == p] = 0.0
            cols.append(col)
            rscales.append(one_minus_f * (n_h - 1.0) / n_h)
    if not cols:
        raise ReplicateError("all strata were sampled exhaustively or removed: no replicates")
    scale = 1.0
    if lonely_psu == "average" and len(cols) < n_psu:
        scale = n_psu / len(cols)
    return ReplicateFactors(np.column_stack(cols), scale, np.asarray(rscales), "JKn")


def _generator(rng: int | np.random.Generator) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer):
        raise ReplicateError("a seed (integer) or numpy.random.Generator is required")
    return np.random.default_rng(int(rng))


def _psu_structure(
    strata: ArrayLike | None, psu: ArrayLike
) -> tuple[NDArray[np.int64], NDArray[np.int64], int]:
    ids = np.asarray(psu)
    s = np.zeros(ids.size, dtype=np.int64) if strata is None else np.asarray(strata)
    if s.shape != ids.shape:
        raise ReplicateError("strata and psu must have the same length")
    s_code, _ = _first_appearance(s)
    pair = np.array([f"{a}\x1f{b}" for a, b in zip(s_code.tolist(), ids.tolist(), strict=True)], dtype=object)
    p_code, n_psu = _first_appearance(pair)
    psu_stratum = np.empty(n_psu, dtype=np.int64)
    psu_stratum[p_code] = s_code
    return p_code, psu_stratum, n_psu


def bootstrap_factors(
    strata: ArrayLike | None,
    psu: ArrayLike,
    replicates: int = 50,
    rng: int | np.random.Generator = 0,
    fpc: ArrayLike | None = None,
) -> ReplicateFactors:
    """Canty–Davison bootstrap factors, R's ``as.svrepdesign(type = "bootstrap")``.

    In each stratum n_h PSUs are drawn with replacement (without replacement from N_h/n_h copies of the
    sample when ``fpc`` gives N_h), and the factor of a PSU is its multiplicity. scale =
    n̄/((n̄ − 1)(R − 1)) with n̄ = 1/mean(1/n_h) (R ``bootweights``).
    """
    if replicates < 2:
        raise ReplicateError("at least two bootstrap replicates are needed")
    gen = _generator(rng)
    p_code, psu_stratum, n_psu = _psu_structure(strata, psu)
    f = _fpc_per_unit(fpc, p_code.size)
    psu_fpc = None
    if f is not None:
        psu_fpc = np.empty(n_psu)
        psu_fpc[p_code] = f
    counts = np.zeros((n_psu, replicates))
    n_by_stratum = []
    for h in np.unique(psu_stratum):
        members = np.flatnonzero(psu_stratum == h)
        n_h = members.size
        n_by_stratum.append(n_h)
        if psu_fpc is None:
            draws = gen.integers(0, n_h, size=(replicates, n_h))
        else:
            N_h = _one_fpc(psu_fpc[members], f"stratum {h + 1}")
            pop = round(N_h) if N_h > 1 else round(n_h / N_h)
            if pop < n_h:
                raise ReplicateError("population size smaller than sample size in a stratum")
            pseudo = np.resize(np.arange(n_h), pop)  # R: rep(upsu, length = popsize)
            draws = np.stack([pseudo[gen.choice(pop, size=n_h, replace=False)] for _ in range(replicates)])
        for r in range(replicates):
            counts[members, r] = np.bincount(draws[r], minlength=n_h)
    n_bar = 1.0 / float(np.mean(1.0 / np.asarray(n_by_stratum, dtype=np.float64)))
    if n_bar <= 1.0:
        raise ReplicateError("the bootstrap needs at least two PSUs per stratum")
    scale = n_bar / ((n_bar - 1.0) * (replicates - 1.0))
    return ReplicateFactors(counts[p_code], scale, np.ones(replicates), "bootstrap")


def rescaled_bootstrap_factors(
    strata: ArrayLike | None,
    psu: ArrayLike,
    replicates: int = 50,
    rng: int | np.random.Generator = 0,
) -> ReplicateFactors:
    """Rao–Wu rescaled bootstrap with m_h = n_h − 1 (R's ``type = "subbootstrap"``).

    Factor of a PSU = multiplicity in a with-replacement resample of n_h − 1 PSUs × n_h/(n_h − 1);
    scale = 1/(R − 1) (Rao & Wu 1988; Rust & Rao 1996; R ``subbootweights``).
    """
    if replicates < 2:
        raise ReplicateError("at least two bootstrap replicates are needed")
    gen = _generator(rng)
    p_code, psu_stratum, n_psu = _psu_structure(strata, psu)
    counts = np.zeros((n_psu, replicates))
    for h in np.unique(psu_stratum):
        members = np.flatnonzero(psu_stratum == h)
        n_h = members.size
        if n_h < 2:
            raise ReplicateError("the rescaled bootstrap needs at least two PSUs per stratum")
        draws = gen.integers(0, n_h, size=(replicates, n_h - 1))
        for r in range(replicates):
            counts[members, r] = np.bincount(draws[r], minlength=n_h) * n_h / (n_h - 1.0)
    return ReplicateFactors(counts[p_code], 1.0 / (replicates - 1.0), np.ones(replicates), "subbootstrap")


def replicate_variance(
    replicates: ArrayLike, full: ArrayLike, scale: float, rscales: ArrayLike, mse: bool = False
) -> FloatArray:
    """V̂ = scale · Σ_r rscale_r (θ̂_r − θ̄)² for each statistic (R ``survey:::svrVar``).

    Parameters
    ----------
    replicates : array_like, shape (R,) or (R, k)
        Replicate estimates θ̂_r.
    full : array_like, shape () or (k,)
        Full-sample estimates θ̂ (the centre when ``mse``).
    scale, rscales
        As in :class:`ReplicateFactors`.
    mse : bool
        Centre on θ̂ instead of the mean of the replicates with rscale > 0 (R's default is False).
    """
    th = np.asarray(replicates, dtype=np.float64)
    rs = np.asarray(rscales, dtype=np.float64)
    if th.ndim == 1:
        th = th[:, None]
    centre = np.asarray(full, dtype=np.float64).reshape(-1) if mse else th[rs > 0].mean(axis=0)
    dev = th - centre[None, :]
    out: FloatArray = scale * np.einsum("r,rk->k", rs, dev * dev)
    return out


@dataclass(frozen=True, slots=True)
class ReplicateEstimate:
    """Estimates with replicate-weight standard errors.

    Arrays have shape (n_domains, n_variables); ``replicates`` has shape (R, n_domains, n_variables).
    ``domains`` lists the domain labels (``[None]`` for the whole population).
    """

    estimate: FloatArray
    se: FloatArray
    variance: FloatArray
    replicates: FloatArray
    domains: list[object]
    statistic: str


class ReplicateDesign:
    """A design described by full-sample weights and replicate weights.

    Parameters
    ----------
    weights : array_like, shape (n,)
        Full-sample weights.
    replicate_weights : array_like, shape (n, R)
        Analysis replicate weights (already multiplied by ``weights``, R's ``combined.weights=TRUE``).
    scale : float
    rscales : array_like, shape (R,)
    mse : bool
        Centre the variance on the full-sample estimate (default False, as R).
    kind : str
        Label for reports (``"JK1"``, ``"JKn"``, ``"bootstrap"``, ``"other"``, …).
    """

    def __init__(
        self,
        weights: ArrayLike,
        replicate_weights: ArrayLike,
        scale: float,
        rscales: ArrayLike,
        *,
        mse: bool = False,
        kind: str = "other",
    ) -> None:
        w = np.asarray(weights, dtype=np.float64)
        rw = np.asarray(replicate_weights, dtype=np.float64)
        rs = np.broadcast_to(np.asarray(rscales, dtype=np.float64), (rw.shape[1] if rw.ndim == 2 else 0,))
        if w.ndim != 1 or rw.ndim != 2 or rw.shape[0] != w.size:
            raise ReplicateError("replicate_weights must be an (n_rows × R) matrix matching weights")
        if not (np.all(np.isfinite(w)) and np.all(np.isfinite(rw))):
            raise ReplicateError("weights and replicate weights must be finite")
        self.weights: FloatArray = w
        self.replicate_weights: FloatArray = rw
        self.scale = float(scale)
        self.rscales: FloatArray = rs.copy()
        self.mse = bool(mse)
        self.kind = kind

    @classmethod
    def from_factors(
        cls, weights: ArrayLike, factors: ReplicateFactors, *, mse: bool = False
    ) -> ReplicateDesign:
        """Combine full-sample weights with replication factors (R ``as.svrepdesign``)."""
        w = np.asarray(weights, dtype=np.float64)
        return cls(
            w, w[:, None] * factors.factors, factors.scale, factors.rscales, mse=mse, kind=factors.kind
        )

    @property
    def n_replicates(self) -> int:
        return int(self.replicate_weights.shape[1])

    @property
    def df(self) -> int:
        """Degrees of freedom: rank of the replicate weights − 1 (R ``degf.svyrep.design``)."""
        return int(np.linalg.matrix_rank(self.replicate_weights)) - 1

    def _sums(self, y: FloatArray, domain: ArrayLike | None) -> tuple[FloatArray, FloatArray, list[object]]:
        """Weighted sums of y and of 1 per domain: arrays (R + 1, G, k) and (R + 1, G)."""
        n = self.weights.size
        if domain is None:
            ind = np.ones((n, 1))
            labels: list[object] = [None]
        else:
            d = np.asarray(domain)
            if d.shape != (n,):
                raise ReplicateError("domain must have one value per row")
            codes, g = _first_appearance(d)
            # Domains in sorted order (as R's svyby): map first-appearance codes to sorted positions.
            uniq_sorted = np.unique(d)
            first_labels = [d[np.flatnonzero(codes == c)[0]] for c in range(g)]
            pos = np.searchsorted(uniq_sorted, np.asarray(first_labels))
            ind = np.zeros((n, g))
            ind[np.arange(n), pos[codes]] = 1.0
            labels = [v.item() if isinstance(v, np.generic) else v for v in uniq_sorted.tolist()]
        W = np.column_stack([self.weights, self.replicate_weights])  # (n, R + 1)
        k = y.shape[1]
        g = ind.shape[1]
        # T[r, g, j] = Σ_i W[i, r] ind[i, g] y[i, j], computed as one matrix product.
        prod = (ind[:, :, None] * y[:, None, :]).reshape(n, g * k)
        ty = (W.T @ prod).reshape(-1, g, k)
        t1 = W.T @ ind
        return ty, t1, labels

    @staticmethod
    def _as_matrix(y: ArrayLike, na_rm: bool = False) -> FloatArray:
        arr = np.asarray(y, dtype=np.float64)
        if arr.ndim == 1:
            arr = arr[:, None]
        if np.any(np.isinf(arr)) or (not na_rm and np.any(np.isnan(arr))):
            raise ReplicateError(
                "variables must be finite (missing values: na_rm=True, or drop or impute them first)"
            )
        return arr

    def subset(self, keep: ArrayLike) -> ReplicateDesign:
        """The design restricted to the rows where ``keep`` is true (R's ``design[keep, ]`` on a replicate
        design: the other rows are dropped, so the degrees of freedom are those of the rows kept)."""
        mask = np.asarray(keep, dtype=bool)
        if mask.shape != self.weights.shape:
            raise ReplicateError("keep must have one value per row")
        return ReplicateDesign(
            self.weights[mask],
            self.replicate_weights[mask],
            self.scale,
            self.rscales,
            mse=self.mse,
            kind=self.kind,
        )

    def _complete(
        self, y: FloatArray, domain: ArrayLike | None
    ) -> tuple[FloatArray, ArrayLike | None, ReplicateDesign]:
        """R's ``na.rm=TRUE``: rows with a missing value in any of the variables are dropped."""
        complete = ~np.any(np.isnan(y), axis=1)
        if bool(np.all(complete)):
            return y, domain, self
        kept = None if domain is None else np.asarray(domain)[complete]
        return y[complete], kept, self.subset(complete)

    def _finish(self, theta: FloatArray, labels: list[object], statistic: str) -> ReplicateEstimate:
        full = theta[0]
        reps = theta[1:]
        R, g, k = reps.shape
        var = replicate_variance(reps.reshape(R, g * k), full.reshape(-1), self.scale, self.rscales, self.mse)
        var = var.reshape(g, k)
        return ReplicateEstimate(full, np.sqrt(var), var, reps, labels, statistic)

    def total(
        self, y: ArrayLike, domain: ArrayLike | None = None, *, na_rm: bool = False
    ) -> ReplicateEstimate:
        """Totals Σ w y (per domain) with replicate SEs (R ``svytotal.svyrep.design``); ``na_rm`` drops
        rows with a missing value (R's ``na.rm=TRUE``)."""
        arr, dom, design = self._complete(self._as_matrix(y, na_rm), domain)
        ty, _, labels = design._sums(arr, dom)
        return design._finish(ty, labels, "total")

    def mean(
        self, y: ArrayLike, domain: ArrayLike | None = None, *, na_rm: bool = False
    ) -> ReplicateEstimate:
        """Hájek means Σ w y / Σ w (per domain) with replicate SEs (R ``svymean.svyrep.design``); ``na_rm``
        drops rows with a missing value (R's ``na.rm=TRUE``)."""
        arr, dom, design = self._complete(self._as_matrix(y, na_rm), domain)
        ty, t1, labels = design._sums(arr, dom)
        with np.errstate(invalid="ignore", divide="ignore"):
            theta = ty / t1[:, :, None]
        if not np.all(np.isfinite(theta)):
            raise ReplicateError("a replicate has zero weight in a domain; its mean is undefined")
        return design._finish(theta, labels, "mean")

    def ratio(
        self, y: ArrayLike, x: ArrayLike, domain: ArrayLike | None = None, *, na_rm: bool = False
    ) -> ReplicateEstimate:
        """Ratios Σ w y / Σ w x of every numerator column to the denominator ``x`` (per domain), each
        replicate's ratio from its own weights (R ``svyratio.svyrep.design``); ``na_rm`` drops rows with a
        missing numerator or denominator (R's ``na.rm=TRUE``)."""
        num = self._as_matrix(y, na_rm)
        den = self._as_matrix(x, na_rm)
        if den.shape[1] != 1 or den.shape[0] != num.shape[0]:
            raise ReplicateError("the denominator must be one column with one value per row")
        both, dom, design = self._complete(np.column_stack([num, den]), domain)
        ty, _, labels = design._sums(both, dom)
        with np.errstate(invalid="ignore", divide="ignore"):
            theta = ty[:, :, :-1] / ty[:, :, -1:]
        if not np.all(np.isfinite(theta)):
            raise ReplicateError(
                "a replicate's denominator total is zero in a domain; its ratio is undefined"
            )
        return design._finish(theta, labels, "ratio")

    def proportion(
        self, y: ArrayLike, domain: ArrayLike | None = None, *, na_rm: bool = False
    ) -> ReplicateEstimate:
        """Proportions of a 0/1 variable (the mean of the indicator)."""
        arr = self._as_matrix(y, na_rm)
        known = arr[~np.isnan(arr)]
        if not np.all((known == 0) | (known == 1)):
            raise ReplicateError("a proportion needs a 0/1 variable")
        est = self.mean(arr, domain, na_rm=na_rm)
        return ReplicateEstimate(
            est.estimate, est.se, est.variance, est.replicates, est.domains, "proportion"
        )


ReplicateKind = Literal["auto", "JK1", "JKn", "bootstrap", "subbootstrap"]


def replicate_design(
    design: Design,
    kind: ReplicateKind = "auto",
    *,
    replicates: int = 50,
    rng: int | np.random.Generator = 0,
    mse: bool = False,
) -> ReplicateDesign:
    """Replicate-weight version of a design, as R's ``as.svrepdesign`` (first stage only, as R).

    ``"auto"`` is JK1 for an unstratified design and JKn otherwise (R's rule); JK1 on a stratified design
    and JKn without strata are errors, as in R. The sampling fraction of each stratum is recovered from the
    design (1 − f_h), so finite-population corrections carry over to the replicate scales; the design's
    calibration is not carried (recalibrate each replicate if needed).
    """
    stage = design.stages[0]
    strata = design.stratum_of_row
    psu = design.psu_of_row
    stratified = stage.n_strata > 1
    if kind == "auto":
        kind = "JKn" if stratified else "JK1"
    fpc = None
    if design.has_fpc:
        n_h = stage.n_units.astype(np.float64)
        # StageInfo.scale is (1 − f_h) n_h/(n_h − 1), or (1 − f_h) for a single PSU (R's onestrat).
        factor = np.where(n_h > 1, (n_h - 1.0) / np.maximum(n_h, 1.0), 1.0)
        fraction = 1.0 - stage.scale * factor
        fpc = np.clip(fraction, 0.0, 1.0)[stage.stratum_of_unit[psu]]
    if kind == "JK1":
        if stratified:
            raise ReplicateError("JK1 is for unstratified designs (use JKn or a bootstrap)")
        factors = jk1_factors(psu, fpc=fpc)
    elif kind == "JKn":
        if not stratified:
            raise ReplicateError("JKn needs a stratified design (use JK1 or a bootstrap)")
        factors = jkn_factors(strata, psu, fpc=fpc, lonely_psu=design.lonely_psu)
    elif kind == "bootstrap":
        factors = bootstrap_factors(strata, psu, replicates=replicates, rng=rng, fpc=fpc)
    elif kind == "subbootstrap":
        factors = rescaled_bootstrap_factors(strata, psu, replicates=replicates, rng=rng)
    else:
        raise ReplicateError(f"unknown replicate type {kind!r}")
    return ReplicateDesign.from_factors(design.weights, factors, mse=mse)
