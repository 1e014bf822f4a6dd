"""Sample-size calculation and allocation of a sample across strata.

Public functions
----------------
``sample_size_proportion(margin, level=0.95, p=0.5, deff=1.0, population=None, response_rate=1.0)``
    Sample size to estimate a proportion with a given margin of error (Cochran 1977, §4.4;
    Valliant, Dever & Kreuter 2018, §3.2), returned with every step of the calculation.
``slovin_sample_size(population, margin, response_rate=1.0)``
    Slovin's n = N / (1 + N e²): the legacy MoHA rule, offered for comparison and labelled as such.
``allocate(population_sizes, n, method, sd=None, cost=None, power_q=0.5, min_n=None, max_n=None)``
    Allocation across strata (proportional, equal, Neyman, cost-optimal, power/Bankier) with per-stratum
    floors and caps (and n_h ≤ N_h), rounded to integers that add up to ``n``.

The continuous allocation with bounds solves ``x_h = clip(λ a_h, L_h, U_h)`` with ``Σ x_h = n`` exactly
(the "water-filling" form of the constrained optimum; for Neyman this is the solution of Valliant et al.
2018, §3.4 when strata hit their caps), and the integer rounding is largest-remainder on top of the floors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from sampling.errors import SamplingError

__all__ = [
    "AllocationMethod",
    "AllocationResult",
    "PlanningError",
    "SampleSizeResult",
    "SampleSizeStep",
    "allocate",
    "round_preserving_total",
    "sample_size_proportion",
    "slovin_sample_size",
]

AllocationMethod = Literal["proportional", "equal", "neyman", "optimal", "power"]


class PlanningError(SamplingError):
    """Invalid planning input (a margin outside (0, 1), infeasible bounds, …)."""


@dataclass(frozen=True, slots=True)
class SampleSizeStep:
    """One step of a sample-size calculation: a label, the formula and the value after the step."""

    label: str
    formula: str
    value: float


@dataclass(frozen=True, slots=True)
class SampleSizeResult:
    """A sample size with the steps that produced it.

    Attributes
    ----------
    n : int
        Number of units to select (rounded up at the very end only).
    n_unrounded : float
        The value before rounding up.
    method : str
        ``"standard"`` or ``"slovin"``.
    label : str
        Human-readable description of the rule.
    steps : tuple of SampleSizeStep
        The calculation, in order.
    """

    n: int
    n_unrounded: float
    method: str
    label: str
    steps: tuple[SampleSizeStep, ...]


def _check_fraction(name: str, value: float, *, allow_one: bool = False) -> None:
    ok = 0.0 < value <= 1.0 if allow_one else 0.0 < value < 1.0
    if not (math.isfinite(value) and ok):
        bound = "(0, 1]" if allow_one else "(0, 1)"
        raise PlanningError(f"{name} must be in {bound}, got {value!r}")


def _round_up(x: float) -> int:
    # Guard against 384.00000000000006 becoming 385: values within 1e-9 of an integer are that integer.
    nearest = round(x)
    if abs(x - nearest) < 1e-9:
        return int(nearest)
    return math.ceil(x)


def sample_size_proportion(
    margin: float,
    level: float = 0.95,
    p: float = 0.5,
    deff: float = 1.0,
    population: float | None = None,
    response_rate: float = 1.0,
) -> SampleSizeResult:
    """Sample size for estimating a proportion within ±``margin`` at confidence ``level``.

    n0 = z² p (1 − p) / e² with z = Φ⁻¹(1 − α/2) (Cochran 1977, eq. 4.2); multiplied by the design
    effect; finite-population corrected n = n1 / (1 + (n1 − 1)/N) (Cochran eq. 4.3 applied to n1);
    divided by the expected response rate; rounded up once at the end.

    Parameters
    ----------
    margin : float
        Half-width of the interval on the proportion scale, in (0, 1).
    level : float
        Confidence level 1 − α, in (0, 1).
    p : float
        Anticipated proportion (0.5 is the conservative choice), in (0, 1).
    deff : float
        Anticipated design effect (> 0).
    population : float, optional
        Population size N for the finite-population correction.
    response_rate : float
        Expected response rate in (0, 1].

    Returns
    -------
    SampleSizeResult
    """
    _check_fraction("margin", margin)
    _check_fraction("level", level)
    _check_fraction("p", p)
    _check_fraction("response_rate", response_rate, allow_one=True)
    if not (math.isfinite(deff) and deff > 0):
        raise PlanningError(f"deff must be positive, got {deff!r}")
    if population is not None and not (math.isfinite(population) and population >= 1):
        raise PlanningError(f"population must be at least 1, got {population!r}")

    z = float(stats.norm.ppf(1.0 - (1.0 - level) / 2.0))
    steps: list[SampleSizeStep] = []
    n0 = z * z * p * (1.0 - p) / (margin * margin)
    steps.append(
        SampleSizeStep("simple random sample", f"z²·p(1−p)/e² = {z:.4f}²·{p}·{1 - p:.4g}/{margin}²", n0)
    )
    n = n0 * deff
    steps.append(SampleSizeStep("design effect", f"n0 × deff = {n0:.4f} × {deff}", n))
    if population is not None:
        n_before = n
        n = n / (1.0 + (n - 1.0) / population)
        steps.append(
            SampleSizeStep(
                "finite population correction",
                f"n / (1 + (n − 1)/N) = {n_before:.4f} / (1 + {n_before - 1:.4f}/{population:g})",
                n,
            )
        )
    n_resp = n
    n = n / response_rate
    steps.append(SampleSizeStep("expected response rate", f"n / r = {n_resp:.4f} / {response_rate}", n))
    n_final = _round_up(n)
    steps.append(SampleSizeStep("rounded up", f"⌈{n:.4f}⌉", float(n_final)))
    return SampleSizeResult(
        n=n_final,
        n_unrounded=n,
        method="standard",
        label=f"proportion ±{margin} at {level:.0%} (p={p}, deff={deff})",
        steps=tuple(steps),
    )


def slovin_sample_size(population: float, margin: float, response_rate: float = 1.0) -> SampleSizeResult:
    """Slovin's formula n = N / (1 + N e²) — the legacy MoHA rule.

    Slovin's rule equals the standard formula only for p = 0.5 at about 95 % with z² ≈ 4 and ignores
    the design effect; it is offered because earlier SIPAS rounds used it, and labelled as such.

    Parameters
    ----------
    population : float
        Population size N (required).
    margin : float
        Margin of error e in (0, 1).
    response_rate : float
        Expected response rate in (0, 1]; the result is divided by it.
    """
    _check_fraction("margin", margin)
    _check_fraction("response_rate", response_rate, allow_one=True)
    if not (math.isfinite(population) and population >= 1):
        raise PlanningError(f"population must be at least 1, got {population!r}")
    n = population / (1.0 + population * margin * margin)
    steps = [
        SampleSizeStep(
            "Slovin (legacy MoHA rule)",
            f"N / (1 + N e²) = {population:g} / (1 + {population:g}·{margin}²)",
            n,
        )
    ]
    n_resp = n
    n = n / response_rate
    steps.append(SampleSizeStep("expected response rate", f"n / r = {n_resp:.4f} / {response_rate}", n))
    n_final = _round_up(n)
    steps.append(SampleSizeStep("rounded up", f"⌈{n:.4f}⌉", float(n_final)))
    return SampleSizeResult(
        n=n_final,
        n_unrounded=n,
        method="slovin",
        label="Slovin n = N/(1 + N e²) (legacy MoHA rule; ignores p, confidence level and design effect)",
        steps=tuple(steps),
    )


@dataclass(frozen=True, slots=True)
class AllocationResult:
    """An allocation of ``n`` units over strata.

    Attributes
    ----------
    n_h : ndarray of int
        Integer allocation, summing to ``n``.
    continuous : ndarray of float
        The allocation before rounding (also sums to ``n``).
    lower, upper : ndarray of int
        The bounds that applied (floors, caps and N_h).
    at_lower, at_upper : ndarray of bool
        Strata whose continuous allocation sits on a bound.
    method : str
    """

    n_h: NDArray[np.int64]
    continuous: NDArray[np.float64]
    lower: NDArray[np.int64]
    upper: NDArray[np.int64]
    at_lower: NDArray[np.bool_]
    at_upper: NDArray[np.bool_]
    method: str


def _as_bounds(value: int | ArrayLike | None, size: int, default: float, name: str) -> NDArray[np.float64]:
    if value is None:
        return np.full(size, default)
    arr = np.broadcast_to(np.asarray(value, dtype=np.float64), (size,)).copy()
    if np.any(~np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.floor(arr)):
        raise PlanningError(f"{name} must be non-negative integers")
    return arr


def _water_fill(
    shares: NDArray[np.float64], lower: NDArray[np.float64], upper: NDArray[np.float64], n: float
) -> NDArray[np.float64]:
    """Solve Σ clip(λ a_h, L_h, U_h) = n for λ ≥ 0 exactly (piecewise-linear in λ)."""
    if math.isclose(n, float(lower.sum()), rel_tol=0, abs_tol=1e-12):
        return lower.copy()
    if math.isclose(n, float(upper.sum()), rel_tol=0, abs_tol=1e-12):
        return upper.copy()
    pos = shares > 0
    # Breakpoints: λ where a stratum leaves its floor (L/a) or reaches its cap (U/a).
    bps = np.unique(np.concatenate([lower[pos] / shares[pos], upper[pos] / shares[pos]]))

    def total(lam: float) -> float:
        return float(np.clip(lam * shares, lower, upper).sum())

    totals = np.array([total(b) for b in bps])
    k = int(np.searchsorted(totals, n))  # first breakpoint with total ≥ n
    if k >= len(bps):
        raise PlanningError(
            "allocation infeasible: strata with a positive share are all at their caps "
            "(strata with a zero share, e.g. S_h = 0, are kept at their minimum)"
        )
    hi = float(bps[k])
    lo = float(bps[k - 1]) if k > 0 else 0.0
    t_lo = total(lo)
    t_hi = totals[k]
    # Linear between consecutive breakpoints: interpolate λ exactly.
    lam = hi if t_hi == t_lo else lo + (n - t_lo) * (hi - lo) / (t_hi - t_lo)
    x = np.clip(lam * shares, lower, upper)
    # Remove the last floating-point crumbs so that Σ x = n to the last bit where possible.
    free = (x > lower) & (x < upper)
    if free.any():
        x[free] += (n - x.sum()) * shares[free] / shares[free].sum()
    return x


def round_preserving_total(
    x: ArrayLike, lower: ArrayLike | None = None, upper: ArrayLike | None = None
) -> NDArray[np.int64]:
    """Round non-negative values to integers with the same (integer) total: largest remainder.

    Each value is floored, then the units still missing go to the largest fractional parts (ties to the
    earlier stratum), skipping strata already at ``upper``. With integer bounds and lower ≤ x ≤ upper
    the result respects the bounds (Hamilton's method; Balinski & Young 2001).
    """
    xa = np.asarray(x, dtype=np.float64)
    total = round(float(xa.sum()))
    lo = np.zeros_like(xa) if lower is None else np.asarray(lower, dtype=np.float64)
    up = np.full_like(xa, np.inf) if upper is None else np.asarray(upper, dtype=np.float64)
    # A value within 1e-9 of an integer is that integer (avoid 2.9999999 → 2 with remainder 0.9999999).
    near = np.round(xa)
    xa = np.where(np.abs(xa - near) < 1e-9, near, xa)
    base = np.maximum(np.floor(xa), lo)
    missing = total - int(base.sum())
    order = np.argsort(-(xa - np.floor(xa)), kind="stable")
    out = base.copy()
    i = 0
    while missing > 0:
        if i >= len(order):
            # Every stratum got one extra unit or sits at its cap: go round again (only with odd inputs).
            i = 0
            if not np.any(out < up):
                raise PlanningError("cannot round: every stratum is at its cap")
        h = order[i]
        if out[h] + 1 <= up[h]:
            out[h] += 1
            missing -= 1
        i += 1
    while missing < 0:  # only when floors pushed the base above the total
        cand = np.flatnonzero(out > lo)
        if cand.size == 0:
            raise PlanningError("cannot round: every stratum is at its floor")
        h = cand[np.argmin((xa - np.floor(xa))[cand])]
        out[h] -= 1
        missing += 1
    return out.astype(np.int64)


def _population_sizes(population_sizes: ArrayLike) -> NDArray[np.float64]:
    N = np.asarray(population_sizes, dtype=np.float64)
    if N.ndim != 1 or N.size == 0:
        raise PlanningError("population_sizes must be a non-empty 1-d array")
    if np.any(~np.isfinite(N)) or np.any(N < 0) or np.any(np.floor(N) != N):
        raise PlanningError("population sizes must be non-negative integers")
    return N


def _stratum_vector(v: ArrayLike | None, name: str, method: str, H: int) -> NDArray[np.float64]:
    """A per-stratum input the method needs (S_h or c_h), finite and non-negative."""
    if v is None:
        raise PlanningError(f"method {method!r} needs {name}")
    arr = np.asarray(v, dtype=np.float64)
    if arr.shape != (H,):
        raise PlanningError(f"{name} must have one value per stratum ({H})")
    if np.any(~np.isfinite(arr)) or np.any(arr < 0):
        raise PlanningError(f"{name} must be finite and non-negative")
    return arr


def _shares(
    method: str, N: NDArray[np.float64], sd: ArrayLike | None, cost: ArrayLike | None, power_q: float
) -> NDArray[np.float64]:
    """The allocation shares a_h of the method (see :func:`allocate`)."""
    H = N.size
    if method == "proportional":
        return N.copy()
    if method == "equal":
        return np.where(N > 0, 1.0, 0.0)
    if method == "neyman":
        return N * _stratum_vector(sd, "sd", method, H)
    if method == "optimal":
        c = _stratum_vector(cost, "cost", method, H)
        if np.any(c <= 0):
            raise PlanningError("cost must be positive")
        return N * _stratum_vector(sd, "sd", method, H) / np.sqrt(c)
    if method == "power":
        if not (math.isfinite(power_q) and 0.0 <= power_q <= 1.0):
            raise PlanningError(f"power_q must be in [0, 1], got {power_q!r}")
        return np.where(N > 0, N**power_q, 0.0)
    raise PlanningError(f"unknown allocation method {method!r}")


def _checked_bounds(
    N: NDArray[np.float64], n: int, min_n: int | ArrayLike | None, max_n: int | ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """L_h = min(min_n, N_h) and U_h = min(max_n, N_h), checked against each other and against n."""
    H = N.size
    lower = np.minimum(_as_bounds(min_n, H, 0.0, "min_n"), N)
    upper = np.minimum(_as_bounds(max_n, H, np.inf, "max_n"), N)
    if np.any(lower > upper):
        raise PlanningError("min_n exceeds max_n in some stratum")
    if n < lower.sum():
        raise PlanningError(f"n = {n} is below the sum of the per-stratum minimums ({int(lower.sum())})")
    if n > upper.sum():
        raise PlanningError(f"n = {n} exceeds what the strata can supply ({int(upper.sum())})")
    return lower, upper


def allocate(
    population_sizes: ArrayLike,
    n: int,
    method: AllocationMethod = "proportional",
    *,
    sd: ArrayLike | None = None,
    cost: ArrayLike | None = None,
    power_q: float = 0.5,
    min_n: int | ArrayLike | None = None,
    max_n: int | ArrayLike | None = None,
) -> AllocationResult:
    """Allocate ``n`` sample units over strata.

    Shares a_h: ``proportional`` N_h; ``equal`` 1; ``neyman`` N_h S_h (Neyman 1934; Cochran §5.5);
    ``optimal`` N_h S_h / √c_h (Cochran §5.5, cost per unit c_h); ``power`` N_h^q (Bankier 1988, power
    allocation with 0 ≤ q ≤ 1: q = 1 proportional, q = 0 equal). The continuous allocation is
    n_h = clip(λ a_h, L_h, U_h) with Σ n_h = n, where L_h = min(min_n, N_h) and U_h = min(max_n, N_h);
    the integer allocation is largest-remainder rounding on top of it, so the total is preserved and the
    bounds hold.

    Parameters
    ----------
    population_sizes : array_like
        N_h, non-negative integers.
    n : int
        Total sample size, 0 ≤ n ≤ Σ U_h.
    method : {"proportional", "equal", "neyman", "optimal", "power"}
    sd : array_like, optional
        S_h (required for ``neyman`` and ``optimal``).
    cost : array_like, optional
        c_h > 0 (required for ``optimal``).
    power_q : float
        Exponent q for ``power``.
    min_n, max_n : int or array_like, optional
        Floors and caps per stratum (scalar or one per stratum).

    Returns
    -------
    AllocationResult
    """
    N = _population_sizes(population_sizes)
    if isinstance(n, bool) or int(n) != n or n < 0:
        raise PlanningError(f"n must be a non-negative integer, got {n!r}")
    shares = _shares(method, N, sd, cost, power_q)
    lower, upper = _checked_bounds(N, n, min_n, max_n)
    if shares.sum() == 0 and n > lower.sum():
        # Nothing to be proportional to (e.g. all S_h = 0): spread equally within the bounds.
        shares = np.where(upper > lower, 1.0, 0.0)

    x = _water_fill(shares, lower, upper, float(n))
    n_h = round_preserving_total(x, lower, upper)
    return AllocationResult(
        n_h=n_h,
        continuous=x,
        lower=lower.astype(np.int64),
        upper=upper.astype(np.int64),
        at_lower=np.isclose(x, lower) & (shares > 0) & (lower > 0),
        at_upper=np.isclose(x, upper),
        method=method,
    )
