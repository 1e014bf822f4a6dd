"""Base weights, nonresponse adjustment by weighting classes, trimming and weight diagnostics.

Public functions
----------------
``base_weights(inclusion_probabilities)``
    d_k = 1/π_k (Horvitz & Thompson 1952; Särndal, Swensson & Wretman 1992, §2.8).
``nonresponse_adjustment(weights, responded, classes=None)``
    Weighting-class adjustment (Valliant, Dever & Kreuter 2018, §13.5; Lohr 2022, §8.5): within class c,
    respondents' weights × Σ_c d / Σ_{c, resp} d (the inverse of the weighted response rate); returns
    the adjusted weights (0 for nonrespondents) and a per-class response-rate report.
``trim_weights(weights, upper=inf, lower=-inf, strict=False, redistribute="equal")``
    R ``trimWeights``: weights outside [lower, upper] are set to the bound and the trimmed amount is
    shared among the untrimmed weights (equally, as R, or in proportion to them), so Σw is preserved;
    ``strict`` repeats until no weight is outside. Reports the weighting effect before and after.
``trim_design(design, upper, lower, strict=False)``
    The same on a :class:`~sampling.design.Design`, keeping its calibration (as R keeps ``postStrata``).
``weighting_effect(weights)``
    Kish's 1 + CV²(w) = n Σw² / (Σw)² (Kish 1992), with n_eff = n / (1 + CV²).
``summarise_weights(weights)``
    Count, sum, min, max, mean, CV, weighting effect and effective sample size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sampling.design import Design
from sampling.errors import SamplingError

__all__ = [
    "NonresponseClass",
    "NonresponseReport",
    "TrimReport",
    "WeightSummary",
    "WeightingError",
    "base_weights",
    "nonresponse_adjustment",
    "summarise_weights",
    "trim_design",
    "trim_weights",
    "weighting_effect",
]

FloatArray = NDArray[np.float64]


class WeightingError(SamplingError):
    """Invalid weighting input (a probability outside (0, 1], a class without respondents, …)."""


def _weights(values: ArrayLike, name: str = "weights") -> FloatArray:
    w = np.asarray(values, dtype=np.float64)
    if w.ndim != 1 or w.size == 0:
        raise WeightingError(f"{name} must be a non-empty 1-d array")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise WeightingError(f"{name} must be finite and non-negative (row {k + 1}: {w[k]!r})")
    return w


def base_weights(inclusion_probabilities: ArrayLike) -> FloatArray:
    """d_k = 1/π_k; every π must be in (0, 1]."""
    p = np.asarray(inclusion_probabilities, dtype=np.float64)
    bad = ~np.isfinite(p) | (p <= 0) | (p > 1)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise WeightingError(f"inclusion probability must be in (0, 1] (row {k + 1}: {p[k]!r})")
    out: FloatArray = 1.0 / p
    return out


def weighting_effect(weights: ArrayLike) -> float:
    """Kish's weighting effect 1 + CV²(w) = n Σw² / (Σw)², over rows with w > 0."""
    w = _weights(weights)
    w = w[w > 0]
    if w.size == 0:
        raise WeightingError("all weights are zero")
    return float(w.size * np.sum(w * w) / np.sum(w) ** 2)


@dataclass(frozen=True, slots=True)
class WeightSummary:
    """Descriptive statistics of a weight vector (rows with w > 0 for CV, deff_w and n_eff)."""

    n: int
    n_positive: int
    total: float
    minimum: float
    maximum: float
    mean: float
    cv: float
    weighting_effect: float
    effective_n: float


def summarise_weights(weights: ArrayLike) -> WeightSummary:
    """Summary of weights with Kish's weighting effect and n_eff = n / (1 + CV²)."""
    w = _weights(weights)
    pos = w[w > 0]
    if pos.size == 0:
        raise WeightingError("all weights are zero")
    deff_w = weighting_effect(pos)
    return WeightSummary(
        n=int(w.size),
        n_positive=int(pos.size),
        total=float(w.sum()),
        minimum=float(pos.min()),
        maximum=float(pos.max()),
        mean=float(pos.mean()),
        cv=float(math.sqrt(max(deff_w - 1.0, 0.0))),
        weighting_effect=deff_w,
        effective_n=float(pos.size / deff_w),
    )


@dataclass(frozen=True, slots=True)
class NonresponseClass:
    """One weighting class: counts, response rates and the adjustment factor."""

    label: str
    n: int
    respondents: int
    response_rate: float
    weighted_response_rate: float
    factor: float


@dataclass(frozen=True, slots=True)
class NonresponseReport:
    """Per-class response rates and overall rates, plus the weighting effect before and after."""

    classes: tuple[NonresponseClass, ...]
    response_rate: float
    weighted_response_rate: float
    weighting_effect_before: float
    weighting_effect_after: float


def _label(value: object) -> str:
    if isinstance(value, float | np.floating) and math.isfinite(float(value)) and float(value) == int(value):
        return str(int(value))
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


def nonresponse_adjustment(
    weights: ArrayLike, responded: ArrayLike, classes: ArrayLike | None = None
) -> tuple[FloatArray, NonresponseReport]:
    """Weighting-class nonresponse adjustment.

    Within each class c the respondents' weights are multiplied by f_c = Σ_{k∈c} d_k / Σ_{k∈c, resp} d_k
    (the inverse weighted response rate; the response-propensity estimate of the class is 1/f_c).
    Nonrespondents get weight 0, so Σ of the adjusted weights equals Σ d in every class.

    Parameters
    ----------
    weights : array_like
        Base weights d_k of all sampled units (respondents and nonrespondents).
    responded : array_like of bool or 0/1
        Response indicator.
    classes : array_like, optional
        Weighting class of each unit (one class when omitted).

    Returns
    -------
    (ndarray, NonresponseReport)

    Raises
    ------
    WeightingError
        A class has no respondents (collapse it with a neighbour first).
    """
    d = _weights(weights)
    r_raw = np.asarray(responded)
    if r_raw.shape != d.shape:
        raise WeightingError("responded must have one value per row")
    if r_raw.dtype == bool:
        r = r_raw
    else:
        try:
            rf = r_raw.astype(np.float64)
        except (TypeError, ValueError):
            raise WeightingError("responded must be 0/1 or true/false") from None
        if not np.all((rf == 0) | (rf == 1)):
            k = int(np.flatnonzero(~((rf == 0) | (rf == 1)))[0])
            raise WeightingError(f"responded must be 0/1 (row {k + 1}: {r_raw[k]!r})")
        r = rf == 1
    labels = (
        np.full(d.size, "(all)", dtype=object)
        if classes is None
        else np.array([_label(v) for v in np.asarray(classes).tolist()], dtype=object)
    )
    if labels.shape != d.shape:
        raise WeightingError("classes must have one value per row")
    levels = sorted(set(labels.tolist()))
    out = np.zeros_like(d)
    rows: list[NonresponseClass] = []
    for lv in levels:
        in_c = labels == lv
        total = float(d[in_c].sum())
        resp = float(d[in_c & r].sum())
        n_resp = int((in_c & r).sum())
        if n_resp == 0 or resp == 0:
            raise WeightingError(f"weighting class {lv!r} has no respondents: collapse it with another class")
        factor = total / resp
        out[in_c & r] = d[in_c & r] * factor
        rows.append(
            NonresponseClass(
                label=lv,
                n=int(in_c.sum()),
                respondents=n_resp,
                response_rate=n_resp / int(in_c.sum()),
                weighted_response_rate=resp / total,
                factor=factor,
            )
        )
    report = NonresponseReport(
        classes=tuple(rows),
        response_rate=float(r.mean()),
        weighted_response_rate=float(d[r].sum() / d.sum()),
        weighting_effect_before=weighting_effect(d[r]),
        weighting_effect_after=weighting_effect(out[r]),
    )
    return out, report


@dataclass(frozen=True, slots=True)
class TrimReport:
    """What trimming did: rounds, units trimmed, amount moved, weighting effect before and after."""

    iterations: int
    trimmed: int
    amount_redistributed: float
    weighting_effect_before: float
    weighting_effect_after: float
    max_before: float
    max_after: float
    outside_after: int


def trim_weights(
    weights: ArrayLike,
    upper: float = math.inf,
    lower: float = -math.inf,
    strict: bool = False,
    redistribute: Literal["equal", "proportional"] = "equal",
    max_iter: int = 100,
) -> tuple[FloatArray, TrimReport]:
    """Trim weights to [lower, upper] and redistribute the trimmed amount (R ``trimWeights``).

    One round (R): w' = clip(w, lower, upper); the amount Σ (w − w') is added to the weights that were
    inside the bounds — equally (``"equal"``, R's rule) or in proportion to them (``"proportional"``,
    Valliant et al. 2018, §14.4). The redistribution can push a weight past a bound again; with
    ``strict`` rounds repeat until none is outside (R ``strict = TRUE``). Σw is preserved.
    """
    w0 = _weights(weights)
    if not lower <= upper:
        raise WeightingError("lower bound exceeds upper bound")
    if redistribute not in ("equal", "proportional"):
        raise WeightingError(f"redistribute must be equal or proportional, got {redistribute!r}")
    w = w0.copy()
    ever = np.zeros(w.size, dtype=bool)
    rounds = 0
    moved = 0.0
    # A relative slack of 1e-12 stops strict trimming from chasing overshoots of one ulp forever
    # (the equal shares halve each round but can round up past the bound in floating point).
    hi = upper + 1e-12 * abs(upper) if math.isfinite(upper) else upper
    lo = lower - 1e-12 * abs(lower) if math.isfinite(lower) else lower
    while rounds < max_iter:
        outside = (w < lo) | (w > hi)
        if not outside.any():
            break
        if outside.all():
            raise WeightingError("every weight is outside the trimming bounds: nothing to redistribute to")
        rounds += 1
        ever |= outside
        new = np.clip(w, lower, upper)
        excess = float(np.sum(w - new))
        moved += abs(excess)
        inside = ~outside
        if redistribute == "equal":
            new[inside] += excess / int(inside.sum())
        else:
            new[inside] += excess * new[inside] / float(new[inside].sum())
        w = new
        if not strict:
            break
    if strict and ((w < lo) | (w > hi)).any():
        raise WeightingError(f"trimming did not settle within {max_iter} rounds; widen the bounds")
    pos0 = w0[w0 > 0]
    pos = w[w > 0]
    report = TrimReport(
        iterations=rounds,
        trimmed=int(ever.sum()),
        amount_redistributed=moved,
        weighting_effect_before=weighting_effect(pos0) if pos0.size else math.nan,
        weighting_effect_after=weighting_effect(pos) if pos.size else math.nan,
        max_before=float(w0.max()),
        max_after=float(w.max()),
        outside_after=int(((w < lo) | (w > hi)).sum()),
    )
    return w, report


def trim_design(
    design: Design,
    upper: float = math.inf,
    lower: float = -math.inf,
    strict: bool = False,
    redistribute: Literal["equal", "proportional"] = "equal",
) -> tuple[Design, TrimReport]:
    """:func:`trim_weights` on a design's weights; the calibration (if any) is kept, as R does."""
    w, report = trim_weights(design.weights, upper, lower, strict, redistribute)
    return design.with_weights(w, calibration=design.calibration), report
