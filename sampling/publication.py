"""Publication (reliability) rules: which estimates to show, flag for review or suppress.

Rules (every verdict carries a short English reason):

* ``"nchs2017"`` — NCHS Data Presentation Standards for Proportions (Parker et al. 2017, Vital Health
  Stat 2(175)): suppress when n < 30 or the effective sample size n_eff = p̂(1 − p̂)/SE² (capped at n) is
  < 30; present when the Korn–Graubard 95 % interval width ≤ 0.05; suppress when it is ≥ 0.30; otherwise
  suppress when width/p̂ > 130 %; flag for review when df < 8 or p̂ is 0 or 1.
* ``"nchs3030"`` — the older NCHS rule: suppress when n < 30, review when RSE = SE/|θ̂| ≥ 30 %.
* ``"statcan-cv"`` — Statistics Canada CV bands: CV ≤ 16.5 % release, ≤ 33.3 % use with caution
  (review), otherwise suppress.
* ``"auto"`` — ``nchs2017`` for proportions and indices on the 0–1 scale, ``nchs3030`` otherwise.
* ``"none"`` — no flags.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

import numpy as np

from sampling.errors import EstimationError
from sampling.intervals import proportion_interval
from sampling.results import Estimate

__all__ = ["PUBLICATION_RULES", "PublicationRule", "apply_rule", "assess", "nchs_effective_n"]

PublicationRule = Literal["auto", "nchs2017", "nchs3030", "statcan-cv", "none"]
PUBLICATION_RULES: tuple[str, ...] = ("auto", "nchs2017", "nchs3030", "statcan-cv", "none")
_PROPORTION_STATISTICS = frozenset({"proportion", "index"})


def nchs_effective_n(p: float, se: float, n: int) -> float:
    """NCHS 2017 effective sample size p̂(1 − p̂)/SE², capped at n (n itself when SE = 0)."""
    if not math.isfinite(se) or se <= 0:
        return float(n)
    return float(min(n, p * (1.0 - p) / (se * se)))


def _kg_widths(estimates: list[Estimate], scale: float) -> np.ndarray:
    """Korn–Graubard 95 % widths on the 0–1 scale, in one vectorised call."""
    if not estimates:
        return np.zeros(0)
    p = np.array([e.estimate / scale for e in estimates])
    se = np.array([e.se / scale for e in estimates])
    df = np.array([np.inf if e.df is None else e.df for e in estimates])
    n = np.array([e.n for e in estimates], dtype=np.float64)
    low, high = proportion_interval(p, se, df, n, "korn-graubard", 0.95)
    return np.asarray(high - low)


def _nchs2017(e: Estimate, scale: float, width: float | None = None) -> tuple[str | None, str | None]:
    p, se = e.estimate / scale, e.se / scale
    if e.n < 30:
        return "suppress", f"sample size {e.n} < 30"
    n_eff = nchs_effective_n(p, se, e.n)
    if n_eff < 30:
        return "suppress", f"effective sample size {n_eff:.0f} < 30"
    if width is None:
        width = float(_kg_widths([e], scale)[0])
    if width >= 0.30:
        return "suppress", f"Korn-Graubard CI width {width:.3f} >= 0.30"
    if width > 0.05 and p > 0 and width / p > 1.30:
        return "suppress", f"relative CI width {100 * width / p:.0f}% > 130%"
    if e.df is not None and e.df < 8:
        return "review", f"degrees of freedom {e.df:g} < 8"
    if p <= 0 or p >= 1:
        return "review", f"estimate is {100 * p:.0f}%"
    return None, None


def _nchs3030(e: Estimate) -> tuple[str | None, str | None]:
    if e.n < 30:
        return "suppress", f"sample size {e.n} < 30"
    if e.estimate == 0 or not math.isfinite(e.se):
        return "review", "relative standard error undefined"
    rse = e.se / abs(e.estimate)
    if rse >= 0.30:
        return "review", f"relative standard error {100 * rse:.0f}% >= 30%"
    return None, None


def _statcan(e: Estimate) -> tuple[str | None, str | None]:
    if e.estimate == 0 or not math.isfinite(e.se):
        return "suppress", "coefficient of variation undefined"
    cv = e.se / abs(e.estimate)
    if cv <= 0.165:
        return None, None
    if cv <= 0.333:
        return "review", f"CV {100 * cv:.1f}%: use with caution"
    return "suppress", f"CV {100 * cv:.1f}% > 33.3%"


def assess(e: Estimate, rule: str = "auto", *, scale: float = 1.0) -> tuple[str | None, str | None]:
    """Verdict ``(flag, reason)`` for one estimate; ``scale`` = 100 when proportions are percentages."""
    if rule == "auto":
        rule = "nchs2017" if e.statistic in _PROPORTION_STATISTICS else "nchs3030"
    if rule == "none":
        return None, None
    if rule == "nchs2017":
        return _nchs2017(e, scale)
    if rule == "nchs3030":
        return _nchs3030(e)
    if rule == "statcan-cv":
        return _statcan(e)
    raise EstimationError(f"unknown publication rule {rule!r}; use one of {', '.join(PUBLICATION_RULES)}")


def apply_rule(
    estimates: Iterable[Estimate], rule: str = "auto", *, scale: float = 1.0
) -> tuple[Estimate, ...]:
    """New estimates with ``flag`` and ``flag_reason`` set by ``rule``."""
    items = list(estimates)
    if rule not in PUBLICATION_RULES:
        raise EstimationError(f"unknown publication rule {rule!r}; use one of {', '.join(PUBLICATION_RULES)}")
    uses_kg = [
        rule == "nchs2017" or (rule == "auto" and e.statistic in _PROPORTION_STATISTICS) for e in items
    ]
    widths = _kg_widths([e for e, u in zip(items, uses_kg, strict=True) if u], scale)
    out = []
    w_iter = iter(widths)
    for e, u in zip(items, uses_kg, strict=True):
        if u:
            flag, reason = _nchs2017(e, scale, float(next(w_iter)))
        else:
            flag, reason = assess(e, rule, scale=scale)
        out.append(e.with_values(flag=flag, flag_reason=reason))
    return tuple(out)
