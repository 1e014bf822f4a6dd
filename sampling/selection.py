"""Probability sample selection with explicit seeds.

Public functions (each takes ``rng``: a seed ``int`` or a :class:`numpy.random.Generator`, and returns a
:class:`Selection` with the selected row indices, their inclusion probabilities and base weights 1/π):

``select_srs(population_size, n, rng)``
    Simple random sampling without replacement (Lohr 2022, §2.3).
``select_systematic(population_size, n, rng)``
    Systematic sampling with a fractional interval k = N/n and a random start in [0, k) (Lohr §2.7;
    Cochran 1977, §8.1): every unit has π = n/N even when N/n is not an integer.
``select_pps_systematic(sizes, n, rng)``
    PPS systematic sampling (Madow 1949; Särndal, Swensson & Wretman 1992, §3.6) on the frame order,
    with certainty units: a unit with size ≥ (remaining total)/(remaining n) is taken with π = 1 and the
    rule is re-applied to the rest until no unit qualifies (Valliant et al. 2018, §3.5).
``select_stratified(strata, allocation, rng, method="srs", sizes=None)``
    One of the above independently within each stratum, strata in sorted label order so that the same
    seed gives the same sample.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sampling.errors import SamplingError

__all__ = [
    "Selection",
    "SelectionError",
    "SelectionMethod",
    "as_generator",
    "pps_inclusion_probabilities",
    "select_pps_systematic",
    "select_srs",
    "select_stratified",
    "select_systematic",
]

SelectionMethod = Literal["srs", "systematic", "pps"]


class SelectionError(SamplingError):
    """Invalid selection input (n larger than the frame, negative sizes, unknown stratum, …)."""


@dataclass(frozen=True, slots=True)
class Selection:
    """A selected sample.

    Attributes
    ----------
    indices : ndarray of int
        Row positions in the frame, ascending.
    inclusion_probability : ndarray of float
        π_k of each selected row.
    base_weight : ndarray of float
        1/π_k.
    certainty : ndarray of bool
        Rows taken with certainty (π = 1) by the PPS rule.
    strata : ndarray or None
        Stratum label of each selected row (stratified selection only).
    """

    indices: NDArray[np.int64]
    inclusion_probability: NDArray[np.float64]
    base_weight: NDArray[np.float64]
    certainty: NDArray[np.bool_]
    strata: NDArray[np.object_] | None = None


def as_generator(rng: int | np.random.Generator) -> np.random.Generator:
    """Return ``rng`` if it is a Generator, else ``numpy.random.default_rng(rng)`` (an explicit seed)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer):
        raise SelectionError("a seed (integer) or numpy.random.Generator is required")
    return np.random.default_rng(int(rng))


def _check_n(population_size: int, n: int) -> None:
    if isinstance(n, bool) or int(n) != n or n < 0:
        raise SelectionError(f"n must be a non-negative integer, got {n!r}")
    if n > population_size:
        raise SelectionError(f"n = {n} exceeds the frame size {population_size}")


def _equal_probability(indices: NDArray[np.int64], population_size: int, n: int) -> Selection:
    pi = np.full(indices.size, n / population_size)
    return Selection(
        indices=indices,
        inclusion_probability=pi,
        base_weight=1.0 / pi,
        certainty=np.full(indices.size, n == population_size),
    )


def select_srs(population_size: int, n: int, rng: int | np.random.Generator) -> Selection:
    """Simple random sample of ``n`` out of ``population_size`` rows, without replacement; π = n/N."""
    _check_n(population_size, n)
    gen = as_generator(rng)
    idx = np.sort(gen.choice(population_size, size=n, replace=False)).astype(np.int64)
    return _equal_probability(idx, population_size, n)


def select_systematic(population_size: int, n: int, rng: int | np.random.Generator) -> Selection:
    """Systematic sample: rows ⌊u + j k⌋, j = 0..n−1, k = N/n, u ~ U[0, k); π = n/N for every row."""
    _check_n(population_size, n)
    gen = as_generator(rng)
    if n == 0:
        return _equal_probability(np.empty(0, dtype=np.int64), population_size, n)
    k = population_size / n
    u = gen.uniform(0.0, k)
    idx = np.floor(u + k * np.arange(n)).astype(np.int64)
    idx = np.minimum(idx, population_size - 1)  # u + (n−1)k < N always; guard rounding at the edge
    return _equal_probability(idx, population_size, n)


def pps_inclusion_probabilities(sizes: ArrayLike, n: int) -> NDArray[np.float64]:
    """π_k = n' s_k / S' with certainty units (π = 1) removed iteratively.

    A unit with s_k ≥ S'/n' (S' and n' the total size and sample size left after the certainty units
    found so far) would get π ≥ 1, so it is taken with certainty; repeat until none qualifies.
    Σ π_k = n exactly (Särndal et al. 1992, §3.6.2).
    """
    s = np.asarray(sizes, dtype=np.float64)
    if s.ndim != 1:
        raise SelectionError("sizes must be a 1-d array")
    if np.any(~np.isfinite(s)) or np.any(s < 0):
        raise SelectionError("sizes must be finite and non-negative")
    positive = int(np.count_nonzero(s > 0))
    _check_n(positive, n)
    pi = np.zeros_like(s)
    certain = np.zeros(s.size, dtype=bool)
    while True:
        left = n - int(certain.sum())
        rest = ~certain & (s > 0)
        if left == 0:
            break
        total = s[rest].sum()
        new = rest & (s * left >= total)
        if not new.any():
            pi[rest] = left * s[rest] / total
            break
        certain |= new
    pi[certain] = 1.0
    return pi


def select_pps_systematic(sizes: ArrayLike, n: int, rng: int | np.random.Generator) -> Selection:
    """PPS systematic sample on the frame order, with certainty units.

    The non-certainty units are laid end to end with lengths π_k (which sum to n'), and the points
    u, u + 1, …, u + n' − 1 with u ~ U[0, 1) select the units whose interval contains them; since every
    π_k < 1, no unit is hit twice and P(k selected) = π_k.
    """
    gen = as_generator(rng)
    pi = pps_inclusion_probabilities(sizes, n)
    certain = pi >= 1.0
    rest = np.flatnonzero(~certain & (pi > 0))
    n_rest = n - int(certain.sum())
    chosen = [np.flatnonzero(certain)]
    if n_rest > 0:
        cum = np.cumsum(pi[rest])
        cum[-1] = n_rest  # exact, so that the last point u + n' − 1 < n' always lands inside
        points = gen.uniform(0.0, 1.0) + np.arange(n_rest)
        chosen.append(rest[np.searchsorted(cum, points, side="right")])
    idx = np.sort(np.concatenate(chosen)).astype(np.int64)
    p = pi[idx]
    return Selection(indices=idx, inclusion_probability=p, base_weight=1.0 / p, certainty=p >= 1.0)


def select_stratified(
    strata: ArrayLike,
    allocation: Mapping[Any, int],
    rng: int | np.random.Generator,
    method: SelectionMethod = "srs",
    sizes: ArrayLike | None = None,
) -> Selection:
    """Independent selection within strata.

    Parameters
    ----------
    strata : array_like
        Stratum label of every frame row.
    allocation : mapping
        n_h per stratum label; every stratum in the frame needs an entry (0 is allowed).
    rng : int or Generator
        One generator is used for all strata, visited in sorted label order.
    method : {"srs", "systematic", "pps"}
    sizes : array_like, optional
        Measure of size for ``pps``.
    """
    labels = np.asarray(strata, dtype=object)
    gen = as_generator(rng)
    keys = {str(k): v for k, v in allocation.items()}
    uniq = sorted({str(v) for v in labels})
    label_str = np.array([str(v) for v in labels], dtype=object)
    missing = [u for u in uniq if u not in keys]
    if missing:
        raise SelectionError(f"no allocation for stratum {missing[0]!r}")
    unknown = [k for k in keys if k not in set(uniq)]
    if unknown:
        raise SelectionError(f"allocation names stratum {unknown[0]!r}, which is not in the frame")
    if method == "pps":
        if sizes is None:
            raise SelectionError("method 'pps' needs sizes")
        size_arr = np.asarray(sizes, dtype=np.float64)
        if size_arr.shape != labels.shape:
            raise SelectionError("sizes must have one value per frame row")
    parts: list[Selection] = []
    part_labels: list[NDArray[np.object_]] = []
    for h in uniq:
        rows = np.flatnonzero(label_str == h)
        n_h = keys[h]
        try:
            if method == "srs":
                sel = select_srs(rows.size, n_h, gen)
            elif method == "systematic":
                sel = select_systematic(rows.size, n_h, gen)
            elif method == "pps":
                sel = select_pps_systematic(size_arr[rows], n_h, gen)
            else:
                raise SelectionError(f"unknown selection method {method!r}")
        except SelectionError as exc:
            raise SelectionError(f"stratum {h!r}: {exc}") from None
        parts.append(
            Selection(
                indices=rows[sel.indices],
                inclusion_probability=sel.inclusion_probability,
                base_weight=sel.base_weight,
                certainty=sel.certainty,
            )
        )
        part_labels.append(labels[rows[sel.indices]])
    idx = np.concatenate([p.indices for p in parts]).astype(np.int64)
    order = np.argsort(idx, kind="stable")
    return Selection(
        indices=idx[order],
        inclusion_probability=np.concatenate([p.inclusion_probability for p in parts])[order],
        base_weight=np.concatenate([p.base_weight for p in parts])[order],
        certainty=np.concatenate([p.certainty for p in parts])[order],
        strata=np.concatenate(part_labels)[order],
    )
