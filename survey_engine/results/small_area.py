"""Model-based (small-area) SIPAS indices for agencies whose direct index is flagged or suppressed.

The wave's direct overall index of every agency (design-based, with its design variance SE²) is smoothed
with the Fay–Herriot model of :mod:`sampling.small_area` (REML, EBLUP, Datta–Lahiri MSE). Auxiliaries,
from what the platform holds for every agency of the wave:

* ``level`` — the administrative level (province / district / commune), treatment contrasts;
* ``previous_index`` — the agency's overall index in the previous wave of the same questionnaire (the same
  series the scorecard's trend uses), used only when every agency in the model has one;
* ``counter_share`` — the share of counter ratings "satisfied" or "very satisfied" in the wave's period
  (self-selected ratings: an auxiliary of the model, never pooled with the index), used only when every
  agency in the model has at least one rating.

Agencies enter the model when their direct index has a positive, finite SE (an agency with every answer
satisfied has SE 0 and cannot be smoothed; it gets no model-based figure). If the model cannot be fitted
with all available auxiliaries (too few agencies for REML, collinear auxiliaries, such as a single level),
auxiliaries are dropped, last first, down to the intercept; if even that fails there is no model-based
figure and the views show the direct index as before. The interval is EBLUP ± z·RMSE (normal), clipped to
0–100. This module is pure (no database): the loaders hand it what they already read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sampling.results import Estimate, IndexResult
from sampling.small_area import FayHerriotFit, SmallAreaError, fay_herriot, treatment_dummies
from survey_engine.results.analysis import OVERALL
from survey_engine.results.scorecards import AgencyRow

__all__ = ["AUXILIARIES", "ModelBasedIndex", "model_based_indices"]

DOMAIN = "agency"
# The auxiliaries in the order they are tried (dropped last first when the model cannot be fitted).
AUXILIARIES = ("level", "previous_index", "counter_share")
_SATISFIED = (2, 3)  # counter codes: 3 very satisfied, 2 satisfied, 1 dissatisfied


@dataclass(frozen=True)
class ModelBasedIndex:
    """One agency's model-based overall index beside its direct one.

    ``eblup`` with ``rmse`` (√MSE) and the interval ``ci_low``–``ci_high`` at ``level``; ``gamma`` is the
    weight the model gives the agency's own (direct) index; ``auxiliaries`` the codes of
    :data:`AUXILIARIES` the model used; ``agencies`` how many agencies it was fitted on.
    """

    agency: str
    direct: Estimate
    eblup: float
    rmse: float
    ci_low: float
    ci_high: float
    level: float
    gamma: float
    sigma2_u: float
    agencies: int
    auxiliaries: tuple[str, ...]


def _directs(result: IndexResult) -> dict[str, Estimate]:
    """Every agency's overall index by code, in one pass (as ``groups.find`` finds them one by one: the
    first estimate of the domain; a search per agency would cost agencies² for a whole wave)."""
    out: dict[str, Estimate] = {}
    for e in result.groups.estimates:
        if e.variable == OVERALL and set(e.domain) == {DOMAIN}:
            out.setdefault(str(e.domain[DOMAIN]), e)
    return out


def _usable(e: Estimate | None) -> bool:
    return e is not None and math.isfinite(e.estimate) and math.isfinite(e.se) and e.se > 0


def _candidates(
    codes: Sequence[str],
    agencies: Mapping[str, AgencyRow],
    previous: IndexResult | None,
    counter: Mapping[str, Mapping[int, int]] | None,
) -> dict[str, dict[str, np.ndarray]]:
    """Auxiliary columns available for every agency in ``codes`` (keyed by auxiliary code)."""
    found: dict[str, dict[str, np.ndarray]] = {}
    levels = [agencies[c].level for c in codes]
    if len(set(levels)) > 1:
        found["level"] = treatment_dummies("level", levels)
    if previous is not None:
        earlier = _directs(previous)
        before = [earlier.get(c) for c in codes]
        if all(e is not None and math.isfinite(e.estimate) for e in before):
            found["previous_index"] = {"previous_index": np.array([e.estimate for e in before if e])}
    if counter is not None:
        counts = [counter.get(c) or {} for c in codes]
        totals = [sum(n.values()) for n in counts]
        if all(t > 0 for t in totals):
            share = [sum(n.get(k, 0) for k in _SATISFIED) / t for n, t in zip(counts, totals, strict=True)]
            found["counter_share"] = {"counter_share": 100.0 * np.asarray(share)}
    return found


def _fit(
    codes: list[str], estimates: list[Estimate], available: dict[str, dict[str, np.ndarray]]
) -> tuple[FayHerriotFit, tuple[str, ...]] | None:
    used = [a for a in AUXILIARIES if a in available]
    y = [e.estimate for e in estimates]
    psi = [e.se**2 for e in estimates]
    while True:
        columns = {name: col for a in used for name, col in available[a].items()}
        try:
            return fay_herriot(codes, y, psi, columns), tuple(used)
        except SmallAreaError:
            if not used:
                return None
            used.pop()


def model_based_indices(
    result: IndexResult,
    agencies: Sequence[AgencyRow],
    *,
    previous: IndexResult | None = None,
    counter: Mapping[str, Mapping[int, int]] | None = None,
    level: float = 0.95,
) -> dict[str, ModelBasedIndex]:
    """Model-based overall indices of the agencies that enter the model, by agency code (may be empty).

    ``result`` is an estimation by agency (the domain column ``agency`` alone); ``previous`` the previous
    wave's estimation by agency; ``counter`` counter-rating counts by agency (None: not loaded).
    """
    by_code = {a.code: a for a in agencies}
    codes: list[str] = []
    estimates: list[Estimate] = []
    directs = _directs(result)
    for code in sorted(by_code):
        e = directs.get(code)
        if _usable(e):
            assert e is not None  # noqa: S101 - narrowed by _usable
            codes.append(code)
            estimates.append(e)
    fitted = _fit(codes, estimates, _candidates(codes, by_code, previous, counter)) if codes else None
    if fitted is None:
        return {}
    fit, used = fitted
    z = float(stats.norm.ppf(0.5 + level / 2))
    out: dict[str, ModelBasedIndex] = {}
    for area, direct in zip(fit.areas, estimates, strict=True):
        out[area.area] = ModelBasedIndex(
            agency=area.area,
            direct=direct,
            eblup=area.eblup,
            rmse=area.rmse,
            ci_low=max(0.0, area.eblup - z * area.rmse),
            ci_high=min(100.0, area.eblup + z * area.rmse),
            level=level,
            gamma=area.gamma,
            sigma2_u=fit.sigma2_u,
            agencies=len(fit.areas),
            auxiliaries=used,
        )
    return out
