"""Interval formulas against hand calculations and statsmodels (R-equality is in test_r_core.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from sampling import EstimationError, proportion_interval, wald_interval
from sampling.intervals import korn_graubard_effective_n, quantile


def test_wald_t_and_normal() -> None:
    lo, hi = wald_interval([10.0], [2.0], [5], 0.95)
    q = stats.t.ppf(0.975, 5)
    assert (lo[0], hi[0]) == pytest.approx((10 - 2 * q, 10 + 2 * q), rel=1e-14)
    lo, hi = wald_interval([10.0], [2.0], None, 0.90)
    assert hi[0] - 10 == pytest.approx(2 * 1.6448536269514722, rel=1e-12)
    assert math.isnan(quantile(0.95, [0.0])[0])  # a domain in a single PSU has no interval


def test_logit_by_hand() -> None:
    p, se, df = 0.3, 0.05, 20
    q = stats.t.ppf(0.975, df)
    half = q * se / (p * (1 - p))
    expit = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    lo, hi = proportion_interval([p], [se], [df], [100], "logit")
    assert (lo[0], hi[0]) == pytest.approx(
        (expit(math.log(p / (1 - p)) - half), expit(math.log(p / (1 - p)) + half))
    )
    lo2, hi2 = proportion_interval([p], [se], [df], [100], "xlogit")
    assert (lo2[0], hi2[0]) == (lo[0], hi[0])


def test_korn_graubard_equals_clopper_pearson_on_effective_n() -> None:
    # With df = n − 1 the df adjustment is 1 and KG is Clopper–Pearson on n* = p(1 − p)/V
    # (docs/statistics.md).
    p, se, n = 0.2, 0.04, 200
    n_star = p * (1 - p) / se**2
    lo, hi = proportion_interval([p], [se], [n - 1], [n], "korn-graubard")
    ref = proportion_confint(n_star * p, n_star, alpha=0.05, method="beta")
    assert (lo[0], hi[0]) == pytest.approx(ref, rel=1e-10)
    assert korn_graubard_effective_n([p], [se], [n - 1], [n])[0] == pytest.approx(n_star)
    # Fewer design df widen the interval through (t_{n−1}/t_df)² < 1.
    lo_d, hi_d = proportion_interval([p], [se], [10], [n], "beta")
    assert lo_d[0] < lo[0] and hi_d[0] > hi[0]


def test_korn_graubard_at_zero_and_one_uses_n() -> None:
    lo, hi = proportion_interval([0.0, 1.0], [0.0, 0.0], [30, 30], [40, 40], "korn-graubard")
    assert lo[0] == 0.0 and hi[1] == 1.0
    # Clopper–Pearson with 0 of 40 (t-ratio ≈ 1 since df = 30 vs 39): upper ≈ 1 − 0.025^(1/40)
    assert hi[0] == pytest.approx(1 - 0.025 ** (1 / 40), rel=0.05)
    assert lo[1] == pytest.approx(0.025 ** (1 / 40), rel=0.05)


def test_wilson_on_effective_n_by_hand() -> None:
    p, se, df = 0.4, 0.05, math.inf
    n = p * (1 - p) / se**2
    z = stats.norm.ppf(0.975)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lo, hi = proportion_interval([p], [se], [df], [500], "wilson")
    assert (lo[0], hi[0]) == pytest.approx((centre - half, centre + half), rel=1e-12)


def test_asin_folds_without_truncation_and_mean_is_wald() -> None:
    p, se, df = 0.02, 0.03, 12
    q = stats.t.ppf(0.975, df)
    a = math.asin(math.sqrt(p))
    h = q * se / (2 * math.sqrt(p * (1 - p)))
    lo, hi = proportion_interval([p], [se], [df], [50], "asin")
    assert (lo[0], hi[0]) == pytest.approx((math.sin(a - h) ** 2, math.sin(a + h) ** 2))
    assert lo[0] > 0  # folded at 0 as R does
    lo, hi = proportion_interval([p], [se], [df], [50], "mean")
    assert (lo[0], hi[0]) == pytest.approx((p - q * se, p + q * se))


def test_unknown_method_and_bad_level() -> None:
    with pytest.raises(EstimationError, match="unknown interval method"):
        proportion_interval([0.5], [0.1], [10], [10], "exact")
    with pytest.raises(EstimationError, match="level"):
        wald_interval([0.5], [0.1], [10], 1.5)


def test_vectorised_shapes() -> None:
    p = np.full((3, 4), 0.5)
    lo, hi = proportion_interval(p, p * 0.1, np.full((3, 4), 10.0), np.full((3, 4), 100), "korn-graubard")
    assert lo.shape == (3, 4) and np.all(lo < 0.5) and np.all(hi > 0.5)
