"""Counter-rating figures with intervals, for the counter dashboard and the officers' results (pure).

Counter ratings are a census of the dossiers whose holders chose to rate, not a probability sample: no
design weights exist. The intervals treat the ratings of a period as a simple random sample of ratings
(R: ``svydesign(ids = ~1, weights = ~1)``, no finite population correction), which measures how much
the figure would move with other raters of the same kind, and nothing about who chose to rate:

* a share (satisfied or very satisfied on ``counter-3``): ``svymean`` estimate and standard error, the
  95 % interval of ``svyciprop(method = "logit")`` (t quantile with n − 1 degrees of freedom); when
  every rating or none is in the share the logit interval does not exist, and the exact
  Clopper–Pearson interval is given instead;
* the Decree 61 score (``decree61-9``: the sum of the nine indicators, 0–2 each, 18 at most): the mean
  score, its ``svymean`` standard error, and ``confint(…, df = degf(design))`` (t, n − 1 degrees of
  freedom), cut to 0–18 for display only.

Fixtures from R: tests/integrations/r_counter_srs.R.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from scipy import stats

from survey_engine.questionnaire.template_counter import DECREE61_BANDS

LEVEL = 0.95
D61_MAX = 18.0
# Grading of a Decree 61 total, applied to the mean total of a period (lower bound, band code), highest
# first: the same bands as the decree61-9 questionnaire's index rule, so the dashboard and the estimates
# never grade one score two ways.
D61_BANDS: tuple[tuple[float, str], ...] = tuple((b.min, b.code) for b in reversed(DECREE61_BANDS))


@dataclass(frozen=True)
class Figure:
    """An estimate with its standard error and 95 % interval (None where n is too small for one)."""

    n: int
    estimate: float
    se: float | None
    low: float | None
    high: float | None

    def as_json(self, scale: float = 1.0) -> dict[str, object]:
        def scaled(value: float | None) -> float | None:
            return None if value is None else value * scale

        return {
            "n": self.n,
            "estimate": scaled(self.estimate),
            "se": scaled(self.se),
            "low": scaled(self.low),
            "high": scaled(self.high),
        }


def share(yes: int, n: int) -> Figure | None:
    """The share ``yes / n`` with the logit interval of R's ``svyciprop`` (exact at 0 and 1)."""
    if n <= 0:
        return None
    p = yes / n
    if n < 2:
        return Figure(n, p, None, None, None)
    se = math.sqrt(p * (1 - p) / (n - 1))
    if yes in (0, n):
        alpha = 1 - LEVEL
        low = 0.0 if yes == 0 else float(stats.beta.ppf(alpha / 2, yes, n - yes + 1))
        high = 1.0 if yes == n else float(stats.beta.ppf(1 - alpha / 2, yes + 1, n - yes))
        return Figure(n, p, se, low, high)
    t = float(stats.t.ppf(1 - (1 - LEVEL) / 2, n - 1))
    logit = math.log(p / (1 - p))
    half = t * se / (p * (1 - p))
    return Figure(n, p, se, _expit(logit - half), _expit(logit + half))


def mean(counts: Mapping[float, int]) -> Figure | None:
    """The mean of values given as ``{value: count}``, with R's ``svymean`` SE and t interval."""
    n = sum(counts.values())
    if n <= 0:
        return None
    m = sum(v * c for v, c in counts.items()) / n
    if n < 2:
        return Figure(n, m, None, None, None)
    variance = sum(c * (v - m) ** 2 for v, c in counts.items()) / (n - 1)
    se = math.sqrt(variance / n)
    t = float(stats.t.ppf(1 - (1 - LEVEL) / 2, n - 1))
    return Figure(n, m, se, m - t * se, m + t * se)


def d61_band(score: float) -> str:
    """The grading band of a Decree 61 total (or mean total)."""
    return next(band for bound, band in D61_BANDS if score >= bound)


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))
