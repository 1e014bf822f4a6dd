"""A successor unit's figure from its predecessors' figures, after a change of the administrative map.

When units merge (several predecessors into one successor) or split (one predecessor into several
successors), a figure published for the predecessors can be carried to a successor as the
population-weighted mean of the predecessors' figures. The weight of predecessor *p* in successor *s* is

    w_p = share(p → s) × population(p)

(``share`` is the part of *p*'s population that went to *s*), so the successor's figure is
``Σ w_p x_p / Σ w_p``. A split (one predecessor) gives each successor the predecessor's figure: it assumes
the predecessor's figure holds across its parts, which nothing in the data can check.

The standard error treats the predecessors' estimates as independent (separate samples, one per agency),
so ``se = √(Σ (w_p / W)² se_p²)``: a linear combination with known, fixed weights, which ignores any
covariance between the predecessors' estimates and the uncertainty of the populations. The interval is
the normal (Wald) interval at the level asked for. Pure: no database, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import norm

__all__ = ["CombinedFigure", "PredecessorFigure", "combine_predecessors", "successor_weights"]


@dataclass(frozen=True)
class PredecessorFigure:
    """One predecessor's published figure and what it carries into the successor."""

    code: str
    estimate: float
    se: float | None
    share: float  # the part of the predecessor's population that went to the successor, in (0, 1]
    population: float | None  # the predecessor's population (needed when several predecessors merge)


@dataclass(frozen=True)
class CombinedFigure:
    """The successor's figure: estimate, approximate SE (None when a predecessor has none) and interval;
    ``weights`` are the normalised weights by predecessor code (they sum to 1)."""

    estimate: float
    se: float | None
    ci_low: float | None
    ci_high: float | None
    weights: dict[str, float]


def successor_weights(parts: Sequence[PredecessorFigure]) -> dict[str, float]:
    """The normalised weights ``share × population / Σ`` by predecessor code.

    One predecessor weighs 1 whatever its population (a split or a renaming). Several need every
    population: a ValueError names the first one missing, or a share or population that is not positive.
    """
    if not parts:
        raise ValueError("no predecessor")
    codes = [p.code for p in parts]
    if len(set(codes)) != len(codes):
        raise ValueError("a predecessor is listed twice")
    for p in parts:
        if not (math.isfinite(p.share) and 0 < p.share <= 1):
            raise ValueError(f"share of {p.code} must be in (0, 1]")
    if len(parts) == 1:
        return {parts[0].code: 1.0}
    raw: dict[str, float] = {}
    for p in parts:
        if p.population is None:
            raise ValueError(f"population of {p.code} is missing")
        if not (math.isfinite(p.population) and p.population > 0):
            raise ValueError(f"population of {p.code} must be positive")
        raw[p.code] = p.share * p.population
    total = math.fsum(raw.values())
    return {code: w / total for code, w in raw.items()}


def combine_predecessors(parts: Sequence[PredecessorFigure], level: float = 0.95) -> CombinedFigure:
    """The successor's figure from its predecessors' (see the module note for the weighting and SE)."""
    if not 0 < level < 1:
        raise ValueError("level must be in (0, 1)")
    weights = successor_weights(parts)
    for p in parts:
        if not math.isfinite(p.estimate):
            raise ValueError(f"estimate of {p.code} is not finite")
    estimate = math.fsum(weights[p.code] * p.estimate for p in parts)
    se: float | None = None
    if all(p.se is not None and math.isfinite(p.se) and p.se >= 0 for p in parts):
        se = math.sqrt(math.fsum((weights[p.code] * float(p.se or 0.0)) ** 2 for p in parts))
    if se is None:
        return CombinedFigure(estimate, None, None, None, weights)
    z = float(norm.ppf(0.5 + level / 2))
    return CombinedFigure(estimate, se, estimate - z * se, estimate + z * se, weights)
