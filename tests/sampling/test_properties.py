"""Invariants (hypothesis): intervals contain the estimate, domains add up, row order is irrelevant."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats

from sampling import (
    Design,
    estimate_means,
    estimate_proportions,
    estimate_totals,
    linear_combination,
    proportion_interval,
)


@st.composite
def surveys(draw: st.DrawFn) -> tuple[Design, np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    n_strata = draw(st.integers(1, 4))
    psus_per = draw(st.integers(2, 4))
    rows_per = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    strata = np.repeat(np.arange(n_strata), psus_per * rows_per)
    psu = np.repeat(np.arange(n_strata * psus_per), rows_per)
    n = strata.shape[0]
    w = rng.uniform(0.5, 10.0, n)
    y = rng.normal(50, 10, n)
    b = (rng.random(n) < rng.uniform(0.1, 0.9)).astype(float)
    dom = rng.integers(0, 3, n)
    design = Design(strata=strata, psu=psu, weights=w)
    return design, y, b, dom, {"strata": strata, "psu": psu, "w": w}


@settings(max_examples=40, deadline=None)
@given(
    p=st.floats(0.0, 1.0),
    rel_se=st.floats(0.0, 0.5),
    df=st.integers(1, 500),
    n=st.integers(2, 5000),
    method=st.sampled_from(["logit", "xlogit", "korn-graubard", "wilson", "asin", "mean"]),
)
@example(p=5e-324, rel_se=0.0, df=1, n=2, method="korn-graubard")  # found by hypothesis: bound 1.8e-12 > p
def test_proportion_intervals_contain_the_estimate(
    p: float, rel_se: float, df: int, n: int, method: str
) -> None:
    se = rel_se * max(np.sqrt(p * (1 - p)), 1e-6)
    lo, hi = proportion_interval([p], [se], [df], [n], method)
    if method == "asin" and 0 < p < 1:
        # R folds sin² without truncation: once the angular half-width h exceeds 2·asin√p̂ (or π − 2·asin√p̂)
        # a folded bound passes p̂. We keep R's formula; the property holds inside those limits.
        h = stats.t.ppf(0.975, df) * se / (2 * np.sqrt(p * (1 - p)))
        a = np.arcsin(np.sqrt(p))
        if h > 2 * a or h > np.pi - 2 * a:
            assert 0 <= lo[0] <= 1 and 0 <= hi[0] <= 1
            return
    tol = 1e-12
    assert lo[0] <= p + tol and p - tol <= hi[0]


@settings(max_examples=30, deadline=None)
@given(surveys())
def test_domain_totals_sum_to_the_whole(s: tuple[Design, np.ndarray, np.ndarray, np.ndarray, dict]) -> None:
    design, y, _, dom, _ = s
    whole = estimate_totals(design, {"y": y}).estimates[0]
    by = estimate_totals(design, {"y": y}, by={"d": dom})
    assert sum(e.estimate for e in by.estimates) == np_approx(whole.estimate)
    # The variance of the sum of domain totals (joint linearisation) is the variance of the whole total.
    c = linear_combination(by, [1.0] * len(by))
    assert c.estimate.se == np_approx(whole.se)


@settings(max_examples=30, deadline=None)
@given(surveys(), st.integers(0, 2**32 - 1))
def test_se_invariant_to_row_order(
    s: tuple[Design, np.ndarray, np.ndarray, np.ndarray, dict], seed: int
) -> None:
    design, y, b, dom, raw = s
    perm = np.random.default_rng(seed).permutation(design.n_rows)
    shuffled = Design(strata=raw["strata"][perm], psu=raw["psu"][perm], weights=raw["w"][perm])
    a = estimate_means(design, {"y": y}, by={"d": dom})
    c = estimate_means(shuffled, {"y": y[perm]}, by={"d": dom[perm]})
    for e1, e2 in zip(a.estimates, c.estimates, strict=True):
        assert e1.domain == e2.domain
        assert e1.estimate == np_approx(e2.estimate) and e1.se == np_approx(e2.se) and e1.df == e2.df
    p1 = estimate_proportions(design, {"b": b}, ci="korn-graubard").estimates[0]
    p2 = estimate_proportions(shuffled, {"b": b[perm]}, ci="korn-graubard").estimates[0]
    assert p1.se == np_approx(p2.se) and p1.ci_low == np_approx(p2.ci_low)


class np_approx:  # reads like pytest.approx in the asserts above
    """Equality to 1e-9 relative (or 1e-9 absolute near 0)."""

    def __init__(self, value: float) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return bool(np.isclose(float(other), self.value, rtol=1e-9, atol=1e-9))  # type: ignore[arg-type]

    def __hash__(self) -> int:
        return 0
